//! The batched sync exchange: push every document's changes, then pull a page of what
//! changed elsewhere.
//!
//! Each document is written optimistically: read it, merge the pushed changes, validate, and
//! commit only if nobody else wrote it meanwhile (the store compares versions); on a conflict,
//! read again and merge again. Two devices pushing to one document at once therefore both land.
//! A document's refusal never affects the other documents of the batch.

use std::collections::{HashMap, HashSet};

use automerge::Change;
use rsc_doc::{DocError, Session, SessionDoc};
use rsc_model::Id;
use rsc_protocol::{
    Bytes, Cursor, DEFAULT_PAGE_CHANGES, DocAck, DocChanges, DocPush, DocRefusal, MAX_CHANGES_PER_DOC,
    MAX_DOCS_PER_REQUEST, MAX_PAGE_BYTES, MAX_PAGE_CHANGES, MAX_REQUEST_EXPANDED_BYTES, PROTOCOL_VERSION, RefusalCode,
    SyncRequest, SyncResponse,
};

use crate::AppError;
use crate::auth::AuthDevice;
use crate::clock::now_ms;
use crate::projection;
use crate::pushed::{decode, doc_refusal, refusal, too_large, unstored};
use crate::store::{AttestationRecord, DocCommit, DocKind, NewChange, Store, StoredDoc};
use crate::store::{DocId, UserId};

/// The longest `account_version` a request may carry (the server's are 16 hex digits).
const MAX_ACCOUNT_VERSION_LEN: usize = 64;

/// How often a document write is retried after losing a race.
const MAX_ATTEMPTS: usize = 32;

/// Runs one sync request for `device`.
pub async fn sync<S: Store>(
    store: &S,
    versions: &crate::account::Versions,
    epoch: &crate::epoch::Epoch,
    device: &AuthDevice,
    request: SyncRequest,
) -> Result<SyncResponse, AppError> {
    let started = std::time::Instant::now();
    check_request(&request)?;
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let (mut written, mut commits, mut acks) = (Vec::new(), Vec::new(), Vec::new());
    let mut members = Members::default();
    for (push, prepared) in request.push.iter().zip(prepare_all(store, device, &request.push, &mut members).await?) {
        match prepared {
            Ok(Prepared::Stored(ack)) => accepted.push(ack),
            Ok(Prepared::Write(commit, ack)) => {
                written.push(push);
                commits.push(*commit);
                acks.push(ack);
            }
            Err(refusal) => refused.push(refusal),
        }
    }
    // The whole batch in one transaction (one durable commit for a phone's backlog); a document
    // written meanwhile is prepared again on its own, and only that one.
    let lost = if commits.is_empty() { Vec::new() } else { store.commit_documents(&commits).await?.lost };
    let mut retry = Vec::new();
    let mut won = Vec::new();
    for (i, ((commit, ack), push)) in commits.into_iter().zip(acks).zip(written).enumerate() {
        if lost.binary_search(&i).is_ok() {
            metrics::counter!("rsc_sync_write_conflicts_total").increment(1);
            retry.push(push);
        } else {
            won.push(commit);
            accepted.push(ack);
        }
    }
    record_pushed(&won);
    for push in retry {
        match push_document(store, device, push, &mut members).await? {
            Ok(ack) => accepted.push(ack),
            Err(refusal) => refused.push(refusal),
        }
    }
    if !request.trainings.is_empty() {
        let (trainings_accepted, trainings_refused) = crate::trainings::push(store, device, &request.trainings).await?;
        accepted.extend(trainings_accepted);
        refused.extend(trainings_refused);
    }
    for refusal in &refused {
        tracing::info!(doc = %refusal.doc, code = ?refusal.code, "push refused");
    }
    let (Pulled { sessions: pull, trainings }, cursor, more, pulled) = pull_page(store, device, &request).await?;
    metrics::counter!("rsc_sync_batches_total").increment(1);
    metrics::counter!("rsc_sync_documents_total", "outcome" => "accepted").increment(accepted.len() as u64);
    metrics::counter!("rsc_sync_documents_total", "outcome" => "refused").increment(refused.len() as u64);
    metrics::counter!("rsc_sync_changes_pulled_total").increment(pulled as u64);
    // After the pushes, so that a provider first named in this request is in the directory.
    let account = match &request.account_version {
        Some(known) => versions.news(store, &device.user, known).await?,
        None => None,
    };
    metrics::histogram!("rsc_sync_duration_seconds").record(started.elapsed().as_secs_f64());
    let epoch = Some(epoch.get(store).await?);
    Ok(SyncResponse { v: PROTOCOL_VERSION, accepted, refused, pull, cursor, more, account, trainings, epoch })
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
    if let Some(version) = &request.account_version
        && version.len() > MAX_ACCOUNT_VERSION_LEN
    {
        return Err(AppError::invalid(
            "account_version",
            format!("{} bytes; a version this server gave is {MAX_ACCOUNT_VERSION_LEN} at most", version.len()),
        ));
    }
    let documents = request.push.len() + request.trainings.len();
    if documents > MAX_DOCS_PER_REQUEST {
        return Err(AppError::invalid(
            if request.push.len() > request.trainings.len() { "push" } else { "trainings" },
            format!(
                "{documents} documents in one request; the limit is {MAX_DOCS_PER_REQUEST}: send the rest in another request",
            ),
        ));
    }
    let pushes = || {
        let sessions = request.push.iter().enumerate().map(|(i, push)| (format!("push[{i}]"), push));
        sessions.chain(request.trainings.iter().enumerate().map(|(i, push)| (format!("trainings[{i}]"), push)))
    };
    for (i, push) in pushes() {
        if push.changes.len() > MAX_CHANGES_PER_DOC {
            return Err(AppError::invalid(
                format!("{i}.changes"),
                format!("{} changes for one document; the limit is {MAX_CHANGES_PER_DOC}", push.changes.len()),
            ));
        }
        if let Some(j) = push.changes.iter().position(|c| c.0.len() > rsc_doc::MAX_CHANGE_BYTES) {
            return Err(AppError::invalid(
                format!("{i}.changes[{j}]"),
                format!("a change of {} bytes; the limit is {}", push.changes[j].0.len(), rsc_doc::MAX_CHANGE_BYTES),
            ));
        }
    }
    // What the changes expand to, each inflated no further than its own limit and the whole
    // request no further than its total: a compressed bomb costs at most the limits.
    let mut expanded = 0usize;
    for (i, push) in pushes() {
        for (j, change) in push.changes.iter().enumerate() {
            expanded += match rsc_doc::expanded_len(&change.0) {
                Ok(len) => len,
                // Not a change at all: that document alone is refused when it is decoded.
                Err(DocError::Malformed(_)) => 0,
                Err(error) => return Err(AppError::invalid(format!("{i}.changes[{j}]"), error.to_string())),
            };
            if expanded > MAX_REQUEST_EXPANDED_BYTES {
                return Err(AppError::invalid(
                    if i.starts_with("push") { "push" } else { "trainings" },
                    format!(
                        "the changes expand to more than {MAX_REQUEST_EXPANDED_BYTES} bytes; send them in smaller requests"
                    ),
                ));
            }
        }
    }
    if let Some(page) = request.page_changes
        && !(1..=MAX_PAGE_CHANGES).contains(&page)
    {
        return Err(AppError::invalid("page_changes", format!("{page} is out of range 1 to {MAX_PAGE_CHANGES}")));
    }
    Ok(())
}

/// What a pushed document needs.
enum Prepared {
    /// Everything pushed is stored already (a retried push).
    Stored(DocAck),
    /// This update, acknowledged with this ack once committed.
    Write(Box<DocCommit>, DocAck),
}

/// Pushes changes to one document made on the server on behalf of `device` (a browser's
/// signed statement): the same checks, projection and ledger as a device's sync.
pub async fn push_one<S: Store>(
    store: &S,
    device: &AuthDevice,
    push: &DocPush,
) -> Result<Result<DocAck, DocRefusal>, AppError> {
    push_document(store, device, push, &mut Members::default()).await
}

/// Commits one document on its own, preparing it again after each lost race.
async fn push_document<S: Store>(
    store: &S,
    device: &AuthDevice,
    push: &DocPush,
    members: &mut Members,
) -> Result<Result<DocAck, DocRefusal>, AppError> {
    for _ in 0..MAX_ATTEMPTS {
        match prepare(store, device, push, members).await? {
            Ok(Prepared::Stored(ack)) => return Ok(Ok(ack)),
            Ok(Prepared::Write(commit, ack)) => {
                if store.commit_documents(std::slice::from_ref(&commit)).await?.all_written() {
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

/// [`prepare_all`] for one push (a document committed on its own, or a browser's statement).
async fn prepare<S: Store>(
    store: &S,
    device: &AuthDevice,
    push: &DocPush,
    members: &mut Members,
) -> Result<Result<Prepared, DocRefusal>, AppError> {
    prepare_all(store, device, std::slice::from_ref(push), members)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a pushed document was left without an outcome"))
}

/// Reads each stored document, merges the pushed changes, checks every rule and builds the
/// update: the merged document, its projection and its new ledger entries. The outer `Err` is
/// a server failure; each inner one is that document's refusal. Outcomes are in push order.
///
/// Every pushed change is judged on its own by `rsc-doc`'s rules (who may change what, at the
/// point where the change was made and as the session stands), and the merged session must keep
/// every rule a device keeps: the server accepts nothing a device would refuse.
///
/// The stored documents and their participants are read in a few statements, and the
/// documents are merged on blocking threads, at most one per core, each taking a share of the
/// batch (not one thread hand-off per document).
async fn prepare_all<S: Store>(
    store: &S,
    device: &AuthDevice,
    pushes: &[DocPush],
    members: &mut Members,
) -> Result<Vec<Result<Prepared, DocRefusal>>, AppError> {
    let mut outcomes: Vec<Option<Result<Prepared, DocRefusal>>> = pushes.iter().map(|_| None).collect();
    let mut decoded = Vec::new();
    for (i, push) in pushes.iter().enumerate() {
        match decode(device, push) {
            Ok(changes) => decoded.push((i, changes)),
            Err(refusal) => outcomes[i] = Some(Err(refusal)),
        }
    }
    let ids: Vec<DocId> = decoded.iter().map(|(i, _)| DocId::from(pushes[*i].doc.as_str())).collect();
    let stored: HashMap<String, StoredDoc> = store.documents(&ids).await?.into_iter().collect();
    let existing: Vec<DocId> = ids.into_iter().filter(|id| stored.contains_key(id.as_str())).collect();
    let mut ever: HashMap<String, Vec<String>> = HashMap::new();
    for (doc, user) in store.participants_of(&existing).await? {
        ever.entry(doc).or_default().push(user);
    }
    let mut jobs = Vec::new();
    for (i, changes) in decoded {
        let doc = &pushes[i].doc;
        // A document pushed twice in one request is read for each push, as if pushed alone.
        let (stored, ever) = (stored.get(doc).cloned(), ever.get(doc).cloned().unwrap_or_default());
        match job_for(device, doc, changes, stored, ever)? {
            Ok(job) => jobs.push((i, job)),
            Err(refusal) => outcomes[i] = Some(Err(refusal)),
        }
    }
    let share = jobs.len().div_ceil(cores()).max(MIN_MERGES_PER_THREAD);
    let mut merging = Vec::new();
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        let chunk: Vec<_> = jobs.by_ref().take(share).collect();
        merging.push(tokio::task::spawn_blocking(move || {
            chunk.into_iter().map(|(i, job)| (i, merge(job))).collect::<Vec<_>>()
        }));
    }
    let mut merged = Vec::new();
    for handle in merging {
        for (i, outcome) in handle.await.map_err(|e| AppError::caused("merging pushed documents", e))? {
            merged.push((i, outcome?));
        }
    }
    let read = Ledgers::read(store, merged.iter().map(|(_, outcome)| outcome)).await?;
    for (i, outcome) in merged {
        outcomes[i] = Some(finish(device, outcome, members, store, &read).await?);
    }
    outcomes
        .into_iter()
        .map(|outcome| outcome.ok_or_else(|| AppError::internal("a pushed document was left without an outcome")))
        .collect()
}

/// The merge of `changes` into the stored document (if any), for someone who ever took part.
fn job_for(
    device: &AuthDevice,
    doc_id: &str,
    changes: Vec<Change>,
    stored: Option<StoredDoc>,
    ever: Vec<String>,
) -> Result<Result<MergeJob, DocRefusal>, AppError> {
    let user = Id::new(device.user.id.as_str(), "user")?;
    // Everyone who ever took part may push (the rules then decide what). Anyone else's push is
    // judged as if no session had this id, and refused: the answer is the one an unknown id
    // gets, so it tells nobody that the session exists.
    // A training is never pushed to as a session, even by its owner.
    let foreign = stored.as_ref().is_some_and(|s| s.kind != DocKind::Session)
        || (stored.is_some() && !ever.iter().any(|p| p == user.as_str()));
    let (stored, ever) = if foreign { (None, Vec::new()) } else { (stored, ever) };
    Ok(Ok(MergeJob {
        doc_id: doc_id.to_string(),
        stored,
        changes,
        user,
        previous_participants: ever,
        now: now_ms(),
        foreign,
    }))
}

/// What [`finish`] reads for a whole push, in two statements however many documents it holds:
/// the ledger of every document that existed, and the active keys of every provider whose
/// statement a merged session carries. (A new document has no ledger yet, and keys matter only
/// when there are statements.)
#[derive(Default)]
struct Ledgers {
    ledgers: HashMap<String, Vec<AttestationRecord>>,
    keys: HashMap<Id, Vec<Vec<u8>>>,
}

impl Ledgers {
    async fn read<'a, S: Store>(
        store: &S,
        outcomes: impl Iterator<Item = &'a MergeOutcome>,
    ) -> Result<Ledgers, AppError> {
        // Providers by their id's text, as the store answers with it.
        let (mut existing, mut providers) = (Vec::new(), HashMap::new());
        for outcome in outcomes {
            let MergeOutcome::Merged(merged) = outcome else { continue };
            if merged.expected_version.is_some() {
                existing.push(DocId::from(merged.doc_id.as_str()));
            }
            for attendee in &merged.session.attendees {
                if let Some(statement) = &attendee.statement {
                    let provider = &statement.content.provider;
                    providers.insert(provider.to_string(), provider.clone());
                }
            }
        }
        let mut read = Ledgers::default();
        if !existing.is_empty() {
            for entry in store.attestations_of(&existing).await? {
                read.ledgers.entry(entry.session_id.to_string()).or_default().push(entry);
            }
        }
        if !providers.is_empty() {
            let ids: Vec<UserId> = providers.keys().map(|p| UserId::from(p.as_str())).collect();
            for (user, key) in store.active_keys_of(&ids).await? {
                if let Some(provider) = providers.get(&user) {
                    read.keys.entry(provider.clone()).or_default().push(key);
                }
            }
        }
        Ok(read)
    }
}

/// The I/O half after a merge: a session that gains someone names only people connected to its
/// provider; the ledger gains the statements not seen before, checked against the providers'
/// keys; and the session is projected.
async fn finish<S: Store>(
    device: &AuthDevice,
    outcome: MergeOutcome,
    members: &mut Members,
    store: &S,
    read: &Ledgers,
) -> Result<Result<Prepared, DocRefusal>, AppError> {
    let merged = match outcome {
        MergeOutcome::Stored(ack) => return Ok(Ok(Prepared::Stored(ack))),
        MergeOutcome::Refused(refusal) => return Ok(Err(refusal)),
        MergeOutcome::Merged(merged) => *merged,
    };
    let Merged {
        doc_id,
        expected_version,
        now,
        session,
        new,
        expanded,
        participants,
        previous_participants,
        heads,
        paired_before,
    } = merged;
    // Whoever the push pairs with the session's provider for the first time (a new attendee, or
    // every attendee when the provider changes), compared with the session before the push.
    let provider = session.fields.provider.as_str();
    let newly: Vec<&str> = session
        .attendees
        .iter()
        .map(|a| a.id.as_str())
        .filter(|a| !paired_before.iter().any(|(p, b)| p == provider && b == a))
        .collect();
    if !newly.is_empty()
        && let Some(refusal) = unconnected(store, &device.user.id, &doc_id, provider, &newly, members).await?
    {
        return Ok(Err(refusal));
    }
    let mut ledger = read.ledgers.get(&doc_id).cloned().unwrap_or_default();
    let known: HashSet<Vec<u8>> = ledger.iter().map(|e| e.id.clone()).collect();
    let fresh = projection::new_attestations(&session, &known, &read.keys, &device.device.id, now);
    ledger.extend(fresh.iter().cloned());
    let (session_row, attendance) = projection::project(&session, &ledger);
    let ack = DocAck { doc: doc_id.clone(), heads, new_changes: new.len() as u32 };
    let commit = DocCommit {
        doc_id,
        expected_version,
        new_changes: new,
        device_id: device.device.id.to_string(),
        previous_participants,
        participants,
        expanded_bytes: expanded,
        session: session_row,
        attendance,
        attestations: fresh,
    };
    Ok(Ok(Prepared::Write(Box::new(commit), ack)))
}

/// The people found connected to each provider, and visible to the pusher under each, during
/// one request: a phone's backlog of a hundred sessions with one provider and one attendee
/// costs one query, not a hundred. Only the people sessions name are looked up, never a
/// provider's whole caseload.
#[derive(Default)]
struct Members {
    connected: HashMap<String, HashSet<String>>,
    visible: HashMap<String, HashSet<String>>,
}

/// A push may pair someone with a session's provider only when that person is connected to
/// the provider now; and when the pusher is not the provider, only when the pusher is connected
/// to her too and may see that person under her (they share one of her groups, or attended a
/// session of hers together). Nobody can be put into a session with a provider they never
/// chose, or by a stranger, and a typed id that matches nobody is refused instead of waiting for
/// a confirmation that never comes. The refusal names only ids the pusher sent, and says the
/// same whether such a person exists, is connected, or is not: a stranger learns nothing of a
/// provider's caseload. (Devices show names for the ids they know.)
async fn unconnected<S: Store>(
    store: &S,
    pusher: &str,
    doc_id: &str,
    provider: &str,
    newly: &[&str],
    members: &mut Members,
) -> Result<Option<DocRefusal>, AppError> {
    let provider_id = UserId::from(provider);
    let mut asked: Vec<&str> = newly.to_vec();
    if pusher != provider {
        asked.push(pusher);
    }
    let known = members.connected.entry(provider.to_string()).or_default();
    let unknown: Vec<UserId> = asked.iter().filter(|a| !known.contains(**a)).map(|a| UserId::from(*a)).collect();
    if !unknown.is_empty() {
        known.extend(store.connected_among(&provider_id, &unknown).await?);
    }
    let refused = |message: String| Ok(Some(refusal(doc_id, RefusalCode::NotConnected, message, Some("attendees"))));
    if pusher == provider {
        return match newly.iter().find(|a| !known.contains(**a)) {
            Some(stranger) => refused(format!(
                "`{stranger}` is not connected to you: a session names only people connected to its provider \
                 (they connect with your connection code, or by a request you accept)"
            )),
            None => Ok(None),
        };
    }
    if !known.contains(pusher) {
        return refused(format!(
            "you are not connected to `{provider}`: a session with a provider needs a connection (her connection \
             code, or a request she accepted)"
        ));
    }
    let connected = known.clone();
    let others: Vec<&str> = newly.iter().copied().filter(|a| *a != pusher).collect();
    let seen = members.visible.entry(provider.to_string()).or_default();
    let unknown: Vec<UserId> =
        others.iter().filter(|a| connected.contains(**a) && !seen.contains(**a)).map(|a| UserId::from(*a)).collect();
    if !unknown.is_empty() {
        seen.extend(store.visible_among(&UserId::from(pusher), &provider_id, &unknown).await?);
    }
    match others.iter().find(|a| !connected.contains(**a) || !seen.contains(**a)) {
        Some(stranger) => refused(format!(
            "`{stranger}` is not someone you may name in a session of `{provider}`: name people from her groups, \
             or from your earlier sessions with her, who are connected to her"
        )),
        None => Ok(None),
    }
}

/// The fewest documents one blocking thread is given to merge: a small batch goes to one
/// thread, since each hand-off costs about as much as merging a new session, and with many
/// devices syncing at once the cores are kept busy by the other requests.
const MIN_MERGES_PER_THREAD: usize = 8;

/// The cores this process may use, asked once: the answer reads the cgroup's files, which
/// cost a few percent of a busy server's CPU when asked on every request.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// What the CPU half of a push works on.
struct MergeJob {
    doc_id: String,
    stored: Option<StoredDoc>,
    changes: Vec<Change>,
    user: Id,
    previous_participants: Vec<String>,
    now: i64,
    /// Someone else's session, judged as if its id were unknown and then refused.
    foreign: bool,
}

/// A pushed document merged, checked and saved, ready for its ledger and projection.
struct Merged {
    doc_id: String,
    expected_version: Option<i64>,
    now: i64,
    session: Session,
    new: Vec<NewChange>,
    expanded: i64,
    participants: Vec<String>,
    previous_participants: Vec<String>,
    heads: Vec<String>,
    /// `(provider, attendee)` of the session before the push.
    paired_before: Vec<(String, String)>,
}

enum MergeOutcome {
    /// Everything pushed is stored already (a retried push).
    Stored(DocAck),
    /// Merged; the push goes on to be written.
    Merged(Box<Merged>),
    /// Refused, for the device to set aside.
    Refused(DocRefusal),
}

/// Loads the stored document and applies the pushed changes through the rules: the CPU half
/// of a push, run on a blocking thread.
fn merge(job: MergeJob) -> Result<MergeOutcome, AppError> {
    let foreign = job.foreign;
    match merge_job(job)? {
        MergeOutcome::Merged(merged) if foreign => Ok(MergeOutcome::Refused(not_participant(&merged.doc_id))),
        outcome => Ok(outcome),
    }
}

/// [`merge`], for a job whose stored document the pusher may change (or that has none).
fn merge_job(job: MergeJob) -> Result<MergeOutcome, AppError> {
    let MergeJob { doc_id, stored, changes, user, previous_participants, now, foreign: _ } = job;
    let doc_id = &doc_id;
    let (mut doc, expected_version, expanded_before) = match &stored {
        Some(stored) => {
            let doc = SessionDoc::load(&stored.bytes)
                .map_err(|e| AppError::caused(format!("stored document {doc_id} does not load"), e))?;
            (doc, Some(stored.version), stored.expanded_bytes)
        }
        None => (SessionDoc::empty(), None, 0),
    };
    let (new, expanded) = unstored(&changes, |hash| doc.contains_change(hash), expanded_before);
    if new.is_empty() && expected_version.is_some() {
        // A retried push: everything is stored already.
        return Ok(MergeOutcome::Stored(DocAck { doc: doc_id.clone(), heads: heads(&mut doc), new_changes: 0 }));
    }
    if let Some(refused) = too_large(doc_id, expanded) {
        return Ok(MergeOutcome::Refused(refused));
    }
    let (before, merged) = match doc.apply_pushed_from(&changes, &user, now) {
        Ok(merged) => merged,
        Err(error) => {
            return Ok(MergeOutcome::Refused(match error {
                // Changes that build on a session the server does not hold: from the outside,
                // the same as someone else's session.
                DocError::MissingDependency(_) if expected_version.is_none() => not_participant(doc_id),
                error => doc_refusal(doc_id, error),
            }));
        }
    };
    // The session as the checks read it; a document still empty reads as the error it is.
    let session = match merged.map_or_else(|| doc.session(), Ok) {
        Ok(session) => session,
        Err(error) => return Ok(MergeOutcome::Refused(doc_refusal(doc_id, error))),
    };
    if session.id.as_str() != doc_id {
        return Ok(MergeOutcome::Refused(refusal(
            doc_id,
            RefusalCode::InvalidSession,
            format!("the document describes session {}, not {doc_id}", session.id),
            Some("id"),
        )));
    }
    let mut participants = previous_participants.clone();
    for person in session.participants() {
        if !participants.iter().any(|p| p == person.as_str()) {
            participants.push(person.to_string());
        }
    }
    let heads = heads(&mut doc);
    Ok(MergeOutcome::Merged(Box::new(Merged {
        doc_id: doc_id.clone(),
        expected_version,
        now,
        session,
        new,
        expanded,
        participants,
        previous_participants,
        heads,
        paired_before: before
            .map(|b| {
                let provider = b.fields.provider.to_string();
                b.attendees.iter().map(|a| (provider.clone(), a.id.to_string())).collect()
            })
            .unwrap_or_default(),
    })))
}

/// The one answer for "no such session" and "not a session of yours".
fn not_participant(doc: &str) -> DocRefusal {
    refusal(doc, RefusalCode::NotParticipant, "no session of yours has this id", None)
}

fn heads(doc: &mut SessionDoc) -> Vec<String> {
    doc.heads().iter().map(|h| h.to_string()).collect()
}

/// A pulled page's changes, by document, sessions apart from trainings.
#[derive(Default)]
struct Pulled {
    sessions: Vec<DocChanges>,
    trainings: Vec<DocChanges>,
}

/// One page of changes visible to the device's user after its cursor.
async fn pull_page<S: Store>(
    store: &S,
    device: &AuthDevice,
    request: &SyncRequest,
) -> Result<(Pulled, Cursor, bool, usize), AppError> {
    let cursor = request.cursor.unwrap_or(Cursor::START);
    let limit = i64::from(request.page_changes.unwrap_or(DEFAULT_PAGE_CHANGES));
    // The page comes with the top of the sequence from the same snapshot: everything numbered
    // up to `top` was committed, so a pull that ends without more has seen all of it, and the
    // cursor moves there even when nothing was for this device (its own changes). Without
    // that, a device that only pushes keeps its cursor at the start and every sync reads its
    // whole history again.
    let page = store.pull(&device.user.id, &device.device.actor_id, (cursor.visible, cursor.seq), limit + 1).await?;
    let (top, rows) = (page.top, page.changes);
    let mut more = rows.len() as i64 > limit;
    let mut pulled = Pulled::default();
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
        let into = match row.kind {
            DocKind::Session => &mut pulled.sessions,
            DocKind::Training => &mut pulled.trainings,
        };
        match into.last_mut() {
            Some(last) if last.doc == row.doc_id => last.changes.push(Bytes(row.bytes)),
            _ => into.push(DocChanges { doc: row.doc_id, changes: vec![Bytes(row.bytes)] }),
        }
    }
    if !more && (top, top) > (next.visible, next.seq) {
        next = Cursor { visible: top, seq: top };
    }
    Ok((pulled, next, more, count))
}
