//! Killing the server (SIGKILL) while 30 devices sync at once, round after round, on SQLite and
//! on Postgres: after each kill the server starts again on its database, every document a
//! device holds as acknowledged is in it, and at the end each person's new device receives
//! exactly what her first one logged, each once.
//!
//! The test command runs [`DEFAULT_ROUNDS`] rounds per backend; `scripts/kill-campaign server
//! ROUNDS` runs as many as asked (`RSC_SERVER_KILL_ROUNDS`) on both.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rsc_client::{Id, Logbook, SessionFilter, SyncOptions, TrainingFields, TrainingTopic};

use crate::support::{Serves, connect, id, person, second_device, session};

/// Rounds the test command runs on each backend.
const DEFAULT_ROUNDS: usize = 3;
/// Devices syncing at once when the server is killed.
const DEVICES: usize = 30;

/// An `rsc-server` process on one database, killed and started again at the same address.
struct KilledServer {
    root: tempfile::TempDir,
    database: String,
    port: u16,
    child: Option<Child>,
}

impl KilledServer {
    fn new(database: Option<String>) -> KilledServer {
        let root = tempfile::Builder::new().prefix("rsc-server-kills-").tempdir().expect("temp dir");
        let database = database.unwrap_or_else(|| format!("sqlite://{}/rsc.db", root.path().display()));
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let output = Command::new(rsc_test_kit::process::server_binary())
            .arg("migrate")
            .current_dir(root.path())
            .env("DATABASE_URL", &database)
            .output()
            .expect("rsc-server migrate runs");
        assert!(output.status.success(), "migrate: {}", String::from_utf8_lossy(&output.stderr));
        let mut server = KilledServer { root, database, port, child: None };
        server.start();
        server
    }

    /// Starts the server and waits until it answers: the database it was killed on opens.
    fn start(&mut self) {
        let child = Command::new(rsc_test_kit::process::server_binary())
            .current_dir(self.root.path())
            .env("RSC_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("DATABASE_URL", &self.database)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsc-server starts");
        self.child = Some(child);
        let http = crate::support::http_client();
        for _ in 0..400 {
            if http.get(format!("{}/readyz", self.url())).send().is_ok_and(|r| r.status().is_success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("rsc-server did not start again on {}", self.database);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }

    /// Those of `docs` the server's database does not hold, read through the store the server
    /// itself uses.
    fn missing(&self, runtime: &tokio::runtime::Runtime, docs: &[String]) -> Vec<String> {
        use rsc_server::store::{DocId, PgStore, SqliteStore, SyncStore};
        runtime.block_on(async {
            let mut missing = Vec::new();
            if self.database.starts_with("postgres") {
                let store = PgStore::connect(&self.database, 2).await.expect("connect");
                for doc in docs {
                    if store.document(&DocId::from(doc)).await.expect("read").is_none() {
                        missing.push(doc.clone());
                    }
                }
            } else {
                let store = SqliteStore::connect(&self.database).await.expect("connect");
                for doc in docs {
                    if store.document(&DocId::from(doc)).await.expect("read").is_none() {
                        missing.push(doc.clone());
                    }
                }
            }
            missing
        })
    }
}

impl Serves for KilledServer {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn temp_dir(&self, what: &str) -> std::path::PathBuf {
        tempfile::Builder::new().prefix(&format!("{what}-")).tempdir_in(self.root.path()).expect("temp dir").keep()
    }
}

impl Drop for KilledServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A small deterministic generator, seeded from the clock (the seed is printed on failure).
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The ids of what a device holds as acknowledged by the server (nothing of it waits to be sent).
fn acknowledged(logbook: &Logbook) -> Vec<String> {
    let sessions = logbook.sessions(&SessionFilter::default()).expect("sessions");
    let trainings = logbook.trainings().expect("trainings");
    sessions
        .iter()
        .filter(|s| !s.unsynced)
        .map(|s| s.id.to_string())
        .chain(trainings.iter().filter(|t| !t.unsynced).map(|t| t.id.to_string()))
        .collect()
}

/// Every session and training id on a device, sorted.
fn everything(logbook: &Logbook) -> (Vec<String>, Vec<String>) {
    let mut sessions: Vec<String> =
        logbook.sessions(&SessionFilter::default()).expect("sessions").iter().map(|s| s.id.to_string()).collect();
    let mut trainings: Vec<String> = logbook.trainings().expect("trainings").iter().map(|t| t.id.to_string()).collect();
    sessions.sort();
    trainings.sort();
    (sessions, trainings)
}

fn campaign(database: Option<String>, backend: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut server = KilledServer::new(database);
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
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let Some((name, url)) = runtime.block_on(rsc_test_kit::create_postgres_db()) else { return };
    let outcome = std::panic::catch_unwind(|| campaign(Some(url), "Postgres"));
    runtime.block_on(rsc_test_kit::drop_postgres_db(&name));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
