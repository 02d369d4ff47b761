//! The conformance tests of the commit of session documents, the pull, and the notices of commits: one generic function each, run on every backend.

use super::*;

/// The store: commits compare versions; a document that lost is named and nothing of it is
/// written, while the others in its batch are.
pub async fn commits_compare_versions_and_write_only_the_winners<S: Store>(store: S) {
    assert!(
        store
            .commit_documents(&[commit("s1", None, &["c1", "c2"], &[], &["ana", "pat"])])
            .await
            .expect("new")
            .all_written()
    );
    assert!(
        !store.commit_documents(&[commit("s1", None, &["c9"], &[], &["ana"])]).await.expect("exists").all_written(),
        "a second create loses"
    );
    let stored = store.document(&DocId::from("s1")).await.expect("read").expect("stored");
    assert_eq!(stored.version, 1);
    assert_eq!(stored.bytes, b"c1c2", "the document is its changes, one after another");
    assert!(
        !store
            .commit_documents(&[commit("s1", Some(7), &["c3"], &["ana", "pat"], &["ana"])])
            .await
            .expect("stale")
            .all_written(),
        "stale version loses"
    );
    assert_eq!(store.participants(&DocId::from("s1")).await.expect("participants"), vec!["ana", "pat"]);
    let mut update = commit("s1", Some(1), &["c3"], &["ana", "pat"], &["ana", "pat"]);
    update.attestations = vec![attestation(1, "s1", true), attestation(2, "s1", false)];
    update.session.minutes = 45;
    assert!(store.commit_documents(&[update]).await.expect("update").all_written());
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
    assert!(store.commit_documents(&[again]).await.expect("update").all_written());
    let ledger = store.attestations(&DocId::from("s1")).await.expect("ledger");
    assert_eq!(ledger.len(), 2);
    assert!(ledger[0].valid && ledger[0].first_seen_at_ms == 7, "never overwritten");

    // A new document and an update in one transaction: only the update's attendance is
    // replaced, and each session keeps exactly its own.
    let mut update = commit("s1", Some(3), &["c5"], &["ana", "pat"], &["ana", "pat"]);
    update.attendance[0].minutes_attended = 30;
    let together = [commit("s2", None, &["d1"], &[], &["ana", "pat"]), update];
    assert!(store.commit_documents(&together).await.expect("together").all_written());
    let s1 = store.attendance_rows(&DocId::from("s1")).await.expect("rows");
    assert_eq!(s1.iter().map(|a| a.minutes_attended).collect::<Vec<_>>(), [30], "the update's attendance replaced");
    assert_eq!(store.attendance_rows(&DocId::from("s2")).await.expect("rows").len(), 1);

    // A stale version and a document given twice lose, by their positions; the rest is written.
    let mut stale = commit("s1", Some(1), &["x1"], &["ana", "pat"], &["ana", "pat"]);
    stale.session.minutes = 5;
    let batch = [commit("s3", None, &["e1"], &[], &["ana", "pat"]), stale, commit("s3", None, &["e2"], &[], &["ana"])];
    let committed = store.commit_documents(&batch).await.expect("batch");
    assert_eq!(committed.lost, [1, 2]);
    let s3 = store.document(&DocId::from("s3")).await.expect("read").expect("written");
    assert_eq!((s3.version, s3.bytes.as_slice()), (1, b"e1".as_slice()), "the first of the two is written");
    let s1 = store.document(&DocId::from("s1")).await.expect("read").expect("stored");
    assert_eq!((s1.version, s1.bytes.as_slice()), (4, b"c1c2c3c4c5".as_slice()), "nothing of the stale one");
    assert_eq!(store.session_row(&DocId::from("s1")).await.expect("row").expect("projected").minutes, 60);
    assert_eq!(store.participants(&DocId::from("s3")).await.expect("participants"), vec!["ana", "pat"]);
    let everyone_lost = store.commit_documents(&[commit("s3", None, &["e3"], &[], &["ana"])]).await.expect("lost");
    assert_eq!(everyone_lost.lost, [0]);
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
            .all_written()
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
        assert!(task.await.expect("task").all_written());
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
                tokio::spawn(async move { store.commit_documents(&[commit]).await.expect("commit").all_written() })
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

/// The store: telling users reaches every listener, as from the server itself; telling nobody
/// says nothing.
pub async fn telling_users_reaches_every_listener<S: Store>(store: S) {
    let mut first = store.notices().await.expect("listen");
    let mut second = store.notices().await.expect("listen again");
    store.tell(&[]).await.expect("nobody");
    store.tell(&["ana".to_string(), "pat".to_string()]).await.expect("tell");
    let expected =
        Notice::Changed { device_id: crate::notices::SERVER.to_string(), users: vec!["ana".into(), "pat".into()] };
    for listener in [&mut first, &mut second] {
        let heard = tokio::time::timeout(std::time::Duration::from_secs(10), listener.next()).await;
        assert_eq!(heard.expect("heard in time").as_deref(), Some(&expected), "the first notice is the telling");
    }
}
