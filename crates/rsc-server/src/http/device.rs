//! The device making an API request, from its bearer token: the extractor every signed-in API
//! handler takes.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rsc_service::auth::{self, AuthDevice};
use rsc_service::store::Store;
use rsc_service::{AppError, AppState};

/// The signed-in device (and its account) of a request with `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct Device(pub AuthDevice);

impl<S: Store> FromRequestParts<AppState<S>> for Device {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let header =
            parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
                AppError::Unauthorized("sign in first: send Authorization: Bearer <device token>".into())
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| AppError::Unauthorized("the Authorization header must be `Bearer <device token>`".into()))?;
        Ok(Device(auth::device_by_token(&state.store, token).await?))
    }
}
