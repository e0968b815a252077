//! Store Uptime: per-store uptime and downtime during business hours, from status polls.
//!
//! `engine` is the pure core (SPEC.md); `cli` is the native command line over it.

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod engine;
pub mod generate;
