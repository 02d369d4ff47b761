//! The SQL of associations, their staff, the operators, and the audit trail.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::*;

/// Appends one line to the trail on `conn` (a transaction, so that the line and the change it
/// tells of are written together or not at all).
pub(super) async fn insert_audit(conn: &mut Conn, entry: &AuditEntry) -> Result<(), StoreError> {
    let (actor_id, os_user) = match &entry.actor {
        Actor::Account(id) => (Some(id.as_str()), ""),
        Actor::CommandLine(user) => (None, user.as_str()),
    };
    sqlx::query(
        "INSERT INTO audit_trail (at_ms, actor_id, actor_os_user, association_id, action, subject, subject_user_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.at_ms)
    .bind(actor_id.map(Key))
    .bind(os_user)
    .bind(entry.association.as_deref())
    .bind(entry.action.as_str())
    .bind(&entry.subject)
    .bind(entry.subject_user_id.as_ref().map(|id| Key(id.as_str())))
    .bind(&entry.detail)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Finishes a write the trail tells of: when it `changed` something, appends `audit` and
/// commits; otherwise the transaction is dropped (rolled back) and no line is written.
pub(super) async fn commit_audited(
    mut tx: sqlx::Transaction<'_, Db>,
    changed: bool,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    if changed {
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
    }
    Ok(changed)
}

impl StaffStore for This {
    async fn create_association(&self, association: &AssociationRecord, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.write_pool().begin().await?;
        sqlx::query("INSERT INTO associations (id, name, rulebooks, created_at_ms) VALUES ($1, $2, $3, $4)")
            .bind(&association.id)
            .bind(&association.name)
            .bind(association.rulebooks.join(","))
            .bind(association.created_at_ms)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict(e, "this association's id"))?;
        commit_audited(tx, true, audit).await.map(|_| ())
    }

    async fn update_association(
        &self,
        association: &AssociationRecord,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let changed = sqlx::query("UPDATE associations SET name = $2, rulebooks = $3 WHERE id = $1")
            .bind(&association.id)
            .bind(&association.name)
            .bind(association.rulebooks.join(","))
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        commit_audited(tx, changed, audit).await
    }

    async fn associations(&self) -> Result<Vec<AssociationRecord>, StoreError> {
        let rows: Vec<AssociationRow> =
            read!(self, |c| sqlx::query_as("SELECT id, name, rulebooks, created_at_ms FROM associations ORDER BY id")
                .fetch_all(c))?;
        Ok(rows.into_iter().map(AssociationRecord::from).collect())
    }

    async fn add_staff(
        &self,
        user_id: &UserId,
        association: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let added = sqlx::query(
            "INSERT INTO staff (user_id, association_id, created_at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(Key(user_id.as_str()))
        .bind(association)
        .bind(at_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        commit_audited(tx, added, audit).await
    }

    async fn remove_staff(&self, user_id: &UserId, association: &str, audit: &AuditEntry) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let removed = sqlx::query("DELETE FROM staff WHERE user_id = $1 AND association_id = $2")
            .bind(Key(user_id.as_str()))
            .bind(association)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        commit_audited(tx, removed, audit).await
    }

    async fn staff_associations(&self, user_id: &UserId) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = read!(self, |c| sqlx::query_as(
            "SELECT association_id FROM staff WHERE user_id = $1 ORDER BY association_id"
        )
        .bind(Key(user_id.as_str()))
        .fetch_all(c))?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }

    async fn staff(&self) -> Result<Vec<(String, UserRecord)>, StoreError> {
        let rows: Vec<(String, KeyText)> = read!(self, |c| sqlx::query_as(
            "SELECT association_id, user_id FROM staff ORDER BY association_id, created_at_ms"
        )
        .fetch_all(c))?;
        let mut staff = Vec::with_capacity(rows.len());
        for (association, user_id) in rows {
            let id = UserId::from(user_id.0);
            let user = self
                .user_by_id(&id)
                .await?
                .ok_or_else(|| StoreError::unreadable("staff", id.as_str(), "names a missing account"))?;
            staff.push((association, user));
        }
        Ok(staff)
    }

    async fn add_operator(&self, user_id: &UserId, at_ms: i64, audit: &AuditEntry) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let added =
            sqlx::query("INSERT INTO operators (user_id, created_at_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(Key(user_id.as_str()))
                .bind(at_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        commit_audited(tx, added, audit).await
    }

    async fn is_operator(&self, user_id: &UserId) -> Result<bool, StoreError> {
        let row: Option<(i64,)> =
            read!(self, |c| sqlx::query_as("SELECT created_at_ms FROM operators WHERE user_id = $1")
                .bind(Key(user_id.as_str()))
                .fetch_optional(c))?;
        Ok(row.is_some())
    }

    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let tx = self.write_pool().begin().await?;
        commit_audited(tx, true, entry).await.map(|_| ())
    }

    async fn audit_trail(&self, associations: Option<&[String]>) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = read!(self, |c| sqlx::query_as(
            "SELECT seq, at_ms, actor_id, actor_os_user, association_id, action, subject, subject_user_id, detail \
             FROM audit_trail ORDER BY seq DESC"
        )
        .fetch_all(c))?;
        // Few lines a day, read by staff: filtered here rather than with a list bound per backend.
        rows.into_iter()
            .filter(|row| match (associations, &row.association_id) {
                (None, _) => true,
                (Some(wanted), Some(a)) => wanted.iter().any(|w| w == a),
                (Some(_), None) => false,
            })
            .map(AuditEntry::try_from)
            .collect()
    }
}
