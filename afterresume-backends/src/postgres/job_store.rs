//! [`JobStore`] on Postgres: every transition is one conditional `UPDATE ... RETURNING`;
//! claims skip rows other workers hold (`FOR UPDATE SKIP LOCKED`).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use afterresume_core::domain::{
    EventLevel, EventSource, Job, JobId, JobStatus, NewEvent, NewJob, NewSchedule, Schedule,
    ScheduleId,
};
use afterresume_core::ports::{
    CancelOutcome, ClaimOptions, InsertedJob, JobCount, JobEventWriter, JobFilter, JobOutcome,
    JobStore, JobStoreCapabilities, Lease, QueueMessage, STARTED_MESSAGE, ScheduleStore,
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

fn schedule_from_row(row: &PgRow) -> Result<Schedule> {
    Ok(Schedule {
        id: get(row, "id")?,
        name: get(row, "name")?,
        job_type: get(row, "job_type")?,
        cron: get(row, "cron")?,
        payload: get(row, "payload")?,
        user_id: get(row, "user_id")?,
        enabled: get(row, "enabled")?,
        last_run_at: get(row, "last_run_at")?,
        next_run_at: get(row, "next_run_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

fn job_not_found(id: JobId) -> Error {
    Error::not_found(format!("job {id} not found"))
}

fn schedule_not_found(id: ScheduleId) -> Error {
    Error::not_found(format!("schedule {id} not found"))
}

/// The columns every inserted job sets.
const JOB_COLUMNS: &str = "id, job_type, status, trigger, payload, max_retries, idempotency_key, \
     parent_job_id, user_id, trace_id, run_at, created_at";

/// The jobs' column arrays (`$1..$11`), unnested in input order as the values of
/// [`JOB_COLUMNS`] followed by `extra` values.
fn unnest_jobs(extra: &str) -> String {
    format!(
        "SELECT i, ty, 'queued', tr, p::json, mr, k, pa, u, tc, ra, ca{extra} \
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[], \
         $7::uuid[], $8::int8[], $9::uuid[], $10::timestamptz[], $11::timestamptz[]) \
         WITH ORDINALITY AS x(i, ty, tr, p, mr, k, pa, u, tc, ra, ca, n) ORDER BY n"
    )
}

/// Appends the events' column arrays (`$12..$18`), unnested as `e` with their ordinal `e.n`.
const UNNEST_EVENTS: &str = "INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id) \
     SELECT e.j, e.t, e.l, e.s, e.m, e.d::json, e.tr FROM UNNEST($12::uuid[], $13::timestamptz[], \
     $14::text[], $15::text[], $16::text[], $17::text[], $18::uuid[]) WITH ORDINALITY \
     AS e(j, t, l, s, m, d, tr, n)";

/// Skips a job whose idempotency key is taken; returns the ids of those created.
const ON_TAKEN_KEY: &str =
    "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id";

/// Jobs without idempotency keys: all are created. `queued_event_id` is set to NULL
/// rather than left to its default (migration `0006`), which would draw an id for
/// nothing.
static KEYLESS_INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO jobs ({JOB_COLUMNS}, queued_event_id) {}",
        unnest_jobs(", NULL::int8")
    )
});

/// [`KEYLESS_INSERT`] and every event, in order.
static KEYLESS_INSERT_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH appended AS ({UNNEST_EVENTS} ORDER BY e.n) {}",
        *KEYLESS_INSERT
    )
});

/// [`KEYLESS_INSERT`], each job keeping its "job queued" event in its row: the trigger
/// and due time it is queued with, and the event's id from the timeline's sequence
/// (the column's default, migration `0006`).
static KEYLESS_INSERT_KEEPING_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO jobs ({JOB_COLUMNS}, queued_trigger, queued_run_at) {}",
        unnest_jobs(", tr, ra")
    )
});

/// Jobs of which some have a key: returns the ids of those it created.
static KEYED_INSERT: LazyLock<String> =
    LazyLock::new(|| format!("{} {ON_TAKEN_KEY}", *KEYLESS_INSERT));

/// [`KEYED_INSERT`] and, in order, the events of the jobs it created.
static KEYED_INSERT_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH inserted AS ({}), appended AS ({UNNEST_EVENTS} \
         WHERE e.j IN (SELECT id FROM inserted) ORDER BY e.n) SELECT * FROM inserted",
        KEYED_INSERT.as_str()
    )
});

/// [`KEYED_INSERT`], each job it creates keeping its "job queued" event in its row
/// (a job whose key is taken leaves a gap in the event ids).
static KEYED_INSERT_KEEPING_EVENTS: LazyLock<String> =
    LazyLock::new(|| format!("{} {ON_TAKEN_KEY}", *KEYLESS_INSERT_KEEPING_EVENTS));

/// The first events an insert writes with its jobs.
#[derive(Debug)]
pub(super) enum FirstEvents {
    /// None.
    None,
    /// These, one per job and in the jobs' order, as event rows (or, in a `COPY`,
    /// kept in the job rows where they are the standard ones).
    Given(Vec<NewEvent>),
    /// Each job's standard "job queued" event ([`QueuedFacts`]), kept in its row.
    ///
    /// [`QueuedFacts`]: afterresume_core::engine::QueuedFacts
    KeptInRows,
}

impl FirstEvents {
    /// Splits off the events of the jobs from `at` on, as `Vec::split_off` does.
    fn split_off(&mut self, at: usize) -> Self {
        match self {
            FirstEvents::Given(events) => FirstEvents::Given(events.split_off(at)),
            FirstEvents::None => FirstEvents::None,
            FirstEvents::KeptInRows => FirstEvents::KeptInRows,
        }
    }
}

/// Inserts jobs with one statement; returns them in input order, with the existing
/// job for every idempotency key that was already taken (or taken earlier in the batch).
pub(super) async fn insert_many(
    conn: &mut PgConnection,
    jobs: Vec<NewJob>,
) -> Result<Vec<InsertedJob>> {
    insert_many_with_events(conn, jobs, &FirstEvents::None).await
}

/// [`insert_many`], and in the same statement the first events of the jobs it
/// creates.
async fn insert_many_with_events(
    conn: &mut PgConnection,
    jobs: Vec<NewJob>,
    events: &FirstEvents,
) -> Result<Vec<InsertedJob>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let n = jobs.len();
    let mut ids = Vec::with_capacity(n);
    let mut types = Vec::with_capacity(n);
    let mut triggers = Vec::with_capacity(n);
    let mut payloads = Vec::with_capacity(n);
    let mut max_retries = Vec::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    let mut parents = Vec::with_capacity(n);
    let mut users = Vec::with_capacity(n);
    let mut traces = Vec::with_capacity(n);
    let mut run_ats = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    for job in &jobs {
        ids.push(job.id);
        types.push(job.job_type.as_str());
        triggers.push(job.trigger.as_str());
        payloads.push(job.payload.to_string());
        max_retries.push(job.max_retries as i32);
        keys.push(job.idempotency_key.as_deref());
        parents.push(job.parent_job_id);
        users.push(job.user_id);
        traces.push(job.trace_id);
        run_ats.push(job.run_at);
        created.push(job.created_at);
    }
    // Without idempotency keys every job is created (or the statement fails), so the
    // statement needs neither conflict handling (a speculative insert costs an extra
    // WAL record per row) nor to learn which jobs it created.
    let keyless = jobs.iter().all(|j| j.idempotency_key.is_none());
    let sql = match (keyless, events) {
        (true, FirstEvents::None) => KEYLESS_INSERT.as_str(),
        (true, FirstEvents::Given(_)) => KEYLESS_INSERT_WITH_EVENTS.as_str(),
        (true, FirstEvents::KeptInRows) => KEYLESS_INSERT_KEEPING_EVENTS.as_str(),
        (false, FirstEvents::None) => KEYED_INSERT.as_str(),
        (false, FirstEvents::Given(_)) => KEYED_INSERT_WITH_EVENTS.as_str(),
        (false, FirstEvents::KeptInRows) => KEYED_INSERT_KEEPING_EVENTS.as_str(),
    };
    let columns = match events {
        FirstEvents::Given(events) => Some(super::EventColumns::of(events)),
        FirstEvents::None | FirstEvents::KeptInRows => None,
    };
    let query = sqlx::query(sql)
        .bind(&ids)
        .bind(&types)
        .bind(&triggers)
        .bind(&payloads)
        .bind(&max_retries)
        .bind(&keys)
        .bind(&parents)
        .bind(&users)
        .bind(&traces)
        .bind(&run_ats)
        .bind(&created);
    let query = match &columns {
        Some(columns) => columns.bind(query),
        None => query,
    };
    if keyless {
        let written = query.execute(&mut *conn).await.map_err(map_sqlx)?;
        if written.rows_affected() != n as u64 {
            return Err(Error::unexpected(format!(
                "inserted {} of {n} jobs without idempotency keys",
                written.rows_affected()
            )));
        }
        return Ok(jobs
            .into_iter()
            .map(|new| InsertedJob {
                job: as_stored(new),
                created: true,
            })
            .collect());
    }
    // Only the ids come back: a created job is exactly the new job as stored, so
    // sending every row (payload included) back to be decoded again would cost the
    // server and the client more than the insert itself.
    let created: HashSet<JobId> = query
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?
        .iter()
        .map(|row| get::<JobId>(row, "id"))
        .collect::<Result<_>>()?;
    let missing_keys: Vec<&str> = jobs
        .iter()
        .filter(|j| !created.contains(&j.id))
        .filter_map(|j| j.idempotency_key.as_deref())
        .collect();
    let mut by_key: HashMap<String, Job> = HashMap::new();
    if !missing_keys.is_empty() {
        let rows = sqlx::query("SELECT * FROM jobs WHERE idempotency_key = ANY($1)")
            .bind(&missing_keys)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        for row in &rows {
            let job = job_from_row(row)?;
            if let Some(key) = job.idempotency_key.clone() {
                by_key.insert(key, job);
            }
        }
    }
    jobs.into_iter()
        .map(|new| {
            if created.contains(&new.id) {
                return Ok(InsertedJob {
                    job: as_stored(new),
                    created: true,
                });
            }
            let key = new.idempotency_key.as_deref().unwrap_or_default();
            by_key
                .get(key)
                .cloned()
                .map(|job| InsertedJob {
                    job,
                    created: false,
                })
                .ok_or_else(|| {
                    Error::unexpected(format!(
                        "job {} was neither inserted nor found by its key",
                        new.id
                    ))
                })
        })
        .collect()
}

/// Inserts one job (see [`insert_many`]).
pub(super) async fn insert_one(conn: &mut PgConnection, job: NewJob) -> Result<InsertedJob> {
    let mut inserted = insert_many(conn, vec![job]).await?;
    inserted
        .pop()
        .ok_or_else(|| Error::unexpected("insert returned nothing"))
}

/// The claim assignment; `$1` lease expiry, `$2` worker id, `$3` now.
const CLAIM_SET: &str = "status = 'running', attempt = attempt + 1, lease_expires_at = $1, worker_id = $2, \
                         started_at = COALESCE(started_at, $3)";

/// The "queued and due" test of a claim by id, written so that only the primary
/// key can find the rows. A job table's statistics go stale by design: analysed
/// when every row was `success`, they say `status = 'queued'` matches nothing,
/// and a plain `status = 'queued' AND run_at <= $3` then plans as a scan of a
/// status index (`jobs_claim`, `jobs_status_created`) over the whole backlog,
/// filtered by id: 26 ms for 16 ids behind a 40k-job backlog, against 0.1 ms by
/// primary key, and the Redis-queue drain fell from 2.8k jobs/s at 20k jobs to
/// 1.2k at 60k. Inside a `CASE` the test matches no index, so the plan cannot
/// depend on those statistics (`plan_tests` below checks both plans).
const CLAIMABLE: &str = "CASE WHEN status = 'queued' THEN run_at <= $3 ELSE false END";

/// Claims the queued, due jobs among `$4` (an id array). A row another claimer
/// holds is re-checked after its lock is released (and then no longer matches
/// `status = 'queued'`), so two claims never both win.
static CLAIM_IDS: LazyLock<String> = LazyLock::new(|| {
    format!("UPDATE jobs SET {CLAIM_SET} WHERE id = ANY($4) AND {CLAIMABLE} RETURNING *")
});

/// Claims up to `$4` due jobs, earliest first, skipping rows other claimers hold.
static CLAIM_DUE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE jobs SET {CLAIM_SET} WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' \
         AND run_at <= $3 ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *"
    )
});

static CLAIM_IDS_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| with_started_events(&CLAIM_IDS));
static CLAIM_DUE_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| with_started_events(&CLAIM_DUE));

/// A claim statement that also appends each claimed job's
/// [`ClaimOptions::started_event`], built in SQL from the claimed row (`$2` worker
/// id, `$3` now); the conformance suite checks it equals the Rust one.
fn with_started_events(claim: &str) -> String {
    let (level, source) = (EventLevel::Info.as_str(), EventSource::Worker.as_str());
    format!(
        "WITH claimed AS ({claim}), started AS (\
         INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id) \
         SELECT id, $3, '{level}', '{source}', '{STARTED_MESSAGE}', json_build_object('attempt', attempt, \
         'worker_id', $2::text, 'retry_count', retry_count), trace_id FROM claimed ORDER BY run_at, id) \
         SELECT * FROM claimed"
    )
}

impl PostgresBackend {
    /// Inserts a batch in one transaction: large keyless batches by `COPY` (the
    /// `copy_in` module), others one statement per [`INSERT_CHUNK`] jobs, writing the
    /// jobs and the first events of those it creates.
    async fn insert_batch(
        &self,
        jobs: Vec<NewJob>,
        mut events: FirstEvents,
    ) -> Result<Vec<InsertedJob>> {
        if copies(&jobs) {
            return copy_in::insert_keyless(self.pool.clone(), jobs, events).await;
        }
        if jobs.len() <= INSERT_CHUNK {
            let mut conn = self.pool.acquire().await.map_err(map_sqlx)?;
            return insert_many_with_events(&mut conn, jobs, &events).await;
        }
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let mut out = Vec::with_capacity(jobs.len());
        let mut rest = jobs;
        while !rest.is_empty() {
            let at = rest.len().min(INSERT_CHUNK);
            let tail = rest.split_off(at);
            let later_events = events.split_off(at);
            out.extend(insert_many_with_events(&mut tx, rest, &events).await?);
            (rest, events) = (tail, later_events);
        }
        tx.commit().await.map_err(map_sqlx)?;
        Ok(out)
    }

    /// Runs a claim statement that binds `$4` to the ids (on the claims pool: see
    /// [`PostgresOptions::durable_claims`](super::PostgresOptions::durable_claims)).
    async fn claim_ids(&self, ids: &[JobId], opts: &ClaimOptions, sql: &str) -> Result<Vec<Job>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(sql)
            .bind(opts.lease_expires_at)
            .bind(&opts.worker_id)
            .bind(opts.now)
            .bind(ids)
            .fetch_all(&self.claims)
            .await
            .map_err(map_sqlx)?;
        jobs_from_rows(&rows)
    }

    /// Runs a claim statement that binds `$4` to the limit; jobs earliest first.
    async fn claim_limit(&self, limit: usize, opts: &ClaimOptions, sql: &str) -> Result<Vec<Job>> {
        let rows = sqlx::query(sql)
            .bind(opts.lease_expires_at)
            .bind(&opts.worker_id)
            .bind(opts.now)
            .bind(limit as i64)
            .fetch_all(&self.claims)
            .await
            .map_err(map_sqlx)?;
        let mut jobs = jobs_from_rows(&rows)?;
        // RETURNING does not promise an order.
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Runs one completion statement (with the items' events, when given) and
    /// matches the written rows with the leases.
    async fn finish_batch(
        &self,
        leases: Vec<Lease>,
        columns: FinishColumns,
        events: Option<&[NewEvent]>,
    ) -> Result<Vec<Result<Job>>> {
        let written = if columns.is_empty() {
            Vec::new()
        } else {
            let rows = match events {
                None => {
                    columns
                        .bind(sqlx::query(&FINISH))
                        .fetch_all(&self.pool)
                        .await
                }
                Some(events) => {
                    let events = super::EventColumns::of(events);
                    let query = columns.bind(sqlx::query(&FINISH_WITH_EVENTS));
                    events.bind(query).fetch_all(&self.pool).await
                }
            }
            .map_err(map_sqlx)?;
            jobs_from_rows(&rows)?
        };
        Ok(match_finished(leases, written, |lease| async move {
            self.lease_failure(&lease).await
        })
        .await)
    }

    async fn find_job(&self, id: JobId) -> Result<Option<Job>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
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
}

/// The schedule a lookup found, or NotFound.
fn one_schedule(row: Option<PgRow>, id: ScheduleId) -> Result<Schedule> {
    row.as_ref()
        .map(schedule_from_row)
        .transpose()?
        .ok_or_else(|| schedule_not_found(id))
}

#[async_trait]
impl JobStore for PostgresBackend {
    fn capabilities(&self) -> JobStoreCapabilities {
        JobStoreCapabilities::new(true)
    }

    fn event_writer(&self) -> Option<&dyn JobEventWriter> {
        Some(self)
    }

    async fn insert_job(&self, new: NewJob) -> Result<InsertedJob> {
        let mut conn = self.pool.acquire().await.map_err(map_sqlx)?;
        insert_one(&mut conn, new).await
    }

    async fn insert_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
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

    async fn claim_job(&self, id: JobId, opts: &ClaimOptions) -> Result<Option<Job>> {
        let mut claimed = self.claim_jobs(&[id], opts).await?;
        Ok(claimed.pop())
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
        let rows = sqlx::query(
            "SELECT id, run_at FROM jobs WHERE status = 'queued' AND run_at <= $1 ORDER BY run_at, id LIMIT $2",
        )
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

    async fn finish_job(
        &self,
        lease: &Lease,
        outcome: JobOutcome,
        now: DateTime<Utc>,
    ) -> Result<Job> {
        let mut results = self
            .finish_jobs(vec![(lease.clone(), outcome)], now)
            .await?;
        results
            .pop()
            .unwrap_or_else(|| Err(Error::unexpected("finish_jobs returned no result")))
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

#[async_trait]
impl ScheduleStore for PostgresBackend {
    async fn upsert_schedule(&self, new: NewSchedule, now: DateTime<Utc>) -> Result<Schedule> {
        let row = sqlx::query(
            "INSERT INTO schedules (name, job_type, cron, payload, user_id, enabled, next_run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (name) DO UPDATE SET job_type = excluded.job_type, cron = excluded.cron, \
               payload = excluded.payload, user_id = excluded.user_id, enabled = excluded.enabled, \
               next_run_at = excluded.next_run_at, updated_at = excluded.updated_at \
             RETURNING *",
        )
        .bind(&new.name)
        .bind(&new.job_type)
        .bind(&new.cron)
        .bind(&new.payload)
        .bind(new.user_id)
        .bind(new.enabled)
        .bind(new.next_run_at)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx)?;
        schedule_from_row(&row)
    }

    async fn get_schedule(&self, id: ScheduleId) -> Result<Schedule> {
        let row = sqlx::query("SELECT * FROM schedules WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        one_schedule(row, id)
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>> {
        let rows = sqlx::query("SELECT * FROM schedules ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(schedule_from_row).collect()
    }

    async fn delete_schedule(&self, id: ScheduleId) -> Result<()> {
        let done = sqlx::query("DELETE FROM schedules WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
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
        let row = sqlx::query(
            "UPDATE schedules SET enabled = $1, next_run_at = $2, updated_at = $3 WHERE id = $4 RETURNING *",
        )
        .bind(enabled)
        .bind(next_run_at)
        .bind(now)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        one_schedule(row, id)
    }

    async fn due_schedules(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Schedule>> {
        let rows = sqlx::query(
            "SELECT * FROM schedules WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2",
        )
        .bind(now)
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
        let done = sqlx::query(
            "UPDATE schedules SET last_run_at = $1, next_run_at = $2, updated_at = $3 WHERE id = $4 AND next_run_at = $1",
        )
        .bind(expected)
        .bind(next)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        self.get_schedule(id).await.map(|_| false)
    }
}

#[async_trait]
impl JobEventWriter for PostgresBackend {
    fn event_timeline(&self) -> Option<String> {
        Some(self.timeline_name())
    }

    async fn insert_jobs_with_events(
        &self,
        jobs: Vec<(NewJob, NewEvent)>,
    ) -> Result<Vec<InsertedJob>> {
        let (jobs, events): (Vec<NewJob>, Vec<NewEvent>) = jobs.into_iter().unzip();
        self.insert_batch(jobs, FirstEvents::Given(events)).await
    }

    /// Every job keeps its "job queued" event in its row: no event is built.
    async fn insert_queued_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        self.insert_batch(jobs, FirstEvents::KeptInRows).await
    }

    /// One statement claims the jobs and appends their started events.
    async fn claim_jobs_with_events(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>> {
        self.claim_ids(ids, opts, &CLAIM_IDS_WITH_EVENTS).await
    }

    /// One statement claims the jobs and appends their started events.
    async fn claim_due_with_events(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>> {
        self.claim_limit(limit, opts, &CLAIM_DUE_WITH_EVENTS).await
    }

    /// One statement writes the outcomes and the events of those it changed.
    async fn finish_jobs_with_events(
        &self,
        items: Vec<(Lease, JobOutcome, NewEvent)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>> {
        let (leases, outcomes, events) = split_announced(items);
        let columns = FinishColumns::of(outcomes, now);
        self.finish_batch(leases, columns, Some(&events)).await
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

/// Whether a batch goes by `COPY`: large, and no job has an idempotency key.
fn copies(jobs: &[NewJob]) -> bool {
    jobs.len() >= copy_in::COPY_MIN_JOBS && jobs.iter().all(|j| j.idempotency_key.is_none())
}

/// Jobs per insert statement.
const INSERT_CHUNK: usize = 5000;

/// Applies a chunk of outcomes in one `UPDATE ... FROM (VALUES ...)`; returns the
/// rows it changed (a stale lease changes none).
/// The outcomes of a batch as the column arrays the completion statements unnest:
/// one statement text for every batch size, so it is prepared once per connection.
struct FinishColumns {
    ids: Vec<JobId>,
    attempts: Vec<i32>,
    statuses: Vec<&'static str>,
    results: Vec<Option<String>>,
    errors: Vec<Option<String>>,
    finished_at: Vec<Option<DateTime<Utc>>>,
    run_at: Vec<Option<DateTime<Utc>>>,
    retries: Vec<i32>,
}

impl FinishColumns {
    fn of(items: Vec<(Lease, JobOutcome)>, now: DateTime<Utc>) -> Self {
        let n = items.len();
        let mut columns = FinishColumns {
            ids: Vec::with_capacity(n),
            attempts: Vec::with_capacity(n),
            statuses: Vec::with_capacity(n),
            results: Vec::with_capacity(n),
            errors: Vec::with_capacity(n),
            finished_at: Vec::with_capacity(n),
            run_at: Vec::with_capacity(n),
            retries: Vec::with_capacity(n),
        };
        for (lease, outcome) in items {
            let f = FinishRow::new(&lease, outcome, now);
            columns.ids.push(f.job_id);
            columns.attempts.push(f.attempt as i32);
            columns.statuses.push(f.status);
            columns.results.push(f.result.map(|v| v.to_string()));
            columns.errors.push(f.error);
            columns.finished_at.push(f.finished_at);
            columns.run_at.push(f.run_at);
            columns.retries.push(i32::from(f.retry));
        }
        columns
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Binds the eight arrays as `$1..$8`.
    fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
        query
            .bind(&self.ids)
            .bind(&self.attempts)
            .bind(&self.statuses)
            .bind(&self.results)
            .bind(&self.errors)
            .bind(&self.finished_at)
            .bind(&self.run_at)
            .bind(&self.retries)
    }
}

/// Completions: the changed rows.
static FINISH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH v AS (\
         SELECT id, attempt, status, result::json AS result, error, finished_at, run_at, retry \
         FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], \
         $7::timestamptz[], $8::int4[]) AS u(id, attempt, status, result, error, finished_at, run_at, retry)) \
         UPDATE jobs SET {FINISH_SET} FROM v WHERE {FINISH_WHERE} RETURNING jobs.*"
    )
});

/// Completions and, in the same statement, the event of each item whose outcome
/// was written. The events (`$9..$15`, in item order) are unnested with their
/// items, and the update returns each written item's event next to its row, so a
/// stale lease's event is dropped with its outcome. `v` is referenced once: the
/// planner inlines it and joins `jobs` by primary key (a CTE used twice would be
/// materialized with no row estimate, and the update would scan `jobs`).
static FINISH_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH v AS (\
         SELECT id, attempt, status, result::json AS result, error, finished_at, run_at, retry, \
         n, ej, et, el, es, em, ed, etr \
         FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], \
         $7::timestamptz[], $8::int4[], $9::uuid[], $10::timestamptz[], $11::text[], $12::text[], \
         $13::text[], $14::text[], $15::uuid[]) WITH ORDINALITY \
         AS u(id, attempt, status, result, error, finished_at, run_at, retry, ej, et, el, es, em, ed, etr, n)), \
         done AS (UPDATE jobs SET {FINISH_SET} FROM v WHERE {FINISH_WHERE} \
         RETURNING jobs.*, v.n AS event_n, v.ej AS event_job_id, v.et AS event_timestamp, \
         v.el AS event_level, v.es AS event_source, v.em AS event_message, v.ed AS event_data, \
         v.etr AS event_trace_id), \
         appended AS (\
         INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id) \
         SELECT event_job_id, event_timestamp, event_level, event_source, event_message, \
         event_data::json, event_trace_id FROM done ORDER BY event_n) \
         SELECT * FROM done"
    )
});

/// The plans of the by-id statements, on a table whose statistics were gathered
/// when no job was queued or running (the state any busy job table is analysed in
/// sooner or later). Each test first shows that the plain predicate really does
/// plan as a backlog scan there, so it would catch the trap being sprung again.
#[cfg(all(test, feature = "conformance"))]
mod plan_tests {
    use super::*;
    use crate::testing::postgres;
    use uuid::Uuid;

    /// 200 finished jobs, analysed; then 20k queued and 20k running ones.
    async fn table_with_stale_statistics() -> (PostgresBackend, Vec<Uuid>, Vec<Uuid>) {
        let db = postgres().await;
        let insert = |status: &'static str, n: i32| {
            let sql = format!(
                "INSERT INTO jobs (id, job_type, status, trigger, payload, max_retries, trace_id, \
                 run_at, created_at, attempt) SELECT gen_random_uuid(), 't', '{status}', 'api', '{{}}', \
                 0, gen_random_uuid(), now() - interval '1 minute', now(), 1 FROM generate_series(1, {n})"
            );
            let pool = db.pool().clone();
            async move { sqlx::query(&sql).execute(&pool).await.unwrap() }
        };
        insert("success", 200).await;
        sqlx::query("ANALYZE jobs")
            .execute(db.pool())
            .await
            .unwrap();
        insert("queued", 20_000).await;
        insert("running", 20_000).await;
        let ids = |status: &'static str| {
            let pool = db.pool().clone();
            async move {
                sqlx::query_scalar::<_, Uuid>("SELECT id FROM jobs WHERE status = $1 LIMIT 16")
                    .bind(status)
                    .fetch_all(&pool)
                    .await
                    .unwrap()
            }
        };
        let (queued, running) = (ids("queued").await, ids("running").await);
        (db, queued, running)
    }

    async fn plan(db: &PostgresBackend, sql: &str, ids: &[Uuid]) -> String {
        let now = Utc::now();
        let rows: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {sql}"))
            .bind(now)
            .bind("w")
            .bind(now)
            .bind(ids)
            .fetch_all(db.pool())
            .await
            .unwrap();
        rows.join("\n")
    }

    #[tokio::test]
    async fn claim_by_ids_probes_the_primary_key_whatever_the_statistics_say() {
        let (db, queued, _) = table_with_stale_statistics().await;
        let trap = "UPDATE jobs SET status = 'running' WHERE id = ANY($4) \
                    AND status = 'queued' AND run_at <= $3 AND $1::timestamptz IS NOT NULL \
                    AND $2::text IS NOT NULL RETURNING *";
        let control = plan(&db, trap, &queued).await;
        assert_scans_a_status_index(&control);
        for sql in [&*CLAIM_IDS, &*CLAIM_IDS_WITH_EVENTS] {
            assert_probes_the_primary_key(&plan(&db, sql, &queued).await);
        }
    }

    #[tokio::test]
    async fn finish_finds_rows_by_primary_key_whatever_the_statistics_say() {
        let (db, _, running) = table_with_stale_statistics().await;
        let explain = |where_clause: String| {
            let db = db.clone();
            let running = running.clone();
            async move {
                let sql = format!(
                    "EXPLAIN WITH v AS (SELECT id, attempt FROM UNNEST($1::uuid[], $2::int4[]) \
                     AS u(id, attempt)) UPDATE jobs SET lease_expires_at = NULL FROM v \
                     WHERE {where_clause} RETURNING jobs.id"
                );
                let attempts = vec![1i32; running.len()];
                let rows: Vec<String> = sqlx::query_scalar(&sql)
                    .bind(&running)
                    .bind(&attempts)
                    .fetch_all(db.pool())
                    .await
                    .unwrap();
                rows.join("\n")
            }
        };
        let control = explain(
            "jobs.id = v.id AND jobs.status = 'running' AND jobs.attempt = v.attempt".to_owned(),
        )
        .await;
        assert_scans_a_status_index(&control);
        assert_probes_the_primary_key(&explain(FINISH_WHERE.to_owned()).await);
    }

    /// Claims commit without waiting for the disk unless durable claims are asked
    /// for; everything else always waits.
    #[tokio::test]
    async fn claims_commit_asynchronously_unless_durable_claims() {
        async fn setting(pool: &sqlx::PgPool) -> String {
            sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(pool)
                .await
                .unwrap()
        }
        let db = postgres().await;
        assert_eq!(setting(&db.claims).await, "off");
        assert_eq!(setting(&db.pool).await, "on");
        let durable = crate::testing::postgres_with(|o| o.with_durable_claims(true)).await;
        assert_eq!(setting(&durable.claims).await, "on");
        assert_eq!(setting(&durable.pool).await, "on");
    }

    /// Every row version of a job without an idempotency key (most jobs) would add an
    /// entry to a plain unique index: three per job. The one index on the key is unique
    /// and partial, and inserts still resolve conflicts through it (conformance).
    #[tokio::test]
    async fn only_jobs_with_an_idempotency_key_are_in_its_index() {
        let db = postgres().await;
        let defs: Vec<String> = sqlx::query_scalar(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = 'jobs' AND indexdef LIKE '%idempotency_key%'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(defs.len(), 1, "{defs:?}");
        assert!(defs[0].starts_with("CREATE UNIQUE INDEX"), "{defs:?}");
        assert!(
            defs[0].ends_with("WHERE (idempotency_key IS NOT NULL)"),
            "{defs:?}"
        );
    }

    /// The engine's documents are `json` (migration `0004`): stored as the text that
    /// was checked to parse, never turned into a `jsonb` tree on write and back on
    /// read. Every write path (statement, `COPY`, claims that build the started
    /// event in SQL, completions) round-trips them in the conformance suite; this
    /// keeps a later migration from undoing the choice unnoticed.
    #[tokio::test]
    async fn engine_documents_are_stored_as_json_text() {
        let db = postgres().await;
        let types: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND (table_name, column_name) IN \
             (('jobs', 'payload'), ('jobs', 'result'), ('job_events', 'data')) \
             ORDER BY table_name, column_name",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        let expected = [
            ("job_events", "data"),
            ("jobs", "payload"),
            ("jobs", "result"),
        ]
        .map(|(t, c)| (t.to_owned(), c.to_owned(), "json".to_owned()));
        assert_eq!(types, expected);
    }

    /// Listing every job, newest first, takes one page from each status's range (the
    /// queued one in `jobs_queued_created`, the others in `jobs_status_created`) and
    /// merges them: no scan or sort of the whole table, also with generic plans. A
    /// listing of queued jobs reads their index alone.
    #[tokio::test]
    async fn listing_all_jobs_merges_a_page_of_each_status() {
        let db = postgres().await;
        sqlx::query(
            "INSERT INTO jobs (id, job_type, status, trigger, payload, max_retries, trace_id, \
             run_at, created_at) SELECT gen_random_uuid(), 't', \
             (ARRAY['queued', 'running', 'success', 'failed', 'cancelled'])[1 + n % 5], 'api', \
             '{}', 0, gen_random_uuid(), now(), now() - n * interval '1 ms' \
             FROM generate_series(1, 20000) n",
        )
        .execute(db.pool())
        .await
        .unwrap();
        sqlx::query("ANALYZE jobs")
            .execute(db.pool())
            .await
            .unwrap();
        let page = |after| JobFilter {
            after,
            limit: 50,
            ..JobFilter::default()
        };
        let queued = JobFilter {
            status: Some(JobStatus::Queued),
            ..page(None)
        };
        let mut conn = db.pool().acquire().await.unwrap();
        for generic in [false, true] {
            let mode = if generic {
                "force_generic_plan"
            } else {
                "auto"
            };
            sqlx::query(&format!("SET plan_cache_mode = {mode}"))
                .execute(&mut *conn)
                .await
                .unwrap();
            let after = page(Some((Utc::now(), Uuid::nil())));
            for (filter, all) in [(page(None), true), (after, true), (queued.clone(), false)] {
                let plan = explain_prepared(&mut conn, &filter).await;
                assert!(
                    !plan.contains("Seq Scan") && !plan.contains("->  Sort"),
                    "{plan}"
                );
                if all {
                    assert!(plan.contains("Merge Append"), "{plan}");
                    assert_eq!(
                        plan.matches("jobs_status_created").count(),
                        JobStatus::ALL.len() - 1,
                        "{plan}"
                    );
                    assert_eq!(plan.matches("jobs_queued_created").count(), 1, "{plan}");
                } else {
                    assert!(
                        plan.contains("Backward using jobs_queued_created"),
                        "{plan}"
                    );
                }
            }
        }
        let listed = db.list_jobs(&page(None)).await.unwrap();
        let newest: Vec<JobId> =
            sqlx::query_scalar("SELECT id FROM jobs ORDER BY created_at DESC, id DESC LIMIT 50")
                .fetch_all(db.pool())
                .await
                .unwrap();
        assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), newest);
    }

    /// The plan of [`push_list`] for `filter` as a prepared statement executes it (a
    /// generic plan under `plan_cache_mode = force_generic_plan`): `EXPLAIN EXECUTE`
    /// with the filter's values written out.
    async fn explain_prepared(conn: &mut sqlx::PgConnection, filter: &JobFilter) -> String {
        let mut q = QueryBuilder::new("");
        push_list(&mut q, filter);
        sqlx::raw_sql(&format!("PREPARE listing AS {}", q.sql()))
            .execute(&mut *conn)
            .await
            .unwrap();
        // Each branch binds its cursor (if any) and its limit; a merge binds one more
        // limit at the end.
        let limit = filter.effective_limit().to_string();
        let mut branch = Vec::new();
        if let Some((created, id)) = filter.after {
            branch.push(format!("'{}'::timestamptz", created.to_rfc3339()));
            branch.push(format!("'{id}'::uuid"));
        }
        branch.push(limit.clone());
        let placeholders = q.sql().matches('$').count();
        let mut values: Vec<String> = (0..placeholders / branch.len())
            .flat_map(|_| branch.iter().cloned())
            .collect();
        values.extend(std::iter::repeat_n(limit, placeholders % branch.len()));
        let plan: Vec<String> =
            sqlx::query_scalar(&format!("EXPLAIN EXECUTE listing({})", values.join(", ")))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        sqlx::raw_sql("DEALLOCATE listing")
            .execute(&mut *conn)
            .await
            .unwrap();
        plan.join("\n")
    }

    /// Indexes whose scan reads every queued or running job.
    const STATUS_INDEXES: [&str; 4] = [
        "jobs_claim",
        "jobs_reap",
        "jobs_status_created",
        "jobs_queued_created",
    ];

    fn assert_scans_a_status_index(plan: &str) {
        assert!(
            STATUS_INDEXES.iter().any(|i| plan.contains(i)) && !plan.contains("jobs_pkey"),
            "the trap is not set: the plain predicate plans by primary key here\n{plan}"
        );
    }

    fn assert_probes_the_primary_key(plan: &str) {
        assert!(
            plan.contains("jobs_pkey") && !STATUS_INDEXES.iter().any(|i| plan.contains(i)),
            "{plan}"
        );
    }
}
