//! The report's options (SPEC §2, §3, §5, §7) and the "Generate report" button.

use leptos::ev;
use leptos::prelude::*;

use super::use_state;
use store_uptime::messages::{parse_now, FillRule, MissingWeekday};

#[component]
pub fn Run() -> impl IntoView {
    let state = use_state();
    let options = state.options;
    let now_error = move || {
        options.with(|o| {
            o.now
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .and_then(|n| parse_now(n).err())
        })
    };
    let busy = move || state.running.with(Option::is_some);
    let nothing_to_run = move || !state.files.with(|f| f.iter().any(super::InputFile::usable));
    // No report without polls: hours and timezones alone would only fail.
    let no_status_file = move || {
        !state
            .files
            .with(|f| f.iter().any(|f| f.state.may_hold_status()))
    };
    // A file whose header is still being read would otherwise be left out of the report.
    let checking = move || {
        state
            .files
            .with(|f| f.iter().any(|f| f.state == super::FileState::Checking))
    };

    view! {
        <section class="panel run" aria-labelledby="run-title">
            <h2 id="run-title">"2. Report"</h2>
            <fieldset class="options">
                <legend>"Options"</legend>
                <div class="option">
                    <label for="opt-now">"Report time (now)"</label>
                    <input
                        id="opt-now"
                        type="text"
                        data-testid="opt-now"
                        placeholder="latest poll, e.g. 2023-01-25 18:13:22"
                        aria-describedby="opt-now-help"
                        aria-invalid=move || if now_error().is_some() { "true" } else { "false" }
                        prop:value=move || options.with(|o| o.now.clone().unwrap_or_default())
                        on:input=move |e: ev::Event| {
                            let text = event_target_value(&e);
                            options.update(|o| o.now = if text.trim().is_empty() { None } else { Some(text) });
                        }
                    />
                    <p id="opt-now-help" class="help">
                        {move || now_error().map(|e| format!("{e} Write it as YYYY-MM-DD HH:MM:SS (UTC), or leave it blank for the latest poll.")).unwrap_or_else(|| "UTC; blank means the latest valid poll.".to_string())}
                    </p>
                </div>
                <div class="option">
                    <label for="opt-fill">"Fill gaps between polls"</label>
                    <select
                        id="opt-fill"
                        data-testid="opt-fill"
                        on:change=move |e: ev::Event| {
                            let fill = if event_target_value(&e) == "previous" { FillRule::Previous } else { FillRule::Nearest };
                            options.update(|o| o.fill = fill);
                        }
                    >
                        <option value="nearest" selected=move || options.with(|o| o.fill == FillRule::Nearest)>
                            "nearest poll (default)"
                        </option>
                        <option value="previous" selected=move || options.with(|o| o.fill == FillRule::Previous)>
                            "last known status"
                        </option>
                    </select>
                </div>
                <div class="option">
                    <label for="opt-missing">"Days without hours"</label>
                    <select
                        id="opt-missing"
                        data-testid="opt-missing-day"
                        on:change=move |e: ev::Event| {
                            let day = if event_target_value(&e) == "open" { MissingWeekday::Open } else { MissingWeekday::Closed };
                            options.update(|o| o.missing_day = day);
                        }
                    >
                        <option value="closed" selected=move || options.with(|o| o.missing_day == MissingWeekday::Closed)>
                            "closed (default)"
                        </option>
                        <option value="open" selected=move || options.with(|o| o.missing_day == MissingWeekday::Open)>
                            "open all day"
                        </option>
                    </select>
                </div>
                <div class="option checkbox">
                    <input
                        id="opt-extended"
                        type="checkbox"
                        data-testid="opt-extended"
                        prop:checked=move || options.with(|o| o.extended)
                        on:change=move |e: ev::Event| {
                            let on = event_target_checked(&e);
                            options.update(|o| o.extended = on);
                        }
                    />
                    <label for="opt-extended">"More columns in the CSV: uptime %, business hours, hours with polls, time zone, and which values were assumed"</label>
                </div>
            </fieldset>
            <div class="run-actions">
                <button
                    class="button primary big"
                    type="button"
                    data-testid="generate"
                    aria-describedby="generate-why"
                    disabled=move || busy() || checking() || nothing_to_run() || no_status_file()
                    on:click=move |_| state.generate()
                >
                    "Generate report"
                </button>
                <span class="hint" id="generate-why" data-testid="generate-why">
                    {move || if busy() {
                        "A report is running…"
                    } else if checking() {
                        "Checking files…"
                    } else if nothing_to_run() && state.files.with(Vec::is_empty) {
                        "Add files to start."
                    } else if nothing_to_run() {
                        "No usable file yet: see the file list above."
                    } else if no_status_file() {
                        "Add the status polls file (store_id, status, timestamp_utc) to generate: business hours and timezones alone give no report."
                    } else {
                        ""
                    }}
                </span>
            </div>
        </section>
    }
}

/// A problem outside any report (storage, the worker, a bad option), in one line. Outside
/// the folded inputs, so it shows whatever is folded.
#[component]
pub fn Notice() -> impl IntoView {
    let state = use_state();
    view! {
        <p class="notice panel-notice" role="alert" data-testid="notice" hidden=move || state.notice.with(Option::is_none)>
            {move || state.notice.get().unwrap_or_default()}
        </p>
    }
}
