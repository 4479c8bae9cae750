//! Maintenance: reaping expired leases and deleting old finished jobs.

use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Engine;
use super::jobs::to_delta;
use crate::Result;
use crate::domain::{EventLevel, EventSource, JobStatus};

/// How many jobs one reaper or retention pass handles at most.
const BATCH: usize = 500;

impl Engine {
    /// Returns running jobs whose lease expired to `queued` (or `failed` when their
    /// retries are spent), records why, and republishes the requeued ones.
    /// Returns how many jobs were reaped.
    pub async fn reap_expired_leases(&self) -> Result<usize> {
        let reaped = self.store().reap_expired(self.now(), BATCH).await?;
        for job in &reaped {
            let requeued = job.status == JobStatus::Queued;
            let (level, message) = if requeued {
                (EventLevel::Warning, "lease expired; job requeued")
            } else {
                (
                    EventLevel::Error,
                    "lease expired; no retries left, job failed",
                )
            };
            self.recorder()
                .lifecycle(
                    job.id,
                    job.trace_id,
                    level,
                    EventSource::System,
                    message,
                    json!({ "attempt": job.attempt, "retry_count": job.retry_count, "max_retries": job.max_retries }),
                )
                .await;
            if requeued {
                self.publish(job, job.run_at).await;
            }
        }
        Ok(reaped.len())
    }

    /// Publishes again the `queued` jobs that have been due for longer than
    /// `reconcile_after` while the queue holds nothing ready: the queue lost their
    /// messages (a flushed or restarted Redis). Duplicates are harmless, since claiming
    /// is the store's atomic transition. Returns how many jobs were published.
    pub async fn reconcile_queue(&self) -> Result<usize> {
        if self.queue().depth().await?.ready > 0 {
            return Ok(0);
        }
        let cutoff = self.now() - to_delta(self.config().reconcile_after)?;
        let lost = self.store().queued_due(cutoff, BATCH).await?;
        if lost.is_empty() {
            return Ok(0);
        }
        self.queue().push(&lost).await?;
        tracing::info!(
            jobs = lost.len(),
            "queue reconciler republished due jobs the queue did not hold"
        );
        Ok(lost.len())
    }

    /// Deletes finished jobs whose `finished_at` is older than `older_than`, and their
    /// events. Returns how many jobs were deleted.
    pub async fn purge_finished(&self, older_than: Duration) -> Result<usize> {
        let cutoff = self.now() - to_delta(older_than)?;
        let mut total = 0;
        loop {
            let ids = self.store().delete_finished_before(cutoff, BATCH).await?;
            if ids.is_empty() {
                return Ok(total);
            }
            self.event_sink().delete_for_jobs(&ids).await?;
            total += ids.len();
            if ids.len() < BATCH {
                return Ok(total);
            }
        }
    }

    pub(crate) async fn maintenance_loop(self, stop: CancellationToken) {
        let config = self.config().clone();
        let mut last_retention: Option<tokio::time::Instant> = None;
        while !stop.is_cancelled() {
            if let Err(err) = self.reap_expired_leases().await {
                tracing::warn!(error = %err, "lease reaper failed");
            }
            if let Err(err) = self.reconcile_queue().await {
                tracing::warn!(error = %err, "queue reconciler failed");
            }
            if let Some(retention) = config.retention {
                let due = last_retention.is_none_or(|t| t.elapsed() >= config.retention_interval);
                if due {
                    last_retention = Some(tokio::time::Instant::now());
                    match self.purge_finished(retention).await {
                        Ok(n) if n > 0 => {
                            tracing::info!(deleted = n, "retention deleted finished jobs")
                        }
                        Ok(_) => {}
                        Err(err) => tracing::warn!(error = %err, "retention failed"),
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(config.reap_interval) => {}
                _ = stop.cancelled() => {}
            }
        }
    }
}
