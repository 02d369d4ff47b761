//! The verification page of a kept export, for whoever holds its link (a reviewer with a PDF in
//! hand): whether it verifies, what it says, and what changed since it was made. And the
//! applicant's list of her exports, each of which she may withdraw.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsc_protocol::{ErrorBody, ExportLink};
use serde::Deserialize;

use super::AppState;
use crate::AppError;
use crate::auth::{AuthDevice, now_ms};
use crate::store::{ExportRecord, Store, UserId};
use crate::web::day;

/// What a reviewer may add to the link: the SHA-256 printed on her copy, to check it is this one.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct VerifyQuery {
    /// The SHA-256 (hex) printed on the PDF or CSV in hand.
    pub sha256: Option<String>,
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    crate::web::message(status, None, title, &[text])
}

/// Unknown export ids one client address may look up in an hour: a reviewer who mistypes a
/// link stays far inside it; walking the id space does not get anywhere.
pub const UNKNOWN_IDS_PER_ADDRESS: i64 = 30;

const HOUR_MS: i64 = 3600 * 1000;

/// The export kept under `id`, or the page to answer instead. Every lookup is reserved
/// against the address's limit before the id is looked up, and released when it finds an
/// export: only unknown ids count, and parallel guesses cannot slip past the count. Text that
/// cannot be an id is unknown without reaching the database.
async fn kept<S: Store>(
    state: &AppState<S>,
    id: &str,
    address: std::net::IpAddr,
) -> Result<Result<ExportRecord, Response>, AppError> {
    let id = id.trim();
    let attempt = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    let limits = [(format!("verify-address:{address}"), UNKNOWN_IDS_PER_ADDRESS)];
    if !state.store.reserve_login_attempt(&limits, &attempt, now, now - HOUR_MS).await? {
        return Ok(Err(page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many unknown links",
            "Too many links that lead to no export were opened from this address in the last hour. Check the link \
             against the printout (or scan its QR code), and try again in an hour.",
        )));
    }
    let found = if crate::verified::is_export_id(id) { state.store.export_by_id(id).await? } else { None };
    if found.is_some() {
        state.store.release_login_attempt(&attempt).await?;
    }
    match found {
        None => Ok(Err(page(
            StatusCode::NOT_FOUND,
            "No such export",
            "This server keeps no export under this link. Check the link against the printout.",
        ))),
        Some(record) if record.withdrawn_at_ms.is_some() => Ok(Err(page(
            StatusCode::GONE,
            "Export withdrawn",
            &format!(
                "The applicant withdrew this export on {}. It no longer stands as a record of her hours; ask her for a \
                 current one.",
                day(record.withdrawn_at_ms.unwrap_or_default())
            ),
        ))),
        Some(record) => Ok(Ok(record)),
    }
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
    let view = crate::web::review::verification(&state.store, record.body.as_bytes(), Some(&record)).await?;
    Ok(crate::web::review::verification_page(view))
}

/// Later provider statements about the export's sessions, and registry records that changed.
pub(crate) async fn changes_since<S: Store>(
    store: &S,
    record: &ExportRecord,
    export: &rsc_export::Export,
) -> Result<Vec<String>, AppError> {
    let p = &export.payload;
    let names: std::collections::HashMap<&str, &str> =
        p.providers.iter().map(|x| (x.id.as_str(), x.display_name.as_str())).collect();
    let mut changes = Vec::new();
    for statement in store.valid_attestations_for(&UserId::from(record.user_id.as_str())).await? {
        // When the server received it, by its own clock: a device's signing time is its own claim.
        if statement.first_seen_at_ms <= p.issued_at_ms {
            continue;
        }
        let Some(session) = p.dossier.sessions.iter().find(|s| s.id.as_str() == statement.session_id) else {
            continue;
        };
        let who = names.get(statement.provider_id.as_str()).copied().unwrap_or("the provider");
        let what = match statement.kind {
            rsc_model::StatementKind::Confirm => "confirmed again",
            rsc_model::StatementKind::Dispute => "disputed",
        };
        changes.push(format!("On {}, {who} {what} the session of {}.", day(statement.first_seen_at_ms), session.date));
    }
    for relied in &p.registry_records {
        let Some(now) = store.registry_record(&relied.number).await? else { continue };
        if now.version != relied.version {
            let state = match (now.revoked_on, now.valid_through) {
                (Some(revoked), _) => format!("revoked on {revoked}"),
                (None, Some(through)) => format!("valid through {through}"),
                (None, None) => "valid with no end date".to_string(),
            };
            changes.push(format!(
                "The registry's record {} ({}) changed: it is now {state}.",
                relied.number, relied.holder_name
            ));
        }
    }
    Ok(changes)
}

/// `GET /verify/{export_id}/export.json`: the kept export itself, for `rsc verify`.
#[utoipa::path(get, path = "/verify/{export_id}/export.json", tag = "verify", params(("export_id" = String, Path, description = "the export id")),
    responses((status = 200, description = "the signed JSON export"), (status = 404, description = "no such export (HTML)"), (status = 410, description = "withdrawn (HTML)")))]
pub async fn verify_json<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(match kept(&state, &id, address.ip()).await? {
        Ok(record) => ([(header::CONTENT_TYPE, "application/json")], record.body).into_response(),
        Err(response) => response,
    })
}

/// `GET /verify/sha256/{digest}/export.json`: a kept export by the SHA-256 printed on its
/// PDF or CSV, for `rsc verify DIGEST --server URL`.
#[utoipa::path(get, path = "/verify/sha256/{digest}/export.json", tag = "verify", params(("digest" = String, Path, description = "SHA-256 of the export, hex")),
    responses((status = 200, description = "the signed JSON export"), (status = 404, description = "no export has that digest (HTML)"), (status = 410, description = "withdrawn (HTML)")))]
pub async fn verify_json_by_digest<S: Store>(
    State(state): State<AppState<S>>,
    address: ConnectInfo<SocketAddr>,
    Path(digest): Path<String>,
) -> Result<Response, AppError> {
    let bytes = match hex::decode(digest.trim()) {
        Ok(bytes) if bytes.len() == 32 => bytes,
        _ => return Ok(page(StatusCode::NOT_FOUND, "No such export", "That is not a SHA-256.")),
    };
    let id = state.store.export_by_digest(&bytes).await?.map(|e| e.id).unwrap_or_default();
    verify_json(State(state), address, Path(id)).await
}

/// `GET /v1/me/export-links`: the applicant's kept exports, newest first.
#[utoipa::path(get, path = "/v1/me/export-links", tag = "me", security(("device" = [])),
    responses((status = 200, description = "the exports", body = Vec<ExportLink>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn export_links<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<Vec<ExportLink>>, AppError> {
    let kept = state.store.exports_of(&UserId::from(&device.user.id)).await?;
    Ok(Json(
        kept.into_iter()
            .map(|e| {
                // What each one says, so that she can tell them apart; a body that no longer
                // reads (it never happens to one the server signed) leaves these empty.
                let evaluation = serde_json::from_str::<rsc_export::Export>(&e.body).ok().map(|x| x.payload.evaluation);
                ExportLink {
                    export_id: e.id.clone(),
                    sha256: hex::encode(&e.digest),
                    link_path: format!("/verify/{}", e.id),
                    created_at_ms: e.created_at_ms,
                    withdrawn_at_ms: e.withdrawn_at_ms,
                    rulebook_name: evaluation.as_ref().map(|v| v.rulebook_name.clone()).unwrap_or_default(),
                    purpose: evaluation.as_ref().map(|v| v.purpose.to_string()).unwrap_or_default(),
                    as_of: evaluation.as_ref().map(|v| v.as_of.to_string()).unwrap_or_default(),
                    summary: evaluation.map(|v| v.summary).unwrap_or_default(),
                }
            })
            .collect(),
    ))
}

/// `DELETE /v1/me/export-links/{export_id}`: withdraws a kept export; its link then says so.
#[utoipa::path(delete, path = "/v1/me/export-links/{export_id}", tag = "me", security(("device" = [])), params(("export_id" = String, Path, description = "the export id")),
    responses((status = 204, description = "withdrawn"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "you have no such export still up", body = ErrorBody)))]
pub async fn withdraw_export<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = id.trim();
    if !crate::verified::is_export_id(id) {
        return Err(AppError::NotFound("you have no such export still up".into()));
    }
    if !state.store.withdraw_export(&UserId::from(&device.user.id), id, now_ms()).await? {
        return Err(AppError::NotFound(format!("you have no export `{id}` still up")));
    }
    Ok(StatusCode::NO_CONTENT)
}
