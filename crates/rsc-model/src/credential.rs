//! Endorsement credentials, and when a record of one is held.

use serde::{Deserialize, Serialize};

use crate::session::text_enum;
use crate::{Date, ModelError};

text_enum!(
    /// An endorsement credential as the associations' registries list them.
    Credential, "credential" {
        /// Infant Family Associate (Level I).
        Ifa => "IFA",
        /// Infant Family Specialist (Level II).
        Ifs => "IFS",
        /// Infant Mental Health Specialist (Level III).
        Imhs => "IMHS",
        /// Infant Mental Health Mentor – Clinical (Level IV).
        ImhmC => "IMHM-C",
        /// Infant Mental Health Mentor – Policy (Level IV).
        ImhmP => "IMHM-P",
        /// Infant Mental Health Mentor – Research/Faculty (Level IV).
        ImhmRf => "IMHM-RF",
        /// An association's own listing of approved RS/C providers.
        ApprovedRsc => "APPROVED-RSC",
    }
);

/// One credential a person earned, with its validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRecord {
    /// The credential.
    pub credential: Credential,
    /// The day it was earned.
    pub earned_on: Date,
    /// Its last valid day; `None` when open-ended.
    #[serde(default)]
    pub valid_through: Option<Date>,
    /// The day it was revoked; `None` when never revoked.
    #[serde(default)]
    pub revoked_on: Option<Date>,
}

impl CredentialRecord {
    /// Whether the credential is held on `day`: earned on or before it, valid through on or after
    /// it, and not revoked on or before it.
    pub fn held_on(&self, day: Date) -> bool {
        self.earned_on <= day
            && self.valid_through.is_none_or(|through| day <= through)
            && self.revoked_on.is_none_or(|revoked| revoked > day)
    }

    /// Checks the dates against each other; the error names `field`.
    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        if let Some(through) = self.valid_through
            && through < self.earned_on
        {
            return Err(ModelError::invalid(
                format!("{field}.valid_through"),
                format!("{through} is before earned_on {}", self.earned_on),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("test date")
    }

    fn record(valid_through: Option<&str>, revoked_on: Option<&str>) -> CredentialRecord {
        CredentialRecord {
            credential: Credential::ImhmC,
            earned_on: d("2020-03-01"),
            valid_through: valid_through.map(d),
            revoked_on: revoked_on.map(d),
        }
    }

    #[test]
    fn held_from_earned_on_through_valid_through() {
        let r = record(Some("2024-12-31"), None);
        assert!(!r.held_on(d("2020-02-29")));
        assert!(r.held_on(d("2020-03-01")));
        assert!(r.held_on(d("2024-12-31")));
        assert!(!r.held_on(d("2025-01-01")));
        assert!(record(None, None).held_on(d("2199-12-31")));
    }

    #[test]
    fn not_held_from_revocation_day() {
        let r = record(None, Some("2023-06-15"));
        assert!(r.held_on(d("2023-06-14")));
        assert!(!r.held_on(d("2023-06-15")));
        assert!(!r.held_on(d("2023-06-16")));
    }

    #[test]
    fn valid_through_before_earned_on_is_refused() {
        let err = record(Some("2019-01-01"), None).validate("providers[0].credentials[0]").expect_err("bad");
        assert_eq!(err.field(), "providers[0].credentials[0].valid_through");
    }

    #[test]
    fn credential_names() {
        assert_eq!("IMHM-C".parse::<Credential>().expect("known"), Credential::ImhmC);
        assert!("IMHM".parse::<Credential>().is_err());
    }
}
