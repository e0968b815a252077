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
    printable_bytes, Column, FileError, FileProblem, SkipLog, SkipReason, SkippedRow, UnreadFile,
};
use super::time::{
    is_twelve_hour_time, parse_time_of_day, parse_timestamp_after, spreadsheet_form, LastDate,
    Micros, TimeProblem,
};
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
    /// Rows of this file skipped, per reason, in the order the reasons first occurred.
    pub skipped: Vec<(SkipReason, u64)>,
}

/// Rows longer than this are skipped unread: no real export comes near it, and it bounds
/// memory for a 50 MB single-line file.
const MAX_ROW_BYTES: usize = 1 << 20;
const MAX_FIELDS: usize = 1 << 12;
/// The header must be read within this many bytes of the file's start (blank lines and all),
/// so an endless or zero-filled source is refused after a bounded read (issue 13 §6).
pub const HEADER_SEARCH_BYTES: u64 = 2 << 20;
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

/// Whether `text` is the header name `want` (normalised), a byte-order mark before it allowed.
fn is_header_name(text: &str, want: &str) -> bool {
    let text = text.trim_start_matches('\u{FEFF}');
    text.len() < 4 * want.len()
        && text
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase())
            .eq(want.bytes())
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

/// Store ids, interned once. The public exports' ids — lowercase UUIDs and decimal
/// integers — are looked up by their value as a number: one compact table entry per look-up
/// instead of a pointer chase to a string, which cost 40 % of a run (one look-up per status
/// row, 14 000 ids outgrow the L2 cache). Each id has exactly one form, so this is exact;
/// any other id goes through the string map.
#[derive(Debug, Default)]
struct StoreTable {
    by_uuid: FxHashMap<u128, StoreIdx>,
    by_number: FxHashMap<u64, StoreIdx>,
    by_text: FxHashMap<Box<str>, StoreIdx>,
    ids: Vec<Box<str>>,
}

/// A trimmed, non-empty store id in the form it is looked up by.
#[derive(Debug, Clone, Copy)]
enum IdKey<'a> {
    Uuid(u128, &'a [u8]),
    Number(u64, &'a [u8]),
    Text(&'a str),
}

impl<'a> IdKey<'a> {
    /// `None` for an id that is not UTF-8 (empty ids are caught before).
    fn new(id: &'a [u8]) -> Option<IdKey<'a>> {
        if let Some(key) = uuid_value(id) {
            return Some(IdKey::Uuid(key, id));
        }
        if let Some(key) = decimal_value(id) {
            return Some(IdKey::Number(key, id));
        }
        std::str::from_utf8(id).ok().map(IdKey::Text)
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex, as a number.
fn uuid_value(id: &[u8]) -> Option<u128> {
    if id.len() != 36 || id[8] != b'-' || id[13] != b'-' || id[18] != b'-' || id[23] != b'-' {
        return None;
    }
    let (a, b, c, d) = (&id[0..8], &id[9..13], &id[14..18], &id[19..23]);
    let quad = |x: &[u8], y: &[u8]| [x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3]];
    let high = (u64::from(hex8(a.try_into().ok()?)?) << 32) | u64::from(hex8(quad(b, c))?);
    let low = (u64::from(hex8(quad(d, &id[24..28]))?) << 32)
        | u64::from(hex8(id[28..36].try_into().ok()?)?);
    Some((u128::from(high) << 64) | u128::from(low))
}

/// Eight lowercase hex digits as a number, eight bytes at a time (SWAR).
#[inline(always)]
fn hex8(digits: [u8; 8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Little-endian: wasm has no byte swap, and `from_be_bytes` cost ~20 instructions.
    let x = u64::from_le_bytes(digits);
    if x & HIGH != 0 {
        return None;
    }
    // With each byte's high bit set, subtracting n leaves it set exactly when byte >= n.
    let at_least = |n: u8| ((x | HIGH) - ONES * u64::from(n)) & HIGH;
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let letter = at_least(b'a') & !at_least(b'f' + 1);
    if digit | letter != HIGH {
        return None;
    }
    // '0'..'9' → low nibble; 'a'..'f' (bit 6 set) → low nibble + 9. Byte i is digit i,
    // the first digit the most significant: join neighbours into pairs, pairs into
    // quads, quads into the whole, each time the lower-addressed one on top.
    let mut v = (x & (ONES * 0x0F)) + ((x >> 6) & ONES) * 9;
    v = ((v << 4) | (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    v = ((v << 8) | (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    v = ((v << 16) | (v >> 32)) & 0xFFFF_FFFF;
    Some(v as u32)
}

/// 1 to 19 decimal digits without a leading zero (so the text is the number's only form).
fn decimal_value(id: &[u8]) -> Option<u64> {
    if id.is_empty() || id.len() > 19 || (id[0] == b'0' && id.len() > 1) {
        return None;
    }
    let mut value = 0u64;
    for &b in id {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    Some(value)
}

impl StoreTable {
    fn intern(&mut self, key: IdKey<'_>) -> StoreIdx {
        let next = self.ids.len() as StoreIdx;
        let (idx, text) = match key {
            IdKey::Uuid(value, text) => (*self.by_uuid.entry(value).or_insert(next), text),
            IdKey::Number(value, text) => (*self.by_number.entry(value).or_insert(next), text),
            IdKey::Text(text) => match self.by_text.get(text) {
                Some(&idx) => (idx, text.as_bytes()),
                None => {
                    self.by_text.insert(text.into(), next);
                    (next, text.as_bytes())
                }
            },
        };
        if idx == next {
            // Numeric forms are ASCII, so this never replaces anything.
            self.ids.push(String::from_utf8_lossy(text).into());
        }
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
    core: Option<csv_core::Reader>,
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
    /// The line the next byte is on (1-based), whichever path read the bytes before.
    line: u64,
    /// csv-core has been given part of a line that has not ended yet (the line went on
    /// past the end of a push): the rest of that line goes to csv-core too.
    core_mid_record: bool,
    /// The bytes given to csv-core for the current line hold an odd number of quotes.
    line_odd_quotes: bool,
    /// The first bytes of a line that went on past the end of a push, for messages.
    line_head: Vec<u8>,
    /// Commas and quotes in the bytes given to csv-core for the current line, so a line
    /// that went on past a push can still be told too short to be a row (SPEC §1).
    line_commas: usize,
    line_has_quote: bool,
    /// The last push ended with a CR that ended a line: a LF first in the next push is the
    /// rest of that CRLF, not a blank line (SPEC §1).
    after_cr: bool,
    /// The line before was a broken row (a quote open at its end): a next line that closes
    /// the quote is the rest of that row (SPEC §1).
    after_unclosed: bool,
    line_ends: Vec<usize>,
    layout: Option<Layout>,
    /// Stores seen in this file, as a bitset over store indices.
    seen: Vec<u64>,
    failed: bool,
}

impl FileReader {
    /// The fields a row of this file needs (0 before the header is read).
    fn min_fields(&self) -> usize {
        self.layout.as_ref().map_or(0, |l| l.min_fields)
    }

    /// Notes that `store` has a valid row in this file; `true` the first time.
    fn mark_seen(&mut self, store: StoreIdx) -> bool {
        let (word, bit) = (store as usize / 64, 1u64 << (store % 64));
        if self.seen.len() <= word {
            self.seen.resize(word + 1, 0);
        }
        let new = self.seen[word] & bit == 0;
        self.seen[word] |= bit;
        new
    }

    fn new() -> Self {
        FileReader {
            core: None,
            start: Vec::new(),
            started: false,
            record: vec![0; 4096],
            ends: vec![0; 64],
            record_len: 0,
            ends_len: 0,
            overflow: false,
            scratch: Vec::new(),
            scratch_ends: Vec::new(),
            line: 1,
            core_mid_record: false,
            line_odd_quotes: false,
            line_head: Vec::new(),
            line_commas: 0,
            line_has_quote: false,
            after_cr: false,
            after_unclosed: false,
            line_ends: Vec::new(),
            layout: None,
            seen: Vec::new(),
            failed: false,
        }
    }
}

/// Later lines of a status file, parsed apart from the [`Ingest`] reading it; see
/// [`Ingest::split_part`] and [`Ingest::merge_part`].
pub struct FilePart {
    ingest: Ingest,
}

impl FilePart {
    /// The fields a row of the part's file needs: a quote-free line with fewer may be the
    /// middle of a field broken over lines (SPEC §1), which only a read in order can tell.
    #[cfg(not(target_arch = "wasm32"))] // for the native parallel reader
    pub(crate) fn row_fields(&self) -> usize {
        self.ingest
            .readers
            .first()
            .and_then(Option::as_ref)
            .map_or(0, FileReader::min_fields)
    }

    /// Feeds the part's next bytes; chunks may split anywhere, as for [`Ingest::push`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), FileProblem> {
        self.ingest.push(FileId(0), chunk)
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
    last_date: LastDate,
    /// Tests turn the fast path off to compare it with csv-core alone.
    csv_core_only: bool,
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
        let before = self.files[file.0].bytes;
        self.files[file.0].bytes += chunk.len() as u64;
        if reader.layout.is_none() && !reader.failed && before >= HEADER_SEARCH_BYTES {
            // Issue 13 §6: an endless source of blank lines is refused too.
            let problem = self.fail(file, &mut reader, FileError::HeaderTooLong);
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
                Err(e) => return Err(self.reject(file, e.to_string())),
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
        let mut reader = self.readers[file.0].take().unwrap_or_else(FileReader::new);
        self.fail(file, &mut reader, FileError::Read(why))
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
        input: &[u8],
        at_end: bool,
    ) -> Result<(), FileProblem> {
        if reader.failed {
            return Ok(());
        }
        // Hold back the first bytes until we know whether they are a byte-order mark.
        let joined;
        let mut input: &[u8] = input;
        if !reader.started {
            if reader.start.len() + input.len() < 4 && !at_end {
                reader.start.extend_from_slice(input);
                return Ok(());
            }
            reader.started = true;
            if !reader.start.is_empty() {
                // Rare (a first chunk under 4 bytes): one small copy keeps the file whole.
                let mut bytes = std::mem::take(&mut reader.start);
                bytes.extend_from_slice(input);
                joined = bytes;
                input = &joined;
            }
            if input.starts_with(&[0xFF, 0xFE]) || input.starts_with(&[0xFE, 0xFF]) {
                let error = FileError::NotText {
                    hint: "it is UTF-16; save it as CSV UTF-8",
                };
                return Err(self.fail(file, reader, error));
            }
            if input.starts_with(b"\xEF\xBB\xBF") {
                input = &input[3..];
            }
        }
        self.parse(file, reader, input, at_end)
    }

    /// Splits the input into lines (SPEC §1: a line ends at LF, CRLF or a lone CR) and reads
    /// them. Linear: each byte is looked at a bounded number of times, whatever the line
    /// ends — the searches for the next quote and the next lone CR remember where they got.
    fn parse(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        input: &[u8],
        at_end: bool,
    ) -> Result<(), FileProblem> {
        let mut pos = 0;
        if reader.after_cr && !input.is_empty() {
            // SPEC §1: CRLF is one line end, also when a push ends between the two bytes.
            reader.after_cr = false;
            pos = usize::from(input[0] == b'\n');
        }
        if reader.layout.is_none() {
            // Issue 13 §6: NUL bytes before the header is read mean binary data (or UTF-16),
            // whether or not a line end ever comes.
            let head = &input[pos..];
            let head = &head[..memchr::memchr2(b'\n', b'\r', head).unwrap_or(head.len())];
            scanned(2 * head.len());
            if memchr::memchr(0, head).is_some() {
                let error = FileError::NotText {
                    hint: "it contains NUL bytes: binary data or UTF-16; save it as CSV UTF-8",
                };
                return Err(self.fail(file, reader, error));
            }
        }
        let mut quote = find_quote(input, pos);
        let mut lone_cr = find_lone_cr(input, pos);
        loop {
            if reader.failed {
                return Ok(());
            }
            if !reader.core_mid_record && !self.csv_core_only {
                let stop = quote.min(lone_cr);
                if stop > pos {
                    pos += self.plain_lines(file, reader, &input[pos..stop])?;
                    if reader.failed {
                        return Ok(());
                    }
                }
            }
            if pos == input.len() {
                if at_end && reader.core_mid_record {
                    self.end_line(file, reader, &[])?; // the last line, without a line end
                }
                return Ok(());
            }
            // One line the fast path cannot take: quoted, ended by a lone CR, or begun in an
            // earlier push.
            let found = memchr::memchr2(b'\n', b'\r', &input[pos..]);
            scanned(found.map_or(input.len() - pos, |i| i + 1));
            let Some(i) = found else {
                let rest = &input[pos..];
                if at_end {
                    self.end_line(file, reader, rest)?;
                } else {
                    self.line_goes_on(file, reader, rest)?;
                }
                return Ok(());
            };
            let end = pos + i;
            let mut next = end + 1;
            if input[end] == b'\r' {
                match input.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => reader.after_cr = true,
                }
            }
            self.end_line(file, reader, &input[pos..end])?;
            pos = next;
            if quote < pos {
                quote = find_quote(input, pos);
            }
            if lone_cr < pos {
                lone_cr = find_lone_cr(input, pos);
            }
        }
    }

    /// The fast path: whole lines without quotes, each ended by LF or CRLF, split on commas
    /// directly — one SIMD search for commas and line ends, where csv-core reads byte by
    /// byte. `input` holds no quote and no lone CR (the caller stops it before the next
    /// one). Returns the bytes consumed: everything up to the last line end.
    fn plain_lines(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        input: &[u8],
    ) -> Result<usize, FileProblem> {
        scanned(input.len());
        let mut consumed = 0;
        let mut ends = std::mem::take(&mut reader.line_ends);
        ends.clear();
        for at in memchr::memchr2_iter(b',', b'\n', input) {
            if input[at] == b',' {
                // Bounded: past the header limit the row is too long anyway.
                if ends.len() <= MAX_HEADER_FIELDS {
                    ends.push(at - consumed);
                }
                continue;
            }
            // A CR here is always the first half of a CRLF: `input` has no lone CR.
            let end = if at > consumed && input[at - 1] == b'\r' {
                at - 1
            } else {
                at
            };
            let number = reader.line;
            reader.line += 1;
            let line = &input[consumed..end];
            consumed = at + 1;
            if line.is_empty() {
                ends.clear();
                continue; // a blank line, skipped
            }
            // No quote on this line: it closes nothing. Too few fields to be a row, it may
            // be the middle of a field broken over several lines, so a line closing the
            // quote after it is still the rest of that broken row (SPEC §1).
            reader.after_unclosed &= ends.len() + 1 < reader.min_fields();
            ends.push(line.len());
            let result = self.deliver(
                file,
                reader,
                number,
                Fields {
                    bytes: line,
                    ends: &ends,
                    gap: 1,
                },
            );
            ends.clear();
            if result.is_err() || reader.failed {
                reader.line_ends = ends;
                return result.map(|()| consumed);
            }
        }
        reader.line_ends = ends;
        Ok(consumed)
    }

    /// The start or middle of a line that goes on in the next push: csv-core keeps it.
    fn line_goes_on(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        bytes: &[u8],
    ) -> Result<(), FileProblem> {
        reader.line_odd_quotes ^= odd_quotes(bytes);
        reader.line_commas += memchr::memchr_iter(b',', bytes).count();
        reader.line_has_quote |= memchr::memchr(b'"', bytes).is_some();
        let room = (4 * SNIPPET_CHARS).saturating_sub(reader.line_head.len());
        reader
            .line_head
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        reader.core_mid_record = true;
        let line = reader.line;
        self.core_feed(file, reader, line, bytes).map(|_| ())
    }

    /// The end of a line (all of it, or the rest after [`Self::line_goes_on`]), without its
    /// line end.
    fn end_line(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        bytes: &[u8],
    ) -> Result<(), FileProblem> {
        let number = reader.line;
        reader.line += 1;
        let after_unclosed = std::mem::take(&mut reader.after_unclosed);
        if !reader.core_mid_record {
            if bytes.is_empty() {
                reader.after_unclosed = after_unclosed;
                return Ok(()); // a blank line, skipped
            }
            scanned(bytes.len());
            if memchr::memchr(b'"', bytes).is_none() {
                // As in `plain_lines`: a quote-free line too short to be a row keeps a
                // broken field open for the line that closes it.
                reader.after_unclosed = after_unclosed
                    && memchr::memchr_iter(b',', bytes).count() + 1 < reader.min_fields();
                return self.split_line(file, reader, number, bytes);
            }
        }
        let odd = std::mem::take(&mut reader.line_odd_quotes) ^ odd_quotes(bytes);
        let commas = std::mem::take(&mut reader.line_commas);
        let has_quote = std::mem::take(&mut reader.line_has_quote);
        if after_unclosed && odd && reader.layout.is_some() {
            // SPEC §1: this line closes the quote left open at the end of the line before,
            // so it is the rest of that broken row, never a row of its own.
            let mut snippet = std::mem::take(&mut reader.line_head);
            snippet.extend_from_slice(&bytes[..bytes.len().min(4 * SNIPPET_CHARS)]);
            let snippet = snippet.trim_ascii().to_vec();
            self.drop_core_record(reader);
            self.files[file.0].rows += 1;
            self.skip(
                file,
                number,
                Column::Row,
                SkipReason::QuoteContinuation,
                &snippet,
            );
            return Ok(());
        }
        reader.core_mid_record = true;
        self.core_feed(file, reader, number, bytes)?;
        if reader.failed {
            return Ok(());
        }
        // The line end, as csv-core's record terminator: a quote still open swallows it.
        if !self.core_feed(file, reader, number, b"\n")? && !reader.failed {
            self.unbalanced_quote(file, reader, number)?;
        } else if after_unclosed && !has_quote && memchr::memchr(b'"', bytes).is_none() {
            // A quote-free line that went on past a push: as in `plain_lines`, too short to
            // be a row, it keeps the broken field open for the line that closes it.
            let fields = commas + memchr::memchr_iter(b',', bytes).count() + 1;
            reader.after_unclosed = fields < reader.min_fields();
        }
        Ok(())
    }

    /// A whole line without quotes, split on commas.
    fn split_line(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        number: u64,
        line: &[u8],
    ) -> Result<(), FileProblem> {
        scanned(line.len());
        let mut ends = std::mem::take(&mut reader.line_ends);
        ends.clear();
        for at in memchr::memchr_iter(b',', line) {
            if ends.len() > MAX_HEADER_FIELDS {
                break; // too many fields: the row is skipped as too long anyway
            }
            ends.push(at);
        }
        ends.push(line.len());
        let result = self.deliver(
            file,
            reader,
            number,
            Fields {
                bytes: line,
                ends: &ends,
                gap: 1,
            },
        );
        reader.line_ends = ends;
        result
    }

    /// Gives csv-core bytes of line `number`; `true` when they completed a record (which is
    /// then read). Only the terminator `\n` the caller adds can complete one.
    fn core_feed(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        number: u64,
        mut input: &[u8],
    ) -> Result<bool, FileProblem> {
        use csv_core::ReadRecordResult as R;
        scanned(input.len());
        while !input.is_empty() {
            // Built on first use: building its DFA costs more than reading a short file, and
            // files without quotes never need it.
            let core = reader.core.get_or_insert_with(csv_core::Reader::new);
            let (res, nin, nout, nend) = if reader.overflow {
                reader.scratch.resize(4096, 0);
                reader.scratch_ends.resize(64, 0);
                core.read_record(input, &mut reader.scratch, &mut reader.scratch_ends)
            } else {
                core.read_record(
                    input,
                    &mut reader.record[reader.record_len..],
                    &mut reader.ends[reader.ends_len..],
                )
            };
            input = &input[nin..];
            if !reader.overflow {
                reader.record_len += nout;
                reader.ends_len += nend;
            }
            match res {
                R::InputEmpty | R::End => {}
                R::OutputFull => {
                    grow_or_overflow(&mut reader.record, MAX_ROW_BYTES, &mut reader.overflow)
                }
                R::OutputEndsFull => {
                    grow_or_overflow(&mut reader.ends, MAX_HEADER_FIELDS, &mut reader.overflow)
                }
                R::Record => {
                    reader.core_mid_record = false;
                    reader.line_head.clear();
                    let overflow = std::mem::take(&mut reader.overflow);
                    let (len, n_ends) = (reader.record_len, reader.ends_len);
                    reader.record_len = 0;
                    reader.ends_len = 0;
                    let record = std::mem::take(&mut reader.record);
                    let ends = std::mem::take(&mut reader.ends);
                    let fields = Fields {
                        bytes: &record[..len],
                        ends: &ends[..n_ends],
                        gap: 0,
                    };
                    let result = if overflow {
                        self.overflowed_row(file, reader, number)
                    } else {
                        self.deliver(file, reader, number, fields)
                    };
                    reader.record = record;
                    reader.ends = ends;
                    return result.map(|()| true);
                }
            }
            if reader.overflow && reader.layout.is_none() {
                // Issue 13 §6: no header within 1 MiB; stop reading now, not at a line end
                // that may never come (`/dev/zero`).
                return Err(self.fail(file, reader, FileError::HeaderTooLong));
            }
        }
        Ok(false)
    }

    /// Forgets the record csv-core is in the middle of.
    fn drop_core_record(&mut self, reader: &mut FileReader) {
        if let Some(core) = reader.core.as_mut() {
            core.reset();
        }
        (reader.record_len, reader.ends_len) = (0, 0);
        reader.overflow = false;
        reader.core_mid_record = false;
        reader.line_odd_quotes = false;
        reader.line_head.clear();
        reader.line_commas = 0;
        reader.line_has_quote = false;
    }

    /// A line ended inside a quoted field: no field of ours spans lines, so the quote is
    /// unbalanced. The row is skipped and reading goes on with the next line.
    fn unbalanced_quote(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        number: u64,
    ) -> Result<(), FileProblem> {
        let snippet = if reader.overflow {
            Vec::new()
        } else {
            let field = &reader.record
                [reader.ends[..reader.ends_len].last().map_or(0, |&e| e)..reader.record_len];
            // The terminator csv-core took into the field is not part of the value.
            field
                .strip_suffix(b"\n")
                .unwrap_or(field)
                .trim_ascii_end()
                .to_vec()
        };
        self.drop_core_record(reader);
        if reader.layout.is_none() {
            let error = FileError::NotText {
                hint: "its first row has an unclosed quote",
            };
            return Err(self.fail(file, reader, error));
        }
        reader.after_unclosed = true;
        self.files[file.0].rows += 1;
        self.skip(
            file,
            number,
            Column::Row,
            SkipReason::UnbalancedQuote,
            &snippet,
        );
        Ok(())
    }

    /// A complete record from either path: the limits, then the header or a row.
    fn deliver(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        line: u64,
        fields: Fields<'_>,
    ) -> Result<(), FileProblem> {
        let field_limit = if reader.layout.is_none() {
            MAX_HEADER_FIELDS
        } else {
            MAX_FIELDS
        };
        if fields.data_len() >= MAX_ROW_BYTES || fields.len() > field_limit {
            return self.overflowed_row(file, reader, line);
        }
        self.record(file, reader, line, fields)
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
        fields: Fields<'_>,
    ) -> Result<(), FileProblem> {
        let field = |i: usize| fields.get(i);
        let ends = fields.ends;
        let Some(layout) = reader.layout else {
            return self.header(file, reader, fields);
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
            summary.stores += u64::from(reader.mark_seen(store));
        }
        Ok(())
    }

    fn header(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        fields: Fields<'_>,
    ) -> Result<(), FileProblem> {
        let record = fields.bytes;
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
        let names: Vec<&[u8]> = (0..fields.len()).map(|i| fields.get(i)).collect();
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
    fn store_id<'r>(&mut self, file: FileId, line: u64, raw: &'r [u8]) -> Option<IdKey<'r>> {
        let id = raw.trim_ascii();
        if id.is_empty() {
            self.skip(file, line, Column::StoreId, SkipReason::EmptyStoreId, b"");
            return None;
        }
        let key = IdKey::new(id);
        match key {
            None => self.skip(file, line, Column::StoreId, SkipReason::NotUtf8, raw),
            // Only free-text ids can hold these; numbers and UUIDs skip the checks.
            Some(IdKey::Text(text)) => {
                if is_header_name(text, "storeid") {
                    // Issue 13 §8: files joined with `cat` repeat their header (maybe with
                    // the second file's byte-order mark).
                    self.skip(file, line, Column::StoreId, SkipReason::RepeatedHeader, raw);
                    return None;
                }
                if text.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7F) {
                    let reason = SkipReason::ControlCharacter;
                    self.skip(file, line, Column::StoreId, reason, raw);
                    return None;
                }
            }
            Some(_) => {}
        }
        key
    }

    fn status_row(
        &mut self,
        file: FileId,
        line: u64,
        id: IdKey<'_>,
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
        let t = match parse_timestamp_after(timestamp, &mut self.last_date) {
            Ok(t) => t,
            Err(problem) => {
                let reason = match problem {
                    TimeProblem::OutOfRange => SkipReason::TimestampOutOfRange,
                    // Issue 13 §3: said as such, never read (D/M or M/D cannot be told).
                    _ if spreadsheet_form(timestamp).is_some() => SkipReason::SpreadsheetTimestamp,
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
        id: IdKey<'_>,
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
                    TimeProblem::Layout if is_twelve_hour_time(raw) => SkipReason::SpreadsheetTime,
                    TimeProblem::Empty | TimeProblem::Layout => SkipReason::BadTime,
                };
                self.skip(file, line, column, reason, raw);
                None
            }
        }
    }

    fn zone_row(
        &mut self,
        file: FileId,
        line: u64,
        id: IdKey<'_>,
        zone: &[u8],
    ) -> Option<StoreIdx> {
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
        count_reason(&mut self.files[file.0].skipped, reason, 1);
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

    /// A parser for later lines of the status file `file`, to run apart from this ingest
    /// (on another thread). `None` unless the header has been read, the file is a status
    /// file, and everything pushed so far ended at a line break.
    ///
    /// Splitting is exact because no row of ours spans lines (a quote open at a line end
    /// is a broken row, see [`Ingest::push`]): each part starts a fresh row.
    pub fn split_part(&self, file: FileId) -> Option<FilePart> {
        let reader = self.readers.get(file.0)?.as_ref()?;
        let layout = reader.layout.filter(|l| l.kind == FileKind::Status)?;
        if !reader.started || reader.failed || reader.core_mid_record || reader.after_cr {
            return None;
        }
        let mut part = Ingest {
            csv_core_only: self.csv_core_only,
            ..Ingest::default()
        };
        let id = part.open_file(&self.files[file.0].name);
        part.files[id.0].kind = Some(FileKind::Status);
        if let Some(part_reader) = part.readers[id.0].as_mut() {
            part_reader.started = true;
            part_reader.layout = Some(layout);
        }
        Some(FilePart { ingest: part })
    }

    /// Tells the reader of `file` that the byte after the CR it last read is not a LF, so the
    /// line has ended there for sure (the parallel reader knows it from its chunk).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn confirm_line_end(&mut self, file: FileId) {
        if let Some(reader) = self.readers.get_mut(file.0).and_then(Option::as_mut) {
            reader.after_cr = false;
        }
    }

    /// Adds a part made by [`Ingest::split_part`] of this `file`, as if its bytes had been
    /// pushed here. Parts must come back in file order, each starting where the bytes read
    /// so far end (a part's bytes end at a line break, except at the end of the file).
    pub fn merge_part(&mut self, file: FileId, part: FilePart) -> Result<(), FileProblem> {
        let Some(mut reader) = self.readers[file.0].take() else {
            return Ok(()); // a closed or rejected file takes no more rows
        };
        let result = self.absorb_part(file, &mut reader, part);
        self.readers[file.0] = Some(reader);
        result
    }

    fn absorb_part(
        &mut self,
        file: FileId,
        reader: &mut FileReader,
        mut part: FilePart,
    ) -> Result<(), FileProblem> {
        let part_file = FileId(0);
        if let Some(error) = part.ingest.files[part_file.0].error.take() {
            return Err(self.fail(file, reader, error));
        }
        let Some(mut part_reader) = part.ingest.readers[part_file.0].take() else {
            return Ok(());
        };
        // Reads the part's last row, if its bytes did not end with a line break.
        if let Err(problem) = part
            .ingest
            .push_bytes(part_file, &mut part_reader, &[], true)
        {
            return Err(self.fail(file, reader, problem.error));
        }
        let part = part.ingest;
        // Stores in the part's first-seen order: interning them in that order gives the
        // indices reading the rows here would have given.
        let to_mine: Vec<StoreIdx> = part
            .stores
            .ids
            .iter()
            .map(|id| {
                let key = IdKey::new(id.as_bytes()).unwrap_or(IdKey::Text(id));
                self.stores.intern(key)
            })
            .collect();
        self.poll_times.extend_from_slice(&part.poll_times);
        self.poll_stores
            .extend(part.poll_stores.iter().map(|&s| to_mine[s as usize]));
        if let Some(t) = part.latest_poll {
            self.latest_poll = Some(self.latest_poll.map_or(t, |l| l.max(t)));
        }
        let lines_before = reader.line - 1;
        reader.line += part_reader.line - 1;
        // The part ended at a line end the caller knows (no LF follows a CR of it).
        reader.after_cr = false;
        reader.after_unclosed = part_reader.after_unclosed;
        self.skips.absorb(part.skips, lines_before);

        let theirs = &part.files[part_file.0];
        let summary = &mut self.files[file.0];
        summary.bytes += theirs.bytes;
        summary.rows += theirs.rows;
        summary.valid_rows += theirs.valid_rows;
        for &(reason, count) in &theirs.skipped {
            count_reason(&mut summary.skipped, reason, count);
        }
        if let Some((lo, hi)) = theirs.time_range {
            let range = &mut summary.time_range;
            *range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
        for (word_index, &word) in part_reader.seen.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let theirs_index = word_index * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(&store) = to_mine.get(theirs_index) else {
                    continue;
                };
                summary.stores += u64::from(reader.mark_seen(store));
            }
        }
        Ok(())
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
    /// long step of finishing: ~0.6 s for 18 M polls in wasm). Nothing can cancel it.
    pub fn finish_observed(mut self, observe: &mut dyn FnMut(Progress)) -> Dataset {
        // Files never closed still count what they read; close them quietly. This can read
        // a last row, and intern a store, so count stores only afterwards.
        for i in 0..self.readers.len() {
            if self.readers[i].is_some() {
                let _ = self.close_file(FileId(i));
            }
        }
        let store_count = self.stores.ids.len();
        let (poll_start, polls) = group_polls(
            store_count,
            &self.poll_times,
            &self.poll_stores,
            GROUP_PROGRESS_EVERY,
            observe,
        );
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

/// One record's fields. Field `i` ends at `ends[i]` and starts `gap` bytes after the end of
/// field `i - 1`: csv-core packs fields (`gap` 0), a raw line has a comma between (`gap` 1).
#[derive(Clone, Copy)]
struct Fields<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
    gap: usize,
}

impl<'a> Fields<'a> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] + self.gap
        };
        &self.bytes[start..self.ends[i]]
    }

    /// The bytes of all fields together, as csv-core would output them.
    fn data_len(&self) -> usize {
        self.ends
            .last()
            .map_or(0, |&end| end - self.gap * (self.ends.len() - 1))
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

/// Adds `count` skipped rows of `reason` to a file's counts.
fn count_reason(counts: &mut Vec<(SkipReason, u64)>, reason: SkipReason, count: u64) {
    match counts.iter_mut().find(|(r, _)| *r == reason) {
        Some((_, n)) => *n += count,
        None => counts.push((reason, count)),
    }
}

#[cfg(test)]
thread_local! {
    /// Bytes the reader has looked at, in tests: reading must stay linear (issue 13 §2).
    static SCANNED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts `bytes` looked at (in tests; nothing at all otherwise).
#[inline(always)]
fn scanned(bytes: usize) {
    #[cfg(test)]
    SCANNED.with(|s| s.set(s.get() + bytes as u64));
    #[cfg(not(test))]
    let _ = bytes;
}

/// The index of the next quote at or after `from`, or the input's length.
fn find_quote(input: &[u8], from: usize) -> usize {
    let at = memchr::memchr(b'"', &input[from..]).map_or(input.len(), |i| from + i);
    scanned(at - from);
    at
}

/// The index of the next CR at or after `from` that is not followed by a LF in `input` (a
/// lone CR, or one at the very end whose next byte is not known yet), or the input's length.
fn find_lone_cr(input: &[u8], from: usize) -> usize {
    let at = memchr::memchr_iter(b'\r', &input[from..])
        .map(|i| from + i)
        .find(|&i| input.get(i + 1) != Some(&b'\n'))
        .unwrap_or(input.len());
    scanned(at - from);
    at
}

/// Whether `bytes` hold an odd number of quotes.
fn odd_quotes(bytes: &[u8]) -> bool {
    scanned(bytes.len());
    memchr::memchr_iter(b'"', bytes).count() % 2 == 1
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

/// Polls moved between two progress reports while grouping.
const GROUP_PROGRESS_EVERY: usize = 1 << 20;

/// Counting sort by store, then each store's polls by time with duplicates merged
/// (SPEC §5: at one timestamp, any `inactive` makes the observation inactive). `observe`
/// hears about every `every` polls scattered, then sorted: `of` is twice the number of polls.
fn group_polls(
    store_count: usize,
    times: &[PackedPoll],
    stores: &[StoreIdx],
    every: usize,
    observe: &mut dyn FnMut(Progress),
) -> (Vec<u32>, Vec<PackedPoll>) {
    let of = 2 * times.len();
    let mut counts = vec![0u32; store_count + 1];
    for &s in stores {
        counts[s as usize + 1] += 1;
    }
    let start = prefix_sums(counts);
    let mut cursor = start.clone();
    let mut grouped = vec![0; times.len()];
    for (chunk, (times, stores)) in times.chunks(every).zip(stores.chunks(every)).enumerate() {
        observe(Progress::Grouped {
            polls: chunk * every,
            of,
        });
        for (&t, &s) in times.iter().zip(stores) {
            grouped[cursor[s as usize] as usize] = t;
            cursor[s as usize] += 1;
        }
    }
    let mut new_start = Vec::with_capacity(store_count + 1);
    let mut write = 0usize;
    let mut reported = 0usize;
    for s in 0..store_count {
        new_start.push(write as u32);
        let (lo, hi) = (start[s] as usize, start[s + 1] as usize);
        if lo - reported >= every {
            reported = lo;
            observe(Progress::Grouped {
                polls: times.len() + lo,
                of,
            });
        }
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
    observe(Progress::Grouped { polls: of, of });
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

    /// Why each status file gave no valid poll: its skip reasons with counts, most first,
    /// and the first examples of each (issue 13 §3: the error says why, not only that).
    pub fn unread_status_files(&self) -> Vec<UnreadFile> {
        self.files
            .iter()
            .filter(|f| f.kind == Some(FileKind::Status) && f.valid_rows == 0)
            .map(|f| {
                let mut reasons = f.skipped.clone();
                reasons.sort_by_key(|&(reason, count)| (std::cmp::Reverse(count), reason));
                let examples = reasons
                    .iter()
                    .flat_map(|&(reason, _)| {
                        self.skips
                            .get(reason)
                            .examples
                            .iter()
                            .filter(|row| *row.file == *f.name)
                            .take(UnreadFile::EXAMPLES)
                    })
                    .take(2 * UnreadFile::EXAMPLES)
                    .cloned()
                    .collect();
                UnreadFile {
                    name: f.name.clone(),
                    rows: f.rows,
                    reasons,
                    examples,
                }
            })
            .collect()
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
        // A quoted line break is an unclosed quote (no field of ours spans lines): line 3 is
        // skipped, and line 4, which closes that quote, is skipped with it (SPEC §1).
        for text in [text.to_string(), text.replace("\r\n", "\n")] {
            let data = dataset_from_bytes(&[("s.csv", text.as_bytes())]).unwrap();
            assert_eq!(skipped_lines(&data, SkipReason::UnbalancedQuote), [3]);
            assert_eq!(skipped_lines(&data, SkipReason::QuoteContinuation), [4]);
            assert_eq!(skipped_lines(&data, SkipReason::TimestampOutOfRange), [6]);
            assert_eq!(skipped_lines(&data, SkipReason::MissingFields), [7]);
        }
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
    fn an_unclosed_quote_loses_one_row_not_the_rest_of_the_file() {
        let text = "store_id,status,timestamp_utc\n\
            1,active,2024-11-04 10:00:00\n\
            2,\"active,2024-11-04 11:00:00\n\
            3,active,2024-11-04 12:00:00\n\
            \"4\",\"active\",\"2024-11-04 12:00:00\"\n\
            5,active,\"2024-11-04 12:00:00\r\n\
            6,active,2024-11-04 12:00:00";
        for chunk in [1, 2, 7, 4096] {
            let data = read_chunked(&[("s.csv", text.as_bytes())], chunk);
            let ids: Vec<&str> = (0..data.store_count() as StoreIdx)
                .map(|s| data.store_id(s))
                .collect();
            assert_eq!(ids, ["1", "3", "4", "6"], "chunk {chunk}");
            assert_eq!(
                skipped_lines(&data, SkipReason::UnbalancedQuote),
                [3, 6],
                "chunk {chunk}"
            );
            let message = data.skips.get(SkipReason::UnbalancedQuote).examples[0].to_string();
            assert!(message.starts_with("s.csv, line 3, (row): a quote opened in this row (at `active,2024-11-04 11:00:00`)"), "{message}");
            assert_eq!(data.files[0].rows, 6);
        }
        let err =
            dataset_from_bytes(&[("h.csv", b"store_id,\"status\ntimestamp_utc\n")]).unwrap_err();
        assert!(err.to_string().contains("unclosed quote"), "{err}");
    }

    #[test]
    fn files_without_quotes_never_build_csv_core() {
        let mut ingest = Ingest::new();
        let file = ingest.open_file("s");
        ingest.push(file, STATUS.as_bytes()).unwrap();
        let mut reader = ingest.readers[file.0].take().unwrap();
        ingest.push_bytes(file, &mut reader, &[], true).unwrap();
        assert!(reader.core.is_none());
        assert_eq!(ingest.files[file.0].valid_rows, 3);
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
    fn grouping_reports_steady_progress_and_the_same_result_at_any_step() {
        // 7 stores, polls dealt round-robin with repeats, so the sort and the merge of
        // same-time polls both run.
        let stores: Vec<StoreIdx> = (0..1000u32).map(|i| (i * 5) % 7).collect();
        let times: Vec<PackedPoll> = (0..1000i64)
            .map(|i| ((i * 37) % 300) << 1 | i64::from(i % 3 == 0))
            .collect();
        let (start, polls) = group_polls(7, &times, &stores, usize::MAX, &mut |_| {});
        for every in [1, 3, 64, 999, 1000] {
            let mut seen = Vec::new();
            let got = group_polls(7, &times, &stores, every, &mut |p| match p {
                Progress::Grouped { polls, of } => seen.push((polls, of)),
                other => panic!("{other:?}"),
            });
            assert_eq!(got, (start.clone(), polls.clone()), "every {every}");
            assert_eq!(seen.last(), Some(&(2000, 2000)));
            assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
            // No step between two reports moves more than `every` polls, give or take one
            // store's polls (a store is sorted at once).
            let biggest_store = (0..7)
                .map(|s| stores.iter().filter(|&&x| x == s).count())
                .max();
            let step = seen.windows(2).map(|w| w[1].0 - w[0].0).max().unwrap_or(0);
            assert!(
                step <= every.max(biggest_store.unwrap_or(0)) + every,
                "every {every}: step {step}"
            );
        }
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
    fn stores_keep_their_first_seen_order_whatever_kind_of_id_and_chunk_size() {
        let a = "d84a4552-3668-4075-ad1d-16840294f818";
        let b = "00000000-0000-0000-0000-000000000001";
        let c = "ffffffff-ffff-ffff-ffff-fffffffffffe";
        let text = format!(
            "store_id,status,timestamp_utc\n\
             {a},active,2024-01-01 00:00:00 UTC\n\
             7,active,2024-01-01 00:01:00 UTC\n\
             {b},inactive,2024-01-01 00:02:00 UTC\n\
             {a},inactive,2024-01-01 00:03:00 UTC\n\
             {b},maybe,2024-01-01 00:04:00 UTC\n\
             x y,active,2024-01-01 00:05:00 UTC\n\
             {c},active,2024-01-01 00:06:00 UTC\n\
             7,inactive,2024-01-01 00:07:00 UTC\n"
        );
        let hours = format!(
            "store_id,day,start_time_local,end_time_local\n{c},0,00:00,12:00\n9,1,00:00,12:00\n"
        );
        for chunk in 1..=text.len() {
            let mut ingest = Ingest::new();
            let file = ingest.open_file("status.csv");
            for piece in text.as_bytes().chunks(chunk) {
                ingest.push(file, piece).unwrap();
            }
            let summary = ingest.close_file(file).unwrap().clone();
            assert_eq!(
                (summary.rows, summary.valid_rows, summary.stores),
                (8, 7, 5)
            );
            let hours_file = ingest.open_file("hours.csv");
            ingest.push(hours_file, hours.as_bytes()).unwrap();
            assert_eq!(ingest.close_file(hours_file).unwrap().stores, 2);
            let data = ingest.finish();
            let ids: Vec<&str> = (0..data.store_count() as StoreIdx)
                .map(|i| data.store_id(i))
                .collect();
            assert_eq!(ids, [a, "7", b, "x y", c, "9"], "chunk {chunk}");
            let polls: Vec<usize> = (0..6).map(|i| data.poll_count(i)).collect();
            assert_eq!(polls, [2, 2, 1, 1, 1, 0], "chunk {chunk}");
        }
    }

    #[test]
    fn store_id_keys_are_exact() {
        let hex = "0123456789abcdef";
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..5_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut id: Vec<u8> = (0..32)
                .map(|i| hex.as_bytes()[((seed >> (i % 16 * 4)) as usize + i) % 16])
                .collect();
            let expected = u128::from_str_radix(std::str::from_utf8(&id).unwrap(), 16).unwrap();
            for at in [8, 13, 18, 23] {
                id.insert(at, b'-');
            }
            assert_eq!(uuid_value(&id), Some(expected));
            // Any byte outside [0-9a-f] anywhere makes it a plain text id.
            let pos = [0, 7, 9, 20, 35][round % 5];
            for bad in [b'/', b':', b'`', b'g', b'A', b'F', 0xC3, b' '] {
                let mut wrong = id.clone();
                wrong[pos] = bad;
                assert_eq!(
                    uuid_value(&wrong),
                    None,
                    "{}",
                    String::from_utf8_lossy(&wrong)
                );
            }
        }
        assert_eq!(
            uuid_value(b"d84a4552-3668-4075-ad1d-16840294f818"),
            Some(0xd84a4552_3668_4075_ad1d_16840294f818)
        );
        assert_eq!(uuid_value(b"d84a4552-3668-4075-ad1d-16840294f81"), None);
        assert_eq!(
            decimal_value(b"8419537941919820732"),
            Some(8_419_537_941_919_820_732)
        );
        assert_eq!(
            decimal_value(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(decimal_value(b"0"), Some(0));
        for not_canonical in [
            &b"01"[..],
            b"12345678901234567890",
            b"-1",
            b"+1",
            b"1e3",
            b"",
        ] {
            assert_eq!(decimal_value(not_canonical), None);
        }
        // Ids that differ only by form stay different stores.
        let mut table = StoreTable::default();
        let ids = [
            "0042",
            "42",
            "D84A4552-3668-4075-AD1D-16840294F818",
            "d84a4552-3668-4075-ad1d-16840294f818",
            "x",
        ];
        let idx: Vec<StoreIdx> = ids
            .iter()
            .map(|id| table.intern(IdKey::new(id.as_bytes()).unwrap()))
            .collect();
        assert_eq!(idx, [0, 1, 2, 3, 4]);
        assert_eq!(table.intern(IdKey::new(b"42").unwrap()), 1);
        assert_eq!(&*table.ids[3], "d84a4552-3668-4075-ad1d-16840294f818");
    }

    #[test]
    fn fast_path_and_csv_core_read_the_same_records() {
        // Lines the fast path takes, lines it must hand over (quotes, a lone CR — a line end
        // to csv-core), blank lines, and switches between the paths inside and across chunks.
        let text = "store_id,status,timestamp_utc\r\n\
            1,active,2023-01-22 12:00:00\r\n\
            \"2\",active,2023-01-22 12:00:00\n\
            3,act\rive,2023-01-22 12:00:00\n\
            4,active,2023-01-22 12:00:00\r\r\n\
            \n\r\n\
            5,inactive\n\
            6,active,2023-01-22 12:00:00,extra,\"quoted\nfield\"\n\
            7,,\n\
            8,active,2023-01-22 12:00:00";
        let read = |chunk: usize, csv_core_only: bool| {
            let mut ingest = Ingest {
                csv_core_only,
                ..Ingest::default()
            };
            let file = ingest.open_file("s");
            for piece in text.as_bytes().chunks(chunk) {
                ingest.push(file, piece).unwrap();
            }
            ingest.close_file(file).unwrap();
            ingest.finish()
        };
        let reference = read(usize::MAX, true);
        assert_eq!(
            reference.store_count(),
            4,
            "1, 2, 4 and 8; 6 has an unclosed quote"
        );
        assert!(reference.skips.total() >= 4);
        for chunk in (1..40).chain([usize::MAX]) {
            for csv_core_only in [false, true] {
                let data = read(chunk, csv_core_only);
                assert_eq!(data.store_ids, reference.store_ids, "chunk {chunk}");
                assert_eq!(data.polls, reference.polls, "chunk {chunk}");
                assert_eq!(data.skips, reference.skips, "chunk {chunk}");
                assert_eq!(data.files, reference.files, "chunk {chunk}");
            }
        }
    }

    /// The lines of a status file with every kind of row the line-end rules touch: good
    /// rows, a bad one, a blank line, a stray quote that never closes, a field broken over
    /// two lines, a quoted row, and a last line without a line end.
    const LINES: [&str; 12] = [
        "store_id,status,timestamp_utc",
        "1,active,2024-11-04 10:00:00",
        "2,up,2024-11-04 10:00:00",
        "",
        "3,\"active,2024-11-04 11:00:00",
        "4,active,2024-11-04 12:00:00",
        "\"Store",
        "A\",active,2024-11-04 12:00:00",
        "\"5\",\"inactive\",\"2024-11-04 12:00:00\"",
        "6,active,2023-13-01 00:00:00",
        "",
        "7,active,2024-11-04 13:00:00",
    ];

    /// `LINES` joined by `ends` (one line end for each gap, in turn).
    fn joined(ends: &[&str]) -> Vec<u8> {
        let mut text = String::new();
        for (i, line) in LINES.iter().enumerate() {
            if i > 0 {
                text.push_str(ends[(i - 1) % ends.len()]);
            }
            text.push_str(line);
        }
        text.into_bytes()
    }

    /// What a read found, line numbers and all, with nothing that depends on line ends.
    fn outcome(data: &Dataset) -> String {
        let ids: Vec<&str> = (0..data.store_count() as StoreIdx)
            .map(|s| data.store_id(s))
            .collect();
        let mut files = data.files.clone();
        for f in &mut files {
            f.bytes = 0;
        }
        format!("{ids:?}\n{:?}\n{:?}\n{files:?}", data.polls, data.skips)
    }

    #[test]
    fn lf_crlf_cr_only_and_mixed_line_ends_read_the_same() {
        let reference = read_chunked(&[("s.csv", &joined(&["\n"]))], usize::MAX);
        assert_eq!(
            skipped_lines(&reference, SkipReason::UnbalancedQuote),
            [5, 7]
        );
        assert_eq!(skipped_lines(&reference, SkipReason::BadStatus), [3]);
        assert_eq!(
            skipped_lines(&reference, SkipReason::TimestampOutOfRange),
            [10]
        );
        let expected = outcome(&reference);
        let mixes: [&[&str]; 5] = [
            &["\r\n"],
            &["\r"],
            &["\r", "\n", "\r\n"],
            &["\r\n", "\r"],
            &["\n", "\r", "\r", "\r\n"],
        ];
        for ends in mixes {
            let text = joined(ends);
            for chunk in [1, 2, 3, 5, 7, 64, usize::MAX] {
                for csv_core_only in [false, true] {
                    let mut ingest = Ingest {
                        csv_core_only,
                        ..Ingest::default()
                    };
                    let file = ingest.open_file("s.csv");
                    for piece in text.chunks(chunk) {
                        ingest.push(file, piece).unwrap();
                    }
                    ingest.close_file(file).unwrap();
                    let got = outcome(&ingest.finish());
                    assert!(
                        got == expected,
                        "{ends:?}, chunk {chunk}:\n{got}\n{expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn cr_cr_lf_is_two_line_ends_with_a_blank_line_between() {
        let text = "store_id,status,timestamp_utc\r\r\n1,up,2024-11-04 10:00:00\r\r\n2,\"x\r\r\n3,up,x\r\r\n";
        for chunk in [1, 2, 3, 4096] {
            let data = read_chunked(&[("s.csv", text.as_bytes())], chunk);
            assert_eq!(
                skipped_lines(&data, SkipReason::BadStatus),
                [3, 7],
                "{chunk}"
            );
            assert_eq!(skipped_lines(&data, SkipReason::UnbalancedQuote), [5]);
            assert_eq!(data.files[0].rows, 3);
        }
    }

    /// Bytes the reader looks at to read `text` in one push.
    fn work(text: &[u8], csv_core_only: bool) -> u64 {
        SCANNED.with(|s| s.set(0));
        let mut ingest = Ingest {
            csv_core_only,
            ..Ingest::default()
        };
        let file = ingest.open_file("s.csv");
        ingest.push(file, text).unwrap();
        ingest.close_file(file).unwrap();
        SCANNED.with(|s| s.get())
    }

    #[test]
    fn reading_is_linear_whatever_the_line_ends() {
        // 10 000 and 20 000 rows, with a stray quote now and then: the bytes looked at stay
        // within a small multiple of the input, so doubling the rows doubles the work.
        let rows = |n: usize, end: &str| {
            let mut text = format!("store_id,status,timestamp_utc{end}");
            for i in 0..n {
                let quote = if i % 1000 == 999 { "\"" } else { "" };
                text.push_str(&format!("{i},{quote}active,2024-11-04 10:00:00{end}"));
            }
            text.into_bytes()
        };
        for end in ["\n", "\r\n", "\r", "\r\r\n"] {
            for csv_core_only in [false, true] {
                let (small, large) = (rows(10_000, end), rows(20_000, end));
                let (w1, w2) = (work(&small, csv_core_only), work(&large, csv_core_only));
                assert!(
                    w1 <= 8 * small.len() as u64 && w2 <= 8 * large.len() as u64,
                    "{end:?}: {w1} bytes looked at for {}, {w2} for {}",
                    small.len(),
                    large.len()
                );
                // Per input byte, twice the rows take no more work (quadratic would double it).
                let per_byte = |w: u64, len: usize| w as f64 / len as f64;
                assert!(
                    per_byte(w2, large.len()) <= 1.1 * per_byte(w1, small.len()),
                    "{end:?}: {w1} then {w2}"
                );
            }
        }
    }

    #[test]
    fn a_line_that_closes_an_unclosed_quote_is_never_a_store() {
        // SPEC §1: `"Store` / `A",active,…` is one broken row over two lines; `A"` must not
        // become a store. A line that does not close the quote is still read as data.
        let text = "store_id,status,timestamp_utc\n\
            \"Store\n\
            A\",active,2024-11-04 10:00:00\n\
            \"Other\n\
            B,active,2024-11-04 10:00:00\n\
            C\",active,2024-11-04 10:00:00\n\
            \"x\"\"\",active,\"2024-11-04 10:00:00\n\
            \"2024\",active,2024-11-04 11:00:00\n";
        for ends in ["\n", "\r\n", "\r"] {
            let text = text.replace('\n', ends);
            for chunk in [1, 3, 7, 4096] {
                let data = read_chunked(&[("s.csv", text.as_bytes())], chunk);
                let ids: Vec<&str> = (0..data.store_count() as StoreIdx)
                    .map(|s| data.store_id(s))
                    .collect();
                // `C"` follows a good row: literal quotes in an unquoted field are data; the
                // last line has two quotes, so it closes nothing and is read.
                assert_eq!(ids, ["B", "C\"", "2024"], "{ends:?} chunk {chunk}");
                assert_eq!(skipped_lines(&data, SkipReason::UnbalancedQuote), [2, 4, 7]);
                assert_eq!(skipped_lines(&data, SkipReason::QuoteContinuation), [3]);
                let message = data.skips.get(SkipReason::QuoteContinuation).examples[0].to_string();
                assert!(
                    message.starts_with("s.csv, line 3, (row): this line (`A\",active,2024-11-04 10:00:00`) closes a quote left open"),
                    "{message}"
                );
                let summary = &data.files[0];
                assert_eq!((summary.rows, summary.valid_rows), (7, 3));
            }
        }
    }

    #[test]
    fn a_field_broken_over_three_lines_makes_no_phantom_store() {
        // `"Store` / `Main` / `A",…`: the middle line is too short to be a row (skipped as
        // such), so the broken field is still open and the third line closes it. A full
        // quote-free row in between ends that, so a stray quote never swallows good rows.
        let text = "store_id,status,timestamp_utc\n\
            \"Store\n\
            Main\n\
            \n\
            A\",active,2024-11-04 10:00:00\n\
            \"Other\n\
            B,active,2024-11-04 10:00:00\n\
            C\",active,2024-11-04 10:00:00\n";
        for ends in ["\n", "\r\n", "\r"] {
            let text = text.replace('\n', ends);
            for chunk in [1, 5, 4096] {
                let data = read_chunked(&[("s.csv", text.as_bytes())], chunk);
                let ids: Vec<&str> = (0..data.store_count() as StoreIdx)
                    .map(|s| data.store_id(s))
                    .collect();
                assert_eq!(ids, ["B", "C\""], "{ends:?} chunk {chunk}");
                assert_eq!(skipped_lines(&data, SkipReason::UnbalancedQuote), [2, 6]);
                assert_eq!(skipped_lines(&data, SkipReason::QuoteContinuation), [5]);
            }
        }
    }

    #[test]
    fn zeros_or_endless_blank_lines_are_refused_before_a_header_is_read() {
        // Issue 13 §6: NUL bytes in the head refuse the file at once; without a header in
        // the first 2 MiB the file is refused too, without waiting for a line end.
        let mut ingest = Ingest::new();
        let file = ingest.open_file("zeros");
        let err = ingest.push(file, &[0; 4096]).unwrap_err();
        assert!(err.to_string().contains("NUL bytes"), "{err}");
        assert_eq!(
            ingest.push(file, &[0; 4096]),
            Ok(()),
            "later chunks are ignored"
        );
        for byte in [b'\n', b'\r', b'x', b','] {
            let mut ingest = Ingest::new();
            let file = ingest.open_file("endless");
            let mut pushed = 0;
            let err = loop {
                match ingest.push(file, &[byte; 65536]) {
                    Ok(()) => pushed += 65536,
                    Err(e) => break e,
                }
                assert!(pushed <= 4 << 20, "{byte}: still reading");
            };
            assert!(err.to_string().contains("too long to be a header"), "{err}");
        }
        // A header after a few blank lines is still found.
        let data = dataset_from_bytes(&[("s", format!("\r\n\n\r{STATUS}").as_bytes())]).unwrap();
        assert_eq!(data.total_polls(), 3);
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
