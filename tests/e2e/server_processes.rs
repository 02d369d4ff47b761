//! The `rsc-server` binary as an operator runs it: zero-setup start on SQLite, `migrate`,
//! `admin create`, and two processes sharing one Postgres (a change through one reaches a device
//! listening on the other).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rsc_model::SessionKind;

use rsc_test_kit::{Api, Device, create_postgres_db, drop_postgres_db};

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads an event stream until it has said `what`.
async fn read_until(events: &mut reqwest::Response, said: &mut String, what: &str) {
    while !said.contains(what) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), events.chunk())
            .await
            .unwrap_or_else(|_| panic!("`{what}` in time; heard so far: {said}"))
            .expect("read")
            .expect("the stream stays open");
        said.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Runs `rsc-server ARGS` in `dir`, on the SQLite database there.
fn command_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(rsc_test_kit::process::server_binary())
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("rsc-server runs")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

async fn start(dir: &std::path::Path, args: &[&str], port: u16) -> Process {
    start_logging(dir, args, port, Stdio::null()).await
}

async fn start_logging(dir: &std::path::Path, args: &[&str], port: u16, log: impl Into<Stdio>) -> Process {
    let child = Command::new(rsc_test_kit::process::server_binary())
        .current_dir(dir)
        .args(args)
        .env("RSC_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("rsc-server starts");
    let process = Process(child);
    let client = rsc_test_kit::http_client();
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await
            && response.status().is_success()
        {
            return process;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("rsc-server did not become ready on port {port}");
}

#[tokio::test]
async fn starts_with_no_flags_on_an_embedded_sqlite_database() {
    let temp = tempfile::Builder::new().prefix("rsc-zero-setup-").tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    let port = free_port();
    {
        let _server = start(&dir, &[], port).await;
        let api = Api::new(format!("http://127.0.0.1:{port}"));
        api.register("ana").await;
        Device::sign_in(&api, "ana").await;
    }
    assert!(dir.join("rsc-data/rsc.db").is_file(), "created ./rsc-data/rsc.db");
    // The data survives a restart.
    let _server = start(&dir, &[], port).await;
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    Device::sign_in(&api, "ana").await;
}

/// `rsc-server backup` copies the database of a running server: the copy restores in the
/// database's place and serves what was there; a Postgres database is told to use pg_dump; an
/// existing file is never overwritten.
#[tokio::test]
async fn a_backup_of_a_running_server_restores_in_its_place() {
    let temp = tempfile::Builder::new().prefix("rsc-backup-").tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    let port = free_port();
    let backup = dir.join("backup.db");
    let run = |args: &[&str]| command_in(&dir, args);
    {
        let _server = start(&dir, &[], port).await;
        let api = Api::new(format!("http://127.0.0.1:{port}"));
        api.register("ana").await;
        let out = run(&["backup", backup.to_str().expect("path")]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"), "{out:?}");
        api.register("ben").await;
        let again = run(&["backup", backup.to_str().expect("path")]);
        assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("exists already"));
    }
    // Restored: the server serves what the copy holds (Ana, not Ben who came after).
    let data = dir.join("rsc-data");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("rsc.db{suffix}")));
    }
    std::fs::copy(&backup, data.join("rsc.db")).expect("restore");
    let _server = start(&dir, &[], port).await;
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    Device::sign_in(&api, "ana").await;
    let (status, _) = api
        .post(
            "/v1/login",
            None,
            &serde_json::json!({ "email": "ben@example.org", "password": "a long enough password",
                "device": { "name": "x", "public_key": "58".to_string() + &"66".repeat(31), "actor_id": "00".repeat(16) } }),
        )
        .await;
    assert_eq!(status, 401, "Ben signed up after the backup");
    // A Postgres database is backed up with Postgres's own tools.
    let Some((name, url)) = create_postgres_db().await else { return };
    let migrate =
        Command::new(rsc_test_kit::process::server_binary()).args(["--database-url", &url, "migrate"]).output();
    assert!(migrate.expect("runs").status.success());
    let postgres = Command::new(rsc_test_kit::process::server_binary())
        .args(["--database-url", &url, "backup", dir.join("pg.db").to_str().expect("path")])
        .output()
        .expect("runs");
    drop_postgres_db(&name).await;
    assert!(!postgres.status.success() && String::from_utf8_lossy(&postgres.stderr).contains("pg_dump"));
}

#[test]
fn migrate_and_admin_create_run_and_exit() {
    let temp = tempfile::Builder::new().prefix("rsc-admin-").tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    let run = |args: &[&str], password: Option<&str>| {
        let mut command = Command::new(rsc_test_kit::process::server_binary());
        command
            .current_dir(&dir)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("RSC_ADMIN_PASSWORD")
            .env("USER", "jordan");
        if let Some(password) = password {
            command.env("RSC_ADMIN_PASSWORD", password);
        }
        command.stdin(Stdio::null()).output().expect("runs")
    };
    let said = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    let make_staff = ["admin", "create", "--email", "staff@example.org", "--association", "NMAIMH"];
    // Run from a folder with no database, an admin command creates none.
    let missing = run(&make_staff, Some("a long admin password"));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success(), "{stderr}");
    let expected_path = dir.join("rsc-data/rsc.db");
    assert!(stderr.contains(&format!("database: sqlite://rsc-data/rsc.db ({})", expected_path.display())), "{stderr}");
    assert!(stderr.contains(&format!("there is no database at {}", "rsc-data/rsc.db")), "{stderr}");
    assert!(!dir.join("rsc-data").exists(), "nothing was created");
    let migrated = run(&["migrate"], None);
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("migrations applied"));
    // Staff keep an association's registry: there is none yet, so no account is made either.
    let early = run(&make_staff, Some("a long admin password"));
    assert!(!early.status.success() && said(&early).contains("there are none yet"), "{}", said(&early));
    let unknown_rulebook =
        run(&["association", "create", "NMAIMH", "--name", "New Mexico", "--rulebook", "ctaimh"], None);
    assert!(
        said(&unknown_rulebook).contains("`ctaimh` is not a rulebook here; the rulebooks are nmaimh, orimha"),
        "{}",
        said(&unknown_rulebook)
    );
    let created = run(
        &[
            "association",
            "create",
            "NMAIMH",
            "--name",
            "New Mexico Association for Infant Mental Health",
            "--rulebook",
            "nmaimh",
        ],
        None,
    );
    assert!(
        said(&created).contains("created association New Mexico Association for Infant Mental Health (NMAIMH)"),
        "{}",
        said(&created)
    );
    let twice = run(&["association", "create", "nmaimh", "--name", "Again"], None);
    assert!(!twice.status.success(), "{}", said(&twice));
    assert!(
        run(&["association", "create", "CT-AIMH", "--name", "Connecticut Association for Infant Mental Health"], None)
            .status
            .success()
    );
    let created = run(&make_staff, Some("a long admin password"));
    let text = said(&created);
    assert!(created.status.success(), "{text}");
    assert!(text.contains("created staff account Registry staff <staff@example.org>"), "{text}");
    assert!(
        text.contains("staff@example.org keeps New Mexico Association for Infant Mental Health's registry (NMAIMH)"),
        "{text}"
    );
    // A person may be staff of several associations; an existing account needs no password.
    let second = run(
        &["admin", "create", "--email", "STAFF@example.org", "--association", "nmaimh", "--association", "CT-AIMH"],
        None,
    );
    let text = said(&second);
    assert!(text.contains("already keeps New Mexico") && text.contains("keeps Connecticut"), "{text}");
    let renamed =
        run(&["association", "change", "ct-aimh", "--name", "Connecticut AIMH", "--rulebook", "nmaimh"], None);
    assert!(said(&renamed).contains("CT-AIMH is Connecticut AIMH (nmaimh)"), "{}", said(&renamed));
    let listed = said(&run(&["association", "list"], None));
    assert_eq!(listed.matches("staff  Registry staff <staff@example.org>").count(), 2, "{listed}");
    assert!(listed.contains("NMAIMH       New Mexico Association for Infant Mental Health (nmaimh)"), "{listed}");
    let removed = run(&["admin", "remove", "--email", "staff@example.org", "--association", "CT-AIMH"], None);
    assert!(said(&removed).contains("no longer keeps CT-AIMH's registry"), "{}", said(&removed));
    // A one-time reset code for someone who forgot their password; none for an unknown email.
    let reset = run(&["admin", "reset-password", "--email", "STAFF@example.org"], None);
    let text = said(&reset);
    assert!(reset.status.success() && text.contains("Reset code for Registry staff <staff@example.org>: "), "{text}");
    assert!(text.contains("rsc account reset") && text.contains("24 hours"), "{text}");
    let nobody = run(&["admin", "reset-password", "--email", "nobody@example.org"], None);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no account has the email nobody@example.org"));
    let weak = run(&["admin", "create", "--email", "x@example.org", "--association", "NMAIMH"], Some("short"));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    // Each of those acts is in the trail, by the operating-system account that ran it.
    let trail = run(&["audit"], None);
    let text = said(&trail);
    for line in [
        "created an association NMAIMH",
        "created an association CT-AIMH",
        "changed an association CT-AIMH: named Connecticut AIMH (was Connecticut Association for Infant Mental Health); rulebooks nmaimh (were none)",
        "made someone staff staff@example.org (Registry staff): now keeps New Mexico",
        "removed someone from staff staff@example.org (Registry staff)",
        "issued a password reset code staff@example.org (Registry staff)",
    ] {
        assert!(text.contains(line), "{line} missing from {text}");
    }
    assert!(
        text.contains("jordan on the server's command line created an association NMAIMH"),
        "by the operating-system user: {text}"
    );
    assert!(!text.contains("nobody@example.org"), "a refused act is no line: {text}");
    let only = String::from_utf8_lossy(&run(&["audit", "--association", "CT-AIMH"], None).stdout).to_string();
    assert_eq!(only.lines().count(), 4, "CT-AIMH's creation, change, and its staff added and removed: {only}");
    let csv = String::from_utf8_lossy(&run(&["audit", "--action", "reset_code", "--csv"], None).stdout).to_string();
    assert!(
        csv.starts_with("when_utc,who,association,action,subject,person,detail\n") && csv.lines().count() == 2,
        "{csv}"
    );
    let bad_url = run(&["migrate", "--database-url", "mysql://nope"], None);
    assert!(!bad_url.status.success());
    assert!(String::from_utf8_lossy(&bad_url.stderr).contains("--database-url"));
}

#[tokio::test]
async fn two_processes_against_one_postgres_behave_as_one() {
    let Some((name, url)) = create_postgres_db().await else { return };
    let dir = std::env::temp_dir();
    let (p1, p2) = (free_port(), free_port());
    let result = async move {
        let _a = start(&dir, &["--database-url", &url], p1).await;
        let _b = start(&dir, &["--database-url", &url], p2).await;
        let one = Api::new(format!("http://127.0.0.1:{p1}"));
        let two = Api::new(format!("http://127.0.0.1:{p2}"));
        one.register("ana").await;
        two.register("ben").await;
        one.register("pat").await;
        let mut ana = Device::sign_in(&two, "ana").await;
        let mut ben = Device::sign_in(&one, "ben").await;
        let mut pat = Device::sign_in(&two, "pat").await;
        pat.connect(&[&ana, &ben]).await;
        pat.group("Tuesday", &[&ana, &ben]).await;
        let (ana_id, ben_id, pat_id) = (ana.user_id.clone(), ben.user_id.clone(), pat.user_id.clone());
        let doc = ana.log(&pat_id, SessionKind::Group, &[(&ana_id, 90), (&ben_id, 90)]);
        ana.sync().await;
        ben.sync().await;
        pat.sync().await;
        // Concurrent edits pushed through different processes at the same moment.
        for round in 0..6i64 {
            let (a, b) = (ana_id.clone(), ben_id.clone());
            ana.edit(&doc, |d, me| {
                d.set_attendance(me, &a, Some(rsc_model::Minutes::new(40 + round, "m").expect("m")), None)
                    .expect("edit")
            });
            ben.edit(&doc, |d, me| {
                d.set_attendance(me, &b, Some(rsc_model::Minutes::new(50 + round, "m").expect("m")), None)
                    .expect("edit")
            });
            let (ra, rb) = tokio::join!(ana.sync_once(None), ben.sync_once(None));
            assert_eq!((ra.accepted.len(), rb.accepted.len()), (1, 1));
        }
        // A device can switch processes between syncs: the cursor means the same on both.
        ana.api = one.clone();
        for device in [&mut ana, &mut ben, &mut pat] {
            device.sync().await;
        }
        for device in [&mut ana, &mut ben, &mut pat] {
            device.sync().await;
        }
        let sessions: Vec<_> = [&ana, &ben, &pat].iter().map(|d| d.doc(&doc).session().expect("session")).collect();
        assert!(sessions.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(sessions[0].attendee(&ana_id).expect("ana").minutes_attended.get(), 45);
        assert_eq!(sessions[0].attendee(&ben_id).expect("ben").minutes_attended.get(), 55);
        // Pat listens on the first process; Ana's next change goes through the second, and
        // Postgres carries the notice across.
        let events =
            one.http.get(format!("{}/v1/events", one.base)).bearer_auth(&pat.token).send().await.expect("events");
        assert_eq!(events.status(), 200);
        let mut events = events;
        let mut said = String::new();
        read_until(&mut events, &mut said, "event: ready").await;
        ana.api = two.clone();
        let a = ana_id.clone();
        ana.edit(&doc, |d, me| {
            d.set_attendance(me, &a, Some(rsc_model::Minutes::new(30, "m").expect("m")), None).expect("edit")
        });
        ana.sync().await;
        read_until(&mut events, &mut said, "event: changed").await;
        let pulled = pat.sync_once(None).await;
        assert_eq!(pulled.pull.iter().map(|p| p.doc.as_str()).collect::<Vec<_>>(), [doc.as_str()]);
        assert_eq!(
            pat.doc(&doc).session().expect("session").attendee(&ana_id).expect("ana").minutes_attended.get(),
            30
        );
    };
    let outcome = tokio::spawn(result).await;
    drop_postgres_db(&name).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

#[tokio::test]
async fn logs_carry_request_ids_and_never_secrets() {
    let temp = tempfile::Builder::new().prefix("rsc-logs-").tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    let log_path = dir.join("server.log");
    let port = free_port();
    let server =
        start_logging(&dir, &["--log-format", "json"], port, std::fs::File::create(&log_path).expect("log")).await;
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    api.register("ana").await;
    let mut ana = Device::sign_in(&api, "ana").await;
    let me = ana.user_id.clone();
    ana.log(&me.clone(), SessionKind::Individual, &[]);
    let _ = ana.sync().await;
    let _ = api.get("/v1/me", Some(&ana.token)).await;
    drop(server);
    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(log.contains("request_id"), "{log}");
    assert!(log.contains("/v1/sync"), "{log}");
    assert!(!log.contains(&ana.token), "the device token is never logged");
    assert!(!log.contains(&ana.token["rsc_".len()..]), "nor any part of it");
    assert!(!log.contains("a long enough password"), "the password is never logged");
}

#[test]
fn registry_commands_import_list_show_lapse_and_revoke() {
    let temp = tempfile::Builder::new().prefix("rsc-registry-cli-").tempdir().expect("temp dir");
    let dir = temp.path().to_path_buf();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/registry.csv");
    let run = |args: &[&str]| command_in(&dir, args);
    let text = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    let early = run(&["registry", "list"]);
    assert!(!early.status.success() && text(&early).contains("there is no database at"), "{}", text(&early));
    assert!(!dir.join("rsc-data").exists(), "a registry command creates no database");
    assert!(run(&["migrate"]).status.success());
    let unknown = run(&["registry", "import", example]);
    assert!(!unknown.status.success(), "{}", text(&unknown));
    assert!(
        text(&unknown).contains(":2: association: `NMAIMH` is not an association on this server"),
        "{}",
        text(&unknown)
    );
    assert!(run(&["association", "create", "NMAIMH", "--name", "New Mexico"]).status.success());
    assert!(run(&["association", "create", "CT-AIMH", "--name", "Connecticut"]).status.success());
    let imported = run(&["registry", "import", example]);
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(text(&imported).contains("5 new"), "{}", text(&imported));
    let listed = run(&["registry", "list"]);
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 5);
    let connecticut = run(&["registry", "--association", "ct-aimh", "list"]);
    assert!(connecticut.status.success() && connecticut.stdout.is_empty(), "{}", text(&connecticut));
    let elsewhere = run(&["registry", "--association", "CT-AIMH", "show", "NM-1001"]);
    assert!(!elsewhere.status.success() && text(&elsewhere).contains("no record `NM-1001`"), "{}", text(&elsewhere));
    let takeover = dir.join("takeover.csv");
    std::fs::write(&takeover, "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\nNM-1001,Someone Else,else@example.org,IMHM-C,CT-AIMH,2020-01-01,,\n").expect("write");
    let refused = run(&["registry", "import", takeover.to_str().expect("path")]);
    assert!(
        text(&refused).contains(":2: endorsement_number: `NM-1001` is kept by another association"),
        "{}",
        text(&refused)
    );
    let lapsed = run(&["registry", "lapse", "NM-1001", "--valid-through", "2026-01-31"]);
    assert!(lapsed.status.success(), "{}", text(&lapsed));
    let revoked = run(&["registry", "revoke", "NM-1003", "--on", "2026-02-01"]);
    assert!(revoked.status.success(), "{}", text(&revoked));
    let shown = run(&["registry", "show", "NM-1001"]);
    let shown = String::from_utf8_lossy(&shown.stdout).to_string();
    assert_eq!(shown.lines().count(), 2, "two versions: {shown}");
    assert!(shown.contains("valid through 2026-01-31") && shown.contains("lapsed on the command line"), "{shown}");
    assert!(shown.lines().next().is_some_and(|l| l.contains("version 2")), "newest first: {shown}");
    let early = run(&["registry", "revoke", "NM-1003", "--on", "2001-01-01"]);
    assert!(!early.status.success() && text(&early).contains("revoked_on"), "{}", text(&early));

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\nX-1,Xu,xu@example.org,IMHM-Q,NMAIMH,2020-01-01,,\n").expect("write");
    let refused = run(&["registry", "import", bad.to_str().expect("path")]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains(":2: credential:"), "{}", text(&refused));
    assert!(text(&refused).contains("nothing was imported"));
    let keys = run(&["keys", "rotate"]);
    assert!(keys.status.success() && text(&keys).contains("new signing key"), "{}", text(&keys));
}

/// Started with the usual soft limit of 1,024 open files (and no room to raise it), the server
/// caps event streams well below it: an attacker holding every stream it can, from many
/// accounts and addresses, is refused clearly past the cap, and sync, pages and health checks
/// go on answering.
#[tokio::test]
async fn held_event_streams_never_take_the_descriptors_sync_needs() {
    let temp = tempfile::Builder::new().prefix("rsc-fd-").tempdir().expect("temp dir");
    let port = free_port();
    let binary = rsc_test_kit::process::server_binary();
    let child = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -n 1024 && exec '{}'", binary.display()))
        .current_dir(temp.path())
        .env("RSC_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        // To a file: a pipe nobody reads fills, and the server would wait on its own log.
        .stderr(std::fs::File::create(temp.path().join("server.log")).expect("log file"))
        .spawn()
        .expect("rsc-server starts");
    let process = Process(child);
    let base = format!("http://127.0.0.1:{port}");
    let api = Api::new(base.clone());
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = api.http.get(format!("{base}/readyz")).send().await
            && response.status().is_success()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "rsc-server did not become ready");
    let cap = rsc_service::limits::stream_cap(Some(1_024));

    // The attacker: enough accounts for more than the cap, on many loopback addresses.
    let accounts = cap / rsc_service::events::MAX_STREAMS_PER_ACCOUNT + 4;
    let mut held = Vec::new();
    let mut refused = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..accounts {
        let name = format!("mallory{i}");
        api.register(&name).await;
        let device = Device::sign_in(&api, &name).await;
        let address: std::net::IpAddr = format!("127.0.0.{}", 2 + i % 40).parse().expect("address");
        let client = reqwest::Client::builder().local_address(address).build().expect("client");
        for _ in 0..rsc_service::events::MAX_STREAMS_PER_ACCOUNT {
            let response =
                client.get(format!("{base}/v1/events")).bearer_auth(&device.token).send().await.expect("stream");
            match response.status().as_u16() {
                200 => held.push(response),
                status => *refused.entry(status).or_default() += 1,
            }
        }
    }
    assert_eq!(held.len(), cap, "the server holds exactly its cap: {refused:?}");
    assert!(refused.get(&503).is_some_and(|n| *n > 0), "past the cap, a clear 503: {refused:?}");
    assert!(refused.keys().all(|s| *s == 503 || *s == 429), "{refused:?}");

    // Everyone else is still served.
    assert_eq!(api.http.get(format!("{base}/healthz")).send().await.expect("health").status().as_u16(), 200);
    let page = api.http.get(format!("{base}/signin")).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    api.register("ana").await;
    api.register("pat").await;
    let mut ana = Device::sign_in(&api, "ana").await;
    let pat = Device::sign_in(&api, "pat").await;
    pat.connect(&[&ana]).await;
    let (ana_id, pat_id) = (ana.user_id.clone(), pat.user_id.clone());
    ana.log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    let responses = ana.sync().await;
    assert!(responses.iter().all(|r| r.refused.is_empty()) && responses[0].accepted.len() == 1, "sync works");
    drop(held);
    drop(process);
    // The log says what limit it runs under.
    let log = std::fs::read_to_string(temp.path().join("server.log")).expect("log");
    assert!(log.contains("open-file limit") && log.contains("open_files=1024"), "{log:.2000}");
}
