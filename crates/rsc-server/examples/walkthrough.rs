//! A guided tour against a running server: a provider claims a registry record, an admin
//! approves it, a supervisee logs sessions (real Automerge documents) and the provider confirms
//! them with signatures from her device, then the supervisee downloads the JSON, CSV and PDF
//! exports into `./rsc-exports/`.
//!
//! ```sh
//! cargo run -p rsc-server --example walkthrough -- http://127.0.0.1:8080
//! ```
//! Expects a fresh server with the example registry imported and an admin
//! `staff@example.org` whose password is in `RSC_ADMIN_PASSWORD` (see the README).

use rsc_test_kit as support;

use rsc_doc::{DeviceKey, SessionEdit};
use rsc_model::{Minutes, SessionKind};
use serde_json::json;
use support::{Api, Device, signed_at};

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let admin_password = std::env::var("RSC_ADMIN_PASSWORD").expect("set RSC_ADMIN_PASSWORD to the admin's password");
    let api = Api::new(base.clone());

    println!("1. pat (a provider) and ana (a supervisee) register and sign in on their phones");
    api.register("pat").await;
    api.register("ana").await;
    let mut pat = Device::sign_in(&api, "pat").await;
    let mut ana = Device::sign_in(&api, "ana").await;

    println!("2. pat claims registry record NM-1001 (IMHM-C); the registry admin approves it");
    let (status, claim) = api.post("/v1/me/claims", Some(&pat.token), &json!({ "number": "NM-1001" })).await;
    assert_eq!(status, 201, "claim: {claim} (did you import examples/registry.csv?)");
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let (status, admin) = api
        .post(
            "/v1/login",
            None,
            &json!({ "email": "staff@example.org", "password": admin_password,
                     "device": { "name": "registry desk", "public_key": hex::encode(key.public_key()),
                                 "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } }),
        )
        .await;
    assert_eq!(status, 200, "admin sign-in: {admin}");
    let admin_token = admin["token"].as_str().expect("token");
    let claim_id = claim["id"].as_str().expect("id");
    let (status, body) =
        api.post(&format!("/v1/registry/claims/{claim_id}/approve"), Some(admin_token), &json!({})).await;
    assert_eq!(status, 200, "approve: {body}");

    println!("3. ana sets her profile: master's conferred 2018-05-15, NMAIMH rulebook");
    let response = api
        .http
        .put(format!("{base}/v1/me/profile"))
        .bearer_auth(&ana.token)
        .json(&json!({ "masters_conferred_on": "2018-05-15", "rulebook": "nmaimh", "purpose": "application" }))
        .send()
        .await
        .expect("profile");
    assert!(response.status().is_success());

    println!("4. ana logs three sessions offline, then syncs");
    let (ana_id, pat_id) = (ana.user_id.clone(), pat.user_id.clone());
    let mut sessions = Vec::new();
    for (date, kind) in [
        ("2025-09-04", SessionKind::Individual),
        ("2025-10-02", SessionKind::Group),
        ("2025-11-06", SessionKind::Individual),
    ] {
        let id = ana.log(&pat_id, kind, &[(&ana_id, 90)]);
        let day = date.parse().expect("date");
        ana.edit(&id, |d, me| d.edit(me, SessionEdit { date: Some(day), ..Default::default() }).expect("date"));
        sessions.push(id);
    }
    ana.sync().await;

    println!("5. pat syncs, sees the pending attendances, and confirms two of them on her phone");
    pat.sync().await;
    let (_, pending) = api.get("/v1/me/pending-confirmations", Some(&pat.token)).await;
    println!("   pending for pat: {}", pending.as_array().map_or(0, Vec::len));
    let signing = DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    for (id, minutes) in sessions.iter().take(2).zip([90, 75]) {
        pat.edit(id, |d, _| {
            d.confirm(&signing, &pat_id, &ana_id, Minutes::new(minutes, "m").expect("m"), signed_at(1))
                .expect("confirm");
        });
    }
    pat.sync().await;
    ana.sync().await;

    println!("6. ana downloads her verified hours into ./rsc-exports/");
    std::fs::create_dir_all("rsc-exports").expect("folder");
    for format in ["json", "csv", "pdf"] {
        let response = api
            .http
            .get(format!("{base}/v1/me/exports/{format}?as_of=2025-12-01"))
            .bearer_auth(&ana.token)
            .send()
            .await
            .expect("export");
        assert!(response.status().is_success(), "{format} export");
        std::fs::write(format!("rsc-exports/export.{format}"), response.bytes().await.expect("body")).expect("write");
    }
    let (_, keys) = api.get("/v1/server-keys", None).await;
    std::fs::write("rsc-exports/keys.json", keys.to_string()).expect("write");
    let (_, evaluation) = api.get("/v1/me/evaluation?as_of=2025-12-01", Some(&ana.token)).await;
    println!("   {}", evaluation["summary"].as_str().unwrap_or(""));
    println!("   verify it: cargo run -p rsc-cli -- verify rsc-exports/export.json --server {base}");
    println!("   (offline, with the keys saved beside it: --server-keys rsc-exports/keys.json)");
}
