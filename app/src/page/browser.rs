//! Small browser services for the page: saving a file, random ids, persistent storage,
//! the service worker, the built-in sample files, and what tabs tell each other (Web Locks
//! on running reports, a BroadcastChannel for history changes). No page state and no engine here.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Response, Url};

use store_uptime::messages::report_id;
use store_uptime::web::js_error_text;

/// The built-in sample data (`gen-data --preset sample`), served from `public/sample/`.
pub const SAMPLE_FILES: [&str; 3] = ["store_status.csv", "menu_hours.csv", "timezones.csv"];

/// Offers `text` as a download named `name`, byte for byte (UTF-8, no BOM).
pub fn save_text(name: &str, text: &str, mime: &str) -> Result<(), String> {
    // One Uint8Array part: the bytes are exactly the string's UTF-8.
    let bytes = Uint8Array::from(text.as_bytes());
    let parts: Array = std::iter::once(JsValue::from(bytes)).collect();
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js_error_text(&e))?;
    save_blob(name, &blob)
}

/// Saves `blob` as the download `name`.
pub fn save_blob(name: &str, blob: &Blob) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let url = Url::create_object_url_with_blob(blob).map_err(|e| js_error_text(&e))?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_error_text(&e))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    let _ = body.append_child(&anchor);
    anchor.click();
    anchor.remove();
    // Revoke later: some browsers start reading the URL only after the click returns.
    leptos::prelude::set_timeout(
        move || {
            let _ = Url::revoke_object_url(&url);
        },
        std::time::Duration::from_millis(60_000),
    );
    Ok(())
}

/// A new random report id (SPEC §8), from the Web Crypto API.
pub fn new_report_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No crypto: time-based, still unique enough for one browser's history.
        let now = js_sys::Date::now() as u64 ^ ((js_sys::Math::random() * 1e9) as u64) << 20;
        bytes = now.to_be_bytes();
    }
    report_id(bytes)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// `created_ms` as local date and time, e.g. `2026-11-27 23:41`.
pub fn local_time(ms: u64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// Asks the browser not to evict the history under storage pressure. Best effort.
pub fn ask_persistent_storage() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(promise) = window.navigator().storage().persist() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(promise).await;
    });
}

/// Registers the service worker that keeps the app usable offline. Best effort: a page
/// served from a file or an old browser simply works online only.
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    if container.is_undefined() {
        return;
    }
    let promise = container.register("./sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(promise).await {
            web_sys::console::warn_2(&JsValue::from_str("service worker not registered:"), &e);
        }
    });
}

/// Fetches one built-in sample file (same origin; the service worker serves it offline).
pub async fn fetch_sample(name: &str) -> Result<Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(&format!("./sample/{name}")))
        .await
        .map_err(|e| js_error_text(&e))?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("sample/{name}: HTTP {}", response.status()));
    }
    let blob = JsFuture::from(response.blob().map_err(|e| js_error_text(&e))?)
        .await
        .map_err(|e| js_error_text(&e))?;
    Ok(blob.unchecked_into())
}

// Handles to browser facilities that live as long as the tab, not page state (nothing drawn
// reads them); the page's state lives in context (`super::State`).
thread_local! {
    /// Resolving one of these releases the Web Lock of that running report.
    static JOB_LOCKS: RefCell<HashMap<String, js_sys::Function>> = RefCell::new(HashMap::new());
    /// The channel other tabs of this page listen on for history changes. Not page state:
    /// the tab's one connection to its other tabs, opened once when the page starts.
    static HISTORY_CHANNEL: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

const JOB_LOCK_PREFIX: &str = "store-uptime-job-";
const HISTORY_CHANNEL_NAME: &str = "store-uptime-history";

/// `navigator.locks`, where the browser has Web Locks (web-sys keeps them unstable).
fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(|l| l.is_object())
}

fn method(target: &JsValue, name: &str) -> Option<js_sys::Function> {
    Reflect::get(target, &name.into()).ok()?.dyn_into().ok()
}

/// Holds a Web Lock named after a running report until `release_job_lock` (or until the tab
/// closes, when the browser drops it): another tab starting up then knows the `Running`
/// record is alive and must not be marked interrupted.
pub fn hold_job_lock(id: &str) {
    let (Some(locks), Some(request)) = (
        lock_manager(),
        lock_manager().and_then(|l| method(&l, "request")),
    ) else {
        return;
    };
    let mut release = None;
    let held = Promise::new(&mut |resolve, _| release = Some(resolve));
    // The lock is held until the promise the callback returns settles.
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue { held.into() });
    let name = JsValue::from_str(&format!("{JOB_LOCK_PREFIX}{id}"));
    if request.call2(&locks, &name, &callback).is_ok() {
        if let Some(release) = release {
            JOB_LOCKS.with(|l| l.borrow_mut().insert(id.to_string(), release));
        }
    }
}

pub fn release_job_lock(id: &str) {
    if let Some(release) = JOB_LOCKS.with(|l| l.borrow_mut().remove(id)) {
        let _ = release.call0(&JsValue::NULL);
    }
}

/// Ids of reports whose lock some tab holds or waits for; `None` without Web Locks (then a
/// `Running` record found at start-up cannot be told apart from a closed tab's).
pub async fn reports_running_in_tabs() -> Option<HashSet<String>> {
    let locks = lock_manager()?;
    let promise: Promise = method(&locks, "query")?
        .call0(&locks)
        .ok()?
        .dyn_into()
        .ok()?;
    let snapshot = JsFuture::from(promise).await.ok()?;
    let mut ids = HashSet::new();
    for list in ["held", "pending"] {
        let Ok(entries) = Reflect::get(&snapshot, &list.into()) else {
            continue;
        };
        for entry in Array::from(&entries).iter() {
            let name = Reflect::get(&entry, &"name".into())
                .ok()
                .and_then(|n| n.as_string());
            if let Some(id) = name.and_then(|n| n.strip_prefix(JOB_LOCK_PREFIX).map(String::from)) {
                ids.insert(id);
            }
        }
    }
    Some(ids)
}

/// Calls `on_change` whenever another tab of this page changes the stored history.
pub fn listen_for_history_changes(on_change: impl Fn() + 'static) {
    // Fails only where the browser has no BroadcastChannel: then tabs do not hear each other.
    let Ok(channel) = web_sys::BroadcastChannel::new(HISTORY_CHANNEL_NAME) else {
        return;
    };
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| on_change());
    channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    // The page lives as long as the tab: so do the channel and its listener.
    listener.forget();
    HISTORY_CHANNEL.with(|c| *c.borrow_mut() = Some(channel));
}

/// Tells the other tabs that the stored history changed (a channel never hears itself).
pub fn announce_history_change() {
    HISTORY_CHANNEL.with(|c| {
        if let Some(channel) = c.borrow().as_ref() {
            let _ = channel.post_message(&JsValue::from_str("changed"));
        }
    });
}
