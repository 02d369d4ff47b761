//! The RS/C domain: the types every other crate speaks, and their validation.
//!
//! Everything here is pure (no I/O, no clocks, no randomness beyond id generation) so the same
//! checks run on a phone, on the server and in the `rsc` command. Validation errors always name
//! the offending field and value, because they end up in front of a person.

mod attestation;
mod builder;
mod credential;
mod date;
pub mod dossier;
mod error;
mod ids;
pub mod names;
mod provided;
mod session;
mod vocabulary;

pub use attestation::{AttestedContent, AttestedFields, StatementKind};
pub use builder::{AttendanceRecord, DossierBuilder, SessionStatus, earliest_end_ms};
pub use credential::{Credential, CredentialRecord, Endorsement, EndorsementStatus, why_not_qualified};
pub use date::{Date, MAX_DATE, MIN_DATE};
pub use dossier::{
    Applicant, Confirmation, Dossier, DossierSession, DossierTraining, MAX_TRAINING_MINUTES, Provider, TrainingTopic,
};
pub use error::ModelError;
pub use ids::{Id, MAX_ID_LEN};
pub use provided::{GivenSession, ProvidedYear, provided_by_year};
pub use session::{MAX_SESSION_MINUTES, Minutes, SessionFormat, SessionKind};
pub use vocabulary::{AttendanceStatus, AuditAction, ClaimStatus, ConnectionRole, ConnectionSource, Purpose, Role};
