//! A status file read in parts (docs/semantics.md, "Reading is linear"): later lines parsed
//! apart, on other threads, and merged back in file order with the same result as one read
//! in order, since no row spans lines (SPEC §1).

use super::rows::count_reason;
use super::schema::FileKind;
use super::store_ids::{IdKey, StoreIdx, StoreTable};
use super::{FileId, FileReader, Ingest};
use crate::engine::error::FileProblem;

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
            .and_then(|reader| reader.state.row_fields())
            .unwrap_or(0)
    }

    /// Feeds the part's next bytes; chunks may split anywhere, as for [`Ingest::push`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), FileProblem> {
        self.ingest.push(FileId(0), chunk)
    }
}

impl Ingest {
    /// A parser for later lines of the status file `file`, to run apart from this ingest
    /// (on another thread). `None` unless the header has been read, the file is a status
    /// file, and everything pushed so far ended at a line break.
    ///
    /// Splitting is exact because no row of ours spans lines (a quote open at a line end
    /// is a broken row, see [`Ingest::push`]): each part starts a fresh row.
    pub fn split_part(&mut self, file: FileId) -> Option<FilePart> {
        let reader = self.readers.get(file.0)?.as_ref()?;
        let layout = reader.state.layout.filter(|l| l.kind == FileKind::Status)?;
        if reader.state.failed || !reader.tokens.at_row_start() {
            return None;
        }
        let mut part = Ingest {
            csv_core_only: self.csv_core_only,
            stores: StoreTable::for_part(self.stores.snapshot()),
            ..Ingest::default()
        };
        let id = part.open_file(&self.files[file.0].name);
        part.files[id.0].kind = Some(FileKind::Status);
        if let Some(part_reader) = part.readers[id.0].as_mut() {
            part_reader.tokens.start_mid_file();
            part_reader.state.layout = Some(layout);
        }
        Some(FilePart { ingest: part })
    }

    /// Tells the reader of `file` that the byte after the CR it last read is not a LF, so the
    /// line has ended there for sure (the parallel reader knows it from its chunk).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn confirm_line_end(&mut self, file: FileId) {
        if let Some(reader) = self.readers.get_mut(file.0).and_then(Option::as_mut) {
            reader.tokens.confirm_line_end();
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
            return Err(self.fail(file, &mut reader.state, error));
        }
        let Some(mut part_reader) = part.ingest.readers[part_file.0].take() else {
            return Ok(());
        };
        // Reads the part's last row, if its bytes did not end with a line break.
        if let Err(problem) = part
            .ingest
            .push_bytes(part_file, &mut part_reader, &[], true)
        {
            return Err(self.fail(file, &mut reader.state, problem.error));
        }
        let part = part.ingest;
        // The part's indices below `first_own` are already ours. Its new stores in its
        // first-seen order: interning them in that order gives the indices reading the rows
        // here would have given (some may have come in with the parts merged since).
        let first_own = part.stores.first_own();
        let new_to_mine: Vec<StoreIdx> = part
            .stores
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
        if let Some(t) = part.latest_poll {
            self.latest_poll = Some(self.latest_poll.map_or(t, |l| l.max(t)));
        }
        let lines_before = reader.tokens.follow(&part_reader.tokens);
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
        for (word_index, &word) in part_reader.state.seen.iter().enumerate() {
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
        Ok(())
    }
}
