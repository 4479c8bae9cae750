//! Resume bullets: the actions of work entries (verb first, past tense, with
//! their results), near-duplicates merged, grouped by position and project and
//! ranked by what they show.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::super::writing::{StatementKind, is_work, merge_items, statements};
use super::super::{WorkCategory, WorklogAnalysis};
use crate::domain::{HighlightId, PositionId, ProfileDocument, WorkLog, WorkLogId};

/// One resume bullet and the worklogs behind it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bullet {
    /// Its stable id (the worklog and statement it was written from).
    pub(crate) id: HighlightId,
    /// The sentence (the person's own words when they changed it).
    pub(crate) text: String,
    /// Pinned by the person: always kept, first.
    pub(crate) pinned: bool,
    /// The person's order (lower first).
    pub(crate) order: Option<i32>,
    /// Worklogs that say it.
    pub(crate) worklog_ids: Vec<WorkLogId>,
    /// Ranking: measured results first, then impact, references and skills.
    pub(crate) score: f64,
    /// The latest day it was logged.
    pub(crate) date: NaiveDate,
    /// Skills its worklogs name.
    pub(crate) skills: Vec<String>,
}

/// Bullets of one project inside a position (or of no position).
#[derive(Debug, Clone, Default)]
pub(crate) struct ProjectBullets {
    /// The project (a tag as written), or `None` for untagged work.
    pub(crate) tag: Option<String>,
    /// Its bullets, best first.
    pub(crate) bullets: Vec<Bullet>,
    /// First and last day of its work.
    pub(crate) dates: Option<(NaiveDate, NaiveDate)>,
}

/// Kinds of work that do not belong on a resume as a bullet.
const NOT_A_BULLET: &[WorkCategory] = &[WorkCategory::Meeting];

/// Bullets by position (`None`: outside every position) and project.
pub(crate) fn bullets_by_position(
    worklogs: &[(WorkLog, WorklogAnalysis)],
    profile: &ProfileDocument,
    focus: &[String],
) -> BTreeMap<Option<PositionId>, Vec<ProjectBullets>> {
    let mut raw: BTreeMap<(Option<PositionId>, Option<String>), Vec<Bullet>> = BTreeMap::new();
    for (w, analysis) in worklogs {
        if !is_work(&w.content, analysis) {
            continue;
        }
        let position = profile.position_of(w).map(|p| p.id);
        let project = w.tags.first().cloned();
        let skills: Vec<String> = analysis.skills.iter().map(|s| s.skill.clone()).collect();
        for (i, s) in statements(&w.content).into_iter().enumerate() {
            if s.kind != StatementKind::Action || NOT_A_BULLET.contains(&s.category) {
                continue;
            }
            let id = HighlightId {
                worklog_id: w.id,
                statement: i,
            };
            let choice = profile.curation.highlight(&id);
            if choice.hidden {
                continue;
            }
            // A bullet naming what a job description asks for leads (tailoring).
            let asked = skills.iter().filter(|s| focus.contains(s)).count();
            let score = if s.has_metric { 3.0 } else { 0.0 }
                + analysis.impact_score()
                + 10.0 * asked as f64;
            raw.entry((position, project.clone()))
                .or_default()
                .push(Bullet {
                    id,
                    text: choice.text.unwrap_or(s.text),
                    pinned: choice.pinned,
                    order: choice.order,
                    worklog_ids: vec![w.id],
                    score,
                    date: w.date,
                    skills: skills.clone(),
                });
        }
    }
    let mut out: BTreeMap<Option<PositionId>, Vec<ProjectBullets>> = BTreeMap::new();
    for ((position, tag), bullets) in raw {
        let mut bullets = merge_items(bullets, |b| b.text.as_str(), absorb);
        let dates =
            bullets
                .iter()
                .map(|b| b.date)
                .fold(None, |acc: Option<(NaiveDate, NaiveDate)>, d| {
                    Some(acc.map_or((d, d), |(a, b)| (a.min(d), b.max(d))))
                });
        bullets.sort_by(rank);
        out.entry(position).or_default().push(ProjectBullets {
            tag,
            bullets,
            dates,
        });
    }
    for projects in out.values_mut() {
        // Tagged projects by their best bullet; untagged work last.
        projects.sort_by(|a, b| {
            a.tag
                .is_none()
                .cmp(&b.tag.is_none())
                .then(best(b).total_cmp(&best(a)))
                .then(a.tag.cmp(&b.tag))
        });
    }
    out
}

fn best(p: &ProjectBullets) -> f64 {
    p.bullets
        .first()
        .map_or(0.0, |b| b.score + if b.pinned { 1000.0 } else { 0.0 })
}

/// The order of bullets: pinned first, then the person's order, then what they
/// show (results, impact), then the most recent.
pub(crate) fn rank(a: &Bullet, b: &Bullet) -> std::cmp::Ordering {
    b.pinned
        .cmp(&a.pinned)
        .then(
            a.order
                .unwrap_or(i32::MAX)
                .cmp(&b.order.unwrap_or(i32::MAX)),
        )
        .then(b.score.total_cmp(&a.score))
        .then(b.date.cmp(&a.date))
        .then(a.text.cmp(&b.text))
}

/// Folds a near-duplicate into the bullet kept: the longer text, every worklog.
fn absorb(kept: &mut Bullet, other: Bullet) {
    // The person's words and choices stay with the bullet they were made on.
    if other.text.len() > kept.text.len() && !kept.pinned && kept.order.is_none() {
        kept.text = other.text;
    }
    kept.pinned |= other.pinned;
    kept.score = kept.score.max(other.score);
    kept.date = kept.date.max(other.date);
    for id in other.worklog_ids {
        if !kept.worklog_ids.contains(&id) {
            kept.worklog_ids.push(id);
        }
    }
    for s in other.skills {
        if !kept.skills.contains(&s) {
            kept.skills.push(s);
        }
    }
}

/// A tag as a project name: "billing-api" → "Billing API"; a tag with capitals
/// is kept as written.
pub(crate) fn project_name(tag: &str) -> String {
    const ACRONYMS: &[&str] = &[
        "api", "ui", "ux", "ci", "cd", "sdk", "db", "ml", "ai", "aws", "gcp", "ios", "qa", "sre",
        "etl", "cli", "seo", "llm",
    ];
    if tag.chars().any(char::is_uppercase) {
        return tag.to_owned();
    }
    tag.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            if ACRONYMS.contains(&w) {
                w.to_uppercase()
            } else {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_as_project_names() {
        assert_eq!(project_name("search"), "Search");
        assert_eq!(project_name("billing-api"), "Billing API");
        assert_eq!(project_name("iOS app"), "iOS app");
    }
}
