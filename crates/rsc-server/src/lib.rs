//! The RSC Logbook server: the JSON API over the services of `rsc-service`, mounted with the
//! web portal of `rsc-web` on one port, its middleware, and the `rsc-server` binary.
//!
//! The crate is a library so tests and benchmarks run the real server in-process; the
//! `rsc-server` binary is a thin command line over [`serve`].

pub mod config;
pub mod http;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use http::router;
pub use rsc_service::{AppError, AppState, store};
use store::Store;

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
    let max_streams = rsc_service::limits::stream_cap(rsc_service::limits::open_files().map(|(soft, _)| soft));
    let state = AppState::new(store, streams_close, max_streams);
    let app = router(state, Arc::new(telemetry::metrics_handle()), request_timeout);
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
