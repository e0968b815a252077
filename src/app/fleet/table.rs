//! The store table: every store with the report's columns, uptime % last week and a day
//! bar; sortable, filterable, and virtualised (fixed row height, only the visible rows and
//! a few more are in the DOM) so 14 000 rows scroll smoothly.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::charts::DayBar;
use super::{fleet_state, open_store, Column};
use crate::app::text::group_digits;
use crate::fleet_view::{hundredths_text, FleetRow, FleetView, NO_DATA};

/// Row height in CSS pixels (style/main.css `.store-table tbody tr` says the same).
const ROW_H: f64 = 34.0;
const VIEWPORT_H: f64 = 520.0;
const OVERSCAN: usize = 10;

fn compare(a: &FleetRow, b: &FleetRow, col: Column, zones: &[String]) -> std::cmp::Ordering {
    match col {
        Column::Id => a.id.cmp(&b.id),
        Column::Zone => zones[usize::from(a.zone)].cmp(&zones[usize::from(b.zone)]),
        // Stores without business time sort after every number, either way.
        Column::Pct => match (a.pct, b.pct) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        },
        Column::Up(w) => a.up[w].cmp(&b.up[w]),
        Column::Down(w) => a.down[w].cmp(&b.down[w]),
    }
}

const COLUMNS: [(Column, &str, &str, &str); 9] = [
    (Column::Id, "id", "Store", ""),
    (Column::Zone, "zone", "Zone", ""),
    (Column::Pct, "pct", "Uptime last week", "%"),
    (Column::Up(0), "up_hour", "Up, last hour", "min"),
    (Column::Up(1), "up_day", "Up, last day", "h"),
    (Column::Up(2), "up_week", "Up, last week", "h"),
    (Column::Down(0), "down_hour", "Down, last hour", "min"),
    (Column::Down(1), "down_day", "Down, last day", "h"),
    (Column::Down(2), "down_week", "Down, last week", "h"),
];

#[component]
pub fn StoreTable(view: Arc<FleetView>) -> impl IntoView {
    let fleet = fleet_state();
    let rows = view.clone();
    // Indices of the shown rows, sorted: recomputed only when a control changes.
    let order = Memo::new(move |_| {
        let (col, desc) = fleet.sort.get();
        let text = fleet.filter_text.get().trim().to_lowercase();
        let zone = fleet.zone_filter.get();
        let down_only = fleet.down_only.get();
        let bin = fleet.bin_filter.get();
        let mut idx: Vec<u32> = rows
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                (text.is_empty() || r.id.to_lowercase().contains(&text))
                    && zone.is_none_or(|z| r.zone == z)
                    && (!down_only || r.down[2] > 0)
                    && bin.is_none_or(|b| r.bin == Some(b))
            })
            .map(|(i, _)| i as u32)
            .collect();
        idx.sort_by(|&a, &b| {
            let (ra, rb) = (&rows.rows[a as usize], &rows.rows[b as usize]);
            let o = compare(ra, rb, col, &rows.zones);
            let o = if desc && !(col == Column::Pct && (ra.pct.is_none() || rb.pct.is_none())) {
                o.reverse()
            } else {
                o
            };
            // Ties by id, so the order is stable and predictable.
            o.then_with(|| ra.id.cmp(&rb.id))
        });
        idx
    });
    let scroll_top = RwSignal::new(0.0f64);
    let window = Memo::new(move |_| {
        let n = order.with(Vec::len);
        let first = ((scroll_top.get() / ROW_H) as usize)
            .saturating_sub(OVERSCAN)
            .min(n);
        let last = (first + (VIEWPORT_H / ROW_H) as usize + 2 * OVERSCAN + 1).min(n);
        (first, last)
    });
    let visible = move || {
        let (first, last) = window.get();
        order.with(|o| {
            o[first..last]
                .iter()
                .enumerate()
                .map(|(k, &r)| (first + k, r))
                .collect::<Vec<_>>()
        })
    };
    let count = move || order.with(Vec::len);
    let zones = view.zones.clone();
    let rows_for = view.clone();
    let scroller = NodeRef::<leptos::html::Div>::new();
    // Back to the top when the rows change, so the worst ones show first.
    Effect::new(move |_| {
        order.track();
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    });

    view! {
        <section class="store-table-box" aria-labelledby="stores-title">
            <h3 id="stores-title">"Stores"</h3>
            <div class="table-controls">
                <label>"Store id contains "
                    <input type="search" data-testid="table-filter" prop:value=move || fleet.filter_text.get()
                        on:input=move |e: ev::Event| fleet.filter_text.set(event_target_value(&e)) />
                </label>
                <label>"Zone "
                    <select data-testid="zone-filter" on:change=move |e: ev::Event| {
                        let v = event_target_value(&e);
                        fleet.zone_filter.set(v.parse().ok());
                    }>
                        <option value="" selected=move || fleet.zone_filter.get().is_none()>"all zones"</option>
                        {zones.iter().enumerate().map(|(i, z)| view! {
                            <option value=i.to_string() selected=move || fleet.zone_filter.get() == Some(i as u16)>{z.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="checkbox">
                    <input type="checkbox" data-testid="down-only" prop:checked=move || fleet.down_only.get()
                        on:change=move |e: ev::Event| fleet.down_only.set(event_target_checked(&e)) />
                    " has downtime (last week)"
                </label>
                {move || fleet.bin_filter.get().map(|b| view! {
                    <button type="button" class="button small" data-testid="clear-bin" on:click=move |_| fleet.bin_filter.set(None)>
                        {format!("uptime {}–{} % ✕", u32::from(b) * 10, u32::from(b) * 10 + 10)}
                    </button>
                })}
                <span class="hint" data-testid="table-count" aria-live="polite">
                    {move || format!("{} of {} stores", group_digits(count() as u64), group_digits(rows_for.rows.len() as u64))}
                </span>
            </div>
            <div class="table-scroll" node_ref=scroller tabindex="-1"
                style:height=format!("{VIEWPORT_H}px")
                on:scroll=move |e: ev::Event| {
                    if let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                        scroll_top.set(f64::from(el.scroll_top()));
                    }
                }>
                <table class="store-table" data-testid="store-table" aria-rowcount=move || (count() + 1).to_string()>
                    <caption class="visually-hidden">"Stores, sortable; Enter on a row opens its detail"</caption>
                    <thead>
                        <tr aria-rowindex="1">
                            {COLUMNS.iter().map(|&(col, key, name, unit)| {
                                let sorted = move || fleet.sort.with(|(c, d)| (*c == col).then_some(*d));
                                view! {
                                    <th scope="col" class:num=!matches!(col, Column::Id | Column::Zone)
                                        aria-sort=move || match sorted() { Some(true) => "descending", Some(false) => "ascending", None => "none" }>
                                        <button type="button" class="sort" data-sort=key on:click=move |_| {
                                            fleet.sort.update(|(c, d)| if *c == col { *d = !*d } else { *c = col; *d = !matches!(col, Column::Pct | Column::Id | Column::Zone) });
                                        }>
                                            {name}{(!unit.is_empty()).then(|| format!(" ({unit})"))}
                                            <span aria-hidden="true">{move || match sorted() { Some(true) => " ▼", Some(false) => " ▲", None => "" }}</span>
                                        </button>
                                    </th>
                                }
                            }).collect_view()}
                            <th scope="col">"Days (local)"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true"><td colspan="10" style:height=move || format!("{}px", window.get().0 as f64 * ROW_H)></td></tr>
                        <For each=visible key=|pair| *pair let:pair>
                            <Row pos=pair.0 row=view.rows[pair.1 as usize].clone() zone=view.zones[usize::from(view.rows[pair.1 as usize].zone)].clone() />
                        </For>
                        <tr class="spacer" aria-hidden="true"><td colspan="10" style:height=move || {
                            let (_, last) = window.get();
                            format!("{}px", (count() - last) as f64 * ROW_H)
                        }></td></tr>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Moves focus to the row above or below (the table scrolls it into view).
fn focus_sibling(e: &ev::KeyboardEvent, down: bool) {
    let Some(tr) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let next = if down {
        tr.next_element_sibling()
    } else {
        tr.previous_element_sibling()
    };
    if let Some(el) = next
        .filter(|n| n.has_attribute("data-row"))
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
    {
        e.prevent_default();
        let _ = el.focus();
    }
}

#[component]
fn Row(pos: usize, row: FleetRow, zone: String) -> impl IntoView {
    let fleet = fleet_state();
    let id = row.id.clone();
    let id_attr = row.id.clone();
    let id_open = row.id.clone();
    let id_sel = row.id.clone();
    let open = move || open_store(id_open.clone());
    let open2 = open.clone();
    let pct = row.pct.map(hundredths_text).unwrap_or_else(|| "—".into());
    let no_data = row.has(NO_DATA);
    let cells: Vec<(&str, String)> = vec![
        ("up_hour", hundredths_text(row.up[0])),
        ("up_day", hundredths_text(row.up[1])),
        ("up_week", hundredths_text(row.up[2])),
        ("down_hour", hundredths_text(row.down[0])),
        ("down_day", hundredths_text(row.down[1])),
        ("down_week", hundredths_text(row.down[2])),
    ];
    view! {
        <tr tabindex="0" data-row=pos.to_string() data-store=id_attr aria-rowindex=(pos + 2).to_string()
            class:selected=move || fleet.store.with(|s| s.as_deref() == Some(id_sel.as_str()))
            on:click=move |_| open()
            on:keydown=move |e: ev::KeyboardEvent| match e.key().as_str() {
                "Enter" | " " => { e.prevent_default(); open2() }
                "ArrowDown" => focus_sibling(&e, true),
                "ArrowUp" => focus_sibling(&e, false),
                _ => {}
            }>
            <th scope="row" data-col="id">{no_data.then(|| view! { <span class="tag">"no data "</span> })}<code>{id}</code></th>
            <td data-col="zone">{zone}</td>
            <td class="num" data-col="pct">{pct}</td>
            {cells.into_iter().map(|(k, v)| view! { <td class="num" data-col=k>{v}</td> }).collect_view()}
            <td class="days"><DayBar days=row.days /></td>
        </tr>
    }
}
