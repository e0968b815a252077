//! Timezones: the zones stores are in and how often, and a store's timezone rows as
//! written (repeats, a second zone, unknown names).

use chrono_tz::Tz;

use super::rng::Rng;
use super::Owner;

/// A row of the timezone file, in file order.
#[derive(Debug, Clone, Copy)]
pub(super) struct ZoneLine {
    /// `None`: an empty store id.
    pub(super) owner: Option<Owner>,
    pub(super) name: &'static str,
    /// The engine skips it (unknown name, a second different zone, an empty id).
    pub(super) bad: bool,
}

/// Zones and how often they occur (the real file is mostly US, the rest covers half-hour
/// and 45-minute offsets, a 30-minute DST shift and the southern hemisphere).
pub(super) const ZONES: [(Tz, u32); 10] = [
    (chrono_tz::America::Chicago, 40),
    (chrono_tz::America::New_York, 18),
    (chrono_tz::America::Denver, 6),
    (chrono_tz::America::Los_Angeles, 9),
    (chrono_tz::America::Phoenix, 4),
    (chrono_tz::Europe::London, 5),
    (chrono_tz::Asia::Kolkata, 5),
    (chrono_tz::Australia::Lord_Howe, 4),
    (chrono_tz::Pacific::Chatham, 4),
    (chrono_tz::Asia::Beirut, 5),
];

/// Names no zone database knows: the engine counts them as missing.
pub(super) const UNKNOWN_ZONES: [&str; 3] =
    ["Mars/Olympus", "America/Atlantis", "Moon/Tranquility_Base"];

/// A store's timezone rows as written, and the zone the engine should end up with.
pub(super) fn make_zone_rows(
    rng: &mut Rng,
    nasty: bool,
    owner: Owner,
    lines: &mut Vec<ZoneLine>,
) -> Option<Tz> {
    let line = |name: &'static str, bad: bool| ZoneLine {
        owner: Some(owner),
        name,
        bad,
    };
    if rng.chance(0.10) {
        return None;
    }
    let zone = rng.weighted(&ZONES);
    if !nasty {
        lines.push(line(zone.name(), false));
        return Some(zone);
    }
    let r = rng.unit();
    if r < 0.02 {
        // The same zone twice: harmless.
        lines.push(line(zone.name(), false));
        lines.push(line(zone.name(), false));
    } else if r < 0.035 {
        // A second, different zone: the first valid one wins, the second is skipped.
        let other = ZONES[(ZONES.iter().position(|z| z.0 == zone).unwrap_or(0)
            + 1
            + rng.index(ZONES.len() - 1))
            % ZONES.len()]
        .0;
        lines.push(line(zone.name(), false));
        lines.push(line(other.name(), true));
    } else if r < 0.045 {
        // Only an unknown name: counts as missing.
        lines.push(line(rng.pick(&UNKNOWN_ZONES), true));
        return None;
    } else if r < 0.055 {
        // An unknown name, then a valid one, which wins.
        lines.push(line(rng.pick(&UNKNOWN_ZONES), true));
        lines.push(line(zone.name(), false));
    } else {
        lines.push(line(zone.name(), false));
    }
    Some(zone)
}
