//! The one error type of the device core. Its variants are what a caller can do about a
//! failure: fix an input (`Invalid`, with the field), sign in again (`Unauthorized`), retry
//! later (`Network`, `Server`), look elsewhere (`NotFound`), make room (`StorageFull`), or report a bug
//! (`Storage`).

use rsc_doc::DocError;
use rsc_model::ModelError;

/// Why a logbook operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// An input breaks a rule; `field` names it.
    #[error("{field}: {message}")]
    Invalid {
        /// The offending field.
        field: String,
        /// What is wrong, and what would be right.
        message: String,
    },
    /// No such session, attendee or account on this device.
    #[error("{0}")]
    NotFound(String),
    /// Not signed in, or the server no longer accepts this device's token.
    #[error("{0}")]
    Unauthorized(String),
    /// The server could not be reached; nothing was lost, try again later.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The server refused the request for a reason no field can fix (403, 404, 409: not
    /// allowed, no such thing there, already so).
    #[error("{message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The server answered with an error that is not the caller's to fix, or an answer this
    /// device does not understand.
    #[error("the server answered {status}: {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The caller cancelled the operation (a sync stops between round trips; what was applied
    /// stays applied and the next sync goes on from there).
    #[error("cancelled")]
    Cancelled,
    /// The device's store could not be used (a folder that cannot be made, a file from a newer
    /// version, a damaged key).
    #[error("the logbook store failed: {0}")]
    Storage(String),
    /// The device's disk is full: nothing of the operation was kept, and what was kept before
    /// is intact. Free some space and try again.
    #[error("this device's storage is full: nothing of this was saved; free some space and try again")]
    StorageFull,
    /// The device's database failed (a corrupted file, a failing disk).
    #[error("the logbook store failed")]
    Database(rusqlite::Error),
    /// Something stored on this device does not read back: a damaged store or a bug.
    #[error("stored {what} does not read")]
    StoredData {
        /// What was being read.
        what: &'static str,
        /// Why it does not read.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// An error and every error behind it, outermost first (`a: b: c`): how the command line and
/// the mobile bindings show a failure whole.
pub fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl ClientError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ClientError {
        ClientError::Invalid { field: field.into(), message: message.into() }
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Server { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            _ => false,
        }
    }
}

impl From<rusqlite::Error> for ClientError {
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => ClientError::StorageFull,
            _ => ClientError::Database(error),
        }
    }
}

impl From<DocError> for ClientError {
    fn from(error: DocError) -> Self {
        match error {
            DocError::Invalid { field, message } => ClientError::Invalid { field, message },
            DocError::NotAllowed(message) => ClientError::Invalid { field: "session".into(), message },
            other @ (DocError::Malformed(_) | DocError::Crypto(_) | DocError::MissingDependency(_)) => {
                ClientError::StoredData { what: "session document", source: Box::new(other) }
            }
        }
    }
}

impl From<ModelError> for ClientError {
    fn from(error: ModelError) -> Self {
        match error {
            ModelError::Invalid { field, message } | ModelError::Malformed { field, message } => {
                ClientError::Invalid { field, message }
            }
        }
    }
}

impl From<serde_json::Error> for ClientError {
    fn from(error: serde_json::Error) -> Self {
        ClientError::StoredData { what: "JSON", source: Box::new(error) }
    }
}
