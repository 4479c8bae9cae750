//! [`WorkLogStore`] on SQLite.

use afterresume_core::domain::{
    NewSkillEvidence, NewWorkLog, UserId, WorkLog, WorkLogFilter, WorkLogId, WorkLogPatch, storable,
};
use afterresume_core::ports::{
    ImportWorkLog, ImportedWorkLog, WorkLogStore, check_analysis_evidence, check_import_batch,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

use super::SqliteBackend;
use super::convert::{date, date_text, list_text, micros, string_list, time};
use super::domain_store::insert_evidence;
use super::error::map_sqlx;
use crate::common::unreadable_json;
use crate::sql_dialect::worklog_list;
use crate::sql_error::not_found_as;

/// A JSON column, or [`unreadable_json`] when its text cannot be parsed.
fn json_or_raw(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| unreadable_json(text))
}

fn worklog_from_row(row: &SqliteRow) -> Result<WorkLog> {
    let get = |e: sqlx::Error| map_sqlx(e);
    Ok(WorkLog {
        id: row.try_get("id").map_err(get)?,
        user_id: row.try_get("user_id").map_err(get)?,
        date: date(&row.try_get::<String, _>("date").map_err(get)?)?,
        content: row.try_get("content").map_err(get)?,
        title: row.try_get("title").map_err(get)?,
        tags: string_list(&row.try_get::<String, _>("tags").map_err(get)?)?,
        source: row.try_get("source").map_err(get)?,
        metadata: json_or_raw(&row.try_get::<String, _>("metadata").map_err(get)?),
        analysis: row
            .try_get::<Option<String>, _>("analysis")
            .map_err(get)?
            .as_deref()
            .map(json_or_raw),
        created_at: time(row.try_get("created_at").map_err(get)?),
        updated_at: time(row.try_get("updated_at").map_err(get)?),
    })
}

fn not_found(id: WorkLogId) -> Error {
    Error::not_found(format!("worklog {id} not found"))
}

#[async_trait]
impl WorkLogStore for SqliteBackend {
    /// Through the group writer: concurrent creates share a commit.
    async fn create_worklog(&self, new: NewWorkLog, now: DateTime<Utc>) -> Result<WorkLog> {
        new.validate()?;
        let one = [new];
        let mut created = self
            .group
            .run(move |db| super::direct::insert_worklogs(db, &one, now))
            .await?;
        created
            .pop()
            .ok_or_else(|| Error::unexpected("sqlite: the insert returned no worklog"))
    }

    /// All or none, in one transaction of the group writer.
    async fn create_worklogs(
        &self,
        new: Vec<NewWorkLog>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WorkLog>> {
        new.iter().try_for_each(NewWorkLog::validate)?;
        self.group
            .run(move |db| super::direct::insert_worklogs(db, &new, now))
            .await
    }

    async fn get_worklog(&self, id: WorkLogId) -> Result<WorkLog> {
        let row = sqlx::query("SELECT * FROM worklogs WHERE id = ?")
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
        let mut q = worklog_list::<Sqlite>(filter);
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
        let mut tx = self.writer.begin().await.map_err(map_sqlx)?;
        // Take the write lock first, so no one changes the row between read and write.
        sqlx::query("UPDATE worklogs SET updated_at = updated_at WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let row = sqlx::query("SELECT * FROM worklogs WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let mut worklog = row
            .as_ref()
            .map(worklog_from_row)
            .transpose()?
            .ok_or_else(|| not_found(id))?;
        let content_changed = patch.apply_to(&mut worklog, now);
        sqlx::query(
            "UPDATE worklogs SET date = ?, content = ?, title = ?, tags = ?, source = ?, metadata = ?, analysis = ?, \
             updated_at = ? WHERE id = ?",
        )
        .bind(date_text(worklog.date))
        .bind(&worklog.content)
        .bind(&worklog.title)
        .bind(list_text(&worklog.tags))
        .bind(&worklog.source)
        .bind(worklog.metadata.to_string())
        .bind(worklog.analysis.as_ref().map(Value::to_string))
        .bind(micros(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        if content_changed {
            // Offsets of old evidence no longer point at the right text.
            sqlx::query("DELETE FROM skill_evidence WHERE worklog_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        } else {
            sqlx::query("UPDATE skill_evidence SET worklog_date = ? WHERE worklog_id = ?")
                .bind(date_text(worklog.date))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(worklog)
    }

    /// In one transaction of the group writer, under a savepoint.
    async fn import_worklogs(
        &self,
        user_id: UserId,
        batch: Vec<ImportWorkLog>,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Vec<ImportedWorkLog>> {
        check_import_batch(user_id, &batch)?;
        self.group
            .run(move |db| super::imports::import_worklogs(db, user_id, &batch, now, dry_run))
            .await
    }

    async fn delete_worklog(&self, id: WorkLogId) -> Result<()> {
        // Evidence goes with it (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM worklogs WHERE id = ?")
            .bind(id)
            .execute(&self.writer)
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
        let mut tx = self.writer.begin().await.map_err(map_sqlx)?;
        let row = sqlx::query(
            "UPDATE worklogs SET analysis = ?, updated_at = ? WHERE id = ? RETURNING *",
        )
        .bind(analysis.to_string())
        .bind(micros(now))
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
        sqlx::query("DELETE FROM skill_evidence WHERE worklog_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        for row in evidence {
            insert_evidence(row, now)
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)
                .map_err(|e| not_found_as(e, format!("skill {} not found", row.skill_id)))?;
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(worklog)
    }
}
