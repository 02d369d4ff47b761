//! Connections through the real server: codes made, shared, withdrawn and guessed at; sessions
//! that name someone not connected to their provider; the directory that carries names.

use rsc_model::SessionKind;
use rsc_protocol::{Connected, ConnectionCode, Connections, ProviderDirectory, RefusalCode, SyncResponse};
use rsc_server::RunningServer;
use rsc_server::store::{ConnectionCodeRecord, Store};
use serde_json::json;

use rsc_test_kit::{Api, Device};

/// `name`, signed up as the first word of it in lower case (`pat@example.org`).
async fn person(api: &Api, name: &str) -> Device {
    let login = name.split_whitespace().next().unwrap_or(name).to_lowercase();
    let body =
        json!({ "email": format!("{login}@example.org"), "password": "a long enough password", "display_name": name });
    assert_eq!(api.post("/v1/accounts", None, &body).await.0, 202);
    Device::sign_in(api, &login).await
}

async fn new_code(api: &Api, provider: &Device, body: serde_json::Value) -> (u16, serde_json::Value) {
    api.post("/v1/connections/codes", Some(&provider.token), &body).await
}

async fn connect(api: &Api, who: &Device, code: &str) -> (u16, serde_json::Value) {
    api.post("/v1/connections", Some(&who.token), &json!({ "code": code })).await
}

async fn codes_connect_by_name_and_can_be_withdrawn<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let pat = person(&api, "Pat Núñez").await;
    let ana = person(&api, "Ana").await;
    let ben = person(&api, "Ben").await;

    let (status, body) = new_code(&api, &pat, json!({ "valid_days": 7 })).await;
    assert_eq!(status, 201, "{body}");
    let code: ConnectionCode = serde_json::from_value(body).expect("code");
    assert_eq!(code.code.len(), 9, "shown as two groups of four: {}", code.code);
    assert_eq!(code.expires_at_ms - code.created_at_ms, 7 * 24 * 3600 * 1000);
    assert_eq!(code.link_path, format!("/connect/{}", code.code.replace('-', "")));

    // Typed in lower case, or as the whole link: the same code.
    let (status, body) = connect(&api, &ana, &code.code.to_lowercase()).await;
    assert_eq!(status, 200, "{body}");
    let connected: Connected = serde_json::from_value(body).expect("connected");
    assert_eq!((connected.provider.display_name.as_str(), connected.new), ("Pat Núñez", true));
    let link = format!("{}{}", api.base, code.link_path);
    let (status, body) = connect(&api, &ana, &link).await;
    assert_eq!((status, body["new"].as_bool()), (200, Some(false)), "connecting twice is harmless: {body}");

    let (status, body) = connect(&api, &pat, &code.code).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("code")), "a provider cannot connect to herself");
    let (status, body) = connect(&api, &ben, "pat@example.org").await;
    assert_eq!((status, body["field"].as_str()), (422, Some("code")), "not a code at all: {body}");

    let (_, listed) = api.get("/v1/connections", Some(&pat.token)).await;
    let listed: Connections = serde_json::from_value(listed).expect("connections");
    assert_eq!(listed.supervisees.iter().map(|p| p.display_name.as_str()).collect::<Vec<_>>(), ["Ana"]);
    let (_, mine) = api.get("/v1/connections", Some(&ana.token)).await;
    let mine: Connections = serde_json::from_value(mine).expect("connections");
    assert_eq!(mine.providers.iter().map(|p| p.display_name.as_str()).collect::<Vec<_>>(), ["Pat Núñez"]);
    let (_, codes) = api.get("/v1/connections/codes", Some(&pat.token)).await;
    assert_eq!(codes[0]["used"], 1, "{codes}");

    // Withdrawn: it connects nobody new, with the same answer as a code that never existed;
    // Ana stays connected.
    let withdraw = api
        .http
        .delete(format!("{}/v1/connections/codes/{}", api.base, code.code))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(withdraw.status().as_u16(), 204);
    let again =
        api.http.delete(format!("{}/v1/connections/codes/{}", api.base, code.code)).bearer_auth(&pat.token).send();
    assert_eq!(again.await.expect("delete").status().as_u16(), 404);
    let (status, withdrawn) = connect(&api, &ben, &code.code).await;
    assert_eq!(status, 404, "{withdrawn}");
    let (_, never) = connect(&api, &ben, "ZZZZ-ZZZZ").await;
    assert_eq!(withdrawn["message"], never["message"], "withdrawn and wrong codes look alike");
    let (_, codes) = api.get("/v1/connections/codes", Some(&pat.token)).await;
    assert_eq!(codes, json!([]), "withdrawn codes are no longer listed");

    // An expired code (written straight to the store, as time would leave it).
    store
        .create_connection_code(&ConnectionCodeRecord {
            code: "EXP1RED0".into(),
            provider_id: pat.user_id.to_string().into(),
            created_at_ms: 1,
            expires_at_ms: 2,
            revoked_at_ms: None,
            used: 0,
        })
        .await
        .expect("expired code");
    let (status, expired) = connect(&api, &ben, "EXP1-RED0").await;
    assert_eq!((status, &expired["message"]), (404, &never["message"]));
    let (_, listed) = api.get("/v1/connections", Some(&pat.token)).await;
    assert_eq!(listed["supervisees"].as_array().map(Vec::len), Some(1), "Ben never connected: {listed}");
    server.stop().await.expect("stop");
}

async fn code_limits_are_explicit<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let pat = person(&api, "Pat").await;
    for days in [0, 91] {
        let (status, body) = new_code(&api, &pat, json!({ "valid_days": days })).await;
        assert_eq!((status, body["field"].as_str()), (422, Some("valid_days")), "{days}: {body}");
    }
    let (status, body) = new_code(&api, &pat, json!({ "valid_days": 90, "extra": 1 })).await;
    assert_eq!(status, 400, "unknown fields are refused: {body}");
    for _ in 0..rsc_protocol::MAX_ACTIVE_CODES {
        assert_eq!(new_code(&api, &pat, json!({})).await.0, 201);
    }
    let (status, body) = new_code(&api, &pat, json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("withdraw")), "{body}");
    let (status, _) = api.post("/v1/connections/codes", None, &json!({})).await;
    assert_eq!(status, 401, "signed-in people only");
    server.stop().await.expect("stop");
}

async fn guessing_codes_is_throttled_even_in_parallel<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let pat = person(&api, "Pat").await;
    let eve = person(&api, "Eve").await;
    let (_, code) = new_code(&api, &pat, json!({})).await;
    let code = code["code"].as_str().expect("code").to_string();
    // Thirty wrong guesses at once: exactly the limit are judged, the rest wait.
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..30 {
        let (api, token) = (api.clone(), eve.token.clone());
        guesses.spawn(async move {
            let guess = format!("AAAA{i:04}");
            api.post("/v1/connections", Some(&token), &json!({ "code": guess })).await.0
        });
    }
    let statuses = guesses.join_all().await;
    let judged = statuses.iter().filter(|s| **s == 404).count() as i64;
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((judged, throttled), (rsc_protocol::CONNECT_FAILURES_PER_HOUR, 30 - judged as usize), "{statuses:?}");
    // Even the right code now waits: the throttle does not tell right from wrong.
    let (status, body) = connect(&api, &eve, &code).await;
    assert_eq!(status, 429, "{body}");
    // Eve's friends guess from the same address too: sixty more wrong codes.
    for friend in ["Fay", "Gil", "Hal", "Ivy", "Jo", "Kit"] {
        let friend = person(&api, friend).await;
        for i in 0..rsc_protocol::CONNECT_FAILURES_PER_HOUR {
            assert_eq!(connect(&api, &friend, &format!("BBBB{i:04}")).await.0, 404);
        }
    }
    // A colleague behind the same address, with the right code, is not held up by any of it.
    let ana = person(&api, "Ana").await;
    assert_eq!(connect(&api, &ana, &code).await.0, 200);
    server.stop().await.expect("stop");
}

/// `device` adds `who` to session `doc` for `minutes`, offline.
fn add(device: &mut Device, doc: &str, who: &rsc_model::Id, minutes: i64) {
    device.edit(doc, |d, by| {
        let attendee = rsc_doc::NewAttendee {
            id: who.clone(),
            minutes_attended: rsc_model::Minutes::new(minutes, "m").expect("m"),
            about_own_rsc_practice: false,
        };
        d.add_attendee(by, attendee).expect("add");
    });
}

/// Sessions naming someone not connected to the provider, or someone the pusher may not see,
/// are refused, however they are made; the refusal says the same whoever the stranger is.
async fn sessions_name_only_people_connected_to_their_provider<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut ana = person(&api, "Ana").await;
    let ben = person(&api, "Ben").await;
    let cleo = person(&api, "Cleo").await;
    let pat = person(&api, "Pat").await;
    let quinn = person(&api, "Quinn").await;
    let (ana_id, ben_id, pat_id, quinn_id) =
        (ana.user_id.clone(), ben.user_id.clone(), pat.user_id.clone(), quinn.user_id.clone());
    let refusals = |responses: &[SyncResponse]| -> Vec<(RefusalCode, String)> {
        responses.iter().flat_map(|r| r.refused.iter().map(|x| (x.code, x.message.clone()))).collect()
    };

    // Not connected to Pat yet: her own session with Pat is refused, and says why, naming only
    // the id she sent (her device shows the name it knows).
    ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    let refused = refusals(&ana.sync().await);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, RefusalCode::NotConnected);
    assert!(refused[0].1.contains(&format!("you are not connected to `{pat_id}`")), "{}", refused[0].1);
    assert!(!refused[0].1.contains("Pat"), "no name for an id she cannot see: {}", refused[0].1);

    pat.connect(&[&ana]).await;
    let doc = ana.log(&pat_id, SessionKind::Group, &[(&ana_id, 60)]);
    assert!(refusals(&ana.sync().await).is_empty(), "connected: accepted");

    // Adding Ben, who is not Pat's, is refused; then, once Ben is Pat's but shares nothing with
    // Ana, the answer is exactly the same: it tells Ana nothing of Pat's caseload.
    add(&mut ana, &doc, &ben_id, 60);
    let not_pats = refusals(&ana.sync().await);
    assert_eq!(not_pats.iter().map(|r| r.0).collect::<Vec<_>>(), [RefusalCode::NotConnected], "{not_pats:?}");
    assert!(not_pats[0].1.contains(&format!("`{ben_id}` is not someone you may name")), "{}", not_pats[0].1);
    pat.connect(&[&ben, &cleo]).await;
    add(&mut ana, &doc, &ben_id, 60);
    let invisible = refusals(&ana.sync().await);
    assert_eq!(invisible, not_pats, "connected or not, a stranger is refused alike");

    // A session with Quinn, whom Ana never connected to, is refused as one with a made-up id is.
    let nobody = rsc_model::Id::new("d3b07384-d9a0-4c9b-8a7e-000000000000", "p").expect("id");
    ana.log(&quinn_id, SessionKind::Individual, &[(&ana_id, 60)]);
    ana.log(&nobody, SessionKind::Individual, &[(&ana_id, 60)]);
    let refused = refusals(&ana.sync().await);
    let about = |id: &rsc_model::Id| {
        let found = refused.iter().find(|r| r.1.contains(id.as_str())).unwrap_or_else(|| panic!("{refused:?}"));
        assert_eq!(found.0, RefusalCode::NotConnected);
        found.1.replace(id.as_str(), "X")
    };
    assert_eq!(about(&quinn_id), about(&nobody), "an account and no account answer alike");

    // Once Pat puts Ana and Ben in one group, Ana may add Ben.
    pat.group("Tuesday reflective group", &[&ana, &ben]).await;
    add(&mut ana, &doc, &ben_id, 45);
    assert!(refusals(&ana.sync().await).is_empty(), "Ben is added now");
    let (_, participants) = api.get("/v1/me/pending-confirmations", Some(&pat.token)).await;
    let names: Vec<&str> =
        participants.as_array().expect("list").iter().filter_map(|p| p["attendee_name"].as_str()).collect();
    assert!(names.contains(&"Ben") && names.contains(&"Ana"), "{participants}");

    // The directory carries names: Ana sees Pat, and Ben as her group's member; not Cleo, who is
    // Pat's too, nor Quinn.
    let (_, directory) = api.get("/v1/me/providers", Some(&ana.token)).await;
    let directory: ProviderDirectory = serde_json::from_value(directory).expect("directory");
    assert_eq!(directory.name(pat_id.as_str()), Some("Pat"));
    assert!(directory.connected(pat_id.as_str(), ben_id.as_str()));
    assert!(directory.connected(pat_id.as_str(), ana_id.as_str()));
    assert_eq!(directory.name(cleo.user_id.as_str()), None, "Cleo shares nothing with Ana");
    assert_eq!(directory.name(quinn_id.as_str()), None, "Quinn is nobody Ana works with");
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    codes_connect_by_name_and_can_be_withdrawn,
    code_limits_are_explicit,
    guessing_codes_is_throttled_even_in_parallel,
    sessions_name_only_people_connected_to_their_provider,
);
