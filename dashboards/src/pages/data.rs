//! `/du-lieu`: the health of the data — freshness per source and khu phố, the latest ingest
//! runs with their counts, the files refused, and the quarantined rows with the file, row,
//! field and reason an officer needs to fix them at the source.

use axum::Extension;
use axum::extract::State;

use crate::extract::Query;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};
use serde::Deserialize;

use super::PageError;
use super::figures::age_text;
use super::layout::{Section, page, unit_name};
use crate::auth::Viewer;
use crate::{ApiError, AppState};

#[derive(Debug, Default, Deserialize)]
pub struct DataQuery {
    /// One khu phố's freshness only; the quarantine, which no khu phố owns, is then left out.
    unit: Option<String>,
    /// The quarantine of one source.
    source: Option<String>,
}

/// Runs shown.
const RUNS: usize = 30;
/// Quarantined rows shown.
const QUARANTINE_ROWS: usize = 200;

fn when(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
}

fn outcome_vi(o: &str) -> &str {
    match o {
        "committed" => "đã nạp dữ liệu mới",
        "unchanged" => "đã đọc, không có gì mới",
        "nothing_new" => "không có tệp mới",
        "refused" => "mọi tệp mới bị từ chối",
        "failed" => "thất bại",
        other => other,
    }
}

pub async fn get(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<DataQuery>,
) -> Result<Markup, PageError> {
    let unit = crate::view::unit_of(&state, q.unit.as_deref())?;
    let source = q.source.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let tz = state.evaluator().await.timezone();
    let now = Utc::now();
    let fresh = state
        .lake
        .freshness(&state.site.max_age_hours, now)
        .await
        .map_err(ApiError::internal)?;
    let fresh: Vec<_> = match &unit {
        Some(u) => fresh.into_iter().map(|f| f.only_unit(u)).collect(),
        None => fresh,
    };
    let runs = state
        .lake
        .recent_runs(RUNS)
        .await
        .map_err(ApiError::internal)?;
    let quarantine = match unit {
        Some(_) => None,
        None => Some(
            state
                .lake
                .quarantine(source, QUARANTINE_ROWS)
                .await
                .map_err(ApiError::internal)?,
        ),
    };
    let failed: Vec<_> = runs.iter().filter(|r| r.outcome == "failed").collect();
    // like the quarantine, what must be fixed at the source is for the ward's offices
    let refused: Vec<_> = match unit {
        Some(_) => Vec::new(),
        None => fresh
            .iter()
            .flat_map(|f| f.refused.iter().map(move |r| (&f.source, r)))
            .collect(),
    };
    let body = html! {
        h1 { "Dữ liệu" }
        p.lead { "Dữ liệu của từng nguồn đến lúc nào, các lần nạp gần đây, và những dòng bị loại cần sửa tại nguồn." }
        h2 { "Độ mới theo nguồn" }
        div.wrap { table #do-moi .cards-small {
            thead { tr { th { "Nguồn" } th { "Dữ liệu mới nhất" } th { "Lần chạy gần nhất" } th { "Hạn" } th { "Tình trạng" } th { "Theo khu phố" } } }
            tbody { @for f in &fresh { tr {
                td data-label="Nguồn" { (f.source) }
                td data-label="Dữ liệu mới nhất" { @match f.last_arrival {
                    Some(t) => { (when(t, tz)) br; span.small { (age_text(t, now)) } },
                    None => { span.late { "chưa bao giờ" } },
                } }
                td data-label="Lần chạy gần nhất" {
                    @if let Some(t) = f.last_run { (when(t, tz)) }
                    @if let Some(o) = &f.last_outcome { br; span.small { (outcome_vi(o)) } }
                }
                td.num data-label="Hạn" { (f.max_age_hours) " giờ" }
                td data-label="Tình trạng" {
                    @if f.late { span.late { "trễ hạn" } } @else { "đúng hạn" }
                }
                td data-label="Theo khu phố" {
                    @let late: Vec<_> = f.units.iter().filter(|u| u.late).collect();
                    @if !f.units.is_empty() {
                        span.small { (f.units.len() - late.len()) "/" (f.units.len()) " khu phố đúng hạn" }
                    }
                    @for u in &late {
                        br;
                        span.late { (unit_name(&state.site, &u.unit)) ": trễ, dữ liệu mới nhất " (age_text(u.last_arrival, now)) }
                    }
                }
            } } }
        } }
        h2 { "Các lần nạp gần đây" }
        div.wrap { table #lan-nap .cards-small {
            thead { tr {
                th { "Nguồn" } th { "Kết thúc" } th { "Kết quả" } th.num { "Tệp đọc" } th.num { "Tệp bỏ qua" }
                th.num { "Dòng đọc" } th.num { "Nhận" } th.num { "Trùng" } th.num { "Bị loại" }
            } }
            tbody {
                @if runs.is_empty() { tr { td colspan="9" { "Chưa có lần nạp nào." } } }
                @for r in &runs { tr {
                    td data-label="Nguồn" { (r.source) }
                    td data-label="Kết thúc" { (when(r.finished_at, tz)) }
                    td data-label="Kết quả" class=(if r.outcome == "failed" { "late" } else { "" }) { (outcome_vi(&r.outcome)) }
                    td.num data-label="Tệp đọc" { (r.files) }
                    td.num data-label="Tệp bỏ qua" { (r.files_skipped) }
                    td.num data-label="Dòng đọc" { (metrics::format::integer(r.rows_read.max(0) as u64)) }
                    td.num data-label="Nhận" { (metrics::format::integer(r.rows_accepted.max(0) as u64)) }
                    td.num data-label="Trùng" { (metrics::format::integer(r.rows_duplicates.max(0) as u64)) }
                    td.num data-label="Bị loại" { (metrics::format::integer(r.rows_quarantined.max(0) as u64)) }
                } }
            }
        } }
        @if unit.is_none() {
            h2 { "Tệp bị từ chối" }
            @if refused.is_empty() {
                p.small { "Không có tệp nào đang bị từ chối." }
            } @else {
                p.small { "Các tệp khác của cùng nguồn vẫn được nạp. Tệp bị từ chối không được đọc lại cho đến khi nội dung thay đổi: sửa và gửi lại tệp." }
                ul #tep-bi-tu-choi { @for (source, f) in &refused {
                    li { strong { (source) } " · " code { (f.path) } ": " (f.reason) }
                } }
            }
        }
        h2 { "Lần nạp thất bại" }
        @if failed.is_empty() {
            p.small { "Không có lần nạp nào thất bại trong " (RUNS) " lần gần đây." }
        } @else {
            ul #lan-nap-that-bai { @for r in &failed {
                li { strong { (r.source) } " · " (when(r.finished_at, tz)) ": " (r.error.as_deref().unwrap_or("không rõ lý do")) }
            } }
        }
        @if let Some(qr) = &quarantine {
            h2 { "Dòng bị loại (cần sửa tại nguồn)" }
            form.pickers method="get" action="/du-lieu" {
                label { "Nguồn" select name="source" {
                    option value="" selected[source.is_none()] { "Tất cả nguồn" }
                    @for f in &fresh { option value=(f.source) selected[source == Some(f.source.as_str())] { (f.source) } }
                } }
                button.primary type="submit" { "Lọc" }
            }
            p.small { (metrics::format::integer(qr.total)) " dòng bị loại"
                @if qr.total as usize > qr.rows.len() { "; hiện " (qr.rows.len()) " dòng đầu (theo nguồn, tệp, dòng)" } "." }
            div.wrap { table #cach-ly .cards-small {
                thead { tr { th { "Nguồn" } th { "Tệp" } th.num { "Dòng" } th { "Trường" } th { "Giá trị" } th { "Lý do" } } }
                tbody { @for r in &qr.rows { tr {
                    td data-label="Nguồn" { (r.source) }
                    td data-label="Tệp" { (r.file) }
                    td.num data-label="Dòng" { (r.row) }
                    td data-label="Trường" { (r.field) }
                    td data-label="Giá trị" { code { (r.value) } }
                    td data-label="Lý do" { (r.reason) }
                } } }
            } }
        }
    };
    Ok(page(&state.site, &viewer, Section::Data, "Dữ liệu", body))
}
