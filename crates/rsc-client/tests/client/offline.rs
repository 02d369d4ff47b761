//! Offline operations: logging, editing, withdrawing, filtering, and the errors that name the
//! field at fault. The server is only needed to sign up.

use rsc_client::{AttendanceStatus, ClientError, Logbook, SessionEdit, SessionFilter, SessionFormat};

use crate::support::{TestServer, connect, date, id, minutes, person, session};

#[test]
fn logs_edits_withdraws_and_filters_offline_and_keeps_it_all_on_reopen() {
    let mut server = TestServer::start();
    let (ana, ana_account) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    let (quinn_book, quinn_account) = person(&server, "quinn");
    connect(&pat_book, &[&ana]);
    connect(&quinn_book, &[&ana]);
    let (me, pat, quinn) = (id(&ana_account), id(&pat_account), id(&quinn_account));
    server.stop(); // everything below works with the server gone

    let first = ana.log_session(session(&pat, "2025-01-10", 60, &[])).expect("log");
    assert_eq!(first.attendees.len(), 1, "logging with no attendees means the user alone");
    assert_eq!(first.attendees[0].id, me);
    assert_eq!(first.attendees[0].minutes_attended, minutes(60));
    assert_eq!(first.status, AttendanceStatus::Pending);
    assert!(first.unsynced);
    let second = ana.log_session(session(&quinn, "2025-02-10", 90, &[(&me, 90)])).expect("log");
    let third = ana.log_session(session(&pat, "2025-03-10", 45, &[(&me, 40)])).expect("log");

    let all = ana.sessions(&SessionFilter::default()).expect("list");
    assert_eq!(
        all.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        vec![first.id.clone(), second.id.clone(), third.id.clone()]
    );
    let from_feb = SessionFilter { from: Some(date("2025-02-01")), ..SessionFilter::default() };
    assert_eq!(ana.sessions(&from_feb).expect("list").len(), 2);
    let january = SessionFilter { to: Some(date("2025-01-31")), ..SessionFilter::default() };
    assert_eq!(ana.sessions(&january).expect("list")[0].id, first.id);
    let with_pat = SessionFilter { provider: Some(pat.clone()), ..SessionFilter::default() };
    assert_eq!(ana.sessions(&with_pat).expect("list").len(), 2);

    let edited = ana
        .edit_session(second.id.as_str(), SessionEdit { format: Some(SessionFormat::Phone), ..SessionEdit::default() })
        .expect("edit");
    assert_eq!(edited.format, SessionFormat::Phone);
    let withdrawn = ana.withdraw_session(third.id.as_str(), "logged twice").expect("withdraw");
    assert!(withdrawn.withdrawn);
    assert_eq!(withdrawn.status, AttendanceStatus::Withdrawn);
    let only_withdrawn = SessionFilter { status: Some(AttendanceStatus::Withdrawn), ..SessionFilter::default() };
    assert_eq!(ana.sessions(&only_withdrawn).expect("list").len(), 1);
    let pending = SessionFilter { status: Some(AttendanceStatus::Pending), ..SessionFilter::default() };
    assert_eq!(ana.sessions(&pending).expect("list").len(), 2);

    let status = ana.status().expect("status");
    assert_eq!(status.sessions, 3);
    assert!(status.pending_changes >= 5, "every change waits for the server: {status:?}");
    let dir = ana.dir().to_path_buf();
    drop(ana);
    let reopened = Logbook::open(&dir).expect("reopen");
    assert_eq!(reopened.session(second.id.as_str()).expect("kept").format, SessionFormat::Phone);
    assert!(reopened.session(third.id.as_str()).expect("kept").withdrawn);
    assert_eq!(reopened.status().expect("status").pending_changes, status.pending_changes);
    let restored = reopened.restore_session(third.id.as_str()).expect("restore");
    assert_eq!(restored.status, AttendanceStatus::Pending);
}

#[test]
fn bad_input_names_the_field_and_changes_nothing() {
    let server = TestServer::start();
    let (ana, ana_account) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    connect(&pat_book, &[&ana]);
    let (me, pat) = (id(&ana_account), id(&pat_account));
    let logged = ana.log_session(session(&pat, "2025-01-10", 60, &[])).expect("log");
    let before = ana.status().expect("status");

    let field = |error: ClientError| match error {
        ClientError::Invalid { field, .. } => field,
        other => panic!("expected an invalid-input error, got {other:?}"),
    };
    let mut bad_time = session(&pat, "2025-01-11", 60, &[]);
    bad_time.fields.start_time = "25:00".into();
    assert_eq!(field(ana.log_session(bad_time).expect_err("bad time")), "start_time");
    let too_long =
        field(ana.log_session(session(&pat, "2025-01-11", 60, &[(&me, 90)])).expect_err("more than the session"));
    assert!(too_long.contains("minutes"), "{too_long}");
    let someone_else = rsc_client::Id::new("someone-else", "id").expect("id");
    assert_eq!(
        field(ana.log_session(session(&pat, "2025-01-11", 60, &[(&someone_else, 60)])).expect_err("not me")),
        "attendees"
    );
    assert_eq!(
        field(ana.confirm(logged.id.as_str(), me.as_str(), Some(minutes(60)), false).expect_err("not the provider")),
        "session"
    );
    assert_eq!(field(ana.withdraw_session(logged.id.as_str(), &"x".repeat(5000)).expect_err("long reason")), "reason");
    let filter = rsc_client::SessionFilter {
        from: Some(date("2025-02-01")),
        to: Some(date("2025-01-01")),
        ..Default::default()
    };
    assert_eq!(field(ana.sessions(&filter).expect_err("backwards")), "to");
    let unknown = "paused".parse::<AttendanceStatus>().expect_err("status");
    assert!(
        unknown.message().contains("`paused`") && unknown.message().contains("changed_since_confirmed"),
        "{unknown}"
    );
    assert!(matches!(ana.session("no-such-session"), Err(ClientError::NotFound(_))));
    assert!(matches!(ana.edit_session("no-such-session", SessionEdit::default()), Err(ClientError::NotFound(_))));
    assert_eq!(ana.status().expect("status"), before, "failed operations change nothing");

    assert_eq!(field(Logbook::open("").err().expect("no folder")), "dir");
    let signed_out = Logbook::open(server.temp_dir("nobody")).expect("open");
    assert!(matches!(signed_out.log_session(session(&pat, "2025-01-10", 60, &[])), Err(ClientError::Unauthorized(_))));
    assert_eq!(field(signed_out.sign_in("not a url", "a@example.org", "x", "phone").expect_err("url")), "server");
}

#[test]
fn signing_out_keeps_unsynced_sessions_unless_told_and_then_starts_afresh() {
    let server = TestServer::start();
    let (ana, ana_account) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    connect(&pat_book, &[&ana]);
    ana.log_session(session(&id(&pat_account), "2025-01-10", 60, &[])).expect("log");
    let key_before = ana.device_public_key().expect("key");
    match ana.sign_out(false) {
        Err(ClientError::Invalid { field, .. }) => assert_eq!(field, "pending"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(ana.status().expect("status").sessions, 1);
    crate::support::sync(&ana);
    ana.sign_out(false).expect("sign out after syncing");
    let status = ana.status().expect("status");
    assert_eq!((status.account, status.sessions, status.pending_changes), (None, 0, 0));
    assert_ne!(ana.device_public_key().expect("key"), key_before, "a new key for the next account");
    let again =
        ana.sign_in(&server.url(), "ana@example.org", crate::support::PASSWORD, "ana's phone").expect("sign in");
    assert_eq!(again.user_id, ana_account.user_id);
    assert_ne!(again.device_id, ana_account.device_id);
    crate::support::sync(&ana);
    assert_eq!(ana.status().expect("status").sessions, 1, "the synced session comes back");
}

#[test]
fn a_session_with_the_same_people_day_and_start_is_found_as_a_duplicate() {
    let server = TestServer::start();
    let (ana, ana_account) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    let (quinn_book, quinn_account) = person(&server, "quinn");
    connect(&pat_book, &[&ana]);
    connect(&quinn_book, &[&ana]);
    let (me, pat, quinn) = (id(&ana_account), id(&pat_account), id(&quinn_account));
    drop(server);

    let first = ana.log_session(session(&pat, "2025-01-10", 60, &[])).expect("log");
    // The same meeting, written out in full: the user alone is the same roster as no roster.
    let again = session(&pat, "2025-01-10", 45, &[(&me, 45)]);
    let found = ana.duplicates_of(&again).expect("duplicates");
    assert_eq!(found.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), vec![first.id.clone()]);
    // Another day, another start, another provider or another roster is another session.
    let mut later = session(&pat, "2025-01-10", 60, &[]);
    later.fields.start_time = "11:00".into();
    for other in [
        session(&pat, "2025-01-11", 60, &[]),
        later,
        session(&quinn, "2025-01-10", 60, &[]),
        session(&pat, "2025-01-10", 60, &[(&me, 60), (&quinn, 60)]),
    ] {
        assert!(ana.duplicates_of(&other).expect("duplicates").is_empty(), "{:?}", other.fields);
    }
    // A withdrawn session is not repeated by logging it again.
    ana.withdraw_session(first.id.as_str(), "wrong day").expect("withdraw");
    assert!(ana.duplicates_of(&again).expect("duplicates").is_empty());
}
