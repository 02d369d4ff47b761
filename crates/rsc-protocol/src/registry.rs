//! What registry staff see of a provider's claim to an endorsement record: who claims it beside
//! who the record says holds it, so that a claim by the wrong person stands out before approval.

pub use rsc_model::ClaimStatus;
use rsc_model::{Credential, Date};
use serde::{Deserialize, Serialize};

/// An account, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    /// The account's id.
    pub user_id: String,
    /// The name the person chose.
    pub display_name: String,
    /// The sign-in email.
    pub email: String,
}

/// The registry record a claim names, as the association keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedRecord {
    /// The endorsement number.
    pub number: String,
    /// The holder's name on the record.
    pub holder_name: String,
    /// The holder's email on the record.
    pub holder_email: String,
    /// `IMHM-C`, …
    pub credential: String,
    /// The issuing association.
    pub association: String,
}

/// A claim with what staff need to decide it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimReview {
    /// The claim's id.
    pub claim_id: String,
    /// Where it stands.
    pub status: ClaimStatus,
    /// When it was filed.
    pub created_at_ms: i64,
    /// When staff decided it.
    pub decided_at_ms: Option<i64>,
    /// The decision's note.
    pub note: String,
    /// Who claims the record.
    pub claimant: AccountSummary,
    /// The record claimed.
    pub record: ClaimedRecord,
    /// Whether the claimant's email is the record holder's (compared case-insensitively).
    pub email_matches: bool,
    /// Whether the claimant's name is the record holder's (case and spacing aside).
    pub name_matches: bool,
    /// Another account that already holds the record through an approved claim.
    pub already_held_by: Option<AccountSummary>,
    /// Each reason to look twice, in words; empty when the claim matches the record.
    pub warnings: Vec<String>,
}

/// `POST /v1/registry/claims/{claim_id}/approve` and `…/reject`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimDecision {
    /// Why, for the provider.
    #[serde(default)]
    pub note: String,
    /// Approve although the claimant's email is not the record holder's: staff checked who the
    /// claimant is another way. Without it such an approval is refused.
    #[serde(default)]
    pub despite_mismatch: bool,
}

/// One version of an endorsement record, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryRecordView {
    /// The endorsement number (unique per registry).
    pub number: String,
    /// The holder's name.
    pub holder_name: String,
    /// The holder's email.
    pub holder_email: String,
    /// The credential.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "IMHM-C"))]
    pub credential: Credential,
    /// The issuing association.
    pub association: String,
    /// The day it was earned.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub earned_on: Date,
    /// Its last valid day, or open-ended.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub valid_through: Option<Date>,
    /// The day it was revoked, or never.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub revoked_on: Option<Date>,
    /// 1 for the first version, then one more per change.
    pub version: i64,
    /// When this version was written.
    pub changed_at_ms: i64,
    /// Who wrote it (a staff account's id, or `cli`).
    pub changed_by: String,
    /// Where it came from (`csv registry.csv line 4`, `lapse via API`, ...).
    pub source: String,
}

/// `GET /v1/registry/records/{number}`: a record with every version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordWithHistory {
    /// The current version.
    pub record: RegistryRecordView,
    /// Every version, oldest first.
    pub history: Vec<RegistryRecordView>,
}

/// `POST /v1/registry/records/{number}/lapse` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LapseRequest {
    /// The last day the credential was valid (`YYYY-MM-DD`).
    pub valid_through: String,
}

/// `POST /v1/registry/records/{number}/revoke` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The day it was revoked, not held from that day on (`YYYY-MM-DD`).
    pub revoked_on: String,
}

/// Query of `POST /v1/registry/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportQuery {
    /// A name for the source, kept in each record's history (default `api import`).
    pub source: Option<String>,
}

/// Query of `GET /v1/registry/claims`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimsQuery {
    /// Only claims with this status.
    pub status: Option<ClaimStatus>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// New records.
    pub inserted: u64,
    /// Changed records.
    pub updated: u64,
    /// Records already so.
    pub unchanged: u64,
}

/// One problem in an import, by line (1 = the header) and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    /// The line in the file.
    pub line: u64,
    /// The column.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Why an import changed nothing (422).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRefused {
    /// `invalid_input`.
    pub error: String,
    /// `csv`.
    pub field: String,
    /// A summary.
    pub message: String,
    /// Every bad row.
    pub rows: Vec<RowError>,
}
