//! [`TrainingDoc`]: one training a person attended, as an Automerge document of her own.
//!
//! A training is self-reported: nobody confirms it, and only its owner ever writes it (from any
//! of her devices). It is a document rather than a row so that it is logged offline and synced
//! with the same durability as a session.
//!
//! # Layout (schema 1)
//!
//! The root map holds `schema` (uint 1), `type` (`"training"`, which no session has), `id`,
//! `owner`, `title`, `organiser`, `date` (`YYYY-MM-DD`), `minutes` (int), `topic` (`imh`, `rsc`
//! or `dei`), `certificate` (the SHA-256 of its certificate file in lowercase hex, or empty)
//! and `withdrawn` (bool; a removed training stays in the history and counts nothing). Any
//! other key is refused.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ROOT, ReadDoc};
use rsc_model::{Date, Id, MAX_TRAINING_MINUTES, TrainingTopic};

use crate::DocError;
use crate::doc::View;

const SCHEMA: u64 = 1;
/// The value of `type` that marks a training's document.
const TYPE: &str = "training";
const ROOT_KEYS: [&str; 11] =
    ["schema", "type", "id", "owner", "title", "organiser", "date", "minutes", "topic", "certificate", "withdrawn"];
/// The longest title or organiser, in characters.
pub const MAX_TRAINING_TEXT_CHARS: usize = 200;

/// What a person says about a training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingFields {
    /// Its title, as on the certificate.
    pub title: String,
    /// Who gave it (may be empty).
    pub organiser: String,
    /// The day it took place.
    pub date: Date,
    /// Its length in minutes, 1 to [`MAX_TRAINING_MINUTES`].
    pub minutes: u32,
    /// Its one primary topic.
    pub topic: TrainingTopic,
    /// The SHA-256 of its certificate file (64 lowercase hex digits), if one is kept.
    pub certificate: Option<String>,
}

impl TrainingFields {
    /// Checks every field, naming the first that is wrong.
    pub fn validate(&self) -> Result<(), DocError> {
        check_text("title", &self.title, false)?;
        check_text("organiser", &self.organiser, true)?;
        if self.minutes == 0 || self.minutes > MAX_TRAINING_MINUTES {
            return Err(DocError::invalid(
                "minutes",
                format!("{} minutes; a training is 1 minute to {} hours", self.minutes, MAX_TRAINING_MINUTES / 60),
            ));
        }
        if let Some(digest) = &self.certificate
            && (digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(DocError::invalid("certificate", "is not a SHA-256 digest (64 lowercase hex digits)"));
        }
        Ok(())
    }
}

fn check_text(field: &str, text: &str, may_be_empty: bool) -> Result<(), DocError> {
    if !may_be_empty && text.trim().is_empty() {
        return Err(DocError::invalid(field, "must not be empty"));
    }
    if text.trim() != text {
        return Err(DocError::invalid(field, "must not start or end with white space"));
    }
    if text.chars().any(char::is_control) {
        return Err(DocError::invalid(field, "must not contain control characters"));
    }
    let chars = text.chars().count();
    if chars > MAX_TRAINING_TEXT_CHARS {
        return Err(DocError::invalid(
            field,
            format!("is {chars} characters long; the limit is {MAX_TRAINING_TEXT_CHARS}"),
        ));
    }
    Ok(())
}

/// A training as its document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Training {
    /// Its id (the document's).
    pub id: Id,
    /// Whose training it is: the only person who may write it.
    pub owner: Id,
    /// What she says about it.
    pub fields: TrainingFields,
    /// Removed: kept in the history, counted nowhere.
    pub withdrawn: bool,
}

/// One training's document.
#[derive(Debug, Clone)]
pub struct TrainingDoc {
    doc: AutoCommit,
}

impl TrainingDoc {
    /// Creates the document of a new training of `owner`'s, as `actor`'s first change.
    pub fn create(actor: ActorId, id: Id, owner: Id, fields: TrainingFields) -> Result<TrainingDoc, DocError> {
        fields.validate()?;
        let mut doc = AutoCommit::new().with_actor(actor);
        doc.put(ROOT, "schema", SCHEMA)?;
        doc.put(ROOT, "type", TYPE)?;
        doc.put(ROOT, "id", id.as_str())?;
        doc.put(ROOT, "owner", owner.as_str())?;
        doc.put(ROOT, "withdrawn", false)?;
        let mut this = TrainingDoc { doc };
        this.write_fields(None, &fields)?;
        this.doc.commit_with(CommitOptions::default().with_message("log training"));
        Ok(this)
    }

    /// An empty document, to which a new training's first change is pushed.
    pub fn empty() -> TrainingDoc {
        TrainingDoc { doc: AutoCommit::new() }
    }

    /// Loads a saved document and checks that it is a well-formed training.
    pub fn load(bytes: &[u8]) -> Result<TrainingDoc, DocError> {
        let this = TrainingDoc { doc: crate::doc::load_limited(bytes)? };
        this.training()?;
        Ok(this)
    }

    /// Loads a saved document to be edited by `actor` (this device).
    pub fn load_as(bytes: &[u8], actor: ActorId) -> Result<TrainingDoc, DocError> {
        let mut this = TrainingDoc::load(bytes)?;
        this.doc.set_actor(actor);
        Ok(this)
    }

    /// The whole document, compressed.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The current heads.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Every change not reachable from `heads`, encoded (see [`crate::SessionDoc::changes_since`]).
    pub fn changes_since(&mut self, heads: &[ChangeHash]) -> Vec<Vec<u8>> {
        self.doc.get_changes(heads).into_iter().map(|c| c.raw_bytes().to_vec()).collect()
    }

    /// Whether the document already holds the change with this hash.
    pub fn contains_change(&mut self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    /// Builds a training from nothing but encoded changes (one pulled from the server for the
    /// first time), checked.
    pub fn from_changes_read(changes: &[Vec<u8>]) -> Result<(TrainingDoc, Training), DocError> {
        let mut this = TrainingDoc::empty();
        let training = this.apply_changes_read(changes)?;
        Ok((this, training))
    }

    /// The document without `dropped` and every change that builds on them (what a device goes
    /// back to when the server refuses its changes); `None` when nothing would be left.
    pub fn without(&mut self, dropped: &[ChangeHash]) -> Result<Option<TrainingDoc>, DocError> {
        let Some(doc) = crate::doc::without_changes(&mut self.doc, dropped)? else { return Ok(None) };
        let this = TrainingDoc { doc };
        this.training()?;
        Ok(Some(this))
    }

    /// Applies encoded changes pulled from the server (her other devices' edits), then checks
    /// the result is still a well-formed training; on failure the document is left as it was.
    pub fn apply_changes_read(&mut self, changes: &[Vec<u8>]) -> Result<Training, DocError> {
        let candidate = crate::doc::with_changes(&self.doc, changes)?;
        let training = read(&candidate)?;
        self.doc = candidate;
        Ok(training)
    }

    /// The server's gate: applies changes pushed by `author`'s device, refusing them all when
    /// one breaks a rule (the document is then left as it was). Only the owner writes a
    /// training: a new document must name `author` as its owner, and an existing one must be
    /// hers and stay hers. Every change must have its dependencies here (or earlier in
    /// `changes`); the merged training must be well formed, dated within the logbook's range
    /// around `now_ms` when its date is new, and inside the document limits. Returns the
    /// training before (`None` when new) and after.
    pub fn apply_pushed(
        &mut self,
        changes: &[Change],
        author: &Id,
        now_ms: i64,
    ) -> Result<(Option<Training>, Training), DocError> {
        let mut work = self.doc.clone();
        let before = if work.get_heads().is_empty() { None } else { Some(read(&work)?) };
        if let Some(before) = &before
            && &before.owner != author
        {
            return Err(not_owner());
        }
        for change in changes {
            if work.get_change_by_hash(&change.hash()).is_some() {
                continue;
            }
            if let Some(missing) = change.deps().iter().find(|d| work.get_change_by_hash(d).is_none()) {
                return Err(DocError::MissingDependency(missing.to_string()));
            }
            if !work.get_heads().is_empty() && change.deps().is_empty() {
                return Err(DocError::NotAllowed("a change may not start an existing training over".into()));
            }
            crate::doc::apply(&mut work, [change.clone()])?;
        }
        let after = read(&work)?;
        if &after.owner != author {
            return Err(not_owner());
        }
        if let Some(before) = &before
            && before.id != after.id
        {
            return Err(DocError::NotAllowed("a training's id never changes".into()));
        }
        if before.as_ref().is_none_or(|b| b.fields.date != after.fields.date) {
            let today =
                Date::from_unix_millis(now_ms).ok_or_else(|| DocError::invalid("now", "the clock is out of range"))?;
            crate::rules::check_date(after.fields.date, today)?;
        }
        crate::doc::check_ops(&work)?;
        self.doc = work;
        Ok((before, after))
    }

    /// The training. Requires every field present and well formed.
    pub fn training(&self) -> Result<Training, DocError> {
        read(&self.doc)
    }

    /// `by` changes what the training says; only its owner may.
    pub fn edit(&mut self, by: &Id, fields: TrainingFields) -> Result<(), DocError> {
        let before = self.training()?;
        if &before.owner != by {
            return Err(not_owner());
        }
        fields.validate()?;
        if before.fields == fields {
            return Ok(());
        }
        match self.write_fields(Some(&before.fields), &fields) {
            Ok(()) => {
                self.doc.commit_with(CommitOptions::default().with_message("edit training"));
                Ok(())
            }
            Err(error) => {
                self.doc.rollback();
                Err(error)
            }
        }
    }

    /// `by` removes the training (or puts it back): it stays in the history and counts nothing.
    pub fn set_withdrawn(&mut self, by: &Id, withdrawn: bool) -> Result<(), DocError> {
        let before = self.training()?;
        if &before.owner != by {
            return Err(not_owner());
        }
        if before.withdrawn != withdrawn {
            self.doc.put(ROOT, "withdrawn", withdrawn)?;
            self.doc.commit_with(CommitOptions::default().with_message("remove training"));
        }
        Ok(())
    }

    fn write_fields(&mut self, before: Option<&TrainingFields>, after: &TrainingFields) -> Result<(), DocError> {
        let changed = |f: fn(&TrainingFields) -> String| before.is_none_or(|b| f(b) != f(after));
        if changed(|f| f.title.clone()) {
            self.doc.put(ROOT, "title", after.title.as_str())?;
        }
        if changed(|f| f.organiser.clone()) {
            self.doc.put(ROOT, "organiser", after.organiser.as_str())?;
        }
        if changed(|f| f.date.to_string()) {
            self.doc.put(ROOT, "date", after.date.to_string())?;
        }
        if changed(|f| f.minutes.to_string()) {
            self.doc.put(ROOT, "minutes", i64::from(after.minutes))?;
        }
        if changed(|f| f.topic.to_string()) {
            self.doc.put(ROOT, "topic", after.topic.as_str())?;
        }
        if changed(|f| f.certificate.clone().unwrap_or_default()) {
            self.doc.put(ROOT, "certificate", after.certificate.as_deref().unwrap_or(""))?;
        }
        Ok(())
    }
}

fn not_owner() -> DocError {
    DocError::NotAllowed("a training is written only by the person who attended it".into())
}

fn read(doc: &AutoCommit) -> Result<Training, DocError> {
    let view = View::new(doc);
    if let Some(key) = view.keys(&ROOT).into_iter().find(|k| !ROOT_KEYS.contains(&k.as_str())) {
        return Err(DocError::Malformed(format!("unknown field `{}` in a training", key.escape_debug())));
    }
    let schema = view.uint(&ROOT, "schema")?;
    if schema != SCHEMA {
        return Err(DocError::Malformed(format!(
            "training schema {schema} is not supported (this version reads {SCHEMA})"
        )));
    }
    if view.text(&ROOT, "type")? != TYPE {
        return Err(DocError::Malformed("not a training's document".into()));
    }
    let minutes = view.int(&ROOT, "minutes")?;
    let certificate = view.text(&ROOT, "certificate")?;
    let fields = TrainingFields {
        title: view.text(&ROOT, "title")?,
        organiser: view.text(&ROOT, "organiser")?,
        date: Date::parse_field(&view.text(&ROOT, "date")?, "date")?,
        minutes: u32::try_from(minutes)
            .map_err(|_| DocError::invalid("minutes", format!("{minutes} is out of range")))?,
        topic: view.text(&ROOT, "topic")?.parse().map_err(|e: rsc_model::ModelError| e.within("topic"))?,
        certificate: if certificate.is_empty() { None } else { Some(certificate) },
    };
    fields.validate()?;
    Ok(Training {
        id: Id::new(view.text(&ROOT, "id")?, "id")?,
        owner: Id::new(view.text(&ROOT, "owner")?, "owner")?,
        fields,
        withdrawn: view.boolean(&ROOT, "withdrawn")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000; // 2026-05-28

    fn id(text: &str) -> Id {
        Id::new(text, "id").expect("id")
    }

    fn fields() -> TrainingFields {
        TrainingFields {
            title: "Reflective practice in home visiting".into(),
            organiser: "CT-AIMH".into(),
            date: "2026-03-14".parse().expect("date"),
            minutes: 180,
            topic: TrainingTopic::Rsc,
            certificate: None,
        }
    }

    fn changes(doc: &mut TrainingDoc, since: &[ChangeHash]) -> Vec<Change> {
        doc.changes_since(since).iter().map(|c| crate::SessionDoc::decode_change(c).expect("decode")).collect()
    }

    #[test]
    fn a_training_round_trips_and_its_owner_edits_and_removes_it() {
        let mut doc = TrainingDoc::create(ActorId::random(), id("t1"), id("ana"), fields()).expect("create");
        let mut loaded = TrainingDoc::load_as(&doc.save(), ActorId::random()).expect("load");
        assert_eq!(loaded.training().expect("read").fields, fields());
        let mut edited = fields();
        edited.minutes = 90;
        edited.certificate = Some("ab".repeat(32));
        loaded.edit(&id("ana"), edited.clone()).expect("edit");
        loaded.set_withdrawn(&id("ana"), true).expect("remove");
        let read = loaded.training().expect("read");
        assert_eq!((read.fields, read.withdrawn), (edited, true));
        // Someone else's device may not.
        let error = loaded.edit(&id("ben"), fields()).expect_err("not hers");
        assert!(matches!(error, DocError::NotAllowed(_)), "{error}");
        assert!(loaded.set_withdrawn(&id("ben"), false).is_err());
        // The other replica merges her edits.
        let pulled = loaded.changes_since(&doc.heads());
        assert_eq!(doc.apply_changes_read(&pulled).expect("merge").fields.minutes, 90);
    }

    #[test]
    fn every_field_is_checked_and_named() {
        type Breaker = fn(&mut TrainingFields);
        let cases: [(Breaker, &str); 7] = [
            (|f| f.title = "  ".into(), "title"),
            (|f| f.title = "x".repeat(201), "title"),
            (|f| f.organiser = "a\u{7}b".into(), "organiser"),
            (|f| f.minutes = 0, "minutes"),
            (|f| f.minutes = MAX_TRAINING_MINUTES + 1, "minutes"),
            (|f| f.certificate = Some("AB".repeat(32)), "certificate"),
            (|f| f.certificate = Some("ab".into()), "certificate"),
        ];
        for (break_it, field) in cases {
            let mut broken = fields();
            break_it(&mut broken);
            let error = TrainingDoc::create(ActorId::random(), id("t1"), id("ana"), broken).expect_err(field);
            assert_eq!(error.field(), Some(field), "{error}");
        }
        let mut longest = fields();
        longest.title = "é".repeat(200);
        longest.minutes = MAX_TRAINING_MINUTES;
        TrainingDoc::create(ActorId::random(), id("t1"), id("ana"), longest).expect("the limits themselves");
    }

    #[test]
    fn the_gate_lets_only_the_owner_write() {
        let mut phone = TrainingDoc::create(ActorId::random(), id("t1"), id("ana"), fields()).expect("create");
        let first = changes(&mut phone, &[]);
        // Ben cannot push a training that is Ana's, new or existing.
        let error = TrainingDoc::empty().apply_pushed(&first, &id("ben"), NOW).expect_err("ben");
        assert!(matches!(error, DocError::NotAllowed(_)), "{error}");
        let mut server = TrainingDoc::empty();
        let (before, after) = server.apply_pushed(&first, &id("ana"), NOW).expect("ana");
        assert_eq!((before, after.owner), (None, id("ana")));
        // A change that hands the training to Ben is refused, even from Ana's device.
        let heads = phone.heads();
        phone.doc.put(ROOT, "owner", "ben").expect("put");
        phone.doc.commit();
        let handed = changes(&mut phone, &heads);
        let error = server.apply_pushed(&handed, &id("ana"), NOW).expect_err("handed over");
        assert!(matches!(error, DocError::NotAllowed(_)), "{error}");
        assert_eq!(server.training().expect("kept").owner, id("ana"), "left as it was");
        // And Ben's push of a harmless edit to Ana's training is refused.
        let mut bens = TrainingDoc::load_as(&server.save(), ActorId::random()).expect("copy");
        bens.doc.put(ROOT, "minutes", 600).expect("put");
        bens.doc.commit();
        let edit = changes(&mut bens, &server.heads());
        assert!(server.apply_pushed(&edit, &id("ben"), NOW).is_err());
    }

    #[test]
    fn the_gate_refuses_what_a_device_would_refuse() {
        let mut phone = TrainingDoc::create(ActorId::random(), id("t1"), id("ana"), fields()).expect("create");
        let mut server = TrainingDoc::empty();
        server.apply_pushed(&changes(&mut phone, &[]), &id("ana"), NOW).expect("first");
        for (key, value) in [("minutes", automerge::ScalarValue::Int(0)), ("topic", "art".into()), ("extra", 1.into())]
        {
            let mut copy = TrainingDoc::load_as(&server.save(), ActorId::random()).expect("copy");
            copy.doc.put(ROOT, key, value).expect("put");
            copy.doc.commit();
            let pushed = changes(&mut copy, &server.heads());
            let error = server.apply_pushed(&pushed, &id("ana"), NOW).expect_err(key);
            assert!(matches!(error, DocError::Invalid { .. } | DocError::Malformed(_)), "{key}: {error}");
        }
        // Dated eleven years ago.
        let mut old = fields();
        old.date = "2015-01-01".parse().expect("date");
        let mut phone = TrainingDoc::create(ActorId::random(), id("t2"), id("ana"), old).expect("create");
        let error = TrainingDoc::empty().apply_pushed(&changes(&mut phone, &[]), &id("ana"), NOW).expect_err("old");
        assert_eq!(error.field(), Some("date"));
        // A session is not a training.
        let error = TrainingDoc::load(&crate::SessionDoc::empty().save()).expect_err("empty");
        assert!(matches!(error, DocError::Invalid { .. } | DocError::Malformed(_)), "{error}");
    }
}
