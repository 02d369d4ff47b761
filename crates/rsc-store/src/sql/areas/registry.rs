//! The SQL of the endorsement registry and providers' claims to its records.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::*;

impl RegistryStore for This {
    async fn registry_upsert(
        &self,
        records: &[RegistryRecord],
        audit: &AuditEntry,
    ) -> Result<UpsertCounts, StoreError> {
        let mut counts = UpsertCounts::default();
        // Each association's own counts, for its line of the trail.
        let mut by_association: std::collections::BTreeMap<&str, UpsertCounts> = std::collections::BTreeMap::new();
        let mut tx = self.write_pool().begin().await?;
        for record in records {
            if !by_association.contains_key(record.association.as_str()) {
                let known: Option<(String,)> = sqlx::query_as("SELECT id FROM associations WHERE id = $1")
                    .bind(&record.association)
                    .fetch_optional(&mut *tx)
                    .await?;
                if known.is_none() {
                    return Err(StoreError::UnknownAssociation(record.association.clone()));
                }
            }
            let here = by_association.entry(record.association.as_str()).or_default();
            let current: Option<RegistryRow> =
                sqlx::query_as(concat!("SELECT ", registry_columns!(), " FROM registry_records WHERE number = $1"))
                    .bind(&record.number)
                    .fetch_optional(&mut *tx)
                    .await?;
            let current = current.map(RegistryRecord::try_from).transpose()?;
            if current.as_ref().is_some_and(|c| c.association != record.association) {
                return Err(StoreError::OtherAssociation(record.number.clone()));
            }
            let version = match &current {
                Some(current) if crate::records::same_content(current, record) => {
                    counts.unchanged += 1;
                    here.unchanged += 1;
                    continue;
                }
                Some(current) => {
                    counts.updated += 1;
                    here.updated += 1;
                    current.version + 1
                }
                None => {
                    counts.inserted += 1;
                    here.inserted += 1;
                    1
                }
            };
            for table in [RegistryTable::Current, RegistryTable::History] {
                let sql = match (table, current.is_some()) {
                    (RegistryTable::Current, true) => {
                        "UPDATE registry_records SET holder_name = $2, holder_email = $3, credential = $4, \
                         association = $5, earned_on = $6, valid_through = $7, revoked_on = $8, version = $9, changed_at_ms = $10, \
                         changed_by = $11, source = $12 WHERE number = $1"
                    }
                    (RegistryTable::Current, false) => concat!(
                        "INSERT INTO registry_records (",
                        registry_columns!(),
                        ") \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    ),
                    (RegistryTable::History, _) => concat!(
                        "INSERT INTO registry_history (",
                        registry_columns!(),
                        ") \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    ),
                };
                sqlx::query(sql)
                    .bind(&record.number)
                    .bind(&record.holder_name)
                    .bind(&record.holder_email)
                    .bind(record.credential.as_str())
                    .bind(&record.association)
                    .bind(record.earned_on.to_string())
                    .bind(record.valid_through.map(|d| d.to_string()))
                    .bind(record.revoked_on.map(|d| d.to_string()))
                    .bind(version)
                    .bind(record.changed_at_ms)
                    .bind(&record.changed_by)
                    .bind(&record.source)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for (association, here) in by_association {
            let detail = if audit.action == rsc_model::AuditAction::Import {
                let counts = format!("{} new, {} updated, {} unchanged", here.inserted, here.updated, here.unchanged);
                if audit.detail.is_empty() { counts } else { format!("{}: {counts}", audit.detail) }
            } else {
                audit.detail.clone()
            };
            let line = AuditEntry { association: Some(association.to_string()), detail, ..audit.clone() };
            super::staff::insert_audit(&mut tx, &line).await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    async fn registry_record(&self, number: &str) -> Result<Option<RegistryRecord>, StoreError> {
        let row: Option<RegistryRow> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            registry_columns!(),
            " FROM registry_records WHERE number = $1"
        ))
        .bind(number)
        .fetch_optional(c))?;
        row.map(RegistryRecord::try_from).transpose()
    }

    async fn registry_history(&self, number: &str) -> Result<Vec<RegistryRecord>, StoreError> {
        let rows: Vec<RegistryRow> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            registry_columns!(),
            " FROM registry_history WHERE number = $1 ORDER BY version"
        ))
        .bind(number)
        .fetch_all(c))?;
        rows.into_iter().map(RegistryRecord::try_from).collect()
    }

    async fn registry_records(&self) -> Result<Vec<RegistryRecord>, StoreError> {
        let rows: Vec<RegistryRow> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            registry_columns!(),
            " FROM registry_records ORDER BY number"
        ))
        .fetch_all(c))?;
        rows.into_iter().map(RegistryRecord::try_from).collect()
    }

    async fn approved_records(&self, user_id: &UserId) -> Result<Vec<RegistryRecord>, StoreError> {
        let rows: Vec<RegistryRow> = read!(self, |c| {
            sqlx::query_as(
            "SELECT r.number, r.holder_name, r.holder_email, r.credential, r.association, r.earned_on, r.valid_through, \
             r.revoked_on, r.version, r.changed_at_ms, r.changed_by, r.source \
             FROM registry_records r JOIN registry_claims c ON c.number = r.number \
             WHERE c.user_id = $1 AND c.status = $2 ORDER BY r.number",
        )
        .bind(Key(user_id.as_str()))
        .bind(ClaimStatus::Approved.as_str())
        .fetch_all(c)
        })?;
        rows.into_iter().map(RegistryRecord::try_from).collect()
    }

    async fn create_claim(&self, claim: &ClaimRecord) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO registry_claims (",
            claim_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(claim.id.as_str())
        .bind(&claim.number)
        .bind(Key(&claim.user_id))
        .bind(claim.status.as_str())
        .bind(claim.created_at_ms)
        .bind(claim.decided_at_ms)
        .bind(&claim.decided_by)
        .bind(&claim.note)
        .execute(self.write_pool())
        .await?;
        Ok(())
    }

    async fn claims(
        &self,
        user_id: Option<&UserId>,
        status: Option<ClaimStatus>,
    ) -> Result<Vec<ClaimRecord>, StoreError> {
        let rows: Vec<ClaimRow> = read!(self, |c| {
            sqlx::query_as(concat!(
            "SELECT ",
            claim_columns!(),
            " FROM registry_claims WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR status = $2) ORDER BY created_at_ms, id"
        ))
        .bind(user_id.map(|u| Key(u.as_str())))
        .bind(status.map(ClaimStatus::as_str))
        .fetch_all(c)
        })?;
        rows.into_iter().map(ClaimRecord::try_from).collect()
    }

    async fn decide_claim(
        &self,
        id: &ClaimId,
        status: ClaimStatus,
        by: &str,
        note: &str,
        at_ms: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_pool().begin().await?;
        let done = sqlx::query(
            "UPDATE registry_claims SET status = $2, decided_by = $3, note = $4, decided_at_ms = $5 \
             WHERE id = $1 AND status = $6",
        )
        .bind(id.as_str())
        .bind(status.as_str())
        .bind(by)
        .bind(note)
        .bind(at_ms)
        .bind(ClaimStatus::Pending.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, "this record's approved claim"))?;
        super::staff::commit_audited(tx, done.rows_affected() == 1, audit).await
    }

    async fn holder_of(&self, number: &str) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<UserRow> = read!(self, |c| sqlx::query_as(
            "SELECT u.id, u.email, u.display_name, u.password_hash, u.role, u.created_at_ms \
             FROM users u JOIN registry_claims c ON c.user_id = u.id WHERE c.number = $1 AND c.status = $2",
        )
        .bind(number)
        .bind(ClaimStatus::Approved.as_str())
        .fetch_optional(c))?;
        row.map(UserRecord::try_from).transpose()
    }
}
