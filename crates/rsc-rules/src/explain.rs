//! The sentences an evaluation carries for a person: why a session counts nothing, where a
//! requirement stands, and advice. Kept apart from the engine so the arithmetic stays readable.

use std::fmt::Write;

use rsc_model::{Credential, Date, Dossier, DossierSession, Provider};

use crate::measure::{Counted, Measure};
use crate::output::{Advisory, Exclusion, ProviderTotal, RequirementResult};
use crate::text::format_hours;
use crate::{Purpose, Rulebook};

/// Why `session` counts nothing, as one sentence.
pub(crate) fn session(
    session: &DossierSession,
    provider: Option<&Provider>,
    excluded: &[Exclusion],
    dossier: &Dossier,
    accepted: &[Credential],
) -> String {
    // One buffer, written in place: an evaluation writes one of these per excluded session.
    let mut out = String::with_capacity(160);
    let _ = write!(out, "Session {} on {} counts nothing: ", session.id, session.date);
    for (i, exclusion) in excluded.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let _ = match exclusion {
            Exclusion::AfterAsOf => write!(out, "it is dated after the evaluation date {}", dossier.as_of),
            Exclusion::Unconfirmed if session.changed_since_confirmed => {
                write!(out, "it was edited after {} confirmed it and needs confirming again", session.provider)
            }
            Exclusion::Unconfirmed => write!(out, "{} has not confirmed it yet", session.provider),
            Exclusion::Disputed => write!(out, "{} disputed it", session.provider),
            Exclusion::ProviderNotQualified => not_qualified(&mut out, session, provider, accepted),
            Exclusion::BeforeMasters => match dossier.applicant.masters_conferred_on {
                Some(conferred) => write!(out, "it is before the master's degree conferred on {conferred}"),
                None => Ok(()),
            },
            Exclusion::MastersDateUnknown => out
                .write_str("this rulebook counts only post-master's hours and the master's conferral date is unknown"),
        };
    }
    out.push('.');
    out
}

fn not_qualified(
    out: &mut String,
    session: &DossierSession,
    provider: Option<&Provider>,
    accepted: &[Credential],
) -> std::fmt::Result {
    let day = session.date;
    write!(out, "on {day} {} held no accepted credential (", session.provider)?;
    for (i, credential) in accepted.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(credential.as_str());
    }
    out.push(')');
    let records = provider.into_iter().flat_map(|p| p.credentials.iter()).filter(|r| accepted.contains(&r.credential));
    for (i, r) in records.enumerate() {
        out.push_str(if i == 0 { " (" } else { ", " });
        if r.earned_on > day {
            write!(out, "{} was earned later, on {}", r.credential, r.earned_on)?;
        } else if let Some(revoked) = r.revoked_on.filter(|revoked| *revoked <= day) {
            write!(out, "{} was revoked on {revoked}", r.credential)?;
        } else if let Some(through) = r.valid_through.filter(|through| *through < day) {
            write!(out, "{} lapsed after {through}", r.credential)?;
        } else {
            write!(out, "{} was not held", r.credential)?;
        }
    }
    if provider.is_some_and(|p| p.credentials.iter().any(|r| accepted.contains(&r.credential))) {
        out.push(')');
    }
    Ok(())
}

/// Where a requirement stands, in a few sentences.
pub(crate) fn requirement(result: &RequirementResult, measure: Measure, items: &[Counted<'_>], as_of: Date) -> String {
    let counted = format_hours(result.counted_minutes);
    let required = format_hours(result.required_minutes);
    let span_text = match (result.window.from, measure) {
        (None, _) => format!("up to {}", result.window.to),
        (Some(from), _) => format!("from {from} to {}", result.window.to),
    };
    let mut text = if let Some(met_on) = result.met_on {
        format!("Met on {met_on}: {counted} counted {span_text} ({required} required).")
    } else {
        format!(
            "Not met: {counted} counted {span_text} ({required} required); {} short.",
            format_hours(result.shortfall_minutes)
        )
    };
    if result.group_minutes_over_cap > 0 {
        text.push_str(&format!(
            " {} of group RS/C are over the rulebook's group cap and not counted.",
            format_hours(result.group_minutes_over_cap)
        ));
    }
    if result.met {
        return text;
    }
    if let Measure::Rolling { span: Some(span), .. } = measure
        && result.counted_minutes_as_of >= result.required_minutes
        && let Some(first) = items.iter().find(|item| result.window.from.is_none_or(|from| item.date >= from))
    {
        text.push_str(&format!(
            " The hours are there, but RS/C must continue for at least {span} months: your earliest counted session is {}, so the requirement can be met by a session on or after {}.",
            first.date,
            first.date.plus_months(span)
        ));
    }
    if let Some(first) = result.falls_out.first() {
        let soon = as_of.plus_months(3);
        let leaving: u64 = result.falls_out.iter().filter(|f| f.on <= soon).map(|f| f.minutes).sum();
        text.push_str(&format!(
            " Hours age out of the window: {} on {} first, {} within three months.",
            format_hours(first.minutes),
            first.on,
            format_hours(leaving)
        ));
    }
    match (result.projected_met_on, result.recent_minutes) {
        (_, 0) => text.push_str(" No eligible hours in the last six months, so no date can be projected."),
        (Some(date), recent) => text.push_str(&format!(
            " At your pace of the last six months ({} counted), it would be met around {date}.",
            format_hours(recent)
        )),
        (None, recent) => text.push_str(&format!(
            " At your pace of the last six months ({} counted), it would not be met {}.",
            format_hours(recent),
            match measure {
                Measure::Period { rolling_months: None, end, .. } => format!("by {end}"),
                _ => "within ten years".to_string(),
            }
        )),
    }
    text
}

/// A training requirement in words ("Training: 22 h of 30 h; 15 h about RS/C still needed by
/// 2026-12-31"). Trainings are self-reported, and the words say so.
pub(crate) fn training(
    result: &RequirementResult,
    topic: crate::rulebook::TrainingTopicFilter,
    measure: Measure,
) -> String {
    use crate::rulebook::TrainingTopicFilter as T;
    let about = match topic {
        T::Any => "of training",
        T::Imh => "of training about infant mental health",
        T::Rsc => "of training about RS/C",
        T::Dei => "of training about diversity, equity and inclusion",
    };
    let counted = format_hours(result.counted_minutes);
    let required = format_hours(result.required_minutes);
    match result.met_on {
        Some(met_on) => format!("Met on {met_on}: {counted} {about} counted (self-reported; {required} required)."),
        None => {
            let by = match measure {
                Measure::Period { end, .. } => format!(" by {end}"),
                Measure::Rolling { .. } => String::new(),
            };
            let advisory = if result.required { "" } else { " (advised, not required)" };
            format!(
                "Training: {counted} of {required} {about} (self-reported); {} still needed{by}{advisory}.",
                format_hours(result.shortfall_minutes)
            )
        }
    }
}

/// Advice that does not change eligibility.
pub(crate) fn advisories(
    requirements: &[RequirementResult],
    providers: &[ProviderTotal],
    concentration: bool,
) -> Vec<Advisory> {
    let mut out = Vec::new();
    for req in requirements.iter().filter(|r| !r.required && !r.met) {
        out.push(Advisory {
            code: "unmet_advisory_requirement".into(),
            text: format!(
                "Recommended, not required: {} ({} of {} counted).",
                req.title,
                format_hours(req.counted_minutes),
                format_hours(req.required_minutes)
            ),
        });
    }
    let total: u64 = providers.iter().map(|p| p.counted_minutes).sum();
    if concentration && total > 0 {
        let main = &providers[0];
        let majority = main.counted_minutes * 2 > total;
        if !majority || providers.len() > 2 {
            let shares = providers
                .iter()
                .map(|p| format!("{} {}%", p.provider, p.counted_minutes * 100 / total))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Advisory {
                code: "provider_concentration".into(),
                text: format!(
                    "The association expects most hours from one main provider, with the balance from no more than one other; counted hours come from {} providers ({shares}).",
                    providers.len()
                ),
            });
        }
    }
    out
}

/// The outcome in one sentence.
pub(crate) fn summary(
    rulebook: &Rulebook,
    purpose: Purpose,
    eligible: bool,
    requirements: &[RequirementResult],
) -> String {
    if eligible {
        return format!("Eligible: every required RS/C requirement of {} for {purpose} is met.", rulebook.name);
    }
    let unmet = requirements
        .iter()
        .filter(|r| r.required && !r.met)
        .map(|r| format!("{} ({} short)", r.title, format_hours(r.shortfall_minutes)))
        .collect::<Vec<_>>()
        .join("; ");
    format!("Not eligible yet under {} for {purpose}: {unmet}.", rulebook.name)
}
