use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;
use crate::domain::JobId;

/// What a queue can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueCapabilities {
    /// Holds messages until their `available_at` (otherwise delivers at once and the
    /// engine's store polling picks up delayed jobs).
    pub delayed_delivery: bool,
    /// Several processes may share the queue.
    pub shared_across_processes: bool,
    /// The queue is the job store's own table of queued jobs: it holds no messages,
    /// `push` only wakes workers, and `pop` returns no deliveries but waits until the
    /// store has a due queued job (or `wait` passes), which the worker then claims
    /// straight from the store. One claim statement per batch instead of a pop, a
    /// claim and an ack; nothing to lose or repeat.
    pub claims_from_store: bool,
}

impl QueueCapabilities {
    /// Capabilities as given.
    pub fn new(delayed_delivery: bool, shared_across_processes: bool) -> Self {
        QueueCapabilities {
            delayed_delivery,
            shared_across_processes,
            claims_from_store: false,
        }
    }

    /// Marks the queue as the store's own table of queued jobs.
    pub fn claiming_from_store(mut self) -> Self {
        self.claims_from_store = true;
        self
    }
}

/// A job id to deliver, not before `available_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueMessage {
    /// The job.
    pub job_id: JobId,
    /// Earliest delivery.
    pub available_at: DateTime<Utc>,
    /// The job's priority: among due messages, a queue delivers in the job
    /// store's [`claim_order`](crate::domain::claim_order).
    pub priority: i16,
}

impl QueueMessage {
    /// The message that announces a queued job.
    pub fn of(job: &crate::domain::Job) -> QueueMessage {
        QueueMessage {
            job_id: job.id,
            available_at: job.run_at,
            priority: job.priority,
        }
    }
}

/// A delivered message. Ack it once handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The job.
    pub job_id: JobId,
    /// Opaque handle the queue needs to ack this delivery.
    pub receipt: String,
}

/// How many messages to take and how long to wait for the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopOptions {
    /// At most this many (at least 1).
    pub max: usize,
    /// Wait up to this long when nothing is ready.
    pub wait: Duration,
    /// The named queues the popper serves (`None`: all). Only a queue that
    /// [claims from the store](QueueCapabilities::claims_from_store) filters by
    /// it; the engine never pops a delivering queue for a subset of queues.
    pub queues: Option<Arc<[String]>>,
}

/// Messages in a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Deliverable now.
    pub ready: u64,
    /// Waiting for their `available_at`.
    pub delayed: u64,
}

/// Delivery of runnable job ids to workers.
///
/// # Contract
/// - The queue is not the truth: it may lose or repeat messages (a flushed Redis, a
///   crash between pop and ack). The engine claims through the [`JobStore`] before it
///   runs anything, and idle workers poll the store, so a lost message delays a job but
///   never loses it and a repeated one never runs it twice at once.
/// - `pop` never hands one pushed message to two concurrent poppers.
/// - Due messages are delivered in [`claim_order`](crate::domain::claim_order)
///   of their `available_at` and `priority`; messages with the same order in
///   push order.
/// - With `delayed_delivery`, nothing is delivered before its `available_at`.
/// - A push wakes a waiting `pop` in the same process promptly.
///
/// [`JobStore`]: crate::JobStore
#[async_trait]
pub trait Queue: Send + Sync + Debug + 'static {
    /// What this queue can do.
    fn capabilities(&self) -> QueueCapabilities;

    /// Adds messages.
    async fn push(&self, messages: &[QueueMessage]) -> Result<()>;

    /// Takes up to `max` deliverable messages, waiting up to `wait` for the first.
    /// Returns an empty list on timeout.
    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>>;

    /// Acknowledges handled deliveries (a no-op for queues that forget on pop).
    async fn ack(&self, deliveries: &[Delivery]) -> Result<()>;

    /// Messages waiting.
    async fn depth(&self) -> Result<QueueDepth>;
}
