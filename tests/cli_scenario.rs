//! The desktop logbook through real processes: an `rsc-server` on SQLite and `rsc` commands
//! for a supervisee and a provider, each with their own `--home`: log offline, sync, confirm,
//! see the hours counted, export, and verify the export.

#[allow(dead_code)]
mod server_process;
#[path = "../crates/rsc-server/tests/server/support.rs"]
#[allow(dead_code, unused_macros)]
mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const PASSWORD: &str = "a long enough password";

struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
    database: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir(what: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos();
    let dir = std::env::temp_dir().join(format!("rsc-cli-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

use server_process::server_binary;

/// The `rsc` command of this workspace, built if needed (once per run).
fn rsc_binary() -> PathBuf {
    static RSC: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    RSC.get_or_init(|| server_process::workspace_binary("rsc-cli", "rsc")).clone()
}

fn start_server() -> Server {
    let dir = temp_dir("server");
    let database = format!("sqlite://{}/rsc.db", dir.display());
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let child = Command::new(server_binary())
        .env("DATABASE_URL", &database)
        .env("RSC_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rsc-server");
    let url = format!("http://127.0.0.1:{port}");
    let server = Server { child, url, dir, database };
    for _ in 0..100 {
        if ready(port) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("rsc-server did not become ready");
}

/// Whether the server answers `GET /readyz` with 200 (plain HTTP/1.0 over a socket).
fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let mut answer = String::new();
    stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n").is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.0 200") | answer.starts_with("HTTP/1.1 200")
}

/// Runs `rsc --home HOME args…` with no terminal.
fn rsc(home: &Path, args: &[&str]) -> Output {
    Command::new(rsc_binary())
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RSC_PASSWORD", PASSWORD)
        .env_remove("RSC_SERVER")
        .stdin(Stdio::null())
        .output()
        .expect("rsc runs")
}

fn ok(output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn failure(output: Output, code: i32) -> String {
    assert_eq!(output.status.code(), Some(code), "stdout: {}", String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

/// The user id `rsc account show` prints.
fn user_id(home: &Path) -> String {
    let shown = ok(rsc(home, &["account", "show"]));
    shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("user id:"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("user id line")
        .to_string()
}

/// Association staff import Pat's registry record, Pat claims it with `rsc account claim`, and
/// staff approve the claim, all with `rsc-server registry` on the server's database.
fn endorse(server: &Server, pat: &Path) {
    let staff = |args: &[&str]| {
        let output =
            Command::new(server_binary()).args(args).env("DATABASE_URL", &server.database).output().expect("runs");
        ok(output)
    };
    let csv = server.dir.join("registry.csv");
    std::fs::write(&csv, "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\nNM-1001,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n").expect("csv");
    staff(&["registry", "import", csv.to_str().expect("path")]);
    assert!(ok(rsc(pat, &["account", "claim", "NM-1001"])).contains("pending"));
    let claims = staff(&["registry", "claims"]);
    assert!(claims.starts_with("NM-1001  IMHM-C NMAIMH (pending)"), "{claims}");
    assert!(claims.contains("claimed by     Pat <pat@example.org>"), "{claims}");
    assert!(claims.contains("record holder  Pat Provider <pat@example.org>"), "{claims}");
    // The email matches, so approval goes through; the shorter name is shown for staff to judge.
    assert_eq!(
        claims.lines().filter(|l| l.trim_start().starts_with('!')).collect::<Vec<_>>(),
        vec!["    ! the claimant's name Pat is not the record holder's (Pat Provider)"],
        "{claims}"
    );
    assert!(staff(&["registry", "approve", "NM-1001"]).contains("approved Pat's claim to NM-1001"));
    let again = Command::new(server_binary())
        .args(["registry", "approve", "NM-1001"])
        .env("DATABASE_URL", &server.database)
        .output()
        .expect("runs");
    assert!(!again.status.success(), "a decided claim cannot be approved twice");
}

#[test]
fn log_offline_sync_confirm_count_and_export_through_real_processes() {
    let server = start_server();
    let (ana, pat) = (temp_dir("ana"), temp_dir("pat"));

    // Not signed in yet: the error says how to sign in.
    let signed_out = failure(rsc(&ana, &["hours", "--rulebook", "nmaimh"]), 1);
    assert!(signed_out.contains("rsc account login"), "{signed_out}");
    ok(rsc(&ana, &["account", "signup", "--server", &server.url, "--email", "ana@example.org", "--name", "Ana"]));
    ok(rsc(&pat, &["account", "signup", "--server", &server.url, "--email", "pat@example.org", "--name", "Pat"]));
    let (ana_id, pat_id) = (user_id(&ana), user_id(&pat));

    // Logging needs every field when no terminal can ask for them.
    let missing = failure(rsc(&ana, &["log", "--date", "2025-03-04"]), 2);
    assert!(missing.contains("--start is required"), "{missing}");
    let session = [
        "log",
        "--date",
        "2025-03-04",
        "--start",
        "10:00",
        "--time-zone",
        "America/Denver",
        "--minutes",
        "60",
        "--format",
        "video",
        "--provider",
        &pat_id,
    ];
    let too_long = session.map(|arg| if arg == "60" { "900" } else { arg });
    let bad = failure(rsc(&ana, &too_long), 2);
    assert!(bad.contains("--minutes"), "{bad}");

    let logged = ok(rsc(&ana, &session));
    assert!(logged.contains("Run `rsc sync`"), "{logged}");
    // The same meeting again is refused from a script unless it says it means it.
    let twice = failure(rsc(&ana, &session), 2);
    assert!(twice.contains("--duplicate: you already logged a session with") && twice.contains("at 10:00"), "{twice}");
    let listed = ok(rsc(&ana, &["sessions"]));
    assert!(
        listed.contains("2025-03-04") && listed.contains("pending") && listed.contains("not yet synced"),
        "{listed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(rsc(&ana, &["sessions", "--output", "json"]))).expect("json");
    let session_id = json[0]["id"].as_str().expect("id").to_string();

    assert!(ok(rsc(&ana, &["sync"])).contains("1 changes sent"));
    assert!(ok(rsc(&pat, &["sync"])).contains("1 received"));
    let awaiting = ok(rsc(&pat, &["confirm"]));
    assert!(awaiting.contains(&session_id) && awaiting.contains(&ana_id), "{awaiting}");
    let not_provider = failure(rsc(&ana, &["confirm", &session_id, &ana_id]), 2);
    assert!(not_provider.contains("provider"), "{not_provider}");
    assert!(ok(rsc(&pat, &["confirm", &session_id, &ana_id, "--minutes", "55"])).contains("55 minutes"));
    let unknown = failure(rsc(&pat, &["account", "claim", "NM-0000"]), 2);
    assert!(unknown.contains("NM-0000"), "{unknown}");
    endorse(&server, &pat);
    ok(rsc(&pat, &["sync"]));
    ok(rsc(&ana, &["sync"]));

    assert!(ok(rsc(&ana, &["sessions", "--status", "confirmed"])).contains(&session_id));
    let hours: serde_json::Value = serde_json::from_str(&ok(rsc(
        &ana,
        &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--output", "json"],
    )))
    .expect("json");
    assert_eq!(hours["requirements"][0]["counted_minutes_as_of"], 55, "{hours}");
    let text = ok(rsc(&ana, &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01"]));
    assert!(text.contains("0.9") || text.contains("55"), "{text}");

    let export = ana.join("hours.json");
    let wrote = ok(rsc(
        &ana,
        &[
            "export",
            "json",
            "--rulebook",
            "nmaimh",
            "--as-of",
            "2025-06-01",
            "--output",
            export.to_str().expect("path"),
        ],
    ));
    assert!(wrote.contains(&format!("rsc verify {} --server {}", export.display(), server.url)), "{wrote}");
    // Without the server's keys, the key inside the export proves nothing: it fails, and says so.
    let unverified = rsc(&ana, &["verify", export.to_str().expect("path")]);
    let said = String::from_utf8_lossy(&unverified.stderr);
    assert_eq!(unverified.status.code(), Some(1), "{said}");
    assert!(said.contains("is NOT verified") && said.contains("--server URL"), "{said}");
    let verified = ok(rsc(&ana, &["verify", export.to_str().expect("path"), "--server", &server.url]));
    assert!(verified.contains("verifies") && verified.contains("1 valid"), "{verified}");
    assert!(verified.contains(&format!("published by {}", server.url)), "{verified}");
    let unreachable = rsc(&ana, &["verify", export.to_str().expect("path"), "--server", "http://127.0.0.1:9"]);
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("cannot get its published keys"));
    let pdf = ana.join("hours.pdf");
    ok(rsc(
        &ana,
        &["export", "pdf", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--output", pdf.to_str().expect("path")],
    ));
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF"));

    // An edit after confirmation uncounts the session until the provider confirms again.
    let edited = ok(rsc(&ana, &["edit", &session_id, "--format", "phone"]));
    assert!(edited.contains("changed_since_confirmed"), "{edited}");
    let hours: serde_json::Value = serde_json::from_str(&ok(rsc(
        &ana,
        &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--output", "json"],
    )))
    .expect("json");
    assert_eq!(hours["requirements"][0]["counted_minutes_as_of"], 0, "{hours}");
    assert!(failure(rsc(&ana, &["edit", &session_id]), 2).contains("at least one of"));

    // With the server gone, logging still works and sync says what to do.
    drop(server);
    ok(rsc(
        &ana,
        &[
            "log",
            "--date",
            "2025-03-11",
            "--start",
            "10:00",
            "--time-zone",
            "America/Denver",
            "--minutes",
            "45",
            "--format",
            "phone",
            "--provider",
            &pat_id,
        ],
    ));
    // A second session at the same time, when it really was one, is logged with --duplicate.
    let second = ok(rsc(&ana, &[&session[..], &["--duplicate"]].concat()));
    assert!(second.contains("Logged session"), "{second}");
    let offline = failure(rsc(&ana, &["sync"]), 1);
    assert!(offline.contains("cannot reach the server") && offline.contains("rsc sync"), "{offline}");
    let refused = failure(rsc(&ana, &["account", "logout"]), 2);
    assert!(refused.contains("--discard-unsynced"), "{refused}");
}
