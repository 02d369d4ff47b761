//! What the reports read from a payload: names, disputes, windows, per-provider hours and
//! trainings, put as a reader needs them. Shared by the CSV report, the PDF and the portal's
//! review pages, so that all of them say the same thing of the same export.

use std::collections::HashMap;

use rsc_model::{Confirmation, Date, DossierSession};
use rsc_rules::Purpose;

use crate::Payload;

/// Display names of the payload's providers, by id.
pub fn names(payload: &Payload) -> HashMap<&str, &str> {
    payload.providers.iter().map(|p| (p.id.as_str(), p.display_name.as_str())).collect()
}

/// A cell of text people typed (a name), made safe for a spreadsheet: text a spreadsheet would
/// run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is kept as
/// text behind a leading `'`, as OWASP's CSV injection guidance says. Numbers are written as
/// numbers elsewhere and never pass through here.
pub fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// Whether the payload's rulebook counts only hours after the master's degree, for its purpose.
pub fn post_masters(payload: &Payload) -> bool {
    match payload.purpose {
        Purpose::Application => payload.rulebook.application.as_ref().is_some_and(|r| r.post_masters),
        Purpose::Renewal => payload.rulebook.renewal.as_ref().is_some_and(|r| r.post_masters),
    }
}

/// The reason of each disputed session's dispute, by session id, read from the provider
/// statements the payload carries (the latest, when several).
pub fn dispute_reasons(payload: &Payload) -> HashMap<String, String> {
    use base64::Engine;
    let mut latest: HashMap<String, (i64, String)> = HashMap::new();
    for a in &payload.attestations {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&a.statement) else { continue };
        let Ok(statement) = rsc_doc::attest::SignedStatement::from_bytes(&bytes) else { continue };
        let c = statement.content;
        if c.kind != rsc_model::StatementKind::Dispute || c.attendee.as_str() != payload.applicant.id {
            continue;
        }
        let entry = latest.entry(a.session_id.clone()).or_insert((i64::MIN, String::new()));
        if c.signed_at_ms >= entry.0 {
            *entry = (c.signed_at_ms, c.reason);
        }
    }
    payload
        .dossier
        .sessions
        .iter()
        .filter(|s| s.confirmation == Some(Confirmation::Disputed))
        .filter_map(|s| latest.remove(s.id.as_str()).map(|(_, reason)| (s.id.to_string(), reason)))
        .collect()
}

/// Why `provider` (by name) held no credential the payload's rulebook accepts on `session`'s
/// day, from the registry records the export relies on.
pub fn not_qualified(payload: &Payload, session: &DossierSession, provider: &str) -> String {
    let endorsements: Vec<rsc_model::Endorsement> = payload
        .registry_records
        .iter()
        .filter(|r| r.provider_id == session.provider.as_str())
        .map(|r| rsc_model::Endorsement {
            number: r.number.clone(),
            association: r.association.clone(),
            credential: r.credential,
            status: rsc_model::EndorsementStatus::Approved,
            earned_on: r.earned_on,
            valid_through: r.valid_through,
            revoked_on: r.revoked_on,
        })
        .collect();
    if endorsements.is_empty() {
        return format!("the registry shows no endorsement of {provider}'s that RSC Logbook could rely on");
    }
    rsc_model::why_not_qualified(
        provider,
        &endorsements,
        session.date,
        &payload.rulebook.accepted_credentials(payload.purpose),
    )
}

/// The credential `provider` held on `day` according to the dossier, preferring one the
/// rulebook accepts for the payload's purpose.
pub fn credential_held(payload: &Payload, provider: &str, day: Date) -> Option<String> {
    let accepted = payload.rulebook.accepted_credentials(payload.purpose);
    let provider = payload.dossier.providers.iter().find(|p| p.id.as_str() == provider)?;
    let held: Vec<&rsc_model::CredentialRecord> = provider.credentials.iter().filter(|c| c.held_on(day)).collect();
    held.iter().find(|c| accepted.contains(&c.credential)).or(held.first()).map(|c| c.credential.to_string())
}

/// The minutes the applicant logged for a session (its length in dossiers that predate the
/// attendee's own minutes) and its confirmed minutes, when confirmed.
pub fn logged_and_confirmed(session: &DossierSession) -> (u16, Option<u16>) {
    let confirmed = match session.confirmation {
        Some(Confirmation::Confirmed { minutes }) => Some(minutes.get()),
        _ => None,
    };
    (session.minutes_attended.unwrap_or(session.minutes).get(), confirmed)
}

/// The days the hours per provider are counted over: the first requirement's window, as the
/// evaluation gives it (`None` when the rulebook has no requirement).
pub fn counted_window(payload: &Payload) -> Option<rsc_rules::Window> {
    payload.evaluation.requirements.first().map(|r| r.window)
}

/// Whether `day` lies in `window` (both ends included, as the engine counts).
pub fn in_window(window: Option<rsc_rules::Window>, day: Date) -> bool {
    window.is_some_and(|w| w.from.is_none_or(|from| from <= day) && day <= w.to)
}

/// The window in words: "2023-06-02 to 2025-06-01", or "up to 2025-06-01".
pub fn window_words(window: rsc_rules::Window) -> String {
    match window.from {
        Some(from) => format!("{from} to {}", window.to),
        None => format!("up to {}", window.to),
    }
}

/// A provider's hours inside the counted window: exactly the engine's total for her, split by
/// kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderHours {
    /// Her name.
    pub name: String,
    /// Counted minutes from individual sessions in the window.
    pub individual: u64,
    /// Counted minutes from group sessions in the window.
    pub group: u64,
    /// The engine's counted minutes from her in the window (individual and group).
    pub total: u64,
    /// The first and last day counted from her in the window.
    pub span: Option<(Date, Date)>,
    /// The endorsement numbers of hers the rulebook accepts, as the registry gave them: what an
    /// application system asks beside her name.
    pub numbers: Vec<String>,
}

/// Whether the requirement `id` counts trainings (self-reported hours).
pub fn self_reported(payload: &Payload, id: &str) -> bool {
    rsc_rules::training_requirement_ids(&payload.rulebook, payload.purpose, payload.evaluation.as_of)
        .iter()
        .any(|t| t == id)
}

/// For a renewal, the renewal year in words ("Renewal year 2026, due by 2026-12-31"); `None`
/// for an application.
pub fn renewal_year(payload: &Payload) -> Option<String> {
    (payload.purpose == Purpose::Renewal).then(|| {
        let year = payload.evaluation.as_of.year();
        format!("Renewal year {year}, due by {year}-12-31")
    })
}

/// A training's topic in words.
pub fn topic_words(topic: rsc_model::TrainingTopic) -> &'static str {
    match topic {
        rsc_model::TrainingTopic::Imh => "Infant mental health",
        rsc_model::TrainingTopic::Rsc => "Providing RS/C",
        rsc_model::TrainingTopic::Dei => "Diversity, equity and inclusion",
    }
}

/// The trainings of the export, by date, each with whether the evaluation counted it.
pub fn trainings(payload: &Payload) -> Vec<(&crate::ExportedTraining, bool)> {
    let counted = |id: &str| payload.evaluation.trainings.iter().flatten().any(|t| t.id == id && t.counted_minutes > 0);
    let mut all: Vec<_> = payload.trainings.iter().map(|t| (t, counted(&t.id))).collect();
    all.sort_by(|a, b| (a.0.date, &a.0.id).cmp(&(b.0.date, &b.0.id)));
    all
}

/// Hours per provider inside the counted window, each provider the payload names, in its
/// order: what an applicant copies into her application, so never a minute from outside it.
pub fn provider_hours(payload: &Payload) -> Vec<ProviderHours> {
    let window = counted_window(payload);
    payload
        .providers
        .iter()
        .map(|p| {
            let sessions: Vec<_> = payload
                .dossier
                .sessions
                .iter()
                .zip(&payload.evaluation.sessions)
                .filter(|(s, r)| s.provider.as_str() == p.id && r.counted_minutes > 0 && in_window(window, s.date))
                .collect();
            let kind = |kind: rsc_model::SessionKind| -> u64 {
                sessions.iter().filter(|(s, _)| s.kind == kind).map(|(_, r)| r.counted_minutes).sum()
            };
            let total = payload
                .evaluation
                .providers
                .iter()
                .find(|t| t.provider.as_str() == p.id)
                .map_or(0, |t| t.counted_minutes);
            let dates = sessions.iter().map(|(s, _)| s.date);
            let accepted = payload.rulebook.accepted_credentials(payload.purpose);
            let mut numbers: Vec<String> = payload
                .registry_records
                .iter()
                .filter(|r| r.provider_id == p.id && accepted.contains(&r.credential))
                .map(|r| r.number.clone())
                .collect();
            numbers.dedup();
            ProviderHours {
                numbers,
                name: p.display_name.clone(),
                individual: kind(rsc_model::SessionKind::Individual),
                group: kind(rsc_model::SessionKind::Group),
                total,
                span: dates.clone().min().zip(dates.max()),
            }
        })
        .collect()
}

/// A session's kind as a person reads it: "Individual", or "Group of 5" when the export says
/// how many attended (never who).
pub fn kind_words(payload: &Payload, session: &DossierSession) -> String {
    match (session.kind, payload.group_sizes.get(session.id.as_str())) {
        (rsc_model::SessionKind::Group, Some(size)) => format!("Group of {size}"),
        (rsc_model::SessionKind::Group, None) => "Group".to_string(),
        (rsc_model::SessionKind::Individual, _) => "Individual".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn text_a_spreadsheet_would_run_is_kept_as_text() {
        for formula in ["=HYPERLINK(\"https://evil.example\",\"Pat\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            let cell = text_cell(formula);
            assert_eq!(cell, format!("'{formula}"), "{formula:?}");
        }
        for name in ["María de los Ángeles Núñez", "Ngozi Okonkwo-Adébáyọ̀", "O'Brien", "1 Pat", ""] {
            assert_eq!(text_cell(name), name, "{name:?} stays as typed");
        }
    }
}
