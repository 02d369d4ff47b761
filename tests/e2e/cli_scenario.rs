//! The desktop logbook through real processes: an `rsc-server` on SQLite and `rsc` commands
//! for a supervisee and a provider, each with their own `--home`: log offline, sync, confirm,
//! see the hours counted, export, and verify the export.

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

use rsc_test_kit::people::{names, shows_an_id};
use rsc_test_kit::process::server_binary;

/// The `rsc` command of this workspace, built if needed.
fn rsc_binary() -> PathBuf {
    rsc_test_kit::process::workspace_binary("rsc")
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

/// `rsc --home HOME sync --watch`, running, its output read line by line.
struct Watch {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watch {
    fn start(home: &Path) -> Watch {
        use std::io::BufRead;
        let mut child = Command::new(rsc_binary())
            .arg("--home")
            .arg(home)
            .args(["sync", "--watch"])
            .env_remove("RSC_SERVER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsc sync --watch runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watch { child, lines }
    }

    fn line(&mut self) -> String {
        self.lines.recv_timeout(Duration::from_secs(30)).expect("`rsc sync --watch` printed a line in time")
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

/// Runs `rsc` and returns its output for a person, checking that it names no one by id.
fn says(home: &Path, args: &[&str]) -> String {
    let output = rsc(home, args);
    let err = String::from_utf8_lossy(&output.stderr).to_string();
    let out = ok(output);
    // `--output json` is for programs, which read ids; everything else is for people.
    if !args.contains(&"json") {
        assert!(!shows_an_id(&out), "`rsc {}` shows an id:\n{out}", args.join(" "));
    }
    assert!(!shows_an_id(&err), "`rsc {}` shows an id on stderr:\n{err}", args.join(" "));
    out
}

/// The same for a failure: the one line on stderr names no one by id either.
fn refuses(home: &Path, args: &[&str], code: i32) -> String {
    let err = failure(rsc(home, args), code);
    assert!(!shows_an_id(&err), "`rsc {}` shows an id: {err}", args.join(" "));
    err
}

/// The code `rsc account invite` printed.
fn invite_code(invite: &str) -> String {
    invite
        .lines()
        .find_map(|l| l.strip_prefix("Connection code:"))
        .map(|c| c.trim().to_string())
        .expect("a connection code line")
}

/// Association staff import Pat's registry record, Pat claims it with `rsc account claim`, and
/// staff approve the claim, all with `rsc-server registry` on the server's database.
fn endorse(server: &Server, pat: &Path, name: &str) {
    let staff = |args: &[&str]| {
        let output =
            Command::new(server_binary()).args(args).env("DATABASE_URL", &server.database).output().expect("runs");
        ok(output)
    };
    let csv = server.dir.join("registry.csv");
    std::fs::write(&csv, format!("endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\nNM-1001,{name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n")).expect("csv");
    staff(&["association", "create", "NMAIMH", "--name", "New Mexico Association for Infant Mental Health"]);
    staff(&["registry", "import", csv.to_str().expect("path")]);
    assert!(ok(rsc(pat, &["account", "claim", "NM-1001"])).contains("pending"));
    let claims = staff(&["registry", "claims"]);
    assert!(claims.starts_with("NM-1001  IMHM-C NMAIMH (pending)"), "{claims}");
    assert!(claims.contains(&format!("claimed by     {name} <pat@example.org>")), "{claims}");
    assert!(claims.contains(&format!("record holder  {name} <pat@example.org>")), "{claims}");
    // Name and email match: nothing for staff to weigh.
    assert!(!claims.lines().any(|l| l.trim_start().starts_with('!')), "{claims}");
    assert!(staff(&["registry", "approve", "NM-1001"]).contains(&format!("approved {name}'s claim to NM-1001")));
    let again = Command::new(server_binary())
        .args(["registry", "approve", "NM-1001"])
        .env("DATABASE_URL", &server.database)
        .output()
        .expect("runs");
    assert!(!again.status.success(), "a decided claim cannot be approved twice");
}

#[test]
fn log_offline_sync_confirm_count_and_export_through_real_processes_by_name() {
    let server = start_server();
    let (ana, pat, ben) = (temp_dir("ana"), temp_dir("pat"), temp_dir("ben"));
    let names = names();
    let (ana_name, pat_name, ben_name) = (names[0].as_str(), names[1].as_str(), names[4].as_str());

    // Not signed in yet: the error says how to sign in.
    let signed_out = refuses(&ana, &["hours", "--rulebook", "nmaimh"], 1);
    assert!(signed_out.contains("rsc account login"), "{signed_out}");
    for (home, email, name) in
        [(&ana, "ana@example.org", ana_name), (&pat, "pat@example.org", pat_name), (&ben, "ben@example.org", ben_name)]
    {
        let signed_up = says(home, &["account", "signup", "--server", &server.url, "--email", email, "--name", name]);
        assert!(signed_up.contains(name) && signed_up.contains("rsc connect"), "{signed_up}");
    }

    // Pat gives Ana a code and Ben its link; from then on everyone is named by name.
    let invite = says(&pat, &["account", "invite", "--days", "7"]);
    let code = invite_code(&invite);
    let link = invite.lines().find_map(|l| l.strip_prefix("Link:")).map(str::trim).expect("link line").to_string();
    assert!(link.starts_with(&server.url) && invite.contains('█'), "a link and a QR code: {invite}");
    let listed = says(&pat, &["account", "invites"]);
    assert!(listed.contains(&code), "{listed}");
    let wrong = refuses(&ana, &["connect", "ZZZZ-ZZZZ"], 2);
    assert!(wrong.contains("no working connection code"), "{wrong}");
    assert!(says(&ana, &["connect", &code.to_lowercase()]).contains(pat_name));
    assert!(says(&ben, &["connect", &link]).contains(pat_name));
    says(&ana, &["sync"]);
    let people = says(&ana, &["people"]);
    assert!(people.contains(pat_name) && people.contains("your provider"), "{people}");
    assert!(!people.contains(ben_name), "Ben is Pat's too, but nobody Ana sees yet: {people}");
    // Pat puts both in a group; Ana's next sync shows Ben, as her group's member.
    let made =
        says(&pat, &["groups", "create", "Tuesday reflective group", "--member", ana_name, "--member", ben_name]);
    assert!(
        made.contains("Tuesday reflective group (yours)") && made.contains(ana_name) && made.contains(ben_name),
        "{made}"
    );
    let mine = says(&pat, &["account", "connections"]);
    assert!(mine.contains(ana_name) && mine.contains("with a code") && mine.contains("your supervisee"), "{mine}");
    says(&ana, &["sync"]);
    let people = says(&ana, &["people"]);
    assert!(
        people.contains(ben_name) && people.contains(&format!("with you in {pat_name}'s group or sessions")),
        "{people}"
    );
    let groups = says(&ana, &["groups"]);
    assert!(groups.contains(&format!("Tuesday reflective group ({pat_name}'s)")), "{groups}");

    // Logging needs every field when no terminal can ask for them; the provider defaults to
    // Ana's only one.
    let missing = refuses(&ana, &["log", "--date", "2025-03-04"], 2);
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
    ];
    let too_long = session.map(|arg| if arg == "60" { "900" } else { arg });
    assert!(refuses(&ana, &too_long, 2).contains("--minutes"));
    let stranger = refuses(&ana, &[&session[..], &["--provider", "Jürgen"]].concat(), 2);
    assert!(stranger.contains("--provider") && stranger.contains("nobody you work with"), "{stranger}");
    let logged = says(&ana, &session);
    assert!(logged.contains(pat_name) && logged.contains("Run `rsc sync`"), "{logged}");
    // The same meeting again is refused from a script unless it says it means it.
    let twice = refuses(&ana, &session, 2);
    assert!(twice.contains("--duplicate: you already logged a session with") && twice.contains("at 10:00"), "{twice}");
    let listed = says(&ana, &["sessions"]);
    assert!(
        listed.contains("2025-03-04") && listed.contains(pat_name) && listed.contains("not yet synced"),
        "{listed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(rsc(&ana, &["sessions", "--output", "json"]))).expect("json");
    let short = json[0]["id"].as_str().expect("id")[..8].to_string();
    assert!(listed.contains(&short), "lists show the start of the id: {listed}");

    // Pat's computer watches: it syncs on starting, and again, by itself, once Ana's session
    // reaches the server.
    let mut watching = Watch::start(&pat);
    assert!(watching.line().starts_with("Synced: "), "it syncs on starting");
    assert!(says(&ana, &["sync"]).contains("1 change sent"));
    let pushed = watching.line();
    assert!(pushed.contains("1 received") && pushed.contains("1 session updated"), "{pushed}");
    drop(watching);
    let awaiting = says(&pat, &["confirm"]);
    assert!(awaiting.contains(&short) && awaiting.contains(ana_name), "{awaiting}");
    let not_provider = refuses(&ana, &["confirm", &short, ana_name], 2);
    assert!(not_provider.contains("provider"), "{not_provider}");
    let more = refuses(&pat, &["confirm", &short, "josé", "--minutes", "75"], 2);
    assert!(more.contains("more than") && more.contains(ana_name), "{more}");
    assert!(
        says(&pat, &["confirm", &short, "josé", "--minutes", "55"])
            .contains(&format!("Confirmed {ana_name} for 55 minutes"))
    );
    // What Pat gave, once she synced her confirmation: one session, one supervisee, not named.
    says(&pat, &["sync"]);
    let provided = says(&pat, &["provided"]);
    assert!(provided.contains("RS/C you provided") && provided.contains("2025"), "{provided}");
    assert!(!provided.contains(ana_name), "no supervisee named: {provided}");
    let pdf = pat.join("provided.pdf");
    says(&pat, &["provided", "--pdf", pdf.to_str().expect("path")]);
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF"));
    let unknown = refuses(&pat, &["account", "claim", "NM-0000"], 2);
    assert!(unknown.contains("NM-0000"), "{unknown}");
    endorse(&server, &pat, pat_name);
    let claims = says(&pat, &["account", "show"]);
    assert!(claims.contains(pat_name) && claims.contains("NM-1001  approved"), "{claims}");

    // Cora and Dee ask Pat by her public endorsement number: she sees each with their email,
    // declines Cora and accepts Dee; each hears it at their next sync. Then Dee ends it.
    let (cora, dee) = (temp_dir("cora"), temp_dir("dee"));
    let (cora_name, dee_name) = (names[5].as_str(), names[7].as_str());
    for (home, email, name) in [(&cora, "cora@example.org", cora_name), (&dee, "dee@example.org", dee_name)] {
        says(home, &["account", "signup", "--server", &server.url, "--email", email, "--name", name]);
        says(home, &["sync"]);
        let asked = says(home, &["connect", "--endorsement", "NM-1001"]);
        assert!(
            asked.contains(&format!("Asked {pat_name} to connect")) && asked.contains("once she accepts"),
            "{asked}"
        );
    }
    let waiting = says(&pat, &["account", "requests"]);
    assert!(
        waiting.contains(cora_name) && waiting.contains("cora@example.org") && waiting.contains("NM-1001"),
        "{waiting}"
    );
    assert!(waiting.contains(dee_name) && waiting.contains("rsc account accept"), "{waiting}");
    let cora_first = cora_name.split_whitespace().next().expect("a first name");
    assert!(says(&pat, &["account", "decline", cora_first]).contains(&format!("Declined {cora_name}'s request")));
    assert!(says(&pat, &["account", "accept", dee_name]).contains(&format!("Connected with {dee_name}")));
    let told = says(&cora, &["sync"]);
    assert!(told.contains(&format!("{pat_name} declined your request to connect on")), "{told}");
    let mine = says(&cora, &["account", "requests"]);
    assert!(mine.contains("declined on") && mine.contains("you may ask again from"), "{mine}");
    let again = refuses(&cora, &["connect", "--endorsement", "NM-1001"], 2);
    assert!(again.contains("declined your request") && again.contains("ask again from"), "{again}");
    let accepted = says(&dee, &["sync"]);
    assert!(accepted.contains(&format!("{pat_name} accepted your request to connect on")), "{accepted}");
    let dee_people = says(&dee, &["people"]);
    assert!(
        dee_people.contains(pat_name) && !dee_people.contains(ana_name),
        "Dee sees Pat, not Pat's people: {dee_people}"
    );
    assert!(says(&dee, &["account", "end", "María"]).contains(&format!("Ended your connection with {pat_name}")));
    let ended = says(&pat, &["sync"]);
    assert!(ended.contains(&format!("{dee_name} ended the connection on")), "{ended}");
    let listed = says(&pat, &["account", "connections"]);
    assert!(listed.contains(&format!("{dee_name} ended it on")) && listed.contains("by a request"), "{listed}");
    says(&pat, &["sync"]);
    says(&ana, &["sync"]);

    assert!(says(&ana, &["sessions", "--status", "confirmed"]).contains(&short));
    let hours: serde_json::Value = serde_json::from_str(&ok(rsc(
        &ana,
        &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--output", "json"],
    )))
    .expect("json");
    assert_eq!(hours["requirements"][0]["counted_minutes_as_of"], 55, "{hours}");
    let text = says(&ana, &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--by", "2026-06-01"]);
    assert!(text.contains("55 min") && text.contains(&format!("{pat_name}: 55 min in 1 session")), "{text}");
    assert!(text.contains("To meet") && text.contains("a month"), "the pace: {text}");

    // Oregon counts only post-master's hours: with no date set, the hours say so once, at the top.
    says(&ana, &["profile", "set", "--rulebook", "orimha"]);
    let oregon = says(&ana, &["hours", "--as-of", "2025-06-01"]);
    assert_eq!(oregon.matches("master's conferral date is not set").count(), 1, "{oregon}");
    assert!(oregon.contains("rsc profile set --masters-date"), "{oregon}");
    let profile = says(&ana, &["profile", "set", "--masters-date", "2015-05-01"]);
    assert!(profile.contains("2015-05-01") && profile.contains("not yet synced"), "{profile}");
    let oregon = says(&ana, &["hours", "--as-of", "2025-06-01"]);
    assert!(!oregon.contains("master's conferral date is not set"), "{oregon}");
    says(&ana, &["sync"]);
    assert!(!says(&ana, &["profile", "show"]).contains("not yet synced"));

    let export = ana.join("hours.json");
    let wrote = says(
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
    );
    assert!(wrote.contains(&format!("rsc verify {} --server {}", export.display(), server.url)), "{wrote}");
    assert!(wrote.contains("The same export as PDF or CSV: `rsc links download"), "{wrote}");
    let again = refuses(
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
        2,
    );
    assert!(again.contains("--force"), "never overwrites without asking: {again}");
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
    // A reviewer holding only the PDF verifies by its link, or by the SHA-256 printed on it.
    let bound = ana.join("bound.pdf");
    says(
        &ana,
        &["export", "pdf", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--output", bound.to_str().expect("path")],
    );
    let text = Command::new("pdftotext").arg(&bound).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    let link = text.split_whitespace().find(|w| w.contains("/verify/")).expect("a verification link").to_string();
    let digest = text
        .split_whitespace()
        .find(|w| w.len() == 64 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .expect("the SHA-256")
        .to_string();
    let by_link = ok(rsc(&ana, &["verify", &link]));
    assert!(by_link.contains("verifies") && by_link.contains(&digest), "{by_link}");
    assert!(by_link.contains("still stands") && by_link.contains("changed since: nothing it relies on"), "{by_link}");
    let printout = refuses(&ana, &["verify", bound.to_str().expect("path")], 2);
    assert!(printout.contains("is a printout") && printout.contains("rsc verify LINK"), "{printout}");
    // The JSON of that very export, downloaded again: the SHA-256 printed on the PDF.
    let bound_json = ana.join("bound.json");
    let export_id = link.rsplit('/').next().expect("the id");
    says(&ana, &["links", "download", export_id, "json", "--output", bound_json.to_str().expect("path")]);
    assert_eq!(rsc_export::sha256_hex(&std::fs::read(&bound_json).expect("json")), digest);
    // Her profile names Oregon's rulebook, which counts only post-master's hours: its PDF says
    // from when.
    let oregon = ana.join("oregon.pdf");
    says(&ana, &["export", "pdf", "--as-of", "2025-06-01", "--output", oregon.to_str().expect("path")]);
    let text = Command::new("pdftotext").arg(&oregon).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Master's degree conferred: 2015-05-01"), "{text}");
    let by_digest = ok(rsc(&ana, &["verify", &digest, "--server", &server.url]));
    assert!(by_digest.contains("verifies"), "{by_digest}");
    let altered: String = digest.chars().rev().collect();
    let missing = failure(rsc(&ana, &["verify", &altered, "--server", &server.url]), 1);
    assert!(missing.contains("no such export"), "{missing}");
    // Her exports, each with its link; she withdraws this one by the link printed on it, and
    // then it no longer verifies.
    let listed = says(&ana, &["links"]);
    assert!(listed.contains(export_id) && listed.contains(&link), "{listed}");
    assert!(listed.contains(&format!("as PDF, CSV, JSON: rsc links download {export_id} FORMAT")), "{listed}");
    assert!(listed.contains("New Mexico") && listed.contains("as of 2025-06-01"), "{listed}");
    let nonsense = failure(rsc(&ana, &["links", "withdraw", "../../v1/me"]), 2);
    assert!(nonsense.contains("export"), "{nonsense}");
    assert!(says(&ana, &["links", "withdraw", &link]).contains("Withdrawn"));
    let listed = says(&ana, &["links"]);
    let entry = listed.split(export_id).nth(1).expect("still listed");
    assert!(entry.lines().take(3).any(|l| l.contains("withdrawn")), "{listed}");
    let withdrawn = failure(rsc(&ana, &["verify", &link]), 1);
    assert!(withdrawn.contains("withdrawn"), "{withdrawn}");
    let file_withdrawn =
        failure(rsc(&ana, &["verify", bound_json.to_str().expect("path"), "--server", &server.url]), 1);
    assert!(
        file_withdrawn.contains("was withdrawn by the applicant on") && file_withdrawn.contains("no longer stands"),
        "{file_withdrawn}"
    );
    let again = failure(rsc(&ana, &["links", "withdraw", export_id]), 2);
    assert!(again.contains(export_id), "withdrawn once only: {again}");
    let pdf = ana.join("hours.pdf");
    says(
        &ana,
        &["export", "pdf", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--output", pdf.to_str().expect("path")],
    );
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF"));

    // A group: Ana logs it with Ben; Pat confirms the roster in one step, after seeing it.
    let group = [
        "log",
        "--date",
        "2025-04-01",
        "--start",
        "09:00",
        "--time-zone",
        "America/Denver",
        "--minutes",
        "90",
        "--format",
        "video",
        "--attendee",
        ana_name,
        "--attendee",
        &format!("{}:60", &ben_name[..5]),
    ];
    assert!(says(&ana, &group).contains("group"));
    says(&ana, &["sync"]);
    says(&ben, &["sync"]);
    says(&pat, &["sync"]);
    let json: serde_json::Value =
        serde_json::from_str(&ok(rsc(&ana, &["sessions", "--from", "2025-04-01", "--output", "json"]))).expect("json");
    let group_id = json[0]["id"].as_str().expect("id")[..8].to_string();
    let shown = refuses(&pat, &["confirm", &group_id], 2);
    assert!(shown.contains("2 confirmations") && shown.contains(ben_name) && shown.contains("--yes"), "{shown}");
    assert!(says(&pat, &["confirm", &group_id, "--yes"]).contains("Confirmed 2 attendances"));
    says(&pat, &["sync"]);
    says(&ben, &["sync"]);
    says(&ana, &["sync"]);
    // Ben attends; he cannot change the group's format. Ana logged it: she can, once she has
    // seen whose confirmations go back to Pat.
    let not_his = refuses(&ben, &["edit", &group_id, "--format", "phone"], 2);
    assert!(not_his.contains("only the session's provider or the person who logged it"), "{not_his}");
    let warned = refuses(&ana, &["edit", &group_id, "--format", "phone"], 2);
    assert!(warned.contains(ben_name) && warned.contains("format changed from video to phone"), "{warned}");
    assert!(says(&ana, &["edit", &group_id, "--format", "phone", "--yes"]).contains("changed, to re-confirm"));
    says(&ana, &["sync"]);
    let heard = says(&ben, &["sync"]);
    assert!(
        heard.contains(&format!("{ben_name}'s confirmed entry of 2025-04-01")) && heard.contains("format changed"),
        "{heard}"
    );
    let detail = says(&ben, &["session", &group_id]);
    assert!(detail.contains(ana_name) && detail.contains(ben_name) && detail.contains(pat_name), "{detail}");
    assert!(detail.contains("changed, to re-confirm"), "{detail}");
    // By supervisee, as logged: Pat confirms Ana's entries that wait for her.
    says(&pat, &["sync"]);
    let by_supervisee = says(&pat, &["confirm", "--supervisee", ana_name, "--yes"]);
    assert!(by_supervisee.contains("Confirmed 1 attendance in 1 session"), "{by_supervisee}");
    says(&pat, &["sync"]);
    says(&ana, &["sync"]);
    // The session's history keeps both of Pat's confirmations of Ana, the replaced one too.
    let detail = says(&ana, &["session", &group_id]);
    let history = detail.split("History:").nth(1).unwrap_or_default();
    assert_eq!(history.matches(&format!("{pat_name} confirmed {ana_name} for 90 minutes")).count(), 2, "{detail}");
    assert_eq!(history.matches(&format!("{pat_name} confirmed {ben_name} for 60 minutes")).count(), 1, "{detail}");

    // With the server gone, logging still works and sync says what to do.
    drop(server);
    says(
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
        ],
    );
    // A second session at the same time, when it really was one, is logged with --duplicate.
    let second = says(&ana, &[&session[..], &["--duplicate"]].concat());
    assert!(second.contains("Logged session"), "{second}");
    // Offline, an applicant can still print her hours: a PDF made here, marked unverified.
    let unverified = ana.join("offline.pdf");
    let wrote = says(
        &ana,
        &[
            "export",
            "pdf",
            "--unverified",
            "--as-of",
            "2025-06-01",
            "--paper",
            "a4",
            "--output",
            unverified.to_str().expect("path"),
        ],
    );
    assert!(wrote.contains("offline.pdf"), "{wrote}");
    let text = Command::new("pdftotext").arg(&unverified).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("UNVERIFIED Summary") && text.contains("without the server"), "{text}");
    assert!(text.contains(ana_name) && text.contains(pat_name), "names exactly: {text}");
    let info = Command::new("pdfinfo").arg(&unverified).output().expect("pdfinfo");
    assert!(String::from_utf8_lossy(&info.stdout).contains("595.28 x 841.89 pts (A4)"), "A4 on request");
    let refused_csv = refuses(&ana, &["export", "csv", "--unverified"], 2);
    assert!(refused_csv.contains("only a PDF"), "{refused_csv}");
    let offline = refuses(&ana, &["sync"], 1);
    assert!(offline.contains("cannot reach the server") && offline.contains("rsc sync"), "{offline}");
    let refused = refuses(&ana, &["account", "logout"], 2);
    assert!(refused.contains("--discard-unsynced"), "{refused}");
}

/// Staff name a claim by its endorsement number, and by the claimant's email when two accounts
/// claim one number; nothing they read or type is an id.
#[test]
fn staff_decide_claims_by_number_and_claimant_never_by_id() {
    let server = start_server();
    let (pat, mal) = (temp_dir("pat"), temp_dir("mal"));
    let names = names();
    for (home, email, name) in
        [(&pat, "pat@example.org", names[2].as_str()), (&mal, "mal@example.org", names[10].as_str())]
    {
        says(home, &["account", "signup", "--server", &server.url, "--email", email, "--name", name]);
    }
    // Every answer staff read, on stdout and stderr alike, names people and never an id, and
    // carries no log lines.
    let staff = |args: &[&str]| {
        let output = Command::new(server_binary())
            .args(args)
            .env("DATABASE_URL", &server.database)
            .env("USER", "jordan")
            .env_remove("RUST_LOG")
            .output()
            .expect("runs");
        let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!shows_an_id(&out) && !shows_an_id(&err), "`rsc-server {}`: {out}{err}", args.join(" "));
        assert!(!err.contains("INFO"), "`rsc-server {}` logs to staff: {err}", args.join(" "));
        output
    };
    let csv = server.dir.join("registry.csv");
    std::fs::write(&csv, format!("endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\nNM-2002,{},pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n", names[2])).expect("csv");
    ok(staff(&["association", "create", "NMAIMH", "--name", "New Mexico Association for Infant Mental Health"]));
    ok(staff(&["registry", "import", csv.to_str().expect("path")]));
    says(&pat, &["account", "claim", "NM-2002"]);
    says(&mal, &["account", "claim", "NM-2002"]);
    let listed = ok(staff(&["registry", "claims"]));
    assert!(!shows_an_id(&listed), "{listed}");
    assert!(listed.contains(&names[2]) && listed.contains(&names[10]), "{listed}");
    let which = String::from_utf8_lossy(&staff(&["registry", "approve", "NM-2002"]).stderr).to_string();
    assert!(
        which.contains("2 accounts claim NM-2002") && which.contains("--claimant") && which.contains("mal@example.org"),
        "{which}"
    );
    assert!(!shows_an_id(&which), "{which}");
    let rejected =
        ok(staff(&["registry", "reject", "NM-2002", "--claimant", "MAL@example.org", "--note", "not the holder"]));
    assert!(rejected.contains(&format!("rejected {}'s claim to NM-2002", names[10])), "{rejected}");
    let approved = ok(staff(&["registry", "approve", "NM-2002"]));
    assert!(approved.contains(&format!("approved {}'s claim to NM-2002", names[2])), "{approved}");
    let shown = says(&mal, &["account", "show"]);
    assert!(shown.contains("NM-2002  rejected") && shown.contains("not the holder"), "{shown}");
    // A lapse, then the record's history: newest first, each version saying who made it.
    ok(staff(&["registry", "lapse", "NM-2002", "--valid-through", "2025-12-31"]));
    let history = ok(staff(&["registry", "show", "NM-2002"]));
    let versions: Vec<&str> = history.lines().collect();
    assert_eq!(versions.len(), 2, "{history}");
    assert!(versions[0].contains("valid through 2025-12-31") && versions[0].contains("version 2"), "{history}");
    assert!(versions[1].contains("version 1"), "{history}");
    assert!(history.contains("by jordan on the server's command line") && !history.contains("by cli"), "{history}");
}

/// The dispute loop, and batches that sign what they can: Pat disputes one of Ana's entries
/// with a reason; Ana reads it everywhere she looks, corrects her minutes, and her sync says the
/// entry went back; Pat's sync and queue say it is corrected after her dispute, and she confirms
/// it. A batch up to today signs what has taken place and lists, with why, a planned session and
/// a disputed entry, refusing nothing whole.
#[test]
fn a_dispute_goes_round_and_a_batch_signs_what_it_can_through_real_processes() {
    let server = start_server();
    let (ana, pat) = (temp_dir("ana"), temp_dir("pat"));
    let names = names();
    let (ana_name, pat_name) = (names[0].as_str(), names[1].as_str());
    for (home, email, name) in [(&ana, "ana@example.org", ana_name), (&pat, "pat@example.org", pat_name)] {
        says(home, &["account", "signup", "--server", &server.url, "--email", email, "--name", name]);
    }
    let code = invite_code(&says(&pat, &["account", "invite"]));
    says(&ana, &["connect", &code]);
    says(&ana, &["sync"]);
    let today = rsc_model::Date::from_unix_millis(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64,
    )
    .expect("today");
    let planned_day = today.plus_days(30).to_string();
    let log = |date: &str, minutes: &str| {
        says(
            &ana,
            &[
                "log",
                "--date",
                date,
                "--start",
                "10:00",
                "--time-zone",
                "America/Denver",
                "--minutes",
                minutes,
                "--format",
                "video",
            ],
        )
    };
    log("2025-03-04", "60");
    log("2025-03-11", "45");
    log("2025-03-18", "50");
    log(&planned_day, "60");
    let listed = says(&ana, &["sessions"]);
    let planned_line = listed.lines().find(|l| l.contains(&planned_day)).expect("the planned session is listed");
    assert!(planned_line.contains("planned"), "{listed}");
    says(&ana, &["sync"]);
    says(&pat, &["sync"]);
    let sessions: serde_json::Value =
        serde_json::from_str(&ok(rsc(&ana, &["sessions", "--output", "json"]))).expect("json");
    let short = |date: &str| {
        sessions.as_array().expect("list").iter().find(|s| s["date"] == date).expect("session")["id"]
            .as_str()
            .expect("id")[..8]
            .to_string()
    };
    let first = short("2025-03-04");

    // The queue holds what took place; the planned session waits outside it until it ends.
    let queue = says(&pat, &["confirm"]);
    assert!(queue.contains("2025-03-04") && queue.contains("2025-03-18"), "{queue}");
    assert!(!queue.contains(&planned_day), "{queue}");
    assert!(queue.contains("1 planned entry logged with you has not taken place yet"), "{queue}");

    // Pat disputes the first with a reason; Ana hears it at her next sync, and reads it in her
    // list, in the session and in her hours.
    let reason = "We met for 45 minutes, not 60";
    let ana_first = ana_name.split_whitespace().next().expect("a first name");
    assert!(
        says(&pat, &["dispute", &first, ana_first, "--reason", reason]).contains(&format!("Disputed {ana_name}'s"))
    );
    says(&pat, &["sync"]);
    let heard = says(&ana, &["sync"]);
    assert!(
        heard.contains(&format!("{pat_name} disputed your entry of 2025-03-04")) && heard.contains(reason),
        "{heard}"
    );
    let listed = says(&ana, &["sessions"]);
    assert!(listed.contains(&format!("Disputed by {pat_name}: 2025-03-04")) && listed.contains(reason), "{listed}");
    assert!(listed.contains("rsc attendance SESSION --minutes M"), "{listed}");
    let shown = says(&ana, &["session", &first]);
    assert!(shown.contains(&format!("{pat_name} disputed your entry: \"{reason}\"")), "{shown}");
    let hours = says(&ana, &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01"]);
    assert!(hours.contains(&format!("{pat_name} disputed it: \u{201c}{reason}\u{201d}")), "{hours}");

    // A batch up to the planned day signs the two that took place and waited, and lists the
    // disputed one and the planned one with why.
    let preview = refuses(&pat, &["confirm", "--through", &planned_day], 2);
    assert!(preview.contains("--yes"), "{preview}");
    let signed = says(&pat, &["confirm", "--through", &planned_day, "--yes"]);
    assert!(signed.contains("Confirmed 2 attendances in 2 sessions (1 h 35 min in all)"), "{signed}");
    assert!(signed.contains("Not signed (2):"), "{signed}");
    assert!(signed.contains(&format!("you disputed it (\u{201c}{reason}\u{201d})")), "{signed}");
    assert!(signed.contains(&format!("not ended yet: it is planned for {planned_day}")), "{signed}");
    let nothing = says(&pat, &["confirm", "--supervisee", ana_name]);
    assert!(nothing.contains("Nothing there can be signed now") && nothing.contains("Not signed (2):"), "{nothing}");
    says(&pat, &["sync"]);

    // Refusals of `rsc attendance` name people and sessions in words: a provider is no
    // attendee, minutes longer than the session, a session that does not exist.
    let not_hers = refuses(&pat, &["attendance", &first, "--minutes", "30"], 2);
    assert!(!not_hers.is_empty(), "{not_hers}");
    let too_long = refuses(&ana, &["attendance", &first, "--minutes", "999"], 2);
    assert!(too_long.contains("--minutes"), "{too_long}");
    let unknown = refuses(&ana, &["attendance", "0000aaaa", "--minutes", "30"], 2);
    assert!(unknown.contains("no session"), "{unknown}");
    // Ana corrects her minutes; her sync says the entry went back, and Pat's says it is back.
    let warned = refuses(&ana, &["attendance", &first, "--minutes", "45"], 2);
    assert!(warned.contains("disputed"), "{warned}");
    says(&ana, &["attendance", &first, "--minutes", "45", "--yes"]);
    let shown = says(&ana, &["session", &first]);
    assert!(shown.contains("corrected, back with the provider"), "{shown}");
    let sent = says(&ana, &["sync"]);
    assert!(
        sent.contains(&format!("sent back to {pat_name}: your corrected entry of 2025-03-04")) && sent.contains(reason),
        "{sent}"
    );
    let back = says(&pat, &["sync"]);
    assert!(
        back.contains(&format!(
            "back with you: {ana_name}'s entry of 2025-03-04, corrected after your dispute (\"{reason}\"): now 45 minutes"
        )),
        "{back}"
    );
    let queue = says(&pat, &["confirm"]);
    assert!(
        queue.contains(&format!("corrected after your dispute (\"{reason}\"): now 45 minutes")),
        "the queue says why it is back: {queue}"
    );
    assert!(says(&pat, &["confirm", &first, ana_first]).contains(&format!("Confirmed {ana_name} for 45 minutes")));
    says(&pat, &["sync"]);
    let confirmed = says(&ana, &["sync"]);
    assert!(
        confirmed.contains(&format!("{pat_name} confirmed your entry of 2025-03-04 for 45 minutes")),
        "{confirmed}"
    );
    let hours: serde_json::Value = serde_json::from_str(&ok(rsc(
        &ana,
        &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01", "--output", "json"],
    )))
    .expect("json");
    // Pat is not endorsed here, so nothing counts; what matters is that nothing is disputed.
    let excluded: Vec<String> = hours["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .flat_map(|s| s["excluded"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect();
    assert!(!excluded.iter().any(|e| e == "disputed"), "{hours}");

    // Why nothing counts yet, in words with the next step, as the registry changes: Pat has not
    // claimed; her claim waits for staff; it is approved; staff lapse the record.
    let why = |text: &str| {
        let hours = says(&ana, &["hours", "--rulebook", "nmaimh", "--as-of", "2025-06-01"]);
        assert!(hours.contains(text), "{hours}");
    };
    why(&format!("{pat_name} has not claimed an endorsement in RSC Logbook yet"));
    let staff = |args: &[&str]| {
        ok(Command::new(server_binary()).args(args).env("DATABASE_URL", &server.database).output().expect("runs"))
    };
    let csv = server.dir.join("registry.csv");
    std::fs::write(&csv, format!("endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\nNM-1001,{pat_name},pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n")).expect("csv");
    staff(&["association", "create", "NMAIMH", "--name", "New Mexico Association for Infant Mental Health"]);
    staff(&["registry", "import", csv.to_str().expect("path")]);
    says(&pat, &["account", "claim", "NM-1001"]);
    says(&ana, &["sync"]);
    why(&format!("{pat_name}'s claim to NM-1001 waits for NMAIMH staff"));
    staff(&["registry", "approve", "NM-1001"]);
    let approved = says(&ana, &["sync"]);
    assert!(approved.contains(&format!("3 sessions with {pat_name} count now")), "{approved}");
    staff(&["registry", "lapse", "NM-1001", "--valid-through", "2025-03-10"]);
    let lapsed = says(&ana, &["sync"]);
    assert!(
        lapsed.contains(&format!(
            "2 sessions with {pat_name} no longer count: {pat_name}'s IMHM-C (NM-1001) lapsed after 2025-03-10: \
             sessions after that day do not count; {pat_name} renews with NMAIMH"
        )),
        "{lapsed}"
    );
    why(&format!("{pat_name}'s IMHM-C (NM-1001) lapsed after 2025-03-10"));
    says(&pat, &["sync"]);
    let shown = says(&pat, &["account", "show"]);
    assert!(shown.contains("NM-1001 (IMHM-C, NMAIMH): lapsed after 2025-03-10"), "{shown}");
}

/// `rsc log` asked at a terminal (a pseudo-terminal made by `script`): each wrong answer is
/// said and asked again, nothing typed before is lost, and the time zone, format and provider
/// of the last session she logged are offered.
#[test]
fn an_interactive_log_asks_again_and_remembers_the_last_session() {
    if Command::new("script").arg("--version").output().is_err() {
        rsc_test_kit::skipped("the interactive `rsc log` test", "no `script` to give it a terminal (util-linux)");
        return;
    }
    let server = start_server();
    let (ana, pat) = (temp_dir("ana-tty"), temp_dir("pat-tty"));
    let names = names();
    for (home, email, name) in
        [(&ana, "ana@example.org", names[6].as_str()), (&pat, "pat@example.org", names[7].as_str())]
    {
        says(home, &["account", "signup", "--server", &server.url, "--email", email, "--name", name]);
    }
    let code = invite_code(&says(&pat, &["account", "invite"]));
    says(&ana, &["connect", &code]);
    says(
        &ana,
        &[
            "log",
            "--date",
            "2025-03-04",
            "--start",
            "10:00",
            "--time-zone",
            "America/Chicago",
            "--minutes",
            "60",
            "--format",
            "phone",
        ],
    );
    // A wrong date, a wrong time, a wrong zone and a length out of range, each followed by a
    // right one; the zone and format are taken as offered (an empty answer).
    let answers = "2025-13-01\n2025-04-01\n25:00\n09:30\nMars/Olympus\n\n0\n50\n\n\n";
    let command = format!("{} --home {} log", rsc_binary().display(), ana.display());
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("RSC_PASSWORD", PASSWORD)
        .env_remove("RSC_SERVER")
        .env_remove("RSC_TIME_ZONE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        for line in answers.split_inclusive('\n') {
            stdin.write_all(line.as_bytes()).expect("answer");
            stdin.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(150));
        }
    }
    let output = child.wait_with_output().expect("rsc log ends");
    let shown = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    assert!(output.status.success(), "{shown}");
    for said in [
        "--date: ",
        "--start: `25:00` is not a time like 14:30; try again",
        "--time-zone: `Mars/Olympus` is not a time zone name like America/Denver; try again",
        "Time zone (e.g. America/Denver) [America/Chicago]",
        "Format (in_person, video, phone) [phone]",
        "Logged session",
    ] {
        assert!(shown.contains(said), "`{said}` in: {shown}");
    }
    assert_eq!(shown.matches("try again").count(), 4, "{shown}");
    let listed = says(&ana, &["sessions"]);
    let line = listed.lines().find(|l| l.contains("2025-04-01")).unwrap_or_else(|| panic!("{listed}"));
    assert!(line.contains("50"), "{line}");
    let id = line.split_whitespace().find(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_hexdigit()));
    let session = says(&ana, &["session", id.unwrap_or_else(|| panic!("a short id in {line}"))]);
    assert!(session.contains("09:30 (America/Chicago)") && session.contains("phone"), "{session}");
}

/// Ana downloads her data and closes her account with `rsc` alone: the data names her provider
/// and her own entry; closing asks for the words and the password, then she is signed out for
/// good, and her provider still sees the session she confirmed.
#[test]
fn a_person_downloads_her_data_and_closes_her_account_with_rsc() {
    let server = start_server();
    let (ana, pat) = (temp_dir("ana"), temp_dir("pat"));
    let names = names();
    let (ana_name, pat_name) = (names[3].as_str(), names[6].as_str());
    for (home, email, name) in [(&ana, "ana@example.org", ana_name), (&pat, "pat@example.org", pat_name)] {
        says(home, &["account", "signup", "--server", &server.url, "--email", email, "--name", name]);
    }
    let code = invite_code(&says(&pat, &["account", "invite"]));
    says(&ana, &["connect", &code]);
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
    ];
    says(&ana, &session);
    says(&ana, &["sync"]);

    let data = says(&ana, &["account", "data"]);
    let json: serde_json::Value = serde_json::from_str(&data).expect("her data is JSON");
    assert_eq!(json["account"]["email"], "ana@example.org");
    assert_eq!(json["sessions"][0]["provider"], pat_name);
    assert_eq!(json["sessions"][0]["entries"][0]["attendee"], ana_name);
    let file = ana.join("my-data.json");
    assert!(says(&ana, &["account", "data", "--out", file.to_str().expect("path")]).contains("my-data.json"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&file).expect("file")).expect("json")["account"],
        json["account"]
    );

    let unsure = refuses(&ana, &["account", "close", "--confirm", "yes"], 2);
    assert!(unsure.contains("close my account") && unsure.contains("nothing was closed"), "{unsure}");
    let closed = says(&ana, &["account", "close", "--confirm", "close my account"]);
    assert!(closed.contains("Your account is closed"), "{closed}");
    let gone = refuses(&ana, &["hours", "--rulebook", "nmaimh"], 1);
    assert!(gone.contains("rsc account login"), "this device forgot her: {gone}");
    let again = rsc(&ana, &["account", "login", "--server", &server.url, "--email", "ana@example.org"]);
    assert!(!again.status.success(), "no sign-in after closing");
    says(&pat, &["sync"]);
    let confirm = says(&pat, &["confirm"]);
    assert!(confirm.contains(ana_name), "Pat still sees the session Ana logged: {confirm}");
}

#[test]
fn her_trainings_go_from_one_computer_to_the_other_with_rsc() {
    let server = start_server();
    let (desk, laptop) = (temp_dir("desk"), temp_dir("laptop"));
    let name = names()[5].clone();
    says(&desk, &["account", "signup", "--server", &server.url, "--email", "ana@example.org", "--name", &name]);
    says(&laptop, &["account", "login", "--server", &server.url, "--email", "ana@example.org"]);
    let added = says(
        &desk,
        &[
            "training",
            "add",
            "--title",
            "Diversity, equity and inclusion in infant mental health",
            "--organiser",
            "CT-AIMH",
            "--date",
            "2026-02-10",
            "--duration",
            "1h30m",
            "--topic",
            "dei",
        ],
    );
    assert!(added.contains("1 h 30 min about diversity, equity and inclusion, self-reported"), "{added}");
    let certificate = desk.join("Reflective supervision II.pdf");
    std::fs::write(&certificate, b"%PDF-1.4\n% a certificate of completion\n%%EOF\n").expect("pdf");
    let lie = desk.join("certificate.pdf");
    std::fs::write(&lie, b"<html>not a pdf</html>").expect("html");
    let refused = refuses(
        &desk,
        &[
            "training",
            "add",
            "--title",
            "x",
            "--date",
            "2026-03-01",
            "--duration",
            "1h",
            "--topic",
            "rsc",
            "--certificate",
            lie.to_str().expect("path"),
        ],
        2,
    );
    assert!(refused.contains("--certificate: the file is not a PDF, PNG or JPEG"), "{refused}");
    says(
        &desk,
        &[
            "training",
            "add",
            "--title",
            "Reflective supervision II",
            "--date",
            "2026-03-01",
            "--duration",
            "3h",
            "--topic",
            "rsc",
            "--certificate",
            certificate.to_str().expect("path"),
        ],
    );
    let offline = says(&desk, &["training", "list"]);
    assert!(
        offline.contains("Trainings (self-reported), 2 trainings") && offline.contains("not yet synced"),
        "{offline}"
    );
    // Refusals name the flag.
    let long = refuses(
        &desk,
        &["training", "add", "--title", "x", "--date", "2026-03-01", "--duration", "41h", "--topic", "rsc"],
        2,
    );
    assert!(long.contains("--duration: 41 h is not 1 minute to 40 hours"), "{long}");
    let topic = refuses(
        &desk,
        &["training", "add", "--title", "x", "--date", "2026-03-01", "--duration", "1h", "--topic", "art"],
        2,
    );
    assert!(topic.contains("--topic:"), "{topic}");
    says(&desk, &["sync"]);
    says(&laptop, &["sync"]);
    let listed = says(&laptop, &["training", "list"]);
    assert!(listed.contains("Reflective supervision II") && listed.contains("CT-AIMH"), "{listed}");
    assert!(listed.contains("About providing RS/C: 3 h") && !listed.contains("not yet synced"), "{listed}");

    says(&laptop, &["training", "edit", "Reflective supervision II", "--duration", "2h"]);
    says(&laptop, &["training", "remove", "Diversity, equity and inclusion in infant mental health"]);
    says(&laptop, &["sync"]);
    says(&desk, &["sync"]);
    let listed = says(&desk, &["training", "list"]);
    assert!(listed.contains("1 training") && listed.contains("About providing RS/C: 2 h"), "{listed}");
    assert!(!listed.contains("Diversity"), "removed: {listed}");
    let json: serde_json::Value =
        serde_json::from_str(&says(&desk, &["training", "list", "--output", "json"])).expect("json");
    assert_eq!((json[0]["minutes"].as_u64(), json[0]["topic"].as_str()), (Some(120), Some("rsc")));
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(&certificate).expect("pdf")));
    assert_eq!(json[0]["certificate"].as_str(), Some(digest.as_str()), "the digest travelled with the training");
    assert!(listed.contains("(certificate)"), "{listed}");

    // As an Oregon applicant she sees her RS/C and her training about RS/C side by side; under
    // Connecticut's rules as of 2024-03-01, the 48 hours of training of applications from then.
    let oregon = says(&desk, &["hours", "--rulebook", "orimha", "--purpose", "application"]);
    assert!(oregon.contains("50 h"), "the RS/C requirement: {oregon}");
    assert!(
        oregon.contains("Training: 2 h of 15 h of training about RS/C (self-reported); 13 h still needed"),
        "{oregon}"
    );
    let connecticut =
        says(&desk, &["hours", "--rulebook", "ct-aimh", "--purpose", "application", "--as-of", "2024-03-01"]);
    assert!(connecticut.contains("Training: 0 min of 48 h of training (self-reported)"), "{connecticut}");
    assert!(connecticut.contains("of 3 h of training about diversity, equity and inclusion"), "{connecticut}");
}
