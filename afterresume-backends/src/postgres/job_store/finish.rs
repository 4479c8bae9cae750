//! Completing jobs: a batch of outcomes in one statement, fenced by lease.

use super::*;

impl PostgresBackend {
    /// Runs one completion statement (with the items' events, when given) and
    /// matches the written rows with the leases.
    pub(super) async fn finish_batch(
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
                    let events = super::super::EventColumns::of(events);
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
}

/// Applies a chunk of outcomes in one `UPDATE ... FROM (VALUES ...)`; returns the
/// rows it changed (a stale lease changes none).
/// The outcomes of a batch as the column arrays the completion statements unnest:
/// one statement text for every batch size, so it is prepared once per connection.
pub(super) struct FinishColumns {
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
    pub(super) fn of(items: Vec<(Lease, JobOutcome)>, now: DateTime<Utc>) -> Self {
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

    pub(super) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Binds the eight arrays as `$1..$8`.
    pub(super) fn bind<'q>(
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
pub(super) static FINISH: LazyLock<String> = LazyLock::new(|| {
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
pub(super) static FINISH_WITH_EVENTS: LazyLock<String> = LazyLock::new(|| {
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
