//! The evaluation as text for a person at a terminal (`rsc evaluate --format text`).

use std::fmt::Write;

use crate::Evaluation;

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
    for s in excluded {
        let codes = s.excluded.iter().map(|e| e.code()).collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "  {:<20} {codes}\n      {}", s.id, s.explanation.as_deref().unwrap_or(""));
    }
    if !evaluation.providers.is_empty() {
        let _ = writeln!(out, "\nProviders (counted in the first requirement's window):");
        for p in &evaluation.providers {
            let _ =
                writeln!(out, "  {:<20} {:>12}  {} sessions", p.provider, format_hours(p.counted_minutes), p.sessions);
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
    fn hours_read_naturally() {
        assert_eq!(format_hours(0), "0 min");
        assert_eq!(format_hours(45), "45 min");
        assert_eq!(format_hours(3000), "50 h");
        assert_eq!(format_hours(750), "12 h 30 min");
    }
}
