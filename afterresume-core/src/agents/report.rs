//! ReportAgent: standups, status reports and summaries, as Markdown and as
//! structured JSON in which every item lists the worklog ids it rests on.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

use super::writing::{
    Statement, StatementKind, WriterSource, Written, WrittenItem, WrittenSection, is_work,
    merge_items, statements,
};
use super::{AgentServices, WorkCategory, WorklogAnalysis, all_worklogs, analysis_or_local};
use crate::domain::{
    NewReport, ReportKind, UserId, WorkLog, WorkLogFilter, WorkLogId, WorkingDays, storable,
};
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
    /// First day; defaults per kind (standup: the last working day before
    /// `end`; status: 6 days before `end`; summary: 29 days before `end`).
    pub start: Option<NaiveDate>,
    /// Last day; defaults to `today`.
    pub end: Option<NaiveDate>,
    /// The current date (from the engine's clock).
    pub today: NaiveDate,
    /// The days the user works (from their profile).
    pub working_days: WorkingDays,
}

impl ReportRequest {
    /// The period the report covers, defaults applied: checked here, so a host can
    /// refuse a bad period before it enqueues anything.
    pub fn period(&self) -> Result<(NaiveDate, NaiveDate)> {
        let end = self.end.unwrap_or(self.today);
        let start = self.start.unwrap_or_else(|| match self.kind {
            ReportKind::Standup => self.working_days.previous(end),
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

/// A worklog read for a report: its analysis and its statements.
struct Entry {
    worklog: WorkLog,
    analysis: WorklogAnalysis,
    statements: Vec<Statement>,
}

impl<'a> ReportAgent<'a> {
    /// An agent over the services.
    pub fn new(services: &'a AgentServices) -> Self {
        ReportAgent { services }
    }

    /// The report, ready to store, and how its text was written. Worklogs without
    /// a stored analysis are analyzed with the built-in agent on the fly (and not
    /// written back); entries about private life are left out. With a model
    /// configured ([`AgentServices::writer`]) the built-in text is a draft the
    /// model rewrites, held to the entries it cites.
    pub async fn generate(&self, request: &ReportRequest) -> Result<GeneratedReport> {
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
        let mut data = data;
        let written = self.write(request.kind, &entries, &data).await;
        apply_sections(&mut data, &written.sections);
        data["writer"] = Value::from(written.writer.clone());
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
        Ok(GeneratedReport { report, written })
    }

    async fn write(&self, kind: ReportKind, entries: &[Entry], data: &Value) -> Written {
        let draft = draft_sections(data);
        let Some(writer) = &self.services.writer else {
            return Written::builtin(draft);
        };
        let sources: Vec<WriterSource> = entries
            .iter()
            .map(|e| WriterSource {
                id: e.worklog.id,
                date: e.worklog.date,
                tags: e.worklog.tags.clone(),
                content: e.worklog.content.clone(),
                skills: e.analysis.skills.iter().map(|s| s.slug.clone()).collect(),
            })
            .collect();
        let compiled = self.services.taxonomy.current();
        writer
            .write(kind.as_str(), &sources, draft, &compiled)
            .await
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
                statements: statements(&worklog.content),
                worklog,
            })
            .filter(|e| is_work(&e.worklog.content, &e.analysis))
            .collect();
        // Oldest first reads naturally in a report.
        entries.sort_by_key(|e| (e.worklog.date, e.worklog.id));
        Ok(entries)
    }
}

/// A report and how its text was written.
#[derive(Debug, Clone)]
pub struct GeneratedReport {
    /// Ready to store.
    pub report: NewReport,
    /// Which writer's text it holds, and what the model's rejected answers got
    /// wrong.
    pub written: Written,
}

/// Lists of items a writer may rewrite, in their order in the report.
const WRITABLE_LISTS: &[&str] = &[
    "done",
    "planned",
    "blockers",
    "highlights",
    "top_achievements",
];
/// Prefix of a status report's project groups among the sections.
const GROUP_PREFIX: &str = "group:";

/// The report's item lists as sections of a draft.
fn draft_sections(data: &Value) -> Vec<WrittenSection> {
    let section = |key: String, items: &Value| WrittenSection {
        key,
        items: items
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| serde_json::from_value::<WrittenItem>(i.clone()).ok())
            .collect(),
    };
    let mut sections: Vec<WrittenSection> = WRITABLE_LISTS
        .iter()
        .filter_map(|k| data.get(*k).map(|items| section((*k).to_owned(), items)))
        .collect();
    for group in data
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = group["name"].as_str() {
            sections.push(section(format!("{GROUP_PREFIX}{name}"), &group["items"]));
        }
    }
    sections
}

/// Puts written sections back into the report's data. An item keeps the
/// category of the first draft item it shares an entry with.
fn apply_sections(data: &mut Value, sections: &[WrittenSection]) {
    let items = |drafted: &Value, written: &WrittenSection| -> Value {
        let drafted = drafted.as_array().cloned().unwrap_or_default();
        written
            .items
            .iter()
            .map(|item| {
                let category =
                    drafted
                        .iter()
                        .find(|d| {
                            d["worklog_ids"].as_array().into_iter().flatten().any(|id| {
                                id.as_i64().is_some_and(|id| item.worklog_ids.contains(&id))
                            })
                        })
                        .or(drafted.first())
                        .map_or(Value::Null, |d| d["category"].clone());
                json!({"text": item.text, "category": category, "worklog_ids": item.worklog_ids})
            })
            .collect()
    };
    for section in sections {
        match section.key.strip_prefix(GROUP_PREFIX) {
            Some(name) => {
                let groups = data.get_mut("groups").and_then(Value::as_array_mut);
                if let Some(group) = groups
                    .into_iter()
                    .flatten()
                    .find(|g| g["name"].as_str() == Some(name))
                {
                    group["items"] = items(&group["items"], section);
                }
            }
            None => {
                if let Some(list) = data.get_mut(section.key.as_str()) {
                    *list = items(list, section);
                }
            }
        }
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

/// One line of a report: a statement and the worklogs that say it.
#[derive(Debug, Clone)]
struct Item {
    text: String,
    category: WorkCategory,
    has_metric: bool,
    worklog_ids: Vec<WorkLogId>,
    score: f64,
}

impl Item {
    fn json(&self) -> Value {
        json!({
            "text": self.text,
            "category": self.category.as_str(),
            "worklog_ids": self.worklog_ids,
        })
    }
}

/// The statements of `entries` of the given kinds as items, near-duplicates
/// merged (the longer text stays; both entries are cited).
fn items<'e>(entries: impl IntoIterator<Item = &'e Entry>, kinds: &[StatementKind]) -> Vec<Item> {
    let all: Vec<Item> = entries
        .into_iter()
        .flat_map(|e| {
            e.statements
                .iter()
                .filter(|s| kinds.contains(&s.kind))
                .map(|s| Item {
                    text: s.text.clone(),
                    category: s.category,
                    has_metric: s.has_metric,
                    worklog_ids: vec![e.worklog.id],
                    score: e.analysis.impact_score(),
                })
        })
        .collect();
    merge_items(
        all,
        |i| i.text.as_str(),
        |kept, other| {
            if other.text.len() > kept.text.len() {
                kept.text = other.text;
            }
            kept.has_metric |= other.has_metric;
            kept.score = kept.score.max(other.score);
            for id in other.worklog_ids {
                if !kept.worklog_ids.contains(&id) {
                    kept.worklog_ids.push(id);
                }
            }
        },
    )
}

const WORK: &[StatementKind] = &[StatementKind::Action, StatementKind::Note];

fn json_items(items: &[Item]) -> Vec<Value> {
    items.iter().map(Item::json).collect()
}

/// Yesterday, today and blockers. "Yesterday" is the last working day before
/// `today` and anything logged since (a Saturday fix counts); "today" is what
/// was logged today plus the next steps written before.
fn standup(entries: &[Entry], start: NaiveDate, today: NaiveDate) -> Value {
    let before: Vec<&Entry> = entries.iter().filter(|e| e.worklog.date < today).collect();
    let on_the_day: Vec<&Entry> = entries.iter().filter(|e| e.worklog.date == today).collect();
    let done = items(before.iter().copied(), WORK);
    let mut planned = items(on_the_day.iter().copied(), WORK);
    planned.extend(items(entries.iter(), &[StatementKind::NextStep]));
    let blockers = items(entries.iter(), &[StatementKind::Blocker]);
    let logged_after_start = before.iter().any(|e| e.worklog.date > start);
    let weekday = start.format("%A");
    let previous_label = if start.succ_opt() == Some(today) {
        format!("Yesterday ({start})")
    } else if logged_after_start {
        format!("Since {weekday} ({start})")
    } else {
        format!("{weekday} ({start})")
    };
    json!({
        "kind": "standup",
        "date": today,
        "last_working_day": start,
        "previous_label": previous_label,
        "done": json_items(&done),
        "planned": json_items(&planned),
        "blockers": json_items(&blockers),
        "worklog_count": entries.len(),
    })
}

/// The items with a measured result, strongest first.
fn results(entries: &[Entry], max: usize) -> Vec<Value> {
    let mut ranked: Vec<Item> = items(entries.iter(), &[StatementKind::Action])
        .into_iter()
        .filter(|i| i.has_metric)
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.worklog_ids[0].cmp(&a.worklog_ids[0]))
    });
    ranked.truncate(max);
    json_items(&ranked)
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

/// The project an entry belongs to: its first tag, else the kind of work of its
/// first statement.
fn project_of(e: &Entry) -> String {
    match e.worklog.tags.first() {
        Some(tag) => tag.clone(),
        None => e
            .statements
            .first()
            .map_or(e.analysis.category, |s| s.category)
            .heading()
            .to_owned(),
    }
}

/// Highlights, progress by project, risks and blockers, skills used.
fn status(entries: &[Entry], start: NaiveDate, end: NaiveDate) -> Value {
    let mut groups: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        groups.entry(project_of(e)).or_default().push(e);
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(name, group)| json!({"name": name, "items": json_items(&items(group, WORK))}))
        .filter(|g| g["items"].as_array().is_some_and(|i| !i.is_empty()))
        .collect();
    json!({
        "kind": "status",
        "period": {"start": start, "end": end},
        "worklog_count": entries.len(),
        "highlights": results(entries, 5),
        "groups": groups,
        "blockers": json_items(&items(entries.iter(), &[StatementKind::Blocker])),
        "skills": skills_used(entries),
    })
}

/// Themes (kinds of work), skills grown, measured results.
fn summary(
    entries: &[Entry],
    start: NaiveDate,
    end: NaiveDate,
    first_seen: &HashMap<String, NaiveDate>,
) -> Value {
    let mut themes: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
    for e in entries {
        for s in e.statements.iter().filter(|s| WORK.contains(&s.kind)) {
            let ids = themes.entry(s.category.heading()).or_default();
            if !ids.contains(&e.worklog.id) {
                ids.push(e.worklog.id);
            }
        }
    }
    let mut themes: Vec<(&str, Vec<i64>)> = themes.into_iter().collect();
    themes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut growth: BTreeMap<String, (String, Vec<i64>, NaiveDate)> = BTreeMap::new();
    for e in entries {
        for s in &e.analysis.skills {
            let g = growth
                .entry(s.slug.clone())
                .or_insert_with(|| (s.skill.clone(), Vec::new(), e.worklog.date));
            g.1.push(e.worklog.id);
            g.2 = g.2.max(e.worklog.date);
        }
    }
    let mut growth: Vec<(Value, NaiveDate)> = growth
        .into_iter()
        .map(|(slug, (skill, ids, last))| {
            let new = first_seen.get(&slug).is_none_or(|d| *d >= start);
            (
                json!({"skill": skill, "new": new, "mentions": ids.len(), "worklog_ids": ids}),
                last,
            )
        })
        .collect();
    // More mentions first; among equals the skill used most recently.
    growth.sort_by(|(a, a_last), (b, b_last)| {
        b["mentions"]
            .as_u64()
            .cmp(&a["mentions"].as_u64())
            .then(b_last.cmp(a_last))
            .then(b["new"].as_bool().cmp(&a["new"].as_bool()))
    });
    growth.truncate(15);
    json!({
        "kind": "summary",
        "period": {"start": start, "end": end},
        "worklog_count": entries.len(),
        "themes": themes.into_iter().map(|(theme, ids)| json!({"theme": theme, "count": ids.len(), "worklog_ids": ids})).collect::<Vec<_>>(),
        "skill_growth": growth.into_iter().map(|(g, _)| g).collect::<Vec<_>>(),
        "top_achievements": results(entries, 5),
    })
}

const HTML_TEMPLATE: &str = include_str!("templates/report.html.j2");

/// A report's title, as its Markdown's first line says it.
pub fn report_title(report: &crate::domain::Report) -> String {
    match report.kind {
        ReportKind::Standup => format!("Standup — {}", report.period_end),
        ReportKind::Status => format!(
            "Status report — {} to {}",
            report.period_start, report.period_end
        ),
        ReportKind::Summary => {
            format!("Summary — {} to {}", report.period_start, report.period_end)
        }
    }
}

/// A stored report as a standalone HTML page (every value escaped).
pub fn render_report_html(report: &crate::domain::Report) -> Result<String> {
    let mut data = report.data.clone();
    if let Some(object) = data.as_object_mut() {
        object.insert("title".into(), Value::from(report_title(report)));
    }
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("report.html", HTML_TEMPLATE)
        .map_err(|e| Error::unexpected(format!("report template: {e}")))?;
    env.get_template("report.html")
        .and_then(|t| t.render(&data))
        .map_err(|e| Error::unexpected(format!("report template: {e}")))
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

    fn entry(id: i64, date: &str, content: &str, tags: &[&str]) -> Entry {
        let compiled = crate::taxonomy::SharedTaxonomy::builtin().current();
        let mut worklog = crate::agents::worklog::test_worklog(content);
        worklog.id = id;
        worklog.date = date.parse().unwrap();
        worklog.tags = tags.iter().map(|t| t.to_string()).collect();
        let analysis = analysis_or_local(&worklog, &compiled);
        Entry {
            statements: statements(content),
            analysis,
            worklog,
        }
    }

    fn texts(items: &Value) -> Vec<&str> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["text"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn a_sunday_standup_looks_back_to_friday_and_keeps_blockers_whole() {
        let sunday: NaiveDate = "2026-12-06".parse().unwrap();
        let request = ReportRequest {
            user_id: 1,
            kind: ReportKind::Standup,
            start: None,
            end: None,
            today: sunday,
            working_days: WorkingDays::default(),
        };
        let (start, end) = request.period().unwrap();
        assert_eq!(start.to_string(), "2026-12-04");
        let friday = vec![entry(
            1,
            "2026-12-04",
            "Shipped the CSV exporter; export time down 40%. Blocked on security review; waiting for DBA access. Tomorrow: wire the exporter to S3.",
            &["billing"],
        )];
        let data = standup(&friday, start, end);
        assert_eq!(data["previous_label"], "Friday (2026-12-04)");
        assert_eq!(
            texts(&data["done"]),
            ["Shipped the CSV exporter (export time down 40%)."]
        );
        assert_eq!(
            texts(&data["blockers"]),
            ["Blocked on security review; waiting for DBA access."],
            "one blocker, whole"
        );
        assert_eq!(texts(&data["planned"]), ["Wire the exporter to S3."]);
        let text = render_markdown(&data).unwrap();
        assert!(text.contains("## Friday (2026-12-04)\n"), "{text}");
        assert!(!text.contains("2026-12-05"), "{text}");
        let mut with_saturday = friday;
        with_saturday.push(entry(2, "2026-12-05", "Fixed the flaky login test.", &[]));
        let data = standup(&with_saturday, start, end);
        assert_eq!(data["previous_label"], "Since Friday (2026-12-04)");
    }

    #[test]
    fn personal_notes_stay_out_and_items_are_filed_by_what_they_say() {
        let entries: Vec<Entry> = [
            entry(1, "2026-12-01", "Mostly meetings today.", &[]),
            entry(
                2,
                "2026-12-02",
                "Fixed the chain on my bike, the chain has rust on it.",
                &[],
            ),
            entry(
                3,
                "2026-12-03",
                "Made the webhook handler idempotent; added tests for retries.",
                &[],
            ),
            entry(
                4,
                "2026-12-03",
                "Made the webhook handler idempotent and added tests for the retries.",
                &[],
            ),
        ]
        .into_iter()
        .filter(|e| is_work(&e.worklog.content, &e.analysis))
        .collect();
        assert_eq!(entries.len(), 3, "the bike stays out");
        let data = status(
            &entries,
            "2026-12-01".parse().unwrap(),
            "2026-12-06".parse().unwrap(),
        );
        let groups: Vec<&str> = data["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(groups, ["Features", "Meetings"]);
        let features = &data["groups"][0]["items"];
        assert_eq!(
            features.as_array().unwrap().len(),
            1,
            "near-duplicates merged"
        );
        assert_eq!(features[0]["worklog_ids"], json!([3, 4]));
    }

    #[test]
    fn every_report_kind_renders_one_item_per_line() {
        for n in [1, 2, 5] {
            let texts: Vec<String> = (0..n)
                .map(|i| format!("Shipped change number {i}."))
                .collect();
            let list = items(&texts.iter().map(String::as_str).collect::<Vec<_>>());
            for kind in ["standup", "status", "summary"] {
                let data = json!({"kind": kind, "date": "2026-12-07", "last_working_day": "2026-12-04",
                    "previous_label": "Friday (2026-12-04)", "done": list, "planned": list, "blockers": list,
                    "period": {"start": "2026-11-30", "end": "2026-12-06"}, "worklog_count": n,
                    "highlights": list, "groups": [{"name": "billing", "items": list}],
                    "skills": [], "themes": [], "skill_growth": [], "top_achievements": list});
                let text = render_markdown(&data).unwrap();
                assert_well_formed(&text);
                for t in &texts {
                    assert!(
                        text.lines()
                            .any(|l| l.starts_with(&format!("- {t} _(worklogs: "))),
                        "{kind} with {n}: {t}\n{text}"
                    );
                }
            }
        }
        let two = items(&["Moved billing to Postgres.", "Cut p99 from 800 to 120 ms."]);
        let standup = json!({"kind": "standup", "date": "2026-12-07",
            "last_working_day": "2026-12-04", "previous_label": "Friday (2026-12-04)",
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
            "## Risks and blockers",
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
}
