//! The web service: the Phụ lục 1 page, the JSON API, the charts, and the reports and
//! evidence annexes people sign and file.
//!
//! Shaped like ROAPI's server: [`AppState`] holds what handlers need, [`app`] builds the
//! router (shared by `chiso serve` and the tests), one file per resource under `api/`.

pub mod api;
pub mod charts;
pub mod documents;
pub mod error;
pub mod fonts;
mod markup;
pub mod pages;
pub mod state;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;

pub use error::ApiError;
pub use state::{AppState, Site};

/// The router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::index::get))
        .route("/healthz", get(api::health::get))
        .route("/api/indicators", get(api::indicators::list))
        .route("/api/indicators/{id}", get(api::indicators::get))
        .route("/api/indicators/{id}/series", get(api::indicators::series))
        .route("/api/indicators/{id}/evidence", get(api::evidence::get))
        .route(
            "/bao-cao",
            get(pages::reports::get).post(pages::reports::post),
        )
        .route("/bao-cao/tai/{file}", get(pages::reports::download))
        .route("/api/freshness", get(api::freshness::get))
        .route("/api/tasks", get(api::tasks::list))
        .route("/charts/{file}", get(api::charts::get))
        .route("/static/fonts/{file}", get(api::static_fonts::get))
        .with_state(state)
}

/// Serves `app(state)` on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Binds `addr`.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

async fn shutdown_signal() {
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
