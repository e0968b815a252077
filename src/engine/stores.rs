//! The per-store driver: each listed store's timeline is built here, once (zone, business
//! hours, observations, interpolation: SPEC §2–§5), and handed in report order to one
//! consumer — the report's rows, the SPEC §9 figures or the page's fleet model — through
//! `StoreSink`. The one loop over the stores, with the one progress and cancel check, is
//! here too, and natively its parallel form, whose parts are joined in order so that every
//! consumer gets the same bytes as on one thread.

use std::ops::ControlFlow;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use super::business::{BusinessHours, MissingDay, ZoneClock};
use super::error::RunError;
use super::ingest::{unpack_poll, Dataset, StoreIdx};
use super::time::{Micros, MICROS_PER_DAY, MICROS_PER_WEEK};
use super::timeline::{Interpolation, Observation, Timeline};
use super::Progress;

/// A store with no valid timezone is in this zone (SPEC §2).
pub const DEFAULT_ZONE: Tz = chrono_tz::America::Chicago;

/// The choices a user can make (SPEC §2, §3, §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Overrides `now`, which is otherwise the latest valid poll.
    pub now: Option<Micros>,
    pub interpolation: Interpolation,
    pub missing_day: MissingDay,
}

/// Builds timelines for one dataset, `now` and options; caches zone clocks.
pub struct Analyser<'a> {
    data: &'a Dataset,
    options: Options,
    now: Micros,
    week_start: Micros,
    clocks: FxHashMap<Tz, ZoneClock>,
}

/// One store's timeline with what was needed to build it.
#[derive(Debug, Clone)]
pub struct StoreTimeline {
    pub store: StoreIdx,
    pub zone: Tz,
    pub zone_defaulted: bool,
    pub hours: BusinessHours,
    /// The last week, `[now - 168 h, now)`.
    pub timeline: Timeline,
    /// Observations in `[now - 168 h, now]`, plus at most one before (it decides the
    /// status at the start of the week).
    pub observations: Vec<Observation>,
    /// Whether the store has any observation at all, at any time up to `now`.
    pub observations_ever: bool,
    /// The latest valid poll at or before `now` (SPEC §9), in or out of business hours.
    pub last_poll: Option<Micros>,
}

impl<'a> Analyser<'a> {
    /// `Err(NoValidPolls)` when there is no `now`: no valid poll and none given.
    pub fn new(data: &'a Dataset, options: Options) -> Result<Analyser<'a>, RunError> {
        if !data.has_status_file() {
            return Err(RunError::NoStatusFile);
        }
        let now = options
            .now
            .or(data.latest_poll)
            .ok_or_else(|| RunError::NoValidPolls(data.unread_status_files()))?;
        Ok(Analyser {
            data,
            options,
            now,
            week_start: now - MICROS_PER_WEEK,
            clocks: FxHashMap::default(),
        })
    }

    pub fn now(&self) -> Micros {
        self.now
    }

    /// The store's status timeline over the last week: the one source of every number.
    pub fn timeline(&mut self, store: StoreIdx) -> StoreTimeline {
        self.timeline_and_clock(store).0
    }

    /// [`Analyser::timeline`] and the (cached) zone clock it was built with, which the
    /// consumers need for local times.
    pub fn timeline_and_clock(&mut self, store: StoreIdx) -> (StoreTimeline, &ZoneClock) {
        let data = self.data;
        let (zone, zone_defaulted) = match data.zone(store) {
            Some(zone) => (zone, false),
            None => (DEFAULT_ZONE, true),
        };
        let hours = BusinessHours::new(data.hours(store), self.options.missing_day);
        // Local dates whose rows can reach [week_start, now]: offsets are within ±1 day and
        // a row reaches at most into the next day.
        let first_day = self.week_start.div_euclid(MICROS_PER_DAY) - 2;
        let last_day = self.now.div_euclid(MICROS_PER_DAY) + 1;
        let clock = self
            .clocks
            .entry(zone)
            .or_insert_with(|| ZoneClock::covering(zone, first_day, last_day));
        let business = hours.utc_intervals(clock, first_day, last_day);

        let polls = data.polls(store);
        let upto = polls.partition_point(|&p| unpack_poll(p).0 <= self.now);
        let week = polls[..upto].partition_point(|&p| unpack_poll(p).0 < self.week_start);
        let mut observations = Vec::new();
        // The latest observation before the week, found by asking the wall clock directly.
        if let Some(before) = polls[..week]
            .iter()
            .rev()
            .map(|&p| unpack_poll(p))
            .find(|&(t, _)| hours.is_open_at(zone, t))
        {
            observations.push(Observation {
                at: before.0,
                active: before.1,
            });
        }
        let mut interval = 0;
        for &p in &polls[week..upto] {
            let (t, active) = unpack_poll(p);
            while interval < business.len() && business[interval].1 <= t {
                interval += 1;
            }
            if interval < business.len() && business[interval].0 <= t {
                observations.push(Observation { at: t, active });
            }
        }
        let timeline = Timeline::build(
            self.week_start,
            self.now,
            &business,
            &observations,
            self.options.interpolation,
        );
        let observations_ever = !observations.is_empty();
        let last_poll = upto.checked_sub(1).map(|i| unpack_poll(polls[i]).0);
        let st = StoreTimeline {
            store,
            zone,
            zone_defaulted,
            hours,
            timeline,
            observations,
            observations_ever,
            last_poll,
        };
        (st, clock)
    }
}

/// A consumer of the stores' timelines (ripgrep's `Sink` is the model): the driver calls
/// [`StoreSink::store`] once per listed store, in report order.
pub(crate) trait StoreSink {
    /// Takes the store at `row` of the report (its index in report order, also in a
    /// parallel part), its timeline and the zone clock the timeline was built with.
    fn store(&mut self, row: usize, st: &StoreTimeline, clock: &ZoneClock);
}

/// The stores the report lists (SPEC §2: at least one valid poll), sorted by id bytes:
/// the dataset numbers its stores in that order.
fn listed_stores(data: &Dataset) -> Vec<StoreIdx> {
    let listed: Vec<StoreIdx> = (0..data.store_count() as StoreIdx)
        .filter(|&s| data.poll_count(s) > 0)
        .collect();
    debug_assert!(listed
        .windows(2)
        .all(|w| data.store_id(w[0]).as_bytes() < data.store_id(w[1]).as_bytes()));
    listed
}

/// The one loop over the stores: `tick` sees how many of `stores` are done every few
/// hundred stores and may stop the work with `Break` (then `Err(Cancelled)`).
fn run_part<S: StoreSink>(
    analyser: &mut Analyser<'_>,
    first_row: usize,
    stores: &[StoreIdx],
    sink: &mut S,
    tick: &mut dyn FnMut(usize) -> ControlFlow<()>,
) -> Result<(), RunError> {
    for (done, &store) in stores.iter().enumerate() {
        if done % 256 == 0 && tick(done).is_break() {
            return Err(RunError::Cancelled);
        }
        let (st, clock) = analyser.timeline_and_clock(store);
        sink.store(first_row + done, &st, clock);
    }
    Ok(())
}

/// Feeds every listed store to a sink made by `new_sink(stores)`, and returns `now` and
/// the sink. `observe` sees [`Progress::Computed`] and may stop the work with `Break`
/// (then `Err(Cancelled)`).
pub(crate) fn drive<S: StoreSink>(
    data: &Dataset,
    options: Options,
    new_sink: impl FnOnce(usize) -> S,
    observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<(Micros, S), RunError> {
    let mut analyser = Analyser::new(data, options)?;
    let listed = listed_stores(data);
    let of = listed.len();
    let mut sink = new_sink(of);
    run_part(&mut analyser, 0, &listed, &mut sink, &mut |done| {
        observe(Progress::Computed { stores: done, of })
    })?;
    let _ = observe(Progress::Computed { stores: of, of });
    Ok((analyser.now, sink))
}

/// [`drive`] with the listed stores shared out over `threads` threads, each part with an
/// analyser and a sink (`new_sink(part length)`) of its own; returns `now` and the sinks in
/// store order, for the caller to join. `observe` runs on this thread. Native only: the
/// page's worker is single-threaded.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn drive_parallel<S: StoreSink + Send>(
    data: &Dataset,
    options: Options,
    threads: usize,
    new_sink: impl Fn(usize) -> S + Sync,
    observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<(Micros, Vec<S>), RunError> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut analyser = Analyser::new(data, options)?;
    let listed = listed_stores(data);
    let of = listed.len();
    let chunk = of.div_ceil(threads.max(1)).max(1);
    let parts: Vec<&[StoreIdx]> = listed.chunks(chunk).collect();
    let Some((first, rest)) = parts.split_first() else {
        return Ok((analyser.now, Vec::new()));
    };
    let stop = AtomicBool::new(false);
    let new_sink = &new_sink;
    let results = std::thread::scope(|scope| {
        let others: Vec<_> = rest
            .iter()
            .enumerate()
            .map(|(k, part)| {
                let stop = &stop;
                scope.spawn(move || {
                    let mut analyser = Analyser::new(data, options)?;
                    let mut sink = new_sink(part.len());
                    run_part(&mut analyser, (k + 1) * chunk, part, &mut sink, &mut |_| {
                        if stop.load(Ordering::Relaxed) {
                            ControlFlow::Break(())
                        } else {
                            ControlFlow::Continue(())
                        }
                    })?;
                    Ok(sink)
                })
            })
            .collect();
        let mut sink = new_sink(first.len());
        let mine = run_part(&mut analyser, 0, first, &mut sink, &mut |done| {
            let flow = observe(Progress::Computed {
                stores: done * parts.len(),
                of,
            });
            if flow.is_break() {
                stop.store(true, Ordering::Relaxed);
            }
            flow
        });
        let mut all = mine.map(|()| vec![sink]);
        for handle in others {
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            all = match (all, part) {
                (Ok(mut all), Ok(part)) => {
                    all.push(part);
                    Ok(all)
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
        }
        all
    })?;
    let _ = observe(Progress::Computed { stores: of, of });
    Ok((analyser.now, results))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset_from_bytes;

    /// Records what the driver hands over: the row and the store.
    impl StoreSink for Vec<(usize, StoreIdx)> {
        fn store(&mut self, row: usize, st: &StoreTimeline, _clock: &ZoneClock) {
            self.push((row, st.store));
        }
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // threads are native only
    fn parts_see_their_rows_in_report_order() {
        let mut status = String::from("store_id,status,timestamp_utc\n");
        for i in (0..700).rev() {
            status.push_str(&format!("s{i},active,2024-10-14 10:00:00\n"));
        }
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let mut seen = Vec::new();
        let observe = &mut |p| {
            seen.push(p);
            ControlFlow::Continue(())
        };
        let (_, sequential) =
            drive(&data, Options::default(), Vec::with_capacity, observe).unwrap();
        let rows: Vec<usize> = sequential.iter().map(|&(row, _)| row).collect();
        assert_eq!(rows, (0..700).collect::<Vec<_>>());
        assert_eq!(
            sequential.iter().map(|&(_, s)| s).collect::<Vec<_>>(),
            listed_stores(&data)
        );
        let done: Vec<usize> = seen
            .iter()
            .map(|p| match p {
                Progress::Computed { stores, of: 700 } => *stores,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(done, [0, 256, 512, 700]);
        for threads in [2, 3, 700] {
            let (_, parts) = drive_parallel(
                &data,
                Options::default(),
                threads,
                Vec::<(usize, StoreIdx)>::with_capacity,
                &mut |_| ControlFlow::Continue(()),
            )
            .unwrap();
            assert_eq!(parts.concat(), sequential, "{threads} threads");
        }
    }
}
