//! The rows the store reads and writes.

use rsc_model::{AttendanceStatus, AuditAction, ClaimStatus, ConnectionRole, ConnectionSource, Purpose, Role};
use rsc_model::{Credential, Date, SessionFormat, SessionKind, StatementKind, TrainingTopic};

use super::StoreError;
use super::keys::KeyText;
use super::{ClaimId, DeviceId, DocId, UserId};

/// A struct read from a row, each field from the column of its name: the struct as written,
/// and `sqlx::FromRow` for either backend's rows. sqlx's derive would write the same, but using
/// it compiles sqlx's macro crate, and with it both database drivers and the bundled SQLite a
/// second time, for the build machine, in every cold build.
macro_rules! from_columns {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $ty:ty $(as $via:ty)?,)*
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty,)*
        }

        from_columns!(@row $name, sqlx::postgres::PgRow, $($field: $ty $(as $via)?,)*);
        from_columns!(@row $name, sqlx::sqlite::SqliteRow, $($field: $ty $(as $via)?,)*);
    };
    // A field written `name: Type as Column` is read as `Column` (such as a packed id,
    // `KeyText`), then made a `Type`.
    (@row $name:ident, $row:ty, $($field:ident: $ty:ty $(as $via:ty)?,)*) => {
        impl<'r> sqlx::FromRow<'r, $row> for $name {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok($name { $($field: row.try_get::<from_columns!(@column $ty $(as $via)?), _>(stringify!($field))?.into(),)* })
            }
        }
    };
    (@column $ty:ty) => { $ty };
    (@column $ty:ty as $via:ty) => { $via };
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Its id (a UUID).
    pub id: UserId,
    /// Lower-cased sign-in email.
    pub email: String,
    /// The name other participants see.
    pub display_name: String,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// When it was created.
    pub created_at_ms: i64,
}

from_columns! {
    /// A registered device.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceRecord {
        /// Its id (a UUID).
        pub id: DeviceId as String,
        /// Its account.
        pub user_id: UserId as KeyText,
        /// Its name.
        pub name: String,
        /// Its ed25519 public key.
        pub public_key: Vec<u8>,
        /// Its Automerge actor id.
        pub actor_id: Vec<u8>,
        /// When it signed in.
        pub created_at_ms: i64,
        /// When it was revoked.
        pub revoked_at_ms: Option<i64>,
    }
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDoc {
    /// Its encoded changes one after another, in the order they were stored: Automerge loads
    /// them as the document.
    pub bytes: Vec<u8>,
    /// Incremented by every write; writes compare and set it.
    pub version: i64,
    /// What its changes expand to, decompressed, in bytes.
    pub expanded_bytes: i64,
    /// What it is.
    pub kind: DocKind,
}

/// What a document is: a session, shared by its provider and attendees, or a training of one
/// person's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// An RS/C session.
    Session,
    /// A training its owner attended.
    Training,
}

impl DocKind {
    /// Its name in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Session => "session",
            DocKind::Training => "training",
        }
    }

    /// The kind stored as `text`.
    pub fn parse(text: &str, doc: &str) -> Result<DocKind, StoreError> {
        match text {
            "session" => Ok(DocKind::Session),
            "training" => Ok(DocKind::Training),
            other => Err(StoreError::unreadable("documents", doc, format!("kind `{other}` is unknown here"))),
        }
    }
}

/// A training's projection: what its document says, for reading without loading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRow {
    /// The training (its document's id).
    pub id: String,
    /// Whose it is.
    pub owner_id: String,
    /// Its title.
    pub title: String,
    /// Who gave it.
    pub organiser: String,
    /// When.
    pub date: Date,
    /// How long, in minutes.
    pub minutes: i32,
    /// Its primary topic.
    pub topic: TrainingTopic,
    /// The SHA-256 of its certificate (hex), if one is kept.
    pub certificate: Option<String>,
    /// Removed by its owner.
    pub withdrawn: bool,
}

/// One training document update, written as a whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingCommit {
    /// The document.
    pub doc_id: String,
    /// The version read before merging; `None` for a new document.
    pub expected_version: Option<i64>,
    /// Changes the server did not have.
    pub new_changes: Vec<NewChange>,
    /// The device that pushed.
    pub device_id: String,
    /// What the merged document's changes expand to, in bytes.
    pub expanded_bytes: i64,
    /// The training's projection (its owner is the document's one participant).
    pub training: TrainingRow,
}

/// A certificate file someone keeps (the file itself is read with
/// [`TrainingStore::certificate_file`](crate::TrainingStore::certificate_file)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// Its SHA-256, in lowercase hex.
    pub digest: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, as its content says.
    pub media_type: String,
    /// Its size.
    pub size_bytes: i64,
    /// The name it was uploaded with (shown, never trusted for its type).
    pub file_name: String,
    /// When she uploaded it.
    pub created_at_ms: i64,
}

/// What storing a certificate did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateStored {
    /// Stored (or she had it already).
    Kept,
    /// Refused: it would take her past her quota, of which this many bytes are used.
    OverQuota {
        /// Bytes her certificates take now.
        used: i64,
    },
}

/// A change new to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChange {
    /// Its author.
    pub actor_id: Vec<u8>,
    /// Its encoded bytes.
    pub bytes: Vec<u8>,
}

/// A session's projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The session (= document) id.
    pub id: DocId,
    /// The provider's user id.
    pub provider_id: UserId,
    /// Who logged it.
    pub created_by: UserId,
    /// The day it took place.
    pub date: Date,
    /// `HH:MM`.
    pub start_time: String,
    /// IANA zone.
    pub time_zone: String,
    /// Length.
    pub minutes: i32,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// Withdrawn sessions count nothing.
    pub withdrawn: bool,
    /// Rules broken by a merge of concurrent edits, one per line (usually empty).
    pub problems: String,
}

/// One attendee's projected attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    /// The session.
    pub session_id: DocId,
    /// The attendee's user id.
    pub attendee_id: UserId,
    /// Minutes as logged.
    pub minutes_attended: i32,
    /// Whether it was about the attendee's own RS/C practice.
    pub about_own_rsc_practice: bool,
    /// Where it stands.
    pub status: AttendanceStatus,
    /// The confirmed minutes when confirmed.
    pub confirmed_minutes: Option<i32>,
    /// The ledger entry the status rests on.
    pub attestation_id: Option<Vec<u8>>,
}

/// A ledger entry: one provider statement as first seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationRecord {
    /// SHA-256 of the stored statement (key and signature included).
    pub id: Vec<u8>,
    /// SHA-256 of the canonical message.
    pub digest: Vec<u8>,
    /// The session it names.
    pub session_id: DocId,
    /// The attendee it names.
    pub attendee_id: UserId,
    /// The provider it names.
    pub provider_id: UserId,
    /// Confirm or dispute.
    pub kind: StatementKind,
    /// When the provider signed it.
    pub signed_at_ms: i64,
    /// The signing key.
    pub public_key: Vec<u8>,
    /// The stored statement.
    pub statement: Vec<u8>,
    /// Whether it counts: a valid signature by a registered device of the provider it names.
    pub valid: bool,
    /// Why not, when it does not.
    pub invalid_reason: Option<String>,
    /// When the server first saw it.
    pub first_seen_at_ms: i64,
    /// The device whose push carried it.
    pub device_id: String,
}

/// A change on its way to a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledChange {
    /// The document.
    pub doc_id: String,
    /// What the document is.
    pub kind: DocKind,
    /// When it became visible to the user.
    pub visible: i64,
    /// Its sequence number.
    pub seq: i64,
    /// Its encoded bytes.
    pub bytes: Vec<u8>,
}

/// A page of changes on its way to a device, and the top of the sequence read in the same
/// snapshot: every change numbered up to `top` was committed when the page was read, so a page
/// that ends short of its limit has seen all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PulledPage {
    /// The highest sequence number committed.
    pub top: i64,
    /// The changes, in cursor order.
    pub changes: Vec<PulledChange>,
}

/// What a user's account news is made from, read in one snapshot (see [`Store::directory_marks`]).
///
/// [`Store::directory_marks`]: crate::Store::directory_marks
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryMarks {
    /// Raised by every write to what directories and profiles are made of.
    pub epoch: i64,
    /// Every provider whose sessions the user ever attended, by id.
    pub attended: Vec<String>,
    /// How many people the user knows from sessions (see [`Store::acquaintances_of`]): it
    /// grows when a session first brings her together with someone.
    ///
    /// [`Store::acquaintances_of`]: crate::Store::acquaintances_of
    pub acquainted: i64,
}

/// One document update, written as a whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocCommit {
    /// The document.
    pub doc_id: String,
    /// The version read before merging; `None` for a new document.
    pub expected_version: Option<i64>,
    /// Changes the server did not have: with those stored before, they are the document.
    /// Each comes once.
    pub new_changes: Vec<NewChange>,
    /// The device that pushed.
    pub device_id: String,
    /// Everyone who ever took part, as read before merging (empty for a new document). The
    /// participants table only grows: a person who was ever the provider or an attendee keeps
    /// receiving the session and may keep stating about it.
    pub previous_participants: Vec<String>,
    /// Everyone who ever took part, after the update (a superset of the previous ones).
    pub participants: Vec<String>,
    /// What the merged document's changes expand to, in bytes.
    pub expanded_bytes: i64,
    /// The session's projection.
    pub session: SessionRow,
    /// Its attendance.
    pub attendance: Vec<AttendanceRow>,
    /// Statements not yet in the ledger.
    pub attestations: Vec<AttestationRecord>,
}

/// One version of an endorsement record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRecord {
    /// The endorsement number.
    pub number: String,
    /// Who the association says holds it.
    pub holder_name: String,
    /// The holder's email on the association's file.
    pub holder_email: String,
    /// The credential it is.
    pub credential: Credential,
    /// The association that keeps it.
    pub association: String,
    /// When it was earned.
    pub earned_on: Date,
    /// The end of its validity, if it has one.
    pub valid_through: Option<Date>,
    /// When it was revoked, if it was.
    pub revoked_on: Option<Date>,
    /// This version's number, from 1.
    pub version: i64,
    /// When this version was written (milliseconds since the Unix epoch).
    pub changed_at_ms: i64,
    /// Who wrote it: an account id, or a name for the command line.
    pub changed_by: String,
    /// Where it came from (an import's name, "lapse via API").
    pub source: String,
}

/// Whether two versions say the same about the endorsement (ignoring who, when, whence).
pub fn same_content(a: &RegistryRecord, b: &RegistryRecord) -> bool {
    (&a.holder_name, &a.holder_email, &a.credential, &a.association, &a.earned_on, &a.valid_through, &a.revoked_on)
        == (
            &b.holder_name,
            &b.holder_email,
            &b.credential,
            &b.association,
            &b.earned_on,
            &b.valid_through,
            &b.revoked_on,
        )
}

/// A provider's claim that a registry record is theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    /// The claim's id.
    pub id: ClaimId,
    /// The endorsement number claimed.
    pub number: String,
    /// The claimant's account.
    pub user_id: UserId,
    /// Where it stands.
    pub status: ClaimStatus,
    /// When it was filed (milliseconds since the Unix epoch).
    pub created_at_ms: i64,
    /// When staff decided it.
    pub decided_at_ms: Option<i64>,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// The staff's note to the claimant.
    pub note: String,
}

/// What an applicant tells about themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileRecord {
    /// The account.
    pub user_id: UserId,
    /// When their master's degree was conferred, when known.
    pub masters_conferred_on: Option<Date>,
    /// The chosen association's rulebook id.
    pub rulebook: Option<String>,
    /// Application or renewal.
    pub purpose: Option<Purpose>,
    /// Whether her connected providers may see her progress.
    pub share_progress: bool,
    /// Whether she provides RS/C to others.
    pub provides_rsc: bool,
}

from_columns! {
    /// A server signing key.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ServerKeyRecord {
        /// The key's id.
        pub id: String,
        /// The secret half (never leaves the server).
        pub secret: Vec<u8>,
        /// The public half.
        pub public_key: Vec<u8>,
        /// When it was made.
        pub created_at_ms: i64,
        /// When it stopped signing.
        pub retired_at_ms: Option<i64>,
    }
}

/// A session's projection with one attendee's attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAttendance {
    /// The session.
    pub session: SessionRow,
    /// The attendance.
    pub attendance: AttendanceRow,
    /// The attendee's display name (empty if the account is gone).
    pub attendee_name: String,
}

from_columns! {
    /// A connection code a provider made.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ConnectionCodeRecord {
        /// The canonical code (eight characters, no dash).
        pub code: String,
        /// Who made it, and whom it connects to.
        pub provider_id: UserId as KeyText,
        /// When it was made.
        pub created_at_ms: i64,
        /// When it stops working.
        pub expires_at_ms: i64,
        /// When the provider withdrew it.
        pub revoked_at_ms: Option<i64>,
        /// People who connected with it.
        pub used: i64,
    }
}

impl ConnectionCodeRecord {
    /// Whether it connects anyone at `now_ms`.
    pub fn works_at(&self, now_ms: i64) -> bool {
        self.revoked_at_ms.is_none() && now_ms < self.expires_at_ms
    }
}

from_columns! {
    /// A signed export kept on the server.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ExportRecord {
        /// Its id, as printed on the PDF and in the verification link.
        pub id: String,
        /// The applicant.
        pub user_id: UserId as KeyText,
        /// SHA-256 of `body`.
        pub digest: Vec<u8>,
        /// The signed JSON export file.
        pub body: String,
        /// When it was made.
        pub created_at_ms: i64,
        /// When the applicant withdrew it.
        pub withdrawn_at_ms: Option<i64>,
    }
}

/// A connection between a provider and a supervisee, with both names: current, or ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    /// The provider.
    pub provider_id: UserId,
    /// The provider's display name.
    pub provider_name: String,
    /// The person connected to them.
    pub member_id: UserId,
    /// That person's display name.
    pub member_name: String,
    /// Since when.
    pub created_at_ms: i64,
    /// How it was made; `None` for a connection made before this was recorded.
    pub source: Option<ConnectionSource>,
    /// When it ended.
    pub ended_at_ms: Option<i64>,
    /// Which side ended it (`Provider`: the provider did).
    pub ended_by: Option<ConnectionRole>,
}

impl ConnectionRecord {
    /// Whether sessions between the two can be logged.
    pub fn is_active(&self) -> bool {
        self.ended_at_ms.is_none()
    }
}

from_columns! {
    /// A `connections` row as stored, with both names; [`ConnectionRecord`] once understood.
    pub(crate) struct ConnectionRow {
        provider_id: String as KeyText,
        provider_name: String,
        member_id: String as KeyText,
        member_name: String,
        created_at_ms: i64,
        source: Option<String>,
        ended_at_ms: Option<i64>,
        ended_by: Option<String>,
    }
}

fn role_named(text: &str) -> Option<ConnectionRole> {
    match text {
        "provider" => Some(ConnectionRole::Provider),
        "supervisee" => Some(ConnectionRole::Supervisee),
        _ => None,
    }
}

/// A side's name in storage.
pub(crate) fn role_name(role: ConnectionRole) -> &'static str {
    match role {
        ConnectionRole::Provider => "provider",
        ConnectionRole::Supervisee => "supervisee",
    }
}

impl TryFrom<ConnectionRow> for ConnectionRecord {
    type Error = StoreError;

    fn try_from(row: ConnectionRow) -> Result<ConnectionRecord, StoreError> {
        let key = || format!("{}/{}", row.provider_id, row.member_id);
        let source = match &row.source {
            None => None,
            Some(text) => Some(
                ConnectionSource::parse(text)
                    .ok_or_else(|| StoreError::unreadable("connections", &key(), format!("source `{text}`")))?,
            ),
        };
        let ended_by = match &row.ended_by {
            None => None,
            Some(text) => Some(
                role_named(text)
                    .ok_or_else(|| StoreError::unreadable("connections", &key(), format!("ended_by `{text}`")))?,
            ),
        };
        Ok(ConnectionRecord {
            provider_id: row.provider_id.into(),
            provider_name: row.provider_name,
            member_id: row.member_id.into(),
            member_name: row.member_name,
            created_at_ms: row.created_at_ms,
            source,
            ended_at_ms: row.ended_at_ms,
            ended_by,
        })
    }
}

/// Where a request to connect stands (an accepted one becomes a connection and goes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    /// Waits for the provider.
    Pending,
    /// The provider declined it.
    Declined,
}

impl RequestStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Declined => "declined",
        }
    }
}

/// A request to connect, sent by endorsement number, with both names and the asker's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRequestRecord {
    /// The provider asked.
    pub provider_id: UserId,
    /// Her display name.
    pub provider_name: String,
    /// Who asks.
    pub member_id: UserId,
    /// Their display name.
    pub member_name: String,
    /// Their email, which the provider sees to know who asks.
    pub member_email: String,
    /// The endorsement number asked by.
    pub number: String,
    /// When it was sent (or sent again).
    pub created_at_ms: i64,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was declined.
    pub decided_at_ms: Option<i64>,
}

from_columns! {
    /// A `connection_requests` row with both names; [`ConnectionRequestRecord`] once understood.
    pub(crate) struct ConnectionRequestRow {
        provider_id: String as KeyText,
        provider_name: String,
        member_id: String as KeyText,
        member_name: String,
        member_email: String,
        number: String,
        created_at_ms: i64,
        status: String,
        decided_at_ms: Option<i64>,
    }
}

impl TryFrom<ConnectionRequestRow> for ConnectionRequestRecord {
    type Error = StoreError;

    fn try_from(row: ConnectionRequestRow) -> Result<ConnectionRequestRecord, StoreError> {
        let status = match row.status.as_str() {
            "pending" => RequestStatus::Pending,
            "declined" => RequestStatus::Declined,
            other => {
                return Err(StoreError::unreadable(
                    "connection_requests",
                    &format!("{}/{}", row.provider_id, row.member_id),
                    format!("status `{other}`"),
                ));
            }
        };
        Ok(ConnectionRequestRecord {
            provider_id: row.provider_id.into(),
            provider_name: row.provider_name,
            member_id: row.member_id.into(),
            member_name: row.member_name,
            member_email: row.member_email,
            number: row.number,
            created_at_ms: row.created_at_ms,
            status,
            decided_at_ms: row.decided_at_ms,
        })
    }
}

from_columns! {
    /// A provider's named group.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GroupRecord {
        /// Its id.
        pub id: String,
        /// The provider who keeps it.
        pub provider_id: UserId as KeyText,
        /// Her display name.
        pub provider_name: String,
        /// Its name.
        pub name: String,
        /// When it was made.
        pub created_at_ms: i64,
        /// When it was archived.
        pub archived_at_ms: Option<i64>,
    }
}

from_columns! {
    /// A member of a group, by name.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GroupMemberRecord {
        /// The group.
        pub group_id: String,
        /// The member.
        pub member_id: UserId as KeyText,
        /// Their display name.
        pub member_name: String,
        /// When they were added.
        pub added_at_ms: i64,
    }
}

from_columns! {
    /// Someone a user may see because of sessions: a co-attendee of one of her sessions (with
    /// that session's provider), or, for a provider, an attendee of one of her sessions (the
    /// provider is then the user herself).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Acquaintance {
        /// The other person.
        pub other_id: String as KeyText,
        /// Their display name.
        pub other_name: String,
        /// The provider of the session they shared.
        pub provider_id: String as KeyText,
    }
}

/// What an import or edit of the registry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpsertCounts {
    /// New records.
    pub inserted: u64,
    /// Records whose content changed.
    pub updated: u64,
    /// Records that were already so.
    pub unchanged: u64,
}

from_columns! {
    /// A `users` row as stored, read by column name; [`UserRecord`] once every column is understood.
    pub(crate) struct UserRow {
        id: String as KeyText,
        email: String,
        display_name: String,
        password_hash: String,
        role: String,
        created_at_ms: i64,
    }
}

from_columns! {
    /// A device with its account, read in one statement: what every signed-in request needs.
    pub(crate) struct SignedInRow {
        id: String,
        user_id: String as KeyText,
        name: String,
        public_key: Vec<u8>,
        actor_id: Vec<u8>,
        created_at_ms: i64,
        revoked_at_ms: Option<i64>,
        email: String,
        display_name: String,
        password_hash: String,
        role: String,
        user_created_at_ms: i64,
    }
}

impl TryFrom<SignedInRow> for (DeviceRecord, UserRecord) {
    type Error = StoreError;

    fn try_from(row: SignedInRow) -> Result<(DeviceRecord, UserRecord), StoreError> {
        let user = UserRecord::try_from(UserRow {
            id: row.user_id.clone(),
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            role: row.role,
            created_at_ms: row.user_created_at_ms,
        })?;
        let device = DeviceRecord {
            id: row.id.into(),
            user_id: row.user_id.into(),
            name: row.name,
            public_key: row.public_key,
            actor_id: row.actor_id,
            created_at_ms: row.created_at_ms,
            revoked_at_ms: row.revoked_at_ms,
        };
        Ok((device, user))
    }
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<UserRecord, StoreError> {
        Ok(UserRecord {
            role: Role::parse(&row.role)
                .ok_or_else(|| StoreError::unreadable("users", &row.id, format!("`{}` is not a role", row.role)))?,
            id: row.id.into(),
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            created_at_ms: row.created_at_ms,
        })
    }
}

from_columns! {
    /// A `registry_claims` row as stored; [`ClaimRecord`] once every column is understood.
    pub(crate) struct ClaimRow {
        id: String,
        number: String,
        user_id: String as KeyText,
        status: String,
        created_at_ms: i64,
        decided_at_ms: Option<i64>,
        decided_by: Option<String>,
        note: String,
    }
}

impl TryFrom<ClaimRow> for ClaimRecord {
    type Error = StoreError;

    fn try_from(row: ClaimRow) -> Result<ClaimRecord, StoreError> {
        Ok(ClaimRecord {
            status: ClaimStatus::parse(&row.status).ok_or_else(|| {
                StoreError::unreadable("registry_claims", &row.id, format!("`{}` is not a claim status", row.status))
            })?,
            id: row.id.into(),
            number: row.number,
            user_id: row.user_id.into(),
            created_at_ms: row.created_at_ms,
            decided_at_ms: row.decided_at_ms,
            decided_by: row.decided_by,
            note: row.note,
        })
    }
}

from_columns! {
    /// A registry row as stored (in `registry_records` or `registry_history`); [`RegistryRecord`]
    /// once the credential and every date are understood. A record that reads wrongly must fail
    /// loudly: as "no credential" it would silently take a provider's hours away.
    pub(crate) struct RegistryRow {
        number: String,
        holder_name: String,
        holder_email: String,
        credential: String,
        association: String,
        earned_on: String,
        valid_through: Option<String>,
        revoked_on: Option<String>,
        version: i64,
        changed_at_ms: i64,
        changed_by: String,
        source: String,
    }
}

impl TryFrom<RegistryRow> for RegistryRecord {
    type Error = StoreError;

    fn try_from(row: RegistryRow) -> Result<RegistryRecord, StoreError> {
        let unreadable = |e: rsc_model::ModelError| StoreError::unreadable("registry_records", &row.number, e);
        let date = |text: &str, field: &str| Date::parse_field(text, field).map_err(unreadable);
        Ok(RegistryRecord {
            credential: row.credential.parse().map_err(unreadable)?,
            earned_on: date(&row.earned_on, "earned_on")?,
            valid_through: row.valid_through.as_deref().map(|d| date(d, "valid_through")).transpose()?,
            revoked_on: row.revoked_on.as_deref().map(|d| date(d, "revoked_on")).transpose()?,
            number: row.number,
            holder_name: row.holder_name,
            holder_email: row.holder_email,
            association: row.association,
            version: row.version,
            changed_at_ms: row.changed_at_ms,
            changed_by: row.changed_by,
            source: row.source,
        })
    }
}

from_columns! {
    /// A `sessions` row as stored; [`SessionRow`] once its date, kind and format are understood.
    pub(crate) struct SessionRowRaw {
        id: String as KeyText,
        provider_id: String as KeyText,
        created_by: String as KeyText,
        date: String,
        start_time: String,
        time_zone: String,
        minutes: i32,
        kind: String,
        format: String,
        withdrawn: bool,
        problems: String,
    }
}

impl TryFrom<SessionRowRaw> for SessionRow {
    type Error = StoreError;

    fn try_from(row: SessionRowRaw) -> Result<SessionRow, StoreError> {
        let unreadable = |e: rsc_model::ModelError| StoreError::unreadable("sessions", &row.id, e);
        Ok(SessionRow {
            date: Date::parse_field(&row.date, "date").map_err(unreadable)?,
            kind: row.kind.parse().map_err(unreadable)?,
            format: row.format.parse().map_err(unreadable)?,
            id: row.id.into(),
            provider_id: row.provider_id.into(),
            created_by: row.created_by.into(),
            start_time: row.start_time,
            time_zone: row.time_zone,
            minutes: row.minutes,
            withdrawn: row.withdrawn,
            problems: row.problems,
        })
    }
}

from_columns! {
    /// An `attendance` row as stored; [`AttendanceRow`] once its status is understood.
    pub(crate) struct AttendanceRowRaw {
        session_id: String as KeyText,
        attendee_id: String as KeyText,
        minutes_attended: i32,
        about_own_rsc_practice: bool,
        status: String,
        confirmed_minutes: Option<i32>,
        attestation_id: Option<Vec<u8>>,
    }
}

impl TryFrom<AttendanceRowRaw> for AttendanceRow {
    type Error = StoreError;

    fn try_from(row: AttendanceRowRaw) -> Result<AttendanceRow, StoreError> {
        let status = AttendanceStatus::parse(&row.status).ok_or_else(|| {
            StoreError::unreadable(
                "attendance",
                &format!("{}/{}", row.session_id, row.attendee_id),
                format!("`{}` is not an attendance status", row.status),
            )
        })?;
        Ok(AttendanceRow {
            session_id: row.session_id.into(),
            attendee_id: row.attendee_id.into(),
            minutes_attended: row.minutes_attended,
            about_own_rsc_practice: row.about_own_rsc_practice,
            status,
            confirmed_minutes: row.confirmed_minutes,
            attestation_id: row.attestation_id,
        })
    }
}

/// A session row, one of its attendance rows and the attendee's name, side by side as a join
/// returns them (read by column name).
pub(crate) struct SessionAttendanceRaw {
    session: SessionRowRaw,
    attendance: AttendanceRowRaw,
    attendee_name: Option<String>,
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for SessionAttendanceRaw
where
    SessionRowRaw: sqlx::FromRow<'r, R>,
    AttendanceRowRaw: sqlx::FromRow<'r, R>,
    &'r str: sqlx::ColumnIndex<R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(SessionAttendanceRaw {
            session: SessionRowRaw::from_row(row)?,
            attendance: AttendanceRowRaw::from_row(row)?,
            attendee_name: row.try_get("attendee_name")?,
        })
    }
}

impl TryFrom<SessionAttendanceRaw> for SessionAttendance {
    type Error = StoreError;

    fn try_from(row: SessionAttendanceRaw) -> Result<SessionAttendance, StoreError> {
        Ok(SessionAttendance {
            session: row.session.try_into()?,
            attendance: row.attendance.try_into()?,
            attendee_name: row.attendee_name.unwrap_or_default(),
        })
    }
}

from_columns! {
    /// A `profiles` row as stored; [`ProfileRecord`] once its date and purpose are understood.
    pub(crate) struct ProfileRow {
        user_id: String as KeyText,
        masters_conferred_on: Option<String>,
        rulebook: Option<String>,
        purpose: Option<String>,
        share_progress: bool,
        provides_rsc: bool,
    }
}

impl TryFrom<ProfileRow> for ProfileRecord {
    type Error = StoreError;

    fn try_from(row: ProfileRow) -> Result<ProfileRecord, StoreError> {
        let unreadable = |e: &dyn std::fmt::Display| StoreError::unreadable("profiles", &row.user_id, e);
        Ok(ProfileRecord {
            masters_conferred_on: row
                .masters_conferred_on
                .as_deref()
                .map(|d| Date::parse_field(d, "masters_conferred_on"))
                .transpose()
                .map_err(|e| unreadable(&e))?,
            purpose: row.purpose.as_deref().map(str::parse::<Purpose>).transpose().map_err(|e| unreadable(&e))?,
            rulebook: row.rulebook,
            share_progress: row.share_progress,
            provides_rsc: row.provides_rsc,
            user_id: row.user_id.into(),
        })
    }
}

from_columns! {
    /// An `attestations` row as stored; [`AttestationRecord`] once its kind is understood.
    pub(crate) struct AttestationRow {
        id: Vec<u8>,
        digest: Vec<u8>,
        session_id: String as KeyText,
        attendee_id: String as KeyText,
        provider_id: String as KeyText,
        kind: String,
        signed_at_ms: i64,
        public_key: Vec<u8>,
        statement: Vec<u8>,
        valid: bool,
        invalid_reason: Option<String>,
        first_seen_at_ms: i64,
        device_id: String,
    }
}

impl TryFrom<AttestationRow> for AttestationRecord {
    type Error = StoreError;

    fn try_from(row: AttestationRow) -> Result<AttestationRecord, StoreError> {
        Ok(AttestationRecord {
            kind: row
                .kind
                .parse()
                .map_err(|e: rsc_model::ModelError| StoreError::unreadable("attestations", &hex::encode(&row.id), e))?,
            id: row.id,
            digest: row.digest,
            session_id: row.session_id.into(),
            attendee_id: row.attendee_id.into(),
            provider_id: row.provider_id.into(),
            signed_at_ms: row.signed_at_ms,
            public_key: row.public_key,
            statement: row.statement,
            valid: row.valid,
            invalid_reason: row.invalid_reason,
            first_seen_at_ms: row.first_seen_at_ms,
            device_id: row.device_id,
        })
    }
}

/// An association: it keeps its own registry, and its staff keep only that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationRecord {
    /// Its id, as the registry's `association` column names it (`NMAIMH`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The ids of the rulebooks its applicants are evaluated under.
    pub rulebooks: Vec<String>,
    /// When it was created (0 for those a migration found in the registry).
    pub created_at_ms: i64,
}

/// Who did something the audit trail keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in account.
    Account(UserId),
    /// The server's command line, run by this operating-system user.
    CommandLine(String),
}

/// One line of the audit trail: who did what, when, to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the trail (0 for one not written yet).
    pub seq: i64,
    /// When (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// Who.
    pub actor: Actor,
    /// Whose registry it concerned; `None` for an action of no one association.
    pub association: Option<String>,
    /// What.
    pub action: AuditAction,
    /// To what: an endorsement number, an association's id, an email.
    pub subject: String,
    /// The person it concerned, if one.
    pub subject_user_id: Option<UserId>,
    /// What changed, in words.
    pub detail: String,
}

from_columns! {
    /// An `associations` row as stored.
    pub(crate) struct AssociationRow {
        id: String,
        name: String,
        rulebooks: String,
        created_at_ms: i64,
    }
}

impl From<AssociationRow> for AssociationRecord {
    fn from(row: AssociationRow) -> AssociationRecord {
        AssociationRecord {
            id: row.id,
            name: row.name,
            rulebooks: row.rulebooks.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect(),
            created_at_ms: row.created_at_ms,
        }
    }
}

from_columns! {
    /// An `audit_trail` row as stored; [`AuditEntry`] once its action is understood.
    pub(crate) struct AuditRow {
        seq: i64,
        at_ms: i64,
        actor_id: Option<KeyText>,
        actor_os_user: String,
        pub(crate) association_id: Option<String>,
        action: String,
        subject: String,
        subject_user_id: Option<KeyText>,
        detail: String,
    }
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;

    fn try_from(row: AuditRow) -> Result<AuditEntry, StoreError> {
        let action = AuditAction::parse(&row.action).ok_or_else(|| {
            StoreError::unreadable("audit_trail", &row.seq.to_string(), format!("`{}` is not an action", row.action))
        })?;
        Ok(AuditEntry {
            seq: row.seq,
            at_ms: row.at_ms,
            actor: match row.actor_id {
                Some(id) => Actor::Account(id.0.into()),
                None => Actor::CommandLine(row.actor_os_user),
            },
            association: row.association_id,
            action,
            subject: row.subject,
            subject_user_id: row.subject_user_id.map(|id| id.0.into()),
            detail: row.detail,
        })
    }
}

from_columns! {
    /// A `trainings` row as stored; [`TrainingRow`] once its date and topic are understood.
    pub(crate) struct TrainingRowRaw {
        id: String as KeyText,
        owner_id: String as KeyText,
        title: String,
        organiser: String,
        date: String,
        minutes: i32,
        topic: String,
        certificate: Option<String>,
        withdrawn: bool,
    }
}

impl TryFrom<TrainingRowRaw> for TrainingRow {
    type Error = StoreError;

    fn try_from(row: TrainingRowRaw) -> Result<TrainingRow, StoreError> {
        let unreadable = |e: rsc_model::ModelError| StoreError::unreadable("trainings", &row.id, e);
        Ok(TrainingRow {
            date: Date::parse_field(&row.date, "date").map_err(unreadable)?,
            topic: row.topic.parse().map_err(unreadable)?,
            id: row.id,
            owner_id: row.owner_id,
            title: row.title,
            organiser: row.organiser,
            minutes: row.minutes,
            certificate: row.certificate,
            withdrawn: row.withdrawn,
        })
    }
}

from_columns! {
    /// A `certificates` row with its file's type and size.
    pub(crate) struct CertificateRaw {
        digest: String,
        media_type: String,
        size_bytes: i64,
        file_name: String,
        created_at_ms: i64,
    }
}

impl From<CertificateRaw> for CertificateRecord {
    fn from(row: CertificateRaw) -> CertificateRecord {
        let CertificateRaw { digest, media_type, size_bytes, file_name, created_at_ms } = row;
        CertificateRecord { digest, media_type, size_bytes, file_name, created_at_ms }
    }
}
