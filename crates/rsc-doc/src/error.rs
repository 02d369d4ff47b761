//! The one error type of the document crate.

use rsc_model::ModelError;

/// Why a document operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// A value or an edit breaks the session's rules; `field` says which.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The bytes are not an Automerge document or change, or not a session document.
    #[error("not a session document: {0}")]
    Malformed(String),
    /// The operation is not allowed for this participant (e.g. a non-provider signing).
    #[error("{0}")]
    NotAllowed(String),
    /// A change depends on a change this document does not have (named by its hash).
    #[error("a change depends on change {0}, which is not here; send that one first")]
    MissingDependency(String),
    /// Key generation or signing failed.
    #[error("crypto: {0}")]
    Crypto(String),
}

impl DocError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DocError::Invalid { field: field.into(), message: message.into() }
    }

    /// The field an invalid value is in, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            DocError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<ModelError> for DocError {
    fn from(error: ModelError) -> Self {
        match error {
            ModelError::Invalid { field, message } => DocError::Invalid { field, message },
            ModelError::Malformed { field, message } => DocError::Invalid { field, message },
        }
    }
}

impl From<automerge::AutomergeError> for DocError {
    fn from(error: automerge::AutomergeError) -> Self {
        DocError::Malformed(error.to_string())
    }
}
