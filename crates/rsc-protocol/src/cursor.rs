//! The sync cursor: where a device's view of its documents stands.
//!
//! A change becomes visible to a user at `max(change sequence, when the user joined the
//! document)`; pulls walk changes in (visible, sequence) order. Joining a document therefore
//! makes its whole history arrive after the cursor, in pages like any other changes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A position in a user's stream of changes. `Cursor::START` is before everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cursor {
    /// The sequence number at which the change became visible to the user.
    pub visible: i64,
    /// The change's own sequence number.
    pub seq: i64,
}

impl Cursor {
    /// Before every change.
    pub const START: Cursor = Cursor { visible: 0, seq: 0 };
}

/// A cursor string that is not `visible.seq`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cursor: `{0}` is not a cursor this server issued")]
pub struct CursorError(String);

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.visible, self.seq)
    }
}

impl FromStr for Cursor {
    type Err = CursorError;

    fn from_str(text: &str) -> Result<Cursor, CursorError> {
        let bad = || CursorError(text.chars().take(64).collect());
        let (visible, seq) = text.split_once('.').ok_or_else(bad)?;
        let visible: i64 = visible.parse().map_err(|_| bad())?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        if visible < 0 || seq < 0 {
            return Err(bad());
        }
        Ok(Cursor { visible, seq })
    }
}

impl Serialize for Cursor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cursor, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_order() {
        let c: Cursor = "150.10".parse().expect("cursor");
        assert_eq!(c, Cursor { visible: 150, seq: 10 });
        assert_eq!(c.to_string(), "150.10");
        assert!(Cursor { visible: 150, seq: 11 } > c);
        assert!(Cursor { visible: 151, seq: 0 } > c);
        for bad in ["", "1", "a.b", "-1.0", "1.2.3"] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad}");
        }
    }
}
