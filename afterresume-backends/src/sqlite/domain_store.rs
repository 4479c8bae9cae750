//! Users, tokens, skills, evidence, reports and resumes on SQLite.

use afterresume_core::domain::*;
use afterresume_core::ports::{ReportStore, ResumeStore, SkillStore, TokenStore, UserStore};
use afterresume_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::SqliteBackend;
use super::convert::{date, date_text, json, list_text, micros, opt_time, string_list, time};
use super::error::map_sqlx;
use crate::common::user_skills_of;
use crate::sql_dialect::report_list;
use crate::sql_error::not_found_as;

fn get<T>(row: &SqliteRow, column: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(map_sqlx)
}

fn user_from_row(r: &SqliteRow) -> Result<User> {
    Ok(User {
        id: get(r, "id")?,
        username: get(r, "username")?,
        email: get(r, "email")?,
        full_name: get(r, "full_name")?,
        password_hash: get(r, "password_hash")?,
        is_staff: get(r, "is_staff")?,
        is_active: get(r, "is_active")?,
        created_at: time(get(r, "created_at")?),
    })
}

fn token_from_row(r: &SqliteRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        name: get(r, "name")?,
        token_hash: get(r, "token_hash")?,
        created_at: time(get(r, "created_at")?),
        last_used_at: opt_time(get(r, "last_used_at")?),
        revoked_at: opt_time(get(r, "revoked_at")?),
        expires_at: opt_time(get(r, "expires_at")?),
    })
}

fn skill_from_row(r: &SqliteRow) -> Result<Skill> {
    Ok(Skill {
        id: get(r, "id")?,
        name: get(r, "name")?,
        slug: get(r, "slug")?,
        category: get::<String>(r, "category")?.parse()?,
        aliases: string_list(&get::<String>(r, "aliases")?)?,
    })
}

fn evidence_from_row(r: &SqliteRow) -> Result<SkillEvidence> {
    Ok(SkillEvidence {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        skill_id: get(r, "skill_id")?,
        worklog_id: get(r, "worklog_id")?,
        worklog_date: date(&get::<String>(r, "worklog_date")?)?,
        excerpt: get(r, "excerpt")?,
        start: get::<i64>(r, "start_offset")? as u32,
        end: get::<i64>(r, "end_offset")? as u32,
        sentence: get(r, "sentence")?,
        sentence_start: get::<i64>(r, "sentence_start")? as u32,
        confidence: get(r, "confidence")?,
        extractor: get(r, "extractor")?,
        created_at: time(get(r, "created_at")?),
    })
}

fn report_from_row(r: &SqliteRow) -> Result<Report> {
    Ok(Report {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        kind: get::<String>(r, "kind")?.parse()?,
        period_start: date(&get::<String>(r, "period_start")?)?,
        period_end: date(&get::<String>(r, "period_end")?)?,
        content: get(r, "content")?,
        data: json(&get::<String>(r, "data")?)?,
        created_at: time(get(r, "created_at")?),
    })
}

fn resume_from_row(r: &SqliteRow) -> Result<Resume> {
    Ok(Resume {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        version: get::<i64>(r, "version")? as u32,
        document: json(&get::<String>(r, "document")?)?,
        markdown: get(r, "markdown")?,
        html: get(r, "html")?,
        created_at: time(get(r, "created_at")?),
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

impl SqliteBackend {
    async fn one<T>(
        &self,
        sql: &str,
        id: i64,
        map: fn(&SqliteRow) -> Result<T>,
        what: &str,
    ) -> Result<T> {
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(map)
            .transpose()?
            .ok_or_else(|| missing(what, id))
    }
}

#[async_trait]
impl UserStore for SqliteBackend {
    async fn create_user(&self, new: NewUser, now: DateTime<Utc>) -> Result<User> {
        let row = sqlx::query(
            "INSERT INTO users (username, email, full_name, password_hash, is_staff, is_active, created_at) \
             VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING *",
        )
        .bind(&new.username)
        .bind(&new.email)
        .bind(&new.full_name)
        .bind(&new.password_hash)
        .bind(new.is_staff)
        .bind(micros(now))
        .fetch_one(&self.writer)
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
            "SELECT * FROM users WHERE id = ?",
            id,
            user_from_row,
            "user",
        )
        .await
    }

    async fn get_user_by_username(&self, username: &str) -> Result<User> {
        let row = sqlx::query("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(user_from_row)
            .transpose()?
            .ok_or_else(|| missing("user", username))
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(missing("user", id));
        }
        Ok(())
    }
}

#[async_trait]
impl TokenStore for SqliteBackend {
    async fn create_token(&self, new: NewApiToken, now: DateTime<Utc>) -> Result<ApiToken> {
        let row = sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING *")
            .bind(new.user_id)
            .bind(&new.name)
            .bind(&new.token_hash)
            .bind(micros(now))
            .bind(new.expires_at.map(micros))
            .fetch_one(&self.writer)
            .await
            .map_err(map_sqlx)
            .map_err(or_missing("user", new.user_id))?;
        token_from_row(&row)
    }

    /// A read; a write only when the recorded use is due (see the trait).
    async fn use_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<ApiToken> {
        let row =
            sqlx::query("SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)")
                .bind(token_hash)
                .bind(micros(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        let mut token = row
            .as_ref()
            .map(token_from_row)
            .transpose()?
            .ok_or_else(|| Error::not_found("token not found"))?;
        if token.use_is_due(now) {
            let marked = sqlx::query(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL",
            )
            .bind(micros(now))
            .bind(token.id)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
            if marked.rows_affected() == 0 {
                return Err(Error::not_found("token not found"));
            }
            token.last_used_at = Some(time(micros(now)));
        }
        Ok(token)
    }

    async fn list_tokens(&self, user_id: UserId, page: TokenPage) -> Result<Vec<ApiToken>> {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT * FROM api_tokens WHERE user_id = ");
        q.push_bind(user_id);
        if let Some(after) = page.after {
            q.push(" AND id > ").push_bind(after);
        }
        if let Some(now) = page.live_at {
            q.push(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ")
                .push_bind(micros(now))
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
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?")
            .bind(micros(now))
            .bind(id)
            .bind(user_id)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(missing("token", id));
        }
        Ok(())
    }
}

#[async_trait]
impl SkillStore for SqliteBackend {
    async fn upsert_skill(&self, new: NewSkill) -> Result<Skill> {
        let row = sqlx::query(
            "INSERT INTO skills (name, slug, category, aliases) VALUES (?, ?, ?, ?) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, category = excluded.category, aliases = excluded.aliases \
             RETURNING *",
        )
        .bind(&new.name)
        .bind(&new.slug)
        .bind(new.category.as_str())
        .bind(list_text(&new.aliases))
        .fetch_one(&self.writer)
        .await
        .map_err(map_sqlx)?;
        skill_from_row(&row)
    }

    async fn get_skill(&self, id: SkillId) -> Result<Skill> {
        self.one(
            "SELECT * FROM skills WHERE id = ?",
            id,
            skill_from_row,
            "skill",
        )
        .await
    }

    async fn get_skill_by_slug(&self, slug: &str) -> Result<Skill> {
        let row = sqlx::query("SELECT * FROM skills WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        row.as_ref()
            .map(skill_from_row)
            .transpose()?
            .ok_or_else(|| missing("skill", slug))
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
        insert_evidence(&new, now)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)
            .map_err(|e| not_found_as(e, "skill, worklog or user not found"))?;
        let row = sqlx::query(
            "SELECT * FROM skill_evidence WHERE user_id = ? AND skill_id = ? AND worklog_id = ? AND start_offset = ? AND end_offset = ?",
        )
        .bind(new.user_id)
        .bind(new.skill_id)
        .bind(new.worklog_id)
        .bind(new.start as i64)
        .bind(new.end as i64)
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx)?;
        evidence_from_row(&row)
    }

    async fn delete_evidence_for_worklog(&self, worklog_id: WorkLogId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM skill_evidence WHERE worklog_id = ?")
            .bind(worklog_id)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }

    async fn list_evidence(
        &self,
        user_id: UserId,
        skill_id: SkillId,
    ) -> Result<Vec<SkillEvidence>> {
        let rows = sqlx::query("SELECT * FROM skill_evidence WHERE user_id = ? AND skill_id = ? ORDER BY worklog_date DESC, id DESC")
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
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT * FROM skill_evidence WHERE user_id = ");
        q.push_bind(user_id);
        if let Some(from) = from {
            q.push(" AND worklog_date >= ").push_bind(date_text(from));
        }
        if let Some(to) = to {
            q.push(" AND worklog_date <= ").push_bind(date_text(to));
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
            "SELECT * FROM skill_evidence WHERE id = ?",
            id,
            evidence_from_row,
            "evidence",
        )
        .await
    }
}

#[async_trait]
impl ReportStore for SqliteBackend {
    async fn create_report(&self, new: NewReport, now: DateTime<Utc>) -> Result<Report> {
        let row = sqlx::query(
            "INSERT INTO reports (user_id, kind, period_start, period_end, content, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(new.user_id)
        .bind(new.kind.as_str())
        .bind(date_text(new.period_start))
        .bind(date_text(new.period_end))
        .bind(&new.content)
        .bind(new.data.to_string())
        .bind(micros(now))
        .fetch_one(&self.writer)
        .await
        .map_err(map_sqlx)
        .map_err(or_missing("user", new.user_id))?;
        report_from_row(&row)
    }

    async fn get_report(&self, id: ReportId) -> Result<Report> {
        self.one(
            "SELECT * FROM reports WHERE id = ?",
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
        let mut q = report_list::<Sqlite>(user_id, kind, before, limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_sqlx)?;
        rows.iter().map(report_from_row).collect()
    }
}

#[async_trait]
impl ResumeStore for SqliteBackend {
    async fn create_resume(&self, new: NewResume, now: DateTime<Utc>) -> Result<Resume> {
        // One statement computes and claims the next version under SQLite's write lock,
        // and UNIQUE (user_id, version) backs it up.
        let row = sqlx::query(
            "INSERT INTO resumes (user_id, version, document, markdown, html, created_at) \
             SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3, ?4, ?5 FROM resumes WHERE user_id = ?1 RETURNING *",
        )
        .bind(new.user_id)
        .bind(new.document.to_string())
        .bind(&new.markdown)
        .bind(&new.html)
        .bind(micros(now))
        .fetch_one(&self.writer)
        .await
        .map_err(map_sqlx)
        .map_err(or_missing("user", new.user_id))?;
        resume_from_row(&row)
    }

    async fn latest_resume(&self, user_id: UserId) -> Result<Resume> {
        let row =
            sqlx::query("SELECT * FROM resumes WHERE user_id = ? ORDER BY version DESC LIMIT 1")
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
        let row = sqlx::query("SELECT * FROM resumes WHERE user_id = ? AND version = ?")
            .bind(user_id)
            .bind(version as i64)
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
            "SELECT version, created_at FROM resumes WHERE user_id = ? ORDER BY version DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok((
                    get::<i64>(r, "version")? as u32,
                    time(get(r, "created_at")?),
                ))
            })
            .collect()
    }
}

/// The insert of one evidence row; a repeat of its natural key changes nothing.
pub(super) fn insert_evidence(
    row: &NewSkillEvidence,
    now: DateTime<Utc>,
) -> sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments<'_>> {
    sqlx::query(
        "INSERT INTO skill_evidence (user_id, skill_id, worklog_id, worklog_date, excerpt, start_offset, end_offset, \
         sentence, sentence_start, confidence, extractor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (user_id, skill_id, worklog_id, start_offset, end_offset) DO NOTHING",
    )
    .bind(row.user_id)
    .bind(row.skill_id)
    .bind(row.worklog_id)
    .bind(date_text(row.worklog_date))
    .bind(row.excerpt.as_str())
    .bind(row.start as i64)
    .bind(row.end as i64)
    .bind(row.sentence.as_str())
    .bind(i64::from(row.sentence_start))
    .bind(row.confidence)
    .bind(row.extractor.as_str())
    .bind(micros(now))
}
