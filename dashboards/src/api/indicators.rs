//! `/api/indicators`, `/api/indicators/{id}`, `/api/indicators/{id}/series`.

use axum::Json;
use axum::extract::{Path, Query, State};
use metrics::{IndicatorRow, IndicatorValue, Period};
use serde::{Deserialize, Serialize};

use super::period_or;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
pub struct TableQuery {
    period: Option<String>,
    unit: Option<String>,
}

/// The table for a period.
#[derive(Debug, Serialize)]
pub struct TableResponse {
    pub period: Period,
    pub period_label: String,
    pub unit: Option<String>,
    pub indicators: Vec<IndicatorRow>,
}

fn unit_of(state: &AppState, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(u) if state.site.units.iter().any(|(c, _)| c == u) => Ok(Some(u.to_string())),
        Some(u) => Err(ApiError::bad_request(format!(
            "không có khu phố “{u}”; mã hợp lệ: {}",
            state
                .site
                .units
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<TableQuery>,
) -> Result<Json<TableResponse>, ApiError> {
    let period = period_or(q.period.as_deref(), state.site.default_period)?;
    let unit = unit_of(&state, q.unit.as_deref())?;
    let ev = state.evaluator().await;
    let indicators = ev.table(period, unit.as_deref()).await?;
    Ok(Json(TableResponse {
        period,
        period_label: period.label_vi(),
        unit,
        indicators,
    }))
}

/// One indicator with its definition and the SQL behind the figure.
#[derive(Debug, Serialize)]
pub struct IndicatorResponse {
    #[serde(flatten)]
    pub row: IndicatorRow,
    pub measure: Option<metrics::Measure>,
    pub sql: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TableQuery>,
) -> Result<Json<IndicatorResponse>, ApiError> {
    let period = period_or(q.period.as_deref(), state.site.default_period)?;
    let unit = unit_of(&state, q.unit.as_deref())?;
    let ev = state.evaluator().await;
    let ind = ev.catalogue().indicator(&id)?.clone();
    let row = ev.row(&id, period, unit.as_deref()).await?;
    let sql = ev.explain_sql(&id, period, unit.as_deref())?;
    Ok(Json(IndicatorResponse {
        row,
        measure: ind.measure,
        sql,
    }))
}

#[derive(Debug, Deserialize)]
pub struct SeriesQuery {
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
        return Err(ApiError::bad_request("from sau to"));
    }
    if to.last_day() > from.first_day() + chrono::Duration::days(366 * 10) {
        return Err(ApiError::bad_request("khoảng thời gian dài quá 10 năm"));
    }
    Ok((from, to))
}

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
