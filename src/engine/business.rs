//! Business time (SPEC §2, §4): when a store is open, by its local wall clock.
//!
//! Two views of one definition, kept together so they cannot drift apart:
//! [`BusinessHours::is_open_at`] asks the wall clock at one instant, and
//! [`BusinessHours::utc_intervals`] lists the open UTC intervals of a stretch of days.
//! Daylight-saving time needs no special case in either (SPEC §4).

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::time::{
    weekday_of_days, Micros, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_WEEK,
};

/// One valid business-hours row, as given: weekday (0 = Monday) and local times of day
/// in microseconds (`end` may be 24:00).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HoursRule {
    pub day: u8,
    pub start: Micros,
    pub end: Micros,
}

/// What to do with a weekday that has no row, for a store that has rows (SPEC §2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingDay {
    #[default]
    Closed,
    Open,
}

/// A row after SPEC §4's reading: open from `start` on weekday `day` for `len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenSpan {
    day: u8,
    start: Micros,
    len: Micros,
}

/// An end at or after this is the end of the day (SPEC §4: exports write midnight as
/// `23:59:00` or `23:59:59`).
const END_OF_DAY_FROM: Micros = 23 * MICROS_PER_HOUR + 59 * MICROS_PER_MINUTE;

impl OpenSpan {
    fn from_rule(rule: &HoursRule) -> OpenSpan {
        let end = if rule.end >= END_OF_DAY_FROM {
            MICROS_PER_DAY
        } else {
            rule.end
        };
        let len = if end > rule.start {
            end - rule.start
        } else if end < rule.start {
            end + MICROS_PER_DAY - rule.start // overnight, into the next day
        } else {
            MICROS_PER_DAY // start = end: 24 hours
        };
        OpenSpan {
            day: rule.day,
            start: rule.start,
            len,
        }
    }

    fn all_day(day: u8) -> OpenSpan {
        OpenSpan {
            day,
            start: 0,
            len: MICROS_PER_DAY,
        }
    }
}

/// A store's weekly hours, with the defaults of SPEC §2 applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    /// The rows after SPEC §4's reading, sorted, each once: merged daily exports repeat a
    /// store's rows thousands of times, and business time is a set (a repeat adds nothing).
    spans: Vec<OpenSpan>,
    /// The same open time as sorted, disjoint `[from, to)` positions in the week (µs from
    /// Monday 00:00), so asking the wall clock is a binary search however many rows overlap.
    week: Vec<(Micros, Micros)>,
    /// No valid row at all: open 24/7 by default.
    pub defaulted: bool,
}

impl BusinessHours {
    pub fn new(rules: &[HoursRule], missing_day: MissingDay) -> BusinessHours {
        if rules.is_empty() {
            return BusinessHours::from_spans((0..7).map(OpenSpan::all_day).collect(), true);
        }
        let mut spans: Vec<OpenSpan> = rules.iter().map(OpenSpan::from_rule).collect();
        if missing_day == MissingDay::Open {
            let mut has_row = [false; 7];
            for rule in rules {
                has_row[usize::from(rule.day % 7)] = true;
            }
            spans.extend(
                (0..7)
                    .filter(|&d| !has_row[usize::from(d)])
                    .map(OpenSpan::all_day),
            );
        }
        BusinessHours::from_spans(spans, false)
    }

    fn from_spans(mut spans: Vec<OpenSpan>, defaulted: bool) -> BusinessHours {
        spans.sort_unstable_by_key(|s| (s.day, s.start, s.len));
        spans.dedup();
        let mut week = Vec::with_capacity(spans.len() + 1);
        for s in &spans {
            let from = i64::from(s.day) * MICROS_PER_DAY + s.start;
            let to = from + s.len;
            if to <= MICROS_PER_WEEK {
                week.push((from, to));
            } else {
                // Sunday night into Monday: wraps to the start of the week (len ≤ 24 h).
                week.push((from, MICROS_PER_WEEK));
                week.push((0, to - MICROS_PER_WEEK));
            }
        }
        BusinessHours {
            spans,
            week: merge_intervals(week),
            defaulted,
        }
    }

    /// Is the store open when its wall clock reads `local` (microseconds since the epoch,
    /// as if the local time were UTC)?
    pub fn is_open_local(&self, local: Micros) -> bool {
        let days = local.div_euclid(MICROS_PER_DAY);
        let week_pos =
            i64::from(weekday_of_days(days)) * MICROS_PER_DAY + local.rem_euclid(MICROS_PER_DAY);
        let after = self.week.partition_point(|&(_, to)| to <= week_pos);
        self.week
            .get(after)
            .is_some_and(|&(from, _)| from <= week_pos)
    }

    /// SPEC §4 by definition: open at `t` if the local wall clock at `t` is in a row.
    pub fn is_open_at(&self, zone: Tz, t: Micros) -> bool {
        self.is_open_local(t + utc_offset(zone, t))
    }

    /// The open UTC intervals of the rows of local dates `first_day..=last_day` (days since
    /// the epoch), sorted, disjoint, with touching intervals merged. `clock` must cover every
    /// instant those local dates can reach (see [`ZoneClock::covering`]).
    pub fn utc_intervals(
        &self,
        clock: &ZoneClock,
        first_day: i64,
        last_day: i64,
    ) -> Vec<(Micros, Micros)> {
        let mut pieces = Vec::new();
        for day in first_day..=last_day {
            let weekday = weekday_of_days(day);
            for span in self.spans.iter().filter(|s| s.day == weekday) {
                let a = day * MICROS_PER_DAY + span.start;
                let b = a + span.len;
                // Within a stretch of constant offset o, the wall clock reads t + o, so the
                // local interval [a, b) is [a - o, b - o) there (SPEC §4).
                for stretch in &clock.stretches {
                    let lo = (a - stretch.offset).max(stretch.start);
                    let hi = (b - stretch.offset).min(stretch.end);
                    if lo < hi {
                        pieces.push((lo, hi));
                    }
                }
            }
        }
        merge_intervals(pieces)
    }

    /// The store's rows as given after the defaults: `(weekday, start, end)`; for the
    /// defaults, 00:00–24:00.
    pub fn rows(&self) -> impl Iterator<Item = (u8, Micros, Micros)> + '_ {
        self.spans.iter().map(|s| (s.day, s.start, s.start + s.len))
    }
}

/// Sorts and merges overlapping or touching intervals.
pub fn merge_intervals(mut pieces: Vec<(Micros, Micros)>) -> Vec<(Micros, Micros)> {
    pieces.sort_unstable();
    let mut merged: Vec<(Micros, Micros)> = Vec::with_capacity(pieces.len());
    for (lo, hi) in pieces {
        match merged.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

/// The zone's UTC offset at `t`, in microseconds (local = UTC + offset).
pub fn utc_offset(zone: Tz, t: Micros) -> Micros {
    match DateTime::from_timestamp(t.div_euclid(1_000_000), 0) {
        Some(utc) => {
            i64::from(
                zone.offset_from_utc_datetime(&utc.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ) * 1_000_000
        }
        None => 0, // beyond chrono's ±262 000 years; no input reaches it
    }
}

/// A stretch of UTC time `[start, end)` with one UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub start: Micros,
    pub end: Micros,
    pub offset: Micros,
}

/// A zone's offsets over a range of UTC time, as stretches of constant offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneClock {
    pub zone: Tz,
    pub stretches: Vec<Stretch>,
}

/// Offsets are sampled this often and transitions found between samples by bisection.
/// No zone has two transitions within six hours.
const SAMPLE_STEP: Micros = 6 * MICROS_PER_HOUR;

impl ZoneClock {
    /// The stretches covering `[from, to)` (UTC). Transitions fall on whole seconds.
    pub fn new(zone: Tz, from: Micros, to: Micros) -> ZoneClock {
        let mut stretches = Vec::new();
        let mut start = from;
        let mut offset = utc_offset(zone, from);
        let mut t = from;
        while t < to {
            let next = (t + SAMPLE_STEP).min(to);
            let next_offset = utc_offset(zone, next);
            if next_offset != offset {
                // Bisect on whole seconds: offset(lo) = offset, offset(hi) != offset.
                let (mut lo, mut hi) = (t.div_euclid(1_000_000), next.div_euclid(1_000_000));
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if utc_offset(zone, mid * 1_000_000) == offset {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let change = hi * 1_000_000;
                stretches.push(Stretch {
                    start,
                    end: change,
                    offset,
                });
                start = change;
                offset = utc_offset(zone, change);
            }
            t = next;
        }
        stretches.push(Stretch {
            start,
            end: to.max(start),
            offset,
        });
        ZoneClock { zone, stretches }
    }

    /// The offset at `t`: from the stretches, or asked of the zone outside them.
    pub fn offset_at(&self, t: Micros) -> Micros {
        let i = self.stretches.partition_point(|st| st.end <= t);
        match self.stretches.get(i) {
            Some(st) if st.start <= t => st.offset,
            _ => utc_offset(self.zone, t),
        }
    }

    /// A clock covering every instant that the rows of local dates `first_day..=last_day`
    /// can reach: a row spans at most two local days, and offsets stay within ±1 day.
    pub fn covering(zone: Tz, first_day: i64, last_day: i64) -> ZoneClock {
        ZoneClock::new(
            zone,
            (first_day - 1) * MICROS_PER_DAY,
            (last_day + 3) * MICROS_PER_DAY,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::parse_timestamp;

    fn t(s: &str) -> Micros {
        parse_timestamp(s.as_bytes()).unwrap()
    }

    fn hm(h: i64, m: i64) -> Micros {
        h * MICROS_PER_HOUR + m * MICROS_PER_MINUTE
    }

    fn rule(day: u8, start: Micros, end: Micros) -> HoursRule {
        HoursRule { day, start, end }
    }

    fn total(intervals: &[(Micros, Micros)]) -> Micros {
        intervals.iter().map(|(a, b)| b - a).sum()
    }

    /// Intervals of one local date, and a check of every minute against `is_open_at`.
    fn day_intervals(hours: &BusinessHours, zone: Tz, date: &str) -> Vec<(Micros, Micros)> {
        let day = t(&format!("{date} 00:00")).div_euclid(MICROS_PER_DAY);
        let clock = ZoneClock::covering(zone, day - 2, day + 2);
        let all = hours.utc_intervals(&clock, day - 2, day + 2);
        let mut minute = (day - 1) * MICROS_PER_DAY;
        while minute < (day + 2) * MICROS_PER_DAY {
            let inside = all.iter().any(|&(a, b)| a <= minute && minute < b);
            assert_eq!(inside, hours.is_open_at(zone, minute), "{zone} at {minute}");
            minute += MICROS_PER_MINUTE;
        }
        hours.utc_intervals(&clock, day, day)
    }

    /// Merged daily hours exports repeat one row per day exported (3 500 times in the case
    /// reported); a poll's look-up must not walk them all.
    #[test]
    fn hours_row_repeated_3500_times_is_the_same_hours_as_once() {
        let once = [rule(2, hm(9, 0), hm(17, 0)), rule(6, hm(22, 0), hm(2, 0))];
        let repeated: Vec<HoursRule> = once.iter().copied().cycle().take(7_000).collect();
        assert_eq!(
            BusinessHours::new(&repeated, MissingDay::Closed),
            BusinessHours::new(&once, MissingDay::Closed)
        );
    }

    #[test]
    fn overlapping_rows_merge_into_one_stretch_of_the_week() {
        // 3 500 different rows of one Monday, each a second later: one open stretch.
        let rows: Vec<HoursRule> = (0..3_500)
            .map(|i| rule(0, hm(9, 0) + i * 1_000_000, hm(17, 0)))
            .collect();
        let hours = BusinessHours::new(&rows, MissingDay::Closed);
        assert_eq!(hours.week, [(hm(9, 0), hm(17, 0))]);
    }

    #[test]
    fn week_look_up_answers_as_every_row_asked_in_turn() {
        // Random rows (overnight, 24 h, Sunday into Monday, duplicates); a seeded LCG.
        let mut seed: u64 = 0x5eed;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..200 {
            let rows: Vec<HoursRule> = (0..next(6) + 1)
                .map(|_| {
                    let quarter = 15 * MICROS_PER_MINUTE;
                    rule(
                        next(7) as u8,
                        next(96) as i64 * quarter,
                        next(97) as i64 * quarter,
                    )
                })
                .collect();
            let hours = BusinessHours::new(&rows, MissingDay::Closed);
            let spans: Vec<OpenSpan> = rows.iter().map(OpenSpan::from_rule).collect();
            // 2024-10-14 is a Monday; step 7.5 minutes through two weeks.
            let monday = t("2024-10-14 00:00");
            for k in 0..2 * 7 * 24 * 8 {
                let local = monday + k * 450 * 1_000_000;
                let week_pos = local - monday;
                let by_rows = spans.iter().any(|s| {
                    let from = i64::from(s.day) * MICROS_PER_DAY + s.start;
                    (week_pos - from).rem_euclid(MICROS_PER_WEEK) < s.len
                });
                assert_eq!(hours.is_open_local(local), by_rows, "{rows:?} at {k}");
            }
        }
    }

    #[test]
    fn spec_2_no_rows_means_open_all_week() {
        let hours = BusinessHours::new(&[], MissingDay::Closed);
        assert!(hours.defaulted);
        assert!((0..7 * 24).all(|h| hours.is_open_local(h * MICROS_PER_HOUR)));
    }

    #[test]
    fn spec_2_a_weekday_without_rows_is_closed_unless_missing_day_open() {
        let rules = [rule(0, hm(9, 0), hm(17, 0))];
        let monday_noon = t("2024-10-14 12:00");
        let tuesday_noon = t("2024-10-15 12:00");
        let closed = BusinessHours::new(&rules, MissingDay::Closed);
        assert!(closed.is_open_local(monday_noon) && !closed.is_open_local(tuesday_noon));
        let open = BusinessHours::new(&rules, MissingDay::Open);
        assert!(open.is_open_local(tuesday_noon));
        assert!(
            !open.is_open_local(t("2024-10-14 18:00")),
            "Monday has a row, so it keeps it"
        );
    }

    #[test]
    fn spec_4_overnight_row_runs_into_the_next_day() {
        let hours = BusinessHours::new(&[rule(6, hm(22, 0), hm(2, 0))], MissingDay::Closed);
        assert!(hours.is_open_local(t("2024-10-13 23:00"))); // Sunday
        assert!(hours.is_open_local(t("2024-10-14 01:59"))); // Monday, wrapping the week
        assert!(!hours.is_open_local(t("2024-10-14 02:00")));
        assert!(!hours.is_open_local(t("2024-10-13 21:59")));
    }

    #[test]
    fn spec_4_start_equal_to_end_is_24_hours() {
        let hours = BusinessHours::new(&[rule(2, hm(10, 0), hm(10, 0))], MissingDay::Closed);
        let i = day_intervals(&hours, chrono_tz::UTC, "2024-10-16");
        assert_eq!(i, [(t("2024-10-16 10:00"), t("2024-10-17 10:00"))]);
    }

    #[test]
    fn spec_4_end_at_or_after_2359_is_the_end_of_the_day_and_split_nights_join() {
        for end in [hm(23, 59), hm(23, 59) + 59_000_000, MICROS_PER_DAY] {
            let rules = [rule(4, hm(11, 0), end), rule(5, 0, hm(1, 0))];
            let hours = BusinessHours::new(&rules, MissingDay::Closed);
            let clock =
                ZoneClock::new(chrono_tz::UTC, t("2024-10-17 00:00"), t("2024-10-21 00:00"));
            let day = t("2024-10-18 00:00") / MICROS_PER_DAY;
            let i = hours.utc_intervals(&clock, day, day + 1);
            assert_eq!(
                i,
                [(t("2024-10-18 11:00"), t("2024-10-19 01:00"))],
                "end {end}"
            );
        }
    }

    #[test]
    fn spec_4_us_spring_forward_skipped_hour_does_not_count() {
        // 2024-03-10, America/New_York: 02:00 EST becomes 03:00 EDT.
        let hours = BusinessHours::new(&[rule(6, hm(1, 0), hm(4, 0))], MissingDay::Closed);
        let i = day_intervals(&hours, chrono_tz::America::New_York, "2024-03-10");
        assert_eq!(i, [(t("2024-03-10 06:00"), t("2024-03-10 08:00"))]);
        assert_eq!(total(&i), 2 * MICROS_PER_HOUR);
        // Opening inside the gap opens at 03:00 EDT.
        let hours = BusinessHours::new(&[rule(6, hm(2, 30), hm(5, 0))], MissingDay::Closed);
        let i = day_intervals(&hours, chrono_tz::America::New_York, "2024-03-10");
        assert_eq!(i, [(t("2024-03-10 07:00"), t("2024-03-10 09:00"))]);
    }

    #[test]
    fn spec_4_us_fall_back_repeated_hour_counts_twice() {
        // SPEC's example: open 00:00-01:30 the night US clocks go from 02:00 back to 01:00.
        let hours = BusinessHours::new(&[rule(6, 0, hm(1, 30))], MissingDay::Closed);
        let i = day_intervals(&hours, chrono_tz::America::Chicago, "2024-11-03");
        assert_eq!(
            i,
            [
                (t("2024-11-03 05:00"), t("2024-11-03 06:30")),
                (t("2024-11-03 07:00"), t("2024-11-03 07:30"))
            ]
        );
        assert_eq!(total(&i), 2 * MICROS_PER_HOUR);
    }

    #[test]
    fn spec_4_lord_howe_half_hour_shift() {
        // 2024-10-06 02:00 LHST (+10:30) becomes 02:30 LHDT (+11:00).
        let zone = chrono_tz::Australia::Lord_Howe;
        let hours = BusinessHours::new(&[rule(6, hm(1, 0), hm(4, 0))], MissingDay::Closed);
        let i = day_intervals(&hours, zone, "2024-10-06");
        assert_eq!(total(&i), 2 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE);
        // 2024-04-07 02:00 LHDT goes back to 01:30 LHST: 01:30-02:00 happens twice.
        let i = day_intervals(&hours, zone, "2024-04-07");
        assert_eq!(total(&i), 3 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE);
    }

    #[test]
    fn spec_4_chatham_and_kolkata_offsets() {
        // Chatham: +12:45 / +13:45; 2024-09-29 02:45 becomes 03:45.
        let zone = chrono_tz::Pacific::Chatham;
        let hours = BusinessHours::new(&[rule(6, hm(0, 0), hm(6, 0))], MissingDay::Closed);
        let i = day_intervals(&hours, zone, "2024-09-29");
        assert_eq!(total(&i), 5 * MICROS_PER_HOUR);
        assert_eq!(i[0].0, t("2024-09-28 11:15")); // 00:00 at +12:45
                                                   // Kolkata: +05:30 all year.
        let hours = BusinessHours::new(&[rule(0, hm(9, 0), hm(21, 0))], MissingDay::Closed);
        let i = day_intervals(&hours, chrono_tz::Asia::Kolkata, "2024-10-14");
        assert_eq!(i, [(t("2024-10-14 03:30"), t("2024-10-14 15:30"))]);
    }

    #[test]
    fn zone_clock_finds_transitions_to_the_second() {
        let clock = ZoneClock::new(
            chrono_tz::America::Chicago,
            t("2024-11-01 00:00"),
            t("2024-11-05 00:00"),
        );
        assert_eq!(clock.stretches.len(), 2);
        assert_eq!(clock.stretches[0].end, t("2024-11-03 07:00"));
        assert_eq!(clock.stretches[0].offset, -5 * MICROS_PER_HOUR);
        assert_eq!(clock.stretches[1].offset, -6 * MICROS_PER_HOUR);
    }

    #[test]
    fn merging_joins_touching_and_overlapping_intervals() {
        assert_eq!(
            merge_intervals(vec![(5, 7), (1, 3), (3, 4), (6, 9), (10, 11)]),
            [(1, 4), (5, 9), (10, 11)]
        );
    }
}
