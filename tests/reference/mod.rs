//! A brute-force reference for SPEC §2–§6, written independently of the engine.
//!
//! Nothing here calls `store_uptime::engine::{business, timeline, report}`: business time
//! is decided by asking chrono-tz for the local wall clock at each sampled instant and
//! reading the rows of SPEC §4 directly; the status at an instant is found by searching the
//! observations for the nearest (or previous) one. Windows are measured by sampling the
//! centre of every cell of a fixed width.
//!
//! Exactness: when every poll, every hours row and `now` are whole minutes, every boundary
//! (window edges, row edges in local time, UTC offsets and DST transitions of the modern
//! zones, midpoints between two whole-minute observations) lies on a 30-second grid. The
//! centre of each 30-second cell then has the state of the whole cell, so [`exact`] gives
//! exact totals. [`sampled`] takes any step and also returns an error bound.
#![allow(dead_code)]

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};
use chrono_tz::Tz;

pub type Micros = i64;

pub const SECOND: Micros = 1_000_000;
pub const MINUTE: Micros = 60 * SECOND;
pub const HOUR: Micros = 60 * MINUTE;
pub const DAY: Micros = 24 * HOUR;
pub const WEEK: Micros = 7 * DAY;

/// The windows of SPEC §3, in report order, their lengths and report units.
pub const WINDOW_NAMES: [&str; 3] = ["last_hour", "last_day", "last_week"];
pub const WINDOW_SPANS: [Micros; 3] = [HOUR, DAY, WEEK];
pub const WINDOW_UNITS: [Micros; 3] = [MINUTE, HOUR, HOUR];

/// SPEC §2: a store without a valid zone is in Chicago.
pub const DEFAULT_ZONE: Tz = chrono_tz::America::Chicago;

/// One business-hours row as written: weekday 0 = Monday, local times in microseconds
/// after midnight (`end` may be 24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub day: u8,
    pub start: Micros,
    pub end: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub id: String,
    pub zone: Option<Tz>,
    pub hours: Vec<Row>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    pub store: usize,
    pub at: Micros,
    pub active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interp {
    Nearest,
    Previous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Closed,
    Open,
}

#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub stores: &'a [Store],
    pub polls: &'a [Poll],
    pub now: Micros,
    pub interpolation: Interp,
    pub missing_day: Missing,
}

/// One store's answer; arrays are per window in [`WINDOW_SPANS`] order, in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreResult {
    pub up: [Micros; 3],
    pub down: [Micros; 3],
    /// The measure of business time in the window.
    pub business: [Micros; 3],
    /// The store's observations (SPEC §5), sorted, one per timestamp.
    pub observations: Vec<(Micros, bool)>,
    /// An upper bound of |reference - exact| for `up` and for `down` (0 for [`exact`]).
    pub tolerance: [Micros; 3],
}

impl StoreResult {
    pub fn has_observation(&self) -> bool {
        !self.observations.is_empty()
    }
}

pub fn zone_of(store: &Store) -> Tz {
    store.zone.unwrap_or(DEFAULT_ZONE)
}

/// The wall clock of `zone` at the UTC instant `t`.
pub fn wall_clock(zone: Tz, t: Micros) -> NaiveDateTime {
    let secs = t.div_euclid(SECOND);
    let nanos = (t.rem_euclid(SECOND) * 1000) as u32;
    DateTime::from_timestamp(secs, nanos)
        .expect("instant within chrono's range")
        .with_timezone(&zone)
        .naive_local()
}

fn time_of_day(local: &NaiveDateTime) -> Micros {
    Micros::from(local.num_seconds_from_midnight()) * SECOND
        + Micros::from(local.nanosecond() / 1000)
}

/// SPEC §2 and §4, read literally: is a store with these rows open when its wall clock
/// shows `local`?
pub fn is_open(rows: &[Row], missing_day: Missing, local: &NaiveDateTime) -> bool {
    if rows.is_empty() {
        return true; // SPEC §2: no valid rows at all, open 24/7
    }
    let today = local.weekday().num_days_from_monday() as u8;
    let yesterday = (today + 6) % 7;
    let tod = time_of_day(local);
    if missing_day == Missing::Open && !rows.iter().any(|r| r.day == today) {
        return true; // the day without rows counts as 00:00-24:00
    }
    rows.iter().any(|r| {
        // SPEC §4: an end at or after 23:59:00 is 24:00, before comparing.
        let end = if r.end >= 23 * HOUR + 59 * MINUTE {
            DAY
        } else {
            r.end
        };
        if end > r.start {
            r.day == today && r.start <= tod && tod < end
        } else {
            // Overnight (end < start) runs to `end` the next day; end == start is 24 hours,
            // which is the same rule with end = start.
            (r.day == today && tod >= r.start) || (r.day == yesterday && tod < end)
        }
    })
}

/// SPEC §5: the store's polls inside business time and at or before `now`, one per
/// timestamp, inactive winning a tie.
pub fn observations(input: &Input, store: usize) -> Vec<(Micros, bool)> {
    let s = &input.stores[store];
    let zone = zone_of(s);
    let mut obs: Vec<(Micros, bool)> = input
        .polls
        .iter()
        .filter(|p| p.store == store && p.at <= input.now)
        .filter(|p| is_open(&s.hours, input.missing_day, &wall_clock(zone, p.at)))
        .map(|p| (p.at, p.active))
        .collect();
    // Inactive (false) sorts first at one instant, and dedup keeps the first.
    obs.sort_unstable();
    obs.dedup_by_key(|o| o.0);
    obs
}

/// The status at `t`: true = active.
pub fn status_at(obs: &[(Micros, bool)], t: Micros, interpolation: Interp) -> bool {
    let after = obs.partition_point(|o| o.0 <= t); // obs[..after] are at or before t
    if after == 0 {
        return obs[0].1; // before the first observation: the first one's status
    }
    if after == obs.len() {
        return obs[after - 1].1;
    }
    let (prev, next) = (obs[after - 1], obs[after]);
    match interpolation {
        Interp::Previous => prev.1,
        Interp::Nearest => {
            if t - prev.0 < next.0 - t {
                prev.1
            } else {
                next.1
            }
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Pass {
    business: Micros,
    up: Micros,
    down: Micros,
    /// Adjacent samples of which one is open and the other closed.
    business_changes: Micros,
}

/// The sample instants of `[from, to)`: the centres of cells of width `step`.
fn grid(from: Micros, to: Micros, step: Micros) -> impl Iterator<Item = Micros> {
    assert!(
        step > 0 && (to - from) % step == 0,
        "step {step} must divide the window"
    );
    (0..(to - from) / step).map(move |k| from + k * step + step / 2)
}

/// Wall clocks at the sample instants, computed once per zone (all stores share the grid).
struct Clocks {
    instants: Vec<Micros>,
    by_zone: Vec<(Tz, Vec<NaiveDateTime>)>,
}

impl Clocks {
    fn new(from: Micros, to: Micros, step: Micros) -> Clocks {
        Clocks {
            instants: grid(from, to, step).collect(),
            by_zone: Vec::new(),
        }
    }

    /// The instants and their wall clocks in `zone`.
    fn of(&mut self, zone: Tz) -> (&[Micros], &[NaiveDateTime]) {
        let i = match self.by_zone.iter().position(|(z, _)| *z == zone) {
            Some(i) => i,
            None => {
                let locals = self.instants.iter().map(|&t| wall_clock(zone, t)).collect();
                self.by_zone.push((zone, locals));
                self.by_zone.len() - 1
            }
        };
        (&self.instants, &self.by_zone[i].1)
    }
}

/// Measures one store over sample instants `instants` (cells of width `step`) whose wall
/// clocks are `locals`.
fn pass(
    input: &Input,
    store: usize,
    obs: &[(Micros, bool)],
    instants: &[Micros],
    locals: &[NaiveDateTime],
    step: Micros,
) -> Pass {
    let s = &input.stores[store];
    let mut out = Pass::default();
    let mut last_open = None;
    for (&t, local) in instants.iter().zip(locals) {
        let open = is_open(&s.hours, input.missing_day, local);
        if last_open.is_some_and(|l| l != open) {
            out.business_changes += 1;
        }
        last_open = Some(open);
        if open {
            out.business += step;
            if !obs.is_empty() {
                if status_at(obs, t, input.interpolation) {
                    out.up += step;
                } else {
                    out.down += step;
                }
            }
        }
    }
    out
}

fn on_grid(t: Micros, grid: Micros) -> bool {
    t.rem_euclid(grid) == 0
}

/// Exact totals for whole-minute data (see the module comment). Panics when the data is
/// not whole minutes, since the answer would not be exact.
pub fn exact(input: &Input) -> Vec<StoreResult> {
    assert!(
        on_grid(input.now, MINUTE),
        "exact reference needs `now` on a whole minute"
    );
    for p in input.polls {
        assert!(
            on_grid(p.at, MINUTE),
            "exact reference needs whole-minute polls, got {}",
            p.at
        );
    }
    for s in input.stores {
        for r in &s.hours {
            // Ends at or after 23:59 become 24:00, so their seconds do not matter.
            let end_ok = on_grid(r.end, MINUTE) || r.end >= 23 * HOUR + 59 * MINUTE;
            assert!(
                on_grid(r.start, MINUTE) && end_ok,
                "exact reference needs whole-minute hours: {r:?}"
            );
        }
    }
    let step = 30 * SECOND;
    // The hour's and the day's cells are the last cells of the week's.
    let mut clocks = Clocks::new(input.now - WEEK, input.now, step);
    (0..input.stores.len())
        .map(|store| {
            let obs = observations(input, store);
            let (instants, locals) = clocks.of(zone_of(&input.stores[store]));
            let mut result = StoreResult::default();
            for (w, span) in WINDOW_SPANS.iter().enumerate() {
                let first = ((WEEK - span) / step) as usize;
                let p = pass(
                    input,
                    store,
                    &obs,
                    &instants[first..],
                    &locals[first..],
                    step,
                );
                result.up[w] = p.up;
                result.down[w] = p.down;
                result.business[w] = p.business;
            }
            result.observations = obs;
            result
        })
        .collect()
}

/// Totals sampled with `steps[w]` for window `w`, for data with any precision, with an
/// error bound in `tolerance`.
///
/// The bound: a cell's sample is wrong only if the cell holds a boundary, and then by at
/// most the cell width, so the error is at most `step` times the number of boundaries in
/// the window. Status boundaries are at most one per pair of consecutive observations with
/// different statuses (counted from the observations, so none is missed). Business
/// boundaries are counted from the samples, which sees all of them only when every open and
/// every closed stretch is at least one step long: this holds when the hours rows are whole
/// seconds (the zones' offsets and transitions are whole seconds too, so every business
/// boundary is a whole second) and `step` divides one second — asserted.
pub fn sampled(input: &Input, steps: [Micros; 3]) -> Vec<StoreResult> {
    for step in steps {
        assert!(
            step > 0 && SECOND % step == 0,
            "step {step} must divide one second"
        );
    }
    for s in input.stores {
        for r in &s.hours {
            assert!(
                on_grid(r.start, SECOND) && on_grid(r.end, SECOND),
                "hours must be whole seconds: {r:?}"
            );
        }
    }
    let mut clocks: Vec<Clocks> = (0..3)
        .map(|w| Clocks::new(input.now - WINDOW_SPANS[w], input.now, steps[w]))
        .collect();
    (0..input.stores.len())
        .map(|store| {
            let obs = observations(input, store);
            let zone = zone_of(&input.stores[store]);
            let mut result = StoreResult::default();
            for (w, clocks) in clocks.iter_mut().enumerate() {
                let (from, to, step) = (input.now - WINDOW_SPANS[w], input.now, steps[w]);
                let (instants, locals) = clocks.of(zone);
                let p = pass(input, store, &obs, instants, locals, step);
                let switches = obs
                    .windows(2)
                    .filter(|pair| pair[0].1 != pair[1].1)
                    .filter(|pair| {
                        let at = match input.interpolation {
                            Interp::Nearest => (pair[0].0 + pair[1].0) / 2,
                            Interp::Previous => pair[1].0,
                        };
                        from - step <= at && at <= to + step
                    })
                    .count() as Micros;
                result.up[w] = p.up;
                result.down[w] = p.down;
                result.business[w] = p.business;
                result.tolerance[w] = step * (p.business_changes + switches);
            }
            result.observations = obs;
            result
        })
        .collect()
}

/// SPEC §6/§7: `value / unit` rounded half up to hundredths, as an integer of hundredths.
pub fn hundredths(value: Micros, unit: Micros) -> i64 {
    (value as i128 * 100 * 2 + unit as i128).div_euclid(unit as i128 * 2) as i64
}

/// SPEC §7: ids a spreadsheet would run as a formula get a leading `'`; also full-width
/// and small look-alikes, and any of them after unseen leading characters (docs/semantics.md).
pub fn formula_safe(id: &str) -> String {
    const UNSEEN: &str =
        "\u{00AD}\u{034F}\u{061C}\u{115F}\u{1160}\u{17B4}\u{17B5}\u{3164}\u{FEFF}\u{FFA0}";
    let unseen = |c: char| {
        c.is_whitespace()
            || UNSEEN.contains(c)
            || ('\u{180B}'..='\u{180F}').contains(&c)
            || ('\u{200B}'..='\u{200F}').contains(&c)
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2060}'..='\u{206F}').contains(&c)
            || ('\u{FE00}'..='\u{FE0F}').contains(&c)
    };
    let first = id.chars().next();
    let first_seen = id.chars().find(|&c| !unseen(c));
    if matches!(first, Some('\t' | '\r'))
        || first_seen.is_some_and(|c| "=+-@＝＋－＠﹦﹢﹣﹫".contains(c))
    {
        format!("'{id}")
    } else {
        id.to_string()
    }
}

// ---- Writing structured data as the three input files (SPEC §1), for the engine. ----

/// `YYYY-MM-DD HH:MM:SS[.ffffff] UTC`, formatted by chrono.
pub fn format_utc(t: Micros) -> String {
    let dt = DateTime::from_timestamp(t.div_euclid(SECOND), (t.rem_euclid(SECOND) * 1000) as u32)
        .expect("in range");
    if t.rem_euclid(SECOND) == 0 {
        dt.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    } else {
        dt.format("%Y-%m-%d %H:%M:%S%.6f UTC").to_string()
    }
}

/// `HH:MM:SS[.ffffff]`, `24:00:00` for the end of the day.
pub fn format_tod(t: Micros) -> String {
    let mut out = format!(
        "{:02}:{:02}:{:02}",
        t / HOUR,
        t / MINUTE % 60,
        t / SECOND % 60
    );
    if t % SECOND != 0 {
        let _ = write!(out, ".{:06}", t % SECOND);
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) || field.trim() != field {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

pub fn status_csv_rows(stores: &[Store], polls: &[Poll]) -> Vec<String> {
    polls
        .iter()
        .map(|p| {
            let status = if p.active { "active" } else { "inactive" };
            format!(
                "{},{},{}\n",
                quote(&stores[p.store].id),
                status,
                format_utc(p.at)
            )
        })
        .collect()
}

pub fn hours_csv_rows(stores: &[Store]) -> Vec<String> {
    stores
        .iter()
        .flat_map(|s| {
            s.hours.iter().map(move |r| {
                format!(
                    "{},{},{},{}\n",
                    quote(&s.id),
                    r.day,
                    format_tod(r.start),
                    format_tod(r.end)
                )
            })
        })
        .collect()
}

pub fn timezone_csv_rows(stores: &[Store]) -> Vec<String> {
    stores
        .iter()
        .filter_map(|s| s.zone.map(|z| format!("{},{}\n", quote(&s.id), z.name())))
        .collect()
}

pub const STATUS_HEADER: &str = "store_id,status,timestamp_utc\n";
pub const HOURS_HEADER: &str = "store_id,dayOfWeek,start_time_local,end_time_local\n";
pub const TIMEZONE_HEADER: &str = "store_id,timezone_str\n";

/// The three files, in the order status, hours, timezones.
pub fn csv_files(stores: &[Store], polls: &[Poll]) -> [String; 3] {
    [
        STATUS_HEADER.to_string() + &status_csv_rows(stores, polls).concat(),
        HOURS_HEADER.to_string() + &hours_csv_rows(stores).concat(),
        TIMEZONE_HEADER.to_string() + &timezone_csv_rows(stores).concat(),
    ]
}

// ---- SPEC §9, brute force on the 30-second grid of `exact` (whole-minute data). ----

/// One outage as the reference finds it, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefOutage {
    pub start: Micros,
    pub end: Micros,
    pub down: Micros,
    pub ongoing: bool,
    pub from_week_start: bool,
}

/// SPEC §9 for one store, from the state of every 30-second cell of the week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefFigures {
    pub outages: Vec<RefOutage>,
    /// "up", "down", "closed" or "no data".
    pub status_now: &'static str,
    pub last_poll: Option<Micros>,
    /// (up, down) per 24-hour period, oldest first.
    pub periods: [(Micros, Micros); 7],
    /// (up, down) per 15-minute slot from the week's start.
    pub slots: Vec<(Micros, Micros)>,
}

/// SPEC §9 by sampling: each 30-second cell's centre is open or closed (asked of the wall
/// clock) and up or down (the nearest/previous observation). An outage is a run of down
/// cells with no up cell between (closed cells do not end it). Exact for whole-minute data,
/// as [`exact`].
pub fn figures(input: &Input) -> Vec<RefFigures> {
    let step = 30 * SECOND;
    let from = input.now - WEEK;
    let mut clocks = Clocks::new(from, input.now, step);
    (0..input.stores.len())
        .map(|store| {
            let s = &input.stores[store];
            let obs = observations(input, store);
            let (instants, locals) = clocks.of(zone_of(s));
            let mut f = RefFigures {
                slots: vec![(0, 0); 672],
                last_poll: input
                    .polls
                    .iter()
                    .filter(|p| p.store == store && p.at <= input.now)
                    .map(|p| p.at)
                    .max(),
                ..RefFigures::default()
            };
            // 0 closed, 1 up, 2 down, 3 no data
            let mut last_state = 0;
            let mut current: Option<RefOutage> = None;
            for (k, (&t, local)) in instants.iter().zip(locals).enumerate() {
                let cell = t - step / 2;
                let state = if !is_open(&s.hours, input.missing_day, local) {
                    0
                } else if obs.is_empty() {
                    3
                } else if status_at(&obs, t, input.interpolation) {
                    1
                } else {
                    2
                };
                last_state = state;
                let day = k / (DAY / step) as usize;
                let slot = k / (15 * MINUTE / step) as usize;
                match state {
                    1 => {
                        f.periods[day].0 += step;
                        f.slots[slot].0 += step;
                        if let Some(o) = current.take() {
                            f.outages.push(o);
                        }
                    }
                    2 => {
                        f.periods[day].1 += step;
                        f.slots[slot].1 += step;
                        let o = current.get_or_insert(RefOutage {
                            start: cell,
                            end: cell,
                            down: 0,
                            ongoing: false,
                            from_week_start: cell == from,
                        });
                        o.end = cell + step;
                        o.down += step;
                    }
                    _ => {}
                }
            }
            if let Some(o) = current.take() {
                f.outages.push(o);
            }
            for o in &mut f.outages {
                o.ongoing = o.end == input.now;
            }
            // SPEC §9: closed first; an open store without observations is "no data".
            f.status_now = ["closed", "up", "down", "no data"][last_state];
            f
        })
        .collect()
}

/// `YYYY-MM-DD HH:MM:SS`, whole seconds rounded down, by chrono.
pub fn format_seconds(t: Micros) -> String {
    DateTime::from_timestamp(t.div_euclid(SECOND), 0)
        .expect("in range")
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS±HH:MM` on the zone's wall clock, by chrono.
pub fn format_local(zone: Tz, t: Micros) -> String {
    DateTime::from_timestamp(t.div_euclid(SECOND), 0)
        .expect("in range")
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S%:z")
        .to_string()
}
