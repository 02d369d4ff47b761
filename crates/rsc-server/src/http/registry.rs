//! Association staff's API: import, inspect, lapse and revoke endorsement records, and decide
//! providers' claims, of the associations the caller keeps (every one for an operator). Another
//! association's record or claim answers exactly as one that does not exist.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsc_model::Date;
use rsc_protocol::ErrorBody;
use rsc_protocol::{
    ClaimDecision, ClaimReview, ClaimStatus, ClaimsQuery, ImportQuery, ImportRefused, ImportResult, LapseRequest,
    RecordWithHistory, RegistryRecordView, RevokeRequest,
};

use super::Device;
use super::{AppState, JsonBody};
use rsc_service::AppError;
use rsc_service::auth::AuthDevice;
use rsc_service::registry::{decide_claim, import_csv, record_view, record_with_history, review_claims, set_end};
use rsc_service::staff::Staff;
use rsc_service::store::Store;

async fn staff<S: Store>(state: &AppState<S>, device: &AuthDevice) -> Result<Staff, AppError> {
    Staff::of(&state.store, &device.user).await
}

/// `POST /v1/registry/import` (body: the CSV).
#[utoipa::path(post, path = "/v1/registry/import", tag = "registry", security(("device" = [])), params(("source" = Option<String>, Query, description = "a name kept in each record's history")),
    request_body(content = String, content_type = "text/csv", description = "endorsement_number, holder_name, holder_email, credential, association, earned_on, valid_through, revoked_on"),
    responses((status = 200, description = "imported", body = ImportResult), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody), (status = 422, description = "every bad row; nothing was imported", body = ImportRefused)))]
pub async fn import<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    let by = staff(&state, &device).await?;
    let text = std::str::from_utf8(&body).map_err(|_| AppError::bad_request("body", "the CSV is not UTF-8 text"))?;
    let source = query.source.unwrap_or_else(|| "api import".into());
    match import_csv(&state.store, &by, text, &source).await? {
        Ok(result) => Ok(Json(result).into_response()),
        Err(rows) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ImportRefused {
                error: "invalid_input".into(),
                field: "csv".into(),
                message: format!("{} problem(s) in the file; nothing was imported", rows.len()),
                rows,
            }),
        )
            .into_response()),
    }
}

/// `GET /v1/registry/records`.
#[utoipa::path(get, path = "/v1/registry/records", tag = "registry", security(("device" = [])), responses((status = 200, description = "the current records", body = Vec<RegistryRecordView>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody)))]
pub async fn records<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<RegistryRecordView>>, AppError> {
    let by = staff(&state, &device).await?;
    Ok(Json(rsc_service::registry::records(&state.store, &by).await?.into_iter().map(record_view).collect()))
}

/// `GET /v1/registry/records/{number}`.
#[utoipa::path(get, path = "/v1/registry/records/{number}", tag = "registry", security(("device" = [])), params(("number" = String, Path, description = "the endorsement number")),
    responses((status = 200, description = "the record and every version of it", body = RecordWithHistory), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody), (status = 404, description = "not there", body = ErrorBody)))]
pub async fn record<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(number): Path<String>,
) -> Result<Json<RecordWithHistory>, AppError> {
    let by = staff(&state, &device).await?;
    let (record, history) = record_with_history(&state.store, &by, &number).await?;
    Ok(Json(RecordWithHistory { record: record_view(record), history: history.into_iter().map(record_view).collect() }))
}

fn date(text: &str, field: &str) -> Result<Date, AppError> {
    Date::parse_field(text, field).map_err(|e| AppError::invalid(field, e.to_string()))
}

/// `POST /v1/registry/records/{number}/lapse`.
#[utoipa::path(post, path = "/v1/registry/records/{number}/lapse", tag = "registry", security(("device" = [])), params(("number" = String, Path, description = "the endorsement number")), request_body = LapseRequest,
    responses((status = 200, description = "the new version", body = RegistryRecordView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody), (status = 404, description = "not there", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn lapse<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<LapseRequest>,
) -> Result<Json<RegistryRecordView>, AppError> {
    let by = staff(&state, &device).await?;
    let through = date(&body.valid_through, "valid_through")?;
    let changed = set_end(&state.store, &by, &number, Some(through), None, "lapse via API").await?;
    Ok(Json(record_view(changed)))
}

/// `POST /v1/registry/records/{number}/revoke`.
#[utoipa::path(post, path = "/v1/registry/records/{number}/revoke", tag = "registry", security(("device" = [])), params(("number" = String, Path, description = "the endorsement number")), request_body = RevokeRequest,
    responses((status = 200, description = "the new version", body = RegistryRecordView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody), (status = 404, description = "not there", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn revoke<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<RevokeRequest>,
) -> Result<Json<RegistryRecordView>, AppError> {
    let by = staff(&state, &device).await?;
    let revoked = date(&body.revoked_on, "revoked_on")?;
    let changed = set_end(&state.store, &by, &number, None, Some(revoked), "revoke via API").await?;
    Ok(Json(record_view(changed)))
}

/// `GET /v1/registry/claims`.
#[utoipa::path(get, path = "/v1/registry/claims", tag = "registry", operation_id = "registry_claims", security(("device" = [])), params(("status" = Option<ClaimStatus>, Query, description = "only claims with this status")),
    responses((status = 200, description = "claims beside the records they name, mismatches flagged", body = Vec<ClaimReview>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody)))]
pub async fn claims<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Query(query): Query<ClaimsQuery>,
) -> Result<Json<Vec<ClaimReview>>, AppError> {
    let by = staff(&state, &device).await?;
    Ok(Json(review_claims(&state.store, &by, query.status).await?))
}

/// `POST /v1/registry/claims/{claim_id}/approve`.
#[utoipa::path(post, path = "/v1/registry/claims/{claim_id}/approve", tag = "registry", security(("device" = [])), params(("claim_id" = String, Path, description = "the claim")), request_body = ClaimDecision,
    description = "Refused 409 while another account holds the record, and while the claimant's email is not the record holder's unless despite_mismatch is set.",
    responses((status = 200, description = "approved", body = ClaimReview), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody), (status = 404, description = "no pending claim", body = ErrorBody), (status = 409, description = "already so", body = ErrorBody)))]
pub async fn approve<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClaimDecision>,
) -> Result<Json<ClaimReview>, AppError> {
    let by = staff(&state, &device).await?;
    Ok(Json(decide_claim(&state.store, &by, &id, true, &body).await?))
}

/// `POST /v1/registry/claims/{claim_id}/reject`.
#[utoipa::path(post, path = "/v1/registry/claims/{claim_id}/reject", tag = "registry", security(("device" = [])), params(("claim_id" = String, Path, description = "the claim")), request_body = ClaimDecision,
    responses((status = 200, description = "rejected", body = ClaimReview), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "association staff only", body = ErrorBody), (status = 404, description = "no pending claim", body = ErrorBody)))]
pub async fn reject<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClaimDecision>,
) -> Result<Json<ClaimReview>, AppError> {
    let by = staff(&state, &device).await?;
    Ok(Json(decide_claim(&state.store, &by, &id, false, &body).await?))
}
