//! Connections: how a supervisee finds her provider without ever seeing an id. A provider
//! shares a short connection code (or its link); whoever enters it is connected to that
//! provider from then on, and a session may name only people connected to its provider.

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
