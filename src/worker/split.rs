//! The status file parsed on two engine workers (issue 5): the engine worker the page
//! started ("primary") parses the file up to about its middle, while a second instance of
//! the same worker ("helper", started by the primary) parses the rest and sends it back as
//! bytes (`engine::FilePart::write_to`), which the primary merges as if it had read those
//! lines itself (`Ingest::read_part`, `Ingest::merge_part`). Same result, byte for byte; on
//! two cores the parse takes about half as long.
//!
//! Both sides cut at the same place, the first line start at or after byte `at`
//! (`FilePart::start_in`). Whatever goes wrong with the helper (it cannot start, fails,
//! stalls, or sends bytes that do not merge), the primary reads the rest itself, so a
//! problem with the file is reported by the same code either way.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, MessageEvent, Worker};

use super::slices::{read_head, ReaderSlices, HEAD_BYTES, SLICE_BYTES};
use super::{post, scope, READER_URL};
use crate::engine::FilePart;
use crate::messages::{
    FromWorker, ToWorker, WORKER_FILES_FIELD, WORKER_JSON_FIELD, WORKER_PART_FIELD,
};

/// The helper is this worker's own script, beside it in dist/.
const HELPER_URL: &str = "worker_loader.js";

/// Smaller status files are parsed on one worker: below a few slices, starting the helper's
/// reads costs about what it saves.
pub const SPLIT_MIN_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// With no word from the helper for this long, the primary reads the rest itself. The
/// helper reports every ~100 ms while it parses.
const STALLED_MS: f64 = 10_000.0;

/// How often the primary wakes while it waits, to check for Cancel and post progress.
const WAIT_STEP_MS: i32 = 100;

/// What the helper has said, and the pending start message while it loads.
#[derive(Default)]
struct Inbox {
    ready: bool,
    /// `ParsePart`, held until the helper says `Ready` (messages before that may be lost).
    pending: Option<JsValue>,
    parsed: u64,
    answer: Option<Answer>,
    last_heard: f64,
    wake: Option<js_sys::Function>,
}

enum Answer {
    Part { start: u64, bytes: Uint8Array },
    None(String),
}

impl Inbox {
    fn wake(&mut self) {
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// A helper worker; dropping it ends the worker (and frees its memory).
pub struct Helper {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

thread_local! {
    /// A helper started before it is needed: loading the worker's wasm takes ~0.1 s.
    static SPARE: RefCell<Option<Helper>> = const { RefCell::new(None) };
}

/// Starts a spare helper unless one is waiting (the primary calls this when files arrive).
pub fn start_spare_helper() {
    if SPARE.with(|s| s.borrow().is_none()) {
        let helper = Helper::start();
        SPARE.with(|s| *s.borrow_mut() = helper);
    }
}

impl Helper {
    fn start() -> Option<Helper> {
        let worker = Worker::new(HELPER_URL).ok()?;
        let inbox = Rc::new(RefCell::new(Inbox {
            last_heard: js_sys::Date::now(),
            ..Inbox::default()
        }));
        let (target, messages) = (worker.clone(), inbox.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let field = |name: &str| js_sys::Reflect::get(&data, &JsValue::from_str(name)).ok();
            let text = field(WORKER_JSON_FIELD)
                .and_then(|t| t.as_string())
                .or_else(|| data.as_string());
            let message = text.and_then(|t| serde_json::from_str::<FromWorker>(&t).ok());
            let mut inbox = messages.borrow_mut();
            inbox.last_heard = js_sys::Date::now();
            match message {
                Some(FromWorker::Ready) => {
                    inbox.ready = true;
                    if let Some(pending) = inbox.pending.take() {
                        if target.post_message(&pending).is_err() {
                            inbox.answer = Some(Answer::None("could not start the helper".into()));
                        }
                    }
                }
                Some(FromWorker::PartProgress { bytes }) => inbox.parsed = bytes,
                Some(FromWorker::Part { start, error }) => {
                    let bytes =
                        field(WORKER_PART_FIELD).and_then(|b| b.dyn_into::<Uint8Array>().ok());
                    inbox.answer = Some(match (error, bytes) {
                        (None, Some(bytes)) => Answer::Part { start, bytes },
                        (error, _) => Answer::None(error.unwrap_or_else(|| "no bytes".into())),
                    });
                }
                _ => inbox.answer = Some(Answer::None("an unexpected message".into())),
            }
            inbox.wake();
        });
        let messages = inbox.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            let mut inbox = messages.borrow_mut();
            let why = event
                .dyn_ref::<web_sys::ErrorEvent>()
                .map(|e| e.message())
                .unwrap_or_else(|| "the helper failed to load".into());
            inbox.answer.get_or_insert(Answer::None(why));
            inbox.wake();
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Helper {
            worker,
            inbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// The spare helper, or one started now, set to parse `blob` from `at` on.
    pub fn parse(blob: &Blob, name: &str, at: u64) -> Option<Helper> {
        let helper = SPARE
            .with(|s| s.borrow_mut().take())
            .or_else(Helper::start)?;
        let text = serde_json::to_string(&ToWorker::ParsePart {
            name: name.to_string(),
            at,
        })
        .ok()?;
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &WORKER_JSON_FIELD.into(), &text.into()).ok()?;
        let files = js_sys::Array::of1(blob);
        js_sys::Reflect::set(&message, &WORKER_FILES_FIELD.into(), &files).ok()?;
        {
            let mut inbox = helper.inbox.borrow_mut();
            if inbox.answer.is_some() {
                return None; // it failed to load while it waited
            }
            inbox.last_heard = js_sys::Date::now();
            if inbox.ready {
                helper.worker.post_message(&message).ok()?;
            } else {
                inbox.pending = Some(message.into());
            }
        }
        Some(helper)
    }

    /// Bytes of its part the helper has parsed so far.
    pub fn parsed(&self) -> u64 {
        self.inbox.borrow().parsed
    }

    /// Waits up to ~100 ms for the helper's answer: `Some(Ok((start, bytes)))` for its part,
    /// `Some(Err(why))` if there will be none, `None` if it is still parsing.
    pub async fn answer(&self) -> Option<Result<(u64, Uint8Array), String>> {
        let inbox = self.inbox.clone();
        let woken = js_sys::Promise::new(&mut |resolve, _| {
            let _ = scope()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, WAIT_STEP_MS);
            inbox.borrow_mut().wake = Some(resolve);
        });
        if self.inbox.borrow().answer.is_none() {
            let _ = wasm_bindgen_futures::JsFuture::from(woken).await;
        }
        let mut inbox = self.inbox.borrow_mut();
        inbox.wake = None;
        match inbox.answer.take() {
            Some(Answer::Part { start, bytes }) => Some(Ok((start, bytes))),
            Some(Answer::None(why)) => Some(Err(why)),
            None if js_sys::Date::now() - inbox.last_heard > STALLED_MS => {
                Some(Err("the helper stopped answering".into()))
            }
            None => None,
        }
    }
}

/// The part's bytes read from JS memory a block at a time, so they are never all copied
/// into this worker's memory at once (the 10× set's part is ~110 MB).
pub struct JsBytes {
    bytes: Uint8Array,
    at: u32,
}

impl JsBytes {
    pub fn new(bytes: Uint8Array) -> JsBytes {
        JsBytes { bytes, at: 0 }
    }
}

impl Read for JsBytes {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.bytes.length() - self.at;
        let n = left.min(u32::try_from(buf.len()).unwrap_or(u32::MAX));
        self.bytes
            .subarray(self.at, self.at + n)
            .copy_to(&mut buf[..n as usize]);
        self.at += n;
        Ok(n as usize)
    }
}

/// The helper's side of `ParsePart`: parses `blob` from the first line start at or after
/// `at` and posts the part, reporting progress on the way.
pub async fn parse_part(name: &str, blob: Option<Blob>, at: u64) {
    match parsed_part(name, blob, at).await {
        Ok((start, bytes)) => {
            let array = Uint8Array::from(&bytes[..]);
            drop(bytes);
            let Ok(text) = serde_json::to_string(&FromWorker::Part { start, error: None }) else {
                return;
            };
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &WORKER_JSON_FIELD.into(), &text.into());
            let _ = js_sys::Reflect::set(&message, &WORKER_PART_FIELD.into(), &array);
            let transfer = js_sys::Array::of1(&array.buffer());
            if let Err(e) = scope().post_message_with_transfer(&message, &transfer) {
                web_sys::console::error_1(&e);
            }
        }
        Err(why) => post(&FromWorker::Part {
            start: 0,
            error: Some(why),
        }),
    }
}

async fn parsed_part(name: &str, blob: Option<Blob>, at: u64) -> Result<(u64, Vec<u8>), String> {
    let blob = blob.ok_or("no file attached")?;
    let (head, _) = read_head(&blob, HEAD_BYTES).await?;
    let mut part = FilePart::from_head(name, &head)
        .ok_or("not a status file whose header fits in its first 64 KiB")?;
    let at = at.max(1);
    let mut slices = ReaderSlices::starting_at(&blob, SLICE_BYTES, READER_URL, at - 1);
    let mut start = None;
    let mut buf = Vec::new();
    let mut last_post = 0.0;
    loop {
        let before = slices.offset();
        if !slices.next_into(&mut buf).await? {
            break;
        }
        let piece = match start {
            Some(_) => &buf[..],
            None => match FilePart::start_in(&buf, before, at) {
                Some(cut) => {
                    start = Some(cut);
                    &buf[(cut - before) as usize..]
                }
                None => continue,
            },
        };
        part.push(piece).map_err(|problem| problem.to_string())?;
        let now = js_sys::Date::now();
        if now - last_post >= 100.0 {
            last_post = now;
            let bytes = slices.offset() - start.unwrap_or(0);
            post(&FromWorker::PartProgress { bytes });
        }
    }
    // No line break after `at`: the part is empty, and the primary never cuts the file.
    let start = start.unwrap_or(slices.size());
    let mut bytes = Vec::new();
    part.write_to(&mut bytes).map_err(|e| e.to_string())?;
    Ok((start, bytes))
}
