//! Sync benchmarks, run with `cargo bench -p rsc-server --bench sync` (Postgres figures need
//! `RSC_TEST_POSTGRES_URL`, as printed by `scripts/postgres-for-tests`). Each measurement
//! starts this package's `rsc-server` binary on a new database and talks to it over loopback.
//!
//! 1. A device's first sync of a 1,000-session logbook: round trips and time.
//! 2. Ingest with 50 devices pushing at once, against Postgres alone writing the same rows
//!    and bytes with 50 connections; with the CPU time that the server, Postgres and the bench
//!    spent per session, and how busy the machine's cores were (from Linux's `/proc`); then
//!    the parts of that cost no server can skip, each measured alone: the merge of a session
//!    through the rules, and the store's commits.
//! 3. `GET /v1/me/evaluation` for an applicant with 2,000 confirmed sessions (median of 30).
//! 4. The same 50-device ingest with each device's 40 sessions in one request (`backlog`):
//!    what the server's per-session work allows once per-request costs are spread thin.

use rsc_test_kit as support;

use std::time::{Duration, Instant};

use rsc_model::SessionKind;
use rsc_protocol::{Bytes, DocPush, SyncRequest};
use rsc_server::store::{DocCommit, NewChange, Store};
use support::{Api, Device};

/// This package's `rsc-server` binary, as the bench profile built it.
const SERVER: &str = env!("CARGO_BIN_EXE_rsc-server");

const LOGBOOK: usize = 1_000;
const DEVICES: usize = 50;
const SESSIONS_PER_DEVICE: usize = 40;
const SESSIONS_PER_PUSH: usize = 4;
/// How many times over the ingest's requests are made empty, to time a request alone.
const PER_REQUEST_ROUNDS: usize = 10;

/// A server on `store` where Ana, connected to her provider Pat, has logged `sessions`
/// individual sessions on her phone, not yet synced.
async fn ana_logs_with_pat(database: &str, sessions: usize) -> (Running, Api, Device, Device) {
    let (server, api) = Running::start(database, 20).await;
    api.register("ana").await;
    api.register("pat").await;
    let mut ana = Device::sign_in(&api, "ana").await;
    let pat = Device::sign_in(&api, "pat").await;
    pat.connect(&[&ana]).await;
    let (ana_id, pat_id) = (ana.user_id.clone(), pat.user_id.clone());
    for _ in 0..sessions {
        ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    }
    (server, api, ana, pat)
}

async fn first_sync(database: &str, label: &str) {
    let (server, _, mut ana, mut pat) = ana_logs_with_pat(database, LOGBOOK).await;
    let bytes: usize = ana.unacked.values().flatten().map(Vec::len).sum();
    let started = Instant::now();
    let pushes = ana.sync().await.len();
    let push_time = started.elapsed();
    // The server's part of a download: the request and its answer, read whole, nothing applied.
    let started = Instant::now();
    let (status, page) = pat.api.post("/v1/sync", Some(&pat.token), &serde_json::json!({ "v": 1 })).await;
    let exchange_time = started.elapsed();
    assert_eq!((status, page["pull"].as_array().map(Vec::len)), (200, Some(LOGBOOK)));
    let started = Instant::now();
    let pulls = pat.sync().await.len();
    let pull_time = started.elapsed();
    assert_eq!(pat.docs.len(), LOGBOOK);
    println!(
        "{label:<8} first sync of {LOGBOOK} sessions ({} KiB of changes): upload {pushes} round trip(s) {:>7.1} ms; download to a new device {pulls} round trip(s) {:>7.1} ms, of which the exchange {:>6.1} ms",
        bytes / 1024,
        push_time.as_secs_f64() * 1e3,
        pull_time.as_secs_f64() * 1e3,
        exchange_time.as_secs_f64() * 1e3
    );
    drop(server);
}

/// An applicant with 2,000 sessions her provider confirmed asks for her evaluation.
async fn evaluation(database: &str, label: &str) {
    const CONFIRMED: usize = 2_000;
    let (server, api, mut ana, mut pat) = ana_logs_with_pat(database, CONFIRMED).await;
    let ana_id = ana.user_id.clone();
    ana.sync().await;
    pat.sync().await;
    let key = rsc_doc::DeviceKey::from_secret_bytes(&pat.key.secret_bytes());
    let docs: Vec<String> = pat.docs.keys().cloned().collect();
    for (i, doc) in docs.iter().enumerate() {
        pat.edit(doc, |d, me| {
            let minutes = rsc_model::Minutes::new(60, "m").expect("minutes");
            d.confirm(&key, me, &ana_id, minutes, support::signed_at(i as i64)).expect("confirm");
        });
    }
    pat.sync().await;
    let path = "/v1/me/evaluation?rulebook=nmaimh&as_of=2026-06-01";
    let (status, body) = api.get(path, Some(&ana.token)).await;
    assert_eq!(status, 200, "{body}");
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..30 {
        let started = Instant::now();
        let response = api.http.get(format!("{}{path}", api.base)).bearer_auth(&ana.token).send().await.expect("get");
        assert_eq!(response.status(), 200);
        size = response.bytes().await.expect("body").len();
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "{label:<8} GET /v1/me/evaluation with {CONFIRMED} confirmed sessions ({} KiB): median {:.1} ms",
        size / 1024,
        times[times.len() / 2].as_secs_f64() * 1e3
    );
    drop(server);
}

/// What one 50-device ingest leaves for the measurements after it.
struct Ingested {
    rate: f64,
    total_bytes: usize,
    server_cpu_per_session: Option<f64>,
    devices: Vec<Device>,
    pat: rsc_model::Id,
}

/// 50 devices each push their sessions `per_push` at a time, all at once. The row's figure
/// is for pushes of [`SESSIONS_PER_PUSH`] (phones that sync every few sessions); a push of
/// each device's whole backlog in one request, as the device core sends it after a day
/// offline, shows what the server's per-session work alone allows.
async fn concurrent_ingest(database: &str, label: &str, per_push: usize) -> Ingested {
    let (server, api) = Running::start(database, DEVICES as u32).await;
    let mut devices = Vec::new();
    api.register("pat").await;
    let pat = Device::sign_in(&api, "pat").await;
    for i in 0..DEVICES {
        let name = format!("s{i}");
        api.register(&name).await;
        devices.push(Device::sign_in(&api, &name).await);
    }
    pat.connect(&devices.iter().collect::<Vec<_>>()).await;
    let mut batches = Vec::new();
    let mut total_bytes = 0;
    for device in &mut devices {
        let me = device.user_id.clone();
        for _ in 0..SESSIONS_PER_DEVICE {
            device.log(&pat.user_id, SessionKind::Individual, &[(&me, 60)]);
        }
        let pushes: Vec<DocPush> = device
            .unacked
            .drain()
            .map(|(doc, changes)| DocPush { doc, changes: changes.into_iter().map(Bytes).collect() })
            .collect();
        total_bytes += pushes.iter().flat_map(|p| &p.changes).map(|c| c.0.len()).sum::<usize>();
        let requests: Vec<SyncRequest> = pushes
            .chunks(per_push)
            .map(|chunk| SyncRequest {
                v: 1,
                cursor: None,
                push: chunk.to_vec(),
                page_changes: Some(1),
                account_version: None,
                trainings: Vec::new(),
            })
            .collect();
        batches.push((device.token.clone(), requests));
    }
    // What a request costs the server apart from its sessions: first the cheapest request,
    // a health check through the same HTTP stack and middleware; then the same sync requests
    // with nothing in them (authentication and the pull's one read).
    // Ten times as many requests as the ingest makes: the first ones open the pool's 50
    // connections to Postgres (each a password exchange), which is not a request's cost.
    if per_push == SESSIONS_PER_PUSH {
        let counts: Vec<(String, usize)> =
            batches.iter().map(|(token, r)| (token.clone(), r.len() * PER_REQUEST_ROUNDS)).collect();
        per_request_cost(&server, &api, &counts, label, "health checks", |api, _| async move {
            let (status, body) = api.get("/healthz", None).await;
            assert_eq!(status, 200, "{body}");
        })
        .await;
        per_request_cost(&server, &api, &counts, label, "empty syncs", |api, token| async move {
            let empty = serde_json::json!({ "v": 1, "page_changes": 1 });
            let (status, body) = api.post("/v1/sync", Some(&token), &empty).await;
            assert_eq!(status, 200, "{body}");
        })
        .await;
    }
    let cpu_before = Cpu::now(Some(server.server.pid()));
    let started = Instant::now();
    let tasks: Vec<_> = batches
        .into_iter()
        .map(|(token, requests)| {
            let api = api.clone();
            tokio::spawn(async move {
                // Each request carries the cursor the answer before it gave, as the device core's do.
                let mut cursor = None;
                for mut request in requests {
                    request.cursor = cursor;
                    let (status, body) =
                        api.post("/v1/sync", Some(&token), &serde_json::to_value(&request).expect("json")).await;
                    assert_eq!(status, 200, "{body}");
                    assert!(body["refused"].as_array().is_some_and(Vec::is_empty), "{body}");
                    cursor = Some(serde_json::from_value(body["cursor"].clone()).expect("the answer's cursor"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("device");
    }
    let elapsed = started.elapsed();
    let cpu = Cpu::now(Some(server.server.pid())).zip(cpu_before).map(|(now, before)| now.since(&before));
    let sessions = DEVICES * SESSIONS_PER_DEVICE;
    let rate = sessions as f64 / elapsed.as_secs_f64();
    println!(
        "{label:<8} ingest, {DEVICES} devices pushing {sessions} sessions ({} KiB) at once, {per_push} a request: \
         {:>7.1} ms, {rate:>7.0} sessions/s",
        total_bytes / 1024,
        elapsed.as_secs_f64() * 1e3
    );
    if let Some(cpu) = &cpu {
        cpu.print(label, sessions, elapsed);
    }
    drop(server);
    let server_cpu_per_session = cpu.map(|cpu| cpu.server * 1e6 / sessions as f64);
    Ingested { rate, total_bytes, server_cpu_per_session, devices, pat: pat.user_id.clone() }
}

/// `count` requests from each device (by its token) at once, each one at a time, made by
/// `request`; prints the wall time and the server's and Postgres's CPU per request.
async fn per_request_cost<F, Fut>(
    server: &Running,
    api: &Api,
    counts: &[(String, usize)],
    label: &str,
    what: &str,
    request: F,
) where
    F: Fn(Api, String) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let requests = counts.iter().map(|(_, count)| count).sum::<usize>();
    let cpu_before = Cpu::now(Some(server.server.pid()));
    let started = Instant::now();
    let tasks: Vec<_> = counts
        .iter()
        .map(|(token, count)| {
            let (api, token, count, request) = (api.clone(), token.clone(), *count, request.clone());
            tokio::spawn(async move {
                for _ in 0..count {
                    request(api.clone(), token.clone()).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("device");
    }
    let elapsed = started.elapsed();
    if let Some(cpu) = Cpu::now(Some(server.server.pid())).zip(cpu_before).map(|(now, before)| now.since(&before)) {
        println!(
            "{label:<8} {requests} {what} from {DEVICES} devices at once: {:>7.1} ms; server {:.0} µs \
             and postgres {:.0} µs of CPU per request",
            elapsed.as_secs_f64() * 1e3,
            cpu.server * 1e6 / requests as f64,
            cpu.postgres * 1e6 / requests as f64
        );
    }
}

/// The two parts of a pushed session's cost that no server can skip, each measured alone in
/// this process on the database the server just left: merging the device's changes through
/// the rules and projecting the session (as `sync::prepare_all` does, on one core), then the
/// store's commits of those sessions from 50 tasks, 4 sessions a call, through the same group
/// commit. What the server spent beyond the two is HTTP, JSON, authentication, the reads
/// before a merge, and the hand-offs between threads.
async fn ingest_parts<S: Store + Clone + 'static>(store: S, label: &str, ingested: &mut Ingested) {
    let mut pushes = Vec::new();
    for device in &mut ingested.devices {
        let me = device.user_id.clone();
        for _ in 0..SESSIONS_PER_DEVICE {
            device.log(&ingested.pat, SessionKind::Individual, &[(&me, 60)]);
        }
        let docs: Vec<(String, Vec<Vec<u8>>)> = device.unacked.drain().collect();
        pushes.push((device.user_id.clone(), device.device_id.clone(), docs));
    }
    let sessions = DEVICES * SESSIONS_PER_DEVICE;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    let started = Instant::now();
    let mut batches = Vec::new();
    for (user, device_id, docs) in pushes {
        let mut commits = Vec::new();
        for (doc_id, changes) in docs {
            let changes: Vec<automerge::Change> =
                changes.iter().map(|c| rsc_doc::SessionDoc::decode_change(c).expect("a change")).collect();
            let mut doc = rsc_doc::SessionDoc::empty();
            let session = doc.apply_pushed(&changes, &user, now).expect("merges").expect("a session");
            let heads: Vec<String> = doc.heads().iter().map(|h| h.to_string()).collect();
            assert_eq!(heads.len(), 1);
            let (row, attendance) = rsc_service::projection::project(&session, &[]);
            commits.push(DocCommit {
                doc_id,
                expected_version: None,
                new_changes: changes
                    .iter()
                    .map(|c| NewChange { actor_id: c.actor_id().to_bytes().to_vec(), bytes: c.raw_bytes().to_vec() })
                    .collect(),
                device_id: device_id.clone(),
                previous_participants: Vec::new(),
                participants: session.participants().iter().map(ToString::to_string).collect(),
                expanded_bytes: changes.iter().map(|c| c.raw_bytes().len() as i64).sum(),
                session: row,
                attendance,
                attestations: Vec::new(),
            });
        }
        batches.push(commits);
    }
    let merge_us = started.elapsed().as_secs_f64() * 1e6 / sessions as f64;
    let cpu_before = Cpu::now(None);
    let started = Instant::now();
    let tasks: Vec<_> = batches
        .into_iter()
        .map(|commits| {
            let store = store.clone();
            tokio::spawn(async move {
                for chunk in commits.chunks(SESSIONS_PER_PUSH) {
                    assert!(store.commit_documents(chunk).await.expect("commit").all_written(), "a new document each");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    let elapsed = started.elapsed();
    let cpu = Cpu::now(None).zip(cpu_before).map(|(now, before)| now.since(&before));
    let per_session = |seconds: f64| seconds * 1e6 / sessions as f64;
    let store_us = cpu.as_ref().map_or(0.0, |cpu| per_session(cpu.bench + cpu.postgres));
    // The store's share that runs in the server's process (SQLite itself, or Postgres's
    // client): what the server's own CPU figure holds of it.
    let store_in_process_us = cpu.as_ref().map_or(0.0, |cpu| per_session(cpu.bench));
    println!(
        "{label:<8} parts of a session's ingest, measured alone: merge and projection {merge_us:.0} µs on one core; \
         the store's commits from {DEVICES} tasks {:.0} sessions/s, {store_us:.0} µs of CPU (this process and postgres)",
        sessions as f64 / elapsed.as_secs_f64()
    );
    if let Some(server) = ingested.server_cpu_per_session {
        println!(
            "{label:<8} the server's {server:.0} µs per session: {:.0} µs beyond the two parts \
             (HTTP, JSON, authentication, reads, thread hand-offs)",
            server - merge_us - store_in_process_us
        );
    }
}

/// The same rows and bytes written by Postgres alone: per session one document row, one
/// change row, one session row, one attendance row, two participant rows and a counter bump,
/// in transactions of as many sessions as a device pushes at once, from 50 connections.
async fn postgres_alone(url: &str, total_bytes: usize) -> f64 {
    let store = rsc_server::store::PgStore::connect(url, DEVICES as u32).await.expect("connect");
    let pool = store.pool().clone();
    let per_change = total_bytes / (DEVICES * SESSIONS_PER_DEVICE);
    let cpu_before = Cpu::now(None);
    let started = Instant::now();
    let tasks: Vec<_> = (0..DEVICES)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..SESSIONS_PER_DEVICE / SESSIONS_PER_PUSH {
                  let mut tx = pool.begin().await.expect("begin");
                  for _ in 0..SESSIONS_PER_PUSH {
                    // Ids as the server keeps them in Postgres: 16 bytes (see rsc-store's keys).
                    let id = uuid::Uuid::new_v4().as_bytes().to_vec();
                    let bytes = vec![7u8; per_change];
                    sqlx::query("INSERT INTO documents (id, version) VALUES ($1, 1)")
                        .bind(&id).execute(&mut *tx).await.expect("doc");
                    sqlx::query("INSERT INTO sessions (id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format, withdrawn, problems) VALUES ($1, decode(md5('pat'), 'hex'), decode(md5('ana'), 'hex'), '2025-03-04', '10:00', 'UTC', 60, 'individual', 'video', FALSE, '')")
                        .bind(&id).execute(&mut *tx).await.expect("session");
                    sqlx::query("INSERT INTO attendance (session_id, attendee_id, minutes_attended, about_own_rsc_practice, status) VALUES ($1, decode(md5('ana'), 'hex'), 60, FALSE, 'pending')")
                        .bind(&id).execute(&mut *tx).await.expect("attendance");
                    let (seq,): (i64,) = sqlx::query_as("UPDATE sync_counter SET seq = seq + 2 WHERE id = 1 RETURNING seq")
                        .fetch_one(&mut *tx).await.expect("counter");
                    sqlx::query("INSERT INTO changes (seq, doc_id, actor_id, bytes) VALUES ($1, $2, $3, $4)")
                        .bind(seq - 1).bind(&id).bind(vec![1u8; 16]).bind(&bytes).execute(&mut *tx).await.expect("change");
                    for user in ["ana", "pat"] {
                        sqlx::query("INSERT INTO participants (doc_id, user_id, added_seq) VALUES ($1, decode(md5($2), 'hex'), $3)")
                            .bind(&id).bind(user).bind(seq).execute(&mut *tx).await.expect("participant");
                    }
                  }
                  tx.commit().await.expect("commit");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    let elapsed = started.elapsed();
    let cpu = Cpu::now(None).zip(cpu_before).map(|(now, before)| now.since(&before));
    let rate = (DEVICES * SESSIONS_PER_DEVICE) as f64 / elapsed.as_secs_f64();
    println!(
        "postgres alone, same rows and bytes from {DEVICES} connections: {:>7.1} ms, {rate:>7.0} sessions/s",
        elapsed.as_secs_f64() * 1e3
    );
    if let Some(cpu) = cpu {
        cpu.print("alone", DEVICES * SESSIONS_PER_DEVICE, elapsed);
    }
    rate
}

/// CPU seconds (user and system) spent so far: by the server process, by Postgres's processes,
/// by this bench, and by the whole machine. Where the cores go during the 50-device ingest.
struct Cpu {
    server: f64,
    postgres: f64,
    bench: f64,
    busy: f64,
    cores: usize,
}

impl Cpu {
    /// With the `server` process's time if there is one; `None` where there is no Linux `/proc`
    /// to read.
    fn now(server: Option<u32>) -> Option<Cpu> {
        use rsc_test_kit::process::{clock_ticks, cpu_seconds, cpu_seconds_of_all};
        let postgres = cpu_seconds_of_all("postgres")?;
        let ticks = clock_ticks()?;
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let all: Vec<f64> =
            stat.lines().next()?.split_whitespace().skip(1).map(|n| n.parse().ok()).collect::<Option<_>>()?;
        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        let busy = all.iter().take(8).sum::<f64>() - all[3] - all[4];
        Some(Cpu {
            server: server.and_then(cpu_seconds).unwrap_or(0.0),
            postgres,
            bench: cpu_seconds(std::process::id())?,
            busy: busy / ticks,
            cores: stat.lines().filter(|l| l.starts_with("cpu") && !l.starts_with("cpu ")).count(),
        })
    }

    /// Prints where the cores went, per session.
    fn print(&self, label: &str, sessions: usize, elapsed: Duration) {
        let per_session = |seconds: f64| seconds * 1e6 / sessions as f64;
        println!(
            "{label:<8} CPU per session: server {:.0} µs, postgres {:.0} µs, the bench {:.0} µs, \
             the rest of the machine {:.0} µs; busy {:.0}% of {} cores",
            per_session(self.server),
            per_session(self.postgres),
            per_session(self.bench),
            per_session(self.busy - self.server - self.postgres - self.bench),
            100.0 * self.busy / (self.cores as f64 * elapsed.as_secs_f64()),
            self.cores
        );
    }

    fn since(self, before: &Cpu) -> Cpu {
        Cpu {
            server: self.server - before.server,
            postgres: self.postgres - before.postgres,
            bench: self.bench - before.bench,
            busy: self.busy - before.busy,
            cores: self.cores,
        }
    }
}

/// A process's user and system time in clock ticks, all its threads together.
/// The `rsc-server` process of one measurement, in a folder of its own.
struct Running {
    server: rsc_test_kit::process::Server,
    _dir: tempfile::TempDir,
}

impl Running {
    async fn start(database: &str, connections: u32) -> (Running, Api) {
        let dir = tempfile::Builder::new().prefix("rsc-bench-").tempdir().expect("temp dir");
        let (server, api) =
            rsc_test_kit::process::start_binary(SERVER.as_ref(), dir.path(), database, connections).await;
        (Running { server, _dir: dir }, api)
    }
}

/// A new SQLite database for one measurement (removed after it).
async fn with_sqlite<F: AsyncFnOnce(&str)>(run: F) {
    let dir = tempfile::Builder::new().prefix("rsc-bench-db-").tempdir().expect("temp dir");
    run(&format!("sqlite://{}/rsc.db", dir.path().display())).await;
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs nothing heavy.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // `cargo bench -p rsc-server --bench sync -- ingest` runs only the measurements whose name
    // holds `ingest` (the others: `first`, `evaluation`, `backlog`).
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    if wanted("first sync") {
        with_sqlite(async |url| first_sync(url, "sqlite").await).await;
    }
    if wanted("evaluation") {
        with_sqlite(async |url| evaluation(url, "sqlite").await).await;
    }
    if wanted("ingest") {
        with_sqlite(async |url| {
            let mut ingested = concurrent_ingest(url, "sqlite", SESSIONS_PER_PUSH).await;
            let store = rsc_server::store::SqliteStore::connect(url).await.expect("the server's database");
            ingest_parts(store, "sqlite", &mut ingested).await;
        })
        .await;
    }
    if wanted("backlog ingest") {
        with_sqlite(async |url| drop(concurrent_ingest(url, "sqlite", SESSIONS_PER_DEVICE).await)).await;
    }
    if std::env::var("RSC_TEST_POSTGRES_URL").is_err() {
        println!("postgres: skipped (set RSC_TEST_POSTGRES_URL, see scripts/postgres-for-tests)");
        return;
    }
    let mut databases = Vec::new();
    let mut database = async || {
        let (name, url) = support::create_postgres_db().await.expect("the test Postgres");
        databases.push(name);
        url
    };
    if wanted("first sync") {
        first_sync(&database().await, "postgres").await;
    }
    if wanted("evaluation") {
        evaluation(&database().await, "postgres").await;
    }
    if wanted("ingest") {
        let url = database().await;
        let mut ingested = concurrent_ingest(&url, "postgres", SESSIONS_PER_PUSH).await;
        let store = rsc_server::store::PgStore::connect(&url, DEVICES as u32).await.expect("the server's database");
        ingest_parts(store, "postgres", &mut ingested).await;
        let raw_rate = postgres_alone(&database().await, ingested.total_bytes).await;
        println!("server ingest is {:.0}% of postgres alone", 100.0 * ingested.rate / raw_rate);
    }
    if wanted("backlog ingest") {
        drop(concurrent_ingest(&database().await, "postgres", SESSIONS_PER_DEVICE).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    for db in databases {
        support::drop_postgres_db(&db).await;
    }
}
