//! [`JobStore`] on Postgres: every transition is one conditional `UPDATE ... RETURNING`;
//! claims skip rows other workers hold (`FOR UPDATE SKIP LOCKED`).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use afterresume_core::domain::{
    EventLevel, EventSource, Job, JobId, JobStatus, LOWEST_PRIORITY, NewEvent, NewJob, NewSchedule,
    Schedule, ScheduleId, claim_order,
};
use afterresume_core::ports::{
    CancelOutcome, ClaimOptions, InsertedJob, JobCount, JobEventWriter, JobFilter, JobOutcome,
    JobStore, JobStoreCapabilities, Lease, Pause, PauseTarget, QueueMessage, QueueStats,
    STARTED_MESSAGE, ScheduleStore, requeue_conflict,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use super::{PostgresBackend, copy_in, map_sqlx};
use crate::common::as_stored;
use crate::memory::lease_lost;
use crate::sql_finish::{FINISH_SET, FINISH_WHERE, FinishRow, match_finished, split_announced};

mod claim;
mod event_writer;
mod finish;
mod insert;
mod pauses;
#[cfg(all(test, feature = "conformance"))]
mod plan_tests;
mod schedules;

use claim::*;
pub(super) use claim::{DUE_BY_CLAIM_ORDER, NOT_PAUSED};
use finish::*;
pub(super) use insert::{FirstEvents, insert_one};

fn get<T>(row: &PgRow, column: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(map_sqlx)
}

fn job_from_row(row: &PgRow) -> Result<Job> {
    Ok(Job {
        id: get(row, "id")?,
        job_type: get(row, "job_type")?,
        status: get::<String>(row, "status")?.parse()?,
        trigger: get::<String>(row, "trigger")?.parse()?,
        payload: get(row, "payload")?,
        result: get(row, "result")?,
        error: get(row, "error")?,
        retry_count: get::<i32>(row, "retry_count")? as u32,
        max_retries: get::<i32>(row, "max_retries")? as u32,
        idempotency_key: get(row, "idempotency_key")?,
        parent_job_id: get(row, "parent_job_id")?,
        user_id: get(row, "user_id")?,
        trace_id: get(row, "trace_id")?,
        run_at: get(row, "run_at")?,
        priority: get(row, "priority")?,
        queue: get(row, "queue")?,
        concurrency_key: get(row, "concurrency_key")?,
        attempt: get::<i32>(row, "attempt")? as u32,
        lease_expires_at: get(row, "lease_expires_at")?,
        worker_id: get(row, "worker_id")?,
        cancel_requested: get(row, "cancel_requested")?,
        created_at: get(row, "created_at")?,
        started_at: get(row, "started_at")?,
        finished_at: get(row, "finished_at")?,
    })
}

fn jobs_from_rows(rows: &[PgRow]) -> Result<Vec<Job>> {
    rows.iter().map(job_from_row).collect()
}

fn job_not_found(id: JobId) -> Error {
    Error::not_found(format!("job {id} not found"))
}

impl PostgresBackend {
    pub(super) async fn find_job(&self, id: JobId) -> Result<Option<Job>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Explains why a lease-guarded update matched no row.
    pub(super) async fn lease_failure(&self, lease: &Lease) -> Error {
        match self.find_job(lease.job_id).await {
            Ok(Some(job)) => lease_lost(lease, &job),
            Ok(None) => job_not_found(lease.job_id),
            Err(err) => err,
        }
    }
}

#[async_trait]
impl JobStore for PostgresBackend {
    fn capabilities(&self) -> JobStoreCapabilities {
        JobStoreCapabilities::new(true)
    }

    fn event_writer(&self) -> Option<&dyn JobEventWriter> {
        Some(self)
    }

    /// One job by its own statement (the single enqueue), more in one batch.
    async fn insert_jobs(&self, mut jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        if jobs.len() == 1
            && let Some(new) = jobs.pop()
        {
            let mut conn = self.pool.acquire().await.map_err(map_sqlx)?;
            return Ok(vec![insert_one(&mut conn, new).await?]);
        }
        self.insert_batch(jobs, FirstEvents::None).await
    }

    async fn get_job(&self, id: JobId) -> Result<Job> {
        self.find_job(id).await?.ok_or_else(|| job_not_found(id))
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let mut q = QueryBuilder::new("");
        push_list(&mut q, filter);
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_sqlx)?;
        jobs_from_rows(&rows)
    }

    async fn claim_jobs(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>> {
        self.claim_ids(ids, opts, &CLAIM_IDS).await
    }

    async fn claim_due(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>> {
        self.claim_limit(limit, opts, &CLAIM_DUE).await
    }

    async fn queued_due(
        &self,
        due_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueueMessage>> {
        let rows = sqlx::query(&format!(
            "SELECT id, run_at, priority FROM jobs WHERE {} \
                 ORDER BY afterresume_claim_order(run_at, priority), id LIMIT $2",
            DUE_BY_CLAIM_ORDER.replace("$3", "$1")
        ))
        .bind(due_before)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok(QueueMessage {
                    job_id: get(r, "id")?,
                    available_at: get(r, "run_at")?,
                    priority: get(r, "priority")?,
                })
            })
            .collect()
    }

    async fn heartbeat(&self, lease: &Lease, lease_expires_at: DateTime<Utc>) -> Result<Job> {
        let row = sqlx::query(
            "UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND status = 'running' AND attempt = $3 RETURNING *",
        )
        .bind(lease_expires_at)
        .bind(lease.job_id)
        .bind(lease.attempt as i32)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        match row {
            Some(row) => job_from_row(&row),
            None => Err(self.lease_failure(lease).await),
        }
    }

    /// One statement for the whole batch: one round trip and one commit.
    async fn finish_jobs(
        &self,
        items: Vec<(Lease, JobOutcome)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>> {
        let leases: Vec<Lease> = items.iter().map(|(lease, _)| lease.clone()).collect();
        self.finish_batch(leases, FinishColumns::of(items, now), None)
            .await
    }

    async fn cancel_job(&self, id: JobId, now: DateTime<Utc>) -> Result<CancelOutcome> {
        let cancelled = sqlx::query(
            "UPDATE jobs SET status = 'cancelled', finished_at = $1, error = 'cancelled while queued' \
             WHERE id = $2 AND status = 'queued' RETURNING *",
        )
        .bind(now)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if let Some(row) = cancelled {
            return Ok(CancelOutcome::Cancelled(job_from_row(&row)?));
        }
        let requested = sqlx::query(
            "UPDATE jobs SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING *",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if let Some(row) = requested {
            return Ok(CancelOutcome::Requested(job_from_row(&row)?));
        }
        match self.find_job(id).await? {
            Some(job) => Err(Error::conflict(format!(
                "job {id} is already {}",
                job.status
            ))),
            None => Err(job_not_found(id)),
        }
    }

    async fn reap_expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Job>> {
        // In an UPDATE every expression sees the row as it was, so the CASEs agree.
        let rows = sqlx::query(
            "UPDATE jobs SET \
               status = CASE WHEN retry_count < max_retries THEN 'queued' ELSE 'failed' END, \
               retry_count = CASE WHEN retry_count < max_retries THEN retry_count + 1 ELSE retry_count END, \
               run_at = CASE WHEN retry_count < max_retries THEN $1 ELSE run_at END, \
               finished_at = CASE WHEN retry_count < max_retries THEN NULL ELSE $1 END, \
               error = CASE WHEN retry_count < max_retries \
                 THEN 'lease of attempt ' || attempt || ' expired' \
                 ELSE 'lease of attempt ' || attempt || ' expired and no retries are left' END, \
               lease_expires_at = NULL \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND lease_expires_at < $1 \
                          ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
               AND status = 'running' AND lease_expires_at < $1 \
             RETURNING *",
        )
        .bind(now)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        jobs_from_rows(&rows)
    }

    async fn delete_finished_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<JobId>> {
        let rows = sqlx::query(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < $1 \
             AND status IN ('success', 'failed', 'cancelled') LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id",
        )
        .bind(cutoff)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(|r| get(r, "id")).collect()
    }

    async fn requeue_finished(&self, id: JobId, now: DateTime<Utc>) -> Result<Job> {
        let requeued = sqlx::query(
            "UPDATE jobs SET status = 'queued', trigger = 'retry', retry_count = 0, run_at = $1, \
             error = NULL, result = NULL, finished_at = NULL, lease_expires_at = NULL, \
             worker_id = NULL, cancel_requested = false \
             WHERE id = $2 AND status IN ('failed', 'cancelled') RETURNING *",
        )
        .bind(now)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        match requeued {
            Some(row) => job_from_row(&row),
            None => Err(match self.find_job(id).await? {
                Some(job) => requeue_conflict(id, job.status),
                None => job_not_found(id),
            }),
        }
    }

    async fn delete_finished_jobs(&self, ids: &[JobId]) -> Result<Vec<JobId>> {
        let rows = sqlx::query(
            "DELETE FROM jobs WHERE id = ANY($1) AND status IN ('success', 'failed', 'cancelled') \
             RETURNING id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(|r| get(r, "id")).collect()
    }

    async fn release_idempotency_key(&self, id: JobId, key: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET idempotency_key = NULL WHERE id = $1 AND idempotency_key = $2",
        )
        .bind(id)
        .bind(key)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_paused(
        &self,
        target: &PauseTarget,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        PostgresBackend::set_paused(self, target, paused, now).await
    }

    async fn pauses(&self) -> Result<Vec<Pause>> {
        PostgresBackend::pauses(self).await
    }

    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<Vec<QueueStats>> {
        PostgresBackend::queue_stats(self, now).await
    }

    async fn job_counts(&self) -> Result<Vec<JobCount>> {
        // The trigger-kept counters: a few rows per (type, status), whatever the size
        // of `jobs`.
        let rows = sqlx::query(
            "SELECT job_type, status, SUM(n)::int8 AS n FROM job_counts GROUP BY job_type, status \
             HAVING SUM(n) <> 0 ORDER BY job_type, status",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok(JobCount {
                    job_type: get(r, "job_type")?,
                    status: get::<String>(r, "status")?.parse::<JobStatus>()?,
                    count: get::<i64>(r, "n")? as u64,
                })
            })
            .collect()
    }
}

/// The query of [`JobStore::list_jobs`], newest first. A filter on status, user or
/// parent scans that column's index; without one, each status's range is read up to
/// the limit and the ranges are merged, so a page costs the same at any table size.
/// Queued jobs are in `jobs_queued_created`, the others in `jobs_status_created`
/// (migration `0007`): both partial, so the status is written into the statement as
/// a literal, which lets every plan, generic ones too, prove which index applies.
fn push_list(q: &mut QueryBuilder<'_, Postgres>, filter: &JobFilter) {
    let limit = filter.effective_limit() as i64;
    if filter.status.is_some() || filter.user_id.is_some() || filter.parent_job_id.is_some() {
        return push_list_branch(q, filter, filter.status, limit);
    }
    q.push("SELECT * FROM (");
    for (i, status) in JobStatus::ALL.iter().enumerate() {
        q.push(if i == 0 { "(" } else { " UNION ALL (" });
        push_list_branch(q, filter, Some(*status), limit);
        q.push(")");
    }
    q.push(") page ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(limit);
}

/// One `SELECT` of [`push_list`]: the jobs matching `filter`, with
/// `status` in place of the filter's own, newest first, at most `limit`.
fn push_list_branch(
    q: &mut QueryBuilder<'_, Postgres>,
    filter: &JobFilter,
    status: Option<JobStatus>,
    limit: i64,
) {
    q.push("SELECT * FROM jobs WHERE true");
    if let Some(status) = status {
        // One of the fixed status names, never input text.
        q.push(" AND status = '").push(status.as_str()).push("'");
    }
    if let Some(job_type) = &filter.job_type {
        q.push(" AND job_type = ").push_bind(job_type.clone());
    }
    if let Some(queue) = &filter.queue {
        q.push(" AND queue = ").push_bind(queue.clone());
    }
    if let Some(key) = &filter.concurrency_key {
        q.push(" AND concurrency_key = ").push_bind(key.clone());
    }
    if let Some(user_id) = filter.user_id {
        q.push(" AND user_id = ").push_bind(user_id);
    }
    if let Some(parent) = filter.parent_job_id {
        q.push(" AND parent_job_id = ").push_bind(parent);
    }
    if let Some(from) = filter.created_from {
        q.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(to) = filter.created_to {
        q.push(" AND created_at < ").push_bind(to);
    }
    if let Some((created, id)) = filter.after {
        q.push(" AND (created_at, id) < (")
            .push_bind(created)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(limit);
}
