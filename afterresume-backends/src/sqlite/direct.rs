//! The engine's hot writes as statements on a [`rusqlite::Connection`], for the
//! [`GroupWriter`](super::writer::GroupWriter)'s transaction: job inserts, claims,
//! completions and event appends. Each statement is prepared once per group and
//! run once per row, which in-process costs microseconds; the group's one commit
//! is where the time would otherwise go.

use afterresume_core::{Error, ErrorKind, Result};
use std::sync::LazyLock;

use afterresume_core::domain::{
    Job, JobId, LOWEST_PRIORITY, NewEvent, NewJob, NewWorkLog, PRIORITY_AGING, WorkLog,
};
use afterresume_core::engine::QueuedFacts;
use afterresume_core::ports::{ClaimOptions, InsertedJob, JobOutcome, Lease};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, params};

use super::convert::{date_text, json, list_text, micros, opt_time, time};
use super::error::map_rusqlite;
use crate::common::as_stored;
use crate::sql_finish::{FINISH_SET, FINISH_WHERE, FinishRow};

/// The columns [`job_from_row`] reads, by position (a lookup by name costs a
/// string comparison per column and row; it was 7% of the writer's time).
const JOB_COLUMNS: &str = "id, job_type, status, trigger, payload, result, error, retry_count, \
     max_retries, idempotency_key, parent_job_id, user_id, trace_id, run_at, attempt, \
     lease_expires_at, worker_id, cancel_requested, created_at, started_at, finished_at, \
     priority, queue, concurrency_key";

/// One job by id; built once, not per row (the statement cache is keyed by text).
static JOB_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"));

/// The job holding an idempotency key.
static JOB_BY_KEY: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {JOB_COLUMNS} FROM jobs WHERE idempotency_key = ?1"));

/// A job from a row of [`JOB_COLUMNS`].
fn job_from_row(row: &Row<'_>) -> Result<Job> {
    let get = map_rusqlite;
    Ok(Job {
        id: row.get(0).map_err(get)?,
        job_type: row.get(1).map_err(get)?,
        status: text(row, 2)?.parse()?,
        trigger: text(row, 3)?.parse()?,
        payload: json(text(row, 4)?)?,
        result: opt_text(row, 5)?.map(json).transpose()?,
        error: row.get(6).map_err(get)?,
        retry_count: row.get::<_, i64>(7).map_err(get)? as u32,
        max_retries: row.get::<_, i64>(8).map_err(get)? as u32,
        idempotency_key: row.get(9).map_err(get)?,
        parent_job_id: row.get(10).map_err(get)?,
        user_id: row.get(11).map_err(get)?,
        trace_id: row.get(12).map_err(get)?,
        run_at: time(row.get(13).map_err(get)?),
        attempt: row.get::<_, i64>(14).map_err(get)? as u32,
        lease_expires_at: opt_time(row.get(15).map_err(get)?),
        worker_id: row.get(16).map_err(get)?,
        cancel_requested: row.get(17).map_err(get)?,
        created_at: time(row.get(18).map_err(get)?),
        started_at: opt_time(row.get(19).map_err(get)?),
        finished_at: opt_time(row.get(20).map_err(get)?),
        priority: row.get(21).map_err(get)?,
        queue: row.get(22).map_err(get)?,
        concurrency_key: row.get(23).map_err(get)?,
    })
}

/// A TEXT column, read in place.
fn text<'r>(row: &'r Row<'_>, column: usize) -> Result<&'r str> {
    let value = row.get_ref(column).map_err(map_rusqlite)?;
    value.as_str().map_err(|e| map_rusqlite(e.into()))
}

/// A nullable TEXT column, read in place.
fn opt_text<'r>(row: &'r Row<'_>, column: usize) -> Result<Option<&'r str>> {
    let value = row.get_ref(column).map_err(map_rusqlite)?;
    value.as_str_or_null().map_err(|e| map_rusqlite(e.into()))
}

/// Every row a prepared statement returns, as jobs.
fn jobs_of(mut rows: rusqlite::Rows<'_>) -> Result<Vec<Job>> {
    let mut jobs = Vec::new();
    while let Some(row) = rows.next().map_err(map_rusqlite)? {
        jobs.push(job_from_row(row)?);
    }
    Ok(jobs)
}

/// The first event an insert writes with a job.
#[derive(Debug, Clone)]
pub(super) enum FirstEvent {
    /// None.
    None,
    /// This one: kept in the job's row when it is the standard "job queued" event,
    /// a `job_events` row otherwise.
    Given(NewEvent),
    /// The job's standard "job queued" event ([`QueuedFacts`]), kept in its row
    /// without being built.
    Queued,
}

/// Inserts jobs (and the first event of each one it creates); a job whose
/// idempotency key is already held, also by an earlier job of the same call,
/// resolves to the holder.
///
/// A standard "job queued" event stays in its job's row (migration `0002`,
/// [`QueuedFacts`]); other events become `job_events` rows. Either way each event's
/// id is reserved here, in call order.
pub(super) fn insert_jobs(
    db: &Connection,
    jobs: &[(NewJob, FirstEvent)],
) -> Result<Vec<InsertedJob>> {
    let mut insert = db
        .prepare_cached(
            "INSERT INTO jobs (id, job_type, status, trigger, payload, max_retries, idempotency_key, \
             parent_job_id, user_id, trace_id, run_at, created_at, queued_event_id, queued_trigger, \
             queued_run_at, priority, queue, concurrency_key) \
             VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .map_err(map_rusqlite)?;
    let with_events = jobs
        .iter()
        .filter(|(_, e)| !matches!(e, FirstEvent::None))
        .count();
    let mut event_ids = reserve_event_ids(db, with_events)?;
    let mut inserted = Vec::with_capacity(jobs.len());
    let mut events = Vec::new();
    for (new, first) in jobs {
        // The event's id, and the event when it needs a row of its own.
        let event = match first {
            FirstEvent::None => None,
            FirstEvent::Queued => Some((event_ids.next().unwrap_or_default(), None)),
            FirstEvent::Given(event) => {
                let id = event_ids.next().unwrap_or_default();
                let kept = QueuedFacts::of_new(new).is_event(event);
                Some((id, (!kept).then_some(event)))
            }
        };
        let kept_id = match event {
            Some((id, None)) => Some(id),
            _ => None,
        };
        let job = as_stored(new.clone());
        let changed = insert
            .execute(params![
                job.id,
                job.job_type,
                job.trigger.as_str(),
                job.payload.to_string(),
                i64::from(job.max_retries),
                job.idempotency_key,
                job.parent_job_id,
                job.user_id,
                job.trace_id,
                micros(job.run_at),
                micros(job.created_at),
                kept_id,
                kept_id.map(|_| job.trigger.as_str()),
                kept_id.map(|_| micros(job.run_at)),
                job.priority,
                job.queue,
                job.concurrency_key,
            ])
            .map_err(map_rusqlite)?;
        if changed == 1 {
            if let Some((id, Some(event))) = event {
                events.push((Some(id), event));
            }
            inserted.push(InsertedJob { job, created: true });
            continue;
        }
        let key = job.idempotency_key.as_deref().unwrap_or_default();
        let holder = db
            .prepare_cached(&JOB_BY_KEY)
            .map_err(map_rusqlite)?
            .query_row([key], |row| Ok(job_from_row(row)))
            .map_err(map_rusqlite)??;
        inserted.push(InsertedJob {
            job: holder,
            created: false,
        });
    }
    append_events_with_ids(db, events)?;
    Ok(inserted)
}

/// Reserves `n` consecutive `job_events` ids: AUTOINCREMENT hands out ids above the
/// table's `sqlite_sequence` entry, so raising it keeps every later event above
/// these. Only the writer runs this, inside its transaction.
fn reserve_event_ids(db: &Connection, n: usize) -> Result<std::ops::Range<i64>> {
    if n == 0 {
        return Ok(0..0);
    }
    let last: i64 = db
        .prepare_cached(
            "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'job_events'), 0), \
             COALESCE((SELECT max(id) FROM job_events), 0))",
        )
        .map_err(map_rusqlite)?
        .query_row([], |row| row.get(0))
        .map_err(map_rusqlite)?;
    let end = last + n as i64;
    let raised = db
        .prepare_cached("UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'job_events'")
        .map_err(map_rusqlite)?
        .execute([end])
        .map_err(map_rusqlite)?;
    if raised == 0 {
        db.prepare_cached("INSERT INTO sqlite_sequence (name, seq) VALUES ('job_events', ?1)")
            .map_err(map_rusqlite)?
            .execute([end])
            .map_err(map_rusqlite)?;
    }
    Ok(last + 1..end + 1)
}

/// Reads one job by id (a prepared point lookup, cheaper than `RETURNING`, which
/// fills a temporary table per execution).
fn read_job(db: &Connection, id: JobId) -> Result<Option<Job>> {
    let mut read = db.prepare_cached(&JOB_BY_ID).map_err(map_rusqlite)?;
    Ok(jobs_of(read.query([id]).map_err(map_rusqlite)?)?.pop())
}

/// Claims one job if it is queued and due; `None` otherwise. The group's
/// transaction holds SQLite's write lock, so nothing can change the row between
/// this process's look and its update.
fn claim_one(
    db: &Connection,
    id: JobId,
    opts: &ClaimOptions,
    queues: Option<&str>,
    narrowed: bool,
) -> Result<Option<Job>> {
    let statement: &str = if narrowed { &CLAIM_ONE } else { CLAIM_ONE_ANY };
    let mut claim = db.prepare_cached(statement).map_err(map_rusqlite)?;
    let (expiry, now) = (micros(opts.lease_expires_at), micros(opts.now));
    let changed = if narrowed {
        claim.execute(params![expiry, opts.worker_id, now, id, queues])
    } else {
        claim.execute(params![expiry, opts.worker_id, now, id])
    }
    .map_err(map_rusqlite)?;
    if changed == 0 {
        return Ok(None);
    }
    read_job(db, id)
}

/// Claims up to `limit` due jobs in claim order (the `jobs_claim_order` index,
/// migration `0007`).
pub(super) fn claim_due(db: &Connection, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>> {
    let queues = served_queues(opts)?;
    let narrowed = is_narrowed(db, queues.as_deref())?;
    let statement = if narrowed { &DUE_IDS } else { &DUE_IDS_ANY };
    let mut due = db.prepare_cached(statement).map_err(map_rusqlite)?;
    let id = |row: &rusqlite::Row<'_>| row.get::<_, JobId>(0);
    let (now, limit) = (micros(opts.now), limit as i64);
    let ids = if narrowed {
        due.query_map(params![now, limit, queues.as_deref()], id)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<JobId>>>())
    } else {
        due.query_map(params![now, limit], id)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<JobId>>>())
    }
    .map_err(map_rusqlite)?;
    claim_each(db, &ids, opts, queues.as_deref(), narrowed)
}

/// Claims the named jobs that are queued and due, in the order given; others are
/// skipped.
pub(super) fn claim_ids(db: &Connection, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>> {
    let queues = served_queues(opts)?;
    let narrowed = is_narrowed(db, queues.as_deref())?;
    claim_each(db, ids, opts, queues.as_deref(), narrowed)
}

fn claim_each(
    db: &Connection,
    ids: &[JobId],
    opts: &ClaimOptions,
    queues: Option<&str>,
    narrowed: bool,
) -> Result<Vec<Job>> {
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        jobs.extend(claim_one(db, *id, opts, queues, narrowed)?);
    }
    Ok(jobs)
}

/// Whether a claim must test queues and pauses: it serves a subset of the
/// queues, or something is paused. Asked once per claim, in the claim's own
/// transaction; most claims are neither, and then skip the per-job subqueries.
fn is_narrowed(db: &Connection, queues: Option<&str>) -> Result<bool> {
    if queues.is_some() {
        return Ok(true);
    }
    db.prepare_cached("SELECT EXISTS (SELECT 1 FROM job_pauses)")
        .and_then(|mut paused| paused.query_row([], |row| row.get(0)))
        .map_err(map_rusqlite)
}

/// The claim's queues as the JSON array the statements read with `json_each`.
fn served_queues(opts: &ClaimOptions) -> Result<Option<String>> {
    opts.queues
        .as_deref()
        .map(|queues| {
            serde_json::to_string(queues)
                .map_err(|e| Error::unexpected("sqlite: queue names").with_source(e))
        })
        .transpose()
}

/// Jobs a claim may take: of the served queues (`?5`, a JSON array, or `NULL` for
/// all) and not held by a pause. SQLite runs each uncorrelated `IN` subquery
/// once per statement.
pub(super) const CLAIMABLE_BY: &str = "(?5 IS NULL OR queue IN (SELECT value FROM json_each(?5))) \
     AND queue NOT IN (SELECT name FROM job_pauses WHERE kind = 'queue') \
     AND job_type NOT IN (SELECT name FROM job_pauses WHERE kind = 'type')";

/// Claims one job by id (`?1` lease expiry, `?2` worker, `?3` now, `?4` id),
/// whatever its queue, when nothing is paused.
const CLAIM_ONE_ANY: &str = "UPDATE jobs SET status = 'running', attempt = attempt + 1, \
     lease_expires_at = ?1, worker_id = ?2, started_at = COALESCE(started_at, ?3) \
     WHERE id = ?4 AND status = 'queued' AND run_at <= ?3";

/// [`CLAIM_ONE_ANY`] for a claim that must test queues (`?5`) and pauses.
static CLAIM_ONE: LazyLock<String> =
    LazyLock::new(|| format!("{CLAIM_ONE_ANY} AND {CLAIMABLE_BY}"));

/// The ids of up to `?2` claimable jobs due at `?1`, in claim order: a range of
/// the `jobs_claim_order` index (migration `0007`) that no job due by `?1` lies
/// beyond (its claim order is at most [`LOWEST_PRIORITY`] aging steps after its
/// due time), then the due test itself.
static DUE_IDS: LazyLock<String> =
    LazyLock::new(|| due_ids(&format!(" AND {}", CLAIMABLE_BY.replace("?5", "?3"))));

/// [`DUE_IDS`] when nothing is paused and every queue is served.
static DUE_IDS_ANY: LazyLock<String> = LazyLock::new(|| due_ids(""));

fn due_ids(claimable: &str) -> String {
    format!(
        "SELECT id FROM jobs WHERE {}{claimable} \
         ORDER BY run_at + priority * 60000000, id LIMIT ?2",
        *DUE_BY_CLAIM_ORDER
    )
}

/// Queued jobs due at `?1`, as a range of the `jobs_claim_order` index (no job
/// due by `?1` lies beyond [`LOWEST_PRIORITY`] aging steps after it), then the
/// due test itself; without the range, a search for a due job walks every job
/// queued for later.
pub(super) static DUE_BY_CLAIM_ORDER: LazyLock<String> = LazyLock::new(|| {
    let horizon = PRIORITY_AGING.as_micros() as u64 * LOWEST_PRIORITY as u64;
    format!("status = 'queued' AND run_at + priority * 60000000 <= ?1 + {horizon} AND run_at <= ?1")
});

/// Applies outcomes, each fenced by its lease's (id, attempt); returns, per item in
/// order, the row as written, or `None` where the lease was stale and nothing changed.
pub(super) fn finish(
    db: &Connection,
    items: &[(Lease, JobOutcome)],
    now: DateTime<Utc>,
) -> Result<Vec<Option<Job>>> {
    let mut update = db.prepare_cached(&FINISH_ONE).map_err(map_rusqlite)?;
    let mut written = Vec::with_capacity(items.len());
    for (lease, outcome) in items {
        let f = FinishRow::new(lease, outcome.clone(), now);
        let changed = update
            .execute(params![
                f.job_id,
                i64::from(f.attempt),
                f.status,
                f.result.map(|v| v.to_string()),
                f.error,
                f.finished_at.map(micros),
                f.run_at.map(micros),
                i64::from(f.retry),
            ])
            .map_err(map_rusqlite)?;
        written.push(if changed == 1 {
            read_job(db, f.job_id)?
        } else {
            None
        });
    }
    Ok(written)
}

/// The shared completion statement for one outcome, its values table's columns
/// bound as parameters `?1..?8`. Without `RETURNING` (which fills a temporary table
/// per execution: most of a completion's cost) and without a one-row `FROM`; the
/// written row is read back by primary key.
static FINISH_ONE: LazyLock<String> = LazyLock::new(|| {
    let mut sql = format!("UPDATE jobs SET {FINISH_SET} WHERE {FINISH_WHERE}");
    for (column, parameter) in [
        ("v.id", "?1"),
        ("v.attempt", "?2"),
        ("v.status", "?3"),
        ("v.result", "?4"),
        ("v.error", "?5"),
        ("v.finished_at", "?6"),
        ("v.run_at", "?7"),
        ("v.retry", "?8"),
    ] {
        sql = sql.replace(column, parameter);
    }
    sql
});

/// Appends events in order.
pub(super) fn append_events<'a>(
    db: &Connection,
    events: impl IntoIterator<Item = &'a NewEvent>,
) -> Result<()> {
    append_events_with_ids(db, events.into_iter().map(|event| (None, event)))
}

/// Appends events under the ids reserved for them, or (`None`) the next ones.
fn append_events_with_ids<'a>(
    db: &Connection,
    events: impl IntoIterator<Item = (Option<i64>, &'a NewEvent)>,
) -> Result<()> {
    let mut insert = db
        .prepare_cached(
            "INSERT INTO job_events (id, job_id, timestamp, level, source, message, data, trace_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(map_rusqlite)?;
    for (id, e) in events {
        insert
            .execute(params![
                id,
                e.job_id,
                micros(e.timestamp),
                e.level.as_str(),
                e.source.as_str(),
                e.message,
                e.data.to_string(),
                e.trace_id,
            ])
            .map_err(map_rusqlite)?;
    }
    Ok(())
}

/// Inserts worklogs (one per HTTP create, or a whole import) and returns them as
/// stored: every field is known here but the id, which SQLite assigns.
pub(super) fn insert_worklogs(
    db: &Connection,
    worklogs: &[NewWorkLog],
    now: DateTime<Utc>,
) -> Result<Vec<WorkLog>> {
    let mut insert = db
        .prepare_cached(
            "INSERT INTO worklogs (user_id, date, content, title, tags, source, metadata, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        )
        .map_err(map_rusqlite)?;
    // What a read of the row would give back (times are stored in microseconds).
    let stored_now = time(micros(now));
    let mut stored = Vec::with_capacity(worklogs.len());
    for w in worklogs {
        insert
            .execute(params![
                w.user_id,
                date_text(w.date),
                w.content,
                w.title,
                list_text(&w.tags),
                w.source,
                w.metadata.to_string(),
                micros(now),
            ])
            .map_err(|err| match map_rusqlite(err) {
                err if err.is(ErrorKind::NotFound) => {
                    Error::not_found(format!("user {} not found", w.user_id))
                }
                err => err,
            })?;
        stored.push(WorkLog {
            id: db.last_insert_rowid(),
            user_id: w.user_id,
            date: w.date,
            content: w.content.clone(),
            title: w.title.clone(),
            tags: w.tags.clone(),
            source: w.source.clone(),
            metadata: w.metadata.clone(),
            analysis: None,
            created_at: stored_now,
            updated_at: stored_now,
        });
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_outcome_statement_binds_every_value_column() {
        assert!(!FINISH_ONE.contains("v."), "{}", *FINISH_ONE);
        for n in 1..=8 {
            assert!(
                FINISH_ONE.contains(&format!("?{n}")),
                "?{n} missing: {}",
                *FINISH_ONE
            );
        }
    }
}
