//! Trainings synced end to end: a person's devices exchange her trainings through the server,
//! apart from sessions, and nobody else's device can write them, on both backends.

use rsc_doc::{SessionDoc, TrainingDoc, TrainingFields};
use rsc_model::{Id, SessionKind, TrainingTopic};
use rsc_protocol::{Bytes, DocChanges, DocPush, RefusalCode, SyncRequest};
use rsc_server::RunningServer;
use rsc_server::store::{Store, UserId};
use rsc_test_kit::{Api, Device};

use super::sync::people;

fn fields(title: &str) -> TrainingFields {
    TrainingFields {
        title: title.into(),
        organiser: "NMAIMH".into(),
        date: "2025-05-01".parse().expect("date"),
        minutes: 90,
        topic: TrainingTopic::Dei,
        certificate: None,
    }
}

/// One request pushing `trainings` (and `push` sessions) as `device`, read as JSON.
async fn push(device: &Device, push: Vec<DocPush>, trainings: Vec<DocPush>) -> serde_json::Value {
    let request = SyncRequest { v: 1, cursor: None, push, page_changes: None, account_version: None, trainings };
    let (status, body) =
        device.api.post("/v1/sync", Some(&device.token), &serde_json::to_value(&request).expect("json")).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn changes_of(doc: &mut TrainingDoc) -> Vec<Bytes> {
    doc.changes_since(&[]).into_iter().map(Bytes).collect()
}

/// Ana logs a training on her phone; her laptop receives it as a training (never among the
/// sessions), edits it, and the phone receives the edit; the server's projection follows.
async fn her_devices_share_her_trainings_apart_from_sessions<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat"]).await;
    let mut pat = devices.pop().expect("pat");
    let mut phone = devices.pop().expect("ana");
    let mut laptop = Device::sign_in(&api, "ana").await;
    let training = phone.log_training("Diversity in infant mental health");
    let session = phone.log(&pat.user_id, SessionKind::Individual, &[(&phone.user_id.clone(), 60)]);
    let answers = phone.sync().await;
    assert!(answers[0].refused.is_empty(), "{:?}", answers[0].refused);
    assert_eq!(answers[0].accepted.len(), 2);

    let answers = laptop.sync().await;
    let pulled_sessions: Vec<&str> = answers.iter().flat_map(|a| &a.pull).map(|p| p.doc.as_str()).collect();
    let pulled_trainings: Vec<&str> = answers.iter().flat_map(|a| &a.trainings).map(|p| p.doc.as_str()).collect();
    assert_eq!((pulled_sessions, pulled_trainings), (vec![session.as_str()], vec![training.as_str()]));
    assert_eq!(laptop.trainings[&training].training().expect("read").fields.title, "Diversity in infant mental health");

    laptop.edit_training(&training, |doc, me| {
        let mut edited = doc.training().expect("read").fields;
        edited.minutes = 150;
        doc.edit(me, edited).expect("edit");
    });
    let answers = laptop.sync().await;
    assert!(answers[0].refused.is_empty() && answers[0].accepted[0].new_changes == 1, "{:?}", answers[0]);
    phone.sync().await;
    assert_eq!(phone.trainings[&training].training().expect("read").fields.minutes, 150);
    let rows = store.trainings_of(&UserId::from(phone.user_id.as_str())).await.expect("rows");
    assert_eq!(rows.iter().map(|t| (t.id.as_str(), t.minutes)).collect::<Vec<_>>(), [(training.as_str(), 150)]);
    // Her provider receives the session, and nothing of her trainings.
    let answers = pat.sync().await;
    assert!(answers.iter().all(|a| a.trainings.is_empty()), "{answers:?}");
    assert!(answers.iter().flat_map(|a| &a.pull).all(|p| p.doc == session));
    server.stop().await.expect("stop");
}

/// Attacks: Ben's device writes Ana's training (an edit made on a leaked copy, a new document
/// naming her as its owner, a push through the sessions' list); Ana's device pushes session
/// changes to her training and a training under a session's id. Each is refused, with the
/// answer an unknown id gets, and her training is unchanged.
async fn nobody_but_its_owner_writes_a_training<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "ben", "pat"]).await;
    let pat = devices.pop().expect("pat");
    let ben = devices.pop().expect("ben");
    let mut ana = devices.pop().expect("ana");
    let training = ana.log_training("Reflective supervision");
    let session = ana.log(&pat.user_id, SessionKind::Individual, &[(&ana.user_id.clone(), 60)]);
    ana.sync().await;
    let before = store.trainings_of(&UserId::from(ana.user_id.as_str())).await.expect("rows");

    // A copy of her training's changes reaches Ben; his device edits it in her name.
    let mut leaked = ana.trainings[&training].clone();
    let bytes = leaked.save();
    let mut bens = TrainingDoc::load_as(&bytes, ben.actor.clone()).expect("load");
    let heads = bens.heads();
    let mut edited = fields("Reflective supervision");
    edited.minutes = 2400;
    bens.edit(&ana.user_id, edited).expect("a hostile device skips its own check");
    let edit: Vec<Bytes> = bens.changes_since(&heads).into_iter().map(Bytes).collect();
    // The same edit under an id nobody has: what a stranger's guess gets.
    let unknown = rsc_service::clock::new_id().to_string();
    let answer = push(
        &ben,
        vec![],
        vec![DocPush { doc: training.clone(), changes: edit.clone() }, DocPush { doc: unknown, changes: edit.clone() }],
    )
    .await;
    let refused = answer["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 2, "{answer}");
    assert_eq!(refused[0]["code"], RefusalCode::NotParticipant.as_str());
    assert_eq!(refused[0]["message"], refused[1]["message"], "her training answers as an unknown one: {answer}");

    // A new document naming Ana as its owner, from Ben's device.
    let forged_id = Id::new(rsc_service::clock::new_id().to_string(), "id").expect("id");
    let mut forged =
        TrainingDoc::create(ben.actor.clone(), forged_id.clone(), ana.user_id.clone(), fields("Forged")).expect("doc");
    let answer =
        push(&ben, vec![], vec![DocPush { doc: forged_id.to_string(), changes: changes_of(&mut forged) }]).await;
    assert_eq!(answer["refused"][0]["code"], "not_participant", "{answer}");

    // Her training's id through the sessions' list, by Ben and by Ana herself.
    let mut hers = TrainingDoc::load_as(&bytes, ana.actor.clone()).expect("load");
    hers.edit(&ana.user_id, fields("Her own edit")).expect("edit");
    let her_edit: Vec<Bytes> = hers.changes_since(&heads).into_iter().map(Bytes).collect();
    for (device, changes) in [(&ben, edit.clone()), (&ana, her_edit)] {
        let answer = push(device, vec![DocPush { doc: training.clone(), changes }], vec![]).await;
        assert_eq!(answer["refused"][0]["code"], "not_participant", "{answer}");
    }
    // A training pushed under her session's id.
    let mut under = TrainingDoc::create(
        ana.actor.clone(),
        Id::new(session.clone(), "id").expect("id"),
        ana.user_id.clone(),
        fields("Under a session's id"),
    )
    .expect("doc");
    let answer = push(&ana, vec![], vec![DocPush { doc: session.clone(), changes: changes_of(&mut under) }]).await;
    assert_eq!(answer["refused"][0]["code"], "not_participant", "{answer}");
    // A session's document pushed as a training.
    let mut as_training = SessionDoc::from_changes(&ana.doc(&session).clone().changes_since(&[])).expect("doc");
    let other = rsc_service::clock::new_id().to_string();
    let answer = push(
        &ana,
        vec![],
        vec![DocPush { doc: other, changes: as_training.changes_since(&[]).into_iter().map(Bytes).collect() }],
    )
    .await;
    assert_eq!(answer["refused"].as_array().map(Vec::len), Some(1), "{answer}");

    let after = store.trainings_of(&UserId::from(ana.user_id.as_str())).await.expect("rows");
    assert_eq!(after, before, "her training is as she left it");
    assert!(store.trainings_of(&UserId::from(ben.user_id.as_str())).await.expect("rows").is_empty());
    server.stop().await.expect("stop");
}

/// A device of the release before trainings keeps syncing when its user has trainings: it
/// reads the answer with its own types, and meets only sessions among the documents it pulls.
async fn a_device_of_the_previous_release_meets_only_sessions<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat"]).await;
    let pat = devices.pop().expect("pat");
    let mut phone = devices.pop().expect("ana");
    phone.log_training("Infant mental health foundations");
    let session = phone.log(&pat.user_id, SessionKind::Individual, &[(&phone.user_id.clone(), 60)]);
    phone.sync().await;

    /// The previous release's answer, as its types read it.
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct PreviousResponse {
        v: u32,
        accepted: Vec<serde_json::Value>,
        refused: Vec<serde_json::Value>,
        pull: Vec<DocChanges>,
        cursor: String,
        more: bool,
    }
    let old = Device::sign_in(&api, "ana").await;
    let request = serde_json::json!({ "v": 1, "account_version": "" });
    let (status, body) = old.api.post("/v1/sync", Some(&old.token), &request).await;
    assert_eq!(status, 200, "{body}");
    let answer: PreviousResponse = serde_json::from_value(body).expect("the previous release reads the answer");
    assert_eq!(answer.pull.iter().map(|p| p.doc.as_str()).collect::<Vec<_>>(), [session.as_str()]);
    for pulled in &answer.pull {
        let changes: Vec<Vec<u8>> = pulled.changes.iter().map(|c| c.0.clone()).collect();
        SessionDoc::from_changes(&changes).expect("every pulled document is a session");
    }
    server.stop().await.expect("stop");
}

/// `POST /v1/me/certificates` with `bytes` named `name` as `device`: the status and answer.
async fn upload(device: &Device, name: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
    let response = device
        .api
        .http
        .post(format!("{}/v1/me/certificates?name={name}", device.api.base))
        .bearer_auth(&device.token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Certificates: checked by their content (a page of HTML named `.pdf` is refused), at most
/// 10 MB, kept once by their SHA-256, downloaded only by their owner as an attachment that is
/// never sniffed, and named by a training only once uploaded.
async fn certificates_are_checked_kept_once_and_given_only_to_their_owner<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "ben"]).await;
    let ben = devices.pop().expect("ben");
    let mut ana = devices.pop().expect("ana");
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    let (status, kept) = upload(&ana, "Certificate%20of%20completion.pdf", pdf.clone()).await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(
        (kept["digest"].as_str(), kept["media_type"].as_str(), kept["file_name"].as_str(), kept["size_bytes"].as_u64()),
        (
            Some(sha256(&pdf).as_str()),
            Some("application/pdf"),
            Some("Certificate of completion.pdf"),
            Some(pdf.len() as u64)
        )
    );
    let (status, again) = upload(&ana, "again.pdf", pdf.clone()).await;
    assert_eq!((status, &again["digest"]), (201, &kept["digest"]), "the same file is kept once");
    let (_, listed) = api.get("/v1/me/certificates", Some(&ana.token)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

    // A file that lies about its type, an empty one, and one a byte over the limit.
    let (status, lie) = upload(&ana, "certificate.pdf", b"<html><script>alert(1)</script></html>".to_vec()).await;
    assert_eq!((status, lie["field"].as_str()), (422, Some("file")), "{lie}");
    let (status, empty) = upload(&ana, "empty.pdf", Vec::new()).await;
    assert_eq!((status, empty["field"].as_str()), (422, Some("file")), "{empty}");
    let limit = rsc_service::certificates::MAX_CERTIFICATE_BYTES;
    let mut largest = b"\x89PNG\r\n\x1a\n".to_vec();
    largest.resize(limit, 0);
    let (status, body) = upload(&ana, "scan.png", largest.clone()).await;
    assert_eq!((status, body["media_type"].as_str()), (201, Some("image/png")), "exactly 10 MB is kept");
    largest.push(0);
    let (status, body) = upload(&ana, "scan.png", largest).await;
    assert_eq!(status, 413, "{body}");

    // Only Ana downloads it, as an attachment; for Ben it is as if it did not exist.
    let digest = kept["digest"].as_str().expect("digest").to_string();
    let response = api
        .http
        .get(format!("{}/v1/me/certificates/{digest}", api.base))
        .bearer_auth(&ana.token)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("content-disposition"), "attachment; filename=\"Certificate of completion.pdf\"");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), pdf);
    let (bens, _) = api.get(&format!("/v1/me/certificates/{digest}"), Some(&ben.token)).await;
    let (nobodys, _) = api.get(&format!("/v1/me/certificates/{}", "0".repeat(64)), Some(&ben.token)).await;
    assert_eq!((bens, nobodys), (404, 404));
    let (status, _) = api.get(&format!("/v1/me/certificates/{digest}"), None).await;
    assert_eq!(status, 401);

    // A training may name only a certificate its owner uploaded.
    let training = ana.log_training("With a certificate");
    ana.edit_training(&training, |doc, me| {
        let mut fields = doc.training().expect("read").fields;
        fields.certificate = Some(sha256(b"a file never uploaded"));
        doc.edit(me, fields).expect("edit");
    });
    let answers = ana.sync().await;
    assert_eq!(answers[0].refused.first().and_then(|r| r.field.as_deref()), Some("certificate"), "{answers:?}");
    let other = ana.log_training("With the uploaded certificate");
    ana.edit_training(&other, |doc, me| {
        let mut fields = doc.training().expect("read").fields;
        fields.certificate = Some(digest.clone());
        doc.edit(me, fields).expect("edit");
    });
    let answers = ana.sync().await;
    assert!(answers[0].refused.is_empty(), "{answers:?}");
    let rows = store.trainings_of(&UserId::from(ana.user_id.as_str())).await.expect("rows");
    assert_eq!(rows.iter().filter_map(|t| t.certificate.as_deref()).collect::<Vec<_>>(), [digest.as_str()]);

    // Her quota: small files under a small quota, the same check as the real one.
    let user = store.user_by_id(&UserId::from(ben.user_id.as_str())).await.expect("read").expect("ben");
    let file = |n: u8| {
        let mut bytes = b"%PDF-".to_vec();
        bytes.resize(1000, n);
        bytes
    };
    rsc_service::certificates::upload_within(&store, &user, "a.pdf", &file(1), 2500).await.expect("first");
    rsc_service::certificates::upload_within(&store, &user, "b.pdf", &file(2), 2500).await.expect("second");
    let over = rsc_service::certificates::upload_within(&store, &user, "c.pdf", &file(3), 2500).await;
    assert!(matches!(over, Err(rsc_service::AppError::TooLarge(_))), "{over:?}");
    server.stop().await.expect("stop");
}

/// Her data download carries her trainings (removed ones marked) and her certificate files with
/// their content; closing her account erases both, and a file someone else keeps stays theirs.
async fn her_data_carries_her_trainings_and_closing_erases_them<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "ben"]).await;
    let ben = devices.pop().expect("ben");
    let mut ana = devices.pop().expect("ana");
    let pdf = b"%PDF-1.7\n% her certificate\n".to_vec();
    let (status, kept) = upload(&ana, "hers.pdf", pdf.clone()).await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(upload(&ben, "his.pdf", pdf.clone()).await.0, 201, "Ben keeps the same file");
    let digest = kept["digest"].as_str().expect("digest").to_string();
    let training = ana.log_training("Foundations of infant mental health");
    ana.edit_training(&training, |doc, me| {
        let mut fields = doc.training().expect("read").fields;
        fields.certificate = Some(digest.clone());
        doc.edit(me, fields).expect("edit");
    });
    let removed = ana.log_training("Logged by mistake");
    ana.edit_training(&removed, |doc, me| doc.set_withdrawn(me, true).expect("remove"));
    ana.sync().await;

    let (status, data) = api.get("/v1/me/data", Some(&ana.token)).await;
    assert_eq!(status, 200, "{data}");
    let trainings = data["trainings"].as_array().expect("trainings");
    let seen: Vec<(&str, bool)> = trainings
        .iter()
        .map(|t| (t["title"].as_str().unwrap_or(""), t["removed"].as_bool().unwrap_or(false)))
        .collect();
    assert!(
        seen.contains(&("Foundations of infant mental health", false)) && seen.contains(&("Logged by mistake", true))
    );
    let certificate = &data["certificates"][0];
    assert_eq!(
        (certificate["sha256"].as_str(), certificate["file_name"].as_str()),
        (Some(digest.as_str()), Some("hers.pdf"))
    );
    use base64::Engine;
    let content = base64::engine::general_purpose::STANDARD.decode(certificate["content"].as_str().expect("content"));
    assert_eq!(content.expect("base64"), pdf);
    assert!(!rsc_test_kit::people::shows_an_id(&data.to_string().replace(&digest, "")), "names, not ids: {data}");

    let close = serde_json::json!({ "password": "a long enough password", "confirm": "close my account" });
    let (status, body) = api.post("/v1/me/close", Some(&ana.token), &close).await;
    assert_eq!(status, 204, "{body}");
    let ana_id = UserId::from(ana.user_id.as_str());
    assert!(store.trainings_of(&ana_id).await.expect("rows").is_empty());
    assert!(store.certificates_of(&ana_id).await.expect("rows").is_empty());
    assert!(store.document(&rsc_server::store::DocId::from(training.as_str())).await.expect("read").is_none());
    let response = api
        .http
        .get(format!("{}/v1/me/certificates/{digest}", api.base))
        .bearer_auth(&ben.token)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status().as_u16(), 200, "Ben's copy stays");
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), pdf);
    server.stop().await.expect("stop");
}

/// A provider's record of the RS/C she gave: per year, the sessions with an attendance she
/// confirmed (a group's length once, a withdrawn or unconfirmed one not at all), individual and
/// group, how many supervisees; the PDF names her and none of them.
async fn a_provider_sees_the_rsc_she_gave_by_year_without_names<S: Store>(store: S) {
    use rsc_doc::{DeviceKey, SessionEdit};
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "ben", "pat"]).await;
    let mut pat = devices.pop().expect("pat");
    let mut ben = devices.pop().expect("ben");
    let mut ana = devices.pop().expect("ana");
    let names = rsc_test_kit::people::names();
    for (device, name) in [(&ana, &names[3]), (&ben, &names[4]), (&pat, &names[6])] {
        let body = serde_json::json!({ "display_name": name });
        assert_eq!(api.call("PUT", "/v1/me/profile", Some(&device.token), Some(&body)).await.0, 200);
    }
    let (ana_id, ben_id, pat_id) = (ana.user_id.clone(), ben.user_id.clone(), pat.user_id.clone());
    let one = ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    let group = ana.log(&pat_id, SessionKind::Group, &[(&ana_id, 90), (&ben_id, 90)]);
    let unconfirmed = ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    let withdrawn = ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    let next_year = ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    ana.edit(&next_year, |d, me| {
        d.edit(me, SessionEdit { date: Some("2026-01-05".parse().expect("date")), ..Default::default() }).expect("date")
    });
    ana.sync().await;
    pat.sync().await;
    let key = DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    let minutes = |m| rsc_model::Minutes::new(m, "m").expect("m");
    for (session, who, m) in [
        (&one, &ana_id, 60),
        (&group, &ana_id, 90),
        (&group, &ben_id, 90),
        (&withdrawn, &ana_id, 60),
        (&next_year, &ana_id, 60),
    ] {
        pat.edit(session, |d, _| {
            d.confirm(&key, &pat_id, who, minutes(m), rsc_test_kit::signed_at(10 * 86_400_000)).expect("confirm");
        });
    }
    pat.edit(&withdrawn, |d, me| d.withdraw(me, "logged twice").expect("withdraw"));
    pat.sync().await;
    ben.sync().await;
    let _ = unconfirmed;

    let (status, years) = api.get("/v1/me/provided", Some(&pat.token)).await;
    assert_eq!(status, 200, "{years}");
    let first = &years[0];
    assert_eq!(
        (
            first["year"].as_i64(),
            first["sessions"].as_u64(),
            first["individual_sessions"].as_u64(),
            first["group_sessions"].as_u64()
        ),
        (Some(2025), Some(2), Some(1), Some(1))
    );
    assert_eq!(
        (first["minutes"].as_u64(), first["group_minutes"].as_u64(), first["supervisees"].as_u64()),
        (Some(180), Some(90), Some(2))
    );
    assert_eq!((years[1]["year"].as_i64(), years[1]["supervisees"].as_u64()), (Some(2026), Some(1)));
    let text = years.to_string();
    assert!(
        !text.contains(&names[3]) && !text.contains(&names[4]) && !rsc_test_kit::people::shows_an_id(&text),
        "{text}"
    );
    let (_, none) = api.get("/v1/me/provided", Some(&ana.token)).await;
    assert_eq!(none, serde_json::json!([]), "Ana gave none");

    let pdf =
        api.http.get(format!("{}/v1/me/provided/pdf", api.base)).bearer_auth(&pat.token).send().await.expect("pdf");
    assert_eq!(pdf.headers()["content-disposition"], "attachment; filename=\"rsc-provided.pdf\"");
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().expect("temp file");
    std::fs::write(file.path(), pdf.bytes().await.expect("bytes")).expect("write");
    let out = std::process::Command::new("pdftotext").arg(file.path()).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains(names[6].as_str()) && text.contains("2 calendar years with RS/C provided"), "{text}");
    assert!(!text.contains(names[3].as_str()) && !text.contains(names[4].as_str()), "no supervisee named: {text}");
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    a_provider_sees_the_rsc_she_gave_by_year_without_names,
    her_data_carries_her_trainings_and_closing_erases_them,
    her_devices_share_her_trainings_apart_from_sessions,
    nobody_but_its_owner_writes_a_training,
    a_device_of_the_previous_release_meets_only_sessions,
    certificates_are_checked_kept_once_and_given_only_to_their_owner,
);
