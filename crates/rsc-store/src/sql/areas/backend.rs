//! Which database a store is, and whether it answers.
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
}
