//! A finished report's input files, kept in IndexedDB (own database, `store-uptime-inputs`)
//! so the fleet view and a store's detail can be rebuilt after a reload: the worker reads
//! them again. `Blob`s are stored by structured clone; nothing leaves the machine.
//!
//! Only storage: never reads the files' contents.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

use crate::app::history_store::done;
use crate::messages::JobOptions;
use crate::web::js_error_text;

const DB_NAME: &str = "store-uptime-inputs";
const STORE: &str = "inputs";

/// What a job needs to be run again.
pub struct KeptInputs {
    pub options: JobOptions,
    pub files: Vec<(String, Blob)>,
}

async fn db() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(|e| js_error_text(&e))?
        .ok_or("this browser keeps no IndexedDB here (private mode?)")?;
    let open: IdbOpenDbRequest = factory
        .open_with_u32(DB_NAME, 1)
        .map_err(|e| js_error_text(&e))?;
    let upgrade = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(result) = upgrade.result() {
            let db: IdbDatabase = result.unchecked_into();
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    Ok(done(&open).await?.unchecked_into())
}

async fn request(
    mode: IdbTransactionMode,
    op: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, String> {
    let db = db().await?;
    let tx = db
        .transaction_with_str_and_mode(STORE, mode)
        .map_err(|e| js_error_text(&e))?;
    let store = tx.object_store(STORE).map_err(|e| js_error_text(&e))?;
    let req = op(&store).map_err(|e| js_error_text(&e))?;
    let out = done(&req).await;
    db.close();
    out
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
    let key = JsValue::from_str(job);
    request(IdbTransactionMode::Readwrite, |s| {
        s.put_with_key(&value, &key)
    })
    .await
    .map(|_| ())
}

/// A job's kept files, if any.
pub async fn get(job: &str) -> Result<Option<KeptInputs>, String> {
    let key = JsValue::from_str(job);
    let value = request(IdbTransactionMode::Readonly, |s| s.get(&key)).await?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
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

pub async fn delete(job: &str) -> Result<(), String> {
    let key = JsValue::from_str(job);
    request(IdbTransactionMode::Readwrite, |s| s.delete(&key))
        .await
        .map(|_| ())
}

pub async fn clear() -> Result<(), String> {
    request(IdbTransactionMode::Readwrite, |s| s.clear())
        .await
        .map(|_| ())
}
