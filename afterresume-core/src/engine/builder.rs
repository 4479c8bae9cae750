//! Building an [`Engine`] from chosen backends.

use std::sync::Arc;
use std::time::Duration;

use super::registry::{JobTypeOptions, Registry, Workflow};
use super::{Engine, EventRecorder, Inner, RateLimiter, RetryPolicy};
use crate::clock::{SharedClock, SystemClock};
use crate::domain::JobStatus;
use crate::ports::{SharedEventSink, SharedJobStore, SharedQueue, ThrottleStore};
use crate::{Error, Result};

/// Timings and limits of the engine. The defaults suit a small deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// How long a claim holds a job without a heartbeat.
    pub lease_ttl: Duration,
    /// How often a running job's lease is extended (well under `lease_ttl`).
    pub heartbeat_interval: Duration,
    /// How long an idle worker waits on the queue before it polls the store for due
    /// jobs that the queue lost or never had.
    pub poll_interval: Duration,
    /// How many jobs a process claims in one store round trip at most (bounded by its
    /// free claims: worker slots plus `prefetch`). Larger batches mean fewer round
    /// trips under load.
    pub claim_batch: usize,
    /// How many fetches (queue pop plus store claim) a process keeps in flight at
    /// once, all filling the same worker slots. One fetch at a time caps throughput at
    /// a batch per round trip; a few overlapping ones let the store commit them
    /// together (group commit) while jobs run.
    pub fetchers: usize,
    /// How many jobs a process may hold claimed beyond its worker slots at most, each
    /// waiting for a slot with its lease kept alive. Claiming the next jobs while the
    /// current ones run hides the claim round trip, which pays for short jobs only:
    /// once jobs have finished, a process holds ahead only as many as its slots start
    /// within 50 ms at their observed run time (all of `prefetch` for millisecond
    /// jobs, none for jobs of a second or more), so long jobs stay queued for any
    /// idle process.
    pub prefetch: usize,
    /// How long a `queued` job may sit due before the queue reconciler publishes it
    /// again (after a queue lost its data, e.g. a flushed Redis).
    pub reconcile_after: Duration,
    /// How long a cancelled workflow may take to stop on its own before it is dropped.
    pub cancel_grace: Duration,
    /// How often expired leases are reaped.
    pub reap_interval: Duration,
    /// How often the scheduler looks for due schedules.
    pub scheduler_interval: Duration,
    /// Retry policy of job types registered without options.
    pub default_retry: RetryPolicy,
    /// Delete finished jobs (and their events) older than this; `None` keeps them.
    pub retention: Option<Duration>,
    /// How often retention runs when enabled.
    pub retention_interval: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            lease_ttl: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(10),
            poll_interval: Duration::from_millis(500),
            claim_batch: 32,
            fetchers: 3,
            prefetch: 128,
            reconcile_after: Duration::from_secs(10),
            cancel_grace: Duration::from_secs(5),
            reap_interval: Duration::from_secs(5),
            scheduler_interval: Duration::from_secs(1),
            default_retry: RetryPolicy::default(),
            retention: None,
            retention_interval: Duration::from_secs(3600),
        }
    }
}

impl EngineConfig {
    /// Checks that the timings make sense together; the error names the field.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("lease_ttl", self.lease_ttl),
            ("heartbeat_interval", self.heartbeat_interval),
            ("poll_interval", self.poll_interval),
            ("reap_interval", self.reap_interval),
            ("scheduler_interval", self.scheduler_interval),
            ("retention_interval", self.retention_interval),
            ("reconcile_after", self.reconcile_after),
        ];
        if self.claim_batch == 0 {
            return Err(Error::config_invalid("claim_batch: must be at least 1"));
        }
        if self.fetchers == 0 {
            return Err(Error::config_invalid("fetchers: must be at least 1"));
        }
        for (name, value) in positive {
            if value.is_zero() {
                return Err(Error::config_invalid(format!(
                    "{name}: must be greater than zero"
                )));
            }
        }
        if self.heartbeat_interval >= self.lease_ttl {
            return Err(Error::config_invalid(
                "heartbeat_interval: must be shorter than lease_ttl, or leases expire while jobs run",
            ));
        }
        Ok(())
    }
}

/// Builds an [`Engine`]. The job store, queue and event sink are required.
#[derive(Default)]
pub struct EngineBuilder {
    store: Option<SharedJobStore>,
    queue: Option<SharedQueue>,
    events: Option<SharedEventSink>,
    clock: Option<SharedClock>,
    config: EngineConfig,
    workflows: Vec<(String, Arc<dyn Workflow>, Option<JobTypeOptions>)>,
    throttle: Option<Arc<dyn ThrottleStore>>,
    webhook_outcomes: Option<Vec<JobStatus>>,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("config", &self.config)
            .field(
                "workflows",
                &self.workflows.iter().map(|w| &w.0).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// The job store (required).
    pub fn with_job_store(mut self, store: SharedJobStore) -> Self {
        self.store = Some(store);
        self
    }

    /// The queue (required).
    pub fn with_queue(mut self, queue: SharedQueue) -> Self {
        self.queue = Some(queue);
        self
    }

    /// The event sink (required).
    pub fn with_event_sink(mut self, events: SharedEventSink) -> Self {
        self.events = Some(events);
        self
    }

    /// The clock (the system clock by default).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The counters that rate limits use: the throttle store every process
    /// shares (the domain store of the deployment). Job types with a rate
    /// limit need it.
    pub fn with_rate_limiter(mut self, throttle: Arc<dyn ThrottleStore>) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Announces jobs that end in one of `outcomes` by enqueueing a
    /// [`WEBHOOK_DELIVER`](super::WEBHOOK_DELIVER) job (register its
    /// workflow too: the binary's posts the signed event to a URL).
    pub fn with_webhooks(mut self, outcomes: Vec<JobStatus>) -> Self {
        self.webhook_outcomes = Some(outcomes);
        self
    }

    /// The configuration.
    pub fn with_config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Registers a workflow with the default retry policy.
    pub fn register(mut self, job_type: &str, workflow: impl Workflow) -> Self {
        self.workflows
            .push((job_type.to_owned(), Arc::new(workflow), None));
        self
    }

    /// Registers a workflow with its own options.
    pub fn register_with(
        mut self,
        job_type: &str,
        workflow: impl Workflow,
        options: JobTypeOptions,
    ) -> Self {
        self.workflows
            .push((job_type.to_owned(), Arc::new(workflow), Some(options)));
        self
    }

    /// Builds the engine; fails if a port is missing, the configuration is invalid or a
    /// job type name is not valid.
    pub fn build(self) -> Result<Engine> {
        self.config.validate()?;
        let missing = |what: &str| Error::config_invalid(format!("engine: no {what} configured"));
        let store = self.store.ok_or_else(|| missing("job store"))?;
        let queue = self.queue.ok_or_else(|| missing("queue"))?;
        let events = self.events.ok_or_else(|| missing("event sink"))?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let registry = Registry::default();
        let limiter = self
            .throttle
            .map(|throttle| RateLimiter::new(throttle, Arc::clone(&clock)));
        for (job_type, workflow, options) in self.workflows {
            let options = options.unwrap_or_else(|| JobTypeOptions {
                retry: self.config.default_retry.clone(),
                ..JobTypeOptions::default()
            });
            registry.register(&job_type, workflow, options, limiter.is_some())?;
        }
        // A store may write events in its own transactions when the sink reads the
        // same storage: one object serving as both, or handles that name the same
        // timeline (clones of one backend).
        let store_writes_events = store.event_writer().is_some_and(|writer| {
            std::ptr::addr_eq(Arc::as_ptr(&store), Arc::as_ptr(&events))
                || matches!((writer.event_timeline(), events.timeline()), (Some(a), Some(b)) if a == b)
        });
        Ok(Engine {
            inner: Arc::new(Inner {
                store_writes_events,
                store,
                queue,
                recorder: EventRecorder::new(events, Arc::clone(&clock)),
                clock,
                registry,
                config: self.config,
                running: Default::default(),
                metrics: Default::default(),
                limiter,
                webhook_outcomes: self.webhook_outcomes,
            }),
        })
    }
}
