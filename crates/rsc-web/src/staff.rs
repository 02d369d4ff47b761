//! Association staff in the browser: the claims queue, each claimant beside the record's
//! holder with any mismatch flagged, approved or rejected with a reason. The same decisions,
//! checks and refusals as `POST /v1/registry/claims/{id}/approve|reject`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rsc_protocol::{ClaimDecision, ClaimStatus};
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{Nav, PageError, SignedIn, html, require_staff, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::registry::{decide_claim, review_claims};
use rsc_service::store::Store;

/// One claim as the queue shows it.
pub struct ClaimRow {
    pub id: String,
    pub number: String,
    pub credential: String,
    pub association: String,
    pub claimant: String,
    pub claimant_email: String,
    pub holder: String,
    pub holder_email: String,
    pub filed: String,
    pub warnings: Vec<String>,
    pub held_by: Option<String>,
}

#[derive(Template)]
#[template(path = "claims.html")]
struct ClaimsPage {
    nav: Option<Nav>,
    csrf: String,
    claims: Vec<ClaimRow>,
    problem: Option<String>,
}

async fn page<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    status: StatusCode,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let by = require_staff(state, browser).await?;
    let claims = review_claims(&state.store, &by, Some(ClaimStatus::Pending))
        .await?
        .into_iter()
        .map(|c| ClaimRow {
            id: c.claim_id.clone(),
            number: c.record.number.clone(),
            credential: c.record.credential.clone(),
            association: c.record.association.clone(),
            claimant: c.claimant.display_name.clone(),
            claimant_email: c.claimant.email.clone(),
            holder: c.record.holder_name.clone(),
            holder_email: c.record.holder_email.clone(),
            filed: rsc_model::Date::from_unix_millis(c.created_at_ms).map(|d| d.to_string()).unwrap_or_default(),
            warnings: c.warnings.clone(),
            held_by: c.already_held_by.as_ref().map(|h| format!("{} <{}>", h.display_name, h.email)),
        })
        .collect();
    let nav = Some(Nav::of(browser, "staff"));
    Ok(html(status, &ClaimsPage { nav, csrf: browser.csrf.clone(), claims, problem }))
}

/// `GET /staff/claims`.
pub async fn claims<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
) -> Result<Response, PageError> {
    require_staff(&state, &browser).await?;
    page(&state, &browser, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    despite_mismatch: Option<String>,
}

/// `POST /staff/claims/{id}`: approve or reject, with a reason.
pub async fn decide<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
    CheckedForm(browser, form): CheckedForm<DecisionForm>,
) -> Result<Response, PageError> {
    let by = require_staff(&state, &browser).await?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => return Err(AppError::invalid("decision", format!("`{other}` is not approve or reject")).into()),
    };
    let decision =
        ClaimDecision { note: form.note.trim().to_string(), despite_mismatch: form.despite_mismatch.is_some() };
    match decide_claim(&state.store, &by, &id, approve, &decision).await {
        Ok(_) => Ok(see("/staff/claims")),
        Err(
            error @ (AppError::Conflict(_)
            | AppError::UncheckedClaimant { .. }
            | AppError::Invalid { .. }
            | AppError::NotFound(_)),
        ) => {
            let (status, _, _, message) = error.public();
            // The page names its box where the API names its field.
            let message = error.unchecked_claimant("tick \"I checked that …\" beside the claim").unwrap_or(message);
            page(&state, &browser, status, Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}

form_token!(DecisionForm);
