//! The fleet view's model (docs/semantics.md): per store the report row plus its week split into
//! local calendar days, and for the fleet the uptime histogram and the hour-of-week
//! downtime heatmap — all summed, in one pass, from the same [`Timeline`] the report's
//! numbers come from, so the table, the bars, the heatmap and the CSV cannot disagree.
//! Also one store's detail on demand (segments by local day, polls, offset changes).
//!
//! Pure like the rest of the engine: no web, no clock, no panic on any input.

use std::ops::ControlFlow;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use super::business::{utc_offset, ZoneClock};
use super::error::RunError;
use super::ingest::{unpack_poll, Dataset, StoreIdx};
use super::outages::{outages, Figures, RowsAndFigures};
use super::report::{Report, StoreReport, Window};
use super::stores::{drive, Analyser, Options, StoreSink, StoreTimeline};
use super::time::{weekday_of_days, Micros, MICROS_PER_DAY, MICROS_PER_HOUR};
use super::timeline::{to_ticks, Segment, State, Tick, Timeline, Totals, TICKS_PER_MICRO};
use super::Progress;

/// 7 weekdays × 24 local hours, Monday 00:00 first (SPEC §1: 0 = Monday).
pub const HOURS_OF_WEEK: usize = 168;
/// Where the uptime histogram's bins start, in percent: its bins are under 50 %, 50–80 %,
/// 80–90 %, 90–95 %, 95–99 % and 99 % or more. Uneven on purpose: an owner cares about the
/// difference between 95 and 99 % far more than between 10 and 40 %.
pub const UPTIME_BIN_EDGES: [i128; 5] = [50, 80, 90, 95, 99];
pub const HISTOGRAM_BINS: usize = UPTIME_BIN_EDGES.len() + 1;

const TICKS_PER_HOUR: Tick = MICROS_PER_HOUR * TICKS_PER_MICRO;

/// One local calendar day of a store's week: `span` is how much of the day lies inside
/// the week (the first and last days are usually partial).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTotals {
    /// Days since 1970-01-01 on the store's wall clock.
    pub day: i64,
    pub span: Tick,
    pub totals: Totals,
}

/// Up and down business time in one hour-of-week cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellTotals {
    pub up: Tick,
    pub down: Tick,
}

impl CellTotals {
    /// Observed business time: the heatmap's denominator (no-data time has no status).
    pub fn observed(&self) -> Tick {
        self.up + self.down
    }
}

/// One store of the fleet: its report row and its week by local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetStore {
    pub report: StoreReport,
    /// In date order.
    pub days: Vec<DayTotals>,
}

/// The whole fleet's model; `stores` is in report order (by id, SPEC §7).
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    pub stores: Vec<FleetStore>,
    /// [`HOURS_OF_WEEK`] cells.
    pub heat: Vec<CellTotals>,
    /// Per cell, the stores (index into `stores`) with downtime in it, and how much.
    pub cell_stores: Vec<Vec<(u32, Tick)>>,
    /// Stores by uptime % last week; stores without observed business time are not binned
    /// but counted in `unbinned`, so no-data stores never pass for the worst.
    pub histogram: [u32; HISTOGRAM_BINS],
    pub unbinned: u32,
    /// The zone most stores are in (ties: the first name in byte order).
    pub common_zone: Option<Tz>,
    /// SPEC §9 (outages, periods, the 15-minute slots), from the same timelines; its
    /// `stores` are in `stores`' order.
    pub figures: Figures,
}

/// The histogram bin of a store's uptime last week, `None` without observed time.
pub fn uptime_bin(report: &StoreReport) -> Option<usize> {
    let week = report.window(Window::Week);
    let observed = week.up + week.down;
    if observed <= 0 {
        return None;
    }
    // Exact: up / observed ≥ edge % ⇔ up × 100 ≥ edge × observed (i128 cannot overflow).
    let (up, observed) = (i128::from(week.up) * 100, i128::from(observed));
    Some(
        UPTIME_BIN_EDGES
            .iter()
            .filter(|&&edge| up >= edge * observed)
            .count(),
    )
}

/// Calls `f(start, end, local_hour, state)` for every piece of `timeline`, cut where the
/// zone's offset changes and at every local hour boundary. `local_hour` counts hours since
/// 1970-01-01 00:00 on the wall clock, so the piece's local day and hour follow from it.
fn for_each_local_hour(
    timeline: &Timeline,
    clock: &ZoneClock,
    mut f: impl FnMut(Tick, Tick, i64, State),
) {
    let stretches = &clock.stretches;
    let mut k = 0;
    for s in &timeline.segments {
        let mut t = s.start;
        while t < s.end {
            while k < stretches.len() && to_ticks(stretches[k].end) <= t {
                k += 1;
            }
            let (offset, stretch_end) = match stretches.get(k) {
                Some(st) if to_ticks(st.start) <= t => (to_ticks(st.offset), to_ticks(st.end)),
                // Outside the clock's range (cannot happen for the week): ask the zone.
                _ => (to_ticks(utc_offset(clock.zone, t.div_euclid(2))), s.end),
            };
            let hour = (t + offset).div_euclid(TICKS_PER_HOUR);
            let end = s
                .end
                .min(stretch_end)
                .min((hour + 1) * TICKS_PER_HOUR - offset);
            // `end > t` always holds; the guard keeps a bad clock from looping forever.
            let end = end.max(t + 1);
            f(t, end, hour, s.state);
            t = end;
        }
    }
}

fn add(totals: &mut Totals, len: Tick, state: State) {
    match state {
        State::Up => totals.up += len,
        State::Down => totals.down += len,
        State::NoData => totals.no_data += len,
        State::Closed => {}
    }
}

fn day_entry(days: &mut Vec<DayTotals>, day: i64) -> &mut DayTotals {
    // At most nine days: a linear search, and it copes with a clock that goes back
    // across midnight (a fall-back at 00:00).
    let at = match days.iter().position(|d| d.day == day) {
        Some(at) => at,
        None => {
            days.push(DayTotals {
                day,
                ..DayTotals::default()
            });
            days.len() - 1
        }
    };
    &mut days[at]
}

/// Hour-of-week cell of a local hour count: Monday 00:00 is 0.
fn cell_of(local_hour: i64) -> usize {
    let day = local_hour.div_euclid(24);
    usize::from(weekday_of_days(day)) * 24 + local_hour.rem_euclid(24) as usize
}

/// The driver's consumer for the page: the report rows and SPEC §9 figures, and per store
/// its days, its heatmap cells and its histogram bin.
struct FleetSink {
    rows: RowsAndFigures,
    fleet: Fleet,
    zones: FxHashMap<Tz, u32>,
    /// One store's cells, reused from store to store.
    cells: [CellTotals; HOURS_OF_WEEK],
}

impl FleetSink {
    fn with_capacity(stores: usize) -> FleetSink {
        FleetSink {
            rows: RowsAndFigures::with_capacity(stores),
            fleet: Fleet {
                stores: Vec::with_capacity(stores),
                heat: vec![CellTotals::default(); HOURS_OF_WEEK],
                cell_stores: vec![Vec::new(); HOURS_OF_WEEK],
                ..Fleet::default()
            },
            zones: FxHashMap::default(),
            cells: [CellTotals::default(); HOURS_OF_WEEK],
        }
    }
}

/// One store's week by local hour: its hour-of-week cells (reset first, then summed) and,
/// for each piece of its timeline, `piece(local_hour, length, state)`. The one per-store
/// pass of the heatmap: the fleet's sums ([`analyse_fleet`]) and a subset's
/// ([`subset_heat`]) both add these cells, so they cannot disagree.
fn store_cells(
    st: &StoreTimeline,
    clock: &ZoneClock,
    cells: &mut [CellTotals; HOURS_OF_WEEK],
    mut piece: impl FnMut(i64, Tick, State),
) {
    cells.fill(CellTotals::default());
    for_each_local_hour(&st.timeline, clock, |a, b, hour, state| {
        piece(hour, b - a, state);
        let cell = &mut cells[cell_of(hour)];
        match state {
            State::Up => cell.up += b - a,
            State::Down => cell.down += b - a,
            State::Closed | State::NoData => {}
        }
    });
}

impl StoreSink for FleetSink {
    fn store(&mut self, row: usize, st: &StoreTimeline, clock: &ZoneClock) {
        let report = self.rows.push(st, clock);
        let (fleet, cells) = (&mut self.fleet, &mut self.cells);
        let mut days = Vec::new();
        store_cells(st, clock, cells, |hour, len, state| {
            let day = day_entry(&mut days, hour.div_euclid(24));
            day.span += len;
            add(&mut day.totals, len, state);
        });
        days.sort_unstable_by_key(|d| d.day);
        for (c, cell) in cells.iter().enumerate() {
            fleet.heat[c].up += cell.up;
            fleet.heat[c].down += cell.down;
            if cell.down > 0 {
                fleet.cell_stores[c].push((row as u32, cell.down));
            }
        }
        match uptime_bin(report) {
            Some(bin) => fleet.histogram[bin] += 1,
            None => fleet.unbinned += 1,
        }
        *self.zones.entry(report.zone).or_default() += 1;
        fleet.stores.push(FleetStore {
            report: report.clone(),
            days,
        });
    }
}

/// The heatmap of some of the report's stores (a region's): per hour-of-week cell the up
/// and down business time summed over them, and how many of them were down in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetHeat {
    /// [`HOURS_OF_WEEK`] cells, as [`Fleet::heat`].
    pub heat: Vec<CellTotals>,
    /// Per cell, the stores with downtime in it (as the lengths of [`Fleet::cell_stores`]).
    pub stores_down: Vec<u32>,
    /// The stores summed (those of `stores` the report lists).
    pub stores: u32,
}

/// The heatmap of `stores` only, on demand: each store's timeline built again (the same
/// driver, the same [`store_cells`] as [`analyse_fleet`]), so the cost is linear in the
/// subset, and the subsets of a partition of the report's stores add up to the fleet's
/// heatmap exactly. Stores the report does not list (no valid poll, unknown) are skipped.
pub fn subset_heat(
    data: &Dataset,
    options: Options,
    stores: &[StoreIdx],
) -> Result<SubsetHeat, RunError> {
    let mut analyser = Analyser::new(data, options)?;
    let mut heat = SubsetHeat {
        heat: vec![CellTotals::default(); HOURS_OF_WEEK],
        stores_down: vec![0; HOURS_OF_WEEK],
        stores: 0,
    };
    let mut cells = [CellTotals::default(); HOURS_OF_WEEK];
    for &store in stores {
        if (store as usize) >= data.store_count() || data.poll_count(store) == 0 {
            continue;
        }
        let (st, clock) = analyser.timeline_and_clock(store);
        store_cells(&st, clock, &mut cells, |_, _, _| {});
        for (c, cell) in cells.iter().enumerate() {
            heat.heat[c].up += cell.up;
            heat.heat[c].down += cell.down;
            heat.stores_down[c] += u32::from(cell.down > 0);
        }
        heat.stores += 1;
    }
    Ok(heat)
}

/// The rows (report order, as [`Fleet::stores`]) of the stores a names file puts in
/// `region`; an empty `region` is the stores without one (named without a region, or not
/// named at all).
pub fn region_rows(fleet: &Fleet, data: &Dataset, region: &str) -> Vec<u32> {
    fleet
        .stores
        .iter()
        .enumerate()
        .filter(|(_, s)| data.name(s.report.store).map_or("", |n| &n.region) == region)
        .map(|(row, _)| row as u32)
        .collect()
}

/// The report and the fleet model in one pass over the stores: each store's timeline is
/// built once and both the report row and the charts' sums are taken from it. `observe`
/// may stop the work with `Break` (then `Err(Cancelled)`), as in [`super::analyse`].
pub fn analyse_fleet(
    data: &Dataset,
    options: Options,
    observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<(Report, Fleet), RunError> {
    let (now, sink) = drive(data, options, FleetSink::with_capacity, observe)?;
    let FleetSink {
        rows,
        mut fleet,
        zones,
        ..
    } = sink;
    let (report, figures) = rows.finish(data, now, options);
    fleet.figures = figures;
    fleet.common_zone = zones
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.name().cmp(a.0.name())))
        .map(|(zone, _)| zone);
    Ok((report, fleet))
}

/// A change of the store's UTC offset inside the week (daylight-saving time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetChange {
    pub at: Micros,
    pub from: Micros,
    pub to: Micros,
}

/// A poll of the store inside the week, and whether it counted (SPEC §5: only polls in
/// business time are observations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailPoll {
    pub at: Micros,
    pub active: bool,
    pub observed: bool,
    /// The store's UTC offset at that instant.
    pub offset: Micros,
}

/// One local calendar day of a store's detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayDetail {
    pub totals: DayTotals,
    /// The instant the wall clock read 00:00 that day (the day's x origin).
    pub midnight: Tick,
    /// The part of the day inside the week.
    pub from: Tick,
    pub to: Tick,
    /// The timeline's pieces on this day (closed time included), in order.
    pub segments: Vec<Segment>,
    pub polls: Vec<DetailPoll>,
    pub offset_changes: Vec<OffsetChange>,
}

/// One store's week for the detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDetail {
    pub report: StoreReport,
    /// Business hours as applied: (weekday, start, end) local; the 24/7 default if none.
    pub hours: Vec<(u8, Micros, Micros)>,
    pub days: Vec<DayDetail>,
    /// Polls in the week outside business hours (ignored, SPEC §5).
    pub polls_ignored: usize,
}

/// The local midnight of `day` as a UTC instant; on a day whose midnight is skipped, the
/// first instant of the day.
fn local_midnight(clock: &ZoneClock, day: i64) -> Micros {
    let wall = day * MICROS_PER_DAY;
    for st in &clock.stretches {
        let at = wall - st.offset;
        if st.start <= at && at < st.end {
            return at;
        }
    }
    clock
        .stretches
        .iter()
        .find(|st| st.start + st.offset >= wall)
        .map(|st| st.start)
        .unwrap_or_else(|| wall - utc_offset(clock.zone, wall))
}

/// The detail of one store: the same timeline the report and the fleet model use, cut
/// into local days. `None` for a store the report does not list.
pub fn store_detail(
    analyser: &mut Analyser<'_>,
    data: &Dataset,
    store: StoreIdx,
) -> Option<StoreDetail> {
    if (store as usize) >= data.store_count() || data.poll_count(store) == 0 {
        return None;
    }
    let now = analyser.now();
    let (st, clock) = analyser.timeline_and_clock(store);
    let report = StoreReport::of(&st, outages(&st.timeline));
    let mut days: Vec<DayDetail> = Vec::new();
    for_each_local_hour(&st.timeline, clock, |a, b, hour, state| {
        let day = hour.div_euclid(24);
        let at = match days.iter().position(|d| d.totals.day == day) {
            Some(at) => at,
            None => {
                days.push(DayDetail {
                    totals: DayTotals {
                        day,
                        ..DayTotals::default()
                    },
                    midnight: to_ticks(local_midnight(clock, day)),
                    from: a,
                    to: b,
                    segments: Vec::new(),
                    polls: Vec::new(),
                    offset_changes: Vec::new(),
                });
                days.len() - 1
            }
        };
        let d = &mut days[at];
        d.totals.span += b - a;
        add(&mut d.totals.totals, b - a, state);
        d.from = d.from.min(a);
        d.to = d.to.max(b);
        match d.segments.last_mut() {
            Some(last) if last.state == state && last.end == a => last.end = b,
            _ => d.segments.push(Segment {
                start: a,
                end: b,
                state,
            }),
        }
    });
    days.sort_unstable_by_key(|d| d.totals.day);
    let offset_at = |t: Micros| {
        clock
            .stretches
            .iter()
            .find(|s| s.start <= t && t < s.end)
            .map(|s| s.offset)
            .unwrap_or_else(|| utc_offset(clock.zone, t))
    };
    let day_of = |t: Micros| (t + offset_at(t)).div_euclid(MICROS_PER_DAY);
    let week_start = st.timeline.from.div_euclid(2);
    for pair in clock.stretches.windows(2) {
        let at = pair[1].start;
        if week_start <= at && at < now {
            if let Some(d) = days.iter_mut().find(|d| d.totals.day == day_of(at)) {
                d.offset_changes.push(OffsetChange {
                    at,
                    from: pair[0].offset,
                    to: pair[1].offset,
                });
            }
        }
    }
    let observed: Vec<Micros> = st.observations.iter().map(|o| o.at).collect();
    let mut polls_ignored = 0;
    let mut last: Option<Micros> = None;
    for &p in data.polls(store) {
        let (at, active) = unpack_poll(p);
        // Polls of one instant were merged into one observation; show one tick.
        if at < week_start || at > now || last == Some(at) {
            continue;
        }
        last = Some(at);
        let is_observed = observed.binary_search(&at).is_ok();
        polls_ignored += usize::from(!is_observed);
        let active = if is_observed {
            st.observations
                .iter()
                .find(|o| o.at == at)
                .map_or(active, |o| o.active)
        } else {
            active
        };
        if let Some(d) = days.iter_mut().find(|d| d.totals.day == day_of(at)) {
            d.polls.push(DetailPoll {
                at,
                active,
                observed: is_observed,
                offset: offset_at(at),
            });
        }
    }
    Some(StoreDetail {
        report,
        hours: st.hours.rows().collect(),
        days,
        polls_ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::parse_timestamp;
    use crate::engine::{analyse, dataset_from_bytes};
    use crate::generate::{GenConfig, GeneratedData};

    fn generated(config: GenConfig) -> Dataset {
        let generated = GeneratedData::generate(config);
        let [status, hours, zones] = generated.files_in_memory();
        dataset_from_bytes(&[("s", &status), ("h", &hours), ("z", &zones)]).unwrap()
    }

    fn go() -> &'static mut dyn FnMut(Progress) -> ControlFlow<()> {
        Box::leak(Box::new(|_| ControlFlow::Continue(())))
    }

    fn sum_days(days: &[DayTotals]) -> Totals {
        days.iter().fold(Totals::default(), |a, d| Totals {
            up: a.up + d.totals.up,
            down: a.down + d.totals.down,
            no_data: a.no_data + d.totals.no_data,
        })
    }

    /// The "cannot disagree" proof: per-day sums, heatmap cells and the detail all add up
    /// to the report's week totals, tick for tick, and the report is `analyse`'s.
    #[test]
    fn days_cells_and_detail_add_up_to_the_report_exactly() {
        for config in [GenConfig::public_like(11, 200), GenConfig::preset_sample()] {
            let data = generated(config);
            let (report, fleet) = analyse_fleet(&data, Options::default(), go()).unwrap();
            let plain = analyse(&data, Options::default(), go()).unwrap();
            assert_eq!(report.stores, plain.stores);
            assert_eq!(report.quality, plain.quality);
            let mut heat = CellTotals::default();
            for cell in &fleet.heat {
                heat.up += cell.up;
                heat.down += cell.down;
            }
            let week = report.fleet_totals(Window::Week);
            assert_eq!((heat.up, heat.down), (week.up, week.down));
            let mut analyser = Analyser::new(&data, Options::default()).unwrap();
            for (row, store) in fleet.stores.iter().enumerate() {
                let week = store.report.window(Window::Week);
                assert_eq!(sum_days(&store.days), week, "store {row}");
                let span: Tick = store.days.iter().map(|d| d.span).sum();
                assert_eq!(span, to_ticks(7 * MICROS_PER_DAY));
                assert!(
                    store.days.len() <= 9 && store.days.windows(2).all(|w| w[0].day < w[1].day)
                );
                let down_in_cells: Tick = fleet
                    .cell_stores
                    .iter()
                    .flatten()
                    .filter(|(r, _)| *r as usize == row)
                    .map(|(_, d)| d)
                    .sum();
                assert_eq!(down_in_cells, week.down);
                if row % 17 == 0 {
                    let detail = store_detail(&mut analyser, &data, store.report.store).unwrap();
                    assert_eq!(detail.report, store.report);
                    let days: Vec<DayTotals> = detail.days.iter().map(|d| d.totals).collect();
                    assert_eq!(days, store.days);
                    for d in &detail.days {
                        let seg: Tick = d.segments.iter().map(|s| s.end - s.start).sum();
                        assert_eq!(seg, d.totals.span);
                        assert!(
                            d.midnight <= d.from
                                && d.to <= d.midnight + to_ticks(25 * MICROS_PER_HOUR)
                        );
                    }
                }
            }
            let binned: u32 = fleet.histogram.iter().sum();
            let with_time = report
                .stores
                .iter()
                .filter(|s| s.window(Window::Week).up + s.window(Window::Week).down > 0)
                .count();
            assert_eq!(binned as usize, with_time);
            assert_eq!((binned + fleet.unbinned) as usize, report.stores.len());
        }
    }

    /// A region's heatmap is its stores' part of the fleet's: over every region and the
    /// stores without one, the subsets' cells add up to the fleet's heatmap tick for tick,
    /// and their stores down per cell to the fleet's cell lists.
    #[test]
    fn region_heats_add_up_to_the_fleets_heatmap() {
        let generated = GeneratedData::generate(GenConfig::preset_sample());
        let [status, hours, zones] = generated.files_in_memory();
        let plain = dataset_from_bytes(&[("s", &status), ("h", &hours), ("z", &zones)]).unwrap();
        let (report, _) = analyse_fleet(&plain, Options::default(), go()).unwrap();
        // Five regions of uneven size, a named store without a region, unnamed stores.
        let mut names = String::from("store_id,name,region\n");
        let regions = ["North", "South", "East", "West", "Harbour"];
        for (i, s) in report.stores.iter().enumerate() {
            let id = plain.store_id(s.store);
            match i % 9 {
                7 => names.push_str(&format!("\"{id}\",Named only,\n")),
                8 => {}
                k => names.push_str(&format!("\"{id}\",Store {i},{}\n", regions[k % 5])),
            }
        }
        let data = dataset_from_bytes(&[
            ("s", &status),
            ("h", &hours),
            ("z", &zones),
            ("n", names.as_bytes()),
        ])
        .unwrap();
        let (_, fleet) = analyse_fleet(&data, Options::default(), go()).unwrap();
        let mut sum = vec![CellTotals::default(); HOURS_OF_WEEK];
        let mut down = vec![0u32; HOURS_OF_WEEK];
        let mut rows = 0;
        for region in regions.iter().chain(&[""]) {
            let subset = region_rows(&fleet, &data, region);
            assert!(!subset.is_empty(), "{region}");
            let stores: Vec<StoreIdx> = subset
                .iter()
                .map(|&r| fleet.stores[r as usize].report.store)
                .collect();
            let heat = subset_heat(&data, Options::default(), &stores).unwrap();
            assert_eq!(heat.stores as usize, subset.len());
            for c in 0..HOURS_OF_WEEK {
                sum[c].up += heat.heat[c].up;
                sum[c].down += heat.heat[c].down;
                down[c] += heat.stores_down[c];
                // The region's stores down in a cell are the fleet's cell list, filtered.
                let listed = fleet.cell_stores[c]
                    .iter()
                    .filter(|(r, _)| subset.binary_search(r).is_ok())
                    .count();
                assert_eq!(heat.stores_down[c] as usize, listed, "{region} cell {c}");
            }
            rows += subset.len();
        }
        assert_eq!(
            rows,
            fleet.stores.len(),
            "the regions and the rest partition the fleet"
        );
        assert_eq!(sum, fleet.heat);
        let fleet_down: Vec<u32> = fleet.cell_stores.iter().map(|l| l.len() as u32).collect();
        assert_eq!(down, fleet_down);
        assert!(
            fleet.heat.iter().any(|c| c.down > 0),
            "the sample has downtime"
        );
        // The whole fleet as one subset is the fleet; an unknown or unlisted store adds nothing.
        let all: Vec<StoreIdx> = fleet.stores.iter().map(|s| s.report.store).collect();
        let mut with_unknown = all.clone();
        with_unknown.push(StoreIdx::MAX);
        let whole = subset_heat(&data, Options::default(), &with_unknown).unwrap();
        assert_eq!(whole.heat, fleet.heat);
        assert_eq!(whole.stores as usize, all.len());
        let none = subset_heat(&data, Options::default(), &[]).unwrap();
        assert!(none.heat.iter().all(|c| c.observed() == 0) && none.stores == 0);
        assert!(region_rows(&fleet, &data, "Nowhere").is_empty());
    }

    /// Each bin's edges, exactly: 99 % is in the top bin, a tick less is not.
    #[test]
    fn uptime_bins_compare_exactly_at_their_edges() {
        let status = "store_id,status,timestamp_utc\n1,active,2024-10-14 10:00:00\n";
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let (report, _) = analyse_fleet(&data, Options::default(), go()).unwrap();
        let mut store = report.stores[0].clone();
        let bin = |store: &mut StoreReport, up: Tick, down: Tick| {
            store.totals[2] = Totals {
                up,
                down,
                no_data: 1_000,
            };
            uptime_bin(store)
        };
        assert_eq!(bin(&mut store, 0, 0), None, "no observed time: no bin");
        assert_eq!(bin(&mut store, 0, 10), Some(0));
        assert_eq!(bin(&mut store, 49, 51), Some(0));
        assert_eq!(bin(&mut store, 50, 50), Some(1));
        assert_eq!(bin(&mut store, 79, 21), Some(1));
        assert_eq!(bin(&mut store, 80, 20), Some(2));
        assert_eq!(bin(&mut store, 90, 10), Some(3));
        assert_eq!(bin(&mut store, 95, 5), Some(4));
        assert_eq!(bin(&mut store, 98_999_999, 1_000_001), Some(4));
        assert_eq!(bin(&mut store, 99, 1), Some(5));
        assert_eq!(bin(&mut store, 10, 0), Some(HISTOGRAM_BINS - 1));
        let huge = Tick::MAX / 4;
        assert_eq!(bin(&mut store, huge, huge / 50), Some(4));
    }

    #[test]
    fn a_local_outage_is_the_hottest_heatmap_cell() {
        // Tuesday 8 October 2024, 18:00-21:00 on every store's own wall clock.
        let a = parse_timestamp(b"2024-10-08 18:00").unwrap();
        let config = GenConfig {
            fleet_outage: Some((a, a + 3 * MICROS_PER_HOUR)),
            outage_local: true,
            nasty: false,
            ..GenConfig::public_like(5, 300)
        };
        let data = generated(config);
        let (_, fleet) = analyse_fleet(&data, Options::default(), go()).unwrap();
        let share = |c: &CellTotals| c.down as f64 / c.observed().max(1) as f64;
        let hottest = (0..HOURS_OF_WEEK)
            .max_by(|&x, &y| share(&fleet.heat[x]).total_cmp(&share(&fleet.heat[y])))
            .unwrap();
        assert_eq!(hottest / 24, 1, "Tuesday");
        assert!((18..21).contains(&(hottest % 24)), "hour {}", hottest % 24);
        assert!(share(&fleet.heat[24 + 19]) > 0.8);
        assert!(fleet.cell_stores[24 + 19].len() > 100);
    }

    #[test]
    fn a_week_across_a_dst_change_has_a_25_hour_day() {
        // Chicago falls back on Sunday 3 November 2024 at 02:00 CDT.
        let status = "store_id,status,timestamp_utc\n\
            1,active,2024-10-30 12:00:00\n\
            1,inactive,2024-11-05 12:00:00\n";
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let (_, fleet) = analyse_fleet(&data, Options::default(), go()).unwrap();
        let sunday = parse_timestamp(b"2024-11-03 00:00").unwrap() / MICROS_PER_DAY;
        let day = fleet.stores[0]
            .days
            .iter()
            .find(|d| d.day == sunday)
            .unwrap();
        assert_eq!(day.span, to_ticks(25 * MICROS_PER_HOUR));
        let mut analyser = Analyser::new(&data, Options::default()).unwrap();
        let detail = store_detail(&mut analyser, &data, 0).unwrap();
        let changes: Vec<&OffsetChange> =
            detail.days.iter().flat_map(|d| &d.offset_changes).collect();
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].from, changes[0].to),
            (-5 * MICROS_PER_HOUR, -6 * MICROS_PER_HOUR)
        );
        // The repeated hour 01:00-02:00 counts twice in its heatmap cell (Sunday 01:00).
        let cell = fleet.heat[6 * 24 + 1];
        assert_eq!(cell.observed(), to_ticks(2 * MICROS_PER_HOUR));
    }

    #[test]
    fn empty_and_unknown_stores_do_not_panic() {
        let data =
            dataset_from_bytes(&[("s", b"store_id,status,timestamp_utc\n".as_slice())]).unwrap();
        assert!(analyse_fleet(&data, Options::default(), go()).is_err());
        let status = "store_id,status,timestamp_utc\n1,active,2024-10-14 10:00:00\n";
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let mut analyser = Analyser::new(&data, Options::default()).unwrap();
        assert!(store_detail(&mut analyser, &data, 99).is_none());
        let cancelled = analyse_fleet(&data, Options::default(), &mut |_| ControlFlow::Break(()));
        assert_eq!(cancelled.unwrap_err(), RunError::Cancelled);
    }
}
