//! Killing the server (SIGKILL) while 30 devices sync at once, round after round, on SQLite and
//! on Postgres: after each kill the server starts again on its database, every document a
//! device holds as acknowledged is in it, and at the end each person's new device receives
//! exactly what her first one logged, each once.
//!
//! The test command runs [`DEFAULT_ROUNDS`] rounds per backend; `scripts/kill-campaign server
//! ROUNDS` runs as many as asked (`RSC_SERVER_KILL_ROUNDS`) on both.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rsc_client::{Id, Logbook, SessionFilter, SyncOptions, TrainingFields, TrainingTopic};

use crate::support::{ServerProcess, acknowledged, connect, everything, id, person, second_device, session};

/// Rounds the test command runs on each backend.
const DEFAULT_ROUNDS: usize = 3;
/// Devices syncing at once when the server is killed.
const DEVICES: usize = 30;

/// A small deterministic generator, seeded from the clock (the seed is printed on failure).
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn campaign(database: Option<String>, backend: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut server = ServerProcess::new(database);
    let (pat_book, pat_account) = person(&server, "pat");
    let pat = id(&pat_account);
    let names: Vec<String> = (0..DEVICES).map(|n| format!("supervisee{n}")).collect();
    let devices: Vec<Logbook> = names.iter().map(|name| person(&server, name).0).collect();
    connect(&pat_book, &devices.iter().collect::<Vec<_>>());

    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos() as u64;
    let mut random = Random(seed);
    let rounds: usize =
        std::env::var("RSC_SERVER_KILL_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(DEFAULT_ROUNDS);
    // One request per document and no retry: a sync is many requests, and the kill lands inside it.
    let options = SyncOptions { max_docs_per_request: 1, max_attempts: 1, ..SyncOptions::default() };
    let (mut interrupted, mut finished, mut checked) = (0usize, 0usize, 0usize);
    for round in 0..rounds {
        for (n, device) in devices.iter().enumerate() {
            for k in 0..2 {
                let day = format!("2025-{:02}-{:02}", 1 + round % 12, 1 + (n + k) % 28);
                device.log_session(session(&pat, &day, 60, &[])).expect("log");
            }
            if (round + n) % 2 == 0 {
                let fields = TrainingFields {
                    title: format!("Training of round {round}"),
                    organiser: String::new(),
                    date: "2025-02-01".parse().expect("date"),
                    minutes: 90,
                    topic: TrainingTopic::Rsc,
                    certificate: None,
                };
                device.add_training(fields).expect("training");
            }
        }
        // The kill lands after a random number of the round's documents were stored (none, at
        // times), while the other devices' requests are in flight.
        let mut to_push = 0u64;
        for device in &devices {
            to_push += device.status().expect("status").pending_changes;
        }
        let kill_after = random.below(to_push);
        let stored = AtomicU64::new(0);
        let outcomes = std::thread::scope(|scope| {
            let syncing: Vec<_> = devices
                .iter()
                .map(|device| {
                    let (stored, options) = (&stored, &options);
                    scope.spawn(move || {
                        let seen = std::cell::Cell::new(0);
                        let progress = |p: &rsc_client::SyncProgress| {
                            let before = seen.replace(p.pushed_changes);
                            stored.fetch_add(p.pushed_changes.saturating_sub(before), Ordering::SeqCst);
                        };
                        device.sync(options, &progress).is_ok()
                    })
                })
                .collect();
            let waiting = std::time::Instant::now();
            while stored.load(Ordering::SeqCst) < kill_after && waiting.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(1));
            }
            server.kill();
            syncing.into_iter().map(|s| s.join().expect("sync thread")).collect::<Vec<bool>>()
        });
        finished += outcomes.iter().filter(|ok| **ok).count();
        interrupted += outcomes.iter().filter(|ok| !**ok).count();

        // Everything a device was told is stored is in the database the server comes back on.
        server.start();
        for (n, device) in devices.iter().enumerate() {
            let acknowledged = acknowledged(device);
            let missing = server.missing(&runtime, &acknowledged);
            assert!(
                missing.is_empty(),
                "{backend}, round {round} (seed {seed}): {missing:?} of {} acknowledged and then lost",
                names[n]
            );
            checked += acknowledged.len();
        }
    }
    eprintln!(
        "{backend}: {rounds} rounds of {DEVICES} devices (seed {seed}): {interrupted} syncs cut by a kill, \
         {finished} finished first; {checked} acknowledged documents found after the restarts"
    );

    // A last sync delivers what the kills cut short; each person's new device then receives
    // exactly what her first one holds, and Pat every session naming her, each once.
    let mut logged_sessions = 0;
    for (n, device) in devices.iter().enumerate() {
        device.sync(&SyncOptions::default(), &|_| {}).expect("final sync");
        assert_eq!(device.status().expect("status").pending_changes, 0);
        let tablet = second_device(&server, &names[n]);
        let report = tablet.sync(&SyncOptions::default(), &|_| {}).expect("tablet sync");
        let here = everything(device);
        let there = everything(&tablet);
        assert_eq!(there, here, "{backend} (seed {seed}): {}'s new device differs from her first", names[n]);
        assert_eq!(
            report.pulled_changes,
            (here.0.len() + here.1.len()) as u64,
            "{backend} (seed {seed}): one change per document for {}, nothing twice",
            names[n]
        );
        assert_eq!(here.0.len(), 2 * rounds, "{backend}: {} logged two sessions a round", names[n]);
        logged_sessions += here.0.len();
    }
    pat_book.sync(&SyncOptions::default(), &|_| {}).expect("pat's sync");
    let provided = pat_book.sessions(&SessionFilter::default()).expect("pat's sessions");
    let distinct: BTreeSet<Id> = provided.iter().map(|s| s.id.clone()).collect();
    assert_eq!(provided.len(), logged_sessions, "{backend} (seed {seed}): Pat sees every session");
    assert_eq!(distinct.len(), logged_sessions, "{backend} (seed {seed}): each once");
}

#[test]
fn killing_the_server_during_concurrent_syncs_loses_nothing_on_sqlite() {
    campaign(None, "SQLite");
}

#[test]
fn killing_the_server_during_concurrent_syncs_loses_nothing_on_postgres() {
    crate::support::on_postgres(|url| campaign(Some(url), "Postgres"));
}
