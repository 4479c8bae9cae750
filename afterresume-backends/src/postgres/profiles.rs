//! Profile documents on Postgres: one row per user, written by revision.

use afterresume_core::domain::{ProfileDocument, StoredProfile, UserId};
use afterresume_core::ports::{ProfileStore, profile_revision_conflict};
use afterresume_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::PostgresBackend;
use super::map_sqlx;
use crate::profile_document::{profile_from_text, profile_text};

#[async_trait]
impl ProfileStore for PostgresBackend {
    async fn get_profile(&self, user_id: UserId) -> Result<StoredProfile> {
        let row = sqlx::query("SELECT document, revision FROM profiles WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        let Some(row) = row else {
            return Ok(StoredProfile {
                user_id,
                document: ProfileDocument::default(),
                revision: 0,
            });
        };
        let text: String = row.try_get("document").map_err(map_sqlx)?;
        Ok(StoredProfile {
            user_id,
            document: profile_from_text(&text)?,
            revision: row.try_get("revision").map_err(map_sqlx)?,
        })
    }

    async fn put_profile(
        &self,
        user_id: UserId,
        document: &ProfileDocument,
        expected: i64,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let text = profile_text(document)?;
        let written = if expected == 0 {
            sqlx::query(
                "INSERT INTO profiles (user_id, document, revision, updated_at) \
                 VALUES ($1, $2, 1, $3) ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(&text)
            .bind(now)
            .execute(&self.pool)
            .await
        } else {
            sqlx::query(
                "UPDATE profiles SET document = $1, revision = revision + 1, updated_at = $2 \
                 WHERE user_id = $3 AND revision = $4",
            )
            .bind(&text)
            .bind(now)
            .bind(user_id)
            .bind(expected)
            .execute(&self.pool)
            .await
        };
        let written = written.map_err(map_sqlx).map_err(|e| {
            if e.kind() == ErrorKind::NotFound {
                Error::not_found(format!("user {user_id} not found"))
            } else {
                e
            }
        })?;
        if written.rows_affected() == 0 {
            return Err(profile_revision_conflict(user_id, expected));
        }
        Ok(expected + 1)
    }
}
