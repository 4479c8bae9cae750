//! [`ThrottleStore`] on SQLite: one `BEGIN IMMEDIATE` transaction on the writer
//! connection per acquire, so concurrent attempts are counted one after the
//! other. Immediate: the write lock is taken before the counters are read, so the
//! transaction never has to upgrade a read lock while the group writer commits
//! (which SQLite answers with "busy" instead of waiting).

use afterresume_core::Result;
use afterresume_core::ports::{
    ThrottleCounter, ThrottleDecision, ThrottleLimit, ThrottleStore, plan_acquire,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};

use super::SqliteBackend;
use super::convert::{micros, time};
use super::error::map_sqlx;

async fn read(conn: &mut SqliteConnection, key: &str) -> Result<Option<ThrottleCounter>> {
    let row = sqlx::query("SELECT window_start, hits FROM throttle_counters WHERE key = ?")
        .bind(key)
        .fetch_optional(conn)
        .await
        .map_err(map_sqlx)?;
    row.map(|r| {
        Ok(ThrottleCounter {
            window_start: time(r.try_get("window_start").map_err(map_sqlx)?),
            hits: r.try_get::<i64, _>("hits").map_err(map_sqlx)?.max(0) as u32,
        })
    })
    .transpose()
}

async fn write(conn: &mut SqliteConnection, key: &str, counter: ThrottleCounter) -> Result<()> {
    sqlx::query(
        "INSERT INTO throttle_counters (key, window_start, hits) VALUES (?, ?, ?) \
         ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, hits = excluded.hits",
    )
    .bind(key)
    .bind(micros(counter.window_start))
    .bind(i64::from(counter.hits))
    .execute(conn)
    .await
    .map_err(map_sqlx)?;
    Ok(())
}

#[async_trait]
impl ThrottleStore for SqliteBackend {
    async fn acquire(
        &self,
        limits: &[ThrottleLimit],
        now: DateTime<Utc>,
    ) -> Result<ThrottleDecision> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        let mut current = Vec::with_capacity(limits.len());
        for limit in limits {
            current.push(read(&mut tx, &limit.key).await?);
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
        sqlx::query("UPDATE throttle_counters SET hits = MAX(hits - 1, 0) WHERE key = ?")
            .bind(key)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    async fn reset(&self, keys: &[String], now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.writer.begin().await.map_err(map_sqlx)?;
        for key in keys {
            let zero = ThrottleCounter {
                window_start: now,
                hits: 0,
            };
            write(&mut tx, key, zero).await?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    async fn counter(&self, key: &str) -> Result<Option<ThrottleCounter>> {
        let mut conn = self.pool.acquire().await.map_err(map_sqlx)?;
        read(&mut conn, key).await
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM throttle_counters WHERE window_start < ?")
            .bind(micros(before))
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }
}
