//! The stores to call (SPEC §9 applied to a target; docs/semantics.md §9 "Stores to call"):
//! every store down now, then every store whose week uptime is below the target, then the
//! stores without any data — the list an owner works down, phone in hand. Built from a
//! [`Summary`] so its order and its "below" test are the summary's, exactly.

use std::io::{self, Write};

use super::outages::{format_utc_seconds, tick_micros};
use super::report::{format_percent, formula_safe, write_field, Hundredths, Window};
use super::summary::{Pct, Summary};
use super::time::MICROS_PER_HOUR;

/// The target an owner starts with (the page's default, and `store-uptime calls`'s).
pub const DEFAULT_TARGET: Pct = Pct(9900);

/// The call list file's header.
pub const CALL_LIST_HEADER: &str =
    "store_id,reason,uptime_pct_last_week,downtime_last_week,status_now,down_since_utc,last_poll_utc";

/// Why a store is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallReason {
    DownNow,
    BelowTarget,
    /// No observation at all (SPEC §5): nothing says the store works.
    NoData,
}

impl CallReason {
    pub const ALL: [CallReason; 3] = [
        CallReason::DownNow,
        CallReason::BelowTarget,
        CallReason::NoData,
    ];

    /// As written in the file.
    pub fn name(self) -> &'static str {
        match self {
            CallReason::DownNow => "down now",
            CallReason::BelowTarget => "below target",
            CallReason::NoData => "no data",
        }
    }

    /// The position in [`CallReason::ALL`] (the page's compact form).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One store to call: its report row and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallEntry {
    pub row: usize,
    pub reason: CallReason,
}

/// The list, in calling order: down now (the longest down first, as the summary's
/// `down_now`), then below the target (worst first, as the summary's `stores_below`; a
/// store down now is listed once, as down now), then stores without data in report order.
/// Without a target, no store is below it.
pub fn call_list(summary: &Summary) -> Vec<CallEntry> {
    let down: Vec<CallEntry> = summary
        .down_now
        .iter()
        .map(|&row| CallEntry {
            row,
            reason: CallReason::DownNow,
        })
        .collect();
    let is_down = |row: usize| summary.report.stores[row].status_now.index() == 1;
    let below = summary
        .below
        .iter()
        .filter(|b| !is_down(b.row))
        .map(|b| CallEntry {
            row: b.row,
            reason: CallReason::BelowTarget,
        });
    let no_data = summary
        .report
        .stores
        .iter()
        .enumerate()
        .filter(|(_, r)| r.no_data)
        .map(|(row, _)| CallEntry {
            row,
            reason: CallReason::NoData,
        });
    down.into_iter().chain(below).chain(no_data).collect()
}

/// Writes the call list file: [`CALL_LIST_HEADER`], then one row per entry. Percent and
/// hours as the extended report writes them; UTC times as the outage file (whole seconds).
pub fn write_call_list_csv(
    summary: &Summary,
    entries: &[CallEntry],
    out: &mut impl Write,
) -> io::Result<()> {
    out.write_all(CALL_LIST_HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    for entry in entries {
        let r = &summary.report.stores[entry.row];
        let f = &summary.figures.stores[entry.row];
        let week = r.window(Window::Week);
        write_field(out, &formula_safe(summary.data.store_id(r.store)))?;
        writeln!(
            out,
            ",{},{},{},{},{},{}",
            entry.reason.name(),
            format_percent(week.up, week.up + week.down),
            Hundredths::of(week.down, MICROS_PER_HOUR),
            r.status_now.name(),
            f.down_since()
                .map(|t| format_utc_seconds(tick_micros(t)))
                .unwrap_or_default(),
            r.last_poll.map(format_utc_seconds).unwrap_or_default(),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{analyse_figures, dataset_from_bytes, Options};
    use std::ops::ControlFlow;

    const STATUS: &str = "store_id,status,timestamp_utc\n\
        a,active,2024-01-08 10:00:00 UTC\n\
        a,inactive,2024-01-08 11:00:00 UTC\n\
        b,active,2024-01-08 10:00:00 UTC\n\
        b,active,2024-01-08 11:00:00 UTC\n\
        c,active,2024-01-02 10:00:00 UTC\n\
        c,inactive,2024-01-06 10:00:00 UTC\n\
        c,active,2024-01-08 11:00:00 UTC\n\
        =d,inactive,2024-01-08 11:00:00 UTC\n";

    fn list(target: Option<Pct>) -> (Vec<(String, CallReason)>, String) {
        let data = dataset_from_bytes(&[("status.csv", STATUS.as_bytes())]).unwrap();
        let (report, figures) =
            analyse_figures(
                &data,
                Options::default(),
                &mut |_| ControlFlow::Continue(()),
            )
            .unwrap();
        let summary = Summary::new(&report, &figures, &data, target);
        let entries = call_list(&summary);
        let mut csv = Vec::new();
        write_call_list_csv(&summary, &entries, &mut csv).unwrap();
        let named = entries
            .iter()
            .map(|e| {
                (
                    data.store_id(report.stores[e.row].store).to_string(),
                    e.reason,
                )
            })
            .collect();
        (named, String::from_utf8(csv).unwrap())
    }

    #[test]
    fn down_now_first_then_below_target_each_store_once() {
        let (named, csv) = list(Some(Pct(9900)));
        let reasons: Vec<(&str, CallReason)> =
            named.iter().map(|(id, r)| (id.as_str(), *r)).collect();
        // =d has been down all week, a since 10:30: the longest down first. c was down
        // for days but is up now: below 99 %.
        assert_eq!(
            reasons[..2],
            [("=d", CallReason::DownNow), ("a", CallReason::DownNow)]
        );
        assert!(reasons.contains(&("c", CallReason::BelowTarget)));
        assert!(
            !reasons.iter().any(|(id, _)| *id == "b"),
            "b was up all week"
        );
        let ids: Vec<&str> = reasons.iter().map(|(id, _)| *id).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "each store once: {ids:?}");
        // The file: header, one line per entry, ids guarded, reasons as named.
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CALL_LIST_HEADER);
        assert_eq!(lines.len(), named.len() + 1);
        assert!(csv.contains("\n'=d,down now,"), "{csv}");
        assert!(
            csv.lines().any(|l| l.starts_with("c,below target,")),
            "{csv}"
        );
    }

    #[test]
    fn without_a_target_only_down_now_and_no_data() {
        let (named, _) = list(None);
        assert!(named.iter().all(|(_, r)| *r != CallReason::BelowTarget));
        assert!(named.iter().any(|(_, r)| *r == CallReason::DownNow));
    }
}
