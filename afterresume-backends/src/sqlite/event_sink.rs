//! [`EventSink`] on SQLite: an append-only table indexed by (job_id, id), and the
//! "job queued" events the writer leaves in the job rows themselves (migration `0002`).

use afterresume_core::Result;
use afterresume_core::domain::{Event, JobId, NewEvent};
use afterresume_core::ports::{EventSink, ListEventsOptions};
use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::SqliteBackend;
use super::convert::{json, time};
use super::error::map_sqlx;
use crate::common::TimelineRow;

#[async_trait]
impl EventSink for SqliteBackend {
    fn timeline(&self) -> Option<String> {
        Some(self.timeline_name())
    }

    /// A call's events are stored whole or not at all (one savepoint of the
    /// writer's group).
    async fn append(&self, events: Vec<NewEvent>) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.group
            .run(move |db| super::direct::append_events(db, &events))
            .await
    }

    /// One statement reads the job's event rows and, when its row keeps it, its
    /// "job queued" event (migration `0002`), rebuilt from the row.
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

    /// Deletes the event rows and forgets the "job queued" events job rows keep, in
    /// chunks of ids that fit one statement's bind limit.
    async fn delete_for_jobs(&self, job_ids: &[JobId]) -> Result<u64> {
        const STATEMENTS: [&str; 2] = [
            "DELETE FROM job_events WHERE job_id IN (",
            "UPDATE jobs SET queued_event_id = NULL, queued_trigger = NULL, \
             queued_run_at = NULL WHERE queued_event_id IS NOT NULL AND id IN (",
        ];
        let mut deleted = 0;
        for chunk in job_ids.chunks(500) {
            for statement in STATEMENTS {
                let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(statement);
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                q.push(")");
                deleted += q
                    .build()
                    .execute(&self.writer)
                    .await
                    .map_err(map_sqlx)?
                    .rows_affected();
            }
        }
        Ok(deleted)
    }
}

/// A job's timeline after `?2`, at most `?3` events: its event rows, and the
/// "job queued" event its row keeps (those columns are NULL in event rows, and
/// `message` is NULL in the kept one).
const LIST_TIMELINE: &str = "SELECT * FROM (\
     SELECT queued_event_id AS id, created_at AS timestamp, trace_id, NULL AS level, \
     NULL AS source, NULL AS message, NULL AS data, job_type, queued_trigger, queued_run_at, \
     parent_job_id, max_retries \
     FROM jobs WHERE id = ?1 AND queued_event_id > ?2 \
     UNION ALL SELECT * FROM (\
     SELECT id, timestamp, trace_id, level, source, message, data, NULL, NULL, NULL, NULL, NULL \
     FROM job_events WHERE job_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3)\
     ) ORDER BY id LIMIT ?3";

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(map_sqlx)
}

fn event_from_row(job_id: JobId, row: &SqliteRow) -> Result<Event> {
    let rest = match get::<Option<String>>(row, "message")? {
        Some(message) => TimelineRow::Stored {
            level: get(row, "level")?,
            source: get(row, "source")?,
            message,
            data: json(&get::<String>(row, "data")?)?,
        },
        None => TimelineRow::Kept {
            job_type: get(row, "job_type")?,
            trigger: get(row, "queued_trigger")?,
            run_at: time(get(row, "queued_run_at")?),
            parent_job_id: get(row, "parent_job_id")?,
            max_retries: get(row, "max_retries")?,
        },
    };
    rest.into_event(
        get(row, "id")?,
        job_id,
        time(get(row, "timestamp")?),
        get(row, "trace_id")?,
    )
}
