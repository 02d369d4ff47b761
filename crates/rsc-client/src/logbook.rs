//! A device's logbook: the account, the sessions, and every offline operation on them. Each
//! operation validates with `rsc-doc`, the same code the server runs, so the device never
//! queues a change the server will refuse; each saves the document, its view and the changes
//! for the server in one transaction.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use reqwest::blocking::Client;
use rsc_doc::{DeviceKey, NewAttendee, SessionDoc, SessionEdit, SessionFields};
use rsc_model::{Applicant, Date, DossierBuilder, Id, Minutes};
use rsc_protocol::{
    DeviceInfo, LoginRequest, LoginResponse, ProviderDirectory, RegisterRequest, RegisterResponse, Role,
};
use rsc_rules::{Evaluation, Purpose};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::ClientError;
use crate::api::{self, Api};
use crate::directory::check_connected;
use crate::store::{self, Store, key};
use crate::view::{AttendanceStatus, SessionFilter, SessionView, Trust};

/// The file name of the store inside a logbook directory.
pub const STORE_FILE: &str = "logbook.sqlite3";

/// The signed-in account, as this device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The server's base URL.
    pub server_url: String,
    /// The account's user id (the id sessions name this person by).
    pub user_id: String,
    /// The sign-in email.
    pub email: String,
    /// The account's role.
    pub role: Role,
    /// This device's id on the server.
    pub device_id: String,
    /// The name this device was registered under.
    #[serde(default)]
    pub device_name: String,
    /// This device's bearer token.
    #[serde(default)]
    pub(crate) token: String,
}

/// A session to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The session-level fields.
    pub fields: SessionFields,
    /// Who attended. Empty means the signed-in user alone, for the whole session.
    pub attendees: Vec<NewAttendee>,
}

/// An attendee awaiting the signed-in provider's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingConfirmation {
    /// The session.
    pub session: SessionView,
    /// The attendee.
    pub attendee: Id,
    /// The attendee's name, where known.
    pub attendee_name: Option<String>,
    /// The minutes they logged.
    pub minutes_attended: Minutes,
    /// Pending, or changed since confirmed.
    pub status: AttendanceStatus,
    /// Why it is back with the provider after she confirmed or disputed it, in her words
    /// ("corrected after your dispute ("We met for 45 minutes"): now 45 minutes"); `None` when
    /// she never did.
    pub why_back: Option<String>,
}

/// Which of the provider's entries a batch confirmation takes: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfirmSelection {
    /// One session (its id, or the first characters of it).
    pub session: Option<String>,
    /// One supervisee's entries.
    pub supervisee: Option<Id>,
    /// Sessions dated on or before this day.
    pub through: Option<Date>,
}

/// An entry a batch leaves unsigned, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSigned {
    /// The session.
    pub session: SessionView,
    /// The attendee.
    pub attendee: Id,
    /// The attendee's name, where known.
    pub attendee_name: Option<String>,
    /// Why, in words ("not ended yet", "you disputed it ...").
    pub why: String,
}

/// What a batch confirmation would sign, and what it leaves and why: shown before signing,
/// and never refused whole for one entry that cannot be signed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfirmationPlan {
    /// The entries it signs, each as the attendee logged it.
    pub sign: Vec<AwaitingConfirmation>,
    /// The entries it leaves.
    pub not_signed: Vec<NotSigned>,
}

impl ConfirmationPlan {
    /// The minutes the signed entries confirm, together.
    pub fn minutes(&self) -> u64 {
        self.sign.iter().map(|w| u64::from(w.minutes_attended.get())).sum()
    }
}

/// One attendee to confirm in [`Logbook::confirm_many`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The session (its id, or the first characters of it).
    pub session: String,
    /// The attendee (their id, the first characters of it, or their name).
    pub attendee: String,
    /// The minutes confirmed; `None` for the minutes they logged.
    pub minutes: Option<Minutes>,
}

/// The most confirmations signed in one step.
pub const MAX_CONFIRMATIONS_AT_ONCE: usize = 500;

/// How the logbook stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogbookStatus {
    /// The signed-in account, if any.
    pub account: Option<Account>,
    /// Sessions on this device.
    pub sessions: u64,
    /// Changes not yet stored by the server.
    pub pending_changes: u64,
    /// Changes the server refused (kept on the device; see the sync report).
    pub refused_changes: u64,
    /// When the last sync finished (Unix milliseconds).
    pub last_sync_ms: Option<i64>,
}

/// A device's logbook. Safe to share between threads: operations take turns on the store, and
/// a sync holds the store only between round trips, so logging goes on while it runs.
///
/// ```
/// use rsc_client::{ClientError, Logbook};
///
/// let dir = std::env::temp_dir().join(format!("rsc-doctest-{}", std::process::id()));
/// let logbook = Logbook::open(&dir)?;
/// // A new logbook has a device key and nothing else; logging needs an account first.
/// let status = logbook.status()?;
/// assert_eq!((status.sessions, status.pending_changes, status.account), (0, 0, None));
/// assert_eq!(logbook.device_public_key()?.len(), 64);
/// assert!(matches!(logbook.sessions(&Default::default()), Ok(sessions) if sessions.is_empty()));
/// drop(logbook);
/// // The key survives reopening: it is the device's identity.
/// let key = Logbook::open(&dir)?.device_public_key()?;
/// assert_eq!(Logbook::open(&dir)?.device_public_key()?, key);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), ClientError>(())
/// ```
pub struct Logbook {
    pub(crate) store: Mutex<Store>,
    pub(crate) sync_lock: Mutex<()>,
    /// When the last sync finished, if later than the stored time (see `Logbook::sync`).
    pub(crate) last_sync_ms: std::sync::atomic::AtomicI64,
    http: OnceLock<Client>,
    dir: PathBuf,
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Today's date in UTC, by this device's clock; `None` when the clock is outside the dates the
/// logbook accepts.
pub fn today() -> Option<Date> {
    Date::from_unix_millis(now_ms())
}

impl Logbook {
    /// Opens the logbook kept in `dir`, creating it on first use.
    pub fn open(dir: impl AsRef<Path>) -> Result<Logbook, ClientError> {
        let dir = dir.as_ref().to_path_buf();
        if dir.as_os_str().is_empty() {
            return Err(ClientError::invalid("dir", "give the folder the logbook lives in"));
        }
        store::private::create_dir(&dir)?;
        let mut store = Store::open(&dir.join(STORE_FILE))?;
        store.write(|tx| store::device(tx).map(|_| ()))?;
        Ok(Logbook {
            store: Mutex::new(store),
            sync_lock: Mutex::new(()),
            last_sync_ms: std::sync::atomic::AtomicI64::new(0),
            http: OnceLock::new(),
            dir,
        })
    }

    /// The folder the logbook lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave a half-written store (writes are
        // transactions), so a poisoned lock is safe to keep using.
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn http(&self) -> Result<&Client, ClientError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = api::client()?;
        Ok(self.http.get_or_init(|| client))
    }

    /// The device's public key (hex), as registered with the server.
    pub fn device_public_key(&self) -> Result<String, ClientError> {
        let (key, _) = store::device(self.store().conn())?;
        Ok(hex::encode(key.public_key()))
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>, ClientError> {
        store::get_meta(self.store().conn(), key::ACCOUNT)
    }

    pub(crate) fn require_account(&self) -> Result<Account, ClientError> {
        self.account()?
            .ok_or_else(|| ClientError::Unauthorized("this device is not signed in; sign up or sign in first".into()))
    }

    /// Creates an account on `server` and signs this device in to it.
    pub fn sign_up(
        &self,
        server: &str,
        email: &str,
        password: &str,
        display_name: &str,
        device_name: &str,
    ) -> Result<Account, ClientError> {
        let server = api::validate_server_url(server)?;
        self.refuse_if_signed_in()?;
        let request = RegisterRequest {
            email: email.to_string(),
            password: password.to_string(),
            display_name: display_name.to_string(),
        };
        let _: RegisterResponse =
            Api { http: self.http()?, base: &server, token: None }.post("/v1/accounts", &request)?;
        // The server answers a registration the same way whether or not the email already had an
        // account; only signing in tells, and only the person who knows that account's password.
        self.sign_in(&server, email, password, device_name).map_err(|e| match e {
            ClientError::Unauthorized(_) => ClientError::Unauthorized(
                "this email already has an account with another password: sign in with that password instead".into(),
            ),
            other => other,
        })
    }

    /// Signs this device in to an existing account, registering its key and actor id.
    pub fn sign_in(
        &self,
        server: &str,
        email: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Account, ClientError> {
        let server = api::validate_server_url(server)?;
        self.refuse_if_signed_in()?;
        let device_name = device_name.trim();
        if device_name.is_empty() || device_name.len() > 100 {
            return Err(ClientError::invalid("device_name", "name this device in 1 to 100 bytes"));
        }
        let (key, actor) = store::device(self.store().conn())?;
        let known_as = format!("{server}|{}", email.trim().to_lowercase());
        let mut marks: std::collections::BTreeMap<String, String> =
            store::get_meta(self.store().conn(), key::KNOWN_CLIENTS)?.unwrap_or_default();
        let request = LoginRequest {
            email: email.to_string(),
            password: password.to_string(),
            device: DeviceInfo {
                name: device_name.to_string(),
                public_key: hex::encode(key.public_key()),
                actor_id: actor.to_hex_string(),
            },
            known_client: marks.get(&known_as).cloned(),
        };
        let login: LoginResponse =
            Api { http: self.http()?, base: &server, token: None }.post("/v1/login", &request)?;
        if let Some(mark) = &login.known_client {
            marks.insert(known_as, mark.clone());
            self.store().write(|tx| store::set_meta(tx, key::KNOWN_CLIENTS, &marks))?;
        }
        let account = Account {
            server_url: server,
            user_id: login.user_id,
            email: email.trim().to_lowercase(),
            role: login.role,
            device_id: login.device_id,
            device_name: device_name.to_string(),
            token: login.token,
        };
        self.store().write(|tx| store::set_meta(tx, key::ACCOUNT, &account))?;
        tracing::info!(user_id = %account.user_id, device_id = %account.device_id, "signed in");
        // Names and connections, so that the first session can be logged offline; the next
        // sync fetches them otherwise.
        if let Err(error) = self.refresh_directory() {
            tracing::warn!(%error, "could not fetch the directory after signing in");
        }
        Ok(account)
    }

    /// Changes the account's password; other devices stay signed in.
    pub fn change_password(&self, current: &str, new: &str) -> Result<(), ClientError> {
        let account = self.require_account()?;
        let request =
            rsc_protocol::PasswordChange { current_password: current.to_string(), new_password: new.to_string() };
        let api = self.api(&account)?;
        api.post_empty("/v1/me/password", &request)
    }

    /// Sets a new password with a one-time reset code from the operator (for someone who
    /// forgot theirs). Every device of the account is signed out; sign in again afterwards.
    pub fn reset_password(&self, server: &str, email: &str, code: &str, new: &str) -> Result<(), ClientError> {
        let server = api::validate_server_url(server)?;
        let request = rsc_protocol::PasswordReset {
            email: email.to_string(),
            code: code.trim().to_string(),
            new_password: new.to_string(),
        };
        Api { http: self.http()?, base: &server, token: None }.post_empty("/v1/password-reset", &request)
    }

    fn refuse_if_signed_in(&self) -> Result<(), ClientError> {
        match self.account()? {
            Some(account) => Err(ClientError::invalid(
                "email",
                format!("this device is already signed in as {}; sign out first", account.email),
            )),
            None => Ok(()),
        }
    }

    /// Signs out: revokes this device on the server and forgets the account's data here, with
    /// a new device key for whoever signs in next. Refused while changes have not reached the
    /// server, unless `discard_unsynced`, so that signing out never loses a session by accident.
    pub fn sign_out(&self, discard_unsynced: bool) -> Result<(), ClientError> {
        let _sync = self.sync_lock.lock().unwrap_or_else(|p| p.into_inner());
        let account = self.require_account()?;
        let pending = store::pending_count(self.store().conn())?;
        if pending > 0 && !discard_unsynced {
            return Err(ClientError::invalid(
                "pending",
                format!(
                    "{} not reached the server yet; sync first, or sign out discarding them",
                    if pending == 1 { "1 change has".to_string() } else { format!("{pending} changes have") }
                ),
            ));
        }
        let api = self.api(&account)?;
        match api.delete(&format!("/v1/devices/{}", account.device_id)) {
            Ok(()) | Err(ClientError::Unauthorized(_) | ClientError::Rejected { status: 404, .. }) => {}
            // Offline: the token stays valid on the server until revoked from another device,
            // but this device forgets it, so nothing here can use it.
            Err(error) if error.is_transient() || discard_unsynced => {
                tracing::warn!(%error, "could not revoke this device on the server");
            }
            Err(error) => return Err(error),
        }
        self.store().write(|tx| {
            store::wipe(tx)?;
            store::new_device(tx).map(|_| ())
        })?;
        Ok(())
    }

    /// Everything the server keeps about the signed-in person, as the JSON it sends
    /// (`rsc-logbook-own-data/1`), pretty-printed for her to keep.
    pub fn own_data(&self) -> Result<String, ClientError> {
        let account = self.require_account()?;
        let data: rsc_protocol::OwnData = self.api(&account)?.get("/v1/me/data")?;
        serde_json::to_string_pretty(&data).map_err(|e| ClientError::invalid("data", e.to_string()))
    }

    /// Closes the account on the server (after its password), then forgets it here as signing
    /// out does. Changes not yet synced would be lost with the account, so they must be synced
    /// first.
    pub fn close_account(&self, password: &str) -> Result<(), ClientError> {
        let _sync = self.sync_lock.lock().unwrap_or_else(|p| p.into_inner());
        let account = self.require_account()?;
        let pending = store::pending_count(self.store().conn())?;
        if pending > 0 {
            return Err(ClientError::invalid(
                "pending",
                format!("{pending} change(s) have not reached the server yet; sync first, then close the account"),
            ));
        }
        let request = rsc_protocol::CloseAccount {
            password: password.to_string(),
            confirm: rsc_protocol::CLOSE_CONFIRMATION.to_string(),
        };
        self.api(&account)?.post_empty("/v1/me/close", &request)?;
        self.store().write(|tx| {
            store::wipe(tx)?;
            store::new_device(tx).map(|_| ())
        })?;
        tracing::info!("account closed");
        Ok(())
    }

    fn log_session_inner(&self, session: NewSession) -> Result<SessionView, ClientError> {
        let account = self.require_account()?;
        let me = Id::new(account.user_id.as_str(), "user")?;
        let mut attendees = session.attendees;
        if attendees.is_empty() {
            attendees.push(NewAttendee {
                id: me.clone(),
                minutes_attended: session.fields.minutes,
                about_own_rsc_practice: false,
            });
        }
        if session.fields.provider != me && !attendees.iter().any(|a| a.id == me) {
            return Err(ClientError::invalid(
                "attendees",
                "you must attend or provide the sessions you log; add yourself as an attendee",
            ));
        }
        let mut store = self.store();
        let directory: Option<ProviderDirectory> = store::get_meta(store.conn(), key::DIRECTORY)?;
        let named: Vec<&Id> = attendees.iter().map(|a| &a.id).collect();
        check_connected(directory.as_ref(), &session.fields.provider, &named)?;
        let (_, actor) = store::device(store.conn())?;
        let id = Id::fresh(*uuid::Uuid::new_v4().as_bytes(), now_ms());
        let doc = SessionDoc::create(actor, id.clone(), me.clone(), session.fields, attendees)?;
        rsc_doc::rules::check_timing(None, &doc.session()?, now_ms())?;
        store.write(|tx| save(tx, &me, &trust(tx, &account)?, doc, &[]))
    }

    /// Logs a new session (offline). Returns it as the logbook shows it.
    pub fn log_session(&self, session: NewSession) -> Result<SessionView, ClientError> {
        self.log_session_inner(session).map_err(|e| self.named(e))
    }

    /// Sessions already in the logbook that `session` would repeat: not withdrawn, with the same
    /// provider and attendees, on the same day at the same start time. Logging the same meeting
    /// twice would ask the provider to confirm it twice, so apps ask before doing it.
    pub fn duplicates_of(&self, session: &NewSession) -> Result<Vec<SessionView>, ClientError> {
        let account = self.require_account()?;
        let me = Id::new(account.user_id.as_str(), "user")?;
        let mut wanted: Vec<&Id> = session.attendees.iter().map(|a| &a.id).collect();
        if wanted.is_empty() {
            wanted.push(&me);
        }
        wanted.sort();
        let fields = &session.fields;
        let same_day = SessionFilter {
            from: Some(fields.date),
            to: Some(fields.date),
            provider: Some(fields.provider.clone()),
            status: None,
        };
        Ok(self
            .sessions(&same_day)?
            .into_iter()
            .filter(|s| !s.withdrawn && s.start_time == fields.start_time.trim())
            .filter(|s| {
                let mut present: Vec<&Id> = s.attendees.iter().map(|a| &a.id).collect();
                present.sort();
                present == wanted
            })
            .collect())
    }

    /// Changes session-level fields of a session on this device.
    pub fn edit_session(&self, id: &str, edit: SessionEdit) -> Result<SessionView, ClientError> {
        self.modify(id, |doc, me| Ok(doc.edit(me, edit)?))
    }

    /// What [`Logbook::edit_session`] with `edit` would do to confirmed and disputed entries,
    /// without making it: each attendee whose entry would go back to the provider, and why.
    pub fn preview_edit(&self, id: &str, edit: SessionEdit) -> Result<Vec<crate::Unsettled>, ClientError> {
        self.preview(id, |doc, me| Ok(doc.edit(me, edit)?))
    }

    /// What [`Logbook::set_attendance`] would do to a confirmed or disputed entry, without
    /// doing it.
    pub fn preview_attendance(
        &self,
        id: &str,
        attendee: &str,
        minutes_attended: Option<Minutes>,
        about_own_rsc_practice: Option<bool>,
    ) -> Result<Vec<crate::Unsettled>, ClientError> {
        let attendee = self.find_attendee(id, attendee)?;
        self.preview(id, |doc, me| Ok(doc.set_attendance(me, &attendee, minutes_attended, about_own_rsc_practice)?))
    }

    /// Applies `change` to a copy of the session and compares the views: nothing is saved.
    fn preview(
        &self,
        id: &str,
        change: impl FnOnce(&mut SessionDoc, &Id) -> Result<(), ClientError>,
    ) -> Result<Vec<crate::Unsettled>, ClientError> {
        let account = self.require_account()?;
        let me = Id::new(account.user_id.as_str(), "user")?;
        let before = self.session(id)?;
        let store = self.store();
        let (_, actor) = store::device(store.conn())?;
        let stored = store::doc(store.conn(), before.id.as_str())?
            .ok_or_else(|| ClientError::NotFound(format!("no session `{id}` on this device")))?;
        let mut doc = SessionDoc::load_as(&stored.bytes, actor)?;
        change(&mut doc, &me)?;
        let after = SessionView::render(&doc.session()?, &me, &trust(store.conn(), &account)?);
        Ok(crate::Unsettled::between(&before, &after))
    }

    /// Changes an attendee's minutes or topic.
    pub fn set_attendance(
        &self,
        id: &str,
        attendee: &str,
        minutes_attended: Option<Minutes>,
        about_own_rsc_practice: Option<bool>,
    ) -> Result<SessionView, ClientError> {
        let attendee = self.find_attendee(id, attendee)?;
        self.modify(id, |doc, me| Ok(doc.set_attendance(me, &attendee, minutes_attended, about_own_rsc_practice)?))
    }

    /// Adds an attendee to a session.
    pub fn add_attendee(&self, id: &str, attendee: NewAttendee) -> Result<SessionView, ClientError> {
        self.modify(id, |doc, me| Ok(doc.add_attendee(me, attendee)?))
    }

    /// Removes an attendee from a session.
    pub fn remove_attendee(&self, id: &str, attendee: &str) -> Result<SessionView, ClientError> {
        let attendee = self.find_attendee(id, attendee)?;
        self.modify(id, |doc, me| Ok(doc.remove_attendee(me, &attendee)?))
    }

    /// Withdraws a session logged by mistake: it stays in the history and counts nothing.
    pub fn withdraw_session(&self, id: &str, reason: &str) -> Result<SessionView, ClientError> {
        let reason = reason.trim();
        if reason.len() > rsc_doc::MAX_NOTE_BYTES {
            return Err(ClientError::invalid("reason", format!("at most {} bytes", rsc_doc::MAX_NOTE_BYTES)));
        }
        self.modify(id, |doc, me| Ok(doc.withdraw(me, reason)?))
    }

    /// Undoes a withdrawal.
    pub fn restore_session(&self, id: &str) -> Result<SessionView, ClientError> {
        self.modify(id, |doc, me| Ok(doc.restore(me)?))
    }

    /// As the session's provider: confirms `attendee` attended for `minutes` (default: the
    /// minutes they logged), signed with this device's key. Confirming more than they logged
    /// needs `more_than_logged`.
    pub fn confirm(
        &self,
        id: &str,
        attendee: &str,
        minutes: Option<Minutes>,
        more_than_logged: bool,
    ) -> Result<SessionView, ClientError> {
        let entry = Confirmation { session: id.to_string(), attendee: attendee.to_string(), minutes };
        let mut views = self.confirm_many(&[entry], more_than_logged)?;
        views.pop().ok_or_else(|| ClientError::Storage("a confirmation saved nothing".into()))
    }

    /// As the provider: confirms every entry of `entries` in one step (one signature per
    /// attendee, all saved together or none). Returns each session as it stands after.
    pub fn confirm_many(
        &self,
        entries: &[Confirmation],
        more_than_logged: bool,
    ) -> Result<Vec<SessionView>, ClientError> {
        if entries.len() > MAX_CONFIRMATIONS_AT_ONCE {
            return Err(ClientError::invalid(
                "entries",
                format!("{} at once; the most is {MAX_CONFIRMATIONS_AT_ONCE}", entries.len()),
            ));
        }
        let account = self.require_account()?;
        let key = self.signing_key()?;
        let mut resolved = Vec::with_capacity(entries.len());
        for entry in entries {
            let session = self.find_session(&entry.session)?;
            let attendee = self.find_attendee(session.as_str(), &entry.attendee)?;
            resolved.push((session, attendee, entry.minutes));
        }
        let written = self.store().write(|tx| {
            let mut views = Vec::with_capacity(resolved.len());
            for (session, attendee, minutes) in &resolved {
                views.push(change_doc(tx, &account, session, |doc, me| {
                    require_provider(doc, me)?;
                    let current = doc.session()?;
                    let logged = current
                        .attendee(attendee)
                        .map(|a| a.minutes_attended)
                        .ok_or_else(|| ClientError::invalid("attendee", "does not attend this session"))?;
                    let minutes = minutes.unwrap_or(logged);
                    if minutes > logged && !more_than_logged {
                        let who = trust(tx, &account)?.name(attendee).unwrap_or_else(|| "the attendee".into());
                        return Err(ClientError::invalid(
                            "minutes",
                            format!(
                                "{who} logged {} minutes of the session of {}; confirming {} is more than that, \
                                 so say so explicitly (more than logged)",
                                logged.get(),
                                current.fields.date,
                                minutes.get()
                            ),
                        ));
                    }
                    doc.confirm(&key, me, attendee, minutes, now_ms())?;
                    Ok(())
                })?);
            }
            Ok(views)
        });
        written.map_err(|e| self.named(e))
    }

    /// As the session's provider: disputes `attendee`'s entry, with a reason.
    pub fn dispute(&self, id: &str, attendee: &str, reason: &str) -> Result<SessionView, ClientError> {
        let attendee = self.find_attendee(id, attendee)?;
        let key = self.signing_key()?;
        self.modify(id, |doc, me| {
            require_provider(doc, me)?;
            doc.dispute(&key, me, &attendee, reason, now_ms())?;
            Ok(())
        })
    }

    /// The attendee of session `id` that `text` names: their name as people type it (any case,
    /// with or without accents, the start of it or of its words), or, for programs, their id or
    /// its first characters.
    pub fn find_attendee(&self, id: &str, text: &str) -> Result<Id, ClientError> {
        let view = self.session(id)?;
        let wanted = text.trim();
        let name_of = |a: &crate::AttendeeView| a.name.clone().unwrap_or_default();
        let closeness = |a: &crate::AttendeeView| rsc_model::names::name_match(&name_of(a), wanted);
        let best = view.attendees.iter().filter_map(closeness).min();
        let tries: [&dyn Fn(&crate::AttendeeView) -> bool; 3] =
            [&|a| a.id.as_str() == wanted, &|a| best.is_some() && closeness(a) == best, &|a| {
                wanted.len() >= crate::MIN_ID_PREFIX && a.id.as_str().starts_with(wanted)
            }];
        for matches in tries {
            let found: Vec<&crate::AttendeeView> = view.attendees.iter().filter(|a| matches(a)).collect();
            match found.as_slice() {
                [] => continue,
                [one] => return Ok(one.id.clone()),
                many => {
                    let names: Vec<String> = many.iter().map(|a| name_of(a)).collect();
                    return Err(ClientError::invalid(
                        "attendee",
                        format!("`{wanted}` could be {}; give more of the name", names.join(" or ")),
                    ));
                }
            }
        }
        let names: Vec<String> = view
            .attendees
            .iter()
            .map(|a| a.name.clone().unwrap_or_else(|| "someone not named to you".to_string()))
            .collect();
        let me = self.require_account()?.user_id;
        let who = if wanted == me.as_str() {
            "you do not".to_string()
        } else {
            format!("`{}` does not", crate::directory::without_ids(wanted, |_| false))
        };
        Err(ClientError::invalid(
            "attendee",
            format!("{who} attend the session of {}; its attendees are {}", view.date, names.join(", ")),
        ))
    }

    fn signing_key(&self) -> Result<DeviceKey, ClientError> {
        Ok(store::device(self.store().conn())?.0)
    }

    /// Loads a session's document, applies `change`, and saves it with its new changes.
    fn modify(
        &self,
        id: &str,
        change: impl FnOnce(&mut SessionDoc, &Id) -> Result<(), ClientError>,
    ) -> Result<SessionView, ClientError> {
        let account = self.require_account()?;
        let id = self.find_session(id)?;
        // The store's guard is released before `named` takes it again.
        let written = self.store().write(|tx| change_doc(tx, &account, &id, change));
        written.map_err(|e| self.named(e))
    }

    /// One session as the logbook shows it.
    pub fn session(&self, id: &str) -> Result<SessionView, ClientError> {
        let id = self.find_session(id)?;
        let (json, unsynced) = store::view(self.store().conn(), id.as_str())?
            .ok_or_else(|| ClientError::NotFound(format!("no session `{id}` on this device")))?;
        let mut view: SessionView = serde_json::from_str(&json)?;
        view.unsynced = unsynced;
        Ok(view)
    }

    /// Every confirmation and dispute the session's provider made, oldest first, including those
    /// that edits or later statements replaced.
    pub fn history(&self, id: &str) -> Result<Vec<crate::StatementView>, ClientError> {
        let account = self.require_account()?;
        let id = self.find_session(id)?;
        let store = self.store();
        let stored = store::doc(store.conn(), id.as_str())?
            .ok_or_else(|| ClientError::NotFound(format!("no session `{id}` on this device")))?;
        let mut doc = SessionDoc::load(&stored.bytes)?;
        let trust = trust(store.conn(), &account)?;
        Ok(doc
            .statement_history()?
            .into_iter()
            .map(|s| crate::StatementView {
                attendee_name: trust.name(&s.content.attendee),
                provider_name: trust.name(&s.content.provider),
                trusted: s.verify() && trust.trusts(&s.content.provider, &s.public_key),
                attendee: s.content.attendee,
                provider: s.content.provider,
                kind: s.content.kind,
                minutes: s.content.minutes_attended,
                reason: s.content.reason,
                signed_at_ms: s.content.signed_at_ms,
            })
            .collect())
    }

    /// The sessions that pass `filter`, by date.
    pub fn sessions(&self, filter: &SessionFilter) -> Result<Vec<SessionView>, ClientError> {
        filter.validate()?;
        let rows = store::views(
            self.store().conn(),
            filter.from.map(|d| d.to_string()).as_deref(),
            filter.to.map(|d| d.to_string()).as_deref(),
            filter.provider.as_ref().map(Id::as_str),
        )?;
        let mut views = Vec::with_capacity(rows.len());
        for (json, unsynced) in rows {
            let mut view: SessionView = serde_json::from_str(&json)?;
            if filter.status.is_none_or(|s| s == view.status) {
                view.unsynced = unsynced;
                views.push(view);
            }
        }
        Ok(views)
    }

    /// As a provider: the attendees of one's sessions who await confirmation, in sessions that
    /// have taken place (a planned one waits until it ends).
    pub fn awaiting_confirmation(&self) -> Result<Vec<AwaitingConfirmation>, ClientError> {
        Ok(self.confirmation_plan(&ConfirmSelection::default())?.sign)
    }

    /// As a provider: what confirming `selection` would sign, and the entries in it that wait
    /// for something else first (a session not ended yet, an entry she disputed), with why.
    pub fn confirmation_plan(&self, selection: &ConfirmSelection) -> Result<ConfirmationPlan, ClientError> {
        let account = self.require_account()?;
        let me = Id::new(account.user_id.as_str(), "user")?;
        let session = selection.session.as_deref().map(|s| self.find_session(s)).transpose()?;
        let sessions =
            self.sessions(&SessionFilter { provider: Some(me), to: selection.through, ..SessionFilter::default() })?;
        let now = now_ms();
        let mut plan = ConfirmationPlan::default();
        for view in sessions.into_iter().filter(|s| !s.withdrawn && session.as_ref().is_none_or(|id| &s.id == id)) {
            let planned = view.planned(now);
            for a in view.attendees.iter().filter(|a| selection.supervisee.as_ref().is_none_or(|who| &a.id == who)) {
                let why_not = match a.status {
                    _ if a.status.awaits_provider() && planned => Some(format!(
                        "not ended yet: it is planned for {} at {} ({})",
                        view.date, view.start_time, view.time_zone
                    )),
                    _ if a.status.awaits_provider() => None,
                    AttendanceStatus::Disputed => Some(format!(
                        "you disputed it (\u{201c}{}\u{201d}); it waits for {}'s correction",
                        a.dispute_reason.as_deref().unwrap_or_default(),
                        a.name.as_deref().unwrap_or("the attendee")
                    )),
                    // Confirmed entries are done; nothing to say.
                    _ => continue,
                };
                match why_not {
                    Some(why) => plan.not_signed.push(NotSigned {
                        session: view.clone(),
                        attendee: a.id.clone(),
                        attendee_name: a.name.clone(),
                        why,
                    }),
                    None => plan.sign.push(AwaitingConfirmation {
                        session: view.clone(),
                        attendee: a.id.clone(),
                        attendee_name: a.name.clone(),
                        minutes_attended: a.minutes_attended,
                        status: a.status,
                        why_back: view.why_back(a),
                    }),
                }
            }
        }
        Ok(plan)
    }

    /// Evaluates the signed-in user's hours offline under `rulebook` (a built-in id or a
    /// rulebook file) for `purpose`, as of `as_of` (default: today), with the registry records
    /// the server last sent. Only confirmations from providers' registered devices count.
    pub fn evaluate(&self, rulebook: &str, purpose: Purpose, as_of: Option<Date>) -> Result<Evaluation, ClientError> {
        let (rulebook, dossier, _) = self.dossier(rulebook, as_of)?;
        rsc_rules::evaluate(&rulebook, purpose, &dossier).map_err(|e| ClientError::invalid("purpose", e.to_string()))
    }

    /// The rulebook, the user's dossier as of `as_of` (default: today) and the attendance
    /// records it was built from.
    pub(crate) fn dossier(
        &self,
        rulebook: &str,
        as_of: Option<Date>,
    ) -> Result<(rsc_rules::Rulebook, rsc_model::Dossier, Vec<rsc_model::AttendanceRecord>), ClientError> {
        let account = self.require_account()?;
        let me = Id::new(account.user_id.as_str(), "user")?;
        let rulebook = rsc_rules::resolve(rulebook).map_err(|e| ClientError::invalid("rulebook", e.to_string()))?;
        let as_of = match as_of {
            Some(day) => day,
            None => today().ok_or_else(|| ClientError::invalid("as_of", "the clock is out of range"))?,
        };
        let directory: ProviderDirectory = store::get_meta(self.store().conn(), key::DIRECTORY)?.unwrap_or_default();
        let records: Vec<_> =
            self.sessions(&SessionFilter::default())?.iter().filter_map(|s| s.attendance_record(&me)).collect();
        let mut builder = DossierBuilder::new(as_of);
        for provider in &directory.providers {
            builder =
                builder.credentials(Id::new(provider.id.as_str(), "provider")?, provider.all_credentials().cloned());
        }
        // The profile as edited here, offline too; the server's copy before any edit.
        let stored: Option<crate::Profile> = store::get_meta(self.store().conn(), key::PROFILE)?;
        let (masters_conferred_on, provides_rsc) = match stored {
            Some(profile) => (profile.masters_conferred_on, profile.provides_rsc),
            None => (directory.masters_conferred_on, false),
        };
        let builder = builder.trainings(self.trainings()?.iter().map(crate::TrainingView::dossier_training));
        let dossier =
            builder.build(Applicant { id: me, masters_conferred_on, provides_rsc: Some(provides_rsc) }, &records);
        Ok((rulebook, dossier, records))
    }

    /// How the logbook stands.
    pub fn status(&self) -> Result<LogbookStatus, ClientError> {
        let store = self.store();
        let conn = store.conn();
        Ok(LogbookStatus {
            account: store::get_meta(conn, key::ACCOUNT)?,
            sessions: conn.query_row("SELECT COUNT(*) FROM docs", [], |r| r.get::<_, i64>(0))? as u64,
            pending_changes: store::pending_count(conn)?,
            refused_changes: store::refused_count(conn)?,
            last_sync_ms: {
                let stored: Option<i64> = store::get_meta(conn, key::LAST_SYNC_MS)?;
                let recent = self.last_sync_ms.load(std::sync::atomic::Ordering::SeqCst);
                stored.map(|s| s.max(recent)).or((recent > 0).then_some(recent))
            },
        })
    }

    /// As a provider: claims the registry record with endorsement number `number` as one's
    /// own. Association staff approve the claim; until then the provider's confirmations
    /// verify nothing. Returns the claim's status (`pending`).
    pub fn claim_endorsement(&self, number: &str) -> Result<String, ClientError> {
        let number = number.trim();
        if number.is_empty() || number.len() > 64 {
            return Err(ClientError::invalid(
                "number",
                "an endorsement number of 1 to 64 bytes, as the registry shows it",
            ));
        }
        let account = self.require_account()?;
        let api = self.api(&account)?;
        let claim: rsc_protocol::Claim =
            api.post("/v1/me/claims", &rsc_protocol::NewClaim { number: number.to_string() })?;
        Ok(claim.status.as_str().to_string())
    }

    /// As a provider: one's registry claims and where each stands (online).
    pub fn claims(&self) -> Result<Vec<rsc_protocol::Claim>, ClientError> {
        let account = self.require_account()?;
        self.api(&account)?.get("/v1/me/claims")
    }

    /// The registry records the user claimed, as the server last said they stand (a lapse or a
    /// revocation included), without asking it again.
    pub fn endorsements(&self) -> Result<Vec<rsc_model::Endorsement>, ClientError> {
        let directory: Option<ProviderDirectory> = store::get_meta(self.store().conn(), key::DIRECTORY)?;
        Ok(directory.map(|d| d.endorsements.into_iter().chain(d.later_endorsements).collect()).unwrap_or_default())
    }

    /// The RS/C the signed-in user gave as a provider, per calendar year, from the attendances
    /// she confirmed (online: the server's record of her confirmations).
    pub fn provided(&self) -> Result<Vec<rsc_model::ProvidedYear>, ClientError> {
        let account = self.require_account()?;
        self.api(&account)?.get("/v1/me/provided")
    }

    /// [`Logbook::provided`] as the server's PDF (online).
    pub fn provided_pdf(&self) -> Result<Vec<u8>, ClientError> {
        let account = self.require_account()?;
        self.api(&account)?.get_bytes("/v1/me/provided/pdf")
    }

    /// The exports the server keeps for the signed-in user, newest first, each with the link a
    /// reviewer opens (online).
    pub fn export_links(&self) -> Result<Vec<crate::ExportLink>, ClientError> {
        let account = self.require_account()?;
        let mut links: Vec<crate::ExportLink> = self.api(&account)?.get("/v1/me/export-links")?;
        links.sort_by_key(|l| std::cmp::Reverse(l.created_at_ms));
        Ok(links)
    }

    /// Withdraws a kept export (by its id, or the link printed on it): its link then tells a
    /// reviewer it was withdrawn (online).
    pub fn withdraw_export_link(&self, id_or_link: &str) -> Result<(), ClientError> {
        let id = export_id(id_or_link)?;
        let account = self.require_account()?;
        self.api(&account)?.delete(&format!("/v1/me/export-links/{id}"))
    }

    /// Makes one export of the signed-in user's verified hours on the server and keeps it there:
    /// one id, one link, one SHA-256; [`Logbook::download_export`] gets it as a PDF, a CSV or the
    /// signed JSON (online).
    pub fn make_export(
        &self,
        rulebook: Option<&str>,
        purpose: Option<Purpose>,
        as_of: Option<Date>,
    ) -> Result<crate::ExportLink, ClientError> {
        let account = self.require_account()?;
        // The server evaluates under the profile it holds: an edit made here goes first.
        if self.profile()?.unsynced {
            self.push_profile(&account)?;
        }
        let query = rsc_protocol::EvaluationQuery {
            rulebook: rulebook.map(str::to_string),
            purpose: purpose.map(|p| p.to_string()),
            as_of: as_of.map(|d| d.to_string()),
            paper: None,
        };
        self.api(&account)?.post("/v1/me/exports", &query)
    }

    /// One of the user's kept exports as `pdf` (on `paper`: `letter` or `a4`), `csv` or `json`
    /// (online). `export` is its id or its link.
    pub fn download_export(&self, export: &str, format: &str, paper: Option<&str>) -> Result<Vec<u8>, ClientError> {
        if !matches!(format, "json" | "csv" | "pdf") {
            return Err(ClientError::invalid("format", format!("`{format}` is not json, csv or pdf")));
        }
        let id = export_id(export)?;
        let account = self.require_account()?;
        let paper = paper.map(|p| format!("?paper={p}")).unwrap_or_default();
        self.api(&account)?.get_bytes(&format!("/v1/me/exports/{id}/{format}{paper}"))
    }

    /// Downloads the server's export of the signed-in user's verified hours: `json` (signed,
    /// verifiable with `rsc verify`), `csv` or `pdf`.
    pub fn export(
        &self,
        format: &str,
        rulebook: Option<&str>,
        purpose: Option<Purpose>,
        as_of: Option<Date>,
    ) -> Result<Vec<u8>, ClientError> {
        self.export_on(format, rulebook, purpose, as_of, None)
    }

    /// [`Logbook::export`], with the PDF's paper (`letter` or `a4`).
    pub fn export_on(
        &self,
        format: &str,
        rulebook: Option<&str>,
        purpose: Option<Purpose>,
        as_of: Option<Date>,
        paper: Option<&str>,
    ) -> Result<Vec<u8>, ClientError> {
        if !matches!(format, "json" | "csv" | "pdf") {
            return Err(ClientError::invalid("format", format!("`{format}` is not json, csv or pdf")));
        }
        let account = self.require_account()?;
        // The server evaluates under the profile it holds (rulebook, purpose, master's date): an
        // edit made on this device goes first, so that the export says what the device does.
        if self.profile()?.unsynced {
            self.push_profile(&account)?;
        }
        let mut query = Vec::new();
        if let Some(rulebook) = rulebook {
            query.push(format!("rulebook={rulebook}"));
        }
        if let Some(purpose) = purpose {
            query.push(format!("purpose={purpose}"));
        }
        if let Some(as_of) = as_of {
            query.push(format!("as_of={as_of}"));
        }
        if let Some(paper) = paper {
            query.push(format!("paper={paper}"));
        }
        let path = format!("/v1/me/exports/{format}{}{}", if query.is_empty() { "" } else { "?" }, query.join("&"));
        self.api(&account)?.get_bytes(&path)
    }
}

/// The export id in `id_or_link`: the id itself, or the link printed on its PDF or CSV.
fn export_id(id_or_link: &str) -> Result<&str, ClientError> {
    let text = id_or_link.trim();
    let id = text.rsplit_once("/verify/").map(|(_, rest)| rest).unwrap_or(text);
    let id = id.split(['?', '#', '/']).next().unwrap_or_default();
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ClientError::invalid("export", format!("`{}` is not an export id or link", text.escape_debug())));
    }
    Ok(id)
}

fn require_provider(doc: &SessionDoc, me: &Id) -> Result<(), ClientError> {
    let session = doc.session()?;
    if &session.fields.provider != me {
        return Err(ClientError::invalid(
            "session",
            "only the session's provider can confirm or dispute it, and you are not its provider",
        ));
    }
    Ok(())
}

/// Inside a write: loads session `id`, applies `change` as the signed-in user, checks the rules
/// the server will (whoever joins is connected to the provider; dates in range; confirmations
/// only after the session) and saves it with its new changes.
fn change_doc(
    tx: &Connection,
    account: &Account,
    id: &Id,
    change: impl FnOnce(&mut SessionDoc, &Id) -> Result<(), ClientError>,
) -> Result<SessionView, ClientError> {
    let me = Id::new(account.user_id.as_str(), "user")?;
    let (_, actor) = store::device(tx)?;
    let stored = store::doc(tx, id.as_str())?
        .ok_or_else(|| ClientError::NotFound(format!("no session `{id}` on this device")))?;
    let mut doc = SessionDoc::load_as(&stored.bytes, actor)?;
    let before = doc.heads();
    let before_session = doc.session()?;
    change(&mut doc, &me)?;
    let after_session = doc.session()?;
    let before_people = before_session.participants();
    if after_session.participants().iter().any(|p| !before_people.contains(p)) {
        let directory: Option<ProviderDirectory> = store::get_meta(tx, key::DIRECTORY)?;
        let named: Vec<&Id> = after_session.attendees.iter().map(|a| &a.id).collect();
        check_connected(directory.as_ref(), &after_session.fields.provider, &named)?;
    }
    rsc_doc::rules::check_timing(Some(&before_session), &after_session, now_ms())?;
    let trust = trust(tx, account)?;
    if after_session.fields.provider != me {
        let before_view = SessionView::render(&before_session, &me, &trust);
        let after_view = SessionView::render(&after_session, &me, &trust);
        note_sent_back(tx, id, crate::Unsettled::between(&before_view, &after_view))?;
    }
    save(tx, &me, &trust, doc, &before)
}

/// Keeps the entries an edit here sent back to the provider, for the sync that delivers it to
/// say so; a later edit of the same entry replaces what was kept.
fn note_sent_back(tx: &Connection, id: &Id, unsettled: Vec<crate::Unsettled>) -> Result<(), ClientError> {
    if unsettled.is_empty() {
        return Ok(());
    }
    let mut kept: std::collections::BTreeMap<String, Vec<crate::Unsettled>> =
        store::get_meta(tx, key::SENT_BACK)?.unwrap_or_default();
    let entries = kept.entry(id.to_string()).or_default();
    for u in unsettled {
        entries.retain(|e| e.attendee != u.attendee);
        entries.push(u);
    }
    store::set_meta(tx, key::SENT_BACK, &kept)
}

/// The entries kept by [`note_sent_back`] for session `doc`, taken: its edits reached the server.
pub(crate) fn take_sent_back(tx: &Connection, doc: &str) -> Result<Vec<crate::Unsettled>, ClientError> {
    let mut kept: std::collections::BTreeMap<String, Vec<crate::Unsettled>> =
        store::get_meta(tx, key::SENT_BACK)?.unwrap_or_default();
    let Some(taken) = kept.remove(doc) else { return Ok(Vec::new()) };
    store::set_meta(tx, key::SENT_BACK, &kept)?;
    Ok(taken)
}

/// The trust a device's views are rendered with.
pub(crate) fn trust(conn: &Connection, account: &Account) -> Result<Trust, ClientError> {
    let (key, _) = store::device(conn)?;
    let directory: Option<ProviderDirectory> = store::get_meta(conn, key::DIRECTORY)?;
    let me = Id::new(account.user_id.as_str(), "user")?;
    Ok(Trust::new(Some(&me), key.public_key(), directory.as_ref()))
}

/// Saves `doc` with its view, queueing the changes made since `before` for the server.
pub(crate) fn save(
    conn: &Connection,
    me: &Id,
    trust: &Trust,
    doc: SessionDoc,
    before: &[rsc_doc::ChangeHash],
) -> Result<SessionView, ClientError> {
    let session = doc.session()?;
    save_read(conn, me, trust, doc, session, before)
}

/// [`save`] with the document's session already read (as checking pulled changes reads it).
pub(crate) fn save_read(
    conn: &Connection,
    me: &Id,
    trust: &Trust,
    mut doc: SessionDoc,
    session: rsc_doc::Session,
    before: &[rsc_doc::ChangeHash],
) -> Result<SessionView, ClientError> {
    let changes = doc.changes_since(before);
    let mut rendered = render(me, trust, &mut doc, &session)?;
    keep(conn, &rendered)?;
    store::add_pending(conn, session.id.as_str(), &changes)?;
    rendered.view.unsynced = !changes.is_empty();
    Ok(rendered.view)
}

/// A session made ready to keep: the document's bytes, its view and the view's JSON. Making
/// it touches no store, so a page of pulled documents is made on every core.
pub(crate) struct Rendered {
    id: String,
    bytes: Vec<u8>,
    pub view: SessionView,
    json: String,
    date: String,
    provider: String,
}

/// Renders `session`, read from `doc`, for keeping.
pub(crate) fn render(
    me: &Id,
    trust: &Trust,
    doc: &mut SessionDoc,
    session: &rsc_doc::Session,
) -> Result<Rendered, ClientError> {
    let view = SessionView::render(session, me, trust);
    Ok(Rendered {
        id: session.id.to_string(),
        bytes: doc.save(),
        json: serde_json::to_string(&view)?,
        view,
        date: session.fields.date.to_string(),
        provider: session.fields.provider.to_string(),
    })
}

/// Keeps a rendered session (its document and view) in the store.
pub(crate) fn keep(conn: &Connection, rendered: &Rendered) -> Result<(), ClientError> {
    store::put_doc(conn, &rendered.id, &rendered.bytes, &rendered.json, &rendered.date, &rendered.provider)
}
