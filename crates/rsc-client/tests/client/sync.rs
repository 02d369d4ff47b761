//! Sync between devices through a real server: a group session confirmed with different
//! minutes per attendee and counted offline, two devices of one user converging, a sync that
//! survives a server restart, refusals reported per document, and a device that watches.

use std::sync::mpsc;
use std::time::Duration;

use rsc_client::{
    AttendanceStatus, CancelFlag, Purpose, SessionEdit, SessionFilter, SessionFormat, SyncOptions, WatchEvent,
};

use crate::support::{TestServer, date, id, minutes, person, second_device, session, sync};

fn counted(evaluation: &rsc_client::Evaluation) -> u64 {
    evaluation.requirements[0].counted_minutes_as_of
}

#[test]
fn a_group_session_is_confirmed_per_attendee_and_counted_offline_until_edited() {
    let mut server = TestServer::start();
    let (ana, ana_account) = person(&server, "ana");
    let (ben, ben_account) = person(&server, "ben");
    let (pat, pat_account) = person(&server, "pat");
    let (a, b, p) = (id(&ana_account), id(&ben_account), id(&pat_account));
    crate::support::connect(&pat, &[&ana, &ben]);
    server.endorse(&pat, "NM-1001", "pat@example.org");

    let group = ana.log_session(session(&p, "2025-03-04", 120, &[(&a, 120), (&b, 120)])).expect("log");
    ana.log_session(session(&p, "2025-03-11", 60, &[])).expect("log");
    let report = sync(&ana);
    assert_eq!(report.pushed_changes, 2);
    assert!(report.refusals.is_empty());
    sync(&pat);
    sync(&ben);
    assert_eq!(ben.session(group.id.as_str()).expect("ben has it").attendees.len(), 2);

    let awaiting = pat.awaiting_confirmation().expect("awaiting");
    let mut who: Vec<_> = awaiting.iter().map(|w| (w.session.id.to_string(), w.attendee.to_string())).collect();
    who.sort();
    assert_eq!(awaiting.len(), 3, "{who:?}");
    pat.confirm(group.id.as_str(), a.as_str(), Some(minutes(120)), false).expect("confirm ana");
    let confirmed = pat.confirm(group.id.as_str(), b.as_str(), Some(minutes(75)), false).expect("confirm ben");
    assert_eq!(confirmed.attendee(&b).expect("ben").confirmed_minutes, Some(minutes(75)));
    assert_eq!(pat.awaiting_confirmation().expect("awaiting").len(), 1);
    sync(&pat);
    sync(&ana);
    sync(&ben);

    let mine = ana.session(group.id.as_str()).expect("group");
    assert_eq!(mine.status, AttendanceStatus::Confirmed);
    assert_eq!(mine.provider_name.as_deref(), Some("pat"));
    let confirmed_only = SessionFilter { status: Some(AttendanceStatus::Confirmed), ..SessionFilter::default() };
    assert_eq!(ana.sessions(&confirmed_only).expect("list").len(), 1);
    let as_of = Some(date("2025-06-01"));
    assert_eq!(counted(&ana.evaluate("nmaimh", Purpose::Application, as_of).expect("evaluate")), 120);
    assert_eq!(counted(&ben.evaluate("nmaimh", Purpose::Application, as_of).expect("evaluate")), 75);

    // An edit after confirmation uncounts the session until the provider confirms again.
    ana.edit_session(group.id.as_str(), SessionEdit { format: Some(SessionFormat::Phone), ..SessionEdit::default() })
        .expect("edit");
    assert_eq!(ana.session(group.id.as_str()).expect("group").status, AttendanceStatus::ChangedSinceConfirmed);
    assert_eq!(counted(&ana.evaluate("nmaimh", Purpose::Application, as_of).expect("evaluate")), 0);
    sync(&ana);
    sync(&pat);
    let again: Vec<_> = pat.awaiting_confirmation().expect("awaiting");
    assert!(again.iter().any(|w| w.attendee == a && w.status == AttendanceStatus::ChangedSinceConfirmed));
    pat.confirm(group.id.as_str(), a.as_str(), Some(minutes(110)), false).expect("confirm again");
    sync(&pat);
    sync(&ana);
    assert_eq!(counted(&ana.evaluate("nmaimh", Purpose::Application, as_of).expect("evaluate")), 110);
    // The server's verified hours agree with the device's.
    let export = ana.export("json", Some("nmaimh"), Some(Purpose::Application), as_of).expect("export");
    let export: serde_json::Value = serde_json::from_slice(&export).expect("json");
    assert_eq!(export["payload"]["evaluation"]["requirements"][0]["counted_minutes_as_of"], 110, "{export}");
}

#[test]
fn two_devices_of_one_user_edit_offline_and_converge() {
    let server = TestServer::start();
    let (phone, ana_account) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    crate::support::connect(&pat_book, &[&phone]);
    let tablet = second_device(&server, "ana");
    let logged = phone.log_session(session(&id(&pat_account), "2025-03-04", 60, &[])).expect("log");
    sync(&phone);
    sync(&tablet);
    assert_eq!(tablet.session(logged.id.as_str()).expect("on the tablet").minutes, minutes(60));

    phone
        .edit_session(logged.id.as_str(), SessionEdit { start_time: Some("14:00".into()), ..SessionEdit::default() })
        .expect("phone edit");
    tablet
        .edit_session(
            logged.id.as_str(),
            SessionEdit { format: Some(SessionFormat::InPerson), ..SessionEdit::default() },
        )
        .expect("tablet edit");
    tablet.set_attendance(logged.id.as_str(), &ana_account.user_id, Some(minutes(50)), None).expect("tablet edit");
    sync(&phone);
    sync(&tablet);
    sync(&phone);

    let (on_phone, on_tablet) =
        (phone.session(logged.id.as_str()).expect("phone"), tablet.session(logged.id.as_str()).expect("tablet"));
    assert_eq!(on_phone, on_tablet);
    assert_eq!(on_phone.start_time, "14:00");
    assert_eq!(on_phone.format, SessionFormat::InPerson);
    assert_eq!(on_phone.attendees[0].minutes_attended, minutes(50));
    assert!(!on_phone.unsynced && !on_tablet.unsynced);
    assert_eq!(phone.status().expect("status").pending_changes, 0);
}

#[test]
fn a_sync_survives_a_server_restart_with_nothing_lost_or_duplicated() {
    let mut server = TestServer::start();
    let (ana, _) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    crate::support::connect(&pat_book, &[&ana]);
    let pat = id(&pat_account);
    let mut logged = Vec::new();
    for day in 0..300 {
        let view = ana
            .log_session(session(&pat, &format!("2025-{:02}-{:02}", 1 + day / 28, 1 + day % 28), 60, &[]))
            .expect("log");
        logged.push(view.id.to_string());
    }
    let options = SyncOptions {
        max_docs_per_request: 20,
        first_retry_delay: Duration::from_millis(100),
        max_attempts: 20,
        ..SyncOptions::default()
    };
    let (tx, rx) = mpsc::channel();
    let report = std::thread::scope(|scope| {
        let syncing = scope.spawn(|| ana.sync(&options, &move |p| drop(tx.send(p.clone()))));
        // Stop the server after a few round trips, and start it again a moment later.
        let mut seen = rx.recv().expect("progress");
        while seen.round_trips < 3 {
            seen = rx.recv().expect("progress");
        }
        server.stop();
        std::thread::sleep(Duration::from_millis(600));
        server.restart();
        let retried = rx.iter().any(|p| p.retrying_in_ms.is_some());
        let report = syncing.join().expect("sync thread").expect("sync");
        assert!(retried, "the sync retried while the server was down");
        report
    });
    assert!(report.retries >= 1, "{report:?}");
    assert_eq!(report.pushed_changes, 300);
    assert_eq!(ana.status().expect("status").pending_changes, 0);

    // A new device receives them in pages of 25 changes.
    let tablet = second_device(&server, "ana");
    let paged = SyncOptions { page_changes: Some(25), ..SyncOptions::default() };
    let pulled = tablet.sync(&paged, &|_| {}).expect("paged sync");
    assert!(pulled.round_trips >= 12, "300 changes in pages of 25: {} round trips", pulled.round_trips);
    let mut ids: Vec<String> =
        tablet.sessions(&SessionFilter::default()).expect("list").iter().map(|s| s.id.to_string()).collect();
    ids.sort();
    logged.sort();
    assert_eq!(ids, logged, "every session arrived once");
    assert_eq!(pulled.pulled_changes, 300, "one change per session: nothing duplicated");
}

#[test]
fn a_refused_push_is_reported_and_set_aside_while_the_rest_syncs() {
    let server = TestServer::start();
    let (ana, ana_account) = person(&server, "ana");
    let (ben, ben_account) = person(&server, "ben");
    let (pat, pat_account) = person(&server, "pat");
    let (a, b, p) = (id(&ana_account), id(&ben_account), id(&pat_account));
    crate::support::connect(&pat, &[&ana, &ben]);
    let group = ana.log_session(session(&p, "2025-03-04", 60, &[(&a, 60), (&b, 60)])).expect("log");
    sync(&ana);
    sync(&ben);
    // Ana removes Ben; Ben, offline, edits the session in the meantime and logs another.
    ana.remove_attendee(group.id.as_str(), b.as_str()).expect("remove");
    sync(&ana);
    let other = ben.log_session(session(&p, "2025-03-05", 60, &[])).expect("log");
    let bens_edit = ben.set_attendance(group.id.as_str(), b.as_str(), Some(minutes(45)), None);
    let report = sync(&ben);
    match bens_edit {
        Ok(_) => {
            assert_eq!(report.refusals.len(), 1, "{report:?}");
            assert_eq!(report.refusals[0].doc, group.id.as_str());
            assert_eq!(report.refusals[0].code, "not_allowed", "{report:?}");
            assert!(ben.status().expect("status").refused_changes >= 1);
        }
        Err(error) => panic!("ben could not edit his copy: {error}"),
    }
    assert_eq!(ben.status().expect("status").pending_changes, 0);
    // Ben's copy went back to the server's: he is no longer listed, and nothing is wedged.
    sync(&ana);
    let seen_by_ben = ben.session(group.id.as_str()).expect("ben keeps the session he took part in");
    assert!(seen_by_ben.attendees.iter().all(|x| x.id != b), "{seen_by_ben:?}");
    ana.edit_session(group.id.as_str(), SessionEdit { start_time: Some("11:00".into()), ..SessionEdit::default() })
        .expect("ana edits");
    sync(&ana);
    let report = sync(&ben);
    assert!(report.refusals.is_empty(), "{report:?}");
    assert_eq!(ben.session(group.id.as_str()).expect("session").start_time, "11:00");
    sync(&pat);
    assert!(pat.session(other.id.as_str()).is_ok(), "the rest of ben's logbook synced");
}

#[test]
fn a_sync_waiting_on_an_unreachable_server_stops_when_cancelled_and_keeps_everything() {
    let mut server = TestServer::start();
    let (ana, _) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    crate::support::connect(&pat_book, &[&ana]);
    let logged = ana.log_session(session(&id(&pat_account), "2025-03-04", 60, &[])).expect("log");
    server.stop();
    let cancel = rsc_client::CancelFlag::new();
    let options = rsc_client::SyncOptions {
        max_attempts: 1000,
        first_retry_delay: std::time::Duration::from_secs(5),
        cancel: Some(cancel.clone()),
        ..rsc_client::SyncOptions::default()
    };
    let started = std::time::Instant::now();
    let outcome = std::thread::scope(|scope| {
        let syncing = scope.spawn(|| ana.sync(&options, &|_| {}));
        std::thread::sleep(std::time::Duration::from_millis(300));
        cancel.cancel();
        syncing.join().expect("sync thread")
    });
    assert!(matches!(outcome, Err(rsc_client::ClientError::Cancelled)), "{outcome:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "stopped waiting at once: {:?}", started.elapsed());
    assert!(ana.session(logged.id.as_str()).expect("kept").unsynced, "the session waits for the next sync");
    server.restart();
    let report = sync(&ana);
    assert_eq!(report.pushed_changes, 1);
}

#[test]
fn a_watching_device_syncs_when_told_and_comes_back_after_the_server_restarts() {
    let mut server = TestServer::start();
    let (ana, _) = person(&server, "ana");
    let (pat, pat_account) = person(&server, "pat");
    crate::support::connect(&pat, &[&ana]);
    let p = id(&pat_account);
    let options = SyncOptions { first_retry_delay: Duration::from_millis(100), ..SyncOptions::default() };
    let cancel = CancelFlag::new();
    let (tx, rx) = mpsc::channel();
    let next = || rx.recv_timeout(Duration::from_secs(20)).expect("the watch reports in time");
    std::thread::scope(|scope| {
        let watching = scope.spawn(|| pat.watch(&options, &cancel, &mut |event| drop(tx.send(event))));
        assert!(matches!(next(), WatchEvent::Synced(_)), "it syncs on connecting");
        let first = ana.log_session(session(&p, "2025-03-04", 60, &[])).expect("log");
        sync(&ana);
        let WatchEvent::Synced(report) = next() else { panic!("a sync after Ana's push") };
        assert_eq!(report.updated_sessions, vec![first.id.clone()]);
        assert_eq!(pat.awaiting_confirmation().expect("awaiting").len(), 1, "it is on Pat's device now");

        server.stop();
        assert!(matches!(next(), WatchEvent::Disconnected { .. }), "the lost stream is reported");
        server.restart();
        let second = ana.log_session(session(&p, "2025-03-11", 60, &[])).expect("log");
        sync(&ana);
        // Reconnecting syncs, and so does the notice of Ana's push: either brings the session.
        let mut arrived = false;
        while !arrived {
            if let WatchEvent::Synced(report) = next() {
                arrived = report.updated_sessions.contains(&second.id);
            }
        }
        assert_eq!(pat.awaiting_confirmation().expect("awaiting").len(), 2);
        cancel.cancel();
        watching.join().expect("watch thread").expect("a cancelled watch ends without error");
    });
}

#[test]
fn a_sync_with_nothing_to_do_writes_nothing_but_still_says_when_it_ran() {
    let server = TestServer::start();
    let (ana, _) = person(&server, "ana");
    sync(&ana);
    let first = ana.status().expect("status").last_sync_ms.expect("synced once");
    let store = ana.dir().join(rsc_client::STORE_FILE);
    let wal = std::path::PathBuf::from(format!("{}-wal", store.display()));
    assert!(wal.exists(), "the store keeps a write-ahead log");
    let touched = |path: &std::path::Path| {
        let meta = std::fs::metadata(path).expect("file");
        (meta.len(), meta.modified().expect("mtime"))
    };
    let before = (touched(&store), touched(&wal));
    std::thread::sleep(Duration::from_millis(5));
    let report = sync(&ana);
    assert_eq!((report.pushed_changes, report.pulled_changes), (0, 0));
    assert_eq!((touched(&store), touched(&wal)), before, "nothing was written");
    let second = ana.status().expect("status").last_sync_ms.expect("synced");
    assert!(second > first, "{second} after {first}");
    let dir = ana.dir().to_path_buf();
    drop(ana);
    let reopened = rsc_client::Logbook::open(&dir).expect("reopen");
    assert_eq!(reopened.status().expect("status").last_sync_ms, Some(first), "the stored time survives");
}

#[test]
fn a_sync_is_one_request_and_brings_the_profile_and_names_when_they_changed() {
    let server = TestServer::start();
    let (ana, _) = person(&server, "ana");
    let (pat, _) = person(&server, "pat");
    crate::support::connect(&pat, &[&ana]);
    sync(&ana);
    assert_eq!(sync(&ana).round_trips, 1, "nothing to do: the sync request alone");

    // Pat renames herself on her phone; Ana's next sync, still one request, names her so.
    let renamed = rsc_client::Profile { display_name: "Patricia Núñez".into(), ..pat.profile().expect("profile") };
    pat.set_profile(renamed).expect("rename");
    assert_eq!(sync(&pat).round_trips, 2, "an edited profile is sent first");
    assert_eq!(sync(&pat).round_trips, 1);
    let report = sync(&ana);
    assert_eq!(report.round_trips, 1);
    let names: Vec<String> = ana.people().expect("people").into_iter().map(|p| p.name).collect();
    assert!(names.contains(&"Patricia Núñez".to_string()), "{names:?}");

    // Ana's tablet sets her rulebook; her phone has it after one request.
    let tablet = second_device(&server, "ana");
    let profile =
        rsc_client::Profile { rulebook: Some("orimha".into()), ..tablet.profile().expect("tablet's profile") };
    tablet.set_profile(profile).expect("edit");
    sync(&tablet);
    assert_eq!(sync(&ana).round_trips, 1);
    assert_eq!(ana.profile().expect("profile").rulebook.as_deref(), Some("orimha"));

    // An edit made on the phone is not overwritten by what the server holds: it goes first.
    let profile = rsc_client::Profile { rulebook: Some("ct-aimh".into()), ..ana.profile().expect("profile") };
    ana.set_profile(profile).expect("edit");
    sync(&ana);
    assert_eq!(ana.profile().expect("profile").rulebook.as_deref(), Some("ct-aimh"));
    assert!(!ana.profile().expect("profile").unsynced);
    sync(&tablet);
    assert_eq!(tablet.profile().expect("profile").rulebook.as_deref(), Some("ct-aimh"));
}

#[test]
fn a_page_of_many_sessions_and_edits_interleaved_arrives_whole_on_a_new_device() {
    let server = TestServer::start();
    let (ana, _) = person(&server, "ana");
    let (pat, pat_account) = person(&server, "pat");
    crate::support::connect(&pat, &[&ana]);
    let p = id(&pat_account);
    // Enough sessions to be received on several threads, each edited in turn after all were
    // synced once, so that a page holds each document's changes twice, interleaved.
    let logged: Vec<_> = (0..60u32)
        .map(|n| ana.log_session(session(&p, &format!("2025-05-{:02}", 1 + n % 28), 30 + n as i64, &[])))
        .map(|logged| logged.expect("log").id)
        .collect();
    sync(&ana);
    for (n, id) in logged.iter().enumerate() {
        let edit = SessionEdit { start_time: Some(format!("11:{:02}", n % 60)), ..SessionEdit::default() };
        ana.edit_session(id.as_str(), edit).expect("edit");
    }
    sync(&ana);
    let tablet = second_device(&server, "ana");
    let report = sync(&tablet);
    assert_eq!(report.pulled_changes, 120);
    assert_eq!(report.updated_sessions.len(), 60, "each session once");
    for (n, id) in logged.iter().enumerate() {
        let view = tablet.session(id.as_str()).expect("on the tablet");
        assert_eq!(
            (view.start_time.as_str(), view.minutes.get()),
            (format!("11:{:02}", n % 60).as_str(), 30 + n as u16)
        );
        assert_eq!(view.provider_name.as_deref(), Some("pat"), "named, not an id");
    }
    // And it keeps editing them as any device does.
    tablet
        .edit_session(logged[7].as_str(), SessionEdit { start_time: Some("08:15".into()), ..SessionEdit::default() })
        .expect("edit");
    assert_eq!(sync(&tablet).pushed_changes, 1);
    sync(&ana);
    assert_eq!(ana.session(logged[7].as_str()).expect("session").start_time, "08:15");
}
