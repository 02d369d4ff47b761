//! The sync engine: one call runs the batched protocol until the server has every change of
//! this device and the device has every change made elsewhere.
//!
//! Resuming is free: the unacknowledged changes and the cursor live in the store, and each
//! answer is applied in one transaction (acknowledgements, pulled changes, the new cursor), so
//! an interrupted sync, whether the network dropped, the server restarted or the app was
//! killed, continues from the last answer applied. Re-sending is harmless: the server and
//! Automerge both ignore changes they already have. Network failures and server errors are
//! retried with exponential backoff before the call gives up.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rsc_doc::SessionDoc;
use rsc_model::Id;
use rsc_protocol::{AccountNews, Bytes, Cursor, DocPush, ProviderDirectory, RefusalCode, SyncRequest, SyncResponse};

use crate::ClientError;
use crate::logbook::{Account, Logbook, Rendered, now_ms, save, trust};
use crate::store::{self, key};
use crate::view::SessionView;

/// The most change bytes (before base64) one request carries, well inside the server's body
/// limit once encoded.
pub const MAX_PUSH_BYTES: usize = 8 * 1024 * 1024;

/// How old the stored time of the last sync may grow before a sync with nothing else to write
/// writes it (an hour).
const LAST_SYNC_WRITE_MS: i64 = 60 * 60 * 1000;

/// How a sync runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Attempts per request before giving up on a network or server error (at least 1).
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles with each retry.
    pub first_retry_delay: Duration,
    /// The longest wait between retries.
    pub max_retry_delay: Duration,
    /// Documents pushed per request (1 to the protocol's limit).
    pub max_docs_per_request: usize,
    /// Changes pulled per page (the server's default when `None`).
    pub page_changes: Option<u32>,
    /// Stops the sync when raised (checked before each request and while waiting to retry).
    pub cancel: Option<CancelFlag>,
}

/// A flag another thread raises to stop a sync: [`ClientError::Cancelled`] comes back, with
/// everything already applied kept.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag not raised.
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// Asks the sync to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl PartialEq for CancelFlag {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CancelFlag {}

impl SyncOptions {
    fn check_cancelled(&self) -> Result<(), ClientError> {
        match &self.cancel {
            Some(flag) if flag.is_cancelled() => Err(ClientError::Cancelled),
            _ => Ok(()),
        }
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            max_attempts: 8,
            first_retry_delay: Duration::from_millis(250),
            max_retry_delay: Duration::from_secs(8),
            max_docs_per_request: rsc_protocol::MAX_DOCS_PER_REQUEST,
            page_changes: None,
            cancel: None,
        }
    }
}

impl SyncOptions {
    pub(crate) fn validate(&self) -> Result<(), ClientError> {
        if self.max_attempts == 0 {
            return Err(ClientError::invalid("max_attempts", "at least 1"));
        }
        if !(1..=rsc_protocol::MAX_DOCS_PER_REQUEST).contains(&self.max_docs_per_request) {
            return Err(ClientError::invalid(
                "max_docs_per_request",
                format!("1 to {}", rsc_protocol::MAX_DOCS_PER_REQUEST),
            ));
        }
        if let Some(page) = self.page_changes
            && !(1..=rsc_protocol::MAX_PAGE_CHANGES).contains(&page)
        {
            return Err(ClientError::invalid("page_changes", format!("1 to {}", rsc_protocol::MAX_PAGE_CHANGES)));
        }
        Ok(())
    }
}

/// Where a running sync stands, reported after every round trip and before every retry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Requests completed (as in the report).
    pub round_trips: u32,
    /// Changes the server has stored so far.
    pub pushed_changes: u64,
    /// Changes received so far.
    pub pulled_changes: u64,
    /// Changes still waiting to be pushed.
    pub pending_changes: u64,
    /// Whether the server said more changes wait to be pulled.
    pub more_to_pull: bool,
    /// Set while waiting to retry after a failure: the wait, in milliseconds.
    pub retrying_in_ms: Option<u64>,
}

/// A document push the server refused. Its changes are kept on the device, set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The session's id.
    pub doc: String,
    /// Why, for programs (`not_participant`, `invalid_session`, ...).
    pub code: String,
    /// The offending field, when there is one.
    pub field: Option<String>,
    /// Why, for people.
    pub message: String,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Requests made to the server: one per page of the sync, and one more when a profile
    /// edited on this device was sent (a sync with nothing to do makes one).
    pub round_trips: u32,
    /// Changes the server stored.
    pub pushed_changes: u64,
    /// Changes received from elsewhere.
    pub pulled_changes: u64,
    /// Sessions that changed on this device because of pulled changes.
    pub updated_sessions: Vec<Id>,
    /// Trainings that changed on this device because of changes made on her other devices.
    pub updated_trainings: Vec<Id>,
    /// Refused pushes.
    pub refusals: Vec<Refusal>,
    /// Confirmed or disputed entries that went back to the provider because of changes made
    /// elsewhere, with why.
    pub unsettled: Vec<crate::Unsettled>,
    /// Entries that edits made on this device sent back to the provider, now that the server
    /// has the edits (a correction after a dispute, a change to a confirmed entry).
    pub sent_back: Vec<crate::Unsettled>,
    /// Entries the provider confirmed or disputed, received in this sync: the user's own, and
    /// those in sessions she logged.
    pub decided: Vec<crate::Decided>,
    /// Sessions a registry change made count, or stop counting, per provider.
    pub registry: Vec<crate::RegistryNews>,
    /// Requests retried after a failure.
    pub retries: u32,
    /// What others did to the user's connections since the last sync: a request, an answer,
    /// an ending.
    pub connection_news: Vec<crate::ConnectionNews>,
}

/// What one request pushed, per document: the highest pending sequence number sent.
struct Batch {
    request: SyncRequest,
    sent: Vec<(String, i64, usize)>,
}

impl Logbook {
    /// Syncs with the server until both sides have everything; `progress` hears after each
    /// round trip. Only one sync runs at a time; other operations go on meanwhile.
    pub fn sync(&self, options: &SyncOptions, progress: &dyn Fn(&SyncProgress)) -> Result<SyncReport, ClientError> {
        options.validate()?;
        let _one_at_a_time = self.sync_lock.lock().unwrap_or_else(|p| p.into_inner());
        let account = self.require_account()?;
        let api = self.api(&account)?;
        let mut report = SyncReport::default();
        let mut state = SyncProgress::default();
        // A profile edited here goes first; the server's profile and the registry facts come
        // with the first answer, when they changed since this device last had them, so that a
        // sync with nothing to do is one request.
        if self.profile()?.unsynced {
            with_retry(options, &mut report, &mut state, progress, || self.push_profile(&account))?;
            report.round_trips += 1;
        }
        // Certificate files go before the trainings that name them: the server accepts a
        // training's certificate only once it has the file.
        let files = store::certificates_to_upload(self.store().conn())?;
        for (digest, name, bytes) in files {
            let path = format!("/v1/me/certificates?name={}", url_encoded(&name));
            let _: rsc_protocol::Certificate =
                with_retry(options, &mut report, &mut state, progress, || api.post_bytes(&path, bytes.clone()))?;
            self.store().write(|tx| store::certificate_uploaded(tx, &digest))?;
            report.round_trips += 1;
        }
        let known: Option<String> = store::get_meta(self.store().conn(), key::ACCOUNT_VERSION)?;
        let mut account_version = Some(known.unwrap_or_default());
        // When the time of this sync was written with an answer, and what it was.
        let mut written_at: Option<i64> = None;
        // Documents whose changes build on changes the server lacks: not sent again in this sync.
        let mut waiting: HashSet<String> = HashSet::new();
        loop {
            options.check_cancelled()?;
            let batch = {
                let store = self.store();
                next_batch(store.conn(), options, account_version.take(), &waiting)?
            };
            let response: SyncResponse =
                with_retry(options, &mut report, &mut state, progress, || api.post("/v1/sync", &batch.request))?;
            let epoch = epoch_news(self.store().conn(), &response)?;
            // Nothing sent, nothing received, the cursor where it was: nothing to write (and no
            // fsync to wait for).
            let idle = epoch.is_none()
                && batch.sent.is_empty()
                && response.pull.is_empty()
                && response.trainings.is_empty()
                && response.accepted.is_empty()
                && response.refused.is_empty()
                && response.account.is_none()
                && batch.request.cursor.as_ref() == Some(&response.cursor);
            let pending = if idle {
                store::pending_count(self.store().conn())?
            } else {
                let at = now_ms();
                written_at = Some(at);
                self.write_answer(&account, &batch, &response, at, &epoch, &mut waiting, &mut report)?
            };
            report.round_trips += 1;
            state = SyncProgress {
                round_trips: report.round_trips,
                pushed_changes: report.pushed_changes,
                pulled_changes: report.pulled_changes,
                pending_changes: pending,
                more_to_pull: response.more,
                retrying_in_ms: None,
            };
            progress(&state);
            let restored = matches!(epoch, Some(EpochNews::Restored(_)));
            if !restored && !response.more && (pending == 0 || batch.sent.is_empty()) {
                break;
            }
        }
        // The time of the sync is written with other news, or when the stored one is an hour
        // old; in between it is kept in memory, so that a sync with nothing to do writes nothing.
        // One time, in memory and on disk alike.
        let now = written_at.unwrap_or_else(now_ms);
        self.last_sync_ms.store(now, std::sync::atomic::Ordering::SeqCst);
        if written_at.is_none() {
            let stored: Option<i64> = store::get_meta(self.store().conn(), key::LAST_SYNC_MS)?;
            if stored.is_none_or(|at| now - at >= LAST_SYNC_WRITE_MS) {
                self.store().write_replayable(|tx| store::set_meta(tx, key::LAST_SYNC_MS, &now))?;
            }
        }
        tracing::info!(
            round_trips = report.round_trips,
            pushed = report.pushed_changes,
            pulled = report.pulled_changes,
            refused = report.refusals.len(),
            "sync finished"
        );
        Ok(report)
    }
}

impl Logbook {
    /// Keeps one answer of the server, in one transaction: the account's news, the time of the
    /// sync, what was acknowledged or refused of `batch`, and the pulled changes. Returns how
    /// many changes still wait to be pushed.
    #[allow(clippy::too_many_arguments)]
    fn write_answer(
        &self,
        account: &Account,
        batch: &Batch,
        response: &SyncResponse,
        at: i64,
        epoch: &Option<EpochNews>,
        waiting: &mut HashSet<String>,
        report: &mut SyncReport,
    ) -> Result<u64, ClientError> {
        self.store().write_replayable(|tx| {
            if let Some(news) = &response.account {
                report.connection_news.extend(take_account_news(tx, account, news, &mut report.registry)?);
            }
            store::set_meta(tx, key::LAST_SYNC_MS, &at)?;
            let pending = apply(tx, account, batch, response, waiting, report)?;
            match epoch {
                None => Ok(pending),
                Some(EpochNews::First(epoch)) => {
                    store::set_meta(tx, key::SERVER_EPOCH, epoch)?;
                    Ok(pending)
                }
                Some(EpochNews::Restored(epoch)) => {
                    store::set_meta(tx, key::SERVER_EPOCH, epoch)?;
                    let queued = send_again(tx)?;
                    tx.execute("DELETE FROM meta WHERE key = ?1", [key::CURSOR])?;
                    waiting.clear();
                    tracing::warn!(
                        queued,
                        "the server was restored from a backup: sending again every change made here, and pulling everything"
                    );
                    store::pending_count(tx)
                }
            }
        })
    }

    /// Keeps `answer` (a sync answer's JSON) as if the server had sent it in reply to what
    /// waits to be pushed: the fuzz target of a device receiving a pulled page. Not for apps.
    #[cfg(feature = "fuzzing")]
    #[doc(hidden)]
    pub fn keep_answer(&self, answer: &[u8]) -> Result<SyncReport, ClientError> {
        let response: SyncResponse = serde_json::from_slice(answer)?;
        let account = self.require_account()?;
        let batch = next_batch(self.store().conn(), &SyncOptions::default(), None, &HashSet::new())?;
        let mut report = SyncReport::default();
        let epoch = epoch_news(self.store().conn(), &response)?;
        self.write_answer(&account, &batch, &response, now_ms(), &epoch, &mut HashSet::new(), &mut report)?;
        Ok(report)
    }
}

/// Whether a refusal says only that the server lacks what the pushed changes build on: a
/// missing dependency, or a session the server does not know although this device received
/// changes of it from the server (a server restored from a backup taken before it was logged).
fn server_lacks(tx: &rusqlite::Connection, refused: &rsc_protocol::DocRefusal) -> Result<bool, ClientError> {
    match refused.code {
        RefusalCode::MissingDependencies => Ok(true),
        RefusalCode::NotParticipant => {
            let Some(stored) = store::doc(tx, &refused.doc)? else { return Ok(false) };
            let actor = store::device(tx)?.1;
            let mut doc = SessionDoc::load_as(&stored.bytes, actor.clone())?;
            Ok(doc
                .changes_since(&[])
                .iter()
                .any(|bytes| SessionDoc::decode_change(bytes).is_ok_and(|change| change.actor_id() != &actor)))
        }
        _ => Ok(false),
    }
}

/// What an answer's epoch says against the one this device holds.
enum EpochNews {
    /// The first this device hears of (a new sign-in, or the first sync after an update).
    First(String),
    /// Another than before: the server's database was restored from a backup.
    Restored(String),
}

fn epoch_news(conn: &rusqlite::Connection, response: &SyncResponse) -> Result<Option<EpochNews>, ClientError> {
    let Some(epoch) = &response.epoch else { return Ok(None) };
    let held: Option<String> = store::get_meta(conn, key::SERVER_EPOCH)?;
    Ok(match held {
        None => Some(EpochNews::First(epoch.clone())),
        Some(held) if &held != epoch => Some(EpochNews::Restored(epoch.clone())),
        Some(_) => None,
    })
}

/// Queues again every change this device made to the documents it holds, but those queued
/// already, in the order they were made: a restored server may have lost any of them.
/// Returns how many were queued.
fn send_again(tx: &rusqlite::Connection) -> Result<usize, ClientError> {
    let actor = store::device(tx)?.1;
    let mut queued = 0;
    for (kind, doc_id, bytes) in store::documents(tx)? {
        let mine = if kind == "training" {
            rsc_doc::TrainingDoc::load_as(&bytes, actor.clone())?.changes_since(&[])
        } else {
            SessionDoc::load_as(&bytes, actor.clone())?.changes_since(&[])
        };
        let already: HashSet<rsc_doc::ChangeHash> = store::pending_of(tx, &doc_id)?
            .iter()
            .filter_map(|bytes| SessionDoc::decode_change(bytes).ok())
            .map(|change| change.hash())
            .collect();
        let mut again = Vec::new();
        for bytes in mine {
            let change = SessionDoc::decode_change(&bytes)?;
            if change.actor_id() == &actor && !already.contains(&change.hash()) {
                again.push(bytes);
            }
        }
        queued += again.len();
        store::add_pending_of(tx, kind, &doc_id, &again)?;
    }
    Ok(queued)
}

/// Keeps the profile and the directory that came with a sync's answer, and their version;
/// returns what others did to the user's connections since the directory kept before.
fn take_account_news(
    tx: &rusqlite::Connection,
    account: &Account,
    news: &AccountNews,
    registry: &mut Vec<crate::RegistryNews>,
) -> Result<Vec<crate::ConnectionNews>, ClientError> {
    let fallback = news.directory.name(&account.user_id).unwrap_or_default().to_string();
    let profile = crate::profile::Profile::from_wire(news.profile.clone(), &fallback)?;
    crate::profile::keep_server_profile(tx, None, profile)?;
    let before: Option<ProviderDirectory> = store::get_meta(tx, key::DIRECTORY)?;
    let changes = crate::connections::news_between(before.as_ref(), &news.directory);
    if let Some(before) = &before {
        let me = Id::new(account.user_id.as_str(), "user")?;
        let views = store::views(tx, None, None, None)?
            .into_iter()
            .map(|(json, _)| serde_json::from_str::<crate::SessionView>(&json))
            .collect::<Result<Vec<_>, _>>()?;
        let rulebook = news.profile.rulebook.as_deref().and_then(rsc_rules::builtin);
        let purpose =
            news.profile.purpose.as_deref().and_then(|p| p.parse().ok()).unwrap_or(rsc_rules::Purpose::Application);
        let accepted = rulebook.as_ref().map(|r| r.accepted_credentials(purpose));
        registry.extend(crate::hours::registry_news(&me, &views, before, &news.directory, accepted.as_deref()));
    }
    crate::people::keep_directory(tx, account, &news.directory)?;
    store::set_meta(tx, key::ACCOUNT_VERSION, &news.version)?;
    Ok(changes)
}

fn with_retry<T>(
    options: &SyncOptions,
    report: &mut SyncReport,
    state: &mut SyncProgress,
    progress: &dyn Fn(&SyncProgress),
    call: impl Fn() -> Result<T, ClientError>,
) -> Result<T, ClientError> {
    let mut delay = options.first_retry_delay;
    let mut attempt = 1;
    loop {
        options.check_cancelled()?;
        match call() {
            Ok(value) => return Ok(value),
            Err(error) if error.is_transient() && attempt < options.max_attempts => {
                tracing::warn!(%error, attempt, "sync request failed; retrying");
                report.retries += 1;
                state.retrying_in_ms = Some(delay.as_millis() as u64);
                progress(state);
                // Sleep in short steps, so that a cancelled sync stops waiting at once.
                let until = std::time::Instant::now() + delay;
                while std::time::Instant::now() < until {
                    options.check_cancelled()?;
                    std::thread::sleep((until - std::time::Instant::now()).min(Duration::from_millis(50)));
                }
                delay = (delay * 2).min(options.max_retry_delay);
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// The oldest unacknowledged changes that fit one request: a prefix of each document's
/// changes in the order they were made, within the protocol's limits.
fn next_batch(
    conn: &rusqlite::Connection,
    options: &SyncOptions,
    account_version: Option<String>,
    waiting: &HashSet<String>,
) -> Result<Batch, ClientError> {
    let cursor: Option<Cursor> = store::get_meta(conn, key::CURSOR)?;
    let rows = store::pending(conn, options.max_docs_per_request * rsc_protocol::MAX_CHANGES_PER_DOC, waiting)?;
    let mut push: Vec<DocPush> = Vec::new();
    // Which of `push` are trainings, sent apart from the sessions.
    let mut training: Vec<bool> = Vec::new();
    let mut sent: Vec<(String, i64, usize)> = Vec::new();
    let mut bytes = 0usize;
    for row in rows {
        bytes += row.change.len();
        if bytes > MAX_PUSH_BYTES && !push.is_empty() {
            break;
        }
        let index = match sent.iter().position(|(doc, _, _)| doc == &row.doc) {
            Some(index) => index,
            None if sent.len() < options.max_docs_per_request => {
                sent.push((row.doc.clone(), row.seq, 0));
                push.push(DocPush { doc: row.doc.clone(), changes: Vec::new() });
                training.push(row.training);
                sent.len() - 1
            }
            None => continue,
        };
        if push[index].changes.len() >= rsc_protocol::MAX_CHANGES_PER_DOC {
            continue;
        }
        push[index].changes.push(Bytes(row.change));
        sent[index].1 = row.seq;
        sent[index].2 += 1;
    }
    let (trainings, push): (Vec<_>, Vec<_>) = push.into_iter().zip(training).partition(|(_, training)| *training);
    let request = SyncRequest {
        v: rsc_protocol::PROTOCOL_VERSION,
        cursor,
        push: push.into_iter().map(|(push, _)| push).collect(),
        page_changes: options.page_changes,
        account_version,
        trainings: trainings.into_iter().map(|(push, _)| push).collect(),
    };
    Ok(Batch { request, sent })
}

/// Applies one answer in one transaction; returns how many changes still wait to be pushed.
fn apply(
    tx: &rusqlite::Connection,
    account: &Account,
    batch: &Batch,
    response: &SyncResponse,
    waiting: &mut HashSet<String>,
    report: &mut SyncReport,
) -> Result<u64, ClientError> {
    let max_seq = |doc: &str| batch.sent.iter().find(|(d, _, _)| d == doc).map(|(_, seq, count)| (*seq, *count));
    let mut answered = 0;
    for ack in &response.accepted {
        if let Some((seq, count)) = max_seq(&ack.doc) {
            store::acknowledge(tx, &ack.doc, seq)?;
            report.sent_back.extend(crate::logbook::take_sent_back(tx, &ack.doc)?);
            report.pushed_changes += count as u64;
            answered += 1;
        }
    }
    for refused in &response.refused {
        if max_seq(&refused.doc).is_none() {
            continue;
        }
        if server_lacks(tx, refused)? {
            // What these changes build on is not on the server: after a restore, until the
            // device that made it sends it again. They stay queued, and wait for a later sync.
            waiting.insert(refused.doc.clone());
            answered += 1;
            tracing::info!(doc = %refused.doc, "push waits for changes it builds on to reach the server");
        } else {
            let directory: Option<ProviderDirectory> = store::get_meta(tx, key::DIRECTORY)?;
            let refusal = crate::Refusal {
                doc: refused.doc.clone(),
                code: refused.code.as_str().to_string(),
                field: refused.field.clone(),
                message: crate::directory::in_words(tx, directory.as_ref(), &refused.message),
            };
            let set_aside = store::refuse(tx, &refusal, now_ms())?;
            if batch.request.trainings.iter().any(|t| t.doc == refusal.doc) {
                roll_back_training(tx, &refusal.doc, &set_aside)?;
            } else {
                // Refused edits sent nothing back.
                crate::logbook::take_sent_back(tx, &refusal.doc)?;
                roll_back(tx, account, &refusal.doc, &set_aside)?;
            }
            answered += 1;
            tracing::warn!(doc = %refusal.doc, code = %refusal.code, message = %refusal.message, "push refused");
            report.refusals.push(refusal);
        }
    }
    if answered < batch.sent.len() {
        // Without an answer for a pushed document the next request would send it again
        // forever; stop instead, with nothing applied.
        return Err(ClientError::Server {
            status: 200,
            message: format!("the server answered for {answered} of {} pushed sessions", batch.sent.len()),
        });
    }
    if !response.pull.is_empty() {
        let me = Id::new(account.user_id.as_str(), "user")?;
        let trust = trust(tx, account)?;
        let actor = store::device(tx)?.1;
        // What is kept of each is read first; the documents are then merged, checked and
        // rendered on every core (each one's work is its own and touches no store), and kept
        // in order.
        // A document may come more than once in a page (its changes interleaved with others'):
        // its changes are taken together, in the order they came.
        let mut jobs: Vec<(&str, Vec<Vec<u8>>)> = Vec::with_capacity(response.pull.len());
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for pulled in &response.pull {
            let at = *index.entry(pulled.doc.as_str()).or_insert_with(|| {
                jobs.push((pulled.doc.as_str(), Vec::new()));
                jobs.len() - 1
            });
            jobs[at].1.extend(pulled.changes.iter().map(|c| c.0.clone()));
        }
        let mut work = Vec::with_capacity(jobs.len());
        for (doc, changes) in jobs {
            work.push((changes, store::doc_and_view(tx, doc)?));
        }
        let received = in_parallel(work, |(changes, kept)| receive(changes, kept, &actor, &me, &trust));
        for received in received {
            let Received { rendered, before, changes } = received?;
            crate::logbook::keep(tx, &rendered)?;
            if let Some(before) = &before {
                report.unsettled.extend(crate::Unsettled::between(before, &rendered.view));
            }
            report.decided.extend(crate::Decided::between(before.as_ref(), &rendered.view, &me));
            report.pulled_changes += changes as u64;
            report.updated_sessions.push(rendered.view.id);
        }
    }
    for pulled in &response.trainings {
        let changes: Vec<Vec<u8>> = pulled.changes.iter().map(|c| c.0.clone()).collect();
        let doc = match store::training(tx, &pulled.doc)? {
            Some((bytes, _)) => {
                let mut doc = rsc_doc::TrainingDoc::load_as(&bytes, store::device(tx)?.1)?;
                doc.apply_changes_read(&changes)?;
                doc
            }
            None => rsc_doc::TrainingDoc::from_changes_read(&changes)?.0,
        };
        let view = crate::trainings::keep(tx, doc)?;
        report.pulled_changes += changes.len() as u64;
        report.updated_trainings.push(view.id);
    }
    store::set_meta(tx, key::CURSOR, &response.cursor)?;
    store::pending_count(tx)
}

/// [`roll_back`] for a training: back to what the server holds, or gone when its creation was
/// refused (its changes stay in the refused table).
fn roll_back_training(tx: &rusqlite::Connection, doc_id: &str, set_aside: &[Vec<u8>]) -> Result<(), ClientError> {
    let Some((bytes, _)) = store::training(tx, doc_id)? else { return Ok(()) };
    let hashes: Vec<rsc_doc::ChangeHash> =
        set_aside.iter().filter_map(|bytes| SessionDoc::decode_change(bytes).ok()).map(|c| c.hash()).collect();
    let mut doc = rsc_doc::TrainingDoc::load_as(&bytes, store::device(tx)?.1)?;
    match doc.without(&hashes)? {
        Some(kept) => {
            crate::trainings::keep(tx, kept)?;
        }
        None => store::delete_training(tx, doc_id)?,
    }
    Ok(())
}

/// A pulled document merged into what this device kept of it, checked and rendered.
struct Received {
    rendered: Rendered,
    before: Option<SessionView>,
    changes: usize,
}

/// Merges pulled `changes` into the document kept (or makes it from the changes), reading the session
/// once: the read that checks the changes is the one rendered.
fn receive(
    changes: Vec<Vec<u8>>,
    kept: Option<(store::StoredDoc, String)>,
    actor: &rsc_doc::ActorId,
    me: &Id,
    trust: &crate::view::Trust,
) -> Result<Received, ClientError> {
    let (mut doc, session, before) = match kept {
        Some((stored, view)) => {
            let before: SessionView = serde_json::from_str(&view)?;
            let mut doc = SessionDoc::load_as(&stored.bytes, actor.clone())?;
            let session = doc.apply_changes_read(&changes)?;
            (doc, session, Some(before))
        }
        None => {
            let (doc, session) = SessionDoc::from_changes_read(&changes)?;
            (doc, session, None)
        }
    };
    let rendered = crate::logbook::render(me, trust, &mut doc, &session)?;
    Ok(Received { rendered, before, changes: changes.len() })
}

/// Fewer documents than this are received on the calling thread alone.
const PARALLEL_FROM: usize = 32;

/// `work` applied to each of `jobs` on every core, the results in the jobs' order.
fn in_parallel<J: Send, T: Send>(jobs: Vec<J>, work: impl Fn(J) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || jobs.len() < PARALLEL_FROM {
        return jobs.into_iter().map(work).collect();
    }
    let share = jobs.len().div_ceil(threads);
    let mut chunks: Vec<Vec<J>> = Vec::with_capacity(threads);
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        chunks.push(jobs.by_ref().take(share).collect());
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(work).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Takes refused changes (and whatever builds on them) out of the device's copy of a document,
/// so that it goes back to what the server holds and later edits are made on that: a refused
/// change never wedges a session. A session whose creation was refused leaves the logbook (its
/// changes stay in the refused table).
fn roll_back(
    tx: &rusqlite::Connection,
    account: &Account,
    doc_id: &str,
    set_aside: &[Vec<u8>],
) -> Result<(), ClientError> {
    let Some(stored) = store::doc(tx, doc_id)? else { return Ok(()) };
    let hashes: Vec<rsc_doc::ChangeHash> =
        set_aside.iter().filter_map(|bytes| SessionDoc::decode_change(bytes).ok()).map(|c| c.hash()).collect();
    let actor = store::device(tx)?.1;
    let mut doc = SessionDoc::load_as(&stored.bytes, actor)?;
    match doc.without(&hashes)? {
        Some(mut kept) => {
            let me = Id::new(account.user_id.as_str(), "user")?;
            let heads = kept.heads();
            save(tx, &me, &trust(tx, account)?, kept, &heads)?;
        }
        None => store::delete_doc(tx, doc_id)?,
    }
    Ok(())
}

/// `text` for a URL's query, encoded by the URL crate reqwest carries.
fn url_encoded(text: &str) -> String {
    let mut url = reqwest::Url::parse("http://localhost/").expect("a fixed URL");
    url.query_pairs_mut().append_pair("v", text);
    url.query().and_then(|q| q.strip_prefix("v=")).unwrap_or_default().to_string()
}
