//! The page's entry point (built by Trunk from index.html); everything is in `page`.
//!
//! A crate of its own so its Leptos code is built for size (the workspace's
//! `[profile.release.package.store-uptime-app]`); the engine, the messages and the worker
//! are the `store-uptime` library.

#[cfg(target_arch = "wasm32")]
mod page;

#[cfg(target_arch = "wasm32")]
fn main() {
    page::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}

// The page's words and number formats are pure: compiled natively too, for their tests.
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "page/text.rs"]
mod page_text;
