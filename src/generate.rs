//! Seeded synthetic input files shaped like the public store-monitoring exports
//! (`shared/data/README.md`): the benchmark's data, the page's built-in sample, and test
//! input whose expected engine state is known row by row.
//!
//! Deterministic: one [`GenConfig`] gives the same bytes on every platform, native or
//! wasm (a SplitMix64 generator, integer arithmetic and IEEE basic operations only; no
//! clock, no hash-map iteration order). No I/O beyond `io::Write`, except
//! [`GeneratedData::write_all`] on native targets.
//!
//! What the engine should end up with is kept beside the rows: [`GenStore::zone`] and
//! [`GenStore::hours`] are the valid rows as SPEC §1 reads them, [`GeneratedData::polls`]
//! the valid polls, and every writer counts the rows it made invalid on purpose
//! ([`WriteStats::bad_rows`]: exactly the rows the engine must skip).

use std::collections::HashSet;
use std::io::{self, Write};

use chrono_tz::Tz;

use crate::engine::business::utc_offset;
use crate::engine::stores::DEFAULT_ZONE;
use crate::engine::time::{
    civil_from_days, days_from_civil, weekday_of_days, Micros, MICROS_PER_DAY, MICROS_PER_HOUR,
    MICROS_PER_MINUTE, MICROS_PER_SECOND, MICROS_PER_WEEK,
};

/// How store ids look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdStyle {
    /// `b5d0a65d-6d54-47aa-95e9-9312f0353326`, hours header `dayOfWeek` (2024 data set).
    Uuid,
    /// 19-digit ids like `8419537941919820732`, hours header `day` (2023 data set).
    Integer,
}

/// How precise poll timestamps are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Random microseconds, as the real exports (`23:34:06.15508`).
    Micros,
    /// Every poll on a whole minute, so tests can compute exact references.
    WholeMinutes,
}

impl Precision {
    fn apply(self, t: Micros) -> Micros {
        match self {
            Precision::Micros => t,
            Precision::WholeMinutes => t - t.rem_euclid(MICROS_PER_MINUTE),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    pub seed: u64,
    pub stores: usize,
    /// Polls cover `[end - days, end]`.
    pub days: u32,
    /// The latest poll is exactly here (so it becomes the report's `now`). With
    /// [`Precision::WholeMinutes`] it is floored to the minute.
    pub end: Micros,
    /// Mean poll interval per store (real data: about an hour), jittered.
    pub poll_every: Micros,
    pub id_style: IdStyle,
    pub precision: Precision,
    /// Invalid rows, odd but valid layouts and every corner of SPEC §1–§4 (module docs).
    pub nasty: bool,
    /// A UTC interval `[start, end)` in which (almost) every store polls inactive.
    pub fleet_outage: Option<(Micros, Micros)>,
    /// Read `fleet_outage` as each store's local wall time rather than UTC, so every store
    /// is down at the same local hour of the week (the fleet heatmap's known hot cell).
    pub outage_local: bool,
}

/// `2024-10-14 23:55:18.727055 UTC`: the latest poll of the real 2024 status file.
pub fn public_end() -> Micros {
    days_from_civil(2024, 10, 14) * MICROS_PER_DAY
        + 23 * MICROS_PER_HOUR
        + 55 * MICROS_PER_MINUTE
        + 18 * MICROS_PER_SECOND
        + 727_055
}

impl GenConfig {
    /// Realistic defaults: ends where the real 2024 file ends, 7 to 10 days (by seed) of
    /// hourly polls, UUID ids, microsecond timestamps, nasty.
    pub fn public_like(seed: u64, stores: usize) -> GenConfig {
        GenConfig {
            seed,
            stores,
            days: 7 + (mix(seed) % 4) as u32,
            end: public_end(),
            poll_every: MICROS_PER_HOUR,
            id_style: IdStyle::Uuid,
            precision: Precision::Micros,
            nasty: true,
            fleet_outage: None,
            outage_local: false,
        }
    }

    /// The 1× benchmark set: 14 000 stores, 8 days, about 1.8 million polls (the real
    /// status file has 1.85 million rows), nasty.
    pub fn preset_public() -> GenConfig {
        GenConfig {
            days: 8,
            // 192 h / 83 min ≈ 139 nominal polls a store; missed polls and the sparse
            // stores bring it to ≈ 128, so 14 000 stores give ≈ 1.79 M rows.
            poll_every: 83 * MICROS_PER_MINUTE,
            ..GenConfig::public_like(2024, 14_000)
        }
    }

    /// The web page's "Try with sample data": 300 stores, 8 days of hourly polls, clean
    /// (like the real exports), with a fleet-wide outage on Friday 11 October 2024 from
    /// 23:30 to 02:00 UTC (evening in the US).
    pub fn preset_sample() -> GenConfig {
        let outage = days_from_civil(2024, 10, 11) * MICROS_PER_DAY
            + 23 * MICROS_PER_HOUR
            + 30 * MICROS_PER_MINUTE;
        GenConfig {
            days: 8,
            nasty: false,
            fleet_outage: Some((outage, outage + 150 * MICROS_PER_MINUTE)),
            ..GenConfig::public_like(7, 300)
        }
    }
}

/// One business-hours row as written: local times of day in microseconds (`end` may be
/// `86_400_000_000` for `24:00:00`, or `23:59:00` / `23:59:59`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GenHours {
    pub day: u8,
    pub start: Micros,
    pub end: Micros,
}

/// A store with polls, and what the engine should end up with for it.
#[derive(Debug, Clone, PartialEq)]
pub struct GenStore {
    pub id: String,
    /// The first valid timezone row; `None`: no valid row, so `America/Chicago`.
    pub zone: Option<Tz>,
    /// The valid business-hours rows, in file order; empty: open 24/7.
    pub hours: Vec<GenHours>,
}

/// One valid poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenPoll {
    /// Index into [`GeneratedData::stores`].
    pub store: usize,
    pub at: Micros,
    pub active: bool,
}

/// Rows a writer wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Data rows, not counting the header.
    pub rows: u64,
    /// Of those, rows the engine must skip (SPEC §1).
    pub bad_rows: u64,
}

/// Whose id a row carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Store(usize),
    Extra(usize),
}

/// A row of the timezone file, in file order.
#[derive(Debug, Clone, Copy)]
struct ZoneLine {
    /// `None`: an empty store id.
    owner: Option<Owner>,
    name: &'static str,
    /// The engine skips it (unknown name, a second different zone, an empty id).
    bad: bool,
}

/// A row of the business-hours file, in file order.
#[derive(Debug, Clone, Copy)]
enum HoursLine {
    Row {
        owner: Owner,
        hours: GenHours,
        short: bool,
    },
    /// A deliberately invalid row of kind `kind` (see [`GeneratedData::write_hours`]).
    Bad { owner: Owner, kind: u8 },
}

/// A store's valid hours as lines of the hours file (`short`: written as `HH:MM`).
fn hours_lines(owner: Owner, hours: &[GenHours], short: bool) -> Vec<HoursLine> {
    hours
        .iter()
        .map(|&hours| HoursLine::Row {
            owner,
            hours,
            short,
        })
        .collect()
}

/// A generated data set: what the files say and what the engine should read from them.
#[derive(Debug, Clone)]
pub struct GeneratedData {
    pub config: GenConfig,
    pub stores: Vec<GenStore>,
    /// The valid polls, sorted by time (then store). Duplicates (same store and time) occur.
    pub polls: Vec<GenPoll>,
    /// Ids found only in the hours and timezone files (each with at least one valid row).
    pub extra_store_ids: Vec<String>,
    zone_lines: Vec<ZoneLine>,
    hours_lines: Vec<HoursLine>,
}

// ---------------------------------------------------------------------------------------
// Randomness

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64, one independent stream per purpose so that, say, a change in how polls
/// are drawn leaves the stores alone.
#[derive(Debug, Clone)]
struct Rng(u64);

const STREAM_IDS: u64 = 1;
const STREAM_FILES: u64 = 2;
const STREAM_WRITE_STATUS: u64 = 3;
const STREAM_END_POLL: u64 = 4;
const STREAM_STORE: u64 = 1 << 32;
const STREAM_POLLS: u64 = 2 << 32;
const STREAM_EXTRA: u64 = 3 << 32;

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        Rng(mix(
            seed ^ mix(stream.wrapping_mul(GOLDEN).wrapping_add(GOLDEN))
        ))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut r = self.below(total);
        for &(item, w) in items {
            if r < u64::from(w) {
                return item;
            }
            r -= u64::from(w);
        }
        items[items.len() - 1].0
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.index(i + 1);
            v.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Stores

const fn hm(h: i64, m: i64) -> Micros {
    h * MICROS_PER_HOUR + m * MICROS_PER_MINUTE
}

const fn hms(h: i64, m: i64, s: i64) -> Micros {
    hm(h, m) + s * MICROS_PER_SECOND
}

/// Zones and how often they occur (the real file is mostly US, the rest covers half-hour
/// and 45-minute offsets, a 30-minute DST shift and the southern hemisphere).
const ZONES: [(Tz, u32); 10] = [
    (chrono_tz::America::Chicago, 40),
    (chrono_tz::America::New_York, 18),
    (chrono_tz::America::Denver, 6),
    (chrono_tz::America::Los_Angeles, 9),
    (chrono_tz::America::Phoenix, 4),
    (chrono_tz::Europe::London, 5),
    (chrono_tz::Asia::Kolkata, 5),
    (chrono_tz::Australia::Lord_Howe, 4),
    (chrono_tz::Pacific::Chatham, 4),
    (chrono_tz::Asia::Beirut, 5),
];

/// Names no zone database knows: the engine counts them as missing.
const UNKNOWN_ZONES: [&str; 3] = ["Mars/Olympus", "America/Atlantis", "Moon/Tranquility_Base"];

/// Makes unique ids in one style.
struct IdMaker {
    style: IdStyle,
    rng: Rng,
    seen: HashSet<u128>,
}

impl IdMaker {
    fn next(&mut self) -> String {
        loop {
            let (raw, text) = match self.style {
                IdStyle::Integer => {
                    // 19 digits, at most i64::MAX like the real ids (up to 9.2e18).
                    const LO: u64 = 1_000_000_000_000_000_000;
                    let v = LO + self.rng.below(i64::MAX as u64 - LO + 1);
                    (u128::from(v), v.to_string())
                }
                IdStyle::Uuid => {
                    let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
                    let a = (a & !0xF000) | 0x4000; // version 4
                    let b = (b & !(0xC << 60)) | (0x8 << 60); // RFC 4122 variant
                    let v = (u128::from(a) << 64) | u128::from(b);
                    let h = format!("{v:032x}");
                    (
                        v,
                        format!(
                            "{}-{}-{}-{}-{}",
                            &h[..8],
                            &h[8..12],
                            &h[12..16],
                            &h[16..20],
                            &h[20..]
                        ),
                    )
                }
            };
            if self.seen.insert(raw) {
                return text;
            }
        }
    }
}

/// The days of the week a store is open: all, or all but one to three.
fn open_days(rng: &mut Rng) -> Vec<u8> {
    let mut days: Vec<u8> = (0..7).collect();
    if rng.chance(0.3) {
        rng.shuffle(&mut days);
        days.truncate(7 - rng.between(1, 3) as usize);
        days.sort_unstable();
    }
    days
}

/// A store's business-hours rows as written, and whether to write `HH:MM` without seconds.
fn make_hours(rng: &mut Rng, nasty: bool) -> (Vec<GenHours>, bool) {
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

/// A store's timezone rows as written, and the zone the engine should end up with.
fn make_zone_rows(
    rng: &mut Rng,
    nasty: bool,
    owner: Owner,
    lines: &mut Vec<ZoneLine>,
) -> Option<Tz> {
    let line = |name: &'static str, bad: bool| ZoneLine {
        owner: Some(owner),
        name,
        bad,
    };
    if rng.chance(0.10) {
        return None;
    }
    let zone = rng.weighted(&ZONES);
    if !nasty {
        lines.push(line(zone.name(), false));
        return Some(zone);
    }
    let r = rng.unit();
    if r < 0.02 {
        // The same zone twice: harmless.
        lines.push(line(zone.name(), false));
        lines.push(line(zone.name(), false));
    } else if r < 0.035 {
        // A second, different zone: the first valid one wins, the second is skipped.
        let other = ZONES[(ZONES.iter().position(|z| z.0 == zone).unwrap_or(0)
            + 1
            + rng.index(ZONES.len() - 1))
            % ZONES.len()]
        .0;
        lines.push(line(zone.name(), false));
        lines.push(line(other.name(), true));
    } else if r < 0.045 {
        // Only an unknown name: counts as missing.
        lines.push(line(rng.pick(&UNKNOWN_ZONES), true));
        return None;
    } else if r < 0.055 {
        // An unknown name, then a valid one, which wins.
        lines.push(line(rng.pick(&UNKNOWN_ZONES), true));
        lines.push(line(zone.name(), false));
    } else {
        lines.push(line(zone.name(), false));
    }
    Some(zone)
}

/// A span of business time in the week: from `from` (microseconds after Monday 00:00
/// local) for `len` (SPEC §4's reading of one row).
#[derive(Debug, Clone, Copy)]
struct Span {
    from: Micros,
    len: Micros,
}

fn spans(hours: &[GenHours]) -> Vec<Span> {
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

/// How a store behaves when polled.
struct StoreModel {
    zone: Tz,
    /// Empty: open 24/7.
    spans: Vec<Span>,
    outages: Vec<(Micros, Micros)>,
    /// Chance of `active` in business hours outside outages.
    reliability: f64,
    /// Chance of `inactive` outside business hours.
    closed_inactive: f64,
    dead: bool,
    few_polls: bool,
    interval: Micros,
}

impl StoreModel {
    fn new(rng: &mut Rng, config: &GenConfig, zone: Option<Tz>, hours: &[GenHours]) -> StoreModel {
        let (start, end) = (
            config.end - i64::from(config.days) * MICROS_PER_DAY,
            config.end,
        );
        let flaky = rng.chance(0.12);
        let count = if flaky {
            rng.between(3, 8)
        } else {
            rng.between(0, 3)
        };
        let mut outages = Vec::new();
        for _ in 0..count {
            let len = if rng.chance(0.04) {
                rng.between(24 * MICROS_PER_HOUR, 72 * MICROS_PER_HOUR)
            } else {
                rng.between(MICROS_PER_HOUR, 8 * MICROS_PER_HOUR)
            };
            let at = rng.between(start - len / 2, end);
            outages.push((at, at + len));
        }
        let factor = if rng.chance(0.04) {
            2.0 + rng.unit()
        } else {
            0.85 + 0.35 * rng.unit()
        };
        StoreModel {
            zone: zone.unwrap_or(DEFAULT_ZONE),
            spans: spans(hours),
            outages,
            reliability: 0.985 + 0.0149 * rng.unit(),
            closed_inactive: rng.pick(&[0.05, 0.6, 0.95]),
            dead: rng.chance(0.005),
            few_polls: rng.chance(0.01),
            interval: ((config.poll_every as f64 * factor) as Micros).max(MICROS_PER_SECOND),
        }
    }

    fn is_open(&self, t: Micros) -> bool {
        if self.spans.is_empty() {
            return true;
        }
        let local = t + utc_offset(self.zone, t);
        let days = local.div_euclid(MICROS_PER_DAY);
        let week_pos =
            i64::from(weekday_of_days(days)) * MICROS_PER_DAY + local.rem_euclid(MICROS_PER_DAY);
        self.spans
            .iter()
            .any(|s| (week_pos - s.from).rem_euclid(MICROS_PER_WEEK) < s.len)
    }

    fn status(&self, rng: &mut Rng, config: &GenConfig, t: Micros) -> bool {
        if self.dead {
            return rng.chance(0.01);
        }
        if let Some((a, b)) = config.fleet_outage {
            let at = if config.outage_local {
                t + utc_offset(self.zone, t)
            } else {
                t
            };
            if a <= at && at < b {
                return rng.chance(0.03);
            }
        }
        if self.outages.iter().any(|&(a, b)| a <= t && t < b) {
            return rng.chance(0.08);
        }
        if self.is_open(t) {
            rng.chance(self.reliability)
        } else {
            !rng.chance(self.closed_inactive)
        }
    }

    fn polls(&self, rng: &mut Rng, config: &GenConfig, store: usize, out: &mut Vec<GenPoll>) {
        let (start, end) = (
            config.end - i64::from(config.days) * MICROS_PER_DAY,
            config.end,
        );
        let mut times = Vec::new();
        if self.few_polls {
            for _ in 0..rng.between(1, 4) {
                times.push(rng.between(start, end));
            }
            times.sort_unstable();
        } else {
            let jitter = self.interval / 5;
            let mut nominal = start + rng.between(0, self.interval - 1);
            while nominal <= end {
                let t = nominal + rng.between(-jitter, jitter);
                if start <= t && t <= end {
                    times.push(t);
                }
                nominal += self.interval;
                if rng.chance(0.01) {
                    nominal += self.interval * rng.between(1, 6); // the poller missed some
                }
            }
        }
        for t in times {
            let at = config.precision.apply(t);
            let active = self.status(rng, config, at);
            out.push(GenPoll { store, at, active });
            if config.nasty {
                if rng.chance(0.002) {
                    out.push(GenPoll {
                        store,
                        at,
                        active: !active,
                    }); // conflicting duplicate
                } else if rng.chance(0.001) {
                    out.push(GenPoll { store, at, active });
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Generation

impl GeneratedData {
    /// Generates everything for `config`; the same config gives the same data.
    pub fn generate(mut config: GenConfig) -> GeneratedData {
        config.end = config.precision.apply(config.end);
        let nasty = config.nasty;
        let mut ids = IdMaker {
            style: config.id_style,
            rng: Rng::new(config.seed, STREAM_IDS),
            seen: HashSet::new(),
        };
        let mut stores = Vec::with_capacity(config.stores);
        let mut zone_groups: Vec<Vec<ZoneLine>> = Vec::new();
        let mut hours_groups: Vec<Vec<HoursLine>> = Vec::new();
        let expected =
            (i64::from(config.days) * MICROS_PER_DAY / config.poll_every.max(1)).max(1) as usize;
        let mut polls = Vec::with_capacity(config.stores.saturating_mul(expected + 1).min(1 << 26));

        for i in 0..config.stores {
            let mut rng = Rng::new(config.seed, STREAM_STORE + i as u64);
            let owner = Owner::Store(i);
            let mut zone_lines = Vec::new();
            let zone = make_zone_rows(&mut rng, nasty, owner, &mut zone_lines);
            let (hours, short) = make_hours(&mut rng, nasty);
            let model = StoreModel::new(&mut rng, &config, zone, &hours);
            let mut poll_rng = Rng::new(config.seed, STREAM_POLLS + i as u64);
            model.polls(&mut poll_rng, &config, i, &mut polls);
            if !zone_lines.is_empty() {
                zone_groups.push(zone_lines);
            }
            if !hours.is_empty() {
                hours_groups.push(hours_lines(owner, &hours, short));
            }
            stores.push(GenStore {
                id: ids.next(),
                zone,
                hours,
            });
        }

        // Ids only in the hours and timezone files.
        let extras = if config.stores == 0 {
            0
        } else {
            1 + config.stores / 50
        };
        let mut extra_store_ids = Vec::with_capacity(extras);
        for i in 0..extras {
            let mut rng = Rng::new(config.seed, STREAM_EXTRA + i as u64);
            let owner = Owner::Extra(i);
            let with_zone = rng.chance(0.7);
            let (mut hours, short) = make_hours(&mut rng, false);
            if !with_zone && hours.is_empty() {
                hours.push(GenHours {
                    day: rng.below(7) as u8,
                    start: hm(10, 0),
                    end: hm(22, 0),
                });
            }
            if with_zone {
                let zone = rng.weighted(&ZONES);
                zone_groups.push(vec![ZoneLine {
                    owner: Some(owner),
                    name: zone.name(),
                    bad: false,
                }]);
            }
            if !hours.is_empty() {
                hours_groups.push(hours_lines(owner, &hours, short));
            }
            extra_store_ids.push(ids.next());
        }

        // File order: stores shuffled, a store's rows together, bad rows anywhere.
        let mut rng = Rng::new(config.seed, STREAM_FILES);
        rng.shuffle(&mut zone_groups);
        rng.shuffle(&mut hours_groups);
        let mut zone_lines: Vec<ZoneLine> = zone_groups.into_iter().flatten().collect();
        let mut hours_lines: Vec<HoursLine> = hours_groups.into_iter().flatten().collect();
        if nasty && config.stores > 0 {
            for _ in 0..1 + config.stores / 5000 {
                let at = rng.index(zone_lines.len() + 1);
                zone_lines.insert(
                    at,
                    ZoneLine {
                        owner: None,
                        name: rng.weighted(&ZONES).name(),
                        bad: true,
                    },
                );
            }
            let bad_hours = 6 + hours_lines.len() / 5000;
            for k in 0..bad_hours {
                let owner = Owner::Store(rng.index(config.stores));
                let at = rng.index(hours_lines.len() + 1);
                hours_lines.insert(
                    at,
                    HoursLine::Bad {
                        owner,
                        kind: (k % BAD_HOURS_KINDS) as u8,
                    },
                );
            }
        }

        // The latest poll is exactly `end`.
        if config.stores > 0 {
            let mut rng = Rng::new(config.seed, STREAM_END_POLL);
            polls.push(GenPoll {
                store: rng.index(config.stores),
                at: config.end,
                active: true,
            });
        }
        polls.sort_unstable_by_key(|p| (p.at, p.store, p.active));

        GeneratedData {
            config,
            stores,
            polls,
            extra_store_ids,
            zone_lines,
            hours_lines,
        }
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
        let mut status = create(STATUS_FILE)?;
        self.write_status(&mut status)?;
        status.flush()?;
        let mut hours = create(HOURS_FILE)?;
        self.write_hours(&mut hours)?;
        hours.flush()?;
        let mut zones = create(TIMEZONES_FILE)?;
        self.write_timezones(&mut zones)?;
        zones.flush()
    }
}

/// The file names [`GeneratedData::write_all`] uses.
pub const STATUS_FILE: &str = "store_status.csv";
pub const HOURS_FILE: &str = "menu_hours.csv";
pub const TIMEZONES_FILE: &str = "timezones.csv";

const BAD_HOURS_KINDS: usize = 6;

// ---------------------------------------------------------------------------------------
// Text

/// Lines into a buffer, handed to the writer in 64 KiB pieces; a newline goes before each
/// line but the first, so the last one can go without.
struct Lines<'w, W: Write> {
    out: &'w mut W,
    buf: Vec<u8>,
}

impl<'w, W: Write> Lines<'w, W> {
    fn new(out: &'w mut W) -> Self {
        Lines {
            out,
            buf: Vec::with_capacity(1 << 17),
        }
    }

    fn new_line(&mut self) -> io::Result<()> {
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.buf.push(b'\n');
        Ok(())
    }

    fn finish(mut self, final_newline: bool) -> io::Result<()> {
        if final_newline {
            self.buf.push(b'\n');
        }
        self.out.write_all(&self.buf)
    }
}

/// How a timestamp is written; all of them name the same instant.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// `2024-10-03 23:33:20.412748 UTC`
    Utc,
    /// `2024-10-03T23:33:20.412748Z`
    Zulu,
    /// Local time at an offset in minutes: `2024-10-04 01:33:20.412748+02:00`, or
    /// `-0500` when compact.
    Offset(i64, bool),
}

fn push_digits(buf: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut v = value;
    let mut n = 0;
    while v > 0 || n < width {
        digits[19 - n] = b'0' + (v % 10) as u8;
        v /= 10;
        n += 1;
    }
    buf.extend_from_slice(&digits[20 - n..]);
}

fn push_timestamp(buf: &mut Vec<u8>, t: Micros, layout: Layout) {
    let local = match layout {
        Layout::Offset(minutes, _) => t + minutes * MICROS_PER_MINUTE,
        _ => t,
    };
    let (year, month, day) = civil_from_days(local.div_euclid(MICROS_PER_DAY));
    let in_day = local.rem_euclid(MICROS_PER_DAY);
    push_digits(buf, year.max(0) as u64, 4);
    buf.push(b'-');
    push_digits(buf, u64::from(month), 2);
    buf.push(b'-');
    push_digits(buf, u64::from(day), 2);
    buf.push(if matches!(layout, Layout::Zulu) {
        b'T'
    } else {
        b' '
    });
    push_digits(buf, (in_day / MICROS_PER_HOUR) as u64, 2);
    buf.push(b':');
    push_digits(buf, (in_day / MICROS_PER_MINUTE % 60) as u64, 2);
    buf.push(b':');
    push_digits(buf, (in_day / MICROS_PER_SECOND % 60) as u64, 2);
    let fraction = (in_day % MICROS_PER_SECOND) as u64;
    if fraction != 0 {
        // Trailing zeros dropped, as in the exports (`23:34:06.15508`).
        let (mut value, mut width) = (fraction, 6);
        while value % 10 == 0 {
            value /= 10;
            width -= 1;
        }
        buf.push(b'.');
        push_digits(buf, value, width);
    }
    match layout {
        Layout::Utc => buf.extend_from_slice(b" UTC"),
        Layout::Zulu => buf.push(b'Z'),
        Layout::Offset(minutes, compact) => {
            buf.push(if minutes < 0 { b'-' } else { b'+' });
            push_digits(buf, (minutes.abs() / 60) as u64, 2);
            if !compact {
                buf.push(b':');
            }
            push_digits(buf, (minutes.abs() % 60) as u64, 2);
        }
    }
}

/// `HH:MM:SS` (`24:00:00` for the end of the day), or `HH:MM` when `short` and the
/// seconds are zero.
fn push_time_of_day(buf: &mut Vec<u8>, t: Micros, short: bool) {
    push_digits(buf, (t / MICROS_PER_HOUR) as u64, 2);
    buf.push(b':');
    push_digits(buf, (t / MICROS_PER_MINUTE % 60) as u64, 2);
    let seconds = t / MICROS_PER_SECOND % 60;
    if !(short && seconds == 0) {
        buf.push(b':');
        push_digits(buf, seconds as u64, 2);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::engine::ingest::unpack_poll;
    use crate::engine::{dataset_from_bytes, format_timestamp, parse_timestamp, Dataset};

    struct Files {
        status: Vec<u8>,
        hours: Vec<u8>,
        zones: Vec<u8>,
        stats: [WriteStats; 3],
    }

    fn write(data: &GeneratedData) -> Files {
        let (mut status, mut hours, mut zones) = (Vec::new(), Vec::new(), Vec::new());
        let stats = [
            data.write_status(&mut status).unwrap(),
            data.write_hours(&mut hours).unwrap(),
            data.write_timezones(&mut zones).unwrap(),
        ];
        Files {
            status,
            hours,
            zones,
            stats,
        }
    }

    fn small(seed: u64, nasty: bool) -> GenConfig {
        GenConfig {
            days: 8,
            nasty,
            ..GenConfig::public_like(seed, 300)
        }
    }

    fn read(files: &Files) -> Dataset {
        // Any order: files are recognised by their header.
        dataset_from_bytes(&[
            ("timezones.csv", &files.zones),
            ("store_status.csv", &files.status),
            ("menu_hours.csv", &files.hours),
        ])
        .unwrap()
    }

    /// The engine reads exactly what the generator says it wrote.
    fn check_round_trip(config: GenConfig) {
        let data = GeneratedData::generate(config);
        let files = write(&data);
        let dataset = read(&files);
        let bad: u64 = files.stats.iter().map(|s| s.bad_rows).sum();
        assert_eq!(
            dataset.skips.total(),
            bad,
            "{:?}",
            dataset.skips.iter().collect::<Vec<_>>()
        );
        let rows: Vec<u64> = dataset.files.iter().map(|f| f.rows).collect();
        assert_eq!(
            rows,
            [
                files.stats[2].rows,
                files.stats[0].rows,
                files.stats[1].rows
            ]
        );
        assert_eq!(dataset.latest_poll, Some(data.config.end));
        assert_eq!(
            dataset.store_count(),
            data.stores.len() + data.extra_store_ids.len()
        );

        let index: HashMap<&str, u32> = (0..dataset.store_count() as u32)
            .map(|i| (dataset.store_id(i), i))
            .collect();
        let mut expected_polls: Vec<Vec<(Micros, bool)>> = vec![Vec::new(); data.stores.len()];
        for p in &data.polls {
            expected_polls[p.store].push((p.at, p.active));
        }
        for (i, store) in data.stores.iter().enumerate() {
            let idx = *index
                .get(store.id.as_str())
                .unwrap_or_else(|| panic!("store {} not found", store.id));
            assert_eq!(dataset.zone(idx), store.zone, "zone of {}", store.id);
            let mut got: Vec<GenHours> = dataset
                .hours(idx)
                .iter()
                .map(|r| GenHours {
                    day: r.day,
                    start: r.start,
                    end: r.end,
                })
                .collect();
            let mut want = store.hours.clone();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "hours of {}", store.id);
            // One observation per timestamp, `inactive` winning (SPEC §5).
            let mut want = std::mem::take(&mut expected_polls[i]);
            want.sort_unstable();
            let mut merged: Vec<(Micros, bool)> = Vec::new();
            for (at, active) in want {
                match merged.last_mut() {
                    Some(last) if last.0 == at => last.1 &= active,
                    _ => merged.push((at, active)),
                }
            }
            let got: Vec<(Micros, bool)> =
                dataset.polls(idx).iter().map(|&p| unpack_poll(p)).collect();
            assert!(!got.is_empty());
            assert_eq!(got, merged, "polls of {}", store.id);
        }
        for id in &data.extra_store_ids {
            let idx = index[id.as_str()];
            assert_eq!(dataset.poll_count(idx), 0);
            assert!(dataset.zone(idx).is_some() || !dataset.hours(idx).is_empty());
        }
    }

    #[test]
    fn engine_reads_what_was_written_nasty_uuid() {
        check_round_trip(small(1, true));
    }

    #[test]
    fn engine_reads_what_was_written_nasty_integer_whole_minutes() {
        check_round_trip(GenConfig {
            id_style: IdStyle::Integer,
            precision: Precision::WholeMinutes,
            ..small(2, true)
        });
    }

    #[test]
    fn engine_reads_what_was_written_clean() {
        check_round_trip(small(3, false));
        check_round_trip(GenConfig::preset_sample());
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = write(&GeneratedData::generate(small(9, true)));
        let b = write(&GeneratedData::generate(small(9, true)));
        assert_eq!(
            (&a.status, &a.hours, &a.zones),
            (&b.status, &b.hours, &b.zones)
        );
        let c = write(&GeneratedData::generate(small(10, true)));
        assert_ne!(a.status, c.status);
        assert_ne!(a.hours, c.hours);
        assert_ne!(a.zones, c.zones);
    }

    #[test]
    fn the_latest_poll_is_end() {
        for config in [
            small(4, true),
            small(5, false),
            GenConfig {
                stores: 1,
                ..small(6, true)
            },
        ] {
            let data = GeneratedData::generate(config.clone());
            assert_eq!(data.config.end, config.end);
            assert_eq!(data.polls.iter().map(|p| p.at).max(), Some(config.end));
            let start = config.end - i64::from(config.days) * MICROS_PER_DAY;
            assert!(data.polls.iter().all(|p| p.at >= start));
        }
        assert!(GeneratedData::generate(GenConfig {
            stores: 0,
            ..small(1, true)
        })
        .polls
        .is_empty());
    }

    #[test]
    fn whole_minutes_are_whole_minutes() {
        let config = GenConfig {
            precision: Precision::WholeMinutes,
            ..small(7, true)
        };
        let data = GeneratedData::generate(config.clone());
        assert_eq!(
            data.config.end,
            config.end - config.end.rem_euclid(MICROS_PER_MINUTE)
        );
        assert!(data.polls.iter().all(|p| p.at % MICROS_PER_MINUTE == 0));
        let files = write(&data);
        let text = String::from_utf8(files.status).unwrap();
        for line in text.lines().skip(1) {
            let ts = line.rsplit(',').next().unwrap();
            if let Ok(t) = parse_timestamp(ts.as_bytes()) {
                assert_eq!(t % MICROS_PER_MINUTE, 0, "{line}");
            }
        }
    }

    #[test]
    fn timestamps_look_like_the_export() {
        let t = parse_timestamp(b"2024-10-03 23:34:06.15508 UTC").unwrap();
        let text = |t, layout| {
            let mut buf = Vec::new();
            push_timestamp(&mut buf, t, layout);
            String::from_utf8(buf).unwrap()
        };
        assert_eq!(text(t, Layout::Utc), "2024-10-03 23:34:06.15508 UTC");
        assert_eq!(text(t, Layout::Utc), format_timestamp(t));
        assert_eq!(text(t, Layout::Zulu), "2024-10-03T23:34:06.15508Z");
        assert_eq!(
            text(t, Layout::Offset(120, false)),
            "2024-10-04 01:34:06.15508+02:00"
        );
        assert_eq!(
            text(t, Layout::Offset(-300, true)),
            "2024-10-03 18:34:06.15508-0500"
        );
        for layout in [
            Layout::Zulu,
            Layout::Offset(330, false),
            Layout::Offset(-420, true),
        ] {
            assert_eq!(parse_timestamp(text(t, layout).as_bytes()), Ok(t));
        }
        let minute = t - t % MICROS_PER_MINUTE;
        assert_eq!(text(minute, Layout::Utc), "2024-10-03 23:34:00 UTC");
        assert_eq!(
            format_timestamp(public_end()),
            "2024-10-14 23:55:18.727055 UTC"
        );
    }

    #[test]
    fn ids_look_real() {
        let uuid = GeneratedData::generate(small(1, false));
        for store in &uuid.stores {
            let parts: Vec<usize> = store.id.split('-').map(str::len).collect();
            assert_eq!(parts, [8, 4, 4, 4, 12], "{}", store.id);
            assert_eq!(&store.id[14..15], "4");
        }
        let int = GeneratedData::generate(GenConfig {
            id_style: IdStyle::Integer,
            ..small(1, false)
        });
        for store in &int.stores {
            assert_eq!(store.id.len(), 19);
            assert!(store.id.parse::<i64>().is_ok(), "{}", store.id);
        }
        let mut hours = Vec::new();
        int.write_hours(&mut hours).unwrap();
        assert!(hours.starts_with(b"store_id,day,start_time_local,end_time_local\n"));
    }

    #[test]
    fn nasty_has_every_corner() {
        let data = GeneratedData::generate(GenConfig {
            stores: 2000,
            days: 2,
            ..GenConfig::public_like(11, 0)
        });
        let rows: Vec<&GenHours> = data.stores.iter().flat_map(|s| &s.hours).collect();
        let has = |f: &dyn Fn(&GenHours) -> bool| rows.iter().any(|h| f(h));
        assert!(has(&|h| h.end < h.start && h.start != 0), "true overnight");
        assert!(has(&|h| h.end == h.start), "start = end");
        assert!(
            has(&|h| h.start == 0 && h.end == hm(1, 0)),
            "real overnight split"
        );
        assert!(has(&|h| h.end == MICROS_PER_DAY));
        assert!(has(&|h| h.end == hms(23, 59, 59)));
        assert!(has(&|h| h.end == hm(23, 59)));
        let split = data.stores.iter().any(|s| {
            s.hours
                .iter()
                .filter(|h| h.day == 0 && h.start == hm(11, 0))
                .count()
                == 1
                && s.hours.iter().filter(|h| h.day == 0).count() == 2
        });
        assert!(split, "split day");
        let none = data.stores.iter().filter(|s| s.hours.is_empty()).count();
        assert!((200..400).contains(&none), "{none} stores without hours");
        let partial = data.stores.iter().filter(|s| {
            let days: HashSet<u8> = s.hours.iter().map(|h| h.day).collect();
            !days.is_empty() && days.len() < 7
        });
        assert!(partial.count() > 50);
        let zones: HashSet<Option<Tz>> = data.stores.iter().map(|s| s.zone).collect();
        assert_eq!(zones.len(), ZONES.len() + 1);
        let files = write(&data);
        let text = String::from_utf8_lossy(&files.hours);
        assert!(text.lines().any(|l| l.ends_with(",24:00:00")));
        assert!(
            text.lines()
                .any(|l| l.split(',').nth(3).is_some_and(|end| end.len() == 5)),
            "HH:MM rows"
        );
        assert!(!text.ends_with('\n'));
        let zones_text = String::from_utf8_lossy(&files.zones);
        assert!(zones_text.contains("Mars/Olympus") || zones_text.contains("America/Atlantis"));
        let status = String::from_utf8_lossy(&files.status);
        for needle in ["Z\n", "+02:00\n", ",unknown,", "2023-01-2\n", "\n,active,"] {
            assert!(status.contains(needle), "{needle}");
        }
        // Duplicate timestamps with conflicting statuses, and stores with very few polls.
        let conflicts = data.polls.windows(2).filter(|w| {
            w[0].store == w[1].store && w[0].at == w[1].at && w[0].active != w[1].active
        });
        assert!(conflicts.count() > 0);
        let mut per_store = vec![0usize; data.stores.len()];
        for p in &data.polls {
            per_store[p.store] += 1;
        }
        assert!(per_store.iter().all(|&n| n > 0));
        assert!(per_store.iter().any(|&n| n <= 4));
        // Downtime exists: most polls active, but not all.
        let inactive =
            data.polls.iter().filter(|p| !p.active).count() as f64 / data.polls.len() as f64;
        assert!((0.05..0.5).contains(&inactive), "{inactive}");
    }

    #[test]
    fn clean_data_has_no_odd_layouts() {
        let data = GeneratedData::generate(small(12, false));
        let files = write(&data);
        assert!(files.stats.iter().all(|s| s.bad_rows == 0));
        let status = String::from_utf8(files.status).unwrap();
        assert!(status.starts_with("store_id,status,timestamp_utc\n"));
        assert!(status
            .lines()
            .skip(1)
            .all(|l| l.ends_with(" UTC") && (l.contains(",active,") || l.contains(",inactive,"))));
        assert!(files.hours.ends_with(b"\n") && files.zones.ends_with(b"\n"));
    }

    #[test]
    fn fleet_outage_makes_nearly_every_store_inactive() {
        let config = GenConfig::preset_sample();
        let (a, b) = config.fleet_outage.unwrap();
        let data = GeneratedData::generate(config);
        let inside: Vec<&GenPoll> = data
            .polls
            .iter()
            .filter(|p| a <= p.at && p.at < b)
            .collect();
        assert!(inside.len() > 300);
        let inactive = inside.iter().filter(|p| !p.active).count();
        assert!(
            inactive * 100 >= inside.len() * 93,
            "{inactive} of {}",
            inside.len()
        );
    }
}
