//! Inserting jobs: one statement per chunk, `COPY` for large keyless batches,
//! with the first events of the jobs a batch creates.

use super::*;

/// The columns every inserted job sets.
pub(super) const JOB_COLUMNS: &str = "id, job_type, status, trigger, payload, max_retries, idempotency_key, \
     parent_job_id, user_id, trace_id, run_at, created_at, priority, queue, concurrency_key";

/// The jobs' column arrays (`$1..$14`), unnested in input order as the values of
/// [`JOB_COLUMNS`] followed by `extra` values.
pub(super) fn unnest_jobs(extra: &str) -> String {
    format!(
        "SELECT i, ty, 'queued', tr, p::json, mr, k, pa, u, tc, ra, ca, pr, qu, ck{extra} \
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[], \
         $7::uuid[], $8::int8[], $9::uuid[], $10::timestamptz[], $11::timestamptz[], \
         $12::int2[], $13::text[], $14::text[]) \
         WITH ORDINALITY AS x(i, ty, tr, p, mr, k, pa, u, tc, ra, ca, pr, qu, ck, n) ORDER BY n"
    )
}

/// Appends the events' column arrays (`$15..$21`), unnested as `e` with their ordinal `e.n`.
pub(super) const UNNEST_EVENTS: &str = "INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id) \
     SELECT e.j, e.t, e.l, e.s, e.m, e.d::json, e.tr FROM UNNEST($15::uuid[], $16::timestamptz[], \
     $17::text[], $18::text[], $19::text[], $20::text[], $21::uuid[]) WITH ORDINALITY \
     AS e(j, t, l, s, m, d, tr, n)";

/// Skips a job whose idempotency key is taken; returns the ids of those created.
pub(super) const ON_TAKEN_KEY: &str =
    "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id";

/// Jobs without idempotency keys: all are created. `queued_event_id` is set to NULL
/// rather than left to its default (migration `0006`), which would draw an id for
/// nothing.
pub(super) static KEYLESS_INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO jobs ({JOB_COLUMNS}, queued_event_id) {}",
        unnest_jobs(", NULL::int8")
    )
});

/// [`KEYLESS_INSERT`] and every event, in order.
pub(super) static KEYLESS_INSERT_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH appended AS ({UNNEST_EVENTS} ORDER BY e.n) {}",
        *KEYLESS_INSERT
    )
});

/// [`KEYLESS_INSERT`], each job keeping its "job queued" event in its row: the trigger
/// and due time it is queued with, and the event's id from the timeline's sequence
/// (the column's default, migration `0006`).
pub(super) static KEYLESS_INSERT_KEEPING_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO jobs ({JOB_COLUMNS}, queued_trigger, queued_run_at) {}",
        unnest_jobs(", tr, ra")
    )
});

/// Jobs of which some have a key: returns the ids of those it created.
pub(super) static KEYED_INSERT: LazyLock<String> =
    LazyLock::new(|| format!("{} {ON_TAKEN_KEY}", *KEYLESS_INSERT));

/// [`KEYED_INSERT`] and, in order, the events of the jobs it created.
pub(super) static KEYED_INSERT_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH inserted AS ({}), appended AS ({UNNEST_EVENTS} \
         WHERE e.j IN (SELECT id FROM inserted) ORDER BY e.n) SELECT * FROM inserted",
        KEYED_INSERT.as_str()
    )
});

/// [`KEYED_INSERT`], each job it creates keeping its "job queued" event in its row
/// (a job whose key is taken leaves a gap in the event ids).
pub(super) static KEYED_INSERT_KEEPING_EVENTS: LazyLock<String> =
    LazyLock::new(|| format!("{} {ON_TAKEN_KEY}", *KEYLESS_INSERT_KEEPING_EVENTS));

/// The first events an insert writes with its jobs.
#[derive(Debug)]
pub(in crate::postgres) enum FirstEvents {
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
    pub(super) fn split_off(&mut self, at: usize) -> Self {
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
pub(super) async fn insert_many_with_events(
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
    let mut priorities = Vec::with_capacity(n);
    let mut queues = Vec::with_capacity(n);
    let mut concurrency_keys = Vec::with_capacity(n);
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
        priorities.push(job.priority);
        queues.push(job.queue.as_str());
        concurrency_keys.push(job.concurrency_key.as_deref());
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
        FirstEvents::Given(events) => Some(super::super::EventColumns::of(events)),
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
        .bind(&created)
        .bind(&priorities)
        .bind(&queues)
        .bind(&concurrency_keys);
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
pub(in crate::postgres) async fn insert_one(
    conn: &mut PgConnection,
    job: NewJob,
) -> Result<InsertedJob> {
    let mut inserted = insert_many(conn, vec![job]).await?;
    inserted
        .pop()
        .ok_or_else(|| Error::unexpected("insert returned nothing"))
}

impl PostgresBackend {
    /// Inserts a batch in one transaction: large keyless batches by `COPY` (the
    /// `copy_in` module), others one statement per [`INSERT_CHUNK`] jobs, writing the
    /// jobs and the first events of those it creates.
    pub(super) async fn insert_batch(
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
}

/// Whether a batch goes by `COPY`: large, and no job has an idempotency key.
pub(super) fn copies(jobs: &[NewJob]) -> bool {
    jobs.len() >= copy_in::COPY_MIN_JOBS && jobs.iter().all(|j| j.idempotency_key.is_none())
}

/// Jobs per insert statement.
pub(super) const INSERT_CHUNK: usize = 5000;
