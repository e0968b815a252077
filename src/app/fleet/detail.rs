//! One store's detail: its week as a state timeline in the store's local time (one row per
//! local day), each poll as a tick, daylight-saving changes marked, a per-day bar and table
//! of up and down hours, the row's totals, its hours and its data-quality notes. Opened from
//! the table or a heatmap cell; addressed by the URL hash (see `super`).

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;

use super::fleet_state;
use crate::fleet_view::{hundredths_text, DetailDay, DetailView, FleetView, SegmentState};

/// The timeline's x scale: 25 hours, so a day with a repeated hour fits.
const DAY_SECONDS: f64 = 25.0 * 3600.0;
const W: f64 = 750.0;
const LEFT: f64 = 104.0;
const ROW: f64 = 30.0;
const TOP: f64 = 18.0;

fn x_of(seconds: u32) -> f64 {
    LEFT + f64::from(seconds) / DAY_SECONDS * W
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

#[component]
pub fn StoreDetailPanel(view: Arc<FleetView>) -> impl IntoView {
    let fleet = fleet_state();
    let panel = NodeRef::<leptos::html::Section>::new();
    let close = move || {
        fleet.store.set(None);
        fleet.detail.set(None);
    };
    let current = move || {
        let store = fleet.store.get()?;
        Some(fleet.detail.with(|d| {
            d.as_ref()
                .filter(|(s, _)| *s == store)
                .map(|(_, r)| r.clone())
        }))
    };
    // Bring the panel into view when a detail arrives (it opens from far down the table).
    Effect::new(move |_| {
        if let Some(Some(Ok(_))) = current() {
            if let Some(el) = panel.get_untracked() {
                el.scroll_into_view();
            }
        }
    });
    let _ = view;
    view! {
        {move || current().map(|detail| view! {
            <section class="store-detail" data-testid="store-detail" node_ref=panel aria-labelledby="detail-title"
                tabindex="-1"
                on:keydown=move |e: ev::KeyboardEvent| if e.key() == "Escape" { close() }>
                <div class="detail-head">
                    <h3 id="detail-title">"Store " <code data-testid="detail-id">{fleet.store.get_untracked().unwrap_or_default()}</code></h3>
                    <button type="button" class="button small" data-testid="detail-close" on:click=move |_| close()>"Close"</button>
                </div>
                {match detail {
                    None => view! { <p class="hint">"Loading the store…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="reason" data-testid="detail-error">{e}</p> }.into_any(),
                    Some(Ok(d)) => view! { <DetailBody detail=d /> }.into_any(),
                }}
            </section>
        })}
    }
}

#[component]
fn DetailBody(detail: Arc<DetailView>) -> impl IntoView {
    let row = &detail.row;
    let totals: Vec<(&str, &str, String)> = vec![
        ("up_hour", "Up, last hour (min)", hundredths_text(row.up[0])),
        ("up_day", "Up, last day (h)", hundredths_text(row.up[1])),
        ("up_week", "Up, last week (h)", hundredths_text(row.up[2])),
        (
            "down_hour",
            "Down, last hour (min)",
            hundredths_text(row.down[0]),
        ),
        (
            "down_day",
            "Down, last day (h)",
            hundredths_text(row.down[1]),
        ),
        (
            "down_week",
            "Down, last week (h)",
            hundredths_text(row.down[2]),
        ),
        (
            "pct",
            "Uptime last week (%)",
            row.pct.map(hundredths_text).unwrap_or_else(|| "—".into()),
        ),
    ];
    let zone = detail.zone.clone();
    view! {
        <p class="meta">"Zone " <strong data-testid="detail-zone">{zone.clone()}</strong>
            " · every time below is local to the store (" {zone.clone()} ")."</p>
        <dl class="detail-totals">
            {totals.into_iter().map(|(k, name, v)| view! {
                <div><dt>{name}</dt><dd data-testid=format!("detail-{k}")>{v}</dd></div>
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

fn day_summary(d: &DetailDay) -> String {
    let downs: Vec<String> = d
        .segments
        .iter()
        .filter(|s| s.2 == SegmentState::Down)
        .map(|s| format!("{}–{}", clock(s.0), clock(s.1)))
        .collect();
    format!(
        "{}: {} h up, {} h down{}",
        d.label,
        hundredths_text(d.up),
        hundredths_text(d.down),
        if downs.is_empty() {
            String::new()
        } else {
            format!(" (down {})", downs.join(", "))
        }
    )
}

#[component]
fn Timeline(detail: Arc<DetailView>) -> impl IntoView {
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
            <figcaption>{format!("The week by local day ({zone}): up, down (hatched), closed (grey band), polls as ticks; hover or focus a tick for its time.")}</figcaption>
            <svg viewBox=format!("0 0 {} {height}", LEFT + W + 8.0) role="group" aria-labelledby="tl-title tl-desc">
                <title id="tl-title">{format!("State timeline in {zone}")}</title>
                <desc id="tl-desc">{desc}</desc>
                {(0..=24).step_by(3).map(|h| view! {
                    <g class="grid">
                        <line x1=x_of(h * 3600) x2=x_of(h * 3600) y1=TOP - 4.0 y2=height - 4.0></line>
                        <text x=x_of(h * 3600) y=TOP - 6.0 text-anchor="middle">{format!("{h:02}")}</text>
                    </g>
                }).collect_view()}
                {detail.days.iter().enumerate().map(|(i, d)| {
                    let y = TOP + i as f64 * ROW;
                    let summary = day_summary(d);
                    view! {
                        <g class="day-row" data-testid="timeline-day">
                            <text class="day-label" x=LEFT - 6.0 y=y + ROW * 0.6 text-anchor="end">{d.label.clone()}</text>
                            <rect class="day-frame" x=x_of(d.from) y=y + 2.0 width=(x_of(d.to) - x_of(d.from)).max(0.0) height=ROW - 8.0>
                                <title>{summary}</title>
                            </rect>
                            {d.segments.iter().map(|&(a, b, state)| {
                                let text = format!("{}–{} {}", clock(a), clock(b), state_word(state));
                                let (yy, hh) = if state == SegmentState::Closed { (y + 9.0, ROW - 22.0) } else { (y + 2.0, ROW - 8.0) };
                                let w = (x_of(b) - x_of(a)).max(0.0);
                                view! {
                                    <g>
                                        <rect class=state_class(state) x=x_of(a) y=yy width=w height=hh><title>{text}</title></rect>
                                        {(state == SegmentState::Down).then(|| view! {
                                            <rect class="seg-hatch" x=x_of(a) y=yy width=w height=hh fill="url(#hatch-down)"></rect>
                                        })}
                                    </g>
                                }
                            }).collect_view()}
                            {d.changes.iter().map(|(x, text)| view! {
                                <g class="dst" role="img" aria-label=text.clone() tabindex="0">
                                    <title>{text.clone()}</title>
                                    <line x1=x_of(*x) x2=x_of(*x) y1=y y2=y + ROW - 4.0></line>
                                    <text x=x_of(*x) + 2.0 y=y + 9.0>"DST"</text>
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
                                        <rect x=x_of(p.x) - 1.0 y=y + ROW - 8.0 width="2" height="6"></rect>
                                    </g>
                                }
                            }).collect_view()}
                        </g>
                    }
                }).collect_view()}
            </svg>
            <p class="heat-focus" aria-live="polite" data-testid="poll-focus">{move || pointed.get()}</p>
            <p class="legend-line" aria-hidden="true">
                <span class="key up"></span>"up " <span class="key down"></span>"down (hatched) "
                <span class="key closed"></span>"closed " <span class="key nodata"></span>"no data "
                <span class="key tick"></span>"poll (faint: outside hours, ignored)"
            </p>
        </figure>
    }
}

#[component]
fn DayBars(detail: Arc<DetailView>) -> impl IntoView {
    let max = detail
        .days
        .iter()
        .map(|d| d.up + d.down + d.no_data)
        .max()
        .unwrap_or(0)
        .max(100) as f64;
    let (w, left, row) = (300.0, 104.0, 20.0);
    let h = detail.days.len() as f64 * row + 4.0;
    view! {
        <div class="day-bars">
            <figure class="chart">
                <figcaption>"Up and down hours per local day"</figcaption>
                <svg viewBox=format!("0 0 {} {h}", left + w + 90.0) role="img" aria-label="Up and down hours per day; the same numbers are in the table beside">
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
                                <text class="bar-value" x=left + up_w + down_w + 4.0 y=y + row * 0.7>
                                    {format!("{} / {} h", hundredths_text(d.up), hundredths_text(d.down))}
                                </text>
                            </g>
                        }
                    }).collect_view()}
                </svg>
            </figure>
            <table class="day-table" data-testid="detail-days">
                <caption>"Per local day (hours)"</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col" class="num">"Up (h)"</th><th scope="col" class="num">"Down (h)"</th><th scope="col" class="num">"No data (h)"</th></tr></thead>
                <tbody>
                    {detail.days.iter().map(|d| view! {
                        <tr>
                            <th scope="row">{d.label.clone()}</th>
                            <td class="num" data-col="up">{hundredths_text(d.up)}</td>
                            <td class="num" data-col="down">{hundredths_text(d.down)}</td>
                            <td class="num" data-col="nodata">{hundredths_text(d.no_data)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
