//! The part worker (docs/app.md, "Two engine workers"): a second copy of this engine worker,
//! started by it, that parses the later half of a big status file while the engine worker
//! reads the first half, and sends back what it read as bytes (`engine::PartRows`). The
//! engine worker's side is [`PartLink`] (the job's [`PartWorker`]); the part worker's is
//! [`serve`]. Messages between the two are plain objects:
//!
//! - engine → part: `{plan, blob, from}`: parse `blob` from the first line start after byte
//!   `from` on, as `plan` (`Ingest::part_plan`, bytes) says;
//! - part → engine: `{ready: true}` once it listens; `{split: n}` where its part starts (−1:
//!   none it may begin at); `{read: n}` bytes read, every 100 ms; then `{part: bytes}` (its
//!   buffer transferred) or `{failed: why}`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, MessageEvent, Worker, WorkerOptions};

use super::host::scope;
use super::job::{PartWorker, PART_WINDOW_BYTES};
use super::slices::{read_range, ReaderPool, ReaderSlices, SLICE_BYTES};
use crate::engine::{part_start, FilePart, PartRows};
use crate::web::{field, object};

/// The name the engine worker gives the part worker, by which the copy knows its role.
pub const PART_WORKER_NAME: &str = "store-uptime part";
/// The User Timing marks the engine worker makes each time it starts a part worker, and
/// each time one has loaded: when their counts are equal, the newest one is ready.
pub const PART_STARTED_MARK: &str = "store-uptime part started";
pub const PART_READY_MARK: &str = "store-uptime part ready";
/// Trunk's loader of this worker, beside this worker's own script.
const WORKER_URL: &str = "worker_loader.js";
/// The file reader (public/reader.js), as for the engine worker.
const READER_URL: &str = "reader.js";
/// The part worker tells how far it has read at most this often, in milliseconds.
const READ_EVERY_MS: f64 = 100.0;

/// Whether the engine worker should start a part worker: with four cores or more. On two
/// cores the browser's own file reading already takes the second core, and two parsers made
/// the 1× set slower, not faster (BENCHMARKS.md). `?parts=on` / `?parts=off` in the
/// worker's URL (passed on from the page's) decide instead.
pub fn wanted() -> bool {
    let global = js_sys::global();
    let search = field(&global, "location")
        .and_then(|l| field(&l, "search"))
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    match search.as_str() {
        "?parts=on" => true,
        "?parts=off" => false,
        _ => field(&global, "navigator")
            .and_then(|n| field(&n, "hardwareConcurrency"))
            .and_then(|c| c.as_f64())
            .is_some_and(|cores| cores >= MIN_CORES),
    }
}

/// Cores a machine needs for the part worker to pay: the page, the engine worker, the part
/// worker and the browser's file reading each want one.
const MIN_CORES: f64 = 4.0;

/// Whether this worker is the part worker (its name says so).
pub fn is_part_worker() -> bool {
    field(&js_sys::global(), "name")
        .and_then(|n| n.as_string())
        .as_deref()
        == Some(PART_WORKER_NAME)
}

/// What the part worker has said about the part under way.
#[derive(Default)]
struct Inbox {
    ready: bool,
    /// The worker failed to load or threw: no part from it until it is started again.
    broken: bool,
    split: Option<Option<u64>>,
    read: u64,
    rows: Option<Option<Uint8Array>>,
    wake: Option<js_sys::Function>,
}

impl Inbox {
    fn wake(&mut self) {
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// The running part worker and the handlers that live as long as it.
struct Running {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Makes the User Timing mark `name` in this worker (for DevTools, the benchmark and the
/// browser tests).
fn mark(name: &str) {
    if let Some(performance) = field(&js_sys::global(), "performance") {
        let performance: web_sys::Performance = performance.unchecked_into();
        let _ = performance.mark(name);
    }
}

impl Running {
    fn start() -> Option<Running> {
        mark(PART_STARTED_MARK);
        let options = WorkerOptions::new();
        options.set_name(PART_WORKER_NAME);
        let worker = Worker::new_with_options(WORKER_URL, &options).ok()?;
        let inbox: Rc<RefCell<Inbox>> = Rc::default();
        let to = inbox.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let mut inbox = to.borrow_mut();
            let number = |key| field(&data, key).and_then(|v| v.as_f64());
            if field(&data, "ready").is_some() {
                inbox.ready = true;
                mark(PART_READY_MARK);
            } else if let Some(at) = number("split") {
                inbox.split = Some((at >= 0.0).then_some(at as u64));
            } else if let Some(read) = number("read") {
                inbox.read = read as u64;
            } else if let Some(bytes) = field(&data, "part") {
                inbox.rows = Some(bytes.dyn_into::<Uint8Array>().ok());
            } else {
                // `{failed}` or anything unexpected: this side reads the part itself.
                inbox.split.get_or_insert(None);
                inbox.rows = Some(None);
            }
            inbox.wake();
        });
        let to = inbox.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            let mut inbox = to.borrow_mut();
            inbox.broken = true;
            inbox.split.get_or_insert(None);
            inbox.rows.get_or_insert(None);
            inbox.wake();
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Running {
            worker,
            inbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

/// The engine worker's part worker, started at its start so it has loaded (and warmed up)
/// before a job needs it; lent to each job as its [`PartWorker`] with the job's files.
#[derive(Default)]
pub struct PartLink {
    running: Rc<RefCell<Option<Running>>>,
}

impl PartLink {
    pub fn start() -> PartLink {
        PartLink {
            running: Rc::new(RefCell::new(Running::start())),
        }
    }

    /// The part worker for a job over `blobs`.
    pub fn for_job(&self, blobs: Vec<Blob>) -> WebPart {
        WebPart {
            running: self.running.clone(),
            blobs,
            busy: false,
        }
    }
}

/// A job's part worker (see [`PartLink`]).
pub struct WebPart {
    running: Rc<RefCell<Option<Running>>>,
    blobs: Vec<Blob>,
    /// A part was asked for and not yet taken.
    busy: bool,
}

impl WebPart {
    fn inbox(&self) -> Option<Rc<RefCell<Inbox>>> {
        self.running.borrow().as_ref().map(|r| r.inbox.clone())
    }
}

impl PartWorker for WebPart {
    fn start(&mut self, index: usize, plan: &[u8], from: u64) -> bool {
        let running = self.running.borrow();
        let (Some(running), Some(blob)) = (running.as_ref(), self.blobs.get(index)) else {
            return false;
        };
        {
            let mut inbox = running.inbox.borrow_mut();
            if !inbox.ready || inbox.broken {
                return false;
            }
            inbox.split = None;
            inbox.read = 0;
            inbox.rows = None;
        }
        let message = object(&[
            ("plan", &Uint8Array::from(plan)),
            ("blob", blob),
            ("from", &JsValue::from_f64(from as f64)),
        ]);
        self.busy = running.worker.post_message(&message).is_ok();
        self.busy
    }

    fn split(&self) -> Option<Option<u64>> {
        self.inbox()
            .map_or(Some(None), |inbox| inbox.borrow().split)
    }

    fn read(&self) -> u64 {
        self.inbox().map_or(0, |inbox| inbox.borrow().read)
    }

    fn rows(&mut self) -> Option<Option<PartRows>> {
        let Some(inbox) = self.inbox() else {
            return Some(None);
        };
        let bytes = inbox.borrow_mut().rows.take()?;
        self.busy = false;
        Some(bytes.and_then(|bytes| PartRows::from_bytes(&bytes.to_vec())))
    }

    async fn news(&self) {
        let Some(inbox) = self.inbox() else {
            return;
        };
        let woken = js_sys::Promise::new(&mut |resolve, _| {
            inbox.borrow_mut().wake = Some(resolve);
        });
        let _ = JsFuture::from(woken).await;
    }

    /// A part no longer wanted may take seconds more: the part worker is ended and a fresh
    /// one started for the next job.
    fn abandon(&mut self) {
        if std::mem::take(&mut self.busy) {
            self.running.replace(Running::start());
        }
    }
}

impl Drop for WebPart {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// The part worker's side: says it is ready, then parses each part it is asked for.
pub fn serve() {
    let readers = Rc::new(RefCell::new(ReaderPool::default()));
    readers.borrow_mut().start_spare(READER_URL);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        wasm_bindgen_futures::spawn_local(parse_part(event.data(), readers.clone()));
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // The parser's code runs optimised from the first part on (as in the engine worker).
    if let Err(why) = crate::warm_up::warm_up() {
        web_sys::console::error_1(&JsValue::from_str(&format!("part worker warm-up: {why}")));
    }
    reply(&object(&[("ready", &JsValue::TRUE)]), None);
}

fn reply(message: &Object, transfer: Option<&JsValue>) {
    let sent = match transfer {
        Some(buffer) => scope().post_message_with_transfer(message, &js_sys::Array::of1(buffer)),
        None => scope().post_message(message),
    };
    if let Err(e) = sent {
        web_sys::console::error_1(&e);
    }
}

fn fail(why: &str) {
    reply(&object(&[("failed", &JsValue::from_str(why))]), None);
}

/// Parses one part and sends it back (see the module's protocol).
async fn parse_part(data: JsValue, readers: Rc<RefCell<ReaderPool>>) {
    let plan = field(&data, "plan").and_then(|p| p.dyn_into::<Uint8Array>().ok());
    let blob = field(&data, "blob").and_then(|b| b.dyn_into::<Blob>().ok());
    let from = field(&data, "from").and_then(|f| f.as_f64());
    let (Some(plan), Some(blob), Some(from)) = (plan, blob, from) else {
        return fail("not a part request");
    };
    let Some(mut part) = FilePart::from_plan(&plan.to_vec()) else {
        return fail("not a plan");
    };
    let size = blob.size() as u64;
    let from = from as u64;
    let window = match read_range(&blob, from, (from + PART_WINDOW_BYTES).min(size)).await {
        Ok(window) => window,
        Err(why) => return fail(&why),
    };
    let Some(at) = part_start(&window, part.row_fields()).map(|start| from + start as u64) else {
        reply(&object(&[("split", &JsValue::from_f64(-1.0))]), None);
        return;
    };
    reply(&object(&[("split", &JsValue::from_f64(at as f64))]), None);
    let mut slices = {
        let mut pool = readers.borrow_mut();
        ReaderSlices::starting_at(&blob, at, SLICE_BYTES, READER_URL, &mut pool)
    };
    let mut buf = Vec::new();
    let mut told = js_sys::Date::now();
    loop {
        match slices.next_into(&mut buf).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(why) => return fail(&why),
        }
        if let Err(problem) = part.push(&buf) {
            // The engine worker reads the part itself and words the problem.
            return fail(&problem.to_string());
        }
        let now = js_sys::Date::now();
        if now - told >= READ_EVERY_MS {
            told = now;
            let read = (slices.offset() - at) as f64;
            reply(&object(&[("read", &JsValue::from_f64(read))]), None);
        }
    }
    drop(buf);
    match part.finish() {
        Ok(Some(rows)) => {
            let bytes = rows.to_bytes();
            drop(rows);
            let array = Uint8Array::from(&bytes[..]);
            drop(bytes);
            let buffer = array.buffer();
            reply(&object(&[("part", &array)]), Some(&buffer));
        }
        _ => fail("the part could not be read"),
    }
}
