//! The signed export of an applicant's verified hours, and its offline verification.
//!
//! An export carries everything a reviewer needs to check it without trusting anyone: the
//! dossier, the rulebook and the evaluation, every provider statement behind a counted or
//! disputed session (with the signing device's public key), and the registry records relied
//! on, all signed by the server's ed25519 key.
//!
//! # Canonical form
//!
//! The server signs `rsc-export` ‖ the format's number (`0x02`) ‖ the payload as compact JSON
//! with object keys in byte order (serde_json's map order) and no insignificant white space.
//! The file itself is the whole export pretty-printed the same deterministic way, plus one
//! newline; a verifier re-renders what it parsed and refuses a file that differs in any byte,
//! so even edits that JSON would ignore (white space, duplicate keys) make verification fail.
//!
//! # Formats
//!
//! `rsc-export/2` carries the export's own id inside what is signed (two exports made in the
//! same millisecond are two exports) and the size of each group session (how many attended,
//! never who). `rsc-export/3` carries a version 2 dossier (trainings, association-scoped
//! credentials) and what the applicant says of each training (title, organiser, certificate
//! digest). Every `rsc-export/1` and `/2` export already handed out still verifies under its own
//! domain (`0x01`, `0x02`).

pub mod facts;
pub mod pdf;
pub mod reports;
mod verify;

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use rsc_model::{Date, Dossier};
use rsc_rules::{Evaluation, Purpose, Rulebook};
use serde::{Deserialize, Serialize};

pub use verify::{PublishedKey, VerifyError, VerifyReport, verify};

/// The format tag of the exports made now.
pub const FORMAT: &str = "rsc-export/3";
/// The second format (the export's id and group sizes), still verified.
pub const FORMAT_V2: &str = "rsc-export/2";
/// The first format, still verified.
pub const FORMAT_V1: &str = "rsc-export/1";

/// What a signature covers before the payload, per format.
fn signing_domain(format: &str) -> Option<&'static [u8]> {
    match format {
        FORMAT => Some(b"rsc-export\x03"),
        FORMAT_V2 => Some(b"rsc-export\x02"),
        FORMAT_V1 => Some(b"rsc-export\x01"),
        _ => None,
    }
}

/// An export as a file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// [`FORMAT`].
    pub format: String,
    /// What the server vouches for.
    pub payload: Payload,
    /// The server's signature over the canonical payload.
    pub signature: ServerSignature,
}

/// The signed content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// When the server made it (ms since the epoch).
    pub issued_at_ms: i64,
    /// The applicant.
    pub applicant: Person,
    /// The rulebook evaluated under, in full.
    pub rulebook: Rulebook,
    /// Application or renewal.
    pub purpose: Purpose,
    /// The contract's dossier, built from the attested sessions and the registry.
    pub dossier: Dossier,
    /// The evaluation of the dossier.
    pub evaluation: Evaluation,
    /// The provider statements behind the confirmed and disputed sessions.
    pub attestations: Vec<ExportedAttestation>,
    /// The registry records the providers' credentials come from.
    pub registry_records: Vec<RegistryRecordRef>,
    /// Names for the people the dossier names by id.
    pub providers: Vec<Person>,
    /// The export's id, as its link and printouts carry it (`rsc-export/2` on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_id: Option<String>,
    /// How many attended each group session of the dossier, by session id: a group's size,
    /// never who else was there (`rsc-export/2` on).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub group_sizes: std::collections::BTreeMap<String, u32>,
    /// What the applicant says of each training of the dossier (`rsc-export/3` on): its title,
    /// who gave it and its certificate's digest. Self-reported: nobody confirmed them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trainings: Vec<ExportedTraining>,
}

/// A training of the applicant's, as she reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedTraining {
    /// The dossier's id for it.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Who gave it.
    pub organiser: String,
    /// When.
    pub date: Date,
    /// How long, in minutes.
    pub minutes: u32,
    /// Its primary topic.
    pub topic: rsc_model::TrainingTopic,
    /// The SHA-256 of its certificate file, hex, when she keeps one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// A person the export names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Their account id (the dossier's id for them).
    pub id: String,
    /// Their name.
    pub display_name: String,
}

/// One provider statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedAttestation {
    /// The session it is about.
    pub session_id: String,
    /// The stored statement (see `rsc_doc::attest`), base64: content, public key, signature.
    pub statement: String,
    /// The signing key, hex (also inside the statement; repeated for reading).
    pub public_key: String,
}

impl ExportedAttestation {
    /// From a stored statement.
    pub fn new(session_id: &str, stored: &[u8], public_key: &[u8]) -> Self {
        ExportedAttestation {
            session_id: session_id.to_string(),
            statement: base64::engine::general_purpose::STANDARD.encode(stored),
            public_key: hex::encode(public_key),
        }
    }
}

/// A registry record as relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryRecordRef {
    /// The endorsement number.
    pub number: String,
    /// Whose it is (the provider's account, by an approved claim).
    pub provider_id: String,
    /// The holder's name in the registry.
    pub holder_name: String,
    /// The credential.
    pub credential: rsc_model::Credential,
    /// The issuing association.
    pub association: String,
    /// Earned on.
    pub earned_on: Date,
    /// Valid through.
    pub valid_through: Option<Date>,
    /// Revoked on.
    pub revoked_on: Option<Date>,
    /// The record's version in the registry's history.
    pub version: i64,
}

/// The server's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSignature {
    /// Which server key signed (see `GET /v1/server-keys`).
    pub key_id: String,
    /// That key's public half, hex.
    pub public_key: String,
    /// Ed25519 over the canonical payload, base64.
    pub value: String,
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
#[error("export: {0}")]
pub struct ExportError(pub(crate) String);

/// The SHA-256 of an export file, hex: what a PDF or CSV made from it prints, and what the
/// server finds it by.
pub fn sha256_hex(file: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(file))
}

/// The bytes the server signs for `payload` in `format`.
pub fn signing_message(format: &str, payload: &Payload) -> Result<Vec<u8>, ExportError> {
    let domain = signing_domain(format).ok_or_else(|| ExportError(format!("`{format}` is no export format")))?;
    let value = serde_json::to_value(payload).map_err(|e| ExportError(e.to_string()))?;
    let mut message = domain.to_vec();
    serde_json::to_writer(&mut message, &value).map_err(|e| ExportError(e.to_string()))?;
    Ok(message)
}

/// Signs `payload` with the server key `secret` (named `key_id`) and renders the file, in
/// [`FORMAT`]: the payload must carry its export id.
pub fn sign_and_render(payload: Payload, key_id: &str, secret: &[u8; 32]) -> Result<String, ExportError> {
    if payload.export_id.as_deref().is_none_or(str::is_empty) {
        return Err(ExportError("an export carries its own id".into()));
    }
    let key = SigningKey::from_bytes(secret);
    let signature = key.sign(&signing_message(FORMAT, &payload)?);
    let export = Export {
        format: FORMAT.to_string(),
        payload,
        signature: ServerSignature {
            key_id: key_id.to_string(),
            public_key: hex::encode(key.verifying_key().to_bytes()),
            value: base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
        },
    };
    render(&export)
}

/// The file form of an export: deterministic pretty JSON and a final newline.
pub fn render(export: &Export) -> Result<String, ExportError> {
    let value = serde_json::to_value(export).map_err(|e| ExportError(e.to_string()))?;
    render_value(&value)
}

fn render_value(value: &serde_json::Value) -> Result<String, ExportError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| ExportError(e.to_string()))?;
    text.push('\n');
    Ok(text)
}
