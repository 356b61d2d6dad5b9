//! `/tinh` and `/tinh/{id}`: a province's (or city's) wards side by side. The first lists
//! every indicator with the province's figure — the wards' numerators and denominators summed
//! — how many wards meet the target, and the first and the last ward; the second ranks every
//! ward on one indicator.

use axum::Extension;
use axum::extract::{Path, State};
use maud::{Markup, html};
use metrics::province::ProvinceRow;
use metrics::{Period, format};
use serde::Deserialize;

use super::PageError;
use super::layout::{Section, page, status_class};
use crate::auth::Viewer;
use crate::extract::Query;
use crate::view::period_or;
use crate::{ApiError, AppState};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProvinceQuery {
    /// 2026-06, 2026-Q2, 2026-H1 or 2026; default: the last complete month.
    pub period: Option<String>,
}

fn fraction(n: Option<u64>, d: Option<u64>) -> String {
    match (n, d) {
        (Some(n), Some(d)) => format!("{} / {}", format::integer(n), format::integer(d)),
        _ => String::new(),
    }
}

/// The period asked for, and the province's table for it.
pub(crate) async fn read(
    state: &AppState,
    q: &ProvinceQuery,
) -> Result<(Period, std::sync::Arc<Vec<ProvinceRow>>), ApiError> {
    let period = period_or(q.period.as_deref(), state.site.default_period)?;
    let rows = state.province(period).await?.ok_or_else(not_configured)?;
    Ok((period, rows))
}

fn period_form(action: &str, period: Period) -> Markup {
    html! {
        form.pickers method="get" action=(action) {
            label { "Kỳ " input name="period" value=(period.to_string()) size="9"; }
            button type="submit" { "Xem" }
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<ProvinceQuery>,
) -> Result<Markup, PageError> {
    let (period, rows) = read(&state, &q).await?;
    let province = state
        .site
        .province_wards
        .as_ref()
        .ok_or_else(not_configured)?;
    let body = html! {
        h1 { "Chỉ số chuyển đổi số các phường" }
        p.lead { (province.name) " · " (province.wards.len()) " phường · " (period.label_vi()) }
        (period_form("/tinh", period))
        table.figures.cards-small {
            thead { tr {
                th { "Chỉ tiêu" } th.num { "Toàn tỉnh" } th.num { "Tử số / mẫu số" }
                th { "Đánh giá" } th.num { "Phường đạt" } th { "Cao nhất" } th { "Thấp nhất" }
            } }
            tbody {
                @for r in rows.iter() {
                    @let ranked: Vec<_> = r.wards.iter().filter(|w| w.rank.is_some()).collect();
                    @let (first, last) = (ranked.first(), ranked.last());
                    @let equal = first.map(|w| w.value) == last.map(|w| w.value);
                    tr {
                        td data-label="Chỉ tiêu" { a href=(format!("/tinh/{}?period={period}", r.id)) { (r.id) } " " (r.name) }
                        td.num data-label="Toàn tỉnh" { (r.figure.value_text) }
                        td.num data-label="Tử số / mẫu số" { (fraction(r.figure.numerator, r.figure.denominator)) }
                        td data-label="Đánh giá" { span class=(format!("pill {}", status_class(r.figure.status))) { (r.figure.status_text) } }
                        td.num data-label="Phường đạt" { @if r.wards_judged > 0 { (r.wards_met) " / " (r.wards_judged) } }
                        @if equal && ranked.len() > 1 {
                            td colspan="2" data-label="Các phường" { "bằng nhau: " (first.map(|w| w.value_text.as_str()).unwrap_or_default()) }
                        } @else {
                            td data-label="Cao nhất" { @if let Some(w) = first { (w.name) " " (w.value_text) } }
                            td data-label="Thấp nhất" { @if ranked.len() > 1 { @if let Some(w) = last { (w.name) " " (w.value_text) } } }
                        }
                    }
                }
            }
        }
        p.small {
            "Số toàn tỉnh = tổng tử số các phường / tổng mẫu số các phường (không lấy trung bình các tỷ lệ). "
            "“Phường đạt”: số phường đạt mục tiêu trên số phường có số liệu để đánh giá."
        }
    };
    Ok(page(
        &state.site,
        &viewer,
        Section::Province,
        &format!("Các phường {}", period.label_vi()),
        body,
    ))
}

pub async fn indicator(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<ProvinceQuery>,
) -> Result<Markup, PageError> {
    let (period, rows) = read(&state, &q).await?;
    let Some(r) = rows.iter().find(|r| r.id == id) else {
        return Err(ApiError::not_found(format!("không có chỉ tiêu “{id}”")).into());
    };
    let top = r
        .wards
        .iter()
        .filter_map(|w| w.value)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let body = html! {
        h1 { (r.id) " " (r.name) }
        p.lead {
            "Toàn tỉnh: " strong { (r.figure.value_text) } " "
            (fraction(r.figure.numerator, r.figure.denominator)) " · "
            (r.figure.status_text) " · " (r.wards_met) "/" (r.wards_judged) " phường đạt · " (period.label_vi())
        }
        (period_form(&format!("/tinh/{}", r.id), period))
        table.figures.cards-small {
            thead { tr {
                th.num { "Hạng" } th { "Phường" } th.num { "Giá trị" } th.num { "Tử số / mẫu số" }
                th { "Đánh giá" } th { "" }
            } }
            tbody {
                @for w in &r.wards {
                    tr {
                        td.num data-label="Hạng" { @if let Some(k) = w.rank { (k) } }
                        td data-label="Phường" { (w.name) " " span.small { "(" (w.code) ")" } }
                        td.num data-label="Giá trị" { (w.value_text) }
                        td.num data-label="Tử số / mẫu số" { (fraction(w.numerator, w.denominator)) }
                        td data-label="Đánh giá" { span class=(format!("pill {}", status_class(w.status))) { (w.status_text) } }
                        td {
                            @if let Some(v) = w.value {
                                span.bar style=(format!("display:inline-block;height:10px;background:#3b6ea5;width:{:.0}px", 160.0 * v / top)) {}
                            }
                        }
                    }
                }
            }
        }
        p { a href=(format!("/tinh?period={period}")) { "← Các chỉ tiêu" } }
    };
    Ok(page(
        &state.site,
        &viewer,
        Section::Province,
        &format!("{} các phường {}", r.id, period.label_vi()),
        body,
    ))
}

fn not_configured() -> ApiError {
    ApiError::not_found("triển khai này không có [province]: chưa khai báo các phường")
}
