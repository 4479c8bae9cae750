//! *Skills*: by category, each with the sentences that prove it.

use std::collections::BTreeMap;

use afterresume_core::domain::SkillEvidence;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::render::page;
use super::session::WebUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Evidence sentences shown under a skill.
const EVIDENCE_PER_SKILL: usize = 3;
/// Skills whose evidence is shown (the most evidenced).
const SKILLS_WITH_EVIDENCE: usize = 60;

/// `GET /skills`.
pub(super) async fn skills(State(state): State<AppState>, web: WebUser) -> Response {
    let actor = web.actor();
    let listed = match state.app.list_skills(&actor, None).await {
        Ok(listed) => listed,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut groups: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    for (rank, skill) in listed.iter().enumerate() {
        let evidence = if rank < SKILLS_WITH_EVIDENCE {
            match state.app.skill_evidence(&actor, None, skill.id).await {
                Ok(rows) => rows,
                Err(e) => return ApiError::from(e).into_response(),
            }
        } else {
            Vec::new()
        };
        let mut evidence: Vec<&SkillEvidence> = evidence.iter().collect();
        evidence.sort_by_key(|e| std::cmp::Reverse(e.worklog_date));
        let shown: Vec<Value> = evidence
            .into_iter()
            .take(EVIDENCE_PER_SKILL)
            .map(marked_sentence)
            .collect();
        groups
            .entry(skill.category.heading())
            .or_default()
            .push(json!({
                "name": skill.name,
                "evidence_count": skill.evidence_count,
                "first_seen": skill.first_seen,
                "last_seen": skill.last_seen,
                "evidence": shown,
            }));
    }
    let mut context = web.context("skills");
    context["groups"] = groups
        .into_iter()
        .map(|(heading, skills)| json!({"heading": heading, "skills": skills}))
        .collect();
    page("skills.html", StatusCode::OK, &context)
}

/// The sentence around an excerpt, split where the excerpt starts and ends
/// (the excerpt alone when the sentence does not hold it).
fn marked_sentence(e: &SkillEvidence) -> Value {
    let chars: Vec<char> = e.sentence.chars().collect();
    let from = e.start.saturating_sub(e.sentence_start) as usize;
    let to = from + e.excerpt.chars().count();
    let holds = e.start >= e.sentence_start
        && to <= chars.len()
        && chars[from..to].iter().collect::<String>() == e.excerpt;
    let (before, after) = if holds {
        (
            chars[..from].iter().collect::<String>(),
            chars[to..].iter().collect::<String>(),
        )
    } else {
        (String::new(), String::new())
    };
    json!({"date": e.worklog_date, "before": before, "excerpt": e.excerpt, "after": after})
}
