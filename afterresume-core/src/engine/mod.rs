//! The job engine: enqueue, claim with leases, run workflows, retry, cancel, chain,
//! schedule and clean up.
//!
//! An [`Engine`] is built from the ports with [`EngineBuilder`]. It is cheap to clone
//! and can be shared by hosts. [`Engine::start`] runs workers, the scheduler and the
//! reaper inside the process and returns a [`RunningEngine`] to shut them down.

mod builder;
mod completer;
mod context;
mod dead_letters;
mod events;
mod jobs;
mod maintenance;
mod metrics;
mod pace;
mod queues;
mod rate_limit;
mod registry;
mod retry;
mod runner;
mod scheduler;
mod started;
mod unique;
mod webhooks;
mod worker;

/// The "job queued" event lives in the domain (stores rebuild it from a job's
/// row); re-exported where the engine's users have always found it.
pub use crate::domain::{QUEUED_MESSAGE, QueuedFacts, queued_event};
pub use builder::{EngineBuilder, EngineConfig};
pub use context::{ExecutionContext, MAX_PROGRESS_MESSAGE, MAX_SNOOZE, PROGRESS_KEY};
pub use jobs::{EnqueueOptions, EnqueueRequest, JobProgress, MAX_IDEMPOTENCY_KEY_LEN};
pub use metrics::{DURATION_BUCKETS, DurationHistogram, EngineMetricsSnapshot};
pub use rate_limit::{Admission, RateLimit, RateLimiter};
pub use registry::{
    ConcurrencyScope, JobTypeOptions, Workflow, WorkflowFn, validate_job_type, workflow_fn,
};
pub use retry::RetryPolicy;
pub use scheduler::ScheduleSpec;
pub use unique::Uniqueness;
pub use webhooks::{
    EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_DELIVER, outcome_event,
    parse_outcomes, webhook_signature,
};
pub use worker::{RunningEngine, WorkerOptions};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;
use crate::domain::JobId;
use crate::ports::{SharedEventSink, SharedJobStore, SharedQueue};
use events::EventRecorder;
use registry::Registry;

/// The job engine. Clones share everything.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: SharedJobStore,
    queue: SharedQueue,
    recorder: EventRecorder,
    clock: SharedClock,
    registry: Registry,
    config: EngineConfig,
    /// Cancellation tokens of the jobs this process runs now, so a local cancel
    /// reaches its workflow at once instead of at the next heartbeat.
    running: Mutex<HashMap<JobId, CancellationToken>>,
    /// Attempt counters and durations of this process.
    metrics: metrics::EngineMetrics,
    /// The job store is also the event sink and writes a job's first event in the
    /// job's own transaction.
    store_writes_events: bool,
    /// Enforces job types' rate limits through the shared store.
    limiter: Option<RateLimiter>,
    /// Outcomes announced to a webhook (see `webhooks.rs`).
    webhook_outcomes: Option<Vec<crate::domain::JobStatus>>,
}

impl Engine {
    /// Starts building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The job store.
    pub fn store(&self) -> &SharedJobStore {
        &self.inner.store
    }

    /// The queue.
    pub fn queue(&self) -> &SharedQueue {
        &self.inner.queue
    }

    /// The event sink.
    pub fn event_sink(&self) -> &SharedEventSink {
        self.inner.recorder.sink()
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Whether the job store writes the timeline in its own transactions (it has
    /// an event writer, and the event sink reads the same storage): then a
    /// job is never seen queued, started or finished without the event that says so.
    pub fn store_writes_events(&self) -> bool {
        self.inner.store_writes_events
    }

    /// The store's event writer, when the engine writes events through it.
    pub(crate) fn event_writer(&self) -> Option<&dyn crate::ports::JobEventWriter> {
        self.inner
            .store_writes_events
            .then(|| self.inner.store.event_writer())
            .flatten()
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Now, by the engine's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Registers (or replaces) the workflow of a job type.
    pub fn register(
        &self,
        job_type: &str,
        workflow: impl Workflow,
        options: JobTypeOptions,
    ) -> crate::Result<()> {
        self.inner.registry.register(
            job_type,
            Arc::new(workflow),
            options,
            self.inner.limiter.is_some(),
        )
    }

    /// The rate limiter, when the engine has one.
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.limiter.as_ref()
    }

    /// Registered job types, sorted.
    pub fn job_types(&self) -> Vec<String> {
        self.inner.registry.job_types()
    }

    /// Attempts finished by this process's workers and their run times.
    pub fn metrics(&self) -> EngineMetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    /// How many jobs this process's workers are running now.
    pub fn running_jobs(&self) -> usize {
        self.running().len()
    }

    pub(crate) fn recorder(&self) -> &EventRecorder {
        &self.inner.recorder
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, CancellationToken>> {
        self.inner.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}
