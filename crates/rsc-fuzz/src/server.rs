//! The targets that need a running server: a sync request and a portal form, each sent over
//! HTTP to a real `rsc-server` (in this process, on its own SQLite database) by a signed-in
//! device or browser; and a sync answer kept by a real device logbook signed in to it.
//!
//! The server counts as broken when it answers 500 (a panic or an unexpected error) to
//! anything a client sends; the device when its logbook no longer reads after an answer.

use std::sync::OnceLock;

use rsc_client::{Logbook, SessionFilter};
use rsc_server::RunningServer;
use rsc_server::store::SqliteStore;
use rsc_test_kit::{Api, SEED_ASSOCIATIONS, make_staff};

/// The password of every account here.
const PASSWORD: &str = "a long enough password";

/// The actor of the fuzzing device: the one that made `data/session.automerge`, so that its
/// changes come in as this device's own.
pub const ACTOR: [u8; 16] = [0xa0; 16];

/// The portal's forms, by the first byte of a `portal_form` input: path, and whether the form
/// is multipart (the rest are URL-encoded). Signing out, closing the account and changing its
/// password are left out: they would end the sessions every input after relies on.
pub const FORMS: [(&str, bool); 32] = [
    ("/signin", false),
    ("/signup", false),
    ("/reset", false),
    ("/profile", false),
    ("/connect", false),
    ("/people/request", false),
    ("/people/answer", false),
    ("/people/end", false),
    ("/people/codes", false),
    ("/people/codes/withdraw", false),
    ("/people/claim", false),
    ("/groups", false),
    ("/groups/0195d2a0-0000-7000-8000-000000000960", false),
    ("/sessions", false),
    ("/sessions/withdraw", false),
    ("/sessions/restore", false),
    ("/sessions/edit", false),
    ("/trainings", true),
    ("/trainings/remove", false),
    ("/provider/sign", false),
    ("/staff/records/NM-1001", false),
    ("/staff/import", true),
    ("/staff/claims/0195d2a0-0000-7000-8000-0000000c1a10", false),
    ("/operator/associations", false),
    ("/operator/associations/change", false),
    ("/operator/staff", false),
    ("/operator/reset", false),
    ("/exports/make", false),
    ("/exports/withdraw", false),
    ("/review", true),
    ("/signin?next=/sessions", false),
    ("/sessions?kind=group", false),
];

/// The boundary of the multipart seeds.
pub const BOUNDARY: &str = "rscfuzzboundary";

struct Harness {
    runtime: tokio::runtime::Runtime,
    _server: RunningServer,
    base: String,
    http: reqwest::Client,
    /// The device's bearer token.
    token: String,
    /// The browser's cookies, and the token its forms carry.
    cookies: String,
    csrf: String,
    logbook: Logbook,
}

/// The folder of this process's databases: in memory where the machine has `/dev/shm`, since
/// the campaigns start a fresh one every thousand inputs. Folders of processes that ended are
/// removed first.
fn scratch() -> std::path::PathBuf {
    let root = match std::path::Path::new("/dev/shm") {
        shm if shm.is_dir() => shm.to_path_buf(),
        _ => std::env::temp_dir(),
    };
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(pid) = name.strip_prefix("rsc-fuzz-")
                && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(format!("rsc-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = scratch();
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let (server, base, token, cookies, csrf) = runtime.block_on(async {
            let store = SqliteStore::connect(&format!("sqlite://{}/rsc.db", dir.display())).await.expect("store");
            let server = RunningServer::start(store.clone()).await.expect("server");
            let base = server.url();
            let api = Api::new(base.clone());
            make_staff(&store, "fuzz@example.org", &SEED_ASSOCIATIONS).await;
            let key = rsc_doc::DeviceKey::from_secret_bytes(&[7; 32]);
            let (status, login) = api
                .post(
                    "/v1/login",
                    None,
                    &serde_json::json!({ "email": "fuzz@example.org", "password": PASSWORD,
                        "device": { "name": "Fuzz's phone", "public_key": hex::encode(key.public_key()),
                                    "actor_id": hex::encode(ACTOR) } }),
                )
                .await;
            assert_eq!(status, 200, "{login}");
            let token = login["token"].as_str().expect("token").to_string();
            let signed_in = api.portal_sign_in("fuzz@example.org", PASSWORD, "/").await;
            let session =
                rsc_test_kit::set_cookie_value(&signed_in, "rsc_session").expect("the portal's session cookie");
            let cookies = format!("rsc_session={session}");
            let page = http.get(format!("{base}/profile")).header("cookie", &cookies).send().await.expect("page");
            let html = page.text().await.expect("html");
            let csrf = rsc_test_kit::csrf_in(&html);
            assert!(!csrf.is_empty(), "a form's token on her profile page");
            // The sign-in forms check their token against this cookie instead.
            let cookies = format!("{cookies}; rsc_csrf={csrf}");
            (server, base, token, cookies, csrf)
        });
        let logbook = Logbook::open(dir.join("device")).expect("device logbook");
        logbook.sign_up(&base, "device@example.org", PASSWORD, "Device", "Device's phone").expect("device sign-up");
        Harness { runtime, _server: server, base, http, token, cookies, csrf, logbook }
    })
}

/// Sends `request` and fails on a server error.
fn send(harness: &Harness, what: &str, request: reqwest::RequestBuilder) {
    let status = harness.runtime.block_on(async { request.send().await.expect("the server answers").status() });
    assert!(status.as_u16() != 500, "{what}: the server failed (500) on a client's input");
}

/// A sync request's body, from a signed-in device.
pub fn sync_request(data: &[u8]) {
    let harness = harness();
    let request = harness
        .http
        .post(format!("{}/v1/sync", harness.base))
        .bearer_auth(&harness.token)
        .header("content-type", "application/json")
        .body(data.to_vec());
    send(harness, "POST /v1/sync", request);
}

/// A portal form, from a signed-in browser: the first byte picks the form, the rest is its
/// body, after the browser's own token (a first field, or a first part of a multipart form).
pub fn portal_form(data: &[u8]) {
    let Some((&choice, body)) = data.split_first() else { return };
    let harness = harness();
    let (path, multipart) = FORMS[usize::from(choice) % FORMS.len()];
    let (content_type, body) = if multipart {
        let mut sent =
            format!("--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n", harness.csrf)
                .into_bytes();
        sent.extend_from_slice(body);
        (format!("multipart/form-data; boundary={BOUNDARY}"), sent)
    } else {
        let mut sent = format!("csrf={}&", harness.csrf).into_bytes();
        sent.extend_from_slice(body);
        ("application/x-www-form-urlencoded".to_string(), sent)
    };
    let request = harness
        .http
        .post(format!("{}{path}", harness.base))
        .header("cookie", &harness.cookies)
        .header("content-type", content_type)
        .body(body);
    send(harness, &format!("POST {path}"), request);
}

/// A sync answer kept by a device, as if the server had sent it.
pub fn pulled_page(data: &[u8]) {
    let harness = harness();
    let _ = harness.logbook.keep_answer(data);
    // Whatever it was told, the device's logbook still reads.
    harness.logbook.sessions(&SessionFilter::default()).expect("the device's sessions read after an answer");
    harness.logbook.trainings().expect("the device's trainings read after an answer");
    harness.logbook.status().expect("the device's status reads after an answer");
}
