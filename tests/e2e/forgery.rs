//! The forgery suite: a real `rsc-server` process, real Automerge documents and real ed25519
//! keys, and a hostile user trying every way we know to get minutes credited without a valid
//! confirmation by a provider endorsed on the session date. Each attempt ends with the same
//! check: the attacked session counts 0 minutes in the applicant's evaluation, in her signed
//! JSON export, and in what the export verifier (`rsc verify`'s library) accepts.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use rsc_doc::{DeviceKey, SessionDoc, SessionEdit};
use rsc_model::{AttestedContent, Date, Id, Minutes, SessionFormat, SessionKind, StatementKind};
use rsc_protocol::{Bytes, DocPush, RefusalCode, SyncRequest, SyncResponse};
use rsc_test_kit::process::{Server, start_server};
use rsc_test_kit::{Api, Device, signed_at};
use serde_json::{Value, json};

const AS_OF: &str = "2026-11-30";
/// Everyone in the suite: registry staff, endorsed and unendorsed providers, supervisees and
/// an attacker who holds an endorsement herself.
struct World {
    staff: Device,
    pat: Device,
    quinn: Device,
    rae: Device,
    tess: Device,
    val: Device,
    ana: Device,
    ben: Device,
    eve: Device,
}

const REGISTRY: &str =
    "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on
NM-2001,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,2027-12-31,
NM-2002,Quinn Consultant,quinn@example.org,IMHM-C,NMAIMH,2012-06-01,2025-06-30,
NM-2003,Rae Specialist,rae@example.org,IMHS,NMAIMH,2018-01-15,,
NM-2004,Tess Former,tess@example.org,IMHM-C,NMAIMH,2010-02-01,,2023-04-15
NM-2005,Eve Endorsed,eve@example.org,IMHM-C,NMAIMH,2015-01-01,2027-12-31,
NM-2006,Val Pending,val@example.org,IMHM-C,NMAIMH,2015-01-01,2027-12-31,
";

async fn world(api: &Api) -> World {
    let staff = Device::sign_in(api, "staff").await;
    assert_eq!(api.import_registry(&staff.token, "forgery.csv", REGISTRY.to_string()).await, 200, "registry import");
    let mut people = Vec::new();
    for name in ["pat", "quinn", "rae", "tess", "val", "ana", "ben", "eve"] {
        api.register(name).await;
        people.push(Device::sign_in(api, name).await);
    }
    // Everyone is connected to everyone, in one group of each provider's, so that each attempt
    // below meets the rule it is about (connections and groups have their own suite).
    for (i, provider) in people.iter().enumerate() {
        let others: Vec<&Device> = people.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, d)| d).collect();
        provider.connect(&others).await;
        provider.group("Everyone", &others).await;
    }
    let [pat, quinn, rae, tess, val, ana, ben, eve]: [Device; 8] = people.try_into().ok().expect("eight");
    // Every provider claims her record; staff approve all but Val's.
    for (who, number, approve) in [
        (&pat, "NM-2001", true),
        (&quinn, "NM-2002", true),
        (&rae, "NM-2003", true),
        (&tess, "NM-2004", true),
        (&eve, "NM-2005", true),
        (&val, "NM-2006", false),
    ] {
        let (status, claim) = api.post("/v1/me/claims", Some(&who.token), &json!({ "number": number })).await;
        assert_eq!(status, 201, "{claim}");
        if approve {
            let id = claim["id"].as_str().expect("claim id");
            let (status, body) =
                api.post(&format!("/v1/registry/claims/{id}/approve"), Some(&staff.token), &json!({})).await;
            assert_eq!((status, body["status"].as_str()), (200, Some("approved")), "{body}");
        }
    }
    World { staff, pat, quinn, rae, tess, val, ana, ben, eve }
}

fn m(n: i64) -> Minutes {
    Minutes::new(n, "minutes").expect("minutes")
}

fn day(text: &str) -> Date {
    text.parse().expect("date")
}

/// `device` logs an individual session with `provider` on `date`, attended by itself, and
/// syncs it.
async fn logged(device: &mut Device, provider: &Id, date: &str) -> String {
    let me = device.user_id.clone();
    let doc = device.log(provider, SessionKind::Individual, &[(&me, 60)]);
    let date = day(date);
    device.edit(&doc, |d, me| d.edit(me, SessionEdit { date: Some(date), ..Default::default() }).expect("date"));
    let responses = device.sync().await;
    assert!(responses.iter().all(|r| r.refused.is_empty()), "logging is fine: {responses:?}");
    doc
}

/// `provider` pulls and confirms `attendee` on `doc` for `minutes`, with her registered key.
async fn confirmed(provider: &mut Device, doc: &str, attendee: &Id, minutes: i64) {
    provider.sync().await;
    let key = DeviceKey::from_secret_bytes(&provider.key.secret_bytes());
    let attendee = attendee.clone();
    provider.edit(doc, |d, me| {
        d.confirm(&key, me, &attendee, m(minutes), signed_at(1_000)).expect("confirm");
    });
    let responses = provider.sync().await;
    assert!(responses.iter().all(|r| r.refused.is_empty()), "a real confirmation lands: {responses:?}");
}

/// A raw Automerge edit of the device's copy, outside every rule `SessionDoc` keeps, pushed as
/// the device's own change. Returns the server's answer.
async fn raw_push(device: &mut Device, doc: &str, edit: impl FnOnce(&mut AutoCommit)) -> SyncResponse {
    let current = device.docs.get_mut(doc).expect("document on this device");
    let base = current.heads();
    let mut raw = AutoCommit::load(&current.save()).expect("load").with_actor(device.actor.clone());
    edit(&mut raw);
    raw.commit();
    let changes: Vec<Bytes> = raw.get_changes(&base).iter().map(|c| Bytes(c.raw_bytes().to_vec())).collect();
    push(device, doc, changes).await
}

async fn push(device: &Device, doc: &str, changes: Vec<Bytes>) -> SyncResponse {
    let request = SyncRequest {
        v: 1,
        cursor: None,
        push: vec![DocPush { doc: doc.to_string(), changes }],
        page_changes: Some(1),
        account_version: None,
        trainings: Vec::new(),
    };
    let (status, body) =
        device.api.post("/v1/sync", Some(&device.token), &serde_json::to_value(&request).expect("json")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("sync response")
}

fn refused(response: &SyncResponse, code: RefusalCode, what: &str) {
    assert_eq!(response.refused.len(), 1, "{what}: refused: {response:?}");
    assert_eq!(response.refused[0].code, code, "{what}: {response:?}");
}

/// A statement signed by `key` with this content.
#[allow(clippy::too_many_arguments)]
fn statement(
    key: &DeviceKey,
    session: &str,
    attendee: &Id,
    provider: &Id,
    date: &str,
    minutes: i64,
    attended: i64,
    signed_at_ms: i64,
) -> Vec<u8> {
    key.sign(AttestedContent {
        kind: StatementKind::Confirm,
        session_id: Id::new(session, "session").expect("id"),
        attendee: attendee.clone(),
        provider: provider.clone(),
        date: day(date),
        session_minutes: m(minutes),
        minutes_attended: Some(m(attended)),
        session_kind: SessionKind::Individual,
        format: SessionFormat::Video,
        about_own_rsc_practice: false,
        signed_at_ms,
        reason: String::new(),
    })
    .expect("sign")
    .to_bytes()
}

/// The map at `key` of the root.
fn map_of(raw: &AutoCommit, key: &str) -> automerge::ObjId {
    match raw.get(ROOT, key).expect("get") {
        Some((_, id)) => id,
        None => panic!("no map `{key}`"),
    }
}

/// `provider`, offline, disputes `attendee`'s entry on `doc` (to be pushed at her next sync).
fn dispute_offline(provider: &mut Device, doc: &str, attendee: &Id, reason: &str, at: i64) {
    let key = DeviceKey::from_secret_bytes(&provider.key.secret_bytes());
    provider.edit(doc, |d, me| {
        d.dispute(&key, me, attendee, reason, signed_at(at)).expect("dispute offline");
    });
}

/// The person who logged `doc` names `to` as its provider, and syncs.
async fn switch_provider(device: &mut Device, doc: &str, to: &Id) {
    let to = to.clone();
    device.edit(doc, |d, me| {
        d.edit(me, SessionEdit { provider: Some(to), ..Default::default() }).expect("switch provider");
    });
    device.sync().await;
}

fn put_statement(raw: &mut AutoCommit, under: &Id, bytes: Vec<u8>) {
    let statements = map_of(raw, "statements");
    raw.put(&statements, under.as_str(), bytes).expect("put statement");
}

/// The session counts 0 minutes for `applicant`: in her evaluation, in her signed export, and
/// in what the verifier accepts of that export.
async fn counts_nothing(api: &Api, applicant: &Device, session: &str, what: &str) {
    let query = format!("rulebook=nmaimh&purpose=application&as_of={AS_OF}");
    let (status, evaluation) = api.get(&format!("/v1/me/evaluation?{query}"), Some(&applicant.token)).await;
    assert_eq!(status, 200, "{what}: {evaluation}");
    assert_eq!(counted(&evaluation, session), 0, "{what}: evaluation credits it: {evaluation}");

    let response = api
        .http
        .get(format!("{}/v1/me/exports/json?{query}", api.base))
        .bearer_auth(&applicant.token)
        .send()
        .await
        .expect("export");
    assert!(response.status().is_success(), "{what}: export");
    let bytes = response.bytes().await.expect("body").to_vec();
    let export: Value = serde_json::from_slice(&bytes).expect("export JSON");
    assert_eq!(counted(&export["payload"]["evaluation"], session), 0, "{what}: the export credits it");
    let (_, keys) = api.get("/v1/server-keys", None).await;
    let keys: Vec<rsc_export::PublishedKey> = serde_json::from_value(keys).expect("published keys");
    let report = rsc_export::verify(&bytes, Some(&keys)).unwrap_or_else(|e| panic!("{what}: export verifies: {e}"));
    assert!(report.key_published, "{what}: signed by a published key");
}

/// The minutes the evaluation counts for `session` (0 when it is not listed).
fn counted(evaluation: &Value, session: &str) -> u64 {
    evaluation["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["id"] == session)
        .map_or(0, |s| s["counted_minutes"].as_u64().expect("counted_minutes"))
}

/// The world every attempt runs in, made afresh for each: a server, its registry, everyone
/// connected, and Ana's control session confirmed by Pat, counting its 60 minutes.
struct Forgery {
    _server: Server,
    api: Api,
    w: World,
    pat: Id,
    quinn: Id,
    rae: Id,
    tess: Id,
    val: Id,
    ana: Id,
    ben: Id,
    eve: Id,
    control: String,
}

impl Forgery {
    async fn new() -> Forgery {
        let (server, api) = start_server().await;
        let mut w = world(&api).await;
        let (pat, quinn, rae, tess, val) = (
            w.pat.user_id.clone(),
            w.quinn.user_id.clone(),
            w.rae.user_id.clone(),
            w.tess.user_id.clone(),
            w.val.user_id.clone(),
        );
        let (ana, ben, eve) = (w.ana.user_id.clone(), w.ben.user_id.clone(), w.eve.user_id.clone());
        let control = logged(&mut w.ana, &pat, "2025-09-02").await;
        confirmed(&mut w.pat, &control, &ana, 60).await;
        let forgery = Forgery { _server: server, api, w, pat, quinn, rae, tess, val, ana, ben, eve, control };
        forgery.control_counts().await;
        forgery
    }

    /// The control session counts exactly its 60 minutes: a real confirmation by an endorsed
    /// provider counts, and no attempt took anything from it.
    async fn control_counts(&self) {
        let query = format!("/v1/me/evaluation?rulebook=nmaimh&as_of={AS_OF}");
        let (_, evaluation) = self.api.get(&query, Some(&self.w.ana.token)).await;
        assert_eq!(counted(&evaluation, &self.control), 60, "the control session counts: {evaluation}");
    }

    /// Pat's real confirmation of Ana in the control session.
    fn real_statement(&self) -> rsc_doc::SignedStatement {
        let session = self.w.pat.doc(&self.control).session().expect("control");
        session.attendees[0].statement.clone().expect("statement")
    }
}

fn key_of(device: &Device) -> DeviceKey {
    DeviceKey::from_secret_bytes(&device.key.secret_bytes())
}

#[tokio::test]
async fn a_provider_cannot_attend_and_confirm_her_own_session() {
    let mut f = Forgery::new().await;
    let (eve, ana) = (f.eve.clone(), f.ana.clone());
    let own = f.w.eve.log(&eve, SessionKind::Group, &[(&ana, 60)]);
    f.w.eve.sync().await;
    let signed = statement(&key_of(&f.w.eve), &own, &eve, &eve, "2025-03-04", 90, 60, signed_at(5));
    let r = raw_push(&mut f.w.eve, &own, |raw| {
        let attendees = map_of(raw, "attendees");
        let me = raw.put_object(&attendees, eve.as_str(), ObjType::Map).expect("put");
        raw.put(&me, "minutes_attended", 60).expect("put");
        raw.put(&me, "about_own_rsc_practice", false).expect("put");
        put_statement(raw, &eve, signed);
    })
    .await;
    refused(&r, RefusalCode::InvalidSession, "self-confirmation");
    counts_nothing(&f.api, &f.w.eve, &own, "self-confirmation").await;
    f.control_counts().await;
}

#[tokio::test]
async fn an_individual_session_cannot_have_two_attendees() {
    let mut f = Forgery::new().await;
    let ben = f.ben.clone();
    let two = logged(&mut f.w.ana, &f.pat, "2025-09-03").await;
    let r = raw_push(&mut f.w.ana, &two, |raw| {
        let attendees = map_of(raw, "attendees");
        let extra = raw.put_object(&attendees, ben.as_str(), ObjType::Map).expect("put");
        raw.put(&extra, "minutes_attended", 60).expect("put");
        raw.put(&extra, "about_own_rsc_practice", false).expect("put");
    })
    .await;
    refused(&r, RefusalCode::InvalidSession, "individual with two attendees");
    counts_nothing(&f.api, &f.w.ben, &two, "individual with two attendees").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_supervisee_cannot_sign_in_her_providers_name() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let forged = logged(&mut f.w.ana, &pat, "2025-09-04").await;
    let signed = statement(&key_of(&f.w.ana), &forged, &ana, &pat, "2025-09-04", 90, 60, signed_at(6));
    let r = raw_push(&mut f.w.ana, &forged, |raw| put_statement(raw, &ana, signed)).await;
    refused(&r, RefusalCode::NotAllowed, "supervisee signs for the provider");
    counts_nothing(&f.api, &f.w.ana, &forged, "supervisee signs for the provider").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_key_registered_to_no_device_counts_nothing() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let stray_doc = logged(&mut f.w.ana, &pat, "2025-09-05").await;
    f.w.pat.sync().await;
    let stray = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let signed = statement(&stray, &stray_doc, &ana, &pat, "2025-09-05", 90, 60, signed_at(7));
    let r = raw_push(&mut f.w.pat, &stray_doc, |raw| put_statement(raw, &ana, signed)).await;
    assert!(r.refused.is_empty(), "accepted into the document, but not trusted: {r:?}");
    counts_nothing(&f.api, &f.w.ana, &stray_doc, "unregistered key").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_revoked_devices_signature_counts_nothing() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let revoked_doc = logged(&mut f.w.ana, &pat, "2025-09-08").await;
    let mut old_phone = Device::sign_in(&f.api, "pat").await;
    let old_key = key_of(&old_phone);
    let response = f
        .api
        .http
        .delete(format!("{}/v1/devices/{}", f.api.base, old_phone.device_id))
        .bearer_auth(&f.w.pat.token)
        .send()
        .await
        .expect("revoke");
    assert!(response.status().is_success());
    f.w.pat.sync().await;
    let signed = statement(&old_key, &revoked_doc, &ana, &pat, "2025-09-08", 90, 60, signed_at(8));
    raw_push(&mut f.w.pat, &revoked_doc, |raw| put_statement(raw, &ana, signed)).await;
    let (status, _) = f.api.post("/v1/sync", Some(&old_phone.token), &json!({"v": 1, "push": []})).await;
    assert_eq!(status, 401, "the revoked device is signed out");
    old_phone.docs.clear();
    counts_nothing(&f.api, &f.w.ana, &revoked_doc, "revoked device").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_confirmation_moved_from_another_session_is_refused() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let moved = logged(&mut f.w.ana, &pat, "2025-09-09").await;
    let real = f.real_statement();
    f.w.pat.sync().await;
    let r = raw_push(&mut f.w.pat, &moved, |raw| put_statement(raw, &ana, real.to_bytes())).await;
    refused(&r, RefusalCode::NotAllowed, "moved signature");
    counts_nothing(&f.api, &f.w.ana, &moved, "moved signature").await;
    f.control_counts().await;
}

/// A group session of Ana and Ben with Pat, and Pat's signed confirmation of Ben in it.
async fn group_with_ben(f: &mut Forgery) -> (String, rsc_doc::SignedStatement) {
    let (ana, ben, pat) = (f.ana.clone(), f.ben.clone(), f.pat.clone());
    let group = f.w.ana.log(&pat, SessionKind::Group, &[(&ana, 60), (&ben, 60)]);
    f.w.ana.sync().await;
    f.w.pat.sync().await;
    let about_ben = key_of(&f.w.pat)
        .sign(AttestedContent {
            kind: StatementKind::Confirm,
            session_id: Id::new(group.as_str(), "s").expect("id"),
            attendee: ben,
            provider: pat,
            date: day("2025-03-04"),
            session_minutes: m(90),
            minutes_attended: Some(m(60)),
            session_kind: SessionKind::Group,
            format: SessionFormat::Video,
            about_own_rsc_practice: false,
            signed_at_ms: signed_at(9),
            reason: String::new(),
        })
        .expect("sign");
    (group, about_ben)
}

#[tokio::test]
async fn a_statement_about_one_attendee_cannot_stand_under_another() {
    let mut f = Forgery::new().await;
    let ana = f.ana.clone();
    let (group, about_ben) = group_with_ben(&mut f).await;
    let r = raw_push(&mut f.w.pat, &group, |raw| put_statement(raw, &ana, about_ben.to_bytes())).await;
    refused(&r, RefusalCode::NotAllowed, "statement under another attendee");
    counts_nothing(&f.api, &f.w.ana, &group, "statement under another attendee").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_confirmation_signed_before_the_session_ended_is_refused() {
    let mut f = Forgery::new().await;
    let ana = f.ana.clone();
    let (group, mut about_ana) = group_with_ben(&mut f).await;
    about_ana.content.attendee = ana.clone();
    about_ana.content.signed_at_ms = 1_740_000_000_000; // 2025-02-19, before 2025-03-04
    let early = key_of(&f.w.pat).sign(about_ana.content.clone()).expect("sign");
    let r = raw_push(&mut f.w.pat, &group, |raw| put_statement(raw, &ana, early.to_bytes())).await;
    refused(&r, RefusalCode::InvalidSession, "confirmation before the session ended");
    counts_nothing(&f.api, &f.w.ana, &group, "confirmation before the session ended").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_change_authored_as_another_device_is_refused() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let spoof = logged(&mut f.w.ana, &pat, "2025-09-10").await;
    let bytes = f.w.ana.docs.get_mut(&spoof).expect("doc").save();
    let mut as_pat = SessionDoc::load_as(&bytes, f.w.pat.actor.clone()).expect("load");
    let base = as_pat.heads();
    as_pat.confirm(&key_of(&f.w.ana), &pat, &ana, m(60), signed_at(10)).expect("signs locally");
    let changes = as_pat.changes_since(&base).into_iter().map(Bytes).collect();
    refused(&push(&f.w.ana, &spoof, changes).await, RefusalCode::ForeignActor, "spoofed actor");
    counts_nothing(&f.api, &f.w.ana, &spoof, "spoofed actor").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_stranger_cannot_edit_a_session_she_got_hold_of() {
    let mut f = Forgery::new().await;
    let (ana, pat, eve) = (f.ana.clone(), f.pat.clone(), f.eve.clone());
    let theirs = logged(&mut f.w.ana, &pat, "2025-09-11").await;
    let bytes = f.w.ana.docs.get_mut(&theirs).expect("doc").save();
    f.w.eve.docs.insert(theirs.clone(), SessionDoc::load(&bytes).expect("load"));
    let signed = statement(&key_of(&f.w.eve), &theirs, &ana, &eve, "2025-09-11", 90, 60, signed_at(11));
    let r = raw_push(&mut f.w.eve, &theirs, |raw| {
        raw.put(ROOT, "provider", eve.as_str()).expect("put");
        put_statement(raw, &ana, signed);
    })
    .await;
    refused(&r, RefusalCode::NotParticipant, "a stranger's edit");
    counts_nothing(&f.api, &f.w.ana, &theirs, "a stranger's edit").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_session_cannot_be_handed_over_by_its_logger_leaving() {
    let mut f = Forgery::new().await;
    let (ana, ben, eve) = (f.ana.clone(), f.ben.clone(), f.eve.clone());
    let planted = f.w.ben.log(&eve, SessionKind::Group, &[(&ben, 60), (&ana, 60)]);
    f.w.ben.sync().await;
    let r = raw_push(&mut f.w.ben, &planted, |raw| {
        let attendees = map_of(raw, "attendees");
        raw.delete(&attendees, ben.as_str()).expect("delete");
    })
    .await;
    refused(&r, RefusalCode::InvalidSession, "handing a session over");
    f.w.eve.sync().await;
    counts_nothing(&f.api, &f.w.ana, &planted, "handing a session over").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_session_forged_as_logged_by_someone_else_is_refused() {
    let f = Forgery::new().await;
    let ana = f.ana.clone();
    let fields = f.w.ana.doc(&f.control).session().expect("control").fields;
    let victim = rsc_doc::NewAttendee { id: ana.clone(), minutes_attended: m(60), about_own_rsc_practice: false };
    let id = rsc_service::clock::new_id();
    let mut forged_doc =
        SessionDoc::create(f.w.eve.actor.clone(), id, ana.clone(), fields, vec![victim]).expect("create");
    let forged_id = forged_doc.session().expect("s").id.to_string();
    let changes = forged_doc.changes_since(&[]).into_iter().map(Bytes).collect();
    refused(&push(&f.w.eve, &forged_id, changes).await, RefusalCode::NotAllowed, "forged creator");
    counts_nothing(&f.api, &f.w.ana, &forged_id, "forged creator").await;
    f.control_counts().await;
}

/// A session of Ana's that Pat confirmed and then disputed, the dispute pulled by Ana.
async fn contested(f: &mut Forgery, date: &str, reason: &str, at: i64) -> String {
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let doc = logged(&mut f.w.ana, &pat, date).await;
    confirmed(&mut f.w.pat, &doc, &ana, 60).await;
    dispute_offline(&mut f.w.pat, &doc, &ana, reason, at);
    f.w.ana.sync().await;
    doc
}

#[tokio::test]
async fn a_dispute_cannot_be_suppressed_by_switching_the_provider() {
    let mut f = Forgery::new().await;
    let (pat, quinn) = (f.pat.clone(), f.quinn.clone());
    let doc = contested(&mut f, "2025-09-12", "Ana was not there", 2_000).await;
    switch_provider(&mut f.w.ana, &doc, &quinn).await;
    switch_provider(&mut f.w.ana, &doc, &pat).await;
    let responses = f.w.pat.sync().await;
    assert!(responses.iter().all(|r| r.refused.is_empty()), "the dispute lands: {responses:?}");
    counts_nothing(&f.api, &f.w.ana, &doc, "suppressed dispute").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_former_providers_dispute_still_lands() {
    let mut f = Forgery::new().await;
    let quinn = f.quinn.clone();
    let doc = contested(&mut f, "2025-09-15", "wrong week", 3_000).await;
    switch_provider(&mut f.w.ana, &doc, &quinn).await;
    let responses = f.w.pat.sync().await;
    assert!(responses.iter().all(|r| r.refused.is_empty()), "a former provider still states: {responses:?}");
    counts_nothing(&f.api, &f.w.ana, &doc, "confirmation by a former provider").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_supervisee_cannot_delete_her_providers_dispute() {
    let mut f = Forgery::new().await;
    let ana = f.ana.clone();
    let doc = contested(&mut f, "2025-09-12", "Ana was not there", 2_000).await;
    f.w.pat.sync().await;
    let r = raw_push(&mut f.w.ana, &doc, |raw| {
        let statements = map_of(raw, "statements");
        raw.delete(&statements, ana.as_str()).expect("delete");
    })
    .await;
    refused(&r, RefusalCode::NotAllowed, "deleting a dispute");
    counts_nothing(&f.api, &f.w.ana, &doc, "deleting a dispute").await;
    f.control_counts().await;
}

#[tokio::test]
async fn an_attendee_cannot_change_a_group_sessions_length() {
    let mut f = Forgery::new().await;
    let (ana, ben, pat) = (f.ana.clone(), f.ben.clone(), f.pat.clone());
    let shared = f.w.ana.log(&pat, SessionKind::Group, &[(&ana, 60), (&ben, 60)]);
    f.w.ana.sync().await;
    f.w.ben.sync().await;
    let r = raw_push(&mut f.w.ben, &shared, |raw| raw.put(ROOT, "minutes", 120).expect("put")).await;
    refused(&r, RefusalCode::NotAllowed, "an attendee edits shared fields");
    counts_nothing(&f.api, &f.w.ben, &shared, "an attendee edits shared fields").await;
    f.control_counts().await;
}

#[tokio::test]
async fn confirmed_minutes_that_do_not_match_the_session_count_nothing() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let inflated = logged(&mut f.w.ana, &pat, "2025-09-16").await;
    f.w.pat.sync().await;
    let signed = statement(&key_of(&f.w.pat), &inflated, &ana, &pat, "2025-09-16", 90, 90, signed_at(13));
    raw_push(&mut f.w.pat, &inflated, |raw| put_statement(raw, &ana, signed)).await;
    counts_nothing(&f.api, &f.w.ana, &inflated, "minutes that do not match").await;
    f.control_counts().await;
}

#[tokio::test]
async fn an_edit_after_confirmation_uncounts_the_session() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let edited = logged(&mut f.w.ana, &pat, "2025-09-17").await;
    confirmed(&mut f.w.pat, &edited, &ana, 60).await;
    f.w.ana.sync().await;
    f.w.ana.edit(&edited, |d, me| {
        d.edit(me, SessionEdit { format: Some(SessionFormat::Phone), ..Default::default() }).expect("edit")
    });
    f.w.ana.sync().await;
    counts_nothing(&f.api, &f.w.ana, &edited, "edited after confirmation").await;
    f.control_counts().await;
}

/// Ana's session with `provider` on `date`, confirmed by that provider for real: counts nothing
/// because of her credential on that day.
async fn confirmed_by(f: &mut Forgery, provider: fn(&mut World) -> &mut Device, date: &str, what: &str) {
    let ana = f.ana.clone();
    let provider_id = provider(&mut f.w).user_id.clone();
    let doc = logged(&mut f.w.ana, &provider_id, date).await;
    confirmed(provider(&mut f.w), &doc, &ana, 60).await;
    counts_nothing(&f.api, &f.w.ana, &doc, what).await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_confirmation_the_day_after_an_endorsement_lapsed_counts_nothing() {
    let mut f = Forgery::new().await;
    confirmed_by(&mut f, |w| &mut w.quinn, "2025-07-01", "the day after the endorsement lapsed").await;
}

#[tokio::test]
async fn a_confirmation_after_an_endorsement_was_revoked_counts_nothing() {
    let mut f = Forgery::new().await;
    confirmed_by(&mut f, |w| &mut w.tess, "2023-05-01", "after the endorsement was revoked").await;
}

#[tokio::test]
async fn a_credential_the_rulebook_does_not_accept_counts_nothing() {
    let mut f = Forgery::new().await;
    confirmed_by(&mut f, |w| &mut w.rae, "2025-09-18", "a credential the rulebook does not accept").await;
}

#[tokio::test]
async fn a_claim_staff_never_approved_counts_nothing() {
    let mut f = Forgery::new().await;
    confirmed_by(&mut f, |w| &mut w.val, "2025-09-19", "a claim staff never approved").await;
}

#[tokio::test]
async fn a_session_in_the_future_cannot_be_confirmed() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let now = rsc_service::clock::now_ms();
    let tomorrow = Date::from_unix_millis(now + 86_400_000).expect("date").to_string();
    let future = logged(&mut f.w.ana, &pat, &tomorrow).await;
    f.w.pat.sync().await;
    let signed = statement(&key_of(&f.w.pat), &future, &ana, &pat, &tomorrow, 90, 60, now);
    let r = raw_push(&mut f.w.pat, &future, |raw| put_statement(raw, &ana, signed)).await;
    refused(&r, RefusalCode::InvalidSession, "a session that has not happened");
    counts_nothing(&f.api, &f.w.ana, &future, "a session that has not happened").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_session_dated_1901_is_refused() {
    let mut f = Forgery::new().await;
    let ancient = logged(&mut f.w.ana, &f.pat, "2025-09-22").await;
    let r = raw_push(&mut f.w.ana, &ancient, |raw| raw.put(ROOT, "date", "1901-01-01").expect("put")).await;
    refused(&r, RefusalCode::InvalidSession, "a session dated 1901");
    counts_nothing(&f.api, &f.w.ana, &ancient, "a session dated 1901").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_field_the_schema_does_not_know_is_refused() {
    let mut f = Forgery::new().await;
    let session = logged(&mut f.w.ana, &f.pat, "2025-09-22").await;
    let r = raw_push(&mut f.w.ana, &session, |raw| raw.put(ROOT, "confirmed", true).expect("put")).await;
    refused(&r, RefusalCode::Undecodable, "an unknown field");
    counts_nothing(&f.api, &f.w.ana, &session, "an unknown field").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_previous_providers_statement_does_not_carry_over() {
    let mut f = Forgery::new().await;
    let (ana, pat, rae) = (f.ana.clone(), f.pat.clone(), f.rae.clone());
    let switched = logged(&mut f.w.ana, &rae, "2025-09-23").await;
    confirmed(&mut f.w.rae, &switched, &ana, 60).await;
    f.w.ana.sync().await;
    switch_provider(&mut f.w.ana, &switched, &pat).await;
    counts_nothing(&f.api, &f.w.ana, &switched, "a statement by a previous provider").await;
    f.control_counts().await;
}

#[tokio::test]
async fn a_statement_replayed_into_a_new_session_with_the_same_fields_is_refused() {
    let mut f = Forgery::new().await;
    let (ana, pat) = (f.ana.clone(), f.pat.clone());
    let replay_target = logged(&mut f.w.ana, &pat, "2025-09-02").await;
    let real = f.real_statement();
    f.w.pat.sync().await;
    let r = raw_push(&mut f.w.pat, &replay_target, |raw| put_statement(raw, &ana, real.to_bytes())).await;
    refused(&r, RefusalCode::NotAllowed, "a replayed statement");
    counts_nothing(&f.api, &f.w.ana, &replay_target, "a replayed statement").await;
    f.control_counts().await;
}

#[tokio::test]
async fn an_export_altered_to_credit_a_session_no_longer_verifies() {
    let mut f = Forgery::new().await;
    logged(&mut f.w.ana, &f.pat, "2025-09-24").await;
    let query = format!("rulebook=nmaimh&as_of={AS_OF}");
    let bytes = f
        .api
        .http
        .get(format!("{}/v1/me/exports/json?{query}", f.api.base))
        .bearer_auth(&f.w.ana.token)
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("body")
        .to_vec();
    let text = String::from_utf8(bytes).expect("utf-8");
    let (_, keys) = f.api.get("/v1/server-keys", None).await;
    let keys: Vec<rsc_export::PublishedKey> = serde_json::from_value(keys).expect("keys");
    assert!(rsc_export::verify(text.as_bytes(), Some(&keys)).is_ok(), "the export as made verifies");
    let tampered = text.replacen("\"counted_minutes\": 0,", "\"counted_minutes\": 60,", 1);
    assert!(tampered != text, "there is an uncounted session to tamper with");
    assert!(rsc_export::verify(tampered.as_bytes(), Some(&keys)).is_err(), "a tampered export fails");
    f.control_counts().await;
    let _ = (&f.w.staff, &f.tess, &f.val);
}
