//! The two SQL backends. Their SQL is the same text (`$n` parameters, `ON CONFLICT`,
//! `RETURNING` all mean the same in Postgres and SQLite, and the schema keeps times and dates
//! in portable types): each area's SQL is one file in `areas/`, which `pg.rs` and `sqlite.rs`
//! compile for their backend. What differs is how each connects, migrates and serializes
//! writers, here.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use rsc_model::{AttendanceStatus, ClaimStatus, ConnectionRole, ConnectionSource};
use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::group::{CommitNow, Committed, Group};
use super::inputs::{EvaluationInputs, Kept};
use super::keys::{Key, KeyText};
use super::notices::{self, Board, CHANNEL, Notice, Notices};
use super::readers::{Readers, read};
use super::records::{
    AssociationRow, AttendanceRowRaw, AttestationRow, AuditRow, CertificateRaw, ClaimRow, ConnectionRequestRow,
    ConnectionRow, ProfileRow, RegistryRow, SessionAttendanceRaw, SessionRowRaw, SignedInRow, TrainingRowRaw, UserRow,
    role_name,
};
use super::{
    AccountStore, Acquaintance, Actor, AssociationRecord, AttendanceRow, AttestationRecord, AuditEntry, Backend,
    ClaimId, ClaimRecord, ConnectionCodeRecord, ConnectionRecord, ConnectionRequestRecord, ConnectionStore, DeviceId,
    DeviceRecord, DirectoryMarks, DocCommit, DocId, ExportRecord, ExportStore, GroupMemberRecord, GroupRecord,
    LedgerStore, ProfileRecord, PulledChange, PulledPage, RegistryRecord, RegistryStore, RequestStatus,
    ServerKeyRecord, SessionAttendance, SessionRow, StaffStore, StoreError, StoredDoc, SyncStore, UpsertCounts, UserId,
    UserRecord,
};
use super::{CertificateRecord, CertificateStored, DocKind, NewChange, TrainingCommit, TrainingRow, TrainingStore};

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
    async fn announce(&self, tx: &mut sqlx::PgConnection, commits: &[DocWrite<'_>]) -> Result<(), StoreError> {
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
    fn announced(&self, _commits: &[DocWrite<'_>]) {}

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
    async fn commit_grouped(&self, commits: &[DocCommit]) -> Result<Committed, StoreError> {
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
            // each page unused. An existing database keeps the page size it was made with.
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

    /// Writes a consistent copy of the whole database to the new file `path` while it serves
    /// (`VACUUM INTO`, read in one snapshot on a reader: writes go on meanwhile, and the copy
    /// holds exactly what was committed when it began). Refuses a path that exists.
    pub async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::Missing(format!(
                "{} exists already; a backup is written to a new file",
                path.display()
            )));
        }
        let target = path.to_str().ok_or_else(|| StoreError::Missing(format!("{} is not UTF-8", path.display())))?;
        let mut conn = self.readers.pool().acquire().await?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&mut *conn).await?;
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
    async fn announce(&self, _tx: &mut sqlx::SqliteConnection, _commits: &[DocWrite<'_>]) -> Result<(), StoreError> {
        Ok(())
    }

    /// One writer at a time, each commit flushed to disk: writes that arrive meanwhile are
    /// committed together (see [`Group`]).
    async fn commit_grouped(&self, commits: &[DocCommit]) -> Result<Committed, StoreError> {
        self.here.group.commit(self, commits).await
    }

    /// This process owns the file: listeners are all here.
    async fn post(&self, notice: Notice) -> Result<(), StoreError> {
        self.here.board.post(notice);
        Ok(())
    }

    fn announced(&self, commits: &[DocWrite<'_>]) {
        for (device_id, users) in notices_of(commits) {
            self.here.board.post(Notice::Changed { device_id: device_id.to_string(), users });
        }
    }

    async fn subscribe(&self) -> Result<Notices, StoreError> {
        Ok(self.here.board.listen())
    }
}

/// The document half of a commit, whatever the document is: its version, its changes and
/// its participants.
pub(crate) struct DocWrite<'a> {
    pub doc_id: &'a str,
    pub device_id: &'a str,
    pub expected_version: Option<i64>,
    pub expanded_bytes: i64,
    pub new_changes: &'a [NewChange],
    pub previous_participants: &'a [String],
    pub participants: &'a [String],
    pub kind: DocKind,
}

impl DocCommit {
    pub(crate) fn write(&self) -> DocWrite<'_> {
        DocWrite {
            doc_id: &self.doc_id,
            device_id: &self.device_id,
            expected_version: self.expected_version,
            expanded_bytes: self.expanded_bytes,
            new_changes: &self.new_changes,
            previous_participants: &self.previous_participants,
            participants: &self.participants,
            kind: DocKind::Session,
        }
    }
}

/// Who hears about a commit: everyone taking part in a written document, by the device that
/// wrote it.
fn notices_of<'a>(commits: &[DocWrite<'a>]) -> Vec<(&'a str, Vec<String>)> {
    let mut by_device: Vec<(&str, Vec<String>)> = Vec::new();
    for c in commits {
        let users = match by_device.iter_mut().find(|(device, _)| *device == c.device_id) {
            Some((_, users)) => users,
            None => {
                by_device.push((c.device_id, Vec::new()));
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
pub(crate) const DOCUMENTS: &str = "SELECT d.id, d.version, d.expanded_bytes, d.kind, c.bytes FROM documents d \
     JOIN changes c ON c.doc_id = d.id WHERE d.id IN (";
pub(crate) const DOCUMENTS_ORDER: &str = ") ORDER BY d.id, c.seq";

// A change becomes visible to a user when it is stored or when the user joins its document,
// whichever is later; pulls walk (visible, seq). The limit is `$5 + 0`, not `$5`: SQLite plans
// a bare parameter in LIMIT for the value bound, and so prepares the statement again each time
// it is bound (most of an idle sync's cost); an expression is read when the statement runs.
macro_rules! pull_changes {
    () => {
        "SELECT c.doc_id AS doc_id, p.kind AS kind, \
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
    "SELECT t.seq AS top, page.doc_id, page.kind, page.visible, page.seq, page.bytes \
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

mod pg;
mod sqlite;
