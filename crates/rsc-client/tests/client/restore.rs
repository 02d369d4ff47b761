//! A backup taken while devices sync, restored in the database's place: every change the
//! server acknowledged before the backup began is in it, and every change it acknowledged
//! after is sent again by the device that made it, which notices the restored server by its
//! new epoch. A change that builds on one the restored server lacks waits on its device
//! (never rolled back) until that one arrives.

use std::sync::atomic::{AtomicBool, Ordering};

use rsc_client::{AttendanceStatus, SessionFilter, SyncOptions};

use crate::support::{
    ServerProcess, acknowledged, connect, everything, id, minutes, person, second_device, session, sync,
};

#[test]
fn a_restored_server_gets_back_from_the_devices_everything_it_acknowledged_after_the_backup() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut server = ServerProcess::new(None);
    let (ana, ana_account) = person(&server, "ana");
    let (pat, pat_account) = person(&server, "pat");
    connect(&pat, &[&ana]);
    let (a, p) = (id(&ana_account), id(&pat_account));
    let early = ana.log_session(session(&p, "2025-02-03", 60, &[])).expect("log");
    sync(&ana);

    // The backup, while Ana logs and syncs.
    let backup = server.root().join("backup.db");
    let busy = AtomicBool::new(true);
    let before_backup = std::thread::scope(|scope| {
        let syncing = scope.spawn(|| {
            let mut day = 0;
            while busy.load(Ordering::SeqCst) {
                day += 1;
                ana.log_session(session(&p, &format!("2025-03-{:02}", 1 + day % 28), 60, &[])).expect("log");
                let _ = ana.sync(&SyncOptions { max_attempts: 1, ..SyncOptions::default() }, &|_| {});
            }
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        let acknowledged_before = acknowledged(&ana);
        let said = server.command(&["backup", backup.to_str().expect("path")]);
        assert!(said.contains("backed up"), "{said}");
        busy.store(false, Ordering::SeqCst);
        syncing.join().expect("syncing");
        acknowledged_before
    });
    sync(&ana);

    // After the backup: Ana logs a session and Pat confirms it, both acknowledged.
    let late = ana.log_session(session(&p, "2025-04-07", 90, &[])).expect("log");
    sync(&ana);
    sync(&pat);
    pat.confirm(late.id.as_str(), a.as_str(), Some(minutes(90)), false).expect("confirm");
    pat.confirm(early.id.as_str(), a.as_str(), Some(minutes(60)), false).expect("confirm");
    sync(&pat);
    assert_eq!(pat.status().expect("status").pending_changes, 0);
    let everything_of_ana = everything(&ana);

    // The server is stopped, and the backup restored in its database's place.
    server.kill();
    let said = server.command(&["restore", backup.to_str().expect("path")]);
    assert!(said.contains("restored") && said.contains("new epoch"), "{said}");
    server.start();
    assert_eq!(server.missing(&runtime, &before_backup), Vec::<String>::new(), "the backup holds what came before it");
    assert_eq!(server.missing(&runtime, &[late.id.to_string()]), vec![late.id.to_string()], "and not what came after");

    // Pat syncs first: his confirmation of Ana's late session builds on her session, which the
    // restored server lacks; it waits on his device instead of being undone.
    let report = pat.sync(&SyncOptions::default(), &|_| {}).expect("pat's sync");
    assert!(report.refusals.is_empty(), "{report:?}");
    assert!(pat.status().expect("status").pending_changes > 0, "the confirmation waits");
    let waiting = pat.session(late.id.as_str()).expect("pat keeps the session");
    assert_eq!(waiting.attendees[0].status, AttendanceStatus::Confirmed, "and his confirmation of it");

    // Ana's device notices the new epoch and sends everything again; then Pat's goes through.
    sync(&ana);
    assert_eq!(ana.status().expect("status").pending_changes, 0);
    sync(&pat);
    assert_eq!(pat.status().expect("status").pending_changes, 0);
    sync(&ana);

    let tablet = second_device(&server, "ana");
    sync(&tablet);
    assert_eq!(everything(&tablet), everything_of_ana, "every session Ana logged is on the server, once");
    let late_there = tablet.session(late.id.as_str()).expect("the late session");
    assert_eq!(late_there.status, AttendanceStatus::Confirmed, "with Pat's confirmation");
    assert_eq!(tablet.session(early.id.as_str()).expect("early").status, AttendanceStatus::Confirmed);
    let pats_tablet = second_device(&server, "pat");
    sync(&pats_tablet);
    assert_eq!(
        pats_tablet.sessions(&SessionFilter::default()).expect("pat's").len(),
        everything_of_ana.0.len(),
        "Pat's new device sees every session naming him"
    );
}

#[test]
fn restoring_a_file_that_is_not_a_backup_changes_nothing() {
    let mut server = ServerProcess::new(None);
    let (ana, _) = person(&server, "ana");
    let (pat, pat_account) = person(&server, "pat");
    connect(&pat, &[&ana]);
    let logged = ana.log_session(session(&id(&pat_account), "2025-02-03", 60, &[])).expect("log");
    sync(&ana);
    server.kill();
    let not_a_backup = server.root().join("notes.db");
    std::fs::write(&not_a_backup, b"these are my notes, not a database").expect("write");
    let refused = server.run(&["restore", not_a_backup.to_str().expect("path")]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("is not a backup of this server's database; nothing was changed"), "{said}");
    let missing = server.run(&["restore", server.root().join("nothing.db").to_str().expect("path")]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("is not a file"));
    let leftovers: Vec<String> = std::fs::read_dir(server.root())
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|name| name.contains("before-restore"))
        .collect();
    assert!(leftovers.is_empty(), "nothing was left aside: {leftovers:?}");
    // The server starts on its own database, which still holds Ana's session, and her device
    // sees no restore.
    server.start();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    assert!(server.missing(&runtime, &[logged.id.to_string()]).is_empty());
    let report = ana.sync(&SyncOptions::default(), &|_| {}).expect("sync");
    assert_eq!(report.pushed_changes, 0, "nothing sent again: the epoch is the one she knew");
}
