//! A [`FilePart`] as bytes, so a part parsed in another web worker (which shares no memory
//! with the one merging it) can be sent across and merged as if it had been parsed there.
//!
//! The bytes hold exactly what [`Ingest::merge_part`] reads from a part: the part's store
//! ids in first-seen order, its polls, its skipped rows, its file counts and the stores it
//! saw. Reading them back checks every length and index, so bytes that are not a part's
//! give an error, never a panic or a different report.

use std::io::{self, Read, Write};

use super::{FileId, FilePart, IdKey, Ingest, PackedPoll, StoreIdx};
use crate::engine::error::{Column, SkipReason, SkippedRow};

/// Identifies the format; a new layout of the bytes gets a new number.
const MAGIC: &[u8; 8] = b"SUPART1\n";

/// Polls are written and read this many at a time, so memory stays one buffer.
const POLLS_PER_BLOCK: usize = 8192;

impl FilePart {
    /// A part of the status file `name` for parsing it from a line start on, made from the
    /// file's first bytes `head` (the header is read from them), without the lines before:
    /// a web worker parsing the second half of a file. `None` if `head` holds no whole
    /// first line or the file is not a status file (then the file is read in one piece).
    pub fn from_head(name: &str, head: &[u8]) -> Option<FilePart> {
        let header_end = memchr::memchr(b'\n', head)? + 1;
        let mut ingest = Ingest::new();
        let file = ingest.open_file(name);
        ingest.push(file, &head[..header_end]).ok()?;
        ingest.split_part(file)
    }

    /// Where a part cut near byte `at` (≥ 1) of a file starts: just after the first line
    /// break at or after byte `at - 1`, so at the first line start at or after `at`. Both
    /// sides of a cut find it the same way. `chunk` holds the file's bytes from
    /// `chunk_start` on; `None` if that line break is not in it (look in the next chunk).
    pub fn start_in(chunk: &[u8], chunk_start: u64, at: u64) -> Option<u64> {
        let from = usize::try_from(at.saturating_sub(1).saturating_sub(chunk_start)).ok()?;
        let rest = chunk.get(from..)?;
        memchr::memchr(b'\n', rest).map(|i| chunk_start + (from + i + 1) as u64)
    }

    /// Reads the part's last row (its bytes may end without a line break, at the end of
    /// the file) and writes the part to `out`. A part that failed is not written: merging
    /// it would only reject the file, which reading those bytes again does with its reason.
    pub fn write_to(mut self, out: &mut impl Write) -> io::Result<()> {
        let part_file = FileId(0);
        let Some(mut reader) = self.ingest.readers[part_file.0].take() else {
            return Err(io::Error::other("the part is closed"));
        };
        let pushed = self.ingest.push_bytes(part_file, &mut reader, &[], true);
        let ingest = &self.ingest;
        if let Err(problem) = pushed {
            return Err(io::Error::other(problem.to_string()));
        }
        if let Some(error) = &ingest.files[part_file.0].error {
            return Err(io::Error::other(format!("the part failed: {error:?}")));
        }
        let summary = &ingest.files[part_file.0];
        out.write_all(MAGIC)?;
        for n in [summary.bytes, summary.rows, summary.valid_rows, reader.line] {
            write_u64(out, n)?;
        }
        write_range(out, summary.time_range)?;
        write_range(out, ingest.latest_poll.map(|t| (t, t)))?;

        write_u64(out, ingest.stores.ids.len() as u64)?;
        for id in &ingest.stores.ids {
            write_text(out, id)?;
        }

        write_u64(out, ingest.poll_times.len() as u64)?;
        let mut block = Vec::with_capacity(POLLS_PER_BLOCK * 8);
        for times in ingest.poll_times.chunks(POLLS_PER_BLOCK) {
            block.clear();
            block.extend(times.iter().flat_map(|t| t.to_le_bytes()));
            out.write_all(&block)?;
        }
        for stores in ingest.poll_stores.chunks(POLLS_PER_BLOCK) {
            block.clear();
            block.extend(stores.iter().flat_map(|s| s.to_le_bytes()));
            out.write_all(&block)?;
        }

        write_u64(out, reader.seen.len() as u64)?;
        for word in &reader.seen {
            write_u64(out, *word)?;
        }

        for reason in SkipReason::ALL {
            let skips = ingest.skips.get(reason);
            write_u64(out, skips.count)?;
            write_u64(out, skips.examples.len() as u64)?;
            for row in &skips.examples {
                write_u64(out, row.line)?;
                let column = Column::ALL.iter().position(|&c| c == row.column);
                write_u64(out, column.unwrap_or(0) as u64)?;
                write_text(out, &row.value)?;
            }
        }
        Ok(())
    }
}

/// Why bytes could not be read back as a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartBytesError(pub String);

impl std::fmt::Display for PartBytesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a part of this file: {}", self.0)
    }
}

fn invalid(why: &str) -> PartBytesError {
    PartBytesError(why.to_string())
}

impl Ingest {
    /// Reads a part written by [`FilePart::write_to`] for the status file `file`, to be
    /// given to [`Ingest::merge_part`]. Fails where [`Ingest::split_part`] would give no
    /// part, and for bytes that are not a whole, consistent part.
    pub fn read_part(
        &self,
        file: FileId,
        mut source: impl Read,
    ) -> Result<FilePart, PartBytesError> {
        let mut part = self
            .split_part(file)
            .ok_or_else(|| invalid("the file does not take a part here"))?;
        let source = &mut source;
        let mut magic = [0u8; 8];
        read_exact(source, &mut magic)?;
        if &magic != MAGIC {
            return Err(invalid("unknown format"));
        }
        let part_file = FileId(0);
        let ingest = &mut part.ingest;
        let [bytes, rows, valid_rows, line] = [(); 4].map(|()| read_u64(source));
        let (bytes, rows, valid_rows, line) = (bytes?, rows?, valid_rows?, line?);
        if line == 0 || valid_rows > rows {
            return Err(invalid("inconsistent counts"));
        }
        let time_range = read_range(source)?;
        let latest_poll = read_range(source)?.map(|(t, _)| t);

        let id_count = read_u64(source)?;
        for index in 0..id_count {
            let id = read_text(source)?;
            let key = IdKey::new(id.as_bytes()).unwrap_or(IdKey::Text(&id));
            if u64::from(ingest.stores.intern(key)) != index || id.trim() != id || id.is_empty() {
                return Err(invalid("store ids repeat or are not ids"));
            }
        }

        let polls = read_len(source)?;
        ingest.poll_times = read_block(source, polls, |b: [u8; 8]| {
            Some(PackedPoll::from_le_bytes(b))
        })?;
        ingest.poll_stores = read_block(source, polls, |b: [u8; 4]| {
            let store = StoreIdx::from_le_bytes(b);
            (u64::from(store) < id_count).then_some(store)
        })?;
        if latest_poll.is_none() != ingest.poll_times.is_empty() {
            return Err(invalid("the latest poll does not match the polls"));
        }
        ingest.latest_poll = latest_poll;

        let words = read_len(source)?;
        let seen = read_block(source, words, |b: [u8; 8]| Some(u64::from_le_bytes(b)))?;

        let name: Box<str> = ingest.files[part_file.0].name.as_str().into();
        for reason in SkipReason::ALL {
            let count = read_u64(source)?;
            let examples = read_u64(source)?;
            if examples > count || examples > crate::engine::SkipLog::EXAMPLES_PER_REASON as u64 {
                return Err(invalid("too many skipped-row examples"));
            }
            for _ in 0..examples {
                let line = read_u64(source)?;
                let column = usize::try_from(read_u64(source)?)
                    .ok()
                    .and_then(|c| Column::ALL.get(c).copied())
                    .ok_or_else(|| invalid("unknown column"))?;
                let value = read_text(source)?;
                ingest.skips.record(SkippedRow {
                    file: name.clone(),
                    line,
                    column,
                    reason,
                    value: value.into(),
                });
            }
            ingest.skips.count_more(reason, count - examples);
        }
        let mut rest = [0u8; 1];
        if source
            .read(&mut rest)
            .map_err(|e| invalid(&e.to_string()))?
            != 0
        {
            return Err(invalid("bytes after the part"));
        }

        let summary = &mut ingest.files[part_file.0];
        summary.bytes = bytes;
        summary.rows = rows;
        summary.valid_rows = valid_rows;
        summary.time_range = time_range;
        if let Some(reader) = ingest.readers[part_file.0].as_mut() {
            reader.line = line;
            reader.line_after_last_record = line;
            reader.seen = seen;
        }
        Ok(part)
    }
}

fn write_u64(out: &mut impl Write, n: u64) -> io::Result<()> {
    out.write_all(&n.to_le_bytes())
}

fn write_text(out: &mut impl Write, text: &str) -> io::Result<()> {
    write_u64(out, text.len() as u64)?;
    out.write_all(text.as_bytes())
}

/// `None` as a zero flag; a range as a one and its two ends.
fn write_range(out: &mut impl Write, range: Option<(i64, i64)>) -> io::Result<()> {
    match range {
        None => out.write_all(&[0]),
        Some((lo, hi)) => {
            out.write_all(&[1])?;
            out.write_all(&lo.to_le_bytes())?;
            out.write_all(&hi.to_le_bytes())
        }
    }
}

fn read_exact(source: &mut impl Read, buf: &mut [u8]) -> Result<(), PartBytesError> {
    source.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => invalid("the bytes end early"),
        _ => invalid(&e.to_string()),
    })
}

fn read_u64(source: &mut impl Read) -> Result<u64, PartBytesError> {
    let mut b = [0u8; 8];
    read_exact(source, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn read_len(source: &mut impl Read) -> Result<usize, PartBytesError> {
    usize::try_from(read_u64(source)?).map_err(|_| invalid("a length too big"))
}

fn read_text(source: &mut impl Read) -> Result<String, PartBytesError> {
    let len = read_len(source)?;
    // Ids and example values are short; a longer length is not ours.
    if len > 1 << 20 {
        return Err(invalid("a text too long"));
    }
    let mut bytes = vec![0u8; len];
    read_exact(source, &mut bytes)?;
    String::from_utf8(bytes).map_err(|_| invalid("a text that is not UTF-8"))
}

fn read_range(source: &mut impl Read) -> Result<Option<(i64, i64)>, PartBytesError> {
    let mut flag = [0u8; 1];
    read_exact(source, &mut flag)?;
    match flag[0] {
        0 => Ok(None),
        1 => {
            let lo = read_u64(source)? as i64;
            let hi = read_u64(source)? as i64;
            if lo > hi {
                return Err(invalid("a range that ends before it starts"));
            }
            Ok(Some((lo, hi)))
        }
        _ => Err(invalid("a bad flag")),
    }
}

/// `count` values of `N` bytes each, read a block at a time (a wrong count fails at the
/// end of the bytes instead of allocating it); `decode` refuses a value with `None`.
fn read_block<T, const N: usize>(
    source: &mut impl Read,
    count: usize,
    decode: impl Fn([u8; N]) -> Option<T>,
) -> Result<Vec<T>, PartBytesError> {
    let mut values = Vec::new();
    // Exact, so a part of 9 M polls (10× set) does not double its memory while read; a
    // count too big to hold fails here, one that is merely wrong fails at the end of bytes.
    values
        .try_reserve_exact(count)
        .map_err(|_| invalid("a length too big"))?;
    let mut block = vec![0u8; POLLS_PER_BLOCK * N];
    let mut left = count;
    while left > 0 {
        let n = left.min(POLLS_PER_BLOCK);
        read_exact(source, &mut block[..n * N])?;
        for bytes in block[..n * N].chunks_exact(N) {
            let mut value = [0u8; N];
            value.copy_from_slice(bytes);
            values.push(decode(value).ok_or_else(|| invalid("a value out of range"))?);
        }
        left -= n;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::engine::{analyse, write_csv, Options};
    use crate::generate::{GenConfig, GeneratedData};

    /// Everything an ingest read, as text (as in parallel_read's tests).
    fn describe(ingest: Ingest, problems: Vec<Option<crate::engine::FileProblem>>) -> String {
        let data = ingest.finish();
        let mut csv = Vec::new();
        if let Ok(report) = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        ) {
            write_csv(&report, &data, true, &mut csv).unwrap();
        }
        format!("{problems:?}\n{data:?}\n{}", String::from_utf8_lossy(&csv))
    }

    fn read_whole(files: &[(&str, &[u8])], chunk: usize) -> String {
        let mut ingest = Ingest::new();
        let problems = files
            .iter()
            .map(|&(name, bytes)| {
                ingest
                    .read_file(name, bytes, chunk, &mut |_| ControlFlow::Continue(()))
                    .err()
            })
            .collect();
        describe(ingest, problems)
    }

    /// The second half of `bytes` from `at`, as the helper worker sends it: `None` where it
    /// sends "no part" (the merging side then reads those bytes itself).
    fn helper_bytes(name: &str, bytes: &[u8], at: u64, chunk: usize) -> Option<(u64, Vec<u8>)> {
        let mut part = FilePart::from_head(name, &bytes[..bytes.len().min(64)])?;
        let from = (at.saturating_sub(1) as usize).min(bytes.len());
        let start =
            FilePart::start_in(&bytes[from..], from as u64, at).unwrap_or(bytes.len() as u64);
        for piece in bytes[start as usize..].chunks(chunk) {
            part.push(piece).ok()?;
        }
        let mut out = Vec::new();
        part.write_to(&mut out).ok()?;
        Some((start, out))
    }

    /// Each file read as the web worker does when it has a helper: the bytes before the cut
    /// here, the rest parsed "elsewhere", sent as bytes and merged.
    fn read_split(files: &[(&str, &[u8])], at: u64, chunk: usize) -> String {
        let mut ingest = Ingest::new();
        let mut problems = Vec::new();
        for &(name, bytes) in files {
            let file = ingest.open_file(name);
            let helper = helper_bytes(name, bytes, at, chunk);
            let cut = helper
                .as_ref()
                .map_or(bytes.len(), |(start, _)| *start as usize);
            let mut result = bytes[..cut]
                .chunks(chunk)
                .try_for_each(|c| ingest.push(file, c));
            let mut rest = cut;
            if let (Ok(()), Some((_, encoded))) = (&result, &helper) {
                if let Ok(part) = ingest.read_part(file, &encoded[..]) {
                    result = ingest.merge_part(file, part);
                    rest = bytes.len();
                }
            }
            if result.is_ok() {
                result = bytes[rest..]
                    .chunks(chunk)
                    .try_for_each(|c| ingest.push(file, c));
            }
            problems.push(
                result
                    .and_then(|()| ingest.close_file(file).map(|_| ()))
                    .err(),
            );
        }
        describe(ingest, problems)
    }

    fn generated() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let data = GeneratedData::generate(GenConfig {
            days: 3,
            ..GenConfig::public_like(5, 80)
        });
        let (mut status, mut hours, mut zones) = (Vec::new(), Vec::new(), Vec::new());
        data.write_status(&mut status).unwrap();
        data.write_hours(&mut hours).unwrap();
        data.write_timezones(&mut zones).unwrap();
        (status, hours, zones)
    }

    #[test]
    fn a_part_sent_as_bytes_merges_to_the_same_result_at_any_cut() {
        let (status, hours, zones) = generated();
        let files = [
            ("status.csv", &status[..]),
            ("hours.csv", &hours[..]),
            ("zones.csv", &zones[..]),
        ];
        let len = status.len() as u64;
        for chunk in [7, 4096] {
            let expected = read_whole(&files, chunk);
            for at in [
                1,
                2,
                30,
                31,
                32,
                len / 3,
                len / 2,
                len - 2,
                len - 1,
                len,
                len + 5,
            ] {
                assert!(
                    read_split(&files, at, chunk) == expected,
                    "cut at {at} of {len}, chunk {chunk}: differs from one piece"
                );
            }
        }
    }

    #[test]
    fn awkward_files_merge_to_the_same_result() {
        let many_skips = (0..200)
            .map(|i| match i % 4 {
                0 => format!("{},maybe,2024-01-01 00:00:00 UTC\n", i),
                1 => format!(
                    "\"{}\",active,\"2024-01-0{} 00:00:00 UTC\"\n",
                    i % 9,
                    1 + i % 7
                ),
                2 => format!(",active,2024-01-01 0{}:00:00 UTC\r\n", i % 10),
                _ => format!(
                    "{},inactive,2024-01-01 0{}:00:00 UTC,extra\n",
                    i % 13,
                    i % 10
                ),
            })
            .fold(String::from("store_id,status,timestamp_utc\n"), |s, l| {
                s + &l
            });
        let cases: Vec<Vec<u8>> = vec![
            many_skips.into_bytes(),
            b"\xEF\xBB\xBFstore_id,status,timestamp_utc\r\n1,active,2024-01-01 00:00:00 UTC\r\n2,inactive,2024-01-01 01:00:00 UTC".to_vec(),
            b"store_id,status,timestamp_utc\n\n1,active,\"2024-01-01 00:00:00 UTC\"\n\"2\",\"inactive\n3,active,2024-01-01 00:00:00 UTC\n".to_vec(),
            b"store_id,status,timestamp_utc\n".to_vec(),
            b"store_id,dayOfWeek,start_time_local,end_time_local\n1,0,00:00:00,23:59:59\n".to_vec(),
            b"no,header,here\n1,2,3\n".to_vec(),
            b"\x00\x01binary\n\x02\n".to_vec(),
            b"".to_vec(),
        ];
        for (i, status) in cases.iter().enumerate() {
            let files = [("a.csv", &status[..]), ("c.csv", &status[..])];
            for chunk in [1, 5, 1 << 16] {
                let expected = read_whole(&files, chunk);
                // Every cut of the short cases; every 7th of the long one (a debug build).
                let step = if status.len() > 400 { 7 } else { 1 };
                for at in (1..=status.len() as u64 + 1).step_by(step) {
                    assert!(
                        read_split(&files, at, chunk) == expected,
                        "case {i}, cut at {at}, chunk {chunk}: differs from one piece"
                    );
                }
            }
        }
    }

    #[test]
    fn bytes_that_are_not_a_whole_part_are_refused_without_panic() {
        let (status, _, _) = generated();
        let cut = FilePart::start_in(&status, 0, status.len() as u64 / 2).unwrap();
        let (_, encoded) = helper_bytes("status.csv", &status, cut, 4096).unwrap();
        let mut ingest = Ingest::new();
        let file = ingest.open_file("status.csv");
        ingest.push(file, &status[..cut as usize]).unwrap();
        assert!(ingest.read_part(file, &encoded[..]).is_ok());
        // Every shorter prefix, and the bytes with one more, are refused.
        for len in (0..encoded.len()).step_by(97).chain([encoded.len() - 1]) {
            assert!(
                ingest.read_part(file, &encoded[..len]).is_err(),
                "prefix {len}"
            );
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert!(ingest.read_part(file, &longer[..]).is_err());
        // A poll of a store the part has no id for, and repeated ids.
        let mut part = FilePart::from_head("status.csv", &status[..64]).unwrap();
        part.push(&status[cut as usize..]).unwrap();
        part.ingest.poll_stores[0] = part.ingest.stores.ids.len() as StoreIdx;
        let mut bad = Vec::new();
        part.write_to(&mut bad).unwrap();
        assert!(ingest.read_part(file, &bad[..]).is_err());
        let mut part = FilePart::from_head("status.csv", &status[..64]).unwrap();
        part.push(&status[cut as usize..]).unwrap();
        let first = part.ingest.stores.ids[0].clone();
        part.ingest.stores.ids.push(first);
        let mut bad = Vec::new();
        part.write_to(&mut bad).unwrap();
        assert!(ingest.read_part(file, &bad[..]).is_err());
        // Arbitrary bytes after the magic never panic.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            let len = (state % 300) as usize;
            let mut bytes = MAGIC.to_vec();
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.push(state as u8);
            }
            let _ = ingest.read_part(file, &bytes[..]);
        }
        // A file that cannot take a part (not a status file) refuses even good bytes.
        let mut other = Ingest::new();
        let hours = other.open_file("hours.csv");
        other
            .push(hours, b"store_id,day,start_time_local,end_time_local\n")
            .unwrap();
        assert!(other.read_part(hours, &encoded[..]).is_err());
    }
}
