//! What a provider's signed statement vouches for.
//!
//! The statement's content is a snapshot of the attested fields of one attendee's attendance.
//! Hours are computed from this snapshot, never from the (editable, shared) document fields
//! alone: a snapshot that no longer matches the session means "changed since confirmed". The
//! canonical bytes and the signature live in `rsc-doc`; this crate only knows the content.

use serde::{Deserialize, Serialize};

use crate::session::text_enum;
use crate::{Date, Id, Minutes, SessionFormat, SessionKind};

text_enum!(
    /// What the provider says about the attendee.
    StatementKind, "statement kind" {
        /// The attendee attended for the attested minutes.
        Confirm => "confirm",
        /// The provider disputes the attendee's entry.
        Dispute => "dispute",
    }
);

/// The fields a provider's statement covers, exactly as they were when it was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestedContent {
    /// Confirm or dispute.
    pub kind: StatementKind,
    /// The session.
    pub session_id: Id,
    /// The attendee the statement is about.
    pub attendee: Id,
    /// The provider making the statement.
    pub provider: Id,
    /// The session's date.
    pub date: Date,
    /// The session's length.
    pub session_minutes: Minutes,
    /// The minutes credited to the attendee; for a dispute, the minutes of the entry disputed
    /// (`None` in a dispute that names none, which disputes the entry whatever its minutes).
    pub minutes_attended: Option<Minutes>,
    /// Individual or group.
    pub session_kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// Whether the session was about the attendee's own RS/C practice.
    pub about_own_rsc_practice: bool,
    /// When the provider signed, in milliseconds since the Unix epoch (UTC). Orders statements.
    pub signed_at_ms: i64,
    /// The provider's reason, for a dispute; empty for a confirmation.
    pub reason: String,
}

/// The fields of an attendance that a statement vouches for, apart from the minutes attended:
/// what the device's records, the server's projection and an export's dossier are each
/// compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttestedFields<'a> {
    /// The session.
    pub session_id: &'a Id,
    /// The attendee.
    pub attendee: &'a Id,
    /// The provider.
    pub provider: &'a Id,
    /// The session's date.
    pub date: Date,
    /// The session's length.
    pub session_minutes: Minutes,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// Whether the session was about the attendee's own RS/C practice.
    pub about_own_rsc_practice: bool,
}

impl AttestedContent {
    /// The fields the statement covers.
    pub fn fields(&self) -> AttestedFields<'_> {
        AttestedFields {
            session_id: &self.session_id,
            attendee: &self.attendee,
            provider: &self.provider,
            date: self.date,
            session_minutes: self.session_minutes,
            kind: self.session_kind,
            format: self.format,
            about_own_rsc_practice: self.about_own_rsc_practice,
        }
    }

    /// What changed since the statement, in words ("the topic", "the length"…): the fields it
    /// covers that `fields` no longer match, and the attendee's minutes when they differ from
    /// those it confirmed or disputed.
    pub fn changes_in(&self, fields: AttestedFields<'_>, minutes_attended: Minutes) -> Vec<&'static str> {
        let was = self.fields();
        let mut changed = Vec::new();
        let mut differs = |different: bool, what: &'static str| {
            if different {
                changed.push(what);
            }
        };
        differs(was.date != fields.date, "the date");
        differs(was.session_minutes != fields.session_minutes, "the length");
        differs(was.kind != fields.kind, "the kind");
        differs(was.format != fields.format, "the format");
        differs(was.provider != fields.provider, "the provider");
        differs(was.about_own_rsc_practice != fields.about_own_rsc_practice, "the topic");
        differs(self.minutes_attended.is_some_and(|m| m != minutes_attended), "the minutes attended");
        changed
    }

    /// Why an entry this statement settled is back with the provider, in her words ("corrected
    /// after your dispute ("We met for 45 minutes"): now 45 minutes"), or `None` while the
    /// statement still vouches for the entry as it stands.
    pub fn why_back(&self, fields: AttestedFields<'_>, minutes_attended: Minutes) -> Option<String> {
        if self.vouches_for(fields, Some(minutes_attended)) {
            return None;
        }
        let changed = self.changes_in(fields, minutes_attended);
        let minutes_changed = changed.contains(&"the minutes attended");
        let others: Vec<&str> = changed.into_iter().filter(|c| *c != "the minutes attended").collect();
        let others = match others.as_slice() {
            [] => None,
            [one] => Some(format!("{one} changed")),
            [first @ .., last] => Some(format!("{} and {last} changed", first.join(", "))),
        };
        Some(match self.kind {
            StatementKind::Dispute => {
                let now = minutes_changed.then(|| format!("now {} minutes", minutes_attended.get()));
                let detail: Vec<String> = others.into_iter().chain(now).collect();
                let detail = if detail.is_empty() { "edited".to_string() } else { detail.join("; ") };
                format!("corrected after your dispute (\"{}\"): {detail}", self.reason)
            }
            StatementKind::Confirm => {
                let what = match (others, minutes_changed) {
                    (Some(others), _) => others.trim_end_matches(" changed").to_string(),
                    (None, true) => "the minutes attended".into(),
                    (None, false) => "the entry".into(),
                };
                let what = if minutes_changed && what != "the minutes attended" {
                    format!("{what} and the minutes attended")
                } else {
                    what
                };
                let minutes = match (minutes_changed, self.minutes_attended) {
                    (true, Some(was)) => {
                        format!(": now {} minutes, you confirmed {}", minutes_attended.get(), was.get())
                    }
                    _ => String::new(),
                };
                format!("{what} changed since you confirmed{minutes}")
            }
        })
    }

    /// Whether the statement vouches for exactly `fields` and `minutes_attended` (a dispute
    /// that names no minutes, for any minutes).
    pub fn vouches_for(&self, fields: AttestedFields<'_>, minutes_attended: Option<Minutes>) -> bool {
        self.fields() == fields
            && match self.kind {
                StatementKind::Confirm => self.minutes_attended.is_some() && self.minutes_attended == minutes_attended,
                StatementKind::Dispute => self.minutes_attended.is_none() || self.minutes_attended == minutes_attended,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_changed_since_a_statement_is_said_field_by_field() {
        let id = |s: &str| Id::new(s, "test").expect("id");
        let (session, ana, pat) = (id("s1"), id("ana"), id("pat"));
        let m = |n: i64| Minutes::new(n, "m").expect("m");
        let statement = AttestedContent {
            kind: StatementKind::Confirm,
            session_id: session.clone(),
            attendee: ana.clone(),
            provider: pat.clone(),
            date: Date::from_ymd(2025, 3, 4).expect("date"),
            session_minutes: m(60),
            minutes_attended: Some(m(60)),
            session_kind: SessionKind::Individual,
            format: SessionFormat::Video,
            about_own_rsc_practice: false,
            signed_at_ms: 0,
            reason: String::new(),
        };
        let mut now = statement.fields();
        assert!(statement.changes_in(now, m(60)).is_empty());
        now.about_own_rsc_practice = true;
        assert_eq!(statement.changes_in(now, m(60)), ["the topic"]);
        now.format = SessionFormat::Phone;
        assert_eq!(statement.changes_in(now, m(45)), ["the format", "the topic", "the minutes attended"]);
        let legacy = AttestedContent { kind: StatementKind::Dispute, minutes_attended: None, ..statement.clone() };
        assert_eq!(legacy.changes_in(legacy.fields(), m(45)), Vec::<&str>::new(), "a dispute naming no minutes");
        assert!(legacy.vouches_for(legacy.fields(), Some(m(45))), "disputes any minutes");
        // A dispute of a 60-minute entry is answered by a correction to 45.
        let dispute = AttestedContent { kind: StatementKind::Dispute, ..statement };
        assert!(dispute.vouches_for(dispute.fields(), Some(m(60))));
        assert!(!dispute.vouches_for(dispute.fields(), Some(m(45))), "a corrected entry is no longer disputed");
        assert_eq!(dispute.changes_in(dispute.fields(), m(45)), ["the minutes attended"]);
        let dispute = AttestedContent { reason: "We met for 45 minutes".into(), ..dispute };
        assert_eq!(dispute.why_back(dispute.fields(), m(60)), None, "still disputed");
        assert_eq!(
            dispute.why_back(dispute.fields(), m(45)).as_deref(),
            Some("corrected after your dispute (\"We met for 45 minutes\"): now 45 minutes")
        );
        let mut moved = dispute.fields();
        moved.format = SessionFormat::Phone;
        assert_eq!(
            dispute.why_back(moved, m(60)).as_deref(),
            Some("corrected after your dispute (\"We met for 45 minutes\"): the format changed")
        );
        let confirmed = AttestedContent { kind: StatementKind::Confirm, reason: String::new(), ..dispute.clone() };
        assert_eq!(confirmed.why_back(confirmed.fields(), m(60)), None);
        assert_eq!(
            confirmed.why_back(confirmed.fields(), m(45)).as_deref(),
            Some("the minutes attended changed since you confirmed: now 45 minutes, you confirmed 60")
        );
        assert_eq!(
            confirmed.why_back(moved, m(45)).as_deref(),
            Some("the format and the minutes attended changed since you confirmed: now 45 minutes, you confirmed 60")
        );
        let mut topic = confirmed.fields();
        topic.about_own_rsc_practice = true;
        assert_eq!(confirmed.why_back(topic, m(60)).as_deref(), Some("the topic changed since you confirmed"));
    }
}
