//! `POST /v1/sync`, and `GET /v1/events`, which says when to sync.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use rsc_protocol::ErrorBody;
use rsc_protocol::{SyncRequest, SyncResponse};

use super::Device;
use super::{AppState, JsonBody};
use rsc_service::AppError;
use rsc_service::store::Store;

/// Pushes the device's changes and pulls a page of others'.
#[utoipa::path(post, path = "/v1/sync", tag = "sync", security(("device" = [])), request_body = SyncRequest,
    description = "Pushes unacknowledged changes of any number of documents and pulls what changed elsewhere since the cursor, in pages. A refused document answers with a refusal code (not_participant, foreign_actor, undecodable, invalid_session, missing_dependencies, document_too_large, not_allowed) and the rest of the batch lands.",
    responses((status = 200, description = "what was accepted and refused, and a page of changes", body = SyncResponse), (status = 400, description = "the request cannot be read; `field` names where", body = ErrorBody), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 413, description = "the body is larger than the limit", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody), (status = 503, description = "the database is busy; retry", body = ErrorBody)))]
pub async fn sync<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(request): JsonBody<SyncRequest>,
) -> Result<Json<SyncResponse>, AppError> {
    Ok(Json(rsc_service::sync::sync(&state.store, &state.versions, &state.epoch, &device, request).await?))
}

/// Holds a stream of server-sent events open: `changed` whenever a session this account takes
/// part in is written by another device.
#[utoipa::path(get, path = "/v1/events", tag = "sync", security(("device" = [])),
    description = "A text/event-stream. `ready` comes first, once the server listens: sync then, to catch up. After it, `changed` comes whenever a session this account takes part in is written by another device (or when notices may have been missed): sync again. Comments keep an idle stream alive every 15 seconds. A stream ends after 15 minutes, at server shutdown, or at once when this device is signed out; reconnect. An account may hold 8 streams at once, a client address 64, and the server as many as its open-file limit leaves room for.",
    responses((status = 200, description = "the event stream", content_type = "text/event-stream", body = String), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 429, description = "this account, or this address, holds the most streams it may", body = ErrorBody), (status = 503, description = "the server holds the most streams it may; sync as usual and try later", body = ErrorBody)))]
pub async fn events<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Device(device): Device,
) -> Result<Response, AppError> {
    Ok(rsc_service::events::stream(&state.store, &state.streams, &device, address.ip()).await?.into_response())
}
