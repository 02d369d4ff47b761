//! The records and enums of connections, requests and groups, as they cross the boundary:
//! people by name (ids only for programs), times as instants. Conversions from the core only.

use rsc_client as core;

use crate::types::Timestamp;

pub use core::{ConnectionRole, ConnectionSource};

/// Which side of a connection the other person is on.
#[uniffi::remote(Enum)]
pub enum ConnectionRole {
    /// She is (or would be) the user's RS/C provider.
    Provider,
    /// She is (or asks to be) the user's supervisee.
    Supervisee,
}

/// Where a connection, or a request for one, stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionState {
    /// Asked by endorsement number; waits for the provider.
    Requested,
    /// The provider declined the request.
    Declined,
    /// Connected: sessions between them can be logged.
    Connected,
    /// Ended by one of them: sessions already logged stay; no new ones.
    Ended,
}

/// How a connection was made.
#[uniffi::remote(Enum)]
pub enum ConnectionSource {
    /// With a connection code the provider handed out.
    Code,
    /// By a request the provider accepted.
    Request,
}

/// One connection, or request for one, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Connection {
    /// The other person's user id (for programs).
    pub person_id: String,
    /// The other person's name.
    pub name: String,
    /// Which side she is on.
    pub role: ConnectionRole,
    /// Where it stands.
    pub state: ConnectionState,
    /// How it was made; absent for a request, or a connection made before this was recorded.
    pub source: Option<ConnectionSource>,
    /// When it was made, or asked for.
    pub since: Timestamp,
    /// When it ended, or was declined.
    pub ended_at: Option<Timestamp>,
    /// Whether the user ended (or declined) it herself.
    pub ended_by_me: Option<bool>,
    /// For a provider, the email of whoever asks her.
    pub email: Option<String>,
    /// The endorsement number a request named.
    pub endorsement_number: Option<String>,
    /// For a declined request, when the user may ask again.
    pub ask_again_from: Option<Timestamp>,
}

impl From<core::ConnectionView> for Connection {
    fn from(c: core::ConnectionView) -> Connection {
        Connection {
            person_id: c.id.to_string(),
            name: c.name,
            role: c.role,
            state: match c.state {
                core::ConnectionState::Requested => ConnectionState::Requested,
                core::ConnectionState::Declined => ConnectionState::Declined,
                core::ConnectionState::Connected => ConnectionState::Connected,
                core::ConnectionState::Ended => ConnectionState::Ended,
            },
            source: c.source,
            since: Timestamp(c.since_ms),
            ended_at: c.ended_at_ms.map(Timestamp),
            ended_by_me: c.ended_by_me,
            email: c.email,
            endorsement_number: c.endorsement_number,
            ask_again_from: c.ask_again_from_ms.map(Timestamp),
        }
    }
}

/// Someone in a group.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupPerson {
    /// Their user id (for programs).
    pub id: String,
    /// Their name.
    pub name: String,
}

impl From<core::GroupPerson> for GroupPerson {
    fn from(p: core::GroupPerson) -> GroupPerson {
        GroupPerson { id: p.id.to_string(), name: p.name }
    }
}

/// A provider's named group.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Group {
    /// Its id (for programs).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The provider who keeps it.
    pub provider: GroupPerson,
    /// Its members.
    pub members: Vec<GroupPerson>,
    /// Whether the user keeps it.
    pub mine: bool,
    /// Archived: kept, not offered, and its members no longer see each other.
    pub archived: bool,
}

impl From<core::GroupInfo> for Group {
    fn from(g: core::GroupInfo) -> Group {
        Group {
            id: g.id,
            name: g.name,
            provider: g.provider.into(),
            members: g.members.into_iter().map(Into::into).collect(),
            mine: g.mine,
            archived: g.archived,
        }
    }
}

/// What someone else did to a connection of the user's, found by a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

/// One piece of connection news, with the sentence to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionNews {
    /// The other person's name.
    pub name: String,
    /// What happened.
    pub change: ConnectionChange,
    /// When.
    pub at: Timestamp,
    /// The news as a sentence: "Ana Pérez ended the connection on 2026-12-06".
    pub text: String,
}

impl From<core::ConnectionNews> for ConnectionNews {
    fn from(n: core::ConnectionNews) -> ConnectionNews {
        ConnectionNews {
            text: n.describe(),
            change: match n.change {
                core::ConnectionChange::AskedYou => ConnectionChange::AskedYou,
                core::ConnectionChange::ConnectedWithYourCode => ConnectionChange::ConnectedWithYourCode,
                core::ConnectionChange::Accepted => ConnectionChange::Accepted,
                core::ConnectionChange::Declined => ConnectionChange::Declined,
                core::ConnectionChange::Ended => ConnectionChange::Ended,
            },
            at: Timestamp(n.at_ms),
            name: n.name,
        }
    }
}
