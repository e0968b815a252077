//! The page (Leptos, client-side only): files in, reports as jobs in the web worker, the
//! report and its data quality, and the history kept in IndexedDB (SPEC §8).
//!
//! The page never parses a CSV and never computes a number: the worker runs the engine and
//! sends back the engine's words. Nothing here sends user data anywhere.

pub mod answers;
pub mod browser;
pub mod fleet;
pub mod history;
pub mod history_store;
pub mod job;
pub mod report_view;
pub mod share;
pub mod storage;
pub mod text;
pub mod upload;
pub mod worker_link;
pub mod zone;

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Blob;

use store_uptime::messages::{
    parse_now, EntryInspection, EntryKind, FileFacts, FromWorker, InputKind, Inspection,
    JobOptions, JobProgress, ReportRecord, ReportStatus, ToWorker,
};

/// How long a job may take to answer "cancel" before its worker is ended (ms). The worker
/// can only read the flag between slices; `analyse` runs in one piece.
const CANCEL_GRACE_MS: u32 = 800;

/// A worker that says nothing for this long while it owes an answer (a job, a header) is
/// taken for dead (ms): `close()` or a killed thread fires no event on the page. A live job
/// posts progress every 100 ms; its longest silent stretch (merging 5 M polls of one
/// store) is a few seconds.
const WATCHDOG_MS: f64 = 20_000.0;

/// What the page knows about one added file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// The worker is reading its header.
    Checking,
    Recognised(InputKind),
    /// The header did not fit in the first megabyte; the engine decides when it is read.
    Undecided,
    /// Not one of the three layouts; the engine's reason.
    Rejected(String),
    /// A zip archive: its entries with their kinds, or why each is left out.
    Archive(Vec<EntryInspection>),
}

impl FileState {
    /// The kinds of input it holds, as far as its headers tell.
    pub fn kinds(&self) -> Vec<InputKind> {
        match self {
            FileState::Recognised(kind) => vec![*kind],
            FileState::Archive(entries) => entries
                .iter()
                .filter_map(|e| match e.inspection {
                    EntryKind::Kind(kind) => Some(kind),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether it holds, or may hold, the status polls (a header not yet decided).
    pub fn may_hold_status(&self) -> bool {
        match self {
            FileState::Recognised(kind) => *kind == InputKind::Status,
            FileState::Undecided => true,
            FileState::Archive(entries) => entries.iter().any(|e| {
                matches!(
                    e.inspection,
                    EntryKind::Kind(InputKind::Status) | EntryKind::Undecided
                )
            }),
            _ => false,
        }
    }
}

/// One file in the list (SPEC §1: any order, several of one kind merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub token: u32,
    pub name: String,
    pub bytes: u64,
    pub state: FileState,
    /// Rows, stores and time range, once a report has read it.
    pub read: Option<FileFacts>,
    /// A zip archive's entries as the last report read them.
    pub entry_reads: Vec<FileFacts>,
}

impl InputFile {
    /// Whether it goes into the next report.
    pub fn usable(&self) -> bool {
        match &self.state {
            FileState::Recognised(_) | FileState::Undecided => true,
            FileState::Archive(entries) => entries
                .iter()
                .any(|e| !matches!(e.inspection, EntryKind::Error(_))),
            _ => false,
        }
    }
}

/// A report's files and their `Blob`s, in the order the worker got them.
type JobInputs = (Vec<InputFile>, Vec<Blob>);

/// The page's state, shared by context. Every field is a handle, so `State` is `Copy`.
#[derive(Clone, Copy)]
pub struct State {
    pub files: RwSignal<Vec<InputFile>>,
    /// The `Blob`s behind `files`, by token (not `Send`, so kept apart).
    blobs: StoredValue<Vec<(u32, Blob)>, LocalStorage>,
    next_token: StoredValue<u32>,
    pub options: RwSignal<JobOptions>,
    /// Newest first.
    pub history: RwSignal<Vec<ReportRecord>>,
    pub selected: RwSignal<Option<String>>,
    /// The running job: its id and the tokens of its files.
    pub running: RwSignal<Option<(String, Vec<u32>)>>,
    pub progress: RwSignal<Option<JobProgress>>,
    /// CSVs of this session, so a download works even if storage failed.
    csv_cache: StoredValue<HashMap<String, String>>,
    /// Each report's files of this session, so Retry re-runs them (`Blob`s are not `Send`).
    job_inputs: StoredValue<HashMap<String, JobInputs>, LocalStorage>,
    /// Reports of this tab whose last save failed: kept when another tab's change reloads
    /// the list.
    unsaved: StoredValue<HashSet<String>>,
    /// When the worker last posted anything (ms since the epoch), for the watchdog.
    last_heard: StoredValue<f64>,
    /// Counts history reloads, so a slow one never overwrites a newer one's list.
    refreshes: StoredValue<u64>,
    /// A problem outside any report (storage, worker), shown in one line.
    pub notice: RwSignal<Option<String>>,
    pub worker_ready: RwSignal<bool>,
    /// Files are being dragged over the page.
    pub dragging: RwSignal<bool>,
    pub history_loaded: RwSignal<bool>,
    /// The fleet view's state (charts, table, the open store).
    pub fleet: fleet::FleetState,
    /// The first screen's state (target, timeline, lists, comparison).
    pub answers: answers::AnswersState,
}

impl State {
    fn new() -> State {
        State {
            files: RwSignal::new(Vec::new()),
            blobs: StoredValue::new_local(Vec::new()),
            next_token: StoredValue::new(1),
            options: RwSignal::new(JobOptions::default()),
            history: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            running: RwSignal::new(None),
            progress: RwSignal::new(None),
            csv_cache: StoredValue::new(HashMap::new()),
            job_inputs: StoredValue::new_local(HashMap::new()),
            unsaved: StoredValue::new(HashSet::new()),
            last_heard: StoredValue::new(js_sys::Date::now()),
            refreshes: StoredValue::new(0),
            notice: RwSignal::new(None),
            worker_ready: RwSignal::new(false),
            dragging: RwSignal::new(false),
            history_loaded: RwSignal::new(false),
            fleet: fleet::FleetState::new(),
            answers: answers::AnswersState::new(),
        }
    }

    /// Adds files (from the picker, a drop, or the sample) and asks the worker their kinds.
    pub fn add_files(&self, files: Vec<(String, Blob)>) {
        // New files: the owner is preparing a report, so the inputs unfold.
        self.answers.inputs_open.set(true);
        for (name, blob) in files {
            let token = self.next_token.get_value();
            self.next_token.set_value(token + 1);
            let bytes = blob.size() as u64;
            self.blobs.update_value(|b| b.push((token, blob.clone())));
            self.files.update(|f| {
                f.push(InputFile {
                    token,
                    name: name.clone(),
                    bytes,
                    state: FileState::Checking,
                    read: None,
                    entry_reads: Vec::new(),
                })
            });
            worker_link::send(&ToWorker::Inspect { token, name }, &[blob]);
        }
    }

    pub fn remove_file(&self, token: u32) {
        self.files.update(|f| f.retain(|x| x.token != token));
        self.blobs.update_value(|b| b.retain(|(t, _)| *t != token));
    }

    pub fn clear_files(&self) {
        self.files.set(Vec::new());
        self.blobs.set_value(Vec::new());
    }

    /// Starts a report over the usable files: a new id at once, the job in the worker.
    pub fn generate(&self) {
        if self.running.get_untracked().is_some() {
            return;
        }
        let options = self.options.get_untracked();
        if let Some(now) = options.now.as_deref().filter(|n| !n.trim().is_empty()) {
            if let Err(reason) = parse_now(now) {
                self.notice.set(Some(reason));
                return;
            }
        }
        let files: Vec<InputFile> = self
            .files
            .get_untracked()
            .into_iter()
            .filter(InputFile::usable)
            .collect();
        if files.is_empty() {
            self.notice.set(Some(
                "Add your CSV files first (or try the sample data).".to_string(),
            ));
            return;
        }
        let blobs = self.blobs.with_value(|all| {
            files
                .iter()
                .filter_map(|f| {
                    all.iter()
                        .find(|(t, _)| *t == f.token)
                        .map(|(_, b)| b.clone())
                })
                .collect::<Vec<Blob>>()
        });
        self.start_job(files, blobs, options);
    }

    /// Whether `retry` can re-run a report: its files are still in this tab.
    pub fn can_retry(&self, id: &str) -> bool {
        self.job_inputs.with_value(|j| j.contains_key(id))
    }

    /// Runs a report's files and options again, as a new report.
    pub fn retry(&self, id: &str) {
        if self.running.get_untracked().is_some() {
            return;
        }
        let Some((files, blobs)) = self.job_inputs.with_value(|j| j.get(id).cloned()) else {
            return;
        };
        let Some(options) = self
            .history
            .with_untracked(|h| h.iter().find(|r| r.id == id).map(|r| r.options.clone()))
        else {
            return;
        };
        self.start_job(files, blobs, options);
    }

    fn start_job(&self, files: Vec<InputFile>, blobs: Vec<Blob>, options: JobOptions) {
        self.notice.set(None);
        let id = browser::new_report_id();
        let record = ReportRecord {
            id: id.clone(),
            created_ms: browser::now_ms(),
            inputs: files
                .iter()
                .map(|f| FileFacts {
                    name: f.name.clone(),
                    kind: match &f.state {
                        FileState::Recognised(kind) => Some(*kind),
                        _ => None,
                    },
                    bytes: f.bytes,
                    rows: 0,
                    valid_rows: 0,
                    stores: 0,
                    first_poll: None,
                    last_poll: None,
                    error: None,
                })
                .collect(),
            options: options.clone(),
            status: ReportStatus::Running,
            reason: None,
            summary: None,
            quality: None,
        };
        self.history.update(|h| h.insert(0, record.clone()));
        self.selected.set(Some(id.clone()));
        self.progress.set(None);
        self.running
            .set(Some((id.clone(), files.iter().map(|f| f.token).collect())));
        let names = files.iter().map(|f| f.name.clone()).collect();
        self.job_inputs.update_value(|j| {
            j.insert(id.clone(), (files.clone(), blobs.clone()));
        });
        self.last_heard.set_value(js_sys::Date::now());
        browser::hold_job_lock(&id);
        worker_link::send(
            &ToWorker::Start {
                job: id,
                options,
                names,
                tokens: files.iter().map(|f| f.token).collect(),
            },
            &blobs,
        );
        browser::ask_persistent_storage();
        self.save(record);
    }

    /// Asks the worker to stop; ends it if it does not answer soon.
    pub fn cancel(&self) {
        let Some((id, _)) = self.running.get_untracked() else {
            return;
        };
        worker_link::send(&ToWorker::Cancel { job: id.clone() }, &[]);
        let state = *self;
        set_timeout(
            move || {
                if state
                    .running
                    .get_untracked()
                    .is_some_and(|(running, _)| running == id)
                {
                    worker_link::restart();
                    state.worker_ready.set(false);
                    state.finish(&id, ReportStatus::Cancelled, None);
                }
            },
            std::time::Duration::from_millis(CANCEL_GRACE_MS.into()),
        );
    }

    fn on_worker(&self, message: FromWorker) {
        let is_running = |job: &str| {
            self.running
                .get_untracked()
                .is_some_and(|(id, _)| id == job)
        };
        self.last_heard.set_value(js_sys::Date::now());
        match message {
            FromWorker::Ready => {
                self.worker_ready.set(true);
                // A restarted worker never saw the headers the old one was still reading.
                let checking: Vec<(u32, String)> = self.files.with_untracked(|files| {
                    files
                        .iter()
                        .filter(|f| f.state == FileState::Checking)
                        .map(|f| (f.token, f.name.clone()))
                        .collect()
                });
                for (token, name) in checking {
                    if let Some(blob) = self.blob(token) {
                        worker_link::send(&ToWorker::Inspect { token, name }, &[blob]);
                    }
                }
            }
            FromWorker::Inspected { token, inspection } => self.files.update(|files| {
                if let Some(f) = files.iter_mut().find(|f| f.token == token) {
                    f.state = match inspection {
                        Inspection::Rejected(reason) => FileState::Rejected(reason),
                        Inspection::Recognised(kind) => FileState::Recognised(kind),
                        Inspection::Undecided => FileState::Undecided,
                        Inspection::Archive(entries) => FileState::Archive(entries),
                    };
                }
            }),
            FromWorker::Progress { job, progress } => {
                if is_running(&job) {
                    self.progress.set(Some(progress));
                }
            }
            FromWorker::Complete { job, outcome } => {
                if !is_running(&job) {
                    return;
                }
                let tokens = self
                    .running
                    .get_untracked()
                    .map(|(_, t)| t)
                    .unwrap_or_default();
                self.files.update(|files| {
                    // A zip archive's entries come as files of their own, named
                    // `archive.zip › path` (or the archive alone, when it was not opened).
                    let mut facts = outcome.files.iter().peekable();
                    for token in &tokens {
                        let Some(f) = files.iter_mut().find(|f| f.token == *token) else {
                            continue;
                        };
                        if matches!(f.state, FileState::Archive(_)) {
                            let prefix = format!("{} › ", f.name);
                            f.entry_reads.clear();
                            while let Some(read) =
                                facts.next_if(|r| r.name == f.name || r.name.starts_with(&prefix))
                            {
                                f.entry_reads.push(read.clone());
                            }
                        } else if let Some(read) = facts.next() {
                            f.read = Some(read.clone());
                        }
                    }
                });
                fleet::job_complete(self, &job, &tokens);
                // Results first: the headline takes focus once drawn, the inputs fold.
                let answers = self.answers;
                answers.focus_pending.set(Some(job.clone()));
                answers.inputs_open.set(false);
                let outcome = *outcome;
                self.csv_cache.update_value(|c| {
                    c.insert(job.clone(), outcome.csv.clone());
                });
                self.running.set(None);
                self.progress.set(None);
                if let Some(record) = self.update_record(&job, |r| {
                    r.status = ReportStatus::Complete;
                    r.inputs = outcome.files.clone();
                    r.summary = Some(outcome.summary.clone());
                    r.quality = Some(outcome.quality.clone());
                }) {
                    let state = *self;
                    spawn_local(async move {
                        let saved = history_store::put_complete(&record, &outcome.csv).await;
                        state.note_saved(&record.id, saved.is_ok());
                        if let Err(e) = saved {
                            // The CSV stays in `csv_cache`: this session can still download it.
                            state.notice.set(Some(format!(
                                "The report could not be saved in this browser ({e}); you can still download it now."
                            )));
                        }
                    });
                }
            }
            FromWorker::Failed { job, reason, files } => {
                if is_running(&job) {
                    if !files.is_empty() {
                        self.update_record(&job, |r| r.inputs = files);
                    }
                    self.finish(&job, ReportStatus::Failed, Some(reason));
                }
            }
            FromWorker::Cancelled { job } => {
                if is_running(&job) {
                    self.finish(&job, ReportStatus::Cancelled, None);
                }
            }
            fleet_message @ (FromWorker::Fleet { .. }
            | FromWorker::FleetUnavailable { .. }
            | FromWorker::Detail { .. }
            | FromWorker::CellStores { .. }
            | FromWorker::RegionHeat { .. }) => fleet::on_worker(self.fleet, fleet_message),
            answer @ (FromWorker::Target { .. }
            | FromWorker::SlotStores { .. }
            | FromWorker::Download { .. }) => answers::on_worker(self.answers, answer),
        }
    }

    /// Ends the running job without a report.
    fn finish(&self, job: &str, status: ReportStatus, reason: Option<String>) {
        self.running.set(None);
        self.progress.set(None);
        if let Some(record) = self.update_record(job, |r| {
            r.status = status;
            r.reason = reason;
        }) {
            self.save(record);
        }
    }

    fn on_worker_crash(&self, text: String) {
        let was_ready = self.worker_ready.get_untracked();
        self.worker_ready.set(false);
        // A wasm trap is what running out of memory looks like from here (Rust aborts; the
        // page only hears `RuntimeError: unreachable`), so say so.
        let text = if text.contains("RuntimeError") {
            format!("{text} (it most likely ran out of memory; try fewer or smaller files)")
        } else {
            text
        };
        if let Some((job, _)) = self.running.get_untracked() {
            self.finish(
                &job,
                ReportStatus::Failed,
                Some(format!(
                    "the report worker stopped: {text}; generate the report again"
                )),
            );
        } else {
            self.notice
                .set(Some(format!("The report worker stopped: {text}. Reload the page if a new report does not start.")));
        }
        // A worker that never loaded would fail again: restart only one that had worked.
        if was_ready {
            worker_link::restart();
        }
    }

    /// Ends a worker that owes an answer and has said nothing for `WATCHDOG_MS`, as if it
    /// had crashed (the running report fails with Retry; a new worker re-reads headers).
    fn watchdog(&self) {
        let now = js_sys::Date::now();
        let owes_answer = self.running.with_untracked(Option::is_some)
            || self
                .files
                .with_untracked(|f| f.iter().any(|f| f.state == FileState::Checking));
        // Only a worker that has loaded is watched; one still loading reports its own errors.
        if !owes_answer || !self.worker_ready.get_untracked() {
            self.last_heard.set_value(now);
            return;
        }
        let silent = now - self.last_heard.get_value();
        if silent > WATCHDOG_MS {
            self.last_heard.set_value(now);
            self.on_worker_crash(format!(
                "it stopped answering ({} s without a message)",
                (silent / 1000.0).round()
            ));
        }
    }

    /// Records the outcome of a save. A finished report's Web Lock is released only now:
    /// until the store says it ended, another tab must not take it for interrupted.
    fn note_saved(&self, id: &str, saved: bool) {
        if self
            .running
            .with_untracked(|r| r.as_ref().is_none_or(|(running, _)| running != id))
        {
            browser::release_job_lock(id);
        }
        self.unsaved.update_value(|u| {
            if saved {
                u.remove(id);
            } else {
                u.insert(id.to_string());
            }
        });
    }

    fn blob(&self, token: u32) -> Option<Blob> {
        self.blobs
            .with_value(|b| b.iter().find(|(t, _)| *t == token).map(|(_, b)| b.clone()))
    }

    fn update_record(
        &self,
        id: &str,
        change: impl FnOnce(&mut ReportRecord),
    ) -> Option<ReportRecord> {
        let mut out = None;
        self.history.update(|h| {
            if let Some(r) = h.iter_mut().find(|r| r.id == id) {
                change(r);
                out = Some(r.clone());
            }
        });
        out
    }

    fn save(&self, record: ReportRecord) {
        let state = *self;
        spawn_local(async move {
            let saved = history_store::put_report(&record).await;
            state.note_saved(&record.id, saved.is_ok());
            if let Err(e) = saved {
                state.notice.set(Some(format!(
                    "The report history could not be saved in this browser ({e}): download the CSV now to keep it, or free some storage."
                )));
            }
        });
    }

    /// Saves a finished report's CSV as `store-uptime-<id>.csv`.
    pub fn download(&self, id: String) {
        let Some(record) = self
            .history
            .get_untracked()
            .into_iter()
            .find(|r| r.id == id)
        else {
            return;
        };
        let cached = self.csv_cache.with_value(|c| c.get(&id).cloned());
        let state = *self;
        spawn_local(async move {
            let csv = match cached {
                Some(csv) => Ok(Some(csv)),
                None => history_store::csv(&id).await,
            };
            let result = match csv {
                Ok(Some(csv)) => browser::save_text(&text::csv_name(&record), &csv, "text/csv"),
                Ok(None) => {
                    Err("this report's CSV is no longer stored in this browser".to_string())
                }
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                state.notice.set(Some(format!(
                    "The download failed ({e}): try Download again, or generate the report again."
                )));
            }
        });
    }

    pub fn delete_report(&self, id: String) {
        if self.running.get_untracked().is_some_and(|(r, _)| r == id) {
            return;
        }
        // The row goes once the browser has deleted what it keeps, so a reload right after
        // never brings it back (the browser test reloads as soon as the row is gone).
        let state = *self;
        spawn_local(async move {
            if let Err(e) = history_store::delete(&id).await {
                state.notice.set(Some(format!(
                    "The report could not be deleted ({e}): reload the page and try again."
                )));
                return;
            }
            state.history.update(|h| h.retain(|r| r.id != id));
            state.csv_cache.update_value(|c| {
                c.remove(&id);
            });
            if state.selected.get_untracked().as_deref() == Some(&id) {
                state.selected.set(None);
            }
        });
    }

    pub fn clear_history(&self) {
        let running = self.running.get_untracked().map(|(id, _)| id);
        fleet::inputs_store::forget_legacy();
        let state = *self;
        let keep: Vec<_> = self
            .history
            .get_untracked()
            .into_iter()
            .filter(|r| Some(&r.id) == running.as_ref())
            .collect();
        // As for one report: the list empties once the browser has cleared what it keeps.
        spawn_local(async move {
            let result = history_store::clear().await;
            for record in &keep {
                let _ = history_store::put_report(record).await;
            }
            if let Err(e) = result {
                state.notice.set(Some(format!(
                    "The history could not be cleared ({e}): reload the page and try again."
                )));
                return;
            }
            let running = state.running.get_untracked().map(|(id, _)| id);
            state
                .history
                .update(|h| h.retain(|r| Some(&r.id) == running.as_ref()));
            state.csv_cache.update_value(|c| c.clear());
            state.selected.set(running);
        });
    }

    /// Loads the history; a report that was running when the page closed is interrupted.
    async fn load_history(self) {
        match history_store::all_reports().await {
            Ok(mut records) => {
                sort_newest_first(&mut records);
                let running = self.running.get_untracked().map(|(id, _)| id);
                mark_interrupted(&mut records, running.as_deref()).await;
                let first = records.first().map(|r| r.id.clone());
                self.history.update(|h| {
                    // Reports started before the list arrived stay on top, once (one may
                    // already have been saved).
                    let started: Vec<ReportRecord> = std::mem::take(h);
                    records.retain(|r| !started.iter().any(|s| s.id == r.id));
                    *h = started.into_iter().chain(records).collect();
                });
                if self.selected.get_untracked().is_none() {
                    self.selected.set(first);
                }
            }
            Err(e) => self
                .notice
                .set(Some(format!("The report history is not available ({e}): new reports still work; allow site storage for this page to keep them."))),
        }
        self.history_loaded.set(true);
    }

    /// Reloads the list after another tab changed it. This tab's running report and its
    /// unsaved ones stay as this tab knows them.
    async fn refresh_history(self) {
        self.refreshes.update_value(|n| *n += 1);
        let this = self.refreshes.get_value();
        let Ok(mut records) = history_store::all_reports().await else {
            return;
        };
        let running = self.running.get_untracked().map(|(id, _)| id);
        mark_interrupted(&mut records, running.as_deref()).await;
        if self.refreshes.get_value() != this {
            return;
        }
        let unsaved = self.unsaved.get_value();
        let mine: Vec<ReportRecord> = self.history.with_untracked(|h| {
            h.iter()
                .filter(|r| running.as_ref() == Some(&r.id) || unsaved.contains(&r.id))
                .cloned()
                .collect()
        });
        records.retain(|r| !mine.iter().any(|m| m.id == r.id));
        records.extend(mine);
        sort_newest_first(&mut records);
        let selected = self.selected.get_untracked();
        if !records.iter().any(|r| Some(&r.id) == selected.as_ref()) {
            self.selected.set(records.first().map(|r| r.id.clone()));
        }
        self.history.set(records);
    }
}

fn sort_newest_first(records: &mut [ReportRecord]) {
    records.sort_by(|a, b| {
        b.created_ms
            .cmp(&a.created_ms)
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// A `Running` record whose tab is gone (no tab holds its Web Lock) was interrupted; it is
/// saved so. Without Web Locks, every `Running` record but `mine` counts as interrupted.
async fn mark_interrupted(records: &mut [ReportRecord], mine: Option<&str>) {
    if !records.iter().any(|r| r.status == ReportStatus::Running) {
        return;
    }
    let alive = browser::reports_running_in_tabs().await.unwrap_or_default();
    for record in records.iter_mut().filter(|r| {
        r.status == ReportStatus::Running && Some(r.id.as_str()) != mine && !alive.contains(&r.id)
    }) {
        record.status = ReportStatus::Interrupted;
        let _ = history_store::put_report(record).await;
    }
}

/// Mounts the page into `<body>`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let state = State::new();
    provide_context(state);
    worker_link::connect(
        move |m| state.on_worker(m),
        move |e| state.on_worker_crash(e),
    );
    spawn_local(state.load_history());
    browser::listen_for_history_changes(move || spawn_local(state.refresh_history()));
    // The page lives as long as the tab: so does its watchdog.
    gloo_timers::callback::Interval::new(1_000, move || state.watchdog()).forget();
    browser::register_service_worker();
    upload::listen_for_drops(state);

    view! {
        <a class="skip-link" href="#answers-title" data-testid="skip-link" on:click=skip_to_results>"Skip to results"</a>
        <header class="masthead">
            <h1>"Store uptime"</h1>
            <p class="tagline">
                "Uptime and downtime of each store during its business hours, from your status exports."
            </p>
            <p class="privacy" data-testid="privacy">
                "Your files never leave this device: they are read and processed in this browser tab, with no upload."
            </p>
        </header>
        <main data-worker-ready=move || if state.worker_ready.get() { "true" } else { "false" }>
            <answers::InputsFold>
                <upload::Inputs />
                <job::Run />
            </answers::InputsFold>
            <job::Notice />
            // The answers, then each store's (charts, table, one store), then how the report
            // was made (status, its CSV, files read, data quality): by keyboard the store table
            // is a few steps from the headline.
            <answers::AnswersPanel />
            <fleet::FleetPanel />
            <report_view::SelectedReport />
            <history::History />
        </main>
        <footer class="footer">
            <p>"Works offline once loaded. Reports are kept in this browser only."</p>
            // Last in tab order; shown at the top right (style/main.css).
            <fleet::theme::ThemeToggle />
        </footer>
    }
}

/// The skip link: focus (not only scroll to) the results' headline, or the first heading
/// of the page's main part before there are results; the URL hash stays the detail's.
fn skip_to_results(e: leptos::ev::MouseEvent) {
    e.prevent_default();
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let target = doc
        .get_element_by_id("answers-title")
        .or_else(|| doc.query_selector("main h2").ok().flatten());
    if let Some(el) =
        target.and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
    {
        if !el.has_attribute("tabindex") {
            let _ = el.set_attribute("tabindex", "-1");
        }
        let _ = el.focus();
    }
}

/// The page's state, from context: in a component's body, its reactive closures and its
/// event handlers. Code called from outside the page's ownership (the worker's messages,
/// timers, window listeners) is handed the state instead.
pub fn use_state() -> State {
    expect_context::<State>()
}

/// The fleet view's part of the page's state (see [`use_state`]).
pub fn use_fleet() -> fleet::FleetState {
    use_state().fleet
}

/// The first screen's part of the page's state (see [`use_state`]).
pub fn use_answers() -> answers::AnswersState {
    use_state().answers
}
