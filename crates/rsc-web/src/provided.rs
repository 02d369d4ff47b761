//! The RS/C she provided, per calendar year, in the browser, with its PDF: evidence for the years
//! of providing RS/C some endorsements ask for. Supervisees are counted, never named.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsc_rules::format_hours;

use super::{Nav, PageError, SignedIn, html};
use rsc_service::AppState;
use rsc_service::store::Store;

/// One year as the page shows it.
pub struct Year {
    pub year: i32,
    pub span: String,
    pub sessions: u32,
    pub individual: String,
    pub group: String,
    pub hours: String,
    pub supervisees: u32,
}

#[derive(Template)]
#[template(path = "provided.html")]
struct ProvidedPage {
    nav: Option<Nav>,
    years: Vec<Year>,
}

/// `GET /provided`.
pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
) -> Result<Response, PageError> {
    let years = rsc_service::provided::years(&state.store, &browser.auth.user).await?;
    let page = ProvidedPage {
        nav: Some(Nav::of(&browser, "provider")),
        years: years
            .iter()
            .map(|y| Year {
                year: y.year,
                span: format!("{} to {}", y.first, y.last),
                sessions: y.sessions,
                individual: format!("{} in {}", format_hours(y.individual_minutes), y.individual_sessions),
                group: format!("{} in {}", format_hours(y.group_minutes), y.group_sessions),
                hours: format_hours(y.minutes),
                supervisees: y.supervisees,
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, &page))
}

/// `GET /provided/pdf`.
pub async fn pdf<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let base = rsc_service::exports::public_base(&headers);
    let bytes = rsc_service::provided::pdf(&state.store, &browser.auth.user, &base).await?;
    Ok(rsc_service::provided::ProvidedPdf(bytes).into_response())
}
