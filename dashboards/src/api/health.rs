//! `/healthz`: the service is up and its lake snapshot answers.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::AppState;

pub async fn get(State(state): State<AppState>) -> Json<Value> {
    let ev = state.evaluator().await;
    Json(json!({
        "status": "ok",
        "ward": state.site.ward_name,
        "indicators": ev.catalogue().indicators.len(),
    }))
}
