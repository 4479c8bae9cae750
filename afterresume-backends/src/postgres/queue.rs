//! [`Queue`] on Postgres: a message table popped with `DELETE ... SKIP LOCKED`, woken
//! by one `NOTIFY` per push (not per message) and by polling.

use afterresume_core::Result;
use afterresume_core::domain::JobId;
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::{PostgresBackend, channel, map_sqlx};
use crate::common::pop_waiting;

/// The queue table of a [`PostgresBackend`]. Durable and shared by every process on
/// the schema; a popped message is gone (ack is a no-op), and the engine's store
/// polling covers a crash between pop and claim.
#[derive(Debug, Clone)]
pub struct PostgresQueue {
    backend: PostgresBackend,
}

/// Inserts messages and notifies listeners, in one statement, through any connection
/// (inside a transaction the notification is sent on commit). `payload` is
/// [`Wakeups::payload`](super::Wakeups) of the pushing backend, or empty when the
/// push comes from no backend (every listener then wakes all its poppers).
pub(super) async fn push_in(
    conn: &mut PgConnection,
    messages: &[QueueMessage],
    payload: &str,
) -> Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let ids: Vec<JobId> = messages.iter().map(|m| m.job_id).collect();
    let times: Vec<DateTime<Utc>> = messages.iter().map(|m| m.available_at).collect();
    let priorities: Vec<i16> = messages.iter().map(|m| m.priority).collect();
    sqlx::query(
        "WITH pushed AS (INSERT INTO queue_messages (job_id, available_at, priority) \
           SELECT j, a, p FROM UNNEST($1::uuid[], $2::timestamptz[], $3::int2[]) \
           WITH ORDINALITY AS m(j, a, p, n) ORDER BY n RETURNING 1) \
         SELECT pg_notify('afterresume_queue_' || current_schema(), $4) FROM (SELECT 1) once \
         WHERE EXISTS (SELECT 1 FROM pushed)",
    )
    .bind(&ids)
    .bind(&times)
    .bind(&priorities)
    .bind(payload)
    .execute(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    Ok(())
}

impl PostgresQueue {
    pub(super) fn new(backend: PostgresBackend) -> Self {
        PostgresQueue { backend }
    }

    /// The NOTIFY channel pushes to this queue are announced on.
    pub fn channel(&self) -> String {
        channel(self.backend.schema())
    }

    async fn take_due(&self, max: usize) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "DELETE FROM queue_messages WHERE seq IN (SELECT seq FROM queue_messages WHERE available_at <= $1 \
             ORDER BY afterresume_claim_order(available_at, priority), seq LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING seq, job_id, afterresume_claim_order(available_at, priority) AS claim_order",
        )
        .bind(self.backend.clock.now())
        .bind(max as i64)
        .fetch_all(&self.backend.pool)
        .await
        .map_err(map_sqlx)?;
        let mut taken = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<DateTime<Utc>, _>("claim_order")
                        .map_err(map_sqlx)?,
                    r.try_get::<i64, _>("seq").map_err(map_sqlx)?,
                    r.try_get::<JobId, _>("job_id").map_err(map_sqlx)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        taken.sort();
        Ok(taken
            .into_iter()
            .map(|(_, seq, job_id)| Delivery {
                job_id,
                receipt: seq.to_string(),
            })
            .collect())
    }
}

#[async_trait]
impl Queue for PostgresQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, true)
    }

    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        let mut conn = self.backend.pool.acquire().await.map_err(map_sqlx)?;
        let wakeups = &self.backend.wakeups;
        push_in(&mut conn, messages, &wakeups.payload(messages.len())).await?;
        // Local poppers need not wait for the round trip through LISTEN.
        wakeups.wake(messages.len());
        Ok(())
    }

    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>> {
        self.backend.ensure_listener().await;
        let max = opts.max.max(1);
        pop_waiting(
            &self.backend.wakeups.notify,
            self.backend.options.poll_interval,
            opts.wait,
            || self.take_due(max),
        )
        .await
    }

    async fn ack(&self, _deliveries: &[Delivery]) -> Result<()> {
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth> {
        let row = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE available_at <= $1) AS ready, \
             COUNT(*) FILTER (WHERE available_at > $1) AS delayed FROM queue_messages",
        )
        .bind(self.backend.clock.now())
        .fetch_one(&self.backend.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(QueueDepth {
            ready: row.try_get::<i64, _>("ready").map_err(map_sqlx)? as u64,
            delayed: row.try_get::<i64, _>("delayed").map_err(map_sqlx)? as u64,
        })
    }
}
