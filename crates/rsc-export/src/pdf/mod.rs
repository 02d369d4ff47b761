//! The PDF a reviewer at an association reads: the applicant and the outcome, each
//! requirement, each provider with the registry record relied on, every session with its
//! status in words, a summary per provider as the application portal asks for it, an
//! attestation block with places to sign, and how to verify the signed export it was made from.
//!
//! Made from the same [`Payload`] the signed JSON carries; laid out by [`layout`], drawn by
//! krilla with an embedded, subset Unicode font.

pub mod layout;
pub mod provided;

use std::collections::HashMap;

use base64::Engine;
use rsc_model::{Confirmation, Date, SessionKind};
use rsc_rules::{Exclusion, format_hours};

use crate::{ExportError, Payload};
pub use layout::Paper;
use layout::{Align, Column, Layout, Weight};

/// How the PDF is made.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// The paper size; `None` takes the rulebook's (letter when it names none).
    pub paper: Option<Paper>,
    /// Where the payload comes from.
    pub source: Source,
}

/// Where a report's payload comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A signed export, by the server key `key_id`; with `binding` when the export is kept on
    /// the server under an id a reviewer can look up.
    Signed {
        /// The signing key's id.
        key_id: String,
        /// What ties the PDF to the export.
        binding: Option<Binding>,
    },
    /// A summary a device made from its own logbook, vouched for by nobody.
    Unverified,
}

/// What ties a report to the signed JSON export it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The export's id.
    pub export_id: String,
    /// SHA-256 of the export file's bytes, hex.
    pub digest: String,
    /// Where a person checks it.
    pub link: String,
}

/// A provider statement's signing time, per (session, attendee), from the payload.
fn confirmed_on(payload: &Payload) -> HashMap<String, Date> {
    let mut out = HashMap::new();
    for a in &payload.attestations {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&a.statement) else { continue };
        let Ok(statement) = rsc_doc::attest::SignedStatement::from_bytes(&bytes) else { continue };
        if let Some(day) = Date::from_unix_millis(statement.content.signed_at_ms) {
            let entry = out.entry(a.session_id.clone()).or_insert(day);
            *entry = (*entry).max(day);
        }
    }
    out
}

/// Why a session counts nothing, in words, with the provider's name, her reason for a dispute,
/// and why her credential did not count (see [`rsc_model::why_not_qualified`]) when known.
pub fn why_not(
    session: &rsc_model::DossierSession,
    excluded: &[Exclusion],
    provider: &str,
    dispute_reason: Option<&str>,
    not_qualified: Option<&str>,
) -> String {
    excluded
        .iter()
        .map(|e| match e {
            Exclusion::AfterAsOf => "after the evaluation date".to_string(),
            Exclusion::Unconfirmed if session.changed_since_confirmed => {
                format!("edited after {provider} confirmed it; {provider} needs to confirm it again")
            }
            Exclusion::Unconfirmed => format!("not confirmed by {provider}"),
            Exclusion::Disputed => match dispute_reason {
                Some(reason) => format!("disputed by {provider}: \u{201c}{reason}\u{201d}"),
                None => format!("disputed by {provider}"),
            },
            Exclusion::ProviderNotQualified => match not_qualified {
                Some(words) => words.to_string(),
                None => format!("{provider} held no credential this rulebook accepts that day"),
            },
            Exclusion::BeforeMasters => "before the master's degree".to_string(),
            Exclusion::MastersDateUnknown => "master's date not given".to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A session format in words.
pub fn format_word(format: rsc_model::SessionFormat) -> &'static str {
    match format {
        rsc_model::SessionFormat::InPerson => "in person",
        rsc_model::SessionFormat::Video => "video",
        rsc_model::SessionFormat::Phone => "phone",
    }
}

/// A requirement's title as the PDF lists it: one that is only recommended says so, once (a
/// rulebook may say it in the title already).
pub fn requirement_title(title: &str, required: bool) -> String {
    if required || title.contains("recommended") { title.to_string() } else { format!("{title} (recommended)") }
}

/// A session kind in words.
pub fn kind_word(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Individual => "Individual",
        SessionKind::Group => "Group",
    }
}

/// The report. `payload` is the signed export's; `options` say the paper and the binding.
pub fn render(payload: &Payload, options: &PdfOptions) -> Result<Vec<u8>, ExportError> {
    let e = &payload.evaluation;
    let names = crate::facts::names(payload);
    let name_of = |id: &str| names.get(id).copied().unwrap_or("(unnamed provider)").to_string();
    let verified = options.source != Source::Unverified;
    let footer = match &options.source {
        Source::Signed { binding: Some(b), .. } => {
            // The whole digest is on the last page; the footer carries enough of it to match.
            format!(
                "{} · export {} · SHA-256 {}…",
                payload.applicant.display_name,
                b.export_id,
                &b.digest[..16.min(b.digest.len())]
            )
        }
        Source::Signed { binding: None, key_id } => {
            format!("{} · signed export, server key {key_id}", payload.applicant.display_name)
        }
        Source::Unverified => "UNVERIFIED summary from the applicant's own logbook".to_string(),
    };
    let paper = options.paper.or(payload.rulebook.paper).unwrap_or_default();
    let mut page = Layout::new(paper, &footer);

    // Title and outcome.
    let title = if verified {
        "Reflective Supervision/Consultation Hours: Verified Record"
    } else {
        "Reflective Supervision/Consultation Hours: UNVERIFIED Summary"
    };
    page.paragraph(title, 14.0, Weight::Bold, 0.0);
    if !verified {
        page.paragraph(
            "Made on the applicant's device from her own logbook, without the server: no signature, registry check or \
             provider confirmation is vouched for. Not for an endorsement application; ask for the verified export.",
            9.5,
            Weight::Bold,
            0.0,
        );
    }
    page.space(4.0);
    let outcome = if e.eligible { "ELIGIBLE" } else { "NOT ELIGIBLE YET" };
    let mut facts = vec![("Applicant", payload.applicant.display_name.clone())];
    // A rulebook that counts only post-master's hours: the date it counted from.
    if crate::facts::post_masters(payload) {
        let masters = payload.dossier.applicant.masters_conferred_on;
        facts.push((
            "Master's degree conferred",
            masters.map(|d| d.to_string()).unwrap_or_else(|| "not given, so no session counts".into()),
        ));
    }
    facts.extend([
        ("Rulebook", payload.rulebook.name.clone()),
        (
            "Purpose",
            match crate::facts::renewal_year(payload) {
                Some(year) => format!("{} ({year})", payload.purpose),
                None => payload.purpose.to_string(),
            },
        ),
        ("Evaluated as of", e.as_of.to_string()),
        ("Outcome", outcome.to_string()),
    ]);
    for (label, value) in facts {
        page.paragraph(
            &format!("{label}: {value}"),
            10.5,
            if label == "Outcome" { Weight::Bold } else { Weight::Regular },
            0.0,
        );
    }
    page.paragraph(&e.summary, 9.5, Weight::Regular, 0.0);

    // Requirements.
    page.heading("Requirements");
    let rows: Vec<Vec<String>> = e
        .requirements
        .iter()
        .map(|r| {
            let window = match r.window.from {
                Some(from) => format!("{from} to {}", r.window.to),
                None => format!("up to {}", r.window.to),
            };
            let status = if r.met {
                r.met_on.map(|d| format!("Met on {d}")).unwrap_or_else(|| "Met".into())
            } else {
                format!("Not met: {} short", format_hours(r.shortfall_minutes))
            };
            let title = requirement_title(&r.title, r.required);
            vec![
                if crate::facts::self_reported(payload, &r.id) {
                    format!("{title} (training, self-reported)")
                } else {
                    title
                },
                format_hours(r.counted_minutes_as_of),
                format_hours(r.required_minutes),
                window,
                status,
            ]
        })
        .collect();
    let columns = [
        Column::new("Requirement", 3.2, Align::Left),
        Column::new("Counted", 1.0, Align::Right),
        Column::new("Required", 1.0, Align::Right),
        Column::new("Window", 1.9, Align::Left),
        Column::new("Status", 1.6, Align::Left),
    ];
    page.table(&columns, &rows, 8.5);

    // Providers, with the registry record relied on.
    page.heading("Providers and their endorsements");
    let confirmed = confirmed_on(payload);
    let rows: Vec<Vec<String>> = payload
        .providers
        .iter()
        .map(|p| {
            let records: Vec<_> = payload.registry_records.iter().filter(|r| r.provider_id == p.id).collect();
            let col = |f: &dyn Fn(&crate::RegistryRecordRef) -> String| {
                if records.is_empty() {
                    "none approved".to_string()
                } else {
                    records.iter().map(|r| f(r)).collect::<Vec<_>>().join("\n")
                }
            };
            vec![
                p.display_name.clone(),
                col(&|r| r.credential.to_string()),
                col(&|r| r.number.clone()),
                col(&|r| r.association.clone()),
                col(&|r| match (r.revoked_on, r.valid_through) {
                    (Some(revoked), _) => format!("revoked {revoked}"),
                    (None, Some(through)) => through.to_string(),
                    (None, None) => "no end date".to_string(),
                }),
            ]
        })
        .collect();
    let columns = [
        Column::new("Provider", 2.6, Align::Left),
        Column::new("Credential", 1.1, Align::Left),
        Column::new("Endorsement no.", 1.4, Align::Left),
        Column::new("Association", 1.4, Align::Left),
        Column::new("Valid through", 1.3, Align::Left),
    ];
    page.table(&columns, &rows, 8.5);

    // Summary per provider, as the application portal asks for it: the hours behind the first
    // requirement, inside its window only, so that what is copied into an application is what
    // counts.
    let window = crate::facts::counted_window(payload);
    page.heading(&match window {
        Some(w) => format!("Hours per provider, counted {}", crate::facts::window_words(w)),
        None => "Hours per provider".to_string(),
    });
    let rows: Vec<Vec<String>> = crate::facts::provider_hours(payload)
        .into_iter()
        .map(|p| {
            vec![
                p.name,
                if p.numbers.is_empty() { "none accepted".to_string() } else { p.numbers.join("\n") },
                p.span.map_or_else(|| "none in the window".to_string(), |(first, last)| format!("{first} to {last}")),
                format_hours(p.individual),
                format_hours(p.group),
                format_hours(p.total),
            ]
        })
        .collect();
    let columns = [
        Column::new("Provider", 2.2, Align::Left),
        Column::new("Endorsement no.", 1.4, Align::Left),
        Column::new("Dates counted", 2.0, Align::Left),
        Column::new("Individual", 1.0, Align::Right),
        Column::new("Group", 1.0, Align::Right),
        Column::new("Total", 1.0, Align::Right),
    ];
    page.table(&columns, &rows, 8.5);

    // Every session.
    page.heading("Sessions");
    let disputes = crate::facts::dispute_reasons(payload);
    let rows: Vec<Vec<String>> = payload
        .dossier
        .sessions
        .iter()
        .zip(&e.sessions)
        .map(|(s, r)| {
            let provider = name_of(s.provider.as_str());
            let (confirmed_minutes, status) = match s.confirmation {
                Some(Confirmation::Confirmed { minutes }) => (minutes.get().to_string(), "Confirmed"),
                Some(Confirmation::Disputed) => (String::new(), "Disputed"),
                None if s.changed_since_confirmed => (String::new(), "Changed since confirmed"),
                None => (String::new(), "Awaiting confirmation"),
            };
            let counted = if r.excluded.is_empty() && !crate::facts::in_window(window, s.date) {
                // Eligible, but not among the hours counted now: the window has moved past it.
                format!("Eligible ({}), outside the counted window", format_hours(r.counted_minutes))
            } else if r.excluded.is_empty() {
                format!("Counted ({})", format_hours(r.counted_minutes))
            } else {
                format!(
                    "Not counted: {}",
                    why_not(
                        s,
                        &r.excluded,
                        &provider,
                        disputes.get(s.id.as_str()).map(String::as_str),
                        Some(&crate::facts::not_qualified(payload, s, &provider)),
                    )
                )
            };
            let (attended, _) = crate::facts::logged_and_confirmed(s);
            vec![
                s.date.to_string(),
                format!(
                    "{}, {}{}",
                    crate::facts::kind_words(payload, s),
                    format_word(s.format),
                    if s.about_own_rsc_practice { "; about her RS/C practice" } else { "" }
                ),
                provider,
                s.minutes.get().to_string(),
                attended.to_string(),
                confirmed_minutes,
                match (status, confirmed.get(s.id.as_str())) {
                    ("Confirmed", Some(day)) => format!("Confirmed {day}"),
                    ("Disputed", Some(day)) => format!("Disputed {day}"),
                    (other, _) => other.to_string(),
                },
                counted,
            ]
        })
        .collect();
    let columns = [
        Column::new("Date", 1.15, Align::Left),
        Column::new("Kind, format", 1.35, Align::Left),
        Column::new("Provider", 1.7, Align::Left),
        Column::new("Length", 0.75, Align::Right),
        Column::new("Attended", 0.9, Align::Right),
        Column::new("Confirmed", 0.95, Align::Right),
        Column::new("Confirmation", 1.35, Align::Left),
        Column::new("Counted, or why not", 2.0, Align::Left),
    ];
    page.table(&columns, &rows, 8.0);
    // Trainings, as the applicant reported them: nobody confirmed them.
    if payload.dossier.trainings.is_some() {
        page.heading("Trainings (self-reported)");
        let trainings = crate::facts::trainings(payload);
        if trainings.is_empty() {
            page.paragraph("No training was reported.", 9.0, Weight::Regular, 0.0);
        } else {
            page.paragraph(
                "Reported by the applicant; nobody confirmed them. A certificate's SHA-256 identifies the file she keeps, \
                 which a reviewer may ask for.",
                9.0,
                Weight::Regular,
                0.0,
            );
            let rows: Vec<Vec<String>> = trainings
                .into_iter()
                .map(|(t, counted)| {
                    let title =
                        if t.organiser.is_empty() { t.title.clone() } else { format!("{}\n{}", t.title, t.organiser) };
                    vec![
                        t.date.to_string(),
                        title,
                        crate::facts::topic_words(t.topic).to_string(),
                        format!("{}{}", format_hours(u64::from(t.minutes)), if counted { "" } else { "\nnot counted" }),
                        // The digest in four lines of 16, so that it wraps where it can be read.
                        t.certificate.as_deref().map_or_else(
                            || "none".to_string(),
                            |d| {
                                d.as_bytes()
                                    .chunks(16)
                                    .map(|c| String::from_utf8_lossy(c).into_owned())
                                    .collect::<Vec<_>>()
                                    .join("\n")
                            },
                        ),
                    ]
                })
                .collect();
            let columns = [
                Column::new("Date", 1.0, Align::Left),
                Column::new("Training", 3.0, Align::Left),
                Column::new("Topic", 1.5, Align::Left),
                Column::new("Hours", 0.9, Align::Right),
                Column::new("Certificate SHA-256", 1.6, Align::Left),
            ];
            page.table(&columns, &rows, 8.0);
        }
    }
    if !e.advisories.is_empty() {
        page.heading("Advice");
        for a in &e.advisories {
            page.paragraph(&a.text, 9.0, Weight::Regular, 0.0);
        }
    }

    // Attestation and signatures, as the associations' paper RS/C forms have them, kept on one
    // page.
    page.room(150.0 + 40.0 * payload.providers.len() as f32);
    page.heading("Attestation");
    page.paragraph(
        &format!(
            "I, {}, attest that the reflective supervision/consultation recorded above took place as stated, and that I \
             attended for the minutes recorded.",
            payload.applicant.display_name
        ),
        9.5,
        Weight::Regular,
        0.0,
    );
    page.space(8.0);
    page.room(40.0);
    let (x, _) = page.cursor();
    let width = page.content_width();
    page.signature_line(x, width * 0.55, "Applicant's signature");
    page.signature_line(x + width * 0.65, width * 0.35, "Date");
    page.space(40.0);
    for p in &payload.providers {
        page.room(40.0);
        page.signature_line(x, width * 0.55, &format!("Signature of the RS/C provider, {}", p.display_name));
        page.signature_line(x + width * 0.65, width * 0.35, "Date");
        page.space(40.0);
    }

    // How to verify: the heading, the explanation and the code stay together on one page.
    if matches!(options.source, Source::Signed { binding: Some(_), .. }) {
        page.room(220.0);
    }
    page.heading("How to verify this record");
    match &options.source {
        Source::Signed { binding: Some(b), key_id } => {
            page.paragraph(
                "This PDF is a printout of a signed JSON export. Open the link, or scan the code, to see on the issuing \
                 server whether the export verifies, what it says, and whether anything changed since (a later dispute, \
                 a revoked credential). The export's SHA-256 below changes if any byte of the JSON does.",
                9.0,
                Weight::Regular,
                0.0,
            );
            page.space(8.0);
            page.room(120.0);
            let (x, y) = page.cursor();
            if let Ok(code) = qrcode::QrCode::new(b.link.as_bytes()) {
                page.qr(x, y, 2.4, &code);
            }
            let text_x = x + 120.0;
            let lines = [
                ("Link", b.link.clone()),
                ("Export id", b.export_id.clone()),
                ("SHA-256", b.digest.clone()),
                ("Signed with server key", key_id.clone()),
            ];
            let mut top = y;
            for (label, value) in lines {
                page.text_at(text_x, top, 8.0, Weight::Bold, label);
                for line in layout::wrap(&value, width - 120.0, 8.0, Weight::Regular) {
                    top += 10.5;
                    page.text_at(text_x, top, 8.0, Weight::Regular, &line);
                }
                top += 14.0;
            }
            page.space((top - y).max(110.0));
            page.paragraph(
                &format!(
                    "At a terminal: rsc verify {} (it fetches the signed JSON, checks every signature against the keys \
                     the server publishes, and says whether the export still stands and what changed since).",
                    b.link
                ),
                8.5,
                Weight::Regular,
                0.0,
            );
        }
        Source::Signed { binding: None, key_id } => page.paragraph(
            &format!(
                "This PDF is a printout of a signed JSON export (server key {key_id}). Ask the applicant for the JSON \
                 and check it with: rsc verify EXPORT.json --server SERVER, which checks the server's signature, every \
                 provider's signature, the registry records relied on, and the evaluation."
            ),
            9.0,
            Weight::Regular,
            0.0,
        ),
        Source::Unverified => page.paragraph(
            "This summary cannot be verified. Sync the logbook and download the verified export for a reviewer.",
            9.0,
            Weight::Bold,
            0.0,
        ),
    }
    page.finish(title).map_err(|e| ExportError(format!("drawing the PDF: {e}")))
}

#[cfg(test)]
mod tests {
    use rsc_model::{Applicant, Date, Dossier, Id};
    use rsc_rules::{Purpose, builtin, evaluate};

    use super::*;

    #[test]
    fn a_recommended_requirement_says_so_once() {
        let own = "25 of the hours about the RS/C you provide to others (recommended)";
        assert_eq!(requirement_title(own, false), own);
        assert_eq!(requirement_title("12 h a year", false), "12 h a year (recommended)");
        assert_eq!(requirement_title("50 clock hours", true), "50 clock hours");
    }

    /// An applicant with no sessions yet, under `rulebook`.
    fn empty_payload(rulebook: rsc_rules::Rulebook) -> Payload {
        let dossier = Dossier {
            as_of: Date::from_ymd(2026, 11, 30).expect("date"),
            applicant: Applicant {
                id: Id::new("applicant", "test").expect("id"),
                masters_conferred_on: None,
                provides_rsc: None,
            },
            providers: Vec::new(),
            sessions: Vec::new(),
            trainings: None,
        };
        let evaluation = evaluate(&rulebook, Purpose::Application, &dossier).expect("evaluates");
        Payload {
            issued_at_ms: 1_790_000_000_000,
            applicant: crate::Person { id: "applicant".into(), display_name: "Siobhán Ní Bhriain".into() },
            rulebook,
            purpose: Purpose::Application,
            dossier,
            evaluation,
            attestations: Vec::new(),
            registry_records: Vec::new(),
            providers: Vec::new(),
            export_id: Some("TESTEXPORTID".into()),
            group_sizes: Default::default(),
            trainings: Vec::new(),
        }
    }

    /// The page size written in the PDF, in points.
    fn media_box(pdf: &[u8]) -> String {
        let text = String::from_utf8_lossy(pdf);
        let at = text.find("/MediaBox").expect("a page size");
        text[at..].split(']').next().expect("box").to_string()
    }

    #[test]
    fn the_paper_is_the_one_asked_for_else_the_rulebooks_else_letter() {
        let render_on = |rulebook_paper: Option<Paper>, asked: Option<Paper>| {
            let mut rulebook = builtin("nmaimh").expect("nmaimh");
            rulebook.paper = rulebook_paper;
            let options = PdfOptions { paper: asked, source: Source::Unverified };
            media_box(&render(&empty_payload(rulebook), &options).expect("renders"))
        };
        let (letter, a4) = ("612 792", "595.28 841.89");
        assert!(render_on(None, None).contains(letter), "letter when nobody names a paper");
        assert!(render_on(Some(Paper::A4), None).contains(a4), "the rulebook's A4");
        assert!(render_on(Some(Paper::A4), Some(Paper::Letter)).contains(letter), "asked for letter");
        assert!(render_on(None, Some(Paper::A4)).contains(a4), "asked for A4");
    }

    #[test]
    fn a_rulebook_names_its_paper_in_its_file() {
        let builtin = rsc_rules::builtin_source("nmaimh").expect("nmaimh");
        assert!(builtin.contains("\npaper = \"letter\"\n"), "the built-ins name theirs");
        let text = builtin.replace("\npaper = \"letter\"\n", "\npaper = \"a4\"\n");
        assert_eq!(rsc_rules::Rulebook::from_toml(&text).expect("reads").paper, Some(Paper::A4));
        let wrong = text.replace("paper = \"a4\"", "paper = \"tabloid\"");
        let error = rsc_rules::Rulebook::from_toml(&wrong).expect_err("refused").to_string();
        assert!(error.contains("tabloid") && error.contains("line"), "{error}");
    }
}
