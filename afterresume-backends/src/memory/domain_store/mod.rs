//! In-memory domain persistence: users, tokens, worklogs, skills, evidence, reports
//! and resumes behind one mutex.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use afterresume_core::domain::*;
use afterresume_core::import::ImportOutcome;
use afterresume_core::ports::{
    ImportWorkLog, ImportedWorkLog, ProfileStore, ReportStore, ResumeStore, SkillStore,
    ThrottleCounter, ThrottleDecision, ThrottleLimit, ThrottleStore, TokenStore, UserStore,
    WorkLogStore, check_analysis_evidence, check_import_batch, plan_acquire,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

mod accounts;
mod documents;
mod profiles;

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
    profiles: HashMap<UserId, (ProfileDocument, i64)>,
    /// Imported worklogs by (owner, external id); an id whose worklog was
    /// deleted is stale and ignored.
    imports: HashMap<(UserId, String), WorkLogId>,
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

/// Applies a patch to a stored worklog: a new content drops the evidence
/// (its offsets no longer point at the right text), a new date moves it.
fn apply_patch(
    s: &mut State,
    id: WorkLogId,
    patch: WorkLogPatch,
    now: DateTime<Utc>,
) -> Result<WorkLog> {
    let worklog = s
        .worklogs
        .get_mut(&id)
        .ok_or_else(|| missing("worklog", id))?;
    let content_changed = patch.apply_to(worklog, now);
    let updated = worklog.clone();
    if content_changed {
        s.evidence.retain(|_, e| e.worklog_id != id);
    } else {
        for e in s.evidence.values_mut().filter(|e| e.worklog_id == id) {
            e.worklog_date = updated.date;
        }
    }
    Ok(updated)
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
        apply_patch(&mut self.lock(), id, patch, now)
    }

    async fn import_worklogs(
        &self,
        user_id: UserId,
        batch: Vec<ImportWorkLog>,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Vec<ImportedWorkLog>> {
        check_import_batch(user_id, &batch)?;
        let mut s = self.lock();
        if !s.users.contains_key(&user_id) {
            return Err(missing("user", user_id));
        }
        let mut out = Vec::with_capacity(batch.len());
        for item in batch {
            let key = (user_id, item.external_id);
            let existing = s
                .imports
                .get(&key)
                .and_then(|id| s.worklogs.get(id))
                .map(|w| (w.id, WorkLogPatch::to_match(w, &item.worklog)));
            let imported = match existing {
                Some((id, None)) => ImportedWorkLog {
                    id: Some(id),
                    outcome: ImportOutcome::Unchanged,
                },
                Some((id, Some(patch))) => {
                    if !dry_run {
                        apply_patch(&mut s, id, patch, now)?;
                    }
                    ImportedWorkLog {
                        id: Some(id),
                        outcome: ImportOutcome::Updated,
                    }
                }
                None if dry_run => ImportedWorkLog {
                    id: None,
                    outcome: ImportOutcome::Created,
                },
                None => {
                    let worklog = build_worklog(&mut s, item.worklog, now)?;
                    let id = worklog.id;
                    s.worklogs.insert(id, worklog);
                    s.imports.insert(key, id);
                    ImportedWorkLog {
                        id: Some(id),
                        outcome: ImportOutcome::Created,
                    }
                }
            };
            out.push(imported);
        }
        Ok(out)
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
