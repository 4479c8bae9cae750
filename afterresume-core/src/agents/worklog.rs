//! WorklogAgent: what one worklog says — summary, category, impact, references,
//! blockers and skills with the exact excerpt that proves each.

use serde::{Deserialize, Serialize};

use super::mention_context::{MentionContext, component_named_after_field, context_in_clauses};
use super::signals::{
    Blocker, ImpactSignal, Reference, WorkCategory, blockers, classify, impact_signals, references,
};
use super::text::{CharOffsets, clauses, shorten};
use crate::domain::{SkillCategory, SkillId, WorkLog};
use crate::taxonomy::{SkillMatch, SkillMatcher};

/// Name and version of the built-in extractor, stored with its evidence.
pub const LOCAL_EXTRACTOR: &str = "local-agent/1";

/// One skill a worklog proves, in the wire shape of `analysis.skills`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillMention {
    /// Canonical name ("PostgreSQL").
    pub skill: String,
    /// The skill's id in the domain store (set by the workflow that stores it).
    pub skill_id: Option<SkillId>,
    /// The taxonomy slug ("postgresql").
    pub slug: String,
    /// Category.
    pub category: SkillCategory,
    /// The text as written in the worklog ("postgres").
    pub excerpt: String,
    /// Start, in characters into the content.
    pub start: usize,
    /// End (exclusive), in characters; `content[start:end] == excerpt`.
    pub end: usize,
    /// Confidence in 0..=1.
    pub confidence: f64,
    /// A skill the model named that the taxonomy lacks (hybrid path): listed in the
    /// analysis as `"new": true`, given no evidence until the taxonomy has it.
    #[serde(default, rename = "new", skip_serializing_if = "std::ops::Not::not")]
    pub new_skill: bool,
    /// The sentence (or clause) that shows the work; the mention sits at
    /// `start - sentence_start` inside it. Filled in when the analysis is stored.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sentence: String,
    /// Where `sentence` starts in the content, in characters.
    #[serde(default)]
    pub sentence_start: usize,
}

impl SkillMention {
    /// The mention a taxonomy match makes.
    pub fn from_match(m: SkillMatch) -> SkillMention {
        SkillMention {
            skill: m.name,
            skill_id: None,
            slug: m.slug,
            category: m.category,
            excerpt: m.excerpt,
            start: m.start,
            end: m.end,
            confidence: m.confidence,
            new_skill: false,
            sentence: String::new(),
            sentence_start: 0,
        }
    }
}

/// The stored analysis of a worklog (`WorkLog::analysis`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorklogAnalysis {
    /// One line: the title, or the first sentence, shortened.
    pub summary: String,
    /// What kind of work it was.
    pub category: WorkCategory,
    /// Skills with evidence, one per skill (its first mention), in text order.
    pub skills: Vec<SkillMention>,
    /// Measurable results.
    pub impact: Vec<ImpactSignal>,
    /// Tickets, PRs, issues, repos, URLs.
    pub references: Vec<Reference>,
    /// Things in the way.
    pub blockers: Vec<Blocker>,
    /// Which agent produced it ("local-agent/1", "llm:qwen2.5-coder").
    pub extractor: String,
    /// Taxonomy version the skills were normalized with.
    pub taxonomy_version: String,
}

impl WorklogAnalysis {
    /// Reads a stored analysis back; `None` if it is missing or of another shape.
    pub fn from_stored(worklog: &WorkLog) -> Option<WorklogAnalysis> {
        serde_json::from_value(worklog.analysis.clone()?).ok()
    }

    /// A score for ranking achievements: impact first, then references and skills.
    pub fn impact_score(&self) -> f64 {
        let impact: f64 = self
            .impact
            .iter()
            .map(|s| match s.kind.as_str() {
                "from_to" => 3.0,
                "percent" | "multiplier" => 2.5,
                _ => 1.5,
            })
            .sum();
        impact + 0.25 * self.references.len().min(4) as f64 + 0.1 * self.skills.len().min(5) as f64
    }
}

/// The built-in, deterministic worklog agent.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalWorklogAgent;

impl LocalWorklogAgent {
    /// Analyzes a worklog with a compiled taxonomy matcher.
    pub fn analyze(
        &self,
        worklog: &WorkLog,
        matcher: &SkillMatcher,
        taxonomy_version: &str,
    ) -> WorklogAnalysis {
        let content = &worklog.content;
        let offsets = CharOffsets::new(content);
        WorklogAnalysis {
            summary: summarize(worklog),
            category: classify(&format!(
                "{} {}",
                worklog.title.as_deref().unwrap_or(""),
                content
            )),
            skills: skill_mentions(content, matcher),
            impact: impact_signals(content, &offsets),
            references: references(content, &offsets),
            blockers: blockers(content, &offsets),
            extractor: LOCAL_EXTRACTOR.to_owned(),
            taxonomy_version: taxonomy_version.to_owned(),
        }
    }
}

/// The first mention of each skill that shows the author's work with it (see
/// [`mention_context`](super::mention_context)), in text order.
pub fn skill_mentions(content: &str, matcher: &SkillMatcher) -> Vec<SkillMention> {
    let mut seen = std::collections::HashSet::new();
    explain_mentions(content, matcher)
        .into_iter()
        .filter(|(m, context)| context.is_work() && seen.insert(m.slug.clone()))
        .map(|(m, _)| SkillMention::from_match(m))
        .collect()
}

/// Every mention the taxonomy finds, each with what its clause says about it:
/// the decisions behind [`skill_mentions`], for explanations.
pub fn explain_mentions(
    content: &str,
    matcher: &SkillMatcher,
) -> Vec<(SkillMatch, MentionContext)> {
    let found = matcher.find(content);
    if found.is_empty() {
        return Vec::new();
    }
    // Matches count characters; clauses are cut in bytes (the same in ASCII text).
    let bytes: Vec<usize> = if content.is_ascii() {
        Vec::new()
    } else {
        content
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(content.len()))
            .collect()
    };
    let byte = |chars: usize| bytes.get(chars).copied().unwrap_or(chars);
    let cut = clauses(content);
    found
        .into_iter()
        .map(|m| {
            let context = match context_in_clauses(content, &cut, byte(m.start), byte(m.end)) {
                MentionContext::Work if m.category == SkillCategory::Domain => {
                    component_named_after_field(content, byte(m.end))
                        .unwrap_or(MentionContext::Work)
                }
                other => other,
            };
            (m, context)
        })
        .collect()
}

fn summarize(worklog: &WorkLog) -> String {
    if let Some(title) = worklog.title.as_deref().filter(|t| !t.trim().is_empty()) {
        return shorten(title, 160);
    }
    let content = &worklog.content;
    let first = clauses(content)
        .into_iter()
        .map(|s| content[s.start..s.end].trim_start_matches('#').trim())
        .find(|s| !s.is_empty())
        .unwrap_or(content.trim());
    shorten(first, 160)
}

/// A worklog of user 1 on 2026-11-23, for tests.
#[cfg(test)]
pub(crate) fn test_worklog(content: &str) -> WorkLog {
    WorkLog {
        id: 7,
        user_id: 1,
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date"),
        content: content.to_owned(),
        title: None,
        tags: vec![],
        source: "manual".into(),
        metadata: serde_json::json!({}),
        analysis: None,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::Taxonomy;

    fn worklog(content: &str) -> WorkLog {
        test_worklog(content)
    }

    #[test]
    fn rejected_and_planned_technology_is_not_evidence() {
        let t = Taxonomy::builtin();
        let m = SkillMatcher::new(&t);
        let w = worklog(
            "Chose PostgreSQL instead of MongoDB for the ledger. TODO: add Sentry. \
             Kafka was ruled out; wired the queue with Redis.",
        );
        let a = LocalWorklogAgent.analyze(&w, &m, t.version());
        let slugs: Vec<&str> = a.skills.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(slugs, ["postgresql", "redis"]);
        // A later mention that shows the work still counts.
        let later = skill_mentions("Skipped Docker at first; then wrote the Docker image.", &m);
        assert!(later.iter().any(|s| s.slug == "docker"));
        let explained = explain_mentions("Didn't use Redux.", &m);
        assert_eq!(explained.len(), 1);
        assert!(!explained[0].1.is_work());
    }

    #[test]
    fn analysis_has_spans_that_slice_the_content() {
        let t = Taxonomy::builtin();
        let m = SkillMatcher::new(&t);
        let w = worklog(
            "Migré billing vers postgres 15 sur k8s — reduced p99 from 800 to 120 ms (BILL-88). Blocked on DBA access.",
        );
        let a = LocalWorklogAgent.analyze(&w, &m, t.version());
        let slugs: Vec<&str> = a.skills.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(slugs, ["postgresql", "kubernetes"]);
        for s in &a.skills {
            let slice: String = w
                .content
                .chars()
                .skip(s.start)
                .take(s.end - s.start)
                .collect();
            assert_eq!(slice, s.excerpt);
        }
        assert_eq!(a.skills[0].skill, "PostgreSQL");
        assert_eq!(a.impact.len(), 1);
        assert_eq!(a.references[0].value, "BILL-88");
        assert_eq!(a.blockers.len(), 1);
        assert_eq!(
            a.summary,
            "Migré billing vers postgres 15 sur k8s — reduced p99 from 800 to 120 ms (BILL-88)."
        );
        let wire = serde_json::to_value(&a).unwrap();
        let skill = &wire["skills"][0];
        for key in [
            "skill",
            "skill_id",
            "category",
            "excerpt",
            "start",
            "end",
            "confidence",
        ] {
            assert!(skill.get(key).is_some(), "{key}");
        }
        assert_eq!(a.extractor, LOCAL_EXTRACTOR);
    }

    #[test]
    fn each_skill_is_listed_once_at_its_first_mention() {
        let t = Taxonomy::builtin();
        let m = SkillMatcher::new(&t);
        let a = LocalWorklogAgent.analyze(
            &worklog("Postgres tuning; more Postgres; PostgreSQL again"),
            &m,
            "v",
        );
        assert_eq!(a.skills.len(), 1);
        assert_eq!(a.skills[0].start, 0);
    }
}
