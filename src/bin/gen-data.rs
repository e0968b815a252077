//! `gen-data`: writes a seeded synthetic data set (store_status.csv, menu_hours.csv,
//! timezones.csv) shaped like the public exports. Glue over `store_uptime::generate`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use store_uptime::engine::time::{format_timestamp, parse_timestamp, Micros, MICROS_PER_MINUTE};
use store_uptime::generate::{
    GenConfig, GeneratedData, IdStyle, Precision, WriteStats, HOURS_FILE, STATUS_FILE,
    TIMEZONES_FILE,
};

const USAGE: &str = "\
usage: gen-data [--preset public|sample] [--stores N] [--days D] [--seed S]
                [--poll-minutes M | --polls-per-hour F] [--ids uuid|integer]
                [--clean] [--whole-minutes] [--end TIMESTAMP]
                [--fleet-outage START,END [--outage-local]] --out DIR

Writes store_status.csv, menu_hours.csv and timezones.csv into DIR.
  --preset public   the 1x benchmark set: 14 000 stores, 8 days, ~1.8 M polls
  --preset sample   the page's sample: 300 stores, 8 days, clean, a fleet outage
Without a preset: 300 stores, 8 days, seed 1, hourly polls, UUID ids, nasty rows
(invalid rows and odd layouts; --clean turns them off), ending at
2024-10-14 23:55:18.727055 UTC. Options after --preset override it.
--outage-local reads the --fleet-outage times as each store's local wall time.
Timestamps as in the data: '2024-10-11 23:30:00' (UTC), or with 'T', 'Z', '+02:00'.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, out) = match parse_args(&args) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("gen-data: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(config, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-data: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Option<(GenConfig, PathBuf)>, String> {
    let mut config = GenConfig {
        days: 8,
        ..GenConfig::public_like(1, 300)
    };
    let mut out = None;
    let mut it = args.iter();
    // A preset is applied first, wherever it stands, so the other options override it.
    if let Some(pos) = args.iter().position(|a| a == "--preset") {
        config = match args.get(pos + 1).map(String::as_str) {
            Some("public") => GenConfig::preset_public(),
            Some("sample") => GenConfig::preset_sample(),
            Some(other) => return Err(format!("unknown preset `{other}` (public or sample)")),
            None => return Err("--preset needs a value".into()),
        };
    }
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--preset" => {
                value("--preset")?;
            }
            "--stores" => config.stores = number(&value(arg)?, arg)?,
            "--days" => config.days = number(&value(arg)?, arg)?,
            "--seed" => config.seed = number(&value(arg)?, arg)?,
            "--poll-minutes" => {
                let minutes: f64 = number(&value(arg)?, arg)?;
                config.poll_every = positive_interval(minutes * MICROS_PER_MINUTE as f64, arg)?;
            }
            "--polls-per-hour" => {
                let per_hour: f64 = number(&value(arg)?, arg)?;
                config.poll_every =
                    positive_interval(60.0 * MICROS_PER_MINUTE as f64 / per_hour, arg)?;
            }
            "--ids" => {
                config.id_style = match value(arg)?.as_str() {
                    "uuid" => IdStyle::Uuid,
                    "integer" => IdStyle::Integer,
                    other => return Err(format!("--ids: `{other}` is not uuid or integer")),
                }
            }
            "--clean" => config.nasty = false,
            "--whole-minutes" => config.precision = Precision::WholeMinutes,
            "--end" => config.end = timestamp(&value(arg)?, arg)?,
            "--fleet-outage" => {
                let text = value(arg)?;
                let (a, b) = text
                    .split_once(',')
                    .ok_or("--fleet-outage wants START,END")?;
                let (a, b) = (timestamp(a, arg)?, timestamp(b, arg)?);
                if b <= a {
                    return Err("--fleet-outage: END must be after START".into());
                }
                config.fleet_outage = Some((a, b));
            }
            "--outage-local" => config.outage_local = true,
            "--out" | "-o" => out = Some(PathBuf::from(value(arg)?)),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if config.days == 0 {
        return Err("--days must be at least 1".into());
    }
    let out = out.ok_or("--out DIR is required")?;
    Ok(Some((config, out)))
}

fn number<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{name}: `{text}` is not a valid number"))
}

fn positive_interval(micros: f64, name: &str) -> Result<Micros, String> {
    if (1_000_000.0..1e15).contains(&micros) {
        Ok(micros as Micros)
    } else {
        Err(format!(
            "{name}: the poll interval must be between a second and a few years"
        ))
    }
}

fn timestamp(text: &str, name: &str) -> Result<Micros, String> {
    parse_timestamp(text.as_bytes())
        .map_err(|_| format!("{name}: `{text}` is not a timestamp like 2024-10-11 23:30:00"))
}

/// Counts the bytes that pass through.
struct Counting<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

type Writer<'a> =
    dyn Fn(&GeneratedData, &mut Counting<BufWriter<File>>) -> io::Result<WriteStats> + 'a;

fn run(config: GenConfig, out: &Path) -> io::Result<()> {
    let started = Instant::now();
    let data = GeneratedData::generate(config);
    let c = &data.config;
    println!(
        "generated {} stores (+{} only in hours/timezones), {} polls, {} days to {}, seed {}{} in {:.2} s",
        data.stores.len(),
        data.extra_store_ids.len(),
        data.polls.len(),
        c.days,
        format_timestamp(c.end),
        c.seed,
        if c.nasty { ", nasty" } else { ", clean" },
        started.elapsed().as_secs_f64()
    );
    std::fs::create_dir_all(out)?;
    let files: [(&str, &Writer); 3] = [
        (STATUS_FILE, &|d, w| d.write_status(w)),
        (HOURS_FILE, &|d, w| d.write_hours(w)),
        (TIMEZONES_FILE, &|d, w| d.write_timezones(w)),
    ];
    for (name, write) in files {
        let path = out.join(name);
        let mut w = Counting {
            inner: BufWriter::with_capacity(1 << 16, File::create(&path)?),
            bytes: 0,
        };
        let stats = write(&data, &mut w)?;
        w.flush()?;
        println!(
            "wrote {}: {} rows ({} invalid on purpose), {:.1} MB",
            path.display(),
            stats.rows,
            stats.bad_rows,
            w.bytes as f64 / 1e6
        );
    }
    println!("done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
