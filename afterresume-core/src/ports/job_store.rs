use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::Result;
use crate::domain::{EventLevel, EventSource, Job, JobId, JobStatus, NewEvent, NewJob, UserId};
use crate::ports::{JobEventWriter, QueueMessage, ScheduleStore};

/// What a job store can do beyond the contract every store keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobStoreCapabilities {
    /// Several processes may share the store (SQLite file, Postgres); the in-memory
    /// store lives and dies with one process.
    pub shared_across_processes: bool,
    /// The store runs one write at a time (SQLite's single writer): callers gain
    /// nothing by writing to it in parallel, and their writes wait for each other.
    pub serial_writes: bool,
}

impl JobStoreCapabilities {
    /// Capabilities with `shared_across_processes` set as given.
    pub fn new(shared_across_processes: bool) -> Self {
        JobStoreCapabilities {
            shared_across_processes,
            serial_writes: false,
        }
    }

    /// Marks the store as one that runs one write at a time.
    pub fn with_serial_writes(mut self) -> Self {
        self.serial_writes = true;
        self
    }
}

/// One result of [`JobStore::insert_jobs`].
#[derive(Debug, Clone, PartialEq)]
pub struct InsertedJob {
    /// The job: the new one, or the existing one with the same idempotency key.
    pub job: Job,
    /// `false` when an existing job was returned.
    pub created: bool,
}

/// Who claims and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimOptions {
    /// The claiming worker's id (for operators; fencing uses the attempt number).
    pub worker_id: String,
    /// The current time, from the engine's clock.
    pub now: DateTime<Utc>,
    /// When the new lease expires unless extended by a heartbeat.
    pub lease_expires_at: DateTime<Utc>,
    /// Claim only jobs of these named queues; `None` serves every queue.
    pub queues: Option<Arc<[String]>>,
}

impl ClaimOptions {
    /// The event that announces a claim on the job's timeline: "job started", with
    /// the attempt, the claiming worker and the retries so far. The engine writes one
    /// per claimed job; a store's `claim_*_with_events` writes exactly this in the
    /// claim's own transaction.
    pub fn started_event(&self, job: &Job) -> NewEvent {
        NewEvent {
            job_id: job.id,
            timestamp: self.now,
            level: EventLevel::Info,
            source: EventSource::Worker,
            message: STARTED_MESSAGE.to_owned(),
            data: serde_json::json!({
                "attempt": job.attempt,
                "worker_id": self.worker_id,
                "retry_count": job.retry_count,
            }),
            trace_id: job.trace_id,
        }
    }
}

/// The message of [`ClaimOptions::started_event`].
pub const STARTED_MESSAGE: &str = "job started";

/// A worker's hold on a running job. `attempt` is the fencing token: only the holder of
/// the current attempt may heartbeat or finish the job.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The job.
    pub job_id: JobId,
    /// The attempt number the claim produced.
    pub attempt: u32,
}

impl Lease {
    /// The lease a claimed (running) job carries.
    pub fn of(job: &Job) -> Lease {
        Lease {
            job_id: job.id,
            attempt: job.attempt,
        }
    }
}

/// How a running job ends its attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// `running -> success` with a result.
    Succeeded {
        /// The workflow's output.
        result: Value,
    },
    /// `running -> failed`.
    Failed {
        /// Why.
        error: String,
    },
    /// `running -> queued` with `retry_count + 1`, trigger `retry`, not before `run_at`.
    Retry {
        /// The error that caused the retry.
        error: String,
        /// Earliest next run.
        run_at: DateTime<Utc>,
    },
    /// `running -> cancelled`.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// `running -> queued` without spending a retry (graceful shutdown gave it back).
    Released,
    /// `running -> queued` without spending a retry, not before `run_at`: the
    /// workflow asked to wait (see `ExecutionContext::snooze`).
    Snoozed {
        /// Earliest next run.
        run_at: DateTime<Utc>,
    },
}

/// What an operator can pause: a named queue, or a job type in every queue.
/// Paused work stays `queued`; no worker claims it until it is resumed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PauseTarget {
    /// Every job of the named queue.
    Queue(String),
    /// Every job of the type.
    JobType(String),
}

impl PauseTarget {
    /// `queue` or `type`, as stores keep it.
    pub fn kind(&self) -> &'static str {
        match self {
            PauseTarget::Queue(_) => "queue",
            PauseTarget::JobType(_) => "type",
        }
    }

    /// The queue's or the type's name.
    pub fn name(&self) -> &str {
        match self {
            PauseTarget::Queue(name) | PauseTarget::JobType(name) => name,
        }
    }

    /// The target a store row names (`kind` is [`PauseTarget::kind`]); an
    /// unknown kind is a store that holds something this code never wrote.
    pub fn from_parts(kind: &str, name: String) -> crate::Result<PauseTarget> {
        match kind {
            "queue" => Ok(PauseTarget::Queue(name)),
            "type" => Ok(PauseTarget::JobType(name)),
            _ => Err(crate::Error::unexpected(format!(
                "job_pauses: unknown kind {kind:?}"
            ))),
        }
    }

    /// Whether a job is held by this pause.
    pub fn holds(&self, job: &Job) -> bool {
        match self {
            PauseTarget::Queue(name) => &job.queue == name,
            PauseTarget::JobType(name) => &job.job_type == name,
        }
    }
}

/// A pause in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// What is paused.
    pub target: PauseTarget,
    /// Since when.
    pub paused_at: DateTime<Utc>,
}

/// One named queue as operators see it: its waiting and running jobs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// The queue's name.
    pub queue: String,
    /// Queued and due.
    pub ready: u64,
    /// Queued for later.
    pub delayed: u64,
    /// Running now.
    pub running: u64,
    /// The oldest due job's `run_at`.
    pub oldest_ready_at: Option<DateTime<Utc>>,
}

/// The error of [`JobStore::requeue_finished`] for a job in another status.
pub fn requeue_conflict(id: JobId, status: JobStatus) -> crate::Error {
    crate::Error::conflict(format!(
        "job {id} is {status}: only failed or cancelled jobs can be retried"
    ))
}

/// The result of [`JobStore::cancel_job`].
#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    /// The job was queued and is now `cancelled`.
    Cancelled(Job),
    /// The job is running; `cancel_requested` is set and its worker will stop it.
    Requested(Job),
}

impl CancelOutcome {
    /// The job after the call.
    pub fn job(&self) -> &Job {
        match self {
            CancelOutcome::Cancelled(job) | CancelOutcome::Requested(job) => job,
        }
    }
}

/// Which jobs to list: newest first (created_at, then id, descending), keyset paginated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilter {
    /// Only this status.
    pub status: Option<JobStatus>,
    /// Only this type.
    pub job_type: Option<String>,
    /// Only jobs of this named queue.
    pub queue: Option<String>,
    /// Only jobs with this concurrency key.
    pub concurrency_key: Option<String>,
    /// Only this user's jobs.
    pub user_id: Option<UserId>,
    /// Only children of this job.
    pub parent_job_id: Option<JobId>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    /// Keyset cursor: strictly after this (created_at, id) in list order.
    pub after: Option<(DateTime<Utc>, JobId)>,
    /// Page size (1..=1000); 0 means 50.
    pub limit: usize,
}

impl JobFilter {
    /// The effective page size.
    pub fn effective_limit(&self) -> usize {
        match self.limit {
            0 => 50,
            n => n.min(1000),
        }
    }

    /// Whether a job passes every filter (the cursor included).
    pub fn matches(&self, job: &Job) -> bool {
        self.status.is_none_or(|s| job.status == s)
            && self.job_type.as_ref().is_none_or(|t| &job.job_type == t)
            && self.queue.as_ref().is_none_or(|q| &job.queue == q)
            && self
                .concurrency_key
                .as_ref()
                .is_none_or(|k| job.concurrency_key.as_ref() == Some(k))
            && self.user_id.is_none_or(|u| job.user_id == Some(u))
            && self
                .parent_job_id
                .is_none_or(|p| job.parent_job_id == Some(p))
            && self.created_from.is_none_or(|t| job.created_at >= t)
            && self.created_to.is_none_or(|t| job.created_at < t)
            && self
                .after
                .is_none_or(|(t, id)| (job.created_at, job.id) < (t, id))
    }
}

/// One row of [`JobStore::job_counts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    /// Job type.
    pub job_type: String,
    /// Status.
    pub status: JobStatus,
    /// How many.
    pub count: u64,
}

/// Jobs: the single source of truth of the engine. Every job store keeps its
/// schedules too ([`ScheduleStore`], a port of its own), so one database
/// holds everything a crash must not lose.
///
/// # Contract
/// - Every state transition is atomic and conditional on the current state: two callers
///   racing for the same transition see exactly one winner.
/// - `claim_*` moves `queued -> running` only for jobs whose `run_at <= now`, of
///   the queues the claim serves ([`ClaimOptions::queues`]), and not held by a
///   pause ([`JobStore::set_paused`]); increments `attempt` and sets the lease.
///   `claim_due` takes them in [`claim_order`](crate::domain::claim_order)
///   (priority aged by waiting time), then by id. The new `attempt` is the fencing token: `heartbeat`
///   and `finish_jobs` with any other attempt, or on a job that is no longer `running`,
///   fail (that item) with [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) and
///   change nothing.
/// - `insert_jobs` with an idempotency key that already exists returns the existing
///   job (`created: false`) and never creates a second one, even under concurrency.
///
/// Stores implement the batch calls; [`JobStoreExt`] gives every store the
/// single-job forms (`insert_job`, `claim_job`, `finish_job`) on top of them.
/// - Stores never read the wall clock: every time comes from the caller.
/// - Missing entities are [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
#[async_trait]
pub trait JobStore: ScheduleStore + Send + Sync + Debug + 'static {
    /// What this store can do.
    fn capabilities(&self) -> JobStoreCapabilities;

    /// Creates `queued` jobs, in one round trip where the store can; a job whose
    /// idempotency key exists already is returned instead (`created: false`), and a
    /// key repeated within the batch yields one job. Results are in input order.
    /// A batch of one is the engine's single enqueue: make it the cheapest write.
    async fn insert_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>>;

    /// The store's way of writing a job's events in the same transaction as the
    /// job, when it keeps the event timeline in its own database (it is also the
    /// [`EventSink`](crate::ports::EventSink)). `None` (the default): events go
    /// to the engine's sink in writes of their own.
    fn event_writer(&self) -> Option<&dyn JobEventWriter> {
        None
    }

    /// One job by id.
    async fn get_job(&self, id: JobId) -> Result<Job>;

    /// Jobs matching a filter, newest first.
    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>>;

    /// Claims those of `ids` that are `queued` and due, in one round trip where the
    /// store can (a worker's batch of queue deliveries). Unclaimable ids (already
    /// running, finished, cancelled, not yet due, or deleted) are skipped.
    async fn claim_jobs(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>>;

    /// Claims up to `limit` due `queued` jobs, earliest
    /// [`claim_order`](crate::domain::claim_order) first.
    async fn claim_due(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>>;

    /// Up to `limit` `queued` jobs with `run_at <= due_before`, earliest first, as
    /// queue messages: what the queue reconciler publishes again after a queue lost
    /// its data.
    async fn queued_due(
        &self,
        due_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueueMessage>>;

    /// Extends a lease. Returns the job so the worker sees `cancel_requested`.
    async fn heartbeat(&self, lease: &Lease, lease_expires_at: DateTime<Utc>) -> Result<Job>;

    /// Ends the attempts the leases hold, as the outcomes say, one result per item
    /// in order: a stale lease is that item's `Conflict`, and the others still
    /// apply. `Err` for the whole call means nothing is known to have been written.
    async fn finish_jobs(
        &self,
        items: Vec<(Lease, JobOutcome)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>>;

    /// Cancels a queued job now, or asks the worker of a running job to stop.
    /// A finished job gives [`ErrorKind::Conflict`](crate::ErrorKind::Conflict).
    async fn cancel_job(&self, id: JobId, now: DateTime<Utc>) -> Result<CancelOutcome>;

    /// Returns up to `limit` `running` jobs whose lease expired before `now` to `queued`
    /// (`retry_count + 1`, runnable at once) or, when no retries remain, to `failed`.
    /// Returns the jobs as they are after the transition.
    async fn reap_expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Job>>;

    /// Deletes up to `limit` finished jobs whose `finished_at` is before `cutoff`;
    /// returns their ids so their events can be deleted too.
    async fn delete_finished_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<JobId>>;

    /// Job counts by type and status.
    async fn job_counts(&self) -> Result<Vec<JobCount>>;

    /// Puts a `failed` or `cancelled` job back in the queue for a new try (an
    /// operator's retry of a dead letter): `queued`, due at `now`, trigger
    /// `retry`, retries counted from zero again, without the last run's error,
    /// result, finish time and lease; its id, payload and attempts stay.
    /// Another status is a conflict; an unknown id is `NotFound`.
    async fn requeue_finished(&self, id: JobId, now: DateTime<Utc>) -> Result<Job>;

    /// Deletes those of `ids` that are finished (`success`, `failed`,
    /// `cancelled`) and returns their ids; queued and running ones stay.
    async fn delete_finished_jobs(&self, ids: &[JobId]) -> Result<Vec<JobId>>;

    /// Takes `key` off job `id` if the job still holds it (a compare-and-set),
    /// so a new job may take it; returns whether it did. The job keeps
    /// everything else.
    async fn release_idempotency_key(&self, id: JobId, key: &str) -> Result<bool>;

    /// Pauses (`paused`) or resumes a queue or a job type for every process on
    /// the store; returns whether that changed anything (pausing twice keeps
    /// the first `paused_at`). From the call's return on, no `claim_*` takes a
    /// job the pause holds.
    async fn set_paused(
        &self,
        target: &PauseTarget,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// The pauses in force, by kind then name.
    async fn pauses(&self) -> Result<Vec<Pause>>;

    /// Every queue that has queued or running jobs, by name, with jobs due at
    /// `now` counted as ready.
    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<Vec<QueueStats>>;
}

/// The single-job forms of [`JobStore`]'s batch calls, for every job store: a
/// store implements the batches, and callers that hold one job use these.
#[async_trait]
pub trait JobStoreExt: JobStore {
    /// Creates a `queued` job, or returns the job that already has its idempotency key.
    async fn insert_job(&self, job: NewJob) -> Result<InsertedJob> {
        self.insert_jobs(vec![job])
            .await?
            .pop()
            .ok_or_else(|| crate::Error::unexpected("the store inserted nothing"))
    }

    /// Claims one job by id if it is `queued` and due; `None` if it is not claimable.
    async fn claim_job(&self, id: JobId, opts: &ClaimOptions) -> Result<Option<Job>> {
        Ok(self.claim_jobs(&[id], opts).await?.pop())
    }

    /// Ends the attempt a lease holds, as the outcome says.
    async fn finish_job(
        &self,
        lease: &Lease,
        outcome: JobOutcome,
        now: DateTime<Utc>,
    ) -> Result<Job> {
        self.finish_jobs(vec![(lease.clone(), outcome)], now)
            .await?
            .pop()
            .unwrap_or_else(|| Err(crate::Error::unexpected("the store finished nothing")))
    }
}

impl<S: JobStore + ?Sized> JobStoreExt for S {}

#[cfg(test)]
mod tests {
    use super::PauseTarget;

    #[test]
    fn a_pause_target_reads_back_from_its_kind_and_name() {
        for target in [
            PauseTarget::Queue("bulk".to_owned()),
            PauseTarget::JobType("skills.extract".to_owned()),
        ] {
            let read = PauseTarget::from_parts(target.kind(), target.name().to_owned());
            assert_eq!(read.unwrap(), target);
        }
        let unknown = PauseTarget::from_parts("user", "x".to_owned()).unwrap_err();
        assert!(
            unknown.message().contains("unknown kind \"user\""),
            "{unknown}"
        );
    }
}
