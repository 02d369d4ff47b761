//! The batched sync exchange: push every document's changes, then pull a page of what
//! changed elsewhere.
//!
//! Each document is written optimistically: read it, merge the pushed changes, validate, and
//! commit only if nobody else wrote it meanwhile (the store compares versions); on a conflict,
//! read again and merge again. Two devices pushing to one document at once therefore both land.
//! A document's refusal never affects the other documents of the batch.

use std::collections::HashSet;

use rsc_doc::{ActorId, DocError, SessionDoc};
use rsc_model::Id;
use rsc_protocol::{
    Bytes, Cursor, DEFAULT_PAGE_CHANGES, DocAck, DocChanges, DocPush, DocRefusal, MAX_CHANGES_PER_DOC,
    MAX_DOCS_PER_REQUEST, MAX_PAGE_BYTES, MAX_PAGE_CHANGES, PROTOCOL_VERSION, RefusalCode, SyncRequest, SyncResponse,
};

use crate::AppError;
use crate::auth::{AuthDevice, now_ms};
use crate::projection;
use crate::store::{DocCommit, NewChange, Store};

/// How often a document write is retried after losing a race.
const MAX_ATTEMPTS: usize = 32;

/// Runs one sync request for `device`.
pub async fn sync<S: Store>(store: &S, device: &AuthDevice, request: SyncRequest) -> Result<SyncResponse, AppError> {
    let started = std::time::Instant::now();
    check_request(&request)?;
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let mut writes = Vec::new();
    for push in &request.push {
        match prepare(store, device, push).await? {
            Ok(Prepared::Stored(ack)) => accepted.push(ack),
            Ok(Prepared::Write(commit, ack)) => writes.push((push, commit, ack)),
            Err(refusal) => refused.push(refusal),
        }
    }
    // The whole batch in one transaction (one durable commit for a phone's backlog); if any
    // document was written meanwhile, each goes again on its own.
    let commits: Vec<DocCommit> = writes.iter().map(|(_, commit, _)| DocCommit::clone(commit)).collect();
    if !commits.is_empty() && store.commit_documents(&commits).await? {
        record_pushed(&commits);
        accepted.extend(writes.into_iter().map(|(_, _, ack)| ack));
    } else {
        for (push, _, _) in writes {
            match push_document(store, device, push).await? {
                Ok(ack) => accepted.push(ack),
                Err(refusal) => refused.push(refusal),
            }
        }
    }
    for refusal in &refused {
        tracing::info!(doc = %refusal.doc, code = ?refusal.code, "push refused");
    }
    let (pull, cursor, more, pulled) = pull_page(store, device, &request).await?;
    metrics::counter!("rsc_sync_batches_total").increment(1);
    metrics::counter!("rsc_sync_documents_total", "outcome" => "accepted").increment(accepted.len() as u64);
    metrics::counter!("rsc_sync_documents_total", "outcome" => "refused").increment(refused.len() as u64);
    metrics::counter!("rsc_sync_changes_pulled_total").increment(pulled as u64);
    metrics::histogram!("rsc_sync_duration_seconds").record(started.elapsed().as_secs_f64());
    Ok(SyncResponse { v: PROTOCOL_VERSION, accepted, refused, pull, cursor, more })
}

/// The request-wide limits: 422 naming the field when one is broken.
fn check_request(request: &SyncRequest) -> Result<(), AppError> {
    if request.v != PROTOCOL_VERSION {
        return Err(AppError::invalid(
            "v",
            format!(
                "protocol version {} is not spoken here; this server speaks {PROTOCOL_VERSION}: update the app",
                request.v
            ),
        ));
    }
    if request.push.len() > MAX_DOCS_PER_REQUEST {
        return Err(AppError::invalid(
            "push",
            format!(
                "{} documents in one request; the limit is {MAX_DOCS_PER_REQUEST}: send the rest in another request",
                request.push.len()
            ),
        ));
    }
    for (i, push) in request.push.iter().enumerate() {
        if push.changes.len() > MAX_CHANGES_PER_DOC {
            return Err(AppError::invalid(
                format!("push[{i}].changes"),
                format!("{} changes for one document; the limit is {MAX_CHANGES_PER_DOC}", push.changes.len()),
            ));
        }
        if let Some(j) = push.changes.iter().position(|c| c.0.len() > rsc_doc::MAX_CHANGE_BYTES) {
            return Err(AppError::invalid(
                format!("push[{i}].changes[{j}]"),
                format!("a change of {} bytes; the limit is {}", push.changes[j].0.len(), rsc_doc::MAX_CHANGE_BYTES),
            ));
        }
    }
    if let Some(page) = request.page_changes
        && !(1..=MAX_PAGE_CHANGES).contains(&page)
    {
        return Err(AppError::invalid("page_changes", format!("{page} is out of range 1 to {MAX_PAGE_CHANGES}")));
    }
    Ok(())
}

fn refusal(doc: &str, code: RefusalCode, error: impl std::fmt::Display, field: Option<&str>) -> DocRefusal {
    DocRefusal { doc: doc.to_string(), code, field: field.map(str::to_string), message: error.to_string() }
}

fn doc_refusal(doc: &str, error: DocError) -> DocRefusal {
    match &error {
        DocError::Malformed(_) => refusal(doc, RefusalCode::Undecodable, &error, None),
        DocError::Invalid { field, .. } => refusal(doc, RefusalCode::InvalidSession, &error, Some(field)),
        DocError::NotAllowed(_) | DocError::Crypto(_) => refusal(doc, RefusalCode::InvalidSession, &error, None),
    }
}

/// What a pushed document needs.
enum Prepared {
    /// Everything pushed is stored already (a retried push).
    Stored(DocAck),
    /// This update, acknowledged with this ack once committed.
    Write(Box<DocCommit>, DocAck),
}

/// Commits one document on its own, preparing it again after each lost race.
async fn push_document<S: Store>(
    store: &S,
    device: &AuthDevice,
    push: &DocPush,
) -> Result<Result<DocAck, DocRefusal>, AppError> {
    for _ in 0..MAX_ATTEMPTS {
        match prepare(store, device, push).await? {
            Ok(Prepared::Stored(ack)) => return Ok(Ok(ack)),
            Ok(Prepared::Write(commit, ack)) => {
                if store.commit_documents(std::slice::from_ref(&commit)).await? {
                    record_pushed(std::slice::from_ref(&commit));
                    return Ok(Ok(ack));
                }
                metrics::counter!("rsc_sync_write_conflicts_total").increment(1);
            }
            Err(refusal) => return Ok(Err(refusal)),
        }
    }
    Err(AppError::Unavailable(format!("document {} is being written by many devices at once; retry", push.doc)))
}

fn record_pushed(commits: &[DocCommit]) {
    let changes: usize = commits.iter().map(|c| c.new_changes.len()).sum();
    metrics::counter!("rsc_sync_changes_pushed_total").increment(changes as u64);
}

/// Reads the stored document, merges the pushed changes, checks every rule and builds the
/// update: the merged document, its projection and its new ledger entries. The outer `Err` is
/// a server failure; the inner one is this document's refusal.
async fn prepare<S: Store>(
    store: &S,
    device: &AuthDevice,
    push: &DocPush,
) -> Result<Result<Prepared, DocRefusal>, AppError> {
    let doc_id = &push.doc;
    if let Err(error) = Id::new(doc_id.as_str(), "doc") {
        return Ok(Err(refusal(doc_id, RefusalCode::InvalidSession, error, Some("doc"))));
    }
    let mut decoded = Vec::with_capacity(push.changes.len());
    let own_actor = ActorId::from(device.device.actor_id.clone());
    for bytes in &push.changes {
        let change = match SessionDoc::decode_change(&bytes.0) {
            Ok(change) => change,
            Err(error) => return Ok(Err(doc_refusal(doc_id, error))),
        };
        if change.actor_id() != &own_actor {
            return Ok(Err(refusal(
                doc_id,
                RefusalCode::ForeignActor,
                format!("a change was authored by actor {}, not by this device ({own_actor})", change.actor_id()),
                None,
            )));
        }
        decoded.push(change);
    }
    let raw: Vec<Vec<u8>> = push.changes.iter().map(|b| b.0.clone()).collect();
    let user = Id::new(device.user.id.as_str(), "user").map_err(|e| AppError::Internal(e.to_string()))?;

    let stored = store.document(doc_id).await?;
    let (mut doc, expected_version, previous_participants) = match &stored {
        Some(stored) => {
            let doc = SessionDoc::load(&stored.bytes)
                .map_err(|e| AppError::Internal(format!("stored document {doc_id} does not load: {e}")))?;
            let before = doc.session().map_err(|e| AppError::Internal(e.to_string()))?;
            if !before.participants().contains(&user) {
                return Ok(Err(refusal(
                    doc_id,
                    RefusalCode::NotParticipant,
                    "you do not take part in this session",
                    None,
                )));
            }
            (doc, Some(stored.version), before.participants())
        }
        None => match SessionDoc::from_changes(&raw) {
            Ok(doc) => (doc, None, Vec::new()),
            Err(error) => return Ok(Err(doc_refusal(doc_id, error))),
        },
    };
    let new: Vec<NewChange> = decoded
        .iter()
        .filter(|c| !doc.contains_change(&c.hash()) || expected_version.is_none())
        .map(|c| NewChange {
            hash: c.hash().0.to_vec(),
            actor_id: c.actor_id().to_bytes().to_vec(),
            bytes: c.raw_bytes().to_vec(),
        })
        .collect();
    if expected_version.is_some() {
        if new.is_empty() {
            // A retried push: everything is stored already.
            return Ok(Ok(Prepared::Stored(DocAck { doc: doc_id.clone(), heads: heads(&mut doc), new_changes: 0 })));
        }
        if let Err(error) = doc.apply_changes(&raw) {
            return Ok(Err(doc_refusal(doc_id, error)));
        }
    }
    let missing = doc.missing_dependencies();
    if !missing.is_empty() {
        return Ok(Err(refusal(
            doc_id,
            RefusalCode::MissingDependencies,
            format!("{} change(s) depend on changes the server does not have; sync them first", missing.len()),
            None,
        )));
    }
    let session = match doc.session() {
        Ok(session) => session,
        Err(error) => return Ok(Err(doc_refusal(doc_id, error))),
    };
    if session.id.as_str() != doc_id {
        return Ok(Err(refusal(
            doc_id,
            RefusalCode::InvalidSession,
            format!("the document describes session {}, not {doc_id}", session.id),
            Some("id"),
        )));
    }
    let participants = session.participants();
    if expected_version.is_none() && !participants.contains(&user) {
        return Ok(Err(refusal(
            doc_id,
            RefusalCode::NotParticipant,
            "a new session must include you as its provider or an attendee",
            None,
        )));
    }
    let bytes = doc.save();
    if bytes.len() > rsc_doc::MAX_DOCUMENT_BYTES {
        return Ok(Err(refusal(
            doc_id,
            RefusalCode::DocumentTooLarge,
            format!("the document would be {} bytes; the limit is {}", bytes.len(), rsc_doc::MAX_DOCUMENT_BYTES),
            None,
        )));
    }
    // A new document has no ledger yet, and keys matter only when there are statements.
    let mut ledger = if expected_version.is_some() { store.attestations(doc_id).await? } else { Vec::new() };
    let known: HashSet<Vec<u8>> = ledger.iter().map(|e| e.id.clone()).collect();
    let signed = session.attendees.iter().any(|a| a.statement.is_some());
    let provider_keys = if signed { store.active_keys(session.fields.provider.as_str()).await? } else { Vec::new() };
    let now = now_ms();
    let fresh = projection::new_attestations(&session, &known, &provider_keys, &device.device.id, now);
    ledger.extend(fresh.iter().cloned());
    let (session_row, attendance) = projection::project(&session, &ledger);
    let commit = DocCommit {
        doc_id: doc_id.clone(),
        expected_version,
        bytes,
        new_changes: new,
        device_id: device.device.id.clone(),
        previous_participants: previous_participants.iter().map(|p| p.to_string()).collect(),
        participants: participants.iter().map(|p| p.to_string()).collect(),
        session: session_row,
        attendance,
        attestations: fresh,
        now_ms: now,
    };
    let ack = DocAck { doc: doc_id.clone(), heads: heads(&mut doc), new_changes: commit.new_changes.len() as u32 };
    Ok(Ok(Prepared::Write(Box::new(commit), ack)))
}

fn heads(doc: &mut SessionDoc) -> Vec<String> {
    doc.heads().iter().map(|h| h.to_string()).collect()
}

/// One page of changes visible to the device's user after its cursor.
async fn pull_page<S: Store>(
    store: &S,
    device: &AuthDevice,
    request: &SyncRequest,
) -> Result<(Vec<DocChanges>, Cursor, bool, usize), AppError> {
    let cursor = request.cursor.unwrap_or(Cursor::START);
    let limit = i64::from(request.page_changes.unwrap_or(DEFAULT_PAGE_CHANGES));
    let rows = store.pull(&device.user.id, &device.device.actor_id, (cursor.visible, cursor.seq), limit + 1).await?;
    let mut more = rows.len() as i64 > limit;
    let mut pulled: Vec<DocChanges> = Vec::new();
    let mut next = cursor;
    let mut bytes = 0usize;
    let mut count = 0usize;
    for row in rows.into_iter().take(limit as usize) {
        if count > 0 && bytes + row.bytes.len() > MAX_PAGE_BYTES {
            more = true;
            break;
        }
        bytes += row.bytes.len();
        count += 1;
        next = Cursor { visible: row.visible, seq: row.seq };
        match pulled.last_mut() {
            Some(last) if last.doc == row.doc_id => last.changes.push(Bytes(row.bytes)),
            _ => pulled.push(DocChanges { doc: row.doc_id, changes: vec![Bytes(row.bytes)] }),
        }
    }
    Ok((pulled, next, more, count))
}
