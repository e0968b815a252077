//! What each fuzz target checks, shared by the fuzz targets (`fuzz_targets/*.rs`, nightly,
//! cargo-fuzz) and by the stable replay of the committed corpus (`tests/fuzz_corpus.rs`),
//! so every input the fuzzer kept is checked again by `cargo test`.
#![allow(dead_code)] // each fuzz target uses one of these

use std::fmt::Write;
use std::ops::ControlFlow;

use arbitrary::{Arbitrary, Unstructured};
use store_uptime::engine::fleet::{analyse_fleet, store_detail};
use store_uptime::engine::{
    analyse, dataset_from_bytes, parse_timestamp, write_csv, Analyser, Ingest, Interpolation,
    MissingDay, Options, Window,
};

const HEADERS: [&[u8]; 4] = [
    b"store_id,status,timestamp_utc\n",
    b"store_id,dayOfWeek,start_time_local,end_time_local\n",
    b"store_id,day,start_time_local,end_time_local\r\n",
    b"timezone_str,store_id\n",
];

/// Row parsers: a valid header of one of the three layouts, then arbitrary bytes, pushed in
/// arbitrary chunks. Every data row must end up either valid or skipped, never lost.
pub fn rows(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let header = HEADERS[usize::from(selector) % HEADERS.len()];
    let chunk = 1 + usize::from(selector >> 2) * 7;
    let mut ingest = Ingest::new();
    let file = ingest.open_file("fuzz.csv");
    ingest
        .push(file, header)
        .expect("a valid header is accepted");
    for piece in body.chunks(chunk) {
        ingest.push(file, piece).expect("rows never fail a file");
    }
    ingest.close_file(file).expect("rows never fail a file");
    let data = ingest.finish();
    let summary = &data.files[0];
    assert_eq!(
        summary.rows,
        summary.valid_rows + data.skips.total(),
        "every row is valid or skipped"
    );
}

/// File classification and the whole ingest on arbitrary bytes: never a panic; a rejected
/// file says why in words.
pub fn classify(data: &[u8]) {
    let mut ingest = Ingest::new();
    let file = ingest.open_file("fuzz.bin");
    let pushed = ingest.push(file, data);
    let closed = ingest.close_file(file).map(|s| s.kind);
    match (pushed, closed) {
        (Ok(()), Ok(kind)) => assert!(kind.is_some(), "an accepted file has a kind"),
        (Err(problem), _) | (_, Err(problem)) => {
            assert!(problem.to_string().starts_with("fuzz.bin: "))
        }
    }
    let _ = ingest.finish();
}

const ZONES: [&str; 9] = [
    "America/Chicago",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "Europe/London",
    "America/Phoenix",
    "Mars/Olympus",
    "utc",
];
/// Weeks around daylight-saving changes (US, EU, Lord Howe, Chatham) and a quiet one.
const BASES: [&str; 6] = [
    "2024-03-08 00:00",
    "2024-10-31 00:00",
    "2024-04-05 00:00",
    "2024-09-27 00:00",
    "2024-10-25 00:00",
    "2024-07-01 00:00",
];

#[derive(Arbitrary, Debug)]
struct Poll {
    store: u8,
    minute: u16,
    second: u8,
    active: bool,
    offset_layout: bool,
}
#[derive(Arbitrary, Debug)]
struct Row {
    store: u8,
    day: u8,
    start: u16,
    end: u16,
}
#[derive(Arbitrary, Debug)]
struct Input {
    base: u8,
    polls: Vec<Poll>,
    hours: Vec<Row>,
    zones: Vec<(u8, u8)>,
    now_minute: Option<u16>,
    previous: bool,
    missing_open: bool,
}

fn stamp(base: i64, minutes: i64, second: u8) -> String {
    store_uptime::engine::format_timestamp(
        base + minutes * 60_000_000 + i64::from(second % 60) * 1_000_000,
    )
}

/// The whole engine on structured three-file inputs near DST changes, so the fuzzer reaches
/// business time and interpolation, not just the CSV layer. Checks SPEC §6's invariant.
/// The bytes are decoded as libfuzzer-sys decodes a typed target, so the corpus is shared.
pub fn engine(data: &[u8]) {
    if data.len() < Input::size_hint(0).0 {
        return;
    }
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let base = parse_timestamp(BASES[usize::from(input.base) % BASES.len()].as_bytes()).unwrap();
    let mut status = String::from("store_id,status,timestamp_utc\n");
    for p in &input.polls {
        let word = if p.active { "active" } else { "inactive" };
        let t = stamp(base, i64::from(p.minute % 14_400), p.second);
        let t = if p.offset_layout {
            t.replace(" UTC", "Z").replacen(' ', "T", 1)
        } else {
            t
        };
        let _ = writeln!(status, "s{},{word},{t}", p.store % 8);
    }
    let mut hours = String::from("store_id,dayOfWeek,start_time_local,end_time_local\n");
    for r in &input.hours {
        let (s, e) = (r.start % 1441, r.end % 1441);
        let _ = writeln!(
            hours,
            "s{},{},{:02}:{:02},{:02}:{:02}",
            r.store % 8,
            r.day % 8,
            s / 60,
            s % 60,
            e / 60,
            e % 60
        );
    }
    let mut zones = String::from("store_id,timezone_str\n");
    for (store, zone) in &input.zones {
        let _ = writeln!(
            zones,
            "s{},{}",
            store % 8,
            ZONES[usize::from(*zone) % ZONES.len()]
        );
    }
    let Ok(data) = dataset_from_bytes(&[
        ("status", status.as_bytes()),
        ("hours", hours.as_bytes()),
        ("zones", zones.as_bytes()),
    ]) else {
        panic!("generated files always have valid headers");
    };
    let options = Options {
        now: input
            .now_minute
            .map(|m| base + i64::from(m % 14_400) * 60_000_000),
        interpolation: if input.previous {
            Interpolation::Previous
        } else {
            Interpolation::Nearest
        },
        missing_day: if input.missing_open {
            MissingDay::Open
        } else {
            MissingDay::Closed
        },
    };
    let Ok(report) = analyse(&data, options, &mut |_| ControlFlow::Continue(())) else {
        return;
    };
    let mut analyser = Analyser::new(&data, options).unwrap();
    for row in &report.stores {
        let timeline = analyser.timeline(row.store).timeline;
        assert!(
            timeline.segments.windows(2).all(|w| w[0].end == w[1].start),
            "no gaps"
        );
        for window in Window::ALL {
            let t = row.window(window);
            assert!(t.up >= 0 && t.down >= 0 && t.no_data >= 0);
            assert!(
                t.business() <= window.span() * 2,
                "at most the window (ticks)"
            );
            if !row.no_data {
                assert_eq!(
                    t.no_data, 0,
                    "with an observation, business time is up or down"
                );
            }
        }
    }
    // The fleet view's model comes from the same timelines: same report, and its
    // days and heatmap cells add up to each store's week exactly.
    let (fleet_report, fleet) =
        analyse_fleet(&data, options, &mut |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(fleet_report.stores, report.stores);
    let heat_down: i64 = fleet.heat.iter().map(|c| c.down).sum();
    assert_eq!(heat_down, report.fleet_totals(Window::Week).down);
    for store in &fleet.stores {
        let down: i64 = store.days.iter().map(|d| d.totals.down).sum();
        assert_eq!(down, store.report.window(Window::Week).down);
        let detail = store_detail(&mut analyser, &data, store.report.store)
            .expect("a listed store has a detail");
        assert_eq!(detail.report, store.report);
    }
    let mut csv = Vec::new();
    write_csv(&report, &data, true, &mut csv).unwrap();
    assert_eq!(
        csv.iter().filter(|&&b| b == b'\n').count(),
        report.stores.len() + 1
    );
}
