//! [`EventSink`] on Postgres: the append-only `job_events` table, indexed by
//! (job_id, id), apart from the hot job rows, and the "job queued" events that bulk
//! inserts leave in the job rows themselves (migration `0005`).

use afterresume_core::Result;
use afterresume_core::domain::{Event, JobId, NewEvent};
use afterresume_core::ports::{EventSink, ListEventsOptions};
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row};

use super::{PostgresBackend, event_sink_append, map_sqlx};
use crate::common::TimelineRow;

#[async_trait]
impl EventSink for PostgresBackend {
    fn timeline(&self) -> Option<String> {
        Some(self.timeline_name())
    }

    async fn append(&self, events: Vec<NewEvent>) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(map_sqlx)?;
        event_sink_append(&mut conn, &events).await
    }

    /// One statement reads the job's event rows and, when its row keeps it, its
    /// "job queued" event (migration `0005`), rebuilt from the row.
    async fn list(&self, job_id: JobId, opts: &ListEventsOptions) -> Result<Vec<Event>> {
        let rows = sqlx::query(LIST_TIMELINE)
            .bind(job_id)
            .bind(opts.after_id.unwrap_or(0))
            .bind(opts.effective_limit() as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(|row| event_from_row(job_id, row)).collect()
    }

    /// Deletes the event rows and forgets the "job queued" events job rows keep.
    async fn delete_for_jobs(&self, job_ids: &[JobId]) -> Result<u64> {
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let rows = sqlx::query("DELETE FROM job_events WHERE job_id = ANY($1)")
            .bind(job_ids)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let in_job_rows = sqlx::query(
            "UPDATE jobs SET queued_event_id = NULL, queued_trigger = NULL, queued_run_at = NULL \
             WHERE id = ANY($1) AND queued_trigger IS NOT NULL",
        )
        .bind(job_ids)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(rows.rows_affected() + in_job_rows.rows_affected())
    }
}

/// A job's timeline after `$2`, at most `$3` events: its event rows, and the
/// "job queued" event its row keeps, if it does (`queued_trigger` set, migration
/// `0006`; those columns are NULL in event rows, and `message` is NULL in the kept
/// one).
const LIST_TIMELINE: &str = "SELECT * FROM (\
     SELECT queued_event_id AS id, created_at AS timestamp, trace_id, NULL::text AS level, \
     NULL::text AS source, NULL::text AS message, NULL::json AS data, job_type, queued_trigger, \
     queued_run_at, parent_job_id, max_retries \
     FROM jobs WHERE id = $1 AND queued_trigger IS NOT NULL AND queued_event_id > $2 \
     UNION ALL (\
     SELECT id, timestamp, trace_id, level, source, message, data, NULL, NULL, NULL, NULL, NULL \
     FROM job_events WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3)\
     ) timeline ORDER BY id LIMIT $3";

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(map_sqlx)
}

fn event_from_row(job_id: JobId, row: &PgRow) -> Result<Event> {
    let rest = match get::<Option<String>>(row, "message")? {
        Some(message) => TimelineRow::Stored {
            level: get(row, "level")?,
            source: get(row, "source")?,
            message,
            data: get(row, "data")?,
        },
        None => TimelineRow::Kept {
            job_type: get(row, "job_type")?,
            trigger: get(row, "queued_trigger")?,
            run_at: get(row, "queued_run_at")?,
            parent_job_id: get(row, "parent_job_id")?,
            max_retries: get::<i32>(row, "max_retries")?.into(),
        },
    };
    rest.into_event(
        get(row, "id")?,
        job_id,
        get(row, "timestamp")?,
        get(row, "trace_id")?,
    )
}
