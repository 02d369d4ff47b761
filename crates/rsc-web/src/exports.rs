//! The applicant's exports in the browser: she makes one export of her verified hours (kept on
//! the server under one id and link), downloads it as a PDF, a CSV or the signed JSON, and
//! withdraws it when it no longer stands. The exports service does the work, as for the API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rsc_protocol::EvaluationQuery;
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{Nav, PageError, SignedIn, day, html, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::exports;
use rsc_service::store::Store;

/// One kept export as the list shows it.
pub struct LinkRow {
    pub id: String,
    pub made: String,
    pub what: String,
    pub summary: String,
    pub link: String,
    pub withdrawn: Option<String>,
    /// Just made: shown first, open.
    pub fresh: bool,
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    nav: Option<Nav>,
    csrf: String,
    links: Vec<LinkRow>,
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    made: Option<String>,
}

/// `GET /exports`.
pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    SignedIn(browser): SignedIn,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let base = exports::public_base(&headers);
    let kept = exports::links(&state.store, &browser.auth.user).await?;
    let links: Vec<LinkRow> = kept
        .into_iter()
        .map(|l| LinkRow {
            made: day(l.created_at_ms),
            what: format!("{}, {} as of {}", l.rulebook_name, l.purpose, l.as_of),
            summary: l.summary,
            link: format!("{base}{}", l.link_path),
            withdrawn: l.withdrawn_at_ms.map(day),
            fresh: q.made.as_deref() == Some(l.export_id.as_str()),
            id: l.export_id,
        })
        .collect();
    let done = match (q.done.as_deref(), q.made.as_deref()) {
        (_, Some(_)) => Some(
            "Made: one export, kept under one link. Download it as a PDF, a CSV or the signed JSON; each names the \
             same link and SHA-256."
                .to_string(),
        ),
        (Some(_), None) => Some("Withdrawn: whoever opens its link is told so, and it no longer verifies.".to_string()),
        (None, None) => None,
    };
    Ok(html(
        StatusCode::OK,
        &ExportsPage { nav: Some(Nav::of(&browser, "exports")), csrf: browser.csrf.clone(), links, done },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct FileQuery {
    paper: Option<String>,
}

/// `GET /exports/file/{format}`: the export itself, as `GET /v1/me/exports/{format}` gives it.
pub async fn file<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    SignedIn(browser): SignedIn,
    Path(format): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response, PageError> {
    let query = EvaluationQuery { paper: q.paper.filter(|p| !p.is_empty()), ..EvaluationQuery::default() };
    let base = exports::public_base(&headers);
    match exports::make_and_render(&state.store, &browser.auth.user, &query, &format, &base).await {
        Ok(download) => Ok(download.into_response()),
        Err(AppError::Invalid { field, .. }) if field == "rulebook" => Err(no_rulebook().into()),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct MakeForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /exports/make`: makes one export under her profile's rulebook and keeps it.
pub async fn make<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, _): CheckedForm<MakeForm>,
) -> Result<Response, PageError> {
    match exports::make(&state.store, &browser.auth.user, &EvaluationQuery::default()).await {
        Ok(kept) => Ok(see(&format!("/exports?made={}", kept.id))),
        Err(AppError::Invalid { field, .. }) if field == "rulebook" => Err(no_rulebook().into()),
        Err(other) => Err(other.into()),
    }
}

fn no_rulebook() -> AppError {
    AppError::invalid(
        "rulebook",
        "choose your association's rulebook in your profile first; the export is made under it",
    )
}

/// `GET /exports/{export_id}/{format}`: one of her kept exports as a PDF, a CSV or the JSON.
pub async fn download<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    SignedIn(browser): SignedIn,
    Path((export_id, format)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
) -> Result<Response, PageError> {
    let base = exports::public_base(&headers);
    let paper = q.paper.as_deref().filter(|p| !p.is_empty());
    Ok(exports::render_own(&state.store, &browser.auth.user, &export_id, &format, paper, &base).await?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    export: String,
}

/// `POST /exports/withdraw`: as `DELETE /v1/me/export-links/{id}`.
pub async fn withdraw<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<WithdrawForm>,
) -> Result<Response, PageError> {
    exports::withdraw(&state.store, &browser.auth.user, &form.export).await?;
    Ok(see("/exports?done=withdrawn"))
}

form_token!(MakeForm, WithdrawForm);
