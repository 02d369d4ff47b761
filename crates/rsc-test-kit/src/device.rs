//! A small device that speaks the sync protocol with real Automerge documents and real
//! signatures: enough of a client to exercise the protocol for real.

use std::collections::{BTreeMap, HashMap};

use rsc_doc::{ActorId, DeviceKey, NewAttendee, SessionDoc, SessionFields, TrainingDoc, TrainingFields};
use rsc_model::{Id, Minutes, SessionFormat, SessionKind};
use rsc_protocol::{Bytes, Cursor, DocPush, LoginResponse, SyncRequest, SyncResponse};
use serde_json::json;

use crate::Api;

/// A signing time after every session these tests log (2026-01-01 UTC, plus `n` ms) and
/// before now.
pub fn signed_at(n: i64) -> i64 {
    1_767_225_600_000 + n
}

static NEXT_ACTOR: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A device: its key, its actor, its documents and the changes the server has not
/// acknowledged. Enough of a client to exercise the protocol for real.
pub struct Device {
    /// The server it talks to.
    pub api: Api,
    /// Its user.
    pub user_id: Id,
    /// Its id on the server.
    pub device_id: String,
    /// Its bearer token.
    pub token: String,
    /// Its signing key.
    pub key: DeviceKey,
    /// Its Automerge actor.
    pub actor: ActorId,
    /// Its documents, by id.
    pub docs: BTreeMap<String, SessionDoc>,
    /// The changes the server has not acknowledged, by document.
    pub unacked: HashMap<String, Vec<Vec<u8>>>,
    /// Its sync cursor, once it has one.
    pub cursor: Option<Cursor>,
    /// Its user's trainings, by id.
    pub trainings: BTreeMap<String, TrainingDoc>,
    /// The training changes the server has not acknowledged, by document.
    pub unacked_trainings: HashMap<String, Vec<Vec<u8>>>,
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
            trainings: BTreeMap::new(),
            unacked_trainings: HashMap::new(),
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

    /// Logs a training of its user's offline: 3 hours about RS/C on 2025-03-04, titled `title`.
    pub fn log_training(&mut self, title: &str) -> String {
        let id = rsc_service::clock::new_id();
        let fields = TrainingFields {
            title: title.into(),
            organiser: "CT-AIMH".into(),
            date: "2025-03-04".parse().expect("date"),
            minutes: 180,
            topic: rsc_model::TrainingTopic::Rsc,
            certificate: None,
        };
        let doc = TrainingDoc::create(self.actor.clone(), id.clone(), self.user_id.clone(), fields).expect("create");
        self.track_training(id.as_str(), doc, &[]);
        id.to_string()
    }

    /// Edits a training offline with `edit`, recording the new changes for the next sync.
    pub fn edit_training(&mut self, doc: &str, edit: impl FnOnce(&mut TrainingDoc, &Id)) {
        let mut current = self.trainings.remove(doc).expect("training on this device");
        let before = current.heads();
        edit(&mut current, &self.user_id.clone());
        self.track_training(doc, current, &before);
    }

    /// Keeps `current` as training `doc`, with its changes since `before` to push.
    pub fn track_training(&mut self, doc: &str, mut current: TrainingDoc, before: &[rsc_doc::ChangeHash]) {
        let changes = current.changes_since(before);
        self.unacked_trainings.entry(doc.to_string()).or_default().extend(changes);
        self.trainings.insert(doc.to_string(), current);
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
        let push: Vec<DocPush> = pushes(&self.unacked).take(rsc_protocol::MAX_DOCS_PER_REQUEST).collect();
        let trainings: Vec<DocPush> = pushes(&self.unacked_trainings).collect();
        let request = SyncRequest { v: 1, cursor: self.cursor, push, page_changes, account_version: None, trainings };
        let (status, body) =
            self.api.post("/v1/sync", Some(&self.token), &serde_json::to_value(&request).expect("json")).await;
        assert_eq!(status, 200, "{body}");
        let response: SyncResponse = serde_json::from_value(body).expect("sync response");
        for ack in &response.accepted {
            self.unacked.remove(&ack.doc);
            self.unacked_trainings.remove(&ack.doc);
        }
        // As a device does: refused changes, and what builds on them, leave the local copy.
        for refused in &response.refused {
            roll_back(&mut self.unacked, &mut self.docs, &refused.doc, SessionDoc::without);
            roll_back(&mut self.unacked_trainings, &mut self.trainings, &refused.doc, TrainingDoc::without);
        }
        for pulled in &response.trainings {
            let changes: Vec<Vec<u8>> = pulled.changes.iter().map(|c| c.0.clone()).collect();
            match self.trainings.get_mut(&pulled.doc) {
                Some(doc) => {
                    doc.apply_changes_read(&changes).expect("apply pulled training changes");
                }
                None => {
                    let (mut doc, _) = TrainingDoc::from_changes_read(&changes).expect("a pulled training");
                    let bytes = doc.save();
                    self.trainings
                        .insert(pulled.doc.clone(), TrainingDoc::load_as(&bytes, self.actor.clone()).expect("load"));
                }
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

    /// The document `id` on this device.
    pub fn doc(&self, id: &str) -> &SessionDoc {
        self.docs.get(id).expect("document on this device")
    }
}

/// The documents of `unacked` with changes to push, each as a push of all of them.
fn pushes(unacked: &HashMap<String, Vec<Vec<u8>>>) -> impl Iterator<Item = DocPush> + '_ {
    unacked
        .iter()
        .filter(|(_, c)| !c.is_empty())
        .map(|(doc, changes)| DocPush { doc: doc.clone(), changes: changes.iter().cloned().map(Bytes).collect() })
}

/// Takes `doc`'s refused changes out of `unacked`, and them and what builds on them out of its
/// copy in `docs` (`without` a document's kind's own), as a device does after a refusal.
fn roll_back<D>(
    unacked: &mut HashMap<String, Vec<Vec<u8>>>,
    docs: &mut BTreeMap<String, D>,
    doc: &str,
    without: fn(&mut D, &[rsc_doc::ChangeHash]) -> Result<Option<D>, rsc_doc::DocError>,
) {
    let Some(changes) = unacked.remove(doc) else { return };
    let hashes: Vec<rsc_doc::ChangeHash> =
        changes.iter().filter_map(|c| SessionDoc::decode_change(c).ok()).map(|c| c.hash()).collect();
    if let Some(mut kept) = docs.remove(doc)
        && let Some(kept) = without(&mut kept, &hashes).expect("roll back")
    {
        docs.insert(doc.to_string(), kept);
    }
}
