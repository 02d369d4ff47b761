//! Fresh databases for tests, here and in the crates that use a store: a temporary SQLite file,
//! or a new Postgres database (on the server `RSC_TEST_POSTGRES_URL` names) dropped afterwards.
//! Compiled for this crate's tests and with the `testing` feature.

use std::future::Future;

use crate::{PgStore, SqliteStore};

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
            eprintln!("Postgres part skipped: RSC_TEST_POSTGRES_URL is not set (see scripts/postgres-for-tests)");
            None
        }
    }
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

/// Drops a database made by [`create_postgres_db`].
pub async fn drop_postgres_db(name: &str) {
    let admin = postgres_admin_url().expect("a database was made, so there is a test Postgres");
    let pool = sqlx::PgPool::connect(&admin).await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&pool)
        .await
        .expect("drop database");
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
    store.pool().close().await;
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
    let dir = std::env::temp_dir().join(format!("rsc-test-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/rsc.db", dir.display());
    let store = SqliteStore::connect(&url).await.expect("open and migrate");
    let outcome = tokio::spawn(test(store, url)).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
