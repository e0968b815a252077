//! Reads a `Blob` (a user's `File`) in fixed-size slices, so memory stays a few slices plus
//! the parsed data: [`ReaderSlices`] (a job's reads, on a reader worker from [`ReaderPool`]),
//! [`PrefetchSlices`] (`Blob.arrayBuffer()` one slice ahead: headers, and the reader's
//! fallback) and [`BlobSlices`] (`FileReaderSync`: reading on past an over-long header).
//! Works only inside a worker; never parses.

mod pool;
mod reader;

pub use pool::ReaderPool;
pub use reader::{ReaderSlices, FIRST_READ_MEASURE};

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileReaderSync};

use crate::web::js_error_text;

/// 8 MiB: each slice costs a turn of the worker's event loop to arrive and another to let a
/// cancel in (at 10×, 0.4–0.6 s of 4.3 s with 4 MiB slices), yet a slice is read in about
/// 15 ms, so progress and cancellation still come many times a second. Measured against 16,
/// 4, 2 and 1 MiB (docs/perf-log.md).
pub const SLICE_BYTES: u32 = 8 << 20;

/// How much of a file is read first to find its header (SPEC §1: files are recognised by
/// it). Small, because the owner waits for it after choosing files, and 1 MiB was measurably
/// slower (docs/perf-log.md). A longer first row is read on until it ends
/// (`decide_by_reading`).
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
/// read is under way while the engine parses this one. Against `FileReaderSync` the wait for
/// reads shrinks only a little (Chrome seems to copy the data in on the worker's own thread),
/// but awaiting a read resets the timer nesting, so the per-slice `setTimeout(0)` yield is no
/// longer clamped to 4 ms (measurements: docs/perf-log.md).
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

/// Bytes `start..end` of a blob (a zip archive's directory, an entry's data).
pub async fn read_range(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let part = blob
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(|e| js_error_text(&e))?;
    let bytes: ArrayBuffer = JsFuture::from(part.array_buffer())
        .await
        .map_err(|e| js_error_text(&e))?
        .unchecked_into();
    Ok(Uint8Array::new(&bytes).to_vec())
}

/// A blob read at offsets, for [`crate::worker::zip`].
pub struct BlobRanges(pub Blob);

impl crate::worker::zip::RangeSource for BlobRanges {
    fn read_range(
        &mut self,
        start: u64,
        end: u64,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, String>> {
        read_range(&self.0, start, end)
    }

    fn size(&self) -> u64 {
        self.0.size() as u64
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
