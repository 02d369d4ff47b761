//! The RSC Logbook sync server: accounts and devices, the batched sync of session documents,
//! the attestation ledger and the relational projection, over Postgres or SQLite.
//!
//! The crate is a library so tests and benchmarks run the real server in-process; the
//! `rsc-server` binary is a thin command line over [`serve`].

pub mod account;
pub mod auth;
pub mod clock;
pub mod config;
pub mod connections;
mod error;
pub mod events;
pub mod exports;
pub mod http;
pub mod limits;
pub mod projection;
pub mod registry;
pub mod server_keys;
pub mod sync;
pub mod telemetry;
pub mod verified;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use error::AppError;
pub use http::{AppState, router};
/// Storage lives in its own crate; `rsc_server::store` names it for this crate's users.
pub use rsc_store as store;
use store::Store;

/// Runs CPU-bound `work` (merging documents, rendering a PDF, parsing a CSV) on a blocking
/// thread, off the async workers that answer other requests.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::caused(what, e))
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve<S: Store>(
    store: S,
    listener: tokio::net::TcpListener,
    request_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Event streams never end on their own: dropping `closing` at shutdown ends them, so the
    // graceful shutdown does not wait for them forever.
    let (closing, streams_close) = tokio::sync::watch::channel(());
    let state = AppState {
        store,
        metrics: Arc::new(telemetry::metrics_handle()),
        streams: Arc::new(events::Streams::new(
            streams_close,
            limits::stream_cap(limits::open_files().map(|(soft, _)| soft)),
        )),
        versions: Arc::new(account::Versions::new()),
    };
    let app = router(state, request_timeout);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            drop(closing);
        })
        .await
}

/// A server running in the background of this process (for tests and benchmarks).
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Starts serving `store` on a free loopback port.
    pub async fn start<S: Store>(store: S) -> std::io::Result<RunningServer> {
        RunningServer::start_on(store, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts serving `store` on `addr` (to restart a server where its clients expect it).
    pub async fn start_on<S: Store>(store: S, addr: SocketAddr) -> std::io::Result<RunningServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(serve(store, listener, Duration::from_secs(30), async move {
            let _ = stopped.await;
        }));
        Ok(RunningServer { addr, stop: Some(stop), task })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server to end.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.map_err(std::io::Error::other)?
    }
}
