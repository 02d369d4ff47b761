//! Whom the user works with, and with whose consent: her connections and requests on either
//! side, asking a provider by endorsement number, answering a request, ending a connection, and
//! a provider's named groups. Lists come from the directory the device keeps (offline); each
//! change is a call to the server, after which the directory is fetched again.
//!
//! People are named as they are typed, never by id: a request, a connection or a group member
//! is found by her name or its start, among the people the list holds.

use rsc_model::Id;
use rsc_protocol::{
    ConnectionEntry, ConnectionRole, ConnectionSource, ConnectionState, GroupChange, GroupMember, GroupView,
    NewConnectionRequest, NewGroup, ProviderDirectory,
};
use serde::{Deserialize, Serialize};

use crate::ClientError;
use crate::logbook::Logbook;
use crate::store::{self, key};

/// One connection, or request for one, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    /// The other person's id (for programs).
    pub id: Id,
    /// The other person's name.
    pub name: String,
    /// Which side the other person is on: `Provider` when she is (or would be) the user's.
    pub role: ConnectionRole,
    /// Where it stands.
    pub state: ConnectionState,
    /// How it was made; `None` for a request, or a connection made before this was recorded.
    pub source: Option<ConnectionSource>,
    /// When it was made or asked for (Unix milliseconds).
    pub since_ms: i64,
    /// When it was ended or declined.
    pub ended_at_ms: Option<i64>,
    /// Whether the user ended (or declined) it herself.
    pub ended_by_me: Option<bool>,
    /// For a provider, the email of whoever asks her.
    pub email: Option<String>,
    /// The endorsement number a request named.
    pub endorsement_number: Option<String>,
    /// For a declined request, when the user may ask again.
    pub ask_again_from_ms: Option<i64>,
}

impl ConnectionView {
    fn from_entry(entry: &ConnectionEntry) -> Result<ConnectionView, ClientError> {
        Ok(ConnectionView {
            id: Id::new(entry.person.id.as_str(), "person")?,
            name: entry.person.display_name.clone(),
            role: entry.role,
            state: entry.state,
            source: entry.source,
            since_ms: entry.since_ms,
            ended_at_ms: entry.ended_at_ms,
            ended_by_me: entry.ended_by_me,
            email: entry.email.clone(),
            endorsement_number: entry.endorsement_number.clone(),
            ask_again_from_ms: entry.ask_again_from_ms,
        })
    }

    /// Whether this is someone asking the user to be her provider.
    pub fn asks_me(&self) -> bool {
        self.state == ConnectionState::Requested && self.role == ConnectionRole::Supervisee
    }
}

/// Someone in a group, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPerson {
    /// Their id (for programs).
    pub id: Id,
    /// Their name.
    pub name: String,
}

/// A provider's named group, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// Its id (for programs).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The provider who keeps it.
    pub provider: GroupPerson,
    /// Its members.
    pub members: Vec<GroupPerson>,
    /// Whether the user keeps it (she is its provider).
    pub mine: bool,
    /// Archived: kept, but not offered, and its members no longer see each other.
    pub archived: bool,
}

impl GroupInfo {
    fn from_view(group: &GroupView, me: &str) -> Result<GroupInfo, ClientError> {
        let person = |p: &rsc_protocol::Person| -> Result<GroupPerson, ClientError> {
            Ok(GroupPerson { id: Id::new(p.id.as_str(), "person")?, name: p.display_name.clone() })
        };
        Ok(GroupInfo {
            id: group.id.clone(),
            name: group.name.clone(),
            provider: person(&group.provider)?,
            members: group.members.iter().map(person).collect::<Result<_, _>>()?,
            mine: group.provider.id == me,
            archived: group.archived,
        })
    }
}

/// What changed in the user's connections since the last sync, done by someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionNews {
    /// The other person's name.
    pub name: String,
    /// What happened.
    pub change: ConnectionChange,
    /// When (Unix milliseconds).
    pub at_ms: i64,
}

/// What someone else did to a connection of the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionChange {
    /// Asks the user to be her provider.
    AskedYou,
    /// Connected with the user's code.
    ConnectedWithYourCode,
    /// Accepted the user's request.
    Accepted,
    /// Declined the user's request.
    Declined,
    /// Ended the connection.
    Ended,
}

impl ConnectionNews {
    /// The news as a sentence: "Ana Pérez ended the connection on 2026-12-06".
    pub fn describe(&self) -> String {
        let day = rsc_model::Date::from_unix_millis(self.at_ms).map(|d| d.to_string()).unwrap_or_default();
        let name = &self.name;
        match self.change {
            ConnectionChange::AskedYou => format!("{name} asks to connect with you (since {day})"),
            ConnectionChange::ConnectedWithYourCode => format!("{name} connected with your code on {day}"),
            ConnectionChange::Accepted => format!("{name} accepted your request to connect on {day}"),
            ConnectionChange::Declined => format!("{name} declined your request to connect on {day}"),
            ConnectionChange::Ended => format!("{name} ended the connection on {day}"),
        }
    }
}

/// What the other side did between two directories the device kept, oldest first. A first
/// directory brings no news (everything in it is history).
pub(crate) fn news_between(before: Option<&ProviderDirectory>, after: &ProviderDirectory) -> Vec<ConnectionNews> {
    let Some(before) = before else { return Vec::new() };
    let mut news = Vec::new();
    for entry in &after.connections {
        let earlier = before.connections.iter().find(|e| e.person.id == entry.person.id && e.role == entry.role);
        let was = earlier.map(|e| e.state);
        let by_other = entry.ended_by_me == Some(false);
        let change = match (entry.state, entry.role, was) {
            (ConnectionState::Requested, ConnectionRole::Supervisee, w) if w != Some(ConnectionState::Requested) => {
                Some((ConnectionChange::AskedYou, entry.since_ms))
            }
            (ConnectionState::Connected, ConnectionRole::Provider, Some(ConnectionState::Requested)) => {
                Some((ConnectionChange::Accepted, entry.since_ms))
            }
            (ConnectionState::Connected, ConnectionRole::Supervisee, w)
                if w != Some(ConnectionState::Connected) && entry.source == Some(ConnectionSource::Code) =>
            {
                Some((ConnectionChange::ConnectedWithYourCode, entry.since_ms))
            }
            (ConnectionState::Declined, _, Some(ConnectionState::Requested)) if by_other => {
                Some((ConnectionChange::Declined, entry.ended_at_ms.unwrap_or(entry.since_ms)))
            }
            (ConnectionState::Ended, _, Some(ConnectionState::Connected)) if by_other => {
                Some((ConnectionChange::Ended, entry.ended_at_ms.unwrap_or(entry.since_ms)))
            }
            _ => None,
        };
        if let Some((change, at_ms)) = change {
            news.push(ConnectionNews { name: entry.person.display_name.clone(), change, at_ms });
        }
    }
    news.sort_by_key(|n| n.at_ms);
    news
}

/// The one item `text` names among `items`: by whole name, then the start of the name, then
/// the start of any word of it (in any case). `field` names the input in errors.
pub(crate) fn pick<'a, T>(
    items: &'a [T],
    name: impl Fn(&T) -> &str,
    text: &str,
    field: &str,
    what: &str,
) -> Result<&'a T, ClientError> {
    let wanted = text.trim().to_lowercase();
    if wanted.is_empty() {
        return Err(ClientError::invalid(field, format!("give the {what}'s name")));
    }
    let by =
        |matches: &dyn Fn(&str) -> bool| items.iter().filter(|i| matches(&name(i).to_lowercase())).collect::<Vec<_>>();
    for found in [
        by(&|n| n == wanted),
        by(&|n| n.starts_with(&wanted)),
        by(&|n| n.split_whitespace().any(|w| w.starts_with(&wanted))),
    ] {
        match found.as_slice() {
            [] => continue,
            [one] => return Ok(*one),
            many => {
                let names: Vec<&str> = many.iter().map(|i| name(i)).collect();
                return Err(ClientError::invalid(
                    field,
                    format!("`{}` could be {}; give more of the name", text.trim(), names.join(" or ")),
                ));
            }
        }
    }
    let known: Vec<&str> = items.iter().map(&name).collect();
    Err(ClientError::invalid(
        field,
        if known.is_empty() {
            format!("there is no {what} to choose from")
        } else {
            format!("no {what} is called `{}`; there are {}", text.trim(), known.join(", "))
        },
    ))
}

impl Logbook {
    fn directory(&self) -> Result<ProviderDirectory, ClientError> {
        Ok(store::get_meta(self.store().conn(), key::DIRECTORY)?.unwrap_or_default())
    }

    /// Every connection and request of the user's, on either side, from the directory this
    /// device keeps (offline): her providers, her supervisees, requests waiting, declined and
    /// ended ones.
    pub fn connections(&self) -> Result<Vec<ConnectionView>, ClientError> {
        self.require_account()?;
        self.directory()?.connections.iter().map(ConnectionView::from_entry).collect()
    }

    /// Asks the provider who holds endorsement `number` to connect. Until she accepts, sessions
    /// with her cannot be logged; she sees the user's name and email.
    pub fn request_connection(&self, number: &str) -> Result<ConnectionView, ClientError> {
        let number = number.trim();
        if number.is_empty() || number.len() > rsc_protocol::MAX_ENDORSEMENT_NUMBER_BYTES {
            return Err(ClientError::invalid("number", "an endorsement number as the registry shows it, e.g. NM-1001"));
        }
        let account = self.require_account()?;
        let entry: ConnectionEntry = self
            .api(&account)?
            .post("/v1/connections/requests", &NewConnectionRequest { endorsement_number: number.to_string() })?;
        self.refresh_directory()?;
        ConnectionView::from_entry(&entry)
    }

    /// The request `who` (a name, or its start) sent the user, still waiting, as the server
    /// has it now (the call goes to the server anyway).
    fn asking(&self, who: &str) -> Result<ConnectionView, ClientError> {
        self.refresh_directory()?;
        let waiting: Vec<ConnectionView> = self.connections()?.into_iter().filter(ConnectionView::asks_me).collect();
        pick(&waiting, |c| c.name.as_str(), who, "person", "person asking to connect").cloned()
    }

    /// As a provider: accepts the request `who` sent. Sessions between the two can be logged
    /// from now on.
    pub fn accept_request(&self, who: &str) -> Result<ConnectionView, ClientError> {
        let asking = self.asking(who)?;
        let account = self.require_account()?;
        let entry: ConnectionEntry = self
            .api(&account)?
            .post(&format!("/v1/connections/requests/{}/accept", asking.id), &serde_json::json!({}))?;
        self.refresh_directory()?;
        ConnectionView::from_entry(&entry)
    }

    /// As a provider: declines (removes) the request `who` sent. She is told, and may ask
    /// again after a week.
    pub fn decline_request(&self, who: &str) -> Result<ConnectionView, ClientError> {
        let asking = self.asking(who)?;
        let account = self.require_account()?;
        let entry: ConnectionEntry = self
            .api(&account)?
            .post(&format!("/v1/connections/requests/{}/decline", asking.id), &serde_json::json!({}))?;
        self.refresh_directory()?;
        ConnectionView::from_entry(&entry)
    }

    /// Ends the connection with `who` (a provider of the user's or a supervisee), or takes back
    /// the user's request to her. Sessions already logged stay and count; no new session can
    /// pair the two. Returns whom it ended with.
    pub fn end_connection(&self, who: &str) -> Result<ConnectionView, ClientError> {
        self.refresh_directory()?;
        let current: Vec<ConnectionView> = self
            .connections()?
            .into_iter()
            .filter(|c| {
                c.state == ConnectionState::Connected
                    || (c.state == ConnectionState::Requested && c.role == ConnectionRole::Provider)
            })
            .collect();
        let other = pick(&current, |c| c.name.as_str(), who, "person", "connection")?.clone();
        let account = self.require_account()?;
        self.api(&account)?.delete(&format!("/v1/connections/people/{}", other.id))?;
        self.refresh_directory()?;
        Ok(other)
    }

    /// The groups the user keeps (archived ones too) and those she belongs to, from the
    /// directory this device keeps (offline).
    pub fn groups(&self) -> Result<Vec<GroupInfo>, ClientError> {
        let account = self.require_account()?;
        self.directory()?.groups.iter().map(|g| GroupInfo::from_view(g, &account.user_id)).collect()
    }

    /// The group `text` names (its name or the start of it): one the user keeps when `mine`,
    /// else any she keeps or belongs to. Archived groups only when `archived_too`.
    pub fn find_group(&self, text: &str, mine: bool, archived_too: bool) -> Result<GroupInfo, ClientError> {
        let groups: Vec<GroupInfo> =
            self.groups()?.into_iter().filter(|g| (!mine || g.mine) && (archived_too || !g.archived)).collect();
        pick(&groups, |g| g.name.as_str(), text, "group", "group").cloned()
    }

    /// The user's current supervisees named by `names` (each a name or its start), as the
    /// server has them now (the call goes to the server anyway).
    fn my_supervisees(&self, names: &[String], field: &str) -> Result<Vec<Id>, ClientError> {
        self.refresh_directory()?;
        let mine: Vec<ConnectionView> = self
            .connections()?
            .into_iter()
            .filter(|c| c.state == ConnectionState::Connected && c.role == ConnectionRole::Supervisee)
            .collect();
        names.iter().map(|n| pick(&mine, |c| c.name.as_str(), n, field, "supervisee").map(|c| c.id.clone())).collect()
    }

    /// As a provider: a new named group of supervisees (each named by name or its start).
    pub fn create_group(&self, name: &str, members: &[String]) -> Result<GroupInfo, ClientError> {
        let ids = self.my_supervisees(members, "members")?;
        let account = self.require_account()?;
        let new = NewGroup { name: name.trim().to_string(), members: ids.iter().map(|i| i.to_string()).collect() };
        let group: GroupView = self.api(&account)?.post("/v1/groups", &new)?;
        self.refresh_directory()?;
        GroupInfo::from_view(&group, &account.user_id)
    }

    fn change_group(&self, group: &str, change: GroupChange, archived_too: bool) -> Result<GroupInfo, ClientError> {
        self.refresh_directory()?;
        let found = self.find_group(group, true, archived_too)?;
        let account = self.require_account()?;
        let group: GroupView = self.api(&account)?.patch(&format!("/v1/groups/{}", found.id), &change)?;
        self.refresh_directory()?;
        GroupInfo::from_view(&group, &account.user_id)
    }

    /// As a provider: renames one of her groups.
    pub fn rename_group(&self, group: &str, new_name: &str) -> Result<GroupInfo, ClientError> {
        self.change_group(group, GroupChange { name: Some(new_name.trim().to_string()), archived: None }, true)
    }

    /// As a provider: archives one of her groups (`archived`), or brings it back.
    pub fn archive_group(&self, group: &str, archived: bool) -> Result<GroupInfo, ClientError> {
        self.change_group(group, GroupChange { name: None, archived: Some(archived) }, true)
    }

    /// As a provider: adds a supervisee to one of her groups.
    pub fn add_to_group(&self, group: &str, who: &str) -> Result<GroupInfo, ClientError> {
        let found = self.find_group(group, true, true)?;
        let member = self.my_supervisees(&[who.to_string()], "member")?.remove(0);
        let account = self.require_account()?;
        let group: GroupView = self
            .api(&account)?
            .post(&format!("/v1/groups/{}/members", found.id), &GroupMember { member: member.to_string() })?;
        self.refresh_directory()?;
        GroupInfo::from_view(&group, &account.user_id)
    }

    /// As a provider: takes someone out of one of her groups.
    pub fn remove_from_group(&self, group: &str, who: &str) -> Result<GroupInfo, ClientError> {
        self.refresh_directory()?;
        let found = self.find_group(group, true, true)?;
        let member = pick(&found.members, |m| m.name.as_str(), who, "member", "member of the group")?.id.clone();
        let account = self.require_account()?;
        let group: GroupView = self.api(&account)?.delete_json(&format!("/v1/groups/{}/members/{member}", found.id))?;
        self.refresh_directory()?;
        GroupInfo::from_view(&group, &account.user_id)
    }

    /// The roster a session of group `text` starts from: its provider, and its members (the
    /// user among them when she belongs to it; all of them when she keeps it).
    pub fn group_roster(&self, text: &str) -> Result<(Id, Vec<Id>), ClientError> {
        let group = self.find_group(text, false, false)?;
        if group.members.is_empty() {
            return Err(ClientError::invalid("group", format!("{} has no members yet", group.name)));
        }
        Ok((group.provider.id.clone(), group.members.iter().map(|m| m.id.clone()).collect()))
    }
}

#[cfg(test)]
mod tests {
    use rsc_protocol::Person;

    use super::*;

    fn entry(id: &str, role: ConnectionRole, state: ConnectionState, ended_by_me: Option<bool>) -> ConnectionEntry {
        ConnectionEntry {
            person: Person { id: id.into(), display_name: format!("{id} name") },
            role,
            state,
            source: Some(ConnectionSource::Code),
            since_ms: 1_765_000_000_000,
            ended_at_ms: ended_by_me.map(|_| 1_765_100_000_000),
            ended_by_me,
            email: None,
            endorsement_number: None,
            ask_again_from_ms: None,
        }
    }

    fn directory(connections: Vec<ConnectionEntry>) -> ProviderDirectory {
        ProviderDirectory { connections, ..ProviderDirectory::default() }
    }

    #[test]
    fn news_is_what_the_other_side_did_since_the_last_directory() {
        use ConnectionRole::{Provider, Supervisee};
        use ConnectionState::{Connected, Declined, Ended, Requested};
        let before = directory(vec![
            entry("pat", Provider, Connected, None),
            entry("quinn", Provider, Requested, None),
            entry("ben", Supervisee, Connected, None),
            entry("cleo", Supervisee, Connected, None),
        ]);
        let after = directory(vec![
            entry("pat", Provider, Ended, Some(false)),
            entry("quinn", Provider, Connected, None),
            entry("ben", Supervisee, Ended, Some(true)),
            entry("cleo", Supervisee, Connected, None),
            entry("dan", Supervisee, Requested, None),
            entry("eve", Supervisee, Connected, None),
        ]);
        let news: Vec<(String, ConnectionChange)> =
            news_between(Some(&before), &after).into_iter().map(|n| (n.name, n.change)).collect();
        assert_eq!(
            news,
            [
                ("quinn name".to_string(), ConnectionChange::Accepted),
                ("dan name".to_string(), ConnectionChange::AskedYou),
                ("eve name".to_string(), ConnectionChange::ConnectedWithYourCode),
                ("pat name".to_string(), ConnectionChange::Ended),
            ],
            "Ben, whom the user ended herself, and Cleo, unchanged, are no news"
        );
        assert!(news_between(None, &after).is_empty(), "a first directory is history, not news");
        let declined = directory(vec![entry("quinn", Provider, Declined, Some(false))]);
        let said = news_between(Some(&before), &declined);
        assert_eq!(said[0].describe(), "quinn name declined your request to connect on 2025-12-07");
    }

    #[test]
    fn a_name_is_picked_whole_then_by_its_start_then_by_any_word() {
        let names = ["Ana Pérez", "Anaïs Roy", "Ben Okafor", "Tuesday reflective group"];
        let pick_one = |text: &str| pick(&names, |n| n, text, "person", "person").copied();
        assert_eq!(pick_one("ana pérez").expect("whole"), "Ana Pérez");
        assert_eq!(pick_one("okafor").expect("a word"), "Ben Okafor");
        assert_eq!(pick_one("tues").expect("start"), "Tuesday reflective group");
        let both = pick_one("ana").expect_err("two");
        assert!(both.to_string().contains("Ana Pérez or Anaïs Roy"), "{both}");
        let none = pick_one("zoë").expect_err("none");
        assert!(none.to_string().contains("no person is called `zoë`"), "{none}");
        assert!(
            pick(&[] as &[&str], |n| n, "x", "group", "group")
                .expect_err("empty")
                .to_string()
                .contains("no group to choose")
        );
    }
}
