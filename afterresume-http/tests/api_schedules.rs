//! Schedules from the host: staff create (or replace) one by name with a time
//! zone, pause, resume and delete it over `/system/schedules/`; anyone else is
//! refused, and a bad request changes nothing.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{App, As};

#[tokio::test]
async fn staff_manage_schedules_by_name_with_a_time_zone() {
    let app = App::memory();
    let (_, root) = app.user("root", true).await;
    let (alice_id, alice) = app.user("alice", false).await;
    let (root, alice) = (As::Token(root), As::Token(alice));

    let body = json!({"name": "standup", "cron": "0 9 * * 1-5", "time_zone": "Europe/Paris",
                      "type": "report.generate", "payload": {"kind": "standup"},
                      "user_id": alice_id});
    let refused = app.post("/system/schedules/", &alice, body.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let anonymous = app
        .post("/system/schedules/", &As::Anonymous, body.clone())
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    for (patch, field) in [
        (json!({"cron": "0 25 * * *"}), "cron hour"),
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"type": "no.such-type"}), "unknown job type"),
        (json!({"payload": [1]}), "payload"),
        (json!({"user_id": 999}), "user_id"),
        (json!({"user_id": 1.5}), "user_id"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let mut bad = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let reply = app.post("/system/schedules/", &root, bad).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{field}: {}",
            reply.text
        );
        assert!(reply.text.contains(field), "{field}: {}", reply.text);
    }
    let listed = app.get("/system/schedules/", &root).await;
    assert_eq!(
        listed.json["results"],
        json!([]),
        "a bad request changes nothing"
    );
    // The document's list of job types is the engine's.
    let mut builtin = afterresume_core::workflows::BUILTIN_JOB_TYPES.to_vec();
    builtin.sort_unstable();
    assert_eq!(app.state.app.engine().job_types(), builtin);

    let mut whole = body.clone();
    whole["user_id"] = json!(alice_id as f64);
    let created = app.post("/system/schedules/", &root, whole).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.json["cron"], "CRON_TZ=Europe/Paris 0 9 * * 1-5");
    assert_eq!(created.json["enabled"], true);
    let next = created.json["next_run_at"].as_str().unwrap();
    // 09:00 in Paris is 07:00 or 08:00 UTC, never 09:00.
    assert!(
        next.contains("T07:00:00") || next.contains("T08:00:00"),
        "{next}"
    );

    let paused = app
        .post("/system/schedules/standup/pause/", &root, json!({}))
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
    assert_eq!(paused.json["enabled"], false);
    let by_alice = app
        .post("/system/schedules/standup/resume/", &alice, json!({}))
        .await;
    assert_eq!(by_alice.status, StatusCode::FORBIDDEN);
    let resumed = app
        .post("/system/schedules/standup/resume/", &root, json!({}))
        .await;
    assert_eq!(resumed.json["enabled"], true);
    let missing = app
        .post("/system/schedules/nightly/pause/", &root, json!({}))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.text.contains("schedule 'nightly' not found"),
        "{}",
        missing.text
    );

    // The same name replaces it.
    let mut every_minute = body.clone();
    every_minute["cron"] = json!("@every_minute");
    every_minute["time_zone"] = json!(null);
    let replaced = app.post("/system/schedules/", &root, every_minute).await;
    assert_eq!(replaced.json["id"], created.json["id"]);
    assert_eq!(replaced.json["cron"], "@every_minute");

    let deleted = app
        .call(Method::DELETE, "/system/schedules/standup/", &root, None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let listed = app.get("/system/schedules/", &root).await;
    assert_eq!(listed.json["results"], json!([]));
    let again = app
        .call(Method::DELETE, "/system/schedules/standup/", &root, None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}
