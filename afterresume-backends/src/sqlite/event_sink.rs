//! [`EventSink`] on SQLite: an append-only table indexed by (job_id, id).

use afterresume_core::Result;
use afterresume_core::domain::{Event, JobId, NewEvent};
use afterresume_core::ports::{EventSink, ListEventsOptions};
use async_trait::async_trait;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::SqliteBackend;
use super::convert::{json, time};
use super::error::map_sqlx;

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

    async fn list(&self, job_id: JobId, opts: &ListEventsOptions) -> Result<Vec<Event>> {
        let rows =
            sqlx::query("SELECT * FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?")
                .bind(job_id)
                .bind(opts.after_id.unwrap_or(0))
                .bind(opts.effective_limit() as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok(Event {
                    id: r.try_get("id").map_err(map_sqlx)?,
                    job_id: r.try_get("job_id").map_err(map_sqlx)?,
                    timestamp: time(r.try_get("timestamp").map_err(map_sqlx)?),
                    level: r.try_get::<String, _>("level").map_err(map_sqlx)?.parse()?,
                    source: r
                        .try_get::<String, _>("source")
                        .map_err(map_sqlx)?
                        .parse()?,
                    message: r.try_get("message").map_err(map_sqlx)?,
                    data: json(&r.try_get::<String, _>("data").map_err(map_sqlx)?)?,
                    trace_id: r.try_get("trace_id").map_err(map_sqlx)?,
                })
            })
            .collect()
    }

    async fn delete_for_jobs(&self, job_ids: &[JobId]) -> Result<u64> {
        let mut deleted = 0;
        for chunk in job_ids.chunks(500) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("DELETE FROM job_events WHERE job_id IN (");
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
        Ok(deleted)
    }
}
