//! The test kit every test and benchmark of the server shares: an HTTP client for a running
//! server ([`Api`]), a device that speaks the sync protocol with real Automerge documents and
//! real signatures ([`Device`]), every store test on both backends ([`on_both_backends!`]), a
//! real `rsc-server` process ([`process`]), registry staff ([`staff_device`]), and the shared names with the id check every test
//! of text people read makes ([`people`]).
//!
//! Nothing here is a mock: the server is the real one, in-process or as its own binary, over
//! real HTTP, on real SQLite and Postgres databases.

mod api;
mod backends;
mod device;
pub mod people;
pub mod process;
mod staff;

pub use api::{Api, cookie_set_in, csrf_in, http_client, set_cookie_value};
pub use backends::{create_postgres_db, drop_postgres_db, skipped, with_postgres, with_sqlite};
pub use device::{Device, signed_at};
pub use staff::{SEED_ASSOCIATIONS, ensure_associations, make_staff, staff_device, staff_device_of};
