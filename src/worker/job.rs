//! A report job's steps (read the files slice by slice into the engine, analyse, write the
//! report, build the fleet model) over any [`SliceSource`] and any [`Host`] that posts the
//! messages, so they run natively in tests with in-memory files and a fake clock; the web
//! glue gives them the browser's slices, `postMessage` and event loop.

use std::cell::Cell;
use std::future::Future;
use std::ops::ControlFlow;
use std::rc::Rc;

use crate::engine::archive::{entry_name, plan, sniff, Container, EntryPlan, Halt, Inflater};
use crate::engine::summary::Pct;
use crate::engine::{self, fleet, FileError, FileProblem, Ingest, Progress, RunError};
use crate::fleet_view::{CellStores, DetailView, FleetView, RegionHeat, SlotStores, TargetView};
use crate::messages::{
    DetailAnswer, DownloadFile, FileFacts, FromWorker, JobOptions, JobProgress, Outcome,
};
use crate::report_html::ReportFile;
use crate::worker::zip::{entry_data_start, zip_entries, RangeSource};

/// Progress is posted at most this often, in milliseconds.
pub const PROGRESS_EVERY_MS: f64 = 100.0;

/// Successive slices of one input file.
pub trait SliceSource {
    /// Puts the next slice into `buf` (replacing its contents); `Ok(false)` at the end. The
    /// error is the browser's words for a failed read.
    fn next_into(&mut self, buf: &mut Vec<u8>) -> impl Future<Output = Result<bool, String>>;
    /// Bytes handed out so far.
    fn offset(&self) -> u64;
    /// The file's size in bytes.
    fn size(&self) -> u64;
    /// Bytes `start..end` of the file, wherever the slices are (a zip's directory is at its
    /// end); the slices read ahead are no longer needed once this is called.
    fn read_range(&mut self, start: u64, end: u64)
        -> impl Future<Output = Result<Vec<u8>, String>>;
}

/// A source's bytes at any offset, for [`crate::worker::zip`].
struct Ranges<'a, S>(&'a mut S);

impl<S: SliceSource> RangeSource for Ranges<'_, S> {
    fn read_range(
        &mut self,
        start: u64,
        end: u64,
    ) -> impl Future<Output = Result<Vec<u8>, String>> {
        self.0.read_range(start, end)
    }

    fn size(&self) -> u64 {
        self.0.size()
    }
}

/// Where a job's messages go, and what it needs of its event loop.
pub trait Host {
    fn post(&self, message: &FromWorker);
    /// Posts `Complete` (the web host sends its CSV beside the JSON, as bytes).
    fn post_complete(&self, job: &str, outcome: Box<Outcome>);
    /// Milliseconds on any steady clock, for throttling progress.
    fn now_ms(&self) -> f64;
    /// Lets the event loop run once, so a `Cancel` (and the next slices) can arrive.
    fn pause(&self) -> impl Future<Output = ()>;
    /// Starts timing a phase of the job (the web host's User Timing measures).
    fn phase_start(&self) {}
    /// Ends the phase `name`, from the last `phase_start` or `phase_end`.
    fn phase_end(&self, _name: &str) {}
}

/// A second engine worker that parses the later part of a big status file while this one
/// reads the first, so the two cores of a laptop share the parsing as the CLI's threads do
/// (docs/app.md, "Two engine workers"; measured in BENCHMARKS.md). Its part is merged only
/// where the file reads the same as in order (`engine::part_start`, `Ingest::at_row_start`);
/// anything else, and any failure, and the rest is read here as without it.
pub trait PartWorker {
    /// Files smaller than this are read here alone: sending a part costs more than it saves.
    fn min_bytes(&self) -> u64 {
        PART_MIN_BYTES
    }
    /// Starts parsing input `index` from the first line start after byte `from` on, as
    /// `plan` (`Ingest::part_plan`) says; `false` if the part worker cannot take it.
    fn start(&mut self, index: usize, plan: &[u8], from: u64) -> bool;
    /// Where the part starts, once known; `Some(None)`: it reads no part after all.
    fn split(&self) -> Option<Option<u64>>;
    /// Bytes of the file the part worker has read so far.
    fn read(&self) -> u64;
    /// The part's rows once it is done (taken once); `Some(None)`: it failed, so the part's
    /// bytes are read here.
    fn rows(&mut self) -> Option<Option<engine::PartRows>>;
    /// Waits for the part worker's next message (its progress comes every 100 ms).
    fn news(&self) -> impl Future<Output = ()>;
    /// The job stopped: whatever the part worker is doing is no longer wanted.
    fn abandon(&mut self) {}
}

/// Below 16 MiB a file is read by one worker: the part worker's reply and the merge cost a
/// few tens of ms, about what parsing half of such a file saves.
pub const PART_MIN_BYTES: u64 = 16 << 20;

/// Bytes after the middle of the file in which the part must find a line start it can
/// begin at (`engine::part_start` looks at 64 KiB after the line end for a broken field).
pub const PART_WINDOW_BYTES: u64 = 256 << 10;

/// No part worker: every file is read here.
pub struct NoPart;

impl PartWorker for NoPart {
    fn start(&mut self, _: usize, _: &[u8], _: u64) -> bool {
        false
    }
    fn split(&self) -> Option<Option<u64>> {
        Some(None)
    }
    fn read(&self) -> u64 {
        0
    }
    fn rows(&mut self) -> Option<Option<engine::PartRows>> {
        Some(None)
    }
    async fn news(&self) {}
}

/// Why a job stopped without a report; put in words only when it is posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Cancelled,
    /// A file could not be used (or the options not read): the engine's or the browser's
    /// words, and the facts of the files read so far.
    Failed {
        reason: String,
        files: Vec<FileFacts>,
    },
}

impl Stop {
    pub fn into_message(self, job: &str) -> FromWorker {
        let job = job.to_string();
        match self {
            Stop::Cancelled => FromWorker::Cancelled { job },
            Stop::Failed { reason, files } => FromWorker::Failed { job, reason, files },
        }
    }
}

/// The status file read ahead before its job starts (see `docs/app.md`): handed only to a
/// job that names its token, once; one file at a time.
pub struct ReadAhead<S> {
    file: Option<(u32, S)>,
}

impl<S> Default for ReadAhead<S> {
    fn default() -> Self {
        ReadAhead { file: None }
    }
}

impl<S> ReadAhead<S> {
    /// Holds `slices` for the file of `token`; the one held before is dropped (and so ends).
    pub fn start(&mut self, token: u32, slices: S) {
        self.file = Some((token, slices));
    }

    /// The slices of `token`, if that was the last file read ahead.
    pub fn take(&mut self, token: u32) -> Option<S> {
        self.file
            .take_if(|(held, _)| *held == token)
            .map(|(_, slices)| slices)
    }

    /// Ends reading ahead: its slices would only take memory.
    pub fn stop(&mut self) {
        self.file = None;
    }

    /// For a job over files of `tokens`: the one read ahead as (its index, its slices).
    /// Reading ahead ends either way, so nothing else is read while the job runs.
    pub fn take_for_job(&mut self, tokens: &[u32]) -> Option<(usize, S)> {
        let found = tokens
            .iter()
            .enumerate()
            .find_map(|(index, &token)| self.take(token).map(|slices| (index, slices)));
        self.stop();
        found
    }
}

/// One job under way: its id, its cancel flag and how it tells its progress.
pub struct Run<'a, H> {
    job: &'a str,
    host: &'a H,
    cancel: &'a Cell<bool>,
    /// When progress was last posted; `None`: the job posts no progress (a reopen).
    last_post: Option<f64>,
}

impl<'a, H: Host> Run<'a, H> {
    pub fn new(job: &'a str, host: &'a H, cancel: &'a Cell<bool>) -> Self {
        Run {
            job,
            host,
            cancel,
            last_post: Some(f64::NEG_INFINITY),
        }
    }

    /// A run that posts no progress.
    pub fn quiet(job: &'a str, host: &'a H, cancel: &'a Cell<bool>) -> Self {
        Run {
            last_post: None,
            ..Run::new(job, host, cancel)
        }
    }

    /// Posts `progress` unless one was posted less than [`PROGRESS_EVERY_MS`] ago.
    fn progress(&mut self, progress: impl FnOnce() -> JobProgress) {
        self.progress_unless_within(PROGRESS_EVERY_MS, progress);
    }

    /// Posts `progress` now (unless the run is quiet), at the end of a phase: the next
    /// phase's first update then counts from here, not from the last one let through.
    fn progress_now(&mut self, progress: impl FnOnce() -> JobProgress) {
        self.progress_unless_within(0.0, progress);
    }

    fn progress_unless_within(&mut self, every_ms: f64, progress: impl FnOnce() -> JobProgress) {
        let Some(last) = self.last_post else {
            return;
        };
        let now = self.host.now_ms();
        if now - last >= every_ms {
            self.last_post = Some(now);
            self.host.post(&FromWorker::Progress {
                job: self.job.to_string(),
                progress: progress(),
            });
        }
    }
}

/// The input files of a job: names and sizes, the one read ahead, and how to start reading
/// any other (lazily: each source may start a reader of its own); and the part worker that
/// may parse the later half of a big status file.
pub struct Inputs<S, F, P = NoPart> {
    pub files: Vec<(String, u64)>,
    pub ahead: Option<(usize, S)>,
    pub open: F,
    pub part: P,
}

/// Where a file's part worker stands: not asked yet; asked to start after `from`; parsing
/// from `at` on (this worker stops there); or no part for this file (this worker reads it
/// all).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    None,
    Asked { from: u64 },
    From { at: u64 },
    Alone,
}

/// Reads the files into the engine slice by slice, checking for a cancel between slices.
pub async fn read_inputs<H, S, F, P>(
    run: &mut Run<'_, H>,
    inputs: Inputs<S, F, P>,
) -> Result<engine::Dataset, Stop>
where
    H: Host,
    S: SliceSource,
    F: FnMut(usize) -> S,
    P: PartWorker,
{
    let Inputs {
        files,
        mut ahead,
        mut open,
        mut part,
    } = inputs;
    let result = read_files(run, files, &mut ahead, &mut open, &mut part).await;
    if result.is_err() {
        part.abandon();
    }
    result
}

async fn read_files<H, S, F, P>(
    run: &mut Run<'_, H>,
    files: Vec<(String, u64)>,
    ahead: &mut Option<(usize, S)>,
    open: &mut F,
    part: &mut P,
) -> Result<engine::Dataset, Stop>
where
    H: Host,
    S: SliceSource,
    F: FnMut(usize) -> S,
    P: PartWorker,
{
    let host = run.host;
    let failed = |reason: String, ingest: &Ingest| Stop::Failed {
        reason,
        files: ingest.files().iter().map(FileFacts::from).collect(),
    };
    let total: u64 = files.iter().map(|(_, size)| size).sum();
    let mut ingest = Ingest::new();
    let mut before = 0u64;
    let mut buf = Vec::new();
    for (index, (name, _)) in files.iter().enumerate() {
        let mut slices = match ahead.take_if(|(i, _)| *i == index) {
            Some((_, slices)) => slices,
            None => open(index),
        };
        host.phase_start();
        match slices.next_into(&mut buf).await {
            Ok(_) => {}
            Err(why) => {
                ingest.open_file(name);
                return Err(failed(read_problem(name, why), &ingest));
            }
        }
        if sniff(&buf) == Some(Container::Zip) {
            read_zip(run, &mut ingest, name, &mut slices, before, total).await?;
            before += slices.size();
            continue;
        }
        let file = ingest.open_file(name);
        // A gzip file is known by its first bytes and decompressed as it streams in
        // (docs/archives.md); progress still counts the compressed bytes read.
        let mut gzip: Option<Inflater> = None;
        let mut first = true;
        let mut reserve = true;
        let mut refused = false;
        let mut split = Part::None;
        let mut ends_with_cr = false;
        let size = slices.size();
        loop {
            // The first slice was read above.
            if !first {
                host.phase_start();
                match slices.next_into(&mut buf).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(why) => return Err(failed(read_problem(name, why), &ingest)),
                }
            } else if buf.is_empty() {
                break;
            }
            host.phase_end("store-uptime read wait");
            if std::mem::take(&mut first) && sniff(&buf) == Some(Container::Gzip) {
                gzip = Some(Inflater::gzip());
            }
            // This slice ends at `slices.offset()`. Past the middle, the part worker has
            // said where its part starts (it looks just after the middle): stop there.
            let end = slices.offset();
            if let Part::Asked { from } = split {
                if end > from {
                    split = wait_for_split(run, part).await?;
                }
            }
            let mut last = false;
            if let Part::From { at } = split {
                let begin = end - buf.len() as u64;
                // In u64 first: on wasm32 a usize of the difference could wrap.
                buf.truncate(at.saturating_sub(begin).min(buf.len() as u64) as usize);
                last = end >= at;
                // The byte before `at` (a slice cut to nothing keeps the one before it).
                if let Some(&byte) = buf.last() {
                    ends_with_cr = byte == b'\r';
                }
            }
            let pushed = match &mut gzip {
                Some(inflater) => inflater.feed(&buf, &mut |out| ingest.push(file, out)),
                None => ingest.push(file, &buf).map_err(Halt::Sink),
            };
            match pushed {
                Ok(()) => {}
                Err(Halt::Sink(problem)) => return Err(failed(problem.to_string(), &ingest)),
                // Damaged or a bomb: named in the file list, the rows before it kept, and
                // the other files still read.
                Err(Halt::Archive(error)) => {
                    let _ = ingest.reject_io(file, &std::io::Error::other(error));
                    refused = true;
                }
            }
            if reserve && gzip.is_none() {
                // Once, when a plain status file's first megabyte has been read.
                reserve = !ingest.reserve_for_rest(file, size);
            }
            host.phase_end("store-uptime ingest");
            // Once the header is read, a big plain status file's later half goes to the part
            // worker (a gzip file streams: it has no middle to start from).
            if split == Part::None && gzip.is_none() && !refused && size >= part.min_bytes() {
                let from = size / 2;
                if let Some(plan) = ingest.part_plan(file).filter(|_| end < from) {
                    split = if part.start(index, &plan, from) {
                        Part::Asked { from }
                    } else {
                        Part::Alone
                    };
                }
            }
            let here = match split {
                Part::From { at } => end.min(at),
                _ => end,
            };
            run.progress(|| {
                let read = Progress::Read {
                    file: name.clone(),
                    bytes: here
                        + if matches!(split, Part::From { .. }) {
                            part.read()
                        } else {
                            0
                        },
                };
                JobProgress::from_engine(&read, before, total)
            });
            host.pause().await;
            host.phase_end("store-uptime yield");
            if run.cancel.get() {
                return Err(Stop::Cancelled);
            }
            if last {
                break;
            }
        }
        if let Part::From { at } = split {
            if at < size && !refused {
                let here = Here {
                    file,
                    name,
                    at,
                    ends_with_cr,
                    before,
                    total,
                };
                let read = merge_part(run, &mut ingest, here, part, &mut slices).await;
                read.map_err(|stop| match stop {
                    Stop::Failed { reason, .. } => failed(reason, &ingest),
                    other => other,
                })?;
            }
        }
        if let Some(inflater) = &mut gzip {
            match inflater.finish(&mut |out| ingest.push(file, out)) {
                Ok(()) => {}
                Err(Halt::Sink(problem)) => return Err(failed(problem.to_string(), &ingest)),
                Err(Halt::Archive(error)) => {
                    let _ = ingest.reject_io(file, &std::io::Error::other(error));
                    refused = true;
                }
            }
        }
        if !refused {
            if let Err(problem) = ingest.close_file(file) {
                return Err(failed(problem.to_string(), &ingest));
            }
        }
        before += slices.size();
    }
    drop(buf);
    // Everything is read: said at once, since ordering the stores and counting the polls
    // come before grouping's first update (at 10× the page otherwise went up to 270 ms
    // without news here, over the 250 ms it promises).
    run.progress_now(|| JobProgress::Reading {
        file: files
            .last()
            .map(|(name, _)| name.clone())
            .unwrap_or_default(),
        bytes: total,
        total,
    });
    host.phase_start();
    let data = ingest.finish_observed(&mut |grouped| {
        run.progress(|| JobProgress::from_engine(&grouped, 0, 0));
    });
    host.phase_end("store-uptime finish");
    Ok(data)
}

/// Waits for the part worker to say where its part starts (it reads a little after the
/// middle of the file to find a line start); progress goes on meanwhile.
async fn wait_for_split<H: Host, P: PartWorker>(
    run: &mut Run<'_, H>,
    part: &mut P,
) -> Result<Part, Stop> {
    run.host.phase_start();
    let found = loop {
        if let Some(found) = part.split() {
            break found;
        }
        part.news().await;
        if run.cancel.get() {
            return Err(Stop::Cancelled);
        }
    };
    run.host.phase_end("store-uptime part wait");
    Ok(found.map_or(Part::Alone, |at| Part::From { at }))
}

/// Where this worker stopped in a file whose part the part worker reads: at byte `at`, after
/// a CR or not; and the job's bytes before the file and in all, for progress.
struct Here<'a> {
    file: engine::FileId,
    name: &'a str,
    at: u64,
    ends_with_cr: bool,
    before: u64,
    total: u64,
}

/// This worker has read the file up to `at`, where the part worker's part starts: waits for
/// the part and merges it, or reads the rest here if the part cannot be used.
async fn merge_part<H: Host, S: SliceSource, P: PartWorker>(
    run: &mut Run<'_, H>,
    ingest: &mut Ingest,
    here: Here<'_>,
    part: &mut P,
    slices: &mut S,
) -> Result<(), Stop> {
    let Here {
        file,
        name,
        at,
        ends_with_cr,
        before,
        total,
    } = here;
    let host = run.host;
    let progress = |run: &mut Run<'_, H>, bytes: u64| {
        run.progress(|| {
            let read = Progress::Read {
                file: name.to_string(),
                bytes,
            };
            JobProgress::from_engine(&read, before, total)
        })
    };
    host.phase_start();
    let rows = loop {
        if let Some(rows) = part.rows() {
            break rows;
        }
        progress(run, at + part.read());
        part.news().await;
        if run.cancel.get() {
            return Err(Stop::Cancelled);
        }
    };
    host.phase_end("store-uptime part wait");
    // The part began just after a line end: a CR there ended its line (no LF follows it).
    if ends_with_cr {
        ingest.confirm_line_end(file);
    }
    let failed = |problem: engine::FileProblem| Stop::Failed {
        reason: problem.to_string(),
        files: vec![],
    };
    if let Some(rows) = rows.filter(|_| ingest.at_row_start(file)) {
        let merged = ingest.merge_rows(file, Some(rows)).map_err(failed);
        host.phase_end("store-uptime merge");
        return merged;
    }
    // The part failed, or this side ended inside a row: read the rest here, in order.
    let size = slices.size();
    let mut offset = at;
    while offset < size {
        let upto = (offset + u64::from(ZIP_SLICE_BYTES)).min(size);
        host.phase_start();
        let bytes = slices
            .read_range(offset, upto)
            .await
            .map_err(|why| Stop::Failed {
                reason: read_problem(name, why),
                files: vec![],
            })?;
        host.phase_end("store-uptime read wait");
        offset = upto;
        ingest.push(file, &bytes).map_err(failed)?;
        host.phase_end("store-uptime ingest");
        progress(run, offset);
        host.pause().await;
        if run.cancel.get() {
            return Err(Stop::Cancelled);
        }
    }
    Ok(())
}

/// Reads the entries of the zip archive `name` into `ingest`, in its directory's order, as
/// the CLI does (`Ingest::read_zip_parallel`): what is left out is listed in the ingest's
/// files with why, and never stops the job; progress counts the archive's bytes read.
async fn read_zip<H: Host, S: SliceSource>(
    run: &mut Run<'_, H>,
    ingest: &mut Ingest,
    name: &str,
    slices: &mut S,
    before: u64,
    total: u64,
) -> Result<(), Stop> {
    let host = run.host;
    let mut source = Ranges(slices);
    let entries = match zip_entries(&mut source).await {
        Ok(entries) => entries,
        Err(error) => {
            ingest.refuse(name, error);
            return Ok(());
        }
    };
    for entry in &entries {
        let shown = entry_name(name, &entry.path);
        match plan(entry) {
            EntryPlan::Skip => continue,
            EntryPlan::Refuse(error) => {
                ingest.refuse(&shown, error);
                continue;
            }
            EntryPlan::Read => {}
        }
        let start = match entry_data_start(&mut source, entry).await {
            Ok(start) => start,
            Err(error) => {
                ingest.refuse(&shown, error);
                continue;
            }
        };
        let file = ingest.open_file(&shown);
        let mut inflater = Inflater::zip_entry(entry.method, entry.uncompressed, entry.crc32);
        let end = start + entry.compressed;
        let mut at = start;
        // Stops at the first problem: a damaged entry or one not of a known layout is
        // named, the rows before kept, and the next entry read.
        let mut left_out = false;
        while at < end && !left_out {
            let upto = (at + u64::from(ZIP_SLICE_BYTES)).min(end);
            host.phase_start();
            let compressed = match source.read_range(at, upto).await {
                Ok(bytes) => bytes,
                Err(why) => {
                    ingest.reject(file, why);
                    left_out = true;
                    continue;
                }
            };
            host.phase_end("store-uptime read wait");
            at = upto;
            left_out = feed_entry(ingest, file, &mut inflater, &compressed);
            host.phase_end("store-uptime ingest");
            run.progress(|| {
                let read = Progress::Read {
                    file: shown.clone(),
                    bytes: at,
                };
                JobProgress::from_engine(&read, before, total)
            });
            host.pause().await;
            host.phase_end("store-uptime yield");
            if run.cancel.get() {
                return Err(Stop::Cancelled);
            }
        }
        if !left_out {
            let finished = match inflater.finish(&mut |out| ingest.push(file, out)) {
                Ok(()) => true,
                Err(Halt::Sink(_)) => false,
                Err(Halt::Archive(error)) => {
                    let _ = ingest.reject_io(file, &std::io::Error::other(error));
                    false
                }
            };
            if finished {
                let _ = ingest.close_file(file);
            }
        }
    }
    Ok(())
}

/// A zip entry's compressed bytes are read this many at a time: as the slices of a plain
/// file, so progress and a cancel come as often.
const ZIP_SLICE_BYTES: u32 = 4 << 20;

/// Feeds an entry's compressed bytes through its decoder into the ingest; `true` when the
/// entry is left out (named in the ingest's files) and reading it must stop.
fn feed_entry(
    ingest: &mut Ingest,
    file: engine::FileId,
    inflater: &mut Inflater,
    bytes: &[u8],
) -> bool {
    match inflater.feed(bytes, &mut |out| ingest.push(file, out)) {
        Ok(()) => false,
        // The ingest has listed the file with its problem already.
        Err(Halt::Sink(_)) => true,
        Err(Halt::Archive(error)) => {
            let _ = ingest.reject_io(file, &std::io::Error::other(error));
            true
        }
    }
}

/// How a job that made its report ended.
pub enum Ended {
    /// The fleet model too: keep it for the page's questions, and post its view.
    Loaded(Box<Loaded>),
    /// The report was posted, but the fleet model failed (the engine's words).
    FleetUnavailable(String),
}

/// A whole report job: reads the files, posts progress and `Complete`, then builds the
/// fleet model.
pub async fn run_job<H, S, F, P>(
    run: &mut Run<'_, H>,
    options: &JobOptions,
    inputs: Inputs<S, F, P>,
) -> Result<Ended, Stop>
where
    H: Host,
    S: SliceSource,
    F: FnMut(usize) -> S,
    P: PartWorker,
{
    let engine_options = options.to_engine().map_err(|reason| Stop::Failed {
        reason,
        files: vec![],
    })?;
    let data = read_inputs(run, inputs).await?;
    let (job, host, cancel) = (run.job, run.host, run.cancel);
    // The report first, so `Complete` does not wait for the charts' fleet model (at 1× the
    // model costs as much again). `analyse` is synchronous: the flag can only have been set
    // before it starts; the page ends the worker if a cancel is not answered soon (see
    // app/src/page/worker_link.rs).
    let result = engine::analyse(&data, engine_options, &mut |progress| {
        if cancel.get() {
            return ControlFlow::Break(());
        }
        run.progress(|| JobProgress::from_engine(&progress, 0, 0));
        ControlFlow::Continue(())
    });
    host.phase_end("store-uptime analyse");
    let report = match result {
        Ok(report) => report,
        Err(RunError::Cancelled) => return Err(Stop::Cancelled),
        Err(e) => {
            return Err(Stop::Failed {
                reason: e.to_string(),
                files: data.files.iter().map(FileFacts::from).collect(),
            })
        }
    };
    // The last count may have been throttled away; writing the report takes a while on big
    // sets, so the page hears that computing is done first.
    let of = report.stores.len() as u64;
    host.post(&FromWorker::Progress {
        job: job.to_string(),
        progress: JobProgress::Computing { stores: of, of },
    });
    // One line per store plus the header (SPEC §7).
    let lines = of + 1;
    let outcome = Box::new(Outcome::new_observed(
        &report,
        &data,
        options.extended,
        &mut |written| {
            run.progress(|| JobProgress::Writing {
                lines: written.min(lines),
                of: lines,
            })
        },
    ));
    host.phase_end("store-uptime report");
    host.post_complete(job, outcome);
    drop(report);
    // Then the charts: the same per-store timelines again (the same functions, so the
    // charts cannot disagree with the table), with the report they make.
    let fleet = fleet::analyse_fleet(&data, engine_options, &mut |_| ControlFlow::Continue(()));
    host.phase_end("store-uptime fleet");
    Ok(match fleet {
        Ok((report, model)) => Ended::Loaded(Box::new(Loaded::new(
            job,
            data,
            engine_options,
            &report,
            model,
        ))),
        Err(e) => Ended::FleetUnavailable(e.to_string()),
    })
}

/// Reads a finished job's files again (after a reload the worker holds nothing) and builds
/// its fleet model, quietly; `Err` says why the fleet cannot be shown.
pub async fn reopen<H, S, F, P>(
    job: &str,
    host: &H,
    options: &JobOptions,
    inputs: Inputs<S, F, P>,
) -> Result<Loaded, String>
where
    H: Host,
    S: SliceSource,
    F: FnMut(usize) -> S,
    P: PartWorker,
{
    if inputs.files.is_empty() {
        return Err("this report's input files are not kept in this browser".into());
    }
    let engine_options = options.to_engine()?;
    let never = Cell::new(false);
    let data = match read_inputs(&mut Run::quiet(job, host, &never), inputs).await {
        Ok(data) => data,
        Err(Stop::Failed { reason, .. }) => return Err(reason),
        Err(Stop::Cancelled) => return Err("reading the files stopped".into()),
    };
    let (report, model) =
        fleet::analyse_fleet(&data, engine_options, &mut |_| ControlFlow::Continue(()))
            .map_err(|e| e.to_string())?;
    Ok(Loaded::new(job, data, engine_options, &report, model))
}

/// The last finished job's data, kept so the page can ask for a store's detail or a
/// heatmap cell's stores without sending the files again. One job at a time (memory).
pub struct Loaded {
    pub job: String,
    data: engine::Dataset,
    options: engine::Options,
    report: engine::Report,
    fleet: fleet::Fleet,
    view: Rc<FleetView>,
}

impl Loaded {
    pub fn new(
        job: &str,
        data: engine::Dataset,
        options: engine::Options,
        report: &engine::Report,
        model: fleet::Fleet,
    ) -> Loaded {
        let view = Rc::new(FleetView::new(report, &model, &data));
        Loaded {
            job: job.to_string(),
            data,
            options,
            report: report.clone(),
            fleet: model,
            view,
        }
    }

    /// The `Fleet` message of this job.
    pub fn fleet_message(&self) -> FromWorker {
        FromWorker::Fleet {
            job: self.job.clone(),
            fleet: Box::new((*self.view).clone()),
        }
    }

    /// One store's week for the detail panel.
    pub fn detail(&self, store: &str) -> DetailAnswer {
        let found = self.data.find_store(store).and_then(|idx| {
            let mut analyser = engine::Analyser::new(&self.data, self.options).ok()?;
            let detail = fleet::store_detail(&mut analyser, &self.data, idx)?;
            let zone = self
                .view
                .zones
                .iter()
                .position(|z| z == detail.report.zone.name())
                .unwrap_or(0) as u16;
            Some(DetailView::new(&detail, &self.data, zone))
        });
        match found {
            Some(view) => DetailAnswer::Found(Box::new(view)),
            None => DetailAnswer::Missing(format!("store {store} is not in this report")),
        }
    }

    /// The stores down in one hour-of-week cell: the fleet's, or with `region` (an index
    /// into the view's regions) that region's only; an unknown region has none.
    pub fn cell_stores(&self, cell: u8, region: Option<u16>) -> CellStores {
        let rows = region.map(|g| self.region_rows(g).unwrap_or_default());
        let region = region.zip(rows.as_deref());
        CellStores::new(&self.fleet, &self.data, usize::from(cell), region)
    }

    /// The rows (report order) of region `region`, an index into the view's regions.
    fn region_rows(&self, region: u16) -> Option<Vec<u32>> {
        let name = self.view.regions.get(usize::from(region))?;
        Some(fleet::region_rows(&self.fleet, &self.data, name))
    }

    /// The heatmap of one region's stores, computed now by the engine from their timelines
    /// (linear in the region's stores; nothing is kept per region).
    pub fn region_heat(&self, region: u16) -> Result<RegionHeat, String> {
        let rows = self
            .region_rows(region)
            .ok_or_else(|| format!("this report has no region {region}"))?;
        let stores: Vec<engine::StoreIdx> = rows
            .iter()
            .filter_map(|&row| self.fleet.stores.get(row as usize))
            .map(|s| s.report.store)
            .collect();
        fleet::subset_heat(&self.data, self.options, &stores)
            .map(|subset| RegionHeat::new(region, &subset))
            .map_err(|e| e.to_string())
    }

    /// The summary and the stores to call for an uptime target (hundredths of a percent).
    pub fn target(&self, target: u32) -> TargetView {
        let target = Pct(target.min(10_000));
        TargetView::new(&self.report, &self.fleet.figures, &self.data, target)
    }

    /// The stores down in one slot of the fleet timeline.
    pub fn slot_stores(&self, slot: u16) -> Result<SlotStores, String> {
        let slot = usize::from(slot);
        engine::slot_stores::stores_down_in_slot(&self.data, self.options, &self.report, slot)
            .map(|down| SlotStores::new(&down, slot))
            .map_err(|e| e.to_string())
    }

    /// A download's text, written by the engine's own writer (the CLI's bytes).
    pub fn download(&self, file: DownloadFile) -> Result<String, String> {
        let mut text = Vec::new();
        let figures = &self.fleet.figures;
        let written = match file {
            DownloadFile::Outages => {
                engine::write_outages_csv(&self.report, figures, &self.data, &mut text)
            }
            DownloadFile::Calls { target } => {
                let target = Some(Pct(target.min(10_000)));
                let summary = engine::Summary::new(&self.report, figures, &self.data, target);
                let calls = engine::call_list::call_list(&summary);
                engine::call_list::write_call_list_csv(&summary, &calls, &mut text)
            }
            DownloadFile::ReportHtml { target } => {
                let zone = self.view.common_zone.clone();
                return Ok(self.report_html(target, &zone));
            }
        };
        written.map_err(|e| e.to_string())?;
        String::from_utf8(text).map_err(|e| e.to_string())
    }
}

impl Loaded {
    /// The report as one self-contained HTML file: the fleet view the page drew and the
    /// target's answers, with the fleet's times in `zone` (the page's shown zone).
    pub fn report_html(&self, target: u32, zone: &str) -> String {
        let target = self.target(target);
        ReportFile {
            job: &self.job,
            view: &self.view,
            target: &target,
            zone: crate::report_html::zone_or_utc(zone),
        }
        .render()
    }
}

/// A file the browser could not read, in the engine's words.
pub fn read_problem(name: &str, why: String) -> String {
    FileProblem {
        file: name.to_string(),
        error: FileError::Read(why),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Runs a future whose every step is ready at once (in-memory slices, an instant pause).
    fn run_now<T>(future: impl Future<Output = T>) -> T {
        let mut future = pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the job waited on something that never comes natively"),
        }
    }

    /// A file in memory, `slice` bytes at a time; `tag` tells which source read it.
    struct Memory {
        bytes: Vec<u8>,
        slice: usize,
        offset: usize,
        tag: &'static str,
        reads: Rc<RefCell<Vec<&'static str>>>,
    }

    impl SliceSource for Memory {
        async fn next_into(&mut self, buf: &mut Vec<u8>) -> Result<bool, String> {
            buf.clear();
            if self.offset >= self.bytes.len() {
                return Ok(false);
            }
            let end = (self.offset + self.slice).min(self.bytes.len());
            buf.extend_from_slice(&self.bytes[self.offset..end]);
            self.offset = end;
            self.reads.borrow_mut().push(self.tag);
            Ok(true)
        }

        fn offset(&self) -> u64 {
            self.offset as u64
        }

        fn size(&self) -> u64 {
            self.bytes.len() as u64
        }

        async fn read_range(&mut self, start: u64, end: u64) -> Result<Vec<u8>, String> {
            self.reads.borrow_mut().push(self.tag);
            self.bytes
                .get(start as usize..end as usize)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| "out of the file".to_string())
        }
    }

    /// Records what is posted; its clock moves `step` ms at every look, and a pause can
    /// set the cancel flag (a `Cancel` arriving between slices).
    struct Fake {
        posted: RefCell<Vec<FromWorker>>,
        clock: Cell<f64>,
        step: f64,
        pauses: Cell<u32>,
        cancel_after_pauses: Option<(u32, Rc<Cell<bool>>)>,
    }

    impl Fake {
        fn new(step: f64) -> Fake {
            Fake {
                posted: RefCell::default(),
                clock: Cell::new(0.0),
                step,
                pauses: Cell::new(0),
                cancel_after_pauses: None,
            }
        }

        fn types(&self) -> Vec<String> {
            self.posted
                .borrow()
                .iter()
                .map(|m| {
                    let text = serde_json::to_string(m).unwrap();
                    text.split('"').nth(3).unwrap().to_string()
                })
                .collect()
        }
    }

    impl Host for Fake {
        fn post(&self, message: &FromWorker) {
            self.posted.borrow_mut().push(message.clone());
        }

        fn post_complete(&self, job: &str, outcome: Box<Outcome>) {
            self.post(&FromWorker::Complete {
                job: job.to_string(),
                outcome,
            });
        }

        fn now_ms(&self) -> f64 {
            self.clock.set(self.clock.get() + self.step);
            self.clock.get()
        }

        async fn pause(&self) {
            self.pauses.set(self.pauses.get() + 1);
            if let Some((after, flag)) = &self.cancel_after_pauses {
                if self.pauses.get() >= *after {
                    flag.set(true);
                }
            }
        }
    }

    fn status_file(stores: usize) -> Vec<u8> {
        let mut text = String::from("store_id,status,timestamp_utc\n");
        for store in 0..stores {
            text.push_str(&format!("s{store},active,2024-10-14 10:00:00 UTC\n"));
            text.push_str(&format!("s{store},inactive,2024-10-14 11:00:00 UTC\n"));
        }
        text.into_bytes()
    }

    const HOURS: &[u8] = b"store_id,day,start_time_local,end_time_local\ns1,0,09:00,17:00\n";

    /// Inputs over `files`, each read `slice` bytes at a time, reads logged in `reads`.
    fn inputs(
        files: &[(&str, &[u8])],
        slice: usize,
        ahead: Option<(usize, Memory)>,
        reads: &Rc<RefCell<Vec<&'static str>>>,
    ) -> Inputs<Memory, impl FnMut(usize) -> Memory> {
        let contents: Vec<Vec<u8>> = files.iter().map(|(_, b)| b.to_vec()).collect();
        let reads = reads.clone();
        Inputs {
            files: files
                .iter()
                .map(|(n, b)| (n.to_string(), b.len() as u64))
                .collect(),
            ahead,
            open: move |index: usize| Memory {
                bytes: contents[index].clone(),
                slice,
                offset: 0,
                tag: "opened",
                reads: reads.clone(),
            },
            part: NoPart,
        }
    }

    #[test]
    fn a_job_posts_throttled_progress_then_its_report_and_keeps_the_fleet() {
        let status = status_file(300);
        let files = [("status.csv", &status[..]), ("hours.csv", HOURS)];
        let reads = Rc::default();
        // 30 ms a look at the clock: progress at most every fourth look.
        let host = Fake::new(30.0);
        let cancel = Cell::new(false);
        let mut run = Run::new("j", &host, &cancel);
        let ended = run_now(run_job(
            &mut run,
            &JobOptions::default(),
            inputs(&files, 512, None, &reads),
        ));
        let Ok(Ended::Loaded(loaded)) = ended else {
            panic!("no fleet")
        };
        assert_eq!(loaded.job, "j");
        assert!(matches!(loaded.fleet_message(), FromWorker::Fleet { .. }));
        assert!(matches!(loaded.detail("s1"), DetailAnswer::Found(_)));
        assert!(matches!(loaded.detail("nope"), DetailAnswer::Missing(_)));
        // The report file is drawn from the view the page got, for the page's target and
        // zone; the download without a zone uses the stores' most common one.
        let html = loaded.report_html(9950, "Europe/Paris");
        assert!(html.contains("report <code>j</code>"));
        assert!(html.contains(" Europe/Paris</h1>"));
        assert!(html.contains("Uptime target 99.50 %"));
        let zone = &loaded.view.common_zone;
        let download = loaded
            .download(DownloadFile::ReportHtml { target: 9900 })
            .unwrap();
        assert!(download.contains(&format!(" {zone}</h1>")), "{zone}");

        let posted = host.posted.borrow();
        let reading: Vec<(u64, u64)> = posted
            .iter()
            .filter_map(|m| match m {
                FromWorker::Progress {
                    progress: JobProgress::Reading { bytes, total, .. },
                    ..
                } => Some((*bytes, *total)),
                _ => None,
            })
            .collect();
        let slices = status.len().div_ceil(512) + 1;
        assert!(reading.len() > 2, "{reading:?}");
        assert!(reading.len() < slices, "throttled: {reading:?}");
        let total = (status.len() + HOURS.len()) as u64;
        assert!(reading.iter().all(|&(_, t)| t == total));
        assert!(reading.windows(2).all(|w| w[0].0 <= w[1].0));
        // The end of reading is told at once, whatever the throttle, before grouping.
        assert_eq!(reading.last(), Some(&(total, total)));
        match &posted[posted.len() - 1] {
            FromWorker::Complete { job, outcome } => {
                assert_eq!(job, "j");
                let whole = crate::messages::run_in_memory(&files, &JobOptions::default());
                assert_eq!(**outcome, whole.unwrap());
            }
            other => panic!("{other:?}"),
        }
        // Computing is told done before the report is written.
        let types = host.types();
        assert_eq!(types[types.len() - 2], "Progress");
        assert_eq!(host.pauses.get() as usize, slices);

        // With a clock so fast that the throttle lets nearly nothing through, the end of
        // reading is still told, at once, before grouping.
        let host = Fake::new(1.0);
        let mut run = Run::new("j", &host, &cancel);
        let _ = run_now(run_job(
            &mut run,
            &JobOptions::default(),
            inputs(&files, 512, None, &Rc::default()),
        ));
        let posted = host.posted.borrow();
        let progress: Vec<&JobProgress> = posted
            .iter()
            .filter_map(|m| match m {
                FromWorker::Progress { progress, .. } => Some(progress),
                _ => None,
            })
            .collect();
        let end = progress
            .iter()
            .position(|p| matches!(p, JobProgress::Reading { bytes, .. } if *bytes == total));
        assert!(end.is_some(), "{progress:?}");
        assert!(progress[..end.unwrap_or(0)]
            .iter()
            .all(|p| matches!(p, JobProgress::Reading { .. })));
    }

    /// A names file's regions: the loaded job answers a region's heatmap and its cells'
    /// stores from the engine, and says so of a region it does not have.
    #[test]
    fn a_loaded_job_answers_a_regions_heatmap_and_cell_list() {
        let status = status_file(30);
        let mut names = String::from("store_id,name,region\n");
        for i in 0..30 {
            let region = if i % 3 == 0 { "North" } else { "South" };
            names.push_str(&format!("s{i},Store {i},{region}\n"));
        }
        let files = [("status.csv", &status[..]), ("names.csv", names.as_bytes())];
        let host = Fake::new(1.0);
        let cancel = Cell::new(false);
        let reads = Rc::default();
        let Ok(Ended::Loaded(loaded)) = run_now(run_job(
            &mut Run::new("j", &host, &cancel),
            &JobOptions::default(),
            inputs(&files, 4096, None, &reads),
        )) else {
            panic!("no fleet")
        };
        assert_eq!(loaded.view.regions, ["North", "South"]);
        let north = loaded.region_heat(0).unwrap();
        let south = loaded.region_heat(1).unwrap();
        assert_eq!((north.stores, south.stores), (10, 20));
        for c in 0..crate::engine::fleet::HOURS_OF_WEEK {
            let (n, s, all) = (north.heat[c], south.heat[c], loaded.view.heat[c]);
            assert_eq!(n.stores + s.stores, all.stores, "cell {c}");
            let cell = c as u8;
            assert_eq!(loaded.cell_stores(cell, Some(0)).total, n.stores);
            assert_eq!(loaded.cell_stores(cell, Some(1)).total, s.stores);
            assert_eq!(loaded.cell_stores(cell, None).total, all.stores);
        }
        assert!(
            north.heat.iter().any(|c| c.stores > 0),
            "the stores were down"
        );
        assert!(loaded.region_heat(2).is_err());
        assert_eq!(loaded.cell_stores(10, Some(2)).total, 0);
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn complete_csv(host: &Fake) -> Outcome {
        match host.posted.borrow().last() {
            Some(FromWorker::Complete { outcome, .. }) => (**outcome).clone(),
            other => panic!("{other:?}"),
        }
    }

    /// What [`InThread`] does when asked for a part.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Helper {
        /// Parses its part, sent through the bytes the page's part worker would send.
        Works,
        /// Finds no line start it may begin at.
        Declines,
        /// Fails after saying where its part starts: this worker reads the part itself.
        Fails,
        /// Never finishes; the job is cancelled while it waits.
        Hangs,
    }

    /// A part worker on this thread, for the job's two-worker read (`PartWorker`).
    struct InThread {
        files: Vec<Vec<u8>>,
        helper: Helper,
        split: Option<Option<u64>>,
        rows: Option<Option<engine::PartRows>>,
        read: u64,
        merged: Rc<Cell<u32>>,
        cancel: Option<Rc<Cell<bool>>>,
        abandoned: Rc<Cell<bool>>,
    }

    impl InThread {
        fn new(files: &[(&str, &[u8])], helper: Helper) -> InThread {
            InThread {
                files: files.iter().map(|(_, b)| b.to_vec()).collect(),
                helper,
                split: None,
                rows: None,
                read: 0,
                merged: Rc::default(),
                cancel: None,
                abandoned: Rc::default(),
            }
        }
    }

    impl PartWorker for InThread {
        fn min_bytes(&self) -> u64 {
            0
        }

        fn start(&mut self, index: usize, plan: &[u8], from: u64) -> bool {
            let bytes = &self.files[index];
            let mut part = engine::FilePart::from_plan(plan).expect("a plan");
            let from = from as usize;
            let window = &bytes[from..(from + PART_WINDOW_BYTES as usize).min(bytes.len())];
            let start = engine::part_start(window, part.row_fields());
            let (Some(start), false) = (start, self.helper == Helper::Declines) else {
                self.split = Some(None);
                return true;
            };
            let at = from + start;
            self.split = Some(Some(at as u64));
            for piece in bytes[at..].chunks(100) {
                let _ = part.push(piece);
            }
            self.read = (bytes.len() - at) as u64;
            self.rows = match self.helper {
                Helper::Works => Some(part.finish().ok().flatten().map(|rows| {
                    engine::PartRows::from_bytes(&rows.to_bytes()).expect("round trip")
                })),
                Helper::Fails => Some(None),
                Helper::Declines | Helper::Hangs => None,
            };
            true
        }

        fn split(&self) -> Option<Option<u64>> {
            self.split
        }

        fn read(&self) -> u64 {
            self.read
        }

        fn rows(&mut self) -> Option<Option<engine::PartRows>> {
            let rows = self.rows.take();
            if matches!(rows, Some(Some(_))) {
                self.merged.set(self.merged.get() + 1);
            }
            rows
        }

        async fn news(&self) {
            if let Some(flag) = &self.cancel {
                flag.set(true);
            }
        }

        fn abandon(&mut self) {
            self.abandoned.set(true);
        }
    }

    fn with_part<S, F, P>(inputs: Inputs<S, F>, part: P) -> Inputs<S, F, P> {
        let Inputs {
            files, ahead, open, ..
        } = inputs;
        Inputs {
            files,
            ahead,
            open,
            part,
        }
    }

    #[test]
    fn a_part_read_by_the_part_worker_gives_the_report_read_in_order() {
        let status = status_file(2000);
        let files = [("status.csv", &status[..]), ("hours.csv", HOURS)];
        let whole = crate::messages::run_in_memory(&files, &JobOptions::default()).unwrap();
        for helper in [Helper::Works, Helper::Declines, Helper::Fails] {
            for slice in [512, 4096, 40_000] {
                let host = Fake::new(1.0);
                let cancel = Cell::new(false);
                let mut run = Run::new("j", &host, &cancel);
                let reads = Rc::default();
                let part = InThread::new(&files, helper);
                let merged = part.merged.clone();
                let inputs = with_part(inputs(&files, slice, None, &reads), part);
                let ended = run_now(run_job(&mut run, &JobOptions::default(), inputs));
                assert!(ended.is_ok(), "{helper:?}, slice {slice}");
                assert_eq!(complete_csv(&host), whole, "{helper:?}, slice {slice}");
                let expect_merged = u32::from(helper == Helper::Works);
                assert_eq!(merged.get(), expect_merged, "{helper:?}, slice {slice}");
                // Progress never runs backwards, and ends at the whole size.
                let reading: Vec<u64> = host
                    .posted
                    .borrow()
                    .iter()
                    .filter_map(|m| match m {
                        FromWorker::Progress {
                            progress: JobProgress::Reading { bytes, .. },
                            ..
                        } => Some(*bytes),
                        _ => None,
                    })
                    .collect();
                assert!(reading.windows(2).all(|w| w[0] <= w[1]), "{reading:?}");
            }
        }
    }

    #[test]
    fn a_cancel_while_waiting_for_the_part_stops_the_job_and_the_part_worker() {
        let status = status_file(2000);
        let files = [("status.csv", &status[..]), ("hours.csv", HOURS)];
        let host = Fake::new(1.0);
        let cancel = Rc::new(Cell::new(false));
        let mut run = Run::new("j", &host, &cancel);
        let reads = Rc::default();
        let mut part = InThread::new(&files, Helper::Hangs);
        part.cancel = Some(cancel.clone());
        let abandoned = part.abandoned.clone();
        let inputs = with_part(inputs(&files, 512, None, &reads), part);
        let ended = run_now(run_job(&mut run, &JobOptions::default(), inputs));
        assert!(matches!(ended, Err(Stop::Cancelled)));
        assert!(abandoned.get(), "the part worker is told");
    }

    #[test]
    fn gzip_files_give_the_plain_files_report_and_a_bomb_is_named() {
        let status = status_file(300);
        let plain = [("status.csv", &status[..]), ("hours.csv", HOURS)];
        let packed = [gzip(&status), gzip(HOURS)];
        let zipped = [
            ("status.csv.gz", &packed[0][..]),
            ("hours.csv.gz", &packed[1][..]),
        ];
        let run_files = |files: &[(&str, &[u8])], slice: usize| {
            let host = Fake::new(1.0);
            let cancel = Cell::new(false);
            let mut run = Run::new("j", &host, &cancel);
            let reads = Rc::default();
            let ended = run_now(run_job(
                &mut run,
                &JobOptions::default(),
                inputs(files, slice, None, &reads),
            ));
            assert!(ended.is_ok(), "the report is made");
            complete_csv(&host)
        };
        let want = run_files(&plain, 512);
        for slice in [3, 512, 1 << 20] {
            let got = run_files(&zipped, slice);
            assert_eq!(got.csv, want.csv, "slice {slice}");
            assert_eq!(got.files[0].name, "status.csv.gz");
        }
        // A gzip bomb beside them: named, left out, the report made from the rest.
        let bomb = gzip(&vec![b'a'; 32 << 20]);
        let mut with_bomb = zipped.to_vec();
        with_bomb.push(("bomb.csv.gz", &bomb[..]));
        let got = run_files(&with_bomb, 4096);
        assert_eq!(got.csv, want.csv);
        let error = got.files[2].error.clone().unwrap_or_default();
        assert!(
            error.contains("bomb.csv.gz: expands to more than"),
            "{error}"
        );
    }

    /// A zip of `entries` (path, bytes) by the `zip` crate, a real writer; a path ending in
    /// `/` is a folder.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        use zip::write::SimpleFileOptions;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, bytes) in entries {
            if path.ends_with('/') {
                zip.add_directory(*path, SimpleFileOptions::default())
                    .unwrap();
            } else {
                zip.start_file(*path, SimpleFileOptions::default()).unwrap();
                zip.write_all(bytes).unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_gives_the_plain_files_report_and_names_what_it_leaves_out_as_the_cli_does() {
        let status = status_file(300);
        let plain = [("status.csv", &status[..]), ("hours.csv", HOURS)];
        let inner = zip_of(&[("x.csv", HOURS)]);
        let mut archive = zip_of(&[
            ("exports/", b""),
            ("exports/status.csv", &status),
            ("__MACOSX/exports/._status.csv", b"\0\x05\x16\x07"),
            ("exports/.DS_Store", b"\0\0"),
            ("exports/readme.txt", b"Exported by the POS.\n"),
            ("exports/inner.zip", &inner),
            ("exports/locked.csv", HOURS),
            ("exports/hours.csv", HOURS),
        ]);
        // The encrypted flag, as a password-protected entry has it.
        let at = archive
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == b"PK\x01\x02")
            .map(|(i, _)| i)
            .find(|&i| archive[i + 46..].starts_with(b"exports/locked.csv"))
            .unwrap();
        archive[at + 8] |= 1;

        let run_files = |files: &[(&str, &[u8])], slice: usize| {
            let host = Fake::new(1.0);
            let cancel = Cell::new(false);
            let reads = Rc::default();
            let ended = run_now(run_job(
                &mut Run::new("j", &host, &cancel),
                &JobOptions::default(),
                inputs(files, slice, None, &reads),
            ));
            assert!(ended.is_ok(), "the report is made");
            complete_csv(&host)
        };
        let want = run_files(&plain, 512);
        let got = run_files(&[("data.zip", &archive)], 512);
        assert_eq!(got.csv, want.csv);

        // The CLI's reading of the same archive names the same files with the same words.
        let mut cli = Ingest::new();
        let size = archive.len() as u64;
        cli.read_zip_parallel(
            "data.zip",
            &mut std::io::Cursor::new(&archive),
            size,
            4096,
            2,
        );
        let named = |files: &[FileFacts]| -> Vec<(String, Option<String>)> {
            files
                .iter()
                .map(|f| (f.name.clone(), f.error.clone()))
                .collect()
        };
        let cli_files: Vec<FileFacts> = cli.files().iter().map(FileFacts::from).collect();
        assert_eq!(named(&got.files), named(&cli_files));
        let names: Vec<&str> = got.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "data.zip › exports/status.csv",
                "data.zip › exports/readme.txt",
                "data.zip › exports/inner.zip",
                "data.zip › exports/locked.csv",
                "data.zip › exports/hours.csv",
            ]
        );
        let error = |i: usize| got.files[i].error.clone().unwrap_or_default();
        assert!(
            error(1).starts_with("data.zip › exports/readme.txt: "),
            "{}",
            error(1)
        );
        assert!(
            error(2).contains("an archive inside the archive"),
            "{}",
            error(2)
        );
        assert!(error(3).contains("encrypted"), "{}", error(3));

        // Beside plain files, and cut short: the archive alone is named, the rest read.
        let cut = &archive[..archive.len() - 10];
        let got = run_files(
            &[
                ("status.csv", &status),
                ("cut.zip", cut),
                ("hours.csv", HOURS),
            ],
            64,
        );
        assert_eq!(got.csv, want.csv);
        let error = got.files[1].error.clone().unwrap_or_default();
        assert!(
            error.starts_with("cut.zip: not a readable zip archive"),
            "{error}"
        );
    }

    #[test]
    fn a_zips_inspection_lists_its_entries_with_their_kinds() {
        let status = status_file(3);
        let archive = zip_of(&[
            ("__MACOSX/._s.csv", b"x"),
            ("s.csv", &status),
            ("notes.txt", b"hello\n"),
            ("h.csv", HOURS),
        ]);
        let reads = Rc::default();
        let mut source = Memory {
            bytes: archive.clone(),
            slice: 64,
            offset: 0,
            tag: "t",
            reads,
        };
        let listed = run_now(crate::worker::zip::inspect_zip(
            "a.zip",
            &mut Ranges(&mut source),
        ))
        .unwrap();
        use crate::messages::{EntryKind, InputKind};
        assert_eq!(listed.len(), 3);
        assert_eq!(listed[0].name, "a.zip › s.csv");
        assert_eq!(listed[0].inspection, EntryKind::Kind(InputKind::Status));
        assert!(
            matches!(&listed[1].inspection, EntryKind::Error(e) if e.starts_with("a.zip › notes.txt: ")),
            "{:?}",
            listed[1]
        );
        assert_eq!(listed[2].inspection, EntryKind::Kind(InputKind::Hours));
        source.bytes.truncate(archive.len() - 4);
        let refused = run_now(crate::worker::zip::inspect_zip(
            "a.zip",
            &mut Ranges(&mut source),
        ));
        assert!(refused
            .unwrap_err()
            .starts_with("a.zip: not a readable zip archive"));
    }

    #[test]
    fn a_cancel_between_slices_stops_the_job_with_its_reason() {
        let status = status_file(300);
        let reads = Rc::default();
        let flag = Rc::new(Cell::new(false));
        let mut host = Fake::new(1.0);
        host.cancel_after_pauses = Some((3, flag.clone()));
        let mut run = Run::new("j", &host, &flag);
        let ended = run_now(run_job(
            &mut run,
            &JobOptions::default(),
            inputs(&[("status.csv", &status)], 256, None, &reads),
        ));
        assert!(matches!(ended, Err(Stop::Cancelled)));
        assert_eq!(reads.borrow().len(), 3, "no slice read after the cancel");
        assert!(!host.types().contains(&"Complete".to_string()));
        assert_eq!(
            Stop::Cancelled.into_message("j"),
            FromWorker::Cancelled { job: "j".into() }
        );
    }

    #[test]
    fn a_bad_file_or_option_fails_the_job_in_the_engines_words() {
        let reads = Rc::default();
        let host = Fake::new(1.0);
        let cancel = Cell::new(false);
        let bad = JobOptions {
            now: Some("yesterday".into()),
            ..JobOptions::default()
        };
        let ended = run_now(run_job(
            &mut Run::new("j", &host, &cancel),
            &bad,
            inputs(&[("h.csv", HOURS)], 8, None, &reads),
        ));
        match ended {
            Err(Stop::Failed { reason, files }) => {
                assert!(
                    reason.contains("`yesterday` is not a timestamp"),
                    "{reason}"
                );
                assert!(files.is_empty());
            }
            _ => panic!("not failed"),
        }
        let ended = run_now(run_job(
            &mut Run::new("j", &host, &cancel),
            &JobOptions::default(),
            inputs(&[("notes.csv", b"name,age\nx,1\n")], 8, None, &reads),
        ));
        match ended {
            Err(Stop::Failed { reason, files }) => {
                assert!(reason.starts_with("notes.csv: "), "{reason}");
                assert_eq!(files.len(), 1);
            }
            _ => panic!("not failed"),
        }
        // Reopening says why in words, with no progress.
        let quiet = Fake::new(1000.0);
        let answer = run_now(reopen(
            "j",
            &quiet,
            &JobOptions::default(),
            inputs(&[("notes.csv", b"name,age\nx,1\n")], 8, None, &reads),
        ));
        assert!(answer.err().unwrap().starts_with("notes.csv: "));
        assert!(quiet.posted.borrow().is_empty());
    }

    #[test]
    fn a_file_read_ahead_goes_only_to_the_job_with_its_token() {
        let status = status_file(20);
        let reads: Rc<RefCell<Vec<&'static str>>> = Rc::default();
        let ahead_of = |bytes: &[u8]| Memory {
            bytes: bytes.to_vec(),
            slice: 64,
            offset: 0,
            tag: "ahead",
            reads: reads.clone(),
        };
        let mut read_ahead = ReadAhead::default();
        read_ahead.start(7, ahead_of(&status));
        // A job without token 7 reads its files itself, and ends the reading ahead.
        assert!(read_ahead.take_for_job(&[3]).is_none());
        assert!(read_ahead.take(7).is_none());

        read_ahead.start(7, ahead_of(&status));
        let ahead = read_ahead.take_for_job(&[3, 7]);
        assert_eq!(ahead.as_ref().map(|(i, _)| *i), Some(1));
        assert!(read_ahead.take(7).is_none(), "handed out once");
        let host = Fake::new(1.0);
        let cancel = Cell::new(false);
        let files = [("hours.csv", HOURS), ("status.csv", &status[..])];
        let ended = run_now(run_job(
            &mut Run::new("j", &host, &cancel),
            &JobOptions::default(),
            inputs(&files, 64, ahead, &reads),
        ));
        assert!(matches!(ended, Ok(Ended::Loaded(_))));
        let reads = reads.borrow();
        let from_ahead = reads.iter().filter(|t| **t == "ahead").count();
        assert_eq!(from_ahead, status.len().div_ceil(64), "the status file");
        assert_eq!(reads.len() - from_ahead, 1, "the hours file, opened");

        // A later file replaces the one held.
        let mut read_ahead = ReadAhead::default();
        read_ahead.start(1, 1u8);
        read_ahead.start(2, 2u8);
        assert_eq!(read_ahead.take(1), None);
        assert_eq!(read_ahead.take(2), Some(2));
    }
}
