//! Rulebooks and the evaluation engine of `contracts/evaluate.md`.
//!
//! A [`Rulebook`] is one association's reading of its RS/C requirements (window, minimum span,
//! accepted provider credentials, post-masters, topic sub-requirements, renewal periods, an
//! optional cap on group minutes). [`evaluate`] applies one to a dossier and returns an
//! [`Evaluation`] that both satisfies the contract and explains itself to a person. Pure: no
//! I/O, no clock, so a phone, the server and the `rsc` command get the same answer.

mod builtin;
mod engine;
mod error;
mod explain;
mod measure;
mod output;
mod pace;
mod renewal;
mod rulebook;
mod text;

pub use builtin::{builtin, builtin_ids, builtin_source, resolve};
pub use engine::evaluate;
pub use error::RulesError;
pub use output::{
    Advisory, Evaluation, Exclusion, FallOut, ProviderTotal, RequirementResult, SessionResult, TrainingExclusion,
    TrainingResult, Window,
};
pub use pace::{DEFAULT_PACE_MONTHS, Pace, calendar_months, leaving_window, pace};
pub use renewal::{previous_year, training_requirement_ids};
pub use rulebook::{
    Accepted, ApplicationRequirement, ApplicationRules, GroupCap, MAX_RULEBOOK_BYTES, Paper, Period, PeriodTest,
    Purpose, RenewalRequirement, RenewalRules, Required, Rulebook, Topic, TrainingRequirement, TrainingSet,
    TrainingTopicFilter, training_set_on,
};
pub use text::{count, format_hours, render_text};
