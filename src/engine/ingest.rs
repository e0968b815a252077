//! Streaming ingest (SPEC §1): bytes in, in chunks of any size, a compact [`Dataset`] out.
//!
//! The caller opens a file, pushes its bytes chunk by chunk (the CLI from `io::Read`, the
//! worker from `Blob` slices), and closes it. Files are classified by their header, never
//! their name. Bad rows are skipped and recorded; nothing here panics or does I/O.

use std::io::Read;
use std::ops::ControlFlow;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use super::business::HoursRule;
use super::error::{
    printable_bytes, Column, FileError, FileProblem, SkipLog, SkipReason, SkippedRow,
};
use super::time::{parse_time_of_day, parse_timestamp, Micros, TimeProblem};
use super::Progress;

/// Index of a store in [`Dataset`]; ids are interned once.
pub type StoreIdx = u32;

/// The three input layouts (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Status,
    Hours,
    Timezones,
}

impl FileKind {
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Status => "status polls",
            FileKind::Hours => "business hours",
            FileKind::Timezones => "timezones",
        }
    }
}

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
}

/// Rows longer than this are skipped unread: no real export comes near it, and it bounds
/// memory for a 50 MB single-line file.
const MAX_ROW_BYTES: usize = 1 << 20;
const MAX_FIELDS: usize = 1 << 12;
const MAX_HEADER_FIELDS: usize = 1 << 16;
const SNIPPET_CHARS: usize = 60;

/// Column positions for one file, found from its header.
#[derive(Debug, Clone, Copy)]
struct Layout {
    kind: FileKind,
    store: usize,
    /// status / dayOfWeek / timezone_str
    a: usize,
    /// timestamp_utc / start_time_local
    b: usize,
    /// end_time_local
    c: usize,
    min_fields: usize,
}

/// Header names compare case-insensitively with everything but letters and digits removed.
fn normalise_header(name: &[u8]) -> String {
    name.iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect()
}

/// The columns each layout needs, as normalised names; `dayofweek` has the alias `day`.
const LAYOUTS: [(FileKind, &[(&str, &str)]); 3] = [
    (
        FileKind::Status,
        &[
            ("storeid", "store_id"),
            ("status", "status"),
            ("timestamputc", "timestamp_utc"),
        ],
    ),
    (
        FileKind::Hours,
        &[
            ("storeid", "store_id"),
            ("dayofweek", "dayOfWeek"),
            ("starttimelocal", "start_time_local"),
            ("endtimelocal", "end_time_local"),
        ],
    ),
    (
        FileKind::Timezones,
        &[("storeid", "store_id"), ("timezonestr", "timezone_str")],
    ),
];

fn classify(header: &[String]) -> Result<Layout, FileError> {
    let find = |want: &str| {
        header.iter().position(|h| h == want).or_else(|| {
            // SPEC §1: `day` is an alias of `dayOfWeek`.
            (want == "dayofweek")
                .then(|| header.iter().position(|h| h == "day"))
                .flatten()
        })
    };
    let mut closest: Option<(FileKind, Vec<&'static str>, usize)> = None;
    for (kind, columns) in LAYOUTS {
        let found: Vec<Option<usize>> = columns.iter().map(|(n, _)| find(n)).collect();
        let missing: Vec<&'static str> = columns
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|((_, display), _)| *display)
            .collect();
        if missing.is_empty() {
            let idx: Vec<usize> = found.into_iter().flatten().collect();
            let get = |i: usize| idx.get(i).copied().unwrap_or(0);
            return Ok(Layout {
                kind,
                store: get(0),
                a: get(1),
                b: get(2),
                c: get(3),
                min_fields: idx.iter().max().map_or(0, |m| m + 1),
            });
        }
        // "Closest" needs more than a shared store_id to mean anything.
        let matched = columns.len() - missing.len();
        if matched >= 2 && closest.as_ref().is_none_or(|c| matched > c.2) {
            closest = Some((kind, missing, matched));
        }
    }
    Err(FileError::UnknownHeader {
        found: header.to_vec(),
        closest: closest.map(|(k, m, _)| (k, m)),
    })
}

/// Store ids, interned once: the hash map for look-up, the vector for the way back.
#[derive(Debug, Default)]
struct StoreTable {
    index: FxHashMap<Box<str>, StoreIdx>,
    ids: Vec<Box<str>>,
}

impl StoreTable {
    fn intern(&mut self, id: &str) -> StoreIdx {
        if let Some(&idx) = self.index.get(id) {
            return idx;
        }
        let idx = self.ids.len() as StoreIdx;
        self.ids.push(id.into());
        self.index.insert(id.into(), idx);
        idx
    }
}

/// A poll packed in one integer: the timestamp shifted left, the low bit set when
/// `inactive`. Sorting packed polls sorts by time, and inactive after active at one time.
pub(crate) type PackedPoll = i64;

pub(crate) fn pack_poll(t: Micros, active: bool) -> PackedPoll {
    (t << 1) | PackedPoll::from(!active)
}

pub(crate) fn unpack_poll(p: PackedPoll) -> (Micros, bool) {
    (p >> 1, p & 1 == 0)
}

/// The per-file push parser.
struct FileReader {
    core: csv_core::Reader,
    /// Bytes of a possible byte-order mark seen so far (csv-core misses one split by chunks).
    start: Vec<u8>,
    started: bool,
    record: Vec<u8>,
    ends: Vec<usize>,
    record_len: usize,
    ends_len: usize,
    /// The current row outgrew the limits: its bytes are being discarded.
    overflow: bool,
    scratch: Vec<u8>,
    scratch_ends: Vec<usize>,
    line_after_last_record: u64,
    layout: Option<Layout>,
    /// Stores seen in this file, as a bitset over store indices.
    seen: Vec<u64>,
    failed: bool,
}

impl FileReader {
    fn new() -> Self {
        FileReader {
            core: csv_core::Reader::new(),
            start: Vec::new(),
            started: false,
            record: vec![0; 4096],
            ends: vec![0; 64],
            record_len: 0,
            ends_len: 0,
            overflow: false,
            scratch: Vec::new(),
            scratch_ends: Vec::new(),
            line_after_last_record: 1,
            layout: None,
            seen: Vec::new(),
            failed: false,
        }
    }
}

/// Handle of an open file in an [`Ingest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId(usize);

/// Accumulates files into a [`Dataset`].
#[derive(Default)]
pub struct Ingest {
    stores: StoreTable,
    poll_times: Vec<PackedPoll>,
    poll_stores: Vec<StoreIdx>,
    hours: Vec<(StoreIdx, HoursRule)>,
    zones: Vec<Option<Tz>>,
    files: Vec<FileSummary>,
    readers: Vec<Option<FileReader>>,
    skips: SkipLog,
    latest_poll: Option<Micros>,
    last_zone_name: Option<(Box<str>, Option<Tz>)>,
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
        });
        self.readers.push(Some(FileReader::new()));
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
        self.files[file.0].bytes += chunk.len() as u64;
        let result = self.push_bytes(file, &mut reader, chunk, false);
        self.readers[file.0] = Some(reader);
        result
    }

    /// Ends a file: reads its last row and returns its summary.
    pub fn close_file(&mut self, file: FileId) -> Result<&FileSummary, FileProblem> {
        if let Some(mut reader) = self.readers[file.0].take() {
            self.push_bytes(file, &mut reader, &[], true)?;
            if reader.layout.is_none() && !reader.failed {
                return Err(self.fail(file, &mut reader, FileError::Empty));
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
                Err(e) => {
                    let mut reader = self.readers[file.0].take().unwrap_or_else(FileReader::new);
                    return Err(self.fail(file, &mut reader, FileError::Read(e.to_string())));
                }
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

    fn fail(&mut self, file: FileId, reader: &mut FileReader, error: FileError) -> FileProblem {
        reader.failed = true;
        let summary = &mut self.files[file.0];
        summary.kind = None;
        summary.error = Some(error.clone());
        FileProblem {
            file: summary.name.clone(),
            error,
        }
    }

    fn push_bytes(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        mut input: &[u8],
        at_end: bool,
    ) -> Result<(), FileProblem> {
        if reader.failed {
            return Ok(());
        }
        // Hold back the first bytes until we know whether they are a byte-order mark.
        let held;
        if !reader.started {
            reader.start.extend_from_slice(&input[..input.len().min(4)]);
            input = &input[input.len().min(4)..];
            if reader.start.len() < 4 && !at_end {
                return Ok(());
            }
            reader.started = true;
            if reader.start.starts_with(&[0xFF, 0xFE]) || reader.start.starts_with(&[0xFE, 0xFF]) {
                let error = FileError::NotText {
                    hint: "it is UTF-16; save it as CSV UTF-8",
                };
                return Err(self.fail(file, reader, error));
            }
            let skip = if reader.start.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            held = std::mem::take(&mut reader.start).split_off(skip);
            self.parse(file, reader, &held, false)?;
        }
        self.parse(file, reader, input, at_end)
    }

    fn parse(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        mut input: &[u8],
        at_end: bool,
    ) -> Result<(), FileProblem> {
        use csv_core::ReadRecordResult as R;
        loop {
            if input.is_empty() && !at_end {
                return Ok(());
            }
            let (res, nin, nout, nend) = if reader.overflow {
                reader.scratch.resize(4096, 0);
                reader.scratch_ends.resize(64, 0);
                reader
                    .core
                    .read_record(input, &mut reader.scratch, &mut reader.scratch_ends)
            } else {
                reader.core.read_record(
                    input,
                    &mut reader.record[reader.record_len..],
                    &mut reader.ends[reader.ends_len..],
                )
            };
            let last_byte = input[..nin].last().copied();
            input = &input[nin..];
            if !reader.overflow {
                reader.record_len += nout;
                reader.ends_len += nend;
            }
            match res {
                R::InputEmpty => {
                    if at_end {
                        continue; // csv-core wants one more empty call to finish the last row
                    }
                }
                R::OutputFull => {
                    grow_or_overflow(&mut reader.record, MAX_ROW_BYTES, &mut reader.overflow)
                }
                R::OutputEndsFull => {
                    let limit = if reader.layout.is_none() {
                        MAX_HEADER_FIELDS
                    } else {
                        MAX_FIELDS
                    };
                    grow_or_overflow(&mut reader.ends, limit, &mut reader.overflow)
                }
                R::Record => {
                    let line = record_start_line(reader, last_byte);
                    let overflow = std::mem::take(&mut reader.overflow);
                    let (len, n_ends) = (reader.record_len, reader.ends_len);
                    reader.record_len = 0;
                    reader.ends_len = 0;
                    let record = std::mem::take(&mut reader.record);
                    let ends = std::mem::take(&mut reader.ends);
                    let result = if overflow {
                        self.overflowed_row(file, reader, line)
                    } else {
                        self.record(file, reader, line, &record[..len], &ends[..n_ends])
                    };
                    reader.record = record;
                    reader.ends = ends;
                    result?;
                    if reader.failed {
                        return Ok(());
                    }
                }
                R::End => return Ok(()),
            }
        }
    }

    fn overflowed_row(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        line: u64,
    ) -> Result<(), FileProblem> {
        if reader.layout.is_none() {
            return Err(self.fail(file, reader, FileError::HeaderTooLong));
        }
        self.files[file.0].rows += 1;
        let limit = format!("{} MiB or {} fields", MAX_ROW_BYTES >> 20, MAX_FIELDS);
        self.skip(
            file,
            line,
            Column::Row,
            SkipReason::RowTooLong,
            limit.as_bytes(),
        );
        Ok(())
    }

    fn record(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        line: u64,
        record: &[u8],
        ends: &[usize],
    ) -> Result<(), FileProblem> {
        let field = |i: usize| -> &[u8] {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            &record[start..ends[i]]
        };
        let Some(layout) = reader.layout else {
            return self.header(file, reader, record, ends);
        };
        self.files[file.0].rows += 1;
        if ends.len() < layout.min_fields {
            // A lone empty field is a blank-looking line (`""` or spaces): still reported.
            let count = ends.len().to_string();
            self.skip(
                file,
                line,
                Column::Row,
                SkipReason::MissingFields,
                count.as_bytes(),
            );
            return Ok(());
        }
        let Some(id) = self.store_id(file, line, field(layout.store)) else {
            return Ok(());
        };
        let accepted = match layout.kind {
            FileKind::Status => self.status_row(file, line, id, field(layout.a), field(layout.b)),
            FileKind::Hours => self.hours_row(
                file,
                line,
                id,
                field(layout.a),
                field(layout.b),
                field(layout.c),
            ),
            FileKind::Timezones => self.zone_row(file, line, id, field(layout.a)),
        };
        if let Some(store) = accepted {
            let summary = &mut self.files[file.0];
            summary.valid_rows += 1;
            let (word, bit) = (store as usize / 64, 1u64 << (store % 64));
            if reader.seen.len() <= word {
                reader.seen.resize(word + 1, 0);
            }
            if reader.seen[word] & bit == 0 {
                reader.seen[word] |= bit;
                summary.stores += 1;
            }
        }
        Ok(())
    }

    fn header(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        record: &[u8],
        ends: &[usize],
    ) -> Result<(), FileProblem> {
        let not_text = |hint| FileError::NotText { hint };
        if record.contains(&0) {
            return Err(self.fail(
                file,
                reader,
                not_text("it contains NUL bytes: binary data or UTF-16"),
            ));
        }
        let Ok(text) = std::str::from_utf8(record) else {
            return Err(self.fail(file, reader, not_text("its first row is not UTF-8 text")));
        };
        if text.chars().any(|c| c.is_control() && c != '\t') {
            return Err(self.fail(
                file,
                reader,
                not_text("its first row has control characters: binary data"),
            ));
        }
        let mut names = Vec::with_capacity(ends.len());
        let mut start = 0;
        for &end in ends {
            names.push(&record[start..end]);
            start = end;
        }
        let normalised: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
        match classify(&normalised) {
            Ok(layout) => {
                reader.layout = Some(layout);
                self.files[file.0].kind = Some(layout.kind);
                Ok(())
            }
            Err(FileError::UnknownHeader { closest, .. }) => {
                let found = names.iter().map(|n| printable_bytes(n, 40)).collect();
                Err(self.fail(file, reader, FileError::UnknownHeader { found, closest }))
            }
            Err(other) => Err(self.fail(file, reader, other)),
        }
    }

    /// A trimmed, non-empty UTF-8 store id, or the row is skipped.
    fn store_id<'r>(&mut self, file: FileId, line: u64, raw: &'r [u8]) -> Option<&'r str> {
        match std::str::from_utf8(raw.trim_ascii()) {
            Ok("") => {
                self.skip(file, line, Column::StoreId, SkipReason::EmptyStoreId, b"");
                None
            }
            Ok(id) => Some(id),
            Err(_) => {
                self.skip(file, line, Column::StoreId, SkipReason::NotUtf8, raw);
                None
            }
        }
    }

    fn status_row(
        &mut self,
        file: FileId,
        line: u64,
        id: &str,
        status: &[u8],
        timestamp: &[u8],
    ) -> Option<StoreIdx> {
        let status_text = status.trim_ascii();
        let active = if status_text.eq_ignore_ascii_case(b"active") {
            true
        } else if status_text.eq_ignore_ascii_case(b"inactive") {
            false
        } else {
            self.skip(file, line, Column::Status, SkipReason::BadStatus, status);
            return None;
        };
        let t = match parse_timestamp(timestamp) {
            Ok(t) => t,
            Err(problem) => {
                let reason = match problem {
                    TimeProblem::OutOfRange => SkipReason::TimestampOutOfRange,
                    _ => SkipReason::BadTimestamp,
                };
                self.skip(file, line, Column::TimestampUtc, reason, timestamp);
                return None;
            }
        };
        let store = self.stores.intern(id);
        self.poll_times.push(pack_poll(t, active));
        self.poll_stores.push(store);
        self.latest_poll = Some(self.latest_poll.map_or(t, |l| l.max(t)));
        let range = &mut self.files[file.0].time_range;
        *range = Some(range.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
        Some(store)
    }

    fn hours_row(
        &mut self,
        file: FileId,
        line: u64,
        id: &str,
        day: &[u8],
        start: &[u8],
        end: &[u8],
    ) -> Option<StoreIdx> {
        let day_text = day.trim_ascii();
        let day = match day_text {
            [d @ b'0'..=b'6'] => d - b'0',
            _ => {
                self.skip(file, line, Column::DayOfWeek, SkipReason::BadWeekday, day);
                return None;
            }
        };
        let start = self.time_of_day(file, line, Column::StartTimeLocal, start, false)?;
        let end = self.time_of_day(file, line, Column::EndTimeLocal, end, true)?;
        let store = self.stores.intern(id);
        self.hours.push((store, HoursRule { day, start, end }));
        Some(store)
    }

    fn time_of_day(
        &mut self,
        file: FileId,
        line: u64,
        column: Column,
        raw: &[u8],
        is_end: bool,
    ) -> Option<Micros> {
        match parse_time_of_day(raw, is_end) {
            Ok(t) => Some(t),
            Err(problem) => {
                let reason = match problem {
                    TimeProblem::OutOfRange => SkipReason::TimeOutOfRange,
                    TimeProblem::MidnightStart => SkipReason::StartAtMidnightEnd,
                    TimeProblem::Empty | TimeProblem::Layout => SkipReason::BadTime,
                };
                self.skip(file, line, column, reason, raw);
                None
            }
        }
    }

    fn zone_row(&mut self, file: FileId, line: u64, id: &str, zone: &[u8]) -> Option<StoreIdx> {
        let name = std::str::from_utf8(zone.trim_ascii()).unwrap_or("");
        let tz = match &self.last_zone_name {
            Some((last, tz)) if **last == *name => *tz,
            _ => {
                let tz = parse_zone(name);
                self.last_zone_name = Some((name.into(), tz));
                tz
            }
        };
        let Some(tz) = tz else {
            self.skip(
                file,
                line,
                Column::TimezoneStr,
                SkipReason::UnknownTimezone,
                zone,
            );
            return None;
        };
        let store = self.stores.intern(id) as usize;
        if self.zones.len() <= store {
            self.zones.resize(store + 1, None);
        }
        match self.zones[store] {
            // SPEC §1: the first valid zone wins.
            Some(first) if first != tz => {
                self.skip(
                    file,
                    line,
                    Column::TimezoneStr,
                    SkipReason::ConflictingTimezone,
                    zone,
                );
                None
            }
            Some(_) => Some(store as StoreIdx),
            None => {
                self.zones[store] = Some(tz);
                Some(store as StoreIdx)
            }
        }
    }

    fn skip(&mut self, file: FileId, line: u64, column: Column, reason: SkipReason, value: &[u8]) {
        if !self.skips.wants_example(reason) {
            self.skips.count_only(reason);
            return;
        }
        self.skips.record(SkippedRow {
            file: self.files[file.0].name.as_str().into(),
            line,
            column,
            reason,
            value: printable_bytes(value, SNIPPET_CHARS).into(),
        });
    }

    /// The files read so far (including rejected ones).
    pub fn files(&self) -> &[FileSummary] {
        &self.files
    }

    /// Groups the polls by store, sorted by time, one observation per timestamp.
    pub fn finish(mut self) -> Dataset {
        // Files never closed still count what they read; close them quietly. This can read
        // a last row, and intern a store, so count stores only afterwards.
        for i in 0..self.readers.len() {
            if self.readers[i].is_some() {
                let _ = self.close_file(FileId(i));
            }
        }
        let store_count = self.stores.ids.len();
        let (poll_start, polls) = group_polls(store_count, &self.poll_times, &self.poll_stores);
        drop(std::mem::take(&mut self.poll_times));

        let mut hours_count = vec![0u32; store_count + 1];
        for (store, _) in &self.hours {
            hours_count[*store as usize + 1] += 1;
        }
        let hours_start = prefix_sums(hours_count);
        let mut hours = vec![HoursRule::default(); self.hours.len()];
        let mut cursor = hours_start.clone();
        for (store, rule) in &self.hours {
            hours[cursor[*store as usize] as usize] = *rule;
            cursor[*store as usize] += 1;
        }
        self.zones.resize(store_count, None);
        Dataset {
            store_ids: self.stores.ids,
            poll_start,
            polls,
            hours_start,
            hours,
            zones: self.zones,
            files: self.files,
            skips: self.skips,
            latest_poll: self.latest_poll,
        }
    }
}

/// Doubles a full record buffer, or past `limit` switches the row to being discarded.
fn grow_or_overflow<T: Default + Clone>(buf: &mut Vec<T>, limit: usize, overflow: &mut bool) {
    if buf.len() >= limit {
        *overflow = true;
    } else {
        let new_len = (buf.len() * 2).min(limit);
        buf.resize(new_len, T::default());
    }
}

/// The 1-based line a just-finished record started on. csv-core counts the `\n`s it has
/// consumed; the record's own newlines (in quoted fields, and its `\n` terminator when the
/// call consumed one) come after its start.
fn record_start_line(reader: &mut FileReader, last_byte: Option<u8>) -> u64 {
    let line_now = reader.core.line();
    let terminator = u64::from(last_byte == Some(b'\n'));
    let consumed = line_now - reader.line_after_last_record;
    reader.line_after_last_record = line_now;
    if consumed <= terminator || reader.overflow {
        // No newline inside the record (or we did not keep it): it started on this line.
        return line_now - terminator;
    }
    let inside = reader.record[..reader.record_len]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64;
    line_now - terminator - inside
}

/// An IANA zone name; exact first, then ignoring case (`america/chicago`).
fn parse_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
    })
}

fn prefix_sums(mut counts: Vec<u32>) -> Vec<u32> {
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    counts
}

/// Counting sort by store, then each store's polls by time with duplicates merged
/// (SPEC §5: at one timestamp, any `inactive` makes the observation inactive).
fn group_polls(
    store_count: usize,
    times: &[PackedPoll],
    stores: &[StoreIdx],
) -> (Vec<u32>, Vec<PackedPoll>) {
    let mut counts = vec![0u32; store_count + 1];
    for &s in stores {
        counts[s as usize + 1] += 1;
    }
    let start = prefix_sums(counts);
    let mut cursor = start.clone();
    let mut grouped = vec![0; times.len()];
    for (&t, &s) in times.iter().zip(stores) {
        grouped[cursor[s as usize] as usize] = t;
        cursor[s as usize] += 1;
    }
    let mut new_start = Vec::with_capacity(store_count + 1);
    let mut write = 0usize;
    for s in 0..store_count {
        new_start.push(write as u32);
        let (lo, hi) = (start[s] as usize, start[s + 1] as usize);
        grouped[lo..hi].sort_unstable();
        for i in lo..hi {
            let p = grouped[i];
            if write > new_start[s] as usize && grouped[write - 1] >> 1 == p >> 1 {
                grouped[write - 1] = p; // same time: the later (inactive) one wins
            } else {
                grouped[write] = p;
                write += 1;
            }
        }
    }
    new_start.push(write as u32);
    grouped.truncate(write);
    grouped.shrink_to_fit();
    (new_start, grouped)
}

/// Everything read from the input files, compact and immutable.
#[derive(Debug, Clone)]
pub struct Dataset {
    store_ids: Vec<Box<str>>,
    poll_start: Vec<u32>,
    polls: Vec<PackedPoll>,
    hours_start: Vec<u32>,
    hours: Vec<HoursRule>,
    zones: Vec<Option<Tz>>,
    pub files: Vec<FileSummary>,
    pub skips: SkipLog,
    /// The latest valid poll: the report's default `now` (SPEC §3).
    pub latest_poll: Option<Micros>,
}

impl Dataset {
    pub fn store_count(&self) -> usize {
        self.store_ids.len()
    }

    pub fn store_id(&self, store: StoreIdx) -> &str {
        &self.store_ids[store as usize]
    }

    pub fn find_store(&self, id: &str) -> Option<StoreIdx> {
        self.store_ids
            .iter()
            .position(|s| &**s == id)
            .map(|i| i as StoreIdx)
    }

    /// A store's observations-to-be: polls sorted by time, one per timestamp.
    pub(crate) fn polls(&self, store: StoreIdx) -> &[PackedPoll] {
        let s = store as usize;
        &self.polls[self.poll_start[s] as usize..self.poll_start[s + 1] as usize]
    }

    pub fn poll_count(&self, store: StoreIdx) -> usize {
        self.polls(store).len()
    }

    /// Distinct (store, timestamp) polls.
    pub fn total_polls(&self) -> usize {
        self.polls.len()
    }

    /// The store's valid business-hours rows, as given.
    pub fn hours(&self, store: StoreIdx) -> &[HoursRule] {
        let s = store as usize;
        &self.hours[self.hours_start[s] as usize..self.hours_start[s + 1] as usize]
    }

    pub fn zone(&self, store: StoreIdx) -> Option<Tz> {
        self.zones[store as usize]
    }

    pub fn has_status_file(&self) -> bool {
        self.files.iter().any(|f| f.kind == Some(FileKind::Status))
    }
}

/// Reads `(name, bytes)` files whole: a convenience for tests and small inputs.
pub fn dataset_from_bytes(files: &[(&str, &[u8])]) -> Result<Dataset, FileProblem> {
    let mut ingest = Ingest::new();
    for (name, bytes) in files {
        let file = ingest.open_file(name);
        ingest.push(file, bytes)?;
        ingest.close_file(file)?;
    }
    Ok(ingest.finish())
}

impl std::fmt::Debug for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "store_id,status,timestamp_utc\n\
        1,active,2023-01-22 12:09:39.388884 UTC\n\
        2,inactive,2023-01-22 12:10:00 UTC\n\
        1,inactive,2023-01-22 13:09:39 UTC\n";

    fn read_chunked(files: &[(&str, &[u8])], chunk: usize) -> Dataset {
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

    fn skipped_lines(data: &Dataset, reason: SkipReason) -> Vec<u64> {
        data.skips
            .get(reason)
            .examples
            .iter()
            .map(|r| r.line)
            .collect()
    }

    #[test]
    fn spec_1_header_names_are_normalised() {
        assert_eq!(normalise_header(b"Day_Of-Week "), "dayofweek");
        assert_eq!(normalise_header(b"\"timestamp_utc\""), "timestamputc");
        for header in [
            "store_id,day,start_time_local,end_time_local",
            "STORE ID,DayOfWeek,Start Time Local,end_time_local,extra",
            "end_time_local,start_time_local,dayOfWeek,storeId",
        ] {
            let names: Vec<String> = header
                .split(',')
                .map(|h| normalise_header(h.as_bytes()))
                .collect();
            assert_eq!(classify(&names).unwrap().kind, FileKind::Hours, "{header}");
        }
    }

    #[test]
    fn spec_1_files_are_recognised_by_header_not_name() {
        let data = dataset_from_bytes(&[
            ("hours.csv", STATUS.as_bytes()),
            ("x", b"timezone_str,store_id\nAsia/Beirut,1\n"),
        ])
        .unwrap();
        assert_eq!(data.files[0].kind, Some(FileKind::Status));
        assert_eq!(data.files[1].kind, Some(FileKind::Timezones));
        assert_eq!(
            data.zone(data.find_store("1").unwrap()),
            Some(chrono_tz::Asia::Beirut)
        );
    }

    #[test]
    fn unknown_header_names_the_closest_layout_and_missing_columns() {
        let err = dataset_from_bytes(&[("polls.csv", b"store_id,status,time\n1,active,x\n")])
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "polls.csv: the header `store_id,status,time` matches no input layout"
            ),
            "{text}"
        );
        assert!(
            text.contains("looks like status polls but lacks timestamp_utc"),
            "{text}"
        );
        assert!(
            text.contains("timezones (store_id, timezone_str)"),
            "{text}"
        );
    }

    #[test]
    fn spec_1_empty_and_binary_files_are_errors_naming_the_file() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "the file is empty"),
            (b"\xEF\xBB\xBF\n\n", "the file is empty"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not UTF-8"),
            (b"PK\x03\x04\x14\0\x08\0", "NUL bytes"),
            (b"\xFF\xFEs\0t\0", "UTF-16"),
        ];
        for (bytes, expected) in cases {
            let err = dataset_from_bytes(&[("in.bin", bytes)]).unwrap_err();
            assert_eq!(err.file, "in.bin");
            assert!(
                err.to_string().contains(expected),
                "{err} should say {expected}"
            );
        }
    }

    #[test]
    fn spec_1_bom_crlf_no_final_newline_and_quoting() {
        let plain = dataset_from_bytes(&[("a", STATUS.as_bytes())]).unwrap();
        let messy = "\u{FEFF}store_id,status,timestamp_utc\r\n\
            \"1\",ACTIVE ,\"2023-01-22 12:09:39.388884 UTC\"\r\n\
            2 ,inactive,2023-01-22T12:10:00Z\r\n\
            1,\" Inactive\",2023-01-22 13:09:39";
        let messy = dataset_from_bytes(&[("b", messy.as_bytes())]).unwrap();
        assert_eq!(messy.skips.total(), 0);
        for id in ["1", "2"] {
            let (a, b) = (plain.find_store(id).unwrap(), messy.find_store(id).unwrap());
            assert_eq!(plain.polls(a), messy.polls(b));
        }
    }

    #[test]
    fn chunk_boundaries_never_change_the_result() {
        let text = format!(
            "\u{FEFF}{}2,unknown,2023-01-22 12:10:00\r\n\"3\n3\",active,2023-01-22 14:00:00\n\n4,active,bad\n5,active",
            STATUS
        );
        let whole = read_chunked(&[("s", text.as_bytes())], usize::MAX);
        for chunk in [1, 2, 3, 7, 4096] {
            let split = read_chunked(&[("s", text.as_bytes())], chunk);
            assert_eq!(split.store_ids, whole.store_ids, "chunk {chunk}");
            assert_eq!(split.polls, whole.polls, "chunk {chunk}");
            assert_eq!(split.skips, whole.skips, "chunk {chunk}");
            assert_eq!(split.files, whole.files, "chunk {chunk}");
        }
    }

    #[test]
    fn spec_1_line_numbers_are_one_based_with_the_header_as_line_1() {
        let text = "store_id,status,timestamp_utc\r\n\
            1,active,2023-01-22 12:00:00\r\n\
            \"multi\nline\",bogus,2023-01-22 12:00:00\r\n\
            \r\n\
            2,active,2023-13-01 00:00:00\r\n\
            3,active";
        let data = dataset_from_bytes(&[("s.csv", text.as_bytes())]).unwrap();
        assert_eq!(skipped_lines(&data, SkipReason::BadStatus), [3]);
        assert_eq!(skipped_lines(&data, SkipReason::TimestampOutOfRange), [6]);
        assert_eq!(skipped_lines(&data, SkipReason::MissingFields), [7]);
        let lf = text.replace("\r\n", "\n");
        let data = dataset_from_bytes(&[("s.csv", lf.as_bytes())]).unwrap();
        assert_eq!(skipped_lines(&data, SkipReason::BadStatus), [3]);
        assert_eq!(skipped_lines(&data, SkipReason::TimestampOutOfRange), [6]);
        assert_eq!(skipped_lines(&data, SkipReason::MissingFields), [7]);
    }

    #[test]
    fn spec_1_every_bad_row_kind_is_skipped_with_its_reason() {
        let hours = "store_id,dayOfWeek,start_time_local,end_time_local\n\
            1,7,09:00,17:00\n\
            1,-1,09:00,17:00\n\
            1,Mon,09:00,17:00\n\
            1,0,25:00,17:00\n\
            1,0,12:60,17:00\n\
            1,0,24:00,17:00\n\
            1,0,9am,17:00\n\
            ,0,09:00,17:00\n\
            1,0,09:00\n\
            1,0,09:00,24:00\n";
        let zones =
            "store_id,timezone_str\n1,Mars/Olympus\n1,Asia/Tokyo\n1,Europe/Paris\n1,asia/tokyo\n";
        let status = b"store_id,status,timestamp_utc\n\xff1,active,2023-01-22 12:00:00\n1,up,2023-01-22 12:00:00\n";
        let data = dataset_from_bytes(&[
            ("h", hours.as_bytes()),
            ("z", zones.as_bytes()),
            ("s", status),
        ])
        .unwrap();
        let expect = [
            (SkipReason::BadWeekday, vec![2, 3, 4]),
            (SkipReason::TimeOutOfRange, vec![5, 6]),
            (SkipReason::StartAtMidnightEnd, vec![7]),
            (SkipReason::BadTime, vec![8]),
            (SkipReason::EmptyStoreId, vec![9]),
            (SkipReason::MissingFields, vec![10]),
            (SkipReason::UnknownTimezone, vec![2]),
            (SkipReason::ConflictingTimezone, vec![4]),
            (SkipReason::NotUtf8, vec![2]),
            (SkipReason::BadStatus, vec![3]),
        ];
        for (reason, lines) in expect {
            assert_eq!(skipped_lines(&data, reason), lines, "{reason:?}");
        }
        let store = data.find_store("1").unwrap();
        assert_eq!(data.zone(store), Some(chrono_tz::Asia::Tokyo));
        assert_eq!(data.hours(store).len(), 1);
        assert_eq!(data.files[0].rows, 10);
        assert_eq!(data.files[0].valid_rows, 1);
    }

    #[test]
    fn a_huge_row_is_skipped_without_keeping_it() {
        let mut text = b"store_id,status,timestamp_utc\n1,active,".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES + 10));
        text.extend_from_slice(b"\n2,active,2023-01-22 12:00:00\n");
        let data = read_chunked(&[("s", &text)], 65536);
        assert_eq!(skipped_lines(&data, SkipReason::RowTooLong), [2]);
        assert_eq!(data.store_count(), 1);
        let mut wide = b"store_id,status,timestamp_utc\n1,active,2023-01-22 12:00:00".to_vec();
        wide.extend(std::iter::repeat_n(b',', MAX_FIELDS * 2));
        wide.extend_from_slice(b"\n2,active,2023-01-22 12:00:00\n");
        let data = read_chunked(&[("s", &wide)], 7);
        assert_eq!(skipped_lines(&data, SkipReason::RowTooLong), [2]);
        assert_eq!(data.store_count(), 1);
    }

    #[test]
    fn spec_5_same_timestamp_any_inactive_wins() {
        let text = "store_id,status,timestamp_utc\n\
            1,active,2023-01-22 12:00:00\n1,inactive,2023-01-22 12:00:00\n1,active,2023-01-22 12:00:00\n\
            1,active,2023-01-22 13:00:00\n1,active,2023-01-22 13:00:00\n";
        let data = dataset_from_bytes(&[("s", text.as_bytes())]).unwrap();
        let polls: Vec<bool> = data.polls(0).iter().map(|&p| unpack_poll(p).1).collect();
        assert_eq!(polls, [false, true]);
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

    #[test]
    fn polls_are_packed_losslessly() {
        for t in [0, 1, -1, 253_402_300_799_999_999, -62_135_596_800_000_000] {
            for active in [true, false] {
                assert_eq!(unpack_poll(pack_poll(t, active)), (t, active));
            }
        }
    }
}
