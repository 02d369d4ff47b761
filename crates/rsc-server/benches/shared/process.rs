//! A real `rsc-server` process for the benchmarks: this package's binary, started in a folder
//! of its own on the database at a URL, listening on a free loopback port, stopped when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::Api;

/// A running server process.
pub struct Server(Child);

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `rsc-server` in `dir` on `database` (a SQLite file or a Postgres database) with a
/// pool of `connections`, and waits until it is ready.
pub async fn start(dir: &std::path::Path, database: &str, connections: u32) -> (Server, Api) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_rsc-server"))
            .current_dir(dir)
            .env("RSC_LISTEN", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database)
            .env("RSC_MAX_CONNECTIONS", connections.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsc-server starts"),
    );
    let api = Api::new(format!("http://127.0.0.1:{port}"));
    for _ in 0..400 {
        if let Ok(response) = api.http.get(format!("{}/readyz", api.base)).send().await
            && response.status().is_success()
        {
            return (server, api);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("rsc-server did not become ready");
}
