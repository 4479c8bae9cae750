//! Dead letters: jobs that ended `failed` (their retries spent, or a permanent
//! error) wait for an operator, who runs one again or purges them.

use serde_json::json;

use super::Engine;
use crate::Result;
use crate::domain::{EventLevel, EventSource, Job, JobId, JobStatus};
use crate::ports::JobFilter;

/// Jobs one purge reads and deletes per round.
const PURGE_BATCH: usize = 500;

impl Engine {
    /// Runs a failed or cancelled job again, as the same job: back in the queue
    /// with its retries counted from zero (see
    /// [`JobStore::requeue_finished`](crate::ports::JobStore::requeue_finished)),
    /// recorded on its timeline.
    pub async fn retry_job(&self, id: JobId) -> Result<Job> {
        let before = self.get_job(id).await?;
        let job = self.store().requeue_finished(id, self.now()).await?;
        self.recorder()
            .lifecycle(
                job.id,
                job.trace_id,
                EventLevel::Info,
                EventSource::System,
                "job retried by an operator",
                json!({ "was": before.status, "attempt": job.attempt }),
            )
            .await;
        self.publish(&job, job.run_at).await;
        Ok(job)
    }

    /// Deletes every `failed` job (of `job_type` when given) with its events;
    /// returns how many were deleted.
    pub async fn purge_failed(&self, job_type: Option<&str>) -> Result<usize> {
        let mut total = 0;
        loop {
            let filter = JobFilter {
                status: Some(JobStatus::Failed),
                job_type: job_type.map(str::to_owned),
                limit: PURGE_BATCH,
                ..Default::default()
            };
            let ids: Vec<JobId> = self
                .list_jobs(&filter)
                .await?
                .iter()
                .map(|j| j.id)
                .collect();
            if ids.is_empty() {
                return Ok(total);
            }
            let deleted = self.store().delete_finished_jobs(&ids).await?;
            self.event_sink().delete_for_jobs(&deleted).await?;
            total += deleted.len();
            if deleted.is_empty() {
                // Every listed job changed status meanwhile: nothing left to do.
                return Ok(total);
            }
        }
    }
}
