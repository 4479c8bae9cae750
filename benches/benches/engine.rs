//! Engine throughput on the embedded backends: enqueue and drain of no-op jobs through
//! the full engine path (job row, events, lease, completion). Prints figures.
//!
//! Run with `cargo bench -p afterresume-benches`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use afterresume_backends::memory::{MemoryEventSink, MemoryJobStore, MemoryQueue};
use afterresume_backends::sqlite::SqliteBackend;
use afterresume_core::conformance::engine::EnginePorts;
use afterresume_core::ports::JobFilter;
use afterresume_core::{Engine, EnqueueOptions, JobStatus, WorkerOptions, workflow_fn};
use serde_json::json;

const JOBS: usize = 5_000;

async fn measure(name: &str, ports: EnginePorts) {
    let engine = Engine::builder()
        .with_job_store(ports.store)
        .with_queue(ports.queue)
        .with_event_sink(ports.events)
        .register(
            "bench.noop",
            workflow_fn(|_ctx, _payload| async { Ok(json!({})) }),
        )
        .build()
        .expect("engine");
    let started = Instant::now();
    let mut last = None;
    for n in 0..JOBS {
        last = Some(
            engine
                .enqueue("bench.noop", json!({ "n": n }), EnqueueOptions::default())
                .await
                .expect("enqueue"),
        );
    }
    let enqueue_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let running = engine.start(WorkerOptions {
        workers: 2,
        scheduler: false,
        maintenance: false,
        ..WorkerOptions::default()
    });
    engine
        .wait_for(last.expect("a job").id, Duration::from_secs(600))
        .await
        .expect("drain");
    loop {
        let left = engine
            .list_jobs(&JobFilter {
                status: Some(JobStatus::Queued),
                limit: 1,
                ..Default::default()
            })
            .await
            .expect("list");
        let busy = engine
            .list_jobs(&JobFilter {
                status: Some(JobStatus::Running),
                limit: 1,
                ..Default::default()
            })
            .await
            .expect("list");
        if left.is_empty() && busy.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let drain_secs = started.elapsed().as_secs_f64();
    running.shutdown(Duration::from_secs(5)).await;
    println!(
        "{name:<8} enqueue {:>9.0} jobs/s   drain (2 workers) {:>9.0} jobs/s   ({JOBS} jobs)",
        JOBS as f64 / enqueue_secs,
        JOBS as f64 / drain_secs
    );
}

#[tokio::main]
async fn main() {
    measure(
        "memory",
        EnginePorts {
            store: Arc::new(MemoryJobStore::new()),
            queue: Arc::new(MemoryQueue::new()),
            events: Arc::new(MemoryEventSink::new()),
        },
    )
    .await;
    // As the host opens it: one object as store and event sink, its job table as
    // the queue.
    let db = Arc::new(SqliteBackend::open_temporary().await.expect("sqlite"));
    measure(
        "sqlite",
        EnginePorts {
            store: Arc::clone(&db) as _,
            queue: Arc::new(db.store_queue()),
            events: db,
        },
    )
    .await;
}
