//! The one error type of the model crate.

/// A value that breaks a domain rule, or input that cannot be read.
///
/// `field` is a path a person can follow back to the input (`sessions[2].minutes`,
/// `session "s3": confirmation.minutes`), so every message can say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A field holds a value the domain does not allow.
    #[error("{}", located(field, message))]
    Invalid {
        /// Where the value is.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The input is not well-formed JSON (or not the expected shape).
    #[error("{}", located(field, message))]
    Malformed {
        /// Where parsing stopped (`.` for the document itself).
        field: String,
        /// The parser's explanation.
        message: String,
    },
}

/// `field: message`, or the message alone when it belongs to no field (a value parsed on its own,
/// whose caller names where it came from).
fn located(field: &str, message: &str) -> String {
    if field.is_empty() { message.to_string() } else { format!("{field}: {message}") }
}

impl ModelError {
    /// An invalid value in `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ModelError::Invalid { field: field.into(), message: message.into() }
    }

    /// What is wrong, without the field's name: for a form that shows it beside its field.
    pub fn message(&self) -> &str {
        match self {
            ModelError::Invalid { message, .. } | ModelError::Malformed { message, .. } => message,
        }
    }

    /// The field this error is about.
    pub fn field(&self) -> &str {
        match self {
            ModelError::Invalid { field, .. } | ModelError::Malformed { field, .. } => field,
        }
    }

    /// The same error, with its field path placed under `prefix`.
    pub fn within(self, prefix: &str) -> Self {
        let join = |field: String| {
            if field.is_empty() || field == "." {
                prefix.to_string()
            } else if field.starts_with('[') {
                format!("{prefix}{field}")
            } else {
                format!("{prefix}.{field}")
            }
        };
        match self {
            ModelError::Invalid { field, message } => ModelError::Invalid { field: join(field), message },
            ModelError::Malformed { field, message } => ModelError::Malformed { field: join(field), message },
        }
    }
}
