//! The conformance tests of connection codes, connections, requests, groups and acquaintances: one generic function each, run on every backend.

use super::*;

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
    use rsc_model::{ConnectionRole, ConnectionSource};
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
