//! The one IndexedDB database of the page (`store-uptime`): everything a report keeps in
//! this browser. This module owns the database's name, its version and its object stores,
//! opens it once and hands out typed reads and writes; [`super::history_store`] (records,
//! report CSVs, week figures) and [`super::fleet::inputs_store`] (input files) say what goes
//! in each store.
//!
//! Object stores (version 3):
//! - `reports`: one JSON record per report (key path `id`);
//! - `csv`: a finished report's CSV text, by report id;
//! - `weeks`: what a later comparison needs of a report (JSON), by report id;
//! - `inputs`: a report's input files (`Blob`s by structured clone) and options, by id.
//!
//! Only storage: never reads the data or decides anything about it.

use std::cell::RefCell;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbObjectStore, IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest,
    IdbTransaction, IdbTransactionMode,
};

use store_uptime::web::js_error_text;

const DB_NAME: &str = "store-uptime";
/// 1: reports and csv; 2: weeks; 3: inputs (before, in a database of their own).
const DB_VERSION: u32 = 3;

/// The object stores, named once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Reports,
    Csv,
    Weeks,
    Inputs,
}

impl Store {
    const ALL: [Store; 4] = [Store::Reports, Store::Csv, Store::Weeks, Store::Inputs];

    pub fn name(self) -> &'static str {
        match self {
            Store::Reports => "reports",
            Store::Csv => "csv",
            Store::Weeks => "weeks",
            Store::Inputs => "inputs",
        }
    }
}

thread_local! {
    /// The open connection. Not page state: a handle to the browser's database, opened on
    /// first use and dropped when another tab upgrades the database.
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Waits for an IndexedDB request; `Err` carries the browser's words.
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

fn factory() -> Result<web_sys::IdbFactory, String> {
    web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(|e| js_error_text(&e))?
        .ok_or_else(|| "this browser keeps no IndexedDB here (private mode?)".to_string())
}

/// The database, opened (and created or upgraded) on first use.
async fn db() -> Result<IdbDatabase, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let open: IdbOpenDbRequest = factory()?
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(|e| js_error_text(&e))?;
    let upgrade_req = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        let Ok(result) = upgrade_req.result() else {
            return;
        };
        let db: IdbDatabase = result.unchecked_into();
        let names = db.object_store_names();
        for store in Store::ALL {
            if names.contains(store.name()) {
                continue;
            }
            if store == Store::Reports {
                let params = IdbObjectStoreParameters::new();
                params.set_key_path(&JsValue::from_str("id"));
                let _ = db.create_object_store_with_optional_parameters(store.name(), &params);
            } else {
                let _ = db.create_object_store(store.name());
            }
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db: IdbDatabase = done(&open).await?.unchecked_into();
    // A newer page in another tab wants to upgrade: let it, and open again on next use.
    let closing = db.clone();
    let on_version_change = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        closing.close();
        DB.with(|d| *d.borrow_mut() = None);
    });
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    // Lives as long as the connection it listens on.
    on_version_change.forget();
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// Runs `op` in one read-write transaction over `stores` and waits until it is committed.
pub async fn write(
    stores: &[Store],
    op: impl FnOnce(&dyn Fn(Store) -> Result<IdbObjectStore, JsValue>) -> Result<(), JsValue>,
) -> Result<(), String> {
    let db = db().await?;
    let names: js_sys::Array = stores.iter().map(|s| JsValue::from_str(s.name())).collect();
    let tx = db
        .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)
        .map_err(|e| js_error_text(&e))?;
    let store_of = |s: Store| tx.object_store(s.name());
    op(&store_of).map_err(|e| js_error_text(&e))?;
    committed(&tx).await
}

/// Waits for a transaction's end.
async fn committed(tx: &IdbTransaction) -> Result<(), String> {
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
        .map(|_| ())
        .map_err(|e| js_error_text(&e))
}

/// Puts `value` under `key` in `store` (a store with a key path: `key` is `None`).
pub async fn put(store: Store, key: Option<&str>, value: &JsValue) -> Result<(), String> {
    write(&[store], |s| {
        let s = s(store)?;
        match key {
            Some(key) => s.put_with_key(value, &JsValue::from_str(key)),
            None => s.put(value),
        }
        .map(|_| ())
    })
    .await
}

/// The result of one read request on `store`, in a read-only transaction of its own.
async fn read(
    store: Store,
    request: impl FnOnce(&web_sys::IdbObjectStore) -> Result<web_sys::IdbRequest, JsValue>,
) -> Result<JsValue, String> {
    let db = db().await?;
    let tx = db
        .transaction_with_str(store.name())
        .map_err(|e| js_error_text(&e))?;
    let request = tx
        .object_store(store.name())
        .and_then(|s| request(&s))
        .map_err(|e| js_error_text(&e))?;
    done(&request).await
}

/// The value under `key` in `store`, `None` when there is none.
pub async fn get(store: Store, key: &str) -> Result<Option<JsValue>, String> {
    let value = read(store, |s| s.get(&JsValue::from_str(key))).await?;
    Ok((!value.is_undefined() && !value.is_null()).then_some(value))
}

/// Every value in `store`, in key order.
pub async fn get_all(store: Store) -> Result<js_sys::Array, String> {
    Ok(js_sys::Array::from(&read(store, |s| s.get_all()).await?))
}

/// Deletes `key` from each of `stores`, in one transaction.
pub async fn delete(stores: &[Store], key: &str) -> Result<(), String> {
    let key = JsValue::from_str(key);
    write(stores, |s| {
        for &store in stores {
            s(store)?.delete(&key)?;
        }
        Ok(())
    })
    .await
}

/// Empties each of `stores`, in one transaction.
pub async fn clear(stores: &[Store]) -> Result<(), String> {
    write(stores, |s| {
        for &store in stores {
            s(store)?.clear()?;
        }
        Ok(())
    })
    .await
}
