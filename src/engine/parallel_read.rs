//! Reading one file on several threads (native only): the status file is most of the
//! work (and the hours file the rest), and their rows never span lines, so whole-line parts
//! are parsed apart and merged back in order ([`Ingest::split_part`]). The result is the
//! same `Ingest` state, byte for byte, as reading the file with [`Ingest::read_file`].

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::{mpsc, Mutex};

use super::error::FileProblem;
use super::ingest::{after_first_line_end, after_last_line_end, may_close_a_broken_field};
use super::ingest::{FileId, FilePart, Ingest};

/// A line longer than this (not ending within it) is read on the calling thread, so memory
/// stays bounded for a file with no line breaks; such a row is skipped as too long anyway.
const CARRY_LIMIT: usize = 4 << 20;
/// Reads while looking for the header are this small.
const HEAD_READ: usize = 64 << 10;

struct Job {
    seq: u64,
    part: FilePart,
    /// The end of a line begun in the previous chunk, then whole lines of `chunk`.
    carry: Vec<u8>,
    chunk: Vec<u8>,
    range: std::ops::Range<usize>,
}

/// A parsed part; a part that failed carries its error to [`Ingest::merge_part`].
type Done = (u64, FilePart);

impl Ingest {
    /// Reads a whole file from `source` like [`Ingest::read_file`], in chunks of
    /// `chunk_size`, with a thread reading ahead and `threads` threads parsing whole-line
    /// parts of a status or hours file. Other files, and a file's header, are read here.
    pub fn read_file_parallel(
        &mut self,
        name: &str,
        source: impl Read + Send,
        chunk_size: usize,
        threads: usize,
    ) -> Result<(), FileProblem> {
        let file = self.open_file(name);
        let chunk_size = chunk_size.max(1);
        // The header first, here and in small reads: a file that is not CSV (`/dev/zero`, a
        // 2 GB file of zeros) is refused after a bounded read, with no thread reading ahead
        // (SPEC §1: the ingest refuses a file with no header in its first 2 MiB).
        let mut source = source;
        let mut head = vec![0; chunk_size.min(HEAD_READ)];
        while self.kind(file).is_none() {
            match source.read(&mut head) {
                Ok(0) => return self.close_file(file).map(|_| ()),
                Ok(n) => self.push(file, &head[..n])?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.reject_io(file, &e)),
            }
        }
        drop(head);
        let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(threads + 1);
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        // Chunk buffers come back here once parsed, to be read into again: a fresh zeroed
        // 4 MiB buffer per chunk cost the reading thread a page fault per 4 KiB and a
        // memset — half a core at 1×, as much as the parsing threads lost (perf-log).
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        let job_rx = Mutex::new(job_rx);
        let result = std::thread::scope(|scope| {
            scope.spawn(move || loop {
                let mut buf = free_rx.try_recv().unwrap_or_default();
                // Only a short last chunk leaves bytes to zero again.
                buf.resize(chunk_size, 0);
                let filled = loop {
                    match source.read(&mut buf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                let done = !matches!(filled, Ok(n) if n > 0);
                let message = filled.map(|n| {
                    buf.truncate(n);
                    buf
                });
                if full_tx.send(message).is_err() || done {
                    return; // stopped early, or the file is read
                }
            });
            for _ in 0..threads.max(1) {
                let (job_rx, done_tx, free_tx) = (&job_rx, done_tx.clone(), free_tx.clone());
                scope.spawn(move || loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(mut job) = job else { return };
                    let _ = job
                        .part
                        .push(&job.carry)
                        .and_then(|()| job.part.push(&job.chunk[job.range.clone()]));
                    // The reader may be done: then the buffer is simply dropped.
                    let _ = free_tx.send(job.chunk);
                    if done_tx.send((job.seq, job.part)).is_err() {
                        return;
                    }
                });
            }
            drop((done_tx, free_tx));
            let mut merger = Merger {
                ingest: self,
                file,
                sent: 0,
                merged: 0,
                waiting: BTreeMap::new(),
                done_rx: &done_rx,
            };
            let result = merger.run(full_rx, &job_tx, threads.max(1));
            drop(job_tx); // ends the parsing threads
            result
        });
        result?;
        self.close_file(file).map(|_| ())
    }
}

struct Merger<'a> {
    ingest: &'a mut Ingest,
    file: FileId,
    sent: u64,
    merged: u64,
    waiting: BTreeMap<u64, FilePart>,
    done_rx: &'a mpsc::Receiver<Done>,
}

impl Merger<'_> {
    fn run(
        &mut self,
        chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
        jobs: &mpsc::Sender<Job>,
        threads: usize,
    ) -> Result<(), FileProblem> {
        let file = self.file;
        // Bytes of a line begun in an earlier chunk, still to be parsed with its end.
        let mut carry: Vec<u8> = Vec::new();
        for message in chunks.iter() {
            let chunk = match message {
                Ok(chunk) if chunk.is_empty() => break,
                Ok(chunk) => chunk,
                Err(e) => {
                    self.drain()?;
                    return Err(self.ingest.reject_io(file, &e));
                }
            };
            let mut start = 0;
            if carry.is_empty() && self.ingest.split_part(file).is_none() {
                // The header, a row left open by a read here, or a file of another kind:
                // read on this thread up to a line start, after the parts before it.
                self.drain()?;
                let Some(end) = after_first_line_end(&chunk) else {
                    self.ingest.push(file, &chunk)?;
                    continue;
                };
                if let Err(problem) = self.ingest.push(file, &chunk[..end]) {
                    // Count the whole chunk as read, as a read on one thread would.
                    let _ = self.ingest.push(file, &chunk[end..]);
                    return Err(problem);
                }
                if chunk[end - 1] == b'\r' {
                    self.ingest.confirm_line_end(file); // the next byte is not a LF
                }
                start = end;
                if self.ingest.split_part(file).is_none() {
                    self.ingest.push(file, &chunk[start..])?;
                    continue;
                }
            }
            let Some(end) = after_last_line_end(&chunk[start..]).map(|i| start + i) else {
                carry.extend_from_slice(&chunk[start..]);
                if carry.len() > CARRY_LIMIT {
                    self.drain()?;
                    self.ingest.push(file, &carry)?;
                    carry.clear();
                }
                continue;
            };
            let Some(part) = self.ingest.split_part(file) else {
                // Cannot happen: a part is only refused after a read here, which drains.
                self.drain()?;
                self.ingest.push(file, &carry)?;
                carry.clear();
                self.ingest.push(file, &chunk[start..])?;
                continue;
            };
            let tail = chunk[end..].to_vec();
            if may_close_a_broken_field(&carry, &chunk[start..end], part.row_fields()) {
                // Rare: read these lines here, in order, after the parts before them.
                drop(part);
                self.drain()?;
                self.ingest.push(file, &carry)?;
                self.ingest.push(file, &chunk[start..end])?;
                if chunk[end - 1] == b'\r' {
                    self.ingest.confirm_line_end(file);
                }
                carry = tail;
                continue;
            }
            let job = Job {
                seq: self.sent,
                part,
                carry: std::mem::replace(&mut carry, tail),
                chunk,
                range: start..end,
            };
            self.sent += 1;
            if jobs.send(job).is_err() {
                break;
            }
            // Keep a few parts in flight, not the whole file.
            while self.sent - self.merged > 2 * threads as u64 {
                self.merge_next()?;
            }
        }
        self.drain()?;
        self.ingest.push(file, &carry)
    }

    /// Merges the next part in file order, waiting for it.
    fn merge_next(&mut self) -> Result<(), FileProblem> {
        while !self.waiting.contains_key(&self.merged) {
            match self.done_rx.recv() {
                Ok((seq, part)) => {
                    self.waiting.insert(seq, part);
                }
                Err(_) => {
                    let why = "a parsing thread stopped".to_string();
                    return Err(self.ingest.reject(self.file, why));
                }
            }
        }
        let part = self.waiting.remove(&self.merged).into_iter().next();
        self.merged += 1;
        match part {
            Some(part) => self.ingest.merge_part(self.file, part),
            None => Ok(()),
        }
    }

    fn drain(&mut self) -> Result<(), FileProblem> {
        while self.merged < self.sent {
            self.merge_next()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::engine::ingest::{part_start, PartRows};
    use crate::engine::{analyse, write_csv, Options};
    use crate::generate::{GenConfig, GeneratedData};

    /// Everything an ingest read, as text: stores in index order, polls, hours, zones,
    /// file summaries and skipped rows with their lines.
    fn read(files: &[(&str, &[u8])], chunk_size: usize, threads: Option<usize>) -> String {
        let mut ingest = Ingest::new();
        let mut problems = Vec::new();
        for &(name, bytes) in files {
            let result = match threads {
                None => ingest
                    .read_file(name, bytes, chunk_size, &mut |_| ControlFlow::Continue(()))
                    .map(|_| ()),
                Some(threads) => ingest.read_file_parallel(name, bytes, chunk_size, threads),
            };
            problems.push(result.err());
        }
        everything_read(&problems, ingest)
    }

    /// The problems, the data and its extended report, as text to compare.
    fn everything_read(problems: &[Option<FileProblem>], ingest: Ingest) -> String {
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

    /// Reads `files` as the page does with its part worker: each status file's bytes from the
    /// first line end after `at` are parsed by a part made from the reader's plan, sent
    /// through [`PartRows::to_bytes`], and merged once the reader has read up to there; the
    /// reader reads on by itself where the part cannot be used (src/worker/job.rs).
    fn read_split(files: &[(&str, &[u8])], chunk_size: usize, at: usize) -> (String, bool) {
        let mut merged = false;
        let mut ingest = Ingest::new();
        let mut problems = Vec::new();
        let chunk_size = chunk_size.max(1);
        for &(name, bytes) in files {
            let file = ingest.open_file(name);
            let push_all = |ingest: &mut Ingest, from: usize, to: usize| {
                for piece in bytes[from..to].chunks(chunk_size) {
                    ingest.push(file, piece)?;
                }
                Ok(())
            };
            // Slices go in until the header is read (the plan exists) or `at` is reached.
            let mut first = 0;
            let mut result = Ok(());
            while result.is_ok() && first < bytes.len().min(at) && ingest.part_plan(file).is_none()
            {
                let next = (first + chunk_size).min(bytes.len());
                result = push_all(&mut ingest, first, next);
                first = next;
            }
            let mut split = None;
            if let (Ok(()), Some(plan)) = (&result, ingest.part_plan(file)) {
                let mut part = FilePart::from_plan(&plan).expect("a plan makes a part");
                let window = &bytes[at.min(bytes.len())..(at + (128 << 10)).min(bytes.len())];
                if let Some(start) = (at >= first)
                    .then(|| part_start(window, part.row_fields()))
                    .flatten()
                {
                    let start = at + start;
                    for piece in bytes[start..].chunks(chunk_size) {
                        let _ = part.push(piece);
                    }
                    let rows = part.finish().map(|rows| {
                        rows.map(|r| PartRows::from_bytes(&r.to_bytes()).expect("round trip"))
                    });
                    split = Some((start, rows));
                }
            }
            let end = split.as_ref().map_or(bytes.len(), |(start, _)| *start);
            result = result.and_then(|()| push_all(&mut ingest, first, end));
            if let (Ok(()), Some((start, rows))) = (&result, split) {
                if bytes[start - 1] == b'\r' {
                    ingest.confirm_line_end(file);
                }
                result = match rows {
                    Ok(rows) if ingest.at_row_start(file) => {
                        merged = true;
                        ingest.merge_rows(file, rows)
                    }
                    _ => push_all(&mut ingest, start, bytes.len()),
                };
            }
            problems.push(
                result
                    .and_then(|()| ingest.close_file(file).map(|_| ()))
                    .err(),
            );
        }
        (everything_read(&problems, ingest), merged)
    }

    /// The page's two-worker read equals the read in order, wherever the part starts; and
    /// some of those reads did merge a part.
    fn assert_same_split(files: &[(&str, &[u8])], chunk_sizes: &[usize]) {
        let longest = files.iter().map(|(_, b)| b.len()).max().unwrap_or(0);
        let mut offsets: Vec<usize> = (0..=40).map(|k| longest * k / 40).collect();
        offsets.extend([1, 2, 30, 31, 32, 33, 64, 100]);
        for &chunk_size in chunk_sizes {
            let expected = read(files, chunk_size, None);
            let mut merges = 0;
            for &at in &offsets {
                let (got, merged) = read_split(files, chunk_size, at);
                merges += usize::from(merged);
                assert!(
                    got == expected,
                    "chunk {chunk_size}, part from {at}: two-worker read differs\n{got}\n{expected}"
                );
            }
            // A file read in one slice has nothing left to split off.
            if chunk_size * 2 < longest {
                assert!(merges > 0, "chunk {chunk_size}: no part was merged");
            }
        }
    }

    fn assert_same(files: &[(&str, &[u8])], chunk_sizes: &[usize]) {
        for &chunk_size in chunk_sizes {
            let expected = read(files, chunk_size, None);
            for threads in [1, 2, 3] {
                let got = read(files, chunk_size, Some(threads));
                assert!(
                    got == expected,
                    "chunk {chunk_size}, {threads} threads: parallel read differs"
                );
            }
        }
    }

    #[test]
    fn generated_nasty_files_read_the_same_on_several_threads() {
        let data = GeneratedData::generate(GenConfig {
            days: 3,
            ..GenConfig::public_like(11, 60)
        });
        let [status, hours, zones] = data.files_in_memory();
        let files = [
            ("status.csv", &status[..]),
            ("hours.csv", &hours[..]),
            ("zones.csv", &zones[..]),
        ];
        assert_same(&files, &[1, 7, 64, 1000, 4096, status.len()]);
        assert_same_split(&files, &[7, 4096, status.len()]);
    }

    #[test]
    fn stores_new_to_every_part_keep_their_first_seen_order() {
        // Parts look ids up in the reader's snapshot and keep only the ones new to it; here
        // new stores (UUIDs, numbers, other text) keep coming while old ones return, so
        // every part mixes both and snapshots are taken before and after folds.
        let id = |k: usize| match k % 3 {
            0 => format!("{:08x}-0000-4000-8000-{:012x}", k, k * 7919),
            1 => format!("{}", k * 13 + 1),
            _ => format!("store {k}"),
        };
        let mut status = String::from("store_id,status,timestamp_utc\n");
        for row in 0..3000usize {
            let store = if row % 3 == 0 {
                row / 3
            } else {
                (row * 7919) % (row / 3 + 1)
            };
            let status_word = if row % 5 == 0 { "inactive" } else { "active" };
            status.push_str(&format!(
                "{},{status_word},2024-01-01 {:02}:{:02}:00 UTC\n",
                id(store),
                row / 60 % 24,
                row % 60
            ));
        }
        assert_same(&[("status.csv", status.as_bytes())], &[97, 1000, 4096]);
        assert_same_split(&[("status.csv", status.as_bytes())], &[97, 4096]);
    }

    #[test]
    fn fields_broken_over_three_lines_read_the_same_on_several_threads() {
        // A short quote-free middle line keeps a broken field open (SPEC §1): no part may
        // start between it and the line that closes the field.
        let mut text = String::from("store_id,status,timestamp_utc\n");
        for i in 0..200 {
            text.push_str(&match i % 5 {
                0 => format!("\"Store {i}\n"),
                1 => format!("Main {i}\n\n"),
                2 => format!("{i}\",active,2024-01-01 00:00:00 UTC\n"),
                _ => format!("{i},active,2024-01-01 0{}:00:00 UTC\n", i % 10),
            });
        }
        let hours = b"store_id,dayOfWeek,start_time_local,end_time_local\n1,0,00:00:00,23:59:59\n";
        let files = [("a.csv", text.as_bytes()), ("b.csv", &hours[..])];
        let expected = read(&files, 1 << 16, None);
        assert!(expected.contains("QuoteContinuation"), "{expected}");
        // A store `2"` would be written `"2""",…` in the report.
        assert!(
            !expected.contains("\"\"\","),
            "no phantom store: {expected}"
        );
        assert_same(&files, &[1, 2, 3, 7, 13, 29, 64]);
        assert_same_split(&files, &[1, 7, 64]);
    }

    #[test]
    fn cr_only_and_broken_quotes_read_as_lf_on_several_threads() {
        // SPEC §1: parts split at LF, CRLF or a lone CR, never inside a CRLF, and never just
        // before a line that may close a quote left open on the line before.
        let mut lines = vec!["store_id,status,timestamp_utc".to_string()];
        for i in 0..60 {
            lines.push(match i % 6 {
                0 => format!("\"Store {i}"),
                1 => format!("{i}\",active,2024-01-01 00:00:00 UTC"),
                2 => format!("{i},\"active,2024-01-01 00:00:00 UTC"),
                3 => String::new(),
                _ => format!("{i},active,2024-01-01 0{}:00:00 UTC", i % 10),
            });
        }
        let lf = lines.join("\n").into_bytes();
        let hours = b"store_id,dayOfWeek,start_time_local,end_time_local\n1,0,00:00:00,23:59:59\n";
        for chunk_size in [1, 2, 3, 5, 7, 13, 64, 1 << 16] {
            let expected = read(&[("a.csv", &lf), ("b.csv", hours)], chunk_size, None);
            assert!(expected.contains("QuoteContinuation"), "{expected}");
            // Same bytes per line end, so even the file sizes match.
            let cr = lines.join("\r").into_bytes();
            let mixed: Vec<u8> = lf
                .iter()
                .enumerate()
                // A CR before a LF would join two line ends into one CRLF.
                .map(|(i, &b)| match (b, lf.get(i + 1)) {
                    (b'\n', next) if i % 3 == 0 && next != Some(&b'\n') => b'\r',
                    _ => b,
                })
                .collect();
            for text in [&cr, &mixed] {
                for threads in [1, 2, 3] {
                    let got = read(
                        &[("a.csv", text), ("b.csv", hours)],
                        chunk_size,
                        Some(threads),
                    );
                    assert!(
                        got == expected,
                        "chunk {chunk_size}, {threads} threads:\n{got}\n{expected}"
                    );
                }
            }
            let crlf = lines.join("\r\n").into_bytes();
            assert_same(&[("a.csv", &crlf), ("b.csv", hours)], &[chunk_size]);
            for text in [&lf, &cr, &mixed, &crlf] {
                assert_same_split(&[("a.csv", text), ("b.csv", hours)], &[chunk_size]);
            }
            let crcrlf = lines.join("\r\r\n").into_bytes();
            assert_same(&[("a.csv", &crcrlf), ("b.csv", hours)], &[chunk_size]);
        }
    }

    #[test]
    fn hours_files_read_the_same_on_several_threads() {
        // Ids of every form, returning stores, rows skipped for each reason an hours row
        // can have, a field broken over lines, CRLF and a store only this file names.
        let mut hours = String::from("store_id,dayOfWeek,start_time_local,end_time_local\r\n");
        for row in 0..2000usize {
            let id = match row % 4 {
                0 => format!("{:08x}-0000-4000-8000-{:012x}", row % 97, row % 89),
                1 => format!("{}", row % 113),
                2 => format!("store {}", row % 7),
                _ => format!("\"{}\"", row % 50),
            };
            let line = match row % 37 {
                5 => format!("{id},9,09:00:00,17:00:00"),
                6 => format!("{id},1,9 am,17:00:00"),
                7 => format!("{id},1,09:00:00"),
                8 => format!("\"{id},1,09:00:00,17:00:00"),
                9 => ",2,09:00:00,17:00:00".to_string(),
                _ => format!(
                    "{id},{},{:02}:00:00,23:{:02}:00",
                    row % 7,
                    row % 20,
                    row % 60
                ),
            };
            hours.push_str(&line);
            hours.push_str(if row % 3 == 0 { "\n" } else { "\r\n" });
        }
        let status = "store_id,status,timestamp_utc\n1,active,2024-01-01 00:00:00 UTC\n";
        let files = [("s.csv", status.as_bytes()), ("h.csv", hours.as_bytes())];
        assert_same(&files, &[1, 7, 97, 1000, 4096, hours.len()]);
    }

    #[test]
    fn awkward_files_read_the_same_on_several_threads() {
        let long_line = format!(
            "s1,active,{}\ns2,active,2024-01-01 00:00:00 UTC\n",
            "x".repeat(5 << 20)
        );
        let cases: Vec<Vec<u8>> = vec![
            b"\xEF\xBB\xBFstore_id,status,timestamp_utc\r\n1,active,2024-01-01 00:00:00 UTC\r\n2,inactive,2024-01-01 01:00:00 UTC".to_vec(),
            b"store_id,status,timestamp_utc\n\n1,active,\"2024-01-01 00:00:00 UTC\"\n\"2\",\"inactive\n3,active,2024-01-01 00:00:00 UTC\n,active,2024-01-01 00:00:00 UTC\n4,maybe,2024-01-01 00:00:00 UTC\n5,active,yesterday\n1,active,2024-01-01 00:00:00 UTC\n".to_vec(),
            b"store_id,status,timestamp_utc\n1,active,2024-01-01 00:00:00 UTC\r2,active,2024-01-01 00:00:00 UTC\n\"1\",\"a\"\"ctive\",x\n".to_vec(),
            b"store_id,status,timestamp_utc".to_vec(),
            b"store_id,status,timestamp_utc\n".to_vec(),
            b"no,header,here\n1,2,3\n".to_vec(),
            b"".to_vec(),
            format!("store_id,status,timestamp_utc\n{long_line}").into_bytes(),
            (0..3000)
                .map(|i| format!("{},active,2024-01-0{} 0{}:00:00 UTC\n", i % 37, 1 + i % 7, i % 10))
                .fold(String::from("store_id,status,timestamp_utc\n"), |s, l| s + &l)
                .into_bytes(),
        ];
        for (i, status) in cases.iter().enumerate() {
            let hours =
                b"store_id,dayOfWeek,start_time_local,end_time_local\n1,0,00:00:00,23:59:59\n";
            let files = [
                ("a.csv", &status[..]),
                ("b.csv", &hours[..]),
                ("c.csv", &status[..]),
            ];
            let sizes: &[usize] = if status.len() > 1 << 20 {
                &[1 << 20, 3 << 20]
            } else {
                &[1, 2, 5, 13, 100, 1 << 16]
            };
            for &chunk_size in sizes {
                let expected = read(&files, chunk_size, None);
                for threads in [1, 2, 3] {
                    assert!(
                        read(&files, chunk_size, Some(threads)) == expected,
                        "case {i}, chunk {chunk_size}, {threads} threads: parallel read differs"
                    );
                }
            }
        }
    }
}
