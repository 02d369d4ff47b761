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

    /// A fresh id, for a session created on a device or an account: a UUID (version 8, the
    /// version for layouts of one's own) in its hyphenated form, whose first ten bytes are the
    /// first ten of `random` (74 random bits, around the version and variant bits) and whose
    /// last six are the time of creation, `now_ms` (milliseconds since 1970). The caller reads
    /// its random source and its clock.
    ///
    /// Random first, so that the start of an id, which people see in brackets beside a name
    /// and type to pick a session, tells ids apart; the time last, so that the server, which
    /// keeps the time first when it packs an id into 16 bytes, adds new ids to the end of its
    /// indexes instead of splitting their pages at random places (a quarter less disk for
    /// those indexes).
    pub fn fresh(random: [u8; 16], now_ms: i64) -> Id {
        let mut bytes = random;
        let now_ms = u64::try_from(now_ms).unwrap_or(0);
        bytes[10..].copy_from_slice(&now_ms.to_be_bytes()[2..]);
        Id(uuid::Builder::from_custom_bytes(bytes).into_uuid().hyphenated().to_string())
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
    fn a_fresh_id_is_a_uuid_random_at_its_start_with_the_time_at_its_end() {
        let now_ms = 1_764_547_200_123; // 2025-12-01T00:00:00.123Z
        let ids: Vec<Id> = (0..100u8).map(|i| Id::fresh([i.wrapping_mul(37); 16], now_ms)).collect();
        for id in &ids {
            let uuid = uuid::Uuid::parse_str(id.as_str()).expect("a UUID");
            assert_eq!(uuid.hyphenated().to_string(), id.as_str(), "canonical: lower case, hyphenated");
            assert_eq!((uuid.get_version_num(), uuid.get_variant()), (8, uuid::Variant::RFC4122));
            let mut time = [0u8; 8];
            time[2..].copy_from_slice(&uuid.as_bytes()[10..]);
            assert_eq!(u64::from_be_bytes(time), 1_764_547_200_123, "{id}");
            assert!(id.as_str().ends_with("019ad735847b"), "{id}: the time in hex at its end");
        }
        assert_eq!(Id::fresh([0xab; 16], now_ms).as_str(), "abababab-abab-8bab-abab-019ad735847b");
        // A time before 1970 (a wrong clock) is taken as 1970, not wrapped around.
        assert!(Id::fresh([1; 16], -5).as_str().ends_with("000000000000"));
        // Their starts, as shown beside names, are their random bytes: ids made in the same
        // instant differ there.
        let mut starts: Vec<&str> = ids.iter().map(|id| &id.as_str()[..8]).collect();
        starts.sort_unstable();
        starts.dedup();
        assert_eq!(starts.len(), ids.len());
    }

    #[test]
    fn accepts_short_printable_ids() {
        assert_eq!(Id::new("ana", "applicant.id").expect("valid").as_str(), "ana");
        assert_eq!(Id::fresh([0; 16], 0).as_str().len(), 36);
    }

    #[test]
    fn refuses_bad_ids_naming_the_field() {
        for bad in ["", " ana", "a\nb", &"x".repeat(MAX_ID_LEN + 1)] {
            let err = Id::new(bad, "providers[0].id").expect_err(bad);
            assert_eq!(err.field(), "providers[0].id");
        }
    }
}
