//! The registry admin's API: import, inspect, lapse and revoke endorsement records, and decide
//! providers' claims. Only accounts with the `registry_admin` role may call it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsc_model::Date;
use rsc_protocol::ErrorBody;
use rsc_protocol::{
    ClaimDecision, ClaimReview, ClaimStatus, ClaimsQuery, ImportQuery, ImportRefused, ImportResult, LapseRequest,
    RecordWithHistory, RegistryRecordView, RevokeRequest, Role, RowError,
};

use super::{AppState, JsonBody};
use crate::AppError;
use crate::auth::{AuthDevice, now_ms};
use crate::registry::{parse_csv, review_claim};
use crate::store::{ClaimId, UserId};
use crate::store::{RegistryRecord, Store, UserRecord};

fn require_admin(device: &AuthDevice) -> Result<(), AppError> {
    if device.role() == Role::RegistryAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only registry admins may do this".into()))
    }
}

/// Imports a registry CSV: everything or nothing.
pub async fn import_csv<S: Store>(
    store: &S,
    text: &str,
    changed_by: &str,
    source: &str,
) -> Result<Result<ImportResult, Vec<RowError>>, AppError> {
    let (text, by, named) = (text.to_string(), changed_by.to_string(), source.to_string());
    let now = now_ms();
    let parsed = crate::blocking("parsing a registry CSV", move || parse_csv(&text, &by, &named, now)).await?;
    let records = match parsed {
        Ok(records) => records,
        Err(errors) => return Ok(Err(errors)),
    };
    let counts = store.registry_upsert(&records).await?;
    tracing::info!(inserted = counts.inserted, updated = counts.updated, unchanged = counts.unchanged, %source, "registry import");
    Ok(Ok(ImportResult { inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged }))
}

/// `POST /v1/registry/import` (body: the CSV).
#[utoipa::path(post, path = "/v1/registry/import", tag = "registry", security(("device" = [])), params(("source" = Option<String>, Query, description = "a name kept in each record's history")),
    request_body(content = String, content_type = "text/csv", description = "endorsement_number, holder_name, holder_email, credential, association, earned_on, valid_through, revoked_on"),
    responses((status = 200, description = "imported", body = ImportResult), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody), (status = 422, description = "every bad row; nothing was imported", body = ImportRefused)))]
pub async fn import<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    require_admin(&device)?;
    let text = std::str::from_utf8(&body).map_err(|_| AppError::bad_request("body", "the CSV is not UTF-8 text"))?;
    let source = query.source.unwrap_or_else(|| "api import".into());
    match import_csv(&state.store, text, &device.user.id, &source).await? {
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
#[utoipa::path(get, path = "/v1/registry/records", tag = "registry", security(("device" = [])), responses((status = 200, description = "the current records", body = Vec<RegistryRecordView>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody)))]
pub async fn records<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<Vec<RegistryRecordView>>, AppError> {
    require_admin(&device)?;
    Ok(Json(state.store.registry_records().await?))
}

/// `GET /v1/registry/records/{number}`.
#[utoipa::path(get, path = "/v1/registry/records/{number}", tag = "registry", security(("device" = [])), params(("number" = String, Path, description = "the endorsement number")),
    responses((status = 200, description = "the record and every version of it", body = RecordWithHistory), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody), (status = 404, description = "not there", body = ErrorBody)))]
pub async fn record<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Path(number): Path<String>,
) -> Result<Json<RecordWithHistory>, AppError> {
    require_admin(&device)?;
    let record = state
        .store
        .registry_record(&number)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no record `{number}`")))?;
    let history = state.store.registry_history(&number).await?;
    Ok(Json(RecordWithHistory { record, history }))
}

/// Sets a record's end: `valid_through` (lapse) or `revoked_on` (revoke), as a new version.
pub async fn set_end<S: Store>(
    store: &S,
    number: &str,
    valid_through: Option<Date>,
    revoked_on: Option<Date>,
    changed_by: &str,
    source: &str,
) -> Result<RegistryRecord, AppError> {
    let mut record =
        store.registry_record(number).await?.ok_or_else(|| AppError::NotFound(format!("no record `{number}`")))?;
    let earned = record.earned_on;
    if let Some(through) = valid_through {
        if through < earned {
            return Err(AppError::invalid("valid_through", format!("{through} is before earned_on {earned}")));
        }
        record.valid_through = Some(through);
    }
    if let Some(revoked) = revoked_on {
        if revoked < earned {
            return Err(AppError::invalid("revoked_on", format!("{revoked} is before earned_on {earned}")));
        }
        record.revoked_on = Some(revoked);
    }
    record.changed_at_ms = now_ms();
    record.changed_by = changed_by.to_string();
    record.source = source.to_string();
    store.registry_upsert(std::slice::from_ref(&record)).await?;
    tracing::info!(%number, %source, "registry record changed");
    store
        .registry_record(number)
        .await?
        .ok_or_else(|| AppError::internal(format!("registry record {number} vanished after writing")))
}

fn date(text: &str, field: &str) -> Result<Date, AppError> {
    Date::parse_field(text, field).map_err(|e| AppError::invalid(field, e.to_string()))
}

/// `POST /v1/registry/records/{number}/lapse`.
#[utoipa::path(post, path = "/v1/registry/records/{number}/lapse", tag = "registry", security(("device" = [])), params(("number" = String, Path, description = "the endorsement number")), request_body = LapseRequest,
    responses((status = 200, description = "the new version", body = RegistryRecordView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody), (status = 404, description = "not there", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn lapse<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<LapseRequest>,
) -> Result<Json<RegistryRecordView>, AppError> {
    require_admin(&device)?;
    let through = date(&body.valid_through, "valid_through")?;
    Ok(Json(set_end(&state.store, &number, Some(through), None, &device.user.id, "lapse via API").await?))
}

/// `POST /v1/registry/records/{number}/revoke`.
#[utoipa::path(post, path = "/v1/registry/records/{number}/revoke", tag = "registry", security(("device" = [])), params(("number" = String, Path, description = "the endorsement number")), request_body = RevokeRequest,
    responses((status = 200, description = "the new version", body = RegistryRecordView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody), (status = 404, description = "not there", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn revoke<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<RevokeRequest>,
) -> Result<Json<RegistryRecordView>, AppError> {
    require_admin(&device)?;
    let revoked = date(&body.revoked_on, "revoked_on")?;
    Ok(Json(set_end(&state.store, &number, None, Some(revoked), &device.user.id, "revoke via API").await?))
}

/// Claims (all, or those with `status`) beside the records they name and the people involved,
/// oldest first.
pub async fn review_claims<S: Store>(store: &S, status: Option<ClaimStatus>) -> Result<Vec<ClaimReview>, AppError> {
    let approved = store.claims(None, Some(ClaimStatus::Approved)).await?;
    let mut users: std::collections::HashMap<String, UserRecord> = std::collections::HashMap::new();
    let mut reviews = Vec::new();
    for claim in store.claims(None, status).await? {
        let holder_id = approved.iter().find(|c| c.number == claim.number).map(|c| c.user_id.clone());
        for id in std::iter::once(&claim.user_id).chain(holder_id.as_ref()) {
            if !users.contains_key(id) {
                let user = store
                    .user_by_id(&UserId::from(id))
                    .await?
                    .ok_or_else(|| AppError::internal(format!("claim {} names a missing account", claim.id)))?;
                users.insert(id.clone(), user);
            }
        }
        let record = store
            .registry_record(&claim.number)
            .await?
            .ok_or_else(|| AppError::internal(format!("claim {} names a missing record", claim.id)))?;
        let holder = holder_id.as_ref().and_then(|id| users.get(id));
        reviews.push(review_claim(&claim, &users[&claim.user_id], &record, holder));
    }
    Ok(reviews)
}

/// `GET /v1/registry/claims`.
#[utoipa::path(get, path = "/v1/registry/claims", tag = "registry", operation_id = "registry_claims", security(("device" = [])), params(("status" = Option<ClaimStatus>, Query, description = "only claims with this status")),
    responses((status = 200, description = "claims beside the records they name, mismatches flagged", body = Vec<ClaimReview>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody)))]
pub async fn claims<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Query(query): Query<ClaimsQuery>,
) -> Result<Json<Vec<ClaimReview>>, AppError> {
    require_admin(&device)?;
    Ok(Json(review_claims(&state.store, query.status).await?))
}

/// Decides a pending claim. An approval is refused while another account holds the record, and
/// while the claimant's email is not the holder's unless `despite_mismatch` says staff checked.
pub async fn decide_claim<S: Store>(
    store: &S,
    id: &str,
    approve: bool,
    decision: &ClaimDecision,
    by: &str,
) -> Result<ClaimReview, AppError> {
    let not_pending = || AppError::NotFound(format!("no pending claim `{id}`"));
    let review = review_claims(store, Some(ClaimStatus::Pending))
        .await?
        .into_iter()
        .find(|r| r.claim_id == id)
        .ok_or_else(not_pending)?;
    if approve {
        if let Some(holder) = &review.already_held_by {
            return Err(AppError::Conflict(format!(
                "{} <{}> already holds {} through an approved claim; reject this claim",
                holder.display_name, holder.email, review.record.number
            )));
        }
        if !review.email_matches && !decision.despite_mismatch {
            return Err(AppError::Conflict(format!(
                "{}; approve only once you have checked that {} is {}, and say so with despite_mismatch",
                review.warnings.join("; "),
                review.claimant.display_name,
                review.record.holder_name
            )));
        }
    }
    let status = if approve { ClaimStatus::Approved } else { ClaimStatus::Rejected };
    let now = now_ms();
    let decided =
        store.decide_claim(&ClaimId::from(id), status, by, &decision.note, now).await.map_err(|e| match e {
            crate::store::StoreError::Conflict(_) => {
                AppError::Conflict("another account already holds this record".into())
            }
            other => other.into(),
        })?;
    if !decided {
        return Err(not_pending());
    }
    tracing::info!(claim_id = %id, %status, "registry claim decided");
    Ok(ClaimReview { status, decided_at_ms: Some(now), note: decision.note.clone(), ..review })
}

/// `POST /v1/registry/claims/{claim_id}/approve`.
#[utoipa::path(post, path = "/v1/registry/claims/{claim_id}/approve", tag = "registry", security(("device" = [])), params(("claim_id" = String, Path, description = "the claim")), request_body = ClaimDecision,
    description = "Refused 409 while another account holds the record, and while the claimant's email is not the record holder's unless despite_mismatch is set.",
    responses((status = 200, description = "approved", body = ClaimReview), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody), (status = 404, description = "no pending claim", body = ErrorBody), (status = 409, description = "already so", body = ErrorBody)))]
pub async fn approve<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClaimDecision>,
) -> Result<Json<ClaimReview>, AppError> {
    require_admin(&device)?;
    Ok(Json(decide_claim(&state.store, &id, true, &body, &device.user.id).await?))
}

/// `POST /v1/registry/claims/{claim_id}/reject`.
#[utoipa::path(post, path = "/v1/registry/claims/{claim_id}/reject", tag = "registry", security(("device" = [])), params(("claim_id" = String, Path, description = "the claim")), request_body = ClaimDecision,
    responses((status = 200, description = "rejected", body = ClaimReview), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 403, description = "registry admins only", body = ErrorBody), (status = 404, description = "no pending claim", body = ErrorBody)))]
pub async fn reject<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClaimDecision>,
) -> Result<Json<ClaimReview>, AppError> {
    require_admin(&device)?;
    Ok(Json(decide_claim(&state.store, &id, false, &body, &device.user.id).await?))
}
