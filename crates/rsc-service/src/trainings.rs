//! Trainings: the push of a person's own training documents within a sync, and her trainings
//! as the server reads them.
//!
//! A training is written only by its owner. The server checks that on the merged document
//! ([`TrainingDoc::apply_pushed`]): a push to someone else's training, or one naming someone
//! else as its owner, is refused with the answer an unknown id gets, and nothing of it is
//! stored. Sessions and trainings never mix: a push of one kind to a document of the other is
//! refused the same way.

use std::collections::{HashMap, HashSet};

use automerge::Change;
use rsc_doc::{DocError, TrainingDoc};
use rsc_model::Id;
use rsc_protocol::{DocAck, DocPush, DocRefusal, RefusalCode};

use crate::AppError;
use crate::auth::AuthDevice;
use crate::clock::now_ms;
use crate::pushed::{decode, doc_refusal, refusal, too_large, unstored};
use crate::store::{DocId, DocKind, Store, StoredDoc, TrainingCommit, TrainingRow, UserId};

/// How often a training's write is prepared again after losing a race (her two devices at once).
const MAX_ATTEMPTS: usize = 32;

/// The one answer for "no such training" and "not a training of yours".
fn not_hers(doc: &str) -> DocRefusal {
    refusal(doc, RefusalCode::NotParticipant, "no training of yours has this id", None)
}

/// Pushes `device`'s training changes: each document merged and checked, all written in one
/// transaction, and any that lost a race prepared and written again on its own.
pub(crate) async fn push<S: Store>(
    store: &S,
    device: &AuthDevice,
    pushes: &[DocPush],
) -> Result<(Vec<DocAck>, Vec<DocRefusal>), AppError> {
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    let mut pending: Vec<&DocPush> = pushes.iter().collect();
    for _ in 0..MAX_ATTEMPTS {
        if pending.is_empty() {
            return Ok((accepted, refused));
        }
        let mut commits = Vec::new();
        let mut acks = Vec::new();
        let mut written = Vec::new();
        let mut outcomes = prepare(store, device, &pending).await?;
        refuse_unknown_certificates(store, device, &mut outcomes).await?;
        for (push, outcome) in pending.iter().zip(outcomes) {
            match outcome {
                Ok(Prepared::Stored(ack)) => accepted.push(ack),
                Ok(Prepared::Write(commit, ack)) => {
                    commits.push(*commit);
                    acks.push(ack);
                    written.push(*push);
                }
                Err(refusal) => refused.push(refusal),
            }
        }
        let lost = if commits.is_empty() { Vec::new() } else { store.commit_trainings(&commits).await?.lost };
        let mut again = Vec::new();
        for (i, (ack, push)) in acks.into_iter().zip(written).enumerate() {
            if lost.binary_search(&i).is_ok() {
                again.push(push);
            } else {
                accepted.push(ack);
            }
        }
        pending = again;
    }
    match pending.first() {
        None => Ok((accepted, refused)),
        Some(push) => {
            Err(AppError::Unavailable(format!("training {} is being written by many devices at once; retry", push.doc)))
        }
    }
}

/// A training may name only a certificate its owner keeps here (she uploads the file before
/// the training that names it): an export never lists a digest nobody can show.
async fn refuse_unknown_certificates<S: Store>(
    store: &S,
    device: &AuthDevice,
    outcomes: &mut [Result<Prepared, DocRefusal>],
) -> Result<(), AppError> {
    let named = |outcome: &Result<Prepared, DocRefusal>| match outcome {
        Ok(Prepared::Write(commit, _)) => commit.training.certificate.clone(),
        _ => None,
    };
    if !outcomes.iter().any(|o| named(o).is_some()) {
        return Ok(());
    }
    let kept: HashSet<String> = store.certificates_of(&device.user.id).await?.into_iter().map(|c| c.digest).collect();
    for outcome in outcomes.iter_mut() {
        if let Some(digest) = named(outcome)
            && !kept.contains(&digest)
            && let Ok(Prepared::Write(commit, _)) = outcome
        {
            *outcome = Err(refusal(
                &commit.doc_id,
                RefusalCode::InvalidSession,
                "names a certificate file this server does not have from you; upload the file, then sync again",
                Some("certificate"),
            ));
        }
    }
    Ok(())
}

enum Prepared {
    /// Everything pushed is stored already (a retried push).
    Stored(DocAck),
    /// This update, acknowledged with this ack once committed.
    Write(Box<TrainingCommit>, DocAck),
}

/// Reads the stored documents, then merges each push on a blocking thread.
async fn prepare<S: Store>(
    store: &S,
    device: &AuthDevice,
    pushes: &[&DocPush],
) -> Result<Vec<Result<Prepared, DocRefusal>>, AppError> {
    let ids: Vec<DocId> = pushes.iter().map(|p| DocId::from(p.doc.as_str())).collect();
    let stored: HashMap<String, StoredDoc> = store.documents(&ids).await?.into_iter().collect();
    let sessions: Vec<DocId> =
        stored.iter().filter(|(_, d)| d.kind == DocKind::Training).map(|(id, _)| DocId::from(id.as_str())).collect();
    let mut owners: HashMap<String, String> = HashMap::new();
    for (doc, user) in store.participants_of(&sessions).await? {
        owners.insert(doc, user);
    }
    let user = Id::new(device.user.id.as_str(), "user")?;
    let mut jobs = Vec::new();
    for push in pushes {
        let job = match decode(device, push) {
            Err(refusal) => Err(refusal),
            Ok(changes) => match stored.get(&push.doc) {
                // Someone else's training, or a session: as if no training had this id.
                Some(doc) if doc.kind != DocKind::Training || owners.get(&push.doc) != Some(&user.to_string()) => {
                    Err(not_hers(&push.doc))
                }
                doc => Ok((push.doc.clone(), doc.cloned(), changes)),
            },
        };
        jobs.push(job);
    }
    let (device_id, now) = (device.device.id.to_string(), now_ms());
    crate::blocking("merging pushed trainings", move || {
        jobs.into_iter()
            .map(|job| {
                let (doc_id, stored, changes) = job?;
                merge(&doc_id, stored, &changes, &user, &device_id, now)
            })
            .collect()
    })
    .await
}

/// Applies the pushed changes to the stored document (or an empty one) through
/// [`TrainingDoc::apply_pushed`], and builds the write.
fn merge(
    doc_id: &str,
    stored: Option<StoredDoc>,
    changes: &[Change],
    user: &Id,
    device_id: &str,
    now: i64,
) -> Result<Prepared, DocRefusal> {
    let (mut doc, expected_version, expanded_before) = match &stored {
        Some(stored) => {
            let doc =
                TrainingDoc::load(&stored.bytes).map_err(|e| refusal(doc_id, RefusalCode::InvalidSession, e, None))?;
            (doc, Some(stored.version), stored.expanded_bytes)
        }
        None => (TrainingDoc::empty(), None, 0),
    };
    let (new, expanded) = unstored(changes, |hash| doc.contains_change(hash), expanded_before);
    let heads = |doc: &mut TrainingDoc| doc.heads().iter().map(|h| h.to_string()).collect::<Vec<_>>();
    if new.is_empty() && expected_version.is_some() {
        return Ok(Prepared::Stored(DocAck { doc: doc_id.to_string(), heads: heads(&mut doc), new_changes: 0 }));
    }
    if let Some(refused) = too_large(doc_id, expanded) {
        return Err(refused);
    }
    let (_, training) = doc.apply_pushed(changes, user, now).map_err(|error| match error {
        // Changes that build on a training the server does not hold: as someone else's.
        DocError::MissingDependency(_) if expected_version.is_none() => not_hers(doc_id),
        // A change by someone who is not its owner: as someone else's, telling nothing.
        DocError::NotAllowed(_) if expected_version.is_none() => not_hers(doc_id),
        error => doc_refusal(doc_id, error),
    })?;
    if training.id.as_str() != doc_id {
        return Err(refusal(
            doc_id,
            RefusalCode::InvalidSession,
            format!("the document describes training {}, not {doc_id}", training.id),
            Some("id"),
        ));
    }
    let row = TrainingRow {
        id: doc_id.to_string(),
        owner_id: training.owner.to_string(),
        title: training.fields.title,
        organiser: training.fields.organiser,
        date: training.fields.date,
        minutes: training.fields.minutes as i32,
        topic: training.fields.topic,
        certificate: training.fields.certificate,
        withdrawn: training.withdrawn,
    };
    let ack = DocAck { doc: doc_id.to_string(), heads: heads(&mut doc), new_changes: new.len() as u32 };
    let commit = TrainingCommit {
        doc_id: doc_id.to_string(),
        expected_version,
        new_changes: new,
        device_id: device_id.to_string(),
        expanded_bytes: expanded,
        training: row,
    };
    Ok(Prepared::Write(Box::new(commit), ack))
}

/// A person's trainings that count (not removed), by date.
pub async fn of<S: Store>(store: &S, user: &UserId) -> Result<Vec<TrainingRow>, AppError> {
    Ok(store.trainings_of(user).await?.into_iter().filter(|t| !t.withdrawn).collect())
}

/// What the dossier counts of a training.
pub fn dossier_training(row: &TrainingRow) -> Result<rsc_model::DossierTraining, AppError> {
    Ok(rsc_model::DossierTraining {
        id: Id::new(row.id.as_str(), "training")?,
        date: row.date,
        minutes: u32::try_from(row.minutes)
            .map_err(|_| AppError::internal(format!("training {} has {} minutes", row.id, row.minutes)))?,
        topic: row.topic,
    })
}

/// Pushes changes to one training made on the server for `device` (a browser's form): the same
/// checks as a device's sync.
pub async fn push_one<S: Store>(
    store: &S,
    device: &AuthDevice,
    push: &DocPush,
) -> Result<Result<DocAck, DocRefusal>, AppError> {
    let (mut accepted, mut refused) = self::push(store, device, std::slice::from_ref(push)).await?;
    match (accepted.pop(), refused.pop()) {
        (Some(ack), None) => Ok(Ok(ack)),
        (None, Some(refusal)) => Ok(Err(refusal)),
        _ => Err(AppError::internal("a pushed training was left without one outcome")),
    }
}

/// One of `user`'s trainings as its document, to be edited by `actor`; `None` when she has no
/// training with this id (someone else's answers the same).
pub async fn own_doc<S: Store>(
    store: &S,
    user: &UserId,
    id: &str,
    actor: rsc_doc::ActorId,
) -> Result<Option<TrainingDoc>, AppError> {
    let Ok(id) = Id::new(id.trim(), "training") else { return Ok(None) };
    let doc_id = DocId::from(id.as_str());
    let Some(stored) = store.document(&doc_id).await? else { return Ok(None) };
    if stored.kind != DocKind::Training || store.participants(&doc_id).await? != [user.to_string()] {
        return Ok(None);
    }
    Ok(Some(TrainingDoc::load_as(&stored.bytes, actor)?))
}
