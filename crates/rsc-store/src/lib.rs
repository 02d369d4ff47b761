//! The sync server's storage: one interface ([`Store`]), two backends ([`PgStore`],
//! [`SqliteStore`]).
//!
//! The interface is typed data in, typed data out; every rule (who may push, what a document
//! projects to, which signatures are valid) lives in `rsc-server`, which runs the same way over
//! either backend. Both backends share their SQL (see `sql.rs`) and are checked by one
//! conformance suite. A stored value this version does not understand is an error
//! ([`StoreError::Unreadable`]), never a default.

#[cfg(test)]
mod backend_tests;
#[cfg(any(test, feature = "testing"))]
pub mod conformance;
mod group;
mod ids;
pub mod inputs;
mod keys;
mod migrations;
pub mod notices;
mod readers;
mod records;
mod sql;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use std::future::Future;

use rsc_model::ClaimStatus;

pub use group::Committed;
pub use ids::{ClaimId, DeviceId, DocId, UserId};
pub use inputs::EvaluationInputs;
pub use notices::{Notice, Notices};
pub use records::{
    Acquaintance, Actor, AssociationRecord, AttendanceRow, AttestationRecord, AuditEntry, ClaimRecord,
    ConnectionCodeRecord, ConnectionRecord, ConnectionRequestRecord, DeviceRecord, DirectoryMarks, DocCommit,
    ExportRecord, GroupMemberRecord, GroupRecord, NewChange, ProfileRecord, PulledChange, PulledPage, RegistryRecord,
    RequestStatus, ServerKeyRecord, SessionAttendance, SessionRow, StoredDoc, UpsertCounts, UserRecord,
};
pub use records::{CertificateRecord, CertificateStored, DocKind, TrainingCommit, TrainingRow};
/// Where an attendance stands, in the words every part shares.
pub use rsc_model::AttendanceStatus;
pub use sql::{PgStore, SqliteStore};

/// Every area's trait, for code that calls a concrete store's methods (`use rsc_store::prelude::*`);
/// code generic over `S: Store` reaches them through the bound.
pub mod prelude {
    pub use crate::{
        AccountStore, Backend, ConnectionStore, ExportStore, LedgerStore, RegistryStore, StaffStore, Store, SyncStore,
        TrainingStore,
    };
}

/// A storage failure. Constraint conflicts are told apart because callers answer them
/// differently (409 for a taken email); everything else is the database's problem (500).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; names what was taken.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A registry record names an association the store does not know.
    #[error("`{0}` is not an association on this server")]
    UnknownAssociation(String),
    /// A registry record's number is kept by another association.
    #[error("endorsement number `{0}` is another association's record")]
    OtherAssociation(String),
    /// Migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A command that must not create a database found none where it was pointed.
    #[error("{0}")]
    Missing(String),
    /// A stored row holds a value this version does not understand. Reading fails rather than
    /// guess: a default could demote an account or drop a credential without a word.
    #[error("row `{key}` of {table} cannot be read: {reason}")]
    Unreadable {
        /// The table.
        table: &'static str,
        /// The row's key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl StoreError {
    /// Whether the database refused a write because its disk is full (SQLite's `SQLITE_FULL`,
    /// Postgres's `disk_full`, or the system's `ENOSPC`). Nothing of that transaction was kept,
    /// and the same write succeeds once there is room again.
    pub fn is_storage_full(&self) -> bool {
        const SQLITE_FULL: &str = "13";
        const POSTGRES_DISK_FULL: &str = "53100";
        const ENOSPC: i32 = 28;
        match self {
            StoreError::Database(sqlx::Error::Database(error)) => {
                matches!(error.code().as_deref(), Some(SQLITE_FULL | POSTGRES_DISK_FULL))
            }
            StoreError::Database(sqlx::Error::Io(error)) => {
                error.raw_os_error() == Some(ENOSPC) || error.kind() == std::io::ErrorKind::StorageFull
            }
            _ => false,
        }
    }

    pub(crate) fn unreadable(table: &'static str, key: &str, reason: impl std::fmt::Display) -> StoreError {
        StoreError::Unreadable { table, key: key.to_string(), reason: reason.to_string() }
    }
}

/// Everything the server keeps: the sum of the areas, each its own trait with its own SQL file
/// (`sql/areas/`) and its own conformance module. Implementations must make
/// [`SyncStore::commit_documents`] one transaction whose sequence numbers are assigned in commit
/// order.
pub trait Store:
    Backend
    + AccountStore
    + SyncStore
    + LedgerStore
    + RegistryStore
    + StaffStore
    + ConnectionStore
    + ExportStore
    + TrainingStore
{
}

impl<T> Store for T where
    T: Backend
        + AccountStore
        + SyncStore
        + LedgerStore
        + RegistryStore
        + StaffStore
        + ConnectionStore
        + ExportStore
        + TrainingStore
{
}

/// Which database this is, and whether it answers.
pub trait Backend: Clone + Send + Sync + 'static {
    /// `postgres` or `sqlite`.
    fn backend(&self) -> &'static str;

    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The database's epoch: the same from its creation until it is restored from a backup
    /// ([`Backend::new_epoch`]).
    fn epoch(&self) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Gives the database a new epoch, `value` (after a restore), and returns it.
    fn new_epoch(&self, value: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Accounts, their devices and tokens, sign-in attempts, password resets and profiles.
pub trait AccountStore {
    /// Adds an account; [`StoreError::Conflict`] when the email is taken.
    fn create_user(&self, user: &UserRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The account with this (lower-cased) email.
    fn user_by_email(&self, email: &str) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// The account with this id.
    fn user_by_id(&self, id: &UserId) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// Replaces the account's password hash.
    fn set_password_hash(&self, id: &UserId, hash: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a one-time password reset code's hash for the account, replacing any earlier one.
    fn create_password_reset(
        &self,
        id: &UserId,
        code_hash: &[u8],
        at_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Uses the account's reset code if `code_hash` is it, unused and unexpired at `at_ms`;
    /// `false` otherwise. A code works once.
    fn use_password_reset(
        &self,
        id: &UserId,
        code_hash: &[u8],
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Revokes every device of the account; returns how many were active.
    fn revoke_all_devices(&self, id: &UserId, at_ms: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Renames the account (what other participants see).
    fn set_display_name(&self, id: &UserId, name: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Registers a device with the hash of its token; [`StoreError::Conflict`] when the actor
    /// id or token is already bound.
    fn create_device(
        &self,
        device: &DeviceRecord,
        token_hash: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The unrevoked device holding this token hash, with its account.
    fn device_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> impl Future<Output = Result<Option<(DeviceRecord, UserRecord)>, StoreError>> + Send;

    /// All of a user's devices, oldest first.
    fn devices_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<DeviceRecord>, StoreError>> + Send;

    /// Revokes one of the user's devices; `false` when there is no such unrevoked device.
    fn revoke_device(
        &self,
        user_id: &UserId,
        device_id: &DeviceId,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Public keys of the user's unrevoked devices.
    fn active_keys(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<Vec<u8>>, StoreError>> + Send;

    /// The public keys of the unrevoked devices of each of these users, as `(user, key)`.
    fn active_keys_of(
        &self,
        user_ids: &[UserId],
    ) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>, StoreError>> + Send;

    /// Reserves one sign-in attempt, named `attempt`, against each `(key, limit)` (`account:…`,
    /// `address:…`), unless a key already has `limit` attempts since `since_ms`. Atomic: parallel
    /// reservations for one key are counted one after the other. `false` when refused.
    fn reserve_login_attempt(
        &self,
        limits: &[(String, i64)],
        attempt: &str,
        at_ms: i64,
        since_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Forgets a reserved attempt whose password was right.
    fn release_login_attempt(&self, attempt: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Reserved attempts not released (failed sign-ins) for `key` since `since_ms`.
    fn login_failures_since(&self, key: &str, since_ms: i64) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The account's profile.
    fn profile(&self, user_id: &UserId) -> impl Future<Output = Result<Option<ProfileRecord>, StoreError>> + Send;

    /// Writes the account's profile.
    fn set_profile(&self, profile: &ProfileRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Closes an account in one transaction: its email becomes `erased_email` (no address, so
    /// nobody signs in with it) and its password none; its devices are signed out, its reset
    /// codes, connection codes and pending connection requests go, its connections end (by its
    /// side), it leaves providers' groups, and its trainings and certificates are erased (each
    /// file nobody else keeps with them). Sessions, confirmations, claims and exports stay.
    /// `false` when it was closed already.
    fn close_account(
        &self,
        user_id: &UserId,
        erased_email: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Which of `user_ids` are closed accounts, with when each was closed.
    fn closed_among(&self, user_ids: &[UserId]) -> impl Future<Output = Result<Vec<(UserId, i64)>, StoreError>> + Send;
}

/// Session documents: the batched commit of pushed changes, the pull, the rows a session is projected to, and the notices that tell other processes about commits.
pub trait SyncStore {
    /// A document's saved bytes and version.
    fn document(&self, doc_id: &DocId) -> impl Future<Output = Result<Option<StoredDoc>, StoreError>> + Send;

    /// Writes document updates in one transaction: each document whose version is still
    /// `expected_version` (or that does not exist yet, for `None`), with its new changes,
    /// participants, projection and new ledger entries. A document another write got to first
    /// loses: nothing of it is written, and [`Committed::lost`] names it, so the caller prepares
    /// only that one again. A document given twice loses the second time.
    fn commit_documents(&self, commits: &[DocCommit]) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// Up to `limit` changes visible to `user_id` after the cursor `(visible, seq)`, in cursor
    /// order, leaving out those authored by `exclude_actor`; with the highest sequence number
    /// committed, read in the same statement (numbers are drawn in commit order, so every
    /// change numbered up to it is in the snapshot the page was read from).
    fn pull(
        &self,
        user_id: &UserId,
        exclude_actor: &[u8],
        after: (i64, i64),
        limit: i64,
    ) -> impl Future<Output = Result<PulledPage, StoreError>> + Send;

    /// A session's projection row.
    fn session_row(&self, session_id: &DocId) -> impl Future<Output = Result<Option<SessionRow>, StoreError>> + Send;

    /// A session's attendance rows, by attendee.
    fn attendance_rows(
        &self,
        session_id: &DocId,
    ) -> impl Future<Output = Result<Vec<AttendanceRow>, StoreError>> + Send;

    /// The stored documents among `doc_ids`, by id, read in a few statements however many
    /// there are (a push of hundreds of sessions reads them together, not one by one).
    fn documents(&self, doc_ids: &[DocId])
    -> impl Future<Output = Result<Vec<(String, StoredDoc)>, StoreError>> + Send;

    /// Who takes part in each of `doc_ids`, as `(document, user)` pairs.
    fn participants_of(
        &self,
        doc_ids: &[DocId],
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;

    /// The users who take part in a document.
    fn participants(&self, doc_id: &DocId) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// A listener for change notices: from now on, after each commit of documents, who takes
    /// part in them (see [`notices`]). With Postgres it hears commits made by every process
    /// on the database.
    fn notices(&self) -> impl Future<Output = Result<Notices, StoreError>> + Send;

    /// Tells every device of `users` to sync (their connections or groups changed), as a commit
    /// tells the participants of its documents.
    fn tell(&self, users: &[String]) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The attestation ledger and what is read from it with the attendance rows: a person's attendance, the providers she attended, what awaits a provider, and an applicant's evaluation inputs.
pub trait LedgerStore {
    /// Every ledger entry about a session.
    fn attestations(
        &self,
        session_id: &DocId,
    ) -> impl Future<Output = Result<Vec<AttestationRecord>, StoreError>> + Send;

    /// Every session the user attends, with their attendance.
    fn attendance_of(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<SessionAttendance>, StoreError>> + Send;

    /// In one statement: a number raised by every write to what directories and profiles are
    /// made of (names, device keys, registry records and claims, profiles, connections), in the
    /// writing transaction; and the providers `user_id` attended (not in that number).
    fn directory_marks(&self, user_id: &UserId) -> impl Future<Output = Result<DirectoryMarks, StoreError>> + Send;

    /// Every provider whose sessions the user ever attended, read from a list kept as sessions
    /// are written (not from the attendance rows), so it costs the same at any history size.
    fn providers_attended(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Every session the user takes part in (as its provider, who logged it, or an attendee),
    /// by date.
    fn sessions_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<SessionRow>, StoreError>> + Send;

    /// Attendances waiting for this provider: pending or changed since confirmed, not withdrawn.
    fn awaiting_provider(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<SessionAttendance>, StoreError>> + Send;

    /// Attendances this provider confirmed in her sessions that are not withdrawn: the RS/C
    /// she gave, as her own statements say.
    fn confirmed_by_provider(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<SessionAttendance>, StoreError>> + Send;

    /// What `user_id`'s hours are computed from: her attendance and the valid ledger entries
    /// about her, kept between requests until one of her sessions is written (see [`inputs`]).
    fn evaluation_inputs(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<std::sync::Arc<EvaluationInputs>, StoreError>> + Send;

    /// Every ledger entry about each of these sessions, by session and then as
    /// [`LedgerStore::attestations`] orders them: one statement for a whole push, not one per
    /// document.
    fn attestations_of(
        &self,
        session_ids: &[DocId],
    ) -> impl Future<Output = Result<Vec<AttestationRecord>, StoreError>> + Send;

    /// Every valid ledger entry about this attendee.
    fn valid_attestations_for(
        &self,
        attendee_id: &UserId,
    ) -> impl Future<Output = Result<Vec<AttestationRecord>, StoreError>> + Send;
}

/// The endorsement registry (current records and every version) and providers' claims to its records.
pub trait RegistryStore {
    /// Inserts new records and new versions of changed ones (with history), in one
    /// transaction; `changed_by`, `source` and time come from each record. The same transaction
    /// appends `audit` to the trail once for each association the records belong to (an import's
    /// detail is its counts there). Refuses, changing nothing, a record of an association the
    /// store does not know ([`StoreError::UnknownAssociation`]) and a record whose number another
    /// association keeps ([`StoreError::OtherAssociation`]).
    fn registry_upsert(
        &self,
        records: &[RegistryRecord],
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<UpsertCounts, StoreError>> + Send;

    /// The current version of a record.
    fn registry_record(&self, number: &str) -> impl Future<Output = Result<Option<RegistryRecord>, StoreError>> + Send;

    /// Every version of a record, oldest first.
    fn registry_history(&self, number: &str) -> impl Future<Output = Result<Vec<RegistryRecord>, StoreError>> + Send;

    /// Current records, by number.
    fn registry_records(&self) -> impl Future<Output = Result<Vec<RegistryRecord>, StoreError>> + Send;

    /// Current records linked to the account by an approved claim.
    fn approved_records(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<RegistryRecord>, StoreError>> + Send;

    /// Files a claim.
    fn create_claim(&self, claim: &ClaimRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Claims, optionally only one account's or only those with a status.
    fn claims(
        &self,
        user_id: Option<&UserId>,
        status: Option<ClaimStatus>,
    ) -> impl Future<Output = Result<Vec<ClaimRecord>, StoreError>> + Send;

    /// Decides a pending claim, appending `audit` in the same transaction; `false` when it is
    /// not pending (or does not exist); [`StoreError::Conflict`] when approving a record another
    /// account holds.
    fn decide_claim(
        &self,
        id: &ClaimId,
        status: ClaimStatus,
        by: &str,
        note: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The account holding the registry record `number` through an approved claim.
    fn holder_of(&self, number: &str) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;
}

/// Associations, who keeps each one's registry (staff), who runs the service (operators), and
/// the append-only audit trail of what they did. Every write appends its `audit` line in the
/// same transaction.
pub trait StaffStore {
    /// Creates an association; [`StoreError::Conflict`] when its id exists.
    fn create_association(
        &self,
        association: &AssociationRecord,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces an association's name and rulebooks; `false` when there is none with its id.
    fn update_association(
        &self,
        association: &AssociationRecord,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every association, by id.
    fn associations(&self) -> impl Future<Output = Result<Vec<AssociationRecord>, StoreError>> + Send;

    /// Makes an account staff of an association; `false` when it was already.
    fn add_staff(
        &self,
        user_id: &UserId,
        association: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Ends an account's being staff of an association; `false` when it was not.
    fn remove_staff(
        &self,
        user_id: &UserId,
        association: &str,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The associations an account is staff of, by id.
    fn staff_associations(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Every staff membership: each account beside each association it keeps, by association.
    fn staff(&self) -> impl Future<Output = Result<Vec<(String, UserRecord)>, StoreError>> + Send;

    /// Makes an account an operator; `false` when it was already.
    fn add_operator(
        &self,
        user_id: &UserId,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Whether an account is an operator.
    fn is_operator(&self, user_id: &UserId) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Appends one line to the trail, for an action whose own write is elsewhere.
    fn append_audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The trail, newest first: all of it, or only the lines of these associations.
    fn audit_trail(
        &self,
        associations: Option<&[String]>,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, StoreError>> + Send;
}

/// Consent between people: connection codes, connections, requests by endorsement number, providers' groups, and who met whom in a group.
pub trait ConnectionStore {
    /// Adds a connection code; [`StoreError::Conflict`] when the code exists already.
    fn create_connection_code(
        &self,
        code: &ConnectionCodeRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A code, working or not.
    fn connection_code(
        &self,
        code: &str,
    ) -> impl Future<Output = Result<Option<ConnectionCodeRecord>, StoreError>> + Send;

    /// A provider's codes, newest first.
    fn connection_codes(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionCodeRecord>, StoreError>> + Send;

    /// Withdraws one of the provider's codes; `false` when they have no such working code.
    fn revoke_connection_code(
        &self,
        provider_id: &UserId,
        code: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Connects `member_id` to `provider_id`, with `code` (counting its use) or, without one,
    /// by a request the provider accepted (which goes); an ended connection is made again.
    /// `false` when they were connected already.
    fn connect(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        code: Option<&str>,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Ends the connection, as `by` (the side that ends it), and takes the member out of the
    /// provider's groups; `false` when they were not connected.
    fn end_connection(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        by: rsc_model::ConnectionRole,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Which of `people` are connected to the provider now. A push checks the people it names
    /// with this, so the check costs the same whatever the size of the provider's caseload.
    fn connected_among(
        &self,
        provider_id: &UserId,
        people: &[UserId],
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Which of `people` `viewer` may name in a session of `provider_id`: those who share one of
    /// the provider's groups with her, or attended a session of the provider with her.
    fn visible_among(
        &self,
        viewer: &UserId,
        provider_id: &UserId,
        people: &[UserId],
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// The people connected to a provider now, by name.
    fn members_of(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRecord>, StoreError>> + Send;

    /// The providers a person is connected to now, by name.
    fn providers_of(
        &self,
        member_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRecord>, StoreError>> + Send;

    /// Every connection the user is on either side of, current and ended.
    fn connections_of(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRecord>, StoreError>> + Send;

    /// Sends (or sends again) `member_id`'s request to connect to `provider_id`, asked by
    /// endorsement `number`: it waits for the provider from `at_ms`.
    fn put_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        number: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The request between the two, pending or declined.
    fn connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
    ) -> impl Future<Output = Result<Option<ConnectionRequestRecord>, StoreError>> + Send;

    /// Declines a pending request; `false` when none waits.
    fn decline_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Takes back a pending request (its sender does); `false` when none waits.
    fn withdraw_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every request the user sent or received, pending or declined.
    fn connection_requests_of(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRequestRecord>, StoreError>> + Send;

    /// Makes a group with its first members; [`StoreError::Conflict`] when the provider has a
    /// group of that name.
    fn create_group(
        &self,
        group: &GroupRecord,
        members: &[UserId],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Renames a group of the provider's and archives it (`Some(Some(at))`) or brings it back
    /// (`Some(None)`); `false` when she has no such group; [`StoreError::Conflict`] when the
    /// name is taken.
    fn update_group(
        &self,
        provider_id: &UserId,
        group_id: &str,
        name: Option<&str>,
        archived_at_ms: Option<Option<i64>>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Adds (`present`) or removes a member of a group of the provider's; `false` when that
    /// changed nothing or she has no such group.
    fn set_group_member(
        &self,
        provider_id: &UserId,
        group_id: &str,
        member_id: &UserId,
        present: bool,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The groups the user keeps (archived too) and the unarchived ones she belongs to, with
    /// every group's members.
    fn groups_for(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<(GroupRecord, Vec<GroupMemberRecord>)>, StoreError>> + Send;

    /// The people the user knows from sessions: everyone who attended a session with her (with
    /// its provider), and, as a provider, everyone who attended hers.
    fn acquaintances_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<Acquaintance>, StoreError>> + Send;
}

/// Kept exports and the server's signing keys.
pub trait ExportStore {
    /// Keeps a signed export; [`StoreError::Conflict`] when its id or digest is taken.
    fn create_export(&self, export: &ExportRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// An export by id, withdrawn or not.
    fn export_by_id(&self, id: &str) -> impl Future<Output = Result<Option<ExportRecord>, StoreError>> + Send;

    /// An export by the SHA-256 of its file.
    fn export_by_digest(&self, digest: &[u8]) -> impl Future<Output = Result<Option<ExportRecord>, StoreError>> + Send;

    /// An applicant's exports, newest first.
    fn exports_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<ExportRecord>, StoreError>> + Send;

    /// Withdraws one of the applicant's exports; `false` when she has no such export still up.
    fn withdraw_export(
        &self,
        user_id: &UserId,
        id: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every server key, newest first.
    fn server_keys(&self) -> impl Future<Output = Result<Vec<ServerKeyRecord>, StoreError>> + Send;

    /// Adds a signing key and retires the others.
    fn add_server_key(&self, key: &ServerKeyRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Trainings (their projection, written with their documents) and the certificate files their
/// owners keep.
pub trait TrainingStore {
    /// Writes training document updates in one transaction, as
    /// [`SyncStore::commit_documents`] writes sessions: documents, changes, the owner as the one
    /// participant, and the projection. A document another write got to first loses.
    fn commit_trainings(
        &self,
        commits: &[TrainingCommit],
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// A person's trainings (removed ones too), by date then id.
    fn trainings_of(&self, owner: &UserId) -> impl Future<Output = Result<Vec<TrainingRow>, StoreError>> + Send;

    /// Keeps `bytes` (whose SHA-256 is `digest`, of `media_type`) as `owner`'s certificate
    /// named `file_name`, the file itself once however many people keep it, unless her
    /// certificates would then take more than `quota_bytes`. Keeping one she has is a no-op.
    #[allow(clippy::too_many_arguments)]
    fn put_certificate(
        &self,
        owner: &UserId,
        digest: &str,
        media_type: &str,
        file_name: &str,
        bytes: &[u8],
        quota_bytes: i64,
        at_ms: i64,
    ) -> impl Future<Output = Result<CertificateStored, StoreError>> + Send;

    /// `owner`'s certificates, newest first.
    fn certificates_of(
        &self,
        owner: &UserId,
    ) -> impl Future<Output = Result<Vec<CertificateRecord>, StoreError>> + Send;

    /// One of `owner`'s certificates with its file; `None` when she keeps none with this digest
    /// (whoever else does).
    fn certificate_file(
        &self,
        owner: &UserId,
        digest: &str,
    ) -> impl Future<Output = Result<Option<(CertificateRecord, Vec<u8>)>, StoreError>> + Send;
}
