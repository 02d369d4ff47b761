//! The PDF of the RS/C a provider gave, per calendar year, from the entries she confirmed: the
//! evidence of years of providing RS/C some endorsements ask for. It counts supervisees and
//! never names them.

use rsc_model::{Date, ProvidedYear};
use rsc_rules::format_hours;

use super::Paper;
use super::layout::{Align, Column, Layout, Weight};
use crate::ExportError;

/// What the report says of whom.
pub struct ProvidedReport<'a> {
    /// The provider's name.
    pub provider: &'a str,
    /// Her endorsement numbers with their credentials and associations, as the registry has them.
    pub endorsements: &'a [String],
    /// The years, oldest first.
    pub years: &'a [ProvidedYear],
    /// The day it was made.
    pub made_on: Date,
    /// The server that made it.
    pub server: &'a str,
}

/// One year's cells, as the PDF's table and `rsc provided` show them: year, first to last day,
/// sessions, individual and group hours (with their sessions), hours, supervisees.
pub fn cells(y: &ProvidedYear) -> Vec<String> {
    vec![
        y.year.to_string(),
        format!("{} to {}", y.first, y.last),
        y.sessions.to_string(),
        format!("{} ({})", format_hours(y.individual_minutes), y.individual_sessions),
        format!("{} ({})", format_hours(y.group_minutes), y.group_sessions),
        format_hours(y.minutes),
        y.supervisees.to_string(),
    ]
}

/// The report as a PDF on `paper`.
pub fn render(report: &ProvidedReport<'_>, paper: Paper) -> Result<Vec<u8>, ExportError> {
    let mut page = Layout::new(paper, &format!("{} · RS/C provided · made {}", report.provider, report.made_on));
    page.paragraph("Reflective Supervision/Consultation Provided", 14.0, Weight::Bold, 0.0);
    page.space(4.0);
    page.paragraph(&format!("Provider: {}", report.provider), 10.5, Weight::Regular, 0.0);
    if !report.endorsements.is_empty() {
        page.paragraph(&format!("Endorsements: {}", report.endorsements.join("; ")), 10.5, Weight::Regular, 0.0);
    }
    page.paragraph(&format!("Made on {} by {}", report.made_on, report.server), 10.5, Weight::Regular, 0.0);
    page.paragraph(
        "Counted from the attendances this provider confirmed with her own signature in RSC Logbook, in sessions not \
         withdrawn. A group session counts its length once, however many attended. Supervisees are counted, never \
         named.",
        9.0,
        Weight::Regular,
        0.0,
    );
    page.heading("RS/C provided, by calendar year");
    if report.years.is_empty() {
        page.paragraph("No session with a confirmed attendance yet.", 9.5, Weight::Regular, 0.0);
    } else {
        let rows: Vec<Vec<String>> = report.years.iter().map(cells).collect();
        let columns = [
            Column::new("Year", 0.7, Align::Left),
            Column::new("From, to", 2.0, Align::Left),
            Column::new("Sessions", 0.9, Align::Right),
            Column::new("Individual (sessions)", 1.5, Align::Right),
            Column::new("Group (sessions)", 1.5, Align::Right),
            Column::new("Hours", 1.0, Align::Right),
            Column::new("Supervisees", 1.0, Align::Right),
        ];
        page.table(&columns, &rows, 8.5);
        let years = report.years.len();
        page.paragraph(
            &format!(
                "{years} calendar year{} with RS/C provided, from {} to {}.",
                if years == 1 { "" } else { "s" },
                report.years[0].first,
                report.years[years - 1].last
            ),
            9.5,
            Weight::Regular,
            0.0,
        );
    }
    page.space(24.0);
    page.room(40.0);
    let (x, _) = page.cursor();
    let width = page.content_width();
    page.signature_line(x, width * 0.55, &format!("Signature of {}", report.provider));
    page.signature_line(x + width * 0.65, width * 0.35, "Date");
    page.finish("RS/C provided").map_err(|e| ExportError(format!("drawing the PDF: {e}")))
}
