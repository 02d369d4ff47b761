//! Operational endpoints: liveness, readiness, metrics and the API description.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use rsc_protocol::ErrorBody;

use super::{AppState, openapi_json};
use rsc_service::AppError;
use rsc_service::store::Store;

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
pub async fn metrics(
    axum::Extension(handle): axum::Extension<std::sync::Arc<metrics_exporter_prometheus::PrometheusHandle>>,
) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render())
}

/// The OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "this document")))]
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}
