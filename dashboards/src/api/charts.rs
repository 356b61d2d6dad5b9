//! `/charts/{id}.svg` and `/charts/{id}.png`: an indicator's monthly series with its target.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::indicators::series_range;
use crate::charts::{SeriesChart, indicator_chart, series_svg, svg_to_png};
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
pub struct ChartQuery {
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<ChartQuery>,
) -> Result<Response, ApiError> {
    let (id, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::not_found("biểu đồ có dạng /charts/I.3.svg hoặc .png"))?;
    if ext != "svg" && ext != "png" {
        return Err(ApiError::not_found("biểu đồ chỉ có dạng .svg hoặc .png"));
    }
    let chart = build(&state, id, &q).await?;
    let svg = series_svg(&chart).map_err(ApiError::internal)?;
    if ext == "svg" {
        return Ok((
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            svg,
        )
            .into_response());
    }
    let png = tokio::task::spawn_blocking(move || svg_to_png(&svg))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// The chart of indicator `id`.
pub async fn build(state: &AppState, id: &str, q: &ChartQuery) -> Result<SeriesChart, ApiError> {
    let ev = state.evaluator().await;
    let ind = ev.catalogue().indicator(id)?.clone();
    let unit = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let unit_name = match unit {
        Some(u) => Some(
            state
                .site
                .units
                .iter()
                .find(|(c, _)| c == u)
                .map(|(_, n)| n.clone())
                .ok_or_else(|| ApiError::bad_request(format!("không có khu phố “{u}”")))?,
        ),
        None => None,
    };
    let (from, to) = series_range(state, id, q.from.as_deref(), q.to.as_deref()).await?;
    let series = ev.series(id, from, to, unit).await?;
    let place = unit_name.unwrap_or_else(|| state.site.ward_name.clone());
    Ok(indicator_chart(
        &ind,
        ev.catalogue(),
        &series,
        &place,
        from,
        to,
    ))
}
