//! Enqueueing, reading, waiting for and cancelling jobs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Engine;
use crate::domain::{
    DEFAULT_PRIORITY, DEFAULT_QUEUE, QueuedFacts, check_priority, check_queue_name, queued_event,
    storable,
};
use crate::domain::{Event, EventLevel, EventSource, Job, JobId, NewJob, Trigger, UserId};
use crate::ports::{CancelOutcome, InsertedJob, JobFilter, ListEventsOptions, QueueMessage};
use crate::{Error, ErrorKind, Result};

/// The longest accepted idempotency key.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// How to enqueue a job. The default is an API-triggered job that may run at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnqueueOptions {
    /// Why the job exists (`api` by default).
    pub trigger: Trigger,
    /// The user the job works for.
    pub user_id: Option<UserId>,
    /// At most one job per key: a repeat returns the existing job.
    pub idempotency_key: Option<String>,
    /// Not before this time.
    pub run_at: Option<DateTime<Utc>>,
    /// Not before now plus this delay (ignored when `run_at` is set).
    pub delay: Option<Duration>,
    /// Parent job (chaining).
    pub parent_job_id: Option<JobId>,
    /// Trace id; a new one when absent.
    pub trace_id: Option<Uuid>,
    /// Overrides the type's retry budget.
    pub max_retries: Option<u32>,
    /// 1 (most urgent) to 4; the type's priority when absent.
    pub priority: Option<i16>,
    /// The named queue; the type's queue when absent.
    pub queue: Option<String>,
    /// Jobs with the same key run at most N at once in every process together
    /// (N: the type's concurrency limit, 1 when it sets none), e.g. one per
    /// provider account or per repository.
    pub concurrency_key: Option<String>,
}

// The enum comes from `string_enum!`, which cannot mark a default variant.
#[allow(clippy::derivable_impls)]
impl Default for Trigger {
    fn default() -> Self {
        Trigger::Api
    }
}

impl EnqueueOptions {
    /// Sets the user.
    pub fn with_user(mut self, user_id: UserId) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// Sets the idempotency key.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the trigger.
    pub fn with_trigger(mut self, trigger: Trigger) -> Self {
        self.trigger = trigger;
        self
    }

    /// Delays the job.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sets the earliest run time.
    pub fn with_run_at(mut self, run_at: DateTime<Utc>) -> Self {
        self.run_at = Some(run_at);
        self
    }

    /// Sets the priority (1 most urgent to 4).
    pub fn with_priority(mut self, priority: i16) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Puts the job in a named queue.
    pub fn with_queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }

    /// Limits the job's concurrency together with every job of the same key.
    pub fn with_concurrency_key(mut self, key: impl Into<String>) -> Self {
        self.concurrency_key = Some(key.into());
        self
    }
}

/// How far a running (or finished) job said it had come.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobProgress {
    /// 0 to 100.
    pub percent: f64,
    /// What it was doing.
    pub message: String,
    /// When it said so.
    pub at: DateTime<Utc>,
}

/// One job of a bulk [`Engine::enqueue_many`].
#[derive(Debug, Clone, PartialEq)]
pub struct EnqueueRequest {
    /// The registered job type.
    pub job_type: String,
    /// A JSON object.
    pub payload: Value,
    /// Options, as for [`Engine::enqueue`].
    pub options: EnqueueOptions,
}

impl EnqueueRequest {
    /// A request with default options.
    pub fn new(job_type: impl Into<String>, payload: Value) -> Self {
        EnqueueRequest {
            job_type: job_type.into(),
            payload,
            options: EnqueueOptions::default(),
        }
    }

    /// Sets the options.
    pub fn with_options(mut self, options: EnqueueOptions) -> Self {
        self.options = options;
        self
    }
}

impl Engine {
    /// Enqueues a job: validates it, creates the `queued` record and its first event,
    /// then hands the id to the queue. With an idempotency key that already exists,
    /// returns the existing job and creates nothing.
    ///
    /// Unknown job types, a payload that is not a JSON object and malformed keys are
    /// [`ErrorKind::InvalidInput`] and change nothing.
    pub async fn enqueue(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
    ) -> Result<Job> {
        Ok(self.enqueue_detailed(job_type, payload, opts).await?.job)
    }

    /// Like [`enqueue`](Self::enqueue), also telling whether the job is new.
    pub async fn enqueue_detailed(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
    ) -> Result<InsertedJob> {
        let new_job = self.prepare_job(job_type, payload, opts)?;
        let mut inserted = self.store_and_announce(vec![new_job]).await?;
        inserted
            .pop()
            .ok_or_else(|| Error::unexpected("the job store returned no job"))
    }

    /// Enqueues many jobs with one store round trip, one event write and one queue
    /// push where the backends allow (bulk enqueue). Every request is validated first:
    /// one invalid request rejects the whole batch and nothing is stored. Results are
    /// in request order.
    pub async fn enqueue_many(&self, requests: Vec<EnqueueRequest>) -> Result<Vec<InsertedJob>> {
        let jobs = requests
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                self.prepare_job(&r.job_type, r.payload, r.options)
                    .map_err(|e| e.with_context("request", i))
            })
            .collect::<Result<Vec<_>>>()?;
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        self.store_and_announce(jobs).await
    }

    /// Validates a request and turns it into the job record the store will hold,
    /// without storing anything. Hosts that write the job themselves (a transactional
    /// enqueue next to a domain write) start here.
    ///
    /// Unknown job types, a payload that is not a JSON object and malformed keys are
    /// [`ErrorKind::InvalidInput`].
    pub fn prepare_job(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
    ) -> Result<NewJob> {
        let registration = self.inner.registry.require(job_type)?;
        if !payload.is_object() {
            return Err(Error::invalid_input("payload: must be a JSON object"));
        }
        storable::check_json("payload", &payload)?;
        registration.workflow.validate(&payload)?;
        if let Some(key) = &opts.idempotency_key {
            if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
                return Err(Error::invalid_input(
                    "idempotency_key: must be 1 to 255 bytes",
                ));
            }
            storable::check_text("idempotency_key", key)?;
        }
        if let Some(key) = &opts.concurrency_key {
            if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
                return Err(Error::invalid_input(
                    "concurrency_key: must be 1 to 255 bytes",
                ));
            }
            storable::check_text("concurrency_key", key)?;
        }
        let priority = match opts.priority.or(registration.options.priority) {
            Some(priority) => check_priority(priority)?,
            None => DEFAULT_PRIORITY,
        };
        let queue = match opts.queue.or_else(|| registration.options.queue.clone()) {
            Some(queue) => {
                check_queue_name(&queue)?;
                queue
            }
            None => DEFAULT_QUEUE.to_owned(),
        };
        let now = self.now();
        let run_at = match (opts.run_at, opts.delay) {
            (Some(at), _) => at,
            (None, Some(delay)) => now + to_delta(delay)?,
            (None, None) => now,
        };
        Ok(NewJob {
            id: Uuid::now_v7(),
            job_type: job_type.to_owned(),
            trigger: opts.trigger,
            payload,
            max_retries: opts
                .max_retries
                .unwrap_or(registration.options.retry.max_retries),
            idempotency_key: opts.idempotency_key,
            parent_job_id: opts.parent_job_id,
            user_id: opts.user_id,
            trace_id: opts.trace_id.unwrap_or_else(Uuid::new_v4),
            run_at,
            priority,
            queue,
            concurrency_key: opts.concurrency_key,
            created_at: now,
        })
    }

    /// Stores new jobs with their "job queued" events, then publishes the jobs it
    /// created. A job's timeline must start with "job queued" even when a worker
    /// polling the store claims it the moment it exists, so the event is written in
    /// the job's own transaction (a store that writes events), or before the job
    /// (when every job will be created), or else right after.
    ///
    /// Every "job queued" event carries the job's `created_at` as its timestamp.
    async fn store_and_announce(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        let store = &self.inner.store;
        let inserted = if let Some(writer) = self.event_writer() {
            let inserted = writer.insert_queued_jobs(jobs).await?;
            // The events exist only in the store: build them for `tracing` only when
            // someone listens.
            if self.recorder().traces_info() {
                let written = inserted
                    .iter()
                    .filter(|i| i.created)
                    .map(|i| queued_event(&i.job, i.job.created_at))
                    .collect::<Vec<_>>();
                self.recorder().trace_many(&written);
            }
            inserted
        } else if jobs.iter().all(|j| j.idempotency_key.is_none()) {
            let events = jobs
                .iter()
                .map(|j| QueuedFacts::of_new(j).event())
                .collect();
            self.recorder().lifecycle_many(events).await;
            store.insert_jobs(jobs).await?
        } else {
            let inserted = store.insert_jobs(jobs).await?;
            let events = inserted
                .iter()
                .filter(|i| i.created)
                .map(|i| queued_event(&i.job, i.job.created_at))
                .collect::<Vec<_>>();
            if !events.is_empty() {
                self.recorder().lifecycle_many(events).await;
            }
            inserted
        };
        let messages = inserted
            .iter()
            .filter(|i| i.created)
            .map(|i| QueueMessage::of(&i.job))
            .collect::<Vec<_>>();
        if !messages.is_empty() {
            self.publish_many(&messages).await;
        }
        Ok(inserted)
    }

    /// Hands job ids to the queue. A failed push is logged, not returned: the jobs are
    /// safely `queued` in the store and idle workers poll the store for them.
    pub(crate) async fn publish_many(&self, messages: &[QueueMessage]) {
        if let Err(err) = self.inner.queue.push(messages).await {
            tracing::warn!(jobs = messages.len(), error = %err, "queue push failed; the jobs will be picked up by store polling");
        }
    }

    /// Hands one job to the queue, due at `available_at` (see
    /// [`publish_many`](Self::publish_many)).
    pub(crate) async fn publish(&self, job: &Job, available_at: DateTime<Utc>) {
        self.publish_many(&[QueueMessage {
            available_at,
            ..QueueMessage::of(job)
        }])
        .await
    }

    /// One job.
    pub async fn get_job(&self, id: JobId) -> Result<Job> {
        self.inner.store.get_job(id).await
    }

    /// Jobs matching a filter, newest first.
    pub async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        self.inner.store.list_jobs(filter).await
    }

    /// A job's event timeline in order.
    pub async fn job_events(&self, id: JobId, opts: &ListEventsOptions) -> Result<Vec<Event>> {
        self.inner.store.get_job(id).await?;
        self.event_sink().list(id, opts).await
    }

    /// How far a job has come: its latest progress event (see
    /// [`ExecutionContext::progress`](super::ExecutionContext::progress)).
    pub async fn job_progress(&self, id: JobId) -> Result<Option<JobProgress>> {
        self.inner.store.get_job(id).await?;
        let mut options = ListEventsOptions {
            after_id: None,
            limit: 10_000,
        };
        let mut latest = None;
        loop {
            let page = self.event_sink().list(id, &options).await?;
            latest = page
                .iter()
                .rev()
                .find_map(|e| {
                    e.data[super::PROGRESS_KEY]
                        .as_f64()
                        .map(|percent| JobProgress {
                            percent,
                            message: e.message.clone(),
                            at: e.timestamp,
                        })
                })
                .or(latest);
            match page.last() {
                Some(last) if page.len() == options.effective_limit() => {
                    options.after_id = Some(last.id)
                }
                _ => return Ok(latest),
            }
        }
    }

    /// Cancels a job: a queued job ends `cancelled` at once; a running job is asked to
    /// stop (its workflow sees the cancellation) and ends `cancelled` when it does.
    /// A finished job is [`ErrorKind::Conflict`].
    pub async fn cancel(&self, id: JobId) -> Result<Job> {
        let outcome = self.inner.store.cancel_job(id, self.now()).await?;
        let job = outcome.job().clone();
        match outcome {
            CancelOutcome::Cancelled(_) => {
                self.recorder()
                    .lifecycle(
                        job.id,
                        job.trace_id,
                        EventLevel::Info,
                        EventSource::System,
                        "job cancelled",
                        json!({ "while": "queued" }),
                    )
                    .await;
                self.announce_outcome(&job, self.now()).await;
            }
            CancelOutcome::Requested(_) => {
                // Record the request before waking the workflow, so the timeline shows
                // it before the worker's "job cancelled".
                self.recorder()
                    .lifecycle(
                        job.id,
                        job.trace_id,
                        EventLevel::Info,
                        EventSource::System,
                        "cancellation requested",
                        json!({ "while": "running" }),
                    )
                    .await;
                let local = self.running().get(&id).cloned();
                if let Some(token) = local {
                    token.cancel();
                }
            }
        }
        Ok(job)
    }

    /// Waits until a job is finished (polling the store) and returns it. Gives
    /// [`ErrorKind::Unexpected`] with the job's status if `timeout` passes first.
    pub async fn wait_for(&self, id: JobId, timeout: Duration) -> Result<Job> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut pause = Duration::from_millis(2);
        loop {
            let job = self.inner.store.get_job(id).await?;
            if job.status.is_finished() {
                return Ok(job);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::new(
                    ErrorKind::Unexpected,
                    format!(
                        "timed out after {timeout:?} waiting for job {id} (status {})",
                        job.status
                    ),
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

pub(crate) fn to_delta(d: Duration) -> Result<chrono::TimeDelta> {
    chrono::TimeDelta::from_std(d)
        .map_err(|_| Error::invalid_input(format!("duration {d:?} is too large")))
}
