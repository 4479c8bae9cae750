//! Runs one job end to end on in-memory backends.
//!
//! Run with `cargo run -p example-quickstart`.

use std::sync::Arc;
use std::time::Duration;

use afterresume_backends::memory::{MemoryEventSink, MemoryJobStore, MemoryQueue};
use afterresume_core::ports::ListEventsOptions;
use afterresume_core::{Engine, EnqueueOptions, EventSource, WorkerOptions, workflow_fn};
use serde_json::json;

#[tokio::main]
async fn main() -> afterresume_core::Result<()> {
    let engine = Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::new()))
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .register(
            "greet.user",
            workflow_fn(|ctx, payload| async move {
                let name = payload["name"].as_str().unwrap_or("world").to_owned();
                let greeting = ctx
                    .step("compose", EventSource::Agent, async move {
                        Ok(format!("Hello, {name}!"))
                    })
                    .await?;
                Ok(json!({ "greeting": greeting }))
            }),
        )
        .build()?;
    let running = engine.start(WorkerOptions::workers(2));
    let job = engine
        .enqueue(
            "greet.user",
            json!({ "name": "Alice" }),
            EnqueueOptions::default(),
        )
        .await?;
    let done = engine.wait_for(job.id, Duration::from_secs(10)).await?;
    println!(
        "job {} ended {}: {}",
        done.id,
        done.status,
        done.result.unwrap_or_default()
    );
    for event in engine
        .job_events(job.id, &ListEventsOptions::default())
        .await?
    {
        println!(
            "  {} [{}] {}: {}",
            event.timestamp.format("%H:%M:%S%.3f"),
            event.level,
            event.source,
            event.message
        );
    }
    running.shutdown(Duration::from_secs(5)).await;
    Ok(())
}
