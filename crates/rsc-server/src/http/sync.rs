//! `POST /v1/sync`.

use axum::Json;
use axum::extract::State;
use rsc_protocol::{SyncRequest, SyncResponse};

use super::{AppState, JsonBody};
use crate::AppError;
use crate::auth::AuthDevice;
use crate::store::Store;

/// Pushes the device's changes and pulls a page of others'.
pub async fn sync<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    JsonBody(request): JsonBody<SyncRequest>,
) -> Result<Json<SyncResponse>, AppError> {
    Ok(Json(crate::sync::sync(&state.store, &device, request).await?))
}
