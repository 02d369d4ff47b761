//! The server in-process: the HTTP API through real requests on both backends, and sync
//! between real Automerge replicas. (Storage conformance lives in `rsc-store`; scenarios with
//! separate processes live in the top-level `tests/`.)

mod accounts;
mod associations;
mod connections;
mod consent;
mod events;
mod exports;
mod hostile_text;
mod ops;
mod registry;
mod sync;
mod trainings;
mod web;
