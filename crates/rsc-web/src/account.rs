//! Signing up, in and out in a browser. Signing in registers the browser as a device, with the
//! public half of the key its script made (the private half never leaves the browser).

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::session::{self, CSRF_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE_SECS};
use super::{Nav, PageError, html, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::auth::{self, NewDevice};
use rsc_service::store::{DeviceId, Store, UserId};

/// A form's state when shown again: what was typed (never a password), and what is wrong.
#[derive(Debug, Default)]
pub struct FormState {
    /// Errors by field.
    pub errors: super::FieldErrors,
    /// A problem with the whole form.
    pub problem: Option<String>,
    /// Typed values.
    pub email: String,
    pub display_name: String,
    pub device_name: String,
}

impl FormState {
    /// The error beside `field`, if any.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    /// Places `error` beside its field, or above the form when it names none shown.
    fn place(&mut self, error: AppError, shown: &[&str]) -> StatusCode {
        let (status, _, field, message) = error.public();
        match field {
            Some(field) if shown.contains(&field.as_str()) => self.errors.0.push((field, message)),
            _ => self.problem = Some(message),
        }
        status
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    nav: Option<Nav>,
    csrf: String,
    next: String,
    form: FormState,
}

impl SignInPage {
    /// `next`, as a link's query carries it.
    fn next_query(&self) -> String {
        url::form_urlencoded::byte_serialize(self.next.as_bytes()).collect()
    }
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage {
    nav: Option<Nav>,
    csrf: String,
    /// Where to go after signing in (a connection link opened before signing up).
    next: String,
    form: FormState,
}

impl SignUpPage {
    /// `next`, as a link's query carries it.
    fn next_query(&self) -> String {
        url::form_urlencoded::byte_serialize(self.next.as_bytes()).collect()
    }
}

/// A fresh double-submit value and the cookie that carries it (for forms before sign-in).
fn fresh_csrf(headers: &HeaderMap) -> Result<(String, axum::http::HeaderValue), AppError> {
    let value = auth::random_code(26)?;
    let cookie = session::set_cookie(headers, CSRF_COOKIE, &value, 2 * 3600);
    Ok((value, cookie))
}

/// Refuses a form shown before sign-in whose value is not the one its cookie holds.
fn check_double_submit(headers: &HeaderMap, sent: &str) -> Result<(), AppError> {
    match session::cookie(headers, CSRF_COOKIE) {
        Some(held) if !sent.is_empty() && session::same_token(held, sent) => Ok(()),
        _ => Err(AppError::Forbidden(
            "this form is out of date or did not come from this site; reload the page and try again".into(),
        )),
    }
}

/// `/`: where each role's work is when signed in (staff: the claims queue; a provider: her
/// confirmations; everyone else: her hours), else what this is and where to start.
pub async fn home<S: Store>(State(state): State<AppState<S>>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(browser) = session::browser(&headers, &state).await? {
        return Ok(see(start_page(&browser)));
    }
    Ok(super::message(
        StatusCode::OK,
        None,
        // The tab reads "RS/C hours you can trust · RSC Logbook", not the product's name twice.
        "RS/C hours you can trust",
        &[
            "Reflective supervision/consultation hours that a reviewer can trust: each session confirmed by its \
             provider's own signature, each provider's endorsement checked against the association's registry.",
            "Sign in to see your hours, confirm your supervisees' sessions, or keep the registry. A reviewer holding \
             an export can check it without an account.",
        ],
    ))
}

/// Where a signed-in person's work is: association staff keep the registry; a provider
/// confirms; anyone else keeps her hours.
fn start_page(browser: &session::Browser) -> &'static str {
    if browser.auth.role() == rsc_protocol::Role::RegistryAdmin {
        "/staff/claims"
    } else if browser.provides {
        "/provider"
    } else {
        "/dashboard"
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    welcome: Option<String>,
}

/// `GET /signin`.
pub async fn signin_page<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Result<Response, PageError> {
    if let Some(browser) = session::browser(&headers, &state).await? {
        let next = match query.next.as_deref() {
            Some(next) => session::local_path(next),
            None => start_page(&browser).to_string(),
        };
        return Ok(see(&next));
    }
    let (csrf, cookie) = fresh_csrf(&headers)?;
    let form = FormState {
        problem: query.welcome.map(|w| {
            if w == "reset" {
                "Your password is changed and every device signed out: sign in with the new one.".to_string()
            } else {
                "Your account is ready: sign in to start.".to_string()
            }
        }),
        ..FormState::default()
    };
    let next = session::local_path(query.next.as_deref().unwrap_or("/"));
    let mut response = html(StatusCode::OK, &SignInPage { nav: None, csrf, next, form });
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    device_name: String,
    #[serde(default)]
    public_key: String,
    #[serde(default)]
    actor_id: String,
    #[serde(default)]
    next: String,
}

/// `POST /signin`: the same checks and limits as `POST /v1/login`; the browser becomes a device.
pub async fn signin<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    check_double_submit(&headers, &form.csrf)?;
    let mut shown =
        FormState { email: form.email.clone(), device_name: form.device_name.clone(), ..Default::default() };
    let next = session::local_path(&form.next);
    let status = if form.public_key.trim().is_empty() {
        shown.problem = Some(
            "This browser made no signing key. Signing in needs JavaScript and Ed25519 in Web Crypto (a current \
             Chromium or Firefox)."
                .into(),
        );
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        let name = if form.device_name.trim().is_empty() { "Web browser" } else { form.device_name.as_str() };
        let new = NewDevice { name, public_key: &form.public_key, actor_id: &form.actor_id, field: "device" };
        let known = session::cookie(&headers, session::KNOWN_CLIENT_COOKIE);
        match auth::sign_in(&state.store, address.ip(), &form.email, &form.password, new, known).await {
            Ok(signed_in) => {
                let mut response = see(&next);
                let cookies = response.headers_mut();
                cookies.append(
                    header::SET_COOKIE,
                    session::set_cookie(&headers, SESSION_COOKIE, &signed_in.token, SESSION_MAX_AGE_SECS),
                );
                cookies.append(header::SET_COOKIE, session::set_cookie(&headers, CSRF_COOKIE, "", 0));
                // Kept across sign-outs: this browser stays known to the account.
                cookies.append(
                    header::SET_COOKIE,
                    session::set_cookie(
                        &headers,
                        session::KNOWN_CLIENT_COOKIE,
                        &signed_in.known_client,
                        (auth::KNOWN_CLIENT_DAYS * 24 * 3600) as u64,
                    ),
                );
                return Ok(response);
            }
            Err(AppError::Unauthorized(message)) => {
                shown.errors.0.push(("password".into(), message));
                StatusCode::UNAUTHORIZED
            }
            Err(error) => shown.place(error, &["email", "password"]),
        }
    };
    let (csrf, cookie) = fresh_csrf(&headers)?;
    let mut response = html(status, &SignInPage { nav: None, csrf, next, form: shown });
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

/// `GET /signup`.
pub async fn signup_page(headers: HeaderMap, Query(query): Query<NextQuery>) -> Result<Response, PageError> {
    let (csrf, cookie) = fresh_csrf(&headers)?;
    let next = session::local_path(query.next.as_deref().unwrap_or("/"));
    let mut response = html(StatusCode::OK, &SignUpPage { nav: None, csrf, next, form: FormState::default() });
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /signup`: as `POST /v1/accounts`, an email that has an account gets the same answer.
pub async fn signup<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Form(form): Form<SignUpForm>,
) -> Result<Response, PageError> {
    check_double_submit(&headers, &form.csrf)?;
    let role = rsc_protocol::Role::Member;
    match auth::create_account(&state.store, &form.email, &form.password, &form.display_name, role).await {
        Ok(_) | Err(AppError::Conflict(_)) => {
            // A connection link opened before signing up is carried through to sign-in.
            let next = session::local_path(&form.next);
            let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            Ok(see(&format!("/signin?welcome=1&next={next}")))
        }
        Err(error) => {
            let mut shown =
                FormState { email: form.email.clone(), display_name: form.display_name.clone(), ..Default::default() };
            let status = shown.place(error, &["email", "password", "display_name"]);
            let (csrf, cookie) = fresh_csrf(&headers)?;
            let next = session::local_path(&form.next);
            let mut response = html(status, &SignUpPage { nav: None, csrf, next, form: shown });
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /signout`: this browser's device is revoked and its cookie cleared.
pub async fn signout<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    if let Some(browser) = session::browser(&headers, &state).await? {
        browser.check(&form.csrf)?;
        let device = &browser.auth.device;
        state
            .store
            .revoke_device(&UserId::from(&device.user_id), &DeviceId::from(&device.id), rsc_service::clock::now_ms())
            .await?;
    }
    let mut response = see("/signin");
    response.headers_mut().append(header::SET_COOKIE, session::set_cookie(&headers, SESSION_COOKIE, "", 0));
    Ok(response.into_response())
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    nav: Option<Nav>,
    csrf: String,
    form: FormState,
}

/// `GET /reset`: set a new password with the code association staff gave.
pub async fn reset_page(headers: HeaderMap) -> Result<Response, PageError> {
    let (csrf, cookie) = fresh_csrf(&headers)?;
    let mut response = html(StatusCode::OK, &ResetPage { nav: None, csrf, form: FormState::default() });
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /reset`: as `POST /v1/password-reset`, with its limits; every device is signed out.
pub async fn reset<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    check_double_submit(&headers, &form.csrf)?;
    match auth::reset_password(&state.store, &form.email, &form.code, &form.new_password, address.ip()).await {
        Ok(_) => Ok(see("/signin?welcome=reset")),
        Err(error) => {
            let mut shown = FormState { email: form.email.clone(), ..Default::default() };
            let status = match error {
                AppError::Unauthorized(message) | AppError::NotFound(message) => {
                    shown.errors.0.push(("code".into(), message));
                    StatusCode::UNAUTHORIZED
                }
                other => {
                    let status = shown.place(other, &["email", "code", "password"]);
                    if let Some(i) = shown.errors.0.iter().position(|(f, _)| f == "password") {
                        shown.errors.0[i].0 = "new_password".into();
                    }
                    status
                }
            };
            let (csrf, cookie) = fresh_csrf(&headers)?;
            let mut response = html(status, &ResetPage { nav: None, csrf, form: shown });
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
    }
}
