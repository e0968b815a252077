//! The zones the page shows fleet-level times in (the owner's pick: the browser's zone, UTC
//! or a zone of the fleet), with their UTC offsets from the browser's own clock data
//! (`Intl.DateTimeFormat`) instead of chrono-tz: the time zone database is most of what the
//! engine worker's code carries, and the page would load it a second time (first load,
//! BENCHMARKS.md). Only for showing times; every figure, and each store's own times (sent
//! with their offsets), is the engine's.

use std::cell::RefCell;

use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use store_uptime::engine::time::{Micros, MICROS_PER_MINUTE};
use store_uptime::fleet_view::{parse_gmt_offset, ShownZone};

/// A zone the browser knows, by its index in this page's list of zones met so far (so it is
/// `Copy`, as the engine's `Tz` is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(u16);

/// One zone met so far: its IANA name and the formatter that tells its offset.
struct Known {
    name: String,
    format: Intl::DateTimeFormat,
}

thread_local! {
    static ZONES: RefCell<Vec<Known>> = const { RefCell::new(Vec::new()) };
}

/// A formatter of `name`'s offset (`GMT-05:00`); `None` if the browser knows no such zone
/// (the constructor throws a `RangeError`).
fn offset_format(name: &str) -> Option<Intl::DateTimeFormat> {
    let options = Object::new();
    Reflect::set(&options, &"timeZone".into(), &name.into()).ok()?;
    Reflect::set(&options, &"timeZoneName".into(), &"longOffset".into()).ok()?;
    let locales = Array::of1(&"en-US".into());
    // `new Intl.DateTimeFormat` throws for an unknown zone; js-sys' binding does not catch,
    // so ask through `Reflect.construct`, which returns the error.
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: js_sys::Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    Reflect::construct(&constructor, &Array::of2(&locales, &options))
        .ok()
        .map(JsCast::unchecked_into)
}

impl Zone {
    pub const UTC: Zone = Zone(0);

    fn ensure_utc() {
        ZONES.with(|zones| {
            let mut zones = zones.borrow_mut();
            if zones.is_empty() {
                if let Some(format) = offset_format("UTC") {
                    zones.push(Known {
                        name: "UTC".into(),
                        format,
                    });
                }
            }
        });
    }

    /// The zone named `name` (an IANA name), if the browser knows it.
    pub fn named(name: &str) -> Option<Zone> {
        Zone::ensure_utc();
        if name == "UTC" || name == "Etc/UTC" {
            return Some(Zone::UTC);
        }
        ZONES.with(|zones| {
            let mut zones = zones.borrow_mut();
            if let Some(at) = zones.iter().position(|z| z.name == name) {
                return u16::try_from(at).ok().map(Zone);
            }
            let format = offset_format(name)?;
            let index = u16::try_from(zones.len()).ok()?;
            zones.push(Known {
                name: name.to_string(),
                format,
            });
            Some(Zone(index))
        })
    }

    /// The browser's own zone, if it names one.
    pub fn browser() -> Option<Zone> {
        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        let name = Reflect::get(&options, &"timeZone".into())
            .ok()?
            .as_string()?;
        Zone::named(&name)
    }

    /// The IANA name (`UTC` for UTC).
    pub fn name(self) -> String {
        ZONES.with(|zones| {
            zones
                .borrow()
                .get(usize::from(self.0))
                .map_or_else(|| "UTC".into(), |z| z.name.clone())
        })
    }
}

impl ShownZone for Zone {
    fn offset_at(self, at: Micros) -> Micros {
        if self == Zone::UTC {
            return 0;
        }
        let minutes = ZONES.with(|zones| {
            let zones = zones.borrow();
            let known = zones.get(usize::from(self.0))?;
            let date = Date::new(&JsValue::from_f64((at.div_euclid(1000)) as f64));
            let parts = known.format.format_to_parts(&date);
            parts.iter().find_map(|part| {
                let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
                (kind == "timeZoneName")
                    .then(|| Reflect::get(&part, &"value".into()).ok()?.as_string())
                    .flatten()
                    .and_then(|v| parse_gmt_offset(&v))
            })
        });
        minutes.unwrap_or(0) * MICROS_PER_MINUTE
    }

    fn label(self) -> String {
        self.name()
    }
}
