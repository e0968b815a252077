//! Files as they come (docs/archives.md): gzip files and zip archives, opened without ever
//! holding a whole uncompressed file in memory. This module decides *what* is read — which
//! entries, within which limits, named how — and says why an entry or an archive is left
//! out; [`inflate`] decompresses pushed bytes, [`zip`] parses a zip's central directory from
//! bytes the caller read. Like the rest of the engine it does no I/O of its own (the CLI and
//! the worker read the byte ranges it asks for) and never panics on any input.

pub mod inflate;
#[cfg(not(target_arch = "wasm32"))]
mod read;
pub mod zip;

use std::fmt;

pub use inflate::{Halt, InflateReader, Inflater};
#[cfg(not(target_arch = "wasm32"))]
pub use read::{ArchiveRead, RangeRead};
pub use zip::{ZipEntry, ZipError};

/// An entry (or a gzip file) may expand at most this many times its compressed size. Real
/// CSV exports compress 5–15×; deflate itself cannot pass ~1 032×, so only a crafted stream
/// of repeated bytes (a zip bomb) comes near.
pub const MAX_RATIO: u64 = 1000;
/// An entry may expand to at most this many bytes (8 GiB), whatever it claims.
pub const MAX_ENTRY_BYTES: u64 = 8 << 30;
/// An archive of more entries than this is not opened at all.
pub const MAX_ENTRIES: u64 = 10_000;
/// The central directory is read into memory; at 10 000 entries real ones are far smaller.
pub const MAX_DIRECTORY_BYTES: u64 = 64 << 20;

/// What a file's first bytes say it is (never its name, as for the CSV kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Zip,
    Gzip,
}

/// The container `head` (a file's first bytes, at least 4 when the file has them) starts,
/// if any: a zip's local header or empty-archive record, or gzip's magic and deflate method.
pub fn sniff(head: &[u8]) -> Option<Container> {
    match head {
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] | [b'P', b'K', 7, 8, ..] => {
            Some(Container::Zip)
        }
        [0x1f, 0x8b, 8, ..] => Some(Container::Gzip),
        _ => None,
    }
}

/// The name messages give an entry: `archive.zip › folder/file.csv`, on the page and in the
/// CLI alike.
pub fn entry_name(archive: &str, path: &str) -> String {
    format!("{archive} › {path}")
}

/// Entries left out without a word: folders, the resource forks macOS adds (`__MACOSX/`)
/// and dot-files (`.DS_Store`), anywhere in the path.
pub fn skipped_silently(path: &str) -> bool {
    path.ends_with('/')
        || path.ends_with('\\')
        || path
            .split(['/', '\\'])
            .any(|part| part == "__MACOSX" || part.starts_with('.'))
}

/// Whether a file found in a folder is taken (the page's "Choose folder", the CLI given a
/// folder): CSV, zip and gzip files by their name, dot-files and macOS forks never.
pub fn taken_from_folder(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !skipped_silently(name)
        && [".csv", ".zip", ".gz"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Extensions of archives that are not opened when found inside an archive.
const ARCHIVE_EXTENSIONS: [&str; 10] = [
    ".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst", ".jar",
];

/// Whether the entry `path` is an archive itself (by its name: it is never opened, so its
/// bytes are never looked at).
pub fn is_nested_archive(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ARCHIVE_EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
}

/// Why an archive, or an entry of one, was not read (or not to its end). The rest of the
/// files are read either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// The entry is encrypted (password-protected).
    Encrypted,
    /// Compressed with a method other than stored (0) or deflate (8).
    UnsupportedMethod(u16),
    /// An archive inside the archive.
    Nested,
    /// The entry's header declares more than [`MAX_RATIO`] × its compressed size.
    RatioTooHigh { compressed: u64, declared: u64 },
    /// The entry's header declares more than [`MAX_ENTRY_BYTES`].
    TooLarge { declared: u64 },
    /// The entry's output went past the size its header declares.
    PastDeclared { declared: u64 },
    /// The output went past [`MAX_RATIO`] × the compressed bytes read, or past
    /// [`MAX_ENTRY_BYTES`] (gzip declares no size up front).
    ExpandsTooMuch { compressed: u64, written: u64 },
    /// The archive has more than [`MAX_ENTRIES`] entries.
    TooManyEntries(u64),
    /// The archive's entries declare more than [`MAX_RATIO`] × the archive's size in all.
    ArchiveTooLarge { size: u64, declared: u64 },
    /// The archive's directory cannot be read.
    Corrupt(ZipError),
    /// An entry's compressed data is damaged (or, for gzip, the file is).
    Damaged(String),
    /// A zip given on standard input: its directory is at its end, so it needs a file.
    ZipOnStandardInput,
}

/// Deflate and stored, what every zip tool writes by default, are read; the rest are named.
fn method_name(method: u16) -> &'static str {
    match method {
        1 => "Shrink",
        6 => "Implode",
        9 => "Deflate64",
        12 => "bzip2",
        14 => "LZMA",
        93 => "Zstandard",
        95 => "XZ",
        98 => "PPMd",
        99 => "AES encryption",
        _ => "an unknown method",
    }
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const BOMB: &str = "a zip bomb or a damaged archive";
        match self {
            ArchiveError::Encrypted => write!(
                f,
                "encrypted (password-protected) entry, not opened: unzip it with its password \
                 and give the CSV files"
            ),
            ArchiveError::UnsupportedMethod(method) => write!(
                f,
                "compressed with {} (method {method}), which cannot be read here (only stored \
                 and deflate, what zip tools write by default): unzip it and give the CSV files",
                method_name(*method)
            ),
            ArchiveError::Nested => write!(
                f,
                "an archive inside the archive, not opened: unzip it first and give its files"
            ),
            ArchiveError::RatioTooHigh {
                compressed,
                declared,
            } => write!(
                f,
                "declares {declared} bytes from {compressed} compressed, more than \
                 {MAX_RATIO}× ({BOMB}), not opened"
            ),
            ArchiveError::TooLarge { declared } => write!(
                f,
                "declares {declared} bytes, more than 8 GiB ({BOMB}), not opened"
            ),
            ArchiveError::PastDeclared { declared } => write!(
                f,
                "expands past the {declared} bytes its header declares ({BOMB}); reading \
                 stopped there"
            ),
            ArchiveError::ExpandsTooMuch {
                compressed,
                written,
            } => write!(
                f,
                "expands to more than {written} bytes from {compressed} compressed, more than \
                 {MAX_RATIO}× or 8 GiB ({BOMB}); reading stopped there"
            ),
            ArchiveError::TooManyEntries(count) => write!(
                f,
                "has {count} entries, more than {MAX_ENTRIES}: not opened (unzip it and give \
                 the CSV files)"
            ),
            ArchiveError::ArchiveTooLarge { size, declared } => write!(
                f,
                "its entries declare {declared} bytes in all from {size} bytes, more than \
                 {MAX_RATIO}× ({BOMB}): not opened"
            ),
            ArchiveError::Corrupt(why) => write!(
                f,
                "not a readable zip archive ({why}): not opened; download or zip it again"
            ),
            ArchiveError::Damaged(why) => write!(
                f,
                "the compressed data is damaged ({why}); reading stopped there: download or \
                 compress it again"
            ),
            ArchiveError::ZipOnStandardInput => write!(
                f,
                "a zip archive cannot be read from standard input (its directory is at its \
                 end): give it as a file"
            ),
        }
    }
}

impl std::error::Error for ArchiveError {}

/// What to do with one entry of a zip's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryPlan {
    /// Left out without a word.
    Skip,
    /// Left out, and reported.
    Refuse(ArchiveError),
    /// Decompressed into the ingest, as a file named [`entry_name`].
    Read,
}

/// The one policy for an entry, for the CLI and the worker alike: silent skips first, then
/// what cannot be read, then the declared sizes against the bomb limits.
pub fn plan(entry: &ZipEntry) -> EntryPlan {
    if skipped_silently(&entry.path) {
        return EntryPlan::Skip;
    }
    let refuse = |error| EntryPlan::Refuse(error);
    if is_nested_archive(&entry.path) {
        return refuse(ArchiveError::Nested);
    }
    if entry.encrypted {
        return refuse(ArchiveError::Encrypted);
    }
    if !matches!(entry.method, 0 | 8) {
        return refuse(ArchiveError::UnsupportedMethod(entry.method));
    }
    if entry.uncompressed > MAX_ENTRY_BYTES {
        return refuse(ArchiveError::TooLarge {
            declared: entry.uncompressed,
        });
    }
    if entry.uncompressed > MAX_RATIO.saturating_mul(entry.compressed.max(1)) {
        return refuse(ArchiveError::RatioTooHigh {
            compressed: entry.compressed,
            declared: entry.uncompressed,
        });
    }
    EntryPlan::Read
}

/// Refuses a whole archive before any entry is read: too many entries, or entries that
/// declare more than [`MAX_RATIO`] × the archive's `size` in all (entries sharing their
/// compressed bytes, the "overlapping" bomb, pass each entry's own check).
pub fn check_archive(entries: &[ZipEntry], size: u64) -> Result<(), ArchiveError> {
    if entries.len() as u64 > MAX_ENTRIES {
        return Err(ArchiveError::TooManyEntries(entries.len() as u64));
    }
    let declared = entries
        .iter()
        .filter(|e| plan(e) == EntryPlan::Read)
        .fold(0u64, |sum, e| sum.saturating_add(e.uncompressed));
    if declared > MAX_RATIO.saturating_mul(size.max(1)) {
        return Err(ArchiveError::ArchiveTooLarge { size, declared });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> ZipEntry {
        ZipEntry {
            path: path.to_string(),
            encrypted: false,
            method: 8,
            crc32: 0,
            compressed: 100,
            uncompressed: 1000,
            local_offset: 0,
        }
    }

    #[test]
    fn containers_are_known_by_their_first_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Container::Zip));
        assert_eq!(sniff(b"PK\x05\x06"), Some(Container::Zip));
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Some(Container::Gzip));
        assert_eq!(sniff(b"store_id,status"), None);
        assert_eq!(sniff(b"PK"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn folders_mac_forks_and_dot_files_are_skipped_silently() {
        for path in [
            "exports/",
            "__MACOSX/exports/._status.csv",
            "exports/.DS_Store",
            ".hidden.csv",
        ] {
            assert_eq!(plan(&entry(path)), EntryPlan::Skip, "{path}");
        }
        assert_eq!(plan(&entry("exports/status.csv")), EntryPlan::Read);
        assert_eq!(plan(&entry("MACOSX.csv")), EntryPlan::Read);
    }

    #[test]
    fn what_cannot_be_read_is_refused_and_named() {
        assert_eq!(
            plan(&entry("inner.ZIP")),
            EntryPlan::Refuse(ArchiveError::Nested)
        );
        let mut e = entry("a.csv");
        e.encrypted = true;
        assert_eq!(plan(&e), EntryPlan::Refuse(ArchiveError::Encrypted));
        let mut e = entry("a.csv");
        e.method = 12;
        let EntryPlan::Refuse(error) = plan(&e) else {
            panic!("bzip2 is refused")
        };
        assert!(error.to_string().contains("bzip2 (method 12)"), "{error}");
    }

    #[test]
    fn bomb_limits_are_numbers() {
        let mut e = entry("a.csv");
        e.compressed = 10;
        e.uncompressed = 10 * MAX_RATIO;
        assert_eq!(plan(&e), EntryPlan::Read, "exactly 1000× is allowed");
        e.uncompressed += 1;
        assert!(matches!(
            plan(&e),
            EntryPlan::Refuse(ArchiveError::RatioTooHigh { .. })
        ));
        e.compressed = 1 << 30;
        e.uncompressed = MAX_ENTRY_BYTES + 1;
        assert!(matches!(
            plan(&e),
            EntryPlan::Refuse(ArchiveError::TooLarge { .. })
        ));
        let many: Vec<ZipEntry> = (0..=MAX_ENTRIES).map(|_| entry("a.csv")).collect();
        assert_eq!(
            check_archive(&many[1..], u64::MAX),
            Ok(()),
            "10 000 entries are allowed"
        );
        assert_eq!(
            check_archive(&many, u64::MAX),
            Err(ArchiveError::TooManyEntries(MAX_ENTRIES + 1))
        );
        // Ten entries of 1000 bytes each from a 9-byte archive: their data must overlap.
        assert!(matches!(
            check_archive(&many[..10], 9),
            Err(ArchiveError::ArchiveTooLarge { .. })
        ));
    }

    #[test]
    fn a_folder_gives_its_csv_zip_and_gzip_files() {
        for name in ["status.csv", "HOURS.CSV", "may.zip", "zones.csv.gz"] {
            assert!(taken_from_folder(name), "{name}");
        }
        for name in [
            "notes.txt",
            "report.pdf",
            ".status.csv",
            "._status.csv",
            "csv",
        ] {
            assert!(!taken_from_folder(name), "{name}");
        }
    }

    #[test]
    fn entries_are_named_with_their_archive() {
        assert_eq!(
            entry_name("exports.zip", "may/store_status.csv"),
            "exports.zip › may/store_status.csv"
        );
    }
}
