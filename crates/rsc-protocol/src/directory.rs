//! What a device needs from the registry to evaluate its logbook offline: for each provider of
//! the user's sessions, the credentials the registry shows and the public keys of the
//! provider's devices (so a device trusts exactly the confirmations the server trusts), and
//! the applicant's own profile dates; and the people the user may name in a session, so that a
//! device shows names and checks rosters offline.

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
    /// The providers of the user's sessions and those the user is connected to, by id.
    pub providers: Vec<DirectoryProvider>,
    /// Everyone the user may see by name, by id: the user, her providers, the members of the
    /// groups she belongs to, the people she already shares a session with, and her own
    /// supervisees, each with the providers under whom the user may name them.
    #[serde(default)]
    pub people: Vec<DirectoryPerson>,
    /// The user's connections and requests, on either side, in every state.
    #[serde(default)]
    pub connections: Vec<crate::ConnectionEntry>,
    /// The groups the user keeps as a provider (archived ones too) and those she belongs to.
    #[serde(default)]
    pub groups: Vec<crate::GroupView>,
    /// The registry records the user claimed, as a provider, and where each stands.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub endorsements: Vec<rsc_model::Endorsement>,
    /// Those of her records whose credential a device of the first release cannot read (ECMHS,
    /// ECMHM-C, IFRS): apart, so that such a device keeps reading the directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub later_endorsements: Vec<rsc_model::Endorsement>,
}

/// One person a device may show by name and name in a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryPerson {
    /// Their user id.
    pub id: String,
    /// The name they chose.
    pub display_name: String,
    /// The providers under whom the user may name them in a session, by id: providers they are
    /// connected to, where the user is that provider, shares one of that provider's groups
    /// with them, or already shared a session of that provider with them.
    #[serde(default)]
    pub connected_to: Vec<String>,
}

impl ProviderDirectory {
    /// The person with `id`.
    pub fn person(&self, id: &str) -> Option<&DirectoryPerson> {
        self.people.iter().find(|p| p.id == id)
    }

    /// Whether `person` is connected to `provider` as far as this directory shows.
    pub fn connected(&self, provider: &str, person: &str) -> bool {
        self.person(person).is_some_and(|p| p.connected_to.iter().any(|c| c == provider))
    }

    /// The name of `id`, where the directory knows it.
    pub fn name(&self, id: &str) -> Option<&str> {
        self.person(id)
            .map(|p| p.display_name.as_str())
            .or_else(|| self.providers.iter().find(|p| p.id == id).map(|p| p.display_name.as_str()))
    }
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
    /// The registry records they claimed, and where each claim stands: what a device says when
    /// a session with them does not count ("their claim to NM-1001 waits for NMAIMH staff").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub endorsements: Vec<rsc_model::Endorsement>,
    /// Their approved credentials of values a device of the first release cannot read (ECMHS,
    /// ECMHM-C, IFRS): apart from `credentials`, so that such a device keeps syncing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub later_credentials: Vec<CredentialRecord>,
    /// Their claimed records of those values, as `endorsements`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub later_endorsements: Vec<rsc_model::Endorsement>,
}

impl DirectoryProvider {
    /// Every approved credential of theirs, whatever its value.
    pub fn all_credentials(&self) -> impl Iterator<Item = &CredentialRecord> {
        self.credentials.iter().chain(&self.later_credentials)
    }

    /// Every record they claimed, whatever its credential.
    pub fn all_endorsements(&self) -> Vec<rsc_model::Endorsement> {
        self.endorsements.iter().chain(&self.later_endorsements).cloned().collect()
    }
}
