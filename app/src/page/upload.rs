//! Getting data in (SPEC §1): a drop zone as large as the page, a keyboard-accessible file
//! picker, the built-in sample, and the list of files with their kinds.
//!
//! Files are never read here: the worker reads their headers and, later, their contents.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, DragEvent, FileList, HtmlInputElement};

use super::text::{group_digits, human_bytes};
use super::{browser, use_state, FileState, InputFile, State};
use store_uptime::messages::{missing_kinds, EntryInspection, EntryKind, FileFacts, InputKind};

fn file_list(list: Option<FileList>) -> Vec<(String, Blob)> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|f| (f.name(), f.unchecked_into::<Blob>()))
        .collect()
}

/// A picked folder's files: every CSV, zip and gzip file in it (docs/archives.md).
fn folder_list(list: Option<FileList>) -> Vec<(String, Blob)> {
    let mut files = file_list(list);
    files.retain(|(name, _)| store_uptime::engine::archive::taken_from_folder(name));
    files
}

/// Any file dropped anywhere on the page is added; dragging shows where to drop.
pub fn listen_for_drops(state: State) {
    let dragging = state.dragging;
    let carries_files = |e: &DragEvent| {
        e.data_transfer()
            .map(|dt| {
                dt.types()
                    .iter()
                    .any(|t| t.as_string().as_deref() == Some("Files"))
            })
            .unwrap_or(false)
    };
    let _ = window_event_listener(ev::dragover, move |e: DragEvent| {
        if carries_files(&e) {
            e.prevent_default();
            if let Some(dt) = e.data_transfer() {
                dt.set_drop_effect("copy");
            }
            dragging.set(true);
        }
    });
    let _ = window_event_listener(ev::dragleave, move |e: DragEvent| {
        // Leaving the window (no related target), not just moving between elements.
        if e.related_target().is_none() {
            dragging.set(false);
        }
    });
    let _ = window_event_listener(ev::drop, move |e: DragEvent| {
        e.prevent_default();
        dragging.set(false);
        // A dropped folder is walked as the folder picker's is; its entries must be taken
        // now, while the drop event lasts.
        if let Some(entries) = e.data_transfer().as_ref().and_then(dropped_folders) {
            spawn_local(async move {
                let files = walk_entries(entries).await;
                if !files.is_empty() {
                    state.add_files(files);
                }
            });
            return;
        }
        let files = file_list(e.data_transfer().and_then(|dt| dt.files()));
        if !files.is_empty() {
            state.add_files(files);
        }
    });
}

/// A property of a JS object (the File and Directory Entries API has no web-sys types
/// enabled here; these few reads do not warrant the features).
fn property(target: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).ok()
}

fn flag(target: &JsValue, key: &str) -> bool {
    property(target, key)
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The dropped items' entries (`webkitGetAsEntry`), when one of them is a folder; `None`
/// otherwise, and the dropped files are taken as they are.
fn dropped_folders(dt: &web_sys::DataTransfer) -> Option<Vec<JsValue>> {
    let items = property(dt, "items")?;
    let length = property(&items, "length")?.as_f64()? as u32;
    let mut entries = Vec::new();
    for i in 0..length {
        let item = js_sys::Reflect::get_u32(&items, i).ok()?;
        let get = property(&item, "webkitGetAsEntry")?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let entry = get.call0(&item).ok()?;
        if entry.is_object() {
            entries.push(entry);
        }
    }
    entries
        .iter()
        .any(|e| flag(e, "isDirectory"))
        .then_some(entries)
}

/// Calls an entry API `method` of `target` that answers through a success and an error
/// callback (`readEntries`, `file`), as a future.
async fn call_back(target: &JsValue, method: &str) -> Option<JsValue> {
    let function = property(target, method)?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        if let Err(e) = function.call2(target, &resolve, &reject) {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.ok()
}

/// Every CSV, zip and gzip file under the dropped entries, folders walked in name order,
/// with what the folder picker skips skipped (docs/archives.md).
async fn walk_entries(entries: Vec<JsValue>) -> Vec<(String, Blob)> {
    let path_of = |e: &JsValue| {
        property(e, "fullPath")
            .and_then(|p| p.as_string())
            .unwrap_or_default()
    };
    let mut stack = entries;
    stack.sort_by_key(|e| std::cmp::Reverse(path_of(e)));
    let mut files = Vec::new();
    while let Some(entry) = stack.pop() {
        let path = path_of(&entry);
        if flag(&entry, "isDirectory") {
            if store_uptime::engine::archive::skipped_silently(&path) {
                continue;
            }
            let Some(reader) = property(&entry, "createReader")
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .and_then(|f| f.call0(&entry).ok())
            else {
                continue;
            };
            // `readEntries` answers in batches until an empty one.
            let mut children = Vec::new();
            while let Some(batch) = call_back(&reader, "readEntries").await {
                let batch = js_sys::Array::from(&batch);
                if batch.length() == 0 {
                    break;
                }
                children.extend(batch.iter());
            }
            children.sort_by_key(|e| std::cmp::Reverse(path_of(e)));
            stack.extend(children);
        } else if store_uptime::engine::archive::taken_from_folder(&path) {
            if let Some(file) = call_back(&entry, "file").await {
                let name = property(&entry, "name")
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                files.push((name, file.unchecked_into::<Blob>()));
            }
        }
    }
    files
}

impl State {
    /// Replaces the files with the built-in sample and starts a report on it.
    pub fn use_sample(&self) {
        let state = *self;
        state.notice.set(None);
        spawn_local(async move {
            let mut blobs = Vec::new();
            for name in browser::SAMPLE_FILES {
                match browser::fetch_sample(name).await {
                    Ok(blob) => blobs.push((name.to_string(), blob)),
                    Err(e) => {
                        state
                            .notice
                            .set(Some(format!("The sample data could not be loaded ({e}): reload the page and try again, or add your own files.")));
                        return;
                    }
                }
            }
            state.clear_files();
            state.add_files(blobs);
            // Kinds are checked by the worker, but the report does not wait for that: every
            // file goes in and the engine classifies it again.
            state.files.update(|files| {
                for f in files.iter_mut().filter(|f| f.state == FileState::Checking) {
                    f.state = FileState::Undecided;
                }
            });
            state.generate();
        });
    }
}

fn kind_label(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Status => "Status polls",
        InputKind::Hours => "Business hours",
        InputKind::Timezones => "Timezones",
        InputKind::Names => "Store names",
    }
}

#[component]
pub fn Inputs() -> impl IntoView {
    let state = use_state();
    let dragging = state.dragging;
    let on_change = move |e: ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let files = file_list(input.files());
        // Let the same file be chosen again later.
        input.set_value("");
        state.add_files(files);
    };
    let on_folder = move |e: ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let files = folder_list(input.files());
        input.set_value("");
        state.add_files(files);
    };
    let has_files = move || !state.files.with(Vec::is_empty);
    let defaults = move || {
        state
            .files
            .with(|files| missing_kinds(files.iter().flat_map(|f| f.state.kinds())))
    };
    let no_status = move || {
        state.files.with(|files| {
            !files.is_empty()
                && files.iter().all(|f| f.state != FileState::Checking)
                && !files.iter().any(|f| f.state.may_hold_status())
        })
    };

    view! {
        <section class="panel inputs" aria-labelledby="inputs-title">
            <h2 id="inputs-title" tabindex="-1">"1. Your exports"</h2>
            <div class="dropzone" class:dragging=move || dragging.get() data-testid="drop-zone">
                <p class="drop-hint">
                    <strong>"Drop your CSV files anywhere on this page"</strong>
                    " — status polls (required), business hours, timezones and store names (optional), in any order; .zip and .csv.gz files too, or a folder."
                </p>
                <div class="drop-actions">
                    <label class="button primary file-picker">
                        "Choose files…"
                        <input
                            type="file"
                            multiple
                            accept=".csv,.gz,.zip,text/csv,text/plain,application/gzip,application/zip"
                            class="visually-hidden"
                            data-testid="file-input"
                            on:change=on_change
                        />
                    </label>
                    <label class="button file-picker">
                        "Choose folder…"
                        <input
                            type="file"
                            multiple
                            prop:webkitdirectory=true
                            class="visually-hidden"
                            data-testid="folder-input"
                            on:change=on_folder
                        />
                    </label>
                    <button class="button" type="button" data-testid="sample-data"
                        disabled=move || state.running.with(Option::is_some)
                        on:click=move |_| state.use_sample()
                    >
                        "Try with sample data"
                    </button>
                </div>
            </div>
            <Show when=has_files>
                <div class="table-wrap">
                <table class="files" data-testid="file-list">
                    <caption class="visually-hidden">"Files added"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"File"</th>
                            <th scope="col">"Kind"</th>
                            <th scope="col" class="num">"Size"</th>
                            <th scope="col">"Read"</th>
                            <th scope="col"><span class="visually-hidden">"Remove"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || state.files.get() key=|f| (f.token, format!("{:?}{:?}{:?}", f.state, f.read, f.entry_reads)) let:file>
                            <FileRow file=file />
                        </For>
                    </tbody>
                </table>
                </div>
                <div class="file-actions">
                    <button class="button small" type="button" data-testid="clear-files" on:click=move |_| state.clear_files()>
                        "Remove all files"
                    </button>
                </div>
            </Show>
            <Show when=no_status>
                <p class="warning" role="alert" data-testid="no-status-file">
                    <span aria-hidden="true">"⚠ "</span>
                    "No status polls file yet: one file must have the columns store_id, status, timestamp_utc."
                </p>
            </Show>
            <Show when=has_files>
                <ul class="defaults" data-testid="defaults">
                    {move || defaults().into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
                </ul>
            </Show>
        </section>
    }
}

/// What a report read of a file: rows, stores and the polls' time range.
fn read_text(r: &FileFacts) -> String {
    let mut text = format!(
        "{} rows, {} stores",
        group_digits(r.rows),
        group_digits(r.stores)
    );
    if let (Some(a), Some(b)) = (&r.first_poll, &r.last_poll) {
        text.push_str(&format!(
            ", {} → {}",
            super::report_view::to_seconds(a),
            super::report_view::to_seconds(b)
        ));
    }
    text
}

/// One entry of a zip archive, under the archive's row: its name (`a.zip › path`), its kind
/// or why it is left out (the command line's words), and what the last report read of it.
#[component]
fn EntryRow(entry: EntryInspection, read: Option<FileFacts>) -> impl IntoView {
    // The report may still find an entry not readable (damaged past its head).
    let error = match (
        &entry.inspection,
        read.as_ref().and_then(|r| r.error.clone()),
    ) {
        (_, Some(error)) => Some(error),
        (EntryKind::Error(reason), None) => Some(reason.clone()),
        _ => None,
    };
    let kind = match (&entry.inspection, &error) {
        (_, Some(_)) => "Left out".to_string(),
        (EntryKind::Kind(kind), None) => kind_label(*kind).to_string(),
        (_, None) => "Decided when read".to_string(),
    };
    let read = read.filter(|r| r.error.is_none()).map(|r| read_text(&r));
    let is_rejected = error.is_some();
    view! {
        <tr class="archive-entry" class:rejected=is_rejected data-testid="archive-entry" data-file-name=entry.name.clone()>
            <td class="file-name"><span aria-hidden="true">"↳ "</span>{entry.name.clone()}</td>
            <td data-testid="file-kind">
                {if is_rejected { view! { <span class="badge bad">"✗ "{kind}</span> }.into_any() } else { view! { <span class="badge">{kind}</span> }.into_any() }}
            </td>
            <td class="num"></td>
            <td class="file-read">{read.unwrap_or_default()}</td>
            <td></td>
        </tr>
        {error.map(|reason| view! {
            <tr class="rejected-reason">
                <td colspan="5" data-testid="file-error">{reason}</td>
            </tr>
        })}
    }
}

#[component]
fn FileRow(file: InputFile) -> impl IntoView {
    let state = use_state();
    let token = file.token;
    let (kind, rejected) = match &file.state {
        FileState::Checking => ("Checking…".to_string(), None),
        FileState::Recognised(kind) => (kind_label(*kind).to_string(), None),
        FileState::Undecided => ("Decided when read".to_string(), None),
        FileState::Rejected(reason) => ("Not recognised".to_string(), Some(reason.clone())),
        FileState::Archive(_) => ("Zip archive".to_string(), None),
    };
    let entries = match &file.state {
        FileState::Archive(entries) => entries.clone(),
        _ => Vec::new(),
    };
    let entry_reads = file.entry_reads.clone();
    let read = file.read.as_ref().map(read_text);
    let is_rejected = rejected.is_some();
    let name = file.name.clone();
    view! {
        <tr class:rejected=is_rejected data-testid="file-row" data-file-name=file.name.clone()>
            <td class="file-name">{file.name.clone()}</td>
            <td data-testid="file-kind">
                {if is_rejected { view! { <span class="badge bad">"✗ "{kind}</span> }.into_any() } else { view! { <span class="badge">{kind}</span> }.into_any() }}
            </td>
            <td class="num">{human_bytes(file.bytes)}</td>
            <td class="file-read">{read.unwrap_or_default()}</td>
            <td>
                <button
                    class="button small quiet"
                    type="button"
                    aria-label=format!("Remove {name}")
                    on:click=move |_| state.remove_file(token)
                >
                    "Remove"
                </button>
            </td>
        </tr>
        {rejected.map(|reason| view! {
            <tr class="rejected-reason">
                <td colspan="5" role="alert" data-testid="file-error">{reason}</td>
            </tr>
        })}
        {entries.into_iter().map(|entry| {
            let read = entry_reads.iter().find(|r| r.name == entry.name).cloned();
            view! { <EntryRow entry=entry read=read /> }
        }).collect_view()}
    }
}
