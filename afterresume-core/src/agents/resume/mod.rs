//! ResumeAgent: a JSON Resume 1.0.0 document built only from evidence and what
//! the person says about themselves — their profile, positions and education,
//! skills that have evidence, and bullets written from their worklogs — with the
//! evidence ids in `x-afterresume` fields, rendered to Markdown, HTML (two
//! themes) and plain text.

mod bullets;
mod json_resume;
mod polish;
mod render;
mod tailor;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::{
    AgentServices, STRENGTH_HALF_LIFE_DAYS, WorklogAnalysis, WriterSource, Written, all_worklogs,
    analysis_or_local,
};
use crate::Result;
use crate::domain::{
    NewResume, Position, ProfileDocument, SkillCategory, User, UserId, WorkLog, WorkLogFilter,
    WorkLogId,
};
use bullets::{ProjectBullets, bullets_by_position, project_name, rank};
pub use json_resume::validate_json_resume;
pub use render::{
    RESUME_THEMES, ResumeRenders, render_resume, render_resume_html, render_resume_text,
};
pub use tailor::{MAX_JOB_DESCRIPTION_CHARS, Tailoring, check_job_description, tailoring};

/// The schema the documents follow.
pub const JSON_RESUME_SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json";

/// Bullets under a position.
const HIGHLIGHTS_PER_POSITION: usize = 5;
/// Bullets under a project.
const HIGHLIGHTS_PER_PROJECT: usize = 3;
/// Projects on a resume.
const MAX_PROJECTS: usize = 6;
/// Worklogs a resume looks back over.
const MAX_WORKLOGS: usize = 5000;
/// Evidence ids kept per skill.
const EVIDENCE_PER_SKILL: usize = 10;
/// Skills named in a generated headline.
const HEADLINE_SKILLS: usize = 5;

/// A skill with what ranks it.
struct RankedSkill {
    name: String,
    /// Its place among the skills a job description asks for.
    focus: Option<usize>,
    pinned: bool,
    order: Option<i32>,
    strength: f64,
    last_seen: NaiveDate,
    worklog_ids: Vec<WorkLogId>,
}

/// Builds resumes.
#[derive(Debug)]
pub struct ResumeAgent<'a> {
    services: &'a AgentServices,
}

impl<'a> ResumeAgent<'a> {
    /// An agent over the services.
    pub fn new(services: &'a AgentServices) -> Self {
        ResumeAgent { services }
    }

    /// The next resume of a user, validated and rendered, ready to store, and
    /// how its bullets were written.
    pub async fn build(&self, user_id: UserId, now: DateTime<Utc>) -> Result<GeneratedResume> {
        self.build_for(user_id, now, None).await
    }

    /// A variant for a job description: the evidenced skills it asks for lead
    /// the skills, the headline and the bullets; the document records it in
    /// `meta.x-afterresume.tailored_for`.
    pub async fn build_tailored(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
        tailoring: &Tailoring,
    ) -> Result<GeneratedResume> {
        self.build_for(user_id, now, Some(tailoring)).await
    }

    async fn build_for(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
        tailoring: Option<&Tailoring>,
    ) -> Result<GeneratedResume> {
        let focus: &[String] = tailoring.map_or(&[], |t| &t.focus);
        let domain = &self.services.domain;
        let user = domain.get_user(user_id).await?;
        let profile = domain.get_profile(user_id).await?.document;
        let mut skill_groups = self.skills(user_id, now.date_naive(), &profile).await?;
        for entries in skill_groups.values_mut() {
            for s in entries.iter_mut() {
                s.focus = focus.iter().position(|f| *f == s.name);
            }
            entries.sort_by(|a, b| skill_rank(&a, &b));
        }
        let mut headline: Vec<&RankedSkill> = skill_groups.values().flatten().collect();
        headline.sort_by(skill_rank);
        let headline: Vec<&str> = headline
            .iter()
            .take(HEADLINE_SKILLS)
            .map(|s| s.name.as_str())
            .collect();
        let skills: Vec<Value> = skill_groups
            .iter()
            .map(|(category, entries)| {
                let evidence: Map<String, Value> = entries
                    .iter()
                    .map(|s| (s.name.clone(), json!(s.worklog_ids)))
                    .collect();
                json!({
                    "name": category_heading(*category),
                    "keywords": entries.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
                    "x-afterresume": {"evidence": evidence},
                })
            })
            .collect();
        let (work, projects, worklogs) = self.experience(user_id, &profile, focus).await?;
        let mut document = json!({
            "$schema": JSON_RESUME_SCHEMA_URL,
            "basics": basics(&user, &profile, &headline),
            "work": work,
            "projects": projects,
            "education": education(&profile),
            "skills": skills,
            "meta": {
                "lastModified": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "x-afterresume": {
                    "generator": super::LOCAL_EXTRACTOR,
                    "taxonomy_version": self.services.taxonomy.current().taxonomy.version(),
                },
            },
        });
        if let Some(t) = tailoring {
            document["meta"]["x-afterresume"]["tailored_for"] = t.tailored_for.clone();
        }
        let written = self.write_bullets(&mut document, &profile, &worklogs).await;
        document["meta"]["x-afterresume"]["writer"] = json!(written.writer);
        for section in ["work", "projects", "education"] {
            if document[section].as_array().is_some_and(Vec::is_empty) {
                document.as_object_mut().expect("an object").remove(section);
            }
        }
        validate_json_resume(&document)?;
        let renders = render_resume(&document)?;
        let resume = NewResume {
            user_id,
            document,
            markdown: renders.markdown,
            html: renders.html,
        };
        Ok(GeneratedResume { resume, written })
    }

    /// With a model configured, the bullets the person did not word themselves,
    /// rewritten in place and held to the worklogs each cites.
    async fn write_bullets(
        &self,
        document: &mut Value,
        profile: &ProfileDocument,
        worklogs: &[(WorkLog, WorklogAnalysis)],
    ) -> Written {
        let (draft, places) = polish::draft(document, &profile.curation);
        let Some(writer) = &self.services.writer else {
            return Written::builtin(draft);
        };
        let cited: BTreeSet<WorkLogId> = draft
            .iter()
            .flat_map(|s| &s.items)
            .flat_map(|i| i.worklog_ids.iter().copied())
            .collect();
        let sources: Vec<WriterSource> = worklogs
            .iter()
            .filter(|(w, _)| cited.contains(&w.id))
            .map(|(w, analysis)| WriterSource {
                id: w.id,
                date: w.date,
                tags: w.tags.clone(),
                content: w.content.clone(),
                skills: analysis.skills.iter().map(|s| s.slug.clone()).collect(),
            })
            .collect();
        let compiled = self.services.taxonomy.current();
        let written = writer
            .rewrite_each("resume bullets", &sources, draft, &compiled)
            .await;
        polish::apply(document, &written.sections, &places);
        written
    }

    /// Skills with evidence by category, strongest first within each.
    async fn skills(
        &self,
        user_id: UserId,
        today: NaiveDate,
        profile: &ProfileDocument,
    ) -> Result<BTreeMap<SkillCategory, Vec<RankedSkill>>> {
        let domain = &self.services.domain;
        let mut groups: BTreeMap<SkillCategory, Vec<RankedSkill>> = BTreeMap::new();
        for s in domain.list_user_skills(user_id).await? {
            let choice = profile.curation.skill(s.skill.id);
            if choice.hidden {
                continue;
            }
            let evidence = domain.list_evidence(user_id, s.skill.id).await?;
            let strength: f64 = evidence
                .iter()
                .map(|e| {
                    let age = (today - e.worklog_date).num_days().max(0) as f64;
                    e.confidence * 0.5f64.powf(age / STRENGTH_HALF_LIFE_DAYS)
                })
                .sum();
            let mut ids: Vec<WorkLogId> = evidence.iter().map(|e| e.worklog_id).collect();
            ids.dedup();
            ids.truncate(EVIDENCE_PER_SKILL);
            if ids.is_empty() {
                continue;
            }
            groups
                .entry(s.skill.category)
                .or_default()
                .push(RankedSkill {
                    name: s.skill.name,
                    focus: None,
                    pinned: choice.pinned,
                    order: choice.order,
                    strength,
                    last_seen: s.last_seen,
                    worklog_ids: ids,
                });
        }
        for entries in groups.values_mut() {
            entries.sort_by(|a, b| skill_rank(&a, &b));
        }
        Ok(groups)
    }

    /// Work entries (one per position, its best bullets) and projects (tags
    /// inside a position, or on their own), each bullet citing its worklogs.
    async fn experience(
        &self,
        user_id: UserId,
        profile: &ProfileDocument,
        focus: &[String],
    ) -> Result<(Vec<Value>, Vec<Value>, Vec<(WorkLog, WorklogAnalysis)>)> {
        let compiled = self.services.taxonomy.current();
        let filter = WorkLogFilter {
            user_id: Some(user_id),
            limit: 1000,
            ..Default::default()
        };
        let worklogs: Vec<_> = all_worklogs(&self.services.domain, filter, MAX_WORKLOGS)
            .await?
            .into_iter()
            .map(|w| {
                let analysis = analysis_or_local(&w, &compiled);
                (w, analysis)
            })
            .collect();
        let mut by_position = bullets_by_position(&worklogs, profile, focus);
        let mut work = Vec::new();
        let mut projects = Vec::new();
        for position in &profile.positions {
            let mut groups = by_position.remove(&Some(position.id)).unwrap_or_default();
            work.push(position_entry(position, &mut groups));
            projects.extend(
                groups
                    .iter()
                    .filter(|g| g.tag.is_some() && !g.bullets.is_empty())
                    .map(|g| project_entry(g, Some(&position.company))),
            );
        }
        if let Some(groups) = by_position.remove(&None) {
            projects.extend(
                groups
                    .iter()
                    .filter(|g| !g.bullets.is_empty())
                    .map(|g| project_entry(g, None)),
            );
        }
        projects.truncate(MAX_PROJECTS);
        Ok((work, projects, worklogs))
    }
}

/// A resume and how its bullets were written.
#[derive(Debug, Clone)]
pub struct GeneratedResume {
    /// Ready to store.
    pub resume: NewResume,
    /// Which writer's bullets it holds, and what a model's rejected answers got
    /// wrong.
    pub written: Written,
}

/// Pinned first, then what a job description asks for, then the person's order, then the strongest evidence (recent,
/// confident), then the most recent.
fn skill_rank(a: &&RankedSkill, b: &&RankedSkill) -> std::cmp::Ordering {
    b.pinned
        .cmp(&a.pinned)
        .then(
            a.focus
                .unwrap_or(usize::MAX)
                .cmp(&b.focus.unwrap_or(usize::MAX)),
        )
        .then(
            a.order
                .unwrap_or(i32::MAX)
                .cmp(&b.order.unwrap_or(i32::MAX)),
        )
        .then(b.strength.total_cmp(&a.strength))
        .then(b.last_seen.cmp(&a.last_seen))
        .then(a.name.cmp(&b.name))
}

/// A position with its best bullets across its projects; the bullets used are
/// taken out of the projects so nothing is said twice.
fn position_entry(position: &Position, groups: &mut [ProjectBullets]) -> Value {
    let mut all: Vec<(usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, p)| (0..p.bullets.len()).map(move |b| (g, b)))
        .collect();
    all.sort_by(|a, b| rank(&groups[a.0].bullets[a.1], &groups[b.0].bullets[b.1]));
    // Every pinned bullet stays, even past the usual number.
    let pinned = all
        .iter()
        .filter(|(g, b)| groups[*g].bullets[*b].pinned)
        .count();
    all.truncate(HIGHLIGHTS_PER_POSITION.max(pinned));
    let mut highlights = Vec::new();
    let mut evidence = Vec::new();
    for (i, &(g, b)) in all.iter().enumerate() {
        let bullet = &groups[g].bullets[b];
        highlights.push(bullet.text.clone());
        evidence.push(
            json!({"highlight": i, "id": bullet.id.to_string(), "worklog_ids": bullet.worklog_ids}),
        );
    }
    let mut used = all;
    used.sort_unstable_by(|a, b| b.cmp(a));
    for (g, b) in used {
        groups[g].bullets.remove(b);
    }
    let mut entry = json!({
        "name": position.company,
        "position": position.title,
        "startDate": position.start_date.format("%Y-%m-%d").to_string(),
        "highlights": highlights,
        "x-afterresume": {"position_id": position.id, "evidence": evidence},
    });
    if let Some(end) = position.end_date {
        entry["endDate"] = json!(end.format("%Y-%m-%d").to_string());
    }
    for (key, value) in [
        ("location", &position.location),
        ("summary", &position.summary),
        ("url", &position.url),
    ] {
        if !value.is_empty() {
            entry[key] = json!(value);
        }
    }
    entry
}

fn project_entry(group: &ProjectBullets, company: Option<&str>) -> Value {
    let pinned = group.bullets.iter().filter(|b| b.pinned).count();
    let bullets = &group.bullets[..group.bullets.len().min(HIGHLIGHTS_PER_PROJECT.max(pinned))];
    let mut keywords: Vec<String> = Vec::new();
    for s in bullets.iter().flat_map(|b| &b.skills) {
        if !keywords.contains(s) && keywords.len() < 8 {
            keywords.push(s.clone());
        }
    }
    let name = group
        .tag
        .as_deref()
        .map_or_else(|| "Other work".to_owned(), project_name);
    let mut entry = json!({
        "name": name,
        "highlights": bullets.iter().map(|b| b.text.clone()).collect::<Vec<_>>(),
        "keywords": keywords,
        "x-afterresume": {
            "evidence": bullets.iter().enumerate().map(|(i, b)| json!({"highlight": i, "id": b.id.to_string(), "worklog_ids": b.worklog_ids})).collect::<Vec<_>>(),
        },
    });
    if let Some((start, end)) = group.dates {
        entry["startDate"] = json!(start.format("%Y-%m").to_string());
        entry["endDate"] = json!(end.format("%Y-%m").to_string());
    }
    if let Some(company) = company {
        entry["entity"] = json!(company);
    }
    entry
}

/// The header: the profile where filled in, the account otherwise; a summary
/// written from the strongest skills when the person wrote none.
fn basics(user: &User, profile: &ProfileDocument, headline: &[&str]) -> Value {
    let p = &profile.profile;
    let or = |own: &str, fallback: &str| {
        if own.trim().is_empty() {
            fallback.trim().to_owned()
        } else {
            own.trim().to_owned()
        }
    };
    let name = or(&p.name, &or(&user.full_name, &user.username));
    let mut basics = json!({"name": name});
    // JSON Resume requires a valid address when the field is present.
    let email = or(&p.email, &user.email);
    for (key, value) in [
        ("label", p.label.trim()),
        ("email", email.as_str()),
        ("phone", p.phone.trim()),
        ("url", p.url.trim()),
    ] {
        if !value.is_empty() {
            basics[key] = json!(value);
        }
    }
    if !p.summary.trim().is_empty() {
        basics["summary"] = json!(p.summary.trim());
    } else if !headline.is_empty() {
        basics["summary"] = json!(format!("Most evidenced skills: {}.", headline.join(", ")));
    }
    let loc = &p.location;
    if !(loc.city.is_empty() && loc.region.is_empty() && loc.country_code.is_empty()) {
        let mut location = json!({});
        for (key, value) in [
            ("city", &loc.city),
            ("region", &loc.region),
            ("countryCode", &loc.country_code),
        ] {
            if !value.is_empty() {
                location[key] = json!(value);
            }
        }
        basics["location"] = location;
    }
    if !p.profiles.is_empty() {
        basics["profiles"] = p
            .profiles
            .iter()
            .map(|s| {
                let mut v = json!({"network": s.network});
                if !s.username.is_empty() {
                    v["username"] = json!(s.username);
                }
                if !s.url.is_empty() {
                    v["url"] = json!(s.url);
                }
                v
            })
            .collect();
    }
    basics
}

fn education(profile: &ProfileDocument) -> Vec<Value> {
    profile
        .education
        .iter()
        .map(|e| {
            let mut v = json!({"institution": e.institution});
            for (key, value) in [
                ("area", &e.area),
                ("studyType", &e.study_type),
                ("score", &e.score),
                ("url", &e.url),
            ] {
                if !value.is_empty() {
                    v[key] = json!(value);
                }
            }
            for (key, date) in [("startDate", e.start_date), ("endDate", e.end_date)] {
                if let Some(d) = date {
                    v[key] = json!(d.format("%Y-%m-%d").to_string());
                }
            }
            v
        })
        .collect()
}

fn category_heading(category: SkillCategory) -> &'static str {
    category.heading()
}
