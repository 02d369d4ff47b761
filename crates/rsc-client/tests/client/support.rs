//! A real server on a temporary SQLite database, run on its own runtime so that the blocking
//! client can call it from the test thread; and people with logbooks on their own devices.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rsc_client::{
    Account, Date, Id, Logbook, Minutes, NewAttendee, NewSession, SessionFields, SessionFilter, SessionFormat,
    SessionKind,
};
use rsc_server::RunningServer;
use rsc_server::store::SqliteStore;

pub const PASSWORD: &str = "a long enough password";

/// An HTTP client for the tests' own calls (staff actions). reqwest is built with rustls and no
/// built-in crypto provider, so the one the device core uses is installed first.
pub fn http_client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::new()
}

/// A server that can be stopped and started again at the same address.
pub struct TestServer {
    /// Holds the server's database and every device folder of the test; removed when the server is.
    root: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    store: SqliteStore,
    server: Option<RunningServer>,
    pub addr: SocketAddr,
    admin_token: Option<String>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let root = tempfile::Builder::new().prefix("rsc-client-").tempdir().expect("temp dir");
        let store = runtime
            .block_on(SqliteStore::connect(&format!("sqlite://{}/rsc.db", root.path().display())))
            .expect("server store");
        let server = runtime.block_on(RunningServer::start(store.clone())).expect("server");
        let addr = server.addr;
        TestServer { root, runtime, store, server: Some(server), addr, admin_token: None }
    }

    /// A fresh folder for one device (or file) of the test, removed with the server.
    pub fn temp_dir(&self, what: &str) -> PathBuf {
        tempfile::Builder::new().prefix(&format!("{what}-")).tempdir_in(self.root.path()).expect("temp dir").keep()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server, letting in-flight requests finish.
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.stop()).expect("stop");
        }
    }

    /// Starts it again where it was.
    pub fn restart(&mut self) {
        let server = self.runtime.block_on(RunningServer::start_on(self.store.clone(), self.addr)).expect("restart");
        self.server = Some(server);
    }

    /// Starts a TLS front for the server, as a deployment's proxy would be, presenting the
    /// certificate `cert` with key `key` (DER); returns its port.
    pub fn tls_front(&self, cert: Vec<u8>, key: Vec<u8>) -> u16 {
        use tokio_rustls::rustls;
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(cert)],
                rustls::pki_types::PrivateKeyDer::try_from(key).expect("key"),
            )
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let backend = self.addr;
        let listener = self.runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        self.runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else { return };
                    let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        port
    }

    /// Imports a registry record for `email`'s IMHM-C and approves `logbook`'s claim to it.
    pub fn endorse(&mut self, logbook: &Logbook, number: &str, email: &str) {
        let token = self.admin_token();
        let http = http_client();
        let csv = format!(
            "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n{number},Provider,{email},IMHM-C,NMAIMH,2015-03-01,,\n"
        );
        let response = http
            .post(format!("{}/v1/registry/import?source=test.csv", self.url()))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .expect("import");
        assert!(response.status().is_success(), "{:?}", response.text());
        assert_eq!(logbook.claim_endorsement(number).expect("claim"), "pending");
        let claims: serde_json::Value = http
            .get(format!("{}/v1/registry/claims", self.url()))
            .bearer_auth(&token)
            .send()
            .expect("claims")
            .json()
            .expect("json");
        let claim =
            claims.as_array().expect("claims").iter().find(|c| c["record"]["number"] == number).expect("the claim");
        let response = http
            .post(format!("{}/v1/registry/claims/{}/approve", self.url(), claim["claim_id"].as_str().expect("id")))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .expect("approve");
        assert_eq!(response.status().as_u16(), 200);
    }

    fn admin_token(&mut self) -> String {
        if let Some(token) = &self.admin_token {
            return token.clone();
        }
        self.runtime
            .block_on(rsc_service::auth::create_account(
                &self.store,
                "staff@example.org",
                PASSWORD,
                "Staff",
                rsc_protocol::Role::RegistryAdmin,
            ))
            .expect("admin");
        self.runtime.block_on(async {
            let operator = rsc_service::staff::Staff::command_line(None);
            rsc_service::staff::create_association(&self.store, &operator, "NMAIMH", "New Mexico", &[])
                .await
                .expect("association");
            rsc_service::staff::add_staff(&self.store, &operator, "staff@example.org", "NMAIMH").await.expect("staff");
        });
        let key = rsc_doc::DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let login: serde_json::Value = http_client()
            .post(format!("{}/v1/login", self.url()))
            .json(&serde_json::json!({
                "email": "staff@example.org", "password": PASSWORD,
                "device": { "name": "desk", "public_key": hex::encode(key.public_key()),
                            "actor_id": uuid::Uuid::new_v4().simple().to_string() }
            }))
            .send()
            .expect("login")
            .json()
            .expect("json");
        let token = login["token"].as_str().expect("token").to_string();
        self.admin_token = Some(token.clone());
        token
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where the devices of a test find their server and keep their folders: a server in this
/// process ([`TestServer`]) or, for the benchmarks, an `rsc-server` process.
pub trait Serves {
    /// The server's base URL.
    fn url(&self) -> String;
    /// A fresh folder for one device.
    fn temp_dir(&self, what: &str) -> PathBuf;
}

impl Serves for TestServer {
    fn url(&self) -> String {
        TestServer::url(self)
    }

    fn temp_dir(&self, what: &str) -> PathBuf {
        TestServer::temp_dir(self, what)
    }
}

/// `name@example.org` signed up on a new device.
pub fn person(server: &impl Serves, name: &str) -> (Logbook, Account) {
    let logbook = Logbook::open(server.temp_dir(name)).expect("open");
    let account = logbook
        .sign_up(&server.url(), &format!("{name}@example.org"), PASSWORD, name, &format!("{name}'s phone"))
        .expect("sign up");
    (logbook, account)
}

/// A second device of an existing account.
pub fn second_device(server: &impl Serves, name: &str) -> Logbook {
    let logbook = Logbook::open(server.temp_dir(name)).expect("open");
    logbook
        .sign_in(&server.url(), &format!("{name}@example.org"), PASSWORD, &format!("{name}'s tablet"))
        .expect("sign in");
    logbook
}

/// Connects each of `people` to `provider` with a code the provider shares.
pub fn connect(provider: &Logbook, people: &[&Logbook]) {
    let code = provider.create_connection_code(None).expect("connection code");
    for person in people {
        person.connect(&code.code).expect("connect");
    }
    // The provider puts them in one group, so that they may name each other; each learns of
    // the others, as a sync would tell them.
    provider.refresh_directory().expect("directory");
    if people.len() > 1 {
        let ids: Vec<String> =
            people.iter().map(|p| p.account().expect("account").expect("signed in").user_id).collect();
        let names: Vec<String> = provider
            .connections()
            .expect("connections")
            .into_iter()
            .filter(|c| ids.contains(&c.id.to_string()))
            .map(|c| c.name)
            .collect();
        let existing = provider.groups().expect("groups").len();
        provider.create_group(&format!("Group {}", existing + 1), &names).expect("group");
    }
    for person in people {
        person.refresh_directory().expect("directory");
    }
}

pub fn id(account: &Account) -> Id {
    Id::new(account.user_id.as_str(), "user").expect("id")
}

pub fn date(text: &str) -> Date {
    text.parse().expect("date")
}

pub fn minutes(value: i64) -> Minutes {
    Minutes::new(value, "minutes").expect("minutes")
}

/// An individual or group session with `provider` on `day`, attended by `attendees`.
pub fn session(provider: &Id, day: &str, length: i64, attendees: &[(&Id, i64)]) -> NewSession {
    NewSession {
        fields: SessionFields {
            date: date(day),
            start_time: "09:30".into(),
            time_zone: "America/Denver".into(),
            minutes: minutes(length),
            kind: if attendees.len() > 1 { SessionKind::Group } else { SessionKind::Individual },
            format: SessionFormat::Video,
            provider: provider.clone(),
        },
        attendees: attendees
            .iter()
            .map(|(who, m)| NewAttendee {
                id: (*who).clone(),
                minutes_attended: minutes(*m),
                about_own_rsc_practice: false,
            })
            .collect(),
    }
}

/// Syncs with default options and no progress reporting.
pub fn sync(logbook: &Logbook) -> rsc_client::SyncReport {
    logbook.sync(&rsc_client::SyncOptions::default(), &|_| {}).expect("sync")
}

/// An `rsc-server` process on one database (a SQLite file in its folder unless given), which
/// can be killed and started again at the same address.
pub struct ServerProcess {
    root: tempfile::TempDir,
    database: String,
    port: u16,
    child: Option<Child>,
}

impl ServerProcess {
    pub fn new(database: Option<String>) -> ServerProcess {
        let root = tempfile::Builder::new().prefix("rsc-server-kills-").tempdir().expect("temp dir");
        let database = database.unwrap_or_else(|| format!("sqlite://{}/rsc.db", root.path().display()));
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let output = Command::new(server_binary())
            .arg("migrate")
            .current_dir(root.path())
            .env("DATABASE_URL", &database)
            .output()
            .expect("rsc-server migrate runs");
        assert!(output.status.success(), "migrate: {}", String::from_utf8_lossy(&output.stderr));
        let mut server = ServerProcess { root, database, port, child: None };
        server.start();
        server
    }

    /// Starts the server and waits until it answers: the database it was killed on opens.
    pub fn start(&mut self) {
        let child = Command::new(server_binary())
            .current_dir(self.root.path())
            .env("RSC_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("DATABASE_URL", &self.database)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsc-server starts");
        self.child = Some(child);
        let http = crate::support::http_client();
        for _ in 0..400 {
            if http.get(format!("{}/readyz", self.url())).send().is_ok_and(|r| r.status().is_success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("rsc-server did not start again on {}", self.database);
    }

    /// Runs `rsc-server ARGS` on this server's database, and returns what it printed.
    pub fn command(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let said = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(output.status.success(), "{args:?}: {said}{}", String::from_utf8_lossy(&output.stderr));
        said
    }

    /// Runs `rsc-server ARGS` on this server's database, succeeding or not.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(server_binary())
            .args(args)
            .current_dir(self.root.path())
            .env("DATABASE_URL", &self.database)
            .env("RSC_ADMIN_PASSWORD", PASSWORD)
            .output()
            .expect("rsc-server runs")
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// The folder the server runs in.
    pub fn root(&self) -> &std::path::Path {
        self.root.path()
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }

    /// Those of `docs` the server's database does not hold, read through the store the server
    /// itself uses.
    pub fn missing(&self, runtime: &tokio::runtime::Runtime, docs: &[String]) -> Vec<String> {
        use rsc_server::store::{DocId, PgStore, SqliteStore, SyncStore};
        runtime.block_on(async {
            let mut missing = Vec::new();
            if self.database.starts_with("postgres") {
                let store = PgStore::connect(&self.database, 2).await.expect("connect");
                for doc in docs {
                    if store.document(&DocId::from(doc)).await.expect("read").is_none() {
                        missing.push(doc.clone());
                    }
                }
            } else {
                let store = SqliteStore::connect(&self.database).await.expect("connect");
                for doc in docs {
                    if store.document(&DocId::from(doc)).await.expect("read").is_none() {
                        missing.push(doc.clone());
                    }
                }
            }
            missing
        })
    }
}

impl Serves for ServerProcess {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn temp_dir(&self, what: &str) -> std::path::PathBuf {
        tempfile::Builder::new().prefix(&format!("{what}-")).tempdir_in(self.root.path()).expect("temp dir").keep()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The ids of what a device holds as acknowledged by the server (nothing of it waits to be sent).
pub fn acknowledged(logbook: &Logbook) -> Vec<String> {
    let sessions = logbook.sessions(&SessionFilter::default()).expect("sessions");
    let trainings = logbook.trainings().expect("trainings");
    sessions
        .iter()
        .filter(|s| !s.unsynced)
        .map(|s| s.id.to_string())
        .chain(trainings.iter().filter(|t| !t.unsynced).map(|t| t.id.to_string()))
        .collect()
}

/// Every session and training id on a device, sorted.
pub fn everything(logbook: &Logbook) -> (Vec<String>, Vec<String>) {
    let mut sessions: Vec<String> =
        logbook.sessions(&SessionFilter::default()).expect("sessions").iter().map(|s| s.id.to_string()).collect();
    let mut trainings: Vec<String> = logbook.trainings().expect("trainings").iter().map(|t| t.id.to_string()).collect();
    sessions.sort();
    trainings.sort();
    (sessions, trainings)
}

/// Runs `test` with the URL of a fresh Postgres database, dropped afterwards even if the test
/// fails; skips (saying so) where there is no test Postgres.
pub fn on_postgres(test: impl FnOnce(String) + std::panic::UnwindSafe) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let Some((name, url)) = runtime.block_on(rsc_test_kit::create_postgres_db()) else { return };
    let outcome = std::panic::catch_unwind(|| test(url));
    runtime.block_on(rsc_test_kit::drop_postgres_db(&name));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The `rsc-server` binary the test command's build made (see `prebuilt_binary`: the durability
/// and TLS tests start this test binary again as a worker).
fn server_binary() -> PathBuf {
    rsc_test_kit::process::prebuilt_binary("rsc-server")
}
