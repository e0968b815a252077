//! The `store-uptime` binary, run as a user would: exit codes, messages, report bytes.

mod common;
use common::{run, run_with_stdin, scratch, text, write};

use std::process::Output;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

fn fixture(name: &str) -> String {
    format!("{FIXTURE}/input/{name}")
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

fn all_fixture_files() -> Vec<String> {
    ["store_status.csv", "menu_hours.csv", "timezones.csv"]
        .iter()
        .map(|f| fixture(f))
        .collect()
}

fn run_on_fixture(first: &[&str]) -> Output {
    let files = all_fixture_files();
    let args: Vec<&str> = first
        .iter()
        .copied()
        .chain(files.iter().map(String::as_str))
        .collect();
    run(&args)
}

#[test]
fn golden_outages_file() {
    let out = run_on_fixture(&["outages"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected = std::fs::read(format!("{FIXTURE}/outages.expected")).unwrap();
    assert_eq!(text(&out.stdout), text(&expected));
    assert!(text(&out.stderr).contains("outages: 4 rows written to standard output"));
}

#[test]
fn golden_text_summary_with_a_target() {
    let out = run_on_fixture(&["summary", "--target", "99.5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected = std::fs::read(format!("{FIXTURE}/summary-target.expected")).unwrap();
    assert_eq!(text(&out.stdout), text(&expected));
}

/// The JSON summary, field by field, from the arithmetic in the fixture's README.
#[test]
fn golden_json_summary() {
    let out = run_on_fixture(&["summary", "--json", "--target", "99.50"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["now_utc"], "2024-11-04 12:00:00");
    assert_eq!(json["week_start_utc"], "2024-10-28 12:00:00");
    assert_eq!(json["stores"], 6);
    let week = &json["fleet"]["last_week"];
    assert_eq!(
        (&week["uptime"], &week["downtime"], &week["uptime_pct"]),
        (
            &"103.50".into(),
            &"92.50".into(),
            &serde_json::Value::from("52.81")
        )
    );
    assert_eq!(json["fleet"]["last_hour"]["unit"], "minutes");
    assert_eq!(json["fleet"]["last_hour"]["uptime"], "30.00");
    assert_eq!(json["fleet"]["last_hour"]["downtime"], "60.00");
    assert_eq!(
        json["status_now"],
        serde_json::json!({"up": 1, "down": 0, "closed": 5, "no_data": 0})
    );
    let days: Vec<(&str, &str, &str)> = json["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["uptime_hours"].as_str().unwrap(),
                d["downtime_hours"].as_str().unwrap(),
                d["uptime_pct"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("24.00", "0.00", "100.00"),
            ("24.00", "0.00", "100.00"),
            ("24.00", "0.00", "100.00"),
            ("11.50", "12.50", "47.92"),
            ("0.00", "24.00", "0.00"),
            ("3.00", "28.00", "9.68"),
            ("17.00", "28.00", "37.78"),
        ]
    );
    assert_eq!(json["days"][6]["from_utc"], "2024-11-03 12:00:00");
    let timeline = json["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 672);
    for (k, start, open, share) in [
        (0, "2024-10-28 12:00:00", 1, "0.00"),
        (4, "2024-10-28 13:00:00", 1, "0.00"), // no-data is open, but has no status
        (334, "2024-10-31 23:30:00", 1, "100.00"),
        (520, "2024-11-02 22:00:00", 2, "50.00"),
        (528, "2024-11-03 00:00:00", 2, "100.00"),
        (572, "2024-11-03 11:00:00", 2, "50.00"),
        (646, "2024-11-04 05:30:00", 2, "50.00"),
        (652, "2024-11-04 07:00:00", 2, "100.00"),
        (671, "2024-11-04 11:45:00", 1, "0.00"),
    ] {
        assert_eq!(timeline[k]["start_utc"], start, "slot {k}");
        assert_eq!(timeline[k]["open"], open, "slot {k}");
        assert_eq!(timeline[k]["down_share"], share, "slot {k}");
    }
    assert_eq!(json["down_now"], serde_json::json!([]));
    assert_eq!(
        json["outages"],
        serde_json::json!({
            "count": 4, "ongoing": 0, "total_minutes": "5550.00",
            "longest": {"store_id": "s-24x7", "start_utc": "2024-10-31 23:30:00",
                        "end_utc": "2024-11-04 11:30:00", "down_minutes": "5040.00", "ongoing": false}
        })
    );
    let target = &json["target"];
    assert_eq!(target["target_pct"], "99.50");
    assert_eq!(target["stores_below_count"], 4);
    let below: Vec<(&str, &str)> = target["stores_below"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["store_id"].as_str().unwrap(),
                s["uptime_pct"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        below,
        [
            ("dst-chicago", "0.00"),
            ("=formula", "43.75"),
            ("overnight", "50.00"),
            ("s-24x7", "50.00")
        ]
    );
    // 0.5 % of 196 h = 0.98 h = 58.80 min; 92.50 h = 5550 min used.
    assert_eq!(
        target["error_budget"],
        serde_json::json!({"allowed_minutes": "58.80", "used_minutes": "5550.00",
                           "remaining_minutes": "-5491.20", "used_pct": "9438.78"})
    );
}

#[test]
fn json_without_a_target_has_a_null_target() {
    let out = run_on_fixture(&["summary", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["target"].is_null());
}

#[test]
fn fail_below_exits_3_only_below_and_still_writes() {
    // The fleet's week: 103.5 h up of 196 h = 52.806… %.
    let out = run_on_fixture(&["summary", "--fail-below", "52.81", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok());
    assert!(
        text(&out.stderr).contains("uptime last week, 52.81 %, is below 52.81 %"),
        "{}",
        text(&out.stderr)
    );
    let out = run_on_fixture(&["summary", "--fail-below", "52.80"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn summary_options_are_checked() {
    for (args, expected) in [
        (
            &["summary", "--target", "101"][..],
            "`101` is not a percentage",
        ),
        (
            &["summary", "--fail-below", "99.999"],
            "is not a percentage",
        ),
        (
            &["report", "--json"],
            "--json is an option of `summary` only",
        ),
        (
            &["outages", "--extended"],
            "--extended is an option of `report` only",
        ),
        (
            &["outages", "--target", "99"],
            "--target is an option of `summary`, `calls` and `html` only",
        ),
        (
            &["calls", "--json"],
            "--json is an option of `summary` only",
        ),
        (
            &["report", "--zone", "UTC"],
            "--zone is an option of `html` only",
        ),
        (
            &["html", "--zone", "Mars/Olympus"],
            "--zone: `Mars/Olympus` is not an IANA time zone",
        ),
    ] {
        let out = run_on_fixture(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    }
    let out = run(&["outages", "/nonexistent/file.csv"]);
    assert_eq!(out.status.code(), Some(1));
}

/// `calls`: the stores below the target (worst first, as the summary lists them), with the
/// extended report's uptime %, downtime, status and last poll; a store down now comes first
/// with the start of its ongoing outage.
#[test]
fn calls_lists_down_now_then_below_target_with_the_reports_figures() {
    let out = run_on_fixture(&["calls", "--target", "99.5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let extended = std::fs::read_to_string(format!("{FIXTURE}/report-extended.expected")).unwrap();
    let mut lines = extended.lines();
    let cols: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| cols.iter().position(|c| *c == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let row_of = |id: &str| rows.iter().find(|r| r[0] == id).unwrap();
    let mut expected = String::from(
        "store_id,reason,uptime_pct_last_week,downtime_last_week,status_now,down_since_utc,last_poll_utc\n",
    );
    // The summary's order for 99.50 %: dst-chicago, =formula, overnight, s-24x7.
    for id in ["dst-chicago", "'=formula", "overnight", "s-24x7"] {
        let r = row_of(id);
        expected.push_str(&format!(
            "{id},below target,{},{},{},,{}\n",
            r[col("uptime_pct_last_week")],
            r[col("downtime_last_week")],
            r[col("status_now")],
            r[col("last_poll_utc")],
        ));
    }
    // Then the store without data (no poll in its hours), in report order.
    let r = row_of("no-data");
    expected.push_str(&format!(
        "no-data,no data,,{},{},,{}\n",
        r[col("downtime_last_week")],
        r[col("status_now")],
        r[col("last_poll_utc")],
    ));
    assert_eq!(text(&out.stdout), expected);
    assert!(text(&out.stderr).contains("stores to call: 5 rows"));

    // Half an hour before the outage ends, s-24x7 is down now: first, with since when.
    let out = run_on_fixture(&["calls", "--now", "2024-11-04 11:00:00"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let first = stdout.lines().nth(1).unwrap();
    assert!(
        first.starts_with("s-24x7,down now,") && first.contains(",down,2024-10-31 23:30:00,"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("s-24x7").count(), 1, "listed once: {stdout}");
}

/// `html` writes the report file: the page's file, with the summary's numbers in it.
#[test]
fn html_writes_one_self_contained_file() {
    let out = run_on_fixture(&["html", "--target", "99.5", "--zone", "Europe/Paris"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = text(&out.stdout);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(!html.contains("<script"));
    assert!(html.contains(" Europe/Paris</h1>"));
    assert!(html.contains("Uptime target 99.50 %"));
    let summary = run_on_fixture(&["summary", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&summary.stdout).unwrap();
    let week = json["fleet"]["last_week"]["uptime_pct"].as_str().unwrap();
    assert!(
        html.contains(&format!("<span class=\"value\">{week} %</span>")),
        "{week}"
    );
    assert!(text(&out.stderr).contains("report file (HTML)"));
}
