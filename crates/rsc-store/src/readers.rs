//! Read connections kept between statements, outside sqlx's pool.
//!
//! sqlx's pool checks every connection given back to it with a round trip to the database (a
//! `Sync` and its answer for Postgres, a message to the connection's thread and its answer for
//! SQLite), from a task spawned for it. Most requests make a few short reads, and for those the
//! check costs about as much as the read itself.
//!
//! So a connection whose statement succeeded is kept here for the next read, unchecked: it
//! answered a moment ago. One whose statement failed or was cancelled (its request went away
//! mid-read) goes back to sqlx's pool, which checks it as before and replaces it if it is
//! broken; so does one kept longer than [`KEEP_FOR`], which the database may have dropped since
//! (a restart). Reads are taken in turn, at most `turns` at once: with Postgres, where reads
//! and writes share one pool, the turns are fewer than the pool's connections, so kept readers
//! never leave a writer without one.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a connection may be kept unused before it goes back to the pool to be checked.
pub(crate) const KEEP_FOR: Duration = Duration::from_secs(1);

/// The read connections of one store (shared by its clones).
pub(crate) struct Readers<DB: Database> {
    pool: Pool<DB>,
    turns: Semaphore,
    /// Whether connections are kept at all: not when reads share the only connection with
    /// writers (a private in-memory SQLite database), which would then wait for it forever.
    keep: bool,
    kept: Mutex<Kept<DB>>,
}

struct Kept<DB: Database> {
    idle: Vec<(PoolConnection<DB>, Instant)>,
    /// Set by [`Readers::close`]: nothing is kept from then on.
    closed: bool,
}

impl<DB: Database> std::fmt::Debug for Readers<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("keep", &self.keep).finish_non_exhaustive()
    }
}

impl<DB: Database> Readers<DB> {
    /// Reads from `pool`, at most `turns` at once (at least one).
    pub(crate) fn new(pool: Pool<DB>, turns: usize, keep: bool) -> Readers<DB> {
        Readers {
            pool,
            turns: Semaphore::new(turns.max(1)),
            keep,
            kept: Mutex::new(Kept { idle: Vec::new(), closed: false }),
        }
    }

    /// The pool the connections come from.
    pub(crate) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// A connection for one statement, with the turn it is lent under: give it back with
    /// [`Readers::give_back`] before the turn ends.
    pub(crate) async fn lend(&self) -> Result<(PoolConnection<DB>, SemaphorePermit<'_>), sqlx::Error> {
        let turn = self.turns.acquire().await.map_err(|_| sqlx::Error::PoolClosed)?;
        let (newest, stale) = {
            let mut kept = self.kept();
            // Kept in the order they came back, so those kept too long come first.
            let stale = kept.idle.partition_point(|(_, since)| since.elapsed() > KEEP_FOR);
            let stale: Vec<_> = kept.idle.drain(..stale).collect();
            (kept.idle.pop(), stale)
        };
        // Back to the pool, which checks them.
        drop(stale);
        match newest {
            Some((connection, _)) => Ok((connection, turn)),
            None => Ok((self.pool.acquire().await?, turn)),
        }
    }

    /// Takes back a lent connection: kept if its statement `succeeded`, otherwise given to
    /// the pool to be checked.
    pub(crate) fn give_back(&self, connection: PoolConnection<DB>, succeeded: bool) {
        if !succeeded || !self.keep {
            return;
        }
        let mut kept = self.kept();
        if !kept.closed {
            kept.idle.push((connection, Instant::now()));
        }
    }

    /// Gives every kept connection back to the pool and keeps none from now on: the pool's
    /// `close` waits for every connection, so this comes first.
    pub(crate) fn close(&self) {
        let idle = {
            let mut kept = self.kept();
            kept.closed = true;
            std::mem::take(&mut kept.idle)
        };
        drop(idle);
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept<DB>> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<DB: Database> Drop for Readers<DB> {
    /// A kept connection goes back to its pool from a task that sqlx spawns, which needs a
    /// Tokio runtime; a store dropped outside one (a test's, a command's, after its runtime)
    /// closes its kept connections where it is instead.
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            for (connection, _) in std::mem::take(&mut self.kept().idle) {
                drop(connection.detach());
            }
        }
    }
}

/// Runs one read statement on a connection lent by `$store`'s readers: `$statement` is the
/// statement's future, with the connection named `$c`. Evaluates to the statement's result.
macro_rules! read {
    ($store:expr, |$c:ident| $statement:expr) => {{
        let (mut lent, _turn) = $store.readers.lend().await?;
        let result = {
            let $c = &mut *lent;
            $statement.await
        };
        $store.readers.give_back(lent, result.is_ok());
        result
    }};
}
pub(crate) use read;

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite_pool(max: u32) -> (tempfile::TempDir, sqlx::SqlitePool) {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join("readers.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let pool =
            sqlx::sqlite::SqlitePoolOptions::new().max_connections(max).connect_with(options).await.expect("pool");
        (dir, pool)
    }

    async fn one(readers: &Readers<sqlx::Sqlite>, sql: &'static str) -> Result<i64, sqlx::Error> {
        let (mut lent, _turn) = readers.lend().await?;
        let result = sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *lent).await;
        readers.give_back(lent, result.is_ok());
        result
    }

    #[tokio::test]
    async fn a_connection_that_answered_is_kept_and_one_that_failed_goes_back_to_the_pool() {
        let (_dir, pool) = sqlite_pool(2).await;
        let readers = Readers::new(pool.clone(), 2, true);
        assert_eq!(one(&readers, "SELECT 7").await.expect("read"), 7);
        assert_eq!(readers.kept().idle.len(), 1, "kept after answering");
        assert_eq!(pool.num_idle(), 0, "the kept connection is not idle in the pool");
        assert!(one(&readers, "SELECT * FROM no_such_table").await.is_err());
        assert_eq!(readers.kept().idle.len(), 0, "not kept after failing");
        // Back in the pool, checked there and lent again.
        assert_eq!(one(&readers, "SELECT 8").await.expect("read"), 8);
        assert_eq!(readers.kept().idle.len(), 1);
        readers.close();
        assert_eq!(readers.kept().idle.len(), 0, "closing gives kept connections back");
        assert_eq!(one(&readers, "SELECT 9").await.expect("read"), 9);
        assert_eq!(readers.kept().idle.len(), 0, "nothing is kept once closed");
        tokio::time::timeout(Duration::from_secs(10), pool.close()).await.expect("the pool closes: nothing is held");
    }

    /// A read given up midway (its request went away) leaves nothing behind: its connection
    /// is not kept, and the next read gets its own answer.
    async fn cancel_then_read<DB: Database>(pool: Pool<DB>, slow: &'static str, five: &'static str)
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
        i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
        for<'q> <DB as Database>::Arguments: sqlx::IntoArguments<DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        let readers = Readers::new(pool, 1, true);
        let read = async |sql: &'static str| -> Result<i64, sqlx::Error> {
            let (mut lent, _turn) = readers.lend().await?;
            let result = sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *lent).await;
            readers.give_back(lent, result.is_ok());
            result
        };
        let cancelled = tokio::time::timeout(Duration::from_millis(50), read(slow)).await;
        assert!(cancelled.is_err(), "the slow read was given up");
        assert!(readers.kept().idle.is_empty(), "a read given up midway leaves its connection unkept");
        let next = tokio::time::timeout(Duration::from_secs(30), read(five)).await;
        assert_eq!(next.expect("the next read is not stuck").expect("the next read"), 5);
    }

    #[tokio::test]
    async fn a_read_given_up_midway_leaves_nothing_behind_sqlite() {
        let (_dir, pool) = sqlite_pool(1).await;
        cancel_then_read(
            pool,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT max(i) FROM n",
            "SELECT 5",
        )
        .await;
    }

    #[tokio::test]
    async fn a_read_given_up_midway_leaves_nothing_behind_postgres() {
        let Some((name, url)) = crate::testing::create_postgres_db().await else { return };
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.expect("pool");
        cancel_then_read(pool.clone(), "SELECT 7::BIGINT FROM pg_sleep(0.5)", "SELECT 5::BIGINT").await;
        pool.close().await;
        crate::testing::drop_postgres_db(&name).await;
    }

    #[tokio::test]
    async fn a_connection_kept_too_long_goes_back_to_the_pool_first() {
        let (_dir, pool) = sqlite_pool(1).await;
        let readers = Readers::new(pool.clone(), 1, true);
        one(&readers, "SELECT 1").await.expect("read");
        let stale = Instant::now().checked_sub(KEEP_FOR * 2).expect("a clock past its first seconds");
        readers.kept().idle[0].1 = stale;
        // With a pool of one, the stale connection must reach the pool before it can be lent.
        let read = tokio::time::timeout(Duration::from_secs(10), one(&readers, "SELECT 2")).await;
        assert_eq!(read.expect("not stuck").expect("read"), 2);
        let since = readers.kept().idle[0].1;
        assert!(since.elapsed() < KEEP_FOR, "kept again, as of now");
    }

    #[tokio::test]
    async fn connections_kept_too_long_leave_even_while_a_newer_one_is_lent() {
        let (_dir, pool) = sqlite_pool(2).await;
        let readers = Readers::new(pool.clone(), 2, true);
        let (first, first_turn) = readers.lend().await.expect("lend");
        let (second, second_turn) = readers.lend().await.expect("lend");
        readers.give_back(first, true);
        readers.give_back(second, true);
        drop((first_turn, second_turn));
        let stale = Instant::now().checked_sub(KEEP_FOR * 2).expect("a clock past its first seconds");
        readers.kept().idle[0].1 = stale;
        assert_eq!(one(&readers, "SELECT 3").await.expect("read"), 3);
        let kept = readers.kept().idle.len();
        assert_eq!(kept, 1, "the stale connection went back to the pool; the newer one was lent and kept");
        tokio::time::timeout(Duration::from_secs(10), async {
            while pool.num_idle() < 1 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the stale connection reaches the pool");
    }

    #[test]
    fn readers_dropped_outside_a_runtime_close_what_they_kept() {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let (dir, readers) = runtime.block_on(async {
            let (dir, pool) = sqlite_pool(2).await;
            let readers = Readers::new(pool, 2, true);
            one(&readers, "SELECT 1").await.expect("read");
            (dir, readers)
        });
        assert_eq!(readers.kept().idle.len(), 1);
        drop(runtime);
        // Outside any runtime: without a task to spawn, the kept connection is closed here.
        drop(readers);
        drop(dir);
    }

    #[tokio::test]
    async fn without_keeping_the_only_connection_stays_free_for_writers() {
        let (_dir, pool) = sqlite_pool(1).await;
        let readers = Readers::new(pool.clone(), 1, false);
        one(&readers, "SELECT 1").await.expect("read");
        let writer = tokio::time::timeout(Duration::from_secs(10), pool.acquire()).await;
        assert!(writer.expect("a writer is not kept waiting").is_ok());
    }

    #[tokio::test]
    async fn reads_past_the_turns_wait_for_a_connection_instead_of_failing() {
        let (_dir, pool) = sqlite_pool(2).await;
        let readers = std::sync::Arc::new(Readers::new(pool.clone(), 2, true));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let readers = readers.clone();
                tokio::spawn(async move {
                    let (mut lent, _turn) = readers.lend().await.expect("lend");
                    let n: i64 = sqlx::query_scalar("SELECT $1").bind(i).fetch_one(&mut *lent).await.expect("read");
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    readers.give_back(lent, true);
                    n
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("task"));
        }
        assert_eq!(answers, (0..20).collect::<Vec<i64>>());
        assert!(readers.kept().idle.len() <= 2, "never more kept than the turns");
        assert_eq!(pool.size(), 2, "the pool opened no more than its two");
    }
}
