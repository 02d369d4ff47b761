//! A real `rsc-server` process: for the end-to-end suites, built from this workspace and
//! started on a fresh database in its own folder with a registry admin; for the benchmarks, a
//! given binary on a given database. Stopped (folder and all) when dropped. Also reads a
//! process's memory and CPU time from Linux's `/proc`, for the limits and figures that need them.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::Api;

/// The registry admin's password (`staff@example.org`).
pub const ADMIN_PASSWORD: &str = "a long enough password";

/// A running server process.
pub struct Server {
    child: Child,
    // Removed when the server is dropped (after the process is stopped).
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The workspace's binary `bin`, built if needed (once per test process): these suites run
/// other packages' programs as their users would.
pub fn workspace_binary(bin: &str) -> std::path::PathBuf {
    // Built as `cargo test --workspace` builds it, with the whole workspace's features: after
    // the test command's own build there is nothing to do. (`cargo build -p` alone would pick
    // other features for the dependencies, and build them all again.)
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--locked", "--workspace", "--tests"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the workspace's binaries build");
    });
    beside_test_binary(bin)
}

/// The workspace's binary `bin` as the test command's build left it, built only when it is
/// missing (one package's tests run alone). For suites that start their own test binary again
/// as a worker: a build while they run could replace that very binary.
pub fn prebuilt_binary(bin: &str) -> std::path::PathBuf {
    let path = beside_test_binary(bin);
    if path.is_file() { path } else { workspace_binary(bin) }
}

/// Where cargo puts the workspace's binary `bin`: `target/debug`, above the test binary's `deps`.
fn beside_test_binary(bin: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let debug = exe.parent().and_then(|deps| deps.parent()).expect("target/debug");
    debug.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX))
}

/// The `rsc-server` binary of this workspace, built if needed.
pub fn server_binary() -> std::path::PathBuf {
    workspace_binary("rsc-server")
}

/// Starts a server on a new SQLite database with `staff@example.org` as staff of the seeds' associations.
pub async fn start_server() -> (Server, Api) {
    start_server_on(None).await
}

/// Starts a server on `database` (a `postgres://` URL), or on a new SQLite database in its
/// own folder, with `staff@example.org` as staff of the seeds' associations.
pub async fn start_server_on(database: Option<&str>) -> (Server, Api) {
    let binary = server_binary();
    let temp = tempfile::Builder::new().prefix("rsc-e2e-").tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    let command = |program: &std::path::Path| {
        let mut command = Command::new(program);
        command.current_dir(&dir);
        match database {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        command
    };
    let run = |args: &[&str]| {
        let output =
            command(&binary).args(args).env("RSC_ADMIN_PASSWORD", ADMIN_PASSWORD).output().expect("rsc-server runs");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    run(&["migrate"]);
    // The seeds' associations, each kept by the same staff member.
    let mut staff = vec!["admin", "create", "--email", "staff@example.org"];
    for association in crate::SEED_ASSOCIATIONS {
        run(&["association", "create", association, "--name", association]);
        staff.extend(["--association", association]);
    }
    run(&staff);
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let child = command(&binary)
        .env("RSC_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rsc-server starts");
    let server = Server { child, _dir: Some(temp) };
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    ready(server, api, 100, Duration::from_millis(100)).await
}

/// Starts `binary` in `dir` on `database` (a SQLite file or a Postgres database) with a pool
/// of `connections`, and waits until it is ready: the benchmarks' server, their own release
/// build.
pub async fn start_binary(
    binary: &std::path::Path,
    dir: &std::path::Path,
    database: &str,
    connections: u32,
) -> (Server, Api) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let child = Command::new(binary)
        .current_dir(dir)
        .env("RSC_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database)
        .env("RSC_MAX_CONNECTIONS", connections.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rsc-server starts");
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    ready(Server { child, _dir: None }, api, 400, Duration::from_millis(50)).await
}

/// Waits until `server` answers `/readyz`, asking `tries` times `every` so often.
async fn ready(server: Server, api: Api, tries: usize, every: Duration) -> (Server, Api) {
    for _ in 0..tries {
        if let Ok(response) = api.http.get(format!("{}/readyz", api.base)).send().await
            && response.status().is_success()
        {
            return (server, api);
        }
        tokio::time::sleep(every).await;
    }
    panic!("rsc-server did not become ready");
}

/// A figure from `/proc/<pid>/status`, in KiB: `VmRSS` (resident now) or `VmHWM` (the most
/// ever resident).
pub fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The CPU seconds (user and system) process `pid` has spent; `None` where there is no Linux
/// `/proc` to read or the process is gone.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    Some(stat_ticks(pid, &[11, 12])? / clock_ticks()?)
}

/// The CPU seconds every running process named `name` (as `/proc/<pid>/comm` has it, say
/// `postgres`) and the children they reaped have spent; `None` where there is no Linux
/// `/proc`. Counting the reaped children keeps the sum from falling when one ends (a Postgres
/// backend whose connection closed, reaped by the postmaster).
pub fn cpu_seconds_of_all(name: &str) -> Option<f64> {
    let mut ticks = 0.0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name) {
            ticks += stat_ticks(pid, &[11, 12, 13, 14]).unwrap_or(0.0);
        }
    }
    Some(ticks / clock_ticks()?)
}

/// The sum of `fields` of `/proc/<pid>/stat`, counted from the one after the command name
/// (which is in parentheses and may hold spaces): state is 0, utime 11, stime 12, and the
/// reaped children's cutime 13 and cstime 14.
fn stat_ticks(pid: u32, fields: &[usize]) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let values: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    fields.iter().map(|&field| values.get(field)?.parse::<f64>().ok()).sum()
}

/// Clock ticks per second, as `/proc` counts them (asked once).
pub fn clock_ticks() -> Option<f64> {
    static TICKS: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        let out = Command::new("getconf").arg("CLK_TCK").output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    })
}
