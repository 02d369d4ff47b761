//! The dossier of `contracts/evaluate.md`: one applicant's sessions, their providers'
//! credentials and the facts about the applicant that the rules need.
//!
//! A dossier is read from JSON by [`Dossier::from_json`], which checks every rule the contract
//! lists as invalid input and names the offending field (and the session's or provider's id) in
//! its error, so a person can find and fix it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::session::text_enum;
use crate::{CredentialRecord, Date, Id, Minutes, ModelError, SessionFormat, SessionKind};

/// The most sessions one dossier may hold: a logbook of daily sessions over 250 years.
pub const MAX_SESSIONS: usize = 100_000;
/// The most providers one dossier may name.
pub const MAX_PROVIDERS: usize = 10_000;
/// The most credential records one provider may carry.
pub const MAX_CREDENTIALS_PER_PROVIDER: usize = 100;
/// The most trainings one dossier may hold.
pub const MAX_TRAININGS: usize = 100_000;
/// The longest one training may be, in minutes (forty hours).
pub const MAX_TRAINING_MINUTES: u32 = 2400;
/// The largest dossier accepted, in bytes of JSON.
pub const MAX_DOSSIER_BYTES: usize = 64 * 1024 * 1024;

/// The evaluation's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    /// The evaluation date.
    pub as_of: Date,
    /// The person whose hours are evaluated.
    pub applicant: Applicant,
    /// Everyone who provided one of the sessions, with their credentials.
    pub providers: Vec<Provider>,
    /// The applicant's sessions.
    pub sessions: Vec<DossierSession>,
    /// The applicant's trainings (self-reported). `None` (absent or `null`) makes a version 1
    /// dossier, evaluated exactly as before trainings existed; `Some`, even empty, version 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trainings: Option<Vec<DossierTraining>>,
}

text_enum!(
    /// A training's one primary topic.
    TrainingTopic, "training topic" {
        /// Relationship-based infant mental health, social-emotional development.
        Imh => "imh",
        /// Didactic training about providing RS/C.
        Rsc => "rsc",
        /// Diversity, equity and inclusion in infant mental health.
        Dei => "dei",
    }
);

/// One training the applicant attended, as she reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierTraining {
    /// Its id, unique among the trainings (it may equal a session's).
    pub id: Id,
    /// The day it took place.
    pub date: Date,
    /// Its length, 1 to [`MAX_TRAINING_MINUTES`].
    pub minutes: u32,
    /// Its primary topic.
    pub topic: TrainingTopic,
}

/// Facts about the applicant that the rules use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// The applicant's id.
    pub id: Id,
    /// When their master's degree was conferred; `None` when unknown.
    #[serde(default)]
    pub masters_conferred_on: Option<Date>,
    /// Whether the applicant provides RS/C to others; `None` or `false`: no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provides_rsc: Option<bool>,
}

/// An RS/C provider and the credentials they have held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// The provider's id, as sessions name it.
    pub id: Id,
    /// Their credential records, from the registry.
    pub credentials: Vec<CredentialRecord>,
}

/// One session the applicant attended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierSession {
    /// The session's id.
    pub id: Id,
    /// The day it took place.
    pub date: Date,
    /// Individual or group.
    pub kind: SessionKind,
    /// In person, video or phone.
    pub format: SessionFormat,
    /// The provider's id.
    pub provider: Id,
    /// The session's length.
    pub minutes: Minutes,
    /// The minutes the applicant logged for herself (a group attendee may have left early);
    /// `None` in dossiers that predate it, where it was the session's length. Only reports read
    /// it: the rules count confirmed minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_attended: Option<Minutes>,
    /// Whether it was about the RS/C the applicant provides to others.
    pub about_own_rsc_practice: bool,
    /// The provider's statement about this attendee; `None` when not yet confirmed.
    pub confirmation: Option<Confirmation>,
    /// Set by the dossier builder when a confirmation exists but no longer matches the session
    /// (it was edited after being confirmed). Only explanations read it; such a session is
    /// unconfirmed for the rules.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub changed_since_confirmed: bool,
}

/// The provider's statement about one attendee of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", try_from = "RawConfirmation")]
pub enum Confirmation {
    /// The attendee attended for `minutes`.
    Confirmed {
        /// The minutes the provider credits, at most the session's length.
        minutes: Minutes,
    },
    /// The provider disputes the attendee's entry.
    Disputed,
}

/// The wire shape of a confirmation, read as a plain struct so that a bad `minutes` is reported
/// at `confirmation.minutes` (serde loses the path inside internally tagged enums).
#[derive(Deserialize)]
struct RawConfirmation {
    status: RawStatus,
    #[serde(default)]
    minutes: Option<Minutes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawStatus {
    Confirmed,
    Disputed,
}

impl TryFrom<RawConfirmation> for Confirmation {
    type Error = String;

    fn try_from(raw: RawConfirmation) -> Result<Confirmation, String> {
        match (raw.status, raw.minutes) {
            (RawStatus::Confirmed, Some(minutes)) => Ok(Confirmation::Confirmed { minutes }),
            (RawStatus::Confirmed, None) => Err("minutes: a confirmed session needs `minutes`".into()),
            (RawStatus::Disputed, None) => Ok(Confirmation::Disputed),
            (RawStatus::Disputed, Some(_)) => Err("minutes: a disputed session carries no `minutes`".into()),
        }
    }
}

impl Dossier {
    /// Reads and validates a dossier from JSON text.
    pub fn from_json(text: &str) -> Result<Dossier, ModelError> {
        if text.len() > MAX_DOSSIER_BYTES {
            return Err(ModelError::invalid(
                ".",
                format!("the dossier is {} bytes; the limit is {MAX_DOSSIER_BYTES}", text.len()),
            ));
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ModelError::Malformed { field: ".".into(), message: format!("not valid JSON: {e}") })?;
        let dossier: Dossier = serde_path_to_error::deserialize(&value).map_err(|e| {
            let field = e.path().to_string();
            let who = describe_owner(&value, &field);
            ModelError::Malformed { field, message: format!("{}{who}", e.inner()) }
        })?;
        dossier.validate()?;
        Ok(dossier)
    }

    /// Checks the rules that cross fields: unique ids, known providers, confirmed minutes within
    /// the session, credential dates in order, and the size limits.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.sessions.len() > MAX_SESSIONS {
            return Err(ModelError::invalid(
                "sessions",
                format!("{} sessions; the limit is {MAX_SESSIONS}", self.sessions.len()),
            ));
        }
        if self.providers.len() > MAX_PROVIDERS {
            return Err(ModelError::invalid(
                "providers",
                format!("{} providers; the limit is {MAX_PROVIDERS}", self.providers.len()),
            ));
        }
        let mut providers: HashMap<&Id, usize> = HashMap::with_capacity(self.providers.len());
        for (i, provider) in self.providers.iter().enumerate() {
            if let Some(first) = providers.insert(&provider.id, i) {
                return Err(ModelError::invalid(
                    format!("providers[{i}].id"),
                    format!("duplicate provider id `{}` (also providers[{first}])", provider.id),
                ));
            }
            if provider.credentials.len() > MAX_CREDENTIALS_PER_PROVIDER {
                return Err(ModelError::invalid(
                    format!("providers[{i}].credentials"),
                    format!(
                        "provider `{}` has {} credentials; the limit is {MAX_CREDENTIALS_PER_PROVIDER}",
                        provider.id,
                        provider.credentials.len()
                    ),
                ));
            }
            for (j, record) in provider.credentials.iter().enumerate() {
                record.validate(&format!("providers[{i}].credentials[{j}]")).map_err(|e| match e {
                    ModelError::Invalid { field, message } => {
                        ModelError::Invalid { field, message: format!("{message} (provider `{}`)", provider.id) }
                    }
                    other => other,
                })?;
            }
        }
        let mut sessions: HashMap<&Id, usize> = HashMap::with_capacity(self.sessions.len());
        for (i, session) in self.sessions.iter().enumerate() {
            if let Some(first) = sessions.insert(&session.id, i) {
                return Err(ModelError::invalid(
                    format!("sessions[{i}].id"),
                    format!("duplicate session id `{}` (also sessions[{first}])", session.id),
                ));
            }
            if !providers.contains_key(&session.provider) {
                return Err(ModelError::invalid(
                    format!("sessions[{i}].provider"),
                    format!("session `{}` names provider `{}`, who is not in providers", session.id, session.provider),
                ));
            }
            if session.provider == self.applicant.id {
                return Err(ModelError::invalid(
                    format!("sessions[{i}].provider"),
                    format!(
                        "session `{}` is provided by the applicant `{}`: RS/C is received from someone else",
                        session.id, session.provider
                    ),
                ));
            }
            if let Some(Confirmation::Confirmed { minutes }) = session.confirmation
                && minutes > session.minutes
            {
                return Err(ModelError::invalid(
                    format!("sessions[{i}].confirmation.minutes"),
                    format!(
                        "session `{}` confirms {minutes} minutes, more than its {} minutes",
                        session.id, session.minutes
                    ),
                ));
            }
            if session.changed_since_confirmed && session.confirmation.is_some() {
                return Err(ModelError::invalid(
                    format!("sessions[{i}].changed_since_confirmed"),
                    format!("session `{}` is marked changed since confirmed but carries a confirmation", session.id),
                ));
            }
        }
        if let Some(trainings) = &self.trainings {
            if trainings.len() > MAX_TRAININGS {
                return Err(ModelError::invalid(
                    "trainings",
                    format!("{} trainings; the limit is {MAX_TRAININGS}", trainings.len()),
                ));
            }
            let mut seen: HashMap<&Id, usize> = HashMap::with_capacity(trainings.len());
            for (i, training) in trainings.iter().enumerate() {
                if let Some(first) = seen.insert(&training.id, i) {
                    return Err(ModelError::invalid(
                        format!("trainings[{i}].id"),
                        format!("duplicate training id `{}` (also trainings[{first}])", training.id),
                    ));
                }
                if training.minutes == 0 || training.minutes > MAX_TRAINING_MINUTES {
                    return Err(ModelError::invalid(
                        format!("trainings[{i}].minutes"),
                        format!(
                            "training `{}` has {} minutes; a training is 1 to {MAX_TRAINING_MINUTES}",
                            training.id, training.minutes
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether this is a version 2 dossier (it carries `trainings`, even none).
    pub fn is_v2(&self) -> bool {
        self.trainings.is_some()
    }

    /// Whether the applicant provides RS/C to others.
    pub fn provides_rsc(&self) -> bool {
        self.applicant.provides_rsc == Some(true)
    }

    /// The provider with `id`.
    pub fn provider(&self, id: &Id) -> Option<&Provider> {
        self.providers.iter().find(|p| &p.id == id)
    }
}

impl DossierSession {
    /// The minutes the provider confirmed, when confirmed.
    pub fn confirmed_minutes(&self) -> Option<Minutes> {
        match self.confirmation {
            Some(Confirmation::Confirmed { minutes }) => Some(minutes),
            _ => None,
        }
    }
}

/// For a path inside `sessions[i]` or `providers[i]`, ` (session "s3")`, so the message names
/// the id as well as the position.
fn describe_owner(value: &serde_json::Value, path: &str) -> String {
    for (list, noun) in [("sessions", "session"), ("providers", "provider"), ("trainings", "training")] {
        let Some(rest) = path.strip_prefix(list).and_then(|r| r.strip_prefix('[')) else { continue };
        let Some(index) = rest.split(']').next().and_then(|n| n.parse::<usize>().ok()) else { continue };
        if let Some(id) =
            value.get(list).and_then(|l| l.get(index)).and_then(|item| item.get("id")).and_then(|id| id.as_str())
        {
            return format!(" ({noun} `{id}`)");
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "as_of": "2026-11-22",
      "applicant": { "id": "ana", "masters_conferred_on": "2019-05-15" },
      "providers": [
        { "id": "pat", "credentials": [
            { "credential": "IMHM-C", "earned_on": "2015-03-01", "valid_through": "2027-12-31", "revoked_on": null } ] }
      ],
      "sessions": [
        { "id": "s1", "date": "2024-01-10", "kind": "individual", "format": "in_person",
          "provider": "pat", "minutes": 60, "about_own_rsc_practice": true,
          "confirmation": { "status": "confirmed", "minutes": 60 } },
        { "id": "s2", "date": "2024-02-10", "kind": "group", "format": "video",
          "provider": "pat", "minutes": 90, "about_own_rsc_practice": false,
          "confirmation": null }
      ]
    }"#;

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Dossier, ModelError> {
        let mut value: serde_json::Value = serde_json::from_str(EXAMPLE).expect("example");
        edit(&mut value);
        Dossier::from_json(&value.to_string())
    }

    #[test]
    fn reads_the_contract_example() {
        let dossier = Dossier::from_json(EXAMPLE).expect("valid");
        assert_eq!(dossier.sessions.len(), 2);
        assert_eq!(dossier.sessions[0].confirmed_minutes().map(Minutes::get), Some(60));
        assert_eq!(dossier.sessions[1].confirmation, None);
    }

    /// A change to the example dossier.
    type Edit = fn(&mut serde_json::Value);

    #[test]
    fn every_invalid_input_names_its_field() {
        let cases: Vec<(&str, Edit)> = vec![
            ("sessions[1].kind", (|v| v["sessions"][1]["kind"] = "triad".into())),
            ("sessions[0].format", (|v| v["sessions"][0]["format"] = "zoom".into())),
            ("sessions[1].provider", (|v| v["sessions"][1]["provider"] = "zed".into())),
            ("sessions[1].id", (|v| v["sessions"][1]["id"] = "s1".into())),
            (
                "providers[1].id",
                (|v| {
                    let p = v["providers"][0].clone();
                    v["providers"].as_array_mut().expect("array").push(p);
                }),
            ),
            ("sessions[0].minutes", (|v| v["sessions"][0]["minutes"] = 0.into())),
            ("sessions[0].minutes", (|v| v["sessions"][0]["minutes"] = 721.into())),
            ("sessions[0].confirmation.minutes", (|v| v["sessions"][0]["confirmation"]["minutes"] = 61.into())),
            ("sessions[0].confirmation.minutes", (|v| v["sessions"][0]["confirmation"]["minutes"] = 0.into())),
            (
                "providers[0].credentials[0].valid_through",
                (|v| v["providers"][0]["credentials"][0]["valid_through"] = "2015-02-28".into()),
            ),
            (
                "providers[0].credentials[0].credential",
                (|v| v["providers"][0]["credentials"][0]["credential"] = "IMHM".into()),
            ),
            ("sessions[0].date", (|v| v["sessions"][0]["date"] = "2024-02-30".into())),
            ("as_of", (|v| v["as_of"] = "yesterday".into())),
            ("sessions[0].confirmation.status", (|v| v["sessions"][0]["confirmation"]["status"] = "maybe".into())),
        ];
        for (field, edit) in cases {
            let err = with(edit).expect_err(field);
            assert_eq!(err.field(), field, "{err}");
        }
    }

    #[test]
    fn serde_errors_name_the_session_id() {
        let err = with(|v| v["sessions"][1]["kind"] = "triad".into()).expect_err("bad kind");
        assert!(err.to_string().contains("session `s2`"), "{err}");
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        for text in ["", "{", "[]", "null", "{\"as_of\": 5}"] {
            assert!(Dossier::from_json(text).is_err(), "{text}");
        }
    }

    #[test]
    fn round_trips_through_json() {
        let dossier = Dossier::from_json(EXAMPLE).expect("valid");
        let text = serde_json::to_string(&dossier).expect("serialize");
        assert_eq!(Dossier::from_json(&text).expect("again"), dossier);
    }

    #[test]
    fn trainings_make_a_version_2_dossier_and_null_keeps_version_1() {
        let v1 = Dossier::from_json(EXAMPLE).expect("v1");
        assert!(!v1.is_v2() && !v1.provides_rsc());
        assert!(!with(|v| v["trainings"] = serde_json::Value::Null).expect("null").is_v2());
        let v2 = with(|v| {
            v["trainings"] = serde_json::json!([{ "id": "s1", "date": "2024-03-02", "minutes": 360, "topic": "rsc" }]);
            v["applicant"]["provides_rsc"] = true.into();
            v["providers"][0]["credentials"][0]["association"] = "NMAIMH".into();
            v["providers"][0]["credentials"][0]["credential"] = "ECMHM-C".into();
        })
        .expect("v2");
        assert!(v2.is_v2() && v2.provides_rsc());
        let trainings = v2.trainings.as_deref().expect("trainings");
        assert_eq!(
            (trainings[0].minutes, trainings[0].topic),
            (360, TrainingTopic::Rsc),
            "a training may share a session's id"
        );
        assert_eq!(v2.providers[0].credentials[0].association.as_deref(), Some("NMAIMH"));
        let text = serde_json::to_string(&v2).expect("serialize");
        assert_eq!(Dossier::from_json(&text).expect("again"), v2);
        let v1_text = serde_json::to_string(&v1).expect("serialize");
        assert!(
            !v1_text.contains("trainings") && !v1_text.contains("association") && !v1_text.contains("provides_rsc")
        );
        assert!(
            with(|v| v["empty"] = serde_json::json!({"unknown": 1})).is_ok(),
            "fields the contract does not name are ignored"
        );
    }

    #[test]
    fn bad_trainings_name_their_field() {
        let training = |minutes: serde_json::Value, topic: &str| serde_json::json!({ "id": "t1", "date": "2024-03-02", "minutes": minutes, "topic": topic });
        let cases: Vec<(&str, serde_json::Value)> = vec![
            ("trainings[0].minutes", serde_json::json!([training(0.into(), "imh")])),
            ("trainings[0].minutes", serde_json::json!([training(2401.into(), "imh")])),
            ("trainings[0].minutes", serde_json::json!([training((-5).into(), "imh")])),
            ("trainings[0].topic", serde_json::json!([training(60.into(), "yoga")])),
            ("trainings[1].id", serde_json::json!([training(60.into(), "imh"), training(30.into(), "dei")])),
            (
                "trainings[0].date",
                serde_json::json!([{ "id": "t1", "date": "2024-02-30", "minutes": 60, "topic": "imh" }]),
            ),
        ];
        for (field, trainings) in cases {
            let err = with(|v| v["trainings"] = trainings.clone()).expect_err(field);
            assert_eq!(err.field(), field, "{err}");
        }
        let ok = with(|v| v["trainings"] = serde_json::json!([training(2400.into(), "dei")]));
        assert!(ok.is_ok(), "forty hours is the limit, inclusive");
    }
}
