//! The fleet view of a finished report: summary tiles, the uptime histogram, the
//! hour-of-week heatmap, the store table and one store's detail. Everything drawn comes
//! from the worker (`fleet_view` DTOs built by the engine); this module only asks for it,
//! keeps it and draws it. The detail is addressed by the URL hash `#job=<id>&store=<id>`.
//!
//! Never computes a number about the data.

pub mod charts;
pub mod detail;
pub mod inputs_store;
pub mod table;
pub mod theme;

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Blob;

use super::{use_state, worker_link, State};
use store_uptime::fleet_view::{CellStores, DetailView, FleetView, RegionHeat};
use store_uptime::messages::{DetailAnswer, FromWorker, ReportStatus, ToWorker};

/// Sort columns of the store table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Id,
    Zone,
    Pct,
    Up(usize),
    Down(usize),
    Status,
    /// The store names file's region: groups the table by region, each region in the
    /// order sorted before.
    Region,
}

/// A store's detail, or why there is none (the worker's words).
pub type DetailResult = Result<Arc<DetailView>, String>;

/// The fleet view's state. Every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct FleetState {
    /// The loaded view and its job.
    pub view: RwSignal<Option<(String, Arc<FleetView>)>>,
    /// The job whose view was asked for and has not arrived.
    pub waiting: RwSignal<Option<String>>,
    pub unavailable: RwSignal<Option<(String, String)>>,
    /// The store whose detail is open (from a row, a heatmap cell's list or the hash).
    pub store: RwSignal<Option<String>>,
    pub detail: RwSignal<Option<(String, DetailResult)>>,
    pub cell: RwSignal<Option<u8>>,
    pub cell_stores: RwSignal<Option<CellStores>>,
    pub sort: RwSignal<(Column, bool)>,
    /// The order inside each region while the table is sorted by region: the last other
    /// sort.
    pub then_sort: RwSignal<(Column, bool)>,
    pub filter_text: RwSignal<String>,
    pub zone_filter: RwSignal<Option<u16>>,
    /// An index into the fleet view's regions (a store names file's): it narrows the
    /// table, the histogram and the heatmap (and a heatmap cell's stores).
    pub region_filter: RwSignal<Option<u16>>,
    /// The regions' heatmaps the worker sent for the loaded view, by region.
    pub region_heats: RwSignal<HashMap<u16, Arc<RegionHeat>>>,
    pub down_only: RwSignal<bool>,
    pub bin_filter: RwSignal<Option<u8>>,
    /// The table's rows in its order (indices into the view's rows): the detail's next and
    /// previous store.
    pub order: RwSignal<Vec<u32>>,
    /// A problem keeping the files for later (quota): the view works for this session.
    pub storage_note: RwSignal<Option<String>>,
    /// The element that had focus when a store was opened (a heatmap cell's store, an
    /// answer's store button): closing the store gives focus back to it. `None` (opened
    /// from the URL, or from a table row): the table focuses the store's row.
    pub opener: StoredValue<Option<web_sys::Element>, LocalStorage>,
}

impl FleetState {
    /// A new state (part of the page's [`State`], in context).
    pub(crate) fn new() -> FleetState {
        FleetState {
            view: RwSignal::new(None),
            waiting: RwSignal::new(None),
            unavailable: RwSignal::new(None),
            store: RwSignal::new(None),
            detail: RwSignal::new(None),
            cell: RwSignal::new(None),
            cell_stores: RwSignal::new(None),
            // Worst uptime first (docs/semantics.md, the fleet view: default sort).
            sort: RwSignal::new((Column::Pct, false)),
            then_sort: RwSignal::new((Column::Pct, false)),
            filter_text: RwSignal::new(String::new()),
            zone_filter: RwSignal::new(None),
            region_filter: RwSignal::new(None),
            region_heats: RwSignal::new(HashMap::new()),
            down_only: RwSignal::new(false),
            bin_filter: RwSignal::new(None),
            order: RwSignal::new(Vec::new()),
            storage_note: RwSignal::new(None),
            opener: StoredValue::new_local(None),
        }
    }

    /// Opens a store's detail (and puts it in the URL hash). Opened from the page (not from
    /// the detail's own Previous/Next), it remembers what had focus, to give focus back on
    /// close.
    pub fn open_store(self, id: String) {
        if self.store.get_untracked().is_none() {
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .filter(|e| {
                    e.closest("[data-testid=\"store-table\"]")
                        .ok()
                        .flatten()
                        .is_none()
                });
            self.opener.set_value(active);
        }
        self.store.set(Some(id));
    }
}

/// A job has completed in the worker: its view follows at once (no need to ask), and its
/// files are kept so the view survives a reload.
pub fn job_complete(state: &State, job: &str, tokens: &[u32]) {
    let fleet = state.fleet;
    fleet.waiting.set(Some(job.to_string()));
    let names: Vec<(u32, String)> = state
        .files
        .with_untracked(|files| files.iter().map(|f| (f.token, f.name.clone())).collect());
    let files: Vec<(String, Blob)> = tokens
        .iter()
        .filter_map(|t| {
            let name = names.iter().find(|(token, _)| token == t)?.1.clone();
            Some((name, state.blob(*t)?))
        })
        .collect();
    // The options the job ran with (the form may have changed since it started).
    let options = state.history.with_untracked(|h| {
        h.iter()
            .find(|r| r.id == job)
            .map(|r| r.options.clone())
            .unwrap_or_else(|| state.options.get_untracked())
    });
    let job = job.to_string();
    spawn_local(async move {
        if let Err(e) = inputs_store::put(&job, &options, &files).await {
            fleet.storage_note.set(Some(format!(
                "The input files could not be kept in this browser ({e}): the fleet view works until the page is closed."
            )));
        }
    });
}

/// The worker's fleet messages.
pub fn on_worker(fleet: FleetState, message: FromWorker) {
    match message {
        FromWorker::Fleet { job, fleet: view } => {
            if fleet.waiting.get_untracked().as_deref() == Some(&job) {
                fleet.waiting.set(None);
            }
            fleet.unavailable.set(None);
            fleet.cell_stores.set(None);
            fleet.cell.set(None);
            fleet.region_heats.set(HashMap::new());
            // Another report's regions are other regions (the same view again keeps its pick).
            if fleet
                .view
                .with_untracked(|v| v.as_ref().is_none_or(|(j, _)| *j != job))
            {
                fleet.region_filter.set(None);
            }
            // A detail of another job must not show under this one; it is asked again.
            fleet.detail.set(None);
            super::answers::keep_week(&job, &view);
            fleet.view.set(Some((job, Arc::new(*view))));
        }
        FromWorker::FleetUnavailable { job, reason } => {
            if fleet.waiting.get_untracked().as_deref() == Some(&job) {
                fleet.waiting.set(None);
            }
            fleet.unavailable.set(Some((job, reason)));
        }
        FromWorker::Detail { job, store, answer } => {
            let result = match answer {
                DetailAnswer::Found(d) => Ok(Arc::new(*d)),
                DetailAnswer::Missing(reason) => Err(reason),
                DetailAnswer::NotLoaded => {
                    // The worker was restarted: load the job again, then ask again.
                    if fleet
                        .view
                        .with_untracked(|v| v.as_ref().is_some_and(|(j, _)| *j == job))
                    {
                        fleet.view.set(None);
                    }
                    return;
                }
            };
            fleet.detail.set(Some((store, result)));
        }
        // A list of another cell or region (the pick changed since it was asked) is dropped.
        FromWorker::CellStores { job, stores }
            if fleet
                .view
                .with_untracked(|v| v.as_ref().is_some_and(|(j, _)| *j == job))
                && fleet.cell.get_untracked() == Some(stores.cell)
                && fleet.region_filter.get_untracked() == stores.region =>
        {
            fleet.cell_stores.set(Some(stores));
        }
        FromWorker::RegionHeat { job, heat }
            if fleet
                .view
                .with_untracked(|v| v.as_ref().is_some_and(|(j, _)| *j == job)) =>
        {
            fleet.region_heats.update(|h| {
                h.insert(heat.region, Arc::new(heat));
            });
        }
        _ => {}
    }
}

fn read_hash() -> (Option<String>, Option<String>) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let (mut job, mut store) = (None, None);
    for part in hash.trim_start_matches('#').split('&') {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = js_sys::decode_uri_component(value)
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| value.to_string());
        match key {
            "job" => job = Some(value),
            "store" => store = Some(value),
            _ => {}
        }
    }
    (job, store)
}

fn write_hash(job: Option<&str>, store: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let enc = |s: &str| String::from(js_sys::encode_uri_component(s));
    let hash = match (job, store) {
        (Some(job), Some(store)) => format!("#job={}&store={}", enc(job), enc(store)),
        _ => String::new(),
    };
    let current = window.location().hash().unwrap_or_default();
    if current == hash {
        return;
    }
    let url = if hash.is_empty() {
        let loc = window.location();
        format!(
            "{}{}",
            loc.pathname().unwrap_or_default(),
            loc.search().unwrap_or_default()
        )
    } else {
        hash
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Applies `#job=…&store=…` to the page: select the report, open the store.
fn apply_hash(state: State) {
    let (job, store) = read_hash();
    if let Some(job) = job {
        if state.selected.get_untracked().as_deref() != Some(&job) {
            state.selected.set(Some(job));
        }
        let fleet = state.fleet;
        if fleet.store.get_untracked() != store {
            // Opened by the address: closing it focuses the store's table row.
            fleet.opener.set_value(None);
            fleet.store.set(store);
        }
    }
}

/// Asks the worker for a job's view, sending the kept files along (after a reload).
fn reopen(fleet: FleetState, job: String) {
    fleet.waiting.set(Some(job.clone()));
    spawn_local(async move {
        let kept = inputs_store::get(&job).await.ok().flatten();
        let (options, files) = match kept {
            Some(k) => (k.options, k.files),
            None => (Default::default(), Vec::new()),
        };
        let names = files.iter().map(|(n, _)| n.clone()).collect();
        let blobs: Vec<Blob> = files.into_iter().map(|(_, b)| b).collect();
        worker_link::send(
            &ToWorker::Reopen {
                job,
                options,
                names,
            },
            &blobs,
        );
    });
}

/// The fleet view of the selected report, when it is complete.
#[component]
pub fn FleetPanel() -> impl IntoView {
    let state = use_state();
    let fleet = state.fleet;
    apply_hash(state);
    // Back, forward or an edited address: the page follows. Removed with the panel.
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| apply_hash(state));
    on_cleanup(move || on_hash.remove());

    // The selected report, if it is complete.
    let complete_job = Memo::new(move |_| {
        let id = state.selected.get()?;
        state.history.with(|h| {
            h.iter()
                .find(|r| r.id == id && r.status == ReportStatus::Complete)
                .map(|r| r.id.clone())
        })
    });
    let loaded_job = Memo::new(move |_| fleet.view.with(|v| v.as_ref().map(|(j, _)| j.clone())));

    // Ask for the view of the selected complete report when it is not the loaded one.
    Effect::new(move |_| {
        let Some(job) = complete_job.get() else {
            return;
        };
        if loaded_job.get().as_deref() == Some(&job)
            || fleet.waiting.get().as_deref() == Some(&job)
            || fleet
                .unavailable
                .with(|u| u.as_ref().is_some_and(|(j, _)| *j == job))
            || !state.worker_ready.get()
        {
            return;
        }
        reopen(fleet, job);
    });

    // Another report selected: its stores are other stores, so close the detail.
    Effect::new(move |previous: Option<Option<String>>| {
        let job = complete_job.get();
        if let Some(Some(before)) = previous {
            if job.as_deref() != Some(&before) {
                fleet.store.set(None);
                fleet.detail.set(None);
            }
        }
        job
    });

    // Ask for the open store's detail once its job is loaded.
    Effect::new(move |_| {
        let (Some(job), Some(store)) = (loaded_job.get(), fleet.store.get()) else {
            return;
        };
        if complete_job.get().as_deref() != Some(&job) {
            return;
        }
        if fleet
            .detail
            .with_untracked(|d| d.as_ref().is_some_and(|(s, _)| *s == store))
        {
            return;
        }
        worker_link::send(&ToWorker::Detail { job, store }, &[]);
    });

    // The hash follows the open detail (so reload and a shared link restore it).
    Effect::new(move |_| {
        let job = complete_job.get();
        let store = fleet.store.get();
        if state.history_loaded.get() {
            write_hash(job.as_deref(), store.as_deref());
        }
    });

    let view_of = move || {
        let job = complete_job.get()?;
        fleet.view.with(|v| {
            v.as_ref()
                .filter(|(j, _)| *j == job)
                .map(|(_, v)| v.clone())
        })
    };

    view! {
        {move || complete_job.get().map(|job| {
            let job2 = job.clone();
            view! {
                <section class="panel fleet" aria-labelledby="fleet-title" data-testid="fleet">
                    <h2 id="fleet-title">"Fleet"</h2>
                    <p class="notice" role="status" hidden=move || fleet.storage_note.with(Option::is_none)>
                        {move || fleet.storage_note.get().unwrap_or_default()}
                    </p>
                    {move || {
                        let unavailable = fleet.unavailable.with(|u| {
                            u.as_ref().filter(|(j, _)| *j == job2).map(|(_, r)| r.clone())
                        });
                        match (view_of(), unavailable) {
                            (Some(v), _) => view! { <FleetBody view=v /> }.into_any(),
                            (None, Some(reason)) => view! {
                                <p class="reason" data-testid="fleet-unavailable">
                                    "The fleet view is not available: " {reason} ". Generate the report again from its files to see it."
                                </p>
                            }.into_any(),
                            (None, None) => view! {
                                <p class="hint" data-testid="fleet-loading">"Loading the fleet view…"</p>
                            }.into_any(),
                        }
                    }}
                    <span hidden>{job}</span>
                </section>
            }
        })}
    }
}

#[component]
fn FleetBody(view: Arc<FleetView>) -> impl IntoView {
    let fleet = super::use_fleet();
    let v = view.clone();
    view! {
        // Shared by every chart: the hatching that marks down time beside its colour.
        <svg class="svg-defs" width="0" height="0" aria-hidden="true" focusable="false">
            <defs>
                <pattern id="hatch-down" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <rect class="hatch-line" x="0" y="0" width="2" height="6"></rect>
                </pattern>
            </defs>
        </svg>
        // An open store is a view of its own in place of the charts and the table, which
        // stay drawn (hidden) so closing it finds the table as it was.
        <detail::StoreDetailPanel view=v.clone() />
        <div class="fleet-overview" hidden=move || fleet.store.with(Option::is_some)>
            <charts::ChartScope view=v.clone() />
            <div class="fleet-charts">
                <charts::Histogram view=v.clone() />
                <charts::Heatmap view=v.clone() />
            </div>
            <table::StoreTable view=v />
        </div>
    }
}
