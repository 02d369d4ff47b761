//! The forgery suite: a real `rsc-server` process, real Automerge documents and real ed25519
//! keys, and a hostile user trying every way we know to get minutes credited without a valid
//! confirmation by a provider endorsed on the session date. Each attempt ends with the same
//! check: the attacked session counts 0 minutes in the applicant's evaluation, in her signed
//! JSON export, and in what the export verifier (`rsc verify`'s library) accepts.

#[allow(dead_code)]
mod server_process;
#[path = "../crates/rsc-server/tests/server/support.rs"]
#[allow(dead_code, unused_macros)]
mod support;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use rsc_doc::{DeviceKey, SessionDoc, SessionEdit};
use rsc_model::{AttestedContent, Date, Id, Minutes, SessionFormat, SessionKind, StatementKind};
use rsc_protocol::{Bytes, DocPush, RefusalCode, SyncRequest, SyncResponse};
use serde_json::{Value, json};
use server_process::start_server;
use support::{Api, Device, signed_at};

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

#[tokio::test]
async fn no_forgery_gets_a_minute_credited() {
    let (_server, api) = start_server().await;
    let mut w = world(&api).await;
    let (pat, quinn, rae, tess, val) = (
        w.pat.user_id.clone(),
        w.quinn.user_id.clone(),
        w.rae.user_id.clone(),
        w.tess.user_id.clone(),
        w.val.user_id.clone(),
    );
    let (ana, ben, eve) = (w.ana.user_id.clone(), w.ben.user_id.clone(), w.eve.user_id.clone());
    let mut attempts = 0;

    // 0. The control: a real confirmation by an endorsed provider counts.
    let control = logged(&mut w.ana, &pat, "2025-09-02").await;
    confirmed(&mut w.pat, &control, &ana, 60).await;
    let (_, evaluation) =
        api.get(&format!("/v1/me/evaluation?rulebook=nmaimh&as_of={AS_OF}"), Some(&w.ana.token)).await;
    assert_eq!(counted(&evaluation, &control), 60, "the control session counts: {evaluation}");

    // 1. An endorsed provider adds herself as an attendee of her own session and signs for herself.
    let own = {
        let doc = w.eve.log(&eve, SessionKind::Group, &[(&ana, 60)]);
        w.eve.sync().await;
        doc
    };
    let eve_key = DeviceKey::from_secret_bytes(&w.eve.key.secret_bytes());
    let signed = statement(&eve_key, &own, &eve, &eve, "2025-03-04", 90, 60, signed_at(5));
    let r = raw_push(&mut w.eve, &own, |raw| {
        let attendees = map_of(raw, "attendees");
        let me = raw.put_object(&attendees, eve.as_str(), ObjType::Map).expect("put");
        raw.put(&me, "minutes_attended", 60).expect("put");
        raw.put(&me, "about_own_rsc_practice", false).expect("put");
        put_statement(raw, &eve, signed);
    })
    .await;
    refused(&r, RefusalCode::InvalidSession, "self-confirmation");
    counts_nothing(&api, &w.eve, &own, "self-confirmation").await;
    attempts += 1;

    // 2. An individual session with two attendees.
    let two = logged(&mut w.ana, &pat, "2025-09-03").await;
    let r = raw_push(&mut w.ana, &two, |raw| {
        let attendees = map_of(raw, "attendees");
        let extra = raw.put_object(&attendees, ben.as_str(), ObjType::Map).expect("put");
        raw.put(&extra, "minutes_attended", 60).expect("put");
        raw.put(&extra, "about_own_rsc_practice", false).expect("put");
    })
    .await;
    refused(&r, RefusalCode::InvalidSession, "individual with two attendees");
    counts_nothing(&api, &w.ben, &two, "individual with two attendees").await;
    attempts += 1;

    // 3. The supervisee signs a confirmation in her provider's name with her own key.
    let forged = logged(&mut w.ana, &pat, "2025-09-04").await;
    let ana_key = DeviceKey::from_secret_bytes(&w.ana.key.secret_bytes());
    let signed = statement(&ana_key, &forged, &ana, &pat, "2025-09-04", 90, 60, signed_at(6));
    let r = raw_push(&mut w.ana, &forged, |raw| put_statement(raw, &ana, signed)).await;
    refused(&r, RefusalCode::NotAllowed, "supervisee signs for the provider");
    counts_nothing(&api, &w.ana, &forged, "supervisee signs for the provider").await;
    attempts += 1;

    // 4. The provider signs with a key that is not registered to any of her devices.
    let stray_doc = logged(&mut w.ana, &pat, "2025-09-05").await;
    w.pat.sync().await;
    let stray = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let signed = statement(&stray, &stray_doc, &ana, &pat, "2025-09-05", 90, 60, signed_at(7));
    let r = raw_push(&mut w.pat, &stray_doc, |raw| put_statement(raw, &ana, signed)).await;
    assert!(r.refused.is_empty(), "accepted into the document, but not trusted: {r:?}");
    counts_nothing(&api, &w.ana, &stray_doc, "unregistered key").await;
    attempts += 1;

    // 5. The provider signs on a device she has since revoked.
    let revoked_doc = logged(&mut w.ana, &pat, "2025-09-08").await;
    let mut old_phone = Device::sign_in(&api, "pat").await;
    let old_key = DeviceKey::from_secret_bytes(&old_phone.key.secret_bytes());
    let response = api
        .http
        .delete(format!("{}/v1/devices/{}", api.base, old_phone.device_id))
        .bearer_auth(&w.pat.token)
        .send()
        .await
        .expect("revoke");
    assert!(response.status().is_success());
    w.pat.sync().await;
    let signed = statement(&old_key, &revoked_doc, &ana, &pat, "2025-09-08", 90, 60, signed_at(8));
    raw_push(&mut w.pat, &revoked_doc, |raw| put_statement(raw, &ana, signed)).await;
    let (status, _) = api.post("/v1/sync", Some(&old_phone.token), &json!({"v": 1, "push": []})).await;
    assert_eq!(status, 401, "the revoked device is signed out");
    old_phone.docs.clear();
    counts_nothing(&api, &w.ana, &revoked_doc, "revoked device").await;
    attempts += 1;

    // 6. A real confirmation moved from the control session into another session.
    let moved = logged(&mut w.ana, &pat, "2025-09-09").await;
    let real = w.pat.doc(&control).session().expect("control").attendees[0].statement.clone().expect("statement");
    w.pat.sync().await;
    let r = raw_push(&mut w.pat, &moved, |raw| put_statement(raw, &ana, real.to_bytes())).await;
    refused(&r, RefusalCode::NotAllowed, "moved signature");
    counts_nothing(&api, &w.ana, &moved, "moved signature").await;
    attempts += 1;

    // 7. A confirmation of Ben stored under Ana in a group session.
    let group = w.ana.log(&pat, SessionKind::Group, &[(&ana, 60), (&ben, 60)]);
    w.ana.sync().await;
    w.pat.sync().await;
    let pat_key = DeviceKey::from_secret_bytes(&w.pat.key.secret_bytes());
    let mut about_ben = pat_key
        .sign(AttestedContent {
            kind: StatementKind::Confirm,
            session_id: Id::new(group.as_str(), "s").expect("id"),
            attendee: ben.clone(),
            provider: pat.clone(),
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
    let r = raw_push(&mut w.pat, &group, |raw| put_statement(raw, &ana, about_ben.to_bytes())).await;
    refused(&r, RefusalCode::NotAllowed, "statement under another attendee");
    counts_nothing(&api, &w.ana, &group, "statement under another attendee").await;
    attempts += 1;

    // 8. A confirmation signed before the session could have ended (backdated on purpose).
    about_ben.content.attendee = ana.clone();
    about_ben.content.signed_at_ms = 1_740_000_000_000; // 2025-02-19, before 2025-03-04
    let early = pat_key.sign(about_ben.content.clone()).expect("sign");
    let r = raw_push(&mut w.pat, &group, |raw| put_statement(raw, &ana, early.to_bytes())).await;
    refused(&r, RefusalCode::InvalidSession, "confirmation before the session ended");
    counts_nothing(&api, &w.ana, &group, "confirmation before the session ended").await;
    attempts += 1;

    // 9. A spoofed actor: the supervisee pushes a change authored as the provider's device.
    let spoof = logged(&mut w.ana, &pat, "2025-09-10").await;
    let bytes = w.ana.docs.get_mut(&spoof).expect("doc").save();
    let mut as_pat = SessionDoc::load_as(&bytes, w.pat.actor.clone()).expect("load");
    let base = as_pat.heads();
    as_pat.confirm(&ana_key, &pat, &ana, m(60), signed_at(10)).expect("signs locally");
    let changes = as_pat.changes_since(&base).into_iter().map(Bytes).collect();
    refused(&push(&w.ana, &spoof, changes).await, RefusalCode::ForeignActor, "spoofed actor");
    counts_nothing(&api, &w.ana, &spoof, "spoofed actor").await;
    attempts += 1;

    // 10. Someone who takes no part edits a session she got hold of.
    let theirs = logged(&mut w.ana, &pat, "2025-09-11").await;
    let bytes = w.ana.docs.get_mut(&theirs).expect("doc").save();
    w.eve.docs.insert(theirs.clone(), SessionDoc::load(&bytes).expect("load"));
    let signed = statement(&eve_key, &theirs, &ana, &eve, "2025-09-11", 90, 60, signed_at(11));
    let r = raw_push(&mut w.eve, &theirs, |raw| {
        raw.put(ROOT, "provider", eve.as_str()).expect("put");
        put_statement(raw, &ana, signed);
    })
    .await;
    refused(&r, RefusalCode::NotParticipant, "a stranger's edit");
    counts_nothing(&api, &w.ana, &theirs, "a stranger's edit").await;
    attempts += 1;

    // 11. A third party logs a session for a victim, then removes herself to hand it over.
    let planted = {
        let doc = w.ben.log(&eve, SessionKind::Group, &[(&ben, 60), (&ana, 60)]);
        w.ben.sync().await;
        doc
    };
    let r = raw_push(&mut w.ben, &planted, |raw| {
        let attendees = map_of(raw, "attendees");
        raw.delete(&attendees, ben.as_str()).expect("delete");
    })
    .await;
    refused(&r, RefusalCode::InvalidSession, "handing a session over");
    w.eve.sync().await;
    counts_nothing(&api, &w.ana, &planted, "handing a session over").await;
    attempts += 1;

    // 12. A session forged as logged by someone else.
    let fields = w.ana.doc(&control).session().expect("control").fields;
    let victim = rsc_doc::NewAttendee { id: ana.clone(), minutes_attended: m(60), about_own_rsc_practice: false };
    let mut forged_doc = SessionDoc::create(
        w.eve.actor.clone(),
        rsc_service::clock::new_id(),
        ana.clone(),
        fields.clone(),
        vec![victim.clone()],
    )
    .expect("create");
    let forged_id = forged_doc.session().expect("s").id.to_string();
    let changes = forged_doc.changes_since(&[]).into_iter().map(Bytes).collect();
    refused(&push(&w.eve, &forged_id, changes).await, RefusalCode::NotAllowed, "forged creator");
    counts_nothing(&api, &w.ana, &forged_id, "forged creator").await;
    attempts += 1;

    // 13. A dispute the supervisee tries to suppress by switching the provider away and back.
    let contested = logged(&mut w.ana, &pat, "2025-09-12").await;
    confirmed(&mut w.pat, &contested, &ana, 60).await;
    dispute_offline(&mut w.pat, &contested, &ana, "Ana was not there", 2_000);
    w.ana.sync().await;
    switch_provider(&mut w.ana, &contested, &quinn).await;
    switch_provider(&mut w.ana, &contested, &pat).await;
    let responses = w.pat.sync().await;
    assert!(responses.iter().all(|r| r.refused.is_empty()), "the dispute lands: {responses:?}");
    counts_nothing(&api, &w.ana, &contested, "suppressed dispute").await;
    attempts += 1;

    // 14. A former provider is not locked out: switched away for good, her dispute still lands
    //     and her later changes do not wedge her copy.
    let moved_away = logged(&mut w.ana, &pat, "2025-09-15").await;
    confirmed(&mut w.pat, &moved_away, &ana, 60).await;
    dispute_offline(&mut w.pat, &moved_away, &ana, "wrong week", 3_000);
    w.ana.sync().await;
    switch_provider(&mut w.ana, &moved_away, &quinn).await;
    let responses = w.pat.sync().await;
    assert!(responses.iter().all(|r| r.refused.is_empty()), "a former provider still states: {responses:?}");
    counts_nothing(&api, &w.ana, &moved_away, "confirmation by a former provider").await;
    attempts += 1;

    // 15. The supervisee deletes the provider's dispute from the document.
    let r = raw_push(&mut w.ana, &contested, |raw| {
        let statements = map_of(raw, "statements");
        raw.delete(&statements, ana.as_str()).expect("delete");
    })
    .await;
    refused(&r, RefusalCode::NotAllowed, "deleting a dispute");
    counts_nothing(&api, &w.ana, &contested, "deleting a dispute").await;
    attempts += 1;

    // 16. An attendee of a group edits the session's length after confirmation.
    let shared = w.ana.log(&pat, SessionKind::Group, &[(&ana, 60), (&ben, 60)]);
    w.ana.sync().await;
    w.ben.sync().await;
    let r = raw_push(&mut w.ben, &shared, |raw| raw.put(ROOT, "minutes", 120).expect("put")).await;
    refused(&r, RefusalCode::NotAllowed, "an attendee edits shared fields");
    counts_nothing(&api, &w.ben, &shared, "an attendee edits shared fields").await;
    attempts += 1;

    // 17. Confirmed minutes above what the attendee logged, signed by the real provider's key
    //     but not matching the session: counts nothing.
    let inflated = logged(&mut w.ana, &pat, "2025-09-16").await;
    w.pat.sync().await;
    let signed = statement(&pat_key, &inflated, &ana, &pat, "2025-09-16", 90, 90, signed_at(13));
    raw_push(&mut w.pat, &inflated, |raw| put_statement(raw, &ana, signed)).await;
    counts_nothing(&api, &w.ana, &inflated, "minutes that do not match").await;
    attempts += 1;

    // 18. An edit after confirmation (by the person who logged it) uncounts the session.
    let edited = logged(&mut w.ana, &pat, "2025-09-17").await;
    confirmed(&mut w.pat, &edited, &ana, 60).await;
    w.ana.sync().await;
    w.ana.edit(&edited, |d, me| {
        d.edit(me, SessionEdit { format: Some(SessionFormat::Phone), ..Default::default() }).expect("edit")
    });
    w.ana.sync().await;
    counts_nothing(&api, &w.ana, &edited, "edited after confirmation").await;
    attempts += 1;

    // 19-22. Credential boundaries: lapsed, revoked, not accepted by the rulebook, not approved.
    for (n, provider, device, date, what) in [
        (19, &quinn, 1, "2025-07-01", "the day after the endorsement lapsed"),
        (20, &tess, 3, "2023-05-01", "after the endorsement was revoked"),
        (21, &rae, 2, "2025-09-18", "a credential the rulebook does not accept"),
        (22, &val, 4, "2025-09-19", "a claim staff never approved"),
    ] {
        let doc = logged(&mut w.ana, provider, date).await;
        let confirmer = match device {
            1 => &mut w.quinn,
            2 => &mut w.rae,
            3 => &mut w.tess,
            _ => &mut w.val,
        };
        confirmed(confirmer, &doc, &ana, 60).await;
        counts_nothing(&api, &w.ana, &doc, &format!("{n}: {what}")).await;
        attempts += 1;
    }

    // 23. A session dated in the future cannot be confirmed.
    let tomorrow = Date::from_unix_millis(rsc_service::clock::now_ms() + 86_400_000).expect("date").to_string();
    let future = logged(&mut w.ana, &pat, &tomorrow).await;
    w.pat.sync().await;
    let future_statement = statement(&pat_key, &future, &ana, &pat, &tomorrow, 90, 60, rsc_service::clock::now_ms());
    let r = raw_push(&mut w.pat, &future, |raw| put_statement(raw, &ana, future_statement)).await;
    refused(&r, RefusalCode::InvalidSession, "a session that has not happened");
    counts_nothing(&api, &w.ana, &future, "a session that has not happened").await;
    attempts += 1;

    // 24. A session dated 1901.
    let ancient = logged(&mut w.ana, &pat, "2025-09-22").await;
    let r = raw_push(&mut w.ana, &ancient, |raw| raw.put(ROOT, "date", "1901-01-01").expect("put")).await;
    refused(&r, RefusalCode::InvalidSession, "a session dated 1901");
    attempts += 1;

    // 25. A field the schema does not know, claiming the session is confirmed.
    let r = raw_push(&mut w.ana, &ancient, |raw| raw.put(ROOT, "confirmed", true).expect("put")).await;
    refused(&r, RefusalCode::Undecodable, "an unknown field");
    counts_nothing(&api, &w.ana, &ancient, "an unknown field").await;
    attempts += 1;

    // 26. A provider switch after an unaccepted provider confirmed: the old statement does not
    //     carry over to the new provider.
    let switched = logged(&mut w.ana, &rae, "2025-09-23").await;
    confirmed(&mut w.rae, &switched, &ana, 60).await;
    w.ana.sync().await;
    switch_provider(&mut w.ana, &switched, &pat).await;
    counts_nothing(&api, &w.ana, &switched, "a statement by a previous provider").await;
    attempts += 1;

    // 27. A statement about one session replayed into a new session with the same fields.
    let replay_target = logged(&mut w.ana, &pat, "2025-09-02").await;
    w.pat.sync().await;
    let r = raw_push(&mut w.pat, &replay_target, |raw| put_statement(raw, &ana, real.to_bytes())).await;
    refused(&r, RefusalCode::NotAllowed, "a replayed statement");
    counts_nothing(&api, &w.ana, &replay_target, "a replayed statement").await;
    attempts += 1;

    // 28. The signed export, altered to credit a session, no longer verifies.
    let query = format!("rulebook=nmaimh&as_of={AS_OF}");
    let bytes = api
        .http
        .get(format!("{}/v1/me/exports/json?{query}", api.base))
        .bearer_auth(&w.ana.token)
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("body")
        .to_vec();
    let text = String::from_utf8(bytes).expect("utf-8");
    let tampered = text.replacen("\"counted_minutes\": 0,", "\"counted_minutes\": 60,", 1);
    assert!(tampered != text, "there is an uncounted session to tamper with");
    let (_, keys) = api.get("/v1/server-keys", None).await;
    let keys: Vec<rsc_export::PublishedKey> = serde_json::from_value(keys).expect("keys");
    assert!(rsc_export::verify(tampered.as_bytes(), Some(&keys)).is_err(), "a tampered export fails");
    attempts += 1;

    assert!(attempts >= 25, "{attempts} attempts");
    // And the control still counts, exactly once.
    let (_, evaluation) = api.get(&format!("/v1/me/evaluation?{query}"), Some(&w.ana.token)).await;
    assert_eq!(counted(&evaluation, &control), 60);
    let _ = (&w.staff, &w.tess);
}
