//! The worker's wasm glue: one [`Worker`] state, the page's messages turned into the job's
//! steps (`super::job`), header inspection and reading ahead. Every message about the data
//! comes from the engine (via `messages`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, MessageChannel, MessageEvent};

use super::host::{post, scope, Timing, WebHost, WARM_UP_MEASURE};
use super::job::{self, read_problem, Ended, Inputs, Loaded, ReadAhead, Run};
use super::part::{self, is_part_worker, serve, PartLink, WebPart};
use super::slices::{
    read_head, BlobRanges, BlobSlices, ReaderPool, ReaderSlices, HEAD_BYTES, SLICE_BYTES,
};
use super::zip::inspect_zip;
use crate::engine::archive::{sniff, Container};
use crate::engine::Ingest;
use crate::messages::{
    inspect_header, DetailAnswer, DownloadFile, FromWorker, InputKind, Inspection, ToWorker,
    WORKER_FILES_FIELD, WORKER_JSON_FIELD,
};
use crate::web::field;

/// The file reader worker (public/reader.js), beside this worker's script in dist/.
const READER_URL: &str = "reader.js";

/// Everything the worker holds between messages.
#[derive(Default)]
struct Worker {
    /// The running job's id and its cancel flag. One job at a time: a new one cancels the old.
    current: Option<(String, Rc<Cell<bool>>)>,
    /// Header inspections under way, and the status file to read ahead when they are done.
    inspecting: u32,
    ahead_next: Option<(u32, Blob)>,
    ahead: ReadAhead<ReaderSlices>,
    readers: ReaderPool,
    /// The last finished job, for the page's questions about it.
    loaded: Option<Loaded>,
    /// A channel to ourselves: a message through it lets the event loop run once.
    channel: Option<MessageChannel>,
    /// The part worker, which parses the later half of a big status file.
    part: PartLink,
}

type Shared = Rc<RefCell<Worker>>;

impl Worker {
    /// A host for a job: `timed` measures its phases.
    fn host(&self, timed: bool) -> WebHost {
        WebHost {
            channel: self.channel.clone(),
            timing: timed.then(Timing::new).flatten(),
        }
    }
}

/// Entry point of the worker binary: listen, then say "ready" (messages sent before that
/// may have been lost, so the page queues them until it hears it).
pub fn start() {
    console_error_panic_hook::set_once();
    if is_part_worker() {
        return serve();
    }
    let worker: Shared = Rc::new(RefCell::new(Worker {
        channel: MessageChannel::new().ok(),
        ..Worker::default()
    }));
    let state = worker.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        handle(&state, event.data())
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Loaded while the owner chooses files, so the first job does not wait for it.
    worker.borrow_mut().readers.start_spare(READER_URL);
    let timing = Timing::new();
    // Before Ready, while the owner chooses files: the first job then runs optimised code.
    if let Some(t) = &timing {
        t.start();
    }
    if let Err(why) = crate::warm_up::warm_up() {
        // A bug (the data is generated), so loud: the browser tests fail on console errors.
        web_sys::console::error_1(&JsValue::from_str(&format!("worker warm-up: {why}")));
    }
    if let Some(t) = &timing {
        t.end(WARM_UP_MEASURE);
    }
    post(&FromWorker::Ready);
    // After the warm-up, so the two do not share the cores while the page starts.
    if part::wanted() {
        worker.borrow_mut().part = PartLink::start();
    }
}

/// The JSON message and its attached blobs; `None` (logged) if it is not one of ours.
fn unpack(data: &JsValue) -> Option<(ToWorker, Vec<Blob>)> {
    let json = field(data, WORKER_JSON_FIELD).and_then(|v| v.as_string());
    let Some(message) = json.and_then(|text| serde_json::from_str::<ToWorker>(&text).ok()) else {
        web_sys::console::error_2(&JsValue::from_str("worker: unreadable message"), data);
        return None;
    };
    let blobs = field(data, WORKER_FILES_FIELD)
        .filter(js_sys::Array::is_array)
        .map(|v| {
            js_sys::Array::from(&v)
                .iter()
                .filter_map(|b| b.dyn_into::<Blob>().ok())
                .collect()
        })
        .unwrap_or_default();
    Some((message, blobs))
}

fn handle(worker: &Shared, data: JsValue) {
    let Some((message, blobs)) = unpack(&data) else {
        return;
    };
    match message {
        ToWorker::Inspect { token, name } => {
            let blob = blobs.into_iter().next();
            wasm_bindgen_futures::spawn_local(inspect_then_read_ahead(
                worker.clone(),
                token,
                name,
                blob,
            ));
        }
        ToWorker::Start {
            job,
            options,
            names,
            tokens,
        } => {
            let cancel = Rc::new(Cell::new(false));
            let previous = worker
                .borrow_mut()
                .current
                .replace((job.clone(), cancel.clone()));
            if let Some((_, flag)) = previous {
                flag.set(true);
            }
            let worker = worker.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let (host, ahead) = {
                    let mut w = worker.borrow_mut();
                    (w.host(true), w.ahead.take_for_job(&tokens))
                };
                let mut run = Run::new(&job, &host, &cancel);
                let result =
                    job::run_job(&mut run, &options, inputs(&worker, names, blobs, ahead)).await;
                let mut w = worker.borrow_mut();
                let message = match result {
                    Ok(Ended::Loaded(loaded)) => {
                        let message = loaded.fleet_message();
                        w.loaded = Some(*loaded);
                        message
                    }
                    Ok(Ended::FleetUnavailable(reason)) => FromWorker::FleetUnavailable {
                        job: job.clone(),
                        reason,
                    },
                    Err(stop) => stop.into_message(&job),
                };
                if w.current.as_ref().is_some_and(|(id, _)| *id == job) {
                    w.current = None;
                }
                drop(w);
                post(&message);
            });
        }
        ToWorker::Cancel { job } => {
            if let Some((id, flag)) = &worker.borrow().current {
                if *id == job {
                    flag.set(true);
                }
            }
        }
        ToWorker::Reopen {
            job,
            options,
            names,
        } => {
            let worker = worker.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let kept = worker
                    .borrow()
                    .loaded
                    .as_ref()
                    .and_then(|l| (l.job == job).then(|| l.fleet_message()));
                let message = match kept {
                    Some(message) => message,
                    None => {
                        // No phase timings: they belong to the last report job.
                        let host = worker.borrow().host(false);
                        let read = inputs(&worker, names, blobs, None);
                        match job::reopen(&job, &host, &options, read).await {
                            Ok(loaded) => {
                                let message = loaded.fleet_message();
                                worker.borrow_mut().loaded = Some(loaded);
                                message
                            }
                            Err(reason) => FromWorker::FleetUnavailable { job, reason },
                        }
                    }
                };
                post(&message);
            });
        }
        ToWorker::Detail { job, store } => {
            let answer = match worker.borrow().loaded.as_ref().filter(|l| l.job == job) {
                Some(loaded) => loaded.detail(&store),
                None => DetailAnswer::NotLoaded,
            };
            post(&FromWorker::Detail { job, store, answer });
        }
        ToWorker::CellStores { job, cell, region } => {
            let stores = worker
                .borrow()
                .loaded
                .as_ref()
                .filter(|l| l.job == job)
                .map(|l| l.cell_stores(cell, region));
            post(&match stores {
                Some(stores) => FromWorker::CellStores { job, stores },
                None => FromWorker::FleetUnavailable {
                    job,
                    reason: "this report is not loaded".into(),
                },
            });
        }
        ToWorker::Target { job, target } => {
            post(&answer_loaded(worker, job, |l, job| FromWorker::Target {
                job,
                answers: Box::new(l.target(target)),
            }))
        }
        ToWorker::RegionHeat { job, region } => post(&answer_loaded(worker, job, |l, job| match l
            .region_heat(region)
        {
            Ok(heat) => FromWorker::RegionHeat { job, heat },
            Err(reason) => FromWorker::FleetUnavailable { job, reason },
        })),
        ToWorker::SlotStores { job, slot } => post(&answer_loaded(worker, job, |l, job| {
            match l.slot_stores(slot) {
                Ok(stores) => FromWorker::SlotStores { job, stores },
                Err(reason) => FromWorker::FleetUnavailable { job, reason },
            }
        })),
        ToWorker::Download { job, file } => {
            post(&answer_loaded(worker, job, |l, job| FromWorker::Download {
                job,
                file,
                text: l.download(file),
            }))
        }
        ToWorker::ReportFile { job, target, zone } => {
            post(&answer_loaded(worker, job, |l, job| FromWorker::Download {
                job,
                file: DownloadFile::ReportHtml { target },
                text: Ok(l.report_html(target, &zone)),
            }))
        }
    }
}

/// Answers from the loaded job, or says it is not loaded (the page then reopens it).
fn answer_loaded(
    worker: &Shared,
    job: String,
    answer: impl FnOnce(&Loaded, String) -> FromWorker,
) -> FromWorker {
    match worker.borrow().loaded.as_ref().filter(|l| l.job == job) {
        Some(loaded) => answer(loaded, job),
        None => FromWorker::FleetUnavailable {
            job,
            reason: "this report is not loaded".into(),
        },
    }
}

/// A job's files: each not read ahead is read by a reader from the pool when its turn comes.
fn inputs(
    worker: &Shared,
    names: Vec<String>,
    blobs: Vec<Blob>,
    ahead: Option<(usize, ReaderSlices)>,
) -> Inputs<ReaderSlices, impl FnMut(usize) -> ReaderSlices, WebPart> {
    let blobs: Vec<Blob> = names.iter().zip(blobs).map(|(_, blob)| blob).collect();
    let part = worker.borrow().part.for_job(blobs.clone());
    let files = names
        .into_iter()
        .zip(&blobs)
        .map(|(name, blob)| (name, blob.size() as u64))
        .collect();
    let worker = worker.clone();
    Inputs {
        files,
        ahead,
        open: move |index| {
            let readers = &mut worker.borrow_mut().readers;
            ReaderSlices::new(&blobs[index], SLICE_BYTES, READER_URL, readers)
        },
        part,
    }
}

/// Answers `Inspect`, then, once no other header is being checked, starts reading the last
/// status file ahead.
async fn inspect_then_read_ahead(worker: Shared, token: u32, name: String, blob: Option<Blob>) {
    worker.borrow_mut().inspecting += 1;
    let inspection = match &blob {
        Some(blob) => inspect(&name, blob).await,
        None => Inspection::Undecided,
    };
    let status = inspection == Inspection::Recognised(InputKind::Status);
    post(&FromWorker::Inspected { token, inspection });
    let mut w = worker.borrow_mut();
    if let Some(blob) = blob.filter(|b| status && b.size() > f64::from(HEAD_BYTES)) {
        w.ahead_next = Some((token, blob));
    }
    // Read ahead once every file is inspected: earlier, its reads would delay the other
    // files' header reads (docs/perf-log.md). Not while a job runs: it would take reads from
    // the job.
    let idle = w.current.is_none();
    w.inspecting = w.inspecting.saturating_sub(1);
    if w.inspecting == 0 {
        if let Some((token, blob)) = w.ahead_next.take().filter(|_| idle) {
            let slices = ReaderSlices::new(&blob, SLICE_BYTES, READER_URL, &mut w.readers);
            // The previous file's reader, if any, is dropped (and ended) here.
            w.ahead.start(token, slices);
        }
    }
}

/// The kind of a file from its header, or the engine's reason to reject it.
async fn inspect(name: &str, blob: &Blob) -> Inspection {
    let read = read_head(blob, HEAD_BYTES)
        .await
        .map_err(|why| read_problem(name, why));
    if let Ok((head, _)) = &read {
        if sniff(head) == Some(Container::Zip) {
            return match inspect_zip(name, &mut BlobRanges(blob.clone())).await {
                Ok(entries) => Inspection::Archive(entries),
                Err(reason) => Inspection::Rejected(reason),
            };
        }
    }
    match read.and_then(|(head, complete)| {
        inspect_header(name, &head, complete).map(|kind| (kind, complete))
    }) {
        // The first row is longer than the head: read on, or a header of a million columns
        // would be accepted now and fail the whole report later.
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
