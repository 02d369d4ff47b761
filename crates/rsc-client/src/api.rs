//! The server's HTTP API as the device calls it, with every failure mapped once onto
//! [`ClientError`]: a refused token becomes `Unauthorized`, a 4xx naming a field becomes
//! `Invalid` with that field, an unreachable server becomes `Network`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use rsc_protocol::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ClientError;

/// The largest answer read into memory (exports of long histories included).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// A server at `base`, called with `token` when there is one.
pub(crate) struct Api<'a> {
    pub http: &'a Client,
    pub base: &'a str,
    pub token: Option<&'a str>,
}

/// Names a PEM file of extra certificate authorities to trust, for servers behind a private CA.
pub const CA_CERT_VAR: &str = "RSC_CA_CERT";

/// TLS as the device speaks it: rustls with Mozilla's roots built in (the same on every
/// platform, with no platform verifier to set up on a phone), plus the authorities in
/// [`CA_CERT_VAR`] when set.
fn tls_config() -> Result<rustls::ClientConfig, ClientError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = std::env::var_os(CA_CERT_VAR) {
        let bad = |e: &dyn std::fmt::Display| {
            ClientError::invalid(
                CA_CERT_VAR,
                format!("{}: not a PEM certificate file: {e}", Path::new(&path).display()),
            )
        };
        let before = roots.len();
        for cert in CertificateDer::pem_file_iter(&path).map_err(|e| bad(&e))? {
            roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
        }
        if roots.len() == before {
            return Err(bad(&"it holds no CERTIFICATE block"));
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Network(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Builds the one HTTP client a logbook uses.
pub(crate) fn client() -> Result<Client, ClientError> {
    Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .user_agent(concat!("rsc-client/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ClientError::Network(format!("cannot start the HTTP client: {e}")))
}

/// Checks a server URL before it is stored.
pub(crate) fn validate_server_url(url: &str) -> Result<String, ClientError> {
    let url = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        ClientError::invalid("server", format!("`{url}` is not a URL ({e}); use e.g. http://localhost:8080"))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(ClientError::invalid("server", format!("`{url}` is not an http(s) server address")));
    }
    Ok(url.to_string())
}

/// The keys a server publishes for its signed exports (`GET /v1/server-keys`), as the JSON it
/// sends: what a reviewer checks an export's signature against. Needs no account.
pub fn fetch_server_keys(server: &str) -> Result<Vec<u8>, ClientError> {
    let server = validate_server_url(server)?;
    let http = client()?;
    Api { http: &http, base: &server, token: None }.get_bytes("/v1/server-keys")
}

/// An export the server keeps, by its verification link (`https://server/verify/ID`) or, with
/// `server`, by the SHA-256 printed on a PDF or CSV: the signed JSON, and the server it came
/// from (whose published keys it must be checked against). Needs no account.
pub fn fetch_kept_export(link_or_digest: &str, server: Option<&str>) -> Result<(Vec<u8>, String), ClientError> {
    let text = link_or_digest.trim();
    let (base, path) = match text.find("/verify/") {
        Some(at) => {
            let id = text[at + "/verify/".len()..].split(['/', '?', '#']).next().unwrap_or_default();
            (text[..at].to_string(), format!("/verify/{id}/export.json"))
        }
        None if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) => {
            let server = server.ok_or_else(|| {
                ClientError::invalid("server", "give the server that issued it, to look the digest up there")
            })?;
            (server.to_string(), format!("/verify/sha256/{}/export.json", text.to_lowercase()))
        }
        None => {
            return Err(ClientError::invalid(
                "export",
                format!("`{text}` is neither a verification link nor a SHA-256 (64 hex digits)"),
            ));
        }
    };
    let base = validate_server_url(&base)?;
    let http = client()?;
    let bytes = Api { http: &http, base: &base, token: None }.get_bytes(&path)?;
    Ok((bytes, base))
}

/// Where the export with SHA-256 `digest` stands on `server` (withdrawn or not, and what changed
/// since it was made): `None` when that server issued no such export. Needs no account.
pub fn fetch_export_standing(server: &str, digest: &str) -> Result<Option<rsc_protocol::ExportStanding>, ClientError> {
    let server = validate_server_url(server)?;
    let http = client()?;
    let api = Api { http: &http, base: &server, token: None };
    match api.get(&format!("/verify/sha256/{}/standing", digest.to_lowercase())) {
        Ok(standing) => Ok(Some(standing)),
        Err(ClientError::Rejected { status: 404, .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

impl Api<'_> {
    fn request(&self, builder: RequestBuilder) -> RequestBuilder {
        match self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// `POST path` with a JSON body, expecting JSON back.
    pub fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        let response = self.send(self.request(self.http.post(format!("{}{path}", self.base)).json(body)))?;
        decode(response)
    }

    /// `POST path` with a JSON body, expecting nothing back.
    pub fn post_empty<B: Serialize>(&self, path: &str, body: &B) -> Result<(), ClientError> {
        self.send(self.request(self.http.post(format!("{}{path}", self.base)).json(body)))?;
        Ok(())
    }

    /// `PUT path` with a JSON body, expecting JSON back.
    pub fn put<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        let response = self.send(self.request(self.http.put(format!("{}{path}", self.base)).json(body)))?;
        decode(response)
    }

    /// `POST path` with raw bytes, expecting JSON back.
    pub fn post_bytes<T: DeserializeOwned>(&self, path: &str, bytes: Vec<u8>) -> Result<T, ClientError> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        decode(self.send(self.request(request))?)
    }

    /// `GET path`, expecting JSON back.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        decode(self.send(self.request(self.http.get(format!("{}{path}", self.base))))?)
    }

    /// `GET path`, returning the body's bytes.
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let response = self.send(self.request(self.http.get(format!("{}{path}", self.base))))?;
        read_limited(response)
    }

    /// `GET /v1/events`, the open event stream. Each read may wait `read_timeout`: the server
    /// says something at least every 15 seconds, so a stream silent for longer is dead.
    pub fn events(&self, read_timeout: Duration) -> Result<Response, ClientError> {
        let url = format!("{}/v1/events", self.base);
        self.send(
            self.request(self.http.get(url).header(reqwest::header::ACCEPT, "text/event-stream")).timeout(read_timeout),
        )
    }

    /// `PATCH path` with a JSON body, expecting JSON back.
    pub fn patch<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        let response = self.send(self.request(self.http.patch(format!("{}{path}", self.base)).json(body)))?;
        decode(response)
    }

    /// `DELETE path`, expecting JSON back.
    pub fn delete_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        decode(self.send(self.request(self.http.delete(format!("{}{path}", self.base))))?)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Result<(), ClientError> {
        self.send(self.request(self.http.delete(format!("{}{path}", self.base))))?;
        Ok(())
    }

    fn send(&self, builder: RequestBuilder) -> Result<Response, ClientError> {
        let response = builder.send().map_err(|e| ClientError::Network(describe(&e)))?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(response);
        }
        let body: Option<ErrorBody> = read_limited(response).ok().and_then(|b| serde_json::from_slice(&b).ok());
        let message = body.as_ref().map(|b| b.message.clone()).unwrap_or_else(|| format!("HTTP {status}"));
        Err(match (status, body.and_then(|b| b.field)) {
            (401, _) => ClientError::Unauthorized(format!(
                "the server no longer accepts this device ({message}); sign in again"
            )),
            (400..=499, Some(field)) if status != 408 && status != 429 => ClientError::Invalid { field, message },
            (403 | 404 | 409 | 410, None) => ClientError::Rejected { status, message },
            _ => ClientError::Server { status, message },
        })
    }
}

fn read_limited(response: Response) -> Result<Vec<u8>, ClientError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    response
        .take(MAX_RESPONSE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ClientError::Network(format!("the answer broke off: {e}")))?;
    if bytes.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(ClientError::Server { status: 200, message: "the answer is larger than 64 MiB".into() });
    }
    Ok(bytes)
}

fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    let bytes = read_limited(response)?;
    serde_json::from_slice(&bytes).map_err(|e| ClientError::Server {
        status: 200,
        message: format!("the server's answer is not understood: {e}"),
    })
}

/// The cause chain of a transport error, which reqwest keeps in `source`s.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
