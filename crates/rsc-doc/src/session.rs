//! The typed session read out of a document, and the rules every edit must keep.
//!
//! Two levels of checking, on purpose: [`Session::validate`] holds a local edit to every rule
//! (an individual session has one attendee, nobody attends longer than the session, ...);
//! reading a document only requires each field to be well-formed, because two valid offline
//! edits can merge into a state that breaks a cross-field rule (one device shortens the
//! session while another raises an attendee's minutes). Such a merged session is reported by
//! [`Session::problems`], and hours stay safe because they come from the provider's signed
//! snapshot, capped at the session's length.

use rsc_model::{AttendanceRecord, Date, Id, Minutes, SessionFormat, SessionKind};

use crate::DocError;
use crate::attest::SignedStatement;

/// The most attendees one session may have.
pub const MAX_ATTENDEES: usize = 50;
/// The longest free-text note (a withdrawal reason), in bytes.
pub const MAX_NOTE_BYTES: usize = 500;

/// The session-level fields, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFields {
    /// The day it took place.
    pub date: Date,
    /// Local start time, `HH:MM`.
    pub start_time: String,
    /// IANA time zone name of the start time (`America/Denver`).
    pub time_zone: String,
    /// Its length.
    pub minutes: Minutes,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// The RS/C provider.
    pub provider: Id,
}

/// A change to some session-level fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionEdit {
    /// New date.
    pub date: Option<Date>,
    /// New start time.
    pub start_time: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New length.
    pub minutes: Option<Minutes>,
    /// New kind.
    pub kind: Option<SessionKind>,
    /// New format.
    pub format: Option<SessionFormat>,
    /// New provider.
    pub provider: Option<Id>,
}

/// An attendee to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttendee {
    /// The attendee.
    pub id: Id,
    /// Minutes they attended.
    pub minutes_attended: Minutes,
    /// Whether the session was about the RS/C they provide to others.
    pub about_own_rsc_practice: bool,
}

/// One attendee as the document holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    /// The attendee.
    pub id: Id,
    /// Minutes attended, as logged (or as the provider set when confirming).
    pub minutes_attended: Minutes,
    /// Whether the session was about the RS/C they provide to others.
    pub about_own_rsc_practice: bool,
    /// The provider's latest statement about them in the document, if any (not yet checked
    /// against any key registry: see [`Session::attendance_records`]).
    pub statement: Option<SignedStatement>,
}

/// A session read from its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's id.
    pub id: Id,
    /// Who logged it.
    pub created_by: Id,
    /// The session-level fields.
    pub fields: SessionFields,
    /// The attendees, ordered by id.
    pub attendees: Vec<Attendee>,
    /// Withdrawn sessions stay in history and count nothing.
    pub withdrawn: bool,
    /// Why it was withdrawn.
    pub withdraw_reason: String,
}

impl Session {
    /// Everyone who takes part: the provider, the attendees and whoever logged it. They, and
    /// only they, may read and write the document.
    pub fn participants(&self) -> Vec<Id> {
        let mut ids: Vec<Id> = std::iter::once(self.fields.provider.clone())
            .chain(std::iter::once(self.created_by.clone()))
            .chain(self.attendees.iter().map(|a| a.id.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The attendee with `id`.
    pub fn attendee(&self, id: &Id) -> Option<&Attendee> {
        self.attendees.iter().find(|a| &a.id == id)
    }

    /// Checks every rule a local edit must keep.
    pub fn validate(&self) -> Result<(), DocError> {
        validate_start_time(&self.fields.start_time)?;
        validate_time_zone(&self.fields.time_zone)?;
        if self.withdraw_reason.len() > MAX_NOTE_BYTES {
            return Err(DocError::invalid("withdraw_reason", format!("is longer than {MAX_NOTE_BYTES} bytes")));
        }
        if self.attendees.len() > MAX_ATTENDEES {
            return Err(DocError::invalid(
                "attendees",
                format!("{} attendees; the limit is {MAX_ATTENDEES}", self.attendees.len()),
            ));
        }
        if self.fields.kind == SessionKind::Individual && self.attendees.len() > 1 {
            return Err(DocError::invalid(
                "kind",
                format!("an individual session has one attendee; this one has {}", self.attendees.len()),
            ));
        }
        for attendee in &self.attendees {
            if attendee.id == self.fields.provider {
                return Err(DocError::invalid(
                    "attendees",
                    format!("the provider `{}` cannot also be an attendee", attendee.id),
                ));
            }
            if attendee.minutes_attended > self.fields.minutes {
                return Err(DocError::invalid(
                    format!("attendees.{}.minutes_attended", attendee.id),
                    format!(
                        "{} minutes is longer than the session's {} minutes",
                        attendee.minutes_attended, self.fields.minutes
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Rules broken by merging concurrent edits (empty for a session edited in one place).
    pub fn problems(&self) -> Vec<String> {
        match self.validate() {
            Ok(()) => Vec::new(),
            Err(error) => vec![error.to_string()],
        }
    }

    /// One attendance record per attendee, for the dossier builder. A statement is kept only
    /// when its signature is valid, it is signed by the session's provider named in it, and
    /// `trusted(provider, public_key)` says the key is a registered device of that provider.
    pub fn attendance_records(&self, trusted: impl Fn(&Id, &[u8; 32]) -> bool) -> Vec<AttendanceRecord> {
        self.attendees
            .iter()
            .map(|attendee| AttendanceRecord {
                session_id: self.id.clone(),
                attendee: attendee.id.clone(),
                provider: self.fields.provider.clone(),
                date: self.fields.date,
                session_minutes: self.fields.minutes,
                minutes_attended: attendee.minutes_attended,
                kind: self.fields.kind,
                format: self.fields.format,
                about_own_rsc_practice: attendee.about_own_rsc_practice,
                withdrawn: self.withdrawn,
                statement: attendee
                    .statement
                    .as_ref()
                    .filter(|s| {
                        s.content.provider == self.fields.provider
                            && s.content.attendee == attendee.id
                            && s.content.session_id == self.id
                            && s.verify()
                            && trusted(&s.content.provider, &s.public_key)
                    })
                    .map(|s| s.content.clone()),
            })
            .collect()
    }
}

/// `HH:MM`, 00:00 to 23:59.
pub(crate) fn validate_start_time(text: &str) -> Result<(), DocError> {
    let b = text.as_bytes();
    let ok = b.len() == 5
        && b[2] == b':'
        && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
        && text[0..2].parse::<u8>().is_ok_and(|h| h < 24)
        && text[3..5].parse::<u8>().is_ok_and(|m| m < 60);
    if ok {
        Ok(())
    } else {
        Err(DocError::invalid("start_time", format!("`{}` is not a time HH:MM", text.escape_debug())))
    }
}

/// An IANA zone name's shape (`UTC`, `America/Denver`, `Etc/GMT+7`); the zone database itself
/// is the phone's business.
pub(crate) fn validate_time_zone(text: &str) -> Result<(), DocError> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
        && !text.starts_with('/')
        && !text.ends_with('/');
    if ok {
        Ok(())
    } else {
        Err(DocError::invalid(
            "time_zone",
            format!("`{}` is not a time zone name like America/Denver", text.escape_debug()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_and_zones() {
        for good in ["00:00", "09:30", "23:59"] {
            assert!(validate_start_time(good).is_ok(), "{good}");
        }
        for bad in ["24:00", "9:30", "09:60", "0930", ""] {
            assert_eq!(validate_start_time(bad).expect_err(bad).field(), Some("start_time"));
        }
        for good in ["UTC", "America/Denver", "Etc/GMT+7", "America/Argentina/Buenos_Aires"] {
            assert!(validate_time_zone(good).is_ok(), "{good}");
        }
        for bad in ["", "America Denver", "/UTC", "x".repeat(65).as_str()] {
            assert_eq!(validate_time_zone(bad).expect_err(bad).field(), Some("time_zone"));
        }
    }
}
