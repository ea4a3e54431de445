//! HTTP for Touchstone: the JSON API under `/api/v1` with its OpenAPI 3.1 document, and the
//! server-rendered pages (askama + vendored htmx), sharing one context middleware, one error
//! rendering and the same use cases. No business rules here.

pub mod api;
pub mod context;
pub mod error;
pub mod export;
pub mod extract;
pub mod i18n;
pub mod listing;
pub mod ui;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use touchstone_app::App;

/// Shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: App,
}

/// The whole application: pages, API, health, static files.
pub fn router(app: App) -> Router {
    let limit = app.config.server.body_limit_bytes;
    let state = AppState { app };
    Router::new()
        .nest("/api/v1", api::routes())
        .route("/api/openapi.json", get(api::openapi::json))
        .route("/api/docs", get(api::openapi::docs_page))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(ui::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), context::middleware))
        .with_state(state)
}

async fn not_found() -> error::WebError {
    error::WebError(touchstone_app::Error::NotFound)
}

/// Ready when the database answers and the schema is current.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match touchstone_store::migrate::current_version(&state.app.db).await {
        Ok(v) if v == touchstone_store::migrate::latest_version() => (StatusCode::OK, "ready".to_string()),
        Ok(v) => (StatusCode::SERVICE_UNAVAILABLE, format!("schema version {v} is not current")),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable".to_string())
        }
    }
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
