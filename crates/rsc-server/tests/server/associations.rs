//! Two associations on one server. Staff of CT-AIMH try every staff route of the API and every
//! staff page of the portal on NMAIMH's records and claims: each answers exactly as for a record
//! or claim that does not exist, and nothing of NMAIMH changes. Staff are not operators: they
//! create no association, make nobody staff and reset no password. Every act is in the trail,
//! by the person who did it, and each association's staff read only their own lines.

use reqwest::StatusCode;
use rsc_server::RunningServer;
use rsc_server::store::Store;
use serde_json::{Value, json};

use rsc_test_kit::people::names;
use rsc_test_kit::{Api, Device, make_staff, staff_device_of};

use super::web::Portal;

const HEADER: &str =
    "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n";

async fn import(api: &Api, staff: &Device, csv: String) -> (u16, Value) {
    let response = api
        .http
        .post(format!("{}/v1/registry/import?source=test.csv", api.base))
        .bearer_auth(&staff.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The answer without the words that repeat what was asked (the number or the id), so that
/// another association's thing and a thing nobody has can be compared whole.
fn shape(answer: (u16, Value), asked: &str) -> (u16, String) {
    (answer.0, answer.1.to_string().replace(asked, "…"))
}

async fn staff_of_one_association_reach_nothing_of_another<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let names = names();
    let (pat_name, rae_name) = (&names[2], &names[5]);
    let nm = staff_device_of(&store, &api, "nmstaff", &["NMAIMH"]).await;
    let ct = staff_device_of(&store, &api, "ctstaff", &["CT-AIMH"]).await;
    let nm_csv = format!("{HEADER}NM-1,{pat_name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n");
    assert_eq!(import(&api, &nm, nm_csv).await.0, 200);
    let ct_csv = format!("{HEADER}CT-1,{rae_name},rae@example.org,IMHM-C,CT-AIMH,2016-04-01,,\n");
    assert_eq!(import(&api, &ct, ct_csv).await.0, 200);
    api.register("pat").await;
    let pat = Device::sign_in(&api, "pat").await;
    let (status, claim) = api.post("/v1/me/claims", Some(&pat.token), &json!({ "number": "NM-1" })).await;
    assert_eq!(status, 201, "{claim}");
    let claim_id = claim["id"].as_str().expect("id").to_string();
    let before = store.registry_history("NM-1").await.expect("history");

    // The API: lists hold only CT-AIMH's; each route on NM-1 or Pat's claim answers exactly as
    // for NM-404 or a claim id nobody has.
    let (status, records) = api.get("/v1/registry/records", Some(&ct.token)).await;
    assert_eq!(status, 200);
    let numbers: Vec<_> = records.as_array().expect("list").iter().map(|r| r["number"].clone()).collect();
    assert_eq!(numbers, [json!("CT-1")]);
    let (_, claims) = api.get("/v1/registry/claims", Some(&ct.token)).await;
    assert_eq!(claims, json!([]), "Pat's claim is NMAIMH's to see");
    let (_, claims) = api.get("/v1/registry/claims", Some(&nm.token)).await;
    assert_eq!(claims.as_array().map(Vec::len), Some(1));
    for (method, path, body) in [
        ("GET", "/v1/registry/records/{}", None),
        ("POST", "/v1/registry/records/{}/lapse", Some(json!({ "valid_through": "2025-01-31" }))),
        ("POST", "/v1/registry/records/{}/revoke", Some(json!({ "revoked_on": "2025-01-31" }))),
    ] {
        let theirs = api.call(method, &path.replace("{}", "NM-1"), Some(&ct.token), body.as_ref()).await;
        let nobodys = api.call(method, &path.replace("{}", "NM-404"), Some(&ct.token), body.as_ref()).await;
        assert_eq!(theirs.0, 404, "{method} {path}: {}", theirs.1);
        assert_eq!(shape(theirs, "NM-1"), shape(nobodys, "NM-404"), "{method} {path}");
    }
    for decision in ["approve", "reject"] {
        let body = json!({ "note": "mine now", "despite_mismatch": true });
        let path = |id: &str| format!("/v1/registry/claims/{id}/{decision}");
        let theirs = api.post(&path(&claim_id), Some(&ct.token), &body).await;
        let nobodys = api.post(&path("no-such-claim"), Some(&ct.token), &body).await;
        assert_eq!(theirs.0, 404, "{decision}: {}", theirs.1);
        assert_eq!(shape(theirs, &claim_id), shape(nobodys, "no-such-claim"), "{decision}");
    }
    // An import naming NMAIMH, or NM-1 under CT-AIMH, is refused by line; neither changes NM-1.
    let theirs = format!(
        "{HEADER}CT-2,Sam,sam@example.org,IMHS,CT-AIMH,2016-01-01,,\nNM-2,Mal,mal@example.org,IMHM-C,NMAIMH,2016-01-01,,\n"
    );
    let (status, refused) = import(&api, &ct, theirs).await;
    assert_eq!((status, refused["rows"][0]["line"].as_u64()), (422, Some(3)), "{refused}");
    assert_eq!(refused["rows"][0]["field"], "association", "{refused}");
    let takeover = format!("{HEADER}NM-1,Mallory,mal@example.org,IMHM-C,CT-AIMH,2001-01-01,,\n");
    let (status, refused) = import(&api, &ct, takeover).await;
    assert_eq!((status, refused["rows"][0]["field"].as_str()), (422, Some("endorsement_number")), "{refused}");
    let unknown = format!("{HEADER}OR-1,Ode,ode@example.org,IMHM-C,ORIMHA-X,2016-01-01,,\n");
    let (status, refused) = import(&api, &ct, unknown).await;
    assert!(status == 422 && refused["rows"][0]["message"].as_str().is_some_and(|m| m.contains("not an association")));

    // The portal: the same, page by page.
    let portal = Portal::sign_in_to(&server.url(), "ctstaff", "/staff").await;
    let (status, page) = portal.get("/staff/records").await;
    assert!(status == StatusCode::OK && page.contains("CT-1") && page.contains(rae_name.as_str()), "{page}");
    assert!(!page.contains("NM-1") && !page.contains(pat_name.as_str()), "{page}");
    let (status, page) = portal.get(&format!("/staff/records?q={}", "NM-1")).await;
    assert!(status == StatusCode::OK && !page.contains(pat_name.as_str()), "search finds nothing of NMAIMH");
    let theirs = portal.get("/staff/records/NM-1").await;
    let nobodys = portal.get("/staff/records/NM-404").await;
    assert_eq!(theirs.0, StatusCode::NOT_FOUND);
    assert_eq!(theirs.1.replace("NM-1", "…"), nobodys.1.replace("NM-404", "…"));
    for action in ["lapse", "revoke"] {
        let form = [("action", action), ("date", "2025-01-31")];
        let theirs = portal.post("/staff/records/NM-1", &form).await;
        let nobodys = portal.post("/staff/records/NM-404", &form).await;
        assert_eq!(theirs.0, StatusCode::NOT_FOUND, "{action}");
        assert_eq!(theirs.1.replace("NM-1", "…"), nobodys.1.replace("NM-404", "…"), "{action}");
    }
    let (_, page) = portal.get("/staff/claims").await;
    assert!(!page.contains(pat_name.as_str()) && page.contains("No claims wait"), "{page}");
    for decision in ["approve", "reject"] {
        let form = [("decision", decision), ("note", "mine now"), ("despite_mismatch", "on")];
        let theirs = portal.post(&format!("/staff/claims/{claim_id}"), &form).await;
        let nobodys = portal.post("/staff/claims/no-such-claim", &form).await;
        assert_eq!(theirs.0, StatusCode::NOT_FOUND, "{decision}");
        assert_eq!(theirs.1.replace(&claim_id, "…"), nobodys.1.replace("no-such-claim", "…"), "{decision}");
    }
    let (_, page) = portal.get("/staff/trail").await;
    assert!(page.contains("CT-AIMH") && !page.contains("NMAIMH") && !page.contains("NM-1"), "{page}");
    let (_, page) = portal.get("/staff/trail?association=NMAIMH").await;
    assert!(page.contains("Nothing in the trail matches"), "asking for NMAIMH's lines gives none: {page}");

    // Staff are not operators, in the API's world or the portal's.
    for path in ["/operator"] {
        assert_eq!(portal.get(path).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    for (path, form) in [
        ("/operator/associations", vec![("id", "EVIL"), ("name", "Evil")]),
        ("/operator/staff", vec![("email", "ctstaff@example.org"), ("association", "NMAIMH"), ("action", "add")]),
        ("/operator/reset", vec![("email", "pat@example.org")]),
    ] {
        let (status, page) = portal.post(path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {page}");
        assert!(!page.contains("Reset code"), "{page}");
    }
    assert_eq!(store.associations().await.expect("all").len(), 2);
    let ct_id = store.user_by_email("ctstaff@example.org").await.expect("read").expect("there").id;
    assert_eq!(store.staff_associations(&ct_id).await.expect("hers"), ["CT-AIMH"]);

    // Nothing of NMAIMH changed, and its staff still decide Pat's claim.
    assert_eq!(store.registry_history("NM-1").await.expect("history"), before);
    let (status, decided) = api
        .post(&format!("/v1/registry/claims/{claim_id}/approve"), Some(&nm.token), &json!({ "note": "checked" }))
        .await;
    assert_eq!((status, decided["status"].as_str()), (200, Some("approved")), "{decided}");
    server.stop().await.expect("stop");
}

/// Every staff and operator act is in the trail with who did it, by name as it is now; staff
/// filter it by record, person and action and download it as CSV; the operator reads every
/// association's lines, and lines of no association (a reset code).
async fn the_trail_names_who_did_what_and_filters<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let names = names();
    let (jordan, pat_name) = (&names[7], &names[2]);
    make_staff(&store, "jordan@example.org", &["NMAIMH"]).await;
    let jordan_id = store.user_by_email("jordan@example.org").await.expect("read").expect("there").id;
    store.set_display_name(&jordan_id, jordan).await.expect("name");
    make_staff(&store, "ctstaff@example.org", &["CT-AIMH"]).await;
    let staff = Device::sign_in(&api, "jordan").await;
    let ct = Device::sign_in(&api, "ctstaff").await;
    let csv = format!(
        "{HEADER}NM-1,{pat_name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\nNM-2,Quinn,quinn@example.org,IMHS,NMAIMH,2018-01-15,,\n"
    );
    assert_eq!(import(&api, &staff, csv).await.0, 200);
    assert_eq!(
        import(&api, &ct, format!("{HEADER}CT-1,Rae,rae@example.org,IMHM-C,CT-AIMH,2016-04-01,,\n")).await.0,
        200
    );
    let lapse = json!({ "valid_through": "2026-01-31" });
    assert_eq!(api.post("/v1/registry/records/NM-2/lapse", Some(&staff.token), &lapse).await.0, 200);
    api.register("pat").await;
    let pat = Device::sign_in(&api, "pat").await;
    let (_, claim) = api.post("/v1/me/claims", Some(&pat.token), &json!({ "number": "NM-1" })).await;
    let path = format!("/v1/registry/claims/{}/reject", claim["id"].as_str().expect("id"));
    assert_eq!(api.post(&path, Some(&staff.token), &json!({ "note": "ask us by phone first" })).await.0, 200);
    let operator = rsc_service::staff::Staff::command_line(None);
    rsc_service::staff::issue_reset_code(&store, &operator, "pat@example.org").await.expect("a code");

    let portal = Portal::sign_in_to(&server.url(), "jordan", "/staff").await;
    let (_, page) = portal.get("/staff/trail").await;
    for expected in [
        "imported registry rows",
        "test.csv",
        "2 new, 0 updated, 0 unchanged",
        "lapsed a record",
        "valid through 2026-01-31 (was none)",
        "rejected a claim",
        "ask us by phone first",
        jordan.as_str(),
    ] {
        assert!(page.contains(&askama_escaped(expected)), "{expected} missing from {page}");
    }
    let rows = |page: &str, what: &str| page.matches(&format!("data-label=\"What\">{what}")).count();
    assert!(!page.contains("CT-1") && rows(&page, "issued a password reset code") == 0, "not hers: {page}");
    assert_eq!(rows(&page, "imported registry rows"), 1, "her own import only");
    let (_, page) = portal.get("/staff/trail?action=reject").await;
    assert_eq!((rows(&page, "rejected a claim"), rows(&page, "lapsed a record")), (1, 0), "{page}");
    let (_, page) = portal.get("/staff/trail?record=nm-2").await;
    assert_eq!((rows(&page, "rejected a claim"), rows(&page, "lapsed a record")), (0, 1), "{page}");
    let (_, page) = portal.get(&format!("/staff/trail?person={}", "PAT@example")).await;
    assert_eq!((rows(&page, "rejected a claim"), rows(&page, "lapsed a record")), (1, 0), "by email: {page}");
    let (status, csv) = portal.get("/staff/trail?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "when_utc,who,association,action,subject,person,detail");
    assert_eq!(rows.len(), 1 + 5, "import, lapse, reject, NMAIMH made and her made staff: {csv}");
    assert!(rows.iter().any(|r| r.contains(",reject,NM-1,pat,claim rejected: ask us by phone first")), "{csv}");

    // The operator reads all of it, the reset code included; a name changed since shows as now.
    store.set_display_name(&jordan_id, "Jordan Renamed").await.expect("rename");
    let all = rsc_service::staff::trail(&store, &operator, &Default::default()).await.expect("trail");
    assert!(all.iter().any(|l| l.subject == "CT-1" || l.detail.contains("1 new")), "CT-AIMH's import");
    assert!(all.iter().any(|l| l.action == rsc_model::AuditAction::ResetCode && l.person.as_deref() == Some("pat")));
    use rsc_model::AuditAction::{Import, Lapse, Reject};
    let hers: Vec<_> = all
        .iter()
        .filter(|l| l.association.as_deref() == Some("NMAIMH") && [Import, Lapse, Reject].contains(&l.action))
        .collect();
    assert_eq!(hers.len(), 3);
    assert!(hers.iter().all(|l| l.who == "Jordan Renamed"), "{hers:?}");
    server.stop().await.expect("stop");
}

/// An operator does her whole job in the portal: creates an association, makes a staff member
/// of it (who then sees its registry and nobody else's), removes her again, and issues a reset
/// code shown once; a bad id or an unknown email is told on the page; each act is in the trail
/// she reads, by her name.
async fn an_operator_keeps_associations_and_staff_in_the_portal<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let names = names();
    let olive = &names[9];
    make_staff(&store, "olive@example.org", &["NMAIMH"]).await;
    let olive_id = store.user_by_email("olive@example.org").await.expect("read").expect("there").id;
    store.set_display_name(&olive_id, olive).await.expect("name");
    let cli = rsc_service::staff::Staff::command_line(None);
    rsc_service::staff::add_operator(&store, &cli, "olive@example.org").await.expect("operator");
    make_staff(&store, "sam@example.org", &["NMAIMH"]).await;
    api.register("ana").await;

    let portal = Portal::sign_in_to(&server.url(), "olive", "/staff").await;
    let (status, page) = portal.get("/operator").await;
    assert!(status == StatusCode::OK && page.contains("NMAIMH"), "{page}");
    let made = [("id", "CT-AIMH"), ("name", "Connecticut Association for Infant Mental Health"), ("rulebooks", "")];
    let (status, page) = portal.post("/operator/associations", &made).await;
    assert!(status == StatusCode::OK && page.contains("Created Connecticut Association"), "{page}");
    let (status, page) = portal.post("/operator/associations", &[("id", "ct-aimh"), ("name", "Again")]).await;
    assert!(status == StatusCode::CONFLICT && page.contains("already an association `CT-AIMH`"), "{page}");
    let (status, page) =
        portal.post("/operator/associations", &[("id", "OR"), ("name", "Oregon"), ("rulebooks", "oregon")]).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("not a rulebook here"), "{page}");

    let change = [("id", "ct-aimh"), ("name", "Connecticut AIMH"), ("rulebooks", "NMAIMH")];
    let (status, page) = portal.post("/operator/associations/change", &change).await;
    assert!(status == StatusCode::OK && page.contains("Saved Connecticut AIMH (CT-AIMH)"), "{page}");
    let unknown = [("id", "TX"), ("name", "Texas"), ("rulebooks", "")];
    let (status, page) = portal.post("/operator/associations/change", &unknown).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("`TX` is not an association here"), "{page}");
    let add = [("email", "sam@example.org"), ("association", "CT-AIMH"), ("action", "add")];
    let (_, page) = portal.post("/operator/staff", &add).await;
    assert!(page.contains("sam@example.org now keeps CT-AIMH"), "{page}");
    let member = [("email", "ana@example.org"), ("association", "CT-AIMH"), ("action", "add")];
    let (status, page) = portal.post("/operator/staff", &member).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("is a member&#39;s account"), "{page}");
    let sam = Device::sign_in(&api, "sam").await;
    let csv = format!("{HEADER}CT-1,Rae,rae@example.org,IMHM-C,CT-AIMH,2016-04-01,,\n");
    assert_eq!(import(&api, &sam, csv.clone()).await.0, 200, "Sam keeps CT-AIMH's registry now");
    let remove = [("email", "sam@example.org"), ("association", "CT-AIMH"), ("action", "remove")];
    let (_, page) = portal.post("/operator/staff", &remove).await;
    assert!(page.contains("no longer keeps CT-AIMH"), "{page}");
    let (status, records) = api.get("/v1/registry/records/CT-1", Some(&sam.token)).await;
    assert_eq!(status, 404, "and not any more: {records}");

    let (status, page) = portal.post("/operator/reset", &[("email", "ana@example.org")]).await;
    assert!(
        status == StatusCode::OK && page.contains(&askama_escaped("Reset code for ana <ana@example.org>")),
        "{page}"
    );
    let (status, page) = portal.post("/operator/reset", &[("email", "nobody@example.org")]).await;
    assert!(status == StatusCode::NOT_FOUND && page.contains("no account has the email nobody@example.org"), "{page}");

    let (_, page) = portal.get("/staff/trail").await;
    for what in
        ["created an association", "made someone staff", "removed someone from staff", "issued a password reset code"]
    {
        assert!(page.contains(&format!("data-label=\"What\">{what}")), "{what} missing from {page}");
    }
    let (_, page) = portal.get("/staff/trail?action=reset_code").await;
    assert!(page.contains(&askama_escaped(olive)) && page.contains("ana@example.org"), "{page}");
    server.stop().await.expect("stop");
}

/// Text as the page writes it (an apostrophe in a name is escaped).
fn askama_escaped(text: &str) -> String {
    text.replace('&', "&#38;").replace('\'', "&#39;").replace('"', "&#34;").replace('<', "&#60;").replace('>', "&#62;")
}

rsc_test_kit::on_both_backends!(
    staff_of_one_association_reach_nothing_of_another,
    the_trail_names_who_did_what_and_filters,
    an_operator_keeps_associations_and_staff_in_the_portal,
);
