//! Job stores that write events in the same transaction as the jobs.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;
use crate::domain::{Job, JobId, NewEvent, NewJob, QueuedFacts};
use crate::ports::{ClaimOptions, InsertedJob, JobOutcome, Lease};

/// A job store that keeps the event timeline in its own database (it is also
/// the [`EventSink`](crate::ports::EventSink)) and so can write a job's first
/// event in the same transaction as the job, a claim's "job started" events with
/// the claim, and an outcome's event with the outcome. The engine uses it when
/// its event sink is this very timeline ([`event_timeline`](Self::event_timeline)):
/// one commit per enqueue, claim or completion batch instead of two, and no
/// moment in which a job is finished but its timeline is not.
///
/// A store offers it through [`JobStore::event_writer`](crate::ports::JobStore::event_writer).
///
/// # Contract
/// Each method keeps the contract of the [`JobStore`](crate::ports::JobStore)
/// method it extends, and writes the given events in the same transaction:
/// after a crash both the state change and its events are there, or neither.
#[async_trait]
pub trait JobEventWriter: Send + Sync {
    /// Names the storage the events go to, as
    /// [`EventSink::timeline`](crate::ports::EventSink::timeline) does for a sink;
    /// `None`: only an engine whose sink is this very object uses the writer.
    fn event_timeline(&self) -> Option<String>;

    /// Like [`JobStore::insert_jobs`](crate::ports::JobStore::insert_jobs), and
    /// appends each given event whose job the call created (none for a job that
    /// already had its idempotency key).
    async fn insert_jobs_with_events(
        &self,
        jobs: Vec<(NewJob, NewEvent)>,
    ) -> Result<Vec<InsertedJob>>;

    /// [`insert_jobs_with_events`](Self::insert_jobs_with_events) where each
    /// job's event is its standard "job queued" one ([`QueuedFacts::of_new`]):
    /// what the engine writes for every job it creates. A store that keeps that
    /// event in the job's row overrides this to skip building, copying and
    /// comparing a JSON document per job; the default builds the events.
    async fn insert_queued_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        let pairs = jobs
            .into_iter()
            .map(|job| {
                let event = QueuedFacts::of_new(&job).event();
                (job, event)
            })
            .collect();
        self.insert_jobs_with_events(pairs).await
    }

    /// Like [`JobStore::claim_jobs`](crate::ports::JobStore::claim_jobs), and
    /// appends each claimed job's [`ClaimOptions::started_event`]: the timeline
    /// shows the job started before anything the job itself writes.
    async fn claim_jobs_with_events(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>>;

    /// Like [`JobStore::claim_due`](crate::ports::JobStore::claim_due), with the
    /// started events of [`claim_jobs_with_events`](Self::claim_jobs_with_events).
    async fn claim_due_with_events(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>>;

    /// Like [`JobStore::finish_jobs`](crate::ports::JobStore::finish_jobs), and
    /// appends each item's event when that item's outcome is written (none for
    /// a stale lease): a reader who sees the new status also sees the event.
    async fn finish_jobs_with_events(
        &self,
        items: Vec<(Lease, JobOutcome, NewEvent)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>>;
}
