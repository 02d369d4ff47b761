//! Connections over HTTP: a provider's codes, connecting by code, requests by endorsement
//! number, ending a connection, and a provider's groups. The rules live in
//! [`rsc_service::connections`], which the portal's pages run too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rsc_protocol::{
    CONNECT_PATH, ConnectRequest, Connected, ConnectionCode, ConnectionEntry, ConnectionRole, ConnectionState,
    Connections, DEFAULT_CODE_DAYS, ErrorBody, GroupChange, GroupMember, GroupView, NewConnectionCode,
    NewConnectionRequest, NewGroup, Person, display_code,
};

use super::Device;
use super::{AppState, JsonBody};
use rsc_service::AppError;
use rsc_service::connections as service;
use rsc_service::store::{ConnectionCodeRecord, Store};

fn view(record: &ConnectionCodeRecord) -> ConnectionCode {
    ConnectionCode {
        code: display_code(&record.code),
        link_path: format!("{CONNECT_PATH}{}", record.code),
        created_at_ms: record.created_at_ms,
        expires_at_ms: record.expires_at_ms,
        used: u32::try_from(record.used).unwrap_or(u32::MAX),
    }
}

/// `POST /v1/connections/codes`: a new code for the signed-in provider to share.
#[utoipa::path(post, path = "/v1/connections/codes", tag = "connections", security(("device" = [])), request_body = NewConnectionCode,
    responses((status = 201, description = "the new code", body = ConnectionCode), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 409, description = "too many working codes: withdraw one first", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn create_code<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(body): JsonBody<NewConnectionCode>,
) -> Result<(StatusCode, Json<ConnectionCode>), AppError> {
    let record = service::create_code(&state.store, &device.user, body.valid_days.unwrap_or(DEFAULT_CODE_DAYS)).await?;
    Ok((StatusCode::CREATED, Json(view(&record))))
}

/// `GET /v1/connections/codes`: the provider's working codes, newest first.
#[utoipa::path(get, path = "/v1/connections/codes", tag = "connections", security(("device" = [])),
    responses((status = 200, description = "working codes", body = Vec<ConnectionCode>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn codes<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<ConnectionCode>>, AppError> {
    Ok(Json(service::working_codes(&state.store, &device.user).await?.iter().map(view).collect()))
}

/// `DELETE /v1/connections/codes/{code}`: withdraws a code; people already connected stay so.
#[utoipa::path(delete, path = "/v1/connections/codes/{code}", tag = "connections", security(("device" = [])),
    params(("code" = String, Path, description = "the code, with or without its dash")),
    responses((status = 204, description = "withdrawn"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "you have no such working code", body = ErrorBody)))]
pub async fn revoke_code<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(code): Path<String>,
) -> Result<StatusCode, AppError> {
    service::withdraw_code(&state.store, &device.user, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/connections`: connects the signed-in person to a provider by the code she handed
/// out. An endorsement number here (as apps released before requests sent it) sends a request
/// instead, and answers 409 saying that it waits for the provider: never "connected".
#[utoipa::path(post, path = "/v1/connections", tag = "connections", security(("device" = [])), request_body = ConnectRequest,
    responses((status = 200, description = "connected (or already so)", body = Connected), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no working code, or no provider holds that number", body = ErrorBody), (status = 409, description = "an endorsement number was given: the request was sent and waits for the provider", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody), (status = 429, description = "too many wrong codes; wait", body = ErrorBody)))]
pub async fn connect<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(body): JsonBody<ConnectRequest>,
) -> Result<Json<Connected>, AppError> {
    match (&body.code, &body.endorsement_number) {
        (Some(code), None) => {
            let (provider, new) = service::connect_by_code(&state.store, &device.user, code).await?;
            Ok(Json(Connected {
                provider: Person { id: provider.id.to_string(), display_name: provider.display_name },
                new,
            }))
        }
        (None, Some(number)) => {
            let entry = service::ask(&state.store, &device.user, number).await?;
            match entry.state {
                ConnectionState::Connected => Ok(Json(Connected { provider: entry.person, new: false })),
                _ => Err(AppError::Conflict(format!(
                    "your request to connect went to {}; you can log sessions with her once she accepts it",
                    entry.person.display_name
                ))),
            }
        }
        _ => Err(AppError::invalid("code", "give either a connection code or an endorsement number")),
    }
}

/// `POST /v1/connections/requests`: asks the provider who holds an endorsement number to
/// connect. She sees the asker's name and email and accepts or declines.
#[utoipa::path(post, path = "/v1/connections/requests", tag = "connections", security(("device" = [])), request_body = NewConnectionRequest,
    responses((status = 201, description = "the request, waiting for the provider (or `connected` when the two already are)", body = ConnectionEntry), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no provider here holds that number", body = ErrorBody), (status = 409, description = "she declined a request in the last week", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody), (status = 429, description = "too many requests today", body = ErrorBody)))]
pub async fn request<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(body): JsonBody<NewConnectionRequest>,
) -> Result<(StatusCode, Json<ConnectionEntry>), AppError> {
    let entry = service::ask(&state.store, &device.user, &body.endorsement_number).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// `POST /v1/connections/requests/{person}/accept`: the provider accepts a request.
#[utoipa::path(post, path = "/v1/connections/requests/{person}/accept", tag = "connections", security(("device" = [])),
    params(("person" = String, Path, description = "the asker's user id")),
    responses((status = 200, description = "connected", body = ConnectionEntry), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no request from this person waits", body = ErrorBody)))]
pub async fn accept<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(person): Path<String>,
) -> Result<Json<ConnectionEntry>, AppError> {
    Ok(Json(service::accept(&state.store, &device.user, &person).await?))
}

/// `POST /v1/connections/requests/{person}/decline`: the provider declines (removes) a request.
#[utoipa::path(post, path = "/v1/connections/requests/{person}/decline", tag = "connections", security(("device" = [])),
    params(("person" = String, Path, description = "the asker's user id")),
    responses((status = 200, description = "declined; the asker is told", body = ConnectionEntry), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no request from this person waits", body = ErrorBody)))]
pub async fn decline<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(person): Path<String>,
) -> Result<Json<ConnectionEntry>, AppError> {
    Ok(Json(service::decline(&state.store, &device.user, &person).await?))
}

/// `DELETE /v1/connections/people/{person}`: ends the connection with someone, on either side
/// (and takes back a request still waiting). Sessions already logged stay.
#[utoipa::path(delete, path = "/v1/connections/people/{person}", tag = "connections", security(("device" = [])),
    params(("person" = String, Path, description = "the other person's user id")),
    responses((status = 204, description = "ended"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "not connected to this person", body = ErrorBody)))]
pub async fn end<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(person): Path<String>,
) -> Result<StatusCode, AppError> {
    service::end(&state.store, &device.user, &person).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/connections`: the providers the signed-in person is connected to, her supervisees,
/// and every connection and request on either side.
#[utoipa::path(get, path = "/v1/connections", tag = "connections", security(("device" = [])),
    responses((status = 200, description = "connections, by name", body = Connections), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn connections<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Connections>, AppError> {
    let entries = service::entries(&state.store, &device.user).await?;
    let current = |role: ConnectionRole| {
        entries
            .iter()
            .filter(|e| e.role == role && e.state == ConnectionState::Connected)
            .map(|e| e.person.clone())
            .collect()
    };
    Ok(Json(Connections {
        providers: current(ConnectionRole::Provider),
        supervisees: current(ConnectionRole::Supervisee),
        entries,
    }))
}

/// `GET /v1/groups`: the groups the signed-in provider keeps and those the signed-in person
/// belongs to.
#[utoipa::path(get, path = "/v1/groups", tag = "connections", security(("device" = [])),
    responses((status = 200, description = "groups, with their members by name", body = Vec<GroupView>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn groups<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
) -> Result<Json<Vec<GroupView>>, AppError> {
    Ok(Json(service::groups(&state.store, &device.user).await?))
}

/// `POST /v1/groups`: a new named group of the provider's supervisees.
#[utoipa::path(post, path = "/v1/groups", tag = "connections", security(("device" = [])), request_body = NewGroup,
    responses((status = 201, description = "the group", body = GroupView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 409, description = "too many groups", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn create_group<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    JsonBody(body): JsonBody<NewGroup>,
) -> Result<(StatusCode, Json<GroupView>), AppError> {
    Ok((StatusCode::CREATED, Json(service::create_group(&state.store, &device.user, &body).await?)))
}

/// `PATCH /v1/groups/{group_id}`: renames, archives or brings back a group.
#[utoipa::path(patch, path = "/v1/groups/{group_id}", tag = "connections", security(("device" = [])), request_body = GroupChange,
    params(("group_id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "the group", body = GroupView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "you keep no such group", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn change_group<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(group_id): Path<String>,
    JsonBody(body): JsonBody<GroupChange>,
) -> Result<Json<GroupView>, AppError> {
    Ok(Json(service::change_group(&state.store, &device.user, &group_id, &body).await?))
}

/// `POST /v1/groups/{group_id}/members`: adds someone connected to the provider.
#[utoipa::path(post, path = "/v1/groups/{group_id}/members", tag = "connections", security(("device" = [])), request_body = GroupMember,
    params(("group_id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "the group", body = GroupView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "you keep no such group", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn add_member<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path(group_id): Path<String>,
    JsonBody(body): JsonBody<GroupMember>,
) -> Result<Json<GroupView>, AppError> {
    Ok(Json(service::set_member(&state.store, &device.user, &group_id, &body.member, true).await?))
}

/// `DELETE /v1/groups/{group_id}/members/{member}`: takes someone out of a group.
#[utoipa::path(delete, path = "/v1/groups/{group_id}/members/{member}", tag = "connections", security(("device" = [])),
    params(("group_id" = String, Path, description = "the group's id"), ("member" = String, Path, description = "the member's user id")),
    responses((status = 200, description = "the group", body = GroupView), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no such group, or nobody of that id in it", body = ErrorBody)))]
pub async fn remove_member<S: Store>(
    State(state): State<AppState<S>>,
    Device(device): Device,
    Path((group_id, member)): Path<(String, String)>,
) -> Result<Json<GroupView>, AppError> {
    Ok(Json(service::set_member(&state.store, &device.user, &group_id, &member, false).await?))
}
