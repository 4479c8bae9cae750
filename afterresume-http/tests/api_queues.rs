//! Queues over HTTP: staff see what waits in each named queue and pause or
//! resume a queue or a job type; a paused queue's jobs stay queued while others
//! run; anyone else is refused, and bad names change nothing.

mod support;

use afterresume_core::EnqueueOptions;
use axum::http::StatusCode;
use serde_json::json;
use support::{App, As};

#[tokio::test]
async fn staff_pause_and_resume_queues_and_job_types() {
    let app = App::memory();
    let (_, root) = app.user("root", true).await;
    let (alice_id, alice) = app.user("alice", false).await;
    let (root, alice) = (As::Token(root), As::Token(alice));
    let engine = app.state.app.engine();

    assert_eq!(
        app.post("/system/queues/bulk/pause/", &alice, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/system/queues/", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    let paused = app
        .post("/system/queues/bulk/pause/", &root, json!({}))
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
    assert_eq!(
        paused.json,
        json!({"kind": "queue", "name": "bulk", "paused": true, "changed": true})
    );
    let again = app
        .post("/system/queues/bulk/pause/", &root, json!({}))
        .await;
    assert_eq!(again.json["changed"], false, "{}", again.text);
    let bad = app
        .post("/system/queues/Bad%20Name/pause/", &root, json!({}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert!(bad.text.contains("queue"), "{}", bad.text);

    let held = engine
        .enqueue(
            "worklog.analyze",
            json!({"worklog_id": 99_999}),
            EnqueueOptions::default()
                .with_user(alice_id)
                .with_queue("bulk")
                .with_priority(4),
        )
        .await
        .unwrap();
    let free = engine
        .enqueue(
            "worklog.analyze",
            json!({"worklog_id": 99_998}),
            EnqueueOptions::default().with_user(alice_id),
        )
        .await
        .unwrap();
    app.run_jobs().await;
    let job = app.get(&format!("/api/jobs/{}/", held.id), &alice).await;
    assert_eq!(job.json["status"], "queued", "{}", job.text);
    assert_eq!(
        (&job.json["queue"], &job.json["priority"]),
        (&json!("bulk"), &json!(4))
    );
    let ran = app.get(&format!("/api/jobs/{}/", free.id), &alice).await;
    assert_ne!(ran.json["status"], "queued", "{}", ran.text);

    let listed = app.get("/system/queues/", &root).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let bulk = listed.json["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "bulk")
        .cloned()
        .unwrap_or_else(|| panic!("no bulk queue in {}", listed.text));
    assert_eq!((&bulk["ready"], &bulk["paused"]), (&json!(1), &json!(true)));
    let in_queue = app.get("/api/jobs/?queue=bulk", &alice).await;
    assert_eq!(
        in_queue.json["results"].as_array().unwrap().len(),
        1,
        "{}",
        in_queue.text
    );
    let bad_filter = app.get("/api/jobs/?queue=AAA", &alice).await;
    assert_eq!(bad_filter.status, 400, "{}", bad_filter.text);
    assert!(
        bad_filter.text.contains("queue: must be"),
        "{}",
        bad_filter.text
    );

    let resumed = app
        .post("/system/queues/bulk/resume/", &root, json!({}))
        .await;
    assert_eq!(resumed.json["changed"], true, "{}", resumed.text);
    app.run_jobs().await;
    let job = app.get(&format!("/api/jobs/{}/", held.id), &alice).await;
    assert_ne!(job.json["status"], "queued", "{}", job.text);

    let typed = app
        .post("/system/job-types/report.generate/pause/", &root, json!({}))
        .await;
    assert_eq!(typed.json["kind"], "type", "{}", typed.text);
    let listed = app.get("/system/queues/", &root).await;
    assert_eq!(
        listed.json["paused_job_types"][0]["job_type"], "report.generate",
        "{}",
        listed.text
    );
    let bad_type = app
        .post("/system/job-types/NOT%20A%20TYPE/pause/", &root, json!({}))
        .await;
    assert_eq!(
        bad_type.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_type.text
    );
    let undone = app
        .post(
            "/system/job-types/report.generate/resume/",
            &root,
            json!({}),
        )
        .await;
    assert_eq!(undone.json["paused"], false, "{}", undone.text);
    assert!(
        app.get("/system/queues/", &root).await.json["paused_job_types"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
