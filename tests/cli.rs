//! The `store-uptime` binary, run as a user would: exit codes, messages, report bytes.

mod common;
use common::{scratch, write};

use std::io::Write;
use std::process::{Command, Output, Stdio};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

fn fixture(name: &str) -> String {
    format!("{FIXTURE}/input/{name}")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_store-uptime"))
        .args(args)
        .output()
        .unwrap()
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_store-uptime"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn golden_report_is_byte_exact_in_any_file_order() {
    let expected = std::fs::read(format!("{FIXTURE}/report.expected")).unwrap();
    let files = [
        fixture("store_status.csv"),
        fixture("menu_hours.csv"),
        fixture("timezones.csv"),
    ];
    for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
        let args: Vec<&str> = std::iter::once("report")
            .chain(order.iter().map(|&i| files[i].as_str()))
            .collect();
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), text(&expected), "order {order:?}");
    }
}

#[test]
fn golden_extended_report_to_a_file() {
    let dir = scratch("extended");
    let target = dir.join("report.csv");
    let out = run(&[
        "report",
        "--extended",
        "-o",
        target.to_str().unwrap(),
        &fixture("store_status.csv"),
        &fixture("menu_hours.csv"),
        &fixture("timezones.csv"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let expected = std::fs::read(format!("{FIXTURE}/report-extended.expected")).unwrap();
    assert_eq!(text(&std::fs::read(&target).unwrap()), text(&expected));
}

#[test]
fn summary_names_skipped_rows_defaults_and_now() {
    let out = run(&[
        "report",
        &fixture("store_status.csv"),
        &fixture("menu_hours.csv"),
        &fixture("timezones.csv"),
    ]);
    let err = text(&out.stderr);
    for expected in [
        "store_status.csv: status polls, 13 rows (1 skipped), 6 stores",
        "now: 2024-11-04 12:00:00 UTC (the latest poll)",
        "stores reported: 6",
        "1 without business hours, counted as open 24/7",
        "1 only in the hours/timezone files, not reported",
        "store_status.csv, line 14, timestamp_utc: `2023-01-2` is not a timestamp",
        "menu_hours.csv, line 8, dayOfWeek: `Mon` is not a weekday",
        "report: 6 rows written to standard output",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
}

#[test]
fn options_change_the_numbers() {
    let status = fixture("store_status.csv");
    // Status file alone: every store is open 24/7 in Chicago.
    let previous = text(&run(&["report", "--interpolation", "previous", &status]).stdout);
    // s-24x7: active from Oct 28 12:00 until Nov 4 11:00 (167 h), then inactive for an hour.
    assert!(
        previous.contains("\ns-24x7,0.00,23.00,167.00,60.00,1.00,1.00\n"),
        "{previous}"
    );
    // `now` 11:30: the 12:00 poll is ignored; the week starts Oct 28 11:30, the switch is at
    // the midpoint Nov 1 23:30: 84 h up, 84 h down, the last day and hour all down.
    let early = text(&run(&["report", "--now", "2024-11-04 11:30", &status]).stdout);
    assert!(
        early.contains("\ns-24x7,0.00,0.00,84.00,60.00,24.00,84.00\n"),
        "{early}"
    );

    let all = [
        status.clone(),
        fixture("menu_hours.csv"),
        fixture("timezones.csv"),
    ];
    let mut args = vec!["report", "--missing-day", "open"];
    args.extend(all.iter().map(String::as_str));
    let open = text(&run(&args).stdout);
    // split (London, GMT): Sunday and Monday keep their rows; Tue-Sat become 24 h: 120 h +
    // Sun 11:00-24:00 + Mon 00:00-01:00 = 134 h, all up; the last day still 13 h.
    assert!(
        open.contains("\nsplit,0.00,13.00,134.00,0.00,0.00,0.00\n"),
        "{open}"
    );
    // no-data: Monday keeps 13:00-14:00, so its Monday 11:00 poll is still outside: no data.
    assert!(
        open.contains("\nno-data,0.00,0.00,0.00,0.00,0.00,0.00\n"),
        "{open}"
    );
}

#[test]
fn standard_input_is_a_file_named_dash() {
    let status = std::fs::read(fixture("store_status.csv")).unwrap();
    let out = run_with_stdin(
        &[
            "report",
            "-",
            &fixture("menu_hours.csv"),
            &fixture("timezones.csv"),
        ],
        &status,
    );
    assert_eq!(out.status.code(), Some(0));
    let expected = std::fs::read(format!("{FIXTURE}/report.expected")).unwrap();
    assert_eq!(out.stdout, expected);
    assert!(text(&out.stderr).contains("-, line 14, timestamp_utc"));
}

#[test]
fn usage_errors_exit_2_with_usage() {
    for args in [
        &["report"][..],
        &[],
        &["report", "--interpolation", "linear", "x.csv"],
        &["report", "--now", "soon", "x.csv"],
        &["export", "x.csv"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains("usage: store-uptime report"),
            "{args:?}"
        );
        assert!(out.stdout.is_empty());
    }
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("--missing-day"));
}

#[test]
fn unusable_inputs_exit_1_naming_the_file_and_expected_columns() {
    let dir = scratch("bad-inputs");
    let status = fixture("store_status.csv");
    let cases: Vec<(String, &str)> = vec![
        (
            write(&dir, "empty.csv", b""),
            "empty.csv: the file is empty",
        ),
        (
            write(&dir, "logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0"),
            "logo.png: not a CSV text file",
        ),
        (
            write(&dir, "utf16.csv", b"\xFF\xFEs\0t\0o\0r\0e\0"),
            "utf16.csv: not a CSV text file (it is UTF-16",
        ),
        (
            write(&dir, "orders.csv", b"order_id,total\n1,9.50\n"),
            "orders.csv: the header `order_id,total` matches no input layout",
        ),
        (
            dir.join("missing.csv").to_string_lossy().into_owned(),
            "missing.csv: cannot open",
        ),
    ];
    for (path, expected) in cases {
        let out = run(&["report", &status, &path]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{path}: {err}");
        assert!(err.contains(expected), "expected {expected:?} in {err}");
        assert!(out.stdout.is_empty(), "no partial report");
        if !expected.contains("cannot open") {
            assert!(
                err.contains("store_id, status, timestamp_utc"),
                "names the expected columns: {err}"
            );
        }
    }
}

#[test]
fn a_run_without_status_polls_exits_1() {
    let out = run(&[
        "report",
        &fixture("menu_hours.csv"),
        &fixture("timezones.csv"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no status polls file"), "{err}");
    assert!(err.contains("store_id, status, timestamp_utc"), "{err}");

    let dir = scratch("no-valid-polls");
    let bad = write(
        &dir,
        "polls.csv",
        b"store_id,status,timestamp_utc\n1,up,yesterday\n",
    );
    let out = run(&["report", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no valid row"),
        "{}",
        text(&out.stderr)
    );
    // With a given `now` the (empty) report can still be written.
    let out = run(&["report", "--now", "2024-11-04 12:00", &bad]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout).lines().count(), 1);
}

#[test]
fn garbage_bytes_never_crash_the_binary() {
    let dir = scratch("garbage");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..40 {
        let mut bytes = b"store_id,status,timestamp_utc\n".to_vec();
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Mostly CSV-ish bytes, sometimes anything.
            let b = if seed.is_multiple_of(5) {
                (seed >> 8) as u8
            } else {
                b"0123456789-: ,\"\n\ractiveUTC"[(seed >> 16) as usize % 25]
            };
            bytes.push(b);
        }
        let path = write(&dir, &format!("g{i}.csv"), &bytes);
        let out = run(&["report", "--now", "2024-01-01 00:00", &path]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "case {i}: {:?} {}",
            out.status,
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains("panicked"), "case {i}");
    }
}
