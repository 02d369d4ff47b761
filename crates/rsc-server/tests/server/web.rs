//! The web portal's guarantees, without a browser: its headers, its cookies' flags, the CSRF
//! token every form needs, the pages one role may not open, and the API's sign-in limits on the
//! sign-in form. (The pages themselves are driven in a real browser in the top-level `tests/`.)

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use rsc_server::RunningServer;
use rsc_server::store::Store;

use rsc_test_kit::{Api, Device, csrf_in, set_cookie_value};

const FORM: &str = "application/x-www-form-urlencoded";

/// A form's body, as a browser encodes it.
fn encoded<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
        .finish()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The `Set-Cookie` line for cookie `name`, if the response sets it.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn value(line: &str) -> String {
    line.split(';').next().and_then(|kv| kv.split_once('=')).map(|(_, v)| v.to_string()).unwrap_or_default()
}

/// The sign-in form as a browser would post it, with a real device key.
fn sign_in_form(csrf: &str, password: &str) -> Vec<(&'static str, String)> {
    sign_in_form_of("ana", csrf, password)
}

/// `login@example.org`'s sign-in form.
fn sign_in_form_of(login: &str, csrf: &str, password: &str) -> Vec<(&'static str, String)> {
    let key = rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    vec![
        ("csrf", csrf.to_string()),
        ("email", format!("{login}@example.org")),
        ("password", password.into()),
        ("device_name", "a browser".into()),
        ("public_key", hex::encode(key.public_key())),
        ("actor_id", hex::encode(uuid::Uuid::new_v4().as_bytes())),
        ("next", "/dashboard".into()),
    ]
}

/// Ana's sign-in form, posted with the CSRF token `csrf` in both the cookie and the form.
async fn post_sign_in(http: &reqwest::Client, base: &str, csrf: &str, password: &str) -> reqwest::Response {
    http.post(format!("{base}/signin"))
        .header(COOKIE, format!("rsc_csrf={csrf}"))
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&sign_in_form(csrf, password)))
        .send()
        .await
        .expect("post")
}

async fn the_portal_guards_its_cookies_forms_and_roles<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("ana").await;
    let http = client();

    // The home page's tab names what it is once, then the product.
    let home = http.get(format!("{base}/")).send().await.expect("get").text().await.expect("html");
    assert!(home.contains("<title>RS/C hours you can trust · RSC Logbook</title>"), "{home}");

    // Every page: a CSP with no inline script and nothing from elsewhere, and no framing.
    let page = http.get(format!("{base}/signin")).send().await.expect("get");
    let csp = page.headers()[CONTENT_SECURITY_POLICY].to_str().expect("csp").to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    // The API's answers may load nothing and be framed nowhere either.
    let answer = http.get(format!("{base}/v1/me/profile")).send().await.expect("get");
    assert_eq!(answer.headers()[CONTENT_SECURITY_POLICY], rsc_web::NON_PAGE_CSP);
    assert_eq!(
        (answer.headers()["x-frame-options"].as_bytes(), answer.headers()["x-content-type-options"].as_bytes()),
        (&b"DENY"[..], &b"nosniff"[..])
    );
    // An app's request, which no browser can make for someone else, is answered without what
    // only a browser reads; nosniff still holds.
    let phone = Device::sign_in(&api, "ana").await;
    let answer = http.get(format!("{base}/v1/me/profile")).bearer_auth(&phone.token).send().await.expect("get");
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        ["content-security-policy", "x-frame-options", "referrer-policy"]
            .iter()
            .all(|h| !answer.headers().contains_key(*h))
    );
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
    // A page keeps them all, whatever the request carries: Basic credentials from a URL's user
    // part are sent by the browser itself.
    for authorization in [format!("Bearer {}", phone.token), "Basic YW5hOng=".to_string()] {
        let page = http.get(format!("{base}/signin")).header("authorization", authorization).send().await.expect("get");
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert!(page.headers()[CONTENT_SECURITY_POLICY].to_str().expect("csp").contains("script-src 'self'"));
    }
    let basic =
        http.get(format!("{base}/v1/me/profile")).header("authorization", "Basic YW5hOng=").send().await.expect("get");
    assert_eq!(basic.headers()[CONTENT_SECURITY_POLICY], rsc_web::NON_PAGE_CSP, "Basic is a browser's own");
    let csrf_cookie = set_cookie(&page, "rsc_csrf").expect("a CSRF cookie for the form");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"), "{csrf_cookie}");
    let csrf = csrf_in(&page.text().await.expect("html"));
    assert_eq!(csrf, value(&csrf_cookie), "double submit: the form carries the cookie's value");

    // A page behind sign-in sends the browser to sign in, and back after.
    let away = http.get(format!("{base}/dashboard")).send().await.expect("get");
    assert_eq!(away.status(), StatusCode::SEE_OTHER);
    assert_eq!(away.headers()[LOCATION], "/signin?next=%2Fdashboard");

    // Sign-in without the form's token, or with another one, is refused and signs nobody in.
    for (sent, cookie) in [("", csrf.clone()), ("forged", csrf.clone()), (csrf.as_str(), String::new())] {
        let refused = http
            .post(format!("{base}/signin"))
            .header(COOKIE, format!("rsc_csrf={cookie}"))
            .header(CONTENT_TYPE, FORM)
            .body(encoded(&sign_in_form(sent, "a long enough password")))
            .send()
            .await
            .expect("post");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "csrf `{sent}`, cookie `{cookie}`");
        assert!(set_cookie(&refused, "rsc_session").is_none());
    }

    // Signed in: the session cookie is HttpOnly and SameSite=Strict, and Secure behind TLS.
    let signed_in = http
        .post(format!("{base}/signin"))
        .header(COOKIE, format!("rsc_csrf={csrf}"))
        .header("x-forwarded-proto", "https")
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&sign_in_form(&csrf, "a long enough password")))
        .send()
        .await
        .expect("post");
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[LOCATION], "/dashboard");
    let session = set_cookie(&signed_in, "rsc_session").expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session.contains(flag), "{flag}: {session}");
    }
    let cookie = format!("rsc_session={}", value(&session));
    let dashboard = http.get(format!("{base}/dashboard")).header(COOKIE, &cookie).send().await.expect("get");
    assert_eq!(dashboard.status(), StatusCode::OK);
    let own_csrf = csrf_in(&dashboard.text().await.expect("html"));
    assert!(!own_csrf.is_empty() && own_csrf != csrf);

    // A form without this session's token does nothing: still signed in after a forged sign-out.
    let forged = http
        .post(format!("{base}/signout"))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&[("csrf", csrf.as_str())]))
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let still = http.get(format!("{base}/dashboard")).header(COOKIE, &cookie).send().await.expect("get");
    assert_eq!(still.status(), StatusCode::OK);

    // A member's browser may not open staff's pages, nor act on them.
    for path in ["/staff/claims", "/staff/records", "/staff/import"] {
        let refused = http.get(format!("{base}{path}")).header(COOKIE, &cookie).send().await.expect("get");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(refused.text().await.expect("html").contains("Not for this account"), "{path}");
    }
    let decide = http
        .post(format!("{base}/staff/claims/some-claim"))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&[("csrf", own_csrf.as_str()), ("decision", "approve")]))
        .send()
        .await
        .expect("post");
    assert_eq!(decide.status(), StatusCode::FORBIDDEN);

    // The sign-in form has the API's limits: ten failures, then a wait.
    let mut last = StatusCode::OK;
    for _ in 0..11 {
        let attempt = post_sign_in(&http, &base, &csrf, "a wrong password, guessed").await;
        last = attempt.status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(last, StatusCode::UNAUTHORIZED);
        assert!(attempt.text().await.expect("html").contains("wrong email or password"));
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the limit holds in the browser too");

    // Signing out revokes this browser's device: its cookie no longer opens anything.
    let out = http
        .post(format!("{base}/signout"))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&[("csrf", own_csrf.as_str())]))
        .send()
        .await
        .expect("post");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&out, "rsc_session").is_some_and(|c| c.contains("Max-Age=0")));
    let gone = http.get(format!("{base}/dashboard")).header(COOKIE, &cookie).send().await.expect("get");
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);

    // A forgotten password: the code staff hand over sets a new one in the browser, once.
    Api::new(base.clone()).register("ben").await;
    let (_, code) =
        rsc_service::staff::issue_reset_code(&store, &rsc_service::staff::Staff::command_line(None), "ben@example.org")
            .await
            .expect("a code");
    let page = http.get(format!("{base}/reset")).send().await.expect("get");
    let token = csrf_in(&page.text().await.expect("html"));
    let reset = |code: String| {
        let http = http.clone();
        let (base, token) = (base.clone(), token.clone());
        async move {
            http.post(format!("{base}/reset"))
                .header(COOKIE, format!("rsc_csrf={token}"))
                .header(CONTENT_TYPE, FORM)
                .body(encoded(&[
                    ("csrf", token.as_str()),
                    ("email", "ben@example.org"),
                    ("code", code.as_str()),
                    ("new_password", "a brand new long password"),
                ]))
                .send()
                .await
                .expect("post")
        }
    };
    let wrong = reset("AAAA-BBBB-CCCC".into()).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.expect("html").contains("id=\"code-error\""), "the problem beside the code");
    let done = reset(code.clone()).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()[LOCATION], "/signin?welcome=reset");
    assert_eq!(reset(code).await.status(), StatusCode::UNAUTHORIZED, "a code works once");
    server.stop().await.expect("stop");
}

/// A form that adds someone to a session names only the provider's people, however it is
/// made: the page offers only Pat's supervisees, and a forged `with:` field naming Ben (who
/// is not Pat's) or an id that is nobody's is refused, changing nothing; Cai, who is Pat's,
/// is added.
async fn the_edit_form_adds_only_the_providers_people<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    for name in ["ana", "ben", "cai", "pat"] {
        api.register(name).await;
    }
    let mut phone = Device::sign_in(&api, "ana").await;
    let (ben, cai, pat) =
        (Device::sign_in(&api, "ben").await, Device::sign_in(&api, "cai").await, Device::sign_in(&api, "pat").await);
    pat.connect(&[&phone, &cai, &ben]).await;
    // Ana and Cai share Pat's group; Ben is Pat's too, but in no group with Ana.
    pat.group("Tuesday", &[&phone, &cai]).await;
    let me = phone.user_id.clone();
    let doc = phone.log(&pat.user_id, rsc_model::SessionKind::Group, &[(&me, 60)]);
    phone.sync().await;

    let http = client();
    let page = http.get(format!("{base}/signin")).send().await.expect("get");
    let csrf = set_cookie_value(&page, "rsc_csrf").expect("csrf cookie");
    let signed_in = post_sign_in(&http, &base, &csrf, "a long enough password").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = format!("rsc_session={}", set_cookie_value(&signed_in, "rsc_session").expect("session"));
    let edit_page = http
        .get(format!("{base}/sessions/edit?session={doc}"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(edit_page.contains(&format!("with:{}", cai.user_id)), "Cai is offered");
    assert!(!edit_page.contains(ben.user_id.as_str()), "Ben, whom Ana does not see, is not offered");
    let own_csrf = csrf_in(&edit_page);
    let form = |adding: &str| -> Vec<(String, String)> {
        [
            ("csrf", own_csrf.as_str()),
            ("session", doc.as_str()),
            ("date", "2025-03-04"),
            ("start_time", "10:00"),
            ("time_zone", "America/Denver"),
            ("minutes", "90"),
            ("format", "video"),
            ("provider", pat.user_id.as_str()),
            (&format!("with:{adding}"), "on"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let post = async |pairs: Vec<(String, String)>| {
        let response = http
            .post(format!("{base}/sessions/edit"))
            .header(COOKIE, &cookie)
            .header(CONTENT_TYPE, FORM)
            .body(encoded(&pairs))
            .send()
            .await
            .expect("post");
        (response.status(), response.text().await.expect("html"))
    };
    for stranger in [ben.user_id.as_str(), "d3b07384-d9a0-4c9b-8a7e-000000000000"] {
        let (status, html) = post(form(stranger)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("share a group or a session with can be added"), "the refusal says why: {html}");
        assert!(!html.contains(">ben<") && !html.contains(">Ben<"), "and names nobody Ana does not see");
    }
    phone.sync().await;
    let attendees = |phone: &Device| -> Vec<String> {
        phone.doc(&doc).session().expect("session").attendees.iter().map(|a| a.id.to_string()).collect()
    };
    assert_eq!(attendees(&phone), [me.to_string()], "nobody was added");
    let (status, html) = post(form(cai.user_id.as_str())).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    phone.sync().await;
    let mut expected = vec![me.to_string(), cai.user_id.to_string()];
    expected.sort();
    let mut found = attendees(&phone);
    found.sort();
    assert_eq!(found, expected, "Cai, who shares Pat's group with Ana, was added");
    server.stop().await.expect("stop");
}

/// After a real sign-in the browser goes only to a path on this site: a `next` that a browser
/// would read as another site (a tab, a line break or a backslash inside it), or that holds a
/// control character, sends her home; none answers a 5xx. On the sign-in page (GET) as on its
/// form (POST).
async fn sign_in_never_sends_a_person_to_another_site<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    Api::new(base.clone()).register("ana").await;
    let http = client();
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\u{b}/evil.example",
        "\t//evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/\u{0}",
        "/people",
    ] {
        let query = encoded(&[("next", next)]);
        let page = http.get(format!("{base}/signin?{query}")).send().await.expect("get");
        assert_eq!(page.status(), StatusCode::OK, "{next:?}");
        let csrf = set_cookie_value(&page, "rsc_csrf").expect("csrf");
        let html = page.text().await.expect("html");
        assert!(!html.contains("evil.example"), "the form carries no other site: {next:?}");
        let mut form = sign_in_form_of("ana", &csrf, "a long enough password");
        form.retain(|(k, _)| *k != "next");
        form.push(("next", next.to_string()));
        let response = http
            .post(format!("{base}/signin"))
            .header(COOKIE, format!("rsc_csrf={csrf}"))
            .header(CONTENT_TYPE, FORM)
            .body(encoded(&form))
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next:?}");
        let to = response.headers()[LOCATION].to_str().expect("location").to_string();
        let expected = if next == "/people" { "/people" } else { "/" };
        assert_eq!(to, expected, "{next:?}");
    }
    server.stop().await.expect("stop");
}

/// Someone else's session, a session that does not exist and text that is no id get one
/// answer from every page that takes a session: nobody learns that a session exists.
async fn pages_answer_alike_for_no_session_and_someone_elses<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    for name in ["ana", "pat", "eve"] {
        api.register(name).await;
    }
    let (mut ana, pat) = (Device::sign_in(&api, "ana").await, Device::sign_in(&api, "pat").await);
    pat.connect(&[&ana]).await;
    let me = ana.user_id.clone();
    let theirs = ana.log(&pat.user_id, rsc_model::SessionKind::Individual, &[(&me, 60)]);
    ana.sync().await;
    let eve = Portal::sign_in(&base, "eve").await;
    let answers = async |session: &str| {
        let withdraw = eve.post("/sessions/withdraw", &[("session", session), ("reason", "mine")]).await;
        let page = eve.get(&format!("/provider/sign?session={session}&attendee={me}")).await;
        let signature = "00".repeat(64);
        let sign =
            eve.post("/provider/sign", &[("session", session), ("statements", "00"), ("signatures", &signature)]).await;
        // (A URL's text ends before trailing control characters, so the session is not last.)
        let edit = eve.get(&format!("/sessions/edit?session={session}&from=list")).await;
        [withdraw, page, sign, edit]
    };
    let someone_elses = answers(&theirs).await;
    let unknown = answers("00000000-0000-4000-8000-000000000000").await;
    let garbage = answers("not-an-id").await;
    for (i, answer) in someone_elses.iter().enumerate() {
        assert_eq!(answer.0, StatusCode::NOT_FOUND, "{}", answer.1);
        assert_eq!(answer, &unknown[i], "someone else's session answers as none");
        assert_eq!(answer, &garbage[i], "and as text that is no id");
    }
    // A NUL is refused by name, as a page.
    for (i, answer) in answers("\u{0}").await.iter().enumerate() {
        assert_eq!(answer.0, StatusCode::UNPROCESSABLE_ENTITY, "answer {i}: {}", answer.1);
        assert!(answer.1.contains("holds a control character"), "{}", answer.1);
    }
    server.stop().await.expect("stop");
}

/// A browser that signed in before keeps a mark (a cookie kept after signing out): while
/// strangers' wrong passwords lock the account to unknown clients, it signs in at once.
async fn a_known_browser_signs_in_while_strangers_are_locked_out<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("ana").await;
    let http = client();
    let sign_in = async |known: Option<&str>| {
        let page = http.get(format!("{base}/signin")).send().await.expect("get");
        let csrf = set_cookie_value(&page, "rsc_csrf").expect("csrf");
        let mut cookies = format!("rsc_csrf={csrf}");
        if let Some(known) = known {
            cookies.push_str(&format!("; rsc_known={known}"));
        }
        http.post(format!("{base}/signin"))
            .header(COOKIE, cookies)
            .header(CONTENT_TYPE, FORM)
            .body(encoded(&sign_in_form_of("ana", &csrf, "a long enough password")))
            .send()
            .await
            .expect("post")
    };
    let first = sign_in(None).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let known_line = set_cookie(&first, "rsc_known").expect("the browser is marked as known");
    assert!(known_line.contains("HttpOnly") && known_line.contains("SameSite=Strict"), "{known_line}");
    let known = value(&known_line);
    for _ in 0..rsc_service::auth::MAX_FAILURES_PER_ACCOUNT {
        let guess = serde_json::json!({ "email": "ana@example.org", "password": "somebody guessing",
            "device": { "name": "x", "public_key": hex::encode(rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key").public_key()),
                        "actor_id": hex::encode(uuid::Uuid::new_v4().as_bytes()) } });
        assert_eq!(api.post("/v1/login", None, &guess).await.0, 401);
    }
    assert_eq!(sign_in(None).await.status(), StatusCode::TOO_MANY_REQUESTS, "an unknown browser waits");
    assert_eq!(sign_in(Some(&known)).await.status(), StatusCode::SEE_OTHER, "hers does not");
    server.stop().await.expect("stop");
}

/// A provider does her whole setup in the portal: makes a connection code (shown with its link
/// and QR code), claims her registry record and sees it wait, then approved (with the staff's
/// word), and lands on her queue; a supervisee who opens the link before having an account signs
/// up, signs in, and arrives on the link's page, ready to connect.
async fn a_provider_sets_up_in_the_portal_and_her_link_survives_sign_up<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("pat").await;
    let pat = Portal::sign_in(&base, "pat").await;
    let (status, to) = pat.post("/people/codes", &[("days", "30")]).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/people?done=code"));
    let (_, page) = pat.get("/people").await;
    let link = page
        .split("href=\"")
        .find(|l| l.contains("/connect/"))
        .and_then(|l| l.split('"').next())
        .expect("the link")
        .to_string();
    assert!(link.starts_with(&base) && page.contains("data:image/svg+xml;base64,"), "a link and its QR code: {page}");
    assert!(page.contains("Works until") && page.contains("used by 0 people"), "{page}");
    let (status, _) = pat.post("/people/codes", &[("days", "91")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "days are bounded");

    // Her claim: refused by name for a number the registry lacks, waiting, then approved.
    let staff = rsc_test_kit::staff_device(&store, &api, "staff").await;
    let csv = "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n\
               NM-1001,pat,pat@example.org,IMHM-C,NMAIMH,2015-03-01,2030-12-31,\n";
    assert_eq!(api.import_registry(&staff.token, "registry.csv", csv.into()).await, 200);
    let (status, page) = pat.post("/people/claim", &[("number", "NM-404")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("NM-404") && page.contains("value=\"NM-404\""), "the number stays typed: {page}");
    assert_eq!(
        pat.post("/people/claim", &[("number", "NM-1001")]).await,
        (StatusCode::SEE_OTHER, "/people?done=claimed".into())
    );
    let (_, page) = pat.get("/people").await;
    assert!(page.contains("waiting for staff") && page.contains("NMAIMH staff check"), "{page}");
    let (_, claims) = api.get("/v1/registry/claims", Some(&staff.token)).await;
    let id = claims[0]["claim_id"].as_str().expect("claim id").to_string();
    let approve = format!("/v1/registry/claims/{id}/approve");
    assert_eq!(
        api.post(&approve, Some(&staff.token), &serde_json::json!({ "note": "checked her licence" })).await.0,
        200
    );
    let (_, page) = pat.get("/people").await;
    assert!(
        page.contains("approved")
            && page.contains("Staff wrote: checked her licence")
            && page.contains("up to 2030-12-31"),
        "{page}"
    );
    // Her home is her queue now.
    let (status, to) = pat.get_redirect("/").await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/provider"));

    // Ana opens the link with no account: sign-in, then sign-up, carry it through.
    let http = client();
    let path = link.trim_start_matches(&base).to_string();
    let response = http.get(format!("{base}{path}")).send().await.expect("link");
    let to_sign_in = response.headers()[LOCATION].to_str().expect("location").to_string();
    assert!(to_sign_in.starts_with("/signin?next="), "{to_sign_in}");
    let sign_in_page = http.get(format!("{base}{to_sign_in}")).send().await.expect("page").text().await.expect("html");
    let encoded_path: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    assert!(
        sign_in_page.contains(&format!("/signup?next={encoded_path}")),
        "the sign-up link keeps it: {sign_in_page}"
    );
    let page = http.get(format!("{base}/signup?next={encoded_path}")).send().await.expect("sign-up");
    let csrf = set_cookie_value(&page, "rsc_csrf").expect("csrf");
    let signed_up = http
        .post(format!("{base}/signup"))
        .header(COOKIE, format!("rsc_csrf={csrf}"))
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&[
            ("csrf", csrf.as_str()),
            ("display_name", "Ana"),
            ("email", "ana@example.org"),
            ("password", "a long enough password"),
            ("next", path.as_str()),
        ]))
        .send()
        .await
        .expect("sign up");
    let to = signed_up.headers()[LOCATION].to_str().expect("location").to_string();
    assert_eq!(to, format!("/signin?welcome=1&next={encoded_path}"));
    let ana = Portal::sign_in_to(&base, "ana", &path).await;
    let (status, page) = ana.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    let code = path.trim_start_matches("/connect/");
    assert!(page.contains(&format!("value=\"{code}\"")), "the code waits in the form: {page}");
    let (status, page) = ana.post("/connect", &[("code", code)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Connected with pat"), "{page}");
    every_page_names_people_not_ids(&base, &store, &ana, &pat).await;
    server.stop().await.expect("stop");
}

/// What a person reads of a page: its text, and the words of images and labels; never the
/// markup, the links' addresses or the forms' hidden values.
fn visible(html: &str) -> String {
    let mut html = html.to_string();
    for tag in ["script", "style", "datalist"] {
        while let Some(start) = html.find(&format!("<{tag}")) {
            let end = html[start..].find(&format!("</{tag}>")).map(|e| start + e + tag.len() + 3).unwrap_or(html.len());
            html.replace_range(start..end, " ");
        }
    }
    let mut out = String::new();
    for (i, part) in html.split('<').enumerate() {
        let (tag, text) = if i == 0 { ("", part) } else { part.split_once('>').unwrap_or((part, "")) };
        for attribute in ["alt=\"", "title=\"", "aria-label=\"", "placeholder=\""] {
            if let Some(rest) = tag.split(attribute).nth(1) {
                out.push_str(rest.split('"').next().unwrap_or_default());
                out.push(' ');
            }
        }
        out.push_str(text);
        out.push(' ');
    }
    out
}

/// Whether `text` shows a whole id (8-4-4-4-12 hex digits).
fn shows_an_id(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-')).any(|w| {
        let parts: Vec<&str> = w.split('-').collect();
        parts.len() == 5 && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
    })
}

/// Every page of every role, signed in and not, and the pages of a wrong turn: none shows a
/// person an id; each role's home and navigation are its own; an error keeps the navigation;
/// an unknown address answers a browser with a page and a program with JSON.
async fn every_page_names_people_not_ids<S: Store>(base: &str, store: &S, ana: &Portal, pat: &Portal) {
    let logged = ana
        .post(
            "/sessions",
            &[
                ("provider", pat_id(store).await.as_str()),
                ("date", "2025-03-04"),
                ("start_time", "10:00"),
                ("time_zone", "America/Denver"),
                ("minutes", "60"),
                ("format", "video"),
            ],
        )
        .await;
    assert_eq!(logged.0, StatusCode::SEE_OTHER, "{}", logged.1);
    let (_, list) = ana.get("/sessions").await;
    let session = list.split("/sessions/edit?session=").nth(1).and_then(|r| r.split('"').next()).expect("a session");
    let (_, queue) = pat.get("/provider").await;
    let sign = queue.split("href=\"/provider/sign?").nth(1).and_then(|r| r.split('"').next()).expect("an entry");
    let staff = Portal::sign_in(base, "staff").await;
    let pages: [(&Portal, &str); 20] = [
        (ana, "/dashboard"),
        (ana, "/sessions"),
        (ana, "/people"),
        (ana, "/exports"),
        (ana, "/profile"),
        (ana, &format!("/sessions/edit?session={session}")),
        (ana, &format!("/sessions/withdraw?session={session}")),
        (ana, "/no/such/page"),
        (pat, "/provider"),
        (pat, &format!("/provider/sign?{}", sign.replace("&amp;", "&"))),
        (pat, "/people"),
        (pat, "/sessions"),
        (pat, "/dashboard"),
        (pat, "/exports"),
        (&staff, "/staff/claims"),
        (&staff, "/staff/records"),
        (&staff, "/staff/records/NM-1001"),
        (&staff, "/staff/import"),
        (&staff, "/profile"),
        (ana, "/connect"),
    ];
    for (who, path) in pages {
        let (status, page) = who.get(path).await;
        assert!(status.is_success() || status == StatusCode::NOT_FOUND, "{path}: {status}");
        let text = visible(&page);
        assert!(!shows_an_id(&text), "{path} shows an id: {text}");
        assert!(page.contains("Sign out"), "{path} keeps the navigation: {page}");
    }
    let http = client();
    for path in ["/", "/signin", "/signup", "/review", "/reset"] {
        let page = http.get(format!("{base}{path}")).send().await.expect("page").text().await.expect("html");
        assert!(!shows_an_id(&visible(&page)), "{path}: {page}");
    }
    // Limits in words, never the names of fields or bytes.
    let long = "why ".repeat(200);
    let (status, page) = ana.post("/sessions/withdraw", &[("session", session), ("reason", long.as_str())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The reason is too long: keep it under 166 characters") && !page.contains("bytes"), "{page}");
    let dispute = format!("/provider/sign?{}&dispute=1", sign.replace("&amp;", "&"));
    let (_, page) = pat.get(&dispute).await;
    assert!(page.contains("Why you dispute this entry") && !page.contains("class=\"problem\""), "{page}");
    let (_, page) = pat.get(&format!("{dispute}&reason=")).await;
    assert!(page.contains("Say why you dispute the entry") && !page.contains("bytes"), "{page}");
    // Homes and navigation by role.
    assert_eq!(staff.get_redirect("/").await.1, "/staff/claims");
    assert_eq!(ana.get_redirect("/").await.1, "/dashboard");
    assert_eq!(pat.get_redirect("/").await.1, "/provider");
    let (_, hers) = ana.get("/dashboard").await;
    assert!(!hers.contains("href=\"/provider\""), "a supervisee has no confirmations to give: {hers}");
    let (_, pats) = pat.get("/dashboard").await;
    let nav = pats.split("</nav>").next().unwrap_or_default();
    assert!(nav.find("Confirmations") < nav.find("Hours"), "her confirmations come first: {nav}");
    // A wrong turn: an error page keeps her navigation; an unknown address is a page to a
    // browser and JSON to a program.
    let (status, page) = ana.get("/sessions/edit?session=not-a-session").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Sign out") && page.contains("href=\"/sessions\""), "{page}");
    let unknown = http
        .get(format!("{base}/no/such/page"))
        .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("page");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.headers()[CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/html"));
    let unknown = http.get(format!("{base}/v1/no/such/endpoint")).send().await.expect("api");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.headers()[CONTENT_TYPE].to_str().unwrap_or_default().starts_with("application/json"));
}

async fn pat_id<S: Store>(store: &S) -> String {
    store.user_by_email("pat@example.org").await.expect("store").expect("pat").id.to_string()
}

/// The topic ("about the RS/C I provide to others") is set on the log form, and changed on the
/// change form: the confirmed entry goes back to the provider, whose queue says the topic
/// changed.
async fn the_topic_is_set_and_changed_in_the_portal_and_the_provider_hears_which<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("ana").await;
    api.register("pat").await;
    let (ana_phone, mut pat) = (Device::sign_in(&api, "ana").await, Device::sign_in(&api, "pat").await);
    pat.connect(&[&ana_phone]).await;
    let rulebook = serde_json::json!({ "rulebook": "ct-aimh" });
    assert_eq!(api.call("PUT", "/v1/me/profile", Some(&ana_phone.token), Some(&rulebook)).await.0, 200);
    let ana = Portal::sign_in(&base, "ana").await;
    let pat_id = pat.user_id.to_string();
    let logged = ana
        .post(
            "/sessions",
            &[
                ("provider", pat_id.as_str()),
                ("date", "2025-03-04"),
                ("start_time", "10:00"),
                ("time_zone", "America/Denver"),
                ("minutes", "60"),
                ("format", "video"),
                ("own", "1"),
            ],
        )
        .await;
    assert_eq!(logged, (StatusCode::SEE_OTHER, "/sessions?done=logged".to_string()));
    let (_, page) = ana.get("/sessions").await;
    assert!(page.contains("about your RS/C practice"), "{page}");
    pat.sync().await;
    let doc = pat.docs.keys().next().expect("the session").clone();
    assert!(pat.doc(&doc).session().expect("session").attendees[0].about_own_rsc_practice, "the topic was written");
    let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    let ana_id = ana_phone.user_id.clone();
    pat.edit(&doc, |d, me| {
        d.confirm(&key, me, &ana_id, rsc_model::Minutes::new(60, "m").expect("m"), rsc_test_kit::signed_at(1))
            .expect("confirm");
    });
    pat.sync().await;
    let (_, page) = ana.get(&format!("/sessions/edit?session={doc}")).await;
    assert!(page.contains("name=\"own\"") && page.contains(" checked"), "the box shows her answer: {page}");
    let changed = ana
        .post(
            "/sessions/edit",
            &[
                ("session", doc.as_str()),
                ("provider", pat_id.as_str()),
                ("date", "2025-03-04"),
                ("start_time", "10:00"),
                ("time_zone", "America/Denver"),
                ("minutes", "60"),
                ("format", "video"),
                ("attended", "60"),
                ("own_shown", "1"),
            ],
        )
        .await;
    assert_eq!(changed, (StatusCode::SEE_OTHER, "/sessions?done=edited".to_string()));
    let pats = Portal::sign_in(&base, "pat").await;
    let (_, queue) = pats.get("/provider").await;
    assert!(queue.contains("the topic changed since you confirmed"), "{queue}");
    server.stop().await.expect("stop");
}

/// The dispute loop in the portal: Ana reads Pat's reason in her list, on the change page, in
/// the CSV; her correction is back in Pat's queue as "corrected after your dispute"; a planned
/// session is listed as planned and stays out of Pat's queue until it ends.
async fn a_dispute_goes_round_in_the_portal_and_planned_sessions_wait<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("ana").await;
    api.register("pat").await;
    let (ana_phone, mut pat) = (Device::sign_in(&api, "ana").await, Device::sign_in(&api, "pat").await);
    pat.connect(&[&ana_phone]).await;
    let rulebook = serde_json::json!({ "rulebook": "nmaimh" });
    assert_eq!(api.call("PUT", "/v1/me/profile", Some(&ana_phone.token), Some(&rulebook)).await.0, 200);
    let ana = Portal::sign_in(&base, "ana").await;
    let pat_id = pat.user_id.to_string();
    let planned_day = rsc_model::Date::from_unix_millis(rsc_service::clock::now_ms()).expect("today").plus_days(30);
    for (date, minutes) in [("2025-03-04".to_string(), "60"), (planned_day.to_string(), "50")] {
        let logged = ana
            .post(
                "/sessions",
                &[
                    ("provider", pat_id.as_str()),
                    ("date", date.as_str()),
                    ("start_time", "10:00"),
                    ("time_zone", "America/Denver"),
                    ("minutes", minutes),
                    ("format", "video"),
                ],
            )
            .await;
        assert_eq!(logged.0, StatusCode::SEE_OTHER, "{date}");
    }
    let pats = Portal::sign_in(&base, "pat").await;
    let (_, queue) = pats.get("/provider").await;
    assert!(queue.contains("2025-03-04") && !queue.contains(&planned_day.to_string()), "{queue}");
    assert!(queue.contains("1 planned session is logged with you"), "{queue}");
    let (_, list) = ana.get("/sessions").await;
    let planned_row = list.split("<tr>").find(|r| r.contains(&planned_day.to_string())).expect("the planned row");
    assert!(planned_row.contains("Planned") && planned_row.contains("counts once it has taken place"), "{planned_row}");

    // Pat disputes the entry that took place, from her phone.
    pat.sync().await;
    let doc = pat
        .docs
        .keys()
        .find(|d| pat.doc(d).session().expect("session").fields.date.to_string() == "2025-03-04")
        .expect("the session")
        .clone();
    let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    let ana_id = ana_phone.user_id.clone();
    pat.edit(&doc, |d, me| {
        d.dispute(&key, me, &ana_id, "We met for 45 minutes", rsc_test_kit::signed_at(2)).expect("dispute");
    });
    pat.sync().await;
    let reason = "\u{201c}We met for 45 minutes\u{201d}";
    let (_, list) = ana.get("/sessions").await;
    let row = list.split("<tr>").find(|r| r.contains("2025-03-04")).expect("the disputed row");
    assert!(row.contains("Disputed") && row.contains(&format!("pat disputed it: {reason}")), "{row}");
    // The reason is quoted once, in the status; the count column says who disputed it.
    assert!(row.contains("Not counted: disputed by pat;") && row.matches(reason).count() == 1, "{row}");
    let (_, edit) = ana.get(&format!("/sessions/edit?session={doc}")).await;
    assert!(edit.contains(&format!("pat disputed your entry: {reason}")), "{edit}");
    assert!(!edit.contains("It is confirmed"), "a dispute is not a confirmation: {edit}");
    let (_, dashboard) = ana.get("/dashboard").await;
    assert!(dashboard.contains("1 session disputed by pat: read why on your sessions"), "{dashboard}");
    assert!(dashboard.contains("a month for 12 months."), "the pace, in calendar months: {dashboard}");
    assert!(
        dashboard.contains("1 session with pat does not count: pat has not claimed an endorsement in RSC Logbook yet"),
        "{dashboard}"
    );
    let (status, csv) = api.get_text("/v1/me/exports/csv?as_of=2025-06-01", &ana_phone.token).await;
    assert_eq!(status, 200);
    assert!(csv.contains("dispute_reason") && csv.contains("We met for 45 minutes"), "{csv}");

    // Ana corrects her minutes; the entry is back in Pat's queue, saying why.
    let corrected = ana
        .post(
            "/sessions/edit",
            &[
                ("session", doc.as_str()),
                ("provider", pat_id.as_str()),
                ("date", "2025-03-04"),
                ("start_time", "10:00"),
                ("time_zone", "America/Denver"),
                ("minutes", "60"),
                ("format", "video"),
                ("attended", "45"),
            ],
        )
        .await;
    assert_eq!(corrected, (StatusCode::SEE_OTHER, "/sessions?done=edited".to_string()));
    let (_, list) = ana.get("/sessions").await;
    let row = list.split("<tr>").find(|r| r.contains("2025-03-04")).expect("the corrected row");
    assert!(row.contains("Corrected, back with pat") && row.contains(reason), "{row}");
    let (_, queue) = pats.get("/provider").await;
    assert!(queue.contains("corrected after your dispute (") && queue.contains("): now 45 minutes"), "{queue}");
    let (_, dashboard) = ana.get("/dashboard").await;
    assert!(
        dashboard.contains("Waiting for your providers") && dashboard.contains("pat: 1 session (45 min) to confirm"),
        "{dashboard}"
    );
    server.stop().await.expect("stop");
}

/// A browser that signs out hears nothing more: its open event stream ends within a second.
async fn signing_out_ends_the_browsers_event_stream<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    Api::new(base.clone()).register("ana").await;
    let browser = Portal::sign_in(&base, "ana").await;
    let mut stream =
        browser.http.get(format!("{base}/events")).header(COOKIE, &browser.cookie).send().await.expect("events");
    assert_eq!(stream.status(), StatusCode::OK);
    let first = stream.chunk().await.expect("read").expect("ready");
    assert!(String::from_utf8_lossy(&first).contains("ready"));
    let (status, to) = browser.post("/signout", &[]).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/signin"));
    let ended = tokio::time::timeout(std::time::Duration::from_secs(1), async {
        while let Some(chunk) = stream.chunk().await.expect("read") {
            assert!(!String::from_utf8_lossy(&chunk).contains("changed"), "nothing after signing out");
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ended within a second");
    server.stop().await.expect("stop");
}

/// A browser signed in as `login@example.org`: its cookies, and posting forms with them.
pub(crate) struct Portal {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Portal {
    pub(crate) async fn sign_in(base: &str, login: &str) -> Portal {
        Portal::sign_in_to(base, login, "/people").await
    }

    /// Signs in with `next` as the form carries it, and checks the browser is sent there.
    pub(crate) async fn sign_in_to(base: &str, login: &str, next: &str) -> Portal {
        let http = client();
        let signed_in = Api::new(base.to_string())
            .portal_sign_in(&format!("{login}@example.org"), "a long enough password", next)
            .await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "{login} signs in");
        assert_eq!(signed_in.headers()[LOCATION].to_str().expect("location"), next, "and goes where it was going");
        let session = set_cookie_value(&signed_in, "rsc_session").expect("session");
        let mut portal =
            Portal { http, base: base.into(), cookie: format!("rsc_session={session}"), csrf: String::new() };
        portal.csrf = csrf_in(&portal.get("/people").await.1);
        portal
    }

    /// `GET path` as a browser asks for a page.
    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .expect("get");
        (response.status(), response.text().await.expect("html"))
    }

    /// `GET path` without following a redirect: the status and where it points.
    async fn get_redirect(&self, path: &str) -> (StatusCode, String) {
        let response =
            self.http.get(format!("{}{path}", self.base)).header(COOKIE, &self.cookie).send().await.expect("get");
        let to = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
        (response.status(), to)
    }

    pub(crate) async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, FORM)
            .body(encoded(&all))
            .send()
            .await
            .expect("post");
        answer(response).await
    }
}

impl Portal {
    /// `POST path` as a multipart form (what a page with a file input sends): its text fields,
    /// the CSRF token, and a file under `file_field` when given.
    pub(crate) async fn post_multipart(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>)>,
    ) -> (StatusCode, String) {
        // Written out as a browser sends it (reqwest's multipart feature is not built here).
        let boundary = "rscformboundary7f3a";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in [("csrf", self.csrf.as_str())].iter().chain(pairs) {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
            );
        }
        if let Some((field, name, bytes)) = file {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .bytes(),
            );
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("post");
        answer(response).await
    }
}

/// A posted form's answer: the status, and where a redirect points or else the page.
async fn answer(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let to = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
    let body = response.text().await.expect("html");
    (status, if status == StatusCode::SEE_OTHER { to } else { body })
}

/// The Training page: she adds a training with its certificate, sees it listed as
/// self-reported with its hours by topic, changes it, downloads the certificate (only she can),
/// and removes it; a file that lies about its type and a length out of range are told beside
/// their fields, and her phone receives what the browser wrote.
async fn the_training_page_keeps_her_trainings_and_certificates<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("ana").await;
    api.register("ben").await;
    let mut phone = Device::sign_in(&api, "ana").await;
    let ana = Portal::sign_in_to(&base, "ana", "/trainings").await;
    let (status, page) = ana.get("/trainings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("self-reported") && page.contains("No trainings yet"), "{page}");
    let fields = [
        ("title", "Equity & inclusion <in> infant mental health"),
        ("organiser", "CT-AIMH"),
        ("date", "2026-02-10"),
        ("hours", "1"),
        ("minutes", "30"),
        ("topic", "dei"),
    ];
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let (status, page) = ana.post_multipart("/trainings", &fields, Some(("certificate", "cert.pdf", html))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("is not a PDF, PNG or JPEG file"), "told beside the certificate: {page}");
    assert!(page.contains("value=\"CT-AIMH\""), "what she typed is kept: {page}");
    let mut long = fields.to_vec();
    long[3] = ("hours", "41");
    let (status, page) = ana.post_multipart("/trainings", &long, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at most 40 hours"), "{page}");
    assert!(
        store.trainings_of(&rsc_server::store::UserId::from(phone.user_id.as_str())).await.expect("rows").is_empty()
    );

    let pdf = b"%PDF-1.4\n% certificate\n%%EOF\n".to_vec();
    let (status, to) = ana.post_multipart("/trainings", &fields, Some(("certificate", "cert.pdf", pdf.clone()))).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/trainings?done=added"));
    let (_, page) = ana.get("/trainings?done=added").await;
    assert!(page.contains("Equity &#38; inclusion &#60;in&#62; infant mental health"), "escaped: {page}");
    assert!(page.contains("Diversity, equity and inclusion: 1 h 30 min"), "{page}");
    let rows = store.trainings_of(&rsc_server::store::UserId::from(phone.user_id.as_str())).await.expect("rows");
    let (id, digest) = (rows[0].id.clone(), rows[0].certificate.clone().expect("a certificate"));
    assert!(page.contains(&format!("/trainings/certificate/{digest}")), "{page}");

    let (_, form) = ana.get(&format!("/trainings?change={id}")).await;
    assert!(form.contains("value=\"30\"") && form.contains("a file is kept"), "{form}");
    let mut changed = fields.to_vec();
    changed[3] = ("hours", "2");
    changed.push(("training", id.as_str()));
    let (status, to) = ana.post_multipart("/trainings", &changed, None).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/trainings?done=changed"));
    let rows = store.trainings_of(&rsc_server::store::UserId::from(phone.user_id.as_str())).await.expect("rows");
    assert_eq!((rows[0].minutes, rows[0].certificate.as_deref()), (150, Some(digest.as_str())), "the file stays");
    phone.sync().await;
    assert_eq!(phone.trainings[&id].training().expect("read").fields.minutes, 150, "her phone has it");

    let response = ana
        .http
        .get(format!("{base}/trainings/certificate/{digest}"))
        .header(COOKIE, &ana.cookie)
        .send()
        .await
        .expect("download");
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"cert.pdf\"");
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), pdf);
    let ben = Portal::sign_in(&base, "ben").await;
    assert_eq!(ben.get(&format!("/trainings/certificate/{digest}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(ben.get(&format!("/trainings?change={id}")).await.0, StatusCode::NOT_FOUND);
    let (status, _) = ben.post("/trainings/remove", &[("training", id.as_str())]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "Ben cannot remove her training");

    // Her renewal year on the dashboard: the training counted, said to be self-reported.
    let (status, _) = api
        .call(
            "PUT",
            "/v1/me/profile",
            Some(&phone.token),
            Some(&serde_json::json!({ "masters_conferred_on": "2010-05-01", "rulebook": "ct-aimh", "purpose": "renewal" })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, dashboard) = ana.get("/dashboard?as_of=2026-06-01").await;
    assert!(dashboard.contains("Renewal year 2026: everything below is needed by 2026-12-31"), "{dashboard}");
    assert!(dashboard.contains("Training, self-reported"), "{dashboard}");
    assert!(dashboard.contains("Last year (2025): not every requirement was met"), "{dashboard}");
    assert!(dashboard.contains("2 h 30 min"), "her training counts: {dashboard}");

    let (status, to) = ana.post("/trainings/remove", &[("training", id.as_str())]).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/trainings?done=removed"));
    let (_, page) = ana.get("/trainings").await;
    assert!(page.contains("No trainings yet"), "{page}");
    server.stop().await.expect("stop");
}

/// A claim whose email is not the record's waits for staff to say they checked who she is; the
/// portal asks them to tick its box (the API's field name is not a word of the page), and the
/// approval goes through once they do.
async fn a_mismatched_claim_asks_staff_to_tick_that_they_checked<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    let staff_device = rsc_test_kit::staff_device(&store, &api, "staff").await;
    let csv = "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n\
               NM-1001,Patricia Lee,plee@association.example,IMHM-C,NMAIMH,2015-03-01,2030-12-31,\n";
    assert_eq!(api.import_registry(&staff_device.token, "registry.csv", csv.into()).await, 200);
    api.register("pat").await;
    let pat = Portal::sign_in(&base, "pat").await;
    assert_eq!(pat.post("/people/claim", &[("number", "NM-1001")]).await.0, StatusCode::SEE_OTHER);
    let claim = store.claims(None, None).await.expect("claims").pop().expect("her claim");
    let staff = Portal::sign_in_to(&base, "staff", "/staff").await;
    let path = format!("/staff/claims/{}", claim.id);

    let (status, page) = staff.post(&path, &[("decision", "approve")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("checked that pat is Patricia Lee"), "{page}");
    assert!(page.contains("beside the claim") && page.contains("I checked that"), "{page}");
    assert!(!page.contains("with despite_mismatch"), "the API's field is no word of the page: {page}");
    let still = store.claims(None, None).await.expect("claims").pop().expect("claim");
    assert_eq!(still.status, rsc_protocol::ClaimStatus::Pending, "nothing was decided");

    let (status, to) = staff.post(&path, &[("decision", "approve"), ("despite_mismatch", "on")]).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/staff/claims"));
    let approved = store.claims(None, None).await.expect("claims").pop().expect("claim");
    assert_eq!(approved.status, rsc_protocol::ClaimStatus::Approved);
    server.stop().await.expect("stop");
}

/// The people page does a whole job for both sides: a request asked and accepted, a group
/// made and shown to its members, a connection ended and told; forms need their token, and
/// another provider's group answers as none.
async fn the_people_page_asks_answers_keeps_groups_and_ends<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    for name in ["ana", "cora", "pat", "quinn"] {
        api.register(name).await;
    }
    let (ana, pat) = (Device::sign_in(&api, "ana").await, Device::sign_in(&api, "pat").await);
    pat.connect(&[&ana]).await;
    crate::consent::holds(&store, &api, &pat, "pat", "NM-7").await;
    let cora = Portal::sign_in(&base, "cora").await;
    let pats = Portal::sign_in(&base, "pat").await;
    let quinn = Portal::sign_in(&base, "quinn").await;

    let (status, page) = cora.get("/people").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Connect with a provider") && page.contains("ask by her endorsement number"), "{page}");
    assert!(!page.contains(">ana<"), "Cora sees nobody of Pat's");
    assert_eq!(
        cora.post("/people/request", &[("number", "NM-7")]).await,
        (StatusCode::SEE_OTHER, "/people?done=asked".into())
    );
    let (_, page) = cora.get("/people?done=asked").await;
    assert!(
        page.contains("Your request was sent")
            && page.contains("<strong>pat</strong>")
            && page.contains("Waiting since"),
        "{page}"
    );

    let (_, page) = pats.get("/people").await;
    assert!(page.contains("Asking to connect with you") && page.contains("cora@example.org"), "{page}");
    let cora_id = page
        .split("name=\"person\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("cora's row")
        .to_string();
    let (status, _) = pats.post("/people/answer", &[("person", &cora_id), ("action", "accept")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = pats.get("/people").await;
    assert!(
        page.contains("Your supervisees") && page.contains("by a request") && page.contains("with your code"),
        "{page}"
    );

    // A group of both; each member sees it with the other's name.
    let ana_field = format!("member:{}", ana.user_id);
    let cora_field = format!("member:{cora_id}");
    let (status, to) =
        pats.post("/groups", &[("name", "Tuesday reflective group"), (&ana_field, "on"), (&cora_field, "on")]).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/people?done=group"));
    let (_, page) = cora.get("/people").await;
    assert!(
        page.contains("Tuesday reflective group (pat&#39;s group): ana, cora")
            || page.contains("Tuesday reflective group (pat's group): ana, cora"),
        "{page}"
    );
    let (_, page) = pats.get("/people").await;
    let group_id =
        page.split("action=\"/groups/").nth(1).and_then(|r| r.split('"').next()).expect("group form").to_string();
    // Pat logs the group's session herself, for both members; Cora logs another from hers.
    let pairs = [
        ("group", group_id.as_str()),
        ("date", "2025-03-04"),
        ("start_time", "10:00"),
        ("time_zone", "America/Denver"),
        ("minutes", "90"),
        ("format", "video"),
    ];
    assert_eq!(pats.post("/sessions", &pairs).await, (StatusCode::SEE_OTHER, "/sessions?done=logged".into()));
    // The same group, day and start: Cora is warned first, as the CLI warns, and logs it
    // only once she says it was a second session.
    let (status, page) = cora.post("/sessions", &pairs).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("You already logged a session with pat on 2025-03-04 at 10:00"), "{page}");
    assert!(page.contains("name=\"duplicate\""), "{page}");
    let again: Vec<(&str, &str)> = pairs.iter().copied().chain([("duplicate", "1")]).collect();
    assert_eq!(cora.post("/sessions", &again).await, (StatusCode::SEE_OTHER, "/sessions?done=logged".into()));
    let (_, waiting) = api.get("/v1/me/pending-confirmations", Some(&pat.token)).await;
    let mut names: Vec<&str> =
        waiting.as_array().expect("list").iter().filter_map(|w| w["attendee_name"].as_str()).collect();
    names.sort();
    assert_eq!(names, ["ana", "ana", "cora", "cora"], "both sessions list both members: {waiting}");
    let (status, page) = pats.post(&format!("/groups/{group_id}"), &[("action", "rename"), ("name", "  ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("a group&#39;s name is 1 to 80") || page.contains("a group's name is 1 to 80"), "{page}");
    let (status, page) = quinn.post(&format!("/groups/{group_id}"), &[("action", "archive")]).await;
    let (status2, page2) = quinn.post("/groups/00000000-0000-4000-8000-000000000000", &[("action", "archive")]).await;
    assert_eq!((status, status2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert!(page.contains("you keep no such group") && page2.contains("you keep no such group"));
    // Without the form's token nothing changes.
    let forged = pats
        .http
        .post(format!("{base}/people/end"))
        .header(COOKIE, &pats.cookie)
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&[("person", cora_id.as_str())]))
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Cora ends it; Pat's page says who ended it and when, and Cora is out of the group.
    let pat_id = pat.user_id.to_string();
    assert_eq!(cora.post("/people/end", &[("person", &pat_id)]).await.0, StatusCode::SEE_OTHER);
    let (_, page) = pats.get("/people").await;
    assert!(page.contains("cora (your supervisee) ended the connection on"), "{page}");
    assert!(!page.contains(&cora_field), "no longer offered as a member");
    server.stop().await.expect("stop");
}

/// Every form route the portal's router has, read from the router's own source so that a new
/// one cannot be missed: `(path, takes a file)`.
fn form_routes() -> Vec<(String, bool)> {
    let router = include_str!("../../../rsc-web/src/lib.rs");
    let routes: Vec<(String, bool)> = router
        .lines()
        .filter(|l| l.trim_start().starts_with(".route(\"") && l.contains("post("))
        .filter_map(|l| l.split('"').nth(1))
        .map(|path| {
            // A path's parameter gets a value of the right kind for its route.
            let path = path.replace("{group}", "00000000-0000-4000-8000-000000000000").replace("{number}", "NM-1001");
            let path = path.replace("{id}", "00000000-0000-4000-8000-000000000000");
            let file = path == "/staff/import" || path == "/review" || path == "/trainings";
            (path, file)
        })
        .collect();
    assert!(routes.len() >= 25, "the router's form routes: {routes:?}");
    routes
}

/// A form posted from another site (no token, or a wrong one) changes nothing on any route:
/// every POST route of the router refuses it, for a member, for staff and for nobody signed in.
async fn no_form_is_taken_without_its_token<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("ana").await;
    rsc_test_kit::staff_device(&store, &api, "staff").await;
    let ana = Portal::sign_in(&base, "ana").await;
    let staff = Portal::sign_in(&base, "staff").await;
    let fields = [
        ("email", "ana@example.org"),
        ("password", "a long enough password"),
        ("display_name", "Mallory"),
        ("session", "x"),
        ("reason", "forged"),
        ("name", "forged"),
        ("number", "NM-1001"),
        ("code", "ABCD-EFGH"),
        ("days", "14"),
        ("action", "archive"),
        ("decision", "approve"),
        ("format", "json"),
    ];
    for (who, cookie) in [("ana", ana.cookie.as_str()), ("staff", staff.cookie.as_str()), ("nobody", "")] {
        for (path, file) in form_routes() {
            for token in [None, Some("0123456789abcdef0123456789abcdef")] {
                let mut request = client().post(format!("{base}{path}")).header(COOKIE, cookie);
                request = if file {
                    // A multipart form as a browser sends a file.
                    let boundary = "rscformboundary";
                    let mut body = String::new();
                    for (name, value) in [("action", "import")].into_iter().chain(token.map(|t| ("csrf", t))) {
                        body.push_str(&format!(
                            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                        ));
                    }
                    body.push_str(&format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\
                         Content-Type: text/csv\r\n\r\nendorsement_number\n\r\n--{boundary}--\r\n"
                    ));
                    request.header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}")).body(body)
                } else {
                    let mut pairs: Vec<(&str, &str)> = fields.to_vec();
                    pairs.extend(token.map(|t| ("csrf", t)));
                    request.header(CONTENT_TYPE, FORM).body(encoded(&pairs))
                };
                let response = request.send().await.expect("post");
                let status = response.status();
                let page = response.text().await.unwrap_or_default();
                let refused = status == StatusCode::FORBIDDEN
                    || (who == "nobody" && status == StatusCode::SEE_OTHER && path != "/signin");
                assert!(refused, "{who} {path} token {token:?}: {status} {page}");
            }
        }
    }
    // Nothing was made or changed: no account for Mallory, Ana's name as it was.
    assert!(store.user_by_email("mallory@example.org").await.expect("store").is_none());
    let (_, profile) = ana.get("/profile").await;
    assert!(profile.contains("value=\"ana\"") && !profile.contains("forged"), "{profile}");
    server.stop().await.expect("stop");
}

/// The profile page downloads her data and closes her account: the download is a JSON file
/// naming her; a wrong password or missing words are told beside their fields and close nothing;
/// closed, the browser is signed out with every other device and can no longer sign in.
async fn the_profile_page_downloads_her_data_and_closes_her_account<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let base = server.url();
    let api = Api::new(base.clone());
    api.register("ana").await;
    let phone = Device::sign_in(&api, "ana").await;
    let ana = Portal::sign_in_to(&base, "ana", "/profile").await;
    // She says she provides RS/C; the box stays ticked, and her devices hear it.
    let (_, page) = ana.get("/profile").await;
    assert!(
        page.contains("id=\"provides_rsc\"")
            && !page.contains("name=\"provides_rsc\" type=\"checkbox\" value=\"1\" checked"),
        "{page}"
    );
    let (status, to) = ana.post("/profile", &[("display_name", "ana"), ("provides_rsc", "1")]).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/profile?done=profile"));
    let (_, page) = ana.get("/profile").await;
    assert!(page.contains("name=\"provides_rsc\" type=\"checkbox\" value=\"1\" checked"), "{page}");
    assert_eq!(api.get("/v1/me/profile", Some(&phone.token)).await.1["provides_rsc"], true);
    let response =
        ana.http.get(format!("{base}/profile/data")).header(COOKIE, &ana.cookie).send().await.expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()[reqwest::header::CONTENT_DISPOSITION].to_str().expect("header").to_string();
    assert!(disposition.starts_with("attachment") && disposition.contains(".json"), "{disposition}");
    let data: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        (data["account"]["email"].as_str(), data["devices"].as_array().map(Vec::len)),
        (Some("ana@example.org"), Some(2))
    );

    let (status, page) =
        ana.post("/profile/close", &[("close_password", "not it"), ("confirm", "close my account")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"close-password-error\"") && page.contains("is not your password"), "{page}");
    let (status, page) =
        ana.post("/profile/close", &[("close_password", "a long enough password"), ("confirm", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"confirm-error\""), "{page}");
    assert_eq!(api.get("/v1/me", Some(&phone.token)).await.0, 200, "nothing closed yet");

    let response = ana
        .http
        .post(format!("{base}/profile/close"))
        .header(COOKIE, &ana.cookie)
        .header(CONTENT_TYPE, FORM)
        .body(encoded(&[
            ("csrf", ana.csrf.as_str()),
            ("close_password", "a long enough password"),
            ("confirm", "close my account"),
        ]))
        .send()
        .await
        .expect("close");
    assert_eq!(response.status(), StatusCode::OK);
    let cleared = set_cookie(&response, "rsc_session").expect("the session cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(response.text().await.expect("html").contains("Your account is closed"));
    assert_eq!(api.get("/v1/me", Some(&phone.token)).await.0, 401, "her phone is signed out too");
    let again = api.portal_sign_in("ana@example.org", "a long enough password", "/profile").await;
    assert_ne!(again.status(), StatusCode::SEE_OTHER, "no sign-in after closing");
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    the_training_page_keeps_her_trainings_and_certificates,
    the_profile_page_downloads_her_data_and_closes_her_account,
    no_form_is_taken_without_its_token,
    a_mismatched_claim_asks_staff_to_tick_that_they_checked,
    the_portal_guards_its_cookies_forms_and_roles,
    the_edit_form_adds_only_the_providers_people,
    the_people_page_asks_answers_keeps_groups_and_ends,
    sign_in_never_sends_a_person_to_another_site,
    signing_out_ends_the_browsers_event_stream,
    pages_answer_alike_for_no_session_and_someone_elses,
    a_known_browser_signs_in_while_strangers_are_locked_out,
    a_provider_sets_up_in_the_portal_and_her_link_survives_sign_up,
    the_topic_is_set_and_changed_in_the_portal_and_the_provider_hears_which,
    a_dispute_goes_round_in_the_portal_and_planned_sessions_wait,
);
