//! The web worker's entry point (built by Trunk as `worker.js` + `worker_bg.wasm`).
#[cfg(target_arch = "wasm32")]
fn main() {
    store_uptime::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
