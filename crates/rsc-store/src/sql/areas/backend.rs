//! Which database a store is, whether it answers, and its epoch.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::*;

impl Backend for This {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ping(&self) -> Result<(), StoreError> {
        read!(self, |c| sqlx::query("SELECT 1").execute(c))?;
        Ok(())
    }

    async fn epoch(&self) -> Result<String, StoreError> {
        Ok(read!(self, |c| sqlx::query_scalar("SELECT value FROM epoch WHERE id = 1").fetch_one(c))?)
    }

    async fn new_epoch(&self, value: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE epoch SET value = $1 WHERE id = 1").bind(value).execute(self.write_pool()).await?;
        Ok(())
    }
}
