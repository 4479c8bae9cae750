//! The four built-in workflows end to end on the in-memory backends: stored
//! analyses in the wire shape, evidence, chaining, reports, resumes, and every
//! failure path of the LLM-backed agent against a scripted provider.

mod support;

use std::sync::Arc;

use afterresume_backends::memory::*;
use afterresume_core::agents::{LlmAgentOptions, LlmMode, LlmWorklogAgent, validate_json_resume};
use afterresume_core::domain::{EventSource, JobStatus, NewPosition, ReportKind, UserId, WorkLog};
use afterresume_core::ports::{
    ArtifactKey, ArtifactStore, JobFilter, ListEventsOptions, ProfileStore, SkillStore,
    WorkLogStore,
};
use afterresume_core::{EnqueueOptions, ErrorKind, ReportStore, ResumeStore};
use chrono::NaiveDate;
use serde_json::{Value, json};
use support::{Harness, harness};

fn char_slice(text: &str, start: u64, end: u64) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

const BILLING: &str = "Moved billing to postgres 15 on k8s — reduced p99 from 800 to 120 ms (BILL-7). Blocked on DBA access for the replica.";

#[tokio::test]
async fn analyze_stores_wire_shaped_skills_with_spans_and_evidence() {
    let h = harness(false, None);
    let alice = h.user("alice").await;
    let w = h
        .worklog(alice, (2026, 11, 23), BILLING, &["billing"])
        .await;
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let stored = h.domain.get_worklog(w.id).await.unwrap();
    let analysis = stored.analysis.unwrap();
    let skills = analysis["skills"].as_array().unwrap();
    let names: Vec<&str> = skills
        .iter()
        .map(|s| s["skill"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["PostgreSQL", "Kubernetes"]);
    for s in skills {
        let (start, end) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
        assert_eq!(
            char_slice(&stored.content, start, end),
            s["excerpt"].as_str().unwrap()
        );
        let skill = h
            .domain
            .get_skill(s["skill_id"].as_i64().unwrap())
            .await
            .unwrap();
        assert_eq!(skill.name, s["skill"].as_str().unwrap());
        assert_eq!(skill.category.as_str(), s["category"].as_str().unwrap());
        assert!(s["confidence"].as_f64().unwrap() > 0.5);
    }
    assert_eq!(analysis["impact"][0]["kind"], "from_to");
    assert_eq!(analysis["references"][0]["value"], "BILL-7");
    assert_eq!(analysis["category"], "infra");
    let evidence = h
        .domain
        .list_user_evidence(alice, None, None)
        .await
        .unwrap();
    assert_eq!(evidence.len(), 2);
    assert!(
        evidence
            .iter()
            .all(|e| e.worklog_id == w.id && e.extractor == "local-agent/1")
    );
    // Each piece of evidence keeps the sentence that shows the work, with the
    // mention at its offsets inside it.
    for e in &evidence {
        assert_eq!(
            e.sentence,
            "Moved billing to postgres 15 on k8s — reduced p99 from 800 to 120 ms (BILL-7)."
        );
        let inside = char_slice(
            &e.sentence,
            u64::from(e.start - e.sentence_start),
            u64::from(e.end - e.sentence_start),
        );
        assert_eq!(inside, e.excerpt);
    }
    assert_eq!(skills[0]["sentence"], evidence[0].sentence.as_str());
    let sources = h.sources(&job).await;
    assert!(sources.contains(&EventSource::Workflow) && sources.contains(&EventSource::Agent));
    assert_eq!(job.result.unwrap()["skills"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_payloads_are_refused_at_enqueue_and_foreign_worklogs_fail_at_once() {
    let h = harness(false, None);
    let alice = h.user("alice").await;
    let bob = h.user("bob").await;
    let w = h.worklog(alice, (2026, 11, 23), BILLING, &[]).await;
    // Malformed payloads never become jobs: the workflow's check runs at enqueue.
    for (job_type, payload, needle) in [
        ("worklog.analyze", json!({}), "payload.worklog_id: required"),
        (
            "worklog.analyze",
            json!({"worklog_id": "7"}),
            "positive integer",
        ),
        ("report.generate", json!({"kind": "weekly"}), "payload.kind"),
        (
            "report.generate",
            json!({"start": "2026-11-20", "end": "2026-11-01"}),
            "after end",
        ),
        (
            "skills.extract",
            json!({"window_days": 0}),
            "payload.window_days",
        ),
        ("skills.extract", json!({"chain": "yes"}), "payload.chain"),
        ("resume.refresh", json!({"user_id": -1}), "payload.user_id"),
    ] {
        let opts = EnqueueOptions {
            user_id: Some(alice),
            ..Default::default()
        };
        let err = h.engine.enqueue(job_type, payload, opts).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains(needle), "{job_type}: {err}");
    }
    let stored = h.engine.list_jobs(&JobFilter::default()).await.unwrap();
    assert!(stored.is_empty(), "nothing stored: {stored:?}");
    // Well-formed payloads naming what the user may not touch fail at run time, once.
    for (user, payload, needle) in [
        (alice, json!({"worklog_id": 999}), "not found"),
        (bob, json!({"worklog_id": w.id}), "not found"),
    ] {
        let job = h.run("worklog.analyze", user, payload).await;
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.attempt, 1, "permanent errors are not retried");
        assert!(
            job.error.as_deref().unwrap().contains(needle),
            "{:?}",
            job.error
        );
    }
    assert!(h.domain.get_worklog(w.id).await.unwrap().analysis.is_none());
    let job = h
        .run("skills.extract", alice, json!({"user_id": bob}))
        .await;
    assert_eq!(job.status, JobStatus::Failed);
}

#[tokio::test]
async fn auto_chain_runs_analyze_then_skills_then_report_in_one_trace() {
    let h = harness(true, None);
    let alice = h.user("alice").await;
    let w = h
        .worklog(alice, (2026, 11, 23), BILLING, &["billing"])
        .await;
    let analyze = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(analyze.status, JobStatus::Success);
    let skills_id = analyze.result.as_ref().unwrap()["next_job_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let skills = h.engine.get_job(skills_id).await.unwrap();
    assert_eq!(
        (skills.job_type.as_str(), skills.status),
        ("skills.extract", JobStatus::Success)
    );
    assert_eq!(skills.parent_job_id, Some(analyze.id));
    assert_eq!(skills.trace_id, analyze.trace_id);
    let report_id = skills.result.as_ref().unwrap()["next_job_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let report = h.engine.get_job(report_id).await.unwrap();
    assert_eq!(
        (report.job_type.as_str(), report.status),
        ("report.generate", JobStatus::Success)
    );
    assert_eq!(report.trace_id, analyze.trace_id);
    let reports = h.domain.list_reports(alice, None, None, 10).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].kind, ReportKind::Status);
}

#[tokio::test]
async fn skills_extract_summarizes_and_never_duplicates_evidence() {
    let h = harness(false, None);
    let alice = h.user("alice").await;
    h.worklog(
        alice,
        (2026, 11, 2),
        "Wrote a Terraform module for the Postgres replicas",
        &[],
    )
    .await;
    h.worklog(
        alice,
        (2026, 11, 20),
        "Tuned Postgres autovacuum; added Grafana dashboards",
        &[],
    )
    .await;
    h.worklog(alice, (2025, 1, 1), "Old Terraform work", &[])
        .await; // outside a 90-day window
    let first = h
        .run("skills.extract", alice, json!({"window_days": 90}))
        .await;
    assert_eq!(first.status, JobStatus::Success, "{:?}", first.error);
    let profile = first.result.unwrap();
    assert_eq!(profile["worklogs_scanned"], 2);
    assert_eq!(profile["analyzed"], 2);
    let pg = profile["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slug"] == "postgresql")
        .unwrap();
    assert_eq!(pg["evidence_count"], 2);
    assert_eq!(pg["first_seen"], "2026-11-02");
    assert_eq!(pg["last_seen"], "2026-11-20");
    assert_eq!(
        profile["skills"][0]["slug"], "postgresql",
        "most evidence, most recent: strongest"
    );
    assert!(
        profile["clusters"]["database"]
            .as_array()
            .unwrap()
            .contains(&json!("PostgreSQL"))
    );
    let rows = h
        .domain
        .list_user_evidence(alice, None, None)
        .await
        .unwrap()
        .len();
    let again = h
        .run("skills.extract", alice, json!({"window_days": 90}))
        .await;
    assert_eq!(again.result.unwrap()["analyzed"], 0);
    assert_eq!(
        h.domain
            .list_user_evidence(alice, None, None)
            .await
            .unwrap()
            .len(),
        rows
    );
    let skills = h.domain.list_user_skills(alice).await.unwrap();
    assert!(skills.iter().all(|s| s.evidence_count > 0));
}

#[tokio::test]
async fn reports_cover_standup_status_and_summary_with_worklog_ids() {
    let h = harness(false, None);
    let alice = h.user("alice").await;
    let thu = h
        .worklog(
            alice,
            (2026, 11, 19),
            "Reviewed the search PRs",
            &["search"],
        )
        .await;
    let fri = h
        .worklog(
            alice,
            (2026, 11, 20),
            "Fixed the flaky Redis lock test; cut CI time by 30%",
            &["platform"],
        )
        .await;
    let sat = h
        .worklog(
            alice,
            (2026, 11, 21),
            "Read up on Rust async traits for the exporter",
            &[],
        )
        .await;
    let mon = h
        .worklog(alice, (2026, 11, 23), BILLING, &["billing"])
        .await;
    // Standup on Monday: the last working day is Friday; Thursday is out.
    let job = h
        .run("report.generate", alice, json!({"kind": "standup"}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let report = h
        .domain
        .get_report(job.result.unwrap()["report_id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(report.data["last_working_day"], "2026-11-20");
    let done: Vec<i64> = report.data["done"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["worklog_ids"][0].as_i64().unwrap())
        .collect();
    assert_eq!(done, [fri.id, sat.id]);
    assert_eq!(report.data["planned"][0]["worklog_ids"][0], mon.id);
    assert_eq!(report.data["blockers"][0]["worklog_ids"][0], mon.id);
    assert!(!report.content.contains(&format!("#{}", thu.id)));
    assert!(
        report.content.contains("## Blockers") && report.content.contains(&format!("#{}", mon.id))
    );
    // Status for the week: grouped by project tag, highlights with impact.
    let job = h
        .run(
            "report.generate",
            alice,
            json!({"kind": "status", "start": "2026-11-17", "end": "2026-11-23"}),
        )
        .await;
    let report = h
        .domain
        .get_report(job.result.unwrap()["report_id"].as_i64().unwrap())
        .await
        .unwrap();
    let groups: Vec<&str> = report.data["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert!(groups.contains(&"billing") && groups.contains(&"search"));
    let highlight_ids: Vec<i64> = report.data["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["worklog_ids"][0].as_i64().unwrap())
        .collect();
    assert_eq!(
        highlight_ids,
        [mon.id, fri.id],
        "from-to change ranks above a percentage"
    );
    assert_eq!(
        report.period_start,
        NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
    );
    // Summary: themes and skill growth, every item with ids.
    let job = h
        .run("report.generate", alice, json!({"kind": "summary"}))
        .await;
    let report = h
        .domain
        .get_report(job.result.unwrap()["report_id"].as_i64().unwrap())
        .await
        .unwrap();
    for section in ["themes", "skill_growth", "top_achievements"] {
        let items = report.data[section].as_array().unwrap();
        assert!(!items.is_empty(), "{section}");
        assert!(
            items
                .iter()
                .all(|i| !i["worklog_ids"].as_array().unwrap().is_empty()),
            "{section}"
        );
    }
    assert!(
        report
            .content
            .starts_with("# Summary — 2026-10-25 to 2026-11-23")
    );
    // Inverted periods are refused without storing anything.
    let before = h
        .domain
        .list_reports(alice, None, None, 50)
        .await
        .unwrap()
        .len();
    let bad = h
        .engine
        .enqueue(
            "report.generate",
            json!({"kind": "status", "start": "2026-11-23", "end": "2026-11-01"}),
            EnqueueOptions {
                user_id: Some(alice),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(
        h.domain
            .list_reports(alice, None, None, 50)
            .await
            .unwrap()
            .len(),
        before
    );
}

#[tokio::test]
async fn resume_is_valid_evidenced_versioned_and_stored_as_artifacts() {
    let h = harness(false, None);
    let alice = h.user("alice").await;
    let logs = [
        h.worklog(alice, (2026, 10, 5), BILLING, &["billing"]).await,
        h.worklog(
            alice,
            (2026, 10, 9),
            "Built the React checkout form in TypeScript; conversion up 12%",
            &["checkout"],
        )
        .await,
        h.worklog(alice, (2026, 10, 12), "Team lunch", &[]).await,
    ];
    for w in &logs {
        h.run("worklog.analyze", alice, json!({"worklog_id": w.id}))
            .await;
    }
    let first = h.run("resume.refresh", alice, json!({})).await;
    assert_eq!(first.status, JobStatus::Success, "{:?}", first.error);
    let second = h.run("resume.refresh", alice, json!({})).await;
    assert_eq!(second.result.as_ref().unwrap()["version"], 2);
    let resume = h.domain.latest_resume(alice).await.unwrap();
    assert_eq!(resume.version, 2);
    let doc = &resume.document;
    validate_json_resume(doc).unwrap();
    assert_eq!(doc["basics"]["name"], "alice Example");
    let evidenced: Vec<String> = h
        .domain
        .list_user_skills(alice)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.skill.name)
        .collect();
    for group in doc["skills"].as_array().unwrap() {
        for keyword in group["keywords"].as_array().unwrap() {
            let name = keyword.as_str().unwrap();
            assert!(
                evidenced.contains(&name.to_owned()),
                "{name} has no evidence"
            );
            assert!(
                !group["x-afterresume"]["evidence"][name]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
            assert!(
                resume.html.contains(name) && resume.markdown.contains(name),
                "{name} is shown"
            );
        }
    }
    assert!(doc.get("work").is_none(), "no positions, no employers");
    assert_grounded(doc, &logs);
    let names: Vec<&str> = doc["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Billing", "Checkout"],
        "tags as project names, results first"
    );
    assert_eq!(
        doc["projects"][1]["highlights"][0],
        "Built the React checkout form in TypeScript (conversion up 12%)."
    );
    assert!(!resume.markdown.contains("lunch"), "{}", resume.markdown);
    // With a position, the work is the employer's, tags are its projects.
    let mut profile = h.domain.get_profile(alice).await.unwrap().document;
    profile
        .add_position(NewPosition {
            company: "Acme GmbH".into(),
            title: "Backend Engineer".into(),
            location: "Berlin".into(),
            start_date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            end_date: None,
            summary: String::new(),
            url: String::new(),
        })
        .unwrap();
    h.domain
        .put_profile(alice, &profile, 0, chrono::Utc::now())
        .await
        .unwrap();
    h.run("resume.refresh", alice, json!({})).await;
    let resume = h.domain.latest_resume(alice).await.unwrap();
    let doc = &resume.document;
    validate_json_resume(doc).unwrap();
    assert_eq!(doc["work"][0]["name"], "Acme GmbH");
    assert_eq!(doc["work"][0]["position"], "Backend Engineer");
    assert!(doc["work"][0].get("endDate").is_none(), "current");
    assert_eq!(doc["work"][0]["highlights"].as_array().unwrap().len(), 2);
    assert!(
        resume
            .markdown
            .contains("### Backend Engineer, Acme GmbH — Berlin")
    );
    assert!(
        resume.markdown.contains("Oct 2026 – Present"),
        "{}",
        resume.markdown
    );
    assert_grounded(doc, &logs);
    for ext in ["json", "md", "html"] {
        let key = ArtifactKey::parse(format!("resumes/{alice}/v3.{ext}")).unwrap();
        let artifact = h.artifacts.get(&key).await.unwrap();
        assert!(!artifact.bytes.is_empty());
    }
}

/// Every bullet cites worklogs of this user, and every number it states is in
/// a worklog it cites.
fn assert_grounded(doc: &Value, logs: &[WorkLog]) {
    for section in ["work", "projects"] {
        for entry in doc[section].as_array().into_iter().flatten() {
            let highlights = entry["highlights"].as_array().unwrap();
            let evidence = entry["x-afterresume"]["evidence"].as_array().unwrap();
            assert_eq!(highlights.len(), evidence.len());
            for (text, cited) in highlights.iter().zip(evidence) {
                let text = text.as_str().unwrap();
                let cited: Vec<&WorkLog> = cited["worklog_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|id| {
                        logs.iter()
                            .find(|w| w.id == id.as_i64().unwrap())
                            .unwrap_or_else(|| panic!("{text} cites a foreign worklog {id}"))
                    })
                    .collect();
                assert!(!cited.is_empty(), "{text} cites nothing");
                for number in text
                    .split(|c: char| !c.is_ascii_digit() && c != '.')
                    .map(|n| n.trim_matches('.'))
                    .filter(|n| !n.is_empty())
                {
                    assert!(
                        cited.iter().any(|w| w.content.contains(number)),
                        "{text}: {number} is in no cited worklog"
                    );
                }
            }
        }
    }
}

// ---- LLM-backed agent against a scripted provider ----

fn llm_harness(script: Arc<ScriptedLlm>, options: LlmAgentOptions) -> Harness {
    harness(false, Some(LlmWorklogAgent::new(script, options)))
}

async fn llm_setup(options: LlmAgentOptions) -> (Harness, Arc<ScriptedLlm>, UserId, WorkLog) {
    let script = Arc::new(ScriptedLlm::new());
    let h = llm_harness(Arc::clone(&script), options);
    let alice = h.user("alice").await;
    let w = h.worklog(alice, (2026, 11, 23), BILLING, &[]).await;
    (h, script, alice, w)
}

/// Hybrid, failing the job when the answers stay invalid (no built-in fallback),
/// so a test sees what the model's answers did.
fn strict() -> LlmAgentOptions {
    LlmAgentOptions {
        fallback_to_local: false,
        ..LlmAgentOptions::default()
    }
}

/// The model lists skills on its own (the hybrid path has tests of its own below).
fn extract() -> LlmAgentOptions {
    LlmAgentOptions {
        mode: LlmMode::Extract,
        ..strict()
    }
}

fn good_answer() -> Value {
    json!({"skills": [
        {"name": "postgres", "quote": "postgres 15"},
        {"name": "Kubernetes", "quote": "k8s"},
        {"name": "Teamwork", "quote": "billing"}
    ], "summary": "Moved billing to PostgreSQL on Kubernetes.", "category": "infra"})
}

#[tokio::test]
async fn llm_answers_are_normalized_traced_and_cached() {
    let (h, script, alice, w) = llm_setup(extract()).await;
    script.push_text(&format!(
        "<think>the user wants JSON</think>Here you go:\n```json\n{}\n```",
        good_answer()
    ));
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let analysis = h.domain.get_worklog(w.id).await.unwrap().analysis.unwrap();
    let names: Vec<&str> = analysis["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skill"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["PostgreSQL", "Kubernetes"],
        "names normalized, unknown 'Teamwork' dropped"
    );
    for s in analysis["skills"].as_array().unwrap() {
        let (start, end) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
        assert_eq!(
            char_slice(&w.content, start, end),
            s["excerpt"].as_str().unwrap()
        );
    }
    assert_eq!(analysis["skills"][0]["excerpt"], "postgres");
    assert_eq!(analysis["extractor"], "llm:scripted");
    assert_eq!(
        analysis["summary"],
        "Moved billing to PostgreSQL on Kubernetes."
    );
    let usage = &job.result.as_ref().unwrap()["llm_usage"];
    assert_eq!(usage["calls"], 1);
    assert!(usage["prompt_tokens"].as_u64().unwrap() > 0);
    let events = h
        .engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    let call = events
        .iter()
        .find(|e| e.source == EventSource::Llm && e.message == "llm call")
        .unwrap();
    for key in [
        "model",
        "latency_ms",
        "prompt_tokens",
        "completion_tokens",
        "template",
    ] {
        assert!(call.data.get(key).is_some(), "{key}");
    }
    assert_eq!(call.data["template"], "worklog.skills@3");
    // Re-running the job does not pay twice: the script is empty now.
    let again = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(again.status, JobStatus::Success, "{:?}", again.error);
    assert_eq!(script.requests().len(), 1);
    assert_eq!(again.result.unwrap()["llm_usage"]["cache_hits"], 1);
    // The cache lives in the artifact store too, for other processes.
    let cached = h.artifacts.list("llm-cache/").await.unwrap();
    assert_eq!(cached.len(), 1);
}

#[tokio::test]
async fn invalid_quotes_are_re_asked_with_the_error() {
    let (h, script, alice, w) = llm_setup(extract()).await;
    script
        .push_json(json!({"skills": [{"name": "PostgreSQL", "quote": "migrated to PostgreSQL"}]}));
    script.push_json(good_answer());
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let requests = script.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].prompt.contains("do not occur literally"),
        "{}",
        requests[1].prompt
    );
    assert!(requests[1].prompt.contains("migrated to PostgreSQL"));
}

#[tokio::test]
async fn truncated_answers_are_re_asked_with_a_bigger_budget_up_to_the_cap() {
    let (h, script, alice, w) = llm_setup(extract()).await;
    script.push_truncated("{\"skills\": [{\"name\": \"Post");
    script.push_truncated("{\"skills\": [{\"name\": \"PostgreSQL\", \"quote\": \"Post");
    script.push_json(good_answer());
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let budgets: Vec<_> = script.requests().iter().map(|r| r.max_tokens).collect();
    // Doubled once, then held at the cap: a looping model gains nothing from more.
    assert_eq!(budgets, [Some(512), Some(1024), Some(1024)]);
    assert!(script.requests()[1].prompt.contains("cut off"));
}

#[tokio::test]
async fn answers_beyond_the_schema_bounds_are_rejected() {
    let (h, script, alice, w) = llm_setup(extract()).await;
    let looping: Vec<Value> = (0..17)
        .map(|_| json!({"name": "PostgreSQL", "quote": "PostgreSQL"}))
        .collect();
    script.push_json(json!({ "skills": looping }));
    script.push_json(good_answer());
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let requests = script.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].prompt.contains("at most 16"),
        "{}",
        requests[1].prompt
    );
    let schema = requests[0].json_schema.as_ref().unwrap();
    assert_eq!(schema["properties"]["skills"]["maxItems"], 16);
}

#[tokio::test]
async fn hybrid_answers_confirm_reject_add_and_flag_new_skills() {
    let (h, script, alice, w) = llm_setup(LlmAgentOptions::default()).await;
    // Candidates of BILLING: 1 PostgreSQL ("postgres"), 2 Kubernetes ("k8s").
    script.push_json(json!({
        "decisions": [{"id": 1, "keep": true}, {"id": 2, "keep": false}],
        "added": [{"name": "Replica lag tuning kit", "quote": "replica", "category": "tool"}],
        "summary": "Moved billing to PostgreSQL.", "category": "infra"
    }));
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let prompt = &script.requests()[0].prompt;
    assert!(
        prompt.contains("1. PostgreSQL (\"postgres\"): kept"),
        "{prompt}"
    );
    assert!(prompt.contains("2. Kubernetes (\"k8s\"): kept"), "{prompt}");
    let analysis = h.domain.get_worklog(w.id).await.unwrap().analysis.unwrap();
    let skills = analysis["skills"].as_array().unwrap();
    let slugs: Vec<&str> = skills.iter().map(|s| s["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["postgresql", "replica-lag-tuning-kit"]);
    assert_eq!(skills[1]["new"], true);
    assert!(skills[0].get("new").is_none());
    for s in skills {
        let (start, end) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
        assert_eq!(
            char_slice(&w.content, start, end),
            s["excerpt"].as_str().unwrap()
        );
    }
    // A new skill gets no evidence until the taxonomy has it.
    let evidence = h
        .domain
        .list_user_evidence(alice, None, None)
        .await
        .unwrap();
    assert_eq!(evidence.len(), 1);
    let events = h
        .engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    let call = events.iter().find(|e| e.message == "llm call").unwrap();
    assert_eq!(call.data["template"], "worklog.skills.hybrid@2");
}

#[tokio::test]
async fn hybrid_garbage_bad_ids_and_invented_quotes_are_re_asked() {
    let (h, script, alice, w) = llm_setup(strict()).await;
    script.push_text("Sure! The skills are Postgres and k8s.");
    script.push_json(json!({"decisions": [{"id": 9, "keep": true}], "added": []}));
    script
        .push_json(json!({"decisions": [], "added": [{"name": "Redis", "quote": "Redis cache"}]}));
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Failed);
    let requests = script.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[1].prompt.contains("holds no JSON"),
        "{}",
        requests[1].prompt
    );
    assert!(
        requests[2].prompt.contains("ids are 1 to 2"),
        "{}",
        requests[2].prompt
    );
    let schema = requests[0].json_schema.as_ref().unwrap();
    assert_eq!(schema["properties"]["decisions"]["maxItems"], 2);
    assert!(h.domain.get_worklog(w.id).await.unwrap().analysis.is_none());
}

#[tokio::test]
async fn three_bad_answers_fail_the_job_clearly_and_store_nothing() {
    let (h, script, alice, w) = llm_setup(strict()).await;
    script.push_text("I cannot help with that.");
    script.push_text("<think>hmm</think>");
    script.push_json(json!({"skills": "PostgreSQL"}));
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Failed);
    let error = job.error.unwrap();
    assert!(
        error.contains("LLM output invalid after 3 attempts"),
        "{error}"
    );
    assert_eq!(script.requests().len(), 3);
    assert!(h.domain.get_worklog(w.id).await.unwrap().analysis.is_none());
    assert!(
        h.domain
            .list_user_evidence(alice, None, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn fallback_to_the_built_in_agent_is_the_default_and_recorded() {
    let options = LlmAgentOptions {
        max_reasks: 0,
        ..Default::default()
    };
    let (h, script, alice, w) = llm_setup(options).await;
    script.push_text("no json here");
    let job = h
        .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let analysis = h.domain.get_worklog(w.id).await.unwrap().analysis.unwrap();
    assert_eq!(analysis["extractor"], "local-agent/1");
    let events = h
        .engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.source == EventSource::Agent && e.message.contains("fell back"))
    );
}

#[tokio::test]
async fn provider_errors_are_retried_by_the_engine() {
    let (h, script, alice, w) = llm_setup(LlmAgentOptions::default()).await;
    script.push_error(afterresume_core::Error::new(
        ErrorKind::RateLimited,
        "429 from provider",
    ));
    let opts = EnqueueOptions {
        user_id: Some(alice),
        ..Default::default()
    };
    let job = h
        .engine
        .enqueue("worklog.analyze", json!({"worklog_id": w.id}), opts)
        .await
        .unwrap();
    h.engine.run_next().await.unwrap();
    let job = h.engine.get_job(job.id).await.unwrap();
    assert_eq!(
        job.status,
        JobStatus::Queued,
        "a rate-limited call is retried later"
    );
    assert_eq!(job.retry_count, 1);
}

#[tokio::test]
async fn a_user_without_an_email_still_gets_a_valid_resume() {
    use afterresume_core::domain::NewUser;
    use afterresume_core::ports::UserStore;
    let h = harness(false, None);
    let user = NewUser {
        username: "noemail".into(),
        ..Default::default()
    };
    let id = h
        .domain
        .create_user(user, chrono::Utc::now())
        .await
        .unwrap()
        .id;
    h.worklog(id, (2026, 11, 23), BILLING, &[]).await;
    let job = h.run("resume.refresh", id, json!({})).await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let resume = h.domain.latest_resume(id).await.unwrap();
    validate_json_resume(&resume.document).unwrap();
    assert!(resume.document["basics"].get("email").is_none());
}

/// A small deterministic generator (xorshift), so the property test needs no
/// extra crate and a failure reproduces from its seed.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Random entries from word pools: actions, results, blockers, next steps,
/// meetings and private notes, in random orders and mixes.
fn random_entry(rng: &mut Xorshift) -> String {
    const ACTIONS: &[&str] = &[
        "Moved the billing service to PostgreSQL 15",
        "fixed a race in the Rust payment worker",
        "Added Redis caching in front of Elasticsearch",
        "spent the day debugging the Kafka consumer",
        "Reviewed three PRs on the importer",
        "Wrote Terraform for the VPC",
        "Deployed the API to Kubernetes with Helm",
        "Documented the on-call runbook",
        "Paired with Sam on the React settings page",
        "Tuned the search indexes",
    ];
    const RESULTS: &[&str] = &[
        "p99 down from 800 to 120 ms",
        "cache hit rate 87%",
        "builds now take 6 minutes instead of 19",
        "3x faster deploys",
        "saved 12 GB of disk",
    ];
    const OTHERS: &[&str] = &[
        "Blocked on security review; waiting for DBA access.",
        "Tomorrow: wire the exporter to S3.",
        "Mostly meetings today.",
        "Fixed the chain on my bike.",
        "Dentist at 3.",
        "Next I'll add retries.",
    ];
    let mut parts = Vec::new();
    for _ in 0..(1 + rng.next() % 3) {
        let mut sentence = rng.pick(ACTIONS).to_owned();
        if rng.next().is_multiple_of(2) {
            sentence = format!("{sentence}; {}", rng.pick(RESULTS));
        }
        parts.push(format!("{sentence}."));
    }
    if rng.next().is_multiple_of(2) {
        let at = (rng.next() % (parts.len() as u64 + 1)) as usize;
        parts.insert(at, rng.pick(OTHERS).to_owned());
    }
    parts.join(" ")
}

/// Every report item and resume bullet, over random entries of two users,
/// cites only existing worklogs of its own user, and every number a bullet
/// states is in a worklog it cites.
#[tokio::test]
async fn every_item_and_bullet_cites_the_users_own_worklogs() {
    for seed in [1u64, 7, 42, 2026] {
        let h = harness(false, None);
        let mut rng = Xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let users = [h.user("ana").await, h.user("ben").await];
        let mut logs: Vec<Vec<WorkLog>> = vec![Vec::new(), Vec::new()];
        for day in 1..=20u32 {
            for (u, user) in users.iter().enumerate() {
                if rng.next().is_multiple_of(4) {
                    continue;
                }
                let tags: &[&str] = match rng.next() % 3 {
                    0 => &["billing"],
                    1 => &["search"],
                    _ => &[],
                };
                let w = h
                    .worklog(*user, (2026, 11, day), &random_entry(&mut rng), tags)
                    .await;
                h.run("worklog.analyze", *user, json!({"worklog_id": w.id}))
                    .await;
                logs[u].push(w);
            }
        }
        for (u, user) in users.iter().enumerate() {
            let own: std::collections::HashSet<i64> = logs[u].iter().map(|w| w.id).collect();
            for kind in ["standup", "status", "summary"] {
                let job = h
                    .run(
                        "report.generate",
                        *user,
                        json!({"kind": kind, "start": "2026-11-01", "end": "2026-11-20"}),
                    )
                    .await;
                assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
                let report = h
                    .domain
                    .get_report(job.result.unwrap()["report_id"].as_i64().unwrap())
                    .await
                    .unwrap();
                let mut cited = Vec::new();
                collect_worklog_ids(&report.data, &mut cited);
                assert!(!cited.is_empty(), "seed {seed} {kind}: nothing cited");
                for id in cited {
                    assert!(
                        own.contains(&id),
                        "seed {seed} {kind}: cites #{id}, not the user's"
                    );
                }
                for line in report.content.lines().filter(|l| l.starts_with("- ")) {
                    assert!(
                        line.matches("_(worklogs:").count() <= 1,
                        "seed {seed} {kind}: two items on one line: {line}"
                    );
                }
            }
            let job = h.run("resume.refresh", *user, json!({})).await;
            assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
            let resume = h.domain.latest_resume(*user).await.unwrap();
            validate_json_resume(&resume.document).unwrap();
            assert_grounded(&resume.document, &logs[u]);
            assert!(!resume.markdown.contains("bike") && !resume.markdown.contains("Dentist"));
        }
    }
}

/// Every number under a `worklog_ids` key, anywhere in a document.
fn collect_worklog_ids(value: &Value, out: &mut Vec<i64>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "worklog_ids" {
                    out.extend(v.as_array().unwrap().iter().map(|i| i.as_i64().unwrap()));
                } else {
                    collect_worklog_ids(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_worklog_ids(v, out)),
        _ => {}
    }
}
