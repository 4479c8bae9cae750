//! [`Queue`] that is the `jobs` table itself, for an engine whose job store is the
//! same Postgres schema: no message rows to insert, pop and delete per job; workers
//! claim due jobs straight from the store (one statement per batch instead of a pop
//! and a claim, and no queue insert per enqueue).
//!
//! A push sends one `NOTIFY` (one statement per push call, never per job) on the
//! channel every process of the schema listens on, and wakes local poppers at once
//! (one popper for a single job: the others would only find it taken).
//! Poppers also look every [`PostgresOptions::poll_interval`], so delayed jobs and
//! missed notifications are picked up.
//!
//! [`PostgresOptions::poll_interval`]: super::PostgresOptions::poll_interval

use afterresume_core::Result;
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use async_trait::async_trait;
use sqlx::Row;

use std::sync::LazyLock;

use super::job_store::{DUE_BY_CLAIM_ORDER, NOT_PAUSED};
use super::{PostgresBackend, map_sqlx};
use crate::common::wait_for_due_or_push;

/// Whether a claimable job is due (`$1` now, `$2` the served queues or `NULL`),
/// dropping the message rows nobody needs.
static HAS_DUE_JOB: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH hints AS (DELETE FROM queue_messages RETURNING 1) \
         SELECT EXISTS (SELECT 1 FROM jobs WHERE {} AND {NOT_PAUSED} \
         AND ($2::text[] IS NULL OR array_position($2::text[], queue) IS NOT NULL))",
        DUE_BY_CLAIM_ORDER.replace("$3", "$1")
    )
});

/// The `jobs` table of a [`PostgresBackend`] seen as a queue
/// ([`QueueCapabilities::claims_from_store`]). Use it only with that same backend as
/// the engine's job store: its `pop` reports due jobs of this schema, never
/// deliveries.
///
/// Message rows that [`PostgresBackend::insert_job_in`] writes are only hints here:
/// an idle popper drops them (the jobs themselves are claimed from `jobs`).
#[derive(Debug, Clone)]
pub struct PostgresStoreQueue {
    backend: PostgresBackend,
}

impl PostgresStoreQueue {
    pub(super) fn new(backend: PostgresBackend) -> Self {
        PostgresStoreQueue { backend }
    }

    /// Whether a job a claim for `queues` could take is due.
    async fn has_due_job(&self, queues: Option<&[String]>) -> Result<bool> {
        // Deleting no rows writes no WAL: the idle look stays a read.
        let due: bool = sqlx::query_scalar(&HAS_DUE_JOB)
            .bind(self.backend.clock.now())
            .bind(queues)
            .fetch_one(&self.backend.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(due)
    }
}

#[async_trait]
impl Queue for PostgresStoreQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, true).claiming_from_store()
    }

    /// The jobs are already rows of the store: wake poppers here and elsewhere.
    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        self.backend.wakeups.wake(messages.len());
        if self.backend.options.notify {
            self.backend.announce(messages.len());
        }
        Ok(())
    }

    /// Returns no deliveries: waits (up to `wait`) until a due queued job exists or
    /// a push is announced, for the caller to claim from the store. After a push it
    /// does not look first: the caller's claim is the look.
    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>> {
        if opts.wait.is_zero() {
            return Ok(Vec::new());
        }
        self.backend.ensure_listener().await;
        wait_for_due_or_push(
            &self.backend.wakeups.notify,
            self.backend.options.poll_interval,
            opts.wait,
            || self.has_due_job(opts.queues.as_deref()),
        )
        .await?;
        Ok(Vec::new())
    }

    async fn ack(&self, _deliveries: &[Delivery]) -> Result<()> {
        Ok(())
    }

    /// Queued jobs of the store: due now, and waiting for their `run_at`.
    async fn depth(&self) -> Result<QueueDepth> {
        let row = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE run_at <= $1) AS ready, \
             COUNT(*) FILTER (WHERE run_at > $1) AS delayed FROM jobs WHERE status = 'queued'",
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
