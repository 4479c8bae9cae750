//! [`Queue`] that is the `jobs` table itself, for an engine whose job store is the
//! same SQLite file: no message rows to insert, pop and delete per job; workers claim
//! due jobs straight from the store (one write per batch instead of three).
//!
//! Pushes in this process wake waiting poppers at once (one popper for a single
//! job); jobs enqueued by other
//! processes sharing the file (or becoming due) are seen at the next look, every
//! [`POLL_STEP`].

use std::time::Duration;

use afterresume_core::Result;
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use async_trait::async_trait;
use sqlx::Row;

use super::SqliteBackend;
use std::sync::LazyLock;

use super::convert::micros;
use super::direct::{CLAIMABLE_BY, DUE_BY_CLAIM_ORDER};
use super::error::map_sqlx;
use crate::common::{wait_for_due_or_push, wake_poppers};

/// How often a waiting pop looks for due jobs it was not woken for.
const POLL_STEP: Duration = Duration::from_millis(25);

/// One claimable job due at `?1`, for the served queues `?2` (`NULL`: all).
static HAS_DUE_JOB: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT 1 FROM jobs WHERE {} AND {} LIMIT 1",
        *DUE_BY_CLAIM_ORDER,
        CLAIMABLE_BY.replace("?5", "?2")
    )
});

/// The `jobs` table of a [`SqliteBackend`] seen as a queue
/// ([`QueueCapabilities::claims_from_store`]). Use it only with that same backend
/// as the engine's job store: its `pop` reports due jobs of this file, never
/// deliveries.
#[derive(Debug, Clone)]
pub struct SqliteStoreQueue {
    backend: SqliteBackend,
}

impl SqliteStoreQueue {
    pub(super) fn new(backend: SqliteBackend) -> Self {
        SqliteStoreQueue { backend }
    }

    /// Whether a job a claim for `queues` could take is due.
    async fn has_due_job(&self, queues: Option<&[String]>) -> Result<bool> {
        let queues = queues.map(serde_json::to_string).transpose().map_err(|e| {
            afterresume_core::Error::unexpected("sqlite: queue names").with_source(e)
        })?;
        let found = sqlx::query(&HAS_DUE_JOB)
            .bind(micros(self.backend.clock.now()))
            .bind(queues)
            .fetch_optional(&self.backend.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(found.is_some())
    }
}

#[async_trait]
impl Queue for SqliteStoreQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, true).claiming_from_store()
    }

    /// The jobs are already rows of the store: only wake this process's poppers.
    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        if !messages.is_empty() {
            wake_poppers(&self.backend.notify, messages.len());
        }
        Ok(())
    }

    /// Returns no deliveries: waits (up to `wait`) until a due queued job exists or
    /// a push wakes it, for the caller to claim from the store.
    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>> {
        if !opts.wait.is_zero() {
            wait_for_due_or_push(&self.backend.notify, POLL_STEP, opts.wait, || {
                self.has_due_job(opts.queues.as_deref())
            })
            .await?;
        }
        Ok(Vec::new())
    }

    async fn ack(&self, _deliveries: &[Delivery]) -> Result<()> {
        Ok(())
    }

    /// Queued jobs of the store: due now, and waiting for their `run_at`.
    async fn depth(&self) -> Result<QueueDepth> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(run_at <= ?1), 0) AS ready, COALESCE(SUM(run_at > ?1), 0) AS delayed \
             FROM jobs WHERE status = 'queued'",
        )
        .bind(micros(self.backend.clock.now()))
        .fetch_one(&self.backend.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(QueueDepth {
            ready: row.try_get::<i64, _>("ready").map_err(map_sqlx)? as u64,
            delayed: row.try_get::<i64, _>("delayed").map_err(map_sqlx)? as u64,
        })
    }
}
