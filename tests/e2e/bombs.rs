//! Compressed-change bombs against a real `rsc-server` process: changes that are small as sent
//! and enormous expanded, alone and many to a request, and the largest request that passes
//! every limit. Each is refused (or, for the last, held to its limits), the server keeps
//! answering, and its peak memory stays within 256 MiB of what it used idle, read from the
//! kernel's own account of the process (`VmHWM`).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use rsc_model::SessionKind;
use rsc_protocol::{Bytes, DocPush, MAX_BODY_BYTES, MAX_DOCS_PER_REQUEST, SyncRequest};
use rsc_test_kit::Device;
use rsc_test_kit::process::{memory_kib, start_server};
use serde_json::Value;

/// How far above idle the server may go under any request.
const MAX_GROWTH_KIB: u64 = 256 * 1024;

/// A real Automerge change by `device` to `doc` (or a new document), putting a string of `len`
/// repeated letters under `key`, in the compressed form Automerge sends.
fn change_with_string(device: &mut Device, doc: Option<&str>, key: &str, len: usize) -> Vec<u8> {
    let mut raw = match doc {
        Some(doc) => {
            let saved = device.docs.get_mut(doc).expect("document on this device").save();
            AutoCommit::load(&saved).expect("load").with_actor(device.actor.clone())
        }
        None => AutoCommit::new().with_actor(device.actor.clone()),
    };
    let base = raw.get_heads();
    raw.put(ROOT, key, "a".repeat(len)).expect("put");
    raw.commit();
    let changes = raw.get_changes(&base);
    assert_eq!(changes.len(), 1);
    let mut change = changes[0].clone();
    change.bytes().to_vec()
}

/// Posts a sync request as `device`; the status and the answer.
async fn post(device: &Device, push: Vec<DocPush>) -> (u16, Value) {
    let request =
        SyncRequest { v: 1, cursor: None, push, page_changes: Some(1), account_version: None, trainings: Vec::new() };
    device.api.post("/v1/sync", Some(&device.token), &serde_json::to_value(&request).expect("json")).await
}

fn refused_as_too_large(status: u16, body: &Value, what: &str) {
    assert_eq!(status, 422, "{what}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("expand"), "{what}: {body}");
}

/// The world every bomb is thrown at, made afresh for each: a server process, Ana connected to
/// her provider Pat, and one session of hers synced; the server's memory at rest.
struct Target {
    server: rsc_test_kit::process::Server,
    api: rsc_test_kit::Api,
    ana: Device,
    doc: String,
    idle: u64,
}

impl Target {
    async fn new() -> Target {
        let (server, api) = start_server().await;
        api.register("ana").await;
        api.register("pat").await;
        let mut ana = Device::sign_in(&api, "ana").await;
        let pat = Device::sign_in(&api, "pat").await;
        pat.connect(&[&ana]).await;
        let doc = ana.log(&pat.user_id, SessionKind::Individual, &[(&ana.user_id.clone(), 60)]);
        ana.sync().await;
        let idle = memory_kib(server.pid(), "VmRSS");
        Target { server, api, ana, doc, idle }
    }

    /// A 16 MiB string in one change (256 times the limit), about 16 KB as sent.
    fn bomb(&mut self) -> Vec<u8> {
        let bomb = change_with_string(&mut self.ana, Some(&self.doc.clone()), "notes", 16 * 1024 * 1024);
        assert!(bomb.len() <= rsc_doc::MAX_CHANGE_BYTES, "small as sent: {} bytes", bomb.len());
        bomb
    }

    /// After the attack: the server still serves, nothing of it reached the document, and the
    /// server's peak memory stayed within bounds of its memory at rest.
    async fn holds(mut self) {
        let (status, _) = self.api.get("/readyz", None).await;
        assert_eq!(status, 200);
        let before = self.ana.docs.get_mut(&self.doc).expect("doc").heads();
        self.ana.sync().await;
        assert_eq!(self.ana.docs.get_mut(&self.doc).expect("doc").heads(), before, "nothing reached the document");
        let peak = memory_kib(self.server.pid(), "VmHWM");
        let idle = self.idle;
        assert!(peak.saturating_sub(idle) < MAX_GROWTH_KIB, "idle {idle} KiB, peak {peak} KiB");
    }
}

#[tokio::test]
async fn one_change_that_expands_to_16_mib_is_refused() {
    let mut t = Target::new().await;
    let bomb = t.bomb();
    let (status, body) = post(&t.ana, vec![DocPush { doc: t.doc.clone(), changes: vec![Bytes(bomb)] }]).await;
    refused_as_too_large(status, &body, "one bomb");
    assert_eq!(body["field"], "push[0].changes[0]", "{body}");
    t.holds().await;
}

/// As many bombs as one request may carry (in documents, and in bytes once each is base64 in
/// JSON beside its document's id), spread over documents.
#[tokio::test]
async fn a_request_full_of_bombs_is_refused() {
    let mut t = Target::new().await;
    let bomb = t.bomb();
    let per_request = (MAX_BODY_BYTES * 3 / 4 / (bomb.len() + 64)).min(MAX_DOCS_PER_REQUEST);
    let push: Vec<DocPush> = (0..per_request)
        .map(|i| DocPush {
            doc: if i == 0 { t.doc.clone() } else { uuid::Uuid::new_v4().to_string() },
            changes: vec![Bytes(bomb.clone())],
        })
        .collect();
    let (status, body) = post(&t.ana, push).await;
    refused_as_too_large(status, &body, &format!("{per_request} bombs"));
    t.holds().await;
}

/// Changes each just under the per-change limit, more of them than the request may expand to
/// in total: refused before any is decoded.
#[tokio::test]
async fn changes_under_the_limit_that_expand_past_the_requests_are_refused() {
    let mut t = Target::new().await;
    let big = change_with_string(&mut t.ana, Some(&t.doc.clone()), "notes", 60 * 1024);
    let (status, body) = post(&t.ana, vec![DocPush { doc: t.doc.clone(), changes: vec![Bytes(big); 600] }]).await;
    refused_as_too_large(status, &body, "600 changes of 60 KiB");
    assert_eq!(body["field"], "push", "{body}");
    t.holds().await;
}

/// The worst request that passes every request limit: 500 new documents, each one change of
/// 60 KiB expanded (30 MiB in all). Every document is decoded, and each is refused on its own
/// for not being a session (the same change each time: decoding one document teaches the server
/// nothing about the next).
#[tokio::test]
async fn the_largest_request_within_every_limit_is_held_to_them() {
    let mut t = Target::new().await;
    let not_a_session = change_with_string(&mut t.ana, None, "notes", 60 * 1024);
    let push: Vec<DocPush> = (0..MAX_DOCS_PER_REQUEST)
        .map(|_| DocPush { doc: uuid::Uuid::new_v4().to_string(), changes: vec![Bytes(not_a_session.clone())] })
        .collect();
    let (status, body) = post(&t.ana, push).await;
    assert_eq!(status, 200, "{}", body["message"]);
    let refused = body["refused"].as_array().expect("refusals");
    assert_eq!(refused.len(), MAX_DOCS_PER_REQUEST, "each refused");
    assert!(refused.iter().all(|r| r["code"] == "undecodable"), "{:?}", refused.first());
    assert_eq!(body["accepted"].as_array().map(Vec::len), Some(0), "nothing stored");
    t.holds().await;
}
