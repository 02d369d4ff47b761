//! What the logbook shows: a session as read from its document, with each attendee's status
//! already worked out, stored beside the document so that lists open without decoding
//! Automerge. Views are rendered again whenever what they depend on (the provider keys the
//! device trusts) changes.

pub use rsc_model::AttendanceStatus;
use std::collections::{HashMap, HashSet};

use rsc_doc::Session;
use rsc_model::{
    AttendanceRecord, AttestedContent, Date, Id, Minutes, SessionFormat, SessionKind, SessionStatus, StatementKind,
};
use rsc_protocol::ProviderDirectory;
use serde::{Deserialize, Serialize};

use crate::ClientError;

/// One attendee of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeView {
    /// The attendee's user id.
    pub id: Id,
    /// The attendee's name, once the server has told this device.
    #[serde(default)]
    pub name: Option<String>,
    /// Minutes attended, as the document holds them.
    pub minutes_attended: Minutes,
    /// Whether the session was about the RS/C the attendee provides.
    pub about_own_rsc_practice: bool,
    /// Where the entry stands.
    pub status: AttendanceStatus,
    /// The minutes the provider confirmed, while the confirmation stands.
    pub confirmed_minutes: Option<Minutes>,
    /// The provider's reason for their latest statement about this attendee, when it is a
    /// dispute: kept after the entry is corrected (the status is then back to pending, for the
    /// provider to review), so the reason is never lost by an edit.
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
                    name: trust.name(&attendee.id),
                    minutes_attended: attendee.minutes_attended,
                    about_own_rsc_practice: attendee.about_own_rsc_practice,
                    status: status.into(),
                    confirmed_minutes: match status {
                        SessionStatus::Confirmed(minutes) => Some(minutes),
                        _ => None,
                    },
                    dispute_reason: match &record.statement {
                        Some(s) if s.kind == StatementKind::Dispute && status != SessionStatus::Withdrawn => {
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

    /// When the session ends (its start in its time zone plus its length), if that can be said.
    pub fn ends_at_ms(&self) -> Option<i64> {
        rsc_doc::ends_at_ms(self.date, &self.start_time, &self.time_zone, self.minutes).ok()
    }

    /// Whether the session has not taken place yet at `now_ms`: planned, in no one's queue and
    /// counted nowhere until it ends.
    pub fn planned(&self, now_ms: i64) -> bool {
        self.ends_at_ms().is_some_and(|end| end > now_ms)
    }

    /// Why `attendee`'s entry is back with the provider after she confirmed or disputed it, in
    /// her words; `None` when her statement still vouches for it, or she made none.
    pub fn why_back(&self, attendee: &AttendeeView) -> Option<String> {
        let fields = rsc_model::AttestedFields {
            session_id: &self.id,
            attendee: &attendee.id,
            provider: &self.provider,
            date: self.date,
            session_minutes: self.minutes,
            kind: self.kind,
            format: self.format,
            about_own_rsc_practice: attendee.about_own_rsc_practice,
        };
        attendee.statement.as_ref()?.why_back(fields, attendee.minutes_attended)
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

/// An attendee whose settled entry (confirmed or disputed) went back to the provider because
/// the session changed: what an edit would do, before it is made, and what a sync brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsettled {
    /// The session.
    pub session: Id,
    /// Its date (after the change).
    pub date: Date,
    /// The attendee.
    pub attendee: Id,
    /// The attendee's name, where known.
    pub name: Option<String>,
    /// The status before the change.
    pub was: AttendanceStatus,
    /// The status after it.
    pub now: AttendanceStatus,
    /// What changed, in words (`the format changed from video to phone`).
    pub why: String,
    /// The provider's reason, when the entry was disputed before the change.
    #[serde(default)]
    pub dispute_reason: Option<String>,
    /// The attendee's minutes after the change.
    #[serde(default)]
    pub minutes_attended: Option<Minutes>,
    /// The session's provider, by name where known.
    #[serde(default)]
    pub provider_name: Option<String>,
}

/// An entry a provider's statement, received in a sync, settled: confirmed or disputed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    /// The session.
    pub session: Id,
    /// Its date.
    pub date: Date,
    /// The attendee.
    pub attendee: Id,
    /// The attendee's name, where known.
    pub name: Option<String>,
    /// The provider's name, where known.
    pub provider_name: Option<String>,
    /// Confirmed or disputed.
    pub status: AttendanceStatus,
    /// The minutes confirmed.
    pub minutes: Option<Minutes>,
    /// The provider's reason, for a dispute.
    pub reason: Option<String>,
}

impl Decided {
    /// The entries of `after` that the provider settled since `before` (all of them for a
    /// session new to this device) and that matter to `me`: her own, or any in a session she
    /// logged. The provider's own decisions are not news to her.
    pub(crate) fn between(before: Option<&SessionView>, after: &SessionView, me: &Id) -> Vec<Decided> {
        if &after.provider == me || after.withdrawn {
            return Vec::new();
        }
        after
            .attendees
            .iter()
            .filter(|a| &a.id == me || &after.created_by == me)
            .filter(|a| matches!(a.status, AttendanceStatus::Confirmed | AttendanceStatus::Disputed))
            .filter(|a| before.and_then(|b| b.attendee(&a.id)).is_none_or(|old| old.status != a.status))
            .map(|a| Decided {
                session: after.id.clone(),
                date: after.date,
                attendee: a.id.clone(),
                name: a.name.clone(),
                provider_name: after.provider_name.clone(),
                status: a.status,
                minutes: a.confirmed_minutes,
                reason: a.dispute_reason.clone(),
            })
            .collect()
    }
}

impl Unsettled {
    /// The attendees of `before` whose confirmed or disputed entry `after` unsettles.
    pub(crate) fn between(before: &SessionView, after: &SessionView) -> Vec<Unsettled> {
        let mut shared = Vec::new();
        let mut differs = |what: &str, old: String, new: String| {
            if old != new {
                shared.push(format!("the {what} changed from {old} to {new}"));
            }
        };
        differs("date", before.date.to_string(), after.date.to_string());
        differs("start time", before.start_time.clone(), after.start_time.clone());
        differs("time zone", before.time_zone.clone(), after.time_zone.clone());
        differs("length", format!("{} minutes", before.minutes.get()), format!("{} minutes", after.minutes.get()));
        differs("kind", before.kind.to_string(), after.kind.to_string());
        differs("format", before.format.to_string(), after.format.to_string());
        let name = |v: &SessionView| v.provider_name.clone().unwrap_or_else(|| crate::short_id(&v.provider).into());
        differs("provider", name(before), name(after));
        let mut out = Vec::new();
        for old in &before.attendees {
            let Some(new) = after.attendee(&old.id) else { continue };
            let settled = matches!(old.status, AttendanceStatus::Confirmed | AttendanceStatus::Disputed);
            if !settled || new.status == old.status {
                continue;
            }
            let mut why = shared.clone();
            if old.minutes_attended != new.minutes_attended {
                why.push(format!(
                    "the minutes attended changed from {} to {}",
                    old.minutes_attended.get(),
                    new.minutes_attended.get()
                ));
            }
            if old.about_own_rsc_practice != new.about_own_rsc_practice {
                why.push("whether it was about the attendee's own RS/C practice changed".into());
            }
            if after.withdrawn && !before.withdrawn {
                why.push("the session was withdrawn".into());
            }
            out.push(Unsettled {
                session: after.id.clone(),
                date: after.date,
                attendee: old.id.clone(),
                name: new.name.clone().or_else(|| old.name.clone()),
                was: old.status,
                now: new.status,
                why: if why.is_empty() { "the session changed".into() } else { why.join("; ") },
                dispute_reason: old.dispute_reason.clone().filter(|_| old.status == AttendanceStatus::Disputed),
                minutes_attended: Some(new.minutes_attended),
                provider_name: after.provider_name.clone(),
            });
        }
        out
    }
}

/// One statement a provider made about an attendee, as the session's history holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    /// The attendee it is about.
    pub attendee: Id,
    /// Their name, where known.
    pub attendee_name: Option<String>,
    /// The provider who signed it.
    pub provider: Id,
    /// Their name, where known.
    pub provider_name: Option<String>,
    /// Confirm or dispute.
    pub kind: StatementKind,
    /// The minutes confirmed (none for a dispute).
    pub minutes: Option<Minutes>,
    /// A dispute's reason.
    pub reason: String,
    /// When it was signed (Unix milliseconds).
    pub signed_at_ms: i64,
    /// Whether its signature verifies with a key of the provider's devices that this device
    /// trusts; an untrusted statement counts nothing.
    pub trusted: bool,
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
        for person in directory.map(|d| d.people.as_slice()).unwrap_or_default() {
            trust.names.insert(person.id.clone(), person.display_name.clone());
        }
        trust
    }

    pub(crate) fn trusts(&self, provider: &Id, key: &[u8; 32]) -> bool {
        self.keys.get(provider.as_str()).is_some_and(|keys| keys.contains(key))
    }

    pub(crate) fn name(&self, provider: &Id) -> Option<String> {
        self.names.get(provider.as_str()).cloned()
    }
}
