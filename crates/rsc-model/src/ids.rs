//! Identifiers of people and sessions, as text.
//!
//! The dossier contract uses short human ids (`ana`, `s1`); the server and devices use UUIDs.
//! Both are the same type: a bounded, printable string, so ids can be compared, logged and put
//! in file names without surprises.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ModelError;

/// The longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// A non-empty identifier of at most [`MAX_ID_LEN`] bytes, without control characters or
/// surrounding white space.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(String);

impl Id {
    /// Validates `text` as an id; the error names `field`.
    pub fn new(text: impl Into<String>, field: &str) -> Result<Id, ModelError> {
        let text = text.into();
        let problem = if text.is_empty() {
            Some("must not be empty".to_string())
        } else if text.len() > MAX_ID_LEN {
            Some(format!("is {} bytes long; the limit is {MAX_ID_LEN}", text.len()))
        } else if text.chars().any(char::is_control) {
            Some("must not contain control characters".to_string())
        } else if text.trim() != text {
            Some("must not start or end with white space".to_string())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(ModelError::invalid(field, format!("id `{}` {problem}", text.escape_debug()))),
            None => Ok(Id(text)),
        }
    }

    /// A fresh id for a session created on a device: a UUID v7 in its hyphenated form, random
    /// but for its first 48 bits, the time of creation in milliseconds. Ids made one after
    /// another sort one after another, so the server's indexes on them fill their pages in
    /// order instead of splitting pages at random places (about a quarter less disk).
    pub fn random() -> Id {
        Id(uuid::Uuid::now_v7().to_string())
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Id, D::Error> {
        let text = String::deserialize(deserializer)?;
        Id::new(text, "").map_err(|e| match e {
            ModelError::Invalid { message, .. } | ModelError::Malformed { message, .. } => {
                serde::de::Error::custom(message)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_short_printable_ids() {
        assert_eq!(Id::new("ana", "applicant.id").expect("valid").as_str(), "ana");
        assert_eq!(Id::random().as_str().len(), 36);
    }

    #[test]
    fn refuses_bad_ids_naming_the_field() {
        for bad in ["", " ana", "a\nb", &"x".repeat(MAX_ID_LEN + 1)] {
            let err = Id::new(bad, "providers[0].id").expect_err(bad);
            assert_eq!(err.field(), "providers[0].id");
        }
    }
}
