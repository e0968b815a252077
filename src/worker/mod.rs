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

use crate::engine::{self, fleet, FileError, FileProblem, Ingest, Progress, RunError};
use crate::fleet_view::{CellStores, DetailView, FleetView};
use crate::messages::{
    inspect_header, DetailAnswer, FileFacts, FromWorker, InputKind, Inspection, JobOptions,
    JobProgress, Outcome, ToWorker, WORKER_CSV_FIELD, WORKER_FILES_FIELD, WORKER_JSON_FIELD,
};
use slices::{
    read_ahead, read_head, start_spare_reader, stop_reading_ahead, take_read_ahead, BlobSlices,
    ReaderSlices, HEAD_BYTES, SLICE_BYTES,
};

/// The file reader worker (public/reader.js), beside this worker's script in dist/.
const READER_URL: &str = "reader.js";

/// Progress is posted at most this often, in milliseconds.
const PROGRESS_EVERY_MS: f64 = 100.0;

thread_local! {
    /// The running job's id and its cancel flag. One job at a time: a new one cancels the old.
    static CURRENT: RefCell<Option<(String, Rc<Cell<bool>>)>> = const { RefCell::new(None) };
    /// Header inspections under way, and the status file to read ahead when they are done.
    static INSPECTING: Cell<u32> = const { Cell::new(0) };
    static AHEAD_NEXT: RefCell<Option<(u32, Blob)>> = const { RefCell::new(None) };
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

/// Posts `Complete` with the CSV beside the JSON, as bytes whose buffer is transferred
/// (see `messages::WORKER_CSV_FIELD`).
fn post_complete(job: &str, mut outcome: Box<Outcome>) {
    let csv = std::mem::take(&mut outcome.csv);
    let message = FromWorker::Complete {
        job: job.to_string(),
        outcome,
    };
    let text = match serde_json::to_string(&message) {
        Ok(text) => text,
        Err(e) => {
            web_sys::console::error_1(&JsValue::from_str(&e.to_string()));
            return;
        }
    };
    let bytes = js_sys::Uint8Array::from(csv.as_bytes());
    drop(csv);
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &WORKER_JSON_FIELD.into(), &text.into());
    let _ = js_sys::Reflect::set(&object, &WORKER_CSV_FIELD.into(), &bytes);
    let transfer = js_sys::Array::of1(&bytes.buffer());
    if let Err(e) = scope().post_message_with_transfer(&object, &transfer) {
        web_sys::console::error_1(&e);
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
    // Loaded while the owner chooses files, so the first job does not wait for it.
    start_spare_reader(READER_URL);
    let timing = Timing::new();
    // Before Ready, while the owner chooses files: the first job then runs optimised code.
    timing.start();
    if let Err(why) = crate::warm_up::warm_up() {
        // A bug (the data is generated), so loud: the browser tests fail on console errors.
        web_sys::console::error_1(&JsValue::from_str(&format!("worker warm-up: {why}")));
    }
    timing.end(WARM_UP_MEASURE);
    post(&FromWorker::Ready);
}

/// The User Timing measure of the start-up warm-up (`crate::warm_up`), kept when a job
/// clears the others.
const WARM_UP_MEASURE: &str = "store-uptime warm-up";

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
            let blob = blobs.into_iter().next();
            wasm_bindgen_futures::spawn_local(async move {
                INSPECTING.with(|n| n.set(n.get() + 1));
                let inspection = match &blob {
                    Some(blob) => inspect(&name, blob).await,
                    None => Inspection::Undecided,
                };
                let status = inspection == Inspection::Recognised(InputKind::Status);
                post(&FromWorker::Inspected { token, inspection });
                if let Some(blob) = blob.filter(|b| status && b.size() > f64::from(HEAD_BYTES)) {
                    AHEAD_NEXT.with(|next| next.replace(Some((token, blob))));
                }
                // Read ahead once every file is inspected: earlier, its reads would delay
                // the other files' header reads (~70 ms at 1×). Not while a job runs: it
                // would take reads from the job.
                let idle = CURRENT.with(|c| c.borrow().is_none());
                if INSPECTING.with(|n| n.replace(n.get().saturating_sub(1))) == 1 {
                    let next = AHEAD_NEXT.with(|next| next.take());
                    if let Some((token, blob)) = next.filter(|_| idle) {
                        read_ahead(token, &blob, SLICE_BYTES, READER_URL);
                    }
                }
            });
        }
        ToWorker::Start {
            job,
            options,
            names,
            tokens,
        } => {
            let cancel = Rc::new(Cell::new(false));
            let previous = CURRENT.with(|c| c.borrow_mut().replace((job.clone(), cancel.clone())));
            if let Some((_, flag)) = previous {
                flag.set(true);
            }
            let files: Vec<(String, Blob)> = names.into_iter().zip(blobs).collect();
            wasm_bindgen_futures::spawn_local(async move {
                let result = run_job(&job, &options, &files, &tokens, &cancel).await;
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
        ToWorker::Reopen {
            job,
            options,
            names,
        } => {
            let files: Vec<(String, Blob)> = names.into_iter().zip(blobs).collect();
            wasm_bindgen_futures::spawn_local(async move {
                post(&reopen(&job, &options, &files).await);
            });
        }
        ToWorker::Detail { job, store } => post(&detail(&job, &store)),
        ToWorker::CellStores { job, cell } => {
            let answer = cell_stores(&job, cell).unwrap_or(FromWorker::FleetUnavailable {
                job,
                reason: "this report is not loaded".into(),
            });
            post(&answer);
        }
    }
}

/// The kind of a file from its header, or the engine's reason to reject it.
async fn inspect(name: &str, blob: &Blob) -> Inspection {
    let read = read_head(blob, HEAD_BYTES).await.map_err(|why| {
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
        Ok((Some(kind), _)) => Inspection::Recognised(kind),
        Ok((None, true)) => Inspection::Undecided,
        Err(reason) => Inspection::Rejected(reason),
    }
}

/// How far `decide_by_reading` goes before leaving the kind to the report (the engine
/// refuses a first row only where it ends): a few hundred ms, far below the page's watchdog.
const DECIDE_WITHIN_BYTES: u64 = 64 << 20;

/// Feeds the file to a throw-away `Ingest`, slice by slice, until the engine knows its kind
/// or refuses it. Memory stays one slice: an over-long row is skipped unread.
fn decide_by_reading(name: &str, blob: &Blob) -> Inspection {
    let mut ingest = Ingest::new();
    let file = ingest.open_file(name);
    let mut slices = match BlobSlices::new(blob, SLICE_BYTES) {
        Ok(s) => s,
        Err(why) => return Inspection::Rejected(read_problem(name, why)),
    };
    let mut buf = Vec::new();
    loop {
        match slices.next_into(&mut buf) {
            Ok(true) => {}
            Ok(false) => break,
            Err(why) => return Inspection::Rejected(read_problem(name, why)),
        }
        if let Err(problem) = ingest.push(file, &buf) {
            return Inspection::Rejected(problem.to_string());
        }
        if let Some(kind) = ingest.kind(file) {
            return Inspection::Recognised(kind.into());
        }
        if slices.offset() >= DECIDE_WITHIN_BYTES {
            return Inspection::Undecided;
        }
    }
    match ingest.close_file(file) {
        Ok(summary) => summary.kind.map_or(Inspection::Undecided, |kind| {
            Inspection::Recognised(kind.into())
        }),
        Err(problem) => Inspection::Rejected(problem.to_string()),
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
            for m in p.get_entries_by_type("measure") {
                let name = js_sys::Reflect::get(&m, &JsValue::from_str("name"))
                    .ok()
                    .and_then(|n| n.as_string());
                if let Some(name) = name.filter(|n| n != WARM_UP_MEASURE) {
                    p.clear_measures_with_measure_name(&name);
                }
            }
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

thread_local! {
    /// A channel to ourselves: a message through it lets the event loop run once.
    static YIELD_CHANNEL: Option<web_sys::MessageChannel> = web_sys::MessageChannel::new().ok();
}

/// Lets the worker's event loop run, so a `Cancel` message (and the reader's next slices)
/// can arrive. A message to ourselves, not `setTimeout(0)`: nested timeouts are clamped to
/// 4 ms, which cost ~0.13 s per 1× job once slices stopped being awaited (BENCHMARKS.md).
async fn yield_now() {
    let turned = YIELD_CHANNEL.with(|channel| {
        let channel = channel.as_ref()?;
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            channel.port1().set_onmessage(Some(&resolve));
        });
        channel.port2().post_message(&JsValue::NULL).ok()?;
        Some(promise)
    });
    match turned {
        Some(promise) => {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
        None => gloo_timers::future::TimeoutFuture::new(0).await,
    }
}

/// Reads the attached files into the engine slice by slice; `Err` is the message to post.
/// `progress`: whether to post reading progress (a reopened job is quiet).
async fn read_inputs(
    job: &str,
    files: &[(String, Blob)],
    tokens: &[u32],
    cancel: &Cell<bool>,
    throttle: &mut Throttle,
    timing: &Timing,
    progress: bool,
) -> Result<engine::Dataset, FromWorker> {
    let failed = |reason: String, files: Vec<FileFacts>| FromWorker::Failed {
        job: job.to_string(),
        reason,
        files,
    };
    let total: u64 = files.iter().map(|(_, b)| b.size() as u64).sum();
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
    // The file read ahead, if it is one of this job's; any other is stopped now.
    let mut ahead = tokens
        .iter()
        .enumerate()
        .find_map(|(index, &token)| take_read_ahead(token).map(|slices| (index, slices)));
    stop_reading_ahead();
    for (index, (name, blob)) in files.iter().enumerate() {
        let file = ingest.open_file(name);
        let mut slices = match ahead.take_if(|(i, _)| *i == index) {
            Some((_, slices)) => slices,
            None => ReaderSlices::new(blob, SLICE_BYTES, READER_URL),
        };
        loop {
            timing.start();
            match slices.next_into(&mut buf).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(why) => return Err(failed(read_problem(name, why), facts(&ingest))),
            }
            timing.end("store-uptime read wait");
            if let Err(problem) = ingest.push(file, &buf) {
                return Err(failed(problem.to_string(), facts(&ingest)));
            }
            timing.end("store-uptime ingest");
            if progress && throttle.due() {
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
                return Err(FromWorker::Cancelled {
                    job: job.to_string(),
                });
            }
        }
        if let Err(problem) = ingest.close_file(file) {
            return Err(failed(problem.to_string(), facts(&ingest)));
        }
        before += slices.size();
    }
    drop(buf);
    timing.start();
    let data = ingest.finish_observed(&mut |grouped| {
        if progress && throttle.due() {
            post(&FromWorker::Progress {
                job: job.to_string(),
                progress: JobProgress::from_engine(&grouped, 0, 0),
            });
        }
    });
    timing.end("store-uptime finish");
    Ok(data)
}

async fn run_job(
    job: &str,
    options: &JobOptions,
    files: &[(String, Blob)],
    tokens: &[u32],
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
    let mut throttle = Throttle { last: 0.0 };
    let timing = Timing::new();
    let data = match read_inputs(job, files, tokens, cancel, &mut throttle, &timing, true).await {
        Ok(data) => data,
        Err(message) => return message,
    };
    // The report first, so `Complete` does not wait for the charts' fleet model (at 1× the
    // model costs as much again). `analyse` is synchronous: the flag can only have been set
    // before it starts; the page ends the worker if a cancel is not answered soon (see
    // app::worker_link).
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
            // The last count may have been throttled away; writing the report takes a while
            // on big sets, so the page hears that computing is done first.
            let of = report.stores.len() as u64;
            post(&FromWorker::Progress {
                job: job.to_string(),
                progress: JobProgress::Computing { stores: of, of },
            });
            // One line per store plus the header (SPEC §7).
            let lines = report.stores.len() as u64 + 1;
            let outcome = Box::new(Outcome::new_observed(
                &report,
                &data,
                options.extended,
                &mut |written| {
                    if throttle.due() {
                        post(&FromWorker::Progress {
                            job: job.to_string(),
                            progress: JobProgress::Writing {
                                lines: written.min(lines),
                                of: lines,
                            },
                        });
                    }
                },
            ));
            timing.end("store-uptime report");
            post_complete(job, outcome);
            drop(report);
            // Then the charts: the same per-store timelines again (the same functions, so
            // the charts cannot disagree with the table), with the report they make.
            let fleet =
                fleet::analyse_fleet(&data, engine_options, &mut |_| ControlFlow::Continue(()));
            timing.end("store-uptime fleet");
            match fleet {
                Ok((report, model)) => keep_loaded(job, data, engine_options, report, model),
                Err(e) => FromWorker::FleetUnavailable {
                    job: job.to_string(),
                    reason: e.to_string(),
                },
            }
        }
        Err(RunError::Cancelled) => cancelled(),
        Err(e) => failed(
            e.to_string(),
            data.files.iter().map(FileFacts::from).collect(),
        ),
    }
}

/// The last finished job's data, kept so the page can ask for a store's detail or a
/// heatmap cell's stores without sending the files again. One job at a time (memory).
struct Loaded {
    job: String,
    data: engine::Dataset,
    options: engine::Options,
    fleet: fleet::Fleet,
    view: Rc<FleetView>,
}

thread_local! {
    static LOADED: RefCell<Option<Loaded>> = const { RefCell::new(None) };
}

/// Keeps a finished job in memory and returns its `Fleet` message.
fn keep_loaded(
    job: &str,
    data: engine::Dataset,
    options: engine::Options,
    report: engine::Report,
    model: fleet::Fleet,
) -> FromWorker {
    let view = Rc::new(FleetView::new(&report, &model, &data));
    LOADED.with(|l| {
        *l.borrow_mut() = Some(Loaded {
            job: job.to_string(),
            data,
            options,
            fleet: model,
            view: view.clone(),
        })
    });
    FromWorker::Fleet {
        job: job.to_string(),
        fleet: Box::new((*view).clone()),
    }
}

fn loaded_fleet(job: &str) -> Option<FromWorker> {
    LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|l| l.job == job)
            .map(|l| FromWorker::Fleet {
                job: job.to_string(),
                fleet: Box::new((*l.view).clone()),
            })
    })
}

/// Answers `Reopen`: from memory, or by reading the files the page kept again.
async fn reopen(job: &str, options: &JobOptions, files: &[(String, Blob)]) -> FromWorker {
    if let Some(message) = loaded_fleet(job) {
        return message;
    }
    let unavailable = |reason: String| FromWorker::FleetUnavailable {
        job: job.to_string(),
        reason,
    };
    if files.is_empty() {
        return unavailable("this report's input files are not kept in this browser".into());
    }
    let engine_options = match options.to_engine() {
        Ok(o) => o,
        Err(reason) => return unavailable(reason),
    };
    let mut throttle = Throttle { last: 0.0 };
    let never = Cell::new(false);
    // No phase timings: they belong to the last report job.
    let data = match read_inputs(job, files, &[], &never, &mut throttle, &Timing(None), false).await
    {
        Ok(data) => data,
        Err(FromWorker::Failed { reason, .. }) => return unavailable(reason),
        Err(_) => return unavailable("reading the files stopped".into()),
    };
    match fleet::analyse_fleet(&data, engine_options, &mut |_| ControlFlow::Continue(())) {
        Ok((report, model)) => keep_loaded(job, data, engine_options, report, model),
        Err(e) => unavailable(e.to_string()),
    }
}

fn detail(job: &str, store: &str) -> FromWorker {
    LOADED.with(|l| {
        let loaded = l.borrow();
        let answer = |answer: DetailAnswer| FromWorker::Detail {
            job: job.to_string(),
            store: store.to_string(),
            answer,
        };
        let Some(l) = loaded.as_ref().filter(|l| l.job == job) else {
            return answer(DetailAnswer::NotLoaded);
        };
        let found = l.data.find_store(store).and_then(|idx| {
            let mut analyser = engine::Analyser::new(&l.data, l.options).ok()?;
            let detail = fleet::store_detail(&mut analyser, &l.data, idx)?;
            let zone = l
                .view
                .zones
                .iter()
                .position(|z| z == detail.report.zone.name())
                .unwrap_or(0) as u16;
            Some(DetailView::new(&detail, &l.data, zone))
        });
        match found {
            Some(view) => answer(DetailAnswer::Found(Box::new(view))),
            None => answer(DetailAnswer::Missing(format!(
                "store {store} is not in this report"
            ))),
        }
    })
}

fn cell_stores(job: &str, cell: u8) -> Option<FromWorker> {
    LOADED.with(|l| {
        let loaded = l.borrow();
        let l = loaded.as_ref().filter(|l| l.job == job)?;
        Some(FromWorker::CellStores {
            job: job.to_string(),
            stores: CellStores::new(&l.fleet, &l.data, usize::from(cell)),
        })
    })
}

/// A file the browser could not read, in the engine's words.
fn read_problem(name: &str, why: String) -> String {
    FileProblem {
        file: name.to_string(),
        error: FileError::Read(why),
    }
    .to_string()
}
