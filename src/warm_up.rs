//! The worker's start-up warm-up: a job's engine work, run once over a small generated data
//! set and thrown away.
//!
//! Why: V8 runs wasm first in a baseline tier and optimises a function only after it has
//! run a while; a call already running is never switched. Without a warm-up, the first job
//! of a page runs much of its ingest, `finish`, `analyse` and fleet model unoptimised (what
//! that costs: BENCHMARKS.md). Pure and deterministic, so it is tested
//! natively; the worker runs it before it says it is ready.

use std::ops::ControlFlow;

use crate::engine::{self, fleet, Ingest};
use crate::fleet_view::FleetView;
use crate::generate::{GenConfig, GeneratedData};
use crate::messages::{FromWorker, JobOptions, Outcome};

/// Stores in the warm-up's data set: enough rows for V8 to optimise every hot function,
/// few enough to be over before an owner has chosen files (its time: BENCHMARKS.md).
pub const WARM_UP_STORES: usize = 200;

/// The warm-up's slice size: small, so each function is called many times (V8 switches a
/// function to optimised code between calls).
pub const WARM_UP_SLICE: usize = 64 << 10;

/// What the warm-up went through, so a test can tell it ran every step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmedUp {
    pub status_slices: usize,
    pub polls: u64,
    pub rows_skipped: u64,
    pub report_stores: u64,
    pub csv_bytes: usize,
    pub fleet_rows: usize,
    /// Bytes of the two messages a job posts (`Complete` and `Fleet`), as JSON.
    pub message_bytes: usize,
}

/// Runs ingest (slice by slice), `finish`, `analyse`, the report's CSV and JSON, and the
/// fleet model with its view, as a job does, on a generated public-like data set.
/// `Err` names the step that failed (it never should: the data is generated).
pub fn warm_up() -> Result<WarmedUp, String> {
    let generated = GeneratedData::generate(GenConfig {
        days: 8,
        ..GenConfig::public_like(1, WARM_UP_STORES)
    });
    let [status, hours, zones] = generated.files_in_memory();
    let files = [
        ("store_status.csv", status),
        ("menu_hours.csv", hours),
        ("timezones.csv", zones),
    ];
    drop(generated);

    let mut ingest = Ingest::new();
    for (name, bytes) in &files {
        let file = ingest.open_file(name);
        for slice in bytes.chunks(WARM_UP_SLICE) {
            ingest.push(file, slice).map_err(|p| p.to_string())?;
        }
        ingest.close_file(file).map_err(|p| p.to_string())?;
    }
    let status_slices = files[0].1.len().div_ceil(WARM_UP_SLICE);
    drop(files);
    let data = ingest.finish_observed(&mut |_| {});

    let options = JobOptions::default().to_engine()?;
    let report = engine::analyse(&data, options, &mut |_| ControlFlow::Continue(()))
        .map_err(|e| e.to_string())?;
    let outcome = Outcome::new_observed(&report, &data, false, &mut |_| {});
    let csv_bytes = outcome.csv.len();
    let (polls, rows_skipped, report_stores) = (
        outcome.summary.polls,
        outcome.summary.rows_skipped,
        outcome.summary.stores,
    );
    let complete = serde_json::to_string(&FromWorker::Complete {
        job: String::new(),
        outcome: Box::new(outcome),
    })
    .map_err(|e| e.to_string())?;
    drop(report);

    let (report, model) = fleet::analyse_fleet(&data, options, &mut |_| ControlFlow::Continue(()))
        .map_err(|e| e.to_string())?;
    let view = FleetView::new(&report, &model, &data);
    let fleet_rows = view.rows.len();
    let fleet = serde_json::to_string(&FromWorker::Fleet {
        job: String::new(),
        fleet: Box::new(view),
    })
    .map_err(|e| e.to_string())?;

    Ok(WarmedUp {
        status_slices,
        polls,
        rows_skipped,
        report_stores,
        csv_bytes,
        fleet_rows,
        message_bytes: complete.len() + fleet.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_runs_every_step_of_a_job_over_many_slices() {
        let done = warm_up().expect("the warm-up's generated data makes a report");
        // Many calls of the ingest, and a realistic mix: nasty rows are skipped, as in the
        // benchmark sets, so the error paths are warmed too.
        assert!(done.status_slices >= 10, "{done:?}");
        assert!(done.polls >= 100 * WARM_UP_STORES as u64, "{done:?}");
        assert!(done.rows_skipped > 0, "{done:?}");
        assert!(done.report_stores >= WARM_UP_STORES as u64, "{done:?}");
        assert_eq!(done.fleet_rows as u64, done.report_stores, "{done:?}");
        // One CSV line per store (SPEC §7), plus the header.
        assert!(done.csv_bytes > 40 * WARM_UP_STORES, "{done:?}");
        assert!(done.message_bytes > done.csv_bytes, "{done:?}");
    }

    #[test]
    fn the_warm_up_is_the_same_every_time() {
        assert_eq!(warm_up(), warm_up());
    }
}
