//! What the page's fleet view is sent: the fleet's aggregates and one compact
//! row per store, one store's detail on demand, and a heatmap cell's stores — converted
//! from the engine's fleet model (`engine::fleet`) in one place, with every number already
//! rounded the way the CSV rounds it (SPEC §6), so the page only draws.
//!
//! Plain serde data, compiled natively and unit-tested; never does I/O.

use serde::{Deserialize, Serialize};

use crate::engine::call_list::call_list;
use crate::engine::fleet::{
    uptime_bin, CellTotals, DayDetail, DayTotals, Fleet, StoreDetail, SubsetHeat, HISTOGRAM_BINS,
    HOURS_OF_WEEK, UPTIME_BIN_EDGES,
};
use crate::engine::outages::{format_with_offset, tick_micros};
use crate::engine::report::{format_percent, Hundredths, DEFAULT_ZONE};
use crate::engine::summary::{Pct, Summary};
use chrono_tz::Tz;

use crate::engine::business::utc_offset;
use crate::engine::time::{
    civil_from_days, format_time_of_day, parse_timestamp, weekday_of_days, MICROS_PER_DAY,
    MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};
use crate::engine::Figures;
use crate::engine::{format_timestamp, Dataset, Micros, Report, State, StoreReport, Tick, Window};

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// How many stores a heatmap cell lists (the worst first).
pub const CELL_STORES_SHOWN: usize = 200;

/// `1234` hundredths as `12.34`, as the engine writes them in its files.
pub fn hundredths_text(value: i64) -> String {
    Hundredths(value).to_string()
}

fn minutes(t: Tick) -> u32 {
    // Ticks are half-microseconds; bars need no more than minutes.
    (t / (2 * MICROS_PER_MINUTE)).clamp(0, i64::from(u32::MAX)) as u32
}

/// `Tue 8 Oct 2024` for a local day number.
pub fn day_label(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!(
        "{} {d} {} {y}",
        WEEKDAYS[usize::from(weekday_of_days(day))],
        MONTHS[(m as usize).saturating_sub(1).min(11)]
    )
}

/// `UTC−05:00` for an offset.
pub fn offset_label(offset: Micros) -> String {
    let sign = if offset < 0 { '−' } else { '+' };
    let m = offset.unsigned_abs() / MICROS_PER_MINUTE as u64;
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// A UTC instant on a wall clock: `Tue 8 Oct 2024 18:05:12 (UTC−05:00)`.
pub fn local_label(at: Micros, offset: Micros) -> String {
    let local = at + offset;
    let in_day = local.rem_euclid(MICROS_PER_DAY);
    format!(
        "{} {:02}:{:02}:{:02} ({})",
        day_label(local.div_euclid(MICROS_PER_DAY)),
        in_day / MICROS_PER_HOUR,
        in_day / MICROS_PER_MINUTE % 60,
        in_day / MICROS_PER_SECOND % 60,
        offset_label(offset)
    )
}

/// One day cell of a store's bar: minutes up, down, without data, and inside the week.
/// Sent as a 5-number array: 14 000 rows × 8 days must stay small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[i64; 5]", into = "[i64; 5]")]
pub struct DayCell {
    pub day: i64,
    pub up: u32,
    pub down: u32,
    pub no_data: u32,
    pub span: u32,
}

impl From<[i64; 5]> for DayCell {
    fn from(a: [i64; 5]) -> Self {
        let m = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
        DayCell {
            day: a[0],
            up: m(a[1]),
            down: m(a[2]),
            no_data: m(a[3]),
            span: m(a[4]),
        }
    }
}

impl From<DayCell> for [i64; 5] {
    fn from(d: DayCell) -> Self {
        [
            d.day,
            d.up.into(),
            d.down.into(),
            d.no_data.into(),
            d.span.into(),
        ]
    }
}

impl From<&DayTotals> for DayCell {
    fn from(d: &DayTotals) -> Self {
        DayCell {
            day: d.day,
            up: minutes(d.totals.up),
            down: minutes(d.totals.down),
            no_data: minutes(d.totals.no_data),
            span: minutes(d.span),
        }
    }
}

/// Store flags in [`FleetRow::flags`].
pub const HOURS_DEFAULTED: u8 = 1;
pub const ZONE_DEFAULTED: u8 = 2;
pub const NO_DATA: u8 = 4;

/// One row of the store table: the report's columns as the CSV rounds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetRow {
    // One-letter names on the wire: 14 000 rows.
    #[serde(rename = "i")]
    pub id: String,
    /// Index into [`FleetView::zones`].
    #[serde(rename = "z")]
    pub zone: u16,
    #[serde(rename = "f")]
    pub flags: u8,
    /// Hundredths of minutes (hour) and hours (day, week), [`Window::ALL`] order.
    #[serde(rename = "u")]
    pub up: [i64; 3],
    #[serde(rename = "d")]
    pub down: [i64; 3],
    /// Uptime last week in hundredths of a percent; `None` without business time.
    #[serde(rename = "p")]
    pub pct: Option<i64>,
    /// The histogram bin, `None` without observed business time.
    #[serde(rename = "b")]
    pub bin: Option<u8>,
    #[serde(rename = "c")]
    pub days: Vec<DayCell>,
    /// SPEC §9 status now: an index into [`StatusNow::ALL`] (up, down, closed, no data).
    #[serde(rename = "s")]
    pub status_now: u8,
    /// The latest valid poll at or before `now`, UTC seconds since the epoch (rounded down).
    #[serde(rename = "l")]
    pub last_poll: Option<i64>,
    /// Outages last week, and the longest one's down time in hundredths of a minute.
    #[serde(rename = "o")]
    pub outages: u32,
    #[serde(rename = "m")]
    pub longest_outage: i64,
    /// The store's name from a store names file, shown beside its id (as text only).
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its region from that file: an index into [`FleetView::regions`].
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<u16>,
}

impl FleetRow {
    pub fn new(report: &StoreReport, days: &[DayTotals], id: &str, zone: u16) -> FleetRow {
        let week = report.window(Window::Week);
        let pick = |f: fn(&crate::engine::Totals) -> Tick| {
            Window::ALL.map(|w| Hundredths::of(f(&report.window(w)), w.unit()).0)
        };
        FleetRow {
            id: id.to_string(),
            zone,
            flags: [
                (report.hours_defaulted, HOURS_DEFAULTED),
                (report.zone_defaulted, ZONE_DEFAULTED),
                (report.no_data, NO_DATA),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .fold(0, |flags, (_, flag)| flags | flag),
            up: pick(|t| t.up),
            down: pick(|t| t.down),
            // The extended CSV's `uptime_pct_last_week`, to the same digits.
            pct: format_percent(week.up, week.business())
                .replace('.', "")
                .parse()
                .ok(),
            bin: uptime_bin(report).map(|b| b as u8),
            days: days.iter().map(DayCell::from).collect(),
            status_now: report.status_now.index() as u8,
            last_poll: report.last_poll.map(|t| t.div_euclid(MICROS_PER_SECOND)),
            outages: report.outages_last_week,
            longest_outage: Hundredths::of(report.longest_outage, MICROS_PER_MINUTE).0,
            name: None,
            region: None,
        }
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The week's uptime %, when the store has observed business time (the engine then
    /// gives it a histogram bin). A store that never reported in its business hours has a
    /// `pct` of 0.00 in the CSV, but that is no measurement: it has no uptime to rank.
    pub fn observed_pct(&self) -> Option<i64> {
        self.bin.and(self.pct)
    }
}

/// Where the heatmap's colour steps start, in percent of observed business time down: the
/// steps are 0, above 0 to 2 %, 2–5 %, 5–10 %, 10–25 %, 25–50 % and 50 % or more. Fixed, so
/// a colour means the same share in every report: a healthy week stays pale.
pub const HEAT_LEVEL_EDGES: [i128; 5] = [2, 5, 10, 25, 50];
/// Steps of the heatmap's scale: level 0 (no downtime) and one per band above it.
pub const HEAT_LEVELS: usize = HEAT_LEVEL_EDGES.len() + 2;

/// How a step of a fixed scale reads: `2–5 %`, `under 50 %`, `99 % or more`.
fn band_label(edges: &[i128], band: usize, below: &str) -> String {
    match (
        band.checked_sub(1).and_then(|b| edges.get(b)),
        edges.get(band),
    ) {
        (None, Some(hi)) => format!("{below} {hi} %"),
        (Some(lo), Some(hi)) => format!("{lo}–{hi} %"),
        (Some(lo), None) => format!("{lo} % or more"),
        (None, None) => String::new(),
    }
}

/// The heatmap legend's words for a level: `0 %`, `under 2 %` … `50 % or more`.
pub fn heat_level_label(level: usize) -> String {
    match level {
        0 => "0 %".into(),
        _ => band_label(&HEAT_LEVEL_EDGES, level - 1, "above 0, under"),
    }
}

/// The histogram's words for a bin: `under 50 %`, `50–80 %` … `99 % or more`.
pub fn bin_label(bin: usize) -> String {
    band_label(&UPTIME_BIN_EDGES, bin.min(HISTOGRAM_BINS - 1), "under")
}

/// One hour-of-week cell of the heatmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatCell {
    /// Down share of observed business time in hundredths of a percent.
    pub share: Option<u32>,
    /// Minutes down and observed, summed over all stores.
    pub down: u64,
    pub observed: u64,
    /// Stores with downtime in the cell.
    pub stores: u32,
    /// Its step on the fixed scale, 0 to [`HEAT_LEVELS`] − 1; 0 also without business time.
    pub level: u8,
}

impl HeatCell {
    fn new(cell: &CellTotals, stores: usize) -> HeatCell {
        let observed = cell.observed();
        // Exact: down / observed ≥ edge % ⇔ down × 100 ≥ edge × observed.
        let (down, whole) = (i128::from(cell.down) * 100, i128::from(observed));
        let level = if cell.down > 0 {
            1 + HEAT_LEVEL_EDGES
                .iter()
                .filter(|&&edge| down >= edge * whole)
                .count()
        } else {
            0
        };
        HeatCell {
            level: level as u8,
            share: (observed > 0).then(|| {
                ((i128::from(cell.down) * 10_000 + i128::from(observed) / 2) / i128::from(observed))
                    as u32
            }),
            down: (cell.down / (2 * MICROS_PER_MINUTE)) as u64,
            observed: (observed / (2 * MICROS_PER_MINUTE)) as u64,
            stores: stores as u32,
        }
    }
}

/// Outage flags in [`OutageCell::flags`].
pub const ONGOING: u8 = 1;
pub const FROM_WEEK_START: u8 = 2;

/// One outage (SPEC §9) as the outage file has it, in numbers: sent as a 7-number array,
/// since a week of a big fleet has tens of thousands. Times are UTC seconds since the epoch,
/// rounded down as in the file; the offsets (seconds) give the store's wall clock at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[i64; 7]", into = "[i64; 7]")]
pub struct OutageCell {
    /// Index into [`FleetView::rows`].
    pub row: u32,
    pub start: i64,
    pub end: i64,
    pub start_offset: i64,
    pub end_offset: i64,
    /// Down time in hundredths of a minute (the file's `down_minutes`).
    pub down: i64,
    pub flags: u8,
}

impl From<[i64; 7]> for OutageCell {
    fn from(a: [i64; 7]) -> Self {
        OutageCell {
            row: a[0].clamp(0, i64::from(u32::MAX)) as u32,
            start: a[1],
            end: a[2],
            start_offset: a[3],
            end_offset: a[4],
            down: a[5],
            flags: a[6].clamp(0, 255) as u8,
        }
    }
}

impl From<OutageCell> for [i64; 7] {
    fn from(o: OutageCell) -> Self {
        [
            o.row.into(),
            o.start,
            o.end,
            o.start_offset,
            o.end_offset,
            o.down,
            o.flags.into(),
        ]
    }
}

impl OutageCell {
    /// The outage file's `start_local` / `end_local` text for this outage.
    pub fn local_times(&self) -> (String, String) {
        let secs = |t: i64| t * MICROS_PER_SECOND;
        (
            format_with_offset(secs(self.start), secs(self.start_offset)),
            format_with_offset(secs(self.end), secs(self.end_offset)),
        )
    }
}

/// The fleet view of one finished report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetView {
    pub now_utc: String,
    /// The zone most listed stores are in (docs/semantics.md, "Summary").
    pub common_zone: String,
    pub polls: u64,
    /// Fleet uptime % per window ([`Window::ALL`] order); `None` without business time.
    pub uptime_pct: [Option<String>; 3],
    pub no_data: u64,
    /// Stores per uptime bin ([`bin_label`]), and the stores without observed business time
    /// last week, which have no uptime % to bin.
    pub histogram: Vec<u32>,
    pub unbinned: u32,
    /// [`HOURS_OF_WEEK`] cells, Monday 00:00 first, store-local time.
    pub heat: Vec<HeatCell>,
    pub zones: Vec<String>,
    /// The regions a store names file gives, sorted; empty without one.
    #[serde(default)]
    pub regions: Vec<String>,
    /// In report order (by id).
    pub rows: Vec<FleetRow>,
    /// Every outage of the week (SPEC §9), by row, then start: the outage file's rows.
    pub outages: Vec<OutageCell>,
    /// `store-uptime summary --json`'s document for this report (docs/summary-json.md):
    /// status now, the week by day, the fleet timeline, the stores down now, the outage
    /// totals — the engine's figures, so the page and the command line cannot disagree.
    pub summary: serde_json::Value,
}

impl FleetView {
    pub fn new(report: &Report, fleet: &Fleet, data: &Dataset) -> FleetView {
        let mut zones: Vec<String> = fleet
            .stores
            .iter()
            .map(|s| s.report.zone.name().to_string())
            .collect();
        zones.sort_unstable();
        zones.dedup();
        // The names file's regions, as the extended CSV gives them (an empty one is none).
        let mut regions: Vec<String> = fleet
            .stores
            .iter()
            .filter_map(|s| data.name(s.report.store))
            .filter(|n| !n.region.is_empty())
            .map(|n| n.region.to_string())
            .collect();
        regions.sort_unstable();
        regions.dedup();
        let rows = fleet
            .stores
            .iter()
            .map(|s| {
                let zone = zones
                    .binary_search_by(|z| z.as_str().cmp(s.report.zone.name()))
                    .unwrap_or(0) as u16;
                let mut row =
                    FleetRow::new(&s.report, &s.days, data.store_id(s.report.store), zone);
                if let Some(named) = data.name(s.report.store) {
                    row.name = Some(named.name.to_string()).filter(|n| !n.is_empty());
                    row.region = regions
                        .binary_search_by(|r| r.as_str().cmp(&named.region))
                        .ok()
                        .map(|i| i as u16);
                }
                row
            })
            .collect();
        let mut outages = Vec::new();
        for (row, f) in fleet.figures.stores.iter().enumerate() {
            for (o, &(start_offset, end_offset)) in f.outages.iter().zip(&f.offsets) {
                let seconds = |t: Tick| tick_micros(t).div_euclid(MICROS_PER_SECOND);
                outages.push(OutageCell {
                    row: row as u32,
                    start: seconds(o.start),
                    end: seconds(o.end),
                    start_offset: start_offset.div_euclid(MICROS_PER_SECOND),
                    end_offset: end_offset.div_euclid(MICROS_PER_SECOND),
                    down: Hundredths::of(o.down, MICROS_PER_MINUTE).0,
                    flags: if o.ongoing { ONGOING } else { 0 }
                        | if o.from_week_start {
                            FROM_WEEK_START
                        } else {
                            0
                        },
                });
            }
        }
        let summary = Summary::new(report, &fleet.figures, data, None).to_json();
        let common = fleet.common_zone.unwrap_or(DEFAULT_ZONE);
        FleetView {
            now_utc: format_timestamp(report.now),
            common_zone: common.name().to_string(),
            polls: data.total_polls() as u64,
            uptime_pct: Window::ALL.map(|w| {
                let t = report.fleet_totals(w);
                (t.business() > 0).then(|| format_percent(t.up, t.business()))
            }),
            no_data: report.quality.stores_no_data as u64,
            histogram: fleet.histogram.to_vec(),
            unbinned: fleet.unbinned,
            heat: (0..HOURS_OF_WEEK)
                .map(|c| {
                    HeatCell::new(
                        fleet.heat.get(c).unwrap_or(&CellTotals::default()),
                        fleet.cell_stores.get(c).map_or(0, Vec::len),
                    )
                })
                .collect(),
            zones,
            regions,
            rows,
            outages,
            summary,
        }
    }

    /// The uptime histogram of the stores of `region` (an index into [`FleetView::regions`])
    /// as ([`FleetView::histogram`], [`FleetView::unbinned`]) have it: each row counted in
    /// the bin the engine gave it, the rows without one apart. `None`: the whole fleet's,
    /// as the engine summed it.
    pub fn histogram_of(&self, region: Option<u16>) -> (Vec<u32>, u32) {
        let Some(region) = region else {
            return (self.histogram.clone(), self.unbinned);
        };
        let mut bins = vec![0u32; HISTOGRAM_BINS];
        let mut unbinned = 0;
        for row in self.rows.iter().filter(|r| r.region == Some(region)) {
            match row.bin.and_then(|b| bins.get_mut(usize::from(b))) {
                Some(count) => *count += 1,
                None => unbinned += 1,
            }
        }
        (bins, unbinned)
    }

    /// How many stores `region` has (an index into [`FleetView::regions`]).
    pub fn region_stores(&self, region: u16) -> usize {
        self.rows
            .iter()
            .filter(|r| r.region == Some(region))
            .count()
    }
}

/// The heatmap of one region's stores (a store names file's), computed by the engine on
/// demand ([`crate::engine::fleet::subset_heat`]): the cells as [`FleetView::heat`] has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionHeat {
    /// An index into [`FleetView::regions`].
    pub region: u16,
    /// The region's stores.
    pub stores: u32,
    /// [`HOURS_OF_WEEK`] cells, Monday 00:00 first, store-local time.
    pub heat: Vec<HeatCell>,
}

impl RegionHeat {
    pub fn new(region: u16, subset: &SubsetHeat) -> RegionHeat {
        RegionHeat {
            region,
            stores: subset.stores,
            heat: (0..HOURS_OF_WEEK)
                .map(|c| {
                    HeatCell::new(
                        subset.heat.get(c).unwrap_or(&CellTotals::default()),
                        subset.stores_down.get(c).map_or(0, |&n| n as usize),
                    )
                })
                .collect(),
        }
    }
}

/// The stores down in one heatmap cell, the most minutes first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellStores {
    pub cell: u8,
    /// The region the list is of (an index into [`FleetView::regions`]); `None`: the fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<u16>,
    /// (store id, minutes down in the cell), at most [`CELL_STORES_SHOWN`].
    pub stores: Vec<(String, u32)>,
    pub total: u32,
}

impl CellStores {
    /// The stores down in `cell`; with `region`, only the rows of `in_region` (sorted: the
    /// region's rows, [`crate::engine::fleet::region_rows`]).
    pub fn new(
        fleet: &Fleet,
        data: &Dataset,
        cell: usize,
        region: Option<(u16, &[u32])>,
    ) -> CellStores {
        let mut list: Vec<(u32, Tick)> = fleet.cell_stores.get(cell).cloned().unwrap_or_default();
        if let Some((_, rows)) = region {
            list.retain(|(row, _)| rows.binary_search(row).is_ok());
        }
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        CellStores {
            cell: cell.min(HOURS_OF_WEEK - 1) as u8,
            region: region.map(|(g, _)| g),
            total: list.len() as u32,
            stores: list
                .iter()
                .take(CELL_STORES_SHOWN)
                .filter_map(|&(row, down)| {
                    let store = fleet.stores.get(row as usize)?.report.store;
                    Some((data.store_id(store).to_string(), minutes(down).max(1)))
                })
                .collect(),
        }
    }
}

/// The answers that depend on the owner's uptime target: the summary document with the
/// target (its `target` holds the pass/fail counts and the error budget) and the stores to
/// call, in calling order, as (row, [`CallReason::ALL`] index) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetView {
    /// Hundredths of a percent (99 % is 9900).
    pub target: u32,
    pub summary: serde_json::Value,
    pub calls: Vec<[u32; 2]>,
}

impl TargetView {
    pub fn new(report: &Report, figures: &Figures, data: &Dataset, target: Pct) -> TargetView {
        let summary = Summary::new(report, figures, data, Some(target));
        TargetView {
            target: target.0,
            calls: call_list(&summary)
                .iter()
                .map(|c| [c.row as u32, c.reason.index() as u32])
                .collect(),
            summary: summary.to_json(),
        }
    }
}

/// The stores down in one 15-minute slot of the fleet timeline, the most down first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotStores {
    pub slot: u16,
    /// (row, down time in hundredths of a minute), at most [`CELL_STORES_SHOWN`].
    pub stores: Vec<(u32, i64)>,
    pub total: u32,
}

impl SlotStores {
    pub fn new(down: &[(usize, Tick)], slot: usize) -> SlotStores {
        SlotStores {
            slot: slot.min(usize::from(u16::MAX)) as u16,
            total: down.len() as u32,
            stores: down
                .iter()
                .take(CELL_STORES_SHOWN)
                .map(|&(row, t)| (row as u32, Hundredths::of(t, MICROS_PER_MINUTE).0))
                .collect(),
        }
    }
}

/// `Fri 11 Oct 17:02`: a UTC instant (seconds) on a wall clock `offset` seconds from UTC.
/// The date is there because a week has the same weekday at both ends.
pub fn short_local(at: i64, offset: i64) -> String {
    let local = (at + offset) * MICROS_PER_SECOND;
    let day = local.div_euclid(MICROS_PER_DAY);
    let (_, month, date) = civil_from_days(day);
    format!(
        "{} {date} {} {}",
        WEEKDAYS[usize::from(weekday_of_days(day))],
        MONTHS[(month as usize).saturating_sub(1).min(11)],
        &format_time_of_day(local.rem_euclid(MICROS_PER_DAY))[..5]
    )
}

/// `h:mm` for hundredths of a minute, rounded to the minute (half up): `9:14`, `31:05`.
pub fn hours_minutes(hundredths_of_minute: i64) -> String {
    let minutes = (hundredths_of_minute.max(0) + 50) / 100;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// `store-uptime summary --json`'s document (docs/summary-json.md), typed for the page: it
/// only reads what the engine wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryDoc {
    pub now_utc: String,
    pub week_start_utc: String,
    pub stores: u64,
    pub fleet: SummaryWindows,
    pub status_now: StatusCounts,
    pub days: Vec<SummaryDay>,
    pub timeline: Vec<SummarySlot>,
    pub down_now: Vec<SummaryDown>,
    pub outages: SummaryOutages,
    pub target: Option<SummaryTarget>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryWindows {
    pub last_week: SummaryWindow,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryWindow {
    pub uptime: String,
    pub downtime: String,
    pub uptime_pct: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StatusCounts {
    pub up: u64,
    pub down: u64,
    pub closed: u64,
    pub no_data: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryDay {
    pub period: u32,
    pub from_utc: String,
    pub to_utc: String,
    pub uptime_hours: String,
    pub downtime_hours: String,
    pub uptime_pct: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummarySlot {
    pub start_utc: String,
    pub open: u64,
    pub down_share: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryDown {
    pub store_id: String,
    pub since_utc: Option<String>,
    pub down_minutes: Option<String>,
    pub last_poll_utc: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryOutages {
    pub count: u64,
    pub ongoing: u64,
    pub total_minutes: String,
    pub longest: Option<SummaryOutage>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryOutage {
    pub store_id: String,
    pub start_utc: String,
    pub end_utc: String,
    pub down_minutes: String,
    pub ongoing: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryTarget {
    pub target_pct: String,
    pub stores_below_count: u64,
    pub error_budget: SummaryBudget,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SummaryBudget {
    pub allowed_minutes: String,
    pub used_minutes: String,
    pub remaining_minutes: String,
    pub used_pct: Option<String>,
}

impl SummaryDoc {
    /// The document in `value`; fields it lacks stay empty (an older worker's view).
    pub fn of(value: &serde_json::Value) -> SummaryDoc {
        SummaryDoc::deserialize(value).unwrap_or_default()
    }
}

/// `12.34` (a two-decimal text, any sign) as hundredths; `None` if it is not one.
pub fn parse_hundredths(text: &str) -> Option<i64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (whole, frac) = digits.split_once('.')?;
    if frac.len() != 2 || whole.is_empty() {
        return None;
    }
    Some(sign * (whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?))
}

/// What a later comparison needs of a report (kept in this browser's history): its `now`,
/// the fleet's week uptime, and each store's week uptime % and downtime, as the report
/// rounds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekRecord {
    pub now_utc: String,
    pub fleet_pct: Option<String>,
    /// (id, uptime % last week in hundredths, downtime last week in hundredths of an hour).
    pub stores: Vec<(String, Option<i64>, i64)>,
}

impl WeekRecord {
    pub fn of(view: &FleetView) -> WeekRecord {
        WeekRecord {
            now_utc: view.now_utc.clone(),
            fleet_pct: view.uptime_pct[2].clone(),
            stores: view
                .rows
                .iter()
                .map(|r| (r.id.clone(), r.observed_pct(), r.down[2]))
                .collect(),
        }
    }
}

/// One store's change between two reports, in hundredths of a percentage point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreChange {
    pub id: String,
    pub before: i64,
    pub after: i64,
}

impl StoreChange {
    pub fn change(&self) -> i64 {
        self.after - self.before
    }
}

/// This report against an earlier (or any other) one: the difference of the two reports'
/// rounded figures, so each side reads exactly as its own report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The fleet's week uptime change (points, hundredths), when both have one.
    pub fleet_change: Option<i64>,
    /// Stores with an uptime % in both, the most worsened first (then by id).
    pub stores: Vec<StoreChange>,
    pub only_this: Vec<String>,
    pub only_other: Vec<String>,
}

impl Comparison {
    pub fn new(this: &WeekRecord, other: &WeekRecord) -> Comparison {
        let parse = |p: &Option<String>| p.as_deref().and_then(parse_hundredths);
        let before: std::collections::HashMap<&str, Option<i64>> = other
            .stores
            .iter()
            .map(|(id, pct, _)| (id.as_str(), *pct))
            .collect();
        let mine: std::collections::HashSet<&str> =
            this.stores.iter().map(|(id, _, _)| id.as_str()).collect();
        let mut stores = Vec::new();
        let mut only_this = Vec::new();
        for (id, pct, _) in &this.stores {
            match before.get(id.as_str()) {
                None => only_this.push(id.clone()),
                Some(b) => {
                    if let (Some(before), Some(after)) = (*b, *pct) {
                        stores.push(StoreChange {
                            id: id.clone(),
                            before,
                            after,
                        });
                    }
                }
            }
        }
        stores.sort_by(|a, b| a.change().cmp(&b.change()).then(a.id.cmp(&b.id)));
        let only_other = other
            .stores
            .iter()
            .filter(|(id, _, _)| !mine.contains(id.as_str()))
            .map(|(id, _, _)| id.clone())
            .collect();
        Comparison {
            fleet_change: parse(&this.fleet_pct)
                .zip(parse(&other.fleet_pct))
                .map(|(a, b)| a - b),
            stores,
            only_this,
            only_other,
        }
    }
}

/// What a stretch of the detail timeline was. Sent as its number (0 up, 1 down, 2 closed,
/// 3 no data), the shape the segments always had on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum SegmentState {
    Up = 0,
    Down = 1,
    Closed = 2,
    NoData = 3,
}

impl From<SegmentState> for u8 {
    fn from(state: SegmentState) -> u8 {
        state as u8
    }
}

impl TryFrom<u8> for SegmentState {
    type Error = String;

    fn try_from(n: u8) -> Result<Self, String> {
        [
            SegmentState::Up,
            SegmentState::Down,
            SegmentState::Closed,
            SegmentState::NoData,
        ]
        .get(usize::from(n))
        .copied()
        .ok_or_else(|| format!("no segment state {n}"))
    }
}

impl From<State> for SegmentState {
    fn from(state: State) -> Self {
        match state {
            State::Up => SegmentState::Up,
            State::Down => SegmentState::Down,
            State::Closed => SegmentState::Closed,
            State::NoData => SegmentState::NoData,
        }
    }
}

/// A poll tick of the detail timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollTick {
    /// Seconds since the day's local midnight.
    pub x: u32,
    pub active: bool,
    /// Outside business hours: not an observation (SPEC §5).
    pub ignored: bool,
    pub label: String,
}

/// One local day of the detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailDay {
    pub label: String,
    /// The part of the day inside the week, seconds since local midnight.
    pub from: u32,
    pub to: u32,
    /// Hundredths of hours, as the report rounds.
    pub up: i64,
    pub down: i64,
    pub no_data: i64,
    /// (from, to, state) in seconds since local midnight.
    pub segments: Vec<(u32, u32, SegmentState)>,
    pub polls: Vec<PollTick>,
    /// (seconds since local midnight, words) for each daylight-saving change.
    pub changes: Vec<(u32, String)>,
}

/// One store's week for the detail panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailView {
    pub row: FleetRow,
    pub zone: String,
    pub hours: Vec<String>,
    pub notes: Vec<String>,
    pub days: Vec<DetailDay>,
}

fn seconds_since(t: Tick, origin: Tick) -> u32 {
    ((t - origin) / (2 * MICROS_PER_SECOND)).clamp(0, i64::from(u32::MAX)) as u32
}

impl DetailDay {
    fn new(d: &DayDetail) -> DetailDay {
        let m = d.midnight;
        DetailDay {
            label: day_label(d.totals.day),
            from: seconds_since(d.from, m),
            to: seconds_since(d.to, m),
            up: Hundredths::of(d.totals.totals.up, MICROS_PER_HOUR).0,
            down: Hundredths::of(d.totals.totals.down, MICROS_PER_HOUR).0,
            no_data: Hundredths::of(d.totals.totals.no_data, MICROS_PER_HOUR).0,
            segments: d
                .segments
                .iter()
                .map(|s| {
                    (
                        seconds_since(s.start, m),
                        seconds_since(s.end, m),
                        s.state.into(),
                    )
                })
                .collect(),
            polls: d
                .polls
                .iter()
                .map(|p| PollTick {
                    x: seconds_since(2 * p.at, m),
                    active: p.active,
                    ignored: !p.observed,
                    label: format!(
                        "{} · {}{}",
                        local_label(p.at, p.offset),
                        if p.active { "active" } else { "inactive" },
                        if p.observed {
                            ""
                        } else {
                            " (outside business hours, ignored)"
                        }
                    ),
                })
                .collect(),
            changes: d
                .offset_changes
                .iter()
                .map(|c| {
                    let (ahead, by) = (c.to > c.from, (c.to - c.from).unsigned_abs());
                    (
                        seconds_since(2 * c.at, m),
                        format!(
                            "Clocks go {} {} min at {} ({} → {})",
                            if ahead { "forward" } else { "back" },
                            by / MICROS_PER_MINUTE as u64,
                            local_label(c.at, c.from),
                            offset_label(c.from),
                            offset_label(c.to)
                        ),
                    )
                })
                .collect(),
        }
    }
}

impl DetailView {
    pub fn new(detail: &StoreDetail, data: &Dataset, zone_index: u16) -> DetailView {
        let r = &detail.report;
        let days: Vec<DayTotals> = detail.days.iter().map(|d| d.totals).collect();
        let row = FleetRow::new(r, &days, data.store_id(r.store), zone_index);
        let mut rows = detail.hours.clone();
        rows.sort_unstable();
        let hours = rows
            .iter()
            .map(|&(day, start, end)| {
                let end_text = if end > MICROS_PER_DAY {
                    format!("{} next day", format_time_of_day(end - MICROS_PER_DAY))
                } else {
                    format_time_of_day(end)
                };
                format!(
                    "{} {}–{}",
                    WEEKDAYS[usize::from(day.min(6))],
                    format_time_of_day(start),
                    end_text
                )
            })
            .collect();
        let mut notes = Vec::new();
        if r.hours_defaulted {
            notes.push(
                "No business hours given: open 24 hours, 7 days a week (the default).".to_string(),
            );
        } else {
            let missing: Vec<&str> = (0..7u8)
                .filter(|d| !detail.hours.iter().any(|h| h.0 == *d))
                .map(|d| WEEKDAYS[usize::from(d)])
                .collect();
            if !missing.is_empty() {
                notes.push(format!(
                    "No hours given for {}: closed those days (or as the report's option says).",
                    missing.join(", ")
                ));
            }
        }
        if r.zone_defaulted {
            notes.push(format!(
                "No valid timezone: {} assumed (the default).",
                DEFAULT_ZONE.name()
            ));
        }
        if r.no_data {
            notes.push(
                "No poll inside business hours at all: no data, counted as 0 up and 0 down."
                    .to_string(),
            );
        }
        notes.push(format!(
            "{} observations in the last week.",
            r.observations_last_week
        ));
        if detail.polls_ignored > 0 {
            notes.push(format!(
                "{} polls this week were outside business hours and ignored.",
                detail.polls_ignored
            ));
        }
        DetailView {
            row,
            zone: r.zone.name().to_string(),
            hours,
            notes,
            days: detail.days.iter().map(DetailDay::new).collect(),
        }
    }
}

// Words and numbers the page and the report file share (one formatter each).

/// `14 000` with a thin space between thousands, as the page groups digits.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// `93.10 %`, or a dash without business time.
pub fn pct_text(p: &Option<String>) -> String {
    p.as_ref()
        .map(|p| format!("{p} %"))
        .unwrap_or_else(|| "—".into())
}

/// `h:mm` from the summary's two-decimal minutes (any sign).
pub fn minutes_hm(text: &str) -> String {
    parse_hundredths(text)
        .map(|m| {
            if m < 0 {
                format!("−{}", hours_minutes(-m))
            } else {
                hours_minutes(m)
            }
        })
        .unwrap_or_else(|| "—".into())
}

/// `h:mm` from hundredths of an hour.
pub fn hours_hm(hundredths_of_hour: i64) -> String {
    hours_minutes(hundredths_of_hour * 60)
}

/// A summary time (`YYYY-MM-DD HH:MM:SS`, UTC) in microseconds.
pub fn utc_micros(text: &str) -> Option<i64> {
    parse_timestamp(text.as_bytes()).ok()
}

/// `Tue 7 Nov 2023 23:59` on `zone`'s wall clock.
pub fn zoned_long(at: i64, zone: impl ShownZone) -> String {
    let local = at + zone.offset_at(at);
    let in_day = local.rem_euclid(MICROS_PER_DAY);
    format!(
        "{} {:02}:{:02}",
        day_label(local.div_euclid(MICROS_PER_DAY)),
        in_day / MICROS_PER_HOUR,
        in_day / MICROS_PER_MINUTE % 60
    )
}

/// `Tue 7 Nov 23:59` on `zone`'s wall clock.
pub fn zoned_short(at: i64, zone: impl ShownZone) -> String {
    let seconds = at.div_euclid(MICROS_PER_SECOND);
    short_local(seconds, zone.offset_at(at).div_euclid(MICROS_PER_SECOND))
}

/// How a zone is named in headings: `UTC`, or its IANA name.
pub fn zone_name(zone: impl ShownZone) -> String {
    zone.label()
}

/// A zone fleet-level times are shown in: its UTC offset at an instant, and its name. The
/// engine's zones (chrono-tz's database) are one; the page has its own
/// (`app/src/page/zone.rs`), from the browser's clock data, so the page does not carry a
/// second copy of the time zone database (first load, BENCHMARKS.md). Only for showing times: every figure is the
/// engine's, and a store's own times come with their offsets from the engine.
pub trait ShownZone: Copy {
    /// The zone's UTC offset at `at`, in microseconds.
    fn offset_at(self, at: Micros) -> Micros;
    /// `UTC`, or the zone's IANA name.
    fn label(self) -> String;
}

/// Minutes east of UTC in an offset as browsers write it (`Intl.DateTimeFormat`'s
/// `longOffset`): `GMT+05:30`, `GMT-08:00`, `GMT−03:00` (a minus sign), or `GMT` for UTC.
pub fn parse_gmt_offset(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix("GMT")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, rest) = if let Some(rest) = rest.strip_prefix('+') {
        (1, rest)
    } else if let Some(rest) = rest.strip_prefix(['-', '\u{2212}']) {
        (-1, rest)
    } else {
        return None;
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let (hours, minutes) = (hours.parse::<i64>().ok()?, minutes.parse::<i64>().ok()?);
    (hours <= 24 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

impl ShownZone for Tz {
    fn offset_at(self, at: Micros) -> Micros {
        utc_offset(self, at)
    }

    fn label(self) -> String {
        if self == Tz::UTC {
            "UTC".into()
        } else {
            self.name().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_as_browsers_write_them() {
        assert_eq!(parse_gmt_offset("GMT"), Some(0));
        assert_eq!(parse_gmt_offset("GMT+05:30"), Some(330));
        assert_eq!(parse_gmt_offset("GMT-08:00"), Some(-480));
        assert_eq!(parse_gmt_offset("GMT\u{2212}03:00"), Some(-180));
        assert_eq!(parse_gmt_offset("GMT+5"), Some(300));
        for bad in ["UTC", "GMT+", "GMT*05:00", "GMT+05:75", "GMT+99:00", ""] {
            assert_eq!(parse_gmt_offset(bad), None, "{bad}");
        }
    }
    use crate::engine::fleet::{analyse_fleet, store_detail};
    use crate::engine::outages::StatusNow;
    use crate::engine::{dataset_from_bytes, write_csv, Analyser, Options};
    use crate::generate::{GenConfig, GeneratedData};
    use std::ops::ControlFlow;

    /// The page's sample data set (300 stores), read by the engine.
    /// The report, the fleet model and the page's view of `data` with the default options.
    fn report_and_view(data: &Dataset) -> (Report, crate::engine::fleet::Fleet, FleetView) {
        let (report, fleet) =
            analyse_fleet(data, Options::default(), &mut |_| ControlFlow::Continue(())).unwrap();
        let view = FleetView::new(&report, &fleet, data);
        (report, fleet, view)
    }

    fn sample_data() -> Dataset {
        let generated = GeneratedData::generate(GenConfig::preset_sample());
        let [s, h, z] = generated.files_in_memory();
        dataset_from_bytes(&[("s", &s), ("h", &h), ("z", &z)]).unwrap()
    }

    #[test]
    fn rows_say_what_the_csv_says() {
        let data = sample_data();
        let (report, fleet, view) = report_and_view(&data);
        let mut csv = Vec::new();
        write_csv(&report, &data, true, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        for (line, row) in csv.lines().skip(1).zip(&view.rows) {
            let cols: Vec<&str> = line.split(',').collect();
            let mine: Vec<String> = row
                .up
                .iter()
                .chain(&row.down)
                .map(|v| hundredths_text(*v))
                .collect();
            assert_eq!(cols[1..7], mine[..], "{line}");
            assert_eq!(cols[9], row.pct.map(hundredths_text).unwrap_or_default());
            assert_eq!(cols[10], view.zones[usize::from(row.zone)]);
        }
        assert_eq!(view.heat.len(), HOURS_OF_WEEK);
        assert_eq!(view.rows.len(), 300);
        let binned: u32 = view.histogram.iter().sum();
        assert_eq!(binned + view.unbinned, 300);
        for (r, row) in view.rows.iter().enumerate() {
            assert_eq!(row.bin.map(usize::from), uptime_bin(&report.stores[r]));
        }
        let json = serde_json::to_string(&view).unwrap();
        assert_eq!(serde_json::from_str::<FleetView>(&json).unwrap(), view);
        // Compact enough for 14 000 stores: ≈ 320 bytes a row, ≈ 50 bytes an outage; the
        // rest (the summary's 672 slots, the heatmap) does not grow with the fleet.
        let rows = serde_json::to_string(&view.rows).unwrap().len();
        let outages = serde_json::to_string(&view.outages).unwrap().len();
        assert!(rows < 350 * view.rows.len(), "{rows}");
        assert!(outages < 60 * view.outages.len().max(1), "{outages}");
        assert!(json.len() - rows - outages < 120_000, "{}", json.len());
        let mut analyser = Analyser::new(&data, Options::default()).unwrap();
        let detail = store_detail(&mut analyser, &data, fleet.stores[3].report.store).unwrap();
        let detail = DetailView::new(&detail, &data, view.rows[3].zone);
        assert_eq!(detail.row, view.rows[3]);
        assert!(!detail.days.is_empty() && !detail.hours.is_empty());
    }

    /// A store polled only outside its business hours has no observation (SPEC §5): the CSV
    /// writes 0.00 % for it, but its row has no bin and no uptime to rank, and a comparison
    /// leaves it out; a store with observed time keeps its number.
    #[test]
    fn rows_carry_the_names_files_names_and_regions_as_the_extended_csv_does() {
        let status = "store_id,status,timestamp_utc\n\
            a,active,2024-10-14 10:00:00\n\
            b,active,2024-10-14 10:00:00\n\
            c,inactive,2024-10-14 10:00:00\n";
        // The first row of an id wins; an empty region is none.
        let names = "store_id,name,region\n\
            b,<b>Bistro</b>,South\n\
            a,Alpha,North\n\
            b,Later,West\n\
            c,Corner,\n";
        let data = dataset_from_bytes(&[("s.csv", status.as_bytes()), ("n.csv", names.as_bytes())])
            .unwrap();
        let (report, fleet) =
            analyse_fleet(
                &data,
                Options::default(),
                &mut |_| ControlFlow::Continue(()),
            )
            .unwrap();
        let view = FleetView::new(&report, &fleet, &data);
        assert_eq!(view.regions, ["North", "South"]);
        let mut csv = Vec::new();
        write_csv(&report, &data, true, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        for (line, row) in csv.lines().skip(1).zip(&view.rows) {
            let cols: Vec<&str> = line.split(',').collect();
            assert_eq!(cols[0], row.id);
            assert_eq!(row.name.as_deref(), Some(cols[cols.len() - 2]), "{line}");
            let region = row.region.map(|g| view.regions[usize::from(g)].as_str());
            assert_eq!(region.unwrap_or(""), cols[cols.len() - 1], "{line}");
        }
        assert_eq!(view.rows.len(), 3);
        // On the wire: one-letter fields, left out without a names file.
        let json = serde_json::to_value(&view.rows[1]).unwrap();
        assert_eq!(json["n"], "<b>Bistro</b>");
        assert_eq!(json["g"], 1);
    }

    /// The sample with a names file: regions of uneven size, and stores without one.
    pub(crate) fn sample_with_regions() -> Dataset {
        let generated = GeneratedData::generate(GenConfig::preset_sample());
        let [s, h, z] = generated.files_in_memory();
        let plain = dataset_from_bytes(&[("s", &s), ("h", &h), ("z", &z)]).unwrap();
        let mut names = String::from("store_id,name,region\n");
        for i in 0..plain.store_count() {
            let id = plain.store_id(i as u32);
            let region = ["North", "South", "East", "", "North"][i % 5];
            if i % 7 != 6 {
                names.push_str(&format!("{id},Store {i},{region}\n"));
            }
        }
        dataset_from_bytes(&[("s", &s), ("h", &h), ("z", &z), ("n", names.as_bytes())]).unwrap()
    }

    /// A region's histogram counts its rows in the engine's bins; over the regions and the
    /// stores without one it adds up to the fleet's, and "All" is the fleet's own.
    #[test]
    fn a_regions_histogram_counts_its_stores_in_the_engines_bins() {
        let data = sample_with_regions();
        let (report, _, view) = report_and_view(&data);
        assert_eq!(view.regions, ["East", "North", "South"]);
        assert_eq!(
            view.histogram_of(None),
            (view.histogram.clone(), view.unbinned)
        );
        let mut sum = vec![0u32; HISTOGRAM_BINS];
        let mut unbinned = 0;
        let mut stores = 0;
        for g in 0..view.regions.len() as u16 {
            let (bins, none) = view.histogram_of(Some(g));
            // Counted again from the report's rows, with the engine's own bin function.
            let name = &view.regions[usize::from(g)];
            let mut want = vec![0u32; HISTOGRAM_BINS];
            let mut want_none = 0;
            let mut count = 0;
            for s in &report.stores {
                if data.name(s.store).map(|n| &*n.region) != Some(name.as_str()) {
                    continue;
                }
                count += 1;
                match uptime_bin(s) {
                    Some(b) => want[b] += 1,
                    None => want_none += 1,
                }
            }
            assert_eq!((&bins, none), (&want, want_none), "{name}");
            assert_eq!(view.region_stores(g), count);
            assert_eq!(bins.iter().sum::<u32>() + none, count as u32);
            for (total, b) in sum.iter_mut().zip(&bins) {
                *total += b;
            }
            unbinned += none;
            stores += count;
        }
        // The stores without a region make up the rest of the fleet's bars.
        for row in view.rows.iter().filter(|r| r.region.is_none()) {
            match row.bin {
                Some(b) => sum[usize::from(b)] += 1,
                None => unbinned += 1,
            }
            stores += 1;
        }
        assert_eq!((sum, unbinned), (view.histogram.clone(), view.unbinned));
        assert_eq!(stores, view.rows.len());
        // An index past the regions has no stores.
        let past = view.regions.len() as u16;
        assert_eq!(view.histogram_of(Some(past)), (vec![0; HISTOGRAM_BINS], 0));
    }

    /// A region's heatmap travels as the fleet's cells do; its cell list is the fleet's list
    /// of that cell, narrowed to the region's stores.
    #[test]
    fn a_regions_heat_and_cell_list_are_the_fleets_narrowed() {
        use crate::engine::fleet::{region_rows, subset_heat};
        let data = sample_with_regions();
        let (_, fleet, view) = report_and_view(&data);
        let g = view.regions.iter().position(|r| r == "North").unwrap() as u16;
        let rows = region_rows(&fleet, &data, "North");
        assert_eq!(rows.len(), view.region_stores(g));
        let stores: Vec<u32> = rows
            .iter()
            .map(|&r| fleet.stores[r as usize].report.store)
            .collect();
        let heat = RegionHeat::new(g, &subset_heat(&data, Options::default(), &stores).unwrap());
        assert_eq!(heat.stores as usize, rows.len());
        assert_eq!(heat.heat.len(), HOURS_OF_WEEK);
        let mut differs = false;
        for c in 0..HOURS_OF_WEEK {
            let fleet_list = CellStores::new(&fleet, &data, c, None);
            let list = CellStores::new(&fleet, &data, c, Some((g, &rows)));
            assert_eq!(list.region, Some(g));
            assert_eq!(list.total, heat.heat[c].stores, "cell {c}");
            assert!(heat.heat[c].down <= view.heat[c].down);
            assert!(heat.heat[c].observed <= view.heat[c].observed);
            for (id, _) in &list.stores {
                let row = view.rows.iter().find(|r| &r.id == id).unwrap();
                assert_eq!(row.region, Some(g), "{id}");
            }
            assert!(fleet_list.total >= list.total);
            differs |= heat.heat[c] != view.heat[c];
        }
        assert!(differs, "a region is not the fleet");
        let json = serde_json::to_string(&heat).unwrap();
        assert_eq!(serde_json::from_str::<RegionHeat>(&json).unwrap(), heat);
    }

    #[test]
    fn a_store_without_observations_has_no_uptime_to_rank() {
        let status = "store_id,status,timestamp_utc\n\
            night,active,2024-10-14 03:00:00 UTC\n\
            night,active,2024-10-13 03:00:00 UTC\n\
            day,inactive,2024-10-14 10:30:00 UTC\n\
            day,active,2024-10-13 10:30:00 UTC\n";
        let hours = "store_id,dayOfWeek,start_time_local,end_time_local\n\
            night,0,10:00:00,11:00:00\nnight,6,10:00:00,11:00:00\n\
            day,0,10:00:00,11:00:00\nday,6,10:00:00,11:00:00\n";
        let zones = "store_id,timezone_str\nnight,UTC\nday,UTC\n";
        let data = dataset_from_bytes(&[
            ("s", status.as_bytes()),
            ("h", hours.as_bytes()),
            ("z", zones.as_bytes()),
        ])
        .unwrap();
        let (_, _, view) = report_and_view(&data);
        let row = |id: &str| view.rows.iter().find(|r| r.id == id).unwrap();
        let (night, day) = (row("night"), row("day"));
        assert_eq!(night.pct, Some(0), "the CSV's 0.00");
        assert_eq!((night.bin, night.observed_pct()), (None, None));
        assert!(day.bin.is_some());
        assert_eq!(day.observed_pct(), day.pct);
        assert!(day.pct.is_some());
        let week = WeekRecord::of(&view);
        let pct_of = |id: &str| week.stores.iter().find(|s| s.0 == id).unwrap().1;
        assert_eq!(pct_of("night"), None);
        assert_eq!(pct_of("day"), day.pct);
    }

    /// The heatmap's steps are fixed and exact at their edges; the words name them.
    #[test]
    fn heat_levels_and_bin_labels_are_fixed() {
        let level = |up: Tick, down: Tick| HeatCell::new(&CellTotals { up, down }, 1).level;
        assert_eq!(level(0, 0), 0);
        assert_eq!(level(100, 0), 0);
        assert_eq!(level(999_999, 1), 1);
        assert_eq!(level(98, 2), 2);
        assert_eq!(level(951, 49), 2);
        assert_eq!(level(95, 5), 3);
        assert_eq!(level(90, 10), 4);
        assert_eq!(level(76, 24), 4);
        assert_eq!(level(75, 25), 5);
        assert_eq!(level(50, 50), 6);
        assert_eq!(level(0, 7), HEAT_LEVELS as u8 - 1);
        let words: Vec<String> = (0..HEAT_LEVELS).map(heat_level_label).collect();
        assert_eq!(
            words,
            [
                "0 %",
                "above 0, under 2 %",
                "2–5 %",
                "5–10 %",
                "10–25 %",
                "25–50 %",
                "50 % or more"
            ]
        );
        let bins: Vec<String> = (0..HISTOGRAM_BINS).map(bin_label).collect();
        assert_eq!(
            bins,
            [
                "under 50 %",
                "50–80 %",
                "80–90 %",
                "90–95 %",
                "95–99 %",
                "99 % or more"
            ]
        );
    }

    /// The page gets SPEC §9's figures from the same pass as its charts: the view's outages
    /// rebuild the outage file byte for byte, its rows carry the extended report's new
    /// columns, and its summary is `summary --json`'s document.
    #[test]
    fn outages_status_and_summary_say_what_the_command_line_says() {
        use crate::engine::outages::{analyse_figures, format_utc_seconds, write_outages_csv};
        use crate::engine::report::formula_safe;
        let data = sample_data();
        let options = Options::default();
        let (report, fleet) =
            analyse_fleet(&data, options, &mut |_| ControlFlow::Continue(())).unwrap();
        let view = FleetView::new(&report, &fleet, &data);

        // The command line's way: one pass for the report and its figures.
        let (cli_report, figures) =
            analyse_figures(&data, options, &mut |_| ControlFlow::Continue(())).unwrap();
        let mut file = Vec::new();
        write_outages_csv(&cli_report, &figures, &data, &mut file).unwrap();
        let file = String::from_utf8(file).unwrap();
        let mut rebuilt = String::from(crate::engine::outages::OUTAGES_HEADER);
        rebuilt.push('\n');
        for o in &view.outages {
            let (start_local, end_local) = o.local_times();
            let id = &view.rows[o.row as usize].id;
            rebuilt.push_str(&format!(
                "{},{},{},{start_local},{end_local},{},{},{}\n",
                formula_safe(id),
                format_utc_seconds(o.start * MICROS_PER_SECOND),
                format_utc_seconds(o.end * MICROS_PER_SECOND),
                hundredths_text(o.down),
                o.flags & ONGOING != 0,
                o.flags & FROM_WEEK_START != 0,
            ));
        }
        assert!(view.outages.len() > 10, "the sample has outages");
        assert_eq!(rebuilt, file);

        let mut csv = Vec::new();
        write_csv(&cli_report, &data, true, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        for (line, row) in csv.lines().skip(1).zip(&view.rows) {
            let cols: Vec<&str> = line.rsplitn(5, ',').collect();
            let (status, last_poll, count, longest) = (cols[3], cols[2], cols[1], cols[0]);
            assert_eq!(
                status,
                StatusNow::ALL[usize::from(row.status_now)].name(),
                "{line}"
            );
            let poll = row
                .last_poll
                .map(|t| format_utc_seconds(t * MICROS_PER_SECOND));
            assert_eq!(last_poll, poll.unwrap_or_default(), "{line}");
            assert_eq!(count, row.outages.to_string(), "{line}");
            assert_eq!(longest, hundredths_text(row.longest_outage), "{line}");
        }

        let summary = crate::engine::summary::Summary::new(&cli_report, &figures, &data, None);
        assert_eq!(view.summary, summary.to_json());
        assert_eq!(view.summary["timeline"].as_array().map(Vec::len), Some(672));
        let json = serde_json::to_string(&view).unwrap();
        assert_eq!(serde_json::from_str::<FleetView>(&json).unwrap(), view);
    }

    #[test]
    fn the_typed_summary_and_the_target_view_read_what_the_engine_wrote() {
        use crate::engine::call_list::CallReason;
        use crate::engine::outages::analyse_figures;
        let data = sample_data();
        let (report, figures) =
            analyse_figures(
                &data,
                Options::default(),
                &mut |_| ControlFlow::Continue(()),
            )
            .unwrap();
        let target = TargetView::new(&report, &figures, &data, Pct(9900));
        let doc = SummaryDoc::of(&target.summary);
        let json = &target.summary;
        assert_eq!(doc.now_utc, json["now_utc"].as_str().unwrap());
        assert_eq!(doc.stores, report.stores.len() as u64);
        assert_eq!(doc.days.len(), 7);
        assert_eq!(doc.timeline.len(), 672);
        assert_eq!(doc.down_now.len() as u64, doc.status_now.down);
        assert_eq!(
            doc.outages.count,
            figures
                .stores
                .iter()
                .map(|f| f.outages.len() as u64)
                .sum::<u64>()
        );
        let t = doc.target.expect("a target was given");
        assert_eq!(t.target_pct, "99.00");
        assert_eq!(
            Some(t.error_budget.used_minutes.as_str()),
            json["target"]["error_budget"]["used_minutes"].as_str()
        );
        // The call list: the down-now stores in the summary's order, then the stores below.
        let reasons: Vec<u32> = target.calls.iter().map(|c| c[1]).collect();
        let down = CallReason::DownNow.index() as u32;
        let below = CallReason::BelowTarget.index() as u32;
        assert!(reasons.windows(2).all(|w| w[0] <= w[1]), "grouped in order");
        let down_ids: Vec<&str> = target
            .calls
            .iter()
            .filter(|c| c[1] == down)
            .map(|c| data.store_id(report.stores[c[0] as usize].store))
            .collect();
        let summary_ids: Vec<&str> = doc.down_now.iter().map(|d| d.store_id.as_str()).collect();
        assert_eq!(down_ids, summary_ids);
        let below_count = reasons.iter().filter(|&&r| r == below).count() as u64;
        let below_and_down = target
            .calls
            .iter()
            .filter(|c| c[1] == down)
            .filter(|c| {
                let w = report.stores[c[0] as usize].window(Window::Week);
                w.up + w.down > 0 && !Pct(9900).is_above(w.up, w.up + w.down)
            })
            .count() as u64;
        assert_eq!(below_count + below_and_down, t.stores_below_count);
        assert_eq!(parse_hundredths("-12.05"), Some(-1205));
        assert_eq!(parse_hundredths("7.5"), None);
        assert_eq!(hours_minutes(55_450), "9:15");
        assert_eq!(short_local(0, 3600), "Thu 1 Jan 01:00");
    }

    #[test]
    fn a_comparison_names_worse_stores_first_and_those_in_one_report_only() {
        let week = |pct: &str, stores: &[(&str, Option<i64>)]| WeekRecord {
            now_utc: String::new(),
            fleet_pct: Some(pct.to_string()),
            stores: stores
                .iter()
                .map(|(id, p)| (id.to_string(), *p, 0))
                .collect(),
        };
        let before = week(
            "95.50",
            &[("a", Some(9000)), ("b", Some(9900)), ("gone", Some(1))],
        );
        let after = week(
            "94.25",
            &[
                ("a", Some(9500)),
                ("b", Some(9000)),
                ("new", Some(5)),
                ("c", None),
            ],
        );
        let c = Comparison::new(&after, &before);
        assert_eq!(c.fleet_change, Some(-125));
        let changes: Vec<(&str, i64)> = c
            .stores
            .iter()
            .map(|s| (s.id.as_str(), s.change()))
            .collect();
        assert_eq!(changes, [("b", -900), ("a", 500)]);
        assert_eq!(c.only_this, ["new", "c"]);
        assert_eq!(c.only_other, ["gone"]);
    }

    #[test]
    fn labels() {
        assert_eq!(hundredths_text(1234), "12.34");
        assert_eq!(hundredths_text(5), "0.05");
        assert_eq!(day_label(0), "Thu 1 Jan 1970");
        assert_eq!(offset_label(-5 * MICROS_PER_HOUR), "UTC−05:00");
        assert_eq!(
            offset_label(5 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE),
            "UTC+05:30"
        );
        assert_eq!(
            local_label(18 * MICROS_PER_HOUR, -5 * MICROS_PER_HOUR),
            "Thu 1 Jan 1970 13:00:00 (UTC−05:00)"
        );
    }

    #[test]
    fn segment_states_travel_as_their_numbers() {
        let states = [
            SegmentState::Up,
            SegmentState::Down,
            SegmentState::Closed,
            SegmentState::NoData,
        ];
        let text = serde_json::to_string(&states).unwrap();
        assert_eq!(text, "[0,1,2,3]");
        assert_eq!(
            serde_json::from_str::<Vec<SegmentState>>(&text).unwrap(),
            states
        );
        assert!(serde_json::from_str::<SegmentState>("4").is_err());
    }
}
