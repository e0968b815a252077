//! A finished report's input files, kept in the page's IndexedDB (object store `inputs` of
//! [`crate::page::storage`]) so the fleet view and a store's detail can be rebuilt after a
//! reload: the worker reads them again. `Blob`s are stored by structured clone; nothing
//! leaves the machine. Deleting a report deletes its files with it
//! ([`crate::page::history_store::delete`]).
//!
//! Only storage: never reads the files' contents.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, IdbDatabase, IdbOpenDbRequest, IdbTransactionMode};

use crate::page::storage::{self, Store};
use store_uptime::messages::JobOptions;
use store_uptime::web::js_error_text;

/// Where earlier versions of the page kept the files: read when the page's database has
/// none for a report, so their reports still open after an update.
const LEGACY_DB: &str = "store-uptime-inputs";
const LEGACY_STORE: &str = "inputs";

/// What a job needs to be run again.
pub struct KeptInputs {
    pub options: JobOptions,
    pub files: Vec<(String, Blob)>,
}

/// Keeps a job's files (quota errors come back as `Err`).
pub async fn put(job: &str, options: &JobOptions, files: &[(String, Blob)]) -> Result<(), String> {
    let value = Object::new();
    let json = serde_json::to_string(options).map_err(|e| e.to_string())?;
    let _ = Reflect::set(&value, &"options".into(), &JsValue::from_str(&json));
    let names: Array = files.iter().map(|(n, _)| JsValue::from_str(n)).collect();
    let blobs: Array = files
        .iter()
        .map(|(_, b)| JsValue::from(b.clone()))
        .collect();
    let _ = Reflect::set(&value, &"names".into(), &names);
    let _ = Reflect::set(&value, &"blobs".into(), &blobs);
    storage::put(Store::Inputs, Some(job), &value.into()).await
}

/// A job's kept files, if any.
pub async fn get(job: &str) -> Result<Option<KeptInputs>, String> {
    let value = match storage::get(Store::Inputs, job).await? {
        Some(value) => value,
        None => match legacy(job).await {
            Some(value) => value,
            None => return Ok(None),
        },
    };
    let options = Reflect::get(&value, &"options".into())
        .ok()
        .and_then(|o| o.as_string())
        .and_then(|o| serde_json::from_str(&o).ok())
        .unwrap_or_default();
    let names = Reflect::get(&value, &"names".into()).unwrap_or(JsValue::UNDEFINED);
    let blobs = Reflect::get(&value, &"blobs".into()).unwrap_or(JsValue::UNDEFINED);
    let files = Array::from(&names)
        .iter()
        .zip(Array::from(&blobs).iter())
        .filter_map(|(n, b)| Some((n.as_string()?, b.dyn_into::<Blob>().ok()?)))
        .collect();
    Ok(Some(KeptInputs { options, files }))
}

/// A job's files in the earlier versions' database, if it has them. Opened at its only
/// version; where it does not exist, the opening is aborted so it is not created.
async fn legacy(job: &str) -> Option<JsValue> {
    let open: IdbOpenDbRequest = web_sys::window()?
        .indexed_db()
        .ok()??
        .open_with_u32(LEGACY_DB, 1)
        .ok()?;
    let upgrade = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Some(tx) = upgrade.transaction() {
            let _ = tx.abort();
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db: IdbDatabase = storage::done(&open).await.ok()?.unchecked_into();
    let request = db
        .transaction_with_str_and_mode(LEGACY_STORE, IdbTransactionMode::Readonly)
        .and_then(|tx| tx.object_store(LEGACY_STORE))
        .and_then(|s| s.get(&JsValue::from_str(job)))
        .map_err(|e| js_error_text(&e))
        .ok()?;
    let value = storage::done(&request).await.ok();
    db.close();
    value.filter(|v| !v.is_undefined() && !v.is_null())
}

/// Drops the earlier versions' database (with the history cleared, nothing needs it).
pub fn forget_legacy() {
    if let Some(factory) = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()) {
        let _ = factory.delete_database(LEGACY_DB);
    }
}
