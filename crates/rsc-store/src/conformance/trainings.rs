//! The conformance tests of trainings and certificates: one generic function each, run on every
//! backend.

use super::*;
use crate::{CertificateStored, DocKind, TrainingCommit, TrainingRow};

fn training(doc: &str, owner: &str, expected: Option<i64>, changes: &[&str]) -> TrainingCommit {
    TrainingCommit {
        doc_id: doc.into(),
        expected_version: expected,
        new_changes: changes
            .iter()
            .map(|c| NewChange { actor_id: vec![2; 16], bytes: c.as_bytes().to_vec() })
            .collect(),
        device_id: "d2".into(),
        expanded_bytes: 10,
        training: TrainingRow {
            id: doc.into(),
            owner_id: owner.into(),
            title: "Reflective supervision, level 2".into(),
            organiser: "CT-AIMH".into(),
            date: "2026-03-14".parse().expect("date"),
            minutes: 180,
            topic: rsc_model::TrainingTopic::Rsc,
            certificate: None,
            withdrawn: false,
        },
    }
}

/// The store: a training is written like a session (versions compared, changes kept in order,
/// its owner its one participant) with its projection, read back by owner, and pulled marked as
/// a training, to its owner only.
pub async fn trainings_are_their_owners_documents_and_pulled_as_trainings<S: Store>(store: S) {
    for id in ["ana", "pat"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let (ana, pat) = (UserId::from("ana"), UserId::from("pat"));
    store.commit_documents(&[commit("s1", None, &["c1"], &[], &["ana", "pat"])]).await.expect("a session");
    assert!(store.commit_trainings(&[training("t1", "ana", None, &["t1a"])]).await.expect("new").all_written());
    assert!(
        !store.commit_trainings(&[training("t1", "ana", None, &["t9"])]).await.expect("again").all_written(),
        "a second create loses"
    );
    assert!(
        !store.commit_trainings(&[training("t1", "ana", Some(5), &["t9"])]).await.expect("stale").all_written(),
        "a stale version loses"
    );
    let mut edit = training("t1", "ana", Some(1), &["t1b"]);
    edit.training.minutes = 90;
    edit.training.certificate = Some("ab".repeat(32));
    let second = training("t2", "ana", None, &["t2a"]);
    assert!(store.commit_trainings(&[edit, second]).await.expect("edit").all_written());
    let stored = store.document(&DocId::from("t1")).await.expect("read").expect("kept");
    assert_eq!((stored.bytes.as_slice(), stored.version, stored.kind), (b"t1at1b".as_slice(), 2, DocKind::Training));
    assert_eq!(store.document(&DocId::from("s1")).await.expect("read").expect("kept").kind, DocKind::Session);
    assert_eq!(store.participants(&DocId::from("t1")).await.expect("participants"), ["ana"]);
    let rows = store.trainings_of(&ana).await.expect("ana's");
    assert_eq!(rows.iter().map(|t| (t.id.as_str(), t.minutes)).collect::<Vec<_>>(), [("t1", 90), ("t2", 180)]);
    assert_eq!(rows[0].certificate.as_deref(), Some("ab".repeat(32).as_str()));
    assert!(store.trainings_of(&pat).await.expect("pat's").is_empty());
    assert!(store.sessions_of(&ana).await.expect("sessions").iter().all(|s| s.id.as_str() == "s1"), "not a session");

    let page = store.pull(&ana, &[9; 16], (0, 0), 100).await.expect("ana pulls");
    let seen: Vec<(&str, DocKind)> = page.changes.iter().map(|c| (c.doc_id.as_str(), c.kind)).collect();
    assert_eq!(
        seen,
        [("s1", DocKind::Session), ("t1", DocKind::Training), ("t1", DocKind::Training), ("t2", DocKind::Training)]
    );
    let page = store.pull(&pat, &[9; 16], (0, 0), 100).await.expect("pat pulls");
    assert!(page.changes.iter().all(|c| c.doc_id == "s1"), "nobody else receives her trainings");
    // Her own device does not get back what it wrote.
    let page = store.pull(&ana, &[2; 16], (0, 0), 100).await.expect("her device");
    assert!(page.changes.iter().all(|c| c.kind == DocKind::Session));
}

/// The store: a certificate file is kept once by its digest however many people keep it; each
/// person's certificates count against her own quota; a person reads only her own.
pub async fn certificates_are_kept_once_within_each_owners_quota<S: Store>(store: S) {
    for id in ["ana", "ben"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let (ana, ben) = (UserId::from("ana"), UserId::from("ben"));
    let put = |who: &UserId, digest: &str, bytes: &[u8], quota: i64| {
        let (who, digest, bytes) = (who.clone(), digest.to_string(), bytes.to_vec());
        let store = store.clone();
        async move { store.put_certificate(&who, &digest, "application/pdf", "cert.pdf", &bytes, quota, 7).await }
    };
    assert_eq!(put(&ana, "d1", b"%PDF-one", 20).await.expect("first"), CertificateStored::Kept);
    assert_eq!(put(&ana, "d1", b"%PDF-one", 20).await.expect("again"), CertificateStored::Kept, "kept once");
    assert_eq!(put(&ana, "d2", b"%PDF-two-longer", 20).await.expect("over"), CertificateStored::OverQuota { used: 8 });
    assert_eq!(put(&ben, "d1", b"%PDF-one", 20).await.expect("ben too"), CertificateStored::Kept);
    let mine = store.certificates_of(&ana).await.expect("ana's");
    assert_eq!(
        mine.iter().map(|c| (c.digest.as_str(), c.size_bytes, c.media_type.as_str())).collect::<Vec<_>>(),
        [("d1", 8, "application/pdf")]
    );
    let (record, bytes) = store.certificate_file(&ana, "d1").await.expect("read").expect("hers");
    assert_eq!((record.file_name.as_str(), bytes.as_slice()), ("cert.pdf", b"%PDF-one".as_slice()));
    assert_eq!(store.certificate_file(&ana, "d2").await.expect("read"), None, "refused, so not kept");
    store.create_user(&user("cy")).await.expect("user");
    assert_eq!(store.certificate_file(&UserId::from("cy"), "d1").await.expect("read"), None, "not hers");
}

/// The store: closing an account erases her trainings (projection, documents and changes) and
/// her certificates; a file someone else keeps stays for them.
pub async fn closing_an_account_erases_her_trainings_and_certificates<S: Store>(store: S) {
    for id in ["ana", "ben"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let (ana, ben) = (UserId::from("ana"), UserId::from("ben"));
    store.commit_trainings(&[training("t1", "ana", None, &["t1a"])]).await.expect("hers");
    store.commit_trainings(&[training("t2", "ben", None, &["t2a"])]).await.expect("his");
    store.put_certificate(&ana, "d1", "image/png", "a.png", b"shared", 100, 1).await.expect("shared");
    store.put_certificate(&ben, "d1", "image/png", "b.png", b"shared", 100, 1).await.expect("shared");
    store.put_certificate(&ana, "d2", "image/png", "c.png", b"hers", 100, 1).await.expect("hers");
    assert!(store.close_account(&ana, "closed:ana", 9).await.expect("close"));
    assert!(store.trainings_of(&ana).await.expect("read").is_empty());
    assert_eq!(store.document(&DocId::from("t1")).await.expect("read"), None, "her training's document is gone");
    assert!(store.certificates_of(&ana).await.expect("read").is_empty());
    assert_eq!(store.trainings_of(&ben).await.expect("his").len(), 1);
    let (_, bytes) = store.certificate_file(&ben, "d1").await.expect("read").expect("his stays");
    assert_eq!(bytes, b"shared");
    assert!(store.pull(&ana, &[9; 16], (0, 0), 100).await.expect("pull").changes.is_empty());
}
