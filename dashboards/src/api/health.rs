//! `/healthz`: the process answers. `/readyz`: the lake opens and the catalogue evaluates, so a
//! load balancer sends readers only to a service that can answer them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::{ApiError, AppState};

#[utoipa::path(get, path = "/healthz", tag = "vận hành",
    responses((status = 200, description = "Dịch vụ đang chạy", body = serde_json::Value)))]
pub async fn get(State(state): State<AppState>) -> Json<Value> {
    let ev = state.evaluator().await;
    Json(json!({
        "status": "ok",
        "ward": state.site.ward_name,
        "indicators": ev.catalogue().indicators.len(),
    }))
}

#[utoipa::path(get, path = "/readyz", tag = "vận hành",
    responses(
        (status = 200, description = "Kho dữ liệu mở được và danh mục tính được", body = serde_json::Value),
        (status = 503, description = "Chưa sẵn sàng", body = crate::error::ErrorBody),
    ))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let not_ready = |what: &str, e: &dyn std::fmt::Display| {
        tracing::error!("not ready: {what}: {e}");
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "not_ready",
            message: format!("Chưa sẵn sàng: {what}."),
        }
    };
    let tables = state
        .lake
        .tables()
        .await
        .map_err(|e| not_ready("không mở được kho dữ liệu", &e))?;
    let ev = state.evaluator().await;
    let period = state.site.default_period;
    let mut evaluated = 0;
    for ind in ev
        .catalogue()
        .indicators
        .iter()
        .chain(&ev.catalogue().operations)
    {
        ev.row(&ind.id, period, None)
            .await
            .map_err(|e| not_ready(&format!("không tính được chỉ tiêu {}", ind.id), &e))?;
        evaluated += 1;
    }
    Ok(Json(json!({
        "status": "ready",
        "lake_version": ev.lake_version(),
        "tables": tables.len(),
        "indicators_evaluated": evaluated,
        "period": period.to_string(),
    })))
}
