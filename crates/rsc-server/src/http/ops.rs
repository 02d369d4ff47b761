//! Operational endpoints: liveness, readiness, metrics, the API description, and the 404.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use rsc_protocol::ErrorBody;

use super::{AppState, openapi_json};
use crate::AppError;
use crate::store::Store;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the process is up")))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "the database answers"), (status = 503, description = "it does not", body = ErrorBody)))]
pub async fn readyz<S: Store>(State(state): State<AppState<S>>) -> Result<&'static str, AppError> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "database not reachable");
        AppError::Unavailable("the database is not reachable".into())
    })?;
    Ok("ready\n")
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus metrics", content_type = "text/plain")))]
pub async fn metrics<S: Store>(State(state): State<AppState<S>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

/// The OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "this document")))]
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

/// Anything else.
pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, AppError::NotFound("no such endpoint; see /openapi.json".into()))
}
