//! Input an attacker (or a fuzzer) sends: values a store cannot read back, NUL
//! bytes, dates out of range. Every one is a 400 that stores nothing, on every
//! backend, and nothing afterwards answers 5xx.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{App, As};

async fn worklog_count(app: &App, who: &As) -> usize {
    let list = app.get("/api/worklogs/?limit=200", who).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    list.json["results"].as_array().unwrap().len()
}

fn assert_bad_request(reply: &support::Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{what}: {} {}",
        reply.status,
        reply.text
    );
    assert_eq!(
        reply.json["code"], "invalid_input",
        "{what}: {}",
        reply.text
    );
}

async fn hostile_input(app: App) {
    let (_, token) = app.user("mallory", false).await;
    let who = As::Token(token);

    // Extreme floats round-trip: the row is stored and read back with its value.
    let created = app
        .post(
            "/api/worklogs/",
            &who,
            json!({"content": "ok", "metadata": {"n": 1.7976931348623157e308, "m": 5e-324}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["metadata"]["n"], json!(1.7976931348623157e308));
    let id = created.json["id"].as_i64().unwrap();
    let detail = app.get(&format!("/api/worklogs/{id}/"), &who).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(detail.json["metadata"]["n"], json!(1.7976931348623157e308));
    assert_eq!(detail.json["metadata"]["m"], json!(5e-324));
    assert_eq!(worklog_count(&app, &who).await, 1);

    // NUL anywhere in a worklog: 400, nothing stored.
    let mut deep = json!(1);
    for _ in 0..80 {
        deep = json!({ "k": deep });
    }
    let bodies = [
        ("content", json!({"content": "a\u{0}b"})),
        ("title", json!({"content": "ok", "title": "t\u{0}"})),
        ("tags", json!({"content": "ok", "tags": ["x\u{0}"]})),
        (
            "metadata key",
            json!({"content": "ok", "metadata": {"k\u{0}": 1}}),
        ),
        (
            "metadata value",
            json!({"content": "ok", "metadata": {"k": ["\u{0}"]}}),
        ),
        ("metadata depth", json!({"content": "ok", "metadata": deep})),
    ];
    for (what, body) in &bodies {
        let reply = app.post("/api/worklogs/", &who, body.clone()).await;
        assert_bad_request(&reply, what);
        let put = app
            .call(
                Method::PUT,
                &format!("/api/worklogs/{id}/"),
                &who,
                Some(body.clone()),
            )
            .await;
        assert_bad_request(&put, what);
    }
    let patch = app
        .call(
            Method::PATCH,
            &format!("/api/worklogs/{id}/"),
            &who,
            Some(json!({"content": "x\u{0}"})),
        )
        .await;
    assert_bad_request(&patch, "patch content");
    assert_eq!(worklog_count(&app, &who).await, 1);

    // NUL in query parameters.
    for path in [
        "/api/worklogs/?tag=a%00b",
        "/api/jobs/?type=a%00b",
        "/api/reports/?kind=%00",
    ] {
        assert_bad_request(&app.get(path, &who).await, path);
    }

    // Dates: years 0001 to 9999 in YYYY-MM-DD only.
    for date in [
        "-0001-01-01",
        "0000-01-01",
        "+10000-01-01",
        "26-01-01",
        "2026-02-30",
    ] {
        let reply = app
            .post(
                "/api/worklogs/",
                &who,
                json!({"content": "dated", "date": date}),
            )
            .await;
        assert_bad_request(&reply, date);
        assert_eq!(reply.json["fields"]["date"].as_array().unwrap().len(), 1);
        let listed = app
            .get(&format!("/api/worklogs/?date_from={date}"), &who)
            .await;
        assert_bad_request(&listed, date);
    }
    assert_eq!(worklog_count(&app, &who).await, 1);

    // A report period over the maximum is refused at the request: no job.
    for body in [
        json!({"kind": "summary", "start": "0001-01-01", "end": "9999-12-31"}),
        json!({"kind": "summary", "start": "1900-01-01"}),
        json!({"kind": "status", "end": "0001-01-01"}),
    ] {
        let reply = app.post("/api/reports/generate/", &who, body.clone()).await;
        assert_bad_request(&reply, &body.to_string());
    }
    let jobs = app.get("/api/jobs/", &who).await;
    assert_eq!(jobs.json["results"].as_array().unwrap().len(), 0);

    // The resume and reports still work for this user.
    let refresh = app.post("/api/resume/refresh/", &who, json!({})).await;
    assert_eq!(refresh.status, StatusCode::ACCEPTED, "{}", refresh.text);
    app.run_jobs().await;
    let resume = app.get("/api/resume/", &who).await;
    assert_eq!(resume.status, StatusCode::OK, "{}", resume.text);
    let deleted = app
        .call(Method::DELETE, &format!("/api/worklogs/{id}/"), &who, None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn hostile_input_on_memory() {
    hostile_input(App::memory()).await;
}

#[tokio::test]
async fn hostile_input_on_sqlite() {
    hostile_input(App::sqlite().await).await;
}

#[tokio::test]
async fn hostile_input_on_postgres() {
    hostile_input(App::postgres().await).await;
}
