//! The person's training log on this device: trainings added, edited and removed offline, each
//! its own document, sent to the server by the next sync like a session's changes.
//!
//! Trainings are self-reported: nobody confirms them, and every view says so.

use rsc_doc::{TrainingDoc, TrainingFields};
use rsc_model::{Date, Id, TrainingTopic};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::ClientError;
use crate::logbook::{Logbook, now_ms};
use crate::store;

/// A training as the logbook shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingView {
    /// Its id.
    pub id: Id,
    /// Its title.
    pub title: String,
    /// Who gave it (may be empty).
    pub organiser: String,
    /// When.
    pub date: Date,
    /// How long, in minutes.
    pub minutes: u32,
    /// Its primary topic.
    pub topic: TrainingTopic,
    /// The SHA-256 of its certificate file, if one is kept.
    pub certificate: Option<String>,
    /// Removed: kept in the history, counted nowhere, listed nowhere.
    pub withdrawn: bool,
    /// Whether changes made here have not reached the server yet.
    #[serde(default)]
    pub unsynced: bool,
}

impl TrainingView {
    fn of(training: rsc_doc::Training) -> TrainingView {
        let f = training.fields;
        TrainingView {
            id: training.id,
            title: f.title,
            organiser: f.organiser,
            date: f.date,
            minutes: f.minutes,
            topic: f.topic,
            certificate: f.certificate,
            withdrawn: training.withdrawn,
            unsynced: false,
        }
    }

    /// What the dossier counts of it.
    pub fn dossier_training(&self) -> rsc_model::DossierTraining {
        rsc_model::DossierTraining { id: self.id.clone(), date: self.date, minutes: self.minutes, topic: self.topic }
    }
}

/// Saves a training's document with its view, queueing the changes made since `before`.
pub(crate) fn save(
    conn: &rusqlite::Connection,
    mut doc: TrainingDoc,
    before: &[rsc_doc::ChangeHash],
) -> Result<TrainingView, ClientError> {
    let training = doc.training()?;
    let changes = doc.changes_since(before);
    let mut view = TrainingView::of(training);
    store::put_training(conn, view.id.as_str(), &doc.save(), &serde_json::to_string(&view)?, &view.date.to_string())?;
    store::add_pending_of(conn, "training", view.id.as_str(), &changes)?;
    view.unsynced = !changes.is_empty();
    Ok(view)
}

/// Keeps a training pulled from the server (its changes are the server's, so nothing is queued).
pub(crate) fn keep(conn: &rusqlite::Connection, mut doc: TrainingDoc) -> Result<TrainingView, ClientError> {
    let view = TrainingView::of(doc.training()?);
    store::put_training(conn, view.id.as_str(), &doc.save(), &serde_json::to_string(&view)?, &view.date.to_string())?;
    Ok(view)
}

impl Logbook {
    /// Adds a training to the log (offline). Returns it as the log shows it.
    pub fn add_training(&self, fields: TrainingFields) -> Result<TrainingView, ClientError> {
        let account = self.require_account()?;
        let me = Id::new(account.user_id.as_str(), "user")?;
        let mut store = self.store();
        let (_, actor) = store::device(store.conn())?;
        let id = Id::fresh(*uuid::Uuid::new_v4().as_bytes(), now_ms());
        let doc = TrainingDoc::create(actor, id, me, fields.clone())?;
        let today = crate::today().ok_or_else(|| ClientError::invalid("date", "the clock is out of range"))?;
        rsc_doc::rules::check_date(fields.date, today)?;
        store.write(|tx| save(tx, doc, &[]))
    }

    /// Keeps a certificate file on this device (the next sync uploads it) and returns its
    /// SHA-256, for a training's `certificate`. Its type is read from its content: a PDF, PNG or
    /// JPEG of at most 10 MB.
    pub fn keep_certificate(&self, file_name: &str, bytes: &[u8]) -> Result<String, ClientError> {
        if bytes.is_empty() {
            return Err(ClientError::invalid("certificate", "the file is empty"));
        }
        if bytes.len() > rsc_protocol::MAX_CERTIFICATE_BYTES {
            return Err(ClientError::invalid(
                "certificate",
                format!("the file is {} bytes; a certificate is at most 10 MB", bytes.len()),
            ));
        }
        let media_type = rsc_protocol::certificate_media_type(bytes).ok_or_else(|| {
            ClientError::invalid(
                "certificate",
                "the file is not a PDF, PNG or JPEG (its content was read, not its name)",
            )
        })?;
        let digest = hex::encode(sha2::Sha256::digest(bytes));
        let name =
            std::path::Path::new(file_name).file_name().and_then(|n| n.to_str()).unwrap_or("certificate").to_string();
        self.store().write(|tx| store::put_certificate(tx, &digest, &name, media_type, bytes))?;
        Ok(digest)
    }

    /// A certificate file kept on this device: its name, type and bytes.
    pub fn certificate(&self, digest: &str) -> Result<(String, String, Vec<u8>), ClientError> {
        store::certificate(self.store().conn(), digest)?
            .ok_or_else(|| ClientError::NotFound(format!("no certificate {digest} on this device")))
    }

    /// Changes what a training says.
    pub fn edit_training(&self, id: &str, fields: TrainingFields) -> Result<TrainingView, ClientError> {
        let date = fields.date;
        self.modify_training(id, |doc, me| {
            if doc.training()?.fields.date != date {
                let today = crate::today().ok_or_else(|| ClientError::invalid("date", "the clock is out of range"))?;
                rsc_doc::rules::check_date(date, today)?;
            }
            Ok(doc.edit(me, fields)?)
        })
    }

    /// Removes a training: it stays in the history, counts nothing and is listed nowhere.
    pub fn remove_training(&self, id: &str) -> Result<TrainingView, ClientError> {
        self.modify_training(id, |doc, me| Ok(doc.set_withdrawn(me, true)?))
    }

    /// The trainings in the log (not removed), by date.
    pub fn trainings(&self) -> Result<Vec<TrainingView>, ClientError> {
        let store = self.store();
        let mut views = Vec::new();
        for (json, unsynced) in store::training_views(store.conn())? {
            let mut view: TrainingView = serde_json::from_str(&json)?;
            if !view.withdrawn {
                view.unsynced = unsynced;
                views.push(view);
            }
        }
        Ok(views)
    }

    /// One training, by its id or the start of it (as lists show it), or by its exact title.
    pub fn training(&self, id: &str) -> Result<TrainingView, ClientError> {
        let wanted = id.trim();
        let all = self.trainings()?;
        let by_id: Vec<&TrainingView> =
            all.iter().filter(|t| wanted.len() >= crate::MIN_ID_PREFIX && t.id.as_str().starts_with(wanted)).collect();
        let found: Vec<&TrainingView> = if by_id.is_empty() {
            all.iter().filter(|t| t.title.eq_ignore_ascii_case(wanted)).collect()
        } else {
            by_id
        };
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(ClientError::NotFound(format!(
                "no training `{wanted}` in your log; `rsc training list` shows them"
            ))),
            many => Err(ClientError::invalid(
                "training",
                format!(
                    "`{wanted}` matches {} trainings ({}); give more of the id",
                    many.len(),
                    many.iter().map(|t| format!("{} on {}", t.title, t.date)).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    fn modify_training(
        &self,
        id: &str,
        change: impl FnOnce(&mut TrainingDoc, &Id) -> Result<(), ClientError>,
    ) -> Result<TrainingView, ClientError> {
        let account = self.require_account()?;
        let me = Id::new(account.user_id.as_str(), "user")?;
        let id = self.training(id)?.id;
        let mut store = self.store();
        let (_, actor) = store::device(store.conn())?;
        let (bytes, _) = store::training(store.conn(), id.as_str())?
            .ok_or_else(|| ClientError::NotFound(format!("no training `{id}` on this device")))?;
        let mut doc = TrainingDoc::load_as(&bytes, actor)?;
        let before = doc.heads();
        change(&mut doc, &me)?;
        store.write(|tx| save(tx, doc, &before))
    }
}
