//! What the page and the worker exchange and what the report history keeps: plain serde
//! data converted from engine types in one place, so the page never needs the engine's
//! types and every message about the data is the engine's own words (SPEC §1). The
//! messages themselves are in `wire`. Compiled natively, so it is unit-tested without a
//! browser; never does I/O.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

mod wire;

pub use wire::{
    DetailAnswer, DownloadFile, EntryInspection, EntryKind, FromWorker, Inspection, ToWorker,
    WORKER_CSV_FIELD, WORKER_FILES_FIELD, WORKER_JSON_FIELD,
};

use crate::engine::{
    self, format_timestamp, parse_timestamp, Dataset, FileKind, FileSummary, Interpolation, Micros,
    MissingDay, Options, Progress, Report, SkipReason, Window,
};

/// SPEC §1: the three layouts, and the optional store names (docs/semantics.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputKind {
    Status,
    Hours,
    Timezones,
    Names,
}

impl InputKind {
    pub fn describe(self) -> &'static str {
        self.engine().describe()
    }

    fn engine(self) -> FileKind {
        match self {
            InputKind::Status => FileKind::Status,
            InputKind::Hours => FileKind::Hours,
            InputKind::Timezones => FileKind::Timezones,
            InputKind::Names => FileKind::Names,
        }
    }
}

impl From<FileKind> for InputKind {
    fn from(kind: FileKind) -> Self {
        match kind {
            FileKind::Status => InputKind::Status,
            FileKind::Hours => InputKind::Hours,
            FileKind::Timezones => InputKind::Timezones,
            FileKind::Names => InputKind::Names,
        }
    }
}

/// SPEC §5 interpolation, as the page offers it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FillRule {
    #[default]
    Nearest,
    Previous,
}

/// SPEC §2 `missing_day`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MissingWeekday {
    #[default]
    Closed,
    Open,
}

/// The choices beside "Generate report".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobOptions {
    /// The `now` override as the user typed it; `None` (or blank) means the latest poll.
    pub now: Option<String>,
    pub fill: FillRule,
    pub missing_day: MissingWeekday,
    pub extended: bool,
}

impl JobOptions {
    /// The engine's options; an unreadable `now` is explained in the engine's words.
    pub fn to_engine(&self) -> Result<Options, String> {
        let now = match self.now.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(parse_now(text)?),
        };
        Ok(Options {
            now,
            interpolation: match self.fill {
                FillRule::Nearest => Interpolation::Nearest,
                FillRule::Previous => Interpolation::Previous,
            },
            missing_day: match self.missing_day {
                MissingWeekday::Closed => MissingDay::Closed,
                MissingWeekday::Open => MissingDay::Open,
            },
        })
    }
}

/// Parses a `now` override with the same rules as `timestamp_utc` (SPEC §1, §3).
pub fn parse_now(text: &str) -> Result<Micros, String> {
    parse_timestamp(text.as_bytes()).map_err(|problem| {
        // The engine's own words for an unreadable or impossible timestamp.
        let reason = match problem {
            engine::time::TimeProblem::OutOfRange => SkipReason::TimestampOutOfRange,
            _ => SkipReason::BadTimestamp,
        };
        format!("now: {}", reason.explain(text))
    })
}

/// How far a job has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase")]
pub enum JobProgress {
    /// Bytes read of all files together.
    Reading {
        file: String,
        bytes: u64,
        total: u64,
    },
    /// Polls grouped by store (moved, then sorted: `of` is twice the polls).
    Grouping { polls: u64, of: u64 },
    /// Stores computed.
    Computing { stores: u64, of: u64 },
    /// Lines of the report CSV written (its header included).
    Writing { lines: u64, of: u64 },
}

impl JobProgress {
    /// The engine's progress, with the total bytes of all files for the bar.
    pub fn from_engine(progress: &Progress, bytes_before: u64, total: u64) -> JobProgress {
        match progress {
            Progress::Read { file, bytes } => JobProgress::Reading {
                file: file.clone(),
                bytes: bytes_before + bytes,
                total,
            },
            Progress::Grouped { polls, of } => JobProgress::Grouping {
                polls: *polls as u64,
                of: *of as u64,
            },
            Progress::Computed { stores, of } => JobProgress::Computing {
                stores: *stores as u64,
                of: *of as u64,
            },
        }
    }

    /// `(done, of)` for a `<progress>` bar.
    pub fn fraction(&self) -> (u64, u64) {
        match self {
            JobProgress::Reading { bytes, total, .. } => (*bytes, *total),
            JobProgress::Grouping { polls, of } => (*polls, *of),
            JobProgress::Computing { stores, of } => (*stores, *of),
            JobProgress::Writing { lines, of } => (*lines, *of),
        }
    }
}

/// One input file as the page shows it (SPEC §1): kind, size, and once read, rows, stores
/// and time range; or why it was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    pub name: String,
    pub kind: Option<InputKind>,
    pub bytes: u64,
    pub rows: u64,
    pub valid_rows: u64,
    pub stores: u64,
    pub first_poll: Option<String>,
    pub last_poll: Option<String>,
    pub error: Option<String>,
}

impl From<&FileSummary> for FileFacts {
    fn from(file: &FileSummary) -> Self {
        FileFacts {
            name: file.name.clone(),
            kind: file.kind.map(InputKind::from),
            bytes: file.bytes,
            rows: file.rows,
            valid_rows: file.valid_rows,
            stores: file.stores,
            first_poll: file.time_range.map(|(a, _)| format_timestamp(a)),
            last_poll: file.time_range.map(|(_, b)| format_timestamp(b)),
            error: file.error.clone().map(|error| {
                engine::FileProblem {
                    file: file.name.clone(),
                    error,
                }
                .to_string()
            }),
        }
    }
}

/// The headline numbers of a finished report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub stores: u64,
    /// Distinct (store, timestamp) polls read.
    pub polls: u64,
    /// `now`, in UTC (its zone), e.g. `2023-01-25 18:13:22.479220 UTC`.
    pub now: String,
    /// Whether `now` was given by the user rather than taken from the latest poll.
    pub now_given: bool,
    /// Up time over business time, all stores, last week; `None` without business time.
    pub fleet_uptime_pct_last_week: Option<String>,
    pub rows_skipped: u64,
}

/// Skipped rows of one reason (SPEC §1): the count and the first examples, in the engine's
/// words (`file, line N, column: reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipGroup {
    pub title: String,
    pub count: u64,
    pub examples: Vec<String>,
}

/// The data-quality panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityFacts {
    pub skipped: Vec<SkipGroup>,
    pub stores_hours_defaulted: u64,
    pub stores_zone_defaulted: u64,
    pub stores_no_data: u64,
    /// Stores only in the hours or timezone files (SPEC §2): counted, not listed.
    pub stores_without_polls: u64,
    pub polls_after_now: u64,
    /// First few ids of each kind of store, to look up.
    pub hours_defaulted_examples: Vec<String>,
    pub zone_defaulted_examples: Vec<String>,
    pub no_data_examples: Vec<String>,
    /// Defaults that apply to every store because a file is absent (SPEC §2).
    pub missing_inputs: Vec<String>,
}

/// A `Vec` sink that counts the lines written into it, for progress. `write_csv` writes
/// field by field, so it tells only every [`LineCounter::EVERY`] lines.
struct LineCounter<'a> {
    out: Vec<u8>,
    lines: u64,
    told: u64,
    observe: &'a mut dyn FnMut(u64),
}

impl LineCounter<'_> {
    const EVERY: u64 = 1024;
}

impl std::io::Write for LineCounter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.extend_from_slice(buf);
        self.lines += memchr::memchr_iter(b'\n', buf).count() as u64;
        if self.lines - self.told >= Self::EVERY {
            self.told = self.lines;
            (self.observe)(self.lines);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How many store ids the quality panel lists per kind.
pub const STORE_EXAMPLES: usize = 20;

/// A finished job: the CSV (SPEC §7) and what the page shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub csv: String,
    pub summary: ReportSummary,
    pub quality: QualityFacts,
    pub files: Vec<FileFacts>,
}

impl Outcome {
    /// Everything the page needs from a report, with the CSV written by the engine.
    pub fn new(report: &Report, data: &Dataset, extended: bool) -> Outcome {
        Outcome::new_observed(report, data, extended, &mut |_| {})
    }

    /// [`Outcome::new`], telling `observe` how many CSV lines are written so far (the header
    /// counts), as the CSV writer flushes: a 10× fleet's CSV is long enough to need progress.
    pub fn new_observed(
        report: &Report,
        data: &Dataset,
        extended: bool,
        observe: &mut dyn FnMut(u64),
    ) -> Outcome {
        let mut lines = LineCounter {
            out: Vec::new(),
            lines: 0,
            told: 0,
            observe,
        };
        // Writing to a Vec cannot fail.
        let _ = engine::write_csv(report, data, extended, &mut lines);
        (lines.observe)(lines.lines);
        let csv = lines.out;
        // Store ids are `str`, so the report is UTF-8 (SPEC §7).
        let csv = String::from_utf8(csv)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());

        let mut quality = QualityFacts {
            stores_hours_defaulted: report.quality.stores_hours_defaulted as u64,
            stores_zone_defaulted: report.quality.stores_zone_defaulted as u64,
            stores_no_data: report.quality.stores_no_data as u64,
            stores_without_polls: report.quality.stores_without_polls as u64,
            polls_after_now: report.quality.polls_after_now as u64,
            ..QualityFacts::default()
        };
        for row in &report.stores {
            let id = || data.store_id(row.store).to_string();
            if row.hours_defaulted && quality.hours_defaulted_examples.len() < STORE_EXAMPLES {
                quality.hours_defaulted_examples.push(id());
            }
            if row.zone_defaulted && quality.zone_defaulted_examples.len() < STORE_EXAMPLES {
                quality.zone_defaulted_examples.push(id());
            }
            if row.no_data && quality.no_data_examples.len() < STORE_EXAMPLES {
                quality.no_data_examples.push(id());
            }
        }
        quality.skipped = data
            .skips
            .iter()
            .map(|(reason, count)| SkipGroup {
                title: reason.title().to_string(),
                count: count.count,
                examples: count.examples.iter().map(ToString::to_string).collect(),
            })
            .collect();
        quality.missing_inputs = missing_inputs(&data.files);

        let summary = ReportSummary {
            stores: report.stores.len() as u64,
            polls: data.total_polls() as u64,
            now: format_timestamp(report.now),
            now_given: report.options.now.is_some(),
            fleet_uptime_pct_last_week: {
                let week = report.fleet_totals(Window::Week);
                (week.business() > 0)
                    .then(|| engine::report::format_percent(week.up, week.business()))
            },
            rows_skipped: data.skips.total(),
        };
        Outcome {
            csv,
            summary,
            quality,
            files: data.files.iter().map(FileFacts::from).collect(),
        }
    }
}

/// The defaults that apply because an optional file is absent (SPEC §2), in words.
pub fn missing_inputs(files: &[FileSummary]) -> Vec<String> {
    missing_kinds(files.iter().filter_map(|f| f.kind.map(InputKind::from)))
}

/// The engine's default zone's name, written out: the page says it, and `Tz::name` would
/// bring chrono-tz's table of every zone name into the page's wasm for this one name.
pub const DEFAULT_ZONE_NAME: &str = "America/Chicago";

/// As [`missing_inputs`], from the kinds the page has recognised so far.
pub fn missing_kinds(kinds: impl Iterator<Item = InputKind>) -> Vec<String> {
    let kinds: Vec<InputKind> = kinds.collect();
    let mut out = Vec::new();
    if !kinds.contains(&InputKind::Hours) {
        out.push(
            "No business-hours file: every store counts as open 24 hours a day, 7 days a week."
                .to_string(),
        );
    }
    if !kinds.contains(&InputKind::Timezones) {
        out.push(format!(
            "No timezones file: every store's hours are read in {DEFAULT_ZONE_NAME}."
        ));
    }
    out
}

/// The kind of a file from its first bytes, or why it is rejected (the engine's words).
/// `complete` says the bytes are the whole file. `Ok(None)`: the header is not complete yet.
pub fn inspect_header(
    name: &str,
    head: &[u8],
    complete: bool,
) -> Result<Option<InputKind>, String> {
    use engine::archive::{sniff, Container, Halt, Inflater};
    let mut unpacked = Vec::new();
    let (head, complete) = match sniff(head) {
        // A gzip file is known by the header of what it holds: the head is decompressed
        // as far as it goes, a few MiB at most (a header must come within 2 MiB).
        Some(Container::Gzip) => {
            let mut inflater = Inflater::gzip();
            let limit = 2 * engine::ingest::HEADER_SEARCH_BYTES as usize;
            let mut sink = |bytes: &[u8]| -> Result<(), ()> {
                unpacked.extend_from_slice(bytes);
                if unpacked.len() >= limit {
                    return Err(());
                }
                Ok(())
            };
            let mut result = inflater.feed(head, &mut sink);
            if result.is_ok() {
                result = match complete {
                    true => inflater.finish(&mut sink),
                    false => inflater.flush_held(&mut sink),
                };
            }
            match result {
                Err(Halt::Archive(error)) => return Err(format!("{name}: {error}")),
                Err(Halt::Sink(())) => (&unpacked[..], false),
                Ok(()) => (&unpacked[..], complete),
            }
        }
        // Its entries are listed from its directory, at its end (`worker::zip`).
        Some(Container::Zip) => {
            return Err(format!(
                "{name}: a zip archive, whose entries are listed from its directory"
            ))
        }
        None => (head, complete),
    };
    inspect_unpacked(name, head, complete)
}

/// The kind of a CSV file (or an archive's entry) from its first (decompressed) bytes, as
/// [`inspect_header`] says it.
pub fn inspect_unpacked(
    name: &str,
    head: &[u8],
    complete: bool,
) -> Result<Option<InputKind>, String> {
    let mut ingest = engine::Ingest::new();
    let file = ingest.open_file(name);
    ingest.push(file, head).map_err(|p| p.to_string())?;
    if let Some(kind) = ingest.kind(file) {
        return Ok(Some(kind.into()));
    }
    if !complete {
        return Ok(None);
    }
    let summary = ingest.close_file(file).map_err(|p| p.to_string())?;
    Ok(summary.kind.map(InputKind::from))
}

/// Status of a report in the history (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportStatus {
    Running,
    Complete,
    Failed,
    Cancelled,
    /// Was running when the page closed.
    Interrupted,
}

/// One report of the history, as kept in IndexedDB (the CSV is kept apart, by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRecord {
    pub id: String,
    /// Milliseconds since the epoch, from the page's clock.
    pub created_ms: u64,
    pub inputs: Vec<FileFacts>,
    pub options: JobOptions,
    pub status: ReportStatus,
    pub reason: Option<String>,
    pub summary: Option<ReportSummary>,
    pub quality: Option<QualityFacts>,
}

/// A report id (SPEC §8): 8 random bytes in hex, from `random`.
pub fn report_id(random: [u8; 8]) -> String {
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs the whole job over in-memory files, as the worker does slice by slice; for tests
/// and the native comparison with the CLI.
pub fn run_in_memory(files: &[(&str, &[u8])], options: &JobOptions) -> Result<Outcome, String> {
    let engine_options = options.to_engine()?;
    let data = engine::dataset_from_bytes(files).map_err(|p| p.to_string())?;
    let report = engine::analyse(&data, engine_options, &mut |_| ControlFlow::Continue(()))
        .map_err(|e| e.to_string())?;
    Ok(Outcome::new(&report, &data, options.extended))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_zone_name_is_the_engine_default_zones() {
        assert_eq!(DEFAULT_ZONE_NAME, engine::report::DEFAULT_ZONE.name());
    }

    const STATUS: &str = "store_id,status,timestamp_utc\n\
        1,active,2024-10-14 10:00:00 UTC\n\
        1,inactive,2024-10-14 12:00:00 UTC\n\
        2,up,2024-10-14 12:00:00 UTC\n";

    #[test]
    fn writing_progress_counts_csv_lines_up_to_the_whole_report() {
        // Enough stores that the CSV writer flushes several times on the way.
        let mut status = String::from("store_id,status,timestamp_utc\n");
        for store in 0..3000 {
            status.push_str(&format!("store-{store},active,2024-10-14 10:00:00 UTC\n"));
        }
        let data = engine::dataset_from_bytes(&[("s.csv", status.as_bytes())]).unwrap();
        let options = JobOptions::default().to_engine().unwrap();
        let report = engine::analyse(&data, options, &mut |_| ControlFlow::Continue(())).unwrap();
        let mut seen = Vec::new();
        let outcome = Outcome::new_observed(&report, &data, true, &mut |lines| seen.push(lines));
        assert_eq!(outcome, Outcome::new(&report, &data, true));
        assert!(seen.len() > 2, "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(seen.last().copied(), Some(3001));
        assert_eq!(outcome.csv.lines().count(), 3001);
    }

    #[test]
    fn outcome_has_the_engines_csv_and_the_quality_facts() {
        let outcome =
            run_in_memory(&[("polls.csv", STATUS.as_bytes())], &JobOptions::default()).unwrap();
        let data = engine::dataset_from_bytes(&[("polls.csv", STATUS.as_bytes())]).unwrap();
        let report = engine::analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
        let mut expected = Vec::new();
        engine::write_csv(&report, &data, false, &mut expected).unwrap();
        assert_eq!(outcome.csv.as_bytes(), &expected[..]);
        assert_eq!(outcome.summary.stores, 1);
        assert_eq!(outcome.summary.now, "2024-10-14 12:00:00 UTC");
        assert_eq!(outcome.summary.rows_skipped, 1);
        assert_eq!(outcome.quality.skipped.len(), 1);
        assert_eq!(outcome.quality.skipped[0].title, "unknown status");
        assert!(outcome.quality.skipped[0].examples[0].starts_with("polls.csv, line 4, status:"));
        assert_eq!(outcome.quality.missing_inputs.len(), 2);
        assert_eq!(outcome.quality.hours_defaulted_examples, ["1"]);
        assert_eq!(outcome.files[0].kind, Some(InputKind::Status));
        assert_eq!(outcome.files[0].rows, 3);
        // 24/7 in Chicago; up 10:00-11:00, down 11:00-12:00, up before 10:00 for the rest.
        assert!(outcome.summary.fleet_uptime_pct_last_week.is_some());
    }

    #[test]
    fn now_override_is_parsed_with_the_timestamp_rules_and_explained_in_engine_words() {
        let options = JobOptions {
            now: Some(" 2024-10-14 11:00 ".into()),
            ..JobOptions::default()
        };
        assert_eq!(
            options.to_engine().unwrap().now,
            Some(parse_timestamp(b"2024-10-14 11:00").unwrap())
        );
        let blank = JobOptions {
            now: Some("  ".into()),
            ..JobOptions::default()
        };
        assert_eq!(blank.to_engine().unwrap().now, None);
        let bad = JobOptions {
            now: Some("yesterday".into()),
            ..JobOptions::default()
        };
        assert!(bad
            .to_engine()
            .unwrap_err()
            .contains("`yesterday` is not a timestamp"));
    }

    #[test]
    fn headers_are_inspected_by_the_engine() {
        assert_eq!(
            inspect_header("a", STATUS.as_bytes(), true),
            Ok(Some(InputKind::Status))
        );
        assert_eq!(
            inspect_header("a", b"store_id,timezone_str\n", false),
            Ok(Some(InputKind::Timezones))
        );
        assert_eq!(inspect_header("a", b"store_id,timez", false), Ok(None));
        let err = inspect_header("notes.csv", b"name,age\nx,1\n", true).unwrap_err();
        assert!(
            err.starts_with("notes.csv: the header `name,age` matches no input layout"),
            "{err}"
        );
        assert!(inspect_header("empty.csv", b"", true)
            .unwrap_err()
            .contains("empty"));
    }

    #[test]
    fn a_gzip_file_is_inspected_by_what_it_holds() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(STATUS.as_bytes()).unwrap();
        let packed = e.finish().unwrap();
        assert_eq!(
            inspect_header("s.csv.gz", &packed, true),
            Ok(Some(InputKind::Status))
        );
        // The head of a large file: the header is inside its first compressed bytes.
        assert_eq!(
            inspect_header("s.csv.gz", &packed[..packed.len() - 8], false),
            Ok(Some(InputKind::Status))
        );
        assert_eq!(
            inspect_header("names.csv", b"store_id,name,region\n", false),
            Ok(Some(InputKind::Names))
        );
        let err = inspect_header("a.zip", b"PK\x03\x04rest", false).unwrap_err();
        assert!(err.starts_with("a.zip: a zip archive"), "{err}");
    }

    #[test]
    fn report_ids_are_16_hex_digits() {
        let id = report_id([0xab; 8]);
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
