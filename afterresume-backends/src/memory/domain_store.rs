//! In-memory domain persistence: users, tokens, worklogs, skills, evidence, reports
//! and resumes behind one mutex.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use afterresume_core::domain::*;
use afterresume_core::ports::{
    ReportStore, ResumeStore, SkillStore, ThrottleCounter, ThrottleDecision, ThrottleLimit,
    ThrottleStore, TokenStore, UserStore, WorkLogStore, check_analysis_evidence, plan_acquire,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// Every domain store in memory.
#[derive(Debug, Default)]
pub struct MemoryDomainStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    users: BTreeMap<UserId, User>,
    tokens: BTreeMap<TokenId, ApiToken>,
    worklogs: BTreeMap<WorkLogId, WorkLog>,
    skills: BTreeMap<SkillId, Skill>,
    evidence: BTreeMap<EvidenceId, SkillEvidence>,
    reports: BTreeMap<ReportId, Report>,
    resumes: BTreeMap<ResumeId, Resume>,
    throttle: HashMap<String, ThrottleCounter>,
    ids: HashMap<&'static str, i64>,
}

impl State {
    /// Stores one evidence row, or returns the stored one with the same natural key
    /// (user, skill, worklog, span). The caller checked skill and worklog.
    fn put_evidence(&mut self, new: &NewSkillEvidence, now: DateTime<Utc>) -> SkillEvidence {
        if let Some(existing) = self.evidence.values().find(|e| {
            (e.user_id, e.skill_id, e.worklog_id, e.start, e.end)
                == (
                    new.user_id,
                    new.skill_id,
                    new.worklog_id,
                    new.start,
                    new.end,
                )
        }) {
            return existing.clone();
        }
        let evidence = SkillEvidence {
            id: self.next_id("evidence"),
            user_id: new.user_id,
            skill_id: new.skill_id,
            worklog_id: new.worklog_id,
            worklog_date: new.worklog_date,
            excerpt: new.excerpt.clone(),
            start: new.start,
            end: new.end,
            sentence: new.sentence.clone(),
            sentence_start: new.sentence_start,
            confidence: new.confidence,
            extractor: new.extractor.clone(),
            created_at: now,
        };
        self.evidence.insert(evidence.id, evidence.clone());
        evidence
    }

    fn next_id(&mut self, table: &'static str) -> i64 {
        let id = self.ids.entry(table).or_insert(0);
        *id += 1;
        *id
    }
}

impl MemoryDomainStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn missing(what: &str, id: impl std::fmt::Display) -> Error {
    Error::not_found(format!("{what} {id} not found"))
}

#[async_trait]
impl UserStore for MemoryDomainStore {
    async fn create_user(&self, new: NewUser, now: DateTime<Utc>) -> Result<User> {
        let mut s = self.lock();
        if s.users
            .values()
            .any(|u| u.username.eq_ignore_ascii_case(&new.username))
        {
            return Err(Error::already_exists(format!(
                "username '{}' is taken",
                new.username
            )));
        }
        let user = User {
            id: s.next_id("users"),
            username: new.username,
            email: new.email,
            full_name: new.full_name,
            password_hash: new.password_hash,
            is_staff: new.is_staff,
            is_active: true,
            created_at: now,
        };
        s.users.insert(user.id, user.clone());
        Ok(user)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        self.lock()
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| missing("user", id))
    }

    async fn get_user_by_username(&self, username: &str) -> Result<User> {
        self.lock()
            .users
            .values()
            .find(|u| u.username.eq_ignore_ascii_case(username))
            .cloned()
            .ok_or_else(|| missing("user", username))
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        Ok(self.lock().users.values().cloned().collect())
    }

    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()> {
        let mut s = self.lock();
        let user = s.users.get_mut(&id).ok_or_else(|| missing("user", id))?;
        user.password_hash = password_hash.to_owned();
        Ok(())
    }
}

#[async_trait]
impl TokenStore for MemoryDomainStore {
    async fn create_token(&self, new: NewApiToken, now: DateTime<Utc>) -> Result<ApiToken> {
        let mut s = self.lock();
        if !s.users.contains_key(&new.user_id) {
            return Err(missing("user", new.user_id));
        }
        if s.tokens.values().any(|t| t.token_hash == new.token_hash) {
            return Err(Error::already_exists("token hash already exists"));
        }
        let token = ApiToken {
            id: s.next_id("tokens"),
            user_id: new.user_id,
            name: new.name,
            token_hash: new.token_hash,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
            expires_at: new.expires_at,
        };
        s.tokens.insert(token.id, token.clone());
        Ok(token)
    }

    async fn use_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<ApiToken> {
        let mut s = self.lock();
        let token = s
            .tokens
            .values_mut()
            .find(|t| t.token_hash == token_hash && t.is_live(now))
            .ok_or_else(|| Error::not_found("token not found"))?;
        if token.use_is_due(now) {
            token.last_used_at = Some(now);
        }
        Ok(token.clone())
    }

    async fn list_tokens(&self, user_id: UserId, page: TokenPage) -> Result<Vec<ApiToken>> {
        let limit = if page.limit == 0 {
            usize::MAX
        } else {
            page.limit
        };
        Ok(self
            .lock()
            .tokens
            .values()
            .filter(|t| t.user_id == user_id && page.matches(t))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn revoke_token(&self, user_id: UserId, id: TokenId, now: DateTime<Utc>) -> Result<()> {
        let mut s = self.lock();
        let token = s
            .tokens
            .get_mut(&id)
            .filter(|t| t.user_id == user_id)
            .ok_or_else(|| missing("token", id))?;
        token.revoked_at.get_or_insert(now);
        Ok(())
    }
}

fn build_worklog(s: &mut State, new: NewWorkLog, now: DateTime<Utc>) -> Result<WorkLog> {
    if !s.users.contains_key(&new.user_id) {
        return Err(missing("user", new.user_id));
    }
    Ok(WorkLog {
        id: s.next_id("worklogs"),
        user_id: new.user_id,
        date: new.date,
        content: new.content,
        title: new.title,
        tags: new.tags,
        source: new.source,
        metadata: new.metadata,
        analysis: None,
        created_at: now,
        updated_at: now,
    })
}

#[async_trait]
impl WorkLogStore for MemoryDomainStore {
    async fn create_worklog(&self, new: NewWorkLog, now: DateTime<Utc>) -> Result<WorkLog> {
        new.validate()?;
        let mut s = self.lock();
        let worklog = build_worklog(&mut s, new, now)?;
        s.worklogs.insert(worklog.id, worklog.clone());
        Ok(worklog)
    }

    async fn create_worklogs(
        &self,
        new: Vec<NewWorkLog>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WorkLog>> {
        new.iter().try_for_each(NewWorkLog::validate)?;
        let mut s = self.lock();
        // Check every owner first so that a bad entry leaves nothing behind.
        if let Some(bad) = new.iter().find(|w| !s.users.contains_key(&w.user_id)) {
            return Err(missing("user", bad.user_id));
        }
        let mut out = Vec::with_capacity(new.len());
        for w in new {
            let worklog = build_worklog(&mut s, w, now)?;
            s.worklogs.insert(worklog.id, worklog.clone());
            out.push(worklog);
        }
        Ok(out)
    }

    async fn get_worklog(&self, id: WorkLogId) -> Result<WorkLog> {
        self.lock()
            .worklogs
            .get(&id)
            .cloned()
            .ok_or_else(|| missing("worklog", id))
    }

    async fn list_worklogs(&self, filter: &WorkLogFilter) -> Result<Vec<WorkLog>> {
        let s = self.lock();
        let mut out: Vec<WorkLog> = s
            .worklogs
            .values()
            .filter(|w| filter.matches(w))
            .cloned()
            .collect();
        out.sort_by_key(|w| std::cmp::Reverse((w.date, w.id)));
        out.truncate(filter.effective_limit());
        Ok(out)
    }

    async fn update_worklog(
        &self,
        id: WorkLogId,
        patch: WorkLogPatch,
        now: DateTime<Utc>,
    ) -> Result<WorkLog> {
        patch.validate()?;
        let mut s = self.lock();
        let worklog = s
            .worklogs
            .get_mut(&id)
            .ok_or_else(|| missing("worklog", id))?;
        let content_changed = patch.apply_to(worklog, now);
        let updated = worklog.clone();
        if content_changed {
            // Offsets of old evidence no longer point at the right text.
            s.evidence.retain(|_, e| e.worklog_id != id);
        } else {
            for e in s.evidence.values_mut().filter(|e| e.worklog_id == id) {
                e.worklog_date = updated.date;
            }
        }
        Ok(updated)
    }

    async fn delete_worklog(&self, id: WorkLogId) -> Result<()> {
        let mut s = self.lock();
        s.worklogs
            .remove(&id)
            .ok_or_else(|| missing("worklog", id))?;
        s.evidence.retain(|_, e| e.worklog_id != id);
        Ok(())
    }

    async fn replace_worklog_analysis(
        &self,
        id: WorkLogId,
        analysis: Value,
        evidence: &[NewSkillEvidence],
        now: DateTime<Utc>,
    ) -> Result<WorkLog> {
        storable::check_json("analysis", &analysis)?;
        // Every check before the first change: one lock makes the rest atomic.
        let mut s = self.lock();
        let owner = s
            .worklogs
            .get(&id)
            .ok_or_else(|| missing("worklog", id))?
            .user_id;
        check_analysis_evidence(id, owner, evidence)?;
        if let Some(row) = evidence
            .iter()
            .find(|e| !s.skills.contains_key(&e.skill_id))
        {
            return Err(missing("skill", row.skill_id));
        }
        s.evidence.retain(|_, e| e.worklog_id != id);
        for row in evidence {
            s.put_evidence(row, now);
        }
        let worklog = s.worklogs.get_mut(&id).expect("checked above");
        worklog.analysis = Some(analysis);
        worklog.updated_at = now;
        Ok(worklog.clone())
    }
}

#[async_trait]
impl SkillStore for MemoryDomainStore {
    async fn upsert_skill(&self, new: NewSkill) -> Result<Skill> {
        let mut s = self.lock();
        let id = match s.skills.values().find(|k| k.slug == new.slug) {
            Some(existing) => existing.id,
            None => s.next_id("skills"),
        };
        let skill = Skill {
            id,
            name: new.name,
            slug: new.slug,
            category: new.category,
            aliases: new.aliases,
        };
        s.skills.insert(id, skill.clone());
        Ok(skill)
    }

    async fn get_skill(&self, id: SkillId) -> Result<Skill> {
        self.lock()
            .skills
            .get(&id)
            .cloned()
            .ok_or_else(|| missing("skill", id))
    }

    async fn get_skill_by_slug(&self, slug: &str) -> Result<Skill> {
        self.lock()
            .skills
            .values()
            .find(|k| k.slug == slug)
            .cloned()
            .ok_or_else(|| missing("skill", slug))
    }

    async fn list_skills(&self) -> Result<Vec<Skill>> {
        let mut all: Vec<Skill> = self.lock().skills.values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    async fn add_evidence(
        &self,
        new: NewSkillEvidence,
        now: DateTime<Utc>,
    ) -> Result<SkillEvidence> {
        let mut s = self.lock();
        if !s.skills.contains_key(&new.skill_id) {
            return Err(missing("skill", new.skill_id));
        }
        if !s.worklogs.contains_key(&new.worklog_id) {
            return Err(missing("worklog", new.worklog_id));
        }
        Ok(s.put_evidence(&new, now))
    }

    async fn delete_evidence_for_worklog(&self, worklog_id: WorkLogId) -> Result<u64> {
        let mut s = self.lock();
        let before = s.evidence.len();
        s.evidence.retain(|_, e| e.worklog_id != worklog_id);
        Ok((before - s.evidence.len()) as u64)
    }

    async fn list_evidence(
        &self,
        user_id: UserId,
        skill_id: SkillId,
    ) -> Result<Vec<SkillEvidence>> {
        let mut out: Vec<SkillEvidence> = self
            .lock()
            .evidence
            .values()
            .filter(|e| e.user_id == user_id && e.skill_id == skill_id)
            .cloned()
            .collect();
        out.sort_by_key(|e| std::cmp::Reverse((e.worklog_date, e.id)));
        Ok(out)
    }

    async fn list_user_evidence(
        &self,
        user_id: UserId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<SkillEvidence>> {
        let mut out: Vec<SkillEvidence> = self
            .lock()
            .evidence
            .values()
            .filter(|e| {
                e.user_id == user_id
                    && from.is_none_or(|d| e.worklog_date >= d)
                    && to.is_none_or(|d| e.worklog_date <= d)
            })
            .cloned()
            .collect();
        out.sort_by_key(|e| (e.worklog_date, e.id));
        Ok(out)
    }

    async fn list_user_skills(&self, user_id: UserId) -> Result<Vec<UserSkill>> {
        let s = self.lock();
        let evidence: Vec<&SkillEvidence> = s
            .evidence
            .values()
            .filter(|e| e.user_id == user_id)
            .collect();
        Ok(UserSkill::summarize(evidence, |id| {
            s.skills.get(&id).cloned()
        }))
    }

    async fn get_evidence(&self, id: EvidenceId) -> Result<SkillEvidence> {
        self.lock()
            .evidence
            .get(&id)
            .cloned()
            .ok_or_else(|| missing("evidence", id))
    }
}

#[async_trait]
impl ReportStore for MemoryDomainStore {
    async fn create_report(&self, new: NewReport, now: DateTime<Utc>) -> Result<Report> {
        let mut s = self.lock();
        if !s.users.contains_key(&new.user_id) {
            return Err(missing("user", new.user_id));
        }
        let report = Report {
            id: s.next_id("reports"),
            user_id: new.user_id,
            kind: new.kind,
            period_start: new.period_start,
            period_end: new.period_end,
            content: new.content,
            data: new.data,
            created_at: now,
        };
        s.reports.insert(report.id, report.clone());
        Ok(report)
    }

    async fn get_report(&self, id: ReportId) -> Result<Report> {
        self.lock()
            .reports
            .get(&id)
            .cloned()
            .ok_or_else(|| missing("report", id))
    }

    async fn list_reports(
        &self,
        user_id: UserId,
        kind: Option<ReportKind>,
        before: Option<ReportId>,
        limit: usize,
    ) -> Result<Vec<Report>> {
        Ok(self
            .lock()
            .reports
            .values()
            .rev()
            .filter(|r| {
                r.user_id == user_id
                    && kind.is_none_or(|k| r.kind == k)
                    && before.is_none_or(|b| r.id < b)
            })
            .take(limit.clamp(1, 1000))
            .cloned()
            .collect())
    }
}

#[async_trait]
impl ResumeStore for MemoryDomainStore {
    async fn create_resume(&self, new: NewResume, now: DateTime<Utc>) -> Result<Resume> {
        let mut s = self.lock();
        if !s.users.contains_key(&new.user_id) {
            return Err(missing("user", new.user_id));
        }
        let version = s
            .resumes
            .values()
            .filter(|r| r.user_id == new.user_id)
            .map(|r| r.version)
            .max()
            .unwrap_or(0)
            + 1;
        let resume = Resume {
            id: s.next_id("resumes"),
            user_id: new.user_id,
            version,
            document: new.document,
            markdown: new.markdown,
            html: new.html,
            created_at: now,
        };
        s.resumes.insert(resume.id, resume.clone());
        Ok(resume)
    }

    async fn latest_resume(&self, user_id: UserId) -> Result<Resume> {
        self.lock()
            .resumes
            .values()
            .filter(|r| r.user_id == user_id)
            .max_by_key(|r| r.version)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("user {user_id} has no resume yet")))
    }

    async fn get_resume_version(&self, user_id: UserId, version: u32) -> Result<Resume> {
        self.lock()
            .resumes
            .values()
            .find(|r| r.user_id == user_id && r.version == version)
            .cloned()
            .ok_or_else(|| missing("resume version", version))
    }

    async fn list_resume_versions(&self, user_id: UserId) -> Result<Vec<(u32, DateTime<Utc>)>> {
        let mut out: Vec<(u32, DateTime<Utc>)> = self
            .lock()
            .resumes
            .values()
            .filter(|r| r.user_id == user_id)
            .map(|r| (r.version, r.created_at))
            .collect();
        out.sort_by_key(|v| std::cmp::Reverse(v.0));
        Ok(out)
    }
}

#[async_trait]
impl ThrottleStore for MemoryDomainStore {
    async fn acquire(
        &self,
        limits: &[ThrottleLimit],
        now: DateTime<Utc>,
    ) -> Result<ThrottleDecision> {
        let mut s = self.lock();
        let current: Vec<_> = limits
            .iter()
            .map(|l| s.throttle.get(&l.key).copied())
            .collect();
        match plan_acquire(limits, &current, now) {
            Ok(next) => {
                for (limit, counter) in limits.iter().zip(next) {
                    s.throttle.insert(limit.key.clone(), counter);
                }
                Ok(ThrottleDecision::Admitted)
            }
            Err(retry_after) => Ok(ThrottleDecision::Blocked { retry_after }),
        }
    }

    async fn release(&self, key: &str) -> Result<()> {
        if let Some(counter) = self.lock().throttle.get_mut(key) {
            counter.hits = counter.hits.saturating_sub(1);
        }
        Ok(())
    }

    async fn reset(&self, keys: &[String], now: DateTime<Utc>) -> Result<()> {
        let mut s = self.lock();
        for key in keys {
            let zero = ThrottleCounter {
                window_start: now,
                hits: 0,
            };
            s.throttle.insert(key.clone(), zero);
        }
        Ok(())
    }

    async fn counter(&self, key: &str) -> Result<Option<ThrottleCounter>> {
        Ok(self.lock().throttle.get(key).copied())
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut s = self.lock();
        let count = s.throttle.len();
        s.throttle.retain(|_, c| c.window_start >= before);
        Ok((count - s.throttle.len()) as u64)
    }
}
