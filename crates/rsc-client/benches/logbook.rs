//! The device's figures: logging one session (persisted: the transaction is on disk when the
//! call returns), opening a 1,000-session logbook and listing it, and a new device's first
//! sync of 1,000 sessions from a server in this process (SQLite).

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rsc_client::{Logbook, SessionFilter, SyncOptions};

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/client/support.rs"]
mod support;

use support::{TestServer, id, person, second_device, session};

fn logbook(c: &mut Criterion) {
    let server = TestServer::start();
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

criterion_group!(benches, logbook);
criterion_main!(benches);
