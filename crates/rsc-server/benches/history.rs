//! Per-request costs against the size of a user's history, run with
//! `cargo bench -p rsc-server --bench history` (Postgres figures need `RSC_TEST_POSTGRES_URL`,
//! as printed by `scripts/postgres-for-tests`; `RSC_BENCH_HISTORY` lists the sizes, by default
//! `0,1000,10000,100000`).
//!
//! For each size, Ana logs that many sessions with Pat and pushes them; then, against a real
//! `rsc-server` process over loopback, it times an empty `POST /v1/sync` from her current
//! cursor (as a device's idle sync sends it: with her account version, so the server checks
//! that her profile and directory did not change), the same without the version, and
//! `GET /v1/me/providers`. Each figure is the median of 30 requests. They should not grow
//! with the history.
//!
//! Then, for providers with caseloads of the sizes `RSC_BENCH_CASELOAD` lists (by default
//! `0,100,1000` supervisees besides Ana), it times Ana's push of one new session with her
//! provider: the server checks that the session names only people connected to the provider,
//! which must not cost more for a provider with more supervisees.

use rsc_test_kit as support;

use std::time::{Duration, Instant};

use rsc_model::SessionKind;
use rsc_server::store::{PgStore, SqliteStore, Store, UserId, UserRecord};
use support::Device;

/// This package's `rsc-server` binary, as the bench profile built it.
const SERVER: &str = env!("CARGO_BIN_EXE_rsc-server");

const SAMPLES: usize = 30;

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

/// A server in a folder of its own, where Ana, on her phone, is connected to her provider Pat.
async fn ana_and_pat(
    database: &str,
) -> (tempfile::TempDir, rsc_test_kit::process::Server, support::Api, Device, Device) {
    let dir = tempfile::Builder::new().prefix("rsc-bench-").tempdir().expect("temp dir");
    let (server, api) = rsc_test_kit::process::start_binary(SERVER.as_ref(), dir.path(), database, 20).await;
    api.register("ana").await;
    api.register("pat").await;
    let ana = Device::sign_in(&api, "ana").await;
    let pat = Device::sign_in(&api, "pat").await;
    pat.connect(&[&ana]).await;
    (dir, server, api, ana, pat)
}

async fn at_size(database: &str, label: &str, sessions: usize) {
    let (dir, server, api, mut ana, pat) = ana_and_pat(database).await;
    let (ana_id, pat_id) = (ana.user_id.clone(), pat.user_id.clone());
    let started = Instant::now();
    // In slices, so that the device's memory stays small at 100,000.
    let mut left = sessions;
    while left > 0 {
        let slice = left.min(5_000);
        for _ in 0..slice {
            ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
        }
        ana.sync().await;
        ana.docs.clear();
        left -= slice;
    }
    let filled = started.elapsed();
    ana.sync().await;
    let ask = |version: &str| serde_json::json!({ "v": 1, "cursor": ana.cursor.map(|c| c.to_string()), "account_version": version });
    let (status, first) = api.post("/v1/sync", Some(&ana.token), &ask("")).await;
    assert_eq!(status, 200, "{first}");
    let version = first["account"]["version"].as_str().expect("the account's version").to_string();
    let mut idle = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let (status, body) = api.post("/v1/sync", Some(&ana.token), &ask(&version)).await;
        idle.push(started.elapsed());
        assert_eq!(status, 200, "{body}");
        assert!(
            body.get("account").is_none() && body["pull"].as_array().is_some_and(Vec::is_empty),
            "nothing to say: {body}"
        );
    }
    let mut empty = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let response = ana.sync_once(None).await;
        empty.push(started.elapsed());
        assert!(response.pull.is_empty() && !response.more, "nothing to pull");
    }
    let mut providers = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let (status, body) = api.get("/v1/me/providers", Some(&ana.token)).await;
        providers.push(started.elapsed());
        assert_eq!(status, 200, "{body}");
    }
    println!(
        "{label:<8} {sessions:>7} sessions (pushed in {:>6.1} s): idle device sync {:>6.2} ms; empty POST /v1/sync {:>6.2} ms; GET /v1/me/providers {:>6.2} ms",
        filled.as_secs_f64(),
        median(idle),
        median(empty),
        median(providers)
    );
    drop(server);
    drop(dir);
}

/// Ana pushes one new session at a time with Pat, who has `members` other supervisees.
async fn caseload(database: &str, label: &str, members: usize) {
    let (dir, server, _, mut ana, pat) = ana_and_pat(database).await;
    if database.starts_with("sqlite:") {
        add_members(SqliteStore::connect(database).await.expect("the database"), &pat.user_id, members).await;
    } else {
        add_members(PgStore::connect(database, 8).await.expect("the database"), &pat.user_id, members).await;
    }
    let (ana_id, pat_id) = (ana.user_id.clone(), pat.user_id.clone());
    let mut pushes = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
        let started = Instant::now();
        let response = ana.sync_once(None).await;
        pushes.push(started.elapsed());
        assert_eq!((response.accepted.len(), response.refused.len()), (1, 0), "{:?}", response.refused);
    }
    println!(
        "{label:<8} provider with {members:>5} other supervisees: a push of one new session {:>6.2} ms",
        median(pushes)
    );
    drop(server);
    drop(dir);
}

/// Gives `provider` `count` supervisees, written straight into the store (signing each up
/// through the API would hash a password each).
async fn add_members<S: Store + Clone + 'static>(store: S, provider: &rsc_model::Id, count: usize) {
    const WRITERS: usize = 8;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|first| {
            let (store, provider) = (store.clone(), UserId::from(provider.as_str()));
            tokio::spawn(async move {
                for i in (first..count).step_by(WRITERS) {
                    let id = rsc_service::clock::new_id().to_string();
                    let member = UserRecord {
                        id: id.clone().into(),
                        email: format!("member{i}@example.org"),
                        display_name: format!("Member {i}"),
                        password_hash: "never signs in".into(),
                        role: rsc_protocol::Role::Member,
                        created_at_ms: 0,
                    };
                    store.create_user(&member).await.expect("a member");
                    assert!(store.connect(&provider, &UserId::from(id.as_str()), None, 0).await.expect("connected"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
}

fn sizes(variable: &str, default: &str) -> Vec<usize> {
    std::env::var(variable)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|n| n.trim().parse().unwrap_or_else(|_| panic!("{variable}: sizes separated by commas")))
        .collect()
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing heavy.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let histories = sizes("RSC_BENCH_HISTORY", "0,1000,10000,100000");
    let caseloads = sizes("RSC_BENCH_CASELOAD", "0,100,1000");
    for &n in &histories {
        let dir = tempfile::Builder::new().prefix("rsc-bench-db-").tempdir().expect("temp dir");
        at_size(&format!("sqlite://{}/rsc.db", dir.path().display()), "sqlite", n).await;
    }
    for &n in &caseloads {
        let dir = tempfile::Builder::new().prefix("rsc-bench-db-").tempdir().expect("temp dir");
        caseload(&format!("sqlite://{}/rsc.db", dir.path().display()), "sqlite", n).await;
    }
    if std::env::var("RSC_TEST_POSTGRES_URL").is_err() {
        println!("postgres: skipped (set RSC_TEST_POSTGRES_URL, see scripts/postgres-for-tests)");
        return;
    }
    for &n in &histories {
        let (name, url) = support::create_postgres_db().await.expect("the test Postgres");
        at_size(&url, "postgres", n).await;
        support::drop_postgres_db(&name).await;
    }
    for &n in &caseloads {
        let (name, url) = support::create_postgres_db().await.expect("the test Postgres");
        caseload(&url, "postgres", n).await;
        support::drop_postgres_db(&name).await;
    }
}
