//! [`SessionDoc`]: the Automerge document of one RS/C session, and every operation on it.
//!
//! # Layout (schema 1)
//!
//! The root map holds `schema` (uint 1), `id`, `created_by`, `date` (`YYYY-MM-DD`),
//! `start_time` (`HH:MM`), `time_zone`, `minutes` (int), `kind`, `format`, `provider`,
//! `withdrawn` (bool), `withdraw_reason`, and two maps keyed by attendee id:
//! `attendees` (each a map of `minutes_attended` int and `about_own_rsc_practice` bool) and
//! `statements` (each the provider's stored signed statement, one byte string, see
//! [`crate::attest`]). Every value is a scalar written only when it changes, so concurrent
//! edits of different fields both survive a merge, and edits of the same field resolve the
//! same way on every replica. Personal reflections are never part of it.
//!
//! Every edit reads the typed session, applies the change to it, validates the result with
//! [`Session::validate`] and only then writes the fields that differ, as one commit.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use rsc_model::{AttestedContent, Date, Id, Minutes, StatementKind};

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::DocError;
use crate::attest::{DeviceKey, MAX_REASON_BYTES, SignedStatement};
use crate::rules::{self, Authorship};
use crate::session::{Attendee, NewAttendee, Session, SessionEdit, SessionFields};

/// The largest session document accepted, in bytes of its saved form and in bytes its changes
/// expand to.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// The largest single change accepted, in bytes as sent and in bytes it expands to once
/// decompressed.
pub const MAX_CHANGE_BYTES: usize = 64 * 1024;
/// The most operations one change may carry (logging a 50-attendee group is about 250).
pub const MAX_CHANGE_OPS: usize = 4096;
/// The most operations one document may hold, over its whole history.
pub const MAX_DOCUMENT_OPS: u64 = 50_000;
const SCHEMA: u64 = 1;
/// The keys of the root map and of an attendee's map; anything else is refused.
const ROOT_KEYS: [&str; 13] = [
    "schema",
    "id",
    "created_by",
    "date",
    "start_time",
    "time_zone",
    "minutes",
    "kind",
    "format",
    "provider",
    "withdrawn",
    "withdraw_reason",
    "attendees",
];
const ATTENDEE_KEYS: [&str; 2] = ["minutes_attended", "about_own_rsc_practice"];

/// How many bytes an encoded change expands to, read without expanding more than
/// [`MAX_CHANGE_BYTES`] of it: a compressed change is inflated through a bounded reader, so a
/// few kilobytes that claim to be gigabytes cost no more than the limit.
///
/// An Automerge chunk is a 4-byte magic number, a 4-byte checksum, a type byte (1 a change,
/// 2 a deflated change), the body's length as unsigned LEB128, and the body.
pub fn expanded_len(bytes: &[u8]) -> Result<usize, DocError> {
    use std::io::Read;
    let malformed = |why: &str| DocError::Malformed(format!("undecodable change: {why}"));
    let header = bytes.get(..9).ok_or_else(|| malformed("shorter than a chunk header"))?;
    let (length, used) = read_uleb(&bytes[9..]).ok_or_else(|| malformed("bad length"))?;
    let body_start = 9 + used;
    match header[8] {
        1 => Ok(bytes.len()),
        2 => {
            let end = body_start
                .checked_add(length)
                .filter(|&end| end <= bytes.len())
                .ok_or_else(|| malformed("truncated"))?;
            let mut inflated = Vec::new();
            flate2::read::DeflateDecoder::new(&bytes[body_start..end])
                .take(MAX_CHANGE_BYTES as u64 + 1)
                .read_to_end(&mut inflated)
                .map_err(|_| malformed("bad compression"))?;
            let expanded = body_start + inflated.len();
            if expanded > MAX_CHANGE_BYTES {
                return Err(DocError::invalid(
                    "change",
                    format!("expands to more than {MAX_CHANGE_BYTES} bytes; the limit is {MAX_CHANGE_BYTES}"),
                ));
            }
            Ok(expanded)
        }
        other => Err(malformed(&format!("chunk type {other} is not a change"))),
    }
}

fn read_uleb(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return usize::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

/// One RS/C session's shared document.
#[derive(Debug, Clone)]
pub struct SessionDoc {
    doc: AutoCommit,
}

impl SessionDoc {
    /// Creates the document of a new session, logged by `created_by` (its provider or one of
    /// its attendees), as `actor`'s first change.
    pub fn create(
        actor: ActorId,
        id: Id,
        created_by: Id,
        fields: SessionFields,
        attendees: Vec<NewAttendee>,
    ) -> Result<SessionDoc, DocError> {
        let mut attendees: Vec<Attendee> = attendees
            .into_iter()
            .map(|a| Attendee {
                id: a.id,
                minutes_attended: a.minutes_attended,
                about_own_rsc_practice: a.about_own_rsc_practice,
                statement: None,
            })
            .collect();
        attendees.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(pair) = attendees.windows(2).find(|pair| pair[0].id == pair[1].id) {
            return Err(DocError::invalid("attendees", format!("`{}` is listed twice", pair[0].id)));
        }
        let session = Session { id, created_by, fields, attendees, withdrawn: false, withdraw_reason: String::new() };
        rules::authorize(Authorship { author: &session.created_by, before: None, current: None }, &session)?;
        let mut doc = AutoCommit::new().with_actor(actor);
        doc.put(ROOT, "schema", SCHEMA)?;
        doc.put(ROOT, "id", session.id.as_str())?;
        doc.put(ROOT, "created_by", session.created_by.as_str())?;
        doc.put(ROOT, "withdrawn", false)?;
        doc.put(ROOT, "withdraw_reason", "")?;
        doc.put_object(ROOT, "attendees", ObjType::Map)?;
        doc.put_object(ROOT, "statements", ObjType::Map)?;
        let mut this = SessionDoc { doc };
        let blank = Session { attendees: Vec::new(), ..session.clone() };
        this.write_fields(None, &blank.fields)?;
        this.write_attendees(&blank, &session)?;
        this.doc.commit_with(CommitOptions::default().with_message("log session"));
        Ok(this)
    }

    /// Loads a saved document and checks that it is a well-formed session.
    pub fn load(bytes: &[u8]) -> Result<SessionDoc, DocError> {
        let this = SessionDoc { doc: load_limited(bytes)? };
        this.session()?;
        Ok(this)
    }

    /// Loads a saved document to be edited by `actor` (this device).
    pub fn load_as(bytes: &[u8], actor: ActorId) -> Result<SessionDoc, DocError> {
        let mut this = SessionDoc::load(bytes)?;
        this.doc.set_actor(actor);
        Ok(this)
    }

    /// Which actor this replica's edits are attributed to.
    pub fn actor(&self) -> &ActorId {
        self.doc.get_actor()
    }

    /// The whole document, compressed.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The current heads (the latest changes, by hash).
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Every change not reachable from `heads`, each in its encoded form, uncompressed:
    /// compressed, every reader would inflate it (the server on each push and load, each device
    /// on each pull, twice where it is checked), which costs more than the few bytes saved.
    pub fn changes_since(&mut self, heads: &[ChangeHash]) -> Vec<Vec<u8>> {
        self.doc.get_changes(heads).into_iter().map(|c| c.raw_bytes().to_vec()).collect()
    }

    /// Decodes one encoded change, refusing undecodable bytes and a change larger than the
    /// limits as sent, as expanded ([`expanded_len`], checked before decoding) or in operations.
    pub fn decode_change(bytes: &[u8]) -> Result<Change, DocError> {
        if bytes.len() > MAX_CHANGE_BYTES {
            return Err(DocError::invalid(
                "change",
                format!("is {} bytes; the limit is {MAX_CHANGE_BYTES}", bytes.len()),
            ));
        }
        expanded_len(bytes)?;
        let change = unwound(|| {
            Change::from_bytes(bytes.to_vec()).map_err(|e| DocError::Malformed(format!("undecodable change: {e}")))
        })?;
        // Session and training documents are maps of scalar values: a change makes maps, puts
        // values into maps and deletes from them, and nothing else. Lists, text, counters and
        // marks never occur in them, and Automerge mishandles some malformed ones (marks out of
        // order spoil the saved document), so they are refused at the door.
        let operations = unwound(|| Ok(change.decode().operations))?;
        if let Some(op) = operations.iter().find(|op| !plain_map_operation(op)) {
            return Err(DocError::Malformed(format!(
                "a change may only make maps, put values into them and delete from them, not {:?}",
                op.action
            )));
        }

        if change.len() > MAX_CHANGE_OPS {
            return Err(DocError::invalid(
                "change",
                format!("carries {} operations; the limit is {MAX_CHANGE_OPS}", change.len()),
            ));
        }
        Ok(change)
    }

    /// Builds a document from nothing but encoded changes (a new document arriving at the
    /// server), and checks that it is a well-formed session.
    pub fn from_changes(changes: &[Vec<u8>]) -> Result<SessionDoc, DocError> {
        SessionDoc::from_changes_read(changes).map(|(doc, _)| doc)
    }

    /// [`SessionDoc::from_changes`], with the session it read to check them (reading it
    /// again would cost as much as the check).
    pub fn from_changes_read(changes: &[Vec<u8>]) -> Result<(SessionDoc, Session), DocError> {
        let decoded = changes.iter().map(|bytes| SessionDoc::decode_change(bytes)).collect::<Result<Vec<_>, _>>()?;
        let mut doc = AutoCommit::new();
        apply(&mut doc, decoded)?;
        let this = SessionDoc { doc };
        let session = this.session()?;
        Ok((this, session))
    }

    /// Whether the document already holds the change with this hash.
    pub fn contains_change(&mut self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    /// Changes that were applied but wait for dependencies this document does not have.
    pub fn missing_dependencies(&mut self) -> Vec<ChangeHash> {
        self.doc.get_missing_deps(&[])
    }

    /// Applies encoded changes from another replica, then checks the result is still a
    /// well-formed session; on failure the document is left as it was.
    pub fn apply_changes(&mut self, changes: &[Vec<u8>]) -> Result<(), DocError> {
        self.apply_changes_read(changes).map(|_| ())
    }

    /// [`SessionDoc::apply_changes`], returning the session it read to check the result.
    pub fn apply_changes_read(&mut self, changes: &[Vec<u8>]) -> Result<Session, DocError> {
        let candidate = SessionDoc { doc: with_changes(&self.doc, changes)? };
        let session = candidate.session()?;
        self.doc = candidate.doc;
        Ok(session)
    }

    /// Applies changes pushed by `author`'s device, refusing the first one that breaks a rule;
    /// on refusal the document is left as it was. Each change must have every dependency in
    /// the document (or earlier in `changes`), and is judged by [`rules::authorize`] against the
    /// session where it was made (its dependencies) and the session as it stands, and by
    /// [`rules::check_timing`] at `now_ms`. The merged result must keep [`Session::validate`] and
    /// the document limits. An empty document is created by the first change. Returns the
    /// merged session (read once, as the checks read it; `None` for a document still empty).
    pub fn apply_pushed(&mut self, changes: &[Change], author: &Id, now_ms: i64) -> Result<Option<Session>, DocError> {
        self.apply_pushed_from(changes, author, now_ms).map(|(_, after)| after)
    }

    /// [`SessionDoc::apply_pushed`], returning the session as it stood before the changes too
    /// (`None` for a document that was empty): what a push changed is judged against it.
    pub fn apply_pushed_from(
        &mut self,
        changes: &[Change],
        author: &Id,
        now_ms: i64,
    ) -> Result<(Option<Session>, Option<Session>), DocError> {
        let mut work = self.doc.clone();
        let mut current = if work.get_heads().is_empty() { None } else { Some(read_session(&work)?) };
        let before = current.clone();
        // The orphan statements of `work` as it stands, when already read with it.
        let mut orphans: Option<Orphans> = None;
        for change in changes {
            if work.get_change_by_hash(&change.hash()).is_some() {
                continue;
            }
            if let Some(missing) = change.deps().iter().find(|d| work.get_change_by_hash(d).is_none()) {
                return Err(DocError::MissingDependency(missing.to_string()));
            }
            if current.is_some() && change.deps().is_empty() {
                return Err(DocError::NotAllowed("a change may not start an existing session over".into()));
            }
            let mut heads = work.get_heads();
            let mut deps = change.deps().to_vec();
            heads.sort();
            deps.sort();
            if heads == deps {
                // Made on the latest state: the session before it is the current one.
                let known = match orphans.take() {
                    Some(known) => known,
                    None => View::new(&work).orphan_statements()?,
                };
                apply(&mut work, [change.clone()])?;
                let (after, now_orphans) = read_without_new_orphans(&work, &known)?;
                rules::authorize(Authorship { author, before: current.as_ref(), current: None }, &after)?;
                rules::check_timing(current.as_ref(), &after, now_ms)?;
                current = Some(after);
                orphans = Some(now_orphans);
            } else {
                // Made concurrently: judged where it was made, and against the session now.
                let mut fork = work.fork_at(&deps)?;
                let (before, known) = {
                    let view = View::new(&fork);
                    (view.read()?, view.orphan_statements()?)
                };
                apply(&mut fork, [change.clone()])?;
                let (after, _) = read_without_new_orphans(&fork, &known)?;
                rules::authorize(Authorship { author, before: Some(&before), current: current.as_ref() }, &after)?;
                rules::check_timing(Some(&before), &after, now_ms)?;
                apply(&mut work, [change.clone()])?;
                current = Some(read_session(&work)?);
                orphans = None;
            }
        }
        if let Some(session) = &current {
            session.validate()?;
        }
        check_ops(&work)?;
        self.doc = work;
        Ok((before, current))
    }

    /// An empty document, to which a new session's first change is pushed.
    pub fn empty() -> SessionDoc {
        SessionDoc { doc: AutoCommit::new() }
    }

    /// The document without `dropped` and every change that depends on them: what a device
    /// goes back to when the server refuses its changes, so that later edits do not depend on
    /// changes nobody else will ever have. `None` when nothing would be left.
    pub fn without(&mut self, dropped: &[ChangeHash]) -> Result<Option<SessionDoc>, DocError> {
        let Some(doc) = without_changes(&mut self.doc, dropped)? else { return Ok(None) };
        let this = SessionDoc { doc };
        this.session()?;
        Ok(Some(this))
    }

    /// Merges another replica of the same session into this one.
    pub fn merge(&mut self, other: &mut SessionDoc) -> Result<(), DocError> {
        let mine = self.session()?.id;
        let theirs = other.session()?.id;
        if mine != theirs {
            return Err(DocError::NotAllowed(format!("cannot merge session {theirs} into session {mine}")));
        }
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// The whole document as a plain value, for comparing replicas.
    pub fn hydrate(&self) -> Result<automerge::hydrate::Value, DocError> {
        Ok(self.doc.hydrate(ROOT, None)?)
    }

    /// Every statement the document ever held, each once, in signing order: the history of a
    /// session's confirmations and disputes, including those an edit or a later statement
    /// replaced. (Only their form is read here; whose key signed them is the caller's to judge.)
    pub fn statement_history(&mut self) -> Result<Vec<SignedStatement>, DocError> {
        let Some((Value::Object(ObjType::Map), statements)) = self.doc.get(ROOT, "statements")? else {
            return Ok(Vec::new());
        };
        let hashes: Vec<ChangeHash> = self.doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        let mut history: Vec<SignedStatement> = Vec::new();
        for hash in hashes {
            // The document as it stood after each change in turn.
            let heads = [hash];
            for key in self.doc.keys_at(&statements, &heads) {
                if let Some((Value::Scalar(value), _)) = self.doc.get_at(&statements, &key, &heads)?
                    && let ScalarValue::Bytes(bytes) = value.as_ref()
                {
                    let statement = SignedStatement::from_bytes(bytes)?;
                    if !history.contains(&statement) {
                        history.push(statement);
                    }
                }
            }
        }
        history.sort_by_key(|s| s.content.signed_at_ms);
        Ok(history)
    }

    /// Reads the typed session. Requires every field to be present and well-formed; see
    /// [`Session::validate`] for the stricter rules a local edit keeps.
    pub fn session(&self) -> Result<Session, DocError> {
        read_session(&self.doc)
    }

    /// `by` changes session-level fields.
    pub fn edit(&mut self, by: &Id, edit: SessionEdit) -> Result<(), DocError> {
        self.change(by, "edit session", |s| {
            let f = &mut s.fields;
            if let Some(date) = edit.date {
                f.date = date;
            }
            if let Some(start_time) = edit.start_time {
                f.start_time = start_time;
            }
            if let Some(time_zone) = edit.time_zone {
                f.time_zone = time_zone;
            }
            if let Some(minutes) = edit.minutes {
                f.minutes = minutes;
            }
            if let Some(kind) = edit.kind {
                f.kind = kind;
            }
            if let Some(format) = edit.format {
                f.format = format;
            }
            if let Some(provider) = edit.provider {
                f.provider = provider;
            }
            Ok(())
        })
    }

    /// `by` adds an attendee.
    pub fn add_attendee(&mut self, by: &Id, attendee: NewAttendee) -> Result<(), DocError> {
        self.change(by, "add attendee", |s| {
            if s.attendee(&attendee.id).is_some() {
                return Err(DocError::invalid("attendees", format!("`{}` already attends", attendee.id)));
            }
            s.attendees.push(Attendee {
                id: attendee.id,
                minutes_attended: attendee.minutes_attended,
                about_own_rsc_practice: attendee.about_own_rsc_practice,
                statement: None,
            });
            s.attendees.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(())
        })
    }

    /// `by` removes an attendee (and the provider's statement about them from the document;
    /// the server's ledger keeps it).
    pub fn remove_attendee(&mut self, by: &Id, id: &Id) -> Result<(), DocError> {
        self.change(by, "remove attendee", |s| {
            let before = s.attendees.len();
            s.attendees.retain(|a| &a.id != id);
            if s.attendees.len() == before {
                return Err(DocError::invalid("attendees", format!("`{id}` does not attend this session")));
            }
            Ok(())
        })
    }

    /// `by` sets an attendee's minutes and/or topic; `None` leaves it as it is.
    pub fn set_attendance(
        &mut self,
        by: &Id,
        id: &Id,
        minutes_attended: Option<Minutes>,
        about_own_rsc_practice: Option<bool>,
    ) -> Result<(), DocError> {
        self.change(by, "set attendance", |s| {
            let attendee = s
                .attendees
                .iter_mut()
                .find(|a| &a.id == id)
                .ok_or_else(|| DocError::invalid("attendees", format!("`{id}` does not attend this session")))?;
            if let Some(minutes) = minutes_attended {
                attendee.minutes_attended = minutes;
            }
            if let Some(about) = about_own_rsc_practice {
                attendee.about_own_rsc_practice = about;
            }
            Ok(())
        })
    }

    /// `by` makes several changes at once (fields, roster, her own attendance) as one commit,
    /// checked as a whole: a form that shortens a session and her minutes together must not
    /// fail halfway because one step alone would break a rule.
    pub fn update(&mut self, by: &Id, edit: impl FnOnce(&mut Session) -> Result<(), DocError>) -> Result<(), DocError> {
        self.change(by, "update session", edit)
    }

    /// Withdraws a session logged by mistake: it stays in the history and counts nothing.
    pub fn withdraw(&mut self, by: &Id, reason: &str) -> Result<(), DocError> {
        self.change(by, "withdraw session", |s| {
            s.withdrawn = true;
            s.withdraw_reason = reason.to_string();
            Ok(())
        })
    }

    /// Undoes a withdrawal.
    pub fn restore(&mut self, by: &Id) -> Result<(), DocError> {
        self.change(by, "restore session", |s| {
            s.withdrawn = false;
            s.withdraw_reason = String::new();
            Ok(())
        })
    }

    /// The provider confirms `attendee` attended for `minutes`, signing with their device key.
    /// The attendee's minutes become `minutes`, so the document matches what was signed.
    pub fn confirm(
        &mut self,
        key: &DeviceKey,
        signer: &Id,
        attendee: &Id,
        minutes: Minutes,
        signed_at_ms: i64,
    ) -> Result<SignedStatement, DocError> {
        self.statement(key, signer, attendee, StatementKind::Confirm, Some(minutes), String::new(), signed_at_ms)
    }

    /// The provider disputes `attendee`'s entry, with a reason, signing with their device key.
    pub fn dispute(
        &mut self,
        key: &DeviceKey,
        signer: &Id,
        attendee: &Id,
        reason: &str,
        signed_at_ms: i64,
    ) -> Result<SignedStatement, DocError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.len() > MAX_REASON_BYTES {
            return Err(DocError::invalid(
                "reason",
                format!("a dispute needs a reason of 1 to {MAX_REASON_BYTES} bytes"),
            ));
        }
        self.statement(key, signer, attendee, StatementKind::Dispute, None, reason.to_string(), signed_at_ms)
    }

    #[allow(clippy::too_many_arguments)]
    fn statement(
        &mut self,
        key: &DeviceKey,
        signer: &Id,
        attendee: &Id,
        kind: StatementKind,
        minutes: Option<Minutes>,
        reason: String,
        signed_at_ms: i64,
    ) -> Result<SignedStatement, DocError> {
        let content = self.statement_to_sign(signer, attendee, kind, minutes, &reason, signed_at_ms)?;
        let statement = key.sign(content)?;
        self.record_statement(signer, statement.clone())?;
        Ok(statement)
    }

    /// What `signer` would sign to confirm (with `minutes`) or dispute (with `reason`)
    /// `attendee`'s entry at `signed_at_ms`, after every check a confirmation passes. A device
    /// that holds no key here (a browser, whose key never leaves it) signs this content's
    /// canonical message itself and hands the result to [`SessionDoc::record_statement`].
    pub fn statement_to_sign(
        &self,
        signer: &Id,
        attendee: &Id,
        kind: StatementKind,
        minutes: Option<Minutes>,
        reason: &str,
        signed_at_ms: i64,
    ) -> Result<AttestedContent, DocError> {
        let s = self.session()?;
        if &s.fields.provider != signer {
            return Err(DocError::NotAllowed(format!(
                "only the session's provider `{}` can confirm or dispute attendance; `{signer}` cannot",
                s.fields.provider
            )));
        }
        if s.withdrawn {
            return Err(DocError::NotAllowed("the session is withdrawn; restore it first".into()));
        }
        let reason = reason.trim();
        match kind {
            StatementKind::Confirm => rules::require_ended(&s, signed_at_ms)?,
            StatementKind::Dispute if reason.is_empty() || reason.len() > MAX_REASON_BYTES => {
                return Err(DocError::invalid(
                    "reason",
                    format!("a dispute needs a reason of 1 to {MAX_REASON_BYTES} bytes"),
                ));
            }
            StatementKind::Dispute => {}
        }
        let entry = s
            .attendees
            .iter()
            .find(|a| &a.id == attendee)
            .ok_or_else(|| DocError::invalid("attendee", format!("`{attendee}` does not attend this session")))?;
        // A dispute names the minutes it disputes, so that a corrected entry no longer matches it
        // and goes back to the provider.
        let minutes = match kind {
            StatementKind::Confirm => Some(minutes.unwrap_or(entry.minutes_attended)),
            StatementKind::Dispute => Some(entry.minutes_attended),
        };
        if let Some(minutes) = minutes
            && minutes > s.fields.minutes
        {
            return Err(DocError::invalid(
                "minutes_attended",
                format!("{minutes} minutes is longer than the session's {} minutes", s.fields.minutes),
            ));
        }
        Ok(AttestedContent {
            kind,
            session_id: s.id.clone(),
            attendee: entry.id.clone(),
            provider: s.fields.provider.clone(),
            date: s.fields.date,
            session_minutes: s.fields.minutes,
            minutes_attended: minutes,
            session_kind: s.fields.kind,
            format: s.fields.format,
            about_own_rsc_practice: entry.about_own_rsc_practice,
            signed_at_ms,
            reason: if kind == StatementKind::Dispute { reason.to_string() } else { String::new() },
        })
    }

    /// Records `statement`, signed elsewhere, as `signer`'s: its signature must verify, and its
    /// content must be exactly what [`SessionDoc::statement_to_sign`] gives for the session as
    /// it stands now. The attendee's minutes become the signed ones.
    pub fn record_statement(&mut self, signer: &Id, statement: SignedStatement) -> Result<(), DocError> {
        if !statement.verify() {
            return Err(DocError::invalid("signature", "does not verify with the key it names"));
        }
        let c = &statement.content;
        if c.session_id != self.session()?.id {
            return Err(DocError::invalid("statement", "is about another session"));
        }
        let expected =
            self.statement_to_sign(signer, &c.attendee, c.kind, c.minutes_attended, &c.reason, c.signed_at_ms)?;
        if &expected != c {
            return Err(DocError::invalid(
                "statement",
                "does not match the session as it stands (it changed since the statement was made); look again",
            ));
        }
        let message = if c.kind == StatementKind::Confirm { "confirm attendance" } else { "dispute attendance" };
        let (attendee, minutes) =
            (c.attendee.clone(), if c.kind == StatementKind::Confirm { c.minutes_attended } else { None });
        self.change(signer, message, |s| {
            let entry =
                s.attendees.iter_mut().find(|a| a.id == attendee).ok_or_else(|| {
                    DocError::invalid("attendee", format!("`{attendee}` does not attend this session"))
                })?;
            if let Some(minutes) = minutes {
                entry.minutes_attended = minutes;
            }
            entry.statement = Some(statement);
            Ok(())
        })
    }

    /// `by` reads, changes, checks ([`rules::authorize`]) and writes back the difference as
    /// one commit.
    fn change(
        &mut self,
        by: &Id,
        message: &str,
        edit: impl FnOnce(&mut Session) -> Result<(), DocError>,
    ) -> Result<(), DocError> {
        let before = self.session()?;
        let mut after = before.clone();
        edit(&mut after)?;
        rules::authorize(Authorship { author: by, before: Some(&before), current: None }, &after)?;
        if after == before {
            return Ok(());
        }
        let result = self.write_fields(Some(&before.fields), &after.fields).and_then(|()| {
            if before.withdrawn != after.withdrawn {
                self.doc.put(ROOT, "withdrawn", after.withdrawn)?;
            }
            if before.withdraw_reason != after.withdraw_reason {
                self.doc.put(ROOT, "withdraw_reason", after.withdraw_reason.as_str())?;
            }
            self.write_attendees(&before, &after)
        });
        match result {
            Ok(()) => {
                self.doc.commit_with(CommitOptions::default().with_message(message));
                Ok(())
            }
            Err(error) => {
                self.doc.rollback();
                Err(error)
            }
        }
    }

    fn write_fields(&mut self, before: Option<&SessionFields>, after: &SessionFields) -> Result<(), DocError> {
        let changed = |f: fn(&SessionFields) -> String| before.is_none_or(|b| f(b) != f(after));
        if changed(|f| f.date.to_string()) {
            self.doc.put(ROOT, "date", after.date.to_string())?;
        }
        if changed(|f| f.start_time.clone()) {
            self.doc.put(ROOT, "start_time", after.start_time.as_str())?;
        }
        if changed(|f| f.time_zone.clone()) {
            self.doc.put(ROOT, "time_zone", after.time_zone.as_str())?;
        }
        if changed(|f| f.minutes.to_string()) {
            self.doc.put(ROOT, "minutes", i64::from(after.minutes.get()))?;
        }
        if changed(|f| f.kind.to_string()) {
            self.doc.put(ROOT, "kind", after.kind.as_str())?;
        }
        if changed(|f| f.format.to_string()) {
            self.doc.put(ROOT, "format", after.format.as_str())?;
        }
        if changed(|f| f.provider.to_string()) {
            self.doc.put(ROOT, "provider", after.provider.as_str())?;
        }
        Ok(())
    }

    fn write_attendees(&mut self, before: &Session, after: &Session) -> Result<(), DocError> {
        let attendees_obj = self.map(&ROOT, "attendees")?;
        let statements_obj = self.map(&ROOT, "statements")?;
        for old in &before.attendees {
            if after.attendee(&old.id).is_none() {
                self.doc.delete(&attendees_obj, old.id.as_str())?;
                if old.statement.is_some() {
                    self.doc.delete(&statements_obj, old.id.as_str())?;
                }
            }
        }
        for new in &after.attendees {
            let old = before.attendee(&new.id);
            let obj = match old {
                Some(_) => self.map(&attendees_obj, new.id.as_str())?,
                None => self.doc.put_object(&attendees_obj, new.id.as_str(), ObjType::Map)?,
            };
            if old.is_none_or(|o| o.minutes_attended != new.minutes_attended) {
                self.doc.put(&obj, "minutes_attended", i64::from(new.minutes_attended.get()))?;
            }
            if old.is_none_or(|o| o.about_own_rsc_practice != new.about_own_rsc_practice) {
                self.doc.put(&obj, "about_own_rsc_practice", new.about_own_rsc_practice)?;
            }
            let old_statement = old.and_then(|o| o.statement.as_ref());
            if old_statement != new.statement.as_ref() {
                match &new.statement {
                    Some(statement) => self.doc.put(&statements_obj, new.id.as_str(), statement.to_bytes())?,
                    None => self.doc.delete(&statements_obj, new.id.as_str())?,
                }
            }
        }
        Ok(())
    }

    fn map(&self, obj: &ObjId, key: &str) -> Result<ObjId, DocError> {
        View::new(&self.doc).map(obj, key)
    }
}

/// A saved document of either kind, refused when larger than [`MAX_DOCUMENT_BYTES`].
pub(crate) fn load_limited(bytes: &[u8]) -> Result<AutoCommit, DocError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DocError::invalid(
            "document",
            format!("is {} bytes; the limit is {MAX_DOCUMENT_BYTES}", bytes.len()),
        ));
    }
    unwound(|| AutoCommit::load(bytes).map_err(|e| DocError::Malformed(e.to_string())))
}

/// Applies `changes` to `doc`, and checks that the document gives each back as it came.
///
/// Automerge panics on some malformed changes (one naming an actor its tables lack) instead of
/// answering an error, and takes others that decode to the same operations as another change
/// but are encoded otherwise: the document then holds a hash its operations do not give, and
/// its saved bytes no longer load ("mismatching heads"). A change from outside must neither
/// bring down a server worker or an app nor spoil the document, so both are the change's
/// refusal. After one, `doc` may be half-changed: every caller applies to a copy that it drops
/// on error.
pub(crate) fn apply(doc: &mut AutoCommit, changes: impl IntoIterator<Item = Change>) -> Result<(), DocError> {
    let changes: Vec<Change> = changes.into_iter().collect();
    let hashes: Vec<ChangeHash> = changes.iter().map(Change::hash).collect();
    unwound(|| {
        check_numbering(doc, &changes)?;
        doc.apply_changes(changes)?;
        for hash in &hashes {
            if doc.get_change_by_hash(hash).map(|change| change.hash()) != Some(*hash) {
                return Err(DocError::Malformed(format!("change {hash} does not read back as it was sent")));
            }
        }
        Ok(())
    })
}

/// Refuses a change whose operations are not numbered from one past the highest operation it
/// builds on, as Automerge numbers them: one numbered otherwise orders its operations against
/// the others wrongly, and the document it joins no longer loads once saved.
fn check_numbering(doc: &mut AutoCommit, changes: &[Change]) -> Result<(), DocError> {
    let in_batch: std::collections::HashMap<ChangeHash, u64> =
        changes.iter().map(|change| (change.hash(), change.max_op())).collect();
    for change in changes {
        let mut highest = 0;
        for dep in change.deps() {
            let dep_max = match in_batch.get(dep) {
                Some(max) => *max,
                None => match doc.get_change_by_hash(dep) {
                    Some(known) => known.max_op(),
                    // A missing dependency is refused where it is checked.
                    None => continue,
                },
            };
            highest = highest.max(dep_max);
        }
        if change.start_op().get() != highest + 1 {
            return Err(DocError::Malformed(format!(
                "change {} numbers its operations from {}, where what it builds on ends at {highest}",
                change.hash(),
                change.start_op()
            )));
        }
    }
    Ok(())
}

/// Whether `op` makes a map, puts a value other than a counter into a map, or deletes from one.
fn plain_map_operation(op: &automerge::legacy::Op) -> bool {
    let in_a_map = !op.insert && matches!(op.key, automerge::legacy::Key::Map(_));
    in_a_map
        && match &op.action {
            automerge::legacy::OpType::Make(ObjType::Map) | automerge::legacy::OpType::Delete => true,
            automerge::legacy::OpType::Put(value) => !matches!(value, ScalarValue::Counter(_)),
            _ => false,
        }
}

/// `work()`, with a panic inside Automerge turned into [`DocError::Malformed`].
fn unwound<T>(work: impl FnOnce() -> Result<T, DocError>) -> Result<T, DocError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(DocError::Malformed("Automerge could not apply a change; it is malformed".into())))
}

/// Refuses a merged document of either kind that would hold more than [`MAX_DOCUMENT_OPS`].
pub(crate) fn check_ops(doc: &AutoCommit) -> Result<(), DocError> {
    let ops = doc.stats().num_ops;
    if ops > MAX_DOCUMENT_OPS {
        return Err(DocError::invalid(
            "document",
            format!("would hold {ops} operations; the limit is {MAX_DOCUMENT_OPS}"),
        ));
    }
    Ok(())
}

/// `changes` applied to a copy of `doc`, each decoded and checked by
/// [`SessionDoc::decode_change`]: the candidate a replica reads before keeping it.
pub(crate) fn with_changes(doc: &AutoCommit, changes: &[Vec<u8>]) -> Result<AutoCommit, DocError> {
    let decoded = changes.iter().map(|bytes| SessionDoc::decode_change(bytes)).collect::<Result<Vec<_>, _>>()?;
    let mut candidate = doc.clone();
    apply(&mut candidate, decoded)?;
    Ok(candidate)
}

/// `doc` without `dropped` and every change that depends on them, for the same actor; `None`
/// when nothing would be left.
pub(crate) fn without_changes(doc: &mut AutoCommit, dropped: &[ChangeHash]) -> Result<Option<AutoCommit>, DocError> {
    let actor = doc.get_actor().clone();
    let mut gone: std::collections::HashSet<ChangeHash> = dropped.iter().copied().collect();
    let mut kept = Vec::new();
    // `get_changes` lists changes in an order where dependencies come first.
    for change in doc.get_changes(&[]) {
        if gone.contains(&change.hash()) || change.deps().iter().any(|d| gone.contains(d)) {
            gone.insert(change.hash());
        } else {
            kept.push(change);
        }
    }
    if kept.is_empty() {
        return Ok(None);
    }
    // The document's own changes, each checked when it came in: not checked again.
    let mut rebuilt = AutoCommit::new().with_actor(actor);
    rebuilt.apply_changes(kept)?;
    Ok(Some(rebuilt))
}

/// Reads the typed session out of an Automerge document (see [`SessionDoc::session`]).
fn read_session(doc: &AutoCommit) -> Result<Session, DocError> {
    View::new(doc).read()
}

/// Read access to a document's fields, for a document or a fork of one.
///
/// Each map is read whole on its first lookup (one pass over its ops) and its fields then
/// looked up in memory: a separate `get` per field searches the map's ops again each time, and
/// reading a session makes a dozen of them.
pub(crate) struct View<'a> {
    doc: &'a AutoCommit,
    maps: RefCell<HashMap<ObjId, Rc<Fields>>>,
}

/// The current value of each key of one map, with its object id.
type Fields = HashMap<String, (Value<'static>, ObjId)>;

impl<'a> View<'a> {
    pub(crate) fn new(doc: &'a AutoCommit) -> View<'a> {
        View { doc, maps: RefCell::new(HashMap::new()) }
    }

    /// The current value at `key` of the map `obj`, as `get` gives it.
    fn get(&self, obj: &ObjId, key: &str) -> Option<(Value<'static>, ObjId)> {
        let fields = {
            let mut maps = self.maps.borrow_mut();
            Rc::clone(maps.entry(obj.clone()).or_insert_with(|| {
                Rc::new(
                    self.doc
                        .map_range(obj, ..)
                        .map(|item| {
                            // Only an object's id is ever used.
                            let id =
                                if matches!(item.value, automerge::ValueRef::Object(_)) { item.id() } else { ROOT };
                            (item.key.into_owned(), (item.value.into_value(), id))
                        })
                        .collect(),
                )
            }))
        };
        fields.get(key).cloned()
    }

    /// The keys of the map `obj`, in order, as `keys` gives them.
    pub(crate) fn keys(&self, obj: &ObjId) -> Vec<String> {
        self.get(obj, "");
        let maps = self.maps.borrow();
        let mut keys: Vec<String> = maps.get(obj).map(|fields| fields.keys().cloned().collect()).unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    fn read(&self) -> Result<Session, DocError> {
        if let Some(key) = self.keys(&ROOT).into_iter().find(|k| !ROOT_KEYS.contains(&k.as_str()) && k != "statements")
        {
            return Err(DocError::Malformed(format!("unknown field `{}`", key.escape_debug())));
        }
        let schema = self.uint(&ROOT, "schema")?;
        if schema != SCHEMA {
            return Err(DocError::Malformed(format!("schema {schema} is not supported (this version reads {SCHEMA})")));
        }
        let id = Id::new(self.text(&ROOT, "id")?, "id")?;
        let fields = SessionFields {
            date: Date::parse_field(&self.text(&ROOT, "date")?, "date")?,
            start_time: self.text(&ROOT, "start_time")?,
            time_zone: self.text(&ROOT, "time_zone")?,
            minutes: Minutes::new(self.int(&ROOT, "minutes")?, "minutes")?,
            kind: self.text(&ROOT, "kind")?.parse().map_err(|e: rsc_model::ModelError| e.within("kind"))?,
            format: self.text(&ROOT, "format")?.parse().map_err(|e: rsc_model::ModelError| e.within("format"))?,
            provider: Id::new(self.text(&ROOT, "provider")?, "provider")?,
        };
        crate::session::validate_start_time(&fields.start_time)?;
        crate::session::validate_time_zone(&fields.time_zone)?;
        let attendees_obj = self.map(&ROOT, "attendees")?;
        let statements_obj = self.map(&ROOT, "statements")?;
        let mut attendees = Vec::new();
        for key in self.keys(&attendees_obj) {
            let field = format!("attendees.{key}");
            let attendee_obj = self.map(&attendees_obj, &key)?;
            if let Some(unknown) = self.keys(&attendee_obj).into_iter().find(|k| !ATTENDEE_KEYS.contains(&k.as_str())) {
                return Err(DocError::Malformed(format!("unknown field `{field}.{}`", unknown.escape_debug())));
            }
            let statement = match self.scalar(&statements_obj, &key)? {
                None => None,
                Some(ScalarValue::Bytes(bytes)) => Some(SignedStatement::from_bytes(&bytes)?),
                Some(_) => return Err(DocError::invalid(format!("statements.{key}"), "is not a stored statement")),
            };
            attendees.push(Attendee {
                id: Id::new(key.clone(), &field)?,
                minutes_attended: Minutes::new(
                    self.int(&attendee_obj, "minutes_attended").map_err(|e| within(e, &field))?,
                    &format!("{field}.minutes_attended"),
                )?,
                about_own_rsc_practice: self
                    .boolean(&attendee_obj, "about_own_rsc_practice")
                    .map_err(|e| within(e, &field))?,
                statement,
            });
        }
        if attendees.len() > crate::MAX_ATTENDEES {
            return Err(DocError::invalid("attendees", format!("more than {} attendees", crate::MAX_ATTENDEES)));
        }
        Ok(Session {
            id,
            created_by: Id::new(self.text(&ROOT, "created_by")?, "created_by")?,
            fields,
            attendees,
            withdrawn: self.boolean(&ROOT, "withdrawn")?,
            withdraw_reason: self.text(&ROOT, "withdraw_reason")?,
        })
    }

    fn scalar(&self, obj: &ObjId, key: &str) -> Result<Option<ScalarValue>, DocError> {
        match self.get(obj, key) {
            None => Ok(None),
            Some((Value::Scalar(value), _)) => Ok(Some(value.into_owned())),
            Some((Value::Object(_), _)) => Err(DocError::invalid(key, "is an object, not a value")),
        }
    }

    fn required(&self, obj: &ObjId, key: &str) -> Result<ScalarValue, DocError> {
        self.scalar(obj, key)?.ok_or_else(|| DocError::invalid(key, "is missing"))
    }

    pub(crate) fn text(&self, obj: &ObjId, key: &str) -> Result<String, DocError> {
        match self.required(obj, key)? {
            ScalarValue::Str(text) => Ok(text.to_string()),
            _ => Err(DocError::invalid(key, "is not text")),
        }
    }

    pub(crate) fn int(&self, obj: &ObjId, key: &str) -> Result<i64, DocError> {
        match self.required(obj, key)? {
            ScalarValue::Int(n) => Ok(n),
            ScalarValue::Uint(n) => i64::try_from(n).map_err(|_| DocError::invalid(key, "is out of range")),
            _ => Err(DocError::invalid(key, "is not a number")),
        }
    }

    pub(crate) fn uint(&self, obj: &ObjId, key: &str) -> Result<u64, DocError> {
        match self.required(obj, key)? {
            ScalarValue::Uint(n) => Ok(n),
            ScalarValue::Int(n) => u64::try_from(n).map_err(|_| DocError::invalid(key, "is negative")),
            _ => Err(DocError::invalid(key, "is not a number")),
        }
    }

    pub(crate) fn boolean(&self, obj: &ObjId, key: &str) -> Result<bool, DocError> {
        match self.required(obj, key)? {
            ScalarValue::Boolean(b) => Ok(b),
            _ => Err(DocError::invalid(key, "is not true or false")),
        }
    }

    fn map(&self, obj: &ObjId, key: &str) -> Result<ObjId, DocError> {
        match self.get(obj, key) {
            Some((Value::Object(ObjType::Map), id)) => Ok(id),
            Some(_) => Err(DocError::invalid(key, "is not a map")),
            None => Err(DocError::invalid(key, "is missing")),
        }
    }

    /// Stored statements whose key names no attendee, with their values. Reading ignores them;
    /// they arise innocently when a confirmation and the attendee's removal are concurrent.
    fn orphan_statements(&self) -> Result<Orphans, DocError> {
        // A document not yet created has none; one whose maps are broken is refused on reading.
        let (Ok(attendees), Ok(statements)) = (self.map(&ROOT, "attendees"), self.map(&ROOT, "statements")) else {
            return Ok(Vec::new());
        };
        self.keys(&statements)
            .into_iter()
            .filter(|key| self.get(&attendees, key.as_str()).is_none())
            .map(|key| Ok((key.clone(), self.scalar(&statements, &key)?)))
            .collect()
    }
}

/// Stored statements whose key names no attendee, with their values.
type Orphans = Vec<(String, Option<ScalarValue>)>;

/// Reads the session after a change, refusing the change if it stored a statement for someone
/// who does not attend, given the orphans `known` before it: judged on the state the change was
/// made on, so a confirmation made before the attendee was removed (on another device) is not
/// held against its author. One view serves both reads, so each map is read once; the orphans
/// found are returned for the next change.
fn read_without_new_orphans(
    after: &AutoCommit,
    known: &[(String, Option<ScalarValue>)],
) -> Result<(Session, Orphans), DocError> {
    let view = View::new(after);
    let session = view.read()?;
    let orphans = view.orphan_statements()?;
    if let Some((key, _)) = orphans.iter().find(|orphan| !known.contains(orphan)) {
        return Err(DocError::NotAllowed(format!(
            "a statement may be stored only for an attendee, and `{}` does not attend",
            key.escape_debug()
        )));
    }
    Ok((session, orphans))
}

fn within(error: DocError, prefix: &str) -> DocError {
    match error {
        DocError::Invalid { field, message } => DocError::Invalid { field: format!("{prefix}.{field}"), message },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A map read whole answers every lookup, and lists its keys, exactly as the document's
        /// own `get` and `keys` do, conflicts included.
        #[test]
        fn a_map_read_whole_reads_as_the_document_does(
            ours in prop::collection::btree_map("[a-zA-Z0-9_.é-]{0,6}", any::<i64>(), 0..12),
            theirs in prop::collection::btree_map("[a-zA-Z0-9_.é-]{0,6}", any::<i64>(), 0..12),
        ) {
            let mut a = AutoCommit::new().with_actor(ActorId::from(vec![1u8; 16]));
            let mut b = AutoCommit::new().with_actor(ActorId::from(vec![2u8; 16]));
            let map = a.put_object(ROOT, "m", ObjType::Map).expect("map");
            b.merge(&mut a).expect("merge");
            for (key, value) in &ours {
                a.put(&map, key.as_str(), *value).expect("put");
            }
            for (key, value) in &theirs {
                b.put(&map, key.as_str(), format!("{value}")).expect("put");
            }
            a.merge(&mut b).expect("merge");
            let view = View::new(&a);
            prop_assert_eq!(view.keys(&map), a.keys(&map).collect::<Vec<_>>());
            for key in ours.keys().chain(theirs.keys()).map(String::as_str).chain(["absent"]) {
                // Values alike (only an object's id is kept, checked below).
                let own = a.get(&map, key).expect("get").map(|(value, _)| value.into_owned());
                prop_assert_eq!(view.get(&map, key).map(|(value, _)| value), own);
            }
            prop_assert_eq!(view.map(&ROOT, "m").expect("m"), map);
        }
    }
}
