use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{UserId, WorkLogId};

/// A skill id.
pub type SkillId = i64;
/// A skill-evidence id.
pub type EvidenceId = i64;

super::string_enum! {
    /// What kind of skill a canonical skill is.
    SkillCategory {
        /// A programming language.
        Language => "language",
        /// A framework (React, Django, Spring).
        Framework => "framework",
        /// A library.
        Library => "library",
        /// A database.
        Database => "database",
        /// A cloud platform or service.
        Cloud => "cloud",
        /// A devops tool or other tool.
        Tool => "tool",
        /// An operating system, device family or runtime platform (Android, Zephyr, ESP32).
        Platform => "platform",
        /// An engineering practice (code review, incident response).
        Practice => "practice",
        /// A business or technical domain.
        Domain => "domain",
    }
}

impl SkillCategory {
    /// The category as a heading over its skills ("Databases").
    pub fn heading(self) -> &'static str {
        match self {
            SkillCategory::Language => "Languages",
            SkillCategory::Framework => "Frameworks",
            SkillCategory::Library => "Libraries",
            SkillCategory::Database => "Databases",
            SkillCategory::Cloud => "Cloud",
            SkillCategory::Tool => "Tools",
            SkillCategory::Platform => "Platforms",
            SkillCategory::Practice => "Practices",
            SkillCategory::Domain => "Domains",
        }
    }
}

/// A canonical skill: one name for all of its spellings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skill {
    /// Id.
    pub id: SkillId,
    /// Canonical display name ("PostgreSQL").
    pub name: String,
    /// Unique slug ("postgresql").
    pub slug: String,
    /// Category.
    pub category: SkillCategory,
    /// Other spellings that normalize to this skill ("postgres", "psql").
    pub aliases: Vec<String>,
}

/// The fields of a skill to create or update (keyed by slug).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSkill {
    /// Canonical name.
    pub name: String,
    /// Unique slug: lowercase letters, digits, `-`, `.`, `+`, `#`.
    pub slug: String,
    /// Category.
    pub category: SkillCategory,
    /// Aliases.
    pub aliases: Vec<String>,
}

impl NewSkill {
    /// Checks the name and slug.
    pub fn validate(&self) -> crate::Result<()> {
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(crate::Error::invalid_input(
                "name: must be 1 to 100 characters",
            ));
        }
        let slug_ok = !self.slug.is_empty()
            && self.slug.len() <= 100
            && self
                .slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.+#".contains(c));
        if !slug_ok {
            return Err(crate::Error::invalid_input(
                "slug: must be 1 to 100 of a-z, 0-9, '-', '.', '+', '#'",
            ));
        }
        Ok(())
    }
}

/// Proof that a user has a skill: an excerpt of one of their worklogs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillEvidence {
    /// Id.
    pub id: EvidenceId,
    /// Whose skill.
    pub user_id: UserId,
    /// Which skill.
    pub skill_id: SkillId,
    /// Which worklog proves it.
    pub worklog_id: WorkLogId,
    /// The worklog's date (denormalized for first/last seen).
    pub worklog_date: NaiveDate,
    /// The exact excerpt of the worklog content: the mention as written.
    pub excerpt: String,
    /// Start offset of the excerpt, in characters.
    pub start: u32,
    /// End offset (exclusive), in characters.
    pub end: u32,
    /// The sentence (or clause) of the worklog that shows the work, for display;
    /// empty for evidence recorded before sentences were kept.
    pub sentence: String,
    /// Where `sentence` starts in the content, in characters: the mention sits at
    /// `start - sentence_start .. end - sentence_start` inside it.
    pub sentence_start: u32,
    /// Confidence in 0..=1.
    pub confidence: f64,
    /// What extracted it ("local-agent/1", "llm:qwen2.5").
    pub extractor: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// The fields of new evidence. Evidence is idempotent on
/// (user, skill, worklog, start, end): recording it twice keeps one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSkillEvidence {
    /// Whose skill.
    pub user_id: UserId,
    /// Which skill.
    pub skill_id: SkillId,
    /// Which worklog.
    pub worklog_id: WorkLogId,
    /// The worklog's date.
    pub worklog_date: NaiveDate,
    /// Excerpt: the mention as written.
    pub excerpt: String,
    /// Start offset in characters.
    pub start: u32,
    /// End offset in characters, exclusive.
    pub end: u32,
    /// The sentence (or clause) of the worklog that shows the work, for display;
    /// empty for evidence recorded before sentences were kept.
    pub sentence: String,
    /// Where `sentence` starts in the content, in characters: the mention sits at
    /// `start - sentence_start .. end - sentence_start` inside it.
    pub sentence_start: u32,
    /// Confidence in 0..=1.
    pub confidence: f64,
    /// Extractor name.
    pub extractor: String,
}

impl NewSkillEvidence {
    /// Checks offsets and confidence.
    pub fn validate(&self) -> crate::Result<()> {
        if self.end <= self.start {
            return Err(crate::Error::invalid_input("end: must be after start"));
        }
        let inside = self.sentence_start <= self.start
            && (self.end - self.sentence_start) as usize <= self.sentence.chars().count();
        if !self.sentence.is_empty() && !inside {
            return Err(crate::Error::invalid_input(
                "sentence: must contain the mention at start..end",
            ));
        }
        if !(0.0..=1.0).contains(&self.confidence) {
            return Err(crate::Error::invalid_input(
                "confidence: must be between 0 and 1",
            ));
        }
        Ok(())
    }
}

/// A user's skill with its evidence summary. Only skills with evidence appear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSkill {
    /// The skill.
    pub skill: Skill,
    /// How many pieces of evidence.
    pub evidence_count: u64,
    /// Date of the earliest evidence.
    pub first_seen: NaiveDate,
    /// Date of the latest evidence.
    pub last_seen: NaiveDate,
}

impl UserSkill {
    /// The order skills are shown in everywhere (lists, reports, the resume):
    /// most evidenced first, then by name, so equal counts never reorder between
    /// calls or stores.
    pub fn by_evidence(a: &UserSkill, b: &UserSkill) -> std::cmp::Ordering {
        b.evidence_count
            .cmp(&a.evidence_count)
            .then_with(|| a.skill.name.cmp(&b.skill.name))
    }

    /// Groups a user's evidence by skill (count, first and last seen), in
    /// [`UserSkill::by_evidence`] order. Evidence whose skill `skill` cannot find
    /// is left out.
    pub fn summarize<'a>(
        evidence: impl IntoIterator<Item = &'a SkillEvidence>,
        skill: impl Fn(SkillId) -> Option<Skill>,
    ) -> Vec<UserSkill> {
        let mut by_skill: std::collections::BTreeMap<SkillId, UserSkill> =
            std::collections::BTreeMap::new();
        for e in evidence {
            if let Some(entry) = by_skill.get_mut(&e.skill_id) {
                entry.evidence_count += 1;
                entry.first_seen = entry.first_seen.min(e.worklog_date);
                entry.last_seen = entry.last_seen.max(e.worklog_date);
            } else if let Some(skill) = skill(e.skill_id) {
                by_skill.insert(
                    e.skill_id,
                    UserSkill {
                        skill,
                        evidence_count: 1,
                        first_seen: e.worklog_date,
                        last_seen: e.worklog_date,
                    },
                );
            }
        }
        let mut out: Vec<UserSkill> = by_skill.into_values().collect();
        out.sort_by(UserSkill::by_evidence);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(sentence: &str, sentence_start: u32) -> NewSkillEvidence {
        NewSkillEvidence {
            user_id: 1,
            skill_id: 1,
            worklog_id: 1,
            worklog_date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date"),
            excerpt: "Postgres".into(),
            start: 10,
            end: 18,
            sentence: sentence.into(),
            sentence_start,
            confidence: 0.9,
            extractor: "test".into(),
        }
    }

    #[test]
    fn the_sentence_must_hold_the_mention() {
        assert!(
            evidence("", 0).validate().is_ok(),
            "no sentence: older evidence"
        );
        assert!(evidence("moved to Postgres", 1).validate().is_ok());
        assert!(
            evidence("to Postgres", 11).validate().is_err(),
            "starts after the mention"
        );
        assert!(
            evidence("moved to Post", 1).validate().is_err(),
            "ends inside it"
        );
    }
}
