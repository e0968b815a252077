//! A zip archive read by the worker (docs/archives.md): the engine's sans-I/O directory
//! parser and entry policy over byte ranges of a `Blob`, read asynchronously. The same steps
//! as the CLI's `engine::archive::read`, so the page names what it leaves out in the same
//! words; native, so the tests run them over archives in memory.

use std::future::Future;

use crate::engine::archive::zip::{
    self as zipdir, Located, ZipEntry, LOCAL_HEADER_BYTES, TAIL_BYTES, ZIP64_RECORD_BYTES,
};
use crate::engine::archive::{
    check_archive, entry_name, plan, ArchiveError, EntryPlan, Halt, Inflater, MAX_ENTRIES,
};
use crate::engine::{ingest::HEADER_SEARCH_BYTES, FileProblem};
use crate::messages::{inspect_unpacked, EntryInspection, EntryKind};

/// A file whose bytes can be read at any offset.
pub trait RangeSource {
    /// Bytes `start..end` (the caller keeps them within the file); the error is the
    /// browser's words for a failed read.
    fn read_range(&mut self, start: u64, end: u64)
        -> impl Future<Output = Result<Vec<u8>, String>>;
    /// The file's size in bytes.
    fn size(&self) -> u64;
}

/// An archive-level failure: the archive is named, with why (as the CLI names it).
fn read_failed(why: String) -> ArchiveError {
    ArchiveError::Damaged(why)
}

/// The central directory of the zip `source`, checked against the archive-wide limits.
pub async fn zip_entries(source: &mut impl RangeSource) -> Result<Vec<ZipEntry>, ArchiveError> {
    let size = source.size();
    let tail_len = TAIL_BYTES.min(size);
    let tail = source
        .read_range(size - tail_len, size)
        .await
        .map_err(read_failed)?;
    let directory = match zipdir::locate(&tail, size).map_err(ArchiveError::Corrupt)? {
        Located::Directory(directory) => directory,
        Located::Zip64Record { offset } => {
            let record = source
                .read_range(offset, offset + ZIP64_RECORD_BYTES)
                .await
                .map_err(read_failed)?;
            match zipdir::zip64_directory(&record, offset).map_err(ArchiveError::Corrupt)? {
                Located::Directory(directory) => directory,
                Located::Zip64Record { .. } => {
                    return Err(ArchiveError::Corrupt(zipdir::ZipError::Broken(
                        "the ZIP64 record points to another",
                    )))
                }
            }
        }
    };
    if directory.entries > MAX_ENTRIES {
        return Err(ArchiveError::TooManyEntries(directory.entries));
    }
    let bytes = source
        .read_range(directory.offset, directory.offset + directory.size)
        .await
        .map_err(read_failed)?;
    let entries = zipdir::entries(&bytes, directory).map_err(ArchiveError::Corrupt)?;
    check_archive(&entries, size)?;
    Ok(entries)
}

/// Where `entry`'s compressed data starts, from its local header.
pub async fn entry_data_start(
    source: &mut impl RangeSource,
    entry: &ZipEntry,
) -> Result<u64, ArchiveError> {
    let size = source.size();
    let cut = || {
        ArchiveError::Corrupt(zipdir::ZipError::Broken(
            "an entry's local header is cut short",
        ))
    };
    let end = entry.local_offset.saturating_add(LOCAL_HEADER_BYTES);
    if end > size {
        return Err(cut());
    }
    let header = source
        .read_range(entry.local_offset, end)
        .await
        .map_err(|_| cut())?;
    zipdir::data_start(&header, entry, size).map_err(ArchiveError::Corrupt)
}

/// How much of an entry's compressed data the inspection reads: the header of a CSV comes
/// in its first kilobytes, and an over-long one is the report's to refuse.
const INSPECT_COMPRESSED_BYTES: u64 = 64 << 10;

/// The entries of the zip `name` the report will read or name as left out, each with the
/// kind its header says (or why it is left out); `Err`: the archive is not opened, in the
/// engine's words.
pub async fn inspect_zip(
    name: &str,
    source: &mut impl RangeSource,
) -> Result<Vec<EntryInspection>, String> {
    let problem = |error: ArchiveError| archive_problem(name, error).to_string();
    let entries = zip_entries(source).await.map_err(problem)?;
    let mut listed = Vec::new();
    for entry in &entries {
        let shown = entry_name(name, &entry.path);
        let inspection = match plan(entry) {
            EntryPlan::Skip => continue,
            EntryPlan::Refuse(error) => {
                EntryKind::Error(archive_problem(&shown, error).to_string())
            }
            EntryPlan::Read => inspect_entry(&shown, entry, source).await,
        };
        listed.push(EntryInspection {
            name: shown,
            inspection,
        });
    }
    Ok(listed)
}

/// The kind of one entry from its first compressed bytes.
async fn inspect_entry(shown: &str, entry: &ZipEntry, source: &mut impl RangeSource) -> EntryKind {
    let start = match entry_data_start(source, entry).await {
        Ok(start) => start,
        Err(error) => return EntryKind::Error(archive_problem(shown, error).to_string()),
    };
    let whole = entry.compressed <= INSPECT_COMPRESSED_BYTES;
    let end = start + entry.compressed.min(INSPECT_COMPRESSED_BYTES);
    let compressed = match source.read_range(start, end).await {
        Ok(bytes) => bytes,
        Err(why) => return EntryKind::Error(crate::worker::job::read_problem(shown, why)),
    };
    let mut inflater = Inflater::zip_entry(entry.method, entry.uncompressed, entry.crc32);
    let mut unpacked = Vec::new();
    let limit = 2 * HEADER_SEARCH_BYTES as usize;
    let mut sink = |bytes: &[u8]| -> Result<(), ()> {
        unpacked.extend_from_slice(bytes);
        if unpacked.len() >= limit {
            return Err(());
        }
        Ok(())
    };
    let mut result = inflater.feed(&compressed, &mut sink);
    if result.is_ok() {
        result = match whole {
            true => inflater.finish(&mut sink),
            false => inflater.flush_held(&mut sink),
        };
    }
    let complete = match result {
        Err(Halt::Archive(error)) => {
            return EntryKind::Error(archive_problem(shown, error).to_string())
        }
        Err(Halt::Sink(())) => false,
        Ok(()) => whole,
    };
    match inspect_unpacked(shown, &unpacked, complete) {
        Ok(Some(kind)) => EntryKind::Kind(kind),
        Ok(None) => EntryKind::Undecided,
        Err(reason) => EntryKind::Error(reason),
    }
}

/// An archive, or an entry of one, left out: the engine's words, as `Ingest::refuse` says
/// them.
fn archive_problem(name: &str, error: ArchiveError) -> FileProblem {
    crate::engine::Ingest::new().refuse(name, error)
}
