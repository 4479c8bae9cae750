//! ReportAgent: standups, status reports and summaries, as Markdown and as
//! structured JSON in which every item lists the worklog ids it rests on.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde_json::{Value, json};

use super::{AgentServices, WorklogAnalysis, all_worklogs, analysis_or_local};
use crate::domain::{NewReport, ReportKind, UserId, WorkLog, WorkLogFilter, storable};
use crate::{Error, Result};

const TEMPLATE: &str = include_str!("templates/report.md.j2");

/// Longest period a report may cover.
pub const MAX_REPORT_DAYS: i64 = 3660;

/// What to report on.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    /// Whose worklogs.
    pub user_id: UserId,
    /// Which report.
    pub kind: ReportKind,
    /// First day; defaults per kind (standup: last working day; status: 6 days
    /// before `end`; summary: 29 days before `end`).
    pub start: Option<NaiveDate>,
    /// Last day; defaults to `today`.
    pub end: Option<NaiveDate>,
    /// The current date (from the engine's clock).
    pub today: NaiveDate,
}

impl ReportRequest {
    /// The period the report covers, defaults applied: checked here, so a host can
    /// refuse a bad period before it enqueues anything.
    pub fn period(&self) -> Result<(NaiveDate, NaiveDate)> {
        let end = self.end.unwrap_or(self.today);
        let start = self.start.unwrap_or_else(|| match self.kind {
            ReportKind::Standup => previous_working_day(end),
            ReportKind::Status => end - Days::new(6),
            ReportKind::Summary => end - Days::new(29),
        });
        check_period(start, end)?;
        Ok((start, end))
    }
}

/// Writes reports.
#[derive(Debug)]
pub struct ReportAgent<'a> {
    services: &'a AgentServices,
}

struct Entry {
    worklog: WorkLog,
    analysis: WorklogAnalysis,
}

impl<'a> ReportAgent<'a> {
    /// An agent over the services.
    pub fn new(services: &'a AgentServices) -> Self {
        ReportAgent { services }
    }

    /// The report, ready to store. Worklogs without a stored analysis are analyzed
    /// with the built-in agent on the fly (and not written back).
    pub async fn generate(&self, request: &ReportRequest) -> Result<NewReport> {
        let (start, end) = request.period()?;
        let entries = self.entries(request.user_id, start, end).await?;
        let data = match request.kind {
            ReportKind::Standup => standup(&entries, start, end),
            ReportKind::Status => status(&entries, start, end),
            ReportKind::Summary => {
                let first_seen: HashMap<String, NaiveDate> = self
                    .services
                    .domain
                    .list_user_skills(request.user_id)
                    .await?
                    .into_iter()
                    .map(|s| (s.skill.slug, s.first_seen))
                    .collect();
                summary(&entries, start, end, &first_seen)
            }
        };
        let content = render_markdown(&data)?;
        let report = NewReport {
            user_id: request.user_id,
            kind: request.kind,
            period_start: start,
            period_end: end,
            content,
            data,
        };
        report.validate()?;
        Ok(report)
    }

    async fn entries(
        &self,
        user_id: UserId,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<Entry>> {
        let compiled = self.services.taxonomy.current();
        let filter = WorkLogFilter {
            user_id: Some(user_id),
            date_from: Some(start),
            date_to: Some(end),
            limit: 500,
            ..Default::default()
        };
        let mut entries: Vec<Entry> = all_worklogs(&self.services.domain, filter, usize::MAX)
            .await?
            .into_iter()
            .map(|worklog| Entry {
                analysis: analysis_or_local(&worklog, &compiled),
                worklog,
            })
            .collect();
        // Oldest first reads naturally in a report.
        entries.sort_by_key(|e| (e.worklog.date, e.worklog.id));
        Ok(entries)
    }
}

/// Refuses a period that ends before it starts or is longer than [`MAX_REPORT_DAYS`].
pub(crate) fn check_period(start: NaiveDate, end: NaiveDate) -> Result<()> {
    storable::check_date("start", start)?;
    storable::check_date("end", end)?;
    if end < start {
        return Err(Error::invalid_input(format!(
            "start: {start} is after end {end}"
        )));
    }
    if (end - start).num_days() > MAX_REPORT_DAYS {
        return Err(Error::invalid_input(format!(
            "end: a report covers at most {MAX_REPORT_DAYS} days"
        )));
    }
    Ok(())
}

/// The weekday before `day` (Friday for a Monday, Saturday or Sunday).
pub(crate) fn previous_working_day(day: NaiveDate) -> NaiveDate {
    let mut d = day - Days::new(1);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d - Days::new(1);
    }
    d
}

fn item(e: &Entry) -> Value {
    json!({
        "text": e.analysis.summary,
        "category": e.analysis.category.as_str(),
        "worklog_ids": [e.worklog.id],
    })
}

fn blocker_items(entries: &[&Entry]) -> Vec<Value> {
    entries
        .iter()
        .flat_map(|e| {
            e.analysis
                .blockers
                .iter()
                .map(move |b| json!({"text": b.text, "worklog_ids": [e.worklog.id]}))
        })
        .collect()
}

fn standup(entries: &[Entry], start: NaiveDate, today: NaiveDate) -> Value {
    let done: Vec<&Entry> = entries.iter().filter(|e| e.worklog.date < today).collect();
    let planned: Vec<&Entry> = entries.iter().filter(|e| e.worklog.date == today).collect();
    let all: Vec<&Entry> = entries.iter().collect();
    json!({
        "kind": "standup",
        "date": today,
        "last_working_day": start,
        "yesterday": today - Days::new(1),
        "done": done.iter().map(|e| item(e)).collect::<Vec<_>>(),
        "planned": planned.iter().map(|e| item(e)).collect::<Vec<_>>(),
        "blockers": blocker_items(&all),
        "worklog_count": entries.len(),
    })
}

fn highlights(entries: &[Entry], max: usize) -> Vec<Value> {
    let mut ranked: Vec<&Entry> = entries
        .iter()
        .filter(|e| !e.analysis.impact.is_empty())
        .collect();
    ranked.sort_by(|a, b| {
        b.analysis
            .impact_score()
            .total_cmp(&a.analysis.impact_score())
            .then(a.worklog.id.cmp(&b.worklog.id))
    });
    ranked
        .into_iter()
        .take(max)
        .map(|e| {
            let signal = &e.analysis.impact[0];
            json!({"text": signal.text, "impact": signal, "worklog_ids": [e.worklog.id]})
        })
        .collect()
}

fn skills_used(entries: &[Entry]) -> Vec<Value> {
    let mut by_skill: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for e in entries {
        for s in &e.analysis.skills {
            by_skill
                .entry(s.skill.clone())
                .or_default()
                .push(e.worklog.id);
        }
    }
    let mut skills: Vec<(String, Vec<i64>)> = by_skill.into_iter().collect();
    skills.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    skills
        .into_iter()
        .map(|(skill, ids)| json!({"skill": skill, "worklog_ids": ids}))
        .collect()
}

fn status(entries: &[Entry], start: NaiveDate, end: NaiveDate) -> Value {
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in entries {
        let name = match e.worklog.tags.first() {
            Some(tag) => tag.clone(),
            None => e.analysis.category.heading().to_owned(),
        };
        groups.entry(name).or_default().push(item(e));
    }
    let all: Vec<&Entry> = entries.iter().collect();
    json!({
        "kind": "status",
        "period": {"start": start, "end": end},
        "worklog_count": entries.len(),
        "highlights": highlights(entries, 5),
        "groups": groups.into_iter().map(|(name, items)| json!({"name": name, "items": items})).collect::<Vec<_>>(),
        "blockers": blocker_items(&all),
        "skills": skills_used(entries),
    })
}

fn summary(
    entries: &[Entry],
    start: NaiveDate,
    end: NaiveDate,
    first_seen: &HashMap<String, NaiveDate>,
) -> Value {
    let mut themes: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
    for e in entries {
        themes
            .entry(e.analysis.category.heading())
            .or_default()
            .push(e.worklog.id);
    }
    let mut themes: Vec<(&str, Vec<i64>)> = themes.into_iter().collect();
    themes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut growth: BTreeMap<String, (String, Vec<i64>)> = BTreeMap::new();
    for e in entries {
        for s in &e.analysis.skills {
            growth
                .entry(s.slug.clone())
                .or_insert_with(|| (s.skill.clone(), Vec::new()))
                .1
                .push(e.worklog.id);
        }
    }
    let mut growth: Vec<Value> = growth
        .into_iter()
        .map(|(slug, (skill, ids))| {
            let new = first_seen.get(&slug).is_none_or(|d| *d >= start);
            json!({"skill": skill, "new": new, "mentions": ids.len(), "worklog_ids": ids})
        })
        .collect();
    growth.sort_by(|a, b| {
        b["mentions"]
            .as_u64()
            .cmp(&a["mentions"].as_u64())
            .then(b["new"].as_bool().cmp(&a["new"].as_bool()))
    });
    growth.truncate(15);
    json!({
        "kind": "summary",
        "period": {"start": start, "end": end},
        "worklog_count": entries.len(),
        "themes": themes.into_iter().map(|(theme, ids)| json!({"theme": theme, "count": ids.len(), "worklog_ids": ids})).collect::<Vec<_>>(),
        "skill_growth": growth,
        "top_achievements": highlights(entries, 5),
    })
}

fn render_markdown(data: &Value) -> Result<String> {
    let mut env = minijinja::Environment::new();
    // A line holding only a block tag disappears; every other line is kept as
    // written, so each list item ends its own line.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("report.md", TEMPLATE)
        .map_err(|e| Error::unexpected(format!("report template: {e}")))?;
    let text = env
        .get_template("report.md")
        .and_then(|t| t.render(data))
        .map_err(|e| Error::unexpected(format!("report template: {e}")))?;
    Ok(format!("{}\n", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of a rendered report is a heading, a list item, a sentence or
    /// blank; headings stand alone between blank lines; no two items share a line.
    fn assert_well_formed(markdown: &str) {
        let lines: Vec<&str> = markdown.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            assert!(
                !line.contains(")_- ") && !line.contains(")_#") && !line.contains(")_## "),
                "items run together on line {i}: {line:?}\n{markdown}"
            );
            if line.starts_with("## ") {
                assert_eq!(
                    lines.get(i + 1),
                    Some(&""),
                    "no blank after {line:?}\n{markdown}"
                );
                assert_eq!(lines[i - 1], "", "no blank before {line:?}\n{markdown}");
            }
        }
        assert!(!markdown.contains("\n\n\n"), "two blank lines:\n{markdown}");
    }

    fn items(texts: &[&str]) -> Value {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"text": t, "worklog_ids": [i + 1, i + 2]}))
            .collect()
    }

    #[test]
    fn every_report_kind_renders_one_item_per_line() {
        let two = items(&["Moved billing to Postgres.", "Cut p99 from 800 to 120 ms."]);
        let standup = json!({"kind": "standup", "date": "2026-12-07",
            "last_working_day": "2026-12-04", "yesterday": "2026-12-06",
            "done": two, "planned": two, "blockers": []});
        let text = render_markdown(&standup).unwrap();
        assert_well_formed(&text);
        assert!(text.contains("- Moved billing to Postgres. _(worklogs: #1, #2)_\n- Cut p99"));
        assert!(text.ends_with("## Blockers\n\n- None.\n"), "{text}");

        let status = json!({"kind": "status", "period": {"start": "2026-11-30", "end": "2026-12-06"},
            "worklog_count": 2, "highlights": two,
            "groups": [{"name": "billing", "items": two}, {"name": "search", "items": two}],
            "blockers": two,
            "skills": [{"skill": "PostgreSQL", "worklog_ids": [1]}, {"skill": "Rust", "worklog_ids": [2]}]});
        let text = render_markdown(&status).unwrap();
        assert_well_formed(&text);
        for heading in [
            "## Highlights",
            "## billing",
            "## search",
            "## Blockers",
            "## Skills used",
        ] {
            assert!(
                text.contains(&format!("\n\n{heading}\n\n- ")),
                "{heading}:\n{text}"
            );
        }

        let summary = json!({"kind": "summary", "period": {"start": "2026-11-07", "end": "2026-12-06"},
            "worklog_count": 2,
            "themes": [{"theme": "billing", "count": 2, "worklog_ids": [1, 2]}, {"theme": "search", "count": 1, "worklog_ids": [3]}],
            "skill_growth": [{"skill": "Rust", "new": true, "mentions": 2, "worklog_ids": [1]}, {"skill": "Go", "new": false, "mentions": 1, "worklog_ids": [2]}],
            "top_achievements": two});
        let text = render_markdown(&summary).unwrap();
        assert_well_formed(&text);
        assert!(
            text.contains("- billing: 2 entries _(worklogs: #1, #2)_\n- search: 1 entry"),
            "{text}"
        );
    }

    #[test]
    fn working_days_skip_weekends() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            previous_working_day(monday),
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
        );
        let wednesday = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            previous_working_day(wednesday),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(
            previous_working_day(sunday),
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
    }
}
