//! Reader workers (`public/reader.js`) started before they are needed: a job's first file
//! then does not wait for one to load.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::Worker;

/// A reader worker waiting for its file.
struct Spare {
    url: String,
    worker: Worker,
    /// Set if it failed to load while waiting.
    broken: Rc<Cell<bool>>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

/// Holds one spare reader; each reader it hands out is replaced by a new spare.
#[derive(Default)]
pub struct ReaderPool {
    spare: Option<Spare>,
}

impl ReaderPool {
    /// Starts a reader worker from `url` to be taken by the next [`super::ReaderSlices`].
    pub fn start_spare(&mut self, url: &str) {
        let Ok(worker) = Worker::new(url) else {
            return;
        };
        let broken = Rc::new(Cell::new(false));
        let flag = broken.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            flag.set(true);
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let spare = Spare {
            url: url.to_string(),
            worker,
            broken,
            _on_error: on_error,
        };
        if let Some(old) = self.spare.replace(spare) {
            old.worker.terminate();
        }
    }

    /// The spare reader if it is for `url` and loaded fine (and a new spare for the next
    /// file), else a reader started now; `None` if none can be.
    pub(super) fn take(&mut self, url: &str) -> Option<Worker> {
        let worker = match self.spare.take() {
            Some(spare) if spare.url == url => {
                if spare.broken.get() {
                    // `url` did not load: read without a reader this time (the next file
                    // tries again, without a spare).
                    spare.worker.terminate();
                    return None;
                }
                spare.worker.set_onerror(None);
                Some(spare.worker)
            }
            other => {
                if let Some(spare) = other {
                    spare.worker.terminate();
                }
                Worker::new(url).ok()
            }
        };
        self.start_spare(url);
        worker
    }
}
