//! What a device needs from the registry to evaluate its logbook offline: for each provider of
//! the user's sessions, the credentials the registry shows and the public keys of the
//! provider's devices (so a device trusts exactly the confirmations the server trusts), and
//! the applicant's own profile dates.

use rsc_model::{CredentialRecord, Date};
use serde::{Deserialize, Serialize};

/// `GET /v1/me/providers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderDirectory {
    /// When the user's master's degree was conferred, from their profile.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub masters_conferred_on: Option<Date>,
    /// The providers of the user's sessions, by id.
    pub providers: Vec<DirectoryProvider>,
}

/// One provider as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryProvider {
    /// The provider's user id.
    pub id: String,
    /// The name they chose.
    pub display_name: String,
    /// Their approved registry credentials.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub credentials: Vec<CredentialRecord>,
    /// Hex ed25519 public keys of their unrevoked devices.
    pub device_keys: Vec<String>,
}
