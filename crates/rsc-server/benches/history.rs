//! Per-request costs against the size of a user's history, run with
//! `cargo bench -p rsc-server --bench history` (Postgres figures need `RSC_TEST_POSTGRES_URL`,
//! as printed by `scripts/postgres-for-tests`; `RSC_BENCH_HISTORY` lists the sizes, by default
//! `0,1000,10000,100000`).
//!
//! For each size, Ana logs that many sessions with Pat and pushes them; then, against the real
//! server over loopback, it times the requests a device makes on every sync: an empty
//! `POST /v1/sync` from her current cursor, and `GET /v1/me/providers`. Each figure is the
//! median of 30 requests. They should not grow with the history.

#[path = "../tests/server/support.rs"]
#[allow(dead_code, unused_macros)]
mod support;

use std::time::{Duration, Instant};

use rsc_model::SessionKind;
use rsc_server::RunningServer;
use rsc_server::store::{PgStore, SqliteStore, Store};
use support::{Api, Device};

const SAMPLES: usize = 30;

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

async fn at_size<S: Store>(store: S, label: &str, sessions: usize) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    api.register("pat").await;
    let mut ana = Device::sign_in(&api, "ana").await;
    let pat = Device::sign_in(&api, "pat").await;
    pat.connect(&[&ana]).await;
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
        "{label:<8} {sessions:>7} sessions (pushed in {:>6.1} s): empty POST /v1/sync {:>7.2} ms; GET /v1/me/providers {:>7.2} ms",
        filled.as_secs_f64(),
        median(empty),
        median(providers)
    );
    server.stop().await.expect("stop");
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing heavy.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("RSC_BENCH_HISTORY")
        .unwrap_or_else(|_| "0,1000,10000,100000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("RSC_BENCH_HISTORY: sizes separated by commas"))
        .collect();
    for &n in &sizes {
        let dir = tempfile::Builder::new().prefix("rsc-bench-").tempdir().expect("temp dir");
        let store = SqliteStore::connect(&format!("sqlite://{}/rsc.db", dir.path().display())).await.expect("sqlite");
        at_size(store, "sqlite", n).await;
    }
    if std::env::var("RSC_TEST_POSTGRES_URL").is_err() {
        println!("postgres: skipped (set RSC_TEST_POSTGRES_URL, see scripts/postgres-for-tests)");
        return;
    }
    for &n in &sizes {
        let (name, url) = support::create_postgres_db().await.expect("the test Postgres");
        let store = PgStore::connect(&url, 20).await.expect("postgres");
        at_size(store.clone(), "postgres", n).await;
        store.pool().close().await;
        support::drop_postgres_db(&name).await;
    }
}
