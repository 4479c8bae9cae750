//! Skills: the evidenced skills of a user, the evidence behind one, and a
//! recompute over a window.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::{Actor, App, Enqueued};
use crate::Result;
use crate::domain::{SkillCategory, SkillEvidence, SkillId, UserId, UserSkill};
use crate::workflows::SKILLS_EXTRACT;

/// A skill as a user has it: the canonical skill with its evidence summary, in
/// the shape every host shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillSummary {
    /// Skill id.
    pub id: SkillId,
    /// Canonical name.
    pub name: String,
    /// Unique slug.
    pub slug: String,
    /// Category.
    pub category: SkillCategory,
    /// Other spellings.
    pub aliases: Vec<String>,
    /// Pieces of evidence.
    pub evidence_count: u64,
    /// Date of the earliest evidence.
    pub first_seen: NaiveDate,
    /// Date of the latest evidence.
    pub last_seen: NaiveDate,
}

impl From<UserSkill> for SkillSummary {
    fn from(s: UserSkill) -> Self {
        SkillSummary {
            id: s.skill.id,
            name: s.skill.name,
            slug: s.skill.slug,
            category: s.skill.category,
            aliases: s.skill.aliases,
            evidence_count: s.evidence_count,
            first_seen: s.first_seen,
            last_seen: s.last_seen,
        }
    }
}

/// The window a recompute looks at; every field optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkillsWindow {
    /// Days back from `end` (1 to 3650; 365 when neither this nor `start`).
    pub window_days: Option<u32>,
    /// Window start (instead of `window_days`).
    pub start: Option<NaiveDate>,
    /// Window end (today when absent).
    pub end: Option<NaiveDate>,
}

impl App {
    /// A user's skills, most evidenced first (then by name).
    pub async fn list_skills(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
    ) -> Result<Vec<SkillSummary>> {
        let user = actor.acting_for(user_id)?;
        let mut skills = self.domain.list_user_skills(user).await?;
        skills.sort_by(UserSkill::by_evidence);
        Ok(skills.into_iter().map(SkillSummary::from).collect())
    }

    /// The worklog excerpts that prove a user's skill.
    pub async fn skill_evidence(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        skill_id: SkillId,
    ) -> Result<Vec<SkillEvidence>> {
        let user = actor.acting_for(user_id)?;
        self.domain
            .get_skill(skill_id)
            .await
            .map_err(|_| super::hidden("skill", skill_id))?;
        self.domain.list_evidence(user, skill_id).await
    }

    /// Enqueues a recompute of a user's skills over a window.
    pub async fn recompute_skills(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        window: SkillsWindow,
        idempotency_key: Option<&str>,
    ) -> Result<Enqueued> {
        let user = self.subject(actor, user_id).await?;
        let mut payload = json!({});
        if let Some(days) = window.window_days {
            payload["window_days"] = json!(days);
        }
        if let Some(start) = window.start {
            payload["start"] = json!(start);
        }
        if let Some(end) = window.end {
            payload["end"] = json!(end);
        }
        self.enqueue_for(actor, user, SKILLS_EXTRACT, payload, idempotency_key)
            .await
    }
}
