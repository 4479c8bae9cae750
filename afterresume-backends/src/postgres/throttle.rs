//! [`ThrottleStore`] on Postgres: an acquire locks its keys' rows (in key order,
//! so two acquires never deadlock) for one short transaction.

use afterresume_core::Result;
use afterresume_core::ports::{
    ThrottleCounter, ThrottleDecision, ThrottleLimit, ThrottleStore, plan_acquire,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::{PostgresBackend, map_sqlx};

fn counter_from(row: &sqlx::postgres::PgRow) -> Result<ThrottleCounter> {
    Ok(ThrottleCounter {
        window_start: row.try_get("window_start").map_err(map_sqlx)?,
        hits: row.try_get::<i32, _>("hits").map_err(map_sqlx)?.max(0) as u32,
    })
}

async fn write(conn: &mut PgConnection, key: &str, counter: ThrottleCounter) -> Result<()> {
    sqlx::query(
        "INSERT INTO throttle_counters (key, window_start, hits) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET window_start = EXCLUDED.window_start, hits = EXCLUDED.hits",
    )
    .bind(key)
    .bind(counter.window_start)
    .bind(counter.hits.min(i32::MAX as u32) as i32)
    .execute(conn)
    .await
    .map_err(map_sqlx)?;
    Ok(())
}

#[async_trait]
impl ThrottleStore for PostgresBackend {
    async fn acquire(
        &self,
        limits: &[ThrottleLimit],
        now: DateTime<Utc>,
    ) -> Result<ThrottleDecision> {
        let mut order: Vec<usize> = (0..limits.len()).collect();
        order.sort_by(|a, b| limits[*a].key.cmp(&limits[*b].key));
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let mut current = vec![None; limits.len()];
        for &i in &order {
            let key = &limits[i].key;
            // Make the row exist so that it can be locked, then lock it.
            sqlx::query(
                "INSERT INTO throttle_counters (key, window_start, hits) VALUES ($1, $2, 0) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
            let row = sqlx::query(
                "SELECT window_start, hits FROM throttle_counters WHERE key = $1 FOR UPDATE",
            )
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_sqlx)?;
            current[i] = Some(counter_from(&row)?);
        }
        match plan_acquire(limits, &current, now) {
            Ok(next) => {
                for (limit, counter) in limits.iter().zip(next) {
                    write(&mut tx, &limit.key, counter).await?;
                }
                tx.commit().await.map_err(map_sqlx)?;
                Ok(ThrottleDecision::Admitted)
            }
            Err(retry_after) => Ok(ThrottleDecision::Blocked { retry_after }),
        }
    }

    async fn release(&self, key: &str) -> Result<()> {
        sqlx::query("UPDATE throttle_counters SET hits = GREATEST(hits - 1, 0) WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    async fn reset(&self, keys: &[String], now: DateTime<Utc>) -> Result<()> {
        let mut sorted: Vec<&String> = keys.iter().collect();
        sorted.sort();
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        for key in sorted {
            let zero = ThrottleCounter {
                window_start: now,
                hits: 0,
            };
            write(&mut tx, key, zero).await?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    async fn counter(&self, key: &str) -> Result<Option<ThrottleCounter>> {
        let row = sqlx::query("SELECT window_start, hits FROM throttle_counters WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref().map(counter_from).transpose()
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM throttle_counters WHERE window_start < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }
}
