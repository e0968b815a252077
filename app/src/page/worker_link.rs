//! The page's end of the web worker: starts it, queues messages until it says "ready"
//! (earlier ones can be lost), and hands its replies to one handler.
//!
//! Never runs the engine and never reads files: `Blob`s are passed to the worker as they are.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, ErrorEvent, MessageEvent, Worker};

use store_uptime::messages::{
    FromWorker, ToWorker, WORKER_CSV_FIELD, WORKER_FILES_FIELD, WORKER_JSON_FIELD,
};

/// Trunk's loader for the worker bin (`data-loader-shim`), next to index.html.
const WORKER_URL: &str = "./worker_loader.js";

type Handler = Rc<dyn Fn(FromWorker)>;

#[derive(Default)]
struct Link {
    worker: Option<Worker>,
    ready: bool,
    queue: Vec<js_sys::Object>,
    handler: Option<Handler>,
    on_crash: Option<Rc<dyn Fn(String)>>,
    /// Keeps the event closures alive as long as their worker.
    closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

thread_local! {
    /// The one worker of the tab and its queue: a connection, not page state (nothing drawn
    /// reads it), needed by code outside any component (timers, its own restarts); the
    /// page's state lives in context (`super::State`).
    static LINK: RefCell<Link> = RefCell::new(Link::default());
}

/// Starts the worker; `handler` receives every message it sends, `Ready` included.
/// A worker that fails to load or crashes is reported as `Err(text)` to `on_crash`.
pub fn connect(handler: impl Fn(FromWorker) + 'static, on_crash: impl Fn(String) + 'static) {
    LINK.with(|l| {
        let mut link = l.borrow_mut();
        link.handler = Some(Rc::new(handler));
        link.on_crash = Some(Rc::new(on_crash));
    });
    spawn();
}

/// The worker's URL: the page's `?parts=on` or `?parts=off` goes along, so the browser tests
/// and the benchmark can turn the part worker on or off whatever the machine's cores
/// (docs/app.md, "Two engine workers").
fn worker_url() -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let parts = ["?parts=on", "?parts=off"]
        .into_iter()
        .find(|p| search == *p || search.starts_with(&format!("{p}&")));
    format!("{WORKER_URL}{}", parts.unwrap_or(""))
}

fn spawn() {
    let worker = match Worker::new(&worker_url()) {
        Ok(w) => w,
        Err(e) => {
            report_crash(format!("the report worker could not start: {e:?}"));
            return;
        }
    };
    let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let data = event.unchecked_ref::<MessageEvent>().data();
        // JSON text, or for `Complete` the JSON with the CSV's bytes beside it.
        let (text, csv) = match data.as_string() {
            Some(text) => (text, None),
            None => {
                let field = |name: &str| js_sys::Reflect::get(&data, &JsValue::from_str(name));
                let Some(text) = field(WORKER_JSON_FIELD).ok().and_then(|t| t.as_string()) else {
                    return;
                };
                let csv = field(WORKER_CSV_FIELD)
                    .ok()
                    .and_then(|c| c.dyn_into::<js_sys::Uint8Array>().ok());
                (text, csv)
            }
        };
        let Ok(mut message) = serde_json::from_str::<FromWorker>(&text) else {
            web_sys::console::error_1(&JsValue::from_str(&format!(
                "page: unreadable worker message {text}"
            )));
            return;
        };
        if let (FromWorker::Complete { outcome, .. }, Some(csv)) = (&mut message, csv) {
            outcome.csv = String::from_utf8(csv.to_vec())
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        }
        if message == FromWorker::Ready {
            flush();
        }
        // Clone the handler out first: it may send messages (and so borrow LINK) itself.
        let handler = LINK.with(|l| l.borrow().handler.clone());
        if let Some(handler) = handler {
            handler(message);
        }
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let text = event
            .dyn_ref::<ErrorEvent>()
            .map(|e| e.message())
            .unwrap_or_else(|| "the report worker could not be loaded".to_string());
        report_crash(text);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    LINK.with(|l| {
        let mut link = l.borrow_mut();
        link.worker = Some(worker);
        link.ready = false;
        link.closures = vec![on_message, on_error];
    });
}

fn report_crash(text: String) {
    let crash = LINK.with(|l| l.borrow().on_crash.clone());
    if let Some(crash) = crash {
        crash(text);
    }
}

fn flush() {
    LINK.with(|l| {
        let mut link = l.borrow_mut();
        link.ready = true;
        let queue = std::mem::take(&mut link.queue);
        if let Some(worker) = &link.worker {
            for message in queue {
                if let Err(e) = worker.post_message(&message) {
                    web_sys::console::error_1(&e);
                }
            }
        }
    });
}

/// Sends a message with files attached (see `messages::WORKER_FILES_FIELD`).
pub fn send(message: &ToWorker, blobs: &[Blob]) {
    let Ok(json) = serde_json::to_string(message) else {
        return;
    };
    let object = js_sys::Object::new();
    let files: js_sys::Array = blobs.iter().collect();
    let _ = js_sys::Reflect::set(
        &object,
        &JsValue::from_str(WORKER_JSON_FIELD),
        &JsValue::from_str(&json),
    );
    let _ = js_sys::Reflect::set(&object, &JsValue::from_str(WORKER_FILES_FIELD), &files);
    LINK.with(|l| {
        let mut link = l.borrow_mut();
        match (&link.worker, link.ready) {
            (Some(worker), true) => {
                if let Err(e) = worker.post_message(&object) {
                    web_sys::console::error_1(&e);
                }
            }
            _ => link.queue.push(object),
        }
    });
}

/// Ends the worker at once (a job that did not answer a cancel) and starts a fresh one.
pub fn restart() {
    LINK.with(|l| {
        let mut link = l.borrow_mut();
        if let Some(worker) = link.worker.take() {
            worker.terminate();
        }
        link.ready = false;
        link.queue.clear();
        link.closures.clear();
    });
    spawn();
}
