//! The batched sync exchange: one request pushes every unacknowledged change of any number of
//! documents and pulls every change made elsewhere since the device's cursor, in pages.

use serde::{Deserialize, Serialize};

use crate::{Bytes, Cursor};

/// The protocol version these messages belong to.
pub const PROTOCOL_VERSION: u32 = 1;
/// The largest request body the server reads, in bytes; larger bodies get 413 unread.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The most documents one request may push to, sessions and trainings together; more gets 422.
pub const MAX_DOCS_PER_REQUEST: usize = 500;
/// The most changes one document may carry in one request; more gets 422.
pub const MAX_CHANGES_PER_DOC: usize = 2_000;
/// The most bytes the changes of one request may expand to once decompressed.
pub const MAX_REQUEST_EXPANDED_BYTES: usize = 32 * 1024 * 1024;
/// Changes in one pulled page unless the device asks for fewer.
pub const DEFAULT_PAGE_CHANGES: u32 = 5_000;
/// The most changes a device may ask for in one page.
pub const MAX_PAGE_CHANGES: u32 = 20_000;
/// The most change bytes in one pulled page (a page holds at least one change).
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// A device's sync request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Protocol version, [`PROTOCOL_VERSION`].
    pub v: u32,
    /// The cursor of the last page received; absent for a first sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cursor: Option<Cursor>,
    /// Changes the server has not acknowledged, by document (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub push: Vec<DocPush>,
    /// The most changes to pull in this page (default [`DEFAULT_PAGE_CHANGES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_changes: Option<u32>,
    /// The [`AccountNews::version`] the device holds (empty when it holds none). When present
    /// and not the server's, the answer carries the account's news; absent, the answer carries
    /// none. A device sends it on the first request of a sync, so that one request is the
    /// whole of a sync with nothing to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_version: Option<String>,
    /// Changes to the user's own trainings the server has not acknowledged, by document
    /// (absent when none). Acknowledged and refused in the answer's `accepted` and `refused`
    /// like sessions; together with `push`, at most [`MAX_DOCS_PER_REQUEST`] documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trainings: Vec<DocPush>,
}

/// Changes to one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocPush {
    /// The document (session) id.
    pub doc: String,
    /// Encoded Automerge changes, each authored by the pushing device's actor.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, format = Byte))]
    pub changes: Vec<Bytes>,
}

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// Protocol version.
    pub v: u32,
    /// Documents whose pushed changes are durably stored. Always sent (apps released before
    /// `account` require it); read as empty when absent.
    #[serde(default)]
    pub accepted: Vec<DocAck>,
    /// Documents whose pushed changes were refused, with the reason; nothing of them was stored.
    #[serde(default)]
    pub refused: Vec<DocRefusal>,
    /// Changes made elsewhere, grouped by document, in the order they should be applied.
    #[serde(default)]
    pub pull: Vec<DocChanges>,
    /// Where this page ends; send it with the next request.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub cursor: Cursor,
    /// Whether more changes wait after this page.
    #[serde(default)]
    pub more: bool,
    /// The account's profile and directory, when the request named a version the server does
    /// not hold (after this request's pushes). Apply it before the pulled changes, so that
    /// they are shown with the names and credentials as they are now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountNews>,
    /// Changes to the user's trainings made on her other devices, in the order they should be
    /// applied; absent when none. Apart from `pull`, so that apps released before trainings,
    /// which do not read this field, never meet a document that is not a session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trainings: Vec<DocChanges>,
    /// The server database's epoch. It changes only when the database is restored from a
    /// backup: a device that held another one sends again every change it made, and pulls
    /// everything from the start, since the server may have lost what it acknowledged after
    /// the backup. Absent from servers released before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
}

/// What a device keeps of its account besides the sessions: the profile, and the directory
/// it evaluates and names people with offline (`GET /v1/me/profile` and
/// `GET /v1/me/providers` give the same), under a version that changes whenever either does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountNews {
    /// A digest of the two (16 hex digits); send it back as [`SyncRequest::account_version`].
    pub version: String,
    /// The profile.
    pub profile: crate::Profile,
    /// The directory.
    pub directory: crate::ProviderDirectory,
}

/// A document whose pushed changes were stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocAck {
    /// The document.
    pub doc: String,
    /// The document's heads on the server after the push (hex change hashes).
    pub heads: Vec<String>,
    /// How many of the pushed changes were new to the server.
    pub new_changes: u32,
}

/// Why a document's push was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// The user does not take part in the document.
    NotParticipant,
    /// A change was authored by an actor other than the pushing device's.
    ForeignActor,
    /// The bytes are not Automerge changes.
    Undecodable,
    /// The resulting document is not a valid session.
    InvalidSession,
    /// A change depends on changes the server does not have.
    MissingDependencies,
    /// The resulting document would be larger than the server accepts.
    DocumentTooLarge,
    /// A change the author's part in the session does not allow (an attendee editing the
    /// session's date, anyone but the provider confirming, ...).
    NotAllowed,
    /// The session names someone not connected to its provider (see `POST /v1/connections`).
    NotConnected,
}

impl RefusalCode {
    /// Every code, for documentation and for tests that must cover them all.
    pub const ALL: [RefusalCode; 8] = [
        RefusalCode::NotParticipant,
        RefusalCode::ForeignActor,
        RefusalCode::Undecodable,
        RefusalCode::InvalidSession,
        RefusalCode::MissingDependencies,
        RefusalCode::DocumentTooLarge,
        RefusalCode::NotAllowed,
        RefusalCode::NotConnected,
    ];
    /// The code's name in JSON (`not_participant`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::NotParticipant => "not_participant",
            RefusalCode::ForeignActor => "foreign_actor",
            RefusalCode::Undecodable => "undecodable",
            RefusalCode::InvalidSession => "invalid_session",
            RefusalCode::MissingDependencies => "missing_dependencies",
            RefusalCode::DocumentTooLarge => "document_too_large",
            RefusalCode::NotAllowed => "not_allowed",
            RefusalCode::NotConnected => "not_connected",
        }
    }
}

/// A refused document push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocRefusal {
    /// The document.
    pub doc: String,
    /// The reason, for programs.
    pub code: RefusalCode,
    /// The offending field, when the session validation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The reason, for people.
    pub message: String,
}

/// Changes to one document pulled from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocChanges {
    /// The document.
    pub doc: String,
    /// Encoded Automerge changes.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, format = Byte))]
    pub changes: Vec<Bytes>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_read_as_in_json() {
        for code in RefusalCode::ALL {
            assert_eq!(serde_json::to_value(code).expect("json"), code.as_str());
            // A new variant breaks this match, as a reminder to add it to ALL as well.
            match code {
                RefusalCode::NotParticipant
                | RefusalCode::ForeignActor
                | RefusalCode::Undecodable
                | RefusalCode::InvalidSession
                | RefusalCode::MissingDependencies
                | RefusalCode::DocumentTooLarge
                | RefusalCode::NotAllowed
                | RefusalCode::NotConnected => {}
            }
        }
    }

    /// Apps released before `account` read `accepted`, `refused`, `pull` and `more` as
    /// required fields: an answer always carries them, and `account` only when there is news.
    #[test]
    fn answers_keep_the_fields_older_apps_require() {
        let answer = SyncResponse {
            v: PROTOCOL_VERSION,
            accepted: Vec::new(),
            refused: Vec::new(),
            pull: Vec::new(),
            cursor: Cursor { visible: 7, seq: 7 },
            more: false,
            account: None,
            trainings: Vec::new(),
            epoch: None,
        };
        let json: serde_json::Value = serde_json::to_value(&answer).expect("json");
        for field in ["accepted", "refused", "pull", "more", "cursor"] {
            assert!(json.get(field).is_some(), "{field} in {json}");
        }
        assert!(json.get("account").is_none() && json.get("trainings").is_none(), "{json}");
        // And an answer without them still reads, as empty.
        let bare: SyncResponse = serde_json::from_str(r#"{"v":1,"cursor":"7.7"}"#).expect("bare");
        assert_eq!(bare, answer);
    }

    #[test]
    fn requests_round_trip_and_refuse_unknown_fields() {
        let request = SyncRequest {
            v: PROTOCOL_VERSION,
            cursor: Some(Cursor { visible: 3, seq: 2 }),
            push: vec![DocPush { doc: "d1".into(), changes: vec![Bytes(vec![0, 1, 255])] }],
            page_changes: None,
            account_version: Some(String::new()),
            trainings: vec![DocPush { doc: "t1".into(), changes: vec![Bytes(vec![7])] }],
        };
        let json = serde_json::to_string(&request).expect("json");
        assert!(json.contains("\"AAH/\""), "{json}");
        assert_eq!(serde_json::from_str::<SyncRequest>(&json).expect("back"), request);
        let err = serde_json::from_str::<SyncRequest>(r#"{"v":1,"psuh":[]}"#).expect_err("typo");
        assert!(err.to_string().contains("psuh"));
        let err =
            serde_json::from_str::<SyncRequest>(r#"{"v":1,"push":[{"doc":"d","changes":["!!"]}]}"#).expect_err("b64");
        assert!(err.to_string().contains("base64"));
    }
}
