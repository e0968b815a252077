//! The reader (SPEC §1; docs/semantics.md, "Line ends", "A quote must close on its own
//! line", "Reading is linear"): a file's bytes, pushed in chunks of any size, split into
//! lines and fields. Like csv-core's `Reader::read_record`, a [`Tokenizer`] owns its scanning
//! loop and hands the caller one [`Step`] at a time: a record, a row too long or broken by a
//! quote, a refusal, or the end of the bytes. Quote-free lines take a fast path, quoted ones
//! go through csv-core, and a quote left open at a line end costs one row, not the rest.

use std::borrow::Cow;

use crate::engine::error::FileError;

/// Rows longer than this are skipped unread: no real export comes near it, and it bounds
/// memory for a 50 MB single-line file.
pub(super) const MAX_ROW_BYTES: usize = 1 << 20;
pub(super) const MAX_FIELDS: usize = 1 << 12;
/// The header must be read within this many bytes of the file's start (blank lines and all),
/// so an endless or zero-filled source is refused after a bounded read
/// (docs/semantics.md, "The header must come early").
pub const HEADER_SEARCH_BYTES: u64 = 2 << 20;
const MAX_HEADER_FIELDS: usize = 1 << 16;
pub(super) const SNIPPET_CHARS: usize = 60;

/// What the tokenizer found; the caller acts on it, then asks for the next step.
pub(super) enum Step<'a> {
    /// A record within the limits, on line `line`: the header, or a row.
    Record { line: u64, fields: Fields<'a> },
    /// A row over [`MAX_ROW_BYTES`] or [`MAX_FIELDS`], skipped unread.
    TooLong { line: u64 },
    /// A row whose line ended inside a quoted field; `snippet` is that field.
    Unclosed { line: u64, snippet: Vec<u8> },
    /// A line that closes the quote left open at the end of the line before: the rest of
    /// that broken row, never a row of its own; `snippet` is its start.
    Continuation { line: u64, snippet: Vec<u8> },
    /// The bytes cannot be a file of ours; nothing more is read from them.
    Refused(FileError),
    /// The pushed bytes are used up: the next push goes on from here.
    Done,
}

/// A step found, before it borrows the record it names: the scanning loop holds no borrow
/// of the tokenizer, which hands out the record only as it returns.
enum Found {
    /// A quote-free line of the feed, its field ends in `line_ends`.
    Line {
        line: u64,
        start: usize,
        end: usize,
    },
    /// A record csv-core wrote into `record` and `ends`.
    Core {
        line: u64,
        len: usize,
        n_ends: usize,
    },
    Other(Step<'static>),
}

/// One push's bytes as the tokenizer walks them, with where the next quote and the next
/// lone CR are: each is searched for once, so reading stays linear whatever the line ends.
pub(super) struct Feed<'i> {
    input: Cow<'i, [u8]>,
    at_end: bool,
    pos: usize,
    quote: usize,
    lone_cr: usize,
    /// The end of the run of whole quote-free lines the fast path is reading (0: none).
    plain_end: usize,
    /// At a line start where the fast path may take over (the start of the push, or the
    /// end of a line the slow path read).
    fresh: bool,
}

impl Feed<'_> {
    /// The rest of the run of whole quote-free lines the fast path is in, from the next
    /// line on (empty outside a run): every line in it ends with LF or CRLF, but its last
    /// bytes may be the start of a line that ends past the run.
    #[inline]
    pub(super) fn plain_rest(&self) -> &[u8] {
        if self.pos < self.plain_end {
            &self.input[self.pos..self.plain_end]
        } else {
            &[]
        }
    }
}

/// The per-file push tokenizer: what it needs to carry from one push to the next.
pub(super) struct Tokenizer {
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
    /// Tests turn the fast path off to compare it with csv-core alone.
    csv_core_only: bool,
}

impl Tokenizer {
    pub(super) fn new(csv_core_only: bool) -> Self {
        Tokenizer {
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
            csv_core_only,
        }
    }

    /// Whether everything read so far ended at a line break, so the next byte starts a row.
    pub(super) fn at_row_start(&self) -> bool {
        self.started && !self.core_mid_record && !self.after_cr
    }

    /// Starts the tokenizer in the middle of a file (a part read apart): no byte-order mark.
    pub(super) fn start_mid_file(&mut self) {
        self.started = true;
    }

    /// The byte after the CR last read is not a LF: the line has ended there for sure.
    pub(super) fn confirm_line_end(&mut self) {
        self.after_cr = false;
    }

    /// Goes on after a part read apart from the lines here, which it follows: `part_line`
    /// is its tokenizer's line count and `after_unclosed` whether a broken field was left
    /// open at its end (see [`Tokenizer::part_end`]). Returns the lines before.
    pub(super) fn follow(&mut self, (part_line, after_unclosed): (u64, bool)) -> u64 {
        let lines_before = self.line - 1;
        self.line += part_line - 1;
        // The part ended at a line end the caller knows (no LF follows a CR of it).
        self.after_cr = false;
        self.after_unclosed = after_unclosed;
        lines_before
    }

    /// What [`Tokenizer::follow`] needs of a part's tokenizer once it has read its bytes.
    pub(super) fn part_end(&self) -> (u64, bool) {
        (self.line, self.after_unclosed)
    }

    /// Takes the next bytes of the file (`at_end`: the last ones); `None` while the first
    /// bytes are held back to tell a byte-order mark. `header_read` is false until the
    /// caller has had the header: bytes before it are checked for being text at all.
    pub(super) fn feed<'i>(
        &mut self,
        input: &'i [u8],
        at_end: bool,
        header_read: bool,
    ) -> Result<Option<Feed<'i>>, FileError> {
        let mut input = Cow::Borrowed(input);
        if !self.started {
            if self.start.len() + input.len() < 4 && !at_end {
                self.start.extend_from_slice(&input);
                return Ok(None);
            }
            self.started = true;
            if !self.start.is_empty() {
                // Rare (a first chunk under 4 bytes): one small copy keeps the file whole.
                let mut bytes = std::mem::take(&mut self.start);
                bytes.extend_from_slice(&input);
                input = Cow::Owned(bytes);
            }
            if input.starts_with(&[0xFF, 0xFE]) || input.starts_with(&[0xFE, 0xFF]) {
                return Err(FileError::NotText {
                    hint: "it is UTF-16; save it as CSV UTF-8",
                });
            }
            if input.starts_with(b"\xEF\xBB\xBF") {
                input = match input {
                    Cow::Borrowed(bytes) => Cow::Borrowed(&bytes[3..]),
                    Cow::Owned(mut bytes) => {
                        bytes.drain(..3);
                        Cow::Owned(bytes)
                    }
                };
            }
        }
        let mut pos = 0;
        if self.after_cr && !input.is_empty() {
            // SPEC §1: CRLF is one line end, also when a push ends between the two bytes.
            self.after_cr = false;
            pos = usize::from(input[0] == b'\n');
        }
        if !header_read {
            // NUL bytes before the header is read mean binary data (or UTF-16), whether or
            // not a line end ever comes (docs/semantics.md, "The header must come early").
            let head = &input[pos..];
            let head = &head[..memchr::memchr2(b'\n', b'\r', head).unwrap_or(head.len())];
            scanned(2 * head.len());
            if memchr::memchr(0, head).is_some() {
                return Err(FileError::NotText {
                    hint: "it contains NUL bytes: binary data or UTF-16; save it as CSV UTF-8",
                });
            }
        }
        let quote = find_quote(&input, pos);
        let lone_cr = find_lone_cr(&input, pos);
        Ok(Some(Feed {
            input,
            at_end,
            pos,
            quote,
            lone_cr,
            plain_end: 0,
            fresh: true,
        }))
    }

    /// Reads on to the next step. `row_fields` is the fields a row needs, `None` until the
    /// header has been read (the first record is the header). After [`Step::Done`] the feed
    /// is used up; after [`Step::Refused`] the file is.
    #[inline]
    pub(super) fn step<'s>(
        &'s mut self,
        feed: &'s mut Feed<'_>,
        row_fields: Option<usize>,
    ) -> Step<'s> {
        let found = self.scan(feed, row_fields);
        match found {
            Found::Line { line, start, end } => Step::Record {
                line,
                fields: Fields {
                    bytes: &feed.input[start..end],
                    ends: &self.line_ends,
                    gap: 1,
                },
            },
            Found::Core { line, len, n_ends } => Step::Record {
                line,
                fields: Fields {
                    bytes: &self.record[..len],
                    ends: &self.ends[..n_ends],
                    gap: 0,
                },
            },
            Found::Other(step) => step,
        }
    }

    /// Splits the feed into lines (SPEC §1: a line ends at LF, CRLF or a lone CR) until one
    /// gives a step. Linear: each byte is looked at a bounded number of times, whatever the
    /// line ends — the searches for the next quote and the next lone CR remember where they
    /// got.
    fn scan(&mut self, feed: &mut Feed<'_>, row_fields: Option<usize>) -> Found {
        loop {
            if feed.fresh {
                feed.fresh = false;
                if !self.core_mid_record && !self.csv_core_only {
                    let stop = feed.quote.min(feed.lone_cr);
                    if stop > feed.pos {
                        scanned(stop - feed.pos);
                        feed.plain_end = stop;
                    }
                }
            }
            if feed.pos < feed.plain_end {
                if let Some(found) = self.plain_line(feed, row_fields) {
                    return found;
                }
                continue;
            }
            let input: &[u8] = &feed.input;
            let pos = feed.pos;
            if pos == input.len() {
                if feed.at_end && self.core_mid_record {
                    // The last line, without a line end.
                    if let Some(found) = self.end_line(input, pos, pos, row_fields) {
                        return found;
                    }
                    continue;
                }
                return Found::Other(Step::Done);
            }
            // One line the fast path cannot take: quoted, ended by a lone CR, or begun in an
            // earlier push.
            let found = memchr::memchr2(b'\n', b'\r', &input[pos..]);
            scanned(found.map_or(input.len() - pos, |i| i + 1));
            let Some(i) = found else {
                feed.pos = input.len();
                let found = if feed.at_end {
                    self.end_line(input, pos, input.len(), row_fields)
                } else {
                    self.line_goes_on(&input[pos..], row_fields)
                };
                match found {
                    Some(found) => return found,
                    None => continue,
                }
            };
            let end = pos + i;
            let mut next = end + 1;
            if input[end] == b'\r' {
                match input.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            feed.pos = next;
            if feed.quote < next {
                feed.quote = find_quote(input, next);
            }
            if feed.lone_cr < next {
                feed.lone_cr = find_lone_cr(input, next);
            }
            feed.fresh = true;
            if let Some(found) = self.end_line(input, pos, end, row_fields) {
                return found;
            }
        }
    }

    /// Takes `lines` whole lines, `len` bytes with their line ends, from the start of
    /// [`Feed::plain_rest`]: rows the caller read itself, each with at least the fields a row
    /// needs (so, as in [`Tokenizer::plain_line`], none of them continues a broken field).
    #[inline]
    pub(super) fn take_plain_rows(&mut self, feed: &mut Feed<'_>, len: usize, lines: u64) {
        debug_assert!(feed.pos + len <= feed.plain_end);
        feed.pos += len;
        self.line += lines;
        if lines > 0 {
            self.after_unclosed = false;
        }
    }

    /// The fast path: the next whole line of a run without quotes, each ended by LF or CRLF,
    /// split on commas directly — one SIMD search for commas and line ends, where csv-core
    /// reads byte by byte. The run holds no quote and no lone CR (it stops before the next
    /// one). `None` once the run has no whole line left (its rest goes to the slow path).
    #[inline]
    fn plain_line(&mut self, feed: &mut Feed<'_>, row_fields: Option<usize>) -> Option<Found> {
        let input = &feed.input[..feed.plain_end];
        let base = feed.pos;
        let mut consumed = base;
        let ends = &mut self.line_ends;
        ends.clear();
        for at in memchr::memchr2_iter(b',', b'\n', &input[base..]) {
            let at = base + at;
            if input[at] == b',' {
                // Bounded: past the header limit the row is too long anyway.
                if ends.len() <= MAX_HEADER_FIELDS {
                    ends.push(at - consumed);
                }
                continue;
            }
            // A CR here is always the first half of a CRLF: the run has no lone CR.
            let end = if at > consumed && input[at - 1] == b'\r' {
                at - 1
            } else {
                at
            };
            let number = self.line;
            self.line += 1;
            let start = consumed;
            consumed = at + 1;
            if end == start {
                ends.clear();
                continue; // a blank line, skipped
            }
            feed.pos = consumed;
            // No quote on this line: it closes nothing. Too few fields to be a row, it may
            // be the middle of a field broken over several lines, so a line closing the
            // quote after it is still the rest of that broken row (SPEC §1).
            self.after_unclosed &= ends.len() + 1 < row_fields.unwrap_or(0);
            ends.push(end - start);
            let fields = Fields {
                bytes: &input[start..end],
                ends,
                gap: 1,
            };
            return Some(
                over_limits(fields, number, row_fields).unwrap_or(Found::Line {
                    line: number,
                    start,
                    end,
                }),
            );
        }
        feed.pos = consumed;
        feed.plain_end = 0;
        None
    }

    /// The start or middle of a line that goes on in the next push: csv-core keeps it.
    fn line_goes_on(&mut self, bytes: &[u8], row_fields: Option<usize>) -> Option<Found> {
        self.line_odd_quotes ^= odd_quotes(bytes);
        self.line_commas += memchr::memchr_iter(b',', bytes).count();
        self.line_has_quote |= memchr::memchr(b'"', bytes).is_some();
        let room = (4 * SNIPPET_CHARS).saturating_sub(self.line_head.len());
        self.line_head
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.core_mid_record = true;
        self.core_feed(bytes, row_fields).err().map(refused)
    }

    /// The end of a line, `input[start..end]` without its line end (all of the line, or the
    /// rest after [`Self::line_goes_on`]).
    fn end_line(
        &mut self,
        input: &[u8],
        start: usize,
        end: usize,
        row_fields: Option<usize>,
    ) -> Option<Found> {
        let bytes = &input[start..end];
        let number = self.line;
        self.line += 1;
        let after_unclosed = std::mem::take(&mut self.after_unclosed);
        if !self.core_mid_record {
            if bytes.is_empty() {
                self.after_unclosed = after_unclosed;
                return None; // a blank line, skipped
            }
            scanned(bytes.len());
            if memchr::memchr(b'"', bytes).is_none() {
                // As in `plain_line`: a quote-free line too short to be a row keeps a
                // broken field open for the line that closes it.
                self.after_unclosed = after_unclosed
                    && memchr::memchr_iter(b',', bytes).count() + 1 < row_fields.unwrap_or(0);
                return Some(self.split_line(number, input, start, end, row_fields));
            }
        }
        let odd = std::mem::take(&mut self.line_odd_quotes) ^ odd_quotes(bytes);
        let commas = std::mem::take(&mut self.line_commas);
        let has_quote = std::mem::take(&mut self.line_has_quote);
        if after_unclosed && odd && row_fields.is_some() {
            // SPEC §1: this line closes the quote left open at the end of the line before,
            // so it is the rest of that broken row, never a row of its own.
            let mut snippet = std::mem::take(&mut self.line_head);
            snippet.extend_from_slice(&bytes[..bytes.len().min(4 * SNIPPET_CHARS)]);
            let snippet = snippet.trim_ascii().to_vec();
            self.drop_core_record();
            return Some(Found::Other(Step::Continuation {
                line: number,
                snippet,
            }));
        }
        self.core_mid_record = true;
        if let Err(error) = self.core_feed(bytes, row_fields) {
            return Some(refused(error));
        }
        // The line end, as csv-core's record terminator: a quote still open swallows it.
        match self.core_feed(b"\n", row_fields) {
            Err(error) => Some(refused(error)),
            Ok(None) => Some(self.unbalanced_quote(number, row_fields)),
            Ok(Some((len, n_ends, overflow))) => {
                if after_unclosed && !has_quote && memchr::memchr(b'"', bytes).is_none() {
                    // A quote-free line that went on past a push: as in `plain_line`, too
                    // short to be a row, it keeps the broken field open for the line that
                    // closes it.
                    let fields = commas + memchr::memchr_iter(b',', bytes).count() + 1;
                    self.after_unclosed = fields < row_fields.unwrap_or(0);
                }
                if overflow {
                    return Some(too_long(number, row_fields));
                }
                let fields = Fields {
                    bytes: &self.record[..len],
                    ends: &self.ends[..n_ends],
                    gap: 0,
                };
                Some(
                    over_limits(fields, number, row_fields).unwrap_or(Found::Core {
                        line: number,
                        len,
                        n_ends,
                    }),
                )
            }
        }
    }

    /// A whole line `input[start..end]` without quotes, split on commas.
    fn split_line(
        &mut self,
        number: u64,
        input: &[u8],
        start: usize,
        end: usize,
        row_fields: Option<usize>,
    ) -> Found {
        let line = &input[start..end];
        scanned(line.len());
        let ends = &mut self.line_ends;
        ends.clear();
        for at in memchr::memchr_iter(b',', line) {
            if ends.len() > MAX_HEADER_FIELDS {
                break; // too many fields: the row is skipped as too long anyway
            }
            ends.push(at);
        }
        ends.push(line.len());
        let fields = Fields {
            bytes: line,
            ends,
            gap: 1,
        };
        over_limits(fields, number, row_fields).unwrap_or(Found::Line {
            line: number,
            start,
            end,
        })
    }

    /// Gives csv-core bytes of the current line; when they complete a record, its length,
    /// its field count and whether it overflowed (the record itself is left in `record`
    /// and `ends`). Only the terminator `\n` the caller adds can complete one.
    fn core_feed(
        &mut self,
        mut input: &[u8],
        row_fields: Option<usize>,
    ) -> Result<Option<(usize, usize, bool)>, FileError> {
        use csv_core::ReadRecordResult as R;
        scanned(input.len());
        while !input.is_empty() {
            // Built on first use: building its DFA costs more than reading a short file, and
            // files without quotes never need it.
            let core = self.core.get_or_insert_with(csv_core::Reader::new);
            let (res, nin, nout, nend) = if self.overflow {
                self.scratch.resize(4096, 0);
                self.scratch_ends.resize(64, 0);
                core.read_record(input, &mut self.scratch, &mut self.scratch_ends)
            } else {
                core.read_record(
                    input,
                    &mut self.record[self.record_len..],
                    &mut self.ends[self.ends_len..],
                )
            };
            input = &input[nin..];
            if !self.overflow {
                self.record_len += nout;
                self.ends_len += nend;
            }
            match res {
                R::InputEmpty | R::End => {}
                R::OutputFull => {
                    grow_or_overflow(&mut self.record, MAX_ROW_BYTES, &mut self.overflow)
                }
                R::OutputEndsFull => {
                    grow_or_overflow(&mut self.ends, MAX_HEADER_FIELDS, &mut self.overflow)
                }
                R::Record => {
                    self.core_mid_record = false;
                    self.line_head.clear();
                    let overflow = std::mem::take(&mut self.overflow);
                    let done = (self.record_len, self.ends_len, overflow);
                    self.record_len = 0;
                    self.ends_len = 0;
                    return Ok(Some(done));
                }
            }
            if self.overflow && row_fields.is_none() {
                // No header within 1 MiB: stop reading now, not at a line end that may never
                // come (`/dev/zero`; docs/semantics.md, "The header must come early").
                return Err(FileError::HeaderTooLong);
            }
        }
        Ok(None)
    }

    /// Forgets the record csv-core is in the middle of.
    fn drop_core_record(&mut self) {
        if let Some(core) = self.core.as_mut() {
            core.reset();
        }
        (self.record_len, self.ends_len) = (0, 0);
        self.overflow = false;
        self.core_mid_record = false;
        self.line_odd_quotes = false;
        self.line_head.clear();
        self.line_commas = 0;
        self.line_has_quote = false;
    }

    /// A line ended inside a quoted field: no field of ours spans lines, so the quote is
    /// unbalanced. The row is skipped and reading goes on with the next line.
    fn unbalanced_quote(&mut self, number: u64, row_fields: Option<usize>) -> Found {
        let snippet = if self.overflow {
            Vec::new()
        } else {
            let field =
                &self.record[self.ends[..self.ends_len].last().map_or(0, |&e| e)..self.record_len];
            // The terminator csv-core took into the field is not part of the value.
            field
                .strip_suffix(b"\n")
                .unwrap_or(field)
                .trim_ascii_end()
                .to_vec()
        };
        self.drop_core_record();
        if row_fields.is_none() {
            return refused(FileError::NotText {
                hint: "its first row has an unclosed quote",
            });
        }
        self.after_unclosed = true;
        Found::Other(Step::Unclosed {
            line: number,
            snippet,
        })
    }
}

fn refused(error: FileError) -> Found {
    Found::Other(Step::Refused(error))
}

/// A row over the limits is skipped; a header over them refuses the file.
fn too_long(line: u64, row_fields: Option<usize>) -> Found {
    match row_fields {
        Some(_) => Found::Other(Step::TooLong { line }),
        None => refused(FileError::HeaderTooLong),
    }
}

/// The limits every record is held to, whichever path read it; `None` within them.
#[inline]
fn over_limits(fields: Fields<'_>, line: u64, row_fields: Option<usize>) -> Option<Found> {
    let field_limit = if row_fields.is_none() {
        MAX_HEADER_FIELDS
    } else {
        MAX_FIELDS
    };
    (fields.data_len() >= MAX_ROW_BYTES || fields.len() > field_limit)
        .then(|| too_long(line, row_fields))
}

/// One record's fields. Field `i` ends at `ends[i]` and starts `gap` bytes after the end of
/// field `i - 1`: csv-core packs fields (`gap` 0), a raw line has a comma between (`gap` 1).
#[derive(Clone, Copy)]
pub(super) struct Fields<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) ends: &'a [usize],
    pub(super) gap: usize,
}

impl<'a> Fields<'a> {
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn get(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] + self.gap
        };
        &self.bytes[start..self.ends[i]]
    }

    /// The bytes of all fields together, as csv-core would output them.
    pub(super) fn data_len(&self) -> usize {
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

#[cfg(test)]
thread_local! {
    /// Bytes the reader has looked at, in tests: reading must stay linear
    /// (docs/semantics.md, "Reading is linear").
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::SkipReason;
    use crate::engine::ingest::testing::{read_chunked, skipped_lines, STATUS};
    use crate::engine::ingest::{dataset_from_bytes, Dataset, Ingest, StoreIdx};

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
        assert!(reader.tokens.core.is_none());
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
                // last line has two quotes, so it closes nothing and is read. (The dataset
                // numbers stores by id.)
                assert_eq!(ids, ["2024", "B", "C\""], "{ends:?} chunk {chunk}");
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
        // NUL bytes in the head refuse the file at once; without a header in the first 2 MiB
        // the file is refused too, without waiting for a line end (docs/semantics.md, "The
        // header must come early").
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
}
