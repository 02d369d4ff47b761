//! The CSV and PDF reports of verified hours. Both are made from the very [`Payload`] the signed
//! JSON export carries, which remains the one a reviewer can check.

use crate::facts::{
    counted_window, credential_held, dispute_reasons, in_window, logged_and_confirmed, names, not_qualified,
    post_masters, provider_hours, renewal_year, self_reported, text_cell, topic_words, trainings, window_words,
};
use crate::{ExportError, Payload};

/// One row per session: date, kind (and a group's size), format, provider, credential held that
/// day, the session's length, the minutes the applicant logged and the provider confirmed,
/// minutes counted, the reasons when excluded, and whether it lies in the counted window.
pub fn csv_report(payload: &Payload) -> Result<String, ExportError> {
    csv_report_bound(payload, None)
}

/// The first cells of the CSV's session table: what a program reading the CSV looks for to
/// skip the header block above it.
pub const CSV_TABLE_START: &str = "date,session_id,";

/// The session table of a CSV report, without the header block and its byte-order mark: what a
/// program reads with a CSV parser.
pub fn csv_table(csv: &str) -> &str {
    let csv = csv.trim_start_matches('\u{feff}');
    match csv.find(&format!("\n{CSV_TABLE_START}")) {
        Some(at) => &csv[at + 1..],
        None => csv,
    }
}

/// [`csv_report`], its header block also naming the signed export it was made from (its id,
/// SHA-256 and verification link), so that a spreadsheet stays tied to what can be checked.
///
/// The file opens with a UTF-8 byte-order mark, so that a spreadsheet reads accented names
/// right; then a header block of `field,value` rows (the applicant, her master's date when the
/// rulebook counts only post-master's hours, the rulebook, purpose, evaluation date, outcome,
/// each requirement's totals, the export); an empty row; and the session table, one row per
/// session, every explanation naming people, never ids.
pub fn csv_report_bound(payload: &Payload, binding: Option<&crate::pdf::Binding>) -> Result<String, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ExportError(format!("writing the CSV report: {e}"));
    let names = names(payload);
    let e = &payload.evaluation;
    let mut head: Vec<(String, String)> = vec![
        ("report".into(), "RSC Logbook: verified RS/C hours".into()),
        ("applicant".into(), text_cell(&payload.applicant.display_name)),
    ];
    if post_masters(payload) {
        let masters = payload.dossier.applicant.masters_conferred_on;
        head.push((
            "masters_conferred_on".into(),
            masters.map(|d| d.to_string()).unwrap_or_else(|| "not given, so no session counts".into()),
        ));
    }
    head.extend([
        ("rulebook".into(), payload.rulebook.name.clone()),
        ("purpose".into(), payload.purpose.to_string()),
        ("as_of".into(), e.as_of.to_string()),
        ("outcome".into(), if e.eligible { "eligible" } else { "not eligible yet" }.to_string()),
        ("summary".into(), text_cell(&e.summary)),
    ]);
    if let Some(year) = renewal_year(payload) {
        head.push(("renewal_year".into(), year));
    }
    for r in &e.requirements {
        head.push((
            format!("requirement: {}", r.title),
            format!(
                "{} of {} counted{}{}",
                rsc_rules::format_hours(r.counted_minutes_as_of),
                rsc_rules::format_hours(r.required_minutes),
                if r.met { ", met" } else { "" },
                if self_reported(payload, &r.id) { " (training, self-reported)" } else { "" }
            ),
        ));
    }
    let window = counted_window(payload);
    for p in provider_hours(payload) {
        head.push((
            format!("provider: {}", text_cell(&p.name)),
            format!(
                "endorsement {}; {}; individual {}; group {}; total {}{}",
                if p.numbers.is_empty() { "none accepted".to_string() } else { p.numbers.join(", ") },
                p.span.map_or_else(|| "no session counted".to_string(), |(first, last)| format!("{first} to {last}")),
                rsc_rules::format_hours(p.individual),
                rsc_rules::format_hours(p.group),
                rsc_rules::format_hours(p.total),
                window.map(|w| format!(" (counted {})", window_words(w))).unwrap_or_default()
            ),
        ));
    }
    for (t, counted) in trainings(payload) {
        head.push((
            "training (self-reported)".into(),
            text_cell(&format!(
                "{}; {}{}; {}; {}; certificate {}{}",
                t.date,
                t.title,
                if t.organiser.is_empty() { String::new() } else { format!(" ({})", t.organiser) },
                topic_words(t.topic),
                rsc_rules::format_hours(u64::from(t.minutes)),
                t.certificate.as_deref().map(|d| format!("SHA-256 {d}")).unwrap_or_else(|| "none".into()),
                if counted { "" } else { "; not counted" }
            )),
        ));
    }
    if let Some(b) = binding {
        head.extend([
            ("export_id".into(), b.export_id.clone()),
            ("export_sha256".into(), b.digest.clone()),
            ("verify_at".into(), b.link.clone()),
        ]);
    }
    for (field, value) in &head {
        writer.write_record([field.as_str(), value.as_str()]).map_err(fail)?;
    }
    // An empty line between the block and the table (a record of one empty field would be `""`).
    let mut block = writer.into_inner().map_err(|e| ExportError(format!("writing the CSV report: {}", e.error())))?;
    block.push(b'\n');
    let mut writer = csv::Writer::from_writer(block);
    writer
        .write_record([
            "date",
            "session_id",
            "kind",
            "group_size",
            "format",
            "about_own_rsc_practice",
            "provider",
            "credential_held",
            "session_minutes",
            "minutes_logged",
            "minutes_confirmed",
            "minutes_counted",
            "excluded",
            "explanation",
            "dispute_reason",
            "in_window",
        ])
        .map_err(fail)?;
    let window = counted_window(payload);
    let disputes = dispute_reasons(payload);
    for (session, result) in payload.dossier.sessions.iter().zip(&payload.evaluation.sessions) {
        let provider = session.provider.as_str();
        let name = names.get(provider).copied().unwrap_or("(unnamed provider)");
        let (logged, confirmed) = logged_and_confirmed(session);
        let excluded = result.excluded.iter().map(|e| e.code()).collect::<Vec<_>>().join(";");
        let dispute = disputes.get(session.id.as_str()).map(String::as_str);
        let explanation = if result.excluded.is_empty() && !in_window(window, session.date) {
            "eligible, outside the counted window".to_string()
        } else if result.excluded.is_empty() {
            "counted".to_string()
        } else {
            let not_qualified = not_qualified(payload, session, name);
            format!(
                "not counted: {}",
                crate::pdf::why_not(session, &result.excluded, name, dispute, Some(&not_qualified))
            )
        };
        writer
            .write_record([
                session.date.to_string(),
                session.id.to_string(),
                session.kind.to_string(),
                payload.group_sizes.get(session.id.as_str()).map(|n| n.to_string()).unwrap_or_default(),
                session.format.to_string(),
                if session.about_own_rsc_practice { "yes" } else { "no" }.to_string(),
                text_cell(name),
                credential_held(payload, provider, session.date).unwrap_or_else(|| "none".into()),
                session.minutes.get().to_string(),
                logged.to_string(),
                confirmed.map(|m| m.to_string()).unwrap_or_default(),
                result.counted_minutes.to_string(),
                excluded,
                text_cell(&explanation),
                text_cell(dispute.unwrap_or_default()),
                if in_window(window, session.date) { "yes" } else { "no" }.to_string(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|e| ExportError(format!("finishing the CSV report: {}", e.error())))?;
    let text = String::from_utf8(bytes).map_err(|e| ExportError(format!("the CSV report is not UTF-8: {e}")))?;
    Ok(format!("\u{feff}{text}"))
}

/// The PDF report of `payload` (see [`crate::pdf`]).
pub fn pdf_report(payload: &Payload, options: &crate::pdf::PdfOptions) -> Result<Vec<u8>, ExportError> {
    crate::pdf::render(payload, options)
}

#[cfg(test)]
mod tests {
    use rsc_model::{
        Applicant, Confirmation, Credential, CredentialRecord, Date, Dossier, DossierSession, Id, Minutes, Provider,
        SessionFormat, SessionKind,
    };
    use rsc_rules::{Purpose, builtin, evaluate};

    use super::*;
    use crate::Person;
    use crate::facts::kind_words;

    /// Pat's confirmed sessions: one in 2020, long outside the 24-month window, and two inside it
    /// (one a group of 4); Quinn's one, outside too.
    fn payload() -> Payload {
        let as_of = Date::from_ymd(2025, 6, 1).expect("date");
        let held = CredentialRecord {
            credential: Credential::ImhmC,
            earned_on: Date::from_ymd(2010, 1, 1).expect("date"),
            valid_through: None,
            revoked_on: None,
            association: None,
        };
        let provider = |id: &str| Provider { id: Id::new(id, "test").expect("id"), credentials: vec![held.clone()] };
        let session = |id: &str, provider: &str, date: Date, kind: SessionKind, minutes: i64| DossierSession {
            id: Id::new(id, "test").expect("id"),
            date,
            kind,
            format: SessionFormat::Video,
            provider: Id::new(provider, "test").expect("id"),
            minutes: Minutes::new(minutes, "m").expect("m"),
            minutes_attended: None,
            about_own_rsc_practice: false,
            confirmation: Some(Confirmation::Confirmed { minutes: Minutes::new(minutes, "m").expect("m") }),
            changed_since_confirmed: false,
        };
        let dossier = Dossier {
            as_of,
            applicant: Applicant {
                id: Id::new("ana", "test").expect("id"),
                masters_conferred_on: None,
                provides_rsc: None,
            },
            providers: vec![provider("pat"), provider("quinn")],
            sessions: vec![
                session("old", "pat", Date::from_ymd(2020, 1, 7).expect("d"), SessionKind::Individual, 600),
                session("quinn-old", "quinn", Date::from_ymd(2021, 2, 2).expect("d"), SessionKind::Individual, 120),
                session("in-1", "pat", Date::from_ymd(2024, 9, 3).expect("d"), SessionKind::Individual, 60),
                session("in-2", "pat", Date::from_ymd(2025, 2, 4).expect("d"), SessionKind::Group, 90),
            ],
            trainings: None,
        };
        let rulebook = builtin("nmaimh").expect("nmaimh");
        let evaluation = evaluate(&rulebook, Purpose::Application, &dossier).expect("evaluates");
        Payload {
            issued_at_ms: 0,
            applicant: Person { id: "ana".into(), display_name: "Ana".into() },
            rulebook,
            purpose: Purpose::Application,
            dossier,
            evaluation,
            attestations: Vec::new(),
            registry_records: Vec::new(),
            providers: vec![
                Person { id: "pat".into(), display_name: "Pat".into() },
                Person { id: "quinn".into(), display_name: "=Quinn".into() },
            ],
            export_id: Some("TEST".into()),
            group_sizes: [("in-2".to_string(), 4)].into_iter().collect(),
            trainings: Vec::new(),
        }
    }

    #[test]
    fn hours_per_provider_are_the_windows_only() {
        let payload = payload();
        let window = counted_window(&payload).expect("a window");
        assert_eq!(window.to, Date::from_ymd(2025, 6, 1).expect("d"));
        let hours = provider_hours(&payload);
        let pat = &hours[0];
        assert_eq!((pat.individual, pat.group, pat.total), (60, 90, 150), "2020's 600 minutes are outside");
        assert_eq!(
            pat.total,
            payload.evaluation.providers.iter().find(|t| t.provider.as_str() == "pat").expect("pat").counted_minutes
        );
        assert_eq!(
            pat.span.map(|(a, b)| (a.to_string(), b.to_string())),
            Some(("2024-09-03".into(), "2025-02-04".into()))
        );
        assert_eq!((hours[1].total, hours[1].span), (0, None), "Quinn's one session is outside");
        let csv = csv_report(&payload).expect("csv");
        assert!(csv.starts_with('\u{feff}'), "a byte-order mark, for spreadsheets");
        assert!(csv.contains("\napplicant,"), "a header block: {csv}");
        let mut rows = csv::Reader::from_reader(csv_table(&csv).as_bytes());
        let header = rows.headers().expect("header").clone();
        let column = |name: &str| header.iter().position(|h| h == name).expect(name);
        let cells: Vec<(String, String, String, String)> = rows
            .records()
            .map(|r| {
                let r = r.expect("row");
                let get = |name: &str| r.get(column(name)).expect("cell").to_string();
                (get("session_id"), get("in_window"), get("group_size"), get("provider"))
            })
            .collect();
        assert_eq!(
            cells,
            [
                ("old".into(), "no".into(), "".into(), "Pat".into()),
                ("quinn-old".into(), "no".into(), "".into(), "'=Quinn".into()),
                ("in-1".into(), "yes".into(), "".into(), "Pat".into()),
                ("in-2".into(), "yes".into(), "4".into(), "Pat".into()),
            ]
        );
        assert_eq!(kind_words(&payload, &payload.dossier.sessions[3]), "Group of 4");
    }
}
