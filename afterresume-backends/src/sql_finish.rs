//! Completion writes for the SQL stores: every outcome becomes one row of values
//! that an `UPDATE ... FROM` applies, fenced by `(id, attempt)` so a stale lease
//! changes nothing. Postgres applies a whole batch in one statement; SQLite runs the
//! one-row form per outcome inside its writer's group transaction (in-process, a
//! prepared statement per row is cheaper than parsing a statement per batch size).

use std::collections::HashMap;

use afterresume_core::Error;
use afterresume_core::domain::{Job, JobId, NewEvent};
use afterresume_core::ports::{JobOutcome, Lease};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The columns one outcome writes. `None` keeps the stored value, so one statement
/// serves every kind of outcome:
///
/// | outcome   | status    | result | error  | finished_at | run_at | retry |
/// |-----------|-----------|--------|--------|-------------|--------|-------|
/// | succeeded | success   | value  | NULL   | now         | keep   | no    |
/// | failed    | failed    | keep   | text   | now         | keep   | no    |
/// | cancelled | cancelled | keep   | reason | now         | keep   | no    |
/// | retry     | queued    | keep   | text   | keep        | run_at | yes   |
/// | released  | queued    | keep   | keep   | keep        | now    | no    |
///
/// A success clears `error` (the statement does that for status `success`).
#[derive(Debug)]
pub(crate) struct FinishRow {
    pub(crate) job_id: JobId,
    pub(crate) attempt: u32,
    pub(crate) status: &'static str,
    pub(crate) result: Option<Value>,
    pub(crate) error: Option<String>,
    pub(crate) finished_at: Option<DateTime<Utc>>,
    pub(crate) run_at: Option<DateTime<Utc>>,
    /// Counts a retry: `retry_count + 1` and trigger `retry`.
    pub(crate) retry: bool,
}

impl FinishRow {
    pub(crate) fn new(lease: &Lease, outcome: JobOutcome, now: DateTime<Utc>) -> Self {
        let mut row = FinishRow {
            job_id: lease.job_id,
            attempt: lease.attempt,
            status: "queued",
            result: None,
            error: None,
            finished_at: None,
            run_at: None,
            retry: false,
        };
        match outcome {
            JobOutcome::Succeeded { result } => {
                row.status = "success";
                row.result = Some(result);
                row.finished_at = Some(now);
            }
            JobOutcome::Failed { error } => {
                row.status = "failed";
                row.error = Some(error);
                row.finished_at = Some(now);
            }
            JobOutcome::Cancelled { reason } => {
                row.status = "cancelled";
                row.error = Some(reason);
                row.finished_at = Some(now);
            }
            JobOutcome::Retry { error, run_at } => {
                row.error = Some(error);
                row.run_at = Some(run_at);
                row.retry = true;
            }
            JobOutcome::Released => row.run_at = Some(now),
            JobOutcome::Snoozed { run_at } => row.run_at = Some(run_at),
        }
        row
    }
}

/// The `SET` list both SQL dialects share; the values table is aliased `v`.
pub(crate) const FINISH_SET: &str = "status = v.status, \
     result = CASE WHEN v.status = 'success' THEN v.result ELSE jobs.result END, \
     error = CASE WHEN v.status = 'success' THEN NULL ELSE COALESCE(v.error, jobs.error) END, \
     finished_at = COALESCE(v.finished_at, jobs.finished_at), \
     run_at = COALESCE(v.run_at, jobs.run_at), \
     retry_count = jobs.retry_count + v.retry, \
     trigger = CASE WHEN v.retry = 1 THEN 'retry' ELSE jobs.trigger END, \
     lease_expires_at = NULL";

/// The fence both dialects share: only the attempt the lease names, while it runs.
/// The status test sits inside a `CASE` so that no index on status can serve it:
/// the rows are found by primary key only (see `CLAIMABLE` in the Postgres store
/// for the plan that a plain `status = 'running'` invites).
pub(crate) const FINISH_WHERE: &str = "jobs.id = v.id \
     AND CASE WHEN jobs.status = 'running' THEN jobs.attempt = v.attempt ELSE false END";

/// Pairs each lease with the row the statement returned for it; a lease with no
/// row is looked up by `failure` (lost to another attempt, or gone).
pub(crate) async fn match_finished<F, Fut>(
    leases: Vec<Lease>,
    written: Vec<Job>,
    failure: F,
) -> Vec<afterresume_core::Result<Job>>
where
    F: Fn(Lease) -> Fut,
    Fut: std::future::Future<Output = Error>,
{
    let mut by_id: HashMap<JobId, Job> = written.into_iter().map(|j| (j.id, j)).collect();
    let mut results = Vec::with_capacity(leases.len());
    for lease in leases {
        match by_id.remove(&lease.job_id) {
            Some(job) if job.attempt == lease.attempt => results.push(Ok(job)),
            Some(job) => {
                // Another lease of the same job in this batch won; put it back.
                by_id.insert(job.id, job);
                results.push(Err(failure(lease).await));
            }
            None => results.push(Err(failure(lease).await)),
        }
    }
    results
}

/// Splits completions with their events into the leases (to match results with),
/// the outcomes and the events, each in item order.
pub(crate) fn split_announced(
    items: Vec<(Lease, JobOutcome, NewEvent)>,
) -> (Vec<Lease>, Vec<(Lease, JobOutcome)>, Vec<NewEvent>) {
    let mut leases = Vec::with_capacity(items.len());
    let mut outcomes = Vec::with_capacity(items.len());
    let mut events = Vec::with_capacity(items.len());
    for (lease, outcome, event) in items {
        leases.push(lease.clone());
        outcomes.push((lease, outcome));
        events.push(event);
    }
    (leases, outcomes, events)
}
