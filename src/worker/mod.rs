//! The web worker: receives files from the page, feeds them slice by slice to the engine's
//! `Ingest`, runs `analyse`, and posts progress and the finished report back (SPEC §8).
//!
//! Glue only: every number and every message about the data comes from the engine (via
//! `messages`). It never touches the DOM, never fetches, and reads each file in slices.

pub mod slices;

use std::cell::{Cell, RefCell};
use std::ops::ControlFlow;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

use crate::engine::{self, FileError, FileProblem, Ingest, Progress, RunError};
use crate::messages::{
    inspect_header, FileFacts, FromWorker, JobOptions, JobProgress, Outcome, ToWorker,
    WORKER_FILES_FIELD, WORKER_JSON_FIELD,
};
use slices::{read_head, PrefetchSlices, HEAD_BYTES, SLICE_BYTES};

/// Progress is posted at most this often, in milliseconds.
const PROGRESS_EVERY_MS: f64 = 100.0;

thread_local! {
    /// The running job's id and its cancel flag. One job at a time: a new one cancels the old.
    static CURRENT: RefCell<Option<(String, Rc<Cell<bool>>)>> = const { RefCell::new(None) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: &FromWorker) {
    match serde_json::to_string(message) {
        Ok(text) => {
            if let Err(e) = scope().post_message(&JsValue::from_str(&text)) {
                web_sys::console::error_1(&e);
            }
        }
        Err(e) => web_sys::console::error_1(&JsValue::from_str(&e.to_string())),
    }
}

/// Entry point of the worker binary: listen, then say "ready" (messages sent before that
/// may have been lost, so the page queues them until it hears it).
pub fn start() {
    console_error_panic_hook::set_once();
    let on_message =
        Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| handle(event.data()));
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Ready);
}

fn handle(data: JsValue) {
    let json = js_sys::Reflect::get(&data, &JsValue::from_str(WORKER_JSON_FIELD))
        .ok()
        .and_then(|v| v.as_string());
    let Some(message) = json.and_then(|text| serde_json::from_str::<ToWorker>(&text).ok()) else {
        web_sys::console::error_2(&JsValue::from_str("worker: unreadable message"), &data);
        return;
    };
    let blobs: Vec<Blob> = js_sys::Reflect::get(&data, &JsValue::from_str(WORKER_FILES_FIELD))
        .ok()
        .filter(js_sys::Array::is_array)
        .map(|v| {
            js_sys::Array::from(&v)
                .iter()
                .filter_map(|b| b.dyn_into::<Blob>().ok())
                .collect()
        })
        .unwrap_or_default();
    match message {
        ToWorker::Inspect { token, name } => {
            let (kind, error) = match blobs.first() {
                Some(blob) => inspect(&name, blob),
                None => (None, None),
            };
            post(&FromWorker::Inspected { token, kind, error });
        }
        ToWorker::Start {
            job,
            options,
            names,
        } => {
            let cancel = Rc::new(Cell::new(false));
            let previous = CURRENT.with(|c| c.borrow_mut().replace((job.clone(), cancel.clone())));
            if let Some((_, flag)) = previous {
                flag.set(true);
            }
            let files: Vec<(String, Blob)> = names.into_iter().zip(blobs).collect();
            wasm_bindgen_futures::spawn_local(async move {
                let result = run_job(&job, &options, &files, &cancel).await;
                CURRENT.with(|c| {
                    let mut current = c.borrow_mut();
                    if current.as_ref().is_some_and(|(id, _)| *id == job) {
                        *current = None;
                    }
                });
                post(&result);
            });
        }
        ToWorker::Cancel { job } => CURRENT.with(|c| {
            if let Some((id, flag)) = c.borrow().as_ref() {
                if *id == job {
                    flag.set(true);
                }
            }
        }),
    }
}

/// The kind of a file from its header, or the engine's reason to reject it.
fn inspect(name: &str, blob: &Blob) -> (Option<crate::messages::InputKind>, Option<String>) {
    let read = read_head(blob, HEAD_BYTES).map_err(|why| {
        FileProblem {
            file: name.to_string(),
            error: FileError::Read(why),
        }
        .to_string()
    });
    match read.and_then(|(head, complete)| {
        inspect_header(name, &head, complete).map(|kind| (kind, complete))
    }) {
        // The first row is longer than the head: read on, or a header of a million columns
        // would be accepted now and fail the whole report later (issue 6).
        Ok((None, false)) => decide_by_reading(name, blob),
        Ok((kind, _)) => (kind, None),
        Err(reason) => (None, Some(reason)),
    }
}

/// How far `decide_by_reading` goes before leaving the kind to the report (the engine
/// refuses a first row only where it ends): a few hundred ms, far below the page's watchdog.
const DECIDE_WITHIN_BYTES: u64 = 64 << 20;

/// Feeds the file to a throw-away `Ingest`, slice by slice, until the engine knows its kind
/// or refuses it. Memory stays one slice: an over-long row is skipped unread.
fn decide_by_reading(
    name: &str,
    blob: &Blob,
) -> (Option<crate::messages::InputKind>, Option<String>) {
    let mut ingest = Ingest::new();
    let file = ingest.open_file(name);
    let mut slices = match BlobSlices::new(blob, SLICE_BYTES) {
        Ok(s) => s,
        Err(why) => return (None, Some(read_problem(name, why))),
    };
    let mut buf = Vec::new();
    loop {
        match slices.next_into(&mut buf) {
            Ok(true) => {}
            Ok(false) => break,
            Err(why) => return (None, Some(read_problem(name, why))),
        }
        if let Err(problem) = ingest.push(file, &buf) {
            return (None, Some(problem.to_string()));
        }
        if let Some(kind) = ingest.kind(file) {
            return (Some(kind.into()), None);
        }
        if slices.offset() >= DECIDE_WITHIN_BYTES {
            return (None, None);
        }
    }
    match ingest.close_file(file) {
        Ok(summary) => (summary.kind.map(Into::into), None),
        Err(problem) => (None, Some(problem.to_string())),
    }
}

/// Limits how often progress is posted.
struct Throttle {
    last: f64,
}

impl Throttle {
    fn due(&mut self) -> bool {
        let now = js_sys::Date::now();
        if now - self.last >= PROGRESS_EVERY_MS {
            self.last = now;
            true
        } else {
            false
        }
    }
}

/// User Timing measures of the job's phases (DevTools' performance panel shows them; the
/// browser benchmark sums them): each `end` measures from the last `start` or `end`.
struct Timing(Option<web_sys::Performance>);

impl Timing {
    const MARK: &'static str = "store-uptime";

    fn new() -> Timing {
        let performance =
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
                .ok()
                .filter(|p| !p.is_undefined())
                .map(JsCast::unchecked_into::<web_sys::Performance>);
        if let Some(p) = &performance {
            // One job's entries at a time, so a long-lived worker does not pile them up.
            p.clear_marks_with_mark_name(Self::MARK);
            p.clear_measures();
        }
        Timing(performance)
    }

    fn start(&self) {
        if let Some(p) = &self.0 {
            let _ = p.mark(Self::MARK);
        }
    }

    fn end(&self, name: &str) {
        if let Some(p) = &self.0 {
            let _ = p.measure_with_start_mark(name, Self::MARK);
            let _ = p.mark(Self::MARK);
        }
    }
}

/// Lets the worker's event loop run, so a `Cancel` message can arrive.
async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

async fn run_job(
    job: &str,
    options: &JobOptions,
    files: &[(String, Blob)],
    cancel: &Cell<bool>,
) -> FromWorker {
    let failed = |reason: String, files: Vec<FileFacts>| FromWorker::Failed {
        job: job.to_string(),
        reason,
        files,
    };
    let cancelled = || FromWorker::Cancelled {
        job: job.to_string(),
    };
    let engine_options = match options.to_engine() {
        Ok(o) => o,
        Err(reason) => return failed(reason, vec![]),
    };
    let total: u64 = files.iter().map(|(_, b)| b.size() as u64).sum();
    let mut throttle = Throttle { last: 0.0 };
    let timing = Timing::new();
    let mut ingest = Ingest::new();
    let mut before = 0u64;
    let mut buf = Vec::new();
    let facts = |ingest: &Ingest| {
        ingest
            .files()
            .iter()
            .map(FileFacts::from)
            .collect::<Vec<_>>()
    };
    for (name, blob) in files {
        let file = ingest.open_file(name);
        let mut slices = match PrefetchSlices::new(blob, SLICE_BYTES) {
            Ok(s) => s,
            Err(why) => return failed(read_problem(name, why), facts(&ingest)),
        };
        loop {
            timing.start();
            match slices.next_into(&mut buf).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(why) => return failed(read_problem(name, why), facts(&ingest)),
            }
            timing.end("store-uptime read wait");
            if let Err(problem) = ingest.push(file, &buf) {
                return failed(problem.to_string(), facts(&ingest));
            }
            timing.end("store-uptime ingest");
            if throttle.due() {
                let progress = Progress::Read {
                    file: name.clone(),
                    bytes: slices.offset(),
                };
                post(&FromWorker::Progress {
                    job: job.to_string(),
                    progress: JobProgress::from_engine(&progress, before, total),
                });
            }
            yield_now().await;
            timing.end("store-uptime yield");
            if cancel.get() {
                return cancelled();
            }
        }
        if let Err(problem) = ingest.close_file(file) {
            return failed(problem.to_string(), facts(&ingest));
        }
        before += slices.size();
    }
    drop(buf);
    timing.start();
    let data = ingest.finish();
    timing.end("store-uptime finish");
    // `analyse` is synchronous: the flag can only have been set before it starts; the page
    // ends the worker if a cancel is not answered soon (see app::worker_link).
    let result = engine::analyse(&data, engine_options, &mut |progress| {
        if cancel.get() {
            return ControlFlow::Break(());
        }
        if throttle.due() {
            post(&FromWorker::Progress {
                job: job.to_string(),
                progress: JobProgress::from_engine(&progress, 0, 0),
            });
        }
        ControlFlow::Continue(())
    });
    timing.end("store-uptime analyse");
    match result {
        Ok(report) => {
            let outcome = Box::new(Outcome::new(&report, &data, options.extended));
            timing.end("store-uptime report");
            FromWorker::Complete {
                job: job.to_string(),
                outcome,
            }
        }
        Err(RunError::Cancelled) => cancelled(),
        Err(e) => failed(
            e.to_string(),
            data.files.iter().map(FileFacts::from).collect(),
        ),
    }
}

/// A file the browser could not read, in the engine's words.
fn read_problem(name: &str, why: String) -> String {
    FileProblem {
        file: name.to_string(),
        error: FileError::Read(why),
    }
    .to_string()
}
