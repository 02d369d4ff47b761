//! The conformance suite every backend runs: the same tests, one generic function each, run
//! per backend by [`conformance_suite!`](crate::conformance_suite). Compiled for this crate's
//! tests and with the `testing` feature.

use crate::{
    AttendanceRow, AttendanceState, AttestationRecord, ConnectionCodeRecord, DeviceId, DeviceRecord, DocCommit, DocId,
    ExportRecord, NewChange, Notice, ProfileRecord, SessionRow, Store, StoreError, UserId, UserRecord,
};

fn user(id: &str) -> UserRecord {
    UserRecord {
        id: id.into(),
        email: format!("{id}@example.org"),
        display_name: id.into(),
        password_hash: "$argon2id$test".into(),
        role: rsc_protocol::Role::Member,
        created_at_ms: 1,
    }
}

fn device(id: &str, user: &str, actor: u8) -> DeviceRecord {
    DeviceRecord {
        id: id.into(),
        user_id: user.into(),
        name: format!("{id} phone"),
        public_key: vec![actor; 32],
        actor_id: vec![actor; 16],
        created_at_ms: i64::from(actor),
        revoked_at_ms: None,
    }
}

/// A commit of document `doc` at `expected` with these change hashes and participants.
pub fn commit(
    doc: &str,
    expected: Option<i64>,
    changes: &[&str],
    previous: &[&str],
    participants: &[&str],
) -> DocCommit {
    DocCommit {
        expanded_bytes: 0,
        doc_id: doc.into(),
        expected_version: expected,
        new_changes: changes
            .iter()
            .map(|c| NewChange { actor_id: vec![1; 16], bytes: c.as_bytes().to_vec() })
            .collect(),
        device_id: "d1".into(),
        previous_participants: previous.iter().map(|p| p.to_string()).collect(),
        participants: participants.iter().map(|p| p.to_string()).collect(),
        session: SessionRow {
            id: doc.into(),
            provider_id: "pat".into(),
            created_by: "ana".into(),
            date: "2025-03-04".parse().expect("date"),
            start_time: "10:00".into(),
            time_zone: "UTC".into(),
            minutes: 60,
            kind: rsc_model::SessionKind::Individual,
            format: rsc_model::SessionFormat::Video,
            withdrawn: false,
            problems: String::new(),
        },
        attendance: vec![AttendanceRow {
            session_id: doc.into(),
            attendee_id: "ana".into(),
            minutes_attended: 60,
            about_own_rsc_practice: false,
            status: AttendanceState::Pending,
            confirmed_minutes: None,
            attestation_id: None,
        }],
        attestations: Vec::new(),
    }
}

/// A ledger entry about Ana in `doc`.
pub fn attestation(id: u8, doc: &str, valid: bool) -> AttestationRecord {
    AttestationRecord {
        id: vec![id; 32],
        digest: vec![id; 32],
        session_id: doc.into(),
        attendee_id: "ana".into(),
        provider_id: "pat".into(),
        kind: rsc_model::StatementKind::Confirm,
        signed_at_ms: i64::from(id),
        public_key: vec![9; 32],
        statement: vec![id; 10],
        valid,
        invalid_reason: (!valid).then(|| "not registered".into()),
        first_seen_at_ms: 7,
        device_id: "d1".into(),
    }
}

/// The store: users are unique by email.
pub async fn users_are_unique_by_email<S: Store>(store: S) {
    store.create_user(&user("ana")).await.expect("create");
    let mut twin = user("ana2");
    twin.email = "ana@example.org".into();
    assert!(matches!(store.create_user(&twin).await, Err(StoreError::Conflict("email"))));
    assert_eq!(store.user_by_email("ana@example.org").await.expect("lookup"), Some(user("ana")));
    assert_eq!(store.user_by_id(&UserId::from("ana")).await.expect("lookup"), Some(user("ana")));
    assert_eq!(store.user_by_id(&UserId::from("nobody")).await.expect("lookup"), None);
}

/// The store: devices register revoke and bind actors.
pub async fn devices_register_revoke_and_bind_actors<S: Store>(store: S) {
    store.create_user(&user("ana")).await.expect("user");
    store.create_device(&device("d1", "ana", 1), b"token-1").await.expect("device");
    store.create_device(&device("d2", "ana", 2), b"token-2").await.expect("device");
    let err = store.create_device(&device("d3", "ana", 1), b"token-3").await.expect_err("actor taken");
    assert!(matches!(err, StoreError::Conflict(_)));
    let (found, owner) = store.device_by_token_hash(b"token-1").await.expect("lookup").expect("found");
    assert_eq!((found.id.as_str(), owner.id.as_str()), ("d1", "ana"));
    // Every column of both, each from its own table (the device signed in at 2, the account
    // was made at 1).
    let found = store.device_by_token_hash(b"token-2").await.expect("lookup");
    assert_eq!(found, Some((device("d2", "ana", 2), user("ana"))));
    assert_eq!(store.devices_of(&UserId::from("ana")).await.expect("list").len(), 2);
    assert_eq!(store.active_keys(&UserId::from("ana")).await.expect("keys").len(), 2);

    assert!(store.revoke_device(&UserId::from("ana"), &DeviceId::from("d1"), 99).await.expect("revoke"));
    assert!(
        !store.revoke_device(&UserId::from("ana"), &DeviceId::from("d1"), 100).await.expect("again"),
        "already revoked"
    );
    assert!(!store.revoke_device(&UserId::from("someone"), &DeviceId::from("d2"), 100).await.expect("not theirs"));
    assert!(store.device_by_token_hash(b"token-1").await.expect("lookup").is_none());
    assert_eq!(store.active_keys(&UserId::from("ana")).await.expect("keys"), vec![vec![2u8; 32]]);
    let listed = store.devices_of(&UserId::from("ana")).await.expect("list");
    assert_eq!(listed[0].revoked_at_ms, Some(99));
}

/// The store: login attempts are reserved up to the limit and released.
pub async fn login_attempts_are_reserved_up_to_the_limit_and_released<S: Store>(store: S) {
    let limits = [("account:ana@example.org".to_string(), 3), ("address:127.0.0.1".to_string(), 4)];
    for (n, at) in [100, 200, 300].into_iter().enumerate() {
        assert!(store.reserve_login_attempt(&limits, &format!("a{n}"), at, 0).await.expect("reserve"));
    }
    assert!(!store.reserve_login_attempt(&limits, "a3", 400, 0).await.expect("reserve"), "the account is at its limit");
    assert_eq!(
        store.login_failures_since("address:127.0.0.1", 0).await.expect("count"),
        3,
        "a refusal reserves nothing"
    );
    assert_eq!(store.login_failures_since("account:ana@example.org", 150).await.expect("count"), 2);
    assert!(store.reserve_login_attempt(&limits, "a4", 400, 150).await.expect("reserve"), "the oldest left the window");
    store.release_login_attempt("a4").await.expect("release");
    store.release_login_attempt("a0").await.expect("release");
    assert_eq!(store.login_failures_since("account:ana@example.org", 0).await.expect("count"), 2);
    assert_eq!(store.login_failures_since("address:127.0.0.1", 0).await.expect("count"), 2);
    assert_eq!(store.login_failures_since("account:ben@example.org", 0).await.expect("count"), 0);
}

/// The store: commits compare versions and write everything or nothing.
pub async fn commits_compare_versions_and_write_everything_or_nothing<S: Store>(store: S) {
    assert!(store.commit_documents(&[commit("s1", None, &["c1", "c2"], &[], &["ana", "pat"])]).await.expect("new"));
    assert!(
        !store.commit_documents(&[commit("s1", None, &["c9"], &[], &["ana"])]).await.expect("exists"),
        "a second create loses"
    );
    let stored = store.document(&DocId::from("s1")).await.expect("read").expect("stored");
    assert_eq!(stored.version, 1);
    assert_eq!(stored.bytes, b"c1c2", "the document is its changes, one after another");
    assert!(
        !store.commit_documents(&[commit("s1", Some(7), &["c3"], &["ana", "pat"], &["ana"])]).await.expect("stale"),
        "stale version loses"
    );
    assert_eq!(store.participants(&DocId::from("s1")).await.expect("participants"), vec!["ana", "pat"]);
    let mut update = commit("s1", Some(1), &["c3"], &["ana", "pat"], &["ana", "pat"]);
    update.attestations = vec![attestation(1, "s1", true), attestation(2, "s1", false)];
    update.session.minutes = 45;
    assert!(store.commit_documents(&[update]).await.expect("update"));
    let stored = store.document(&DocId::from("s1")).await.expect("read").expect("stored");
    assert_eq!((stored.version, stored.bytes.as_slice()), (2, b"c1c2c3".as_slice()), "changes kept in their order");
    assert_eq!(store.session_row(&DocId::from("s1")).await.expect("row").expect("projected").minutes, 45);
    assert_eq!(store.attendance_rows(&DocId::from("s1")).await.expect("rows").len(), 1);
    let ledger = store.attestations(&DocId::from("s1")).await.expect("ledger");
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[1].invalid_reason.as_deref(), Some("not registered"));

    // The ledger keeps the first sighting of a statement.
    let mut again = commit("s1", Some(2), &["c4"], &["ana", "pat"], &["ana", "pat"]);
    let mut changed = attestation(1, "s1", false);
    changed.first_seen_at_ms = 999;
    again.attestations = vec![changed];
    assert!(store.commit_documents(&[again]).await.expect("update"));
    let ledger = store.attestations(&DocId::from("s1")).await.expect("ledger");
    assert_eq!(ledger.len(), 2);
    assert!(ledger[0].valid && ledger[0].first_seen_at_ms == 7, "never overwritten");

    // A new document and an update in one transaction: only the update's attendance is
    // replaced, and each session keeps exactly its own.
    let mut update = commit("s1", Some(3), &["c5"], &["ana", "pat"], &["ana", "pat"]);
    update.attendance[0].minutes_attended = 30;
    let together = [commit("s2", None, &["d1"], &[], &["ana", "pat"]), update];
    assert!(store.commit_documents(&together).await.expect("together"));
    let s1 = store.attendance_rows(&DocId::from("s1")).await.expect("rows");
    assert_eq!(s1.iter().map(|a| a.minutes_attended).collect::<Vec<_>>(), [30], "the update's attendance replaced");
    assert_eq!(store.attendance_rows(&DocId::from("s2")).await.expect("rows").len(), 1);
}

/// The store: pulls follow the cursor and participation.
pub async fn pulls_follow_the_cursor_and_participation<S: Store>(store: S) {
    store.commit_documents(&[commit("s1", None, &["a1", "a2"], &[], &["ana", "pat"])]).await.expect("s1");
    store.commit_documents(&[commit("s2", None, &["b1"], &[], &["ben", "pat"])]).await.expect("s2");
    store
        .commit_documents(&[commit("s1", Some(1), &["a3"], &["ana", "pat"], &["ana", "pat"])])
        .await
        .expect("s1 again");

    let all = store.pull(&UserId::from("pat"), &[0; 16], (0, 0), 100).await.expect("pull").changes;
    let names: Vec<&[u8]> = all.iter().map(|c| c.bytes.as_slice()).collect();
    assert_eq!(names, [b"a1".as_slice(), b"a2", b"b1", b"a3"]);
    assert!(all.windows(2).all(|w| (w[0].visible, w[0].seq) < (w[1].visible, w[1].seq)));
    // Paging: continue after the second.
    let rest =
        store.pull(&UserId::from("pat"), &[0; 16], (all[1].visible, all[1].seq), 100).await.expect("pull").changes;
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[0].bytes, b"b1");
    // Only documents the user takes part in.
    let ben = store.pull(&UserId::from("ben"), &[0; 16], (0, 0), 100).await.expect("pull").changes;
    assert_eq!(ben.len(), 1);
    // The pushing actor's own changes are left out.
    assert!(store.pull(&UserId::from("ana"), &[1; 16], (0, 0), 100).await.expect("pull").changes.is_empty());
    let limited = store.pull(&UserId::from("pat"), &[0; 16], (0, 0), 3).await.expect("pull").changes;
    assert_eq!(limited.len(), 3);

    // Joining a document later makes its whole history visible after the current cursor.
    let cursor = (all[3].visible, all[3].seq);
    store
        .commit_documents(&[commit("s2", Some(1), &["b2"], &["ben", "pat"], &["ben", "pat", "ana"])])
        .await
        .expect("ana joins s2");
    let joined = store.pull(&UserId::from("ana"), &[0; 16], cursor, 100).await.expect("pull").changes;
    let names: Vec<&[u8]> = joined.iter().map(|c| c.bytes.as_slice()).collect();
    assert_eq!(names, [b"b1".as_slice(), b"b2"]);
    // Whoever took part once keeps receiving the session: the participants only grow.
    store
        .commit_documents(&[commit("s2", Some(2), &["b3"], &["ana", "ben", "pat"], &["ana", "ben", "pat"])])
        .await
        .expect("ana is removed from the roster");
    let after = (joined[1].visible, joined[1].seq);
    let later = store.pull(&UserId::from("ana"), &[0; 16], after, 100).await.expect("pull").changes;
    assert_eq!(later.iter().map(|c| c.bytes.as_slice()).collect::<Vec<_>>(), [b"b3".as_slice()]);
    assert_eq!(store.participants(&DocId::from("s2")).await.expect("participants"), vec!["ana", "ben", "pat"]);
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
    };
    store.set_profile(&profile).await.expect("profile");
    raised("a profile").await;
    store.connect(&UserId::from("pat"), &UserId::from("ana"), None, 10).await.expect("connect");
    raised("a connection").await;
    store
        .end_connection(&UserId::from("pat"), &UserId::from("ana"), rsc_protocol::ConnectionRole::Provider, 11)
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

/// The store: after a commit, listeners hear everyone taking part in each written document
/// and the device that wrote it; a commit that loses its race says nothing.
pub async fn commits_are_announced_to_their_participants<S: Store>(store: S) {
    let mut notices = store.notices().await.expect("listen");
    let mut late = store.notices().await.expect("a second listener");
    let mut s2 = commit("s2", None, &["b1"], &[], &["ben", "pat"]);
    s2.session.provider_id = "pat".into();
    store.commit_documents(&[commit("s1", None, &["a1"], &[], &["pat", "ana"]), s2]).await.expect("commit");
    let expected = Notice::Changed { device_id: "d1".into(), users: vec!["ana".into(), "ben".into(), "pat".into()] };
    for listener in [&mut notices, &mut late] {
        let heard = tokio::time::timeout(std::time::Duration::from_secs(10), listener.next()).await;
        assert_eq!(heard.expect("heard in time").as_deref(), Some(&expected));
    }
    // A stale version: nothing is written, and nothing is said.
    assert!(
        !store
            .commit_documents(&[commit("s1", Some(7), &["a2"], &["ana", "pat"], &["ana", "pat"])])
            .await
            .expect("stale")
    );
    let mut by_d2 = commit("s3", None, &["c1"], &[], &["quinn"]);
    by_d2.device_id = "d2".into();
    store.commit_documents(&[by_d2]).await.expect("s3");
    let heard = tokio::time::timeout(std::time::Duration::from_secs(10), notices.next()).await;
    assert_eq!(
        heard.expect("heard in time").as_deref(),
        Some(&Notice::Changed { device_id: "d2".into(), users: vec!["quinn".into()] }),
        "the next notice is the next commit's"
    );
}

/// The store: documents and their participants are read many at a time, and unknown ids are
/// simply absent.
pub async fn documents_and_participants_are_read_many_at_a_time<S: Store>(store: S) {
    store
        .commit_documents(&[
            commit("s1", None, &["a1"], &[], &["ana", "pat"]),
            commit("s2", None, &["b1"], &[], &["ben"]),
        ])
        .await
        .expect("commit");
    let ids: Vec<DocId> = ["s2", "nobody", "s1"].into_iter().map(DocId::from).collect();
    let mut found = store.documents(&ids).await.expect("documents");
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(found.iter().map(|(id, d)| (id.as_str(), d.version)).collect::<Vec<_>>(), [("s1", 1), ("s2", 1)]);
    assert_eq!(found[0].1, store.document(&DocId::from("s1")).await.expect("one").expect("s1"));
    let people = store.participants_of(&ids).await.expect("participants");
    assert_eq!(
        people.iter().map(|(d, u)| (d.as_str(), u.as_str())).collect::<Vec<_>>(),
        [("s1", "ana"), ("s1", "pat"), ("s2", "ben")]
    );
    assert!(store.documents(&[]).await.expect("none").is_empty());
    // Past one statement's worth of ids.
    let many: Vec<DocId> =
        (0..2_500).map(|i| DocId::from(format!("x{i}").as_str())).chain([DocId::from("s1")]).collect();
    assert_eq!(store.documents(&many).await.expect("many").len(), 1);
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

/// The store: concurrent commits get distinct sequences.
pub async fn concurrent_commits_get_distinct_sequences<S: Store>(store: S) {
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let doc = format!("s{i}");
            let changes = [format!("{doc}-a"), format!("{doc}-b")];
            let refs: Vec<&str> = changes.iter().map(String::as_str).collect();
            store.commit_documents(&[commit(&doc, None, &refs, &[], &["pat"])]).await.expect("commit")
        }));
    }
    for task in tasks {
        assert!(task.await.expect("task"));
    }
    let pulled = store.pull(&UserId::from("pat"), &[0; 16], (0, 0), 1000).await.expect("pull").changes;
    assert_eq!(pulled.len(), 40);
    let mut seqs: Vec<i64> = pulled.iter().map(|c| c.seq).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), 40, "every change has its own sequence number");
}

/// The store: commits that race to create one document, or to add someone to it, add each
/// participant once: one commit of each race wins, and the others are told to retry (the
/// Postgres schema relies on this instead of a key on participants, see its migration 0013).
pub async fn racing_commits_add_each_participant_once<S: Store>(store: S) {
    let race = async |make: &(dyn Fn(usize) -> DocCommit + Sync)| -> usize {
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let store = store.clone();
                let commit = make(i);
                tokio::spawn(async move { store.commit_documents(&[commit]).await.expect("commit") })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            won += usize::from(task.await.expect("task"));
        }
        won
    };
    let created = race(&|i| commit("s1", None, &[&format!("create-{i}")], &[], &["ana", "pat"])).await;
    assert_eq!(created, 1, "one create wins");
    let added = race(&|i| commit("s1", Some(1), &[&format!("add-{i}")], &["ana", "pat"], &["ana", "ben", "pat"])).await;
    assert_eq!(added, 1, "one update from version 1 wins");
    assert_eq!(store.participants(&DocId::from("s1")).await.expect("participants"), ["ana", "ben", "pat"]);
    let listed = store.participants_of(&[DocId::from("s1")]).await.expect("participants of");
    assert_eq!(listed.len(), 3, "{listed:?}");
    for who in ["ana", "ben", "pat"] {
        let pulled = store.pull(&UserId::from(who), &[0; 16], (0, 0), 100).await.expect("pull").changes;
        assert_eq!(pulled.len(), 2, "{who} receives the winning create and the winning update, once each");
    }
}

/// The store: connection codes are made, found, counted and withdrawn, and connections are
/// made once and listed by name from either side.
pub async fn connection_codes_connect_people_once_and_list_them_by_name<S: Store>(store: S) {
    for id in ["pat", "ana", "ben"] {
        store.create_user(&user(id)).await.expect("user");
    }
    store.set_display_name(&UserId::from("pat"), "Pat Núñez").await.expect("rename");
    let code = |code: &str, at: i64| ConnectionCodeRecord {
        code: code.into(),
        provider_id: "pat".into(),
        created_at_ms: at,
        expires_at_ms: at + 1000,
        revoked_at_ms: None,
        used: 0,
    };
    store.create_connection_code(&code("AAAA1111", 10)).await.expect("code");
    store.create_connection_code(&code("BBBB2222", 20)).await.expect("code");
    assert!(matches!(store.create_connection_code(&code("AAAA1111", 30)).await, Err(StoreError::Conflict(_))));
    let found = store.connection_code("AAAA1111").await.expect("lookup").expect("found");
    assert!(found.works_at(500) && !found.works_at(1010), "works until it expires");
    assert_eq!(store.connection_code("CCCC3333").await.expect("lookup"), None);

    let pat = UserId::from("pat");
    assert!(store.connect(&pat, &UserId::from("ana"), Some("AAAA1111"), 100).await.expect("connect"));
    assert!(!store.connect(&pat, &UserId::from("ana"), Some("AAAA1111"), 101).await.expect("again"), "once");
    assert!(store.connect(&pat, &UserId::from("ben"), None, 102).await.expect("by number"));
    let codes = store.connection_codes(&pat).await.expect("codes");
    assert_eq!(codes.iter().map(|c| (c.code.as_str(), c.used)).collect::<Vec<_>>(), [("BBBB2222", 0), ("AAAA1111", 1)]);

    let members = store.members_of(&pat).await.expect("members");
    assert_eq!(members.iter().map(|m| m.member_name.as_str()).collect::<Vec<_>>(), ["ana", "ben"]);
    // Only the people asked about, and only those connected to this provider: Pat herself,
    // someone unknown and someone connected the other way round are not.
    let people: Vec<UserId> = ["ben", "pat", "nobody", "ana", "ben"].map(UserId::from).to_vec();
    let mut connected = store.connected_among(&pat, &people).await.expect("connected");
    connected.sort();
    assert_eq!(connected, ["ana", "ben"]);
    assert!(
        store.connected_among(&UserId::from("ana"), std::slice::from_ref(&pat)).await.expect("reversed").is_empty()
    );
    assert!(store.connected_among(&pat, &[]).await.expect("nobody asked").is_empty());
    let providers = store.providers_of(&UserId::from("ana")).await.expect("providers");
    assert_eq!(providers.len(), 1);
    assert_eq!((providers[0].provider_name.as_str(), providers[0].created_at_ms), ("Pat Núñez", 100));
    assert!(store.providers_of(&pat).await.expect("none").is_empty());

    assert!(store.revoke_connection_code(&pat, "AAAA1111", 200).await.expect("revoke"));
    assert!(!store.revoke_connection_code(&pat, "AAAA1111", 201).await.expect("again"), "already withdrawn");
    assert!(!store.revoke_connection_code(&UserId::from("ana"), "BBBB2222", 201).await.expect("not hers"));
    let revoked = store.connection_code("AAAA1111").await.expect("lookup").expect("kept");
    assert!(!revoked.works_at(300), "a withdrawn code connects nobody");
    assert_eq!(store.holder_of("NM-1").await.expect("holder"), None);
}

/// The store: a connection ends (and takes the member out of the provider's groups), stays
/// listed as ended with who ended it, and is made again; each records how it was made.
pub async fn connections_end_and_are_made_again_with_their_source<S: Store>(store: S) {
    use rsc_protocol::{ConnectionRole, ConnectionSource};
    for id in ["pat", "ana", "ben"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let (pat, ana, ben) = (UserId::from("pat"), UserId::from("ana"), UserId::from("ben"));
    store
        .create_connection_code(&ConnectionCodeRecord {
            code: "AAAA1111".into(),
            provider_id: "pat".into(),
            created_at_ms: 1,
            expires_at_ms: 10_000,
            revoked_at_ms: None,
            used: 0,
        })
        .await
        .expect("code");
    assert!(store.connect(&pat, &ana, Some("AAAA1111"), 10).await.expect("by code"));
    assert!(store.connect(&pat, &ben, None, 11).await.expect("by request"));
    let group = crate::GroupRecord {
        id: "g1".into(),
        provider_id: "pat".into(),
        provider_name: String::new(),
        name: "Tuesday group".into(),
        created_at_ms: 12,
        archived_at_ms: None,
    };
    store.create_group(&group, &[ana.clone(), ben.clone()]).await.expect("group");

    assert!(store.end_connection(&pat, &ana, ConnectionRole::Supervisee, 20).await.expect("end"));
    assert!(!store.end_connection(&pat, &ana, ConnectionRole::Provider, 21).await.expect("again"), "ended once");
    assert!(store.connected_among(&pat, std::slice::from_ref(&ana)).await.expect("connected").is_empty());
    assert_eq!(store.members_of(&pat).await.expect("members").len(), 1, "only Ben is connected now");
    assert!(store.providers_of(&ana).await.expect("providers").is_empty());
    let all = store.connections_of(&pat).await.expect("all");
    let state: Vec<_> = all.iter().map(|c| (c.member_id.as_str(), c.source, c.ended_at_ms, c.ended_by)).collect();
    assert_eq!(
        state,
        [
            ("ana", Some(ConnectionSource::Code), Some(20), Some(ConnectionRole::Supervisee)),
            ("ben", Some(ConnectionSource::Request), None, None)
        ]
    );
    assert_eq!(store.connections_of(&ana).await.expect("hers"), all[..1], "either side sees it");
    let groups = store.groups_for(&pat).await.expect("groups");
    let members: Vec<&str> = groups[0].1.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(members, ["ben"], "ending takes Ana out of Pat's groups");
    assert!(store.groups_for(&ana).await.expect("hers").is_empty());

    assert!(store.connect(&pat, &ana, None, 30).await.expect("made again"), "an ended connection is made again");
    let again = store.connections_of(&ana).await.expect("hers");
    assert_eq!(
        (again[0].created_at_ms, again[0].source, again[0].ended_at_ms),
        (30, Some(ConnectionSource::Request), None)
    );
}

/// The store: a request waits, is declined or taken back, is sent again, and goes when the two
/// connect; both sides list it with names and the asker's email.
pub async fn connection_requests_wait_for_the_provider<S: Store>(store: S) {
    use crate::RequestStatus;
    for id in ["pat", "ana", "ben"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let (pat, ana, ben) = (UserId::from("pat"), UserId::from("ana"), UserId::from("ben"));
    store.put_connection_request(&pat, &ana, "NM-1001", 10).await.expect("ask");
    store.put_connection_request(&pat, &ben, "NM-1001", 11).await.expect("ask");
    let asked = store.connection_request(&pat, &ana).await.expect("read").expect("there");
    assert_eq!(
        (asked.member_email.as_str(), asked.number.as_str(), asked.status, asked.created_at_ms),
        ("ana@example.org", "NM-1001", RequestStatus::Pending, 10)
    );
    assert_eq!(store.connection_requests_of(&pat).await.expect("hers").len(), 2);
    assert_eq!(store.connection_requests_of(&ana).await.expect("mine").len(), 1, "only her own");

    assert!(store.decline_connection_request(&pat, &ana, 20).await.expect("decline"));
    assert!(!store.decline_connection_request(&pat, &ana, 21).await.expect("again"), "declined once");
    let declined = store.connection_request(&pat, &ana).await.expect("read").expect("kept");
    assert_eq!((declined.status, declined.decided_at_ms), (RequestStatus::Declined, Some(20)));
    assert!(!store.withdraw_connection_request(&pat, &ana).await.expect("withdraw"), "a declined one stays");
    store.put_connection_request(&pat, &ana, "NM-1001", 30).await.expect("ask again");
    let again = store.connection_request(&pat, &ana).await.expect("read").expect("there");
    assert_eq!((again.status, again.created_at_ms, again.decided_at_ms), (RequestStatus::Pending, 30, None));

    assert!(store.withdraw_connection_request(&pat, &ben).await.expect("withdraw"));
    assert_eq!(store.connection_request(&pat, &ben).await.expect("read"), None);
    assert!(store.connect(&pat, &ana, None, 40).await.expect("accepted"));
    assert_eq!(store.connection_request(&pat, &ana).await.expect("read"), None, "an accepted request goes");
}

/// The store: a provider's groups are made, renamed, archived and changed only by her; members
/// see the unarchived groups they belong to; names are unique per provider; people who share a
/// group, or attended a session together, see each other under that provider only.
pub async fn groups_and_acquaintances_decide_who_sees_whom<S: Store>(store: S) {
    for id in ["pat", "quinn", "ana", "ben", "cleo", "dan"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let [pat, quinn, ana, ben, cleo, dan] = ["pat", "quinn", "ana", "ben", "cleo", "dan"].map(UserId::from);
    let group = |id: &str, provider: &str, name: &str| crate::GroupRecord {
        id: id.into(),
        provider_id: provider.into(),
        provider_name: String::new(),
        name: name.into(),
        created_at_ms: 5,
        archived_at_ms: None,
    };
    store.create_group(&group("g1", "pat", "Tuesday"), &[ana.clone(), ben.clone()]).await.expect("g1");
    store.create_group(&group("g2", "quinn", "Tuesday"), std::slice::from_ref(&cleo)).await.expect("another's");
    assert!(matches!(store.create_group(&group("g3", "pat", "Tuesday"), &[]).await, Err(StoreError::Conflict(_))));
    let visible = async |viewer: &UserId, provider: &UserId, people: &[UserId]| {
        let mut found = store.visible_among(viewer, provider, people).await.expect("visible");
        found.sort();
        found
    };
    let everyone = [ben.clone(), cleo.clone(), dan.clone()];
    assert_eq!(visible(&ana, &pat, &everyone).await, ["ben"], "Ben shares Pat's group");
    assert!(visible(&ana, &quinn, &everyone).await.is_empty(), "under Quinn she shares nothing");

    assert!(!store.set_group_member(&quinn, "g1", &dan, true, 6).await.expect("not hers"));
    assert!(store.set_group_member(&pat, "g1", &cleo, true, 6).await.expect("add"));
    assert!(!store.set_group_member(&pat, "g1", &cleo, true, 7).await.expect("again"), "added once");
    assert!(store.set_group_member(&pat, "g1", &ben, false, 8).await.expect("remove"));
    assert_eq!(visible(&ana, &pat, &everyone).await, ["cleo"]);
    let hers = store.groups_for(&ana).await.expect("ana's");
    assert_eq!(hers.len(), 1);
    let names: Vec<&str> = hers[0].1.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(names, ["ana", "cleo"]);

    assert!(!store.update_group(&quinn, "g1", Some("Mine"), None).await.expect("not hers"));
    assert!(store.update_group(&pat, "g1", Some("Tuesday reflective group"), None).await.expect("rename"));
    assert!(store.update_group(&pat, "g1", None, Some(Some(9))).await.expect("archive"));
    assert!(store.groups_for(&ana).await.expect("ana's").is_empty(), "an archived group is not offered");
    let kept = store.groups_for(&pat).await.expect("pat's");
    assert_eq!((kept[0].0.name.as_str(), kept[0].0.archived_at_ms), ("Tuesday reflective group", Some(9)));
    assert!(visible(&ana, &pat, &everyone).await.is_empty(), "nor shows its members");
    assert!(store.update_group(&pat, "g1", None, Some(None)).await.expect("bring back"));
    assert_eq!(visible(&ana, &pat, &everyone).await, ["cleo"]);

    // A group session makes its attendees acquainted under its provider; an individual one
    // adds nobody.
    let before = store.directory_marks(&ana).await.expect("marks").acquainted;
    let mut session = commit("s1", None, &["a1"], &[], &["ana", "dan", "pat"]);
    let mut second = session.attendance[0].clone();
    second.attendee_id = "dan".into();
    session.attendance.push(second);
    store.commit_documents(&[session, commit("s2", None, &["b1"], &[], &["ana", "pat"])]).await.expect("commit");
    assert_eq!(visible(&ana, &pat, &everyone).await, ["cleo", "dan"]);
    assert_eq!(visible(&dan, &pat, std::slice::from_ref(&ana)).await, ["ana"], "both ways");
    assert!(visible(&ana, &quinn, &everyone).await.is_empty());
    assert!(store.directory_marks(&ana).await.expect("marks").acquainted > before, "the marks move");
    let known: Vec<(String, String)> =
        store.acquaintances_of(&ana).await.expect("ana's").into_iter().map(|a| (a.other_id, a.provider_id)).collect();
    assert_eq!(known, [("dan".to_string(), "pat".to_string())]);
    let mut attendees: Vec<String> =
        store.acquaintances_of(&pat).await.expect("pat's").into_iter().map(|a| a.other_id).collect();
    attendees.sort();
    assert_eq!(attendees, ["ana", "dan"], "a provider knows who attended her sessions");
}

/// The store: a reset code works once, before it expires, and only for its account; a new one
/// replaces the old; passwords and devices change with it.
pub async fn password_resets_work_once_and_sign_every_device_out<S: Store>(store: S) {
    store.create_user(&user("ana")).await.expect("user");
    store.create_user(&user("ben")).await.expect("user");
    store.create_device(&device("d1", "ana", 1), b"token-1").await.expect("device");
    store.create_device(&device("d2", "ana", 2), b"token-2").await.expect("device");
    store.create_device(&device("d3", "ben", 3), b"token-3").await.expect("device");
    let (ana, ben) = (UserId::from("ana"), UserId::from("ben"));
    store.create_password_reset(&ana, b"old code", 10, 1000).await.expect("reset");
    store.create_password_reset(&ana, b"new code", 20, 1000).await.expect("replaced");
    assert!(!store.use_password_reset(&ana, b"old code", 30).await.expect("use"), "replaced codes are gone");
    assert!(!store.use_password_reset(&ben, b"new code", 30).await.expect("use"), "another account's code");
    assert!(!store.use_password_reset(&ana, b"new code", 1000).await.expect("use"), "expired");
    assert!(store.use_password_reset(&ana, b"new code", 40).await.expect("use"));
    assert!(!store.use_password_reset(&ana, b"new code", 41).await.expect("use"), "once");

    store.set_password_hash(&ana, "$argon2id$new").await.expect("password");
    assert_eq!(store.user_by_id(&ana).await.expect("user").expect("ana").password_hash, "$argon2id$new");
    assert_eq!(store.user_by_id(&ben).await.expect("user").expect("ben").password_hash, "$argon2id$test");
    assert_eq!(store.revoke_all_devices(&ana, 50).await.expect("revoke"), 2);
    assert_eq!(store.revoke_all_devices(&ana, 51).await.expect("again"), 0);
    assert!(store.active_keys(&ana).await.expect("keys").is_empty());
    assert_eq!(store.active_keys(&ben).await.expect("keys").len(), 1, "Ben's devices stay");
}

/// The store: exports are kept by id and digest, listed per applicant newest first, and
/// withdrawn once, by their applicant only.
pub async fn exports_are_kept_found_and_withdrawn_by_their_applicant<S: Store>(store: S) {
    store.create_user(&user("ana")).await.expect("user");
    store.create_user(&user("mal")).await.expect("user");
    let export = |id: &str, digest: u8, at: i64| ExportRecord {
        id: id.into(),
        user_id: "ana".into(),
        digest: vec![digest; 32],
        body: format!("{{\"export\": \"{id}\"}}\n"),
        created_at_ms: at,
        withdrawn_at_ms: None,
    };
    store.create_export(&export("EXPORT000001", 1, 10)).await.expect("export");
    store.create_export(&export("EXPORT000002", 2, 20)).await.expect("export");
    assert!(
        matches!(store.create_export(&export("EXPORT000003", 1, 30)).await, Err(StoreError::Conflict(_))),
        "one digest, one export"
    );
    assert_eq!(store.export_by_id("EXPORT000001").await.expect("by id"), Some(export("EXPORT000001", 1, 10)));
    assert_eq!(store.export_by_digest(&[2; 32]).await.expect("by digest").map(|e| e.id), Some("EXPORT000002".into()));
    assert_eq!(store.export_by_id("NOSUCHEXPORT").await.expect("by id"), None);
    let listed: Vec<String> =
        store.exports_of(&UserId::from("ana")).await.expect("list").into_iter().map(|e| e.id).collect();
    assert_eq!(listed, ["EXPORT000002", "EXPORT000001"]);
    assert!(!store.withdraw_export(&UserId::from("mal"), "EXPORT000001", 40).await.expect("not hers"));
    assert!(store.withdraw_export(&UserId::from("ana"), "EXPORT000001", 40).await.expect("withdraw"));
    assert!(!store.withdraw_export(&UserId::from("ana"), "EXPORT000001", 41).await.expect("again"), "once");
    let withdrawn = store.export_by_id("EXPORT000001").await.expect("by id").expect("kept");
    assert_eq!(withdrawn.withdrawn_at_ms, Some(40), "kept, marked withdrawn");
}

/// One `#[tokio::test]` per conformance test, each run by `$runner` (a `with_…` function of
/// [`crate::testing`]) on a fresh store of its backend. Expand it once per backend, in a module
/// of its own.
#[macro_export]
macro_rules! conformance_suite {
    ($runner:path) => {
        $crate::conformance_suite!(@tests $runner;
            users_are_unique_by_email,
            devices_register_revoke_and_bind_actors,
            login_attempts_are_reserved_up_to_the_limit_and_released,
            commits_compare_versions_and_write_everything_or_nothing,
            pulls_follow_the_cursor_and_participation,
            providers_attended_are_kept_as_sessions_are_written,
            the_directory_epoch_rises_with_names_keys_profiles_and_connections,
            commits_are_announced_to_their_participants,
            documents_and_participants_are_read_many_at_a_time,
            evaluation_inputs_are_kept_until_her_sessions_change,
            concurrent_commits_get_distinct_sequences,
            racing_commits_add_each_participant_once,
            connection_codes_connect_people_once_and_list_them_by_name,
            connections_end_and_are_made_again_with_their_source,
            connection_requests_wait_for_the_provider,
            groups_and_acquaintances_decide_who_sees_whom,
            password_resets_work_once_and_sign_every_device_out,
            exports_are_kept_found_and_withdrawn_by_their_applicant,
        );
    };
    (@tests $runner:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $runner(|store, _url| $crate::conformance::$name(store)).await;
            }
        )*
    };
}
