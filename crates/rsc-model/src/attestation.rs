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
    /// The minutes credited to the attendee (`None` for a dispute).
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

    /// Whether the statement vouches for exactly `fields`, and, for a confirmation, for
    /// `minutes_attended` (a dispute names no minutes).
    pub fn vouches_for(&self, fields: AttestedFields<'_>, minutes_attended: Option<Minutes>) -> bool {
        self.fields() == fields
            && match self.kind {
                StatementKind::Confirm => self.minutes_attended.is_some() && self.minutes_attended == minutes_attended,
                StatementKind::Dispute => true,
            }
    }
}
