//! The SQL of trainings: their documents' commit (through the same version, change and
//! participant writes as sessions), their projection, and the certificate files.
//!
//! One text for both backends: `sql/pg.rs` and `sql/sqlite.rs` each compile it for theirs.

use super::sync::{append_changes, claim_versions};
use super::*;

macro_rules! training_columns {
    () => {
        "id, owner_id, title, organiser, date, minutes, topic, certificate, withdrawn"
    };
}

impl TrainingStore for This {
    async fn commit_trainings(&self, commits: &[TrainingCommit]) -> Result<Committed, StoreError> {
        let owners: Vec<[String; 1]> = commits.iter().map(|c| [c.training.owner_id.clone()]).collect();
        let none: [String; 0] = [];
        let writes: Vec<DocWrite<'_>> = commits
            .iter()
            .zip(&owners)
            .map(|(c, owner)| DocWrite {
                doc_id: &c.doc_id,
                device_id: &c.device_id,
                expected_version: c.expected_version,
                expanded_bytes: c.expanded_bytes,
                new_changes: &c.new_changes,
                // The owner is the one participant from the first write on.
                previous_participants: if c.expected_version.is_some() { owner } else { &none },
                participants: owner,
                kind: DocKind::Training,
            })
            .collect();
        let mut tx = self.write_pool().begin().await?;
        let lost = claim_versions(&mut tx, &writes).await?;
        let won: Vec<usize> = (0..commits.len()).filter(|i| lost.binary_search(i).is_err()).collect();
        if won.is_empty() {
            tx.rollback().await?;
            return Ok(Committed { lost });
        }
        for chunk in won.chunks(ROWS_PER_STATEMENT) {
            let mut upsert = sqlx::QueryBuilder::new(concat!("INSERT INTO trainings (", training_columns!(), ") "));
            upsert.push_values(chunk, |mut row, i| {
                let t = &commits[*i].training;
                row.push_bind(Key(&t.id))
                    .push_bind(Key(&t.owner_id))
                    .push_bind(&t.title)
                    .push_bind(&t.organiser)
                    .push_bind(t.date.to_string())
                    .push_bind(t.minutes)
                    .push_bind(t.topic.as_str())
                    .push_bind(&t.certificate)
                    .push_bind(t.withdrawn);
            });
            upsert.push(
                " ON CONFLICT (id) DO UPDATE SET title = excluded.title, organiser = excluded.organiser, \
                 date = excluded.date, minutes = excluded.minutes, topic = excluded.topic, \
                 certificate = excluded.certificate, withdrawn = excluded.withdrawn",
            );
            upsert.build().execute(&mut *tx).await?;
        }
        let written: Vec<DocWrite<'_>> =
            writes.into_iter().enumerate().filter(|(i, _)| lost.binary_search(i).is_err()).map(|(_, w)| w).collect();
        append_changes(&mut tx, &written).await?;
        self.announce(&mut tx, &written).await?;
        tx.commit().await?;
        self.announced(&written);
        Ok(Committed { lost })
    }

    async fn trainings_of(&self, owner: &UserId) -> Result<Vec<TrainingRow>, StoreError> {
        let rows: Vec<TrainingRowRaw> = read!(self, |c| sqlx::query_as(concat!(
            "SELECT ",
            training_columns!(),
            " FROM trainings WHERE owner_id = $1 ORDER BY date, id"
        ))
        .bind(Key(owner.as_str()))
        .fetch_all(c))?;
        rows.into_iter().map(TrainingRow::try_from).collect()
    }

    async fn put_certificate(
        &self,
        owner: &UserId,
        digest: &str,
        media_type: &str,
        file_name: &str,
        bytes: &[u8],
        quota_bytes: i64,
        at_ms: i64,
    ) -> Result<CertificateStored, StoreError> {
        let me = Key(owner.as_str());
        let mut tx = self.write_pool().begin().await?;
        let held: Option<(String,)> =
            sqlx::query_as("SELECT digest FROM certificates WHERE owner_id = $1 AND digest = $2")
                .bind(me)
                .bind(digest)
                .fetch_optional(&mut *tx)
                .await?;
        if held.is_some() {
            tx.rollback().await?;
            return Ok(CertificateStored::Kept);
        }
        // Her quota is read in the transaction that adds to it, holding her account's row on
        // Postgres (SQLite has one writer): two uploads at once cannot both fit in what is left.
        if BACKEND == "postgres" {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE").bind(me).execute(&mut *tx).await?;
        }
        let (used,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(f.size_bytes), 0) AS BIGINT) FROM certificates c \
             JOIN certificate_files f ON f.digest = c.digest WHERE c.owner_id = $1",
        )
        .bind(me)
        .fetch_one(&mut *tx)
        .await?;
        if used + bytes.len() as i64 > quota_bytes {
            tx.rollback().await?;
            return Ok(CertificateStored::OverQuota { used });
        }
        sqlx::query(
            "INSERT INTO certificate_files (digest, media_type, size_bytes, bytes) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (digest) DO NOTHING",
        )
        .bind(digest)
        .bind(media_type)
        .bind(bytes.len() as i64)
        .bind(bytes)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO certificates (owner_id, digest, file_name, created_at_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner_id, digest) DO NOTHING",
        )
        .bind(me)
        .bind(digest)
        .bind(file_name)
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CertificateStored::Kept)
    }

    async fn certificates_of(&self, owner: &UserId) -> Result<Vec<CertificateRecord>, StoreError> {
        let rows: Vec<CertificateRaw> = read!(self, |c| sqlx::query_as(
            "SELECT c.digest, f.media_type, f.size_bytes, c.file_name, c.created_at_ms \
             FROM certificates c JOIN certificate_files f ON f.digest = c.digest \
             WHERE c.owner_id = $1 ORDER BY c.created_at_ms DESC, c.digest"
        )
        .bind(Key(owner.as_str()))
        .fetch_all(c))?;
        Ok(rows.into_iter().map(CertificateRecord::from).collect())
    }

    async fn certificate_file(
        &self,
        owner: &UserId,
        digest: &str,
    ) -> Result<Option<(CertificateRecord, Vec<u8>)>, StoreError> {
        let row: Option<(String, String, i64, String, i64, Vec<u8>)> = read!(self, |c| sqlx::query_as(
            "SELECT c.digest, f.media_type, f.size_bytes, c.file_name, c.created_at_ms, f.bytes \
             FROM certificates c JOIN certificate_files f ON f.digest = c.digest \
             WHERE c.owner_id = $1 AND c.digest = $2"
        )
        .bind(Key(owner.as_str()))
        .bind(digest)
        .fetch_optional(c))?;
        Ok(row.map(|(digest, media_type, size_bytes, file_name, created_at_ms, bytes)| {
            (CertificateRecord { digest, media_type, size_bytes, file_name, created_at_ms }, bytes)
        }))
    }
}
