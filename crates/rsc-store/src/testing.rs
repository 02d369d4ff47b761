//! Fresh databases for tests, here and in the crates that use a store: a temporary SQLite file,
//! or a new Postgres database (on the server `RSC_TEST_POSTGRES_URL` names) dropped afterwards.
//! Compiled for this crate's tests and with the `testing` feature.

use std::future::Future;

use crate::{
    AccountStore, Acquaintance, AssociationRecord, AttendanceRow, AttestationRecord, AuditEntry, Backend, ClaimId,
    ClaimRecord, Committed, ConnectionCodeRecord, ConnectionRecord, ConnectionRequestRecord, ConnectionStore, DeviceId,
    DeviceRecord, DirectoryMarks, DocCommit, DocId, ExportRecord, ExportStore, GroupMemberRecord, GroupRecord,
    LedgerStore, PgStore, ProfileRecord, PulledPage, RegistryRecord, RegistryStore, ServerKeyRecord, SessionAttendance,
    SessionRow, SqliteStore, StaffStore, Store, StoreError, StoredDoc, SyncStore, UpsertCounts, UserId, UserRecord,
};
use crate::{CertificateRecord, CertificateStored, TrainingCommit, TrainingRow, TrainingStore};
use rsc_model::ClaimStatus;

/// The admin URL of the test Postgres (from `scripts/postgres-for-tests`), or `None` on a
/// machine without one: the Postgres half of each test then skips, saying so, unless
/// `RSC_REQUIRE_POSTGRES` is set. The test command sets it, so there both backends always run.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("RSC_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("RSC_REQUIRE_POSTGRES").is_some() => {
            panic!(
                "RSC_TEST_POSTGRES_URL is not set: run scripts/test, or export the URL printed by scripts/postgres-for-tests"
            )
        }
        _ => {
            skipped("a Postgres test", "RSC_TEST_POSTGRES_URL is not set (see scripts/postgres-for-tests)");
            None
        }
    }
}

/// Says that a test (or its half on one backend) did not run, and why, with how many this test
/// binary has skipped so far: plain `cargo test` passes on any machine, and says what it left
/// out. Written past the test harness's capture of `eprintln!`, which would hide it.
pub fn skipped(what: &str, why: &str) {
    use std::io::Write;
    static SKIPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let count = SKIPPED.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    let _ = writeln!(std::io::stderr().lock(), "skipped {what} ({count} so far in this test binary): {why}");
}

/// A fresh Postgres database and its URL, or `None` when this machine has no test Postgres.
pub async fn create_postgres_db() -> Option<(String, String)> {
    let admin = postgres_admin_url()?;
    let name = format!("rsc_test_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin).await.expect("connect to the test postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.expect("create database");
    pool.close().await;
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("RSC_TEST_POSTGRES_URL has no database part"),
    };
    Some((name, url))
}

/// Drops a database made by [`create_postgres_db`]. Postgres may still have a worker of its
/// own (autovacuum) in it, which the test role may not end: the drop is tried again a few
/// times, and a database that outlives them is left behind (it is a test's leftover, not a
/// failure of the code under test).
pub async fn drop_postgres_db(name: &str) {
    let admin = postgres_admin_url().expect("a database was made, so there is a test Postgres");
    let pool = sqlx::PgPool::connect(&admin).await.expect("connect");
    for attempt in 1..=5 {
        match sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&pool)
            .await
        {
            Ok(_) => break,
            Err(error) if attempt < 5 => {
                eprintln!("dropping test database {name} (attempt {attempt}): {error}; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
            }
            Err(error) => eprintln!("test database {name} is left behind: {error}"),
        }
    }
    pool.close().await;
}

/// Runs `test` with a fresh Postgres store, dropping the database afterwards even if the test
/// panics.
pub async fn with_postgres<F, Fut>(test: F)
where
    F: FnOnce(PgStore, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((name, url)) = create_postgres_db().await else { return };
    let store = PgStore::connect(&url, 10).await.expect("connect and migrate");
    let outcome = tokio::spawn(test(store.clone(), url)).await;
    store.close().await;
    drop_postgres_db(&name).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Runs `test` with a fresh SQLite store in a temporary file, removed afterwards.
pub async fn with_sqlite<F, Fut>(test: F)
where
    F: FnOnce(SqliteStore, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Removed when dropped, after the test, even if it panics.
    let dir = tempfile::Builder::new().prefix("rsc-test-").tempdir().expect("temp dir");
    let url = format!("sqlite://{}/rsc.db", dir.path().display());
    let store = SqliteStore::connect(&url).await.expect("open and migrate");
    let outcome = tokio::spawn(test(store, url)).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// A store that holds every document commit at a gate while armed: a test learns, from inside
/// the store, that a request is in flight, and decides when it may finish. Every other method
/// passes straight through.
#[derive(Clone)]
pub struct Gated<S> {
    inner: S,
    gate: std::sync::Arc<Gate>,
}

/// The gate of a [`Gated`] store.
pub struct Gate {
    armed: std::sync::atomic::AtomicBool,
    commits: std::sync::atomic::AtomicUsize,
    entered: tokio::sync::Notify,
    release: tokio::sync::Semaphore,
}

impl Gate {
    /// Waits until a commit reaches the gate.
    pub async fn entered(&self) {
        self.entered.notified().await;
    }

    /// How many commits of documents reached the gate, held or not.
    pub fn commits(&self) -> usize {
        self.commits.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Lets the held commit (and every later one) through.
    pub fn open(&self) {
        self.armed.store(false, std::sync::atomic::Ordering::SeqCst);
        self.release.add_permits(tokio::sync::Semaphore::MAX_PERMITS / 2);
    }
}

impl<S> Gated<S> {
    /// `inner` behind a closed gate, and the gate.
    pub fn new(inner: S) -> (Gated<S>, std::sync::Arc<Gate>) {
        let gate = std::sync::Arc::new(Gate {
            armed: std::sync::atomic::AtomicBool::new(true),
            commits: std::sync::atomic::AtomicUsize::new(0),
            entered: tokio::sync::Notify::new(),
            release: tokio::sync::Semaphore::new(0),
        });
        (Gated { inner, gate: gate.clone() }, gate)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> Backend for Gated<S> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.ping()
    }

    fn epoch(&self) -> impl Future<Output = Result<String, StoreError>> + Send {
        self.inner.epoch()
    }

    fn new_epoch(&self, value: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.new_epoch(value)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> AccountStore for Gated<S> {
    fn create_user(&self, user: &UserRecord) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_user(user)
    }

    fn user_by_email(&self, email: &str) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send {
        self.inner.user_by_email(email)
    }

    fn user_by_id(&self, id: &UserId) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send {
        self.inner.user_by_id(id)
    }

    fn create_device(
        &self,
        device: &DeviceRecord,
        token_hash: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_device(device, token_hash)
    }

    fn device_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> impl Future<Output = Result<Option<(DeviceRecord, UserRecord)>, StoreError>> + Send {
        self.inner.device_by_token_hash(token_hash)
    }

    fn devices_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<DeviceRecord>, StoreError>> + Send {
        self.inner.devices_of(user_id)
    }

    fn revoke_device(
        &self,
        user_id: &UserId,
        device_id: &DeviceId,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.revoke_device(user_id, device_id, at_ms)
    }

    fn active_keys(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<Vec<u8>>, StoreError>> + Send {
        self.inner.active_keys(user_id)
    }

    fn active_keys_of(
        &self,
        user_ids: &[UserId],
    ) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>, StoreError>> + Send {
        self.inner.active_keys_of(user_ids)
    }

    fn reserve_login_attempt(
        &self,
        limits: &[(String, i64)],
        attempt: &str,
        at_ms: i64,
        since_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.reserve_login_attempt(limits, attempt, at_ms, since_ms)
    }

    fn release_login_attempt(&self, attempt: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.release_login_attempt(attempt)
    }

    fn login_failures_since(&self, key: &str, since_ms: i64) -> impl Future<Output = Result<i64, StoreError>> + Send {
        self.inner.login_failures_since(key, since_ms)
    }

    fn profile(&self, user_id: &UserId) -> impl Future<Output = Result<Option<ProfileRecord>, StoreError>> + Send {
        self.inner.profile(user_id)
    }

    fn set_profile(&self, profile: &ProfileRecord) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.set_profile(profile)
    }

    fn close_account(
        &self,
        user_id: &UserId,
        erased_email: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.close_account(user_id, erased_email, at_ms)
    }

    fn closed_among(&self, user_ids: &[UserId]) -> impl Future<Output = Result<Vec<(UserId, i64)>, StoreError>> + Send {
        self.inner.closed_among(user_ids)
    }

    fn set_display_name(&self, id: &UserId, name: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.set_display_name(id, name)
    }

    fn set_password_hash(&self, id: &UserId, hash: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.set_password_hash(id, hash)
    }

    fn create_password_reset(
        &self,
        id: &UserId,
        code_hash: &[u8],
        at_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_password_reset(id, code_hash, at_ms, expires_at_ms)
    }

    fn use_password_reset(
        &self,
        id: &UserId,
        code_hash: &[u8],
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.use_password_reset(id, code_hash, at_ms)
    }

    fn revoke_all_devices(&self, id: &UserId, at_ms: i64) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.inner.revoke_all_devices(id, at_ms)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> SyncStore for Gated<S> {
    fn document(&self, doc_id: &DocId) -> impl Future<Output = Result<Option<StoredDoc>, StoreError>> + Send {
        self.inner.document(doc_id)
    }

    fn commit_documents(&self, commits: &[DocCommit]) -> impl Future<Output = Result<Committed, StoreError>> + Send {
        async move {
            self.gate.commits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self.gate.armed.load(std::sync::atomic::Ordering::SeqCst) {
                self.gate.entered.notify_one();
                let permit = self.gate.release.acquire().await;
                drop(permit);
            }
            self.inner.commit_documents(commits).await
        }
    }

    fn pull(
        &self,
        user_id: &UserId,
        exclude_actor: &[u8],
        after: (i64, i64),
        limit: i64,
    ) -> impl Future<Output = Result<PulledPage, StoreError>> + Send {
        self.inner.pull(user_id, exclude_actor, after, limit)
    }

    fn session_row(&self, session_id: &DocId) -> impl Future<Output = Result<Option<SessionRow>, StoreError>> + Send {
        self.inner.session_row(session_id)
    }

    fn attendance_rows(
        &self,
        session_id: &DocId,
    ) -> impl Future<Output = Result<Vec<AttendanceRow>, StoreError>> + Send {
        self.inner.attendance_rows(session_id)
    }

    fn documents(
        &self,
        doc_ids: &[DocId],
    ) -> impl Future<Output = Result<Vec<(String, StoredDoc)>, StoreError>> + Send {
        self.inner.documents(doc_ids)
    }

    fn participants_of(
        &self,
        doc_ids: &[DocId],
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        self.inner.participants_of(doc_ids)
    }

    fn participants(&self, doc_id: &DocId) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.inner.participants(doc_id)
    }

    fn notices(&self) -> impl Future<Output = Result<crate::Notices, StoreError>> + Send {
        self.inner.notices()
    }

    fn tell(&self, users: &[String]) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.tell(users)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> LedgerStore for Gated<S> {
    fn confirmed_by_provider(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<SessionAttendance>, StoreError>> + Send {
        self.inner.confirmed_by_provider(provider_id)
    }

    fn attestations(
        &self,
        session_id: &DocId,
    ) -> impl Future<Output = Result<Vec<AttestationRecord>, StoreError>> + Send {
        self.inner.attestations(session_id)
    }

    fn attestations_of(
        &self,
        session_ids: &[DocId],
    ) -> impl Future<Output = Result<Vec<AttestationRecord>, StoreError>> + Send {
        self.inner.attestations_of(session_ids)
    }

    fn attendance_of(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<SessionAttendance>, StoreError>> + Send {
        self.inner.attendance_of(user_id)
    }

    fn directory_marks(&self, user_id: &UserId) -> impl Future<Output = Result<DirectoryMarks, StoreError>> + Send {
        self.inner.directory_marks(user_id)
    }

    fn providers_attended(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.inner.providers_attended(user_id)
    }

    fn sessions_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<SessionRow>, StoreError>> + Send {
        self.inner.sessions_of(user_id)
    }

    fn awaiting_provider(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<SessionAttendance>, StoreError>> + Send {
        self.inner.awaiting_provider(provider_id)
    }

    fn evaluation_inputs(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<std::sync::Arc<crate::EvaluationInputs>, StoreError>> + Send {
        self.inner.evaluation_inputs(user_id)
    }

    fn valid_attestations_for(
        &self,
        attendee_id: &UserId,
    ) -> impl Future<Output = Result<Vec<AttestationRecord>, StoreError>> + Send {
        self.inner.valid_attestations_for(attendee_id)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> RegistryStore for Gated<S> {
    fn registry_upsert(
        &self,
        records: &[RegistryRecord],
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<UpsertCounts, StoreError>> + Send {
        self.inner.registry_upsert(records, audit)
    }

    fn registry_record(&self, number: &str) -> impl Future<Output = Result<Option<RegistryRecord>, StoreError>> + Send {
        self.inner.registry_record(number)
    }

    fn registry_history(&self, number: &str) -> impl Future<Output = Result<Vec<RegistryRecord>, StoreError>> + Send {
        self.inner.registry_history(number)
    }

    fn registry_records(&self) -> impl Future<Output = Result<Vec<RegistryRecord>, StoreError>> + Send {
        self.inner.registry_records()
    }

    fn approved_records(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<RegistryRecord>, StoreError>> + Send {
        self.inner.approved_records(user_id)
    }

    fn create_claim(&self, claim: &ClaimRecord) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_claim(claim)
    }

    fn claims(
        &self,
        user_id: Option<&UserId>,
        status: Option<ClaimStatus>,
    ) -> impl Future<Output = Result<Vec<ClaimRecord>, StoreError>> + Send {
        self.inner.claims(user_id, status)
    }

    fn decide_claim(
        &self,
        id: &ClaimId,
        status: ClaimStatus,
        by: &str,
        note: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.decide_claim(id, status, by, note, at_ms, audit)
    }

    fn holder_of(&self, number: &str) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send {
        self.inner.holder_of(number)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> StaffStore for Gated<S> {
    fn create_association(
        &self,
        association: &AssociationRecord,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_association(association, audit)
    }

    fn update_association(
        &self,
        association: &AssociationRecord,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.update_association(association, audit)
    }

    fn associations(&self) -> impl Future<Output = Result<Vec<AssociationRecord>, StoreError>> + Send {
        self.inner.associations()
    }

    fn add_staff(
        &self,
        user_id: &UserId,
        association: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.add_staff(user_id, association, at_ms, audit)
    }

    fn remove_staff(
        &self,
        user_id: &UserId,
        association: &str,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.remove_staff(user_id, association, audit)
    }

    fn staff_associations(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.inner.staff_associations(user_id)
    }

    fn staff(&self) -> impl Future<Output = Result<Vec<(String, UserRecord)>, StoreError>> + Send {
        self.inner.staff()
    }

    fn add_operator(
        &self,
        user_id: &UserId,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.add_operator(user_id, at_ms, audit)
    }

    fn is_operator(&self, user_id: &UserId) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.is_operator(user_id)
    }

    fn append_audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.append_audit(entry)
    }

    fn audit_trail(
        &self,
        associations: Option<&[String]>,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, StoreError>> + Send {
        self.inner.audit_trail(associations)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> ConnectionStore for Gated<S> {
    fn create_connection_code(
        &self,
        code: &ConnectionCodeRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_connection_code(code)
    }

    fn connection_code(
        &self,
        code: &str,
    ) -> impl Future<Output = Result<Option<ConnectionCodeRecord>, StoreError>> + Send {
        self.inner.connection_code(code)
    }

    fn connection_codes(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionCodeRecord>, StoreError>> + Send {
        self.inner.connection_codes(provider_id)
    }

    fn revoke_connection_code(
        &self,
        provider_id: &UserId,
        code: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.revoke_connection_code(provider_id, code, at_ms)
    }

    fn connect(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        code: Option<&str>,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.connect(provider_id, member_id, code, at_ms)
    }

    fn connected_among(
        &self,
        provider_id: &UserId,
        people: &[UserId],
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.inner.connected_among(provider_id, people)
    }

    fn members_of(
        &self,
        provider_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRecord>, StoreError>> + Send {
        self.inner.members_of(provider_id)
    }

    fn providers_of(
        &self,
        member_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRecord>, StoreError>> + Send {
        self.inner.providers_of(member_id)
    }

    fn end_connection(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        by: rsc_model::ConnectionRole,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.end_connection(provider_id, member_id, by, at_ms)
    }

    fn visible_among(
        &self,
        viewer: &UserId,
        provider_id: &UserId,
        people: &[UserId],
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.inner.visible_among(viewer, provider_id, people)
    }

    fn connections_of(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRecord>, StoreError>> + Send {
        self.inner.connections_of(user_id)
    }

    fn put_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        number: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.put_connection_request(provider_id, member_id, number, at_ms)
    }

    fn connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
    ) -> impl Future<Output = Result<Option<ConnectionRequestRecord>, StoreError>> + Send {
        self.inner.connection_request(provider_id, member_id)
    }

    fn decline_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.decline_connection_request(provider_id, member_id, at_ms)
    }

    fn withdraw_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.withdraw_connection_request(provider_id, member_id)
    }

    fn connection_requests_of(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionRequestRecord>, StoreError>> + Send {
        self.inner.connection_requests_of(user_id)
    }

    fn create_group(
        &self,
        group: &GroupRecord,
        members: &[UserId],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_group(group, members)
    }

    fn update_group(
        &self,
        provider_id: &UserId,
        group_id: &str,
        name: Option<&str>,
        archived_at_ms: Option<Option<i64>>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.update_group(provider_id, group_id, name, archived_at_ms)
    }

    fn set_group_member(
        &self,
        provider_id: &UserId,
        group_id: &str,
        member_id: &UserId,
        present: bool,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.set_group_member(provider_id, group_id, member_id, present, at_ms)
    }

    fn groups_for(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<(GroupRecord, Vec<GroupMemberRecord>)>, StoreError>> + Send {
        self.inner.groups_for(user_id)
    }

    fn acquaintances_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<Acquaintance>, StoreError>> + Send {
        self.inner.acquaintances_of(user_id)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> ExportStore for Gated<S> {
    fn server_keys(&self) -> impl Future<Output = Result<Vec<ServerKeyRecord>, StoreError>> + Send {
        self.inner.server_keys()
    }

    fn add_server_key(&self, key: &ServerKeyRecord) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.add_server_key(key)
    }

    fn create_export(&self, export: &ExportRecord) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_export(export)
    }

    fn export_by_id(&self, id: &str) -> impl Future<Output = Result<Option<ExportRecord>, StoreError>> + Send {
        self.inner.export_by_id(id)
    }

    fn export_by_digest(&self, digest: &[u8]) -> impl Future<Output = Result<Option<ExportRecord>, StoreError>> + Send {
        self.inner.export_by_digest(digest)
    }

    fn exports_of(&self, user_id: &UserId) -> impl Future<Output = Result<Vec<ExportRecord>, StoreError>> + Send {
        self.inner.exports_of(user_id)
    }

    fn withdraw_export(
        &self,
        user_id: &UserId,
        id: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.withdraw_export(user_id, id, at_ms)
    }
}

#[allow(clippy::manual_async_fn)]
impl<S: Store> TrainingStore for Gated<S> {
    fn commit_trainings(
        &self,
        commits: &[TrainingCommit],
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send {
        self.inner.commit_trainings(commits)
    }

    fn trainings_of(&self, owner: &UserId) -> impl Future<Output = Result<Vec<TrainingRow>, StoreError>> + Send {
        self.inner.trainings_of(owner)
    }

    fn put_certificate(
        &self,
        owner: &UserId,
        digest: &str,
        media_type: &str,
        file_name: &str,
        bytes: &[u8],
        quota_bytes: i64,
        at_ms: i64,
    ) -> impl Future<Output = Result<CertificateStored, StoreError>> + Send {
        self.inner.put_certificate(owner, digest, media_type, file_name, bytes, quota_bytes, at_ms)
    }

    fn certificates_of(
        &self,
        owner: &UserId,
    ) -> impl Future<Output = Result<Vec<CertificateRecord>, StoreError>> + Send {
        self.inner.certificates_of(owner)
    }

    fn certificate_file(
        &self,
        owner: &UserId,
        digest: &str,
    ) -> impl Future<Output = Result<Option<(CertificateRecord, Vec<u8>)>, StoreError>> + Send {
        self.inner.certificate_file(owner, digest)
    }
}
