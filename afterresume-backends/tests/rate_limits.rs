//! Rate limits through the store's counters: a job type's starts per period
//! on the memory and SQLite backends (three processes on Postgres are in
//! `tests/tests/scale_out.rs`), and the LLM provider held to a request rate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use afterresume_backends::memory::{
    MemoryDomainStore, MemoryEventSink, MemoryJobStore, MemoryQueue, ScriptedLlm,
};
use afterresume_backends::sqlite::SqliteBackend;
use afterresume_core::agents::RateLimitedLlm;
use afterresume_core::clock::SystemClock;
use afterresume_core::engine::RateLimiter;
use afterresume_core::ports::{
    ListEventsOptions, LlmProvider, LlmRequest, SharedEventSink, SharedJobStore, SharedQueue,
    ThrottleStore,
};
use afterresume_core::{
    Engine, EnqueueOptions, ErrorKind, JobStatus, JobTypeOptions, WorkerOptions, workflow_fn,
};
use chrono::{DateTime, Utc};
use serde_json::json;

const LIMIT: usize = 2;
const PERIOD: Duration = Duration::from_millis(300);

/// Runs 8 jobs of a type limited to 2 starts per 300 ms on 4 workers and
/// checks every period from the starts themselves.
async fn limit_holds(
    store: SharedJobStore,
    queue: SharedQueue,
    events: SharedEventSink,
    throttle: Arc<dyn ThrottleStore>,
) {
    let periods: Arc<Mutex<Vec<DateTime<Utc>>>> = Arc::default();
    let seen = Arc::clone(&periods);
    let engine = Engine::builder()
        .with_job_store(store)
        .with_queue(queue)
        .with_event_sink(Arc::clone(&events))
        .with_rate_limiter(throttle)
        .register_with(
            "test.limited",
            workflow_fn(move |ctx, _payload| {
                let seen = Arc::clone(&seen);
                async move {
                    seen.lock()
                        .unwrap()
                        .push(ctx.rate_period().expect("counted"));
                    Ok(json!({}))
                }
            }),
            JobTypeOptions::default().with_rate_limit(LIMIT as u32, PERIOD),
        )
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..8 {
        let job = engine
            .enqueue("test.limited", json!({}), EnqueueOptions::default())
            .await
            .unwrap();
        ids.push(job.id);
    }
    let running = engine.start(WorkerOptions::workers(4));
    let started = Instant::now();
    for id in &ids {
        let job = engine.wait_for(*id, Duration::from_secs(30)).await.unwrap();
        assert_eq!((job.status, job.retry_count), (JobStatus::Success, 0));
    }
    running.shutdown(Duration::from_secs(5)).await;
    let periods = periods.lock().unwrap().clone();
    assert_eq!(periods.len(), 8, "each job ran once");
    let mut per_period = std::collections::BTreeMap::new();
    for p in &periods {
        *per_period.entry(*p).or_insert(0usize) += 1;
    }
    assert!(
        per_period.values().all(|n| *n <= LIMIT),
        "a period held more than {LIMIT} starts: {per_period:?}"
    );
    assert!(per_period.len() >= 4, "{per_period:?}");
    assert!(started.elapsed() >= PERIOD * 2, "{:?}", started.elapsed());
    let mut waited = false;
    for id in &ids {
        let timeline = events
            .list(*id, &ListEventsOptions::default())
            .await
            .unwrap();
        waited |= timeline
            .iter()
            .any(|e| e.message == "rate limit reached; waiting for the next period");
    }
    assert!(waited, "some job waited for a period");
}

#[tokio::test]
async fn a_job_types_rate_limit_holds_on_memory() {
    limit_holds(
        Arc::new(MemoryJobStore::new()),
        Arc::new(MemoryQueue::new()),
        Arc::new(MemoryEventSink::new()),
        Arc::new(MemoryDomainStore::new()),
    )
    .await;
}

#[tokio::test]
async fn a_job_types_rate_limit_holds_on_sqlite() {
    let db = SqliteBackend::open_temporary().await.unwrap();
    limit_holds(
        Arc::new(db.clone()),
        Arc::new(db.queue()),
        Arc::new(db.clone()),
        Arc::new(db),
    )
    .await;
}

#[tokio::test]
async fn a_rate_limited_type_needs_the_limiter() {
    let error = Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::new()))
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .register_with(
            "test.limited",
            workflow_fn(|_ctx, _p| async move { Ok(json!({})) }),
            JobTypeOptions::default().with_rate_limit(1, PERIOD),
        )
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConfigInvalid);
    assert!(error.message().contains("with_rate_limiter"), "{error}");
    let zero = Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::new()))
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .with_rate_limiter(Arc::new(MemoryDomainStore::new()))
        .register_with(
            "test.limited",
            workflow_fn(|_ctx, _p| async move { Ok(json!({})) }),
            JobTypeOptions::default().with_rate_limit(0, PERIOD),
        )
        .build()
        .unwrap_err();
    assert!(zero.message().contains("at least one start"), "{zero}");
}

#[tokio::test]
async fn the_llm_provider_waits_for_room_and_gives_up_past_its_wait() {
    let throttle: Arc<dyn ThrottleStore> = Arc::new(MemoryDomainStore::new());
    let limiter = RateLimiter::new(Arc::clone(&throttle), Arc::new(SystemClock));
    let scripted = Arc::new(ScriptedLlm::responding(|_| Ok(json!("ok"))));
    let llm = Arc::new(
        RateLimitedLlm::new(
            Arc::clone(&scripted) as _,
            limiter.clone(),
            LIMIT as u32,
            PERIOD,
        )
        .unwrap(),
    );
    assert_eq!(llm.limit().key, "llm:scripted:");
    let started = Instant::now();
    let calls: Vec<_> = (0..5)
        .map(|i| {
            let llm = Arc::clone(&llm);
            tokio::spawn(async move {
                let request = LlmRequest {
                    prompt: format!("call {i}"),
                    ..LlmRequest::default()
                };
                llm.complete(&request).await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // Five calls at two a period need three periods: the rest of the one they
    // start in, a whole one, and the start of a third.
    assert!(
        started.elapsed() >= PERIOD,
        "{:?}: the limit did not hold",
        started.elapsed()
    );
    assert_eq!(scripted.requests().len(), 5);

    let impatient = RateLimitedLlm::new(
        Arc::clone(&scripted) as _,
        limiter,
        1,
        Duration::from_secs(3600),
    )
    .unwrap()
    .with_max_wait(Duration::from_millis(10));
    impatient.complete(&LlmRequest::default()).await.unwrap();
    let error = impatient
        .complete(&LlmRequest::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert!(error.is_temporary(), "the engine retries it later");
    assert_eq!(
        scripted.requests().len(),
        6,
        "the refused call never reached the model"
    );
}
