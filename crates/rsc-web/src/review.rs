//! What a reviewer sees: whether an export verifies against this server's published keys, what
//! it says (applicant, rulebook, outcome, each requirement and session), and what changed since
//! it was made. Shown for an export link (`/verify/{id}`) and for a JSON file uploaded here.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use rsc_rules::format_hours;

use super::session::{CSRF_COOKIE, cookie, same_token, set_cookie};
use super::{Nav, PageError, day, html};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::store::Store;

/// One requirement's result.
pub struct RequirementLine {
    pub title: String,
    pub counted: String,
    pub required: String,
    pub met: bool,
}

/// One session of the export.
pub struct SessionLine {
    pub date: String,
    pub kind: String,
    pub provider: String,
    pub minutes: String,
    pub counted: String,
}

/// An export as a reviewer reads it.
pub struct Verification {
    pub verified: bool,
    pub verdict: String,
    pub applicant: String,
    pub rulebook: String,
    pub purpose: String,
    pub as_of: String,
    pub issued: String,
    pub eligible: bool,
    pub summary: String,
    pub digest: String,
    pub requirements: Vec<RequirementLine>,
    pub sessions: Vec<SessionLine>,
    /// What changed since, when this server keeps the export.
    pub changes: Option<Vec<String>>,
}

#[derive(Template)]
#[template(path = "verification.html")]
struct VerificationPage {
    nav: Option<Nav>,
    title: String,
    v: Verification,
}

/// `export` (its JSON `body`) as a reviewer reads it, checked against this server's keys; when
/// the server `kept` it, also what changed since it was issued.
pub async fn verification<S: Store>(
    store: &S,
    body: &[u8],
    kept: Option<&rsc_service::store::ExportRecord>,
) -> Result<Verification, AppError> {
    use sha2::Digest;
    let keys = rsc_service::server_keys::published_keys(store).await?;
    let outcome = rsc_export::verify(body, Some(&keys));
    let export: rsc_export::Export = serde_json::from_slice(body)
        .map_err(|e| AppError::invalid("export", format!("is not an RSC Logbook export: {e}")))?;
    let changes = match kept {
        Some(record) => Some(rsc_service::exports::changes_since(store, record, &export).await?),
        None => None,
    };
    let p = &export.payload;
    let e = &p.evaluation;
    let names = rsc_export::facts::names(p);
    let withdrawn = kept.and_then(|k| k.withdrawn_at_ms);
    let (verified, verdict) = match &outcome {
        // The signatures still hold, but the applicant took it back: it no longer stands.
        Ok(_) if withdrawn.is_some() => (
            false,
            format!(
                "Does NOT stand: the applicant withdrew this export on {}. Its signatures are intact, but it is no \
                 longer a record of her hours; ask her for a current one.",
                day(withdrawn.unwrap_or_default())
            ),
        ),
        Ok(report) => (
            true,
            format!(
                "Verified. This server signed it (key {}) on {}; {} provider signatures, {} registry records and the \
                 evaluation check out.",
                report.key_id,
                day(p.issued_at_ms),
                report.attestations,
                report.registry_records
            ),
        ),
        Err(error) => (false, format!("Does NOT verify: {error}")),
    };
    let disputes = rsc_export::facts::dispute_reasons(p);
    let sessions = p
        .dossier
        .sessions
        .iter()
        .zip(&e.sessions)
        .map(|(s, r)| {
            let provider = names.get(s.provider.as_str()).copied().unwrap_or("(unnamed provider)").to_string();
            let (attended, confirmed) = rsc_export::facts::logged_and_confirmed(s);
            SessionLine {
                date: s.date.to_string(),
                kind: format!("{}, {}", rsc_export::pdf::kind_word(s.kind), rsc_export::pdf::format_word(s.format)),
                minutes: match confirmed {
                    Some(c) => format!("{attended} attended, {c} confirmed"),
                    None => format!("{attended} attended"),
                },
                counted: if r.excluded.is_empty() {
                    format!("Counted: {}", format_hours(r.counted_minutes))
                } else {
                    format!(
                        "Not counted: {}",
                        rsc_export::pdf::why_not(
                            s,
                            &r.excluded,
                            &provider,
                            disputes.get(s.id.as_str()).map(String::as_str),
                            Some(&rsc_export::facts::not_qualified(p, s, &provider)),
                        )
                    )
                },
                provider,
            }
        })
        .collect();
    Ok(Verification {
        verified,
        verdict,
        applicant: p.applicant.display_name.clone(),
        rulebook: p.rulebook.name.clone(),
        purpose: p.purpose.to_string(),
        as_of: e.as_of.to_string(),
        issued: day(p.issued_at_ms),
        eligible: e.eligible,
        summary: e.summary.clone(),
        digest: hex::encode(sha2::Sha256::digest(body)),
        requirements: e
            .requirements
            .iter()
            .map(|r| RequirementLine {
                title: r.title.clone(),
                counted: format_hours(r.counted_minutes_as_of),
                required: format_hours(r.required_minutes),
                met: r.met,
            })
            .collect(),
        sessions,
        changes,
    })
}

/// The verification page.
pub fn verification_page(v: Verification) -> Response {
    let status = if v.verified { StatusCode::OK } else { StatusCode::CONFLICT };
    html(status, &VerificationPage { nav: None, title: "RS/C hours: verification".into(), v })
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    nav: Option<Nav>,
    csrf: String,
    problem: Option<String>,
}

fn review_form(headers: &HeaderMap, status: StatusCode, problem: Option<String>) -> Result<Response, PageError> {
    let csrf = rsc_service::auth::random_code(26)?;
    let mut response = html(status, &ReviewPage { nav: None, csrf: csrf.clone(), problem });
    response.headers_mut().append(header::SET_COOKIE, set_cookie(headers, CSRF_COOKIE, &csrf, 2 * 3600));
    Ok(response)
}

/// `GET /review`: a form to check a JSON export file, for anyone.
pub async fn review_page(headers: HeaderMap) -> Result<Response, PageError> {
    review_form(&headers, StatusCode::OK, None)
}

/// `POST /review`: verifies the uploaded export in place and shows what it says.
pub async fn review<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let mut csrf = String::new();
    let mut file = Vec::new();
    while let Some(field) =
        form.next_field().await.map_err(|e| AppError::invalid("export", format!("the upload did not read: {e}")))?
    {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|e| AppError::invalid("csrf", e.to_string()))?,
            Some("export") => {
                file =
                    field.bytes().await.map_err(|e| AppError::invalid("export", format!("did not read: {e}")))?.to_vec()
            }
            _ => {}
        }
    }
    match cookie(&headers, CSRF_COOKIE) {
        Some(held) if !csrf.is_empty() && same_token(held, &csrf) => {}
        _ => {
            return Err(AppError::Forbidden(
                "this form is out of date or did not come from this site; reload the page and try again".into(),
            )
            .into());
        }
    }
    if file.is_empty() {
        return review_form(&headers, StatusCode::UNPROCESSABLE_ENTITY, Some("Choose the export's JSON file.".into()));
    }
    // The server keeps what it issued: a kept export also says what changed since.
    let kept = {
        use sha2::Digest;
        state.store.export_by_digest(&sha2::Sha256::digest(&file)).await?
    };
    match verification(&state.store, &file, kept.as_ref()).await {
        Ok(v) => Ok(verification_page(v)),
        Err(AppError::Invalid { message, .. }) => {
            review_form(&headers, StatusCode::UNPROCESSABLE_ENTITY, Some(format!("That file {message}")))
        }
        Err(other) => Err(other.into()),
    }
}

/// The verification page of the export kept as `record`, for whoever holds its link: whether it
/// verifies, what it says, and what changed since it was made.
pub async fn kept_export_page<S: Store>(
    store: &S,
    record: &rsc_service::store::ExportRecord,
) -> Result<Response, AppError> {
    Ok(verification_page(verification(store, record.body.as_bytes(), Some(record)).await?))
}
