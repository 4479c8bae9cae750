//! In-memory [`JobStore`]: one mutex over maps plus the indices that keep claiming,
//! reaping and idempotency lookups logarithmic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use afterresume_core::domain::{
    Job, JobId, JobStatus, LOWEST_PRIORITY, NewJob, NewSchedule, PRIORITY_AGING, Schedule,
    ScheduleId, Trigger, claim_order,
};
use afterresume_core::ports::{
    CancelOutcome, ClaimOptions, InsertedJob, JobCount, JobFilter, JobOutcome, JobStore,
    JobStoreCapabilities, Lease, Pause, PauseTarget, QueueMessage, QueueStats, ScheduleStore,
    requeue_conflict,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Jobs and schedules in memory, for tests and single-process embedding.
#[derive(Debug, Default)]
pub struct MemoryJobStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    jobs: HashMap<JobId, Job>,
    by_key: HashMap<String, JobId>,
    /// Queued jobs by ([`claim_order`], id): the claim order.
    queued: BTreeSet<(DateTime<Utc>, JobId)>,
    /// Pauses in force, with their start.
    pauses: BTreeMap<PauseTarget, DateTime<Utc>>,
    /// Running jobs by (lease expiry, id): the reap order.
    leases: BTreeSet<(DateTime<Utc>, JobId)>,
    schedules: BTreeMap<ScheduleId, Schedule>,
    next_schedule_id: ScheduleId,
}

impl MemoryJobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// Stores a new job, or returns the one that has its idempotency key.
    fn insert(&mut self, new: NewJob) -> Result<InsertedJob> {
        if let Some(key) = &new.idempotency_key
            && let Some(existing) = self.by_key.get(key).and_then(|id| self.jobs.get(id))
        {
            return Ok(InsertedJob {
                job: existing.clone(),
                created: false,
            });
        }
        if self.jobs.contains_key(&new.id) {
            return Err(Error::already_exists(format!(
                "job {} already exists",
                new.id
            )));
        }
        let job = new.into_job();
        if let Some(key) = &job.idempotency_key {
            self.by_key.insert(key.clone(), job.id);
        }
        self.index(&job);
        self.jobs.insert(job.id, job.clone());
        Ok(InsertedJob { job, created: true })
    }

    fn index(&mut self, job: &Job) {
        index(&mut self.queued, &mut self.leases, job);
    }

    /// Applies a change to a job in place, keeping the indices in step. `change`
    /// returns an error only before it has touched the job.
    fn update<T>(&mut self, id: JobId, change: impl FnOnce(&mut Job) -> Result<T>) -> Result<T> {
        let State {
            jobs,
            queued,
            leases,
            ..
        } = self;
        let job = jobs
            .get_mut(&id)
            .ok_or_else(|| Error::not_found(format!("job {id} not found")))?;
        let (status, order, lease_expires_at) = (
            job.status,
            claim_order(job.run_at, job.priority),
            job.lease_expires_at,
        );
        let out = change(job)?;
        if status == JobStatus::Queued {
            queued.remove(&(order, id));
        }
        if let Some(expiry) = lease_expires_at {
            leases.remove(&(expiry, id));
        }
        index(queued, leases, job);
        Ok(out)
    }

    fn claim(&mut self, id: JobId, opts: &ClaimOptions) -> Option<Job> {
        let job = self.jobs.get(&id)?;
        if job.status != JobStatus::Queued || job.run_at > opts.now || !self.claimable(job, opts) {
            return None;
        }
        self.update(id, |job| {
            job.status = JobStatus::Running;
            job.attempt += 1;
            job.lease_expires_at = Some(opts.lease_expires_at);
            job.worker_id = Some(opts.worker_id.clone());
            job.started_at.get_or_insert(opts.now);
            Ok(job.clone())
        })
        .ok()
    }

    /// Whether a queued job is in the claim's queues and not held by a pause.
    fn claimable(&self, job: &Job, opts: &ClaimOptions) -> bool {
        opts.queues
            .as_ref()
            .is_none_or(|queues| queues.iter().any(|q| q == &job.queue))
            && !self.pauses.keys().any(|pause| pause.holds(job))
    }

    /// Queued jobs in claim order that may be due at `now`: a job's claim order
    /// is at most [`LOWEST_PRIORITY`] aging steps after its `run_at`, so none
    /// further on can be.
    fn queued_until(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Job> + '_ {
        let horizon = now + PRIORITY_AGING * LOWEST_PRIORITY as u32;
        self.queued
            .iter()
            .take_while(move |(order, _)| *order <= horizon)
            .filter_map(|(_, id)| self.jobs.get(id))
            .filter(move |job| job.run_at <= now)
    }

    fn finish(&mut self, lease: &Lease, outcome: JobOutcome, now: DateTime<Utc>) -> Result<Job> {
        self.holder(lease)?;
        self.update(lease.job_id, |job| {
            apply_outcome(job, outcome, now);
            Ok(job.clone())
        })
    }

    fn holder(&self, lease: &Lease) -> Result<&Job> {
        let job = self
            .jobs
            .get(&lease.job_id)
            .ok_or_else(|| Error::not_found(format!("job {} not found", lease.job_id)))?;
        if job.status != JobStatus::Running || job.attempt != lease.attempt {
            return Err(lease_lost(lease, job));
        }
        Ok(job)
    }
}

/// Files a job under the index its status calls for.
fn index(
    queued: &mut BTreeSet<(DateTime<Utc>, JobId)>,
    leases: &mut BTreeSet<(DateTime<Utc>, JobId)>,
    job: &Job,
) {
    match job.status {
        JobStatus::Queued => {
            queued.insert((claim_order(job.run_at, job.priority), job.id));
        }
        JobStatus::Running => {
            if let Some(expiry) = job.lease_expires_at {
                leases.insert((expiry, job.id));
            }
        }
        _ => {}
    }
}

pub(crate) fn lease_lost(lease: &Lease, job: &Job) -> Error {
    Error::conflict(format!(
        "lease lost: job {} is {} at attempt {}, not running at attempt {}",
        job.id, job.status, job.attempt, lease.attempt
    ))
}

/// How a finished attempt changes a job held by a valid lease. The SQL backends encode
/// the same rules in their statements; the conformance suite checks they agree.
fn apply_outcome(job: &mut Job, outcome: JobOutcome, now: DateTime<Utc>) {
    job.lease_expires_at = None;
    match outcome {
        JobOutcome::Succeeded { result } => {
            job.status = JobStatus::Success;
            job.result = Some(result);
            job.error = None;
            job.finished_at = Some(now);
        }
        JobOutcome::Failed { error } => {
            job.status = JobStatus::Failed;
            job.error = Some(error);
            job.finished_at = Some(now);
        }
        JobOutcome::Retry { error, run_at } => {
            job.status = JobStatus::Queued;
            job.error = Some(error);
            job.retry_count += 1;
            job.trigger = Trigger::Retry;
            job.run_at = run_at;
        }
        JobOutcome::Cancelled { reason } => {
            job.status = JobStatus::Cancelled;
            job.error = Some(reason);
            job.finished_at = Some(now);
        }
        JobOutcome::Released => {
            job.status = JobStatus::Queued;
            job.run_at = now;
        }
        JobOutcome::Snoozed { run_at } => {
            job.status = JobStatus::Queued;
            job.run_at = run_at;
        }
    }
}

#[async_trait]
impl JobStore for MemoryJobStore {
    fn capabilities(&self) -> JobStoreCapabilities {
        JobStoreCapabilities::new(false)
    }

    async fn insert_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        let mut state = self.lock();
        jobs.into_iter().map(|new| state.insert(new)).collect()
    }

    async fn get_job(&self, id: JobId) -> Result<Job> {
        self.lock()
            .jobs
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("job {id} not found")))
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let state = self.lock();
        // The running jobs are the few in `leases`: a start's concurrency
        // check lists them, and must not walk every job ever stored.
        let candidates: Box<dyn Iterator<Item = &Job>> = match filter.status {
            Some(JobStatus::Running) => {
                Box::new(state.leases.iter().filter_map(|(_, id)| state.jobs.get(id)))
            }
            _ => Box::new(state.jobs.values()),
        };
        let mut jobs: Vec<Job> = candidates.filter(|j| filter.matches(j)).cloned().collect();
        jobs.sort_by_key(|j| std::cmp::Reverse((j.created_at, j.id)));
        jobs.truncate(filter.effective_limit());
        Ok(jobs)
    }

    async fn claim_due(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>> {
        let mut state = self.lock();
        let due: Vec<JobId> = state
            .queued_until(opts.now)
            .filter(|job| state.claimable(job, opts))
            .take(limit)
            .map(|job| job.id)
            .collect();
        Ok(due
            .into_iter()
            .filter_map(|id| state.claim(id, opts))
            .collect())
    }

    async fn claim_jobs(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>> {
        let mut state = self.lock();
        Ok(ids.iter().filter_map(|id| state.claim(*id, opts)).collect())
    }

    async fn queued_due(
        &self,
        due_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueueMessage>> {
        Ok(self
            .lock()
            .queued_until(due_before)
            .take(limit)
            .map(QueueMessage::of)
            .collect())
    }

    async fn heartbeat(&self, lease: &Lease, lease_expires_at: DateTime<Utc>) -> Result<Job> {
        let mut state = self.lock();
        state.holder(lease)?;
        state.update(lease.job_id, |job| {
            job.lease_expires_at = Some(lease_expires_at);
            Ok(job.clone())
        })
    }

    async fn finish_jobs(
        &self,
        items: Vec<(Lease, JobOutcome)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>> {
        let mut state = self.lock();
        Ok(items
            .into_iter()
            .map(|(lease, outcome)| state.finish(&lease, outcome, now))
            .collect())
    }

    async fn cancel_job(&self, id: JobId, now: DateTime<Utc>) -> Result<CancelOutcome> {
        self.lock().update(id, |job| match job.status {
            JobStatus::Queued => {
                job.status = JobStatus::Cancelled;
                job.finished_at = Some(now);
                job.error = Some("cancelled while queued".to_owned());
                Ok(CancelOutcome::Cancelled(job.clone()))
            }
            JobStatus::Running => {
                job.cancel_requested = true;
                Ok(CancelOutcome::Requested(job.clone()))
            }
            status => Err(Error::conflict(format!("job {id} is already {status}"))),
        })
    }

    async fn reap_expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Job>> {
        let mut state = self.lock();
        let expired: Vec<JobId> = state
            .leases
            .iter()
            .take_while(|(expiry, _)| *expiry < now)
            .take(limit)
            .map(|(_, id)| *id)
            .collect();
        let mut reaped = Vec::with_capacity(expired.len());
        for id in expired {
            reaped.push(state.update(id, |job| {
                reap(job, now);
                Ok(job.clone())
            })?);
        }
        Ok(reaped)
    }

    async fn delete_finished_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<JobId>> {
        let mut state = self.lock();
        let ids: Vec<JobId> = state
            .jobs
            .values()
            .filter(|j| j.status.is_finished() && j.finished_at.is_some_and(|t| t < cutoff))
            .take(limit)
            .map(|j| j.id)
            .collect();
        for id in &ids {
            if let Some(job) = state.jobs.remove(id)
                && let Some(key) = &job.idempotency_key
            {
                state.by_key.remove(key);
            }
        }
        Ok(ids)
    }

    async fn requeue_finished(&self, id: JobId, now: DateTime<Utc>) -> Result<Job> {
        self.lock().update(id, |job| match job.status {
            JobStatus::Failed | JobStatus::Cancelled => {
                job.status = JobStatus::Queued;
                job.trigger = Trigger::Retry;
                job.retry_count = 0;
                job.run_at = now;
                job.error = None;
                job.result = None;
                job.finished_at = None;
                job.lease_expires_at = None;
                job.worker_id = None;
                job.cancel_requested = false;
                Ok(job.clone())
            }
            status => Err(requeue_conflict(id, status)),
        })
    }

    async fn delete_finished_jobs(&self, ids: &[JobId]) -> Result<Vec<JobId>> {
        let mut state = self.lock();
        let mut deleted = Vec::new();
        for id in ids {
            if state.jobs.get(id).is_some_and(|j| j.status.is_finished())
                && let Some(job) = state.jobs.remove(id)
            {
                if let Some(key) = &job.idempotency_key {
                    state.by_key.remove(key);
                }
                deleted.push(*id);
            }
        }
        Ok(deleted)
    }

    async fn release_idempotency_key(&self, id: JobId, key: &str) -> Result<bool> {
        let mut state = self.lock();
        let held = state
            .jobs
            .get(&id)
            .is_some_and(|j| j.idempotency_key.as_deref() == Some(key));
        if held {
            state.by_key.remove(key);
            if let Some(job) = state.jobs.get_mut(&id) {
                job.idempotency_key = None;
            }
        }
        Ok(held)
    }

    async fn set_paused(
        &self,
        target: &PauseTarget,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut state = self.lock();
        Ok(if paused {
            if state.pauses.contains_key(target) {
                false
            } else {
                state.pauses.insert(target.clone(), now);
                true
            }
        } else {
            state.pauses.remove(target).is_some()
        })
    }

    async fn pauses(&self) -> Result<Vec<Pause>> {
        Ok(self
            .lock()
            .pauses
            .iter()
            .map(|(target, at)| Pause {
                target: target.clone(),
                paused_at: *at,
            })
            .collect())
    }

    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<Vec<QueueStats>> {
        let state = self.lock();
        let mut stats: BTreeMap<&str, QueueStats> = BTreeMap::new();
        for job in state.jobs.values() {
            if !matches!(job.status, JobStatus::Queued | JobStatus::Running) {
                continue;
            }
            let entry = stats.entry(&job.queue).or_insert_with(|| QueueStats {
                queue: job.queue.clone(),
                ..QueueStats::default()
            });
            match job.status {
                JobStatus::Running => entry.running += 1,
                _ if job.run_at <= now => {
                    entry.ready += 1;
                    entry.oldest_ready_at = Some(
                        entry
                            .oldest_ready_at
                            .map_or(job.run_at, |t| t.min(job.run_at)),
                    );
                }
                _ => entry.delayed += 1,
            }
        }
        Ok(stats.into_values().collect())
    }

    async fn job_counts(&self) -> Result<Vec<JobCount>> {
        let state = self.lock();
        let mut counts: BTreeMap<(String, &'static str), (JobStatus, u64)> = BTreeMap::new();
        for job in state.jobs.values() {
            counts
                .entry((job.job_type.clone(), job.status.as_str()))
                .or_insert((job.status, 0))
                .1 += 1;
        }
        Ok(counts
            .into_iter()
            .map(|((job_type, _), (status, count))| JobCount {
                job_type,
                status,
                count,
            })
            .collect())
    }
}

#[async_trait]
impl ScheduleStore for MemoryJobStore {
    async fn upsert_schedule(&self, new: NewSchedule, now: DateTime<Utc>) -> Result<Schedule> {
        let mut state = self.lock();
        let existing = state
            .schedules
            .values()
            .find(|s| s.name == new.name)
            .cloned();
        let schedule = match existing {
            Some(old) => Schedule {
                job_type: new.job_type,
                cron: new.cron,
                payload: new.payload,
                user_id: new.user_id,
                enabled: new.enabled,
                next_run_at: new.next_run_at,
                updated_at: now,
                ..old
            },
            None => {
                state.next_schedule_id += 1;
                Schedule {
                    id: state.next_schedule_id,
                    name: new.name,
                    job_type: new.job_type,
                    cron: new.cron,
                    payload: new.payload,
                    user_id: new.user_id,
                    enabled: new.enabled,
                    last_run_at: None,
                    next_run_at: new.next_run_at,
                    created_at: now,
                    updated_at: now,
                }
            }
        };
        state.schedules.insert(schedule.id, schedule.clone());
        Ok(schedule)
    }

    async fn get_schedule(&self, id: ScheduleId) -> Result<Schedule> {
        self.lock()
            .schedules
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("schedule {id} not found")))
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>> {
        let mut all: Vec<Schedule> = self.lock().schedules.values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    async fn delete_schedule(&self, id: ScheduleId) -> Result<()> {
        self.lock()
            .schedules
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(format!("schedule {id} not found")))
    }

    async fn set_schedule_enabled(
        &self,
        id: ScheduleId,
        enabled: bool,
        next_run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Schedule> {
        let mut state = self.lock();
        let schedule = state
            .schedules
            .get_mut(&id)
            .ok_or_else(|| Error::not_found(format!("schedule {id} not found")))?;
        schedule.enabled = enabled;
        schedule.next_run_at = next_run_at;
        schedule.updated_at = now;
        Ok(schedule.clone())
    }

    async fn due_schedules(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Schedule>> {
        let mut due: Vec<Schedule> = self
            .lock()
            .schedules
            .values()
            .filter(|s| s.enabled && s.next_run_at <= now)
            .cloned()
            .collect();
        due.sort_by_key(|s| (s.next_run_at, s.id));
        due.truncate(limit);
        Ok(due)
    }

    async fn advance_schedule(
        &self,
        id: ScheduleId,
        expected: DateTime<Utc>,
        next: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut state = self.lock();
        let schedule = state
            .schedules
            .get_mut(&id)
            .ok_or_else(|| Error::not_found(format!("schedule {id} not found")))?;
        if schedule.next_run_at != expected {
            return Ok(false);
        }
        schedule.last_run_at = Some(expected);
        schedule.next_run_at = next;
        schedule.updated_at = now;
        Ok(true)
    }
}

/// An expired lease: back to the queue while retries remain, otherwise failed.
fn reap(job: &mut Job, now: DateTime<Utc>) {
    job.lease_expires_at = None;
    if job.retry_count < job.max_retries {
        job.status = JobStatus::Queued;
        job.retry_count += 1;
        job.run_at = now;
        job.error = Some(format!("lease of attempt {} expired", job.attempt));
    } else {
        job.status = JobStatus::Failed;
        job.finished_at = Some(now);
        job.error = Some(format!(
            "lease of attempt {} expired and no retries are left",
            job.attempt
        ));
    }
}
