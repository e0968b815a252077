//! The report history (SPEC §8): every report of this browser, newest first, each one
//! shown, downloaded again or deleted; "clear all".

use leptos::prelude::*;

use super::browser::local_time;
use super::report_view::status_icon;
use super::text::{inputs_line, options_line, status_label};
use super::use_state;
use store_uptime::messages::{ReportRecord, ReportStatus};

#[component]
pub fn History() -> impl IntoView {
    let state = use_state();
    let empty = move || state.history.with(Vec::is_empty);
    view! {
        <section class="panel history" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <p class="hint" hidden=move || !empty()>
                {move || if state.history_loaded.get() { "No reports yet." } else { "Loading…" }}
            </p>
            <Show when=move || !empty()>
                <div class="table-wrap">
                <table class="history-table" data-testid="history">
                    <caption class="visually-hidden">"Reports made in this browser"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Report"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Inputs"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || state.history.get()
                            key=|r| (r.id.clone(), r.status)
                            let:record
                        >
                            <HistoryRow record=record />
                        </For>
                    </tbody>
                </table>
                </div>
                <p>
                    <button class="button small quiet" type="button" data-testid="clear-history" on:click=move |_| state.clear_history()>
                        "Clear all"
                    </button>
                </p>
            </Show>
        </section>
    }
}

#[component]
fn HistoryRow(record: ReportRecord) -> impl IntoView {
    let state = use_state();
    let id = record.id.clone();
    let selected = {
        let id = id.clone();
        Memo::new(move |_| state.selected.with(|s| s.as_deref() == Some(id.as_str())))
    };
    let (show_id, download_id, delete_id) = (id.clone(), id.clone(), id.clone());
    let complete = record.status == ReportStatus::Complete;
    let running = record.status == ReportStatus::Running;
    // What the report covers: its week, its stores and the fleet's week uptime.
    let covers = record.summary.as_ref().and_then(|s| {
        let week = super::answers::record_week(state.answers, &record)?;
        Some(format!(
            "{week} · {} stores · {}",
            super::text::group_digits(s.stores),
            s.fleet_uptime_pct_last_week
                .as_ref()
                .map(|p| format!("{p} % up"))
                .unwrap_or_else(|| "no business time".into())
        ))
    });
    view! {
        <tr data-testid="history-item" data-report-id=id.clone() class:selected=selected>
            <td>
                {covers.map(|c| view! { <strong data-testid="history-week">{c}</strong> <br /> })}
                <small><code>{id.clone()}</code></small>
            </td>
            <td>{local_time(record.created_ms)}</td>
            <td>{inputs_line(&record)} <br /> <small>{options_line(&record.options)}</small></td>
            <td data-testid="history-status">
                <span aria-hidden="true">{status_icon(record.status)} " "</span>
                {status_label(record.status)}
            </td>
            <td class="actions"><div>
                <button
                    class="button small"
                    type="button"
                    aria-pressed=move || if selected.get() { "true" } else { "false" }
                    aria-label=format!("Show report {id}")
                    on:click=move |_| super::answers::show_report(&show_id)
                >
                    "Show"
                </button>
                {complete.then(|| view! {
                    <button
                        class="button small"
                        type="button"
                        data-testid="history-download"
                        aria-label=format!("Download report {} as CSV", record.id)
                        on:click=move |_| state.download(download_id.clone())
                    >
                        "Download"
                    </button>
                })}
                {(!running).then(|| view! {
                    <button
                        class="button small quiet"
                        type="button"
                        data-testid="history-delete"
                        aria-label=format!("Delete report {}", record.id)
                        on:click=move |_| state.delete_report(delete_id.clone())
                    >
                        "Delete"
                    </button>
                })}
            </div></td>
        </tr>
    }
}
