//! `POST /v1/sync`.

use axum::extract::State;
use axum::Json;
use rsc_protocol::{SyncRequest, SyncResponse};

use super::{AppState, JsonBody};
use crate::auth::AuthDevice;
use crate::store::Store;
use crate::AppError;

/// Pushes the device's changes and pulls a page of others'.
pub async fn sync<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    JsonBody(request): JsonBody<SyncRequest>,
) -> Result<Json<SyncResponse>, AppError> {
    Ok(Json(crate::sync::sync(&state.store, &device, request).await?))
}
