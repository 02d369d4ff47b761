//! The rulebook: one association's reading of its RS/C requirements, and its TOML file format.
//!
//! The format is deliberately explicit (every number is written out, nothing is implied by the
//! association's name) so that an association can copy a built-in with `rsc rulebook show`,
//! change what differs, and have its own rules evaluated the same way.

pub use rsc_model::Purpose;
use std::fmt;
use std::str::FromStr;

use rsc_model::Credential;
use serde::{Deserialize, Serialize};

use crate::RulesError;

/// The largest rulebook file accepted, in bytes.
pub const MAX_RULEBOOK_BYTES: usize = 1024 * 1024;
/// The longest window or period a rulebook may set, in months.
const MAX_MONTHS: u32 = 120;
/// The most minutes a requirement may ask for (about 16,666 hours).
const MAX_REQUIRED_MINUTES: u32 = 1_000_000;
/// The most requirements one purpose may hold.
const MAX_REQUIREMENTS: usize = 16;

/// The paper an association prints on: its reports come out on it unless the applicant asks for
/// the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// 8.5 × 11 in, as US associations print.
    #[default]
    Letter,
    /// 210 × 297 mm.
    A4,
}

impl Paper {
    /// The paper's name in files, flags and queries.
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::Letter => "letter",
            Paper::A4 => "a4",
        }
    }

    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 => (595.28, 841.89),
        }
    }
}

impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Paper {
    type Err = RulesError;

    /// `letter` or `a4`, in any case.
    fn from_str(text: &str) -> Result<Paper, RulesError> {
        match text.to_ascii_lowercase().as_str() {
            "letter" => Ok(Paper::Letter),
            "a4" => Ok(Paper::A4),
            _ => Err(RulesError::rulebook("paper", format!("`{}` is not letter or a4", text.escape_debug()))),
        }
    }
}

/// Which sessions a requirement counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Every eligible session.
    #[default]
    Any,
    /// Only sessions about the RS/C the applicant provides to others.
    AboutOwnRscPractice,
}

/// A cap on how much group RS/C counts, as some professions set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupCap {
    /// Group minutes count up to this percentage of the counted total (1 to 99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_percent_of_total: Option<u8>,
    /// Group minutes count up to this many minutes in a window or period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<u32>,
}

impl GroupCap {
    /// The group minutes that count, given the individual and group minutes in a window.
    pub fn allowed_group(cap: Option<&GroupCap>, individual: u64, group: u64) -> u64 {
        let Some(cap) = cap else { return group };
        let mut allowed = group;
        if let Some(percent) = cap.max_percent_of_total {
            // group ≤ p% of (individual + group)  ⟺  group ≤ p·individual / (100 − p)
            let percent = u64::from(percent);
            allowed = allowed.min(percent * individual / (100 - percent));
        }
        if let Some(max) = cap.max_minutes {
            allowed = allowed.min(u64::from(max));
        }
        allowed
    }
}

/// A credential a rulebook accepts from a provider: from any association, or only from one
/// (an association's own listing of approved providers). In the file: `"IMHM-C"`, or
/// `{ credential = "APPROVED-RSC", association = "NMAIMH" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Accepted {
    /// This credential, whoever issued it.
    Any(Credential),
    /// This credential, only when `association` issued or lists it.
    From {
        /// The credential.
        credential: Credential,
        /// The association whose record it must be, exactly as the record names it.
        association: String,
    },
}

impl Accepted {
    /// The credential accepted.
    pub fn credential(&self) -> Credential {
        match self {
            Accepted::Any(credential) | Accepted::From { credential, .. } => *credential,
        }
    }

    /// Whether `record` is this credential, from the right association where one is named.
    /// `scoped` is false for a version 1 dossier, where associations have no effect.
    pub fn accepts(&self, record: &rsc_model::CredentialRecord, scoped: bool) -> bool {
        match self {
            Accepted::Any(credential) => record.credential == *credential,
            Accepted::From { credential, association } => {
                record.credential == *credential && (!scoped || record.association.as_deref() == Some(association))
            }
        }
    }
}

/// Whether eligibility depends on a training requirement: in the file `true`, `false`, or
/// `"if_provides_rsc"` (required of those who provide RS/C to others, advisory for the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// Always.
    Yes,
    /// Never: advisory.
    No,
    /// When the applicant provides RS/C.
    IfProvidesRsc,
}

impl Required {
    /// Whether it is required of an applicant who does (or does not) provide RS/C.
    pub fn of(self, provides_rsc: bool) -> bool {
        match self {
            Required::Yes => true,
            Required::No => false,
            Required::IfProvidesRsc => provides_rsc,
        }
    }
}

impl Serialize for Required {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Required::Yes => serializer.serialize_bool(true),
            Required::No => serializer.serialize_bool(false),
            Required::IfProvidesRsc => serializer.serialize_str("if_provides_rsc"),
        }
    }
}

impl<'de> Deserialize<'de> for Required {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Required, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Flag(bool),
            Word(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Flag(true) => Ok(Required::Yes),
            Raw::Flag(false) => Ok(Required::No),
            Raw::Word(word) if word == "if_provides_rsc" => Ok(Required::IfProvidesRsc),
            Raw::Word(word) => Err(serde::de::Error::custom(format!(
                "`{}` is not true, false or \"if_provides_rsc\"",
                word.escape_debug()
            ))),
        }
    }
}

/// Which trainings a training requirement counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingTopicFilter {
    /// Every counted training.
    #[default]
    Any,
    /// Relationship-based infant mental health.
    Imh,
    /// Didactic training about providing RS/C.
    Rsc,
    /// Diversity, equity and inclusion.
    Dei,
}

impl TrainingTopicFilter {
    /// Whether a training about `topic` counts.
    pub fn counts(self, topic: rsc_model::TrainingTopic) -> bool {
        use rsc_model::TrainingTopic;
        matches!(
            (self, topic),
            (TrainingTopicFilter::Any, _)
                | (TrainingTopicFilter::Imh, TrainingTopic::Imh)
                | (TrainingTopicFilter::Rsc, TrainingTopic::Rsc)
                | (TrainingTopicFilter::Dei, TrainingTopic::Dei)
        )
    }
}

/// Training requirements that apply together, from a date on (an association that raised its
/// rule on 1 January 2024 keeps the older set for evaluations before it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSet {
    /// The first evaluation date the set applies on; absent: every date before a later set's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<rsc_model::Date>,
    /// Its requirements. For an application each counts every training up to the evaluation
    /// date (no window); for a renewal, those of the calendar year.
    pub requirements: Vec<TrainingRequirement>,
}

/// One training requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingRequirement {
    /// Its id in evaluations (`training_total`, `training_rsc`, `training_annual_dei`).
    pub id: String,
    /// A person's name for it.
    pub title: String,
    /// Whether eligibility depends on it.
    pub required: Required,
    /// The minutes of training it asks for.
    pub required_minutes: u32,
    /// Which trainings it counts.
    #[serde(default)]
    pub topic: TrainingTopicFilter,
}

/// The training set that applies on `as_of`: the one with the latest `applies_from` on or
/// before it (a set without one applies from the beginning).
pub fn training_set_on(sets: &[TrainingSet], as_of: rsc_model::Date) -> Option<&TrainingSet> {
    sets.iter().filter(|set| set.applies_from.is_none_or(|from| from <= as_of)).max_by_key(|set| set.applies_from)
}

/// The rules for a first application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRules {
    /// Credentials a provider must hold on the session date for the session to count.
    pub accepted_credentials: Vec<Accepted>,
    /// Whether only sessions on or after the master's conferral date count.
    pub post_masters: bool,
    /// The counted hours must lie inside this many calendar months; absent: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_months: Option<u32>,
    /// The earliest counted session must be this many months before the one that completes
    /// the requirement; absent: no minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_span_months: Option<u32>,
    /// A cap on group minutes; absent: group counts hour for hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_cap: Option<GroupCap>,
    /// Whether to advise when most hours do not come from one main provider with the balance
    /// from at most one other.
    #[serde(default)]
    pub provider_concentration_advisory: bool,
    /// The requirements, each evaluated on its own.
    pub requirements: Vec<ApplicationRequirement>,
    /// Training requirements, by the date each set applies from; none: no training is asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub training: Vec<TrainingSet>,
}

/// One requirement of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequirement {
    /// Its id in evaluations (`rsc_total`, `rsc_about_own_practice`).
    pub id: String,
    /// A person's name for it.
    pub title: String,
    /// Whether eligibility depends on it (`false`: advisory).
    pub required: bool,
    /// The minutes it asks for.
    pub required_minutes: u32,
    /// Which sessions it counts.
    #[serde(default)]
    pub topic: Topic,
}

/// The rules for keeping an endorsement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewalRules {
    /// Credentials a provider must hold on the session date for the session to count.
    pub accepted_credentials: Vec<Accepted>,
    /// Whether only sessions on or after the master's conferral date count.
    pub post_masters: bool,
    /// A cap on group minutes; absent: group counts hour for hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_cap: Option<GroupCap>,
    /// The requirements, each evaluated on its own.
    pub requirements: Vec<RenewalRequirement>,
    /// Training requirements of each calendar year, by the date each set applies from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub training: Vec<TrainingSet>,
}

/// One requirement of a renewal: met when any of its tests is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewalRequirement {
    /// Its id in evaluations (`rsc_annual`).
    pub id: String,
    /// A person's name for it.
    pub title: String,
    /// Whether eligibility depends on it.
    pub required: bool,
    /// Which sessions it counts.
    #[serde(default)]
    pub topic: Topic,
    /// The tests, in order of preference: the first is reported unless only a later one is met.
    pub tests: Vec<PeriodTest>,
}

/// A fixed period ending on the evaluation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// From 1 January of the evaluation date's year.
    CalendarYear,
    /// The calendar-month window of `months` ending on the evaluation date.
    Months,
}

/// One way to meet a renewal requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodTest {
    /// The period's kind.
    pub period: Period,
    /// The period's length, for `period = "months"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    /// The minutes it asks for in the period.
    pub required_minutes: u32,
}

impl PeriodTest {
    /// A short name for the test (`calendar_year`, `24_months`).
    pub fn label(&self) -> String {
        match (self.period, self.months) {
            (Period::CalendarYear, _) => "calendar_year".into(),
            (Period::Months, Some(months)) => format!("{months}_months"),
            (Period::Months, None) => "months".into(),
        }
    }
}

/// One association's RS/C rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rulebook {
    /// Short id (`nmaimh`), lower-case letters, digits and hyphens.
    pub id: String,
    /// The association's name.
    pub name: String,
    /// Where the rules come from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// How the product reads the association's wording; every evaluation repeats these.
    #[serde(default)]
    pub readings: Vec<String>,
    /// Rules for a first application; absent when the rulebook does not define it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<ApplicationRules>,
    /// Rules for renewal; absent when the rulebook does not define it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<RenewalRules>,
    /// The paper the association prints on (`letter` or `a4`); reports use it unless asked for
    /// the other. Absent means letter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<Paper>,
}

impl Rulebook {
    /// Reads and validates a rulebook from TOML text.
    pub fn from_toml(text: &str) -> Result<Rulebook, RulesError> {
        if text.len() > MAX_RULEBOOK_BYTES {
            return Err(RulesError::rulebook(
                "file",
                format!("is {} bytes; the limit is {MAX_RULEBOOK_BYTES}", text.len()),
            ));
        }
        let rulebook: Rulebook = toml::from_str(text).map_err(|e| {
            let location = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}")
                })
                .unwrap_or_else(|| "file".into());
            RulesError::rulebook(location, e.message().trim().to_string())
        })?;
        rulebook.validate()?;
        Ok(rulebook)
    }

    /// The rulebook in its file format.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot be written as TOML: {e}\n"))
    }

    /// What a provider must hold on a session's day for it to count for `purpose`.
    pub fn accepted(&self, purpose: Purpose) -> &[Accepted] {
        match purpose {
            Purpose::Application => self.application.as_ref().map(|r| r.accepted_credentials.as_slice()),
            Purpose::Renewal => self.renewal.as_ref().map(|r| r.accepted_credentials.as_slice()),
        }
        .unwrap_or_default()
    }

    /// The credentials a provider must hold on a session's day for it to count for `purpose`,
    /// whichever association a rule names.
    pub fn accepted_credentials(&self, purpose: Purpose) -> Vec<Credential> {
        self.accepted(purpose).iter().map(Accepted::credential).collect()
    }

    /// The training sets of `purpose`.
    pub fn training(&self, purpose: Purpose) -> &[TrainingSet] {
        match purpose {
            Purpose::Application => self.application.as_ref().map(|r| r.training.as_slice()),
            Purpose::Renewal => self.renewal.as_ref().map(|r| r.training.as_slice()),
        }
        .unwrap_or_default()
    }

    /// The purposes it defines.
    pub fn purposes(&self) -> Vec<Purpose> {
        let mut purposes = Vec::new();
        if self.application.is_some() {
            purposes.push(Purpose::Application);
        }
        if self.renewal.is_some() {
            purposes.push(Purpose::Renewal);
        }
        purposes
    }

    /// Checks every number and name against the format's limits.
    pub fn validate(&self) -> Result<(), RulesError> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(RulesError::rulebook(
                "id",
                format!("`{}` must be 1 to 32 lower-case letters, digits or hyphens", self.id.escape_debug()),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(RulesError::rulebook("name", "must not be empty"));
        }
        if self.application.is_none() && self.renewal.is_none() {
            return Err(RulesError::rulebook("application", "a rulebook defines [application], [renewal] or both"));
        }
        if let Some(rules) = &self.application {
            check_credentials(&rules.accepted_credentials, "application.accepted_credentials")?;
            check_months(rules.window_months, "application.window_months")?;
            check_months(rules.min_span_months, "application.min_span_months")?;
            if let (Some(window), Some(span)) = (rules.window_months, rules.min_span_months)
                && span >= window
            {
                return Err(RulesError::rulebook(
                    "application.min_span_months",
                    format!("{span} must be shorter than window_months {window}, or no session could meet it"),
                ));
            }
            check_cap(rules.group_cap.as_ref(), "application.group_cap")?;
            check_count(rules.requirements.len(), "application.requirements")?;
            for (i, req) in rules.requirements.iter().enumerate() {
                let field = format!("application.requirements[{i}]");
                check_requirement_id(&req.id, &field)?;
                check_minutes(req.required_minutes, &format!("{field}.required_minutes"))?;
            }
            check_unique(rules.requirements.iter().map(|r| r.id.as_str()), "application.requirements")?;
            check_training(&rules.training, "application.training")?;
        }
        if let Some(rules) = &self.renewal {
            check_credentials(&rules.accepted_credentials, "renewal.accepted_credentials")?;
            check_cap(rules.group_cap.as_ref(), "renewal.group_cap")?;
            check_count(rules.requirements.len(), "renewal.requirements")?;
            for (i, req) in rules.requirements.iter().enumerate() {
                let field = format!("renewal.requirements[{i}]");
                check_requirement_id(&req.id, &field)?;
                if req.tests.is_empty() || req.tests.len() > 4 {
                    return Err(RulesError::rulebook(
                        format!("{field}.tests"),
                        "a renewal requirement has 1 to 4 tests",
                    ));
                }
                for (j, test) in req.tests.iter().enumerate() {
                    let field = format!("{field}.tests[{j}]");
                    check_minutes(test.required_minutes, &format!("{field}.required_minutes"))?;
                    match (test.period, test.months) {
                        (Period::CalendarYear, None) => {}
                        (Period::CalendarYear, Some(_)) => {
                            return Err(RulesError::rulebook(
                                format!("{field}.months"),
                                "a calendar_year period has no months",
                            ));
                        }
                        (Period::Months, None) => {
                            return Err(RulesError::rulebook(
                                format!("{field}.months"),
                                "a months period needs `months`",
                            ));
                        }
                        (Period::Months, months) => check_months(months, &format!("{field}.months"))?,
                    }
                }
            }
            check_unique(rules.requirements.iter().map(|r| r.id.as_str()), "renewal.requirements")?;
            check_training(&rules.training, "renewal.training")?;
        }
        Ok(())
    }
}

fn check_credentials(credentials: &[Accepted], field: &str) -> Result<(), RulesError> {
    if credentials.is_empty() {
        return Err(RulesError::rulebook(field, "lists no credential, so no provider could qualify"));
    }
    for (i, accepted) in credentials.iter().enumerate() {
        if let Accepted::From { association, .. } = accepted
            && (association.trim().is_empty() || association.chars().count() > 100)
        {
            return Err(RulesError::rulebook(format!("{field}[{i}].association"), "must be 1 to 100 characters"));
        }
    }
    Ok(())
}

fn check_training(sets: &[TrainingSet], field: &str) -> Result<(), RulesError> {
    if sets.len() > 8 {
        return Err(RulesError::rulebook(field, format!("has {} sets; 1 to 8 are allowed", sets.len())));
    }
    let mut dates = std::collections::HashSet::new();
    for (i, set) in sets.iter().enumerate() {
        let field = format!("{field}[{i}]");
        if !dates.insert(set.applies_from) {
            return Err(RulesError::rulebook(
                format!("{field}.applies_from"),
                "two training sets apply from the same date, so which one applies is unclear",
            ));
        }
        check_count(set.requirements.len(), &format!("{field}.requirements"))?;
        for (j, req) in set.requirements.iter().enumerate() {
            let field = format!("{field}.requirements[{j}]");
            check_requirement_id(&req.id, &field)?;
            check_minutes(req.required_minutes, &format!("{field}.required_minutes"))?;
        }
        check_unique(set.requirements.iter().map(|r| r.id.as_str()), &format!("{field}.requirements"))?;
    }
    Ok(())
}

fn check_months(months: Option<u32>, field: &str) -> Result<(), RulesError> {
    match months {
        Some(m) if m == 0 || m > MAX_MONTHS => {
            Err(RulesError::rulebook(field, format!("{m} is out of range 1 to {MAX_MONTHS} months")))
        }
        _ => Ok(()),
    }
}

fn check_minutes(minutes: u32, field: &str) -> Result<(), RulesError> {
    if minutes == 0 || minutes > MAX_REQUIRED_MINUTES {
        return Err(RulesError::rulebook(
            field,
            format!("{minutes} is out of range 1 to {MAX_REQUIRED_MINUTES} minutes"),
        ));
    }
    Ok(())
}

fn check_cap(cap: Option<&GroupCap>, field: &str) -> Result<(), RulesError> {
    let Some(cap) = cap else { return Ok(()) };
    if cap.max_percent_of_total.is_none() && cap.max_minutes.is_none() {
        return Err(RulesError::rulebook(field, "sets neither max_percent_of_total nor max_minutes"));
    }
    if let Some(p) = cap.max_percent_of_total
        && !(1..=99).contains(&p)
    {
        return Err(RulesError::rulebook(
            format!("{field}.max_percent_of_total"),
            format!("{p} is out of range 1 to 99 (leave the cap out for no cap)"),
        ));
    }
    if let Some(m) = cap.max_minutes {
        check_minutes(m, &format!("{field}.max_minutes"))?;
    }
    Ok(())
}

fn check_count(count: usize, field: &str) -> Result<(), RulesError> {
    if count == 0 || count > MAX_REQUIREMENTS {
        return Err(RulesError::rulebook(
            field,
            format!("has {count} requirements; 1 to {MAX_REQUIREMENTS} are allowed"),
        ));
    }
    Ok(())
}

fn check_requirement_id(id: &str, field: &str) -> Result<(), RulesError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(RulesError::rulebook(
            format!("{field}.id"),
            format!("`{}` must be 1 to 64 lower-case letters, digits or underscores", id.escape_debug()),
        ));
    }
    Ok(())
}

fn check_unique<'a>(ids: impl Iterator<Item = &'a str>, field: &str) -> Result<(), RulesError> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(RulesError::rulebook(field, format!("requirement id `{id}` appears twice")));
        }
    }
    Ok(())
}
