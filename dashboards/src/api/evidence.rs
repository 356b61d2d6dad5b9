//! `/api/indicators/{id}/evidence?period=&unit=&as_of=`: the evidence annex of one figure, as
//! a ZIP to download.

use axum::extract::{Path, State};

use crate::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::documents::evidence::AnnexSpec;
use crate::documents::produce;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    period: Option<String>,
    unit: Option<String>,
    as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/indicators/{id}/evidence", tag = "minh chứng",
    params(("id" = String, Path, description = "Mã chỉ tiêu", example = "I.3"), EvidenceQuery),
    responses(
        (status = 200, description = "Phụ lục minh chứng (ZIP)", content_type = "application/zip", body = Vec<u8>),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<EvidenceQuery>,
) -> Result<Response, ApiError> {
    let period = crate::view::period_or(q.period.as_deref(), state.site.default_period)?;
    let ev = state.evaluator_for(q.as_of.as_deref(), None).await?;
    let id = ev.catalogue().indicator(&id)?.id.clone();
    let unit = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let spec = AnnexSpec {
        ward: state.site.ward_name.clone(),
        indicators: vec![id.clone()],
        period,
        unit: produce::unit_named(&state.site, unit)?,
        date: None,
    };
    let dir = tempfile::tempdir().map_err(ApiError::internal)?;
    let name = format!(
        "minh-chung-{id}-{period}{}.zip",
        unit.map(|u| format!("-{u}")).unwrap_or_default()
    );
    let path = dir.path().join(&name);
    produce::write_annex(&ev, &spec, &path).await?;
    let bytes = tokio::fs::read(&path).await.map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
