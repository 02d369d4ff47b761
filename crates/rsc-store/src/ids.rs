//! The ids the store is asked by, one type each, so that a session id cannot be passed where a
//! user id is meant. Ids are opaque text (UUIDs in practice).

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> $name {
                $name(text.to_string())
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> $name {
                $name(text)
            }
        }

        impl From<&String> for $name {
            fn from(text: &String) -> $name {
                $name(text.clone())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An account.
    UserId
);
id_type!(
    /// A registered device.
    DeviceId
);
id_type!(
    /// A session document (the session's id).
    DocId
);
id_type!(
    /// A provider's claim to a registry record.
    ClaimId
);
