use std::fmt::Debug;

use async_trait::async_trait;

use crate::Result;
use crate::domain::{Event, JobId, NewEvent};

/// Which events of a job to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListEventsOptions {
    /// Only events with an id greater than this (for tailing and paging).
    pub after_id: Option<i64>,
    /// At most this many (1..=10000); 0 means 1000.
    pub limit: usize,
}

impl ListEventsOptions {
    /// The effective page size.
    pub fn effective_limit(&self) -> usize {
        match self.limit {
            0 => 1000,
            n => n.min(10_000),
        }
    }
}

/// The per-job event timeline, written and read.
///
/// # Contract
/// - `append` is atomic per call: all events of the call are stored or none.
/// - Event ids increase in append order; `list` returns a job's events by ascending id,
///   so a timeline reads in the order it was written.
/// - `delete_for_jobs` removes every event of the given jobs and nothing else.
#[async_trait]
pub trait EventSink: Send + Sync + Debug + 'static {
    /// Appends events. They are passed by value: a sink that keeps them (in memory,
    /// or on a writer thread) takes them over instead of copying every one.
    async fn append(&self, events: Vec<NewEvent>) -> Result<()>;

    /// A job's events in append order.
    async fn list(&self, job_id: JobId, opts: &ListEventsOptions) -> Result<Vec<Event>>;

    /// Deletes all events of these jobs; returns how many were deleted.
    async fn delete_for_jobs(&self, job_ids: &[JobId]) -> Result<u64>;

    /// Names the storage this sink keeps the timeline in, for job stores that write
    /// events in their own transactions: the engine lets its store do so when the
    /// store's [`JobEventWriter::event_timeline`](crate::ports::JobEventWriter::event_timeline)
    /// names the same storage, so that two handles on one backend (two `Arc`s of
    /// clones) share the timeline as one object would. `None` (the default): only
    /// this very object.
    fn timeline(&self) -> Option<String> {
        None
    }
}
