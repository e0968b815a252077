//! Small JS helpers the page and the worker share (wasm32 only).

use wasm_bindgen::{JsCast, JsValue};

/// A thrown JS value as text: a `DOMException`'s or `Error`'s message, else the value.
pub fn js_error_text(error: &JsValue) -> String {
    // A DOMException is also an `Error`: ask for it first, its name is the useful part
    // (`QuotaExceededError`, `NotReadableError`).
    if let Some(e) = error.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

/// The property `key` of a JS object, if it has one.
pub fn field(object: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .filter(|value| !value.is_undefined())
}

/// A plain JS object of `fields`, as page and worker post them beside the JSON.
pub fn object(fields: &[(&str, &JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        // Setting a property of a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}
