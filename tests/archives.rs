//! Files as they come, through the command line: zip archives (flat, in a folder, with
//! macOS's `__MACOSX/` forks, stored or deflated, ZIP64), `.csv.gz` files, and every archive
//! that cannot be read whole. The report must equal the one from the plain files, byte for
//! byte; what is left out is named `archive.zip › path` and the rest is read. The archives
//! are made here by the `zip` and `flate2` crates, real writers, not by our reader's rules.

mod common;
use common::{run, run_with_stdin, scratch, text, write};

use std::io::{Cursor, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small/input");
const FILES: [&str; 3] = ["store_status.csv", "menu_hours.csv", "timezones.csv"];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURE}/{name}")).unwrap()
}

/// The report from the plain files: what every archive of them must give.
fn plain_report(extra: &[&str]) -> String {
    let paths: Vec<String> = FILES.iter().map(|f| format!("{FIXTURE}/{f}")).collect();
    let mut args = vec!["report"];
    args.extend(extra);
    args.extend(paths.iter().map(String::as_str));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn options(method: CompressionMethod) -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(method)
}

/// A zip of `entries` (path, bytes); a path ending in `/` is a folder.
fn zip_of(entries: &[(&str, Vec<u8>)], method: CompressionMethod, large: bool) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (path, bytes) in entries {
        if path.ends_with('/') {
            zip.add_directory(*path, options(method)).unwrap();
        } else {
            zip.start_file(*path, options(method).large_file(large))
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
    }
    zip.finish().unwrap().into_inner()
}

fn the_three(prefix: &str) -> Vec<(String, Vec<u8>)> {
    FILES
        .iter()
        .map(|f| (format!("{prefix}{f}"), fixture(f)))
        .collect()
}

fn as_refs(entries: &[(String, Vec<u8>)]) -> Vec<(&str, Vec<u8>)> {
    entries
        .iter()
        .map(|(p, b)| (p.as_str(), b.clone()))
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Sets an entry's "encrypted" flag in the central directory, as a password-protected
/// zip has it (the zip crate writes no ZipCrypto without its crypto feature).
fn mark_encrypted(zip: &mut [u8], path: &str) {
    let mut at = 0;
    while let Some(i) = find(&zip[at..], b"PK\x01\x02") {
        let header = at + i;
        let name_len = u16::from_le_bytes([zip[header + 28], zip[header + 29]]) as usize;
        if &zip[header + 46..header + 46 + name_len] == path.as_bytes() {
            zip[header + 8] |= 1;
            return;
        }
        at = header + 4;
    }
    panic!("{path} is not in the archive");
}

/// Overwrites an entry's declared uncompressed size in the central directory.
fn declare_size(zip: &mut [u8], path: &str, size: u32) {
    let mut at = 0;
    while let Some(i) = find(&zip[at..], b"PK\x01\x02") {
        let header = at + i;
        let name_len = u16::from_le_bytes([zip[header + 28], zip[header + 29]]) as usize;
        if &zip[header + 46..header + 46 + name_len] == path.as_bytes() {
            zip[header + 24..header + 28].copy_from_slice(&size.to_le_bytes());
            return;
        }
        at = header + 4;
    }
    panic!("{path} is not in the archive");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_zip_of_the_three_files_gives_the_same_report_byte_for_byte() {
    let dir = scratch("zip-same");
    let plain = plain_report(&[]);
    let extended = plain_report(&["--extended"]);
    let flat = the_three("");
    let mut in_folder = vec![("exports/".to_string(), Vec::new())];
    in_folder.extend(the_three("exports/may/"));
    // What macOS's "Compress" adds: resource forks and a .DS_Store.
    in_folder.push((
        "__MACOSX/exports/may/._store_status.csv".into(),
        b"\0\x05\x16\x07".to_vec(),
    ));
    in_folder.push(("exports/.DS_Store".into(), b"\0\0\0\x01Bud1".to_vec()));
    let cases = [
        (
            "flat.zip",
            zip_of(&as_refs(&flat), CompressionMethod::Deflated, false),
        ),
        (
            "stored.zip",
            zip_of(&as_refs(&flat), CompressionMethod::Stored, false),
        ),
        (
            "zip64.zip",
            zip_of(&as_refs(&flat), CompressionMethod::Deflated, true),
        ),
        (
            "folder.zip",
            zip_of(&as_refs(&in_folder), CompressionMethod::Deflated, false),
        ),
    ];
    for (name, bytes) in cases {
        let path = write(&dir, name, &bytes);
        let out = run(&["report", &path]);
        let summary = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {summary}");
        assert_eq!(text(&out.stdout), plain, "{name}");
        assert!(
            !summary.contains("left out"),
            "{name}: nothing is left out: {summary}"
        );
        assert!(
            !summary.contains("__MACOSX") && !summary.contains(".DS_Store"),
            "{summary}"
        );
        assert!(
            summary.contains(&format!("{name} › "))
                && summary.contains("store_status.csv: status polls"),
            "entries are named with their archive: {summary}"
        );
        let out = run(&["report", "--extended", &path]);
        assert_eq!(text(&out.stdout), extended, "{name} --extended");
    }
}

#[test]
fn gzip_files_and_a_mix_with_plain_files_give_the_same_report() {
    let dir = scratch("gzip-same");
    let plain = plain_report(&[]);
    let gz: Vec<String> = FILES
        .iter()
        .map(|f| write(&dir, &format!("{f}.gz"), &gzip(&fixture(f))))
        .collect();
    let out = run(&["report", &gz[0], &gz[1], &gz[2]]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), plain);
    assert!(text(&out.stderr).contains("store_status.csv.gz: status polls"));

    // A zip holding only the status file, the hours plain, the timezones gzip'd, any order.
    let status_zip = write(
        &dir,
        "status.zip",
        &zip_of(
            &[("store_status.csv", fixture(FILES[0]))],
            CompressionMethod::Deflated,
            false,
        ),
    );
    let hours = format!("{FIXTURE}/{}", FILES[1]);
    let out = run(&["report", &gz[2], &status_zip, &hours]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), plain);

    // Standard input takes a gzip too, but not a zip (its directory is at its end).
    let out = run_with_stdin(&["report", "-", &gz[1], &gz[2]], &gzip(&fixture(FILES[0])));
    assert_eq!(text(&out.stdout), plain, "{}", text(&out.stderr));
    let zip = std::fs::read(&status_zip).unwrap();
    let out = run_with_stdin(&["report", "-"], &zip);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("-: a zip archive cannot be read from standard input"),
        "{}",
        text(&out.stderr)
    );
}

/// Entries that cannot be read are named, said why, and left out; the rest of the archive
/// (and the other files) still makes the same report.
#[test]
fn what_cannot_be_read_is_named_and_the_rest_is_reported() {
    let dir = scratch("zip-partial");
    let plain = plain_report(&[]);
    let inner = zip_of(&as_refs(&the_three("")), CompressionMethod::Deflated, false);
    let big_rows: Vec<u8> = std::iter::repeat_n(&b"x,active,2024-10-14 12:00:00\n"[..], 40_000)
        .flatten()
        .copied()
        .collect();
    let three = the_three("");
    let with = |extra: &[(&str, Vec<u8>)], patch: &dyn Fn(&mut Vec<u8>)| {
        let mut entries = as_refs(&three);
        entries.extend(extra.iter().cloned());
        let mut bytes = zip_of(&entries, CompressionMethod::Deflated, false);
        patch(&mut bytes);
        bytes
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "unknown.zip",
            with(&[("notes/readme.txt", b"Exported from the POS on Monday\n".to_vec())], &|_| {}),
            "unknown.zip › notes/readme.txt: the header `Exported from the POS on Monday` matches no input layout",
        ),
        (
            "encrypted.zip",
            with(&[("secret.csv", fixture(FILES[0]))], &|z| mark_encrypted(z, "secret.csv")),
            "encrypted.zip › secret.csv: encrypted (password-protected) entry, not opened",
        ),
        (
            "nested.zip",
            with(&[("old/exports.zip", inner.clone())], &|_| {}),
            "nested.zip › old/exports.zip: an archive inside the archive, not opened",
        ),
        (
            // A header that declares 4 GB from a few KiB: refused before a byte is read.
            "ratio.zip",
            with(&[("huge.csv", big_rows.clone())], &|z| declare_size(z, "huge.csv", 4_000_000_000)),
            "ratio.zip › huge.csv: declares 4000000000 bytes from",
        ),
        (
            // A header that lies low: reading stops as soon as the output passes it.
            "lying.zip",
            with(&[("more.csv", big_rows.clone())], &|z| declare_size(z, "more.csv", 1000)),
            "lying.zip › more.csv: expands past the 1000 bytes its header declares",
        ),
    ];
    let hours = format!("{FIXTURE}/{}", FILES[1]);
    for (name, bytes, message) in cases {
        let path = write(&dir, name, &bytes);
        let out = run(&["report", &path]);
        let summary = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {summary}");
        assert!(
            summary.contains(message),
            "{name}: expected {message:?} in {summary}"
        );
        assert!(summary.contains("; left out"), "{summary}");
        if name != "lying.zip" {
            // The lying entry's first rows (store `x`) were read before it was stopped.
            assert_eq!(text(&out.stdout), plain, "{name}");
        }
        // Beside plain files too.
        let out = run(&["report", &hours, &path]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
    }
}

#[test]
fn a_corrupt_zip_is_named_and_the_other_files_are_reported() {
    let dir = scratch("zip-corrupt");
    let plain = plain_report(&[]);
    let whole = zip_of(&as_refs(&the_three("")), CompressionMethod::Deflated, false);
    let paths: Vec<String> = FILES.iter().map(|f| format!("{FIXTURE}/{f}")).collect();
    let cut = write(&dir, "cut.zip", &whole[..whole.len() / 2]);
    let out = run(&["report", &paths[0], &cut, &paths[1], &paths[2]]);
    let summary = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert_eq!(text(&out.stdout), plain);
    assert!(
        summary.contains("cut.zip: not a readable zip archive (no central directory at its end"),
        "{summary}"
    );
    // Damaged compressed data inside an intact directory: that entry is named.
    let mut damaged = whole.clone();
    let data = find(&damaged, b"store_status.csv").unwrap() + 16 + 40;
    for b in &mut damaged[data..data + 64] {
        *b ^= 0x5a;
    }
    let damaged = write(&dir, "damaged.zip", &damaged);
    let out = run(&["report", &damaged]);
    let summary = text(&out.stderr);
    assert!(
        summary.contains("damaged.zip › store_status.csv: the compressed data is damaged"),
        "{summary}"
    );
    // Only a corrupt zip: nothing to report, and both problems are said.
    let out = run(&["report", &cut]);
    assert_eq!(out.status.code(), Some(1));
    let summary = text(&out.stderr);
    assert!(
        summary.contains("not a readable zip archive") && summary.contains("no status polls file"),
        "{summary}"
    );
}

#[test]
fn bombs_are_stopped_by_the_numbers() {
    let dir = scratch("bombs");
    let paths: Vec<String> = FILES.iter().map(|f| format!("{FIXTURE}/{f}")).collect();
    // 64 MiB of zeros gzip'd: more than 1000× per byte read, stopped at the first pieces.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    let bomb = write(&dir, "zeros.csv.gz", &bomb);
    let out = run(&["report", &paths[0], &bomb]);
    let summary = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert!(
        summary.contains("zeros.csv.gz: expands to more than"),
        "{summary}"
    );
    assert!(summary.contains("more than 1000×"), "{summary}");

    // More than 10 000 entries: the archive is not opened.
    let entries: Vec<(String, Vec<u8>)> = (0..10_001)
        .map(|i| (format!("f{i}.csv"), Vec::new()))
        .collect();
    let many = zip_of(&as_refs(&entries), CompressionMethod::Stored, false);
    let many = write(&dir, "many.zip", &many);
    let out = run(&["report", &paths[0], &many]);
    let summary = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert!(
        summary.contains("many.zip: has 10001 entries, more than 10000"),
        "{summary}"
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;
    use store_uptime::engine::archive::zip::{self as zipdir, Located};
    use store_uptime::engine::archive::{Inflater, MAX_RATIO};
    use store_uptime::engine::Ingest;

    /// A small valid archive to damage: two entries, one in a folder.
    fn sample() -> Vec<u8> {
        zip_of(
            &[
                (
                    "a/s.csv",
                    b"store_id,status,timestamp_utc\n1,active,2024-10-14 12:00:00\n".to_vec(),
                ),
                ("t.csv", b"store_id,timezone_str\n1,Asia/Beirut\n".to_vec()),
            ],
            CompressionMethod::Deflated,
            false,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any bytes, parsed as a tail and a directory, give an answer, never a panic.
        #[test]
        fn the_directory_parser_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400), extra in 0u64..1000) {
            let size = bytes.len() as u64 + extra;
            if let Ok(Located::Directory(d)) = zipdir::locate(&bytes, size) {
                let _ = zipdir::entries(&bytes, d);
            }
            let _ = zipdir::zip64_directory(&bytes, extra);
        }

        /// A real archive with bytes overwritten anywhere reads to an answer: what it can,
        /// with the rest named, within the output limits.
        #[test]
        fn a_damaged_archive_is_read_or_named(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12)) {
            let mut zip = sample();
            for (at, byte) in &edits {
                let i = at.index(zip.len());
                zip[i] = *byte;
            }
            let size = zip.len() as u64;
            let mut ingest = Ingest::new();
            let read = ingest.read_zip_parallel("d.zip", &mut Cursor::new(zip), size, 64, 2);
            let read_bytes: u64 = ingest.files().iter().map(|f| f.bytes).sum();
            prop_assert!(read_bytes <= MAX_RATIO * size, "{read_bytes}");
            for problem in read.problems {
                prop_assert!(problem.to_string().starts_with("d.zip"));
            }
        }

        /// Any bytes fed to the decoders, in any slices, stop cleanly.
        #[test]
        fn the_decoders_take_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000), chunk in 1usize..300) {
            for mut inflater in [Inflater::gzip(), Inflater::zip_entry(8, 5000, 0), Inflater::zip_entry(0, 100, 0)] {
                let mut out = 0u64;
                let mut sink = |b: &[u8]| -> Result<(), ()> { out += b.len() as u64; Ok(()) };
                for piece in bytes.chunks(chunk) {
                    let _ = inflater.feed(piece, &mut sink);
                }
                let _ = inflater.finish(&mut sink);
                prop_assert!(out <= MAX_RATIO * bytes.len() as u64);
            }
        }
    }
}

#[test]
fn a_folder_gives_every_csv_zip_and_gzip_file_in_it() {
    let dir = scratch("folder");
    let plain = plain_report(&[]);
    let exports = dir.join("exports");
    std::fs::create_dir_all(exports.join("daily")).unwrap();
    std::fs::create_dir_all(exports.join("__MACOSX")).unwrap();
    write(&exports, FILES[0], &fixture(FILES[0]));
    write(
        &exports.join("daily"),
        &format!("{}.gz", FILES[1]),
        &gzip(&fixture(FILES[1])),
    );
    let zones = zip_of(
        &[(FILES[2], fixture(FILES[2]))],
        CompressionMethod::Deflated,
        false,
    );
    write(&exports, "zones.zip", &zones);
    write(&exports, "notes.txt", b"not read\n");
    write(&exports, ".DS_Store", b"\0\0\0\x01Bud1");
    write(
        &exports.join("__MACOSX"),
        "._store_status.csv",
        b"\0\x05\x16\x07",
    );
    let folder = exports.to_string_lossy().into_owned();
    let out = run(&["report", &folder]);
    let summary = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert_eq!(text(&out.stdout), plain);
    assert!(
        !summary.contains("notes.txt") && !summary.contains("DS_Store"),
        "{summary}"
    );
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = run(&["report", &empty.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("the folder has no CSV, zip or gzip file"));
}
