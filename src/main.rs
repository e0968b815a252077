//! `store-uptime`: the command line over the engine (see `cli.rs`).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let status = store_uptime::cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(status);
}

// `cargo test --target wasm32-unknown-unknown` builds every binary; the CLI has no wasm form.
#[cfg(target_arch = "wasm32")]
fn main() {}
