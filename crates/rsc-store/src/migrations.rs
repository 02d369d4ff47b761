//! The schema's migrations, embedded in the binary by `build.rs`, for sqlx's migrator.
//!
//! Each is recorded as `sqlx::migrate!` recorded it: the same version, description and checksum
//! (SHA-384 of the text), so databases migrated by earlier servers carry on.

use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The migrator of one backend's migrations ([`POSTGRES`] or [`SQLITE`]).
pub(crate) fn migrator(migrations: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|&(version, description, sql)| {
                let no_transaction = sql.starts_with("-- no-transaction");
                let sql = SqlStr::from_static(sql);
                Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, sql, no_transaction)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of both folders, in order, with the version and description of its name.
    #[test]
    fn every_migration_file_is_embedded_as_sqlx_names_it() {
        for (backend, embedded) in [("postgres", POSTGRES), ("sqlite", SQLITE)] {
            let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(backend);
            let mut files: Vec<String> = std::fs::read_dir(&folder)
                .expect("migrations")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            let named: Vec<String> =
                embedded.iter().map(|(v, d, _)| format!("{v:04}_{}.sql", d.replace(' ', "_"))).collect();
            assert_eq!(named, files, "{backend}");
            let initial = std::fs::read_to_string(folder.join(&files[0])).expect("read");
            assert_eq!(embedded[0].2, initial, "{backend}: the text as in the file");
            let migrator = migrator(embedded);
            assert_eq!(
                migrator.iter().map(|m| m.version).collect::<Vec<_>>(),
                (1..=files.len() as i64).collect::<Vec<_>>()
            );
        }
    }
}
