//! The applicant's exports in the browser: the PDF, CSV and signed JSON of her verified hours
//! (each kept on the server and bound to a verification link), and the links she has handed
//! out, each of which she may withdraw. The API's own handlers do the work.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rsc_protocol::EvaluationQuery;
use serde::Deserialize;

use super::{Nav, PageError, SignedIn, day, html, see};
use crate::AppError;
use crate::http::{AppState, me, verify};
use crate::store::Store;

/// One kept export as the list shows it.
pub struct LinkRow {
    pub id: String,
    pub made: String,
    pub what: String,
    pub summary: String,
    pub link: String,
    pub withdrawn: Option<String>,
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
}

/// `GET /exports`.
pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    SignedIn(browser): SignedIn,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let base = me::public_base(&headers);
    let axum::Json(mut kept) = verify::export_links(State(state.clone()), browser.auth.clone()).await?;
    kept.sort_by_key(|l| std::cmp::Reverse(l.created_at_ms));
    let links: Vec<LinkRow> = kept
        .into_iter()
        .map(|l| LinkRow {
            made: day(l.created_at_ms),
            what: format!("{}, {} as of {}", l.rulebook_name, l.purpose, l.as_of),
            summary: l.summary,
            link: format!("{base}{}", l.link_path),
            withdrawn: l.withdrawn_at_ms.map(day),
            id: l.export_id,
        })
        .collect();
    let done = q.done.map(|_| "Withdrawn: whoever opens its link is told so, and it no longer verifies.".to_string());
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
    match me::export(State(state), browser.auth.clone(), headers, Path(format), Query(query)).await {
        Ok(response) => Ok(response),
        Err(AppError::Invalid { field, .. }) if field == "rulebook" => Err(AppError::invalid(
            "rulebook",
            "choose your association's rulebook in your profile first; the export is made under it",
        )
        .into()),
        Err(other) => Err(other.into()),
    }
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
    SignedIn(browser): SignedIn,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    browser.check(&form.csrf)?;
    verify::withdraw_export(State(state), browser.auth.clone(), Path(form.export)).await?;
    Ok(see("/exports?done=withdrawn"))
}
