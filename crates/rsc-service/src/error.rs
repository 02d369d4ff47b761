//! The server's one error type and its mapping to HTTP, done once here: 4xx answers name the
//! field and say what to do; a 500 says nothing about its cause, whose whole chain is logged
//! instead. Failures of the layers below arrive with their sources (`#[from]`), never as
//! strings.

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
    /// An approval held back until staff say they checked that the claimant is the record's
    /// holder (her email is not the one on the association's file): 409. Each front door says
    /// how to say so in its own words ([`AppError::unchecked_claimant`]); the API's name its
    /// field, `despite_mismatch`.
    #[error("{}", unchecked(warnings, claimant, holder, "say so with despite_mismatch"))]
    UncheckedClaimant {
        /// What differs between the claim and the record.
        warnings: String,
        /// The claimant's name.
        claimant: String,
        /// The name on the record.
        holder: String,
    },
    /// There once, withdrawn since: 410.
    #[error("{0}")]
    Gone(String),
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
    /// A failure of the server's own making: 500, cause chain logged.
    #[error("{context}")]
    Internal {
        /// What the server was doing.
        context: String,
        /// Why it failed, when another error says.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The store failed: 500, except a taken key (409) and a busy database (503).
    #[error("storage")]
    Store(#[from] StoreError),
    /// A stored session document does not read: 500.
    #[error("a stored session document")]
    Document(#[from] rsc_doc::DocError),
    /// Stored data breaks the domain model: 500.
    #[error("stored data")]
    Model(#[from] rsc_model::ModelError),
    /// The evaluation engine refused a dossier the server built: 500.
    #[error("evaluation")]
    Rules(#[from] rsc_rules::RulesError),
    /// An export could not be made: 500.
    #[error("export")]
    Export(#[from] rsc_export::ExportError),
}

fn unchecked(warnings: &str, claimant: &str, holder: &str, how: &str) -> String {
    format!("{warnings}; approve only once you have checked that {claimant} is {holder}, and {how}")
}

impl AppError {
    /// For an [`AppError::UncheckedClaimant`], its message with `how` staff say they checked
    /// in the front door at hand (a box to tick, a flag to give).
    pub fn unchecked_claimant(&self, how: &str) -> Option<String> {
        match self {
            AppError::UncheckedClaimant { warnings, claimant, holder } => {
                Some(unchecked(warnings, claimant, holder, how))
            }
            _ => None,
        }
    }

    /// A 422 naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.into(), message: message.into() }
    }

    /// A 400 naming `field`.
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadRequest { field: field.into(), message: message.into() }
    }

    /// A 500 about `context`, with no other error behind it.
    pub fn internal(context: impl Into<String>) -> Self {
        AppError::Internal { context: context.into(), source: None }
    }

    /// A 500 about `context`, caused by `source`.
    pub fn caused(context: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal { context: context.into(), source: Some(Box::new(source)) }
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
            AppError::UncheckedClaimant { .. } => (StatusCode::CONFLICT, "conflict", None),
            AppError::Gone(_) => (StatusCode::GONE, "gone", None),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", None),
            AppError::Unavailable(_) | AppError::Store(StoreError::Database(sqlx::Error::PoolTimedOut)) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None)
            }
            AppError::Store(StoreError::Conflict(_)) => (StatusCode::CONFLICT, "conflict", None),
            AppError::Store(error) if error.is_storage_full() => {
                (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage", None)
            }
            AppError::Internal { .. }
            | AppError::Store(_)
            | AppError::Document(_)
            | AppError::Model(_)
            | AppError::Rules(_)
            | AppError::Export(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }

    /// This error and every error behind it, outermost first.
    fn cause_chain(&self) -> String {
        let mut chain = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(error) = source {
            chain.push_str(": ");
            chain.push_str(&error.to_string());
            source = error.source();
        }
        chain
    }
}

impl AppError {
    /// What a client is told: the status, the error code, the field, and a message that
    /// reveals nothing internal (an internal error is logged here, with its causes).
    pub fn public(&self) -> (StatusCode, &'static str, Option<String>, String) {
        let (status, code, field) = self.parts();
        let message = match self {
            AppError::BadRequest { message, .. } | AppError::Invalid { message, .. } => message.clone(),
            AppError::Store(StoreError::Conflict(what)) => format!("{what} is already taken"),
            AppError::Store(StoreError::Database(sqlx::Error::PoolTimedOut)) => {
                "the database is busy; retry shortly".to_string()
            }
            AppError::Store(error) if error.is_storage_full() => {
                tracing::error!(cause = %self.cause_chain(), "the database's disk is full: make room for it");
                "the server's storage is full, and nothing of this request was kept; try again later".to_string()
            }
            _ if status == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(cause = %self.cause_chain(), "internal error");
                "something went wrong on the server; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        (status, code, field, message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, field, message) = self.public();
        let mut response = (status, Json(ErrorBody { error: code.to_string(), field, message })).into_response();
        if let AppError::RateLimited { retry_after_secs, .. } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_and_body(error: AppError) -> (u16, serde_json::Value) {
        let response = error.into_response();
        let status = response.status().as_u16();
        let body = body_json(response);
        (status, body)
    }

    fn body_json(response: Response) -> serde_json::Value {
        let bytes = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 16))
            .expect("body");
        serde_json::from_slice(&bytes).expect("json")
    }

    #[test]
    fn errors_of_the_layers_below_map_to_one_status_each() {
        let (status, body) = status_and_body(StoreError::Conflict("actor_id").into());
        assert_eq!((status, body["message"].as_str()), (409, Some("actor_id is already taken")));
        let (status, _) = status_and_body(StoreError::Database(sqlx::Error::PoolTimedOut).into());
        assert_eq!(status, 503);
        let (status, body) = status_and_body(rsc_model::Id::new("", "user").expect_err("empty").into());
        assert_eq!((status, body["error"].as_str()), (500, Some("internal")));
    }

    #[test]
    fn a_full_disk_is_a_507_that_says_to_try_again_later() {
        let full = StoreError::Database(sqlx::Error::Io(std::io::Error::from_raw_os_error(28)));
        assert!(full.is_storage_full());
        let (status, body) = status_and_body(full.into());
        assert_eq!((status, body["error"].as_str()), (507, Some("insufficient_storage")));
        assert!(body["message"].as_str().is_some_and(|m| m.contains("storage is full") && m.contains("try again")));
        let other = StoreError::Database(sqlx::Error::Io(std::io::Error::from_raw_os_error(5)));
        assert!(!other.is_storage_full(), "an I/O error that is not a full disk stays a 500");
    }

    #[test]
    fn a_500_tells_the_client_nothing_and_the_log_everything() {
        let error = AppError::caused(
            "stored document d1 does not load",
            StoreError::Unreadable {
                table: "sessions",
                key: "d1".into(),
                reason: "`sometimes` is not a session kind".into(),
            },
        );
        assert_eq!(
            error.cause_chain(),
            "stored document d1 does not load: row `d1` of sessions cannot be read: `sometimes` is not a session kind"
        );
        let (status, body) = status_and_body(error);
        assert_eq!(status, 500);
        let text = body.to_string();
        assert!(!text.contains("d1") && !text.contains("sometimes"), "{text}");
    }
}
