//! The device's figures: logging one session (persisted: the transaction is on disk when the
//! call returns), a sync with nothing to do, one edit to the server's durable acknowledgement,
//! one edit until a second, watching device has it (pushed, not polled), opening a
//! 1,000-session logbook and listing it, and a new device's first sync of 1,000 sessions.
//! The server is this workspace's `rsc-server` binary (built in release, as the benchmark is),
//! a process of its own on SQLite, reached over loopback.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rsc_client::{CancelFlag, Logbook, SessionEdit, SessionFilter, SyncOptions, WatchEvent};

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/client/support.rs"]
mod support;

use support::{Serves, id, person, second_device, session};

/// The `rsc-server` process, on a SQLite database in a folder of its own where the devices'
/// folders live too; stopped, and the folder removed, when dropped.
struct ServerProcess {
    child: Child,
    root: tempfile::TempDir,
    url: String,
}

impl ServerProcess {
    fn start() -> ServerProcess {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "--release", "--quiet", "--locked", "-p", "rsc-server", "--bin", "rsc-server"])
            .status()
            .expect("cargo runs");
        assert!(built.success(), "rsc-server builds");
        let exe = std::env::current_exe().expect("bench binary");
        let release = exe.parent().and_then(|deps| deps.parent()).expect("target/release");
        let root = tempfile::Builder::new().prefix("rsc-client-bench-").tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let child = Command::new(release.join(format!("rsc-server{}", std::env::consts::EXE_SUFFIX)))
            .current_dir(root.path())
            .env("RSC_LISTEN", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", format!("sqlite://{}/rsc.db", root.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsc-server starts");
        let server = ServerProcess { child, root, url: format!("http://127.0.0.1:{port}") };
        let http = support::http_client();
        for _ in 0..400 {
            if http.get(format!("{}/readyz", server.url)).send().is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("rsc-server did not become ready");
    }
}

impl Serves for ServerProcess {
    fn url(&self) -> String {
        self.url.clone()
    }

    fn temp_dir(&self, what: &str) -> PathBuf {
        tempfile::Builder::new().prefix(&format!("{what}-")).tempdir_in(self.root.path()).expect("temp dir").keep()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn logbook(c: &mut Criterion) {
    let server = ServerProcess::start();
    let (ana, ana_account) = person(&server, "ana");
    let (pat_book, pat_account) = person(&server, "pat");
    support::connect(&pat_book, &[&ana]);
    let pat = id(&pat_account);
    let _ = ana_account;

    let mut group = c.benchmark_group("device");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    let mut day = 0u32;
    group.bench_function("log one session", |b| {
        b.iter(|| {
            day += 1;
            ana.log_session(session(&pat, &format!("2025-{:02}-{:02}", 1 + day / 28 % 12, 1 + day % 28), 60, &[]))
                .expect("log")
        })
    });

    ana.sync(&SyncOptions::default(), &|_| {}).expect("sync");
    let (requests, bytes, bodies) = wire_of_a_sync_with_nothing_to_do(&server);
    println!(
        "device/sync with nothing to do: {requests} request(s); {bodies} bytes of bodies, {bytes} bytes on the wire with HTTP headers (both ways)"
    );
    group.bench_function("sync with nothing to do", |b| {
        b.iter(|| {
            let report = ana.sync(&SyncOptions::default(), &|_| {}).expect("sync");
            assert_eq!(report.pushed_changes + report.pulled_changes, 0);
            report
        })
    });
    // Edits go round 300 sessions, so that each holds a few changes, as a real one does
    // (one session edited thousands of times would measure its history instead).
    let edited: Vec<_> = (0..300)
        .map(|n| ana.log_session(session(&pat, &format!("2026-{:02}-{:02}", 1 + n / 28 % 10, 1 + n % 28), 60, &[])))
        .map(|logged| logged.expect("log").id)
        .collect();
    ana.sync(&SyncOptions::default(), &|_| {}).expect("sync");
    let mut edits = 0usize;
    group.bench_function("one edit, then sync until the server holds it durably", |b| {
        b.iter(|| {
            edits += 1;
            let minute = 1 + edits / edited.len() % 50;
            let edit = SessionEdit { start_time: Some(format!("10:{minute:02}")), ..SessionEdit::default() };
            ana.edit_session(edited[edits % edited.len()].as_str(), edit).expect("edit");
            let report = ana.sync(&SyncOptions::default(), &|_| {}).expect("sync");
            assert_eq!(report.pushed_changes, 1);
        })
    });
    // Pat's device watches; each iteration is one session Ana logs and syncs, timed until Pat's
    // watch has synced it.
    let cancel = CancelFlag::new();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| pat_book.watch(&SyncOptions::default(), &cancel, &mut |event| drop(tx.send(event))));
        assert!(matches!(rx.recv_timeout(Duration::from_secs(30)), Ok(WatchEvent::Synced(_))));
        group.bench_function("one edit until a watching second device has it", |b| {
            b.iter(|| {
                day += 1;
                let logged = ana
                    .log_session(session(&pat, &format!("2025-{:02}-{:02}", 1 + day / 28 % 12, 1 + day % 28), 60, &[]))
                    .expect("log");
                ana.sync(&SyncOptions::default(), &|_| {}).expect("sync");
                loop {
                    match rx.recv_timeout(Duration::from_secs(30)).expect("the watch syncs") {
                        WatchEvent::Synced(report) if report.updated_sessions.contains(&logged.id) => break,
                        _ => continue,
                    }
                }
            })
        });
        cancel.cancel();
    });

    // A logbook of exactly 1,000 sessions, synced so that a new device can download them.
    let (bob, _) = person(&server, "bob");
    support::connect(&pat_book, &[&bob]);
    for n in 0..1000 {
        bob.log_session(session(&pat, &format!("2025-{:02}-{:02}", 1 + n / 28 % 12, 1 + n % 28), 60, &[]))
            .expect("log");
    }
    bob.sync(&SyncOptions::default(), &|_| {}).expect("sync");
    let dir = bob.dir().to_path_buf();
    drop(bob);
    group.bench_function("open a 1,000-session logbook and list it", |b| {
        b.iter(|| {
            let logbook = Logbook::open(&dir).expect("open");
            let sessions = logbook.sessions(&SessionFilter::default()).expect("list");
            assert_eq!(sessions.len(), 1000);
            sessions
        })
    });
    group.sample_size(10);
    group.bench_function("first sync of 1,000 sessions on a new device", |b| {
        b.iter_batched(
            || second_device(&server, "bob"),
            |device| {
                let report = device.sync(&SyncOptions::default(), &|_| {}).expect("sync");
                assert_eq!(report.updated_sessions.len(), 1000);
                report
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// What a sync with nothing to do costs on the wire: Ana's tablet, signed in through a relay
/// that records the bytes each way, syncs once to catch up and then once with nothing to do.
/// The second is counted: its requests (by their request lines), every byte, and the bodies'
/// bytes (by their `content-length`).
fn wire_of_a_sync_with_nothing_to_do(server: &ServerProcess) -> (usize, usize, usize) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let relay = format!("http://{}", listener.local_addr().expect("addr"));
    let upstream = server.url.trim_start_matches("http://").to_string();
    let bytes = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(Mutex::new(Vec::<u8>::new()));
    let received = Arc::new(Mutex::new(Vec::<u8>::new()));
    {
        let (bytes, sent, received) = (bytes.clone(), sent.clone(), received.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::net::TcpStream::connect(&upstream) else { return };
                for (mut from, mut to, record) in [
                    (client.try_clone().expect("clone"), server.try_clone().expect("clone"), sent.clone()),
                    (server, client, received.clone()),
                ] {
                    let bytes = bytes.clone();
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 16 * 1024];
                        while let Ok(n) = from.read(&mut buffer) {
                            if n == 0 || to.write_all(&buffer[..n]).is_err() {
                                break;
                            }
                            bytes.fetch_add(n, Ordering::SeqCst);
                            record.lock().expect("lock").extend_from_slice(&buffer[..n]);
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
    }
    let tablet = Logbook::open(server.temp_dir("ana-tablet")).expect("open");
    tablet.sign_in(&relay, "ana@example.org", support::PASSWORD, "Ana's tablet").expect("sign in");
    tablet.sync(&SyncOptions::default(), &|_| {}).expect("catch up");
    std::thread::sleep(Duration::from_millis(100));
    bytes.store(0, Ordering::SeqCst);
    sent.lock().expect("lock").clear();
    received.lock().expect("lock").clear();
    let report = tablet.sync(&SyncOptions::default(), &|_| {}).expect("sync");
    assert_eq!(report.pushed_changes + report.pulled_changes, 0);
    std::thread::sleep(Duration::from_millis(100));
    let sent = String::from_utf8_lossy(&sent.lock().expect("lock")).into_owned();
    let received = String::from_utf8_lossy(&received.lock().expect("lock")).into_owned();
    let requests = sent.matches(" HTTP/1.1\r\n").count();
    let bodies: usize = [&sent, &received]
        .iter()
        .flat_map(|traffic| traffic.lines())
        .filter_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|n| n.trim().to_string()))
        .map(|n| n.parse::<usize>().expect("a length"))
        .sum();
    (requests, bytes.load(Ordering::SeqCst), bodies)
}

criterion_group!(benches, logbook);
criterion_main!(benches);
