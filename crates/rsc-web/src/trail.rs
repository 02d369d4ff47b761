//! The audit trail in the browser: what staff and the operator did, newest first, narrowed by
//! record, person, action or association, and downloaded as CSV. Staff read their own
//! associations' lines; the operator reads every line.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsc_model::AuditAction;
use serde::Deserialize;

use super::{Nav, PageError, SignedIn, html, require_staff};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::staff::{TrailFilter, trail, trail_csv};
use rsc_service::store::Store;

/// The most lines the page shows; the CSV has them all.
const SHOWN: usize = 500;

/// A line as the page shows it.
pub struct Line {
    pub when: String,
    pub who: String,
    pub association: String,
    pub what: &'static str,
    pub subject: String,
    pub person: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "trail.html")]
struct TrailPage {
    nav: Option<Nav>,
    lines: Vec<Line>,
    total: usize,
    query: TrailQuery,
    actions: Vec<(&'static str, &'static str)>,
    associations: Vec<String>,
    operator: bool,
    csv_link: String,
}

/// The filters, as the form sends them (empty: any).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct TrailQuery {
    #[serde(default)]
    pub record: String,
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub association: String,
    #[serde(default)]
    pub format: String,
}

impl TrailQuery {
    fn filter(&self) -> Result<TrailFilter, AppError> {
        let some = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        let action = match some(&self.action) {
            Some(text) => Some(text.parse::<AuditAction>().map_err(|e| AppError::invalid("action", e.message()))?),
            None => None,
        };
        Ok(TrailFilter {
            subject: some(&self.record),
            person: some(&self.person),
            action,
            association: some(&self.association),
        })
    }

    /// The same filters, as a link's query.
    fn link(&self, format: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("record", &self.record),
            ("person", &self.person),
            ("action", &self.action),
            ("association", &self.association),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        query.append_pair("format", format);
        format!("/staff/trail?{}", query.finish())
    }
}

/// `GET /staff/trail?record=&person=&action=&association=&format=csv`.
pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(query): Query<TrailQuery>,
) -> Result<Response, PageError> {
    let by = require_staff(&state, &browser).await?;
    let lines = trail(&state.store, &by, &query.filter()?).await?;
    if query.format == "csv" {
        let csv = trail_csv(&lines)?;
        return Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-trail.csv\""),
            ],
            csv,
        )
            .into_response());
    }
    let associations = match by.associations() {
        Some(mine) => mine.to_vec(),
        None => state.store.associations().await?.into_iter().map(|a| a.id).collect(),
    };
    let total = lines.len();
    let shown = lines
        .into_iter()
        .take(SHOWN)
        .map(|l| {
            Line {
                when: format!("{} UTC", rsc_service::clock::utc_minute(l.at_ms)),
                who: l.who,
                association: l.association.unwrap_or_default(),
                what: l.action.words(),
                // A file imported from the command line is named by its path; its name says enough.
                subject: match l.action {
                    AuditAction::Import => l.subject.rsplit('/').next().unwrap_or_default().to_string(),
                    _ => l.subject,
                },
                person: l.person.unwrap_or_default(),
                detail: l.detail,
            }
        })
        .collect();
    let page = TrailPage {
        nav: Some(Nav::of(&browser, "staff")),
        lines: shown,
        total,
        csv_link: query.link("csv"),
        query,
        actions: AuditAction::ALL.iter().map(|a| (a.as_str(), a.words())).collect(),
        associations,
        operator: by.is_operator(),
    };
    Ok(html(StatusCode::OK, &page))
}
