//! Users, tokens, skills, evidence, reports and resumes on Postgres.

use afterresume_core::domain::*;
use afterresume_core::ports::{ReportStore, ResumeStore, SkillStore, TokenStore, UserStore};
use afterresume_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use super::{PostgresBackend, map_sqlx};
use crate::common::user_skills_of;
use crate::sql_dialect::report_list;
use crate::sql_error::not_found_as;

/// One typed column of a row.
pub(super) fn get<T>(row: &PgRow, column: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(map_sqlx)
}

fn user_from_row(r: &PgRow) -> Result<User> {
    Ok(User {
        id: get(r, "id")?,
        username: get(r, "username")?,
        email: get(r, "email")?,
        full_name: get(r, "full_name")?,
        password_hash: get(r, "password_hash")?,
        is_staff: get(r, "is_staff")?,
        is_active: get(r, "is_active")?,
        created_at: get(r, "created_at")?,
    })
}

fn token_from_row(r: &PgRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        name: get(r, "name")?,
        token_hash: get(r, "token_hash")?,
        created_at: get(r, "created_at")?,
        last_used_at: get(r, "last_used_at")?,
        revoked_at: get(r, "revoked_at")?,
        expires_at: get(r, "expires_at")?,
    })
}

fn skill_from_row(r: &PgRow) -> Result<Skill> {
    Ok(Skill {
        id: get(r, "id")?,
        name: get(r, "name")?,
        slug: get(r, "slug")?,
        category: get::<String>(r, "category")?.parse()?,
        aliases: get(r, "aliases")?,
    })
}

fn evidence_from_row(r: &PgRow) -> Result<SkillEvidence> {
    Ok(SkillEvidence {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        skill_id: get(r, "skill_id")?,
        worklog_id: get(r, "worklog_id")?,
        worklog_date: get(r, "worklog_date")?,
        excerpt: get(r, "excerpt")?,
        start: get::<i32>(r, "start_offset")? as u32,
        end: get::<i32>(r, "end_offset")? as u32,
        sentence: get(r, "sentence")?,
        sentence_start: get::<i32>(r, "sentence_start")? as u32,
        confidence: get(r, "confidence")?,
        extractor: get(r, "extractor")?,
        created_at: get(r, "created_at")?,
    })
}

fn report_from_row(r: &PgRow) -> Result<Report> {
    Ok(Report {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        kind: get::<String>(r, "kind")?.parse()?,
        period_start: get(r, "period_start")?,
        period_end: get(r, "period_end")?,
        content: get(r, "content")?,
        data: get(r, "data")?,
        created_at: get(r, "created_at")?,
    })
}

fn resume_from_row(r: &PgRow) -> Result<Resume> {
    Ok(Resume {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        version: get::<i32>(r, "version")? as u32,
        document: get(r, "document")?,
        markdown: get(r, "markdown")?,
        html: get(r, "html")?,
        created_at: get(r, "created_at")?,
    })
}

fn missing(what: &str, id: impl std::fmt::Display) -> Error {
    Error::not_found(format!("{what} {id} not found"))
}

/// Turns a foreign-key failure into a NotFound that names the missing owner.
fn or_missing(what: &'static str, id: i64) -> impl Fn(Error) -> Error {
    move |e| {
        if e.kind() == ErrorKind::NotFound {
            missing(what, id)
        } else {
            e
        }
    }
}

impl PostgresBackend {
    /// The row one query with one bound key finds, mapped, or NotFound naming it.
    async fn one<T, K>(
        &self,
        sql: &str,
        key: K,
        map: fn(&PgRow) -> Result<T>,
        what: &str,
    ) -> Result<T>
    where
        K: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + std::fmt::Display + Send,
    {
        let shown = key.to_string();
        let row = sqlx::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(map)
            .transpose()?
            .ok_or_else(|| missing(what, shown))
    }
}

#[async_trait]
impl UserStore for PostgresBackend {
    async fn create_user(&self, new: NewUser, now: DateTime<Utc>) -> Result<User> {
        let row = sqlx::query(
            "INSERT INTO users (username, email, full_name, password_hash, is_staff, is_active, created_at) \
             VALUES ($1, $2, $3, $4, $5, true, $6) RETURNING *",
        )
        .bind(&new.username)
        .bind(&new.email)
        .bind(&new.full_name)
        .bind(&new.password_hash)
        .bind(new.is_staff)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            let e = map_sqlx(e);
            if e.kind() == ErrorKind::AlreadyExists {
                Error::already_exists(format!("username '{}' is taken", new.username))
            } else {
                e
            }
        })?;
        user_from_row(&row)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        self.one(
            "SELECT * FROM users WHERE id = $1",
            id,
            user_from_row,
            "user",
        )
        .await
    }

    async fn get_user_by_username(&self, username: &str) -> Result<User> {
        self.one(
            "SELECT * FROM users WHERE lower(username) = lower($1)",
            username.to_owned(),
            user_from_row,
            "user",
        )
        .await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(missing("user", id));
        }
        Ok(())
    }
}

#[async_trait]
impl TokenStore for PostgresBackend {
    async fn create_token(&self, new: NewApiToken, now: DateTime<Utc>) -> Result<ApiToken> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(new.user_id)
        .bind(&new.name)
        .bind(&new.token_hash)
        .bind(now)
        .bind(new.expires_at)
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx)
        .map_err(or_missing("user", new.user_id))?;
        token_from_row(&row)
    }

    /// A read; a write only when the recorded use is due (see the trait).
    async fn use_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<ApiToken> {
        let row =
            sqlx::query("SELECT * FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        let token = row
            .as_ref()
            .map(token_from_row)
            .transpose()?
            .ok_or_else(|| Error::not_found("token not found"))?;
        if !token.use_is_due(now) {
            return Ok(token);
        }
        let row = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING *",
        )
        .bind(now)
        .bind(token.id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref()
            .map(token_from_row)
            .transpose()?
            .ok_or_else(|| Error::not_found("token not found"))
    }

    async fn list_tokens(&self, user_id: UserId, page: TokenPage) -> Result<Vec<ApiToken>> {
        let mut q: QueryBuilder<Postgres> =
            QueryBuilder::new("SELECT * FROM api_tokens WHERE user_id = ");
        q.push_bind(user_id);
        if let Some(after) = page.after {
            q.push(" AND id > ").push_bind(after);
        }
        if let Some(now) = page.live_at {
            q.push(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ")
                .push_bind(now)
                .push(")");
        }
        q.push(" ORDER BY id");
        if page.limit > 0 {
            q.push(" LIMIT ").push_bind(page.limit as i64);
        }
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_sqlx)?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, user_id: UserId, id: TokenId, now: DateTime<Utc>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3",
        )
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(missing("token", id));
        }
        Ok(())
    }
}

#[async_trait]
impl SkillStore for PostgresBackend {
    async fn upsert_skill(&self, new: NewSkill) -> Result<Skill> {
        let row = sqlx::query(
            "INSERT INTO skills (name, slug, category, aliases) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, category = excluded.category, \
             aliases = excluded.aliases RETURNING *",
        )
        .bind(&new.name)
        .bind(&new.slug)
        .bind(new.category.as_str())
        .bind(&new.aliases)
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx)?;
        skill_from_row(&row)
    }

    async fn get_skill(&self, id: SkillId) -> Result<Skill> {
        self.one(
            "SELECT * FROM skills WHERE id = $1",
            id,
            skill_from_row,
            "skill",
        )
        .await
    }

    async fn get_skill_by_slug(&self, slug: &str) -> Result<Skill> {
        self.one(
            "SELECT * FROM skills WHERE slug = $1",
            slug.to_owned(),
            skill_from_row,
            "skill",
        )
        .await
    }

    async fn list_skills(&self) -> Result<Vec<Skill>> {
        let rows = sqlx::query("SELECT * FROM skills ORDER BY name, id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(skill_from_row).collect()
    }

    async fn add_evidence(
        &self,
        new: NewSkillEvidence,
        now: DateTime<Utc>,
    ) -> Result<SkillEvidence> {
        // Insert or find in one statement: the CTE's row when it inserted, else the
        // existing row with the same natural key.
        let row = bind_evidence(
            sqlx::query(
                "WITH ins AS (INSERT INTO skill_evidence (user_id, skill_id, worklog_id, worklog_date, excerpt, \
                   start_offset, end_offset, confidence, extractor, created_at, sentence, sentence_start) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                   ON CONFLICT (user_id, skill_id, worklog_id, start_offset, end_offset) DO NOTHING RETURNING *) \
                 SELECT * FROM ins UNION ALL SELECT * FROM skill_evidence WHERE user_id = $1 AND skill_id = $2 \
                   AND worklog_id = $3 AND start_offset = $6 AND end_offset = $7 AND NOT EXISTS (SELECT 1 FROM ins)",
            ),
            &new,
            now,
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)
        .map_err(|e| not_found_as(e, "skill, worklog or user not found"))?;
        match row {
            Some(row) => evidence_from_row(&row),
            // A concurrent insert of the same evidence committed between the two
            // halves of the statement: read it now.
            None => {
                let row = sqlx::query(
                    "SELECT * FROM skill_evidence WHERE user_id = $1 AND skill_id = $2 AND worklog_id = $3 \
                     AND start_offset = $4 AND end_offset = $5",
                )
                .bind(new.user_id)
                .bind(new.skill_id)
                .bind(new.worklog_id)
                .bind(new.start as i32)
                .bind(new.end as i32)
                .fetch_one(&self.pool)
                .await
                .map_err(map_sqlx)?;
                evidence_from_row(&row)
            }
        }
    }

    async fn delete_evidence_for_worklog(&self, worklog_id: WorkLogId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM skill_evidence WHERE worklog_id = $1")
            .bind(worklog_id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }

    async fn list_evidence(
        &self,
        user_id: UserId,
        skill_id: SkillId,
    ) -> Result<Vec<SkillEvidence>> {
        let rows = sqlx::query(
            "SELECT * FROM skill_evidence WHERE user_id = $1 AND skill_id = $2 ORDER BY worklog_date DESC, id DESC",
        )
        .bind(user_id)
        .bind(skill_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(evidence_from_row).collect()
    }

    async fn list_user_evidence(
        &self,
        user_id: UserId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<SkillEvidence>> {
        let mut q: QueryBuilder<Postgres> =
            QueryBuilder::new("SELECT * FROM skill_evidence WHERE user_id = ");
        q.push_bind(user_id);
        if let Some(from) = from {
            q.push(" AND worklog_date >= ").push_bind(from);
        }
        if let Some(to) = to {
            q.push(" AND worklog_date <= ").push_bind(to);
        }
        q.push(" ORDER BY worklog_date, id");
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_sqlx)?;
        rows.iter().map(evidence_from_row).collect()
    }

    async fn list_user_skills(&self, user_id: UserId) -> Result<Vec<UserSkill>> {
        user_skills_of(self, user_id).await
    }

    async fn get_evidence(&self, id: EvidenceId) -> Result<SkillEvidence> {
        self.one(
            "SELECT * FROM skill_evidence WHERE id = $1",
            id,
            evidence_from_row,
            "evidence",
        )
        .await
    }
}

#[async_trait]
impl ReportStore for PostgresBackend {
    async fn create_report(&self, new: NewReport, now: DateTime<Utc>) -> Result<Report> {
        let row = sqlx::query(
            "INSERT INTO reports (user_id, kind, period_start, period_end, content, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(new.user_id)
        .bind(new.kind.as_str())
        .bind(new.period_start)
        .bind(new.period_end)
        .bind(&new.content)
        .bind(&new.data)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx)
        .map_err(or_missing("user", new.user_id))?;
        report_from_row(&row)
    }

    async fn get_report(&self, id: ReportId) -> Result<Report> {
        self.one(
            "SELECT * FROM reports WHERE id = $1",
            id,
            report_from_row,
            "report",
        )
        .await
    }

    async fn list_reports(
        &self,
        user_id: UserId,
        kind: Option<ReportKind>,
        before: Option<ReportId>,
        limit: usize,
    ) -> Result<Vec<Report>> {
        let mut q = report_list::<Postgres>(user_id, kind, before, limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_sqlx)?;
        rows.iter().map(report_from_row).collect()
    }
}

#[async_trait]
impl ResumeStore for PostgresBackend {
    async fn create_resume(&self, new: NewResume, now: DateTime<Utc>) -> Result<Resume> {
        // Locking the user row serializes version numbering per user, so versions are
        // gapless; UNIQUE (user_id, version) backs it up.
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let owner = sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(new.user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if owner.is_none() {
            return Err(missing("user", new.user_id));
        }
        let row = sqlx::query(
            "INSERT INTO resumes (user_id, version, document, markdown, html, created_at) \
             SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5 FROM resumes WHERE user_id = $1 RETURNING *",
        )
        .bind(new.user_id)
        .bind(&new.document)
        .bind(&new.markdown)
        .bind(&new.html)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        resume_from_row(&row)
    }

    async fn latest_resume(&self, user_id: UserId) -> Result<Resume> {
        let row =
            sqlx::query("SELECT * FROM resumes WHERE user_id = $1 ORDER BY version DESC LIMIT 1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        row.as_ref()
            .map(resume_from_row)
            .transpose()?
            .ok_or_else(|| Error::not_found(format!("user {user_id} has no resume yet")))
    }

    async fn get_resume_version(&self, user_id: UserId, version: u32) -> Result<Resume> {
        let row = sqlx::query("SELECT * FROM resumes WHERE user_id = $1 AND version = $2")
            .bind(user_id)
            .bind(version as i32)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(resume_from_row)
            .transpose()?
            .ok_or_else(|| missing("resume version", version))
    }

    async fn list_resume_versions(&self, user_id: UserId) -> Result<Vec<(u32, DateTime<Utc>)>> {
        let rows = sqlx::query(
            "SELECT version, created_at FROM resumes WHERE user_id = $1 ORDER BY version DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| Ok((get::<i32>(r, "version")? as u32, get(r, "created_at")?)))
            .collect()
    }
}

/// Binds an evidence row as `$1`..`$12` in the column order of `skill_evidence`'s
/// inserts: user, skill, worklog, date, excerpt, start, end, confidence, extractor,
/// created at, sentence, sentence start.
pub(super) fn bind_evidence<'q>(
    query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    row: &'q NewSkillEvidence,
    now: DateTime<Utc>,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    query
        .bind(row.user_id)
        .bind(row.skill_id)
        .bind(row.worklog_id)
        .bind(row.worklog_date)
        .bind(row.excerpt.as_str())
        .bind(row.start as i32)
        .bind(row.end as i32)
        .bind(row.confidence)
        .bind(row.extractor.as_str())
        .bind(now)
        .bind(row.sentence.as_str())
        .bind(row.sentence_start as i32)
}
