//! Exports as reviewers and attackers meet them: the same hours exported many times at once
//! are that many exports, never a 5xx; an export handed out in the first format still verifies
//! on its link and when uploaded; export links are too long to guess, and guessing is
//! throttled per address; a group session shows its size, never who else attended.

use rsc_model::SessionKind;
use rsc_server::RunningServer;
use rsc_server::store::{ExportRecord, ServerKeyRecord, Store, UserRecord};
use serde_json::Value;

use rsc_test_kit::{Api, Device, signed_at};

const V1: &str = include_str!("../../../rsc-export/tests/fixtures/export-v1.json");
const V1_SERVER: &str = include_str!("../../../rsc-export/tests/fixtures/export-v1-server.json");

/// Ana, connected to Pat, who holds NM-7; Ana logs a group session with Ben (in Pat's group)
/// and Pat confirms both.
async fn world<S: Store>(store: &S, api: &Api) -> (Device, Device, Device) {
    let mut ana = crate::consent::person(api, "ana").await;
    let ben = crate::consent::person(api, "ben").await;
    let mut pat = crate::consent::person(api, "pat").await;
    pat.connect(&[&ana, &ben]).await;
    pat.group("Tuesday", &[&ana, &ben]).await;
    crate::consent::holds(store, api, &pat, "pat", "NM-7").await;
    let (ana_id, ben_id, pat_id) = (ana.user_id.clone(), ben.user_id.clone(), pat.user_id.clone());
    let doc = ana.log(&pat_id, SessionKind::Group, &[(&ana_id, 90), (&ben_id, 90)]);
    ana.sync().await;
    pat.sync().await;
    let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    pat.edit(&doc, |d, me| {
        for who in [&ana_id, &ben_id] {
            d.confirm(&key, me, who, rsc_model::Minutes::new(90, "m").expect("m"), signed_at(1)).expect("confirm");
        }
    });
    pat.sync().await;
    let (status, _) =
        api.call("PUT", "/v1/me/profile", Some(&ana.token), Some(&serde_json::json!({ "rulebook": "nmaimh" }))).await;
    assert_eq!(status, 200);
    (ana, ben, pat)
}

async fn exports_requested_together_are_distinct_exports<S: Store>(store: S) {
    use sha2::Digest;
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let (ana, ben, _pat) = world(&store, &api).await;
    let mut requests = Vec::new();
    for i in 0..40 {
        let http = api.http.clone();
        let url = format!("{}/v1/me/exports/{}?as_of=2025-06-01", api.base, ["json", "csv"][i % 2]);
        let token = ana.token.clone();
        requests.push(tokio::spawn(async move {
            let response = http.get(url).bearer_auth(token).send().await.expect("get");
            let status = response.status().as_u16();
            let id = response.headers().get("x-rsc-export-id").map(|v| v.to_str().expect("id").to_string());
            (status, id, response.bytes().await.expect("body").to_vec())
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut digests = std::collections::BTreeSet::new();
    let mut json = None;
    for request in requests {
        let (status, id, body) = request.await.expect("task");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let id = id.expect("an export id");
        assert_eq!(id.len(), rsc_service::verified::EXPORT_ID_LEN, "{id}");
        ids.insert(id);
        digests.insert(hex::encode(sha2::Sha256::digest(&body)));
        if body.starts_with(b"{") {
            json = Some(body);
        }
    }
    assert_eq!((ids.len(), digests.len()), (40, 40), "forty exports, each its own");

    // The JSON carries its id inside what is signed, and the group's size, never Ben.
    let json = json.expect("a JSON export");
    let export: Value = serde_json::from_slice(&json).expect("json");
    assert_eq!(export["format"], rsc_export::FORMAT);
    let id = export["payload"]["export_id"].as_str().expect("export id in the payload");
    assert!(ids.contains(id));
    let sizes = export["payload"]["group_sizes"].as_object().expect("group sizes");
    assert_eq!(sizes.values().collect::<Vec<_>>(), [&Value::from(2)]);
    let text = String::from_utf8_lossy(&json);
    assert!(!text.contains(ben.user_id.as_str()) && !text.contains("\"ben\""), "Ben is not in Ana's export");
    let (_, keys) = api.get("/v1/server-keys", None).await;
    let keys: Vec<rsc_export::PublishedKey> = serde_json::from_value(keys).expect("keys");
    let report = rsc_export::verify(&json, Some(&keys)).expect("verifies");
    assert_eq!(report.export_id.as_deref(), Some(id));
    // The CSV says the group's size and that the session is in the counted window, and names
    // only Ana's provider.
    let (status, csv) = api.get_text("/v1/me/exports/csv?as_of=2025-06-01", &ana.token).await;
    assert_eq!(status, 200);
    let mut rows = csv::Reader::from_reader(rsc_export::reports::csv_table(&csv).as_bytes());
    let header = rows.headers().expect("header").clone();
    let row = rows.records().next().expect("a row").expect("row");
    let column = |name: &str| row.get(header.iter().position(|h| h == name).expect(name)).expect("cell").to_string();
    assert_eq!(
        (column("group_size"), column("in_window"), column("provider")),
        ("2".into(), "yes".into(), "pat".into())
    );
    assert!(!csv.contains("ben"), "{csv}");
    // The PDF says the group's size and never who else attended.
    let pdf = api
        .http
        .get(format!("{}/v1/me/exports/pdf?as_of=2025-06-01", api.base))
        .bearer_auth(&ana.token)
        .send()
        .await
        .expect("pdf")
        .bytes()
        .await
        .expect("body");
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().expect("temp");
    std::fs::write(file.path(), &pdf).expect("write");
    let text = std::process::Command::new("pdftotext").arg(file.path()).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Group of 2"), "{text}");
    assert!(!text.contains("ben") && !text.contains(ben.user_id.as_str()), "{text}");
    server.stop().await.expect("stop");
}

/// The first format's export, handed out before this change, kept on the server as it was.
async fn keep_the_v1_fixture<S: Store>(store: &S) -> String {
    let server: Value = serde_json::from_str(V1_SERVER).expect("fixture");
    let export: Value = serde_json::from_str(V1).expect("export");
    let applicant = export["payload"]["applicant"]["id"].as_str().expect("applicant").to_string();
    store
        .create_user(&UserRecord {
            id: applicant.clone().into(),
            email: "fixture@example.org".into(),
            display_name: "José Ramírez Peña".into(),
            password_hash: "$argon2id$none".into(),
            role: rsc_protocol::Role::Member,
            created_at_ms: 1,
        })
        .await
        .expect("applicant");
    let hex_field = |name: &str| hex::decode(server[name].as_str().expect(name)).expect("hex");
    store
        .add_server_key(&ServerKeyRecord {
            id: server["key_id"].as_str().expect("key id").into(),
            secret: hex_field("secret_hex"),
            public_key: hex_field("public_key_hex"),
            created_at_ms: server["created_at_ms"].as_i64().expect("ms"),
            retired_at_ms: None,
        })
        .await
        .expect("key");
    use sha2::Digest;
    let id = server["export_id"].as_str().expect("id").to_string();
    store
        .create_export(&ExportRecord {
            id: id.clone(),
            user_id: applicant.into(),
            digest: sha2::Sha256::digest(V1.as_bytes()).to_vec(),
            body: V1.into(),
            created_at_ms: server["export_created_at_ms"].as_i64().expect("ms"),
            withdrawn_at_ms: None,
        })
        .await
        .expect("export");
    id
}

async fn an_export_of_the_first_format_still_verifies_on_its_link_and_uploaded<S: Store>(store: S) {
    let id = keep_the_v1_fixture(&store).await;
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let (status, page) = api.get_text(&format!("/verify/{id}"), "").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Verified.") && page.contains("José Ramírez Peña"), "{page}");
    let (status, body) = api.get_text(&format!("/verify/{id}/export.json"), "").await;
    assert_eq!((status, body.as_str()), (200, V1));
    // Uploaded on the review page.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let form = http.get(format!("{}/review", api.base)).send().await.expect("review form");
    let cookie = form.headers()["set-cookie"].to_str().expect("cookie").split(';').next().expect("pair").to_string();
    let csrf = cookie.split_once('=').expect("=").1.to_string();
    // A multipart body as a browser sends the form.
    let boundary = "rsc-test-boundary-7f3a";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"export\"; filename=\"export.json\"\r\n\
         Content-Type: application/json\r\n\r\n{V1}\r\n--{boundary}--\r\n"
    );
    let response = http
        .post(format!("{}/review", api.base))
        .header("cookie", cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().await.expect("html").contains("Verified."));
    server.stop().await.expect("stop");
}

async fn export_links_cannot_be_walked<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let (ana, _ben, _pat) = world(&store, &api).await;
    let response = api
        .http
        .get(format!("{}/v1/me/exports/json?as_of=2025-06-01", api.base))
        .bearer_auth(&ana.token)
        .send()
        .await
        .expect("export");
    let real = response.headers()["x-rsc-export-id"].to_str().expect("id").to_string();
    // Text that is no id at all, a NUL, and wrong ids: one answer, never a 5xx, none touching
    // another's export; each counted against the address.
    let mut statuses = Vec::new();
    assert_eq!(api.get_text("/verify/%00", "").await.0, 422, "a NUL is refused by name");
    for guess in ["..%2F..", "NM-1001", &"Z".repeat(26), &"0".repeat(12), &"1".repeat(500)] {
        statuses.push(api.get_text(&format!("/verify/{guess}"), "").await.0);
    }
    assert!(statuses.iter().all(|s| *s == 404), "{statuses:?}");
    let (status, _) = api.get_text(&format!("/verify/{real}"), "").await;
    assert_eq!(status, 200, "a real link is not counted");
    for i in 0..30 {
        let (status, _) = api.get_text(&format!("/verify/{:0>26}", i), "").await;
        if status == 429 {
            break;
        }
        assert_eq!(status, 404);
    }
    let (status, page) = api.get_text(&format!("/verify/{}", "2".repeat(26)), "").await;
    assert_eq!(status, 429, "past the limit, guessing stops: {page}");
    assert!(page.contains("Too many unknown links"));
    // Withdrawing with a NUL is refused by name, with garbage a plain 404.
    let (status, _) = api.call("DELETE", "/v1/me/export-links/%00", Some(&ana.token), None).await;
    assert_eq!(status, 422);
    let (status, _) = api.call("DELETE", "/v1/me/export-links/..%2F..", Some(&ana.token), None).await;
    assert_eq!(status, 404);
    server.stop().await.expect("stop");
}

/// A provider whose name is a spreadsheet formula reaches the reviewer's CSV as text.
async fn a_name_that_is_a_formula_reaches_the_csv_as_text<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let (ana, _ben, pat) = world(&store, &api).await;
    let formula = "=HYPERLINK(\"https://evil.example\",\"Pat\")";
    let (status, _) = api
        .call("PUT", "/v1/me/profile", Some(&pat.token), Some(&serde_json::json!({ "display_name": formula })))
        .await;
    assert_eq!(status, 200);
    let (status, csv) = api.get_text("/v1/me/exports/csv?as_of=2025-06-01", &ana.token).await;
    assert_eq!(status, 200);
    let mut rows = csv::Reader::from_reader(rsc_export::reports::csv_table(&csv).as_bytes());
    let header = rows.headers().expect("header").clone();
    let row = rows.records().next().expect("a row").expect("row");
    let provider = row.get(header.iter().position(|h| h == "provider").expect("column")).expect("cell");
    assert_eq!(provider, format!("'{formula}"), "kept as text");
    let minutes = row.get(header.iter().position(|h| h == "minutes_counted").expect("column")).expect("cell");
    assert_eq!(minutes, "90", "numbers stay numbers");
    server.stop().await.expect("stop");
}

/// One export, three renderings: made once, its JSON, CSV and PDF name one id and one SHA-256
/// (the JSON's), under file names that carry the applicant's name; nobody else downloads it; a
/// withdrawn one is not handed out again, and its standing says so.
async fn one_export_is_downloaded_as_json_csv_and_pdf<S: Store>(store: S) {
    use sha2::Digest;
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let (ana, ben, pat) = world(&store, &api).await;
    let asked = serde_json::json!({ "as_of": "2025-06-01" });
    let (status, made) = api.call("POST", "/v1/me/exports", Some(&ana.token), Some(&asked)).await;
    assert_eq!(status, 201, "{made}");
    let id = made["export_id"].as_str().expect("id").to_string();
    let formats: Vec<&str> =
        made["downloads"].as_array().expect("downloads").iter().filter_map(|d| d["format"].as_str()).collect();
    assert_eq!(formats, ["pdf", "csv", "json"]);
    let download = async |format: &str, token: &str| {
        let response = api
            .http
            .get(format!("{}/v1/me/exports/{id}/{format}", api.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().expect("header").to_string());
        let (id, digest, disposition) =
            (header("x-rsc-export-id"), header("x-rsc-export-sha256"), header("content-disposition"));
        (status, id, digest, disposition, response.bytes().await.expect("body").to_vec())
    };
    let (status, json_id, json_digest, disposition, json) = download("json", &ana.token).await;
    assert_eq!(status, 200);
    assert_eq!(hex::encode(sha2::Sha256::digest(&json)), made["sha256"].as_str().expect("sha256"));
    assert_eq!(json_digest.as_deref(), made["sha256"].as_str());
    assert!(disposition.expect("disposition").contains("filename=\"ana-rsc-hours-nmaimh-2025-06-01.json\""));
    for format in ["csv", "pdf"] {
        let (status, rendered_id, digest, disposition, body) = download(format, &ana.token).await;
        assert_eq!((status, &rendered_id, &digest), (200, &json_id, &json_digest), "{format}: the same export");
        assert!(disposition.expect("disposition").ends_with(&format!("2025-06-01.{format}\"")));
        assert!(!body.is_empty());
        if format == "csv" {
            // A byte-order mark for spreadsheets, a header block naming Ana and the export, then
            // the table; its explanations name Pat, never an id.
            let text = String::from_utf8(body).expect("utf-8");
            assert!(text.starts_with('\u{feff}'), "{text}");
            assert!(text.contains("\napplicant,ana\n") && text.contains(&format!("\nexport_id,{id}\n")), "{text}");
            assert!(text.contains("\nrequirement: "), "{text}");
            let table = rsc_export::reports::csv_table(&text);
            assert!(table.starts_with(rsc_export::reports::CSV_TABLE_START), "{table}");
            assert!(!table.contains(pat.user_id.as_str()), "no provider id: {table}");
        }
    }
    let (status, _, _, _, _) = download("pdf", &ben.token).await;
    assert_eq!(status, 404, "nobody else's to download");
    let (status, _, _, _, _) = download("docx", &ana.token).await;
    assert_eq!(status, 404);
    // Its standing, for a verifier holding the file: kept, not withdrawn.
    let digest = made["sha256"].as_str().expect("sha256");
    let (status, standing) = api.get(&format!("/verify/sha256/{digest}/standing"), None).await;
    assert_eq!((status, standing["withdrawn_at_ms"].is_null()), (200, true), "{standing}");
    assert_eq!(api.call("DELETE", &format!("/v1/me/export-links/{id}"), Some(&ana.token), None).await.0, 204);
    let (status, _, _, _, _) = download("pdf", &ana.token).await;
    assert_eq!(status, 410, "withdrawn: not handed out again");
    let (_, standing) = api.get(&format!("/verify/sha256/{digest}/standing"), None).await;
    assert!(standing["withdrawn_at_ms"].is_i64(), "{standing}");
    let (status, _) = api.get(&format!("/verify/sha256/{}/standing", "0".repeat(64)), None).await;
    assert_eq!(status, 404);
    server.stop().await.expect("stop");
}

/// A person's own data names people and holds her own entries only; closing an account (after
/// its password and the words) signs it out for good and erases its email, yet every minute
/// others counted stays: a supervisee's hours are the same after her provider closes, she still
/// sees her provider's name, someone who never shared a session sees a former member, nobody
/// reaches the closed provider by her number, and an applicant's export handed out before she
/// closed still verifies, saying she closed.
async fn closing_an_account_takes_no_counted_minute<S: Store>(store: S) {
    use rsc_test_kit::people::shows_an_id;
    use serde_json::json;
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let (ana, ben, pat) = world(&store, &api).await;
    let quinn = crate::consent::person(&api, "quinn").await;
    pat.connect(&[&quinn]).await;
    let hours = |token: String| {
        let api = api.clone();
        async move {
            let (status, body) = api.get("/v1/me/evaluation?as_of=2025-06-01", Some(&token)).await;
            assert_eq!(status, 200, "{body}");
            body["requirements"].clone()
        }
    };
    let before = hours(ana.token.clone()).await;
    let (status, made) =
        api.call("POST", "/v1/me/exports", Some(&ana.token), Some(&json!({ "as_of": "2025-06-01" }))).await;
    assert_eq!(status, 201, "{made}");
    let export_id = made["export_id"].as_str().expect("id").to_string();

    let (status, data) = api.get("/v1/me/data", Some(&pat.token)).await;
    assert_eq!(status, 200, "{data}");
    assert_eq!(
        (data["format"].as_str(), data["account"]["email"].as_str()),
        (Some("rsc-logbook-own-data/1"), Some("pat@example.org"))
    );
    let entries: Vec<_> = data["sessions"][0]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["attendee"].clone(), e["status"].clone()))
        .collect();
    assert_eq!(
        entries,
        [(json!("ana"), json!("confirmed")), (json!("ben"), json!("confirmed"))],
        "as the provider, every entry she confirmed"
    );
    assert_eq!(
        (data["claims"][0]["number"].as_str(), data["claims"][0]["status"].as_str()),
        (Some("NM-7"), Some("approved"))
    );
    assert!(!shows_an_id(&data.to_string()), "names, not ids: {data}");
    let (_, hers) = api.get("/v1/me/data", Some(&ana.token)).await;
    let attendees: Vec<_> =
        hers["sessions"][0]["entries"].as_array().expect("entries").iter().map(|e| e["attendee"].clone()).collect();
    assert_eq!(attendees, [json!("ana")], "Ben's entry in the group is his, not hers: {hers}");
    assert_eq!(
        (hers["sessions"][0]["provider"].as_str(), hers["exports"][0]["id"].as_str()),
        (Some("pat"), Some(export_id.as_str()))
    );
    assert!(!hers.to_string().contains(ben.user_id.as_str()));

    // Pat closes: a wrong password and a missing confirmation close nothing.
    let close = |password: &str, confirm: &str| json!({ "password": password, "confirm": confirm });
    let (status, body) =
        api.post("/v1/me/close", Some(&pat.token), &close("not her password", "close my account")).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("password")), "{body}");
    let (status, body) = api.post("/v1/me/close", Some(&pat.token), &close("a long enough password", "yes")).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("confirm")), "{body}");
    assert_eq!(api.get("/v1/me", Some(&pat.token)).await.0, 200, "still open");
    let (status, _) =
        api.post("/v1/me/close", Some(&pat.token), &close("a long enough password", "Close my account")).await;
    assert_eq!(status, 204);
    assert_eq!(api.get("/v1/me", Some(&pat.token)).await.0, 401, "every device signed out");
    let login = json!({ "email": "pat@example.org", "password": "a long enough password", "device": { "name": "x", "public_key": hex::encode([7u8; 32]), "actor_id": "00112233445566778899aabbccddeeff" } });
    let (status, body) = api.post("/v1/login", None, &login).await;
    assert!(status == 401 || status == 422, "no sign-in after closing: {status} {body}");

    assert_eq!(hours(ana.token.clone()).await, before, "not a minute of Ana's went");
    let named = |token: String| {
        let api = api.clone();
        async move {
            let (_, list) = api.get("/v1/connections", Some(&token)).await;
            let entries = list["entries"].as_array().expect("entries").clone();
            entries.iter().map(|c| c["person"]["display_name"].as_str().expect("name").to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(named(ana.token.clone()).await, ["pat"], "she shared a session with Pat");
    assert_eq!(named(quinn.token.clone()).await, ["former member"], "he never did");
    let stranger = crate::consent::person(&api, "sam").await;
    let ask = |number: &str| json!({ "endorsement_number": number });
    let closed = api.post("/v1/connections/requests", Some(&stranger.token), &ask("NM-7")).await;
    let nobody = api.post("/v1/connections/requests", Some(&stranger.token), &ask("NM-404")).await;
    assert_eq!(
        (closed.0, closed.1.to_string().replace("NM-7", "…")),
        (nobody.0, nobody.1.to_string().replace("NM-404", "…"))
    );

    // Ana closes too; the export she handed out still verifies, and says so.
    assert_eq!(
        api.post("/v1/me/close", Some(&ana.token), &close("a long enough password", "close my account")).await.0,
        204
    );
    let page = api.http.get(format!("{}/verify/{export_id}", api.base)).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.expect("html");
    assert!(page.contains("closed her RSC Logbook account"), "{page}");
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    closing_an_account_takes_no_counted_minute,
    a_name_that_is_a_formula_reaches_the_csv_as_text,
    exports_requested_together_are_distinct_exports,
    an_export_of_the_first_format_still_verifies_on_its_link_and_uploaded,
    export_links_cannot_be_walked,
    one_export_is_downloaded_as_json_csv_and_pdf,
);
