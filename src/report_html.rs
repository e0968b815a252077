//! The report as one self-contained `.html` file (docs/app.md "Sharing the answers"): the
//! headline, the tiles, the target and its error budget, the stores down now, the fleet
//! timeline, the week by day, the heatmap and histogram, the stores to call, every outage
//! and the full store table — from the same fleet view and target answers the page draws,
//! so the file cannot disagree with the page. Nothing else is computed here: this module
//! picks, words and lays out the engine's numbers.
//!
//! The file opens in any browser with no network: no script, no external resource (its
//! Content-Security-Policy forbids both), charts as inline SVG, folding by `<details>`.
//! Every text from the data (store ids, zone names) is HTML-escaped, so an id holding
//! markup stays text. Pure, and compiled natively: the CLI writes the same file
//! (`store-uptime html`) and the unit tests below read it.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono_tz::Tz;

use crate::engine::call_list::CallReason;
use crate::engine::fleet::HOURS_OF_WEEK;
use crate::engine::format_utc_seconds;
use crate::engine::outages::StatusNow;
use crate::engine::time::{MICROS_PER_DAY, MICROS_PER_MINUTE, MICROS_PER_SECOND};
use crate::fleet_view::{
    bin_label, group_digits, heat_level_label, hours_hm, hours_minutes, hundredths_text,
    minutes_hm, parse_hundredths, pct_text, short_local, utc_micros, zone_name, zoned_long,
    zoned_short, FleetRow, FleetView, ShownZone, SummaryDoc, TargetView, FROM_WEEK_START,
    HEAT_LEVELS, HOURS_DEFAULTED, NO_DATA, ONGOING, WEEKDAYS, ZONE_DEFAULTED,
};

/// The file's policy: nothing loads, nothing runs; only the file's own inline styles apply.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'none'";

/// The light theme's colours, written into the file (it never follows a page's theme).
mod colour {
    pub const UP: &str = "#2e7d4f";
    pub const DOWN: &str = "#c0392b";
    pub const CLOSED: &str = "#d9dedc";
    pub const NO_DATA: &str = "#9aa5a1";
    pub const ACCENT: &str = "#1f6f5c";
    pub const TEXT: &str = "#1c2321";
    pub const MUTED: &str = "#56615d";
    pub const BORDER: &str = "#d5dbd8";
    pub const PANEL: &str = "#ffffff";
    /// The heatmap's fixed steps (style/main.css `--heat-0` … `--heat-6`, light).
    pub const HEAT: [&str; 7] = [
        "#e9edeb", "#a88a1e", "#c8661a", "#c73a1f", "#a01f24", "#73153a", "#44103f",
    ];
}

const STYLE: &str = "\
:root{color-scheme:light;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
color:#1c2321;background:#f6f7f5;line-height:1.45}\
body{margin:0 auto;max-width:70rem;padding:1rem}\
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:.2rem 0 .5rem}\
section{background:#fff;border:1px solid #d5dbd8;border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}\
.meta,.hint{color:#56615d}.hint{font-size:.9rem}\
code{background:#eef1ef;padding:0 .2em;border-radius:.2em;word-break:break-all}\
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.6rem;padding:0;margin:.8rem 0;list-style:none}\
.tiles li{background:#fff;border:1px solid #d5dbd8;border-radius:.5rem;padding:.6rem .8rem}\
.tiles .alert{border-color:#a1261c;background:#fbe6e3}\
.label{display:block;color:#56615d;font-size:.85rem}.value{display:block;font-size:1.4rem;font-weight:600}\
.sub{display:block;font-size:.85rem;color:#56615d}\
.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e3e7e5;vertical-align:top}\
thead th{border-bottom:2px solid #d5dbd8}.num{text-align:right;font-variant-numeric:tabular-nums}\
tr.group th{background:#eef1ef}\
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#1c2321}\
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1rem;padding:0;list-style:none;font-size:.85rem}\
.key{display:inline-block;width:.9em;height:.9em;border:1px solid #56615d;vertical-align:-.1em;margin-right:.3em}\
#down-now td:nth-child(3),#trend td:nth-child(n+2),#heatmap td,#call-list td:nth-child(3),\
#call-list td:nth-child(4),#outages td:nth-child(4),#stores td:nth-child(2),#stores td:nth-child(3),\
#stores td:nth-child(n+6):nth-child(-n+12){text-align:right;font-variant-numeric:tabular-nums}\
#down-now td:first-child,#call-list td:first-child,#outages td:first-child,#stores tbody th\
{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:400;word-break:break-all}\
.name{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;word-break:normal;margin-left:.3em}\
details>summary{cursor:pointer;font-weight:600;padding:.3rem 0}\
.badge{display:inline-block;border:1px solid currentColor;border-radius:.3em;padding:0 .3em;font-size:.8rem}\
.down{color:#a1261c}\
footer{color:#56615d;font-size:.85rem;margin:2rem 0 1rem}\
@media (max-width:40rem){body{padding:.5rem}section{padding:.5rem}th,td{padding:.2rem .3rem}}\
@media print{body{max-width:none;background:#fff}section{break-inside:avoid-page;border:0;padding:0}\
details>summary{display:none}details{display:block}}";

/// `text` with `&`, `<`, `>`, `"` and `'` as character references: safe in element text
/// and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A store as the file lists it: its id, and beside it its name when a store names file
/// gave one; both escaped, so markup in either stays text.
fn store_text(r: &FleetRow) -> String {
    match r.name.as_deref() {
        Some(name) => format!(
            "{} <span class=\"name\">{}</span>",
            escape(&r.id),
            escape(name)
        ),
        None => escape(&r.id),
    }
}

fn stores_word(n: u64) -> String {
    format!("{} store{}", group_digits(n), if n == 1 { "" } else { "s" })
}

/// The report's name: `Week to Tue 7 Nov 2023 23:59`, in `zone`.
pub fn week_name(doc: &SummaryDoc, zone: impl ShownZone) -> String {
    utc_micros(&doc.now_utc)
        .map(|now| format!("Week to {}", zoned_long(now, zone)))
        .unwrap_or_else(|| "This week".into())
}

/// What the file is made of: the page's own data for one report.
pub struct ReportFile<'a> {
    /// The report's id (the page's history id, or the CLI's name for it).
    pub job: &'a str,
    pub view: &'a FleetView,
    /// The answers for the owner's uptime target (the stores to call, the error budget).
    pub target: &'a TargetView,
    /// The zone fleet-level times are shown in; each store's own times stay in its zone.
    pub zone: Tz,
}

/// The zone named `name` (an IANA name, `UTC`), or UTC when it is not one chrono-tz knows.
pub fn zone_or_utc(name: &str) -> Tz {
    Tz::from_str(name).unwrap_or(Tz::UTC)
}

impl ReportFile<'_> {
    /// The whole file.
    pub fn render(&self) -> String {
        // About 330 bytes a store (its table row, its call-list row, its outages).
        let mut out = String::with_capacity(64 * 1024 + self.view.rows.len() * 330);
        let doc = SummaryDoc::of(&self.view.summary);
        let title = format!("{} {}", week_name(&doc, self.zone), zone_name(self.zone));
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        let _ = write!(
            out,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
        );
        out.push_str("<meta name=\"referrer\" content=\"no-referrer\">");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        out.push_str("<meta name=\"color-scheme\" content=\"light\">");
        let _ = write!(
            out,
            "<title>Store uptime: {}</title><style>{STYLE}</style></head><body>",
            escape(&title)
        );
        self.headline(&mut out, &doc, &title);
        self.tiles(&mut out, &doc);
        self.down_now(&mut out, &doc);
        self.timeline(&mut out, &doc, &title);
        self.week_by_day(&mut out, &doc, &title);
        self.heatmap(&mut out, &title);
        self.histogram(&mut out, &title);
        self.call_list(&mut out);
        self.outages(&mut out);
        self.store_table(&mut out);
        let _ = writeln!(
            out,
            "<footer>Written by Store uptime from the report's own numbers (the CSV's \
             rounding); times of the fleet in {}, a store's times in its own zone. This file \
             loads nothing and runs no script.</footer></body></html>",
            escape(&zone_name(self.zone))
        );
        out
    }

    fn headline(&self, out: &mut String, doc: &SummaryDoc, title: &str) {
        let down = doc.status_now.down;
        let without_data = if self.view.no_data > 0 {
            format!(" {} without any data.", stores_word(self.view.no_data))
        } else {
            String::new()
        };
        let state = if down == 0 {
            format!(
                "✓ No store is down now: {} up, {} closed.{without_data}",
                group_digits(doc.status_now.up),
                group_digits(doc.status_now.closed)
            )
        } else {
            format!(
                "✗ {} down now, {} up, {} closed.{without_data}",
                stores_word(down),
                group_digits(doc.status_now.up),
                group_digits(doc.status_now.closed)
            )
        };
        let _ = write!(
            out,
            "<header><h1 id=\"headline\">{}</h1><p class=\"meta\">{} stores · {} polls{} · now = {} UTC</p><p id=\"state-line\"><strong>{}</strong></p></header>",
            escape(title),
            group_digits(doc.stores),
            group_digits(self.view.polls),
            if self.job.is_empty() {
                String::new()
            } else {
                format!(" · report <code>{}</code>", escape(self.job))
            },
            escape(&doc.now_utc),
            escape(&state)
        );
    }

    fn tiles(&self, out: &mut String, doc: &SummaryDoc) {
        let longest_down = doc
            .down_now
            .first()
            .and_then(|d| d.down_minutes.as_deref())
            .map(minutes_hm);
        let o = &doc.outages;
        let mut outage_sub = format!("{} down in all (h:mm)", minutes_hm(&o.total_minutes));
        if let Some(l) = &o.longest {
            let _ = write!(outage_sub, " · longest {}", minutes_hm(&l.down_minutes));
        }
        if o.ongoing > 0 {
            let _ = write!(outage_sub, " · {} ongoing", group_digits(o.ongoing));
        }
        let worst_day = doc
            .days
            .iter()
            .filter_map(|d| Some((parse_hundredths(d.uptime_pct.as_deref()?)?, d)))
            .min_by_key(|(p, d)| (*p, d.period))
            .and_then(|(_, d)| {
                Some(format!(
                    "worst day: {} to {}",
                    pct_text(&d.uptime_pct),
                    zoned_short(utc_micros(&d.to_utc)?, self.zone)
                ))
            })
            .unwrap_or_default();
        let count = |r: CallReason| {
            self.target
                .calls
                .iter()
                .filter(|c| c[1] as usize == r.index())
                .count() as u64
        };
        let target_words = hundredths_text(i64::from(self.target.target));
        let target_words = target_words.trim_end_matches(".00");
        let mut call_sub = format!(
            "{} down now, {} more below {target_words} %",
            group_digits(count(CallReason::DownNow)),
            group_digits(count(CallReason::BelowTarget))
        );
        let none = count(CallReason::NoData);
        if none > 0 {
            let _ = write!(call_sub, ", {} without data", group_digits(none));
        }
        let tile = |out: &mut String,
                    id: &str,
                    alert: bool,
                    label: &str,
                    value: &str,
                    sub: &str| {
            let _ = write!(
                out,
                "<li id=\"tile-{id}\"{}><span class=\"label\">{label}</span><span class=\"value\">{}</span><span class=\"sub\">{}</span></li>",
                if alert { " class=\"alert\"" } else { "" },
                escape(value),
                escape(sub)
            );
        };
        out.push_str("<ul class=\"tiles\">");
        tile(
            out,
            "down-now",
            doc.status_now.down > 0,
            "Down now",
            &stores_word(doc.status_now.down),
            &longest_down
                .map(|l| format!("longest down {l} (h:mm)"))
                .unwrap_or_else(|| "every open store is up".into()),
        );
        tile(
            out,
            "outages",
            false,
            "Outages this week",
            &group_digits(o.count),
            &outage_sub,
        );
        tile(
            out,
            "fleet-uptime",
            false,
            "Fleet uptime this week",
            &pct_text(&doc.fleet.last_week.uptime_pct),
            &format!(
                "last day {} · last hour {}{}{}",
                pct_text(&self.view.uptime_pct[1]),
                pct_text(&self.view.uptime_pct[0]),
                if worst_day.is_empty() { "" } else { " · " },
                worst_day
            ),
        );
        tile(
            out,
            "call",
            false,
            "Stores to call",
            &stores_word(self.target.calls.len() as u64),
            &call_sub,
        );
        out.push_str("</ul>");
        let target = SummaryDoc::of(&self.target.summary);
        if let Some(t) = &target.target {
            let b = &t.error_budget;
            let with_data = self.view.rows.iter().filter(|r| r.pct.is_some()).count() as u64;
            let below = t.stores_below_count;
            let remaining = parse_hundredths(&b.remaining_minutes).unwrap_or(0);
            let _ = write!(
                out,
                "<p id=\"target\">Uptime target {target_words} %: {} of {} stores with data meet \
                 it, {} below. Error budget: {} used of {} allowed (h:mm{}), {}.</p>",
                group_digits(with_data.saturating_sub(below)),
                group_digits(with_data),
                group_digits(below),
                minutes_hm(&b.used_minutes),
                minutes_hm(&b.allowed_minutes),
                b.used_pct
                    .as_ref()
                    .map(|p| format!(", {} %", escape(p)))
                    .unwrap_or_default(),
                if remaining >= 0 {
                    format!("{} left", minutes_hm(&b.remaining_minutes))
                } else {
                    format!(
                        "overspent by {}",
                        minutes_hm(&b.remaining_minutes.replacen('-', "", 1))
                    )
                }
            );
        }
    }

    fn zone_of(&self, row: &FleetRow) -> &str {
        self.view
            .zones
            .get(usize::from(row.zone))
            .map_or("", String::as_str)
    }

    /// The row's ongoing outage (the outages are by row, then start).
    fn ongoing_start(&self, row: usize) -> Option<String> {
        let outages = &self.view.outages;
        let at = outages.partition_point(|o| (o.row as usize) < row);
        outages[at..]
            .iter()
            .take_while(|o| o.row as usize == row)
            .find(|o| o.flags & ONGOING != 0)
            .map(|o| short_local(o.start, o.start_offset))
    }

    fn down_now(&self, out: &mut String, doc: &SummaryDoc) {
        let ids: std::collections::HashMap<&str, usize> = self
            .view
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let _ = write!(
            out,
            "<section id=\"down-now\"><h2>Down now: {}</h2>",
            stores_word(doc.down_now.len() as u64)
        );
        if doc.down_now.is_empty() {
            out.push_str("<p class=\"hint\">Every store open now is up (or closed, or without data).</p></section>");
            return;
        }
        out.push_str(
            "<div class=\"wrap\"><table><thead><tr><th>Store</th><th>Down since (store's time)\
             </th><th class=\"num\">For (h:mm)</th><th>Last poll (store's time)</th></tr></thead><tbody>",
        );
        for d in &doc.down_now {
            let Some(&row) = ids.get(d.store_id.as_str()) else {
                continue;
            };
            let r = &self.view.rows[row];
            let zone = self.zone_of(r);
            let last = r
                .last_poll
                .map(|t| zoned_short(t * MICROS_PER_SECOND, zone_or_utc(zone)));
            let _ = write!(
                out,
                "<tr><td>{}<td>{} <small>{}</small><td>{}<td>{}",
                store_text(r),
                escape(&self.ongoing_start(row).unwrap_or_default()),
                escape(zone),
                d.down_minutes
                    .as_deref()
                    .map(minutes_hm)
                    .unwrap_or_default(),
                escape(&last.unwrap_or_else(|| "never".into())),
            );
        }
        out.push_str("</tbody></table></div></section>");
    }

    /// The 672 quarter hours as bars of the share of open time down, day marks on the
    /// shown zone's midnights.
    fn timeline(&self, out: &mut String, doc: &SummaryDoc, title: &str) {
        out.push_str("<section id=\"fleet-timeline\"><h2>Fleet timeline: share of open stores' time down, by quarter hour</h2>");
        out.push_str(&timeline_svg(doc, self.zone, title));
        out.push_str("<p class=\"hint\">Bar height: 0–100 % of open time down. Grey ticks: no store open.</p>");
        out.push_str(
            "<details><summary>The timeline as a list (quarter hours with down time)</summary><ul>",
        );
        for s in &doc.timeline {
            let (Some(start), Some(share)) = (
                utc_micros(&s.start_utc),
                s.down_share.as_deref().and_then(parse_hundredths),
            ) else {
                continue;
            };
            if share <= 0 {
                continue;
            }
            let end = zoned_short(start + 15 * MICROS_PER_MINUTE, self.zone);
            let _ = write!(
                out,
                "<li>{}–{}: {} % of open time down, {} open</li>",
                escape(&zoned_short(start, self.zone)),
                escape(&end[end.len().saturating_sub(5)..]),
                hundredths_text(share),
                stores_word(s.open)
            );
        }
        out.push_str("</ul></details></section>");
    }

    fn week_by_day(&self, out: &mut String, doc: &SummaryDoc, title: &str) {
        out.push_str("<section id=\"trend\"><h2>The week by day: fleet uptime</h2>");
        out.push_str(&week_svg(doc, self.zone, title));
        out.push_str("<div class=\"wrap\"><table><thead><tr><th>24 h to</th><th class=\"num\">Uptime</th><th class=\"num\">Up (h:mm)</th><th class=\"num\">Down (h:mm)</th></tr></thead><tbody>");
        for d in &doc.days {
            let end = utc_micros(&d.to_utc).unwrap_or(0);
            let _ = write!(
                out,
                "<tr class=\"trend-day\"><th>{}</th><td>{}<td>{}<td>{}",
                escape(&zoned_short(end, self.zone)),
                escape(&pct_text(&d.uptime_pct)),
                parse_hundredths(&d.uptime_hours)
                    .map(hours_hm)
                    .unwrap_or_default(),
                parse_hundredths(&d.downtime_hours)
                    .map(hours_hm)
                    .unwrap_or_default(),
            );
        }
        out.push_str("</tbody></table></div></section>");
    }

    fn heatmap(&self, out: &mut String, title: &str) {
        out.push_str("<section id=\"heatmap\"><h2>Downtime by hour of the week (each store's local time)</h2>");
        out.push_str(&heatmap_svg(self.view, title));
        out.push_str("<ul class=\"legend\">");
        for level in (0..HEAT_LEVELS).rev() {
            let _ = write!(
                out,
                "<li><span class=\"key\" style=\"background:{}\"></span>{}</li>",
                colour::HEAT[level.min(colour::HEAT.len() - 1)],
                escape(&heat_level_label(level))
            );
        }
        let _ = write!(
            out,
            "<li><span class=\"key\" style=\"background:{}\"></span>no business time</li></ul>",
            colour::PANEL
        );
        out.push_str("<details><summary>The heatmap as a table (% of business time down)</summary><div class=\"wrap\"><table><thead><tr><th>Day</th>");
        for h in 0..24 {
            let _ = write!(out, "<th class=\"num\">{h:02}</th>");
        }
        out.push_str("</tr></thead><tbody>");
        for (d, day) in WEEKDAYS.iter().enumerate() {
            let _ = write!(out, "<tr><th>{day}</th>");
            for h in 0..24 {
                let cell = self.view.heat.get(d * 24 + h);
                let _ = write!(
                    out,
                    "<td>{}",
                    cell.and_then(|c| c.share)
                        .map(|s| hundredths_text(i64::from(s)))
                        .unwrap_or_else(|| "—".into())
                );
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div></details></section>");
    }

    fn histogram(&self, out: &mut String, title: &str) {
        out.push_str("<section id=\"histogram\"><h2>Stores by uptime last week</h2>");
        out.push_str(&histogram_svg(self.view, title));
        out.push_str("<ul class=\"legend\">");
        for (i, c) in self.view.histogram.iter().enumerate() {
            let _ = write!(
                out,
                "<li>{}: {}</li>",
                escape(&bin_label(i)),
                stores_word(u64::from(*c))
            );
        }
        let _ = write!(
            out,
            "<li>no data: {}</li></ul></section>",
            stores_word(u64::from(self.view.unbinned))
        );
    }

    fn call_list(&self, out: &mut String) {
        let _ = write!(
            out,
            "<section id=\"call-list\"><h2>Stores to call: {}</h2><p class=\"hint\">Every store \
             down now, then every store below the target this week (the worst first), then \
             stores without data.</p>",
            stores_word(self.target.calls.len() as u64)
        );
        if self.target.calls.is_empty() {
            out.push_str("<p>No store to call.</p></section>");
            return;
        }
        out.push_str("<div class=\"wrap\"><table><thead><tr><th>Store</th><th>Why</th><th class=\"num\">Uptime this week</th><th class=\"num\">Down (h:mm)</th><th>Now</th></tr></thead><tbody>");
        let mut last_reason = None;
        for &[row, reason] in &self.target.calls {
            let reason = CallReason::ALL[(reason as usize).min(2)];
            let Some(r) = self.view.rows.get(row as usize) else {
                continue;
            };
            if last_reason != Some(reason) {
                let heading = match reason {
                    CallReason::DownNow => "Down now",
                    CallReason::BelowTarget => "Below the target this week",
                    CallReason::NoData => "No data: no poll in business hours",
                };
                let _ = write!(
                    out,
                    "<tr class=\"group\"><th colspan=\"5\">{heading}</th></tr>"
                );
                last_reason = Some(reason);
            }
            let status = StatusNow::ALL[usize::from(r.status_now).min(3)].name();
            let since = self
                .ongoing_start(row as usize)
                .map(|s| format!(" since {s}"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}<td>{}<td>{}<td>{}<td>{status}{}",
                store_text(r),
                reason.name(),
                r.pct
                    .map(|p| format!("{} %", hundredths_text(p)))
                    .unwrap_or_else(|| "—".into()),
                hours_hm(r.down[2]),
                escape(&since)
            );
        }
        out.push_str("</tbody></table></div></section>");
    }

    fn outages(&self, out: &mut String) {
        let outages = &self.view.outages;
        let _ = write!(
            out,
            "<section id=\"outages\"><h2>Outages this week: {}</h2>",
            group_digits(outages.len() as u64)
        );
        if outages.is_empty() {
            out.push_str("<p>No outage this week.</p></section>");
            return;
        }
        let _ = write!(
            out,
            "<details><summary>Every outage ({}), by store, then start; times on the store's \
             clock</summary><div class=\"wrap\"><table><thead><tr><th>Store</th><th>Start</th>\
             <th>End</th><th class=\"num\">Down (h:mm)</th><th></th></tr></thead><tbody>",
            group_digits(outages.len() as u64)
        );
        for o in outages {
            let store = self
                .view
                .rows
                .get(o.row as usize)
                .map(store_text)
                .unwrap_or_default();
            let mut notes = String::new();
            if o.flags & ONGOING != 0 {
                notes.push_str("ongoing");
            }
            if o.flags & FROM_WEEK_START != 0 {
                if !notes.is_empty() {
                    notes.push_str(", ");
                }
                notes.push_str("already down at the week's start");
            }
            let _ = write!(
                out,
                "<tr><td>{store}<td>{}<td>{}<td>{}<td>{notes}",
                short_local(o.start, o.start_offset),
                short_local(o.end, o.end_offset),
                hours_minutes(o.down),
            );
        }
        out.push_str("</tbody></table></div></details></section>");
    }

    fn store_table(&self, out: &mut String) {
        let _ = write!(
            out,
            "<section id=\"stores\"><h2>Every store ({})</h2><p class=\"hint\">Durations in \
             hours:minutes; last poll in UTC.</p>",
            group_digits(self.view.rows.len() as u64)
        );
        out.push_str("<details open><summary>The store table</summary><div class=\"wrap\"><table id=\"store-table\"><thead><tr>\
            <th>Store</th><th class=\"num\">Uptime last week</th><th class=\"num\">Down last week</th>\
            <th>Now</th><th>Zone</th><th class=\"num\">Up last week</th><th class=\"num\">Up last day</th>\
            <th class=\"num\">Down last day</th><th class=\"num\">Up last hour</th><th class=\"num\">Down last hour</th>\
            <th class=\"num\">Outages</th><th class=\"num\">Longest outage</th><th>Last poll (UTC)</th><th>Notes</th>\
            </tr></thead><tbody>");
        for r in &self.view.rows {
            let status = StatusNow::ALL[usize::from(r.status_now).min(3)].name();
            let pct = match r.pct {
                Some(p) => format!("{} %", hundredths_text(p)),
                None if r.has(NO_DATA) => "no data".into(),
                None => "closed".into(),
            };
            let mut notes = Vec::new();
            if r.has(HOURS_DEFAULTED) {
                notes.push("open 24/7 (no hours given)");
            }
            if r.has(ZONE_DEFAULTED) {
                notes.push("zone defaulted");
            }
            let _ = write!(
                out,
                "<tr><th>{}<td>{pct}<td>{}<td>{status}<td>{}\
                 <td>{}<td>{}<td>{}<td>{}<td>{}\
                 <td>{}<td>{}<td>{}<td>{}",
                store_text(r),
                hours_hm(r.down[2]),
                escape(self.zone_of(r)),
                hours_hm(r.up[2]),
                hours_hm(r.up[1]),
                hours_hm(r.down[1]),
                hours_minutes(r.up[0]),
                hours_minutes(r.down[0]),
                r.outages,
                hours_minutes(r.longest_outage),
                r.last_poll
                    .map(|t| format_utc_seconds(t * MICROS_PER_SECOND))
                    .unwrap_or_default(),
                notes.join(", ")
            );
        }
        out.push_str("</tbody></table></div></details></section>");
    }
}

/// The chart's title line: the report's name and what the chart shows.
fn chart_title(out: &mut String, x: f64, title: &str, what: &str) {
    let _ = write!(
        out,
        "<text x=\"{x}\" y=\"16\" font-size=\"13\" font-weight=\"600\" fill=\"{}\">{} · {}</text>",
        colour::TEXT,
        escape(what),
        escape(title)
    );
}

/// A standalone chart's opening: the `<svg>` element (its own font, so it reads the same
/// outside the page) and a light background, `label` naming it for screen readers.
fn svg_start(width: f64, height: f64, label: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"system-ui, -apple-system, Segoe UI, Roboto, sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"{}\"><rect width=\"100%\" height=\"100%\" fill=\"{}\"/>",
        escape(label),
        colour::PANEL
    );
    out
}

/// The fleet timeline as a standalone SVG (light colours written in, its title inside).
pub fn timeline_svg(doc: &SummaryDoc, zone: impl ShownZone, title: &str) -> String {
    let n = doc.timeline.len().max(1);
    let (left, top, w, h) = (46.0, 26.0, 672.0, 100.0);
    let scale = w / n as f64;
    let mut out = svg_start(
        left + w + 8.0,
        top + h + 22.0,
        &format!("Fleet timeline, {title}"),
    );
    chart_title(
        &mut out,
        2.0,
        title,
        "Fleet timeline: share of open time down",
    );
    let _ = write!(
        out,
        "<rect x=\"{left}\" y=\"{top}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"{}\"/>",
        colour::BORDER
    );
    for (pct, y) in [(100, top), (50, top + h / 2.0), (0, top + h)] {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\">{pct} %</text>",
            left - 3.0,
            y + 4.0,
            colour::MUTED
        );
    }
    let mut bars = String::new();
    let mut closed = String::new();
    for (k, s) in doc.timeline.iter().enumerate() {
        let x = left + k as f64 * scale;
        match s.down_share.as_deref().and_then(parse_hundredths) {
            Some(share) if share > 0 => {
                let bh = share as f64 / 100.0;
                let _ = write!(
                    bars,
                    "M{x:.2} {:.2}h{scale:.2}v{bh:.2}h-{scale:.2}z",
                    top + h - bh
                );
            }
            Some(_) => {}
            None => {
                let _ = write!(
                    closed,
                    "M{x:.2} {:.2}h{scale:.2}v2h-{scale:.2}z",
                    top + h - 2.0
                );
            }
        }
    }
    let _ = write!(
        out,
        "<path d=\"{closed}\" fill=\"{}\"/><path d=\"{bars}\" fill=\"{}\"/>",
        colour::NO_DATA,
        colour::DOWN
    );
    for (k, s) in doc.timeline.iter().enumerate() {
        let Some(start) = utc_micros(&s.start_utc) else {
            continue;
        };
        let local = start + zone.offset_at(start);
        if local.rem_euclid(MICROS_PER_DAY) < 15 * MICROS_PER_MINUTE {
            let day = local.div_euclid(MICROS_PER_DAY);
            let x = left + k as f64 * scale;
            let _ = write!(
                out,
                "<line x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"{top}\" y2=\"{}\" stroke=\"{}\"/><text x=\"{:.2}\" y=\"{}\" fill=\"{}\">{}</text>",
                top + h + 4.0,
                colour::MUTED,
                x + 2.0,
                top + h + 16.0,
                colour::TEXT,
                WEEKDAYS[usize::from(crate::engine::time::weekday_of_days(day))]
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// The week by day as a standalone bar chart.
pub fn week_svg(doc: &SummaryDoc, zone: impl ShownZone, title: &str) -> String {
    let (left, top, row, w) = (110.0, 26.0, 20.0, 400.0);
    let height = top + row * doc.days.len() as f64 + 6.0;
    let mut out = svg_start(
        left + w + 70.0,
        height,
        &format!("The week by day, {title}"),
    );
    chart_title(&mut out, 2.0, title, "The week by day: fleet uptime");
    for (i, d) in doc.days.iter().enumerate() {
        let y = top + i as f64 * row;
        let end = utc_micros(&d.to_utc).unwrap_or(0);
        let pct = d.uptime_pct.as_deref().and_then(parse_hundredths);
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/>",
            left - 6.0,
            y + 13.0,
            escape(&zoned_short(end, zone)),
            y + 3.0,
            row - 6.0,
            colour::CLOSED
        );
        if let Some(p) = pct {
            let _ = write!(
                out,
                "<rect x=\"{left}\" y=\"{}\" width=\"{:.2}\" height=\"{}\" fill=\"{}\"/>",
                y + 3.0,
                p as f64 / 10_000.0 * w,
                row - 6.0,
                colour::UP
            );
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            left + w + 6.0,
            y + 13.0,
            escape(&pct_text(&d.uptime_pct))
        );
    }
    out.push_str("</svg>");
    out
}

/// The hour-of-week heatmap as a standalone SVG.
pub fn heatmap_svg(view: &FleetView, title: &str) -> String {
    let (cw, ch, left, top) = (22.0, 20.0, 34.0, 40.0);
    let (width, height) = (left + 24.0 * cw + 6.0, top + 7.0 * ch + 6.0);
    let mut out = svg_start(
        width,
        height,
        &format!("Downtime by hour of the week, {title}"),
    );
    chart_title(
        &mut out,
        2.0,
        title,
        "Downtime by hour of week (store-local)",
    );
    for hr in (0..24).step_by(3) {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{hr:02}</text>",
            left + hr as f64 * cw + cw / 2.0,
            top - 5.0,
            colour::MUTED
        );
    }
    for (d, day) in WEEKDAYS.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{day}</text>",
            left - 4.0,
            top + d as f64 * ch + ch * 0.7
        );
    }
    for (i, c) in view.heat.iter().enumerate().take(HOURS_OF_WEEK) {
        let (d, h) = (i / 24, i % 24);
        let fill = if c.share.is_none() {
            colour::PANEL
        } else {
            colour::HEAT[usize::from(c.level).min(colour::HEAT.len() - 1)]
        };
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"{}\" stroke-width=\"0.5\"/>",
            left + h as f64 * cw,
            top + d as f64 * ch,
            cw - 1.0,
            ch - 1.0,
            colour::BORDER
        );
    }
    out.push_str("</svg>");
    out
}

/// The uptime histogram as a standalone SVG.
pub fn histogram_svg(view: &FleetView, title: &str) -> String {
    let bins = view.histogram.len();
    let (w, h, top, bottom) = (420.0, 140.0, 40.0, 34.0);
    let max = view
        .histogram
        .iter()
        .copied()
        .chain([view.unbinned])
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_w = w / (bins as f64 + 1.5);
    let bar_h = |c: u32| f64::from(c) / f64::from(max) * (h - 4.0);
    let height = top + h + bottom;
    let mut out = svg_start(w, height, &format!("Stores by uptime last week, {title}"));
    chart_title(&mut out, 2.0, title, "Stores by uptime last week");
    let bars = view
        .histogram
        .iter()
        .enumerate()
        .map(|(i, &c)| (i as f64 * bar_w, c, bin_label(i), colour::ACCENT))
        .chain([(
            w - bar_w,
            view.unbinned,
            "no data".to_string(),
            colour::NO_DATA,
        )]);
    for (x, c, label, fill) in bars {
        let bh = bar_h(c);
        let _ = write!(
            out,
            "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{bh:.2}\" fill=\"{fill}\"/>\
             <text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>\
             <text x=\"{:.2}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
            x + 3.0,
            top + h - bh,
            bar_w - 6.0,
            x + bar_w / 2.0,
            top + h - bh - 3.0,
            group_digits(u64::from(c)),
            x + bar_w / 2.0,
            top + h + 14.0,
            colour::MUTED,
            escape(&label)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"0\" x2=\"{w}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">uptime % last week · bar labels: stores</text>",
        top + h,
        top + h,
        colour::MUTED,
        w / 2.0,
        height - 4.0,
        colour::MUTED
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fleet::analyse_fleet;
    use crate::engine::summary::Pct;
    use crate::engine::{dataset_from_bytes, Dataset, Options};
    use crate::generate::{GenConfig, GeneratedData};
    use std::ops::ControlFlow;

    fn dataset(config: GenConfig) -> Dataset {
        let generated = GeneratedData::generate(config);
        let [s, h, z] = generated.files_in_memory();
        dataset_from_bytes(&[("s", &s), ("h", &h), ("z", &z)]).unwrap()
    }

    fn views(data: &Dataset, target: Pct) -> (FleetView, TargetView) {
        let (report, fleet) =
            analyse_fleet(data, Options::default(), &mut |_| ControlFlow::Continue(())).unwrap();
        let view = FleetView::new(&report, &fleet, data);
        let target = TargetView::new(&report, &fleet.figures, data, target);
        (view, target)
    }

    fn render(view: &FleetView, target: &TargetView, zone: Tz) -> String {
        ReportFile {
            job: "r1",
            view,
            target,
            zone,
        }
        .render()
    }

    /// The text between `start` and the next `end` after it.
    fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
        let from = html.find(start).expect(start) + start.len();
        let to = html[from..].find(end).expect(end) + from;
        &html[from..to]
    }

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert(1)">&'"#),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape("plain-id 42"), "plain-id 42");
    }

    /// An id holding markup stays text in every place the file names a store.
    #[test]
    fn store_ids_with_markup_stay_inert() {
        let status = "store_id,status,timestamp_utc\n\
            \"<script>alert(1)</script>\",inactive,2024-10-14 10:00:00 UTC\n\
            \"<b onmouseover='x'>s2</b>\",active,2024-10-14 10:00:00 UTC\n";
        let data = dataset_from_bytes(&[("s", status.as_bytes())]).unwrap();
        let (view, target) = views(&data, Pct(9900));
        let html = render(&view, &target, Tz::UTC);
        assert!(!html.contains("<script"), "a script element in the file");
        assert!(!html.contains("<b onmouseover"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;b onmouseover=&#39;x&#39;&gt;s2&lt;/b&gt;"));
        // The store down now is in the call list and the table.
        assert!(
            between(&html, "<section id=\"call-list\">", "</section>").contains("&lt;script&gt;")
        );
        assert!(between(&html, "<section id=\"stores\">", "</section>").contains("&lt;script&gt;"));
    }

    /// Nothing in the file can load or run anything: a policy forbidding it, no script
    /// element, no URL attribute, no event handler.
    #[test]
    fn the_file_loads_and_runs_nothing() {
        let data = dataset(GenConfig::preset_sample());
        let (view, target) = views(&data, Pct(9900));
        let html = render(&view, &target, Tz::UTC);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
        )));
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'none';"));
        for forbidden in [
            "<script", " src=", " href=", "url(", "<link", "@import", "<iframe",
        ] {
            assert!(!html.contains(forbidden), "the file holds `{forbidden}`");
        }
        // No event handler attribute: ` on` + letters + `=`.
        let handler = html.match_indices(" on").any(|(at, _)| {
            let name: String = html[at + 3..]
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            !name.is_empty() && html[at + 3 + name.len()..].starts_with('=')
        });
        assert!(!handler, "an event handler attribute in the file");
    }

    /// The headline, tiles, week by day and rows read the engine's numbers as the
    /// summary document and the fleet view hold them.
    #[test]
    fn numbers_are_the_summarys() {
        let data = dataset(GenConfig::preset_sample());
        let (view, target) = views(&data, Pct(9900));
        let zone = zone_or_utc("America/New_York");
        let html = render(&view, &target, zone);
        let doc = SummaryDoc::of(&view.summary);
        let headline = between(&html, "<h1 id=\"headline\">", "</h1>");
        assert_eq!(
            headline,
            format!("{} America/New_York", week_name(&doc, zone))
        );
        assert!(headline.starts_with("Week to "));
        let tile = between(&html, "<li id=\"tile-fleet-uptime\">", "</li>");
        let week = doc.fleet.last_week.uptime_pct.clone().unwrap();
        assert!(tile.contains(&format!("{week} %")), "{tile}");
        let down = between(&html, "<li id=\"tile-down-now\"", "</li>");
        assert!(down.contains(&stores_word(doc.status_now.down)), "{down}");
        let outages = between(&html, "<li id=\"tile-outages\">", "</li>");
        assert!(outages.contains(&format!(
            "<span class=\"value\">{}</span>",
            group_digits(doc.outages.count)
        )));
        assert_eq!(doc.outages.count as usize, view.outages.len());
        // Seven days, each with the summary's percentage.
        let days: Vec<&str> = html
            .match_indices("<tr class=\"trend-day\">")
            .map(|(at, _)| &html[at..])
            .collect();
        assert_eq!(days.len(), 7);
        for (row, day) in days.iter().zip(&doc.days) {
            let row = &row[..row
                .find("<tr")
                .and_then(|_| row[1..].find("<tr"))
                .unwrap_or(row.len())];
            assert!(row.contains(&pct_text(&day.uptime_pct)), "{row}");
        }
        // Every store is a row of the table, with its uptime as the view rounds it.
        let table = between(&html, "<table id=\"store-table\">", "</table>");
        let table = between(table, "<tbody>", "</tbody>");
        let rows: Vec<&str> = table.split("<tr><th>").skip(1).collect();
        assert_eq!(rows.len(), view.rows.len());
        for (row, store) in rows.iter().zip(&view.rows) {
            assert!(row.starts_with(&escape(&store.id)), "{row}");
            if let Some(p) = store.pct {
                assert!(
                    row.contains(&format!("<td>{} %<td>", hundredths_text(p))),
                    "{row}"
                );
            }
        }
        // The call list is the target's, in its order.
        let calls = between(&html, "<section id=\"call-list\">", "</section>");
        let listed: Vec<&str> = calls
            .split("<tr><td>")
            .skip(1)
            .map(|r| r.split("<td>").next().unwrap())
            .collect();
        let expected: Vec<String> = target
            .calls
            .iter()
            .map(|&[row, _]| escape(&view.rows[row as usize].id))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(listed, expected);
    }

    /// Each chart stands alone as an image: its own namespace, font, white background
    /// and colours (no class for a stylesheet to fill in), and the report's name inside.
    #[test]
    fn charts_stand_alone_and_name_the_report() {
        let data = dataset(GenConfig::preset_sample());
        let (view, _) = views(&data, Pct(9900));
        let doc = SummaryDoc::of(&view.summary);
        let title = "Week to Mon 14 Oct 2024 19:55 <America/New_York>";
        let zone = zone_or_utc("America/New_York");
        for svg in [
            timeline_svg(&doc, zone, title),
            week_svg(&doc, zone, title),
            heatmap_svg(&view, title),
            histogram_svg(&view, title),
        ] {
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(svg.contains(" font-family=\""), "{svg}");
            assert!(svg.contains(&format!(
                "<rect width=\"100%\" height=\"100%\" fill=\"{}\"/>",
                colour::PANEL
            )));
            assert!(svg.contains(&escape(title)));
            assert!(!svg.contains("<America"));
            assert!(!svg.contains("class="));
            assert!(svg.ends_with("</svg>"));
        }
        // The timeline's bars are the summary's slots with down time.
        let bars = timeline_svg(&doc, zone, title);
        let down = doc
            .timeline
            .iter()
            .filter(|s| {
                s.down_share
                    .as_deref()
                    .and_then(parse_hundredths)
                    .is_some_and(|d| d > 0)
            })
            .count();
        let path = between(
            &bars,
            &format!("fill=\"{}\"/><path d=\"", colour::NO_DATA),
            "\"",
        );
        assert_eq!(path.matches('M').count(), down);
    }

    /// The public-size fleet (14 000 stores) makes a file well under 10 MB.
    #[test]
    fn a_fleet_of_14_000_stores_stays_under_10_mb() {
        let data = dataset(GenConfig::preset_public());
        let (view, target) = views(&data, Pct(9900));
        assert_eq!(view.rows.len(), 14_000);
        let html = render(&view, &target, Tz::UTC);
        assert!(html.len() < 10_000_000, "{} bytes", html.len());
        let table = between(&html, "<table id=\"store-table\">", "</table>");
        assert_eq!(
            between(table, "<tbody>", "</tbody>")
                .matches("<tr>")
                .count(),
            14_000
        );
        eprintln!("report file for 14 000 stores: {} bytes", html.len());
    }
}
