//! The registry, claims, verified hours and exports, through the real server.

use std::process::Command;

use rsc_doc::{DeviceKey, SessionEdit};
use rsc_model::{Minutes, SessionKind};

use rsc_rules::Exclusion;
use rsc_server::RunningServer;
use rsc_server::store::Store;
use serde_json::{Value, json};

use rsc_test_kit::{Api, Device, signed_at};

const HEADER: &str =
    "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n";

/// A registry admin, a provider (pat) and a supervisee (ana), signed in.
struct World {
    api: Api,
    admin: Device,
    pat: Device,
    ana: Device,
}

async fn world<S: Store>(store: &S, server: &RunningServer) -> World {
    let api = Api::new(server.url());
    let admin = rsc_test_kit::staff_device(store, &api, "staff").await;
    api.register("pat").await;
    api.register("ana").await;
    let pat = Device::sign_in(&api, "pat").await;
    let ana = Device::sign_in(&api, "ana").await;
    pat.connect(&[&ana]).await;
    World { api, admin, pat, ana }
}

async fn import(world: &World, csv: &str) -> (u16, Value) {
    let response = world
        .api
        .http
        .post(format!("{}/v1/registry/import?source=test.csv", world.api.base))
        .bearer_auth(&world.admin.token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Pat claims `number`; the admin approves when `approve`.
async fn claim(world: &World, number: &str, approve: bool) -> String {
    let (status, claim) = world.api.post("/v1/me/claims", Some(&world.pat.token), &json!({ "number": number })).await;
    assert_eq!(status, 201, "{claim}");
    let id = claim["id"].as_str().expect("id").to_string();
    if approve {
        let (status, body) =
            world.api.post(&format!("/v1/registry/claims/{id}/approve"), Some(&world.admin.token), &json!({})).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("approved")), "{body}");
    }
    id
}

/// Ana logs an individual session with pat on each date; pat confirms every one.
async fn sessions_on(world: &mut World, dates: &[&str]) -> Vec<String> {
    let (ana_id, pat_id) = (world.ana.user_id.clone(), world.pat.user_id.clone());
    let mut ids = Vec::new();
    for date in dates {
        let id = world.ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
        let day = date.parse().expect("date");
        world.ana.edit(&id, |d, me| d.edit(me, SessionEdit { date: Some(day), ..Default::default() }).expect("date"));
        ids.push(id);
    }
    world.ana.sync().await;
    world.pat.sync().await;
    let key = DeviceKey::from_secret_bytes(&world.pat.key.secret_bytes());
    for id in &ids {
        world.pat.edit(id, |d, _| {
            d.confirm(&key, &pat_id, &ana_id, Minutes::new(60, "m").expect("m"), signed_at(1)).expect("confirm");
        });
    }
    world.pat.sync().await;
    world.ana.sync().await;
    ids
}

async fn evaluation(world: &World, query: &str) -> Value {
    let (status, body) = world.api.get(&format!("/v1/me/evaluation?{query}"), Some(&world.ana.token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn excluded(evaluation: &Value, session: &str) -> Vec<Exclusion> {
    let found =
        evaluation["sessions"].as_array().expect("sessions").iter().find(|s| s["id"] == session).expect("session");
    serde_json::from_value(found["excluded"].clone()).expect("codes")
}

async fn imports_are_all_or_nothing_and_keep_history<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let world = world(&store, &server).await;
    let good = format!(
        "{HEADER}NM-1,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,2027-12-31,\nNM-2,Quinn,quinn@example.org,IMHS,NMAIMH,2018-01-15,,\n"
    );
    let (status, body) = import(&world, &good).await;
    assert_eq!((status, body["inserted"].as_u64()), (200, Some(2)), "{body}");

    // One bad row among changes: nothing changes, and the bad row is named by line and field.
    let mixed = format!(
        "{HEADER}NM-1,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,2028-12-31,\nNM-3,Rae,rae@example.org,IMHM,NMAIMH,2019-01-01,,\n"
    );
    let (status, body) = import(&world, &mixed).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["rows"], json!([{ "line": 3, "field": "credential", "message": body["rows"][0]["message"] }]));
    let (_, record) = world.api.get("/v1/registry/records/NM-1", Some(&world.admin.token)).await;
    assert_eq!(record["record"]["valid_through"], "2027-12-31", "unchanged");
    assert_eq!(world.api.get("/v1/registry/records/NM-3", Some(&world.admin.token)).await.0, 404);

    // Fixed, it imports; history keeps both versions of NM-1 with their sources.
    let fixed = mixed.replace(",IMHM,", ",IMHS,");
    let (status, body) = import(&world, &fixed).await;
    assert_eq!((status, body["inserted"].as_u64(), body["updated"].as_u64()), (200, Some(1), Some(1)), "{body}");
    let (_, record) = world.api.get("/v1/registry/records/NM-1", Some(&world.admin.token)).await;
    let history = record["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[0]["valid_through"].as_str(), history[1]["valid_through"].as_str()),
        (Some("2027-12-31"), Some("2028-12-31"))
    );
    assert_eq!(history[1]["source"], "test.csv line 2");
    let (status, body) = import(&world, &fixed).await;
    assert_eq!((status, body["unchanged"].as_u64()), (200, Some(2)));

    // Members cannot touch the registry.
    let response = world
        .api
        .http
        .post(format!("{}/v1/registry/import", world.api.base))
        .bearer_auth(&world.ana.token)
        .body(good)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(world.api.get("/v1/registry/records", Some(&world.pat.token)).await.0, 403);
    server.stop().await.expect("stop");
}

async fn credential_dates_decide_which_sessions_count<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let mut world = world(&store, &server).await;
    let csv = format!("{HEADER}NM-7,Pat Provider,pat@example.org,IMHM-C,ORIMHA,2020-03-01,2024-12-31,\n");
    assert_eq!(import(&world, &csv).await.0, 200);
    let (status, _) = world.api.post("/v1/me/claims", Some(&world.pat.token), &json!({ "number": "NM-404" })).await;
    assert_eq!(status, 404, "only records in the registry can be claimed");
    claim(&world, "NM-7", true).await;
    let ids =
        sessions_on(&mut world, &["2020-02-29", "2020-03-01", "2024-05-31", "2024-06-01", "2024-12-31", "2025-01-01"])
            .await;
    let (status, body) = world
        .api
        .http
        .put(format!("{}/v1/me/profile", world.api.base))
        .bearer_auth(&world.ana.token)
        .json(&json!({ "masters_conferred_on": "2010-05-15", "rulebook": "orimha", "purpose": "application" }))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .expect("put");
    assert_eq!(status, 200, "{:?}", body.text().await);
    // Sharing her progress is off until she turns it on; a device that leaves it out changes nothing.
    let put = |body: Value| {
        let request = world.api.http.put(format!("{}/v1/me/profile", world.api.base)).bearer_auth(&world.ana.token);
        async move { request.json(&body).send().await.expect("put").status().as_u16() }
    };
    let shared = |world: &World| {
        let api = world.api.clone();
        let token = world.ana.token.clone();
        async move { api.get("/v1/me/profile", Some(&token)).await.1["share_progress"].clone() }
    };
    assert_eq!(shared(&world).await, json!(false));
    assert_eq!(
        put(json!({ "rulebook": "orimha", "masters_conferred_on": "2010-05-15", "share_progress": true })).await,
        200
    );
    assert_eq!(shared(&world).await, json!(true));
    assert_eq!(
        put(json!({ "rulebook": "orimha", "masters_conferred_on": "2010-05-15", "purpose": "application" })).await,
        200
    );
    assert_eq!(shared(&world).await, json!(true), "left out, it stays");
    // Providing RS/C, likewise: no until she says so, and unchanged by a device that leaves it out.
    let provides = |world: &World| {
        let api = world.api.clone();
        let token = world.ana.token.clone();
        async move { api.get("/v1/me/profile", Some(&token)).await.1["provides_rsc"].clone() }
    };
    assert_eq!(provides(&world).await, json!(false));
    assert_eq!(
        put(json!({ "rulebook": "orimha", "masters_conferred_on": "2010-05-15", "provides_rsc": true })).await,
        200
    );
    assert_eq!(provides(&world).await, json!(true));
    assert_eq!(put(json!({ "rulebook": "orimha", "masters_conferred_on": "2010-05-15" })).await, 200);
    assert_eq!((provides(&world).await, shared(&world).await), (json!(true), json!(true)), "left out, both stay");
    assert_eq!(put(json!({ "rulebook": "orimha", "provides_rsc": "sometimes" })).await, 400, "a yes or a no");
    let e = evaluation(&world, "as_of=2025-06-01").await;
    assert_eq!(e["rulebook"], "orimha");
    let expected = [
        vec![Exclusion::ProviderNotQualified], // the day before it was earned
        vec![],                                // the day it was earned
        vec![],
        vec![],
        vec![],                                // its last valid day
        vec![Exclusion::ProviderNotQualified], // the day after
    ];
    for (id, want) in ids.iter().zip(&expected) {
        assert_eq!(&excluded(&e, id), want, "{id}");
    }
    // A later revocation changes which sessions count from its date on, with nothing else to do.
    let (status, body) = world
        .api
        .post("/v1/registry/records/NM-7/revoke", Some(&world.admin.token), &json!({ "revoked_on": "2024-06-01" }))
        .await;
    assert_eq!(status, 200, "{body}");
    let e = evaluation(&world, "as_of=2025-06-01").await;
    assert_eq!(excluded(&e, &ids[2]), vec![], "the day before the revocation still counts");
    assert_eq!(excluded(&e, &ids[3]), vec![Exclusion::ProviderNotQualified], "not held on the revocation day");
    assert_eq!(excluded(&e, &ids[4]), vec![Exclusion::ProviderNotQualified]);
    // Unmet, rsc_total describes the 24 months ending on as_of: only 2024-05-31 counts there now.
    assert_eq!(e["requirements"][0]["counted_minutes"], 60);
    server.stop().await.expect("stop");
}

async fn an_unapproved_claim_verifies_nothing<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let mut world = world(&store, &server).await;
    assert_eq!(import(&world, &format!("{HEADER}NM-9,Pat,pat@example.org,IMHM-C,NMAIMH,2015-01-01,,\n")).await.0, 200);
    let ids = sessions_on(&mut world, &["2025-01-10"]).await;
    let pending = claim(&world, "NM-9", false).await;
    let e = evaluation(&world, "rulebook=nmaimh&as_of=2025-06-01").await;
    assert_eq!(excluded(&e, &ids[0]), vec![Exclusion::ProviderNotQualified], "pending");
    let (status, _) = world
        .api
        .post(&format!("/v1/registry/claims/{pending}/reject"), Some(&world.admin.token), &json!({ "note": "not you" }))
        .await;
    assert_eq!(status, 200);
    let e = evaluation(&world, "rulebook=nmaimh&as_of=2025-06-01").await;
    assert_eq!(excluded(&e, &ids[0]), vec![Exclusion::ProviderNotQualified], "rejected");
    let (_, claims) = world.api.get("/v1/me/claims", Some(&world.pat.token)).await;
    assert_eq!(claims[0]["status"], "rejected");
    claim(&world, "NM-9", true).await;
    let e = evaluation(&world, "rulebook=nmaimh&as_of=2025-06-01").await;
    assert_eq!(excluded(&e, &ids[0]), vec![]);
    assert_eq!(e["sessions"][0]["counted_minutes"], 60);
    // Someone else cannot have the same record approved.
    world.api.register("mal").await;
    let mal = Device::sign_in(&world.api, "mal").await;
    let (status, body) = world.api.post("/v1/me/claims", Some(&mal.token), &json!({ "number": "NM-9" })).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().expect("id");
    // Staff see who claims it beside who the record names, and who already holds it.
    let (status, pending) = world.api.get("/v1/registry/claims?status=pending", Some(&world.admin.token)).await;
    assert_eq!(status, 200, "{pending}");
    let review = &pending[0];
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "{pending}");
    assert_eq!(
        (review["claim_id"].as_str(), review["claimant"]["email"].as_str(), review["record"]["holder_email"].as_str()),
        (Some(id), Some("mal@example.org"), Some("pat@example.org"))
    );
    assert_eq!((review["email_matches"].as_bool(), review["name_matches"].as_bool()), (Some(false), Some(false)));
    assert_eq!(review["already_held_by"]["email"].as_str(), Some("pat@example.org"));
    let warnings = review["warnings"].to_string();
    assert!(warnings.contains("mal@example.org") && warnings.contains("already holds"), "{warnings}");
    let (status, body) = world
        .api
        .post(
            &format!("/v1/registry/claims/{id}/approve"),
            Some(&world.admin.token),
            &json!({ "despite_mismatch": true }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("pat <pat@example.org> already holds NM-9")), "{body}");
    server.stop().await.expect("stop");
}

/// A claim whose claimant's email is not the record holder's is approved only when staff say
/// they checked; the record holder's own claim goes through.
async fn a_claim_by_someone_the_record_does_not_name_needs_staff_to_say_they_checked<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let world = world(&store, &server).await;
    assert_eq!(
        import(&world, &format!("{HEADER}NM-7,Patricia Ortiz,p.ortiz@clinic.example,IMHM-C,NMAIMH,2015-01-01,,\n"))
            .await
            .0,
        200
    );
    let id = claim(&world, "NM-7", false).await;
    let approve = |body: serde_json::Value| {
        let (api, path, token) = (&world.api, format!("/v1/registry/claims/{id}/approve"), world.admin.token.clone());
        async move { api.post(&path, Some(&token), &body).await }
    };
    let (status, body) = approve(json!({})).await;
    assert_eq!(status, 409, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("pat@example.org") && message.contains("p.ortiz@clinic.example"), "{message}");
    assert!(message.contains("despite_mismatch"), "{message}");
    let (_, mine) = world.api.get("/v1/me/claims", Some(&world.pat.token)).await;
    assert_eq!(mine[0]["status"], "pending", "a refused approval decides nothing");
    let (status, body) =
        approve(json!({ "despite_mismatch": true, "note": "checked her licence by video call" })).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("approved")), "{body}");
    assert_eq!(body["note"], "checked her licence by video call");
    let (status, body) = approve(json!({ "despite_mismatch": true })).await;
    assert_eq!(status, 404, "decided already: {body}");
    server.stop().await.expect("stop");
}

/// The `rsc` binary of this workspace (built with the workspace's tests).
fn rsc_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target dir");
    let rsc = dir.join("rsc");
    if !rsc.is_file() {
        let built =
            Command::new(env!("CARGO")).args(["build", "-q", "-p", "rsc-cli", "--bin", "rsc"]).status().expect("cargo");
        assert!(built.success(), "building rsc");
    }
    rsc
}

async fn evaluation_agrees_with_rsc_evaluate_and_exports_verify<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let mut world = world(&store, &server).await;
    assert_eq!(
        import(&world, &format!("{HEADER}CT-1,Pat Provider,pat@example.org,IMHM-C,CT-AIMH,2015-01-01,,\n")).await.0,
        200
    );
    claim(&world, "CT-1", true).await;
    let ids = sessions_on(&mut world, &["2025-01-10", "2025-02-10", "2025-03-10"]).await;
    // One left unconfirmed, one disputed.
    let (ana_id, pat_id) = (world.ana.user_id.clone(), world.pat.user_id.clone());
    let extra = world.ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 45)]);
    world.ana.sync().await;
    world.pat.sync().await;
    let key = DeviceKey::from_secret_bytes(&world.pat.key.secret_bytes());
    world.pat.edit(&ids[2], |d, _| {
        d.dispute(&key, &pat_id, &ana_id, "ended early", signed_at(5)).expect("dispute");
    });
    world.pat.sync().await;

    let response = world
        .api
        .http
        .put(format!("{}/v1/me/profile", world.api.base))
        .bearer_auth(&world.ana.token)
        .json(&json!({ "masters_conferred_on": "2012-05-15", "rulebook": null, "purpose": null }))
        .send()
        .await
        .expect("put");
    assert_eq!(response.status().as_u16(), 200);
    let query = "rulebook=ct-aimh&purpose=application&as_of=2025-06-01";
    let temp = tempfile::Builder::new().prefix("rsc-export-").tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    let (status, dossier) = world.api.get(&format!("/v1/me/dossier?{query}"), Some(&world.ana.token)).await;
    assert_eq!(status, 200);
    assert_eq!(dossier["sessions"].as_array().map(Vec::len), Some(4));
    std::fs::write(dir.join("dossier.json"), dossier.to_string()).expect("write");
    let served = evaluation(&world, query).await;
    let cli = Command::new(rsc_binary())
        .args(["evaluate", "--rulebook", "ct-aimh", "--purpose", "application"])
        .arg(dir.join("dossier.json"))
        .output()
        .expect("rsc");
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let from_cli: Value = serde_json::from_slice(&cli.stdout).expect("json");
    assert_eq!(from_cli, served, "the endpoint and rsc evaluate agree");
    assert_eq!(excluded(&served, &extra), vec![Exclusion::Unconfirmed]);
    assert_eq!(excluded(&served, &ids[2]), vec![Exclusion::Disputed]);
    assert_eq!(served["requirements"][0]["counted_minutes_as_of"], 120);

    // The signed JSON export verifies offline, against the published keys.
    let export = world
        .api
        .http
        .get(format!("{}/v1/me/exports/json?{query}", world.api.base))
        .bearer_auth(&world.ana.token)
        .send()
        .await
        .expect("get");
    assert_eq!(export.status().as_u16(), 200);
    assert!(export.headers()["content-disposition"].to_str().expect("header").contains(".json"));
    let bytes = export.bytes().await.expect("body").to_vec();
    let (_, keys) = world.api.get("/v1/server-keys", None).await;
    let published: Vec<rsc_export::PublishedKey> = serde_json::from_value(keys.clone()).expect("keys");
    let report = rsc_export::verify(&bytes, Some(&published)).expect("verifies");
    assert_eq!((report.attestations, report.sessions, report.key_published), (3, 4, true));
    std::fs::write(dir.join("export.json"), &bytes).expect("write");
    std::fs::write(dir.join("keys.json"), keys.to_string()).expect("write");
    let ok = Command::new(rsc_binary())
        .arg("verify")
        .arg(dir.join("export.json"))
        .arg("--server-keys")
        .arg(dir.join("keys.json"))
        .output()
        .expect("rsc");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("verifies"));
    // The server runs on this test's runtime: wait for `rsc` without blocking it.
    let (export_path, base) = (dir.join("export.json"), world.api.base.clone());
    let fetched = tokio::task::spawn_blocking(move || {
        Command::new(rsc_binary()).arg("verify").arg(export_path).args(["--server", &base]).output().expect("rsc")
    })
    .await
    .expect("join");
    assert!(fetched.status.success(), "{}", String::from_utf8_lossy(&fetched.stderr));
    // With no trusted keys the embedded key proves nothing: exit 1, plainly said.
    let untrusted = Command::new(rsc_binary()).arg("verify").arg(dir.join("export.json")).output().expect("rsc");
    assert_eq!(untrusted.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&untrusted.stderr).contains("is NOT verified"));

    // Any byte changed, anywhere, and it fails.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..400 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = (state % bytes.len() as u64) as usize;
        let flip = ((state >> 32) % 255 + 1) as u8;
        let mut tampered = bytes.clone();
        tampered[at] ^= flip;
        assert!(
            rsc_export::verify(&tampered, Some(&published)).is_err(),
            "byte {at} ^ {flip:#x} went unnoticed: {:?}",
            String::from_utf8_lossy(&bytes[at.saturating_sub(40)..(at + 40).min(bytes.len())])
        );
    }
    let mut tampered = bytes.clone();
    let text = String::from_utf8(tampered.clone()).expect("utf-8");
    let at = text.find("\"counted_minutes\": 60").expect("a counted session");
    tampered[at + "\"counted_minutes\": ".len()] = b'9';
    std::fs::write(dir.join("tampered.json"), &tampered).expect("write");
    let failed = Command::new(rsc_binary()).arg("verify").arg(dir.join("tampered.json")).output().expect("rsc");
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("server signature"),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );

    // After a key rotation the old export still verifies against the published keys.
    rsc_service::server_keys::rotate_key(&store).await.expect("rotate");
    let (_, keys) = world.api.get("/v1/server-keys", None).await;
    let published: Vec<rsc_export::PublishedKey> = serde_json::from_value(keys).expect("keys");
    assert_eq!(published.len(), 2);
    assert!(rsc_export::verify(&bytes, Some(&published)).is_ok());
    server.stop().await.expect("stop");
}

async fn csv_and_pdf_reports_and_pending_confirmations<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let mut world = world(&store, &server).await;
    assert_eq!(
        import(&world, &format!("{HEADER}NM-2,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-01-01,2025-02-28,\n"))
            .await
            .0,
        200
    );
    claim(&world, "NM-2", true).await;
    let ids = sessions_on(&mut world, &["2025-01-10", "2025-03-10"]).await;
    let (ana_id, pat_id) = (world.ana.user_id.clone(), world.pat.user_id.clone());
    let waiting = world.ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 30)]);
    world.ana.edit(&ids[0], |d, me| {
        d.edit(me, SessionEdit { minutes: Some(Minutes::new(75, "m").expect("m")), ..Default::default() })
            .expect("edit")
    });
    world.ana.sync().await;

    let (status, pending) = world.api.get("/v1/me/pending-confirmations", Some(&world.pat.token)).await;
    assert_eq!(status, 200);
    let mut listed: Vec<(String, String)> = pending
        .as_array()
        .expect("list")
        .iter()
        .map(|p| (p["session_id"].as_str().unwrap_or("").to_string(), p["status"].as_str().unwrap_or("").to_string()))
        .collect();
    listed.sort();
    let mut want =
        vec![(ids[0].clone(), "changed_since_confirmed".to_string()), (waiting.clone(), "pending".to_string())];
    want.sort();
    assert_eq!(listed, want);
    assert_eq!(pending[0]["attendee_name"], "ana");

    let query = "rulebook=nmaimh&as_of=2025-06-01";
    let csv = world
        .api
        .http
        .get(format!("{}/v1/me/exports/csv?{query}", world.api.base))
        .bearer_auth(&world.ana.token)
        .send()
        .await
        .expect("get");
    assert!(csv.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    let csv = csv.text().await.expect("text");
    let mut reader = csv::Reader::from_reader(rsc_export::reports::csv_table(&csv).as_bytes());
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3);
    let cells = |session: &str, names: &[&str]| -> Vec<String> {
        let row = rows.iter().find(|r| &r[1] == session).expect("row");
        names
            .iter()
            .map(|n| row[header.iter().position(|h| h == *n).unwrap_or_else(|| panic!("column {n}"))].to_string())
            .collect()
    };
    assert_eq!(
        cells(
            &ids[1],
            &[
                "provider",
                "credential_held",
                "session_minutes",
                "minutes_logged",
                "minutes_confirmed",
                "minutes_counted",
                "excluded"
            ]
        ),
        ["pat", "none", "90", "60", "60", "0", "provider_not_qualified"]
    );
    let edited = cells(&ids[0], &["credential_held", "session_minutes", "excluded", "explanation"]);
    assert_eq!(edited[..3], ["IMHM-C", "75", "unconfirmed"]);
    assert!(edited[3].contains("edited after"), "{}", edited[3]);
    // The attendee's own minutes, not the session's length: she logged 30 of its 90.
    assert_eq!(
        cells(&waiting, &["session_minutes", "minutes_logged", "minutes_confirmed", "excluded"]),
        ["90", "30", "", "unconfirmed;provider_not_qualified"]
    );

    let pdf = world
        .api
        .http
        .get(format!("{}/v1/me/exports/pdf?{query}", world.api.base))
        .bearer_auth(&world.ana.token)
        .send()
        .await
        .expect("get");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.expect("body");
    let file = tempfile::Builder::new().prefix("rsc-report-").suffix(".pdf").tempfile().expect("temp file");
    let path = file.path().to_path_buf();
    std::fs::write(&path, &bytes).expect("write");
    // Plain text keeps each table cell's lines together; white space is made single.
    let text = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils) runs");
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Verified Record",
        "Applicant: ana",
        "New Mexico Association",
        "Not met",
        "Hours per provider",
        "Sessions",
        "2025-03-10",
        "lapsed after 2025-02-28",
        "Applicant's signature",
        "How to verify",
        "rsc verify",
    ] {
        assert!(text.contains(expected), "`{expected}` in the PDF:\n{text}");
    }
    server.stop().await.expect("stop");
}

/// Display names from the shared list.
fn names() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/names.txt"))
        .expect("tests/data/names.txt");
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_string).collect()
}

/// Words of a PDF with their boxes, from `pdftotext -bbox-layout`: (text, x min, x max, y min).
fn pdf_words(path: &std::path::Path) -> Vec<(String, f32, f32, f32)> {
    let out = Command::new("pdftotext").args(["-bbox-layout"]).arg(path).arg("-").output().expect("pdftotext runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = String::from_utf8_lossy(&out.stdout).to_string();
    let attr = |tag: &str, name: &str| -> f32 {
        let at = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
        tag[at..].split('"').next().and_then(|v| v.parse().ok()).expect("number")
    };
    html.split("<word ")
        .skip(1)
        .filter_map(|chunk| {
            let (tag, rest) = chunk.split_once('>')?;
            let text = rest.split("</word>").next()?.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
            Some((text, attr(tag, "xMin"), attr(tag, "xMax"), attr(tag, "yMin")))
        })
        .collect()
}

/// The PDF prints every name exactly as written, and its session table lines up: each header
/// starts (or, for numbers, ends) where its column's cells do.
async fn the_pdf_names_people_exactly_and_its_columns_line_up<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let mut world = world(&store, &server).await;
    let names = names();
    let (ana_name, pat_name) = (names[17].clone(), names[9].clone());
    for (device, name) in [(&world.ana, &ana_name), (&world.pat, &pat_name)] {
        let response = world
            .api
            .http
            .put(format!("{}/v1/me/profile", world.api.base))
            .bearer_auth(&device.token)
            .json(&json!({ "display_name": name }))
            .send()
            .await
            .expect("put");
        assert_eq!(response.status().as_u16(), 200);
    }
    let csv = format!("{HEADER}NM-7,{pat_name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,2030-12-31,\n");
    assert_eq!(import(&world, &csv).await.0, 200);
    claim(&world, "NM-7", true).await;
    sessions_on(&mut world, &["2025-03-04", "2025-03-11", "2025-03-18"]).await;
    let response = world
        .api
        .http
        .get(format!("{}/v1/me/exports/pdf?rulebook=nmaimh&as_of=2025-06-01", world.api.base))
        .bearer_auth(&world.ana.token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status().as_u16(), 200);
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().expect("temp file");
    std::fs::write(file.path(), response.bytes().await.expect("body")).expect("write");

    let text = Command::new("pdftotext").arg(file.path()).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    for name in [&ana_name, &pat_name] {
        assert!(text.contains(name.as_str()), "`{name}` exactly in the PDF:\n{text}");
    }

    let words = pdf_words(file.path());
    let find = |text: &str, from: usize| words.iter().enumerate().skip(from).find(|(_, w)| w.0 == text);
    let (heading, _) = find("Sessions", 0).expect("the Sessions heading");
    let (_, date_header) = find("Date", heading).expect("the Date header");
    let (_, first_date) = find("2025-03-04", heading).expect("the first row's date");
    assert!(
        (date_header.1 - first_date.1).abs() < 0.5,
        "Date header at {}, first date at {}",
        date_header.1,
        first_date.1
    );
    // The number columns (length, minutes attended, minutes confirmed) end where their headers
    // do. (pdftotext's reading order is by blocks, so words are found by their line, not their
    // order.)
    let on_line = |text: &str, y: f32| words.iter().find(|w| w.0 == text && (w.3 - y).abs() < 1.0);
    let header = |text: &str| on_line(text, date_header.3).unwrap_or_else(|| panic!("the {text} header"));
    // The sessions last 90 minutes; Ana attended, and Pat confirmed, 60: two cells read "60".
    let length = on_line("90", first_date.3).expect("the first row's length");
    let mut sixties: Vec<_> = words.iter().filter(|w| w.0 == "60" && (w.3 - first_date.3).abs() < 1.0).collect();
    sixties.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(sixties.len(), 2, "attended and confirmed minutes on the first row");
    for (header, cell) in
        [(header("Length"), length), (header("Attended"), sixties[0]), (header("Confirmed"), sixties[1])]
    {
        assert!((header.2 - cell.2).abs() < 0.5, "`{}` ends at {}, its cell at {}", header.0, header.2, cell.2);
    }
    assert!(first_date.3 > date_header.3, "the row is below its header");
    server.stop().await.expect("stop");
}

/// Every PDF names the signed JSON it was made from (id and SHA-256, with a link); the link's
/// page verifies it, refuses a copy whose digest differs, reports a later dispute, and is gone
/// once the applicant withdraws the export.
async fn a_pdf_is_bound_to_its_signed_export_and_its_link_tells_what_changed<S: Store>(store: S) {
    use sha2::Digest;
    let server = RunningServer::start(store.clone()).await.expect("server");
    let mut world = world(&store, &server).await;
    let csv = format!("{HEADER}NM-7,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,2030-12-31,\n");
    assert_eq!(import(&world, &csv).await.0, 200);
    claim(&world, "NM-7", true).await;
    let ids = sessions_on(&mut world, &["2025-03-04", "2025-03-11"]).await;
    let get = |path: String, token: Option<String>| {
        let request = world.api.http.get(format!("{}{path}", world.api.base));
        async move {
            let request = match token {
                Some(token) => request.bearer_auth(token),
                None => request,
            };
            request.send().await.expect("get")
        }
    };
    let tabloid = get("/v1/me/exports/pdf?rulebook=nmaimh&paper=tabloid".into(), Some(world.ana.token.clone())).await;
    assert_eq!(tabloid.status().as_u16(), 422);
    assert_eq!(tabloid.json::<Value>().await.expect("json")["field"], "paper");
    let pdf = get("/v1/me/exports/pdf?rulebook=nmaimh&as_of=2025-06-01".into(), Some(world.ana.token.clone())).await;
    assert_eq!(pdf.status().as_u16(), 200);
    let export_id = pdf.headers()["x-rsc-export-id"].to_str().expect("id").to_string();
    let digest = pdf.headers()["x-rsc-export-sha256"].to_str().expect("digest").to_string();
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().expect("temp file");
    std::fs::write(file.path(), pdf.bytes().await.expect("body")).expect("write");
    let text = Command::new("pdftotext").arg(file.path()).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<String>();
    assert!(text.contains(&export_id) && text.contains(&digest), "the PDF names its export and digest");
    assert!(text.contains(&format!("/verify/{export_id}")), "and the link");

    // The digest is the kept JSON's: any changed byte gives another.
    let json = get(format!("/verify/{export_id}/export.json"), None).await.bytes().await.expect("json").to_vec();
    assert_eq!(hex::encode(sha2::Sha256::digest(&json)), digest);
    let mut tampered = json.clone();
    let at = tampered.iter().position(|b| *b == b'6').expect("a digit");
    tampered[at] = b'9';
    let tampered_digest = hex::encode(sha2::Sha256::digest(&tampered));
    assert_ne!(tampered_digest, digest);

    let page = get(format!("/verify/{export_id}"), None).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("Verified.") && html.contains("Nothing it relies on has changed"), "{html}");
    let refused = get(format!("/verify/{export_id}?sha256={tampered_digest}"), None).await;
    assert_eq!(refused.status().as_u16(), 409);
    assert!(refused.text().await.expect("html").contains("Does NOT match"));

    // Pat disputes a session afterwards: the page says so.
    let (ana_id, pat_id) = (world.ana.user_id.clone(), world.pat.user_id.clone());
    let key = DeviceKey::from_secret_bytes(&world.pat.key.secret_bytes());
    world.pat.edit(&ids[0], |d, _| {
        d.dispute(&key, &pat_id, &ana_id, "we did not meet that week", signed_at(5_000)).expect("dispute");
    });
    world.pat.sync().await;
    let html = get(format!("/verify/{export_id}"), None).await.text().await.expect("html");
    assert!(html.contains("pat disputed the session of 2025-03-04"), "{html}");

    // Withdrawn: the link says so, and the JSON is no longer served.
    let withdraw = |id: String| {
        world
            .api
            .http
            .delete(format!("{}/v1/me/export-links/{id}", world.api.base))
            .bearer_auth(world.ana.token.clone())
            .send()
    };
    let mal = withdraw(export_id.clone());
    assert_eq!(mal.await.expect("delete").status().as_u16(), 204);
    assert_eq!(withdraw(export_id.clone()).await.expect("delete").status().as_u16(), 404, "once");
    assert_eq!(get(format!("/verify/{export_id}"), None).await.status().as_u16(), 410);
    assert_eq!(get(format!("/verify/{export_id}/export.json"), None).await.status().as_u16(), 410);
    assert_eq!(get("/verify/NOSUCHEXPORT".into(), None).await.status().as_u16(), 404);
    let (status, links) = world.api.get("/v1/me/export-links", Some(&world.ana.token)).await;
    assert_eq!(status, 200);
    assert!(links[0]["withdrawn_at_ms"].is_number(), "{links}");
    server.stop().await.expect("stop");
}

/// A supervisee finds her provider by the endorsement number of a record the provider holds,
/// once staff approved the claim, and not before.
async fn a_provider_is_found_by_the_number_of_a_record_they_hold<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let world = world(&store, &server).await;
    let csv = format!("{HEADER}NM-7,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2020-03-01,2030-12-31,\n");
    assert_eq!(import(&world, &csv).await.0, 200);
    world.api.register("cora").await;
    let cora = Device::sign_in(&world.api, "cora").await;
    let by_number = json!({ "endorsement_number": " NM-7 " });
    let claim_id = claim(&world, "NM-7", false).await;
    let (status, body) = world.api.post("/v1/connections", Some(&cora.token), &by_number).await;
    assert_eq!(status, 404, "a pending claim finds nobody: {body}");
    let (status, body) =
        world.api.post(&format!("/v1/registry/claims/{claim_id}/approve"), Some(&world.admin.token), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    // Found, the number sends a request: an app that connects by number is told it waits,
    // never that it is connected; Pat sees Cora's name and email, and accepts.
    let (status, body) = world.api.post("/v1/connections", Some(&cora.token), &by_number).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("went to pat") && m.contains("accepts")), "{body}");
    let (_, connections) = world.api.get("/v1/connections", Some(&cora.token)).await;
    assert_eq!(connections["providers"], json!([]), "not connected yet: {connections}");
    assert_eq!(connections["entries"][0]["state"], "requested", "{connections}");
    let (_, theirs) = world.api.get("/v1/connections", Some(&world.pat.token)).await;
    let asked = &theirs["entries"][0];
    assert_eq!(
        (asked["person"]["display_name"].as_str(), asked["email"].as_str()),
        (Some("cora"), Some("cora@example.org"))
    );
    let accept = format!("/v1/connections/requests/{}/accept", cora.user_id);
    let (status, body) = world.api.post(&accept, Some(&world.pat.token), &json!({})).await;
    assert_eq!(
        (status, body["state"].as_str(), body["source"].as_str()),
        (200, Some("connected"), Some("request")),
        "{body}"
    );
    let (status, body) = world.api.post("/v1/connections", Some(&cora.token), &by_number).await;
    assert_eq!(
        (status, body["provider"]["display_name"].as_str(), body["new"].as_bool()),
        (200, Some("pat"), Some(false)),
        "{body}"
    );
    let (status, body) =
        world.api.post("/v1/connections", Some(&cora.token), &json!({ "endorsement_number": "NM-404" })).await;
    assert!(status == 404 && body["message"].as_str().is_some_and(|m| m.contains("NM-404")), "{body}");
    let (status, body) = world
        .api
        .post("/v1/connections", Some(&cora.token), &json!({ "endorsement_number": "NM-7", "code": "AAAA-AAAA" }))
        .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("code")), "one way at a time: {body}");
    server.stop().await.expect("stop");
}

/// The registry takes the credential values version 2 of the contract adds (ECMHS, ECMHM-C,
/// IFRS), and keeps each record's association; the directory a device syncs carries them apart
/// from the values every device release knows, so a device of the first release keeps syncing
/// when a provider also holds one of the new ones, and this release's devices read them all.
async fn new_credential_values_are_kept_but_not_sent_to_devices_that_cannot_read_them<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let world = world(&store, &server).await;
    let csv = format!(
        "{HEADER}NM-1,pat,pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\nNM-2,pat,pat@example.org,ECMHS,NMAIMH,2016-03-01,,\nNM-3,pat,pat@example.org,IFRS,NMAIMH,2016-03-01,,\n"
    );
    let (status, body) = import(&world, &csv).await;
    assert_eq!((status, body["inserted"].as_u64()), (200, Some(3)), "{body}");
    for number in ["NM-1", "NM-2", "NM-3"] {
        claim(&world, number, true).await;
    }
    let kept = store.registry_record("NM-2").await.expect("read").expect("kept");
    assert_eq!((kept.credential.as_str(), kept.association.as_str()), ("ECMHS", "NMAIMH"));
    let (status, directory) = world.api.get("/v1/me/providers", Some(&world.ana.token)).await;
    assert_eq!(status, 200, "{directory}");
    // This release's devices read every value, the later ones apart from the rest.
    let pat_entry = directory["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .find(|p| p["credentials"].to_string().contains("IMHM-C"))
        .expect("Pat in Ana's directory")
        .clone();
    let values = |field: &str| -> Vec<String> {
        pat_entry[field]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["credential"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(values("credentials"), ["IMHM-C"]);
    let mut later = values("later_credentials");
    later.sort();
    assert_eq!(later, ["ECMHS", "IFRS"]);
    let parsed: rsc_protocol::ProviderDirectory =
        serde_json::from_value(directory.clone()).expect("this release reads it");
    let pat_parsed = parsed.providers.iter().find(|p| p.id == pat_entry["id"]).expect("pat");
    assert_eq!(pat_parsed.all_credentials().count(), 3);
    // The first release's own types read it: its credential enum knew seven values.
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    enum FirstRelease {
        #[serde(rename = "IFA")]
        Ifa,
        #[serde(rename = "IFS")]
        Ifs,
        #[serde(rename = "IMHS")]
        Imhs,
        #[serde(rename = "IMHM-C")]
        ImhmC,
        #[serde(rename = "IMHM-P")]
        ImhmP,
        #[serde(rename = "IMHM-RF")]
        ImhmRf,
        #[serde(rename = "APPROVED-RSC")]
        ApprovedRsc,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Record {
        credential: FirstRelease,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Provider {
        credentials: Vec<Record>,
        endorsements: Vec<Record>,
    }
    for provider in directory["providers"].as_array().expect("providers") {
        let read: Result<Provider, _> = serde_json::from_value(provider.clone());
        assert!(read.is_ok(), "a first-release device reads {provider}");
    }
    server.stop().await.expect("stop");
}

/// A Connecticut endorsee renews: her export for the renewal year carries her RS/C sessions
/// with her provider's endorsement number and her trainings (one on DEI, one on RS/C, with a
/// certificate), says they are self-reported, and verifies as JSON; the CSV and the PDF say the
/// same for people.
async fn a_connecticut_renewal_export_carries_her_trainings_and_verifies<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let mut world = world(&store, &server).await;
    let csv = format!("{HEADER}CT-1042,Pat Provider,pat@example.org,IMHM-C,CT-AIMH,2015-03-01,2030-12-31,\n");
    assert_eq!(import(&world, &csv).await.0, 200);
    claim(&world, "CT-1042", true).await;
    sessions_on(&mut world, &["2025-02-04", "2025-03-11", "2025-04-18"]).await;
    let profile = json!({ "masters_conferred_on": "2010-05-01", "rulebook": "ct-aimh", "purpose": "renewal", "provides_rsc": true });
    let (status, body) = world.api.call("PUT", "/v1/me/profile", Some(&world.ana.token), Some(&profile)).await;
    assert_eq!(status, 200, "{body}");
    let pdf_bytes = b"%PDF-1.4\n% certificate of attendance\n".to_vec();
    let uploaded = world
        .api
        .http
        .post(format!("{}/v1/me/certificates?name=dei.pdf", world.api.base))
        .bearer_auth(&world.ana.token)
        .body(pdf_bytes)
        .send()
        .await
        .expect("upload");
    let digest = uploaded.json::<Value>().await.expect("json")["digest"].as_str().expect("digest").to_string();
    let rsc = world.ana.log_training("Reflective supervision: the parallel process");
    let dei = world.ana.log_training("Equity in infant mental health");
    world.ana.edit_training(&dei, |doc, me| {
        let mut fields = doc.training().expect("read").fields;
        fields.topic = rsc_model::TrainingTopic::Dei;
        fields.minutes = 90;
        fields.certificate = Some(digest.clone());
        doc.edit(me, fields).expect("edit");
    });
    world.ana.sync().await;

    let query = "rulebook=ct-aimh&purpose=renewal&as_of=2025-06-01";
    let get = |format: &str| {
        let request = world.api.http.get(format!("{}/v1/me/exports/{format}?{query}", world.api.base));
        request.bearer_auth(world.ana.token.clone()).send()
    };
    let json = get("json").await.expect("json").bytes().await.expect("bytes");
    let (_, keys) = world.api.get("/v1/server-keys", None).await;
    let keys: Vec<rsc_export::PublishedKey> = serde_json::from_value(keys).expect("keys");
    let report = rsc_export::verify(&json, Some(&keys)).expect("the renewal export verifies");
    assert_eq!(report.format, rsc_export::FORMAT);
    let export: rsc_export::Export = serde_json::from_slice(&json).expect("export");
    let described: Vec<(&str, u32, Option<&str>)> =
        export.payload.trainings.iter().map(|t| (t.id.as_str(), t.minutes, t.certificate.as_deref())).collect();
    assert!(
        described.contains(&(rsc.as_str(), 180, None))
            && described.contains(&(dei.as_str(), 90, Some(digest.as_str())))
    );
    let met: Vec<(&str, bool)> =
        export.payload.evaluation.requirements.iter().map(|r| (r.id.as_str(), r.met)).collect();
    assert!(met.contains(&("training_annual_dei", true)) && met.contains(&("training_annual_rsc", true)), "{met:?}");

    let csv = get("csv").await.expect("csv").text().await.expect("text");
    assert!(csv.contains("renewal_year,\"Renewal year 2025, due by 2025-12-31\""), "{csv}");
    assert!(
        csv.contains(
            "provider: pat,endorsement CT-1042; 2025-02-04 to 2025-04-18; individual 3 h; group 0 min; total 3 h"
        ),
        "{csv}"
    );
    assert!(csv.contains(&format!("Equity in infant mental health (CT-AIMH); Diversity, equity and inclusion; 1 h 30 min; certificate SHA-256 {digest}")), "{csv}");
    assert!(csv.contains("(training, self-reported)"), "{csv}");

    let pdf = get("pdf").await.expect("pdf").bytes().await.expect("bytes");
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().expect("temp file");
    std::fs::write(file.path(), &pdf).expect("write");
    let text = Command::new("pdftotext").arg("-layout").arg(file.path()).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    for expected in [
        "Renewal year 2025, due by 2025-12-31",
        "Trainings (self-reported)",
        "CT-1042",
        "Equity in infant mental health",
        &digest[..16],
    ] {
        assert!(text.contains(expected), "`{expected}` in the PDF:\n{text}");
    }
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    a_connecticut_renewal_export_carries_her_trainings_and_verifies,
    new_credential_values_are_kept_but_not_sent_to_devices_that_cannot_read_them,
    a_pdf_is_bound_to_its_signed_export_and_its_link_tells_what_changed,
    the_pdf_names_people_exactly_and_its_columns_line_up,
    a_provider_is_found_by_the_number_of_a_record_they_hold,
    imports_are_all_or_nothing_and_keep_history,
    credential_dates_decide_which_sessions_count,
    an_unapproved_claim_verifies_nothing,
    a_claim_by_someone_the_record_does_not_name_needs_staff_to_say_they_checked,
    evaluation_agrees_with_rsc_evaluate_and_exports_verify,
    csv_and_pdf_reports_and_pending_confirmations,
);
