//! SkillAgent: a user's skills over a window, from the evidence their worklogs give.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AgentServices, SkillResolver, WorklogAnalysis, all_worklogs, analysis_or_local,
    record_evidence, store_analysis,
};
use crate::Result;
use crate::domain::{Skill, SkillCategory, SkillId, UserId, WorkLogFilter, WorkLogId};

/// Evidence older than this counts half as much (recency weighting).
pub const STRENGTH_HALF_LIFE_DAYS: f64 = 180.0;

/// One skill of a user over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillSummary {
    /// Canonical name.
    pub skill: String,
    /// Skill id.
    pub skill_id: SkillId,
    /// Slug.
    pub slug: String,
    /// Category.
    pub category: SkillCategory,
    /// Pieces of evidence in the window.
    pub evidence_count: u64,
    /// Earliest evidence date in the window.
    pub first_seen: NaiveDate,
    /// Latest evidence date in the window.
    pub last_seen: NaiveDate,
    /// Sum over evidence of confidence × 0.5^(age / half-life), age counted back from
    /// the window's end: recent, confident evidence weighs most.
    pub strength: f64,
    /// The worklogs that prove it, newest first (at most 20).
    pub worklog_ids: Vec<WorkLogId>,
}

/// The result of a recompute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillProfile {
    /// Whose.
    pub user_id: UserId,
    /// First day of the window.
    pub start: NaiveDate,
    /// Last day of the window (inclusive).
    pub end: NaiveDate,
    /// Worklogs in the window.
    pub worklogs_scanned: usize,
    /// Worklogs that had no analysis and were analyzed now.
    pub analyzed: usize,
    /// Evidence rows in the window after the recompute.
    pub evidence_rows: usize,
    /// Skills, strongest first.
    pub skills: Vec<SkillSummary>,
    /// Skill names by category.
    pub clusters: BTreeMap<String, Vec<String>>,
}

/// Recomputes a user's skills.
#[derive(Debug)]
pub struct SkillAgent<'a> {
    services: &'a AgentServices,
}

impl<'a> SkillAgent<'a> {
    /// An agent over the services.
    pub fn new(services: &'a AgentServices) -> Self {
        SkillAgent { services }
    }

    /// Makes sure every worklog of the window has an analysis and its evidence rows
    /// (idempotent: rows are keyed by user, skill, worklog and span), then
    /// summarizes the window's evidence.
    pub async fn recompute(
        &self,
        user_id: UserId,
        start: NaiveDate,
        end: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<SkillProfile> {
        let domain = &self.services.domain;
        let mut resolver = SkillResolver::default();
        let (mut scanned, mut analyzed) = (0, 0);
        let filter = WorkLogFilter {
            user_id: Some(user_id),
            date_from: Some(start),
            date_to: Some(end),
            limit: 500,
            ..Default::default()
        };
        let compiled = self.services.taxonomy.current();
        for worklog in &all_worklogs(domain, filter, usize::MAX).await? {
            scanned += 1;
            match WorklogAnalysis::from_stored(worklog) {
                Some(analysis) if analysis.skills.iter().all(|s| s.skill_id.is_some()) => {
                    record_evidence(self.services, worklog, &analysis, now).await?;
                }
                stored => {
                    if stored.is_none() {
                        analyzed += 1;
                    }
                    let analysis = analysis_or_local(worklog, &compiled);
                    store_analysis(self.services, &mut resolver, worklog, analysis, now).await?;
                }
            }
        }
        let evidence = domain
            .list_user_evidence(user_id, Some(start), Some(end))
            .await?;
        let mut by_skill: HashMap<SkillId, SkillSummary> = HashMap::new();
        let mut skills: HashMap<SkillId, Skill> = HashMap::new();
        for row in &evidence {
            if let std::collections::hash_map::Entry::Vacant(slot) = skills.entry(row.skill_id) {
                slot.insert(domain.get_skill(row.skill_id).await?);
            }
            let skill = &skills[&row.skill_id];
            let age_days = (end - row.worklog_date).num_days().max(0) as f64;
            let weight = row.confidence * 0.5f64.powf(age_days / STRENGTH_HALF_LIFE_DAYS);
            let entry = by_skill
                .entry(row.skill_id)
                .or_insert_with(|| SkillSummary {
                    skill: skill.name.clone(),
                    skill_id: skill.id,
                    slug: skill.slug.clone(),
                    category: skill.category,
                    evidence_count: 0,
                    first_seen: row.worklog_date,
                    last_seen: row.worklog_date,
                    strength: 0.0,
                    worklog_ids: Vec::new(),
                });
            entry.evidence_count += 1;
            entry.first_seen = entry.first_seen.min(row.worklog_date);
            entry.last_seen = entry.last_seen.max(row.worklog_date);
            entry.strength += weight;
            entry.worklog_ids.push(row.worklog_id);
        }
        let mut summaries: Vec<SkillSummary> = by_skill.into_values().collect();
        for s in &mut summaries {
            s.strength = (s.strength * 1000.0).round() / 1000.0;
            s.worklog_ids.sort_unstable_by(|a, b| b.cmp(a));
            s.worklog_ids.dedup();
            s.worklog_ids.truncate(20);
        }
        summaries.sort_by(|a, b| {
            b.strength
                .total_cmp(&a.strength)
                .then_with(|| a.skill.cmp(&b.skill))
        });
        let mut clusters: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in &summaries {
            clusters
                .entry(s.category.as_str().to_owned())
                .or_default()
                .push(s.skill.clone());
        }
        Ok(SkillProfile {
            user_id,
            start,
            end,
            worklogs_scanned: scanned,
            analyzed,
            evidence_rows: evidence.len(),
            skills: summaries,
            clusters,
        })
    }
}
