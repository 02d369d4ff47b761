//! Least disclosure, as a stranger tries it against real server processes on SQLite and on
//! Postgres: endorsement numbers are public and sequential, so a stranger walks NM-1001 to
//! NM-1050, asking each to connect by the request route and the route apps released before
//! requests use, then reads everything the API, the sync and the portal answer her. No
//! supervisee's name or id may appear anywhere: until a provider accepts, a stranger sees the
//! provider and nobody else.

use rsc_model::{Minutes, SessionKind};
use serde_json::{Value, json};

use rsc_test_kit::people::names;
use rsc_test_kit::{Api, Device, signed_at};

const PASSWORD: &str = "a long enough password";
const HEADER: &str =
    "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n";

/// Registers `login@example.org` as `name` and signs a device in.
async fn person(api: &Api, login: &str, name: &str) -> Device {
    let (status, body) = api
        .post(
            "/v1/accounts",
            None,
            &json!({ "email": format!("{login}@example.org"), "password": PASSWORD, "display_name": name }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    Device::sign_in(api, login).await
}

/// Ten of the fifty numbers are held by providers, each with two supervisees in one group who
/// share a confirmed group session; a stranger then walks all fifty.
async fn a_stranger_who_walks_the_registry_learns_no_supervisee(database: Option<&str>) {
    let (_server, api) = rsc_test_kit::process::start_server_on(database).await;
    let staff = Device::sign_in(&api, "staff").await;
    let names = names();
    let mut csv = HEADER.to_string();
    let mut secrets: Vec<String> = Vec::new();
    let mut providers = Vec::new();
    for n in 1..=50u32 {
        let holder = if n % 5 == 1 { format!("Provider {n}") } else { format!("Someone Else {n}") };
        csv.push_str(&format!("NM-{},{holder},p{n}@example.org,IMHM-C,NMAIMH,2015-03-01,,\n", 1000 + n));
    }
    assert_eq!(api.import_registry(&staff.token, "privacy.csv", csv).await, 200);
    for (i, n) in (1..=50u32).filter(|n| n % 5 == 1).enumerate() {
        let mut pat = person(&api, &format!("p{n}"), &format!("Provider {n}")).await;
        let (status, claim) =
            api.post("/v1/me/claims", Some(&pat.token), &json!({ "number": format!("NM-{}", 1000 + n) })).await;
        assert_eq!(status, 201, "{claim}");
        let approve = format!("/v1/registry/claims/{}/approve", claim["id"].as_str().expect("id"));
        assert_eq!(api.post(&approve, Some(&staff.token), &json!({})).await.0, 200);
        let (first, second) = (names[(2 * i) % names.len()].clone(), names[(2 * i + 1) % names.len()].clone());
        let mut ana = person(&api, &format!("s{n}a"), &format!("{first} {n}")).await;
        let ben = person(&api, &format!("s{n}b"), &format!("{second} {n}")).await;
        pat.connect(&[&ana, &ben]).await;
        pat.group("Tuesday reflective group", &[&ana, &ben]).await;
        let (ana_id, ben_id, pat_id) = (ana.user_id.clone(), ben.user_id.clone(), pat.user_id.clone());
        let doc = ana.log(&pat_id, SessionKind::Group, &[(&ana_id, 90), (&ben_id, 90)]);
        assert!(ana.sync().await.iter().all(|r| r.refused.is_empty()));
        pat.sync().await;
        let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
        pat.edit(&doc, |d, me| {
            for who in [&ana_id, &ben_id] {
                d.confirm(&key, me, who, Minutes::new(90, "m").expect("m"), signed_at(1)).expect("confirm");
            }
        });
        pat.sync().await;
        secrets.extend([format!("{first} {n}"), format!("{second} {n}"), ana_id.to_string(), ben_id.to_string()]);
        secrets.push(doc);
        providers.push(pat);
    }

    // The stranger walks every number, both ways an app asks.
    let mut mallory = person(&api, "mallory", "Mallory").await;
    let mut heard: Vec<(String, Value)> = Vec::new();
    let mut asked = 0;
    for n in 1001..=1050 {
        let number = format!("NM-{n}");
        let (status, body) =
            api.post("/v1/connections/requests", Some(&mallory.token), &json!({ "endorsement_number": number })).await;
        assert!(status == 201 || status == 404 || status == 429, "{number}: {status} {body}");
        asked += usize::from(status == 201);
        heard.push((format!("request {number}"), body));
        let (status, body) =
            api.post("/v1/connections", Some(&mallory.token), &json!({ "endorsement_number": number })).await;
        assert!(status == 409 || status == 404 || status == 429, "{number}: {status} {body}");
        heard.push((format!("old route {number}"), body));
    }
    assert!(asked >= 10, "the ten held numbers were asked: {asked}");
    for path in ["/v1/connections", "/v1/me/providers", "/v1/groups", "/v1/me/pending-confirmations", "/v1/me/profile"]
    {
        let (status, body) = api.get(path, Some(&mallory.token)).await;
        assert_eq!(status, 200, "{path}: {body}");
        heard.push((path.into(), body));
    }
    let (status, body) =
        api.post("/v1/sync", Some(&mallory.token), &json!({ "v": 1, "push": [], "account_version": "" })).await;
    assert_eq!(status, 200, "{body}");
    heard.push(("sync".into(), body));
    assert!(mallory.sync().await.iter().all(|r| r.pull.is_empty()), "the sync brings her no session");

    // Her directory shows the providers she asked, by name and endorsement, and nobody else.
    let (_, directory) = api.get("/v1/me/providers", Some(&mallory.token)).await;
    let people: Vec<&str> =
        directory["people"].as_array().expect("people").iter().filter_map(|p| p["display_name"].as_str()).collect();
    assert_eq!(people, ["Mallory"], "{directory}");
    assert_eq!(directory["providers"].as_array().map(Vec::len), Some(11), "the ten asked, and herself: {directory}");

    // The portal, signed in as her.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let signed_in = api.portal_sign_in("mallory@example.org", PASSWORD, "/people").await;
    assert_eq!(signed_in.status().as_u16(), 303);
    let session = rsc_test_kit::set_cookie_value(&signed_in, "rsc_session").expect("session");
    for path in ["/people", "/sessions", "/dashboard", "/provider", "/exports", "/profile"] {
        let response =
            http.get(format!("{}{path}", api.base)).header("cookie", format!("rsc_session={session}")).send().await;
        let response = response.expect("page");
        let status = response.status().as_u16();
        let text = response.text().await.expect("html");
        assert!(status < 500, "{path}: {status}");
        heard.push((path.into(), Value::String(text)));
    }

    for (what, answer) in &heard {
        let text = answer.to_string();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{what} tells the stranger `{secret}`: {text:.400}");
        }
    }
    // And the providers, who see her request, see her name and email: she is the one showing.
    let (_, theirs) = api.get("/v1/connections", Some(&providers[0].token)).await;
    assert!(theirs.to_string().contains("mallory@example.org"), "{theirs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_walking_the_registry_learns_no_supervisee_on_sqlite() {
    a_stranger_who_walks_the_registry_learns_no_supervisee(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_walking_the_registry_learns_no_supervisee_on_postgres() {
    let Some((name, url)) = rsc_test_kit::create_postgres_db().await else { return };
    a_stranger_who_walks_the_registry_learns_no_supervisee(Some(&url)).await;
    rsc_test_kit::drop_postgres_db(&name).await;
}
