//! The RSC Logbook server's services: what the JSON API, the web portal and the `rsc-server`
//! binary all call. Accounts and devices, connections, the batched sync of session documents and
//! its attestation ledger, the endorsement registry and its claims, verified hours and exports,
//! each over the [`Store`].
//!
//! Nothing here routes a request: the API (`rsc-server`) and the portal (`rsc-web`) turn
//! requests into calls of these functions and their answers into responses. The one mapping to
//! HTTP is [`AppError`]'s status and body, kept beside the error so both front doors answer
//! alike.

pub mod account;
pub mod auth;
pub mod certificates;
pub mod clock;
pub mod connections;
pub mod epoch;
mod error;
pub mod events;
pub mod exports;
pub mod former;
pub mod limits;
pub mod own_data;
pub mod profile;
pub mod projection;
pub mod provided;
mod pushed;
pub mod registry;
pub mod server_keys;
pub mod staff;
mod state;
pub mod sync;
pub mod trainings;
pub mod verified;

pub use error::AppError;
/// Storage lives in its own crate; `crate::store` names it for this crate's users.
pub use rsc_store as store;
pub use state::AppState;

/// Runs CPU-bound `work` (merging documents, rendering a PDF, parsing a CSV) on a blocking
/// thread, off the async workers that answer other requests.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::caused(what, e))
}
