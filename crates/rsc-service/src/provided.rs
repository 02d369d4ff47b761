//! The RS/C a provider gave, per calendar year, from the attendances she confirmed: as data for
//! the API, the portal and the command line, and as a PDF. Supervisees are counted, never named.

use rsc_model::{GivenSession, Id, ProvidedYear, provided_by_year};

use crate::AppError;
use crate::clock::now_ms;
use crate::store::{Store, UserRecord};

/// The years `user` gave RS/C in, oldest first.
pub async fn years<S: Store>(store: &S, user: &UserRecord) -> Result<Vec<ProvidedYear>, AppError> {
    let rows = store.confirmed_by_provider(&user.id).await?;
    let mut sessions: Vec<GivenSession> = Vec::new();
    for row in rows {
        let attendee = Id::new(row.attendance.attendee_id.as_str(), "attendee")?;
        match sessions.last_mut() {
            Some(last) if last.id.as_str() == row.session.id.as_str() => last.supervisees.push(attendee),
            _ => sessions.push(GivenSession {
                id: Id::new(row.session.id.as_str(), "session")?,
                date: row.session.date,
                kind: row.session.kind,
                minutes: rsc_model::Minutes::new(i64::from(row.session.minutes), "minutes")?,
                supervisees: vec![attendee],
            }),
        }
    }
    Ok(provided_by_year(&sessions))
}

/// Her endorsements as the report names them: "IMHM-C CT-1042 (CT-AIMH)".
async fn endorsements<S: Store>(store: &S, user: &UserRecord) -> Result<Vec<String>, AppError> {
    Ok(store
        .approved_records(&user.id)
        .await?
        .into_iter()
        .map(|r| format!("{} {} ({})", r.credential, r.number, r.association))
        .collect())
}

/// The report as a PDF, made now by the server at `base`.
pub async fn pdf<S: Store>(store: &S, user: &UserRecord, base: &str) -> Result<Vec<u8>, AppError> {
    let years = years(store, user).await?;
    let endorsements = endorsements(store, user).await?;
    let made_on =
        rsc_model::Date::from_unix_millis(now_ms()).ok_or_else(|| AppError::internal("the clock is out of range"))?;
    let (provider, server) = (user.display_name.clone(), base.to_string());
    crate::blocking("drawing the RS/C provided PDF", move || {
        let report = rsc_export::pdf::provided::ProvidedReport {
            provider: &provider,
            endorsements: &endorsements,
            years: &years,
            made_on,
            server: &server,
        };
        rsc_export::pdf::provided::render(&report, rsc_export::pdf::Paper::default())
    })
    .await?
    .map_err(AppError::from)
}

/// The PDF going out, as a download.
pub struct ProvidedPdf(pub Vec<u8>);

impl axum::response::IntoResponse for ProvidedPdf {
    fn into_response(self) -> axum::response::Response {
        use axum::http::header;
        (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"rsc-provided.pdf\""),
            ],
            self.0,
        )
            .into_response()
    }
}
