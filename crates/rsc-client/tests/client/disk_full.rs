//! A full disk, on the server and on a device: the server's SQLite database on a small tmpfs
//! that fills up during syncs answers 507, keeps everything it acknowledged, and takes the
//! rest by itself once there is room; a device whose disk fills refuses the write with
//! `StorageFull` and keeps everything it had.
//!
//! Mounting a tmpfs takes root: where the tests run without it, these two skip and say so.

use std::path::{Path, PathBuf};
use std::process::Command;

use rsc_client::{ClientError, Logbook, SessionFilter, SyncOptions};

use crate::support::{
    PASSWORD, ServerProcess, TestServer, acknowledged, connect, everything, id, person, second_device, session, sync,
};

/// A tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// A tmpfs of `kib` KiB, or `None` where this process may not mount one.
    fn mount(kib: u64) -> Option<SmallDisk> {
        let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if !root {
            eprintln!("skipped a disk-full test: mounting a tmpfs needs root");
            return None;
        }
        let dir = tempfile::Builder::new().prefix("rsc-small-disk-").tempdir().expect("temp dir");
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "root mounts a tmpfs");
        Some(SmallDisk { path, _dir: dir })
    }

    /// Makes it `kib` KiB, keeping what it holds.
    fn resize(&self, kib: u64) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={kib}k")])
            .arg(&self.path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "remount to {kib} KiB");
    }

    /// What its files take, in KiB.
    fn used_kib(&self) -> u64 {
        let output = Command::new("df").args(["-k", "--output=used"]).arg(&self.path).output().expect("df runs");
        String::from_utf8_lossy(&output.stdout).lines().nth(1).and_then(|l| l.trim().parse().ok()).expect("df's figure")
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

#[test]
fn a_full_server_disk_answers_507_loses_nothing_and_takes_the_rest_once_there_is_room() {
    let Some(disk) = SmallDisk::mount(64 * 1024) else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let server = ServerProcess::new(Some(format!("sqlite://{}/rsc.db", disk.path().display())));
    let (ana, _) = person(&server, "ana");
    let (pat, pat_account) = person(&server, "pat");
    connect(&pat, &[&ana]);
    let pat_id = id(&pat_account);
    let mut day = 0;
    let mut log = |n: usize| {
        for _ in 0..n {
            day += 1;
            let date = format!("2025-{:02}-{:02}", 1 + day / 28 % 12, 1 + day % 28);
            ana.log_session(session(&pat_id, &date, 60, &[])).expect("log");
        }
    };
    log(20);
    sync(&ana);

    // A few pages of room left, then syncs until the disk is full.
    disk.resize(disk.used_kib() + 64);
    let options = SyncOptions { max_attempts: 1, ..SyncOptions::default() };
    let mut refused = None;
    for _ in 0..400 {
        log(10);
        match ana.sync(&options, &|_| {}) {
            Ok(_) => {}
            Err(ClientError::Server { status, message }) => {
                refused = Some((status, message));
                break;
            }
            Err(other) => panic!("a full server disk answers 507, not: {other}"),
        }
    }
    let (status, message) = refused.expect("the disk filled up");
    assert_eq!(status, 507, "{message}");
    assert!(message.contains("storage is full") && message.contains("try again"), "{message}");
    assert!(ana.status().expect("status").pending_changes > 0, "what was refused waits on the device");
    let acknowledged = acknowledged(&ana);
    assert!(acknowledged.len() >= 20);
    assert_eq!(server.missing(&runtime, &acknowledged), Vec::<String>::new(), "nothing acknowledged was lost");

    // Room again: the same server process takes the rest.
    disk.resize(64 * 1024);
    ana.sync(&SyncOptions::default(), &|_| {}).expect("a sync once there is room");
    assert_eq!(ana.status().expect("status").pending_changes, 0);
    let tablet = second_device(&server, "ana");
    sync(&tablet);
    assert_eq!(everything(&tablet), everything(&ana), "her new device receives every session, each once");
    sync(&pat);
    assert_eq!(pat.sessions(&SessionFilter::default()).expect("pat's").len(), everything(&ana).0.len());
}

#[test]
fn a_full_device_disk_refuses_the_write_and_keeps_what_it_had() {
    let server = TestServer::start();
    let Some(disk) = SmallDisk::mount(16 * 1024) else { return };
    let ana = Logbook::open(disk.path().join("ana")).expect("open");
    ana.sign_up(&server.url(), "ana@example.org", PASSWORD, "Ana", "Ana's phone").expect("sign up");
    let (pat, pat_account) = person(&server, "pat");
    connect(&pat, &[&ana]);
    let pat_id = id(&pat_account);
    let log = |n: usize| ana.log_session(session(&pat_id, &format!("2025-03-{:02}", 1 + n % 28), 60, &[]));
    for n in 0..10 {
        log(n).expect("log");
    }
    disk.resize(disk.used_kib() + 96);
    let mut logged = 10;
    let refusal = loop {
        match log(logged) {
            Ok(_) => logged += 1,
            Err(error) => break error,
        }
        assert!(logged < 10_000, "the disk never filled");
    };
    assert!(matches!(refusal, ClientError::StorageFull), "{refusal:?}");
    assert!(refusal.to_string().contains("storage is full"), "{refusal}");
    // Everything logged before is there; the refused session is not half there.
    assert_eq!(ana.sessions(&SessionFilter::default()).expect("sessions").len(), logged);
    assert!(matches!(log(logged), Err(ClientError::StorageFull)), "refused again, still cleanly");

    disk.resize(16 * 1024);
    log(logged).expect("logging once there is room");
    drop(ana);
    // The store opens again and syncs everything it holds.
    let ana = Logbook::open(disk.path().join("ana")).expect("the store opens after the full disk");
    sync(&ana);
    assert_eq!(ana.status().expect("status").pending_changes, 0);
    let tablet = second_device(&server, "ana");
    sync(&tablet);
    assert_eq!(everything(&tablet).0.len(), logged + 1);
}
