//! Session documents end to end: edits and their validation, confirmations and their trust,
//! merging, and convergence of concurrent replicas.

use proptest::prelude::*;
use rsc_doc::{ActorId, DeviceKey, DocError, NewAttendee, Session, SessionDoc, SessionEdit, SessionFields};
use rsc_model::{Applicant, Confirmation, DossierBuilder, Id, Minutes, SessionFormat, SessionKind, SessionStatus};

fn id(s: &str) -> Id {
    Id::new(s, "test").expect("id")
}

fn m(n: i64) -> Minutes {
    Minutes::new(n, "test").expect("minutes")
}

/// Signing times after every session these tests log (2026-01-01 UTC, plus `n` ms).
fn signed_at(n: i64) -> i64 {
    1_767_225_600_000 + n
}

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

fn fields(kind: SessionKind) -> SessionFields {
    SessionFields {
        date: "2025-03-04".parse().expect("date"),
        start_time: "10:00".into(),
        time_zone: "America/Denver".into(),
        minutes: m(90),
        kind,
        format: SessionFormat::Video,
        provider: id("pat"),
    }
}

fn attendee(name: &str, minutes: i64) -> NewAttendee {
    NewAttendee { id: id(name), minutes_attended: m(minutes), about_own_rsc_practice: false }
}

fn group_doc() -> SessionDoc {
    SessionDoc::create(
        actor(1),
        id("s1"),
        id("ana"),
        fields(SessionKind::Group),
        vec![attendee("ana", 90), attendee("ben", 60)],
    )
    .expect("created")
}

fn status(session: &Session, who: &str, key: &DeviceKey) -> SessionStatus {
    let public = key.public_key();
    session
        .attendance_records(|provider, k| provider.as_str() == "pat" && *k == public)
        .into_iter()
        .find(|r| r.attendee.as_str() == who)
        .expect("record")
        .status()
}

#[test]
fn a_session_reads_back_as_logged_and_survives_save_and_load() {
    let mut doc = group_doc();
    let session = doc.session().expect("reads");
    assert_eq!(session.fields, fields(SessionKind::Group));
    assert_eq!(session.attendees.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["ana", "ben"]);
    assert_eq!(session.participants(), vec![id("ana"), id("ben"), id("pat")]);
    let bytes = doc.save();
    let loaded = SessionDoc::load(&bytes).expect("loads");
    assert_eq!(loaded.session().expect("reads"), session);
}

#[test]
fn logging_is_allowed_to_the_provider_and_attendees_only() {
    let by_provider =
        SessionDoc::create(actor(2), id("s2"), id("pat"), fields(SessionKind::Individual), vec![attendee("ana", 60)]);
    assert!(by_provider.is_ok());
    let by_stranger =
        SessionDoc::create(actor(2), id("s2"), id("eve"), fields(SessionKind::Individual), vec![attendee("ana", 60)]);
    assert!(matches!(by_stranger, Err(DocError::NotAllowed(_))));
}

#[test]
fn invalid_edits_are_refused_naming_the_field_and_change_nothing() {
    let mut doc = group_doc();
    let before = doc.hydrate().expect("hydrate");
    let heads = doc.heads();
    let err = doc.set_attendance(&id("pat"), &id("ben"), Some(m(91)), None).expect_err("longer than the session");
    assert_eq!(err.field(), Some("attendees.ben.minutes_attended"));
    let err = doc
        .edit(&id("pat"), SessionEdit { kind: Some(SessionKind::Individual), ..Default::default() })
        .expect_err("two attendees");
    assert_eq!(err.field(), Some("kind"));
    let err =
        doc.edit(&id("pat"), SessionEdit { minutes: Some(m(45)), ..Default::default() }).expect_err("attendees longer");
    assert!(err.field().is_some_and(|f| f.ends_with("minutes_attended")), "{err}");
    let err =
        doc.edit(&id("pat"), SessionEdit { start_time: Some("25:00".into()), ..Default::default() }).expect_err("time");
    assert_eq!(err.field(), Some("start_time"));
    let err = doc.add_attendee(&id("pat"), attendee("pat", 30)).expect_err("provider attends");
    assert_eq!(err.field(), Some("attendees"));
    let err = doc.add_attendee(&id("pat"), attendee("ana", 30)).expect_err("twice");
    assert_eq!(err.field(), Some("attendees"));
    assert_eq!(doc.hydrate().expect("hydrate"), before);
    assert_eq!(doc.heads(), heads, "no change was committed");
}

#[test]
fn confirmation_counts_until_an_attested_field_changes() {
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let mut doc = group_doc();
    assert_eq!(status(&doc.session().expect("read"), "ana", &key), SessionStatus::Pending);
    doc.confirm(&key, &id("pat"), &id("ana"), m(75), signed_at(1_000)).expect("confirms");
    let session = doc.session().expect("read");
    assert_eq!(session.attendee(&id("ana")).expect("ana").minutes_attended, m(75));
    assert_eq!(status(&session, "ana", &key), SessionStatus::Confirmed(m(75)));
    assert_eq!(status(&session, "ben", &key), SessionStatus::Pending);

    // The statement travels with the document.
    let mut copy = SessionDoc::load_as(&doc.save(), actor(9)).expect("loads");
    assert_eq!(status(&copy.session().expect("read"), "ana", &key), SessionStatus::Confirmed(m(75)));

    copy.edit(&id("pat"), SessionEdit { format: Some(SessionFormat::Phone), ..Default::default() }).expect("edit");
    assert_eq!(status(&copy.session().expect("read"), "ana", &key), SessionStatus::ChangedSinceConfirmed);
    copy.confirm(&key, &id("pat"), &id("ana"), m(75), signed_at(2_000)).expect("confirms again");
    assert_eq!(status(&copy.session().expect("read"), "ana", &key), SessionStatus::Confirmed(m(75)));

    copy.set_attendance(&id("pat"), &id("ana"), None, Some(true)).expect("topic edit");
    assert_eq!(status(&copy.session().expect("read"), "ana", &key), SessionStatus::ChangedSinceConfirmed);
}

#[test]
fn the_history_keeps_every_statement_an_edit_or_a_later_one_replaced() {
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let mut doc = group_doc();
    assert!(doc.statement_history().expect("history").is_empty());
    doc.confirm(&key, &id("pat"), &id("ana"), m(75), signed_at(1_000)).expect("confirms");
    doc.edit(&id("pat"), SessionEdit { format: Some(SessionFormat::Phone), ..Default::default() }).expect("edit");
    doc.confirm(&key, &id("pat"), &id("ana"), m(70), signed_at(2_000)).expect("confirms again");
    doc.dispute(&key, &id("pat"), &id("ben"), "left early", signed_at(3_000)).expect("disputes");
    doc.remove_attendee(&id("pat"), &id("ben")).expect("removes Ben and his statement");
    let mut copy = SessionDoc::load_as(&doc.save(), actor(9)).expect("loads");
    let history = copy.statement_history().expect("history");
    let seen: Vec<(&str, Option<i64>, i64)> = history
        .iter()
        .map(|s| {
            (
                s.content.attendee.as_str(),
                s.content.minutes_attended.map(|m| i64::from(m.get())),
                s.content.signed_at_ms,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("ana", Some(75), signed_at(1_000)),
            ("ana", Some(70), signed_at(2_000)),
            ("ben", Some(60), signed_at(3_000))
        ],
        "oldest first, the replaced and the removed included"
    );
}

#[test]
fn only_the_provider_signs_and_only_trusted_keys_count() {
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let mut doc = group_doc();
    let err = doc.confirm(&key, &id("ana"), &id("ana"), m(90), signed_at(1)).expect_err("not the provider");
    assert!(matches!(err, DocError::NotAllowed(_)));
    let err = doc.confirm(&key, &id("pat"), &id("ana"), m(91), signed_at(1)).expect_err("too long");
    assert_eq!(err.field(), Some("minutes_attended"));

    // Signed with a key that is not registered to the provider: counts nothing.
    let stranger = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    doc.confirm(&stranger, &id("pat"), &id("ana"), m(90), signed_at(1)).expect("signs");
    assert_eq!(status(&doc.session().expect("read"), "ana", &key), SessionStatus::Pending);
}

/// A browser's key never leaves it: the document gives the content to sign, the browser signs
/// its canonical message's digest, and the document records exactly that statement, or nothing.
#[test]
fn a_statement_signed_elsewhere_is_recorded_only_as_the_session_stands() {
    use rsc_model::StatementKind;
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let mut doc = group_doc();
    let content =
        doc.statement_to_sign(&id("pat"), &id("ben"), StatementKind::Confirm, None, "", signed_at(5)).expect("content");
    assert_eq!(content.minutes_attended, Some(m(60)), "the attendee's logged minutes by default");
    let err = doc
        .statement_to_sign(&id("ana"), &id("ben"), StatementKind::Confirm, None, "", signed_at(5))
        .expect_err("only the provider");
    assert!(matches!(err, DocError::NotAllowed(_)));
    let err = doc
        .statement_to_sign(&id("pat"), &id("ben"), StatementKind::Dispute, None, "  ", signed_at(5))
        .expect_err("a dispute needs a reason");
    assert_eq!(err.field(), Some("reason"));

    // Signed "elsewhere" over the canonical digest, as a browser does with Web Crypto.
    let signed = key.sign(content.clone()).expect("sign");
    // A statement whose minutes were changed after signing does not verify.
    let mut tampered = signed.clone();
    tampered.content.minutes_attended = Some(m(90));
    assert_eq!(doc.record_statement(&id("pat"), tampered).expect_err("tampered").field(), Some("signature"));
    // A validly signed statement that does not match the session as it stands is refused.
    let stale = key.sign(rsc_model::AttestedContent { session_minutes: m(75), ..content.clone() }).expect("sign");
    assert_eq!(doc.record_statement(&id("pat"), stale).expect_err("stale").field(), Some("statement"));
    // Someone else cannot record the provider's statement as theirs.
    assert!(doc.record_statement(&id("ana"), signed.clone()).is_err());
    doc.record_statement(&id("pat"), signed).expect("recorded");
    assert_eq!(status(&doc.session().expect("read"), "ben", &key), SessionStatus::Confirmed(m(60)));
    assert_eq!(status(&doc.session().expect("read"), "ana", &key), SessionStatus::Pending);
}

#[test]
fn a_signature_moved_to_another_attendee_or_session_counts_nothing() {
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let mut doc = group_doc();
    let statement = doc.confirm(&key, &id("pat"), &id("ana"), m(60), signed_at(1)).expect("confirms");
    let mut session = doc.session().expect("read");
    // Copy ana's statement onto ben, whose minutes are the same.
    session.attendees[1].statement = Some(statement.clone());
    session.attendees[1].minutes_attended = m(60);
    assert_eq!(status(&session, "ben", &key), SessionStatus::Pending);
    // Move it to another session with identical fields.
    session.id = id("s-other");
    assert_eq!(status(&session, "ana", &key), SessionStatus::Pending);
}

#[test]
fn disputes_and_withdrawals() {
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let mut doc = group_doc();
    assert_eq!(
        doc.dispute(&key, &id("pat"), &id("ben"), "  ", signed_at(1)).expect_err("no reason").field(),
        Some("reason")
    );
    doc.dispute(&key, &id("pat"), &id("ben"), "Ben left after ten minutes", signed_at(1)).expect("disputes");
    let session = doc.session().expect("read");
    assert_eq!(status(&session, "ben", &key), SessionStatus::Disputed);
    let statement = session.attendee(&id("ben")).and_then(|a| a.statement.clone()).expect("statement");
    assert_eq!(statement.content.reason, "Ben left after ten minutes");
    let logged = session.attendee(&id("ben")).expect("ben").minutes_attended;
    assert_eq!(statement.content.minutes_attended, Some(logged), "a dispute names the minutes it disputes");
    let bytes = rsc_doc::attest::encode_message(&statement.content).expect("encodes");
    assert_eq!(rsc_doc::attest::decode_message(&bytes).expect("decodes"), statement.content);
    // Ben corrects his minutes: the dispute no longer matches, and the entry is back with Pat.
    let mut corrected = doc.clone();
    corrected.set_attendance(&id("ben"), &id("ben"), Some(m(10)), None).expect("corrects");
    assert_eq!(status(&corrected.session().expect("read"), "ben", &key), SessionStatus::Pending);

    doc.confirm(&key, &id("pat"), &id("ana"), m(90), signed_at(2)).expect("confirms");
    assert!(doc.withdraw(&id("eve"), "mistake").is_err());
    doc.withdraw(&id("ana"), "logged twice").expect("withdraws");
    let session = doc.session().expect("read");
    assert!(session.withdrawn);
    assert_eq!(status(&session, "ana", &key), SessionStatus::Withdrawn);
    let dossier = DossierBuilder::new("2026-01-01".parse().expect("date")).build(
        Applicant { id: id("ana"), masters_conferred_on: None, provides_rsc: None },
        &session.attendance_records(|_, _| true),
    );
    assert!(dossier.sessions.is_empty(), "a withdrawn session counts nothing");
    doc.restore(&id("pat")).expect("restores");
    let session = doc.session().expect("read");
    let dossier = DossierBuilder::new("2026-01-01".parse().expect("date")).build(
        Applicant { id: id("ana"), masters_conferred_on: None, provides_rsc: None },
        &session.attendance_records(|_, _| true),
    );
    assert_eq!(dossier.sessions[0].confirmation, Some(Confirmation::Confirmed { minutes: m(90) }));
}

#[test]
fn an_update_is_checked_as_a_whole_and_by_the_same_rules() {
    let mut doc = group_doc();
    // Shortening to 60 alone breaks a rule: Ana attended 90.
    let shorter = SessionEdit { minutes: Some(m(60)), ..Default::default() };
    assert!(doc.edit(&id("ana"), shorter).is_err());
    // Her minutes and the length together, as one commit, keep every rule.
    let before = doc.heads();
    doc.update(&id("ana"), |s| {
        s.fields.minutes = m(60);
        s.attendees.iter_mut().filter(|a| a.id == id("ana")).for_each(|a| a.minutes_attended = m(45));
        Ok(())
    })
    .expect("update");
    assert_eq!(doc.changes_since(&before).len(), 1, "one commit");
    let s = doc.session().expect("session");
    assert_eq!(s.fields.minutes, m(60));
    assert_eq!(s.attendee(&id("ana")).expect("ana").minutes_attended, m(45));
    // Ben, an attendee who did not log it, may not change Ana's minutes or the length in one.
    let refused = doc.update(&id("ben"), |s| {
        s.attendees.iter_mut().filter(|a| a.id == id("ana")).for_each(|a| a.minutes_attended = m(30));
        Ok(())
    });
    assert!(matches!(refused, Err(DocError::NotAllowed(_))), "{refused:?}");
    let refused = doc.update(&id("ben"), |s| {
        s.fields.minutes = m(50);
        s.attendees.iter_mut().filter(|a| a.id == id("ben")).for_each(|a| a.minutes_attended = m(50));
        Ok(())
    });
    assert!(matches!(refused, Err(DocError::NotAllowed(_))), "{refused:?}");
    assert_eq!(doc.session().expect("session").fields.minutes, m(60), "nothing written");
}

#[test]
fn removing_an_attendee_removes_their_statement_from_the_document() {
    let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
    let mut doc = group_doc();
    doc.confirm(&key, &id("pat"), &id("ben"), m(60), signed_at(1)).expect("confirms");
    doc.remove_attendee(&id("pat"), &id("ben")).expect("removes");
    assert!(doc.session().expect("read").attendee(&id("ben")).is_none());
    doc.add_attendee(&id("pat"), attendee("ben", 60)).expect("adds back");
    assert!(doc.session().expect("read").attendee(&id("ben")).and_then(|a| a.statement.clone()).is_none());
}

#[test]
fn changes_travel_between_replicas_and_garbage_is_refused() {
    let mut a = group_doc();
    let mut b = SessionDoc::load_as(&a.save(), actor(2)).expect("loads");
    let base = b.heads();
    b.edit(&id("pat"), SessionEdit { date: Some("2025-03-05".parse().expect("date")), ..Default::default() })
        .expect("edit");
    let changes = b.changes_since(&base);
    assert_eq!(changes.len(), 1);
    a.apply_changes(&changes).expect("applies");
    a.apply_changes(&changes).expect("applying twice is harmless");
    assert_eq!(a.session().expect("read"), b.session().expect("read"));

    let before = a.hydrate().expect("hydrate");
    assert!(matches!(a.apply_changes(&[vec![1, 2, 3]]), Err(DocError::Malformed(_))));
    assert!(a.apply_changes(&[vec![0; rsc_doc::MAX_CHANGE_BYTES + 1]]).is_err());
    assert_eq!(a.hydrate().expect("hydrate"), before);
    assert!(SessionDoc::load(b"not automerge").is_err());
    assert!(SessionDoc::load(&vec![0; rsc_doc::MAX_DOCUMENT_BYTES + 1]).is_err());

    let mut other =
        SessionDoc::create(actor(3), id("s9"), id("pat"), fields(SessionKind::Individual), vec![attendee("ana", 60)])
            .expect("created");
    assert!(matches!(a.merge(&mut other), Err(DocError::NotAllowed(_))));
}

#[test]
fn a_change_that_breaks_the_document_is_refused() {
    // A raw Automerge edit (not through SessionDoc) that puts text where minutes belong.
    let mut doc = group_doc();
    let base = doc.heads();
    let mut raw = automerge::AutoCommit::load(&doc.save()).expect("load").with_actor(actor(7));
    automerge::transaction::Transactable::put(&mut raw, automerge::ROOT, "minutes", "ninety").expect("put");
    raw.commit();
    let changes: Vec<Vec<u8>> = raw.get_changes(&base).iter().map(|c| c.raw_bytes().to_vec()).collect();
    let err = doc.apply_changes(&changes).expect_err("refused");
    assert_eq!(err.field(), Some("minutes"));
    assert_eq!(doc.session().expect("unchanged").fields.minutes, m(90));
}

// ---- convergence ----

#[derive(Debug, Clone)]
enum Op {
    Date(u8),
    Minutes(i64),
    Format(u8),
    Kind(bool),
    Add(u8, i64),
    Remove(u8),
    Attend(u8, i64, bool),
    Withdraw(bool),
    Confirm(u8, i64),
    Merge(usize),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..28).prop_map(Op::Date),
        (30i64..=120).prop_map(Op::Minutes),
        (0u8..3).prop_map(Op::Format),
        any::<bool>().prop_map(Op::Kind),
        (0u8..4, 10i64..=90).prop_map(|(a, m)| Op::Add(a, m)),
        (0u8..4).prop_map(Op::Remove),
        (0u8..4, 10i64..=90, any::<bool>()).prop_map(|(a, m, t)| Op::Attend(a, m, t)),
        any::<bool>().prop_map(Op::Withdraw),
        (0u8..4, 10i64..=90).prop_map(|(a, m)| Op::Confirm(a, m)),
        (0usize..3).prop_map(Op::Merge),
    ]
}

const PEOPLE: [&str; 4] = ["ana", "ben", "cy", "dee"];

fn apply(replicas: &mut [SessionDoc], at: usize, op: &Op, key: &DeviceKey) {
    let doc = &mut replicas[at];
    // Edits that break a rule are refused; that is part of what is being exercised.
    let _ = match op {
        Op::Date(d) => doc.edit(
            &id("pat"),
            SessionEdit { date: rsc_model::Date::from_ymd(2025, 2, u32::from(*d) + 1), ..Default::default() },
        ),
        Op::Minutes(n) => doc.edit(&id("pat"), SessionEdit { minutes: Some(m(*n)), ..Default::default() }),
        Op::Format(f) => doc
            .edit(&id("pat"), SessionEdit { format: Some(SessionFormat::ALL[usize::from(*f)]), ..Default::default() }),
        Op::Kind(group) => doc.edit(
            &id("pat"),
            SessionEdit {
                kind: Some(if *group { SessionKind::Group } else { SessionKind::Individual }),
                ..Default::default()
            },
        ),
        Op::Add(a, n) => doc.add_attendee(&id("pat"), attendee(PEOPLE[usize::from(*a)], *n)),
        Op::Remove(a) => doc.remove_attendee(&id("pat"), &id(PEOPLE[usize::from(*a)])),
        Op::Attend(a, n, t) => doc.set_attendance(&id("pat"), &id(PEOPLE[usize::from(*a)]), Some(m(*n)), Some(*t)),
        Op::Withdraw(w) => {
            if *w {
                doc.withdraw(&id("pat"), "mistake")
            } else {
                doc.restore(&id("pat"))
            }
        }
        Op::Confirm(a, n) => {
            doc.confirm(key, &id("pat"), &id(PEOPLE[usize::from(*a)]), m(*n), signed_at(1)).map(|_| ())
        }
        Op::Merge(from) => {
            let from = from % replicas.len();
            if from != at {
                let mut other = replicas[from].clone();
                replicas[at].merge(&mut other)
            } else {
                Ok(())
            }
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn concurrent_replicas_converge(
        replica_count in 2usize..=3,
        ops in prop::collection::vec((0usize..3, arb_op()), 1..40),
        merge_order in Just(vec![0usize, 1, 2]).prop_shuffle(),
        rounds in 1usize..3,
    ) {
        let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let mut base = group_doc();
        let bytes = base.save();
        let mut replicas: Vec<SessionDoc> = (0..replica_count)
            .map(|i| SessionDoc::load_as(&bytes, actor(10 + i as u8)).expect("loads"))
            .collect();
        for (at, op) in &ops {
            let at = at % replica_count;
            apply(&mut replicas, at, op, &key);
        }
        // Everyone merges everyone, in a random order, possibly several times.
        for _ in 0..rounds {
            for &i in merge_order.iter().filter(|&&i| i < replica_count) {
                for j in 0..replica_count {
                    if i != j {
                        let mut other = replicas[j].clone();
                        replicas[i].merge(&mut other).expect("merge");
                    }
                }
            }
        }
        let first_heads = { let mut h = replicas[0].heads(); h.sort(); h };
        let first_doc = replicas[0].hydrate().expect("hydrate");
        let first_session = replicas[0].session().expect("merged document reads");
        for replica in replicas.iter_mut().skip(1) {
            let mut heads = replica.heads();
            heads.sort();
            prop_assert_eq!(&heads, &first_heads);
            prop_assert_eq!(&replica.hydrate().expect("hydrate"), &first_doc);
            prop_assert_eq!(&replica.session().expect("reads"), &first_session);
        }
    }
}

// ---- limits on what a change expands to ----

fn uleb(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[test]
fn a_compressed_change_is_measured_by_what_it_expands_to_without_expanding_it() {
    use std::io::Write;
    // 16 MiB of zeros deflate to about 16 KB: under the limit as sent, far over it expanded.
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..16 {
        encoder.write_all(&zeros).expect("deflate");
    }
    let body = encoder.finish().expect("deflate");
    let mut bomb = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    uleb(body.len(), &mut bomb);
    bomb.extend_from_slice(&body);
    assert!(bomb.len() <= rsc_doc::MAX_CHANGE_BYTES, "the bomb is small as sent: {}", bomb.len());
    let err = rsc_doc::expanded_len(&bomb).expect_err("refused");
    assert_eq!(err.field(), Some("change"), "{err}");
    assert_eq!(SessionDoc::decode_change(&bomb).expect_err("refused").field(), Some("change"));

    // A real change, compressed the way Automerge compresses, is measured at its real size.
    let mut doc = group_doc();
    let mut change = automerge::AutoCommit::load(&doc.save()).expect("load").get_changes(&[])[0].clone();
    let raw_len = change.raw_bytes().len();
    let compressed = change.bytes().to_vec();
    assert!(compressed.len() < raw_len, "automerge compressed it");
    assert_eq!(rsc_doc::expanded_len(&compressed).expect("fine"), raw_len);
    assert!(SessionDoc::decode_change(&compressed).is_ok());
    // Not a change at all.
    assert!(matches!(rsc_doc::expanded_len(&[1, 2, 3]), Err(DocError::Malformed(_))));
}
