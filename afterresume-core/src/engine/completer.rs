//! Bundled completion writes. Workers hand their outcome (and the event that
//! announces it) to one task per process, which writes everything that is
//! waiting in one write (outcomes and events in one transaction when the store
//! is also the event sink), then answers each worker. Under load the batches
//! grow by themselves (while one batch is written the next one gathers); an idle
//! process writes each completion alone, with no added delay.

use chrono::{DateTime, Utc};

use tokio::sync::{mpsc, oneshot};

use super::Engine;
use crate::domain::{Job, NewEvent};
use crate::ports::{JobOutcome, Lease};
use crate::{Error, Result};

/// The most completions one write carries.
const MAX_BATCH: usize = 256;

/// One worker's outcome.
pub(crate) struct Completion {
    pub(crate) lease: Lease,
    pub(crate) outcome: JobOutcome,
    /// Written only when the outcome is.
    pub(crate) event: NewEvent,
    pub(crate) reply: oneshot::Sender<Result<Job>>,
}

/// Where workers send completions.
#[derive(Debug, Clone)]
pub(crate) struct Completer {
    sender: mpsc::Sender<Completion>,
}

impl Completer {
    /// Starts the writer task; it ends when every `Completer` clone is dropped and
    /// the queue is drained.
    pub(crate) fn spawn(engine: Engine, tasks: &mut tokio::task::JoinSet<()>) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tasks.spawn(write_loop(engine, receiver));
        Completer { sender }
    }

    /// Stores an outcome (and its event) and returns the job as stored.
    pub(crate) async fn complete(
        &self,
        lease: Lease,
        outcome: JobOutcome,
        event: NewEvent,
    ) -> Result<Job> {
        let (reply, answer) = oneshot::channel();
        let completion = Completion {
            lease,
            outcome,
            event,
            reply,
        };
        self.sender
            .send(completion)
            .await
            .map_err(|_| Error::unexpected("the completion writer has stopped"))?;
        answer
            .await
            .map_err(|_| Error::unexpected("the completion writer dropped a completion"))?
    }
}

/// Writes one batch at a time: while it is written, the next one gathers. Writing
/// several at once looked like using a connection pool's parallelism, but on
/// Postgres it only split the same work into more, smaller transactions: with four
/// batches in flight the peer benchmark drained 5.5-5.7k jobs/s, with one
/// 7.9-8.9k (the same run, the same machine), because each commit costs about as
/// much as the rows it carries. SQLite has one writer anyway.
async fn write_loop(engine: Engine, mut receiver: mpsc::Receiver<Completion>) {
    // One buffer for the life of the loop: a batch is usually far smaller than
    // MAX_BATCH, and a fresh MAX_BATCH-sized buffer per batch was most of the bytes
    // the memory backend allocated per job.
    let mut batch = Vec::new();
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_batch(&engine, batch.drain(..), engine.now()).await;
    }
}

async fn write_batch(
    engine: &Engine,
    batch: impl ExactSizeIterator<Item = Completion>,
    now: DateTime<Utc>,
) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut items = Vec::with_capacity(batch.len());
    for c in batch {
        items.push((c.lease, c.outcome, c.event));
        replies.push(c.reply);
    }
    match store_outcomes(engine, items, now).await {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        Err(err) => {
            for reply in replies {
                let _ = reply.send(Err(Error::new(err.kind(), err.message().to_owned())));
            }
        }
    }
}

/// Writes outcomes and, for each one written, the event that announces it: in the
/// outcomes' own transaction when the store is also the event sink, else right
/// after them through the sink (a reader may then see a finished job a moment
/// before its last event). One result per item, in order.
pub(crate) async fn store_outcomes(
    engine: &Engine,
    items: Vec<(Lease, JobOutcome, NewEvent)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<Job>>> {
    if let Some(writer) = engine.event_writer() {
        let events: Vec<NewEvent> = items.iter().map(|(_, _, e)| e.clone()).collect();
        let results = writer.finish_jobs_with_events(items, now).await?;
        let written = results.iter().zip(&events).filter(|(r, _)| r.is_ok());
        engine.recorder().trace_many(written.map(|(_, e)| e));
        return Ok(results);
    }
    let mut events = Vec::with_capacity(items.len());
    let mut outcomes = Vec::with_capacity(items.len());
    for (lease, outcome, event) in items {
        outcomes.push((lease, outcome));
        events.push(event);
    }
    let results = engine.store().finish_jobs(outcomes, now).await?;
    let written: Vec<NewEvent> = results
        .iter()
        .zip(events)
        .filter(|(r, _)| r.is_ok())
        .map(|(_, e)| e)
        .collect();
    if !written.is_empty() {
        engine.recorder().lifecycle_many(written).await;
    }
    Ok(results)
}
