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
        /// Early Childhood Mental Health Specialist.
        Ecmhs => "ECMHS",
        /// Early Childhood Mental Health Mentor – Clinical.
        EcmhmC => "ECMHM-C",
        /// Infant Family Reflective Supervisor.
        Ifrs => "IFRS",
    }
);

impl Credential {
    /// The values devices of the first protocol release know. A device of that release refuses a
    /// sync answer naming any other, so a directory carries only these (no built-in rulebook
    /// accepts the others, so no evaluation on a device needs them).
    pub const FIRST_RELEASE: [Credential; 7] = [
        Credential::Ifa,
        Credential::Ifs,
        Credential::Imhs,
        Credential::ImhmC,
        Credential::ImhmP,
        Credential::ImhmRf,
        Credential::ApprovedRsc,
    ];

    /// Whether a device of the first protocol release knows this value.
    pub fn known_to_first_release(self) -> bool {
        Credential::FIRST_RELEASE.contains(&self)
    }
}

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
    /// The association that issued or lists it (`NMAIMH`); `None` when unknown. A rulebook may
    /// accept a credential only from one association (its own listing of approved providers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association: Option<String>,
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

/// Where a provider's claim to a registry record stands in RSC Logbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndorsementStatus {
    /// Filed, waiting for the association's staff.
    Pending,
    /// Approved: the record is hers, and her confirmations count while it is held.
    Approved,
    /// Not approved by the association's staff.
    Rejected,
}

/// A registry record a provider claimed, with where her claim stands: what a supervisee's
/// device and pages need to say why a session with her does not count, and what happens next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    /// The endorsement number (`NM-1001`).
    pub number: String,
    /// The association that keeps the record (`NMAIMH`).
    pub association: String,
    /// The credential the record is for.
    pub credential: Credential,
    /// Where her claim stands.
    pub status: EndorsementStatus,
    /// The day it was earned.
    pub earned_on: Date,
    /// Its last valid day; `None` when open-ended.
    #[serde(default)]
    pub valid_through: Option<Date>,
    /// The day it was revoked.
    #[serde(default)]
    pub revoked_on: Option<Date>,
}

impl Endorsement {
    /// Where the record stands on `today`, said to its holder: held (through when), lapsed or
    /// revoked with what that means for her confirmations, or where her claim stands.
    pub fn standing(&self, today: Date) -> String {
        let what = format!("{} ({}, {})", self.number, self.credential, self.association);
        match self.status {
            EndorsementStatus::Pending => format!("{what}: your claim waits for {} staff", self.association),
            EndorsementStatus::Rejected => format!("{what}: {} staff did not approve your claim", self.association),
            EndorsementStatus::Approved => match (self.revoked_on, self.valid_through) {
                (Some(revoked), _) if revoked <= today => {
                    format!("{what}: revoked on {revoked}; your confirmations of sessions from that day do not count")
                }
                (_, Some(through)) if through < today => format!(
                    "{what}: lapsed after {through}; your confirmations of sessions after that day do not count \
                     until you renew with {}",
                    self.association
                ),
                (_, Some(through)) => format!("{what}: held through {through}"),
                (_, None) => format!("{what}: held"),
            },
        }
    }
}

/// Why a session with `provider` on `day` does not count for want of a credential, in words,
/// with what happens next: from her claims (`endorsements`) and the credentials a rulebook
/// accepts. ("Pat Núñez's IMHM-C (NM-1001) lapsed after 2025-12-31: sessions after that day do
/// not count; Pat Núñez renews with NMAIMH".)
pub fn why_not_qualified(provider: &str, endorsements: &[Endorsement], day: Date, accepted: &[Credential]) -> String {
    let approved: Vec<&Endorsement> = endorsements.iter().filter(|e| e.status == EndorsementStatus::Approved).collect();
    if approved.is_empty() {
        if let Some(e) = endorsements.iter().find(|e| e.status == EndorsementStatus::Pending) {
            return format!("{provider}'s claim to {} waits for {} staff", e.number, e.association);
        }
        if let Some(e) = endorsements.iter().find(|e| e.status == EndorsementStatus::Rejected) {
            return format!(
                "{} staff did not approve {provider}'s claim to {}; {provider} can claim the right record",
                e.association, e.number
            );
        }
        return format!("{provider} has not claimed an endorsement in RSC Logbook yet");
    }
    let relevant: Vec<&Endorsement> = approved.iter().copied().filter(|e| accepted.contains(&e.credential)).collect();
    // Of the accepted ones, the one nearest to counting on that day says most.
    let Some(e) = relevant
        .iter()
        .copied()
        .filter(|e| e.earned_on <= day)
        .max_by_key(|e| (e.revoked_on.is_none(), e.valid_through.map_or(crate::MAX_DATE, |d| d)))
        .or_else(|| relevant.iter().copied().min_by_key(|e| e.earned_on))
    else {
        let held: Vec<String> = approved.iter().map(|e| format!("{} ({})", e.credential, e.number)).collect();
        return format!("{provider}'s {} is not a credential this rulebook accepts for RS/C", held.join(", "));
    };
    let which = format!("{provider}'s {} ({})", e.credential, e.number);
    match (e.revoked_on, e.valid_through) {
        _ if e.earned_on > day => {
            format!(
                "{provider} earned {} ({}) on {}: sessions before then do not count",
                e.credential, e.number, e.earned_on
            )
        }
        (Some(revoked), _) if revoked <= day => {
            format!("{which} was revoked on {revoked}: sessions from that day do not count")
        }
        (_, Some(through)) if through < day => format!(
            "{which} lapsed after {through}: sessions after that day do not count; {provider} renews with {}",
            e.association
        ),
        _ => format!("{provider} held no credential this rulebook accepts on {day}"),
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
            association: None,
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

    #[test]
    fn why_a_provider_does_not_count_is_said_with_what_happens_next() {
        let e = |status, valid_through: Option<&str>, revoked_on: Option<&str>| Endorsement {
            number: "NM-1001".into(),
            association: "NMAIMH".into(),
            credential: Credential::ImhmC,
            status,
            earned_on: d("2015-03-01"),
            valid_through: valid_through.map(d),
            revoked_on: revoked_on.map(d),
        };
        let accepted = [Credential::ImhmC];
        let why = |list: &[Endorsement], day: &str| why_not_qualified("Pat Núñez", list, d(day), &accepted);
        assert_eq!(why(&[], "2026-01-05"), "Pat Núñez has not claimed an endorsement in RSC Logbook yet");
        assert_eq!(
            why(&[e(EndorsementStatus::Pending, None, None)], "2026-01-05"),
            "Pat Núñez's claim to NM-1001 waits for NMAIMH staff"
        );
        assert!(why(&[e(EndorsementStatus::Rejected, None, None)], "2026-01-05").contains("did not approve"));
        assert_eq!(
            why(&[e(EndorsementStatus::Approved, Some("2025-12-31"), None)], "2026-01-05"),
            "Pat Núñez's IMHM-C (NM-1001) lapsed after 2025-12-31: sessions after that day do not count; \
             Pat Núñez renews with NMAIMH"
        );
        assert_eq!(
            why(&[e(EndorsementStatus::Approved, None, Some("2025-06-01"))], "2026-01-05"),
            "Pat Núñez's IMHM-C (NM-1001) was revoked on 2025-06-01: sessions from that day do not count"
        );
        assert_eq!(
            why(&[e(EndorsementStatus::Approved, None, None)], "2014-01-05"),
            "Pat Núñez earned IMHM-C (NM-1001) on 2015-03-01: sessions before then do not count"
        );
        assert_eq!(
            e(EndorsementStatus::Approved, Some("2025-12-31"), None).standing(d("2026-01-05")),
            "NM-1001 (IMHM-C, NMAIMH): lapsed after 2025-12-31; your confirmations of sessions after that day do not \
             count until you renew with NMAIMH"
        );
        assert_eq!(
            e(EndorsementStatus::Approved, Some("2026-12-31"), None).standing(d("2026-01-05")),
            "NM-1001 (IMHM-C, NMAIMH): held through 2026-12-31"
        );
        assert!(e(EndorsementStatus::Approved, None, Some("2026-01-01")).standing(d("2026-01-05")).contains("revoked"));
        let ifs = Endorsement { credential: Credential::Ifs, ..e(EndorsementStatus::Approved, None, None) };
        assert_eq!(
            why(&[ifs], "2026-01-05"),
            "Pat Núñez's IFS (NM-1001) is not a credential this rulebook accepts for RS/C"
        );
    }
}
