//! The conformance suite on both backends, and what only raw SQL can show: the ledger and the
//! audit trail are append-only, both schemas match, and rows this version cannot read are errors.

mod sqlite {
    crate::conformance_suite!(crate::testing::with_sqlite);
}

mod postgres {
    crate::conformance_suite!(crate::testing::with_postgres);
}

use crate::conformance::{attestation, audit, commit};
use crate::prelude::*;
use crate::{DocId, UserId};

/// Writes one attestation and one line of the audit trail, then tries to change and delete them
/// with raw SQL through `execute` (which says whether a statement succeeded): the database's
/// triggers must refuse each.
async fn the_ledger_is_append_only<S: Store, F, Fut>(store: S, execute: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    store
        .commit_documents(&[{
            let mut c = commit("s1", None, &["c1"], &[], &["ana"]);
            c.attestations = vec![attestation(1, "s1", true)];
            c
        }])
        .await
        .expect("commit");
    assert!(!execute("UPDATE attestations SET valid = NOT valid").await, "updates are refused");
    assert!(!execute("DELETE FROM attestations").await, "deletes are refused");
    assert_eq!(store.attestations(&DocId::from("s1")).await.expect("ledger").len(), 1);
    store.append_audit(&audit(rsc_model::AuditAction::ResetCode)).await.expect("a line");
    assert!(!execute("UPDATE audit_trail SET detail = 'nothing happened'").await, "updates are refused");
    assert!(!execute("DELETE FROM audit_trail").await, "deletes are refused");
    let trail = store.audit_trail(None).await.expect("trail");
    assert_eq!((trail.len(), trail[0].detail.as_str()), (1, ""));
}

#[tokio::test]
async fn the_ledger_is_append_only_in_postgres() {
    crate::testing::with_postgres(|store, _| async move {
        let pool = store.pool().clone();
        the_ledger_is_append_only(store, |sql| {
            let pool = pool.clone();
            async move { sqlx::query(sql).execute(&pool).await.is_ok() }
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn the_ledger_is_append_only_in_sqlite() {
    crate::testing::with_sqlite(|store, _| async move {
        let pool = store.write_pool().clone();
        the_ledger_is_append_only(store, |sql| {
            let pool = pool.clone();
            async move { sqlx::query(sql).execute(&pool).await.is_ok() }
        })
        .await;
    })
    .await;
}

/// The tables and columns a schema has, by name (types are each backend's own).
type Schema = std::collections::BTreeMap<String, Vec<String>>;

/// Both backends' migrations build the same tables with the same columns, so one SQL text per
/// query (and the conformance suite) means the same thing on each.
#[tokio::test]
async fn both_backends_migrate_to_the_same_tables_and_columns() {
    let sqlite_schema = std::sync::Arc::new(std::sync::Mutex::new(Schema::new()));
    let out = sqlite_schema.clone();
    crate::testing::with_sqlite(|store, _url| async move {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(store.write_pool())
        .await
        .expect("tables");
        let mut schema = Schema::new();
        for (table,) in tables {
            let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY name")
                .bind(&table)
                .fetch_all(store.write_pool())
                .await
                .expect("columns");
            schema.insert(table, columns.into_iter().map(|(c,)| c).collect());
        }
        *out.lock().expect("lock") = schema;
    })
    .await;
    let sqlite_schema = sqlite_schema.lock().expect("lock").clone();
    assert!(sqlite_schema.contains_key("documents") && sqlite_schema.contains_key("login_limits"), "{sqlite_schema:?}");
    crate::testing::with_postgres(|store, _url| async move {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY table_name, column_name",
        )
        .fetch_all(store.pool())
        .await
        .expect("columns");
        let mut schema = Schema::new();
        for (table, column) in rows {
            schema.entry(table).or_default().push(column);
        }
        assert_eq!(schema, sqlite_schema);
    })
    .await;
}

const BAD_ROLE: &str = "INSERT INTO users (id, email, display_name, password_hash, role, created_at_ms) \
     VALUES ('u-bad', 'bad@example.org', 'Bad', '$argon2id$x', 'superuser', 1)";

/// A row that cannot be read is an error, never a default: a role this version does not know
/// (as a newer version might write, past this version's CHECK constraint) does not quietly
/// become `member`.
#[tokio::test]
async fn a_stored_role_this_version_does_not_know_is_an_error() {
    crate::testing::with_sqlite(|store, _url| async move {
        let mut conn = store.write_pool().acquire().await.expect("connection");
        sqlx::query("PRAGMA ignore_check_constraints = ON").execute(&mut *conn).await.expect("pragma");
        sqlx::query(BAD_ROLE).execute(&mut *conn).await.expect("insert");
        sqlx::query("PRAGMA ignore_check_constraints = OFF").execute(&mut *conn).await.expect("pragma");
        drop(conn);
        let error = store.user_by_email("bad@example.org").await.expect_err("unreadable");
        assert!(error.to_string().contains("`superuser` is not a role"), "{error}");
    })
    .await;
    crate::testing::with_postgres(|store, _url| async move {
        sqlx::query("ALTER TABLE users DROP CONSTRAINT users_role_check").execute(store.pool()).await.expect("alter");
        // The id as Postgres keeps one that is not a UUID (see `keys`).
        let bad_role = BAD_ROLE.replace("'u-bad'", "convert_to('u-bad', 'UTF8') || '\\xff'::bytea");
        sqlx::query(sqlx::AssertSqlSafe(bad_role)).execute(store.pool()).await.expect("insert");
        let error = store.user_by_email("bad@example.org").await.expect_err("unreadable");
        assert!(error.to_string().contains("`superuser` is not a role"), "{error}");
    })
    .await;
}

const BAD_CREDENTIAL: &str = "INSERT INTO registry_records (number, holder_name, holder_email, credential, association, \
     earned_on, valid_through, revoked_on, version, changed_at_ms, changed_by, source) \
     VALUES ('NM-X', 'Pat', 'pat@example.org', 'IMHM-Z', 'NMAIMH', '2015-03-01', NULL, NULL, 1, 1, 'cli', 'test')";

/// A registry record whose credential this version does not know fails loudly: read as "no
/// credential", it would silently take its holder's hours away.
#[tokio::test]
async fn a_registry_record_this_version_cannot_read_is_an_error() {
    crate::testing::with_sqlite(|store, _url| async move {
        sqlx::query(BAD_CREDENTIAL).execute(store.write_pool()).await.expect("insert");
        let error = store.registry_records().await.expect_err("unreadable");
        assert!(error.to_string().contains("row `NM-X` of registry_records cannot be read"), "{error}");
        assert!(store.registry_record("NM-X").await.is_err());
    })
    .await;
    crate::testing::with_postgres(|store, _url| async move {
        sqlx::query(BAD_CREDENTIAL).execute(store.pool()).await.expect("insert");
        let error = store.registry_record("NM-X").await.expect_err("unreadable");
        assert!(error.to_string().contains("IMHM-Z"), "{error}");
    })
    .await;
}

/// One transaction of several devices' documents, with more participants than one `NOTIFY`
/// payload holds, sends every notice in one statement: each device's, in order, all heard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_commits_notices_are_all_heard_in_order() {
    crate::testing::with_postgres(|store, _url| async move {
        let mut notices = store.notices().await.expect("listen");
        let crowd: Vec<String> = (0..400).map(|i| format!("{i:08}-0000-4000-8000-000000000000")).collect();
        let crowd_refs: Vec<&str> = crowd.iter().map(String::as_str).collect();
        let mut by_d2 = commit("s2", None, &["b1"], &[], &["ben"]);
        by_d2.device_id = "d2".into();
        let together = [commit("s1", None, &["a1"], &[], &crowd_refs), by_d2];
        assert!(store.commit_documents(&together).await.expect("commit").all_written());
        let mut heard: Vec<(String, Vec<String>)> = Vec::new();
        while heard.iter().map(|(_, users)| users.len()).sum::<usize>() < crowd.len() + 1 {
            let notice = tokio::time::timeout(std::time::Duration::from_secs(10), notices.next()).await;
            match notice.expect("heard in time").as_deref() {
                Some(crate::Notice::Changed { device_id, users }) => heard.push((device_id.clone(), users.clone())),
                other => panic!("a notice of a device's commit, not {other:?}"),
            }
        }
        assert!(heard.len() > 2, "{} notices: the crowd takes more than one payload", heard.len());
        let d1: Vec<String> = heard.iter().filter(|(d, _)| d == "d1").flat_map(|(_, u)| u.clone()).collect();
        assert_eq!(d1, crowd, "d1's notices name its whole crowd, in order");
        assert_eq!(heard.last(), Some(&("d2".to_string(), vec!["ben".to_string()])), "d2's notice comes after");
    })
    .await;
}

/// Two stores on one Postgres database stand for two server processes: a commit through one
/// is heard by a listener of the other, through `LISTEN/NOTIFY`, and only once it commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_through_one_postgres_store_is_heard_through_another() {
    crate::testing::with_postgres(|store, url| async move {
        let other = crate::PgStore::connect(&url, 2).await.expect("a second store on the database");
        let mut heard_elsewhere = other.notices().await.expect("listen");
        let mut heard_here = store.notices().await.expect("listen");
        store.commit_documents(&[commit("s1", None, &["a1"], &[], &["ana", "pat"])]).await.expect("commit");
        let expected = crate::Notice::Changed { device_id: "d1".into(), users: vec!["ana".into(), "pat".into()] };
        for listener in [&mut heard_elsewhere, &mut heard_here] {
            let heard = tokio::time::timeout(std::time::Duration::from_secs(10), listener.next()).await;
            assert_eq!(heard.expect("heard in time").as_deref(), Some(&expected));
        }
        // A rolled-back transaction's NOTIFY is never delivered: a stale commit says nothing,
        // so the next notice is the next commit's.
        assert!(
            !other
                .commit_documents(&[commit("s1", Some(9), &["a2"], &["ana", "pat"], &["ana", "pat"])])
                .await
                .expect("stale")
                .all_written()
        );
        other.commit_documents(&[commit("s2", None, &["b1"], &[], &["ben"])]).await.expect("commit");
        let heard = tokio::time::timeout(std::time::Duration::from_secs(10), heard_elsewhere.next()).await;
        assert_eq!(
            heard.expect("heard in time").as_deref(),
            Some(&crate::Notice::Changed { device_id: "d1".into(), users: vec!["ben".into()] })
        );
        other.close().await;
    })
    .await;
}

/// A store with a pool of two that has read once, after which an administrator dropped every
/// connection to its database; with the id it read.
async fn read_then_drop_connections(url: &str) -> (crate::PgStore, crate::UserId) {
    let store = crate::PgStore::connect(url, 2).await.expect("a store with a pool of two");
    let nobody = crate::UserId::from("nobody");
    assert_eq!(store.user_by_id(&nobody).await.expect("a first read"), None);
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.expect("an administrator");
    let (dropped,): (i64,) = sqlx::query_as(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut admin)
    .await
    .expect("drop every other connection");
    assert!(dropped >= 1, "the store's connections were dropped");
    (store, nobody)
}

/// A connection Postgres dropped while it sat idle in the pool (a restart, an administrator)
/// is found and replaced before it is lent: the next statement works.
#[tokio::test]
async fn a_postgres_connection_dropped_while_idle_is_replaced() {
    crate::testing::with_postgres(|_, url| async move {
        let (store, nobody) = read_then_drop_connections(&url).await;
        let idle = crate::sql::PG_IDLE_BEFORE_PING.max(crate::readers::KEEP_FOR);
        tokio::time::sleep(idle + std::time::Duration::from_millis(200)).await;
        assert_eq!(store.user_by_id(&nobody).await.expect("a read on a replaced connection"), None);
        store.close().await;
    })
    .await;
}

/// Connections Postgres drops between two reads (one kept for reads, one idle in the pool)
/// cost at most one failed read each, as any statement racing the drop would: a failed
/// connection goes back to the pool, which replaces it, and is never kept.
#[tokio::test]
async fn a_kept_read_connection_postgres_dropped_fails_once() {
    crate::testing::with_postgres(|_, url| async move {
        let (store, nobody) = read_then_drop_connections(&url).await;
        // At once, while the dropped connections are still kept or fresh in the pool.
        let mut failures = 0;
        while store.user_by_id(&nobody).await.is_err() {
            failures += 1;
            assert!(failures <= 2, "more failed reads than the pool's two connections");
        }
        for attempt in 0..3 {
            assert_eq!(store.user_by_id(&nobody).await.expect("reads after the drop work"), None, "read {attempt}");
        }
        store.close().await;
    })
    .await;
}

/// The reads a sync makes per user go through an index that starts with the user and the
/// last write (so they cost the same at any history size), and none needs the dropped
/// `participants_user`.
#[tokio::test]
async fn per_user_reads_use_the_user_and_last_write_index() {
    crate::testing::with_sqlite(|store, _url| async move {
        let plan = async |sql: &str| -> String {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .fetch_all(store.write_pool())
                    .await
                    .expect("plan");
            rows.into_iter().map(|(_, _, _, detail)| detail).collect::<Vec<_>>().join("; ")
        };
        let pull = plan(
            &crate::sql::PULL_PAGE
                .replace("$1", "'ana'")
                .replace("$2", "x'00'")
                .replace("$3", "5")
                .replace("$4", "5")
                .replace("$5", "100"),
        )
        .await;
        assert!(pull.contains("participants_user_touched"), "the pull: {pull}");
        let documents = plan(&format!("{}'s1', 's2'{}", crate::sql::DOCUMENTS, crate::sql::DOCUMENTS_ORDER)).await;
        assert!(
            documents.contains("changes_doc_seq") && documents.contains("PRIMARY KEY") && !documents.contains("SCAN"),
            "documents by id: {documents}"
        );
        let top = plan("SELECT COALESCE(MAX(touched_seq), -1) FROM participants WHERE user_id = 'ana'").await;
        assert!(top.contains("participants_user_touched"), "her last write: {top}");
        let indexes: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'participants'")
                .fetch_all(store.write_pool())
                .await
                .expect("indexes");
        assert!(!indexes.iter().any(|(name,)| name == "participants_user"), "{indexes:?}");
    })
    .await;
}

/// Runs each statement of `rows`, binding its byte string if it has one, on either backend.
macro_rules! insert_rows {
    ($pool:expr, $rows:expr) => {
        for (sql, bytes) in $rows {
            let query = sqlx::query(sqlx::AssertSqlSafe(sql));
            let query = match bytes {
                Some(bytes) => query.bind(bytes.to_vec()),
                None => query,
            };
            query.execute($pool).await.expect("a row of the older schema");
        }
    };
}

/// A new SQLite database migrated to `version` and holding `rows` (each statement with at most
/// one byte string bound), closed again: its folder (kept while it lives) and its URL.
async fn sqlite_at(
    version: i64,
    rows: impl Iterator<Item = (String, Option<&'static [u8]>)>,
) -> (tempfile::TempDir, String) {
    let dir = tempfile::Builder::new().prefix("rsc-test-").tempdir().expect("temp dir");
    let url = format!("sqlite://{}/rsc.db", dir.path().display());
    let options =
        <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url).expect("url").create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("open");
    crate::migrations::migrator(crate::migrations::SQLITE).run_to(version, &pool).await.expect("the older schema");
    insert_rows!(&pool, rows);
    pool.close().await;
    (dir, url)
}

/// As [`sqlite_at`], on a new Postgres database (its name and URL), when there is one.
async fn postgres_at(
    version: i64,
    rows: impl Iterator<Item = (String, Option<&'static [u8]>)>,
) -> Option<(String, String)> {
    let (name, url) = crate::testing::create_postgres_db().await?;
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    crate::migrations::migrator(crate::migrations::POSTGRES).run_to(version, &pool).await.expect("the older schema");
    insert_rows!(&pool, rows);
    pool.close().await;
    Some((name, url))
}

/// Rows as schema 11 held them: `s1` saved whole beside its changes `c1` and `c2`, with `s2`'s
/// change numbered between them, and each with participants, a session and attendance. Each
/// statement binds at most one byte string.
const BEFORE_0012: &[(&str, Option<&[u8]>)] = &[
    (
        "INSERT INTO documents (id, version, bytes, size_bytes, updated_at_ms, expanded_bytes) \
         VALUES ('s1', 2, $1, 5, 10, 4), ('s2', 1, $1, 5, 10, 2)",
        Some(b"saved"),
    ),
    (
        "INSERT INTO changes (seq, doc_id, hash, actor_id, device_id, bytes) VALUES (1, 's1', $1, $1, 'd1', 'c1')",
        Some(b"h1"),
    ),
    (
        "INSERT INTO changes (seq, doc_id, hash, actor_id, device_id, bytes) VALUES (2, 's2', $1, $1, 'd1', 'b1')",
        Some(b"h2"),
    ),
    (
        "INSERT INTO changes (seq, doc_id, hash, actor_id, device_id, bytes) VALUES (3, 's1', $1, $1, 'd1', 'c2')",
        Some(b"h3"),
    ),
    (
        "INSERT INTO participants (doc_id, user_id, added_seq, touched_seq) \
         VALUES ('s1', 'ana', 1, 3), ('s1', 'pat', 1, 3), ('s2', 'ana', 2, 2)",
        None,
    ),
    (
        "INSERT INTO sessions (id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format, withdrawn, problems) \
         VALUES ('s1', 'pat', 'ana', '2025-03-04', '10:00', 'UTC', 60, 'individual', 'video', FALSE, '')",
        None,
    ),
    (
        "INSERT INTO attendance (session_id, attendee_id, minutes_attended, about_own_rsc_practice, status) \
         VALUES ('s1', 'ana', 45, FALSE, 'pending')",
        None,
    ),
    ("UPDATE sync_counter SET seq = 3", None),
];

/// What [`BEFORE_0012`] reads as once migration 0012 has stored each document only as its changes.
async fn reads_as_before_0012<S: Store>(store: S) {
    let s1 = store.document(&DocId::from("s1")).await.expect("read").expect("s1 kept");
    assert_eq!((s1.version, s1.expanded_bytes, s1.bytes.as_slice()), (2, 4, b"c1c2".as_slice()));
    assert_eq!(store.document(&DocId::from("s2")).await.expect("read").expect("s2 kept").bytes, b"b1");
    assert_eq!(store.participants(&DocId::from("s1")).await.expect("participants"), ["ana", "pat"]);
    let pulled = store.pull(&crate::UserId::from("ana"), b"other", (0, 0), 10).await.expect("pull").changes;
    assert_eq!(
        pulled.iter().map(|c| (c.doc_id.as_str(), c.seq, c.bytes.as_slice())).collect::<Vec<_>>(),
        [("s1", 1, b"c1".as_slice()), ("s2", 2, b"b1".as_slice()), ("s1", 3, b"c2".as_slice())]
    );
    assert_eq!(store.session_row(&DocId::from("s1")).await.expect("row").expect("projected").minutes, 60);
    assert_eq!(store.attendance_rows(&DocId::from("s1")).await.expect("rows")[0].minutes_attended, 45);
    // And the store writes on as before.
    let update = commit("s1", Some(2), &["c3"], &["ana", "pat"], &["ana", "pat"]);
    assert!(store.commit_documents(&[update]).await.expect("update").all_written());
    assert_eq!(store.document(&DocId::from("s1")).await.expect("read").expect("s1").bytes, b"c1c2c3");
}

/// Migration 0012 drops the saved copy of each document and rebuilds (SQLite) or re-keys
/// (Postgres) the document tables: every row written before it reads the same after it.
#[tokio::test]
async fn documents_written_before_migration_12_read_the_same_after_it() {
    let (_dir, url) = sqlite_at(
        11,
        BEFORE_0012.iter().map(|(sql, bytes)| {
            let sql = sql
                .replace("FALSE", "0")
                .replace("'c1'", "X'6331'")
                .replace("'c2'", "X'6332'")
                .replace("'b1'", "X'6231'");
            (sql, *bytes)
        }),
    )
    .await;
    reads_as_before_0012(crate::SqliteStore::connect(&url).await.expect("migrate to the latest")).await;

    let Some((name, url)) = postgres_at(
        11,
        BEFORE_0012.iter().map(|(sql, bytes)| {
            let sql = sql.replace("'c1'", "'c1'::bytea").replace("'c2'", "'c2'::bytea").replace("'b1'", "'b1'::bytea");
            (sql, *bytes)
        }),
    )
    .await
    else {
        return;
    };
    let store = crate::PgStore::connect(&url, 4).await.expect("migrate to the latest");
    let outcome = tokio::spawn(reads_as_before_0012(store.clone())).await;
    store.close().await;
    crate::testing::drop_postgres_db(&name).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// A session id and two user ids as written before migration 13: a canonical UUID each for the
/// session and Ana, and for Pat an id of 16 bytes that is not a UUID (the protocol allows any
/// text), the length a packed UUID has. (Ben, an account only, has one of 15.)
const SESSION_13: &str = "01939e1c-5b2a-7c3d-8e4f-a0b1c2d3e4f5";
const ANA_13: &str = "01939e1c-0000-7000-8000-00000000a0a0";
const PAT_13: &str = "pat@old-system-1";

/// Rows as schema 12 held them, with [`SESSION_13`], [`ANA_13`] and [`PAT_13`].
const BEFORE_0013: &[&str] = &[
    "INSERT INTO users (id, email, display_name, password_hash, role, created_at_ms) VALUES \
     ('01939e1c-0000-7000-8000-00000000a0a0', 'ana@example.org', 'Ana Núñez', 'x', 'member', 1), \
     ('pat@old-system-1', 'pat@example.org', 'Pat Okafor', 'x', 'member', 1), \
     ('ben@old-system1', 'ben@example.org', 'Ben Lee', 'x', 'member', 1)",
    "INSERT INTO documents (id, version, size_bytes, updated_at_ms, expanded_bytes) \
     VALUES ('01939e1c-5b2a-7c3d-8e4f-a0b1c2d3e4f5', 1, 2, 10, 2)",
    "INSERT INTO changes (seq, doc_id, actor_id, bytes) VALUES (1, '01939e1c-5b2a-7c3d-8e4f-a0b1c2d3e4f5', 'a1', 'c1')",
    "INSERT INTO participants (doc_id, user_id, added_seq, touched_seq) VALUES \
     ('01939e1c-5b2a-7c3d-8e4f-a0b1c2d3e4f5', '01939e1c-0000-7000-8000-00000000a0a0', 1, 1), \
     ('01939e1c-5b2a-7c3d-8e4f-a0b1c2d3e4f5', 'pat@old-system-1', 1, 1)",
    "INSERT INTO sessions (id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format, withdrawn, problems) \
     VALUES ('01939e1c-5b2a-7c3d-8e4f-a0b1c2d3e4f5', 'pat@old-system-1', '01939e1c-0000-7000-8000-00000000a0a0', \
     '2025-03-04', '10:00', 'UTC', 60, 'individual', 'video', FALSE, '')",
    "INSERT INTO attendance (session_id, attendee_id, minutes_attended, about_own_rsc_practice, status) \
     VALUES ('01939e1c-5b2a-7c3d-8e4f-a0b1c2d3e4f5', '01939e1c-0000-7000-8000-00000000a0a0', 45, FALSE, 'pending')",
    "INSERT INTO attended_providers (attendee_id, provider_id) \
     VALUES ('01939e1c-0000-7000-8000-00000000a0a0', 'pat@old-system-1')",
    "UPDATE sync_counter SET seq = 1",
];

/// What [`BEFORE_0013`] reads as after migration 13.
async fn reads_as_before_0013<S: Store>(store: S) {
    let session = DocId::from(SESSION_13);
    let (ana, pat) = (crate::UserId::from(ANA_13), crate::UserId::from(PAT_13));
    let doc = store.document(&session).await.expect("read").expect("kept");
    assert_eq!((doc.version, doc.expanded_bytes, doc.bytes.as_slice()), (1, 2, b"c1".as_slice()));
    let mut people = store.participants(&session).await.expect("participants");
    people.sort();
    assert_eq!(people, [ANA_13, PAT_13]);
    let row = store.session_row(&session).await.expect("row").expect("projected");
    assert_eq!((row.id.as_str(), row.provider_id.as_str(), row.created_by.as_str()), (SESSION_13, PAT_13, ANA_13));
    // Joins between the tables still meet: her attendance with her name, her providers.
    let attended = store.attendance_of(&ana).await.expect("attendance");
    assert_eq!(attended.len(), 1);
    assert_eq!((attended[0].attendee_name.as_str(), attended[0].attendance.minutes_attended), ("Ana Núñez", 45));
    assert_eq!(store.providers_attended(&ana).await.expect("providers"), [PAT_13]);
    assert_eq!(store.awaiting_provider(&pat).await.expect("queue").len(), 1);
    assert_eq!(store.user_by_id(&pat).await.expect("user").expect("pat").display_name, "Pat Okafor");
    let ben = crate::UserId::from("ben@old-system1");
    assert_eq!(store.user_by_id(&ben).await.expect("user").expect("ben").display_name, "Ben Lee");
    let pulled = store.pull(&ana, b"other", (0, 0), 10).await.expect("pull").changes;
    assert_eq!(pulled.iter().map(|c| (c.doc_id.as_str(), c.seq)).collect::<Vec<_>>(), [(SESSION_13, 1)]);
    // And the store writes on as before.
    let mut update = commit(SESSION_13, Some(1), &["c2"], &[ANA_13, PAT_13], &[ANA_13, PAT_13]);
    update.session.provider_id = PAT_13.into();
    update.attendance[0].attendee_id = ANA_13.into();
    assert!(store.commit_documents(&[update]).await.expect("update").all_written());
    assert_eq!(store.document(&session).await.expect("read").expect("kept").bytes, b"c1c2");
    assert_eq!(store.pull(&ana, b"other", (1, 1), 10).await.expect("pull").changes.len(), 1);
}

/// Migration 13 packs user and session ids (Postgres) and drops two unread document columns
/// (both): every row written before it reads the same after it, and Postgres keeps a UUID in
/// 16 bytes and another id as its text.
#[tokio::test]
async fn ids_written_before_migration_13_read_the_same_after_it() {
    let (_dir, url) = sqlite_at(
        12,
        BEFORE_0013
            .iter()
            .map(|sql| (sql.replace("FALSE", "0").replace("'a1'", "X'6131'").replace("'c1'", "X'6331'"), None)),
    )
    .await;
    reads_as_before_0013(crate::SqliteStore::connect(&url).await.expect("migrate to the latest")).await;

    let Some((name, url)) = postgres_at(
        12,
        BEFORE_0013.iter().map(|sql| (sql.replace("'a1'", "'a1'::bytea").replace("'c1'", "'c1'::bytea"), None)),
    )
    .await
    else {
        return;
    };
    let store = crate::PgStore::connect(&url, 4).await.expect("migrate to the latest");
    let stored: Result<Vec<(String, i32)>, _> = sqlx::query_as(
        "SELECT 'session', octet_length(id) FROM documents UNION ALL SELECT email, octet_length(id) FROM users ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await;
    let outcome = tokio::spawn(reads_as_before_0013(store.clone())).await;
    store.close().await;
    crate::testing::drop_postgres_db(&name).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
    assert_eq!(
        stored.expect("sizes"),
        [
            ("ana@example.org".to_string(), 16),
            ("ben@example.org".to_string(), 17),
            ("pat@example.org".to_string(), 17),
            ("session".to_string(), 16)
        ],
        "a UUID in 16 bytes; ids of 15 and 16 bytes that are not UUIDs, in 17"
    );
}

/// A database as the release before associations left it: two staff accounts (one signed up
/// before roles were checked, both `registry_admin`), a member, and registry records of two
/// associations. `execute` runs one statement, with the user id given bound as `$1` the way the
/// backend keeps ids.
async fn seed_before_associations<F, Fut>(execute: F)
where
    F: Fn(&'static str, Option<&'static str>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (id, role) in [("staff1", "registry_admin"), ("staff2", "registry_admin"), ("ana", "member")] {
        let sql = match role {
            "member" => {
                "INSERT INTO users (id, email, display_name, password_hash, role, created_at_ms) VALUES ($1, 'ana@example.org', 'Ana', 'x', 'member', 1)"
            }
            _ if id == "staff1" => {
                "INSERT INTO users (id, email, display_name, password_hash, role, created_at_ms) VALUES ($1, 'one@example.org', 'One', 'x', 'registry_admin', 1)"
            }
            _ => {
                "INSERT INTO users (id, email, display_name, password_hash, role, created_at_ms) VALUES ($1, 'two@example.org', 'Two', 'x', 'registry_admin', 1)"
            }
        };
        execute(sql, Some(id)).await;
    }
    for sql in [
        "INSERT INTO registry_records VALUES ('NM-1', 'Pat', 'pat@example.org', 'IMHM-C', 'NMAIMH', '2015-03-01', NULL, NULL, 1, 1, 'cli', 'x')",
        "INSERT INTO registry_records VALUES ('NM-2', 'Quinn', 'q@example.org', 'IMHS', 'NMAIMH', '2015-03-01', NULL, NULL, 1, 1, 'cli', 'x')",
        "INSERT INTO registry_records VALUES ('CT-1', 'Rae', 'rae@example.org', 'IMHM-C', 'CT-AIMH', '2016-03-01', NULL, NULL, 1, 1, 'cli', 'x')",
    ] {
        execute(sql, None).await;
    }
}

/// How many migrations came before the one that made associations.
fn before_associations(migrations: &[(i64, &str, &str)]) -> usize {
    migrations.iter().position(|(_, name, _)| *name == "associations and audit").expect("the migration")
}

/// What the migration to associations must have made of [`seed_before_associations`]: each
/// association of the registry, kept by each staff account (as every admin could act on every
/// record before), and nothing for members; the trail starts empty.
async fn associations_were_made_from_the_registry<S: Store>(store: &S) {
    let ids: Vec<_> = store.associations().await.expect("associations").into_iter().map(|a| (a.id, a.name)).collect();
    assert_eq!(ids, [("CT-AIMH".to_string(), "CT-AIMH".to_string()), ("NMAIMH".into(), "NMAIMH".into())]);
    for staff in ["staff1", "staff2"] {
        assert_eq!(store.staff_associations(&UserId::from(staff)).await.expect("staff"), ["CT-AIMH", "NMAIMH"]);
    }
    assert!(store.staff_associations(&UserId::from("ana")).await.expect("member").is_empty());
    assert!(store.audit_trail(None).await.expect("trail").is_empty());
}

#[tokio::test]
async fn existing_sqlite_databases_get_associations_from_their_registry() {
    let dir = tempfile::Builder::new().prefix("rsc-test-").tempdir().expect("temp dir");
    let url = format!("sqlite://{}/rsc.db", dir.path().display());
    let options =
        <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url).expect("url").create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("open");
    let before = before_associations(crate::migrations::SQLITE);
    crate::migrations::migrator(&crate::migrations::SQLITE[..before]).run(&pool).await.expect("the older schema");
    seed_before_associations(|sql, id| {
        let pool = pool.clone();
        async move {
            let query = sqlx::query(sql);
            let query = match id {
                Some(id) => query.bind(id),
                None => query,
            };
            query.execute(&pool).await.expect(sql);
        }
    })
    .await;
    pool.close().await;
    let store = crate::SqliteStore::connect(&url).await.expect("migrated");
    associations_were_made_from_the_registry(&store).await;
}

#[tokio::test]
async fn existing_postgres_databases_get_associations_from_their_registry() {
    let Some((name, url)) = crate::testing::create_postgres_db().await else { return };
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    let before = before_associations(crate::migrations::POSTGRES);
    crate::migrations::migrator(&crate::migrations::POSTGRES[..before]).run(&pool).await.expect("the older schema");
    seed_before_associations(|sql, id| {
        let pool = pool.clone();
        async move {
            let query = sqlx::query(sql);
            let query = match id {
                Some(id) => query.bind(crate::keys::Key(id)),
                None => query,
            };
            query.execute(&pool).await.expect(sql);
        }
    })
    .await;
    pool.close().await;
    let store = crate::PgStore::connect(&url, 4).await.expect("migrated");
    associations_were_made_from_the_registry(&store).await;
    store.close().await;
    crate::testing::drop_postgres_db(&name).await;
}

/// A backup of the SQLite database taken while commits go on holds every document committed
/// before it began, and of those committed meanwhile a prefix (one snapshot); it opens as a
/// store, and a backup never overwrites a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_writes_go_on_is_one_snapshot() {
    crate::testing::with_sqlite(|store, url| async move {
        for i in 0..100 {
            let doc = format!("before-{i:03}");
            store.commit_documents(&[commit(&doc, None, &["c"], &[], &["ana", "pat"])]).await.expect("commit");
        }
        let writer = store.clone();
        let writes = tokio::spawn(async move {
            for i in 0..300 {
                let doc = format!("during-{i:03}");
                writer.commit_documents(&[commit(&doc, None, &["c"], &[], &["ana", "pat"])]).await.expect("commit");
            }
        });
        let folder = std::path::Path::new(url.trim_start_matches("sqlite://")).parent().expect("folder").to_path_buf();
        let path = folder.join("backup.db");
        store.backup_to(&path).await.expect("backup while writing");
        writes.await.expect("writes");
        let error = store.backup_to(&path).await.expect_err("an existing file");
        assert!(error.to_string().contains("exists already"), "{error}");

        let copy = crate::SqliteStore::open_existing(&format!("sqlite://{}", path.display())).await.expect("opens");
        for i in 0..100 {
            let doc = DocId::from(format!("before-{i:03}").as_str());
            assert!(copy.document(&doc).await.expect("read").is_some(), "{doc:?} was committed before the backup");
        }
        let mut present = Vec::new();
        for i in 0..300 {
            present.push(copy.document(&DocId::from(format!("during-{i:03}").as_str())).await.expect("read").is_some());
        }
        let kept = present.iter().take_while(|p| **p).count();
        assert!(present[kept..].iter().all(|p| !p), "a prefix of the writes made meanwhile: {present:?}");
        assert_eq!(copy.participants(&DocId::from("before-000")).await.expect("read"), ["ana", "pat"]);
        copy.close().await;
    })
    .await;
}

/// A database's epoch stays what it is until a restore gives it a new one; two databases have
/// different ones.
async fn the_epoch_stays_until_a_new_one_is_given<S: Store>(store: S, other: S) {
    let first = store.epoch().await.expect("epoch");
    assert_eq!(first.len(), 32, "{first}");
    assert_eq!(store.epoch().await.expect("epoch"), first);
    assert_ne!(other.epoch().await.expect("epoch"), first, "each database is born with its own");
    store.new_epoch("0123456789abcdef0123456789abcdef").await.expect("new epoch");
    assert_eq!(store.epoch().await.expect("epoch"), "0123456789abcdef0123456789abcdef");
}

#[tokio::test]
async fn the_epoch_stays_until_a_new_one_is_given_in_both_backends() {
    crate::testing::with_sqlite(|store, _| async move {
        crate::testing::with_sqlite(|other, _| the_epoch_stays_until_a_new_one_is_given(store, other)).await;
    })
    .await;
    crate::testing::with_postgres(|store, _| async move {
        crate::testing::with_postgres(|other, _| the_epoch_stays_until_a_new_one_is_given(store, other)).await;
    })
    .await;
}
