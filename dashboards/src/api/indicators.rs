//! `/api/indicators`, `/api/indicators/{id}`, `/api/indicators/{id}/series`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::extract::Query;
use metrics::{BreakdownValue, Explanation, IndicatorRow, IndicatorValue, Period};
use serde::{Deserialize, Serialize};

use crate::view::{period_or, unit_of};
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TableQuery {
    /// Kỳ: 2026-06, 2026-Q2, 2026-H1 hoặc 2026.
    period: Option<String>,
    unit: Option<String>,
    /// A lake version (`v12`), a date or an RFC 3339 time.
    as_of: Option<String>,
    /// `calendar` or `nd09`.
    rule: Option<String>,
    /// A breakdown dimension, for one indicator.
    by: Option<String>,
}

/// The Phụ lục 1 table and the operations figures of a period: the same document
/// `chiso indicators --format json` prints.
#[utoipa::path(get, path = "/api/indicators", tag = "chỉ tiêu", params(TableQuery),
    responses(
        (status = 200, description = "Bảng Phụ lục 1 và chỉ số điều hành", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<TableQuery>,
) -> Result<Response, ApiError> {
    let period = period_or(q.period.as_deref(), state.site.default_period)?;
    let unit = unit_of(&state, q.unit.as_deref())?;
    let ev = state
        .evaluator_for(q.as_of.as_deref(), q.rule.as_deref())
        .await?;
    // every request for the snapshot's table gets the same bytes: written and tagged once
    let question = format!("report.json|{period}|{}", unit.as_deref().unwrap_or(""));
    let answer = state
        .memo(&ev, &question, || async {
            let table = state.report(&ev, period, unit.as_deref()).await?;
            let json = serde_json::to_vec(&*table).map_err(ApiError::internal)?;
            Ok((crate::caching::tag(&json), Bytes::from(json)))
        })
        .await?;
    let (tag, json) = &*answer;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::ETAG,
                HeaderValue::from_str(tag).map_err(ApiError::internal)?,
            ),
        ],
        json.clone(),
    )
        .into_response())
}

/// One indicator with its definition in plain Vietnamese, the SQL behind the figure and,
/// with `by`, its breakdown.
#[derive(Debug, Serialize)]
pub struct IndicatorResponse {
    #[serde(flatten)]
    pub row: IndicatorRow,
    pub measure: Option<metrics::Measure>,
    pub explanation: Explanation,
    pub sql: Option<String>,
    pub breakdown: Option<Vec<BreakdownValue>>,
}

#[utoipa::path(get, path = "/api/indicators/{id}", tag = "chỉ tiêu",
    params(("id" = String, Path, description = "Mã chỉ tiêu: I.1 … III.2, VH.1 … VH.5", example = "I.3"), TableQuery),
    responses(
        (status = 200, description = "Một chỉ tiêu: số liệu, định nghĩa, SQL, phân tích", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TableQuery>,
) -> Result<Json<IndicatorResponse>, ApiError> {
    let period = period_or(q.period.as_deref(), state.site.default_period)?;
    let unit = unit_of(&state, q.unit.as_deref())?;
    let ev = state
        .evaluator_for(q.as_of.as_deref(), q.rule.as_deref())
        .await?;
    let ind = ev.catalogue().indicator(&id)?.clone();
    let row = ev.row(&id, period, unit.as_deref()).await?;
    let explanation = ev.explain(&id, period, unit.as_deref()).await?;
    let breakdown = match q.by.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(dim) => Some(ev.breakdown(&id, period, dim).await?),
        None => None,
    };
    Ok(Json(IndicatorResponse {
        row,
        measure: ind.measure,
        sql: explanation.sql.clone(),
        explanation,
        breakdown,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// Tháng đầu (2025-07).
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
}

/// Monthly values.
#[derive(Debug, Serialize)]
pub struct SeriesResponse {
    pub id: String,
    pub unit: Option<String>,
    pub points: Vec<IndicatorValue>,
}

/// The months a series covers: `from`/`to` if given, else the indicator's data range, else
/// the twelve months up to the default period.
pub(crate) async fn series_range(
    state: &AppState,
    id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Period, Period), ApiError> {
    let ev = state.evaluator().await;
    let range = ev.data_range(id).await?;
    let default_to = state.site.default_period;
    let default_from = Period::month_of(
        default_to
            .last_day()
            .checked_sub_months(chrono::Months::new(11))
            .unwrap_or(default_to.first_day()),
    );
    let (dfrom, dto) = range.unwrap_or((default_from, default_to));
    let from = period_or(from, dfrom)?;
    let to = period_or(to, dto)?;
    if from.first_day() > to.last_day() {
        return Err(ApiError::bad_request(
            "kỳ đầu (from) sau kỳ cuối (to); đổi chỗ hai kỳ",
        ));
    }
    if to.last_day() > from.first_day() + chrono::Duration::days(366 * 10) {
        return Err(ApiError::bad_request("khoảng thời gian dài quá 10 năm"));
    }
    Ok((from, to))
}

#[utoipa::path(get, path = "/api/indicators/{id}/series", tag = "chỉ tiêu",
    params(("id" = String, Path, description = "Mã chỉ tiêu", example = "I.3"), SeriesQuery),
    responses(
        (status = 200, description = "Giá trị theo tháng", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn series(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<SeriesQuery>,
) -> Result<Json<SeriesResponse>, ApiError> {
    let unit = unit_of(&state, q.unit.as_deref())?;
    let (from, to) = series_range(&state, &id, q.from.as_deref(), q.to.as_deref()).await?;
    let ev = state.evaluator().await;
    let points = ev.series(&id, from, to, unit.as_deref()).await?;
    Ok(Json(SeriesResponse { id, unit, points }))
}
