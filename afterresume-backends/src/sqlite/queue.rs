//! [`Queue`] on SQLite: a table of messages; popping is one `DELETE ... RETURNING`.
//!
//! Pushes in this process wake poppers at once through a `Notify`; pushes from other
//! processes sharing the file are seen at the next poll, every [`POLL_STEP`].

use std::time::Duration;

use afterresume_core::Result;
use afterresume_core::domain::{LOWEST_PRIORITY, PRIORITY_AGING};
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use async_trait::async_trait;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::SqliteBackend;
use super::convert::micros;
use super::error::map_sqlx;
use crate::common::pop_waiting;

/// How often a waiting pop looks for messages pushed by other processes.
const POLL_STEP: Duration = Duration::from_millis(25);

/// The queue table of a [`SqliteBackend`]. Durable and shared by every process that
/// opens the file; a popped message is gone (ack is a no-op), and the engine's store
/// polling covers a crash between pop and claim.
#[derive(Debug, Clone)]
pub struct SqliteQueue {
    backend: SqliteBackend,
}

impl SqliteQueue {
    pub(super) fn new(backend: SqliteBackend) -> Self {
        SqliteQueue { backend }
    }

    async fn take_due(&self, max: usize) -> Result<Vec<Delivery>> {
        let now = micros(self.backend.clock.now());
        let rows = sqlx::query(
            "DELETE FROM queue_messages WHERE seq IN (SELECT seq FROM queue_messages \
             WHERE available_at + priority * 60000000 <= ?1 + ?3 AND available_at <= ?1 \
             ORDER BY available_at + priority * 60000000, seq LIMIT ?2) \
             RETURNING seq, job_id, available_at + priority * 60000000 AS claim_order",
        )
        .bind(now)
        .bind(max as i64)
        // No message due by now lies beyond the lowest priority's aging in
        // the `queue_messages_claim_order` index (migration `0008`).
        .bind(PRIORITY_AGING.as_micros() as i64 * i64::from(LOWEST_PRIORITY))
        .fetch_all(&self.backend.writer)
        .await
        .map_err(map_sqlx)?;
        let mut taken = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("claim_order").map_err(map_sqlx)?,
                    r.try_get::<i64, _>("seq").map_err(map_sqlx)?,
                    r.try_get("job_id").map_err(map_sqlx)?,
                ))
            })
            .collect::<Result<Vec<(i64, i64, uuid::Uuid)>>>()?;
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
impl Queue for SqliteQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, true)
    }

    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        for chunk in messages.chunks(300) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO queue_messages (job_id, available_at, priority) ");
            q.push_values(chunk, |mut row, m| {
                row.push_bind(m.job_id)
                    .push_bind(micros(m.available_at))
                    .push_bind(m.priority);
            });
            q.build()
                .execute(&self.backend.writer)
                .await
                .map_err(map_sqlx)?;
        }
        self.backend.notify.notify_waiters();
        Ok(())
    }

    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>> {
        let max = opts.max.max(1);
        pop_waiting(&self.backend.notify, POLL_STEP, opts.wait, || {
            self.take_due(max)
        })
        .await
    }

    async fn ack(&self, _deliveries: &[Delivery]) -> Result<()> {
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth> {
        let now = micros(self.backend.clock.now());
        let row = sqlx::query(
            "SELECT COALESCE(SUM(available_at <= ?1), 0) AS ready, COALESCE(SUM(available_at > ?1), 0) AS delayed FROM queue_messages",
        )
        .bind(now)
        .fetch_one(&self.backend.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(QueueDepth {
            ready: row.try_get::<i64, _>("ready").map_err(map_sqlx)? as u64,
            delayed: row.try_get::<i64, _>("delayed").map_err(map_sqlx)? as u64,
        })
    }
}
