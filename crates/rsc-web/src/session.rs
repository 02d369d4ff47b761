//! A browser's session: the cookie that carries its device token, and the CSRF token every
//! form carries.
//!
//! A signed-in browser is a device like a phone: the cookie holds the same kind of device token
//! the API takes as a bearer token, so every page passes through the same authorization as its
//! API route. The cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's
//! page sends it) and `Secure` behind TLS. Each form also carries a CSRF token: for a signed-in
//! browser it is derived from the session token, which no other site can know; before sign-in
//! it is a random value the browser holds in a second cookie (double submit).

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::auth::{AuthDevice, token_hash};
use rsc_service::store::Store;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rsc_session";
/// The cookie of the CSRF value for forms shown before sign-in.
pub const CSRF_COOKIE: &str = "rsc_csrf";
/// The cookie that marks a browser as one that signed in to an account before (kept after
/// signing out): its wrong passwords count for it alone, and nobody else's lock it out.
pub const KNOWN_CLIENT_COOKIE: &str = "rsc_known";
/// How long a browser stays signed in without signing in again: 30 days.
pub const SESSION_MAX_AGE_SECS: u64 = 30 * 24 * 3600;

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// Whether the browser reached us over TLS (through a proxy that says so).
fn over_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value with the flags every cookie of ours carries.
pub fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("rsc_invalid=1; Max-Age=0"))
}

/// The CSRF token of a signed-in browser: a digest of its session token.
pub fn csrf_of(token: &str) -> String {
    let digest = Sha256::digest(format!("rsc-csrf\0{token}").as_bytes());
    hex::encode(&digest[..16])
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in browser: its device and account, and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Browser {
    /// The device and its account, as the API would see them.
    pub auth: AuthDevice,
    /// The CSRF token of this session.
    pub csrf: String,
    /// The address people reach this server at (for the links a page shows).
    pub base: String,
    /// Whether the account provides RS/C (her navigation and home start at her queue).
    pub provides: bool,
}

impl Browser {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check(&self, sent: &str) -> Result<(), AppError> {
        if same_token(sent, &self.csrf) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "this form is out of date or did not come from this site; reload the page and try again".into(),
            ))
        }
    }

    /// The account's display name.
    pub fn name(&self) -> &str {
        &self.auth.user.display_name
    }
}

/// Whether the request carries a session cookie at all (a cheap test before a lookup).
pub fn has_session_cookie(headers: &HeaderMap) -> bool {
    cookie(headers, SESSION_COOKIE).is_some_and(|t| !t.is_empty())
}

/// The browser, if it is signed in.
pub async fn browser<S: Store>(headers: &HeaderMap, state: &AppState<S>) -> Result<Option<Browser>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty() && t.len() <= 128) else {
        return Ok(None);
    };
    let Some((device, user)) = state.store.device_by_token_hash(&token_hash(token)).await? else {
        return Ok(None);
    };
    let provides = provides_rsc(&state.store, &user).await?;
    Ok(Some(Browser {
        auth: AuthDevice { device, user },
        csrf: csrf_of(token),
        base: rsc_service::exports::public_base(headers),
        provides,
    }))
}

/// Whether `user` provides RS/C: she has supervisees, someone asks to connect with her, or she
/// claimed a registry record. Staff keep the registry and are not asked.
async fn provides_rsc<S: Store>(store: &S, user: &rsc_service::store::UserRecord) -> Result<bool, AppError> {
    if user.role == rsc_protocol::Role::RegistryAdmin {
        return Ok(false);
    }
    let id = rsc_service::store::UserId::from(&user.id);
    Ok(!store.members_of(&id).await?.is_empty()
        || !store.claims(Some(&id), None).await?.is_empty()
        || store.connection_requests_of(&id).await?.iter().any(|r| r.provider_id == user.id))
}

/// A page that needs a signed-in browser; others are sent to sign in, and come back after.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Browser);

/// Where a browser that is not signed in goes.
pub struct ToSignIn(Response);

impl IntoResponse for ToSignIn {
    fn into_response(self) -> Response {
        self.0
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for SignedIn {
    type Rejection = ToSignIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        match browser(&parts.headers, state).await {
            Ok(Some(browser)) => Ok(SignedIn(browser)),
            Ok(None) => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let next = url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>();
                Err(ToSignIn(Redirect::to(&format!("/signin?next={next}")).into_response()))
            }
            Err(error) => Err(ToSignIn(super::error_page(error))),
        }
    }
}

/// A `next` address that stays on this site (a path, never another origin), as a browser will
/// read it; anything else is the home page. Browsers drop tabs and line breaks inside a URL and
/// read a backslash as a slash (`/\t/evil.example` is `//evil.example`, another site), so text
/// holding any control character, white space or backslash is refused outright; what is left is
/// resolved against this site, and kept only when it stays here.
pub fn local_path(next: &str) -> String {
    const HOME: &str = "/";
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if !plain {
        return HOME.into();
    }
    let Ok(base) = url::Url::parse("http://rsc.invalid/") else { return HOME.into() };
    match base.join(next) {
        Ok(url) if url.origin() == base.origin() => {
            let mut path = url.path().to_string();
            if let Some(query) = url.query() {
                path.push('?');
                path.push_str(query);
            }
            path
        }
        _ => HOME.into(),
    }
}

/// A form's CSRF token, wherever the form keeps it.
pub trait FormToken {
    /// The token the form carried.
    fn token(&self) -> &str;
}

/// A form from this site, posted by a signed-in browser: the extractor checks the form's token
/// against the browser's session before the handler runs, so no form handler can forget to.
pub struct CheckedForm<T>(pub Browser, pub T);

impl<S: Store, T> FromRequest<AppState<S>> for CheckedForm<T>
where
    T: serde::de::DeserializeOwned + FormToken + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let SignedIn(browser) =
            SignedIn::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        browser.check(form.token()).map_err(super::error_page)?;
        Ok(CheckedForm(browser, form))
    }
}

/// Implements [`FormToken`] for forms whose token is their `csrf` field.
macro_rules! form_token {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::session::FormToken for $form {
            fn token(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use form_token;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name_and_next_stays_on_this_site() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; rsc_session=tok; rsc_csrf=\"x\""));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&headers, CSRF_COOKIE), Some("x"));
        assert_eq!(cookie(&headers, "rsc"), None);
        for evil in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            "/\u{b}/evil.example",
            "/ /evil.example",
            "/\u{0}/x",
            "/\u{2028}/evil.example",
            "",
        ] {
            assert_eq!(local_path(evil), "/", "{evil:?}");
        }
        assert_eq!(local_path("/sessions?x=1"), "/sessions?x=1");
        assert_eq!(local_path("/a/../sessions"), "/sessions", "resolved as a browser would");
        assert_eq!(local_path("/people?done=é"), "/people?done=%C3%A9", "sent as a valid header value");
        assert!(same_token(&csrf_of("t"), &csrf_of("t")) && !same_token(&csrf_of("t"), &csrf_of("u")));
        let plain = set_cookie(&HeaderMap::new(), SESSION_COOKIE, "v", 60);
        assert_eq!(plain, "rsc_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(set_cookie(&proxied, SESSION_COOKIE, "v", 60).to_str().unwrap_or("").ends_with("; Secure"));
    }
}
