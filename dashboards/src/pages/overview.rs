//! `/` (Tổng quan): the Phụ lục 1 table in its groups and the operations figures, each row
//! with its value, numerator and denominator, the next milestone's target, its status with the
//! projected date, its twelve-month trend and how fresh its data is.

use axum::Extension;
use axum::extract::State;

use crate::extract::Query;
use maud::{Markup, PreEscaped, html};
use metrics::{IndicatorRow, format};

use super::PageError;
use super::figures::{Arrivals, age_text, trend};
use super::layout::{Section, page, status_class, unit_name};
use super::pickers::pickers;
use crate::auth::Viewer;
use crate::charts::sparkline;
use crate::view::{View, ViewQuery};
use crate::{ApiError, AppState};

pub async fn get(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<ViewQuery>,
) -> Result<Markup, PageError> {
    let view = View::read(&state, &q)?;
    let ev = state.evaluator_for(None, q.rule.as_deref()).await?;
    let table = state.report(&ev, view.period, view.unit.as_deref()).await?;
    // the table reads nothing of the viewer, and the ages it shows change by the minute: it
    // is drawn once a minute for the snapshot and the view, not for every request
    let minute = chrono::Utc::now().timestamp().div_euclid(60);
    let question = format!("overview|{}|{minute}", view.query());
    let drawn = state
        .memo(&ev, &question, || {
            figures(&state, &ev, &view, &table, minute)
        })
        .await?;
    let cat = ev.catalogue();
    let place = match &view.unit {
        Some(u) => unit_name(&state.site, u),
        None => state.site.ward_name.clone(),
    };
    let body = html! {
        h1 { (cat.title) }
        p.lead { (place) " · " (table.period_label) " · " (view.rule_text())
            @if let Some(v) = table.lake_version { " · dữ liệu phiên bản v" (v) } }
        (pickers(&state.site, &viewer, &view, "/", true))
        (PreEscaped(drawn.as_str()))
        p.small {
            "Tỷ lệ = tử số / mẫu số. Đánh giá so với mục tiêu của mốc gần nhất; “nguy cơ” khi đường xu hướng 6 tháng không chạm mục tiêu trước hạn. "
            "Mỗi chỉ tiêu: định nghĩa, câu lệnh SQL và danh sách hồ sơ minh chứng ở trang của chỉ tiêu."
        }
    };
    Ok(page(
        &state.site,
        &viewer,
        Section::Overview,
        &format!("Tổng quan {}", table.period_label),
        body,
    ))
}

/// The table of `view`'s figures, their trends and the ages of their data at `minute`
/// (minutes since 1970).
async fn figures(
    state: &AppState,
    ev: &metrics::Evaluator,
    view: &View,
    table: &metrics::IndicatorTable,
    minute: i64,
) -> Result<String, ApiError> {
    let arrivals = Arrivals::read(state, ev).await?;
    let cat = ev.catalogue();
    let now = chrono::DateTime::from_timestamp(minute * 60, 0).unwrap_or_else(chrono::Utc::now);
    // each row with the group heading it opens, if it opens one
    let mut rows = Vec::new();
    let mut group = String::new();
    for (plan, list) in [(true, &table.indicators), (false, &table.operations)] {
        for (i, r) in list.iter().enumerate() {
            let heading = if plan && r.group != group {
                group = r.group.clone();
                Some(format!("{}. {}", r.group, r.group_name))
            } else if !plan && i == 0 {
                Some("Chỉ số điều hành (Nhiệm vụ 1.2.a)".to_string())
            } else {
                None
            };
            let ind = cat.indicator(&r.id).ok();
            let spark = if r.computed {
                let series = trend(state, ev, &r.id, view.period, view.unit.as_deref()).await?;
                let values: Vec<Option<f64>> = series.iter().map(|v| v.value).collect();
                let target = match (ind, r.figure.milestone) {
                    (Some(ind), Some(y)) => match ind.target(y) {
                        Some(metrics::Target::AtLeast { percent }) => Some(percent),
                        _ => None,
                    },
                    _ => None,
                };
                Some(sparkline(
                    &values,
                    target,
                    &format!(
                        "{} – xu hướng 12 tháng đến {}",
                        r.id,
                        view.period.label_vi()
                    ),
                ))
            } else {
                None
            };
            let age = ind.and_then(|ind| arrivals.of(ind, cat));
            rows.push((heading, r, spark, age));
        }
    }
    let query = view.query();
    let drawn = html! {
        div.wrap {
            table #phu-luc-1 .cards-small .fixed {
                colgroup {
                    col style="width: 4.5em"; col; col style="width: 8.5em"; col style="width: 11em";
                    col style="width: 7.5em"; col style="width: 10em"; col style="width: 136px"; col style="width: 8em";
                }
                thead { tr {
                    th { "STT" } th { "Chỉ tiêu" } th.num { "Kết quả" } th.num { "Tử số / mẫu số" }
                    th { "Mục tiêu" } th { "Đánh giá" } th { "12 tháng" } th { "Dữ liệu" }
                } }
                tbody {
                    @for (heading, r, spark, age) in &rows {
                        @if let Some(h) = heading {
                            tr.group { td colspan="8" { (h) } }
                        }
                        (row(r, spark.as_deref(), age.as_ref(), &query, now))
                    }
                }
            }
        }
    };
    Ok(drawn.into_string())
}

fn row(
    r: &IndicatorRow,
    spark: Option<&str>,
    age: Option<&super::figures::DataAge>,
    query: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    let f = &r.figure;
    let frac = match (f.numerator, f.denominator) {
        (Some(n), Some(d)) => Some(format!("{} / {}", format::integer(n), format::integer(d))),
        _ => None,
    };
    // a date to reach the target says something only while it is not reached
    let projected = f
        .projection
        .as_ref()
        .filter(|_| f.status != metrics::Status::Dat)
        .and_then(|p| p.reaches_target_on)
        .map(format::date);
    html! {
        tr id=(format!("row-{}", r.id)) {
            td data-label="STT" { (r.id) }
            td data-label="Chỉ tiêu" {
                a href=(format!("/chi-tieu/{}?{query}", r.id)) { (r.name) }
            }
            td class=(if f.value.is_some() { "num value" } else { "num value text" }) data-label="Kết quả" { (f.value_text) }
            td.num data-label="Tử số / mẫu số" { @if let Some(t) = &frac { (t) } }
            td data-label="Mục tiêu" {
                @if let (Some(y), Some(t)) = (f.milestone, &f.target_text) { (t) br; span.small { "đến hết " (y) } }
            }
            td data-label="Đánh giá" {
                span class=(format!("pill {}", status_class(f.status))) { (f.status_text) }
                @if let Some(d) = &projected { br; span.small { "dự kiến đạt " (d) } }
            }
            td data-label="12 tháng" { @if let Some(s) = spark { (PreEscaped(s)) } }
            td data-label="Dữ liệu" {
                @if let Some(a) = age {
                    span class=(if a.late { "late" } else { "small" }) title=(a.source) {
                        (age_text(a.at, now)) @if a.late { " · trễ hạn" }
                    }
                }
            }
        }
    }
}
