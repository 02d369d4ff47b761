//! The holes found from outside, tried again the way an outside attacker would, against real
//! `rsc-server` processes on SQLite and on Postgres: a stranger asking by endorsement number, an
//! ended connection, a group's directory, an open redirect, a formula in a name, exports asked
//! for at once, a stream outliving its device, a provider swapped back, existence oracles,
//! guessed export links, a lock-out by strangers, and NUL bytes. Each check fails if its hole
//! opens again; none may answer a 5xx. (The in-process suites of `rsc-server` try each in more
//! ways; the privacy walk is `privacy.rs`; held streams under a low open-file limit are in
//! `server_processes.rs`.)

use std::time::Duration;

use rsc_model::{Minutes, SessionKind};
use rsc_protocol::{Bytes, DocPush, RefusalCode, SyncRequest, SyncResponse};
use serde_json::json;

use rsc_test_kit::{Api, Device, signed_at};

const PASSWORD: &str = "a long enough password";

async fn person(api: &Api, name: &str) -> Device {
    api.register(name).await;
    Device::sign_in(api, name).await
}

fn refusals(responses: &[SyncResponse]) -> Vec<RefusalCode> {
    responses.iter().flat_map(|r| r.refused.iter().map(|x| x.code)).collect()
}

async fn push(device: &Device, push: Vec<DocPush>) -> SyncResponse {
    let request =
        SyncRequest { v: 1, cursor: None, push, page_changes: None, account_version: None, trainings: Vec::new() };
    let (status, body) =
        device.api.post("/v1/sync", Some(&device.token), &serde_json::to_value(&request).expect("json")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("response")
}

async fn an_attacker_finds_every_hole_closed(database: Option<&str>) {
    let (_server, api) = rsc_test_kit::process::start_server_on(database).await;
    let staff = Device::sign_in(&api, "staff").await;
    let csv = "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n\
               NM-7,pat,pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n";
    assert_eq!(api.import_registry(&staff.token, "hostile.csv", csv.to_string()).await, 200);
    let mut pat = person(&api, "pat").await;
    let (_, claim) = api.post("/v1/me/claims", Some(&pat.token), &json!({ "number": "NM-7" })).await;
    let approve = format!("/v1/registry/claims/{}/approve", claim["id"].as_str().expect("claim"));
    assert_eq!(api.post(&approve, Some(&staff.token), &json!({})).await.0, 200);
    let mut ana = person(&api, "ana").await;
    let ben = person(&api, "ben").await;
    let mut eve = person(&api, "eve").await;
    pat.connect(&[&ana, &ben]).await;
    let group = pat.group("Tuesday", &[&ana, &ben]).await;
    let (ana_id, ben_id, pat_id, eve_id) =
        (ana.user_id.clone(), ben.user_id.clone(), pat.user_id.clone(), eve.user_id.clone());

    // Consent: a stranger asking by number sees Pat alone and cannot log with her; declined
    // means declined.
    let (status, _) =
        api.post("/v1/connections/requests", Some(&eve.token), &json!({ "endorsement_number": "NM-7" })).await;
    assert_eq!(status, 201);
    let (_, directory) = api.get("/v1/me/providers", Some(&eve.token)).await;
    assert!(
        !directory.to_string().contains(ana_id.as_str()) && !directory.to_string().contains("\"ana\""),
        "{directory}"
    );
    eve.log(&pat_id, SessionKind::Individual, &[(&eve_id, 60)]);
    assert_eq!(refusals(&eve.sync().await), [RefusalCode::NotConnected]);
    let decline = format!("/v1/connections/requests/{eve_id}/decline");
    assert_eq!(api.post(&decline, Some(&pat.token), &json!({})).await.0, 200);
    assert_eq!(
        api.post("/v1/connections/requests", Some(&eve.token), &json!({ "endorsement_number": "NM-7" })).await.0,
        409
    );

    // A group's directory: Ana and Ben see each other under Pat, and log together.
    let (_, bens) = api.get("/v1/me/providers", Some(&ben.token)).await;
    let bens: rsc_protocol::ProviderDirectory = serde_json::from_value(bens).expect("directory");
    assert!(bens.connected(pat_id.as_str(), ana_id.as_str()));
    let doc = ana.log(&pat_id, SessionKind::Group, &[(&ana_id, 90), (&ben_id, 90)]);
    assert!(refusals(&ana.sync().await).is_empty());
    pat.sync().await;
    let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    pat.edit(&doc, |d, me| {
        for who in [&ana_id, &ben_id] {
            d.confirm(&key, me, who, Minutes::new(90, "m").expect("m"), signed_at(1)).expect("confirm");
        }
    });
    pat.sync().await;

    // Existence oracles: Eve's own change pushed under Ana's session's id and under an unknown
    // one gets one answer.
    let mut own = automerge::AutoCommit::new().with_actor(eve.actor.clone());
    automerge::transaction::Transactable::put(&mut own, automerge::ROOT, "x", 1).expect("put");
    own.commit();
    let change: Vec<Bytes> = own.get_changes(&[]).iter().map(|c| Bytes(c.raw_bytes().to_vec())).collect();
    let unknown = rsc_model::Id::fresh([7; 16], 1).to_string();
    let answers = push(
        &eve,
        vec![DocPush { doc: doc.clone(), changes: change.clone() }, DocPush { doc: unknown, changes: change }],
    )
    .await
    .refused;
    assert_eq!((answers[0].code, &answers[0].message), (answers[1].code, &answers[1].message), "{answers:?}");

    // Exports asked for at once are each their own, with a 130-bit id; a formula in a name
    // reaches the CSV as text; Ben is not in Ana's export.
    assert_eq!(
        api.call("PUT", "/v1/me/profile", Some(&ana.token), Some(&json!({ "rulebook": "nmaimh" }))).await.0,
        200
    );
    assert_eq!(
        api.call("PUT", "/v1/me/profile", Some(&pat.token), Some(&json!({ "display_name": "=CMD()" }))).await.0,
        200
    );
    let mut asked = Vec::new();
    for _ in 0..16 {
        let http = api.http.clone();
        let url = format!("{}/v1/me/exports/csv?as_of=2025-06-01", api.base);
        let token = ana.token.clone();
        asked.push(tokio::spawn(async move {
            let response = http.get(url).bearer_auth(token).send().await.expect("export");
            let id = response.headers().get("x-rsc-export-id").map(|v| v.to_str().expect("id").to_string());
            (response.status().as_u16(), id, response.text().await.expect("csv"))
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for one in asked {
        let (status, id, csv) = one.await.expect("task");
        assert_eq!(status, 200, "{csv}");
        let id = id.expect("id");
        assert_eq!(id.len(), 26);
        ids.insert(id);
        assert!(csv.contains(",'=CMD(),") && !csv.contains(",=CMD()") && !csv.contains("ben"), "{csv}");
    }
    assert_eq!(ids.len(), 16);

    // Guessing export links is throttled per address.
    let mut statuses = Vec::new();
    for i in 0..32 {
        statuses.push(api.get_text(&format!("/verify/{:0>26}", i), "").await.0);
    }
    assert!(statuses.iter().all(|s| *s == 404 || *s == 429) && statuses.last() == Some(&429), "{statuses:?}");

    // A stream ends within a second of its device being revoked.
    let tablet = Device::sign_in(&api, "ben").await;
    let mut stream =
        api.http.get(format!("{}/v1/events", api.base)).bearer_auth(&tablet.token).send().await.expect("events");
    assert_eq!(stream.status().as_u16(), 200);
    stream.chunk().await.expect("read").expect("ready");
    assert_eq!(api.call("DELETE", &format!("/v1/devices/{}", tablet.device_id), Some(&ben.token), None).await.0, 204);
    let ended =
        tokio::time::timeout(Duration::from_secs(1), async { while stream.chunk().await.expect("read").is_some() {} })
            .await;
    assert!(ended.is_ok(), "the revoked tablet's stream ended within a second");

    // An ended connection blocks new sessions; handing a session back to a provider who ended
    // it is refused too.
    assert_eq!(api.call("DELETE", &format!("/v1/connections/people/{pat_id}"), Some(&ana.token), None).await.0, 204);
    ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    assert_eq!(refusals(&ana.sync().await), [RefusalCode::NotConnected]);
    let quinn = person(&api, "quinn").await;
    quinn.connect(&[&ben]).await;
    let mut ben_phone = ben;
    let moved = ben_phone.log(&pat_id, SessionKind::Individual, &[(&ben_id, 60)]);
    assert!(refusals(&ben_phone.sync().await).is_empty());
    let hand = |to: rsc_model::Id| {
        move |d: &mut rsc_doc::SessionDoc, by: &rsc_model::Id| {
            d.edit(by, rsc_doc::SessionEdit { provider: Some(to), ..Default::default() }).expect("edit");
        }
    };
    ben_phone.edit(&moved, hand(quinn.user_id.clone()));
    assert!(refusals(&ben_phone.sync().await).is_empty(), "to Quinn, whom Ben is connected to");
    assert_eq!(api.call("DELETE", &format!("/v1/connections/people/{ben_id}"), Some(&pat.token), None).await.0, 204);
    ben_phone.edit(&moved, hand(pat_id.clone()));
    assert_eq!(refusals(&ben_phone.sync().await), [RefusalCode::NotConnected], "back to Pat, who ended it");

    // The open redirect after sign-in, and a next with a line break.
    for next in ["/\t/evil.example", "/\r\n/evil.example", "/\u{b}/evil.example"] {
        let response = api.portal_sign_in("quinn@example.org", PASSWORD, next).await;
        assert_eq!(response.status().as_u16(), 303, "{next:?}");
        assert_eq!(response.headers()["location"], "/", "{next:?}");
    }

    // A lock-out by strangers: the owner's known device still signs in.
    let login = |mark: Option<&str>, password: &str| {
        let mut body = json!({ "email": "quinn@example.org", "password": password,
            "device": { "name": "phone", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                        "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } });
        if let Some(mark) = mark {
            body["known_client"] = json!(mark);
        }
        body
    };
    let (_, first) = api.post("/v1/login", None, &login(None, PASSWORD)).await;
    let mark = first["known_client"].as_str().expect("mark").to_string();
    for _ in 0..12 {
        let status = api.post("/v1/login", None, &login(None, "a stranger guessing")).await.0;
        assert!(status == 401 || status == 429);
    }
    assert_eq!(api.post("/v1/login", None, &login(None, PASSWORD)).await.0, 429);
    assert_eq!(api.post("/v1/login", None, &login(Some(&mark), PASSWORD)).await.0, 200);

    // NUL bytes: refused by name on both backends, never a 5xx.
    let (status, body) = api.get("/v1/registry/records/%00", Some(&staff.token)).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("path")), "{body}");
    let (status, body) = api.post("/v1/me/claims", Some(&pat.token), &json!({ "number": "NM\u{0}7" })).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("number")), "{body}");
    let (status, body) = api.post("/v1/groups", Some(&pat.token), &json!({ "name": "a\u{0}b" })).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("name")), "{body}");
    assert!(!group.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hole_stays_closed_on_sqlite() {
    an_attacker_finds_every_hole_closed(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hole_stays_closed_on_postgres() {
    let Some((name, url)) = rsc_test_kit::create_postgres_db().await else { return };
    an_attacker_finds_every_hole_closed(Some(&url)).await;
    rsc_test_kit::drop_postgres_db(&name).await;
}
