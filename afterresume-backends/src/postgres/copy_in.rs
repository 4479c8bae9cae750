//! Large batches of new jobs without idempotency keys, and their first events, go in
//! by binary `COPY FROM STDIN`, streamed as they are encoded.
//!
//! Why: with one `INSERT ... SELECT FROM UNNEST(arrays)` statement, the client first
//! builds every array and only then does the server start, so a batch costs the
//! client's time plus the server's (about 3 + 12 µs a job here, twice that when the
//! machine is slow). A `COPY` stream lets the server insert the first rows while the
//! client encodes the next ones, and encoding straight into the wire buffer costs the
//! client less (its process: 2.6 against 3.1 µs a job). The server's time goes to
//! the heap rows, their index entries and checking that the JSON parses (migration
//! `0004`: `json` columns, no `jsonb` tree).
//!
//! A job whose first event is the standard "job queued" one keeps it in its own row
//! (migration `0005`, [`QueuedFacts`]): no event row, no timeline index entry, no event
//! JSON. That took the server's work per job from about 11.5 to 8.5 µs here. Every
//! event of the batch gets its id from the timeline's sequence in batch order,
//! whichever row keeps it. The engine's batches (every job with its standard event,
//! [`FirstEvents::KeptInRows`]) are one `COPY` that commits by itself, each row
//! drawing its event's id from the column's default as it goes in (migration
//! `0006`): two round trips where a transaction with reserved ids takes six. Other
//! batches reserve the ids first and copy their event rows in the same transaction.
//!
//! Jobs with keys keep the statement path: only `INSERT ... ON CONFLICT` can skip a
//! taken key without failing the batch.

use afterresume_core::domain::{NewEvent, NewJob};
use afterresume_core::engine::QueuedFacts;
use afterresume_core::ports::InsertedJob;
use afterresume_core::{Error, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use sqlx::postgres::{PgCopyIn, PgPool};
use uuid::Uuid;

use super::job_store::FirstEvents;
use super::map_sqlx;
use crate::common::as_stored;

/// Batches of at least this many keyless jobs go by `COPY`. Below it the single
/// statement wins: the `COPY` path takes six round trips (begin, two copies of two
/// each, commit) where the statement takes one.
pub(super) const COPY_MIN_JOBS: usize = 256;

const COPY_JOBS: &str = "COPY jobs (id, job_type, status, trigger, payload, max_retries, \
     parent_job_id, user_id, trace_id, run_at, created_at, priority, queue, concurrency_key, \
     queued_event_id, queued_trigger, queued_run_at) FROM STDIN (FORMAT binary)";
const JOB_FIELDS: i16 = 17;

/// [`COPY_JOBS`] for jobs that all keep their "job queued" event, each drawing the
/// event's id from the column's default (migration `0006`) as its row goes in.
const COPY_QUEUED_JOBS: &str = "COPY jobs (id, job_type, status, trigger, payload, max_retries, \
     parent_job_id, user_id, trace_id, run_at, created_at, priority, queue, concurrency_key, \
     queued_trigger, queued_run_at) FROM STDIN (FORMAT binary)";
const QUEUED_JOB_FIELDS: i16 = 16;

const COPY_EVENTS: &str = "COPY job_events (id, job_id, timestamp, level, source, message, \
     data, trace_id) FROM STDIN (FORMAT binary)";
const EVENT_FIELDS: i16 = 8;

/// Encoded bytes are sent in pieces of about this size, so the server starts early.
const SEND_EVERY: usize = 32 * 1024;

/// The events encoded ahead, while the server still inserts the jobs, at most.
const EVENTS_AHEAD: usize = 1024 * 1024;

/// Inserts `jobs` (none with an idempotency key) and `events` in one transaction;
/// returns the jobs as stored, in order, all created.
///
/// The work runs in a task of its own: a caller that stops waiting (a dropped
/// future) cannot leave the connection in the middle of a `COPY`. The batch then
/// commits or fails on its own, like a statement already sent.
pub(super) async fn insert_keyless(
    pool: PgPool,
    jobs: Vec<NewJob>,
    events: FirstEvents,
) -> Result<Vec<InsertedJob>> {
    debug_assert!(jobs.iter().all(|j| j.idempotency_key.is_none()));
    tokio::spawn(async move {
        let events = match &events {
            FirstEvents::KeptInRows => {
                // One statement, atomic and committed by itself.
                let mut conn = pool.acquire().await.map_err(map_sqlx)?;
                copy_queued_jobs(&mut conn, &jobs).await?;
                None
            }
            FirstEvents::None => Some(&[][..]),
            FirstEvents::Given(events) => Some(events.as_slice()),
        };
        if let Some(events) = events {
            let mut tx = pool.begin().await.map_err(map_sqlx)?;
            copy_jobs_and_events(&mut tx, &jobs, events).await?;
            tx.commit().await.map_err(map_sqlx)?;
        }
        Ok(jobs
            .into_iter()
            .map(|new| InsertedJob {
                job: as_stored(new),
                created: true,
            })
            .collect())
    })
    .await
    .map_err(|e| Error::unexpected("postgres: the bulk insert task failed").with_source(e))?
}

/// Copies jobs that all keep their "job queued" event, with its id drawn by each
/// row as it goes in: in batch order, before the job can write anything else.
async fn copy_queued_jobs(conn: &mut PgConnection, jobs: &[NewJob]) -> Result<()> {
    let mut copy = conn.copy_in_raw(COPY_QUEUED_JOBS).await.map_err(map_sqlx)?;
    stream(&mut copy, CopyRows::new(), jobs.iter(), |rows, job| {
        rows.job(job, KeptEvent::WithDefaultId)
    })
    .await?;
    let written = copy.finish().await.map_err(map_sqlx)?;
    expect_rows("jobs", written, jobs.len())
}

/// Copies jobs and their given first events (one per job, or none at all).
async fn copy_jobs_and_events(
    conn: &mut PgConnection,
    jobs: &[NewJob],
    events: &[NewEvent],
) -> Result<()> {
    // A job row keeps its own "job queued" event when it is exactly the standard one
    // (migration `0005`): no event row, index entry or JSON document for it. Every
    // event's id is drawn here, in batch order, whether a job row or an event row
    // keeps it.
    let in_row: Vec<bool> = if events.is_empty() {
        vec![false; jobs.len()]
    } else {
        jobs.iter()
            .zip(events)
            .map(|(job, event)| QueuedFacts::of_new(job).is_event(event))
            .collect()
    };
    let kept = in_row.iter().filter(|&&kept| kept).count();
    let ids = event_ids(conn, events.len()).await?;
    let rows = jobs.iter().enumerate().map(|(i, job)| {
        let kept = if in_row[i] {
            KeptEvent::WithId(ids[i])
        } else {
            KeptEvent::No
        };
        (job, kept)
    });
    let mut copy = conn.copy_in_raw(COPY_JOBS).await.map_err(map_sqlx)?;
    stream(&mut copy, CopyRows::new(), rows, |rows, (job, kept)| {
        rows.job(job, kept)
    })
    .await?;
    // The server is still inserting jobs: encode the first events meanwhile.
    let mut rest = events
        .iter()
        .zip(ids)
        .zip(&in_row)
        .filter(|&(_, &kept)| !kept)
        .map(|(event, _)| event);
    let mut ahead = CopyRows::new();
    for (event, id) in rest.by_ref() {
        ahead.event(event, id)?;
        if ahead.len() >= EVENTS_AHEAD {
            break;
        }
    }
    let written = copy.finish().await.map_err(map_sqlx)?;
    expect_rows("jobs", written, jobs.len())?;
    let stored_events = events.len() - kept;
    if stored_events == 0 {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(COPY_EVENTS).await.map_err(map_sqlx)?;
    stream(&mut copy, ahead, rest, |rows, (event, id)| {
        rows.event(event, id)
    })
    .await?;
    let written = copy.finish().await.map_err(map_sqlx)?;
    expect_rows("events", written, stored_events)
}

/// `n` event ids from the timeline's sequence, in increasing order, taken in the
/// inserting transaction: before the jobs exist, so before anything they write.
async fn event_ids(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    // One row holding every id: a row per id costs the client a decoded row each.
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT array(SELECT nextval('job_events_id_seq') AS id \
         FROM generate_series(1, $1) ORDER BY id)",
    )
    .bind(n as i64)
    .fetch_one(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    if ids.len() == n {
        Ok(ids)
    } else {
        Err(Error::unexpected(format!(
            "postgres: asked for {n} event ids, got {}",
            ids.len()
        )))
    }
}

/// Sends what `rows` holds, then encodes and sends `items` in pieces of about
/// [`SEND_EVERY`] bytes, and the trailer.
async fn stream<T>(
    copy: &mut PgCopyIn<&mut PgConnection>,
    mut rows: CopyRows,
    items: impl Iterator<Item = T>,
    mut encode: impl FnMut(&mut CopyRows, T) -> Result<()>,
) -> Result<()> {
    for item in items {
        if rows.len() >= SEND_EVERY {
            send(copy, &mut rows).await?;
        }
        encode(&mut rows, item)?;
    }
    rows.end();
    send(copy, &mut rows).await
}

async fn send(copy: &mut PgCopyIn<&mut PgConnection>, rows: &mut CopyRows) -> Result<()> {
    if !rows.buf.is_empty() {
        copy.send(rows.buf.as_slice()).await.map_err(map_sqlx)?;
        rows.buf.clear();
    }
    Ok(())
}

fn expect_rows(what: &str, written: u64, expected: usize) -> Result<()> {
    if written == expected as u64 {
        Ok(())
    } else {
        Err(Error::unexpected(format!(
            "postgres: copied {written} of {expected} {what}"
        )))
    }
}

/// Whether a copied job row keeps its "job queued" event, and where its id comes from.
#[derive(Debug, Clone, Copy)]
enum KeptEvent {
    /// It does not (the event, if any, is an event row).
    No,
    /// It does, with this id, reserved before the batch.
    WithId(i64),
    /// It does, with the id the row draws from the column's default.
    WithDefaultId,
}

/// Rows in `COPY ... (FORMAT binary)` encoding: a header, then per row the field
/// count and each field as a length (-1 for NULL) and its binary value, then a
/// trailer.
struct CopyRows {
    buf: Vec<u8>,
}

/// Microseconds from the Unix epoch to Postgres' (2000-01-01 UTC).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl CopyRows {
    fn new() -> Self {
        let mut buf = Vec::with_capacity(2 * SEND_EVERY);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
        CopyRows { buf }
    }

    /// Bytes encoded and not yet sent.
    fn len(&self) -> usize {
        self.buf.len()
    }

    fn end(&mut self) {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
    }

    /// A job row of [`COPY_JOBS`], or of [`COPY_QUEUED_JOBS`] for
    /// [`KeptEvent::WithDefaultId`].
    fn job(&mut self, job: &NewJob, kept: KeptEvent) -> Result<()> {
        self.row(match kept {
            KeptEvent::WithDefaultId => QUEUED_JOB_FIELDS,
            KeptEvent::No | KeptEvent::WithId(_) => JOB_FIELDS,
        });
        self.uuid(job.id);
        self.text(&job.job_type);
        self.text("queued");
        self.text(job.trigger.as_str());
        self.json(&job.payload)?;
        self.int4(i32::try_from(job.max_retries).map_err(|_| {
            Error::invalid_input(format!("max_retries: {} is too large", job.max_retries))
        })?);
        match job.parent_job_id {
            Some(parent) => self.uuid(parent),
            None => self.null(),
        }
        match job.user_id {
            Some(user) => self.int8(user),
            None => self.null(),
        }
        self.uuid(job.trace_id);
        self.timestamptz(job.run_at);
        self.timestamptz(job.created_at);
        self.int2(job.priority);
        self.text(&job.queue);
        match &job.concurrency_key {
            Some(key) => self.text(key),
            None => self.null(),
        }
        match kept {
            KeptEvent::No => {
                self.null();
                self.null();
                self.null();
            }
            KeptEvent::WithId(id) => {
                self.int8(id);
                self.text(job.trigger.as_str());
                self.timestamptz(job.run_at);
            }
            KeptEvent::WithDefaultId => {
                self.text(job.trigger.as_str());
                self.timestamptz(job.run_at);
            }
        }
        Ok(())
    }

    fn event(&mut self, event: &NewEvent, id: i64) -> Result<()> {
        self.row(EVENT_FIELDS);
        self.int8(id);
        self.uuid(event.job_id);
        self.timestamptz(event.timestamp);
        self.text(event.level.as_str());
        self.text(event.source.as_str());
        self.text(&event.message);
        self.json(&event.data)?;
        self.uuid(event.trace_id);
        Ok(())
    }

    fn row(&mut self, fields: i16) {
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    fn field(&mut self, bytes: &[u8]) {
        self.buf
            .extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(bytes);
    }

    fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn uuid(&mut self, id: Uuid) {
        self.field(id.as_bytes());
    }

    fn text(&mut self, s: &str) {
        self.field(s.as_bytes());
    }

    fn int2(&mut self, n: i16) {
        self.field(&n.to_be_bytes());
    }

    fn int4(&mut self, n: i32) {
        self.field(&n.to_be_bytes());
    }

    fn int8(&mut self, n: i64) {
        self.field(&n.to_be_bytes());
    }

    /// Microseconds since 2000-01-01, the sub-microsecond part dropped (as
    /// [`as_stored`] does).
    fn timestamptz(&mut self, at: DateTime<Utc>) {
        self.int8(at.timestamp_micros() - POSTGRES_EPOCH_MICROS);
    }

    /// The JSON text, written in place: a `json` column's binary form is its text.
    fn json(&mut self, value: &Value) -> Result<()> {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        serde_json::to_writer(&mut self.buf, value)
            .map_err(|e| Error::unexpected("postgres: JSON encoding failed").with_source(e))?;
        let len = i32::try_from(self.buf.len() - start - 4)
            .map_err(|_| Error::invalid_input("a JSON value is larger than 2 GiB"))?;
        self.buf[start..start + 4].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }
}
