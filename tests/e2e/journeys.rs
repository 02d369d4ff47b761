//! Whole jobs in the portal alone, in a real headless Chromium against a real `rsc-server` on
//! SQLite, with nothing typed or read that is an id: a provider makes her connection link and
//! claims her endorsement; a supervisee signs up through that link, sets her profile, logs
//! sessions (one about her own practice); staff approve the claim; the provider confirms one
//! entry and disputes another with a reason; the supervisee reads why and corrects it; the
//! correction comes back to the provider, who confirms it; staff lapse the record and the
//! supervisee's dashboard says which sessions no longer count and why. Screenshots at 1280 and
//! 390 px of each page on the way.

use crate::browser::{self, Browser};
use rsc_test_kit::people::{names, shows_an_id};
use rsc_test_kit::process::start_server;

const PASSWORD: &str = "a long enough password";

async fn sign_in(browser: &Browser, email: &str) {
    browser.fill("email", email).await;
    browser.fill("password", PASSWORD).await;
    browser.submit("form.stack button[type=submit]").await;
}

/// Looks at the page at both widths, and checks it names nobody by id and breaks no
/// accessibility rule.
async fn look(browser: &Browser, name: &str) {
    let text = browser.text().await;
    assert!(!shows_an_id(&text), "{name} shows an id: {text}");
    for width in [1280, 390] {
        browser.screenshot(name, width).await;
    }
    assert_eq!(browser.accessibility_violations().await, Vec::<String>::new(), "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_finishes_its_job_in_the_portal_alone() {
    if !browser::available() {
        return;
    }
    let (_server, api) = start_server().await;
    let base = api.base.clone();
    let names = names();
    let (ana_name, pat_name) = (names[0].clone(), names[1].clone());

    // Pat signs up, makes her connection link, and claims her endorsement, all on People.
    let pat = Browser::start(1280).await;
    pat.open(&format!("{base}/signup")).await;
    pat.fill("display_name", &pat_name).await;
    pat.fill("email", "pat@example.org").await;
    pat.fill("password", PASSWORD).await;
    pat.submit("form.stack button[type=submit]").await;
    sign_in(&pat, "pat@example.org").await;
    pat.open(&format!("{base}/people")).await;
    // A new account is not yet a provider, so the codes are folded away until she opens them.
    pat.client
        .find(fantoccini::Locator::Css("details.codes summary"))
        .await
        .expect("codes")
        .click()
        .await
        .expect("open");
    pat.submit("form[action='/people/codes'] button").await;
    let link: String = pat
        .client
        .execute(
            "return [...document.querySelectorAll('a')].map(a => a.href).find(h => h.includes('/connect/'))",
            vec![],
        )
        .await
        .expect("the link")
        .as_str()
        .expect("a connection link")
        .to_string();
    let staff = Browser::start(1280).await;
    staff.open(&format!("{base}/signin")).await;
    sign_in(&staff, "staff@example.org").await;
    let csv = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp");
    std::fs::write(
        csv.path(),
        format!(
            "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n\
             NM-1001,{pat_name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,2030-12-31,\n"
        ),
    )
    .expect("registry");
    staff.open(&format!("{base}/staff/import")).await;
    staff.choose_file("file", csv.path()).await;
    staff.submit("#preview").await;
    staff.submit("#import").await;
    assert!(staff.text().await.contains("Imported: 1 new"), "{}", staff.text().await);
    // Staff find the record as they type its holder's name, without accents.
    let plain = rsc_model::names::without_accents(&pat_name).to_lowercase();
    staff.open(&format!("{base}/staff/records?q={}", plain.split(' ').next().unwrap_or_default())).await;
    assert!(staff.text().await.contains("NM-1001"), "{}", staff.text().await);
    look(&staff, "journey-staff-records").await;
    pat.fill("claim-number", "NM-1001").await;
    pat.submit("form[action='/people/claim'] button").await;
    let people = pat.text().await;
    assert!(people.contains("NM-1001") && people.contains("waiting for staff"), "{people}");
    look(&pat, "journey-provider-setup").await;

    // Ana opens the link before she has an account: sign-up and sign-in carry it, and it connects.
    let ana = Browser::start(1280).await;
    ana.open(&link).await;
    assert_eq!(ana.path().await, "/signin");
    ana.submit("a[href^='/signup']").await;
    ana.fill("display_name", &ana_name).await;
    ana.fill("email", "ana@example.org").await;
    ana.fill("password", PASSWORD).await;
    ana.submit("form.stack button[type=submit]").await;
    sign_in(&ana, "ana@example.org").await;
    assert!(ana.path().await.starts_with("/connect/"), "{}", ana.path().await);
    ana.submit("form[action='/connect'] button").await;
    assert!(ana.text().await.contains(&format!("Connected with {pat_name}")), "{}", ana.text().await);
    // Her profile: Oregon's rulebook, which counts only post-master's hours, and her master's date.
    ana.open(&format!("{base}/profile")).await;
    ana.client.execute("document.getElementById('rulebook').value = 'orimha';", vec![]).await.expect("rulebook");
    ana.fill("masters_conferred_on", "05/15/2012").await;
    ana.submit("form[action='/profile'] button").await;
    assert!(ana.text().await.contains("Saved."), "{}", ana.text().await);
    // Two sessions with Pat, the first about her own RS/C practice.
    for (date, own) in [("03/04/2025", true), ("04/01/2025", false)] {
        ana.open(&format!("{base}/sessions")).await;
        ana.fill("date", date).await;
        ana.fill("minutes", "60").await;
        if own {
            ana.client.find(fantoccini::Locator::Id("own")).await.expect("the topic box").click().await.expect("tick");
        }
        ana.submit("form.grid-form button[type=submit]").await;
        assert!(ana.text().await.contains("Logged:"), "{}", ana.text().await);
    }
    let sessions = ana.text().await;
    assert!(sessions.contains("about your RS/C practice"), "{sessions}");
    // The portal's people pickers find every listed name as people type it: without accents,
    // in any case, from the start of any word (a short list, as hers, gets no search box).
    assert_eq!(ana.client.find_all(fantoccini::Locator::Css(".people-search")).await.expect("boxes").len(), 0);
    for name in &names {
        let plain = rsc_model::names::without_accents(name);
        let mut typed = vec![plain.to_lowercase(), plain.to_uppercase(), name.to_lowercase()];
        typed.extend(plain.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase));
        let found = ana
            .client
            .execute(
                "return arguments[1].every(t => window.rscPeople.matches(arguments[0], t));",
                vec![serde_json::Value::from(name.as_str()), serde_json::Value::from(typed.clone())],
            )
            .await
            .expect("the picker's matching");
        assert_eq!(found, serde_json::Value::Bool(true), "{name} typed as {typed:?}");
    }
    let strangers = ana
        .client
        .execute("return window.rscPeople.matches('Jürgen Weiß', 'weiss jurgen') || window.rscPeople.matches('Jürgen Weiß', 'rgen');", vec![])
        .await
        .expect("matching");
    assert_eq!(strangers, serde_json::Value::Bool(false), "words in another order or mid-word do not match");
    assert!(sessions.contains(&format!("{pat_name}'s claim to NM-1001 waits for NMAIMH staff")), "{sessions}");

    // Staff approve the claim, seeing the claimant beside the record's holder.
    staff.open(&format!("{base}/staff/claims")).await;
    let claims = staff.text().await;
    assert!(claims.contains("NM-1001") && claims.matches(pat_name.as_str()).count() >= 2, "{claims}");
    staff.submit("button[value=approve]").await;

    // Pat's home is her queue: she confirms the first session and disputes the second.
    pat.open(&format!("{base}/")).await;
    assert_eq!(pat.path().await, "/provider");
    pat.mark_row_link("2025-03-04", "a[href*='attendee=']", "first").await;
    pat.submit("#first").await;
    pat.submit("#sign").await;
    assert!(pat.text().await.contains("Signed and recorded 1 statement"), "{}", pat.text().await);
    pat.mark_row_link("2025-04-01", "a[href*='attendee=']", "second").await;
    pat.submit("#second").await;
    pat.submit("a[href*='dispute=1']").await;
    pat.fill("reason", "We met for 45 minutes, not 60").await;
    pat.submit("form[method=get] button").await;
    pat.submit("#sign").await;

    // Ana reads why on her sessions and on the change page, and corrects her minutes.
    ana.open(&format!("{base}/sessions")).await;
    let sessions = ana.text().await;
    assert!(
        sessions.contains(&format!("{pat_name} disputed it: \u{201c}We met for 45 minutes, not 60\u{201d}")),
        "{sessions}"
    );
    look(&ana, "journey-sessions-disputed").await;
    ana.mark_row_link("2025-04-01", "a[href^='/sessions/edit']", "change").await;
    ana.submit("#change").await;
    assert!(ana.text().await.contains(&format!("{pat_name} disputed your entry")), "{}", ana.text().await);
    ana.fill("attended", "45").await;
    ana.submit("form[action='/sessions/edit'] button").await;
    assert!(ana.text().await.contains(&format!("Corrected, back with {pat_name}")), "{}", ana.text().await);

    // The correction is back in Pat's queue, saying why; she confirms it.
    pat.open(&format!("{base}/provider")).await;
    let queue = pat.text().await;
    assert!(
        queue.contains("corrected after your dispute (\"We met for 45 minutes, not 60\"): now 45 minutes"),
        "{queue}"
    );
    look(&pat, "journey-provider-corrected").await;
    pat.submit("a[href*='attendee=']").await;
    assert!(pat.text().await.contains("attended 45 minutes"), "{}", pat.text().await);
    pat.submit("#sign").await;
    assert!(pat.text().await.contains("Nobody awaits your confirmation"), "{}", pat.text().await);

    // A second supervisee connects through the same link; Pat makes a group of the two, Ana
    // logs its session for both (90 minutes, about her own practice), and Pat signs the roster.
    let ben_name = names[2].clone();
    let ben = Browser::start(1280).await;
    ben.open(&link).await;
    ben.submit("a[href^='/signup']").await;
    ben.fill("display_name", &ben_name).await;
    ben.fill("email", "ben@example.org").await;
    ben.fill("password", PASSWORD).await;
    ben.submit("form.stack button[type=submit]").await;
    sign_in(&ben, "ben@example.org").await;
    ben.submit("form[action='/connect'] button").await;
    assert!(ben.text().await.contains(&format!("Connected with {pat_name}")), "{}", ben.text().await);
    pat.open(&format!("{base}/people")).await;
    pat.fill("group-name", "Tuesday reflective group").await;
    for member in pat.client.find_all(fantoccini::Locator::Css("input[name^='member:']")).await.expect("members") {
        member.click().await.expect("tick a member");
    }
    pat.submit("form.new-group button").await;
    let people = pat.text().await;
    assert!(people.contains("Tuesday reflective group") && people.contains(&ben_name), "{people}");
    look(&pat, "journey-provider-group").await;
    ana.open(&format!("{base}/sessions")).await;
    ana.client
        .execute(
            "const s = document.getElementById('group'); s.value = [...s.options].find(o => o.text.startsWith('Tuesday')).value;",
            vec![],
        )
        .await
        .expect("choose the group");
    ana.fill("date", "03/18/2025").await;
    ana.fill("minutes", "90").await;
    ana.client.find(fantoccini::Locator::Id("own")).await.expect("the topic box").click().await.expect("tick");
    ana.submit("form.grid-form button[type=submit]").await;
    assert!(ana.text().await.contains("Logged:"), "{}", ana.text().await);
    // Ben sees the group session Ana logged, with his own answer about the topic (not his practice).
    ben.open(&format!("{base}/sessions")).await;
    let his = ben.text().await;
    assert!(his.contains("2025-03-18") && his.contains("Group") && !his.contains("about your RS/C practice"), "{his}");
    pat.open(&format!("{base}/provider")).await;
    assert!(pat.text().await.contains("2025-03-18"), "{}", pat.text().await);
    pat.submit("a.button[href*='/provider/sign?session=']").await;
    let roster = pat.text().await;
    assert!(roster.contains(&ana_name) && roster.contains(&ben_name), "{roster}");
    pat.submit("#sign").await;
    assert!(pat.text().await.contains("Signed and recorded 2 statements"), "{}", pat.text().await);

    // With five supervisees, her lists of people get a search box that finds a name typed
    // without accents: three more connect from their phones.
    let mut phones = Vec::new();
    for (i, name) in [&names[16], &names[8], &names[13]].into_iter().enumerate() {
        let login = format!("member{i}");
        let body =
            serde_json::json!({ "email": format!("{login}@example.org"), "password": PASSWORD, "display_name": name });
        assert_eq!(api.post("/v1/accounts", None, &body).await.0, 202);
        phones.push(rsc_test_kit::Device::sign_in(&api, &login).await);
    }
    let pat_phone = rsc_test_kit::Device::sign_in(&api, "pat").await;
    pat_phone.connect(&phones.iter().collect::<Vec<_>>()).await;
    pat.open(&format!("{base}/people")).await;
    let members = "fieldset[data-people] .check:not([hidden])";
    let search =
        pat.client.find(fantoccini::Locator::Css(".new-group .people-search input")).await.expect("a search box");
    search.send_keys("jurgen weiss").await.expect("type");
    let shown = pat.client.find_all(fantoccini::Locator::Css(members)).await.expect("members");
    assert_eq!(shown.len(), 1, "only Jürgen is left");
    assert!(shown[0].text().await.expect("text").contains(names[16].as_str()));
    look(&pat, "journey-people-search").await;

    // Staff lapse the record after March: the April session no longer counts, and Ana's
    // dashboard says so, with what happens next.
    staff.open(&format!("{base}/staff/records/NM-1001")).await;
    staff.fill("date", "03/31/2025").await;
    staff.submit("form[action='/staff/records/NM-1001'] button").await;
    ana.open(&format!("{base}/dashboard?as_of=2025-06-01")).await;
    let dashboard = ana.text().await;
    assert!(
        dashboard.contains(&format!(
            "1 session with {pat_name} does not count: {pat_name}'s IMHM-C (NM-1001) lapsed after 2025-03-31"
        )),
        "{dashboard}"
    );
    assert!(dashboard.contains("2 h 30 min of 50 h"), "{dashboard}");
    look(&ana, "journey-dashboard-lapsed").await;
    pat.open(&format!("{base}/people")).await;
    assert!(pat.text().await.contains("lapsed after 2025-03-31"), "{}", pat.text().await);
    for browser in [&ana, &pat, &staff] {
        assert_eq!(browser.console_errors().await, Vec::<String>::new());
    }
}
