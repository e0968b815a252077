//! The fleet's summary tiles, uptime histogram, hour-of-week heatmap and the table's day
//! bar: SVG written in `view!`, each with a text alternative (titles, labels, a table).
//! Draws what the worker sent; computes no number about the data.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;

use super::{fleet_state, open_store, worker_link};
use crate::app::text::group_digits;
use crate::fleet_view::{hundredths_text, DayCell, FleetView, HeatCell, WEEKDAYS};
use crate::messages::ToWorker;

#[component]
pub fn Tiles(view: Arc<FleetView>) -> impl IntoView {
    let pct = |p: &Option<String>| {
        p.clone()
            .map(|p| format!("{p} %"))
            .unwrap_or_else(|| "—".into())
    };
    let tiles = vec![
        (
            "stores",
            "Stores",
            group_digits(view.rows.len() as u64),
            String::new(),
        ),
        ("polls", "Polls", group_digits(view.polls), String::new()),
        (
            "now",
            "Report time (now)",
            view.now_utc.clone(),
            format!("{} in {}", view.now_local, view.common_zone),
        ),
        (
            "up-hour",
            "Fleet uptime, last hour",
            pct(&view.uptime_pct[0]),
            String::new(),
        ),
        (
            "up-day",
            "Fleet uptime, last day",
            pct(&view.uptime_pct[1]),
            String::new(),
        ),
        (
            "up-week",
            "Fleet uptime, last week",
            pct(&view.uptime_pct[2]),
            String::new(),
        ),
        (
            "down-day",
            "Stores with downtime in the last day",
            group_digits(view.down_last_day),
            String::new(),
        ),
        (
            "no-data",
            "Stores with no data",
            group_digits(view.no_data),
            String::new(),
        ),
    ];
    view! {
        <ul class="tiles" data-testid="fleet-tiles">
            {tiles.into_iter().map(|(id, label, value, sub)| view! {
                <li class="tile" data-testid=format!("tile-{id}")>
                    <span class="tile-label">{label}</span>
                    <span class="tile-value">{value}</span>
                    {(!sub.is_empty()).then(|| view! { <span class="tile-sub">{sub}</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// Stores by uptime % last week, 10 bins; a bin's button filters the table.
#[component]
pub fn Histogram(view: Arc<FleetView>) -> impl IntoView {
    let fleet = fleet_state();
    let counts = view.histogram.clone();
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let (w, h, pad) = (300.0, 150.0, 18.0);
    let bar_w = w / 10.0;
    let desc = counts
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}–{} %: {c}", i * 10, i * 10 + 10))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <figure class="chart histogram" data-testid="histogram">
            <figcaption>"Stores by uptime last week (business hours). Pick a bar to filter the table."</figcaption>
            <svg viewBox=format!("0 0 {w} {}", h + 2.0 * pad) role="group" aria-labelledby="hist-title hist-desc">
                <title id="hist-title">"Histogram of stores by uptime percent last week"</title>
                <desc id="hist-desc">{desc}</desc>
                {counts.iter().enumerate().map(|(i, &c)| {
                    let bh = f64::from(c) / f64::from(max) * (h - 4.0);
                    let x = i as f64 * bar_w;
                    let label = format!("{}–{} % uptime: {} stores", i * 10, i * 10 + 10, c);
                    let label2 = label.clone();
                    let pressed = move || fleet.bin_filter.get() == Some(i as u8);
                    let toggle = move || fleet.bin_filter.update(|b| *b = if *b == Some(i as u8) { None } else { Some(i as u8) });
                    view! {
                        <g class="bin" role="button" tabindex="0" data-testid="hist-bin" data-bin=i.to_string()
                            aria-label=label aria-pressed=move || pressed().to_string()
                            class:selected=pressed
                            on:click=move |_| toggle()
                            on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" || e.key() == " " { e.prevent_default(); toggle() }>
                            <title>{label2}</title>
                            <rect class="bin-hit" x=x y="0" width=bar_w height=h + pad></rect>
                            <rect class="bin-bar" x=x + 2.0 y=pad + h - bh width=bar_w - 4.0 height=bh></rect>
                            <text class="bin-count" x=x + bar_w / 2.0 y=pad + h - bh - 3.0 text-anchor="middle">{c.to_string()}</text>
                            <text class="bin-axis" x=x + bar_w / 2.0 y=h + 2.0 * pad - 3.0 text-anchor="middle">{format!("{}", i * 10)}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}

/// A sequential, colour-blind-safe scale (viridis stops), `t` in [0, 1].
pub fn viridis(t: f64) -> String {
    const STOPS: [(f64, f64, f64); 6] = [
        (253.0, 231.0, 37.0),
        (122.0, 209.0, 81.0),
        (34.0, 168.0, 132.0),
        (42.0, 120.0, 142.0),
        (65.0, 68.0, 135.0),
        (68.0, 1.0, 84.0),
    ];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

fn cell_name(cell: usize) -> String {
    format!(
        "{} {:02}:00–{:02}:00",
        WEEKDAYS[cell / 24],
        cell % 24,
        cell % 24 + 1
    )
}

fn cell_text(cell: usize, c: &HeatCell) -> String {
    match c.share {
        Some(share) => format!(
            "{} local: {} % of business time down ({} stores down)",
            cell_name(cell),
            hundredths_text(i64::from(share)),
            c.stores
        ),
        None => format!("{} local: no business time", cell_name(cell)),
    }
}

/// Fleet downtime share by store-local hour of week; a cell lists the stores down then.
#[component]
pub fn Heatmap(view: Arc<FleetView>) -> impl IntoView {
    let fleet = fleet_state();
    let max = view
        .heat
        .iter()
        .filter_map(|c| c.share)
        .max()
        .unwrap_or(0)
        .max(1);
    let (cw, ch, left, top) = (14.0, 16.0, 30.0, 14.0);
    let focus_text = RwSignal::new(String::new());
    let as_table = RwSignal::new(false);
    let cells = view.heat.clone();
    let cells2 = view.heat.clone();
    let pick = move |cell: usize| {
        fleet.cell.set(Some(cell as u8));
        fleet.cell_stores.set(None);
        if let Some((job, _)) = fleet.view.get_untracked() {
            worker_link::send(
                &ToWorker::CellStores {
                    job,
                    cell: cell as u8,
                },
                &[],
            );
        }
    };
    let hottest = cells
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (c.share.unwrap_or(0), std::cmp::Reverse(*i)))
        .map(|(i, c)| cell_text(i, c))
        .unwrap_or_default();
    view! {
        <figure class="chart heatmap" data-testid="heatmap">
            <figcaption>
                "Share of business time down, by hour of the week in each store's local time. Pick a cell to list the stores down then."
            </figcaption>
            <svg viewBox=format!("0 0 {} {}", left + 24.0 * cw + 4.0, top + 7.0 * ch + 4.0) role="group" aria-labelledby="heat-title heat-desc">
                <title id="heat-title">"Heatmap of fleet downtime by hour of week"</title>
                <desc id="heat-desc">{format!("Hottest: {hottest}. Use the table toggle for every value.")}</desc>
                {(0..24).step_by(3).map(|hr| view! {
                    <text class="axis" x=left + hr as f64 * cw + cw / 2.0 y=top - 4.0 text-anchor="middle">{format!("{hr:02}")}</text>
                }).collect_view()}
                {(0..7).map(|d| view! {
                    <text class="axis" x=left - 4.0 y=top + d as f64 * ch + ch * 0.7 text-anchor="end">{WEEKDAYS[d]}</text>
                }).collect_view()}
                {cells.iter().enumerate().map(|(i, c)| {
                    let text = cell_text(i, c);
                    let text2 = text.clone();
                    let text3 = text.clone();
                    let text4 = text.clone();
                    let fill = match c.share {
                        Some(s) => viridis(f64::from(s) / f64::from(max)),
                        None => "none".to_string(),
                    };
                    let selected = move || fleet.cell.get() == Some(i as u8);
                    view! {
                        <rect class="heat-cell" class:empty=c.share.is_none() class:selected=selected
                            role="button" tabindex="0" aria-label=text
                            data-testid="heat-cell" data-cell=i.to_string()
                            data-share=c.share.map(|s| s.to_string()).unwrap_or_default()
                            x=left + (i % 24) as f64 * cw y=top + (i / 24) as f64 * ch width=cw - 1.0 height=ch - 1.0 fill=fill
                            on:click=move |_| pick(i)
                            on:focus=move |_| focus_text.set(text3.clone())
                            on:mouseenter=move |_| focus_text.set(text4.clone())
                            on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Enter" || e.key() == " " { e.prevent_default(); pick(i) }>
                            <title>{text2}</title>
                        </rect>
                    }
                }).collect_view()}
            </svg>
            <div class="legend" aria-hidden="true">
                <span>"0 %"</span>
                {(0..=10).map(|k| view! { <span class="swatch" style:background-color=viridis(k as f64 / 10.0)></span> }).collect_view()}
                <span>{format!("{} % down", hundredths_text(i64::from(max)))}</span>
            </div>
            <p class="heat-focus" aria-live="polite" data-testid="heat-focus">{move || focus_text.get()}</p>
            <button type="button" class="button small" aria-pressed=move || as_table.get().to_string()
                on:click=move |_| as_table.update(|t| *t = !*t)>
                {move || if as_table.get() { "Hide the table" } else { "Show as a table" }}
            </button>
            {move || as_table.get().then(|| {
                let cells = cells2.clone();
                view! {
                    <div class="heat-table-wrap">
                        <table class="heat-table" data-testid="heat-table">
                            <caption>"Percent of business time down, by local weekday and hour"</caption>
                            <thead><tr><th scope="col">"Day"</th>{(0..24).map(|h| view! { <th scope="col">{format!("{h:02}")}</th> }).collect_view()}</tr></thead>
                            <tbody>
                                {(0..7).map(|d| view! {
                                    <tr><th scope="row">{WEEKDAYS[d]}</th>
                                    {(0..24).map(|h| view! {
                                        <td>{cells[d * 24 + h].share.map(|s| hundredths_text(i64::from(s))).unwrap_or_else(|| "—".into())}</td>
                                    }).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            })}
            <CellList />
        </figure>
    }
}

#[component]
fn CellList() -> impl IntoView {
    let fleet = fleet_state();
    view! {
        {move || fleet.cell.get().map(|cell| {
            let cell = usize::from(cell);
            view! {
                <div class="cell-list" data-testid="cell-stores">
                    <h3>{format!("Stores down {} (local time)", cell_name(cell))}</h3>
                    {move || match fleet.cell_stores.get() {
                        None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                        Some(list) if list.stores.is_empty() => view! { <p class="hint">"No store was down then."</p> }.into_any(),
                        Some(list) => {
                            let more = list.total as usize > list.stores.len();
                            view! {
                                <p class="hint">{format!("{} stores, most minutes down first.", group_digits(u64::from(list.total)))}
                                    {more.then(|| format!(" The first {} are listed.", list.stores.len()))}</p>
                                <ul class="cell-stores">
                                    {list.stores.into_iter().map(|(id, minutes)| {
                                        let id2 = id.clone();
                                        view! {
                                            <li><button type="button" class="button link" data-testid="cell-store" on:click=move |_| open_store(id2.clone())>
                                                <code>{id}</code></button>
                                                {format!(" {minutes} min down")}</li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </div>
            }
        })}
    }
}

/// Class of a day cell: by downtime share, with no business time and no data apart.
pub fn day_class(d: &DayCell) -> &'static str {
    let observed = d.up + d.down;
    if observed == 0 && d.no_data > 0 {
        "day nodata"
    } else if observed == 0 {
        "day closed"
    } else if d.down == 0 {
        "day ok"
    } else if d.down * 20 < observed {
        "day minor"
    } else if d.down * 4 < observed {
        "day major"
    } else {
        "day bad"
    }
}

pub fn day_text(d: &DayCell) -> String {
    let h = |m: u32| format!("{}.{:02}", m / 60, (m % 60) * 100 / 60);
    format!(
        "{}: {} h up, {} h down{}",
        crate::fleet_view::day_label(d.day),
        h(d.up),
        h(d.down),
        if d.no_data > 0 { ", no data" } else { "" }
    )
}

/// A store's week as one cell per local day, widths by the part of the day in the week.
#[component]
pub fn DayBar(days: Vec<DayCell>) -> impl IntoView {
    let total: u32 = days.iter().map(|d| d.span).sum::<u32>().max(1);
    let mut x = 0.0;
    let label = days.iter().map(day_text).collect::<Vec<_>>().join("; ");
    let cells = days
        .iter()
        .map(|d| {
            let w = f64::from(d.span) / f64::from(total) * 100.0;
            let at = x;
            x += w;
            (at, w, day_class(d), day_text(d))
        })
        .collect::<Vec<_>>();
    view! {
        <svg class="daybar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=label>
            {cells.into_iter().map(|(at, w, class, text)| {
                // Days with much downtime are hatched too, not only red.
                let hatched = class == "day major" || class == "day bad";
                let w = (w - 0.8).max(0.2);
                view! {
                    <rect class=class x=at + 0.4 y="0" width=w height="10"><title>{text}</title></rect>
                    {hatched.then(|| view! { <rect class="seg-hatch" x=at + 0.4 y="0" width=w height="10" fill="url(#hatch-down)"></rect> })}
                }
            }).collect_view()}
        </svg>
    }
}
