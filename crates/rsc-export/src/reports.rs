//! The CSV and PDF reports of verified hours. Both are made from the very [`Payload`] the signed
//! JSON export carries, which remains the one a reviewer can check.

use std::collections::HashMap;

use rsc_model::{Confirmation, Date, DossierSession};
use rsc_rules::Purpose;

use crate::{ExportError, Payload};

/// Display names of the payload's people, by id.
fn names(payload: &Payload) -> HashMap<&str, &str> {
    payload.providers.iter().map(|p| (p.id.as_str(), p.display_name.as_str())).collect()
}

/// A cell of text people typed (a name), made safe for a spreadsheet: text a spreadsheet would
/// run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is kept as
/// text behind a leading `'`, as OWASP's CSV injection guidance says. Numbers are written as
/// numbers elsewhere and never pass through here.
pub fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// The credential `provider` held on `day` according to the dossier, preferring one the
/// rulebook accepts for the payload's purpose.
pub fn credential_held(payload: &Payload, provider: &str, day: Date) -> Option<String> {
    let accepted = match payload.purpose {
        Purpose::Application => payload.rulebook.application.as_ref().map(|r| r.accepted_credentials.clone()),
        Purpose::Renewal => payload.rulebook.renewal.as_ref().map(|r| r.accepted_credentials.clone()),
    }
    .unwrap_or_default();
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
            ProviderHours {
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

/// One row per session: date, kind (and a group's size), format, provider, credential held that
/// day, the session's length, the minutes the applicant logged and the provider confirmed,
/// minutes counted, the reasons when excluded, and whether it lies in the counted window.
pub fn csv_report(payload: &Payload) -> Result<String, ExportError> {
    csv_report_bound(payload, None)
}

/// [`csv_report`], each row also naming the signed export it was made from (its id, SHA-256 and
/// verification link), so a spreadsheet stays tied to what can be checked.
pub fn csv_report_bound(payload: &Payload, binding: Option<&crate::pdf::Binding>) -> Result<String, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ExportError(format!("writing the CSV report: {e}"));
    let names = names(payload);
    writer
        .write_record([
            "date",
            "session_id",
            "kind",
            "group_size",
            "format",
            "provider",
            "provider_id",
            "credential_held",
            "session_minutes",
            "minutes_logged",
            "minutes_confirmed",
            "minutes_counted",
            "excluded",
            "explanation",
            "in_window",
            "export_id",
            "export_sha256",
            "verify_at",
        ])
        .map_err(fail)?;
    let window = counted_window(payload);
    for (session, result) in payload.dossier.sessions.iter().zip(&payload.evaluation.sessions) {
        let provider = session.provider.as_str();
        let (logged, confirmed) = logged_and_confirmed(session);
        let excluded = result.excluded.iter().map(|e| e.code()).collect::<Vec<_>>().join(";");
        writer
            .write_record([
                session.date.to_string(),
                session.id.to_string(),
                session.kind.to_string(),
                payload.group_sizes.get(session.id.as_str()).map(|n| n.to_string()).unwrap_or_default(),
                session.format.to_string(),
                text_cell(names.get(provider).copied().unwrap_or(provider)),
                provider.to_string(),
                credential_held(payload, provider, session.date).unwrap_or_else(|| "none".into()),
                session.minutes.get().to_string(),
                logged.to_string(),
                confirmed.map(|m| m.to_string()).unwrap_or_default(),
                result.counted_minutes.to_string(),
                excluded,
                text_cell(result.explanation.as_deref().unwrap_or_default()),
                if in_window(window, session.date) { "yes" } else { "no" }.to_string(),
                binding.map(|b| b.export_id.clone()).unwrap_or_default(),
                binding.map(|b| b.digest.clone()).unwrap_or_default(),
                binding.map(|b| b.link.clone()).unwrap_or_default(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|e| ExportError(format!("finishing the CSV report: {}", e.error())))?;
    String::from_utf8(bytes).map_err(|e| ExportError(format!("the CSV report is not UTF-8: {e}")))
}

/// The PDF report of `payload` (see [`crate::pdf`]).
pub fn pdf_report(payload: &Payload, options: &crate::pdf::PdfOptions) -> Result<Vec<u8>, ExportError> {
    crate::pdf::render(payload, options)
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
