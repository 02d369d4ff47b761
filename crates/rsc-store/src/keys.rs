//! How a user id or a session id is kept in a column.
//!
//! These ids fill most of the store's rows and indexes: a session's document, changes,
//! participants, projection and attendance name it and its people about twenty-five times. As
//! text, each copy of a UUID costs 37 bytes in Postgres; packed, 17. So Postgres keeps them as
//! `bytea`, packed by [`pack`]:
//! - a canonical UUID (lower-case, hyphenated, as every id this system makes is) as its 16
//!   bytes, its last six first: ids made here end with the time they were made
//!   (`rsc_model::Id::fresh`), so packed they begin with it, and each new session's or
//!   account's entries go to the end of the indexes, which then fill their pages in order
//!   instead of splitting them at random places;
//! - any other text (the protocol allows any id of up to 128 bytes without control characters)
//!   as its UTF-8 bytes followed by a 0xFF byte, which UTF-8 never contains, and by a second
//!   one when the text is 15 bytes long: never 16 bytes, so never read back as a UUID.
//!
//! [`unpack`] gives the text back exactly, whichever it was, and two different texts never pack
//! alike, whatever they contain (even text a form sent that is no valid id).
//!
//! SQLite keeps them as text: its records are already about 1.5 KiB a session, and the SQL the
//! two backends share stays the same either way, because the packing happens in the values
//! bound ([`Key`]) and read ([`KeyText`]).
//!
//! Which columns hold packed ids: every column that names a user or a session (`users.id`,
//! `*.user_id`, `provider_id`, `attendee_id`, `member_id`, `created_by`, `documents.id`,
//! `sessions.id`, `doc_id`, `session_id`). Device, claim, export and server-key ids, and the
//! staff names in `decided_by` and `changed_by`, stay text.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

/// A user or session id bound to a query: packed for Postgres, text for SQLite.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key<'a>(pub(crate) &'a str);

/// A user or session id read from a column: unpacked from Postgres, text from SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyText(pub(crate) String);

impl From<KeyText> for String {
    fn from(key: KeyText) -> String {
        key.0
    }
}

/// The 16 bytes of `text` when it is a UUID written canonically (lower-case, hyphenated), which
/// is how [`unpack`] writes it back: other spellings `uuid` accepts (upper case, no hyphens,
/// braces) are kept as text, so they come back as they were given.
fn uuid_bytes(text: &str) -> Option<[u8; 16]> {
    let uuid = uuid::Uuid::try_parse(text).ok()?;
    let mut canonical = [0u8; uuid::fmt::Hyphenated::LENGTH];
    (uuid.hyphenated().encode_lower(&mut canonical) == text).then(|| uuid.into_bytes())
}

/// `text` as Postgres keeps it (see the module's doc).
pub(crate) fn pack(text: &str) -> Vec<u8> {
    if let Some(mut bytes) = uuid_bytes(text) {
        bytes.rotate_right(6);
        return bytes.to_vec();
    }
    let mut packed = Vec::with_capacity(text.len() + 2);
    packed.extend_from_slice(text.as_bytes());
    packed.push(0xff);
    if packed.len() == 16 {
        packed.push(0xff);
    }
    packed
}

/// The text [`pack`] was given.
pub(crate) fn unpack(packed: &[u8]) -> Result<String, BoxDynError> {
    if let Ok(mut bytes) = <[u8; 16]>::try_from(packed) {
        bytes.rotate_left(6);
        return Ok(uuid::Uuid::from_bytes(bytes).hyphenated().to_string());
    }
    let text = match packed {
        [text @ .., 0xff, 0xff] if text.len() == 15 => text,
        [text @ .., 0xff] => text,
        _ => return Err("a stored id is neither a UUID nor marked as text".into()),
    };
    Ok(String::from_utf8(text.to_vec()).map_err(|_| "a stored id is not UTF-8")?)
}

impl Type<Postgres> for Key<'_> {
    fn type_info() -> PgTypeInfo {
        <Vec<u8> as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Key<'_> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <Vec<u8> as Encode<Postgres>>::encode(pack(self.0), buf)
    }
}

impl Type<Sqlite> for Key<'_> {
    fn type_info() -> SqliteTypeInfo {
        <&str as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Key<'_> {
    fn encode_by_ref(&self, args: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Sqlite>>::encode(self.0, args)
    }
}

impl Type<Postgres> for KeyText {
    fn type_info() -> PgTypeInfo {
        <Vec<u8> as Type<Postgres>>::type_info()
    }
}

impl Decode<'_, Postgres> for KeyText {
    fn decode(value: PgValueRef<'_>) -> Result<KeyText, BoxDynError> {
        Ok(KeyText(unpack(&<Vec<u8> as Decode<Postgres>>::decode(value)?)?))
    }
}

impl Type<Sqlite> for KeyText {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Decode<'_, Sqlite> for KeyText {
    fn decode(value: SqliteValueRef<'_>) -> Result<KeyText, BoxDynError> {
        Ok(KeyText(<String as Decode<Sqlite>>::decode(value)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canonical_uuid_packs_to_its_16_bytes_last_six_first_and_back() {
        let id = "23c934b6-0705-403a-8cc3-0eaefefd6d61";
        let packed = pack(id);
        assert_eq!(hex(&packed), "0eaefefd6d6123c934b60705403a8cc3");
        assert_eq!(unpack(&packed).expect("unpack"), id);
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Ids made one after another pack in the order they were made, while their starts (what
    /// people see and type) differ.
    #[test]
    fn fresh_ids_pack_in_the_order_they_were_made() {
        let start_ms = 1_764_547_200_000;
        // Their random starts fall as their times rise: packed, the time decides.
        let ids: Vec<rsc_model::Id> =
            (0..5u8).map(|i| rsc_model::Id::fresh([200 - i; 16], start_ms + i64::from(i))).collect();
        let packed: Vec<Vec<u8>> = ids.iter().map(|id| pack(id.as_str())).collect();
        assert!(packed.windows(2).all(|w| w[0] < w[1]), "{:?}", packed.iter().map(|p| hex(p)).collect::<Vec<_>>());
        for (id, packed) in ids.iter().zip(&packed) {
            assert_eq!(unpack(packed).expect("unpack"), id.as_str());
        }
    }

    #[test]
    fn every_other_id_comes_back_exactly_as_it_was_given() {
        for id in [
            "s1",
            "ana",
            // Not canonical: upper case, no hyphens, braces, a hyphen out of place.
            "23C934B6-0705-403A-8CC3-0EAEFEFD6D61",
            "23c934b607054 03a8cc30eaefefd6d61",
            "{23c934b6-0705-403a-8cc3-0eaefefd6d61}",
            "23c934b6-0705-403a-8cc3-0eaefefd6d6g",
            "23c934b607050-403a-8cc3-0eaefefd6d61",
            &"x".repeat(rsc_model::MAX_ID_LEN),
        ] {
            let packed = pack(id);
            assert_ne!(packed.len(), 16, "{id} must not read back as a UUID");
            assert_eq!(unpack(&packed).expect("unpack"), id, "{id}");
        }
    }

    #[test]
    fn texts_of_15_or_16_bytes_never_read_back_as_a_uuid() {
        for id in [
            "0123456789abcdef",
            "éééééééé",
            "Renée Brontë-N",
            "\u{1F600}\u{1F600}\u{1F600}\u{1F600}",
            "0123456789abcde",
        ] {
            let packed = pack(id);
            assert_eq!(packed.len(), 17, "{id}");
            assert_eq!(unpack(&packed).expect("unpack"), id);
        }
    }

    /// Ids are checked before they reach the store, but a form may send any text: no two texts
    /// pack alike, so none can stand for another's row.
    #[test]
    fn no_two_texts_pack_alike() {
        let uuid = "23c934b6-0705-403a-8cc3-0eaefefd6d61";
        let texts = [
            String::new(),
            "a".into(),
            "a\0".into(),
            "a\0\0".into(),
            "x".repeat(15),
            format!("{}\0", "x".repeat(15)),
            "x".repeat(16),
            format!("{}\0", "x".repeat(16)),
            "x".repeat(17),
            "ÿ".into(),
            uuid.into(),
            uuid.to_uppercase(),
            format!("{uuid}\0"),
            uuid.replace('-', ""),
        ];
        let packed: std::collections::HashSet<Vec<u8>> = texts.iter().map(|t| pack(t)).collect();
        assert_eq!(packed.len(), texts.len());
        for text in &texts {
            assert_eq!(&unpack(&pack(text)).expect("unpack"), text);
        }
    }

    #[test]
    fn a_stored_id_that_is_not_utf8_is_an_error_not_a_panic() {
        assert!(unpack(&[0xff, 0xfe, 0x41]).is_err());
        assert!(unpack(&[0xff; 17]).is_err());
    }
}
