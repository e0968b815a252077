//! The answer-first report (docs/app.md "The first screen"): what an owner reads first —
//! the week it covers, who is down now and since when, every outage of the week, the fleet
//! timeline, the week by day, the uptime target with its error budget and the stores to
//! call — above the per-store table and charts. Every number is the engine's: the fleet
//! view's summary document (`store-uptime summary --json`), its rows and outages, and what
//! the worker answers for a target, a timeline slot or a download. This module picks,
//! orders and words them; it computes nothing about the data.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;

use super::text::{group_digits, options_line};
use super::zone::Zone;
use super::{browser, history_store, use_answers, use_fleet, use_state, worker_link};
use store_uptime::engine::call_list::{CallReason, DEFAULT_TARGET};
use store_uptime::engine::outages::StatusNow;
use store_uptime::engine::parse_timestamp;
use store_uptime::engine::time::{MICROS_PER_DAY, MICROS_PER_MINUTE, MICROS_PER_SECOND};
use store_uptime::fleet_view::{
    hours_hm, hours_minutes, hundredths_text, minutes_hm, parse_hundredths, pct_text, short_local,
    utc_micros, zone_name, zoned_long, zoned_short, Comparison, FleetView, OutageCell, ShownZone,
    SlotStores, SummaryDoc, TargetView, WeekRecord, FROM_WEEK_START, ONGOING, WEEKDAYS,
};
use store_uptime::messages::{DownloadFile, FromWorker, ReportRecord, ReportStatus, ToWorker};

/// A store whose last poll is older than this is "no recent poll": its status is only the
/// last one it sent (seconds).
pub const STALE_POLL_SECONDS: i64 = 2 * 3600;
/// Rows a list shows before "Show all".
const LIST_SHOWN: usize = 25;
/// At most this many rows of a list on the page; the download has every one.
const LIST_MAX: usize = 2_000;
const TARGET_KEY: &str = "store-uptime-target";
const ZONE_KEY: &str = "store-uptime-zone";

/// Sort keys of the outage list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageSort {
    Store,
    Start,
    Duration,
}

/// A comparison of (this job, the other job), or why there is none.
pub type ComparisonOf = (String, String, Result<Arc<Comparison>, String>);

/// The first screen's state; every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct AnswersState {
    /// The uptime target, hundredths of a percent.
    pub target: RwSignal<u32>,
    /// The worker's answers for (job, target).
    pub target_view: RwSignal<Option<(String, Arc<TargetView>)>>,
    /// The timeline slot under the pointer or the keyboard, and the one whose stores are shown.
    pub slot: RwSignal<Option<u16>>,
    pub slot_stores: RwSignal<Option<(String, SlotStores)>>,
    /// The zone fleet-level times are shown in; empty: the browser's.
    pub zone: RwSignal<String>,
    /// Files and options unfolded (after a report they fold into one line).
    pub inputs_open: RwSignal<bool>,
    /// A report whose headline takes focus as soon as it is drawn.
    pub focus_pending: RwSignal<Option<String>>,
    pub outage_sort: RwSignal<(OutageSort, bool)>,
    pub all_outages: RwSignal<bool>,
    pub all_calls: RwSignal<bool>,
    /// Why the last download failed.
    pub download_error: RwSignal<Option<String>>,
    /// The report compared with (`None`: the default, the latest earlier one; `Some("")`: none).
    pub compare_with: RwSignal<Option<String>>,
    /// The comparison for (this job, other job), or why there is none.
    pub comparison: RwSignal<Option<ComparisonOf>>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl AnswersState {
    /// A new state, with the target and zone this browser remembers (part of the page's
    /// [`super::State`], in context).
    pub(crate) fn new() -> AnswersState {
        let remembered = |key: &str| storage().and_then(|s| s.get_item(key).ok().flatten());
        let target = remembered(TARGET_KEY)
            .and_then(|t| t.parse::<u32>().ok())
            .filter(|t| *t <= 10_000)
            .unwrap_or(DEFAULT_TARGET.0);
        AnswersState {
            target: RwSignal::new(target),
            target_view: RwSignal::new(None),
            slot: RwSignal::new(None),
            slot_stores: RwSignal::new(None),
            zone: RwSignal::new(remembered(ZONE_KEY).unwrap_or_default()),
            inputs_open: RwSignal::new(true),
            focus_pending: RwSignal::new(None),
            outage_sort: RwSignal::new((OutageSort::Duration, false)),
            all_outages: RwSignal::new(false),
            all_calls: RwSignal::new(false),
            download_error: RwSignal::new(None),
            compare_with: RwSignal::new(None),
            comparison: RwSignal::new(None),
        }
    }
}

/// The worker's answers to this module's questions.
pub fn on_worker(answers: AnswersState, message: FromWorker) {
    match message {
        FromWorker::Target { job, answers: view } => {
            answers.target_view.set(Some((job, Arc::new(*view))));
        }
        FromWorker::SlotStores { job, stores } => answers.slot_stores.set(Some((job, stores))),
        FromWorker::Download { job, file, text } => {
            let saved =
                text.and_then(|text| browser::save_text(&file.file_name(&job), &text, file.mime()));
            answers.download_error.set(saved.err());
        }
        _ => {}
    }
}

/// Keeps what a later comparison needs of a report whose fleet view just arrived (once
/// per report; a failure only means this report cannot be compared with later).
pub fn keep_week(job: &str, view: &FleetView) {
    let json = match serde_json::to_string(&WeekRecord::of(view)) {
        Ok(json) => json,
        Err(_) => return,
    };
    let job = job.to_string();
    leptos::task::spawn_local(async move {
        if matches!(history_store::week(&job).await, Ok(Some(_))) {
            return;
        }
        let _ = history_store::put_week(&job, &json).await;
    });
}

/// A record's `now` (its summary's), in microseconds.
fn record_now(record: &ReportRecord) -> Option<i64> {
    record
        .summary
        .as_ref()
        .and_then(|s| parse_timestamp(s.now.as_bytes()).ok())
}

/// The report a comparison uses by default: the latest complete one whose `now` is earlier.
fn default_other(history: &[ReportRecord], job: &str) -> Option<String> {
    let now = record_now(history.iter().find(|r| r.id == job)?)?;
    history
        .iter()
        .filter(|r| r.id != job && r.status == ReportStatus::Complete)
        .filter_map(|r| Some((record_now(r)?, r)))
        .filter(|(t, _)| *t < now)
        .max_by_key(|(t, r)| (*t, r.created_ms))
        .map(|(_, r)| r.id.clone())
}

/// `Week to Tue 7 Nov 2023 23:59` for a history record (UTC when the zone is unknown).
pub fn record_week(answers: AnswersState, record: &ReportRecord) -> Option<String> {
    let zone = answers.zone.with_untracked(|z| shown_zone(z));
    record_now(record).map(|now| format!("Week to {} {}", zoned_long(now, zone), zone_name(zone)))
}

/// The zone fleet-level times are shown in.
pub fn shown_zone(choice: &str) -> Zone {
    if choice.is_empty() {
        Zone::browser().unwrap_or(Zone::UTC)
    } else {
        Zone::named(choice).unwrap_or(Zone::UTC)
    }
}

/// The report's name from its data: `Week to Tue 7 Nov 2023 23:59`.
pub fn week_name(view: &FleetView, zone: Zone) -> String {
    let doc = SummaryDoc::of(&view.summary);
    utc_micros(&doc.now_utc)
        .map(|now| format!("Week to {}", zoned_long(now, zone)))
        .unwrap_or_else(|| "This week".into())
}

/// Moves focus to the report's headline and brings it into view (after Generate, the
/// sample, or Show in the history).
pub fn focus_headline() {
    let focus = || {
        let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("answers-title"))
        else {
            return false;
        };
        let element: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(element);
        let _ = element.focus();
        element.scroll_into_view();
        true
    };
    // Drawn in the next frame at the latest.
    if !focus() {
        set_timeout(
            move || {
                focus();
            },
            std::time::Duration::from_millis(50),
        );
    }
}

/// Selects a report and brings its headline into view (the history's Show).
pub fn show_report(id: &str) {
    let state = use_state();
    let answers = use_answers();
    answers.focus_pending.set(Some(id.to_string()));
    if state.selected.get_untracked().as_deref() == Some(id) {
        answers.focus_pending.set(None);
        focus_headline();
    } else {
        state.selected.set(Some(id.to_string()));
    }
}

/// Files and options, folded into one line while a finished report is shown: the answers
/// come first; "Change" unfolds them (so does adding a file).
#[component]
pub fn InputsFold(children: Children) -> impl IntoView {
    let state = use_state();
    let answers = use_answers();
    let record = Memo::new(move |_| {
        let id = state.selected.get()?;
        state.history.with(|h| {
            h.iter()
                .find(|r| r.id == id && r.status == store_uptime::messages::ReportStatus::Complete)
                .cloned()
        })
    });
    let folded = move || {
        !answers.inputs_open.get()
            && record.with(Option::is_some)
            && state.running.with(Option::is_none)
    };
    let line = move || {
        record.get().map(|r| {
            let polls = r.summary.as_ref().map(|s| s.polls).unwrap_or(0);
            let n = r.inputs.len();
            format!(
                "{n} file{} · {} polls · {}",
                if n == 1 { "" } else { "s" },
                group_digits(polls),
                options_line(&r.options)
            )
        })
    };
    let unfold = move |_| {
        answers.inputs_open.set(true);
        if let Some(e) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("inputs-title"))
        {
            let e: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(e);
            let _ = e.focus();
        }
    };
    view! {
        <p class="panel fold-line" data-testid="inputs-folded" hidden=move || !folded()>
            <span>{line}</span>
            " "
            <button class="button small" type="button" data-testid="change-inputs" on:click=unfold>
                "Change files or options"
            </button>
        </p>
        <div class="inputs-fold" hidden=folded>{children()}</div>
    }
}

/// The first screen of the selected report, once its fleet view is loaded.
#[component]
pub fn AnswersPanel() -> impl IntoView {
    let state = use_state();
    let fleet = use_fleet();
    let answers = use_answers();
    let view_of = Memo::new(move |_| {
        let selected = state.selected.get()?;
        fleet.view.with(|v| {
            v.as_ref()
                .filter(|(j, _)| *j == selected)
                .map(|(j, v)| (j.clone(), v.clone()))
        })
    });
    // Ask for the target's answers whenever the report or the target changes.
    Effect::new(move |_| {
        let Some((job, _)) = view_of.get() else {
            return;
        };
        let target = answers.target.get();
        let have = answers.target_view.with_untracked(|t| {
            t.as_ref()
                .is_some_and(|(j, v)| *j == job && v.target == target)
        });
        if !have {
            worker_link::send(&ToWorker::Target { job, target }, &[]);
        }
    });
    // Focus the headline of a report the owner just asked for, once it is drawn.
    Effect::new(move |_| {
        let Some((job, _)) = view_of.get() else {
            return;
        };
        if answers.focus_pending.get_untracked().as_deref() == Some(job.as_str()) {
            answers.focus_pending.set(None);
            focus_headline();
        }
    });
    view! {
        {move || view_of.get().map(|(job, view)| view! { <Answers job=job view=view /> })}
    }
}

#[component]
fn Answers(job: String, view: Arc<FleetView>) -> impl IntoView {
    let answers = use_answers();
    let doc = Arc::new(SummaryDoc::of(&view.summary));
    let zone = Memo::new(move |_| answers.zone.with(|z| shown_zone(z)));
    let now = utc_micros(&doc.now_utc).unwrap_or(0);
    let title = {
        let view = view.clone();
        move || week_name(&view, zone.get())
    };
    let zone_label = move || zone_name(zone.get());
    let ids: Arc<HashMap<String, usize>> = Arc::new(
        view.rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect(),
    );
    let target_doc = {
        let job = job.clone();
        Memo::new(move |_| {
            answers.target_view.with(|t| {
                t.as_ref()
                    .filter(|(j, v)| *j == job && v.target == answers.target.get())
                    .map(|(_, v)| (v.clone(), Arc::new(SummaryDoc::of(&v.summary))))
            })
        })
    };
    let down = doc.status_now.down;
    // Status now puts "closed" before "no data" (SPEC §9), so a store that never reported
    // and is closed now counts as closed; the stores without any data are named apart, as
    // the call list groups them.
    let without_data = if view.no_data > 0 {
        format!(" {} without any data.", stores_word(view.no_data))
    } else {
        String::new()
    };
    let state_line = if down == 0 {
        format!(
            "No store is down now: {} up, {} closed.{without_data}",
            group_digits(doc.status_now.up),
            group_digits(doc.status_now.closed),
        )
    } else {
        format!(
            "{} down now, {} up, {} closed.{without_data}",
            stores_word(down),
            group_digits(doc.status_now.up),
            group_digits(doc.status_now.closed),
        )
    };
    view! {
        <section class="panel answers" aria-labelledby="answers-title" data-testid="answers">
            <div class="headline">
                <super::share::ShareMenu job=job.clone() view=view.clone() />
                <h2 id="answers-title" tabindex="-1" data-testid="headline">
                    {title}
                    <span class="headline-zone" title=format!("{} UTC", doc.now_utc)>" " {zone_label}</span>
                </h2>
                <p class="headline-meta">
                    {group_digits(doc.stores)} " stores · report "
                    <code data-testid="headline-id">{job.clone()}</code>
                </p>
                <p class="state-line" data-testid="state-line" role="status">
                    <span aria-hidden="true">{if down == 0 { "✓ " } else { "✗ " }}</span>
                    {state_line}
                </p>
                <ZonePicker zones=view.zones.clone() />
            </div>
            <AnswerTiles job=job.clone() doc=doc.clone() target_doc=target_doc />
            <TargetLine view=view.clone() target_doc=target_doc />
            <DownNow view=view.clone() doc=doc.clone() ids=ids.clone() now=now />
            <div class="answers-row">
                <FleetTimeline job=job.clone() view=view.clone() doc=doc.clone() zone=zone />
                <Trend doc=doc.clone() zone=zone />
            </div>
            <OutagesTable job=job.clone() view=view.clone() doc=doc.clone() />
            <CallList job=job.clone() view=view.clone() target_doc=target_doc />
            <super::share::PrintedCallList job=job.clone() view=view.clone() />
            <Compare job=job.clone() view=view.clone() />
            <p class="reason" role="alert" hidden=move || answers.download_error.with(Option::is_none)>
                {move || answers.download_error.get().map(|e| format!("The download failed: {e}. Try again; if it keeps failing, use the command line (store-uptime outages / calls)."))}
            </p>
        </section>
    }
}

fn stores_word(n: u64) -> String {
    format!("{} store{}", group_digits(n), if n == 1 { "" } else { "s" })
}

#[component]
fn ZonePicker(zones: Vec<String>) -> impl IntoView {
    let answers = use_answers();
    let browser = Zone::browser()
        .map(zone_name)
        .unwrap_or_else(|| "UTC".into());
    let on_change = move |e: ev::Event| {
        let value = event_target_value(&e);
        if let Some(s) = storage() {
            let _ = s.set_item(ZONE_KEY, &value);
        }
        answers.zone.set(value);
    };
    view! {
        <label class="zone-picker">
            "Fleet times in "
            <select data-testid="time-zone" on:change=on_change prop:value=move || answers.zone.get()>
                <option value="">{format!("this browser's zone ({browser})")}</option>
                <option value="UTC">"UTC"</option>
                {zones.into_iter().filter(|z| z != "UTC").map(|z| view! { <option value=z.clone()>{z.clone()}</option> }).collect_view()}
            </select>
            <span class="hint">" · store times are in each store's zone"</span>
        </label>
    }
}

type TargetDoc = Memo<Option<(Arc<TargetView>, Arc<SummaryDoc>)>>;

#[component]
fn AnswerTiles(job: String, doc: Arc<SummaryDoc>, target_doc: TargetDoc) -> impl IntoView {
    let answers = use_answers();
    let longest_down = doc
        .down_now
        .first()
        .and_then(|d| d.down_minutes.as_deref())
        .map(minutes_hm);
    let outages = &doc.outages;
    let longest = outages
        .longest
        .as_ref()
        .map(|o| minutes_hm(&o.down_minutes));
    let week_pct = doc.fleet.last_week.uptime_pct.clone();
    let worst_day = doc
        .days
        .iter()
        .filter_map(|d| Some((parse_hundredths(d.uptime_pct.as_deref()?)?, d)))
        .min_by_key(|(p, d)| (*p, d.period));
    let worst_day = worst_day.and_then(|(_, d)| {
        let end = utc_micros(&d.to_utc)?;
        Some((end, d.uptime_pct.clone()))
    });
    let zone = move || answers.zone.with(|z| shown_zone(z));
    // (all, down now, below the target and not down, without data)
    let calls = move || {
        target_doc.with(|t| {
            t.as_ref().map(|(v, _)| {
                let count = |r: CallReason| {
                    v.calls
                        .iter()
                        .filter(|c| c[1] as usize == r.index())
                        .count()
                };
                (
                    v.calls.len(),
                    count(CallReason::DownNow),
                    count(CallReason::BelowTarget),
                    count(CallReason::NoData),
                )
            })
        })
    };
    let alert = doc.status_now.down > 0;
    let trend = move || {
        answers.comparison.with(|c| {
            let (_, _, Ok(c)) = c.as_ref().filter(|(j, _, _)| *j == job)? else {
                return None;
            };
            let h = c.fleet_change?;
            let (arrow, word) = if h < 0 {
                ("▼", "worse")
            } else if h > 0 {
                ("▲", "better")
            } else {
                ("=", "the same")
            };
            Some(format!(
                "{arrow} {} points {word} than the report compared with",
                hundredths_text(h.abs())
            ))
        })
    };
    view! {
        <ul class="answer-tiles" data-testid="answer-tiles">
            <li class="tile" class:alert=alert data-testid="tile-down-now">
                <span class="tile-label">"Down now"</span>
                <span class="tile-value">{stores_word(doc.status_now.down)}</span>
                <span class="tile-sub">{longest_down.map(|l| format!("longest down {l} (h:mm)")).unwrap_or_else(|| "every open store is up".into())}</span>
            </li>
            <li class="tile" data-testid="tile-outages">
                <span class="tile-label">"Outages this week"</span>
                <span class="tile-value">{group_digits(outages.count)}</span>
                <span class="tile-sub">
                    {format!("{} down in all", minutes_hm(&outages.total_minutes))}
                    {longest.map(|l| format!(" · longest {l}"))}
                    {(outages.ongoing > 0).then(|| format!(" · {} ongoing", group_digits(outages.ongoing)))}
                </span>
            </li>
            <li class="tile" data-testid="tile-fleet-uptime">
                <span class="tile-label">"Fleet uptime this week"</span>
                <span class="tile-value">{pct_text(&week_pct)}</span>
                <span class="tile-sub">
                    {move || worst_day.clone().map(|(end, pct)| format!("worst day: {} to {}", pct_text(&pct), zoned_short(end, zone())))}
                </span>
                <span class="tile-sub" data-testid="tile-trend">{trend}</span>
            </li>
            <li class="tile" data-testid="tile-call">
                <span class="tile-label">"Stores to call"</span>
                <span class="tile-value">{move || calls().map(|(n, ..)| stores_word(n as u64)).unwrap_or_else(|| "…".into())}</span>
                <span class="tile-sub">
                    {move || calls().map(|(_, down, below, none)| {
                        let mut parts = vec![format!("{} down now", group_digits(down as u64))];
                        parts.push(format!("{} more below {} %", group_digits(below as u64), hundredths_text(i64::from(answers.target.get())).trim_end_matches(".00")));
                        if none > 0 {
                            parts.push(format!("{} without data", group_digits(none as u64)));
                        }
                        parts.join(", ")
                    })}
                    " · " <a href="#call-list-title">"the list"</a>
                </span>
            </li>
        </ul>
    }
}

/// The target field, pass/fail counts and the error budget.
#[component]
fn TargetLine(view: Arc<FleetView>, target_doc: TargetDoc) -> impl IntoView {
    let answers = use_answers();
    // As the engine's "below the target", which leaves out stores without observed time.
    let with_data = view
        .rows
        .iter()
        .filter(|r| r.observed_pct().is_some())
        .count() as u64;
    let error = RwSignal::new(None::<String>);
    let on_change = move |e: ev::Event| {
        let text = event_target_value(&e);
        match store_uptime::engine::summary::Pct::parse(text.trim()) {
            Some(p) => {
                error.set(None);
                if let Some(s) = storage() {
                    let _ = s.set_item(TARGET_KEY, &p.0.to_string());
                }
                answers.target.set(p.0);
            }
            None => error.set(Some(format!(
                "“{text}” is not a percentage: type a number from 0 to 100 with at most two decimals, e.g. 99 or 99.5."
            ))),
        }
    };
    let budget = move || {
        target_doc.with(|t| {
            let (_, d) = t.as_ref()?;
            let target = d.target.as_ref()?;
            let b = &target.error_budget;
            let below = target.stores_below_count;
            let pass = with_data.saturating_sub(below);
            let remaining = parse_hundredths(&b.remaining_minutes).unwrap_or(0);
            Some(format!(
                "{} of {} stores with data meet the target, {} below. Error budget: {} used of {} allowed (h:mm{}), {}.",
                group_digits(pass),
                group_digits(with_data),
                group_digits(below),
                minutes_hm(&b.used_minutes),
                minutes_hm(&b.allowed_minutes),
                b.used_pct.as_ref().map(|p| format!(", {p} %")).unwrap_or_default(),
                if remaining >= 0 {
                    format!("{} left", minutes_hm(&b.remaining_minutes))
                } else {
                    format!("overspent by {}", minutes_hm(&b.remaining_minutes.replacen('-', "", 1)))
                }
            ))
        })
    };
    view! {
        <div class="target-line" data-testid="target">
            <label>
                "Uptime target "
                <input
                    type="text"
                    inputmode="decimal"
                    size="6"
                    data-testid="uptime-target"
                    aria-describedby="target-budget"
                    prop:value=move || hundredths_text(i64::from(answers.target.get())).trim_end_matches(".00").to_string()
                    on:change=on_change
                />
                " %"
            </label>
            <p id="target-budget" data-testid="error-budget">{move || budget().unwrap_or_else(|| "Computing…".into())}</p>
            <p class="reason" role="alert" hidden=move || error.with(Option::is_none)>{move || error.get()}</p>
        </div>
    }
}

/// The ongoing outage of a row, if any (the outage list is by row, then start).
fn ongoing_of(view: &FleetView, row: usize) -> Option<&OutageCell> {
    let at = view.outages.partition_point(|o| (o.row as usize) < row);
    view.outages[at..]
        .iter()
        .take_while(|o| o.row as usize == row)
        .find(|o| o.flags & ONGOING != 0)
}

/// A store's time (UTC seconds) on its own wall clock, `Fri 17:02`, with the UTC text.
fn store_time(view: &FleetView, row: usize, seconds: i64) -> (String, String) {
    let zone = view
        .rows
        .get(row)
        .and_then(|r| view.zones.get(usize::from(r.zone)))
        .and_then(|z| Zone::named(z))
        .unwrap_or(Zone::UTC);
    let at = seconds * MICROS_PER_SECOND;
    (
        zoned_short(at, zone),
        store_uptime::engine::format_utc_seconds(at) + " UTC",
    )
}

/// The store buttons of a list, for [`rove`].
const STORE_LINKS: &str = ".store-link";
/// A long list's stores and, after them, its "Show all" button: one tab stop, End reaches
/// the button.
const STORES_AND_MORE: &str = ".store-link, .show-all";

/// A store's id as a button that opens its week. In a list of them only the `first` is a
/// tab stop: the list is one stop and the arrow keys walk it (see [`rove`]).
#[component]
fn StoreButton(
    id: String,
    first: bool,
    #[prop(default = None)] name: Option<String>,
) -> impl IntoView {
    let fleet = use_fleet();
    let shown = id.clone();
    view! {
        <button type="button" class="button link store-link" title=id.clone()
            tabindex=if first { "0" } else { "-1" }
            on:click=move |_| fleet.open_store(id.clone())>
            <code>{shown}</code>
            {name.map(|n| view! { " " <span class="store-name" data-testid="store-name">{n}</span> })}
        </button>
    }
}

/// Focuses the element with this `data-testid`, if it is drawn.
fn focus_by_test_id(id: &str) {
    use wasm_bindgen::JsCast;
    let found = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("[data-testid=\"{id}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = found {
        let _ = el.focus();
    }
}

/// Keys of a group of buttons that is one tab stop (roving tabindex, as the charts): the
/// buttons matching `selector` inside the element listening. Down/Right and Up/Left step
/// to the next and previous, Home and End to the first and last; the button stepped to
/// becomes the group's tab stop, so Tab leaves the group and Shift+Tab comes back to the
/// same button. Enter and Space are the button's own (open the store, sort).
fn rove(e: ev::KeyboardEvent, selector: &str) {
    use wasm_bindgen::JsCast;
    let step = |at: u32, n: u32| -> Option<u32> {
        match e.key().as_str() {
            "ArrowDown" | "ArrowRight" => Some((at + 1).min(n - 1)),
            "ArrowUp" | "ArrowLeft" => Some(at.saturating_sub(1)),
            "Home" => Some(0),
            "End" => Some(n - 1),
            _ => None,
        }
    };
    let element =
        |t: Option<web_sys::EventTarget>| t.and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let (Some(list), Some(from)) = (element(e.current_target()), element(e.target())) else {
        return;
    };
    if !from.matches(selector).unwrap_or(false) {
        return;
    }
    let Ok(items) = list.query_selector_all(selector) else {
        return;
    };
    let n = items.length();
    let Some(at) = (0..n).find(|&i| {
        items
            .item(i)
            .is_some_and(|node| from.is_same_node(Some(&node)))
    }) else {
        return;
    };
    let Some(to) = step(at, n) else {
        return;
    };
    e.prevent_default();
    let Some(next) = items
        .item(to)
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    if let Ok(from) = from.dyn_into::<web_sys::HtmlElement>() {
        from.set_tab_index(-1);
    }
    next.set_tab_index(0);
    let _ = next.focus();
}

/// The call list's column heads, the same on screen and in print.
#[component]
pub fn CallListHead() -> impl IntoView {
    view! {
        <thead><tr>
            <th scope="col">"Store"</th>
            <th scope="col">"Why"</th>
            <th scope="col" class="num">"Uptime this week"</th>
            <th scope="col" class="num">"Down (h:mm)"</th>
            <th scope="col">"Now"</th>
        </tr></thead>
    }
}

#[component]
fn DownNow(
    view: Arc<FleetView>,
    doc: Arc<SummaryDoc>,
    ids: Arc<HashMap<String, usize>>,
    now: i64,
) -> impl IntoView {
    let now_s = now.div_euclid(MICROS_PER_SECOND);
    let rows: Vec<_> = doc
        .down_now
        .iter()
        .filter_map(|d| {
            let row = *ids.get(&d.store_id)?;
            let r = &view.rows[row];
            let since = ongoing_of(&view, row).map(|o| {
                (
                    short_local(o.start, o.start_offset),
                    store_uptime::engine::format_utc_seconds(o.start * MICROS_PER_SECOND) + " UTC",
                )
            });
            let last = r.last_poll.map(|t| store_time(&view, row, t));
            let stale = r.last_poll.is_none_or(|t| now_s - t > STALE_POLL_SECONDS);
            Some((
                (d.store_id.clone(), r.name.clone()),
                view.zones
                    .get(usize::from(r.zone))
                    .cloned()
                    .unwrap_or_default(),
                since,
                d.down_minutes.as_deref().map(minutes_hm),
                last,
                stale,
            ))
        })
        .collect();
    let count = rows.len();
    view! {
        <section class="answer down-now" aria-labelledby="down-now-title" data-testid="down-now">
            <h3 id="down-now-title">"Down now: " {stores_word(count as u64)}</h3>
            {(count == 0).then(|| view! { <p class="hint">"Every store open now is up (or closed, or without data)."</p> })}
            {(count > 0).then(|| view! {
                <div class="table-wrap" on:keydown=|e| rove(e, STORE_LINKS)>
                <table class="answers-table">
                    <caption class="visually-hidden">"Stores down now, the longest down first; arrow keys move between the stores, Enter opens one"</caption>
                    <thead><tr>
                        <th scope="col">"Store"</th>
                        <th scope="col">"Down since (store's time)"</th>
                        <th scope="col" class="num">"For (h:mm)"</th>
                        <th scope="col">"Last poll"</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().take(LIST_MAX).enumerate().map(|(k, ((id, name), zone, since, for_, last, stale))| view! {
                            <tr data-testid="down-now-row" data-store=id.clone()>
                                <td data-label="Store"><StoreButton id=id.clone() first=k == 0 name=name /></td>
                                <td data-label="Down since">{since.map(|(l, u)| view! { <span title=u>{l}</span> })} " " <small class="zone">{zone}</small></td>
                                <td data-label="For" class="num">{for_}</td>
                                <td data-label="Last poll">
                                    {last.map(|(l, u)| view! { <span title=u>{l}</span> })}
                                    {stale.then(|| view! { <span class="badge warn" data-testid="no-recent-poll" title="The last poll is more than two hours old: this status is only the last one the store sent.">"no recent poll"</span> })}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            })}
        </section>
    }
}

/// The 672 quarter hours: the share of open stores' time down, on a fixed 0–100 % scale.
#[component]
fn FleetTimeline(
    job: String,
    view: Arc<FleetView>,
    doc: Arc<SummaryDoc>,
    zone: Memo<Zone>,
) -> impl IntoView {
    let answers = use_answers();
    let slots: Arc<Vec<(i64, u64, Option<i64>)>> = Arc::new(
        doc.timeline
            .iter()
            .map(|s| {
                (
                    utc_micros(&s.start_utc).unwrap_or(0),
                    s.open,
                    s.down_share.as_deref().and_then(parse_hundredths),
                )
            })
            .collect(),
    );
    let n = slots.len().max(1);
    let (w, h) = (n as f64, 100.0);
    let describe = {
        let slots = slots.clone();
        move |k: usize| -> String {
            let Some(&(start, open, share)) = slots.get(k) else {
                return String::new();
            };
            let z = zone.get();
            let end = start + 15 * MICROS_PER_MINUTE;
            let end = zoned_short(end, z);
            let when = format!(
                "{}–{}",
                zoned_short(start, z),
                &end[end.len().saturating_sub(5)..]
            );
            match share {
                Some(s) => format!(
                    "{when}: {} % of open time down, {} open",
                    hundredths_text(s),
                    stores_word(open)
                ),
                None => format!("{when}: no store open"),
            }
        }
    };
    let select = {
        let job = job.clone();
        move |k: usize, ask: bool| {
            let k = k.min(n - 1) as u16;
            answers.slot.set(Some(k));
            if !ask {
                return;
            }
            worker_link::send(
                &ToWorker::SlotStores {
                    job: job.clone(),
                    slot: k,
                },
                &[],
            );
        }
    };
    let hovered = RwSignal::new(None::<usize>);
    let on_key = {
        let select = select.clone();
        move |e: ev::KeyboardEvent| {
            let current = answers.slot.get_untracked().map(usize::from);
            let step: i64 = match e.key().as_str() {
                "ArrowRight" => 1,
                "ArrowLeft" => -1,
                "PageDown" => 96,
                "PageUp" => -96,
                "Home" => i64::MIN / 2,
                "End" => i64::MAX / 2,
                "Enter" | " " => 0,
                _ => return,
            };
            e.prevent_default();
            let from = current.unwrap_or(0) as i64;
            let next = from.saturating_add(step).clamp(0, n as i64 - 1) as usize;
            // Moving only points; Enter asks for the stores (a scan of every store).
            select(next, step == 0);
        }
    };
    let on_pointer = move |e: ev::MouseEvent| {
        let target: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(
            e.current_target().expect("a listener has a target"),
        );
        let width = f64::from(target.client_width().max(1));
        let k = (f64::from(e.offset_x()) / width * n as f64)
            .floor()
            .max(0.0) as usize;
        hovered.set(Some(k.min(n - 1)));
    };
    let on_click = {
        let select = select.clone();
        move |_: ev::MouseEvent| {
            if let Some(k) = hovered.get_untracked() {
                select(k, true);
            }
        }
    };
    // Day marks where the shown zone's clock passes midnight.
    let marks = {
        let slots = slots.clone();
        move || {
            let z = zone.get();
            slots
                .iter()
                .enumerate()
                .filter_map(|(k, &(start, _, _))| {
                    let local = start + z.offset_at(start);
                    (local.rem_euclid(MICROS_PER_DAY) < 15 * MICROS_PER_MINUTE).then(|| {
                        let day = local.div_euclid(MICROS_PER_DAY);
                        let name =
                            WEEKDAYS[usize::from(store_uptime::engine::time::weekday_of_days(day))];
                        (k, name)
                    })
                })
                .collect::<Vec<_>>()
        }
    };
    let readout = {
        let describe = describe.clone();
        move || {
            hovered
                .get()
                .or(answers.slot.get().map(usize::from))
                .map(&describe)
                .unwrap_or_else(|| {
                    "Point at the timeline, or focus it and use the arrow keys; Enter lists the stores down.".into()
                })
        }
    };
    let bars = slots
        .iter()
        .enumerate()
        .filter_map(|(k, &(_, _, share))| {
            let s = share? as f64 / 100.0;
            (s > 0.0).then(
                || view! { <rect class="tl-bar" x=k as f64 y=h - s width="1" height=s></rect> },
            )
        })
        .collect_view();
    let closed = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.2.is_none())
        .map(|(k, _)| view! { <rect class="tl-closed" x=k as f64 y=h - 1.0 width="1" height="1"></rect> })
        .collect_view();
    let table_rows = {
        let describe = describe.clone();
        let slots = slots.clone();
        move || {
            slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.2.is_some_and(|d| d > 0))
                .map(|(k, _)| view! { <li>{describe(k)}</li> })
                .collect_view()
        }
    };
    let job_for_list = job.clone();
    let view_for_list = view.clone();
    view! {
        <figure class="answer chart fleet-timeline" data-testid="fleet-timeline" aria-labelledby="timeline-title">
            <h3 id="timeline-title">"Fleet timeline: share of open stores' time down, by quarter hour"</h3>
            <div
                class="tl-frame"
                tabindex="0"
                role="slider"
                aria-label="Fleet timeline, one quarter hour per step"
                aria-valuemin="0"
                aria-valuemax=(n - 1).to_string()
                aria-valuenow=move || answers.slot.get().unwrap_or(0).to_string()
                aria-valuetext=move || answers.slot.get().map(|k| describe(usize::from(k))).unwrap_or_else(|| "no quarter hour picked".into())
                data-testid="timeline-strip"
                on:keydown=on_key
            >
                <svg viewBox=format!("0 0 {w} {h}") preserveAspectRatio="none" aria-hidden="true"
                    on:mousemove=on_pointer on:mouseleave=move |_| hovered.set(None) on:click=on_click>
                    <rect class="tl-bg" x="0" y="0" width=w height=h></rect>
                    <line class="tl-grid" x1="0" x2=w y1="50" y2="50"></line>
                    {closed}
                    {bars}
                    {move || answers.slot.get().map(|k| view! { <rect class="tl-pick" x=f64::from(k) y="0" width="1" height=h></rect> })}
                </svg>
                <div class="tl-days" aria-hidden="true">
                    {move || marks().into_iter().map(|(k, name)| view! {
                        <span class="tl-day" data-slot=k.to_string() style:left=format!("{:.3}%", k as f64 * 100.0 / n as f64)>{name}</span>
                    }).collect_view()}
                </div>
            </div>
            <p class="tl-scale" aria-hidden="true">"Bar height: 0–100 % of open time down. Grey ticks: no store open."</p>
            <p class="tl-readout" data-testid="timeline-readout" aria-live="polite">{readout}</p>
            {move || {
                let stores = answers.slot_stores.with(|s| s.as_ref().filter(|(j, s)| *j == job_for_list && Some(s.slot) == answers.slot.get()).map(|(_, s)| s.clone()))?;
                let shown = stores.stores.len();
                let view = view_for_list.clone();
                Some(view! {
                    <div class="slot-stores" data-testid="slot-stores">
                        <p><strong>{stores_word(u64::from(stores.total))}</strong> " down in this quarter hour" {(stores.total as usize > shown).then(|| format!(" (the {shown} with the most down time shown)"))} ":"</p>
                        <ul class="ids" aria-label="Stores down in this quarter hour: arrow keys move between them, Enter opens one" on:keydown=|e| rove(e, STORE_LINKS)>
                            {stores.stores.iter().enumerate().map(|(k, &(row, minutes))| {
                                let (id, name) = view.rows.get(row as usize).map(|r| (r.id.clone(), r.name.clone())).unwrap_or_default();
                                view! { <li data-testid="slot-store"><StoreButton id=id first=k == 0 name=name /> " " {format!("{} min", hundredths_text(minutes))}</li> }
                            }).collect_view()}
                        </ul>
                    </div>
                })
            }}
            <details class="table-twin">
                <summary>"The timeline as a list (quarter hours with down time)"</summary>
                <ul>{table_rows}</ul>
            </details>
        </figure>
    }
}

/// The week by day: the fleet's uptime in each 24-hour period, labelled by its end.
#[component]
fn Trend(doc: Arc<SummaryDoc>, zone: Memo<Zone>) -> impl IntoView {
    let days = doc.days.clone();
    view! {
        <figure class="answer trend" data-testid="trend" aria-labelledby="trend-title">
            <h3 id="trend-title">"The week by day: fleet uptime"</h3>
            <table class="answers-table trend-table">
                <caption class="visually-hidden">"Fleet uptime in each 24-hour period of the week, oldest first"</caption>
                <thead><tr>
                    <th scope="col">"24 h to"</th>
                    <th scope="col" class="num">"Uptime"</th>
                    <th scope="col"><span class="visually-hidden">"Bar"</span></th>
                </tr></thead>
                <tbody>
                    {move || {
                        let z = zone.get();
                        days.iter().map(|d| {
                            let end = utc_micros(&d.to_utc).unwrap_or(0);
                            let pct = d.uptime_pct.as_deref().and_then(parse_hundredths);
                            view! {
                                <tr data-testid="trend-day" data-period=d.period.to_string()>
                                    <th scope="row" title=format!("{} to {} UTC", d.from_utc, d.to_utc)>{zoned_short(end, z)}</th>
                                    <td class="num" data-testid="trend-pct">{pct_text(&d.uptime_pct)}</td>
                                    <td class="bar-cell">
                                        <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                                            <rect class="trend-track" x="0" y="0" width="100" height="10"></rect>
                                            {pct.map(|p| view! { <rect class="trend-bar" x="0" y="0" width=p as f64 / 100.0 height="10"></rect> })}
                                        </svg>
                                    </td>
                                </tr>
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
        </figure>
    }
}

fn download(answers: AnswersState, job: &str, file: DownloadFile) {
    answers.download_error.set(None);
    worker_link::send(
        &ToWorker::Download {
            job: job.to_string(),
            file,
        },
        &[],
    );
}

#[component]
fn SortHeader(label: &'static str, key: OutageSort, numeric: bool, first: bool) -> impl IntoView {
    let answers = use_answers();
    let sort = move || answers.outage_sort.get();
    let aria = move || match sort() {
        (k, true) if k == key => "ascending",
        (k, false) if k == key => "descending",
        _ => "none",
    };
    view! {
        <th scope="col" class:num=numeric aria-sort=aria>
            <button type="button" class="sort" tabindex=if first { "0" } else { "-1" }
                data-testid=format!("sort-{}", label.to_lowercase().replace(' ', "-")) on:click=move |_| {
                answers.outage_sort.update(|(k, asc)| {
                    if *k == key { *asc = !*asc } else { *k = key; *asc = key != OutageSort::Duration }
                })
            }>
                {label}
                <span aria-hidden="true">{move || match sort() { (k, true) if k == key => " ▲", (k, false) if k == key => " ▼", _ => "" }}</span>
            </button>
        </th>
    }
}

#[component]
fn OutagesTable(job: String, view: Arc<FleetView>, doc: Arc<SummaryDoc>) -> impl IntoView {
    let answers = use_answers();
    let total = view.outages.len();
    let longest = doc
        .outages
        .longest
        .as_ref()
        .map(|o| minutes_hm(&o.down_minutes));
    let rows = {
        let view = view.clone();
        move || {
            let (key, asc) = answers.outage_sort.get();
            let mut order: Vec<usize> = (0..view.outages.len()).collect();
            let id = |i: usize| view.rows[view.outages[i].row as usize].id.as_str();
            order.sort_by(|&a, &b| {
                let (x, y) = (&view.outages[a], &view.outages[b]);
                let primary = match key {
                    OutageSort::Store => id(a).cmp(id(b)),
                    OutageSort::Start => x.start.cmp(&y.start),
                    OutageSort::Duration => x.down.cmp(&y.down),
                };
                let primary = if asc { primary } else { primary.reverse() };
                primary.then(x.start.cmp(&y.start)).then(a.cmp(&b))
            });
            let limit = if answers.all_outages.get() {
                LIST_MAX
            } else {
                LIST_SHOWN
            };
            order
                .into_iter()
                .take(limit)
                .enumerate()
                .map(|(k, i)| {
                    let o = view.outages[i];
                    let store = view.rows[o.row as usize].id.clone();
                    let name = view.rows[o.row as usize].name.clone();
                    let (start_full, end_full) = o.local_times();
                    let start = short_local(o.start, o.start_offset);
                    let end = short_local(o.end, o.end_offset);
                    view! {
                        <tr data-testid="outage-row" data-store=store.clone()>
                            <td data-label="Store"><StoreButton id=store.clone() first=k == 0 name=name /></td>
                            <td data-label="When (store's time)"><span title=format!("{start_full} – {end_full}")>{start} " – " {end}</span></td>
                            <td data-label="Down (h:mm)" class="num" data-testid="outage-duration">{hours_minutes(o.down)}</td>
                            <td data-label="State">
                                {(o.flags & ONGOING != 0).then(|| view! { <span class="badge alert">"● ongoing"</span> })}
                                {(o.flags & FROM_WEEK_START != 0).then(|| view! { <span class="badge">"already down at the week's start"</span> })}
                            </td>
                        </tr>
                    }
                })
                .collect_view()
        }
    };
    let download_job = job.clone();
    view! {
        <section class="answer outages" aria-labelledby="outages-title" data-testid="outages-table">
            <h3 id="outages-title">"Outages this week"</h3>
            <p data-testid="outages-totals">
                {format!("{} outages, {} down in all (h:mm)", group_digits(doc.outages.count), minutes_hm(&doc.outages.total_minutes))}
                {longest.map(|l| format!(", the longest {l}"))}
                {doc.outages.longest.as_ref().map(|o| format!(" ({})", o.store_id))}
                "."
            </p>
            <p class="actions">
                <button class="button" type="button" data-testid="download-outages" disabled=total == 0
                    on:click=move |_| download(answers, &download_job, DownloadFile::Outages)>
                    "Download outages (CSV)"
                </button>
                <span class="hint">{DownloadFile::Outages.file_name(&job)}</span>
            </p>
            {(total > 0).then(|| view! {
                <div class="roving-list" on:keydown=|e| rove(e, STORES_AND_MORE)>
                <div class="table-wrap">
                <table class="answers-table outage-list">
                    <caption class="visually-hidden">"Outages this week; the column buttons sort (Left and Right move between them); arrow keys move between the stores, Enter opens one, End reaches Show all"</caption>
                    // The sort buttons are one tab stop; Left and Right move between them.
                    <thead><tr on:keydown=|e| rove(e, "button.sort")>
                        <SortHeader label="Store" key=OutageSort::Store numeric=false first=true />
                        <SortHeader label="When" key=OutageSort::Start numeric=false first=false />
                        <SortHeader label="Down" key=OutageSort::Duration numeric=true first=false />
                        <th scope="col">"State"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                </div>
                {(total > LIST_SHOWN).then(|| view! {
                    <button class="button small show-all" type="button" tabindex="-1" data-testid="outages-show-all"
                        on:click=move |_| answers.all_outages.update(|a| *a = !*a)>
                        {move || if answers.all_outages.get() {
                            "Show fewer".to_string()
                        } else if total > LIST_MAX {
                            format!("Show {} of {} (all in the download)", group_digits(LIST_MAX as u64), group_digits(total as u64))
                        } else {
                            format!("Show all {}", group_digits(total as u64))
                        }}
                    </button>
                })}
                </div>
            })}
        </section>
    }
}

#[component]
fn CallList(job: String, view: Arc<FleetView>, target_doc: TargetDoc) -> impl IntoView {
    let answers = use_answers();
    let body = {
        let view = view.clone();
        move || {
            let (target, _) = target_doc.get()?;
            let limit = if answers.all_calls.get() {
                LIST_MAX
            } else {
                LIST_SHOWN
            };
            let total = target.calls.len();
            let mut last_reason = None;
            let rows = target
                .calls
                .iter()
                .take(limit)
                .enumerate()
                .map(|(k, &[row, reason])| {
                    let row = row as usize;
                    let reason = CallReason::ALL[(reason as usize).min(2)];
                    let r = &view.rows[row];
                    let heading = (last_reason != Some(reason)).then(|| {
                        let title = match reason {
                            CallReason::DownNow => "Down now",
                            CallReason::BelowTarget => "Below the target this week",
                            CallReason::NoData => "No data: no poll in business hours",
                        };
                        view! { <tr class="group"><th scope="rowgroup" colspan="5">{title}</th></tr> }
                    });
                    last_reason = Some(reason);
                    let since = ongoing_of(&view, row).map(|o| short_local(o.start, o.start_offset));
                    let status = StatusNow::ALL[usize::from(r.status_now).min(3)].name();
                    view! {
                        {heading}
                        <tr data-testid="call-row" data-store=r.id.clone() data-reason=reason.name()>
                            <td data-label="Store"><StoreButton id=r.id.clone() first=k == 0 name=r.name.clone() /></td>
                            <td data-label="Why">{reason.name()}</td>
                            <td data-label="Uptime" class="num">{r.observed_pct().map(|p| format!("{} %", hundredths_text(p))).unwrap_or_else(|| "—".into())}</td>
                            <td data-label="Down this week (h:mm)" class="num">{hours_hm(r.down[2])}</td>
                            <td data-label="Now">{status} {since.map(|s| format!(" since {s}"))}</td>
                        </tr>
                    }
                })
                .collect_view();
            Some(view! {
                <div class="roving-list" on:keydown=|e| rove(e, STORES_AND_MORE)>
                <div class="table-wrap">
                <table class="answers-table call-table">
                    <caption class="visually-hidden">"Stores to call: down now first, then below the target, then without data; arrow keys move between the stores, Enter opens one, End reaches Show all"</caption>
                    <CallListHead />
                    <tbody>{rows}</tbody>
                </table>
                </div>
                {(total > LIST_SHOWN).then(|| view! {
                    <button class="button small show-all" type="button" tabindex="-1" data-testid="calls-show-all"
                        on:click=move |_| {
                            answers.all_calls.update(|a| *a = !*a);
                            // The list is drawn anew, this button with it: focus the new one.
                            set_timeout(|| focus_by_test_id("calls-show-all"), std::time::Duration::ZERO);
                        }>
                        {move || if answers.all_calls.get() { "Show fewer".to_string() } else { format!("Show all {}", group_digits(total as u64)) }}
                    </button>
                })}
                </div>
            }.into_any())
        }
    };
    let download_job = job.clone();
    view! {
        <section class="answer call-list" aria-labelledby="call-list-title" data-testid="call-list">
            <h3 id="call-list-title">"Stores to call"</h3>
            <p class="hint">"Every store down now, then every store below the target this week (the worst first), then stores without data."</p>
            <p class="actions">
                <button class="button primary" type="button" data-testid="download-call-list"
                    on:click=move |_| download(answers, &download_job, DownloadFile::Calls { target: answers.target.get_untracked() })>
                    "Download the list (CSV)"
                </button>
                <span class="hint">{DownloadFile::Calls { target: 0 }.file_name(&job)}</span>
            </p>
            {move || body().unwrap_or_else(|| view! { <p class="hint">"Computing…"</p> }.into_any())}
        </section>
    }
}

/// This report against another of this browser's history: the fleet's change in week
/// uptime, the stores that got worse first, the stores in only one of the two.
#[component]
fn Compare(job: String, view: Arc<FleetView>) -> impl IntoView {
    let state = use_state();
    let answers = use_answers();
    let this_week = Arc::new(WeekRecord::of(&view));
    // Store names by id (from the names file, if one was given), for the compared stores.
    let names: Arc<HashMap<String, String>> = Arc::new(
        view.rows
            .iter()
            .filter_map(|r| Some((r.id.clone(), r.name.clone()?)))
            .collect(),
    );
    let choices = {
        let job = job.clone();
        Memo::new(move |_| {
            state.history.with(|h| {
                h.iter()
                    .filter(|r| r.id != job && r.status == ReportStatus::Complete)
                    .map(|r| {
                        (
                            r.id.clone(),
                            record_week(answers, r).unwrap_or_else(|| r.id.clone()),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let other = {
        let job = job.clone();
        Memo::new(move |_| match answers.compare_with.get() {
            Some(id) if id.is_empty() => None,
            Some(id) => Some(id),
            None => state.history.with(|h| default_other(h, &job)),
        })
    };
    // Load the other report's week figures and compare.
    {
        let job = job.clone();
        Effect::new(move |_| {
            let Some(other_id) = other.get() else {
                answers.comparison.set(None);
                return;
            };
            if answers.comparison.with_untracked(|c| {
                c.as_ref()
                    .is_some_and(|(j, o, _)| *j == job && *o == other_id)
            }) {
                return;
            }
            let (job, this_week) = (job.clone(), this_week.clone());
            leptos::task::spawn_local(async move {
                let result = match history_store::week(&other_id).await {
                    Ok(Some(json)) => serde_json::from_str::<WeekRecord>(&json)
                        .map(|w| Arc::new(Comparison::new(&this_week, &w)))
                        .map_err(|e| e.to_string()),
                    Ok(None) => Err("that report's store figures are not kept in this browser (made before comparisons were kept, or its storage failed)".into()),
                    Err(e) => Err(e),
                };
                answers.comparison.set(Some((job, other_id, result)));
            });
        });
    }
    let options_differ = {
        let job = job.clone();
        Memo::new(move |_| {
            let other = other.get()?;
            state.history.with(|h| {
                let a = h.iter().find(|r| r.id == job)?;
                let b = h.iter().find(|r| r.id == other)?;
                (a.options.fill != b.options.fill || a.options.missing_day != b.options.missing_day)
                    .then(|| format!("The two reports used different options ({} / {}): part of the change may come from the options, not the stores.", options_line(&a.options), options_line(&b.options)))
            })
        })
    };
    let result = {
        let job = job.clone();
        move || {
            let other_id = other.get()?;
            answers.comparison.with(|c| {
                c.as_ref()
                    .filter(|(j, o, _)| *j == job && *o == other_id)
                    .map(|(_, _, r)| r.clone())
            })
        }
    };
    let other_name = move || {
        let id = other.get()?;
        choices.with(|c| {
            c.iter()
                .find(|(i, _)| *i == id)
                .map(|(_, name)| name.clone())
        })
    };
    let points = |h: i64| {
        let sign = if h > 0 {
            "+"
        } else if h < 0 {
            "−"
        } else {
            "±"
        };
        format!("{sign}{} points", hundredths_text(h.abs()))
    };
    view! {
        <section class="answer compare" aria-labelledby="compare-title" data-testid="compare">
            <h3 id="compare-title">"Compared with another report"</h3>
            // Nothing to choose without another report: the hint below says so instead.
            <label hidden=move || choices.with(Vec::is_empty)>
                "Compare with "
                <select data-testid="compare-with" on:change=move |e: ev::Event| answers.compare_with.set(Some(event_target_value(&e)))
                    prop:value=move || other.get().unwrap_or_default()>
                    <option value="">"no comparison"</option>
                    {move || choices.get().into_iter().map(|(id, name)| view! {
                        <option value=id.clone()>{format!("{name} (report {id})")}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || choices.with(Vec::is_empty).then(|| view! { <p class="hint">"No other finished report in this browser yet: the next one you make can be compared with this one."</p> })}
            <p class="notice" data-testid="compare-options" hidden=move || options_differ.with(Option::is_none)>{move || options_differ.get()}</p>
            {move || result().map(|r| match r {
                Err(e) => view! { <p class="hint" data-testid="compare-unavailable">{format!("No comparison: {e}.")}</p> }.into_any(),
                Ok(c) => {
                    let worse = c.stores.iter().filter(|s| s.change() < 0).count();
                    let better = c.stores.iter().filter(|s| s.change() > 0).count();
                    view! {
                        <p data-testid="compare-fleet">
                            {c.fleet_change.map(|h| format!("Fleet uptime this week: {} against {}.", points(h), other_name().unwrap_or_default()))}
                            {format!(" {} stores got worse, {} better.", group_digits(worse as u64), group_digits(better as u64))}
                            {(!c.only_this.is_empty()).then(|| format!(" {} only in this report.", stores_word(c.only_this.len() as u64)))}
                            {(!c.only_other.is_empty()).then(|| format!(" {} only in the other.", stores_word(c.only_other.len() as u64)))}
                        </p>
                        <div class="table-wrap" on:keydown=|e| rove(e, STORE_LINKS)>
                        <table class="answers-table compare-table">
                            <caption class="visually-hidden">"Stores whose week uptime changed, the most worsened first; arrow keys move between the stores, Enter opens one"</caption>
                            <thead><tr>
                                <th scope="col">"Store"</th>
                                <th scope="col" class="num">"Before"</th>
                                <th scope="col" class="num">"Now"</th>
                                <th scope="col" class="num">"Change"</th>
                            </tr></thead>
                            <tbody>
                                {c.stores.iter().filter(|s| s.change() != 0).take(LIST_SHOWN).enumerate().map(|(k, s)| view! {
                                    <tr data-testid="compare-row" data-store=s.id.clone() data-change=s.change().to_string()>
                                        <td data-label="Store"><StoreButton id=s.id.clone() first=k == 0 name=names.get(&s.id).cloned() /></td>
                                        <td data-label="Before" class="num">{format!("{} %", hundredths_text(s.before))}</td>
                                        <td data-label="Now" class="num">{format!("{} %", hundredths_text(s.after))}</td>
                                        <td data-label="Change" class="num">{points(s.change())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                        {(!c.only_this.is_empty() || !c.only_other.is_empty()).then(|| view! {
                            <details>
                                <summary>"Stores in only one of the two"</summary>
                                <p>"Only in this report: " {c.only_this.iter().take(LIST_MAX).cloned().collect::<Vec<_>>().join(", ")}</p>
                                <p>"Only in the other: " {c.only_other.iter().take(LIST_MAX).cloned().collect::<Vec<_>>().join(", ")}</p>
                            </details>
                        })}
                    }.into_any()
                }
            })}
        </section>
    }
}
