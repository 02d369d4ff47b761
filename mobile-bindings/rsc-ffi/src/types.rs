//! What crosses the boundary: records with defaults where a value is optional, enums rather
//! than strings, minutes as signed 32-bit integers, calendar dates as the platform's date type
//! (Kotlin `java.time.LocalDate`; an ISO `YYYY-MM-DD` string in Swift) and moments as instants
//! (Kotlin `java.time.Instant`; Unix milliseconds in Swift). Conversions from the core only.

use rsc_client as core;

use crate::{LogbookError, Result};

// The shared words cross the boundary as the core defines them: each `remote` mirror below only
// tells uniffi their shape, so no copy and no conversion can drift from the original.
pub use core::{
    AttendanceStatus, ClaimStatus, Purpose, Role, SessionFormat, SessionKind, StatementKind, TrainingTopic,
};

/// A calendar date, `YYYY-MM-DD` on the wire; `java.time.LocalDate` in Kotlin (see uniffi.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoDate(pub String);

uniffi::custom_type!(IsoDate, String, {
    lower: |date| date.0,
    try_lift: |text| Ok(IsoDate(text)),
});

impl From<core::Date> for IsoDate {
    fn from(date: core::Date) -> IsoDate {
        IsoDate(date.to_string())
    }
}

impl IsoDate {
    /// The core's date, or an error naming `field`.
    pub fn parse(&self, field: &str) -> Result<core::Date> {
        self.0.parse::<core::Date>().map_err(|e| crate::invalid(field, e))
    }
}

/// A moment, Unix milliseconds on the wire; `java.time.Instant` in Kotlin (see uniffi.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub i64);

uniffi::custom_type!(Timestamp, i64, {
    lower: |moment| moment.0,
    try_lift: |millis| Ok(Timestamp(millis)),
});

/// Minutes from the app, checked: 1 to 720 for a session or attendance.
pub fn minutes(value: i32, field: &str) -> Result<core::Minutes> {
    core::Minutes::new(i64::from(value), field).map_err(|e| core::ClientError::from(e).into())
}

fn from_minutes(minutes: core::Minutes) -> i32 {
    i32::from(minutes.get())
}

/// Individual or group.
#[uniffi::remote(Enum)]
pub enum SessionKind {
    /// One provider, one attendee.
    Individual,
    /// One provider, several attendees.
    Group,
}

/// How the session was held.
#[uniffi::remote(Enum)]
pub enum SessionFormat {
    /// In one room.
    InPerson,
    /// A video call.
    Video,
    /// A telephone call.
    Phone,
}

/// Where an attendee's entry stands with the provider.
#[uniffi::remote(Enum)]
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
#[uniffi::remote(Enum)]
pub enum Purpose {
    /// A first application for the endorsement.
    Application,
    /// Keeping the endorsement.
    Renewal,
}

/// A training's one primary topic.
#[uniffi::remote(Enum)]
pub enum TrainingTopic {
    /// Relationship-based infant mental health, social-emotional development.
    Imh,
    /// Didactic training about providing RS/C.
    Rsc,
    /// Diversity, equity and inclusion in infant mental health.
    Dei,
}

/// A training as the log shows it. Trainings are self-reported: nobody confirms them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Training {
    /// Its id.
    pub id: String,
    /// Its title, as on the certificate.
    pub title: String,
    /// Who gave it (may be empty).
    pub organiser: String,
    /// When.
    pub date: IsoDate,
    /// How long, in minutes (1 to 2,400).
    pub minutes: i32,
    /// Its primary topic.
    pub topic: TrainingTopic,
    /// The SHA-256 of its certificate file, if one is kept.
    pub certificate: Option<String>,
    /// Whether changes made here have not reached the server yet.
    pub unsynced: bool,
}

impl From<core::TrainingView> for Training {
    fn from(t: core::TrainingView) -> Training {
        Training {
            id: t.id.to_string(),
            title: t.title,
            organiser: t.organiser,
            date: t.date.into(),
            minutes: i32::try_from(t.minutes).unwrap_or(i32::MAX),
            topic: t.topic,
            certificate: t.certificate,
            unsynced: t.unsynced,
        }
    }
}

/// What the person says about a training she adds or edits.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewTraining {
    /// Its title, as on the certificate.
    pub title: String,
    /// Who gave it.
    #[uniffi(default = "")]
    pub organiser: String,
    /// When (the last day, for one over several days).
    pub date: IsoDate,
    /// How long, in minutes (1 to 2,400: clock hours and minutes).
    pub minutes: i32,
    /// Its primary topic.
    pub topic: TrainingTopic,
    /// The SHA-256 [`crate::Logbook::keep_certificate`] gave for its certificate file.
    #[uniffi(default = None)]
    pub certificate: Option<String>,
}

impl NewTraining {
    pub(crate) fn to_core(&self) -> Result<core::TrainingFields> {
        let minutes = u32::try_from(self.minutes).map_err(|_| crate::invalid("minutes", "must not be negative"))?;
        Ok(core::TrainingFields {
            title: self.title.trim().to_string(),
            organiser: self.organiser.trim().to_string(),
            date: self.date.parse("date")?,
            minutes,
            topic: self.topic,
            certificate: self.certificate.clone(),
        })
    }
}

/// What an account may do.
#[uniffi::remote(Enum)]
pub enum Role {
    /// A supervisee or provider.
    Member,
    /// Association staff who keep the registry.
    RegistryAdmin,
}

/// The forms of the server's export of verified hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExportFormat {
    /// Signed JSON, verifiable by anyone.
    Json,
    /// A spreadsheet.
    Csv,
    /// A printable report.
    Pdf,
}

impl ExportFormat {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Pdf => "pdf",
        }
    }
}

/// Where a provider's claim to a registry record stands.
#[uniffi::remote(Enum)]
pub enum ClaimStatus {
    /// Waiting for association staff.
    Pending,
    /// Staff confirmed the record is the provider's.
    Approved,
    /// Staff turned it down.
    Rejected,
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Account {
    /// The server's base URL.
    pub server_url: String,
    /// The account's user id (for the app; people see names).
    pub user_id: String,
    /// The sign-in email.
    pub email: String,
    /// What the account may do.
    pub role: Role,
    /// This device's id on the server.
    pub device_id: String,
    /// The name this device was registered under.
    pub device_name: String,
}

impl From<core::Account> for Account {
    fn from(a: core::Account) -> Account {
        Account {
            server_url: a.server_url,
            user_id: a.user_id,
            email: a.email,
            role: a.role,
            device_id: a.device_id,
            device_name: a.device_name,
        }
    }
}

/// Someone the user works with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Person {
    /// Their user id (what sessions name them by).
    pub id: String,
    /// Their name.
    pub name: String,
    /// The signed-in user.
    pub is_me: bool,
    /// A provider the user is connected to.
    pub is_my_provider: bool,
    /// Connected to the user as their provider.
    pub is_my_supervisee: bool,
}

impl From<core::PersonView> for Person {
    fn from(p: core::PersonView) -> Person {
        Person {
            id: p.id.to_string(),
            name: p.name,
            is_me: p.is_me,
            is_my_provider: p.is_my_provider,
            is_my_supervisee: p.is_my_supervisee,
        }
    }
}

/// A connection code to share, with its link (for a tap or a QR code).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionCode {
    /// As people type it: `7KQ2-M9XD`.
    pub code: String,
    /// The link that carries it.
    pub link: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// People who connected with it.
    pub used: u32,
}

impl From<core::SharedCode> for ConnectionCode {
    fn from(c: core::SharedCode) -> ConnectionCode {
        ConnectionCode {
            code: c.code,
            link: c.link,
            created_at: Timestamp(c.created_at_ms),
            expires_at: Timestamp(c.expires_at_ms),
            used: c.used,
        }
    }
}

/// One attendee of a session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attendee {
    /// The attendee's user id.
    pub id: String,
    /// Their name, once the server has told this device.
    pub name: Option<String>,
    /// Minutes attended.
    pub minutes_attended: i32,
    /// Whether the session was about the RS/C the attendee provides.
    pub about_own_rsc_practice: bool,
    /// Where the entry stands.
    pub status: AttendanceStatus,
    /// The minutes the provider confirmed, while the confirmation stands.
    pub confirmed_minutes: Option<i32>,
    /// The provider's reason for their latest statement, when it is a dispute (kept after the
    /// entry is corrected).
    pub dispute_reason: Option<String>,
    /// When the provider signed their latest statement about this attendee.
    pub stated_at: Option<Timestamp>,
}

/// A session as the logbook shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Session {
    /// The session's id.
    pub id: String,
    /// Who logged it.
    pub created_by: String,
    /// The day it took place.
    pub date: IsoDate,
    /// Local start time, `HH:MM`.
    pub start_time: String,
    /// IANA time zone of the start time.
    pub time_zone: String,
    /// Its length in minutes.
    pub minutes: i32,
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
    /// It has not taken place yet: in no one's queue, and counted nowhere, until it ends.
    pub planned: bool,
}

impl From<core::SessionView> for Session {
    fn from(s: core::SessionView) -> Session {
        Session {
            planned: s.planned(core::now_ms()),
            id: s.id.to_string(),
            created_by: s.created_by.to_string(),
            date: s.date.into(),
            start_time: s.start_time,
            time_zone: s.time_zone,
            minutes: from_minutes(s.minutes),
            kind: s.kind,
            format: s.format,
            provider: s.provider.to_string(),
            provider_name: s.provider_name,
            withdrawn: s.withdrawn,
            withdraw_reason: s.withdraw_reason,
            attendees: s
                .attendees
                .into_iter()
                .map(|a| Attendee {
                    id: a.id.to_string(),
                    name: a.name,
                    minutes_attended: from_minutes(a.minutes_attended),
                    about_own_rsc_practice: a.about_own_rsc_practice,
                    status: a.status,
                    confirmed_minutes: a.confirmed_minutes.map(from_minutes),
                    dispute_reason: a.dispute_reason,
                    stated_at: a.statement.map(|s| Timestamp(s.signed_at_ms)),
                })
                .collect(),
            status: s.status,
            problems: s.problems,
            unsynced: s.unsynced,
        }
    }
}

/// An attendee of a session being logged.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewAttendee {
    /// The attendee's user id (from [`Person::id`]).
    pub id: String,
    /// Minutes attended (1 to 720).
    pub minutes_attended: i32,
    /// Whether the session was about the RS/C the attendee provides.
    #[uniffi(default = false)]
    pub about_own_rsc_practice: bool,
}

impl NewAttendee {
    pub(crate) fn to_core(&self, field: &str) -> Result<core::NewAttendee> {
        Ok(core::NewAttendee {
            id: crate::id(&self.id, &format!("{field}.id"))?,
            minutes_attended: minutes(self.minutes_attended, &format!("{field}.minutes_attended"))?,
            about_own_rsc_practice: self.about_own_rsc_practice,
        })
    }
}

/// A session to log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewSession {
    /// The day it took place.
    pub date: IsoDate,
    /// Local start time, `HH:MM`.
    pub start_time: String,
    /// IANA time zone of the start time (`America/Denver`).
    pub time_zone: String,
    /// Its length in minutes (1 to 720).
    pub minutes: i32,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// The provider's user id (from [`Person::id`]).
    pub provider: String,
    /// Individual or group.
    #[uniffi(default = None)]
    pub kind: Option<SessionKind>,
    /// Who attended; empty means the signed-in user alone, for the whole session.
    #[uniffi(default = [])]
    pub attendees: Vec<NewAttendee>,
}

impl NewSession {
    pub(crate) fn to_core(&self) -> Result<core::NewSession> {
        let attendees = self
            .attendees
            .iter()
            .enumerate()
            .map(|(i, a)| a.to_core(&format!("attendees[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        let kind = self.kind.unwrap_or(if attendees.len() > 1 { SessionKind::Group } else { SessionKind::Individual });
        let fields = core::SessionFields {
            date: self.date.parse("date")?,
            start_time: self.start_time.clone(),
            time_zone: self.time_zone.clone(),
            minutes: minutes(self.minutes, "minutes")?,
            kind,
            format: self.format,
            provider: crate::id(&self.provider, "provider")?,
        };
        Ok(core::NewSession { fields, attendees })
    }
}

/// Session-level fields to change; those left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SessionChanges {
    /// New date.
    #[uniffi(default = None)]
    pub date: Option<IsoDate>,
    /// New start time.
    #[uniffi(default = None)]
    pub start_time: Option<String>,
    /// New time zone.
    #[uniffi(default = None)]
    pub time_zone: Option<String>,
    /// New length in minutes.
    #[uniffi(default = None)]
    pub minutes: Option<i32>,
    /// New kind.
    #[uniffi(default = None)]
    pub kind: Option<SessionKind>,
    /// New format.
    #[uniffi(default = None)]
    pub format: Option<SessionFormat>,
    /// New provider's user id.
    #[uniffi(default = None)]
    pub provider: Option<String>,
}

impl SessionChanges {
    pub(crate) fn to_core(&self) -> Result<core::SessionEdit> {
        Ok(core::SessionEdit {
            date: self.date.as_ref().map(|d| d.parse("date")).transpose()?,
            start_time: self.start_time.clone(),
            time_zone: self.time_zone.clone(),
            minutes: self.minutes.map(|m| minutes(m, "minutes")).transpose()?,
            kind: self.kind,
            format: self.format,
            provider: self.provider.as_deref().map(|p| crate::id(p, "provider")).transpose()?,
        })
    }
}

/// Which sessions to list; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SessionFilter {
    /// On or after this day.
    #[uniffi(default = None)]
    pub from: Option<IsoDate>,
    /// On or before this day.
    #[uniffi(default = None)]
    pub to: Option<IsoDate>,
    /// With this provider (user id).
    #[uniffi(default = None)]
    pub provider: Option<String>,
    /// With this status.
    #[uniffi(default = None)]
    pub status: Option<AttendanceStatus>,
}

impl SessionFilter {
    pub(crate) fn to_core(&self) -> Result<core::SessionFilter> {
        Ok(core::SessionFilter {
            from: self.from.as_ref().map(|d| d.parse("from")).transpose()?,
            to: self.to.as_ref().map(|d| d.parse("to")).transpose()?,
            provider: self.provider.as_deref().map(|p| crate::id(p, "provider")).transpose()?,
            status: self.status,
        })
    }
}

/// An attendee awaiting the signed-in provider's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AwaitingConfirmation {
    /// The session.
    pub session: Session,
    /// The attendee's user id.
    pub attendee: String,
    /// The attendee's name, where known.
    pub attendee_name: Option<String>,
    /// The minutes they logged.
    pub minutes_attended: i32,
    /// Pending, or changed since confirmed.
    pub status: AttendanceStatus,
    /// Why it is back with the provider after she confirmed or disputed it, in her words
    /// ("corrected after your dispute (…): now 45 minutes").
    pub why_back: Option<String>,
}

impl From<core::AwaitingConfirmation> for AwaitingConfirmation {
    fn from(w: core::AwaitingConfirmation) -> AwaitingConfirmation {
        AwaitingConfirmation {
            session: w.session.into(),
            attendee: w.attendee.to_string(),
            attendee_name: w.attendee_name,
            minutes_attended: from_minutes(w.minutes_attended),
            status: w.status,
            why_back: w.why_back,
        }
    }
}

/// Which of the provider's entries a batch confirmation takes; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ConfirmSelection {
    /// One session's id.
    #[uniffi(default = None)]
    pub session_id: Option<String>,
    /// One supervisee's entries (user id).
    #[uniffi(default = None)]
    pub supervisee: Option<String>,
    /// Sessions dated on or before this day.
    #[uniffi(default = None)]
    pub through: Option<IsoDate>,
}

impl ConfirmSelection {
    pub(crate) fn to_core(&self) -> Result<core::ConfirmSelection> {
        Ok(core::ConfirmSelection {
            session: self.session_id.clone(),
            supervisee: self.supervisee.as_deref().map(|p| crate::id(p, "supervisee")).transpose()?,
            through: self.through.as_ref().map(|d| d.parse("through")).transpose()?,
        })
    }
}

/// An entry a batch confirmation leaves unsigned, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NotSigned {
    /// The session.
    pub session: Session,
    /// The attendee's user id.
    pub attendee: String,
    /// The attendee's name, where known.
    pub attendee_name: Option<String>,
    /// Why, in words ("not ended yet: …", "you disputed it …").
    pub why: String,
}

/// What a batch confirmation signs, and what it leaves and why: show both before signing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConfirmationPlan {
    /// The entries it signs, each as logged.
    pub sign: Vec<AwaitingConfirmation>,
    /// The minutes they confirm together.
    pub minutes: u64,
    /// The entries it leaves.
    pub not_signed: Vec<NotSigned>,
}

impl From<core::ConfirmationPlan> for ConfirmationPlan {
    fn from(plan: core::ConfirmationPlan) -> ConfirmationPlan {
        ConfirmationPlan {
            minutes: plan.minutes(),
            sign: plan.sign.into_iter().map(Into::into).collect(),
            not_signed: plan
                .not_signed
                .into_iter()
                .map(|n| NotSigned {
                    session: n.session.into(),
                    attendee: n.attendee.to_string(),
                    attendee_name: n.attendee_name,
                    why: n.why,
                })
                .collect(),
        }
    }
}

/// Sessions with one provider that a registry change made count, or stop counting.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegistryNews {
    /// The provider's user id.
    pub provider: String,
    /// Their name, where known.
    pub provider_name: Option<String>,
    /// The user's sessions with them that no longer count.
    pub no_longer_count: u32,
    /// Those that count now.
    pub now_count: u32,
    /// Why some no longer count, in words with what happens next.
    pub why: Option<String>,
}

/// An entry the provider confirmed or disputed, received in a sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Decided {
    /// The session's id.
    pub session_id: String,
    /// Its date.
    pub date: IsoDate,
    /// The attendee's user id.
    pub attendee: String,
    /// Their name, where known.
    pub name: Option<String>,
    /// The provider's name, where known.
    pub provider_name: Option<String>,
    /// Confirmed or disputed.
    pub status: AttendanceStatus,
    /// The minutes confirmed.
    pub minutes: Option<i32>,
    /// The provider's reason, for a dispute.
    pub reason: Option<String>,
}

impl From<core::Decided> for Decided {
    fn from(d: core::Decided) -> Decided {
        Decided {
            session_id: d.session.to_string(),
            date: d.date.into(),
            attendee: d.attendee.to_string(),
            name: d.name,
            provider_name: d.provider_name,
            status: d.status,
            minutes: d.minutes.map(from_minutes),
            reason: d.reason,
        }
    }
}

/// One attendee to confirm in a batch.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Confirmation {
    /// The session's id.
    pub session_id: String,
    /// The attendee's user id.
    pub attendee: String,
    /// The minutes confirmed; left out, the minutes they logged.
    #[uniffi(default = None)]
    pub minutes: Option<i32>,
}

/// An attendee whose confirmed or disputed entry goes back to the provider because the session
/// changed: what an edit would do, or what a sync brought.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Unsettled {
    /// The session's id.
    pub session_id: String,
    /// Its date.
    pub date: IsoDate,
    /// The attendee's user id.
    pub attendee: String,
    /// Their name, where known.
    pub name: Option<String>,
    /// The status before the change.
    pub was: AttendanceStatus,
    /// The status after it.
    pub now: AttendanceStatus,
    /// What changed, in words.
    pub why: String,
    /// The provider's reason, when the entry was disputed before the change.
    pub dispute_reason: Option<String>,
    /// The attendee's minutes after the change.
    pub minutes_attended: Option<i32>,
    /// The provider's name, where known.
    pub provider_name: Option<String>,
}

impl From<core::Unsettled> for Unsettled {
    fn from(u: core::Unsettled) -> Unsettled {
        Unsettled {
            session_id: u.session.to_string(),
            date: u.date.into(),
            attendee: u.attendee.to_string(),
            name: u.name,
            was: u.was,
            now: u.now,
            why: u.why,
            dispute_reason: u.dispute_reason,
            minutes_attended: u.minutes_attended.map(from_minutes),
            provider_name: u.provider_name,
        }
    }
}

/// What the user tells about themselves.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Profile {
    /// The name other participants see.
    pub display_name: String,
    /// When the master's degree was conferred.
    #[uniffi(default = None)]
    pub masters_conferred_on: Option<IsoDate>,
    /// The association's rulebook (`nmaimh`, `orimha`, `ct-aimh`).
    #[uniffi(default = None)]
    pub rulebook: Option<String>,
    /// Application or renewal.
    #[uniffi(default = None)]
    pub purpose: Option<Purpose>,
    /// Whether she provides RS/C to others (some renewals ask providers for training about RS/C).
    #[uniffi(default = false)]
    pub provides_rsc: bool,
    /// Whether an edit made on this device has not reached the server yet (ignored when set).
    #[uniffi(default = false)]
    pub unsynced: bool,
}

impl From<core::Profile> for Profile {
    fn from(p: core::Profile) -> Profile {
        Profile {
            display_name: p.display_name,
            masters_conferred_on: p.masters_conferred_on.map(Into::into),
            rulebook: p.rulebook,
            purpose: p.purpose,
            provides_rsc: p.provides_rsc,
            unsynced: p.unsynced,
        }
    }
}

impl Profile {
    pub(crate) fn to_core(&self) -> Result<core::Profile> {
        Ok(core::Profile {
            display_name: self.display_name.clone(),
            masters_conferred_on: self
                .masters_conferred_on
                .as_ref()
                .map(|d| d.parse("masters_conferred_on"))
                .transpose()?,
            rulebook: self.rulebook.clone(),
            provides_rsc: self.provides_rsc,
            purpose: self.purpose,
            unsynced: false,
        })
    }
}

/// A provider's claim to a registry record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Claim {
    /// The endorsement number claimed.
    pub number: String,
    /// Where it stands.
    pub status: ClaimStatus,
    /// When it was filed.
    pub created_at: Timestamp,
    /// When staff decided it.
    pub decided_at: Option<Timestamp>,
    /// Staff's note.
    pub note: String,
}

impl From<core::Claim> for Claim {
    fn from(c: core::Claim) -> Claim {
        Claim {
            number: c.number,
            status: c.status,
            created_at: Timestamp(c.created_at_ms),
            decided_at: c.decided_at_ms.map(Timestamp),
            note: c.note,
        }
    }
}

/// A signed export the server keeps, with the link printed on its PDF and CSV.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportLink {
    /// Its id, as printed.
    pub export_id: String,
    /// SHA-256 of the signed JSON, hex.
    pub sha256: String,
    /// The verification page a reviewer opens.
    pub link: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was withdrawn; its link then says so.
    pub withdrawn_at: Option<Timestamp>,
    /// The rulebook's name.
    pub rulebook_name: String,
    /// `application` or `renewal`.
    pub purpose: String,
    /// The date the hours were evaluated as of.
    pub as_of: String,
    /// The outcome in a sentence.
    pub summary: String,
    /// Its renderings: one file name per format (PDF, CSV, JSON), each a download of this
    /// one export; none once withdrawn.
    pub downloads: Vec<ExportDownload>,
}

/// One rendering of a kept export.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportDownload {
    /// Which.
    pub format: ExportFormat,
    /// The name to save it under (the applicant's name, the rulebook and the date).
    pub file_name: String,
}

impl ExportLink {
    /// The core's link, whose path is on `server`.
    pub fn from_core(link: core::ExportLink, server: &str) -> ExportLink {
        ExportLink {
            link: format!("{}{}", server.trim_end_matches('/'), link.link_path),
            export_id: link.export_id,
            sha256: link.sha256,
            created_at: Timestamp(link.created_at_ms),
            withdrawn_at: link.withdrawn_at_ms.map(Timestamp),
            rulebook_name: link.rulebook_name,
            purpose: link.purpose,
            as_of: link.as_of,
            summary: link.summary,
            downloads: link
                .downloads
                .into_iter()
                .filter_map(|d| {
                    let format = match d.format.as_str() {
                        "json" => ExportFormat::Json,
                        "csv" => ExportFormat::Csv,
                        "pdf" => ExportFormat::Pdf,
                        _ => return None,
                    };
                    Some(ExportDownload { format, file_name: d.file_name })
                })
                .collect(),
        }
    }
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
    pub met_on: Option<IsoDate>,
    /// When it would be met at the pace of the last six months.
    pub projected_met_on: Option<IsoDate>,
    /// What the result means.
    pub explanation: String,
    /// Whether it counts trainings: self-reported hours, where the others are confirmed by
    /// providers (set by [`crate::Logbook::hours`]).
    #[uniffi(default = false)]
    pub self_reported: bool,
}

/// An evaluation of the user's hours.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Evaluation {
    /// The rulebook's id.
    pub rulebook: String,
    /// The evaluation date.
    pub as_of: IsoDate,
    /// Whether every required requirement is met.
    pub eligible: bool,
    /// The outcome in a sentence.
    pub summary: String,
    /// Each requirement's result.
    pub requirements: Vec<Requirement>,
    /// The whole evaluation in the contract's JSON (sessions, providers, advisories).
    pub json: String,
}

impl TryFrom<core::Evaluation> for Evaluation {
    type Error = LogbookError;

    fn try_from(evaluation: core::Evaluation) -> Result<Evaluation> {
        let json = core::evaluation_json(&evaluation)?;
        Ok(Evaluation {
            rulebook: evaluation.rulebook,
            as_of: evaluation.as_of.into(),
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
                    met_on: r.met_on.map(Into::into),
                    projected_met_on: r.projected_met_on.map(Into::into),
                    explanation: r.explanation,
                    self_reported: false,
                })
                .collect(),
            json,
        })
    }
}

/// Logged sessions that wait for one provider.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AwaitingProvider {
    /// The provider's user id.
    pub provider: String,
    /// Their name, where known.
    pub name: Option<String>,
    /// Sessions that wait.
    pub sessions: u32,
    /// The minutes logged in them.
    pub minutes: u64,
}

/// What it takes to meet a requirement by a date.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Pace {
    /// The requirement's title.
    pub requirement: String,
    /// The date chosen.
    pub by: IsoDate,
    /// The minutes that will still count then from what is confirmed now.
    pub counted_by_then: u64,
    /// The minutes still to add before then.
    pub needed_minutes: u64,
    /// The calendar months from the evaluation date to `by`.
    pub months: u32,
    /// The minutes a calendar month that takes.
    pub minutes_per_month: u64,
    /// The pace in words, to show as it is.
    pub words: String,
}

/// A session that counts nothing, and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Uncounted {
    /// The session's id.
    pub session_id: String,
    /// Its date.
    pub date: IsoDate,
    /// The provider's name, where known.
    pub provider_name: Option<String>,
    /// Why, one phrase per reason.
    pub reasons: Vec<String>,
}

/// The user's hours, explained.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Hours {
    /// The evaluation.
    pub evaluation: Evaluation,
    /// What waits for each provider, most first.
    pub awaiting: Vec<AwaitingProvider>,
    /// Per requirement: the minutes counted once everything waiting is confirmed as logged.
    pub if_confirmed_minutes: Vec<u64>,
    /// The pace to meet the first unmet requirement by the date asked for.
    pub pace: Option<Pace>,
    /// Set the master's conferral date: this rulebook counts only post-master's hours.
    pub masters_date_missing: bool,
    /// Sessions that count nothing, with why.
    pub uncounted: Vec<Uncounted>,
    /// For a renewal: the last day of the renewal year (31 December), by when this year's
    /// requirements are due.
    pub renewal_due: Option<IsoDate>,
    /// For a renewal: what counted in the calendar year before.
    pub last_year: Option<Evaluation>,
    /// The trainings in the log, by date (self-reported).
    pub trainings: Vec<Training>,
}

impl TryFrom<core::Hours> for Hours {
    type Error = LogbookError;

    fn try_from(h: core::Hours) -> Result<Hours> {
        let mut evaluation: Evaluation = h.evaluation.clone().try_into()?;
        for requirement in &mut evaluation.requirements {
            requirement.self_reported = h.training_requirements.contains(&requirement.id);
        }
        let renewal_due =
            (h.evaluation.purpose == Purpose::Renewal).then(|| IsoDate(format!("{}-12-31", h.evaluation.as_of.year())));
        Ok(Hours {
            renewal_due,
            last_year: h.last_year.map(Evaluation::try_from).transpose()?,
            trainings: h.trainings.into_iter().map(Training::from).collect(),
            evaluation,
            awaiting: h
                .awaiting
                .into_iter()
                .map(|a| AwaitingProvider {
                    provider: a.provider.to_string(),
                    name: a.name,
                    sessions: a.sessions,
                    minutes: a.minutes,
                })
                .collect(),
            if_confirmed_minutes: h.if_confirmed_minutes,
            pace: h.pace.map(|p| Pace {
                words: p.words(),
                months: p.months,
                requirement: p.requirement,
                by: p.by.into(),
                counted_by_then: p.counted_by_then,
                needed_minutes: p.needed_minutes,
                minutes_per_month: p.minutes_per_month,
            }),
            masters_date_missing: h.masters_date_missing,
            uncounted: h
                .uncounted
                .into_iter()
                .map(|u| Uncounted {
                    session_id: u.session.to_string(),
                    date: u.date.into(),
                    provider_name: u.provider_name,
                    reasons: u.reasons,
                })
                .collect(),
        })
    }
}

/// Where a running sync stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    /// Requests completed (as in the report).
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

impl From<&core::SyncProgress> for SyncProgress {
    fn from(p: &core::SyncProgress) -> SyncProgress {
        SyncProgress {
            round_trips: p.round_trips,
            pushed_changes: p.pushed_changes,
            pulled_changes: p.pulled_changes,
            pending_changes: p.pending_changes,
            more_to_pull: p.more_to_pull,
            retrying_in_ms: p.retrying_in_ms,
        }
    }
}

/// A session push the server refused; its changes are kept on the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Refusal {
    /// The session's id.
    pub session_id: String,
    /// Why, for programs (`not_participant`, `not_connected`, ...).
    pub code: String,
    /// The offending field, when there is one.
    pub field: Option<String>,
    /// Why, for people.
    pub reason: String,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Requests made to the server: one per page of the sync, and one more when a profile
    /// edited on this device was sent (a sync with nothing to do makes one).
    pub round_trips: u32,
    /// Changes the server stored.
    pub pushed_changes: u64,
    /// Changes received.
    pub pulled_changes: u64,
    /// Sessions changed on this device by the sync.
    pub updated_sessions: Vec<String>,
    /// Refused pushes.
    pub refusals: Vec<Refusal>,
    /// Confirmed or disputed entries that went back to the provider, with why.
    pub unsettled: Vec<Unsettled>,
    /// Entries that edits made on this device sent back to the provider, now that the server
    /// has them (a correction after a dispute).
    pub sent_back: Vec<Unsettled>,
    /// Entries the provider confirmed or disputed, received in this sync.
    pub decided: Vec<Decided>,
    /// Sessions a registry change made count, or stop counting, per provider.
    pub registry: Vec<RegistryNews>,
    /// Requests retried after a failure.
    pub retries: u32,
    /// What others did to the user's connections since the last sync.
    pub connection_news: Vec<crate::ConnectionNews>,
}

impl From<core::SyncReport> for SyncReport {
    fn from(report: core::SyncReport) -> SyncReport {
        SyncReport {
            round_trips: report.round_trips,
            pushed_changes: report.pushed_changes,
            pulled_changes: report.pulled_changes,
            updated_sessions: report.updated_sessions.iter().map(ToString::to_string).collect(),
            refusals: report
                .refusals
                .into_iter()
                .map(|r| Refusal { session_id: r.doc, code: r.code, field: r.field, reason: r.message })
                .collect(),
            unsettled: report.unsettled.into_iter().map(Into::into).collect(),
            sent_back: report.sent_back.into_iter().map(Into::into).collect(),
            decided: report.decided.into_iter().map(Into::into).collect(),
            registry: report
                .registry
                .into_iter()
                .map(|n| RegistryNews {
                    provider: n.provider.to_string(),
                    provider_name: n.provider_name,
                    no_longer_count: n.no_longer_count,
                    now_count: n.now_count,
                    why: n.why,
                })
                .collect(),
            retries: report.retries,
            connection_news: report.connection_news.into_iter().map(Into::into).collect(),
        }
    }
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
    /// When the last sync finished.
    pub last_sync: Option<Timestamp>,
}

impl From<core::LogbookStatus> for LogbookStatus {
    fn from(s: core::LogbookStatus) -> LogbookStatus {
        LogbookStatus {
            account: s.account.map(Account::from),
            sessions: s.sessions,
            pending_changes: s.pending_changes,
            refused_changes: s.refused_changes,
            last_sync: s.last_sync_ms.map(Timestamp),
        }
    }
}

/// A confirmation or a dispute.
#[uniffi::remote(Enum)]
pub enum StatementKind {
    /// The provider confirmed the attendance.
    Confirm,
    /// The provider disputed it.
    Dispute,
}

/// One statement a provider made about an attendee, from the session's history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Statement {
    /// The attendee's user id.
    pub attendee: String,
    /// Their name, where known.
    pub attendee_name: Option<String>,
    /// The provider's name, where known.
    pub provider_name: Option<String>,
    /// Confirm or dispute.
    pub kind: StatementKind,
    /// The minutes confirmed.
    pub minutes: Option<i32>,
    /// A dispute's reason.
    pub reason: String,
    /// When it was signed.
    pub signed_at: Timestamp,
    /// Whether a key of the provider's that this device trusts signed it.
    pub trusted: bool,
}

impl From<core::StatementView> for Statement {
    fn from(s: core::StatementView) -> Statement {
        Statement {
            attendee: s.attendee.to_string(),
            attendee_name: s.attendee_name,
            provider_name: s.provider_name,
            kind: s.kind,
            minutes: s.minutes.map(from_minutes),
            reason: s.reason,
            signed_at: Timestamp(s.signed_at_ms),
            trusted: s.trusted,
        }
    }
}
