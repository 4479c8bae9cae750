//! Postgres backend (feature `postgres`): job store, queue, event sink and domain
//! stores in one schema of one database, shared by any number of worker processes.
//!
//! - **Schema.** Every table lives in the schema the backend is opened with
//!   (`afterresume` by default; set per connection through `search_path`), created
//!   and migrated by [`PostgresBackend::connect`] with embedded migrations.
//! - **Claims** are one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`:
//!   concurrent workers never wait on each other's rows, and the lease/fencing rules
//!   of the core hold because every transition is conditional on status and attempt.
//! - **Wakeups.** A push inserts queue rows and sends one `NOTIFY` in the same
//!   statement; one `LISTEN` connection per process wakes local poppers. Poppers also
//!   poll, so the queue works behind PgBouncer in transaction mode with notifications
//!   disabled ([`PostgresOptions::notify`]).
//! - **Counts** for dashboards come from `job_counts`, kept by statement-level
//!   triggers, never from a scan of `jobs`.
//! - **Transactional enqueue.** [`PostgresBackend::insert_job_in`] writes a job, its
//!   first event and its queue message inside the caller's transaction, next to the
//!   caller's own domain writes; the job exists if and only if the transaction commits.

mod copy_in;
mod domain_store;
mod event_sink;
mod job_store;
mod options;
mod profiles;
mod queue;
mod store_queue;
mod throttle;
mod wakeups;
mod worklogs;

pub use options::{CLAIM_CONNECTIONS, DEFAULT_SCHEMA, PostgresOptions};
pub use queue::PostgresQueue;
pub use store_queue::PostgresStoreQueue;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use afterresume_core::domain::{NewEvent, NewJob};
use afterresume_core::ports::{InsertedJob, QueueMessage};
use afterresume_core::{Error, Result};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::{Notify, OnceCell};

use crate::common::redact_url;
use crate::sql_error::map_sqlx_from;
use options::validate_schema;
pub(crate) use wakeups::channel;
use wakeups::{CHANNEL_PREFIX, Wakeups, listen};

/// One Postgres schema serving every SQL-backed port. Cloning is cheap and shares the
/// pool; the backend implements `JobStore`, `EventSink` and the domain stores, and
/// [`PostgresBackend::queue`] gives the queue.
#[derive(Debug, Clone)]
pub struct PostgresBackend {
    pool: PgPool,
    /// Connections that commit without waiting for the disk (`synchronous_commit =
    /// off`): for writes that lose nothing if a server crash forgets them, such as
    /// a wakeup `NOTIFY` (a transaction of its own, else one WAL flush per push).
    relaxed: PgPool,
    /// Where claims run: connections that never sort when an index gives the
    /// order, committing asynchronously unless durable claims are asked for.
    claims: PgPool,
    options: Arc<PostgresOptions>,
    clock: afterresume_core::SharedClock,
    wakeups: Arc<Wakeups>,
}

pub(crate) fn map_sqlx(err: sqlx::Error) -> Error {
    map_sqlx_from("postgres", err)
}

impl PostgresBackend {
    /// Connects with default options and migrates the `afterresume` schema.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(PostgresOptions::new(url)).await
    }

    /// Connects, creates the schema if needed and runs the embedded migrations.
    /// Errors name the URL (without its password) and say what failed.
    pub async fn connect_with(options: PostgresOptions) -> Result<Self> {
        validate_schema(&options.schema)?;
        let safe_url = redact_url(&options.url);
        if !(options.url.starts_with("postgres://") || options.url.starts_with("postgresql://")) {
            return Err(Error::config_invalid(format!(
                "postgres: '{safe_url}' is not a postgres:// or postgresql:// url"
            )));
        }
        let connect: PgConnectOptions = options.url.parse().map_err(|e| {
            Error::config_invalid(format!("postgres: invalid url '{safe_url}'")).with_source(e)
        })?;
        // Unless the URL names one, the application name carries the schema, so
        // operators (and pg_stat_activity queries) tell deployments apart.
        let application = connect
            .get_application_name()
            .map_or_else(|| format!("afterresume {}", options.schema), str::to_owned);
        let connect = connect
            .application_name(&application)
            .options([("search_path", options.schema.as_str())]);
        // One direct connection first: it fails fast (a pool would retry until its
        // acquire timeout) and creates the schema, which search_path names but
        // nothing creates.
        let first = tokio::time::timeout(
            Duration::from_secs(10),
            PgConnection::connect_with(&connect),
        )
        .await
        .map_err(|_| {
            Error::backend(format!(
                "postgres: connecting to '{safe_url}' timed out after 10s"
            ))
            .temporary()
        })?;
        let mut first = first.map_err(|e| {
            map_sqlx(e)
                .with_context("url", &safe_url)
                .with_context("while", "connecting")
        })?;
        let create = format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", options.schema);
        first.execute(create.as_str()).await.map_err(|e| {
            map_sqlx(e)
                .with_context("url", &safe_url)
                .with_context("while", "creating the schema")
        })?;
        let _ = first.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(connect.clone());
        let relaxed = PgPoolOptions::new()
            .max_connections(CLAIM_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(connect.clone().options([("synchronous_commit", "off")]));
        // Claims walk `jobs_claim_order` to their limit. A planner that believes
        // a job table's statistics (gathered when nothing was queued, as they are
        // sooner or later) expects a handful of queued rows and prefers to fetch
        // them all and sort them: a sort of the whole backlog on every claim.
        // Nothing a claim runs needs a sort it could avoid, so on these
        // connections a sort is the last resort. The penalty that makes it so
        // (a huge cost) would also make every claim worth compiling: no JIT.
        let claim_settings = [
            ("enable_sort", "off"),
            ("jit", "off"),
            (
                "synchronous_commit",
                if options.durable_claims { "on" } else { "off" },
            ),
        ];
        let claims = PgPoolOptions::new()
            .max_connections(CLAIM_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(connect.options(claim_settings));
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| {
                Error::backend(format!(
                    "postgres: migrations of schema '{}' failed",
                    options.schema
                ))
                .with_source(e)
            })?;
        Ok(PostgresBackend {
            pool,
            relaxed,
            claims,
            options: Arc::new(options),
            clock: Arc::new(afterresume_core::SystemClock),
            wakeups: Arc::default(),
        })
    }

    /// Uses another clock for the queue's notion of "due" (use the engine's clock).
    pub fn with_clock(mut self, clock: afterresume_core::SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The queue on this schema: a table of messages, usable with any job store.
    pub fn queue(&self) -> PostgresQueue {
        PostgresQueue::new(self.clone())
    }

    /// The `jobs` table of this schema as the queue, for an engine whose job store is
    /// this backend: workers claim straight from the store.
    pub fn store_queue(&self) -> PostgresStoreQueue {
        PostgresStoreQueue::new(self.clone())
    }

    /// The connection pool (its connections use this backend's schema).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The schema.
    pub fn schema(&self) -> &str {
        &self.options.schema
    }

    /// Names this backend's timeline for the engine (shared by every clone): the
    /// origin its clones share, so that two handles on one backend count as one.
    fn timeline_name(&self) -> String {
        format!("postgres {}", self.wakeups.origin)
    }

    /// Drops the schema and everything in it: for tests that made their own schema.
    pub async fn drop_schema(&self) -> Result<()> {
        let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.options.schema);
        self.pool.execute(sql.as_str()).await.map_err(map_sqlx)?;
        Ok(())
    }

    /// Inserts a job prepared by `Engine::prepare_job` inside the caller's transaction
    /// (or connection), with its "job queued" event and its queue message, so a domain
    /// write and the job that processes it commit or roll back together. Workers are
    /// woken when the transaction commits (NOTIFY is transactional).
    ///
    /// With an idempotency key that already exists, returns the existing job and
    /// writes nothing.
    pub async fn insert_job_in(conn: &mut PgConnection, job: NewJob) -> Result<InsertedJob> {
        let inserted = job_store::insert_one(&mut *conn, job).await?;
        if inserted.created {
            let job = &inserted.job;
            let event = afterresume_core::engine::queued_event(job, job.created_at);
            event_sink_append(&mut *conn, std::slice::from_ref(&event)).await?;
            queue::push_in(&mut *conn, &[QueueMessage::of(job)], "").await?;
        }
        Ok(inserted)
    }

    /// Tells other processes' poppers about `jobs` pushed jobs, without waiting.
    ///
    /// One NOTIFY is in flight at a time: pushes made meanwhile add up into the next
    /// one, so a flood of single enqueues sends a few NOTIFYs, not one each (every
    /// NOTIFY is a commit the server serialises on its notification queue). They go
    /// on the asynchronously committing pool: a wakeup needs no disk, and one lost
    /// to an error or a server crash costs a popper one poll interval.
    fn announce(&self, jobs: usize) {
        if !self.wakeups.to_announce(jobs) {
            return;
        }
        let pool = self.relaxed.clone();
        let wakeups = Arc::clone(&self.wakeups);
        tokio::spawn(async move {
            while let Some(jobs) = wakeups.next_announcement() {
                let sent = sqlx::query("SELECT pg_notify($1 || current_schema(), $2)")
                    .bind(CHANNEL_PREFIX)
                    .bind(wakeups.payload(jobs))
                    .execute(&pool)
                    .await;
                if let Err(err) = sent {
                    tracing::warn!(jobs, error = %err, "postgres: could not announce pushed jobs; other processes will find them by polling");
                }
            }
        });
    }

    /// Starts (once per process) the task that turns NOTIFYs into local wakeups.
    async fn ensure_listener(&self) {
        if !self.options.notify {
            return;
        }
        let pool = self.pool.clone();
        let wakeups = Arc::downgrade(&self.wakeups);
        self.wakeups
            .listener
            .get_or_init(|| async move {
                tokio::spawn(listen(pool, wakeups));
            })
            .await;
    }
}

/// Events as the column arrays an `UNNEST` insert binds.
pub(crate) struct EventColumns<'a> {
    job_ids: Vec<afterresume_core::domain::JobId>,
    times: Vec<chrono::DateTime<chrono::Utc>>,
    levels: Vec<&'static str>,
    sources: Vec<&'static str>,
    messages: Vec<&'a str>,
    data: Vec<String>,
    traces: Vec<uuid::Uuid>,
}

impl<'a> EventColumns<'a> {
    pub(crate) fn of(events: &'a [NewEvent]) -> Self {
        let mut columns = EventColumns {
            job_ids: Vec::with_capacity(events.len()),
            times: Vec::with_capacity(events.len()),
            levels: Vec::with_capacity(events.len()),
            sources: Vec::with_capacity(events.len()),
            messages: Vec::with_capacity(events.len()),
            data: Vec::with_capacity(events.len()),
            traces: Vec::with_capacity(events.len()),
        };
        for e in events {
            columns.job_ids.push(e.job_id);
            columns.times.push(e.timestamp);
            columns.levels.push(e.level.as_str());
            columns.sources.push(e.source.as_str());
            columns.messages.push(e.message.as_str());
            columns.data.push(e.data.to_string());
            columns.traces.push(e.trace_id);
        }
        columns
    }

    /// Binds the seven arrays, in column order, after what `query` has bound.
    pub(crate) fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        query
            .bind(&self.job_ids)
            .bind(&self.times)
            .bind(&self.levels)
            .bind(&self.sources)
            .bind(&self.messages)
            .bind(&self.data)
            .bind(&self.traces)
    }
}

/// Appends events through any connection.
pub(crate) async fn event_sink_append(conn: &mut PgConnection, events: &[NewEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let columns = EventColumns::of(events);
    // WITH ORDINALITY keeps the call's order, so ids increase in append order.
    let query = sqlx::query(
        "INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id) \
         SELECT j, t, l, s, m, d::json, tr FROM UNNEST($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], \
         $5::text[], $6::text[], $7::uuid[]) WITH ORDINALITY AS e(j, t, l, s, m, d, tr, n) ORDER BY n",
    );
    columns
        .bind(query)
        .execute(&mut *conn)
        .await
        .map_err(map_sqlx)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_checked() {
        assert!(validate_schema("afterresume").is_ok());
        assert!(validate_schema("t_123").is_ok());
        for bad in ["", "1abc", "Upper", "a-b", "a\"; DROP", &"x".repeat(64)] {
            assert!(validate_schema(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@db:5432/app"),
            "postgres://u:***@db:5432/app"
        );
        assert!(!redact_url("postgres://u:secret@db/app").contains("secret"));
    }

    /// How many of `poppers` waiting poppers `wake` wakes.
    async fn woken(poppers: usize, wake: impl FnOnce(&Wakeups)) -> usize {
        let wakeups = Wakeups::default();
        let mut waiting: Vec<_> = (0..poppers)
            .map(|_| Box::pin(wakeups.notify.notified()))
            .collect();
        for popper in &mut waiting {
            popper.as_mut().enable();
        }
        wake(&wakeups);
        let mut woken = 0;
        for popper in waiting {
            let ready = tokio::time::timeout(Duration::from_millis(20), popper).await;
            woken += usize::from(ready.is_ok());
        }
        woken
    }

    /// One pushed job wakes one popper (the others would find it taken), more wake
    /// them all; a backend's own NOTIFY wakes nobody (its push already woke its
    /// poppers), another's wakes as many as it announces, and a NOTIFY without the
    /// job count (a transactional enqueue) wakes everyone.
    #[tokio::test]
    async fn pushes_wake_as_many_poppers_as_they_have_jobs() {
        assert_eq!(woken(3, |w| w.wake(1)).await, 1);
        assert_eq!(woken(3, |w| w.wake(2)).await, 3);
        assert_eq!(woken(3, |w| w.on_notification(&w.payload(5))).await, 0);
        let other = Wakeups::default();
        assert_eq!(woken(3, |w| w.on_notification(&other.payload(1))).await, 1);
        assert_eq!(woken(3, |w| w.on_notification(&other.payload(4))).await, 3);
        assert_eq!(woken(3, |w| w.on_notification("")).await, 3);
        assert_eq!(woken(3, |w| w.on_notification("garbled")).await, 3);
    }
}
