//! The evaluation as text for a person at a terminal (`rsc evaluate --format text`).

use std::fmt::Write;

use crate::Evaluation;

/// A count with its noun in the right number: `count(1, "session", "sessions")` is
/// `1 session`, `count(3, …)` is `3 sessions`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// Minutes as clock hours: `50 h`, `12 h 30 min`, `45 min`.
pub fn format_hours(minutes: u64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// A readable report: outcome, requirements with their windows and shortfalls, excluded
/// sessions with reasons, providers and advice.
pub fn render_text(evaluation: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} — as of {}", evaluation.rulebook_name, evaluation.purpose, evaluation.as_of);
    let _ = writeln!(out, "Applicant: {}", evaluation.applicant);
    let _ = writeln!(out, "{}", if evaluation.eligible { "ELIGIBLE" } else { "NOT ELIGIBLE YET" });
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<24} {:<9} {:<4} {:>12} {:>12} {:>12}  window",
        "requirement", "required", "met", "counted", "needed", "short"
    );
    for r in &evaluation.requirements {
        let window = match r.window.from {
            Some(from) => format!("{from} .. {}", r.window.to),
            None => format!("… .. {}", r.window.to),
        };
        let _ = writeln!(
            out,
            "{:<24} {:<9} {:<4} {:>12} {:>12} {:>12}  {window}",
            r.id,
            if r.required { "yes" } else { "advisory" },
            if r.met { "yes" } else { "no" },
            format_hours(r.counted_minutes),
            format_hours(r.required_minutes),
            format_hours(r.shortfall_minutes),
        );
    }
    for r in &evaluation.requirements {
        let _ = writeln!(out, "\n{} — {}\n  {}", r.id, r.title, r.explanation);
    }
    let counted = evaluation.sessions.iter().filter(|s| s.excluded.is_empty()).count();
    let excluded: Vec<_> = evaluation.sessions.iter().filter(|s| !s.excluded.is_empty()).collect();
    let _ = writeln!(out, "\nSessions: {} eligible, {} excluded", counted, excluded.len());
    // A missing master's date excludes every session for the same reason: said once, not per session.
    let only_masters = |s: &crate::SessionResult| s.excluded == [crate::Exclusion::MastersDateUnknown];
    let waiting_on_masters = excluded.iter().filter(|s| only_masters(s)).count();
    if waiting_on_masters > 0 {
        let _ = writeln!(
            out,
            "  {} nothing only because this rulebook counts post-master's hours and the \
             master's conferral date is not given: set it (applicant.masters_conferred_on; on a device, \
             `rsc profile set --masters-date YYYY-MM-DD`)",
            if waiting_on_masters == 1 {
                "1 session counts".to_string()
            } else {
                format!("{waiting_on_masters} sessions count")
            }
        );
    }
    for s in excluded.into_iter().filter(|s| !only_masters(s)) {
        let codes = s.excluded.iter().map(|e| e.code()).collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "  {:<20} {codes}\n      {}", s.id, s.explanation.as_deref().unwrap_or(""));
    }
    if !evaluation.providers.is_empty() {
        let _ = writeln!(out, "\nProviders (counted in the first requirement's window):");
        for p in &evaluation.providers {
            let _ = writeln!(
                out,
                "  {:<20} {:>12}  {}",
                p.provider,
                format_hours(p.counted_minutes),
                count(p.sessions as usize, "session", "sessions")
            );
        }
    }
    for a in &evaluation.advisories {
        let _ = writeln!(out, "\nAdvice: {}", a.text);
    }
    let _ = writeln!(out, "\n{}", evaluation.summary);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_masters_date_is_said_once_not_per_session() {
        let rulebook = crate::builtin("orimha").expect("orimha");
        let mut sessions = String::new();
        for day in 1..=9 {
            sessions.push_str(&format!(
                r#"{{"id": "s{day}", "date": "2025-03-0{day}", "kind": "individual", "format": "video", "provider": "pat",
                   "minutes": 60, "about_own_rsc_practice": false, "confirmation": {{"status": "confirmed", "minutes": 60}}}},"#
            ));
        }
        let json = format!(
            r#"{{"as_of": "2025-06-01", "applicant": {{"id": "ana", "masters_conferred_on": null}},
                "providers": [{{"id": "pat", "credentials": [{{"credential": "IMHM-C", "earned_on": "2015-01-01",
                "valid_through": null, "revoked_on": null, "endorsement_number": "OR-1", "association": "ORIMHA"}}]}}],
                "sessions": [{}]}}"#,
            sessions.trim_end_matches(',')
        );
        let dossier = rsc_model::Dossier::from_json(&json).expect("dossier");
        let text = render_text(&crate::evaluate(&rulebook, crate::Purpose::Application, &dossier).expect("evaluates"));
        assert_eq!(text.matches("master's conferral date is not given").count(), 1, "{text}");
        assert!(text.contains("9 sessions count nothing only because"), "{text}");
        assert!(!text.contains("s3 "), "no session is listed for it: {text}");
    }

    #[test]
    fn hours_read_naturally() {
        assert_eq!(format_hours(0), "0 min");
        assert_eq!(format_hours(45), "45 min");
        assert_eq!(format_hours(3000), "50 h");
        assert_eq!(format_hours(750), "12 h 30 min");
    }
}
