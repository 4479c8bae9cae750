//! Dead letters over HTTP: staff list the jobs that failed for good, run one
//! again (the same job) and purge the rest; anyone else is refused.

mod support;

use afterresume_core::EnqueueOptions;
use axum::http::StatusCode;
use serde_json::json;
use support::{App, As};

#[tokio::test]
async fn staff_list_retry_and_purge_dead_jobs() {
    let app = App::memory();
    let (_, root) = app.user("root", true).await;
    let (alice_id, alice) = app.user("alice", false).await;
    let (root, alice) = (As::Token(root), As::Token(alice));
    let engine = app.state.app.engine();
    let mut dead = Vec::new();
    for worklog_id in [99_998, 99_999] {
        let job = engine
            .enqueue(
                "worklog.analyze",
                json!({"worklog_id": worklog_id}),
                EnqueueOptions::default().with_user(alice_id),
            )
            .await
            .unwrap();
        dead.push(job.id.to_string());
    }
    app.run_jobs().await;

    assert_eq!(
        app.get("/system/jobs/dead/", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    let listed = app.get("/system/jobs/dead/", &root).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let ids: Vec<&str> = listed.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{}", listed.text);
    assert!(dead.iter().all(|d| ids.contains(&d.as_str())));

    let by_alice = app
        .post(
            &format!("/system/jobs/{}/retry/", dead[0]),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(by_alice.status, StatusCode::FORBIDDEN);
    let retried = app
        .post(
            &format!("/system/jobs/{}/retry/", dead[0]),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.text);
    assert_eq!(retried.json["id"], dead[0].as_str(), "the same job");
    assert_eq!(
        (&retried.json["status"], &retried.json["trigger"]),
        (&json!("queued"), &json!("retry"))
    );
    let again = app
        .post(
            &format!("/system/jobs/{}/retry/", dead[0]),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let events = app
        .get(&format!("/system/jobs/{}/events/", dead[0]), &root)
        .await;
    assert!(
        events.text.contains("job retried by an operator"),
        "{}",
        events.text
    );

    let refused = app
        .post("/system/jobs/dead/purge/", &alice, json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let none = app
        .post(
            "/system/jobs/dead/purge/?type=resume.refresh",
            &root,
            json!({}),
        )
        .await;
    assert_eq!(none.json, json!({"deleted": 0}));
    let purged = app.post("/system/jobs/dead/purge/", &root, json!({})).await;
    assert_eq!(purged.json, json!({"deleted": 1}), "{}", purged.text);
    assert_eq!(
        app.get(&format!("/system/jobs/{}/", dead[1]), &root)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/system/jobs/{}/", dead[0]), &root)
            .await
            .json["status"],
        "queued",
        "the retried job stays"
    );
}
