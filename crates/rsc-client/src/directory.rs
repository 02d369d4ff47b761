//! The directory this device keeps (everyone the user may name in a session) read offline:
//! whether a session names only people connected to its provider, as the server will check,
//! and messages whose ids become the names of people, since people never read an id.

use rsc_model::Id;
use rsc_protocol::ProviderDirectory;

use crate::ClientError;
use crate::store;

/// Checks offline that a session names only people connected to its provider, as the server
/// will. `directory` is the one this device keeps.
pub(crate) fn check_connected(
    directory: Option<&ProviderDirectory>,
    provider: &Id,
    attendees: &[&Id],
) -> Result<(), ClientError> {
    let Some(directory) = directory else {
        return Err(ClientError::invalid(
            "provider",
            "this device does not know whom you work with yet; sync (or connect to your provider) first",
        ));
    };
    let name = |id: &Id| directory.name(id.as_str()).map(str::to_string);
    let Some(provider_name) = name(provider) else {
        return Err(ClientError::invalid(
            "provider",
            format!(
                "`{provider}` is nobody you are connected to; enter your provider's connection code first (rsc connect CODE)"
            ),
        ));
    };
    for attendee in attendees {
        if !directory.connected(provider.as_str(), attendee.as_str()) {
            let who = name(attendee).unwrap_or_else(|| format!("`{attendee}`"));
            return Err(ClientError::invalid(
                "attendees",
                format!(
                    "{who} is not connected to {provider_name}: a session names only people connected to its provider \
                     (they connect with {provider_name}'s connection code; if they just did, sync first)"
                ),
            ));
        }
    }
    Ok(())
}

/// `text` as a person reads it on this device (`conn` its store): everyone `directory` knows by
/// name, a session the device holds by its short id, anyone else as "someone".
pub(crate) fn in_words(conn: &rusqlite::Connection, directory: Option<&ProviderDirectory>, text: &str) -> String {
    without_ids(&with_names(directory, text), |id| store::doc_exists(conn, id).unwrap_or(false))
}

/// `text` with the id of everyone `directory` knows replaced by their name: the rules that
/// check a change know only ids, people read names.
fn with_names(directory: Option<&ProviderDirectory>, text: &str) -> String {
    let Some(directory) = directory else { return text.to_string() };
    let mut out = text.to_string();
    let named = directory
        .people
        .iter()
        .map(|p| (p.id.as_str(), p.display_name.as_str()))
        .chain(directory.providers.iter().map(|p| (p.id.as_str(), p.display_name.as_str())));
    for (id, name) in named {
        if out.contains(id) {
            out = out.replace(&format!("`{id}`"), name).replace(id, name);
        }
    }
    out
}

/// `text` with every whole id left after naming people replaced: a session on this device by
/// the short id lists show (`rsc session` takes it), anyone else by "someone". People never
/// read an id.
pub(crate) fn without_ids(text: &str, is_session: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, id)) = next_id(rest) {
        out.push_str(&rest[..start]);
        let shown = if is_session(id) { id[..8].to_string() } else { "someone".to_string() };
        // A quoted id loses its quotes with its digits.
        if out.ends_with('`') && rest[start + id.len()..].starts_with('`') {
            out.pop();
            out.push_str(&shown);
            rest = &rest[start + id.len() + 1..];
        } else {
            out.push_str(&shown);
            rest = &rest[start + id.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// The first whole id (8-4-4-4-12 hex digits) in `text`, and where it starts.
fn next_id(text: &str) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(35)).find_map(|start| {
        let candidate = text.get(start..start + 36)?;
        let shaped = candidate.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
        let before = start.checked_sub(1).map(|b| bytes[b]);
        let after = bytes.get(start + 36).copied();
        let alone = |b: Option<u8>| b.is_none_or(|b| !(b.is_ascii_hexdigit() || b == b'-'));
        (shaped && alone(before) && alone(after)).then_some((start, candidate))
    })
}

#[cfg(test)]
mod tests {
    use rsc_protocol::{DirectoryPerson, ProviderDirectory};

    use super::with_names;

    #[test]
    fn ids_in_messages_become_the_names_this_device_knows() {
        let directory = ProviderDirectory {
            people: vec![DirectoryPerson {
                id: "0b6e4c1a-6f0e-4c3e-9b51-3c1a7e2f9d10".into(),
                display_name: "Trần Văn Đức".into(),
                connected_to: Vec::new(),
            }],
            ..ProviderDirectory::default()
        };
        let message =
            "`0b6e4c1a-6f0e-4c3e-9b51-3c1a7e2f9d10` cannot change `ffffffff-0000-4000-8000-000000000000`'s attendance";
        assert_eq!(
            with_names(Some(&directory), message),
            "Trần Văn Đức cannot change `ffffffff-0000-4000-8000-000000000000`'s attendance",
            "known people are named; strangers stay as they were"
        );
        assert_eq!(with_names(None, message), message);
    }

    #[test]
    fn ids_left_after_naming_become_words() {
        let session = "66b98047-468c-89d8-888d-01a24e1950e3";
        let message = format!(
            "`ffffffff-0000-4000-8000-000000000000` takes no part in session {session}; not \
             66b98047-468c-89d8-888d-01a24e1950e3ff nor a1-b2"
        );
        assert_eq!(
            super::without_ids(&message, |id| id == session),
            "someone takes no part in session 66b98047; not 66b98047-468c-89d8-888d-01a24e1950e3ff nor a1-b2",
            "a session by its short id, anyone else as someone; text that only looks close stays"
        );
    }
}
