//! Every store test on both backends: a fresh SQLite file, and a new Postgres database (on the
//! server `RSC_TEST_POSTGRES_URL` names) dropped afterwards.

pub use rsc_store::testing::{create_postgres_db, drop_postgres_db, skipped, with_postgres, with_sqlite};

/// Runs the same generic test body against each backend, as one test per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::with_sqlite(|store, _url| super::$name(store)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::with_postgres(|store, _url| super::$name(store)).await;
                }
            )*
        }
    };
}
