//! The signed-in person's own data: profile, registry claims, verified hours, the attendees
//! awaiting their confirmation, and exports.

use super::schema::JsonObject;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsc_protocol::{ErrorBody, ProviderDirectory};

use super::Device;
use super::{AppState, JsonBody};
use rsc_protocol::{Claim, EvaluationQuery, NewClaim, PendingConfirmation, Profile};
use rsc_service::AppError;
use rsc_service::store::Store;
use rsc_service::verified;
use rsc_service::{exports, registry};

/// `GET /v1/me/profile`.
#[utoipa::path(get, path = "/v1/me/profile", tag = "me", security(("device" = [])), responses((status = 200, description = "the profile", body = Profile), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn get_profile<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Profile>, AppError> {
    Ok(Json(verified::profile(&state.store, &device.user).await?))
}

/// `PUT /v1/me/profile`.
#[utoipa::path(put, path = "/v1/me/profile", tag = "me", security(("device" = [])), request_body = Profile, responses((status = 200, description = "saved", body = Profile), (status = 400, description = "the request cannot be read; `field` names where", body = ErrorBody), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn put_profile<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(profile): JsonBody<Profile>,
) -> Result<Json<Profile>, AppError> {
    Ok(Json(rsc_service::profile::save(&state.store, &device.user, profile).await?))
}

/// `POST /v1/me/claims`: a provider claims a registry record; an admin decides.
#[utoipa::path(post, path = "/v1/me/claims", tag = "me", security(("device" = [])), request_body = NewClaim,
    responses((status = 201, description = "filed; registry staff decide", body = Claim), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "the registry has no such number", body = ErrorBody), (status = 409, description = "already so", body = ErrorBody)))]
pub async fn create_claim<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(body): JsonBody<NewClaim>,
) -> Result<(StatusCode, Json<Claim>), AppError> {
    let claim = registry::file_claim(&state.store, &device.user, &body.number).await?;
    Ok((StatusCode::CREATED, Json(registry::claim_view(claim))))
}

/// `GET /v1/me/claims`.
#[utoipa::path(get, path = "/v1/me/claims", tag = "me", operation_id = "my_claims", security(("device" = [])), responses((status = 200, description = "the provider's claims", body = Vec<Claim>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn claims<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<Claim>>, AppError> {
    let claims = state.store.claims(Some(&device.user.id), None).await?;
    Ok(Json(claims.into_iter().map(registry::claim_view).collect()))
}

/// `GET /v1/me/evaluation`: the contract's evaluation of the applicant's verified hours.
#[utoipa::path(get, path = "/v1/me/evaluation", tag = "me", security(("device" = [])), params(("rulebook" = Option<String>, Query, description = "nmaimh, orimha or ct-aimh (default: from the profile)"), ("purpose" = Option<String>, Query, description = "application or renewal"), ("as_of" = Option<String>, Query, description = "YYYY-MM-DD (default: today)")),
    responses((status = 200, description = "the evaluation of shared/contracts/evaluate.md", body = JsonObject), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn evaluation<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Query(query): Query<EvaluationQuery>,
) -> Result<Json<rsc_rules::Evaluation>, AppError> {
    Ok(Json(verified::verified_hours(&state.store, &device.user, &query).await?.evaluation))
}

/// `GET /v1/me/dossier`: the dossier the evaluation is made from.
#[utoipa::path(get, path = "/v1/me/dossier", tag = "me", security(("device" = [])), params(("rulebook" = Option<String>, Query, description = "nmaimh, orimha or ct-aimh (default: from the profile)"), ("purpose" = Option<String>, Query, description = "application or renewal"), ("as_of" = Option<String>, Query, description = "YYYY-MM-DD (default: today)")),
    responses((status = 200, description = "the dossier of shared/contracts/evaluate.md", body = JsonObject), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn dossier<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Query(query): Query<EvaluationQuery>,
) -> Result<Json<rsc_model::Dossier>, AppError> {
    Ok(Json(verified::verified_hours(&state.store, &device.user, &query).await?.dossier))
}

/// `GET /v1/me/providers`: the registry facts a device evaluates the logbook with offline.
#[utoipa::path(get, path = "/v1/me/providers", tag = "me", security(("device" = [])),
    responses((status = 200, description = "the registry facts a device evaluates with offline", body = ProviderDirectory), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn providers<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<rsc_protocol::ProviderDirectory>, AppError> {
    Ok(Json(verified::provider_directory(&state.store, &device.user).await?))
}

/// `GET /v1/me/pending-confirmations`: attendees awaiting this provider's confirmation.
#[utoipa::path(get, path = "/v1/me/pending-confirmations", tag = "me", security(("device" = [])),
    responses((status = 200, description = "attendances awaiting this provider's confirmation", body = Vec<PendingConfirmation>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn pending<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<PendingConfirmation>>, AppError> {
    let rows = state.store.awaiting_provider(&device.user.id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(PendingConfirmation {
            session_id: row.session.id.to_string(),
            date: row.session.date,
            start_time: row.session.start_time,
            time_zone: row.session.time_zone,
            kind: row.session.kind,
            minutes: row.session.minutes,
            attendee_id: row.attendance.attendee_id.to_string(),
            attendee_name: row.attendee_name,
            minutes_attended: row.attendance.minutes_attended,
            status: row.attendance.status,
        });
    }
    Ok(Json(out))
}

/// `GET /v1/me/exports/{format}`: `json` (signed), `csv` or `pdf`.
#[utoipa::path(get, path = "/v1/me/exports/{format}", tag = "me", security(("device" = [])),
    params(("format" = String, Path, description = "json (signed), csv or pdf"), ("rulebook" = Option<String>, Query, description = "default: from the profile"), ("purpose" = Option<String>, Query, description = "application or renewal"), ("as_of" = Option<String>, Query, description = "YYYY-MM-DD"), ("paper" = Option<String>, Query, description = "PDF only: letter or a4; default: the rulebook's paper, letter when it names none")),
    responses((status = 200, description = "the export, as an attachment"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no such format", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn export<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    headers: axum::http::HeaderMap,
    Path(format): Path<String>,
    Query(query): Query<EvaluationQuery>,
) -> Result<Response, AppError> {
    let base = exports::public_base(&headers);
    let download = exports::make_and_render(&state.store, &device.user, &query, &format, &base).await?;
    Ok(download.into_response())
}

/// `POST /v1/me/exports`: makes one export and keeps it; its PDF, CSV and JSON are downloads of
/// it (one id, one SHA-256).
#[utoipa::path(post, path = "/v1/me/exports", tag = "me", security(("device" = [])), request_body = EvaluationQuery,
    responses((status = 201, description = "the kept export, with its downloads", body = rsc_protocol::ExportLink), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn make_export<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(query): JsonBody<EvaluationQuery>,
) -> Result<(StatusCode, Json<rsc_protocol::ExportLink>), AppError> {
    let kept = exports::make(&state.store, &device.user, &query).await?;
    Ok((StatusCode::CREATED, Json(exports::link(&kept))))
}

/// What a download may add: the paper of a PDF.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct DownloadQuery {
    /// PDF only: `letter` or `a4`; default: the rulebook's.
    pub paper: Option<String>,
}

/// `GET /v1/me/exports/{export_id}/{format}`: one of the applicant's kept exports as `pdf`,
/// `csv` or `json`.
#[utoipa::path(get, path = "/v1/me/exports/{export_id}/{format}", tag = "me", security(("device" = [])),
    params(("export_id" = String, Path, description = "the export's id"), ("format" = String, Path, description = "pdf, csv or json"), DownloadQuery),
    responses((status = 200, description = "the rendering, as an attachment"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no such export of yours, or no such format", body = ErrorBody), (status = 410, description = "you withdrew it", body = ErrorBody)))]
pub async fn download_export<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    headers: axum::http::HeaderMap,
    Path((export_id, format)): Path<(String, String)>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let base = exports::public_base(&headers);
    let paper = query.paper.as_deref();
    Ok(exports::render_own(&state.store, &device.user, &export_id, &format, paper, &base).await?.into_response())
}

/// `GET /v1/server-keys`: every key exports were signed with.
#[utoipa::path(get, path = "/v1/server-keys", tag = "exports",
    responses((status = 200, description = "every key exports were signed with; the newest signs", body = Vec<JsonObject>)))]
pub async fn server_keys<S: Store>(
    State(state): State<AppState<S>>,
) -> Result<Json<Vec<rsc_export::PublishedKey>>, AppError> {
    Ok(Json(rsc_service::server_keys::published_keys(&state.store).await?))
}

/// The file name an upload gives (`?name=`).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name on her device (only its last part is kept; its type is read from its
    /// content).
    pub name: Option<String>,
}

/// `POST /v1/me/certificates`: keeps a training's certificate file (the request body, up to
/// 10 MB: a PDF, PNG or JPEG, as its content says), once by its SHA-256.
#[utoipa::path(post, path = "/v1/me/certificates", tag = "trainings", security(("device" = [])), params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"),
    responses((status = 201, description = "kept (or kept already)", body = rsc_protocol::Certificate), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 413, description = "larger than 10 MB, or past her quota", body = ErrorBody), (status = 422, description = "empty, or not a PDF, PNG or JPEG file", body = ErrorBody)))]
pub async fn upload_certificate<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Query(query): Query<UploadQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<rsc_protocol::Certificate>), AppError> {
    let name = query.name.unwrap_or_default();
    let kept = rsc_service::certificates::upload(&state.store, &device.user, &name, &body).await?;
    Ok((StatusCode::CREATED, Json(kept)))
}

/// `GET /v1/me/certificates`: the certificate files she keeps, newest first.
#[utoipa::path(get, path = "/v1/me/certificates", tag = "trainings", security(("device" = [])),
    responses((status = 200, description = "her certificates", body = Vec<rsc_protocol::Certificate>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn certificates<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<rsc_protocol::Certificate>>, AppError> {
    Ok(Json(rsc_service::certificates::list(&state.store, &device.user).await?))
}

/// `GET /v1/me/certificates/{digest}`: one of her certificate files, as a download.
#[utoipa::path(get, path = "/v1/me/certificates/{digest}", tag = "trainings", security(("device" = [])),
    params(("digest" = String, Path, description = "its SHA-256, in hex")),
    responses((status = 200, description = "the file, as an attachment"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "she keeps no such file", body = ErrorBody)))]
pub async fn certificate<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(digest): Path<String>,
) -> Result<Response, AppError> {
    let (certificate, bytes) = rsc_service::certificates::file(&state.store, &device.user, &digest).await?;
    Ok(rsc_service::certificates::CertificateDownload { certificate, bytes }.into_response())
}

/// `GET /v1/me/provided`: the RS/C she gave, per calendar year, from the attendances she
/// confirmed (a group session counts its length once; supervisees counted, never named).
#[utoipa::path(get, path = "/v1/me/provided", tag = "me", security(("device" = [])),
    responses((status = 200, description = "the years, oldest first", body = Vec<rsc_model::ProvidedYear>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn provided<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<rsc_model::ProvidedYear>>, AppError> {
    Ok(Json(rsc_service::provided::years(&state.store, &device.user).await?))
}

/// `GET /v1/me/provided/pdf`: the same as a PDF she can sign and send.
#[utoipa::path(get, path = "/v1/me/provided/pdf", tag = "me", security(("device" = [])),
    responses((status = 200, description = "the PDF, as an attachment"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn provided_pdf<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let base = exports::public_base(&headers);
    Ok(rsc_service::provided::ProvidedPdf(rsc_service::provided::pdf(&state.store, &device.user, &base).await?)
        .into_response())
}
