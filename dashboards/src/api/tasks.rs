//! `/api/tasks`: the 6 rõ tasks with their status, overdue and effect.

use axum::Json;
use axum::extract::State;

use crate::extract::Query;
use chrono::NaiveDate;
use metrics::TaskState;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// Part of a unit's name: its tasks as lead or partner.
    unit: Option<String>,
    /// The day to judge at (YYYY-MM-DD); default: today in the ward's zone.
    on: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TasksResponse {
    pub on: NaiveDate,
    pub unit: Option<String>,
    pub total: usize,
    pub overdue: usize,
    pub done_without_effect: usize,
    pub tasks: Vec<TaskState>,
}

#[utoipa::path(get, path = "/api/tasks", tag = "nhiệm vụ", params(TasksQuery),
    responses(
        (status = 200, description = "Nhiệm vụ 6 rõ với tình trạng, quá hạn, hiệu quả", body = serde_json::Value),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<TasksQuery>,
) -> Result<Json<TasksResponse>, ApiError> {
    let ev = state.evaluator().await;
    let on = match q.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => d
            .parse::<NaiveDate>()
            .map_err(|_| ApiError::bad_request(format!("ngày “{d}”: viết YYYY-MM-DD")))?,
        None => chrono::Utc::now()
            .with_timezone(&ev.timezone())
            .date_naive(),
    };
    let unit = q
        .unit
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let tasks = ev.tasks(&state.site.plans, on, unit.as_deref()).await?;
    Ok(Json(TasksResponse {
        on,
        unit,
        total: tasks.len(),
        overdue: tasks.iter().filter(|t| t.overdue).count(),
        done_without_effect: tasks.iter().filter(|t| t.done_without_effect).count(),
        tasks,
    }))
}
