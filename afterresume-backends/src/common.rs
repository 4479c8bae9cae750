//! Small rules every backend applies the same way, kept in one place.

use std::collections::BTreeMap;

use afterresume_core::domain::{Skill, SkillEvidence, SkillId, UserSkill, WorkLog, WorkLogPatch};
use afterresume_core::ports::{ArtifactKey, ArtifactMeta};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Applies a patch to a worklog; returns whether the content changed (which clears the
/// analysis, since its offsets no longer fit).
pub(crate) fn apply_worklog_patch(
    w: &mut WorkLog,
    patch: WorkLogPatch,
    now: DateTime<Utc>,
) -> bool {
    let mut content_changed = false;
    if let Some(date) = patch.date {
        w.date = date;
    }
    if let Some(content) = patch.content
        && content != w.content
    {
        w.content = content;
        w.analysis = None;
        content_changed = true;
    }
    if let Some(title) = patch.title {
        w.title = title;
    }
    if let Some(tags) = patch.tags {
        w.tags = tags;
    }
    if let Some(source) = patch.source {
        w.source = source;
    }
    if let Some(metadata) = patch.metadata {
        w.metadata = metadata;
    }
    w.updated_at = now;
    content_changed
}

/// Groups a user's evidence by skill: count, first and last seen; most evidenced first.
pub(crate) fn summarize_user_skills<'a>(
    evidence: impl IntoIterator<Item = &'a SkillEvidence>,
    skill: impl Fn(SkillId) -> Option<Skill>,
) -> Vec<UserSkill> {
    let mut by_skill: BTreeMap<SkillId, UserSkill> = BTreeMap::new();
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
    out.sort_by(|a, b| {
        b.evidence_count
            .cmp(&a.evidence_count)
            .then_with(|| a.skill.name.cmp(&b.skill.name))
    });
    out
}

/// The content type stored when a put names none.
pub(crate) const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Metadata of bytes about to be stored.
pub(crate) fn artifact_meta(
    key: &ArtifactKey,
    bytes: &[u8],
    content_type: Option<&str>,
    now: DateTime<Utc>,
) -> ArtifactMeta {
    ArtifactMeta {
        key: key.clone(),
        size: bytes.len() as u64,
        content_type: content_type.unwrap_or(DEFAULT_CONTENT_TYPE).to_owned(),
        sha256: sha256_hex(bytes),
        last_modified: now,
    }
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
