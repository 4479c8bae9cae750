//! The LLM writer through `report.generate` against a scripted provider: a
//! grounded rewrite replaces the built-in text; invented numbers, foreign ids and
//! unevidenced skills are re-asked with the reasons and then fall back to the
//! built-in text, with a warning event that says why.

mod support;

use std::sync::Arc;

use afterresume_backends::memory::ScriptedLlm;
use afterresume_core::agents::{LlmWriter, LlmWriterOptions};
use afterresume_core::domain::{Event, EventLevel, JobStatus, Report, UserId};
use afterresume_core::ports::ListEventsOptions;
use afterresume_core::{Error, ReportStore, ResumeStore};
use serde_json::{Value, json};
use support::{Harness, harness, harness_with};

const FRIDAY: &str = "Added Redis caching in front of Elasticsearch; cache hit rate 87%.";
const MONDAY: &str = "Reviewed two PRs for the billing team. Blocked on DBA access.";

fn writer_harness(script: &Arc<ScriptedLlm>) -> Harness {
    let writer = LlmWriter::new(Arc::clone(script) as _, LlmWriterOptions::default());
    harness_with(false, None, Some(writer))
}

/// Alice's Friday and Monday; the harness' clock says Monday 2026-11-23.
async fn entries(h: &Harness) -> (UserId, i64, i64) {
    let alice = h.user("alice").await;
    let friday = h.worklog(alice, (2026, 11, 20), FRIDAY, &["search"]).await;
    let monday = h.worklog(alice, (2026, 11, 23), MONDAY, &[]).await;
    (alice, friday.id, monday.id)
}

async fn standup(h: &Harness, alice: UserId) -> (Report, Vec<Event>) {
    let job = h
        .run("report.generate", alice, json!({"kind": "standup"}))
        .await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let events = h
        .engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    let id = job.result.unwrap()["report_id"].as_i64().unwrap();
    (h.domain.get_report(id).await.unwrap(), events)
}

/// The draft the writer sent, read back from its prompt.
fn draft_of(prompt: &str) -> Value {
    let at = prompt
        .find("\nDraft:\n")
        .expect("the prompt holds the draft")
        + 8;
    let line = prompt[at..].lines().next().unwrap();
    serde_json::from_str(line).unwrap()
}

/// Every drafted item, reworded, keeping its citations.
fn reworded(draft: &Value) -> Value {
    let mut answer = draft.clone();
    for section in answer["sections"].as_array_mut().unwrap() {
        for item in section["items"].as_array_mut().unwrap() {
            let text = item["text"].as_str().unwrap().trim_end_matches('.');
            item["text"] = json!(format!("{text}, as the model put it."));
        }
    }
    answer
}

fn item_texts(report: &Report) -> Vec<String> {
    ["done", "planned", "blockers"]
        .iter()
        .flat_map(|k| report.data[*k].as_array().unwrap().clone())
        .map(|i| i["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_grounded_rewrite_replaces_the_draft_and_is_traced() {
    let script = Arc::new(ScriptedLlm::responding(|request| {
        Ok(reworded(&draft_of(&request.prompt)))
    }));
    let h = writer_harness(&script);
    let (alice, friday, monday) = entries(&h).await;
    let (report, events) = standup(&h, alice).await;

    assert_eq!(report.data["writer"], "llm:scripted/scripted");
    let texts = item_texts(&report);
    assert!(!texts.is_empty());
    for text in &texts {
        assert!(text.ends_with(", as the model put it."), "{text}");
        assert!(report.content.contains(text.as_str()), "{}", report.content);
    }
    assert_eq!(report.data["done"][0]["worklog_ids"], json!([friday]));
    assert_eq!(report.data["blockers"][0]["worklog_ids"], json!([monday]));
    let written = events
        .iter()
        .find(|e| e.message == "written by the LLM")
        .expect("an event says who wrote it");
    assert_eq!(written.data["calls"], 1);
    assert_eq!(written.data["document"], "report");
    let prompt = &script.requests()[0].prompt;
    assert!(prompt.contains(&format!("#{friday} (2026-11-20) [search]: {FRIDAY}")));
}

#[tokio::test]
async fn a_rejected_answer_is_re_asked_with_the_reasons_then_kept() {
    let script = Arc::new(ScriptedLlm::responding(|request| {
        let mut answer = reworded(&draft_of(&request.prompt));
        if !request.prompt.contains("Your previous answer was rejected") {
            answer["sections"][0]["items"][0]["text"] =
                json!("Moved the Redis cache onto Kubernetes.");
        }
        Ok(answer)
    }));
    let h = writer_harness(&script);
    let (alice, _, _) = entries(&h).await;
    let (report, events) = standup(&h, alice).await;

    assert_eq!(report.data["writer"], "llm:scripted/scripted");
    let requests = script.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1]
            .prompt
            .contains("names Kubernetes, which no entry it cites names"),
        "{}",
        requests[1].prompt
    );
    let written = events
        .iter()
        .find(|e| e.message == "written by the LLM")
        .unwrap();
    assert_eq!(written.data["calls"], 2);
    assert_eq!(written.data["rejections"].as_array().unwrap().len(), 1);
}

/// Answers that each break one rule, for the test below.
fn broken_answers(friday: i64, monday: i64) -> [Value; 3] {
    let one = |text: &str, ids: Value| {
        json!({"sections": [
            {"key": "done", "items": [{"text": text, "worklog_ids": ids}]},
            {"key": "planned", "items": [{"text": "Reviewed two PRs.", "worklog_ids": [monday]}]},
            {"key": "blockers", "items": [{"text": "Blocked on DBA access.", "worklog_ids": [monday]}]}
        ]})
    };
    [
        one("Added Redis caching; cache hit rate 95%.", json!([friday])),
        one("Added Redis caching.", json!([friday, 999_999])),
        one("Added Redis caching on Kubernetes.", json!([friday])),
    ]
}

#[tokio::test]
async fn invented_numbers_foreign_ids_and_unevidenced_skills_fall_back_to_the_builtin_text() {
    let builtin = {
        let h = harness(false, None);
        let (alice, _, _) = entries(&h).await;
        standup(&h, alice).await.0
    };
    let expected_reasons = [
        "states 95, which no entry it cites says",
        "cites #999999, which is not one of the entries",
        "names Kubernetes, which no entry it cites names",
    ];
    for (case, reason) in expected_reasons.iter().enumerate() {
        let script = Arc::new(ScriptedLlm::new());
        let h = writer_harness(&script);
        let (alice, friday, monday) = entries(&h).await;
        let answer = broken_answers(friday, monday)[case].clone();
        script.push_json(answer.clone()).push_json(answer);
        let (report, events) = standup(&h, alice).await;

        assert_eq!(report.data["writer"], "builtin", "{reason}");
        assert_eq!(report.content, builtin.content, "{reason}");
        assert_eq!(item_texts(&report), item_texts(&builtin));
        assert_eq!(
            script.requests().len(),
            2,
            "asked, re-asked, then the draft"
        );
        let warning = events
            .iter()
            .find(|e| e.level == EventLevel::Warning)
            .expect("the fallback is a warning event");
        assert_eq!(
            warning.message,
            "LLM writing rejected; kept the built-in writer's text"
        );
        let rejections = warning.data["rejections"].as_array().unwrap();
        assert_eq!(rejections.len(), 2);
        assert!(
            rejections
                .iter()
                .all(|r| r.as_str().unwrap().contains(reason)),
            "{reason}: {rejections:?}"
        );
    }
}

#[tokio::test]
async fn a_provider_error_keeps_the_builtin_text_and_the_job_succeeds() {
    let script = Arc::new(ScriptedLlm::new());
    script.push_error(Error::backend("model server down"));
    let h = writer_harness(&script);
    let (alice, _, _) = entries(&h).await;
    let (report, events) = standup(&h, alice).await;
    assert_eq!(report.data["writer"], "builtin");
    assert_eq!(
        script.requests().len(),
        1,
        "no re-ask after a provider error"
    );
    let warning = events
        .iter()
        .find(|e| e.level == EventLevel::Warning)
        .unwrap();
    assert!(
        warning.data["rejections"][0]
            .as_str()
            .unwrap()
            .starts_with("provider:"),
        "{:?}",
        warning.data
    );
}

async fn resume_document(h: &Harness, alice: UserId) -> (Value, Vec<Event>) {
    let job = h.run("resume.refresh", alice, json!({})).await;
    assert_eq!(job.status, JobStatus::Success, "{:?}", job.error);
    let events = h
        .engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    (
        h.domain.latest_resume(alice).await.unwrap().document,
        events,
    )
}

/// The resume of the same entries with no model configured.
async fn builtin_resume() -> Value {
    let h = harness(false, None);
    let (alice, _, _) = entries(&h).await;
    resume_document(&h, alice).await.0
}

/// Every bullet of a resume document with the ids it cites.
fn bullets(document: &Value) -> Vec<(String, Value)> {
    ["work", "projects"]
        .iter()
        .flat_map(|s| document[*s].as_array().cloned().unwrap_or_default())
        .flat_map(|entry| {
            let evidence = entry["x-afterresume"]["evidence"].clone();
            entry["highlights"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    (
                        h.as_str().unwrap().to_owned(),
                        evidence[i]["worklog_ids"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn resume_bullets_are_rewritten_in_place_keeping_their_evidence() {
    let builtin = builtin_resume().await;
    let script = Arc::new(ScriptedLlm::responding(|request| {
        Ok(reworded(&draft_of(&request.prompt)))
    }));
    let h = writer_harness(&script);
    let (alice, _, _) = entries(&h).await;
    let (document, events) = resume_document(&h, alice).await;

    assert_eq!(
        document["meta"]["x-afterresume"]["writer"],
        "llm:scripted/scripted"
    );
    let (before, after) = (bullets(&builtin), bullets(&document));
    assert!(!after.is_empty());
    assert_eq!(before.len(), after.len());
    for ((old, old_ids), (new, new_ids)) in before.iter().zip(&after) {
        assert_eq!(
            new,
            &format!("{}, as the model put it.", old.trim_end_matches('.'))
        );
        assert_eq!(old_ids, new_ids, "a bullet keeps its evidence");
    }
    assert!(
        events
            .iter()
            .any(|e| e.message == "written by the LLM" && e.data["document"] == "resume")
    );
    assert!(
        script.requests()[0]
            .prompt
            .contains("Rewrite each item in its place")
    );
}

#[tokio::test]
async fn a_resume_rewrite_that_merges_bullets_is_rejected_for_the_builtin_bullets() {
    let builtin = builtin_resume().await;
    let script = Arc::new(ScriptedLlm::responding(|request| {
        let mut answer = draft_of(&request.prompt);
        for section in answer["sections"].as_array_mut().unwrap() {
            let items = section["items"].as_array_mut().unwrap();
            let ids: Vec<Value> = items
                .iter()
                .flat_map(|i| i["worklog_ids"].as_array().unwrap().clone())
                .collect();
            *items = vec![json!({"text": "Did a lot of good work.", "worklog_ids": ids})];
            items.push(json!({"text": "Also more.", "worklog_ids": ids}));
        }
        Ok(answer)
    }));
    let h = writer_harness(&script);
    let (alice, _, _) = entries(&h).await;
    let (document, events) = resume_document(&h, alice).await;
    assert_eq!(document["meta"]["x-afterresume"]["writer"], "builtin");
    assert_eq!(bullets(&document), bullets(&builtin));
    let warning = events
        .iter()
        .find(|e| e.level == EventLevel::Warning)
        .unwrap();
    assert!(
        warning.data["rejections"][0]
            .as_str()
            .unwrap()
            .contains("must keep its"),
        "{:?}",
        warning.data
    );
}
