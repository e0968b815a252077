//! [`ReaderSlices`]: a file's slices read by a reader worker (`public/reader.js`) on a
//! thread of its own, and the messages the two exchange, typed on this side.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, MessageEvent, Worker};

use super::{PrefetchSlices, ReaderPool};
use crate::worker::job::SliceSource;

#[wasm_bindgen]
extern "C" {
    /// `{blob, start, slice, ahead}`: read `blob` from byte `start` in slices of `slice`
    /// bytes, with at most `ahead` slices sent and not yet answered by `{more}`.
    #[wasm_bindgen(extends = js_sys::Object)]
    type ReaderStart;
    #[wasm_bindgen(method, setter)]
    fn set_blob(this: &ReaderStart, blob: &Blob);
    #[wasm_bindgen(method, setter)]
    fn set_start(this: &ReaderStart, start: f64);
    #[wasm_bindgen(method, setter)]
    fn set_slice(this: &ReaderStart, slice: f64);
    #[wasm_bindgen(method, setter)]
    fn set_ahead(this: &ReaderStart, ahead: f64);

    /// The reader's answers: `{bytes, length, end, readMs}` (a slice: the first `length`
    /// bytes of the buffer `bytes`, transferred), `{done: true}`, or `{error}` (anything
    /// else than the first two means it failed).
    #[wasm_bindgen(extends = js_sys::Object)]
    type ReaderReply;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReaderReply) -> Option<bool>;
    #[wasm_bindgen(method, getter)]
    fn bytes(this: &ReaderReply) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn length(this: &ReaderReply) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn end(this: &ReaderReply) -> Option<f64>;
    /// How long the reader waited on the browser's reads for this slice (diagnostics only).
    #[wasm_bindgen(method, getter, js_name = readMs)]
    fn read_ms(this: &ReaderReply) -> Option<f64>;

    /// `{more: buffer}`: one more slice, into this buffer again (a slice's, given back).
    #[wasm_bindgen(extends = js_sys::Object)]
    type ReaderMore;
    #[wasm_bindgen(method, setter)]
    fn set_more(this: &ReaderMore, buffer: &ArrayBuffer);

    /// The worker's `performance`, for `measure(name, {start, duration})` (web-sys's form
    /// of it needs a feature of its own for the options).
    #[wasm_bindgen(extends = js_sys::Object)]
    type UserTiming;
    #[wasm_bindgen(method)]
    fn now(this: &UserTiming) -> f64;
    #[wasm_bindgen(method, js_name = measure, catch)]
    fn measure_span(
        this: &UserTiming,
        name: &str,
        options: &js_sys::Object,
    ) -> Result<JsValue, JsValue>;
}

/// The User Timing measure of how long the reader waited on the browser for a file's first
/// slice: beside the job's "read wait" it tells a slow file read from a slow reader worker
/// (BENCHMARKS.md, the 10× run whose first slice came 1.5 s late).
pub const FIRST_READ_MEASURE: &str = "store-uptime reader first read";

/// Slices read ahead by the engine worker's file reader, `reader.js`, on a thread of its
/// own: the reads overlap the parsing, where [`PrefetchSlices`]' do not (docs/perf-log.md).
/// If the reader cannot start or fails, reading goes on with [`PrefetchSlices`] from where
/// it stopped, so a read error is reported by the same code either way.
pub struct ReaderSlices {
    blob: Blob,
    slice_bytes: u32,
    size: f64,
    offset: f64,
    inbox: Rc<RefCell<Inbox>>,
    reader: Option<Reader>,
    fallback: Option<PrefetchSlices>,
    /// No slice taken yet (the first is measured).
    first: bool,
}

/// The reader worker and the handlers that must live as long as it does.
struct Reader {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// What the reader has sent and the engine has not taken yet.
#[derive(Default)]
struct Inbox {
    messages: VecDeque<JsValue>,
    /// The reader failed to start or threw: read on without it.
    broken: bool,
    /// Resolves the promise `next_into` waits on.
    wake: Option<js_sys::Function>,
}

impl Inbox {
    fn wake(&mut self) {
        if let Some(wake) = self.wake.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// Slices the reader may send before the engine has taken them: 4 × 8 MiB in memory.
const READ_AHEAD: u32 = 4;

impl ReaderSlices {
    /// Starts the reader on `blob`; `reader_url` is the reader script, relative to this
    /// worker's own script.
    pub fn new(
        blob: &Blob,
        slice_bytes: u32,
        reader_url: &str,
        pool: &mut ReaderPool,
    ) -> ReaderSlices {
        ReaderSlices::starting_at(blob, 0, slice_bytes, reader_url, pool)
    }

    /// The same from byte `start` on (the part worker's part of a file).
    pub fn starting_at(
        blob: &Blob,
        start: u64,
        slice_bytes: u32,
        reader_url: &str,
        pool: &mut ReaderPool,
    ) -> ReaderSlices {
        let mut slices = ReaderSlices {
            blob: blob.clone(),
            slice_bytes: slice_bytes.max(1),
            size: blob.size(),
            offset: start as f64,
            inbox: Rc::default(),
            reader: None,
            fallback: None,
            first: true,
        };
        slices.reader = slices.start_reader(pool.take(reader_url));
        slices.inbox.borrow_mut().broken = slices.reader.is_none();
        slices
    }

    fn start_reader(&self, worker: Option<Worker>) -> Option<Reader> {
        let worker = worker?;
        let inbox = self.inbox.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let mut inbox = inbox.borrow_mut();
            inbox.messages.push_back(event.data());
            inbox.wake();
        });
        let inbox = self.inbox.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            let mut inbox = inbox.borrow_mut();
            inbox.broken = true;
            inbox.wake();
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let start: ReaderStart = js_sys::Object::new().unchecked_into();
        start.set_blob(&self.blob);
        start.set_start(self.offset);
        start.set_slice(f64::from(self.slice_bytes));
        start.set_ahead(f64::from(READ_AHEAD));
        worker.post_message(&start).ok()?;
        Some(Reader {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// The blob's size in bytes.
    pub fn size(&self) -> u64 {
        self.size as u64
    }

    /// Bytes handed out so far.
    pub fn offset(&self) -> u64 {
        self.offset as u64
    }

    /// Whether the reader worker is still doing the reading (for the tests).
    pub fn uses_reader(&self) -> bool {
        self.fallback.is_none()
    }

    /// Puts the next slice into `buf` (replacing its contents); `Ok(false)` at the end.
    pub async fn next_into(&mut self, buf: &mut Vec<u8>) -> Result<bool, String> {
        loop {
            if let Some(fallback) = &mut self.fallback {
                let more = fallback.next_into(buf).await?;
                self.offset = fallback.offset() as f64;
                return Ok(more);
            }
            let (message, broken) = {
                let mut inbox = self.inbox.borrow_mut();
                (inbox.messages.pop_front(), inbox.broken)
            };
            match message {
                Some(message) => {
                    if let Some(more) = self.take(&message, buf) {
                        return Ok(more);
                    }
                }
                None if broken => {}
                None => {
                    let inbox = self.inbox.clone();
                    let woken = js_sys::Promise::new(&mut |resolve, _| {
                        inbox.borrow_mut().wake = Some(resolve);
                    });
                    let _ = JsFuture::from(woken).await;
                    continue;
                }
            }
            // The reader failed (or sent something unexpected): go on without it.
            self.reader = None;
            self.fallback = Some(PrefetchSlices::starting_at(
                &self.blob,
                self.slice_bytes,
                self.offset,
            )?);
        }
    }

    /// A slice into `buf` (`Some(true)`), the end (`Some(false)`), or `None` for a failure.
    fn take(&mut self, message: &JsValue, buf: &mut Vec<u8>) -> Option<bool> {
        let reply = message.unchecked_ref::<ReaderReply>();
        if reply.done() == Some(true) {
            buf.clear();
            return Some(false);
        }
        let bytes = reply.bytes().dyn_into::<ArrayBuffer>().ok()?;
        let end = reply.end()?;
        let length = reply.length()?;
        if !(0.0..=f64::from(bytes.byte_length())).contains(&length) {
            return None;
        }
        let view = Uint8Array::new_with_byte_offset_and_length(&bytes, 0, length as u32);
        buf.resize(view.length() as usize, 0);
        view.copy_to(buf);
        self.offset = end;
        if std::mem::take(&mut self.first) {
            measure_first_read(reply.read_ms());
        }
        // The buffer goes back to be filled again: the reader then allocates no new one.
        if let Some(reader) = &self.reader {
            let more: ReaderMore = js_sys::Object::new().unchecked_into();
            more.set_more(&bytes);
            let _ = reader
                .worker
                .post_message_with_transfer(&more, &js_sys::Array::of1(&bytes));
        }
        Some(true)
    }
}

impl SliceSource for ReaderSlices {
    fn next_into(
        &mut self,
        buf: &mut Vec<u8>,
    ) -> impl std::future::Future<Output = Result<bool, String>> {
        ReaderSlices::next_into(self, buf)
    }

    fn offset(&self) -> u64 {
        ReaderSlices::offset(self)
    }

    fn size(&self) -> u64 {
        ReaderSlices::size(self)
    }

    fn read_range(
        &mut self,
        start: u64,
        end: u64,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, String>> {
        // Reading at offsets (a zip archive): the reader's slices in order are not wanted.
        self.reader = None;
        self.inbox.borrow_mut().messages.clear();
        super::read_range(&self.blob, start, end)
    }
}

/// Records [`FIRST_READ_MEASURE`], ending now (where the reader's clock is not ours, only
/// the duration is the reader's).
fn measure_first_read(read_ms: Option<f64>) {
    let Some(duration) = read_ms.filter(|ms| ms.is_finite() && *ms >= 0.0) else {
        return;
    };
    let Some(performance) = crate::web::field(&js_sys::global(), "performance") else {
        return;
    };
    let performance: UserTiming = performance.unchecked_into();
    let now = performance.now();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"start".into(), &(now - duration).max(0.0).into());
    let _ = js_sys::Reflect::set(&options, &"duration".into(), &duration.min(now).into());
    let _ = performance.measure_span(FIRST_READ_MEASURE, &options);
}
