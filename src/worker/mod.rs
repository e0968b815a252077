//! The web worker (SPEC §8): receives files from the page, feeds them slice by slice to the
//! engine, and posts progress and the finished report back. `job` is the job itself, native
//! and tested; the rest is wasm glue that never formats words about the data and never
//! touches the DOM.

pub mod job;
pub mod zip;

#[cfg(target_arch = "wasm32")]
mod glue;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
mod part;
#[cfg(target_arch = "wasm32")]
pub mod slices;

#[cfg(target_arch = "wasm32")]
pub use glue::start;
