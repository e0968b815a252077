//! The store table: every store with uptime % last week, down time last week, status now
//! and zone; more columns (up and down per window, a day bar) behind "Columns". Sortable,
//! filterable, and virtualised (fixed row height, only the visible rows and a few more are in
//! the DOM) so 14 000 rows scroll smoothly. Durations read h:mm; each cell keeps the CSV's
//! decimal hours (or minutes) in `data-value`.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::Column;
use crate::page::text::group_digits;
use crate::page::use_fleet;
use store_uptime::engine::outages::StatusNow;
use store_uptime::fleet_view::{
    hours_minutes, hundredths_text, DayCell, FleetRow, FleetView, NO_DATA,
};

/// Row height in CSS pixels (style/main.css `.store-table tbody tr` says the same).
const ROW_H: f64 = 34.0;
const VIEWPORT_H: f64 = 520.0;
const OVERSCAN: usize = 10;
/// Ids longer than this show their start and an ellipsis; the whole id is in the title,
/// the detail and the filter.
const ID_SHOWN: usize = 12;

/// The table's order of two rows by `sort` (column, descending), and by `then` among rows
/// the first leaves equal: sorted by region, each region's rows keep the order sorted
/// before. Under a numeric column the stores without observed business time last week (the
/// engine gives them no histogram bin: never reported in their hours, or no hours) are a
/// group of their own after every store with a number, in both directions: their zeros are
/// no measurement, so never "the worst"; under Region the stores without a region come
/// after every region, in both directions. Ties by id, so the order is stable and
/// predictable.
fn compare(
    a: &FleetRow,
    b: &FleetRow,
    sort: (Column, bool),
    then: (Column, bool),
    zones: &[String],
) -> std::cmp::Ordering {
    let secondary = || match sort.0 {
        Column::Region if then.0 != Column::Region => compare_by(a, b, then, zones),
        _ => std::cmp::Ordering::Equal,
    };
    compare_by(a, b, sort, zones)
        .then_with(secondary)
        .then_with(|| a.id.cmp(&b.id))
}

/// [`compare`] by one column, without the tie by id.
fn compare_by(
    a: &FleetRow,
    b: &FleetRow,
    (col, desc): (Column, bool),
    zones: &[String],
) -> std::cmp::Ordering {
    let by_value = match col {
        Column::Id => a.id.cmp(&b.id),
        Column::Zone => zones[usize::from(a.zone)].cmp(&zones[usize::from(b.zone)]),
        Column::Pct => a.observed_pct().cmp(&b.observed_pct()),
        Column::Up(w) => a.up[w].cmp(&b.up[w]),
        Column::Down(w) => a.down[w].cmp(&b.down[w]),
        Column::Status => a.status_now.cmp(&b.status_now),
        // The regions are sorted by name: their indices are in name order.
        Column::Region => a.region.cmp(&b.region),
    };
    let by_value = if desc { by_value.reverse() } else { by_value };
    let numeric = matches!(col, Column::Pct | Column::Up(_) | Column::Down(_));
    let apart = |r: &FleetRow| match col {
        Column::Region => r.region.is_none(),
        _ => numeric && r.bin.is_none(),
    };
    apart(a).cmp(&apart(b)).then(by_value)
}

/// (sort column, key, header, shown by default). The key names the cells (`data-col`) and
/// the `show-<key>` class of the table that shows them (style/main.css).
/// The region column is there only when a store names file gives regions.
const COLUMNS: [(Option<Column>, &str, &str, bool); 12] = [
    (Some(Column::Id), "id", "Store", true),
    (Some(Column::Pct), "pct", "Uptime last week", true),
    (Some(Column::Down(2)), "down_week", "Down last week", true),
    (Some(Column::Status), "status", "Now", true),
    (Some(Column::Zone), "zone", "Zone", true),
    (Some(Column::Region), "region", "Region", true),
    (Some(Column::Up(2)), "up_week", "Up last week", false),
    (Some(Column::Up(1)), "up_day", "Up last day", false),
    (Some(Column::Down(1)), "down_day", "Down last day", false),
    (Some(Column::Up(0)), "up_hour", "Up last hour", false),
    (Some(Column::Down(0)), "down_hour", "Down last hour", false),
    (None, "days", "Days (local)", false),
];

/// A store's id as the table shows it: short ids whole, long ones cut with an ellipsis.
pub fn short_id(id: &str) -> String {
    match id.char_indices().nth(ID_SHOWN) {
        Some((at, _)) if id.len() > at + 1 => format!("{}…", &id[..at]),
        _ => id.to_string(),
    }
}

/// Words for a store's uptime %: the number, or why there is none.
pub fn pct_text(row: &FleetRow) -> String {
    match row.observed_pct() {
        Some(p) => format!("{} %", hundredths_text(p)),
        None if row.has(NO_DATA) || row.pct.is_some() => "no data".into(),
        None => "closed".into(),
    }
}

/// A window's up or down time (`window` in [`store_uptime::engine::Window::ALL`] order: hour in
/// minutes, day and week in hours) as `h:mm`, or "closed" when the store had no business
/// time in it: closed now and nothing in the last hour, or no business time all week.
pub fn window_text(row: &FleetRow, window: usize, up: bool) -> String {
    let value = if up { row.up[window] } else { row.down[window] };
    let nothing = row.up[window] == 0 && row.down[window] == 0;
    let closed_now = StatusNow::ALL[usize::from(row.status_now).min(3)] == StatusNow::Closed;
    if nothing && !row.has(NO_DATA) && (row.pct.is_none() || (window == 0 && closed_now)) {
        "closed".into()
    } else if window == 0 {
        hours_minutes(value)
    } else {
        hours_text(value)
    }
}

/// Hundredths of hours as `h:mm`.
pub fn hours_text(hundredths_of_hour: i64) -> String {
    hours_minutes(hundredths_of_hour * 60)
}

/// The "Columns" disclosure: one checkbox per column that can be shown or hidden.
#[component]
fn ColumnPicker(shown: RwSignal<Vec<&'static str>>, has_regions: bool) -> impl IntoView {
    view! {
        <details class="columns-picker" data-testid="columns">
            <summary>"Columns"</summary>
            <fieldset>
                <legend class="visually-hidden">"Columns shown in the table"</legend>
                {COLUMNS.iter().filter(|c| c.1 != "id" && (has_regions || c.1 != "region")).map(|&(_, key, name, _)| view! {
                    <label class="checkbox">
                        <input type="checkbox" data-testid=format!("column-{key}")
                            prop:checked=move || shown.with(|s| s.contains(&key))
                            on:change=move |e: ev::Event| {
                                let on = event_target_checked(&e);
                                shown.update(|s| {
                                    s.retain(|k| *k != key);
                                    if on { s.push(key) }
                                });
                            } />
                        " " {name}
                    </label>
                }).collect_view()}
            </fieldset>
        </details>
    }
}

#[component]
pub fn StoreTable(view: Arc<FleetView>) -> impl IntoView {
    let fleet = use_fleet();
    let rows = view.clone();
    // Indices of the shown rows, sorted: recomputed only when a control changes.
    let order = Memo::new(move |_| {
        let sort = fleet.sort.get();
        let then = fleet.then_sort.get();
        let text = fleet.filter_text.get().trim().to_lowercase();
        let zone = fleet.zone_filter.get();
        let region = fleet.region_filter.get();
        let down_only = fleet.down_only.get();
        let bin = fleet.bin_filter.get();
        let mut idx: Vec<u32> = rows
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                (text.is_empty()
                    || r.id.to_lowercase().contains(&text)
                    || r.name
                        .as_ref()
                        .is_some_and(|n| n.to_lowercase().contains(&text)))
                    && zone.is_none_or(|z| r.zone == z)
                    && region.is_none_or(|g| r.region == Some(g))
                    && (!down_only || r.down[2] > 0)
                    && bin.is_none_or(|b| r.bin == Some(b))
            })
            .map(|(i, _)| i as u32)
            .collect();
        idx.sort_by(|&a, &b| {
            let (ra, rb) = (&rows.rows[a as usize], &rows.rows[b as usize]);
            compare(ra, rb, sort, then, &rows.zones)
        });
        idx
    });
    // The detail's next and previous store follow the table's order.
    Effect::new(move |_| fleet.order.set(order.get()));
    let has_regions = !view.regions.is_empty();
    let shown = RwSignal::new(
        COLUMNS
            .iter()
            .filter(|c| c.3 && (has_regions || c.1 != "region"))
            .map(|c| c.1)
            .collect::<Vec<_>>(),
    );
    let table_class = move || {
        shown.with(|s| {
            s.iter()
                .fold("store-table".to_string(), |c, k| c + " show-" + k)
        })
    };
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
    let regions = view.regions.clone();
    let rows_for = view.clone();
    let rows_back = view.clone();
    let scroller = NodeRef::<leptos::html::Div>::new();
    // Back to the top when the rows change, so the worst ones show first.
    Effect::new(move |_| {
        order.track();
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    });
    // A closed detail gives focus back to its store's row: scrolled to (the table was hidden
    // and may show other rows), then focused once drawn.
    Effect::new(move |previous: Option<Option<String>>| {
        let now = fleet.store.get();
        // A store opened from elsewhere gets focus back there (see `StoreDetailPanel`).
        let from_elsewhere = fleet.opener.with_value(Option::is_some);
        if let (Some(Some(id)), None, false) = (previous, now.as_ref(), from_elsewhere) {
            let pos = order
                .with_untracked(|o| o.iter().position(|&r| rows_back.rows[r as usize].id == id));
            let top = pos.map_or(scroll_top.get_untracked(), |p| {
                (p as f64 * ROW_H - VIEWPORT_H / 2.0).max(0.0)
            });
            set_timeout(
                move || {
                    if let Some(el) = scroller.get_untracked() {
                        el.set_scroll_top(top as i32);
                    }
                    scroll_top.set(top);
                    set_timeout(
                        move || {
                            if let Some(el) = scroller.get_untracked() {
                                focus_row(&el, &id);
                            }
                        },
                        std::time::Duration::from_millis(30),
                    );
                },
                std::time::Duration::ZERO,
            );
        }
        now
    });

    view! {
        <section class="store-table-box" aria-labelledby="stores-title">
            <h3 id="stores-title">"Stores"</h3>
            <div class="table-controls">
                <label>{if regions.is_empty() { "Store id contains " } else { "Store id or name contains " }}
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
                {(!regions.is_empty()).then(|| view! {
                    <label>"Region "
                        <select data-testid="region-filter" on:change=move |e: ev::Event| {
                            let v = event_target_value(&e);
                            fleet.region_filter.set(v.parse().ok());
                        }>
                            <option value="" selected=move || fleet.region_filter.get().is_none()>"All"</option>
                            {regions.iter().enumerate().map(|(i, g)| view! {
                                <option value=i.to_string() selected=move || fleet.region_filter.get() == Some(i as u16)>{g.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
                <label class="checkbox">
                    <input type="checkbox" data-testid="down-only" prop:checked=move || fleet.down_only.get()
                        on:change=move |e: ev::Event| fleet.down_only.set(event_target_checked(&e)) />
                    " has downtime (last week)"
                </label>
                {move || fleet.bin_filter.get().map(|b| view! {
                    <button type="button" class="button small" data-testid="clear-bin" on:click=move |_| fleet.bin_filter.set(None)>
                        {format!("uptime {} ✕", store_uptime::fleet_view::bin_label(b.into()))}
                    </button>
                })}
                <ColumnPicker shown=shown has_regions=has_regions />
                <span class="hint" data-testid="table-count" aria-live="polite">
                    {move || format!("{} of {} stores", group_digits(count() as u64), group_digits(rows_for.rows.len() as u64))}
                </span>
            </div>
            <p class="hint table-hint">"Durations in hours:minutes. Select a store for its week."</p>
            <DayLegend shown=shown />
            <div class="table-scroll" node_ref=scroller tabindex="-1"
                style:height=format!("{VIEWPORT_H}px")
                on:scroll=move |e: ev::Event| {
                    if let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                        scroll_top.set(f64::from(el.scroll_top()));
                    }
                }>
                <table class=table_class data-testid="store-table" aria-rowcount=move || (count() + 1).to_string()>
                    <caption class="visually-hidden">"Stores, sortable; Enter on a row opens its detail"</caption>
                    <thead>
                        <tr aria-rowindex="1">
                            {COLUMNS.iter().filter(|c| has_regions || c.1 != "region").map(|&(col, key, name, _)| {
                                let num = !matches!(key, "id" | "zone" | "status" | "region" | "days");
                                let Some(col) = col else {
                                    return view! { <th scope="col" data-col=key>{name}</th> }.into_any();
                                };
                                let sorted = move || fleet.sort.with(|(c, d)| (*c == col).then_some(*d));
                                view! {
                                    <th scope="col" class:num=num data-col=key
                                        aria-sort=move || match sorted() { Some(true) => "descending", Some(false) => "ascending", None => "none" }>
                                        <button type="button" class="sort" data-sort=key on:click=move |_| {
                                            let (c, d) = fleet.sort.get_untracked();
                                            if c == col {
                                                fleet.sort.set((c, !d));
                                            } else {
                                                // Grouping by region keeps the order sorted before inside each region.
                                                if col == Column::Region {
                                                    fleet.then_sort.set((c, d));
                                                }
                                                fleet.sort.set((col, !matches!(col, Column::Pct | Column::Id | Column::Zone | Column::Status | Column::Region)));
                                            }
                                        }>
                                            {name}
                                            <span aria-hidden="true">{move || match sorted() { Some(true) => " ▼", Some(false) => " ▲", None => "" }}</span>
                                        </button>
                                    </th>
                                }.into_any()
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true"><td colspan=move || shown.with(Vec::len).to_string() style:height=move || format!("{}px", window.get().0 as f64 * ROW_H)></td></tr>
                        <For each=visible key=|pair| *pair let:pair>
                            <Row pos=pair.0 row=view.rows[pair.1 as usize].clone() zone=view.zones[usize::from(view.rows[pair.1 as usize].zone)].clone()
                                region=has_regions.then(|| view.rows[pair.1 as usize].region.and_then(|g| view.regions.get(usize::from(g)).cloned()).unwrap_or_default()) />
                        </For>
                        <tr class="spacer" aria-hidden="true"><td colspan=move || shown.with(Vec::len).to_string() style:height=move || {
                            let (_, last) = window.get();
                            format!("{}px", (count() - last) as f64 * ROW_H)
                        }></td></tr>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Focuses a store's row, if it is drawn.
fn focus_row(scroller: &web_sys::Element, id: &str) {
    let mut row = scroller
        .query_selector("tbody")
        .ok()
        .flatten()
        .and_then(|body| body.first_element_child());
    while let Some(tr) = row {
        if tr.get_attribute("data-store").as_deref() == Some(id) {
            if let Ok(el) = tr.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
            return;
        }
        row = tr.next_element_sibling();
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

/// The day bar's class: all up, some down, closed, or no data. Four kinds, each in the
/// legend; the detail has the hours.
fn day_kind(d: &DayCell) -> (&'static str, &'static str) {
    if d.down > 0 {
        ("day down", "some downtime")
    } else if d.up > 0 {
        ("day ok", "up")
    } else if d.no_data > 0 {
        ("day nodata", "no data")
    } else {
        ("day closed", "closed")
    }
}

fn day_words(d: &DayCell) -> String {
    let (_, kind) = day_kind(d);
    if d.up + d.down == 0 {
        return format!("{}: {kind}", store_uptime::fleet_view::day_label(d.day));
    }
    // Minutes, as hundredths of a minute for the shared h:mm.
    let hm = |m: u32| hours_minutes(i64::from(m) * 100);
    format!(
        "{}: {} up, {} down",
        store_uptime::fleet_view::day_label(d.day),
        hm(d.up),
        hm(d.down)
    )
}

/// A store's week as one cell per local day, widths by the part of the day in the week.
#[component]
fn DayBar(days: Vec<DayCell>) -> impl IntoView {
    // Each day's start and width in percent of the bar, by the part of it in the week.
    let total = f64::from(days.iter().map(|d| d.span).sum::<u32>().max(1));
    let label = days.iter().map(day_words).collect::<Vec<_>>().join("; ");
    let cells: Vec<_> = days
        .iter()
        .scan(0.0, |start, d| {
            let width = f64::from(d.span) / total * 100.0;
            *start += width;
            Some((*start - width, width, day_kind(d).0, day_words(d)))
        })
        .collect();
    view! {
        <svg class="daybar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=label>
            {cells.into_iter().map(|(at, w, class, text)| {
                let w = (w - 0.8).max(0.2);
                view! {
                    <rect class=class x=at + 0.4 y="0" width=w height="10"><title>{text}</title></rect>
                    // Down days are hatched too, not only red.
                    {(class == "day down").then(|| view! { <rect class="seg-hatch" x=at + 0.4 y="0" width=w height="10" fill="url(#hatch-down)"></rect> })}
                }
            }).collect_view()}
        </svg>
    }
}

/// The day bar's legend, shown with the bars.
#[component]
fn DayLegend(shown: RwSignal<Vec<&'static str>>) -> impl IntoView {
    view! {
        <p class="legend-line day-legend" data-testid="day-legend" hidden=move || !shown.with(|s| s.contains(&"days"))>
            "Days: "
            <span class="key day ok"></span>"up all open hours "
            <span class="key day down"></span>"some downtime (hatched) "
            <span class="key day closed"></span>"closed "
            <span class="key day nodata"></span>"no data"
        </p>
    }
}

/// A duration cell: h:mm shown, the CSV's decimal kept in `data-value`.
fn duration_cell((key, shown, decimal): (&'static str, String, String)) -> impl IntoView {
    view! { <td class="num" data-col=key data-value=decimal>{shown}</td> }
}

/// `region`: the store's region (empty without one), `None` when no names file gives regions.
#[component]
fn Row(pos: usize, row: FleetRow, zone: String, region: Option<String>) -> impl IntoView {
    let fleet = use_fleet();
    let id = short_id(&row.id);
    let id_title = row.id.clone();
    let id_attr = row.id.clone();
    let id_open = row.id.clone();
    let id_sel = row.id.clone();
    let name = row.name.clone();
    let open = move || fleet.open_store(id_open.clone());
    let open2 = open.clone();
    let no_data = row.has(NO_DATA);
    let status = StatusNow::ALL[usize::from(row.status_now).min(3)].name();
    let mut cells: Vec<(&'static str, String, String)> = [
        ("down_week", 2, false),
        ("up_week", 2, true),
        ("up_day", 1, true),
        ("down_day", 1, false),
        ("up_hour", 0, true),
        ("down_hour", 0, false),
    ]
    .into_iter()
    .map(|(key, w, up)| {
        let value = if up { row.up[w] } else { row.down[w] };
        (key, window_text(&row, w, up), hundredths_text(value))
    })
    .collect();
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
            <th scope="row" data-col="id" title=id_title>{no_data.then(|| view! { <span class="tag">"no data "</span> })}<code>{id}</code>{name.map(|n| view! { <span class="store-name" data-testid="store-name">{n}</span> })}</th>
            <td class="num" data-col="pct" data-value=row.pct.map(hundredths_text).unwrap_or_default()>{pct_text(&row)}</td>
            {duration_cell(cells.remove(0))}
            <td data-col="status" class=format!("status-now {}", status.replace(' ', "-"))>{status}</td>
            <td data-col="zone">{zone}</td>
            {region.map(|g| view! { <td data-col="region">{g}</td> })}
            {cells.into_iter().map(duration_cell).collect_view()}
            <td class="days" data-col="days"><DayBar days=row.days /></td>
        </tr>
    }
}
