//! The shared conformance suites: one per port, written once, generic over the
//! implementation. **Not API-stable; scenarios create and delete data.**
//!
//! Each suite is a module of `pub async fn scenario(...)` functions plus a macro that
//! expands to one `#[tokio::test]` per scenario, given a factory that makes a fresh,
//! isolated instance of the implementation:
//!
//! ```text
//! afterresume_core::job_store_conformance!(|| async {
//!     std::sync::Arc::new(MemoryJobStore::new()) as afterresume_core::ports::SharedJobStore
//! });
//! ```
//!
//! Differences between backends are capability arguments read from the port itself
//! (`capabilities()`), never `if backend == ...`.

pub mod artifact_store;
pub mod domain_store;
mod domain_values;
pub mod engine;
pub mod event_sink;
pub mod job_store;
pub mod llm;
pub mod queue;
pub mod schedule_store;
pub mod store_queue;
mod throttle;
mod worklog_imports;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::domain::{NewEvent, NewJob, Trigger};
use crate::engine::QueuedFacts;

/// A fixed instant the scenarios start from.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

/// Seconds after [`t0`].
pub fn at(seconds: i64) -> DateTime<Utc> {
    t0() + chrono::TimeDelta::seconds(seconds)
}

/// A new job of type `test.job`, due at [`t0`].
pub fn new_job() -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        job_type: "test.job".to_owned(),
        trigger: Trigger::Api,
        payload: json!({ "n": 1 }),
        max_retries: 2,
        idempotency_key: None,
        parent_job_id: None,
        user_id: None,
        trace_id: Uuid::new_v4(),
        run_at: t0(),
        priority: crate::domain::DEFAULT_PRIORITY,
        queue: crate::domain::DEFAULT_QUEUE.to_owned(),
        concurrency_key: None,
        created_at: t0(),
    }
}

/// `n` new jobs with varied facts (trigger, due time to the microsecond, parent, retry
/// budget), each with the "job queued" event the engine writes for it
/// ([`QueuedFacts::event`](crate::engine::QueuedFacts::event)): the events a store
/// may keep in its job rows.
pub fn jobs_with_queued_events(n: usize) -> Vec<(NewJob, NewEvent)> {
    let parent = Uuid::now_v7();
    (0..n)
        .map(|i| {
            let mut job = new_job();
            let micros = i as i64;
            job.created_at = t0() + chrono::TimeDelta::microseconds(micros);
            job.run_at = at(-1) + chrono::TimeDelta::microseconds(250_000 + micros);
            job.trigger = [Trigger::Api, Trigger::Schedule, Trigger::System][i % 3];
            job.parent_job_id = (i % 2 == 0).then_some(parent);
            job.max_retries = i as u32 % 4;
            job.priority = 1 + (i % 4) as i16;
            job.queue = ["default", "bulk"][i % 2].to_owned();
            job.concurrency_key = (i % 3 == 0).then(|| format!("key-{}", i % 5));
            let event = QueuedFacts::of_new(&job).event();
            (job, event)
        })
        .collect()
}

/// Expands to one `#[tokio::test]` per scenario of a suite.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($suite:ident, $factory:expr, [$($name:ident),+ $(,)?]) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::$suite::$name(&factory).await;
            }
        )+
    };
}
