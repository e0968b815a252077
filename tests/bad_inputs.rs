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

/// A zip is opened, no longer refused: one that is cut short is named and left out, and
/// the other files are reported (tests/archives.rs has the rest of the archive cases).
#[test]
fn a_broken_zip_is_named_and_left_out() {
    let dir = scratch("broken-zip");
    let good = write(&dir, "polls.csv", GOOD_STATUS.as_bytes());
    let zip = write(
        &dir,
        "archive.zip",
        b"PK\x03\x04\x14\0\0\0\x08\0store_status.csv",
    );
    let run = report(&[&good, &zip]);
    assert_eq!(run.code, 0, "{}", run.summary);
    assert_eq!(ids(&run.report), ["good-1", "good-2"]);
    assert!(
        run.summary
            .contains("archive.zip: not a readable zip archive (no central directory"),
        "{}",
        run.summary
    );
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

/// Runs the CLI on `args`, killing it after `limit` (a hang is a failure, not a stuck test).
fn report_within(args: &[&str], limit: std::time::Duration) -> Run {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_store-uptime"))
        .arg("report")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("store-uptime report {args:?} still runs after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        report: String::from_utf8_lossy(&out.stdout).into_owned(),
        summary: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The summary without the lines naming the input file (its size differs).
fn rows_part(summary: &str) -> String {
    summary
        .lines()
        .filter(|l| !l.starts_with('/'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// SPEC §1: spreadsheets' "CSV (Macintosh)" ends lines with a lone CR; Windows with
/// CRLF; files joined from both mix them. Same report, same skipped rows on the same lines.
#[test]
fn cr_only_crlf_and_mixed_line_ends_give_the_same_report_and_line_numbers() {
    let dir = scratch("line-ends");
    let lines = [
        "store_id,status,timestamp_utc",
        "good-1,active,2024-11-04 10:00:00",
        "bad,up,2024-11-04 10:00:00",
        "x,\"active,2024-11-04 10:00:00",
        "good-2,inactive,2024-11-04 11:00:00",
        "late,active,2024-13-04 11:00:00",
        "good-3,active,2024-11-04 11:30:00",
    ];
    let lf = report(&[&write(&dir, "polls.csv", lines.join("\n").as_bytes())]);
    assert_eq!(lf.code, 0, "{}", lf.summary);
    assert_eq!(ids(&lf.report), ["good-1", "good-2", "good-3"]);
    for expected in [
        "polls.csv, line 3, status: `up`",
        "polls.csv, line 4, (row): a quote opened",
        "polls.csv, line 6, timestamp_utc",
    ] {
        assert!(lf.summary.contains(expected), "{expected}: {}", lf.summary);
    }
    for (what, end) in [("CR", "\r"), ("CRLF", "\r\n"), ("mixed", "\n\r\r\n\r")] {
        let mut text = String::new();
        for (i, line) in lines.iter().enumerate() {
            text.push_str(line);
            // `mixed` deals LF, CR, CRLF in turn (never `\r\r\n`: that is a blank line more).
            let ends = ["\n", "\r", "\r\n"];
            text.push_str(if what == "mixed" { ends[i % 3] } else { end });
        }
        let run = report(&[&write(&dir, "polls.csv", text.as_bytes())]);
        assert_eq!(run.code, 0, "{what}: {}", run.summary);
        assert_eq!(run.report, lf.report, "{what}");
        assert_eq!(rows_part(&run.summary), rows_part(&lf.summary), "{what}");
    }
}

/// SPEC §1: `\r\r\n` is two line ends with a blank line between, so every other line is blank.
#[test]
fn doubled_cr_before_lf_is_a_blank_line_between_rows() {
    let dir = scratch("crcrlf");
    let text = "store_id,status,timestamp_utc\r\r\ngood-1,active,2024-11-04 10:00:00\r\r\nbad,up,2024-11-04 10:00:00\r\r\ngood-2,active,2024-11-04 11:00:00\r\r\n";
    let run = report(&[&write(&dir, "polls.csv", text.as_bytes())]);
    assert_eq!(run.code, 0, "{}", run.summary);
    assert_eq!(ids(&run.report), ["good-1", "good-2"]);
    assert!(
        run.summary.contains("polls.csv, line 5, status: `up`"),
        "{}",
        run.summary
    );
}

/// SPEC §1: a large CR-only file is read (in linear time: the engine's unit test counts
/// the bytes looked at) and a stray quote loses one row, not the rest of the file.
#[test]
fn a_large_cr_only_file_with_a_stray_quote_loses_one_row() {
    let dir = scratch("cr-large");
    let mut text = String::from("store_id,status,timestamp_utc\r");
    for i in 0..40_000 {
        let quote = if i == 100 { "\"" } else { "" };
        text.push_str(&format!(
            "s{},{quote}active,2024-11-04 {:02}:{:02}:00\r",
            i % 500,
            i / 60 % 24,
            i % 60
        ));
    }
    let path = write(&dir, "polls.csv", text.as_bytes());
    let run = report_within(&[&path], std::time::Duration::from_secs(60));
    assert_eq!(run.code, 0, "{}", run.summary);
    assert_eq!(ids(&run.report).len(), 500);
    assert!(
        run.summary.contains("40000 rows (1 skipped)"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("polls.csv, line 102, (row): a quote opened"),
        "{}",
        run.summary
    );
}

/// SPEC §1: a quoted id with a line break inside is one broken row over two lines: the
/// second line is reported with it, never read as a store `A"` with 100 % uptime.
#[test]
fn a_quoted_id_broken_over_two_lines_makes_no_phantom_store() {
    let dir = scratch("phantom");
    for end in ["\n", "\r\n", "\r"] {
        let text = [
            "store_id,status,timestamp_utc",
            "good-1,active,2024-11-04 10:00:00",
            "\"Store",
            "A\",active,2024-11-04 10:00:00",
            "\"Other",
            "good-2,active,2024-11-04 11:00:00",
        ]
        .join(end);
        let run = report(&[&write(&dir, "polls.csv", text.as_bytes())]);
        assert_eq!(run.code, 0, "{}", run.summary);
        assert_eq!(ids(&run.report), ["good-1", "good-2"], "{end:?}");
        for expected in [
            "polls.csv, line 3, (row): a quote opened in this row (at `Store`)",
            "polls.csv, line 4, (row): this line (`A\",active,2024-11-04 10:00:00`) closes a quote left open",
            "polls.csv, line 5, (row): a quote opened in this row (at `Other`)",
        ] {
            assert!(
                run.summary.contains(expected),
                "{end:?}: {expected} in {}",
                run.summary
            );
        }
    }
}

/// SPEC §1: when every row is bad there is no report, but the error says why: the
/// file, the reasons with counts, the first rows, and for a spreadsheet re-save what to do.
#[test]
fn every_row_with_spreadsheet_dates_says_why() {
    let dir = scratch("all-bad");
    let mut text = String::from("store_id,status,timestamp_utc\n");
    for i in 0..1000 {
        text.push_str(&format!("s{i},active,1/8/2024 10:{:02}\n", i % 60));
    }
    let run = report(&[&write(&dir, "polls.csv", text.as_bytes())]);
    assert_eq!(run.code, 1, "{}", run.summary);
    for expected in [
        "no valid row",
        "polls.csv: 1000 row(s), all skipped (1000 timestamp re-saved by a spreadsheet)",
        "timestamp_utc looks like a spreadsheet re-save of the whole file",
        "export the file again from the source, or save the column as YYYY-MM-DD HH:MM:SS",
        "polls.csv, line 2, timestamp_utc: `1/8/2024 10:00` looks like a spreadsheet re-save (M/D/YYYY or D/M/YYYY H:MM)",
        "polls.csv, line 4, timestamp_utc",
    ] {
        assert!(run.summary.contains(expected), "{expected} in {}", run.summary);
    }
    // Any other reason is named too, with its count.
    let mut text = String::from("store_id,status,timestamp_utc\n");
    for i in 0..10 {
        text.push_str(&format!("s{i},up,2024-11-04 10:00:00\n"));
    }
    text.push_str("s,active,13/8/2024 9:00 PM\n");
    let run = report(&[&write(&dir, "polls.csv", text.as_bytes())]);
    assert_eq!(run.code, 1, "{}", run.summary);
    for expected in [
        "polls.csv: 11 row(s), all skipped (10 unknown status, 1 timestamp re-saved by a spreadsheet)",
        "polls.csv, line 2, status: `up` is not a status",
        "`13/8/2024 9:00 PM` looks like a spreadsheet re-save (D/M/YYYY H:MM AM)",
    ] {
        assert!(run.summary.contains(expected), "{expected} in {}", run.summary);
    }
    // Hours re-saved on a 12-hour clock are named as such.
    let status = write(&dir, "polls.csv", GOOD_STATUS.as_bytes());
    let hours = write(
        &dir,
        "hours.csv",
        b"store_id,dayOfWeek,start_time_local,end_time_local\ngood-1,0,9:00 AM,5:00 PM\n",
    );
    let run = report(&[&status, &hours]);
    assert_eq!(run.code, 0, "{}", run.summary);
    assert!(
        run.summary.contains("hours.csv, line 2, start_time_local: `9:00 AM` looks like a spreadsheet re-save (12-hour clock"),
        "{}",
        run.summary
    );
}

/// Counts the bytes read from an endless source of one byte.
struct Endless {
    byte: u8,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        buf.fill(self.byte);
        self.read
            .fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(buf.len())
    }
}

/// SPEC §1: `/dev/zero` never ends and a 2 GB file of zeros was read to its end; both
/// are refused as binary after a few megabytes at most.
#[test]
fn dev_zero_and_a_zero_filled_file_are_refused_after_a_bounded_read() {
    use std::sync::{atomic::AtomicU64, Arc};
    use store_uptime::engine::Ingest;
    // The engine as the CLI drives it (4 MiB chunks, parallel parts), on endless sources.
    for (byte, message) in [
        (0u8, "NUL bytes"),
        (b'\n', "too long to be a header"),
        (b'\r', "too long to be a header"),
        (b'x', "too long to be a header"),
    ] {
        let read = Arc::new(AtomicU64::new(0));
        let source = Endless {
            byte,
            read: read.clone(),
        };
        let err = Ingest::new()
            .read_file_parallel("endless.csv", source, 4 << 20, 2)
            .unwrap_err();
        assert!(err.to_string().contains(message), "{byte}: {err}");
        let bytes = read.load(std::sync::atomic::Ordering::Relaxed);
        assert!(bytes <= 3 << 20, "{byte}: {bytes} bytes read");
    }
    // The command line, on /dev/zero and on a sparse 2 GB file of zeros.
    let dir = scratch("zeros");
    let zeros = dir.join("zeros.csv");
    std::fs::File::create(&zeros)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let zeros = zeros.to_string_lossy().into_owned();
    let mut paths = vec![zeros.as_str()];
    if std::path::Path::new("/dev/zero").exists() {
        paths.push("/dev/zero");
    }
    for path in paths {
        let run = report_within(&[path], std::time::Duration::from_secs(20));
        assert_eq!(run.code, 1, "{path}: {}", run.summary);
        assert!(
            run.summary.contains(&format!(
                "{path}: not a CSV text file (it contains NUL bytes"
            )),
            "{path}: {}",
            run.summary
        );
    }
}

/// SPEC §1: other things owners' tools produce, each named with what to do.
#[test]
fn joined_files_control_characters_and_other_encodings_are_named() {
    let dir = scratch("encodings");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "two exports joined, the second with a byte-order mark",
            b"\xEF\xBB\xBFstore_id,status,timestamp_utc\n".to_vec(),
            "polls.csv, line 4, store_id: `\u{feff}store_id` repeats the header",
        ),
        (
            "a NUL in an id",
            b"x\0y,active,2024-11-04 10:00:00\n".to_vec(),
            "polls.csv, line 4, store_id: `x\\u{0}y` has a control character",
        ),
        (
            "an ESC in an id",
            b"\x1b[31mx,active,2024-11-04 10:00:00\n".to_vec(),
            "polls.csv, line 4, store_id: `\\u{1b}[31mx` has a control character",
        ),
        (
            "a lone CR inside a quoted id",
            b"\"a\rb\",active,2024-11-04 10:00:00\n".to_vec(),
            "polls.csv, line 5, (row): this line (`b\",active,2024-11-04 10:00:00`) closes a quote",
        ),
        (
            "Latin-1 in an id",
            b"caf\xe9,active,2024-11-04 10:00:00\n".to_vec(),
            "save the file as CSV UTF-8",
        ),
    ];
    for (what, bad, message) in cases {
        let mut file = GOOD_STATUS.as_bytes().to_vec();
        file.extend_from_slice(&bad);
        file.extend_from_slice(b"good-3,active,2024-11-04 11:30:00\n");
        let run = report(&[&write(&dir, "polls.csv", &file)]);
        assert_eq!(run.code, 0, "{what}: {}", run.summary);
        assert_eq!(ids(&run.report), ["good-1", "good-2", "good-3"], "{what}");
        assert!(
            run.summary.contains(message),
            "{what}: {message} in {}",
            run.summary
        );
    }
    // UTF-16 without a byte-order mark, either byte order: refused, saying how to fix it.
    for (name, big_endian) in [("utf16le.csv", false), ("utf16be.csv", true)] {
        let bytes: Vec<u8> = "store_id,status,timestamp_utc\n"
            .encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect();
        let run = report(&[&write(&dir, name, &bytes)]);
        assert_eq!(run.code, 1, "{name}: {}", run.summary);
        assert!(
            run.summary
                .contains("binary data or UTF-16; save it as CSV UTF-8"),
            "{name}: {}",
            run.summary
        );
    }
}
