//! The device core against a real server (in this process, on SQLite) and real processes.

mod disk_full;
mod durability;
mod offline;
mod people;
mod restore;
mod server_kills;
mod soak;
mod support;
mod sync;
mod tls;
