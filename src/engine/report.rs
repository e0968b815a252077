//! The report (SPEC §3, §6, §7): the three windows, per-store totals taken from each
//! store's [`Timeline`](super::Timeline) (built by the driver in `stores`), and the CSV file.

use std::io::{self, Write};
use std::ops::ControlFlow;

use chrono_tz::Tz;

use super::business::ZoneClock;
use super::error::RunError;
use super::ingest::{unpack_poll, Dataset, StoreIdx};
use super::outages::{format_utc_seconds, outages, tick_micros, Outage, StatusNow};
#[cfg(not(target_arch = "wasm32"))]
use super::stores::drive_parallel;
use super::stores::{drive, StoreSink, StoreTimeline};
// Re-exported: a report carries its options, and the page names the default zone.
pub use super::stores::{Options, DEFAULT_ZONE};
use super::time::{Micros, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_WEEK};
use super::timeline::{to_ticks, Tick, Totals, TICKS_PER_MICRO};
use super::Progress;

/// The rolling windows of SPEC §3, each `[now - span, now)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Hour,
    Day,
    Week,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Hour, Window::Day, Window::Week];

    pub fn span(self) -> Micros {
        match self {
            Window::Hour => MICROS_PER_HOUR,
            Window::Day => MICROS_PER_DAY,
            Window::Week => MICROS_PER_WEEK,
        }
    }

    /// The report's unit for this window: minutes for the hour, hours otherwise.
    pub fn unit(self) -> Micros {
        match self {
            Window::Hour => MICROS_PER_MINUTE,
            Window::Day | Window::Week => MICROS_PER_HOUR,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Window::Hour => "last_hour",
            Window::Day => "last_day",
            Window::Week => "last_week",
        }
    }
}

/// One store's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreReport {
    pub store: StoreIdx,
    pub zone: Tz,
    pub zone_defaulted: bool,
    pub hours_defaulted: bool,
    /// Totals per window, in [`Window::ALL`] order.
    pub totals: [Totals; 3],
    /// Observations in `[now - 168 h, now]` (the latest poll, at `now`, counts).
    pub observations_last_week: u32,
    /// SPEC §5: no observation at all, so 0 up and 0 down everywhere; flagged "no data".
    pub no_data: bool,
    /// SPEC §9: the status just before `now`.
    pub status_now: StatusNow,
    /// SPEC §9: the latest valid poll at or before `now`, in or out of business hours.
    pub last_poll: Option<Micros>,
    /// SPEC §9: outages in the week, and the longest one's down time.
    pub outages_last_week: u32,
    pub longest_outage: Tick,
}

impl StoreReport {
    pub fn window(&self, window: Window) -> Totals {
        self.totals[window as usize]
    }
}

/// Fleet-wide facts for the data-quality summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quality {
    /// Stores in the hours or timezone files but without a valid poll: not listed (SPEC §2).
    pub stores_without_polls: usize,
    pub stores_hours_defaulted: usize,
    pub stores_zone_defaulted: usize,
    pub stores_no_data: usize,
    /// Polls later than `now` (only when `now` was given), ignored (SPEC §3).
    pub polls_after_now: usize,
}

/// A finished report.
#[derive(Debug, Clone)]
pub struct Report {
    pub now: Micros,
    pub options: Options,
    /// Sorted by store id, byte order (SPEC §7).
    pub stores: Vec<StoreReport>,
    pub quality: Quality,
}

impl Report {
    /// The whole fleet's up, down and no-data time in `window`: the sum of the stores'.
    pub fn fleet_totals(&self, window: Window) -> Totals {
        self.stores
            .iter()
            .map(|s| s.window(window))
            .fold(Totals::default(), |a, t| Totals {
                up: a.up + t.up,
                down: a.down + t.down,
                no_data: a.no_data + t.no_data,
            })
    }
}

impl StoreReport {
    /// The report line of a store: sums over its timeline. `outages` are the timeline's
    /// (counted, and the longest kept, for SPEC §9's columns): the caller passes the ones
    /// it has already walked for the figures, or walks them here.
    pub fn of(st: &StoreTimeline, outages: impl IntoIterator<Item = Outage>) -> StoreReport {
        let (week_start, now) = (tick_micros(st.timeline.from), st.timeline.to);
        let totals = Window::ALL.map(|w| st.timeline.totals(now - to_ticks(w.span()), now));
        let observations_last_week = st
            .observations
            .iter()
            .filter(|o| o.at >= week_start)
            .count() as u32;
        let (mut outages_last_week, mut longest_outage) = (0, 0);
        for o in outages {
            outages_last_week += 1;
            longest_outage = longest_outage.max(o.down);
        }
        StoreReport {
            store: st.store,
            zone: st.zone,
            zone_defaulted: st.zone_defaulted,
            hours_defaulted: st.hours.defaulted,
            totals,
            observations_last_week,
            no_data: !st.observations_ever,
            status_now: StatusNow::of(st),
            last_poll: st.last_poll,
            outages_last_week,
            longest_outage,
        }
    }
}

/// The report's own consumer of the driver: one row per store.
impl StoreSink for Vec<StoreReport> {
    fn store(&mut self, _row: usize, st: &StoreTimeline, _clock: &ZoneClock) {
        self.push(StoreReport::of(st, outages(&st.timeline)));
    }
}

/// Builds the whole report. `observe` sees progress every few hundred stores and may stop
/// the work with `Break` (then `Err(Cancelled)`).
pub fn analyse(
    data: &Dataset,
    options: Options,
    observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<Report, RunError> {
    let (now, rows) = drive(data, options, Vec::with_capacity, observe)?;
    Ok(assemble(data, now, options, rows))
}

/// [`analyse`] with the stores shared out over `threads` threads: the same report, byte for
/// byte (each store is computed by the same function, and the parts are joined in order).
/// Native only: the page's worker is single-threaded. `observe` runs on this thread.
#[cfg(not(target_arch = "wasm32"))]
pub fn analyse_parallel(
    data: &Dataset,
    options: Options,
    threads: usize,
    observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<Report, RunError> {
    let (now, parts) = drive_parallel(data, options, threads, Vec::with_capacity, observe)?;
    Ok(assemble(
        data,
        now,
        options,
        parts.into_iter().flatten().collect(),
    ))
}

pub(crate) fn assemble(
    data: &Dataset,
    now: Micros,
    options: Options,
    stores: Vec<StoreReport>,
) -> Report {
    let mut quality = Quality {
        stores_without_polls: data.store_count() - stores.len(),
        ..Quality::default()
    };
    for report in &stores {
        quality.stores_hours_defaulted += usize::from(report.hours_defaulted);
        quality.stores_zone_defaulted += usize::from(report.zone_defaulted);
        quality.stores_no_data += usize::from(report.no_data);
        let polls = data.polls(report.store);
        quality.polls_after_now +=
            polls.len() - polls.partition_point(|&p| unpack_poll(p).0 <= now);
    }
    Report {
        now,
        options,
        stores,
        quality,
    }
}

/// `value / unit` with two decimals, rounded half up, from exact ticks (SPEC §6).
pub fn format_hundredths(value: Tick, unit: Micros) -> String {
    Hundredths::of(value, unit).to_string()
}

/// A number in hundredths, written with exactly two decimals (`12.34`, `-2.50`): the one
/// two-decimal format of every file, the summary and the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hundredths(pub i64);

impl Hundredths {
    /// `value / unit`, rounded half up.
    pub fn of(value: Tick, unit: Micros) -> Hundredths {
        let unit = unit * TICKS_PER_MICRO;
        Hundredths((value * 100 + unit / 2).div_euclid(unit))
    }

    /// A wide intermediate result, saturated to `i64` (no fleet comes near it).
    pub fn saturating(value: i128) -> Hundredths {
        Hundredths(i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX }))
    }
}

impl std::fmt::Display for Hundredths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

/// `100 * part / whole` with two decimals, or empty when `whole` is zero.
pub fn format_percent(part: Tick, whole: Tick) -> String {
    if whole == 0 {
        return String::new();
    }
    // i128: `part * 10 000` must not overflow whatever the window.
    let hundredths = ((part as i128 * 10_000 + whole as i128 / 2) / whole as i128) as i64;
    Hundredths(hundredths).to_string()
}

/// SPEC §7: ids that a spreadsheet would run as a formula get a leading `'`.
///
/// Beyond SPEC §7's minimum (`=`, `+`, `-`, `@`, tab, CR first), the guard also covers
/// look-alikes a spreadsheet may fold to them — full-width and small forms (`＝`, `﹦` …) —
/// and any of these after leading invisible or blank characters (zero-width space, joiners,
/// direction marks, BOM, soft hyphen, no-break space, line separators), which a reader cannot
/// see in the cell (docs/semantics.md, SPEC §7).
pub fn formula_safe(id: &str) -> std::borrow::Cow<'_, str> {
    let first_seen = id.chars().find(|&c| !is_invisible_lead(c));
    let starts_formula = id.starts_with(['\t', '\r'])
        || first_seen.is_some_and(|c| {
            matches!(
                c,
                '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠' | '﹦' | '﹢' | '﹣' | '﹫'
            )
        });
    if starts_formula {
        format!("'{id}").into()
    } else {
        id.into()
    }
}

/// Characters that can stand unseen before a formula character: Unicode blanks and the
/// format characters (zero-width, joiners, bidi marks and isolates, BOM, soft hyphen).
fn is_invisible_lead(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// RFC 4180 quoting, only when needed.
pub(crate) fn write_field(out: &mut impl Write, text: &str) -> io::Result<()> {
    if text.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", text.replace('"', "\"\""))
    } else {
        out.write_all(text.as_bytes())
    }
}

pub const REPORT_HEADER: &str =
    "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week";
pub const EXTENDED_HEADER: &str =
    ",business_hours_last_week,observations_last_week,uptime_pct_last_week,timezone,hours_defaulted,timezone_defaulted,status_now,last_poll_utc,outages_last_week,longest_outage_minutes";

/// The extended report's last columns when a store names file was read.
pub const NAMES_HEADER: &str = ",name,region";

/// Writes the report file (SPEC §7): LF, UTF-8 without BOM, two decimals, sorted by id.
pub fn write_csv(
    report: &Report,
    data: &Dataset,
    extended: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    // Names are appended only when a names file was read, so the extended report of the
    // three files alone stays as it was (docs/semantics.md, "Store names").
    let names = extended && data.has_names();
    out.write_all(REPORT_HEADER.as_bytes())?;
    if extended {
        out.write_all(EXTENDED_HEADER.as_bytes())?;
    }
    if names {
        out.write_all(NAMES_HEADER.as_bytes())?;
    }
    out.write_all(b"\n")?;
    for row in &report.stores {
        write_field(out, &formula_safe(data.store_id(row.store)))?;
        for pick in [|t: Totals| t.up, |t: Totals| t.down] {
            for window in Window::ALL {
                write!(
                    out,
                    ",{}",
                    Hundredths::of(pick(row.window(window)), window.unit())
                )?;
            }
        }
        if extended {
            let week = row.window(Window::Week);
            write!(
                out,
                ",{},{},{},{},{},{}",
                format_hundredths(week.business(), MICROS_PER_HOUR),
                row.observations_last_week,
                format_percent(week.up, week.business()),
                row.zone.name(),
                row.hours_defaulted,
                row.zone_defaulted
            )?;
            write!(
                out,
                ",{},{},{},{}",
                row.status_now.name(),
                row.last_poll.map(format_utc_seconds).unwrap_or_default(),
                row.outages_last_week,
                Hundredths::of(row.longest_outage, MICROS_PER_MINUTE)
            )?;
        }
        if names {
            let name = data.name(row.store);
            for text in [name.map(|n| &*n.name), name.map(|n| &*n.region)] {
                out.write_all(b",")?;
                write_field(out, &formula_safe(text.unwrap_or_default()))?;
            }
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{dataset_from_bytes, SkipReason};

    #[test]
    fn spec_6_two_decimals_rounded_half_up() {
        let m = MICROS_PER_MINUTE;
        assert_eq!(format_hundredths(to_ticks(60 * m), m), "60.00");
        assert_eq!(format_hundredths(to_ticks(104_700_000), m), "1.75"); // 1.745 min
        assert_eq!(format_hundredths(to_ticks(104_700_000) - 1, m), "1.74");
        assert_eq!(format_hundredths(0, m), "0.00");
        assert_eq!(
            format_hundredths(to_ticks(168 * MICROS_PER_HOUR), MICROS_PER_HOUR),
            "168.00"
        );
        assert_eq!(format_percent(1, 3), "33.33");
        assert_eq!(format_percent(2, 3), "66.67");
        assert_eq!(format_percent(0, 0), "");
    }

    #[test]
    fn hundredths_keep_their_sign_and_two_digits() {
        // The error budget's remaining minutes go negative when it is overspent.
        assert_eq!(Hundredths(-250).to_string(), "-2.50");
        assert_eq!(Hundredths(-5).to_string(), "-0.05");
        assert_eq!(Hundredths(5).to_string(), "0.05");
        assert_eq!(Hundredths(123_456).to_string(), "1234.56");
        assert_eq!(Hundredths::saturating(-250).to_string(), "-2.50");
        assert_eq!(Hundredths::saturating(i128::MAX), Hundredths(i64::MAX));
    }

    #[test]
    fn spec_7_formula_prefixes_are_neutralised() {
        for id in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(formula_safe(id), format!("'{id}"));
        }
        assert_eq!(formula_safe("8419537941919820732"), "8419537941919820732");
        assert_eq!(formula_safe("a=b"), "a=b");
    }

    #[test]
    fn formula_look_alikes_and_hidden_leads_are_neutralised() {
        for id in [
            "＝1+1",
            "＋1",
            "－1",
            "＠SUM(A1)",
            "﹦1",
            "\u{200B}=1+1",
            "\u{FEFF}=1+1",
            "\u{200D}\u{2060}+1",
            "\u{00A0}-1",
            "\u{202E}@x",
            "\u{00AD}=x",
        ] {
            assert_eq!(formula_safe(id), format!("'{id}"), "{id:?}");
        }
        for id in ["\u{200B}abc", "ａ=b", "store-1", "\u{200B}", "Ω"] {
            assert_eq!(formula_safe(id), id, "{id:?}");
        }
    }

    fn report_text(files: &[(&str, &[u8])], options: Options, extended: bool) -> String {
        let data = dataset_from_bytes(files).unwrap();
        let report = analyse(&data, options, &mut |_| ControlFlow::Continue(())).unwrap();
        let mut out = Vec::new();
        write_csv(&report, &data, extended, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn spec_7_report_is_sorted_by_id_bytes_and_quoted_when_needed() {
        let status = "store_id,status,timestamp_utc\n\
            b,active,2024-10-14 12:00:00\n\
            B,active,2024-10-14 12:00:00\n\
            \"a,1\",inactive,2024-10-14 12:00:00\n\
            =cmd,active,2024-10-14 12:00:00\n";
        let text = report_text(&[("s", status.as_bytes())], Options::default(), false);
        let ids: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.rsplitn(7, ',').last().unwrap())
            .collect();
        assert_eq!(ids, ["'=cmd", "B", "\"a,1\"", "b"]);
    }

    #[test]
    fn spec_2_3_defaults_open_all_week_in_chicago_and_now_is_the_latest_poll() {
        let status = "store_id,status,timestamp_utc\n\
            1,active,2024-10-07 12:00:00\n\
            1,inactive,2024-10-14 12:00:00\n";
        let text = report_text(&[("s", status.as_bytes())], Options::default(), true);
        let row = text.lines().nth(1).unwrap();
        // Open 24/7; the switch is at the midpoint 2024-10-11 00:00 UTC: 84 h up, 84 h down.
        // SPEC §9: down now, one outage of 84 h = 5040 min, last poll at `now`.
        assert_eq!(
            row,
            "1,0.00,0.00,84.00,60.00,24.00,84.00,168.00,2,50.00,America/Chicago,true,true,\
             down,2024-10-14 12:00:00,1,5040.00"
        );
    }

    #[test]
    fn spec_3_polls_after_a_given_now_are_ignored() {
        let status = "store_id,status,timestamp_utc\n\
            1,active,2024-10-14 10:00:00\n\
            1,inactive,2024-10-14 12:00:00\n";
        let now = crate::engine::time::parse_timestamp(b"2024-10-14 11:00").unwrap();
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let options = Options {
            now: Some(now),
            ..Options::default()
        };
        let report = analyse(&data, options, &mut |_| ControlFlow::Continue(())).unwrap();
        assert_eq!(report.quality.polls_after_now, 1);
        assert_eq!(
            report.stores[0].window(Window::Hour).up,
            to_ticks(MICROS_PER_HOUR)
        );
    }

    #[test]
    fn spec_2_stores_only_in_other_files_are_counted_not_listed() {
        let status = "store_id,status,timestamp_utc\n1,active,2024-10-14 10:00:00\n";
        let zones = "store_id,timezone_str\n1,Asia/Tokyo\n2,Asia/Tokyo\n";
        let data =
            dataset_from_bytes(&[("s", status.as_bytes()), ("z", zones.as_bytes())]).unwrap();
        let report = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
        assert_eq!(report.stores.len(), 1);
        assert_eq!(report.quality.stores_without_polls, 1);
    }

    #[test]
    fn spec_5_polls_outside_business_hours_are_not_observations() {
        // Open Mondays 09:00-17:00 in Chicago (CDT): 14:00-22:00 UTC. The inactive poll at
        // 23:00 UTC is after closing and must not count; it is still `now`.
        let status = "store_id,status,timestamp_utc\n\
            1,active,2024-10-14 15:00:00\n\
            1,inactive,2024-10-14 23:00:00\n";
        let hours = "store_id,dayOfWeek,start_time_local,end_time_local\n1,0,09:00:00,17:00:00\n";
        let text = report_text(
            &[("s", status.as_bytes()), ("h", hours.as_bytes())],
            Options::default(),
            false,
        );
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "1,0.00,8.00,8.00,0.00,0.00,0.00"
        );
    }

    #[test]
    fn no_status_file_and_no_valid_polls_are_errors() {
        let zones = "store_id,timezone_str\n1,Asia/Tokyo\n";
        let data = dataset_from_bytes(&[("z", zones.as_bytes())]).unwrap();
        let err = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap_err();
        assert_eq!(err, RunError::NoStatusFile);
        let data =
            dataset_from_bytes(&[("s", b"store_id,status,timestamp_utc\n1,up,x\n")]).unwrap();
        let err = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap_err();
        assert!(matches!(err, RunError::NoValidPolls(_)), "{err:?}");
    }

    #[test]
    fn no_valid_polls_says_why_for_each_status_file() {
        // SPEC §1: the error carries each status file's reasons, counts and first rows,
        // so the page and the command line can both show them.
        let mut polls = String::from("store_id,status,timestamp_utc\n");
        for i in 0..30 {
            polls.push_str(&format!("{i},active,1/8/2024 10:{i:02}\n"));
        }
        let data = dataset_from_bytes(&[
            ("a.csv", polls.as_bytes()),
            (
                "b.csv",
                b"store_id,status,timestamp_utc\n1,up,2024-01-01 00:00\n",
            ),
            (
                "h.csv",
                b"store_id,day,start_time_local,end_time_local\n1,9,00:00,01:00\n",
            ),
        ])
        .unwrap();
        let err = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap_err();
        let RunError::NoValidPolls(files) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].name, "a.csv");
        assert_eq!(files[0].reasons, [(SkipReason::SpreadsheetTimestamp, 30)]);
        assert_eq!(files[0].examples.len(), 3);
        assert!(files[0].advice().is_some());
        assert_eq!(files[1].reasons, [(SkipReason::BadStatus, 1)]);
        assert_eq!(files[1].advice(), None);
        let text = err.to_string();
        assert!(text.contains("a.csv: 30 row(s), all skipped (30 timestamp re-saved by a spreadsheet); timestamp_utc looks like a spreadsheet re-save"), "{text}");
        assert!(
            text.contains("\n  a.csv, line 2, timestamp_utc: `1/8/2024 10:00` looks like"),
            "{text}"
        );
        assert!(
            text.contains("b.csv: 1 row(s), all skipped (1 unknown status)"),
            "{text}"
        );
        assert!(
            !text.contains("h.csv"),
            "hours files are not status files: {text}"
        );
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // threads are native only
    fn parallel_analysis_writes_the_same_bytes() {
        use crate::generate::{GenConfig, GeneratedData};
        let generated = GeneratedData::generate(GenConfig::public_like(7, 300));
        let [status, hours, zones] = generated.files_in_memory();
        let data = dataset_from_bytes(&[("s", &status), ("h", &hours), ("z", &zones)]).unwrap();
        let csv = |report: &Report| {
            let mut out = Vec::new();
            write_csv(report, &data, true, &mut out).unwrap();
            out
        };
        let sequential = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
        assert!(sequential.stores.len() > 250);
        for threads in [1, 2, 3, 7, 1000] {
            let parallel = analyse_parallel(&data, Options::default(), threads, &mut |_| {
                ControlFlow::Continue(())
            })
            .unwrap();
            assert_eq!(parallel.stores, sequential.stores, "{threads} threads");
            assert_eq!(parallel.quality, sequential.quality, "{threads} threads");
            assert_eq!(csv(&parallel), csv(&sequential), "{threads} threads");
        }
        let cancelled =
            analyse_parallel(
                &data,
                Options::default(),
                2,
                &mut |_| ControlFlow::Break(()),
            );
        assert_eq!(cancelled.unwrap_err(), RunError::Cancelled);
    }

    #[test]
    fn fleet_totals_are_the_sum_of_the_stores() {
        let status = "store_id,status,timestamp_utc\n\
            1,active,2024-10-14 10:00:00\n2,inactive,2024-10-14 10:00:00\n";
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let report = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
        let week = report.fleet_totals(Window::Week);
        assert_eq!(week.up, to_ticks(MICROS_PER_WEEK));
        assert_eq!(week.down, to_ticks(MICROS_PER_WEEK));
        assert_eq!(format_percent(week.up, week.business()), "50.00");
    }

    #[test]
    fn analysis_can_be_cancelled() {
        let status = "store_id,status,timestamp_utc\n1,active,2024-10-14 10:00:00\n";
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let err = analyse(&data, Options::default(), &mut |_| ControlFlow::Break(())).unwrap_err();
        assert_eq!(err, RunError::Cancelled);
    }
}
