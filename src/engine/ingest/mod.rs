//! Streaming ingest (SPEC §1; docs/semantics.md, "Reading the files"): bytes in, in chunks
//! of any size, a compact [`Dataset`] out. The caller opens a file, pushes its bytes chunk by
//! chunk (the CLI from `io::Read`, the worker from `Blob` slices), and closes it. Files are
//! classified by their header, never their name. Bad rows are skipped and recorded; nothing
//! here panics or does I/O. This file is the [`Ingest`] type and the glue between its jobs:
//! `schema`, `reader`, `rows`, `store_ids`, `parts` and `dataset`.

mod dataset;
mod parts;
mod reader;
mod rows;
pub(super) mod schema;
mod status_lines;
mod store_ids;

use std::io::Read;
use std::ops::ControlFlow;

use chrono_tz::Tz;

use super::archive::ArchiveError;
use super::business::HoursRule;
use super::error::{FileError, FileProblem, SkipLog, SkipReason};
use super::time::{LastDate, Micros};
use super::Progress;

pub use dataset::{dataset_from_bytes, Dataset, StoreName};
pub(crate) use dataset::{unpack_poll, PackedPoll};
#[cfg(not(target_arch = "wasm32"))] // for the native parallel reader
pub(crate) use parts::{after_first_line_end, after_last_line_end, may_close_a_broken_field};
pub use parts::{part_start, FilePart, PartRows};
pub use reader::HEADER_SEARCH_BYTES;
pub use schema::FileKind;
pub(crate) use store_ids::uuid_text;
pub use store_ids::StoreIdx;

use dataset::{group_hours, group_polls, id_order, GROUP_PROGRESS_EVERY};
use reader::{Feed, Step, Tokenizer};
use rows::FileState;
use store_ids::{PackedId, StoreTable};

/// What was read from one file, for summaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub name: String,
    /// `None` until the header has been read, and for rejected files.
    pub kind: Option<FileKind>,
    pub bytes: u64,
    /// Data rows (not counting the header).
    pub rows: u64,
    pub valid_rows: u64,
    pub stores: u64,
    /// Earliest and latest valid poll (status files only).
    pub time_range: Option<(Micros, Micros)>,
    pub error: Option<FileError>,
    /// Rows of this file skipped, per reason, in the order the reasons first occurred.
    pub skipped: Vec<(SkipReason, u64)>,
}

/// Handle of an open file in an [`Ingest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId(pub(super) usize);

/// One open file: its tokenizer, and what its records have settled.
struct FileReader {
    tokens: Tokenizer,
    state: FileState,
}

/// Accumulates files into a [`Dataset`].
#[derive(Default)]
pub struct Ingest {
    stores: StoreTable,
    poll_times: Vec<PackedPoll>,
    poll_stores: Vec<StoreIdx>,
    /// Ids of the last status rows read, whose stores are looked up together; their
    /// `poll_stores` are placeholders meanwhile (see `rows.rs`).
    pending_ids: Vec<PackedId>,
    hours: Vec<(StoreIdx, HoursRule)>,
    zones: Vec<Option<Tz>>,
    files: Vec<FileSummary>,
    readers: Vec<Option<FileReader>>,
    skips: SkipLog,
    latest_poll: Option<Micros>,
    last_zone_name: Option<(Box<str>, Option<Tz>)>,
    last_date: LastDate,
    /// Store names by id, kept apart from the store table until `finish`.
    names: rustc_hash::FxHashMap<Box<str>, StoreName>,
    /// Tests turn the fast path off to compare it with csv-core alone.
    csv_core_only: bool,
    /// Tests turn off reading status rows in the exports' own layout in one pass
    /// (`status_lines`), to compare it with reading them field by field.
    fields_only: bool,
}

impl Ingest {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a file; its kind is known once its header has been pushed.
    pub fn open_file(&mut self, name: &str) -> FileId {
        self.files.push(FileSummary {
            name: name.to_string(),
            kind: None,
            bytes: 0,
            rows: 0,
            valid_rows: 0,
            stores: 0,
            time_range: None,
            error: None,
            skipped: Vec::new(),
        });
        self.readers.push(Some(FileReader {
            tokens: Tokenizer::new(self.csv_core_only),
            state: FileState::default(),
        }));
        FileId(self.files.len() - 1)
    }

    /// The kind of an open file, once its header has been read.
    pub fn kind(&self, file: FileId) -> Option<FileKind> {
        self.files[file.0].kind
    }

    /// Feeds the next bytes of a file. Chunks may split anywhere, even inside a character.
    /// An error rejects the whole file (its later chunks are ignored); rows read before
    /// are kept only when the error came after the header, which cannot happen today.
    pub fn push(&mut self, file: FileId, chunk: &[u8]) -> Result<(), FileProblem> {
        let Some(mut reader) = self.readers[file.0].take() else {
            return Ok(());
        };
        let before = self.files[file.0].bytes;
        self.files[file.0].bytes += chunk.len() as u64;
        if reader.state.layout.is_none() && !reader.state.failed && before >= HEADER_SEARCH_BYTES {
            // An endless source of blank lines is refused too (docs/semantics.md, "The header
            // must come early").
            let problem = self.fail(file, &mut reader.state, FileError::HeaderTooLong);
            self.readers[file.0] = Some(reader);
            return Err(problem);
        }
        let result = self.push_bytes(file, &mut reader, chunk, false);
        self.readers[file.0] = Some(reader);
        result
    }

    /// Ends a file: reads its last row and returns its summary.
    pub fn close_file(&mut self, file: FileId) -> Result<&FileSummary, FileProblem> {
        if let Some(mut reader) = self.readers[file.0].take() {
            self.push_bytes(file, &mut reader, &[], true)?;
            if reader.state.layout.is_none() && !reader.state.failed {
                return Err(self.fail(file, &mut reader.state, FileError::Empty));
            }
        }
        match &self.files[file.0].error {
            Some(error) => Err(FileProblem {
                file: self.files[file.0].name.clone(),
                error: error.clone(),
            }),
            None => Ok(&self.files[file.0]),
        }
    }

    /// Reads a whole file from `source` in chunks of `chunk_size` bytes, reporting progress
    /// after each chunk. `Break` from `observe` stops early and returns `Ok(false)`.
    pub fn read_file(
        &mut self,
        name: &str,
        mut source: impl Read,
        chunk_size: usize,
        observe: &mut dyn FnMut(Progress) -> ControlFlow<()>,
    ) -> Result<bool, FileProblem> {
        let file = self.open_file(name);
        let mut buf = vec![0; chunk_size.max(1)];
        let mut bytes = 0u64;
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.reject_io(file, &e)),
            };
            self.push(file, &buf[..n])?;
            bytes += n as u64;
            if observe(Progress::Read {
                file: name.to_string(),
                bytes,
            })
            .is_break()
            {
                return Ok(false);
            }
        }
        self.close_file(file)?;
        Ok(true)
    }

    /// Rejects a file whose byte source failed (`why` says how); later chunks are ignored.
    pub fn reject(&mut self, file: FileId, why: String) -> FileProblem {
        let mut state = self.readers[file.0]
            .take()
            .map_or_else(FileState::default, |reader| reader.state);
        self.fail(file, &mut state, FileError::Read(why))
    }

    /// Rejects a file whose byte source failed with `error`: a decompressing reader's
    /// [`ArchiveError`] keeps its own words, any other error is a read error.
    pub fn reject_io(&mut self, file: FileId, error: &std::io::Error) -> FileProblem {
        let archive = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<ArchiveError>());
        let error = match archive {
            Some(archive) => FileError::Archive(archive.clone()),
            None => FileError::Read(error.to_string()),
        };
        let mut state = self.readers[file.0]
            .take()
            .map_or_else(FileState::default, |reader| reader.state);
        self.fail(file, &mut state, error)
    }

    /// Lists an archive, or an entry of one, that is not read (`name` says which), with why.
    pub fn refuse(&mut self, name: &str, error: ArchiveError) -> FileProblem {
        let file = self.open_file(name);
        let mut state = self.readers[file.0]
            .take()
            .map_or_else(FileState::default, |reader| reader.state);
        self.fail(file, &mut state, FileError::Archive(error))
    }

    fn fail(&mut self, file: FileId, state: &mut FileState, error: FileError) -> FileProblem {
        state.failed = true;
        let summary = &mut self.files[file.0];
        summary.kind = None;
        summary.error = Some(error.clone());
        FileProblem {
            file: summary.name.clone(),
            error,
        }
    }

    /// Reads pushed bytes: the tokenizer splits them into records and the rows module
    /// decodes each, until the bytes are used up or the file is refused.
    fn push_bytes(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        input: &[u8],
        at_end: bool,
    ) -> Result<(), FileProblem> {
        if reader.state.failed {
            return Ok(());
        }
        let header_read = reader.state.layout.is_some();
        let mut feed = match reader.tokens.feed(input, at_end, header_read) {
            Ok(Some(feed)) => feed,
            Ok(None) => return Ok(()),
            Err(error) => return Err(self.fail(file, &mut reader.state, error)),
        };
        let result = self.read_records(file, reader, &mut feed);
        self.resolve_pending_ids(file, &mut reader.state);
        result
    }

    fn read_records(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        feed: &mut Feed<'_>,
    ) -> Result<(), FileProblem> {
        loop {
            // Checked at every step: the header (the first step) settles the layout.
            let layout = reader.state.layout;
            let export = layout.as_ref().and_then(status_lines::export_kind);
            if let Some(kind) = export.filter(|_| !self.fields_only) {
                let (tokens, state) = (&mut reader.tokens, &mut reader.state);
                self.read_export_rows(file, kind, tokens, state, feed);
            }
            let row_fields = reader.state.row_fields();
            match reader.tokens.step(feed, row_fields) {
                Step::Record { line, fields } => {
                    self.record(file, &mut reader.state, line, fields)?;
                    if reader.state.failed {
                        return Ok(());
                    }
                }
                Step::TooLong { line } => self.row_too_long(file, line),
                Step::Unclosed { line, snippet } => {
                    self.broken_row(file, line, SkipReason::UnbalancedQuote, &snippet)
                }
                Step::Continuation { line, snippet } => {
                    self.broken_row(file, line, SkipReason::QuoteContinuation, &snippet)
                }
                Step::Refused(error) => return Err(self.fail(file, &mut reader.state, error)),
                Step::Done => return Ok(()),
            }
        }
    }

    /// Makes room at once for the polls still to come from status file `file`, `size` bytes
    /// in all, judged by its rows so far (3 % more, as its rows may grow longer). Without it
    /// the poll columns doubled as they filled: each doubling copied them, and at the end
    /// they could hold up to twice the room they used: at 10× in the page the peak wasm
    /// memory fell from 667 to 558 MiB with it (docs/perf-log.md). `false` until a megabyte
    /// of the file has been read (too little to judge by): call again after the next chunk.
    /// Once its kind is known, a file of another kind needs no room and gives `true` at once.
    pub fn reserve_for_rest(&mut self, file: FileId, size: u64) -> bool {
        const JUDGE_AFTER: u64 = 1 << 20;
        let summary = &self.files[file.0];
        match summary.kind {
            None => return summary.error.is_some(),
            Some(FileKind::Status) if summary.bytes >= JUDGE_AFTER => {}
            Some(FileKind::Status) => return false,
            Some(_) => return true,
        }
        let left = size.saturating_sub(summary.bytes);
        let rows = (summary.rows as f64 * left as f64 / summary.bytes as f64 * 1.03) as usize;
        self.poll_times.reserve(rows);
        self.poll_stores.reserve(rows);
        true
    }

    /// The files read so far (including rejected ones).
    pub fn files(&self) -> &[FileSummary] {
        &self.files
    }

    /// Groups the polls by store, sorted by time, one observation per timestamp.
    pub fn finish(self) -> Dataset {
        self.finish_observed(&mut |_| {})
    }

    /// [`Ingest::finish`], telling `observe` how far the grouping has come (it is the one
    /// long step of finishing, linear in the polls). Nothing can cancel it.
    pub fn finish_observed(self, observe: &mut dyn FnMut(Progress)) -> Dataset {
        self.finish_grouping(observe, 1)
    }

    /// [`Ingest::finish`] with the polls grouped on `threads` threads (native only), for
    /// the same dataset.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn finish_parallel(self, threads: usize) -> Dataset {
        self.finish_grouping(&mut |_| {}, threads)
    }

    /// Finishes, grouping on one thread with progress, or on several without.
    fn finish_grouping(mut self, observe: &mut dyn FnMut(Progress), threads: usize) -> Dataset {
        // Files never closed still count what they read; close them quietly. This can read
        // a last row, and intern a store, so count stores only afterwards.
        for i in 0..self.readers.len() {
            if self.readers[i].is_some() {
                let _ = self.close_file(FileId(i));
            }
        }
        let store_count = self.stores.ids.len();
        // The dataset numbers its stores in the report's order, by id (docs/architecture.md):
        // the report, outages and fleet then walk the polls front to back.
        let order = id_order(&self.stores.ids);
        let mut renumber = vec![0; store_count];
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as StoreIdx;
        }
        for (store, _) in &mut self.hours {
            *store = renumber[*store as usize];
        }
        let (times, stores) = (
            std::mem::take(&mut self.poll_times),
            std::mem::take(&mut self.poll_stores),
        );
        #[cfg(not(target_arch = "wasm32"))]
        let (poll_start, polls) = if threads > 1 {
            dataset::group_polls_parallel(times, stores, &renumber, threads)
        } else {
            group_polls(times, stores, &renumber, GROUP_PROGRESS_EVERY, observe)
        };
        #[cfg(target_arch = "wasm32")]
        let (poll_start, polls) = {
            let _ = threads; // one thread in the page
            group_polls(times, stores, &renumber, GROUP_PROGRESS_EVERY, observe)
        };

        let (hours_start, hours) = group_hours(store_count, &self.hours);
        self.zones.resize(store_count, None);
        let zones = order.iter().map(|&old| self.zones[old as usize]).collect();
        let mut first_seen_ids = std::mem::take(&mut self.stores.ids);
        let store_ids = order
            .iter()
            .map(|&old| std::mem::take(&mut first_seen_ids[old as usize]))
            .collect();
        let mut names = Vec::new();
        let mut names_unmatched = 0;
        if !self.names.is_empty() {
            names.resize(store_count, None);
            for (id, name) in std::mem::take(&mut self.names) {
                match self.stores.find(&id) {
                    Some(store) => names[renumber[store as usize] as usize] = Some(name),
                    None => names_unmatched += 1,
                }
            }
        }
        Dataset {
            store_ids,
            poll_start,
            polls,
            hours_start,
            hours,
            zones,
            files: self.files,
            skips: self.skips,
            latest_poll: self.latest_poll,
            names,
            names_unmatched,
        }
    }
}

impl std::fmt::Debug for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod testing {
    use super::*;

    pub(super) const STATUS: &str = "store_id,status,timestamp_utc\n\
        1,active,2023-01-22 12:09:39.388884 UTC\n\
        2,inactive,2023-01-22 12:10:00 UTC\n\
        1,inactive,2023-01-22 13:09:39 UTC\n";

    pub(super) fn read_chunked(files: &[(&str, &[u8])], chunk: usize) -> Dataset {
        let mut ingest = Ingest::new();
        for (name, bytes) in files {
            let file = ingest.open_file(name);
            for piece in bytes.chunks(chunk) {
                ingest.push(file, piece).unwrap();
            }
            ingest.close_file(file).unwrap();
        }
        ingest.finish()
    }

    pub(super) fn skipped_lines(data: &Dataset, reason: SkipReason) -> Vec<u64> {
        data.skips
            .get(reason)
            .examples
            .iter()
            .map(|r| r.line)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::STATUS;
    use super::*;

    #[test]
    fn room_for_a_status_file_is_made_once_from_its_first_megabyte() {
        let data = crate::generate::GeneratedData::generate(crate::generate::GenConfig {
            days: 2,
            ..crate::generate::GenConfig::public_like(3, 1_000)
        });
        let [status, hours, _] = data.files_in_memory();
        assert!(status.len() > 3 << 20, "{} bytes", status.len());
        let size = status.len() as u64;
        let mut ingest = Ingest::new();
        let other = ingest.open_file("hours.csv");
        ingest.push(other, &hours).unwrap();
        assert!(
            ingest.reserve_for_rest(other, hours.len() as u64),
            "nothing to reserve"
        );
        let file = ingest.open_file("status.csv");
        let mut chunks = status.chunks(1 << 19);
        let mut judged_after = 0;
        for chunk in chunks.by_ref() {
            ingest.push(file, chunk).unwrap();
            judged_after += chunk.len();
            if ingest.reserve_for_rest(file, size) {
                break;
            }
        }
        assert_eq!(judged_after, 1 << 20, "judged after the first megabyte");
        let capacity = ingest.poll_times.capacity();
        for chunk in chunks {
            ingest.push(file, chunk).unwrap();
        }
        ingest.close_file(file).unwrap();
        let polls = ingest.poll_times.len();
        assert_eq!(ingest.poll_times.capacity(), capacity, "no growth after");
        assert!(
            capacity >= polls && capacity * 100 <= polls * 106,
            "{capacity} for {polls}"
        );
        assert_eq!(ingest.poll_stores.len(), polls);
        assert!(ingest.poll_stores.capacity() >= polls);
    }

    #[test]
    fn read_file_reports_bytes_and_stops_when_asked() {
        let mut seen = Vec::new();
        let mut ingest = Ingest::new();
        let done = ingest
            .read_file("s.csv", STATUS.as_bytes(), 10, &mut |p| {
                seen.push(p);
                ControlFlow::Continue(())
            })
            .unwrap();
        assert!(done);
        let bytes: Vec<u64> = seen
            .iter()
            .map(|p| match p {
                Progress::Read { bytes, .. } => *bytes,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(bytes.len(), STATUS.len().div_ceil(10));
        assert!(bytes.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(*bytes.last().unwrap(), STATUS.len() as u64);
        assert_eq!(ingest.finish().total_polls(), 3);

        let mut calls = 0;
        let mut ingest = Ingest::new();
        let done = ingest
            .read_file("s.csv", STATUS.as_bytes(), 10, &mut |_| {
                calls += 1;
                ControlFlow::Break(())
            })
            .unwrap();
        assert!(!done);
        assert_eq!(calls, 1, "stops after the first chunk");
    }
}
