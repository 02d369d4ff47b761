//! Registration, sign-in (which registers the device), the current account, and devices.

use rsc_protocol::ErrorBody;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use rsc_protocol::{
    DeviceView, LoginRequest, LoginResponse, MeResponse, PasswordChange, PasswordReset, REGISTERED_MESSAGE,
    RegisterRequest, RegisterResponse, Role,
};

use super::Device;
use super::{AppState, JsonBody};
use rsc_service::AppError;
use rsc_service::auth;
use rsc_service::store::DeviceId;
use rsc_service::store::Store;

/// `POST /v1/accounts`: a new member account. An email that already has one gets the same
/// answer, after the same work (the password is hashed either way), and nothing changes.
#[utoipa::path(post, path = "/v1/accounts", tag = "accounts", request_body = RegisterRequest,
    responses((status = 202, description = "the same answer whether or not the email had an account; nothing changes for an existing one", body = RegisterResponse), (status = 400, description = "the request cannot be read; `field` names where", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn register<S: Store>(
    State(state): State<AppState<S>>,
    JsonBody(request): JsonBody<RegisterRequest>,
) -> Result<(StatusCode, Json<RegisterResponse>), AppError> {
    match auth::create_account(&state.store, &request.email, &request.password, &request.display_name, Role::Member)
        .await
    {
        Ok(user) => tracing::info!(user_id = %user.id, "account registered"),
        Err(AppError::Conflict(_)) => tracing::info!("registration for an email that has an account; nothing changed"),
        Err(other) => return Err(other),
    }
    Ok((StatusCode::ACCEPTED, Json(RegisterResponse { message: REGISTERED_MESSAGE.to_string() })))
}

/// `POST /v1/login`: checks the password (rate limited) and registers the device.
#[utoipa::path(post, path = "/v1/login", tag = "accounts", request_body = LoginRequest,
    description = "Signs in and registers this device. A client that signed in to the account before sends the `known_client` mark it was given: its failures count for it alone (10 in 15 minutes). Anyone else is limited per account (10 failures in 15 minutes) and per address (50). Each attempt is reserved before the password is checked.",
    responses((status = 200, description = "signed in", body = LoginResponse), (status = 400, description = "the request cannot be read; `field` names where", body = ErrorBody), (status = 401, description = "wrong email or password", body = ErrorBody), (status = 409, description = "this actor id belongs to another device", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody), (status = 429, description = "too many failed sign-ins; see Retry-After", body = ErrorBody)))]
pub async fn login<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let signed_in = auth::sign_in(
        &state.store,
        address.ip(),
        &request.email,
        &request.password,
        auth::NewDevice {
            name: &request.device.name,
            public_key: &request.device.public_key,
            actor_id: &request.device.actor_id,
            field: "device",
        },
        request.known_client.as_deref(),
    )
    .await?;
    Ok(Json(LoginResponse {
        user_id: signed_in.user.id.to_string(),
        role: signed_in.user.role,
        device_id: signed_in.device.id.to_string(),
        token: signed_in.token,
        known_client: Some(signed_in.known_client),
    }))
}

/// `GET /v1/me`.
#[utoipa::path(get, path = "/v1/me", tag = "accounts", security(("device" = [])), responses((status = 200, description = "the signed-in account", body = MeResponse), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn me(Device(device): Device) -> Json<MeResponse> {
    Json(MeResponse {
        user_id: device.user.id.to_string(),
        email: device.user.email.clone(),
        display_name: device.user.display_name.clone(),
        role: device.role(),
        device_id: device.device.id.to_string(),
    })
}

/// `GET /v1/devices`.
#[utoipa::path(get, path = "/v1/devices", tag = "accounts", security(("device" = [])), responses((status = 200, description = "the account's devices", body = Vec<DeviceView>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn devices<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<DeviceView>>, AppError> {
    let devices = state.store.devices_of(&device.user.id).await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|d| DeviceView {
                current: d.id == device.device.id,
                id: d.id.to_string(),
                name: d.name,
                public_key: hex::encode(d.public_key),
                actor_id: hex::encode(d.actor_id),
                created_at_ms: d.created_at_ms,
                revoked_at_ms: d.revoked_at_ms,
            })
            .collect(),
    ))
}

/// `DELETE /v1/devices/{device_id}`: its token stops working at once.
#[utoipa::path(delete, path = "/v1/devices/{device_id}", tag = "accounts", security(("device" = [])), params(("device_id" = String, Path, description = "the device to revoke")),
    responses((status = 204, description = "revoked: its token stops working at once"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "not there", body = ErrorBody)))]
pub async fn revoke_device<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(device_id): Path<String>,
) -> Result<StatusCode, AppError> {
    if state.store.revoke_device(&device.user.id, &DeviceId::from(&device_id), rsc_service::clock::now_ms()).await? {
        tracing::info!(device_id = %device_id, "device revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!("you have no active device {device_id}")))
    }
}

/// `POST /v1/me/password`: changes the password after checking the current one. Other devices
/// stay signed in.
#[utoipa::path(post, path = "/v1/me/password", tag = "accounts", security(("device" = [])), request_body = PasswordChange,
    responses((status = 204, description = "changed"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "the current password is wrong, or the new one breaks a rule; `field` names it", body = ErrorBody), (status = 429, description = "too many wrong passwords; see Retry-After", body = ErrorBody)))]
pub async fn change_password<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Device(device): Device,
    JsonBody(request): JsonBody<PasswordChange>,
) -> Result<StatusCode, AppError> {
    auth::change_password(
        &state.store,
        &device.user,
        &device.device.id,
        &request.current_password,
        &request.new_password,
        address.ip(),
    )
    .await?;
    tracing::info!("password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/password-reset`: a one-time code from association staff sets a new password;
/// every device of the account is signed out.
#[utoipa::path(post, path = "/v1/password-reset", tag = "accounts", request_body = PasswordReset,
    description = "Rate limited like sign-in. An unknown email, a wrong code and a used or expired code get the same answer.",
    responses((status = 204, description = "the password is set and every device signed out"), (status = 401, description = "wrong email or reset code", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody), (status = 429, description = "too many failed attempts; see Retry-After", body = ErrorBody)))]
pub async fn reset_password<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    JsonBody(request): JsonBody<PasswordReset>,
) -> Result<StatusCode, AppError> {
    let signed_out =
        auth::reset_password(&state.store, &request.email, &request.code, &request.new_password, address.ip()).await?;
    tracing::info!(signed_out, "password reset with a staff code");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me/data`: everything the server keeps about the signed-in person, naming people.
#[utoipa::path(get, path = "/v1/me/data", tag = "accounts", security(("device" = [])),
    responses((status = 200, description = "her account, devices, profile, connections, sessions with her own entries, exports and claims", body = rsc_protocol::OwnData), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn own_data<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<rsc_protocol::OwnData>, AppError> {
    Ok(Json(rsc_service::own_data::download(&state.store, &device.user).await?))
}

/// `POST /v1/me/close`: closes the account after its password and the words `close my
/// account`. Every device is signed out; sessions, confirmations, claims and exports stay.
#[utoipa::path(post, path = "/v1/me/close", tag = "accounts", security(("device" = [])), request_body = rsc_protocol::CloseAccount,
    responses((status = 204, description = "closed: every device signed out"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 422, description = "the password is wrong or the confirmation missing; `field` names it", body = ErrorBody), (status = 429, description = "too many wrong passwords; see Retry-After", body = ErrorBody)))]
pub async fn close_account<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Device(device): Device,
    JsonBody(request): JsonBody<rsc_protocol::CloseAccount>,
) -> Result<StatusCode, AppError> {
    rsc_service::own_data::close(
        &state.store,
        &device.user,
        &device.device.id,
        &request.password,
        &request.confirm,
        address.ip(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
