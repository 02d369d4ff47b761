//! Connections: a provider's codes, and connecting to a provider by code or by the endorsement
//! number of a registry record they hold. Wrong codes are throttled like wrong passwords, and a
//! wrong code, an expired one and a withdrawn one get the same answer.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use rsc_protocol::{
    CONNECT_FAILURES_PER_HOUR, CONNECT_PATH, ConnectRequest, Connected, ConnectionCode, Connections, DEFAULT_CODE_DAYS,
    ErrorBody, MAX_ACTIVE_CODES, MAX_CODE_DAYS, NewConnectionCode, Person, display_code, normalize_code,
};

use super::{AppState, JsonBody};
use crate::AppError;
use crate::auth::{AuthDevice, now_ms};
use crate::store::{ConnectionCodeRecord, Store, UserId};

const DAY_MS: i64 = 24 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;
/// Wrong codes allowed per client address in an hour (many people may share one).
const CONNECT_FAILURES_PER_ADDRESS: i64 = 5 * CONNECT_FAILURES_PER_HOUR;

fn view(record: &ConnectionCodeRecord) -> ConnectionCode {
    ConnectionCode {
        code: display_code(&record.code),
        link_path: format!("{CONNECT_PATH}{}", record.code),
        created_at_ms: record.created_at_ms,
        expires_at_ms: record.expires_at_ms,
        used: u32::try_from(record.used).unwrap_or(u32::MAX),
    }
}

/// A fresh random code.
fn new_code() -> Result<String, AppError> {
    crate::auth::random_code(rsc_protocol::CODE_LEN)
}

/// `POST /v1/connections/codes`: a new code for the signed-in provider to share.
#[utoipa::path(post, path = "/v1/connections/codes", tag = "connections", security(("device" = [])), request_body = NewConnectionCode,
    responses((status = 201, description = "the new code", body = ConnectionCode), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 409, description = "too many working codes: withdraw one first", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody)))]
pub async fn create_code<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    JsonBody(body): JsonBody<NewConnectionCode>,
) -> Result<(StatusCode, Json<ConnectionCode>), AppError> {
    let days = body.valid_days.unwrap_or(DEFAULT_CODE_DAYS);
    if !(1..=MAX_CODE_DAYS).contains(&days) {
        return Err(AppError::invalid("valid_days", format!("{days} is out of range 1 to {MAX_CODE_DAYS}")));
    }
    let provider = UserId::from(&device.user.id);
    let now = now_ms();
    let working = state.store.connection_codes(&provider).await?.iter().filter(|c| c.works_at(now)).count();
    if working >= MAX_ACTIVE_CODES {
        return Err(AppError::Conflict(format!(
            "you have {working} working connection codes, the most at once; withdraw one you no longer share first"
        )));
    }
    // 40 random bits: a collision is rare, and is simply drawn again.
    for _ in 0..8 {
        let record = ConnectionCodeRecord {
            code: new_code()?,
            provider_id: device.user.id.clone(),
            created_at_ms: now,
            expires_at_ms: now + i64::from(days) * DAY_MS,
            revoked_at_ms: None,
            used: 0,
        };
        match state.store.create_connection_code(&record).await {
            Ok(()) => {
                tracing::info!(days, "connection code made");
                return Ok((StatusCode::CREATED, Json(view(&record))));
            }
            Err(crate::store::StoreError::Conflict(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(AppError::internal("no free connection code was found"))
}

/// `GET /v1/connections/codes`: the provider's working codes, newest first.
#[utoipa::path(get, path = "/v1/connections/codes", tag = "connections", security(("device" = [])),
    responses((status = 200, description = "working codes", body = Vec<ConnectionCode>), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn codes<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<Vec<ConnectionCode>>, AppError> {
    let now = now_ms();
    let codes = state.store.connection_codes(&UserId::from(&device.user.id)).await?;
    Ok(Json(codes.iter().filter(|c| c.works_at(now)).map(view).collect()))
}

/// `DELETE /v1/connections/codes/{code}`: withdraws a code; people already connected stay so.
#[utoipa::path(delete, path = "/v1/connections/codes/{code}", tag = "connections", security(("device" = [])),
    params(("code" = String, Path, description = "the code, with or without its dash")),
    responses((status = 204, description = "withdrawn"), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "you have no such working code", body = ErrorBody)))]
pub async fn revoke_code<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
    Path(code): Path<String>,
) -> Result<StatusCode, AppError> {
    let not_found = || AppError::NotFound(format!("you have no working connection code `{code}`"));
    let canonical = normalize_code(&code).map_err(|_| not_found())?;
    if !state.store.revoke_connection_code(&UserId::from(&device.user.id), &canonical, now_ms()).await? {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/connections`: connects the signed-in person to a provider, by code or by the
/// endorsement number of a registry record the provider holds.
#[utoipa::path(post, path = "/v1/connections", tag = "connections", security(("device" = [])), request_body = ConnectRequest,
    responses((status = 200, description = "connected (or already so)", body = Connected), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody), (status = 404, description = "no working code, or no provider holds that number", body = ErrorBody), (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody), (status = 429, description = "too many wrong codes; wait", body = ErrorBody)))]
pub async fn connect<S: Store>(
    State(state): State<AppState<S>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    device: AuthDevice,
    JsonBody(body): JsonBody<ConnectRequest>,
) -> Result<Json<Connected>, AppError> {
    let me = UserId::from(&device.user.id);
    let (provider, code) = match (&body.code, &body.endorsement_number) {
        (Some(code), None) => {
            let code = normalize_code(code).map_err(|e| AppError::invalid("code", e.to_string()))?;
            // Reserved before the code is looked up, released when it works: only wrong codes
            // count, and parallel guesses cannot all slip in before the count.
            let attempt = uuid::Uuid::new_v4().to_string();
            let now = now_ms();
            let limits = [
                (format!("connect:{}", device.user.id), CONNECT_FAILURES_PER_HOUR),
                (format!("connect-address:{}", address.ip()), CONNECT_FAILURES_PER_ADDRESS),
            ];
            if !state.store.reserve_login_attempt(&limits, &attempt, now, now - HOUR_MS).await? {
                return Err(AppError::RateLimited {
                    retry_after_secs: (HOUR_MS / 1000) as u64,
                    message: "too many wrong connection codes; wait an hour and try again".into(),
                });
            }
            let record = state.store.connection_code(&code).await?.filter(|c| c.works_at(now));
            let Some(record) = record else {
                tracing::info!("wrong connection code");
                return Err(AppError::NotFound(
                    "no working connection code matches; check it with your provider (codes expire, and can be withdrawn)"
                        .into(),
                ));
            };
            state.store.release_login_attempt(&attempt).await?;
            (UserId::from(record.provider_id.as_str()), Some(code))
        }
        (None, Some(number)) => {
            let number = number.trim();
            if number.is_empty() || number.len() > 64 {
                return Err(AppError::invalid("endorsement_number", "give the endorsement number, e.g. NM-1001"));
            }
            let holder = state.store.holder_of(number).await?.ok_or_else(|| {
                AppError::NotFound(format!(
                    "no provider here holds endorsement number `{number}`; ask your provider for a connection code"
                ))
            })?;
            (UserId::from(holder.id.as_str()), None)
        }
        _ => return Err(AppError::invalid("code", "give either a connection code or an endorsement number")),
    };
    if provider == me {
        return Err(AppError::invalid("code", "this is your own connection code; share it with your supervisees"));
    }
    let new = state.store.connect(&provider, &me, code.as_deref(), now_ms()).await?;
    let record = state.store.user_by_id(&provider).await?.ok_or_else(|| AppError::internal("the provider is gone"))?;
    tracing::info!(new, "connected to a provider");
    Ok(Json(Connected { provider: Person { id: record.id, display_name: record.display_name }, new }))
}

/// `GET /v1/connections`: the providers the signed-in person is connected to, and the people
/// connected to them.
#[utoipa::path(get, path = "/v1/connections", tag = "connections", security(("device" = [])),
    responses((status = 200, description = "connections, by name", body = Connections), (status = 401, description = "not signed in, or this device was revoked", body = ErrorBody)))]
pub async fn connections<S: Store>(
    State(state): State<AppState<S>>,
    device: AuthDevice,
) -> Result<Json<Connections>, AppError> {
    let me = UserId::from(&device.user.id);
    let providers = state.store.providers_of(&me).await?;
    let members = state.store.members_of(&me).await?;
    Ok(Json(Connections {
        providers: providers.into_iter().map(|c| Person { id: c.provider_id, display_name: c.provider_name }).collect(),
        supervisees: members.into_iter().map(|c| Person { id: c.member_id, display_name: c.member_name }).collect(),
    }))
}
