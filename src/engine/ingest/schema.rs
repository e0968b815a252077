//! The input schema (SPEC §1; docs/semantics.md, "Reading the files"): the file kinds,
//! the columns each needs, and telling a file's kind from its header, never its name. It
//! depends on nothing else in the engine, so the error messages can name a kind without
//! depending on the reader.

/// The input layouts: the three of SPEC §1, and the optional store names
/// (docs/semantics.md, "Store names").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Status,
    Hours,
    Timezones,
    Names,
}

impl FileKind {
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Status => "status polls",
            FileKind::Hours => "business hours",
            FileKind::Timezones => "timezones",
            FileKind::Names => "store names",
        }
    }
}

/// Column positions for one file, found from its header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub(super) kind: FileKind,
    pub(super) store: usize,
    /// status / dayOfWeek / timezone_str
    pub(super) a: usize,
    /// timestamp_utc / start_time_local
    pub(super) b: usize,
    /// end_time_local
    pub(super) c: usize,
    /// A store names file's optional `region` column.
    pub(super) region: Option<usize>,
    pub(super) min_fields: usize,
}

/// Header names compare case-insensitively with everything but letters and digits removed.
pub(super) fn normalise_header(name: &[u8]) -> String {
    name.iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect()
}

/// Whether `text` is the header name `want` (normalised), a byte-order mark before it allowed.
pub(super) fn is_header_name(text: &str, want: &str) -> bool {
    let text = text.trim_start_matches('\u{FEFF}');
    text.len() < 4 * want.len()
        && text
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase())
            .eq(want.bytes())
}

/// The columns each layout needs, as normalised names; `dayofweek` has the alias `day`. A
/// header that has the columns of several layouts is read as the first of them.
const LAYOUTS: [(FileKind, &[(&str, &str)]); 4] = [
    (
        FileKind::Status,
        &[
            ("storeid", "store_id"),
            ("status", "status"),
            ("timestamputc", "timestamp_utc"),
        ],
    ),
    (
        FileKind::Hours,
        &[
            ("storeid", "store_id"),
            ("dayofweek", "dayOfWeek"),
            ("starttimelocal", "start_time_local"),
            ("endtimelocal", "end_time_local"),
        ],
    ),
    (
        FileKind::Timezones,
        &[("storeid", "store_id"), ("timezonestr", "timezone_str")],
    ),
    (
        FileKind::Names,
        &[("storeid", "store_id"), ("name", "name")],
    ),
];

/// The layout of a header of normalised names; failing that, the layout it comes closest
/// to with the columns it lacks (`None` when nothing is close), for the error message.
#[allow(clippy::type_complexity)]
pub(super) fn classify(header: &[String]) -> Result<Layout, Option<(FileKind, Vec<&'static str>)>> {
    let find = |want: &str| {
        header.iter().position(|h| h == want).or_else(|| {
            // SPEC §1: `day` is an alias of `dayOfWeek`.
            (want == "dayofweek")
                .then(|| header.iter().position(|h| h == "day"))
                .flatten()
        })
    };
    let mut closest: Option<(FileKind, Vec<&'static str>, usize)> = None;
    for (kind, columns) in LAYOUTS {
        let found: Vec<Option<usize>> = columns.iter().map(|(n, _)| find(n)).collect();
        let missing: Vec<&'static str> = columns
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|((_, display), _)| *display)
            .collect();
        if missing.is_empty() {
            let idx: Vec<usize> = found.into_iter().flatten().collect();
            let get = |i: usize| idx.get(i).copied().unwrap_or(0);
            return Ok(Layout {
                kind,
                store: get(0),
                a: get(1),
                b: get(2),
                c: get(3),
                // Optional: a row that stops before it has no region.
                region: (kind == FileKind::Names)
                    .then(|| header.iter().position(|h| h == "region"))
                    .flatten(),
                min_fields: idx.iter().max().map_or(0, |m| m + 1),
            });
        }
        // "Closest" needs more than a shared store_id to mean anything.
        let matched = columns.len() - missing.len();
        if matched >= 2 && closest.as_ref().is_none_or(|c| matched > c.2) {
            closest = Some((kind, missing, matched));
        }
    }
    Err(closest.map(|(k, m, _)| (k, m)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::dataset_from_bytes;
    use crate::engine::ingest::testing::STATUS;

    #[test]
    fn spec_1_header_names_are_normalised() {
        assert_eq!(normalise_header(b"Day_Of-Week "), "dayofweek");
        assert_eq!(normalise_header(b"\"timestamp_utc\""), "timestamputc");
        for header in [
            "store_id,day,start_time_local,end_time_local",
            "STORE ID,DayOfWeek,Start Time Local,end_time_local,extra",
            "end_time_local,start_time_local,dayOfWeek,storeId",
        ] {
            let names: Vec<String> = header
                .split(',')
                .map(|h| normalise_header(h.as_bytes()))
                .collect();
            assert_eq!(classify(&names).unwrap().kind, FileKind::Hours, "{header}");
        }
    }

    #[test]
    fn spec_1_files_are_recognised_by_header_not_name() {
        let data = dataset_from_bytes(&[
            ("hours.csv", STATUS.as_bytes()),
            ("x", b"timezone_str,store_id\nAsia/Beirut,1\n"),
        ])
        .unwrap();
        assert_eq!(data.files[0].kind, Some(FileKind::Status));
        assert_eq!(data.files[1].kind, Some(FileKind::Timezones));
        assert_eq!(
            data.zone(data.find_store("1").unwrap()),
            Some(chrono_tz::Asia::Beirut)
        );
    }

    #[test]
    fn a_names_file_is_the_last_layout_tried() {
        let kind = |header: &str| {
            let names: Vec<String> = header
                .split(',')
                .map(|h| normalise_header(h.as_bytes()))
                .collect();
            classify(&names).map(|l| (l.kind, l.region))
        };
        assert_eq!(kind("store_id,name").unwrap(), (FileKind::Names, None));
        assert_eq!(
            kind("Region,Store ID,Name").unwrap(),
            (FileKind::Names, Some(0))
        );
        // A header with the columns of several layouts is read as the first of them.
        assert_eq!(
            kind("store_id,name,timezone_str").unwrap().0,
            FileKind::Timezones
        );
        assert_eq!(
            kind("store_id,name,status,timestamp_utc").unwrap().0,
            FileKind::Status
        );
        assert!(kind("store_id,region").is_err());
    }

    #[test]
    fn unknown_header_names_the_closest_layout_and_missing_columns() {
        let err = dataset_from_bytes(&[("polls.csv", b"store_id,status,time\n1,active,x\n")])
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "polls.csv: the header `store_id,status,time` matches no input layout"
            ),
            "{text}"
        );
        assert!(
            text.contains("looks like status polls but lacks timestamp_utc"),
            "{text}"
        );
        assert!(
            text.contains("timezones (store_id, timezone_str)"),
            "{text}"
        );
    }
}
