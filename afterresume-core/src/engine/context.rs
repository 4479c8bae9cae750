//! What a running workflow knows about its job, and the step helper.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::started::StartedWrite;
use super::{Engine, EnqueueOptions};
use crate::Result;
use crate::domain::{EventLevel, EventSource, Job, JobId, Trigger, UserId};

/// The key of an event's data that holds a progress percentage.
pub const PROGRESS_KEY: &str = "progress";
/// The longest progress message.
pub const MAX_PROGRESS_MESSAGE: usize = 500;

/// The identity of a running job, handed to its workflow and through every step.
///
/// Cloning is cheap; clones share the cancellation token and the child counter.
#[derive(Debug, Clone)]
pub struct ExecutionContext {
    job_id: JobId,
    job_type: String,
    trace_id: Uuid,
    user_id: Option<UserId>,
    parent_job_id: Option<JobId>,
    attempt: u32,
    cancel: CancellationToken,
    engine: Engine,
    children: Arc<AtomicU32>,
    /// The job's "job started" event; the job's own events wait for it.
    started: StartedWrite,
    /// Set by [`ExecutionContext::snooze`]; read by the runner when the
    /// workflow returns.
    snooze: SnoozeRequest,
    /// The rate-limit period this start was counted in.
    rate_period: Option<DateTime<Utc>>,
}

/// The longest a job may snooze.
pub const MAX_SNOOZE: Duration = Duration::from_secs(366 * 86_400);

/// A snooze a workflow asked for, shared by its context's clones and the
/// runner.
#[derive(Debug, Clone, Default)]
pub(crate) struct SnoozeRequest(Arc<Mutex<Option<Duration>>>);

impl SnoozeRequest {
    /// The delay asked for, if any.
    pub(crate) fn get(&self) -> Option<Duration> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, delay: Duration) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(delay);
    }
}

impl ExecutionContext {
    pub(crate) fn new(
        job: &Job,
        cancel: CancellationToken,
        engine: Engine,
        started: StartedWrite,
    ) -> Self {
        ExecutionContext {
            job_id: job.id,
            job_type: job.job_type.clone(),
            trace_id: job.trace_id,
            user_id: job.user_id,
            parent_job_id: job.parent_job_id,
            attempt: job.attempt,
            cancel,
            engine,
            children: Arc::new(AtomicU32::new(0)),
            started,
            snooze: SnoozeRequest::default(),
            rate_period: None,
        }
    }

    pub(crate) fn set_rate_period(&mut self, period_start: DateTime<Utc>) {
        self.rate_period = Some(period_start);
    }

    /// For a job type with a rate limit: the start of the period (aligned to
    /// the clock) whose count this start used.
    pub fn rate_period(&self) -> Option<DateTime<Utc>> {
        self.rate_period
    }

    /// The snooze this context's workflow may ask for.
    pub(crate) fn snooze_request(&self) -> SnoozeRequest {
        self.snooze.clone()
    }

    /// Ends this attempt and puts the job back in the queue, due after `delay`,
    /// without spending a retry (waiting on something outside, a rate limit, a
    /// time of day). Return what it gives:
    /// `return Err(ctx.snooze(Duration::from_secs(30)));`. A delay of zero or
    /// over a year is refused: the error it gives then fails the job.
    pub fn snooze(&self, delay: Duration) -> crate::Error {
        if delay.is_zero() || delay > MAX_SNOOZE {
            return crate::Error::invalid_input(format!(
                "snooze: {delay:?} is not between a millisecond and a year"
            ));
        }
        self.snooze.set(delay);
        crate::Error::cancelled(format!("snoozed for {delay:?}"))
    }

    /// Records how far the job has come (0 to 100) and what it is doing, as an
    /// event on its timeline (`data.progress`); the job's detail shows the
    /// latest. Out-of-range numbers and over-long messages are refused.
    pub async fn progress(&self, percent: f64, message: &str) -> Result<()> {
        if !(0.0..=100.0).contains(&percent) {
            return Err(crate::Error::invalid_input(format!(
                "progress: {percent} is not between 0 and 100"
            )));
        }
        if message.chars().count() > MAX_PROGRESS_MESSAGE {
            return Err(crate::Error::invalid_input(format!(
                "progress: the message is longer than {MAX_PROGRESS_MESSAGE} characters"
            )));
        }
        self.event(
            EventLevel::Info,
            EventSource::Workflow,
            message,
            json!({ PROGRESS_KEY: (percent * 10.0).round() / 10.0 }),
        )
        .await
    }

    /// The job's id.
    pub fn job_id(&self) -> JobId {
        self.job_id
    }

    /// The job's type.
    pub fn job_type(&self) -> &str {
        &self.job_type
    }

    /// The trace id shared by the whole job tree.
    pub fn trace_id(&self) -> Uuid {
        self.trace_id
    }

    /// The user the job works for.
    pub fn user_id(&self) -> Option<UserId> {
        self.user_id
    }

    /// The job that enqueued this one.
    pub fn parent_job_id(&self) -> Option<JobId> {
        self.parent_job_id
    }

    /// The attempt number (1 for the first run).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The engine's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.engine.now()
    }

    /// The engine running this job (to reach its stores and services).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the job was cancelled (or its lease lost): stop at the next safe point.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Completes when the job is cancelled; use in `tokio::select!` around long waits.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }

    /// Fails with [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) once cancelled.
    pub fn check_cancelled(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(crate::Error::cancelled("job cancelled"))
        } else {
            Ok(())
        }
    }

    /// Writes an event to the job's timeline (and to `tracing`).
    pub async fn event(
        &self,
        level: EventLevel,
        source: EventSource,
        message: &str,
        data: Value,
    ) -> Result<()> {
        self.started.wait().await;
        self.engine
            .recorder()
            .record(self.job_id, self.trace_id, level, source, message, data)
            .await
    }

    /// Runs a named step: logs its start, its end with the duration, or its error.
    /// The Rust counterpart of the reference design's `@trace_step`.
    pub async fn step<T, F>(&self, name: &str, source: EventSource, step: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        self.check_cancelled()?;
        self.started.wait().await;
        let recorder = self.engine.recorder();
        let (job, trace) = (self.job_id, self.trace_id);
        recorder
            .lifecycle(
                job,
                trace,
                EventLevel::Debug,
                source,
                &format!("step {name} started"),
                json!({ "step": name }),
            )
            .await;
        let started = Instant::now();
        let result = step.await;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(_) => {
                recorder
                    .lifecycle(
                        job,
                        trace,
                        EventLevel::Info,
                        source,
                        &format!("step {name} completed"),
                        json!({ "step": name, "duration_ms": duration_ms }),
                    )
                    .await
            }
            Err(err) => {
                recorder
                    .lifecycle(
                        job,
                        trace,
                        EventLevel::Error,
                        source,
                        &format!("step {name} failed"),
                        json!({
                            "step": name,
                            "duration_ms": duration_ms,
                            "error": err.public_message(),
                            "detail": err.to_string(),
                            "kind": err.kind().as_str(),
                        }),
                    )
                    .await
            }
        }
        result
    }

    /// Enqueues a child job: it carries this job as parent, the same trace id and user.
    ///
    /// Children are idempotent per attempt sequence: if this job is retried and
    /// enqueues the same children again in the same order, the existing children are
    /// returned instead of duplicates.
    pub async fn enqueue_child(&self, job_type: &str, payload: Value) -> Result<Job> {
        let n = self.children.fetch_add(1, Ordering::Relaxed);
        let opts = EnqueueOptions {
            trigger: Trigger::System,
            user_id: self.user_id,
            parent_job_id: Some(self.job_id),
            trace_id: Some(self.trace_id),
            idempotency_key: Some(format!("child:{}:{n}:{job_type}", self.job_id)),
            ..EnqueueOptions::default()
        };
        self.engine.enqueue(job_type, payload, opts).await
    }
}
