//! Business hours: which days a store opens, its rows as written (with the odd layouts
//! exports have), and the spans of the week they cover as SPEC §4 reads them.

use super::rng::Rng;
use super::{GenHours, Owner};
use crate::engine::time::{
    Micros, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};

/// A row of the business-hours file, in file order.
#[derive(Debug, Clone, Copy)]
pub(super) enum HoursLine {
    Row {
        owner: Owner,
        hours: GenHours,
        short: bool,
    },
    /// A deliberately invalid row of kind `kind` (see [`GeneratedData::write_hours`]).
    Bad { owner: Owner, kind: u8 },
}

/// A store's valid hours as lines of the hours file (`short`: written as `HH:MM`).
pub(super) fn hours_lines(owner: Owner, hours: &[GenHours], short: bool) -> Vec<HoursLine> {
    hours
        .iter()
        .map(|&hours| HoursLine::Row {
            owner,
            hours,
            short,
        })
        .collect()
}

pub(super) const fn hm(h: i64, m: i64) -> Micros {
    h * MICROS_PER_HOUR + m * MICROS_PER_MINUTE
}

pub(super) const fn hms(h: i64, m: i64, s: i64) -> Micros {
    hm(h, m) + s * MICROS_PER_SECOND
}

/// The days of the week a store is open: all, or all but one to three.
pub(super) fn open_days(rng: &mut Rng) -> Vec<u8> {
    let mut days: Vec<u8> = (0..7).collect();
    if rng.chance(0.3) {
        rng.shuffle(&mut days);
        days.truncate(7 - rng.between(1, 3) as usize);
        days.sort_unstable();
    }
    days
}

/// A store's business-hours rows as written, and whether to write `HH:MM` without seconds.
pub(super) fn make_hours(rng: &mut Rng, nasty: bool) -> (Vec<GenHours>, bool) {
    let mut rows = Vec::new();
    let row = |day: u8, start: Micros, end: Micros| GenHours { day, start, end };
    let midnight_ends: &[Micros] = if nasty {
        &[hm(23, 59), hms(23, 59, 59), MICROS_PER_DAY]
    } else {
        &[hm(23, 59), hms(23, 59, 59)]
    };
    let r = rng.unit();
    let mut ordinary = false;
    if r < 0.15 {
        // No rows: open 24/7 by default.
    } else if r < 0.20 {
        // Open all day, written as the exports do.
        let end = rng.pick(midnight_ends);
        rows.extend((0..7).map(|d| row(d, 0, end)));
    } else if r < 0.22 {
        // Real quirk: open a minute or so a day; polls rarely land in business time.
        let end = rng.pick(&[hm(0, 1), hm(0, 10), hm(0, 30)]);
        rows.extend((0..7).map(|d| row(d, 0, end)));
    } else if r < 0.62 {
        ordinary = true;
        let starts = [
            hm(6, 30),
            hm(7, 0),
            hm(9, 0),
            hm(10, 0),
            hm(10, 30),
            hm(10, 45),
            hm(11, 0),
        ];
        let mut ends = vec![
            hm(17, 0),
            hm(21, 0),
            hm(21, 10),
            hm(21, 30),
            hm(22, 0),
            hm(22, 30),
            hm(23, 0),
            hm(23, 30),
        ];
        ends.extend_from_slice(midnight_ends);
        let (start, end) = (rng.pick(&starts), rng.pick(&ends));
        let weekend_start = if rng.chance(0.3) { hm(12, 0) } else { start };
        for d in open_days(rng) {
            rows.push(row(d, if d >= 5 { weekend_start } else { start }, end));
        }
    } else if r < 0.77 {
        // Lunch and dinner: two rows on most days.
        ordinary = true;
        let lunch_end = rng.pick(&[hm(14, 0), hm(14, 30), hm(15, 0)]);
        let dinner = rng.pick(&[
            (hm(17, 0), hm(22, 0)),
            (hm(17, 30), hm(21, 30)),
            (hm(18, 0), hm(23, 0)),
        ]);
        for d in open_days(rng) {
            if rng.chance(0.8) {
                rows.push(row(d, hm(11, 0), lunch_end));
                rows.push(row(d, dinner.0, dinner.1));
            } else {
                rows.push(row(d, hm(11, 0), dinner.1));
            }
        }
    } else {
        // Past midnight, split the real way: `11:00-23:59` on D, `00:00-01:00` on D + 1.
        ordinary = true;
        let open = rng.pick(&[hm(10, 0), hm(11, 0), hm(16, 0), hm(18, 0)]);
        let close = rng.pick(&[hm(1, 0), hm(2, 0), hm(3, 0)]);
        let end = rng.pick(midnight_ends);
        for d in open_days(rng) {
            rows.push(row(d, open, end));
            rows.push(row((d + 1) % 7, 0, close));
        }
    }
    if nasty && ordinary {
        if rng.chance(0.05) {
            // True overnight rows (end < start), which the real exports never write.
            for _ in 0..rng.between(1, 3) {
                let start = rng.pick(&[hm(20, 0), hm(22, 0), hm(23, 30)]);
                rows.push(row(
                    rng.below(7) as u8,
                    start,
                    rng.pick(&[hm(2, 0), hm(4, 0)]),
                ));
            }
        }
        if rng.chance(0.04) {
            // start = end: 24 hours from the start.
            let t = rng.pick(&[0, hm(10, 0), hm(17, 30)]);
            rows.push(row(rng.below(7) as u8, t, t));
        }
    }
    rng.shuffle(&mut rows);
    let short = nasty && !rows.is_empty() && rng.chance(0.06);
    (rows, short)
}

/// A span of business time in the week: from `from` (microseconds after Monday 00:00
/// local) for `len` (SPEC §4's reading of one row).
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) from: Micros,
    pub(super) len: Micros,
}

pub(super) fn spans(hours: &[GenHours]) -> Vec<Span> {
    hours
        .iter()
        .map(|h| {
            let end = if h.end >= hm(23, 59) {
                MICROS_PER_DAY
            } else {
                h.end
            };
            let len = match end.cmp(&h.start) {
                std::cmp::Ordering::Greater => end - h.start,
                std::cmp::Ordering::Less => end + MICROS_PER_DAY - h.start,
                std::cmp::Ordering::Equal => MICROS_PER_DAY,
            };
            Span {
                from: i64::from(h.day) * MICROS_PER_DAY + h.start,
                len,
            }
        })
        .collect()
}
