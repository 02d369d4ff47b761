//! The operator in the browser: create associations, make and remove their staff, and issue a
//! password reset code to hand to someone who forgot hers. Only operators open these pages;
//! staff keep registries, and never reset anyone's password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{Browser, Nav, PageError, SignedIn, html};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::staff::{self, Staff};
use rsc_service::store::Store;

/// An association as the page lists it, with its staff.
pub struct AssociationLine {
    pub id: String,
    pub name: String,
    pub rulebooks: String,
    pub staff: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    nav: Option<Nav>,
    csrf: String,
    associations: Vec<AssociationLine>,
    rulebooks: String,
    done: Option<String>,
    problem: Option<String>,
    code: Option<(String, String)>,
}

async fn operator<S: Store>(state: &AppState<S>, browser: &Browser) -> Result<Staff, AppError> {
    Staff::operator(&state.store, &browser.auth.user).await
}

async fn page<S: Store>(
    state: &AppState<S>,
    browser: &Browser,
    status: StatusCode,
    done: Option<String>,
    problem: Option<String>,
    code: Option<(String, String)>,
) -> Result<Response, PageError> {
    let staff = state.store.staff().await?;
    let associations = state
        .store
        .associations()
        .await?
        .into_iter()
        .map(|a| AssociationLine {
            staff: staff
                .iter()
                .filter(|(of, _)| *of == a.id)
                .map(|(_, u)| (u.display_name.clone(), u.email.clone()))
                .collect(),
            rulebooks: a.rulebooks.join(", "),
            id: a.id,
            name: a.name,
        })
        .collect();
    let page = OperatorPage {
        nav: Some(Nav::of(browser, "staff")),
        csrf: browser.csrf.clone(),
        associations,
        rulebooks: rsc_rules::builtin_ids().collect::<Vec<_>>().join(", "),
        done,
        problem,
        code,
    };
    Ok(html(status, &page))
}

/// `GET /operator`.
pub async fn home<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
) -> Result<Response, PageError> {
    operator(&state, &browser).await?;
    page(&state, &browser, StatusCode::OK, None, None, None).await
}

/// A refusal the operator can fix on the page is shown on it; anything else is an error page.
async fn answer<S: Store, T>(
    state: &AppState<S>,
    browser: &Browser,
    result: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
) -> Result<Response, PageError> {
    match result {
        Ok(value) => page(state, browser, StatusCode::OK, Some(done(value)), None, None).await,
        Err(error @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::NotFound(_))) => {
            let (status, _, _, message) = error.public();
            page(state, browser, status, None, Some(message), None).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct AssociationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    rulebooks: String,
}

/// `POST /operator/associations`: create one. The change form sends the same fields.
pub async fn create_association<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<AssociationForm>,
) -> Result<Response, PageError> {
    let by = operator(&state, &browser).await?;
    let rulebooks = rulebook_list(&form.rulebooks);
    let made = staff::create_association(&state.store, &by, &form.id, &form.name, &rulebooks).await;
    answer(&state, &browser, made, |a| format!("Created {} ({}).", a.name, a.id)).await
}

/// `POST /operator/associations/change`: its name and rulebooks as the form has them.
pub async fn change_association<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<AssociationForm>,
) -> Result<Response, PageError> {
    let by = operator(&state, &browser).await?;
    let rulebooks = rulebook_list(&form.rulebooks);
    let changed = staff::change_association(&state.store, &by, &form.id, Some(&form.name), Some(&rulebooks)).await;
    answer(&state, &browser, changed, |a| format!("Saved {} ({}).", a.name, a.id)).await
}

/// Rulebook ids as typed: separated by commas or spaces, any case; "none" is none.
fn rulebook_list(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("none"))
        .map(str::to_lowercase)
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    association: String,
    #[serde(default)]
    action: String,
}

/// `POST /operator/staff`: make someone staff of an association, or end it.
pub async fn change_staff<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<StaffForm>,
) -> Result<Response, PageError> {
    let by = operator(&state, &browser).await?;
    let (email, association) = (form.email.trim(), form.association.trim());
    if form.action == "remove" {
        let removed = staff::remove_staff(&state.store, &by, email, association).await;
        answer(&state, &browser, removed, |done| {
            if done {
                format!("{email} no longer keeps {association}'s registry.")
            } else {
                format!("{email} was not staff of {association}.")
            }
        })
        .await
    } else {
        let added = staff::add_staff(&state.store, &by, email, association).await;
        answer(&state, &browser, added, |done| {
            if done {
                format!("{email} now keeps {association}'s registry.")
            } else {
                format!("{email} already keeps {association}'s registry.")
            }
        })
        .await
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// `POST /operator/reset`: a one-time code, shown once on the page that answers.
pub async fn reset<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<ResetForm>,
) -> Result<Response, PageError> {
    let by = operator(&state, &browser).await?;
    match staff::issue_reset_code(&state.store, &by, &form.email).await {
        Ok((user, code)) => {
            let whom = format!("{} <{}>", user.display_name, user.email);
            page(&state, &browser, StatusCode::OK, None, None, Some((whom, code))).await
        }
        Err(error @ (AppError::Invalid { .. } | AppError::NotFound(_))) => {
            let (status, _, _, message) = error.public();
            page(&state, &browser, status, None, Some(message), None).await
        }
        Err(other) => Err(other.into()),
    }
}

form_token!(AssociationForm, StaffForm, ResetForm);
