//! The report history in IndexedDB (SPEC §8: finished reports stay available by id after a
//! reload). Three object stores: `reports` (one JSON record per report, key `id`), `csv`
//! (the report file's text, by id), so the list loads without every CSV, and `weeks` (what
//! a comparison needs: each store's week uptime and downtime, by id).
//!
//! Only storage: never decides a status or formats a message about the data.

use std::cell::RefCell;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest, IdbTransactionMode,
};

use crate::messages::ReportRecord;
use crate::web::js_error_text;

const DB_NAME: &str = "store-uptime";
const DB_VERSION: u32 = 2;
const REPORTS: &str = "reports";
const CSV: &str = "csv";
const WEEKS: &str = "weeks";

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Waits for an IndexedDB request; `Err` carries the browser's words. Also used by
/// [`super::fleet::inputs_store`].
pub(crate) async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let req = request.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &req.result().unwrap_or(JsValue::UNDEFINED));
        });
        let req = request.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let text = req
                .error()
                .ok()
                .flatten()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .unwrap_or_else(|| "storage error".to_string());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&text));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| js_error_text(&e))
}

async fn db() -> Result<IdbDatabase, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(|e| js_error_text(&e))?
        .ok_or("this browser keeps no IndexedDB here (private mode?)")?;
    let open: IdbOpenDbRequest = factory
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(|e| js_error_text(&e))?;
    let upgrade_req = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        let Ok(result) = upgrade_req.result() else {
            return;
        };
        let db: IdbDatabase = result.unchecked_into();
        let names = db.object_store_names();
        if !names.contains(REPORTS) {
            let params = IdbObjectStoreParameters::new();
            params.set_key_path(&JsValue::from_str("id"));
            let _ = db.create_object_store_with_optional_parameters(REPORTS, &params);
        }
        if !names.contains(CSV) {
            let _ = db.create_object_store(CSV);
        }
        if !names.contains(WEEKS) {
            let _ = db.create_object_store(WEEKS);
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db: IdbDatabase = done(&open).await?.unchecked_into();
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// Runs one request in a transaction over `stores`, and waits for the transaction.
async fn write(
    stores: &[&str],
    op: impl FnOnce(&web_sys::IdbTransaction) -> Result<(), JsValue>,
) -> Result<(), String> {
    let db = db().await?;
    let names: js_sys::Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    let tx = db
        .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)
        .map_err(|e| js_error_text(&e))?;
    op(&tx).map_err(|e| js_error_text(&e))?;
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let tx2 = tx.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let text = tx2
                .error()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .unwrap_or_else(|| "storage error".to_string());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&text));
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.clone().unchecked_ref()));
        tx.set_onabort(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| js_error_text(&e))?;
    // Other tabs of the page reload their list (two tabs at once).
    super::browser::announce_history_change();
    Ok(())
}

/// Saves (or replaces) a report record.
pub async fn put_report(record: &ReportRecord) -> Result<(), String> {
    let json = serde_json::to_string(record).map_err(|e| e.to_string())?;
    let value = Object::new();
    let _ = Reflect::set(&value, &"id".into(), &JsValue::from_str(&record.id));
    let _ = Reflect::set(&value, &"json".into(), &JsValue::from_str(&json));
    write(&[REPORTS], |tx| {
        tx.object_store(REPORTS)?.put(&value).map(|_| ())
    })
    .await
}

/// Saves a finished report's record and CSV together.
pub async fn put_complete(record: &ReportRecord, csv: &str) -> Result<(), String> {
    let json = serde_json::to_string(record).map_err(|e| e.to_string())?;
    let value = Object::new();
    let _ = Reflect::set(&value, &"id".into(), &JsValue::from_str(&record.id));
    let _ = Reflect::set(&value, &"json".into(), &JsValue::from_str(&json));
    let id = JsValue::from_str(&record.id);
    let text = JsValue::from_str(csv);
    write(&[REPORTS, CSV], |tx| {
        tx.object_store(REPORTS)?.put(&value)?;
        tx.object_store(CSV)?.put_with_key(&text, &id)?;
        Ok(())
    })
    .await
}

/// Every saved report, in no particular order. Unreadable records are skipped.
pub async fn all_reports() -> Result<Vec<ReportRecord>, String> {
    let db = db().await?;
    let tx = db
        .transaction_with_str(REPORTS)
        .map_err(|e| js_error_text(&e))?;
    let request = tx
        .object_store(REPORTS)
        .and_then(|s| s.get_all())
        .map_err(|e| js_error_text(&e))?;
    let values = done(&request).await?;
    let mut out = Vec::new();
    for value in js_sys::Array::from(&values).iter() {
        let json = Reflect::get(&value, &"json".into())
            .ok()
            .and_then(|j| j.as_string());
        if let Some(record) = json.and_then(|j| serde_json::from_str::<ReportRecord>(&j).ok()) {
            out.push(record);
        }
    }
    Ok(out)
}

/// A saved report's CSV, if there is one.
pub async fn csv(id: &str) -> Result<Option<String>, String> {
    text(CSV, id).await
}

/// A saved report's week figures (JSON), if there are.
pub async fn week(id: &str) -> Result<Option<String>, String> {
    text(WEEKS, id).await
}

/// Saves a report's week figures (JSON).
pub async fn put_week(id: &str, json: &str) -> Result<(), String> {
    let (key, text) = (JsValue::from_str(id), JsValue::from_str(json));
    write(&[WEEKS], |tx| {
        tx.object_store(WEEKS)?
            .put_with_key(&text, &key)
            .map(|_| ())
    })
    .await
}

async fn text(store: &str, id: &str) -> Result<Option<String>, String> {
    let db = db().await?;
    let tx = db
        .transaction_with_str(store)
        .map_err(|e| js_error_text(&e))?;
    let request = tx
        .object_store(store)
        .and_then(|s| s.get(&JsValue::from_str(id)))
        .map_err(|e| js_error_text(&e))?;
    Ok(done(&request).await?.as_string())
}

/// Deletes one report and its CSV.
pub async fn delete(id: &str) -> Result<(), String> {
    let key = JsValue::from_str(id);
    write(&[REPORTS, CSV, WEEKS], |tx| {
        tx.object_store(REPORTS)?.delete(&key)?;
        tx.object_store(CSV)?.delete(&key)?;
        tx.object_store(WEEKS)?.delete(&key)?;
        Ok(())
    })
    .await
}

/// Deletes every report.
pub async fn clear() -> Result<(), String> {
    write(&[REPORTS, CSV, WEEKS], |tx| {
        tx.object_store(REPORTS)?.clear()?;
        tx.object_store(CSV)?.clear()?;
        tx.object_store(WEEKS)?.clear()?;
        Ok(())
    })
    .await
}
