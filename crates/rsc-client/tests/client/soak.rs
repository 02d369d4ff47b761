//! A soak: mixed load on an `rsc-server` process for a while, on SQLite and on Postgres: 50
//! devices logging and syncing, a provider confirming from her device, people in the portal
//! signing in, reading their pages and making exports, 20 event streams held open, and staff
//! importing the registry. Every few seconds it samples the server's resident memory, its open
//! descriptors, the sync latencies, the CPU time the server (and Postgres) spent per sync and
//! the errors; at the end memory and descriptors are flat, nothing failed, and every session
//! reached the server once.
//!
//! The test command runs [`DEFAULT_SECONDS`] on each backend; `scripts/soak SECONDS` runs as
//! long as asked (`RSC_SOAK_SECONDS`).

use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rsc_client::{AttendanceStatus, Logbook, SessionFilter, SyncOptions};

use crate::support::{
    PASSWORD, ServerProcess, Serves, connect, everything, http_client, id, person, second_device, session,
};

/// Seconds the test command soaks each backend.
const DEFAULT_SECONDS: u64 = 30;
const DEVICES: usize = 50;
const STREAMS: usize = 20;
const PORTAL_USERS: usize = 3;
/// A device logs a session every this many syncs: a phone syncs whenever it is opened, more
/// often than its owner logs, and a session every sync would give the provider a caseload no
/// real one holds within minutes.
const SYNCS_PER_SESSION: u64 = 4;

/// What the load saw, shared by its threads.
#[derive(Default)]
struct Seen {
    /// Sync latencies since the last sample, in milliseconds.
    latencies: Mutex<Vec<u64>>,
    syncs: AtomicU64,
    /// Syncs that failed after their retries, and answers of 500 or more.
    errors: AtomicU64,
    pages: AtomicU64,
    exports: AtomicU64,
    imports: AtomicU64,
    confirmations: AtomicU64,
    stream_connections: AtomicU64,
}

impl Seen {
    fn status(&self, what: &str, status: reqwest::StatusCode) {
        if status.is_server_error() {
            eprintln!("{what}: {status}");
            self.errors.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// One sample of the server process.
struct Sample {
    at_secs: u64,
    rss_kib: u64,
    fds: usize,
    p50_ms: u64,
    p99_ms: u64,
    syncs: u64,
    /// CPU milliseconds per sync since the last sample: the server's, and Postgres's.
    server_cpu_ms: f64,
    postgres_cpu_ms: Option<f64>,
    errors: u64,
}

fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() { 0 } else { sorted[(sorted.len() * p / 100).min(sorted.len() - 1)] }
}

/// A bearer token for `email`, signed in as a new device.
fn token(base: &str, email: &str, actor: u8) -> String {
    let key = rsc_doc::DeviceKey::from_secret_bytes(&[actor; 32]);
    let body = serde_json::json!({ "email": email, "password": PASSWORD,
        "device": { "name": "a soak device", "public_key": hex::encode(key.public_key()), "actor_id": hex::encode([actor; 16]) } });
    let answer: serde_json::Value =
        http_client().post(format!("{base}/v1/login")).json(&body).send().expect("login").json().expect("json");
    answer["token"].as_str().unwrap_or_else(|| panic!("a token: {answer}")).to_string()
}

/// `pairs` as a URL-encoded form body.
fn encoded(pairs: &[(&str, String)]) -> String {
    let escape = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", escape(k), escape(v))).collect::<Vec<_>>().join("&")
}

/// A portal session for `email`: its cookies and the token its forms carry.
/// Each sign-in is a new browser: `seed` makes its key and actor.
fn portal(base: &str, email: &str, seed: u64) -> (reqwest::blocking::Client, String, String) {
    let http =
        reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let page = http.get(format!("{base}/signin")).send().expect("sign-in page");
    let cookie =
        |response: &reqwest::blocking::Response, name: &str| rsc_test_kit::cookie_set_in(response.headers(), name);
    let csrf = cookie(&page, "rsc_csrf").expect("csrf cookie");
    let mut secret = [0x5a; 32];
    secret[..8].copy_from_slice(&seed.to_be_bytes());
    let key = rsc_doc::DeviceKey::from_secret_bytes(&secret);
    let form = [
        ("csrf", csrf.clone()),
        ("email", email.to_string()),
        ("password", PASSWORD.to_string()),
        ("device_name", "a browser".to_string()),
        ("public_key", hex::encode(key.public_key())),
        ("actor_id", hex::encode(&secret[..16])),
        ("next", "/".to_string()),
    ];
    let signed_in = http
        .post(format!("{base}/signin"))
        .header("cookie", format!("rsc_csrf={csrf}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encoded(&form))
        .send()
        .expect("sign in");
    let session = cookie(&signed_in, "rsc_session").expect("a portal session");
    let cookies = format!("rsc_session={session}");
    let html =
        http.get(format!("{base}/exports")).header("cookie", &cookies).send().expect("page").text().expect("html");
    (http, cookies, rsc_test_kit::csrf_in(&html))
}

fn soak(database: Option<String>, backend: &str) {
    let seconds: u64 = std::env::var("RSC_SOAK_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SECONDS);
    let server = ServerProcess::new(database);
    server.command(&["association", "create", "NMAIMH", "--name", "NMAIMH"]);
    server.command(&["admin", "create", "--email", "staff@example.org", "--association", "NMAIMH"]);
    let base = server.url();
    let (pat, pat_account) = person(&server, "pat");
    let names: Vec<String> = (0..DEVICES).map(|n| format!("device{n}")).collect();
    let devices: Vec<Logbook> = names.iter().map(|name| person(&server, name).0).collect();
    connect(&pat, &devices.iter().collect::<Vec<_>>());
    let pat_id = id(&pat_account);
    let staff = token(&base, "staff@example.org", 0xe0);
    // Signed in before the clock starts: each sign-in hashes a password.
    let bearers: Vec<String> =
        (0..STREAMS).map(|n| token(&base, &format!("{}@example.org", names[n]), 0x10 + n as u8)).collect();
    let seen = Seen::default();
    let running = AtomicBool::new(true);
    let started = Instant::now();
    let mut samples: Vec<Sample> = Vec::new();
    let pid = server.pid();

    std::thread::scope(|scope| {
        for (n, device) in devices.iter().enumerate() {
            let (seen, running, pat_id) = (&seen, &running, &pat_id);
            scope.spawn(move || {
                let mut round = 0;
                while running.load(Ordering::SeqCst) {
                    round += 1;
                    if round % SYNCS_PER_SESSION == 1 {
                        let day = round / SYNCS_PER_SESSION;
                        let date = format!("2025-{:02}-{:02}", 1 + day / 28 % 12, 1 + (n as u64 + day) % 28);
                        device.log_session(session(pat_id, &date, 60, &[])).expect("log");
                    }
                    let began = Instant::now();
                    match device.sync(&SyncOptions::default(), &|_| {}) {
                        Ok(_) => seen.latencies.lock().expect("lock").push(began.elapsed().as_millis() as u64),
                        Err(error) => {
                            eprintln!("a device's sync failed: {error}");
                            seen.errors.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    seen.syncs.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(500 + (n as u64 * 37) % 1000));
                }
            });
        }
        // The provider confirms what waits for her, from her device.
        let (seen_ref, running_ref, pat_ref) = (&seen, &running, &pat);
        scope.spawn(move || {
            while running_ref.load(Ordering::SeqCst) {
                if pat_ref.sync(&SyncOptions::default(), &|_| {}).is_err() {
                    seen_ref.errors.fetch_add(1, Ordering::SeqCst);
                }
                // Up to ten entries a round, each signed with her device's key.
                let waiting = pat_ref.awaiting_confirmation().expect("pat's queue");
                for entry in waiting.iter().take(10) {
                    assert_eq!(entry.status, AttendanceStatus::Pending);
                    pat_ref.confirm(entry.session.id.as_str(), entry.attendee.as_str(), None, false).expect("confirm");
                    seen_ref.confirmations.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_secs(2));
            }
        });
        // Event streams, held open and opened again when they end.
        for bearer in &bearers {
            let (seen, running, base) = (&seen, &running, &base);
            scope.spawn(move || {
                // Held until the server ends it; its keep-alive comment (every 15 seconds) lets
                // the reader see that the soak is over.
                let http = reqwest::blocking::Client::builder().timeout(None).build().expect("client");
                while running.load(Ordering::SeqCst) {
                    seen.stream_connections.fetch_add(1, Ordering::SeqCst);
                    match http.get(format!("{base}/v1/events")).bearer_auth(bearer).send() {
                        Ok(mut response) => {
                            seen.status("GET /v1/events", response.status());
                            let mut buffer = [0u8; 512];
                            while running.load(Ordering::SeqCst) {
                                match response.read(&mut buffer) {
                                    Ok(0) | Err(_) => break,
                                    Ok(_) => {}
                                }
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(200)),
                    }
                }
            });
        }
        // People in the portal: sign in, read their pages, make an export.
        for n in 0..PORTAL_USERS {
            let (seen, running, base) = (&seen, &running, &base);
            let email = format!("{}@example.org", names[DEVICES - 1 - n]);
            scope.spawn(move || {
                let mut round = 0u64;
                while running.load(Ordering::SeqCst) {
                    round += 1;
                    let (http, cookies, csrf) = portal(base, &email, (n as u64) << 32 | round);
                    for path in ["/", "/sessions", "/hours", "/exports", "/profile"] {
                        let response =
                            http.get(format!("{base}{path}")).header("cookie", &cookies).send().expect("page");
                        seen.status(path, response.status());
                        seen.pages.fetch_add(1, Ordering::SeqCst);
                    }
                    let made = http
                        .post(format!("{base}/exports/make"))
                        .header("cookie", &cookies)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(encoded(&[
                            ("csrf", csrf.clone()),
                            ("purpose", "application".into()),
                            ("rulebook", "nmaimh".into()),
                        ]))
                        .send()
                        .expect("export");
                    seen.status("POST /exports/make", made.status());
                    seen.exports.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_secs(3));
                }
            });
        }
        // Staff import the registry now and then.
        let (seen_ref, running_ref, base_ref, staff_ref) = (&seen, &running, &base, &staff);
        scope.spawn(move || {
            let mut round = 0;
            while running_ref.load(Ordering::SeqCst) {
                round += 1;
                let mut csv = String::from(
                    "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n",
                );
                for n in 0..200 {
                    csv.push_str(&format!("NM-{n},Holder {n},holder{n}@example.org,IMHM-C,NMAIMH,2015-03-01,,\n"));
                }
                let response = http_client()
                    .post(format!("{base_ref}/v1/registry/import?source=soak-{round}.csv"))
                    .bearer_auth(staff_ref)
                    .header("content-type", "text/csv")
                    .body(csv)
                    .send()
                    .expect("import");
                seen_ref.status("POST /v1/registry/import", response.status());
                seen_ref.imports.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_secs(10));
            }
        });

        let every = Duration::from_secs((seconds / 12).max(5));
        let on_postgres = backend == "Postgres";
        let cpu = || {
            let server = rsc_test_kit::process::cpu_seconds(pid).unwrap_or(0.0);
            (server, on_postgres.then(|| rsc_test_kit::process::cpu_seconds_of_all("postgres").unwrap_or(0.0)))
        };
        let (mut server_cpu, mut postgres_cpu) = cpu();
        let mut syncs_before = 0;
        while started.elapsed() < Duration::from_secs(seconds) {
            std::thread::sleep(every.min(Duration::from_secs(seconds).saturating_sub(started.elapsed())));
            let mut latencies = std::mem::take(&mut *seen.latencies.lock().expect("lock"));
            latencies.sort_unstable();
            let syncs = seen.syncs.load(Ordering::SeqCst);
            let per_sync = (syncs - syncs_before).max(1) as f64;
            let (server_now, postgres_now) = cpu();
            samples.push(Sample {
                at_secs: started.elapsed().as_secs(),
                rss_kib: rsc_test_kit::process::memory_kib(pid, "VmRSS"),
                fds: descriptors(pid),
                p50_ms: percentile(&latencies, 50),
                p99_ms: percentile(&latencies, 99),
                syncs,
                server_cpu_ms: (server_now - server_cpu) * 1e3 / per_sync,
                postgres_cpu_ms: postgres_now.zip(postgres_cpu).map(|(now, before)| (now - before) * 1e3 / per_sync),
                errors: seen.errors.load(Ordering::SeqCst),
            });
            (server_cpu, postgres_cpu, syncs_before) = (server_now, postgres_now, syncs);
        }
        running.store(false, Ordering::SeqCst);
    });

    eprintln!(
        "{backend} soak, {seconds} s: {DEVICES} devices, {STREAMS} event streams, {PORTAL_USERS} portal users, staff importing"
    );
    eprintln!("  t(s)  RSS(MiB)  fds  p50(ms)  p99(ms)  syncs  server CPU/sync  postgres CPU/sync  errors");
    for s in &samples {
        eprintln!(
            "  {:>4}  {:>8.1}  {:>3}  {:>7}  {:>7}  {:>5}  {:>12.1} ms  {:>14}  {:>6}",
            s.at_secs,
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.p50_ms,
            s.p99_ms,
            s.syncs,
            s.server_cpu_ms,
            s.postgres_cpu_ms.map_or("-".to_string(), |ms| format!("{ms:.1} ms")),
            s.errors
        );
    }
    eprintln!(
        "  confirmations {}, pages {}, exports {}, imports {}, event-stream connections {}",
        seen.confirmations.load(Ordering::SeqCst),
        seen.pages.load(Ordering::SeqCst),
        seen.exports.load(Ordering::SeqCst),
        seen.imports.load(Ordering::SeqCst),
        seen.stream_connections.load(Ordering::SeqCst)
    );
    assert_eq!(seen.errors.load(Ordering::SeqCst), 0, "{backend}: no failed sync and no server error");
    assert!(samples.len() >= 3, "{backend}: sampled");
    // Flat: after the first sample (warm-up), memory and descriptors stay within a margin.
    let warm = &samples[0];
    let last = samples.last().expect("a sample");
    let highest_rss = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
    assert!(
        highest_rss <= warm.rss_kib + warm.rss_kib / 2 + 48 * 1024,
        "{backend}: memory grew from {} KiB to {highest_rss} KiB",
        warm.rss_kib
    );
    assert!(last.fds <= warm.fds + 24, "{backend}: descriptors grew from {} to {}", warm.fds, last.fds);

    // Nothing lost: each device's new twin receives exactly what it logged.
    for (n, device) in devices.iter().enumerate().step_by(7) {
        device.sync(&SyncOptions::default(), &|_| {}).expect("final sync");
        let twin = second_device(&server, &names[n]);
        twin.sync(&SyncOptions::default(), &|_| {}).expect("twin sync");
        assert_eq!(everything(&twin), everything(device), "{backend}: {}'s sessions on the server", names[n]);
    }
    pat.sync(&SyncOptions::default(), &|_| {}).expect("pat's sync");
    let mut logged = 0;
    for device in &devices {
        device.sync(&SyncOptions::default(), &|_| {}).expect("sync");
        logged += device.sessions(&SessionFilter::default()).expect("sessions").len();
    }
    pat.sync(&SyncOptions::default(), &|_| {}).expect("pat's sync");
    assert_eq!(
        pat.sessions(&SessionFilter::default()).expect("pat's").len(),
        logged,
        "{backend}: Pat sees every session"
    );
}

#[test]
fn mixed_load_holds_steady_on_sqlite() {
    soak(None, "SQLite");
}

#[test]
fn mixed_load_holds_steady_on_postgres() {
    crate::support::on_postgres(|url| soak(Some(url), "Postgres"));
}
