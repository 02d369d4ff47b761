//! The web portal: server-rendered pages for the people who install nothing (providers,
//! applicants, association staff and reviewers), served on the API's port.
//!
//! Pages are askama templates (`templates/`), escaped by default; the only script is the one
//! that makes and uses a browser's signing key (`assets/device.js`), and the one that keeps the
//! provider queue current from the event stream (`assets/live.js`), and the one that starts a
//! new session's time zone at the browser's (`assets/zone.js`), and the one that narrows a long
//! list of people as one types a name (`assets/picker.js`). Every page runs the same
//! checks as its API route: a signed-in browser is a device, its cookie carries a device token.

mod account;
mod exports;
mod hours;
mod operator;
mod people;
pub mod plot;
mod profile;
mod provided;
mod provider;
mod registry;
mod review;
pub mod session;
mod sessions;
mod staff;
mod trail;
mod trainings;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub use review::kept_export_page;
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::store::Store;
pub use session::{Browser, SignedIn};

/// The Content-Security-Policy of every page: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The portal's routes.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(account::home::<S>))
        .route("/signin", get(account::signin_page::<S>).post(account::signin::<S>))
        .route("/signup", get(account::signup_page).post(account::signup::<S>))
        .route("/signout", post(account::signout::<S>))
        .route("/reset", get(account::reset_page).post(account::reset::<S>))
        .route("/dashboard", get(hours::dashboard::<S>))
        .route("/dashboard/plot.svg", get(hours::plot::<S>))
        .route("/profile", get(profile::profile_page::<S>).post(profile::save_profile::<S>))
        .route("/password", post(profile::change_password::<S>))
        .route("/profile/data", get(profile::own_data::<S>))
        .route("/profile/close", post(profile::close::<S>))
        .route("/connect", get(profile::connect_page).post(profile::connect::<S>))
        .route("/connect/{code}", get(profile::connect_page))
        .route("/people", get(people::page::<S>))
        .route("/people/request", post(people::request::<S>))
        .route("/people/answer", post(people::answer::<S>))
        .route("/people/end", post(people::end::<S>))
        .route("/people/codes", post(people::create_code::<S>))
        .route("/people/codes/withdraw", post(people::withdraw_code::<S>))
        .route("/people/claim", post(people::claim::<S>))
        .route("/groups", post(people::create_group::<S>))
        .route("/groups/{group}", post(people::change_group::<S>))
        .route("/sessions", get(sessions::list::<S>).post(sessions::log::<S>))
        .route("/sessions/withdraw", get(sessions::withdraw_page::<S>).post(sessions::withdraw::<S>))
        .route("/sessions/restore", post(sessions::restore::<S>))
        .route("/sessions/edit", get(sessions::edit_page::<S>).post(sessions::edit::<S>))
        .route("/trainings", get(trainings::list::<S>).post(trainings::save::<S>))
        .route("/trainings/remove", post(trainings::remove::<S>))
        .route("/trainings/certificate/{digest}", get(trainings::certificate::<S>))
        .route("/provided", get(provided::page::<S>))
        .route("/provided/pdf", get(provided::pdf::<S>))
        .route("/provider", get(provider::queue::<S>))
        .route("/provider/sign", get(provider::sign_page::<S>).post(provider::sign::<S>))
        .route("/staff", get(registry::home::<S>))
        .route("/staff/records", get(registry::records::<S>))
        .route("/staff/records/{number}", get(registry::record::<S>).post(registry::end::<S>))
        .route("/staff/import", get(registry::import_page::<S>).post(registry::import::<S>))
        .route("/staff/claims", get(staff::claims::<S>))
        .route("/staff/claims/{id}", post(staff::decide::<S>))
        .route("/staff/trail", get(trail::page::<S>))
        .route("/operator", get(operator::home::<S>))
        .route("/operator/associations", post(operator::create_association::<S>))
        .route("/operator/associations/change", post(operator::change_association::<S>))
        .route("/operator/staff", post(operator::change_staff::<S>))
        .route("/operator/reset", post(operator::reset::<S>))
        .route("/exports", get(exports::page::<S>))
        .route("/exports/file/{format}", get(exports::file::<S>))
        .route("/exports/make", post(exports::make::<S>))
        .route("/exports/{export_id}/{format}", get(exports::download::<S>))
        .route("/exports/withdraw", post(exports::withdraw::<S>))
        .route("/review", get(review::review_page).post(review::review::<S>))
        .route("/events", get(events::<S>))
        .route("/assets/{name}", get(asset))
}

/// The signed-in browser's event stream, as `GET /v1/events` is a device's: the provider queue
/// listens to it to update live.
async fn events<S: Store>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
    axum::extract::ConnectInfo(address): axum::extract::ConnectInfo<std::net::SocketAddr>,
    SignedIn(browser): SignedIn,
) -> Result<Response, AppError> {
    Ok(rsc_service::events::stream(&state.store, &state.streams, &browser.auth, address.ip()).await?.into_response())
}

/// The Content-Security-Policy of everything that is not a page (the API's JSON, exports,
/// scripts): it may load nothing and be framed nowhere.
pub const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Headers for what a browser may render or frame: a CSP, no sniffing, no framing; and for
/// pages, which are what can link elsewhere, no referrers.
///
/// The answer to a request with a bearer token, unless it is a page, goes without the headers
/// only a browser reads and keeps `nosniff`: an idle sync's answer is otherwise mostly headers,
/// paid on a mobile network. Such a request comes from an app or the CLI, never from a browser
/// acting for someone else: a navigation or a frame cannot set a bearer token (a browser only
/// adds credentials of its own, Basic from a URL's user part, which do not count here), and a
/// cross-origin script would need a CORS permission this server never grants.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let page =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if bearer && !page {
        return response;
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(if page { CSP } else { NON_PAGE_CSP }));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if page {
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    response
}

/// The navigation of a signed-in page.
#[derive(Debug, Clone)]
pub struct Nav {
    /// Which entry is the current page.
    pub here: &'static str,
    /// The account's name.
    pub name: String,
    /// The CSRF token (the sign-out form is in the navigation).
    pub csrf: String,
    /// Whether to show the registry pages.
    pub staff: bool,
    /// Whether she provides RS/C: her confirmations come first.
    pub provider: bool,
}

impl Nav {
    /// The navigation of `browser` on page `here`.
    pub fn of(browser: &Browser, here: &'static str) -> Nav {
        Nav {
            here,
            name: browser.name().to_string(),
            csrf: browser.csrf.clone(),
            staff: browser.auth.role() == rsc_protocol::Role::RegistryAdmin,
            provider: browser.provides,
        }
    }
}

/// The browser's person as association staff (the registry's pages), or a refusal.
pub async fn require_staff<S: Store>(
    state: &AppState<S>,
    browser: &Browser,
) -> Result<rsc_service::staff::Staff, AppError> {
    match rsc_service::staff::Staff::of(&state.store, &browser.auth.user).await {
        Err(AppError::Forbidden(_)) => {
            Err(AppError::Forbidden("only association staff who keep the registry can open this page".into()))
        }
        other => other,
    }
}

/// Problems with a form, each beside its field (`form` for the whole form).
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// One problem.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> FieldErrors {
        FieldErrors(vec![(field.into(), message.into())])
    }

    /// The problem beside `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

/// A page with a title, a few paragraphs and perhaps a link onwards.
#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    nav: Option<Nav>,
    title: String,
    paragraphs: Vec<String>,
    next: Option<(String, String)>,
}

/// Renders `page` with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "The page could not be shown; it has been logged.").into_response()
        }
    }
}

/// A message page.
pub fn message(status: StatusCode, nav: Option<Nav>, title: &str, paragraphs: &[&str]) -> Response {
    let page = Message {
        nav,
        title: title.into(),
        paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        next: None,
    };
    html(status, &page)
}

/// An error as a page: its status, and the same words the API would say.
pub fn error_page(error: AppError) -> Response {
    let (status, _, _, text) = error.public();
    let title = match status {
        StatusCode::FORBIDDEN => "Not for this account",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        s if s.is_server_error() => "Something went wrong",
        _ => "That did not work",
    };
    let mut response = message(status, None, title, &[&text]);
    response.extensions_mut().insert(ErrorPage { title, text });
    response
}

/// What an error page said, kept on its response so that [`keep_nav`] can show it again with
/// the signed-in person's navigation (the error itself does not know who asked).
#[derive(Debug, Clone)]
pub struct ErrorPage {
    title: &'static str,
    text: String,
}

/// Shows an error page with the navigation of the person signed in, so that a wrong turn
/// keeps her way back; a page for nobody signed in stays as it is.
pub async fn keep_nav<S: Store>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
    request: Request,
    next: Next,
) -> Response {
    let signed_in = session::has_session_cookie(request.headers()).then(|| request.headers().clone());
    let response = next.run(request).await;
    let (Some(headers), Some(page)) = (signed_in, response.extensions().get::<ErrorPage>().cloned()) else {
        return response;
    };
    match session::browser(&headers, &state).await {
        Ok(Some(browser)) => {
            let mut again = message(response.status(), Some(Nav::of(&browser, "")), page.title, &[&page.text]);
            for (name, value) in response.headers().iter().filter(|(n, _)| *n == header::RETRY_AFTER) {
                again.headers_mut().insert(name.clone(), value.clone());
            }
            again
        }
        _ => response,
    }
}

/// An address nothing answers: a page to a browser, the API's JSON to a program.
pub async fn not_found(request: Request) -> Response {
    let wants_page = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_page && !request.uri().path().starts_with("/v1/") {
        error_page(AppError::NotFound(
            "There is no page at this address. Check the link, or start again from the home page.".into(),
        ))
    } else {
        (StatusCode::NOT_FOUND, AppError::NotFound("no such endpoint; see /openapi.json".into())).into_response()
    }
}

/// A page that failed: shown as a page, never as the API's JSON.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(error: E) -> Self {
        PageError(error.into())
    }
}

/// Loads a session the signed-in person takes (or took) part in, as this browser's device.
/// Text that is no id, a session that does not exist and someone else's session all answer
/// `missing`, the same words and status: a page tells nobody that a session exists.
pub async fn participant_doc<S: Store>(
    state: &AppState<S>,
    browser: &Browser,
    id: &str,
    missing: &str,
) -> Result<rsc_doc::SessionDoc, AppError> {
    let not_found = || AppError::NotFound(missing.to_string());
    let id = rsc_model::Id::new(id.trim(), "session").map_err(|_| not_found())?;
    let doc_id = rsc_service::store::DocId::from(id.as_str());
    let ever = state.store.participants(&doc_id).await?;
    if !ever.iter().any(|p| p == &browser.auth.user.id) {
        return Err(not_found());
    }
    let stored = state.store.document(&doc_id).await?.ok_or_else(not_found)?;
    // Her training is not a session either.
    if stored.kind != rsc_service::store::DocKind::Session {
        return Err(not_found());
    }
    rsc_doc::SessionDoc::load_as(&stored.bytes, rsc_doc::ActorId::from(browser.auth.device.actor_id.clone()))
        .map_err(doc_error)
}

/// A document's refusal of what a page asked, as the person is told it: a field's problem, or
/// something not theirs to do.
pub fn doc_error(error: rsc_doc::DocError) -> AppError {
    match error {
        rsc_doc::DocError::Invalid { field, message } => AppError::invalid(field, message),
        rsc_doc::DocError::NotAllowed(message) => AppError::Forbidden(message),
        other => AppError::from(other),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

/// "1 person", "5 people".
pub fn people_count(n: usize) -> String {
    if n == 1 { "1 person".into() } else { format!("{n} people") }
}

/// The day (UTC) of a moment in milliseconds, as pages print it.
pub fn day(ms: i64) -> String {
    rsc_model::Date::from_unix_millis(ms).map(|d| d.to_string()).unwrap_or_default()
}

/// After a form: see the result at `to` (303, so reloading does not post again).
pub fn see(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The stylesheet and the one script, compiled into the binary.
async fn asset(Path(name): Path<String>) -> Response {
    let (body, content_type): (&'static str, &str) = match name.as_str() {
        "app.css" => (include_str!("../assets/app.css"), "text/css; charset=utf-8"),
        "device.js" => (include_str!("../assets/device.js"), "text/javascript; charset=utf-8"),
        "live.js" => (include_str!("../assets/live.js"), "text/javascript; charset=utf-8"),
        "zone.js" => (include_str!("../assets/zone.js"), "text/javascript; charset=utf-8"),
        "picker.js" => (include_str!("../assets/picker.js"), "text/javascript; charset=utf-8"),
        "icon.svg" => (include_str!("../assets/icon.svg"), "image/svg+xml"),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}
