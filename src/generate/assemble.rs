//! A whole data set from a [`GenConfig`]: every store's zone, hours and polls, the ids found
//! only in the hours and timezone files, and the files' row order.

use std::collections::HashSet;

use super::hours::{hm, hours_lines, make_hours, HoursLine};
use super::ids::IdMaker;
use super::polls::StoreModel;
use super::rng::{
    Rng, STREAM_END_POLL, STREAM_EXTRA, STREAM_FILES, STREAM_IDS, STREAM_POLLS, STREAM_STORE,
};
use super::write::BAD_HOURS_KINDS;
use super::zones::{make_zone_rows, ZoneLine, ZONES};
use super::{GenConfig, GenHours, GenPoll, GenStore, GeneratedData, Owner};
use crate::engine::time::MICROS_PER_DAY;

impl GeneratedData {
    /// Generates everything for `config`; the same config gives the same data.
    pub fn generate(mut config: GenConfig) -> GeneratedData {
        config.end = config.precision.apply(config.end);
        let nasty = config.nasty;
        let mut ids = IdMaker {
            style: config.id_style,
            rng: Rng::new(config.seed, STREAM_IDS),
            seen: HashSet::new(),
        };
        let mut stores = Vec::with_capacity(config.stores);
        let mut zone_groups: Vec<Vec<ZoneLine>> = Vec::new();
        let mut hours_groups: Vec<Vec<HoursLine>> = Vec::new();
        let expected =
            (i64::from(config.days) * MICROS_PER_DAY / config.poll_every.max(1)).max(1) as usize;
        let mut polls = Vec::with_capacity(config.stores.saturating_mul(expected + 1).min(1 << 26));

        for i in 0..config.stores {
            let mut rng = Rng::new(config.seed, STREAM_STORE + i as u64);
            let owner = Owner::Store(i);
            let mut zone_lines = Vec::new();
            let zone = make_zone_rows(&mut rng, nasty, owner, &mut zone_lines);
            let (hours, short) = make_hours(&mut rng, nasty);
            let model = StoreModel::new(&mut rng, &config, zone, &hours);
            let mut poll_rng = Rng::new(config.seed, STREAM_POLLS + i as u64);
            model.polls(&mut poll_rng, &config, i, &mut polls);
            if !zone_lines.is_empty() {
                zone_groups.push(zone_lines);
            }
            if !hours.is_empty() {
                hours_groups.push(hours_lines(owner, &hours, short));
            }
            stores.push(GenStore {
                id: ids.next(),
                zone,
                hours,
            });
        }

        // Ids only in the hours and timezone files.
        let extras = if config.stores == 0 {
            0
        } else {
            1 + config.stores / 50
        };
        let mut extra_store_ids = Vec::with_capacity(extras);
        for i in 0..extras {
            let mut rng = Rng::new(config.seed, STREAM_EXTRA + i as u64);
            let owner = Owner::Extra(i);
            let with_zone = rng.chance(0.7);
            let (mut hours, short) = make_hours(&mut rng, false);
            if !with_zone && hours.is_empty() {
                hours.push(GenHours {
                    day: rng.below(7) as u8,
                    start: hm(10, 0),
                    end: hm(22, 0),
                });
            }
            if with_zone {
                let zone = rng.weighted(&ZONES);
                zone_groups.push(vec![ZoneLine {
                    owner: Some(owner),
                    name: zone.name(),
                    bad: false,
                }]);
            }
            if !hours.is_empty() {
                hours_groups.push(hours_lines(owner, &hours, short));
            }
            extra_store_ids.push(ids.next());
        }

        // File order: stores shuffled, a store's rows together, bad rows anywhere.
        let mut rng = Rng::new(config.seed, STREAM_FILES);
        rng.shuffle(&mut zone_groups);
        rng.shuffle(&mut hours_groups);
        let mut zone_lines: Vec<ZoneLine> = zone_groups.into_iter().flatten().collect();
        let mut hours_lines: Vec<HoursLine> = hours_groups.into_iter().flatten().collect();
        if nasty && config.stores > 0 {
            for _ in 0..1 + config.stores / 5000 {
                let at = rng.index(zone_lines.len() + 1);
                zone_lines.insert(
                    at,
                    ZoneLine {
                        owner: None,
                        name: rng.weighted(&ZONES).name(),
                        bad: true,
                    },
                );
            }
            let bad_hours = 6 + hours_lines.len() / 5000;
            for k in 0..bad_hours {
                let owner = Owner::Store(rng.index(config.stores));
                let at = rng.index(hours_lines.len() + 1);
                hours_lines.insert(
                    at,
                    HoursLine::Bad {
                        owner,
                        kind: (k % BAD_HOURS_KINDS) as u8,
                    },
                );
            }
        }

        // The latest poll is exactly `end`.
        if config.stores > 0 {
            let mut rng = Rng::new(config.seed, STREAM_END_POLL);
            polls.push(GenPoll {
                store: rng.index(config.stores),
                at: config.end,
                active: true,
            });
        }
        polls.sort_unstable_by_key(|p| (p.at, p.store, p.active));

        GeneratedData {
            config,
            stores,
            polls,
            extra_store_ids,
            zone_lines,
            hours_lines,
        }
    }
}
