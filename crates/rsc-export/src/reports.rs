//! The CSV and PDF reports of verified hours. Both are made from the very [`Payload`] the signed
//! JSON export carries, which remains the one a reviewer can check.

use std::collections::HashMap;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use rsc_model::{Confirmation, Date, DossierSession};
use rsc_rules::{Purpose, format_hours};

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

/// A dossier session's length and its confirmed minutes, when confirmed.
fn logged_and_confirmed(session: &DossierSession) -> (u16, Option<u16>) {
    let confirmed = match session.confirmation {
        Some(Confirmation::Confirmed { minutes }) => Some(minutes.get()),
        _ => None,
    };
    (session.minutes.get(), confirmed)
}

/// One row per session: date, kind, format, provider, credential held that day, minutes logged,
/// minutes counted and the reasons when excluded.
pub fn csv_report(payload: &Payload) -> Result<String, ExportError> {
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
            "minutes_logged",
            "minutes_confirmed",
            "minutes_counted",
            "excluded",
            "explanation",
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
                logged.to_string(),
                confirmed.map(|m| m.to_string()).unwrap_or_default(),
                result.counted_minutes.to_string(),
                excluded,
                result.explanation.clone().unwrap_or_default(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|e| ExportError(format!("finishing the CSV report: {}", e.error())))?;
    String::from_utf8(bytes).map_err(|e| ExportError(format!("the CSV report is not UTF-8: {e}")))
}

/// A line of the PDF: size, weight, and either one text or table cells placed at their own
/// x positions (so columns line up whatever font a reader substitutes).
struct Line {
    size: f32,
    bold: bool,
    text: String,
    cells: Vec<(f32, String)>,
}

fn line(size: f32, bold: bool, text: impl Into<String>) -> Line {
    Line { size, bold, text: text.into(), cells: Vec::new() }
}

/// The session table's column positions, in points from the left margin.
const COLUMNS: [f32; 8] = [0.0, 58.0, 112.0, 160.0, 280.0, 338.0, 378.0, 422.0];

fn row(size: f32, bold: bool, cells: [String; 8]) -> Line {
    Line { size, bold, text: String::new(), cells: COLUMNS.iter().copied().zip(cells).collect() }
}

/// Wraps `text` at about `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The base-14 fonts speak Latin-1 at best: keep to ASCII so every reader shows the same text.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '–' | '—' => '-',
            '‘' | '’' => '\'',
            '“' | '”' => '"',
            '…' => '.',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '?',
        })
        .collect()
}

/// A report a reviewer reads: the applicant, the rulebook and purpose, each requirement with
/// its window, per-provider totals, the sessions, and how to verify the signed export.
pub fn pdf_report(payload: &Payload, key_id: &str, public_key: &str) -> Vec<u8> {
    let e = &payload.evaluation;
    let names = names(payload);
    let mut lines = vec![
        line(16.0, true, "RSC Logbook - verified reflective supervision/consultation hours"),
        line(10.0, false, ""),
        line(11.0, false, format!("Applicant: {}", payload.applicant.display_name)),
        line(11.0, false, format!("Rulebook: {} ({})", payload.rulebook.name, payload.rulebook.id)),
        line(11.0, false, format!("Purpose: {}    Evaluated as of: {}", payload.purpose, e.as_of)),
        line(12.0, true, format!("Outcome: {}", if e.eligible { "ELIGIBLE" } else { "NOT ELIGIBLE YET" })),
    ];
    lines.extend(wrap(&e.summary, 95).into_iter().map(|l| line(10.0, false, l)));
    lines.push(line(10.0, false, ""));
    lines.push(line(13.0, true, "Requirements"));
    for r in &e.requirements {
        let window = match r.window.from {
            Some(from) => format!("{from} to {}", r.window.to),
            None => format!("up to {}", r.window.to),
        };
        lines.push(line(
            10.5,
            true,
            format!(
                "{} - {} - {}: {} counted of {} required, window {window}",
                r.id,
                if r.required { "required" } else { "advisory" },
                if r.met { "MET" } else { "NOT MET" },
                format_hours(r.counted_minutes),
                format_hours(r.required_minutes)
            ),
        ));
        lines.extend(wrap(&r.explanation, 100).into_iter().map(|l| line(9.5, false, format!("    {l}"))));
    }
    lines.push(line(10.0, false, ""));
    lines.push(line(13.0, true, "Providers"));
    for provider in &payload.providers {
        let (id, name) = (provider.id.as_str(), provider.display_name.as_str());
        let (mut logged, mut counted, mut sessions) = (0u64, 0u64, 0u64);
        for (session, result) in payload.dossier.sessions.iter().zip(&e.sessions) {
            if session.provider.as_str() == id {
                logged += u64::from(session.minutes.get());
                counted += result.counted_minutes;
                sessions += 1;
            }
        }
        let in_window = e.providers.iter().find(|p| p.provider.as_str() == id).map_or(0, |p| p.counted_minutes);
        lines.push(line(
            10.0,
            false,
            format!(
                "{name}: {sessions} sessions, {} logged, {} counted ({} in the first requirement's window)",
                format_hours(logged),
                format_hours(counted),
                format_hours(in_window)
            ),
        ));
    }
    for a in &e.advisories {
        lines.extend(wrap(&format!("Advice: {}", a.text), 100).into_iter().map(|l| line(9.5, false, l)));
    }
    lines.push(line(10.0, false, ""));
    lines.push(line(13.0, true, "Sessions"));
    lines.push(line(
        9.0,
        true,
        "date        kind        format     provider                credential  logged  counted  status",
    ));
    for (session, result) in payload.dossier.sessions.iter().zip(&e.sessions) {
        let provider = session.provider.as_str();
        let name = names.get(provider).copied().unwrap_or(provider).to_string();
        let status = if result.excluded.is_empty() {
            "counted".to_string()
        } else {
            result.excluded.iter().map(|x| x.code()).collect::<Vec<_>>().join(", ")
        };
        lines.push(row(
            8.5,
            false,
            [
                session.date.to_string(),
                session.kind.to_string(),
                session.format.to_string(),
                name.chars().take(24).collect(),
                credential_held(payload, provider, session.date).unwrap_or_else(|| "none".into()),
                session.minutes.get().to_string(),
                result.counted_minutes.to_string(),
                status,
            ],
        ));
    }
    lines.push(line(10.0, false, ""));
    lines.push(line(13.0, true, "How to verify this report"));
    let how = format!(
        "This report is a view of a signed JSON export. Download the export (GET /v1/me/exports/json) and check it with \
         the command below, giving the address of the server that issued it. The verifier checks the server's signature \
         (key {key_id}, public key {public_key}), every provider's signature on each confirmed session, the registry \
         records relied on, and that evaluating the dossier again gives the same result."
    );
    lines.extend(wrap(&how, 100).into_iter().map(|l| line(9.5, false, l)));
    lines.push(line(9.5, true, "    rsc verify export.json --server URL"));
    render_pdf(&lines)
}

fn render_pdf(lines: &[Line]) -> Vec<u8> {
    const WIDTH: f32 = 595.0;
    const HEIGHT: f32 = 842.0;
    const MARGIN: f32 = 50.0;
    let mut pages: Vec<Vec<&Line>> = vec![Vec::new()];
    let mut y = HEIGHT - MARGIN;
    for l in lines {
        let advance = l.size * 1.35;
        if y - advance < MARGIN {
            pages.push(Vec::new());
            y = HEIGHT - MARGIN;
        }
        y -= advance;
        if let Some(page) = pages.last_mut() {
            page.push(l);
        }
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(5 + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold"));
    for (i, page_lines) in pages.iter().enumerate() {
        let content_id = Ref::new(6 + 2 * i as i32);
        let mut page = pdf.page(page_ids[i]);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT)).parent(tree).contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        let mut content = Content::new();
        let mut y = HEIGHT - MARGIN;
        for l in page_lines {
            y -= l.size * 1.35;
            let font = Name(if l.bold { b"F2" } else { b"F1" });
            let cells: Vec<(f32, String)> =
                if l.cells.is_empty() { vec![(0.0, l.text.clone())] } else { l.cells.clone() };
            for (x, text) in cells {
                let text = ascii(&text);
                if text.is_empty() {
                    continue;
                }
                content.begin_text();
                content.set_font(font, l.size);
                content.next_line(MARGIN + x, y);
                content.show(Str(text.as_bytes()));
                content.end_text();
            }
        }
        let footer = format!("page {} of {}", i + 1, pages.len());
        content.begin_text();
        content.set_font(Name(b"F1"), 8.0);
        content.next_line(WIDTH - MARGIN - 50.0, MARGIN / 2.0);
        content.show(Str(footer.as_bytes()));
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_and_stays_ascii() {
        assert_eq!(wrap("one two three four", 9), vec!["one two", "three", "four"]);
        assert_eq!(ascii("Mentor – Clinical “IMHM-C” é"), "Mentor - Clinical \"IMHM-C\" ?");
    }

    #[test]
    fn long_reports_span_pages() {
        let lines: Vec<Line> = (0..200).map(|i| line(10.0, false, format!("row {i}"))).collect();
        let pdf = render_pdf(&lines);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("page 1 of 5") || text.contains("page 1 of 4"), "several pages");
    }
}
