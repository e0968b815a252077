//! Seeded synthetic input files shaped like the public store-monitoring exports
//! (their rows: SPEC §1): the benchmark's data, the page's built-in sample, and test
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
//!
//! The parts: [`GenConfig`] and its presets and the data set's types here; `assemble` builds
//! a data set, from `ids`, `zones`, `hours` (business hours) and `polls` (how a store
//! behaves when polled, outages included), with `rng`'s seeded streams; `write` writes the
//! three CSV files, through `text`'s byte-level formatting.

mod assemble;
mod hours;
mod ids;
mod polls;
pub(crate) mod rng;
#[cfg(test)]
mod tests;
mod text;
mod write;
mod zones;

use chrono_tz::Tz;

use crate::engine::time::{
    days_from_civil, Micros, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};
use hours::HoursLine;
use rng::mix;
use zones::ZoneLine;

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

/// The file names [`GeneratedData::write_all`] uses.
pub const STATUS_FILE: &str = "store_status.csv";
pub const HOURS_FILE: &str = "menu_hours.csv";
pub const TIMEZONES_FILE: &str = "timezones.csv";
