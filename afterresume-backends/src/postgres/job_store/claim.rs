//! Claiming jobs: by id or by due time, skipping rows other workers hold.

use super::*;

/// The claim assignment; `$1` lease expiry, `$2` worker id, `$3` now.
pub(super) const CLAIM_SET: &str = "status = 'running', attempt = attempt + 1, lease_expires_at = $1, worker_id = $2, \
                         started_at = COALESCE(started_at, $3)";

/// The "queued and due" test of a claim by id, written so that only the primary
/// key can find the rows. A job table's statistics go stale by design: analysed
/// when every row was `success`, they say `status = 'queued'` matches nothing,
/// and a plain `status = 'queued' AND run_at <= $3` then plans as a scan of a
/// status index (`jobs_claim`, `jobs_status_created`) over the whole backlog,
/// filtered by id: 26 ms for 16 ids behind a 40k-job backlog, against 0.1 ms by
/// primary key, and the Redis-queue drain fell from 2.8k jobs/s at 20k jobs to
/// 1.2k at 60k. Inside a `CASE` the test matches no index, so the plan cannot
/// depend on those statistics (the `plan_tests` module checks both plans).
pub(super) const CLAIMABLE: &str = "CASE WHEN status = 'queued' THEN run_at <= $3 ELSE false END";

/// Leaves out jobs of paused queues and types. Each `ARRAY(SELECT ...)` is an
/// init plan, read once per statement, and with no pauses the test is two
/// comparisons with empty arrays per row.
pub(in crate::postgres) const NOT_PAUSED: &str = "queue <> ALL(ARRAY(SELECT name FROM job_pauses WHERE kind = 'queue')) \
     AND job_type <> ALL(ARRAY(SELECT name FROM job_pauses WHERE kind = 'type'))";

/// Keeps jobs of the queues the claim serves, `$5` (`NULL`: every queue).
pub(super) const IN_QUEUES: &str = "($5::text[] IS NULL OR queue = ANY($5::text[]))";

/// Claims the queued, due jobs among `$4` (an id array). A row another claimer
/// holds is re-checked after its lock is released (and then no longer matches
/// `status = 'queued'`), so two claims never both win.
pub(super) static CLAIM_IDS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE jobs SET {CLAIM_SET} WHERE id = ANY($4) AND {CLAIMABLE} AND {NOT_PAUSED} \
         AND {IN_QUEUES} RETURNING *"
    )
});

/// Claims up to `$4` due jobs in claim order (the `jobs_claim_order` index,
/// migration `0012`), skipping rows other claimers hold.
pub(super) static CLAIM_DUE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE jobs SET {CLAIM_SET} WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' \
         AND run_at <= $3 AND {NOT_PAUSED} AND {IN_QUEUES} \
         ORDER BY afterresume_claim_order(run_at, priority), id LIMIT $4 FOR UPDATE SKIP LOCKED) \
         RETURNING *"
    )
});

pub(super) static CLAIM_IDS_WITH_EVENTS: LazyLock<String> =
    LazyLock::new(|| with_started_events(&CLAIM_IDS));
pub(super) static CLAIM_DUE_WITH_EVENTS: LazyLock<String> =
    LazyLock::new(|| with_started_events(&CLAIM_DUE));

/// A claim statement that also appends each claimed job's
/// [`ClaimOptions::started_event`], built in SQL from the claimed row (`$2` worker
/// id, `$3` now); the conformance suite checks it equals the Rust one.
pub(super) fn with_started_events(claim: &str) -> String {
    let (level, source) = (EventLevel::Info.as_str(), EventSource::Worker.as_str());
    format!(
        "WITH claimed AS ({claim}), started AS (\
         INSERT INTO job_events (job_id, timestamp, level, source, message, data, trace_id) \
         SELECT id, $3, '{level}', '{source}', '{STARTED_MESSAGE}', json_build_object('attempt', attempt, \
         'worker_id', $2::text, 'retry_count', retry_count), trace_id FROM claimed \
         ORDER BY afterresume_claim_order(run_at, priority), id) \
         SELECT * FROM claimed"
    )
}

impl PostgresBackend {
    /// Runs a claim statement that binds `$4` to the ids (on the claims pool: see
    /// [`PostgresOptions::durable_claims`](super::PostgresOptions::durable_claims)).
    pub(super) async fn claim_ids(
        &self,
        ids: &[JobId],
        opts: &ClaimOptions,
        sql: &str,
    ) -> Result<Vec<Job>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(sql)
            .bind(opts.lease_expires_at)
            .bind(&opts.worker_id)
            .bind(opts.now)
            .bind(ids)
            .bind(opts.queues.as_deref())
            .fetch_all(&self.claims)
            .await
            .map_err(map_sqlx)?;
        jobs_from_rows(&rows)
    }

    /// Runs a claim statement that binds `$4` to the limit; jobs earliest first.
    pub(super) async fn claim_limit(
        &self,
        limit: usize,
        opts: &ClaimOptions,
        sql: &str,
    ) -> Result<Vec<Job>> {
        let rows = sqlx::query(sql)
            .bind(opts.lease_expires_at)
            .bind(&opts.worker_id)
            .bind(opts.now)
            .bind(limit as i64)
            .bind(opts.queues.as_deref())
            .fetch_all(&self.claims)
            .await
            .map_err(map_sqlx)?;
        let mut jobs = jobs_from_rows(&rows)?;
        // RETURNING does not promise an order.
        jobs.sort_by_key(|j| (claim_order(j.run_at, j.priority), j.id));
        Ok(jobs)
    }
}
