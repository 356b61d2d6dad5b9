//! `/cong-khai`: what anyone may see without signing in — the ward's figures and charts,
//! aggregates only: no record, no free text, no personal token, no quarantine, no khu phố cut.

use axum::Extension;
use axum::extract::State;

use crate::extract::Query;
use maud::{Markup, html};
use metrics::format;
use serde::Deserialize;

use super::PageError;
use super::layout::{Section, page, status_class};
use crate::AppState;
use crate::auth::Viewer;

#[derive(Debug, Default, Deserialize)]
pub struct PublicQuery {
    period: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<PublicQuery>,
) -> Result<Markup, PageError> {
    let period = crate::view::period_or(q.period.as_deref(), state.site.default_period)?;
    let ev = state.evaluator().await;
    let table = state.report(&ev, period, None).await?;
    let groups = super::pickers::periods(state.site.default_period);
    let (from, to) = super::figures::trend_range(period);
    let charts: Vec<&metrics::IndicatorRow> = table
        .indicators
        .iter()
        .filter(|r| r.computed && r.figure.denominator.is_some())
        .collect();
    let body = html! {
        h1 { "Kết quả chuyển đổi số " (state.site.ward_name) }
        p.lead { (ev.catalogue().title) " · " (table.period_label) }
        form.pickers method="get" action="/cong-khai" {
            label { "Kỳ" select name="period" {
                @for (label, ps) in &groups { optgroup label=(label) {
                    @for p in ps { option value=(p.to_string()) selected[*p == period] { (p.label_vi()) } }
                } }
            } }
            button.primary type="submit" { "Xem" }
        }
        div.wrap { table #cong-khai .cards-small .fixed {
            colgroup { col style="width: 4.5em"; col; col style="width: 12em"; col style="width: 9em"; col style="width: 10em"; }
            thead { tr { th { "STT" } th { "Chỉ tiêu" } th.num { "Kết quả" } th { "Mục tiêu" } th { "Đánh giá" } } }
            tbody {
                @for r in table.indicators.iter().chain(&table.operations) { tr {
                    td data-label="STT" { (r.id) }
                    td data-label="Chỉ tiêu" { (r.name) }
                    td class=(if r.figure.value.is_some() { "num" } else { "num text" }) data-label="Kết quả" {
                        (r.figure.value_text)
                        @if let (Some(n), Some(d)) = (r.figure.numerator, r.figure.denominator) {
                            br; span.small { (format::integer(n)) " / " (format::integer(d)) }
                        }
                    }
                    td data-label="Mục tiêu" { @if let Some(t) = &r.figure.target_text { (t) } }
                    td data-label="Đánh giá" { span class=(format!("pill {}", status_class(r.figure.status))) { (r.figure.status_text) } }
                } }
            }
        } }
        h2 { "Diễn biến theo tháng" }
        div.cards {
            @for r in &charts {
                figure {
                    img src=(format!("/cong-khai/bieu-do/{}.svg?from={from}&to={to}", r.id)) loading="lazy" width="960" height="540"
                        alt=(format!("Biểu đồ {} theo tháng", r.id));
                }
            }
        }
        p.small { "Trang công khai chỉ có số liệu tổng hợp của toàn phường; không có hồ sơ, tên hay số giấy tờ của người dân." }
    };
    Ok(page(
        &state.site,
        &viewer,
        Section::Public,
        "Công khai",
        body,
    ))
}
