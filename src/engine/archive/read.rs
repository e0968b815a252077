//! Reading archives from a seekable source (native: the CLI). Each entry streams through an
//! [`InflateReader`] into [`Ingest::read_file_parallel`], so a large status file inside a
//! zip or a gzip is parsed on several threads like a plain one. Whatever cannot be read is
//! listed in the ingest's files and returned, and the rest is read.

use std::io::{self, Read, Seek, SeekFrom};

use super::zip::{self as zipdir, Located, LOCAL_HEADER_BYTES, TAIL_BYTES, ZIP64_RECORD_BYTES};
use super::{check_archive, entry_name, plan, ArchiveError, EntryPlan, InflateReader, Inflater};
use crate::engine::error::FileProblem;
use crate::engine::ingest::Ingest;

/// Reads `buf.len()` bytes at `offset`.
pub trait RangeRead {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl<T: Read + Seek> RangeRead for T {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.seek(SeekFrom::Start(offset))?;
        self.read_exact(buf)
    }
}

/// What reading an archive left out: each problem is also in [`Ingest::files`].
#[derive(Debug, Default)]
pub struct ArchiveRead {
    pub problems: Vec<FileProblem>,
}

impl Ingest {
    /// Reads a gzip file: its one decompressed file, named as the gzip file is.
    pub fn read_gzip_parallel(
        &mut self,
        name: &str,
        source: impl Read + Send,
        chunk_size: usize,
        threads: usize,
    ) -> Result<(), FileProblem> {
        let reader = InflateReader::new(source, Inflater::gzip());
        self.read_file_parallel(name, reader, chunk_size, threads)
    }

    /// Reads every entry of the zip archive `source` (of `size` bytes) that
    /// [`super::plan`] reads, in the directory's order.
    pub fn read_zip_parallel<R: Read + Seek + Send>(
        &mut self,
        name: &str,
        source: &mut R,
        size: u64,
        chunk_size: usize,
        threads: usize,
    ) -> ArchiveRead {
        let mut read = ArchiveRead::default();
        let entries = match zip_entries(source, size) {
            Ok(entries) => entries,
            Err(error) => {
                read.problems.push(self.refuse(name, error));
                return read;
            }
        };
        if let Err(error) = check_archive(&entries, size) {
            read.problems.push(self.refuse(name, error));
            return read;
        }
        for entry in &entries {
            let shown = entry_name(name, &entry.path);
            match plan(entry) {
                EntryPlan::Skip => continue,
                EntryPlan::Refuse(error) => read.problems.push(self.refuse(&shown, error)),
                EntryPlan::Read => {
                    let start = match entry_data_start(source, entry, size) {
                        Ok(start) => start,
                        Err(error) => {
                            read.problems.push(self.refuse(&shown, error));
                            continue;
                        }
                    };
                    if let Err(e) = source.seek(SeekFrom::Start(start)) {
                        let error = ArchiveError::Damaged(e.to_string());
                        read.problems.push(self.refuse(&shown, error));
                        continue;
                    }
                    let inflater =
                        Inflater::zip_entry(entry.method, entry.uncompressed, entry.crc32);
                    let data = InflateReader::new((&mut *source).take(entry.compressed), inflater);
                    if let Err(problem) = self.read_file_parallel(&shown, data, chunk_size, threads)
                    {
                        read.problems.push(problem);
                    }
                }
            }
        }
        read
    }
}

/// The central directory of the zip `source` of `size` bytes.
pub fn zip_entries(
    source: &mut impl RangeRead,
    size: u64,
) -> Result<Vec<zipdir::ZipEntry>, ArchiveError> {
    let corrupt = |e: io::Error| ArchiveError::Damaged(e.to_string());
    let tail_len = TAIL_BYTES.min(size);
    let mut tail = vec![0; tail_len as usize];
    source
        .read_at(size - tail_len, &mut tail)
        .map_err(corrupt)?;
    let directory = match zipdir::locate(&tail, size).map_err(ArchiveError::Corrupt)? {
        Located::Directory(directory) => directory,
        Located::Zip64Record { offset } => {
            let mut record = [0; ZIP64_RECORD_BYTES as usize];
            source.read_at(offset, &mut record).map_err(corrupt)?;
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
    if directory.entries > super::MAX_ENTRIES {
        return Err(ArchiveError::TooManyEntries(directory.entries));
    }
    let mut bytes = vec![0; directory.size as usize];
    source
        .read_at(directory.offset, &mut bytes)
        .map_err(corrupt)?;
    zipdir::entries(&bytes, directory).map_err(ArchiveError::Corrupt)
}

/// Where `entry`'s compressed data starts, from its local header.
pub fn entry_data_start(
    source: &mut impl RangeRead,
    entry: &zipdir::ZipEntry,
    size: u64,
) -> Result<u64, ArchiveError> {
    let mut header = [0; LOCAL_HEADER_BYTES as usize];
    source
        .read_at(entry.local_offset, &mut header)
        .map_err(|_| {
            ArchiveError::Corrupt(zipdir::ZipError::Broken(
                "an entry's local header is cut short",
            ))
        })?;
    zipdir::data_start(&header, entry, size).map_err(ArchiveError::Corrupt)
}
