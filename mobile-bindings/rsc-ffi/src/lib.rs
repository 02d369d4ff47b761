//! The uniffi surface of the device core: a [`Logbook`] object over `rsc-client`, plain
//! records and enums for what crosses the boundary, one error enum whose variants say what the
//! app can do, and a callback for sync progress.
//!
//! Thin on purpose: conversions only. Behaviour lives, and is tested, in `rsc-client`; the
//! Kotlin suite (`tests/kotlin`) checks the glue: types, errors and callbacks.

use std::sync::Arc;

use rsc_client as core;
use rsc_client::ClientError;

uniffi::setup_scaffolding!();

/// Why a call failed, as what the app can do about it. (`LogbookException` in Kotlin.)
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum LogbookError {
    /// The server could not be reached or failed; nothing was lost: try again later.
    #[error("cannot reach the server: {reason}")]
    Network {
        /// What happened.
        reason: String,
    },
    /// Not signed in, or this device was signed out elsewhere: sign in again.
    #[error("{reason}")]
    Unauthorized {
        /// What happened.
        reason: String,
    },
    /// An input breaks a rule: show `reason` beside `field` and let the user fix it.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// The offending field.
        field: String,
        /// What is wrong, and what would be right.
        reason: String,
    },
    /// No such session or attendee on this device.
    #[error("{reason}")]
    NotFound {
        /// What was looked for.
        reason: String,
    },
    /// The device's storage failed (disk full, damaged file).
    #[error("{reason}")]
    Storage {
        /// What happened.
        reason: String,
    },
    /// The server refused, for a reason no field can fix (not allowed, not there, already so):
    /// show `reason`; retrying will not help.
    #[error("{reason}")]
    Rejected {
        /// What the server said.
        reason: String,
    },
    /// A bug, here or on the server (an answer this version does not understand): report it.
    #[error("{reason}")]
    Internal {
        /// What happened, with its causes.
        reason: String,
    },
}

/// The core's error flattened once, at the boundary, into what the app can act on; the reason
/// carries the whole cause chain.
impl From<ClientError> for LogbookError {
    fn from(error: ClientError) -> Self {
        let reason = core::cause_chain(&error);
        match error {
            ClientError::Invalid { field, message } => LogbookError::InvalidInput { field, reason: message },
            ClientError::NotFound(reason) => LogbookError::NotFound { reason },
            ClientError::Unauthorized(reason) => LogbookError::Unauthorized { reason },
            ClientError::Rejected { message, .. } => LogbookError::Rejected { reason: message },
            ClientError::Storage(_) | ClientError::Database(_) => LogbookError::Storage { reason },
            ClientError::Network(_) => LogbookError::Network { reason },
            ref server @ ClientError::Server { .. } if server.is_transient() => LogbookError::Network { reason },
            ClientError::Server { .. } | ClientError::StoredData { .. } => LogbookError::Internal { reason },
        }
    }
}

type Result<T> = std::result::Result<T, LogbookError>;

fn invalid(field: &str, reason: impl std::fmt::Display) -> LogbookError {
    LogbookError::InvalidInput { field: field.to_string(), reason: reason.to_string() }
}

fn minutes(value: u32, field: &str) -> Result<core::Minutes> {
    core::Minutes::new(i64::from(value), field).map_err(|e| ClientError::from(e).into())
}

/// A new session from the app, checked field by field.
fn core_session(session: NewSession) -> Result<core::NewSession> {
    let fields = core::SessionFields {
        date: date(&session.date, "date")?,
        start_time: session.start_time,
        time_zone: session.time_zone,
        minutes: minutes(session.minutes, "minutes")?,
        kind: session.kind.into(),
        format: session.format.into(),
        provider: id(&session.provider, "provider")?,
    };
    let attendees = session
        .attendees
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(core::NewAttendee {
                id: id(&a.id, &format!("attendees[{i}].id"))?,
                minutes_attended: minutes(a.minutes_attended, &format!("attendees[{i}].minutes_attended"))?,
                about_own_rsc_practice: a.about_own_rsc_practice,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(core::NewSession { fields, attendees })
}

fn date(text: &str, field: &str) -> Result<core::Date> {
    text.parse::<core::Date>().map_err(|e| invalid(field, e))
}

fn id(text: &str, field: &str) -> Result<core::Id> {
    core::Id::new(text, field).map_err(|e| ClientError::from(e).into())
}

/// Individual or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SessionKind {
    /// One provider, one attendee.
    Individual,
    /// One provider, several attendees.
    Group,
}

/// How the session was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SessionFormat {
    /// In one room.
    InPerson,
    /// A video call.
    Video,
    /// A telephone call.
    Phone,
}

/// Where an attendee's entry stands with the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

/// Why hours are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Purpose {
    /// A first application for the endorsement.
    Application,
    /// Keeping the endorsement.
    Renewal,
}

macro_rules! same_enum {
    ($ours:ident <=> $theirs:path { $($variant:ident),+ }) => {
        impl From<$theirs> for $ours {
            fn from(value: $theirs) -> $ours {
                match value { $(<$theirs>::$variant => $ours::$variant),+ }
            }
        }
        impl From<$ours> for $theirs {
            fn from(value: $ours) -> $theirs {
                match value { $($ours::$variant => <$theirs>::$variant),+ }
            }
        }
    };
}
same_enum!(SessionKind <=> core::SessionKind { Individual, Group });
same_enum!(SessionFormat <=> core::SessionFormat { InPerson, Video, Phone });
same_enum!(AttendanceStatus <=> core::AttendanceStatus { Pending, Confirmed, Disputed, ChangedSinceConfirmed, Withdrawn });
same_enum!(Purpose <=> core::Purpose { Application, Renewal });

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Account {
    /// The server's base URL.
    pub server_url: String,
    /// The account's user id: the id sessions name this person by.
    pub user_id: String,
    /// The sign-in email.
    pub email: String,
    /// `member` or `registry_admin`.
    pub role: String,
    /// This device's id on the server.
    pub device_id: String,
}

impl From<core::Account> for Account {
    fn from(a: core::Account) -> Account {
        Account {
            server_url: a.server_url,
            user_id: a.user_id,
            email: a.email,
            role: a.role.as_str().to_string(),
            device_id: a.device_id,
        }
    }
}

/// One attendee of a session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attendee {
    /// The attendee's user id.
    pub id: String,
    /// Minutes attended.
    pub minutes_attended: u32,
    /// Whether the session was about the RS/C the attendee provides.
    pub about_own_rsc_practice: bool,
    /// Where the entry stands.
    pub status: AttendanceStatus,
    /// The minutes the provider confirmed, while the confirmation stands.
    pub confirmed_minutes: Option<u32>,
    /// The provider's reason, while a dispute stands.
    pub dispute_reason: Option<String>,
}

/// A session as the logbook shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Session {
    /// The session's id.
    pub id: String,
    /// Who logged it.
    pub created_by: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Local start time, `HH:MM`.
    pub start_time: String,
    /// IANA time zone of the start time.
    pub time_zone: String,
    /// Its length in minutes.
    pub minutes: u32,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// The provider's user id.
    pub provider: String,
    /// The provider's name, once the server has told this device.
    pub provider_name: Option<String>,
    /// Withdrawn sessions count nothing.
    pub withdrawn: bool,
    /// Why it was withdrawn.
    pub withdraw_reason: String,
    /// The attendees.
    pub attendees: Vec<Attendee>,
    /// The user's own entry's status when they attend, else the least settled attendee's.
    pub status: AttendanceStatus,
    /// Rules the merged document breaks.
    pub problems: Vec<String>,
    /// Whether some changes have not reached the server yet.
    pub unsynced: bool,
}

impl From<core::SessionView> for Session {
    fn from(s: core::SessionView) -> Session {
        Session {
            id: s.id.to_string(),
            created_by: s.created_by.to_string(),
            date: s.date.to_string(),
            start_time: s.start_time,
            time_zone: s.time_zone,
            minutes: u32::from(s.minutes.get()),
            kind: s.kind.into(),
            format: s.format.into(),
            provider: s.provider.to_string(),
            provider_name: s.provider_name,
            withdrawn: s.withdrawn,
            withdraw_reason: s.withdraw_reason,
            attendees: s
                .attendees
                .into_iter()
                .map(|a| Attendee {
                    id: a.id.to_string(),
                    minutes_attended: u32::from(a.minutes_attended.get()),
                    about_own_rsc_practice: a.about_own_rsc_practice,
                    status: a.status.into(),
                    confirmed_minutes: a.confirmed_minutes.map(|m| u32::from(m.get())),
                    dispute_reason: a.dispute_reason,
                })
                .collect(),
            status: s.status.into(),
            problems: s.problems,
            unsynced: s.unsynced,
        }
    }
}

/// An attendee of a session being logged.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewAttendee {
    /// The attendee's user id.
    pub id: String,
    /// Minutes attended.
    pub minutes_attended: u32,
    /// Whether the session was about the RS/C the attendee provides.
    pub about_own_rsc_practice: bool,
}

/// A session to log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewSession {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Local start time, `HH:MM`.
    pub start_time: String,
    /// IANA time zone of the start time (`America/Denver`).
    pub time_zone: String,
    /// Its length in minutes (1 to 720).
    pub minutes: u32,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// The provider's user id.
    pub provider: String,
    /// Who attended; empty means the signed-in user alone, for the whole session.
    pub attendees: Vec<NewAttendee>,
}

/// Session-level fields to change; `null` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SessionChanges {
    /// New date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// New start time.
    pub start_time: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New length in minutes.
    pub minutes: Option<u32>,
    /// New kind.
    pub kind: Option<SessionKind>,
    /// New format.
    pub format: Option<SessionFormat>,
    /// New provider.
    pub provider: Option<String>,
}

/// Which sessions to list; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SessionFilter {
    /// On or after this day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// On or before this day.
    pub to: Option<String>,
    /// With this provider.
    pub provider: Option<String>,
    /// With this status.
    pub status: Option<AttendanceStatus>,
}

/// An attendee awaiting the signed-in provider's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AwaitingConfirmation {
    /// The session.
    pub session: Session,
    /// The attendee's user id.
    pub attendee: String,
    /// The minutes they logged.
    pub minutes_attended: u32,
    /// Pending, or changed since confirmed.
    pub status: AttendanceStatus,
}

/// One requirement's result.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Requirement {
    /// The requirement's id.
    pub id: String,
    /// A person's name for it.
    pub title: String,
    /// Whether eligibility depends on it.
    pub required: bool,
    /// Whether it is met.
    pub met: bool,
    /// The minutes it asks for.
    pub required_minutes: u64,
    /// The minutes counted in the window ending on the evaluation date.
    pub counted_minutes: u64,
    /// Minutes still missing.
    pub shortfall_minutes: u64,
    /// The earliest date it was met on.
    pub met_on: Option<String>,
    /// What the result means.
    pub explanation: String,
}

/// An evaluation of the user's hours.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Evaluation {
    /// The rulebook's id.
    pub rulebook: String,
    /// The evaluation date.
    pub as_of: String,
    /// Whether every required requirement is met.
    pub eligible: bool,
    /// The outcome in a sentence.
    pub summary: String,
    /// Each requirement's result.
    pub requirements: Vec<Requirement>,
    /// The whole evaluation in the contract's JSON (sessions, providers, advisories).
    pub json: String,
}

/// Where a running sync stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    /// Round trips completed.
    pub round_trips: u32,
    /// Changes the server has stored so far.
    pub pushed_changes: u64,
    /// Changes received so far.
    pub pulled_changes: u64,
    /// Changes still waiting to be pushed.
    pub pending_changes: u64,
    /// Whether more changes wait to be pulled.
    pub more_to_pull: bool,
    /// Set while waiting to retry after a failure, in milliseconds.
    pub retrying_in_ms: Option<u64>,
}

/// A session push the server refused; its changes are kept on the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Refusal {
    /// The session's id.
    pub session_id: String,
    /// Why, for programs (`not_participant`, `invalid_session`, ...).
    pub code: String,
    /// The offending field, when there is one.
    pub field: Option<String>,
    /// Why, for people.
    pub reason: String,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Round trips made.
    pub round_trips: u32,
    /// Changes the server stored.
    pub pushed_changes: u64,
    /// Changes received.
    pub pulled_changes: u64,
    /// Sessions changed on this device by the sync.
    pub updated_sessions: Vec<String>,
    /// Refused pushes.
    pub refusals: Vec<Refusal>,
    /// Requests retried after a failure.
    pub retries: u32,
}

/// How the logbook stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogbookStatus {
    /// The signed-in account, if any.
    pub account: Option<Account>,
    /// Sessions on this device.
    pub sessions: u64,
    /// Changes not yet stored by the server.
    pub pending_changes: u64,
    /// Changes the server refused.
    pub refused_changes: u64,
    /// When the last sync finished (Unix milliseconds).
    pub last_sync_ms: Option<i64>,
}

/// Hears how a sync is going; called on the syncing thread after each round trip and before
/// each retry.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// The sync's progress.
    fn on_progress(&self, progress: SyncProgress);
}

/// A device's logbook. Calls block: make them off the UI thread.
#[derive(uniffi::Object)]
pub struct Logbook {
    inner: core::Logbook,
}

#[uniffi::export]
impl Logbook {
    /// Opens the logbook kept in the folder `dir`, creating it on first use.
    #[uniffi::constructor]
    pub fn new(dir: String) -> Result<Arc<Logbook>> {
        Ok(Arc::new(Logbook { inner: core::Logbook::open(dir)? }))
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>> {
        Ok(self.inner.account()?.map(Account::from))
    }

    /// Creates an account and signs this device in to it.
    pub fn sign_up(
        &self,
        server: String,
        email: String,
        password: String,
        display_name: String,
        device_name: String,
    ) -> Result<Account> {
        Ok(self.inner.sign_up(&server, &email, &password, &display_name, &device_name)?.into())
    }

    /// Signs this device in to an existing account.
    pub fn sign_in(&self, server: String, email: String, password: String, device_name: String) -> Result<Account> {
        Ok(self.inner.sign_in(&server, &email, &password, &device_name)?.into())
    }

    /// Signs out; refused while changes have not reached the server unless `discard_unsynced`.
    pub fn sign_out(&self, discard_unsynced: bool) -> Result<()> {
        Ok(self.inner.sign_out(discard_unsynced)?)
    }

    /// Logs a session offline. Ask [`Logbook::duplicates_of`] first, to warn before logging the
    /// same meeting twice.
    pub fn log_session(&self, session: NewSession) -> Result<Session> {
        Ok(self.inner.log_session(core_session(session)?)?.into())
    }

    /// Sessions already logged that `session` would repeat (same provider, attendees, day and
    /// start time, not withdrawn): show them, and log only if the person says it is another one.
    pub fn duplicates_of(&self, session: NewSession) -> Result<Vec<Session>> {
        Ok(self.inner.duplicates_of(&core_session(session)?)?.into_iter().map(Session::from).collect())
    }

    /// Changes session-level fields.
    pub fn edit_session(&self, session_id: String, changes: SessionChanges) -> Result<Session> {
        let edit = core::SessionEdit {
            date: changes.date.as_deref().map(|d| date(d, "date")).transpose()?,
            start_time: changes.start_time,
            time_zone: changes.time_zone,
            minutes: changes.minutes.map(|m| minutes(m, "minutes")).transpose()?,
            kind: changes.kind.map(Into::into),
            format: changes.format.map(Into::into),
            provider: changes.provider.as_deref().map(|p| id(p, "provider")).transpose()?,
        };
        Ok(self.inner.edit_session(&session_id, edit)?.into())
    }

    /// Changes an attendee's minutes or topic; `null` leaves it as it is.
    pub fn set_attendance(
        &self,
        session_id: String,
        attendee: String,
        minutes_attended: Option<u32>,
        about_own_rsc_practice: Option<bool>,
    ) -> Result<Session> {
        let minutes_attended = minutes_attended.map(|m| minutes(m, "minutes_attended")).transpose()?;
        Ok(self.inner.set_attendance(&session_id, &attendee, minutes_attended, about_own_rsc_practice)?.into())
    }

    /// Withdraws a session logged by mistake.
    pub fn withdraw_session(&self, session_id: String, reason: String) -> Result<Session> {
        Ok(self.inner.withdraw_session(&session_id, &reason)?.into())
    }

    /// Undoes a withdrawal.
    pub fn restore_session(&self, session_id: String) -> Result<Session> {
        Ok(self.inner.restore_session(&session_id)?.into())
    }

    /// One session.
    pub fn session(&self, session_id: String) -> Result<Session> {
        Ok(self.inner.session(&session_id)?.into())
    }

    /// The sessions that pass `filter`, by date.
    pub fn sessions(&self, filter: SessionFilter) -> Result<Vec<Session>> {
        let filter = core::SessionFilter {
            from: filter.from.as_deref().map(|d| date(d, "from")).transpose()?,
            to: filter.to.as_deref().map(|d| date(d, "to")).transpose()?,
            provider: filter.provider.as_deref().map(|p| id(p, "provider")).transpose()?,
            status: filter.status.map(Into::into),
        };
        Ok(self.inner.sessions(&filter)?.into_iter().map(Session::from).collect())
    }

    /// As a provider: the attendees awaiting confirmation.
    pub fn awaiting_confirmation(&self) -> Result<Vec<AwaitingConfirmation>> {
        Ok(self
            .inner
            .awaiting_confirmation()?
            .into_iter()
            .map(|w| AwaitingConfirmation {
                session: w.session.into(),
                attendee: w.attendee.to_string(),
                minutes_attended: u32::from(w.minutes_attended.get()),
                status: w.status.into(),
            })
            .collect())
    }

    /// As the provider: confirms the attendee attended for `minutes`, signed on this device.
    pub fn confirm(&self, session_id: String, attendee: String, minutes_attended: u32) -> Result<Session> {
        let minutes_attended = minutes(minutes_attended, "minutes_attended")?;
        Ok(self.inner.confirm(&session_id, &attendee, Some(minutes_attended), true)?.into())
    }

    /// As the provider: disputes the attendee's entry, with a reason.
    pub fn dispute(&self, session_id: String, attendee: String, reason: String) -> Result<Session> {
        Ok(self.inner.dispute(&session_id, &attendee, &reason)?.into())
    }

    /// Evaluates the user's hours offline under a built-in rulebook (`nmaimh`, `orimha`,
    /// `ct-aimh`); `as_of` defaults to today.
    pub fn evaluate(&self, rulebook: String, purpose: Purpose, as_of: Option<String>) -> Result<Evaluation> {
        let as_of = as_of.as_deref().map(|d| date(d, "as_of")).transpose()?;
        let evaluation = self.inner.evaluate(&rulebook, purpose.into(), as_of)?;
        let json = core::evaluation_json(&evaluation)?;
        Ok(Evaluation {
            rulebook: evaluation.rulebook,
            as_of: evaluation.as_of.to_string(),
            eligible: evaluation.eligible,
            summary: evaluation.summary,
            requirements: evaluation
                .requirements
                .into_iter()
                .map(|r| Requirement {
                    id: r.id,
                    title: r.title,
                    required: r.required,
                    met: r.met,
                    required_minutes: r.required_minutes,
                    counted_minutes: r.counted_minutes_as_of,
                    shortfall_minutes: r.shortfall_minutes,
                    met_on: r.met_on.map(|d| d.to_string()),
                    explanation: r.explanation,
                })
                .collect(),
            json,
        })
    }

    /// Syncs with the server to completion, retrying network failures; `listener` hears
    /// progress.
    pub fn sync(&self, listener: Option<Arc<dyn SyncListener>>) -> Result<SyncReport> {
        let report = self.inner.sync(&core::SyncOptions::default(), &|p: &core::SyncProgress| {
            if let Some(listener) = &listener {
                listener.on_progress(SyncProgress {
                    round_trips: p.round_trips,
                    pushed_changes: p.pushed_changes,
                    pulled_changes: p.pulled_changes,
                    pending_changes: p.pending_changes,
                    more_to_pull: p.more_to_pull,
                    retrying_in_ms: p.retrying_in_ms,
                });
            }
        })?;
        Ok(SyncReport {
            round_trips: report.round_trips,
            pushed_changes: report.pushed_changes,
            pulled_changes: report.pulled_changes,
            updated_sessions: report.updated_sessions.iter().map(ToString::to_string).collect(),
            refusals: report
                .refusals
                .into_iter()
                .map(|r| Refusal { session_id: r.doc, code: r.code, field: r.field, reason: r.message })
                .collect(),
            retries: report.retries,
        })
    }

    /// How the logbook stands.
    pub fn status(&self) -> Result<LogbookStatus> {
        let s = self.inner.status()?;
        Ok(LogbookStatus {
            account: s.account.map(Account::from),
            sessions: s.sessions,
            pending_changes: s.pending_changes,
            refused_changes: s.refused_changes,
            last_sync_ms: s.last_sync_ms,
        })
    }

    /// As a provider: claims one's registry record by endorsement number.
    pub fn claim_endorsement(&self, number: String) -> Result<String> {
        Ok(self.inner.claim_endorsement(&number)?)
    }

    /// Downloads the server's export of verified hours: `json`, `csv` or `pdf`.
    pub fn export(
        &self,
        format: String,
        rulebook: Option<String>,
        purpose: Option<Purpose>,
        as_of: Option<String>,
    ) -> Result<Vec<u8>> {
        let as_of = as_of.as_deref().map(|d| date(d, "as_of")).transpose()?;
        Ok(self.inner.export(&format, rulebook.as_deref(), purpose.map(Into::into), as_of)?)
    }

    /// This device's public key (hex), as registered with the server.
    pub fn device_public_key(&self) -> Result<String> {
        Ok(self.inner.device_public_key()?)
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    #[test]
    fn the_core_error_is_flattened_once_into_what_the_app_can_act_on() {
        let refused =
            LogbookError::from(ClientError::Rejected { status: 409, message: "you already claimed `NM-1`".into() });
        assert!(matches!(&refused, LogbookError::Rejected { reason } if reason == "you already claimed `NM-1`"));
        let busy = LogbookError::from(ClientError::Server { status: 503, message: "busy".into() });
        assert!(matches!(busy, LogbookError::Network { .. }));
        let garbled = LogbookError::from(ClientError::Server { status: 200, message: "not understood".into() });
        assert!(matches!(garbled, LogbookError::Internal { .. }));
        // A damaged stored document keeps its cause in the reason.
        let damaged = LogbookError::from(ClientError::StoredData {
            what: "session document",
            source: Box::new(std::io::Error::other("bad chunk")),
        });
        assert!(matches!(&damaged, LogbookError::Internal { reason } if reason.ends_with("bad chunk")), "{damaged:?}");
    }
}
