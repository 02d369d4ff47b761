//! The two SQL backends. Their SQL is the same text (`$n` parameters, `ON CONFLICT`,
//! `RETURNING` all mean the same in Postgres and SQLite, and the schema keeps times and dates
//! in portable types), so one implementation body is stamped out for both by
//! `impl_store!`; what differs is how each connects, migrates and serializes writers.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use rsc_protocol::{AttendanceState, ClaimStatus, ConnectionRole, ConnectionSource};
use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::group::{CommitNow, Group};
use super::inputs::{EvaluationInputs, Kept};
use super::keys::{Key, KeyText};
use super::notices::{self, Board, CHANNEL, Notice, Notices};
use super::readers::{Readers, read};
use super::records::{
    AttendanceRowRaw, AttestationRow, ClaimRow, ConnectionRequestRow, ConnectionRow, ProfileRow, RegistryRow,
    SessionAttendanceRaw, SessionRowRaw, SignedInRow, UserRow, role_name,
};
use super::{
    Acquaintance, AttendanceRow, AttestationRecord, ClaimId, ClaimRecord, ConnectionCodeRecord, ConnectionRecord,
    ConnectionRequestRecord, DeviceId, DeviceRecord, DirectoryMarks, DocCommit, DocId, ExportRecord, GroupMemberRecord,
    GroupRecord, ProfileRecord, PulledChange, PulledPage, RegistryRecord, RequestStatus, ServerKeyRecord,
    SessionAttendance, SessionRow, Store, StoreError, StoredDoc, UpsertCounts, UserId, UserRecord,
};

/// What a store keeps in this process beside its database, shared by its clones: the change
/// notices it hands on, the writes waiting to be committed together, and the evaluation inputs
/// it keeps.
#[derive(Debug, Clone, Default)]
struct InProcess {
    board: Board,
    group: std::sync::Arc<Group>,
    kept: std::sync::Arc<Kept>,
}

/// The production backend.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    readers: std::sync::Arc<Readers<Postgres>>,
    here: InProcess,
}

/// How long a Postgres connection may sit idle before it is checked on the way out of the pool.
pub(crate) const PG_IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// Postgres pool options. sqlx by default pings every connection before lending it: a round
/// trip to Postgres before each statement. A connection used in the last second (a busy
/// server's) is lent without one; an older one, which Postgres may have dropped since (a
/// restart), is pinged first and replaced if that fails. Only a statement racing the drop
/// itself fails, as any statement in flight then would.
fn pg_pool(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PG_IDLE_BEFORE_PING {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// SQLite read connections: reads run side by side with the one writer (WAL), on a few
/// connections, the number the sync benchmark favoured.
const READERS: u32 = 4;

/// SQLite pool options: a connection to a file in this process cannot drop, so none is pinged
/// before it is lent (sqlx's default, a round trip to the connection's thread per statement).
fn sqlite_pool(max_connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new().max_connections(max_connections).test_before_acquire(false)
}

impl PgStore {
    /// Connects with up to `max_connections` and applies pending migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<PgStore, StoreError> {
        let pool = pg_pool(max_connections).connect(url).await?;
        let store = PgStore::on(pool, max_connections);
        store.migrate().await?;
        Ok(store)
    }

    /// Reads take turns on at most half the pool's connections (see [`Readers`]), so that
    /// connections kept for reads never leave writers without one.
    fn on(pool: PgPool, max_connections: u32) -> PgStore {
        let turns = (max_connections / 2).max(1) as usize;
        let readers = Readers::new(pool.clone(), turns, max_connections >= 2);
        PgStore { pool, readers: std::sync::Arc::new(readers), here: InProcess::default() }
    }

    /// Like [`PgStore::connect`], but refuses a database this server has never set up, so that an
    /// administrative command pointed at the wrong database changes nothing.
    pub async fn open_existing(url: &str, max_connections: u32) -> Result<PgStore, StoreError> {
        let pool = pg_pool(max_connections).connect(url).await?;
        let (set_up,): (bool,) =
            sqlx::query_as("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&pool).await?;
        if !set_up {
            return Err(StoreError::Missing(
                "this Postgres database has no RSC Logbook data; start the server on it (or run `rsc-server migrate`) first"
                    .into(),
            ));
        }
        let store = PgStore::on(pool, max_connections);
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded Postgres migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        crate::migrations::migrator(crate::migrations::POSTGRES).run(&self.pool).await?;
        Ok(())
    }

    /// The pool, for tests and benchmarks that compare against raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.readers.close();
        self.pool.close().await;
    }

    fn write_pool(&self) -> &PgPool {
        &self.pool
    }

    /// Every process on the database hears these notices, when (and only if) `tx` commits. All
    /// in one statement: a group commit of fifty devices' pushes sends fifty notices.
    async fn announce(&self, tx: &mut sqlx::PgConnection, commits: &[DocCommit]) -> Result<(), StoreError> {
        let payloads: Vec<String> = notices_of(commits)
            .into_iter()
            .flat_map(|(device_id, users)| Notice::payloads(device_id, &users))
            .collect();
        if !payloads.is_empty() {
            sqlx::query(
                "SELECT pg_notify($1, payload) FROM UNNEST($2::text[]) WITH ORDINALITY AS p (payload, n) ORDER BY n",
            )
            .bind(CHANNEL)
            .bind(payloads)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Sent through Postgres already.
    fn announced(&self, _commits: &[DocCommit]) {}

    /// Every process on the database hears `notice`.
    async fn post(&self, notice: Notice) -> Result<(), StoreError> {
        let payloads = notice.to_payloads();
        sqlx::query(
            "SELECT pg_notify($1, payload) FROM UNNEST($2::text[]) WITH ORDINALITY AS p (payload, n) ORDER BY n",
        )
        .bind(CHANNEL)
        .bind(payloads)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Writes that arrive while one commits are committed together (see [`Group`]).
    async fn commit_grouped(&self, commits: &[DocCommit]) -> Result<bool, StoreError> {
        self.here.group.commit(self, commits).await
    }

    async fn subscribe(&self) -> Result<Notices, StoreError> {
        self.here.board.listen_to(&self.pool).await
    }
}

/// The embedded default: one file, zero setup.
///
/// SQLite has one writer at a time; a pool of one write connection makes writers queue in the
/// pool instead of failing with `SQLITE_BUSY`, while reads use their own connections (WAL).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    readers: std::sync::Arc<Readers<Sqlite>>,
    writer: SqlitePool,
    here: InProcess,
}

impl SqliteStore {
    /// Opens (creating it and its folder if needed) and migrates the database at `url`
    /// (`sqlite://path/to/file.db`, or `sqlite::memory:` for a private in-memory database).
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // A new database's pages hold 8 KiB: tables appended in row id order leave less of
            // each page unused (disk per session document 1.53 -> 1.46 KiB). An existing
            // database keeps the page size it was made with.
            .page_size(8192)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit survives power loss before it is acknowledged.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(parent) = Path::new(options.get_filename()).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let in_memory = url.contains(":memory:");
        let writer = sqlite_pool(1).connect_with(options.clone()).await?;
        // A private in-memory database exists once per connection: share the writer.
        let readers = if in_memory {
            Readers::new(writer.clone(), 1, false)
        } else {
            Readers::new(sqlite_pool(READERS).connect_with(options.read_only(true)).await?, READERS as usize, true)
        };
        let store = SqliteStore { readers: std::sync::Arc::new(readers), writer, here: InProcess::default() };
        store.migrate().await?;
        Ok(store)
    }

    /// Like [`SqliteStore::connect`], but refuses to create the file: an administrative command
    /// run from another folder must not start a second, empty database.
    pub async fn open_existing(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?;
        let path = Path::new(options.get_filename());
        if !url.contains(":memory:") && !path.is_file() {
            return Err(StoreError::Missing(format!(
                "there is no database at {}; run this from the folder the server runs in, or pass --database-url \
                 (the server creates its database when it first starts)",
                path.display()
            )));
        }
        SqliteStore::connect(url).await
    }

    /// Applies the embedded SQLite migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        crate::migrations::migrator(crate::migrations::SQLITE).run(&self.writer).await?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.readers.close();
        self.readers.pool().close().await;
        self.writer.close().await;
    }

    /// The single write connection, for tests that check what raw SQL may do.
    pub fn write_pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// This process owns the file: notices go round in memory once the commit is done.
    async fn announce(&self, _tx: &mut sqlx::SqliteConnection, _commits: &[DocCommit]) -> Result<(), StoreError> {
        Ok(())
    }

    /// One writer at a time, each commit flushed to disk: writes that arrive meanwhile are
    /// committed together (see [`Group`]).
    async fn commit_grouped(&self, commits: &[DocCommit]) -> Result<bool, StoreError> {
        self.here.group.commit(self, commits).await
    }

    /// This process owns the file: listeners are all here.
    async fn post(&self, notice: Notice) -> Result<(), StoreError> {
        self.here.board.post(notice);
        Ok(())
    }

    fn announced(&self, commits: &[DocCommit]) {
        for (device_id, users) in notices_of(commits) {
            self.here.board.post(Notice::Changed { device_id: device_id.to_string(), users });
        }
    }

    async fn subscribe(&self) -> Result<Notices, StoreError> {
        Ok(self.here.board.listen())
    }
}

/// Who hears about a commit: everyone taking part in a written document, by the device that
/// wrote it.
fn notices_of(commits: &[DocCommit]) -> Vec<(&str, Vec<String>)> {
    let mut by_device: Vec<(&str, Vec<String>)> = Vec::new();
    for c in commits {
        let users = match by_device.iter_mut().find(|(device, _)| *device == c.device_id) {
            Some((_, users)) => users,
            None => {
                by_device.push((&c.device_id, Vec::new()));
                &mut by_device.last_mut().expect("just pushed").1
            }
        };
        users.extend(c.participants.iter().cloned());
    }
    for (_, users) in &mut by_device {
        users.sort_unstable();
        users.dedup();
    }
    by_device
}

fn conflict(error: sqlx::Error, what: &'static str) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(error),
    }
}

/// Rows per multi-row statement: far inside both databases' limits on bound parameters
/// (Postgres 65,535; SQLite 32,766), with up to 13 columns a row.
const ROWS_PER_STATEMENT: usize = 1_000;

const SESSION_INSERT: &str = "INSERT INTO sessions (id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format, withdrawn, problems) ";

const SESSION_ON_CONFLICT: &str = " ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, created_by = excluded.created_by, \
     date = excluded.date, start_time = excluded.start_time, time_zone = excluded.time_zone, \
     minutes = excluded.minutes, kind = excluded.kind, format = excluded.format, \
     withdrawn = excluded.withdrawn, problems = excluded.problems";

const ATTESTATION_COLUMNS: &str = "INSERT INTO attestations (id, digest, session_id, attendee_id, provider_id, kind, signed_at_ms, public_key, statement, valid, invalid_reason, first_seen_at_ms, device_id) ";

/// Documents by id, as their changes in order: `DOCUMENTS`, the ids, then `DOCUMENTS_ORDER`.
pub(crate) const DOCUMENTS: &str = "SELECT d.id, d.version, d.expanded_bytes, c.bytes FROM documents d \
     JOIN changes c ON c.doc_id = d.id WHERE d.id IN (";
pub(crate) const DOCUMENTS_ORDER: &str = ") ORDER BY d.id, c.seq";

// A change becomes visible to a user when it is stored or when the user joins its document,
// whichever is later; pulls walk (visible, seq). The limit is `$5 + 0`, not `$5`: SQLite plans
// a bare parameter in LIMIT for the value bound, and so prepares the statement again each time
// it is bound (most of an idle sync's cost); an expression is read when the statement runs.
macro_rules! pull_changes {
    () => {
        "SELECT c.doc_id AS doc_id, \
                CASE WHEN p.added_seq > c.seq THEN p.added_seq ELSE c.seq END AS visible, \
                c.seq AS seq, c.bytes AS bytes \
             FROM participants p JOIN changes c ON c.doc_id = p.doc_id \
             WHERE p.user_id = $1 AND p.touched_seq >= $3 AND c.actor_id <> $2 \
               AND (CASE WHEN p.added_seq > c.seq THEN p.added_seq ELSE c.seq END > $3 \
                    OR (CASE WHEN p.added_seq > c.seq THEN p.added_seq ELSE c.seq END = $3 AND c.seq > $4)) \
             ORDER BY visible, seq LIMIT $5 + 0"
    };
}

/// A page of the pull with the sequence's top beside each change (one row of nulls beside it
/// when there is none): one statement, so one round trip and one snapshot.
pub(crate) const PULL_PAGE: &str = concat!(
    "SELECT t.seq AS top, page.doc_id, page.visible, page.seq, page.bytes \
     FROM sync_counter t LEFT JOIN (",
    pull_changes!(),
    ") page ON TRUE WHERE t.id = 1 ORDER BY page.visible, page.seq"
);

macro_rules! device_columns {
    () => {
        "id, user_id, name, public_key, actor_id, created_at_ms, revoked_at_ms"
    };
}
macro_rules! registry_columns {
    () => {
        "number, holder_name, holder_email, credential, association, earned_on, valid_through, revoked_on, version, changed_at_ms, changed_by, source"
    };
}
macro_rules! claim_columns {
    () => {
        "id, number, user_id, status, created_at_ms, decided_at_ms, decided_by, note"
    };
}
// A session row, an attendance row and the attendee's name side by side, for
// `SessionAttendance` (the two tables share no column name).
macro_rules! session_attendance_columns {
    () => {
        "s.id, s.provider_id, s.created_by, s.date, s.start_time, s.time_zone, s.minutes, s.kind, s.format, s.withdrawn, s.problems, \
         a.session_id, a.attendee_id, a.minutes_attended, a.about_own_rsc_practice, a.status, a.confirmed_minutes, a.attestation_id, \
         u.display_name AS attendee_name"
    };
}

// Connections with both names (`c`, provider `p`, member `m`), for `ConnectionRow`, up to the
// `WHERE`.
macro_rules! connection_select {
    () => {
        "SELECT c.provider_id, p.display_name AS provider_name, c.member_id, m.display_name AS member_name, \
         c.created_at_ms, c.source, c.ended_at_ms, c.ended_by \
         FROM connections c JOIN users p ON p.id = c.provider_id JOIN users m ON m.id = c.member_id"
    };
}

// A request with both names and the asker's email, up to its `WHERE`.
macro_rules! request_columns {
    () => {
        "r.provider_id, p.display_name AS provider_name, r.member_id, m.display_name AS member_name, \
         m.email AS member_email, r.number, r.created_at_ms, r.status, r.decided_at_ms \
         FROM connection_requests r JOIN users p ON p.id = r.provider_id JOIN users m ON m.id = r.member_id"
    };
}

macro_rules! user_columns {
    () => {
        "id, email, display_name, password_hash, role, created_at_ms"
    };
}

macro_rules! attestation_select {
    () => {
        "SELECT id, digest, session_id, attendee_id, provider_id, kind, signed_at_ms, public_key, statement, \
         valid, invalid_reason, first_seen_at_ms, device_id FROM attestations"
    };
}

/// The two registry tables a new version is written to.
#[derive(Clone, Copy)]
enum RegistryTable {
    Current,
    History,
}

macro_rules! impl_store {
    ($store:ty, $backend:literal) => {
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                read!(self, |c| sqlx::query("SELECT 1").execute(c))?;
                Ok(())
            }

            async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO users (id, email, display_name, password_hash, role, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Key(&user.id))
                .bind(&user.email)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(user.created_at_ms)
                .execute(self.write_pool())
                .await
                .map_err(|e| conflict(e, "email"))?;
                Ok(())
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
                let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE email = $1");
                let row: Option<UserRow> = read!(self, |c| sqlx::query_as(sql).bind(email).fetch_optional(c))?;
                row.map(UserRecord::try_from).transpose()
            }

            async fn user_by_id(&self, id: &UserId) -> Result<Option<UserRecord>, StoreError> {
                let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
                let row: Option<UserRow> = read!(self, |c| sqlx::query_as(sql).bind(Key(id.as_str())).fetch_optional(c))?;
                row.map(UserRecord::try_from).transpose()
            }

            async fn create_device(&self, device: &DeviceRecord, token_hash: &[u8]) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO devices (id, user_id, name, public_key, actor_id, token_hash, created_at_ms, revoked_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
                )
                .bind(&device.id)
                .bind(Key(&device.user_id))
                .bind(&device.name)
                .bind(&device.public_key)
                .bind(&device.actor_id)
                .bind(token_hash)
                .bind(device.created_at_ms)
                .execute(self.write_pool())
                .await
                .map_err(|e| conflict(e, "actor_id"))?;
                Ok(())
            }

            async fn device_by_token_hash(
                &self,
                token_hash: &[u8],
            ) -> Result<Option<(DeviceRecord, UserRecord)>, StoreError> {
                // One statement: every signed-in request starts here.
                let row: Option<SignedInRow> = read!(self, |c| sqlx::query_as(
                    "SELECT d.id, d.user_id, d.name, d.public_key, d.actor_id, d.created_at_ms, d.revoked_at_ms, \
                     u.email, u.display_name, u.password_hash, u.role, u.created_at_ms AS user_created_at_ms \
                     FROM devices d JOIN users u ON u.id = d.user_id \
                     WHERE d.token_hash = $1 AND d.revoked_at_ms IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(c))?;
                row.map(<(DeviceRecord, UserRecord)>::try_from).transpose()
            }

            async fn devices_of(&self, user_id: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
                let sql = concat!("SELECT ", device_columns!(), " FROM devices WHERE user_id = $1 ORDER BY created_at_ms, id");
                Ok(read!(self, |c| sqlx::query_as(sql).bind(Key(user_id.as_str())).fetch_all(c))?)
            }

            async fn revoke_device(&self, user_id: &UserId, device_id: &DeviceId, at_ms: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE devices SET revoked_at_ms = $3 WHERE id = $1 AND user_id = $2 AND revoked_at_ms IS NULL",
                )
                .bind(device_id.as_str())
                .bind(Key(user_id.as_str()))
                .bind(at_ms)
                .execute(self.write_pool())
                .await?;
                if done.rows_affected() == 1 {
                    // Its open event streams end now, in every process.
                    self.post(Notice::SignedOut { devices: vec![device_id.as_str().to_string()], users: Vec::new() }).await?;
                }
                Ok(done.rows_affected() == 1)
            }

            async fn active_keys(&self, user_id: &UserId) -> Result<Vec<Vec<u8>>, StoreError> {
                let rows: Vec<(Vec<u8>,)> =
                    read!(self, |c| sqlx::query_as("SELECT public_key FROM devices WHERE user_id = $1 AND revoked_at_ms IS NULL")
                        .bind(Key(user_id.as_str()))
                        .fetch_all(c))?;
                Ok(rows.into_iter().map(|(key,)| key).collect())
            }

            async fn reserve_login_attempt(
                &self,
                limits: &[(String, i64)],
                attempt: &str,
                at_ms: i64,
                since_ms: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write_pool().begin().await?;
                let mut keys: Vec<&(String, i64)> = limits.iter().collect();
                // One order for every transaction, so two reservations never wait on each other.
                keys.sort();
                for (key, limit) in keys {
                    // Locks the key's row until commit: a parallel reservation for the same key
                    // waits here and then counts this one's attempt.
                    sqlx::query(
                        "INSERT INTO login_limits (key) VALUES ($1) ON CONFLICT (key) DO UPDATE SET key = excluded.key",
                    )
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                    let (count,): (i64,) =
                        sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at_ms >= $2")
                            .bind(key)
                            .bind(since_ms)
                            .fetch_one(&mut *tx)
                            .await?;
                    if count >= *limit {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    sqlx::query("INSERT INTO login_failures (key, at_ms, attempt) VALUES ($1, $2, $3)")
                        .bind(key)
                        .bind(at_ms)
                        .bind(attempt)
                        .execute(&mut *tx)
                        .await?;
                }
                // Old entries no longer limit anything.
                sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
                    .bind(at_ms - 24 * 3600 * 1000)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn release_login_attempt(&self, attempt: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM login_failures WHERE attempt = $1")
                    .bind(attempt)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn login_failures_since(&self, key: &str, since_ms: i64) -> Result<i64, StoreError> {
                let (count,): (i64,) =
                    read!(self, |c| sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at_ms >= $2")
                        .bind(key)
                        .bind(since_ms)
                        .fetch_one(c))?;
                Ok(count)
            }

            async fn document(&self, doc_id: &DocId) -> Result<Option<StoredDoc>, StoreError> {
                Ok(self.documents(std::slice::from_ref(doc_id)).await?.pop().map(|(_, doc)| doc))
            }

            async fn attestations(&self, session_id: &DocId) -> Result<Vec<AttestationRecord>, StoreError> {
                let rows: Vec<AttestationRow> =
                    read!(self, |c| sqlx::query_as(concat!(attestation_select!(), " WHERE session_id = $1 ORDER BY signed_at_ms, id"))
                        .bind(Key(session_id.as_str()))
                        .fetch_all(c))?;
                rows.into_iter().map(AttestationRecord::try_from).collect()
            }

            async fn commit_documents(&self, commits: &[DocCommit]) -> Result<bool, StoreError> {
                self.commit_grouped(commits).await
            }

            async fn pull(
                &self,
                user_id: &UserId,
                exclude_actor: &[u8],
                after: (i64, i64),
                limit: i64,
            ) -> Result<PulledPage, StoreError> {
                type Row = (i64, Option<KeyText>, Option<i64>, Option<i64>, Option<Vec<u8>>);
                let rows: Vec<Row> = read!(self, |c| sqlx::query_as(PULL_PAGE)
                    .bind(Key(user_id.as_str()))
                    .bind(exclude_actor)
                    .bind(after.0)
                    .bind(after.1)
                    .bind(limit)
                    .fetch_all(c))?;
                let mut page = PulledPage { top: rows.first().map_or(0, |row| row.0), changes: Vec::new() };
                for (_, doc_id, visible, seq, bytes) in rows {
                    // The one row of nulls when nothing is after the cursor.
                    if let (Some(KeyText(doc_id)), Some(visible), Some(seq), Some(bytes)) = (doc_id, visible, seq, bytes) {
                        page.changes.push(PulledChange { doc_id, visible, seq, bytes });
                    }
                }
                Ok(page)
            }

            async fn session_row(&self, session_id: &DocId) -> Result<Option<SessionRow>, StoreError> {
                let row: Option<SessionRowRaw> = read!(self, |c| sqlx::query_as(
                    "SELECT id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format, withdrawn, problems \
                     FROM sessions WHERE id = $1",
                )
                .bind(Key(session_id.as_str()))
                .fetch_optional(c))?;
                row.map(SessionRow::try_from).transpose()
            }

            async fn attendance_rows(&self, session_id: &DocId) -> Result<Vec<AttendanceRow>, StoreError> {
                let rows: Vec<AttendanceRowRaw> = read!(self, |c| sqlx::query_as(
                    "SELECT session_id, attendee_id, minutes_attended, about_own_rsc_practice, status, confirmed_minutes, attestation_id \
                     FROM attendance WHERE session_id = $1 ORDER BY attendee_id",
                )
                .bind(Key(session_id.as_str()))
                .fetch_all(c))?;
                rows.into_iter().map(AttendanceRow::try_from).collect()
            }

            async fn documents(&self, doc_ids: &[DocId]) -> Result<Vec<(String, StoredDoc)>, StoreError> {
                let mut found: Vec<(String, StoredDoc)> = Vec::new();
                for chunk in doc_ids.chunks(ROWS_PER_STATEMENT) {
                    // A document is its changes, read in the order they were stored and put
                    // one after another.
                    let mut select = sqlx::QueryBuilder::new(DOCUMENTS);
                    let mut ids = select.separated(", ");
                    for id in chunk {
                        ids.push_bind(Key(id.as_str()));
                    }
                    select.push(DOCUMENTS_ORDER);
                    let rows: Vec<(KeyText, i64, i64, Vec<u8>)> =
                        read!(self, |c| select.build_query_as().fetch_all(c))?;
                    for (KeyText(id), version, expanded_bytes, bytes) in rows {
                        match found.last_mut() {
                            Some((last, doc)) if *last == id => doc.bytes.extend_from_slice(&bytes),
                            _ => found.push((id, StoredDoc { bytes, version, expanded_bytes })),
                        }
                    }
                }
                Ok(found)
            }

            async fn participants_of(&self, doc_ids: &[DocId]) -> Result<Vec<(String, String)>, StoreError> {
                let mut found = Vec::new();
                for chunk in doc_ids.chunks(ROWS_PER_STATEMENT) {
                    let mut select = sqlx::QueryBuilder::new("SELECT doc_id, user_id FROM participants WHERE doc_id IN (");
                    let mut ids = select.separated(", ");
                    for id in chunk {
                        ids.push_bind(Key(id.as_str()));
                    }
                    select.push(") ORDER BY doc_id, user_id");
                    found.extend(
                        read!(self, |c| select
                            .build_query_as::<(KeyText, KeyText)>()
                            .fetch_all(c))?
                            .into_iter()
                            .map(|(doc, user)| (doc.0, user.0)),
                    );
                }
                Ok(found)
            }

            async fn participants(&self, doc_id: &DocId) -> Result<Vec<String>, StoreError> {
                let rows: Vec<(KeyText,)> =
                    read!(self, |c| sqlx::query_as("SELECT user_id FROM participants WHERE doc_id = $1 ORDER BY user_id")
                        .bind(Key(doc_id.as_str()))
                        .fetch_all(c))?;
                Ok(rows.into_iter().map(|(u,)| u.0).collect())
            }

            async fn attendance_of(&self, user_id: &UserId) -> Result<Vec<SessionAttendance>, StoreError> {
                let rows: Vec<SessionAttendanceRaw> = read!(self, |c| sqlx::query_as(concat!(
                    "SELECT ",
                    session_attendance_columns!(),
                    " FROM attendance a JOIN sessions s ON s.id = a.session_id LEFT JOIN users u ON u.id = a.attendee_id \
                     WHERE a.attendee_id = $1 ORDER BY s.date, s.id"
                ))
                .bind(Key(user_id.as_str()))
                .fetch_all(c))?;
                rows.into_iter().map(SessionAttendance::try_from).collect()
            }

            async fn evaluation_inputs(&self, user_id: &UserId) -> Result<std::sync::Arc<EvaluationInputs>, StoreError> {
                // Read first: what is read after it is at least as new, so a write landing in
                // between only makes the next request read again.
                let (top,): (i64,) =
                    read!(self, |c| sqlx::query_as("SELECT COALESCE(MAX(touched_seq), -1) FROM participants WHERE user_id = $1")
                        .bind(Key(user_id.as_str()))
                        .fetch_one(c))?;
                if let Some(kept) = self.here.kept.get(user_id.as_str(), top) {
                    return Ok(kept);
                }
                let inputs = std::sync::Arc::new(EvaluationInputs {
                    attendance: self.attendance_of(user_id).await?,
                    ledger: self.valid_attestations_for(user_id).await?,
                });
                self.here.kept.put(user_id.as_str(), top, std::sync::Arc::clone(&inputs));
                Ok(inputs)
            }

            async fn notices(&self) -> Result<Notices, StoreError> {
                self.subscribe().await
            }

            async fn tell(&self, users: &[String]) -> Result<(), StoreError> {
                if !users.is_empty() {
                    self.post(Notice::Changed { device_id: notices::SERVER.to_string(), users: users.to_vec() }).await?;
                }
                Ok(())
            }

            async fn directory_marks(&self, user_id: &UserId) -> Result<DirectoryMarks, StoreError> {
                let rows: Vec<(i64, i64, Option<KeyText>)> = read!(self, |c| sqlx::query_as(
                    "SELECT e.value, \
                        (SELECT COUNT(*) FROM acquaintances q WHERE q.user_id = $1) \
                        + (SELECT COUNT(*) FROM attended_providers r WHERE r.provider_id = $1) AS acquainted, \
                        a.provider_id FROM directory_epoch e \
                     LEFT JOIN attended_providers a ON a.attendee_id = $1 WHERE e.id = 1 ORDER BY a.provider_id",
                )
                .bind(Key(user_id.as_str()))
                .fetch_all(c))?;
                Ok(DirectoryMarks {
                    epoch: rows.first().map_or(0, |row| row.0),
                    acquainted: rows.first().map_or(0, |row| row.1),
                    attended: rows.into_iter().filter_map(|(_, _, provider)| provider.map(|p| p.0)).collect(),
                })
            }

            async fn providers_attended(&self, user_id: &UserId) -> Result<Vec<String>, StoreError> {
                let rows: Vec<(KeyText,)> = read!(self, |c| sqlx::query_as(
                    "SELECT provider_id FROM attended_providers WHERE attendee_id = $1 ORDER BY provider_id",
                )
                .bind(Key(user_id.as_str()))
                .fetch_all(c))?;
                Ok(rows.into_iter().map(|(p,)| p.0).collect())
            }

            async fn awaiting_provider(&self, provider_id: &UserId) -> Result<Vec<SessionAttendance>, StoreError> {
                let rows: Vec<SessionAttendanceRaw> = read!(self, |c| sqlx::query_as(concat!(
                    "SELECT ",
                    session_attendance_columns!(),
                    " FROM attendance a JOIN sessions s ON s.id = a.session_id LEFT JOIN users u ON u.id = a.attendee_id \
                     WHERE s.provider_id = $1 AND s.withdrawn = FALSE AND a.status IN ($2, $3) \
                     ORDER BY s.date, s.id, a.attendee_id"
                ))
                .bind(Key(provider_id.as_str()))
                .bind(AttendanceState::Pending.as_str())
                .bind(AttendanceState::ChangedSinceConfirmed.as_str())
                .fetch_all(c))?;
                rows.into_iter().map(SessionAttendance::try_from).collect()
            }

            async fn valid_attestations_for(&self, attendee_id: &UserId) -> Result<Vec<AttestationRecord>, StoreError> {
                let rows: Vec<AttestationRow> =
                    read!(self, |c| sqlx::query_as(concat!(attestation_select!(), " WHERE attendee_id = $1 AND valid = TRUE ORDER BY signed_at_ms, id"))
                        .bind(Key(attendee_id.as_str()))
                        .fetch_all(c))?;
                rows.into_iter().map(AttestationRecord::try_from).collect()
            }

            async fn registry_upsert(&self, records: &[RegistryRecord]) -> Result<UpsertCounts, StoreError> {
                let mut counts = UpsertCounts::default();
                let mut tx = self.write_pool().begin().await?;
                for record in records {
                    let current: Option<RegistryRow> =
                        sqlx::query_as(concat!("SELECT ", registry_columns!(), " FROM registry_records WHERE number = $1"))
                            .bind(&record.number)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let current = current.map(RegistryRecord::try_from).transpose()?;
                    let version = match &current {
                        Some(current) if super::records::same_content(current, record) => {
                            counts.unchanged += 1;
                            continue;
                        }
                        Some(current) => {
                            counts.updated += 1;
                            current.version + 1
                        }
                        None => {
                            counts.inserted += 1;
                            1
                        }
                    };
                    for table in [RegistryTable::Current, RegistryTable::History] {
                        let sql = match (table, current.is_some()) {
                            (RegistryTable::Current, true) => "UPDATE registry_records SET holder_name = $2, holder_email = $3, credential = $4, \
                                 association = $5, earned_on = $6, valid_through = $7, revoked_on = $8, version = $9, changed_at_ms = $10, \
                                 changed_by = $11, source = $12 WHERE number = $1",
                            (RegistryTable::Current, false) => concat!("INSERT INTO registry_records (", registry_columns!(), ") \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
                            (RegistryTable::History, _) => concat!("INSERT INTO registry_history (", registry_columns!(), ") \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
                        };
                        sqlx::query(sql)
                            .bind(&record.number)
                            .bind(&record.holder_name)
                            .bind(&record.holder_email)
                            .bind(record.credential.as_str())
                            .bind(&record.association)
                            .bind(record.earned_on.to_string())
                            .bind(record.valid_through.map(|d| d.to_string()))
                            .bind(record.revoked_on.map(|d| d.to_string()))
                            .bind(version)
                            .bind(record.changed_at_ms)
                            .bind(&record.changed_by)
                            .bind(&record.source)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(counts)
            }

            async fn registry_record(&self, number: &str) -> Result<Option<RegistryRecord>, StoreError> {
                let row: Option<RegistryRow> =
                    read!(self, |c| sqlx::query_as(concat!("SELECT ", registry_columns!(), " FROM registry_records WHERE number = $1"))
                        .bind(number)
                        .fetch_optional(c))?;
                row.map(RegistryRecord::try_from).transpose()
            }

            async fn registry_history(&self, number: &str) -> Result<Vec<RegistryRecord>, StoreError> {
                let rows: Vec<RegistryRow> = read!(self, |c| sqlx::query_as(concat!(
                    "SELECT ",
                    registry_columns!(),
                    " FROM registry_history WHERE number = $1 ORDER BY version"
                ))
                .bind(number)
                .fetch_all(c))?;
                rows.into_iter().map(RegistryRecord::try_from).collect()
            }

            async fn registry_records(&self) -> Result<Vec<RegistryRecord>, StoreError> {
                let rows: Vec<RegistryRow> =
                    read!(self, |c| sqlx::query_as(concat!("SELECT ", registry_columns!(), " FROM registry_records ORDER BY number"))
                        .fetch_all(c))?;
                rows.into_iter().map(RegistryRecord::try_from).collect()
            }

            async fn approved_records(&self, user_id: &UserId) -> Result<Vec<RegistryRecord>, StoreError> {
                let rows: Vec<RegistryRow> = read!(self, |c| sqlx::query_as(
                    "SELECT r.number, r.holder_name, r.holder_email, r.credential, r.association, r.earned_on, r.valid_through, \
                     r.revoked_on, r.version, r.changed_at_ms, r.changed_by, r.source \
                     FROM registry_records r JOIN registry_claims c ON c.number = r.number \
                     WHERE c.user_id = $1 AND c.status = $2 ORDER BY r.number",
                )
                .bind(Key(user_id.as_str()))
                .bind(ClaimStatus::Approved.as_str())
                .fetch_all(c))?;
                rows.into_iter().map(RegistryRecord::try_from).collect()
            }

            async fn create_claim(&self, claim: &ClaimRecord) -> Result<(), StoreError> {
                sqlx::query(concat!("INSERT INTO registry_claims (", claim_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(&claim.id)
                    .bind(&claim.number)
                    .bind(Key(&claim.user_id))
                    .bind(claim.status.as_str())
                    .bind(claim.created_at_ms)
                    .bind(claim.decided_at_ms)
                    .bind(&claim.decided_by)
                    .bind(&claim.note)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn claims(&self, user_id: Option<&UserId>, status: Option<ClaimStatus>) -> Result<Vec<ClaimRecord>, StoreError> {
                let rows: Vec<ClaimRow> = read!(self, |c| sqlx::query_as(concat!(
                    "SELECT ",
                    claim_columns!(),
                    " FROM registry_claims WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR status = $2) ORDER BY created_at_ms, id"
                ))
                .bind(user_id.map(|u| Key(u.as_str())))
                .bind(status.map(ClaimStatus::as_str))
                .fetch_all(c))?;
                rows.into_iter().map(ClaimRecord::try_from).collect()
            }

            async fn decide_claim(&self, id: &ClaimId, status: ClaimStatus, by: &str, note: &str, at_ms: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE registry_claims SET status = $2, decided_by = $3, note = $4, decided_at_ms = $5 \
                     WHERE id = $1 AND status = $6",
                )
                .bind(id.as_str())
                .bind(status.as_str())
                .bind(by)
                .bind(note)
                .bind(at_ms)
                .bind(ClaimStatus::Pending.as_str())
                .execute(self.write_pool())
                .await
                .map_err(|e| conflict(e, "this record's approved claim"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn profile(&self, user_id: &UserId) -> Result<Option<ProfileRecord>, StoreError> {
                let row: Option<ProfileRow> = read!(self, |c| sqlx::query_as("SELECT user_id, masters_conferred_on, rulebook, purpose, share_progress FROM profiles WHERE user_id = $1")
                    .bind(Key(user_id.as_str()))
                    .fetch_optional(c))?;
                row.map(ProfileRecord::try_from).transpose()
            }

            async fn set_profile(&self, profile: &ProfileRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO profiles (user_id, masters_conferred_on, rulebook, purpose, share_progress) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (user_id) DO UPDATE SET masters_conferred_on = excluded.masters_conferred_on, \
                     rulebook = excluded.rulebook, purpose = excluded.purpose, share_progress = excluded.share_progress",
                )
                .bind(Key(&profile.user_id))
                .bind(profile.masters_conferred_on.map(|d| d.to_string()))
                .bind(&profile.rulebook)
                .bind(profile.purpose.map(|p| p.as_str()))
                .bind(profile.share_progress)
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn set_password_hash(&self, id: &UserId, hash: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                    .bind(Key(id.as_str()))
                    .bind(hash)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn create_password_reset(&self, id: &UserId, code_hash: &[u8], at_ms: i64, expires_at_ms: i64) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO password_resets (user_id, code_hash, created_at_ms, expires_at_ms, used_at_ms) \
                     VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, \
                     created_at_ms = excluded.created_at_ms, expires_at_ms = excluded.expires_at_ms, used_at_ms = NULL",
                )
                .bind(Key(id.as_str()))
                .bind(code_hash)
                .bind(at_ms)
                .bind(expires_at_ms)
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn use_password_reset(&self, id: &UserId, code_hash: &[u8], at_ms: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE password_resets SET used_at_ms = $3 \
                     WHERE user_id = $1 AND code_hash = $2 AND used_at_ms IS NULL AND expires_at_ms > $3",
                )
                .bind(Key(id.as_str()))
                .bind(code_hash)
                .bind(at_ms)
                .execute(self.write_pool())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn revoke_all_devices(&self, id: &UserId, at_ms: i64) -> Result<u64, StoreError> {
                let done = sqlx::query("UPDATE devices SET revoked_at_ms = $2 WHERE user_id = $1 AND revoked_at_ms IS NULL")
                    .bind(Key(id.as_str()))
                    .bind(at_ms)
                    .execute(self.write_pool())
                    .await?;
                // Every open event stream of the account ends now, in every process.
                self.post(Notice::SignedOut { devices: Vec::new(), users: vec![id.as_str().to_string()] }).await?;
                Ok(done.rows_affected())
            }

            async fn set_display_name(&self, id: &UserId, name: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
                    .bind(Key(id.as_str()))
                    .bind(name)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn create_connection_code(&self, code: &ConnectionCodeRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO connection_codes (code, provider_id, created_at_ms, expires_at_ms, revoked_at_ms, used) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&code.code)
                .bind(Key(&code.provider_id))
                .bind(code.created_at_ms)
                .bind(code.expires_at_ms)
                .bind(code.revoked_at_ms)
                .bind(code.used)
                .execute(self.write_pool())
                .await
                .map_err(|e| conflict(e, "this connection code"))?;
                Ok(())
            }

            async fn connection_code(&self, code: &str) -> Result<Option<ConnectionCodeRecord>, StoreError> {
                Ok(read!(self, |c| sqlx::query_as(
                    "SELECT code, provider_id, created_at_ms, expires_at_ms, revoked_at_ms, used FROM connection_codes WHERE code = $1",
                )
                .bind(code)
                .fetch_optional(c))?)
            }

            async fn connection_codes(&self, provider_id: &UserId) -> Result<Vec<ConnectionCodeRecord>, StoreError> {
                Ok(read!(self, |c| sqlx::query_as(
                    "SELECT code, provider_id, created_at_ms, expires_at_ms, revoked_at_ms, used FROM connection_codes \
                     WHERE provider_id = $1 ORDER BY created_at_ms DESC, code",
                )
                .bind(Key(provider_id.as_str()))
                .fetch_all(c))?)
            }

            async fn revoke_connection_code(&self, provider_id: &UserId, code: &str, at_ms: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE connection_codes SET revoked_at_ms = $3 \
                     WHERE provider_id = $1 AND code = $2 AND revoked_at_ms IS NULL AND expires_at_ms > $3",
                )
                .bind(Key(provider_id.as_str()))
                .bind(code)
                .bind(at_ms)
                .execute(self.write_pool())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn connect(&self, provider_id: &UserId, member_id: &UserId, code: Option<&str>, at_ms: i64) -> Result<bool, StoreError> {
                let source = if code.is_some() { ConnectionSource::Code } else { ConnectionSource::Request };
                let mut tx = self.write_pool().begin().await?;
                // An ended connection is made again, with its new source; a current one stays.
                let inserted = sqlx::query(
                    "INSERT INTO connections (provider_id, member_id, created_at_ms, source) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (provider_id, member_id) DO UPDATE SET created_at_ms = excluded.created_at_ms, \
                     source = excluded.source, ended_at_ms = NULL, ended_by = NULL \
                     WHERE connections.ended_at_ms IS NOT NULL",
                )
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .bind(at_ms)
                .bind(source.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if let (true, Some(code)) = (inserted, code) {
                    sqlx::query("UPDATE connection_codes SET used = used + 1 WHERE code = $1")
                        .bind(code)
                        .execute(&mut *tx)
                        .await?;
                }
                // Connected now: a request between them, answered or not, has no more to say.
                sqlx::query("DELETE FROM connection_requests WHERE provider_id = $1 AND member_id = $2")
                    .bind(Key(provider_id.as_str()))
                    .bind(Key(member_id.as_str()))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(inserted)
            }

            async fn end_connection(&self, provider_id: &UserId, member_id: &UserId, by: ConnectionRole, at_ms: i64) -> Result<bool, StoreError> {
                let mut tx = self.write_pool().begin().await?;
                let ended = sqlx::query(
                    "UPDATE connections SET ended_at_ms = $3, ended_by = $4 \
                     WHERE provider_id = $1 AND member_id = $2 AND ended_at_ms IS NULL",
                )
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .bind(at_ms)
                .bind(role_name(by))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                sqlx::query(
                    "DELETE FROM group_members WHERE member_id = $2 \
                     AND group_id IN (SELECT id FROM provider_groups WHERE provider_id = $1)",
                )
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(ended)
            }

            async fn connected_among(&self, provider_id: &UserId, people: &[UserId]) -> Result<Vec<String>, StoreError> {
                let mut found = Vec::new();
                for chunk in people.chunks(ROWS_PER_STATEMENT) {
                    let mut select = sqlx::QueryBuilder::new("SELECT member_id FROM connections WHERE ended_at_ms IS NULL AND provider_id = ");
                    select.push_bind(Key(provider_id.as_str())).push(" AND member_id IN (");
                    let mut ids = select.separated(", ");
                    for id in chunk {
                        ids.push_bind(Key(id.as_str()));
                    }
                    select.push(")");
                    let rows: Vec<(KeyText,)> = read!(self, |c| select.build_query_as().fetch_all(c))?;
                    found.extend(rows.into_iter().map(|(KeyText(id),)| id));
                }
                Ok(found)
            }

            async fn visible_among(&self, viewer: &UserId, provider_id: &UserId, people: &[UserId]) -> Result<Vec<String>, StoreError> {
                let mut found = Vec::new();
                for chunk in people.chunks(ROWS_PER_STATEMENT / 2) {
                    let mut select = sqlx::QueryBuilder::new(
                        "SELECT b.member_id FROM group_members a JOIN provider_groups g ON g.id = a.group_id \
                         JOIN group_members b ON b.group_id = a.group_id WHERE g.archived_at_ms IS NULL AND a.member_id = ",
                    );
                    select.push_bind(Key(viewer.as_str())).push(" AND g.provider_id = ").push_bind(Key(provider_id.as_str()));
                    select.push(" AND b.member_id IN (");
                    let mut ids = select.separated(", ");
                    for id in chunk {
                        ids.push_bind(Key(id.as_str()));
                    }
                    select.push(") UNION SELECT other_id FROM acquaintances WHERE user_id = ");
                    select.push_bind(Key(viewer.as_str())).push(" AND provider_id = ").push_bind(Key(provider_id.as_str()));
                    select.push(" AND other_id IN (");
                    let mut ids = select.separated(", ");
                    for id in chunk {
                        ids.push_bind(Key(id.as_str()));
                    }
                    select.push(")");
                    let rows: Vec<(KeyText,)> = read!(self, |c| select.build_query_as().fetch_all(c))?;
                    found.extend(rows.into_iter().map(|(KeyText(id),)| id));
                }
                Ok(found)
            }

            async fn members_of(&self, provider_id: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
                self.connection_rows(
                    concat!(connection_select!(), " WHERE c.provider_id = $1 AND c.ended_at_ms IS NULL ORDER BY m.display_name, c.member_id"),
                    provider_id,
                )
                .await
            }

            async fn providers_of(&self, member_id: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
                self.connection_rows(
                    concat!(connection_select!(), " WHERE c.member_id = $1 AND c.ended_at_ms IS NULL ORDER BY p.display_name, c.provider_id"),
                    member_id,
                )
                .await
            }

            async fn connections_of(&self, user_id: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
                self.connection_rows(
                    concat!(connection_select!(), " WHERE c.provider_id = $1 OR c.member_id = $1 ORDER BY c.created_at_ms, c.provider_id, c.member_id"),
                    user_id,
                )
                .await
            }

            async fn holder_of(&self, number: &str) -> Result<Option<UserRecord>, StoreError> {
                let row: Option<UserRow> = read!(self, |c| sqlx::query_as(
                    "SELECT u.id, u.email, u.display_name, u.password_hash, u.role, u.created_at_ms \
                     FROM users u JOIN registry_claims c ON c.user_id = u.id WHERE c.number = $1 AND c.status = $2",
                )
                .bind(number)
                .bind(ClaimStatus::Approved.as_str())
                .fetch_optional(c))?;
                row.map(UserRecord::try_from).transpose()
            }

            async fn put_connection_request(&self, provider_id: &UserId, member_id: &UserId, number: &str, at_ms: i64) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO connection_requests (provider_id, member_id, number, created_at_ms, status, decided_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, NULL) \
                     ON CONFLICT (provider_id, member_id) DO UPDATE SET number = excluded.number, \
                     created_at_ms = excluded.created_at_ms, status = excluded.status, decided_at_ms = NULL",
                )
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .bind(number)
                .bind(at_ms)
                .bind(RequestStatus::Pending.as_str())
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn connection_request(&self, provider_id: &UserId, member_id: &UserId) -> Result<Option<ConnectionRequestRecord>, StoreError> {
                let row: Option<ConnectionRequestRow> = read!(self, |c| sqlx::query_as(concat!(
                    "SELECT ", request_columns!(), " WHERE r.provider_id = $1 AND r.member_id = $2",
                ))
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .fetch_optional(c))?;
                row.map(ConnectionRequestRecord::try_from).transpose()
            }

            async fn decline_connection_request(&self, provider_id: &UserId, member_id: &UserId, at_ms: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE connection_requests SET status = $3, decided_at_ms = $4 \
                     WHERE provider_id = $1 AND member_id = $2 AND status = $5",
                )
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .bind(RequestStatus::Declined.as_str())
                .bind(at_ms)
                .bind(RequestStatus::Pending.as_str())
                .execute(self.write_pool())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn withdraw_connection_request(&self, provider_id: &UserId, member_id: &UserId) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM connection_requests WHERE provider_id = $1 AND member_id = $2 AND status = $3",
                )
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .bind(RequestStatus::Pending.as_str())
                .execute(self.write_pool())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn connection_requests_of(&self, user_id: &UserId) -> Result<Vec<ConnectionRequestRecord>, StoreError> {
                let rows: Vec<ConnectionRequestRow> = read!(self, |c| sqlx::query_as(concat!(
                    "SELECT ", request_columns!(), " WHERE r.provider_id = $1 OR r.member_id = $1 \
                     ORDER BY r.created_at_ms, r.provider_id, r.member_id",
                ))
                .bind(Key(user_id.as_str()))
                .fetch_all(c))?;
                rows.into_iter().map(ConnectionRequestRecord::try_from).collect()
            }

            async fn create_group(&self, group: &GroupRecord, members: &[UserId]) -> Result<(), StoreError> {
                let mut tx = self.write_pool().begin().await?;
                sqlx::query(
                    "INSERT INTO provider_groups (id, provider_id, name, created_at_ms, archived_at_ms) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&group.id)
                .bind(Key(&group.provider_id))
                .bind(&group.name)
                .bind(group.created_at_ms)
                .bind(group.archived_at_ms)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict(e, "a group of that name"))?;
                for chunk in members.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new("INSERT INTO group_members (group_id, member_id, added_at_ms) ");
                    insert.push_values(chunk, |mut row, member| {
                        row.push_bind(&group.id).push_bind(Key(member.as_str())).push_bind(group.created_at_ms);
                    });
                    insert.push(" ON CONFLICT (group_id, member_id) DO NOTHING");
                    insert.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn update_group(&self, provider_id: &UserId, group_id: &str, name: Option<&str>, archived_at_ms: Option<Option<i64>>) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE provider_groups SET name = COALESCE($3, name), \
                     archived_at_ms = CASE WHEN $4 THEN $5 ELSE archived_at_ms END \
                     WHERE id = $1 AND provider_id = $2",
                )
                .bind(group_id)
                .bind(Key(provider_id.as_str()))
                .bind(name)
                .bind(archived_at_ms.is_some())
                .bind(archived_at_ms.flatten())
                .execute(self.write_pool())
                .await
                .map_err(|e| conflict(e, "a group of that name"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_group_member(&self, provider_id: &UserId, group_id: &str, member_id: &UserId, present: bool, at_ms: i64) -> Result<bool, StoreError> {
                let done = if present {
                    sqlx::query(
                        "INSERT INTO group_members (group_id, member_id, added_at_ms) \
                         SELECT id, $2, $3 FROM provider_groups WHERE id = $1 AND provider_id = $4 \
                         ON CONFLICT (group_id, member_id) DO NOTHING",
                    )
                    .bind(group_id)
                    .bind(Key(member_id.as_str()))
                    .bind(at_ms)
                    .bind(Key(provider_id.as_str()))
                    .execute(self.write_pool())
                    .await?
                } else {
                    sqlx::query(
                        "DELETE FROM group_members WHERE group_id = $1 AND member_id = $2 \
                         AND group_id IN (SELECT id FROM provider_groups WHERE provider_id = $3)",
                    )
                    .bind(group_id)
                    .bind(Key(member_id.as_str()))
                    .bind(Key(provider_id.as_str()))
                    .execute(self.write_pool())
                    .await?
                };
                Ok(done.rows_affected() == 1)
            }

            async fn groups_for(&self, user_id: &UserId) -> Result<Vec<(GroupRecord, Vec<GroupMemberRecord>)>, StoreError> {
                let groups: Vec<GroupRecord> = read!(self, |c| sqlx::query_as(
                    "SELECT g.id, g.provider_id, u.display_name AS provider_name, g.name, g.created_at_ms, g.archived_at_ms \
                     FROM provider_groups g JOIN users u ON u.id = g.provider_id \
                     WHERE g.provider_id = $1 \
                        OR (g.archived_at_ms IS NULL AND g.id IN (SELECT group_id FROM group_members WHERE member_id = $1)) \
                     ORDER BY g.name, g.id",
                )
                .bind(Key(user_id.as_str()))
                .fetch_all(c))?;
                let mut members: Vec<GroupMemberRecord> = Vec::new();
                for chunk in groups.chunks(ROWS_PER_STATEMENT) {
                    let mut select = sqlx::QueryBuilder::new(
                        "SELECT gm.group_id, gm.member_id, u.display_name AS member_name, gm.added_at_ms \
                         FROM group_members gm JOIN users u ON u.id = gm.member_id WHERE gm.group_id IN (",
                    );
                    let mut ids = select.separated(", ");
                    for group in chunk {
                        ids.push_bind(&group.id);
                    }
                    select.push(") ORDER BY u.display_name, gm.member_id");
                    let rows: Vec<GroupMemberRecord> = read!(self, |c| select.build_query_as().fetch_all(c))?;
                    members.extend(rows);
                }
                Ok(groups
                    .into_iter()
                    .map(|group| {
                        let of: Vec<GroupMemberRecord> = members.iter().filter(|m| m.group_id == group.id).cloned().collect();
                        (group, of)
                    })
                    .collect())
            }

            async fn acquaintances_of(&self, user_id: &UserId) -> Result<Vec<Acquaintance>, StoreError> {
                Ok(read!(self, |c| sqlx::query_as(
                    "SELECT a.other_id, u.display_name AS other_name, a.provider_id \
                     FROM acquaintances a JOIN users u ON u.id = a.other_id WHERE a.user_id = $1 \
                     UNION ALL \
                     SELECT ap.attendee_id AS other_id, u.display_name AS other_name, ap.provider_id \
                     FROM attended_providers ap JOIN users u ON u.id = ap.attendee_id WHERE ap.provider_id = $1",
                )
                .bind(Key(user_id.as_str()))
                .fetch_all(c))?)
            }

            async fn create_export(&self, export: &ExportRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO exports (id, user_id, digest, body, created_at_ms, withdrawn_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&export.id)
                .bind(Key(&export.user_id))
                .bind(&export.digest)
                .bind(&export.body)
                .bind(export.created_at_ms)
                .bind(export.withdrawn_at_ms)
                .execute(self.write_pool())
                .await
                .map_err(|e| conflict(e, "this export"))?;
                Ok(())
            }

            async fn export_by_id(&self, id: &str) -> Result<Option<ExportRecord>, StoreError> {
                Ok(read!(self, |c| sqlx::query_as(
                    "SELECT id, user_id, digest, body, created_at_ms, withdrawn_at_ms FROM exports WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(c))?)
            }

            async fn export_by_digest(&self, digest: &[u8]) -> Result<Option<ExportRecord>, StoreError> {
                Ok(read!(self, |c| sqlx::query_as(
                    "SELECT id, user_id, digest, body, created_at_ms, withdrawn_at_ms FROM exports WHERE digest = $1",
                )
                .bind(digest)
                .fetch_optional(c))?)
            }

            async fn exports_of(&self, user_id: &UserId) -> Result<Vec<ExportRecord>, StoreError> {
                Ok(read!(self, |c| sqlx::query_as(
                    "SELECT id, user_id, digest, body, created_at_ms, withdrawn_at_ms FROM exports \
                     WHERE user_id = $1 ORDER BY created_at_ms DESC, id",
                )
                .bind(Key(user_id.as_str()))
                .fetch_all(c))?)
            }

            async fn withdraw_export(&self, user_id: &UserId, id: &str, at_ms: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE exports SET withdrawn_at_ms = $3 WHERE user_id = $1 AND id = $2 AND withdrawn_at_ms IS NULL",
                )
                .bind(Key(user_id.as_str()))
                .bind(id)
                .bind(at_ms)
                .execute(self.write_pool())
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn server_keys(&self) -> Result<Vec<ServerKeyRecord>, StoreError> {
                Ok(read!(self, |c| sqlx::query_as(
                    "SELECT id, secret, public_key, created_at_ms, retired_at_ms FROM server_keys ORDER BY created_at_ms DESC, id DESC",
                )
                .fetch_all(c))?)
            }

            async fn add_server_key(&self, key: &ServerKeyRecord) -> Result<(), StoreError> {
                let mut tx = self.write_pool().begin().await?;
                sqlx::query("UPDATE server_keys SET retired_at_ms = $1 WHERE retired_at_ms IS NULL")
                    .bind(key.created_at_ms)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO server_keys (id, secret, public_key, created_at_ms, retired_at_ms) VALUES ($1, $2, $3, $4, NULL)")
                    .bind(&key.id)
                    .bind(&key.secret)
                    .bind(&key.public_key)
                    .bind(key.created_at_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }


        impl $store {
            /// Connections read by `sql` (a [`connection_select!`] with its `WHERE` on `$1`).
            async fn connection_rows(&self, sql: &'static str, user: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
                let rows: Vec<ConnectionRow> = read!(self, |c| sqlx::query_as(sql).bind(Key(user.as_str())).fetch_all(c))?;
                rows.into_iter().map(ConnectionRecord::try_from).collect()
            }
        }

        impl CommitNow for $store {
            async fn commit_now(&self, commits: &[DocCommit]) -> Result<bool, StoreError> {
                // Rows are written many to a statement: a push of hundreds of sessions is a
                // handful of round trips to the database, not thousands. Fewer statements than
                // one per table did not pay: the whole commit sent to SQLite as one
                // multi-statement query (3 hand-offs to its thread, not 10) ingested no faster
                // with 50 devices pushing, as a group commit is shared by dozens of requests.
                let mut tx = self.write_pool().begin().await?;
                let created: Vec<&DocCommit> = commits.iter().filter(|c| c.expected_version.is_none()).collect();
                for chunk in created.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO documents (id, version, expanded_bytes) ",
                    );
                    insert.push_values(chunk, |mut row, c| {
                        row.push_bind(Key(&c.doc_id)).push("1").push_bind(c.expanded_bytes);
                    });
                    insert.push(" ON CONFLICT (id) DO NOTHING");
                    // A document someone else created in between: the caller retries.
                    if insert.build().execute(&mut *tx).await?.rows_affected() != chunk.len() as u64 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                }
                for c in commits {
                    let Some(version) = c.expected_version else { continue };
                    let written = sqlx::query(
                        "UPDATE documents SET version = version + 1, expanded_bytes = $3 WHERE id = $1 AND version = $2",
                    )
                    .bind(Key(&c.doc_id))
                    .bind(version)
                    .bind(c.expanded_bytes)
                    .execute(&mut *tx)
                    .await?;
                    if written.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                }
                for chunk in commits.chunks(ROWS_PER_STATEMENT) {
                    let mut upsert = sqlx::QueryBuilder::new(SESSION_INSERT);
                    upsert.push_values(chunk, |mut row, c| {
                        let s = &c.session;
                        row.push_bind(Key(&s.id))
                            .push_bind(Key(&s.provider_id))
                            .push_bind(Key(&s.created_by))
                            .push_bind(s.date.to_string())
                            .push_bind(&s.start_time)
                            .push_bind(&s.time_zone)
                            .push_bind(s.minutes)
                            .push_bind(s.kind.as_str())
                            .push_bind(s.format.as_str())
                            .push_bind(s.withdrawn)
                            .push_bind(&s.problems);
                    });
                    upsert.push(SESSION_ON_CONFLICT);
                    upsert.build().execute(&mut *tx).await?;
                    // Only a document that existed has attendance to replace: a phone's backlog of
                    // new sessions skips the statement.
                    let existed: Vec<&DocCommit> = chunk.iter().filter(|c| c.expected_version.is_some()).collect();
                    if existed.is_empty() {
                        continue;
                    }
                    let mut delete = sqlx::QueryBuilder::new("DELETE FROM attendance WHERE session_id IN (");
                    let mut ids = delete.separated(", ");
                    for c in existed {
                        ids.push_bind(Key(&c.session.id));
                    }
                    delete.push(")");
                    delete.build().execute(&mut *tx).await?;
                }
                let attendance: Vec<_> = commits.iter().flat_map(|c| &c.attendance).collect();
                for chunk in attendance.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO attendance (session_id, attendee_id, minutes_attended, about_own_rsc_practice, status, confirmed_minutes, attestation_id) ",
                    );
                    insert.push_values(chunk, |mut row, a| {
                        row.push_bind(Key(&a.session_id))
                            .push_bind(Key(&a.attendee_id))
                            .push_bind(a.minutes_attended)
                            .push_bind(a.about_own_rsc_practice)
                            .push_bind(a.status.as_str())
                            .push_bind(a.confirmed_minutes)
                            .push_bind(&a.attestation_id);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                let mut attended: Vec<(&str, &str)> = commits
                    .iter()
                    .flat_map(|c| c.attendance.iter().map(|a| (a.attendee_id.as_str(), c.session.provider_id.as_str())))
                    .collect();
                attended.sort_unstable();
                attended.dedup();
                for chunk in attended.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new("INSERT INTO attended_providers (attendee_id, provider_id) ");
                    insert.push_values(chunk, |mut row, (attendee, provider)| {
                        row.push_bind(Key(attendee)).push_bind(Key(provider));
                    });
                    insert.push(" ON CONFLICT (attendee_id, provider_id) DO NOTHING");
                    insert.build().execute(&mut *tx).await?;
                }
                // People who attend one session together know each other from then on (an
                // individual session has one attendee, so a phone's backlog writes none).
                let mut met: Vec<(&str, &str, &str)> = Vec::new();
                for c in commits.iter().filter(|c| c.attendance.len() > 1) {
                    for a in &c.attendance {
                        for b in c.attendance.iter().filter(|b| b.attendee_id != a.attendee_id) {
                            met.push((&a.attendee_id, &b.attendee_id, &c.session.provider_id));
                        }
                    }
                }
                met.sort_unstable();
                met.dedup();
                for chunk in met.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new("INSERT INTO acquaintances (user_id, other_id, provider_id) ");
                    insert.push_values(chunk, |mut row, (user, other, provider)| {
                        row.push_bind(Key(user)).push_bind(Key(other)).push_bind(Key(provider));
                    });
                    insert.push(" ON CONFLICT (user_id, other_id, provider_id) DO NOTHING");
                    insert.build().execute(&mut *tx).await?;
                }
                let attestations: Vec<_> = commits.iter().flat_map(|c| &c.attestations).collect();
                for chunk in attestations.chunks(ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new(ATTESTATION_COLUMNS);
                    insert.push_values(chunk, |mut row, a| {
                        row.push_bind(&a.id)
                            .push_bind(&a.digest)
                            .push_bind(Key(&a.session_id))
                            .push_bind(Key(&a.attendee_id))
                            .push_bind(Key(&a.provider_id))
                            .push_bind(a.kind.as_str())
                            .push_bind(a.signed_at_ms)
                            .push_bind(&a.public_key)
                            .push_bind(&a.statement)
                            .push_bind(a.valid)
                            .push_bind(&a.invalid_reason)
                            .push_bind(a.first_seen_at_ms)
                            .push_bind(&a.device_id);
                    });
                    insert.push(" ON CONFLICT (id) DO NOTHING");
                    insert.build().execute(&mut *tx).await?;
                }
                // Last: draw sequence numbers. The counter row stays locked until commit, so
                // sequence order is commit order; as little as possible happens while it is held.
                let reserved: i64 = commits.iter().map(|c| c.new_changes.len() as i64 + 1).sum();
                let (top,): (i64,) =
                    sqlx::query_as("UPDATE sync_counter SET seq = seq + $1 WHERE id = 1 RETURNING seq")
                        .bind(reserved)
                        .fetch_one(&mut *tx)
                        .await?;
                // Each document's changes take the next numbers, and the number after them marks
                // when its new participants joined.
                let mut next = top - reserved + 1;
                let mut changes = Vec::new();
                let mut joins = Vec::new();
                // Each existing document's participants learn its last write (`touched_seq`).
                let mut touched = Vec::new();
                for c in commits {
                    for change in &c.new_changes {
                        changes.push((next, c, change));
                        next += 1;
                    }
                    for user in c.participants.iter().filter(|u| !c.previous_participants.contains(u)) {
                        joins.push((&c.doc_id, user, next));
                    }
                    if !c.previous_participants.is_empty() {
                        touched.push((&c.doc_id, next));
                    }
                    next += 1;
                }
                for chunk in changes.chunks(ROWS_PER_STATEMENT) {
                    let mut insert =
                        sqlx::QueryBuilder::new("INSERT INTO changes (seq, doc_id, actor_id, bytes) ");
                    insert.push_values(chunk, |mut row, (seq, c, change)| {
                        row.push_bind(*seq).push_bind(Key(&c.doc_id)).push_bind(&change.actor_id).push_bind(&change.bytes);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                for chunk in joins.chunks(ROWS_PER_STATEMENT) {
                    let mut insert =
                        sqlx::QueryBuilder::new("INSERT INTO participants (doc_id, user_id, added_seq, touched_seq) ");
                    insert.push_values(chunk, |mut row, (doc, user, seq)| {
                        row.push_bind(Key(doc)).push_bind(Key(user)).push_bind(*seq).push_bind(*seq);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                for chunk in touched.chunks(ROWS_PER_STATEMENT) {
                    let mut update = sqlx::QueryBuilder::new("UPDATE participants SET touched_seq = CASE doc_id");
                    for (doc, seq) in chunk {
                        update.push(" WHEN ").push_bind(Key(doc)).push(" THEN ").push_bind(*seq);
                    }
                    update.push(" ELSE touched_seq END WHERE doc_id IN (");
                    let mut ids = update.separated(", ");
                    for (doc, _) in chunk {
                        ids.push_bind(Key(doc));
                    }
                    update.push(")");
                    update.build().execute(&mut *tx).await?;
                }
                self.announce(&mut tx, commits).await?;
                tx.commit().await?;
                self.announced(commits);
                Ok(true)
            }
        }
    };
}

impl_store!(PgStore, "postgres");
impl_store!(SqliteStore, "sqlite");
