//! The server end to end: storage conformance on both backends, the HTTP API through real
//! requests, sync between real Automerge replicas, and several server processes at once.

mod support;

mod accounts;
mod ops;
mod processes;
mod registry;
mod sync;
