//! `/api/province`: a province's wards side by side, as JSON.

use axum::Json;
use axum::extract::State;

use crate::extract::Query;
use crate::pages::province::{ProvinceQuery, read};
use crate::{ApiError, AppState};

/// Every indicator with the province's figure (the wards' numerators and denominators
/// summed) and every ward's, ranked.
#[utoipa::path(get, path = "/api/province", tag = "tỉnh", params(ProvinceQuery),
    responses(
        (status = 200, description = "Chỉ tiêu toàn tỉnh và của từng phường, xếp hạng", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Query(q): Query<ProvinceQuery>,
) -> Result<Json<Vec<metrics::province::ProvinceRow>>, ApiError> {
    let (_, rows) = read(&state, &q).await?;
    Ok(Json(rows.as_ref().clone()))
}
