//! The RS/C session as an Automerge document, shared by its provider and attendees.
//!
//! [`SessionDoc`] is the only way the rest of the system touches a session: every edit is
//! validated with the same code on the phone and on the server, concurrent edits merge, and a
//! provider's confirmation is an ed25519 signature ([`attest`]) over a canonical snapshot of the
//! attested fields that travels inside the document. Reading the document gives a typed
//! [`Session`], whose attendance records feed the dossier builder of `rsc-model`. A training a
//! person attended is a document of her own ([`TrainingDoc`]), which only she writes.

pub mod attest;
mod doc;
mod error;
pub mod rules;
mod session;
mod training;

pub use attest::{DeviceKey, SignedStatement};
pub use automerge::{ActorId, ChangeHash};
pub use doc::{MAX_CHANGE_BYTES, MAX_CHANGE_OPS, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_OPS, SessionDoc, expanded_len};
pub use error::DocError;
pub use session::{
    Attendee, MAX_ATTENDEES, MAX_NOTE_BYTES, NewAttendee, Session, SessionEdit, SessionFields, ends_at_ms,
    time_zone_names, validate_start_time, validate_time_zone,
};
pub use training::{MAX_TRAINING_TEXT_CHARS, Training, TrainingDoc, TrainingFields};
