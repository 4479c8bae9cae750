//! Pauses of queues and job types (the `job_pauses` table, read by every claim)
//! and the per-queue view operators list.

use super::*;

impl PostgresBackend {
    pub(super) async fn set_paused(
        &self,
        target: &PauseTarget,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let sql = if paused {
            "INSERT INTO job_pauses (kind, name, paused_at) VALUES ($1, $2, $3) \
             ON CONFLICT (kind, name) DO NOTHING"
        } else {
            "DELETE FROM job_pauses WHERE kind = $1 AND name = $2 AND $3::timestamptz IS NOT NULL"
        };
        let done = sqlx::query(sql)
            .bind(target.kind())
            .bind(target.name())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn pauses(&self) -> Result<Vec<Pause>> {
        let rows = sqlx::query("SELECT kind, name, paused_at FROM job_pauses ORDER BY kind, name")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                let kind: String = get(r, "kind")?;
                let target = PauseTarget::from_parts(&kind, get(r, "name")?)?;
                Ok(Pause {
                    target,
                    paused_at: get(r, "paused_at")?,
                })
            })
            .collect()
    }

    /// Counts from the partial indexes of queued and running jobs.
    pub(super) async fn queue_stats(&self, now: DateTime<Utc>) -> Result<Vec<QueueStats>> {
        let rows = sqlx::query(
            "SELECT queue, \
             COUNT(*) FILTER (WHERE status = 'queued' AND run_at <= $1) AS ready, \
             COUNT(*) FILTER (WHERE status = 'queued' AND run_at > $1) AS delayed, \
             COUNT(*) FILTER (WHERE status = 'running') AS running, \
             MIN(run_at) FILTER (WHERE status = 'queued' AND run_at <= $1) AS oldest \
             FROM jobs WHERE status IN ('queued', 'running') GROUP BY queue ORDER BY queue",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok(QueueStats {
                    queue: get(r, "queue")?,
                    ready: get::<i64>(r, "ready")? as u64,
                    delayed: get::<i64>(r, "delayed")? as u64,
                    running: get::<i64>(r, "running")? as u64,
                    oldest_ready_at: get(r, "oldest")?,
                })
            })
            .collect()
    }
}
