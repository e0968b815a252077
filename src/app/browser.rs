//! Small browser services for the page: saving a file, random ids, persistent storage,
//! the service worker, and the built-in sample files. No state and no engine here.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Response, Url};

use crate::messages::report_id;
use crate::worker::slices::js_error_text;

/// The built-in sample data (`gen-data --preset sample`), served from `public/sample/`.
pub const SAMPLE_FILES: [&str; 3] = ["store_status.csv", "menu_hours.csv", "timezones.csv"];

/// Offers `text` as a download named `name`, byte for byte (UTF-8, no BOM).
pub fn save_text(name: &str, text: &str, mime: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    // One Uint8Array part: the bytes are exactly the string's UTF-8.
    let bytes = Uint8Array::from(text.as_bytes());
    let parts: Array = std::iter::once(JsValue::from(bytes)).collect();
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js_error_text(&e))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| js_error_text(&e))?;
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
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
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
