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
/// init plan, read once per statement; with no pauses the test is two
/// comparisons with empty arrays per row. Written as `NOT (... = ANY ... OR
/// ... = ANY ...)`: the planner reads that as keeping nearly every row, where
/// `<> ALL` made it expect a handful and sort the whole backlog instead of
/// walking the claim-order index (100 ms a claim behind 20k due jobs).
pub(in crate::postgres) const NOT_PAUSED: &str = "NOT (queue = ANY(ARRAY(SELECT name FROM job_pauses WHERE kind = 'queue')) \
     OR job_type = ANY(ARRAY(SELECT name FROM job_pauses WHERE kind = 'type')))";

/// Keeps jobs of the queues the claim serves (`$5`, a text array). A function
/// of the row rather than `queue = ANY($5)`, whose estimate (a few rows of
/// many) would again make the planner sort the backlog.
pub(super) const IN_QUEUES: &str = "array_position($5::text[], queue) IS NOT NULL";

/// Due jobs in claim order (`$3` now): a range of the `jobs_claim_order` index
/// (migration `0012`), which no job due by `$3` lies beyond (its claim order is
/// at most [`LOWEST_PRIORITY`] aging steps after its due time), then the due
/// test itself. The range is what lets the planner walk the index in order and
/// stop at the limit, whatever the table's statistics say.
pub(in crate::postgres) static DUE_BY_CLAIM_ORDER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "status = 'queued' AND afterresume_claim_order(run_at, priority) \
         <= afterresume_claim_order($3, {LOWEST_PRIORITY}::smallint) AND run_at <= $3"
    )
});

/// A claim statement for every queue, and the same for the queues in `$5`.
pub(in crate::postgres) struct ClaimStatements {
    every_queue: String,
    some_queues: String,
}

impl ClaimStatements {
    /// Builds both from a statement with an `{in_queues}` slot.
    fn new(template: impl Fn(&str) -> String) -> Self {
        ClaimStatements {
            every_queue: template(""),
            some_queues: template(&format!(" AND {IN_QUEUES}")),
        }
    }

    fn with_started_events(&self) -> Self {
        ClaimStatements {
            every_queue: with_started_events(&self.every_queue),
            some_queues: with_started_events(&self.some_queues),
        }
    }

    /// The statement a claim's options call for.
    pub(super) fn for_claim(&self, opts: &ClaimOptions) -> &str {
        match opts.queues {
            Some(_) => &self.some_queues,
            None => &self.every_queue,
        }
    }

    /// Both statements.
    #[cfg(all(test, feature = "conformance"))]
    pub(super) fn both(&self) -> [&str; 2] {
        [&self.every_queue, &self.some_queues]
    }
}

/// Claims the queued, due jobs among `$4` (an id array). A row another claimer
/// holds is re-checked after its lock is released (and then no longer matches
/// `status = 'queued'`), so two claims never both win.
pub(super) static CLAIM_IDS: LazyLock<ClaimStatements> = LazyLock::new(|| {
    ClaimStatements::new(|in_queues| {
        format!(
            "UPDATE jobs SET {CLAIM_SET} WHERE id = ANY($4) AND {CLAIMABLE} AND {NOT_PAUSED}\
             {in_queues} RETURNING *"
        )
    })
});

/// Claims up to `$4` due jobs in claim order, skipping rows other claimers hold.
pub(super) static CLAIM_DUE: LazyLock<ClaimStatements> = LazyLock::new(|| {
    ClaimStatements::new(|in_queues| {
        format!(
            "UPDATE jobs SET {CLAIM_SET} WHERE id IN (SELECT id FROM jobs WHERE {} \
             AND {NOT_PAUSED}{in_queues} ORDER BY afterresume_claim_order(run_at, priority), id \
             LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *",
            *DUE_BY_CLAIM_ORDER
        )
    })
});

pub(super) static CLAIM_IDS_WITH_EVENTS: LazyLock<ClaimStatements> =
    LazyLock::new(|| CLAIM_IDS.with_started_events());
pub(super) static CLAIM_DUE_WITH_EVENTS: LazyLock<ClaimStatements> =
    LazyLock::new(|| CLAIM_DUE.with_started_events());

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
        statements: &ClaimStatements,
    ) -> Result<Vec<Job>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = sqlx::query(statements.for_claim(opts))
            .bind(opts.lease_expires_at)
            .bind(&opts.worker_id)
            .bind(opts.now)
            .bind(ids);
        if let Some(queues) = opts.queues.as_deref() {
            query = query.bind(queues);
        }
        let rows = query.fetch_all(&self.claims).await.map_err(map_sqlx)?;
        jobs_from_rows(&rows)
    }

    /// Runs a claim statement that binds `$4` to the limit; jobs earliest first.
    pub(super) async fn claim_limit(
        &self,
        limit: usize,
        opts: &ClaimOptions,
        statements: &ClaimStatements,
    ) -> Result<Vec<Job>> {
        let mut query = sqlx::query(statements.for_claim(opts))
            .bind(opts.lease_expires_at)
            .bind(&opts.worker_id)
            .bind(opts.now)
            .bind(limit as i64);
        if let Some(queues) = opts.queues.as_deref() {
            query = query.bind(queues);
        }
        let rows = query.fetch_all(&self.claims).await.map_err(map_sqlx)?;
        let mut jobs = jobs_from_rows(&rows)?;
        // RETURNING does not promise an order.
        jobs.sort_by_key(|j| (claim_order(j.run_at, j.priority), j.id));
        Ok(jobs)
    }
}
