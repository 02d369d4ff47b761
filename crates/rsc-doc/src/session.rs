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
    /// Everyone who takes part now: the provider and the attendees (whoever logged the session
    /// is one of them, see [`Session::validate`]).
    pub fn participants(&self) -> Vec<Id> {
        let mut ids: Vec<Id> =
            std::iter::once(self.fields.provider.clone()).chain(self.attendees.iter().map(|a| a.id.clone())).collect();
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
        if self.created_by != self.fields.provider && self.attendee(&self.created_by).is_none() {
            return Err(DocError::invalid(
                "attendees",
                format!(
                    "`{}` logged this session and must stay in it, as its provider or an attendee; withdraw the \
                     session instead",
                    self.created_by
                ),
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

    /// When the session ends, in milliseconds since the Unix epoch (UTC): its date and start in
    /// its time zone, plus its length. A local time that a clock change skips counts from the
    /// instant after the gap; one that occurs twice, from the later of the two.
    pub fn ends_at_ms(&self) -> Result<i64, DocError> {
        let f = &self.fields;
        ends_at_ms(f.date, &f.start_time, &f.time_zone, f.minutes)
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
pub fn validate_start_time(text: &str) -> Result<(), DocError> {
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

/// A zone of the IANA time zone database (`UTC`, `America/Denver`, `Etc/GMT+7`), compiled in so
/// that a phone, the server and the command line agree on when a session ends.
pub fn validate_time_zone(text: &str) -> Result<(), DocError> {
    parse_time_zone(text).map(|_| ())
}

/// Every zone name a session may carry, as the IANA database compiled in names them.
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name())
}

fn parse_time_zone(text: &str) -> Result<chrono_tz::Tz, DocError> {
    if text.len() > 64 {
        return Err(DocError::invalid("time_zone", "is longer than 64 characters"));
    }
    text.parse().map_err(|_| {
        DocError::invalid("time_zone", format!("`{}` is not a time zone name like America/Denver", text.escape_debug()))
    })
}

/// When a session on `date` starting at `start_time` (`HH:MM`) in `time_zone` and lasting
/// `minutes` ends, in milliseconds since the Unix epoch (see [`Session::ends_at_ms`]): what the
/// device, the server's projection and the portal call "has it taken place yet".
pub fn ends_at_ms(date: Date, start_time: &str, time_zone: &str, minutes: Minutes) -> Result<i64, DocError> {
    let zone = parse_time_zone(time_zone)?;
    let start = chrono::NaiveTime::parse_from_str(start_time, "%H:%M")
        .map_err(|_| DocError::invalid("start_time", format!("`{start_time}` is not a time HH:MM")))?;
    let local = date.naive().and_time(start);
    let starts = match local.and_local_timezone(zone) {
        chrono::LocalResult::Single(t) => t.timestamp_millis(),
        chrono::LocalResult::Ambiguous(_, later) => later.timestamp_millis(),
        // In a spring-forward gap: the same wall time an hour on exists.
        chrono::LocalResult::None => (local + chrono::Duration::hours(1))
            .and_local_timezone(zone)
            .latest()
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| DocError::invalid("start_time", "does not exist in the session's time zone"))?,
    };
    Ok(starts + i64::from(minutes.get()) * 60_000)
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
        for bad in ["", "America Denver", "/UTC", "Mars/Olympus_Mons", "x".repeat(65).as_str()] {
            assert_eq!(validate_time_zone(bad).expect_err(bad).field(), Some("time_zone"));
        }
    }
}
