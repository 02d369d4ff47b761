//! The SQL of kept exports and the server's signing keys.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::*;

impl ExportStore for This {
    async fn create_export(&self, export: &ExportRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO exports (id, user_id, digest, body, created_at_ms, withdrawn_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&export.id)
        .bind(Key(&export.user_id))
        .bind(&export.digest)
        .bind(&export.body)
        .bind(export.created_at_ms)
        .bind(export.withdrawn_at_ms)
        .execute(self.write_pool())
        .await
        .map_err(|e| conflict(e, "this export"))?;
        Ok(())
    }

    async fn export_by_id(&self, id: &str) -> Result<Option<ExportRecord>, StoreError> {
        Ok(read!(self, |c| sqlx::query_as(
            "SELECT id, user_id, digest, body, created_at_ms, withdrawn_at_ms FROM exports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(c))?)
    }

    async fn export_by_digest(&self, digest: &[u8]) -> Result<Option<ExportRecord>, StoreError> {
        Ok(read!(self, |c| sqlx::query_as(
            "SELECT id, user_id, digest, body, created_at_ms, withdrawn_at_ms FROM exports WHERE digest = $1",
        )
        .bind(digest)
        .fetch_optional(c))?)
    }

    async fn exports_of(&self, user_id: &UserId) -> Result<Vec<ExportRecord>, StoreError> {
        Ok(read!(self, |c| sqlx::query_as(
            "SELECT id, user_id, digest, body, created_at_ms, withdrawn_at_ms FROM exports \
             WHERE user_id = $1 ORDER BY created_at_ms DESC, id",
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?)
    }

    async fn withdraw_export(&self, user_id: &UserId, id: &str, at_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE exports SET withdrawn_at_ms = $3 WHERE user_id = $1 AND id = $2 AND withdrawn_at_ms IS NULL",
        )
        .bind(Key(user_id.as_str()))
        .bind(id)
        .bind(at_ms)
        .execute(self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn server_keys(&self) -> Result<Vec<ServerKeyRecord>, StoreError> {
        Ok(read!(self, |c| {
            sqlx::query_as(
            "SELECT id, secret, public_key, created_at_ms, retired_at_ms FROM server_keys ORDER BY created_at_ms DESC, id DESC",
        )
        .fetch_all(c)
        })?)
    }

    async fn add_server_key(&self, key: &ServerKeyRecord) -> Result<(), StoreError> {
        let mut tx = self.write_pool().begin().await?;
        sqlx::query("UPDATE server_keys SET retired_at_ms = $1 WHERE retired_at_ms IS NULL")
            .bind(key.created_at_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO server_keys (id, secret, public_key, created_at_ms, retired_at_ms) VALUES ($1, $2, $3, $4, NULL)")
            .bind(&key.id)
            .bind(&key.secret)
            .bind(&key.public_key)
            .bind(key.created_at_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
