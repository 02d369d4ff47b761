//! An applicant's exports: one signed JSON kept under an id, and its three renderings (the
//! JSON itself, a CSV and a PDF, each naming the kept export by its id, SHA-256 and link), and
//! what changed since one was made. The API, the portal and the verification page share these.

use rsc_protocol::{EvaluationQuery, ExportDownload, ExportLink};

use crate::AppError;
use crate::store::{ExportRecord, Store, UserId, UserRecord};
use crate::verified;

fn day(ms: i64) -> String {
    rsc_model::Date::from_unix_millis(ms).map(|d| d.to_string()).unwrap_or_default()
}

/// A rendering of a kept export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The signed JSON itself.
    Json,
    /// A spreadsheet.
    Csv,
    /// A printable report.
    Pdf,
}

impl Format {
    /// Every rendering, in the order lists show them.
    pub const ALL: [Format; 3] = [Format::Pdf, Format::Csv, Format::Json];

    /// The format from its name in a path (`json`, `csv`, `pdf`).
    pub fn parse(text: &str) -> Result<Format, AppError> {
        match text {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "pdf" => Ok(Format::Pdf),
            other => Err(AppError::NotFound(format!("no `{other}` export; use json, csv or pdf"))),
        }
    }

    /// Its name in paths and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Pdf => "pdf",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }
}

/// One rendering, ready to send.
pub struct Download {
    /// Its media type.
    pub content_type: &'static str,
    /// The name to save it under: the applicant's name, the rulebook and the date.
    pub file_name: String,
    /// The bytes.
    pub body: Vec<u8>,
    /// The kept export it renders.
    pub binding: rsc_export::pdf::Binding,
}

/// Makes the applicant's export under `query` and keeps it: one id, one SHA-256 (the JSON's).
pub async fn make<S: Store>(store: &S, user: &UserRecord, query: &EvaluationQuery) -> Result<ExportRecord, AppError> {
    let verified = verified::verified_hours(store, user, query).await?;
    verified::keep_export(store, user, &verified).await
}

/// The applicant's own kept export `id`; not found for anyone else's, so that ids reveal
/// nothing.
pub async fn own<S: Store>(store: &S, user: &UserRecord, id: &str) -> Result<ExportRecord, AppError> {
    let id = id.trim();
    let found = if verified::is_export_id(id) { store.export_by_id(id).await? } else { None };
    match found {
        Some(record) if record.user_id == user.id => Ok(record),
        _ => Err(AppError::NotFound(format!("you have no export `{}`", id.escape_debug()))),
    }
}

/// The signed export a kept record holds.
pub fn signed(record: &ExportRecord) -> Result<rsc_export::Export, AppError> {
    serde_json::from_str(&record.body).map_err(|e| AppError::caused("a kept export does not read back", e))
}

/// Renders a kept export as `format` (`paper` for a PDF), naming it by its link on `base`. A
/// withdrawn export is not handed out again.
pub async fn render(
    record: &ExportRecord,
    format: Format,
    paper: Option<rsc_export::pdf::Paper>,
    base: &str,
) -> Result<Download, AppError> {
    if let Some(at) = record.withdrawn_at_ms {
        return Err(AppError::Gone(format!("you withdrew export {} on {}; make a new one", record.id, day(at))));
    }
    let binding = rsc_export::pdf::Binding {
        export_id: record.id.clone(),
        digest: hex::encode(&record.digest),
        link: format!("{base}/verify/{}", record.id),
    };
    let export = signed(record)?;
    let file_name = file_name(&export.payload, format);
    // The CSV and the PDF are made from the very payload that was signed and kept.
    let body = match format {
        Format::Json => record.body.clone().into_bytes(),
        Format::Csv => {
            let binding = binding.clone();
            crate::blocking("writing the CSV report", move || {
                rsc_export::reports::csv_report_bound(&export.payload, Some(&binding))
            })
            .await??
            .into_bytes()
        }
        Format::Pdf => {
            let options = rsc_export::pdf::PdfOptions {
                paper,
                source: rsc_export::pdf::Source::Signed {
                    key_id: export.signature.key_id.clone(),
                    binding: Some(binding.clone()),
                },
            };
            crate::blocking("rendering the PDF report", move || {
                rsc_export::reports::pdf_report(&export.payload, &options)
            })
            .await??
        }
    };
    Ok(Download { content_type: format.content_type(), file_name, body, binding })
}

/// The name a rendering is saved under: the applicant's name, the rulebook and the evaluation
/// date, in letters any file system keeps (`ana-garcia-rsc-hours-nmaimh-2025-06-01.pdf`).
pub fn file_name(payload: &rsc_export::Payload, format: Format) -> String {
    let mut name = String::new();
    for c in rsc_model::names::without_accents(&payload.applicant.display_name).chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_end_matches('-').chars().take(60).collect();
    let stem = format!("rsc-hours-{}-{}", payload.rulebook.id, payload.evaluation.as_of);
    if name.is_empty() { format!("{stem}.{}", format.as_str()) } else { format!("{name}-{stem}.{}", format.as_str()) }
}

/// A kept export as its owner's list shows it: what it says, its link, and its three downloads.
pub fn link(record: &ExportRecord) -> ExportLink {
    // A body that no longer reads (it never happens to one the server signed) leaves these empty.
    let export = serde_json::from_str::<rsc_export::Export>(&record.body).ok();
    let names: Vec<String> =
        Format::ALL.iter().map(|f| export.as_ref().map(|e| file_name(&e.payload, *f)).unwrap_or_default()).collect();
    let evaluation = export.map(|x| x.payload.evaluation);
    ExportLink {
        export_id: record.id.clone(),
        sha256: hex::encode(&record.digest),
        link_path: format!("/verify/{}", record.id),
        created_at_ms: record.created_at_ms,
        withdrawn_at_ms: record.withdrawn_at_ms,
        rulebook_name: evaluation.as_ref().map(|v| v.rulebook_name.clone()).unwrap_or_default(),
        purpose: evaluation.as_ref().map(|v| v.purpose.to_string()).unwrap_or_default(),
        as_of: evaluation.as_ref().map(|v| v.as_of.to_string()).unwrap_or_default(),
        summary: evaluation.map(|v| v.summary).unwrap_or_default(),
        downloads: if record.withdrawn_at_ms.is_some() {
            Vec::new()
        } else {
            Format::ALL
                .iter()
                .zip(names)
                .map(|(f, file_name)| ExportDownload {
                    format: f.as_str().to_string(),
                    path: format!("/v1/me/exports/{}/{}", record.id, f.as_str()),
                    file_name,
                })
                .collect()
        },
    }
}

/// The applicant's kept exports, newest first.
pub async fn links<S: Store>(store: &S, user: &UserRecord) -> Result<Vec<ExportLink>, AppError> {
    let mut kept = store.exports_of(&user.id).await?;
    kept.sort_by_key(|e| std::cmp::Reverse(e.created_at_ms));
    Ok(kept.iter().map(link).collect())
}

/// What changed since a kept export was issued, in words: later provider statements about its
/// sessions, and registry records that changed.
pub async fn changes_since<S: Store>(
    store: &S,
    record: &ExportRecord,
    export: &rsc_export::Export,
) -> Result<Vec<String>, AppError> {
    let p = &export.payload;
    let names = rsc_export::facts::names(p);
    let mut changes = Vec::new();
    let applicant = UserId::from(record.user_id.as_str());
    if let Some((_, closed_at)) = store.closed_among(std::slice::from_ref(&applicant)).await?.pop() {
        changes.push(format!(
            "The applicant closed her RSC Logbook account on {}. The export was made before; what it records still \
             verifies, and no session it counts was taken from it.",
            crate::clock::day(closed_at)
        ));
    }
    for statement in store.valid_attestations_for(&applicant).await? {
        // When the server received it, by its own clock: a device's signing time is its own claim.
        if statement.first_seen_at_ms <= p.issued_at_ms {
            continue;
        }
        let Some(session) = p.dossier.sessions.iter().find(|s| s.id.as_str() == statement.session_id) else {
            continue;
        };
        let who = names.get(statement.provider_id.as_str()).copied().unwrap_or("the provider");
        let what = match statement.kind {
            rsc_model::StatementKind::Confirm => "confirmed again",
            rsc_model::StatementKind::Dispute => "disputed",
        };
        changes.push(format!("On {}, {who} {what} the session of {}.", day(statement.first_seen_at_ms), session.date));
    }
    for relied in &p.registry_records {
        let Some(now) = store.registry_record(&relied.number).await? else { continue };
        if now.version != relied.version {
            let state = match (now.revoked_on, now.valid_through) {
                (Some(revoked), _) => format!("revoked on {revoked}"),
                (None, Some(through)) => format!("valid through {through}"),
                (None, None) => "valid with no end date".to_string(),
            };
            changes.push(format!(
                "The registry's record {} ({}) changed: it is now {state}.",
                relied.number, relied.holder_name
            ));
        }
    }
    Ok(changes)
}

/// A rendering goes out as an attachment, naming the kept export it renders in its headers.
impl axum::response::IntoResponse for Download {
    fn into_response(self) -> axum::response::Response {
        use axum::http::header;
        let disposition = format!("attachment; filename=\"{}\"", self.file_name);
        (
            [
                (header::CONTENT_TYPE, self.content_type.to_string()),
                (header::CONTENT_DISPOSITION, disposition),
                (header::HeaderName::from_static("x-rsc-export-id"), self.binding.export_id),
                (header::HeaderName::from_static("x-rsc-export-sha256"), self.binding.digest),
                (header::HeaderName::from_static("x-rsc-verify"), self.binding.link),
            ],
            self.body,
        )
            .into_response()
    }
}

/// The paper a PDF is asked for; `None` for the rulebook's.
pub fn paper(text: Option<&str>) -> Result<Option<rsc_export::pdf::Paper>, AppError> {
    text.map(|text| {
        text.parse::<rsc_export::pdf::Paper>()
            .map_err(|_| AppError::invalid("paper", format!("`{}` is not letter or a4", text.escape_debug())))
    })
    .transpose()
}

/// The address people reach this server at, as the request names it (a proxy in front sets
/// `X-Forwarded-Proto`): the links printed on exports start with it.
pub fn public_base(headers: &axum::http::HeaderMap) -> String {
    use axum::http::header;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}")
}

/// Withdraws `user`'s kept export `id`: its link then says so, and it no longer verifies as
/// standing.
pub async fn withdraw<S: Store>(store: &S, user: &UserRecord, id: &str) -> Result<(), AppError> {
    let id = id.trim();
    if !verified::is_export_id(id) {
        return Err(AppError::NotFound("you have no such export still up".into()));
    }
    if !store.withdraw_export(&user.id, id, crate::clock::now_ms()).await? {
        return Err(AppError::NotFound(format!("you have no export `{id}` still up")));
    }
    Ok(())
}

/// Unknown export ids one client address may look up in an hour: a reviewer who mistypes a
/// link stays far inside it; walking the id space does not get anywhere.
pub const UNKNOWN_IDS_PER_ADDRESS: i64 = 30;

const HOUR_MS: i64 = 3600 * 1000;

/// What a lookup of a kept export by its id found.
#[derive(Debug)]
pub enum Lookup {
    /// The export, withdrawn or not.
    Found(ExportRecord),
    /// No export under this id.
    Unknown,
    /// This address looked up too many unknown ids in the last hour.
    TooMany,
}

/// The export kept under `id`, for whoever holds its link. Every lookup is reserved against the
/// address's limit before the id is looked up, and released when it finds an export: only
/// unknown ids count, and parallel guesses cannot slip past the count. Text that cannot be an id
/// is unknown without reaching the database.
pub async fn lookup<S: Store>(store: &S, id: &str, address: std::net::IpAddr) -> Result<Lookup, AppError> {
    let id = id.trim();
    let attempt = crate::clock::random_id();
    let now = crate::clock::now_ms();
    let limits = [(format!("verify-address:{address}"), UNKNOWN_IDS_PER_ADDRESS)];
    if !store.reserve_login_attempt(&limits, &attempt, now, now - HOUR_MS).await? {
        return Ok(Lookup::TooMany);
    }
    let found = if verified::is_export_id(id) { store.export_by_id(id).await? } else { None };
    Ok(match found {
        Some(record) => {
            store.release_login_attempt(&attempt).await?;
            Lookup::Found(record)
        }
        None => Lookup::Unknown,
    })
}

/// `user`'s kept export `id` rendered as `format` (`json`, `csv` or `pdf`, on `paper`; without
/// it, the rulebook's paper), naming the page at `base` where a reviewer checks it.
pub async fn render_own<S: Store>(
    store: &S,
    user: &UserRecord,
    id: &str,
    format: &str,
    paper_asked: Option<&str>,
    base: &str,
) -> Result<Download, AppError> {
    let format = Format::parse(format)?;
    let kept = own(store, user, id).await?;
    render(&kept, format, paper(paper_asked)?, base).await
}

/// Makes the applicant's export under `query`, keeps it, and renders it as `format` (`json`,
/// `csv` or `pdf`, on `query.paper`; without it, the rulebook's paper). Every export, whatever
/// its form, is a signed JSON kept under an id: the CSV and the PDF name it, with its digest and
/// the page at `base` where a reviewer checks it.
pub async fn make_and_render<S: Store>(
    store: &S,
    user: &UserRecord,
    query: &EvaluationQuery,
    format: &str,
    base: &str,
) -> Result<Download, AppError> {
    let format = Format::parse(format)?;
    let paper = paper(query.paper.as_deref())?;
    let kept = make(store, user, query).await?;
    render(&kept, format, paper, base).await
}
