//! What an RS/C session is made of: its length, whether it was individual or group, and how it
//! was held.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// The longest session accepted, in minutes (12 hours). Longer entries are typing mistakes.
pub const MAX_SESSION_MINUTES: u16 = 720;

/// A length in minutes, from 1 to [`MAX_SESSION_MINUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Minutes(u16);

impl Minutes {
    /// Validates `value`; the error names `field`.
    pub fn new(value: i64, field: &str) -> Result<Minutes, ModelError> {
        if (1..=i64::from(MAX_SESSION_MINUTES)).contains(&value) {
            Ok(Minutes(value as u16))
        } else {
            Err(ModelError::invalid(
                field,
                format!("{value} minutes is out of range: a length is 1 to {MAX_SESSION_MINUTES} minutes"),
            ))
        }
    }

    /// The number of minutes.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Minutes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Minutes, D::Error> {
        let value = i64::deserialize(deserializer)?;
        Minutes::new(value, "").map_err(|e| match e {
            ModelError::Invalid { message, .. } | ModelError::Malformed { message, .. } => {
                serde::de::Error::custom(message)
            }
        })
    }
}

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        // The names below are each variant's in snake case; saying so for the whole enum lets
        // the OpenAPI schema (which does not read a rename given through the macro) agree.
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's text in files, storage and JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value named `text`, if it is one.
            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ModelError;

            fn from_str(text: &str) -> Result<$name, $crate::ModelError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::ModelError::invalid("", format!(
                        concat!("unknown ", $what, " `{}`; expected one of: {}"),
                        text.escape_debug(),
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// Whether RS/C was received one-to-one or in a group. Both count.
    SessionKind, "session kind" {
        /// One provider, one attendee.
        Individual => "individual",
        /// One provider, several attendees.
        Group => "group",
    }
);

text_enum!(
    /// How the session was held.
    SessionFormat, "session format" {
        /// Everyone in one room.
        InPerson => "in_person",
        /// A video call.
        Video => "video",
        /// A telephone call.
        Phone => "phone",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_bounds() {
        assert_eq!(Minutes::new(1, "m").expect("1").get(), 1);
        assert_eq!(Minutes::new(720, "m").expect("720").get(), 720);
        for bad in [0, -5, 721, i64::MAX] {
            let err = Minutes::new(bad, "sessions[0].minutes").expect_err("out of range");
            assert_eq!(err.field(), "sessions[0].minutes");
            assert!(err.to_string().contains(&bad.to_string()));
        }
    }

    #[test]
    fn enums_round_trip_through_text() {
        for kind in SessionKind::ALL {
            assert_eq!(kind.as_str().parse::<SessionKind>().expect("known"), *kind);
        }
        for format in SessionFormat::ALL {
            assert_eq!(format.as_str().parse::<SessionFormat>().expect("known"), *format);
        }
        let err = "zoom".parse::<SessionFormat>().expect_err("unknown");
        assert!(err.to_string().contains("in_person, video, phone"), "{err}");
    }
}
