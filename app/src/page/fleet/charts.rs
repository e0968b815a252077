//! The fleet's uptime histogram, hour-of-week heatmap and the table's day
//! bar: SVG written in `view!`, each with a text alternative (titles, labels, a table).
//! Draws what the worker sent; computes no number about the data.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::worker_link;
use crate::page::text::group_digits;
use crate::page::use_fleet;
use store_uptime::engine::fleet::{HOURS_OF_WEEK, UPTIME_BIN_EDGES};
use store_uptime::fleet_view::{
    bin_label, heat_level_label, hundredths_text, FleetView, HeatCell, HEAT_LEVELS, WEEKDAYS,
};
use store_uptime::messages::ToWorker;

/// Moves focus to the chart item `selector` finds in the same `<svg>` as the event's target:
/// a chart keeps one tab stop and arrow keys walk its items (roving tabindex).
fn focus_in_chart(e: &ev::KeyboardEvent, selector: &str) {
    let found = e
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("svg").ok().flatten())
        .and_then(|svg| svg.query_selector(selector).ok().flatten());
    if let Some(el) = found {
        // SVG elements have `focus()` too; the HtmlElement binding calls it by name.
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

/// The histogram axis's short words for a bin: `<50`, `50–80` … `≥99`.
fn bin_axis(bin: usize) -> String {
    match (
        bin.checked_sub(1).map(|b| UPTIME_BIN_EDGES[b]),
        UPTIME_BIN_EDGES.get(bin),
    ) {
        (None, Some(hi)) => format!("<{hi}"),
        (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
        (Some(lo), None) => format!("≥{lo}"),
        (None, None) => String::new(),
    }
}

/// The words naming the stores the charts show: `Region North: 12 stores`, or the whole
/// fleet's; shown above the charts only when a store names file gives regions.
#[component]
pub fn ChartScope(view: Arc<FleetView>) -> impl IntoView {
    let fleet = use_fleet();
    (!view.regions.is_empty()).then(|| {
        let words = move || match fleet.region_filter.get() {
            Some(g) => format!(
                "Region {}: {} in the histogram and the heatmap",
                view.regions.get(usize::from(g)).map_or("", String::as_str),
                stores_word(view.region_stores(g))
            ),
            None => format!(
                "All regions: {} in the histogram and the heatmap",
                stores_word(view.rows.len())
            ),
        };
        view! {
            <p class="chart-scope" data-testid="chart-scope" aria-live="polite">{words}</p>
        }
    })
}

fn stores_word(n: usize) -> String {
    format!(
        "{} store{}",
        group_digits(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

/// Stores by uptime % last week in uneven bins, the stores without data apart; a bar
/// filters the table. One tab stop: Left/Right move between bars, Enter/Space pick. With a
/// region picked, that region's stores only (each counted in the engine's bin for it).
#[component]
pub fn Histogram(view: Arc<FleetView>) -> impl IntoView {
    let fleet = use_fleet();
    let active = RwSignal::new(0usize);
    let counts = Memo::new(move |_| view.histogram_of(fleet.region_filter.get()));
    view! {
        <figure class="chart histogram" data-testid="histogram">
            <figcaption id="hist-caption">"Stores by uptime last week (business hours). Pick a bar to filter the table; arrow keys move between bars."</figcaption>
            {move || {
                let (counts, unbinned) = counts.get();
                histogram_svg(counts, unbinned, active)
            }}
        </figure>
    }
}

/// The histogram's drawing for `counts` per bin and `unbinned` stores without data.
fn histogram_svg(counts: Vec<u32>, unbinned: u32, active: RwSignal<usize>) -> impl IntoView {
    let fleet = use_fleet();
    let bins = counts.len();
    let max = counts
        .iter()
        .copied()
        .chain([unbinned])
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, top, bottom) = (360.0, 140.0, 16.0, 30.0);
    // Bins, a gap, then the no-data bar: it is not an uptime and never sits with the worst.
    let bar_w = w / (bins as f64 + 1.5);
    let bar_h = move |c: u32| f64::from(c) / f64::from(max) * (h - 4.0);
    let desc = counts
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}: {c}", bin_label(i)))
        .chain([format!("no data: {unbinned}")])
        .collect::<Vec<_>>()
        .join(", ");
    let nd_x = w - bar_w;
    let total: u32 = counts.iter().sum::<u32>() + unbinned;
    view! {
            <svg viewBox=format!("0 0 {w} {}", h + top + bottom) role="group" aria-labelledby="hist-title hist-desc" data-total=total.to_string()>
                <title id="hist-title">"Histogram of stores by uptime percent last week"</title>
                <desc id="hist-desc">{desc}</desc>
                <line class="axis-line" x1="0" x2=w y1=top + h y2=top + h></line>
                <g role="toolbar" aria-label="Uptime bins" aria-describedby="hist-caption">
                {counts.iter().enumerate().map(|(i, &c)| {
                    let bh = bar_h(c);
                    let x = i as f64 * bar_w;
                    let label = format!("{} uptime: {} stores", bin_label(i), group_digits(u64::from(c)));
                    let label2 = label.clone();
                    let pressed = move || fleet.bin_filter.get() == Some(i as u8);
                    let toggle = move || fleet.bin_filter.update(|b| *b = if *b == Some(i as u8) { None } else { Some(i as u8) });
                    let keydown = move |e: ev::KeyboardEvent| {
                        let to = match e.key().as_str() {
                            "Enter" | " " => { e.prevent_default(); toggle(); return; }
                            "ArrowLeft" | "ArrowUp" => i.saturating_sub(1),
                            "ArrowRight" | "ArrowDown" => (i + 1).min(bins - 1),
                            "Home" => 0,
                            "End" => bins - 1,
                            _ => return,
                        };
                        e.prevent_default();
                        active.set(to);
                        focus_in_chart(&e, &format!("[data-testid=\"hist-bin\"][data-bin=\"{to}\"]"));
                    };
                    view! {
                        <g class="bin" role="button" data-testid="hist-bin" data-bin=i.to_string() data-count=c.to_string()
                            tabindex=move || if active.get() == i { "0" } else { "-1" }
                            aria-label=label aria-pressed=move || pressed().to_string()
                            class:selected=pressed
                            on:click=move |_| { active.set(i); toggle() }
                            on:keydown=keydown>
                            <title>{label2}</title>
                            <rect class="bin-hit" x=x y="0" width=bar_w height=h + top + bottom></rect>
                            <rect class="bin-bar" x=x + 3.0 y=top + h - bh width=bar_w - 6.0 height=bh></rect>
                        </g>
                    }
                }).collect_view()}
                </g>
                // The bars' written counts and bins, outside the buttons: each button's name
                // already says them, and words inside it would have to match that name.
                <g class="bin-labels" aria-hidden="true" data-testid="hist-counts">
                {counts.iter().enumerate().map(|(i, &c)| {
                    let x = i as f64 * bar_w + bar_w / 2.0;
                    view! {
                        <text class="bin-count" x=x y=top + h - bar_h(c) - 3.0 text-anchor="middle">{group_digits(u64::from(c))}</text>
                        <text class="bin-axis" x=x y=top + h + 12.0 text-anchor="middle">{bin_axis(i)}</text>
                    }
                }).collect_view()}
                </g>
                <g class="bin nodata" data-testid="hist-nodata" data-count=unbinned.to_string()>
                    <title>{format!("No data last week (no observed business time): {} stores", group_digits(u64::from(unbinned)))}</title>
                    <rect class="bin-bar" x=nd_x + 3.0 y=top + h - bar_h(unbinned) width=bar_w - 6.0 height=bar_h(unbinned)></rect>
                    <text class="bin-count" x=nd_x + bar_w / 2.0 y=top + h - bar_h(unbinned) - 3.0 text-anchor="middle">{group_digits(u64::from(unbinned))}</text>
                    <text class="bin-axis" x=nd_x + bar_w / 2.0 y=top + h + 12.0 text-anchor="middle">"no data"</text>
                </g>
                <text class="bin-axis" x=(w - bar_w * 1.5) / 2.0 y=top + h + bottom - 3.0 text-anchor="middle">"uptime % last week · bar labels: stores"</text>
            </svg>
    }
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

/// Where arrow keys, Home and End take the focus from heatmap cell `i` (7 rows of 24):
/// Left/Right by an hour, Up/Down by a day, Home/End to the day's ends (with Ctrl, the
/// week's); `None` for other keys.
fn heat_move(i: usize, key: &str, ctrl: bool) -> Option<usize> {
    let (day, hour) = (i / 24, i % 24);
    Some(match key {
        "ArrowLeft" => day * 24 + hour.saturating_sub(1),
        "ArrowRight" => day * 24 + (hour + 1).min(23),
        "ArrowUp" => day.saturating_sub(1) * 24 + hour,
        "ArrowDown" => (day + 1).min(6) * 24 + hour,
        "Home" if ctrl => 0,
        "End" if ctrl => HOURS_OF_WEEK - 1,
        "Home" => day * 24,
        "End" => day * 24 + 23,
        _ => return None,
    })
}

/// Fleet downtime share by store-local hour of week on a fixed stepped scale (the same
/// colours mean the same shares in every report); a cell lists the stores down then.
/// One tab stop: arrow keys walk the cells, Enter/Space list the stores. With a region
/// picked, that region's stores only: their cells are asked of the worker (the engine sums
/// them from the stores' timelines) and kept for the view.
#[component]
pub fn Heatmap(view: Arc<FleetView>) -> impl IntoView {
    let fleet = use_fleet();
    let focus_text = RwSignal::new(String::new());
    let as_table = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let job = move || {
        fleet
            .view
            .with_untracked(|v| v.as_ref().map(|(j, _)| j.clone()))
    };
    let pick = move |cell: usize| {
        fleet.cell.set(Some(cell as u8));
        fleet.cell_stores.set(None);
        if let Some(job) = job() {
            worker_link::send(
                &ToWorker::CellStores {
                    job,
                    cell: cell as u8,
                    region: fleet.region_filter.get_untracked(),
                },
                &[],
            );
        }
    };
    // A region picked: ask for its heatmap (once per view), and for the open cell's stores
    // of that region.
    Effect::new(move |previous: Option<Option<u16>>| {
        let region = fleet.region_filter.get();
        let Some(job) = job() else {
            return region;
        };
        if let Some(g) = region {
            if !fleet.region_heats.with_untracked(|h| h.contains_key(&g)) {
                worker_link::send(
                    &ToWorker::RegionHeat {
                        job: job.clone(),
                        region: g,
                    },
                    &[],
                );
            }
        }
        if let (Some(before), Some(cell)) = (previous, fleet.cell.get_untracked()) {
            if before != region {
                fleet.cell_stores.set(None);
                worker_link::send(&ToWorker::CellStores { job, cell, region }, &[]);
            }
        }
        region
    });
    let fleet_cells = Arc::new(view.heat.clone());
    // The cells shown: the fleet's, or the picked region's once the worker sent them.
    let cells = Memo::new(move |_| match fleet.region_filter.get() {
        None => Some(fleet_cells.clone()),
        Some(g) => fleet
            .region_heats
            .with(|h| h.get(&g).map(|r| Arc::new(r.heat.clone()))),
    });
    let region_name = {
        let view = view.clone();
        move || {
            fleet
                .region_filter
                .get()
                .and_then(|g| view.regions.get(usize::from(g)).cloned())
        }
    };
    let region_name2 = region_name.clone();
    view! {
        <figure class="chart heatmap" data-testid="heatmap"
            data-region=move || region_name().unwrap_or_default()
            aria-busy=move || cells.with(Option::is_none).to_string()>
            <figcaption id="heat-caption">
                "Share of business time down, by hour of the week in each store's local time. Pick a cell to list the stores down then; arrow keys move by hour and day."
            </figcaption>
            <div class="heat-body">
            {move || match cells.get() {
                Some(cells) => heat_grid(cells, active, focus_text, pick).into_any(),
                None => view! {
                    <p class="hint heat-loading" data-testid="heat-loading">
                        {format!("Loading the heatmap of region {}…", region_name2().unwrap_or_default())}
                    </p>
                }.into_any(),
            }}
            <ul class="heat-legend" data-testid="heat-legend" aria-label="Colour steps: share of business time down">
                {(0..HEAT_LEVELS).rev().map(|level| view! {
                    <li data-level=level.to_string()>
                        <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class=format!("heat-cell lvl-{level}") width="10" height="10"></rect></svg>
                        {heat_level_label(level)}
                    </li>
                }).collect_view()}
                <li data-level="empty">
                    <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class="heat-cell empty" width="10" height="10"></rect></svg>
                    "no business time"
                </li>
            </ul>
            </div>
            <p class="heat-focus" aria-live="polite" data-testid="heat-focus">{move || focus_text.get()}</p>
            <button type="button" class="button small" aria-pressed=move || as_table.get().to_string()
                on:click=move |_| as_table.update(|t| *t = !*t)>
                {move || if as_table.get() { "Hide the table" } else { "Show as a table" }}
            </button>
            {move || as_table.get().then(|| cells.get()).flatten().map(|cells| {
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
            <CellList view=view />
        </figure>
    }
}

/// The heatmap's grid of `cells`: one tab stop (`active`), a cell's words in `focus_text`
/// when it has focus or the pointer, `pick` to list its stores.
fn heat_grid(
    cells: Arc<Vec<HeatCell>>,
    active: RwSignal<usize>,
    focus_text: RwSignal<String>,
    pick: impl Fn(usize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let fleet = use_fleet();
    let (cw, ch, left, top) = (14.0, 16.0, 30.0, 14.0);
    let hottest = cells
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (c.share.unwrap_or(0), std::cmp::Reverse(*i)))
        .map(|(i, c)| cell_text(i, c))
        .unwrap_or_default();
    view! {
            <svg viewBox=format!("0 0 {} {}", left + 24.0 * cw + 4.0, top + 7.0 * ch + 4.0) role="group" aria-labelledby="heat-title heat-desc">
                <title id="heat-title">"Heatmap of fleet downtime by hour of week"</title>
                <desc id="heat-desc">{format!("Hottest: {hottest}. Use the table toggle for every value.")}</desc>
                {(0..24).step_by(3).map(|hr| view! {
                    <text class="axis" x=left + hr as f64 * cw + cw / 2.0 y=top - 4.0 text-anchor="middle">{format!("{hr:02}")}</text>
                }).collect_view()}
                {(0..7).map(|d| view! {
                    <text class="axis" x=left - 4.0 y=top + d as f64 * ch + ch * 0.7 text-anchor="end">{WEEKDAYS[d]}</text>
                }).collect_view()}
                <g role="grid" aria-label="Hours of the week" aria-describedby="heat-caption">
                {(0..7).map(|d| view! {
                    <g role="row">
                    {cells[d * 24..d * 24 + 24].iter().enumerate().map(|(h, c)| {
                        let i = d * 24 + h;
                        let text = cell_text(i, c);
                        let (text2, text3, text4) = (text.clone(), text.clone(), text.clone());
                        let selected = move || fleet.cell.get() == Some(i as u8);
                        let keydown = move |e: ev::KeyboardEvent| {
                            if e.key() == "Enter" || e.key() == " " {
                                e.prevent_default();
                                pick(i);
                            } else if let Some(to) = heat_move(i, &e.key(), e.ctrl_key()) {
                                e.prevent_default();
                                active.set(to);
                                focus_in_chart(&e, &format!("[data-testid=\"heat-cell\"][data-cell=\"{to}\"]"));
                            }
                        };
                        view! {
                            <rect class=format!("heat-cell lvl-{}", c.level) class:empty=c.share.is_none() class:selected=selected
                                role="gridcell" aria-label=text aria-selected=move || selected().to_string()
                                tabindex=move || if active.get() == i { "0" } else { "-1" }
                                data-testid="heat-cell" data-cell=i.to_string() data-level=c.level.to_string()
                                data-share=c.share.map(|s| s.to_string()).unwrap_or_default()
                                data-down=c.down.to_string() data-observed=c.observed.to_string() data-stores=c.stores.to_string()
                                x=left + h as f64 * cw y=top + d as f64 * ch width=cw - 1.0 height=ch - 1.0
                                on:click=move |_| { active.set(i); pick(i) }
                                on:focus=move |_| focus_text.set(text3.clone())
                                on:mouseenter=move |_| focus_text.set(text4.clone())
                                on:keydown=keydown>
                                <title>{text2}</title>
                            </rect>
                        }
                    }).collect_view()}
                    </g>
                }).collect_view()}
                </g>
            </svg>
    }
}

#[component]
fn CellList(view: Arc<FleetView>) -> impl IntoView {
    let fleet = use_fleet();
    view! {
        {move || fleet.cell.get().map(|cell| {
            let cell = usize::from(cell);
            let of_region = view.clone();
            let region = move || {
                fleet
                    .region_filter
                    .get()
                    .and_then(|g| of_region.regions.get(usize::from(g)).cloned())
                    .map(|r| format!(" in region {r}"))
                    .unwrap_or_default()
            };
            let view = view.clone();
            view! {
                <div class="cell-list" data-testid="cell-stores">
                    <h3>{move || format!("Stores down {} (local time){}", cell_name(cell), region())}</h3>
                    {move || match fleet.cell_stores.get() {
                        None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                        Some(list) if list.stores.is_empty() => view! { <p class="hint">"No store was down then."</p> }.into_any(),
                        Some(list) => {
                            let more = list.total as usize > list.stores.len();
                            // Names beside the ids, from the view's rows (a names file's).
                            let names: std::collections::HashMap<&str, &str> = view
                                .rows
                                .iter()
                                .filter_map(|r| Some((r.id.as_str(), r.name.as_deref()?)))
                                .collect();
                            view! {
                                <p class="hint">{format!("{} stores, most minutes down first.", group_digits(u64::from(list.total)))}
                                    {more.then(|| format!(" The first {} are listed.", list.stores.len()))}</p>
                                <ul class="cell-stores">
                                    {list.stores.into_iter().map(|(id, minutes)| {
                                        let (id2, id3) = (id.clone(), id.clone());
                                        let name = names.get(id.as_str()).map(|n| n.to_string());
                                        view! {
                                            <li data-testid="cell-store-row" data-store=id3><button type="button" class="button link" data-testid="cell-store" on:click=move |_| fleet.open_store(id2.clone())>
                                                <code>{id}</code>{name.map(|n| view! { " " <span class="store-name" data-testid="store-name">{n}</span> })}</button>
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
