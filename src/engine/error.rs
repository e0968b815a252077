//! Every problem the engine can meet, and the one place that turns them into words for
//! people. The CLI and the page both print these `Display`s; neither writes its own.
//!
//! Two levels (SPEC §1): a bad *row* is skipped and recorded ([`SkippedRow`]), never fatal;
//! a bad *file* ([`FileProblem`]) or a run that cannot produce a report ([`RunError`]) is.

use std::fmt;

use super::ingest::schema::FileKind;

/// Why a row was skipped (or, for the last two kinds, a value ignored). The first
/// [`SkipLog::EXAMPLES_PER_REASON`] rows of each reason are kept; the rest are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    MissingFields,
    RowTooLong,
    UnbalancedQuote,
    /// The line after an unclosed quote, closing it: the rest of that broken row.
    QuoteContinuation,
    /// A line that repeats the header (files joined with `cat`).
    RepeatedHeader,
    NotUtf8,
    /// A control character (NUL, ESC, …) in a store id.
    ControlCharacter,
    EmptyStoreId,
    BadStatus,
    BadTimestamp,
    /// A timestamp as a spreadsheet writes it after a re-save (`1/8/2024 10:00`).
    SpreadsheetTimestamp,
    TimestampOutOfRange,
    BadWeekday,
    BadTime,
    /// A time of day on a 12-hour clock (`9:00 AM`), as a spreadsheet writes it.
    SpreadsheetTime,
    TimeOutOfRange,
    StartAtMidnightEnd,
    UnknownTimezone,
    ConflictingTimezone,
    /// A store names row for an id an earlier row named otherwise: the first wins.
    DuplicateName,
}

impl SkipReason {
    pub const ALL: [SkipReason; 20] = [
        SkipReason::MissingFields,
        SkipReason::RowTooLong,
        SkipReason::UnbalancedQuote,
        SkipReason::QuoteContinuation,
        SkipReason::RepeatedHeader,
        SkipReason::NotUtf8,
        SkipReason::ControlCharacter,
        SkipReason::EmptyStoreId,
        SkipReason::BadStatus,
        SkipReason::BadTimestamp,
        SkipReason::SpreadsheetTimestamp,
        SkipReason::TimestampOutOfRange,
        SkipReason::BadWeekday,
        SkipReason::BadTime,
        SkipReason::SpreadsheetTime,
        SkipReason::TimeOutOfRange,
        SkipReason::StartAtMidnightEnd,
        SkipReason::UnknownTimezone,
        SkipReason::ConflictingTimezone,
        SkipReason::DuplicateName,
    ];

    /// A short name for the kind, as a heading in summaries.
    pub fn title(self) -> &'static str {
        match self {
            SkipReason::MissingFields => "missing fields",
            SkipReason::RowTooLong => "row too long",
            SkipReason::UnbalancedQuote => "unclosed quote",
            SkipReason::QuoteContinuation => "rest of a row with an unclosed quote",
            SkipReason::RepeatedHeader => "header repeated",
            SkipReason::NotUtf8 => "not UTF-8",
            SkipReason::ControlCharacter => "control character in store_id",
            SkipReason::EmptyStoreId => "empty store_id",
            SkipReason::BadStatus => "unknown status",
            SkipReason::BadTimestamp => "unreadable timestamp",
            SkipReason::SpreadsheetTimestamp => "timestamp re-saved by a spreadsheet",
            SkipReason::TimestampOutOfRange => "impossible timestamp",
            SkipReason::BadWeekday => "bad weekday",
            SkipReason::BadTime => "unreadable time of day",
            SkipReason::SpreadsheetTime => "12-hour time re-saved by a spreadsheet",
            SkipReason::TimeOutOfRange => "impossible time of day",
            SkipReason::StartAtMidnightEnd => "start time 24:00",
            SkipReason::UnknownTimezone => "unknown timezone (default used)",
            SkipReason::ConflictingTimezone => "second timezone ignored",
            SkipReason::DuplicateName => "second name ignored",
        }
    }

    /// What is wrong with `value`, in a sentence.
    pub fn explain(self, value: &str) -> String {
        match self {
            SkipReason::MissingFields => format!("the row has only {value} field(s)"),
            SkipReason::RowTooLong => format!("the row is longer than {value}; skipped unread"),
            SkipReason::UnbalancedQuote => format!(
                "a quote opened in this row (at `{value}`) is not closed on its line; \
                 the row is skipped and reading goes on with the next line (a next line \
                 that closes the quote is skipped with it)"
            ),
            SkipReason::QuoteContinuation => format!(
                "this line (`{value}`) closes a quote left open at the end of the line before, \
                 so it is the rest of that broken row and is skipped with it; fix the field so \
                 it is on one line"
            ),
            SkipReason::RepeatedHeader => format!(
                "`{value}` repeats the header (files joined together?); the line is skipped"
            ),
            SkipReason::NotUtf8 => format!(
                "`{value}` is not UTF-8 text (perhaps Latin-1 or Windows-1252: save the file \
                 as CSV UTF-8)"
            ),
            SkipReason::ControlCharacter => format!(
                "`{value}` has a control character (NUL, ESC, …), which no store id has: \
                 the file is damaged or not plain text"
            ),
            SkipReason::EmptyStoreId => "the store_id is empty".to_string(),
            SkipReason::BadStatus => {
                format!("`{value}` is not a status (expected active or inactive)")
            }
            SkipReason::BadTimestamp => format!(
                "`{value}` is not a timestamp (expected YYYY-MM-DD HH:MM:SS[.ffffff] [UTC])"
            ),
            SkipReason::SpreadsheetTimestamp => format!(
                "`{value}` looks like a spreadsheet re-save ({}): export the file again from \
                 the source, or save the column as YYYY-MM-DD HH:MM:SS",
                crate::engine::time::spreadsheet_form(value.as_bytes())
                    .unwrap_or_else(|| "M/D/YYYY H:MM".to_string())
            ),
            SkipReason::TimestampOutOfRange => format!("`{value}` is not a real date and time"),
            SkipReason::BadWeekday => {
                format!("`{value}` is not a weekday (expected 0 = Monday … 6 = Sunday)")
            }
            SkipReason::BadTime => {
                format!("`{value}` is not a time of day (expected HH:MM or HH:MM:SS)")
            }
            SkipReason::SpreadsheetTime => format!(
                "`{value}` looks like a spreadsheet re-save (12-hour clock, H:MM AM): export \
                 the file again from the source, or save the column as HH:MM:SS (24-hour)"
            ),
            SkipReason::TimeOutOfRange => format!("`{value}` is not a real time of day"),
            SkipReason::StartAtMidnightEnd => {
                format!("`{value}` is only allowed as an end time")
            }
            SkipReason::UnknownTimezone => format!(
                "`{value}` is not an IANA timezone name; the store is treated as having none"
            ),
            SkipReason::ConflictingTimezone => {
                format!("`{value}` ignored: an earlier row gave this store another timezone")
            }
            SkipReason::DuplicateName => format!(
                "`{value}` ignored: an earlier row gave this store another name or region \
                 (the first wins)"
            ),
        }
    }
}

/// The column a skipped row is blamed on, by its spec name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Row,
    StoreId,
    Status,
    TimestampUtc,
    DayOfWeek,
    StartTimeLocal,
    EndTimeLocal,
    TimezoneStr,
    Name,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Column::Row,
        Column::StoreId,
        Column::Status,
        Column::TimestampUtc,
        Column::DayOfWeek,
        Column::StartTimeLocal,
        Column::EndTimeLocal,
        Column::TimezoneStr,
        Column::Name,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Column::Row => "(row)",
            Column::StoreId => "store_id",
            Column::Status => "status",
            Column::TimestampUtc => "timestamp_utc",
            Column::DayOfWeek => "dayOfWeek",
            Column::StartTimeLocal => "start_time_local",
            Column::EndTimeLocal => "end_time_local",
            Column::TimezoneStr => "timezone_str",
            Column::Name => "name",
        }
    }
}

/// One skipped row: where it is and why (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    pub file: Box<str>,
    /// 1-based; the header is line 1. A row spanning lines is named by its first line.
    pub line: u64,
    pub column: Column,
    pub reason: SkipReason,
    /// The offending value, shortened and made printable.
    pub value: Box<str>,
}

impl fmt::Display for SkippedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, line {}, {}: {}",
            self.file,
            self.line,
            self.column.name(),
            self.reason.explain(&self.value)
        )
    }
}

/// The count and first examples of one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkipCount {
    pub count: u64,
    pub examples: Vec<SkippedRow>,
}

/// All skipped rows of a run, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkipLog {
    by_reason: [SkipCount; SkipReason::ALL.len()],
}

impl SkipLog {
    pub const EXAMPLES_PER_REASON: usize = 20;

    pub fn record(&mut self, row: SkippedRow) {
        let entry = &mut self.by_reason[row.reason as usize];
        entry.count += 1;
        if entry.examples.len() < Self::EXAMPLES_PER_REASON {
            entry.examples.push(row);
        }
    }

    /// Counts a row without building its example (the caller checked [`Self::wants_example`]).
    pub fn count_only(&mut self, reason: SkipReason) {
        self.by_reason[reason as usize].count += 1;
    }

    /// Counts `count` rows of `reason` whose examples are not kept (a part sent as bytes).
    pub(crate) fn count_more(&mut self, reason: SkipReason, count: u64) {
        let entry = &mut self.by_reason[reason as usize];
        entry.count = entry.count.saturating_add(count);
    }

    /// Adds the skips of a later part of the same file, whose line numbers start after
    /// `lines_before` lines: the same log as reading the part's rows here, in order.
    pub fn absorb(&mut self, later: SkipLog, lines_before: u64) {
        for (mine, theirs) in self.by_reason.iter_mut().zip(later.by_reason) {
            mine.count += theirs.count;
            let room = Self::EXAMPLES_PER_REASON.saturating_sub(mine.examples.len());
            mine.examples
                .extend(theirs.examples.into_iter().take(room).map(|mut row| {
                    row.line += lines_before;
                    row
                }));
        }
    }

    pub fn wants_example(&self, reason: SkipReason) -> bool {
        self.by_reason[reason as usize].examples.len() < Self::EXAMPLES_PER_REASON
    }

    pub fn get(&self, reason: SkipReason) -> &SkipCount {
        &self.by_reason[reason as usize]
    }

    /// Reasons that occurred, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (SkipReason, &SkipCount)> {
        SkipReason::ALL
            .iter()
            .map(move |&r| (r, self.get(r)))
            .filter(|(_, c)| c.count > 0)
    }

    pub fn total(&self) -> u64 {
        self.by_reason.iter().map(|c| c.count).sum()
    }
}

/// Why a whole file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// No header row at all.
    Empty,
    /// Binary data or another encoding; `hint` says which when we can tell.
    NotText {
        hint: &'static str,
    },
    /// The header matches none of the three layouts.
    UnknownHeader {
        found: Vec<String>,
        /// The layout the header came closest to, and the columns it lacks.
        closest: Option<(FileKind, Vec<&'static str>)>,
    },
    HeaderTooLong,
    /// The byte source failed (the CLI's file read, the page's `FileReader`).
    Read(String),
    /// A gzip file, a zip archive or one of its entries that was not read, or not to its end
    /// (docs/archives.md).
    Archive(super::archive::ArchiveError),
}

/// A file error with the file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub error: FileError,
}

pub(crate) const EXPECTED_LAYOUTS: &str = "expected one of: status polls (store_id, status, \
     timestamp_utc); business hours (store_id, dayOfWeek or day, start_time_local, \
     end_time_local); timezones (store_id, timezone_str); store names (store_id, name, and \
     optionally region)";

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = &self.file;
        match &self.error {
            FileError::Empty => write!(
                f,
                "{file}: the file is empty (no header row); {EXPECTED_LAYOUTS}"
            ),
            FileError::NotText { hint } => write!(
                f,
                "{file}: not a CSV text file ({hint}); {EXPECTED_LAYOUTS}"
            ),
            FileError::UnknownHeader { found, closest } => {
                let shown: Vec<String> = found.iter().take(12).map(|c| printable(c, 40)).collect();
                let more = if found.len() > 12 {
                    format!(", … ({} columns)", found.len())
                } else {
                    String::new()
                };
                write!(
                    f,
                    "{file}: the header `{}{more}` matches no input layout",
                    shown.join(",")
                )?;
                if let Some((kind, missing)) = closest {
                    write!(
                        f,
                        "; it looks like {} but lacks {}",
                        kind.describe(),
                        missing.join(", ")
                    )?;
                }
                write!(f, "; {EXPECTED_LAYOUTS}")
            }
            FileError::HeaderTooLong => write!(
                f,
                "{file}: the first row is too long to be a header (no header row within the \
                 first 2 MiB: is it CSV text?); {EXPECTED_LAYOUTS}"
            ),
            FileError::Read(why) => write!(f, "{file}: could not be read: {why}"),
            FileError::Archive(why) => write!(f, "{file}: {why}"),
        }
    }
}

impl std::error::Error for FileProblem {}

/// Why no report can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    NoStatusFile,
    /// Status files were read but no row was valid, and no `now` was given: what each
    /// status file held instead.
    NoValidPolls(Vec<UnreadFile>),
    File(FileProblem),
    Cancelled,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::NoStatusFile => write!(
                f,
                "no status polls file: one file must have the columns store_id, status, timestamp_utc"
            ),
            RunError::NoValidPolls(files) => {
                write!(
                    f,
                    "the status polls file(s) have no valid row, so there is no `now` to report at"
                )?;
                for file in files {
                    write!(f, "\n{file}")?;
                }
                Ok(())
            }
            RunError::File(problem) => problem.fmt(f),
            RunError::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for RunError {}

/// A status file without a valid row: why its rows were skipped (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadFile {
    pub name: String,
    pub rows: u64,
    /// Rows skipped per reason, most first.
    pub reasons: Vec<(SkipReason, u64)>,
    /// The first skipped rows of each reason (up to [`UnreadFile::EXAMPLES`]).
    pub examples: Vec<SkippedRow>,
}

impl UnreadFile {
    pub const EXAMPLES: usize = 3;

    /// What to do, when every row was skipped for one spreadsheet re-save.
    pub fn advice(&self) -> Option<&'static str> {
        let (reason, count) = *self.reasons.first()?;
        (count == self.rows).then_some(())?;
        match reason {
            SkipReason::SpreadsheetTimestamp => Some(
                "timestamp_utc looks like a spreadsheet re-save of the whole file (dates as \
                 M/D/YYYY or D/M/YYYY, which cannot be told apart): export the file again from \
                 the source, or save the column as YYYY-MM-DD HH:MM:SS",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for UnreadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rows == 0 {
            return write!(f, "{}: no rows after the header", self.name);
        }
        let reasons: Vec<String> = self
            .reasons
            .iter()
            .map(|(reason, count)| format!("{count} {}", reason.title()))
            .collect();
        write!(
            f,
            "{}: {} row(s), all skipped ({})",
            self.name,
            self.rows,
            reasons.join(", ")
        )?;
        if let Some(advice) = self.advice() {
            write!(f, "; {advice}")?;
        }
        for row in &self.examples {
            write!(f, "\n  {row}")?;
        }
        Ok(())
    }
}

impl From<FileProblem> for RunError {
    fn from(problem: FileProblem) -> Self {
        RunError::File(problem)
    }
}

/// Text safe to show in a message: control characters escaped, at most `max` characters.
pub fn printable(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, ch) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Like [`printable`], for bytes that may not be UTF-8.
pub fn printable_bytes(bytes: &[u8], max: usize) -> String {
    let cut = &bytes[..bytes.len().min(max * 4)];
    printable(&String::from_utf8_lossy(cut), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(reason: SkipReason, line: u64) -> SkippedRow {
        SkippedRow {
            file: "polls.csv".into(),
            line,
            column: Column::TimestampUtc,
            reason,
            value: "2023-01-2".into(),
        }
    }

    #[test]
    fn spec_1_skip_log_keeps_first_20_per_reason_and_counts_the_rest() {
        let mut log = SkipLog::default();
        for line in 2..=31 {
            log.record(row(SkipReason::BadTimestamp, line));
        }
        log.record(row(SkipReason::BadStatus, 99));
        let bad = log.get(SkipReason::BadTimestamp);
        assert_eq!(bad.count, 30);
        assert_eq!(bad.examples.len(), 20);
        assert_eq!(bad.examples[19].line, 21);
        assert_eq!(log.total(), 31);
        assert_eq!(log.iter().count(), 2);
    }

    #[test]
    fn skipped_row_message_names_file_line_column_and_reason() {
        let text = row(SkipReason::BadTimestamp, 18_233).to_string();
        assert_eq!(
            text,
            "polls.csv, line 18233, timestamp_utc: `2023-01-2` is not a timestamp \
             (expected YYYY-MM-DD HH:MM:SS[.ffffff] [UTC])"
        );
    }

    #[test]
    fn printable_escapes_controls_and_shortens() {
        assert_eq!(printable("a\tb\u{0}", 10), "a\\tb\\u{0}");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable_bytes(b"ab\xffc", 10), "ab\u{fffd}c");
    }
}
