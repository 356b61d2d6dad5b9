//! `/bao-cao`: the reports produced (on schedule or on demand) with their files to download,
//! and a form that produces one now. `/bao-cao/tai/{file}` serves a file of the outbox.

use axum::Extension;
use axum::extract::{Path, State};

use crate::extract::{Form, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::PageError;
use super::layout::{Section, page, unit_name};
use crate::access::FORM_TOKEN;
use crate::auth::{Role, Viewer};
use crate::documents::produce::{self, ProduceRequest};
use crate::documents::report::{Format, ReportKind};
use crate::{ApiError, AppState};

#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    /// Only the reports of one khu phố.
    unit: Option<String>,
}

fn kind_vi(kind: &str) -> &str {
    match kind {
        "monthly" => "Báo cáo tháng",
        "quarterly" => "Báo cáo quý",
        other => other,
    }
}

fn trigger_vi(trigger: &str) -> &str {
    match trigger {
        "schedule" => "theo lịch",
        "web" => "trên trang",
        "cli" => "dòng lệnh",
        other => other,
    }
}

pub async fn get(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<ReportsQuery>,
) -> Result<Markup, PageError> {
    let site = &state.site;
    let unit = crate::view::unit_of(&state, q.unit.as_deref())?;
    let productions: Vec<_> = state
        .lake
        .productions()
        .await
        .map_err(ApiError::internal)?
        .into_iter()
        .filter(|p| unit.as_deref().is_none_or(|u| p.unit == u))
        .collect();
    let tz = state.evaluator().await.timezone();
    let producer = viewer.signed().filter(|s| s.role != Role::KhuPho);
    let body = html! {
        h1 { "Báo cáo" }
        p.lead { "Báo cáo tháng (UBND) và quý (Đảng ủy) đã lập, với phiên bản dữ liệu và mã SHA-256 của từng tệp." }
        @if site.reports.is_none() {
            p.errors { "pipelines.toml chưa có mục [reports] (đơn vị ban hành, nơi nhận, người ký): chưa lập được báo cáo." }
        }
        @if let Some(s) = producer {
            form.pickers method="post" action="/bao-cao" {
                input type="hidden" name=(FORM_TOKEN) value=(s.csrf);
                label { "Loại" select name="kind" {
                    option value="monthly" { "Báo cáo tháng (UBND)" }
                    option value="quarterly" { "Báo cáo quý (Đảng ủy)" }
                } }
                label { "Kỳ (2026-10 hoặc 2026-Q3)" input name="period" value=(site.default_period.to_string()) required; }
                label { "Phạm vi" select name="unit" {
                    option value="" { "Toàn phường" }
                    @for (c, n) in &site.units { option value=(c) { (n) } }
                } }
                label { "Ngày báo cáo" input name="date" type="date"; }
                label { span { input type="checkbox" name="pdf" checked; " PDF" } }
                label { span { input type="checkbox" name="docx" checked; " DOCX" } }
                label { span { input type="checkbox" name="xlsx" checked; " XLSX" } }
                label { span { input type="checkbox" name="evidence"; " kèm phụ lục minh chứng" } }
                button.primary type="submit" { "Lập báo cáo" }
            }
        }
        div.wrap { table #bao-cao .cards-small {
            thead { tr {
                th { "Loại" } th { "Kỳ" } th { "Phạm vi" } th { "Ngày báo cáo" } th { "Phiên bản dữ liệu" }
                th { "Lập lúc" } th { "Lập bởi" } th { "Tệp (SHA-256)" }
            } }
            tbody {
                @if productions.is_empty() { tr { td colspan="8" { "Chưa lập báo cáo nào." } } }
                @for p in &productions { tr {
                    td data-label="Loại" { (kind_vi(&p.kind)) }
                    td data-label="Kỳ" { (p.period) }
                    td data-label="Phạm vi" { @if p.unit.is_empty() { "Toàn phường" } @else { (unit_name(site, &p.unit)) } }
                    td data-label="Ngày báo cáo" {
                        (chrono::NaiveDate::parse_from_str(&p.date, "%Y-%m-%d").map(metrics::format::date).unwrap_or_else(|_| p.date.clone()))
                    }
                    td data-label="Phiên bản dữ liệu" { @if let Some(v) = p.lake_version { "v" (v) } }
                    td data-label="Lập lúc" { (p.produced_at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()) }
                    td data-label="Lập bởi" { (trigger_vi(&p.trigger)) }
                    td data-label="Tệp" {
                        @for f in &p.files {
                            div {
                                @if p.trigger != "cli" && site.outbox.join(&f.name).is_file() {
                                    a href=(format!("/bao-cao/tai/{}", f.name)) { (f.name) }
                                } @else { (f.name) }
                                " " span.note style="word-break: break-all" { (f.sha256) }
                            }
                        }
                    }
                } }
            }
        } }
    };
    Ok(page(site, &viewer, Section::Reports, "Báo cáo", body))
}

#[derive(Debug, Deserialize)]
pub struct ProduceForm {
    kind: String,
    period: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    date: String,
    pdf: Option<String>,
    docx: Option<String>,
    xlsx: Option<String>,
    evidence: Option<String>,
}

/// Produces a report into the outbox, then shows the list.
pub async fn post(
    State(state): State<AppState>,
    Form(f): Form<ProduceForm>,
) -> Result<Redirect, PageError> {
    let kind: ReportKind = f.kind.parse().map_err(ApiError::bad_request)?;
    let period = crate::view::period_or(Some(&f.period), state.site.default_period)?;
    let ev = state.evaluator().await;
    let date = match f.date.trim() {
        "" => chrono::Utc::now()
            .with_timezone(&ev.timezone())
            .date_naive(),
        d => d
            .parse()
            .map_err(|_| ApiError::bad_request("ngày báo cáo viết YYYY-MM-DD"))?,
    };
    let formats: Vec<Format> = [
        (&f.pdf, Format::Pdf),
        (&f.docx, Format::Docx),
        (&f.xlsx, Format::Xlsx),
    ]
    .into_iter()
    .filter(|(on, _)| on.is_some())
    .map(|(_, fmt)| fmt)
    .collect();
    if formats.is_empty() && f.evidence.is_none() {
        return Err(ApiError::bad_request("chọn ít nhất một định dạng").into());
    }
    let req = ProduceRequest {
        kind,
        period,
        unit: Some(f.unit.trim().to_string()).filter(|u| !u.is_empty()),
        date,
        formats,
        evidence: f.evidence.is_some(),
    };
    produce::into_outbox(&ev, &state.site, &state.lake, &req, "web")
        .await
        .map_err(ApiError::from)?;
    // 303 See Other: the browser shows the list with a GET
    Ok(Redirect::to("/bao-cao"))
}

/// A file of the outbox, by name only.
#[utoipa::path(get, path = "/bao-cao/tai/{file}", tag = "tải về",
    params(("file" = String, Path, description = "Tên tệp báo cáo trong sổ báo cáo")),
    responses(
        (status = 200, description = "Tệp báo cáo (PDF, DOCX, XLSX, ZIP)", content_type = "application/octet-stream", body = Vec<u8>),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn download(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain {
        return Err(ApiError::not_found("không có tệp này"));
    }
    let path = state.site.outbox.join(&name);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::not_found("không có tệp này"))?;
    let content_type = match name.rsplit_once('.').map(|(_, e)| e) {
        Some("pdf") => Format::Pdf.content_type(),
        Some("docx") => Format::Docx.content_type(),
        Some("xlsx") => Format::Xlsx.content_type(),
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
