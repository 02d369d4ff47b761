//! The device's store: one SQLite file (compiled in, so every platform has the same engine) in
//! WAL mode with full sync, so a write that returned survives a killed process or a lost
//! battery. Every logical write is one transaction: a session and the changes that still have
//! to reach the server are saved together or not at all.
//!
//! The schema is versioned with `PRAGMA user_version`; [`MIGRATIONS`] only ever grows.

use std::path::Path;

use rsc_doc::{ActorId, DeviceKey};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ClientError;

/// Schema migrations, applied in order; entry `i` takes the store to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE device (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         secret BLOB NOT NULL,
         actor BLOB NOT NULL
     );
     CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE docs (
         id TEXT PRIMARY KEY,
         bytes BLOB NOT NULL,
         view TEXT NOT NULL,
         date TEXT NOT NULL,
         provider TEXT NOT NULL
     );
     CREATE INDEX docs_by_date ON docs (date, id);
     CREATE TABLE pending (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         doc TEXT NOT NULL,
         change BLOB NOT NULL
     );
     CREATE INDEX pending_by_doc ON pending (doc, seq);
     CREATE TABLE refused (
         seq INTEGER PRIMARY KEY,
         doc TEXT NOT NULL,
         change BLOB NOT NULL,
         code TEXT NOT NULL,
         field TEXT,
         message TEXT NOT NULL,
         refused_at_ms INTEGER NOT NULL
     );",
    // 2: trainings, the person's own documents, synced beside the sessions. The cursor is
    // forgotten so that the next sync pulls everything again once: an earlier release passed
    // over the trainings her other devices had logged.
    "CREATE TABLE trainings (
         id TEXT PRIMARY KEY,
         bytes BLOB NOT NULL,
         view TEXT NOT NULL,
         date TEXT NOT NULL
     );
     ALTER TABLE pending ADD COLUMN kind TEXT NOT NULL DEFAULT 'session';
     ALTER TABLE refused ADD COLUMN kind TEXT NOT NULL DEFAULT 'session';
     DELETE FROM meta WHERE key = 'cursor';",
    // 3: certificate files of trainings, kept here until the server has them (and after, to
    // open offline).
    "CREATE TABLE certificate_files (
         digest TEXT PRIMARY KEY,
         file_name TEXT NOT NULL,
         media_type TEXT NOT NULL,
         bytes BLOB NOT NULL,
         uploaded INTEGER NOT NULL DEFAULT 0
     );",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Keys of the `meta` table.
pub(crate) mod key {
    pub const ACCOUNT: &str = "account";
    /// The version of the profile and directory last received with a sync.
    pub const ACCOUNT_VERSION: &str = "account_version";
    pub const CURSOR: &str = "cursor";
    pub const DIRECTORY: &str = "directory";
    pub const LAST_SYNC_MS: &str = "last_sync_ms";
    /// The profile as this device last set or received it.
    pub const PROFILE: &str = "profile";
    /// Set while a profile edit made here has not reached the server.
    pub const PROFILE_UNSYNCED: &str = "profile_unsynced";
    /// The marks servers gave this device at sign-in, by server and email (kept when signing
    /// out: with one, strangers' wrong passwords do not lock this device out).
    pub const KNOWN_CLIENTS: &str = "known_clients";
    /// Settled entries that edits made here sent back to the provider, by session, until the
    /// server has the edits: the next sync says they went back.
    pub const SENT_BACK: &str = "sent_back";
    /// The epoch of the server's database last seen in a sync answer: when an answer carries
    /// another, the server was restored from a backup.
    pub const SERVER_EPOCH: &str = "server_epoch";
}

/// The open store.
pub(crate) struct Store {
    conn: Connection,
}

/// A document as stored: its Automerge bytes and its rendered view (JSON).
pub(crate) struct StoredDoc {
    pub bytes: Vec<u8>,
}

/// One unacknowledged change.
pub(crate) struct PendingChange {
    pub seq: i64,
    pub doc: String,
    pub change: Vec<u8>,
    /// Whether it is a training's (else a session's).
    pub training: bool,
}

impl Store {
    /// Opens (creating and migrating as needed) the store file at `path`.
    /// The file holds the device's private key: it and SQLite's companion files are readable by
    /// their owner only (SQLite gives the companions the main file's mode).
    pub fn open(path: &Path) -> Result<Store, ClientError> {
        private::create_file(path)?;
        let conn = Connection::open(path)
            .map_err(|e| ClientError::Storage(format!("cannot open the logbook at {}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        for suffix in ["-wal", "-shm"] {
            let mut companion = path.as_os_str().to_owned();
            companion.push(suffix);
            private::tighten(Path::new(&companion), private::FILE_MODE)?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), ClientError> {
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(ClientError::Storage(format!(
                "the logbook was written by a newer version of the app (schema {version}, this app knows {SCHEMA_VERSION}); update the app"
            )));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Runs `write` in one transaction: all of it is saved, or none.
    pub fn write<T>(
        &mut self,
        write: impl FnOnce(&Transaction<'_>) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = write(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`Store::write`] for what the server can give again: the transaction is on disk at the
    /// next durable write (or checkpoint) rather than before this returns. A power cut may undo
    /// it, never part of it, and the next sync redoes it: unacknowledged changes are pushed
    /// again and the cursor pulls again. Saves the sync an fsync per answer.
    pub fn write_replayable<T>(
        &mut self,
        write: impl FnOnce(&Transaction<'_>) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Back to FULL however this ends, a panic included: a local edit made afterwards must
        // be on disk when its call returns.
        let mut store = FullAgain(self, false);
        let value = store.0.write(write)?;
        store.restore()?;
        Ok(value)
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Holds a store whose writes are not flushed, and puts `synchronous=FULL` back when dropped
/// (or, reporting the error, by [`FullAgain::restore`]); the flag says it was put back.
struct FullAgain<'a>(&'a mut Store, bool);

impl FullAgain<'_> {
    fn restore(&mut self) -> Result<(), ClientError> {
        self.1 = true;
        self.0.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(())
    }
}

impl Drop for FullAgain<'_> {
    fn drop(&mut self) {
        if !self.1 {
            let _ = self.0.conn.pragma_update(None, "synchronous", "FULL");
        }
    }
}

/// The device's key and Automerge actor, made on first use. They never leave the device: only
/// the public key and the actor id are sent to the server.
pub(crate) fn device(conn: &Connection) -> Result<(DeviceKey, ActorId), ClientError> {
    let row: Option<(Vec<u8>, Vec<u8>)> = conn
        .query_row("SELECT secret, actor FROM device WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((secret, actor)) = row {
        let secret: [u8; 32] =
            secret.try_into().map_err(|_| ClientError::Storage("the stored device key is damaged".into()))?;
        return Ok((DeviceKey::from_secret_bytes(&secret), ActorId::from(actor)));
    }
    new_device(conn)
}

/// Replaces the device's key and actor with new ones (after signing out, the old ones are
/// revoked on the server and must not be used again).
pub(crate) fn new_device(conn: &Connection) -> Result<(DeviceKey, ActorId), ClientError> {
    let key = DeviceKey::generate(&mut getrandom::SysRng)?;
    let actor = uuid::Uuid::new_v4().as_bytes().to_vec();
    conn.execute(
        "INSERT INTO device (id, secret, actor) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, actor = excluded.actor",
        params![key.secret_bytes().to_vec(), actor],
    )?;
    Ok((key, ActorId::from(actor)))
}

/// A value of the `meta` table.
pub(crate) fn get_meta<T: DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>, ClientError> {
    let text: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    Ok(match text {
        Some(text) => Some(serde_json::from_str(&text)?),
        None => None,
    })
}

/// Sets a value of the `meta` table.
pub(crate) fn set_meta<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<(), ClientError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, serde_json::to_string(value)?],
    )?;
    Ok(())
}

/// A stored document's bytes.
pub(crate) fn doc(conn: &Connection, id: &str) -> Result<Option<StoredDoc>, ClientError> {
    Ok(conn
        .query_row("SELECT bytes FROM docs WHERE id = ?1", [id], |r| Ok(StoredDoc { bytes: r.get(0)? }))
        .optional()?)
}

/// A document as stored, with its rendered view (JSON): one read for a pulled document.
pub(crate) fn doc_and_view(conn: &Connection, id: &str) -> Result<Option<(StoredDoc, String)>, ClientError> {
    Ok(conn
        .prepare_cached("SELECT bytes, view FROM docs WHERE id = ?1")?
        .query_row([id], |r| Ok((StoredDoc { bytes: r.get(0)? }, r.get(1)?)))
        .optional()?)
}

/// Whether a document with this id is here.
pub(crate) fn doc_exists(conn: &Connection, id: &str) -> Result<bool, ClientError> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM docs WHERE id = ?1)", [id], |r| r.get(0))?)
}

/// The ids that start with `prefix` (at most a few: enough to tell one from many).
pub(crate) fn doc_ids_with_prefix(conn: &Connection, prefix: &str) -> Result<Vec<String>, ClientError> {
    // A range on the primary key rather than LIKE, whose wildcards a prefix could carry.
    let mut query =
        conn.prepare_cached("SELECT id FROM docs WHERE id >= ?1 AND id < ?1 || x'ff' ORDER BY id LIMIT 10")?;
    let rows = query.query_map([prefix], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Saves a document with its view and the columns lists filter on.
pub(crate) fn put_doc(
    conn: &Connection,
    id: &str,
    bytes: &[u8],
    view_json: &str,
    date: &str,
    provider: &str,
) -> Result<(), ClientError> {
    conn.prepare_cached(
        "INSERT INTO docs (id, bytes, view, date, provider) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, view = excluded.view,
                                        date = excluded.date, provider = excluded.provider",
    )?
    .execute(params![id, bytes, view_json, date, provider])?;
    Ok(())
}

/// Queues a session's changes for the server.
pub(crate) fn add_pending(conn: &Connection, doc: &str, changes: &[Vec<u8>]) -> Result<(), ClientError> {
    add_pending_of(conn, "session", doc, changes)
}

/// Queues changes of a document of `kind` (`session` or `training`) for the server.
pub(crate) fn add_pending_of(conn: &Connection, kind: &str, doc: &str, changes: &[Vec<u8>]) -> Result<(), ClientError> {
    let mut insert = conn.prepare_cached("INSERT INTO pending (doc, change, kind) VALUES (?1, ?2, ?3)")?;
    for change in changes {
        insert.execute(params![doc, change, kind])?;
    }
    Ok(())
}

/// A document this device holds: its kind (`session` or `training`), id and bytes.
pub(crate) type HeldDocument = (&'static str, String, Vec<u8>);

/// Every document this device holds.
pub(crate) fn documents(conn: &Connection) -> Result<Vec<HeldDocument>, ClientError> {
    let mut documents = Vec::new();
    for (kind, sql) in [("session", "SELECT id, bytes FROM docs"), ("training", "SELECT id, bytes FROM trainings")] {
        let mut query = conn.prepare(sql)?;
        let rows = query.query_map([], |r| Ok((kind, r.get(0)?, r.get(1)?)))?;
        for row in rows {
            documents.push(row?);
        }
    }
    Ok(documents)
}

/// The changes of `doc` that wait for the server.
pub(crate) fn pending_of(conn: &Connection, doc: &str) -> Result<Vec<Vec<u8>>, ClientError> {
    let mut query = conn.prepare_cached("SELECT change FROM pending WHERE doc = ?1 ORDER BY seq")?;
    let rows = query.query_map([doc], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The oldest unacknowledged changes, in the order they were made, at most `limit`, leaving
/// out those of the documents in `waiting`.
pub(crate) fn pending(
    conn: &Connection,
    limit: usize,
    waiting: &std::collections::HashSet<String>,
) -> Result<Vec<PendingChange>, ClientError> {
    let mut query = conn.prepare_cached("SELECT seq, doc, change, kind FROM pending ORDER BY seq")?;
    let rows = query.query_map([], |r| {
        Ok(PendingChange {
            seq: r.get(0)?,
            doc: r.get(1)?,
            change: r.get(2)?,
            training: r.get::<_, String>(3)? == "training",
        })
    })?;
    let mut taken = Vec::new();
    for row in rows {
        let row = row?;
        if !waiting.contains(&row.doc) {
            taken.push(row);
            if taken.len() == limit {
                break;
            }
        }
    }
    Ok(taken)
}

/// A training's document and view (JSON).
pub(crate) fn training(conn: &Connection, id: &str) -> Result<Option<(Vec<u8>, String)>, ClientError> {
    Ok(conn
        .prepare_cached("SELECT bytes, view FROM trainings WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Saves a training's document with its view.
pub(crate) fn put_training(
    conn: &Connection,
    id: &str,
    bytes: &[u8],
    view: &str,
    date: &str,
) -> Result<(), ClientError> {
    conn.prepare_cached(
        "INSERT INTO trainings (id, bytes, view, date) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, view = excluded.view, date = excluded.date",
    )?
    .execute(params![id, bytes, view, date])?;
    Ok(())
}

/// Keeps a certificate file (once by its digest).
pub(crate) fn put_certificate(
    conn: &Connection,
    digest: &str,
    file_name: &str,
    media_type: &str,
    bytes: &[u8],
) -> Result<(), ClientError> {
    conn.execute(
        "INSERT INTO certificate_files (digest, file_name, media_type, bytes) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (digest) DO NOTHING",
        params![digest, file_name, media_type, bytes],
    )?;
    Ok(())
}

/// Certificate files the server does not have yet, as `(digest, file name, bytes)`.
pub(crate) fn certificates_to_upload(conn: &Connection) -> Result<Vec<(String, String, Vec<u8>)>, ClientError> {
    let mut query = conn
        .prepare_cached("SELECT digest, file_name, bytes FROM certificate_files WHERE uploaded = 0 ORDER BY digest")?;
    let rows = query.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The server has the certificate file `digest`.
pub(crate) fn certificate_uploaded(conn: &Connection, digest: &str) -> Result<(), ClientError> {
    conn.execute("UPDATE certificate_files SET uploaded = 1 WHERE digest = ?1", [digest])?;
    Ok(())
}

/// A certificate file kept here, as `(file name, media type, bytes)`.
pub(crate) fn certificate(conn: &Connection, digest: &str) -> Result<Option<(String, String, Vec<u8>)>, ClientError> {
    Ok(conn
        .query_row("SELECT file_name, media_type, bytes FROM certificate_files WHERE digest = ?1", [digest], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

/// Forgets a training (one whose creation the server refused).
pub(crate) fn delete_training(conn: &Connection, id: &str) -> Result<(), ClientError> {
    conn.execute("DELETE FROM trainings WHERE id = ?1", [id])?;
    Ok(())
}

/// Every training's view (JSON) with whether it has unsynced changes, by date.
pub(crate) fn training_views(conn: &Connection) -> Result<Vec<(String, bool)>, ClientError> {
    let mut query = conn.prepare_cached(
        "SELECT view, EXISTS (SELECT 1 FROM pending p WHERE p.doc = trainings.id) FROM trainings ORDER BY date, id",
    )?;
    let rows = query.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many changes wait for the server.
pub(crate) fn pending_count(conn: &Connection) -> Result<u64, ClientError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM pending", [], |r| r.get::<_, i64>(0))? as u64)
}

/// How many changes the server refused.
pub(crate) fn refused_count(conn: &Connection) -> Result<u64, ClientError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM refused", [], |r| r.get::<_, i64>(0))? as u64)
}

/// The server stored a document's changes up to `max_seq`.
pub(crate) fn acknowledge(conn: &Connection, doc: &str, max_seq: i64) -> Result<(), ClientError> {
    conn.execute("DELETE FROM pending WHERE doc = ?1 AND seq <= ?2", params![doc, max_seq])?;
    Ok(())
}

/// The server refused a document's changes: they, and every later change of the document
/// (which builds on them), are set aside (kept, never lost) so that the rest of the logbook
/// keeps syncing. Returns the changes set aside, for the caller to take out of the document.
pub(crate) fn refuse(conn: &Connection, refusal: &crate::Refusal, at_ms: i64) -> Result<Vec<Vec<u8>>, ClientError> {
    let mut query = conn.prepare_cached("SELECT change FROM pending WHERE doc = ?1 ORDER BY seq")?;
    let changes = query.query_map([&refusal.doc], |r| r.get(0))?.collect::<Result<Vec<Vec<u8>>, _>>()?;
    conn.execute(
        "INSERT INTO refused (seq, doc, change, code, field, message, refused_at_ms, kind)
         SELECT seq, doc, change, ?2, ?3, ?4, ?5, kind FROM pending WHERE doc = ?1",
        params![refusal.doc, refusal.code, refusal.field, refusal.message, at_ms],
    )?;
    conn.execute("DELETE FROM pending WHERE doc = ?1", [&refusal.doc])?;
    Ok(changes)
}

/// Forgets a document (a session whose creation the server refused).
pub(crate) fn delete_doc(conn: &Connection, id: &str) -> Result<(), ClientError> {
    conn.execute("DELETE FROM docs WHERE id = ?1", [id])?;
    Ok(())
}

/// Every document's id with its view JSON, in date order, optionally within dates and for one
/// provider.
pub(crate) fn views(
    conn: &Connection,
    from: Option<&str>,
    to: Option<&str>,
    provider: Option<&str>,
) -> Result<Vec<(String, bool)>, ClientError> {
    let mut query = conn.prepare_cached(
        "SELECT view, EXISTS (SELECT 1 FROM pending p WHERE p.doc = docs.id) FROM docs
         WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2) AND (?3 IS NULL OR provider = ?3)
         ORDER BY date, id",
    )?;
    let rows = query.query_map(params![from, to, provider], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One document's view JSON and whether it has unsynced changes.
pub(crate) fn view(conn: &Connection, id: &str) -> Result<Option<(String, bool)>, ClientError> {
    Ok(conn
        .query_row(
            "SELECT view, EXISTS (SELECT 1 FROM pending p WHERE p.doc = docs.id) FROM docs WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Every document's id and bytes (to render views again when trust changes).
pub(crate) fn all_docs(conn: &Connection) -> Result<Vec<(String, Vec<u8>)>, ClientError> {
    let mut query = conn.prepare("SELECT id, bytes FROM docs ORDER BY id")?;
    let rows = query.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Forgets the account's data on this device (after sign-out).
pub(crate) fn wipe(conn: &Connection) -> Result<(), ClientError> {
    conn.execute_batch(
        "DELETE FROM docs; DELETE FROM trainings; DELETE FROM certificate_files; DELETE FROM pending; DELETE FROM refused;",
    )?;
    conn.execute("DELETE FROM meta WHERE key <> ?1", [key::KNOWN_CLIENTS])?;
    Ok(())
}

/// Owner-only permissions for the logbook's folder and files (on Unix; elsewhere the platform's
/// per-user storage already is).
pub(crate) mod private {
    use std::path::Path;

    use crate::ClientError;

    /// Mode of the store files: read and write by the owner only.
    pub const FILE_MODE: u32 = 0o600;
    /// Mode of the logbook folder.
    pub const DIR_MODE: u32 = 0o700;

    /// Creates the folder (and its parents) owner-only, and makes an existing one owner-only.
    pub fn create_dir(dir: &Path) -> Result<(), ClientError> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
        builder
            .create(dir)
            .map_err(|e| ClientError::Storage(format!("cannot create the logbook folder {}: {e}", dir.display())))?;
        tighten(dir, DIR_MODE)
    }

    /// Creates the file owner-only if it does not exist yet, and makes an existing one owner-only.
    pub fn create_file(path: &Path) -> Result<(), ClientError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
        options
            .open(path)
            .map_err(|e| ClientError::Storage(format!("cannot open the logbook at {}: {e}", path.display())))?;
        tighten(path, FILE_MODE)
    }

    /// Removes group and other access from `path` when it exists (files written by earlier
    /// versions were world-readable).
    pub fn tighten(path: &Path, mode: u32) -> Result<(), ClientError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let Ok(metadata) = std::fs::metadata(path) else { return Ok(()) };
            if metadata.permissions().mode() & 0o777 != mode {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
                    ClientError::Storage(format!(
                        "{} holds the device's private key and must be private to you, but its permissions cannot be changed: {e}",
                        path.display()
                    ))
                })?;
            }
        }
        #[cfg(not(unix))]
        let _ = (path, mode);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer's transaction is not flushed, but whatever happens in it (success, an error,
    /// a panic) the store is flushing again afterwards, so a local edit is durable.
    #[test]
    fn a_replayable_write_leaves_the_store_flushing_however_it_ends() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).expect("open");
        let synchronous = |store: &Store| -> i64 {
            store.conn.pragma_query_value(None, "synchronous", |r| r.get(0)).expect("pragma")
        };
        assert_eq!(synchronous(&store), 2, "FULL");
        store
            .write_replayable(|tx| {
                assert_eq!(tx.pragma_query_value(None, "synchronous", |r| r.get::<_, i64>(0)).expect("pragma"), 1);
                set_meta(tx, key::CURSOR, &"1.1")
            })
            .expect("write");
        assert_eq!(synchronous(&store), 2);
        let error =
            store.write_replayable(|_| Err::<(), _>(ClientError::invalid("cursor", "broken"))).expect_err("fails");
        assert!(matches!(error, ClientError::Invalid { .. }));
        assert_eq!(synchronous(&store), 2);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.write_replayable(|_| -> Result<(), ClientError> { panic!("a bad document") });
        }));
        assert!(panicked.is_err());
        assert_eq!(synchronous(&store), 2, "FULL again after a panic");
        assert_eq!(get_meta::<String>(store.conn(), key::CURSOR).expect("read"), Some("1.1".to_string()));
    }

    /// A store path in a fresh folder, removed when the returned guard drops.
    fn temp() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::Builder::new().prefix("rsc-store-").tempdir().expect("temp dir");
        let path = dir.path().join("logbook.sqlite3");
        (dir, path)
    }

    #[test]
    fn migrates_once_and_keeps_the_device_key() {
        let (_dir, path) = temp();
        let store = Store::open(&path).expect("open");
        let (key, actor) = device(store.conn()).expect("device");
        drop(store);
        let store = Store::open(&path).expect("reopen");
        let version: i64 = store.conn().pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        let (again, actor_again) = device(store.conn()).expect("device");
        assert_eq!(key.public_key(), again.public_key());
        assert_eq!(actor, actor_again);
    }

    #[cfg(unix)]
    #[test]
    fn the_folder_and_every_store_file_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
        let temp = tempfile::Builder::new().prefix("rsc-private-").tempdir().expect("temp dir");
        let root = temp.path().to_path_buf();
        let dir = root.join("nested").join("logbook");
        private::create_dir(&dir).expect("dir");
        assert_eq!((mode(&root.join("nested")), mode(&dir)), (0o700, 0o700));
        let path = dir.join("logbook.sqlite3");
        let store = Store::open(&path).expect("open");
        device(store.conn()).expect("a key is written");
        for file in ["logbook.sqlite3", "logbook.sqlite3-wal", "logbook.sqlite3-shm"] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
        }
        drop(store);
        // A store and folder left world-readable by an earlier version are tightened on open.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        private::create_dir(&dir).expect("dir");
        let _store = Store::open(&path).expect("reopen");
        assert_eq!((mode(&dir), mode(&path)), (0o700, 0o600));
    }

    #[test]
    fn refuses_a_store_from_a_newer_schema() {
        let (_dir, path) = temp();
        let store = Store::open(&path).expect("open");
        store.conn().pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("bump");
        drop(store);
        let error = Store::open(&path).err().expect("refused");
        assert!(error.to_string().contains("newer version"), "{error}");
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).expect("open");
        let result: Result<(), ClientError> = store.write(|tx| {
            add_pending(tx, "d1", &[vec![1, 2, 3]])?;
            Err(ClientError::invalid("minutes", "too long"))
        });
        assert!(result.is_err());
        assert_eq!(pending_count(store.conn()).expect("count"), 0);
        store.write(|tx| add_pending(tx, "d1", &[vec![1], vec![2]])).expect("write");
        assert_eq!(pending_count(store.conn()).expect("count"), 2);
        let rows = pending(store.conn(), 10, &Default::default()).expect("pending");
        store.write(|tx| acknowledge(tx, "d1", rows[0].seq)).expect("ack");
        let left = pending(store.conn(), 10, &Default::default()).expect("pending");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].change, vec![2]);
    }
}
