//! The people a device's user works with, by name: connection codes a provider shares,
//! connecting to a provider, the directory kept for offline use, and finding a person or a
//! session from what someone types (a name, or the first characters of an id).
//!
//! The directory is the server's list of everyone the user may name in a session; a session
//! may name only people connected to its provider, checked offline (`directory`) and again by the
//! server, so a typo'd id or an email never becomes a session that waits forever.

use rsc_doc::SessionDoc;
use rsc_model::Id;
use rsc_model::names::{NameMatch, name_match};
use rsc_protocol::{ConnectRequest, Connected, ConnectionCode, NewConnectionCode, ProviderDirectory};
use serde::{Deserialize, Serialize};

use crate::ClientError;
use crate::api::Api;
use crate::directory::in_words;
use crate::logbook::{Account, Logbook, trust};
use crate::store::{self, key};
use crate::view::SessionView;

/// The fewest characters of an id that are taken as its prefix.
pub const MIN_ID_PREFIX: usize = 4;

/// A connection code to share, with its link (the same code, for a tap or a QR code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedCode {
    /// The code as people type it: `7KQ2-M9XD`.
    pub code: String,
    /// The link that carries it: `https://server/connect/7KQ2M9XD`.
    pub link: String,
    /// When it was made (Unix milliseconds).
    pub created_at_ms: i64,
    /// When it stops working (Unix milliseconds).
    pub expires_at_ms: i64,
    /// People who connected with it.
    pub used: u32,
}

/// Someone the user works with, as this device knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    /// Their user id (for programs).
    pub id: Id,
    /// Their name.
    pub name: String,
    /// The signed-in user.
    pub is_me: bool,
    /// A provider the user is connected to.
    pub is_my_provider: bool,
    /// Connected to the user as their provider.
    pub is_my_supervisee: bool,
    /// The providers they are connected to, as far as the user may see.
    pub connected_to: Vec<Id>,
}

impl PersonView {
    /// How the user knows this person, in words: to tell apart two people of one name.
    pub fn relation(&self) -> &'static str {
        match (self.is_me, self.is_my_provider, self.is_my_supervisee) {
            (true, _, _) => "you",
            (_, true, true) => "your provider and supervisee",
            (_, true, false) => "your provider",
            (_, false, true) => "your supervisee",
            _ => "in a group with you",
        }
    }
}

impl Logbook {
    pub(crate) fn api<'a>(&'a self, account: &'a Account) -> Result<Api<'a>, ClientError> {
        Ok(Api { http: self.http()?, base: &account.server_url, token: Some(&account.token) })
    }

    /// As a provider: a new connection code to share with a supervisee, working for
    /// `valid_days` (default 14, at most 90).
    pub fn create_connection_code(&self, valid_days: Option<u32>) -> Result<SharedCode, ClientError> {
        if let Some(days) = valid_days
            && !(1..=rsc_protocol::MAX_CODE_DAYS).contains(&days)
        {
            return Err(ClientError::invalid(
                "valid_days",
                format!("{days} is out of range 1 to {}", rsc_protocol::MAX_CODE_DAYS),
            ));
        }
        let account = self.require_account()?;
        let code: ConnectionCode =
            self.api(&account)?.post("/v1/connections/codes", &NewConnectionCode { valid_days })?;
        Ok(shared(&account, code))
    }

    /// As a provider: the codes that still work, newest first.
    pub fn connection_codes(&self) -> Result<Vec<SharedCode>, ClientError> {
        let account = self.require_account()?;
        let codes: Vec<ConnectionCode> = self.api(&account)?.get("/v1/connections/codes")?;
        Ok(codes.into_iter().map(|c| shared(&account, c)).collect())
    }

    /// As a provider: withdraws a code; people who connected with it stay connected.
    pub fn revoke_connection_code(&self, code: &str) -> Result<(), ClientError> {
        let canonical = rsc_protocol::normalize_code(code).map_err(|e| ClientError::invalid("code", e.to_string()))?;
        let account = self.require_account()?;
        self.api(&account)?.delete(&format!("/v1/connections/codes/{canonical}"))
    }

    /// Connects to the provider who shared `code` (typed in any case, with or without its
    /// dash, or the whole link). Returns the provider; from then on sessions with them, and
    /// with their other supervisees, can be logged by name, offline too.
    pub fn connect(&self, code: &str) -> Result<PersonView, ClientError> {
        rsc_protocol::normalize_code(code).map_err(|e| ClientError::invalid("code", e.to_string()))?;
        self.connect_with(ConnectRequest { code: Some(code.trim().to_string()), endorsement_number: None })
    }

    fn connect_with(&self, request: ConnectRequest) -> Result<PersonView, ClientError> {
        let account = self.require_account()?;
        let connected: Connected = self.api(&account)?.post("/v1/connections", &request)?;
        self.refresh_directory()?;
        let id = Id::new(connected.provider.id.as_str(), "provider")?;
        Ok(self.people()?.into_iter().find(|p| p.id == id).unwrap_or(PersonView {
            id,
            name: connected.provider.display_name,
            is_me: false,
            is_my_provider: true,
            is_my_supervisee: false,
            connected_to: Vec::new(),
        }))
    }

    /// Fetches the directory (names, registry records, provider keys) from the server now,
    /// rather than at the next sync.
    pub fn refresh_directory(&self) -> Result<(), ClientError> {
        let account = self.require_account()?;
        let directory: ProviderDirectory = self.api(&account)?.get("/v1/me/providers")?;
        self.store().write(|tx| keep_directory(tx, &account, &directory))
    }

    /// Everyone the user works with, from the directory this device keeps (offline): the user,
    /// their providers, their supervisees and their providers' other supervisees, by name.
    pub fn people(&self) -> Result<Vec<PersonView>, ClientError> {
        let account = self.require_account()?;
        let directory: ProviderDirectory = store::get_meta(self.store().conn(), key::DIRECTORY)?.unwrap_or_default();
        people_of(&account, &directory)
    }

    /// The person `text` names among [`Logbook::people`]: their name as people type it (any
    /// case, with or without accents, the start of it or of its words), or, for programs, their
    /// id or its first characters. `field` names the input in errors.
    pub fn find_person(&self, text: &str, field: &str) -> Result<PersonView, ClientError> {
        let people = self.people()?;
        let wanted = text.trim();
        if wanted.is_empty() {
            return Err(ClientError::invalid(field, "give a name"));
        }
        if let Some(one) = people.iter().find(|p| p.id.as_str() == wanted) {
            return Ok(one.clone());
        }
        // The closest kind of match wins: a whole name over the start of one over words.
        let mut best: Option<(NameMatch, Vec<&PersonView>)> = None;
        for person in &people {
            let Some(closeness) = name_match(&person.name, wanted) else { continue };
            match &mut best {
                Some((b, found)) if *b == closeness => found.push(person),
                Some((b, _)) if *b < closeness => {}
                _ => best = Some((closeness, vec![person])),
            }
        }
        if best.is_none() && wanted.len() >= MIN_ID_PREFIX {
            let by_id: Vec<&PersonView> = people.iter().filter(|p| p.id.as_str().starts_with(wanted)).collect();
            if !by_id.is_empty() {
                best = Some((NameMatch::Whole, by_id));
            }
        }
        match best.map(|(_, found)| found).as_deref() {
            Some([one]) => return Ok((*one).clone()),
            Some(many @ [_, _, ..]) => {
                let names: Vec<String> = many.iter().map(|p| format!("{} ({})", p.name, p.relation())).collect();
                return Err(ClientError::invalid(
                    field,
                    format!("`{wanted}` could be {}; give more of the name", names.join(" or ")),
                ));
            }
            _ => {}
        }
        let known = if people.len() <= 1 {
            "you are connected to nobody yet: enter your provider's connection code first".to_string()
        } else {
            format!(
                "the people you work with are {}",
                people.iter().filter(|p| !p.is_me).map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
            )
        };
        Err(ClientError::invalid(field, format!("nobody you work with is called `{wanted}`; {known}")))
    }

    /// The session `text` names: its id, or the first characters of it (as lists show them).
    pub fn find_session(&self, text: &str) -> Result<Id, ClientError> {
        let wanted = text.trim();
        if let Ok(id) = Id::new(wanted, "session")
            && store::doc_exists(self.store().conn(), id.as_str())?
        {
            return Ok(id);
        }
        if wanted.len() >= MIN_ID_PREFIX && wanted.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            let found = store::doc_ids_with_prefix(self.store().conn(), wanted)?;
            match found.as_slice() {
                [one] => return Id::new(one.as_str(), "session").map_err(Into::into),
                [] => {}
                many => {
                    return Err(ClientError::invalid(
                        "session",
                        format!("`{wanted}` starts {} sessions' ids; give more of it", many.len()),
                    ));
                }
            }
        }
        Err(ClientError::NotFound(format!("no session `{wanted}` on this device")))
    }
}

impl Logbook {
    /// The error with ids replaced by the names this device knows, and any other id by words.
    pub(crate) fn named(&self, error: ClientError) -> ClientError {
        let directory: Option<ProviderDirectory> = store::get_meta(self.store().conn(), key::DIRECTORY).ok().flatten();
        let rename = |text: String| in_words(self.store().conn(), directory.as_ref(), &text);
        match error {
            ClientError::Invalid { field, message } => ClientError::Invalid { field, message: rename(message) },
            ClientError::NotFound(message) => ClientError::NotFound(rename(message)),
            ClientError::Rejected { status, message } => ClientError::Rejected { status, message: rename(message) },
            other => other,
        }
    }
}

/// The code with its full link on the user's server.
fn shared(account: &Account, code: ConnectionCode) -> SharedCode {
    SharedCode {
        link: format!("{}{}", account.server_url, code.link_path),
        code: code.code,
        created_at_ms: code.created_at_ms,
        expires_at_ms: code.expires_at_ms,
        used: code.used,
    }
}

pub(crate) fn people_of(account: &Account, directory: &ProviderDirectory) -> Result<Vec<PersonView>, ClientError> {
    let me = account.user_id.as_str();
    let mut people = Vec::with_capacity(directory.people.len());
    for person in &directory.people {
        let connected_to =
            person.connected_to.iter().map(|p| Id::new(p.as_str(), "provider")).collect::<Result<Vec<_>, _>>()?;
        people.push(PersonView {
            id: Id::new(person.id.as_str(), "person")?,
            name: person.display_name.clone(),
            is_me: person.id == me,
            is_my_provider: directory.connected(&person.id, me),
            is_my_supervisee: person.connected_to.iter().any(|p| p == me),
            connected_to,
        });
    }
    people.sort_by(|a, b| (!a.is_me, &a.name, &a.id).cmp(&(!b.is_me, &b.name, &b.id)));
    Ok(people)
}

/// The first characters of an id, enough to tell it apart in lists (`4f0c9a21`).
pub fn short_id(id: &Id) -> &str {
    let text = id.as_str();
    text.get(..8).unwrap_or(text)
}

/// Stores the directory the server sent; when it differs from the one the views were rendered
/// with, renders every view again (a provider's new device key may confirm sessions).
pub(crate) fn keep_directory(
    tx: &rusqlite::Connection,
    account: &Account,
    directory: &ProviderDirectory,
) -> Result<(), ClientError> {
    let previous: Option<ProviderDirectory> = store::get_meta(tx, key::DIRECTORY)?;
    if previous.as_ref() == Some(directory) {
        return Ok(());
    }
    store::set_meta(tx, key::DIRECTORY, directory)?;
    let me = Id::new(account.user_id.as_str(), "user")?;
    let trust = trust(tx, account)?;
    for (id, bytes) in store::all_docs(tx)? {
        let session = SessionDoc::load(&bytes)?.session()?;
        let view = SessionView::render(&session, &me, &trust);
        tx.execute("UPDATE docs SET view = ?1 WHERE id = ?2", rusqlite::params![serde_json::to_string(&view)?, id])?;
    }
    Ok(())
}
