//! Property tests of the engine against the contract (docs/semantics.md), with the
//! independent brute-force reference in `tests/reference`.

mod reference;

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::Config;
use reference::{Interp, Missing, Poll, Row, Store, DAY, HOUR, MINUTE, SECOND, WINDOW_NAMES};
use store_uptime::engine::{
    analyse, analyse_figures, dataset_from_bytes, write_csv, Analyser, Dataset, Ingest,
    Interpolation, MissingDay, Options, Report, StoreReport, Tick,
};

// ---------------------------------------------------------------------------------------
// Generated cases: a few stores with random rows in zones with odd offsets and DST rules,
// whole-minute polls, and a `now` within days of a DST change.
// ---------------------------------------------------------------------------------------

/// Few enough cases for the whole file to run in seconds; failures are printed, not
/// saved to a regressions file.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// DST changes of 2024 (UTC) of the zones below, and one quiet date.
const ANCHORS: [&str; 9] = [
    "2024-03-10 07:00", // US spring forward (New York; Chicago an hour later)
    "2024-11-03 06:00", // US fall back
    "2024-03-31 01:00", // Europe/London forward
    "2024-10-27 01:00", // Europe/London back
    "2024-04-06 15:00", // Lord Howe back, 02:00 -> 01:30
    "2024-10-05 15:30", // Lord Howe forward, 02:00 -> 02:30
    "2024-04-06 14:00", // Chatham back, 03:45 -> 02:45
    "2024-09-28 14:00", // Chatham forward, 02:45 -> 03:45
    "2024-07-15 12:00", // no change anywhere near
];

fn utc(text: &str) -> i64 {
    let dt = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("anchor");
    dt.and_utc().timestamp() * SECOND
}

fn zone() -> impl Strategy<Value = Option<Tz>> {
    use chrono_tz::{America, Asia, Australia, Europe, Pacific};
    prop_oneof![
        Just(None), // SPEC §2: Chicago
        Just(Some(America::New_York)),
        Just(Some(Australia::Lord_Howe)),
        Just(Some(Pacific::Chatham)),
        Just(Some(Asia::Kolkata)),
        Just(Some(Europe::London)),
        Just(Some(America::St_Johns)),
        Just(Some(Asia::Kathmandu)),
        Just(Some(chrono_tz::UTC)),
    ]
}

/// A local time of day, whole minutes, often in the small hours where DST changes happen.
fn minute_of_day() -> impl Strategy<Value = i64> {
    prop_oneof![3 => 0i64..1440, 2 => 0i64..240, 1 => 1420i64..1440].prop_map(|m| m * MINUTE)
}

const SAME_AS_START: i64 = -1;

/// Store ids whose byte order differs from numeric and case-blind order (SPEC §7).
const STORE_IDS: [&str; 5] = ["9", "10", "b", "B", "é1"];

fn row() -> impl Strategy<Value = Row> {
    let end = prop_oneof![
        5 => minute_of_day(),
        1 => Just(DAY),                                  // 24:00
        1 => Just(23 * HOUR + 59 * MINUTE),              // 23:59:00 = end of day
        1 => Just(23 * HOUR + 59 * MINUTE + 59 * SECOND), // 23:59:59 = end of day
        1 => Just(SAME_AS_START),                        // 24 hours
    ];
    (0u8..7, minute_of_day(), end).prop_map(|(day, start, end)| Row {
        day,
        start,
        end: if end == SAME_AS_START { start } else { end },
    })
}

fn store() -> impl Strategy<Value = (Option<Tz>, Vec<Row>)> {
    (zone(), prop::collection::vec(row(), 0..6))
}

/// Minutes before `now`, status, and whether a second poll at the same instant says the
/// opposite.
type PollSpec = (usize, i64, bool, bool);

fn poll_spec() -> impl Strategy<Value = PollSpec> {
    (
        0usize..4,
        0i64..(8 * 1440 + 600),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.1),
    )
}

#[derive(Debug, Clone)]
struct Case {
    stores: Vec<Store>,
    polls: Vec<Poll>,
    now: i64,
    interpolation: Interp,
    missing_day: Missing,
}

impl Case {
    fn input(&self) -> reference::Input<'_> {
        reference::Input {
            stores: &self.stores,
            polls: &self.polls,
            now: self.now,
            interpolation: self.interpolation,
            missing_day: self.missing_day,
        }
    }

    fn options(&self) -> Options {
        Options {
            now: None, // the latest poll, which the case puts at `now`
            interpolation: match self.interpolation {
                Interp::Nearest => Interpolation::Nearest,
                Interp::Previous => Interpolation::Previous,
            },
            missing_day: match self.missing_day {
                Missing::Closed => MissingDay::Closed,
                Missing::Open => MissingDay::Open,
            },
        }
    }

    fn files(&self) -> [String; 3] {
        reference::csv_files(&self.stores, &self.polls)
    }
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(store(), 1..5),
        prop::collection::vec(poll_spec(), 0..60),
        0..ANCHORS.len(),
        -1440i64..(8 * 1440),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(stores, specs, anchor, shift, now_active, previous, open)| {
                let now = utc(ANCHORS[anchor]) + shift * MINUTE;
                let stores: Vec<Store> = stores
                    .into_iter()
                    .enumerate()
                    .map(|(i, (zone, hours))| Store {
                        id: STORE_IDS[i].to_string(),
                        zone,
                        hours,
                    })
                    .collect();
                let mut polls = vec![Poll {
                    store: 0,
                    at: now,
                    active: now_active,
                }];
                for (store, minutes_before, active, twin) in specs {
                    let p = Poll {
                        store: store % stores.len(),
                        at: now - minutes_before * MINUTE,
                        active,
                    };
                    polls.push(p);
                    if twin {
                        polls.push(Poll {
                            active: !active,
                            ..p
                        });
                    }
                }
                Case {
                    stores,
                    polls,
                    now,
                    interpolation: if previous {
                        Interp::Previous
                    } else {
                        Interp::Nearest
                    },
                    missing_day: if open { Missing::Open } else { Missing::Closed },
                }
            },
        )
}

// ---------------------------------------------------------------------------------------
// Running the engine.
// ---------------------------------------------------------------------------------------

fn run_engine(files: &[(&str, &[u8])], options: Options) -> (Dataset, Report) {
    let data = dataset_from_bytes(files).expect("generated files are valid");
    let report = analyse(&data, options, &mut |_| ControlFlow::Continue(())).expect("a report");
    (data, report)
}

fn run_case(case: &Case) -> (Dataset, Report) {
    let files = case.files();
    let named: Vec<(&str, &[u8])> = ["status.csv", "hours.csv", "zones.csv"]
        .iter()
        .zip(&files)
        .map(|(n, f)| (*n, f.as_bytes()))
        .collect();
    run_engine(&named, case.options())
}

/// The engine's lines by store id.
fn lines_by_id<'a>(data: &Dataset, report: &'a Report) -> BTreeMap<String, &'a StoreReport> {
    report
        .stores
        .iter()
        .map(|s| (data.store_id(s.store).to_string(), s))
        .collect()
}

fn csv_bytes(data: &Dataset, report: &Report) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(report, data, true, &mut out).expect("writing to memory");
    out
}

/// Engine totals are in half-microseconds.
const TICKS: i64 = 2;

// ---------------------------------------------------------------------------------------
// The reference itself, on the SPEC's own examples: if these fail, fix the reference.
// ---------------------------------------------------------------------------------------

fn one_store(
    zone: Option<Tz>,
    hours: Vec<Row>,
    polls: &[(&str, bool)],
    now: &str,
) -> reference::StoreResult {
    let stores = [Store {
        id: "1".into(),
        zone,
        hours,
    }];
    let polls: Vec<Poll> = polls
        .iter()
        .map(|&(at, active)| Poll {
            store: 0,
            at: utc(at),
            active,
        })
        .collect();
    let input = reference::Input {
        stores: &stores,
        polls: &polls,
        now: utc(now),
        interpolation: Interp::Nearest,
        missing_day: Missing::Closed,
    };
    reference::exact(&input).remove(0)
}

#[test]
fn reference_reproduces_spec_5_assignment_example() {
    // Open 9:00-12:00 (a Monday, UTC), 10:14 active, 11:15 inactive.
    let rows = vec![Row {
        day: 0,
        start: 9 * HOUR,
        end: 12 * HOUR,
    }];
    let r = one_store(
        Some(chrono_tz::UTC),
        rows,
        &[("2024-10-14 10:14", true), ("2024-10-14 11:15", false)],
        "2024-10-14 12:00",
    );
    assert_eq!(r.up[2], HOUR + 44 * MINUTE + 30 * SECOND);
    assert_eq!(r.down[2], HOUR + 15 * MINUTE + 30 * SECOND);
    assert_eq!((r.up[0], r.down[0]), (0, HOUR), "the switch is at 10:44:30");
}

#[test]
fn reference_reproduces_spec_4_dst_examples() {
    // SPEC §4: open 00:00-01:30 the night US clocks fall back: 2 hours.
    let r = one_store(
        None,
        vec![Row {
            day: 6,
            start: 0,
            end: 90 * MINUTE,
        }],
        &[("2024-11-03 12:00", true)],
        "2024-11-04 12:00",
    );
    assert_eq!(r.business[2], 2 * HOUR);
    // Spring forward in New York: 01:00-04:00 is 2 hours.
    let rows = vec![Row {
        day: 6,
        start: HOUR,
        end: 4 * HOUR,
    }];
    let r = one_store(
        Some(chrono_tz::America::New_York),
        rows.clone(),
        &[],
        "2024-03-11 12:00",
    );
    assert_eq!(r.business[2], 2 * HOUR);
    // Lord Howe's half-hour change: 2 h 30 min.
    let r = one_store(
        Some(chrono_tz::Australia::Lord_Howe),
        rows,
        &[],
        "2024-10-07 00:00",
    );
    assert_eq!(r.business[2], 2 * HOUR + 30 * MINUTE);
    // An overnight row into a weekday without rows, which stays closed after it.
    let rows = vec![Row {
        day: 6,
        start: 22 * HOUR,
        end: 2 * HOUR,
    }];
    let r = one_store(Some(chrono_tz::UTC), rows, &[], "2024-10-15 00:00");
    assert_eq!(r.business[2], 4 * HOUR);
}

// ---------------------------------------------------------------------------------------
// SPEC §4–§6: the engine equals the reference.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    /// Random rows (overnight, 24 h, 23:59, missing days) in zones with DST and odd offsets,
    /// over weeks around DST changes: every number equals the exact reference.
    #[test]
    fn spec_4_5_6_engine_equals_reference_exactly_near_dst_changes(case in case()) {
        let (data, report) = run_case(&case);
        let expected = reference::exact(&case.input());
        let lines = lines_by_id(&data, &report);
        for (i, store) in case.stores.iter().enumerate() {
            let Some(line) = lines.get(&store.id) else { continue };
            for (w, window) in WINDOW_NAMES.iter().enumerate() {
                let got = line.totals[w];
                prop_assert_eq!(
                    (got.up, got.down),
                    (expected[i].up[w] * TICKS, expected[i].down[w] * TICKS),
                    "{} {} (up, down) in half-µs; zone {:?}, rows {:?}, now {}, {:?}, {:?}",
                    store.id, window, store.zone, store.hours,
                    reference::format_utc(case.now), case.interpolation, case.missing_day
                );
            }
        }
    }

    /// SPEC §6: uptime + downtime = business time in every window for every store with an
    /// observation; a store without one has only no-data time (SPEC §5). SPEC §2: listed
    /// are exactly the stores with a valid poll.
    #[test]
    fn spec_6_uptime_plus_downtime_is_business_time(case in case()) {
        let (data, report) = run_case(&case);
        let expected = reference::exact(&case.input());
        let lines = lines_by_id(&data, &report);
        let with_polls: Vec<&str> = case
            .stores
            .iter()
            .enumerate()
            .filter(|(i, _)| case.polls.iter().any(|p| p.store == *i))
            .map(|(_, s)| s.id.as_str())
            .collect();
        let mut sorted = with_polls.clone();
        sorted.sort_by_key(|id| id.as_bytes());
        let listed: Vec<&str> = report.stores.iter().map(|s| data.store_id(s.store)).collect();
        prop_assert_eq!(listed, sorted, "SPEC §2, §7: stores with a poll, by id bytes");
        for (i, store) in case.stores.iter().enumerate() {
            let Some(line) = lines.get(&store.id) else { continue };
            let r = &expected[i];
            prop_assert_eq!(line.no_data, !r.has_observation(), "{}", store.id);
            for (w, window) in WINDOW_NAMES.iter().enumerate() {
                let t = line.totals[w];
                let business = r.business[w] * TICKS;
                if r.has_observation() {
                    prop_assert_eq!(t.no_data, 0, "{} {}", store.id, window);
                    prop_assert_eq!(t.up + t.down, business, "{} {} rows {:?}", store.id, window, store.hours);
                } else {
                    prop_assert_eq!((t.up, t.down, t.no_data), (0, 0, business), "{} {}", store.id, window);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// SPEC §9: outages, status now, periods and slots.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// Per store: outage durations add up exactly to the week's downtime; outages are in
    /// order, never overlap, contain no up time, start and end on down time; the periods
    /// and the slots add up to the week's up and down time; the fleet's too. And all of it
    /// equals the 30-second brute force of the reference.
    #[test]
    fn spec_9_outages_periods_and_slots_add_up_and_equal_the_reference(case in case()) {
        let files = case.files();
        let named: Vec<(&str, &[u8])> = ["status.csv", "hours.csv", "zones.csv"]
            .iter()
            .zip(&files)
            .map(|(n, f)| (*n, f.as_bytes()))
            .collect();
        let data = dataset_from_bytes(&named).expect("generated files are valid");
        let go = &mut |_| ControlFlow::Continue(());
        let (report, figures) = analyse_figures(&data, case.options(), go).expect("a report");
        let mut analyser = Analyser::new(&data, case.options()).expect("an analyser");
        let expected = reference::figures(&case.input());
        let mut slot_sum: Tick = 0;
        let mut period_sum = (0, 0);
        for (row, f) in report.stores.iter().zip(&figures.stores) {
            let id = data.store_id(row.store);
            let week = row.totals[2];
            prop_assert_eq!(f.outages.iter().map(|o| o.down).sum::<Tick>(), week.down, "{}", id);
            let timeline = analyser.timeline(row.store).timeline;
            for pair in f.outages.windows(2) {
                prop_assert!(pair[0].end < pair[1].start, "{}: {:?}", id, pair);
                // Up time between two outages: that is what separates them.
                prop_assert!(timeline.totals(pair[0].end, pair[1].start).up > 0, "{}", id);
            }
            for o in &f.outages {
                let inside = timeline.totals(o.start, o.end);
                prop_assert_eq!((inside.up, inside.down, inside.no_data), (0, o.down, 0), "{}", id);
                prop_assert!(o.down > 0);
                prop_assert!(timeline.totals(o.start, o.start + 1).down == 1, "{}: starts down", id);
                prop_assert!(timeline.totals(o.end - 1, o.end).down == 1, "{}: ends down", id);
            }
            let up: Tick = f.periods.iter().map(|p| p.up).sum();
            let down: Tick = f.periods.iter().map(|p| p.down).sum();
            prop_assert_eq!((up, down), (week.up, week.down), "{}", id);
            period_sum.0 += up;
            period_sum.1 += down;
            slot_sum += week.up + week.down;

            let i = case.stores.iter().position(|s| s.id == id).expect("a case store");
            let r = &expected[i];
            let got: Vec<(Tick, Tick, Tick, bool, bool)> = f
                .outages
                .iter()
                .map(|o| (o.start, o.end, o.down, o.ongoing, o.from_week_start))
                .collect();
            let want: Vec<(Tick, Tick, Tick, bool, bool)> = r
                .outages
                .iter()
                .map(|o| (o.start * TICKS, o.end * TICKS, o.down * TICKS, o.ongoing, o.from_week_start))
                .collect();
            prop_assert_eq!(got, want, "{} outages; rows {:?} zone {:?}", id, case.stores[i].hours, case.stores[i].zone);
            prop_assert_eq!(row.status_now.name(), r.status_now, "{}", id);
            prop_assert_eq!(row.last_poll, r.last_poll, "{}", id);
            for k in 0..7 {
                prop_assert_eq!((f.periods[k].up, f.periods[k].down), (r.periods[k].0 * TICKS, r.periods[k].1 * TICKS), "{} period {}", id, k);
            }
        }
        let slots: Tick = figures.fleet.slots.iter().map(|s| s.up + s.down).sum();
        prop_assert_eq!(slots, slot_sum);
        let fleet_periods = figures.fleet.periods.iter().fold((0, 0), |a, p| (a.0 + p.up, a.1 + p.down));
        prop_assert_eq!(fleet_periods, period_sum);
        for (k, slot) in figures.fleet.slots.iter().enumerate() {
            let open = report.stores.iter().filter(|row| {
                let i = case.stores.iter().position(|s| s.id == data.store_id(row.store)).expect("a case store");
                expected[i].slots[k].0 + expected[i].slots[k].1 > 0
            }).count();
            prop_assert_eq!(slot.open as usize, open, "slot {}", k);
        }
    }
}

// ---------------------------------------------------------------------------------------
// SPEC §1: the report depends on the data, not on row order, file order or chunking.
// ---------------------------------------------------------------------------------------

/// SplitMix64, for a reproducible shuffle from one proptest-chosen seed.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

fn read_in_chunks(files: &[(&str, Vec<u8>)], chunk: usize) -> Dataset {
    let mut ingest = Ingest::new();
    for (name, bytes) in files {
        let file = ingest.open_file(name);
        for piece in bytes.chunks(chunk.max(1)) {
            ingest.push(file, piece).expect("valid file");
        }
        ingest.close_file(file).expect("valid file");
    }
    ingest.finish()
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn spec_1_row_order_file_order_and_chunk_size_do_not_change_the_report(case in case(), seed in any::<u64>()) {
        let [status, hours, zones] = case.files();
        let (data, report) = run_engine(
            &[("s", status.as_bytes()), ("h", hours.as_bytes()), ("z", zones.as_bytes())],
            case.options(),
        );
        let expected = csv_bytes(&data, &report);

        let mut mix = Mix(seed);
        // One zone row per store, so "the first valid zone wins" cannot depend on order.
        let mut files: Vec<(&str, Vec<u8>)> = [
            ("s", reference::STATUS_HEADER, reference::status_csv_rows(&case.stores, &case.polls)),
            ("h", reference::HOURS_HEADER, reference::hours_csv_rows(&case.stores)),
            ("z", reference::TIMEZONE_HEADER, reference::timezone_csv_rows(&case.stores)),
        ]
        .into_iter()
        .map(|(name, header, mut rows)| {
            mix.shuffle(&mut rows);
            (name, (header.to_string() + &rows.concat()).into_bytes())
        })
        .collect();
        mix.shuffle(&mut files);

        for chunk in [1, 7, 4096, usize::MAX] {
            let data = read_in_chunks(&files, chunk);
            let report = analyse(&data, case.options(), &mut |_| ControlFlow::Continue(())).expect("a report");
            let got = csv_bytes(&data, &report);
            prop_assert!(
                got == expected,
                "chunk {}:\n--- in order ---\n{}\n--- shuffled ---\n{}",
                chunk,
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&got)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// SPEC §5: `nearest` and `previous` with a poll in every business minute.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(32))]

    /// With a poll at every whole minute of business time, the two interpolations differ
    /// only where consecutive observations one minute apart disagree: `nearest` switches at
    /// the midpoint, `previous` at the later poll, so the half minute before the later
    /// poll has its status under `nearest` and the earlier one's under `previous`.
    /// Observations on either side of a closed stretch are at least two minutes apart and
    /// both rules give each side its own observation, so no difference arises there. Hence,
    /// exactly, uptime(nearest) - uptime(previous) = Σ ±30 s over those changes with the
    /// later poll in (window start, now] (+ when it is active), and downtime the opposite.
    #[test]
    fn spec_5_nearest_and_previous_differ_by_half_a_minute_per_status_change(
        stores in prop::collection::vec(store(), 1..3),
        anchor in 0..ANCHORS.len(),
        shift in 0i64..(7 * 1440),
        flip_per_mille in prop_oneof![Just(0u64), 1u64..40, 200u64..600],
        seed in any::<u64>(),
        open in any::<bool>(),
    ) {
        let stores: Vec<Store> = stores
            .into_iter()
            .enumerate()
            .map(|(i, (zone, hours))| Store { id: STORE_IDS[i].to_string(), zone, hours })
            .collect();
        let missing_day = if open { Missing::Open } else { Missing::Closed };
        let end = utc(ANCHORS[anchor]) + shift * MINUTE;
        let mut mix = Mix(seed);
        let mut polls = Vec::new();
        for (i, store) in stores.iter().enumerate() {
            let zone = reference::zone_of(store);
            let mut active = mix.next().is_multiple_of(2);
            let mut t = end - 8 * DAY;
            while t <= end {
                if reference::is_open(&store.hours, missing_day, &reference::wall_clock(zone, t)) {
                    if mix.next() % 1000 < flip_per_mille {
                        active = !active;
                    }
                    polls.push(Poll { store: i, at: t, active });
                }
                t += MINUTE;
            }
        }
        prop_assume!(!polls.is_empty());
        let now = polls.iter().map(|p| p.at).max().unwrap_or(end);
        let files = reference::csv_files(&stores, &polls);
        let named: Vec<(&str, &[u8])> = files.iter().map(|f| ("f", f.as_bytes())).collect();
        let run = |interpolation| {
            let options = Options { now: None, interpolation, missing_day: if open { MissingDay::Open } else { MissingDay::Closed } };
            run_engine(&named, options)
        };
        let (data_n, nearest) = run(Interpolation::Nearest);
        let (data_p, previous) = run(Interpolation::Previous);
        let nearest = lines_by_id(&data_n, &nearest);
        let previous = lines_by_id(&data_p, &previous);
        prop_assert_eq!(nearest.len(), previous.len());
        for (i, store) in stores.iter().enumerate() {
            let (Some(n), Some(p)) = (nearest.get(&store.id), previous.get(&store.id)) else { continue };
            let obs: Vec<(i64, bool)> = polls.iter().filter(|q| q.store == i).map(|q| (q.at, q.active)).collect();
            for (w, window) in WINDOW_NAMES.iter().enumerate() {
                let from = now - reference::WINDOW_SPANS[w];
                let expected: i64 = obs
                    .windows(2)
                    .filter(|o| o[1].0 - o[0].0 == MINUTE && o[0].1 != o[1].1 && o[1].0 > from)
                    .map(|o| if o[1].1 { 30 * SECOND } else { -30 * SECOND })
                    .sum();
                let (tn, tp) = (n.totals[w], p.totals[w]);
                prop_assert_eq!(tn.up - tp.up, expected * TICKS, "{} {} up", store.id, window);
                prop_assert_eq!(tp.down - tn.down, expected * TICKS, "{} {} down", store.id, window);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// SPEC §1: bad input is skipped or rejected, never a panic.
// ---------------------------------------------------------------------------------------

/// Pieces that make CSV, timestamps and times of day interesting.
fn token() -> impl Strategy<Value = Vec<u8>> {
    const TOKENS: &[&str] = &[
        ",",
        ",",
        ",",
        "\n",
        "\n",
        "\r\n",
        "\r",
        "\"",
        "\"\"",
        " ",
        "\t",
        "\u{FEFF}",
        "\0",
        "é",
        "1",
        "8419537941919820732",
        "=cmd",
        "active",
        "inactive",
        " ACTIVE ",
        "2024-03-10 07:00:00",
        "2024-11-03 06:30",
        "2023-01-22 12:09:39.388884 UTC",
        "9999-12-31 23:59:59.999999",
        "0001-01-01 00:00",
        "2024-02-30 00:00",
        "T",
        "Z",
        " UTC",
        "+05:30",
        "-0945",
        "+23:59",
        ".123456789",
        "0",
        "6",
        "7",
        "-1",
        "00:00",
        "24:00",
        "24:00:00",
        "23:59",
        "23:59:59",
        "9:00",
        "25:00",
        "12:60",
        "America/Chicago",
        "Pacific/Chatham",
        "asia/kolkata",
        "Mars/Olympus",
        "store_id",
        "status",
        "timestamp_utc",
        "dayOfWeek",
        "day",
        "start_time_local",
        "end_time_local",
        "timezone_str",
    ];
    prop_oneof![
        4 => prop::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..4),
    ]
}

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options).prop_map(str::to_string)
}

/// A store id: known ones, odd ones, and fresh ones never seen before.
fn any_id() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => pick(&["1", "2", "8419537941919820732", "a1b2c3d4-0000-4000-8000-000000000000", "=cmd", " 7 ", "", "\"q,1\""]),
        2 => (0u32..1000).prop_map(|n| format!("new-{n}")),
    ]
}

/// A file of one of the three layouts with plausible rows, most valid or nearly so; the
/// last row may lack its newline (so it is only read when the file is closed).
fn layout_file() -> impl Strategy<Value = Vec<u8>> {
    let status = (
        any_id(),
        pick(&["active", "inactive", " Inactive ", "ACTIVE", "up", ""]),
        pick(&[
            "2024-03-10 07:00:00",
            "2024-11-03 06:30:00.5 UTC",
            "2024-10-06T02:15Z",
            "2024-10-06 02:15+10:30",
            "2023-01-22 12:09:39.388884 UTC",
            "9999-12-31 23:59:59.999999",
            "0001-01-01 00:00",
            "2024-13-01 00:00",
            "yesterday",
        ]),
    )
        .prop_map(|(id, status, at)| format!("{id},{status},{at}"));
    let time = || {
        pick(&[
            "00:00",
            "24:00",
            "23:59:59",
            "9:00",
            "17:00:00.25",
            "02:30",
            "25:00",
            "x",
        ])
    };
    let hours = (
        any_id(),
        pick(&["0", "3", "6", "7", "-1", ""]),
        time(),
        time(),
    )
        .prop_map(|(id, day, start, end)| format!("{id},{day},{start},{end}"));
    let zone = (
        any_id(),
        pick(&[
            "America/Chicago",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "asia/kolkata",
            "Mars/Olympus",
            "",
        ]),
    )
        .prop_map(|(id, zone)| format!("{id},{zone}"));
    let rows = |header: &'static str, row: BoxedStrategy<String>| {
        (
            prop::collection::vec((row, pick(&["\n", "\r\n"])), 0..10),
            any::<bool>(),
        )
            .prop_map(move |(rows, final_newline)| {
                let mut text = header.to_string();
                for (row, end) in &rows {
                    text += row;
                    text += end;
                }
                if !final_newline && !rows.is_empty() {
                    text.truncate(text.trim_end_matches(['\r', '\n']).len());
                }
                text.into_bytes()
            })
    };
    prop_oneof![
        rows("store_id,status,timestamp_utc\n", status.boxed()),
        rows(
            "store_id,dayOfWeek,start_time_local,end_time_local\r\n",
            hours.boxed()
        ),
        rows("\u{FEFF}store_id,timezone_str\n", zone.boxed()),
    ]
}

fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    let header = prop::sample::select(
        &[
            "",
            "store_id,status,timestamp_utc\n",
            "\u{FEFF}Store ID,STATUS,timestamp_utc\r\n",
            "timestamp_utc,store_id,status,extra\n",
            "store_id,dayOfWeek,start_time_local,end_time_local\n",
            "end_time_local,day,store_id,start_time_local\r\n",
            "store_id,timezone_str\n",
            "\"store_id\",\"timezone_str\"\n",
        ][..],
    );
    let body = prop_oneof![
        3 => prop::collection::vec(token(), 0..80).prop_map(|t| t.concat()),
        1 => prop::collection::vec(any::<u8>(), 0..300),
    ];
    prop_oneof![
        (header, body).prop_map(|(h, b)| [h.as_bytes(), &b].concat()),
        layout_file(),
    ]
}

fn any_options() -> impl Strategy<Value = Options> {
    let now = prop_oneof![
        3 => Just(None),
        1 => (-62_135_596_800i64..253_402_300_799).prop_map(|s| Some(s * SECOND)),
        1 => (0i64..(20 * DAY)).prop_map(|d| Some(utc("2024-03-01 00:00") + d)),
    ];
    (now, any::<bool>(), any::<bool>()).prop_map(|(now, previous, open)| Options {
        now,
        interpolation: if previous {
            Interpolation::Previous
        } else {
            Interpolation::Nearest
        },
        missing_day: if open {
            MissingDay::Open
        } else {
            MissingDay::Closed
        },
    })
}

/// Analyses and writes whatever came out; errors are fine, panics are not.
fn analyse_anything(data: &Dataset, options: Options) {
    if let Ok(report) = analyse(data, options, &mut |_| ControlFlow::Continue(())) {
        let mut out = Vec::new();
        write_csv(&report, data, true, &mut out).expect("writing to memory");
        assert!(out.ends_with(b"\n"));
    }
}

/// The smallest case of the property below: the unterminated last row of a file that was
/// never closed names a new store.
#[test]
fn spec_1_finish_reads_the_last_row_of_an_unclosed_file() {
    let mut ingest = Ingest::new();
    let file = ingest.open_file("status.csv");
    ingest
        .push(
            file,
            b"store_id,status,timestamp_utc\n1,active,2024-01-01 00:00",
        )
        .expect("a valid status file");
    let data = ingest.finish();
    assert_eq!(data.store_count(), 1);
    assert_eq!(data.poll_count(0), 1);
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn spec_1_ingest_never_panics_on_any_bytes_in_any_chunks(
        files in prop::collection::vec((file_bytes(), 1usize..40), 1..4),
        options in any_options(),
    ) {
        let mut ingest = Ingest::new();
        for (i, (bytes, chunk)) in files.iter().enumerate() {
            let file = ingest.open_file(&format!("file-{i}"));
            let chunk = if i == 0 { bytes.len().max(1) } else { *chunk };
            for piece in bytes.chunks(chunk) {
                let _ = ingest.push(file, piece); // Ok or a FileProblem, both fine
            }
            let _ = ingest.close_file(file);
        }
        let data = ingest.finish();
        analyse_anything(&data, options);
    }

    /// `Ingest::finish` closes files that were never closed ("still count what they
    /// read"); that must not panic either.
    #[test]
    fn spec_1_ingest_never_panics_when_a_file_is_left_open(
        files in prop::collection::vec((file_bytes(), 1usize..40), 1..3),
        options in any_options(),
    ) {
        let mut ingest = Ingest::new();
        for (i, (bytes, chunk)) in files.iter().enumerate() {
            let file = ingest.open_file(&format!("file-{i}"));
            for piece in bytes.chunks(*chunk) {
                let _ = ingest.push(file, piece);
            }
            if i + 1 < files.len() {
                let _ = ingest.close_file(file);
            }
        }
        let data = ingest.finish();
        analyse_anything(&data, options);
    }
}
