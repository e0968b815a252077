//! One store's detail: its week as a state timeline in the store's local time (one row per
//! local day), each poll as a tick, daylight-saving changes marked, a per-day bar and table
//! of up and down hours, the row's totals, its hours and its data-quality notes. Opened from
//! the table or a heatmap cell; addressed by the URL hash (see `super`).

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::table::{hours_text, pct_text, window_text};
use crate::page::use_fleet;
use store_uptime::fleet_view::{hundredths_text, DetailDay, DetailView, FleetView, SegmentState};

/// The timeline's x scale: 25 hours, so a day with a repeated hour fits.
const DAY_SECONDS: f64 = 25.0 * 3600.0;
const ROW: f64 = 30.0;
const TOP: f64 = 18.0;
/// Narrower than this (CSS pixels), the charts draw in a narrow coordinate space, so their
/// labels keep a readable size when the drawing shrinks to a phone's width.
const NARROW: f64 = 600.0;

/// The drawing's x geometry: the day labels' column and the day's width.
#[derive(Clone, Copy)]
struct Geometry {
    left: f64,
    width: f64,
    /// Hours between grid lines.
    step: u32,
    /// The per-day bars' longest bar and the room for their values beside it.
    bars: f64,
    values: f64,
}

impl Geometry {
    fn of_screen() -> Geometry {
        let narrow = web_sys::window()
            .and_then(|w| w.inner_width().ok())
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w < NARROW);
        if narrow {
            Geometry {
                left: 124.0,
                width: 226.0,
                step: 6,
                // "12:34 up · 12:34 down" at the phone's 13 px needs about 150 units.
                bars: 80.0,
                values: 170.0,
            }
        } else {
            Geometry {
                left: 104.0,
                width: 750.0,
                step: 3,
                bars: 300.0,
                values: 120.0,
            }
        }
    }

    fn x_of(self, seconds: u32) -> f64 {
        self.left + f64::from(seconds) / DAY_SECONDS * self.width
    }
}

fn state_class(state: SegmentState) -> &'static str {
    match state {
        SegmentState::Up => "seg up",
        SegmentState::Down => "seg down",
        SegmentState::Closed => "seg closed",
        SegmentState::NoData => "seg nodata",
    }
}

fn state_word(state: SegmentState) -> &'static str {
    match state {
        SegmentState::Up => "up",
        SegmentState::Down => "down",
        SegmentState::Closed => "closed",
        SegmentState::NoData => "no data",
    }
}

fn clock(seconds: u32) -> String {
    format!("{:02}:{:02}", seconds / 3600, seconds / 60 % 60)
}

/// Focuses an element by id once the page has drawn it.
fn focus_later(id: &'static str) {
    set_timeout(
        move || {
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        },
        std::time::Duration::ZERO,
    );
}

/// Copies text with the async clipboard API, when the browser has it.
fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined());
    let write = clipboard.as_ref().and_then(|c| {
        js_sys::Reflect::get(c, &"writeText".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()
    });
    match (clipboard, write) {
        (Some(c), Some(f)) => f.call1(&c, &text.into()).is_ok(),
        _ => false,
    }
}

#[component]
pub fn StoreDetailPanel(view: Arc<FleetView>) -> impl IntoView {
    let fleet = use_fleet();
    let close = move || {
        fleet.store.set(None);
        fleet.detail.set(None);
    };
    // The open store's figures, once the worker has sent them.
    let detail_of_open_store = move || {
        let store = fleet.store.get()?;
        fleet.detail.with(|d| {
            d.as_ref()
                .filter(|(s, _)| *s == store)
                .map(|(_, r)| r.clone())
        })
    };
    // Opening a store (from a row, a heatmap list, the next button) moves focus into it.
    Effect::new(move |_| {
        if fleet.store.get().is_some() {
            focus_later("detail-title");
        }
    });
    // Closing it gives focus back to what opened it, when that was not a table row (the
    // table focuses its row itself): the heatmap cell's store, an answer's store button.
    Effect::new(move |previous: Option<bool>| {
        let open = fleet.store.with(Option::is_some);
        if previous == Some(true) && !open {
            if let Some(opener) = fleet.opener.with_value(Clone::clone) {
                // Once the overview is shown again (a hidden element takes no focus).
                set_timeout(
                    move || {
                        if opener.is_connected() {
                            // SVG elements have `focus()` too; the HtmlElement binding calls it by name.
                            let _ = opener.unchecked_into::<web_sys::HtmlElement>().focus();
                        }
                    },
                    std::time::Duration::ZERO,
                );
            }
        }
        open
    });
    let view_rows = view.clone();
    // The table's neighbours of the open store, if it is in the table.
    let neighbour = move |step: isize| {
        let store = fleet.store.get()?;
        fleet.order.with(|order| {
            let at = order
                .iter()
                .position(|&r| view.rows[r as usize].id == store)?;
            let to = at.checked_add_signed(step)?;
            order.get(to).map(|&r| view.rows[r as usize].id.clone())
        })
    };
    let before = neighbour.clone();
    let previous = Memo::new(move |_| before(-1));
    let next = Memo::new(move |_| neighbour(1));
    let copied = RwSignal::new(String::new());
    view! {
        // Drawn anew when another store is opened, not when its figures arrive: only the body
        // below follows them, so the heading (which has focus) is left as it is. (With Leptos'
        // erased views a redrawn element loses its attributes for a moment, tabindex too, and
        // with it the focus.)
        {move || fleet.store.get().map(|id| {
            let id_copy = id.clone();
            let name = view_rows.rows.iter().find(|r| r.id == id).and_then(|r| r.name.clone());
            copied.set(String::new());
            view! {
            <section class="store-detail" data-testid="store-detail" aria-labelledby="detail-title"
                on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Escape" { e.prevent_default(); close() }>
                <nav class="detail-nav" aria-label="Stores">
                    <button type="button" class="button small" data-testid="detail-close" on:click=move |_| close()>"← Back to stores"</button>
                    <span class="detail-step">
                        <button type="button" class="button small" data-testid="detail-previous"
                            disabled=move || previous.get().is_none()
                            on:click=move |_| if let Some(id) = previous.get_untracked() { fleet.open_store(id) }>"‹ Previous store"</button>
                        <button type="button" class="button small" data-testid="detail-next"
                            disabled=move || next.get().is_none()
                            on:click=move |_| if let Some(id) = next.get_untracked() { fleet.open_store(id) }>"Next store ›"</button>
                    </span>
                </nav>
                <div class="detail-head">
                    <h3 id="detail-title" tabindex="-1">"Store " <code data-testid="detail-id">{id.clone()}</code>{name.map(|n| view! { " " <span class="store-name" data-testid="detail-name">{n}</span> })}</h3>
                    <button type="button" class="button small" data-testid="detail-copy"
                        aria-describedby="detail-copied"
                        on:click=move |_| copied.set(if copy_text(&id_copy) {
                            "Store id copied.".into()
                        } else {
                            format!("Copy it from here: {id_copy}")
                        })>"Copy store id"</button>
                    <span id="detail-copied" class="hint" role="status">{move || copied.get()}</span>
                </div>
                {move || match detail_of_open_store() {
                    None => view! { <p class="hint">"Loading the store…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="reason" data-testid="detail-error">{e} " Go back to the stores and choose another, or generate the report again."</p> }.into_any(),
                    Some(Ok(d)) => view! { <DetailBody detail=d /> }.into_any(),
                }}
            </section>
        }})}
    }
}

#[component]
fn DetailBody(detail: Arc<DetailView>) -> impl IntoView {
    let row = &detail.row;
    // (key, words, shown, the CSV's decimal)
    let totals: Vec<(&str, &str, String, String)> = [
        ("down_week", "Down last week", 2, false),
        ("up_week", "Up last week", 2, true),
        ("down_day", "Down last day", 1, false),
        ("up_day", "Up last day", 1, true),
        ("down_hour", "Down last hour", 0, false),
        ("up_hour", "Up last hour", 0, true),
    ]
    .into_iter()
    .map(|(key, name, w, up)| {
        let value = if up { row.up[w] } else { row.down[w] };
        (key, name, window_text(row, w, up), hundredths_text(value))
    })
    .collect();
    let pct = row.pct.map(hundredths_text).unwrap_or_default();
    let zone = detail.zone.clone();
    view! {
        <p class="meta">"Zone " <strong data-testid="detail-zone">{zone.clone()}</strong>
            " · every time below is local to the store (" {zone.clone()} "); durations in hours:minutes."</p>
        <dl class="detail-totals">
            <div><dt>"Uptime last week"</dt><dd data-testid="detail-pct" data-value=pct>{pct_text(row)}</dd></div>
            {totals.into_iter().map(|(k, name, v, d)| view! {
                <div><dt>{name}</dt><dd data-testid=format!("detail-{k}") data-value=d>{v}</dd></div>
            }).collect_view()}
        </dl>
        <Timeline detail=detail.clone() />
        <DayBars detail=detail.clone() />
        <div class="detail-cols">
            <div>
                <h4>"Business hours (local)"</h4>
                <ul class="hours" data-testid="detail-hours">
                    {detail.hours.iter().map(|h| view! { <li>{h.clone()}</li> }).collect_view()}
                </ul>
            </div>
            <div>
                <h4>"Data quality"</h4>
                <ul class="notes" data-testid="detail-notes">
                    {detail.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}
                </ul>
            </div>
        </div>
    }
}

/// A day with no business time at all.
fn closed_day(d: &DetailDay) -> bool {
    d.up == 0 && d.down == 0 && d.no_data == 0
}

fn day_summary(d: &DetailDay) -> String {
    if closed_day(d) {
        return format!("{}: closed", d.label);
    }
    let downs: Vec<String> = d
        .segments
        .iter()
        .filter(|s| s.2 == SegmentState::Down)
        .map(|s| format!("{}–{}", clock(s.0), clock(s.1)))
        .collect();
    format!(
        "{}: {} up, {} down{}",
        d.label,
        hours_text(d.up),
        hours_text(d.down),
        if downs.is_empty() {
            String::new()
        } else {
            format!(" (down {})", downs.join(", "))
        }
    )
}

#[component]
fn Timeline(detail: Arc<DetailView>) -> impl IntoView {
    let g = Geometry::of_screen();
    let n = detail.days.len() as f64;
    let height = TOP + n * ROW + 6.0;
    let desc = detail
        .days
        .iter()
        .map(day_summary)
        .collect::<Vec<_>>()
        .join("; ");
    let zone = detail.zone.clone();
    let pointed = RwSignal::new(String::new());
    view! {
        <figure class="chart timeline" data-testid="detail-timeline">
            <figcaption>{format!("The week by local day ({zone}): hover or focus a poll tick for its time.")}</figcaption>
            <p class="legend-line" aria-hidden="true">
                <span class="key up"></span>"up " <span class="key down"></span>"down (hatched) "
                <span class="key closed"></span>"closed " <span class="key nodata"></span>"no data "
                <span class="key tick"></span>"poll (faint: outside hours, ignored)"
            </p>
            <svg viewBox=format!("0 0 {} {height}", g.left + g.width + 8.0) role="group" aria-labelledby="tl-title tl-desc">
                <title id="tl-title">{format!("State timeline in {zone}")}</title>
                <desc id="tl-desc">{desc}</desc>
                {(0..=24).step_by(g.step as usize).map(|h| view! {
                    <g class="grid">
                        <line x1=g.x_of(h * 3600) x2=g.x_of(h * 3600) y1=TOP - 4.0 y2=height - 4.0></line>
                        <text x=g.x_of(h * 3600) y=TOP - 6.0 text-anchor="middle">{format!("{h:02}")}</text>
                    </g>
                }).collect_view()}
                {detail.days.iter().enumerate().map(|(i, d)| {
                    let y = TOP + i as f64 * ROW;
                    let summary = day_summary(d);
                    view! {
                        <g class="day-row" data-testid="timeline-day">
                            <text class="day-label" x=g.left - 6.0 y=y + ROW * 0.6 text-anchor="end">{d.label.clone()}</text>
                            <rect class="day-frame" x=g.x_of(d.from) y=y + 2.0 width=(g.x_of(d.to) - g.x_of(d.from)).max(0.0) height=ROW - 8.0>
                                <title>{summary}</title>
                            </rect>
                            {d.segments.iter().map(|&(a, b, state)| {
                                let text = format!("{}–{} {}", clock(a), clock(b), state_word(state));
                                let (yy, hh) = if state == SegmentState::Closed { (y + 9.0, ROW - 22.0) } else { (y + 2.0, ROW - 8.0) };
                                let w = (g.x_of(b) - g.x_of(a)).max(0.0);
                                view! {
                                    <g>
                                        <rect class=state_class(state) x=g.x_of(a) y=yy width=w height=hh><title>{text}</title></rect>
                                        {(state == SegmentState::Down).then(|| view! {
                                            <rect class="seg-hatch" x=g.x_of(a) y=yy width=w height=hh fill="url(#hatch-down)"></rect>
                                        })}
                                    </g>
                                }
                            }).collect_view()}
                            {d.changes.iter().map(|(x, text)| view! {
                                <g class="dst" role="img" aria-label=text.clone() tabindex="0">
                                    <title>{text.clone()}</title>
                                    <line x1=g.x_of(*x) x2=g.x_of(*x) y1=y y2=y + ROW - 4.0></line>
                                    <text x=g.x_of(*x) + 2.0 y=y + 9.0>"DST"</text>
                                </g>
                            }).collect_view()}
                            {d.polls.iter().map(|p| {
                                let class = if p.ignored { "poll ignored" } else if p.active { "poll active" } else { "poll inactive" };
                                let (l1, l2) = (p.label.clone(), p.label.clone());
                                view! {
                                    <g class=class role="img" tabindex="0" aria-label=p.label.clone() data-testid="poll"
                                        on:focus=move |_| pointed.set(l1.clone())
                                        on:mouseenter=move |_| pointed.set(l2.clone())>
                                        <title>{p.label.clone()}</title>
                                        <rect x=g.x_of(p.x) - 1.0 y=y + ROW - 8.0 width="2" height="6"></rect>
                                    </g>
                                }
                            }).collect_view()}
                        </g>
                    }
                }).collect_view()}
            </svg>
            <p class="heat-focus" aria-live="polite" data-testid="poll-focus">{move || pointed.get()}</p>
        </figure>
    }
}

/// A day's up and down hours as words: `closed` for a day without business time.
fn day_value(d: &DetailDay) -> String {
    if closed_day(d) {
        "closed".into()
    } else {
        format!("{} up · {} down", hours_text(d.up), hours_text(d.down))
    }
}

#[component]
fn DayBars(detail: Arc<DetailView>) -> impl IntoView {
    let g = Geometry::of_screen();
    let max = detail
        .days
        .iter()
        .map(|d| d.up + d.down + d.no_data)
        .max()
        .unwrap_or(0)
        .max(100) as f64;
    let (left, values, w, row) = (g.left, g.values, g.bars, 20.0);
    let h = detail.days.len() as f64 * row + 4.0;
    view! {
        <div class="day-bars">
            <figure class="chart">
                <figcaption>"Up and down hours per local day"</figcaption>
                <p class="legend-line" aria-hidden="true">
                    <span class="key up"></span>"up " <span class="key down"></span>"down (hatched)"
                </p>
                <svg viewBox=format!("0 0 {} {h}", left + w + values) role="img" aria-label="Up and down hours per day; the same numbers are in the table beside">
                    {detail.days.iter().enumerate().map(|(i, d)| {
                        let y = i as f64 * row + 2.0;
                        let up_w = d.up as f64 / max * w;
                        let down_w = d.down as f64 / max * w;
                        view! {
                            <g>
                                <text class="day-label" x=left - 6.0 y=y + row * 0.7 text-anchor="end">{d.label.clone()}</text>
                                <rect class="seg up" x=left y=y + 2.0 width=up_w height=row - 6.0></rect>
                                <rect class="seg down" x=left + up_w y=y + 2.0 width=down_w height=row - 6.0></rect>
                                <rect class="seg-hatch" x=left + up_w y=y + 2.0 width=down_w height=row - 6.0 fill="url(#hatch-down)"></rect>
                                <text class="bar-value" x=left + up_w + down_w + 4.0 y=y + row * 0.7>{day_value(d)}</text>
                            </g>
                        }
                    }).collect_view()}
                </svg>
            </figure>
            <table class="day-table" data-testid="detail-days">
                <caption>"Per local day (hours:minutes)"</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col" class="num">"Up"</th><th scope="col" class="num">"Down"</th><th scope="col" class="num">"No data"</th></tr></thead>
                <tbody>
                    {detail.days.iter().map(|d| if closed_day(d) {
                        view! {
                            <tr data-closed="true">
                                <th scope="row">{d.label.clone()}</th>
                                <td colspan="3" class="closed-day">"closed"</td>
                            </tr>
                        }.into_any()
                    } else {
                        view! {
                            <tr>
                                <th scope="row">{d.label.clone()}</th>
                                <td class="num" data-col="up" data-value=hundredths_text(d.up)>{hours_text(d.up)}</td>
                                <td class="num" data-col="down" data-value=hundredths_text(d.down)>{hours_text(d.down)}</td>
                                <td class="num" data-col="nodata" data-value=hundredths_text(d.no_data)>{hours_text(d.no_data)}</td>
                            </tr>
                        }.into_any()
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
