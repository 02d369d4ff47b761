//! The SQL of the attestation ledger and what is read with the attendance rows: attendance,
//! providers attended, what awaits a provider, an applicant's evaluation inputs.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::*;

impl LedgerStore for This {
    async fn attestations(&self, session_id: &DocId) -> Result<Vec<AttestationRecord>, StoreError> {
        let rows: Vec<AttestationRow> = read!(self, |c| sqlx::query_as(concat!(
            attestation_select!(),
            " WHERE session_id = $1 ORDER BY signed_at_ms, id"
        ))
        .bind(Key(session_id.as_str()))
        .fetch_all(c))?;
        rows.into_iter().map(AttestationRecord::try_from).collect()
    }

    async fn attestations_of(&self, session_ids: &[DocId]) -> Result<Vec<AttestationRecord>, StoreError> {
        let mut found = Vec::new();
        for chunk in session_ids.chunks(ROWS_PER_STATEMENT) {
            let mut select = sqlx::QueryBuilder::new(concat!(attestation_select!(), " WHERE session_id IN ("));
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(") ORDER BY session_id, signed_at_ms, id");
            let rows = read!(self, |c| select.build_query_as::<AttestationRow>().fetch_all(c))?;
            for row in rows {
                found.push(AttestationRecord::try_from(row)?);
            }
        }
        Ok(found)
    }

    async fn attendance_of(&self, user_id: &UserId) -> Result<Vec<SessionAttendance>, StoreError> {
        let rows: Vec<SessionAttendanceRaw> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            session_attendance_columns!(),
            " FROM attendance a JOIN sessions s ON s.id = a.session_id LEFT JOIN users u ON u.id = a.attendee_id \
             WHERE a.attendee_id = $1 ORDER BY s.date, s.id"
        ))
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?;
        rows.into_iter().map(SessionAttendance::try_from).collect()
    }

    async fn evaluation_inputs(&self, user_id: &UserId) -> Result<std::sync::Arc<EvaluationInputs>, StoreError> {
        // Read first: what is read after it is at least as new, so a write landing in
        // between only makes the next request read again.
        let (top,): (i64,) = read!(self, |c| sqlx::query_as(
            "SELECT COALESCE(MAX(touched_seq), -1) FROM participants WHERE user_id = $1"
        )
        .bind(Key(user_id.as_str()))
        .fetch_one(c))?;
        if let Some(kept) = self.here.kept.get(user_id.as_str(), top) {
            return Ok(kept);
        }
        let inputs = std::sync::Arc::new(EvaluationInputs {
            attendance: self.attendance_of(user_id).await?,
            ledger: self.valid_attestations_for(user_id).await?,
        });
        self.here.kept.put(user_id.as_str(), top, std::sync::Arc::clone(&inputs));
        Ok(inputs)
    }

    async fn directory_marks(&self, user_id: &UserId) -> Result<DirectoryMarks, StoreError> {
        let rows: Vec<(i64, i64, Option<KeyText>)> = read!(self, |c| sqlx::query_as(
            "SELECT e.value, \
                (SELECT COUNT(*) FROM acquaintances q WHERE q.user_id = $1) \
                + (SELECT COUNT(*) FROM attended_providers r WHERE r.provider_id = $1) AS acquainted, \
                a.provider_id FROM directory_epoch e \
             LEFT JOIN attended_providers a ON a.attendee_id = $1 WHERE e.id = 1 ORDER BY a.provider_id",
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?;
        Ok(DirectoryMarks {
            epoch: rows.first().map_or(0, |row| row.0),
            acquainted: rows.first().map_or(0, |row| row.1),
            attended: rows.into_iter().filter_map(|(_, _, provider)| provider.map(|p| p.0)).collect(),
        })
    }

    async fn providers_attended(&self, user_id: &UserId) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(KeyText,)> = read!(self, |c| sqlx::query_as(
            "SELECT provider_id FROM attended_providers WHERE attendee_id = $1 ORDER BY provider_id",
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?;
        Ok(rows.into_iter().map(|(p,)| p.0).collect())
    }

    async fn sessions_of(&self, user_id: &UserId) -> Result<Vec<SessionRow>, StoreError> {
        let rows: Vec<SessionRowRaw> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format, withdrawn, problems \
             FROM sessions WHERE provider_id = $1 OR created_by = $1 \
             OR id IN (SELECT session_id FROM attendance WHERE attendee_id = $1) ORDER BY date, start_time, id"
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c)
        })?;
        rows.into_iter().map(SessionRow::try_from).collect()
    }

    async fn awaiting_provider(&self, provider_id: &UserId) -> Result<Vec<SessionAttendance>, StoreError> {
        let rows: Vec<SessionAttendanceRaw> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            session_attendance_columns!(),
            " FROM attendance a JOIN sessions s ON s.id = a.session_id LEFT JOIN users u ON u.id = a.attendee_id \
             WHERE s.provider_id = $1 AND s.withdrawn = FALSE AND a.status IN ($2, $3) \
             ORDER BY s.date, s.id, a.attendee_id"
        ))
        .bind(Key(provider_id.as_str()))
        .bind(AttendanceStatus::Pending.as_str())
        .bind(AttendanceStatus::ChangedSinceConfirmed.as_str())
        .fetch_all(c))?;
        rows.into_iter().map(SessionAttendance::try_from).collect()
    }

    async fn confirmed_by_provider(&self, provider_id: &UserId) -> Result<Vec<SessionAttendance>, StoreError> {
        let rows: Vec<SessionAttendanceRaw> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            session_attendance_columns!(),
            " FROM attendance a JOIN sessions s ON s.id = a.session_id LEFT JOIN users u ON u.id = a.attendee_id \
             WHERE s.provider_id = $1 AND s.withdrawn = FALSE AND a.status = $2 AND a.attendee_id <> $1 \
             ORDER BY s.date, s.id, a.attendee_id"
        ))
        .bind(Key(provider_id.as_str()))
        .bind(AttendanceStatus::Confirmed.as_str())
        .fetch_all(c))?;
        rows.into_iter().map(SessionAttendance::try_from).collect()
    }

    async fn valid_attestations_for(&self, attendee_id: &UserId) -> Result<Vec<AttestationRecord>, StoreError> {
        let rows: Vec<AttestationRow> = read!(self, |c| sqlx::query_as(concat!(
            attestation_select!(),
            " WHERE attendee_id = $1 AND valid = TRUE ORDER BY signed_at_ms, id"
        ))
        .bind(Key(attendee_id.as_str()))
        .fetch_all(c))?;
        rows.into_iter().map(AttestationRecord::try_from).collect()
    }
}
