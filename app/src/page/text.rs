//! The page's own words and number formats for what it shows (counts, sizes, the history's
//! lines). Pure, so it is also compiled natively for its unit tests (see `lib.rs`).

/// Counts are grouped the same way on the page and in the report file.
pub use store_uptime::fleet_view::group_digits;
use store_uptime::messages::{FillRule, JobOptions, MissingWeekday, ReportRecord, ReportStatus};

/// One line for the history list, e.g. `nearest, missing weekdays closed`.
pub fn options_line(options: &JobOptions) -> String {
    let mut parts = vec![
        match options.fill {
            FillRule::Nearest => "nearest",
            FillRule::Previous => "previous",
        }
        .to_string(),
        match options.missing_day {
            MissingWeekday::Closed => "missing weekdays closed",
            MissingWeekday::Open => "missing weekdays open",
        }
        .to_string(),
    ];
    if let Some(now) = options
        .now
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        parts.push(format!("now = {now}"));
    }
    if options.extended {
        parts.push("extended columns".to_string());
    }
    parts.join(", ")
}

pub fn status_label(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Running => "Running",
        ReportStatus::Complete => "Complete",
        ReportStatus::Failed => "Failed",
        ReportStatus::Cancelled => "Cancelled",
        ReportStatus::Interrupted => "Interrupted",
    }
}

/// One line about a report's inputs, e.g. `3 files, 1.2 MB`.
pub fn inputs_line(record: &ReportRecord) -> String {
    let bytes: u64 = record.inputs.iter().map(|f| f.bytes).sum();
    let n = record.inputs.len();
    format!(
        "{n} file{}, {}",
        if n == 1 { "" } else { "s" },
        human_bytes(bytes)
    )
}

/// A report's download file name.
pub fn csv_name(record: &ReportRecord) -> String {
    format!("store-uptime-{}.csv", record.id)
}

/// `1.2 MB`, `340 KB`, `12 bytes`.
pub fn human_bytes(bytes: u64) -> String {
    const KB: f64 = 1000.0;
    let b = bytes as f64;
    if b >= KB * KB * KB {
        format!("{:.1} GB", b / (KB * KB * KB))
    } else if b >= KB * KB {
        format!("{:.1} MB", b / (KB * KB))
    } else if b >= KB {
        format!("{:.0} KB", b / KB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store_uptime::messages::FileFacts;

    #[test]
    fn history_lines_name_the_inputs_options_and_download() {
        let file = |bytes| FileFacts {
            name: "a.csv".into(),
            kind: None,
            bytes,
            rows: 0,
            valid_rows: 0,
            stores: 0,
            first_poll: None,
            last_poll: None,
            error: None,
        };
        let record = ReportRecord {
            id: "00ab".into(),
            created_ms: 0,
            inputs: vec![file(1_000_000), file(234_567)],
            options: JobOptions {
                now: Some(" 2024-10-14 ".into()),
                extended: true,
                ..JobOptions::default()
            },
            status: ReportStatus::Interrupted,
            reason: None,
            summary: None,
            quality: None,
        };
        assert_eq!(csv_name(&record), "store-uptime-00ab.csv");
        assert_eq!(inputs_line(&record), "2 files, 1.2 MB");
        assert_eq!(
            options_line(&record.options),
            "nearest, missing weekdays closed, now = 2024-10-14, extended columns"
        );
        assert_eq!(status_label(record.status), "Interrupted");
        assert_eq!(human_bytes(12), "12 bytes");
        assert_eq!(human_bytes(340_000), "340 KB");
        assert_eq!(group_digits(1_788_290), "1\u{2009}788\u{2009}290");
        assert_eq!(group_digits(300), "300");
    }
}
