//! The server's memory and disk as users sign in and documents arrive, measured on a real
//! `rsc-server` process over loopback: `cargo bench -p rsc-server --bench memory` (Postgres
//! figures need `RSC_TEST_POSTGRES_URL`, as printed by `scripts/postgres-for-tests`).
//!
//! Prints the resident memory (VmRSS) fresh, after 1, 4 and 8 sign-ins (each hashes a
//! password), and after each 1,000 of 10,000 new session documents (pushed 100 to a request,
//! as a phone's backlog is), with the growth per document and the disk per document.

use rsc_test_kit as support;

use rsc_model::SessionKind;
use rsc_protocol::{Bytes, DocPush, SyncRequest};
use support::Device;

/// This package's `rsc-server` binary, as the bench profile built it.
const SERVER: &str = env!("CARGO_BIN_EXE_rsc-server");

const DOCS: usize = 10_000;
const STEP: usize = 1_000;
const PER_REQUEST: usize = 100;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Runs the measurements; `disk` gives the database's size in bytes (SQLite's after a checkpoint).
async fn measure(label: &str, database: &str, disk: impl AsyncFn() -> u64) {
    let dir = tempfile::Builder::new().prefix("rsc-bench-").tempdir().expect("temp dir");
    let (server, api) = rsc_test_kit::process::start_binary(SERVER.as_ref(), dir.path(), database, 20).await;
    let pid = server.pid();
    let fresh = rss_kib(pid);
    api.register("pat").await;
    let pat = Device::sign_in(&api, "pat").await;
    let mut after_sign_ins = Vec::new();
    let mut devices = Vec::new();
    for i in 0..8 {
        let name = format!("s{i}");
        api.register(&name).await;
        devices.push(Device::sign_in(&api, &name).await);
        if [0, 3, 7].contains(&i) {
            after_sign_ins.push(rss_kib(pid));
        }
    }
    println!(
        "{label:<8} memory fresh {:.1} MiB; after 1 sign-up and sign-in {:.1} MiB, 4: {:.1} MiB, 8: {:.1} MiB",
        mib(fresh),
        mib(after_sign_ins[0]),
        mib(after_sign_ins[1]),
        mib(after_sign_ins[2])
    );
    pat.connect(&devices.iter().collect::<Vec<_>>()).await;
    let disk_before = disk().await;
    let mut ana = devices.remove(0);
    let me = ana.user_id.clone();
    let mut points = Vec::new();
    for step in 0..DOCS / STEP {
        // Pushed in the order they were logged, as a device pushes its backlog.
        let logged: Vec<String> =
            (0..STEP).map(|_| ana.log(&pat.user_id, SessionKind::Individual, &[(&me, 60)])).collect();
        let pushes: Vec<DocPush> = logged
            .into_iter()
            .map(|doc| {
                let changes = ana.unacked.remove(&doc).expect("logged, so waiting to be pushed");
                DocPush { doc, changes: changes.into_iter().map(Bytes).collect() }
            })
            .collect();
        ana.docs.clear();
        for chunk in pushes.chunks(PER_REQUEST) {
            let request = SyncRequest {
                v: 1,
                cursor: None,
                push: chunk.to_vec(),
                page_changes: Some(1),
                account_version: None,
                trainings: Vec::new(),
            };
            let (status, body) =
                api.post("/v1/sync", Some(&ana.token), &serde_json::to_value(&request).expect("json")).await;
            assert_eq!(status, 200, "{body}");
        }
        points.push(((step + 1) * STEP, rss_kib(pid)));
    }
    let disk_after = disk().await;
    let line: Vec<String> = points.iter().map(|(n, kib)| format!("{}k {:.1}", n / 1000, mib(*kib))).collect();
    println!("{label:<8} memory (MiB) by documents: {}", line.join(", "));
    let (first, last) = (points[0], points[points.len() - 1]);
    println!(
        "{label:<8} growth from 1k to 10k documents: {:.1} MiB, {:.2} KiB per document; disk {:.2} KiB per document",
        mib(last.1.saturating_sub(first.1)),
        last.1.saturating_sub(first.1) as f64 / (last.0 - first.0) as f64,
        (disk_after.saturating_sub(disk_before)) as f64 / 1024.0 / DOCS as f64
    );
    drop(server);
    // Kept until the server is gone: its database lives here.
    drop(dir);
}

/// Where the disk went, per document, by table and index (the larger ones), after the run.
fn breakdown(label: &str, sizes: &[(String, i64)], total: u64) {
    let per_doc = |bytes: i64| bytes as f64 / DOCS as f64;
    let parts: Vec<String> = sizes
        .iter()
        .filter(|(_, bytes)| per_doc(*bytes) >= 10.0)
        .map(|(name, bytes)| format!("{name} {:.0}", per_doc(*bytes)))
        .collect();
    println!(
        "{label:<8} disk after the run, {:.0} B per document in all (the database with its users and keys); \
         by table and index, bytes per document: {}",
        total as f64 / DOCS as f64,
        parts.join(", ")
    );
}

/// The bytes of every file in `dir` (the SQLite database, its WAL and shared memory).
fn folder_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing heavy.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let db = tempfile::Builder::new().prefix("rsc-bench-db-").tempdir().expect("temp dir");
    let url = format!("sqlite://{}/rsc.db", db.path().display());
    // Measured after a checkpoint: the write-ahead log is bounded by SQLite's autocheckpoint
    // (about 4 MiB) whatever the number of documents, and how full it is at the instant of
    // measuring is chance.
    let checkpointed = async || {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
        let wal: (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&pool).await.expect("checkpoint");
        assert_eq!(wal.0, 0, "the checkpoint ran whole");
        pool.close().await;
        folder_bytes(db.path())
    };
    measure("sqlite", &url, checkpointed).await;
    {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
        let (page_size,): (i64,) = sqlx::query_as("PRAGMA page_size").fetch_one(&pool).await.expect("page size");
        println!("sqlite   page size {page_size} bytes");
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
                .fetch_all(&pool)
                .await
                .expect("dbstat");
        pool.close().await;
        breakdown("sqlite", &rows, folder_bytes(db.path()));
    }
    if std::env::var("RSC_TEST_POSTGRES_URL").is_err() {
        println!("postgres: skipped (set RSC_TEST_POSTGRES_URL, see scripts/postgres-for-tests)");
        return;
    }
    let (name, url) = support::create_postgres_db().await.expect("the test Postgres");
    let size_url = url.clone();
    measure("postgres", &url, async || {
        let pool = sqlx::PgPool::connect(&size_url).await.expect("connect");
        let (bytes,): (i64,) =
            sqlx::query_as("SELECT pg_database_size(current_database())").fetch_one(&pool).await.expect("size");
        pool.close().await;
        bytes as u64
    })
    .await;
    {
        let pool = sqlx::PgPool::connect(&url).await.expect("connect");
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT c.relname::text, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't') ORDER BY 2 DESC",
        )
        .fetch_all(&pool)
        .await
        .expect("sizes");
        let (total,): (i64,) =
            sqlx::query_as("SELECT pg_database_size(current_database())").fetch_one(&pool).await.expect("size");
        pool.close().await;
        breakdown("postgres", &rows, total as u64);
    }
    support::drop_postgres_db(&name).await;
}
