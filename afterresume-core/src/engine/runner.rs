//! Running claimed jobs: a lease held by heartbeats, cancellation and timeouts,
//! and the outcome recorded once, with its event.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::completer::Completer;
use super::jobs::to_delta;
use super::pace::Pace;
use super::started::StartedWrite;
use super::{Admission, ConcurrencyScope, Engine, ExecutionContext};
use crate::domain::JobStatus;
use crate::domain::{EventLevel, EventSource, Job, JobId, NewEvent, storable};
use crate::ports::{ClaimOptions, JobFilter, JobOutcome, Lease};
use crate::{Error, ErrorKind, Result};

/// What a worker claims.
#[derive(Debug, Clone, Copy)]
pub(super) enum Claim<'a> {
    /// Up to this many due jobs, straight from the store.
    Due(usize),
    /// These jobs (the queue delivered them), where still claimable.
    Ids(&'a [JobId]),
}

/// Claimed jobs and the write of their "job started" events.
pub(super) struct Claimed {
    pub(super) jobs: Vec<Job>,
    pub(super) started: StartedWrite,
}

impl Claimed {
    pub(super) fn none() -> Self {
        Claimed {
            jobs: Vec::new(),
            started: StartedWrite::written(),
        }
    }
}

/// Runs claimed jobs: heartbeats, cancellation, timeouts and the recorded outcome.
pub(super) struct Runner {
    pub(super) engine: Engine,
    pub(super) id: String,
    pub(super) abort: CancellationToken,
    /// Writes outcomes in bundles; `None` writes each one directly (`run_next`).
    pub(super) completer: Option<Completer>,
    /// Worker slots: workflows running at once. A claimed job waits for one
    /// (heartbeating its lease meanwhile); `None` runs at once (`run_next`).
    pub(super) slots: Option<Arc<Semaphore>>,
    /// Run times, and how many jobs to claim ahead of the slots.
    pub(super) pace: Pace,
    /// The named queues this runner claims from (`None`: all).
    pub(super) queues: Option<Arc<[String]>>,
}

impl Runner {
    /// Stores an outcome and, once it is stored, its event.
    pub(super) async fn store_outcome(
        &self,
        lease: &Lease,
        outcome: JobOutcome,
        event: NewEvent,
    ) -> Result<Job> {
        match &self.completer {
            Some(completer) => completer.complete(lease.clone(), outcome, event).await,
            None => {
                let now = event.timestamp;
                let items = vec![(lease.clone(), outcome, event)];
                super::completer::store_outcomes(&self.engine, items, now)
                    .await?
                    .pop()
                    .unwrap_or_else(|| Err(Error::unexpected("the store returned no outcome")))
            }
        }
    }

    /// Claims jobs and has their "job started" events written: in the claim's own
    /// transaction when the store is also the event sink, else in one append that
    /// runs while the jobs do.
    pub(super) async fn claim(&self, what: Claim<'_>) -> Result<Claimed> {
        let store = self.engine.store();
        let opts = self.claim_options()?;
        let writer = self.engine.event_writer();
        let in_claim = writer.is_some();
        let jobs = match (what, writer) {
            (Claim::Due(max), Some(w)) => w.claim_due_with_events(max, &opts).await?,
            (Claim::Due(max), None) => store.claim_due(max, &opts).await?,
            (Claim::Ids(ids), Some(w)) => w.claim_jobs_with_events(ids, &opts).await?,
            (Claim::Ids(ids), None) => store.claim_jobs(ids, &opts).await?,
        };
        if jobs.is_empty() {
            return Ok(Claimed::none());
        }
        let events: Vec<NewEvent> = jobs.iter().map(|job| opts.started_event(job)).collect();
        let started = if in_claim {
            self.engine.recorder().trace_many(&events);
            StartedWrite::written()
        } else {
            StartedWrite::spawn(self.engine.recorder().clone(), events)
        };
        Ok(Claimed { jobs, started })
    }

    pub(super) fn claim_options(&self) -> Result<ClaimOptions> {
        let now = self.engine.now();
        Ok(ClaimOptions {
            worker_id: self.id.clone(),
            now,
            lease_expires_at: now + to_delta(self.engine.config().lease_ttl)?,
            queues: self.queues.clone(),
        })
    }

    /// Runs one claimed job. The claim (`claim`) is given back as soon as the
    /// workflow returns: writing the outcome is the completion writer's work, and
    /// holding the claim through it would cap throughput at claims / commit latency.
    ///
    /// The workflow runs in a `job` span named after its type, carrying the
    /// job's id, attempt, queue and trace id: what a tracing layer (the host's
    /// OpenTelemetry export, a JSON log) sees of it, and the parent of every
    /// span and event the workflow records.
    pub(super) async fn run_job(
        &self,
        mut job: Job,
        claim: Option<OwnedSemaphorePermit>,
        started_event: StartedWrite,
    ) {
        let engine = &self.engine;
        let lease = Lease::of(&job);
        let token = CancellationToken::new();
        engine.running().insert(job.id, token.clone());
        let started = Instant::now();
        let outcome = if job.cancel_requested {
            Attempt::Cancelled
        } else {
            // The workflow takes the payload over: nothing after it reads it, and a
            // copy of a large payload per job is what this avoids.
            let payload = std::mem::take(&mut job.payload);
            let span = tracing::info_span!(
                "job",
                otel.name = %format_args!("job {}", job.job_type),
                job.id = %job.id,
                job.r#type = %job.job_type,
                job.attempt = job.attempt,
                job.queue = %job.queue,
                job.trace_id = %job.trace_id,
            );
            self.execute(&job, payload, &lease, token.clone(), started_event.clone())
                .instrument(span)
                .await
        };
        engine.running().remove(&job.id);
        drop(claim);
        self.pace.release();
        // The outcome's event goes after "job started" in the timeline.
        started_event.wait().await;
        self.record_outcome(&job, &lease, outcome, started.elapsed())
            .await;
    }

    /// Runs the workflow next to a heartbeat until it returns, is cancelled, loses its
    /// lease, or the process gives it back on shutdown.
    pub(super) async fn execute(
        &self,
        job: &Job,
        payload: Value,
        lease: &Lease,
        token: CancellationToken,
        started: StartedWrite,
    ) -> Attempt {
        let Some(registration) = self.engine.inner.registry.get(&job.job_type) else {
            return Attempt::Finished(Err(Error::invalid_input(format!(
                "no workflow registered for job type '{}' in this worker",
                job.job_type
            ))));
        };
        let mut ctx = ExecutionContext::new(job, token.clone(), self.engine.clone(), started);
        if let Some(limit) = &registration.rate_limit {
            let admitted = match self.engine.rate_limiter() {
                Some(limiter) => limiter.admit(limit).await,
                None => Err(Error::config_invalid(
                    "a rate-limited job type runs on an engine without a rate limiter",
                )),
            };
            match admitted {
                Ok(Admission::Admitted { period_start }) => ctx.set_rate_period(period_start),
                Ok(Admission::Full { next_period }) => return Attempt::RateLimited(next_period),
                Err(err) => return Attempt::Finished(Err(err)),
            }
        }
        let limit = match (&job.concurrency_key, registration.options.concurrency) {
            (Some(_), limit) => Some((limit.map_or(1, |(max, _)| max), None)),
            (None, Some((max, scope))) => Some((max, Some(scope))),
            (None, None) => None,
        };
        if let Some((max, scope)) = limit {
            match self.over_concurrency(job, max, scope).await {
                Ok(false) => {}
                Ok(true) => return Attempt::Busy,
                Err(err) => return Attempt::Finished(Err(err)),
            }
        }
        let snooze = ctx.snooze_request();
        let workflow = registration.workflow.run(ctx, payload);
        let guarded = AssertUnwindSafe(workflow).catch_unwind().map(|r| {
            r.unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                Err(Error::unexpected(format!("workflow panicked: {what}")).temporary())
            })
        });
        let timed = async {
            // A prefetched job waits here for a worker slot; its timeout starts
            // when it does. The slot is given back when the workflow returns.
            // A free slot is taken at once, so a job that need not wait starts its
            // workflow (which then sees any cancellation itself).
            let _slot = match &self.slots {
                Some(slots) => match Arc::clone(slots).try_acquire_owned() {
                    Ok(slot) => Some(slot),
                    Err(_) => tokio::select! {
                        slot = Arc::clone(slots).acquire_owned() => Some(
                            slot.map_err(|_| Error::unexpected("the worker pool has closed"))?,
                        ),
                        _ = token.cancelled() => {
                            return Err(Error::cancelled("cancelled before it started"));
                        }
                    },
                },
                None => None,
            };
            let began = Instant::now();
            let result = match registration.options.timeout {
                Some(limit) => tokio::time::timeout(limit, guarded)
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::backend(format!("attempt timed out after {limit:?}")))
                    }),
                None => guarded.await,
            };
            self.pace.record(began.elapsed());
            result
        };
        // Set by the heartbeat, read here after `token` fires; both run in this task.
        let lease_lost = AtomicBool::new(false);
        let mut heartbeat = std::pin::pin!(self.heartbeat(lease, &token, &lease_lost));
        let mut timed = std::pin::pin!(timed);
        tokio::select! {
            result = &mut timed => match (result, snooze.get()) {
                (Err(_), Some(delay)) => Attempt::Snoozed(delay),
                (result, _) => Attempt::Finished(result),
            },
            _ = token.cancelled() => {
                if lease_lost.load(Ordering::Relaxed) {
                    // Someone else owns the job now: stop at once.
                    return Attempt::LeaseLost;
                }
                // Cooperative cancellation: the workflow sees the token and gets a
                // grace period to stop cleanly, still heartbeating, before it is dropped.
                let grace = self.engine.config().cancel_grace;
                tokio::select! {
                    result = tokio::time::timeout(grace, &mut timed) => match result {
                        Ok(Ok(value)) => Attempt::Finished(Ok(value)),
                        _ => Attempt::Cancelled,
                    },
                    _ = self.abort.cancelled() => Attempt::Cancelled,
                    never = &mut heartbeat => match never {},
                }
            }
            _ = self.abort.cancelled() => Attempt::Released,
            never = &mut heartbeat => match never {},
        }
    }

    /// Whether more than `max` jobs are running that share this one's
    /// concurrency key (of any type) or, without a key (`scope` given), its
    /// type (and user, per `scope`), this one included: the store is the count
    /// every process shares. Of two starts that overlap, the later one to count
    /// sees the other, so no more than `max` ever run at once.
    ///
    /// Jobs this runner holds that are no longer running in this process have
    /// finished, their outcome waiting in the completion writer's batch: they
    /// do not count. Counting them made a key look busy for as long as a batch
    /// takes to write, and snoozed the key's next job behind its predecessor's
    /// bookkeeping. (Each job joins the process's running set before it counts,
    /// so two starts still see each other.) Up to [`FINISHED_UNWRITTEN_SEEN`]
    /// of them are looked past; beyond that the count errs on the busy side.
    async fn over_concurrency(
        &self,
        job: &Job,
        max: u32,
        scope: Option<ConcurrencyScope>,
    ) -> Result<bool> {
        let filter = match scope {
            None => JobFilter {
                concurrency_key: job.concurrency_key.clone(),
                ..JobFilter::default()
            },
            Some(scope) => JobFilter {
                job_type: Some(job.job_type.clone()),
                user_id: match scope {
                    ConcurrencyScope::Type => None,
                    ConcurrencyScope::User => job.user_id,
                },
                ..JobFilter::default()
            },
        };
        let filter = JobFilter {
            status: Some(JobStatus::Running),
            limit: max as usize + 1 + FINISHED_UNWRITTEN_SEEN,
            ..filter
        };
        let listed = self.engine.store().list_jobs(&filter).await?;
        let running_here = self.engine.running();
        let finished_here = |other: &Job| {
            other.worker_id.as_deref() == Some(self.id.as_str())
                && !running_here.contains_key(&other.id)
        };
        let running = listed.iter().filter(|other| !finished_here(other)).count();
        Ok(running > max as usize)
    }

    /// Extends the lease until the attempt ends; cancels the attempt when a cancel is
    /// requested elsewhere or the lease was taken over.
    pub(super) async fn heartbeat(
        &self,
        lease: &Lease,
        token: &CancellationToken,
        lease_lost: &AtomicBool,
    ) -> std::convert::Infallible {
        let config = self.engine.config();
        loop {
            tokio::time::sleep(config.heartbeat_interval).await;
            let expires = match to_delta(config.lease_ttl) {
                Ok(ttl) => self.engine.now() + ttl,
                Err(_) => continue,
            };
            match self.engine.store().heartbeat(lease, expires).await {
                Ok(job) if job.cancel_requested => token.cancel(),
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::Conflict => {
                    lease_lost.store(true, Ordering::Relaxed);
                    token.cancel();
                }
                // A transient store failure: the lease may still be ours; try again.
                Err(err) => {
                    tracing::warn!(job_id = %lease.job_id, error = %err, "heartbeat failed")
                }
            }
        }
    }

    pub(super) async fn record_outcome(
        &self,
        job: &Job,
        lease: &Lease,
        attempt: Attempt,
        elapsed: Duration,
    ) {
        let engine = &self.engine;
        let now = engine.now();
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        // A result no store could read back fails the job rather than its write.
        let attempt = match attempt {
            Attempt::Finished(Ok(result)) => Attempt::Finished(
                storable::check_json("result", &result)
                    .map(|()| result)
                    .map_err(Error::permanent),
            ),
            other => other,
        };
        let (outcome, level, message, data) = match attempt {
            Attempt::LeaseLost => {
                engine
                    .recorder()
                    .lifecycle(
                        job.id,
                        job.trace_id,
                        EventLevel::Warning,
                        EventSource::Worker,
                        "lease lost; attempt abandoned",
                        json!({ "attempt": lease.attempt, "worker_id": self.id }),
                    )
                    .await;
                return;
            }
            Attempt::Released => (
                JobOutcome::Released,
                EventLevel::Warning,
                "job released on shutdown",
                json!({ "attempt": lease.attempt, "worker_id": self.id }),
            ),
            Attempt::Snoozed(delay) => {
                let run_at = now + to_delta(delay).unwrap_or_default();
                (
                    JobOutcome::Snoozed { run_at },
                    EventLevel::Info,
                    "job snoozed",
                    json!({ "delay_ms": delay.as_millis() as u64, "run_at": run_at,
                            "duration_ms": duration_ms }),
                )
            }
            Attempt::RateLimited(next_period) => (
                JobOutcome::Snoozed {
                    run_at: next_period,
                },
                EventLevel::Info,
                "rate limit reached; waiting for the next period",
                json!({ "run_at": next_period }),
            ),
            Attempt::Busy => {
                // Spread the waiting jobs' next tries so they do not all come
                // back at once.
                let noise = super::retry::unit_noise(job.id, lease.attempt);
                let wait = CONCURRENCY_WAIT.mul_f64(0.5 + noise);
                let run_at = now + to_delta(wait).unwrap_or_default();
                (
                    JobOutcome::Snoozed { run_at },
                    EventLevel::Info,
                    "concurrency limit reached; trying again shortly",
                    json!({ "run_at": run_at }),
                )
            }
            Attempt::Cancelled => (
                JobOutcome::Cancelled {
                    reason: "cancelled while running".to_owned(),
                },
                EventLevel::Info,
                "job cancelled",
                json!({ "duration_ms": duration_ms }),
            ),
            Attempt::Finished(Ok(result)) => (
                JobOutcome::Succeeded { result },
                EventLevel::Info,
                "job completed",
                json!({ "duration_ms": duration_ms }),
            ),
            Attempt::Finished(Err(err)) if err.kind() == ErrorKind::Cancelled => (
                JobOutcome::Cancelled {
                    reason: err.to_string(),
                },
                EventLevel::Info,
                "job cancelled",
                json!({ "duration_ms": duration_ms }),
            ),
            Attempt::Finished(Err(err)) => self.failure(job, err, duration_ms),
        };
        let retry_at = match &outcome {
            JobOutcome::Retry { run_at, .. } | JobOutcome::Snoozed { run_at } => Some(*run_at),
            JobOutcome::Released => Some(now),
            _ => None,
        };
        let outcome_name = match &outcome {
            JobOutcome::Succeeded { .. } => "success",
            JobOutcome::Failed { .. } => "failed",
            JobOutcome::Retry { .. } => "retry",
            JobOutcome::Cancelled { .. } => "cancelled",
            JobOutcome::Released => "released",
            JobOutcome::Snoozed { .. } => "snoozed",
        };
        let event = NewEvent {
            job_id: job.id,
            timestamp: now,
            level,
            source: EventSource::Worker,
            message: message.to_owned(),
            data,
            trace_id: job.trace_id,
        };
        match self.store_outcome(lease, outcome, event).await {
            Ok(stored) => {
                engine
                    .inner
                    .metrics
                    .record(&job.job_type, outcome_name, elapsed);
                if let Some(at) = retry_at {
                    engine.publish(job, at).await;
                }
                if stored.status.is_finished() {
                    engine.announce_outcome(&stored, now).await;
                }
            }
            Err(err) if err.kind() == ErrorKind::Conflict => {
                engine
                    .recorder()
                    .lifecycle(
                        job.id,
                        job.trace_id,
                        EventLevel::Warning,
                        EventSource::Worker,
                        "lease lost; outcome discarded",
                        json!({ "attempt": lease.attempt, "discarded": message }),
                    )
                    .await;
            }
            // The lease will expire and the reaper will hand the job out again.
            Err(err) => {
                tracing::error!(job_id = %job.id, error = %err, "could not record job outcome")
            }
        }
    }

    /// A failed attempt becomes a retry when the error is temporary and retries remain.
    pub(super) fn failure(
        &self,
        job: &Job,
        err: Error,
        duration_ms: f64,
    ) -> (JobOutcome, EventLevel, &'static str, Value) {
        let policy = self
            .engine
            .inner
            .registry
            .get(&job.job_type)
            .map(|r| r.options.retry)
            .unwrap_or_else(|| self.engine.config().default_retry.clone());
        let retries_left = job.retry_count < job.max_retries;
        if err.is_temporary() && retries_left {
            let retry = job.retry_count + 1;
            let delay = policy.delay(retry, job.id);
            let run_at = self.engine.now() + to_delta(delay).unwrap_or_default();
            let data = json!({
                "error": err.public_message(),
                "detail": err.to_string(),
                "kind": err.kind().as_str(),
                "retry": retry,
                "max_retries": job.max_retries,
                "delay_ms": delay.as_millis() as u64,
                "run_at": run_at,
                "duration_ms": duration_ms,
            });
            return (
                JobOutcome::Retry {
                    error: err.public_message(),
                    run_at,
                },
                EventLevel::Warning,
                "job failed; retry scheduled",
                data,
            );
        }
        let err = err.persistent();
        let data = json!({
            "error": err.public_message(),
            "detail": err.to_string(),
            "kind": err.kind().as_str(),
            "status": err.status().as_str(),
            "retry_count": job.retry_count,
            "duration_ms": duration_ms,
        });
        (
            JobOutcome::Failed {
                error: err.public_message(),
            },
            EventLevel::Error,
            "job failed",
            data,
        )
    }
}

/// How one attempt ended, before it is recorded.
/// About how long a start over its type's concurrency limit waits before it
/// tries again (from half to one and a half times this).
const CONCURRENCY_WAIT: Duration = Duration::from_millis(400);

/// How many jobs a concurrency count looks past that finished in this process
/// and wait for their outcome to be written.
const FINISHED_UNWRITTEN_SEEN: usize = 64;

pub(super) enum Attempt {
    Finished(Result<Value>),
    /// The workflow asked to run again after this long.
    Snoozed(Duration),
    /// Its type's rate limit is used up until this time: not started.
    RateLimited(DateTime<Utc>),
    /// Its type's concurrency limit is reached: not started.
    Busy,
    Cancelled,
    LeaseLost,
    Released,
}
