//! An HTTP client for a running server: JSON calls with a bearer token, the portal's sign-in
//! form as a browser fills it, and the few calls most tests make (registration, registry
//! import).

use serde_json::{Value, json};

use rsc_doc::DeviceKey;

/// An HTTP client for a running server.
#[derive(Clone)]
pub struct Api {
    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub base: String,
    /// The client, for requests the helpers do not make.
    pub http: reqwest::Client,
}

/// An HTTP client. The workspace builds reqwest with rustls but no built-in crypto provider
/// (the device core brings ring), so the provider is installed first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The value of the cookie `name` that `response` sets.
pub fn set_cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    cookie_set_in(response.headers(), name)
}

/// The value of the cookie `name` that an answer with `headers` sets (of a blocking client's
/// answer too).
pub fn cookie_set_in(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(prefix.as_str()))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

impl Api {
    /// A client of the server at `base`.
    pub fn new(base: String) -> Api {
        Api { base, http: http_client() }
    }

    /// Signs `email` in through the portal's form as a browser does: the CSRF cookie the
    /// sign-in page sets, a device key of its own, and `next`. The redirect is not followed, so
    /// the response says where she is sent; its `rsc_session` cookie is her session.
    pub async fn portal_sign_in(&self, email: &str, password: &str, next: &str) -> reqwest::Response {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let page = http.get(format!("{}/signin", self.base)).send().await.expect("sign-in page");
        let csrf = set_cookie_value(&page, "rsc_csrf").expect("the form's CSRF cookie");
        let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("device_name", "a browser"),
                ("public_key", &hex::encode(key.public_key())),
                ("actor_id", &hex::encode(uuid::Uuid::new_v4().as_bytes())),
                ("next", next),
            ])
            .finish();
        http.post(format!("{}/signin", self.base))
            .header("cookie", format!("rsc_csrf={csrf}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("sign in")
    }

    /// `POST path` with a JSON body, and a bearer token when given: the status and the JSON
    /// answer (`null` when it is not JSON).
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `GET path`, with a bearer token when given: the status and the JSON answer.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A request of any method, with a JSON body when one is given.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `GET path` as text, with a bearer token when `token` is not empty.
    pub async fn get_text(&self, path: &str, token: &str) -> (u16, String) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    }

    /// Imports `csv` into the registry as staff holding `token`, naming the file `source`;
    /// answers the status.
    pub async fn import_registry(&self, token: &str, source: &str, csv: String) -> u16 {
        let source: String = url::form_urlencoded::byte_serialize(source.as_bytes()).collect();
        self.http
            .post(format!("{}/v1/registry/import?source={source}", self.base))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("import")
            .status()
            .as_u16()
    }

    /// Registers `name@example.org`.
    pub async fn register(&self, name: &str) {
        let (status, body) = self
            .post(
                "/v1/accounts",
                None,
                &json!({ "email": format!("{name}@example.org"), "password": "a long enough password", "display_name": name }),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["message"].as_str(), Some(rsc_protocol::REGISTERED_MESSAGE));
    }
}

/// The CSRF token of the first form in a portal page (empty when it has none).
pub fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default().to_string()
}
