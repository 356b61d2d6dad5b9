//! `/api/freshness?unit=`: when each source's data last arrived, per khu phố, and what is late.

use axum::Json;
use axum::extract::State;

use crate::extract::Query;
use serde::Deserialize;
use warehouse::SourceFreshness;

use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FreshnessQuery {
    /// One khu phố's arrivals only.
    unit: Option<String>,
}

#[utoipa::path(get, path = "/api/freshness", tag = "dữ liệu", params(FreshnessQuery),
    responses(
        (status = 200, description = "Độ mới theo nguồn và khu phố", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Query(q): Query<FreshnessQuery>,
) -> Result<Json<Vec<SourceFreshness>>, ApiError> {
    let unit = crate::view::unit_of(&state, q.unit.as_deref())?;
    let f = state
        .lake
        .freshness(&state.site.max_age_hours, chrono::Utc::now())
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(match &unit {
        Some(u) => f.into_iter().map(|s| s.only_unit(u)).collect(),
        None => f,
    }))
}
