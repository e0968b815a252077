//! The machine-readable summary of a run: fleet totals, status-now counts, the
//! week by day, the fleet timeline, stores down now, outages, and against a target the
//! stores below it and the fleet's error budget. Every number is a sum over the report's
//! rows and [`Figures`], rounded only when written, as in the report (docs/summary-json.md).

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::ingest::Dataset;
use super::outages::{
    format_utc_seconds, tick_micros, Figures, StatusNow, PERIODS, SLOTS, SLOT_MICROS,
};
use super::report::{format_percent, Hundredths, Report, Window};
use super::time::{Micros, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE};
use super::timeline::{Tick, Totals, TICKS_PER_MICRO};

/// Stores below the target listed in the JSON (worst first); the count is always complete.
pub const BELOW_TARGET_LISTED: usize = 100;
/// Lines of each list in the text summary.
pub const TEXT_LIST: usize = 10;

/// A percentage in hundredths (`99.50` % is 9950), 0 to 10 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pct(pub u32);

impl Pct {
    /// `99`, `99.5`, `99.95`, `100`: at most two decimals, 0 to 100.
    pub fn parse(text: &str) -> Option<Pct> {
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || whole.len() > 3
            || frac.len() > 2
            || !whole
                .bytes()
                .chain(frac.bytes())
                .all(|b| b.is_ascii_digit())
            || (text.contains('.') && frac.is_empty())
        {
            return None;
        }
        let frac: u32 = format!("{frac:0<2}").parse().ok()?;
        let value = whole.parse::<u32>().ok()? * 100 + frac;
        (value <= 10_000).then_some(Pct(value))
    }

    /// Whether `up / observed` is below this percentage, exactly. No observed time at all
    /// counts as below (nothing shows the target was met).
    pub fn is_above(self, up: Tick, observed: Tick) -> bool {
        observed > 0 && i128::from(up) * 10_000 >= i128::from(self.0) * i128::from(observed)
    }
}

impl std::fmt::Display for Pct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Hundredths(i64::from(self.0)).fmt(f)
    }
}

/// `numerator / denominator` (ticks) in `unit`, two decimals, half up, any sign.
fn signed_hundredths(numerator: i128, denominator: i128, unit: Micros) -> String {
    let unit = i128::from(unit) * i128::from(TICKS_PER_MICRO) * denominator;
    Hundredths::saturating((numerator * 100 * 2 + unit).div_euclid(2 * unit)).to_string()
}

fn pct_value(part: Tick, whole: Tick) -> Value {
    let text = format_percent(part, whole);
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text)
    }
}

fn observed(t: &Totals) -> Tick {
    t.up + t.down
}

/// A store below the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BelowTarget {
    pub row: usize,
    pub up: Tick,
    pub observed: Tick,
}

/// The error budget of the week: allowed = (1 − target) × the fleet's up + down time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub target: Pct,
    /// The fleet's up + down time of the week.
    pub observed: Tick,
    /// The fleet's downtime of the week.
    pub used: Tick,
}

impl Budget {
    fn allowed_scaled(&self) -> i128 {
        // × 10 000: allowed time = (10 000 − target) × observed / 10 000.
        i128::from(10_000 - self.target.0) * i128::from(self.observed)
    }
    pub fn allowed_minutes(&self) -> String {
        signed_hundredths(self.allowed_scaled(), 10_000, MICROS_PER_MINUTE)
    }
    pub fn used_minutes(&self) -> String {
        Hundredths::of(self.used, MICROS_PER_MINUTE).to_string()
    }
    pub fn remaining_minutes(&self) -> String {
        let used = i128::from(self.used) * 10_000;
        signed_hundredths(self.allowed_scaled() - used, 10_000, MICROS_PER_MINUTE)
    }
    /// 100 × used / allowed, two decimals; `None` when nothing is allowed.
    pub fn used_pct(&self) -> Option<String> {
        let allowed = self.allowed_scaled();
        (allowed > 0).then(|| {
            let n = i128::from(self.used) * 10_000 * 10_000;
            Hundredths::saturating((n * 2 + allowed).div_euclid(2 * allowed)).to_string()
        })
    }
}

/// Everything the summary shows, computed from the report and its figures.
pub struct Summary<'a> {
    pub report: &'a Report,
    pub figures: &'a Figures,
    pub data: &'a Dataset,
    pub week: Totals,
    pub status_counts: [usize; 4],
    /// Rows down now, longest down first (earliest `since`), then by id.
    pub down_now: Vec<usize>,
    pub outage_count: usize,
    pub ongoing: usize,
    /// (row, outage index) of the longest outage (the first in report order on a tie).
    pub longest: Option<(usize, usize)>,
    pub target: Option<Pct>,
    /// Every store below the target, worst first (lowest uptime, then by id).
    pub below: Vec<BelowTarget>,
}

impl<'a> Summary<'a> {
    pub fn new(
        report: &'a Report,
        figures: &'a Figures,
        data: &'a Dataset,
        target: Option<Pct>,
    ) -> Summary<'a> {
        let week = report.fleet_totals(Window::Week);
        let mut status_counts = [0; 4];
        let mut down_now = Vec::new();
        let (mut outage_count, mut ongoing, mut longest) = (0, 0, None::<(usize, usize)>);
        let mut below = Vec::new();
        for (row, (r, f)) in report.stores.iter().zip(&figures.stores).enumerate() {
            status_counts[r.status_now.index()] += 1;
            if r.status_now == StatusNow::Down {
                down_now.push(row);
            }
            outage_count += f.outages.len();
            for (i, o) in f.outages.iter().enumerate() {
                ongoing += usize::from(o.ongoing);
                let best = longest.map(|(r, i)| figures.stores[r].outages[i].down);
                if best.is_none_or(|b| o.down > b) {
                    longest = Some((row, i));
                }
            }
            if let Some(target) = target {
                let w = r.window(Window::Week);
                if observed(&w) > 0 && !target.is_above(w.up, observed(&w)) {
                    below.push(BelowTarget {
                        row,
                        up: w.up,
                        observed: observed(&w),
                    });
                }
            }
        }
        let since = |row: usize| figures.stores[row].down_since().unwrap_or(Tick::MAX);
        down_now.sort_by_key(|&row| (since(row), row));
        // Worst first: a/b < c/d ⇔ a·d < c·b; report order (by id) on a tie.
        below.sort_by(|a, b| {
            (i128::from(a.up) * i128::from(b.observed))
                .cmp(&(i128::from(b.up) * i128::from(a.observed)))
                .then(a.row.cmp(&b.row))
        });
        Summary {
            report,
            figures,
            data,
            week,
            status_counts,
            down_now,
            outage_count,
            ongoing,
            longest,
            target,
            below,
        }
    }

    pub fn budget(&self) -> Option<Budget> {
        self.target.map(|target| Budget {
            target,
            observed: observed(&self.week),
            used: self.week.down,
        })
    }

    /// Whether the fleet's week uptime is below `pct` (`--fail-below`).
    pub fn fleet_below(&self, pct: Pct) -> bool {
        !pct.is_above(self.week.up, observed(&self.week))
    }

    fn id(&self, row: usize) -> &str {
        self.data.store_id(self.report.stores[row].store)
    }

    /// A store of the JSON's lists: `store_id`, and when a store names file was read its
    /// `name` and `region` (`null` when the file gives none), then `fields`.
    fn store_value(&self, row: usize, fields: Value) -> Value {
        let mut store = Map::new();
        store.insert("store_id".into(), self.id(row).into());
        if self.data.has_names() {
            let named = self.data.name(self.report.stores[row].store);
            let text = |s: Option<&str>| match s.filter(|s| !s.is_empty()) {
                Some(s) => Value::String(s.to_string()),
                None => Value::Null,
            };
            store.insert("name".into(), text(named.map(|n| &*n.name)));
            store.insert("region".into(), text(named.map(|n| &*n.region)));
        }
        if let Value::Object(fields) = fields {
            store.extend(fields);
        }
        Value::Object(store)
    }

    /// A store as the text summary names it: its id, then its name and region in
    /// parentheses when a names file gives them.
    fn shown(&self, row: usize) -> String {
        let id = self.id(row);
        let named = self.data.name(self.report.stores[row].store);
        let words: Vec<&str> = named
            .iter()
            .flat_map(|n| [&*n.name, &*n.region])
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            id.to_string()
        } else {
            format!("{id} ({})", words.join(", "))
        }
    }

    fn week_start(&self) -> Micros {
        self.report.now - 7 * MICROS_PER_DAY
    }

    fn down_now_value(&self, row: usize) -> Value {
        let r = &self.report.stores[row];
        let since = self.figures.stores[row].down_since();
        let ongoing = self.figures.stores[row]
            .outages
            .last()
            .filter(|o| o.ongoing);
        self.store_value(
            row,
            json!({
                "since_utc": since.map(|t| format_utc_seconds(tick_micros(t))),
                "down_minutes": ongoing.map(|o| Hundredths::of(o.down, MICROS_PER_MINUTE).to_string()),
                "last_poll_utc": r.last_poll.map(format_utc_seconds),
            }),
        )
    }

    /// The JSON document (docs/summary-json.md).
    pub fn to_json(&self) -> Value {
        let r = self.report;
        let mut windows = Map::new();
        for w in Window::ALL {
            let t = r.fleet_totals(w);
            let unit = if w == Window::Hour {
                "minutes"
            } else {
                "hours"
            };
            windows.insert(
                w.name().to_string(),
                json!({
                    "unit": unit,
                    "uptime": Hundredths::of(t.up, w.unit()).to_string(),
                    "downtime": Hundredths::of(t.down, w.unit()).to_string(),
                    "uptime_pct": pct_value(t.up, observed(&t)),
                }),
            );
        }
        let days: Vec<Value> = (0..PERIODS)
            .map(|k| {
                let t = &self.figures.fleet.periods[k];
                let from = self.week_start() + k as Micros * MICROS_PER_DAY;
                json!({
                    "period": k + 1,
                    "from_utc": format_utc_seconds(from),
                    "to_utc": format_utc_seconds(from + MICROS_PER_DAY),
                    "uptime_hours": Hundredths::of(t.up, MICROS_PER_HOUR).to_string(),
                    "downtime_hours": Hundredths::of(t.down, MICROS_PER_HOUR).to_string(),
                    "uptime_pct": pct_value(t.up, observed(t)),
                })
            })
            .collect();
        let timeline: Vec<Value> = (0..SLOTS)
            .map(|k| {
                let s = &self.figures.fleet.slots[k];
                json!({
                    "start_utc": format_utc_seconds(self.week_start() + k as Micros * SLOT_MICROS),
                    "open": s.open,
                    "down_share": pct_value(s.down, s.observed()),
                })
            })
            .collect();
        let longest = self.longest.map(|(row, i)| {
            let o = &self.figures.stores[row].outages[i];
            self.store_value(
                row,
                json!({
                    "start_utc": format_utc_seconds(tick_micros(o.start)),
                    "end_utc": format_utc_seconds(tick_micros(o.end)),
                    "down_minutes": Hundredths::of(o.down, MICROS_PER_MINUTE).to_string(),
                    "ongoing": o.ongoing,
                }),
            )
        });
        let target = self.target.map(|target| {
            let b = self.budget().expect("a target gives a budget");
            json!({
                "target_pct": target.to_string(),
                "stores_below_count": self.below.len(),
                "stores_below": self.below.iter().take(BELOW_TARGET_LISTED).map(|s| self.store_value(
                    s.row,
                    json!({"uptime_pct": pct_value(s.up, s.observed)}),
                )).collect::<Vec<_>>(),
                "error_budget": {
                    "allowed_minutes": b.allowed_minutes(),
                    "used_minutes": b.used_minutes(),
                    "remaining_minutes": b.remaining_minutes(),
                    "used_pct": b.used_pct(),
                },
            })
        });
        let [up, down, closed, no_data] = self.status_counts;
        json!({
            "now_utc": format_utc_seconds(r.now),
            "week_start_utc": format_utc_seconds(self.week_start()),
            "stores": r.stores.len(),
            "fleet": windows,
            "status_now": {"up": up, "down": down, "closed": closed, "no_data": no_data},
            "days": days,
            "timeline": timeline,
            "down_now": self.down_now.iter().map(|&row| self.down_now_value(row)).collect::<Vec<_>>(),
            "outages": {
                "count": self.outage_count,
                "ongoing": self.ongoing,
                "total_minutes": Hundredths::of(self.week.down, MICROS_PER_MINUTE).to_string(),
                "longest": longest,
            },
            "target": target,
        })
    }

    /// The JSON document, pretty-printed, with a final newline.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.to_json())?;
        out.write_all(b"\n")
    }

    /// A summary for a person to read.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        let r = self.report;
        writeln!(
            out,
            "Week {} to {} UTC, {} stores",
            format_utc_seconds(self.week_start()),
            format_utc_seconds(r.now),
            r.stores.len()
        )?;
        let pct = |up: Tick, obs: Tick| {
            let p = format_percent(up, obs);
            if p.is_empty() {
                "-".to_string()
            } else {
                format!("{p} %")
            }
        };
        writeln!(
            out,
            "Fleet uptime last week: {} ({} h up, {} h down)",
            pct(self.week.up, observed(&self.week)),
            Hundredths::of(self.week.up, MICROS_PER_HOUR),
            Hundredths::of(self.week.down, MICROS_PER_HOUR)
        )?;
        let [up, down, closed, no_data] = self.status_counts;
        writeln!(
            out,
            "Now: {up} up, {down} down, {closed} closed, {no_data} without data"
        )?;
        writeln!(out, "\nBy day (24-hour periods ending at now):")?;
        for k in 0..PERIODS {
            let t = &self.figures.fleet.periods[k];
            let from = self.week_start() + k as Micros * MICROS_PER_DAY;
            writeln!(
                out,
                "  {} to {}  {:>9}  ({} h up, {} h down)",
                format_utc_seconds(from),
                format_utc_seconds(from + MICROS_PER_DAY),
                pct(t.up, observed(t)),
                Hundredths::of(t.up, MICROS_PER_HOUR),
                Hundredths::of(t.down, MICROS_PER_HOUR)
            )?;
        }
        let worst = (0..SLOTS)
            .filter(|&k| self.figures.fleet.slots[k].observed() > 0)
            .max_by(|&a, &b| {
                let (x, y) = (&self.figures.fleet.slots[a], &self.figures.fleet.slots[b]);
                (i128::from(x.down) * i128::from(y.observed()))
                    .cmp(&(i128::from(y.down) * i128::from(x.observed())))
                    .then(b.cmp(&a))
            });
        if let Some(k) = worst {
            let s = &self.figures.fleet.slots[k];
            writeln!(
                out,
                "Worst 15 minutes: from {} UTC, {} down, {} stores open",
                format_utc_seconds(self.week_start() + k as Micros * SLOT_MICROS),
                pct(s.down, s.observed()),
                s.open
            )?;
        }
        writeln!(
            out,
            "\nOutages last week: {} ({} ongoing), {} min down in all",
            self.outage_count,
            self.ongoing,
            Hundredths::of(self.week.down, MICROS_PER_MINUTE)
        )?;
        if let Some((row, i)) = self.longest {
            let o = &self.figures.stores[row].outages[i];
            writeln!(
                out,
                "Longest: {} from {} to {} UTC, {} min down",
                self.shown(row),
                format_utc_seconds(tick_micros(o.start)),
                format_utc_seconds(tick_micros(o.end)),
                Hundredths::of(o.down, MICROS_PER_MINUTE)
            )?;
        }
        writeln!(out, "\nDown now: {}", self.down_now.len())?;
        for &row in self.down_now.iter().take(TEXT_LIST) {
            let since = self.figures.stores[row].down_since();
            let last = self.report.stores[row].last_poll;
            writeln!(
                out,
                "  {}  since {} UTC, last poll {}",
                self.shown(row),
                since.map_or("-".into(), |t| format_utc_seconds(tick_micros(t))),
                last.map_or("-".into(), format_utc_seconds)
            )?;
        }
        if self.down_now.len() > TEXT_LIST {
            writeln!(out, "  … and {} more", self.down_now.len() - TEXT_LIST)?;
        }
        if let (Some(target), Some(b)) = (self.target, self.budget()) {
            writeln!(
                out,
                "\nTarget {target} %: {} stores below",
                self.below.len()
            )?;
            for s in self.below.iter().take(TEXT_LIST) {
                writeln!(out, "  {}  {}", self.shown(s.row), pct(s.up, s.observed))?;
            }
            if self.below.len() > TEXT_LIST {
                writeln!(out, "  … and {} more", self.below.len() - TEXT_LIST)?;
            }
            writeln!(
                out,
                "Error budget: {} min allowed, {} min used ({}), {} min left",
                b.allowed_minutes(),
                b.used_minutes(),
                b.used_pct().map_or("-".into(), |p| format!("{p} %")),
                b.remaining_minutes()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_with_two_decimals_at_most() {
        assert_eq!(Pct::parse("99.5"), Some(Pct(9950)));
        assert_eq!(Pct::parse("99.95"), Some(Pct(9995)));
        assert_eq!(Pct::parse("100"), Some(Pct(10_000)));
        assert_eq!(Pct::parse("0"), Some(Pct(0)));
        for bad in ["", "100.01", "99.999", "-1", "9x", ".5", "5.", "1e2", "+5"] {
            assert_eq!(Pct::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn comparisons_are_exact() {
        // 995 of 1000 is exactly 99.50 %: not below 99.50, below 99.51.
        assert!(Pct(9950).is_above(995, 1000));
        assert!(!Pct(9951).is_above(995, 1000));
        assert!(!Pct(0).is_above(0, 0));
    }

    #[test]
    fn budget_figures_round_half_up_and_may_go_negative() {
        let minute: Tick = MICROS_PER_MINUTE * TICKS_PER_MICRO;
        // Target 99 % of 1000 min observed: 10 min allowed; 12.5 min used: -2.5 left, 125 %.
        let b = Budget {
            target: Pct(9900),
            observed: 1000 * minute,
            used: 25 * minute / 2,
        };
        assert_eq!(b.allowed_minutes(), "10.00");
        assert_eq!(b.used_minutes(), "12.50");
        assert_eq!(b.remaining_minutes(), "-2.50");
        assert_eq!(b.used_pct().as_deref(), Some("125.00"));
        let none = Budget {
            target: Pct(10_000),
            observed: minute,
            used: 0,
        };
        assert_eq!(none.used_pct(), None);
        assert_eq!(none.allowed_minutes(), "0.00");
    }
}
