//! [`EventSink`] on SQLite: an append-only table indexed by (job_id, id).

use afterresume_core::Result;
use afterresume_core::domain::{Event, JobId, NewEvent};
use afterresume_core::ports::{EventSink, ListEventsOptions};
use async_trait::async_trait;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::SqliteBackend;
use super::convert::{json, micros, time};
use super::error::map_sqlx;

/// Events per insert statement: 7 bound values each, below SQLite's limit of 32,766.
pub(super) const EVENTS_PER_STATEMENT: usize = 1000;

/// Appends up to [`EVENTS_PER_STATEMENT`] events in one statement through any
/// connection (the writer, or a transaction on it).
pub(super) async fn append_on<'e, E>(executor: E, events: &[NewEvent]) -> Result<()>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    if events.is_empty() {
        return Ok(());
    }
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id) ",
    );
    q.push_values(events, |mut row, e| {
        row.push_bind(e.job_id)
            .push_bind(micros(e.timestamp))
            .push_bind(e.level.as_str())
            .push_bind(e.source.as_str())
            .push_bind(e.message.clone())
            .push_bind(e.data.to_string())
            .push_bind(e.trace_id);
    });
    q.build().execute(executor).await.map_err(map_sqlx)?;
    Ok(())
}

#[async_trait]
impl EventSink for SqliteBackend {
    async fn append(&self, events: &[NewEvent]) -> Result<()> {
        if events.len() <= EVENTS_PER_STATEMENT {
            return append_on(&self.writer, events).await;
        }
        // A call's events are stored whole or not at all.
        let mut tx = self.writer.begin().await.map_err(map_sqlx)?;
        for chunk in events.chunks(EVENTS_PER_STATEMENT) {
            append_on(&mut *tx, chunk).await?;
        }
        tx.commit().await.map_err(map_sqlx)
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
