//! The stores behind one slot of the fleet timeline (SPEC §9): which stores had down time in
//! that quarter hour, and how much. Asked for on demand (a click on the page's timeline),
//! so it rebuilds each store's timeline rather than keeping 672 lists for every report.

use super::error::RunError;
use super::ingest::Dataset;
use super::outages::{SLOTS, SLOT_MICROS};
use super::report::Report;
use super::stores::{Analyser, Options};
use super::timeline::{to_ticks, State, Tick};

/// Rows of `report` with down time in slot `slot` (0 = the week's first quarter hour), with
/// that down time: the most first, then report order. Empty for a slot past the week.
pub fn stores_down_in_slot(
    data: &Dataset,
    options: Options,
    report: &Report,
    slot: usize,
) -> Result<Vec<(usize, Tick)>, RunError> {
    if slot >= SLOTS {
        return Ok(Vec::new());
    }
    let mut analyser = Analyser::new(data, options)?;
    let len = to_ticks(SLOT_MICROS);
    let mut down = Vec::new();
    for (row, r) in report.stores.iter().enumerate() {
        let st = analyser.timeline(r.store);
        let from = st.timeline.from + len * slot as Tick;
        let to = from + len;
        let sum: Tick = st
            .timeline
            .segments
            .iter()
            .filter(|s| s.state == State::Down && s.start < to && s.end > from)
            .map(|s| s.end.min(to) - s.start.max(from))
            .sum();
        if sum > 0 {
            down.push((row, sum));
        }
    }
    down.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(down)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{analyse_figures, dataset_from_bytes};
    use crate::generate::{GenConfig, GeneratedData};
    use std::ops::ControlFlow;

    #[test]
    fn every_slots_stores_add_up_to_the_fleet_timeline() {
        let generated = GeneratedData::generate(GenConfig::public_like(7, 40));
        let [status, hours, zones] = generated.files_in_memory();
        let data = dataset_from_bytes(&[("s", &status), ("h", &hours), ("z", &zones)]).unwrap();
        let options = Options::default();
        let (report, figures) =
            analyse_figures(&data, options, &mut |_| ControlFlow::Continue(())).unwrap();
        let mut slots_with_down = 0;
        for slot in 0..SLOTS {
            let stores = stores_down_in_slot(&data, options, &report, slot).unwrap();
            let sum: Tick = stores.iter().map(|s| s.1).sum();
            assert_eq!(sum, figures.fleet.slots[slot].down, "slot {slot}");
            assert!(stores.windows(2).all(|w| w[0].1 >= w[1].1));
            slots_with_down += usize::from(!stores.is_empty());
        }
        assert!(slots_with_down > 0, "the sample has outages");
        assert!(stores_down_in_slot(&data, options, &report, SLOTS)
            .unwrap()
            .is_empty());
    }
}
