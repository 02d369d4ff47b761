//! A person's own data: everything the server keeps about her, as she downloads it
//! (`GET /v1/me/data`), and closing her account (`POST /v1/me/close`).
//!
//! The download names people, never their ids: it is for her to read and to take elsewhere.

use serde::{Deserialize, Serialize};

/// The format name and version of [`OwnData`].
pub const OWN_DATA_FORMAT: &str = "rsc-logbook-own-data/1";

/// `GET /v1/me/data`: everything the server keeps about the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnData {
    /// [`OWN_DATA_FORMAT`].
    pub format: String,
    /// When it was made (UTC, `YYYY-MM-DD`).
    pub made_on: String,
    /// Her account.
    pub account: OwnAccount,
    /// Her devices, signed in or signed out.
    pub devices: Vec<OwnDevice>,
    /// What she told about herself.
    pub profile: Option<crate::Profile>,
    /// The people she is or was connected to.
    pub connections: Vec<OwnConnection>,
    /// Every session she takes part in, with her own entries.
    pub sessions: Vec<OwnSession>,
    /// The exports she made.
    pub exports: Vec<OwnExport>,
    /// Her claims to registry records.
    pub claims: Vec<OwnClaim>,
    /// The trainings she logged (self-reported), removed ones too, by date.
    #[serde(default)]
    pub trainings: Vec<OwnTraining>,
    /// Her trainings' certificate files, each with its content.
    #[serde(default)]
    pub certificates: Vec<OwnCertificate>,
}

/// A training of hers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnTraining {
    /// Its title.
    pub title: String,
    /// Who gave it.
    pub organiser: String,
    /// When (`YYYY-MM-DD`).
    pub date: String,
    /// How long, in minutes.
    pub minutes: i32,
    /// `imh`, `rsc` or `dei`.
    pub topic: String,
    /// The SHA-256 of its certificate file, if one is kept.
    pub certificate: Option<String>,
    /// Whether she removed it.
    pub removed: bool,
}

/// A certificate file of hers, with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnCertificate {
    /// The name it was uploaded with.
    pub file_name: String,
    /// Its type, as its content says.
    pub media_type: String,
    /// Its SHA-256, in hex.
    pub sha256: String,
    /// When she uploaded it (`YYYY-MM-DD`).
    pub uploaded_on: String,
    /// The file, in base64.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub content: crate::Bytes,
}

/// The account part of [`OwnData`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnAccount {
    /// Her sign-in email.
    pub email: String,
    /// The name others see.
    pub display_name: String,
    /// `member` or `registry_admin`.
    pub role: crate::Role,
    /// When she signed up (`YYYY-MM-DD`).
    pub created_on: String,
}

/// A device of hers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnDevice {
    /// Its name.
    pub name: String,
    /// When it signed in (`YYYY-MM-DD`).
    pub signed_in_on: String,
    /// When it was signed out, if it was.
    pub signed_out_on: Option<String>,
}

/// A connection of hers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnConnection {
    /// The other person's name.
    pub person: String,
    /// `your provider` or `your supervisee`.
    pub relation: String,
    /// Since when (`YYYY-MM-DD`).
    pub since: String,
    /// When it ended, if it did.
    pub ended_on: Option<String>,
}

/// A session she takes part in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnSession {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub start_time: String,
    /// Its time zone.
    pub time_zone: String,
    /// Its length in minutes.
    pub minutes: i32,
    /// `individual` or `group`.
    pub kind: String,
    /// `in_person`, `video` or `phone`.
    pub format: String,
    /// The provider's name.
    pub provider: String,
    /// Whether it was withdrawn.
    pub withdrawn: bool,
    /// Her part: her own attendance when she attended; as its provider, each attendee's entry
    /// she confirmed or disputed.
    pub entries: Vec<OwnEntry>,
}

/// One attendee's entry in a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnEntry {
    /// The attendee's name.
    pub attendee: String,
    /// Minutes as logged.
    pub minutes_attended: i32,
    /// Where it stands.
    pub status: crate::AttendanceStatus,
    /// Minutes confirmed, when confirmed.
    pub confirmed_minutes: Option<i32>,
}

/// An export she made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnExport {
    /// Its id, as printed on it.
    pub id: String,
    /// When it was made (`YYYY-MM-DD`).
    pub made_on: String,
    /// When she withdrew it, if she did.
    pub withdrawn_on: Option<String>,
}

/// A claim of hers to a registry record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnClaim {
    /// The endorsement number.
    pub number: String,
    /// Where it stands.
    pub status: crate::ClaimStatus,
    /// When she filed it (`YYYY-MM-DD`).
    pub filed_on: String,
    /// When staff decided it, if they did.
    pub decided_on: Option<String>,
    /// Staff's note.
    pub note: String,
}

/// What closing an account must be told, so that nobody closes one by a slip.
pub const CLOSE_CONFIRMATION: &str = "close my account";

/// `POST /v1/me/close` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseAccount {
    /// Her password.
    pub password: String,
    /// Exactly [`CLOSE_CONFIRMATION`].
    pub confirm: String,
}
