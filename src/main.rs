//! `store-uptime`: the command line over the engine (see `cli.rs`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let status = store_uptime::cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(status);
}
