//! Command-line edges a shell user meets: switches given values, `-o -`, standard input
//! named twice, and an output closed early (`| head`).

mod common;
use common::{run, scratch, text, write};

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const STATUS: &str = "store_id,status,timestamp_utc\n\
    a,active,2024-11-04 10:00:00 UTC\n\
    b,inactive,2024-11-04 11:00:00 UTC\n";

#[test]
fn extended_given_a_value_is_a_usage_error_not_switched_on() {
    let dir = scratch("extended-value");
    let status = write(&dir, "status.csv", STATUS.as_bytes());
    for flag in [
        "--extended=no",
        "--extended=false",
        "--extended=yes",
        "--help=1",
    ] {
        let out = run(&["report", flag, &status]);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("takes no value"),
            "{flag}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{flag}: no report on a usage error");
    }
    // Options that take a value still take it after `=`.
    let out = run(&["report", "--interpolation=previous", &status]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn output_dash_means_standard_output_not_a_file_named_dash() {
    let dir = scratch("output-dash");
    let status = write(&dir, "status.csv", STATUS.as_bytes());
    let out = Command::new(env!("CARGO_BIN_EXE_store-uptime"))
        .args(["report", "-o", "-", &status])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("store_id,uptime_last_hour"));
    assert_eq!(text(&out.stdout).lines().count(), 3);
    assert!(text(&out.stderr).contains("written to standard output"));
    assert!(!dir.join("-").exists(), "no file named `-` is made");
}

#[test]
fn standard_input_named_twice_is_a_usage_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_store-uptime"))
        .args(["report", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The usage error comes before any read, so standard input may be closed unread.
    let _ = child.stdin.take().unwrap().write_all(STATUS.as_bytes());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("can be read only once"),
        "{}",
        text(&out.stderr)
    );
}

/// Runs `command` on `stores` stores (one poll each, `status`), reads the first line of its
/// output as `| head -1` does, closes the pipe, and checks what the user is told.
fn closed_early(command: &str, status: &str, header: &str) {
    // Enough rows that the output outgrows a pipe's buffer (64 KiB on Linux).
    let dir = scratch(&format!("closed-early-{command}"));
    let mut polls = String::from("store_id,status,timestamp_utc\n");
    let stores = 20_000;
    for i in 0..stores {
        polls.push_str(&format!(
            "store-number-{i:08},{status},2024-11-04 10:00:00 UTC\n"
        ));
    }
    let polls = write(&dir, "status.csv", polls.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_store-uptime"))
        .args([command, &polls])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with(header), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("standard output was closed after")
            && stderr.contains(&format!("of {stores} rows"))
            && stderr.contains("incomplete"),
        "{stderr}"
    );
    assert!(!stderr.contains("rows written to"), "{stderr}");
}

#[test]
fn output_closed_early_says_how_far_it_got_and_exits_non_zero() {
    closed_early("report", "active", "store_id,uptime_last_hour,");
}

#[test]
fn outage_file_closed_early_says_how_far_it_got_and_exits_non_zero() {
    // Every store inactive at its only poll: down all week, one outage each.
    closed_early("outages", "inactive", "store_id,start_utc,");
}
