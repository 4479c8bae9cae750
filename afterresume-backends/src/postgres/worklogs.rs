//! [`WorkLogStore`] on Postgres.

use afterresume_core::domain::{
    NewSkillEvidence, NewWorkLog, UserId, WorkLog, WorkLogFilter, WorkLogId, WorkLogPatch, storable,
};
use afterresume_core::import::ImportOutcome;
use afterresume_core::ports::{
    ImportWorkLog, ImportedWorkLog, WorkLogStore, check_analysis_evidence, check_import_batch,
};
use afterresume_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Row};

use super::domain_store::{bind_evidence, get};
use super::{PostgresBackend, map_sqlx};
use crate::common::unreadable_json;
use crate::sql_dialect::worklog_list;
use crate::sql_error::not_found_as;

fn worklog_from_row(row: &PgRow) -> Result<WorkLog> {
    Ok(WorkLog {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        date: get(row, "date")?,
        content: get(row, "content")?,
        title: get(row, "title")?,
        tags: get(row, "tags")?,
        source: get(row, "source")?,
        metadata: json_or_raw(row, "metadata")?
            .unwrap_or_else(|| Value::Object(Default::default())),
        analysis: json_or_raw(row, "analysis")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// A JSON column, or [`unreadable_json`] when its text cannot be parsed.
fn json_or_raw(row: &PgRow, column: &str) -> Result<Option<Value>> {
    match row.try_get::<Option<Value>, _>(column) {
        Ok(value) => Ok(value),
        Err(sqlx::Error::ColumnDecode { .. }) => {
            let raw: Option<Vec<u8>> = row.try_get_unchecked(column).map_err(map_sqlx)?;
            // jsonb's binary form is a version byte, then the text.
            Ok(raw.map(|bytes| {
                unreadable_json(&String::from_utf8_lossy(bytes.get(1..).unwrap_or_default()))
            }))
        }
        Err(e) => Err(map_sqlx(e)),
    }
}

fn not_found(id: WorkLogId) -> Error {
    Error::not_found(format!("worklog {id} not found"))
}

fn owner_missing(user_id: UserId) -> impl Fn(Error) -> Error {
    move |err| {
        if err.kind() == ErrorKind::NotFound {
            Error::not_found(format!("user {user_id} not found"))
        } else {
            err
        }
    }
}

async fn insert(conn: &mut PgConnection, w: &NewWorkLog, now: DateTime<Utc>) -> Result<WorkLog> {
    let row = sqlx::query(
        "INSERT INTO worklogs (user_id, date, content, title, tags, source, metadata, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *",
    )
    .bind(w.user_id)
    .bind(w.date)
    .bind(&w.content)
    .bind(&w.title)
    .bind(&w.tags)
    .bind(&w.source)
    .bind(&w.metadata)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(map_sqlx)
    .map_err(owner_missing(w.user_id))?;
    worklog_from_row(&row)
}

/// Applies a patch to a worklog inside a transaction: a new content clears
/// the analysis and drops the evidence (its offsets no longer fit), a new date
/// moves the evidence.
async fn apply_update(
    conn: &mut PgConnection,
    id: WorkLogId,
    patch: WorkLogPatch,
    now: DateTime<Utc>,
) -> Result<WorkLog> {
    let row = sqlx::query("SELECT * FROM worklogs WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_sqlx)?;
    let mut worklog = row
        .as_ref()
        .map(worklog_from_row)
        .transpose()?
        .ok_or_else(|| not_found(id))?;
    let content_changed = patch.apply_to(&mut worklog, now);
    let row = sqlx::query(
        "UPDATE worklogs SET date = $1, content = $2, title = $3, tags = $4, source = $5, metadata = $6, \
         analysis = $7, updated_at = $8 WHERE id = $9 RETURNING *",
    )
    .bind(worklog.date)
    .bind(&worklog.content)
    .bind(&worklog.title)
    .bind(&worklog.tags)
    .bind(&worklog.source)
    .bind(&worklog.metadata)
    .bind(worklog.analysis.as_ref())
    .bind(now)
    .bind(id)
    .fetch_one(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    if content_changed {
        // Offsets of old evidence no longer point at the right text.
        sqlx::query("DELETE FROM skill_evidence WHERE worklog_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(map_sqlx)?;
    } else {
        sqlx::query("UPDATE skill_evidence SET worklog_date = $1 WHERE worklog_id = $2")
            .bind(worklog.date)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(map_sqlx)?;
    }
    worklog_from_row(&row)
}

/// Records an imported worklog's external id. A concurrent import that linked
/// the same id first makes this one fail (temporary: a retry finds it).
async fn link_import(
    conn: &mut PgConnection,
    user_id: UserId,
    external_id: &str,
    worklog_id: WorkLogId,
) -> Result<()> {
    let linked = sqlx::query(
        "INSERT INTO worklog_imports (user_id, external_id, worklog_id) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, external_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(external_id)
    .bind(worklog_id)
    .execute(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    if linked.rows_affected() == 0 {
        return Err(Error::conflict(format!(
            "{external_id}: imported by another request at the same time; retry"
        ))
        .temporary());
    }
    Ok(())
}

#[async_trait]
impl WorkLogStore for PostgresBackend {
    async fn create_worklog(&self, new: NewWorkLog, now: DateTime<Utc>) -> Result<WorkLog> {
        new.validate()?;
        let mut conn = self.pool.acquire().await.map_err(map_sqlx)?;
        insert(&mut conn, &new, now).await
    }

    async fn create_worklogs(
        &self,
        new: Vec<NewWorkLog>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WorkLog>> {
        new.iter().try_for_each(NewWorkLog::validate)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let mut out = Vec::with_capacity(new.len());
        for w in &new {
            out.push(insert(&mut tx, w, now).await?);
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(out)
    }

    async fn get_worklog(&self, id: WorkLogId) -> Result<WorkLog> {
        let row = sqlx::query("SELECT * FROM worklogs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(worklog_from_row)
            .transpose()?
            .ok_or_else(|| not_found(id))
    }

    async fn list_worklogs(&self, filter: &WorkLogFilter) -> Result<Vec<WorkLog>> {
        let mut q = worklog_list::<Postgres>(filter);
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_sqlx)?;
        rows.iter().map(worklog_from_row).collect()
    }

    async fn update_worklog(
        &self,
        id: WorkLogId,
        patch: WorkLogPatch,
        now: DateTime<Utc>,
    ) -> Result<WorkLog> {
        patch.validate()?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let updated = apply_update(&mut tx, id, patch, now).await?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(updated)
    }

    async fn import_worklogs(
        &self,
        user_id: UserId,
        batch: Vec<ImportWorkLog>,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Vec<ImportedWorkLog>> {
        check_import_batch(user_id, &batch)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let user_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if !user_exists {
            return Err(Error::not_found(format!("user {user_id} not found")));
        }
        let ids: Vec<&str> = batch.iter().map(|b| b.external_id.as_str()).collect();
        let rows = sqlx::query(
            "SELECT i.external_id, w.* FROM worklog_imports i JOIN worklogs w ON w.id = i.worklog_id \
             WHERE i.user_id = $1 AND i.external_id = ANY($2) FOR UPDATE OF w",
        )
        .bind(user_id)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        let mut stored = std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            stored.insert(get::<String>(row, "external_id")?, worklog_from_row(row)?);
        }
        let mut out = Vec::with_capacity(batch.len());
        for item in batch {
            let imported = match stored.get(&item.external_id) {
                Some(existing) => match WorkLogPatch::to_match(existing, &item.worklog) {
                    None => ImportedWorkLog {
                        id: Some(existing.id),
                        outcome: ImportOutcome::Unchanged,
                    },
                    Some(patch) => {
                        if !dry_run {
                            apply_update(&mut tx, existing.id, patch, now).await?;
                        }
                        ImportedWorkLog {
                            id: Some(existing.id),
                            outcome: ImportOutcome::Updated,
                        }
                    }
                },
                None if dry_run => ImportedWorkLog {
                    id: None,
                    outcome: ImportOutcome::Created,
                },
                None => {
                    let created = insert(&mut tx, &item.worklog, now).await?;
                    link_import(&mut tx, user_id, &item.external_id, created.id).await?;
                    ImportedWorkLog {
                        id: Some(created.id),
                        outcome: ImportOutcome::Created,
                    }
                }
            };
            out.push(imported);
        }
        if dry_run {
            tx.rollback().await.map_err(map_sqlx)?;
        } else {
            tx.commit().await.map_err(map_sqlx)?;
        }
        Ok(out)
    }

    async fn delete_worklog(&self, id: WorkLogId) -> Result<()> {
        // Evidence goes with it (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM worklogs WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    async fn replace_worklog_analysis(
        &self,
        id: WorkLogId,
        analysis: Value,
        evidence: &[NewSkillEvidence],
        now: DateTime<Utc>,
    ) -> Result<WorkLog> {
        storable::check_json("analysis", &analysis)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let row = sqlx::query(
            "UPDATE worklogs SET analysis = $1, updated_at = $2 WHERE id = $3 RETURNING *",
        )
        .bind(&analysis)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        let worklog = row
            .as_ref()
            .map(worklog_from_row)
            .transpose()?
            .ok_or_else(|| not_found(id))?;
        // Dropping `tx` on an error below rolls the update back.
        check_analysis_evidence(id, worklog.user_id, evidence)?;
        sqlx::query("DELETE FROM skill_evidence WHERE worklog_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        for row in evidence {
            bind_evidence(
                sqlx::query(
                    "INSERT INTO skill_evidence (user_id, skill_id, worklog_id, worklog_date, excerpt, \
                     start_offset, end_offset, confidence, extractor, created_at, sentence, sentence_start) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                     ON CONFLICT (user_id, skill_id, worklog_id, start_offset, end_offset) DO NOTHING",
                ),
                row,
                now,
            )
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)
            .map_err(|e| not_found_as(e, format!("skill {} not found", row.skill_id)))?;
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(worklog)
    }
}
