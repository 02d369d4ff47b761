//! The HTTP API: routes, the shared state, and the middleware every request passes through
//! (request id, tracing span, metrics, timeout, body limit, panic catcher).

mod accounts;
mod json;
mod me;
mod openapi;
mod ops;
pub mod registry;
mod sync;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use json::JsonBody;

use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState<S> {
    /// The storage backend.
    pub store: S,
    /// Renders the Prometheus metrics.
    pub metrics: Arc<PrometheusHandle>,
}

/// Every route the server answers, as `(method, path)` in the OpenAPI document's spelling.
/// A test keeps this list, the router and `openapi.json` in step.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("post", "/v1/accounts"),
    ("post", "/v1/login"),
    ("get", "/v1/me"),
    ("get", "/v1/devices"),
    ("delete", "/v1/devices/{device_id}"),
    ("post", "/v1/sync"),
    ("get", "/v1/server-keys"),
    ("get", "/v1/me/profile"),
    ("put", "/v1/me/profile"),
    ("get", "/v1/me/claims"),
    ("post", "/v1/me/claims"),
    ("get", "/v1/me/evaluation"),
    ("get", "/v1/me/dossier"),
    ("get", "/v1/me/pending-confirmations"),
    ("get", "/v1/me/providers"),
    ("get", "/v1/me/exports/{format}"),
    ("post", "/v1/registry/import"),
    ("get", "/v1/registry/records"),
    ("get", "/v1/registry/records/{number}"),
    ("post", "/v1/registry/records/{number}/lapse"),
    ("post", "/v1/registry/records/{number}/revoke"),
    ("get", "/v1/registry/claims"),
    ("post", "/v1/registry/claims/{claim_id}/approve"),
    ("post", "/v1/registry/claims/{claim_id}/reject"),
];

pub use openapi::{ApiDoc, openapi_json};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The application with all its middleware.
pub fn router<S: Store>(state: AppState<S>, request_timeout: Duration) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz::<S>))
        .route("/metrics", get(ops::metrics::<S>))
        .route("/openapi.json", get(ops::openapi))
        .route("/v1/accounts", post(accounts::register::<S>))
        .route("/v1/login", post(accounts::login::<S>))
        .route("/v1/me", get(accounts::me))
        .route("/v1/devices", get(accounts::devices::<S>))
        .route("/v1/devices/{device_id}", delete(accounts::revoke_device::<S>))
        .route("/v1/sync", post(sync::sync::<S>))
        .route("/v1/server-keys", get(me::server_keys::<S>))
        .route("/v1/me/profile", get(me::get_profile::<S>).put(me::put_profile::<S>))
        .route("/v1/me/claims", get(me::claims::<S>).post(me::create_claim::<S>))
        .route("/v1/me/evaluation", get(me::evaluation::<S>))
        .route("/v1/me/dossier", get(me::dossier::<S>))
        .route("/v1/me/pending-confirmations", get(me::pending::<S>))
        .route("/v1/me/providers", get(me::providers::<S>))
        .route("/v1/me/exports/{format}", get(me::export::<S>))
        .route("/v1/registry/import", post(registry::import::<S>))
        .route("/v1/registry/records", get(registry::records::<S>))
        .route("/v1/registry/records/{number}", get(registry::record::<S>))
        .route("/v1/registry/records/{number}/lapse", post(registry::lapse::<S>))
        .route("/v1/registry/records/{number}/revoke", post(registry::revoke::<S>))
        .route("/v1/registry/claims", get(registry::claims::<S>))
        .route("/v1/registry/claims/{claim_id}/approve", post(registry::approve::<S>))
        .route("/v1/registry/claims/{claim_id}/reject", post(registry::reject::<S>))
        .fallback(ops::not_found)
        .with_state(state)
        // Bodies over the limit are refused from their Content-Length, before being read.
        .layer(DefaultBodyLimit::max(rsc_protocol::MAX_BODY_BYTES))
        .layer(middleware::from_fn(record_metrics))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(CatchPanicLayer::new())
        .layer(
            // The span carries the request id, method and route; never headers, so no token
            // reaches the logs.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-");
                    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn record_metrics(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().to_string();
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("rsc_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("rsc_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
