//! One report: its id and status (SPEC §8: Running with progress, then Complete or Failed
//! with the reason), the summary, the download, and the data-quality panel.

use leptos::prelude::*;

use super::text::{csv_name, group_digits, human_bytes, inputs_line, options_line, status_label};
use super::use_state;
use store_uptime::messages::{
    FileFacts, JobProgress, QualityFacts, ReportRecord, ReportStatus, ReportSummary,
};

fn status_class(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Running => "status running",
        ReportStatus::Complete => "status complete",
        ReportStatus::Failed => "status failed",
        ReportStatus::Cancelled | ReportStatus::Interrupted => "status stopped",
    }
}

/// A symbol beside each status word, so colour is never the only signal.
pub fn status_icon(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Running => "↻",
        ReportStatus::Complete => "✓",
        ReportStatus::Failed => "✗",
        ReportStatus::Cancelled => "■",
        ReportStatus::Interrupted => "!",
    }
}

fn progress_text(progress: &JobProgress) -> String {
    match progress {
        JobProgress::Reading { file, bytes, total } => {
            format!(
                "Reading {file}: {} of {}",
                human_bytes(*bytes),
                human_bytes(*total)
            )
        }
        JobProgress::Grouping { polls, of } => {
            format!("Sorting polls by store: {} %", polls * 100 / (*of).max(1))
        }
        JobProgress::Writing { lines, of } => {
            format!("Writing the report: {} %", lines * 100 / (*of).max(1))
        }
        JobProgress::Computing { stores, of } => {
            format!(
                "Computing stores: {} of {}",
                group_digits(*stores),
                group_digits(*of)
            )
        }
    }
}

#[component]
pub fn SelectedReport() -> impl IntoView {
    let state = use_state();
    let record = move || {
        let id = state.selected.get()?;
        state
            .history
            .with(|h| h.iter().find(|r| r.id == id).cloned())
    };
    view! {
        {move || record().map(|r| view! { <ReportPanel record=r /> })}
    }
}

#[component]
fn ReportPanel(record: ReportRecord) -> impl IntoView {
    let state = use_state();
    let status = record.status;
    let id = record.id.clone();
    let download_id = record.id.clone();
    let progress = move || state.progress.get();
    // Same files and options, as a new report; only while this tab still has the files.
    let retry = matches!(
        status,
        ReportStatus::Failed | ReportStatus::Interrupted | ReportStatus::Cancelled
    ) && state.can_retry(&id);
    let retry_id = record.id.clone();
    let status_line = match status {
        ReportStatus::Failed | ReportStatus::Interrupted | ReportStatus::Cancelled => {
            record.reason.clone().or(match status {
                ReportStatus::Interrupted => Some(
                    "the page was closed while this report was running; generate it again"
                        .to_string(),
                ),
                _ => None,
            })
        }
        _ => None,
    };
    view! {
        <section class="panel report" aria-labelledby="report-title" data-testid="report">
            <h2 id="report-title">
                "Report " <code data-testid="report-id">{id.clone()}</code>
            </h2>
            <p class="meta">
                {super::browser::local_time(record.created_ms)} " · " {inputs_line(&record)} " · "
                {options_line(&record.options)}
            </p>
            <div class="status-box" aria-live="polite" aria-atomic="true">
                <p class=status_class(status) data-testid="report-status">
                    <span aria-hidden="true">{status_icon(status)} " "</span>
                    {status_label(status)}
                </p>
                {status_line.map(|reason| view! { <p class="reason" data-testid="report-reason">{reason}</p> })}
                {retry.then(|| view! {
                    <button
                        class="button"
                        type="button"
                        data-testid="retry"
                        disabled=move || state.running.with(Option::is_some)
                        on:click=move |_| state.retry(&retry_id)
                    >
                        "Retry"
                    </button>
                })}
            </div>
            {(status == ReportStatus::Running).then(|| view! {
                <div class="progress-box">
                    <progress
                        data-testid="progress"
                        aria-label="Report progress"
                        max=move || progress().map(|p| p.fraction().1.max(1) as f64).unwrap_or(1.0)
                        value=move || progress().map(|p| p.fraction().0 as f64)
                    ></progress>
                    <span class="progress-text" data-testid="progress-text">
                        {move || progress().as_ref().map(progress_text).unwrap_or_else(|| "Starting…".to_string())}
                    </span>
                    <button class="button" type="button" data-testid="cancel" on:click=move |_| state.cancel()>
                        "Cancel"
                    </button>
                </div>
            })}
            {record.summary.clone().map(|s| view! { <Summary summary=s /> })}
            {(status == ReportStatus::Complete).then(|| view! {
                <p class="download">
                    <button
                        class="button primary"
                        type="button"
                        data-testid="download-csv"
                        on:click=move |_| state.download(download_id.clone())
                    >
                        "Download CSV"
                    </button>
                    <span class="hint">{csv_name(&record)}</span>
                </p>
            })}
            {(status != ReportStatus::Running && record.inputs.iter().any(|f| f.rows > 0 || f.error.is_some()))
                .then(|| view! { <Inputs files=record.inputs.clone() /> })}
            {record.quality.clone().map(|q| view! { <Quality quality=q /> })}
        </section>
    }
}

/// A timestamp from the engine (`… HH:MM:SS[.ffffff] UTC`) to the second: fractions of a
/// second mean nothing to a reader; the whole value stays in the title.
pub fn to_seconds(timestamp: &str) -> String {
    match timestamp.split_once('.') {
        Some((whole, rest)) => {
            let zone = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{whole}{zone}")
        }
        None => timestamp.to_string(),
    }
}

#[component]
fn Summary(summary: ReportSummary) -> impl IntoView {
    let now_note = if summary.now_given {
        " (given)"
    } else {
        " (latest poll)"
    };
    view! {
        <dl class="summary" data-testid="summary">
            <div>
                <dt>"Stores"</dt>
                <dd data-testid="summary-stores">{group_digits(summary.stores)}</dd>
            </div>
            <div>
                <dt>"Polls"</dt>
                <dd>{group_digits(summary.polls)}</dd>
            </div>
            <div class="wide">
                <dt>"Now"</dt>
                <dd class="timestamp" data-testid="summary-now" title=summary.now.clone()>{to_seconds(&summary.now)} <small>{now_note}</small></dd>
            </div>
            <div>
                <dt>"Fleet uptime, last week"</dt>
                <dd data-testid="summary-uptime">
                    {summary.fleet_uptime_pct_last_week.clone().map(|p| format!("{p} %")).unwrap_or_else(|| "no business time".to_string())}
                </dd>
            </div>
            <div>
                <dt>"Rows skipped"</dt>
                <dd>{group_digits(summary.rows_skipped)}</dd>
            </div>
        </dl>
    }
}

#[component]
fn Inputs(files: Vec<FileFacts>) -> impl IntoView {
    view! {
        <details class="inputs-read">
            <summary>"Files read"</summary>
            <div class="table-wrap">
            <table class="files">
                <thead>
                    <tr>
                        <th scope="col">"File"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col" class="num">"Rows"</th>
                        <th scope="col" class="num">"Stores"</th>
                        <th scope="col">"Polls from → to"</th>
                    </tr>
                </thead>
                <tbody>
                    {files.into_iter().map(|f| view! {
                        <tr>
                            <td class="file-name">{f.name.clone()}</td>
                            <td>{f.kind.map(|k| k.describe()).unwrap_or("—")}</td>
                            <td class="num">{group_digits(f.rows)}</td>
                            <td class="num">{group_digits(f.stores)}</td>
                            <td>{match (f.first_poll, f.last_poll) { (Some(a), Some(b)) => format!("{a} → {b}"), _ => String::new() }}</td>
                        </tr>
                        {f.error.map(|e| view! { <tr><td colspan="5" class="reason">{e}</td></tr> })}
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </details>
    }
}

fn store_list(title: &'static str, count: u64, ids: Vec<String>) -> impl IntoView {
    (count > 0).then(|| {
        let more = count.saturating_sub(ids.len() as u64);
        view! {
            <li>
                <strong>{group_digits(count)}</strong> " " {title}
                {(!ids.is_empty()).then(|| view! {
                    <details>
                        <summary>"Which stores"</summary>
                        <ul class="ids">
                            {ids.into_iter().map(|id| view! { <li><code>{id}</code></li> }).collect_view()}
                            {(more > 0).then(|| view! { <li>{format!("… and {more} more")}</li> })}
                        </ul>
                    </details>
                })}
            </li>
        }
    })
}

#[component]
fn Quality(quality: QualityFacts) -> impl IntoView {
    let skipped_total: u64 = quality.skipped.iter().map(|g| g.count).sum();
    let clean = skipped_total == 0
        && quality.stores_hours_defaulted == 0
        && quality.stores_zone_defaulted == 0
        && quality.stores_no_data == 0
        && quality.stores_without_polls == 0
        && quality.polls_after_now == 0;
    view! {
        <section class="quality" aria-labelledby="quality-title" data-testid="quality">
            <h3 id="quality-title">"Data quality"</h3>
            {clean.then(|| view! { <p><span aria-hidden="true">"✓ "</span>"No rows skipped and no defaults used."</p> })}
            {(!quality.missing_inputs.is_empty()).then(|| view! {
                <ul class="defaults">
                    {quality.missing_inputs.iter().map(|m| view! { <li>{m.clone()}</li> }).collect_view()}
                </ul>
            })}
            <ul class="quality-stores">
                {store_list("stores got default business hours (open 24/7)", quality.stores_hours_defaulted, quality.hours_defaulted_examples.clone())}
                {store_list("stores got the default timezone", quality.stores_zone_defaulted, quality.zone_defaulted_examples.clone())}
                {store_list("stores have no poll inside their business hours (no data: 0 up, 0 down)", quality.stores_no_data, quality.no_data_examples.clone())}
                {store_list("stores appear only in the hours or timezone files (not in the report)", quality.stores_without_polls, vec![])}
                {store_list("polls after the report time were ignored", quality.polls_after_now, vec![])}
            </ul>
            {(skipped_total > 0).then(|| view! {
                <h4>{format!("{} rows skipped", group_digits(skipped_total))}</h4>
                <ul class="skipped" data-testid="skipped">
                    {quality.skipped.iter().map(|g| {
                        let shown = g.examples.len() as u64;
                        view! {
                            <li>
                                <details>
                                    <summary><strong>{group_digits(g.count)}</strong> " × " {g.title.clone()}</summary>
                                    <ul class="examples">
                                        {g.examples.iter().map(|e| view! { <li><code>{e.clone()}</code></li> }).collect_view()}
                                        {(g.count > shown).then(|| view! { <li>{format!("… and {} more", g.count - shown)}</li> })}
                                    </ul>
                                </details>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}
