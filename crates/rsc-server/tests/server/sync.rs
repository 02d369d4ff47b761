//! Sync end to end: real devices (Automerge replicas driven through rsc-doc, with real keys)
//! talking to a real server over HTTP, on both backends.

use automerge::transaction::Transactable;
use rsc_doc::{SessionDoc, SessionEdit};
use rsc_model::{Minutes, SessionFormat, SessionKind};
use rsc_protocol::{Bytes, DocPush, RefusalCode, SyncRequest, SyncResponse};
use rsc_server::RunningServer;
use rsc_server::store::{DocId, Store};

use rsc_test_kit::{Api, Device, signed_at};

fn m(n: i64) -> Minutes {
    Minutes::new(n, "m").expect("minutes")
}

/// Signs each of `names` up on a device; everyone is connected to Pat, the provider of these
/// tests' sessions, when Pat is among them.
pub async fn people(api: &Api, names: &[&str]) -> Vec<Device> {
    let mut devices = Vec::new();
    for name in names {
        api.register(name).await;
        devices.push(Device::sign_in(api, name).await);
    }
    if let Some(pat) = names.iter().position(|n| *n == "pat") {
        let others: Vec<&Device> = devices.iter().enumerate().filter(|(i, _)| *i != pat).map(|(_, d)| d).collect();
        devices[pat].connect(&others).await;
        // One group of all of them, so that they may name each other in Pat's sessions.
        devices[pat].group("Everyone", &others).await;
    }
    devices
}

/// Syncs every device, in order, until a whole round moves nothing.
async fn settle(devices: &mut [&mut Device]) {
    for _ in 0..4 {
        let mut moved = false;
        for device in devices.iter_mut() {
            for response in device.sync().await {
                moved |= !response.pull.is_empty() || response.accepted.iter().any(|a| a.new_changes > 0);
            }
        }
        if !moved {
            return;
        }
    }
}

fn assert_same(doc: &str, devices: &[&Device]) {
    let first = devices[0].doc(doc);
    let mut first_heads = first.clone().heads();
    first_heads.sort();
    for device in &devices[1..] {
        let other = device.doc(doc);
        let mut heads = other.clone().heads();
        heads.sort();
        assert_eq!(heads, first_heads, "same heads");
        assert_eq!(other.hydrate().expect("hydrate"), first.hydrate().expect("hydrate"), "same document");
        assert_eq!(other.session().expect("session"), first.session().expect("session"));
    }
}

const ORDERS: [[usize; 3]; 6] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

async fn three_devices_edit_offline_and_converge_in_every_order<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "ben", "pat"]).await;
    let (ana_id, ben_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone(), devices[2].user_id.clone());
    for order in ORDERS {
        let doc = devices[0].log(&pat_id, SessionKind::Group, &[(&ana_id, 90), (&ben_id, 60)]);
        devices[0].sync().await;
        devices[1].sync().await;
        devices[2].sync().await;
        // Offline, concurrently: ben corrects his minutes, ana moves the start time, pat
        // confirms ana with 80 minutes.
        let ben = ben_id.clone();
        devices[1].edit(&doc, |d, me| d.set_attendance(me, &ben, Some(m(75)), None).expect("ben edits"));
        devices[0].edit(&doc, |d, me| {
            d.edit(me, SessionEdit { start_time: Some("10:30".into()), ..Default::default() }).expect("ana edits")
        });
        let (ana, pat) = (ana_id.clone(), pat_id.clone());
        let key = rsc_doc::DeviceKey::from_secret_bytes(&devices[2].key.secret_bytes());
        devices[2].edit(&doc, |d, _| {
            d.confirm(&key, &pat, &ana, m(80), signed_at(1_000)).expect("pat confirms");
        });
        for &i in &order {
            devices[i].sync().await;
        }
        let [a, b, c] = &mut devices[..] else { unreachable!() };
        settle(&mut [a, b, c]).await;
        assert_same(&doc, &[&devices[0], &devices[1], &devices[2]]);

        // The provider's confirmation reached the supervisee, signed by the provider's key.
        let session = devices[0].doc(&doc).session().expect("session");
        assert_eq!(session.fields.start_time, "10:30");
        assert_eq!(session.attendee(&ben_id).expect("ben").minutes_attended, m(75));
        let statement =
            session.attendee(&ana_id).and_then(|a| a.statement.clone()).expect("ana's confirmation arrived");
        assert!(statement.verify());
        assert_eq!(statement.public_key, devices[2].key.public_key());
        assert_eq!(statement.content.minutes_attended, Some(m(80)));

        // And the server's projection counts it, in the same transaction as the document.
        let rows = store.attendance_rows(&DocId::from(&doc)).await.expect("rows");
        let ana_row = rows.iter().find(|r| r.attendee_id == ana_id.as_str()).expect("ana");
        assert_eq!((ana_row.status.as_str(), ana_row.confirmed_minutes), ("confirmed", Some(80)), "order {order:?}");
        let ben_row = rows.iter().find(|r| r.attendee_id == ben_id.as_str()).expect("ben");
        assert_eq!((ben_row.status.as_str(), ben_row.minutes_attended), ("pending", 75));
    }
    server.stop().await.expect("stop");
}

async fn forged_confirmations_count_nothing<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat"]).await;
    let (ana_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone());
    let doc = devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    devices[0].sync().await;

    // The supervisee signs a "confirmation" in the provider's name with her own key.
    let ana_key = rsc_doc::DeviceKey::from_secret_bytes(&devices[0].key.secret_bytes());
    let (ana, pat) = (ana_id.clone(), pat_id.clone());
    devices[0].edit(&doc, |d, _| {
        d.confirm(&ana_key, &pat, &ana, m(60), signed_at(1)).expect("the document cannot tell");
    });
    let responses = devices[0].sync().await;
    assert_eq!(responses[0].refused.len(), 1, "only the provider states about attendance: {responses:?}");
    assert_eq!(responses[0].refused[0].code, RefusalCode::NotAllowed);
    assert!(store.attestations(&DocId::from(&doc)).await.expect("ledger").is_empty());
    devices[0].sync().await;
    assert_eq!(
        store.attendance_rows(&DocId::from(&doc)).await.expect("rows")[0].status,
        rsc_server::store::AttendanceStatus::Pending
    );

    // The provider signs with a key that is not registered to any of her devices.
    devices[1].sync().await;
    let stray = rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    devices[1].edit(&doc, |d, _| {
        d.confirm(&stray, &pat_id, &ana_id, m(60), signed_at(2)).expect("signs");
    });
    devices[1].sync().await;
    let ledger = store.attestations(&DocId::from(&doc)).await.expect("ledger");
    assert_eq!(ledger.iter().filter(|e| !e.valid).count(), 1);
    assert_eq!(ledger[0].invalid_reason.as_deref(), Some("the signing key is not a registered device of the provider"));
    assert_eq!(
        store.attendance_rows(&DocId::from(&doc)).await.expect("rows")[0].status,
        rsc_server::store::AttendanceStatus::Pending
    );

    // Signed on her registered device, it counts.
    let pat_key = rsc_doc::DeviceKey::from_secret_bytes(&devices[1].key.secret_bytes());
    devices[1].edit(&doc, |d, _| {
        d.confirm(&pat_key, &pat_id, &ana_id, m(55), signed_at(3)).expect("signs");
    });
    devices[1].sync().await;
    let row = &store.attendance_rows(&DocId::from(&doc)).await.expect("rows")[0];
    assert_eq!((row.status.as_str(), row.confirmed_minutes), ("confirmed", Some(55)));
    assert_eq!(store.attestations(&DocId::from(&doc)).await.expect("ledger").iter().filter(|e| e.valid).count(), 1);
    server.stop().await.expect("stop");
}

async fn deleting_a_confirmation_changes_nothing_only_the_provider_supersedes<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat"]).await;
    let (ana_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone());
    let doc = devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    devices[0].sync().await;
    devices[1].sync().await;
    let pat_key = rsc_doc::DeviceKey::from_secret_bytes(&devices[1].key.secret_bytes());
    let (ana, pat) = (ana_id.clone(), pat_id.clone());
    devices[1].edit(&doc, |d, _| {
        d.confirm(&pat_key, &pat, &ana, m(60), signed_at(10)).expect("confirm");
    });
    devices[1].sync().await;
    devices[0].sync().await;

    // The supervisee deletes the statement from the document with a raw Automerge edit.
    let actor = devices[0].actor.clone();
    devices[0].edit(&doc, |d, _| {
        let base = d.heads();
        let mut raw = automerge::AutoCommit::load(&d.save()).expect("load").with_actor(actor);
        let statements = match automerge::ReadDoc::get(&raw, automerge::ROOT, "statements").expect("get") {
            Some((_, id)) => id,
            None => panic!("statements map"),
        };
        raw.delete(&statements, ana.as_str()).expect("delete");
        raw.commit();
        let changes: Vec<Vec<u8>> = raw.get_changes(&base).iter().map(|c| c.raw_bytes().to_vec()).collect();
        d.apply_changes(&changes).expect("apply");
    });
    let responses = devices[0].sync().await;
    assert_eq!(responses[0].refused.len(), 1, "only the provider changes statements");
    assert_eq!(responses[0].refused[0].code, RefusalCode::NotAllowed);
    assert!(
        devices[0].doc(&doc).session().expect("session").attendee(&ana_id).expect("ana").statement.is_some(),
        "the refused deletion left the supervisee's copy"
    );
    let row = &store.attendance_rows(&DocId::from(&doc)).await.expect("rows")[0];
    assert_eq!(row.status, rsc_server::store::AttendanceStatus::Confirmed, "the ledger still holds the confirmation");
    assert_eq!(store.attestations(&DocId::from(&doc)).await.expect("ledger").len(), 1);

    // A later dispute by the same provider supersedes it.
    devices[1].sync().await;
    devices[1].edit(&doc, |d, _| {
        d.dispute(&pat_key, &pat_id, &ana_id, "Ana was not there", signed_at(20)).expect("dispute");
    });
    devices[1].sync().await;
    assert_eq!(
        store.attendance_rows(&DocId::from(&doc)).await.expect("rows")[0].status,
        rsc_server::store::AttendanceStatus::Disputed
    );
    assert_eq!(store.attestations(&DocId::from(&doc)).await.expect("ledger").len(), 2);

    // An edit after confirmation uncounts it until confirmed again.
    devices[0].sync().await;
    devices[1].edit(&doc, |d, _| {
        d.confirm(&pat_key, &pat_id, &ana_id, m(45), signed_at(30)).expect("confirm");
    });
    devices[1].sync().await;
    assert_eq!(store.attendance_rows(&DocId::from(&doc)).await.expect("rows")[0].confirmed_minutes, Some(45));
    devices[0].sync().await;
    devices[0].edit(&doc, |d, me| {
        d.edit(me, SessionEdit { format: Some(SessionFormat::Phone), ..Default::default() }).expect("edit")
    });
    devices[0].sync().await;
    let row = &store.attendance_rows(&DocId::from(&doc)).await.expect("rows")[0];
    assert_eq!((row.status.as_str(), row.confirmed_minutes), ("changed_since_confirmed", None));
    server.stop().await.expect("stop");
}

async fn non_participants_can_neither_read_nor_write<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat", "eve"]).await;
    let (ana_id, pat_id, eve_id) = (devices[0].user_id.clone(), devices[1].user_id.clone(), devices[2].user_id.clone());
    let doc = devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    devices[0].sync().await;
    let pulled = devices[2].sync().await;
    assert!(pulled.iter().all(|r| r.pull.is_empty()), "eve receives nothing");

    // Eve gets hold of the document's bytes somehow and pushes an edit.
    let bytes = devices[0].docs.get_mut(&doc).expect("doc").save();
    let base = SessionDoc::load(&bytes).expect("load").heads();
    let mut stolen = automerge::AutoCommit::load(&bytes).expect("load").with_actor(devices[2].actor.clone());
    stolen.put(automerge::ROOT, "minutes", 120).expect("put");
    stolen.commit();
    let changes: Vec<Vec<u8>> = stolen.get_changes(&base).iter().map(|c| c.raw_bytes().to_vec()).collect();
    let response =
        push(&devices[2], vec![DocPush { doc: doc.clone(), changes: changes.into_iter().map(Bytes).collect() }]).await;
    assert_eq!(response.refused.len(), 1);
    assert_eq!(response.refused[0].code, RefusalCode::NotParticipant);

    // A change of her own that starts a document, pushed under Ana's session's id and under an
    // id nobody uses, gets one answer: the sync tells nobody which sessions exist.
    let mut own = automerge::AutoCommit::new().with_actor(devices[2].actor.clone());
    own.put(automerge::ROOT, "x", 1).expect("put");
    own.commit();
    let change: Vec<Bytes> = own.get_changes(&[]).iter().map(|c| Bytes(c.raw_bytes().to_vec())).collect();
    let unknown = rsc_service::clock::new_id().to_string();
    let answers = push(
        &devices[2],
        vec![DocPush { doc: doc.clone(), changes: change.clone() }, DocPush { doc: unknown.clone(), changes: change }],
    )
    .await
    .refused;
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!((answers[0].code, &answers[0].message), (answers[1].code, &answers[1].message), "{answers:?}");
    assert_eq!(answers[0].field, answers[1].field);

    // Nor can she create a session she takes no part in (the document API would not let her;
    // she writes one naming ana as its author).
    let fields = SessionDoc::load(&bytes).expect("load").session().expect("session").fields;
    let attendee = rsc_doc::NewAttendee { id: ana_id.clone(), minutes_attended: m(60), about_own_rsc_practice: false };
    let mut forged = SessionDoc::create(
        devices[2].actor.clone(),
        rsc_service::clock::new_id(),
        ana_id.clone(),
        fields,
        vec![attendee],
    )
    .expect("create");
    let other = forged.session().expect("session").id.to_string();
    let changes = forged.changes_since(&[]).into_iter().map(Bytes).collect();
    let refused = push(&devices[2], vec![DocPush { doc: other.clone(), changes }]).await.refused;
    assert_eq!(refused.len(), 1);
    assert_eq!((refused[0].doc.as_str(), refused[0].code), (other.as_str(), RefusalCode::NotAllowed));
    assert!(!eve_id.as_str().is_empty());
    server.stop().await.expect("stop");
}

async fn push(device: &Device, push: Vec<DocPush>) -> SyncResponse {
    let request = SyncRequest {
        v: 1,
        cursor: device.cursor,
        push,
        page_changes: None,
        account_version: None,
        trainings: Vec::new(),
    };
    let (status, body) =
        device.api.post("/v1/sync", Some(&device.token), &serde_json::to_value(&request).expect("json")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("response")
}

async fn bad_documents_are_refused_alone_and_the_rest_of_the_batch_lands<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "ben", "pat"]).await;
    let (ana_id, pat_id) = (devices[0].user_id.clone(), devices[2].user_id.clone());
    let good = devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    let broken = devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    devices[0].sync().await;

    // A raw change that puts text where the minutes belong.
    let actor = devices[0].actor.clone();
    let bytes = devices[0].docs.get_mut(&broken).expect("doc").save();
    let base = devices[0].docs.get_mut(&broken).expect("doc").heads();
    let mut raw = automerge::AutoCommit::load(&bytes).expect("load").with_actor(actor);
    raw.put(automerge::ROOT, "minutes", "ninety").expect("put");
    raw.commit();
    let invalid: Vec<Bytes> = raw.get_changes(&base).iter().map(|c| Bytes(c.raw_bytes().to_vec())).collect();
    // A change authored by someone else's actor.
    let ben_actor = devices[1].actor.clone();
    let mut foreign =
        SessionDoc::load_as(&devices[0].docs.get_mut(&good).expect("doc").save(), ben_actor).expect("load");
    let fbase = foreign.heads();
    foreign.edit(&ana_id, SessionEdit { start_time: Some("11:00".into()), ..Default::default() }).expect("edit");
    let foreign_changes: Vec<Bytes> = foreign.changes_since(&fbase).into_iter().map(Bytes).collect();
    // And a fine edit.
    devices[0].edit(&good, |d, me| {
        d.edit(me, SessionEdit { start_time: Some("09:15".into()), ..Default::default() }).expect("edit")
    });
    let fine: Vec<Bytes> = devices[0].unacked[&good].iter().cloned().map(Bytes).collect();

    let response = push(
        &devices[0],
        vec![
            DocPush { doc: broken.clone(), changes: invalid },
            DocPush { doc: "garbage".into(), changes: vec![Bytes(vec![1, 2, 3, 4])] },
            DocPush { doc: good.clone(), changes: foreign_changes },
            DocPush { doc: good.clone(), changes: fine },
        ],
    )
    .await;
    let codes: Vec<(String, RefusalCode, Option<String>)> =
        response.refused.iter().map(|r| (r.doc.clone(), r.code, r.field.clone())).collect();
    assert_eq!(
        codes,
        vec![
            (broken.clone(), RefusalCode::InvalidSession, Some("minutes".into())),
            ("garbage".into(), RefusalCode::Undecodable, None),
            (good.clone(), RefusalCode::ForeignActor, None),
        ]
    );
    assert_eq!(response.accepted.len(), 1);
    assert_eq!((response.accepted[0].doc.as_str(), response.accepted[0].new_changes), (good.as_str(), 1));
    let stored = SessionDoc::load(&store.document(&DocId::from(&good)).await.expect("read").expect("stored").bytes)
        .expect("load");
    assert_eq!(stored.session().expect("session").fields.start_time, "09:15");
    let stored = SessionDoc::load(&store.document(&DocId::from(&broken)).await.expect("read").expect("stored").bytes)
        .expect("load");
    assert_eq!(stored.session().expect("session").fields.minutes, m(90), "nothing of the refused push was stored");
    server.stop().await.expect("stop");
}

async fn retried_pushes_are_harmless_and_pages_deliver_everything_once<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat"]).await;
    let (ana_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone());
    let mut docs = Vec::new();
    for _ in 0..23 {
        docs.push(devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]));
    }
    let pending: Vec<DocPush> = devices[0]
        .unacked
        .iter()
        .map(|(doc, changes)| DocPush { doc: doc.clone(), changes: changes.iter().cloned().map(Bytes).collect() })
        .collect();
    devices[0].sync().await;
    // The response was lost; the device sends the same batch again.
    let retry = push(&devices[0], pending).await;
    assert_eq!(retry.accepted.len(), 23);
    assert!(retry.accepted.iter().all(|a| a.new_changes == 0));

    let mut pages = 0;
    let mut received = Vec::new();
    loop {
        let response = devices[1].sync_once(Some(5)).await;
        pages += 1;
        received.extend(response.pull.iter().flat_map(|p| p.changes.iter().map(move |_| p.doc.clone())));
        if !response.more {
            break;
        }
    }
    assert_eq!(pages, 5, "23 changes in pages of 5");
    received.sort();
    let mut expected = docs.clone();
    expected.sort();
    assert_eq!(received, expected, "every change exactly once");
    assert_eq!(devices[1].docs.len(), 23);

    // A push that repeats a change (a faulty or hostile device) stores it once: the stored
    // changes are the document, and the others receive it once.
    devices[0].edit(&docs[0], |d, me| {
        d.edit(me, SessionEdit { start_time: Some("09:15".into()), ..Default::default() }).expect("edit")
    });
    let edit = devices[0].unacked[&docs[0]].clone();
    assert_eq!(edit.len(), 1);
    let repeated = vec![Bytes(edit[0].clone()); 3];
    let response = push(&devices[0], vec![DocPush { doc: docs[0].clone(), changes: repeated }]).await;
    assert_eq!(response.accepted.iter().map(|a| a.new_changes).collect::<Vec<_>>(), [1]);
    let response = devices[1].sync_once(None).await;
    assert_eq!(
        response.pull.iter().map(|p| (p.doc.as_str(), p.changes.len())).collect::<Vec<_>>(),
        [(docs[0].as_str(), 1)]
    );
    assert_eq!(devices[1].docs[&docs[0]].session().expect("session").fields.start_time, "09:15");
    server.stop().await.expect("stop");
}

async fn concurrent_pushes_to_one_document_both_land<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "ben", "pat"]).await;
    let (ana_id, ben_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone(), devices[2].user_id.clone());
    let doc = devices[0].log(&pat_id, SessionKind::Group, &[(&ana_id, 90), (&ben_id, 90)]);
    devices[0].sync().await;
    devices[1].sync().await;
    for round in 0..8i64 {
        let (ana, ben) = (ana_id.clone(), ben_id.clone());
        devices[0].edit(&doc, |d, me| d.set_attendance(me, &ana, Some(m(30 + round)), None).expect("edit"));
        devices[1].edit(&doc, |d, me| d.set_attendance(me, &ben, Some(m(60 + round)), None).expect("edit"));
        let [a, b, _] = &mut devices[..] else { unreachable!() };
        let (ra, rb) = tokio::join!(a.sync_once(None), b.sync_once(None));
        assert_eq!((ra.accepted.len(), rb.accepted.len()), (1, 1), "both land (round {round})");
    }
    let stored = SessionDoc::load(&store.document(&DocId::from(&doc)).await.expect("read").expect("stored").bytes)
        .expect("load");
    let session = stored.session().expect("session");
    assert_eq!(session.attendee(&ana_id).expect("ana").minutes_attended, m(37));
    assert_eq!(session.attendee(&ben_id).expect("ben").minutes_attended, m(67));
    let [a, b, c] = &mut devices[..] else { unreachable!() };
    settle(&mut [a, b, c]).await;
    assert_same(&doc, &[&devices[0], &devices[1], &devices[2]]);
    server.stop().await.expect("stop");
}

async fn shutdown_finishes_in_flight_syncs<S: Store>(store: S) {
    // The store itself says when the push is in flight, and holds it there while the server is
    // asked to stop: no guessing how long a request takes.
    let (gated, gate) = rsc_store::testing::Gated::new(store.clone());
    let server = RunningServer::start(gated).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana"]).await;
    let ana_id = devices[0].user_id.clone();
    for _ in 0..400 {
        devices[0].log(&ana_id, SessionKind::Individual, &[]);
    }
    let mut ana = devices.remove(0);
    let request = tokio::spawn(async move {
        let response = ana.sync_once(None).await;
        (response, ana)
    });
    gate.entered().await;
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(!stopping.is_finished(), "the server stops only once the in-flight sync has finished");
    gate.open();
    stopping.await.expect("join").expect("stopped after finishing");
    let (response, ana) = request.await.expect("the in-flight sync completed");
    assert_eq!(response.accepted.len(), 400);
    assert!(ana.unacked.is_empty());
    for doc in ana.docs.keys() {
        assert!(store.document(&DocId::from(doc)).await.expect("read").is_some(), "acknowledged means stored");
    }
}

/// A device that only pushes has its cursor moved past its own changes, so its next empty
/// sync reads nothing old; what others write later still reaches it, and a page cut short
/// never skips anything.
async fn the_cursor_moves_past_a_devices_own_changes_and_misses_nothing<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat"]).await;
    let (ana_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone());
    for _ in 0..12 {
        devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    }
    let first = devices[0].sync().await;
    let after_push = devices[0].cursor.expect("cursor");
    assert!(first.iter().all(|r| r.pull.is_empty()), "her own changes do not come back");
    assert!(after_push.visible >= 24, "past her 12 documents' changes and marks: {after_push:?}");
    let again = devices[0].sync_once(None).await;
    assert!(again.pull.is_empty() && !again.more);
    assert_eq!(again.cursor, after_push, "nothing new, nowhere further");
    // Pat pulls in pages of 5: the cursor moves to the top only with the last page.
    let mut cursors = Vec::new();
    loop {
        let response = devices[1].sync_once(Some(5)).await;
        cursors.push((response.cursor, response.more, response.pull.len()));
        if !response.more {
            break;
        }
    }
    assert_eq!(cursors.iter().map(|c| c.2).sum::<usize>(), 12, "{cursors:?}");
    assert!(cursors.iter().filter(|c| c.1).all(|c| c.0.visible < after_push.visible), "{cursors:?}");
    // Pat confirms one; Ana, whose cursor is past everything of hers, receives it.
    let doc = devices[1].docs.keys().next().expect("a session").clone();
    let key = rsc_doc::DeviceKey::from_secret_bytes(&devices[1].key.secret_bytes());
    devices[1].edit(&doc, |d, me| {
        d.confirm(&key, me, &ana_id, m(60), signed_at(1)).expect("confirm");
    });
    devices[1].sync().await;
    let got = devices[0].sync_once(None).await;
    assert_eq!(got.pull.iter().map(|p| p.doc.as_str()).collect::<Vec<_>>(), [doc.as_str()]);
    server.stop().await.expect("stop");
}

/// A push of several documents, one of which someone else wrote while the push was being
/// committed: the others are written by the batch's one transaction, and only the one that
/// lost is prepared again and committed on its own, merged with what the other wrote.
async fn only_the_document_that_lost_a_race_is_prepared_again<S: Store>(store: S) {
    let plain = RunningServer::start(store.clone()).await.expect("server");
    let mut devices = people(&Api::new(plain.url()), &["ana", "pat"]).await;
    let (ana_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone());
    let docs: Vec<String> =
        (0..3).map(|_| devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)])).collect();
    let (ana, pat) = devices.split_at_mut(1);
    settle(&mut [&mut ana[0], &mut pat[0]]).await;
    let (mut ana, mut pat) = (devices.remove(0), devices.remove(0));
    for doc in &docs {
        ana.edit(doc, |d, me| {
            d.edit(me, SessionEdit { start_time: Some("11:30".into()), ..Default::default() }).expect("ana edits")
        });
    }
    let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    pat.edit(&docs[1], |d, me| {
        d.confirm(&key, me, &ana_id, m(60), signed_at(1)).expect("confirm");
    });

    // Ana pushes through a server whose store holds her commit until Pat's has landed.
    let (gated, gate) = rsc_store::testing::Gated::new(store.clone());
    let racing = RunningServer::start(gated).await.expect("server");
    ana.api = Api::new(racing.url());
    let push = tokio::spawn(async move {
        let response = ana.sync_once(None).await;
        (response, ana)
    });
    gate.entered().await;
    pat.sync().await;
    gate.open();
    let (response, mut ana) = push.await.expect("push");
    assert_eq!(response.accepted.len(), 3, "{:?}", response.refused);
    assert_eq!(gate.commits(), 2, "the batch, then the one document that lost, alone");
    let version = async |doc: &str| store.document(&DocId::from(doc)).await.expect("read").expect("stored").version;
    assert_eq!([version(&docs[0]).await, version(&docs[1]).await, version(&docs[2]).await], [2, 3, 2]);
    settle(&mut [&mut ana, &mut pat]).await;
    assert_same(&docs[1], &[&ana, &pat]);
    let session = ana.doc(&docs[1]).session().expect("session");
    assert_eq!(session.fields.start_time, "11:30", "Ana's edit is in");
    assert!(session.attendees[0].statement.is_some(), "and Pat's confirmation");
    racing.stop().await.expect("stop");
    plain.stop().await.expect("stop");
}

/// One request asking with `account_version`.
async fn ask(device: &Device, account_version: Option<&str>) -> (u16, serde_json::Value) {
    let request = serde_json::json!({ "v": 1, "account_version": account_version });
    device.api.post("/v1/sync", Some(&device.token), &request).await
}

async fn the_account_comes_with_the_sync_only_when_it_changed<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let devices = people(&api, &["ana", "pat"]).await;
    let (status, first) = ask(&devices[0], Some("")).await;
    assert_eq!(status, 200, "{first}");
    let version = first["account"]["version"].as_str().expect("a version").to_string();
    assert_eq!(version.len(), 16);
    assert_eq!(first["account"]["profile"]["display_name"], "ana");
    let names: Vec<&str> = first["account"]["directory"]["people"]
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["display_name"].as_str())
        .collect();
    assert!(names.contains(&"pat"), "{names:?}");
    // The same again: nothing. Not asked: nothing.
    let (_, again) = ask(&devices[0], Some(&version)).await;
    assert!(again.get("account").is_none(), "{again}");
    let (_, unasked) = ask(&devices[0], None).await;
    assert!(unasked.get("account").is_none(), "{unasked}");

    // Pat renames herself: Ana's version is out of date, and the news names Pat anew.
    let renamed = serde_json::json!({
        "masters_conferred_on": null, "rulebook": null, "purpose": null, "display_name": "Patricia Núñez"
    });
    let response = api
        .http
        .put(format!("{}/v1/me/profile", api.base))
        .bearer_auth(&devices[1].token)
        .json(&renamed)
        .send()
        .await
        .expect("rename");
    assert_eq!(response.status(), 200);
    let (_, news) = ask(&devices[0], Some(&version)).await;
    assert_ne!(news["account"]["version"].as_str(), Some(version.as_str()));
    assert!(news["account"]["directory"].to_string().contains("Patricia Núñez"), "{news}");

    // Pat signs in on a new device: its key is in Ana's directory, so her version moves again;
    // and it stands while nothing changes.
    let version = news["account"]["version"].as_str().expect("version").to_string();
    let (_, same) = ask(&devices[0], Some(&version)).await;
    assert!(same.get("account").is_none(), "{same}");
    let tablet = Device::sign_in(&api, "pat").await;
    let (_, news) = ask(&devices[0], Some(&version)).await;
    let key = hex::encode(tablet.key.public_key());
    assert!(news["account"]["directory"].to_string().contains(&key), "the new key: {news}");

    // A hostile device sends a huge version: 422 naming the field, nothing else done.
    let (status, body) = ask(&devices[0], Some(&"f".repeat(65))).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("account_version")), "{body}");
    let (status, body) = ask(&devices[0], Some(&"f".repeat(64))).await;
    assert_eq!(status, 200, "{body}");
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    the_account_comes_with_the_sync_only_when_it_changed,
    the_cursor_moves_past_a_devices_own_changes_and_misses_nothing,
    shutdown_finishes_in_flight_syncs,
    three_devices_edit_offline_and_converge_in_every_order,
    forged_confirmations_count_nothing,
    deleting_a_confirmation_changes_nothing_only_the_provider_supersedes,
    non_participants_can_neither_read_nor_write,
    bad_documents_are_refused_alone_and_the_rest_of_the_batch_lands,
    retried_pushes_are_harmless_and_pages_deliver_everything_once,
    concurrent_pushes_to_one_document_both_land,
    only_the_document_that_lost_a_race_is_prepared_again,
);
