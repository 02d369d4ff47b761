//! What an applicant's hours are computed from (her attendance and the valid ledger entries
//! about her), kept in memory between requests and read again only after one of her sessions
//! was written.
//!
//! Reading a busy applicant's attendance and ledger is the slow part of a dashboard, which asks
//! for them on every visit. Every write to a session records its sequence number on each
//! participant (`participants.touched_seq`, indexed with the user), so the highest of them is a
//! one-row lookup that changes exactly when her inputs may have. Kept per database (the store
//! owns it) and bounded in rows, so memory stays flat however many people ask.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::{AttestationRecord, SessionAttendance};

/// Rows (attendances plus ledger entries) kept at most, over every user, so memory stays bounded.
pub const MAX_KEPT_ROWS: usize = 10_000;

/// An applicant's inputs, as of one write. (Display names in the rows are as of the read: they
/// are not what hours are computed from.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationInputs {
    /// Every session she attends, with her attendance.
    pub attendance: Vec<SessionAttendance>,
    /// Every valid ledger entry about her.
    pub ledger: Vec<AttestationRecord>,
}

impl EvaluationInputs {
    /// Her ledger entries by id: an attendance names the entry its status rests on.
    pub fn ledger_by_id(&self) -> HashMap<&[u8], &AttestationRecord> {
        self.ledger.iter().map(|e| (e.id.as_slice(), e)).collect()
    }

    fn rows(&self) -> usize {
        self.attendance.len() + self.ledger.len()
    }
}

/// The kept inputs, oldest first: `(user, her highest touched_seq, inputs)`.
#[derive(Debug, Default)]
pub(crate) struct Kept(Mutex<VecDeque<(String, i64, Arc<EvaluationInputs>)>>);

impl Kept {
    /// The inputs kept for `user` as of `top`, if any.
    pub(crate) fn get(&self, user: &str, top: i64) -> Option<Arc<EvaluationInputs>> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().find(|(u, t, _)| u == user && *t == top).map(|(_, _, inputs)| Arc::clone(inputs))
    }

    /// Keeps `inputs` for `user` as of `top`, replacing older ones and leaving out the oldest
    /// others until the rows fit. Inputs larger than the whole bound are not kept.
    pub(crate) fn put(&self, user: &str, top: i64, inputs: Arc<EvaluationInputs>) {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|(u, _, _)| u != user);
        if inputs.rows() > MAX_KEPT_ROWS {
            return;
        }
        while kept.iter().map(|(_, _, i)| i.rows()).sum::<usize>() + inputs.rows() > MAX_KEPT_ROWS {
            kept.pop_front();
        }
        kept.push_back((user.to_string(), top, inputs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::attestation;

    fn inputs(ledger: usize) -> Arc<EvaluationInputs> {
        Arc::new(EvaluationInputs {
            attendance: Vec::new(),
            ledger: (0..ledger).map(|i| attestation((i % 200) as u8, "s", true)).collect(),
        })
    }

    #[test]
    fn inputs_are_found_by_user_and_write_and_bounded_in_rows() {
        let kept = Kept::default();
        kept.put("ana", 5, inputs(10));
        assert!(kept.get("ana", 5).is_some());
        assert!(kept.get("ana", 6).is_none(), "a later write needs a new read");
        assert!(kept.get("ben", 5).is_none());
        kept.put("ana", 6, inputs(10));
        assert!(kept.get("ana", 5).is_none(), "replaced");
        kept.put("ben", 1, inputs(MAX_KEPT_ROWS - 5));
        assert!(kept.get("ana", 6).is_none(), "the oldest made room");
        assert!(kept.get("ben", 1).is_some());
        kept.put("cy", 1, inputs(MAX_KEPT_ROWS + 1));
        assert!(kept.get("cy", 1).is_none(), "too large to keep");
    }
}
