//! The conformance tests of accounts, devices, sign-in attempts, password resets and profiles: one generic function each, run on every backend.

use super::*;

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

/// The store: a profile is absent until written, read back as written, replaced whole, and
/// nobody else's.
pub async fn profiles_are_absent_until_written_and_replaced_whole<S: Store>(store: S) {
    store.create_user(&user("ana")).await.expect("ana");
    let ana = UserId::from("ana");
    assert_eq!(store.profile(&ana).await.expect("read"), None);
    let first = ProfileRecord {
        user_id: "ana".into(),
        masters_conferred_on: Some("2019-05-01".parse().expect("date")),
        rulebook: Some("nmaimh".into()),
        purpose: Some(rsc_model::Purpose::Application),
        share_progress: true,
        provides_rsc: true,
    };
    store.set_profile(&first).await.expect("write");
    assert_eq!(store.profile(&ana).await.expect("read").as_ref(), Some(&first));
    let second = ProfileRecord {
        masters_conferred_on: None,
        rulebook: None,
        purpose: Some(rsc_model::Purpose::Renewal),
        share_progress: false,
        provides_rsc: false,
        ..first.clone()
    };
    store.set_profile(&second).await.expect("replace");
    assert_eq!(store.profile(&ana).await.expect("read"), Some(second));
    assert_eq!(store.profile(&UserId::from("ben")).await.expect("read"), None, "nobody else's");
}

/// The store: the keys of many people's unrevoked devices are read at once, by person; a
/// revoked device's key and an unknown person are simply absent.
pub async fn active_keys_are_read_for_many_people_at_a_time<S: Store>(store: S) {
    for id in ["ana", "pat", "quinn"] {
        store.create_user(&user(id)).await.expect("user");
    }
    store.create_device(&device("d1", "pat", 1), b"token-1").await.expect("pat's phone");
    store.create_device(&device("d2", "pat", 2), b"token-2").await.expect("pat's laptop");
    store.create_device(&device("d3", "quinn", 3), b"token-3").await.expect("quinn's phone");
    store.create_device(&device("d4", "ana", 4), b"token-4").await.expect("ana's phone");
    assert!(store.revoke_device(&UserId::from("pat"), &DeviceId::from("d2"), 50).await.expect("revoke"));
    let asked = [UserId::from("quinn"), UserId::from("pat"), UserId::from("nobody")];
    let keys = store.active_keys_of(&asked).await.expect("keys");
    assert_eq!(keys, [("pat".to_string(), vec![1u8; 32]), ("quinn".to_string(), vec![3u8; 32])]);
    for person in ["pat", "quinn"] {
        let one = store.active_keys(&UserId::from(person)).await.expect("one person's");
        let many: Vec<_> = keys.iter().filter(|(p, _)| p == person).map(|(_, k)| k.clone()).collect();
        assert_eq!(one, many, "{person}: the same keys either way");
    }
    assert!(store.active_keys_of(&[]).await.expect("nobody").is_empty());
}

/// The store: closing an account erases its email and password, signs its devices out and ends
/// its connections, once; what others' records rest on stays (its session is still everyone's);
/// the closed accounts are told apart by id, with when.
pub async fn a_closed_account_keeps_what_others_rest_on<S: Store>(store: S) {
    for id in ["ana", "pat", "ben"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let (ana, pat, ben) = (UserId::from("ana"), UserId::from("pat"), UserId::from("ben"));
    store.create_device(&device("d1", "ana", 1), b"token-1").await.expect("device");
    assert!(store.connect(&pat, &ana, None, 10).await.expect("connect"));
    store.commit_documents(&[commit("s1", None, &["c1"], &[], &["ana", "pat"])]).await.expect("a session");
    let ids = |rows: Vec<SessionRow>| rows.into_iter().map(|s| s.id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(store.sessions_of(&ana).await.expect("ana's")), ["s1"]);
    assert_eq!(ids(store.sessions_of(&pat).await.expect("pat's")), ["s1"], "as its provider");
    assert!(store.sessions_of(&ben).await.expect("ben's").is_empty());

    assert!(store.close_account(&ana, "closed:ana", 50).await.expect("close"));
    assert!(!store.close_account(&ana, "closed:ana", 51).await.expect("again"), "closed once");
    let closed = store.user_by_id(&ana).await.expect("read").expect("kept");
    assert_eq!(
        (closed.email.as_str(), closed.password_hash.as_str(), closed.display_name.as_str()),
        ("closed:ana", "", "ana")
    );
    assert_eq!(store.user_by_email("ana@example.org").await.expect("read"), None, "no sign-in by the old email");
    assert!(store.active_keys(&ana).await.expect("keys").is_empty(), "every device signed out");
    assert_eq!(store.closed_among(&[ana.clone(), pat.clone()]).await.expect("closed"), [(ana.clone(), 50)]);
    let connection = store.connections_of(&pat).await.expect("pat's").pop().expect("kept, ended");
    assert_eq!((connection.ended_at_ms, connection.ended_by), (Some(50), Some(rsc_model::ConnectionRole::Supervisee)));
    assert_eq!(ids(store.sessions_of(&pat).await.expect("pat's")), ["s1"], "her session stays");
}
