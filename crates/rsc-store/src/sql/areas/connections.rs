//! The SQL of consent: connection codes, connections, requests, groups and acquaintances.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::*;

impl ConnectionStore for This {
    async fn create_connection_code(&self, code: &ConnectionCodeRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO connection_codes (code, provider_id, created_at_ms, expires_at_ms, revoked_at_ms, used) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&code.code)
        .bind(Key(&code.provider_id))
        .bind(code.created_at_ms)
        .bind(code.expires_at_ms)
        .bind(code.revoked_at_ms)
        .bind(code.used)
        .execute(self.write_pool())
        .await
        .map_err(|e| conflict(e, "this connection code"))?;
        Ok(())
    }

    async fn connection_code(&self, code: &str) -> Result<Option<ConnectionCodeRecord>, StoreError> {
        Ok(read!(self, |c| {
            sqlx::query_as(
            "SELECT code, provider_id, created_at_ms, expires_at_ms, revoked_at_ms, used FROM connection_codes WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(c)
        })?)
    }

    async fn connection_codes(&self, provider_id: &UserId) -> Result<Vec<ConnectionCodeRecord>, StoreError> {
        Ok(read!(self, |c| sqlx::query_as(
            "SELECT code, provider_id, created_at_ms, expires_at_ms, revoked_at_ms, used FROM connection_codes \
             WHERE provider_id = $1 ORDER BY created_at_ms DESC, code",
        )
        .bind(Key(provider_id.as_str()))
        .fetch_all(c))?)
    }

    async fn revoke_connection_code(&self, provider_id: &UserId, code: &str, at_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE connection_codes SET revoked_at_ms = $3 \
             WHERE provider_id = $1 AND code = $2 AND revoked_at_ms IS NULL AND expires_at_ms > $3",
        )
        .bind(Key(provider_id.as_str()))
        .bind(code)
        .bind(at_ms)
        .execute(self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn connect(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        code: Option<&str>,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let source = if code.is_some() { ConnectionSource::Code } else { ConnectionSource::Request };
        let mut tx = self.write_pool().begin().await?;
        // An ended connection is made again, with its new source; a current one stays.
        let inserted = sqlx::query(
            "INSERT INTO connections (provider_id, member_id, created_at_ms, source) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (provider_id, member_id) DO UPDATE SET created_at_ms = excluded.created_at_ms, \
             source = excluded.source, ended_at_ms = NULL, ended_by = NULL \
             WHERE connections.ended_at_ms IS NOT NULL",
        )
        .bind(Key(provider_id.as_str()))
        .bind(Key(member_id.as_str()))
        .bind(at_ms)
        .bind(source.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if let (true, Some(code)) = (inserted, code) {
            sqlx::query("UPDATE connection_codes SET used = used + 1 WHERE code = $1")
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        // Connected now: a request between them, answered or not, has no more to say.
        sqlx::query("DELETE FROM connection_requests WHERE provider_id = $1 AND member_id = $2")
            .bind(Key(provider_id.as_str()))
            .bind(Key(member_id.as_str()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn end_connection(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        by: ConnectionRole,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let ended = sqlx::query(
            "UPDATE connections SET ended_at_ms = $3, ended_by = $4 \
             WHERE provider_id = $1 AND member_id = $2 AND ended_at_ms IS NULL",
        )
        .bind(Key(provider_id.as_str()))
        .bind(Key(member_id.as_str()))
        .bind(at_ms)
        .bind(role_name(by))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        sqlx::query(
            "DELETE FROM group_members WHERE member_id = $2 \
             AND group_id IN (SELECT id FROM provider_groups WHERE provider_id = $1)",
        )
        .bind(Key(provider_id.as_str()))
        .bind(Key(member_id.as_str()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn connected_among(&self, provider_id: &UserId, people: &[UserId]) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for chunk in people.chunks(ROWS_PER_STATEMENT) {
            let mut select = sqlx::QueryBuilder::new(
                "SELECT member_id FROM connections WHERE ended_at_ms IS NULL AND provider_id = ",
            );
            select.push_bind(Key(provider_id.as_str())).push(" AND member_id IN (");
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(")");
            let rows: Vec<(KeyText,)> = read!(self, |c| select.build_query_as().fetch_all(c))?;
            found.extend(rows.into_iter().map(|(KeyText(id),)| id));
        }
        Ok(found)
    }

    async fn visible_among(
        &self,
        viewer: &UserId,
        provider_id: &UserId,
        people: &[UserId],
    ) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for chunk in people.chunks(ROWS_PER_STATEMENT / 2) {
            let mut select = sqlx::QueryBuilder::new(
                "SELECT b.member_id FROM group_members a JOIN provider_groups g ON g.id = a.group_id \
                 JOIN group_members b ON b.group_id = a.group_id WHERE g.archived_at_ms IS NULL AND a.member_id = ",
            );
            select.push_bind(Key(viewer.as_str())).push(" AND g.provider_id = ").push_bind(Key(provider_id.as_str()));
            select.push(" AND b.member_id IN (");
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(") UNION SELECT other_id FROM acquaintances WHERE user_id = ");
            select.push_bind(Key(viewer.as_str())).push(" AND provider_id = ").push_bind(Key(provider_id.as_str()));
            select.push(" AND other_id IN (");
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(")");
            let rows: Vec<(KeyText,)> = read!(self, |c| select.build_query_as().fetch_all(c))?;
            found.extend(rows.into_iter().map(|(KeyText(id),)| id));
        }
        Ok(found)
    }

    async fn members_of(&self, provider_id: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
        self.connection_rows(
            concat!(
                connection_select!(),
                " WHERE c.provider_id = $1 AND c.ended_at_ms IS NULL ORDER BY m.display_name, c.member_id"
            ),
            provider_id,
        )
        .await
    }

    async fn providers_of(&self, member_id: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
        self.connection_rows(
            concat!(
                connection_select!(),
                " WHERE c.member_id = $1 AND c.ended_at_ms IS NULL ORDER BY p.display_name, c.provider_id"
            ),
            member_id,
        )
        .await
    }

    async fn connections_of(&self, user_id: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
        self.connection_rows(
            concat!(
                connection_select!(),
                " WHERE c.provider_id = $1 OR c.member_id = $1 ORDER BY c.created_at_ms, c.provider_id, c.member_id"
            ),
            user_id,
        )
        .await
    }

    async fn put_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        number: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO connection_requests (provider_id, member_id, number, created_at_ms, status, decided_at_ms) \
             VALUES ($1, $2, $3, $4, $5, NULL) \
             ON CONFLICT (provider_id, member_id) DO UPDATE SET number = excluded.number, \
             created_at_ms = excluded.created_at_ms, status = excluded.status, decided_at_ms = NULL",
        )
        .bind(Key(provider_id.as_str()))
        .bind(Key(member_id.as_str()))
        .bind(number)
        .bind(at_ms)
        .bind(RequestStatus::Pending.as_str())
        .execute(self.write_pool())
        .await?;
        Ok(())
    }

    async fn connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
    ) -> Result<Option<ConnectionRequestRecord>, StoreError> {
        let row: Option<ConnectionRequestRow> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " WHERE r.provider_id = $1 AND r.member_id = $2",
        ))
        .bind(Key(provider_id.as_str()))
        .bind(Key(member_id.as_str()))
        .fetch_optional(c))?;
        row.map(ConnectionRequestRecord::try_from).transpose()
    }

    async fn decline_connection_request(
        &self,
        provider_id: &UserId,
        member_id: &UserId,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE connection_requests SET status = $3, decided_at_ms = $4 \
             WHERE provider_id = $1 AND member_id = $2 AND status = $5",
        )
        .bind(Key(provider_id.as_str()))
        .bind(Key(member_id.as_str()))
        .bind(RequestStatus::Declined.as_str())
        .bind(at_ms)
        .bind(RequestStatus::Pending.as_str())
        .execute(self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn withdraw_connection_request(&self, provider_id: &UserId, member_id: &UserId) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM connection_requests WHERE provider_id = $1 AND member_id = $2 AND status = $3")
                .bind(Key(provider_id.as_str()))
                .bind(Key(member_id.as_str()))
                .bind(RequestStatus::Pending.as_str())
                .execute(self.write_pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn connection_requests_of(&self, user_id: &UserId) -> Result<Vec<ConnectionRequestRecord>, StoreError> {
        let rows: Vec<ConnectionRequestRow> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " WHERE r.provider_id = $1 OR r.member_id = $1 \
             ORDER BY r.created_at_ms, r.provider_id, r.member_id",
        ))
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?;
        rows.into_iter().map(ConnectionRequestRecord::try_from).collect()
    }

    async fn create_group(&self, group: &GroupRecord, members: &[UserId]) -> Result<(), StoreError> {
        let mut tx = self.write_pool().begin().await?;
        sqlx::query(
            "INSERT INTO provider_groups (id, provider_id, name, created_at_ms, archived_at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&group.id)
        .bind(Key(&group.provider_id))
        .bind(&group.name)
        .bind(group.created_at_ms)
        .bind(group.archived_at_ms)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, "a group of that name"))?;
        for chunk in members.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO group_members (group_id, member_id, added_at_ms) ");
            insert.push_values(chunk, |mut row, member| {
                row.push_bind(&group.id).push_bind(Key(member.as_str())).push_bind(group.created_at_ms);
            });
            insert.push(" ON CONFLICT (group_id, member_id) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn update_group(
        &self,
        provider_id: &UserId,
        group_id: &str,
        name: Option<&str>,
        archived_at_ms: Option<Option<i64>>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE provider_groups SET name = COALESCE($3, name), \
             archived_at_ms = CASE WHEN $4 THEN $5 ELSE archived_at_ms END \
             WHERE id = $1 AND provider_id = $2",
        )
        .bind(group_id)
        .bind(Key(provider_id.as_str()))
        .bind(name)
        .bind(archived_at_ms.is_some())
        .bind(archived_at_ms.flatten())
        .execute(self.write_pool())
        .await
        .map_err(|e| conflict(e, "a group of that name"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_group_member(
        &self,
        provider_id: &UserId,
        group_id: &str,
        member_id: &UserId,
        present: bool,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = if present {
            sqlx::query(
                "INSERT INTO group_members (group_id, member_id, added_at_ms) \
                 SELECT id, $2, $3 FROM provider_groups WHERE id = $1 AND provider_id = $4 \
                 ON CONFLICT (group_id, member_id) DO NOTHING",
            )
            .bind(group_id)
            .bind(Key(member_id.as_str()))
            .bind(at_ms)
            .bind(Key(provider_id.as_str()))
            .execute(self.write_pool())
            .await?
        } else {
            sqlx::query(
                "DELETE FROM group_members WHERE group_id = $1 AND member_id = $2 \
                 AND group_id IN (SELECT id FROM provider_groups WHERE provider_id = $3)",
            )
            .bind(group_id)
            .bind(Key(member_id.as_str()))
            .bind(Key(provider_id.as_str()))
            .execute(self.write_pool())
            .await?
        };
        Ok(done.rows_affected() == 1)
    }

    async fn groups_for(&self, user_id: &UserId) -> Result<Vec<(GroupRecord, Vec<GroupMemberRecord>)>, StoreError> {
        let groups: Vec<GroupRecord> = read!(self, |c| {
            sqlx::query_as(
            "SELECT g.id, g.provider_id, u.display_name AS provider_name, g.name, g.created_at_ms, g.archived_at_ms \
             FROM provider_groups g JOIN users u ON u.id = g.provider_id \
             WHERE g.provider_id = $1 \
                OR (g.archived_at_ms IS NULL AND g.id IN (SELECT group_id FROM group_members WHERE member_id = $1)) \
             ORDER BY g.name, g.id",
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c)
        })?;
        let mut members: Vec<GroupMemberRecord> = Vec::new();
        for chunk in groups.chunks(ROWS_PER_STATEMENT) {
            let mut select = sqlx::QueryBuilder::new(
                "SELECT gm.group_id, gm.member_id, u.display_name AS member_name, gm.added_at_ms \
                 FROM group_members gm JOIN users u ON u.id = gm.member_id WHERE gm.group_id IN (",
            );
            let mut ids = select.separated(", ");
            for group in chunk {
                ids.push_bind(&group.id);
            }
            select.push(") ORDER BY u.display_name, gm.member_id");
            let rows: Vec<GroupMemberRecord> = read!(self, |c| select.build_query_as().fetch_all(c))?;
            members.extend(rows);
        }
        Ok(groups
            .into_iter()
            .map(|group| {
                let of: Vec<GroupMemberRecord> = members.iter().filter(|m| m.group_id == group.id).cloned().collect();
                (group, of)
            })
            .collect())
    }

    async fn acquaintances_of(&self, user_id: &UserId) -> Result<Vec<Acquaintance>, StoreError> {
        Ok(read!(self, |c| sqlx::query_as(
            "SELECT a.other_id, u.display_name AS other_name, a.provider_id \
             FROM acquaintances a JOIN users u ON u.id = a.other_id WHERE a.user_id = $1 \
             UNION ALL \
             SELECT ap.attendee_id AS other_id, u.display_name AS other_name, ap.provider_id \
             FROM attended_providers ap JOIN users u ON u.id = ap.attendee_id WHERE ap.provider_id = $1",
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?)
    }
}

impl This {
    /// Connections read by `sql` (a [`connection_select!`] with its `WHERE` on `$1`).
    async fn connection_rows(&self, sql: &'static str, user: &UserId) -> Result<Vec<ConnectionRecord>, StoreError> {
        let rows: Vec<ConnectionRow> = read!(self, |c| sqlx::query_as(sql).bind(Key(user.as_str())).fetch_all(c))?;
        rows.into_iter().map(ConnectionRecord::try_from).collect()
    }
}
