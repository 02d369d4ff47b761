//! The SQL of session documents: the batched commit (`CommitNow`), the pull, the projected
//! session rows, and the notices of commits.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use std::collections::HashSet;

use super::*;

impl SyncStore for This {
    async fn document(&self, doc_id: &DocId) -> Result<Option<StoredDoc>, StoreError> {
        Ok(self.documents(std::slice::from_ref(doc_id)).await?.pop().map(|(_, doc)| doc))
    }

    async fn commit_documents(&self, commits: &[DocCommit]) -> Result<Committed, StoreError> {
        self.commit_grouped(commits).await
    }

    async fn pull(
        &self,
        user_id: &UserId,
        exclude_actor: &[u8],
        after: (i64, i64),
        limit: i64,
    ) -> Result<PulledPage, StoreError> {
        type Row = (i64, Option<KeyText>, Option<String>, Option<i64>, Option<i64>, Option<Vec<u8>>);
        let rows: Vec<Row> = read!(self, |c| sqlx::query_as(PULL_PAGE)
            .bind(Key(user_id.as_str()))
            .bind(exclude_actor)
            .bind(after.0)
            .bind(after.1)
            .bind(limit)
            .fetch_all(c))?;
        let mut page = PulledPage { top: rows.first().map_or(0, |row| row.0), changes: Vec::new() };
        for (_, doc_id, kind, visible, seq, bytes) in rows {
            // The one row of nulls when nothing is after the cursor.
            if let (Some(KeyText(doc_id)), Some(kind), Some(visible), Some(seq), Some(bytes)) =
                (doc_id, kind, visible, seq, bytes)
            {
                let kind = DocKind::parse(&kind, &doc_id)?;
                page.changes.push(PulledChange { doc_id, kind, visible, seq, bytes });
            }
        }
        Ok(page)
    }

    async fn session_row(&self, session_id: &DocId) -> Result<Option<SessionRow>, StoreError> {
        let row: Option<SessionRowRaw> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, provider_id, created_by, date, start_time, time_zone, minutes, kind, format, withdrawn, problems \
             FROM sessions WHERE id = $1",
        )
        .bind(Key(session_id.as_str()))
        .fetch_optional(c)
        })?;
        row.map(SessionRow::try_from).transpose()
    }

    async fn attendance_rows(&self, session_id: &DocId) -> Result<Vec<AttendanceRow>, StoreError> {
        let rows: Vec<AttendanceRowRaw> = read!(self, |c| {
            sqlx::query_as(
            "SELECT session_id, attendee_id, minutes_attended, about_own_rsc_practice, status, confirmed_minutes, attestation_id \
             FROM attendance WHERE session_id = $1 ORDER BY attendee_id",
        )
        .bind(Key(session_id.as_str()))
        .fetch_all(c)
        })?;
        rows.into_iter().map(AttendanceRow::try_from).collect()
    }

    async fn documents(&self, doc_ids: &[DocId]) -> Result<Vec<(String, StoredDoc)>, StoreError> {
        let mut found: Vec<(String, StoredDoc)> = Vec::new();
        for chunk in doc_ids.chunks(ROWS_PER_STATEMENT) {
            // A document is its changes, read in the order they were stored and put
            // one after another.
            let mut select = sqlx::QueryBuilder::new(DOCUMENTS);
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(DOCUMENTS_ORDER);
            let rows: Vec<(KeyText, i64, i64, String, Vec<u8>)> =
                read!(self, |c| select.build_query_as().fetch_all(c))?;
            for (KeyText(id), version, expanded_bytes, kind, bytes) in rows {
                match found.last_mut() {
                    Some((last, doc)) if *last == id => doc.bytes.extend_from_slice(&bytes),
                    _ => {
                        let kind = DocKind::parse(&kind, &id)?;
                        found.push((id, StoredDoc { bytes, version, expanded_bytes, kind }))
                    }
                }
            }
        }
        Ok(found)
    }

    async fn participants_of(&self, doc_ids: &[DocId]) -> Result<Vec<(String, String)>, StoreError> {
        let mut found = Vec::new();
        for chunk in doc_ids.chunks(ROWS_PER_STATEMENT) {
            let mut select = sqlx::QueryBuilder::new("SELECT doc_id, user_id FROM participants WHERE doc_id IN (");
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(") ORDER BY doc_id, user_id");
            found.extend(
                read!(self, |c| select.build_query_as::<(KeyText, KeyText)>().fetch_all(c))?
                    .into_iter()
                    .map(|(doc, user)| (doc.0, user.0)),
            );
        }
        Ok(found)
    }

    async fn participants(&self, doc_id: &DocId) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(KeyText,)> =
            read!(self, |c| sqlx::query_as("SELECT user_id FROM participants WHERE doc_id = $1 ORDER BY user_id")
                .bind(Key(doc_id.as_str()))
                .fetch_all(c))?;
        Ok(rows.into_iter().map(|(u,)| u.0).collect())
    }

    async fn notices(&self) -> Result<Notices, StoreError> {
        self.subscribe().await
    }

    async fn tell(&self, users: &[String]) -> Result<(), StoreError> {
        if !users.is_empty() {
            self.post(Notice::Changed { device_id: notices::SERVER.to_string(), users: users.to_vec() }).await?;
        }
        Ok(())
    }
}

impl CommitNow for This {
    async fn commit_now(&self, commits: &[DocCommit]) -> Result<Vec<usize>, StoreError> {
        // Rows are written many to a statement: a push of hundreds of sessions is a handful of
        // round trips to the database, not thousands.
        let mut tx = self.write_pool().begin().await?;
        let writes: Vec<DocWrite<'_>> = commits.iter().map(DocCommit::write).collect();
        let lost = claim_versions(&mut tx, &writes).await?;
        if lost.len() == commits.len() {
            tx.rollback().await?;
            return Ok(lost);
        }
        // A race is rare: only then are the winners copied out.
        let winners: std::borrow::Cow<'_, [DocCommit]> = if lost.is_empty() {
            std::borrow::Cow::Borrowed(commits)
        } else {
            let won = commits.iter().enumerate().filter(|(i, _)| lost.binary_search(i).is_err());
            std::borrow::Cow::Owned(won.map(|(_, c)| c.clone()).collect())
        };
        let commits: &[DocCommit] = &winners;
        for chunk in commits.chunks(ROWS_PER_STATEMENT) {
            let mut upsert = sqlx::QueryBuilder::new(SESSION_INSERT);
            upsert.push_values(chunk, |mut row, c| {
                let s = &c.session;
                row.push_bind(Key(&s.id))
                    .push_bind(Key(&s.provider_id))
                    .push_bind(Key(&s.created_by))
                    .push_bind(s.date.to_string())
                    .push_bind(&s.start_time)
                    .push_bind(&s.time_zone)
                    .push_bind(s.minutes)
                    .push_bind(s.kind.as_str())
                    .push_bind(s.format.as_str())
                    .push_bind(s.withdrawn)
                    .push_bind(&s.problems);
            });
            upsert.push(SESSION_ON_CONFLICT);
            upsert.build().execute(&mut *tx).await?;
            // Only a document that existed has attendance to replace: a phone's backlog of
            // new sessions skips the statement.
            let existed: Vec<&DocCommit> = chunk.iter().filter(|c| c.expected_version.is_some()).collect();
            if existed.is_empty() {
                continue;
            }
            let mut delete = sqlx::QueryBuilder::new("DELETE FROM attendance WHERE session_id IN (");
            let mut ids = delete.separated(", ");
            for c in existed {
                ids.push_bind(Key(&c.session.id));
            }
            delete.push(")");
            delete.build().execute(&mut *tx).await?;
        }
        let attendance: Vec<_> = commits.iter().flat_map(|c| &c.attendance).collect();
        for chunk in attendance.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO attendance (session_id, attendee_id, minutes_attended, about_own_rsc_practice, status, confirmed_minutes, attestation_id) ",
            );
            insert.push_values(chunk, |mut row, a| {
                row.push_bind(Key(&a.session_id))
                    .push_bind(Key(&a.attendee_id))
                    .push_bind(a.minutes_attended)
                    .push_bind(a.about_own_rsc_practice)
                    .push_bind(a.status.as_str())
                    .push_bind(a.confirmed_minutes)
                    .push_bind(&a.attestation_id);
            });
            insert.build().execute(&mut *tx).await?;
        }
        let mut attended: Vec<(&str, &str)> = commits
            .iter()
            .flat_map(|c| c.attendance.iter().map(|a| (a.attendee_id.as_str(), c.session.provider_id.as_str())))
            .collect();
        attended.sort_unstable();
        attended.dedup();
        for chunk in attended.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO attended_providers (attendee_id, provider_id) ");
            insert.push_values(chunk, |mut row, (attendee, provider)| {
                row.push_bind(Key(attendee)).push_bind(Key(provider));
            });
            insert.push(" ON CONFLICT (attendee_id, provider_id) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        // People who attend one session together know each other from then on (an
        // individual session has one attendee, so a phone's backlog writes none).
        let mut met: Vec<(&str, &str, &str)> = Vec::new();
        for c in commits.iter().filter(|c| c.attendance.len() > 1) {
            for a in &c.attendance {
                for b in c.attendance.iter().filter(|b| b.attendee_id != a.attendee_id) {
                    met.push((&a.attendee_id, &b.attendee_id, &c.session.provider_id));
                }
            }
        }
        met.sort_unstable();
        met.dedup();
        for chunk in met.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO acquaintances (user_id, other_id, provider_id) ");
            insert.push_values(chunk, |mut row, (user, other, provider)| {
                row.push_bind(Key(user)).push_bind(Key(other)).push_bind(Key(provider));
            });
            insert.push(" ON CONFLICT (user_id, other_id, provider_id) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        let attestations: Vec<_> = commits.iter().flat_map(|c| &c.attestations).collect();
        for chunk in attestations.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new(ATTESTATION_COLUMNS);
            insert.push_values(chunk, |mut row, a| {
                row.push_bind(&a.id)
                    .push_bind(&a.digest)
                    .push_bind(Key(&a.session_id))
                    .push_bind(Key(&a.attendee_id))
                    .push_bind(Key(&a.provider_id))
                    .push_bind(a.kind.as_str())
                    .push_bind(a.signed_at_ms)
                    .push_bind(&a.public_key)
                    .push_bind(&a.statement)
                    .push_bind(a.valid)
                    .push_bind(&a.invalid_reason)
                    .push_bind(a.first_seen_at_ms)
                    .push_bind(&a.device_id);
            });
            insert.push(" ON CONFLICT (id) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        let writes: Vec<DocWrite<'_>> = commits.iter().map(DocCommit::write).collect();
        append_changes(&mut tx, &writes).await?;
        self.announce(&mut tx, &writes).await?;
        tx.commit().await?;
        self.announced(&writes);
        Ok(lost)
    }
}

/// Moves each document to its next version (creating the new ones); the positions of those
/// another write got to first, which are not written (nor is a document given twice, the
/// second time).
pub(crate) async fn claim_versions(tx: &mut Conn, writes: &[DocWrite<'_>]) -> Result<Vec<usize>, StoreError> {
    let mut lost = Vec::new();
    let mut given = HashSet::new();
    for (i, w) in writes.iter().enumerate() {
        if !given.insert(w.doc_id) {
            lost.push(i);
        }
    }
    let created: Vec<(usize, &DocWrite<'_>)> =
        writes.iter().enumerate().filter(|(i, w)| w.expected_version.is_none() && !lost.contains(i)).collect();
    for chunk in created.chunks(ROWS_PER_STATEMENT) {
        let mut insert = sqlx::QueryBuilder::new("INSERT INTO documents (id, version, expanded_bytes, kind) ");
        insert.push_values(chunk, |mut row, (_, w)| {
            row.push_bind(Key(w.doc_id)).push("1").push_bind(w.expanded_bytes).push_bind(w.kind.as_str());
        });
        // A document someone else created in between loses.
        insert.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
        let made: Vec<(KeyText,)> = insert.build_query_as().fetch_all(&mut *tx).await?;
        let made: HashSet<String> = made.into_iter().map(|(KeyText(id),)| id).collect();
        lost.extend(chunk.iter().filter(|(_, w)| !made.contains(w.doc_id)).map(|(i, _)| *i));
    }
    for (i, w) in writes.iter().enumerate() {
        let Some(version) = w.expected_version else { continue };
        if lost.contains(&i) {
            continue;
        }
        let written = sqlx::query(
            "UPDATE documents SET version = version + 1, expanded_bytes = $3 WHERE id = $1 AND version = $2",
        )
        .bind(Key(w.doc_id))
        .bind(version)
        .bind(w.expanded_bytes)
        .execute(&mut *tx)
        .await?;
        if written.rows_affected() != 1 {
            lost.push(i);
        }
    }
    lost.sort_unstable();
    Ok(lost)
}

/// Appends the documents' new changes and participants, drawing sequence numbers last: the
/// counter row stays locked until commit, so sequence order is commit order, and as little as
/// possible happens while it is held. Only documents that won their version are given.
pub(crate) async fn append_changes(tx: &mut Conn, writes: &[DocWrite<'_>]) -> Result<(), StoreError> {
    let reserved: i64 = writes.iter().map(|w| w.new_changes.len() as i64 + 1).sum();
    let (top,): (i64,) = sqlx::query_as("UPDATE sync_counter SET seq = seq + $1 WHERE id = 1 RETURNING seq")
        .bind(reserved)
        .fetch_one(&mut *tx)
        .await?;
    // Each document's changes take the next numbers, and the number after them marks when its
    // new participants joined.
    let mut next = top - reserved + 1;
    let mut changes = Vec::new();
    let mut joins = Vec::new();
    // Each existing document's participants learn its last write (`touched_seq`).
    let mut touched = Vec::new();
    for w in writes {
        for change in w.new_changes {
            changes.push((next, w.doc_id, change));
            next += 1;
        }
        for user in w.participants.iter().filter(|u| !w.previous_participants.contains(u)) {
            joins.push((w.doc_id, user, next, w.kind));
        }
        if !w.previous_participants.is_empty() {
            touched.push((w.doc_id, next));
        }
        next += 1;
    }
    for chunk in changes.chunks(ROWS_PER_STATEMENT) {
        let mut insert = sqlx::QueryBuilder::new("INSERT INTO changes (seq, doc_id, actor_id, bytes) ");
        insert.push_values(chunk, |mut row, (seq, doc, change)| {
            row.push_bind(*seq).push_bind(Key(doc)).push_bind(&change.actor_id).push_bind(&change.bytes);
        });
        insert.build().execute(&mut *tx).await?;
    }
    for chunk in joins.chunks(ROWS_PER_STATEMENT) {
        let mut insert =
            sqlx::QueryBuilder::new("INSERT INTO participants (doc_id, user_id, added_seq, touched_seq, kind) ");
        insert.push_values(chunk, |mut row, (doc, user, seq, kind)| {
            row.push_bind(Key(doc)).push_bind(Key(user)).push_bind(*seq).push_bind(*seq).push_bind(kind.as_str());
        });
        insert.build().execute(&mut *tx).await?;
    }
    for chunk in touched.chunks(ROWS_PER_STATEMENT) {
        let mut update = sqlx::QueryBuilder::new("UPDATE participants SET touched_seq = CASE doc_id");
        for (doc, seq) in chunk {
            update.push(" WHEN ").push_bind(Key(doc)).push(" THEN ").push_bind(*seq);
        }
        update.push(" ELSE touched_seq END WHERE doc_id IN (");
        let mut ids = update.separated(", ");
        for (doc, _) in chunk {
            ids.push_bind(Key(doc));
        }
        update.push(")");
        update.build().execute(&mut *tx).await?;
    }
    Ok(())
}
