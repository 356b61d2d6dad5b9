//! `/api/freshness`: when each source's data last arrived, per khu phố, and what is late.

use axum::Json;
use axum::extract::State;
use warehouse::SourceFreshness;

use crate::{ApiError, AppState};

pub async fn get(State(state): State<AppState>) -> Result<Json<Vec<SourceFreshness>>, ApiError> {
    let f = state
        .lake
        .freshness(&state.site.max_age_hours, chrono::Utc::now())
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(f))
}
