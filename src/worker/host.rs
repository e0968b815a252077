//! The browser's side of a job ([`Host`]): `postMessage` to the page, the clock, one turn of
//! the event loop between slices, and User Timing measures of the job's phases.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel};

use super::job::Host;
use crate::messages::{FromWorker, Outcome, WORKER_CSV_FIELD, WORKER_JSON_FIELD};
use crate::web::{field, object};

pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts a message to the page as JSON text.
pub fn post(message: &FromWorker) {
    match serde_json::to_string(message) {
        Ok(text) => {
            if let Err(e) = scope().post_message(&JsValue::from_str(&text)) {
                web_sys::console::error_1(&e);
            }
        }
        Err(e) => web_sys::console::error_1(&JsValue::from_str(&e.to_string())),
    }
}

/// Posts `Complete` with the CSV beside the JSON, as bytes whose buffer is transferred
/// (see `messages::WORKER_CSV_FIELD`).
fn post_complete(job: &str, mut outcome: Box<Outcome>) {
    let csv = std::mem::take(&mut outcome.csv);
    let message = FromWorker::Complete {
        job: job.to_string(),
        outcome,
    };
    let text = match serde_json::to_string(&message) {
        Ok(text) => text,
        Err(e) => {
            web_sys::console::error_1(&JsValue::from_str(&e.to_string()));
            return;
        }
    };
    let bytes = js_sys::Uint8Array::from(csv.as_bytes());
    drop(csv);
    let envelope = object(&[
        (WORKER_JSON_FIELD, &JsValue::from_str(&text)),
        (WORKER_CSV_FIELD, &bytes),
    ]);
    let transfer = js_sys::Array::of1(&bytes.buffer());
    if let Err(e) = scope().post_message_with_transfer(&envelope, &transfer) {
        web_sys::console::error_1(&e);
    }
}

/// A job's host: `channel` is the worker's channel to itself, `timing` its phase measures
/// (`None` for a job whose phases are not measured).
pub struct WebHost {
    pub channel: Option<MessageChannel>,
    pub timing: Option<Timing>,
}

impl Host for WebHost {
    fn post(&self, message: &FromWorker) {
        post(message);
    }

    fn post_complete(&self, job: &str, outcome: Box<Outcome>) {
        post_complete(job, outcome);
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    /// A message to ourselves, not `setTimeout(0)`: nested timeouts are clamped to 4 ms,
    /// which adds up over a job's hundreds of slices once they stopped being awaited
    /// (docs/perf-log.md).
    async fn pause(&self) {
        let turned = self.channel.as_ref().and_then(|channel| {
            let promise = js_sys::Promise::new(&mut |resolve, _| {
                channel.port1().set_onmessage(Some(&resolve));
            });
            channel.port2().post_message(&JsValue::NULL).ok()?;
            Some(promise)
        });
        match turned {
            Some(promise) => {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            }
            None => gloo_timers::future::TimeoutFuture::new(0).await,
        }
    }

    fn phase_start(&self) {
        if let Some(timing) = &self.timing {
            timing.start();
        }
    }

    fn phase_end(&self, name: &str) {
        if let Some(timing) = &self.timing {
            timing.end(name);
        }
    }
}

/// The User Timing measure of the start-up warm-up (`crate::warm_up`), kept when a job
/// clears the others.
pub const WARM_UP_MEASURE: &str = "store-uptime warm-up";

/// User Timing measures (DevTools' performance panel shows them; the browser benchmark sums
/// them): each `end` measures from the last `start` or `end`.
pub struct Timing(web_sys::Performance);

impl Timing {
    const MARK: &'static str = "store-uptime";

    /// Clears the last job's marks and measures, so a long-lived worker does not pile them
    /// up; `None` where the worker has no `performance`.
    pub fn new() -> Option<Timing> {
        let performance = field(&js_sys::global(), "performance")?;
        let p: web_sys::Performance = performance.unchecked_into();
        p.clear_marks_with_mark_name(Self::MARK);
        for m in p.get_entries_by_type("measure") {
            let name = field(&m, "name").and_then(|n| n.as_string());
            if let Some(name) = name.filter(|n| n != WARM_UP_MEASURE) {
                p.clear_measures_with_measure_name(&name);
            }
        }
        Some(Timing(p))
    }

    pub fn start(&self) {
        let _ = self.0.mark(Self::MARK);
    }

    pub fn end(&self, name: &str) {
        let _ = self.0.measure_with_start_mark(name, Self::MARK);
        let _ = self.0.mark(Self::MARK);
    }
}
