//! ResumeAgent: a JSON Resume 1.0.0 document built only from evidence — the user's
//! profile, skills that have evidence, and verbatim results from their top-impact
//! worklogs — with the evidence ids in `x-afterresume` fields, rendered to Markdown
//! and HTML.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::{AgentServices, WorklogAnalysis, all_worklogs, analysis_or_local};
use crate::domain::{NewResume, SkillCategory, UserId, WorkLog, WorkLogFilter, WorkLogId};
use crate::{Error, Result};

/// The schema the documents follow.
pub const JSON_RESUME_SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json";

const MARKDOWN: &str = include_str!("templates/resume.md.j2");
const HTML: &str = include_str!("templates/resume.html.j2");

/// Highlights per work entry.
const HIGHLIGHTS_PER_PROJECT: usize = 5;
/// Work entries (projects) on a resume.
const MAX_PROJECTS: usize = 6;
/// Worklogs a resume looks back over.
const MAX_WORKLOGS: usize = 5000;
/// Evidence ids kept per skill.
const EVIDENCE_PER_SKILL: usize = 10;

/// A worklog with its analysis.
type Analyzed = (WorkLog, WorklogAnalysis);

/// The two renders of a resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeRenders {
    /// Markdown.
    pub markdown: String,
    /// HTML (every value escaped).
    pub html: String,
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

    /// The next resume of a user, validated and rendered, ready to store.
    pub async fn build(&self, user_id: UserId, now: DateTime<Utc>) -> Result<NewResume> {
        let domain = &self.services.domain;
        let user = domain.get_user(user_id).await?;
        let mut skill_groups: BTreeMap<SkillCategory, Vec<(String, u64, Vec<WorkLogId>)>> =
            BTreeMap::new();
        for s in domain.list_user_skills(user_id).await? {
            let mut ids: Vec<WorkLogId> = domain
                .list_evidence(user_id, s.skill.id)
                .await?
                .into_iter()
                .map(|e| e.worklog_id)
                .collect();
            ids.dedup();
            ids.truncate(EVIDENCE_PER_SKILL);
            if ids.is_empty() {
                continue;
            }
            skill_groups.entry(s.skill.category).or_default().push((
                s.skill.name,
                s.evidence_count,
                ids,
            ));
        }
        let mut skills = Vec::new();
        let mut top_skills: Vec<(String, u64)> = Vec::new();
        for (category, mut entries) in skill_groups {
            entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top_skills.extend(entries.iter().map(|(n, c, _)| (n.clone(), *c)));
            let evidence: Map<String, Value> = entries
                .iter()
                .map(|(n, _, ids)| (n.clone(), json!(ids)))
                .collect();
            skills.push(json!({
                "name": category_heading(category),
                "keywords": entries.iter().map(|(n, _, _)| n.clone()).collect::<Vec<_>>(),
                "x-afterresume": {"evidence": evidence},
            }));
        }
        top_skills.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let work = self.work_entries(user_id).await?;
        let name = if user.full_name.trim().is_empty() {
            user.username.clone()
        } else {
            user.full_name.clone()
        };
        let mut basics = json!({"name": name});
        // JSON Resume requires a valid address when the field is present; an
        // account without one simply has none on its resume.
        if !user.email.trim().is_empty() {
            basics["email"] = json!(user.email);
        }
        if !top_skills.is_empty() {
            let names: Vec<&str> = top_skills.iter().take(5).map(|(n, _)| n.as_str()).collect();
            basics["summary"] = json!(format!("Most evidenced skills: {}.", names.join(", ")));
        }
        let document = json!({
            "$schema": JSON_RESUME_SCHEMA_URL,
            "basics": basics,
            "work": work,
            "skills": skills,
            "meta": {
                "lastModified": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "x-afterresume": {
                    "generator": super::LOCAL_EXTRACTOR,
                    "taxonomy_version": self.services.taxonomy.current().taxonomy.version(),
                },
            },
        });
        validate_json_resume(&document)?;
        let renders = render_resume(&document)?;
        Ok(NewResume {
            user_id,
            document,
            markdown: renders.markdown,
            html: renders.html,
        })
    }

    /// One work entry per project (a worklog's first tag), with the verbatim
    /// result of its highest-impact worklogs as highlights.
    async fn work_entries(&self, user_id: UserId) -> Result<Vec<Value>> {
        let compiled = self.services.taxonomy.current();
        let filter = WorkLogFilter {
            user_id: Some(user_id),
            limit: 1000,
            ..Default::default()
        };
        let mut by_project: BTreeMap<String, Vec<Analyzed>> = BTreeMap::new();
        for w in all_worklogs(&self.services.domain, filter, MAX_WORKLOGS).await? {
            let analysis = analysis_or_local(&w, &compiled);
            let project = w
                .tags
                .first()
                .cloned()
                .unwrap_or_else(|| "Other work".to_owned());
            by_project.entry(project).or_default().push((w, analysis));
        }
        let mut projects: Vec<(String, Vec<Analyzed>, f64)> = by_project
            .into_iter()
            .map(|(name, entries)| {
                let score = entries.iter().map(|(_, a)| a.impact_score()).sum();
                (name, entries, score)
            })
            .collect();
        projects.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        let mut work = Vec::new();
        for (name, mut entries, _) in projects.into_iter().take(MAX_PROJECTS) {
            let start: NaiveDate = entries
                .iter()
                .map(|(w, _)| w.date)
                .min()
                .expect("non-empty group");
            let end: NaiveDate = entries
                .iter()
                .map(|(w, _)| w.date)
                .max()
                .expect("non-empty group");
            entries.sort_by(|a, b| {
                b.1.impact_score()
                    .total_cmp(&a.1.impact_score())
                    .then(b.0.date.cmp(&a.0.date))
            });
            let mut highlights = Vec::new();
            let mut evidence = Vec::new();
            for (w, a) in entries.iter().take(HIGHLIGHTS_PER_PROJECT) {
                let text = a
                    .impact
                    .first()
                    .map(|s| s.text.clone())
                    .unwrap_or_else(|| a.summary.clone());
                if highlights.contains(&text) {
                    continue;
                }
                evidence.push(json!({"highlight": highlights.len(), "worklog_ids": [w.id]}));
                highlights.push(text);
            }
            work.push(json!({
                "name": name,
                "startDate": start.format("%Y-%m-%d").to_string(),
                "endDate": end.format("%Y-%m-%d").to_string(),
                "highlights": highlights,
                "x-afterresume": {"evidence": evidence, "worklog_count": entries.len()},
            }));
        }
        Ok(work)
    }
}

fn category_heading(category: SkillCategory) -> &'static str {
    match category {
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

/// Renders a JSON Resume document to Markdown and HTML.
pub fn render_resume(document: &Value) -> Result<ResumeRenders> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    let template_error = |e: minijinja::Error| Error::unexpected(format!("resume template: {e}"));
    env.add_template("resume.md", MARKDOWN)
        .map_err(template_error)?;
    env.add_template("resume.html", HTML)
        .map_err(template_error)?;
    let markdown = env
        .get_template("resume.md")
        .and_then(|t| t.render(document))
        .map_err(template_error)?;
    let html = env
        .get_template("resume.html")
        .and_then(|t| t.render(document))
        .map_err(template_error)?;
    Ok(ResumeRenders { markdown, html })
}

/// Checks a document against the JSON Resume 1.0.0 schema's rules for the parts
/// AfterResume writes: known top-level keys only (the schema forbids others),
/// strings where strings belong, ISO 8601 dates, arrays of strings for highlights
/// and keywords, an e-mail with an `@`.
pub fn validate_json_resume(document: &Value) -> Result<()> {
    const TOP: &[&str] = &[
        "$schema",
        "basics",
        "work",
        "volunteer",
        "education",
        "awards",
        "certificates",
        "publications",
        "skills",
        "languages",
        "interests",
        "references",
        "projects",
        "meta",
    ];
    let fail =
        |path: &str, what: &str| Err(Error::invalid_input(format!("JSON Resume {path}: {what}")));
    let Some(root) = document.as_object() else {
        return fail("document", "must be an object");
    };
    if let Some(key) = root.keys().find(|k| !TOP.contains(&k.as_str())) {
        return fail(key, "is not a JSON Resume property");
    }
    let strings = |obj: &Map<String, Value>, path: &str, keys: &[&str]| -> Result<()> {
        for key in keys {
            if let Some(v) = obj.get(*key)
                && !v.is_string()
            {
                return fail(&format!("{path}.{key}"), "must be a string");
            }
        }
        Ok(())
    };
    let string_array = |v: Option<&Value>, path: &str| -> Result<()> {
        match v {
            None => Ok(()),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
            Some(_) => fail(path, "must be an array of strings"),
        }
    };
    let date = |v: Option<&Value>, path: &str| -> Result<()> {
        match v.and_then(Value::as_str) {
            None => Ok(()),
            Some(s) if is_iso8601(s) => Ok(()),
            Some(s) => fail(
                path,
                &format!("'{s}' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)"),
            ),
        }
    };
    if let Some(basics) = root.get("basics") {
        let Some(basics) = basics.as_object() else {
            return fail("basics", "must be an object");
        };
        strings(
            basics,
            "basics",
            &["name", "label", "image", "email", "phone", "url", "summary"],
        )?;
        if let Some(email) = basics.get("email").and_then(Value::as_str)
            && !email.contains('@')
        {
            return fail("basics.email", "must be an e-mail address");
        }
    }
    for (section, keys) in [
        (
            "work",
            &[
                "name",
                "location",
                "description",
                "position",
                "url",
                "summary",
            ][..],
        ),
        (
            "projects",
            &["name", "description", "url", "entity", "type"][..],
        ),
    ] {
        let Some(items) = root.get(section) else {
            continue;
        };
        let Some(items) = items.as_array() else {
            return fail(section, "must be an array");
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("{section}[{i}]");
            let Some(obj) = item.as_object() else {
                return fail(&path, "must be an object");
            };
            strings(obj, &path, keys)?;
            date(obj.get("startDate"), &format!("{path}.startDate"))?;
            date(obj.get("endDate"), &format!("{path}.endDate"))?;
            string_array(obj.get("highlights"), &format!("{path}.highlights"))?;
        }
    }
    if let Some(items) = root.get("skills") {
        let Some(items) = items.as_array() else {
            return fail("skills", "must be an array");
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("skills[{i}]");
            let Some(obj) = item.as_object() else {
                return fail(&path, "must be an object");
            };
            strings(obj, &path, &["name", "level"])?;
            string_array(obj.get("keywords"), &format!("{path}.keywords"))?;
        }
    }
    if let Some(meta) = root.get("meta") {
        let Some(meta) = meta.as_object() else {
            return fail("meta", "must be an object");
        };
        strings(meta, "meta", &["canonical", "version", "lastModified"])?;
    }
    Ok(())
}

/// The schema's `iso8601` pattern: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
fn is_iso8601(s: &str) -> bool {
    let b = s.as_bytes();
    let year = |i: usize| {
        b.len() >= i + 4
            && matches!(b[i], b'1' | b'2')
            && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
    };
    let two = |i: usize, first: &[u8]| first.contains(&b[i]) && b[i + 1].is_ascii_digit();
    match b.len() {
        4 => year(0),
        7 => year(0) && b[4] == b'-' && two(5, b"01"),
        10 => year(0) && b[4] == b'-' && two(5, b"01") && b[7] == b'-' && two(8, b"0123"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_follows_the_schema_rules() {
        let good = json!({"$schema": JSON_RESUME_SCHEMA_URL, "basics": {"name": "A", "email": "a@x.io"},
            "work": [{"name": "billing", "startDate": "2026-01-05", "endDate": "2026-11", "highlights": ["x"], "x-afterresume": {}}],
            "skills": [{"name": "Languages", "keywords": ["Rust"]}], "meta": {"lastModified": "2026-11-24T00:00:00Z"}});
        validate_json_resume(&good).unwrap();
        for (bad, needle) in [
            (json!({"x-afterresume": 1}), "not a JSON Resume property"),
            (json!({"basics": {"email": "nope"}}), "e-mail"),
            (json!({"work": [{"startDate": "26-01-01"}]}), "ISO 8601"),
            (json!({"work": [{"highlights": [1]}]}), "array of strings"),
            (
                json!({"skills": [{"keywords": "Rust"}]}),
                "array of strings",
            ),
        ] {
            let err = validate_json_resume(&bad).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn html_escapes_and_shows_every_keyword() {
        let doc = json!({"basics": {"name": "<script>x</script>", "email": "a@x.io"},
            "skills": [{"name": "Languages", "keywords": ["C++", "Rust"]}], "work": []});
        let r = render_resume(&doc).unwrap();
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("C++, Rust") && r.markdown.contains("C++, Rust"));
    }
}
