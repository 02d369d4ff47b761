//! The evaluation's shape: the contract's required fields first, then the explanations a
//! person reads (shortfall, hours leaving the window, a projection, advisories).

use rsc_model::{Date, Id};
use serde::{Deserialize, Serialize};

use crate::Purpose;

/// Why a session counts nothing. The declaration order is the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// Dated after the evaluation date.
    AfterAsOf,
    /// Not confirmed by the provider (or changed since it was confirmed).
    Unconfirmed,
    /// The provider disputed it.
    Disputed,
    /// The provider held no accepted credential on the session date.
    ProviderNotQualified,
    /// Before the applicant's master's conferral date, where the rulebook wants post-masters hours.
    BeforeMasters,
    /// The master's date is unknown, where the rulebook wants post-masters hours.
    MastersDateUnknown,
}

impl Exclusion {
    /// The contract's code.
    pub fn code(self) -> &'static str {
        match self {
            Exclusion::AfterAsOf => "after_as_of",
            Exclusion::Unconfirmed => "unconfirmed",
            Exclusion::Disputed => "disputed",
            Exclusion::ProviderNotQualified => "provider_not_qualified",
            Exclusion::BeforeMasters => "before_masters",
            Exclusion::MastersDateUnknown => "masters_date_unknown",
        }
    }
}

/// The days a requirement's minutes were counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// The first day covered; `None` when there is no limit.
    pub from: Option<Date>,
    /// The last day covered.
    pub to: Date,
}

/// Minutes that leave the window on a day, if no new hours are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FallOut {
    /// The first day they no longer count.
    pub on: Date,
    /// How many minutes leave.
    pub minutes: u64,
}

/// One requirement's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementResult {
    /// The requirement's id.
    pub id: String,
    /// Whether eligibility depends on it.
    pub required: bool,
    /// Whether it is met.
    pub met: bool,
    /// The minutes it asks for.
    pub required_minutes: u64,
    /// The minutes counted in `window`.
    pub counted_minutes: u64,
    /// The earliest date it was met on.
    pub met_on: Option<Date>,
    /// The window `counted_minutes` describes.
    pub window: Window,
    /// A person's name for the requirement.
    pub title: String,
    /// What the result means, in a sentence or three.
    pub explanation: String,
    /// The renewal test reported (`calendar_year`, `24_months`); absent for applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// Minutes still missing in the window ending on the evaluation date (0 when met).
    pub shortfall_minutes: u64,
    /// The minutes counted in the window (or period) ending on the evaluation date.
    pub counted_minutes_as_of: u64,
    /// Group minutes left out by the rulebook's group cap in `window`.
    pub group_minutes_over_cap: u64,
    /// Eligible minutes of this requirement in the six months ending on the evaluation date.
    pub recent_minutes: u64,
    /// For an unmet requirement with a window: when the counted hours leave it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub falls_out: Vec<FallOut>,
    /// For an unmet requirement: when it would be met at the pace of the last six months.
    pub projected_met_on: Option<Date>,
}

/// One session's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResult {
    /// The session's id.
    pub id: String,
    /// Its confirmed minutes when eligible, else 0.
    pub counted_minutes: u64,
    /// Every exclusion that applies, in the contract's order.
    pub excluded: Vec<Exclusion>,
    /// Whether its date lies in the reported window of `rsc_total` (application) or
    /// `rsc_annual` (renewal), eligible or not; reported for version 2 dossiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_window: Option<bool>,
    /// Why it counts nothing, for a person; absent when it counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// Counted minutes from one provider in the first requirement's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderTotal {
    /// The provider's id.
    pub provider: Id,
    /// Eligible minutes from them in the window.
    pub counted_minutes: u64,
    /// Eligible sessions with them in the window.
    pub sessions: u64,
}

/// Advice that does not change eligibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// A stable code (`provider_concentration`, `unmet_advisory_requirement`).
    pub code: String,
    /// The advice.
    pub text: String,
}

/// The evaluation of one dossier under one rulebook and purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The rulebook's id.
    pub rulebook: String,
    /// The purpose evaluated.
    pub purpose: Purpose,
    /// The evaluation date.
    pub as_of: Date,
    /// Whether every required requirement is met.
    pub eligible: bool,
    /// Each requirement's result, in the rulebook's order.
    pub requirements: Vec<RequirementResult>,
    /// Each session's result, in the dossier's order.
    pub sessions: Vec<SessionResult>,
    /// The rulebook's name.
    pub rulebook_name: String,
    /// The applicant's id.
    pub applicant: Id,
    /// The outcome in a sentence.
    pub summary: String,
    /// How the rulebook reads the association's wording.
    pub readings: Vec<String>,
    /// Counted minutes per provider in the first requirement's window, most first.
    pub providers: Vec<ProviderTotal>,
    /// Advice that does not change eligibility.
    pub advisories: Vec<Advisory>,
    /// Each training's result, in the dossier's order; present for a version 2 dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trainings: Option<Vec<TrainingResult>>,
}

/// Why a training counts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingExclusion {
    /// Dated after the evaluation date.
    AfterAsOf,
}

/// One training's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingResult {
    /// The training's id.
    pub id: String,
    /// Its minutes when counted, else 0.
    pub counted_minutes: u64,
    /// `after_as_of` when dated after the evaluation date.
    pub excluded: Vec<TrainingExclusion>,
}
