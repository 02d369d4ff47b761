//! Test fixtures: fresh databases for each test (a temporary SQLite file, or a new Postgres
//! database dropped afterwards), a running server, and a small device that speaks the sync
//! protocol with real Automerge documents and real signatures.

use std::collections::{BTreeMap, HashMap};

use rsc_doc::{ActorId, DeviceKey, NewAttendee, SessionDoc, SessionFields};
use rsc_model::{Id, Minutes, SessionFormat, SessionKind};
use rsc_protocol::{Bytes, Cursor, DocPush, LoginResponse, SyncRequest, SyncResponse};
use serde_json::{Value, json};

// Fresh databases come from the store's own test kit; not every target including this file uses them.
#[allow(unused_imports)]
pub use rsc_store::testing::{create_postgres_db, drop_postgres_db, with_postgres, with_sqlite};

/// Runs the same generic test body against each backend, as one test per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::with_sqlite(|store, _url| super::$name(store)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::with_postgres(|store, _url| super::$name(store)).await;
                }
            )*
        }
    };
}

/// An HTTP client for a running server.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

/// An HTTP client. The workspace builds reqwest with rustls but no built-in crypto provider
/// (the device core brings ring), so the provider is installed first.
/// A signing time after every session these tests log (2026-01-01 UTC, plus `n` ms) and
/// before now.
pub fn signed_at(n: i64) -> i64 {
    1_767_225_600_000 + n
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The value of the cookie `name` that `response` sets.
pub fn set_cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(prefix.as_str()))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

impl Api {
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

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

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

static NEXT_ACTOR: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A device: its key, its actor, its documents and the changes the server has not
/// acknowledged. Enough of a client to exercise the protocol for real.
pub struct Device {
    pub api: Api,
    pub user_id: Id,
    pub device_id: String,
    pub token: String,
    pub key: DeviceKey,
    pub actor: ActorId,
    pub docs: BTreeMap<String, SessionDoc>,
    pub unacked: HashMap<String, Vec<Vec<u8>>>,
    pub cursor: Option<Cursor>,
}

impl Device {
    /// Signs `name@example.org` in on a new device.
    pub async fn sign_in(api: &Api, name: &str) -> Device {
        let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let mut actor_bytes = [0u8; 16];
        actor_bytes[..8].copy_from_slice(&NEXT_ACTOR.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_be_bytes());
        actor_bytes[8..].copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..8]);
        let (status, body) = api
            .post(
                "/v1/login",
                None,
                &json!({ "email": format!("{name}@example.org"), "password": "a long enough password",
                         "device": { "name": format!("{name}'s phone"), "public_key": hex::encode(key.public_key()),
                                     "actor_id": hex::encode(actor_bytes) } }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let login: LoginResponse = serde_json::from_value(body).expect("login response");
        Device {
            api: api.clone(),
            user_id: Id::new(login.user_id, "user").expect("id"),
            device_id: login.device_id,
            token: login.token,
            key,
            actor: ActorId::from(actor_bytes.to_vec()),
            docs: BTreeMap::new(),
            unacked: HashMap::new(),
            cursor: None,
        }
    }

    /// Logs a new session offline, attended by `attendees` (user id, minutes).
    pub fn log(&mut self, provider: &Id, kind: SessionKind, attendees: &[(&Id, i64)]) -> String {
        let id = rsc_service::clock::new_id();
        let fields = SessionFields {
            date: "2025-03-04".parse().expect("date"),
            start_time: "10:00".into(),
            time_zone: "America/Denver".into(),
            minutes: Minutes::new(90, "minutes").expect("minutes"),
            kind,
            format: SessionFormat::Video,
            provider: provider.clone(),
        };
        let attendees = attendees
            .iter()
            .map(|(who, minutes)| NewAttendee {
                id: (*who).clone(),
                minutes_attended: Minutes::new(*minutes, "m").expect("m"),
                about_own_rsc_practice: false,
            })
            .collect();
        let doc = SessionDoc::create(self.actor.clone(), id.clone(), self.user_id.clone(), fields, attendees)
            .expect("create");
        self.track(id.as_str(), doc, &[]);
        id.to_string()
    }

    /// Edits a document offline with `edit`, recording the new changes for the next sync.
    pub fn edit(&mut self, doc: &str, edit: impl FnOnce(&mut SessionDoc, &Id)) {
        let mut current = self.docs.remove(doc).expect("document on this device");
        let before = current.heads();
        edit(&mut current, &self.user_id.clone());
        self.track(doc, current, &before);
    }

    fn track(&mut self, doc: &str, mut current: SessionDoc, before: &[rsc_doc::ChangeHash]) {
        let changes = current.changes_since(before);
        self.unacked.entry(doc.to_string()).or_default().extend(changes);
        self.docs.insert(doc.to_string(), current);
    }

    /// One sync request with everything unacknowledged; applies what comes back.
    pub async fn sync_once(&mut self, page_changes: Option<u32>) -> SyncResponse {
        let push: Vec<DocPush> = self
            .unacked
            .iter()
            .filter(|(_, c)| !c.is_empty())
            .take(rsc_protocol::MAX_DOCS_PER_REQUEST)
            .map(|(doc, changes)| DocPush { doc: doc.clone(), changes: changes.iter().cloned().map(Bytes).collect() })
            .collect();
        let request = SyncRequest { v: 1, cursor: self.cursor, push, page_changes, account_version: None };
        let (status, body) =
            self.api.post("/v1/sync", Some(&self.token), &serde_json::to_value(&request).expect("json")).await;
        assert_eq!(status, 200, "{body}");
        let response: SyncResponse = serde_json::from_value(body).expect("sync response");
        for ack in &response.accepted {
            self.unacked.remove(&ack.doc);
        }
        // As a device does: refused changes, and what builds on them, leave the local copy.
        for refused in &response.refused {
            let Some(changes) = self.unacked.remove(&refused.doc) else { continue };
            let hashes: Vec<rsc_doc::ChangeHash> =
                changes.iter().filter_map(|c| SessionDoc::decode_change(c).ok()).map(|c| c.hash()).collect();
            if let Some(mut doc) = self.docs.remove(&refused.doc)
                && let Some(kept) = doc.without(&hashes).expect("roll back")
            {
                self.docs.insert(refused.doc.clone(), kept);
            }
        }
        for pulled in &response.pull {
            let changes: Vec<Vec<u8>> = pulled.changes.iter().map(|c| c.0.clone()).collect();
            match self.docs.get_mut(&pulled.doc) {
                Some(doc) => doc.apply_changes(&changes).expect("apply pulled changes"),
                None => {
                    let mut doc = SessionDoc::from_changes(&changes).expect("new document from pulled changes");
                    let bytes = doc.save();
                    self.docs
                        .insert(pulled.doc.clone(), SessionDoc::load_as(&bytes, self.actor.clone()).expect("load"));
                }
            }
        }
        self.cursor = Some(response.cursor);
        response
    }

    /// Syncs until nothing is left to push and the server has nothing more; returns every
    /// response.
    pub async fn sync(&mut self) -> Vec<SyncResponse> {
        let mut responses = vec![self.sync_once(None).await];
        while responses
            .last()
            .is_some_and(|r| r.more || !r.accepted.is_empty() && self.unacked.values().any(|c| !c.is_empty()))
        {
            responses.push(self.sync_once(None).await);
        }
        responses
    }

    /// Connects each of `people` to this device's user as their provider, through a connection
    /// code this device makes, as a provider sharing it would.
    pub async fn connect(&self, people: &[&Device]) {
        let (status, code) = self.api.post("/v1/connections/codes", Some(&self.token), &json!({})).await;
        assert_eq!(status, 201, "{code}");
        for person in people {
            let (status, body) =
                self.api.post("/v1/connections", Some(&person.token), &json!({ "code": code["code"] })).await;
            assert_eq!(status, 200, "{body}");
        }
    }

    /// As a provider: a named group of people already connected to this device's user, so
    /// that its members may name each other in her sessions. Returns the group's id.
    pub async fn group(&self, name: &str, members: &[&Device]) -> String {
        let ids: Vec<String> = members.iter().map(|m| m.user_id.to_string()).collect();
        let (status, group) =
            self.api.post("/v1/groups", Some(&self.token), &json!({ "name": name, "members": ids })).await;
        assert_eq!(status, 201, "{group}");
        group["id"].as_str().expect("id").to_string()
    }

    pub fn doc(&self, id: &str) -> &SessionDoc {
        self.docs.get(id).expect("document on this device")
    }
}
