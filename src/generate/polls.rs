//! Status polls: how a store behaves when polled (its reliability, outages, a fleet-wide
//! outage, dead stores, sparse pollers) and the valid polls that makes.

use chrono_tz::Tz;

use super::hours::{spans, Span};
use super::rng::Rng;
use super::{GenConfig, GenHours, GenPoll};
use crate::engine::business::utc_offset;
use crate::engine::stores::DEFAULT_ZONE;
use crate::engine::time::{
    weekday_of_days, Micros, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_SECOND, MICROS_PER_WEEK,
};

/// How a store behaves when polled.
pub(super) struct StoreModel {
    zone: Tz,
    /// Empty: open 24/7.
    spans: Vec<Span>,
    outages: Vec<(Micros, Micros)>,
    /// Chance of `active` in business hours outside outages.
    reliability: f64,
    /// Chance of `inactive` outside business hours.
    closed_inactive: f64,
    dead: bool,
    few_polls: bool,
    interval: Micros,
}

impl StoreModel {
    pub(super) fn new(
        rng: &mut Rng,
        config: &GenConfig,
        zone: Option<Tz>,
        hours: &[GenHours],
    ) -> StoreModel {
        let (start, end) = (
            config.end - i64::from(config.days) * MICROS_PER_DAY,
            config.end,
        );
        let flaky = rng.chance(0.12);
        let count = if flaky {
            rng.between(3, 8)
        } else {
            rng.between(0, 3)
        };
        let mut outages = Vec::new();
        for _ in 0..count {
            let len = if rng.chance(0.04) {
                rng.between(24 * MICROS_PER_HOUR, 72 * MICROS_PER_HOUR)
            } else {
                rng.between(MICROS_PER_HOUR, 8 * MICROS_PER_HOUR)
            };
            let at = rng.between(start - len / 2, end);
            outages.push((at, at + len));
        }
        let factor = if rng.chance(0.04) {
            2.0 + rng.unit()
        } else {
            0.85 + 0.35 * rng.unit()
        };
        StoreModel {
            zone: zone.unwrap_or(DEFAULT_ZONE),
            spans: spans(hours),
            outages,
            reliability: 0.985 + 0.0149 * rng.unit(),
            closed_inactive: rng.pick(&[0.05, 0.6, 0.95]),
            dead: rng.chance(0.005),
            few_polls: rng.chance(0.01),
            interval: ((config.poll_every as f64 * factor) as Micros).max(MICROS_PER_SECOND),
        }
    }

    pub(super) fn is_open(&self, t: Micros) -> bool {
        if self.spans.is_empty() {
            return true;
        }
        let local = t + utc_offset(self.zone, t);
        let days = local.div_euclid(MICROS_PER_DAY);
        let week_pos =
            i64::from(weekday_of_days(days)) * MICROS_PER_DAY + local.rem_euclid(MICROS_PER_DAY);
        self.spans
            .iter()
            .any(|s| (week_pos - s.from).rem_euclid(MICROS_PER_WEEK) < s.len)
    }

    pub(super) fn status(&self, rng: &mut Rng, config: &GenConfig, t: Micros) -> bool {
        if self.dead {
            return rng.chance(0.01);
        }
        if let Some((a, b)) = config.fleet_outage {
            let at = if config.outage_local {
                t + utc_offset(self.zone, t)
            } else {
                t
            };
            if a <= at && at < b {
                return rng.chance(0.03);
            }
        }
        if self.outages.iter().any(|&(a, b)| a <= t && t < b) {
            return rng.chance(0.08);
        }
        if self.is_open(t) {
            rng.chance(self.reliability)
        } else {
            !rng.chance(self.closed_inactive)
        }
    }

    pub(super) fn polls(
        &self,
        rng: &mut Rng,
        config: &GenConfig,
        store: usize,
        out: &mut Vec<GenPoll>,
    ) {
        let (start, end) = (
            config.end - i64::from(config.days) * MICROS_PER_DAY,
            config.end,
        );
        let mut times = Vec::new();
        if self.few_polls {
            for _ in 0..rng.between(1, 4) {
                times.push(rng.between(start, end));
            }
            times.sort_unstable();
        } else {
            let jitter = self.interval / 5;
            let mut nominal = start + rng.between(0, self.interval - 1);
            while nominal <= end {
                let t = nominal + rng.between(-jitter, jitter);
                if start <= t && t <= end {
                    times.push(t);
                }
                nominal += self.interval;
                if rng.chance(0.01) {
                    nominal += self.interval * rng.between(1, 6); // the poller missed some
                }
            }
        }
        for t in times {
            let at = config.precision.apply(t);
            let active = self.status(rng, config, at);
            out.push(GenPoll { store, at, active });
            if config.nasty {
                if rng.chance(0.002) {
                    out.push(GenPoll {
                        store,
                        at,
                        active: !active,
                    }); // conflicting duplicate
                } else if rng.chance(0.001) {
                    out.push(GenPoll { store, at, active });
                }
            }
        }
    }
}
