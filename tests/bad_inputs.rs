//! What happens if … : the bad-input matrix, run through the command line. Each case says
//! what the user sees; whenever the problem is in rows, the rest of the data is reported.
//! (The README's "What happens if …" table is this file in words.)

mod common;
use common::{scratch, write};

use std::io::Read;
use std::process::Command;

const GOOD_STATUS: &str = "store_id,status,timestamp_utc\n\
    good-1,active,2024-11-04 10:00:00 UTC\n\
    good-2,inactive,2024-11-04 11:00:00 UTC\n";

struct Run {
    code: i32,
    report: String,
    summary: String,
}

fn report(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_store-uptime"))
        .arg("report")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        report: String::from_utf8_lossy(&out.stdout).into_owned(),
        summary: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The ids in a report, in order.
fn ids(report: &str) -> Vec<String> {
    report
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// Row-level problems: the row is skipped with a named reason, the rest is reported.
#[test]
fn bad_rows_are_skipped_and_named_and_the_rest_is_reported() {
    let dir = scratch("rows");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "Latin-1 bytes in an id",
            b"caf\xe9,active,2024-11-04 10:00:00\n".to_vec(),
            "is not UTF-8 text",
        ),
        (
            "Latin-1 bytes in a status",
            b"x,activ\xe9,2024-11-04 10:00:00\n".to_vec(),
            "is not a status",
        ),
        (
            "an unclosed quote",
            b"x,\"active,2024-11-04 10:00:00\n".to_vec(),
            "is not closed on its line",
        ),
        (
            "a status word",
            b"x,up,2024-11-04 10:00:00\n".to_vec(),
            "`up` is not a status",
        ),
        (
            "a partial date",
            b"x,active,2023-01-2\n".to_vec(),
            "`2023-01-2` is not a timestamp",
        ),
        (
            "an impossible date",
            b"x,active,2023-02-30 10:00:00\n".to_vec(),
            "is not a real date and time",
        ),
        (
            "a missing column",
            b"x,active\n".to_vec(),
            "the row has only 2 field(s)",
        ),
        (
            "a 50 MB line",
            {
                let mut line = b"x,active,".to_vec();
                line.resize(50 << 20, b'9');
                line.push(b'\n');
                line
            },
            "the row is longer than 1 MiB or 4096 fields",
        ),
        (
            "a row of 100 000 columns",
            {
                let mut line = b"x,active,2024-11-04 10:00:00".to_vec();
                line.extend(std::iter::repeat_n(b',', 100_000));
                line.push(b'\n');
                line
            },
            "the row is longer than",
        ),
    ];
    for (what, bad_row, message) in cases {
        let mut file = GOOD_STATUS.as_bytes().to_vec();
        file.extend_from_slice(&bad_row);
        file.extend_from_slice(b"good-3,active,2024-11-04 11:30:00\n");
        let path = write(&dir, "polls.csv", &file);
        let run = report(&[&path]);
        assert_eq!(run.code, 0, "{what}: {}", run.summary);
        assert_eq!(ids(&run.report), ["good-1", "good-2", "good-3"], "{what}");
        assert!(
            run.summary.contains("polls.csv, line 4"),
            "{what} names the line: {}",
            run.summary
        );
        assert!(
            run.summary.contains(message),
            "{what}: expected {message:?} in {}",
            run.summary
        );
    }
}

#[test]
fn bad_hours_and_zones_are_skipped_and_defaults_apply() {
    let dir = scratch("hours");
    let status = write(&dir, "polls.csv", GOOD_STATUS.as_bytes());
    let hours = write(
        &dir,
        "hours.csv",
        b"store_id,dayOfWeek,start_time_local,end_time_local\n\
          good-1,7,09:00,17:00\ngood-1,-1,09:00,17:00\ngood-1,Mon,09:00,17:00\n\
          good-1,0,25:00,17:00\ngood-1,0,12:60,17:00\ngood-2,0,09:00,17:00\n",
    );
    let zones = write(
        &dir,
        "zones.csv",
        b"store_id,timezone_str\ngood-1,Mars/Olympus\ngood-2,Asia/Tokyo\n",
    );
    let run = report(&["--extended", &status, &hours, &zones]);
    assert_eq!(run.code, 0, "{}", run.summary);
    for expected in [
        "hours.csv, line 2, dayOfWeek: `7` is not a weekday",
        "hours.csv, line 3, dayOfWeek: `-1` is not a weekday",
        "`Mon` is not a weekday",
        "hours.csv, line 5, start_time_local: `25:00` is not a real time of day",
        "`12:60` is not a real time of day",
        "zones.csv, line 2, timezone_str: `Mars/Olympus` is not an IANA timezone name",
    ] {
        assert!(
            run.summary.contains(expected),
            "expected {expected:?} in {}",
            run.summary
        );
    }
    // good-1 lost every hours row and its zone: open 24/7 in Chicago, both flagged.
    let good1 = run
        .report
        .lines()
        .find(|l| l.starts_with("good-1,"))
        .unwrap();
    assert!(good1.contains(",America/Chicago,true,true,"), "{good1}");
    let good2 = run
        .report
        .lines()
        .find(|l| l.starts_with("good-2,"))
        .unwrap();
    assert!(good2.contains(",Asia/Tokyo,false,false,"), "{good2}");
}

/// File-level problems: the command line stops with exit 1 and names the file and the
/// columns it expected (the page rejects the file and keeps the others).
#[test]
fn unusable_files_are_named_with_the_expected_columns() {
    let dir = scratch("files");
    let good = write(&dir, "polls.csv", GOOD_STATUS.as_bytes());
    let mut wide_header = b"store_id,status,timestamp_utc".to_vec();
    wide_header.extend(std::iter::repeat_n(*b",x", 1_000_000).flatten());
    wide_header.push(b'\n');
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "the file is empty"),
        (
            "logo.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec(),
            "not a CSV text file",
        ),
        (
            "archive.zip",
            b"PK\x03\x04\x14\0\0\0\x08\0store_status.csv".to_vec(),
            "not a CSV text file",
        ),
        (
            "utf16.csv",
            "store_id,status\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .collect(),
            "not a CSV text file",
        ),
        ("utf16-bom.csv", b"\xFF\xFEs\0t\0".to_vec(), "it is UTF-16"),
        (
            "orders.csv",
            b"order_id,total\n1,2\n".to_vec(),
            "matches no input layout",
        ),
        (
            "million-columns.csv",
            wide_header,
            "too long to be a header",
        ),
    ];
    for (name, bytes, message) in cases {
        let bad = write(&dir, name, &bytes);
        let run = report(&[&good, &bad]);
        assert_eq!(run.code, 1, "{name}: {}", run.summary);
        assert!(
            run.summary.contains(&format!("{name}: ")),
            "{name} is named: {}",
            run.summary
        );
        assert!(
            run.summary.contains(message),
            "{name}: expected {message:?} in {}",
            run.summary
        );
        assert!(
            run.summary.contains("store_id, status, timestamp_utc"),
            "{name}: {}",
            run.summary
        );
        assert!(run.report.is_empty(), "{name}: no partial report");
    }
    let header_only = write(&dir, "header-only.csv", b"store_id,status,timestamp_utc\n");
    let run = report(&[&header_only]);
    assert_eq!(run.code, 1);
    assert!(run.summary.contains("no valid row"), "{}", run.summary);
    let run = report(&[&header_only, &good]);
    assert_eq!(run.code, 0, "a header-only file next to a good one is fine");
    assert_eq!(ids(&run.report), ["good-1", "good-2"]);
}

#[test]
fn markup_and_formula_ids_stay_inert_text() {
    let dir = scratch("ids");
    let status = write(
        &dir,
        "polls.csv",
        b"store_id,status,timestamp_utc\n\
          <img src=x onerror=alert(1)>,active,2024-11-04 10:00:00\n\
          =HYPERLINK(\"http://x\"),active,2024-11-04 10:00:00\n\
          +1,active,2024-11-04 10:00:00\n-1,active,2024-11-04 10:00:00\n@A1,active,2024-11-04 10:00:00\n\
          \xEF\xBC\x9D1+1,active,2024-11-04 10:00:00\n\
          \xE2\x80\x8B=1+1,active,2024-11-04 10:00:00\n",
    );
    let run = report(&[&status]);
    assert_eq!(run.code, 0);
    let ids: Vec<&str> = run
        .report
        .lines()
        .skip(1)
        .map(|l| l.rsplitn(7, ',').last().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "'+1",
            "'-1",
            "<img src=x onerror=alert(1)>",
            "\"'=HYPERLINK(\"\"http://x\"\")\"",
            "'@A1",
            // Look-alikes: a zero-width space before `=`, and a full-width `＝`.
            "'\u{200B}=1+1",
            "'＝1+1",
        ]
    );
}

#[test]
fn extreme_but_valid_timestamps_are_reported() {
    let dir = scratch("years");
    let status = write(
        &dir,
        "polls.csv",
        b"store_id,status,timestamp_utc\nancient,active,0001-01-01 00:00:00\nfuture,inactive,9999-12-31 23:59:59.999999\n",
    );
    let run = report(&[&status]);
    assert_eq!(run.code, 0, "{}", run.summary);
    assert!(
        run.summary.contains("now: 9999-12-31 23:59:59.999999 UTC"),
        "{}",
        run.summary
    );
    // `ancient`'s only observation, 10 000 years earlier, is still the nearest (SPEC §5).
    assert!(
        run.report
            .contains("\nancient,60.00,24.00,168.00,0.00,0.00,0.00\n"),
        "{}",
        run.report
    );
    assert!(
        run.report
            .contains("\nfuture,0.00,0.00,0.00,60.00,24.00,168.00\n"),
        "{}",
        run.report
    );
}

#[test]
fn the_same_file_twice_and_overlapping_files_count_each_poll_once() {
    let dir = scratch("twice");
    let once = report(&[concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/small/input/store_status.csv"
    )]);
    let twice = report(&[
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/small/input/store_status.csv"
        ),
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/small/input/store_status.csv"
        ),
    ]);
    assert_eq!(twice.code, 0);
    assert_eq!(twice.report, once.report);
    // Two daily exports that overlap by one poll, against the union written once.
    let day1 = write(&dir, "day1.csv", b"store_id,status,timestamp_utc\n1,active,2024-11-03 10:00:00\n1,inactive,2024-11-04 08:00:00\n");
    let day2 = write(&dir, "day2.csv", b"store_id,status,timestamp_utc\n1,inactive,2024-11-04 08:00:00\n1,active,2024-11-04 12:00:00\n");
    let union = write(
        &dir,
        "union.csv",
        b"store_id,status,timestamp_utc\n1,active,2024-11-03 10:00:00\n1,inactive,2024-11-04 08:00:00\n1,active,2024-11-04 12:00:00\n",
    );
    assert_eq!(report(&[&day1, &day2]).report, report(&[&union]).report);
}

/// Rows made on the fly, so a huge input needs no huge buffer.
struct Rows {
    next: u64,
    count: u64,
    line: fn(u64) -> String,
    pending: Vec<u8>,
}

impl Read for Rows {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.len() < buf.len() && self.next < self.count {
            self.pending
                .extend_from_slice((self.line)(self.next).as_bytes());
            self.next += 1;
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn many_stores_with_one_poll_and_one_store_with_millions() {
    use std::ops::ControlFlow;
    use store_uptime::engine::{analyse, Ingest, Options};
    let header = || Rows {
        next: 0,
        count: 1,
        line: |_| "store_id,status,timestamp_utc\n".into(),
        pending: Vec::new(),
    };
    // 100 000 stores, one poll each.
    let mut ingest = Ingest::new();
    let rows = Rows {
        next: 0,
        count: 100_000,
        line: |i| {
            format!(
                "store-{i},active,2024-11-04 {:02}:{:02}:00\n",
                i / 60 % 24,
                i % 60
            )
        },
        pending: Vec::new(),
    };
    assert!(ingest
        .read_file("many.csv", header().chain(rows), 1 << 16, &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap());
    let data = ingest.finish();
    let report = analyse(
        &data,
        Options::default(),
        &mut |_| ControlFlow::Continue(()),
    )
    .unwrap();
    assert_eq!(report.stores.len(), 100_000);
    // One store, 5 million polls a second apart: all active but the last hour's.
    let mut ingest = Ingest::new();
    let rows = Rows {
        next: 0,
        count: 5_000_000,
        line: |i| {
            let t = i + 1_700_000_000;
            let status = if i >= 5_000_000 - 3_600 {
                "inactive"
            } else {
                "active"
            };
            format!(
                "busy,{status},{}\n",
                store_uptime::engine::format_timestamp(t as i64 * 1_000_000)
            )
        },
        pending: Vec::new(),
    };
    assert!(ingest
        .read_file("busy.csv", header().chain(rows), 1 << 20, &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap());
    let data = ingest.finish();
    assert_eq!(data.total_polls(), 5_000_000);
    let report = analyse(
        &data,
        Options::default(),
        &mut |_| ControlFlow::Continue(()),
    )
    .unwrap();
    let hour = report.stores[0].totals[0];
    // The last hour: 3 600 inactive polls, one second apart; the first half-second of the
    // window still belongs to the last active poll.
    assert_eq!(hour.down, (3_600 * 1_000_000 - 500_000) * 2);
    assert_eq!(hour.up, 500_000 * 2);
}
