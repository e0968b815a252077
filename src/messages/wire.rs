//! The messages between the page and the worker, as they travel: serde enums sent as JSON
//! text, with files and the report's bytes beside the JSON in the same `postMessage`. The
//! JSON keeps the shape older pages read (a tab left open while the app updates talks to
//! the new worker), so the typed answers below are written as the fields they always were.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{FileFacts, InputKind, JobOptions, JobProgress, Outcome};
use crate::fleet_view::{CellStores, DetailView, FleetView, RegionHeat, SlotStores, TargetView};

/// The page's messages to the worker. Files travel beside the JSON, in the same
/// `postMessage` (see [`WORKER_FILES_FIELD`]), in the order of `names`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ToWorker {
    /// Read the header of the one attached file and say what kind it is.
    Inspect { token: u32, name: String },
    /// Run a report over the attached files, named `names` (same order); `tokens` are the
    /// files' `Inspect` tokens, so a file the worker began reading ahead is not read twice.
    Start {
        job: String,
        options: JobOptions,
        names: Vec<String>,
        #[serde(default)]
        tokens: Vec<u32>,
    },
    /// Stop the job as soon as possible (between slices, or between batches of stores).
    Cancel { job: String },
    /// Send the fleet view of a finished job: from memory, or by reading the attached
    /// files again (after a reload the worker holds nothing). Answered by `Fleet` or
    /// `FleetUnavailable`.
    Reopen {
        job: String,
        options: JobOptions,
        names: Vec<String>,
    },
    /// One store's week for the detail panel (the job's data must be loaded).
    Detail { job: String, store: String },
    /// The stores down in one hour-of-week cell (0 = Monday 00:00); with `region` (an index
    /// into the fleet view's regions) only that region's stores.
    CellStores {
        job: String,
        cell: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<u16>,
    },
    /// The heatmap of one region's stores (an index into the fleet view's regions):
    /// answered by `RegionHeat`.
    RegionHeat { job: String, region: u16 },
    /// The answers for an uptime target (hundredths of a percent): answered by `Target`.
    Target { job: String, target: u32 },
    /// The stores down in one 15-minute slot of the fleet timeline: answered by `SlotStores`.
    SlotStores { job: String, slot: u16 },
    /// A file to download, written by the engine: answered by `Download`.
    Download { job: String, file: DownloadFile },
    /// The report as one self-contained HTML file, for an uptime target (hundredths of a
    /// percent) with the fleet's times in `zone` (an IANA name; UTC if unknown): answered
    /// by `Download` of [`DownloadFile::ReportHtml`].
    ReportFile {
        job: String,
        target: u32,
        zone: String,
    },
}

/// The files the page downloads besides the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum DownloadFile {
    /// `store-uptime outages`'s file.
    Outages,
    /// `store-uptime calls --target`'s file (target in hundredths of a percent).
    Calls { target: u32 },
    /// `store-uptime html --target`'s file: the report as one HTML page.
    ReportHtml { target: u32 },
}

impl DownloadFile {
    /// The file's name for a report.
    pub fn file_name(self, job: &str) -> String {
        match self {
            DownloadFile::Outages => format!("store-outages-{job}.csv"),
            DownloadFile::Calls { .. } => format!("stores-to-call-{job}.csv"),
            DownloadFile::ReportHtml { .. } => format!("store-uptime-report-{job}.html"),
        }
    }

    /// The file's media type.
    pub fn mime(self) -> &'static str {
        match self {
            DownloadFile::Outages | DownloadFile::Calls { .. } => "text/csv;charset=utf-8",
            DownloadFile::ReportHtml { .. } => "text/html;charset=utf-8",
        }
    }
}

/// The worker's messages to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FromWorker {
    /// The worker's wasm is loaded; messages sent before this may have been lost.
    Ready,
    Inspected {
        token: u32,
        #[serde(flatten)]
        inspection: Inspection,
    },
    Progress {
        job: String,
        progress: JobProgress,
    },
    Complete {
        job: String,
        outcome: Box<Outcome>,
    },
    Failed {
        job: String,
        reason: String,
        files: Vec<FileFacts>,
    },
    Cancelled {
        job: String,
    },
    /// The fleet view of a finished job (sent after `Complete`, or to answer `Reopen`).
    Fleet {
        job: String,
        fleet: Box<FleetView>,
    },
    /// The worker cannot show this job's fleet (no files kept, or they no longer read).
    FleetUnavailable {
        job: String,
        reason: String,
    },
    Detail {
        job: String,
        store: String,
        #[serde(flatten)]
        answer: DetailAnswer,
    },
    CellStores {
        job: String,
        stores: CellStores,
    },
    Target {
        job: String,
        answers: Box<TargetView>,
    },
    RegionHeat {
        job: String,
        heat: RegionHeat,
    },
    SlotStores {
        job: String,
        stores: SlotStores,
    },
    /// A file's text, or why it could not be written.
    Download {
        job: String,
        file: DownloadFile,
        text: Result<String, String>,
    },
}

/// The JS property of a worker message that holds the JSON text.
pub const WORKER_JSON_FIELD: &str = "json";
/// The JS property of a worker message that holds the attached `File`s / `Blob`s.
pub const WORKER_FILES_FIELD: &str = "files";
/// The JS property of the worker's `Complete` message that holds the report CSV as UTF-8
/// bytes in a transferred `ArrayBuffer` (its `outcome.csv` in the JSON is then empty): a
/// large CSV inside the JSON made the page's main thread stall while it decoded and parsed it
/// (docs/perf-log.md).
pub const WORKER_CSV_FIELD: &str = "csv";

/// What the header of an inspected file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    Recognised(InputKind),
    /// The engine's reason to refuse the file.
    Rejected(String),
    /// The first row is longer than the worker reads to decide; the report will tell.
    Undecided,
    /// A zip archive: the entries that will be read, or named as left out, in its
    /// directory's order (folders, `__MACOSX/` and dot-files are not listed).
    Archive(Vec<EntryInspection>),
}

/// One entry of an inspected zip archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryInspection {
    /// As every message names it: `archive.zip › folder/file.csv`.
    pub name: String,
    #[serde(flatten)]
    pub inspection: EntryKind,
}

/// What an archive's entry holds, as far as its first bytes tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Kind(InputKind),
    /// Why it is left out (the engine's words, as the command line says them).
    Error(String),
    /// Its first row is longer than the worker reads to decide; the report will tell.
    Undecided,
}

/// `Inspected`'s fields on the wire: `kind` and `error`, either or neither, or `entries`.
#[derive(Serialize, Deserialize)]
struct InspectionFields<K, E> {
    kind: Option<K>,
    error: Option<E>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entries: Option<Vec<EntryInspection>>,
}

impl Serialize for Inspection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (kind, error, entries) = match self {
            Inspection::Recognised(kind) => (Some(*kind), None, None),
            Inspection::Rejected(reason) => (None, Some(reason.as_str()), None),
            Inspection::Undecided => (None, None, None),
            Inspection::Archive(entries) => (None, None, Some(entries.clone())),
        };
        InspectionFields {
            kind,
            error,
            entries,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Inspection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = InspectionFields::<InputKind, String>::deserialize(deserializer)?;
        // A reason wins over a kind, as the page always read it.
        Ok(match (fields.kind, fields.error, fields.entries) {
            (_, Some(reason), _) => Inspection::Rejected(reason),
            (Some(kind), None, _) => Inspection::Recognised(kind),
            (None, None, Some(entries)) => Inspection::Archive(entries),
            (None, None, None) => Inspection::Undecided,
        })
    }
}

/// The worker's answer to `Detail`.
#[derive(Debug, Clone, PartialEq)]
pub enum DetailAnswer {
    Found(Box<DetailView>),
    /// The job is loaded but has no such store; why, in words.
    Missing(String),
    /// The job's data is not in memory (the worker was restarted): load it again first.
    NotLoaded,
}

/// `Detail`'s fields on the wire.
#[derive(Serialize, Deserialize)]
struct DetailFields<V, E> {
    detail: Option<V>,
    error: Option<E>,
    loaded: bool,
}

/// Older pages ignore the reason when `loaded` is false, but always got one.
const NOT_LOADED: &str = "this report is not loaded";

impl Serialize for DetailAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = match self {
            DetailAnswer::Found(view) => DetailFields {
                detail: Some(&**view),
                error: None,
                loaded: true,
            },
            DetailAnswer::Missing(reason) => DetailFields {
                detail: None,
                error: Some(reason.as_str()),
                loaded: true,
            },
            DetailAnswer::NotLoaded => DetailFields {
                detail: None,
                error: Some(NOT_LOADED),
                loaded: false,
            },
        };
        fields.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DetailAnswer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = DetailFields::<Box<DetailView>, String>::deserialize(deserializer)?;
        Ok(match (fields.loaded, fields.detail) {
            (false, _) => DetailAnswer::NotLoaded,
            (true, Some(view)) => DetailAnswer::Found(view),
            (true, None) => {
                DetailAnswer::Missing(fields.error.unwrap_or_else(|| "no detail".to_string()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_round_trip_as_json() {
        let messages = [
            FromWorker::Ready,
            FromWorker::Inspected {
                token: 3,
                inspection: Inspection::Recognised(InputKind::Hours),
            },
            FromWorker::Inspected {
                token: 4,
                inspection: Inspection::Rejected("no".into()),
            },
            FromWorker::Inspected {
                token: 5,
                inspection: Inspection::Undecided,
            },
            FromWorker::Progress {
                job: "ab".into(),
                progress: JobProgress::Reading {
                    file: "s.csv".into(),
                    bytes: 5,
                    total: 9,
                },
            },
            FromWorker::Progress {
                job: "ab".into(),
                progress: JobProgress::Writing { lines: 2, of: 3 },
            },
            FromWorker::Progress {
                job: "ab".into(),
                progress: JobProgress::Grouping { polls: 2, of: 4 },
            },
            FromWorker::Cancelled { job: "ab".into() },
            FromWorker::Detail {
                job: "ab".into(),
                store: "s".into(),
                answer: DetailAnswer::Missing("store s is not in this report".into()),
            },
            FromWorker::Detail {
                job: "ab".into(),
                store: "s".into(),
                answer: DetailAnswer::NotLoaded,
            },
        ];
        for m in messages {
            let text = serde_json::to_string(&m).unwrap();
            // The benchmark reads the type from the first bytes of the text.
            assert!(text.starts_with("{\"type\":"), "{text}");
            assert_eq!(serde_json::from_str::<FromWorker>(&text).unwrap(), m);
        }
        let start = ToWorker::Start {
            job: "x".into(),
            options: JobOptions::default(),
            names: vec!["a.csv".into()],
            tokens: vec![7],
        };
        let text = serde_json::to_string(&start).unwrap();
        assert_eq!(serde_json::from_str::<ToWorker>(&text).unwrap(), start);
        // A page from before `tokens` (its tab still open while the app updated) still
        // starts jobs: the files are then simply read from the start.
        let mut older: serde_json::Value = serde_json::to_value(&start).unwrap();
        older.as_object_mut().unwrap().remove("tokens");
        match serde_json::from_value::<ToWorker>(older) {
            Ok(ToWorker::Start { tokens, .. }) => assert!(tokens.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    /// The typed answers travel as the option fields older pages read.
    #[test]
    fn typed_answers_keep_their_wire_fields() {
        let json_of = |m: &FromWorker| serde_json::to_value(m).unwrap();
        let inspected = |inspection| FromWorker::Inspected {
            token: 3,
            inspection,
        };
        assert_eq!(
            json_of(&inspected(Inspection::Recognised(InputKind::Hours))),
            json!({"type": "Inspected", "token": 3, "kind": "Hours", "error": null})
        );
        assert_eq!(
            json_of(&inspected(Inspection::Rejected("bad".into()))),
            json!({"type": "Inspected", "token": 3, "kind": null, "error": "bad"})
        );
        assert_eq!(
            json_of(&inspected(Inspection::Undecided)),
            json!({"type": "Inspected", "token": 3, "kind": null, "error": null})
        );
        let detail = |answer| FromWorker::Detail {
            job: "j".into(),
            store: "s".into(),
            answer,
        };
        assert_eq!(
            json_of(&detail(DetailAnswer::NotLoaded)),
            json!({"type": "Detail", "job": "j", "store": "s", "detail": null,
                   "error": "this report is not loaded", "loaded": false})
        );
        assert_eq!(
            json_of(&detail(DetailAnswer::Missing("gone".into()))),
            json!({"type": "Detail", "job": "j", "store": "s", "detail": null,
                   "error": "gone", "loaded": true})
        );
        // An old worker's reply without a reason still reads.
        let old = json!({"type": "Detail", "job": "j", "store": "s", "detail": null,
                         "error": null, "loaded": true});
        assert_eq!(
            serde_json::from_value::<FromWorker>(old).unwrap(),
            detail(DetailAnswer::Missing("no detail".into()))
        );
    }
}
