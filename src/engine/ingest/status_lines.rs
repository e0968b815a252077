//! Status rows in the exports' own layout, read in one pass (SPEC §1; docs/semantics.md,
//! "Reading the files"). Nearly every line of a status file is
//! `<uuid or number>,active|inactive,YYYY-MM-DD HH:MM:SS[.ffffff] UTC`: such a line is
//! checked and decoded at fixed positions, from its first byte to its line end, with no
//! search for commas and no fields in between. Any other line — another id, a status in
//! capitals, spaces, an extra column, a bad date — is left to the general path
//! ([`Ingest::record`]), which reads it or says why not. So this path only ever takes rows
//! the general path would take, and takes them the same way; a test reads every kind of
//! line both ways and compares (`export_status_rows_read_as_the_general_path_reads_them`).
//!
//! Hand-written rather than a CSV crate's: the gain is in not being general (docs/perf-log.md).
//!
//! Business-hours rows in the exports' layout, `<uuid or number>,<0–6>,HH:MM:SS,HH:MM:SS`,
//! are read the same way ([`Ingest::read_export_rows`]): the hours file is a tenth of
//! the status file, and read the general way it was a tenth of the page's time at 10×.

use super::reader::{Feed, Tokenizer};
use super::rows::FileState;
use super::schema::{FileKind, Layout};
use super::store_ids::{decimal_value, uuid_value, PackedId};
use super::{FileId, Ingest};
use crate::engine::business::HoursRule;
use crate::engine::time::{export_timestamp_at, parse_time_of_day, LastDate, Micros};

/// One status line in the exports' layout, decoded.
struct StatusLine {
    id: PackedId,
    active: bool,
    t: Micros,
    /// Bytes with the line end.
    len: usize,
}

/// The kind of a file whose lines this module can read: a status file whose columns are
/// the store id, the status and the timestamp, or an hours file whose columns are the store
/// id, the weekday, the start and the end, in this order, needing no other (a line with
/// more columns still goes the general way).
pub(super) fn export_kind(layout: &Layout) -> Option<FileKind> {
    let columns = (
        layout.store,
        layout.a,
        layout.b,
        layout.c,
        layout.min_fields,
    );
    match layout.kind {
        FileKind::Status if (columns.0, columns.1, columns.2, columns.4) == (0, 1, 2, 3) => {
            Some(FileKind::Status)
        }
        FileKind::Hours if columns == (0, 1, 2, 3, 4) => Some(FileKind::Hours),
        _ => None,
    }
}

/// The line at the start of `bytes`, if it is an hours row in the exports' layout with a
/// numeric id, a weekday digit and two valid `HH:MM:SS` times (the start not 24:00:00), and
/// ends with LF or CRLF in `bytes`: the id, the rule and the line's length.
#[inline]
fn export_hours_line(bytes: &[u8]) -> Option<(PackedId, HoursRule, usize)> {
    const TIME_LEN: usize = "HH:MM:SS".len();
    let (id, after_id) = packed_id(bytes)?;
    let rest = bytes.get(after_id..after_id + 2 + 2 * (TIME_LEN + 1))?;
    let day = match rest[..2] {
        [d @ b'0'..=b'6', b','] => d - b'0',
        _ => return None,
    };
    let (start, end) = (
        &rest[2..2 + TIME_LEN],
        &rest[3 + TIME_LEN..3 + 2 * TIME_LEN],
    );
    if rest[2 + TIME_LEN] != b',' {
        return None;
    }
    // The same parser as the general path, on exactly the field it would see.
    let start = parse_time_of_day(start, false).ok()?;
    let end = parse_time_of_day(end, true).ok()?;
    let line_end = match bytes.get(after_id + 2 + 2 * TIME_LEN + 1..)? {
        [b'\n', ..] => 1,
        [b'\r', b'\n', ..] => 2,
        _ => return None,
    };
    let len = after_id + 2 + 2 * TIME_LEN + 1 + line_end;
    Some((id, HoursRule { day, start, end }, len))
}

/// The line at the start of `bytes`, if it is a status row in the exports' own layout with
/// a valid timestamp and a numeric id ([`PackedId`]) and ends with LF or CRLF in `bytes`.
#[inline]
fn export_status_line(bytes: &[u8], last: &mut LastDate) -> Option<StatusLine> {
    let (id, after_id) = packed_id(bytes)?;
    let rest = &bytes[after_id..];
    let (active, after_status) = if rest.starts_with(b"active,") {
        (true, 7)
    } else if rest.starts_with(b"inactive,") {
        (false, 9)
    } else {
        return None;
    };
    let stamp = &rest[after_status..];
    let (t, stamp_len) = export_timestamp_at(stamp, last)?;
    let line_end = match stamp.get(stamp_len..)? {
        [b'\n', ..] => 1,
        [b'\r', b'\n', ..] => 2,
        _ => return None,
    };
    Some(StatusLine {
        id,
        active,
        t,
        len: after_id + after_status + stamp_len + line_end,
    })
}

/// A UUID or decimal store id and the comma after it: the id, and where the status starts.
/// Ids in any other form (or with spaces around) are `None`.
#[inline]
fn packed_id(bytes: &[u8]) -> Option<(PackedId, usize)> {
    const UUID_LEN: usize = 36;
    if bytes.get(UUID_LEN) == Some(&b',') {
        if let Some(value) = uuid_value(&bytes[..UUID_LEN]) {
            return Some((PackedId::Uuid(value), UUID_LEN + 1));
        }
    }
    // At most 19 digits: decimal_value reads no more.
    let comma = bytes.iter().take(20).position(|&b| b == b',')?;
    decimal_value(&bytes[..comma]).map(|v| (PackedId::Number(v), comma + 1))
}

impl Ingest {
    /// Reads the rows at the start of the fast path's run of whole lines
    /// ([`Feed::plain_rest`]) of a file of `kind` (status or hours, [`export_kind`]) that
    /// are in the exports' own layout, up to the first that is not: the same polls or
    /// rules, stores, counts and line numbers as [`Ingest::record`] would give.
    pub(super) fn read_export_rows(
        &mut self,
        file: FileId,
        kind: FileKind,
        tokens: &mut Tokenizer,
        state: &mut FileState,
        feed: &mut Feed<'_>,
    ) {
        let run = feed.plain_rest();
        let (mut len, mut rows) = (0, 0u64);
        let (mut earliest, mut latest) = (Micros::MAX, Micros::MIN);
        loop {
            let rest = &run[len..];
            len += if kind == FileKind::Status {
                let Some(line) = export_status_line(rest, &mut self.last_date) else {
                    break;
                };
                earliest = earliest.min(line.t);
                latest = latest.max(line.t);
                self.keep_poll(file, state, line.t, line.active, line.id);
                line.len
            } else {
                let Some((id, rule, line_len)) = export_hours_line(rest) else {
                    break;
                };
                self.keep_rule(file, state, rule, id);
                line_len
            };
            rows += 1;
        }
        if rows == 0 {
            return;
        }
        tokens.take_plain_rows(feed, len, rows);
        let summary = &mut self.files[file.0];
        summary.rows += rows;
        summary.valid_rows += rows;
        if earliest <= latest {
            summary.time_range = Some(summary.time_range.map_or((earliest, latest), |(lo, hi)| {
                (lo.min(earliest), hi.max(latest))
            }));
            self.latest_poll = Some(self.latest_poll.map_or(latest, |l| l.max(latest)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Dataset;
    use crate::generate::{GenConfig, GeneratedData, IdStyle, Precision};

    /// Everything a read gave (the dataset's every field, through its `Debug`).
    fn read(files: &[(&str, &[u8])], chunk: usize, fields_only: bool) -> String {
        let mut ingest = Ingest {
            fields_only,
            ..Ingest::default()
        };
        for (name, bytes) in files {
            let file = ingest.open_file(name);
            for piece in bytes.chunks(chunk) {
                let _ = ingest.push(file, piece);
            }
            let _ = ingest.close_file(file);
        }
        let data: Dataset = ingest.finish();
        format!("{data:?}")
    }

    fn assert_read_both_ways(files: &[(&str, &[u8])], chunks: &[usize]) {
        for &chunk in chunks {
            assert_eq!(
                read(files, chunk, false),
                read(files, chunk, true),
                "chunk {chunk}"
            );
        }
    }

    /// A file of `header` and `lines`, with LF and with CRLF and no final line end, read
    /// both ways at many chunk sizes.
    fn assert_lines_read_both_ways(name: &str, header: &str, lines: &[String]) {
        for end in ["\n", "\r\n"] {
            let text = format!("{header}{end}{}", lines.join(end));
            let files = [(name, text.as_bytes())];
            assert_read_both_ways(&files, &[1, 2, 3, 5, 8, 13, 40, 64, 100, usize::MAX]);
        }
    }

    #[test]
    fn export_status_rows_read_as_the_general_path_reads_them() {
        // Good rows of every id form around each kind of line this path must leave alone,
        // with LF and CRLF, quotes, lone CRs, a blank line and no final line end.
        let uuid = "0f8b6a5c-1d2e-4f30-8a9b-0c1d2e3f4a5b";
        let lines = [
            format!("{uuid},active,2023-01-22 12:09:39.388884 UTC"),
            "42,inactive,2023-01-22 12:10:00".to_string(),
            format!("{uuid},Active,2023-01-22 12:11:39 UTC"),
            format!(" {uuid},active,2023-01-22 12:12:39 UTC"),
            "42,active,2023-01-22 12:13:39 UTC,extra".to_string(),
            format!("{uuid},active,2023-01-22 12:14:39.1234567 UTC"),
            "43,active,2023-02-30 12:15:39 UTC".to_string(),
            "44,active,2023-01-22T12:16:39Z".to_string(),
            format!("{},active,2023-01-22 12:17:39 UTC", uuid.to_uppercase()),
            "042,active,2023-01-22 12:18:39".to_string(),
            "store-1,active,2023-01-22 12:19:39".to_string(),
            ",active,2023-01-22 12:20:39".to_string(),
            String::new(),
            "\"45\",active,2023-01-22 12:21:39".to_string(),
            "46,act\rive,2023-01-22 12:22:39".to_string(),
            "47,active,\"2023-01-22 12:23:39".to_string(),
            "48,active,2023-01-22 12:24:39 UTC".to_string(),
            "store_id,status,timestamp_utc".to_string(),
            "12345678901234567890,active,2023-01-22 12:25:39".to_string(),
            "49,active,2023-01-22 12:26:39 UTC".to_string(),
        ];
        assert_lines_read_both_ways("status.csv", "store_id,status,timestamp_utc", &lines);
        // Columns in another order, or more of them, go the general way.
        let other = "status,store_id,timestamp_utc\nactive,1,2023-01-22 12:00:00\n";
        assert_read_both_ways(&[("s.csv", other.as_bytes())], &[1, usize::MAX]);
    }

    #[test]
    fn the_exports_own_headers_take_the_one_pass_path() {
        use crate::engine::ingest::schema::{classify, normalise_header};
        for (header, kind) in [
            ("store_id,status,timestamp_utc", Some(FileKind::Status)),
            (
                "store_id,dayOfWeek,start_time_local,end_time_local",
                Some(FileKind::Hours),
            ),
            ("store_id,timezone_str", None),
            ("status,store_id,timestamp_utc", None),
            ("store_id,start_time_local,end_time_local,day", None),
        ] {
            let names: Vec<String> = header
                .split(',')
                .map(|n| normalise_header(n.as_bytes()))
                .collect();
            let layout = classify(&names).unwrap();
            assert_eq!(export_kind(&layout), kind, "{header}");
        }
    }

    #[test]
    fn generated_files_read_the_same_both_ways() {
        for (id_style, precision, nasty) in [
            (IdStyle::Uuid, Precision::Micros, true),
            (IdStyle::Integer, Precision::WholeMinutes, true),
            (IdStyle::Uuid, Precision::WholeMinutes, false),
        ] {
            let data = GeneratedData::generate(GenConfig {
                days: 2,
                id_style,
                precision,
                nasty,
                ..GenConfig::public_like(5, 40)
            });
            let [status, hours, zones] = data.files_in_memory();
            let files = [
                ("hours.csv", &hours[..]),
                ("status.csv", &status[..]),
                ("zones.csv", &zones[..]),
            ];
            assert_read_both_ways(&files, &[1, 7, 64, 4096, usize::MAX]);
        }
    }

    #[test]
    fn export_hours_rows_read_as_the_general_path_reads_them() {
        let uuid = "0f8b6a5c-1d2e-4f30-8a9b-0c1d2e3f4a5b";
        let lines = [
            format!("{uuid},0,09:00:00,17:00:00"),
            "42,6,00:00:00,24:00:00".to_string(),
            format!("{uuid},7,09:00:00,17:00:00"),
            format!("{uuid},1,24:00:00,24:00:00"),
            format!("{uuid},1,9:00:00,17:00:00"),
            format!("{uuid},1,09:00:00,17:00:00.5"),
            format!("{uuid},1,09:60:00,17:00:00"),
            format!("{uuid},1,09:00,17:00"),
            format!("{uuid}, 1,09:00:00,17:00:00"),
            format!("{uuid},1,09:00:00,17:00:00,extra"),
            format!("{uuid},1,09:00:00 ,17:00:00"),
            "store 1,2,09:00:00,17:00:00".to_string(),
            "\"43\",2,09:00:00,17:00:00".to_string(),
            String::new(),
            "44,3,09:00:00,17:\r00:00".to_string(),
            "store_id,dayOfWeek,start_time_local,end_time_local".to_string(),
            "45,4,12:00:00,11:00:00".to_string(),
            "46,5,09:00:00,17:00:00".to_string(),
        ];
        let header = "store_id,dayOfWeek,start_time_local,end_time_local";
        assert_lines_read_both_ways("hours.csv", header, &lines);
        let other = "store_id,start_time_local,end_time_local,day\n1,09:00:00,17:00:00,1\n";
        assert_read_both_ways(&[("h.csv", other.as_bytes())], &[1, usize::MAX]);
    }

    #[test]
    fn only_whole_hours_lines_of_the_exports_layout_are_taken() {
        let uuid = "0f8b6a5c-1d2e-4f30-8a9b-0c1d2e3f4a5b";
        let taken = [
            (
                format!("{uuid},0,09:00:00,17:30:00\n"),
                0,
                9 * 3600,
                17 * 3600 + 1800,
            ),
            (
                "42,6,00:00:00,24:00:00\r\nnext".to_string(),
                6,
                0,
                24 * 3600,
            ),
        ];
        for (text, day, start, end) in &taken {
            let (_, rule, len) = export_hours_line(text.as_bytes()).expect(text);
            assert_eq!(len, text.find('\n').unwrap() + 1);
            let seconds = (rule.day, rule.start / 1_000_000, rule.end / 1_000_000);
            assert_eq!(seconds, (*day, *start, *end), "{text:?}");
        }
        let left = [
            format!("{uuid},0,09:00:00,17:30:00"), // no line end yet
            format!("{uuid},0,09:00:00,17:30:00\r"),
            format!("{uuid},7,09:00:00,17:30:00\n"),
            format!("{uuid},0,24:00:00,24:00:00\n"),
            format!("{uuid},0,09:00:00,17:30:00,\n"),
            format!("{uuid},0,09:00:00,17:30\n"),
            format!("{uuid},0,9:00:00,17:30:00\n"),
            format!("{uuid},0,09:00:00,17:30:61\n"),
            "store-1,0,09:00:00,17:30:00\n".to_string(),
        ];
        for text in &left {
            assert!(export_hours_line(text.as_bytes()).is_none(), "{text:?}");
        }
    }

    fn line(text: &str) -> Option<(PackedId, bool, Micros, usize)> {
        export_status_line(text.as_bytes(), &mut LastDate::default())
            .map(|l| (l.id, l.active, l.t, l.len))
    }

    #[test]
    fn only_whole_lines_of_the_exports_layout_are_taken() {
        let uuid = "0f8b6a5c-1d2e-4f30-8a9b-0c1d2e3f4a5b";
        let taken = [
            format!("{uuid},active,2023-01-22 12:09:39.388884 UTC\n"),
            format!("{uuid},inactive,2023-01-22 12:09:39 UTC\r\n"),
            "42,active,2023-01-22 12:09:39.3\n".to_string(),
            "8419537941919820732,active,2023-01-22 12:09:39\nnext".to_string(),
        ];
        for text in &taken {
            let end = text.find('\n').unwrap() + 1;
            assert_eq!(line(text).map(|l| l.3), Some(end), "{text:?}");
        }
        let left = [
            format!("{uuid},active,2023-01-22 12:09:39 UTC"), // no line end yet
            format!("{uuid},active,2023-01-22 12:09:39 UTC\r"),
            format!("{uuid},Active,2023-01-22 12:09:39 UTC\n"),
            format!("{uuid}, active,2023-01-22 12:09:39 UTC\n"),
            format!("{uuid},active,2023-01-22 12:09:39 UTC,\n"),
            format!("{uuid},active,2023-01-22 12:09:39.1234567 UTC\n"),
            format!("{uuid},active,2023-01-22 12:09:39. UTC\n"),
            format!("{uuid},active,2023-02-30 12:09:39 UTC\n"),
            format!("{uuid},active,2023-01-22 12:09 UTC\n"),
            format!("{uuid},active,2023-01-22T12:09:39Z\n"),
            format!("{},active,2023-01-22 12:09:39 UTC\n", uuid.to_uppercase()),
            "042,active,2023-01-22 12:09:39\n".to_string(),
            "12345678901234567890,active,2023-01-22 12:09:39\n".to_string(),
            "store-1,active,2023-01-22 12:09:39\n".to_string(),
            ",active,2023-01-22 12:09:39\n".to_string(),
            "\n".to_string(),
        ];
        for text in &left {
            assert_eq!(line(text), None, "{text:?}");
        }
    }
}
