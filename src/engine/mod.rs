//! The uptime engine: everything that decides a number lives here, once (SPEC §1–§7, §9).
//!
//! Pure: bytes in through [`Ingest`], a [`Report`] and per-store [`Timeline`]s out, CSV
//! written to any `io::Write`. No web, no clock, no file system, and no panic on any input.
//! Compiles natively and to `wasm32-unknown-unknown`; the CLI and the web worker are thin
//! shells over it. One driver, [`stores`], builds each store's timeline and runs the one
//! loop over the stores; the report, the SPEC §9 figures and the page's fleet model consume
//! its timelines. Threads only natively: [`analyse_parallel`] shares the stores out over the
//! same loop, and [`Ingest::read_file_parallel`] parses whole-line parts of a status file;
//! both join their parts in order, so results are the same bytes as on one thread.
//!
//! SPEC §9 (outages, status now, last poll, the week by day, the fleet's 15-minute slots)
//! comes from the same per-store timelines in the same pass: [`analyse_figures`] (and
//! `analyse_figures_parallel`, or `fleet::analyse_fleet` for the page) gives the [`Report`]
//! and [`Figures`]; [`write_outages_csv`] and [`Summary`] write them.

pub mod archive;
pub mod business;
pub mod call_list;
pub mod error;
pub mod fleet;
pub mod ingest;
pub mod outages;
#[cfg(not(target_arch = "wasm32"))]
mod parallel_read;
pub mod report;
pub mod slot_stores;
pub mod stores;
pub mod summary;
mod swar;
pub mod time;
pub mod timeline;

pub use business::{BusinessHours, HoursRule, MissingDay};
pub use error::{FileError, FileProblem, RunError, SkipLog, SkipReason, SkippedRow, UnreadFile};
pub use ingest::{
    dataset_from_bytes, part_start, Dataset, FileId, FileKind, FilePart, FileSummary, Ingest,
    PartRows, StoreIdx,
};
#[cfg(not(target_arch = "wasm32"))]
pub use outages::analyse_figures_parallel;
pub use outages::{
    analyse_figures, format_local_seconds, format_utc_seconds, outages, write_outages_csv, Figures,
    FleetFigures, Outage, SlotTotals, StatusNow, StoreFigures, PERIODS, SLOTS,
};
#[cfg(not(target_arch = "wasm32"))]
pub use report::analyse_parallel;
pub use report::{analyse, write_csv, Quality, Report, StoreReport, Window};
pub use stores::{Analyser, Options, StoreTimeline};
pub use summary::{Pct, Summary};
pub use time::{format_timestamp, parse_timestamp, Micros};
pub use timeline::{Interpolation, Observation, Segment, State, Tick, Timeline, Totals};

/// Progress of a run, for the worker's progress bar and the CLI's silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// `bytes` of the file `file` have been read.
    Read { file: String, bytes: u64 },
    /// `polls` of `of` poll moves done while grouping the polls by store (`Ingest::finish`).
    Grouped { polls: usize, of: usize },
    /// `stores` of `of` stores have been computed.
    Computed { stores: usize, of: usize },
}
