//! Rules parity: whatever a hostile participant (or stranger) writes into a session document
//! with raw Automerge changes, what [`SessionDoc::apply_pushed`] (the server's gate) accepts is
//! a session that passes [`Session::validate`], a refused push changes nothing, and no dossier
//! built from an accepted document credits a provider for her own session or counts a
//! confirmation not signed by the session's provider.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT, ReadDoc, ScalarValue};
use proptest::prelude::*;
use rsc_doc::{DeviceKey, NewAttendee, SessionDoc, SessionFields};
use rsc_model::{
    Applicant, AttestedContent, Confirmation, DossierBuilder, Id, Minutes, SessionFormat, SessionKind, SessionStatus,
    StatementKind,
};

/// The people: the provider, two supervisees and a stranger.
const PEOPLE: [&str; 4] = ["pat", "ana", "ben", "eve"];
/// After every session date these tests write, before any date they refuse.
const NOW_MS: i64 = 1_767_225_600_000;

fn id(i: usize) -> Id {
    Id::new(PEOPLE[i], "test").expect("id")
}

fn m(n: i64) -> Minutes {
    Minutes::new(n, "test").expect("minutes")
}

fn keys() -> Vec<DeviceKey> {
    (0..PEOPLE.len()).map(|i| DeviceKey::from_secret_bytes(&[i as u8 + 1; 32])).collect()
}

fn actor(i: usize) -> ActorId {
    ActorId::from(vec![i as u8 + 1; 16])
}

/// Ana logs an individual session with Pat; Pat confirms it from her own device.
fn base(keys: &[DeviceKey]) -> SessionDoc {
    let fields = SessionFields {
        date: "2025-03-04".parse().expect("date"),
        start_time: "10:00".into(),
        time_zone: "America/Denver".into(),
        minutes: m(60),
        kind: SessionKind::Individual,
        format: SessionFormat::Video,
        provider: id(0),
    };
    let attendee = NewAttendee { id: id(1), minutes_attended: m(60), about_own_rsc_practice: false };
    let mut doc = SessionDoc::create(actor(1), Id::new("s1", "test").expect("id"), id(1), fields, vec![attendee])
        .expect("created");
    let mut pats = SessionDoc::load_as(&doc.save(), actor(0)).expect("load");
    pats.confirm(&keys[0], &id(0), &id(1), m(60), NOW_MS - 1000).expect("confirm");
    doc.merge(&mut pats).expect("merge");
    doc
}

/// A value a hostile change writes.
#[derive(Debug, Clone)]
enum Value {
    Person(usize),
    Text(&'static str),
    Int(i64),
    Bool(bool),
}

/// One hostile edit, written as a raw Automerge change.
#[derive(Debug, Clone)]
enum Edit {
    /// Any root field, including ones that must never change and ones that do not exist.
    Root(&'static str, Value),
    /// A person joins the roster with these minutes.
    AddAttendee(usize, i64),
    /// A person leaves the roster.
    RemoveAttendee(usize),
    /// An attendee's minutes.
    Minutes(usize, i64),
    /// A statement stored under `under`, signed with `signer`'s key, saying what it likes.
    Statement {
        signer: usize,
        under: usize,
        provider: usize,
        attendee: usize,
        confirm: bool,
        minutes: i64,
        session: &'static str,
    },
    /// A stored statement removed.
    DeleteStatement(usize),
}

/// One push: who sends it, whether it was made on the session's first state (and so is
/// concurrent with what followed), and its edits.
#[derive(Debug, Clone)]
struct Push {
    author: usize,
    stale: bool,
    edits: Vec<Edit>,
}

fn person() -> impl Strategy<Value = usize> {
    0..PEOPLE.len()
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        person().prop_map(Value::Person),
        prop::sample::select(vec![
            "2025-03-05",
            "1901-01-01",
            "2031-01-01",
            "not a date",
            "group",
            "individual",
            "phone",
            "in_person",
            "11:00",
            "25:99",
            "Europe/Paris",
            "Mars/Olympus_Mons",
            "s2",
            ""
        ])
        .prop_map(Value::Text),
        prop::sample::select(vec![-5i64, 0, 30, 45, 60, 90, 720, 721, 100_000]).prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let root_key = prop::sample::select(vec![
        "provider",
        "created_by",
        "id",
        "date",
        "start_time",
        "time_zone",
        "minutes",
        "kind",
        "format",
        "withdrawn",
        "withdraw_reason",
        "schema",
        "notes",
    ]);
    let minutes = prop::sample::select(vec![-1i64, 0, 15, 30, 60, 61, 720, 721]);
    prop_oneof![
        (root_key, value()).prop_map(|(k, v)| Edit::Root(k, v)),
        (person(), minutes.clone()).prop_map(|(p, n)| Edit::AddAttendee(p, n)),
        person().prop_map(Edit::RemoveAttendee),
        (person(), minutes.clone()).prop_map(|(p, n)| Edit::Minutes(p, n)),
        (person(), person(), person(), person(), any::<bool>(), minutes, prop::sample::select(vec!["s1", "s2"]))
            .prop_map(|(signer, under, provider, attendee, confirm, minutes, session)| Edit::Statement {
                signer,
                under,
                provider,
                attendee,
                confirm,
                minutes,
                session
            }),
        person().prop_map(Edit::DeleteStatement),
    ]
}

fn push() -> impl Strategy<Value = Push> {
    (person(), any::<bool>(), prop::collection::vec(edit(), 1..4)).prop_map(|(author, stale, edits)| Push {
        author,
        stale,
        edits,
    })
}

fn scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Person(i) => ScalarValue::Str(PEOPLE[*i].into()),
        Value::Text(t) => ScalarValue::Str((*t).into()),
        Value::Int(n) => ScalarValue::Int(*n),
        Value::Bool(b) => ScalarValue::Boolean(*b),
    }
}

/// Writes `edits` on `raw`, ignoring the ones Automerge itself cannot express here (a map
/// missing on this state): the hostile change is whatever remains.
fn write(raw: &mut AutoCommit, edits: &[Edit], keys: &[DeviceKey]) {
    let map = |raw: &AutoCommit, key: &str| match raw.get(ROOT, key) {
        Ok(Some((automerge::Value::Object(_), obj))) => Some(obj),
        _ => None,
    };
    for edit in edits {
        let _ = match edit {
            Edit::Root(key, value) => raw.put(ROOT, *key, scalar(value)),
            Edit::AddAttendee(who, minutes) => map(raw, "attendees").map_or(Ok(()), |attendees| {
                let entry = raw.put_object(&attendees, PEOPLE[*who], automerge::ObjType::Map)?;
                raw.put(&entry, "minutes_attended", *minutes)?;
                raw.put(&entry, "about_own_rsc_practice", false)
            }),
            Edit::RemoveAttendee(who) => {
                map(raw, "attendees").map_or(Ok(()), |attendees| raw.delete(&attendees, PEOPLE[*who]))
            }
            Edit::Minutes(who, minutes) => {
                match map(raw, "attendees").and_then(|a| raw.get(&a, PEOPLE[*who]).ok().flatten().map(|(_, obj)| obj)) {
                    Some(entry) => raw.put(&entry, "minutes_attended", *minutes),
                    None => Ok(()),
                }
            }
            Edit::Statement { signer, under, provider, attendee, confirm, minutes, session } => {
                let content = AttestedContent {
                    kind: if *confirm { StatementKind::Confirm } else { StatementKind::Dispute },
                    session_id: Id::new(*session, "test").expect("id"),
                    attendee: id(*attendee),
                    provider: id(*provider),
                    date: "2025-03-04".parse().expect("date"),
                    session_minutes: m(60),
                    minutes_attended: if *confirm { Minutes::new(*minutes, "m").ok() } else { None },
                    session_kind: SessionKind::Individual,
                    format: SessionFormat::Video,
                    about_own_rsc_practice: false,
                    signed_at_ms: NOW_MS - 500,
                    reason: if *confirm { String::new() } else { "not there".into() },
                };
                match (keys[*signer].sign(content), map(raw, "statements")) {
                    (Ok(signed), Some(statements)) => raw.put(&statements, PEOPLE[*under], signed.to_bytes()),
                    _ => Ok(()),
                }
            }
            Edit::DeleteStatement(who) => {
                map(raw, "statements").map_or(Ok(()), |statements| raw.delete(&statements, PEOPLE[*who]))
            }
        };
    }
}

/// Statements stored under a key that names no attendee, with their bytes.
fn orphans(saved: &[u8]) -> Vec<(String, String)> {
    let doc = AutoCommit::load(saved).expect("load");
    let obj = |key: &str| match doc.get(ROOT, key) {
        Ok(Some((automerge::Value::Object(_), obj))) => obj,
        other => panic!("{key}: {other:?}"),
    };
    let (attendees, statements) = (obj("attendees"), obj("statements"));
    doc.keys(&statements)
        .filter(|k| doc.get(&attendees, k.as_str()).ok().flatten().is_none())
        .map(|k| {
            let value = format!("{:?}", doc.get(&statements, k.as_str()).ok().flatten().map(|(v, _)| v));
            (k, value)
        })
        .collect()
}

/// Everything an accepted document must satisfy.
fn check_accepted(doc: &SessionDoc, keys: &[DeviceKey]) -> Result<(), TestCaseError> {
    let session = doc.session().map_err(|e| TestCaseError::fail(format!("accepted but unreadable: {e}")))?;
    session.validate().map_err(|e| TestCaseError::fail(format!("accepted but invalid: {e}")))?;
    prop_assert!(session.attendees.iter().all(|a| a.id != session.fields.provider), "the provider attends");
    let trusted = |provider: &Id, key: &[u8; 32]| {
        PEOPLE.iter().position(|p| *p == provider.as_str()).is_some_and(|i| keys[i].public_key() == *key)
    };
    let records = session.attendance_records(trusted);
    for record in &records {
        if let SessionStatus::Confirmed(_) = record.status() {
            let statement = record.statement.as_ref().expect("a confirmation has a statement");
            prop_assert_eq!(&statement.provider, &session.fields.provider, "confirmed by someone else");
        }
    }
    for (i, _) in PEOPLE.iter().enumerate() {
        let dossier = DossierBuilder::new("2026-01-01".parse().expect("date"))
            .build(Applicant { id: id(i), masters_conferred_on: None, provides_rsc: None }, &records);
        for s in &dossier.sessions {
            prop_assert!(s.provider != id(i), "{} credited for her own session", PEOPLE[i]);
            if let Some(Confirmation::Confirmed { .. }) = s.confirmation {
                prop_assert_eq!(&s.provider, &session.fields.provider);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn whatever_is_pushed_the_accepted_document_keeps_every_rule(pushes in prop::collection::vec(push(), 1..6)) {
        let keys = keys();
        let mut doc = base(&keys);
        let first = doc.save();
        for push in &pushes {
            let start = if push.stale { first.clone() } else { doc.save() };
            let mut raw = AutoCommit::load(&start).expect("load").with_actor(actor(push.author));
            let heads = raw.get_heads();
            write(&mut raw, &push.edits, &keys);
            raw.commit();
            let changes = raw.get_changes(&heads);
            let before = doc.save();
            match doc.apply_pushed(&changes, &id(push.author), NOW_MS) {
                Ok(merged) => {
                    assert_eq!(merged.as_ref(), doc.session().ok().as_ref(), "the session returned is the merged one");
                    check_accepted(&doc, &keys)?;
                    // A device receiving the accepted changes reads the same session, whether
                    // it had the document or not.
                    let encoded: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
                    let mut other = SessionDoc::load(&before).expect("load");
                    let applied = other.apply_changes_read(&encoded).expect("apply");
                    prop_assert_eq!(Some(applied.clone()), doc.session().ok());
                    let (fresh, session) = SessionDoc::from_changes_read(&doc.changes_since(&[])).expect("from changes");
                    prop_assert_eq!(&session, &applied);
                    prop_assert_eq!(fresh.session().ok(), Some(applied));
                    if !push.stale {
                        // Made on the latest state, it cannot leave a statement for someone
                        // who does not attend (concurrent edits may, innocently).
                        let (was, is) = (orphans(&before), orphans(&doc.save()));
                        prop_assert!(is.iter().all(|o| was.contains(o)), "new orphan statements {is:?}");
                    }
                }
                Err(_) => prop_assert_eq!(doc.save(), before, "a refused push changed the document"),
            }
        }
    }
}

/// The raw change `author` makes on `saved` with `edits`.
fn raw_change(saved: &[u8], author: usize, edits: &[Edit], keys: &[DeviceKey]) -> Vec<automerge::Change> {
    let mut raw = AutoCommit::load(saved).expect("load").with_actor(actor(author));
    let heads = raw.get_heads();
    write(&mut raw, edits, keys);
    raw.commit();
    raw.get_changes(&heads)
}

#[test]
fn a_statement_stored_for_someone_who_does_not_attend_is_refused_unless_they_left_meanwhile() {
    let keys = keys();
    let mut doc = base(&keys);
    // Ana (who logged it) stores a statement signed with her own key under Eve, who does not attend.
    let junk =
        Edit::Statement { signer: 1, under: 3, provider: 0, attendee: 3, confirm: true, minutes: 60, session: "s1" };
    let change = raw_change(&doc.save(), 1, &[junk], &keys);
    let error = doc.apply_pushed(&change, &id(1), NOW_MS).expect_err("refused");
    assert!(matches!(error, rsc_doc::DocError::NotAllowed(_)), "{error}");
    assert!(error.to_string().contains("`eve` does not attend"), "{error}");

    // Ben joins; Pat confirms him on her phone while Ana, on hers, takes him off the roster. Both
    // reach the server: the confirmation was made while Ben attended, so neither is refused, and
    // the merged session (without Ben) still reads.
    let mut group = base(&keys);
    let join =
        raw_change(&group.save(), 1, &[Edit::Root("kind", Value::Text("group")), Edit::AddAttendee(2, 60)], &keys);
    group.apply_pushed(&join, &id(1), NOW_MS).expect("ben joins");
    let joined = group.save();
    let confirm =
        Edit::Statement { signer: 0, under: 2, provider: 0, attendee: 2, confirm: true, minutes: 60, session: "s1" };
    let confirmation = raw_change(&joined, 0, &[confirm], &keys);
    let removal = raw_change(&joined, 1, &[Edit::RemoveAttendee(2)], &keys);
    group.apply_pushed(&removal, &id(1), NOW_MS).expect("ana removes ben");
    group.apply_pushed(&confirmation, &id(0), NOW_MS).expect("pat's confirmation, made before, still lands");
    let session = group.session().expect("reads");
    assert!(session.attendee(&id(2)).is_none());
    assert_eq!(orphans(&group.save()).len(), 1, "kept in the document, ignored by the session");
}

#[test]
fn a_new_session_pushed_to_an_empty_document_is_accepted() {
    let keys = keys();
    let mut logged = base(&keys);
    let mut empty = SessionDoc::empty();
    let all = logged.changes_since(&[]);
    let changes: Vec<_> = all.iter().map(|c| SessionDoc::decode_change(c).expect("change")).collect();
    // Ana's creation alone (Pat's confirmation is hers to push).
    empty.apply_pushed(&changes[..1], &id(1), NOW_MS).expect("created");
    assert_eq!(empty.session().expect("reads").id.as_str(), "s1");
}
