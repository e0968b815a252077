//! Outages, status now, the week by day and the fleet timeline (SPEC §9): more sums over
//! the same per-store [`Timeline`] the report's numbers come from, taken in the same pass
//! ([`analyse_figures`]), so every figure agrees with the report in exact time.
//!
//! Per store: [`StoreFigures`] (its outages and its seven 24-hour periods); status now,
//! last poll, the outage count and the longest outage are on the [`StoreReport`] itself,
//! since the extended report writes them. For the fleet: [`FleetFigures`] (the seven
//! periods summed and the 672 fifteen-minute slots).
//!
//! Pure like the rest of the engine: no I/O beyond `Write`, no panic on any input.

use std::io::{self, Write};
use std::ops::ControlFlow;

use chrono_tz::Tz;

use super::business::{utc_offset, ZoneClock};
use super::error::RunError;
use super::ingest::Dataset;
use super::report::{assemble, formula_safe, write_field, Hundredths, Report, StoreReport};
#[cfg(not(target_arch = "wasm32"))]
use super::stores::drive_parallel;
use super::stores::{drive, Options, StoreSink, StoreTimeline};
use super::time::{civil_from_days, Micros, MICROS_PER_DAY, MICROS_PER_MINUTE, MICROS_PER_SECOND};
use super::timeline::{to_ticks, State, Tick, Timeline, Totals};
use super::Progress;

/// The seven 24-hour periods of the week, oldest first (SPEC §9).
pub const PERIODS: usize = 7;
/// The fleet timeline's slots: 7 × 24 × 4 (SPEC §9).
pub const SLOTS: usize = 672;
/// A slot's length.
pub const SLOT_MICROS: Micros = 15 * MICROS_PER_MINUTE;

/// The status just before `now` (SPEC §9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StatusNow {
    Up,
    Down,
    #[default]
    Closed,
    /// A store without any observation (SPEC §5), whatever its hours.
    NoData,
}

impl StatusNow {
    /// The position in [`StatusNow::ALL`] (counts and the page's compact rows use it).
    pub fn index(self) -> usize {
        self as usize
    }

    pub const ALL: [StatusNow; 4] = [
        StatusNow::Up,
        StatusNow::Down,
        StatusNow::Closed,
        StatusNow::NoData,
    ];

    /// As written in the extended report and the summary.
    pub fn name(self) -> &'static str {
        match self {
            StatusNow::Up => "up",
            StatusNow::Down => "down",
            StatusNow::Closed => "closed",
            StatusNow::NoData => "no data",
        }
    }

    /// The status of a store's timeline (which ends at `now`): SPEC §9 asks "closed" first,
    /// so a store without observations that is closed at `now` is `closed`; open, it is
    /// `no data` (its business time is all no-data segments).
    pub fn of(st: &StoreTimeline) -> StatusNow {
        match st.timeline.segments.last().map(|s| s.state) {
            Some(State::Up) => StatusNow::Up,
            Some(State::Down) => StatusNow::Down,
            Some(State::NoData) => StatusNow::NoData,
            Some(State::Closed) | None => StatusNow::Closed,
        }
    }
}

/// A maximal stretch of down business time not interrupted by up time (SPEC §9). Closed
/// time inside it joins its down parts but does not count in `down`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// The first down instant.
    pub start: Tick,
    /// The end of the last down part (exclusive).
    pub end: Tick,
    /// Down business time inside `[start, end)`.
    pub down: Tick,
    /// The last down instant is `now` (the timeline's end).
    pub ongoing: bool,
    /// The first down instant is the week's start.
    pub from_week_start: bool,
}

/// The outages of a timeline, in time order, from one walk over its segments.
#[derive(Debug, Clone)]
pub struct Outages<'a> {
    timeline: &'a Timeline,
    next: usize,
}

/// Every outage of `timeline`, in order (see [`Outage`]).
pub fn outages(timeline: &Timeline) -> Outages<'_> {
    Outages { timeline, next: 0 }
}

impl Iterator for Outages<'_> {
    type Item = Outage;

    fn next(&mut self) -> Option<Outage> {
        let segments = &self.timeline.segments;
        let first = self.next
            + segments[self.next..]
                .iter()
                .position(|s| s.state == State::Down)?;
        let mut outage = Outage {
            start: segments[first].start,
            end: segments[first].end,
            down: 0,
            ongoing: false,
            from_week_start: segments[first].start == self.timeline.from,
        };
        let mut i = first;
        while let Some(s) = segments.get(i) {
            match s.state {
                State::Down => {
                    outage.down += s.end - s.start;
                    outage.end = s.end;
                }
                State::Closed => {}
                State::Up | State::NoData => break,
            }
            i += 1;
        }
        self.next = i;
        outage.ongoing = outage.end == self.timeline.to;
        Some(outage)
    }
}

/// One store's figures beyond its report row (SPEC §9), in report order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFigures {
    /// In time order.
    pub outages: Vec<Outage>,
    /// The store's UTC offset (local = UTC + offset) at each outage's start and end, from
    /// the analyser's zone clock, for the local times.
    pub offsets: Vec<(Micros, Micros)>,
    /// Up, down and no-data time of the seven 24-hour periods ending at `now`, oldest first.
    pub periods: [Totals; PERIODS],
}

impl StoreFigures {
    /// The start of the ongoing outage: since when the store has been down.
    pub fn down_since(&self) -> Option<Tick> {
        self.outages.last().filter(|o| o.ongoing).map(|o| o.start)
    }
}

/// Up and down business time of the fleet in one 15-minute slot, and how many stores had
/// any (SPEC §9: `open`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlotTotals {
    pub open: u32,
    pub up: Tick,
    pub down: Tick,
}

impl SlotTotals {
    pub fn observed(&self) -> Tick {
        self.up + self.down
    }
}

/// The fleet's seven periods and 672 slots: sums over the stores (order-free, so the
/// parallel parts add up to the same integers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetFigures {
    pub periods: [Totals; PERIODS],
    /// [`SLOTS`] slots from the week's start.
    pub slots: Vec<SlotTotals>,
    /// Pending whole-slot counts (up, down, open) as differences, folded into `slots` by
    /// [`FleetFigures::finish`]: a store then costs O(segments), not O(slots).
    pending: Vec<[i64; 3]>,
}

impl Default for FleetFigures {
    fn default() -> FleetFigures {
        FleetFigures {
            periods: [Totals::default(); PERIODS],
            slots: vec![SlotTotals::default(); SLOTS],
            pending: vec![[0; 3]; SLOTS + 1],
        }
    }
}

fn add_totals(a: &mut Totals, b: &Totals) {
    a.up += b.up;
    a.down += b.down;
    a.no_data += b.no_data;
}

impl FleetFigures {
    /// Adds one store: its periods, and its up and down time cut at slot boundaries. Call
    /// [`FleetFigures::finish`] once every store is in.
    pub fn add_store(&mut self, timeline: &Timeline, periods: &[Totals; PERIODS]) {
        for (sum, p) in self.periods.iter_mut().zip(periods) {
            add_totals(sum, p);
        }
        let len = to_ticks(SLOT_MICROS);
        let span = len * SLOTS as Tick;
        let mut counted: i64 = -1; // the last slot this store is counted open in
        for s in &timeline.segments {
            let field = match s.state {
                State::Up => 0,
                State::Down => 1,
                State::Closed | State::NoData => continue,
            };
            let (a, b) = (
                (s.start - timeline.from).max(0),
                (s.end - timeline.from).min(span),
            );
            if a >= b {
                continue;
            }
            let (ka, kb) = (a / len, (b - 1) / len); // first and last slot touched
            let add = |slot: &mut SlotTotals, t: Tick| {
                if field == 0 {
                    slot.up += t;
                } else {
                    slot.down += t;
                }
            };
            if ka == kb {
                add(&mut self.slots[ka as usize], b - a);
            } else {
                add(&mut self.slots[ka as usize], (ka + 1) * len - a);
                add(&mut self.slots[kb as usize], b - kb * len);
                if ka + 1 < kb {
                    self.pending[ka as usize + 1][field] += 1;
                    self.pending[kb as usize][field] -= 1;
                }
            }
            let first = ka.max(counted + 1);
            if first <= kb {
                self.pending[first as usize][2] += 1;
                self.pending[kb as usize + 1][2] -= 1;
                counted = kb;
            }
        }
    }

    /// Folds the pending whole-slot counts into `slots`.
    pub fn finish(&mut self) {
        let len = to_ticks(SLOT_MICROS);
        let mut run = [0i64; 3];
        for (slot, pending) in self.slots.iter_mut().zip(&mut self.pending) {
            for (r, p) in run.iter_mut().zip(pending.iter_mut()) {
                *r += *p;
                *p = 0;
            }
            slot.up += run[0] * len;
            slot.down += run[1] * len;
            slot.open += run[2] as u32;
        }
        if let Some(last) = self.pending.last_mut() {
            *last = [0; 3];
        }
    }

    /// Adds another part's sums (the parallel analysis), finished or not.
    pub fn merge(&mut self, other: &FleetFigures) {
        for (a, b) in self.periods.iter_mut().zip(&other.periods) {
            add_totals(a, b);
        }
        for (a, b) in self.slots.iter_mut().zip(&other.slots) {
            a.open += b.open;
            a.up += b.up;
            a.down += b.down;
        }
        for (a, b) in self.pending.iter_mut().zip(&other.pending) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// Everything of SPEC §9 beyond the report rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// One per report row, in report order.
    pub stores: Vec<StoreFigures>,
    pub fleet: FleetFigures,
}

/// The seven periods of a timeline that covers `[now − 7 d, now)`, in one walk over its
/// segments (time outside the seven periods is left out).
pub fn periods_of(timeline: &Timeline) -> [Totals; PERIODS] {
    let day = to_ticks(MICROS_PER_DAY);
    let span = day * PERIODS as Tick;
    let mut periods = [Totals::default(); PERIODS];
    for s in &timeline.segments {
        if s.state == State::Closed {
            continue;
        }
        let (mut a, b) = (
            (s.start - timeline.from).max(0),
            (s.end - timeline.from).min(span),
        );
        while a < b {
            let k = a / day;
            let end = b.min((k + 1) * day);
            let p = &mut periods[k as usize];
            match s.state {
                State::Up => p.up += end - a,
                State::Down => p.down += end - a,
                State::NoData => p.no_data += end - a,
                State::Closed => {}
            }
            a = end;
        }
    }
    periods
}

impl StoreFigures {
    /// A store's figures from its timeline and the zone clock it was built with.
    pub fn of(st: &StoreTimeline, clock: &ZoneClock) -> StoreFigures {
        let outages: Vec<Outage> = outages(&st.timeline).collect();
        let offsets = outages
            .iter()
            .map(|o| {
                (
                    clock.offset_at(tick_micros(o.start)),
                    clock.offset_at(tick_micros(o.end)),
                )
            })
            .collect();
        StoreFigures {
            outages,
            offsets,
            periods: periods_of(&st.timeline),
        }
    }
}

/// The driver's consumer for the report with its SPEC §9 figures: a store's outages are
/// walked once, for its figures and its report row's outage columns.
#[derive(Debug, Default)]
pub(crate) struct RowsAndFigures {
    pub rows: Vec<StoreReport>,
    /// The fleet's sums are left unfinished until [`RowsAndFigures::finish`].
    pub figures: Figures,
}

impl RowsAndFigures {
    pub fn with_capacity(stores: usize) -> RowsAndFigures {
        RowsAndFigures {
            rows: Vec::with_capacity(stores),
            figures: Figures {
                stores: Vec::with_capacity(stores),
                fleet: FleetFigures::default(),
            },
        }
    }

    /// Adds a later part of the stores (the parallel analysis joins its parts in order).
    #[cfg(not(target_arch = "wasm32"))]
    fn append(&mut self, later: RowsAndFigures) {
        self.rows.extend(later.rows);
        self.figures.stores.extend(later.figures.stores);
        self.figures.fleet.merge(&later.figures.fleet);
    }

    /// The report and the figures, the fleet's sums finished.
    pub fn finish(mut self, data: &Dataset, now: Micros, options: Options) -> (Report, Figures) {
        self.figures.fleet.finish();
        (assemble(data, now, options, self.rows), self.figures)
    }

    /// Takes one store; its report row, for a consumer that builds on it (the fleet model).
    pub fn push(&mut self, st: &StoreTimeline, clock: &ZoneClock) -> &StoreReport {
        let f = StoreFigures::of(st, clock);
        self.figures.fleet.add_store(&st.timeline, &f.periods);
        self.rows
            .push(StoreReport::of(st, f.outages.iter().copied()));
        self.figures.stores.push(f);
        &self.rows[self.rows.len() - 1]
    }
}

impl StoreSink for RowsAndFigures {
    fn store(&mut self, _row: usize, st: &StoreTimeline, clock: &ZoneClock) {
        self.push(st, clock);
    }
}

/// The report and every SPEC §9 figure in one pass over the stores: each store's timeline
/// is built once. The report is the same as [`super::analyse`]'s.
pub fn analyse_figures(
    data: &Dataset,
    options: Options,
    observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<(Report, Figures), RunError> {
    let (now, sink) = drive(data, options, RowsAndFigures::with_capacity, observe)?;
    Ok(sink.finish(data, now, options))
}

/// [`analyse_figures`] over `threads` threads: the same report and figures (the parts are
/// joined in order and the fleet's sums are integer sums). Native only.
#[cfg(not(target_arch = "wasm32"))]
pub fn analyse_figures_parallel(
    data: &Dataset,
    options: Options,
    threads: usize,
    observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<(Report, Figures), RunError> {
    let (now, parts) = drive_parallel(
        data,
        options,
        threads,
        RowsAndFigures::with_capacity,
        observe,
    )?;
    let mut all = RowsAndFigures::default();
    for part in parts {
        all.append(part);
    }
    Ok(all.finish(data, now, options))
}

/// `YYYY-MM-DD HH:MM:SS` of a UTC instant, whole seconds rounded down (also before 1970).
pub fn format_utc_seconds(t: Micros) -> String {
    seconds_text(t, None)
}

/// `YYYY-MM-DD HH:MM:SS±HH:MM` on `zone`'s wall clock at the UTC instant `t` (whole seconds
/// rounded down). An offset with seconds (local mean time before 1900) adds `:SS`, so the
/// wall clock minus the offset is still the UTC instant.
pub fn format_local_seconds(zone: Tz, t: Micros) -> String {
    format_with_offset(t, utc_offset(zone, t))
}

/// `YYYY-MM-DD HH:MM:SS±HH:MM` of the UTC instant `t` on a wall clock `offset` ahead of UTC.
pub fn format_with_offset(t: Micros, offset: Micros) -> String {
    seconds_text(t, Some(offset))
}

/// [`write_seconds`] as a string: the one place these times are laid out.
fn seconds_text(t: Micros, offset: Option<Micros>) -> String {
    let mut text = Vec::with_capacity(32);
    // Writing to a Vec cannot fail, and the bytes are ASCII.
    let _ = write_seconds(&mut text, t, offset);
    String::from_utf8(text).unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM:SS`, then `±HH:MM[:SS]` with an offset: whole seconds rounded down,
/// the wall clock `offset` ahead of UTC (the outage file writes it directly).
fn write_seconds(out: &mut impl Write, t: Micros, offset: Option<Micros>) -> io::Result<()> {
    let off = offset.unwrap_or(0).div_euclid(MICROS_PER_SECOND);
    let secs = t.div_euclid(MICROS_PER_SECOND).saturating_add(off);
    let (days, in_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    if (0..=9999).contains(&y) {
        // The common case as bytes in one write: `write!` with six arguments four times a
        // row was most of the outage file's cost (tens of thousands of rows).
        let mut text = *b"0000-00-00 00:00:00";
        let two = |at: &mut [u8], v: i64| {
            at[0] = b'0' + (v / 10 % 10) as u8;
            at[1] = b'0' + (v % 10) as u8;
        };
        two(&mut text[0..2], y / 100);
        two(&mut text[2..4], y % 100);
        two(&mut text[5..7], i64::from(m));
        two(&mut text[8..10], i64::from(d));
        two(&mut text[11..13], in_day / 3600);
        two(&mut text[14..16], in_day / 60 % 60);
        two(&mut text[17..19], in_day % 60);
        out.write_all(&text)?;
    } else {
        write!(
            out,
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            in_day / 3600,
            in_day / 60 % 60,
            in_day % 60
        )?;
    }
    if offset.is_some() {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.abs();
        write!(out, "{sign}{:02}:{:02}", a / 3600, a / 60 % 60)?;
        if a % 60 != 0 {
            write!(out, ":{:02}", a % 60)?;
        }
    }
    Ok(())
}

/// A tick instant as UTC microseconds, rounded down.
pub fn tick_micros(t: Tick) -> Micros {
    t.div_euclid(super::timeline::TICKS_PER_MICRO)
}

pub const OUTAGES_HEADER: &str =
    "store_id,start_utc,end_utc,start_local,end_local,down_minutes,ongoing,from_week_start";

/// Writes the outage file (SPEC §9): one row per outage, sorted by store id bytes, then
/// start; LF, UTF-8 without BOM; ids formula-safe and quoted as in the report.
pub fn write_outages_csv(
    report: &Report,
    figures: &Figures,
    data: &Dataset,
    out: &mut impl Write,
) -> io::Result<()> {
    out.write_all(OUTAGES_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    for (row, f) in report.stores.iter().zip(&figures.stores) {
        if f.outages.is_empty() {
            continue;
        }
        let id = formula_safe(data.store_id(row.store));
        for (o, &(start_offset, end_offset)) in f.outages.iter().zip(&f.offsets) {
            let (start, end) = (tick_micros(o.start), tick_micros(o.end));
            write_field(out, &id)?;
            for (t, offset) in [
                (start, None),
                (end, None),
                (start, Some(start_offset)),
                (end, Some(end_offset)),
            ] {
                out.write_all(b",")?;
                write_seconds(out, t, offset)?;
            }
            writeln!(
                out,
                ",{},{},{}",
                Hundredths::of(o.down, MICROS_PER_MINUTE),
                o.ongoing,
                o.from_week_start
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::timeline::{Interpolation, Observation, Segment};

    fn tl(from: Tick, to: Tick, parts: &[(Tick, State)]) -> Timeline {
        let mut segments = Vec::new();
        let mut at = from;
        for &(end, state) in parts {
            segments.push(Segment {
                start: at,
                end,
                state,
            });
            at = end;
        }
        assert_eq!(at, to);
        Timeline { from, to, segments }
    }

    #[test]
    fn closed_time_joins_down_parts_and_up_time_ends_an_outage() {
        use State::*;
        let t = tl(
            0,
            100,
            &[
                (10, Down),
                (20, Closed),
                (30, Down),
                (40, Up),
                (50, Down),
                (60, Closed),
                (100, Closed),
            ],
        );
        let got: Vec<Outage> = outages(&t).collect();
        assert_eq!(
            got,
            [
                Outage {
                    start: 0,
                    end: 30,
                    down: 20,
                    ongoing: false,
                    from_week_start: true
                },
                Outage {
                    start: 40,
                    end: 50,
                    down: 10,
                    ongoing: false,
                    from_week_start: false
                }
            ]
        );
    }

    #[test]
    fn an_outage_reaching_now_is_ongoing() {
        use State::*;
        let t = tl(0, 100, &[(50, Up), (70, Down), (80, Closed), (100, Down)]);
        let got: Vec<Outage> = outages(&t).collect();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].start, got[0].end, got[0].down), (50, 100, 40));
        assert!(got[0].ongoing && !got[0].from_week_start);
        let none = tl(0, 100, &[(100, Up)]);
        assert_eq!(outages(&none).count(), 0);
    }

    #[test]
    fn slots_split_segments_and_count_a_store_once_per_slot() {
        let slot = to_ticks(SLOT_MICROS);
        let from = 1000;
        let to = from + SLOTS as Tick * slot;
        let t = tl(
            from,
            to,
            &[
                (from + slot / 2, State::Up),
                (from + slot, State::Down),
                (from + 2 * slot + 1, State::Closed),
                (from + 3 * slot, State::Down),
                (to, State::Closed),
            ],
        );
        let mut fleet = FleetFigures::default();
        fleet.add_store(&t, &periods_of(&t));
        fleet.finish();
        assert_eq!(
            fleet.slots[0],
            SlotTotals {
                open: 1,
                up: slot / 2,
                down: slot / 2
            }
        );
        assert_eq!(fleet.slots[1], SlotTotals::default());
        assert_eq!(
            fleet.slots[2],
            SlotTotals {
                open: 1,
                up: 0,
                down: slot - 1
            }
        );
        let total: Tick = fleet.slots.iter().map(SlotTotals::observed).sum();
        let week = t.totals(from, to);
        assert_eq!(total, week.up + week.down);
        let periods: Tick = fleet.periods.iter().map(|p| p.up + p.down).sum();
        assert_eq!(periods, total);
    }

    #[test]
    fn status_now_is_the_last_segment_or_no_data() {
        let o = [Observation {
            at: 5,
            active: false,
        }];
        let t = Timeline::build(0, 100, &[(0, 50)], &o, Interpolation::Nearest);
        assert_eq!(t.segments.last().unwrap().state, State::Closed);
        assert!(!outages(&t).next().unwrap().ongoing);
        for (i, status) in StatusNow::ALL.iter().enumerate() {
            assert_eq!(status.index(), i, "{status:?}");
        }
    }

    #[test]
    fn times_are_whole_seconds_rounded_down_on_any_date() {
        assert_eq!(format_utc_seconds(-1), "1969-12-31 23:59:59");
        assert_eq!(format_utc_seconds(1_999_999), "1970-01-01 00:00:01");
        let kolkata = chrono_tz::Asia::Kolkata;
        assert_eq!(
            format_local_seconds(kolkata, 0),
            "1970-01-01 05:30:00+05:30"
        );
        let chicago = chrono_tz::America::Chicago;
        assert_eq!(
            format_local_seconds(chicago, 1_730_613_600 * MICROS_PER_SECOND), // 2024-11-03 06:00Z
            "2024-11-03 01:00:00-05:00"
        );
        // Far dates do not panic.
        for t in [
            i64::MIN / 4,
            i64::MAX / 4,
            -62_135_596_800 * MICROS_PER_SECOND,
        ] {
            let _ = format_local_seconds(chicago, t);
        }
    }

    #[test]
    fn the_outage_file_writes_times_as_chrono_does() {
        // The byte path against chrono's calendar over years 0000 to 9999, with offsets of
        // whole minutes and of seconds, east and west.
        let mut seed: u64 = 0x0a7a;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as i64
        };
        let year_0 = -62_167_219_200 * MICROS_PER_SECOND;
        let year_10000 = 253_402_300_800 * MICROS_PER_SECOND;
        let day = 86_400 * MICROS_PER_SECOND;
        for _ in 0..20_000 {
            let t = year_0 + day + next().rem_euclid(year_10000 - year_0 - 2 * day);
            let offset = (next() % (28 * 3600 + 1) - 14 * 3600) * MICROS_PER_SECOND;
            let chrono_text = |t: Micros| {
                chrono::DateTime::from_timestamp(t.div_euclid(MICROS_PER_SECOND), 0)
                    .unwrap()
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            };
            assert_eq!(format_utc_seconds(t), chrono_text(t));
            let off = offset / MICROS_PER_SECOND;
            let a = off.abs();
            let mut expected = format!(
                "{}{}{:02}:{:02}",
                chrono_text(t + offset),
                if off < 0 { '-' } else { '+' },
                a / 3600,
                a / 60 % 60
            );
            if a % 60 != 0 {
                expected.push_str(&format!(":{:02}", a % 60));
            }
            assert_eq!(format_with_offset(t, offset), expected, "{t} {offset}");
        }
        // Beyond four-digit years: written, never a panic.
        assert!(format_utc_seconds(year_10000 + day).starts_with("10000-"));
        assert!(format_utc_seconds(year_0 - 400 * 366 * day).starts_with('-'));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // threads are native only
    fn one_pass_threads_and_the_fleet_model_agree_with_the_report() {
        use crate::engine::{analyse, dataset_from_bytes, fleet::analyse_fleet};
        use crate::generate::{GenConfig, GeneratedData};
        let generated = GeneratedData::generate(GenConfig::public_like(9, 200));
        let [status, hours, zones] = generated.files_in_memory();
        let data = dataset_from_bytes(&[("s", &status), ("h", &hours), ("z", &zones)]).unwrap();
        let go = &mut |_| ControlFlow::Continue(());
        let report = analyse(&data, Options::default(), go).unwrap();
        let (r1, figures) = analyse_figures(&data, Options::default(), go).unwrap();
        assert_eq!(r1.stores, report.stores);
        assert!(figures.stores.iter().any(|f| !f.outages.is_empty()));
        for threads in [1, 2, 3, 64] {
            let (r, f) = analyse_figures_parallel(&data, Options::default(), threads, go).unwrap();
            assert_eq!(r.stores, report.stores, "{threads} threads");
            assert_eq!(f, figures, "{threads} threads");
        }
        let (r, fleet) = analyse_fleet(&data, Options::default(), go).unwrap();
        assert_eq!(r.stores, report.stores);
        assert_eq!(fleet.figures, figures);
        // Each store's outages add up to its downtime; periods to its week.
        for (row, f) in report.stores.iter().zip(&figures.stores) {
            let week = row.window(crate::engine::Window::Week);
            assert_eq!(f.outages.iter().map(|o| o.down).sum::<Tick>(), week.down);
            let up: Tick = f.periods.iter().map(|p| p.up).sum();
            assert_eq!(up, week.up);
            assert_eq!(row.outages_last_week as usize, f.outages.len());
        }
        let cancelled =
            analyse_figures_parallel(
                &data,
                Options::default(),
                2,
                &mut |_| ControlFlow::Break(()),
            );
        assert_eq!(cancelled.unwrap_err(), RunError::Cancelled);
    }
}
