//! The engine, through the real command line, against the brute-force reference in
//! `tests/reference`, on nasty data from the project's generator (`store_uptime::generate`),
//! over weeks that contain DST changes.
//!
//! Every run writes the three files to a fresh temporary directory, runs
//! `store-uptime report` for both interpolations and both `missing_day` settings, parses
//! its CSV and compares every store and every number with the reference.

mod reference;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::NaiveDateTime;
use chrono_tz::America::{Chicago, Los_Angeles, New_York};
use chrono_tz::Australia::Lord_Howe;
use chrono_tz::Europe::London;
use chrono_tz::Pacific::Chatham;
use chrono_tz::Tz;
use reference::{
    formula_safe, hundredths, Interp, Micros, Missing, Poll, Store, StoreResult, HOUR, MINUTE,
    SECOND, WEEK, WINDOW_NAMES, WINDOW_UNITS,
};
use store_uptime::engine::report::Hundredths;
use store_uptime::generate::{
    GenConfig, GeneratedData, IdStyle, Precision, HOURS_FILE, STATUS_FILE, TIMEZONES_FILE,
};

fn utc(text: &str) -> Micros {
    let dt = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").expect("a timestamp");
    dt.and_utc().timestamp_micros()
}

/// A directory under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "store-uptime-differential-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn generate(
    seed: u64,
    stores: usize,
    end: &str,
    precision: Precision,
    id_style: IdStyle,
) -> GeneratedData {
    let config = GenConfig {
        days: 9, // the whole week, and observations before it that decide its start
        end: utc(end),
        precision,
        id_style,
        nasty: true,
        ..GenConfig::public_like(seed, stores)
    };
    GeneratedData::generate(config)
}

/// What the engine should read from the files, in the reference's terms.
fn reference_data(data: &GeneratedData) -> (Vec<Store>, Vec<Poll>, Micros) {
    let stores = data
        .stores
        .iter()
        .map(|s| Store {
            id: s.id.clone(),
            zone: s.zone,
            hours: s
                .hours
                .iter()
                .map(|h| reference::Row {
                    day: h.day,
                    start: h.start,
                    end: h.end,
                })
                .collect(),
        })
        .collect();
    let polls: Vec<Poll> = data
        .polls
        .iter()
        .map(|p| Poll {
            store: p.store,
            at: p.at,
            active: p.active,
        })
        .collect();
    // SPEC §3: `now` is the latest valid poll.
    let now = polls.iter().map(|p| p.at).max().expect("generated polls");
    (stores, polls, now)
}

const COLUMNS: [&str; 7] = [
    "store_id",
    "uptime_last_hour",
    "uptime_last_day",
    "uptime_last_week",
    "downtime_last_hour",
    "downtime_last_day",
    "downtime_last_week",
];
const EXTENDED: [&str; 6] = [
    "business_hours_last_week",
    "observations_last_week",
    "uptime_pct_last_week",
    "timezone",
    "hours_defaulted",
    "timezone_defaulted",
];

/// Runs `store-uptime report` on the three files in `dir`; returns its standard output.
fn run_cli(dir: &Path, interpolation: Interp, missing_day: Missing, extended: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_store-uptime"));
    command.arg("report");
    command.args([
        "--interpolation",
        if interpolation == Interp::Nearest {
            "nearest"
        } else {
            "previous"
        },
    ]);
    command.args([
        "--missing-day",
        if missing_day == Missing::Closed {
            "closed"
        } else {
            "open"
        },
    ]);
    if extended {
        command.arg("--extended");
    }
    // Any order: the files are recognised by their headers (SPEC §1).
    command.args([TIMEZONES_FILE, STATUS_FILE, HOURS_FILE].map(|f| dir.join(f)));
    let output = command.output().expect("the store-uptime binary runs");
    assert!(
        output.status.success(),
        "store-uptime failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the report is UTF-8")
}

/// The report's rows: the header checked, then each row's fields.
fn parse_report(text: &str, extended: bool) -> Vec<Vec<String>> {
    assert!(!text.contains('\r'), "SPEC §7: LF line endings");
    assert!(!text.starts_with('\u{FEFF}'), "SPEC §7: no byte-order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let mut want: Vec<&str> = COLUMNS.to_vec();
    if extended {
        want.extend(EXTENDED);
        // SPEC §9's columns, compared by `compare_figures`.
        want.extend([
            "status_now",
            "last_poll_utc",
            "outages_last_week",
            "longest_outage_minutes",
        ]);
    }
    assert_eq!(header, want, "SPEC §7 header");
    reader
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// `hundredths` as the report writes them: two decimals (the engine's one formatter).
fn two_decimals(h: i64) -> String {
    Hundredths(h).to_string()
}

/// Compares one CLI report with the reference. `exact`: the reference is exact and the
/// values must agree to 0.01; otherwise within the reference's sampling bound plus the
/// report's rounding (0.005).
#[allow(clippy::too_many_arguments)]
fn compare(
    label: &str,
    stores: &[Store],
    polls: &[Poll],
    now: Micros,
    expected: &[StoreResult],
    report: &str,
    extended: bool,
    exact: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let rows = parse_report(report, extended);

    // SPEC §2, §7: exactly the stores with a valid poll, sorted by id bytes.
    let mut listed: Vec<usize> = (0..stores.len())
        .filter(|&i| polls.iter().any(|p| p.store == i))
        .collect();
    listed.sort_by(|&a, &b| stores[a].id.as_bytes().cmp(stores[b].id.as_bytes()));
    let want_ids: Vec<String> = listed
        .iter()
        .map(|&i| formula_safe(&stores[i].id))
        .collect();
    let got_ids: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    if got_ids != want_ids {
        let missing: Vec<&String> = want_ids.iter().filter(|id| !got_ids.contains(id)).collect();
        let extra: Vec<&String> = got_ids.iter().filter(|id| !want_ids.contains(id)).collect();
        problems.push(format!(
            "{label}: listed stores differ (or their order): {} listed, {} expected; missing {missing:?}, unexpected {extra:?}",
            got_ids.len(),
            want_ids.len()
        ));
        return problems;
    }

    for (row, &i) in rows.iter().zip(&listed) {
        let r = &expected[i];
        let id = &stores[i].id;
        for (c, column) in COLUMNS.iter().enumerate().skip(1) {
            let w = (c - 1) % 3;
            let value = if c <= 3 { r.up[w] } else { r.down[w] };
            let unit = WINDOW_UNITS[w];
            let engine: f64 = match row[c].parse() {
                Ok(v) => v,
                Err(_) => {
                    problems.push(format!(
                        "{label}: {id} {column}: not a number: {:?}",
                        row[c]
                    ));
                    continue;
                }
            };
            let (shown, slack) = if exact {
                (two_decimals(hundredths(value, unit)), 0.01)
            } else {
                let bound = r.tolerance[w] as f64 / unit as f64;
                (
                    format!("{:.4} ± {bound:.4}", value as f64 / unit as f64),
                    0.005 + bound,
                )
            };
            let reference = value as f64 / unit as f64;
            let close = if exact {
                (engine - hundredths(value, unit) as f64 / 100.0).abs() <= slack + 1e-9
            } else {
                (engine - reference).abs() <= slack + 1e-9
            };
            if !close || row[c].split('.').nth(1).map(str::len) != Some(2) {
                problems.push(format!(
                    "{label}: store {id} {column}: engine {} reference {shown} (zone {:?}, rows {:?}, {} observations, window {})",
                    row[c],
                    stores[i].zone,
                    stores[i].hours,
                    r.observations.len(),
                    WINDOW_NAMES[w]
                ));
            }
        }
        if extended {
            let business = r.business[2];
            let obs_week = r.observations.iter().filter(|o| o.0 >= now - WEEK).count();
            let zone = stores[i].zone.unwrap_or(reference::DEFAULT_ZONE);
            let mut want = vec![
                if exact {
                    two_decimals(hundredths(business, HOUR))
                } else {
                    row[7].clone()
                },
                obs_week.to_string(),
            ];
            // 100 * up / business, half up; only exact runs know it to the hundredth.
            want.push(if business == 0 {
                String::new()
            } else if exact && r.has_observation() {
                two_decimals(
                    ((r.up[2] as i128 * 20_000 + business as i128) / (2 * business as i128)) as i64,
                )
            } else if exact {
                "0.00".to_string()
            } else {
                row[9].clone()
            });
            want.push(zone.name().to_string());
            want.push(stores[i].hours.is_empty().to_string());
            want.push(stores[i].zone.is_none().to_string());
            for (k, (got, want)) in row[7..].iter().zip(&want).enumerate() {
                if got != want {
                    problems.push(format!(
                        "{label}: store {id} {}: engine {got:?} reference {want:?} (zone {:?}, rows {:?})",
                        EXTENDED[k], stores[i].zone, stores[i].hours
                    ));
                }
            }
        }
    }
    problems
}

fn assert_no_problems(problems: Vec<String>) {
    if problems.is_empty() {
        return;
    }
    let mut text = format!(
        "{} differences between the engine and the reference:\n",
        problems.len()
    );
    for p in problems.iter().take(60) {
        let _ = writeln!(text, "  {p}");
    }
    if problems.len() > 60 {
        let _ = writeln!(text, "  … and {} more", problems.len() - 60);
    }
    panic!("{text}");
}

/// How many stores in `zone` are open in the minute before or after one of its UTC offset
/// changes inside the week: the stores whose numbers depend on SPEC §4's DST rules.
fn open_across_a_dst_change(stores: &[Store], now: Micros, zone: Tz) -> usize {
    let offset = |t: Micros| reference::wall_clock(zone, t).and_utc().timestamp_micros() - t;
    let changes: Vec<Micros> = (0..WEEK / MINUTE)
        .map(|k| now - WEEK + k * MINUTE)
        .filter(|&t| offset(t - MINUTE) != offset(t))
        .collect();
    stores
        .iter()
        .filter(|s| reference::zone_of(s) == zone)
        .filter(|s| {
            changes.iter().any(|&t| {
                [t - MINUTE, t].iter().any(|&u| {
                    reference::is_open(&s.hours, Missing::Closed, &reference::wall_clock(zone, u))
                })
            })
        })
        .count()
}

/// One generated data set, every interpolation and missing-day setting, exact reference.
/// `exercised`: zones that must have a store open across a DST change in the week, so the
/// run really tests SPEC §4 there (if the generator changes, pick another seed).
fn whole_minute_run(label: &str, seed: u64, end: &str, id_style: IdStyle, exercised: &[Tz]) {
    let data = generate(seed, 150, end, Precision::WholeMinutes, id_style);
    let dir = TempDir::new(label);
    data.write_all(&dir.0).expect("writing the generated files");
    let (stores, polls, now) = reference_data(&data);
    assert_eq!(
        now,
        utc(end) / (60 * SECOND) * (60 * SECOND),
        "the generator puts the latest poll at `end`"
    );
    for &zone in exercised {
        let n = open_across_a_dst_change(&stores, now, zone);
        assert!(
            n > 0,
            "{label}: no store in {zone} is open across its DST change; pick another seed"
        );
    }
    let mut problems = Vec::new();
    for missing_day in [Missing::Closed, Missing::Open] {
        for interpolation in [Interp::Nearest, Interp::Previous] {
            let input = reference::Input {
                stores: &stores,
                polls: &polls,
                now,
                interpolation,
                missing_day,
            };
            let expected = reference::exact(&input);
            let extended = interpolation == Interp::Nearest;
            let report = run_cli(&dir.0, interpolation, missing_day, extended);
            let run = format!("{label} {interpolation:?}/{missing_day:?}");
            problems.extend(compare(
                &run, &stores, &polls, now, &expected, &report, extended, true,
            ));
        }
    }
    assert_no_problems(problems);
}

#[test]
fn spec_4_5_6_cli_equals_reference_over_the_us_spring_forward() {
    // Week [03-07 17:23, 03-14 17:23) UTC holds the US change of 2024-03-10; Europe's
    // (03-31) is not inside.
    whole_minute_run(
        "us-spring",
        11,
        "2024-03-14 17:23:00",
        IdStyle::Uuid,
        &[New_York, Chicago, Los_Angeles],
    );
}

#[test]
fn spec_4_5_6_cli_equals_reference_over_the_us_fall_back() {
    // The US change of 2024-11-03 (the repeated hour counts twice); integer ids and the
    // `day` header of the 2023 data set.
    whole_minute_run(
        "us-fall",
        12,
        "2024-11-06 09:41:00",
        IdStyle::Integer,
        &[New_York, Chicago, Los_Angeles],
    );
}

#[test]
fn spec_4_5_6_cli_equals_reference_over_lord_howes_spring_forward() {
    // Lord Howe: 2024-10-06 02:00 +10:30 becomes 02:30 +11:00 (2024-10-05 15:30 UTC).
    whole_minute_run(
        "lord-howe",
        20,
        "2024-10-09 03:17:00",
        IdStyle::Uuid,
        &[Lord_Howe],
    );
}

#[test]
fn spec_4_5_6_cli_equals_reference_over_chathams_spring_forward() {
    // Chatham: 2024-09-29 02:45 +12:45 becomes 03:45 +13:45 (2024-09-28 14:00 UTC). More
    // than a week before Lord Howe's, so it needs its own run.
    whole_minute_run(
        "chatham",
        21,
        "2024-10-02 22:05:00",
        IdStyle::Integer,
        &[Chatham],
    );
}

#[test]
fn spec_4_5_6_cli_equals_reference_over_europe_forward_and_the_southern_fall_back() {
    // Europe forward 2024-03-31 01:00 UTC; Chatham back 2024-04-06 14:00 UTC and Lord Howe
    // back 15:00 UTC, both inside the last day too.
    whole_minute_run(
        "april",
        45,
        "2024-04-06 23:00:00",
        IdStyle::Uuid,
        &[London, Lord_Howe, Chatham],
    );
}

/// Microsecond timestamps (as the real exports): boundaries no longer lie on a grid, so
/// the reference samples with a fine step and bounds its error (see `reference::sampled`):
/// at most one step per boundary in the window, where the boundaries are counted as the
/// business-time edges the samples see (all of them: hours are whole seconds and the steps
/// divide a second) plus one per pair of consecutive observations with different statuses.
/// Steps of 10 ms, 100 ms and 1 s for the hour, day and week keep that bound well below
/// the report's 0.01 in most stores (a store with 30 boundaries in the week gets 30 s, less
/// than 0.01 h), and the check adds 0.005 for the report's rounding. Fewer stores, since
/// sampling the week by the second is 20 times the work of the exact runs.
#[test]
fn spec_6_cli_is_within_the_sampling_bound_on_microsecond_data() {
    let end = "2024-11-05 13:37:42.123456"; // the week holds the US fall back
    let data = generate(21, 30, end, Precision::Micros, IdStyle::Uuid);
    let dir = TempDir::new("micros");
    data.write_all(&dir.0).expect("writing the generated files");
    let (stores, polls, now) = reference_data(&data);
    assert_eq!(now, utc(end));
    assert!(
        polls.iter().any(|p| p.at % SECOND != 0),
        "the data should have microseconds"
    );
    let mut problems = Vec::new();
    for (interpolation, missing_day) in [
        (Interp::Nearest, Missing::Closed),
        (Interp::Previous, Missing::Open),
    ] {
        let input = reference::Input {
            stores: &stores,
            polls: &polls,
            now,
            interpolation,
            missing_day,
        };
        let expected = reference::sampled(&input, [10_000, 100_000, SECOND]);
        let report = run_cli(&dir.0, interpolation, missing_day, false);
        let run = format!("micros {interpolation:?}/{missing_day:?}");
        problems.extend(compare(
            &run, &stores, &polls, now, &expected, &report, false, false,
        ));
    }
    assert_no_problems(problems);
}

// ---------------------------------------------------------------------------------------
// SPEC §9: outages, status now, last poll, the week by day and the fleet timeline, through
// the `outages`, `report --extended` and `summary --json` commands, against the reference's
// brute force on the 30-second grid (`reference::figures`).
// ---------------------------------------------------------------------------------------

fn run_cmd(dir: &Path, args: &[&str], interpolation: Interp, missing_day: Missing) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_store-uptime"));
    command.args(args);
    command.args([
        "--interpolation",
        if interpolation == Interp::Nearest {
            "nearest"
        } else {
            "previous"
        },
        "--missing-day",
        if missing_day == Missing::Closed {
            "closed"
        } else {
            "open"
        },
    ]);
    command.args([STATUS_FILE, HOURS_FILE, TIMEZONES_FILE].map(|f| dir.join(f)));
    let output = command.output().expect("the store-uptime binary runs");
    assert!(
        output.status.success(),
        "store-uptime {args:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn csv_quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn percent(part: Micros, whole: Micros) -> String {
    if whole == 0 {
        return String::new();
    }
    two_decimals(((part as i128 * 20_000 + whole as i128) / (2 * whole as i128)) as i64)
}

/// Runs the three commands on the files in `dir` and compares them with the reference.
fn compare_figures(
    label: &str,
    dir: &Path,
    stores: &[Store],
    polls: &[Poll],
    now: Micros,
    interpolation: Interp,
    missing_day: Missing,
) -> Vec<String> {
    let mut problems = Vec::new();
    let input = reference::Input {
        stores,
        polls,
        now,
        interpolation,
        missing_day,
    };
    let expected = reference::figures(&input);
    assert!(
        expected.iter().any(|f| !f.outages.is_empty()),
        "{label}: no outage at all, the comparison would prove little"
    );
    let now_text = reference::format_seconds(now);
    let now_args = ["--now", now_text.as_str()];
    let mut listed: Vec<usize> = (0..stores.len())
        .filter(|&i| polls.iter().any(|p| p.store == i))
        .collect();
    listed.sort_by(|&a, &b| stores[a].id.as_bytes().cmp(stores[b].id.as_bytes()));

    // The outage file, whole.
    let mut want = String::from(
        "store_id,start_utc,end_utc,start_local,end_local,down_minutes,ongoing,from_week_start\n",
    );
    for &i in &listed {
        let zone = reference::zone_of(&stores[i]);
        for o in &expected[i].outages {
            let _ = writeln!(
                want,
                "{},{},{},{},{},{},{},{}",
                csv_quote(&formula_safe(&stores[i].id)),
                reference::format_seconds(o.start),
                reference::format_seconds(o.end),
                reference::format_local(zone, o.start),
                reference::format_local(zone, o.end),
                two_decimals(hundredths(o.down, MINUTE)),
                o.ongoing,
                o.from_week_start
            );
        }
    }
    let mut args = vec!["outages"];
    args.extend(now_args);
    let got = run_cmd(dir, &args, interpolation, missing_day);
    if got != want {
        let diff: Vec<String> = got
            .lines()
            .zip(want.lines())
            .filter(|(g, w)| g != w)
            .take(10)
            .map(|(g, w)| format!("engine {g}\n      reference {w}"))
            .collect();
        problems.push(format!(
            "{label}: outage files differ ({} vs {} lines):\n      {}",
            got.lines().count(),
            want.lines().count(),
            diff.join("\n      ")
        ));
    }

    // The extended report's four new columns.
    let mut args = vec!["report", "--extended"];
    args.extend(now_args);
    let report = run_cmd(dir, &args, interpolation, missing_day);
    let mut reader = csv::Reader::from_reader(report.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[13..],
        [
            "status_now",
            "last_poll_utc",
            "outages_last_week",
            "longest_outage_minutes"
        ]
    );
    for (record, &i) in reader.records().zip(&listed) {
        let record = record.unwrap();
        let f = &expected[i];
        let longest = f.outages.iter().map(|o| o.down).max().unwrap_or(0);
        let want = [
            f.status_now.to_string(),
            f.last_poll
                .map(reference::format_seconds)
                .unwrap_or_default(),
            f.outages.len().to_string(),
            two_decimals(hundredths(longest, MINUTE)),
        ];
        let got: Vec<&str> = record.iter().skip(13).collect();
        if got != want {
            problems.push(format!(
                "{label}: store {} new columns: engine {got:?} reference {want:?}",
                stores[i].id
            ));
        }
    }

    // The summary's week by day, timeline and status counts.
    let mut args = vec!["summary", "--json"];
    args.extend(now_args);
    let json: serde_json::Value =
        serde_json::from_str(&run_cmd(dir, &args, interpolation, missing_day)).unwrap();
    for k in 0..7 {
        let (up, down): (Micros, Micros) = listed
            .iter()
            .map(|&i| expected[i].periods[k])
            .fold((0, 0), |a, p| (a.0 + p.0, a.1 + p.1));
        let day = &json["days"][k];
        let want = [
            two_decimals(hundredths(up, HOUR)),
            two_decimals(hundredths(down, HOUR)),
            percent(up, up + down),
        ];
        let got = [
            day["uptime_hours"].as_str().unwrap_or("?").to_string(),
            day["downtime_hours"].as_str().unwrap_or("?").to_string(),
            day["uptime_pct"].as_str().unwrap_or("").to_string(),
        ];
        if got != want {
            problems.push(format!(
                "{label}: period {}: engine {got:?} reference {want:?}",
                k + 1
            ));
        }
    }
    for k in 0..672 {
        let (mut up, mut down, mut open) = (0, 0, 0);
        for &i in &listed {
            let (u, d) = expected[i].slots[k];
            up += u;
            down += d;
            open += u64::from(u + d > 0);
        }
        let slot = &json["timeline"][k];
        let got = (
            slot["open"].as_u64(),
            slot["down_share"].as_str().unwrap_or("").to_string(),
        );
        let want = (Some(open), percent(down, up + down));
        if got != want {
            problems.push(format!(
                "{label}: slot {k}: engine {got:?} reference {want:?}"
            ));
        }
    }
    for (name, key) in [
        ("up", "up"),
        ("down", "down"),
        ("closed", "closed"),
        ("no data", "no_data"),
    ] {
        let want = listed
            .iter()
            .filter(|&&i| expected[i].status_now == name)
            .count() as u64;
        if json["status_now"][key].as_u64() != Some(want) {
            problems.push(format!(
                "{label}: status_now.{key}: engine {} reference {want}",
                json["status_now"][key]
            ));
        }
    }
    problems
}

fn figures_run_generated(label: &str, seed: u64, end: &str, id_style: IdStyle) {
    let data = generate(seed, 60, end, Precision::WholeMinutes, id_style);
    let dir = TempDir::new(label);
    data.write_all(&dir.0).expect("writing the generated files");
    let (stores, polls, now) = reference_data(&data);
    let mut problems = Vec::new();
    for (interpolation, missing_day) in [
        (Interp::Nearest, Missing::Closed),
        (Interp::Previous, Missing::Open),
    ] {
        let run = format!("{label} {interpolation:?}/{missing_day:?}");
        problems.extend(compare_figures(
            &run,
            &dir.0,
            &stores,
            &polls,
            now,
            interpolation,
            missing_day,
        ));
    }
    assert_no_problems(problems);
}

#[test]
fn spec_9_generated_over_the_us_fall_back() {
    figures_run_generated("fig-us-fall", 12, "2024-11-06 09:41:00", IdStyle::Integer);
}

#[test]
fn spec_9_generated_over_the_us_spring_forward() {
    figures_run_generated("fig-us-spring", 11, "2024-03-14 17:23:00", IdStyle::Uuid);
}

fn row(day: u8, start: &str, end: &str) -> reference::Row {
    let tod = |s: &str| {
        let (h, m) = s.split_once(':').unwrap();
        h.parse::<Micros>().unwrap() * HOUR + m.parse::<Micros>().unwrap() * MINUTE
    };
    reference::Row {
        day,
        start: tod(start),
        end: tod(end),
    }
}

fn every_day(start: &str, end: &str) -> Vec<reference::Row> {
    (0..7).map(|d| row(d, start, end)).collect()
}

/// Hand-made stores for each case SPEC §9 names, written as files and compared with the
/// reference for both interpolations.
fn figures_run_cases(label: &str, now: &str, cases: Vec<(Store, Vec<(&str, bool)>)>) {
    let mut stores = Vec::new();
    let mut polls = Vec::new();
    for (i, (store, times)) in cases.into_iter().enumerate() {
        stores.push(store);
        for (at, active) in times {
            polls.push(Poll {
                store: i,
                at: utc(at),
                active,
            });
        }
    }
    let dir = TempDir::new(label);
    let [status, hours, zones] = reference::csv_files(&stores, &polls);
    std::fs::write(dir.0.join(STATUS_FILE), status).unwrap();
    std::fs::write(dir.0.join(HOURS_FILE), hours).unwrap();
    std::fs::write(dir.0.join(TIMEZONES_FILE), zones).unwrap();
    let mut problems = Vec::new();
    for interpolation in [Interp::Nearest, Interp::Previous] {
        for missing_day in [Missing::Closed, Missing::Open] {
            let run = format!("{label} {interpolation:?}/{missing_day:?}");
            problems.extend(compare_figures(
                &run,
                &dir.0,
                &stores,
                &polls,
                utc(now),
                interpolation,
                missing_day,
            ));
        }
    }
    assert_no_problems(problems);
}

fn store(id: &str, zone: Option<Tz>, hours: Vec<reference::Row>) -> Store {
    Store {
        id: id.to_string(),
        zone,
        hours,
    }
}

#[test]
fn spec_9_hand_made_cases_over_the_us_fall_back() {
    let utc_zone = Some(chrono_tz::Etc::UTC);
    // The week is [2024-10-28 12:00, 2024-11-04 12:00) UTC; Monday 2024-11-04.
    figures_run_cases(
        "fig-cases-fall",
        "2024-11-04 12:00:00",
        vec![
            // Down across closing time: 16:00 inactive, next morning still inactive.
            (
                store("cross-close", utc_zone, every_day("09:00", "17:00")),
                vec![
                    ("2024-11-01 10:00:00", true),
                    ("2024-11-01 16:00:00", false),
                    ("2024-11-02 10:00:00", false),
                    ("2024-11-02 14:00:00", true),
                    ("2024-11-03 09:30:00", false),
                ],
            ),
            // SPEC §4's repeated hour, down, and up before.
            (
                store("dst-fall", Some(Chicago), vec![row(6, "00:00", "03:00")]),
                vec![
                    ("2024-11-03 05:10:00", true),
                    ("2024-11-03 06:30:00", false),
                    ("2024-11-03 08:20:00", false),
                ],
            ),
            // Overnight hours in London.
            (
                store("overnight", Some(London), every_day("22:00", "02:00")),
                vec![
                    ("2024-10-30 23:00:00", false),
                    ("2024-10-31 01:00:00", false),
                    ("2024-10-31 23:30:00", true),
                    ("2024-11-01 00:30:00", false),
                ],
            ),
            // `now` at closing time: the outage ends at 12:00 = now, but the store is open
            // until 12:00 only, so its last down instant is the instant before `now`.
            (
                store("now-closing", utc_zone, vec![row(0, "00:00", "12:00")]),
                vec![("2024-11-04 11:00:00", false)],
            ),
            // `now` inside an outage.
            (
                store("now-inside", None, vec![]),
                vec![
                    ("2024-11-02 12:00:00", true),
                    ("2024-11-04 11:00:00", false),
                ],
            ),
            // Closed at `now` after an outage that ended at closing time.
            (
                store("closed-now", utc_zone, vec![row(0, "00:00", "11:00")]),
                vec![("2024-11-04 10:00:00", false)],
            ),
            // Down at the week's start (the observation before it decides).
            (
                store("week-start", None, vec![]),
                vec![
                    ("2024-10-27 12:00:00", false),
                    ("2024-10-30 12:00:00", true),
                ],
            ),
            // No data: its only poll is outside business hours.
            (
                store("no-data", utc_zone, vec![row(2, "09:00", "10:00")]),
                vec![("2024-11-04 11:00:00", false)],
            ),
            (
                store("=a,b", Some(Lord_Howe), every_day("08:00", "20:00")),
                vec![
                    ("2024-11-03 01:00:00", false),
                    ("2024-11-03 05:00:00", true),
                ],
            ),
        ],
    );
}

#[test]
fn spec_9_hand_made_cases_over_the_us_spring_forward() {
    // The week is [2024-03-07 12:00, 2024-03-14 12:00) UTC; New York skips 02:00-03:00 on
    // Sunday 2024-03-10 (07:00 UTC).
    figures_run_cases(
        "fig-cases-spring",
        "2024-03-14 12:00:00",
        vec![
            (
                store("gap", Some(New_York), vec![row(6, "01:00", "04:00")]),
                vec![
                    ("2024-03-10 06:30:00", false),
                    ("2024-03-10 07:30:00", true),
                ],
            ),
            (
                store("gap-down", Some(New_York), vec![row(6, "01:00", "04:00")]),
                vec![("2024-03-10 07:10:00", false)],
            ),
            (
                store("late", Some(Los_Angeles), every_day("17:00", "01:00")),
                vec![
                    ("2024-03-09 02:00:00", true),
                    ("2024-03-10 02:00:00", false),
                    ("2024-03-11 02:00:00", false),
                    ("2024-03-14 03:00:00", true),
                ],
            ),
        ],
    );
}
