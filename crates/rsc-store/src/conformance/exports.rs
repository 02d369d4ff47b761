//! The conformance tests of kept exports and the server's signing keys: one generic function each, run on every backend.

use super::*;

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

/// The store: a new signing key retires the others at its own time; keys are listed newest
/// first, each with its secret.
pub async fn a_new_server_key_retires_the_others<S: Store>(store: S) {
    assert!(store.server_keys().await.expect("none").is_empty());
    let key = |id: &str, at: u8| ServerKeyRecord {
        id: id.into(),
        secret: vec![at; 32],
        public_key: vec![at + 1; 32],
        created_at_ms: i64::from(at),
        retired_at_ms: None,
    };
    store.add_server_key(&key("k1", 10)).await.expect("k1");
    store.add_server_key(&key("k2", 20)).await.expect("k2");
    let keys = store.server_keys().await.expect("keys");
    assert_eq!(keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(), ["k2", "k1"]);
    assert_eq!(keys[0].retired_at_ms, None, "the newest signs");
    assert_eq!(keys[1].retired_at_ms, Some(20), "the older one retired when the new one came");
    assert_eq!((keys[1].secret.clone(), keys[1].public_key.clone()), (vec![10; 32], vec![11; 32]));
}
