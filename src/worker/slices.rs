//! Reads a `Blob` (a user's `File`) in fixed-size slices, so a file of any size is never one
//! big string or buffer: memory stays a few slices plus the parsed data. `ReaderSlices`
//! (the job's reads, on the reader worker `public/reader.js`), `PrefetchSlices`
//! (`Blob.arrayBuffer()` one slice ahead: headers, and the reader's fallback) and
//! `BlobSlices` (`FileReaderSync`, synchronous: reading on past an over-long header).
//!
//! Works only inside a worker. Never parses: the bytes go to the engine's `Ingest::push`
//! unchanged.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileReaderSync, MessageEvent, Worker};

/// 4 MiB: large enough that per-slice overhead is nothing, small enough that progress and
/// cancellation come several times a second; measured faster than 8 MiB, and no reading gap
/// over 250 ms on the 10× set (BENCHMARKS.md).
pub const SLICE_BYTES: u32 = 4 << 20;

/// How much of a file is read first to find its header (SPEC §1: files are recognised by
/// it). Small, because the owner waits for it after choosing files: 1 MiB took 40–80 ms a
/// file (BENCHMARKS.md). A longer first row is read on until it ends (`decide_by_reading`).
pub const HEAD_BYTES: u32 = 64 << 10;

/// Successive slices of one blob.
pub struct BlobSlices {
    blob: Blob,
    reader: FileReaderSync,
    offset: f64,
    size: f64,
    slice: f64,
}

impl BlobSlices {
    /// Fails outside a worker, where there is no `FileReaderSync`.
    pub fn new(blob: &Blob, slice_bytes: u32) -> Result<BlobSlices, String> {
        let reader = FileReaderSync::new().map_err(|e| js_error_text(&e))?;
        Ok(BlobSlices {
            blob: blob.clone(),
            reader,
            offset: 0.0,
            size: blob.size(),
            slice: f64::from(slice_bytes.max(1)),
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

    /// Puts the next slice into `buf` (replacing its contents); `Ok(false)` at the end.
    pub fn next_into(&mut self, buf: &mut Vec<u8>) -> Result<bool, String> {
        if self.offset >= self.size {
            buf.clear();
            return Ok(false);
        }
        let end = (self.offset + self.slice).min(self.size);
        let part = self
            .blob
            .slice_with_f64_and_f64(self.offset, end)
            .map_err(|e| js_error_text(&e))?;
        let bytes: ArrayBuffer = self
            .reader
            .read_as_array_buffer(&part)
            .map_err(|e| js_error_text(&e))?;
        let view = Uint8Array::new(&bytes);
        buf.resize(view.length() as usize, 0);
        view.copy_to(buf);
        self.offset = end;
        Ok(true)
    }
}

/// Successive slices of one blob read with `Blob.arrayBuffer()`, one slice ahead, so the next
/// read is under way while the engine parses this one. Measured against `FileReaderSync`
/// (BENCHMARKS.md, 10× set): the wait for reads shrinks only a little, 5.5 → 3.6–4.7 s (Chrome
/// seems to copy the data in on the worker's own thread), but awaiting a read resets the timer
/// nesting, so the per-slice `setTimeout(0)` yield is no longer clamped to 4 ms: 0.9 → 0.15 s.
pub struct PrefetchSlices {
    blob: Blob,
    offset: f64,
    size: f64,
    slice: f64,
    /// The read in flight: where it ends, and its promise.
    next: Option<(f64, JsFuture)>,
}

impl PrefetchSlices {
    /// Starts reading the first slice at once.
    pub fn new(blob: &Blob, slice_bytes: u32) -> Result<PrefetchSlices, String> {
        PrefetchSlices::starting_at(blob, slice_bytes, 0.0)
    }

    /// The same from byte `start` on (where a [`ReaderSlices`] left off).
    fn starting_at(blob: &Blob, slice_bytes: u32, start: f64) -> Result<PrefetchSlices, String> {
        let mut slices = PrefetchSlices {
            blob: blob.clone(),
            offset: start,
            size: blob.size(),
            slice: f64::from(slice_bytes.max(1)),
            next: None,
        };
        slices.next = slices.request(start)?;
        Ok(slices)
    }

    fn request(&self, start: f64) -> Result<Option<(f64, JsFuture)>, String> {
        if start >= self.size {
            return Ok(None);
        }
        let end = (start + self.slice).min(self.size);
        let part = self
            .blob
            .slice_with_f64_and_f64(start, end)
            .map_err(|e| js_error_text(&e))?;
        Ok(Some((end, JsFuture::from(part.array_buffer()))))
    }

    /// The blob's size in bytes.
    pub fn size(&self) -> u64 {
        self.size as u64
    }

    /// Bytes handed out so far.
    pub fn offset(&self) -> u64 {
        self.offset as u64
    }

    /// Puts the next slice into `buf` (replacing its contents) and starts reading the one
    /// after; `Ok(false)` at the end.
    pub async fn next_into(&mut self, buf: &mut Vec<u8>) -> Result<bool, String> {
        let Some((end, read)) = self.next.take() else {
            buf.clear();
            return Ok(false);
        };
        let bytes: ArrayBuffer = read.await.map_err(|e| js_error_text(&e))?.unchecked_into();
        self.next = self.request(end)?;
        let view = Uint8Array::new(&bytes);
        buf.resize(view.length() as usize, 0);
        view.copy_to(buf);
        self.offset = end;
        Ok(true)
    }
}

/// Slices read ahead by the engine worker's file reader, `reader.js`, on a thread of its
/// own: the reads overlap the parsing, where [`PrefetchSlices`]' do not (BENCHMARKS.md). If
/// the reader cannot start or fails, reading goes on with [`PrefetchSlices`] from where it
/// stopped, so a read error is reported by the same code either way.
pub struct ReaderSlices {
    blob: Blob,
    slice_bytes: u32,
    size: f64,
    offset: f64,
    inbox: Rc<RefCell<Inbox>>,
    reader: Option<Reader>,
    fallback: Option<PrefetchSlices>,
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

/// A reader worker started before it is needed, so a job does not wait for one to load.
struct Spare {
    url: String,
    worker: Worker,
    /// Set if it failed to load while waiting.
    broken: Rc<std::cell::Cell<bool>>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static SPARE: RefCell<Option<Spare>> = const { RefCell::new(None) };
}

/// Starts a reader worker from `url` to be taken by the next [`ReaderSlices`].
pub fn start_spare_reader(url: &str) {
    let Ok(worker) = Worker::new(url) else {
        return;
    };
    let broken = Rc::new(std::cell::Cell::new(false));
    let flag = broken.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        event.prevent_default();
        flag.set(true);
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let spare = Spare {
        url: url.to_string(),
        worker,
        broken,
        _on_error: on_error,
    };
    if let Some(old) = SPARE.with(|s| s.borrow_mut().replace(spare)) {
        old.worker.terminate();
    }
}

/// The spare reader if it is for `url` and loaded fine (and a new spare for the next file),
/// else a reader started now; `None` if none can be.
fn take_spare(url: &str) -> Option<Worker> {
    let spare = SPARE.with(|s| s.borrow_mut().take());
    let worker = match spare {
        Some(spare) if spare.url == url => {
            if spare.broken.get() {
                // `url` did not load: read without a reader this time (the next file tries
                // again, without a spare).
                spare.worker.terminate();
                return None;
            }
            spare.worker.set_onerror(None);
            Some(spare.worker)
        }
        other => {
            if let Some(spare) = other {
                spare.worker.terminate();
            }
            Worker::new(url).ok()
        }
    };
    start_spare_reader(url);
    worker
}

thread_local! {
    /// The status file the owner just added, already being read (see [`read_ahead`]).
    static AHEAD: RefCell<Option<(u32, ReaderSlices)>> = const { RefCell::new(None) };
}

/// Starts reading the file of `token` (the page's `Inspect` token) while the owner decides
/// to press Generate: its first slices are then waiting when the job starts (the first read
/// of a file costs tens of ms). At most [`READ_AHEAD`] slices are held; one file at a time.
pub fn read_ahead(token: u32, blob: &Blob, slice_bytes: u32, reader_url: &str) {
    let slices = ReaderSlices::new(blob, slice_bytes, reader_url);
    // The previous file's reader, if any, is dropped (and ended) here.
    AHEAD.with(|r| r.borrow_mut().replace((token, slices)));
}

/// The slices [`read_ahead`] started for `token`, if it was the last file read ahead.
pub fn take_read_ahead(token: u32) -> Option<ReaderSlices> {
    AHEAD.with(|r| {
        let mut ahead = r.borrow_mut();
        match ahead.take() {
            Some((t, slices)) if t == token => Some(slices),
            other => {
                *ahead = other;
                None
            }
        }
    })
}

/// Ends reading ahead (a job started without that file: its slices would only take memory).
pub fn stop_reading_ahead() {
    AHEAD.with(|r| r.borrow_mut().take());
}

/// Slices the reader may send before the engine has taken them: 4 × 4 MiB in memory.
const READ_AHEAD: u32 = 4;

impl ReaderSlices {
    /// Starts the reader on `blob`; `reader_url` is the reader script, relative to this
    /// worker's own script.
    pub fn new(blob: &Blob, slice_bytes: u32, reader_url: &str) -> ReaderSlices {
        let mut slices = ReaderSlices {
            blob: blob.clone(),
            slice_bytes: slice_bytes.max(1),
            size: blob.size(),
            offset: 0.0,
            inbox: Rc::default(),
            reader: None,
            fallback: None,
        };
        slices.reader = slices.start_reader(reader_url);
        slices.inbox.borrow_mut().broken = slices.reader.is_none();
        slices
    }

    fn start_reader(&self, url: &str) -> Option<Reader> {
        let worker = take_spare(url)?;
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
        let start = js_sys::Object::new();
        let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&start, &key.into(), value);
        set("blob", &self.blob).ok()?;
        set("start", &JsValue::from_f64(0.0)).ok()?;
        set("slice", &JsValue::from_f64(f64::from(self.slice_bytes))).ok()?;
        set("ahead", &JsValue::from_f64(f64::from(READ_AHEAD))).ok()?;
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
        let field = |key: &str| js_sys::Reflect::get(message, &key.into()).ok();
        if field("done").is_some_and(|d| d.is_truthy()) {
            buf.clear();
            return Some(false);
        }
        let bytes = field("bytes")?.dyn_into::<ArrayBuffer>().ok()?;
        let end = field("end")?.as_f64()?;
        if let Some(reader) = &self.reader {
            let _ = reader.worker.post_message(&JsValue::from_str("more"));
        }
        let view = Uint8Array::new(&bytes);
        buf.resize(view.length() as usize, 0);
        view.copy_to(buf);
        self.offset = end;
        Some(true)
    }
}

/// The first `max` bytes of a blob, and whether that is the whole blob. Asynchronous, so
/// the heads of several files are read at once (a file's first read costs tens of ms).
pub async fn read_head(blob: &Blob, max: u32) -> Result<(Vec<u8>, bool), String> {
    let mut slices = PrefetchSlices::new(blob, max)?;
    let mut head = Vec::new();
    slices.next_into(&mut head).await?;
    Ok((head, slices.offset() >= slices.size()))
}

/// A thrown JS value as text: a `DOMException`'s or `Error`'s message, else the value.
pub fn js_error_text(error: &JsValue) -> String {
    // A DOMException is also an `Error`: ask for it first, its name is the useful part
    // (`QuotaExceededError`, `NotReadableError`).
    if let Some(e) = error.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}
