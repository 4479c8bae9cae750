//! Tailoring to a job description: the description is read as a posting (the
//! taxonomy's skills, then the knowledge it asks for that no worklog evidences as a
//! skill, such as "computer science" or "financial services"); the skills are split
//! into those the person has evidence for and those they do not, and the evidenced
//! ones lead the resume variant. Nothing is added: a skill without evidence stays
//! "missing", and the other knowledge asked for is listed as `also_asked` for the
//! person to weigh.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde_json::{Value, json};

use super::super::AgentServices;
use super::super::text::shorten;
use crate::domain::UserId;
use crate::taxonomy::PostingReader;
use crate::{Error, Result};

/// The longest job description accepted, in characters.
pub const MAX_JOB_DESCRIPTION_CHARS: usize = 20_000;

/// At most this many `also_asked` terms are kept: a long posting's tail is noise.
const MAX_ALSO_ASKED: usize = 30;

static POSTING_READER: LazyLock<PostingReader> = LazyLock::new(PostingReader::builtin);

/// What a job description asks for, against a person's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Tailoring {
    /// Skills both asked for and evidenced, in the description's order.
    pub focus: Vec<String>,
    /// `{skill, evidence_count, worklog_ids}` per evidenced skill.
    pub matched: Vec<Value>,
    /// Skills asked for without evidence.
    pub missing: Vec<String>,
    /// Other knowledge asked for, as written, that the taxonomy does not track
    /// ("cloud", "computer science", "JTA").
    pub also_asked: Vec<String>,
    /// What the variant records about the description.
    pub tailored_for: Value,
}

/// Checks a job description before anything is enqueued.
pub fn check_job_description(text: &str) -> Result<()> {
    crate::domain::storable::check_text("job_description", text)?;
    if text.trim().is_empty() {
        return Err(Error::invalid_input("job_description: must not be blank"));
    }
    if text.chars().count() > MAX_JOB_DESCRIPTION_CHARS {
        return Err(Error::invalid_input(format!(
            "job_description: must be at most {MAX_JOB_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(())
}

/// Reads the description's skills and splits them by the user's evidence.
pub async fn tailoring(
    services: &AgentServices,
    user_id: UserId,
    job_description: &str,
) -> Result<Tailoring> {
    check_job_description(job_description)?;
    let compiled = services.taxonomy.current();
    let mut asked: Vec<(String, String)> = Vec::new();
    let mut also_asked = Vec::new();
    let mut seen = HashSet::new();
    for m in POSTING_READER.read(&compiled.matcher, job_description) {
        match m.skill {
            Some((slug, name, _)) => {
                if seen.insert(slug.clone()) {
                    asked.push((slug, name));
                }
            }
            None => {
                if also_asked.len() < MAX_ALSO_ASKED && seen.insert(m.excerpt.to_lowercase()) {
                    also_asked.push(m.excerpt);
                }
            }
        }
    }
    let evidenced = services.domain.list_user_skills(user_id).await?;
    let mut focus = Vec::new();
    let mut matched = Vec::new();
    let mut missing = Vec::new();
    for (slug, name) in asked {
        match evidenced.iter().find(|s| s.skill.slug == slug) {
            Some(s) => {
                let mut ids: Vec<i64> = services
                    .domain
                    .list_evidence(user_id, s.skill.id)
                    .await?
                    .into_iter()
                    .map(|e| e.worklog_id)
                    .collect();
                ids.dedup();
                ids.truncate(20);
                focus.push(s.skill.name.clone());
                matched.push(json!({
                    "skill": s.skill.name,
                    "skill_id": s.skill.id,
                    "evidence_count": s.evidence_count,
                    "worklog_ids": ids,
                }));
            }
            None => missing.push(name),
        }
    }
    let tailored_for = json!({
        "job_description": shorten(job_description, 300),
        "matched": focus,
        "missing": missing,
        "also_asked": also_asked,
    });
    Ok(Tailoring {
        focus,
        matched,
        missing,
        also_asked,
        tailored_for,
    })
}
