//! The uniffi surface of the device core: a [`Logbook`] object over `rsc-client`, records and
//! enums for what crosses the boundary (`types`), one error enum whose variants say what the app
//! can do, a callback for sync progress, one for changed sessions, and one for a watch that
//! syncs whenever the server says so.
//!
//! Calls that go to the server are `async` (Kotlin `suspend`, Swift `async`): each runs on a
//! thread of its own, so the caller's dispatcher is never blocked, and dropping the call (a
//! cancelled coroutine or task) cancels a sync. Calls that only touch this device's store
//! return at once and may be made from any thread.
//!
//! Thin on purpose: conversions only. Behaviour lives, and is tested, in `rsc-client`; the
//! Kotlin suite (`tests/kotlin`) checks the glue: types, errors, callbacks and async.

mod connections;
mod types;

use std::sync::{Arc, Mutex};

use rsc_client as core;
use rsc_client::ClientError;

pub use connections::*;
pub use types::*;

uniffi::setup_scaffolding!();

/// Why a call failed, as what the app can do about it. (`LogbookException` in Kotlin.)
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum LogbookError {
    /// The server could not be reached or failed; nothing was lost: try again later.
    #[error("cannot reach the server: {reason}")]
    Network {
        /// What happened.
        reason: String,
    },
    /// Not signed in, or this device was signed out elsewhere: sign in again.
    #[error("{reason}")]
    Unauthorized {
        /// What happened.
        reason: String,
    },
    /// An input breaks a rule: show `reason` beside `field` and let the user fix it.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// The offending field.
        field: String,
        /// What is wrong, and what would be right.
        reason: String,
    },
    /// No such session or attendee on this device.
    #[error("{reason}")]
    NotFound {
        /// What was looked for.
        reason: String,
    },
    /// The device's storage failed (disk full, damaged file).
    #[error("{reason}")]
    Storage {
        /// What happened.
        reason: String,
    },
    /// The server refused, for a reason no field can fix (not allowed, not there, already so,
    /// too many attempts): show `reason`; retrying at once will not help.
    #[error("{reason}")]
    Rejected {
        /// What the server said.
        reason: String,
    },
    /// The call was cancelled; whatever a sync had applied stays applied.
    #[error("cancelled")]
    Cancelled,
    /// A bug, here or on the server (an answer this version does not understand): report it.
    #[error("{reason}")]
    Internal {
        /// What happened, with its causes.
        reason: String,
    },
}

/// The core's error flattened once, at the boundary, into what the app can act on; the reason
/// carries the whole cause chain.
impl From<ClientError> for LogbookError {
    fn from(error: ClientError) -> Self {
        let reason = core::cause_chain(&error);
        match error {
            ClientError::Invalid { field, message } => LogbookError::InvalidInput { field, reason: message },
            ClientError::NotFound(reason) => LogbookError::NotFound { reason },
            ClientError::Unauthorized(reason) => LogbookError::Unauthorized { reason },
            ClientError::Rejected { message, .. } => LogbookError::Rejected { reason: message },
            ClientError::Cancelled => LogbookError::Cancelled,
            ClientError::Storage(_) | ClientError::StorageFull | ClientError::Database(_) => {
                LogbookError::Storage { reason }
            }
            ClientError::Network(_) => LogbookError::Network { reason },
            ref server @ ClientError::Server { .. } if server.is_transient() => LogbookError::Network { reason },
            ClientError::Server { .. } | ClientError::StoredData { .. } => LogbookError::Internal { reason },
        }
    }
}

type Result<T> = std::result::Result<T, LogbookError>;

fn invalid(field: &str, reason: impl std::fmt::Display) -> LogbookError {
    LogbookError::InvalidInput { field: field.to_string(), reason: reason.to_string() }
}

fn id(text: &str, field: &str) -> Result<core::Id> {
    core::Id::new(text, field).map_err(|e| ClientError::from(e).into())
}

/// Hears how a sync is going; called on the syncing thread after each round trip and before
/// each retry.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// The sync's progress.
    fn on_progress(&self, progress: SyncProgress);
}

/// Hears which sessions changed on this device, after a local edit or a sync; called on the
/// thread that made the change. Refresh those rows of a list.
#[uniffi::export(with_foreign)]
pub trait SessionObserver: Send + Sync {
    /// The ids of the sessions that changed.
    fn sessions_changed(&self, session_ids: Vec<String>);
}

/// Hears what a watch ([`Logbook::watch`]) does; called on the watch's own thread.
#[uniffi::export(with_foreign)]
pub trait WatchListener: Send + Sync {
    /// A sync ran: on connecting, and whenever a session changed elsewhere. The observer has
    /// already heard which sessions changed.
    fn on_synced(&self, report: SyncReport);
    /// The connection was lost; the watch tries again after `retry_in_ms`.
    fn on_disconnected(&self, reason: String, retry_in_ms: u64);
    /// The watch ended: `error` is `null` when it was stopped, or says why it could not go on
    /// (signed out, device revoked).
    fn on_stopped(&self, error: Option<String>);
}

/// A running watch: it runs while this handle lives (Kotlin `close()`/`use`, or Swift
/// releasing it, stop it too).
#[derive(uniffi::Object)]
pub struct Watch {
    cancel: core::CancelFlag,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

#[uniffi::export]
impl Watch {
    /// Stops the watch: it syncs no more, and its listener hears `on_stopped(null)`.
    pub fn stop(&self) {
        self.cancel.cancel();
    }
}

/// Runs `work` on a thread of its own and waits for it without blocking the caller's executor.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let (done, outcome) = futures_channel::oneshot::channel();
    std::thread::Builder::new()
        .name("rsc-logbook".into())
        .spawn(move || {
            let _ = done.send(work());
        })
        .map_err(|e| LogbookError::Internal { reason: format!("cannot start a thread: {e}") })?;
    outcome
        .await
        .map_err(|_| LogbookError::Internal { reason: "the worker thread stopped without an answer".into() })?
}

/// Raises the sync's cancel flag when the call is dropped before it finishes.
struct CancelOnDrop(Option<core::CancelFlag>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.cancel();
        }
    }
}

/// A device's logbook.
#[derive(uniffi::Object)]
pub struct Logbook {
    inner: Arc<core::Logbook>,
    observer: Mutex<Option<Arc<dyn SessionObserver>>>,
    running_sync: Mutex<Option<core::CancelFlag>>,
    running_watch: Mutex<Option<core::CancelFlag>>,
}

impl Logbook {
    /// Tells the observer which sessions a sync changed or set aside.
    fn synced(&self, report: core::SyncReport) -> SyncReport {
        let report = SyncReport::from(report);
        let mut ids = report.updated_sessions.clone();
        ids.extend(report.refusals.iter().map(|r| r.session_id.clone()));
        ids.sort();
        ids.dedup();
        self.notify(ids);
        report
    }

    fn notify(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let observer = self.observer.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(observer) = observer {
            observer.sessions_changed(ids);
        }
    }

    /// A local change to one session, told to the observer.
    fn changed(&self, view: core::SessionView) -> Session {
        let session = Session::from(view);
        self.notify(vec![session.id.clone()]);
        session
    }

    /// Runs a call to the server off the caller's thread.
    async fn remote<T: Send + 'static>(
        &self,
        call: impl FnOnce(&core::Logbook) -> std::result::Result<T, ClientError> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        off_thread(move || call(&inner).map_err(LogbookError::from)).await
    }
}

#[uniffi::export]
impl Logbook {
    /// Opens the logbook kept in the folder `dir`, creating it on first use.
    #[uniffi::constructor]
    pub fn new(dir: String) -> Result<Arc<Logbook>> {
        Ok(Arc::new(Logbook {
            inner: Arc::new(core::Logbook::open(dir)?),
            observer: Mutex::new(None),
            running_sync: Mutex::new(None),
            running_watch: Mutex::new(None),
        }))
    }

    /// Sets (or, with `null`, removes) the observer told which sessions change.
    pub fn set_observer(&self, observer: Option<Arc<dyn SessionObserver>>) {
        *self.observer.lock().unwrap_or_else(|p| p.into_inner()) = observer;
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>> {
        Ok(self.inner.account()?.map(Account::from))
    }

    /// Creates an account and signs this device in to it.
    pub async fn sign_up(
        &self,
        server: String,
        email: String,
        password: String,
        display_name: String,
        device_name: String,
    ) -> Result<Account> {
        let account =
            self.remote(move |core| core.sign_up(&server, &email, &password, &display_name, &device_name)).await?;
        Ok(account.into())
    }

    /// Signs this device in to an existing account.
    pub async fn sign_in(
        &self,
        server: String,
        email: String,
        password: String,
        device_name: String,
    ) -> Result<Account> {
        Ok(self.remote(move |core| core.sign_in(&server, &email, &password, &device_name)).await?.into())
    }

    /// Signs out; refused while changes have not reached the server unless `discard_unsynced`.
    #[uniffi::method(default(discard_unsynced = false))]
    pub async fn sign_out(&self, discard_unsynced: bool) -> Result<()> {
        self.remote(move |core| core.sign_out(discard_unsynced)).await
    }

    /// Changes the password; other devices stay signed in.
    pub async fn change_password(&self, current: String, new: String) -> Result<()> {
        self.remote(move |core| core.change_password(&current, &new)).await
    }

    /// Everything the server keeps about the signed-in person, as pretty-printed JSON
    /// (`rsc-logbook-own-data/1`) for her to save or share.
    pub async fn download_own_data(&self) -> Result<String> {
        self.remote(move |core| core.own_data()).await
    }

    /// Closes the account after its password (the app asks her to confirm first): every
    /// device is signed out, this one forgets it, and her email is erased. Refused while
    /// changes have not reached the server.
    pub async fn close_account(&self, password: String) -> Result<()> {
        self.remote(move |core| core.close_account(&password)).await
    }

    /// Sets a new password with a one-time reset code from the operator; every device of
    /// the account is signed out, this one included: sign in afterwards.
    pub async fn reset_password(&self, server: String, email: String, code: String, new: String) -> Result<()> {
        self.remote(move |core| core.reset_password(&server, &email, &code, &new)).await
    }

    /// Connects with the provider who shared `code` (as typed, or the whole link).
    pub async fn connect(&self, code: String) -> Result<Person> {
        Ok(self.remote(move |core| core.connect(&code)).await?.into())
    }

    /// Asks the provider who holds the registry record `number` to connect. Until she accepts,
    /// sessions with her cannot be logged; she sees the user's name and email.
    pub async fn request_connection(&self, number: String) -> Result<Connection> {
        Ok(self.remote(move |core| core.request_connection(&number)).await?.into())
    }

    /// Every connection and request of the user's, on either side (offline, from the last
    /// directory received).
    pub fn connections(&self) -> Result<Vec<Connection>> {
        Ok(self.inner.connections()?.into_iter().map(Into::into).collect())
    }

    /// As a provider: accepts the request of `person` (a name, or its start).
    pub async fn accept_request(&self, person: String) -> Result<Connection> {
        Ok(self.remote(move |core| core.accept_request(&person)).await?.into())
    }

    /// As a provider: declines the request of `person`; she is told, and may ask again in a week.
    pub async fn decline_request(&self, person: String) -> Result<Connection> {
        Ok(self.remote(move |core| core.decline_request(&person)).await?.into())
    }

    /// Ends the connection with `person` (a provider or a supervisee, by name), or takes back a
    /// request; sessions already logged stay and keep counting.
    pub async fn end_connection(&self, person: String) -> Result<Connection> {
        Ok(self.remote(move |core| core.end_connection(&person)).await?.into())
    }

    /// The groups the user keeps (archived too) and those she belongs to (offline).
    pub fn groups(&self) -> Result<Vec<Group>> {
        Ok(self.inner.groups()?.into_iter().map(Into::into).collect())
    }

    /// As a provider: a new group of supervisees, each named by name.
    pub async fn create_group(&self, name: String, members: Vec<String>) -> Result<Group> {
        Ok(self.remote(move |core| core.create_group(&name, &members)).await?.into())
    }

    /// As a provider: renames one of her groups (named by its name).
    pub async fn rename_group(&self, group: String, new_name: String) -> Result<Group> {
        Ok(self.remote(move |core| core.rename_group(&group, &new_name)).await?.into())
    }

    /// As a provider: archives one of her groups, or brings it back (`archived = false`).
    pub async fn archive_group(&self, group: String, archived: bool) -> Result<Group> {
        Ok(self.remote(move |core| core.archive_group(&group, archived)).await?.into())
    }

    /// As a provider: adds a supervisee (by name) to one of her groups.
    pub async fn add_to_group(&self, group: String, person: String) -> Result<Group> {
        Ok(self.remote(move |core| core.add_to_group(&group, &person)).await?.into())
    }

    /// As a provider: takes a member (by name) out of one of her groups.
    pub async fn remove_from_group(&self, group: String, person: String) -> Result<Group> {
        Ok(self.remote(move |core| core.remove_from_group(&group, &person)).await?.into())
    }

    /// As a provider: a new connection code to share, working for `valid_days` (1 to 90).
    #[uniffi::method(default(valid_days = 14))]
    pub async fn create_connection_code(&self, valid_days: u32) -> Result<ConnectionCode> {
        Ok(self.remote(move |core| core.create_connection_code(Some(valid_days))).await?.into())
    }

    /// As a provider: the codes that still work.
    pub async fn connection_codes(&self) -> Result<Vec<ConnectionCode>> {
        Ok(self.remote(|core| core.connection_codes()).await?.into_iter().map(Into::into).collect())
    }

    /// As a provider: withdraws a code; people connected with it stay connected.
    pub async fn revoke_connection_code(&self, code: String) -> Result<()> {
        self.remote(move |core| core.revoke_connection_code(&code)).await
    }

    /// Fetches names, connections and registry records now rather than at the next sync.
    pub async fn refresh_directory(&self) -> Result<()> {
        self.remote(|core| core.refresh_directory()).await
    }

    /// Everyone the user works with, by name (offline, from the last directory received).
    pub fn people(&self) -> Result<Vec<Person>> {
        Ok(self.inner.people()?.into_iter().map(Into::into).collect())
    }

    /// The person `text` names: a name as people type it (any case, with or without accents, the
    /// start of it or of any of its words).
    pub fn find_person(&self, text: String) -> Result<Person> {
        Ok(self.inner.find_person(&text, "person")?.into())
    }

    /// The profile as this device knows it.
    pub fn profile(&self) -> Result<Profile> {
        Ok(self.inner.profile()?.into())
    }

    /// Changes the profile offline; the next sync sends it.
    pub fn set_profile(&self, profile: Profile) -> Result<Profile> {
        Ok(self.inner.set_profile(profile.to_core()?)?.into())
    }

    /// Adds a training to the log, offline; the next sync sends it (and its certificate).
    pub fn add_training(&self, training: NewTraining) -> Result<Training> {
        Ok(self.inner.add_training(training.to_core()?)?.into())
    }

    /// Changes what a training says.
    pub fn edit_training(&self, training_id: String, training: NewTraining) -> Result<Training> {
        Ok(self.inner.edit_training(&training_id, training.to_core()?)?.into())
    }

    /// Removes a training logged by mistake: it counts nothing and is listed nowhere.
    pub fn remove_training(&self, training_id: String) -> Result<()> {
        self.inner.remove_training(&training_id)?;
        Ok(())
    }

    /// The trainings in the log, by date (self-reported).
    pub fn trainings(&self) -> Result<Vec<Training>> {
        Ok(self.inner.trainings()?.into_iter().map(Training::from).collect())
    }

    /// Keeps a certificate file (a PDF, PNG or JPEG of at most 10 MB, its type read from its
    /// content) on this device until the next sync uploads it; returns its SHA-256, for
    /// [`NewTraining::certificate`].
    pub fn keep_certificate(&self, file_name: String, bytes: Vec<u8>) -> Result<String> {
        Ok(self.inner.keep_certificate(&file_name, &bytes)?)
    }

    /// Logs a session offline. Ask [`Logbook::duplicates_of`] first, to warn before logging the
    /// same meeting twice.
    pub fn log_session(&self, session: NewSession) -> Result<Session> {
        Ok(self.changed(self.inner.log_session(session.to_core()?)?))
    }

    /// Sessions already logged that `session` would repeat (same provider, attendees, day and
    /// start time, not withdrawn).
    pub fn duplicates_of(&self, session: NewSession) -> Result<Vec<Session>> {
        Ok(self.inner.duplicates_of(&session.to_core()?)?.into_iter().map(Session::from).collect())
    }

    /// What [`Logbook::edit_session`] would send back to the provider, without making the edit:
    /// show it and ask before editing a confirmed session.
    pub fn preview_edit(&self, session_id: String, changes: SessionChanges) -> Result<Vec<Unsettled>> {
        Ok(self.inner.preview_edit(&session_id, changes.to_core()?)?.into_iter().map(Into::into).collect())
    }

    /// Changes session-level fields (the person who logged it, or its provider).
    pub fn edit_session(&self, session_id: String, changes: SessionChanges) -> Result<Session> {
        Ok(self.changed(self.inner.edit_session(&session_id, changes.to_core()?)?))
    }

    /// What [`Logbook::set_attendance`] would send back to the provider, without doing it.
    #[uniffi::method(default(minutes_attended = None, about_own_rsc_practice = None))]
    pub fn preview_attendance(
        &self,
        session_id: String,
        attendee: String,
        minutes_attended: Option<i32>,
        about_own_rsc_practice: Option<bool>,
    ) -> Result<Vec<Unsettled>> {
        let minutes_attended = minutes_attended.map(|m| types::minutes(m, "minutes_attended")).transpose()?;
        let unsettled =
            self.inner.preview_attendance(&session_id, &attendee, minutes_attended, about_own_rsc_practice)?;
        Ok(unsettled.into_iter().map(Into::into).collect())
    }

    /// Changes one attendee's minutes or topic; those left out stay as they are.
    #[uniffi::method(default(minutes_attended = None, about_own_rsc_practice = None))]
    pub fn set_attendance(
        &self,
        session_id: String,
        attendee: String,
        minutes_attended: Option<i32>,
        about_own_rsc_practice: Option<bool>,
    ) -> Result<Session> {
        let minutes_attended = minutes_attended.map(|m| types::minutes(m, "minutes_attended")).transpose()?;
        Ok(self.changed(self.inner.set_attendance(&session_id, &attendee, minutes_attended, about_own_rsc_practice)?))
    }

    /// Adds an attendee connected to the session's provider.
    pub fn add_attendee(&self, session_id: String, attendee: NewAttendee) -> Result<Session> {
        Ok(self.changed(self.inner.add_attendee(&session_id, attendee.to_core("attendee")?)?))
    }

    /// Removes an attendee.
    pub fn remove_attendee(&self, session_id: String, attendee: String) -> Result<Session> {
        Ok(self.changed(self.inner.remove_attendee(&session_id, &attendee)?))
    }

    /// Withdraws a session logged by mistake.
    #[uniffi::method(default(reason = ""))]
    pub fn withdraw_session(&self, session_id: String, reason: String) -> Result<Session> {
        Ok(self.changed(self.inner.withdraw_session(&session_id, &reason)?))
    }

    /// Undoes a withdrawal.
    pub fn restore_session(&self, session_id: String) -> Result<Session> {
        Ok(self.changed(self.inner.restore_session(&session_id)?))
    }

    /// One session (by id, or the first characters of it).
    pub fn session(&self, session_id: String) -> Result<Session> {
        Ok(self.inner.session(&session_id)?.into())
    }

    /// Every confirmation and dispute of the session, oldest first, replaced ones included.
    pub fn history(&self, session_id: String) -> Result<Vec<Statement>> {
        Ok(self.inner.history(&session_id)?.into_iter().map(Into::into).collect())
    }

    /// The sessions that pass `filter`, by date.
    pub fn sessions(&self, filter: SessionFilter) -> Result<Vec<Session>> {
        Ok(self.inner.sessions(&filter.to_core()?)?.into_iter().map(Session::from).collect())
    }

    /// As a provider: the attendees awaiting confirmation, in sessions that have ended.
    pub fn awaiting_confirmation(&self) -> Result<Vec<AwaitingConfirmation>> {
        Ok(self.inner.awaiting_confirmation()?.into_iter().map(Into::into).collect())
    }

    /// As a provider: what confirming `selection` would sign, and the entries it leaves with
    /// why (not ended yet, disputed). Show both, then sign `sign` with `confirm_many`.
    pub fn confirmation_plan(&self, selection: ConfirmSelection) -> Result<ConfirmationPlan> {
        Ok(self.inner.confirmation_plan(&selection.to_core()?)?.into())
    }

    /// As the provider: confirms an attendee, signed on this device, for `minutes_attended`
    /// (left out: as they logged it). More than they logged needs `more_than_logged`.
    #[uniffi::method(default(minutes_attended = None, more_than_logged = false))]
    pub fn confirm(
        &self,
        session_id: String,
        attendee: String,
        minutes_attended: Option<i32>,
        more_than_logged: bool,
    ) -> Result<Session> {
        let minutes_attended = minutes_attended.map(|m| types::minutes(m, "minutes_attended")).transpose()?;
        Ok(self.changed(self.inner.confirm(&session_id, &attendee, minutes_attended, more_than_logged)?))
    }

    /// As the provider: confirms many at once (a roster, a supervisee's sessions), one signature
    /// each, all saved together or none. Show the person what will be signed first.
    #[uniffi::method(default(more_than_logged = false))]
    pub fn confirm_many(&self, entries: Vec<Confirmation>, more_than_logged: bool) -> Result<Vec<Session>> {
        let entries = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(core::Confirmation {
                    session: e.session_id.clone(),
                    attendee: e.attendee.clone(),
                    minutes: e.minutes.map(|m| types::minutes(m, &format!("entries[{i}].minutes"))).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let sessions: Vec<Session> =
            self.inner.confirm_many(&entries, more_than_logged)?.into_iter().map(Session::from).collect();
        let mut ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
        ids.dedup();
        self.notify(ids);
        Ok(sessions)
    }

    /// As the provider: disputes the attendee's entry, with a reason.
    pub fn dispute(&self, session_id: String, attendee: String, reason: String) -> Result<Session> {
        Ok(self.changed(self.inner.dispute(&session_id, &attendee, &reason)?))
    }

    /// Evaluates the user's hours offline under a built-in rulebook (`nmaimh`, `orimha`,
    /// `ct-aimh`); `as_of` defaults to today.
    #[uniffi::method(default(as_of = None))]
    pub fn evaluate(&self, rulebook: String, purpose: Purpose, as_of: Option<IsoDate>) -> Result<Evaluation> {
        let as_of = as_of.map(|d| d.parse("as_of")).transpose()?;
        self.inner.evaluate(&rulebook, purpose, as_of)?.try_into()
    }

    /// The user's hours explained: what waits for whom, what it would add, the pace to meet the
    /// requirement by `by`, and why each uncounted session does not count.
    #[uniffi::method(default(as_of = None, by = None))]
    pub fn hours(
        &self,
        rulebook: String,
        purpose: Purpose,
        as_of: Option<IsoDate>,
        by: Option<IsoDate>,
    ) -> Result<Hours> {
        let as_of = as_of.map(|d| d.parse("as_of")).transpose()?;
        let by = by.map(|d| d.parse("by")).transpose()?;
        self.inner.hours(&rulebook, purpose, as_of, by)?.try_into()
    }

    /// Syncs with the server to completion, retrying network failures; `listener` hears
    /// progress. Cancelling the call (or [`Logbook::cancel_sync`]) stops it between round
    /// trips, keeping what was applied.
    #[uniffi::method(default(listener = None))]
    pub async fn sync(&self, listener: Option<Arc<dyn SyncListener>>) -> Result<SyncReport> {
        let flag = core::CancelFlag::new();
        *self.running_sync.lock().unwrap_or_else(|p| p.into_inner()) = Some(flag.clone());
        let mut guard = CancelOnDrop(Some(flag.clone()));
        let options = core::SyncOptions { cancel: Some(flag), ..core::SyncOptions::default() };
        let report = self
            .remote(move |core| {
                core.sync(&options, &|p: &core::SyncProgress| {
                    if let Some(listener) = &listener {
                        listener.on_progress(p.into());
                    }
                })
            })
            .await;
        // Finished: nothing left to cancel.
        guard.0 = None;
        *self.running_sync.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(self.synced(report?))
    }

    /// Keeps the logbook in sync while the app shows it: syncs now, then again whenever the
    /// server says a session of this account changed elsewhere (a provider's confirmation
    /// arrives within moments), reconnecting by itself when the connection drops. Returns at
    /// once; the watch runs on a thread of its own until [`Watch::stop`] (or a new watch)
    /// ends it. The observer hears changed sessions, `listener` each sync.
    pub fn watch(self: Arc<Self>, listener: Arc<dyn WatchListener>) -> Result<Arc<Watch>> {
        let cancel = core::CancelFlag::new();
        if let Some(previous) = self.running_watch.lock().unwrap_or_else(|p| p.into_inner()).replace(cancel.clone()) {
            previous.cancel();
        }
        let flag = cancel.clone();
        std::thread::Builder::new()
            .name("rsc-watch".into())
            .spawn(move || {
                let outcome = self.inner.watch(&core::SyncOptions::default(), &flag, &mut |event| match event {
                    core::WatchEvent::Synced(report) => listener.on_synced(self.synced(report)),
                    core::WatchEvent::Disconnected { reason, retry_in_ms } => {
                        listener.on_disconnected(reason, retry_in_ms)
                    }
                });
                listener.on_stopped(outcome.err().map(|e| LogbookError::from(e).to_string()));
            })
            .map_err(|e| LogbookError::Internal { reason: format!("cannot start a thread: {e}") })?;
        Ok(Arc::new(Watch { cancel }))
    }

    /// Stops the sync that is running, if any (it answers [`LogbookError::Cancelled`]).
    pub fn cancel_sync(&self) {
        if let Some(flag) = self.running_sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            flag.cancel();
        }
    }

    /// How the logbook stands.
    pub fn status(&self) -> Result<LogbookStatus> {
        Ok(self.inner.status()?.into())
    }

    /// As a provider: claims one's registry record by endorsement number.
    pub async fn claim_endorsement(&self, number: String) -> Result<ClaimStatus> {
        self.remote(move |core| core.claim_endorsement(&number)).await?;
        Ok(ClaimStatus::Pending)
    }

    /// As a provider: one's registry claims and where they stand.
    pub async fn claims(&self) -> Result<Vec<Claim>> {
        Ok(self.remote(|core| core.claims()).await?.into_iter().map(Into::into).collect())
    }

    /// Downloads the server's export of verified hours (rulebook and purpose default to the
    /// profile's, the date to today).
    #[uniffi::method(default(rulebook = None, purpose = None, as_of = None))]
    pub async fn export(
        &self,
        format: ExportFormat,
        rulebook: Option<String>,
        purpose: Option<Purpose>,
        as_of: Option<IsoDate>,
    ) -> Result<Vec<u8>> {
        let as_of = as_of.map(|d| d.parse("as_of")).transpose()?;
        self.remote(move |core| core.export(format.as_str(), rulebook.as_deref(), purpose, as_of)).await
    }

    /// Makes one export of the user's verified hours on the server and keeps it: one id, one
    /// link, one SHA-256. Its PDF, CSV and JSON are downloads of it ([`Logbook::download_export`]).
    #[uniffi::method(default(rulebook = None, purpose = None, as_of = None))]
    pub async fn make_export(
        &self,
        rulebook: Option<String>,
        purpose: Option<Purpose>,
        as_of: Option<IsoDate>,
    ) -> Result<ExportLink> {
        let as_of = as_of.map(|d| d.parse("as_of")).transpose()?;
        self.remote(move |core| {
            let server = core.account()?.map(|a| a.server_url).unwrap_or_default();
            let made = core.make_export(rulebook.as_deref(), purpose, as_of)?;
            Ok(ExportLink::from_core(made, &server))
        })
        .await
    }

    /// One of the user's kept exports (by id or link) as a PDF (on `paper`: `letter` or `a4`),
    /// a CSV or the signed JSON.
    #[uniffi::method(default(paper = None))]
    pub async fn download_export(
        &self,
        export: String,
        format: ExportFormat,
        paper: Option<String>,
    ) -> Result<Vec<u8>> {
        self.remote(move |core| core.download_export(&export, format.as_str(), paper.as_deref())).await
    }

    /// The exports the server keeps for this user, newest first, each with its link.
    pub async fn export_links(&self) -> Result<Vec<ExportLink>> {
        self.remote(|core| {
            let server = core.account()?.map(|a| a.server_url).unwrap_or_default();
            Ok(core.export_links()?.into_iter().map(|l| ExportLink::from_core(l, &server)).collect())
        })
        .await
    }

    /// Withdraws a kept export, by its id or link: the link then says it was withdrawn.
    pub async fn withdraw_export_link(&self, export: String) -> Result<()> {
        self.remote(move |core| core.withdraw_export_link(&export)).await
    }

    /// This device's public key (hex), as registered with the server.
    pub fn device_public_key(&self) -> Result<String> {
        Ok(self.inner.device_public_key()?)
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    #[test]
    fn the_core_error_is_flattened_once_into_what_the_app_can_act_on() {
        let refused =
            LogbookError::from(ClientError::Rejected { status: 409, message: "you already claimed `NM-1`".into() });
        assert!(matches!(&refused, LogbookError::Rejected { reason } if reason == "you already claimed `NM-1`"));
        let busy = LogbookError::from(ClientError::Server { status: 503, message: "busy".into() });
        assert!(matches!(busy, LogbookError::Network { .. }));
        let garbled = LogbookError::from(ClientError::Server { status: 200, message: "not understood".into() });
        assert!(matches!(garbled, LogbookError::Internal { .. }));
        assert!(matches!(LogbookError::from(ClientError::Cancelled), LogbookError::Cancelled));
        // A damaged stored document keeps its cause in the reason.
        let damaged = LogbookError::from(ClientError::StoredData {
            what: "session document",
            source: Box::new(std::io::Error::other("bad chunk")),
        });
        assert!(matches!(&damaged, LogbookError::Internal { reason } if reason.ends_with("bad chunk")), "{damaged:?}");
    }

    #[test]
    fn minutes_are_signed_and_checked_with_the_field_named() {
        assert!(
            matches!(types::minutes(-5, "minutes"), Err(LogbookError::InvalidInput { field, .. }) if field == "minutes")
        );
        assert!(matches!(types::minutes(0, "minutes"), Err(LogbookError::InvalidInput { .. })));
        assert_eq!(types::minutes(90, "minutes").ok().map(|m| m.get()), Some(90));
        let date = IsoDate("2025-02-30".into());
        assert!(matches!(date.parse("date"), Err(LogbookError::InvalidInput { field, .. }) if field == "date"));
    }
}
