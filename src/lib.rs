//! Store Uptime: per-store uptime and downtime during business hours, from status polls.
//!
//! `engine` is the pure core (its contract: docs/semantics.md); `cli` is the native command
//! line over it; `worker` is the browser's web worker over it, talking through `messages` to
//! the page (its own crate, `app/`). The map of all of it: docs/architecture.md.

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod engine;
pub mod fleet_view;
// The generator is not only for `gen-data` and the tests: it ships in the wasm build because
// the worker warms up with it. Before it posts `Ready`, `worker::glue::start` calls
// `warm_up::warm_up`, which generates a 200-store, 8-day public-like set and runs a whole job
// over it (ingest, report, fleet model, messages), so V8 has optimised the engine's hot code
// before the owner's first file. (The page's sample data is static, in `public/sample/`.)
pub mod generate;
pub mod messages;
pub mod report_html;
pub mod warm_up;

// JS helpers shared by the worker and the page (wasm32 only).
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod worker;
