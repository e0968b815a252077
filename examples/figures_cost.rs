//! Where the time of SPEC §9's figures goes, on the bench's 1× set (`cargo bench` makes it):
//! `cargo run --release --example figures_cost`.
use std::ops::ControlFlow;
use std::time::Instant;

use store_uptime::engine::{
    analyse, analyse_figures, dataset_from_bytes, write_csv, write_outages_csv, Options, Summary,
};

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/public");
    let files: Vec<(String, Vec<u8>)> = ["store_status.csv", "menu_hours.csv", "timezones.csv"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read(dir.join(f)).expect("bench data"),
            )
        })
        .collect();
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    let data = dataset_from_bytes(&named).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let report = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        let mut out = Vec::new();
        write_csv(&report, &data, false, &mut out).unwrap();
        let w = t.elapsed();
        let t = Instant::now();
        let (report, figures) =
            analyse_figures(
                &data,
                Options::default(),
                &mut |_| ControlFlow::Continue(()),
            )
            .unwrap();
        let f = t.elapsed();
        let t = Instant::now();
        let mut out = Vec::new();
        write_outages_csv(&report, &figures, &data, &mut out).unwrap();
        let o = t.elapsed();
        let n: usize = figures.stores.iter().map(|s| s.outages.len()).sum();
        let t = Instant::now();
        let summary = Summary::new(&report, &figures, &data, None);
        let mut out2 = Vec::new();
        summary.write_json(&mut out2).unwrap();
        summary.write_text(&mut out2).unwrap();
        let s = t.elapsed();
        println!(
            "analyse {a:?} write {w:?} | analyse_figures {f:?} outages csv {o:?} ({n} rows, {} bytes) summary {s:?}",
            out.len()
        );
    }
}
