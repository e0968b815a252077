//! A store's status over time (SPEC §5): business time split into up, down and no-data
//! segments, closed time between. The report's numbers, the table and the charts are all
//! sums over this one timeline, so they cannot disagree.
//!
//! Boundaries are in half-microseconds ([`Tick`]): with `nearest`, the switch between two
//! observations is at their midpoint, which need not be a whole microsecond, and SPEC §6
//! wants exact sums.

use super::time::Micros;

/// Half-microseconds since the Unix epoch.
pub type Tick = i64;

pub const TICKS_PER_MICRO: Tick = 2;

pub fn to_ticks(t: Micros) -> Tick {
    t * TICKS_PER_MICRO
}

/// How the status between observations is filled in (SPEC §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Interpolation {
    /// Every instant takes the status of the nearest observation.
    #[default]
    Nearest,
    /// An observation's status holds until the next one.
    Previous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Up,
    Down,
    /// Outside business time.
    Closed,
    /// Business time of a store with no observation at all (SPEC §5).
    NoData,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub start: Tick,
    pub end: Tick,
    pub state: State,
}

/// A poll inside business time, at or before `now` (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub at: Micros,
    pub active: bool,
}

/// Up, down and no-data time within some window, in ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub up: Tick,
    pub down: Tick,
    pub no_data: Tick,
}

impl Totals {
    pub fn business(&self) -> Tick {
        self.up + self.down + self.no_data
    }
}

/// The segments covering `[from, to)` without gaps, in order, adjacent ones of one state
/// merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub from: Tick,
    pub to: Tick,
    pub segments: Vec<Segment>,
}

impl Timeline {
    /// Builds the timeline of `[from, to)` from the open intervals (UTC microseconds, sorted,
    /// disjoint) and the observations (sorted by time, one per instant). Observations outside
    /// the window still decide the status near its edges.
    pub fn build(
        from: Micros,
        to: Micros,
        business: &[(Micros, Micros)],
        observations: &[Observation],
        interpolation: Interpolation,
    ) -> Timeline {
        let (from, to) = (to_ticks(from), to_ticks(to));
        let mut timeline = Timeline {
            from,
            to,
            segments: Vec::new(),
        };
        let mut cursor = from;
        let mut obs = 0; // the observation whose status piece contains the current instant
        for &(a, b) in business {
            let (a, b) = (to_ticks(a).max(from), to_ticks(b).min(to));
            if a >= b {
                continue;
            }
            timeline.push(cursor, a, State::Closed);
            let mut at = a;
            if observations.is_empty() {
                timeline.push(a, b, State::NoData);
            }
            while at < b && !observations.is_empty() {
                while obs + 1 < observations.len()
                    && piece_end(observations, obs, interpolation) <= at
                {
                    obs += 1;
                }
                let end = if obs + 1 < observations.len() {
                    piece_end(observations, obs, interpolation).min(b)
                } else {
                    b
                };
                let state = if observations[obs].active {
                    State::Up
                } else {
                    State::Down
                };
                timeline.push(at, end, state);
                at = end;
            }
            cursor = b;
        }
        timeline.push(cursor, to, State::Closed);
        timeline
    }

    fn push(&mut self, start: Tick, end: Tick, state: State) {
        if start >= end {
            return;
        }
        match self.segments.last_mut() {
            Some(last) if last.state == state && last.end == start => last.end = end,
            _ => self.segments.push(Segment { start, end, state }),
        }
    }

    /// Up, down and no-data time within `[from, to)`.
    pub fn totals(&self, from: Tick, to: Tick) -> Totals {
        let mut totals = Totals::default();
        let first = self.segments.partition_point(|s| s.end <= from);
        for s in &self.segments[first..] {
            if s.start >= to {
                break;
            }
            let len = s.end.min(to) - s.start.max(from);
            match s.state {
                State::Up => totals.up += len,
                State::Down => totals.down += len,
                State::NoData => totals.no_data += len,
                State::Closed => {}
            }
        }
        totals
    }
}

/// Where observation `i`'s status stops holding (exclusive), for `i` below the last.
fn piece_end(observations: &[Observation], i: usize, interpolation: Interpolation) -> Tick {
    match interpolation {
        // The midpoint (t_i + t_{i+1}) / 2, exact in half-microseconds.
        Interpolation::Nearest => observations[i].at + observations[i + 1].at,
        Interpolation::Previous => to_ticks(observations[i + 1].at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{
        MICROS_PER_HOUR as H, MICROS_PER_MINUTE as MIN, MICROS_PER_SECOND as SEC,
    };

    fn obs(at: Micros, active: bool) -> Observation {
        Observation { at, active }
    }

    #[test]
    fn spec_5_assignment_example_nearest() {
        // Open 9:00-12:00, observations at 10:14 active and 11:15 inactive.
        let business = [(9 * H, 12 * H)];
        let o = [obs(10 * H + 14 * MIN, true), obs(11 * H + 15 * MIN, false)];
        let tl = Timeline::build(0, 24 * H, &business, &o, Interpolation::Nearest);
        let totals = tl.totals(0, to_ticks(24 * H));
        assert_eq!(totals.up, to_ticks(H + 44 * MIN + 30 * SEC));
        assert_eq!(totals.down, to_ticks(H + 15 * MIN + 30 * SEC));
    }

    #[test]
    fn spec_5_assignment_example_previous() {
        let business = [(9 * H, 12 * H)];
        let o = [obs(10 * H + 14 * MIN, true), obs(11 * H + 15 * MIN, false)];
        let tl = Timeline::build(0, 24 * H, &business, &o, Interpolation::Previous);
        let totals = tl.totals(0, to_ticks(24 * H));
        assert_eq!(totals.up, to_ticks(2 * H + 15 * MIN));
        assert_eq!(totals.down, to_ticks(45 * MIN));
    }

    #[test]
    fn spec_5_midpoint_may_fall_between_microseconds() {
        let o = [obs(0, true), obs(1, false)];
        let tl = Timeline::build(0, 10, &[(0, 10)], &o, Interpolation::Nearest);
        let t = tl.totals(tl.from, tl.to);
        assert_eq!((t.up, t.down), (1, 19)); // half a microsecond up
    }

    #[test]
    fn spec_5_no_observation_is_no_data_not_down() {
        let tl = Timeline::build(0, 100, &[(10, 20), (30, 40)], &[], Interpolation::Nearest);
        let t = tl.totals(tl.from, tl.to);
        assert_eq!(
            t,
            Totals {
                up: 0,
                down: 0,
                no_data: 40
            }
        );
        assert_eq!(tl.segments.len(), 5);
    }

    #[test]
    fn segments_cover_the_window_and_merge_neighbours() {
        let o = [obs(15, true), obs(35, true)];
        let tl = Timeline::build(0, 100, &[(10, 20), (20, 40)], &o, Interpolation::Nearest);
        let states: Vec<State> = tl.segments.iter().map(|s| s.state).collect();
        assert_eq!(states, [State::Closed, State::Up, State::Closed]);
        assert_eq!(tl.segments[0].start, 0);
        assert_eq!(tl.segments[2].end, 200);
        assert!(tl.segments.windows(2).all(|w| w[0].end == w[1].start));
    }

    #[test]
    fn observations_before_the_window_decide_its_start() {
        let o = [obs(-50, false), obs(80, true)];
        let tl = Timeline::build(0, 100, &[(0, 100)], &o, Interpolation::Nearest);
        let t = tl.totals(tl.from, tl.to);
        assert_eq!((t.up, t.down), (to_ticks(85), to_ticks(15)));
        let tl = Timeline::build(0, 100, &[(0, 100)], &o, Interpolation::Previous);
        let t = tl.totals(tl.from, tl.to);
        assert_eq!((t.up, t.down), (to_ticks(20), to_ticks(80)));
    }

    #[test]
    fn totals_clip_to_the_asked_window() {
        let o = [obs(0, true), obs(100, false)];
        let tl = Timeline::build(0, 100, &[(0, 100)], &o, Interpolation::Nearest);
        let t = tl.totals(to_ticks(40), to_ticks(60));
        assert_eq!((t.up, t.down), (to_ticks(10), to_ticks(10)));
    }
}
