//! Killing the process at random instants, while it logs sessions and trainings and syncs, loses
//! nothing whose logging returned, leaves a store that opens, and a later sync delivers
//! everything, each once.
//!
//! The worker is this test binary run again as the ignored test [`worker`], with its logbook
//! folder and the server in the environment; it prints each session's and training's id once
//! logging it has returned, and is killed with SIGKILL after a random delay. The test command
//! runs [`DEFAULT_ROUNDS`] rounds; `scripts/kill-campaign device ROUNDS` runs as many as asked
//! (`RSC_KILL_ROUNDS`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rsc_client::{Id, Logbook, SessionFilter, SyncOptions};

use crate::support::{TestServer, person, second_device, session, sync};

const DIR_VAR: &str = "RSC_DURABILITY_DIR";
const PROVIDER_VAR: &str = "RSC_DURABILITY_PROVIDER";
/// Rounds the test command runs.
const DEFAULT_ROUNDS: usize = 15;

/// Not a test by itself: the process the durability test kills.
#[test]
#[ignore = "run by kill_at_random_points_loses_nothing"]
fn worker() {
    let (Ok(dir), Ok(provider)) = (std::env::var(DIR_VAR), std::env::var(PROVIDER_VAR)) else { return };
    let logbook = Logbook::open(&dir).expect("open");
    let provider = Id::new(provider, "provider").expect("id");
    let options = SyncOptions { max_docs_per_request: 3, max_attempts: 1, ..SyncOptions::default() };
    for n in 0.. {
        let view =
            logbook.log_session(session(&provider, &format!("2025-01-{:02}", 1 + n % 28), 60, &[])).expect("log");
        println!("logged {}", view.id);
        if n % 3 == 1 {
            let fields = rsc_client::TrainingFields {
                title: format!("Training {n}"),
                organiser: String::new(),
                date: "2025-02-01".parse().expect("date"),
                minutes: 90,
                topic: rsc_client::TrainingTopic::Imh,
                certificate: None,
            };
            println!("trained {}", logbook.add_training(fields).expect("training").id);
        }
        if n % 4 == 3 {
            logbook.sync(&options, &|_| {}).expect("sync");
            println!("synced");
        }
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

#[test]
fn kill_at_random_points_loses_nothing() {
    let server = TestServer::start();
    let (ana, _) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    crate::support::connect(&pat_book, &[&ana]);
    let dir = ana.dir().to_path_buf();
    drop(ana);
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos() as u64;
    let mut random = Random(seed);
    let mut logged: Vec<String> = Vec::new();
    let mut trained: Vec<String> = Vec::new();
    let mut syncs = 0;
    let rounds: usize = std::env::var("RSC_KILL_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(DEFAULT_ROUNDS);
    for round in 0..rounds {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["durability::worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(DIR_VAR, &dir)
            .env(PROVIDER_VAR, pat_account.user_id.as_str())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker");
        let stdout = child.stdout.take().expect("stdout");
        let reader =
            std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<String>>());
        // Wait for the first session, then let it run a random while before killing it.
        let started = Instant::now();
        let delay = Duration::from_millis(20 + random.below(400));
        while started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(5));
            if started.elapsed() > delay {
                break;
            }
        }
        child.kill().expect("kill");
        child.wait().expect("reap");
        let lines = reader.join().expect("reader");
        syncs += lines.iter().filter(|l| *l == "synced").count();
        let ids: Vec<String> = lines.iter().filter_map(|l| l.strip_prefix("logged ").map(str::to_string)).collect();

        let logbook = Logbook::open(&dir)
            .unwrap_or_else(|e| panic!("round {round} (seed {seed}): the store no longer opens: {e}"));
        for session in &ids {
            logbook
                .session(session)
                .unwrap_or_else(|e| panic!("round {round} (seed {seed}): session {session} was lost: {e}"));
        }
        let trainings: Vec<String> = logbook.trainings().expect("trainings").iter().map(|t| t.id.to_string()).collect();
        for training in lines.iter().filter_map(|l| l.strip_prefix("trained ")) {
            assert!(
                trainings.iter().any(|t| t == training),
                "round {round} (seed {seed}): training {training} was lost"
            );
            trained.push(training.to_string());
        }
        let on_device = logbook.sessions(&SessionFilter::default()).expect("list").len();
        logged.extend(ids);
        assert!(
            on_device >= logged.len(),
            "round {round} (seed {seed}): {on_device} sessions, {} logged",
            logged.len()
        );
    }
    assert!(logged.len() >= rounds, "the worker logged {} sessions in {rounds} rounds", logged.len());
    eprintln!(
        "{rounds} rounds (seed {seed}): {} sessions and {} trainings logged, {syncs} syncs finished",
        logged.len(),
        trained.len()
    );
    assert!(syncs > 0, "some syncs completed before a kill");

    // Whatever was interrupted, a sync now delivers every session, each once.
    let logbook = Logbook::open(&dir).expect("open");
    sync(&logbook);
    assert_eq!(logbook.status().expect("status").pending_changes, 0);
    let on_device: Vec<String> =
        logbook.sessions(&SessionFilter::default()).expect("list").iter().map(|s| s.id.to_string()).collect();
    let tablet = second_device(&server, "ana");
    sync(&tablet);
    let mut on_server: Vec<String> =
        tablet.sessions(&SessionFilter::default()).expect("list").iter().map(|s| s.id.to_string()).collect();
    on_server.sort();
    let mut expected = on_device.clone();
    expected.sort();
    assert_eq!(on_server, expected, "seed {seed}");
    for session in &logged {
        assert!(on_server.contains(session), "seed {seed}: {session} never reached the server");
    }
    let mut trainings_there: Vec<String> =
        tablet.trainings().expect("trainings").iter().map(|t| t.id.to_string()).collect();
    trainings_there.sort();
    let mut trainings_here: Vec<String> =
        logbook.trainings().expect("trainings").iter().map(|t| t.id.to_string()).collect();
    trainings_here.sort();
    assert_eq!(trainings_there, trainings_here, "seed {seed}: every training reached the server, each once");
    for training in &trained {
        assert!(trainings_there.contains(training), "seed {seed}: {training} never reached the server");
    }
}
