//! [`EventSink`] on Postgres: the append-only `job_events` table, indexed by
//! (job_id, id), apart from the hot job rows.

use afterresume_core::Result;
use afterresume_core::domain::{Event, JobId, NewEvent};
use afterresume_core::ports::{EventSink, ListEventsOptions};
use async_trait::async_trait;
use sqlx::Row;

use super::{PostgresBackend, event_sink_append, map_sqlx};

#[async_trait]
impl EventSink for PostgresBackend {
    fn timeline(&self) -> Option<String> {
        Some(self.timeline_name())
    }

    async fn append(&self, events: Vec<NewEvent>) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(map_sqlx)?;
        event_sink_append(&mut conn, &events).await
    }

    async fn list(&self, job_id: JobId, opts: &ListEventsOptions) -> Result<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT * FROM job_events WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
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
                    timestamp: r.try_get("timestamp").map_err(map_sqlx)?,
                    level: r.try_get::<String, _>("level").map_err(map_sqlx)?.parse()?,
                    source: r
                        .try_get::<String, _>("source")
                        .map_err(map_sqlx)?
                        .parse()?,
                    message: r.try_get("message").map_err(map_sqlx)?,
                    data: r.try_get("data").map_err(map_sqlx)?,
                    trace_id: r.try_get("trace_id").map_err(map_sqlx)?,
                })
            })
            .collect()
    }

    async fn delete_for_jobs(&self, job_ids: &[JobId]) -> Result<u64> {
        let done = sqlx::query("DELETE FROM job_events WHERE job_id = ANY($1)")
            .bind(job_ids)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }
}
