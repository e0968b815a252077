//! The `store-uptime` command line: argument parsing, files in, report out, a summary on
//! stderr. Glue only — every number and every message about the data comes from the engine.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::engine::archive::{sniff, ArchiveError, Container};
use crate::engine::call_list::{call_list, write_call_list_csv, DEFAULT_TARGET};
use crate::engine::fleet::analyse_fleet;
use crate::engine::{
    analyse_figures_parallel, analyse_parallel, format_timestamp, parse_timestamp, write_csv,
    write_outages_csv, Dataset, Figures, FileKind, FileProblem, Ingest, Interpolation, MissingDay,
    Options, Pct, Report, RunError, Summary,
};
use crate::fleet_view::{FleetView, TargetView};
use crate::report_html::ReportFile;

pub const USAGE: &str = "\
usage: store-uptime report [--now TIMESTAMP] [--interpolation nearest|previous]
                           [--missing-day closed|open] [--extended] [-o FILE] FILE...
       store-uptime outages [--now TIMESTAMP] [--interpolation nearest|previous]
                            [--missing-day closed|open] [-o FILE] FILE...
       store-uptime summary [--now TIMESTAMP] [--interpolation nearest|previous]
                            [--missing-day closed|open] [--target PCT] [--fail-below PCT]
                            [--json] [-o FILE] FILE...
       store-uptime calls [--now TIMESTAMP] [--interpolation nearest|previous]
                          [--missing-day closed|open] [--target PCT] [-o FILE] FILE...
       store-uptime html [--now TIMESTAMP] [--interpolation nearest|previous]
                         [--missing-day closed|open] [--target PCT] [--zone ZONE]
                         [-o FILE] FILE...

Reads status polls, business hours and timezone CSV files, and optionally store names
(store_id, name[, region]); recognised by their header, in any order; several files of one
kind are merged; `-` is standard input. Zip archives and gzip files (.csv.gz) are opened
and their CSV files read the same way; a folder gives every CSV, zip and gzip file in it. Writes to FILE or standard output; a summary of
what was read goes to standard error.

  report    the uptime report CSV
  outages   one CSV row per outage in the last week: store_id, start_utc, end_utc,
            start_local, end_local, down_minutes, ongoing, from_week_start
  summary   the fleet's week: totals, status now, the week by day, the 15-minute
            timeline, stores down now, outages (text, or JSON with --json)
  html      the report as one HTML file that opens in any browser, offline: headline,
            stores to call, outages, charts and every store (no script, loads nothing)
  calls     the stores to call, as the page's download: every store down now (the
            longest down first), then every store below the target (default 99 %,
            worst first), then stores without data. Columns: store_id, reason,
            uptime_pct_last_week, downtime_last_week, status_now, down_since_utc,
            last_poll_utc

  --now TIMESTAMP        report as of this UTC time (default: the latest poll)
  --interpolation MODE   nearest (default) or previous
  --missing-day MODE     a weekday without business-hours rows is closed (default) or open
  --extended             (report) add business_hours_last_week, observations_last_week,
                         uptime_pct_last_week, timezone, hours_defaulted, timezone_defaulted,
                         status_now, last_poll_utc, outages_last_week, longest_outage_minutes,
                         and name, region when a store names file is given
  --target PCT           (summary, calls, html) list the stores below PCT % uptime last week and the
                         fleet's error budget
  --fail-below PCT       (summary) exit with status 3 when the fleet's uptime last week is
                         below PCT % (or nothing was observed)
  --zone ZONE            (html) show the fleet's times in this IANA zone (default: the
                         stores' most common zone); each store's times stay in its own
  --json                 (summary) write JSON (docs/summary-json.md) instead of text
  -o, --output FILE      write here instead of standard output (`-`: standard output)
  -h, --help             show this help
  -V, --version          show the version

Exit status: 0 written (skipped rows included), 1 nothing could be computed or the output
closed before all was written (e.g. `| head`), 2 usage error, 3 (summary --fail-below)
written, and the fleet is below the given uptime.";

/// Reading chunk size, and the size of the parts parsed on other threads: large enough
/// that merging a part (its stores, its polls) is cheap beside parsing it, small enough
/// to stream.
const CHUNK_BYTES: usize = 4 << 20;
/// Examples per skip reason shown in the summary (the engine keeps 20).
const EXAMPLES_SHOWN: usize = 3;

/// What a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Report,
    Outages,
    Summary,
    /// The stores to call (`calls`).
    Calls,
    /// The report as one self-contained HTML file (`html`).
    Html,
}

impl Output {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            Output::Report => "report",
            Output::Outages => "outages",
            Output::Summary => "summary",
            Output::Calls => "calls",
            Output::Html => "html",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportArgs {
    pub output_kind: Output,
    pub options: Options,
    pub extended: bool,
    pub output: Option<PathBuf>,
    pub files: Vec<String>,
    /// `summary` only.
    pub target: Option<Pct>,
    pub fail_below: Option<Pct>,
    pub json: bool,
    /// `html` only: the zone the fleet's times are shown in.
    pub zone: Option<chrono_tz::Tz>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Report(ReportArgs),
    Help,
    Version,
}

/// Parses the arguments after the program name; `Err` is a usage message.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut iter = args.iter();
    let output_kind = match iter.next().map(String::as_str) {
        Some("report") => Output::Report,
        Some("outages") => Output::Outages,
        Some("summary") => Output::Summary,
        Some("calls") => Output::Calls,
        Some("html") => Output::Html,
        Some("-h" | "--help" | "help") => return Ok(Command::Help),
        Some("-V" | "--version") => return Ok(Command::Version),
        Some(other) => {
            return Err(format!(
                "unknown command `{other}`; the commands are `report`, `outages`, `summary`, `calls` and `html`"
            ))
        }
        None => {
            return Err(
                "missing command: `report`, `outages`, `summary`, `calls` or `html`".to_string(),
            )
        }
    };
    let mut parsed = ReportArgs {
        output_kind,
        options: Options::default(),
        extended: false,
        output: None,
        files: Vec::new(),
        target: matches!(output_kind, Output::Calls | Output::Html).then_some(DEFAULT_TARGET),
        fail_below: None,
        json: false,
        zone: None,
    };
    let only = |flag: &str, kinds: &[Output]| -> Result<(), String> {
        if kinds.contains(&output_kind) {
            Ok(())
        } else {
            let names: Vec<String> = kinds.iter().map(|k| format!("`{}`", k.name())).collect();
            // `a`, `b` and `c`
            let names = match names.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            Err(format!("{flag} is an option of {names} only"))
        }
    };
    let pct = |flag: &str, text: String| -> Result<Pct, String> {
        Pct::parse(&text).ok_or(format!(
            "{flag}: `{text}` is not a percentage from 0 to 100 with at most two decimals"
        ))
    };
    let mut only_files = false;
    while let Some(arg) = iter.next() {
        if only_files || arg == "-" || !arg.starts_with('-') {
            parsed.files.push(arg.clone());
            continue;
        }
        // `--flag=value` and `--flag value` both work for options that take a value; a
        // switch given a value (`--extended=no`) is a usage error, never silently "on".
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        if inline.is_some() && matches!(flag, "--" | "--help" | "--extended" | "--json") {
            return Err(format!("{flag} takes no value (`{arg}`)"));
        }
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or(format!("{name} needs a value"))
        };
        match flag {
            "--" => only_files = true,
            "-h" | "--help" => return Ok(Command::Help),
            "--extended" => {
                only(flag, &[Output::Report])?;
                parsed.extended = true;
            }
            "--json" => {
                only(flag, &[Output::Summary])?;
                parsed.json = true;
            }
            "--target" => {
                only(flag, &[Output::Summary, Output::Calls, Output::Html])?;
                parsed.target = Some(pct(flag, value(flag)?)?);
            }
            "--zone" => {
                only(flag, &[Output::Html])?;
                let name = value(flag)?;
                parsed.zone = Some(name.parse().map_err(|_| {
                    format!("--zone: `{name}` is not an IANA time zone (e.g. America/Chicago, UTC)")
                })?);
            }
            "--fail-below" => {
                only(flag, &[Output::Summary])?;
                parsed.fail_below = Some(pct(flag, value(flag)?)?);
            }
            // `-o -` is standard output, as `-` among the inputs is standard input.
            "-o" | "--output" => {
                let path = value(flag)?;
                parsed.output = (path != "-").then(|| PathBuf::from(path));
            }
            "--now" => {
                let text = value(flag)?;
                let now = parse_timestamp(text.as_bytes()).map_err(|_| {
                    format!(
                        "--now: `{text}` is not a timestamp (expected YYYY-MM-DD HH:MM[:SS] [UTC])"
                    )
                })?;
                parsed.options.now = Some(now);
            }
            "--interpolation" => {
                parsed.options.interpolation = match value(flag)?.as_str() {
                    "nearest" => Interpolation::Nearest,
                    "previous" => Interpolation::Previous,
                    other => {
                        return Err(format!(
                            "--interpolation: `{other}` is not nearest or previous"
                        ))
                    }
                }
            }
            "--missing-day" => {
                parsed.options.missing_day = match value(flag)?.as_str() {
                    "closed" => MissingDay::Closed,
                    "open" => MissingDay::Open,
                    other => return Err(format!("--missing-day: `{other}` is not closed or open")),
                }
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if parsed.files.is_empty() {
        return Err("no input files".to_string());
    }
    if parsed.files.iter().filter(|f| *f == "-").count() > 1 {
        return Err(
            "`-` (standard input) is given more than once; it can be read only once".into(),
        );
    }
    Ok(Command::Report(parsed))
}

/// Runs the command line; returns the exit status.
pub fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let command = match parse_args(args) {
        Ok(command) => command,
        Err(message) => {
            let _ = writeln!(stderr, "store-uptime: {message}\n\n{USAGE}");
            return 2;
        }
    };
    let args = match command {
        Command::Help => {
            let _ = writeln!(stdout, "{USAGE}");
            return 0;
        }
        Command::Version => {
            let _ = writeln!(stdout, "store-uptime {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        Command::Report(args) => args,
    };
    match report(&args, stdout, stderr) {
        Ok(Written::Below(message)) => {
            let _ = writeln!(stderr, "store-uptime: {message}");
            3
        }
        Ok(Written::Done) => 0,
        Err(message) => {
            let _ = writeln!(stderr, "store-uptime: error: {message}");
            1
        }
    }
}

/// How a run that wrote its output ended.
enum Written {
    Done,
    /// `--fail-below`: the fleet is below the given uptime (exit 3).
    Below(String),
}

fn report(
    args: &ReportArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Written, String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut ingest = Ingest::new();
    for name in &inputs_of(&args.files)? {
        for problem in read_input(&mut ingest, name, threads)? {
            // Left out of an archive: said now, and the rest is read (docs/archives.md).
            let _ = writeln!(stderr, "store-uptime: {problem}; left out");
        }
    }
    let data = ingest.finish_parallel(threads);
    let no_report = |e: RunError| match e {
        RunError::NoStatusFile => format!("{e} (read: {})", args.files.join(", ")),
        other => other.to_string(),
    };
    let continue_ = &mut |_| ControlFlow::Continue(());
    // The report alone needs no figures; the other outputs take both from one pass.
    // The HTML file is the page's: drawn from the fleet view and target answers the
    // worker sends the page, built by the same functions.
    let mut html = None;
    let (report, figures) = match args.output_kind {
        Output::Report => {
            let report = analyse_parallel(&data, args.options, threads, continue_);
            (report.map_err(no_report)?, Figures::default())
        }
        Output::Html => {
            let (report, fleet) =
                analyse_fleet(&data, args.options, continue_).map_err(no_report)?;
            let view = FleetView::new(&report, &fleet, &data);
            let target = args.target.unwrap_or(DEFAULT_TARGET);
            let target = TargetView::new(&report, &fleet.figures, &data, target);
            let zone = args
                .zone
                .or(fleet.common_zone)
                .unwrap_or(crate::engine::report::DEFAULT_ZONE);
            html = Some(
                ReportFile {
                    job: "",
                    view: &view,
                    target: &target,
                    zone,
                }
                .render(),
            );
            (report, fleet.figures)
        }
        _ => {
            analyse_figures_parallel(&data, args.options, threads, continue_).map_err(no_report)?
        }
    };
    let summary = matches!(args.output_kind, Output::Summary | Output::Calls)
        .then(|| Summary::new(&report, &figures, &data, args.target));
    let calls = match (&summary, args.output_kind) {
        (Some(summary), Output::Calls) => call_list(summary),
        _ => Vec::new(),
    };
    // The rows of the file written (the summary is not counted in rows).
    let rows = match args.output_kind {
        Output::Report | Output::Html => report.stores.len(),
        Output::Outages => figures.stores.iter().map(|f| f.outages.len()).sum(),
        Output::Summary => 0,
        Output::Calls => calls.len(),
    };
    let write = |out: &mut dyn Write| -> io::Result<()> {
        let mut out = BufWriter::new(out);
        match (&summary, args.output_kind) {
            (Some(summary), Output::Calls) => write_call_list_csv(summary, &calls, &mut out)?,
            (Some(summary), _) if args.json => summary.write_json(&mut out)?,
            (Some(summary), _) => summary.write_text(&mut out)?,
            (None, Output::Outages) => write_outages_csv(&report, &figures, &data, &mut out)?,
            (None, Output::Html) => out.write_all(html.as_deref().unwrap_or("").as_bytes())?,
            (None, _) => write_csv(&report, &data, args.extended, &mut out)?,
        }
        out.flush()
    };

    let written = match &args.output {
        Some(path) => {
            let mut file = File::create(path)
                .map_err(|e| format!("{}: cannot create: {e}", path.display()))?;
            write(&mut file).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            path.display().to_string()
        }
        None => {
            let mut counted = LineCounter {
                out: stdout,
                lines: 0,
            };
            match write(&mut counted) {
                Ok(()) => "standard output".to_string(),
                // A closed pipe (`| head`): the reader chose to stop, but the output is not
                // whole, so say how much got through and exit non-zero.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    let _ = stderr.write_all(
                        summary_of_run(&data, &report, args.options.now.is_some(), "", "")
                            .as_bytes(),
                    );
                    let lines = counted.lines;
                    return Err(match args.output_kind {
                        Output::Report | Output::Outages | Output::Calls => format!(
                            "standard output was closed after {} of {rows} rows (the reader \
                             stopped early, e.g. `| head`): the file is incomplete",
                            lines.saturating_sub(1)
                        ),
                        Output::Summary => format!(
                            "standard output was closed after {lines} lines (the reader \
                             stopped early, e.g. `| head`): the summary is incomplete"
                        ),
                        Output::Html => format!(
                            "standard output was closed after {lines} lines (the reader \
                             stopped early, e.g. `| head`): the HTML file is incomplete"
                        ),
                    });
                }
                Err(e) => return Err(format!("standard output: {e}")),
            }
        }
    };
    let what = match args.output_kind {
        Output::Report => format!("report: {rows} rows"),
        Output::Outages => format!("outages: {rows} rows"),
        Output::Summary => "summary".to_string(),
        Output::Calls => format!("stores to call: {rows} rows"),
        Output::Html => format!("report file (HTML): {rows} stores"),
    };
    let _ = stderr.write_all(
        summary_of_run(&data, &report, args.options.now.is_some(), &what, &written).as_bytes(),
    );
    if let (Some(summary), Some(pct)) = (&summary, args.fail_below) {
        if summary.fleet_below(pct) {
            let week = summary.week;
            let shown = crate::engine::report::format_percent(week.up, week.up + week.down);
            let shown = if shown.is_empty() {
                "unknown (no up or down time observed)".to_string()
            } else {
                format!("{shown} %")
            };
            return Ok(Written::Below(format!(
                "the fleet's uptime last week, {shown}, is below {pct} %"
            )));
        }
    }
    Ok(Written::Done)
}

/// The files to read: each argument, and for a folder every CSV, zip and gzip file in it
/// and its subfolders, in name order (so a run is repeatable).
fn inputs_of(args: &[String]) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    for arg in args {
        let path = std::path::Path::new(arg);
        if arg != "-" && path.is_dir() {
            let before = files.len();
            folder_files(path, &mut files)
                .map_err(|e| format!("{arg}: cannot read the folder: {e}"))?;
            if files.len() == before {
                return Err(format!("{arg}: the folder has no CSV, zip or gzip file"));
            }
        } else {
            files.push(arg.clone());
        }
    }
    Ok(files)
}

fn folder_files(folder: &std::path::Path, files: &mut Vec<String>) -> io::Result<()> {
    let mut entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(folder)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            if !crate::engine::archive::skipped_silently(&format!("{name}/x")) {
                folder_files(&path, files)?;
            }
        } else if crate::engine::archive::taken_from_folder(&name) {
            files.push(path.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// Reads one input, a plain file, a gzip file or a zip archive (known by its first bytes);
/// `-` is standard input. A plain file that cannot be used stops the run (`Err`); what
/// cannot be read from an archive is returned, and the rest of it is read.
fn read_input(ingest: &mut Ingest, name: &str, threads: usize) -> Result<Vec<FileProblem>, String> {
    let mut head = [0u8; 4];
    if name == "-" {
        let mut stdin = io::stdin();
        let filled = read_head(&mut stdin, &mut head).map_err(|e| format!("{name}: {e}"))?;
        let source = io::Cursor::new(head[..filled].to_vec()).chain(stdin);
        return match sniff(&head[..filled]) {
            Some(Container::Zip) => Ok(vec![ingest.refuse(name, ArchiveError::ZipOnStandardInput)]),
            Some(Container::Gzip) => Ok(ingest
                .read_gzip_parallel(name, source, CHUNK_BYTES, threads)
                .err()
                .into_iter()
                .collect()),
            None => ingest
                .read_file_parallel(name, source, CHUNK_BYTES, threads)
                .map(|()| Vec::new())
                .map_err(|problem| problem.to_string()),
        };
    }
    let mut file = File::open(name).map_err(|e| format!("{name}: cannot open: {e}"))?;
    let filled =
        read_head(&mut file, &mut head).map_err(|e| format!("{name}: cannot read: {e}"))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| format!("{name}: cannot read: {e}"))?;
    match sniff(&head[..filled]) {
        Some(Container::Zip) => {
            let size = file
                .metadata()
                .map_err(|e| format!("{name}: cannot read: {e}"))?
                .len();
            let read = ingest.read_zip_parallel(name, &mut file, size, CHUNK_BYTES, threads);
            Ok(read.problems)
        }
        Some(Container::Gzip) => Ok(ingest
            .read_gzip_parallel(name, file, CHUNK_BYTES, threads)
            .err()
            .into_iter()
            .collect()),
        None => ingest
            .read_file_parallel(name, file, CHUNK_BYTES, threads)
            .map(|()| Vec::new())
            .map_err(|problem| problem.to_string()),
    }
}

/// Fills `head` as far as the source goes; the number of bytes read.
fn read_head(source: &mut impl Read, head: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < head.len() {
        match source.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Counts the lines the wrapped writer accepted, so an early-closed output can say how far
/// the report got.
struct LineCounter<W> {
    out: W,
    lines: u64,
}

impl<W: Write> Write for LineCounter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// What was read, what `now` is, what was skipped and defaulted.
pub fn summary_of_run(
    data: &Dataset,
    report: &Report,
    now_given: bool,
    what: &str,
    written_to: &str,
) -> String {
    let mut s = String::new();
    for file in &data.files {
        if file.error.is_some() {
            let _ = writeln!(s, "{}: left out (see above)", file.name);
            continue;
        }
        let kind = file.kind.map_or("?", FileKind::describe);
        let _ = write!(s, "{}: {kind}, {} rows", file.name, file.rows);
        if file.rows > file.valid_rows {
            let _ = write!(s, " ({} skipped)", file.rows - file.valid_rows);
        }
        let _ = write!(s, ", {} stores", file.stores);
        if let Some((first, last)) = file.time_range {
            let _ = write!(
                s,
                ", {} to {}",
                format_timestamp(first),
                format_timestamp(last)
            );
        }
        s.push('\n');
    }
    let source = if now_given {
        "given"
    } else {
        "the latest poll"
    };
    let _ = writeln!(s, "now: {} ({source})", format_timestamp(report.now));
    let q = &report.quality;
    let _ = writeln!(
        s,
        "stores reported: {} ({} polls)",
        report.stores.len(),
        data.total_polls()
    );
    for (count, what) in [
        (
            q.stores_hours_defaulted,
            "without business hours, counted as open 24/7",
        ),
        (
            q.stores_zone_defaulted,
            "without a valid timezone, counted in America/Chicago",
        ),
        (
            q.stores_no_data,
            "without any poll in business hours: 0 uptime, 0 downtime (no data)",
        ),
        (
            q.stores_without_polls,
            "only in the hours/timezone files, not reported",
        ),
        (q.polls_after_now, "polls after `now`, ignored"),
        (
            data.names_without_polls(),
            "named in the store names file but without polls, not reported",
        ),
    ] {
        if count > 0 {
            let _ = writeln!(s, "  {count} {what}");
        }
    }
    if data.skips.total() > 0 {
        let _ = writeln!(s, "skipped rows: {}", data.skips.total());
        for (reason, entry) in data.skips.iter() {
            let _ = writeln!(s, "  {}: {}", reason.title(), entry.count);
            for row in entry.examples.iter().take(EXAMPLES_SHOWN) {
                let _ = writeln!(s, "    {row}");
            }
            let more = entry.count - entry.examples.len().min(EXAMPLES_SHOWN) as u64;
            if more > 0 {
                let _ = writeln!(s, "    … and {more} more");
            }
        }
    }
    // Empty `written_to`: the output failed, and the caller says how.
    if !written_to.is_empty() {
        let _ = writeln!(s, "{what} written to {written_to}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_every_option_in_both_forms() {
        let Ok(Command::Report(a)) = parse_args(&args(&[
            "report",
            "--now=2024-10-14 12:00",
            "--interpolation",
            "previous",
            "--missing-day=open",
            "--extended",
            "-o",
            "out.csv",
            "a.csv",
            "-",
            "--",
            "--odd-name.csv",
        ])) else {
            panic!("should parse");
        };
        assert_eq!(
            a.options.now,
            Some(parse_timestamp(b"2024-10-14 12:00").unwrap())
        );
        assert_eq!(a.options.interpolation, Interpolation::Previous);
        assert_eq!(a.options.missing_day, MissingDay::Open);
        assert!(a.extended);
        assert_eq!(a.output, Some(PathBuf::from("out.csv")));
        assert_eq!(a.files, ["a.csv", "-", "--odd-name.csv"]);
    }

    #[test]
    fn output_dash_is_standard_output() {
        let Ok(Command::Report(a)) = parse_args(&args(&["report", "-o", "-", "a.csv"])) else {
            panic!("should parse");
        };
        assert_eq!(a.output, None);
        assert_eq!(a.files, ["a.csv"]);
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (list, expected) in [
            (&["report"][..], "no input files"),
            (
                &["report", "--interpolation", "linear", "a"],
                "`linear` is not nearest or previous",
            ),
            (&["report", "--missing-day"], "--missing-day needs a value"),
            (
                &["report", "--now", "yesterday", "a"],
                "`yesterday` is not a timestamp",
            ),
            (&["report", "--fast", "a"], "unknown option `--fast`"),
            (&["repot", "a"], "unknown command `repot`"),
            (
                &["report", "--extended=no", "a"],
                "--extended takes no value",
            ),
            (&["report", "-", "a", "-"], "can be read only once"),
            (&[], "missing command"),
        ] {
            let err = parse_args(&args(list)).unwrap_err();
            assert!(err.contains(expected), "{list:?}: {err}");
        }
    }
}
