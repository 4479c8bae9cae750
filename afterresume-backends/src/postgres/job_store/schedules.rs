//! [`ScheduleStore`] on Postgres: schedules in their own table, ticks advanced
//! by compare-and-set on the due time.

use super::*;

pub(super) fn schedule_from_row(row: &PgRow) -> Result<Schedule> {
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

pub(super) fn schedule_not_found(id: ScheduleId) -> Error {
    Error::not_found(format!("schedule {id} not found"))
}

/// The schedule a lookup found, or NotFound.
pub(super) fn one_schedule(row: Option<PgRow>, id: ScheduleId) -> Result<Schedule> {
    row.as_ref()
        .map(schedule_from_row)
        .transpose()?
        .ok_or_else(|| schedule_not_found(id))
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
