//! The server's one error type and its mapping to HTTP, done once here: 4xx answers name the
//! field and say what to do; a 500 says nothing about its cause, which is logged instead.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsc_protocol::ErrorBody;

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request cannot be read (malformed JSON, wrong types): 400.
    #[error("{field}: {message}")]
    BadRequest {
        /// Where.
        field: String,
        /// What.
        message: String,
    },
    /// The request reads but breaks a rule or a limit: 422.
    #[error("{field}: {message}")]
    Invalid {
        /// Where.
        field: String,
        /// What.
        message: String,
    },
    /// The body is larger than the server reads: 413.
    #[error("{0}")]
    TooLarge(String),
    /// No valid credentials: 401.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated but not allowed: 403.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there: 404.
    #[error("{0}")]
    NotFound(String),
    /// Already taken: 409.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts: 429 with `Retry-After`.
    #[error("{message}")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
        /// What to do.
        message: String,
    },
    /// The database is not reachable or too busy: 503.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure: 500, cause logged.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A 422 naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.into(), message: message.into() }
    }

    /// A 400 naming `field`.
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadRequest { field: field.into(), message: message.into() }
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<String>) {
        match self {
            AppError::BadRequest { field, .. } => (StatusCode::BAD_REQUEST, "bad_request", Some(field.clone())),
            AppError::Invalid { field, .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", Some(field.clone())),
            AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", None),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict", None),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", None),
            AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(what) => AppError::Conflict(format!("{what} is already taken")),
            StoreError::Database(sqlx::Error::PoolTimedOut) => {
                AppError::Unavailable("the database is busy; retry shortly".into())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        let message = match &self {
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                "something went wrong on the server; it has been logged".to_string()
            }
            AppError::BadRequest { message, .. } | AppError::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let mut response = (status, Json(ErrorBody { error: code.to_string(), field, message })).into_response();
        if let AppError::RateLimited { retry_after_secs, .. } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
