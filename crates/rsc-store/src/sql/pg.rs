//! The Postgres backend's implementation of every area: the SQL text of `areas/`, compiled for
//! [`PgStore`]. `sqlite.rs` compiles the same files for the other backend, so the two cannot drift.

// Each area file is compiled once per backend, on purpose.
#![allow(clippy::duplicate_mod)]

use super::*;

/// The backend the area files are compiled for here.
type This = PgStore;
/// A connection (or a transaction, dereferenced) of the backend.
type Conn = sqlx::PgConnection;
/// The backend's database, for its transactions.
type Db = Postgres;
/// Its name, as [`Backend::backend`] gives it.
const BACKEND: &str = "postgres";

#[path = "areas/accounts.rs"]
mod accounts;
#[path = "areas/backend.rs"]
mod backend;
#[path = "areas/connections.rs"]
mod connections;
#[path = "areas/exports.rs"]
mod exports;
#[path = "areas/ledger.rs"]
mod ledger;
#[path = "areas/registry.rs"]
mod registry;
#[path = "areas/staff.rs"]
mod staff;
#[path = "areas/sync.rs"]
mod sync;
#[path = "areas/trainings.rs"]
mod trainings;
