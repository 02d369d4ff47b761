//! Consent: asking by endorsement number waits for the provider; either side ends a
//! connection; a provider's groups are hers alone; and whoever a push pairs with a provider is
//! checked against the session as it stood, however the pairing is made. Each as a hostile
//! user would try it.

use rsc_model::{Minutes, SessionKind};
use rsc_protocol::{ProviderDirectory, RefusalCode, SyncResponse};
use rsc_server::RunningServer;
use rsc_server::store::Store;
use serde_json::{Value, json};

use rsc_test_kit::{Api, Device, signed_at};

const HEADER: &str =
    "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n";

pub async fn person(api: &Api, name: &str) -> Device {
    api.register(name).await;
    Device::sign_in(api, name).await
}

/// Makes `provider` (registered as `name`) the holder of registry record `number`, as staff
/// would.
pub async fn holds<S: Store>(store: &S, api: &Api, provider: &Device, name: &str, number: &str) {
    let staff = format!("staff-{number}");
    let admin = rsc_test_kit::staff_device(store, api, &staff).await;
    let email = format!("{}@example.org", name.to_lowercase());
    let csv = format!("{HEADER}{number},{name},{email},IMHM-C,NMAIMH,2020-03-01,2030-12-31,\n");
    assert_eq!(api.import_registry(&admin.token, "test.csv", csv).await, 200);
    let (status, claim) = api.post("/v1/me/claims", Some(&provider.token), &json!({ "number": number })).await;
    assert_eq!(status, 201, "{claim}");
    let approve = format!("/v1/registry/claims/{}/approve", claim["id"].as_str().expect("id"));
    let (status, body) = api.post(&approve, Some(&admin.token), &json!({ "note": "checked the licence" })).await;
    assert_eq!(status, 200, "{body}");
}

fn refusals(responses: &[SyncResponse]) -> Vec<(RefusalCode, String)> {
    responses.iter().flat_map(|r| r.refused.iter().map(|x| (x.code, x.message.clone()))).collect()
}

async fn directory(api: &Api, device: &Device) -> ProviderDirectory {
    let (status, body) = api.get("/v1/me/providers", Some(&device.token)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("directory")
}

async fn entries(api: &Api, device: &Device) -> Vec<Value> {
    let (status, body) = api.get("/v1/connections", Some(&device.token)).await;
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().expect("entries").clone()
}

/// A request by number connects nobody until the provider accepts; declined means declined,
/// for a week; nobody else can answer it; and until then the asker sees the provider alone.
async fn a_request_by_number_waits_for_the_provider<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let pat = person(&api, "Pat").await;
    let quinn = person(&api, "Quinn").await;
    let mut cora = person(&api, "Cora").await;
    let mut dan = person(&api, "Dan").await;
    let ana = person(&api, "Ana").await;
    pat.connect(&[&ana]).await;
    holds(&store, &api, &pat, "Pat", "NM-7").await;

    let (status, asked) =
        api.post("/v1/connections/requests", Some(&cora.token), &json!({ "endorsement_number": "NM-7" })).await;
    assert_eq!((status, asked["state"].as_str()), (201, Some("requested")), "{asked}");
    assert_eq!(asked["person"]["display_name"], "Pat");
    assert!(asked.get("email").is_none(), "the asker is not shown her own email back: {asked}");
    // Asking again while it waits changes nothing.
    let (status, again) =
        api.post("/v1/connections/requests", Some(&cora.token), &json!({ "endorsement_number": "NM-7" })).await;
    assert_eq!((status, &again["since_ms"]), (201, &asked["since_ms"]));

    // Cora sees Pat by name, and nobody else: not Ana, who is Pat's.
    let hers = directory(&api, &cora).await;
    assert_eq!(hers.name(pat.user_id.as_str()), Some("Pat"));
    assert_eq!(hers.people.iter().map(|p| p.display_name.as_str()).collect::<Vec<_>>(), ["Cora"]);
    assert!(!hers.connected(pat.user_id.as_str(), cora.user_id.as_str()), "not connected yet");
    // Pat sees the request with Cora's name and email, and Cora is nobody she may name yet.
    let pats = entries(&api, &pat).await;
    let request = pats.iter().find(|e| e["state"] == "requested").expect("the request");
    assert_eq!(
        (request["person"]["display_name"].as_str(), request["email"].as_str()),
        (Some("Cora"), Some("cora@example.org"))
    );
    assert_eq!(request["endorsement_number"], "NM-7");
    assert!(!directory(&api, &pat).await.connected(pat.user_id.as_str(), cora.user_id.as_str()));

    // She cannot log a session with Pat yet.
    let (cora_id, pat_id) = (cora.user_id.clone(), pat.user_id.clone());
    cora.log(&pat_id, SessionKind::Individual, &[(&cora_id, 60)]);
    assert_eq!(refusals(&cora.sync().await).iter().map(|r| r.0).collect::<Vec<_>>(), [RefusalCode::NotConnected]);

    // Nobody but Pat answers it: not Cora herself, not another provider; each hears what an
    // unknown person would.
    let accept = |who: &str| format!("/v1/connections/requests/{who}/accept");
    let (status, own) = api.post(&accept(pat.user_id.as_str()), Some(&cora.token), &json!({})).await;
    let (status2, other) = api.post(&accept(cora.user_id.as_str()), Some(&quinn.token), &json!({})).await;
    let (status3, nobody) =
        api.post(&accept("d3b07384-d9a0-4c9b-8a7e-000000000000"), Some(&pat.token), &json!({})).await;
    let (status4, garbage) = api.post(&accept("%00"), Some(&pat.token), &json!({})).await;
    assert_eq!((status, status2, status3), (404, 404, 404), "{own} {other} {nobody}");
    assert!(own == other && other == nobody, "one answer: {own} {other} {nobody}");
    assert_eq!((status4, garbage["field"].as_str()), (422, Some("path")), "a NUL is refused by name: {garbage}");

    // Pat declines: Cora is told, with the day she may ask again; asking sooner is refused.
    let decline = format!("/v1/connections/requests/{}/decline", cora.user_id);
    let (status, declined) = api.post(&decline, Some(&pat.token), &json!({})).await;
    assert_eq!((status, declined["state"].as_str()), (200, Some("declined")), "{declined}");
    let told = entries(&api, &cora).await;
    assert_eq!(told[0]["state"], "declined");
    assert_eq!(told[0]["ended_by_me"], false);
    assert!(told[0]["ask_again_from_ms"].as_i64().expect("when") > told[0]["ended_at_ms"].as_i64().expect("declined"));
    let (status, refused) =
        api.post("/v1/connections/requests", Some(&cora.token), &json!({ "endorsement_number": "NM-7" })).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["message"].as_str().is_some_and(|m| m.contains("declined") && m.contains("ask again from")),
        "{refused}"
    );
    assert!(entries(&api, &pat).await.iter().all(|e| e["state"] != "declined"), "Pat's list drops what she declined");
    let (status, _) = api.post(&decline, Some(&pat.token), &json!({})).await;
    assert_eq!(status, 404, "declined once");

    // Dan asks through an app released before requests (the old route): told it waits.
    let (status, body) = api.post("/v1/connections", Some(&dan.token), &json!({ "endorsement_number": "NM-7" })).await;
    assert_eq!(status, 409, "never shown as connected: {body}");
    let (status, accepted) = api.post(&accept(dan.user_id.as_str()), Some(&pat.token), &json!({})).await;
    assert_eq!(
        (status, accepted["state"].as_str(), accepted["source"].as_str()),
        (200, Some("connected"), Some("request")),
        "{accepted}"
    );
    let dan_id = dan.user_id.clone();
    dan.log(&pat_id, SessionKind::Individual, &[(&dan_id, 60)]);
    assert!(refusals(&dan.sync().await).is_empty(), "connected: his session is taken");
    assert!(directory(&api, &dan).await.connected(pat.user_id.as_str(), dan.user_id.as_str()));

    // Bad numbers are refused by field, never a 5xx.
    for bad in ["", "   ", "NM\u{0}7", &"9".repeat(65)] {
        let (status, body) =
            api.post("/v1/connections/requests", Some(&cora.token), &json!({ "endorsement_number": bad })).await;
        assert_eq!((status, body["field"].as_str()), (422, Some("endorsement_number")), "{bad:?}: {body}");
    }
    let (status, body) =
        api.post("/v1/connections/requests", Some(&cora.token), &json!({ "endorsement_number": "NM-404" })).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) =
        api.post("/v1/connections/requests", Some(&pat.token), &json!({ "endorsement_number": "NM-7" })).await;
    assert_eq!(status, 422, "nobody asks herself");
    server.stop().await.expect("stop");
}

/// Either side ends a connection: the other sees who ended it and when; sessions already logged
/// stay and can still be confirmed; new sessions between them are refused as if they had never
/// connected; and a code connects them again.
async fn either_side_ends_a_connection<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut ana = person(&api, "Ana").await;
    let ben = person(&api, "Ben").await;
    let mut pat = person(&api, "Pat").await;
    pat.connect(&[&ana, &ben]).await;
    let (ana_id, pat_id) = (ana.user_id.clone(), pat.user_id.clone());
    let doc = ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    assert!(refusals(&ana.sync().await).is_empty());

    let end = |who: &rsc_model::Id| format!("/v1/connections/people/{who}");
    let (status, body) = api.call("DELETE", &end(&pat_id), Some(&ana.token), None).await;
    assert_eq!(status, 204, "{body}");
    let pats = entries(&api, &pat).await;
    let ended = pats.iter().find(|e| e["person"]["display_name"] == "Ana").expect("Ana is listed");
    assert_eq!((ended["state"].as_str(), ended["ended_by_me"].as_bool()), (Some("ended"), Some(false)), "{ended}");
    assert!(ended["ended_at_ms"].is_i64());
    let hers = entries(&api, &ana).await;
    assert_eq!((hers[0]["state"].as_str(), hers[0]["ended_by_me"].as_bool()), (Some("ended"), Some(true)));

    // The old session stays and Pat can still confirm it; a new one is refused.
    pat.sync().await;
    let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    let (a, p) = (ana_id.clone(), pat_id.clone());
    pat.edit(&doc, |d, _| {
        d.confirm(&key, &p, &a, Minutes::new(60, "m").expect("m"), signed_at(1)).expect("confirm");
    });
    assert!(refusals(&pat.sync().await).is_empty(), "a session logged before the end is still confirmed");
    ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    assert_eq!(refusals(&ana.sync().await).iter().map(|r| r.0).collect::<Vec<_>>(), [RefusalCode::NotConnected]);
    let (status, rows) = api.get("/v1/me/pending-confirmations", Some(&pat.token)).await;
    assert_eq!(status, 200);
    assert!(rows.as_array().expect("list").is_empty(), "nothing new waits for Pat: {rows}");

    // Pat ends hers with Ben; ending again, or with a stranger or garbage, answers alike.
    let (status, _) = api.call("DELETE", &end(&ben.user_id), Some(&pat.token), None).await;
    assert_eq!(status, 204);
    assert_eq!(entries(&api, &ben).await[0]["ended_by_me"], false);
    let mut answers = Vec::new();
    for path in [end(&ben.user_id), end(&pat_id), "/v1/connections/people/nobody".into()] {
        answers.push(api.call("DELETE", &path, Some(&pat.token), None).await);
    }
    assert!(answers.iter().all(|a| a == &answers[0] && a.0 == 404), "{answers:?}");
    let (status, body) = api.call("DELETE", "/v1/connections/people/%00", Some(&pat.token), None).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("path")), "{body}");

    // A code connects them again, recorded as such.
    pat.connect(&[&ana]).await;
    let again = entries(&api, &ana).await;
    assert_eq!((again[0]["state"].as_str(), again[0]["source"].as_str()), (Some("connected"), Some("code")));
    server.stop().await.expect("stop");
}

/// A provider's groups are hers: only people connected to her go in, nobody else reads or
/// changes them, names and sizes are bounded, and an archived group shows its members to
/// nobody.
async fn groups_are_the_providers_own<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let ana = person(&api, "Ana").await;
    let ben = person(&api, "Ben").await;
    let cleo = person(&api, "Cleo").await;
    let pat = person(&api, "Pat").await;
    let quinn = person(&api, "Quinn").await;
    pat.connect(&[&ana, &ben]).await;
    quinn.connect(&[&cleo]).await;
    let ids = |people: &[&Device]| -> Vec<String> { people.iter().map(|p| p.user_id.to_string()).collect() };

    // Cleo is Quinn's, not Pat's: refused, by field, without her name.
    let (status, body) =
        api.post("/v1/groups", Some(&pat.token), &json!({ "name": "Tuesday", "members": ids(&[&ana, &cleo]) })).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("members")), "{body}");
    assert!(!body.to_string().contains("Cleo"), "{body}");
    let group = pat.group("Tuesday reflective group", &[&ana, &ben]).await;
    assert!(directory(&api, &ana).await.connected(pat.user_id.as_str(), ben.user_id.as_str()), "Ana sees Ben");

    for (name, field) in [("", "name"), ("  ", "name"), ("tuesday REFLECTIVE group", "name"), (&"x".repeat(81), "name")]
    {
        let (status, body) = api.post("/v1/groups", Some(&pat.token), &json!({ "name": name })).await;
        assert_eq!((status, body["field"].as_str()), (422, Some(field)), "{name:?}: {body}");
    }
    let many: Vec<String> = (0..61).map(|i| format!("00000000-0000-4000-8000-{i:012}")).collect();
    let (status, body) = api.post("/v1/groups", Some(&pat.token), &json!({ "name": "Big", "members": many })).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("members")), "{body}");

    // Quinn cannot read, rename, archive or fill Pat's group: she hears what a made-up id hears.
    let (_, quinns) = api.get("/v1/groups", Some(&quinn.token)).await;
    assert!(!quinns.to_string().contains(&group), "{quinns}");
    let path = format!("/v1/groups/{group}");
    let made_up = "/v1/groups/00000000-0000-4000-8000-000000000000".to_string();
    let mut answers = Vec::new();
    for target in [&path, &made_up] {
        answers.push(api.call("PATCH", target, Some(&quinn.token), Some(&json!({ "name": "Mine" }))).await);
        answers
            .push(api.post(&format!("{target}/members"), Some(&quinn.token), &json!({ "member": cleo.user_id })).await);
        answers.push(api.call("DELETE", &format!("{target}/members/{}", ana.user_id), Some(&quinn.token), None).await);
    }
    assert!(answers.iter().all(|a| a.0 == 404 && a.1 == answers[0].1), "{answers:?}");

    // Archived, the group shows its members to nobody and is not offered; brought back, it is.
    let (status, body) = api.call("PATCH", &path, Some(&pat.token), Some(&json!({ "archived": true }))).await;
    assert_eq!((status, body["archived"].as_bool()), (200, Some(true)), "{body}");
    let (_, anas) = api.get("/v1/groups", Some(&ana.token)).await;
    assert_eq!(anas, json!([]));
    assert!(!directory(&api, &ana).await.connected(pat.user_id.as_str(), ben.user_id.as_str()));
    assert_eq!(directory(&api, &ana).await.name(ben.user_id.as_str()), None, "Ben is nobody Ana sees now");
    let (status, _) =
        api.call("PATCH", &path, Some(&pat.token), Some(&json!({ "archived": false, "name": "Tuesdays" }))).await;
    assert_eq!(status, 200);
    let (_, anas) = api.get("/v1/groups", Some(&ana.token)).await;
    assert_eq!(anas[0]["name"], "Tuesdays");

    // Taking Ben out, then Ana ending her connection, leaves the group empty of both.
    let (status, body) = api.call("DELETE", &format!("{path}/members/{}", ben.user_id), Some(&pat.token), None).await;
    assert_eq!((status, body["members"].as_array().map(Vec::len)), (200, Some(1)), "{body}");
    let (status, _) =
        api.call("DELETE", &format!("/v1/connections/people/{}", pat.user_id), Some(&ana.token), None).await;
    assert_eq!(status, 204);
    let (_, pats) = api.get("/v1/groups", Some(&pat.token)).await;
    assert_eq!(pats[0]["members"], json!([]), "ending takes Ana out: {pats}");
    let (status, body) =
        api.post(&format!("{path}/members"), Some(&pat.token), &json!({ "member": ana.user_id })).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("member")), "no longer connected: {body}");
    server.stop().await.expect("stop");
}

/// Handing a session back to a former provider pairs its attendees with her again: each must
/// be connected to her now, however often she took part before.
async fn a_provider_swap_checks_every_new_pair<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut ana = person(&api, "Ana").await;
    let pat = person(&api, "Pat").await;
    let quinn = person(&api, "Quinn").await;
    pat.connect(&[&ana]).await;
    quinn.connect(&[&ana]).await;
    let (ana_id, pat_id, quinn_id) = (ana.user_id.clone(), pat.user_id.clone(), quinn.user_id.clone());
    let doc = ana.log(&quinn_id, SessionKind::Individual, &[(&ana_id, 60)]);
    assert!(refusals(&ana.sync().await).is_empty());
    let hand_to = |provider: rsc_model::Id| {
        move |d: &mut rsc_doc::SessionDoc, by: &rsc_model::Id| {
            d.edit(by, rsc_doc::SessionEdit { provider: Some(provider), ..Default::default() }).expect("edit");
        }
    };
    ana.edit(&doc, hand_to(pat_id.clone()));
    assert!(refusals(&ana.sync().await).is_empty(), "to Pat, whom Ana is connected to");
    // Quinn ends it; Quinn took part before, but may not be handed the session again.
    let (status, _) = api.call("DELETE", &format!("/v1/connections/people/{ana_id}"), Some(&quinn.token), None).await;
    assert_eq!(status, 204);
    ana.edit(&doc, hand_to(quinn_id.clone()));
    let refused = refusals(&ana.sync().await);
    assert_eq!(refused.iter().map(|r| r.0).collect::<Vec<_>>(), [RefusalCode::NotConnected], "{refused:?}");
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    a_request_by_number_waits_for_the_provider,
    either_side_ends_a_connection,
    groups_are_the_providers_own,
    a_provider_swap_checks_every_new_pair,
);
