//! `/api/runs` and `/api/quarantine`: the run log and the rejected rows behind the data page.

use axum::Json;
use axum::extract::State;

use crate::extract::Query;
use serde::Deserialize;
use warehouse::{Quarantine, RunSummary};

use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// At most this many runs, the newest first (default 50, at most 1 000).
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/runs", tag = "dữ liệu", params(RunsQuery),
    responses(
        (status = 200, description = "Các lần nạp gần đây", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn runs(
    State(state): State<AppState>,
    Query(q): Query<RunsQuery>,
) -> Result<Json<Vec<RunSummary>>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    Ok(Json(
        state
            .lake
            .recent_runs(limit)
            .await
            .map_err(ApiError::internal)?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarantineQuery {
    /// Tên nguồn (one_stop, vneid, market, petitions, uploads).
    source: Option<String>,
    /// At most this many rows (default 200, at most 10 000).
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/quarantine", tag = "dữ liệu", params(QuarantineQuery),
    responses(
        (status = 200, description = "Dòng bị loại, kèm tệp, dòng, trường và lý do", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn quarantine(
    State(state): State<AppState>,
    Query(q): Query<QuarantineQuery>,
) -> Result<Json<Quarantine>, ApiError> {
    let limit = q.limit.unwrap_or(200).clamp(1, 10_000);
    let source = q.source.as_deref().map(str::trim).filter(|s| !s.is_empty());
    Ok(Json(
        state
            .lake
            .quarantine(source, limit)
            .await
            .map_err(ApiError::internal)?,
    ))
}
