//! Writing the three CSV files as the real exports look, with the deliberately invalid rows
//! of a nasty set counted in [`WriteStats::bad_rows`].

use std::io::{self, Write};

use super::hours::HoursLine;
use super::rng::{Rng, STREAM_WRITE_STATUS};
use super::text::{push_time_of_day, push_timestamp, Layout, Lines};
use super::{GenPoll, GeneratedData, IdStyle, Owner, WriteStats};
use crate::engine::time::MICROS_PER_HOUR;

pub(super) const BAD_HOURS_KINDS: usize = 6;

impl GeneratedData {
    /// The three files in memory: status, hours, timezones (for tests and benchmarks).
    pub fn files_in_memory(&self) -> [Vec<u8>; 3] {
        let mut files = [Vec::new(), Vec::new(), Vec::new()];
        // Writing to a `Vec` cannot fail.
        let _ = self.write_status(&mut files[0]);
        let _ = self.write_hours(&mut files[1]);
        let _ = self.write_timezones(&mut files[2]);
        files
    }

    fn owner_id(&self, owner: Owner) -> &str {
        match owner {
            Owner::Store(i) => &self.stores[i].id,
            Owner::Extra(i) => &self.extra_store_ids[i],
        }
    }

    /// Writes the status polls (`store_status.csv`): blocks of hours to days in ascending
    /// or descending time order, the blocks shuffled, as the real export looks. Nasty: a
    /// byte-order mark, `T…Z` and `±HH:MM` timestamps, odd case and quoting, and invalid
    /// rows (a cut timestamp, status `unknown` after `end`, an empty id, month 13, a
    /// missing column, a `CET` suffix).
    pub fn write_status(&self, out: &mut impl Write) -> io::Result<WriteStats> {
        let config = &self.config;
        let nasty = config.nasty;
        let mut rng = Rng::new(config.seed, STREAM_WRITE_STATUS);
        let mut w = Lines::new(out);
        if nasty {
            w.buf.extend_from_slice(b"\xEF\xBB\xBF");
        }
        w.buf.extend_from_slice(b"store_id,status,timestamp_utc");

        // Blocks of 6 to 48 hours of polls.
        let n = self.polls.len();
        let mut blocks = Vec::new();
        let mut lo = 0;
        while lo < n {
            let until = self.polls[lo].at + rng.between(6 * MICROS_PER_HOUR, 48 * MICROS_PER_HOUR);
            let hi = lo + self.polls[lo..].partition_point(|p| p.at < until);
            blocks.push((lo, hi, rng.chance(0.3)));
            lo = hi;
        }
        rng.shuffle(&mut blocks);

        let bad = if nasty && !self.stores.is_empty() {
            6 + n / 200_000
        } else {
            0
        };
        let mut bad_at: Vec<usize> = (0..bad).map(|_| rng.index(n + 1)).collect();
        bad_at.sort_unstable();
        let mut stats = WriteStats::default();
        let mut next_bad = 0;
        let mut written = 0;
        for (lo, hi, reversed) in blocks {
            for k in 0..hi - lo {
                let i = if reversed { hi - 1 - k } else { lo + k };
                while next_bad < bad_at.len() && bad_at[next_bad] == written {
                    w.new_line()?;
                    self.push_bad_status(&mut w.buf, next_bad, &mut rng);
                    next_bad += 1;
                }
                w.new_line()?;
                self.push_status(&mut w.buf, &self.polls[i], &mut rng);
                written += 1;
            }
        }
        while next_bad < bad_at.len() {
            w.new_line()?;
            self.push_bad_status(&mut w.buf, next_bad, &mut rng);
            next_bad += 1;
        }
        stats.rows = (written + bad) as u64;
        stats.bad_rows = bad as u64;
        w.finish(true)?;
        Ok(stats)
    }

    fn push_status(&self, buf: &mut Vec<u8>, poll: &GenPoll, rng: &mut Rng) {
        let id = self.stores[poll.store].id.as_bytes();
        let mut layout = Layout::Utc;
        let mut odd_case = false;
        if self.config.nasty {
            let r = rng.unit();
            if r < 0.001 {
                buf.push(b'"');
                buf.extend_from_slice(id);
                buf.push(b'"');
            } else {
                buf.extend_from_slice(id);
            }
            odd_case = (0.001..0.003).contains(&r);
            layout = if (0.003..0.007).contains(&r) {
                Layout::Zulu
            } else if (0.007..0.011).contains(&r) {
                rng.pick(&[
                    Layout::Offset(120, false),
                    Layout::Offset(-300, true),
                    Layout::Offset(330, false),
                    Layout::Offset(-420, false),
                    Layout::Offset(60, true),
                ])
            } else {
                Layout::Utc
            };
        } else {
            buf.extend_from_slice(id);
        }
        buf.extend_from_slice(match (poll.active, odd_case) {
            (true, false) => b",active,",
            (false, false) => b",inactive,",
            (true, true) => b",Active,",
            (false, true) => b", INACTIVE,",
        });
        push_timestamp(buf, poll.at, layout);
    }

    fn push_bad_status(&self, buf: &mut Vec<u8>, k: usize, rng: &mut Rng) {
        let id = self.stores[rng.index(self.stores.len())].id.as_bytes();
        let end = self.config.end;
        match k % 6 {
            0 => {
                buf.extend_from_slice(id);
                buf.extend_from_slice(b",active,2023-01-2");
            }
            1 => {
                // Later than every valid poll: must not become `now`.
                buf.extend_from_slice(id);
                buf.extend_from_slice(b",unknown,");
                push_timestamp(buf, end + MICROS_PER_HOUR, Layout::Utc);
            }
            2 => {
                buf.extend_from_slice(b",active,");
                push_timestamp(buf, end + 2 * MICROS_PER_HOUR, Layout::Utc);
            }
            3 => {
                buf.extend_from_slice(id);
                buf.extend_from_slice(b",inactive,2024-13-01 00:00:00 UTC");
            }
            4 => {
                buf.extend_from_slice(id);
                buf.extend_from_slice(b",inactive");
            }
            _ => {
                buf.extend_from_slice(id);
                buf.extend_from_slice(b",active,");
                push_timestamp(buf, end - 3 * MICROS_PER_HOUR, Layout::Utc);
                buf.truncate(buf.len() - 3);
                buf.extend_from_slice(b"CET");
            }
        }
    }

    /// Writes the business hours (`menu_hours.csv`), a store's rows together, its days in
    /// random order. Nasty: `HH:MM` for some stores, no final newline, and invalid rows
    /// (weekday 7, `25:00`, an empty id, a `24:00` start, `9am`, a missing column).
    pub fn write_hours(&self, out: &mut impl Write) -> io::Result<WriteStats> {
        let mut w = Lines::new(out);
        w.buf.extend_from_slice(match self.config.id_style {
            IdStyle::Uuid => b"store_id,dayOfWeek,start_time_local,end_time_local",
            IdStyle::Integer => b"store_id,day,start_time_local,end_time_local",
        });
        let mut stats = WriteStats::default();
        for line in &self.hours_lines {
            w.new_line()?;
            stats.rows += 1;
            let buf = &mut w.buf;
            match *line {
                HoursLine::Row {
                    owner,
                    hours,
                    short,
                } => {
                    buf.extend_from_slice(self.owner_id(owner).as_bytes());
                    buf.push(b',');
                    buf.push(b'0' + hours.day);
                    buf.push(b',');
                    push_time_of_day(buf, hours.start, short);
                    buf.push(b',');
                    push_time_of_day(buf, hours.end, short);
                }
                HoursLine::Bad { owner, kind } => {
                    stats.bad_rows += 1;
                    let id = self.owner_id(owner).as_bytes();
                    let (id, rest): (&[u8], &[u8]) = match kind {
                        0 => (id, b",7,09:00:00,17:00:00"),
                        1 => (id, b",1,25:00,17:00:00"),
                        2 => (b"", b",2,09:00:00,17:00:00"),
                        3 => (id, b",3,24:00:00,10:00:00"),
                        4 => (id, b",4,9am,17:00:00"),
                        _ => (id, b",5,09:00:00"),
                    };
                    buf.extend_from_slice(id);
                    buf.extend_from_slice(rest);
                }
            }
        }
        w.finish(!self.config.nasty)?;
        Ok(stats)
    }

    /// Writes the timezones (`timezones.csv`). Nasty: duplicate rows, a second different
    /// zone, unknown names, an empty id, no final newline.
    pub fn write_timezones(&self, out: &mut impl Write) -> io::Result<WriteStats> {
        let mut w = Lines::new(out);
        w.buf.extend_from_slice(b"store_id,timezone_str");
        let mut stats = WriteStats::default();
        for line in &self.zone_lines {
            w.new_line()?;
            stats.rows += 1;
            stats.bad_rows += u64::from(line.bad);
            if let Some(owner) = line.owner {
                w.buf.extend_from_slice(self.owner_id(owner).as_bytes());
            }
            w.buf.push(b',');
            w.buf.extend_from_slice(line.name.as_bytes());
        }
        w.finish(!self.config.nasty)?;
        Ok(stats)
    }

    /// Writes `store_status.csv`, `menu_hours.csv` and `timezones.csv` into `dir`
    /// (created if needed).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn write_all(&self, dir: &std::path::Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let create = |name: &str| {
            std::fs::File::create(dir.join(name)).map(|f| io::BufWriter::with_capacity(1 << 16, f))
        };
        let mut status = create(super::STATUS_FILE)?;
        self.write_status(&mut status)?;
        status.flush()?;
        let mut hours = create(super::HOURS_FILE)?;
        self.write_hours(&mut hours)?;
        hours.flush()?;
        let mut zones = create(super::TIMEZONES_FILE)?;
        self.write_timezones(&mut zones)?;
        zones.flush()
    }
}
