//! A device's RS/C logbook, for phones (through `rsc-ffi`) and the `rsc` desktop command.
//!
//! - [`Logbook`] keeps the account, the device key and the sessions in one SQLite file, works
//!   offline, and validates every edit with the same code as the server.
//! - [`Logbook::sync`] runs the batched sync protocol to completion, resuming where it left off;
//!   [`Logbook::watch`] syncs whenever the server says something changed.
//! - [`Logbook::evaluate`] evaluates the user's hours offline with `rsc-rules`, against the
//!   registry facts the server last sent.
//!
//! The API is blocking: callers run it off their UI thread (mobile apps already do this for
//! disk and network work), and it needs no async runtime of the caller's.

mod api;
mod connections;
mod directory;
mod error;
mod hours;
mod logbook;
mod people;
mod profile;
mod store;
mod sync;
mod trainings;
mod view;
mod watch;

pub use api::{CA_CERT_VAR, fetch_export_standing, fetch_kept_export, fetch_server_keys};
pub use connections::{ConnectionChange, ConnectionNews, ConnectionView, GroupInfo, GroupPerson};
pub use error::{ClientError, cause_chain};
pub use hours::{AwaitingProvider, Hours, OfflineReport, RegistryNews, Uncounted};
pub use logbook::{
    Account, AwaitingConfirmation, ConfirmSelection, Confirmation, ConfirmationPlan, Logbook, LogbookStatus,
    MAX_CONFIRMATIONS_AT_ONCE, NewSession, NotSigned, STORE_FILE, now_ms, today,
};
pub use people::{MIN_ID_PREFIX, PersonView, SharedCode, short_id};
pub use profile::Profile;
pub use rsc_doc::TrainingFields;
pub use rsc_model::StatementKind;
pub use rsc_model::{MAX_TRAINING_MINUTES, TrainingTopic};
pub use rsc_protocol::MAX_CERTIFICATE_BYTES;
pub use rsc_rules::Pace;
pub use store::SCHEMA_VERSION;
pub use sync::{CancelFlag, MAX_PUSH_BYTES, Refusal, SyncOptions, SyncProgress, SyncReport};
pub use trainings::TrainingView;
pub use view::{AttendanceStatus, AttendeeView, Decided, SessionFilter, SessionView, StatementView, Unsettled};
pub use watch::WatchEvent;

pub use rsc_doc::{NewAttendee, SessionEdit, SessionFields, time_zone_names, validate_start_time, validate_time_zone};
pub use rsc_model::{Date, Id, Minutes, SessionFormat, SessionKind};
pub use rsc_protocol::{
    CLOSE_CONFIRMATION, Claim, ClaimStatus, ConnectionRole, ConnectionSource, ConnectionState, DEFAULT_CODE_DAYS,
    ExportLink, MAX_CODE_DAYS, Role,
};
pub use rsc_rules::{Evaluation, Purpose};

/// An evaluation in the contract's JSON.
pub fn evaluation_json(evaluation: &Evaluation) -> Result<String, ClientError> {
    Ok(serde_json::to_string(evaluation)?)
}
