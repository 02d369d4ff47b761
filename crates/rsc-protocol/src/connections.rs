//! Connections: how a supervisee finds her provider without ever seeing an id, and only with
//! the provider's consent. A provider shares a short connection code (or its link); whoever
//! enters it is connected to her at once (she consented by handing it out). Anyone may instead
//! ask by the public endorsement number of the provider's registry record: that is a request,
//! which the provider accepts or declines. Either side may end a connection. A session names
//! only people connected to its provider; a provider keeps named groups of her supervisees,
//! and a supervisee sees only her providers, the members of her groups, and the people she
//! already shares a session with.

pub use rsc_model::{ConnectionRole, ConnectionSource};
use serde::{Deserialize, Serialize};

/// Characters of a code (Crockford's base 32: no I, L, O or U, so nothing reads as another).
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code, shown as two groups of four (`7KQ2-M9XD`): 40 bits, and guesses are
/// throttled ([`CONNECT_FAILURES_PER_HOUR`]).
pub const CODE_LEN: usize = 8;
/// How long a new code works unless the provider says otherwise.
pub const DEFAULT_CODE_DAYS: u32 = 14;
/// The longest a code may work.
pub const MAX_CODE_DAYS: u32 = 90;
/// Codes a provider may have working at once.
pub const MAX_ACTIVE_CODES: usize = 20;
/// Wrong codes an account (or an address) may enter in an hour before it must wait.
pub const CONNECT_FAILURES_PER_HOUR: i64 = 10;
/// The path of a code's link on the server (`{server}/connect/{code}`).
pub const CONNECT_PATH: &str = "/connect/";
/// Days after a declined request before the same person may ask the same provider again.
pub const REQUEST_AGAIN_AFTER_DAYS: i64 = 7;
/// Connection requests an account may send in a day (a stranger cannot walk the registry
/// asking everyone).
pub const MAX_REQUESTS_PER_DAY: i64 = 20;
/// Groups a provider may keep, archived ones included.
pub const MAX_GROUPS: usize = 100;
/// People in one group.
pub const MAX_GROUP_MEMBERS: usize = 60;
/// The longest group name, in characters.
pub const MAX_GROUP_NAME_CHARS: usize = 80;
/// The longest endorsement number accepted, in bytes.
pub const MAX_ENDORSEMENT_NUMBER_BYTES: usize = 64;

/// `POST /v1/connections/codes` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConnectionCode {
    /// Days the code works, 1 to [`MAX_CODE_DAYS`] (default [`DEFAULT_CODE_DAYS`]).
    #[serde(default)]
    pub valid_days: Option<u32>,
}

/// A connection code, as its provider sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionCode {
    /// The code as people type it: `7KQ2-M9XD`.
    pub code: String,
    /// The path of its link on this server (`/connect/7KQ2M9XD`).
    pub link_path: String,
    /// When it was made (milliseconds since the Unix epoch).
    pub created_at_ms: i64,
    /// When it stops working.
    pub expires_at_ms: i64,
    /// People who connected with it.
    pub used: u32,
}

/// `POST /v1/connections` body: a code (or its link), or the endorsement number of a registry
/// record the provider holds through an approved claim. Exactly one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    /// The code, typed in any case with or without its dash, or the whole link.
    #[serde(default)]
    pub code: Option<String>,
    /// An endorsement number, e.g. `NM-1001`.
    #[serde(default)]
    pub endorsement_number: Option<String>,
}

/// Someone the signed-in person works with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// Their user id (for programs; people see the name).
    pub id: String,
    /// The name they chose.
    pub display_name: String,
}

/// `POST /v1/connections/requests` body: ask the provider who holds this endorsement number to
/// connect. She sees the request with the asker's name and email, and accepts or declines it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConnectionRequest {
    /// An endorsement number, e.g. `NM-1001`.
    pub endorsement_number: String,
}

/// Where a connection (or a request for one) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Asked by endorsement number; waits for the provider.
    Requested,
    /// The provider declined the request.
    Declined,
    /// Connected: sessions between them can be logged.
    Connected,
    /// One of them ended it: sessions already logged stay and count; no new ones.
    Ended,
}

impl ConnectionState {
    /// The state's name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Requested => "requested",
            ConnectionState::Declined => "declined",
            ConnectionState::Connected => "connected",
            ConnectionState::Ended => "ended",
        }
    }
}

/// One connection, or request for one, as the signed-in person sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionEntry {
    /// The other person.
    pub person: Person,
    /// Which side the other person is on.
    pub role: ConnectionRole,
    /// Where it stands.
    pub state: ConnectionState,
    /// How it was made; absent for a request, and for a connection made before this was
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ConnectionSource>,
    /// When it was made, or asked for (milliseconds since the Unix epoch).
    pub since_ms: i64,
    /// When it was ended or declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at_ms: Option<i64>,
    /// Whether the signed-in person ended (or declined) it herself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by_me: Option<bool>,
    /// The asker's email, shown to the provider on a request so that she knows who asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The endorsement number a request named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_number: Option<String>,
    /// For a declined request, when the asker may ask again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask_again_from_ms: Option<i64>,
}

/// A provider's named group of supervisees ("Tuesday reflective group").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupView {
    /// Its id (for programs; people see the name).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The provider who keeps it.
    pub provider: Person,
    /// Its members, by name.
    pub members: Vec<Person>,
    /// When it was made.
    pub created_at_ms: i64,
    /// Archived groups are kept but no longer offered, and no longer show their members to
    /// each other.
    #[serde(default)]
    pub archived: bool,
}

/// `POST /v1/groups` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// 1 to [`MAX_GROUP_NAME_CHARS`] characters, unlike the provider's other groups' names.
    pub name: String,
    /// Members to start with: ids of people connected to the provider.
    #[serde(default)]
    pub members: Vec<String>,
}

/// `PATCH /v1/groups/{group}` body: what to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// Archive (`true`) or bring back (`false`).
    #[serde(default)]
    pub archived: Option<bool>,
}

/// `POST /v1/groups/{group}/members` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupMember {
    /// The id of a person connected to the provider.
    pub member: String,
}

/// `POST /v1/connections` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Connected {
    /// The provider connected to.
    pub provider: Person,
    /// `false` when the two were connected already.
    pub new: bool,
}

/// `GET /v1/connections`: the people the signed-in person works with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Connections {
    /// Providers this person is connected to, by name.
    pub providers: Vec<Person>,
    /// People connected to this person as their provider, by name.
    pub supervisees: Vec<Person>,
    /// Every connection and request, on either side, in every state.
    #[serde(default)]
    pub entries: Vec<ConnectionEntry>,
}

/// Why a typed code is not a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a connection code: a code is 8 letters and digits, like 7KQ2-M9XD")]
pub struct NotACode(pub String);

/// The canonical form of a code as typed (`7kq2 m9xd`, `7KQ2-M9XD`) or inside its link
/// (`https://server/connect/7KQ2M9XD`): eight characters of [`CODE_ALPHABET`], upper case.
/// Letters people confuse with digits are read as those digits (O as 0, I and L as 1).
pub fn normalize_code(text: &str) -> Result<String, NotACode> {
    let trimmed = text.trim();
    let tail = match trimmed.rfind(CONNECT_PATH) {
        Some(at) => &trimmed[at + CONNECT_PATH.len()..],
        None => trimmed,
    };
    let tail = tail.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let mut code = String::with_capacity(CODE_LEN);
    for c in tail.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) || code.len() == CODE_LEN {
            return Err(NotACode(text.chars().take(40).collect()));
        }
        code.push(c);
    }
    if code.len() != CODE_LEN {
        return Err(NotACode(text.chars().take(40).collect()));
    }
    Ok(code)
}

/// A canonical code as people read it: two groups of four.
pub fn display_code(code: &str) -> String {
    if code.len() == CODE_LEN && code.is_ascii() { format!("{}-{}", &code[..4], &code[4..]) } else { code.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_however_they_are_typed_or_linked() {
        for typed in [
            "7KQ2-M9XD",
            "7kq2m9xd",
            " 7KQ2 M9XD ",
            "https://rsc.example.org/connect/7KQ2M9XD",
            "http://127.0.0.1:8080/connect/7kq2-m9xd/?from=qr",
        ] {
            assert_eq!(normalize_code(typed).as_deref(), Ok("7KQ2M9XD"), "{typed}");
        }
        assert_eq!(normalize_code("0OIL-1234").as_deref(), Ok("00111234"), "look-alikes read as digits");
        assert_eq!(display_code("7KQ2M9XD"), "7KQ2-M9XD");
    }

    #[test]
    fn anything_else_is_not_a_code() {
        for bad in ["", "7KQ2-M9X", "7KQ2-M9XDD", "7KQ2-M9XU", "pat@example.org", "7KQ2-M9XÉ", "../../etc/passwd"] {
            assert!(normalize_code(bad).is_err(), "{bad:?}");
        }
    }
}
