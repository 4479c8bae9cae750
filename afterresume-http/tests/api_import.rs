//! `POST /api/worklogs/import/`: JSON arrays and files (raw and multipart),
//! re-imports that create nothing, bad rows named in `fields` with nothing
//! stored, large imports as a job with progress events, `Idempotency-Key`.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use support::{App, As, Reply};

const PATH: &str = "/api/worklogs/import/";

async fn upload(app: &App, query: &str, token: &str, content_type: &str, body: &str) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{PATH}?{query}"))
        .header("host", "localhost")
        .header("authorization", format!("Token {token}"))
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send(request).await
}

async fn count(app: &App, who: &As) -> usize {
    app.get("/api/worklogs/?limit=200", who).await.json["results"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn json_entries_and_files_import_once_and_only_for_their_owner() {
    let app = App::memory();
    let (_, token) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let alice = As::Token(token.clone());
    assert_eq!(
        app.post(PATH, &As::Anonymous, json!([])).await.status,
        StatusCode::UNAUTHORIZED
    );
    let entries = json!([
        {"date": "2026-11-23", "content": "Fixed the billing export.", "tags": ["billing"], "id": "a1"},
        {"date": "2026-11-24", "content": "Paired on search ranking."}
    ]);
    let reply = app.post(PATH, &alice, entries.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        (reply.json["created"].as_u64(), reply.json["read"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(reply.json["worklog_ids"].as_array().unwrap().len(), 2);
    let again = app.post(PATH, &alice, entries).await;
    assert_eq!(again.json["unchanged"], 2, "{}", again.text);
    assert_eq!(count(&app, &alice).await, 2);
    assert_eq!(count(&app, &As::Token(bob)).await, 0);

    let csv = "date,content,tags\n2026-11-25,Wrote the runbook,ops\n";
    let reply = upload(&app, "format=csv&name=notes.csv", &token, "text/csv", csv).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["created"], 1);
    let journal = "[2026-11-26 09:15] Planned the @billing migration.\n";
    let boundary = "XyZ";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"journal.txt\"\r\nContent-Type: text/plain\r\n\r\n{journal}\r\n--{boundary}--\r\n"
    );
    let reply = upload(
        &app,
        "format=jrnl&name=journal.txt&dry_run=true",
        &token,
        &format!("multipart/form-data; boundary={boundary}"),
        &multipart,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        (
            reply.json["created"].as_u64(),
            reply.json["dry_run"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(count(&app, &alice).await, 3, "a dry run stores nothing");
    let reply = upload(
        &app,
        "format=jrnl&name=journal.txt",
        &token,
        &format!("multipart/form-data; boundary={boundary}"),
        &multipart,
    )
    .await;
    assert_eq!(reply.json["created"], 1, "{}", reply.text);
    assert_eq!(count(&app, &alice).await, 4);
}

#[tokio::test]
async fn bad_rows_are_named_in_fields_and_nothing_is_stored() {
    let app = App::memory();
    let (_, token) = app.user("alice", false).await;
    let alice = As::Token(token.clone());
    let reply = app
        .post(
            PATH,
            &alice,
            json!([
                {"date": "2026-11-23", "content": "fine"},
                {"date": "2026-02-30", "content": "bad day"},
                {"date": "2026-11-24", "content": "   "},
                {"content": "no date"}
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .starts_with("3 rows are invalid"),
        "{}",
        reply.text
    );
    let fields = reply.json["fields"].as_object().unwrap();
    assert!(
        fields["entries[1]"][0]
            .as_str()
            .unwrap()
            .starts_with("date: '2026-02-30'"),
        "{fields:?}"
    );
    assert!(
        fields["entries[2]"][0]
            .as_str()
            .unwrap()
            .starts_with("content: must not be empty"),
        "{fields:?}"
    );
    assert!(
        fields["entries[3]"][0]
            .as_str()
            .unwrap()
            .contains("missing field `date`"),
        "{fields:?}"
    );
    assert_eq!(count(&app, &alice).await, 0);

    let csv = "date,text\n2026-11-23,x\n";
    let reply = upload(&app, "format=csv&name=n.csv", &token, "text/csv", csv).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.text.contains("missing column 'content'"),
        "{}",
        reply.text
    );
    let csv = "date,content\n2026-11-23,ok\n2026-13-01,bad\n";
    let reply = upload(&app, "format=csv&name=n.csv", &token, "text/csv", csv).await;
    assert_eq!(
        reply.json["fields"]["n.csv:3"][0],
        "date: '2026-13-01' is not a YYYY-MM-DD date with a year from 0001 to 9999",
        "{}",
        reply.text
    );
    for (query, problem) in [
        ("format=docx", "format"),
        ("format=csv&dry_run=maybe", "dry_run"),
    ] {
        let reply = upload(&app, query, &token, "text/csv", "date,content\n").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            reply.json["fields"].get(problem).is_some(),
            "{query}: {}",
            reply.text
        );
    }
    let reply = app.post(PATH, &alice, json!({"date": "2026-11-23"})).await;
    assert!(
        reply.text.contains("must be a JSON array"),
        "{}",
        reply.text
    );
    let reply = upload(
        &app,
        "format=jsonl",
        &token,
        "application/octet-stream",
        "\u{0}\u{1}",
    )
    .await;
    assert!(reply.text.contains("binary file"), "{}", reply.text);
    assert_eq!(count(&app, &alice).await, 0);
}

#[tokio::test]
async fn large_or_keyed_imports_run_as_a_job_that_reports_progress() {
    let app = App::memory();
    let (_, token) = app.user("alice", false).await;
    let alice = As::Token(token.clone());
    let lines: String = (0..1200)
        .map(|i| {
            let day = 1 + i % 28;
            format!("{{\"date\": \"2026-10-{day:02}\", \"content\": \"Entry {i}: tuned the exporter.\"}}\n")
        })
        .collect();
    let reply = upload(
        &app,
        "format=jsonl&name=big.jsonl",
        &token,
        "application/x-ndjson",
        &lines,
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let job_id = reply.json["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        count(&app, &alice).await,
        0,
        "checked now, written by the job"
    );
    app.run_jobs().await;
    let job = app.get(&format!("/api/jobs/{job_id}/"), &alice).await;
    assert_eq!(job.json["status"], "success", "{}", job.text);
    assert_eq!(job.json["result"]["created"], 1200);
    assert_eq!(
        job.json["progress"]["message"], "imported 1200 of 1200 entries",
        "{}",
        job.text
    );
    assert_eq!(job.json["progress"]["percent"], 100.0);
    let events = app
        .get(&format!("/api/jobs/{job_id}/events/?limit=200"), &alice)
        .await;
    let progress: Vec<Value> = events.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["message"].as_str().unwrap().starts_with("imported "))
        .map(|e| e["data"]["progress"].clone())
        .collect();
    assert_eq!(progress, [json!(41.7), json!(83.3), json!(100.0)]);

    // A keyed request is a job too, and the same key returns the same job.
    let body = json!([{"date": "2026-11-23", "content": "Fixed the export."}]);
    let keyed = |key: &'static str| {
        let body = body.clone();
        let app = &app;
        let alice = &alice;
        async move {
            app.call_with(
                Method::POST,
                PATH,
                alice,
                Some(body),
                &[("idempotency-key", key)],
                None,
            )
            .await
        }
    };
    let first = keyed("import-1").await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    let second = keyed("import-1").await;
    assert_eq!(first.json["job_id"], second.json["job_id"]);
    app.run_jobs().await;
    let job = app
        .get(
            &format!("/api/jobs/{}/", first.json["job_id"].as_str().unwrap()),
            &alice,
        )
        .await;
    assert_eq!(job.json["result"]["created"], 1, "{}", job.text);
}
