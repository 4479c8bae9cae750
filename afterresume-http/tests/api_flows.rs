//! The API end to end through the router: the whole flow on memory, on the
//! embedded SQLite default and on Postgres; CRUD and keyset pages; bad input that
//! stores nothing; idempotency; cancel; the dashboard and /metrics; readiness.

mod support;

use std::sync::Arc;

use afterresume_backends::memory::ScriptedLlm;
use afterresume_http::{HostSettings, openapi};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{App, As, SECRET_KEY};

const LOGS: &[(&str, &str, &str)] = &[
    (
        "2026-11-16",
        "billing",
        "Moved the billing service from MySQL to PostgreSQL 15 (BILL-7).",
    ),
    (
        "2026-11-17",
        "platform",
        "Deployed the API to Kubernetes with Helm; reduced p99 from 800 to 120 ms.",
    ),
    (
        "2026-11-18",
        "billing",
        "Fixed a race in the Rust payment worker and added tests.",
    ),
    (
        "2026-11-19",
        "web",
        "Built the settings page in React with TypeScript.",
    ),
    (
        "2026-11-20",
        "platform",
        "Moved CI to GitHub Actions and wrote Terraform for the VPC.",
    ),
];

async fn job_status(app: &App, who: &As, job_id: &str) -> Value {
    app.get(&format!("/api/jobs/{job_id}/"), who).await.json
}

/// The flow a user goes through, on any backend.
async fn full_flow(app: App) {
    let (_, token) = app.user("alice", false).await;
    let alice = As::Token(token);
    let mut ids = Vec::new();
    for (date, tag, content) in LOGS {
        let reply = app
            .post(
                "/api/worklogs/",
                &alice,
                json!({"content": content, "date": date, "tags": [tag], "title": "day"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.json["analysis"], Value::Null);
        ids.push(reply.json["id"].as_i64().unwrap());
    }
    // Keyset pages, newest first, never overlapping.
    let first = app.get("/api/worklogs/?limit=2", &alice).await;
    let dates: Vec<&str> = first.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-11-20", "2026-11-19"]);
    let next = first.json["next"].as_str().unwrap();
    let second = app
        .get(&format!("/api/worklogs/?limit=2&cursor={next}"), &alice)
        .await;
    let dates: Vec<&str> = second.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-11-18", "2026-11-17"]);
    let third = app
        .get(
            &format!(
                "/api/worklogs/?limit=2&cursor={}",
                second.json["next"].as_str().unwrap()
            ),
            &alice,
        )
        .await;
    assert_eq!(third.json["results"].as_array().unwrap().len(), 1);
    assert_eq!(third.json["next"], Value::Null);
    let tagged = app
        .get("/api/worklogs/?tag=billing&date_from=2026-11-17", &alice)
        .await;
    assert_eq!(tagged.json["results"].as_array().unwrap().len(), 1);
    let searched = app.get("/api/worklogs/?q=bill-7", &alice).await;
    assert_eq!(searched.json["results"].as_array().unwrap().len(), 1);
    assert_eq!(searched.json["results"][0]["date"], "2026-11-16");
    let long = "x".repeat(201);
    let refused = app.get(&format!("/api/worklogs/?q={long}"), &alice).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    // Analyze each; 202 bodies as the reference says.
    for id in &ids {
        let reply = app
            .post(&format!("/api/worklogs/{id}/analyze/"), &alice, json!({}))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
        assert_eq!(reply.json["status"], "queued");
        assert_eq!(reply.json["message"], "Job enqueued");
        assert!(reply.json["job_id"].as_str().is_some());
    }
    app.run_jobs().await;
    let analyzed = app.get(&format!("/api/worklogs/{}/", ids[0]), &alice).await;
    let content = analyzed.json["content"].as_str().unwrap();
    let skills = analyzed.json["analysis"]["skills"].as_array().unwrap();
    assert!(!skills.is_empty());
    for s in skills {
        for key in [
            "skill",
            "skill_id",
            "category",
            "excerpt",
            "start",
            "end",
            "confidence",
        ] {
            assert!(s.get(key).is_some(), "{key} in {s}");
        }
        let (start, end) = (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize,
        );
        let slice: String = content.chars().skip(start).take(end - start).collect();
        assert_eq!(slice, s["excerpt"].as_str().unwrap());
    }

    // Skills with evidence.
    let recompute = app
        .post("/api/skills/recompute/", &alice, json!({"window_days": 90}))
        .await;
    assert_eq!(recompute.status, StatusCode::ACCEPTED, "{}", recompute.text);
    app.run_jobs().await;
    let job = job_status(&app, &alice, recompute.json["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "success", "{job}");
    assert_eq!(job["type"], "skills.extract");
    let listed = app.get("/api/skills/", &alice).await;
    let names: Vec<&str> = listed.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for expected in [
        "PostgreSQL",
        "Kubernetes",
        "React",
        "Terraform",
        "GitHub Actions",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let pg = listed.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "PostgreSQL")
        .unwrap();
    assert!(pg["evidence_count"].as_u64().unwrap() >= 1);
    assert_eq!(pg["first_seen"], "2026-11-16");
    let evidence = app
        .get(&format!("/api/skills/{}/evidence/", pg["id"]), &alice)
        .await;
    let rows = evidence.json["results"].as_array().unwrap();
    assert_eq!(rows[0]["worklog_id"], ids[0]);
    assert!(rows[0]["excerpt"].as_str().unwrap().contains("PostgreSQL"));

    // Reports, each item tracing to worklogs.
    for kind in ["status", "standup", "summary"] {
        let reply = app
            .post(
                "/api/reports/generate/",
                &alice,
                json!({"kind": kind, "start": "2026-11-16", "end": "2026-11-20"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{kind}: {}", reply.text);
    }
    app.run_jobs().await;
    let reports = app.get("/api/reports/?limit=2", &alice).await;
    assert_eq!(reports.json["results"].as_array().unwrap().len(), 2);
    let rest = app
        .get(
            &format!(
                "/api/reports/?cursor={}",
                reports.json["next"].as_str().unwrap()
            ),
            &alice,
        )
        .await;
    assert_eq!(rest.json["results"].as_array().unwrap().len(), 1);
    let status = app.get("/api/reports/?kind=status", &alice).await.json["results"][0].clone();
    let detail = app
        .get(&format!("/api/reports/{}/", status["id"]), &alice)
        .await;
    for key in [
        "id",
        "kind",
        "period_start",
        "period_end",
        "content",
        "data",
        "created_at",
    ] {
        assert!(detail.json.get(key).is_some(), "{key}");
    }
    assert!(
        detail.json["content"].as_str().unwrap().contains('#'),
        "Markdown"
    );
    assert!(
        detail.json["data"]
            .to_string()
            .contains(&ids[1].to_string()),
        "worklog ids behind items"
    );

    // Resume: JSON Resume, Markdown and HTML, versioned.
    assert_eq!(
        app.get("/api/resume/", &alice).await.status,
        StatusCode::NOT_FOUND
    );
    for _ in 0..2 {
        let reply = app.post("/api/resume/refresh/", &alice, json!({})).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
        app.run_jobs().await;
    }
    let resume = app.get("/api/resume/", &alice).await;
    assert_eq!(resume.status, StatusCode::OK);
    assert!(resume.json["basics"]["name"].is_string());
    assert!(
        resume.json["skills"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(
        resume.text.contains("\"x-afterresume\""),
        "evidence ids ride along"
    );
    let markdown = app.get("/api/resume/?format=markdown", &alice).await;
    assert!(
        markdown.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(markdown.text.contains("PostgreSQL"));
    let html = app.get("/api/resume/?format=html", &alice).await;
    assert!(
        html.text.contains("<html") || html.text.contains("<h1"),
        "{}",
        html.text
    );
    assert_eq!(
        app.get("/api/resume/?version=1", &alice).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/resume/?version=9", &alice).await.status,
        StatusCode::NOT_FOUND
    );

    // The timeline of a job.
    let jobs = app.get("/api/jobs/?type=worklog.analyze", &alice).await;
    assert_eq!(jobs.json["results"].as_array().unwrap().len(), LOGS.len());
    let job_id = jobs.json["results"][0]["id"].as_str().unwrap().to_owned();
    let events = app
        .get(&format!("/api/jobs/{job_id}/events/"), &alice)
        .await;
    let sources: Vec<&str> = events.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    for source in ["system", "worker", "workflow", "agent"] {
        assert!(sources.contains(&source), "{source} in {sources:?}");
    }

    // Update and delete.
    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/worklogs/{}/", ids[0]),
            &alice,
            Some(json!({"content": "Rewrote it in Go.", "title": null})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(
        patched.json["analysis"],
        Value::Null,
        "new content clears the analysis"
    );
    assert_eq!(patched.json["title"], Value::Null);
    assert_eq!(
        patched.json["tags"],
        json!(["billing"]),
        "absent fields stay"
    );
    let replaced = app
        .call(
            Method::PUT,
            &format!("/api/worklogs/{}/", ids[0]),
            &alice,
            Some(json!({"content": "Replaced.", "date": "2026-11-16"})),
        )
        .await;
    assert_eq!(replaced.json["tags"], json!([]));
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/worklogs/{}/", ids[0]),
            &alice,
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/worklogs/{}/", ids[0]), &alice)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_full_flow_on_memory() {
    full_flow(App::memory()).await;
}

#[tokio::test]
async fn the_full_flow_on_the_embedded_sqlite_default() {
    full_flow(App::sqlite().await).await;
}

#[tokio::test]
async fn the_full_flow_on_postgres() {
    full_flow(App::postgres().await).await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_stores_nothing() {
    let app = App::memory();
    let (_, token) = app.user("alice", false).await;
    let alice = As::Token(token);
    let raw = |body: &'static str, content_type: &'static str| {
        axum::http::Request::post("/api/worklogs/")
            .header("host", "localhost")
            .header(
                "authorization",
                format!(
                    "Token {}",
                    match &alice {
                        As::Token(t) => t.clone(),
                        _ => unreachable!(),
                    }
                ),
            )
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let malformed = app.send(raw("{\"content\": ", "application/json")).await;
    assert_eq!(
        (malformed.status, malformed.json["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    let wrong_type = app
        .send(raw("content=hi", "application/x-www-form-urlencoded"))
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!("{{\"content\": \"{}\"}}", "x".repeat(2 << 20));
    let huge: &'static str = Box::leak(huge.into_boxed_str());
    let too_big = app.send(raw(huge, "application/json")).await;
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_big.text
    );

    let cases: Vec<(Method, &str, Value, &str)> = vec![
        (
            Method::POST,
            "/api/worklogs/",
            json!({"content": 5}),
            "content",
        ),
        (
            Method::POST,
            "/api/worklogs/",
            json!({"content": "   "}),
            "content",
        ),
        (Method::POST, "/api/worklogs/", json!({}), "content"),
        (
            Method::POST,
            "/api/worklogs/",
            json!({"content": "ok", "date": "2026-02-30"}),
            "date",
        ),
        (
            Method::POST,
            "/api/worklogs/",
            json!({"content": "ok", "tags": "one"}),
            "tags",
        ),
        (
            Method::POST,
            "/api/worklogs/",
            json!({"content": "ok", "metadata": [1]}),
            "metadata",
        ),
        (
            Method::POST,
            "/api/worklogs/",
            json!({"content": "ok", "colour": "red"}),
            "colour",
        ),
        (
            Method::POST,
            "/api/reports/generate/",
            json!({"kind": "weekly"}),
            "kind",
        ),
        (
            Method::POST,
            "/api/reports/generate/",
            json!({"kind": "status", "start": "yesterday"}),
            "start",
        ),
        (
            Method::POST,
            "/api/reports/generate/",
            json!({"kind": "status", "start": "2026-11-20", "end": "2026-11-01"}),
            "start",
        ),
        (
            Method::POST,
            "/api/skills/recompute/",
            json!({"window_days": 0}),
            "window_days",
        ),
        (
            Method::GET,
            "/api/worklogs/?date_from=tomorrow",
            Value::Null,
            "date_from",
        ),
        (Method::GET, "/api/worklogs/?limit=0", Value::Null, "limit"),
        (
            Method::GET,
            "/api/worklogs/?limit=abc",
            Value::Null,
            "limit",
        ),
        (
            Method::GET,
            "/api/worklogs/?cursor=zz",
            Value::Null,
            "cursor",
        ),
        (Method::GET, "/api/jobs/?status=done", Value::Null, "status"),
        (Method::GET, "/api/jobs/not-a-uuid/", Value::Null, "id"),
        (
            Method::GET,
            "/api/resume/?format=docx",
            Value::Null,
            "format",
        ),
    ];
    for (method, path, body, field) in cases {
        let body = (!body.is_null()).then_some(body);
        let reply = app.call(method.clone(), path, &alice, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body:?}: {}",
            reply.text
        );
        assert!(
            reply.json["message"].as_str().unwrap().contains(field),
            "{field}: {}",
            reply.text
        );
        assert!(reply.json["fields"].is_object());
    }
    assert!(
        app.state
            .app
            .domain()
            .list_worklogs(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );
    let jobs = app
        .state
        .app
        .engine()
        .list_jobs(&Default::default())
        .await
        .unwrap();
    assert!(jobs.is_empty(), "no job stored: {jobs:?}");
}

#[tokio::test]
async fn idempotency_keys_return_the_same_job_and_refuse_reuse() {
    let app = App::memory();
    let (_, a) = app.user("alice", false).await;
    let (_, b) = app.user("bob", false).await;
    let (alice, bob) = (As::Token(a), As::Token(b));
    let key = [("idempotency-key", "retry-42")];
    let send = |who: &As, path: &str, body: Value| {
        let (app, who, path) = (&app, who.clone(), path.to_owned());
        async move {
            app.call_with(Method::POST, &path, &who, Some(body), &key, None)
                .await
        }
    };
    let first = send(&alice, "/api/reports/generate/", json!({"kind": "status"})).await;
    let again = send(&alice, "/api/reports/generate/", json!({"kind": "status"})).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(first.json["job_id"], again.json["job_id"]);
    assert!(again.json["message"].as_str().unwrap().contains("already"));
    let other_request = send(&alice, "/api/reports/generate/", json!({"kind": "summary"})).await;
    assert_eq!(other_request.status, StatusCode::CONFLICT);
    let other_route = send(&alice, "/api/resume/refresh/", json!({})).await;
    assert_eq!(other_route.status, StatusCode::CONFLICT);
    let other_user = send(&bob, "/api/reports/generate/", json!({"kind": "status"})).await;
    assert_eq!(other_user.status, StatusCode::ACCEPTED);
    assert_ne!(
        other_user.json["job_id"], first.json["job_id"],
        "keys are per user"
    );
    assert_eq!(
        app.state
            .app
            .engine()
            .list_jobs(&Default::default())
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn queued_jobs_can_be_cancelled_once() {
    let app = App::memory();
    let (_, token) = app.user("alice", false).await;
    let alice = As::Token(token);
    let job = app.post("/api/resume/refresh/", &alice, json!({})).await;
    let id = job.json["job_id"].as_str().unwrap();
    let cancelled = app
        .call(
            Method::POST,
            &format!("/api/jobs/{id}/cancel/"),
            &alice,
            None,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json["status"], "cancelled");
    let twice = app
        .call(
            Method::POST,
            &format!("/api/jobs/{id}/cancel/"),
            &alice,
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
    app.run_jobs().await;
    assert_eq!(job_status(&app, &alice, id).await["status"], "cancelled");
}

#[tokio::test]
async fn dashboard_and_metrics_report_real_figures() {
    let app = App::memory();
    let (_, token) = app.user("alice", false).await;
    let (_, root) = app.user("root", true).await;
    let (alice, root) = (As::Token(token), As::Token(root));
    let w = app
        .post(
            "/api/worklogs/",
            &alice,
            json!({"content": "Tuned PostgreSQL indexes"}),
        )
        .await;
    app.post(
        &format!("/api/worklogs/{}/analyze/", w.json["id"]),
        &alice,
        json!({}),
    )
    .await;
    app.run_jobs().await;
    app.post("/api/resume/refresh/", &alice, json!({})).await; // stays queued
    let overview = app.get("/system/overview/", &root).await;
    assert_eq!(overview.status, StatusCode::OK);
    let o = &overview.json;
    assert_eq!(o["jobs"]["by_status"]["success"], 1, "{o}");
    assert_eq!(o["jobs"]["by_status"]["queued"], 1);
    assert_eq!(o["jobs"]["by_type"]["worklog.analyze"]["success"], 1);
    // The analyzed job's message may linger: queues may repeat deliveries.
    assert!(o["queue"]["ready"].as_u64().unwrap() >= 1);
    assert!(o["oldest_queued_age_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(o["failure_rate"], 0.0);
    let jobs = app.get("/system/jobs/?status=queued", &root).await;
    assert_eq!(jobs.json["results"][0]["type"], "resume.refresh");
    let id = jobs.json["results"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/system/jobs/{id}/"), &root).await.json["status"],
        "queued"
    );
    assert!(
        !app.get(&format!("/system/jobs/{id}/events/"), &root)
            .await
            .json["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let health = app.get("/system/health/", &root).await;
    for dep in ["job_store", "queue", "domain_store", "artifact_store"] {
        assert_eq!(
            health.json["checks"][dep]["status"], "ok",
            "{dep}: {}",
            health.text
        );
        assert!(health.json["checks"][dep]["latency_ms"].is_number());
    }

    assert_eq!(
        app.get("/metrics", &As::Anonymous).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/metrics", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    let metrics = app.get("/metrics", &root).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    for needle in [
        "afterresume_jobs{type=\"worklog.analyze\",status=\"success\"} 1",
        "afterresume_queue_depth{state=\"ready\"}",
        "afterresume_job_attempts_total{type=\"worklog.analyze\",outcome=\"success\"} 1",
        "afterresume_job_duration_seconds_count{type=\"worklog.analyze\"} 1",
        "afterresume_http_requests_total{method=\"POST\",route=\"/api/worklogs/{id}/analyze/\",status=\"202\"} 1",
        "afterresume_http_request_duration_seconds_bucket{method=\"GET\",route=\"/system/overview/\",le=\"+Inf\"} 1",
    ] {
        assert!(
            metrics.text.contains(needle),
            "{needle} in\n{}",
            metrics.text
        );
    }
}

#[tokio::test]
async fn metrics_open_to_the_configured_bearer_token() {
    let settings = afterresume_http::HostSettings {
        metrics_token: Some("prometheus-scrape-token".into()),
        ..afterresume_http::HostSettings::with_secret_key(support::SECRET_KEY)
    };
    let app = App::memory_with(settings);
    let scrape = app
        .get("/metrics", &As::Bearer("prometheus-scrape-token".into()))
        .await;
    assert_eq!(scrape.status, StatusCode::OK);
    assert!(scrape.text.contains("afterresume_jobs"));
    let wrong = app
        .get("/metrics", &As::Bearer("prometheus-scrape-tokeN".into()))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

/// A job that fails in a backend tells its owner a stable sentence; the driver's
/// text (here a host and port) is for staff only.
#[tokio::test]
async fn job_errors_hide_internals_from_users() {
    use afterresume_backends::memory::{
        MemoryDomainStore, MemoryEventSink, MemoryJobStore, MemoryQueue,
    };
    use afterresume_core::engine::workflow_fn;
    use afterresume_core::{Engine, EnqueueOptions, Error};
    use std::sync::Arc;

    let engine = Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::new()))
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .register(
            "test.backend",
            workflow_fn(|_ctx, _payload| async {
                Err::<serde_json::Value, _>(
                    Error::backend("postgres: query failed")
                        .with_source(std::io::Error::other("db-7.internal:5432 refused"))
                        .permanent(),
                )
            }),
        )
        .build()
        .unwrap();
    let domain = Arc::new(MemoryDomainStore::new());
    let state = afterresume_http::AppState::new(
        engine,
        domain,
        afterresume_http::HostSettings::with_secret_key(support::SECRET_KEY),
    );
    let app = App::from_state(state);
    let (alice_id, alice) = app.user("alice", false).await;
    let (_, root) = app.user("root", true).await;
    let job = app
        .state
        .app
        .engine()
        .enqueue(
            "test.backend",
            json!({}),
            EnqueueOptions {
                user_id: Some(alice_id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.run_jobs().await;
    let (alice, root) = (As::Token(alice), As::Token(root));
    for path in [
        format!("/api/jobs/{}/", job.id),
        format!("/api/jobs/{}/events/", job.id),
        "/api/jobs/".to_owned(),
    ] {
        let seen = app.get(&path, &alice).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
        assert!(
            !seen.text.contains("db-7.internal"),
            "{path}: {}",
            seen.text
        );
        assert!(!seen.text.contains("postgres"), "{path}: {}", seen.text);
    }
    let detail = app.get(&format!("/api/jobs/{}/", job.id), &alice).await;
    assert_eq!(detail.json["status"], "failed");
    assert_eq!(
        detail.json["error"],
        "a backend service failed; operators can see the details"
    );
    let staff = app
        .get(&format!("/system/jobs/{}/events/", job.id), &root)
        .await;
    assert!(
        staff.text.contains("db-7.internal:5432 refused"),
        "{}",
        staff.text
    );
}

#[tokio::test]
async fn readiness_names_the_dependency_that_is_down() {
    let mut app = App::memory();
    assert_eq!(
        app.get("/api/readyz/", &As::Anonymous).await.status,
        StatusCode::OK
    );
    // An LLM server that does not answer: readiness says so, without internals.
    let mut options =
        afterresume_backends::openai::OpenAiOptions::new("vllm", "http://127.0.0.1:9/v1", "m");
    options.max_retries = 0;
    let provider = afterresume_backends::openai::OpenAiProvider::new(options).unwrap();
    app.state.llm = Some(Arc::new(provider));
    app.router = afterresume_http::router(app.state.clone());
    let reply = app.get("/api/readyz/", &As::Anonymous).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json["checks"]["llm"]["status"], "unavailable");
    assert_eq!(reply.json["checks"]["job_store"]["status"], "ok");
    assert!(
        !reply.text.contains("127.0.0.1:9"),
        "no internals in public readiness"
    );
    let scripted: Arc<ScriptedLlm> = Arc::new(ScriptedLlm::new());
    app.state.llm = Some(scripted);
    app.router = afterresume_http::router(app.state.clone());
    assert_eq!(
        app.get("/api/readyz/", &As::Anonymous).await.status,
        StatusCode::OK
    );
}

#[test]
fn the_openapi_document_describes_security_and_bodies() {
    let doc = openapi();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let schemes = &doc["components"]["securitySchemes"];
    assert!(schemes.get("token").is_some() && schemes.get("session").is_some());
    let create = &doc["paths"]["/api/worklogs/"]["post"];
    assert!(create["requestBody"].is_object());
    assert!(create["responses"].get("201").is_some());
    assert!(
        doc["components"]["schemas"]["WorkLogInput"]["properties"]
            .get("content")
            .is_some()
    );
    let _ = HostSettings::with_secret_key(SECRET_KEY);
}
