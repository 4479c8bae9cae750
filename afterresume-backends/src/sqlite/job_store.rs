//! [`JobStore`] on SQLite: every transition is a conditional `UPDATE`. Inserts,
//! claims and completions run on the group writer (`direct`, `writer`); the rarer
//! transitions (heartbeat, cancel, reap, retention) and all reads use sqlx.

use afterresume_core::domain::{
    Job, JobId, JobStatus, NewEvent, NewJob, NewSchedule, Schedule, ScheduleId,
};
use afterresume_core::ports::{
    CancelOutcome, ClaimOptions, InsertedJob, JobCount, JobEventWriter, JobFilter, JobOutcome,
    JobStore, JobStoreCapabilities, Lease, Pause, PauseTarget, QueueMessage, QueueStats,
    ScheduleStore, requeue_conflict,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::SqliteBackend;
use super::convert::{json, micros, opt_json, opt_time, time};
use super::direct::{self, FirstEvent};
use super::error::map_sqlx;
use crate::memory::lease_lost;
use crate::sql_finish::{match_finished, split_announced};

fn job_from_row(row: &SqliteRow) -> Result<Job> {
    let get = |e: sqlx::Error| map_sqlx(e);
    Ok(Job {
        id: row.try_get("id").map_err(get)?,
        job_type: row.try_get("job_type").map_err(get)?,
        status: row.try_get::<String, _>("status").map_err(get)?.parse()?,
        trigger: row.try_get::<String, _>("trigger").map_err(get)?.parse()?,
        payload: json(&row.try_get::<String, _>("payload").map_err(get)?)?,
        result: opt_json(row.try_get("result").map_err(get)?)?,
        error: row.try_get("error").map_err(get)?,
        retry_count: row.try_get::<i64, _>("retry_count").map_err(get)? as u32,
        max_retries: row.try_get::<i64, _>("max_retries").map_err(get)? as u32,
        idempotency_key: row.try_get("idempotency_key").map_err(get)?,
        parent_job_id: row.try_get("parent_job_id").map_err(get)?,
        user_id: row.try_get("user_id").map_err(get)?,
        trace_id: row.try_get("trace_id").map_err(get)?,
        run_at: time(row.try_get("run_at").map_err(get)?),
        priority: row.try_get("priority").map_err(get)?,
        queue: row.try_get("queue").map_err(get)?,
        concurrency_key: row.try_get("concurrency_key").map_err(get)?,
        attempt: row.try_get::<i64, _>("attempt").map_err(get)? as u32,
        lease_expires_at: opt_time(row.try_get("lease_expires_at").map_err(get)?),
        worker_id: row.try_get("worker_id").map_err(get)?,
        cancel_requested: row.try_get("cancel_requested").map_err(get)?,
        created_at: time(row.try_get("created_at").map_err(get)?),
        started_at: opt_time(row.try_get("started_at").map_err(get)?),
        finished_at: opt_time(row.try_get("finished_at").map_err(get)?),
    })
}

fn jobs_from_rows(rows: &[SqliteRow]) -> Result<Vec<Job>> {
    rows.iter().map(job_from_row).collect()
}

fn schedule_from_row(row: &SqliteRow) -> Result<Schedule> {
    let get = |e: sqlx::Error| map_sqlx(e);
    Ok(Schedule {
        id: row.try_get("id").map_err(get)?,
        name: row.try_get("name").map_err(get)?,
        job_type: row.try_get("job_type").map_err(get)?,
        cron: row.try_get("cron").map_err(get)?,
        payload: json(&row.try_get::<String, _>("payload").map_err(get)?)?,
        user_id: row.try_get("user_id").map_err(get)?,
        enabled: row.try_get("enabled").map_err(get)?,
        last_run_at: opt_time(row.try_get("last_run_at").map_err(get)?),
        next_run_at: time(row.try_get("next_run_at").map_err(get)?),
        created_at: time(row.try_get("created_at").map_err(get)?),
        updated_at: time(row.try_get("updated_at").map_err(get)?),
    })
}

fn job_not_found(id: JobId) -> Error {
    Error::not_found(format!("job {id} not found"))
}

fn schedule_not_found(id: ScheduleId) -> Error {
    Error::not_found(format!("schedule {id} not found"))
}

impl SqliteBackend {
    async fn find_job(&self, id: JobId) -> Result<Option<Job>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Explains why a lease-guarded update matched no row.
    async fn lease_failure(&self, lease: &Lease) -> Error {
        match self.find_job(lease.job_id).await {
            Ok(Some(job)) => lease_lost(lease, &job),
            Ok(None) => job_not_found(lease.job_id),
            Err(err) => err,
        }
    }

    /// Runs a completion write in the writer's group (with whatever else the group
    /// holds) and matches the rows it wrote, one per item or `None`, with the leases.
    async fn finish_in_group<F>(&self, leases: Vec<Lease>, write: F) -> Result<Vec<Result<Job>>>
    where
        F: Fn(&rusqlite::Connection) -> Result<Vec<Option<Job>>> + Send + 'static,
    {
        let written = self.group.run(write).await?.into_iter().flatten().collect();
        Ok(match_finished(leases, written, |lease| async move {
            self.lease_failure(&lease).await
        })
        .await)
    }
}

#[async_trait]
impl JobStore for SqliteBackend {
    fn capabilities(&self) -> JobStoreCapabilities {
        JobStoreCapabilities::new(true).with_serial_writes()
    }

    fn event_writer(&self) -> Option<&dyn JobEventWriter> {
        Some(self)
    }

    /// All of them in one transaction (with whatever else the writer's group holds).
    async fn insert_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        self.insert_each(with_first_event(jobs, FirstEvent::None))
            .await
    }

    async fn get_job(&self, id: JobId) -> Result<Job> {
        self.find_job(id).await?.ok_or_else(|| job_not_found(id))
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT * FROM jobs WHERE 1 = 1");
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(status.as_str());
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
            q.push(" AND created_at >= ").push_bind(micros(from));
        }
        if let Some(to) = filter.created_to {
            q.push(" AND created_at < ").push_bind(micros(to));
        }
        if let Some((created, id)) = filter.after {
            q.push(" AND (created_at, id) < (")
                .push_bind(micros(created))
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(filter.effective_limit() as i64);
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_sqlx)?;
        jobs_from_rows(&rows)
    }

    async fn claim_due(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>> {
        let opts = opts.clone();
        self.group
            .run(move |db| direct::claim_due(db, limit, &opts))
            .await
    }

    async fn claim_jobs(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, opts) = (ids.to_vec(), opts.clone());
        self.group
            .run(move |db| direct::claim_ids(db, &ids, &opts))
            .await
    }

    async fn queued_due(
        &self,
        due_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueueMessage>> {
        let rows = sqlx::query(
            "SELECT id, run_at, priority FROM jobs WHERE status = 'queued' AND run_at <= ? \
             ORDER BY run_at + priority * 60000000, id LIMIT ?",
        )
        .bind(micros(due_before))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok(QueueMessage {
                    job_id: r.try_get("id").map_err(map_sqlx)?,
                    available_at: time(r.try_get("run_at").map_err(map_sqlx)?),
                    priority: r.try_get("priority").map_err(map_sqlx)?,
                })
            })
            .collect()
    }

    async fn heartbeat(&self, lease: &Lease, lease_expires_at: DateTime<Utc>) -> Result<Job> {
        let row = sqlx::query("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND attempt = ? RETURNING *")
            .bind(micros(lease_expires_at))
            .bind(lease.job_id)
            .bind(lease.attempt as i64)
            .fetch_optional(&self.writer)
            .await
            .map_err(map_sqlx)?;
        match row {
            Some(row) => job_from_row(&row),
            None => Err(self.lease_failure(lease).await),
        }
    }

    /// Every outcome in one transaction (with whatever else the writer's group holds).
    async fn finish_jobs(
        &self,
        items: Vec<(Lease, JobOutcome)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>> {
        let leases: Vec<Lease> = items.iter().map(|(lease, _)| lease.clone()).collect();
        self.finish_in_group(leases, move |db| direct::finish(db, &items, now))
            .await
    }

    async fn cancel_job(&self, id: JobId, now: DateTime<Utc>) -> Result<CancelOutcome> {
        let cancelled = sqlx::query(
            "UPDATE jobs SET status = 'cancelled', finished_at = ?, error = 'cancelled while queued' \
             WHERE id = ? AND status = 'queued' RETURNING *",
        )
        .bind(micros(now))
        .bind(id)
        .fetch_optional(&self.writer)
        .await
        .map_err(map_sqlx)?;
        if let Some(row) = cancelled {
            return Ok(CancelOutcome::Cancelled(job_from_row(&row)?));
        }
        let requested = sqlx::query(
            "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running' RETURNING *",
        )
        .bind(id)
        .fetch_optional(&self.writer)
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
               run_at = CASE WHEN retry_count < max_retries THEN ?1 ELSE run_at END, \
               finished_at = CASE WHEN retry_count < max_retries THEN NULL ELSE ?1 END, \
               error = CASE WHEN retry_count < max_retries \
                 THEN 'lease of attempt ' || attempt || ' expired' \
                 ELSE 'lease of attempt ' || attempt || ' expired and no retries are left' END, \
               lease_expires_at = NULL \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND lease_expires_at < ?1 \
                          ORDER BY lease_expires_at LIMIT ?2) \
               AND status = 'running' AND lease_expires_at < ?1 \
             RETURNING *",
        )
        .bind(micros(now))
        .bind(limit as i64)
        .fetch_all(&self.writer)
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
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? \
             AND status IN ('success', 'failed', 'cancelled') LIMIT ?) RETURNING id",
        )
        .bind(micros(cutoff))
        .bind(limit as i64)
        .fetch_all(&self.writer)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| r.try_get("id").map_err(map_sqlx))
            .collect()
    }

    async fn requeue_finished(&self, id: JobId, now: DateTime<Utc>) -> Result<Job> {
        let requeued = sqlx::query(
            "UPDATE jobs SET status = 'queued', trigger = 'retry', retry_count = 0, run_at = ?, \
             error = NULL, result = NULL, finished_at = NULL, lease_expires_at = NULL, \
             worker_id = NULL, cancel_requested = 0 \
             WHERE id = ? AND status IN ('failed', 'cancelled') RETURNING *",
        )
        .bind(micros(now))
        .bind(id)
        .fetch_optional(&self.writer)
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
        let mut deleted = Vec::new();
        // One statement per bounded batch keeps the bind count under SQLite's limit.
        for batch in ids.chunks(500) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new("DELETE FROM jobs WHERE id IN (");
            let mut list = q.separated(", ");
            for id in batch {
                list.push_bind(*id);
            }
            q.push(") AND status IN ('success', 'failed', 'cancelled') RETURNING id");
            let rows = q.build().fetch_all(&self.writer).await.map_err(map_sqlx)?;
            for row in &rows {
                deleted.push(row.try_get("id").map_err(map_sqlx)?);
            }
        }
        Ok(deleted)
    }

    async fn release_idempotency_key(&self, id: JobId, key: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET idempotency_key = NULL WHERE id = ? AND idempotency_key = ?",
        )
        .bind(id)
        .bind(key)
        .execute(&self.writer)
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
        let sql = if paused {
            "INSERT INTO job_pauses (kind, name, paused_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (kind, name) DO NOTHING"
        } else {
            "DELETE FROM job_pauses WHERE kind = ?1 AND name = ?2 AND ?3 IS NOT NULL"
        };
        let done = sqlx::query(sql)
            .bind(target.kind())
            .bind(target.name())
            .bind(micros(now))
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    async fn pauses(&self) -> Result<Vec<Pause>> {
        let rows = sqlx::query("SELECT kind, name, paused_at FROM job_pauses ORDER BY kind, name")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").map_err(map_sqlx)?;
                let name: String = r.try_get("name").map_err(map_sqlx)?;
                let target = PauseTarget::from_parts(&kind, name)?;
                Ok(Pause {
                    target,
                    paused_at: time(r.try_get("paused_at").map_err(map_sqlx)?),
                })
            })
            .collect()
    }

    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<Vec<QueueStats>> {
        let rows = sqlx::query(
            "SELECT queue, \
             COALESCE(SUM(status = 'queued' AND run_at <= ?1), 0) AS ready, \
             COALESCE(SUM(status = 'queued' AND run_at > ?1), 0) AS delayed, \
             COALESCE(SUM(status = 'running'), 0) AS running, \
             MIN(CASE WHEN status = 'queued' AND run_at <= ?1 THEN run_at END) AS oldest \
             FROM jobs WHERE status IN ('queued', 'running') GROUP BY queue ORDER BY queue",
        )
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                let count = |column: &str| -> Result<u64> {
                    Ok(r.try_get::<i64, _>(column).map_err(map_sqlx)? as u64)
                };
                Ok(QueueStats {
                    queue: r.try_get("queue").map_err(map_sqlx)?,
                    ready: count("ready")?,
                    delayed: count("delayed")?,
                    running: count("running")?,
                    oldest_ready_at: opt_time(r.try_get("oldest").map_err(map_sqlx)?),
                })
            })
            .collect()
    }

    async fn job_counts(&self) -> Result<Vec<JobCount>> {
        let rows = sqlx::query("SELECT job_type, status, COUNT(*) AS n FROM jobs GROUP BY job_type, status ORDER BY job_type, status")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok(JobCount {
                    job_type: r.try_get("job_type").map_err(map_sqlx)?,
                    status: r
                        .try_get::<String, _>("status")
                        .map_err(map_sqlx)?
                        .parse::<JobStatus>()?,
                    count: r.try_get::<i64, _>("n").map_err(map_sqlx)? as u64,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ScheduleStore for SqliteBackend {
    async fn upsert_schedule(&self, new: NewSchedule, now: DateTime<Utc>) -> Result<Schedule> {
        let row = sqlx::query(
            "INSERT INTO schedules (name, job_type, cron, payload, user_id, enabled, next_run_at, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) \
             ON CONFLICT (name) DO UPDATE SET job_type = excluded.job_type, cron = excluded.cron, \
               payload = excluded.payload, user_id = excluded.user_id, enabled = excluded.enabled, \
               next_run_at = excluded.next_run_at, updated_at = excluded.updated_at \
             RETURNING *",
        )
        .bind(&new.name)
        .bind(&new.job_type)
        .bind(&new.cron)
        .bind(new.payload.to_string())
        .bind(new.user_id)
        .bind(new.enabled)
        .bind(micros(new.next_run_at))
        .bind(micros(now))
        .fetch_one(&self.writer)
        .await
        .map_err(map_sqlx)?;
        schedule_from_row(&row)
    }

    async fn get_schedule(&self, id: ScheduleId) -> Result<Schedule> {
        let row = sqlx::query("SELECT * FROM schedules WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(schedule_from_row)
            .transpose()?
            .ok_or_else(|| schedule_not_found(id))
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>> {
        let rows = sqlx::query("SELECT * FROM schedules ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(schedule_from_row).collect()
    }

    async fn delete_schedule(&self, id: ScheduleId) -> Result<()> {
        let done = sqlx::query("DELETE FROM schedules WHERE id = ?")
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(schedule_not_found(id));
        }
        Ok(())
    }

    async fn set_schedule_enabled(
        &self,
        id: ScheduleId,
        enabled: bool,
        next_run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Schedule> {
        let row = sqlx::query("UPDATE schedules SET enabled = ?, next_run_at = ?, updated_at = ? WHERE id = ? RETURNING *")
            .bind(enabled)
            .bind(micros(next_run_at))
            .bind(micros(now))
            .bind(id)
            .fetch_optional(&self.writer)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(schedule_from_row)
            .transpose()?
            .ok_or_else(|| schedule_not_found(id))
    }

    async fn due_schedules(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Schedule>> {
        let rows = sqlx::query("SELECT * FROM schedules WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at, id LIMIT ?")
            .bind(micros(now))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(schedule_from_row).collect()
    }

    async fn advance_schedule(
        &self,
        id: ScheduleId,
        expected: DateTime<Utc>,
        next: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE schedules SET last_run_at = ?1, next_run_at = ?2, updated_at = ?3 WHERE id = ?4 AND next_run_at = ?1")
            .bind(micros(expected))
            .bind(micros(next))
            .bind(micros(now))
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        self.get_schedule(id).await.map(|_| false)
    }
}

#[async_trait]
impl JobEventWriter for SqliteBackend {
    fn event_timeline(&self) -> Option<String> {
        Some(self.timeline_name())
    }

    async fn insert_jobs_with_events(
        &self,
        jobs: Vec<(NewJob, NewEvent)>,
    ) -> Result<Vec<InsertedJob>> {
        let with_events = jobs
            .into_iter()
            .map(|(job, event)| (job, FirstEvent::Given(event)))
            .collect();
        self.insert_each(with_events).await
    }

    /// Every job keeps its "job queued" event in its row: no event is built.
    async fn insert_queued_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        self.insert_each(with_first_event(jobs, FirstEvent::Queued))
            .await
    }

    async fn claim_jobs_with_events(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, opts) = (ids.to_vec(), opts.clone());
        self.group
            .run(move |db| {
                let jobs = direct::claim_ids(db, &ids, &opts)?;
                announce_started(db, &jobs, &opts)?;
                Ok(jobs)
            })
            .await
    }

    async fn claim_due_with_events(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>> {
        let opts = opts.clone();
        self.group
            .run(move |db| {
                let jobs = direct::claim_due(db, limit, &opts)?;
                announce_started(db, &jobs, &opts)?;
                Ok(jobs)
            })
            .await
    }

    /// The outcomes and the events of those written in one transaction (with
    /// whatever else the writer's group holds).
    async fn finish_jobs_with_events(
        &self,
        items: Vec<(Lease, JobOutcome, NewEvent)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>> {
        let (leases, outcomes, events) = split_announced(items);
        self.finish_in_group(leases, move |db| {
            let written = direct::finish(db, &outcomes, now)?;
            let announced = written.iter().zip(&events).filter(|(w, _)| w.is_some());
            direct::append_events(db, announced.map(|(_, event)| event))?;
            Ok(written)
        })
        .await
    }
}

/// Appends the "job started" event of each claimed job, in the claim's transaction.
fn announce_started(db: &rusqlite::Connection, jobs: &[Job], opts: &ClaimOptions) -> Result<()> {
    let events: Vec<NewEvent> = jobs.iter().map(|job| opts.started_event(job)).collect();
    direct::append_events(db, &events)
}

impl SqliteBackend {
    /// Inserts jobs with their first events in one transaction of the writer's group.
    async fn insert_each(&self, jobs: Vec<(NewJob, FirstEvent)>) -> Result<Vec<InsertedJob>> {
        self.group
            .run(move |db| direct::insert_jobs(db, &jobs))
            .await
    }
}

/// Pairs every job with the same kind of first event (none, or its standard one).
fn with_first_event(jobs: Vec<NewJob>, first: FirstEvent) -> Vec<(NewJob, FirstEvent)> {
    jobs.into_iter().map(|job| (job, first.clone())).collect()
}
