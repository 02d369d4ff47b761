//! The user's profile: the name others see, when the master's degree was conferred, the
//! association's rulebook and why hours are counted (application or renewal). Edited offline
//! like everything else; a sync sends an edit made here, then takes the server's copy.

use rsc_model::Date;
use rsc_rules::Purpose;
use serde::{Deserialize, Serialize};

use crate::ClientError;
use crate::logbook::{Account, Logbook};
use crate::store::{self, key};

/// What the user tells about themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The name other participants see.
    pub display_name: String,
    /// When the master's degree was conferred; some rulebooks count hours only after it.
    pub masters_conferred_on: Option<Date>,
    /// The association's rulebook (`nmaimh`, `orimha`, `ct-aimh`).
    pub rulebook: Option<String>,
    /// Application or renewal.
    pub purpose: Option<Purpose>,
    /// Whether she provides RS/C to others (CT-AIMH asks providers for 3 of their yearly
    /// training hours about RS/C).
    #[serde(default)]
    pub provides_rsc: bool,
    /// Whether an edit made on this device has not reached the server yet.
    #[serde(default)]
    pub unsynced: bool,
}

impl Profile {
    fn to_wire(&self) -> rsc_protocol::Profile {
        rsc_protocol::Profile {
            masters_conferred_on: self.masters_conferred_on.map(|d| d.to_string()),
            rulebook: self.rulebook.clone(),
            purpose: self.purpose.map(|p| p.to_string()),
            display_name: Some(self.display_name.clone()),
            // This device does not hold the sharing choice: absent, the server keeps it.
            share_progress: None,
            provides_rsc: Some(self.provides_rsc),
        }
    }

    pub(crate) fn from_wire(wire: rsc_protocol::Profile, fallback_name: &str) -> Result<Profile, ClientError> {
        let bad = |field: &str, e: &dyn std::fmt::Display| ClientError::Server {
            status: 200,
            message: format!("the server's profile has an unreadable {field}: {e}"),
        };
        Ok(Profile {
            display_name: wire.display_name.unwrap_or_else(|| fallback_name.to_string()),
            masters_conferred_on: wire
                .masters_conferred_on
                .as_deref()
                .map(|d| d.parse::<Date>().map_err(|e| bad("masters_conferred_on", &e)))
                .transpose()?,
            rulebook: wire.rulebook,
            purpose: wire
                .purpose
                .as_deref()
                .map(|p| p.parse::<Purpose>().map_err(|e| bad("purpose", &e)))
                .transpose()?,
            provides_rsc: wire.provides_rsc.unwrap_or(false),
            unsynced: false,
        })
    }

    /// Checks the profile as the server will.
    fn validate(&self) -> Result<(), ClientError> {
        let name = self.display_name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(ClientError::invalid("display_name", "a name of 1 to 100 printable characters"));
        }
        if let Some(date) = self.masters_conferred_on
            && crate::today().is_some_and(|today| date > today)
        {
            return Err(ClientError::invalid("masters_conferred_on", format!("{date} is in the future")));
        }
        let rulebook = match &self.rulebook {
            Some(id) => Some(rsc_rules::builtin(id).ok_or_else(|| {
                ClientError::invalid(
                    "rulebook",
                    format!(
                        "`{id}` is not a rulebook here; use one of {}",
                        rsc_rules::builtin_ids().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?),
            None => None,
        };
        if let (Some(rulebook), Some(purpose)) = (&rulebook, self.purpose)
            && !rulebook.purposes().contains(&purpose)
        {
            return Err(ClientError::invalid("purpose", format!("rulebook {} does not define {purpose}", rulebook.id)));
        }
        Ok(())
    }
}

impl Logbook {
    /// The profile as this device knows it (offline): the last one received, with any edit
    /// made here since.
    pub fn profile(&self) -> Result<Profile, ClientError> {
        let account = self.require_account()?;
        let conn = self.store();
        let stored: Option<Profile> = store::get_meta(conn.conn(), key::PROFILE)?;
        Ok(match stored {
            Some(profile) => profile,
            None => {
                // Before the first sync, what the directory says (the master's date) and the
                // name given at sign-up.
                let directory: Option<rsc_protocol::ProviderDirectory> = store::get_meta(conn.conn(), key::DIRECTORY)?;
                Profile {
                    display_name: directory
                        .as_ref()
                        .and_then(|d| d.name(&account.user_id))
                        .unwrap_or_default()
                        .to_string(),
                    masters_conferred_on: directory.and_then(|d| d.masters_conferred_on),
                    ..Profile::default()
                }
            }
        })
    }

    /// Changes the profile (offline); the next sync sends it. Returns it as stored.
    pub fn set_profile(&self, profile: Profile) -> Result<Profile, ClientError> {
        self.require_account()?;
        let profile = Profile { display_name: profile.display_name.trim().to_string(), unsynced: true, ..profile };
        profile.validate()?;
        self.store().write(|tx| {
            store::set_meta(tx, key::PROFILE, &profile)?;
            store::set_meta(tx, key::PROFILE_UNSYNCED, &true)
        })?;
        Ok(profile)
    }

    /// Sends a profile edited on this device, then keeps what the server saved; nothing when
    /// there is no edit to send (the server's profile comes with the sync's first answer).
    pub(crate) fn push_profile(&self, account: &Account) -> Result<(), ClientError> {
        let local: Option<Profile> = store::get_meta(self.store().conn(), key::PROFILE)?;
        let unsynced: bool = store::get_meta(self.store().conn(), key::PROFILE_UNSYNCED)?.unwrap_or(false);
        let Some(local) = local.filter(|_| unsynced) else { return Ok(()) };
        let server = self.api(account)?.put("/v1/me/profile", &local.to_wire())?;
        let profile = Profile::from_wire(server, &local.display_name)?;
        self.store().write(|tx| keep_server_profile(tx, Some(&local), profile))
    }
}

/// Keeps the server's `profile`, unless the user edited hers on this device since `sent` went
/// out (or, for a profile that came unasked, since her last edit was sent): that edit stays,
/// and goes with the next sync.
pub(crate) fn keep_server_profile(
    tx: &rusqlite::Connection,
    sent: Option<&Profile>,
    profile: Profile,
) -> Result<(), ClientError> {
    let kept: Option<Profile> = store::get_meta(tx, key::PROFILE)?;
    let unsynced: bool = store::get_meta(tx, key::PROFILE_UNSYNCED)?.unwrap_or(false);
    let edited_since = match sent {
        Some(sent) => kept.as_ref() != Some(sent),
        None => unsynced,
    };
    if edited_since {
        return Ok(());
    }
    if kept.as_ref() != Some(&profile) {
        store::set_meta(tx, key::PROFILE, &profile)?;
    }
    if unsynced {
        store::set_meta(tx, key::PROFILE_UNSYNCED, &false)?;
    }
    Ok(())
}
