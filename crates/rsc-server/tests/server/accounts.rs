//! Accounts and devices through the HTTP API.

use rsc_server::RunningServer;
use rsc_server::store::Store;
use serde_json::json;

use rsc_test_kit::{Api, Device};

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
    for _ in 0..rsc_service::auth::MAX_FAILURES_PER_ACCOUNT {
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
            rsc_service::auth::MAX_FAILURES_PER_ACCOUNT as usize,
            200 - rsc_service::auth::MAX_FAILURES_PER_ACCOUNT as usize
        ),
        "{statuses:?}"
    );
    server.stop().await.expect("stop");
}

/// OWASP's device cookies: a stranger's 200 wrong passwords lock the account to unknown
/// clients, and the owner still signs in at once from a device (or browser) she signed in from
/// before; that device's own failures count for it alone; a forged or foreign mark is no mark.
async fn strangers_never_lock_the_owner_out_of_her_known_devices<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    api.register("ben").await;
    let attempt = |password: &str, mark: Option<&str>| {
        let mut body = json!({ "email": "ana@example.org", "password": password,
            "device": { "name": "phone", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                        "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } });
        if let Some(mark) = mark {
            body["known_client"] = json!(mark);
        }
        body
    };
    let (status, first) = api.post("/v1/login", None, &attempt("a long enough password", None)).await;
    assert_eq!(status, 200, "{first}");
    let phone = first["known_client"].as_str().expect("a mark").to_string();
    let (_, second) = api.post("/v1/login", None, &attempt("a long enough password", Some(&phone))).await;
    let laptop = second["known_client"].as_str().expect("a mark").to_string();
    assert_ne!(phone, laptop, "each sign-in gives its own");

    let mut statuses = Vec::new();
    for i in 0..200 {
        statuses.push(api.post("/v1/login", None, &attempt(&format!("guess number {i}"), None)).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), rsc_service::auth::MAX_FAILURES_PER_ACCOUNT as usize);
    assert!(statuses[rsc_service::auth::MAX_FAILURES_PER_ACCOUNT as usize..].iter().all(|s| *s == 429));
    assert_eq!(api.post("/v1/login", None, &attempt("a long enough password", None)).await.0, 429);

    // Ana, from her known phone: in at once.
    let (status, body) = api.post("/v1/login", None, &attempt("a long enough password", Some(&phone))).await;
    assert_eq!(status, 200, "the owner signs in from her known device: {body}");
    // Her phone's own wrong passwords count for the phone alone: her laptop is still let in.
    for _ in 0..rsc_service::auth::MAX_FAILURES_PER_KNOWN_CLIENT {
        assert_eq!(api.post("/v1/login", None, &attempt("a typo, twice", Some(&phone))).await.0, 401);
    }
    assert_eq!(api.post("/v1/login", None, &attempt("a long enough password", Some(&phone))).await.0, 429);
    assert_eq!(api.post("/v1/login", None, &attempt("a long enough password", Some(&laptop))).await.0, 200);
    // A mark altered, made up, or given for another account is no mark.
    let mut forged = laptop.clone();
    let last = forged.pop().expect("a character");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let (_, bens) = api
        .post(
            "/v1/login",
            None,
            &json!({ "email": "ben@example.org", "password": "a long enough password",
                "device": { "name": "phone", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                            "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } }),
        )
        .await;
    let bens_mark = bens["known_client"].as_str().expect("ben's mark").to_string();
    for mark in [forged.as_str(), "1.2.3.4", &"x".repeat(10_000), bens_mark.as_str()] {
        let (status, _) = api.post("/v1/login", None, &attempt("a long enough password", Some(mark))).await;
        assert_eq!(status, 429, "{:.40}: an unknown client, and the account is locked to those", mark);
    }
    server.stop().await.expect("stop");
}

/// A right password does not use up the allowance: only failures count.
async fn successful_sign_ins_do_not_count_as_failures<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    for _ in 0..rsc_service::auth::MAX_FAILURES_PER_ACCOUNT + 2 {
        Device::sign_in(&api, "ana").await;
    }
    server.stop().await.expect("stop");
}

async fn login(api: &Api, password: &str) -> u16 {
    let body = json!({ "email": "ana@example.org", "password": password,
        "device": { "name": "laptop", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                    "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } });
    api.post("/v1/login", None, &body).await.0
}

/// A password is changed with the current one (other devices stay signed in), or reset with a
/// staff code that works once and signs every device out.
async fn passwords_change_and_reset_with_a_one_time_staff_code<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    let phone = Device::sign_in(&api, "ana").await;
    let tablet = Device::sign_in(&api, "ana").await;
    let change = |current: &str, new: &str| json!({ "current_password": current, "new_password": new });

    let (status, body) = api.post("/v1/me/password", Some(&phone.token), &change("wrong", "a new long password")).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("current_password")), "{body}");
    let (status, body) =
        api.post("/v1/me/password", Some(&phone.token), &change("a long enough password", "short")).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("new_password")), "{body}");
    let (status, _) =
        api.post("/v1/me/password", Some(&phone.token), &change("a long enough password", "a new long password")).await;
    assert_eq!(status, 204);
    assert_eq!(login(&api, "a long enough password").await, 401, "the old password is gone");
    assert_eq!(login(&api, "a new long password").await, 200);
    assert_eq!(api.get("/v1/me", Some(&tablet.token)).await.0, 200, "other devices stay signed in");

    let (_, code) =
        rsc_service::staff::issue_reset_code(&store, &rsc_service::staff::Staff::command_line(None), "ANA@example.org")
            .await
            .expect("code");
    assert!(
        rsc_service::staff::issue_reset_code(
            &store,
            &rsc_service::staff::Staff::command_line(None),
            "nobody@example.org"
        )
        .await
        .is_err()
    );
    let reset = |email: &str, code: &str| json!({ "email": email, "code": code, "new_password": "after the reset" });
    let (status, wrong) = api.post("/v1/password-reset", None, &reset("ana@example.org", "AAAA-BBBB-CCCC")).await;
    assert_eq!(status, 401, "{wrong}");
    let (status, unknown) = api.post("/v1/password-reset", None, &reset("nobody@example.org", &code)).await;
    assert_eq!((status, &unknown["message"]), (401, &wrong["message"]), "unknown emails look like wrong codes");
    let (status, body) = api.post("/v1/password-reset", None, &reset("ana@example.org", &code.to_lowercase())).await;
    assert_eq!(status, 204, "the code as typed, in any case: {body}");
    for device in [&phone, &tablet] {
        assert_eq!(api.get("/v1/me", Some(&device.token)).await.0, 401, "every device is signed out");
    }
    assert_eq!(login(&api, "a new long password").await, 401);
    assert_eq!(login(&api, "after the reset").await, 200);
    let (status, _) = api.post("/v1/password-reset", None, &reset("ana@example.org", &code)).await;
    assert_eq!(status, 401, "a code works once");
    server.stop().await.expect("stop");
}

/// Guessing reset codes is throttled like guessing passwords.
async fn reset_codes_cannot_be_guessed<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    let (_, code) =
        rsc_service::staff::issue_reset_code(&store, &rsc_service::staff::Staff::command_line(None), "ana@example.org")
            .await
            .expect("code");
    let mut statuses = Vec::new();
    for i in 0..12 {
        let guess = json!({ "email": "ana@example.org", "code": format!("AAAA-AAAA-{i:04}"), "new_password": "a guessed password" });
        statuses.push(api.post("/v1/password-reset", None, &guess).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 10, "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    let right = json!({ "email": "ana@example.org", "code": code, "new_password": "a guessed password" });
    assert_eq!(api.post("/v1/password-reset", None, &right).await.0, 429, "even the right code waits now");
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    strangers_never_lock_the_owner_out_of_her_known_devices,
    passwords_change_and_reset_with_a_one_time_staff_code,
    reset_codes_cannot_be_guessed,
    registration_validates_and_does_not_reveal_existing_accounts,
    parallel_guesses_get_exactly_the_limit_checked,
    successful_sign_ins_do_not_count_as_failures,
    devices_sign_in_list_and_revoke,
    sign_in_checks_device_fields_and_actor_binding,
    sign_in_is_rate_limited_per_account,
);
