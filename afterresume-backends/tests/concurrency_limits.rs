//! Keyed concurrency limits counted in the store: at most N running jobs of a
//! type per user (or for the whole type), on the memory and SQLite backends
//! (three processes on Postgres are in `tests/tests/scale_out.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use afterresume_backends::memory::{MemoryEventSink, MemoryJobStore, MemoryQueue};
use afterresume_backends::sqlite::SqliteBackend;
use afterresume_core::engine::ConcurrencyScope;
use afterresume_core::ports::{SharedEventSink, SharedJobStore, SharedQueue};
use afterresume_core::{
    Engine, EnqueueOptions, ErrorKind, JobStatus, JobTypeOptions, WorkerOptions, workflow_fn,
};
use serde_json::json;

/// Running jobs now and the most seen at once, by key.
#[derive(Default)]
struct Gauge {
    now: HashMap<i64, u32>,
    most: HashMap<i64, u32>,
}

async fn limit_holds(
    store: SharedJobStore,
    queue: SharedQueue,
    events: SharedEventSink,
    scope: ConcurrencyScope,
    max: u32,
) -> HashMap<i64, u32> {
    let gauge: Arc<Mutex<Gauge>> = Arc::default();
    let seen = Arc::clone(&gauge);
    let engine = Engine::builder()
        .with_job_store(store)
        .with_queue(queue)
        .with_event_sink(events)
        .register_with(
            "test.keyed",
            workflow_fn(move |ctx, _payload| {
                let gauge = Arc::clone(&seen);
                async move {
                    let key = match scope {
                        ConcurrencyScope::User => ctx.user_id().unwrap_or(0),
                        ConcurrencyScope::Type => 0,
                    };
                    {
                        let mut g = gauge.lock().unwrap();
                        let now = g.now.entry(key).or_default();
                        *now += 1;
                        let now = *now;
                        let most = g.most.entry(key).or_default();
                        *most = (*most).max(now);
                    }
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    *gauge.lock().unwrap().now.get_mut(&key).unwrap() -= 1;
                    Ok(json!({}))
                }
            }),
            JobTypeOptions::default().with_concurrency_limit(max, scope),
        )
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..12 {
        let job = engine
            .enqueue(
                "test.keyed",
                json!({}),
                EnqueueOptions::default().with_user(1 + i % 3),
            )
            .await
            .unwrap();
        ids.push(job.id);
    }
    let running = engine.start(WorkerOptions::workers(6));
    for id in &ids {
        let job = engine.wait_for(*id, Duration::from_secs(60)).await.unwrap();
        assert_eq!((job.status, job.retry_count), (JobStatus::Success, 0));
    }
    running.shutdown(Duration::from_secs(5)).await;
    gauge.lock().unwrap().most.clone()
}

#[tokio::test]
async fn one_running_job_per_user_on_memory() {
    let most = limit_holds(
        Arc::new(MemoryJobStore::new()),
        Arc::new(MemoryQueue::new()),
        Arc::new(MemoryEventSink::new()),
        ConcurrencyScope::User,
        1,
    )
    .await;
    assert_eq!(most.len(), 3, "{most:?}");
    assert!(most.values().all(|n| *n == 1), "{most:?}");
}

#[tokio::test]
async fn two_running_jobs_of_the_type_on_sqlite() {
    let db = SqliteBackend::open_temporary().await.unwrap();
    let most = limit_holds(
        Arc::new(db.clone()),
        Arc::new(db.queue()),
        Arc::new(db),
        ConcurrencyScope::Type,
        2,
    )
    .await;
    assert!(most[&0] <= 2, "{most:?}");
}

#[tokio::test]
async fn a_limit_of_zero_is_refused() {
    let error = Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::new()))
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .register_with(
            "test.keyed",
            workflow_fn(|_ctx, _p| async move { Ok(json!({})) }),
            JobTypeOptions::default().with_concurrency_limit(0, ConcurrencyScope::User),
        )
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(
        error.message().contains("at least one running job"),
        "{error}"
    );
}
