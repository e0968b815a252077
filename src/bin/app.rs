//! The page's entry point (built by Trunk from index.html); everything is in `app`.
#[cfg(target_arch = "wasm32")]
fn main() {
    store_uptime::app::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
