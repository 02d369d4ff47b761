//! The conformance tests of the ledger and the attendance read with it: one generic function each, run on every backend.

use super::*;

/// The providers a user attended are kept as sessions are written: a later provider is added,
/// none is listed twice, and nobody else's are listed.
pub async fn providers_attended_are_kept_as_sessions_are_written<S: Store>(store: S) {
    assert!(store.providers_attended(&UserId::from("ana")).await.expect("none yet").is_empty());
    store.commit_documents(&[commit("s1", None, &["a1"], &[], &["ana", "pat"])]).await.expect("s1");
    store.commit_documents(&[commit("s2", None, &["b1"], &[], &["ana", "pat"])]).await.expect("s2");
    let mut moved = commit("s1", Some(1), &["a2"], &["ana", "pat"], &["ana", "pat", "quinn"]);
    moved.session.provider_id = "quinn".into();
    store.commit_documents(&[moved]).await.expect("s1 moves to Quinn");
    assert_eq!(store.providers_attended(&UserId::from("ana")).await.expect("ana"), vec!["pat", "quinn"]);
    assert!(store.providers_attended(&UserId::from("pat")).await.expect("pat").is_empty(), "pat attends nothing");
    // The same list, beside the directory epoch, in the account news' one statement.
    let marks = async |who: &str| store.directory_marks(&UserId::from(who)).await.expect("marks");
    assert_eq!(marks("ana").await.attended, ["pat", "quinn"]);
    assert!(marks("pat").await.attended.is_empty());
    assert_eq!(marks("pat").await.epoch, marks("ana").await.epoch, "one epoch for everyone");
    // The pull from the cursor after everything is empty, and an old document written again
    // comes back.
    let all = store.pull(&UserId::from("ana"), &[0; 16], (0, 0), 100).await.expect("pull").changes;
    let top = all.last().map(|c| (c.visible, c.seq)).expect("changes");
    assert!(store.pull(&UserId::from("ana"), &[0; 16], top, 100).await.expect("pull").changes.is_empty());
    store
        .commit_documents(&[commit("s2", Some(1), &["b2"], &["ana", "pat"], &["ana", "pat"])])
        .await
        .expect("s2 again");
    let again = store.pull(&UserId::from("ana"), &[0; 16], top, 100).await.expect("pull").changes;
    assert_eq!(again.iter().map(|c| c.bytes.as_slice()).collect::<Vec<_>>(), [b"b2".as_slice()]);
    // The top of the sequence covers every number drawn: three documents' changes and marks.
    let top = store.pull(&UserId::from("ana"), &[0; 16], (0, 0), 1).await.expect("top").top;
    assert_eq!(top, again[0].visible.max(again[0].seq) + 1, "b2, then s2's mark");
    let empty = store.pull(&UserId::from("ana"), &[0; 16], (top, top), 100).await.expect("pull");
    assert_eq!(empty, crate::PulledPage { top, changes: Vec::new() }, "an empty page still carries the top");
}

/// The directory epoch rises with each write to what directories are made of, and not with a
/// sync's commit or a new account that nobody is connected to.
pub async fn the_directory_epoch_rises_with_names_keys_profiles_and_connections<S: Store>(store: S) {
    let epoch = async || store.directory_marks(&UserId::from("ana")).await.expect("epoch").epoch;
    let start = epoch().await;
    store.create_user(&user("ana")).await.expect("user");
    store.create_user(&user("pat")).await.expect("user");
    assert_eq!(epoch().await, start, "a new account changes nobody's directory");
    let mut last = start;
    let mut raised = async |what: &str| {
        let now = epoch().await;
        assert!(now > last, "{what} raises the epoch ({last} -> {now})");
        last = now;
    };
    store.set_display_name(&UserId::from("pat"), "Pat Núñez").await.expect("rename");
    raised("a new name").await;
    store.create_device(&device("d1", "pat", 1), b"token-1").await.expect("device");
    raised("a new device key").await;
    store.revoke_device(&UserId::from("pat"), &DeviceId::from("d1"), 5).await.expect("revoke");
    raised("a revoked device").await;
    let profile = ProfileRecord {
        user_id: "ana".into(),
        masters_conferred_on: None,
        rulebook: Some("orimha".into()),
        purpose: None,
        share_progress: false,
        provides_rsc: false,
    };
    store.set_profile(&profile).await.expect("profile");
    raised("a profile").await;
    store.connect(&UserId::from("pat"), &UserId::from("ana"), None, 10).await.expect("connect");
    raised("a connection").await;
    store
        .end_connection(&UserId::from("pat"), &UserId::from("ana"), rsc_model::ConnectionRole::Provider, 11)
        .await
        .expect("end");
    raised("an ended connection").await;
    store.put_connection_request(&UserId::from("pat"), &UserId::from("ana"), "NM-1", 12).await.expect("ask");
    raised("a request").await;
    store.decline_connection_request(&UserId::from("pat"), &UserId::from("ana"), 13).await.expect("decline");
    raised("a declined request").await;
    let group = crate::GroupRecord {
        id: "g1".into(),
        provider_id: "pat".into(),
        provider_name: String::new(),
        name: "Tuesday".into(),
        created_at_ms: 14,
        archived_at_ms: None,
    };
    store.create_group(&group, &[]).await.expect("group");
    raised("a group").await;
    store.set_group_member(&UserId::from("pat"), "g1", &UserId::from("ana"), true, 15).await.expect("member");
    raised("a group's member").await;
    store.update_group(&UserId::from("pat"), "g1", Some("Tuesdays"), None).await.expect("rename");
    raised("a group's name").await;
    let before = epoch().await;
    store.commit_documents(&[commit("s1", None, &["a1"], &[], &["ana", "pat"])]).await.expect("s1");
    assert_eq!(epoch().await, before, "a session's commit leaves it");
}

/// The store: an applicant's evaluation inputs are kept until one of her sessions is written,
/// and a write that does not concern her keeps them.
pub async fn evaluation_inputs_are_kept_until_her_sessions_change<S: Store>(store: S) {
    let ana = UserId::from("ana");
    let empty = store.evaluation_inputs(&ana).await.expect("inputs");
    assert!(empty.attendance.is_empty() && empty.ledger.is_empty());
    store.commit_documents(&[commit("s1", None, &["a1"], &[], &["ana", "pat"])]).await.expect("s1");
    let first = store.evaluation_inputs(&ana).await.expect("inputs");
    assert_eq!(first.attendance.iter().map(|a| a.session.id.as_str()).collect::<Vec<_>>(), ["s1"]);
    assert!(std::sync::Arc::ptr_eq(&first, &store.evaluation_inputs(&ana).await.expect("again")), "kept");
    let mut bens = commit("s2", None, &["b1"], &[], &["ben", "pat"]);
    bens.attendance[0].attendee_id = "ben".into();
    store.commit_documents(&[bens]).await.expect("s2");
    assert!(std::sync::Arc::ptr_eq(&first, &store.evaluation_inputs(&ana).await.expect("again")), "not hers");
    // Pat confirms s1: a ledger entry about her, and a new read.
    store
        .commit_documents(&[{
            let mut c = commit("s1", Some(1), &["a2"], &["ana", "pat"], &["ana", "pat"]);
            c.attestations = vec![attestation(1, "s1", true)];
            c
        }])
        .await
        .expect("s1 confirmed");
    let confirmed = store.evaluation_inputs(&ana).await.expect("inputs");
    assert!(!std::sync::Arc::ptr_eq(&first, &confirmed));
    assert_eq!(confirmed.ledger.len(), 1);
    assert_eq!(confirmed.attendance, store.attendance_of(&ana).await.expect("rows"), "the same as read directly");
}

/// The store: what awaits a provider is her pending and changed attendances, not confirmed or
/// withdrawn ones nor another provider's; the valid ledger entries about an attendee are hers,
/// and valid.
pub async fn what_awaits_a_provider_and_the_valid_entries_about_an_attendee<S: Store>(store: S) {
    for id in ["ana", "pat", "quinn"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let mut changed = commit("s2", None, &["b1"], &[], &["ana", "pat"]);
    changed.attendance[0].status = AttendanceStatus::ChangedSinceConfirmed;
    let mut confirmed = commit("s3", None, &["c1"], &[], &["ana", "pat"]);
    confirmed.attendance[0].status = AttendanceStatus::Confirmed;
    confirmed.attendance[0].confirmed_minutes = Some(60);
    confirmed.attestations = vec![attestation(1, "s3", true), attestation(2, "s3", false)];
    let mut withdrawn = commit("s4", None, &["d1"], &[], &["ana", "pat"]);
    withdrawn.session.withdrawn = true;
    let mut quinns = commit("s5", None, &["e1"], &[], &["ana", "quinn"]);
    quinns.session.provider_id = "quinn".into();
    let pending = commit("s1", None, &["a1"], &[], &["ana", "pat"]);
    store.commit_documents(&[pending, changed, confirmed, withdrawn, quinns]).await.expect("commit");

    let waiting = store.awaiting_provider(&UserId::from("pat")).await.expect("awaiting");
    let seen: Vec<_> = waiting.iter().map(|w| (w.session.id.as_str(), w.attendance.status)).collect();
    assert_eq!(seen, [("s1", AttendanceStatus::Pending), ("s2", AttendanceStatus::ChangedSinceConfirmed)]);
    assert!(waiting.iter().all(|w| w.attendee_name == "ana"), "each with the attendee's name");
    let quinn_waits = store.awaiting_provider(&UserId::from("quinn")).await.expect("quinn");
    assert_eq!(quinn_waits.iter().map(|w| w.session.id.as_str()).collect::<Vec<_>>(), ["s5"]);
    assert!(store.awaiting_provider(&UserId::from("ana")).await.expect("ana").is_empty());

    // What Pat gave: only the entry she confirmed, in a session not withdrawn.
    let mut confirmed_withdrawn = commit("s6", None, &["f1"], &[], &["ana", "pat"]);
    confirmed_withdrawn.session.withdrawn = true;
    confirmed_withdrawn.attendance[0].status = AttendanceStatus::Confirmed;
    store.commit_documents(&[confirmed_withdrawn]).await.expect("commit");
    let given = store.confirmed_by_provider(&UserId::from("pat")).await.expect("given");
    assert_eq!(
        given.iter().map(|g| (g.session.id.as_str(), g.attendee_name.as_str())).collect::<Vec<_>>(),
        [("s3", "ana")]
    );
    assert!(store.confirmed_by_provider(&UserId::from("quinn")).await.expect("quinn").is_empty());

    let valid = store.valid_attestations_for(&UserId::from("ana")).await.expect("valid");
    assert_eq!(valid.iter().map(|a| a.id.clone()).collect::<Vec<_>>(), [vec![1u8; 32]], "the invalid one is left out");
    assert!(
        store.valid_attestations_for(&UserId::from("pat")).await.expect("pat").is_empty(),
        "only about the attendee"
    );
}

/// The store: the ledgers of many sessions are read at once, by session, each entry as the
/// one-session read gives it; an unknown session has none.
pub async fn ledgers_are_read_many_sessions_at_a_time<S: Store>(store: S) {
    let mut s1 = commit("s1", None, &["a1"], &[], &["ana", "pat"]);
    s1.attestations = vec![attestation(3, "s1", true), attestation(1, "s1", false)];
    let mut s2 = commit("s2", None, &["b1"], &[], &["ana", "pat"]);
    s2.attestations = vec![attestation(2, "s2", true)];
    let s3 = commit("s3", None, &["c1"], &[], &["ana", "pat"]);
    store.commit_documents(&[s1, s2, s3]).await.expect("commit");
    let asked = [DocId::from("s2"), DocId::from("s1"), DocId::from("s3"), DocId::from("nowhere")];
    let many = store.attestations_of(&asked).await.expect("ledgers");
    let seen: Vec<_> = many.iter().map(|a| (a.session_id.as_str(), a.id[0])).collect();
    assert_eq!(seen, [("s1", 1), ("s1", 3), ("s2", 2)], "by session, then by signing time");
    for doc in ["s1", "s2", "s3"] {
        let one = store.attestations(&DocId::from(doc)).await.expect("one ledger");
        let from_many: Vec<_> = many.iter().filter(|a| a.session_id == doc).cloned().collect();
        assert_eq!(one, from_many, "{doc}: the same entries either way");
    }
    assert!(store.attestations_of(&[]).await.expect("none").is_empty());
}
