//! The signed-in person's own API: profile, registry claims, evaluation queries and the
//! attendances awaiting a provider's confirmation.

pub use rsc_model::AttendanceStatus;
use rsc_model::{Date, SessionKind};
use serde::{Deserialize, Serialize};

use crate::ClaimStatus;

/// `GET`/`PUT /v1/me/profile`: what an applicant tells about themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// `YYYY-MM-DD` or null.
    pub masters_conferred_on: Option<String>,
    /// The association's rulebook (`nmaimh`, `orimha`, `ct-aimh`) or null.
    pub rulebook: Option<String>,
    /// `application`, `renewal` or null.
    pub purpose: Option<String>,
    /// The name other participants see (1 to 100 characters). Left out or null in a `PUT`, the
    /// name stays as it is.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Whether her connected providers may see her progress (hours counted against her
    /// rulebook). Left out or null in a `PUT`, it stays as it is; off until turned on.
    #[serde(default)]
    pub share_progress: Option<bool>,
    /// Whether she provides RS/C to others (some renewals ask providers for training about
    /// RS/C). Left out or null in a `PUT`, it stays as it is; no until she says so.
    #[serde(default)]
    pub provides_rsc: Option<bool>,
}

/// `POST /v1/me/claims` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewClaim {
    /// The endorsement number the provider says is theirs.
    pub number: String,
}

/// A provider's claim to a registry record, as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Claim {
    /// The claim's id.
    pub id: String,
    /// The endorsement number claimed.
    pub number: String,
    /// The claiming account.
    pub user_id: String,
    /// Where it stands.
    pub status: ClaimStatus,
    /// When it was filed.
    pub created_at_ms: i64,
    /// When staff decided it.
    pub decided_at_ms: Option<i64>,
    /// Which staff account decided.
    pub decided_by: Option<String>,
    /// The decision's note.
    pub note: String,
}

/// What to evaluate (query of `GET /v1/me/evaluation`, `/dossier` and `/exports/…`): each
/// missing part comes from the profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationQuery {
    /// A built-in rulebook id.
    pub rulebook: Option<String>,
    /// `application` or `renewal`.
    pub purpose: Option<String>,
    /// The evaluation date (default: today, UTC).
    pub as_of: Option<String>,
    /// PDF exports only: `letter` (the default) or `a4`.
    #[serde(default)]
    pub paper: Option<String>,
}

/// `GET /v1/me/pending-confirmations`: one attendance waiting for the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingConfirmation {
    /// The session.
    pub session_id: String,
    /// Its date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
    /// Its local start time.
    pub start_time: String,
    /// Its zone.
    pub time_zone: String,
    /// Individual or group.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "individual"))]
    pub kind: SessionKind,
    /// Its length.
    pub minutes: i32,
    /// The attendee.
    pub attendee_id: String,
    /// Their name.
    pub attendee_name: String,
    /// The minutes they logged.
    pub minutes_attended: i32,
    /// Pending, or changed since confirmed.
    pub status: AttendanceStatus,
}

/// A signed export the server keeps for the applicant (`GET /v1/me/export-links`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportLink {
    /// Its id, as printed on the PDF and CSV.
    pub export_id: String,
    /// SHA-256 of the JSON file, hex.
    pub sha256: String,
    /// The verification page's path on this server.
    pub link_path: String,
    /// When it was made.
    pub created_at_ms: i64,
    /// When the applicant withdrew it.
    pub withdrawn_at_ms: Option<i64>,
    /// The rulebook's name, as the export says it.
    #[serde(default)]
    pub rulebook_name: String,
    /// `application` or `renewal`.
    #[serde(default)]
    pub purpose: String,
    /// The date the hours were evaluated as of (`YYYY-MM-DD`).
    #[serde(default)]
    pub as_of: String,
    /// The outcome in a sentence, as the export says it.
    #[serde(default)]
    pub summary: String,
    /// Its renderings (PDF, CSV, the JSON itself), each a download of this one export; none
    /// once withdrawn.
    #[serde(default)]
    pub downloads: Vec<ExportDownload>,
}

/// `GET /verify/sha256/{digest}/standing`: whether a kept export still stands, and what
/// changed since it was made, for a verifier holding its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportStanding {
    /// Its id.
    pub export_id: String,
    /// When the applicant withdrew it: it then no longer stands.
    pub withdrawn_at_ms: Option<i64>,
    /// What changed since it was made, in words (later provider statements, registry changes).
    pub changes: Vec<String>,
}

/// One rendering of a kept export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportDownload {
    /// `pdf`, `csv` or `json`.
    pub format: String,
    /// Its path on this server (`GET`, signed in as the applicant).
    pub path: String,
    /// The name to save it under: the applicant's name, the rulebook and the date.
    #[serde(default)]
    pub file_name: String,
}

/// `GET /v1/me/certificates`, and the answer to an upload: a certificate file she keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    /// Its SHA-256, in lowercase hex: what a training names it by, and what exports list.
    pub digest: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, as its content says.
    pub media_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The name it was uploaded with.
    pub file_name: String,
    /// When it was uploaded (`YYYY-MM-DD HH:MM UTC`).
    pub uploaded_at: String,
}

/// The largest certificate file, in bytes (10 MiB).
pub const MAX_CERTIFICATE_BYTES: usize = 10 * 1024 * 1024;

/// A certificate file's type, read from its first bytes: `application/pdf`, `image/png` or
/// `image/jpeg`, or `None` for anything else (a name ending `.pdf` is not a PDF). Devices check
/// before keeping a file, and the server again before storing one.
pub fn certificate_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else {
        None
    }
}
