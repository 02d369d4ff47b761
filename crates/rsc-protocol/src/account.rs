//! Accounts and devices: registration, sign-in (which registers the signing-in device), and the
//! error body every endpoint uses.

pub use rsc_model::Role;
use serde::{Deserialize, Serialize};

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted, in characters (argon2 input stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// `POST /v1/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Sign-in email; compared case-insensitively.
    pub email: String,
    /// At least [`MIN_PASSWORD_CHARS`] characters.
    pub password: String,
    /// The name other participants see.
    pub display_name: String,
}

/// The answer to a registration. It is the same whether the email was new or already had an
/// account, so that registration does not reveal who has one (sign-in does not either).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterResponse {
    /// What to do next: sign in with this email and password.
    pub message: String,
}

/// [`RegisterResponse::message`], the one answer to every accepted registration.
pub const REGISTERED_MESSAGE: &str = "If this email is new, its account is ready. If it already had an account, \
     nothing changed. Either way, sign in with the email and that account's password.";

/// The device signing in: its public key and Automerge actor id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    /// A name the user recognises ("Ana's phone").
    pub name: String,
    /// The device's ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// The device's Automerge actor id, 32 hex digits; bound to this device only.
    pub actor_id: String,
}

/// `POST /v1/login`: signs in and registers the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in email.
    pub email: String,
    /// Password.
    pub password: String,
    /// The device signing in.
    pub device: DeviceInfo,
    /// The mark the last sign-in on this device or app gave (`LoginResponse::known_client`):
    /// with it, wrong passwords typed elsewhere do not lock this device out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_client: Option<String>,
}

/// A signed-in device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// The account's id.
    pub user_id: String,
    /// The account's role.
    pub role: Role,
    /// The registered device's id.
    pub device_id: String,
    /// The bearer token for this device. Shown once; the server keeps only its hash.
    pub token: String,
    /// A mark to send with the next sign-in from here (`LoginRequest::known_client`), kept even
    /// after signing out.
    #[serde(default)]
    pub known_client: Option<String>,
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    /// The account's id.
    pub user_id: String,
    /// Sign-in email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The device making the request.
    pub device_id: String,
}

/// One of the user's devices, `GET /v1/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceView {
    /// The device's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its public key, hex.
    pub public_key: String,
    /// Its actor id, hex.
    pub actor_id: String,
    /// When it signed in (ms since the epoch).
    pub created_at_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<i64>,
    /// Whether it is the device making the request.
    pub current: bool,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A stable code for programs (`invalid_input`, `unauthorized`, `rate_limited`, ...).
    pub error: String,
    /// The offending field, for invalid input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What went wrong and what to do, for people.
    pub message: String,
}

/// `POST /v1/me/password` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// The new one.
    pub new_password: String,
}

/// `POST /v1/password-reset` body: a one-time code from association staff (`rsc-server admin
/// reset-password`) sets a new password and signs every device out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The account's email.
    pub email: String,
    /// The one-time code.
    pub code: String,
    /// The new password.
    pub new_password: String,
}
