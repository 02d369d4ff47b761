//! Accounts and devices through the HTTP API.

use rsc_server::RunningServer;
use rsc_server::store::Store;
use serde_json::json;

use crate::support::{Api, Device};

async fn registration_validates_and_does_not_reveal_existing_accounts<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let (status, new_email) = api
        .post(
            "/v1/accounts",
            None,
            &json!({"email": "ana@example.org", "password": "a long enough password", "display_name": "Ana"}),
        )
        .await;
    assert_eq!(status, 202, "{new_email}");
    // Someone registering an email that has an account gets exactly the same answer, and the
    // account keeps its password and name.
    let (status, taken_email) = api
        .post(
            "/v1/accounts",
            None,
            &json!({"email": "ANA@example.org", "password": "the intruder's password", "display_name": "Mallory"}),
        )
        .await;
    assert_eq!((status, &taken_email), (202, &new_email));
    let phone = Device::sign_in(&api, "ana").await;
    let (_, me) = api.get("/v1/me", Some(&phone.token)).await;
    assert_eq!(me["display_name"].as_str(), Some("Ana"));
    let intruder = json!({ "email": "ana@example.org", "password": "the intruder's password",
        "device": { "name": "phone", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                    "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } });
    assert_eq!(api.post("/v1/login", None, &intruder).await.0, 401);
    // Bad registrations, each answered with the field at fault.
    let cases = [
        (json!({"email": "not-an-email", "password": "a long enough password", "display_name": "X"}), 422, "email"),
        (json!({"email": "x@example.org", "password": "short", "display_name": "X"}), 422, "password"),
        (
            json!({"email": "x@example.org", "password": "a long enough password", "display_name": " "}),
            422,
            "display_name",
        ),
        (json!({"email": "x@example.org", "password": 5}), 400, "password"),
        (
            json!({"email": "x@example.org", "password": "a long enough password", "display_name": "X", "role": "registry_admin"}),
            400,
            "role",
        ),
    ];
    for (body, expected_status, field) in cases {
        let (status, answer) = api.post("/v1/accounts", None, &body).await;
        assert_eq!((status, answer["field"].as_str()), (expected_status, Some(field)), "{body} -> {answer}");
    }
    server.stop().await.expect("stop");
}

async fn devices_sign_in_list_and_revoke<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    let phone = Device::sign_in(&api, "ana").await;
    let tablet = Device::sign_in(&api, "ana").await;
    assert_eq!(phone.user_id, tablet.user_id);

    let (status, me) = api.get("/v1/me", Some(&phone.token)).await;
    assert_eq!(status, 200);
    assert_eq!((me["email"].as_str(), me["role"].as_str()), (Some("ana@example.org"), Some("member")));
    let (_, devices) = api.get("/v1/devices", Some(&phone.token)).await;
    let devices = devices.as_array().expect("list");
    assert_eq!(devices.len(), 2);
    assert_eq!(devices.iter().filter(|d| d["current"] == true).count(), 1);
    assert_eq!(devices[0]["public_key"].as_str(), Some(hex::encode(phone.key.public_key()).as_str()));

    // Revoking the tablet from the phone: the tablet's token is refused at once.
    let response = api
        .http
        .delete(format!("{}/v1/devices/{}", api.base, tablet.device_id))
        .bearer_auth(&phone.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status().as_u16(), 204);
    let (status, body) = api.get("/v1/me", Some(&tablet.token)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(api.get("/v1/me", Some(&phone.token)).await.0, 200);
    let again = api
        .http
        .delete(format!("{}/v1/devices/{}", api.base, tablet.device_id))
        .bearer_auth(&phone.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(again.status().as_u16(), 404);
    assert_eq!(api.get("/v1/me", None).await.0, 401);
    assert_eq!(api.get("/v1/me", Some("rsc_forged")).await.0, 401);
    server.stop().await.expect("stop");
}

async fn sign_in_checks_device_fields_and_actor_binding<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    let phone = Device::sign_in(&api, "ana").await;
    let login = |public_key: String, actor_id: String| {
        json!({ "email": "ana@example.org", "password": "a long enough password",
                "device": { "name": "phone", "public_key": public_key, "actor_id": actor_id } })
    };
    let key = hex::encode(phone.key.public_key());
    let (status, body) = api.post("/v1/login", None, &login("abcd".into(), "00".repeat(16))).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("device.public_key")), "{body}");
    let (status, body) = api.post("/v1/login", None, &login(key.clone(), "zz".into())).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("device.actor_id")), "{body}");
    // An actor id belongs to one device only.
    let (status, body) = api.post("/v1/login", None, &login(key, phone.actor.to_hex_string())).await;
    assert_eq!(status, 409, "{body}");
    server.stop().await.expect("stop");
}

async fn sign_in_is_rate_limited_per_account<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    let attempt = |password: &str| {
        json!({ "email": "ana@example.org", "password": password,
                "device": { "name": "phone", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                            "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } })
    };
    for _ in 0..rsc_server::auth::MAX_FAILURES_PER_ACCOUNT {
        let (status, body) = api.post("/v1/login", None, &attempt("wrong password!!")).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["message"], "wrong email or password");
    }
    let response = api
        .http
        .post(format!("{}/v1/login", api.base))
        .json(&attempt("a long enough password"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 429, "even the right password waits");
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("900"));
    // Another account from the same address is not locked out by ana's failures.
    api.register("ben").await;
    Device::sign_in(&api, "ben").await;
    server.stop().await.expect("stop");
}

/// Hole 4: parallel wrong passwords all read the failure count before any was written, and about
/// 70 of 200 were checked instead of 10.
async fn parallel_guesses_get_exactly_the_limit_checked<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..200 {
        let api = api.clone();
        guesses.spawn(async move {
            let body = json!({ "email": "ana@example.org", "password": format!("wrong password number {i}"),
                "device": { "name": "phone", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                            "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } });
            api.post("/v1/login", None, &body).await.0
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, refused),
        (
            rsc_server::auth::MAX_FAILURES_PER_ACCOUNT as usize,
            200 - rsc_server::auth::MAX_FAILURES_PER_ACCOUNT as usize
        ),
        "{statuses:?}"
    );
    server.stop().await.expect("stop");
}

/// A right password does not use up the allowance: only failures count.
async fn successful_sign_ins_do_not_count_as_failures<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    for _ in 0..rsc_server::auth::MAX_FAILURES_PER_ACCOUNT + 2 {
        Device::sign_in(&api, "ana").await;
    }
    server.stop().await.expect("stop");
}

crate::on_both_backends!(
    registration_validates_and_does_not_reveal_existing_accounts,
    parallel_guesses_get_exactly_the_limit_checked,
    successful_sign_ins_do_not_count_as_failures,
    devices_sign_in_list_and_revoke,
    sign_in_checks_device_fields_and_actor_binding,
    sign_in_is_rate_limited_per_account,
);
