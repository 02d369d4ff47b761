//! The web portal in a real headless Chromium against a real `rsc-server` process: each role's
//! path through the pages, the browser's own signing key, the CSRF and role refusals, and the
//! pages looked at (screenshots at 1280 and 390 px, kept out of the repository), with no console
//! errors and no serious or critical accessibility violations (axe-core).

use crate::browser::{self, Browser};
use rsc_model::SessionKind;
use rsc_test_kit::Device;
use rsc_test_kit::people::names;
use rsc_test_kit::process::start_server;
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password";

/// Signs up and in through the pages, as a person would: the browser makes its key at sign-in.
async fn sign_up_and_in(browser: &Browser, base: &str, name: &str, email: &str) {
    browser.open(&format!("{base}/signup")).await;
    browser.fill("display_name", name).await;
    browser.fill("email", email).await;
    browser.fill("password", PASSWORD).await;
    browser.submit("form.stack button[type=submit]").await;
    assert_eq!(browser.path().await, "/signin");
    assert!(browser.text().await.contains("Your account is ready"), "{}", browser.text().await);
    sign_in(browser, email).await;
}

async fn sign_in(browser: &Browser, email: &str) {
    browser.fill("email", email).await;
    browser.fill("password", PASSWORD).await;
    browser.submit("form.stack button[type=submit]").await;
}

/// `device` (a phone of the applicant's) logs an individual session with `provider` on `date`
/// for `minutes`, and syncs it.
async fn logged(device: &mut Device, provider: &rsc_model::Id, date: &str, minutes: i64) -> String {
    let me = device.user_id.clone();
    let doc = device.log(provider, SessionKind::Individual, &[(&me, minutes)]);
    let date: rsc_model::Date = date.parse().expect("date");
    device
        .edit(&doc, |d, me| d.edit(me, rsc_doc::SessionEdit { date: Some(date), ..Default::default() }).expect("date"));
    device.sync().await;
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_sees_her_hours_and_the_plot_and_staff_decide_claims_in_a_browser() {
    if !browser::available() {
        return;
    }
    let (_server, api) = start_server().await;
    let base = api.base.clone();
    let names = names();
    let (ana_name, pat_name) = (names[3].clone(), names[1].clone());

    // Ana signs up and in in the browser; with no rulebook chosen, the dashboard says so.
    let web = Browser::start(1280).await;
    sign_up_and_in(&web, &base, &ana_name, "ana@example.org").await;
    assert_eq!(web.path().await, "/dashboard");
    let text = web.text().await;
    assert!(text.contains(&ana_name), "her name in the navigation: {text}");
    assert!(text.contains("Choose your association's rulebook"), "{text}");

    // The browser registered itself as a device with a real ed25519 key.
    let mut phone = Device::sign_in(&api, "ana").await;
    let (status, devices) = api.get("/v1/devices", Some(&phone.token)).await;
    assert_eq!(status, 200);
    let browser_device = devices
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["name"].as_str().is_some_and(|n| n.starts_with("Web browser")))
        .unwrap_or_else(|| panic!("the browser is one of Ana's devices: {devices}"))
        .clone();
    let key = hex::decode(browser_device["public_key"].as_str().expect("key")).expect("hex");
    assert!(rsc_doc::attest::is_valid_public_key(&key.try_into().expect("32 bytes")));

    // Pat, her provider, is endorsed; Ana logs three sessions from her phone; Pat confirms two.
    api.register("pat").await;
    let pat = Device::sign_in(&api, "pat").await;
    let profile = |token: String, body: Value| {
        let http = api.http.clone();
        let url = format!("{base}/v1/me/profile");
        async move {
            let response = http.put(url).bearer_auth(token).json(&body).send().await.expect("put");
            assert_eq!(response.status().as_u16(), 200);
        }
    };
    profile(pat.token.clone(), json!({ "display_name": pat_name })).await;
    profile(phone.token.clone(), json!({ "display_name": ana_name, "rulebook": "nmaimh" })).await;
    // Staff import the registry in their browser: a file with a bad row is previewed with every
    // problem and nothing is written; the corrected file is previewed, then imported.
    let staff_web = Browser::start(1280).await;
    staff_web.open(&format!("{base}/signin")).await;
    sign_in(&staff_web, "staff@example.org").await;
    let header =
        "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on";
    let bad_csv = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp");
    std::fs::write(
        bad_csv.path(),
        format!("{header}\nNM-3001,{pat_name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,2030-12-31,\nNM-3002,Quinn,quinn@example.org,IMHM-Z,NMAIMH,2031-01-01,,\n"),
    )
    .expect("write");
    staff_web.open(&format!("{base}/staff/import")).await;
    staff_web.choose_file("file", bad_csv.path()).await;
    staff_web.submit("#preview").await;
    let preview = staff_web.text().await;
    assert!(preview.contains("nothing was written") && preview.contains("credential"), "{preview}");
    let staff = Device::sign_in(&api, "staff").await;
    let (_, records) = api.get("/v1/registry/records", Some(&staff.token)).await;
    assert_eq!(records.as_array().map(Vec::len), Some(0), "a preview writes nothing");
    let good_csv = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp");
    std::fs::write(
        good_csv.path(),
        format!(
            "{header}\nNM-3001,{pat_name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,2030-12-31,\n\
             NM-3002,Quinn Consultant,quinn@example.org,IMHM-C,NMAIMH,2012-06-01,,\n"
        ),
    )
    .expect("write");
    staff_web.open(&format!("{base}/staff/import")).await;
    staff_web.choose_file("file", good_csv.path()).await;
    staff_web.submit("#preview").await;
    assert!(staff_web.text().await.contains("2 records read, none written yet"), "{}", staff_web.text().await);
    staff_web.submit("#import").await;
    assert!(staff_web.text().await.contains("Imported: 2 new"), "{}", staff_web.text().await);
    staff_web.open(&format!("{base}/staff/records?q=n%C3%BA%C3%B1ez")).await;
    let found = staff_web.text().await;
    assert!(found.contains("NM-3001") && found.contains(&pat_name), "search by a name with accents: {found}");
    staff_web.submit("a[href='/staff/records/NM-3001']").await;
    let history = staff_web.text().await;
    assert!(
        history.contains("portal import") && history.contains("Registry staff"),
        "who imported it, by name: {history}"
    );
    let (status, claim) = api.post("/v1/me/claims", Some(&pat.token), &json!({ "number": "NM-3001" })).await;
    assert_eq!(status, 201, "{claim}");
    api.register("ben").await;
    let ben = Device::sign_in(&api, "ben").await;
    pat.connect(&[&ben]).await;
    // Ana connects in her browser by the link Pat shared.
    let (status, code) = api.post("/v1/connections/codes", Some(&pat.token), &json!({})).await;
    assert_eq!(status, 201, "{code}");
    web.open(&format!("{base}{}", code["link_path"].as_str().expect("link path"))).await;
    web.submit("form[action='/connect'] button").await;
    assert!(web.text().await.contains(&format!("Connected with {pat_name}")), "{}", web.text().await);
    // Pat's group of Ana and Ben, so that Ana may name Ben in a group session.
    pat.group("Tuesday reflective group", &[&phone, &ben]).await;
    let pat_id = pat.user_id.clone();
    for (date, minutes) in [("2026-06-02", 60), ("2026-08-04", 75), ("2026-10-06", 45)] {
        logged(&mut phone, &pat_id, date, minutes).await;
    }
    // A group session: Ana stayed 30 of its 90 minutes, Ben all of it.
    let (ana_id, ben_id) = (phone.user_id.clone(), ben.user_id.clone());
    let group = phone.log(&pat_id, SessionKind::Group, &[(&ana_id, 30), (&ben_id, 90)]);
    let day: rsc_model::Date = "2026-09-01".parse().expect("date");
    phone.edit(&group, |d, me| {
        d.edit(me, rsc_doc::SessionEdit { date: Some(day), ..Default::default() }).expect("date")
    });
    phone.sync().await;

    // Pat confirms in her browser, which signs with its own key: one session as logged, one
    // with the minutes she corrects, and the group's whole roster in one action.
    let pat_web = Browser::start(1280).await;
    pat_web.open(&format!("{base}/signin")).await;
    sign_in(&pat_web, "pat@example.org").await;
    pat_web.open(&format!("{base}/provider")).await;
    let queue = pat_web.text().await;
    assert!(queue.contains(&ana_name) && queue.contains("ben"), "supervisees by name: {queue}");
    assert!(queue.contains("Group session on 2026-09-01"), "{queue}");
    for width in [1280, 390] {
        pat_web.screenshot("provider-queue", width).await;
    }
    assert_eq!(pat_web.accessibility_violations().await, Vec::<String>::new(), "provider queue");
    // Her people page: both supervisees with the day and the way each connected, and her group.
    pat_web.open(&format!("{base}/people")).await;
    let people = pat_web.text().await;
    assert!(
        people.contains(&ana_name) && people.contains("with your code") && people.contains("Tuesday reflective group"),
        "{people}"
    );
    for width in [1280, 390] {
        pat_web.screenshot("people-provider", width).await;
    }
    assert_eq!(pat_web.accessibility_violations().await, Vec::<String>::new(), "people, provider");
    web.open(&format!("{base}/people")).await;
    let hers = web.text().await;
    assert!(hers.contains(&pat_name) && hers.contains("Groups you belong to") && hers.contains("ben"), "{hers}");
    for width in [1280, 390] {
        web.screenshot("people-supervisee", width).await;
    }
    assert_eq!(web.accessibility_violations().await, Vec::<String>::new(), "people, supervisee");
    pat_web.open(&format!("{base}/provider")).await;
    pat_web.submit("a[href*='attendee=']").await;
    let statement = pat_web.text().await;
    assert!(
        statement.contains(&format!("I, {pat_name}, confirm that {ana_name} attended 60 minutes")),
        "the statement in words: {statement}"
    );
    pat_web.submit("#sign").await;
    assert!(pat_web.text().await.contains("Signed and recorded 1 statement"), "{}", pat_web.text().await);
    // The 2026-08-04 session (Ana logged 75 of its 90 minutes), corrected to 70.
    pat_web.open(&format!("{base}/provider")).await;
    let link: String = pat_web
        .client
        .execute(
            "return [...document.querySelectorAll('a[href*=\"attendee=\"]')].find(a => a.closest('tr').textContent.includes('2026-08-04')).getAttribute('href')",
            vec![],
        )
        .await
        .expect("link")
        .as_str()
        .expect("href")
        .to_string();
    pat_web.open(&format!("{base}{link}")).await;
    pat_web.fill("minutes", "70").await;
    pat_web.submit("form[method=get] button").await;
    assert!(pat_web.text().await.contains("attended 70 minutes of the 90-minute"), "{}", pat_web.text().await);
    pat_web.submit("#sign").await;
    pat_web.open(&format!("{base}/provider")).await;
    pat_web.submit("a.button[href*='/provider/sign?session=']").await;
    let roster = pat_web.text().await;
    assert!(roster.contains("attended 30 minutes") && roster.contains("ben attended 90 minutes"), "{roster}");
    assert!(roster.contains("Sign 2 confirmations"), "{roster}");
    pat_web.submit("#sign").await;
    assert!(pat_web.text().await.contains("Signed and recorded 2 statements"));
    // The 2026-10-06 session she disputes, with a reason, signed the same way.
    pat_web.submit("a[href*='attendee=']").await;
    pat_web.submit("a[href*='dispute=1']").await;
    pat_web.fill("reason", "We met for 20 minutes, not 45").await;
    pat_web.submit("form[method=get] button").await;
    let dispute = pat_web.text().await;
    assert!(dispute.contains(&format!("I, {pat_name}, dispute {ana_name}'s entry")), "{dispute}");
    assert!(dispute.contains("We met for 20 minutes, not 45"), "{dispute}");
    pat_web.submit("#sign").await;
    assert!(pat_web.text().await.contains("Nobody awaits your confirmation"), "{}", pat_web.text().await);
    // The queue updates live: Ana logs another session on her phone, and it appears on Pat's
    // open page without a reload (a reload would forget the mark left on the window).
    pat_web.client.execute("window.rscMark = 'still this page'", vec![]).await.expect("mark the page");
    logged(&mut phone, &pat_id, "2026-11-03", 50).await;
    let mut shown = String::new();
    for _ in 0..150 {
        shown = pat_web.text().await;
        if shown.contains("2026-11-03") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown.contains("2026-11-03") && shown.contains("50 min"), "the new session appears by itself: {shown}");
    assert!(shown.contains("Updated at") && !shown.contains("Nobody awaits"), "{shown}");
    let mark = pat_web.client.execute("return window.rscMark", vec![]).await.expect("read the mark");
    assert_eq!(mark.as_str(), Some("still this page"), "updated in place, not reloaded");
    pat_web.screenshot("provider-queue-live", 1280).await;
    assert_eq!(pat_web.accessibility_violations().await, Vec::<String>::new(), "the updated queue");
    assert_eq!(pat_web.console_errors().await, Vec::<String>::new(), "no console errors for the provider");
    let pat_browser_key = {
        let (_, devices) = api.get("/v1/devices", Some(&pat.token)).await;
        devices
            .as_array()
            .expect("devices")
            .iter()
            .find(|d| d["name"].as_str().is_some_and(|n| n.starts_with("Web browser")))
            .expect("Pat's browser")["public_key"]
            .as_str()
            .expect("key")
            .to_string()
    };

    // Staff approve Pat's claim in their browser: the claims queue shows claimant beside holder.
    staff_web.open(&format!("{base}/staff/claims")).await;
    let queue = staff_web.text().await;
    assert!(queue.contains("NM-3001") && queue.matches(pat_name.as_str()).count() >= 2, "{queue}");
    assert!(queue.contains("pat@example.org"), "{queue}");
    for width in [1280, 390] {
        let shot = staff_web.screenshot("claims-queue", width).await;
        assert!(std::fs::metadata(&shot).expect("screenshot").len() > 10_000, "{}", shot.display());
    }
    assert_eq!(staff_web.accessibility_violations().await, Vec::<String>::new(), "claims queue");
    staff_web.fill("note-1", "Checked against the association's records").await;
    staff_web.submit("button[value=approve]").await;
    assert!(staff_web.text().await.contains("No claims wait for a decision"), "{}", staff_web.text().await);
    // Ben claims Quinn's record: the queue flags the mismatch, and staff reject it with a reason.
    let (status, _) = api.post("/v1/me/claims", Some(&ben.token), &json!({ "number": "NM-3002" })).await;
    assert_eq!(status, 201);
    staff_web.open(&format!("{base}/staff/claims")).await;
    let queue = staff_web.text().await;
    assert!(
        queue.contains("NM-3002") && queue.contains("Quinn Consultant") && queue.contains("ben@example.org"),
        "{queue}"
    );
    assert!(queue.contains("⚠"), "the mismatch is flagged: {queue}");
    staff_web.fill("note-1", "You are not the holder of this record").await;
    staff_web.submit("button[value=reject]").await;
    let (_, claims) = api.get("/v1/me/claims", Some(&ben.token)).await;
    assert_eq!(claims[0]["status"], "rejected", "{claims}");
    assert_eq!(claims[0]["note"], "You are not the holder of this record", "{claims}");
    // And Pat's record lapses at the end of June 2030, a new version in its history.
    staff_web.open(&format!("{base}/staff/records/NM-3001")).await;
    staff_web.fill("date", "06/30/2030").await;
    staff_web.submit("form[action='/staff/records/NM-3001'] button").await;
    let record = staff_web.text().await;
    assert!(record.contains("2030-06-30") && record.contains("lapsed in the portal"), "{record}");
    // Quinn's record is revoked as of 2026-01-15: the API's registry says so too.
    staff_web.open(&format!("{base}/staff/records/NM-3002")).await;
    staff_web.fill("date", "01/15/2026").await;
    staff_web.client.execute("document.getElementById('action').value = 'revoke';", vec![]).await.expect("revoke");
    staff_web.submit("form[action='/staff/records/NM-3002'] button").await;
    let record = staff_web.text().await;
    assert!(record.contains("Revoked") && record.contains("revoked in the portal"), "{record}");
    let (_, quinn) = api.get("/v1/registry/records/NM-3002", Some(&staff.token)).await;
    assert_eq!(quinn["record"]["revoked_on"], "2026-01-15", "{quinn}");
    assert_eq!(staff_web.console_errors().await, Vec::<String>::new());

    // Ana's dashboard: 2 h 40 min of 50 h counted; two sessions not counted (the disputed one,
    // and the one that appeared live on Pat's queue); the plot.
    web.open(&format!("{base}/dashboard?as_of=2026-11-30")).await;
    let text = web.text().await;
    assert!(text.contains("2 h 40 min of 50 h"), "{text}");
    assert!(text.contains("Not eligible yet") && text.contains("Still missing"), "{text}");
    assert!(text.contains("2 sessions not counted"), "{text}");
    let plot: Value = web
        .client
        .execute("const i = document.querySelector('figure img'); return [i.complete, i.naturalWidth];", vec![])
        .await
        .expect("plot");
    assert_eq!(plot[0], true);
    assert!(plot[1].as_u64().unwrap_or(0) > 0, "the plot drew: {plot}");
    for width in [1280, 390] {
        web.screenshot("dashboard", width).await;
    }
    assert_eq!(web.accessibility_violations().await, Vec::<String>::new(), "dashboard");
    assert_eq!(web.console_errors().await, Vec::<String>::new(), "no console errors on the way here");

    // The statements the browser signed verify with `rsc verify`, under the browser's key.
    let export = api
        .http
        .get(format!("{base}/v1/me/exports/json?as_of=2026-11-30"))
        .bearer_auth(&phone.token)
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("body");
    let json: Value = serde_json::from_slice(&export).expect("json");
    let keys: Vec<&str> = json["payload"]["attestations"]
        .as_array()
        .expect("attestations")
        .iter()
        .filter_map(|a| a["public_key"].as_str())
        .collect();
    assert_eq!(keys, vec![pat_browser_key.as_str(); 4], "each signed by Pat's browser, the dispute too");
    let file = tempfile::Builder::new().suffix(".json").tempfile().expect("temp");
    std::fs::write(file.path(), &export).expect("write");
    let rsc = rsc_test_kit::process::workspace_binary("rsc");
    let verified = std::process::Command::new(rsc)
        .arg("verify")
        .arg(file.path())
        .args(["--server", &base])
        .output()
        .expect("rsc verify runs");
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{said}{}", String::from_utf8_lossy(&verified.stderr));
    assert!(said.contains("provider signatures: 4 valid"), "{said}");

    // Her sessions, by name, with why the one awaiting Pat does not count; she logs one in the
    // browser (written as the browser's device) and withdraws it again.
    web.open(&format!("{base}/sessions")).await;
    let text = web.text().await;
    assert!(text.contains(&pat_name) && text.contains("Disputed"), "{text}");
    assert!(text.contains(&format!("Not counted: disputed by {pat_name}")), "{text}");
    web.fill("date", "11/02/2026").await;
    web.fill("minutes", "50").await;
    web.submit("form.grid-form button[type=submit]").await;
    let text = web.text().await;
    assert!(text.contains("Logged:") && text.contains("2026-11-02"), "{text}");
    // She changes it: 55 minutes instead of 50.
    web.mark_row_link("2026-11-02", "a", "change-it").await;
    web.submit("#change-it").await;
    web.fill("minutes", "55").await;
    web.submit("form[action='/sessions/edit'] button").await;
    let text = web.text().await;
    assert!(text.contains("Saved.") && text.contains("50 of 55"), "{text}");
    // A group session: she ticks Ben, who also sees Pat.
    web.fill("date", "11/04/2026").await;
    web.fill("minutes", "90").await;
    web.client
        .find(fantoccini::Locator::Css("input[name^='with:']"))
        .await
        .expect("Ben to tick")
        .click()
        .await
        .expect("tick");
    web.submit("form.grid-form button[type=submit]").await;
    let text = web.text().await;
    assert!(text.contains("Logged:") && text.contains("Group, video"), "{text}");
    // She changes the group session: shortening it below Ben's 90 minutes is refused by name,
    // her own minutes and the length change together, then Ben is removed and it is hers alone.
    web.mark_row_link("2026-11-04", "a", "change-it").await;
    web.submit("#change-it").await;
    assert!(web.text().await.contains("Remove ben"), "{}", web.text().await);
    for width in [1280, 390] {
        web.screenshot("change-group", width).await;
    }
    assert_eq!(web.accessibility_violations().await, Vec::<String>::new(), "change a group session");
    web.fill("minutes", "60").await;
    web.fill("attended", "45").await;
    web.submit("form[action='/sessions/edit'] button").await;
    let text = web.text().await;
    assert!(text.contains("ben attended 90 minutes, longer than 60 minutes"), "{text}");
    web.fill("minutes", "90").await;
    web.fill("attended", "45").await;
    web.submit("form[action='/sessions/edit'] button").await;
    let text = web.text().await;
    assert!(text.contains("Saved.") && text.contains("45 of 90"), "{text}");
    web.mark_row_link("2026-11-04", "a", "change-it").await;
    web.submit("#change-it").await;
    web.client.find(fantoccini::Locator::Css("input[name^='drop:']")).await.expect("Ben").click().await.expect("tick");
    web.submit("form[action='/sessions/edit'] button").await;
    let text = web.text().await;
    let row = text.lines().find(|l| l.contains("2026-11-04")).unwrap_or_default().to_string();
    assert!(text.contains("Saved.") && row.contains("Individual, video") && row.contains("45 of 90"), "{text}");
    web.fill("minutes", "900").await;
    web.client
        .execute("document.getElementById('minutes').removeAttribute('max'); document.getElementById('date').value = '2026-11-03';", vec![])
        .await
        .expect("lift the browser's own check");
    web.submit("form.grid-form button[type=submit]").await;
    let text = web.text().await;
    assert!(text.contains("720"), "the server's limit, beside the field: {text}");
    // Withdrawing asks first, says what it does, and can be undone from the withdrawn list.
    let row_with = |date: &'static str| {
        let client = web.client.clone();
        async move {
            let found = client
                .execute(
                    &format!(
                        "return [...document.querySelectorAll('tbody tr')].some(r => r.textContent.includes('{date}'));"
                    ),
                    vec![],
                )
                .await
                .expect("rows");
            found.as_bool().unwrap_or(false)
        }
    };
    web.mark_row_link("2026-11-02", "a[href^='/sessions/withdraw']", "withdraw-it").await;
    web.submit("#withdraw-it").await;
    let asked = web.text().await;
    assert!(asked.contains("Withdraw the session of 2026-11-02?") && asked.contains("counts nothing"), "{asked}");
    for width in [1280, 390] {
        web.screenshot("withdraw-asks", width).await;
    }
    assert_eq!(web.accessibility_violations().await, Vec::<String>::new(), "withdraw asks");
    web.fill("reason", "logged twice").await;
    web.submit("form[action='/sessions/withdraw'] button").await;
    let text = web.text().await;
    assert!(
        text.contains("Withdrawn: the session stays in its history") && text.contains("Withdrawn sessions"),
        "{text}"
    );
    assert!(!row_with("2026-11-02").await, "{text}");
    web.submit("form[action='/sessions/restore'] button").await;
    assert!(web.text().await.contains("Brought back"), "{}", web.text().await);
    assert!(row_with("2026-11-02").await, "{}", web.text().await);
    web.open(&format!("{base}/sessions/withdraw?session=not-a-session")).await;
    assert!(web.text().await.contains("Sign out"), "an error keeps the navigation: {}", web.text().await);
    web.open(&format!("{base}/sessions")).await;
    web.mark_row_link("2026-11-02", "a[href^='/sessions/withdraw']", "withdraw-it").await;
    web.submit("#withdraw-it").await;
    web.submit("form[action='/sessions/withdraw'] button").await;
    assert!(!row_with("2026-11-02").await, "{}", web.text().await);

    // Her exports: one made here is kept under one link; its PDF and its JSON are downloads of
    // that one export (the PDF names the JSON's SHA-256), which a reviewer opens without an
    // account and sees verify; the JSON file, uploaded on the review page, verifies too.
    web.open(&format!("{base}/exports")).await;
    web.submit("form[action='/exports/make'] button").await;
    assert!(web.text().await.contains("Made: one export"), "{}", web.text().await);
    let made: Value = web
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const card = document.querySelector('.card.fresh');\
             const pdf = card.querySelector(\"a[href$='/pdf']\").getAttribute('href');\
             const json = card.querySelector(\"a[href$='/json']\").getAttribute('href');\
             Promise.all([fetch(pdf), fetch(json)]).then(async ([p, j]) => {\
               const body = await j.text();\
               const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));\
               const hex = Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join('');\
               done([p.status, p.headers.get('content-type'), p.headers.get('x-rsc-verify'),\
                     p.headers.get('x-rsc-export-sha256'), hex, body, p.headers.get('content-disposition')]);\
             });",
            vec![],
        )
        .await
        .expect("pdf and json");
    assert_eq!((made[0].as_u64(), made[1].as_str()), (Some(200), Some("application/pdf")), "{made}");
    assert_eq!(made[3], made[4], "the PDF names the SHA-256 of the JSON downloaded with it");
    let disposition = made[6].as_str().unwrap_or_default();
    // Her name, accents off, so that any file system and mail program keeps it.
    assert!(
        disposition.contains("filename=\"nguyen-thi-huong-rsc-hours-") && disposition.ends_with(".pdf\""),
        "{disposition}"
    );
    let kept_json = tempfile::Builder::new().suffix(".json").tempfile().expect("temp");
    std::fs::write(kept_json.path(), made[5].as_str().expect("the JSON")).expect("write");
    let link = made[2].as_str().expect("the verification link").to_string();
    web.open(&format!("{base}/exports")).await;
    assert!(web.text().await.contains(&link), "listed: {}", web.text().await);
    for width in [1280, 390] {
        web.screenshot("exports", width).await;
    }
    assert_eq!(web.accessibility_violations().await, Vec::<String>::new(), "exports");
    let reviewer = Browser::start(1280).await;
    reviewer.open(&link).await;
    let text = reviewer.text().await;
    assert!(text.contains("Verified.") && text.contains(&ana_name) && text.contains(&pat_name), "{text}");
    assert!(text.contains("Nothing it relies on has changed"), "{text}");
    for width in [1280, 390] {
        reviewer.screenshot("verification", width).await;
    }
    assert_eq!(reviewer.accessibility_violations().await, Vec::<String>::new(), "verification page");
    reviewer.open(&format!("{base}/review")).await;
    reviewer.choose_file("export", file.path()).await;
    reviewer.submit("form.stack button[type=submit]").await;
    let text = reviewer.text().await;
    assert!(text.contains("Verified.") && text.contains(&ana_name), "{text}");
    let forged = tempfile::Builder::new().suffix(".json").tempfile().expect("temp");
    let tampered = String::from_utf8_lossy(&export).replacen(ana_name.as_str(), "Someone Else", 1);
    assert!(tampered.contains("Someone Else"));
    std::fs::write(forged.path(), tampered).expect("write");
    reviewer.open(&format!("{base}/review")).await;
    reviewer.choose_file("export", forged.path()).await;
    reviewer.submit("form.stack button[type=submit]").await;
    assert!(reviewer.text().await.contains("Does NOT verify"), "{}", reviewer.text().await);
    assert_eq!(reviewer.console_errors().await.iter().filter(|e| !e.contains("409")).count(), 0);
    // Ana withdraws the link; the reviewer is told so.
    web.open(&format!("{base}/exports")).await;
    web.submit("form[action='/exports/withdraw'] button").await;
    assert!(web.text().await.contains("Withdrawn:"), "{}", web.text().await);
    reviewer.open(&link).await;
    assert!(reviewer.text().await.contains("Export withdrawn"), "{}", reviewer.text().await);
    // Its file, uploaded after, is intact but no longer stands.
    reviewer.open(&format!("{base}/review")).await;
    reviewer.choose_file("export", kept_json.path()).await;
    reviewer.submit("form.stack button[type=submit]").await;
    assert!(
        reviewer.text().await.contains("Does NOT stand: the applicant withdrew this export"),
        "{}",
        reviewer.text().await
    );

    // Her profile: the master's date, kept by the server.
    web.open(&format!("{base}/profile")).await;
    web.fill("masters_conferred_on", "05/15/2012").await;
    web.client.find(fantoccini::Locator::Id("share_progress")).await.expect("checkbox").click().await.expect("tick");
    web.submit("form[action='/profile'] button").await;
    assert!(web.text().await.contains("Saved."), "{}", web.text().await);
    let (_, profile) = api.get("/v1/me/profile", Some(&phone.token)).await;
    assert_eq!(profile["masters_conferred_on"], "2012-05-15");
    assert_eq!(profile["share_progress"], true);
    // Pat sees the progress of the supervisee who shares it, and only hers.
    pat_web.open(&format!("{base}/provider")).await;
    let text = pat_web.text().await;
    assert!(
        text.contains(&format!("{ana_name}: 50 clock hours of RS/C within one to two years: 2 h 40 min of 50 h")),
        "{text}"
    );
    assert!(text.contains("ben: does not share their progress"), "{text}");

    // A form posted without this session's CSRF token is refused, and changes nothing.
    let refused: Value = web
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch('/signout', { method: 'POST', body: new URLSearchParams({ csrf: 'forged' }) })\
               .then(r => done(r.status));",
            vec![],
        )
        .await
        .expect("fetch");
    assert_eq!(refused, 403);
    web.open(&format!("{base}/dashboard?as_of=2026-11-30")).await;
    assert!(web.text().await.contains("2 h 40 min of 50 h"), "still signed in");

    // One role's page is refused to another: Ana is not staff.
    web.open(&format!("{base}/staff/claims")).await;
    let text = web.text().await;
    assert!(text.contains("Not for this account") && !text.contains("NM-3001"), "{text}");
    let status: Value = web
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch('/staff/claims').then(r => done(r.status));",
            vec![],
        )
        .await
        .expect("fetch");
    assert_eq!(status, 403);
    // The console shows only the refusals this test provoked.
    let errors = web.console_errors().await;
    assert!(
        errors.iter().all(|e| e.contains("403 (Forbidden)")
            || e.contains("/sessions - Failed to load resource: the server responded with a status of 422")
            || e.contains("/sessions/edit - Failed to load resource: the server responded with a status of 422")
            || e.contains("/sessions/withdraw?session=not-a-session - Failed to load resource: the server responded with a status of 404")),
        "{errors:?}"
    );

    // Signing out revokes the browser's device.
    web.open(&format!("{base}/dashboard")).await;
    web.submit("form[action='/signout'] button").await;
    assert_eq!(web.path().await, "/signin");
    let (_, devices) = api.get("/v1/devices", Some(&phone.token)).await;
    let revoked =
        devices.as_array().expect("devices").iter().find(|d| d["id"] == browser_device["id"]).expect("still listed");
    assert!(!revoked["revoked_at_ms"].is_null(), "{revoked}");
    web.open(&format!("{base}/dashboard")).await;
    assert_eq!(web.path().await, "/signin", "signed out");
}

/// Firefox makes the browser's key and signs with it the same way: an applicant signs up and
/// in, and a provider, by keyboard alone, signs a confirmation that the server records under
/// her Firefox's key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firefox_makes_the_key_and_signs_the_same_way() {
    if !browser::available() || !browser::firefox_available() {
        return;
    }
    let (_server, api) = start_server().await;
    let base = api.base.clone();
    let names = names();
    let (ana_name, pat_name) = (names[6].clone(), names[13].clone());
    let ana_web = Browser::start_kind(browser::Kind::Firefox, 1280).await;
    sign_up_and_in(&ana_web, &base, &ana_name, "ana@example.org").await;
    assert_eq!(ana_web.path().await, "/dashboard");
    assert!(ana_web.text().await.contains(&ana_name), "{}", ana_web.text().await);

    api.register("pat").await;
    let pat = Device::sign_in(&api, "pat").await;
    let put = api
        .http
        .put(format!("{base}/v1/me/profile"))
        .bearer_auth(&pat.token)
        .json(&json!({ "display_name": pat_name }))
        .send()
        .await
        .expect("put");
    assert_eq!(put.status().as_u16(), 200);
    let mut phone = Device::sign_in(&api, "ana").await;
    pat.connect(&[&phone]).await;
    let pat_id = pat.user_id.clone();
    logged(&mut phone, &pat_id, "2026-06-02", 60).await;

    // Pat uses only the keyboard: sign in, reach her queue, review and sign.
    let pat_web = Browser::start_kind(browser::Kind::Firefox, 1280).await;
    pat_web.open(&format!("{base}/signin")).await;
    pat_web.tab_to("#email").await;
    pat_web.client.active_element().await.expect("email").send_keys("pat@example.org").await.expect("type");
    pat_web.tab_to("#password").await;
    pat_web.client.active_element().await.expect("password").send_keys(PASSWORD).await.expect("type");
    pat_web.press_enter().await;
    assert_eq!(pat_web.path().await, "/provider", "a provider's home is her queue");
    assert!(pat_web.text().await.contains(&ana_name), "{}", pat_web.text().await);
    assert_eq!(pat_web.accessibility_violations().await, Vec::<String>::new(), "provider queue in Firefox");
    pat_web.tab_to("a[href*='attendee=']").await;
    pat_web.press_enter().await;
    assert!(pat_web.text().await.contains(&format!("I, {pat_name}, confirm that {ana_name} attended 60 minutes")));
    pat_web.tab_to("#sign").await;
    pat_web.press_enter().await;
    assert!(pat_web.text().await.contains("Signed and recorded 1 statement"), "{}", pat_web.text().await);
    let (status, pending) = api.get("/v1/me/pending-confirmations", Some(&pat.token)).await;
    assert_eq!((status, pending.as_array().map(Vec::len)), (200, Some(0)), "{pending}");
    let (_, devices) = api.get("/v1/devices", Some(&pat.token)).await;
    let firefox_key = devices
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["name"].as_str().is_some_and(|n| n.starts_with("Web browser")))
        .expect("Pat's Firefox")["public_key"]
        .clone();
    let export: Value = api
        .http
        .get(format!("{base}/v1/me/exports/json?rulebook=nmaimh&as_of=2026-11-30"))
        .bearer_auth(&phone.token)
        .send()
        .await
        .expect("export")
        .json()
        .await
        .expect("json");
    assert_eq!(export["payload"]["attestations"][0]["public_key"], firefox_key);
}
