//! Association staff's registry in the browser: search the records, read one with its whole
//! history (who changed it, by name), lapse or revoke it, and import a CSV after a preview that
//! lists every bad row before anything is written. The API's own functions do the work.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rsc_model::Date;
use rsc_protocol::RowError;
use rsc_service::store::RegistryRecord;
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{Nav, PageError, SignedIn, html, require_staff, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::registry::{import_csv, set_end};
use rsc_service::staff::{Staff, changed_by_name};
use rsc_service::store::Store;

/// The largest registry CSV the import page reads (the API's body limit).
pub const MAX_IMPORT_BYTES: usize = rsc_protocol::MAX_BODY_BYTES;

/// A record as the pages show it.
pub struct RecordLine {
    pub number: String,
    pub holder: String,
    pub email: String,
    pub credential: String,
    pub association: String,
    pub earned: String,
    pub through: String,
    pub revoked: String,
    pub changed: String,
    pub changed_by: String,
    pub source: String,
}

fn line(r: &RegistryRecord, by: String) -> RecordLine {
    RecordLine {
        number: r.number.clone(),
        holder: r.holder_name.clone(),
        email: r.holder_email.clone(),
        credential: r.credential.to_string(),
        association: r.association.clone(),
        earned: r.earned_on.to_string(),
        through: r.valid_through.map(|d| d.to_string()).unwrap_or_else(|| "no end date".into()),
        revoked: r.revoked_on.map(|d| d.to_string()).unwrap_or_default(),
        changed: Date::from_unix_millis(r.changed_at_ms).map(|d| d.to_string()).unwrap_or_default(),
        changed_by: by,
        source: r.source.clone(),
    }
}

/// Who made a change, by name (an import run from the server's command line has no account).
#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    nav: Option<Nav>,
    q: String,
    records: Vec<RecordLine>,
    total: usize,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /staff/records?q=`: records whose number, holder or email contain `q`.
pub async fn records<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let by = require_staff(&state, &browser).await?;
    let all = rsc_service::registry::records(&state.store, &by).await?;
    let total = all.len();
    // Names as people type them: any case, with or without accents.
    let needle = query.q.trim();
    let records = all
        .iter()
        .filter(|r| {
            needle.is_empty()
                || [&r.number, &r.holder_name, &r.holder_email].iter().any(|t| rsc_model::names::contains(t, needle))
        })
        .take(200)
        .map(|r| line(r, String::new()))
        .collect();
    Ok(html(StatusCode::OK, &RecordsPage { nav: Some(Nav::of(&browser, "staff")), q: query.q, records, total }))
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    nav: Option<Nav>,
    csrf: String,
    record: RecordLine,
    history: Vec<RecordLine>,
    problem: Option<String>,
}

async fn record_page<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    by: &Staff,
    number: &str,
    status: StatusCode,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let (record, versions) = rsc_service::registry::record_with_history(&state.store, by, number).await?;
    let mut history = Vec::new();
    // The store keeps versions oldest first; the page shows the latest change on top.
    for version in versions.into_iter().rev() {
        let by = changed_by_name(&state.store, &version.changed_by).await?;
        history.push(line(&version, by));
    }
    let by = changed_by_name(&state.store, &record.changed_by).await?;
    let page = RecordPage {
        nav: Some(Nav::of(browser, "staff")),
        csrf: browser.csrf.clone(),
        record: line(&record, by),
        history,
        problem,
    };
    Ok(html(status, &page))
}

/// `GET /staff/records/{number}`.
pub async fn record<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let by = require_staff(&state, &browser).await?;
    record_page(&state, &browser, &by, &number, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    date: String,
}

/// `POST /staff/records/{number}`: lapse (a valid-through date) or revoke (a revocation date).
pub async fn end<S: Store>(
    State(state): State<AppState<S>>,
    Path(number): Path<String>,
    CheckedForm(browser, form): CheckedForm<EndForm>,
) -> Result<Response, PageError> {
    let by = require_staff(&state, &browser).await?;
    let field = if form.action == "revoke" { "revoked_on" } else { "valid_through" };
    let result = match Date::parse_field(form.date.trim(), field) {
        Err(e) => Err(AppError::invalid(field, e.message())),
        Ok(day) => {
            let (through, revoked) = if form.action == "revoke" { (None, Some(day)) } else { (Some(day), None) };
            let source = if form.action == "revoke" { "revoked in the portal" } else { "lapsed in the portal" };
            set_end(&state.store, &by, &number, through, revoked, source).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(see(&format!("/staff/records/{number}"))),
        Err(AppError::Invalid { field, message }) => {
            record_page(
                &state,
                &browser,
                &by,
                &number,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    nav: Option<Nav>,
    csrf: String,
    csv: String,
    bad: Vec<RowError>,
    ready: Vec<RecordLine>,
    done: Option<String>,
    problem: Option<String>,
}

impl ImportPage {
    /// The form with nothing read yet.
    fn empty(browser: &super::Browser) -> ImportPage {
        ImportPage {
            nav: Some(Nav::of(browser, "staff")),
            csrf: browser.csrf.clone(),
            csv: String::new(),
            bad: Vec::new(),
            ready: Vec::new(),
            done: None,
            problem: None,
        }
    }
}

/// `GET /staff/import`.
pub async fn import_page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
) -> Result<Response, PageError> {
    require_staff(&state, &browser).await?;
    let page = ImportPage::empty(&browser);
    Ok(html(StatusCode::OK, &page))
}

/// `POST /staff/import`: `preview` reads the file and lists every bad row, or what would be
/// written; `import` writes it (everything or nothing, as the API's import).
pub async fn import<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let by = require_staff(&state, &browser).await?;
    let (mut csrf, mut action, mut csv) = (String::new(), String::new(), String::new());
    while let Some(field) =
        form.next_field().await.map_err(|e| AppError::invalid("file", format!("the upload did not read: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| AppError::invalid("file", format!("did not read: {e}")))?;
        let text =
            || String::from_utf8(bytes.to_vec()).map_err(|_| AppError::invalid("file", "the CSV is not UTF-8 text"));
        match name.as_str() {
            "csrf" => csrf = text()?,
            "action" => action = text()?,
            "file" if !bytes.is_empty() => csv = text()?,
            "csv" if csv.is_empty() => csv = text()?,
            _ => {}
        }
    }
    browser.check(&csrf)?;
    let mut page = ImportPage::empty(&browser);
    if csv.trim().is_empty() {
        page.problem = Some("Choose the registry CSV file.".into());
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if csv.len() > MAX_IMPORT_BYTES {
        page.problem = Some(format!("The file is {} bytes; the limit is {MAX_IMPORT_BYTES}.", csv.len()));
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if action == "import" {
        return Ok(match import_csv(&state.store, &by, &csv, "portal import").await? {
            Ok(result) => {
                page.done = Some(format!(
                    "Imported: {} new, {} updated, {} unchanged.",
                    result.inserted, result.updated, result.unchanged
                ));
                html(StatusCode::OK, &page)
            }
            Err(rows) => {
                page.bad = rows;
                html(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
        });
    }
    let text = csv.clone();
    let parsed = rsc_service::blocking("previewing a registry CSV", move || {
        rsc_service::registry::parse_csv(&text, "preview", "preview", rsc_service::clock::now_ms())
    })
    .await?;
    match parsed {
        Ok(mut records) => {
            let refused = rsc_service::registry::refused_rows(&state.store, &by, &mut records).await?;
            if !refused.is_empty() {
                page.bad = refused;
                return Ok(html(StatusCode::OK, &page));
            }
            page.ready = records.iter().map(|r| line(r, String::new())).collect();
            page.csv = csv;
            Ok(html(StatusCode::OK, &page))
        }
        // A preview that finds problems did its job: it is not a failed request.
        Err(rows) => {
            page.bad = rows;
            Ok(html(StatusCode::OK, &page))
        }
    }
}

/// Staff land on the claims queue.
pub async fn home<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
) -> Result<Response, PageError> {
    require_staff(&state, &browser).await?;
    Ok(see("/staff/claims"))
}

form_token!(EndForm);
