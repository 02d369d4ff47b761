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

/// One row per session: date, kind, format, provider, credential held that day, the session's
/// length, the minutes the applicant logged and the provider confirmed, minutes counted and the
/// reasons when excluded.
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
            "export_id",
            "export_sha256",
            "verify_at",
        ])
        .map_err(fail)?;
    for (session, result) in payload.dossier.sessions.iter().zip(&payload.evaluation.sessions) {
        let provider = session.provider.as_str();
        let (logged, confirmed) = logged_and_confirmed(session);
        let excluded = result.excluded.iter().map(|e| e.code()).collect::<Vec<_>>().join(";");
        writer
            .write_record([
                session.date.to_string(),
                session.id.to_string(),
                session.kind.to_string(),
                session.format.to_string(),
                names.get(provider).copied().unwrap_or(provider).to_string(),
                provider.to_string(),
                credential_held(payload, provider, session.date).unwrap_or_else(|| "none".into()),
                session.minutes.get().to_string(),
                logged.to_string(),
                confirmed.map(|m| m.to_string()).unwrap_or_default(),
                result.counted_minutes.to_string(),
                excluded,
                result.explanation.clone().unwrap_or_default(),
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
