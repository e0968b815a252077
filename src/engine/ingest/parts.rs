//! A status file read in parts (docs/semantics.md, "Reading is linear"): later lines parsed
//! apart, on other threads, and merged back in file order with the same result as one read
//! in order, since no row spans lines (SPEC §1).

use super::dataset::PackedPoll;
use super::rows::count_reason;
use super::schema::{FileKind, Layout};
use super::store_ids::{IdKey, StoreIdx, StoreTable};
use super::{FileId, FileReader, Ingest};
use crate::engine::business::HoursRule;
use crate::engine::error::{FileError, FileProblem, SkipLog, SkipReason};
use crate::engine::time::Micros;

/// Later lines of a status file, parsed apart from the [`Ingest`] reading it; see
/// [`Ingest::split_part`] and [`Ingest::merge_part`].
pub struct FilePart {
    ingest: Ingest,
}

impl FilePart {
    /// The fields a row of the part's file needs: a quote-free line with fewer may be the
    /// middle of a field broken over lines (SPEC §1), which only a read in order can tell.
    pub fn row_fields(&self) -> usize {
        self.ingest
            .readers
            .first()
            .and_then(Option::as_ref)
            .and_then(|reader| reader.state.row_fields())
            .unwrap_or(0)
    }

    /// Feeds the part's next bytes; chunks may split anywhere, as for [`Ingest::push`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), FileProblem> {
        self.ingest.push(FileId(0), chunk)
    }

    /// Bytes pushed so far.
    pub fn bytes(&self) -> u64 {
        self.ingest.files.first().map_or(0, |f| f.bytes)
    }

    /// A part made from a plan ([`Ingest::part_plan`]) in another worker, which has only the
    /// plan's bytes: a parser for later lines of that status file with an empty store table
    /// (every id it meets is new to it; the merge maps them). `None` if the bytes are not a
    /// plan.
    pub fn from_plan(plan: &[u8]) -> Option<FilePart> {
        let mut at = Bytes(plan.strip_prefix(PLAN_MAGIC)?);
        let name = at.text()?;
        let csv_core_only = at.u64()? != 0;
        let mut number = || at.u64().and_then(|n| usize::try_from(n).ok());
        let (store, a, b, c, min_fields) = (number()?, number()?, number()?, number()?, number()?);
        let fits = [store, a, b].iter().all(|&column| column < min_fields);
        if !at.0.is_empty() || !fits || min_fields > super::reader::MAX_FIELDS {
            return None;
        }
        let layout = Layout {
            kind: FileKind::Status,
            store,
            a,
            b,
            c,
            region: None,
            min_fields,
        };
        let mut part = Ingest {
            csv_core_only,
            ..Ingest::default()
        };
        let id = part.open_file(&name);
        part.files[id.0].kind = Some(FileKind::Status);
        if let Some(part_reader) = part.readers[id.0].as_mut() {
            part_reader.tokens.start_mid_file();
            part_reader.state.layout = Some(layout);
        }
        Some(FilePart { ingest: part })
    }

    /// Reads the part's last row (its bytes need not end with a line break) and gives what
    /// it read, for [`Ingest::merge_rows`]; `None` if the part took no rows at all (its file
    /// was closed). The error is the one that refused the part's file.
    pub fn finish(self) -> Result<Option<PartRows>, FileError> {
        let part_file = FileId(0);
        let mut ingest = self.ingest;
        if let Some(error) = ingest.files[part_file.0].error.take() {
            return Err(error);
        }
        let Some(mut reader) = ingest.readers[part_file.0].take() else {
            return Ok(None);
        };
        if let Err(problem) = ingest.push_bytes(part_file, &mut reader, &[], true) {
            return Err(problem.error);
        }
        let summary = &mut ingest.files[part_file.0];
        Ok(Some(PartRows {
            first_own: ingest.stores.first_own(),
            ids: std::mem::take(&mut ingest.stores.ids),
            poll_times: ingest.poll_times,
            poll_stores: ingest.poll_stores,
            hours: ingest.hours,
            latest_poll: ingest.latest_poll,
            tokens_end: reader.tokens.part_end(),
            skips: ingest.skips,
            bytes: summary.bytes,
            rows: summary.rows,
            valid_rows: summary.valid_rows,
            skipped: std::mem::take(&mut summary.skipped),
            time_range: summary.time_range,
            seen: reader.state.seen,
        }))
    }
}

/// What a part of a status file read, as plain data: what [`Ingest::merge_rows`] adds to the
/// reader of the whole file. A part read in another worker (the page's part worker) comes
/// back as the bytes of this ([`PartRows::to_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartRows {
    /// The index of `ids[0]`: the part's own stores are numbered from it, in first-seen order.
    first_own: StoreIdx,
    ids: Vec<Box<str>>,
    poll_times: Vec<PackedPoll>,
    poll_stores: Vec<StoreIdx>,
    /// Business-hours rules, when the part is of an hours file.
    hours: Vec<(StoreIdx, HoursRule)>,
    latest_poll: Option<Micros>,
    /// The part's tokenizer at its end: its line count, and whether a broken field was left
    /// open ([`super::reader::Tokenizer::follow`]).
    tokens_end: (u64, bool),
    skips: SkipLog,
    bytes: u64,
    rows: u64,
    valid_rows: u64,
    skipped: Vec<(SkipReason, u64)>,
    time_range: Option<(Micros, Micros)>,
    /// The stores with a valid row in the part, as a bitset over its indices.
    seen: Vec<u64>,
}

/// The index just after the first line end in `bytes` (SPEC §1: LF, CRLF or a lone CR) whose
/// next byte is known: a CR as the last byte may be the first half of a CRLF.
pub(crate) fn after_first_line_end(bytes: &[u8]) -> Option<usize> {
    let i = memchr::memchr2(b'\n', b'\r', bytes)?;
    if bytes[i] == b'\n' {
        return Some(i + 1);
    }
    match bytes.get(i + 1) {
        Some(b'\n') => Some(i + 2),
        Some(_) => Some(i + 1),
        None => None,
    }
}

/// The index just after the last line end in `bytes` whose next byte is known (see
/// [`after_first_line_end`]). After it, a new line starts for sure: parts split there.
#[cfg(not(target_arch = "wasm32"))] // for the native parallel reader
pub(crate) fn after_last_line_end(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    loop {
        let i = memchr::memrchr2(b'\n', b'\r', &bytes[..end])?;
        if bytes[i] == b'\r' && i + 1 == bytes.len() {
            end = i;
            continue;
        }
        return Some(i + 1);
    }
}

/// Whether the lines `carry` followed by `rest` may be read as a part of their own. Not when
/// the first line that is neither blank nor a quote-free line too short to be a row (fewer
/// than `row_fields` fields) has an odd number of quotes: it may close a quote left open
/// before the part, and then it is the rest of that broken row (SPEC §1) — only a read in
/// order can tell. Nor when no such line is within the first `LOOK` bytes: the state a
/// broken field leaves must come from the read in order too.
pub(crate) fn may_close_a_broken_field(carry: &[u8], rest: &[u8], row_fields: usize) -> bool {
    const LOOK: usize = 64 << 10;
    let seen = rest.len().min(LOOK);
    let mut head = Vec::with_capacity(carry.len() + seen);
    head.extend_from_slice(carry);
    head.extend_from_slice(&rest[..seen]);
    let mut at = 0;
    while at < head.len() {
        let Some(end) = memchr::memchr2(b'\n', b'\r', &head[at..]).map(|i| at + i) else {
            break; // a line cut at the look's end (parts end at a line end)
        };
        let line = &head[at..end];
        let quotes = memchr::memchr_iter(b'"', line).count();
        if quotes > 0 {
            return quotes % 2 == 1;
        }
        if !line.is_empty() && memchr::memchr_iter(b',', line).count() + 1 >= row_fields {
            return false; // a full row: whatever was open before ends here
        }
        at = end + 1;
    }
    true
}

/// Where a part may start in `window`, bytes of a status file from some offset on (the
/// page's part worker reads from the middle of the file): just after the first line end
/// whose next byte is known, unless the lines after it may close a field broken before
/// them, which only a read in order can tell (then `None`, and the file is read in order).
pub fn part_start(window: &[u8], row_fields: usize) -> Option<usize> {
    let start = after_first_line_end(window)?;
    (!may_close_a_broken_field(&[], &window[start..], row_fields)).then_some(start)
}

/// Marks the start of [`PartRows::to_bytes`] (and of a plan), so a stray message is refused.
const PART_MAGIC: &[u8; 8] = b"SUPART01";
const PLAN_MAGIC: &[u8; 8] = b"SUPLAN01";

impl PartRows {
    /// The part as bytes, to send to the worker that merges it: little-endian numbers,
    /// length-prefixed texts. Hand-written rather than through serde: the engine has no
    /// binary serde format among its dependencies, and this is one flat record of a few
    /// vectors (millions of numbers at 10×, where JSON would cost more than the parse saved).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            64 + self.poll_times.len() * 12 + self.ids.iter().map(|i| i.len() + 8).sum::<usize>(),
        );
        out.extend_from_slice(PART_MAGIC);
        put(&mut out, u64::from(self.first_own));
        put(&mut out, self.ids.len() as u64);
        for id in &self.ids {
            put_text(&mut out, id);
        }
        put(&mut out, self.poll_times.len() as u64);
        for &t in &self.poll_times {
            out.extend_from_slice(&t.to_le_bytes());
        }
        for &s in &self.poll_stores {
            out.extend_from_slice(&s.to_le_bytes());
        }
        put(&mut out, self.hours.len() as u64);
        for &(store, rule) in &self.hours {
            put(&mut out, u64::from(store));
            put(&mut out, u64::from(rule.day));
            out.extend_from_slice(&rule.start.to_le_bytes());
            out.extend_from_slice(&rule.end.to_le_bytes());
        }
        put_option(&mut out, self.latest_poll.map(|t| (t, 0)));
        put(&mut out, self.tokens_end.0);
        put(&mut out, u64::from(self.tokens_end.1));
        put(&mut out, SkipReason::ALL.len() as u64);
        for reason in SkipReason::ALL {
            let kept = self.skips.get(reason);
            put(&mut out, kept.count);
            put(&mut out, kept.examples.len() as u64);
            for row in &kept.examples {
                put_text(&mut out, &row.file);
                put(&mut out, row.line);
                put(&mut out, row.column as u64);
                put_text(&mut out, &row.value);
            }
        }
        put(&mut out, self.bytes);
        put(&mut out, self.rows);
        put(&mut out, self.valid_rows);
        put(&mut out, self.skipped.len() as u64);
        for &(reason, count) in &self.skipped {
            put(&mut out, reason as u64);
            put(&mut out, count);
        }
        put_option(&mut out, self.time_range);
        put(&mut out, self.seen.len() as u64);
        for &word in &self.seen {
            put(&mut out, word);
        }
        out
    }

    /// Reads [`PartRows::to_bytes`]; `None` for anything else (cut short, a wrong count, an
    /// index out of range), so a damaged message is refused, never merged.
    pub fn from_bytes(bytes: &[u8]) -> Option<PartRows> {
        let mut at = Bytes(bytes.strip_prefix(PART_MAGIC)?);
        let first_own = StoreIdx::try_from(at.u64()?).ok()?;
        let count = at.count(8)?;
        let ids = (0..count)
            .map(|_| at.text().map(String::into_boxed_str))
            .collect::<Option<Vec<_>>>()?;
        let stores = u64::from(first_own) + ids.len() as u64;
        let polls = at.count(12)?;
        let poll_times = (0..polls)
            .map(|_| {
                at.take(8)
                    .map(|b| PackedPoll::from_le_bytes(b.try_into().unwrap_or_default()))
            })
            .collect::<Option<Vec<_>>>()?;
        let poll_stores = (0..polls)
            .map(|_| {
                let s = StoreIdx::from_le_bytes(at.take(4)?.try_into().ok()?);
                (u64::from(s) < stores).then_some(s)
            })
            .collect::<Option<Vec<_>>>()?;
        let rules = at.count(32)?;
        let hours = (0..rules)
            .map(|_| {
                let store = StoreIdx::try_from(at.u64()?).ok()?;
                let day = u8::try_from(at.u64()?).ok()?;
                let (start, end) = (at.i64()?, at.i64()?);
                (u64::from(store) < stores).then_some((store, HoursRule { day, start, end }))
            })
            .collect::<Option<Vec<_>>>()?;
        let latest_poll = at.option()?.map(|(t, _)| t);
        let tokens_end = (at.u64()?, at.flag()?);
        if tokens_end.0 == 0 || at.u64()? != SkipReason::ALL.len() as u64 {
            return None;
        }
        let mut skips = SkipLog::default();
        for reason in SkipReason::ALL {
            let count = at.u64()?;
            let examples = at.count(8)?;
            if examples as u64 > count || examples > SkipLog::EXAMPLES_PER_REASON {
                return None;
            }
            for _ in 0..examples {
                let file = at.text()?.into_boxed_str();
                let line = at.u64()?;
                let column =
                    *crate::engine::error::Column::ALL.get(usize::try_from(at.u64()?).ok()?)?;
                let value = at.text()?.into_boxed_str();
                skips.record(crate::engine::error::SkippedRow {
                    file,
                    line,
                    column,
                    reason,
                    value,
                });
            }
            skips.count_more(reason, count - examples as u64);
        }
        let (bytes_read, rows, valid_rows) = (at.u64()?, at.u64()?, at.u64()?);
        let reasons = at.count(16)?;
        let skipped = (0..reasons)
            .map(|_| {
                let reason = *SkipReason::ALL.get(usize::try_from(at.u64()?).ok()?)?;
                Some((reason, at.u64()?))
            })
            .collect::<Option<Vec<_>>>()?;
        let time_range = at.option()?;
        let words = at.count(8)?;
        if words as u64 > stores.div_ceil(64) {
            return None;
        }
        let seen = (0..words).map(|_| at.u64()).collect::<Option<Vec<_>>>()?;
        if !at.0.is_empty() {
            return None;
        }
        Some(PartRows {
            first_own,
            ids,
            poll_times,
            poll_stores,
            hours,
            latest_poll,
            tokens_end,
            skips,
            bytes: bytes_read,
            rows,
            valid_rows,
            skipped,
            time_range,
            seen,
        })
    }
}

fn put(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn put_option(out: &mut Vec<u8>, pair: Option<(i64, i64)>) {
    match pair {
        Some((a, b)) => {
            put(out, 1);
            out.extend_from_slice(&a.to_le_bytes());
            out.extend_from_slice(&b.to_le_bytes());
        }
        None => put(out, 0),
    }
}

/// The unread rest of a message, read front to back; every read checks its length.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn flag(&mut self) -> Option<bool> {
        match self.u64()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// A count of items of at least `each` bytes: never more than the bytes left could hold,
    /// so a damaged count cannot make a huge allocation.
    fn count(&mut self, each: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.0.len() / each.max(1)).then_some(n)
    }

    fn text(&mut self) -> Option<String> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn option(&mut self) -> Option<Option<(i64, i64)>> {
        match self.u64()? {
            0 => Some(None),
            1 => Some(Some((self.i64()?, self.i64()?))),
            _ => None,
        }
    }
}

impl Ingest {
    /// What another worker needs to parse later lines of the status file `file` there
    /// ([`FilePart::from_plan`]): its name and its header's layout, as bytes. `None` unless
    /// the header has been read and the file is a status file still being read.
    pub fn part_plan(&self, file: FileId) -> Option<Vec<u8>> {
        let reader = self.readers.get(file.0)?.as_ref()?;
        let layout = reader.state.layout.filter(|l| l.kind == FileKind::Status)?;
        if reader.state.failed {
            return None;
        }
        let mut plan = PLAN_MAGIC.to_vec();
        put_text(&mut plan, &self.files[file.0].name);
        put(&mut plan, u64::from(self.csv_core_only));
        for n in [
            layout.store,
            layout.a,
            layout.b,
            layout.c,
            layout.min_fields,
        ] {
            put(&mut plan, n as u64);
        }
        Some(plan)
    }

    /// A parser for later lines of the status or hours file `file`, to run apart from this
    /// ingest (on another thread). `None` unless the header has been read, the file is a
    /// status or hours file, and everything pushed so far ended at a line break. (Hours
    /// files are a tenth of the status file's size but were read on one thread while the
    /// others idled; timezone files are too small to matter.)
    ///
    /// Splitting is exact because no row of ours spans lines (a quote open at a line end
    /// is a broken row, see [`Ingest::push`]): each part starts a fresh row.
    pub fn split_part(&mut self, file: FileId) -> Option<FilePart> {
        let reader = self.readers.get(file.0)?.as_ref()?;
        let layout = (reader.state.layout)
            .filter(|l| matches!(l.kind, FileKind::Status | FileKind::Hours))?;
        if reader.state.failed || !reader.tokens.at_row_start() {
            return None;
        }
        let mut part = Ingest {
            csv_core_only: self.csv_core_only,
            stores: StoreTable::for_part(self.stores.snapshot()),
            ..Ingest::default()
        };
        let id = part.open_file(&self.files[file.0].name);
        part.files[id.0].kind = Some(layout.kind);
        if let Some(part_reader) = part.readers[id.0].as_mut() {
            part_reader.tokens.start_mid_file();
            part_reader.state.layout = Some(layout);
        }
        Some(FilePart { ingest: part })
    }

    /// Tells the reader of `file` that the byte after the CR it last read is not a LF, so the
    /// line has ended there for sure (the caller knows it from the bytes that follow).
    pub fn confirm_line_end(&mut self, file: FileId) {
        if let Some(reader) = self.readers.get_mut(file.0).and_then(Option::as_mut) {
            reader.tokens.confirm_line_end();
        }
    }

    /// Whether everything pushed to `file` so far ended at a line break, so a part read apart
    /// from the next byte on may be merged here (see [`Ingest::confirm_line_end`]).
    pub fn at_row_start(&self, file: FileId) -> bool {
        self.readers
            .get(file.0)
            .and_then(Option::as_ref)
            .is_some_and(|reader| !reader.state.failed && reader.tokens.at_row_start())
    }

    /// Adds a part made by [`Ingest::split_part`] of this `file`, as if its bytes had been
    /// pushed here. Parts must come back in file order, each starting where the bytes read
    /// so far end (a part's bytes end at a line break, except at the end of the file).
    pub fn merge_part(&mut self, file: FileId, part: FilePart) -> Result<(), FileProblem> {
        match part.finish() {
            Ok(rows) => self.merge_rows(file, rows),
            Err(error) => {
                let Some(mut reader) = self.readers[file.0].take() else {
                    return Ok(()); // a closed or rejected file takes no more rows
                };
                let problem = self.fail(file, &mut reader.state, error);
                self.readers[file.0] = Some(reader);
                Err(problem)
            }
        }
    }

    /// Adds what a part of this `file` read ([`FilePart::finish`]), as [`Ingest::merge_part`].
    pub fn merge_rows(&mut self, file: FileId, rows: Option<PartRows>) -> Result<(), FileProblem> {
        let Some(mut reader) = self.readers[file.0].take() else {
            return Ok(()); // a closed or rejected file takes no more rows
        };
        if let Some(rows) = rows {
            self.absorb_rows(file, &mut reader, rows);
        }
        self.readers[file.0] = Some(reader);
        Ok(())
    }

    fn absorb_rows(&mut self, file: FileId, reader: &mut FileReader, part: PartRows) {
        // The part's indices below `first_own` are already ours. Its new stores in its
        // first-seen order: interning them in that order gives the indices reading the rows
        // here would have given (some may have come in with the parts merged since).
        let first_own = part.first_own;
        let new_to_mine: Vec<StoreIdx> = part
            .ids
            .iter()
            .map(|id| {
                let key = IdKey::new(id.as_bytes()).unwrap_or(IdKey::Text(id));
                self.stores.intern(key)
            })
            .collect();
        self.poll_times.extend_from_slice(&part.poll_times);
        let to_mine = |s: StoreIdx| match s.checked_sub(first_own) {
            Some(own) => new_to_mine.get(own as usize).copied(),
            None => Some(s),
        };
        self.poll_stores
            .extend(part.poll_stores.iter().map(|&s| to_mine(s).unwrap_or(s)));
        (self.hours).extend(
            part.hours
                .iter()
                .map(|&(s, rule)| (to_mine(s).unwrap_or(s), rule)),
        );
        if let Some(t) = part.latest_poll {
            self.latest_poll = Some(self.latest_poll.map_or(t, |l| l.max(t)));
        }
        let lines_before = reader.tokens.follow(part.tokens_end);
        self.skips.absorb(part.skips, lines_before);

        let summary = &mut self.files[file.0];
        summary.bytes += part.bytes;
        summary.rows += part.rows;
        summary.valid_rows += part.valid_rows;
        for &(reason, count) in &part.skipped {
            count_reason(&mut summary.skipped, reason, count);
        }
        if let Some((lo, hi)) = part.time_range {
            let range = &mut summary.time_range;
            *range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
        for (word_index, &word) in part.seen.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let theirs_index = word_index * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(store) = to_mine(theirs_index as StoreIdx) else {
                    continue;
                };
                summary.stores += u64::from(reader.state.mark_seen(store));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part with rows of every kind: stores, skipped rows with examples, a broken line.
    fn sample_part() -> (Ingest, FileId, FilePart) {
        let mut ingest = Ingest::new();
        let file = ingest.open_file("status.csv");
        ingest
            .push(
                file,
                b"store_id,status,timestamp_utc\n1,active,2024-01-01 00:00:00 UTC\n",
            )
            .unwrap();
        let plan = ingest.part_plan(file).expect("a status file has a plan");
        let mut part = FilePart::from_plan(&plan).expect("its plan makes a part");
        part.push(
            b"2,active,2024-01-01 00:00:00 UTC\n1,inactive,2024-01-01 01:00:00 UTC\n\
              3,sleeping,2024-01-01 00:00:00 UTC\n\"4,active\n4,active,not a time\n",
        )
        .unwrap();
        (ingest, file, part)
    }

    #[test]
    fn a_part_survives_its_bytes_and_merges_as_read_in_order() {
        let (mut ingest, file, part) = sample_part();
        let rows = part.finish().unwrap().unwrap();
        assert!(rows.skips.total() >= 3, "{:?}", rows.skips);
        let bytes = rows.to_bytes();
        assert_eq!(PartRows::from_bytes(&bytes).as_ref(), Some(&rows));
        ingest.merge_rows(file, Some(rows)).unwrap();
        ingest.close_file(file).unwrap();
        let merged = format!("{:?}", ingest.finish());

        let mut in_order = Ingest::new();
        let file = in_order.open_file("status.csv");
        in_order
            .push(
                file,
                b"store_id,status,timestamp_utc\n1,active,2024-01-01 00:00:00 UTC\n\
                  2,active,2024-01-01 00:00:00 UTC\n1,inactive,2024-01-01 01:00:00 UTC\n\
                  3,sleeping,2024-01-01 00:00:00 UTC\n\"4,active\n4,active,not a time\n",
            )
            .unwrap();
        in_order.close_file(file).unwrap();
        assert_eq!(merged, format!("{:?}", in_order.finish()));
    }

    #[test]
    fn a_part_of_an_hours_file_survives_its_bytes_and_merges_as_read_in_order() {
        let head = b"store_id,dayOfWeek,start_time_local,end_time_local\n1,0,09:00:00,17:00:00\n";
        let rest = b"2,1,09:00:00,17:00:00\nx y,2,10:00,11:00\n1,8,09:00:00,17:00:00\n\
                     1,3,09:00:00,17:00:00\n";
        let mut ingest = Ingest::new();
        let file = ingest.open_file("hours.csv");
        ingest.push(file, head).unwrap();
        assert!(
            ingest.part_plan(file).is_none(),
            "the page splits status files only"
        );
        let mut part = ingest.split_part(file).expect("an hours file splits");
        part.push(rest).unwrap();
        let rows = part.finish().unwrap().unwrap();
        assert_eq!(rows.hours.len(), 3);
        assert_eq!(PartRows::from_bytes(&rows.to_bytes()).as_ref(), Some(&rows));
        ingest.merge_rows(file, Some(rows)).unwrap();
        ingest.close_file(file).unwrap();
        let merged = format!("{:?}", ingest.finish());
        let whole = [head.as_slice(), rest.as_slice()].concat();
        let in_order = super::super::dataset_from_bytes(&[("hours.csv", &whole)]).unwrap();
        assert_eq!(merged, format!("{in_order:?}"));
    }

    #[test]
    fn damaged_part_bytes_and_plans_are_refused_without_a_panic() {
        let (ingest, file, part) = sample_part();
        let bytes = part.finish().unwrap().unwrap().to_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(PartRows::from_bytes(&bytes[..cut]), None, "cut at {cut}");
        }
        // Every byte changed in turn: refused or read, never a panic or a store out of range.
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0xA5;
            if let Some(rows) = PartRows::from_bytes(&damaged) {
                let stores = u64::from(rows.first_own) + rows.ids.len() as u64;
                assert!(rows.poll_stores.iter().all(|&s| u64::from(s) < stores));
            }
        }
        let plan = ingest.part_plan(file).unwrap();
        for cut in 0..plan.len() {
            assert!(FilePart::from_plan(&plan[..cut]).is_none(), "cut at {cut}");
        }
        assert!(FilePart::from_plan(b"").is_none());
        assert!(
            PartRows::from_bytes(&plan).is_none(),
            "a plan is not a part"
        );
    }

    #[test]
    fn only_a_status_file_being_read_has_a_plan() {
        let mut ingest = Ingest::new();
        let hours = ingest.open_file("hours.csv");
        ingest
            .push(
                hours,
                b"store_id,dayOfWeek,start_time_local,end_time_local\n",
            )
            .unwrap();
        assert!(ingest.part_plan(hours).is_none());
        let status = ingest.open_file("status.csv");
        assert!(ingest.part_plan(status).is_none(), "no header yet");
        ingest
            .push(status, b"store_id,status,timestamp_utc\n")
            .unwrap();
        assert!(ingest.part_plan(status).is_some());
    }

    #[test]
    fn a_part_starts_after_a_whole_line_end_and_not_where_a_broken_field_may_close() {
        assert_eq!(part_start(b"ab\ncd,e,f\n", 3), Some(3));
        assert_eq!(part_start(b"ab\r\ncd,e,f\n", 3), Some(4));
        // A CR as the last byte may be half a CRLF: no start known yet.
        assert_eq!(part_start(b"ab\r", 3), None);
        // The next line has one quote: it may close a field opened before.
        assert_eq!(part_start(b"ab\ncd\",e,f\n", 3), None);
        assert_eq!(part_start(b"no line end", 3), None);
    }
}
