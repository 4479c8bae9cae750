//! Workers: the dispatcher that claims jobs (from the queue or straight from the
//! store) for the runner, and the handle that starts and stops workers, scheduler
//! and reaper.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Engine;
use super::completer::Completer;
use super::pace::Pace;
use super::runner::{Claim, Claimed, Runner};
use super::started::StartedWrite;
use crate::Result;
use crate::domain::{Job, check_queue_name};
use crate::ports::PopOptions;

/// What to run in this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerOptions {
    /// Number of concurrent workers (each runs one job at a time).
    pub workers: usize,
    /// Run the scheduler loop.
    pub scheduler: bool,
    /// Run the lease reaper (and retention, when configured).
    pub maintenance: bool,
    /// A name for this process in worker ids and events.
    pub name: String,
    /// The named queues these workers serve (`None`: every queue). A process
    /// serving a subset claims from the store: with a queue that delivers
    /// messages (Redis), it leaves them to processes serving every queue and
    /// finds its own jobs by polling the store each poll interval.
    pub queues: Option<Vec<String>>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            workers: 2,
            scheduler: true,
            maintenance: true,
            name: format!("{}-{}", hostname(), std::process::id()),
            queues: None,
        }
    }
}

impl WorkerOptions {
    /// `n` workers with scheduler and maintenance.
    pub fn workers(n: usize) -> Self {
        WorkerOptions {
            workers: n,
            ..Self::default()
        }
    }

    /// Checks options a user gave: at least one worker or loop, and valid queue
    /// names (at least one when a set is given).
    pub fn check(&self) -> Result<()> {
        if let Some(queues) = &self.queues {
            if queues.is_empty() {
                return Err(crate::Error::invalid_input(
                    "queues: name at least one queue to serve",
                ));
            }
            for name in queues {
                check_queue_name(name)?;
            }
        }
        Ok(())
    }

    /// Serves only these named queues.
    pub fn serving(mut self, queues: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.queues = Some(queues.into_iter().map(Into::into).collect());
        self
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
}

/// Workers, scheduler and reaper running in this process.
///
/// Dropping the handle without [`shutdown`](Self::shutdown) stops the loops abruptly;
/// leases of in-flight jobs then expire and the reaper of another process (or the next
/// start) returns those jobs to the queue.
#[derive(Debug)]
pub struct RunningEngine {
    engine: Engine,
    /// Stop taking new work.
    stop: CancellationToken,
    /// Give in-flight jobs back now.
    abort: CancellationToken,
    tasks: JoinSet<()>,
}

impl Engine {
    /// Starts workers (and, as asked, the scheduler and maintenance loops) on the
    /// current tokio runtime.
    /// Hosts check options from users with [`WorkerOptions::check`] first.
    pub fn start(&self, opts: WorkerOptions) -> RunningEngine {
        let queues = opts.queues.as_ref().map(|q| served_queues(q));
        let stop = CancellationToken::new();
        let abort = CancellationToken::new();
        let mut tasks = JoinSet::new();
        if opts.workers > 0 {
            let completer = Completer::spawn(self.clone(), &mut tasks);
            let runner = Arc::new(Runner {
                engine: self.clone(),
                id: opts.name.clone(),
                abort: abort.clone(),
                completer: Some(completer),
                slots: Some(Arc::new(Semaphore::new(opts.workers))),
                pace: Pace::new(opts.workers, self.config().prefetch),
                queues,
            });
            let capacity = opts.workers + self.config().prefetch;
            let batch = self.config().claim_batch.clamp(1, capacity);
            let claims = Arc::new(Semaphore::new(capacity));
            for _ in 0..self.config().fetchers.clamp(1, opts.workers) {
                let dispatcher = Dispatcher {
                    runner: Arc::clone(&runner),
                    claims: Arc::clone(&claims),
                    capacity,
                    batch,
                    stop: stop.clone(),
                };
                tasks.spawn(dispatcher.run());
            }
        }
        if opts.scheduler {
            tasks.spawn(self.clone().scheduler_loop(stop.clone()));
        }
        if opts.maintenance {
            tasks.spawn(self.clone().maintenance_loop(stop.clone()));
        }
        RunningEngine {
            engine: self.clone(),
            stop,
            abort,
            tasks,
        }
    }
}

/// A worker's queue set, sorted and without repeats.
fn served_queues(queues: &[String]) -> Arc<[String]> {
    let mut names = queues.to_vec();
    names.sort();
    names.dedup();
    names.into()
}

impl RunningEngine {
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Stops gracefully: no new jobs are taken; in-flight jobs may finish within
    /// `grace`; after that they are released back to `queued` (without spending a retry)
    /// for another worker to run.
    pub async fn shutdown(mut self, grace: Duration) {
        self.stop.cancel();
        let drained = tokio::time::timeout(grace, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            self.abort.cancel();
            while self.tasks.join_next().await.is_some() {}
        }
    }
}

/// Fetches work for a pool of worker slots: as many jobs as there are free claims
/// (worker slots plus as many ahead as the pace allows, see [`Pace`]), up to the
/// claim batch, in one queue pop and one store claim, then runs each job in its own
/// task, which holds its claim until the workflow returns and waits for a worker slot
/// before it starts it.
struct Dispatcher {
    runner: Arc<Runner>,
    claims: Arc<Semaphore>,
    /// Permits of `claims`: worker slots plus `prefetch`.
    capacity: usize,
    batch: usize,
    stop: CancellationToken,
}

impl Dispatcher {
    async fn run(self) {
        let mut running = JoinSet::new();
        // After the store (not the queue) filled a whole claim, look there again at
        // once: there may be a backlog the queue lost, and waiting on the queue would
        // drain it one poll interval at a time. A claim the store could not fill
        // found every due job it could take: looking again would only come back empty.
        let mut backlog = false;
        loop {
            let pace = &self.runner.pace;
            let in_use = || self.capacity - self.claims.available_permits();
            if pace.claim_limit() < self.capacity {
                let poll = self.runner.engine.config().poll_interval;
                tokio::select! {
                    _ = pace.room(in_use, poll) => {}
                    _ = self.stop.cancelled() => break,
                }
            }
            let first = tokio::select! {
                permit = Arc::clone(&self.claims).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
                _ = self.stop.cancelled() => break,
            };
            let mut permits = vec![first];
            while permits.len() < self.batch && in_use() < pace.claim_limit() {
                match Arc::clone(&self.claims).try_acquire_owned() {
                    Ok(permit) => permits.push(permit),
                    Err(_) => break,
                }
            }
            let wanted = permits.len();
            match self.next_jobs(wanted, backlog).await {
                Ok((Claimed { jobs, started }, from_store)) => {
                    backlog = from_store && jobs.len() >= wanted;
                    for job in jobs {
                        let Some(permit) = permits.pop() else { break };
                        let runner = Arc::clone(&self.runner);
                        let started = started.clone();
                        running
                            .spawn(async move { runner.run_job(job, Some(permit), started).await });
                    }
                }
                Err(err) => {
                    tracing::warn!(worker = %self.runner.id, error = %err, "worker could not fetch work");
                    backlog = false;
                    tokio::select! {
                        _ = tokio::time::sleep(self.runner.engine.config().poll_interval) => {}
                        _ = self.stop.cancelled() => {}
                    }
                }
            }
            drop(permits);
            while running.try_join_next().is_some() {}
        }
        // Stopping: in-flight jobs finish, or are released when `abort` fires.
        while running.join_next().await.is_some() {}
    }

    /// Up to `max` jobs to run: from the queue, or, when the queue has nothing,
    /// straight from the store (jobs whose message was lost, or that became due while
    /// the queue could not hold them). Also says whether the store supplied them.
    async fn next_jobs(&self, max: usize, backlog: bool) -> Result<(Claimed, bool)> {
        let engine = &self.runner.engine;
        let wait = if backlog {
            Duration::ZERO
        } else {
            engine.config().poll_interval
        };
        let queues = self.runner.queues.clone();
        let deliveries = if queues.is_some() && !engine.queue().capabilities().claims_from_store {
            // A delivering queue holds every queue's messages: popping them
            // for a subset would take other processes' work.
            tokio::select! {
                _ = tokio::time::sleep(wait) => Vec::new(),
                _ = self.stop.cancelled() => return Ok((Claimed::none(), false)),
            }
        } else {
            let pop = PopOptions { max, wait, queues };
            tokio::select! {
                d = engine.queue().pop(&pop) => d?,
                _ = self.stop.cancelled() => return Ok((Claimed::none(), false)),
            }
        };
        if deliveries.is_empty() {
            let claimed = self.runner.claim(Claim::Due(max)).await?;
            return Ok((claimed, true));
        }
        let mut ids: Vec<_> = deliveries.iter().map(|d| d.job_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let claimed = self.runner.claim(Claim::Ids(&ids)).await?;
        // A delivery that did not lead to a claim is stale (the job ran, was cancelled,
        // or is not due yet and will be found by store polling): dropping it is safe.
        engine.queue().ack(&deliveries).await?;
        Ok((claimed, false))
    }
}

impl Engine {
    /// Claims one due job from the store and runs it to completion in this task;
    /// returns the job as it ended, or `None` when nothing is due. For tests and
    /// hosts that drive jobs by hand (with a manual clock, retries become deterministic).
    pub async fn run_next(&self) -> Result<Option<Job>> {
        let worker = Runner {
            engine: self.clone(),
            id: "inline".to_owned(),
            abort: CancellationToken::new(),
            completer: None,
            slots: None,
            pace: Pace::new(1, 0),
            queues: None,
        };
        let Claimed { jobs, started } = worker.claim(Claim::Due(1)).await?;
        let Some(job) = jobs.into_iter().next() else {
            return Ok(None);
        };
        let id = job.id;
        started.wait().await;
        worker.run_job(job, None, StartedWrite::written()).await;
        self.get_job(id).await.map(Some)
    }
}
