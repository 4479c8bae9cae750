use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::UserId;

/// A job id.
pub type JobId = Uuid;

super::string_enum! {
    /// Where a job is in its life: `queued -> running -> success | failed`;
    /// `cancelled` from `queued` or `running`.
    JobStatus {
        /// Waiting for a worker (possibly until `run_at`).
        Queued => "queued",
        /// Claimed by a worker holding a lease.
        Running => "running",
        /// Finished successfully; `result` holds the output.
        Success => "success",
        /// Failed for good; `error` says why.
        Failed => "failed",
        /// Cancelled before or during execution.
        Cancelled => "cancelled",
    }
}

impl JobStatus {
    /// Whether the job will never run again.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobStatus::Success | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

super::string_enum! {
    /// Why a job exists.
    Trigger {
        /// A user asked for it (HTTP, Python, CLI).
        Api => "api",
        /// A schedule fired.
        Schedule => "schedule",
        /// The engine itself (chaining, maintenance).
        System => "system",
        /// Re-queued automatically after a retryable failure, or run again
        /// by an operator.
        Retry => "retry",
        /// An operator's command line (`afterresume enqueue`).
        Cli => "cli",
    }
}

/// A unit of background work and its whole state.
///
/// Lease fields (`attempt`, `lease_expires_at`, `worker_id`) belong to the engine: a
/// worker owns a running job only while it holds the lease of the current `attempt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Id.
    pub id: JobId,
    /// Registered job type ("worklog.analyze").
    #[serde(rename = "type")]
    pub job_type: String,
    /// Status.
    pub status: JobStatus,
    /// Why the job exists (the latest reason: `retry` after an automatic retry).
    pub trigger: Trigger,
    /// Input.
    pub payload: Value,
    /// Output of a successful run.
    pub result: Option<Value>,
    /// Last error message.
    pub error: Option<String>,
    /// Retries used so far.
    pub retry_count: u32,
    /// Retries allowed.
    pub max_retries: u32,
    /// Deduplication key: at most one job per key.
    pub idempotency_key: Option<String>,
    /// The job that enqueued this one.
    pub parent_job_id: Option<JobId>,
    /// The user the job works for.
    pub user_id: Option<UserId>,
    /// Correlates every event of a job tree.
    pub trace_id: Uuid,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// 1 (most urgent) to 4; see [`claim_order`](super::claim_order) for how
    /// priorities age.
    #[serde(default = "default_priority")]
    pub priority: i16,
    /// The named queue the job waits in; a worker process serves a set of them.
    #[serde(default = "default_queue")]
    pub queue: String,
    /// Jobs sharing a concurrency key run at most N at once across every
    /// process (N is the type's concurrency limit, 1 when it sets none).
    #[serde(default)]
    pub concurrency_key: Option<String>,
    /// Claims so far; the fencing token of the current lease.
    pub attempt: u32,
    /// When the current lease expires (running jobs only).
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Who holds the lease.
    pub worker_id: Option<String>,
    /// A cancellation was requested while running.
    pub cancel_requested: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// First start.
    pub started_at: Option<DateTime<Utc>>,
    /// End time.
    pub finished_at: Option<DateTime<Utc>>,
}

fn default_priority() -> i16 {
    super::DEFAULT_PRIORITY
}

fn default_queue() -> String {
    super::DEFAULT_QUEUE.to_owned()
}

/// What a store needs to create a job. The engine fills it; stores do not validate
/// job types (the registry does).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Id, chosen by the engine (UUID v7, time ordered).
    pub id: JobId,
    /// Job type.
    pub job_type: String,
    /// Trigger.
    pub trigger: Trigger,
    /// Payload (a JSON object).
    pub payload: Value,
    /// Retries allowed.
    pub max_retries: u32,
    /// Deduplication key.
    pub idempotency_key: Option<String>,
    /// Parent job.
    pub parent_job_id: Option<JobId>,
    /// User.
    pub user_id: Option<UserId>,
    /// Trace id.
    pub trace_id: Uuid,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// Priority (1 most urgent to 4).
    pub priority: i16,
    /// Named queue.
    pub queue: String,
    /// Concurrency key.
    pub concurrency_key: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl NewJob {
    /// The job record this creates: `queued`, no attempts yet.
    pub fn into_job(self) -> Job {
        Job {
            id: self.id,
            job_type: self.job_type,
            status: JobStatus::Queued,
            trigger: self.trigger,
            payload: self.payload,
            result: None,
            error: None,
            retry_count: 0,
            max_retries: self.max_retries,
            idempotency_key: self.idempotency_key,
            parent_job_id: self.parent_job_id,
            user_id: self.user_id,
            trace_id: self.trace_id,
            run_at: self.run_at,
            priority: self.priority,
            queue: self.queue,
            concurrency_key: self.concurrency_key,
            attempt: 0,
            lease_expires_at: None,
            worker_id: None,
            cancel_requested: false,
            created_at: self.created_at,
            started_at: None,
            finished_at: None,
        }
    }
}
