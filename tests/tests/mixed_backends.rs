//! The engine over mixed backends: SQLite is the truth, the queue is an in-memory
//! channel that loses everything on "restart". No job may be lost.

use std::sync::Arc;
use std::time::Duration;

use afterresume_backends::memory::{MemoryEventSink, MemoryQueue};
use afterresume_backends::sqlite::SqliteBackend;
use afterresume_core::{Engine, EnqueueOptions, JobStatus, WorkerOptions, workflow_fn};
use serde_json::json;

fn engine(db: &SqliteBackend, queue: Arc<MemoryQueue>) -> Engine {
    Engine::builder()
        .with_job_store(Arc::new(db.clone()))
        .with_queue(queue)
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .register(
            "test.echo",
            workflow_fn(|_ctx, payload| async move { Ok(payload) }),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_lost_queue() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    let db = SqliteBackend::open(&url).await.unwrap();
    // First process: enqueues, then dies before any worker ran; its queue is gone.
    let first = engine(&db, Arc::new(MemoryQueue::new()));
    let mut ids = Vec::new();
    for n in 0..25 {
        ids.push(
            first
                .enqueue("test.echo", json!({ "n": n }), EnqueueOptions::default())
                .await
                .unwrap()
                .id,
        );
    }
    drop(first);
    // Second process: a new, empty queue. Idle workers poll the store and find them.
    let second = engine(
        &SqliteBackend::open(&url).await.unwrap(),
        Arc::new(MemoryQueue::new()),
    );
    let running = second.start(WorkerOptions::workers(2));
    for id in ids {
        let job = second.wait_for(id, Duration::from_secs(20)).await.unwrap();
        assert_eq!((job.status, job.attempt), (JobStatus::Success, 1));
    }
    running.shutdown(Duration::from_secs(5)).await;
}
