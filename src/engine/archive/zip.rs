//! A zip's directory, parsed from bytes the caller read (docs/archives.md, "Why the zip
//! directory is parsed here"): the end-of-central-directory record in the file's tail, the
//! ZIP64 record it may point to, then the central directory and each entry's local header.
//! Sans-I/O on purpose: the worker reads a `Blob`'s ranges asynchronously and the CLI seeks a
//! file, so neither a crate's `Read + Seek` archive nor a whole file in memory fits both.
//! Every length read from the file is checked against the file before it is used; nothing
//! here panics on any bytes.

use std::fmt;

/// Read this many bytes from the end of a file to find its end-of-central-directory record:
/// the record (22 bytes), the longest comment (65 535) and the ZIP64 locator before it (20).
pub const TAIL_BYTES: u64 = 22 + 65_535 + 20;
/// A local file header's fixed part; the name and extra field follow.
pub const LOCAL_HEADER_BYTES: u64 = 30;
/// The ZIP64 end-of-central-directory record's fixed part.
pub const ZIP64_RECORD_BYTES: u64 = 56;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_RECORD_SIGNATURE: u32 = 0x0606_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_HEADER_BYTES: usize = 46;

/// Why a zip's structure cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipError {
    /// No end-of-central-directory record in the tail: truncated, or not a zip.
    NoDirectory,
    /// Split over several files (`.z01`, `.z02`, …).
    MultiPart,
    /// A record is cut short, points outside the file, or has the wrong signature.
    Broken(&'static str),
    /// The central directory is larger than [`super::MAX_DIRECTORY_BYTES`].
    DirectoryTooLarge(u64),
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZipError::NoDirectory => write!(
                f,
                "no central directory at its end: the download was cut short, or it is not a zip"
            ),
            ZipError::MultiPart => write!(f, "split over several files: join the parts first"),
            ZipError::Broken(what) => write!(f, "{what}"),
            ZipError::DirectoryTooLarge(bytes) => {
                write!(f, "its directory of {bytes} bytes is larger than 64 MiB")
            }
        }
    }
}

/// Where the central directory is, and how many entries it says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directory {
    pub offset: u64,
    pub size: u64,
    pub entries: u64,
}

/// What the tail says: the directory, or that the ZIP64 record at `offset` must be read
/// ([`ZIP64_RECORD_BYTES`] bytes) and given to [`zip64_directory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Located {
    Directory(Directory),
    Zip64Record { offset: u64 },
}

/// One entry of the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The path inside the archive, `/`-separated (lossy UTF-8: names are only shown).
    pub path: String,
    pub encrypted: bool,
    pub method: u16,
    pub crc32: u32,
    pub compressed: u64,
    pub uncompressed: u64,
    /// Where its local header starts.
    pub local_offset: u64,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Finds the end-of-central-directory record in `tail`, the last bytes of a file of
/// `file_size` bytes (read [`TAIL_BYTES`], or the whole file when smaller).
pub fn locate(tail: &[u8], file_size: u64) -> Result<Located, ZipError> {
    let tail_start = file_size
        .checked_sub(tail.len() as u64)
        .ok_or(ZipError::Broken("the tail read is longer than the file"))?;
    // The last record whose comment reaches exactly to the end is the real one; a comment
    // may itself contain the signature, so search backwards and check the length.
    let mut found = None;
    let mut end = tail.len();
    while let Some(at) = memchr::memmem::rfind(&tail[..end], &EOCD_SIGNATURE.to_le_bytes()) {
        let comment = u16_at(tail, at + 20).map(usize::from);
        if comment.is_some_and(|c| at + 22 + c == tail.len()) {
            found = Some(at);
            break;
        }
        found = found.or(comment.is_some().then_some(at));
        end = at;
    }
    let at = found.ok_or(ZipError::NoDirectory)?;
    let record = &tail[at..];
    let field16 = |i| u16_at(record, i).ok_or(ZipError::NoDirectory);
    let field32 = |i| u32_at(record, i).ok_or(ZipError::NoDirectory);
    let (disk, directory_disk) = (field16(4)?, field16(6)?);
    let (on_disk, entries) = (field16(8)?, field16(10)?);
    let (size, offset) = (field32(12)?, field32(16)?);
    let zip64 = entries == u16::MAX || size == u32::MAX || offset == u32::MAX;
    if zip64 || (at >= 20 && u32_at(tail, at - 20) == Some(ZIP64_LOCATOR_SIGNATURE)) {
        if let Some(locator) = at.checked_sub(20).map(|l| &tail[l..at]) {
            if u32_at(locator, 0) == Some(ZIP64_LOCATOR_SIGNATURE) {
                if u32_at(locator, 16).is_some_and(|disks| disks > 1) {
                    return Err(ZipError::MultiPart);
                }
                let offset = u64_at(locator, 8).ok_or(ZipError::NoDirectory)?;
                if offset.saturating_add(ZIP64_RECORD_BYTES) > tail_start + at as u64 - 20 {
                    return Err(ZipError::Broken("the ZIP64 record points outside the file"));
                }
                return Ok(Located::Zip64Record { offset });
            }
        }
        if zip64 {
            return Err(ZipError::Broken("the ZIP64 locator is missing"));
        }
    }
    if disk != 0 || directory_disk != 0 || on_disk != entries {
        return Err(ZipError::MultiPart);
    }
    checked_directory(
        Directory {
            offset: offset.into(),
            size: size.into(),
            entries: entries.into(),
        },
        tail_start + at as u64,
    )
    .map(Located::Directory)
}

/// Reads the ZIP64 end-of-central-directory record `record` ([`ZIP64_RECORD_BYTES`] bytes
/// at the offset [`locate`] gave).
pub fn zip64_directory(record: &[u8], record_offset: u64) -> Result<Located, ZipError> {
    let broken = || ZipError::Broken("the ZIP64 directory record is damaged");
    if u32_at(record, 0) != Some(ZIP64_RECORD_SIGNATURE) {
        return Err(broken());
    }
    let disk = u32_at(record, 16).ok_or_else(broken)?;
    let directory_disk = u32_at(record, 20).ok_or_else(broken)?;
    let on_disk = u64_at(record, 24).ok_or_else(broken)?;
    let entries = u64_at(record, 32).ok_or_else(broken)?;
    if disk != 0 || directory_disk != 0 || on_disk != entries {
        return Err(ZipError::MultiPart);
    }
    let directory = Directory {
        size: u64_at(record, 40).ok_or_else(broken)?,
        offset: u64_at(record, 48).ok_or_else(broken)?,
        entries,
    };
    checked_directory(directory, record_offset).map(Located::Directory)
}

/// The directory must lie before the record that points at it (`limit`), and be small
/// enough to read whole.
fn checked_directory(directory: Directory, limit: u64) -> Result<Directory, ZipError> {
    if directory.offset.saturating_add(directory.size) > limit {
        return Err(ZipError::Broken(
            "the central directory lies outside the file",
        ));
    }
    if directory.size > super::MAX_DIRECTORY_BYTES {
        return Err(ZipError::DirectoryTooLarge(directory.size));
    }
    // Each entry takes at least 46 bytes: a count the size cannot hold is a lie.
    if directory.entries > directory.size / CENTRAL_HEADER_BYTES as u64 {
        return Err(ZipError::Broken(
            "the central directory is too small for its entries",
        ));
    }
    Ok(directory)
}

/// Parses the central directory `bytes` (`directory.size` bytes at `directory.offset`).
/// Entries whose data would lie past the directory are refused as broken: the directory
/// is only trusted as far as the file can hold what it says.
pub fn entries(bytes: &[u8], directory: Directory) -> Result<Vec<ZipEntry>, ZipError> {
    let broken = |what| ZipError::Broken(what);
    // `checked_directory` bounds the count by the bytes, so this allocation is bounded too.
    let mut list = Vec::with_capacity(directory.entries.min(super::MAX_ENTRIES + 1) as usize);
    let mut at = 0usize;
    for _ in 0..directory.entries {
        let header = bytes
            .get(at..at + CENTRAL_HEADER_BYTES)
            .ok_or(broken("the central directory is cut short"))?;
        if u32_at(header, 0) != Some(CENTRAL_SIGNATURE) {
            return Err(broken("an entry of the central directory is damaged"));
        }
        let field16 = |i| u16_at(header, i).unwrap_or(0);
        let field32 = |i| u32_at(header, i).unwrap_or(0);
        let flags = field16(8);
        let (name_len, extra_len, comment_len) = (
            usize::from(field16(28)),
            usize::from(field16(30)),
            usize::from(field16(32)),
        );
        let name_start = at + CENTRAL_HEADER_BYTES;
        let extra_start = name_start + name_len;
        let next = extra_start + extra_len + comment_len;
        let name = bytes
            .get(name_start..extra_start)
            .ok_or(broken("the central directory is cut short"))?;
        let extra = bytes
            .get(extra_start..extra_start + extra_len)
            .ok_or(broken("the central directory is cut short"))?;
        let mut entry = ZipEntry {
            path: String::from_utf8_lossy(name).into_owned(),
            encrypted: flags & 1 != 0,
            method: field16(10),
            crc32: field32(16),
            compressed: field32(20).into(),
            uncompressed: field32(24).into(),
            local_offset: field32(42).into(),
        };
        zip64_sizes(&mut entry, extra, field32(24), field32(20), field32(42))?;
        let end = entry
            .local_offset
            .checked_add(LOCAL_HEADER_BYTES)
            .and_then(|e| e.checked_add(entry.compressed));
        if end.is_none_or(|end| end > directory.offset) {
            return Err(broken("an entry's data lies outside the file"));
        }
        list.push(entry);
        at = next;
    }
    Ok(list)
}

/// Sizes and offset that do not fit 32 bits are 0xFFFFFFFF in the header, and the real
/// values sit in the ZIP64 extra field (id 1), in this order, only for those fields.
fn zip64_sizes(
    entry: &mut ZipEntry,
    mut extra: &[u8],
    uncompressed: u32,
    compressed: u32,
    offset: u32,
) -> Result<(), ZipError> {
    let needed = [uncompressed, compressed, offset]
        .iter()
        .filter(|&&v| v == u32::MAX)
        .count();
    if needed == 0 {
        return Ok(());
    }
    while extra.len() >= 4 {
        let id = u16_at(extra, 0).unwrap_or(0);
        let len = usize::from(u16_at(extra, 2).unwrap_or(0));
        let Some(data) = extra.get(4..4 + len) else {
            break;
        };
        if id == 1 {
            let mut values = data.chunks_exact(8).map(|c| {
                u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) // chunks_exact: always 8
            });
            let mut take = |field: u32, into: &mut u64| -> Result<(), ZipError> {
                if field == u32::MAX {
                    *into = values
                        .next()
                        .ok_or(ZipError::Broken("an entry's ZIP64 sizes are missing"))?;
                }
                Ok(())
            };
            take(uncompressed, &mut entry.uncompressed)?;
            take(compressed, &mut entry.compressed)?;
            take(offset, &mut entry.local_offset)?;
            return Ok(());
        }
        extra = &extra[4 + len..];
    }
    Err(ZipError::Broken("an entry's ZIP64 sizes are missing"))
}

/// Where an entry's compressed data starts, from its local header's first
/// [`LOCAL_HEADER_BYTES`] bytes (its name and extra field may differ from the directory's).
pub fn data_start(local_header: &[u8], entry: &ZipEntry, limit: u64) -> Result<u64, ZipError> {
    if u32_at(local_header, 0) != Some(LOCAL_SIGNATURE) {
        return Err(ZipError::Broken("an entry's local header is damaged"));
    }
    let name_len = u64::from(u16_at(local_header, 26).unwrap_or(0));
    let extra_len = u64::from(u16_at(local_header, 28).unwrap_or(0));
    let start = entry.local_offset + LOCAL_HEADER_BYTES + name_len + extra_len;
    if start.saturating_add(entry.compressed) > limit {
        return Err(ZipError::Broken("an entry's data lies outside the file"));
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An archive with one stored entry, written by hand so each field is known.
    fn tiny_zip(comment: &[u8]) -> Vec<u8> {
        let data = b"store_id,status,timestamp_utc\n";
        let name = b"s.csv";
        let mut zip = Vec::new();
        zip.extend_from_slice(&LOCAL_SIGNATURE.to_le_bytes());
        zip.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend_from_slice(&0u32.to_le_bytes()); // crc
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip.extend_from_slice(name);
        zip.extend_from_slice(data);
        let directory_offset = zip.len();
        zip.extend_from_slice(&CENTRAL_SIGNATURE.to_le_bytes());
        zip.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend_from_slice(&0u32.to_le_bytes());
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&[0; 12]);
        zip.extend_from_slice(&0u32.to_le_bytes()); // local offset
        zip.extend_from_slice(name);
        let directory_size = zip.len() - directory_offset;
        zip.extend_from_slice(&EOCD_SIGNATURE.to_le_bytes());
        zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        zip.extend_from_slice(&(directory_size as u32).to_le_bytes());
        zip.extend_from_slice(&(directory_offset as u32).to_le_bytes());
        zip.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        zip.extend_from_slice(comment);
        zip
    }

    fn read_all(zip: &[u8]) -> Result<Vec<ZipEntry>, ZipError> {
        let size = zip.len() as u64;
        let tail = &zip[zip.len().saturating_sub(TAIL_BYTES as usize)..];
        let Located::Directory(directory) = locate(tail, size)? else {
            panic!("no ZIP64 here")
        };
        let start = directory.offset as usize;
        entries(&zip[start..start + directory.size as usize], directory)
    }

    #[test]
    fn reads_the_directory_behind_a_comment_holding_the_signature() {
        for comment in [&b""[..], b"made by hand", b"PK\x05\x06 inside the comment"] {
            let zip = tiny_zip(comment);
            let list = read_all(&zip).unwrap();
            assert_eq!(list.len(), 1);
            assert_eq!(list[0].path, "s.csv");
            assert_eq!(list[0].compressed, 30);
            let start = data_start(&zip[..30], &list[0], zip.len() as u64).unwrap();
            assert_eq!(&zip[start as usize..start as usize + 8], b"store_id");
        }
    }

    #[test]
    fn a_cut_archive_has_no_directory() {
        let zip = tiny_zip(b"");
        assert_eq!(read_all(&zip[..zip.len() - 5]), Err(ZipError::NoDirectory));
        assert_eq!(
            read_all(b"PK\x03\x04 and nothing"),
            Err(ZipError::NoDirectory)
        );
    }

    #[test]
    fn lengths_pointing_outside_the_file_are_refused() {
        let mut zip = tiny_zip(b"");
        let n = zip.len();
        zip[n - 6..n - 2].copy_from_slice(&1000u32.to_le_bytes()); // directory offset
        assert!(matches!(read_all(&zip), Err(ZipError::Broken(_))));
        let mut zip = tiny_zip(b"");
        let n = zip.len();
        zip[n - 14..n - 12].copy_from_slice(&60_000u16.to_le_bytes()); // entries here
        zip[n - 12..n - 10].copy_from_slice(&60_000u16.to_le_bytes()); // entries in all
        assert!(matches!(read_all(&zip), Err(ZipError::Broken(_))));
    }
}
