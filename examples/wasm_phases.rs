//! The engine's phases in WebAssembly, driven by Node (`scripts/wasm-phases.mjs`): the
//! page's engine calls in the page's order (the worker's warm-up, 8 MiB slices, room
//! reserved after the first megabyte, grouping, analysis, the report CSV), without the
//! browser's file reading, so two builds of the engine can be compared in wasm to a few
//! per cent where the page's own runs spread ±15 % (docs/perf-log.md, "2026-12-01, day").
//! Built only for wasm32; natively it is an empty program.

#[cfg(target_arch = "wasm32")]
mod bench {
    use std::cell::RefCell;
    use std::ops::ControlFlow;

    use store_uptime::engine::{analyse, write_csv, Dataset, FileId, Ingest, Options};
    use wasm_bindgen::prelude::*;

    #[derive(Default)]
    struct State {
        ingest: Option<Ingest>,
        data: Option<Dataset>,
        files: Vec<(FileId, u64, bool)>,
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::new(State::default());
    }

    /// The worker's own warm-up (`store_uptime::warm_up`), so V8 has optimised the hot
    /// functions before the timed run, as in the page.
    #[wasm_bindgen]
    pub fn warm_up() {
        store_uptime::warm_up::warm_up().expect("the warm-up runs");
    }

    #[wasm_bindgen]
    pub fn start() {
        STATE.with_borrow_mut(|s| {
            *s = State {
                ingest: Some(Ingest::new()),
                ..State::default()
            }
        });
    }

    /// Opens a file of `size` bytes; its number for `push` and `close`.
    #[wasm_bindgen]
    pub fn open(name: &str, size: f64) -> usize {
        STATE.with_borrow_mut(|s| {
            let file = s.ingest.as_mut().expect("started").open_file(name);
            s.files.push((file, size as u64, true));
            s.files.len() - 1
        })
    }

    #[wasm_bindgen]
    pub fn push(file: usize, bytes: &[u8]) {
        STATE.with_borrow_mut(|s| {
            let ingest = s.ingest.as_mut().expect("started");
            let (id, size, reserve) = &mut s.files[file];
            ingest.push(*id, bytes).expect("readable");
            if *reserve {
                *reserve = !ingest.reserve_for_rest(*id, *size);
            }
        });
    }

    #[wasm_bindgen]
    pub fn close(file: usize) {
        STATE.with_borrow_mut(|s| {
            let id = s.files[file].0;
            s.ingest
                .as_mut()
                .expect("started")
                .close_file(id)
                .expect("closed");
        });
    }

    /// Groups the polls: the dataset's store and poll counts.
    #[wasm_bindgen]
    pub fn finish() -> String {
        STATE.with_borrow_mut(|s| {
            let data = s
                .ingest
                .take()
                .expect("started")
                .finish_observed(&mut |_| {});
            let counts = format!(
                "{} stores, {} polls",
                data.store_count(),
                data.total_polls()
            );
            s.data = Some(data);
            counts
        })
    }

    /// Analyses and writes the report CSV: its length in bytes.
    #[wasm_bindgen]
    pub fn report() -> usize {
        STATE.with_borrow(|s| {
            let data = s.data.as_ref().expect("finished");
            let report = analyse(data, Options::default(), &mut |_| ControlFlow::Continue(()))
                .expect("a report");
            let mut out = Vec::new();
            write_csv(&report, data, false, &mut out).expect("written");
            out.len()
        })
    }
}

fn main() {}
