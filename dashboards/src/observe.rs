//! `/metrics` in the Prometheus text format: requests and their latency by route, ingest runs
//! and rows by source, and the age of each source's data.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{ApiError, AppState};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Requests at or under each bucket's bound.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

/// Requests seen since start, by method and route pattern.
#[derive(Debug, Default)]
pub struct Observations {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Observations {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let s = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *s.by_status.entry(status).or_default() += 1;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
        s.count += 1;
        s.seconds += seconds;
    }

    fn render(&self, out: &mut String) {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP chiso_http_requests_total Requests answered, by route and status.\n");
        out.push_str("# TYPE chiso_http_requests_total counter\n");
        for ((m, r), s) in routes.iter() {
            for (status, n) in &s.by_status {
                let _ = writeln!(
                    out,
                    "chiso_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {n}",
                    label(r)
                );
            }
        }
        out.push_str("# HELP chiso_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE chiso_http_request_duration_seconds histogram\n");
        for ((m, r), s) in routes.iter() {
            let l = format!("method=\"{m}\",route=\"{}\"", label(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "chiso_http_request_duration_seconds_bucket{{{l},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "chiso_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "chiso_http_request_duration_seconds_sum{{{l}}} {}",
                s.seconds
            );
            let _ = writeln!(
                out,
                "chiso_http_request_duration_seconds_count{{{l}}} {}",
                s.count
            );
        }
    }
}

/// A label value with `\`, `"` and line breaks escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The middleware counting every request by its route pattern.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "(không có)".to_string());
    let resp = next.run(req).await;
    let seconds = start.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.observations.record(&method, &route, status, seconds);
    tracing::info!(
        target: "http",
        method = %method,
        route = %route,
        status,
        ms = (seconds * 1000.0).round() as u64,
        "request"
    );
    resp
}

/// `/metrics`.
#[utoipa::path(get, path = "/metrics", tag = "vận hành",
    responses(
        (status = 200, description = "Số đo theo định dạng Prometheus", content_type = "text/plain", body = String),
        (status = 401, description = "Chưa đăng nhập (ngoài máy chủ)", body = crate::error::ErrorBody),
        (status = 403, description = "Không có quyền", body = crate::error::ErrorBody),
    ), security((), ("phien" = [])))]
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut out = String::new();
    state.observations.render(&mut out);
    let totals = state.lake.run_totals().await.map_err(ApiError::internal)?;
    out.push_str(
        "# HELP chiso_ingest_runs_total Ingest runs in the run log, by source and outcome.\n",
    );
    out.push_str("# TYPE chiso_ingest_runs_total counter\n");
    for t in &totals {
        let _ = writeln!(
            out,
            "chiso_ingest_runs_total{{source=\"{}\",outcome=\"{}\"}} {}",
            label(&t.source),
            label(&t.outcome),
            t.runs
        );
    }
    out.push_str("# HELP chiso_ingest_rows_total Rows read by ingest runs, by source and fate.\n");
    out.push_str("# TYPE chiso_ingest_rows_total counter\n");
    let mut rows: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for t in &totals {
        *rows.entry((&t.source, "read")).or_default() += t.rows_read;
        *rows.entry((&t.source, "accepted")).or_default() += t.rows_accepted;
        *rows.entry((&t.source, "quarantined")).or_default() += t.rows_quarantined;
    }
    for ((source, kind), n) in rows {
        let _ = writeln!(
            out,
            "chiso_ingest_rows_total{{source=\"{}\",kind=\"{kind}\"}} {n}",
            label(source)
        );
    }
    let now = chrono::Utc::now();
    let fresh = state
        .lake
        .freshness(&state.site.max_age_hours, now)
        .await
        .map_err(ApiError::internal)?;
    out.push_str("# HELP chiso_data_age_seconds Time since a source last brought new rows.\n");
    out.push_str("# TYPE chiso_data_age_seconds gauge\n");
    for f in &fresh {
        if let Some(t) = f.last_arrival {
            let _ = writeln!(
                out,
                "chiso_data_age_seconds{{source=\"{}\"}} {}",
                label(&f.source),
                (now - t).num_seconds().max(0)
            );
        }
    }
    out.push_str(
        "# HELP chiso_data_late Whether a source is past its allowed age (1) or not (0).\n",
    );
    out.push_str("# TYPE chiso_data_late gauge\n");
    for f in &fresh {
        let _ = writeln!(
            out,
            "chiso_data_late{{source=\"{}\"}} {}",
            label(&f.source),
            u8::from(f.late)
        );
    }
    if let Some(v) = state.evaluator().await.lake_version() {
        out.push_str("# HELP chiso_lake_version The run-log version the service reads.\n");
        out.push_str("# TYPE chiso_lake_version gauge\n");
        let _ = writeln!(out, "chiso_lake_version {v}");
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}
