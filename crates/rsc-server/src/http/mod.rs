//! The HTTP API: routes, the shared state, and the middleware every request passes through
//! (request id, tracing span, metrics, timeout, body limit, panic catcher).

pub(crate) mod accounts;
pub(crate) mod connections;
mod device;
pub(crate) mod json;
pub(crate) mod me;
mod openapi;
pub(crate) mod ops;
mod registry;
mod schema;
mod sync;
pub(crate) mod verify;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, patch, post, put};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use json::JsonBody;

use rsc_service::store::Store;

pub use device::Device;
pub use rsc_service::AppState;

/// Declares the routes once: the router is built from the list, and [`ROUTES`] is the same
/// list, which a test checks against the generated OpenAPI document. A route cannot be served
/// without appearing there.
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:expr),* $(,)?) => {
        /// Every route the server answers, as `(method, path)` in the OpenAPI document's spelling.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn api_routes<S: Store>() -> Router<AppState<S>> {
            Router::new()$(.route($path, $method($handler)))*
        }
    };
}

api_routes! {
    get "/healthz" => ops::healthz,
    get "/readyz" => ops::readyz::<S>,
    get "/metrics" => ops::metrics,
    get "/openapi.json" => ops::openapi,
    post "/v1/accounts" => accounts::register::<S>,
    post "/v1/login" => accounts::login::<S>,
    get "/v1/me" => accounts::me,
    post "/v1/me/password" => accounts::change_password::<S>,
    get "/v1/me/data" => accounts::own_data::<S>,
    post "/v1/me/close" => accounts::close_account::<S>,
    post "/v1/password-reset" => accounts::reset_password::<S>,
    get "/v1/devices" => accounts::devices::<S>,
    delete "/v1/devices/{device_id}" => accounts::revoke_device::<S>,
    post "/v1/sync" => sync::sync::<S>,
    get "/v1/events" => sync::events::<S>,
    get "/v1/server-keys" => me::server_keys::<S>,
    get "/v1/me/profile" => me::get_profile::<S>,
    put "/v1/me/profile" => me::put_profile::<S>,
    get "/v1/me/claims" => me::claims::<S>,
    post "/v1/me/claims" => me::create_claim::<S>,
    get "/v1/me/evaluation" => me::evaluation::<S>,
    get "/v1/me/dossier" => me::dossier::<S>,
    get "/v1/me/pending-confirmations" => me::pending::<S>,
    get "/v1/me/providers" => me::providers::<S>,
    post "/v1/me/certificates" => me::upload_certificate::<S>,
    get "/v1/me/certificates" => me::certificates::<S>,
    get "/v1/me/certificates/{digest}" => me::certificate::<S>,
    get "/v1/me/provided" => me::provided::<S>,
    get "/v1/me/provided/pdf" => me::provided_pdf::<S>,
    post "/v1/connections" => connections::connect::<S>,
    get "/v1/connections" => connections::connections::<S>,
    post "/v1/connections/codes" => connections::create_code::<S>,
    get "/v1/connections/codes" => connections::codes::<S>,
    delete "/v1/connections/codes/{code}" => connections::revoke_code::<S>,
    post "/v1/connections/requests" => connections::request::<S>,
    post "/v1/connections/requests/{person}/accept" => connections::accept::<S>,
    post "/v1/connections/requests/{person}/decline" => connections::decline::<S>,
    delete "/v1/connections/people/{person}" => connections::end::<S>,
    get "/v1/groups" => connections::groups::<S>,
    post "/v1/groups" => connections::create_group::<S>,
    patch "/v1/groups/{group_id}" => connections::change_group::<S>,
    post "/v1/groups/{group_id}/members" => connections::add_member::<S>,
    delete "/v1/groups/{group_id}/members/{member}" => connections::remove_member::<S>,
    get "/v1/me/exports/{format}" => me::export::<S>,
    post "/v1/me/exports" => me::make_export::<S>,
    get "/v1/me/exports/{export_id}/{format}" => me::download_export::<S>,
    get "/verify/sha256/{digest}/standing" => verify::standing::<S>,
    get "/v1/me/export-links" => verify::export_links::<S>,
    delete "/v1/me/export-links/{export_id}" => verify::withdraw_export::<S>,
    get "/verify/{export_id}" => verify::verify_page::<S>,
    get "/verify/{export_id}/export.json" => verify::verify_json::<S>,
    get "/verify/sha256/{digest}/export.json" => verify::verify_json_by_digest::<S>,
    post "/v1/registry/import" => registry::import::<S>,
    get "/v1/registry/records" => registry::records::<S>,
    get "/v1/registry/records/{number}" => registry::record::<S>,
    post "/v1/registry/records/{number}/lapse" => registry::lapse::<S>,
    post "/v1/registry/records/{number}/revoke" => registry::revoke::<S>,
    get "/v1/registry/claims" => registry::claims::<S>,
    post "/v1/registry/claims/{claim_id}/approve" => registry::approve::<S>,
    post "/v1/registry/claims/{claim_id}/reject" => registry::reject::<S>,
}

pub use openapi::{ApiDoc, openapi_json};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The application, API and portal on one port, with all its middleware. `metrics` renders
/// what `GET /metrics` answers.
pub fn router<S: Store>(state: AppState<S>, metrics: Arc<PrometheusHandle>, request_timeout: Duration) -> Router {
    api_routes::<S>()
        .merge(rsc_web::routes::<S>())
        .fallback(rsc_web::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), rsc_web::keep_nav::<S>))
        .with_state(state)
        .layer(axum::Extension(metrics))
        // Bodies over the limit are refused from their Content-Length, before being read.
        .layer(DefaultBodyLimit::max(rsc_protocol::MAX_BODY_BYTES))
        .layer(middleware::from_fn(refuse_control_characters))
        .layer(middleware::from_fn(rsc_web::security_headers))
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
        .layer(middleware::from_fn(request_id_on_errors))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Refuses a request whose path, query or form holds a control character (NUL among them), with
/// the field named, before any handler reads it: Postgres refuses such text and SQLite stores
/// it, so without this one backend answered 500 where the other stored garbage. (JSON bodies are
/// checked by [`JsonBody`] the same way.) A browser is shown a page; anything else the JSON error.
pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let browser = request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let refuse = |field: String| {
        let error = rsc_service::AppError::invalid(field, json::CONTROL_CHARACTER);
        if browser { rsc_web::error_page(error) } else { error.into_response() }
    };
    if percent_decoded(request.uri().path()).chars().any(char::is_control) {
        return refuse("path".into());
    }
    if let Some(query) = request.uri().query()
        && let Some((key, _)) = url::form_urlencoded::parse(query.as_bytes()).find(refused_pair)
    {
        return refuse(key.into_owned());
    }
    let form = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, rsc_protocol::MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return rsc_service::AppError::TooLarge(format!(
                "the form is larger than {} bytes",
                rsc_protocol::MAX_BODY_BYTES
            ))
            .into_response();
        }
    };
    if let Some((key, _)) = url::form_urlencoded::parse(&bytes).find(refused_pair) {
        return refuse(key.into_owned());
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// Whether a query's or form's pair holds a forbidden character. `next` (where to go after
/// signing in) is exempt: anything but a plain path on this site is read as the home page (see
/// `web::session::local_path`), as a browser would be sent there.
fn refused_pair((key, value): &(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)) -> bool {
    key.chars().any(json::forbidden) || (key != "next" && value.chars().any(json::forbidden))
}

/// A URL path with its `%XX` escapes decoded (invalid UTF-8 read leniently).
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Names the request in an answer that went wrong, for whoever reports it to quote; the log
/// line of every request carries the id too. A successful answer goes without, since an idle
/// sync's answer is otherwise mostly headers.
async fn request_id_on_errors(request: Request, next: Next) -> Response {
    let id = request.extensions().get::<RequestId>().map(|id| id.header_value().clone());
    let mut response = next.run(request).await;
    if let Some(id) = id.filter(|_| response.status().is_client_error() || response.status().is_server_error()) {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
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
