//! What every request handler, of the API or the portal, can reach: the store and the live
//! state kept beside it in this process.

use std::sync::Arc;

use crate::store::Store;

/// The services' shared state.
#[derive(Clone)]
pub struct AppState<S> {
    /// The storage backend.
    pub store: S,
    /// The open event streams.
    pub streams: Arc<crate::events::Streams>,
    /// The account versions kept between syncs.
    pub versions: Arc<crate::account::Versions>,
    /// The database's epoch, sent with every sync answer.
    pub epoch: Arc<crate::epoch::Epoch>,
}

impl<S: Store> AppState<S> {
    /// The state of a server over `store`, allowing `max_streams` open event streams.
    pub fn new(store: S, streams_close: tokio::sync::watch::Receiver<()>, max_streams: usize) -> AppState<S> {
        AppState {
            store,
            streams: Arc::new(crate::events::Streams::new(streams_close, max_streams)),
            versions: Arc::new(crate::account::Versions::new()),
            epoch: Arc::new(crate::epoch::Epoch::new()),
        }
    }
}
