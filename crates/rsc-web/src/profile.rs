//! Everyone's own settings in the browser: the profile (name, master's date, rulebook,
//! purpose), the password, and connecting with a provider by the code or link she gave. Each
//! form runs the API route's own handler, so the rules and limits are the API's.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsc_protocol::Profile;
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{FieldErrors, Nav, PageError, SignedIn, html, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::store::Store;

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    nav: Option<Nav>,
    csrf: String,
    email: String,
    display_name: String,
    masters: String,
    rulebook: String,
    purpose: String,
    share_progress: bool,
    provides_rsc: bool,
    rulebooks: Vec<(String, String)>,
    errors: FieldErrors,
    done: Option<String>,
}

impl ProfilePage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    masters_conferred_on: String,
    #[serde(default)]
    rulebook: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    share_progress: Option<String>,
    #[serde(default)]
    provides_rsc: Option<String>,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    close_password: String,
    #[serde(default)]
    confirm: String,
}

fn rulebooks() -> Vec<(String, String)> {
    rsc_rules::builtin_ids().filter_map(|id| rsc_rules::builtin(id).map(|r| (r.id.clone(), r.name.clone()))).collect()
}

async fn show<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    status: StatusCode,
    typed: Option<&ProfileForm>,
    errors: FieldErrors,
    done: Option<String>,
) -> Result<Response, PageError> {
    let saved = rsc_service::verified::profile(&state.store, &browser.auth.user).await?;
    let pick = |typed: Option<&str>, saved: Option<String>| typed.map(str::to_string).or(saved).unwrap_or_default();
    let page = ProfilePage {
        nav: Some(Nav::of(browser, "profile")),
        csrf: browser.csrf.clone(),
        email: browser.auth.user.email.clone(),
        display_name: pick(typed.map(|t| t.display_name.as_str()), saved.display_name),
        masters: pick(typed.map(|t| t.masters_conferred_on.as_str()), saved.masters_conferred_on),
        rulebook: pick(typed.map(|t| t.rulebook.as_str()), saved.rulebook),
        purpose: pick(typed.map(|t| t.purpose.as_str()), saved.purpose),
        share_progress: typed.map(|t| t.share_progress.is_some()).or(saved.share_progress).unwrap_or(false),
        provides_rsc: typed.map(|t| t.provides_rsc.is_some()).or(saved.provides_rsc).unwrap_or(false),
        rulebooks: rulebooks(),
        errors,
        done,
    };
    Ok(html(status, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /profile`.
pub async fn profile_page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response, PageError> {
    let done = q.done.map(|what| match what.as_str() {
        "password" => "Your password is changed.".to_string(),
        _ => "Saved.".to_string(),
    });
    show(&state, &browser, StatusCode::OK, None, FieldErrors::default(), done).await
}

/// An API refusal beside its field (or above the form).
fn beside(error: AppError) -> Result<FieldErrors, AppError> {
    match error {
        AppError::Invalid { field, message } | AppError::BadRequest { field, message } => {
            Ok(FieldErrors::one(field, message))
        }
        AppError::Unauthorized(message) => Ok(FieldErrors::one("current_password", message)),
        AppError::RateLimited { message, .. } => Ok(FieldErrors::one("form", message)),
        other => Err(other),
    }
}

/// `POST /profile`: as `PUT /v1/me/profile`.
pub async fn save_profile<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<ProfileForm>,
) -> Result<Response, PageError> {
    let blank = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let profile = Profile {
        display_name: blank(&form.display_name),
        masters_conferred_on: blank(&form.masters_conferred_on),
        rulebook: blank(&form.rulebook),
        purpose: blank(&form.purpose),
        share_progress: Some(form.share_progress.is_some()),
        provides_rsc: Some(form.provides_rsc.is_some()),
    };
    match rsc_service::profile::save(&state.store, &browser.auth.user, profile).await {
        Ok(_) => Ok(see("/profile?done=profile")),
        Err(error) => {
            let errors = beside(error)?;
            show(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, Some(&form), errors, None).await
        }
    }
}

/// `POST /password`: as `POST /v1/me/password`, with the same sign-in limits.
pub async fn change_password<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    CheckedForm(browser, form): CheckedForm<ProfileForm>,
) -> Result<Response, PageError> {
    let result = rsc_service::auth::change_password(
        &state.store,
        &browser.auth.user,
        &browser.auth.device.id,
        &form.current_password,
        &form.new_password,
        address.ip(),
    )
    .await;
    match result {
        Ok(_) => Ok(see("/profile?done=password")),
        Err(error) => {
            let errors = FieldErrors(
                beside(error)?
                    .0
                    .into_iter()
                    .map(|(f, m)| (if f == "password" { "new_password".into() } else { f }, m))
                    .collect(),
            );
            show(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, None, errors, None).await
        }
    }
}

/// `GET /profile/data`: everything the server keeps about her, as a JSON file to keep.
pub async fn own_data<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
) -> Result<Response, PageError> {
    let data = rsc_service::own_data::download(&state.store, &browser.auth.user).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::internal(format!("her data as JSON: {e}")))?;
    Ok((
        StatusCode::OK,
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"rsc-logbook-my-data.json\""),
        ],
        body,
    )
        .into_response())
}

/// `POST /profile/close`: as `POST /v1/me/close`. Closed, the browser is signed out with the
/// rest and told what stays.
pub async fn close<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    CheckedForm(browser, form): CheckedForm<ProfileForm>,
) -> Result<Response, PageError> {
    let result = rsc_service::own_data::close(
        &state.store,
        &browser.auth.user,
        &browser.auth.device.id,
        &form.close_password,
        &form.confirm,
        address.ip(),
    )
    .await;
    match result {
        Ok(()) => {
            let mut response = super::message(
                StatusCode::OK,
                None,
                "Your account is closed",
                &[
                    "Every device of yours is signed out, and your email is erased: nobody can sign in to this account again.",
                    "Sessions others count, your confirmations, your claim and the exports you handed out stay, so nobody loses a counted minute; an export you handed out says that you closed your account.",
                ],
            );
            response.headers_mut().append(
                axum::http::header::SET_COOKIE,
                super::session::set_cookie(&headers, super::session::SESSION_COOKIE, "", 0),
            );
            Ok(response)
        }
        Err(error) => {
            let errors = FieldErrors(
                beside(error)?
                    .0
                    .into_iter()
                    .map(|(f, m)| (if f == "password" { "close_password".into() } else { f }, m))
                    .collect(),
            );
            show(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, None, errors, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "connect.html")]
struct ConnectPage {
    nav: Option<Nav>,
    csrf: String,
    code: String,
    problem: Option<String>,
    connected: Option<String>,
}

/// `GET /connect` and `GET /connect/{code}` (the link a provider shares): asks to connect.
pub async fn connect_page(SignedIn(browser): SignedIn, code: Option<Path<String>>) -> Result<Response, PageError> {
    let page = ConnectPage {
        nav: Some(Nav::of(&browser, "sessions")),
        csrf: browser.csrf.clone(),
        code: code.map(|Path(c)| c).unwrap_or_default(),
        problem: None,
        connected: None,
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct ConnectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /connect`: as `POST /v1/connections`, throttled the same way.
pub async fn connect<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<ConnectForm>,
) -> Result<Response, PageError> {
    let (status, problem, connected) =
        match rsc_service::connections::connect_by_code(&state.store, &browser.auth.user, &form.code).await {
            Ok((provider, _)) => (StatusCode::OK, None, Some(provider.display_name)),
            Err(error) => {
                let (status, _, _, message) = error.public();
                if status.is_server_error() {
                    return Err(error.into());
                }
                (status, Some(message), None)
            }
        };
    let page = ConnectPage {
        nav: Some(Nav::of(&browser, "sessions")),
        csrf: browser.csrf.clone(),
        code: form.code,
        problem,
        connected,
    };
    Ok(html(status, &page))
}

form_token!(ConnectForm, ProfileForm);
