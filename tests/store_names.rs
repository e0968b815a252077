//! The optional store names file through the command line: recognised by its header,
//! appended as `name`, `region` to the extended report (formula-safe), and nothing else
//! changes — the plain report and, without a names file, the extended one stay byte for
//! byte what they were.

mod common;
use common::{run, scratch, text, write};

use std::collections::HashMap;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small/input");
const FILES: [&str; 3] = ["store_status.csv", "menu_hours.csv", "timezones.csv"];

fn report(extra: &[&str], more: &[&str]) -> (String, String) {
    let paths: Vec<String> = FILES.iter().map(|f| format!("{FIXTURE}/{f}")).collect();
    let mut args = vec!["report"];
    args.extend(extra);
    args.extend(paths.iter().map(String::as_str));
    args.extend(more);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

/// A CSV field as the report writes it: a leading `'` before a formula, quoted when needed.
fn field(value: &str) -> String {
    let safe = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if safe.contains([',', '"']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

#[test]
fn names_are_appended_to_the_extended_report_and_change_nothing_else() {
    let dir = scratch("names");
    // Ids as the status file has them (one a formula), one id it lacks, one repeat.
    let names = "store_id,name,region\n\
        =formula,=HYPERLINK(\"x\"),North\n\
        s-24x7,\"Main Street, corner\",South\n\
        split,Station,\n\
        s-24x7,Harbour,South\n\
        closed-2019,Old Mill,North\n";
    let names_path = write(&dir, "store names.csv", names.as_bytes());
    let given: HashMap<&str, (&str, &str)> = [
        ("'=formula", ("=HYPERLINK(\"x\")", "North")),
        ("s-24x7", ("Main Street, corner", "South")),
        ("split", ("Station", "")),
    ]
    .into_iter()
    .collect();

    let (plain, _) = report(&[], &[]);
    let (with_names, summary) = report(&[], &[&names_path]);
    assert_eq!(with_names, plain, "the plain report never changes");
    assert!(
        summary.contains("store names.csv: store names, 5 rows (1 skipped), 4 stores"),
        "{summary}"
    );
    assert!(
        summary.contains("1 named in the store names file but without polls"),
        "{summary}"
    );
    assert!(summary.contains("store names.csv, line 5, store_id: `s-24x7` ignored: an earlier row gave this store another name"), "{summary}");

    let (extended, _) = report(&["--extended"], &[]);
    let (named, _) = report(&["--extended"], &[&names_path]);
    let mut expected = String::new();
    for (i, line) in extended.lines().enumerate() {
        expected.push_str(line);
        if i == 0 {
            expected.push_str(",name,region");
        } else {
            let id = line.split(',').next().unwrap();
            let (name, region) = given.get(id).copied().unwrap_or(("", ""));
            expected.push_str(&format!(",{},{}", field(name), field(region)));
        }
        expected.push('\n');
    }
    assert_eq!(named, expected);
    assert!(
        named.contains(",\"'=HYPERLINK(\"\"x\"\")\",North\n"),
        "{named}"
    );
}

#[test]
fn a_header_of_several_layouts_is_read_as_the_first() {
    let dir = scratch("names-first");
    // Both a timezones and a names header: read as timezones, so no names column appears.
    let both = write(
        &dir,
        "both.csv",
        b"store_id,timezone_str,name\nsplit,Asia/Tokyo,Station\n",
    );
    let (extended, summary) = report(&["--extended"], &[&both]);
    assert!(summary.contains("both.csv: timezones"), "{summary}");
    assert!(!extended.lines().next().unwrap().ends_with(",name,region"));
}
