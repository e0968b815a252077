//! The report history in the page's IndexedDB ([`super::storage`]; SPEC §8: finished
//! reports stay available by id after a reload): `reports` (one JSON record per report, key
//! `id`), `csv` (the report file's text, by id), so the list loads without every CSV, and
//! `weeks` (what a comparison needs: each store's week uptime and downtime, by id). Every
//! change is announced to the page's other tabs.
//!
//! Only storage: never decides a status or formats a message about the data.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::storage::{self, Store};
use store_uptime::messages::ReportRecord;

/// Other tabs of the page reload their list after a change (two tabs at once).
fn announced(result: Result<(), String>) -> Result<(), String> {
    if result.is_ok() {
        super::browser::announce_history_change();
    }
    result
}

/// A record as stored: its id (the key path) and its JSON.
fn stored(record: &ReportRecord) -> Result<JsValue, String> {
    let json = serde_json::to_string(record).map_err(|e| e.to_string())?;
    let value = Object::new();
    let _ = Reflect::set(&value, &"id".into(), &JsValue::from_str(&record.id));
    let _ = Reflect::set(&value, &"json".into(), &JsValue::from_str(&json));
    Ok(value.into())
}

/// Saves (or replaces) a report record.
pub async fn put_report(record: &ReportRecord) -> Result<(), String> {
    let value = stored(record)?;
    announced(storage::put(Store::Reports, None, &value).await)
}

/// Saves a finished report's record and CSV together.
pub async fn put_complete(record: &ReportRecord, csv: &str) -> Result<(), String> {
    let value = stored(record)?;
    let id = JsValue::from_str(&record.id);
    let text = JsValue::from_str(csv);
    announced(
        storage::write(&[Store::Reports, Store::Csv], |s| {
            s(Store::Reports)?.put(&value)?;
            s(Store::Csv)?.put_with_key(&text, &id)?;
            Ok(())
        })
        .await,
    )
}

/// Every saved report, in no particular order. Unreadable records are skipped.
pub async fn all_reports() -> Result<Vec<ReportRecord>, String> {
    let values = storage::get_all(Store::Reports).await?;
    let mut out = Vec::new();
    for value in values.iter() {
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
    Ok(storage::get(Store::Csv, id)
        .await?
        .and_then(|v| v.as_string()))
}

/// A saved report's week figures (JSON), if there are.
pub async fn week(id: &str) -> Result<Option<String>, String> {
    Ok(storage::get(Store::Weeks, id)
        .await?
        .and_then(|v| v.as_string()))
}

/// Saves a report's week figures (JSON).
pub async fn put_week(id: &str, json: &str) -> Result<(), String> {
    announced(storage::put(Store::Weeks, Some(id), &JsValue::from_str(json)).await)
}

/// What a report keeps: its record, CSV, week figures and input files.
const A_REPORT: [Store; 4] = [Store::Reports, Store::Csv, Store::Weeks, Store::Inputs];

/// Deletes one report and everything it keeps.
pub async fn delete(id: &str) -> Result<(), String> {
    announced(storage::delete(&A_REPORT, id).await)
}

/// Deletes every report.
pub async fn clear() -> Result<(), String> {
    announced(storage::clear(&A_REPORT).await)
}
