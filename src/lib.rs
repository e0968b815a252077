pub mod engine;
pub mod messages;

// The browser app: the Leptos page and the web worker's glue (wasm32 only).
#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod worker;
