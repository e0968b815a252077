//! The answers in the forms people pass on (docs/app.md "Sharing the answers"): the report
//! as one self-contained HTML file (written by the worker from the loaded report, see
//! `store_uptime::report_html`), printing (style/main.css `@media print`, and a print-only call
//! list of the first stores), and each chart as an SVG or PNG image. The images are the
//! report file's own charts (`store_uptime::report_html::*_svg`): drawn from the same view the page
//! shows, light whatever the page's theme, with the report's name and week in them.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::answers::{shown_zone, CallListHead};
use super::browser;
use super::use_answers;
use super::worker_link;
use super::zone::Zone;
use store_uptime::engine::call_list::CallReason;
use store_uptime::engine::outages::StatusNow;
use store_uptime::fleet_view::{
    group_digits, hours_minutes, hundredths_text, zone_name, FleetView, SummaryDoc,
};
use store_uptime::messages::{DownloadFile, ToWorker};
use store_uptime::report_html::{heatmap_svg, histogram_svg, timeline_svg, week_name, week_svg};
use store_uptime::web::js_error_text;

/// Stores of the call list a printout holds; the rest are in the CSV.
pub const PRINTED_CALLS: usize = 40;
/// A PNG is drawn at this many pixels per SVG unit, so its labels stay sharp.
const PNG_SCALE: f64 = 2.0;

/// The report's name as the shared forms carry it: `Week to Tue 7 Nov 2023 23:59 UTC`.
fn report_title(view: &FleetView, zone: Zone) -> String {
    format!(
        "{} {}",
        week_name(&SummaryDoc::of(&view.summary), zone),
        zone_name(zone)
    )
}

/// Every way the answers leave the page, in one disclosure (one tab stop, before the
/// headline so the keyboard path from the headline to the table stays short): the report as
/// a file, print, and each chart as an SVG or PNG image.
#[component]
pub fn ShareMenu(job: String, view: Arc<FleetView>) -> impl IntoView {
    // Taken now: event handlers run outside the component's context.
    let answers = use_answers();
    let zone = move || answers.zone.with_untracked(|z| shown_zone(z));
    let error = RwSignal::new(None::<String>);
    let save = {
        let job = job.clone();
        move |_| {
            answers.download_error.set(None);
            worker_link::send(
                &ToWorker::ReportFile {
                    job: job.clone(),
                    target: answers.target.get_untracked(),
                    zone: zone().name(),
                },
                &[],
            );
        }
    };
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let images = Chart::ALL
        .into_iter()
        .map(|chart| {
            let svg = {
                let (job, view) = (job.clone(), view.clone());
                move |_| {
                    let result = browser::save_text(
                        &image_name(chart, &job, "svg"),
                        &chart.svg(&view, zone()),
                        "image/svg+xml;charset=utf-8",
                    );
                    error.set(result.err());
                }
            };
            let png = {
                let (job, view) = (job.clone(), view.clone());
                move |_| {
                    let (job, view) = (job.clone(), view.clone());
                    leptos::task::spawn_local(async move {
                        let result = match svg_to_png(&chart.svg(&view, zone())).await {
                            Ok(blob) => browser::save_blob(&image_name(chart, &job, "png"), &blob),
                            Err(e) => Err(e),
                        };
                        error.set(result.err());
                    });
                }
            };
            view! {
                <li data-testid=format!("image-{}", chart.slug())>
                    <span class="image-name">{chart.label()}</span>
                    <button class="button small" type="button" data-testid="image-svg" on:click=svg>
                        "SVG"<span class="visually-hidden">{format!(" of {}", chart.name())}</span>
                    </button>
                    <button class="button small" type="button" data-testid="image-png" on:click=png>
                        "PNG"<span class="visually-hidden">{format!(" of {}", chart.name())}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="share-menu" data-testid="share-menu">
            <summary data-testid="share-menu-summary">"Share or save"</summary>
            <div class="share-menu-items">
                <p class="actions">
                    <button class="button" type="button" data-testid="save-report-file" on:click=save>
                        "Save report as a file"
                    </button>
                    <button class="button" type="button" data-testid="print-report" on:click=print>
                        "Print or save as PDF"
                    </button>
                </p>
                <p class="hint">
                    {DownloadFile::ReportHtml { target: 0 }.file_name(&job)}
                    " opens in any browser, offline"
                </p>
                <p class="image-list-title">"Chart images (light, with the report's name):"</p>
                <ul class="image-list">{images}</ul>
                <p class="reason" role="alert" hidden=move || error.with(Option::is_none)>
                    {move || error.get().map(|e| format!("The image could not be made: {e}. Try again, or use Print or Save report as a file."))}
                </p>
            </div>
        </details>
    }
}

/// The call list as a printout holds it: the first [`PRINTED_CALLS`] stores, then how many
/// more the CSV has. Hidden on screen (the screen's list has its own "Show all").
#[component]
pub fn PrintedCallList(job: String, view: Arc<FleetView>) -> impl IntoView {
    let answers = use_answers();
    let body = move || {
        answers.target_view.with(|t| {
            let (_, target) = t.as_ref().filter(|(j, _)| *j == job)?;
            let total = target.calls.len();
            let rows = target
                .calls
                .iter()
                .take(PRINTED_CALLS)
                .filter_map(|&[row, reason]| {
                    let r = view.rows.get(row as usize)?;
                    let reason = CallReason::ALL[(reason as usize).min(2)];
                    let status = StatusNow::ALL[usize::from(r.status_now).min(3)].name();
                    Some(view! {
                        <tr>
                            <td class="id">{r.id.clone()}{r.name.clone().map(|n| view! { " " <span class="store-name">{n}</span> })}</td>
                            <td>{reason.name()}</td>
                            <td class="num">{r.pct.map(|p| format!("{} %", hundredths_text(p))).unwrap_or_else(|| "—".into())}</td>
                            <td class="num">{hours_minutes(r.down[2] * 60)}</td>
                            <td>{status}</td>
                        </tr>
                    })
                })
                .collect_view();
            let more = total.saturating_sub(PRINTED_CALLS);
            let file = DownloadFile::Calls { target: 0 }.file_name(&job);
            Some(view! {
                <h3>{format!("Stores to call: {}", group_digits(total as u64))}</h3>
                <table class="answers-table">
                    <CallListHead />
                    <tbody>{rows}</tbody>
                </table>
                <p data-testid="print-more" hidden=more == 0>
                    {format!("and {} more in the CSV ({file})", group_digits(more as u64))}
                </p>
            })
        })
    };
    view! {
        <section class="print-only print-calls" data-testid="print-calls">{body}</section>
    }
}

/// A chart the page can give as an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    Timeline,
    Week,
    Heatmap,
    Histogram,
}

impl Chart {
    const ALL: [Chart; 4] = [
        Chart::Timeline,
        Chart::Week,
        Chart::Histogram,
        Chart::Heatmap,
    ];

    /// As the menu lists it.
    fn label(self) -> &'static str {
        match self {
            Chart::Timeline => "Fleet timeline",
            Chart::Week => "Week by day",
            Chart::Heatmap => "Heatmap",
            Chart::Histogram => "Histogram",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Chart::Timeline => "fleet-timeline",
            Chart::Week => "week-by-day",
            Chart::Heatmap => "heatmap",
            Chart::Histogram => "uptime-histogram",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Chart::Timeline => "the fleet timeline",
            Chart::Week => "the week by day",
            Chart::Heatmap => "the heatmap",
            Chart::Histogram => "the histogram",
        }
    }

    /// The chart as a standalone SVG document in the shown zone.
    fn svg(self, view: &FleetView, zone: Zone) -> String {
        let title = report_title(view, zone);
        let doc = SummaryDoc::of(&view.summary);
        let svg = match self {
            Chart::Timeline => timeline_svg(&doc, zone, &title),
            Chart::Week => week_svg(&doc, zone, &title),
            Chart::Heatmap => heatmap_svg(view, &title),
            Chart::Histogram => histogram_svg(view, &title),
        };
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}\n")
    }
}

/// A chart's file name: `store-uptime-fleet-timeline-<job>.svg`.
fn image_name(chart: Chart, job: &str, ext: &str) -> String {
    format!("store-uptime-{}-{job}.{ext}", chart.slug())
}

/// The SVG drawn on a canvas, [`PNG_SCALE`] pixels a unit, as a PNG blob: the SVG is loaded
/// as an image from a blob URL (the page's CSP allows `blob:` images).
async fn svg_to_png(svg: &str) -> Result<web_sys::Blob, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let parts: js_sys::Array =
        std::iter::once(JsValue::from(js_sys::Uint8Array::from(svg.as_bytes()))).collect();
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/svg+xml");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js_error_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_error_text(&e))?;
    let image = web_sys::HtmlImageElement::new().map_err(|e| js_error_text(&e))?;
    image.set_src(&url);
    let decoded = JsFuture::from(image.decode()).await;
    let _ = web_sys::Url::revoke_object_url(&url);
    decoded.map_err(|e| js_error_text(&e))?;
    let (w, h) = (
        f64::from(image.natural_width()),
        f64::from(image.natural_height()),
    );
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|e| js_error_text(&e))?
        .unchecked_into();
    canvas.set_width((w * PNG_SCALE).ceil() as u32);
    canvas.set_height((h * PNG_SCALE).ceil() as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(|e| js_error_text(&e))?
        .ok_or("no 2D canvas")?
        .unchecked_into();
    context
        .scale(PNG_SCALE, PNG_SCALE)
        .map_err(|e| js_error_text(&e))?;
    context
        .draw_image_with_html_image_element_and_dw_and_dh(&image, 0.0, 0.0, w, h)
        .map_err(|e| js_error_text(&e))?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        // A `toBlob` that throws never calls back: reject at once.
        let refuse = reject.clone();
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = if blob.is_null() {
                reject.call1(&JsValue::NULL, &JsValue::from_str("the canvas made no PNG"))
            } else {
                resolve.call1(&JsValue::NULL, &blob)
            };
        });
        if let Err(e) = canvas.to_blob_with_type(done.unchecked_ref(), "image/png") {
            let _ = refuse.call1(&JsValue::NULL, &e);
        }
    });
    let blob = JsFuture::from(promise)
        .await
        .map_err(|e| js_error_text(&e))?;
    Ok(blob.unchecked_into())
}
