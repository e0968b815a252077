//! Times each phase of a run (min of 7, so background load matters less), beside the
//! `csv` crate merely parsing the same files.
//! `cargo run --release --example phases -- [--fresh] FILES`
//!
//! `--fresh` runs each of the 7 in a process of its own, as the command line runs: the
//! linearity figure (BENCHMARKS.md, "Linear") is taken so. In one process, glibc hands the
//! 1× set's arrays (under its 32 MiB mmap threshold once one was freed) back from its heap
//! on the second run and after, while the 10× set's larger arrays come fresh from the
//! kernel every run (page faults, zeroing): the two sizes were timed under different
//! conditions, which alone made 10× look 7 % slower than ten times 1× (docs/perf-log.md).
use std::ops::ControlFlow;
use std::process::Command;
use std::time::{Duration, Instant};

use store_uptime::engine::{analyse, write_csv, Ingest, Options};

const RUNS: usize = 7;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |args: &mut Vec<String>, name: &str| {
        let at = args.iter().position(|a| a == name);
        at.map(|i| args.remove(i)).is_some()
    };
    let (fresh, once) = (flag(&mut args, "--fresh"), flag(&mut args, "--once"));
    let files = args;
    let mut best = [Duration::MAX; 7];
    if fresh {
        let me = std::env::current_exe().unwrap();
        for _ in 0..RUNS {
            let out = Command::new(&me)
                .arg("--once")
                .args(&files)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            for (best, nanos) in best.iter_mut().zip(text.split_whitespace()) {
                *best = (*best).min(Duration::from_nanos(nanos.parse().unwrap()));
            }
        }
    } else {
        let bytes: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
        for _ in 0..if once { 1 } else { RUNS } {
            run(&files, &bytes, &mut best);
        }
        if once {
            let nanos: Vec<String> = best.iter().map(|d| d.as_nanos().to_string()).collect();
            println!("{}", nanos.join(" "));
            return;
        }
    }
    report(&best);
}

/// One run of every phase; each phase's time goes into `best` if it is lower.
fn run(files: &[String], bytes: &[Vec<u8>], best: &mut [Duration; 7]) {
    {
        let t = Instant::now();
        let mut rows = 0;
        for b in bytes {
            let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(&b[..]);
            let mut rec = csv::ByteRecord::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                rows += 1;
            }
        }
        best[0] = best[0].min(t.elapsed());
        assert!(rows > 0);

        let t = Instant::now();
        let mut records = 0;
        for b in bytes {
            let mut core = csv_core::Reader::new();
            let (mut out, mut ends) = (vec![0u8; 4096], vec![0usize; 64]);
            let (mut ol, mut el) = (0, 0);
            for chunk in b.chunks(1 << 16).chain(std::iter::once(&[][..])) {
                let mut input = chunk;
                loop {
                    let (res, nin, nout, nend) =
                        core.read_record(input, &mut out[ol..], &mut ends[el..]);
                    input = &input[nin..];
                    ol += nout;
                    el += nend;
                    match res {
                        csv_core::ReadRecordResult::Record => {
                            records += 1;
                            ol = 0;
                            el = 0;
                        }
                        csv_core::ReadRecordResult::InputEmpty if !chunk.is_empty() => break,
                        csv_core::ReadRecordResult::End => break,
                        _ => {}
                    }
                }
            }
        }
        assert!(records > 0);
        best[5] = best[5].min(t.elapsed());

        let t = Instant::now();
        let mut fields = 0usize;
        for b in bytes {
            let mut ends = [0usize; 16];
            for line in memchr::memchr_iter(b'\n', b).scan(0, |start, end| {
                let l = &b[*start..end];
                *start = end + 1;
                Some(l)
            }) {
                let quoted = memchr::memchr2(b'"', b'\r', line).is_some();
                let mut n = 0;
                for i in memchr::memchr_iter(b',', line) {
                    if n < 16 {
                        ends[n] = i;
                    }
                    n += 1;
                }
                fields += n + usize::from(quoted) + ends[0];
            }
        }
        assert!(fields > 0);
        best[6] = best[6].min(t.elapsed());

        let t = Instant::now();
        let mut ingest = Ingest::new();
        for (name, b) in files.iter().zip(bytes) {
            let f = ingest.open_file(name);
            for chunk in b.chunks(1 << 16) {
                ingest.push(f, chunk).unwrap();
            }
            ingest.close_file(f).unwrap();
        }
        best[1] = best[1].min(t.elapsed());
        let t = Instant::now();
        let data = ingest.finish();
        best[2] = best[2].min(t.elapsed());
        let t = Instant::now();
        let report = analyse(
            &data,
            Options::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
        best[3] = best[3].min(t.elapsed());
        let t = Instant::now();
        let mut out = Vec::new();
        write_csv(&report, &data, false, &mut out).unwrap();
        best[4] = best[4].min(t.elapsed());
    }
}

fn report(best: &[Duration; 7]) {
    let total: Duration = best[1..5].iter().sum();
    println!(
        "{:>18}: {:7.1} ms",
        "csv-core loop",
        best[5].as_secs_f64() * 1e3
    );
    println!(
        "{:>18}: {:7.1} ms",
        "line splitter",
        best[6].as_secs_f64() * 1e3
    );
    for (name, d) in ["parse only (csv)", "ingest", "finish", "analyse", "write"]
        .iter()
        .zip(best.iter())
    {
        println!("{name:>18}: {:7.1} ms", d.as_secs_f64() * 1e3);
    }
    println!(
        "{:>18}: {:7.1} ms  ratio {:.2}",
        "engine total",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() / best[0].as_secs_f64()
    );
}
