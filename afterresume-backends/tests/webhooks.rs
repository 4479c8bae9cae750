//! Webhooks on job outcomes: a job that fails is announced by a
//! `webhook.deliver` job that POSTs the signed event to a real local receiver;
//! a receiver that answers 503 is tried again, one that answers 410 fails the
//! delivery for good; outcomes nobody subscribed to are not announced.

#![cfg(feature = "webhooks")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use afterresume_backends::memory::{MemoryEventSink, MemoryJobStore, MemoryQueue};
use afterresume_backends::webhook::{WebhookDelivery, WebhookOptions};
use afterresume_core::engine::{
    JobTypeOptions, RetryPolicy, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_DELIVER,
    webhook_signature,
};
use afterresume_core::ports::JobFilter;
use afterresume_core::{Engine, EnqueueOptions, Error, JobStatus, WorkerOptions, workflow_fn};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

const SECRET: &str = "webhook-secret-0123456789";

/// What the receiver got, and the statuses it answers with, in order (then 200).
#[derive(Default)]
struct Receiver {
    received: Mutex<Vec<(HeaderMap, Bytes)>>,
    answers: Mutex<Vec<StatusCode>>,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.received.lock().unwrap().push((headers, body));
    let mut answers = r.answers.lock().unwrap();
    if answers.is_empty() {
        StatusCode::OK
    } else {
        answers.remove(0)
    }
}

async fn receiver(answers: Vec<StatusCode>) -> (Arc<Receiver>, String) {
    let state = Arc::new(Receiver {
        answers: Mutex::new(answers),
        ..Receiver::default()
    });
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (state, url)
}

fn engine(url: &str) -> Engine {
    let delivery = WebhookDelivery::new(WebhookOptions::new(url, SECRET).unwrap()).unwrap();
    Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::new()))
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .with_webhooks(vec![JobStatus::Failed])
        .register_with(
            WEBHOOK_DELIVER,
            delivery,
            JobTypeOptions::default().with_retry(
                RetryPolicy::default()
                    .with_max_retries(3)
                    .with_initial_delay(Duration::from_millis(50)),
            ),
        )
        .register_with(
            "test.fatal",
            workflow_fn(|_ctx, _p| async move { Err(Error::invalid_input("no such worklog")) }),
            JobTypeOptions::default().with_retry(RetryPolicy::never()),
        )
        .register("test.echo", workflow_fn(|_ctx, p| async move { Ok(p) }))
        .build()
        .unwrap()
}

async fn deliveries(engine: &Engine) -> Vec<afterresume_core::domain::Job> {
    engine
        .list_jobs(&JobFilter {
            job_type: Some(WEBHOOK_DELIVER.into()),
            limit: 100,
            ..JobFilter::default()
        })
        .await
        .unwrap()
}

async fn settled(engine: &Engine, id: uuid::Uuid) -> afterresume_core::domain::Job {
    engine.wait_for(id, Duration::from_secs(30)).await.unwrap()
}

#[tokio::test]
async fn a_failed_job_is_announced_signed_and_retried_until_delivered() {
    let (receiver, url) = receiver(vec![StatusCode::SERVICE_UNAVAILABLE]).await;
    let engine = engine(&url);
    let running = engine.start(WorkerOptions::workers(2));
    let ok = engine
        .enqueue(
            "test.echo",
            json!({}),
            EnqueueOptions::default().with_user(7),
        )
        .await
        .unwrap();
    let failed = engine
        .enqueue(
            "test.fatal",
            json!({"secret": "never sent"}),
            EnqueueOptions::default().with_user(7),
        )
        .await
        .unwrap();
    assert_eq!(settled(&engine, ok.id).await.status, JobStatus::Success);
    assert_eq!(settled(&engine, failed.id).await.status, JobStatus::Failed);
    let mut found = deliveries(&engine).await;
    for _ in 0..100 {
        if found.len() == 1 && found[0].status == JobStatus::Success {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        found = deliveries(&engine).await;
    }
    running.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        found.len(),
        1,
        "only the failed job is announced: {found:?}"
    );
    let delivery = &found[0];
    assert_eq!(delivery.status, JobStatus::Success, "{delivery:?}");
    assert_eq!(delivery.retry_count, 1, "the 503 was tried again");
    assert_eq!(delivery.parent_job_id, Some(failed.id));
    assert_eq!(delivery.trace_id, failed.trace_id);

    let received = receiver.received.lock().unwrap();
    assert_eq!(received.len(), 2);
    let (headers, body) = &received[1];
    let event: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(event["event"], "job.failed");
    assert_eq!(event["job"]["id"], failed.id.to_string());
    assert_eq!(event["job"]["error"], "no such worklog");
    assert!(
        !String::from_utf8_lossy(body).contains("never sent"),
        "no payload"
    );
    let timestamp: i64 = headers[TIMESTAMP_HEADER].to_str().unwrap().parse().unwrap();
    assert_eq!(
        headers[SIGNATURE_HEADER].to_str().unwrap(),
        webhook_signature(SECRET, timestamp, body)
    );
    assert_ne!(
        headers[SIGNATURE_HEADER].to_str().unwrap(),
        webhook_signature("another-secret-0123456", timestamp, body)
    );
}

#[tokio::test]
async fn a_receiver_that_refuses_fails_the_delivery_for_good() {
    let (receiver, url) = receiver(vec![StatusCode::GONE]).await;
    let engine = engine(&url);
    let failed = engine
        .enqueue("test.fatal", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    engine.run_next().await.unwrap();
    let delivery = engine.run_next().await.unwrap().expect("the delivery runs");
    assert_eq!(delivery.parent_job_id, Some(failed.id));
    assert_eq!(
        (delivery.status, delivery.retry_count),
        (JobStatus::Failed, 0)
    );
    assert!(delivery.error.as_deref().unwrap().contains("answered 410"));
    assert!(
        !delivery.error.as_deref().unwrap().contains("127.0.0.1"),
        "the error names no address"
    );
    assert!(
        engine.run_next().await.unwrap().is_none(),
        "a failed delivery is not announced"
    );
    assert_eq!(receiver.received.lock().unwrap().len(), 1);
}

#[test]
fn options_are_checked_and_the_secret_never_printed() {
    let e = WebhookOptions::new("ftp://example.com/hook", SECRET).unwrap_err();
    assert!(e.message().contains("http://"), "{e}");
    let e = WebhookOptions::new("http://example.com/hook", "short").unwrap_err();
    assert!(e.message().starts_with("secret:"), "{e}");
    let options = WebhookOptions::new("https://example.com/hook", SECRET).unwrap();
    assert!(!format!("{options:?}").contains(SECRET));
}
