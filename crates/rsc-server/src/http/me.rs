//! The signed-in person's own data: profile, registry claims, verified hours, the attendees
//! awaiting their confirmation, and exports.

use super::openapi::JsonObject;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsc_model::Date;
use rsc_protocol::{ErrorBody, ProviderDirectory};
use rsc_rules::Purpose;

use super::{AppState, JsonBody};
use crate::AppError;
use crate::auth::{AuthDevice, now_ms};
use crate::store::UserId;
use crate::store::{ClaimRecord, ProfileRecord, Store};
use crate::verified;
use rsc_protocol::{Claim, ClaimStatus, EvaluationQuery, NewClaim, PendingConfirmation, Profile};

/// `GET /v1/me/profile`.
#[utoipa::path(get, path = "/v1/me/profile", tag = "me", security(("device" = [])), responses((status = 200, description = "the profile", body = Profile), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn get_profile<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<Profile>, AppError> {
    Ok(Json(verified::profile(&state.store, &device.user).await?))
}

/// `PUT /v1/me/profile`.
#[utoipa::path(put, path = "/v1/me/profile", tag = "me", security(("device" = [])), request_body = Profile, responses((status = 200, description = "saved", body = Profile), (status = 400, description = "the request cannot be read; `field` names where", body = ErrorBody), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn put_profile<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    JsonBody(profile): JsonBody<Profile>,
) -> Result<Json<Profile>, AppError> {
    let masters_conferred_on = profile
        .masters_conferred_on
        .as_deref()
        .map(|date| Date::parse_field(date, "masters_conferred_on"))
        .transpose()
        .map_err(|e| AppError::invalid("masters_conferred_on", e.to_string()))?;
    let rulebook = match &profile.rulebook {
        Some(id) => Some(rsc_rules::builtin(id).ok_or_else(|| {
            AppError::invalid("rulebook", format!("`{id}` is not a rulebook here; use nmaimh, orimha or ct-aimh"))
        })?),
        None => None,
    };
    let purpose = match &profile.purpose {
        Some(text) => {
            let purpose: Purpose =
                text.parse().map_err(|_| AppError::invalid("purpose", "must be application or renewal"))?;
            if let Some(rulebook) = &rulebook
                && !rulebook.purposes().contains(&purpose)
            {
                return Err(AppError::invalid(
                    "purpose",
                    format!("rulebook {} does not define {purpose}", rulebook.id),
                ));
            }
            Some(purpose)
        }
        None => None,
    };
    let display_name = match &profile.display_name {
        Some(name) => crate::auth::check_name(name, "display_name")?,
        None => device.user.display_name.clone(),
    };
    if display_name != device.user.display_name {
        state.store.set_display_name(&UserId::from(&device.user.id), &display_name).await?;
    }
    // Absent means unchanged: a device that knows nothing of sharing leaves it as it is.
    let share_progress = match profile.share_progress {
        Some(share) => share,
        None => state.store.profile(&UserId::from(&device.user.id)).await?.is_some_and(|p| p.share_progress),
    };
    state
        .store
        .set_profile(&ProfileRecord {
            user_id: device.user.id.clone(),
            masters_conferred_on,
            rulebook: profile.rulebook.clone(),
            purpose,
            share_progress,
        })
        .await?;
    Ok(Json(Profile { display_name: Some(display_name), share_progress: Some(share_progress), ..profile }))
}

/// `POST /v1/me/claims`: a provider claims a registry record; an admin decides.
#[utoipa::path(post, path = "/v1/me/claims", tag = "me", security(("device" = [])), request_body = NewClaim,
    responses((status = 201, description = "filed; registry staff decide", body = Claim), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "the registry has no such number", body = ErrorBody), (status = 409, description = "already so", body = ErrorBody)))]
pub async fn create_claim<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    JsonBody(body): JsonBody<NewClaim>,
) -> Result<(StatusCode, Json<Claim>), AppError> {
    let number = body.number.trim();
    if state.store.registry_record(number).await?.is_none() {
        return Err(AppError::NotFound(format!("the registry has no endorsement number `{number}`")));
    }
    let existing = state.store.claims(Some(&UserId::from(&device.user.id)), None).await?;
    if existing.iter().any(|c| c.number == number && c.status != ClaimStatus::Rejected) {
        return Err(AppError::Conflict(format!("you already claimed `{number}`")));
    }
    let claim = ClaimRecord {
        id: uuid::Uuid::new_v4().to_string(),
        number: number.to_string(),
        user_id: device.user.id.clone(),
        status: ClaimStatus::Pending,
        created_at_ms: now_ms(),
        decided_at_ms: None,
        decided_by: None,
        note: String::new(),
    };
    state.store.create_claim(&claim).await?;
    tracing::info!(claim_id = %claim.id, number = %claim.number, "registry claim filed");
    Ok((StatusCode::CREATED, Json(claim)))
}

/// `GET /v1/me/claims`.
#[utoipa::path(get, path = "/v1/me/claims", tag = "me", operation_id = "my_claims", security(("device" = [])), responses((status = 200, description = "the provider's claims", body = Vec<Claim>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn claims<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<Vec<Claim>>, AppError> {
    Ok(Json(state.store.claims(Some(&UserId::from(&device.user.id)), None).await?))
}

/// `GET /v1/me/evaluation`: the contract's evaluation of the applicant's verified hours.
#[utoipa::path(get, path = "/v1/me/evaluation", tag = "me", security(("device" = [])), params(("rulebook" = Option<String>, Query, description = "nmaimh, orimha or ct-aimh (default: from the profile)"), ("purpose" = Option<String>, Query, description = "application or renewal"), ("as_of" = Option<String>, Query, description = "YYYY-MM-DD (default: today)")),
    responses((status = 200, description = "the evaluation of shared/contracts/evaluate.md", body = JsonObject), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn evaluation<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Query(query): Query<EvaluationQuery>,
) -> Result<Json<rsc_rules::Evaluation>, AppError> {
    Ok(Json(verified::verified_hours(&state.store, &device.user, &query).await?.evaluation))
}

/// `GET /v1/me/dossier`: the dossier the evaluation is made from.
#[utoipa::path(get, path = "/v1/me/dossier", tag = "me", security(("device" = [])), params(("rulebook" = Option<String>, Query, description = "nmaimh, orimha or ct-aimh (default: from the profile)"), ("purpose" = Option<String>, Query, description = "application or renewal"), ("as_of" = Option<String>, Query, description = "YYYY-MM-DD (default: today)")),
    responses((status = 200, description = "the dossier of shared/contracts/evaluate.md", body = JsonObject), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn dossier<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Query(query): Query<EvaluationQuery>,
) -> Result<Json<rsc_model::Dossier>, AppError> {
    Ok(Json(verified::verified_hours(&state.store, &device.user, &query).await?.dossier))
}

/// `GET /v1/me/providers`: the registry facts a device evaluates the logbook with offline.
#[utoipa::path(get, path = "/v1/me/providers", tag = "me", security(("device" = [])),
    responses((status = 200, description = "the registry facts a device evaluates with offline", body = ProviderDirectory), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn providers<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<rsc_protocol::ProviderDirectory>, AppError> {
    Ok(Json(verified::provider_directory(&state.store, &device.user).await?))
}

/// `GET /v1/me/pending-confirmations`: attendees awaiting this provider's confirmation.
#[utoipa::path(get, path = "/v1/me/pending-confirmations", tag = "me", security(("device" = [])),
    responses((status = 200, description = "attendances awaiting this provider's confirmation", body = Vec<PendingConfirmation>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn pending<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<Vec<PendingConfirmation>>, AppError> {
    let rows = state.store.awaiting_provider(&UserId::from(&device.user.id)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(PendingConfirmation {
            session_id: row.session.id,
            date: row.session.date,
            start_time: row.session.start_time,
            time_zone: row.session.time_zone,
            kind: row.session.kind,
            minutes: row.session.minutes,
            attendee_id: row.attendance.attendee_id,
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
    device: AuthDevice,
    headers: axum::http::HeaderMap,
    Path(format): Path<String>,
    Query(query): Query<EvaluationQuery>,
) -> Result<Response, AppError> {
    crate::exports::Format::parse(&format)?;
    // Without `paper`, the rulebook's (letter when it names none).
    let paper = paper(query.paper.as_deref())?;
    // Every export, whatever its form, is a signed JSON kept under an id: the CSV and the PDF
    // name it, with its digest and the page where a reviewer checks it.
    let kept = crate::exports::make(&state.store, &device.user, &query).await?;
    let download =
        crate::exports::render(&kept, crate::exports::Format::parse(&format)?, paper, &public_base(&headers)).await?;
    Ok(download_response(download))
}

/// A rendering as an attachment, with the kept export it renders in its headers.
pub(crate) fn download_response(download: crate::exports::Download) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", download.file_name);
    (
        [
            (header::CONTENT_TYPE, download.content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static("x-rsc-export-id"), download.binding.export_id),
            (header::HeaderName::from_static("x-rsc-export-sha256"), download.binding.digest),
            (header::HeaderName::from_static("x-rsc-verify"), download.binding.link),
        ],
        download.body,
    )
        .into_response()
}

/// The paper a PDF is asked for; `None` for the rulebook's.
pub(crate) fn paper(text: Option<&str>) -> Result<Option<rsc_export::pdf::Paper>, AppError> {
    text.map(|text| {
        text.parse::<rsc_export::pdf::Paper>()
            .map_err(|_| AppError::invalid("paper", format!("`{}` is not letter or a4", text.escape_debug())))
    })
    .transpose()
}

/// `POST /v1/me/exports`: makes one export and keeps it; its PDF, CSV and JSON are downloads of
/// it (one id, one SHA-256).
#[utoipa::path(post, path = "/v1/me/exports", tag = "me", security(("device" = [])), request_body = EvaluationQuery,
    responses((status = 201, description = "the kept export, with its downloads", body = rsc_protocol::ExportLink), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn make_export<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    JsonBody(query): JsonBody<EvaluationQuery>,
) -> Result<(StatusCode, Json<rsc_protocol::ExportLink>), AppError> {
    let kept = crate::exports::make(&state.store, &device.user, &query).await?;
    Ok((StatusCode::CREATED, Json(crate::exports::link(&kept))))
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
    device: AuthDevice,
    headers: axum::http::HeaderMap,
    Path((export_id, format)): Path<(String, String)>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let format = crate::exports::Format::parse(&format)?;
    let kept = crate::exports::own(&state.store, &device.user, &export_id).await?;
    let download =
        crate::exports::render(&kept, format, paper(query.paper.as_deref())?, &public_base(&headers)).await?;
    Ok(download_response(download))
}

/// The address people reach this server at, as the request names it (a proxy in front sets
/// `X-Forwarded-Proto`).
pub(crate) fn public_base(headers: &axum::http::HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}")
}

/// `GET /v1/server-keys`: every key exports were signed with.
#[utoipa::path(get, path = "/v1/server-keys", tag = "exports",
    responses((status = 200, description = "every key exports were signed with; the newest signs", body = Vec<JsonObject>)))]
pub async fn server_keys<S: Store>(
    State(state): State<AppState<S>>,
) -> Result<Json<Vec<rsc_export::PublishedKey>>, AppError> {
    Ok(Json(crate::server_keys::published_keys(&state.store).await?))
}
