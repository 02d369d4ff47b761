//! What the logbook shows: a session as read from its document, with each attendee's status
//! already worked out, stored beside the document so that lists open without decoding
//! Automerge. Views are rendered again whenever what they depend on (the provider keys the
//! device trusts) changes.

use std::collections::{HashMap, HashSet};

use rsc_doc::Session;
use rsc_model::{
    AttendanceRecord, AttestedContent, Date, Id, Minutes, SessionFormat, SessionKind, SessionStatus, StatementKind,
};
use rsc_protocol::ProviderDirectory;
use serde::{Deserialize, Serialize};

use crate::ClientError;

/// Where an attendee's entry stands with the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    /// Waiting for the provider.
    Pending,
    /// Confirmed, and unchanged since.
    Confirmed,
    /// Disputed by the provider.
    Disputed,
    /// Confirmed, then edited: counts nothing until confirmed again.
    ChangedSinceConfirmed,
    /// The session was withdrawn.
    Withdrawn,
}

impl AttendanceStatus {
    /// Every status, for filters.
    pub const ALL: [AttendanceStatus; 5] = [
        AttendanceStatus::Pending,
        AttendanceStatus::Confirmed,
        AttendanceStatus::Disputed,
        AttendanceStatus::ChangedSinceConfirmed,
        AttendanceStatus::Withdrawn,
    ];

    /// The status's name in filters and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceStatus::Pending => "pending",
            AttendanceStatus::Confirmed => "confirmed",
            AttendanceStatus::Disputed => "disputed",
            AttendanceStatus::ChangedSinceConfirmed => "changed_since_confirmed",
            AttendanceStatus::Withdrawn => "withdrawn",
        }
    }

    /// Whether the provider still has to act on it.
    pub fn awaits_provider(self) -> bool {
        matches!(self, AttendanceStatus::Pending | AttendanceStatus::ChangedSinceConfirmed)
    }
}

impl std::str::FromStr for AttendanceStatus {
    type Err = ClientError;

    fn from_str(text: &str) -> Result<AttendanceStatus, ClientError> {
        AttendanceStatus::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| {
            ClientError::invalid(
                "status",
                format!(
                    "`{text}` is not a status; use pending, confirmed, disputed, changed_since_confirmed or withdrawn"
                ),
            )
        })
    }
}

impl From<SessionStatus> for AttendanceStatus {
    fn from(status: SessionStatus) -> AttendanceStatus {
        match status {
            SessionStatus::Pending => AttendanceStatus::Pending,
            SessionStatus::Confirmed(_) => AttendanceStatus::Confirmed,
            SessionStatus::Disputed => AttendanceStatus::Disputed,
            SessionStatus::ChangedSinceConfirmed => AttendanceStatus::ChangedSinceConfirmed,
            SessionStatus::Withdrawn => AttendanceStatus::Withdrawn,
        }
    }
}

/// One attendee of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeView {
    /// The attendee's user id.
    pub id: Id,
    /// Minutes attended, as the document holds them.
    pub minutes_attended: Minutes,
    /// Whether the session was about the RS/C the attendee provides.
    pub about_own_rsc_practice: bool,
    /// Where the entry stands.
    pub status: AttendanceStatus,
    /// The minutes the provider confirmed, while the confirmation stands.
    pub confirmed_minutes: Option<Minutes>,
    /// The provider's reason, while a dispute stands.
    pub dispute_reason: Option<String>,
    /// The provider's statement, when signed by a device the server registered to them.
    pub statement: Option<AttestedContent>,
}

/// A session as the logbook shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The session's id.
    pub id: Id,
    /// Who logged it.
    pub created_by: Id,
    /// The day it took place.
    pub date: Date,
    /// Local start time, `HH:MM`.
    pub start_time: String,
    /// IANA time zone of the start time.
    pub time_zone: String,
    /// Its length.
    pub minutes: Minutes,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// The RS/C provider.
    pub provider: Id,
    /// The provider's name, once the server has told this device.
    pub provider_name: Option<String>,
    /// Withdrawn sessions count nothing.
    pub withdrawn: bool,
    /// Why it was withdrawn.
    pub withdraw_reason: String,
    /// The attendees, by id.
    pub attendees: Vec<AttendeeView>,
    /// The status that matters to this device's user: their own entry's when they attend, else
    /// the least settled of the attendees'.
    pub status: AttendanceStatus,
    /// Rules the merged document breaks (from edits made concurrently on two devices).
    pub problems: Vec<String>,
    /// Whether some of its changes have not reached the server yet (filled in when read).
    #[serde(skip)]
    pub unsynced: bool,
}

impl SessionView {
    /// Renders `session` for `me`, trusting statements signed by `trust`'s keys.
    pub(crate) fn render(session: &Session, me: &Id, trust: &Trust) -> SessionView {
        let records = session.attendance_records(|provider, key| trust.trusts(provider, key));
        let attendees: Vec<AttendeeView> = session
            .attendees
            .iter()
            .zip(records)
            .map(|(attendee, record)| {
                let status = record.status();
                AttendeeView {
                    id: attendee.id.clone(),
                    minutes_attended: attendee.minutes_attended,
                    about_own_rsc_practice: attendee.about_own_rsc_practice,
                    status: status.into(),
                    confirmed_minutes: match status {
                        SessionStatus::Confirmed(minutes) => Some(minutes),
                        _ => None,
                    },
                    dispute_reason: match (&record.statement, status) {
                        (Some(s), SessionStatus::Disputed) if s.kind == StatementKind::Dispute => {
                            Some(s.reason.clone())
                        }
                        _ => None,
                    },
                    statement: record.statement,
                }
            })
            .collect();
        let status = if session.withdrawn {
            AttendanceStatus::Withdrawn
        } else if let Some(mine) = attendees.iter().find(|a| &a.id == me) {
            mine.status
        } else {
            [AttendanceStatus::ChangedSinceConfirmed, AttendanceStatus::Disputed, AttendanceStatus::Pending]
                .into_iter()
                .find(|s| attendees.iter().any(|a| a.status == *s))
                .unwrap_or(AttendanceStatus::Confirmed)
        };
        SessionView {
            id: session.id.clone(),
            created_by: session.created_by.clone(),
            date: session.fields.date,
            start_time: session.fields.start_time.clone(),
            time_zone: session.fields.time_zone.clone(),
            minutes: session.fields.minutes,
            kind: session.fields.kind,
            format: session.fields.format,
            provider: session.fields.provider.clone(),
            provider_name: trust.name(&session.fields.provider),
            withdrawn: session.withdrawn,
            withdraw_reason: session.withdraw_reason.clone(),
            attendees,
            status,
            problems: session.problems(),
            unsynced: false,
        }
    }

    /// The attendee's entry, if they attend.
    pub fn attendee(&self, id: &Id) -> Option<&AttendeeView> {
        self.attendees.iter().find(|a| &a.id == id)
    }

    /// `me`'s attendance, for the dossier builder.
    pub(crate) fn attendance_record(&self, me: &Id) -> Option<AttendanceRecord> {
        let attendee = self.attendee(me)?;
        Some(AttendanceRecord {
            session_id: self.id.clone(),
            attendee: attendee.id.clone(),
            provider: self.provider.clone(),
            date: self.date,
            session_minutes: self.minutes,
            minutes_attended: attendee.minutes_attended,
            kind: self.kind,
            format: self.format,
            about_own_rsc_practice: attendee.about_own_rsc_practice,
            withdrawn: self.withdrawn,
            statement: attendee.statement.clone(),
        })
    }
}

/// Which sessions a list shows. Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    /// On or after this day.
    pub from: Option<Date>,
    /// On or before this day.
    pub to: Option<Date>,
    /// With this provider.
    pub provider: Option<Id>,
    /// With this status (see [`SessionView::status`]).
    pub status: Option<AttendanceStatus>,
}

impl SessionFilter {
    /// Checks the filter's own consistency.
    pub fn validate(&self) -> Result<(), ClientError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(ClientError::invalid("to", format!("{to} is before from {from}")));
        }
        Ok(())
    }
}

/// The provider keys and names this device trusts: those the server last sent, and always the
/// device's own key for its own user.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trust {
    keys: HashMap<String, HashSet<[u8; 32]>>,
    names: HashMap<String, String>,
}

impl Trust {
    pub fn new(me: Option<&Id>, own_key: [u8; 32], directory: Option<&ProviderDirectory>) -> Trust {
        let mut trust = Trust::default();
        if let Some(me) = me {
            trust.keys.entry(me.to_string()).or_default().insert(own_key);
        }
        for provider in directory.map(|d| d.providers.as_slice()).unwrap_or_default() {
            let keys = trust.keys.entry(provider.id.clone()).or_default();
            keys.extend(provider.device_keys.iter().filter_map(|k| <[u8; 32]>::try_from(hex::decode(k).ok()?).ok()));
            trust.names.insert(provider.id.clone(), provider.display_name.clone());
        }
        trust
    }

    fn trusts(&self, provider: &Id, key: &[u8; 32]) -> bool {
        self.keys.get(provider.as_str()).is_some_and(|keys| keys.contains(key))
    }

    fn name(&self, provider: &Id) -> Option<String> {
        self.names.get(provider.as_str()).cloned()
    }
}
