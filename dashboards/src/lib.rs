//! The web service: the Phụ lục 1 page, the JSON API, the charts, and the reports and
//! evidence annexes people sign and file.
//!
//! Shaped like ROAPI's server: [`AppState`] holds what handlers need, [`app`] builds the
//! router (shared by `chiso serve` and the tests), one file per resource under `api/`.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
mod caching;
pub mod charts;
pub mod documents;
pub mod error;
pub mod extract;
pub mod fonts;
mod markup;
pub mod observe;
pub mod openapi;
pub mod pages;
pub mod state;
pub mod view;

use std::net::SocketAddr;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

pub use error::ApiError;
pub use state::{AppState, Province, Site};

/// The router. Every route passes the access layer ([`access::guard`]), the cache headers and
/// the request metrics.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::overview::get))
        .route("/chi-tieu/{id}", get(pages::indicator::get))
        .route("/chi-tieu/{id}/tai/{file}", get(api::downloads::get))
        .route("/nhiem-vu", get(pages::tasks::get))
        .route("/tinh", get(pages::province::list))
        .route("/tinh/{id}", get(pages::province::indicator))
        .route("/api/province", get(api::province::get))
        .route("/du-lieu", get(pages::data::get))
        .route("/cong-khai", get(pages::public::get))
        .route("/cong-khai/bieu-do/{file}", get(api::charts::public))
        .route(
            "/dang-nhap",
            get(pages::signin::get).post(pages::signin::post),
        )
        .route("/dang-xuat", post(pages::signin::sign_out))
        .route(
            "/bao-cao",
            get(pages::reports::get).post(pages::reports::post),
        )
        .route("/bao-cao/tai/{file}", get(pages::reports::download))
        .route("/healthz", get(api::health::get))
        .route("/readyz", get(api::health::ready))
        .route("/metrics", get(observe::metrics))
        .route("/openapi.json", get(openapi::document))
        .route("/api/indicators", get(api::indicators::list))
        .route("/api/indicators/{id}", get(api::indicators::get))
        .route("/api/indicators/{id}/series", get(api::indicators::series))
        .route("/api/indicators/{id}/evidence", get(api::evidence::get))
        .route("/api/freshness", get(api::freshness::get))
        .route("/api/runs", get(api::data::runs))
        .route("/api/quarantine", get(api::data::quarantine))
        .route("/api/tasks", get(api::tasks::list))
        .route("/charts/{file}", get(api::charts::get))
        .route("/charts/{id}/theo/{file}", get(api::charts::breakdown))
        .route("/static/fonts/{file}", get(api::static_fonts::get))
        .fallback(extract::not_found)
        .method_not_allowed_fallback(extract::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), access::guard))
        .layer(from_fn(caching::etag))
        .layer(from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// Serves `app(state)` on `listener` until Ctrl-C or SIGTERM: requests under way are finished,
/// then the audit log is written out.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let audit = state.audit.clone();
    let result = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    audit.flush().await;
    result
}

/// Binds `addr`.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
