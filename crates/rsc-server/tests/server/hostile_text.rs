//! Hostile text in every field a client controls, on both backends: NUL and every other control
//! character, lone surrogates, right-to-left marks, SQL, very long text and random Unicode, in
//! JSON bodies, paths, queries, forms and a registry file. Nothing may answer a 5xx: text that
//! Postgres refuses (a NUL) must be refused before it reaches either database, by name.

use rsc_server::RunningServer;
use rsc_server::store::Store;
use serde_json::{Value, json};

use rsc_test_kit::{Api, Device};

/// The fixed corpus, then pseudo-random strings from a pool of awkward characters.
fn hostile() -> Vec<String> {
    let mut all: Vec<String> = [
        "\u{0}",
        "NM-1\u{0}",
        "\u{0}\u{0}\u{0}",
        "a\u{1}b\u{1f}c",
        "\u{7f}",
        "\u{85}\u{9f}",
        "\u{b}\u{c}\u{8}",
        "\u{202e}gnp.exe",
        "\u{feff}",
        "' OR 1=1 --",
        "\"; DROP TABLE users; --",
        "%00",
        "..%2f..%2fetc%2fpasswd",
        "<script>alert(1)</script>",
        "=HYPERLINK(\"x\")",
        "😀👩🏽‍⚕️",
        "Ałtsé Hashkʼeʼ",
        "",
        " ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.push("x".repeat(70_000));
    let pool: Vec<char> =
        "\u{0}\u{1}\u{9}\u{a}\u{d}\u{1b}\u{7f}\u{80}\u{200b}\u{fffd}aZ9-_%/\\'\"<>éß漢😀".chars().collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..40 {
        let mut text = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        for i in 0..(seed % 24) {
            text.push(pool[((seed >> (i % 48)) as usize + i as usize) % pool.len()]);
        }
        all.push(text);
    }
    all
}

/// A path segment or query value as a client would send it.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn no_text_answers_a_server_error<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    api.register("pat").await;
    let ana = Device::sign_in(&api, "ana").await;
    let pat = Device::sign_in(&api, "pat").await;
    pat.connect(&[&ana]).await;
    let group = pat.group("Tuesday", &[&ana]).await;
    let staff = rsc_test_kit::staff_device(&store, &api, "staff").await;
    let device = json!({ "name": "phone", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()), "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) });
    let mut failures = Vec::new();
    let mut check = |what: String, status: u16, body: &Value| {
        if status >= 500 {
            failures.push(format!("{what}: {status} {body}"));
        }
    };
    for text in hostile() {
        let t = text.as_str();
        // In a URL the text is cut to 1,000 characters: longer ones are no URL a client can send.
        let e = encode(&t.chars().take(1_000).collect::<String>());
        let bodies: Vec<(&str, String, Option<&str>, Value)> = vec![
            ("POST", "/v1/accounts".into(), None, json!({ "email": t, "password": t, "display_name": t })),
            (
                "POST",
                "/v1/login".into(),
                None,
                json!({ "email": t, "password": t, "device": device, "known_client": t }),
            ),
            ("POST", "/v1/password-reset".into(), None, json!({ "email": t, "code": t, "new_password": t })),
            (
                "PUT",
                "/v1/me/profile".into(),
                Some(&ana.token),
                json!({ "display_name": t, "masters_conferred_on": t, "rulebook": t, "purpose": t }),
            ),
            ("POST", "/v1/me/claims".into(), Some(&pat.token), json!({ "number": t })),
            ("POST", "/v1/connections".into(), Some(&ana.token), json!({ "code": t })),
            ("POST", "/v1/connections".into(), Some(&ana.token), json!({ "endorsement_number": t })),
            ("POST", "/v1/connections/requests".into(), Some(&ana.token), json!({ "endorsement_number": t })),
            ("POST", format!("/v1/connections/requests/{e}/accept"), Some(&pat.token), json!({})),
            ("DELETE", format!("/v1/connections/people/{e}"), Some(&pat.token), Value::Null),
            ("DELETE", format!("/v1/connections/codes/{e}"), Some(&pat.token), Value::Null),
            ("POST", "/v1/groups".into(), Some(&pat.token), json!({ "name": t, "members": [t] })),
            ("PATCH", format!("/v1/groups/{group}"), Some(&pat.token), json!({ "name": t })),
            ("PATCH", format!("/v1/groups/{e}"), Some(&pat.token), json!({ "archived": true })),
            ("POST", format!("/v1/groups/{group}/members"), Some(&pat.token), json!({ "member": t })),
            ("DELETE", format!("/v1/groups/{group}/members/{e}"), Some(&pat.token), Value::Null),
            ("DELETE", format!("/v1/devices/{e}"), Some(&ana.token), Value::Null),
            ("DELETE", format!("/v1/me/export-links/{e}"), Some(&ana.token), Value::Null),
            ("GET", format!("/verify/{e}"), None, Value::Null),
            ("GET", format!("/verify/sha256/{e}/export.json"), None, Value::Null),
            ("GET", format!("/v1/me/evaluation?rulebook={e}&as_of={e}&purpose={e}"), Some(&ana.token), Value::Null),
            ("GET", format!("/v1/registry/records/{e}"), Some(&staff.token), Value::Null),
            ("GET", format!("/v1/registry/records?q={e}"), Some(&staff.token), Value::Null),
            ("POST", format!("/v1/registry/records/{e}/lapse"), Some(&staff.token), json!({ "valid_through": t })),
            ("POST", format!("/v1/registry/claims/{e}/approve"), Some(&staff.token), json!({ "note": t })),
            (
                "POST",
                "/v1/sync".into(),
                Some(&ana.token),
                json!({ "v": 1, "push": [{ "doc": t, "changes": [] }], "account_version": t }),
            ),
        ];
        for (method, path, token, body) in bodies {
            let body = (!body.is_null()).then_some(&body);
            let (status, answer) = api.call(method, &path, token, body).await;
            check(format!("{method} {path:.80}"), status, &answer);
        }
        // A registry file holding the text in every column.
        let csv = format!(
            "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n\"{q}\",\"{q}\",\"{q}\",IMHM-C,\"{q}\",2020-01-01,,\n",
            q = t.replace('"', "\"\"")
        );
        let status = api.import_registry(&staff.token, &t.chars().take(1_000).collect::<String>(), csv).await;
        check("registry import".into(), status, &Value::Null);
        // The portal's forms, as a browser posts them (a wrong token is refused before any use,
        // so the text goes where a signed-out form reads it: sign-in and sign-up).
        for (path, fields) in [
            ("/signin", vec![("email", t), ("password", t), ("next", t), ("csrf", "x")]),
            ("/signup", vec![("email", t), ("password", t), ("display_name", t), ("csrf", "x")]),
        ] {
            let form: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
            let response = api
                .http
                .post(format!("{}{path}", api.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", "rsc_csrf=x")
                .body(form)
                .send()
                .await
                .expect("form");
            check(format!("POST {path}"), response.status().as_u16(), &Value::Null);
        }
    }
    assert!(failures.is_empty(), "{} server errors:\n{}", failures.len(), failures.join("\n"));
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(no_text_answers_a_server_error);
