//! The SQL of accounts: users, devices and their tokens, sign-in attempts, password resets and profiles.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::*;

impl AccountStore for This {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, role, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Key(&user.id))
        .bind(&user.email)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(user.created_at_ms)
        .execute(self.write_pool())
        .await
        .map_err(|e| conflict(e, "email"))?;
        Ok(())
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE email = $1");
        let row: Option<UserRow> = read!(self, |c| sqlx::query_as(sql).bind(email).fetch_optional(c))?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<UserRecord>, StoreError> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
        let row: Option<UserRow> = read!(self, |c| sqlx::query_as(sql).bind(Key(id.as_str())).fetch_optional(c))?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn create_device(&self, device: &DeviceRecord, token_hash: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO devices (id, user_id, name, public_key, actor_id, token_hash, created_at_ms, revoked_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(device.id.as_str())
        .bind(Key(&device.user_id))
        .bind(&device.name)
        .bind(&device.public_key)
        .bind(&device.actor_id)
        .bind(token_hash)
        .bind(device.created_at_ms)
        .execute(self.write_pool())
        .await
        .map_err(|e| conflict(e, "actor_id"))?;
        Ok(())
    }

    async fn device_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<(DeviceRecord, UserRecord)>, StoreError> {
        // One statement: every signed-in request starts here.
        let row: Option<SignedInRow> = read!(self, |c| sqlx::query_as(
            "SELECT d.id, d.user_id, d.name, d.public_key, d.actor_id, d.created_at_ms, d.revoked_at_ms, \
             u.email, u.display_name, u.password_hash, u.role, u.created_at_ms AS user_created_at_ms \
             FROM devices d JOIN users u ON u.id = d.user_id \
             WHERE d.token_hash = $1 AND d.revoked_at_ms IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(c))?;
        row.map(<(DeviceRecord, UserRecord)>::try_from).transpose()
    }

    async fn devices_of(&self, user_id: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        let sql = concat!("SELECT ", device_columns!(), " FROM devices WHERE user_id = $1 ORDER BY created_at_ms, id");
        Ok(read!(self, |c| sqlx::query_as(sql).bind(Key(user_id.as_str())).fetch_all(c))?)
    }

    async fn revoke_device(&self, user_id: &UserId, device_id: &DeviceId, at_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE devices SET revoked_at_ms = $3 WHERE id = $1 AND user_id = $2 AND revoked_at_ms IS NULL",
        )
        .bind(device_id.as_str())
        .bind(Key(user_id.as_str()))
        .bind(at_ms)
        .execute(self.write_pool())
        .await?;
        if done.rows_affected() == 1 {
            // Its open event streams end now, in every process.
            self.post(Notice::SignedOut { devices: vec![device_id.as_str().to_string()], users: Vec::new() }).await?;
        }
        Ok(done.rows_affected() == 1)
    }

    async fn active_keys(&self, user_id: &UserId) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows: Vec<(Vec<u8>,)> = read!(self, |c| sqlx::query_as(
            "SELECT public_key FROM devices WHERE user_id = $1 AND revoked_at_ms IS NULL"
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?;
        Ok(rows.into_iter().map(|(key,)| key).collect())
    }

    async fn active_keys_of(&self, user_ids: &[UserId]) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut found = Vec::new();
        for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
            let mut select = sqlx::QueryBuilder::new(
                "SELECT user_id, public_key FROM devices WHERE revoked_at_ms IS NULL AND user_id IN (",
            );
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(") ORDER BY user_id, created_at_ms, id");
            let rows = read!(self, |c| select.build_query_as::<(KeyText, Vec<u8>)>().fetch_all(c))?;
            found.extend(rows.into_iter().map(|(KeyText(user), key)| (user, key)));
        }
        Ok(found)
    }

    async fn reserve_login_attempt(
        &self,
        limits: &[(String, i64)],
        attempt: &str,
        at_ms: i64,
        since_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let mut keys: Vec<&(String, i64)> = limits.iter().collect();
        // One order for every transaction, so two reservations never wait on each other.
        keys.sort();
        for (key, limit) in keys {
            // Locks the key's row until commit: a parallel reservation for the same key
            // waits here and then counts this one's attempt.
            sqlx::query(
                "INSERT INTO login_limits (key) VALUES ($1) ON CONFLICT (key) DO UPDATE SET key = excluded.key",
            )
            .bind(key)
            .execute(&mut *tx)
            .await?;
            let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at_ms >= $2")
                .bind(key)
                .bind(since_ms)
                .fetch_one(&mut *tx)
                .await?;
            if count >= *limit {
                tx.rollback().await?;
                return Ok(false);
            }
            sqlx::query("INSERT INTO login_failures (key, at_ms, attempt) VALUES ($1, $2, $3)")
                .bind(key)
                .bind(at_ms)
                .bind(attempt)
                .execute(&mut *tx)
                .await?;
        }
        // Old entries no longer limit anything.
        sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
            .bind(at_ms - 24 * 3600 * 1000)
            .execute(&mut *tx)
            .await?;
        for statement in [
            "DELETE FROM certificate_files WHERE NOT EXISTS (SELECT 1 FROM certificates c WHERE c.digest = certificate_files.digest)",
            "DELETE FROM documents WHERE kind = 'training' AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.doc_id = documents.id)",
        ] {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn release_login_attempt(&self, attempt: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE attempt = $1").bind(attempt).execute(self.write_pool()).await?;
        Ok(())
    }

    async fn login_failures_since(&self, key: &str, since_ms: i64) -> Result<i64, StoreError> {
        let (count,): (i64,) =
            read!(self, |c| sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at_ms >= $2")
                .bind(key)
                .bind(since_ms)
                .fetch_one(c))?;
        Ok(count)
    }

    async fn profile(&self, user_id: &UserId) -> Result<Option<ProfileRecord>, StoreError> {
        let row: Option<ProfileRow> = read!(self, |c| {
            sqlx::query_as(
            "SELECT user_id, masters_conferred_on, rulebook, purpose, share_progress, provides_rsc FROM profiles WHERE user_id = $1"
        )
        .bind(Key(user_id.as_str()))
        .fetch_optional(c)
        })?;
        row.map(ProfileRecord::try_from).transpose()
    }

    async fn set_profile(&self, profile: &ProfileRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO profiles (user_id, masters_conferred_on, rulebook, purpose, share_progress, provides_rsc) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id) DO UPDATE SET masters_conferred_on = excluded.masters_conferred_on, \
             rulebook = excluded.rulebook, purpose = excluded.purpose, share_progress = excluded.share_progress, \
             provides_rsc = excluded.provides_rsc",
        )
        .bind(Key(&profile.user_id))
        .bind(profile.masters_conferred_on.map(|d| d.to_string()))
        .bind(&profile.rulebook)
        .bind(profile.purpose.map(|p| p.as_str()))
        .bind(profile.share_progress)
        .bind(profile.provides_rsc)
        .execute(self.write_pool())
        .await?;
        Ok(())
    }

    async fn set_password_hash(&self, id: &UserId, hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(Key(id.as_str()))
            .bind(hash)
            .execute(self.write_pool())
            .await?;
        Ok(())
    }

    async fn create_password_reset(
        &self,
        id: &UserId,
        code_hash: &[u8],
        at_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO password_resets (user_id, code_hash, created_at_ms, expires_at_ms, used_at_ms) \
             VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, \
             created_at_ms = excluded.created_at_ms, expires_at_ms = excluded.expires_at_ms, used_at_ms = NULL",
        )
        .bind(Key(id.as_str()))
        .bind(code_hash)
        .bind(at_ms)
        .bind(expires_at_ms)
        .execute(self.write_pool())
        .await?;
        Ok(())
    }

    async fn use_password_reset(&self, id: &UserId, code_hash: &[u8], at_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE password_resets SET used_at_ms = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND used_at_ms IS NULL AND expires_at_ms > $3",
        )
        .bind(Key(id.as_str()))
        .bind(code_hash)
        .bind(at_ms)
        .execute(self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_all_devices(&self, id: &UserId, at_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE devices SET revoked_at_ms = $2 WHERE user_id = $1 AND revoked_at_ms IS NULL")
            .bind(Key(id.as_str()))
            .bind(at_ms)
            .execute(self.write_pool())
            .await?;
        // Every open event stream of the account ends now, in every process.
        self.post(Notice::SignedOut { devices: Vec::new(), users: vec![id.as_str().to_string()] }).await?;
        Ok(done.rows_affected())
    }

    async fn set_display_name(&self, id: &UserId, name: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
            .bind(Key(id.as_str()))
            .bind(name)
            .execute(self.write_pool())
            .await?;
        Ok(())
    }

    async fn close_account(&self, user_id: &UserId, erased_email: &str, at_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let me = Key(user_id.as_str());
        let closed =
            sqlx::query("INSERT INTO closed_accounts (user_id, closed_at_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(me)
                .bind(at_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        if !closed {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET email = $2, password_hash = '' WHERE id = $1")
            .bind(me)
            .bind(erased_email)
            .execute(&mut *tx)
            .await?;
        for statement in [
            "UPDATE devices SET revoked_at_ms = $2 WHERE user_id = $1 AND revoked_at_ms IS NULL",
            "UPDATE connection_codes SET revoked_at_ms = $2 WHERE provider_id = $1 AND revoked_at_ms IS NULL",
            "UPDATE connections SET ended_at_ms = $2, ended_by = CASE WHEN provider_id = $1 THEN 'provider' ELSE 'supervisee' END \
             WHERE (provider_id = $1 OR member_id = $1) AND ended_at_ms IS NULL",
        ] {
            sqlx::query(statement).bind(me).bind(at_ms).execute(&mut *tx).await?;
        }
        for statement in [
            "DELETE FROM password_resets WHERE user_id = $1",
            "DELETE FROM connection_requests WHERE provider_id = $1 OR member_id = $1",
            "DELETE FROM group_members WHERE member_id = $1",
            // Her trainings and certificates are hers alone: nobody else's records rest on them.
            "DELETE FROM certificates WHERE owner_id = $1",
            "DELETE FROM trainings WHERE owner_id = $1",
            "DELETE FROM changes WHERE doc_id IN (SELECT doc_id FROM participants WHERE user_id = $1 AND kind = 'training')",
            "DELETE FROM participants WHERE user_id = $1 AND kind = 'training'",
        ] {
            sqlx::query(statement).bind(me).execute(&mut *tx).await?;
        }
        for statement in [
            "DELETE FROM certificate_files WHERE NOT EXISTS (SELECT 1 FROM certificates c WHERE c.digest = certificate_files.digest)",
            "DELETE FROM documents WHERE kind = 'training' AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.doc_id = documents.id)",
        ] {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn closed_among(&self, user_ids: &[UserId]) -> Result<Vec<(UserId, i64)>, StoreError> {
        let mut found = Vec::new();
        for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
            let mut select =
                sqlx::QueryBuilder::new("SELECT user_id, closed_at_ms FROM closed_accounts WHERE user_id IN (");
            let mut ids = select.separated(", ");
            for id in chunk {
                ids.push_bind(Key(id.as_str()));
            }
            select.push(")");
            let rows: Vec<(KeyText, i64)> = read!(self, |c| select.build_query_as().fetch_all(c))?;
            found.extend(rows.into_iter().map(|(id, at)| (UserId::from(id.0), at)));
        }
        Ok(found)
    }
}
