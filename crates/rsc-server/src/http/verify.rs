//! The verification page of a kept export, for whoever holds its link (a reviewer with a PDF in
//! hand): whether it verifies, what it says, and what changed since it was made. And the
//! applicant's list of her exports, each of which she may withdraw.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsc_protocol::{ErrorBody, ExportLink, ExportStanding};
use serde::Deserialize;

use super::AppState;
use super::Device;
use rsc_service::AppError;
use rsc_service::exports::{self, Lookup};
use rsc_service::store::{ExportRecord, Store};
use rsc_web::day;

/// What a reviewer may add to the link: the SHA-256 printed on her copy, to check it is this one.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct VerifyQuery {
    /// The SHA-256 (hex) printed on the PDF or CSV in hand.
    pub sha256: Option<String>,
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    rsc_web::message(status, None, title, &[text])
}

/// The export kept under `id`, withdrawn or not, or the page to answer instead.
async fn lookup<S: Store>(
    state: &AppState<S>,
    id: &str,
    address: std::net::IpAddr,
) -> Result<Result<ExportRecord, Response>, AppError> {
    Ok(match exports::lookup(&state.store, id, address).await? {
        Lookup::Found(record) => Ok(record),
        Lookup::TooMany => Err(page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many unknown links",
            "Too many links that lead to no export were opened from this address in the last hour. Check the link \
             against the printout (or scan its QR code), and try again in an hour.",
        )),
        Lookup::Unknown => Err(page(
            StatusCode::NOT_FOUND,
            "No such export",
            "This server keeps no export under this link. Check the link against the printout.",
        )),
    })
}

/// The export kept under `id` while it stands, or the page to answer instead (withdrawn: 410).
async fn kept<S: Store>(
    state: &AppState<S>,
    id: &str,
    address: std::net::IpAddr,
) -> Result<Result<ExportRecord, Response>, AppError> {
    Ok(match lookup(state, id, address).await? {
        Ok(record) if record.withdrawn_at_ms.is_some() => Err(page(
            StatusCode::GONE,
            "Export withdrawn",
            &format!(
                "The applicant withdrew this export on {}. It no longer stands as a record of her hours; ask her for a \
                 current one.",
                day(record.withdrawn_at_ms.unwrap_or_default())
            ),
        )),
        other => other,
    })
}

/// The kept export's signed JSON, or the page to answer instead.
async fn export_json<S: Store>(state: &AppState<S>, id: &str, address: std::net::IpAddr) -> Result<Response, AppError> {
    Ok(match kept(state, id, address).await? {
        Ok(record) => ([(header::CONTENT_TYPE, "application/json")], record.body).into_response(),
        Err(response) => response,
    })
}

/// `GET /verify/{export_id}`: the verification page, for a person.
#[utoipa::path(get, path = "/verify/{export_id}", tag = "verify", params(("export_id" = String, Path, description = "the export id printed on the PDF or CSV"), VerifyQuery),
    responses((status = 200, description = "an HTML page: whether the export verifies, what it says, what changed since", content_type = "text/html"), (status = 404, description = "no such export (HTML)"), (status = 409, description = "the SHA-256 given is not this export's (HTML)"), (status = 410, description = "withdrawn by the applicant (HTML)")))]
pub async fn verify_page<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(query): Query<VerifyQuery>,
) -> Result<Response, AppError> {
    let record = match kept(&state, &id, address.ip()).await? {
        Ok(record) => record,
        Err(response) => return Ok(response),
    };
    let digest = hex::encode(&record.digest);
    if let Some(given) = query.sha256.as_deref().map(str::trim).filter(|g| !g.is_empty())
        && !given.eq_ignore_ascii_case(&digest)
    {
        return Ok(page(
            StatusCode::CONFLICT,
            "Does NOT match",
            &format!(
                "The copy in hand is not this export: its SHA-256 is {}, this export's is {}. The copy was altered, or \
                 belongs to another export.",
                given, digest
            ),
        ));
    }
    rsc_web::kept_export_page(&state.store, &record).await
}

/// `GET /verify/{export_id}/export.json`: the kept export itself, for `rsc verify`.
#[utoipa::path(get, path = "/verify/{export_id}/export.json", tag = "verify", params(("export_id" = String, Path, description = "the export id")),
    responses((status = 200, description = "the signed JSON export"), (status = 404, description = "no such export (HTML)"), (status = 410, description = "withdrawn (HTML)")))]
pub async fn verify_json<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    export_json(&state, &id, address.ip()).await
}

/// `GET /verify/sha256/{digest}/export.json`: a kept export by the SHA-256 printed on its
/// PDF or CSV, for `rsc verify DIGEST --server URL`.
#[utoipa::path(get, path = "/verify/sha256/{digest}/export.json", tag = "verify", params(("digest" = String, Path, description = "SHA-256 of the export, hex")),
    responses((status = 200, description = "the signed JSON export"), (status = 404, description = "no export has that digest (HTML)"), (status = 410, description = "withdrawn (HTML)")))]
pub async fn verify_json_by_digest<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Path(digest): Path<String>,
) -> Result<Response, AppError> {
    let bytes = match hex::decode(digest.trim()) {
        Ok(bytes) if bytes.len() == 32 => bytes,
        _ => return Ok(page(StatusCode::NOT_FOUND, "No such export", "That is not a SHA-256.")),
    };
    let id = state.store.export_by_digest(&bytes).await?.map(|e| e.id).unwrap_or_default();
    export_json(&state, &id, address.ip()).await
}

/// `GET /verify/sha256/{digest}/standing`: whether the export with this SHA-256 still stands
/// (not withdrawn) and what changed since it was made, for `rsc verify FILE --server URL`.
/// Unknown digests count against the address's limit, as unknown links do.
#[utoipa::path(get, path = "/verify/sha256/{digest}/standing", tag = "verify", params(("digest" = String, Path, description = "SHA-256 of the export file, hex")),
    responses((status = 200, description = "where it stands", body = ExportStanding), (status = 404, description = "this server issued no export with that SHA-256 (HTML)"), (status = 429, description = "too many unknown exports from this address (HTML)")))]
pub async fn standing<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Path(digest): Path<String>,
) -> Result<Response, AppError> {
    let id = match hex::decode(digest.trim()) {
        Ok(bytes) if bytes.len() == 32 => state.store.export_by_digest(&bytes).await?.map(|e| e.id).unwrap_or_default(),
        _ => String::new(),
    };
    let record = match lookup(&state, &id, address.ip()).await? {
        Ok(record) => record,
        Err(response) => return Ok(response),
    };
    let export = exports::signed(&record)?;
    let changes = exports::changes_since(&state.store, &record, &export).await?;
    Ok(Json(ExportStanding { export_id: record.id, withdrawn_at_ms: record.withdrawn_at_ms, changes }).into_response())
}

/// `GET /v1/me/export-links`: the applicant's kept exports, newest first.
#[utoipa::path(get, path = "/v1/me/export-links", tag = "me", security(("device" = [])),
    responses((status = 200, description = "the exports", body = Vec<ExportLink>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn export_links<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<ExportLink>>, AppError> {
    Ok(Json(exports::links(&state.store, &device.user).await?))
}

/// `DELETE /v1/me/export-links/{export_id}`: withdraws a kept export; its link then says so.
#[utoipa::path(delete, path = "/v1/me/export-links/{export_id}", tag = "me", security(("device" = [])), params(("export_id" = String, Path, description = "the export id")),
    responses((status = 204, description = "withdrawn"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "you have no such export still up", body = ErrorBody)))]
pub async fn withdraw_export<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    exports::withdraw(&state.store, &device.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
