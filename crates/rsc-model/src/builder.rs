//! The dossier builder: the one place that turns sessions as they stand, plus the provider
//! statements that were verified against them, plus registry credentials, into the contract's
//! dossier. The server (from its projection and ledger), the device (from its documents) and the
//! command line all call it, so they evaluate the same way.

use std::collections::HashMap;

use crate::{
    Applicant, AttestedContent, AttestedFields, Confirmation, CredentialRecord, Date, Dossier, DossierSession,
    DossierTraining, Id, Minutes, Provider, SessionFormat, SessionKind, StatementKind,
};

/// One attendee's attendance at one session, as the session stands now, with the latest
/// statement its provider signed about it (already verified by the caller: a valid signature by
/// a key registered to that provider).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRecord {
    /// The session.
    pub session_id: Id,
    /// The attendee.
    pub attendee: Id,
    /// The session's provider.
    pub provider: Id,
    /// The session's date.
    pub date: Date,
    /// The session's length.
    pub session_minutes: Minutes,
    /// The minutes the attendee logged (or the provider set when confirming).
    pub minutes_attended: Minutes,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// Whether it was about the attendee's own RS/C practice.
    pub about_own_rsc_practice: bool,
    /// Withdrawn sessions stay in history and count nothing.
    pub withdrawn: bool,
    /// The provider's latest verified statement about this attendee, if any.
    pub statement: Option<AttestedContent>,
}

/// Where one attendee's attendance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// Waiting for the provider's confirmation.
    Pending,
    /// Confirmed for these minutes, and still matching the session.
    Confirmed(Minutes),
    /// The provider disputed it, and the entry has not changed since.
    Disputed,
    /// Confirmed once, then edited: needs confirming again and counts nothing until then.
    ChangedSinceConfirmed,
    /// Withdrawn by a participant; counts nothing.
    Withdrawn,
}

impl SessionStatus {
    /// A short name for lists and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Pending => "pending",
            SessionStatus::Confirmed(_) => "confirmed",
            SessionStatus::Disputed => "disputed",
            SessionStatus::ChangedSinceConfirmed => "changed_since_confirmed",
            SessionStatus::Withdrawn => "withdrawn",
        }
    }
}

impl AttendanceRecord {
    /// Whether `statement` vouches for exactly this attendance as it stands.
    pub fn matches(&self, statement: &AttestedContent) -> bool {
        let fields = AttestedFields {
            session_id: &self.session_id,
            attendee: &self.attendee,
            provider: &self.provider,
            date: self.date,
            session_minutes: self.session_minutes,
            kind: self.kind,
            format: self.format,
            about_own_rsc_practice: self.about_own_rsc_practice,
        };
        statement.vouches_for(fields, Some(self.minutes_attended))
    }

    /// The attendance's status, derived from the statement and the current fields.
    pub fn status(&self) -> SessionStatus {
        if self.withdrawn {
            return SessionStatus::Withdrawn;
        }
        match &self.statement {
            None => SessionStatus::Pending,
            // A confirmation signed before the session could have ended anywhere on Earth
            // vouches for nothing.
            Some(statement)
                if statement.kind == StatementKind::Confirm
                    && statement.signed_at_ms < earliest_end_ms(self.date, self.session_minutes) =>
            {
                SessionStatus::Pending
            }
            Some(statement) => match (statement.kind, self.matches(statement)) {
                (StatementKind::Confirm, true) => {
                    // The signed minutes, never more than the session's length as it stands.
                    let minutes = statement.minutes_attended.unwrap_or(self.minutes_attended);
                    SessionStatus::Confirmed(minutes.min(self.session_minutes))
                }
                (StatementKind::Confirm, false) => SessionStatus::ChangedSinceConfirmed,
                (StatementKind::Dispute, true) => SessionStatus::Disputed,
                // A disputed entry that was corrected is back with the provider for review.
                (StatementKind::Dispute, false) => SessionStatus::Pending,
            },
        }
    }
}

/// The earliest instant a session of `minutes` on `date` can end: starting at midnight in the
/// easternmost time zone (UTC+14).
pub fn earliest_end_ms(date: Date, minutes: Minutes) -> i64 {
    const EASTERNMOST_OFFSET_MS: i64 = 14 * 3_600_000;
    let midnight_utc = date.naive().and_hms_opt(0, 0, 0).map_or(i64::MIN / 2, |t| t.and_utc().timestamp_millis());
    midnight_utc - EASTERNMOST_OFFSET_MS + i64::from(minutes.get()) * 60_000
}

/// Builds dossiers for one evaluation date from attendance records and registry credentials.
#[derive(Debug, Clone)]
pub struct DossierBuilder {
    as_of: Date,
    credentials: HashMap<Id, Vec<CredentialRecord>>,
    trainings: Vec<DossierTraining>,
}

impl DossierBuilder {
    /// A builder evaluating on `as_of`.
    pub fn new(as_of: Date) -> Self {
        DossierBuilder { as_of, credentials: HashMap::new(), trainings: Vec::new() }
    }

    /// Adds the applicant's trainings (those she removed are left out by the caller).
    pub fn trainings(mut self, trainings: impl IntoIterator<Item = DossierTraining>) -> Self {
        self.trainings.extend(trainings);
        self
    }

    /// Adds the registry's credential records of `provider` (records are appended).
    pub fn credentials(mut self, provider: Id, records: impl IntoIterator<Item = CredentialRecord>) -> Self {
        self.credentials.entry(provider).or_default().extend(records);
        self
    }

    /// The applicant's dossier from their attendance records (records of other attendees are
    /// ignored; withdrawn sessions are left out).
    pub fn build(&self, applicant: Applicant, records: &[AttendanceRecord]) -> Dossier {
        let mut sessions = Vec::new();
        let mut provider_ids: Vec<Id> = Vec::new();
        // Hours given are not hours received: a provider is never credited for her own session,
        // whatever a document claims.
        for record in records.iter().filter(|r| r.attendee == applicant.id && r.provider != applicant.id) {
            let status = record.status();
            let confirmation = match status {
                SessionStatus::Withdrawn => continue,
                SessionStatus::Confirmed(minutes) => Some(Confirmation::Confirmed { minutes }),
                SessionStatus::Disputed => Some(Confirmation::Disputed),
                SessionStatus::Pending | SessionStatus::ChangedSinceConfirmed => None,
            };
            if !provider_ids.contains(&record.provider) {
                provider_ids.push(record.provider.clone());
            }
            sessions.push(DossierSession {
                id: record.session_id.clone(),
                date: record.date,
                kind: record.kind,
                format: record.format,
                provider: record.provider.clone(),
                minutes: record.session_minutes,
                minutes_attended: Some(record.minutes_attended),
                about_own_rsc_practice: record.about_own_rsc_practice,
                confirmation,
                changed_since_confirmed: status == SessionStatus::ChangedSinceConfirmed,
            });
        }
        sessions.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        provider_ids.sort();
        let providers = provider_ids
            .into_iter()
            .map(|id| {
                let credentials = self.credentials.get(&id).cloned().unwrap_or_default();
                Provider { id, credentials }
            })
            .collect();
        // Always version 2, even with no training: the rulebook's training requirements are
        // reported, and credentials count only from the associations a rulebook accepts.
        let mut trainings = self.trainings.clone();
        trainings.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        Dossier { as_of: self.as_of, applicant, providers, sessions, trainings: Some(trainings) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credential;

    fn id(s: &str) -> Id {
        Id::new(s, "test").expect("id")
    }

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn m(n: i64) -> Minutes {
        Minutes::new(n, "test").expect("minutes")
    }

    fn record(session: &str, attendee: &str) -> AttendanceRecord {
        AttendanceRecord {
            session_id: id(session),
            attendee: id(attendee),
            provider: id("pat"),
            date: d("2025-01-10"),
            session_minutes: m(90),
            minutes_attended: m(60),
            kind: SessionKind::Group,
            format: SessionFormat::Video,
            about_own_rsc_practice: true,
            withdrawn: false,
            statement: None,
        }
    }

    fn confirm(record: &AttendanceRecord, minutes: i64) -> AttestedContent {
        AttestedContent {
            kind: StatementKind::Confirm,
            session_id: record.session_id.clone(),
            attendee: record.attendee.clone(),
            provider: record.provider.clone(),
            date: record.date,
            session_minutes: record.session_minutes,
            minutes_attended: Some(m(minutes)),
            session_kind: record.kind,
            format: record.format,
            about_own_rsc_practice: record.about_own_rsc_practice,
            // 2026-01-01 UTC: after the session.
            signed_at_ms: 1_767_225_600_000,
            reason: String::new(),
        }
    }

    #[test]
    fn status_follows_the_statement_and_the_fields() {
        let mut r = record("s1", "ana");
        assert_eq!(r.status(), SessionStatus::Pending);
        r.statement = Some(confirm(&r, 60));
        assert_eq!(r.status(), SessionStatus::Confirmed(m(60)));
        r.date = d("2025-01-11");
        assert_eq!(r.status(), SessionStatus::ChangedSinceConfirmed);
        r.date = d("2025-01-10");
        r.format = SessionFormat::Phone;
        assert_eq!(r.status(), SessionStatus::ChangedSinceConfirmed);
        r.format = SessionFormat::Video;
        r.minutes_attended = m(45);
        assert_eq!(r.status(), SessionStatus::ChangedSinceConfirmed);
        let mut dispute = confirm(&r, 1);
        dispute.kind = StatementKind::Dispute;
        dispute.minutes_attended = None;
        r.statement = Some(dispute);
        assert_eq!(r.status(), SessionStatus::Disputed);
        r.about_own_rsc_practice = false;
        assert_eq!(r.status(), SessionStatus::Pending);
        r.withdrawn = true;
        assert_eq!(r.status(), SessionStatus::Withdrawn);
    }

    #[test]
    fn a_statement_about_another_attendee_does_not_count() {
        let mut r = record("s1", "ana");
        let mut other = confirm(&r, 60);
        other.attendee = id("ben");
        r.statement = Some(other);
        assert_eq!(r.status(), SessionStatus::ChangedSinceConfirmed);
    }

    #[test]
    fn builds_the_applicants_dossier_only() {
        let mut a = record("s2", "ana");
        a.statement = Some(confirm(&a, 60));
        let mut changed = record("s1", "ana");
        changed.statement = Some(confirm(&changed, 30));
        let mut withdrawn = record("s3", "ana");
        withdrawn.withdrawn = true;
        let ben = record("s2", "ben");
        let credential = CredentialRecord {
            credential: Credential::ImhmC,
            earned_on: d("2015-01-01"),
            valid_through: None,
            revoked_on: None,
            association: None,
        };
        let dossier = DossierBuilder::new(d("2026-01-01")).credentials(id("pat"), [credential.clone()]).build(
            Applicant { id: id("ana"), masters_conferred_on: None, provides_rsc: None },
            &[a, changed, withdrawn, ben],
        );
        dossier.validate().expect("builder output is a valid dossier");
        let ids: Vec<&str> = dossier.sessions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s2"]);
        assert_eq!(dossier.sessions[0].confirmation, None);
        assert!(dossier.sessions[0].changed_since_confirmed);
        assert_eq!(dossier.sessions[1].confirmation, Some(Confirmation::Confirmed { minutes: m(60) }));
        assert_eq!(dossier.providers, vec![Provider { id: id("pat"), credentials: vec![credential] }]);
    }
}
