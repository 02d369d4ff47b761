//! What a session document means in relational terms: the session row, one attendance row
//! per attendee with its confirmation state, and the ledger entries for statements seen for
//! the first time.
//!
//! Trust is decided here. A statement counts only when its signature verifies, it names this
//! session, the attendee it is stored under and the session's provider, and it was signed by a
//! key registered to that provider. Everything seen is recorded, valid or not. The state of an
//! attendance rests on the provider's latest valid statement in the ledger (by signing time),
//! not on what the document currently carries: deleting a confirmation from the document
//! changes nothing; only a later statement by the same provider supersedes it.

use std::collections::{HashMap, HashSet};

use rsc_doc::{Session, SignedStatement};
use rsc_model::{AttendanceRecord, Id, SessionStatus, StatementKind};
use sha2::{Digest, Sha256};

use crate::store::{AttendanceRow, AttestationRecord, SessionRow};

/// The ledger id of a stored statement: SHA-256 of its stored form.
pub fn attestation_id(statement: &SignedStatement) -> Vec<u8> {
    Sha256::digest(statement.to_bytes()).to_vec()
}

/// Ledger entries for the statements in `session` that the ledger does not hold yet.
/// `keys` holds, for each provider named by a statement, the public keys of their registered
/// devices. A statement is valid when its signature verifies, it is about this session and the
/// attendee it is stored under, and it was signed on a registered device of the provider it
/// names; whether that provider is the session's provider now is the projection's question, so
/// a former provider's statement keeps its place in the ledger whatever later edits do.
pub fn new_attestations(
    session: &Session,
    known: &HashSet<Vec<u8>>,
    keys: &HashMap<Id, Vec<Vec<u8>>>,
    device_id: &str,
    now_ms: i64,
) -> Vec<AttestationRecord> {
    session
        .attendees
        .iter()
        .filter_map(|attendee| attendee.statement.as_ref().map(|s| (attendee, s)))
        .filter_map(|(attendee, statement)| {
            let id = attestation_id(statement);
            if known.contains(&id) {
                return None;
            }
            let c = &statement.content;
            let registered =
                keys.get(&c.provider).is_some_and(|k| k.iter().any(|key| key.as_slice() == statement.public_key));
            let invalid_reason = if !statement.verify() {
                Some("the signature does not match the statement")
            } else if c.session_id != session.id {
                Some("the statement is about another session")
            } else if c.attendee != attendee.id {
                Some("the statement is about another attendee")
            } else if c.provider == c.attendee {
                Some("a provider cannot vouch for herself")
            } else if !registered {
                Some("the signing key is not a registered device of the provider")
            } else {
                None
            };
            Some(AttestationRecord {
                id,
                digest: statement.digest().to_vec(),
                session_id: c.session_id.to_string().into(),
                attendee_id: c.attendee.to_string().into(),
                provider_id: c.provider.to_string().into(),
                kind: c.kind,
                signed_at_ms: c.signed_at_ms,
                public_key: statement.public_key.to_vec(),
                statement: statement.to_bytes(),
                valid: invalid_reason.is_none(),
                invalid_reason: invalid_reason.map(str::to_string),
                first_seen_at_ms: now_ms,
                device_id: device_id.to_string(),
            })
        })
        .collect()
}

/// The session row and attendance rows for `session`, given the whole ledger of the session
/// (existing entries and new ones).
pub fn project(session: &Session, ledger: &[AttestationRecord]) -> (SessionRow, Vec<AttendanceRow>) {
    let f = &session.fields;
    let row = SessionRow {
        id: session.id.to_string().into(),
        provider_id: f.provider.to_string().into(),
        created_by: session.created_by.to_string().into(),
        date: f.date,
        start_time: f.start_time.clone(),
        time_zone: f.time_zone.clone(),
        minutes: i32::from(f.minutes.get()),
        kind: f.kind,
        format: f.format,
        withdrawn: session.withdrawn,
        problems: session.problems().join("\n"),
    };
    let attendance = session
        .attendance_records(|_, _| false)
        .into_iter()
        .map(|mut record| {
            let latest = latest_statement(ledger, &record);
            record.statement = latest.as_ref().map(|(_, s)| s.content.clone());
            let status = record.status();
            AttendanceRow {
                session_id: record.session_id.to_string().into(),
                attendee_id: record.attendee.to_string().into(),
                minutes_attended: i32::from(record.minutes_attended.get()),
                about_own_rsc_practice: record.about_own_rsc_practice,
                status: status.into(),
                confirmed_minutes: match status {
                    SessionStatus::Confirmed(minutes) => Some(i32::from(minutes.get())),
                    _ => None,
                },
                attestation_id: latest.map(|(id, _)| id),
            }
        })
        .collect();
    (row, attendance)
}

/// The provider's latest valid statement about this attendance: ordered by signing time, then
/// by id so every server picks the same one.
fn latest_statement(ledger: &[AttestationRecord], record: &AttendanceRecord) -> Option<(Vec<u8>, SignedStatement)> {
    ledger
        .iter()
        .filter(|e| {
            e.valid
                && e.session_id == record.session_id.as_str()
                && e.attendee_id == record.attendee.as_str()
                && e.provider_id == record.provider.as_str()
        })
        .max_by(|a, b| (a.signed_at_ms, &a.id).cmp(&(b.signed_at_ms, &b.id)))
        .and_then(|e| SignedStatement::from_bytes(&e.statement).ok().map(|s| (e.id.clone(), s)))
        .filter(|(_, s)| matches!(s.content.kind, StatementKind::Confirm | StatementKind::Dispute))
}
