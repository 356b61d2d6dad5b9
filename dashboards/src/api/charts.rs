//! `/charts/{id}.svg` and `/charts/{id}.png`: an indicator's monthly series with its target.

use axum::extract::{Path, State};

use crate::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::indicators::series_range;
use crate::charts::{SeriesChart, indicator_chart, series_svg, svg_to_png};
use crate::{ApiError, AppState};

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
    /// `calendar` or `nd09`.
    rule: Option<String>,
}

/// The chart `key` names over the snapshot of `ev`, as SVG or PNG by `ext`: drawn by `svg`
/// the first time, then kept with the snapshot.
async fn drawn(
    state: &AppState,
    ev: &metrics::Evaluator,
    key: String,
    ext: &str,
    svg: impl std::future::Future<Output = Result<String, ApiError>>,
) -> Result<Response, ApiError> {
    let png = ext == "png";
    let bytes = state
        .memo(ev, &format!("{key}|{ext}"), || async {
            let svg = svg.await?;
            if !png {
                return Ok(axum::body::Bytes::from(svg));
            }
            let png = tokio::task::spawn_blocking(move || svg_to_png(&svg))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            Ok(axum::body::Bytes::from(png))
        })
        .await?;
    let content_type = if png {
        "image/png"
    } else {
        "image/svg+xml; charset=utf-8"
    };
    Ok(([(header::CONTENT_TYPE, content_type)], (*bytes).clone()).into_response())
}

/// `id` and the extension of a chart file name.
fn split(file: &str) -> Result<(&str, &str), ApiError> {
    match file.rsplit_once('.') {
        Some((id, ext @ ("svg" | "png"))) => Ok((id, ext)),
        _ => Err(ApiError::not_found("biểu đồ có dạng I.3.svg hoặc I.3.png")),
    }
}

#[utoipa::path(get, path = "/charts/{file}", tag = "biểu đồ",
    params(("file" = String, Path, description = "I.3.svg hoặc I.3.png", example = "I.3.svg"), ChartQuery),
    responses(
        (status = 200, description = "Biểu đồ theo tháng (SVG hoặc PNG)", content_type = "image/svg+xml", body = String),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<ChartQuery>,
) -> Result<Response, ApiError> {
    let (id, ext) = split(&file)?;
    let ev = state.evaluator_for(None, q.rule.as_deref()).await?;
    let key = format!("chart|{id}|{q:?}");
    drawn(&state, &ev, key, ext, async {
        series_svg(&build(&state, id, &q).await?).map_err(ApiError::internal)
    })
    .await
}

/// `/cong-khai/bieu-do/{id}.svg|png`: the ward's chart, for anyone.
#[utoipa::path(get, path = "/cong-khai/bieu-do/{file}", tag = "công khai",
    params(("file" = String, Path, description = "I.3.svg hoặc I.3.png", example = "I.3.svg"), ChartQuery),
    responses(
        (status = 200, description = "Biểu đồ toàn phường", content_type = "image/svg+xml", body = String),
        (status = 400, description = "Tham số sai", body = crate::error::ErrorBody),
        (status = 404, description = "Không có", body = crate::error::ErrorBody),
    ))]
pub async fn public(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<ChartQuery>,
) -> Result<Response, ApiError> {
    let (id, ext) = split(&file)?;
    let q = ChartQuery {
        unit: None,
        rule: None,
        ..q
    };
    let ev = state.evaluator().await;
    let key = format!("chart|{id}|{q:?}");
    drawn(&state, &ev, key, ext, async {
        series_svg(&build(&state, id, &q).await?).map_err(ApiError::internal)
    })
    .await
}

/// `/charts/{id}/theo/{dim}.svg|png?period=&rule=`: the breakdown bar chart, worst first.
#[utoipa::path(get, path = "/charts/{id}/theo/{file}", tag = "biểu đồ",
    params(("id" = String, Path, description = "Mã chỉ tiêu", example = "I.3"), ("file" = String, Path, description = "khu_pho.svg, linh_vuc.png, don_vi.svg, kenh.svg", example = "khu_pho.svg"), crate::view::ViewQuery),
    responses(
        (status = 200, description = "Biểu đồ cột theo khu phố, lĩnh vực, đơn vị hoặc kênh", content_type = "image/svg+xml", body = String),
        crate::error::Refusals,
    ), security(("phien" = [])))]
pub async fn breakdown(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<crate::view::ViewQuery>,
) -> Result<Response, ApiError> {
    let (dim, ext) = split(&file)?;
    let view = crate::view::View::read(&state, &q)?;
    let ev = state.evaluator_for(None, view.rule_param()).await?;
    let key = format!("bars|{id}|{dim}|{}", view.query());
    drawn(&state, &ev, key, ext, async {
        let ind = ev.catalogue().indicator(&id)?.clone();
        let mut values = ev.breakdown(&ind.id, view.period, dim).await?;
        crate::view::worst_first(&mut values);
        let row = ev.row(&ind.id, view.period, None).await?;
        let target = row.figure.milestone.and_then(|y| match ind.target(y) {
            Some(metrics::Target::AtLeast { percent }) => Some((y, percent)),
            _ => None,
        });
        let dim_name = metrics::catalogue::DIMENSIONS
            .iter()
            .find(|(d, _)| *d == dim)
            .map(|(_, n)| *n)
            .unwrap_or(dim);
        let chart = crate::charts::BarChart {
            title: format!("{} theo {dim_name}", ind.id),
            subtitle: format!(
                "{} · {} · {}",
                ind.name,
                state.site.ward_name,
                row.figure.window.label_vi()
            ),
            bars: values
                .iter()
                .map(|v| crate::charts::Bar {
                    label: crate::view::key_name(&state, dim, v.key.as_deref()),
                    value: v.value,
                    detail: format!(
                        "{} / {}",
                        metrics::format::integer(v.numerator),
                        metrics::format::integer(v.denominator)
                    ),
                })
                .collect(),
            target: target.map(|(_, p)| p),
            target_label: target
                .map(|(y, p)| format!("Mục tiêu {y}: ≥ {} %", crate::charts::format_vi(p, 0))),
        };
        Ok(crate::charts::bars_svg(&chart))
    })
    .await
}

/// The chart of indicator `id`.
pub async fn build(state: &AppState, id: &str, q: &ChartQuery) -> Result<SeriesChart, ApiError> {
    let ev = state.evaluator_for(None, q.rule.as_deref()).await?;
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
    let series = state.series(&ev, id, from, to, unit).await?;
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
