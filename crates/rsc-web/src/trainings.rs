//! The training log in the browser: her trainings with their hours by topic (self-reported, and
//! the page says so), adding one with its certificate file, changing and removing one. Each
//! write goes into the training's document as this browser's device, through the sync's checks.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsc_doc::{ActorId, TrainingDoc, TrainingFields};
use rsc_model::{Date, Id, MAX_TRAINING_MINUTES, TrainingTopic};
use rsc_protocol::DocPush;
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{Browser, FieldErrors, Nav, PageError, SignedIn, doc_error, html, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::store::{Store, UserId};

/// One training as the list shows it.
pub struct Row {
    pub id: String,
    pub date: String,
    pub title: String,
    pub organiser: String,
    pub topic: &'static str,
    pub hours: String,
    pub certificate: Option<String>,
}

/// What the form holds (as typed, so a refused form comes back as it was).
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub title: String,
    pub organiser: String,
    pub date: String,
    pub hours: String,
    pub minutes: String,
    pub topic: String,
    /// The training being changed; empty when adding one.
    pub training: String,
    /// The changed training's certificate, kept unless a new file is chosen.
    pub certificate: Option<String>,
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct TrainingsPage {
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<Row>,
    totals: Vec<(&'static str, String)>,
    total: String,
    form: Values,
    errors: FieldErrors,
    done: Option<String>,
    topics: Vec<(&'static str, &'static str)>,
    max_hours: u32,
}

impl TrainingsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// A topic as a person says it.
fn topic_words(topic: TrainingTopic) -> &'static str {
    match topic {
        TrainingTopic::Imh => "Infant mental health",
        TrainingTopic::Rsc => "Providing RS/C",
        TrainingTopic::Dei => "Diversity, equity and inclusion",
    }
}

const TOPICS: [TrainingTopic; 3] = [TrainingTopic::Imh, TrainingTopic::Rsc, TrainingTopic::Dei];

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
    /// The training to change, filled into the form.
    #[serde(default)]
    change: Option<String>,
}

/// `GET /trainings`.
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let done = match query.done.as_deref() {
        Some("added") => Some("Training added.".to_string()),
        Some("changed") => Some("Training changed.".to_string()),
        Some("removed") => Some("Training removed; it counts nothing.".to_string()),
        _ => None,
    };
    let mut form = Values::default();
    if let Some(id) = query.change.as_deref() {
        let actor = ActorId::from(browser.auth.device.actor_id.clone());
        let me = UserId::from(browser.auth.user.id.as_str());
        let doc = rsc_service::trainings::own_doc(&state.store, &me, id, actor).await?;
        let training = doc
            .ok_or_else(|| AppError::NotFound("You have no such training.".into()))?
            .training()
            .map_err(AppError::from)?;
        let f = training.fields;
        form = Values {
            title: f.title,
            organiser: f.organiser,
            date: f.date.to_string(),
            hours: (f.minutes / 60).to_string(),
            minutes: (f.minutes % 60).to_string(),
            topic: f.topic.as_str().to_string(),
            training: training.id.to_string(),
            certificate: f.certificate,
        };
    }
    page(&state, &browser, StatusCode::OK, form, FieldErrors::default(), done).await
}

async fn page<S: Store>(
    state: &AppState<S>,
    browser: &Browser,
    status: StatusCode,
    form: Values,
    errors: FieldErrors,
    done: Option<String>,
) -> Result<Response, PageError> {
    let me = UserId::from(browser.auth.user.id.as_str());
    let trainings = rsc_service::trainings::of(&state.store, &me).await?;
    let hours = |minutes: u64| rsc_rules::format_hours(minutes);
    let mut rows: Vec<Row> = trainings
        .iter()
        .map(|t| Row {
            id: t.id.clone(),
            date: t.date.to_string(),
            title: t.title.clone(),
            organiser: t.organiser.clone(),
            topic: topic_words(t.topic),
            hours: hours(t.minutes.max(0) as u64),
            certificate: t.certificate.clone(),
        })
        .collect();
    rows.reverse();
    let totals = TOPICS
        .iter()
        .map(|topic| {
            let minutes: u64 = trainings.iter().filter(|t| t.topic == *topic).map(|t| t.minutes.max(0) as u64).sum();
            (topic_words(*topic), hours(minutes))
        })
        .collect();
    let total = hours(trainings.iter().map(|t| t.minutes.max(0) as u64).sum());
    let page = TrainingsPage {
        nav: Some(Nav::of(browser, "trainings")),
        csrf: browser.csrf.clone(),
        rows,
        totals,
        total,
        form,
        errors,
        done,
        topics: TOPICS.iter().map(|t| (t.as_str(), topic_words(*t))).collect(),
        max_hours: MAX_TRAINING_MINUTES / 60,
    };
    Ok(html(status, &page))
}

/// A multipart form read whole: its text fields, and the certificate file if one was chosen.
struct Posted {
    values: Values,
    csrf: String,
    file: Option<(String, Vec<u8>)>,
}

async fn read_posted(mut form: Multipart) -> Result<Posted, AppError> {
    let mut posted = Posted { values: Values::default(), csrf: String::new(), file: None };
    while let Some(field) =
        form.next_field().await.map_err(|e| AppError::invalid("certificate", format!("the form did not read: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| AppError::invalid("certificate", format!("did not read: {e}")))?;
        if name == "certificate" {
            if !bytes.is_empty() {
                posted.file = Some((file_name.unwrap_or_default(), bytes.to_vec()));
            }
            continue;
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| AppError::invalid(name.clone(), "is not text"))?;
        let v = &mut posted.values;
        match name.as_str() {
            "csrf" => posted.csrf = text,
            "title" => v.title = text,
            "organiser" => v.organiser = text,
            "date" => v.date = text,
            "hours" => v.hours = text,
            "minutes" => v.minutes = text,
            "topic" => v.topic = text,
            "training" => v.training = text,
            _ => {}
        }
    }
    Ok(posted)
}

/// The fields as typed, checked; every problem beside its field.
fn read_values(v: &Values) -> Result<TrainingFields, FieldErrors> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: String| errors.push((field.to_string(), message));
    let title = v.title.trim().to_string();
    if title.is_empty() {
        problem("title", "Give the training's title, as on its certificate.".into());
    }
    let date = match Date::parse_field(v.date.trim(), "date") {
        Ok(date) => Some(date),
        Err(_) => {
            problem("date", "Give the day it took place (the last day, for one over several days).".into());
            None
        }
    };
    let number = |text: &str| if text.trim().is_empty() { Some(0) } else { text.trim().parse::<u32>().ok() };
    let minutes = match (number(&v.hours), number(&v.minutes)) {
        (Some(h), Some(m))
            if m < 60 && h <= MAX_TRAINING_MINUTES / 60 && (1..=MAX_TRAINING_MINUTES).contains(&(h * 60 + m)) =>
        {
            Some(h * 60 + m)
        }
        _ => {
            problem(
                "length",
                format!(
                    "Give its length in clock hours and minutes: at least 1 minute, at most {} hours.",
                    MAX_TRAINING_MINUTES / 60
                ),
            );
            None
        }
    };
    let topic = match v.topic.parse::<TrainingTopic>() {
        Ok(topic) => Some(topic),
        Err(_) => {
            problem("topic", "Choose its primary topic.".into());
            None
        }
    };
    match (date, minutes, topic) {
        (Some(date), Some(minutes), Some(topic)) if errors.is_empty() => Ok(TrainingFields {
            title,
            organiser: v.organiser.trim().to_string(),
            date,
            minutes,
            topic,
            certificate: v.certificate.clone(),
        }),
        _ => Err(FieldErrors(errors)),
    }
}

/// The problem a write met, beside the field it names (the form's top otherwise).
fn beside(error: AppError) -> Result<FieldErrors, PageError> {
    match error {
        AppError::Invalid { field, message } => {
            let field = match field.as_str() {
                "title" | "organiser" | "date" | "topic" | "certificate" => field,
                "minutes" => "length".into(),
                _ => "form".into(),
            };
            Ok(FieldErrors::one(field, message))
        }
        AppError::TooLarge(message) => Ok(FieldErrors::one("certificate", message)),
        other => Err(other.into()),
    }
}

async fn push_doc<S: Store>(
    state: &AppState<S>,
    browser: &Browser,
    id: &str,
    doc: &mut TrainingDoc,
    before: &[rsc_doc::ChangeHash],
) -> Result<(), AppError> {
    let changes = doc.changes_since(before).into_iter().map(rsc_protocol::Bytes).collect();
    let push = DocPush { doc: id.to_string(), changes };
    match rsc_service::trainings::push_one(&state.store, &browser.auth, &push).await? {
        Ok(_) => Ok(()),
        Err(refusal) => Err(AppError::invalid(refusal.field.unwrap_or_else(|| "form".into()), refusal.message)),
    }
}

/// `POST /trainings`: adds a training, or (with `training`) changes one, with its certificate
/// file when one is chosen.
pub async fn save<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    form: Multipart,
) -> Result<Response, PageError> {
    let Posted { mut values, csrf, file } = read_posted(form).await?;
    browser.check(&csrf)?;
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let actor = ActorId::from(browser.auth.device.actor_id.clone());
    let existing = if values.training.trim().is_empty() {
        None
    } else {
        let doc =
            rsc_service::trainings::own_doc(&state.store, &UserId::from(me.as_str()), &values.training, actor.clone())
                .await?
                .ok_or_else(|| AppError::NotFound("You have no such training.".into()))?;
        values.certificate = doc.training().map_err(AppError::from)?.fields.certificate;
        Some(doc)
    };
    let mut fields = match read_values(&values) {
        Ok(fields) => fields,
        Err(errors) => return page(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, values, errors, None).await,
    };
    if let Some((name, bytes)) = file {
        match rsc_service::certificates::upload(&state.store, &browser.auth.user, &name, &bytes).await {
            Ok(kept) => fields.certificate = Some(kept.digest),
            Err(error) => {
                let errors = beside(error)?;
                return page(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, values, errors, None).await;
            }
        }
    }
    let (result, done) = match existing {
        Some(mut doc) => {
            let before = doc.heads();
            let edited = doc.edit(&me, fields).map_err(doc_error);
            let id = values.training.trim().to_string();
            (
                match edited {
                    Ok(()) => push_doc(&state, &browser, &id, &mut doc, &before).await,
                    Err(e) => Err(e),
                },
                "changed",
            )
        }
        None => {
            let id = rsc_service::clock::new_id();
            (
                match TrainingDoc::create(actor, id.clone(), me, fields).map_err(doc_error) {
                    Ok(mut doc) => push_doc(&state, &browser, id.as_str(), &mut doc, &[]).await,
                    Err(e) => Err(e),
                },
                "added",
            )
        }
    };
    match result {
        Ok(()) => Ok(see(&format!("/trainings?done={done}"))),
        Err(error) => {
            let errors = beside(error)?;
            page(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, values, errors, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    training: String,
}
form_token!(RemoveForm);

/// `POST /trainings/remove`: removes a training (it counts nothing from then on).
pub async fn remove<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<RemoveForm>,
) -> Result<Response, PageError> {
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let actor = ActorId::from(browser.auth.device.actor_id.clone());
    let mut doc = rsc_service::trainings::own_doc(&state.store, &UserId::from(me.as_str()), &form.training, actor)
        .await?
        .ok_or_else(|| AppError::NotFound("You have no such training.".into()))?;
    let before = doc.heads();
    doc.set_withdrawn(&me, true).map_err(doc_error)?;
    push_doc(&state, &browser, form.training.trim(), &mut doc, &before).await?;
    Ok(see("/trainings?done=removed"))
}

/// `GET /trainings/certificate/{digest}`: one of her certificate files, as a download.
pub async fn certificate<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Path(digest): Path<String>,
) -> Result<Response, PageError> {
    let (certificate, bytes) = rsc_service::certificates::file(&state.store, &browser.auth.user, &digest).await?;
    Ok(rsc_service::certificates::CertificateDownload { certificate, bytes }.into_response())
}
