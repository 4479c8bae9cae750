//! Conformance of the engine on a set of backends: the job semantics end to end.
//!
//! Scenarios take a factory `Fn(SharedClock) -> Future<Output = EnginePorts>` that
//! returns fresh, empty, isolated ports reading time from the given clock.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use serde_json::json;

use super::t0;
use crate::clock::{ManualClock, SharedClock, SystemClock};
use crate::domain::{EventSource, JobStatus, Trigger};
use crate::engine::Uniqueness;
use crate::engine::{
    Engine, EngineConfig, EnqueueOptions, EnqueueRequest, JobTypeOptions, RetryPolicy,
    ScheduleSpec, WorkerOptions, workflow_fn,
};
use crate::ports::JobStoreExt;
use crate::ports::{
    ClaimOptions, JobFilter, JobOutcome, Lease, ListEventsOptions, SharedEventSink, SharedJobStore,
    SharedQueue,
};
use crate::{Error, ErrorKind};

/// The ports an engine is built from.
#[derive(Debug, Clone)]
pub struct EnginePorts {
    /// Job store.
    pub store: SharedJobStore,
    /// Queue.
    pub queue: SharedQueue,
    /// Event sink.
    pub events: SharedEventSink,
}

/// Runs every engine scenario as its own test.
#[macro_export]
macro_rules! engine_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            engine,
            $factory,
            [
                enqueue_validates_and_records,
                workers_run_job_to_success_with_timeline,
                temporary_errors_retry_with_backoff,
                permanent_errors_fail_at_once,
                retries_exhausted_fail,
                idempotency_key_returns_existing_job,
                cancel_queued_job_never_runs,
                cancel_running_job_is_cooperative,
                cancel_finished_job_conflicts,
                children_carry_parent_and_trace,
                expired_lease_is_reaped_and_fenced,
                heartbeats_keep_long_jobs_alive,
                scheduler_fires_once_per_due_time,
                invalid_schedules_are_rejected,
                retention_purges_old_jobs_and_events,
                step_helper_records_start_end_error,
                panicking_workflow_is_contained,
                shutdown_releases_in_flight_jobs,
                worker_slots_bound_prefetched_jobs,
                one_slot_worker_claims_a_backlog_in_batches,
                long_jobs_are_not_claimed_ahead,
                bulk_enqueue_is_all_or_nothing_and_runs,
                reconciler_republishes_jobs_the_queue_lost,
                dead_jobs_are_retried_or_purged,
                snoozed_jobs_wait_without_spending_a_retry_and_report_progress,
                unique_and_debounced_enqueues_keep_one_job,
                one_slot_runs_the_most_urgent_due_job_first,
                paused_queues_and_types_run_nothing_until_resumed,
                workers_serve_only_their_queues,
                jobs_sharing_a_concurrency_key_run_one_at_a_time,
            ]
        );
    };
}

fn fast_config() -> EngineConfig {
    EngineConfig {
        lease_ttl: Duration::from_secs(2),
        heartbeat_interval: Duration::from_millis(200),
        poll_interval: Duration::from_millis(20),
        cancel_grace: Duration::from_millis(500),
        reap_interval: Duration::from_millis(50),
        scheduler_interval: Duration::from_millis(20),
        default_retry: RetryPolicy::default()
            .with_initial_delay(Duration::from_millis(10))
            .with_max_retries(2),
        ..EngineConfig::default()
    }
}

/// Shared switches the test workflows report through.
#[derive(Debug, Default)]
struct Probe {
    saw_cancel: AtomicBool,
    runs: AtomicU32,
    /// `test.gauge` workflows running now, and the most seen at once.
    active: AtomicU32,
    max_active: AtomicU32,
    /// `test.order` labels in the order their jobs ran.
    ran: std::sync::Mutex<Vec<String>>,
}

impl Probe {
    fn ran(&self) -> Vec<String> {
        self.ran.lock().unwrap().clone()
    }
}

fn build(
    ports: &EnginePorts,
    clock: SharedClock,
    config: EngineConfig,
    probe: Arc<Probe>,
) -> Engine {
    let retry10s = JobTypeOptions::default().with_retry(
        RetryPolicy::default()
            .with_initial_delay(Duration::from_secs(10))
            .with_jitter(0.2)
            .with_max_retries(2),
    );
    let p1 = Arc::clone(&probe);
    let p2 = Arc::clone(&probe);
    let p3 = Arc::clone(&probe);
    let p4 = Arc::clone(&probe);
    Engine::builder()
        .with_job_store(Arc::clone(&ports.store))
        .with_queue(Arc::clone(&ports.queue))
        .with_event_sink(Arc::clone(&ports.events))
        .with_clock(clock)
        .with_config(config)
        .register(
            "test.echo",
            workflow_fn(|_ctx, payload| async move { Ok(payload) }),
        )
        .register_with(
            "test.flaky",
            workflow_fn(|ctx, payload| async move {
                let succeed_on = payload["succeed_on_attempt"].as_u64().unwrap_or(1) as u32;
                if ctx.attempt() < succeed_on {
                    Err(Error::backend(format!(
                        "flaky failure on attempt {}",
                        ctx.attempt()
                    )))
                } else {
                    Ok(json!({ "attempt": ctx.attempt() }))
                }
            }),
            retry10s,
        )
        .register_with(
            "test.fatal",
            workflow_fn(|_ctx, _payload| async move {
                Err(Error::invalid_input("worklog 42 does not exist"))
            }),
            JobTypeOptions::default().with_retry(RetryPolicy::default().with_max_retries(5)),
        )
        .register(
            "test.wait",
            workflow_fn(move |ctx, _payload| {
                let probe = Arc::clone(&p1);
                async move {
                    probe.runs.fetch_add(1, Ordering::SeqCst);
                    tokio::select! {
                        _ = ctx.cancelled() => {
                            probe.saw_cancel.store(true, Ordering::SeqCst);
                            Err(Error::cancelled("stopped on request"))
                        }
                        _ = tokio::time::sleep(Duration::from_secs(60)) => Ok(json!({})),
                    }
                }
            }),
        )
        .register(
            "test.slow",
            workflow_fn(move |_ctx, payload| {
                let probe = Arc::clone(&p2);
                async move {
                    probe.runs.fetch_add(1, Ordering::SeqCst);
                    let ms = payload["ms"].as_u64().unwrap_or(100);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    Ok(json!({ "slept_ms": ms }))
                }
            }),
        )
        .register(
            "test.gauge",
            workflow_fn(move |_ctx, _payload| {
                let probe = Arc::clone(&p3);
                async move {
                    let now = probe.active.fetch_add(1, Ordering::SeqCst) + 1;
                    probe.max_active.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    probe.active.fetch_sub(1, Ordering::SeqCst);
                    Ok(json!({}))
                }
            }),
        )
        .register_with(
            "test.parent",
            workflow_fn(|ctx, payload| async move {
                let child = ctx
                    .enqueue_child("test.echo", json!({ "from": "parent" }))
                    .await?;
                if ctx.attempt() == 1 && payload["fail_first"].as_bool().unwrap_or(false) {
                    return Err(Error::backend("parent fails after enqueueing"));
                }
                Ok(json!({ "child": child.id }))
            }),
            JobTypeOptions::default()
                .with_retry(RetryPolicy::default().with_initial_delay(Duration::ZERO)),
        )
        .register_with(
            "test.steps",
            workflow_fn(|ctx, _payload| async move {
                let n = ctx
                    .step("parse", EventSource::Agent, async { Ok(3) })
                    .await?;
                ctx.step("persist", EventSource::Workflow, async {
                    Err::<(), _>(Error::invalid_input("no such worklog"))
                })
                .await?;
                Ok(json!({ "n": n }))
            }),
            JobTypeOptions::default().with_retry(RetryPolicy::never()),
        )
        .register(
            "test.snooze",
            workflow_fn(|ctx, payload| async move {
                ctx.progress(50.0, "half way").await?;
                if let Some(ms) = payload["bad_snooze_ms"].as_u64() {
                    return Err(ctx.snooze(Duration::from_millis(ms)));
                }
                if ctx.attempt() == 1 {
                    return Err(ctx.snooze(Duration::from_secs(30)));
                }
                ctx.progress(100.0, "done").await?;
                Ok(json!({ "attempt": ctx.attempt() }))
            }),
        )
        .register(
            "test.order",
            workflow_fn(move |_ctx, payload| {
                let probe = Arc::clone(&p4);
                async move {
                    let label = payload["label"].as_str().unwrap_or_default().to_owned();
                    probe.ran.lock().unwrap().push(label);
                    Ok(json!({}))
                }
            }),
        )
        .register_with(
            "test.panic",
            workflow_fn(|_ctx, _payload| async move {
                if true {
                    panic!("index out of bounds in agent");
                }
                Ok(json!({}))
            }),
            JobTypeOptions::default().with_retry(RetryPolicy::never()),
        )
        .build()
        .expect("engine builds")
}

async fn manual<F, Fut>(make: &F) -> (Engine, ManualClock, EnginePorts)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let clock = ManualClock::new(t0());
    let ports = make(Arc::new(clock.clone())).await;
    let engine = build(
        &ports,
        Arc::new(clock.clone()),
        fast_config(),
        Arc::default(),
    );
    (engine, clock, ports)
}

async fn live<F, Fut>(make: &F, probe: Arc<Probe>) -> (Engine, EnginePorts)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let ports = make(Arc::new(SystemClock)).await;
    let engine = build(&ports, Arc::new(SystemClock), fast_config(), probe);
    (engine, ports)
}

/// The operator detail of a job's errors, from its events.
async fn error_details(engine: &Engine, id: uuid::Uuid) -> Vec<String> {
    engine
        .job_events(id, &ListEventsOptions::default())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| {
            e.data[crate::domain::OPERATOR_DETAIL_KEY]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

async fn messages(engine: &Engine, id: uuid::Uuid) -> Vec<String> {
    engine
        .job_events(id, &ListEventsOptions::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

/// A finished job's timeline once its outcome event is there. With a separate
/// event sink the engine appends that event right after the outcome, so a reader
/// that saw the job finished may have to wait a moment; a store that is its own
/// sink writes both in one transaction and this returns at once.
async fn final_messages(engine: &Engine, id: uuid::Uuid) -> Vec<String> {
    const OUTCOMES: [&str; 3] = ["job completed", "job failed", "job cancelled"];
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let names = messages(engine, id).await;
        let settled = names.last().is_some_and(|m| OUTCOMES.contains(&m.as_str()));
        if settled || std::time::Instant::now() > deadline {
            return names;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_until_running(engine: &Engine, id: uuid::Uuid) {
    for _ in 0..500 {
        if engine.get_job(id).await.unwrap().status == JobStatus::Running {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never started");
}

const WAIT: Duration = Duration::from_secs(20);

/// Enqueue creates a queued job, its first event and a queue message; bad input
/// (unknown type, non-object payload) is rejected and stores nothing.
pub async fn enqueue_validates_and_records<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, ports) = manual(make).await;
    let err = engine
        .enqueue("no.such.type", json!({}), EnqueueOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("unknown job type 'no.such.type'"),
        "{err}"
    );
    assert!(
        err.to_string().contains("test.echo"),
        "the error should list registered types: {err}"
    );
    let err = engine
        .enqueue("test.echo", json!([1, 2]), EnqueueOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        engine
            .list_jobs(&JobFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "bad input stored a job"
    );

    let job = engine
        .enqueue(
            "test.echo",
            json!({ "worklog_id": 1 }),
            EnqueueOptions::default().with_user(5),
        )
        .await
        .unwrap();
    assert_eq!(
        (job.status, job.trigger, job.user_id, job.attempt),
        (JobStatus::Queued, Trigger::Api, Some(5), 0)
    );
    assert_eq!(job.max_retries, 2);
    assert_eq!(messages(&engine, job.id).await, vec!["job queued"]);
    let depth = ports.queue.depth().await.unwrap();
    assert_eq!(
        depth.ready + depth.delayed,
        1,
        "the id was not handed to the queue"
    );
    let events = engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    assert_eq!(events[0].trace_id, job.trace_id);
    assert_eq!(events[0].data["type"], "test.echo");
}

/// Workers pick a job up from the queue and finish it; the timeline reads
/// queued, started, completed, all under the job's trace id.
pub async fn workers_run_job_to_success_with_timeline<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, ports) = live(make, Arc::default()).await;
    let running = engine.start(WorkerOptions::workers(2));
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(
            engine
                .enqueue("test.echo", json!({ "n": n }), EnqueueOptions::default())
                .await
                .unwrap()
                .id,
        );
    }
    for (n, id) in ids.iter().enumerate() {
        let job = engine.wait_for(*id, WAIT).await.unwrap();
        assert_eq!(job.status, JobStatus::Success, "{job:?}");
        assert_eq!(job.result, Some(json!({ "n": n })));
        assert!(job.started_at.is_some() && job.finished_at >= job.started_at);
        assert_eq!(job.attempt, 1, "job ran more than once");
    }
    // Every timeline in order, although "job started" is written while jobs run.
    for id in &ids {
        assert_eq!(
            final_messages(&engine, *id).await,
            ["job queued", "job started", "job completed"]
        );
    }
    let events = engine
        .job_events(ids[0], &ListEventsOptions::default())
        .await
        .unwrap();
    let job = engine.get_job(ids[0]).await.unwrap();
    assert!(events.iter().all(|e| e.trace_id == job.trace_id));
    assert!(events[2].data["duration_ms"].is_number());
    running.shutdown(Duration::from_secs(5)).await;

    // A workflow's own events, written the moment it starts, and its outcome come
    // after "job started", even when that append is slow.
    let slow = EnginePorts {
        events: Arc::new(SlowStartedEvents(Arc::clone(&ports.events))),
        ..ports.clone()
    };
    let engine = build(&slow, Arc::new(SystemClock), fast_config(), Arc::default());
    let running = engine.start(WorkerOptions::workers(2));
    let steps = engine
        .enqueue("test.steps", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    engine.wait_for(steps.id, WAIT).await.unwrap();
    assert_eq!(
        final_messages(&engine, steps.id).await,
        [
            "job queued",
            "job started",
            "step parse started",
            "step parse completed",
            "step persist started",
            "step persist failed",
            "job failed"
        ]
    );
    running.shutdown(Duration::from_secs(5)).await;
}

/// An event sink whose "job started" appends take 200 ms.
#[derive(Debug)]
struct SlowStartedEvents(SharedEventSink);

#[async_trait::async_trait]
impl crate::ports::EventSink for SlowStartedEvents {
    async fn append(&self, events: Vec<crate::domain::NewEvent>) -> crate::Result<()> {
        if events.iter().any(|e| e.message == "job started") {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.0.append(events).await
    }

    async fn list(
        &self,
        job_id: crate::domain::JobId,
        opts: &ListEventsOptions,
    ) -> crate::Result<Vec<crate::domain::Event>> {
        self.0.list(job_id, opts).await
    }

    async fn delete_for_jobs(&self, job_ids: &[crate::domain::JobId]) -> crate::Result<u64> {
        self.0.delete_for_jobs(job_ids).await
    }
}

/// A temporary error requeues the job with exponential, jittered backoff and trigger
/// `retry`; it is not claimable before its time and succeeds once the clock gets there.
pub async fn temporary_errors_retry_with_backoff<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, _ports) = manual(make).await;
    let job = engine
        .enqueue(
            "test.flaky",
            json!({ "succeed_on_attempt": 3 }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    let after = engine.run_next().await.unwrap().unwrap();
    assert_eq!(
        (after.status, after.retry_count, after.trigger),
        (JobStatus::Queued, 1, Trigger::Retry)
    );
    // The job's owner sees a stable sentence; operators the detail, in events.
    assert_eq!(
        after.error.as_deref(),
        Some("a backend service failed; operators can see the details")
    );
    let details = error_details(&engine, job.id).await;
    assert!(
        details
            .iter()
            .any(|d| d.contains("flaky failure on attempt 1")),
        "{details:?}"
    );
    let delay = (after.run_at - t0()).num_milliseconds();
    assert!(
        (8_000..=12_000).contains(&delay),
        "first backoff {delay} ms outside 10 s ± 20%"
    );
    assert!(
        engine.run_next().await.unwrap().is_none(),
        "ran before its backoff ended"
    );

    clock.set(after.run_at);
    let after2 = engine.run_next().await.unwrap().unwrap();
    assert_eq!((after2.status, after2.retry_count), (JobStatus::Queued, 2));
    let delay2 = (after2.run_at - after.run_at).num_milliseconds();
    assert!(
        (16_000..=24_000).contains(&delay2),
        "second backoff {delay2} ms outside 20 s ± 20%"
    );

    clock.set(after2.run_at);
    let done = engine.run_next().await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Success);
    assert_eq!(done.result, Some(json!({ "attempt": 3 })));
    let names = messages(&engine, job.id).await;
    assert_eq!(
        names
            .iter()
            .filter(|m| *m == "job failed; retry scheduled")
            .count(),
        2,
        "{names:?}"
    );
    assert_eq!(names.last().map(String::as_str), Some("job completed"));
}

/// A permanent error fails the job on its first attempt whatever retries remain.
pub async fn permanent_errors_fail_at_once<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, _ports) = manual(make).await;
    let job = engine
        .enqueue("test.fatal", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    assert_eq!(job.max_retries, 5);
    let done = engine.run_next().await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.retry_count, done.attempt),
        (JobStatus::Failed, 0, 1)
    );
    assert!(
        done.error
            .as_deref()
            .unwrap()
            .contains("worklog 42 does not exist")
    );
    let events = engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.message, "job failed");
    assert_eq!(last.data["status"], "permanent");
}

/// When retries run out the job fails and the error is marked persistent.
pub async fn retries_exhausted_fail<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, _ports) = manual(make).await;
    let job = engine
        .enqueue(
            "test.flaky",
            json!({ "succeed_on_attempt": 99 }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    let mut last = None;
    for _ in 0..3 {
        clock.advance(chrono::TimeDelta::minutes(10));
        last = engine.run_next().await.unwrap();
    }
    let done = last.unwrap();
    assert_eq!(
        (done.status, done.retry_count, done.attempt),
        (JobStatus::Failed, 2, 3)
    );
    clock.advance(chrono::TimeDelta::minutes(10));
    assert!(engine.run_next().await.unwrap().is_none());
    let events = engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    assert_eq!(events.last().unwrap().data["status"], "persistent");
}

/// The same idempotency key returns the same job, also when enqueued concurrently.
pub async fn idempotency_key_returns_existing_job<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, ports) = manual(make).await;
    let opts = EnqueueOptions::default().with_idempotency_key("analyze:42");
    let a = engine
        .enqueue_detailed("test.echo", json!({ "n": 1 }), opts.clone())
        .await
        .unwrap();
    let b = engine
        .enqueue_detailed("test.echo", json!({ "n": 2 }), opts)
        .await
        .unwrap();
    assert!(a.created && !b.created);
    assert_eq!(a.job.id, b.job.id);
    assert_eq!(messages(&engine, a.job.id).await, vec!["job queued"]);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            engine
                .enqueue(
                    "test.echo",
                    json!({}),
                    EnqueueOptions::default().with_idempotency_key("burst"),
                )
                .await
                .unwrap()
                .id
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(
        ports
            .store
            .list_jobs(&JobFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    let err = engine
        .enqueue(
            "test.echo",
            json!({}),
            EnqueueOptions::default().with_idempotency_key(""),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// A cancelled queued job ends `cancelled` and never runs.
pub async fn cancel_queued_job_never_runs<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, _ports) = manual(make).await;
    let job = engine
        .enqueue("test.echo", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    let cancelled = engine.cancel(job.id).await.unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert!(engine.run_next().await.unwrap().is_none());
    assert_eq!(
        engine.get_job(job.id).await.unwrap().status,
        JobStatus::Cancelled
    );
    assert_eq!(
        messages(&engine, job.id).await,
        vec!["job queued", "job cancelled"]
    );
}

/// Cancelling a running job reaches its workflow, which stops; the job ends `cancelled`.
pub async fn cancel_running_job_is_cooperative<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let probe = Arc::new(Probe::default());
    let (engine, _ports) = live(make, Arc::clone(&probe)).await;
    let running = engine.start(WorkerOptions::workers(1));
    let job = engine
        .enqueue("test.wait", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    wait_until_running(&engine, job.id).await;
    let requested = engine.cancel(job.id).await.unwrap();
    assert_eq!(requested.status, JobStatus::Running);
    let done = engine.wait_for(job.id, WAIT).await.unwrap();
    assert_eq!(done.status, JobStatus::Cancelled);
    assert!(
        probe.saw_cancel.load(Ordering::SeqCst),
        "the workflow never saw the cancellation"
    );
    let names = final_messages(&engine, job.id).await;
    assert!(
        names.contains(&"cancellation requested".to_owned())
            && names.last().unwrap() == "job cancelled",
        "{names:?}"
    );
    running.shutdown(Duration::from_secs(5)).await;
}

/// A finished job cannot be cancelled.
pub async fn cancel_finished_job_conflicts<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, _ports) = manual(make).await;
    let job = engine
        .enqueue("test.echo", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    engine.run_next().await.unwrap();
    let err = engine.cancel(job.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(
        engine.get_job(job.id).await.unwrap().status,
        JobStatus::Success
    );
    assert_eq!(
        engine
            .cancel(uuid::Uuid::now_v7())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

/// A child enqueued by a workflow carries the parent id, trace id and user; a retried
/// parent does not enqueue its child twice.
pub async fn children_carry_parent_and_trace<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, _ports) = manual(make).await;
    let parent = engine
        .enqueue(
            "test.parent",
            json!({ "fail_first": true }),
            EnqueueOptions::default().with_user(9),
        )
        .await
        .unwrap();
    let after_first = engine.run_next().await.unwrap().unwrap();
    assert_eq!(
        after_first.status,
        JobStatus::Queued,
        "parent should be retried"
    );
    // The next due job is the child or the retried parent; run until both are done.
    for _ in 0..3 {
        engine.run_next().await.unwrap();
    }
    let parent = engine.get_job(parent.id).await.unwrap();
    assert_eq!(parent.status, JobStatus::Success);
    let children = engine
        .list_jobs(&JobFilter {
            parent_job_id: Some(parent.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        children.len(),
        1,
        "a retried parent enqueued its child twice"
    );
    let child = &children[0];
    assert_eq!(parent.result.as_ref().unwrap()["child"], json!(child.id));
    assert_eq!(
        (child.parent_job_id, child.trace_id, child.user_id),
        (Some(parent.id), parent.trace_id, Some(9))
    );
    assert_eq!(
        (child.trigger, child.status),
        (Trigger::System, JobStatus::Success)
    );
    let child_events = engine
        .job_events(child.id, &ListEventsOptions::default())
        .await
        .unwrap();
    assert!(child_events.iter().all(|e| e.trace_id == parent.trace_id));
}

/// A job whose worker died is reaped after its lease expires, runs again under a new
/// attempt, and the dead worker's late completion is refused.
pub async fn expired_lease_is_reaped_and_fenced<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, ports) = manual(make).await;
    let job = engine
        .enqueue("test.echo", json!({ "v": 1 }), EnqueueOptions::default())
        .await
        .unwrap();
    let dead = ports
        .store
        .claim_job(
            job.id,
            &ClaimOptions {
                worker_id: "dead".into(),
                now: t0(),
                lease_expires_at: t0() + chrono::TimeDelta::seconds(2),
                queues: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(engine.reap_expired_leases().await.unwrap(), 0);
    clock.advance(chrono::TimeDelta::seconds(3));
    assert_eq!(engine.reap_expired_leases().await.unwrap(), 1);
    assert!(
        messages(&engine, job.id)
            .await
            .contains(&"lease expired; job requeued".to_owned())
    );
    let done = engine.run_next().await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.attempt, done.retry_count),
        (JobStatus::Success, 2, 1)
    );
    let late = ports
        .store
        .finish_job(
            &Lease::of(&dead),
            JobOutcome::Failed {
                error: "late".into(),
            },
            engine.now(),
        )
        .await
        .unwrap_err();
    assert_eq!(late.kind(), ErrorKind::Conflict);
    assert_eq!(
        engine.get_job(job.id).await.unwrap().status,
        JobStatus::Success
    );
}

/// Heartbeats extend the lease of a job that runs longer than the lease.
pub async fn heartbeats_keep_long_jobs_alive<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let ports = make(Arc::new(SystemClock)).await;
    let config = EngineConfig {
        lease_ttl: Duration::from_millis(600),
        heartbeat_interval: Duration::from_millis(100),
        ..fast_config()
    };
    let probe = Arc::new(Probe::default());
    let engine = build(&ports, Arc::new(SystemClock), config, Arc::clone(&probe));
    let running = engine.start(WorkerOptions::workers(1));
    let job = engine
        .enqueue(
            "test.slow",
            json!({ "ms": 1500 }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    let done = engine.wait_for(job.id, WAIT).await.unwrap();
    assert_eq!(
        (done.status, done.attempt, done.retry_count),
        (JobStatus::Success, 1, 0),
        "{done:?}"
    );
    assert_eq!(probe.runs.load(Ordering::SeqCst), 1);
    running.shutdown(Duration::from_secs(5)).await;
}

/// Two schedulers ticking at once create exactly one job per due time.
pub async fn scheduler_fires_once_per_due_time<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (a, clock, ports) = manual(make).await;
    let b = build(
        &ports,
        Arc::new(clock.clone()),
        fast_config(),
        Arc::default(),
    );
    let mut spec = ScheduleSpec::new("minutely", "test.echo", "@every_minute");
    spec.payload = json!({ "kind": "standup" });
    spec.user_id = Some(3);
    let schedule = a.put_schedule(spec).await.unwrap();
    assert_eq!(schedule.next_run_at, t0() + chrono::TimeDelta::minutes(1));
    assert_eq!(
        a.run_scheduler_tick().await.unwrap(),
        0,
        "fired before it was due"
    );

    let fire_together = |a: Engine, b: Engine| async move {
        let mut tasks = Vec::new();
        for engine in [a.clone(), b.clone(), a, b] {
            tasks.push(tokio::spawn(async move {
                engine.run_scheduler_tick().await.unwrap()
            }));
        }
        let mut created = 0;
        for t in tasks {
            created += t.await.unwrap();
        }
        created
    };
    clock.set(schedule.next_run_at);
    assert_eq!(fire_together(a.clone(), b.clone()).await, 1);
    let jobs = a.list_jobs(&JobFilter::default()).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].trigger, jobs[0].user_id),
        (Trigger::Schedule, Some(3))
    );
    assert_eq!(jobs[0].payload, json!({ "kind": "standup" }));
    let after = a.list_schedules().await.unwrap().remove(0);
    assert_eq!(after.last_run_at, Some(schedule.next_run_at));
    assert_eq!(
        after.next_run_at,
        schedule.next_run_at + chrono::TimeDelta::minutes(1)
    );

    clock.advance(chrono::TimeDelta::minutes(1));
    assert_eq!(fire_together(a.clone(), b.clone()).await, 1);
    assert_eq!(a.list_jobs(&JobFilter::default()).await.unwrap().len(), 2);

    // Missed ticks (the scheduler was down for 10 minutes) coalesce into one run.
    clock.advance(chrono::TimeDelta::minutes(10));
    assert_eq!(fire_together(a.clone(), b).await, 1);
    assert_eq!(a.list_jobs(&JobFilter::default()).await.unwrap().len(), 3);
    let disabled = a.set_schedule_enabled(after.id, false).await.unwrap();
    clock.advance(chrono::TimeDelta::minutes(5));
    assert_eq!(a.run_scheduler_tick().await.unwrap(), 0);
    assert!(!disabled.enabled);
}

/// Invalid cron expressions name the field at fault and store nothing.
pub async fn invalid_schedules_are_rejected<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, _ports) = manual(make).await;
    let err = engine
        .put_schedule(ScheduleSpec::new("bad", "test.echo", "0 25 * * *"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("hour"), "{err}");
    let err = engine
        .put_schedule(ScheduleSpec::new("bad", "nope.type", "@daily"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown job type"), "{err}");
    let err = engine
        .put_schedule(ScheduleSpec::new("", "test.echo", "@daily"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(engine.list_schedules().await.unwrap().is_empty());
}

/// A unique enqueue returns the job like it while that one is queued or
/// running (and within the period), and creates a new one after; a debounced
/// enqueue cancels the older queued job of its key and keeps the newest.
pub async fn unique_and_debounced_enqueues_keep_one_job<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, _ports) = manual(make).await;
    let first = engine
        .enqueue_unique(
            "test.echo",
            json!({"n": 1}),
            EnqueueOptions::default(),
            Uniqueness::default(),
        )
        .await
        .unwrap();
    assert!(first.created);
    let same = engine
        .enqueue_unique(
            "test.echo",
            json!({"n": 1}),
            EnqueueOptions::default(),
            Uniqueness::default(),
        )
        .await
        .unwrap();
    assert_eq!((same.created, same.job.id), (false, first.job.id));
    let other = engine
        .enqueue_unique(
            "test.echo",
            json!({"n": 2}),
            EnqueueOptions::default(),
            Uniqueness::default(),
        )
        .await
        .unwrap();
    assert!(other.created, "another payload is another job");
    engine.run_next().await.unwrap();
    engine.run_next().await.unwrap();
    // Finished: no longer counts in the default states, so a new one is made.
    let after = engine
        .enqueue_unique(
            "test.echo",
            json!({"n": 1}),
            EnqueueOptions::default(),
            Uniqueness::default(),
        )
        .await
        .unwrap();
    assert!(after.created && after.job.id != first.job.id);
    // Counting finished jobs too, within an hour.
    let hourly = Uniqueness {
        period: Some(Duration::from_secs(3600)),
        states: JobStatus::ALL.to_vec(),
        ..Uniqueness::by_key("daily-digest")
    };
    let digest = engine
        .enqueue_unique(
            "test.echo",
            json!({}),
            EnqueueOptions::default(),
            hourly.clone(),
        )
        .await
        .unwrap();
    engine.run_next().await.unwrap();
    engine.run_next().await.unwrap();
    let within = engine
        .enqueue_unique(
            "test.echo",
            json!({"x": 1}),
            EnqueueOptions::default(),
            hourly.clone(),
        )
        .await
        .unwrap();
    assert_eq!((within.created, within.job.id), (false, digest.job.id));
    clock.advance(chrono::TimeDelta::minutes(61));
    let later = engine
        .enqueue_unique("test.echo", json!({}), EnqueueOptions::default(), hourly)
        .await
        .unwrap();
    assert!(later.created, "past the period a new job is made");
    let own_key = engine
        .enqueue_unique(
            "test.echo",
            json!({}),
            EnqueueOptions {
                idempotency_key: Some("mine".into()),
                ..EnqueueOptions::default()
            },
            Uniqueness::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(own_key.kind(), ErrorKind::InvalidInput);

    // Debounce: three enqueues in a burst leave one queued job, the newest.
    engine.run_next().await.unwrap();
    let delayed = EnqueueOptions::default().with_delay(Duration::from_secs(5));
    let mut ids = Vec::new();
    for n in 0..3 {
        let job = engine
            .enqueue_debounced("test.echo", json!({"n": n}), delayed.clone(), "user:7")
            .await
            .unwrap();
        assert!(job.created);
        ids.push(job.job.id);
    }
    for id in &ids[..2] {
        assert_eq!(
            engine.get_job(*id).await.unwrap().status,
            JobStatus::Cancelled
        );
    }
    assert_eq!(
        engine.get_job(ids[2]).await.unwrap().status,
        JobStatus::Queued
    );
    clock.advance(chrono::TimeDelta::seconds(6));
    let ran = engine.run_next().await.unwrap().unwrap();
    assert_eq!((ran.id, ran.result), (ids[2], Some(json!({"n": 2}))));
    assert!(engine.run_next().await.unwrap().is_none());
}

/// A workflow that snoozes goes back to the queue, due after its delay, with
/// no retry spent; its progress reports are on its timeline and the latest is
/// the job's progress. A snooze out of range fails the job.
pub async fn snoozed_jobs_wait_without_spending_a_retry_and_report_progress<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, _ports) = manual(make).await;
    let job = engine
        .enqueue("test.snooze", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    let snoozed = engine.run_next().await.unwrap().unwrap();
    assert_eq!(
        (snoozed.status, snoozed.retry_count, snoozed.trigger),
        (JobStatus::Queued, 0, Trigger::Api)
    );
    assert_eq!(
        snoozed.run_at,
        engine.now() + chrono::TimeDelta::seconds(30)
    );
    assert!(
        messages(&engine, job.id)
            .await
            .contains(&"job snoozed".to_owned())
    );
    let halfway = engine.job_progress(job.id).await.unwrap().unwrap();
    assert_eq!(
        (halfway.percent, halfway.message.as_str()),
        (50.0, "half way")
    );
    assert!(engine.run_next().await.unwrap().is_none(), "not due yet");
    clock.advance(chrono::TimeDelta::seconds(31));
    let done = engine.run_next().await.unwrap().unwrap();
    assert_eq!(
        (done.id, done.status, done.attempt, done.retry_count),
        (job.id, JobStatus::Success, 2, 0)
    );
    let progress = engine.job_progress(job.id).await.unwrap().unwrap();
    assert_eq!(
        (progress.percent, progress.message.as_str()),
        (100.0, "done")
    );

    let bad = engine
        .enqueue(
            "test.snooze",
            json!({ "bad_snooze_ms": 0 }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    let failed = engine.run_next().await.unwrap().unwrap();
    assert_eq!((failed.id, failed.status), (bad.id, JobStatus::Failed));
    assert!(
        failed.error.as_deref().unwrap().contains("snooze"),
        "{failed:?}"
    );
    let untouched = engine
        .enqueue("test.echo", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    assert_eq!(engine.job_progress(untouched.id).await.unwrap(), None);
}

/// A job that failed for good runs again as the same job when an operator
/// retries it (through the queue, whatever queue it is); purging deletes the
/// failed jobs and their events, and nothing else.
pub async fn dead_jobs_are_retried_or_purged<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, ports) = manual(make).await;
    let job = engine
        .enqueue(
            "test.flaky",
            json!({ "succeed_on_attempt": 4 }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    for _ in 0..3 {
        clock.advance(chrono::TimeDelta::minutes(10));
        engine.run_next().await.unwrap();
    }
    assert_eq!(
        engine.get_job(job.id).await.unwrap().status,
        JobStatus::Failed
    );
    let retried = engine.retry_job(job.id).await.unwrap();
    assert_eq!(
        (retried.status, retried.retry_count, retried.trigger),
        (JobStatus::Queued, 0, Trigger::Retry)
    );
    let done = engine
        .run_next()
        .await
        .unwrap()
        .expect("the retried job runs");
    assert_eq!(
        (done.id, done.status, done.attempt),
        (job.id, JobStatus::Success, 4)
    );
    assert!(
        messages(&engine, job.id)
            .await
            .contains(&"job retried by an operator".to_owned())
    );
    assert_eq!(
        engine.retry_job(job.id).await.unwrap_err().kind(),
        ErrorKind::Conflict,
        "a success is not retried"
    );

    let fatal = engine
        .enqueue("test.fatal", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    engine.run_next().await.unwrap();
    let queued = engine
        .enqueue(
            "test.echo",
            json!({}),
            EnqueueOptions::default().with_delay(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    assert_eq!(engine.purge_failed(Some("test.echo")).await.unwrap(), 0);
    assert_eq!(engine.purge_failed(None).await.unwrap(), 1);
    assert_eq!(
        engine.get_job(fatal.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(
        ports
            .events
            .list(fatal.id, &ListEventsOptions::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        engine.get_job(job.id).await.unwrap().status,
        JobStatus::Success
    );
    assert_eq!(
        engine.get_job(queued.id).await.unwrap().status,
        JobStatus::Queued
    );
}

/// Retention deletes old finished jobs and their events, and keeps everything else.
pub async fn retention_purges_old_jobs_and_events<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, ports) = manual(make).await;
    let old = engine
        .enqueue("test.echo", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    engine.run_next().await.unwrap();
    clock.advance(chrono::TimeDelta::days(40));
    let recent = engine
        .enqueue("test.echo", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    engine.run_next().await.unwrap();
    let pending = engine
        .enqueue(
            "test.echo",
            json!({}),
            EnqueueOptions::default().with_delay(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let deleted = engine
        .purge_finished(Duration::from_secs(30 * 86_400))
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(
        engine.get_job(old.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(
        ports
            .events
            .list(old.id, &ListEventsOptions::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        engine.get_job(recent.id).await.unwrap().status,
        JobStatus::Success
    );
    assert!(!messages(&engine, recent.id).await.is_empty());
    assert_eq!(
        engine.get_job(pending.id).await.unwrap().status,
        JobStatus::Queued
    );
}

/// `ctx.step` records start, completion with duration, and failure with the error.
pub async fn step_helper_records_start_end_error<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, _ports) = manual(make).await;
    let job = engine
        .enqueue("test.steps", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    let done = engine.run_next().await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Failed);
    let events = engine
        .job_events(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    let find = |m: &str| {
        events
            .iter()
            .find(|e| e.message == m)
            .unwrap_or_else(|| panic!("no event '{m}'"))
    };
    assert_eq!(find("step parse started").source, EventSource::Agent);
    assert!(find("step parse completed").data["duration_ms"].is_number());
    let failed = find("step persist failed");
    assert_eq!(failed.source, EventSource::Workflow);
    assert!(
        failed.data["error"]
            .as_str()
            .unwrap()
            .contains("no such worklog")
    );
    let order: Vec<_> = events.iter().map(|e| e.message.as_str()).collect();
    let pos = |m: &str| order.iter().position(|x| *x == m).unwrap();
    assert!(pos("step parse started") < pos("step parse completed"));
    assert!(pos("step parse completed") < pos("step persist failed"));
    assert!(pos("step persist failed") < pos("job failed"));
}

/// A panic inside a workflow fails that job, not the worker.
pub async fn panicking_workflow_is_contained<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _clock, _ports) = manual(make).await;
    let job = engine
        .enqueue("test.panic", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    let done = engine.run_next().await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Failed);
    assert_eq!(
        done.error.as_deref(),
        Some("an internal error occurred; operators can see the details"),
        "{done:?}"
    );
    let details = error_details(&engine, job.id).await;
    assert!(
        details
            .iter()
            .any(|d| d.contains("index out of bounds in agent")),
        "{details:?}"
    );
    let next = engine
        .enqueue(
            "test.echo",
            json!({ "still": "working" }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(engine.run_next().await.unwrap().unwrap().id, next.id);
    assert_ne!(job.id, next.id);
}

/// Shutdown lets short jobs finish and releases long ones back to the queue without
/// spending a retry.
pub async fn shutdown_releases_in_flight_jobs<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let probe = Arc::new(Probe::default());
    let (engine, _ports) = live(make, Arc::clone(&probe)).await;
    let running = engine.start(WorkerOptions::workers(1));
    let long = engine
        .enqueue(
            "test.slow",
            json!({ "ms": 30_000 }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    wait_until_running(&engine, long.id).await;
    let started = std::time::Instant::now();
    running.shutdown(Duration::from_millis(200)).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown waited for the long job"
    );
    let released = engine.get_job(long.id).await.unwrap();
    assert_eq!(
        (released.status, released.retry_count),
        (JobStatus::Queued, 0),
        "{released:?}"
    );
    assert!(
        messages(&engine, long.id)
            .await
            .contains(&"job released on shutdown".to_owned())
    );

    let running = engine.start(WorkerOptions::workers(1));
    let short = engine
        .enqueue("test.slow", json!({ "ms": 50 }), EnqueueOptions::default())
        .await
        .unwrap();
    let _ = engine.cancel(long.id).await;
    let done = engine.wait_for(short.id, WAIT).await.unwrap();
    assert_eq!(done.status, JobStatus::Success);
    running.shutdown(Duration::from_secs(5)).await;
    assert!(probe.runs.load(Ordering::SeqCst) >= 2);
}

/// Jobs claimed beyond the worker slots (prefetch) wait for a slot: no more
/// workflows run at once than there are workers, every job still runs once, and a
/// prefetched job cancelled while it waits ends `cancelled` without running.
pub async fn worker_slots_bound_prefetched_jobs<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let probe = Arc::new(Probe::default());
    let (engine, _ports) = live(make, Arc::clone(&probe)).await;
    let running = engine.start(WorkerOptions::workers(2));
    let batch = (0..12)
        .map(|i| EnqueueRequest::new("test.gauge", json!({ "i": i })))
        .collect();
    let jobs = engine.enqueue_many(batch).await.unwrap();
    for job in &jobs {
        let done = engine.wait_for(job.job.id, WAIT).await.unwrap();
        assert_eq!(done.status, JobStatus::Success, "{done:?}");
        assert_eq!(done.attempt, 1, "{done:?}");
    }
    let most = probe.max_active.load(Ordering::SeqCst);
    assert!(most <= 2, "{most} workflows ran at once on 2 workers");
    running.shutdown(Duration::from_secs(5)).await;

    let running = engine.start(WorkerOptions::workers(1));
    let blocker = engine
        .enqueue("test.wait", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    wait_until_running(&engine, blocker.id).await;
    let waiting = engine
        .enqueue("test.slow", json!({ "ms": 10 }), EnqueueOptions::default())
        .await
        .unwrap();
    wait_until_running(&engine, waiting.id).await;
    engine.cancel(waiting.id).await.unwrap();
    let done = engine.wait_for(waiting.id, WAIT).await.unwrap();
    assert_eq!(done.status, JobStatus::Cancelled, "{done:?}");
    assert_eq!(
        probe.runs.load(Ordering::SeqCst),
        1,
        "only the blocker ran; the cancelled job never started its workflow"
    );
    engine.cancel(blocker.id).await.unwrap();
    let done = engine.wait_for(blocker.id, WAIT).await.unwrap();
    assert_eq!(done.status, JobStatus::Cancelled, "{done:?}");
    running.shutdown(Duration::from_secs(5)).await;
}

/// An engine on fresh ports with one fetcher claiming up to 8 jobs, 16 ahead at most.
async fn one_fetcher_engine<F, Fut>(make: &F) -> Engine
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let ports = make(Arc::new(SystemClock)).await;
    let config = EngineConfig {
        claim_batch: 8,
        prefetch: 16,
        fetchers: 1,
        ..fast_config()
    };
    build(&ports, Arc::new(SystemClock), config, Arc::default())
}

/// A worker claims up to `claim_batch` jobs per round trip even with fewer worker
/// slots: the batch is bounded by the free claims (slots plus prefetch), so a small
/// worker does not fetch a backlog one job per round trip. Jobs claimed together share
/// their claim's time as `started_at`.
pub async fn one_slot_worker_claims_a_backlog_in_batches<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let engine = one_fetcher_engine(make).await;
    let batch = (0..24)
        .map(|n| EnqueueRequest::new("test.echo", json!({ "n": n })))
        .collect();
    let jobs = engine.enqueue_many(batch).await.unwrap();
    let running = engine.start(WorkerOptions::workers(1));
    let mut claims = std::collections::BTreeMap::<_, usize>::new();
    for job in &jobs {
        let done = engine.wait_for(job.job.id, WAIT).await.unwrap();
        assert_eq!(done.status, JobStatus::Success, "{done:?}");
        *claims.entry(done.started_at).or_default() += 1;
    }
    running.shutdown(Duration::from_secs(5)).await;
    let sizes: Vec<usize> = claims.into_values().collect();
    // How full the later batches are depends on how fast the slot frees claims; the
    // first ones find all claims free.
    assert!(
        sizes.len() <= 12 && sizes.iter().all(|&n| n <= 8) && sizes.contains(&8),
        "24 jobs on one slot were claimed in batches of {sizes:?}; expected full batches \
         of 8 while claims are free"
    );
}

/// Once a process has seen its jobs take long, it claims no more than its slots can
/// start soon: the jobs stay queued for any other process instead of waiting here.
pub async fn long_jobs_are_not_claimed_ahead<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let engine = one_fetcher_engine(make).await;
    let running = engine.start(WorkerOptions::workers(1));
    let slow = |n: usize| {
        (0..n)
            .map(|i| EnqueueRequest::new("test.slow", json!({ "ms": 100, "i": i })))
            .collect::<Vec<_>>()
    };
    for job in engine.enqueue_many(slow(2)).await.unwrap() {
        engine.wait_for(job.job.id, WAIT).await.unwrap();
    }
    // A fetch already waiting on the queue took its claims before the pace was
    // known; let it time out (the poll interval is 20 ms).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let jobs = engine.enqueue_many(slow(6)).await.unwrap();
    let last = jobs.last().unwrap().job.id;
    let mut most_claimed = 0;
    while engine.get_job(last).await.unwrap().status != JobStatus::Success {
        let claimed = engine
            .list_jobs(&JobFilter {
                status: Some(JobStatus::Running),
                ..JobFilter::default()
            })
            .await
            .unwrap()
            .len();
        most_claimed = most_claimed.max(claimed);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.shutdown(Duration::from_secs(5)).await;
    assert!(
        (1..=2).contains(&most_claimed),
        "100 ms jobs on one slot: {most_claimed} claimed at once (prefetch 16)"
    );
}

/// Bulk enqueue validates every request before writing: one bad request stores
/// nothing. A good batch creates the jobs (one for a repeated key), writes each one's
/// "job queued" event, and workers run them all exactly once.
pub async fn bulk_enqueue_is_all_or_nothing_and_runs<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, _ports) = live(make, Arc::default()).await;
    let bad = vec![
        EnqueueRequest::new("test.echo", json!({ "n": 0 })),
        EnqueueRequest::new("test.echo", json!("not an object")),
    ];
    let err = engine.enqueue_many(bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("request"), "{err}");
    assert!(
        engine
            .list_jobs(&JobFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "a rejected batch stored a job"
    );

    let keyed = EnqueueOptions::default().with_idempotency_key("bulk-once");
    let mut requests: Vec<_> = (0..200)
        .map(|n| EnqueueRequest::new("test.echo", json!({ "n": n })))
        .collect();
    requests.push(EnqueueRequest::new("test.echo", json!({ "k": 1 })).with_options(keyed.clone()));
    requests.push(EnqueueRequest::new("test.echo", json!({ "k": 2 })).with_options(keyed));
    let inserted = engine.enqueue_many(requests).await.unwrap();
    assert_eq!(inserted.len(), 202);
    assert_eq!(inserted[200].job.id, inserted[201].job.id);
    assert!(inserted[200].created && !inserted[201].created);
    assert_eq!(
        messages(&engine, inserted[7].job.id).await,
        vec!["job queued"]
    );

    let running = engine.start(WorkerOptions::workers(4));
    for (n, got) in inserted.iter().take(200).enumerate() {
        let job = engine.wait_for(got.job.id, WAIT).await.unwrap();
        assert_eq!(job.status, JobStatus::Success);
        assert_eq!(job.result, Some(json!({ "n": n })));
        assert_eq!(job.attempt, 1, "job ran more than once");
    }
    let keyed = engine.wait_for(inserted[200].job.id, WAIT).await.unwrap();
    assert_eq!(keyed.result, Some(json!({ "k": 1 })));
    running.shutdown(Duration::from_secs(5)).await;
}

/// When the queue holds nothing ready but the store has jobs that have been due for
/// longer than `reconcile_after`, the reconciler publishes them again; jobs not yet
/// overdue, and a queue that still holds messages, are left alone.
pub async fn reconciler_republishes_jobs_the_queue_lost<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, clock, ports) = manual(make).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            engine
                .enqueue("test.echo", json!({ "n": n }), EnqueueOptions::default())
                .await
                .unwrap()
                .id,
        );
    }
    // The queue still holds the messages: nothing to do.
    assert_eq!(engine.reconcile_queue().await.unwrap(), 0);
    if ports.queue.capabilities().claims_from_store {
        // The queue is the store's own table: it cannot lose a job, and its depth
        // shows the due ones, so even overdue jobs need no republishing.
        clock.advance(
            chrono::TimeDelta::from_std(engine.config().reconcile_after).unwrap()
                + chrono::TimeDelta::seconds(1),
        );
        assert_eq!(ports.queue.depth().await.unwrap().ready, 3);
        assert_eq!(engine.reconcile_queue().await.unwrap(), 0);
        return;
    }
    // Lose every message, as a flushed Redis would.
    let popped = ports
        .queue
        .pop(&crate::ports::PopOptions {
            max: 100,
            wait: Duration::ZERO,
            queues: None,
        })
        .await
        .unwrap();
    assert_eq!(popped.len(), 3);
    ports.queue.ack(&popped).await.unwrap();
    assert_eq!(ports.queue.depth().await.unwrap().ready, 0);
    // Not overdue yet.
    assert_eq!(engine.reconcile_queue().await.unwrap(), 0);
    clock.advance(
        chrono::TimeDelta::from_std(engine.config().reconcile_after).unwrap()
            + chrono::TimeDelta::seconds(1),
    );
    assert_eq!(engine.reconcile_queue().await.unwrap(), 3);
    let redelivered = ports
        .queue
        .pop(&crate::ports::PopOptions {
            max: 100,
            wait: Duration::from_millis(200),
            queues: None,
        })
        .await
        .unwrap();
    let mut got: Vec<_> = redelivered.iter().map(|d| d.job_id).collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids);
}

/// With an event sink that is another object than the job store, the engine writes
/// every event to that sink, even when the store could write events itself
/// ([`writes_events`]). `store_events` is the store's own timeline, `sink` the other
/// one. Not part of [`engine_conformance!`]: it needs two sinks.
///
/// [`writes_events`]: crate::ports::JobStore::event_writer
pub async fn a_separate_event_sink_gets_the_events(
    store: SharedJobStore,
    queue: SharedQueue,
    store_events: SharedEventSink,
    sink: SharedEventSink,
) {
    let engine = Engine::builder()
        .with_job_store(store)
        .with_queue(queue)
        .with_event_sink(Arc::clone(&sink))
        .register("t.echo", workflow_fn(|_ctx, p| async move { Ok(p) }))
        .build()
        .unwrap();
    let job = engine
        .enqueue("t.echo", json!({}), EnqueueOptions::default())
        .await
        .unwrap();
    let in_sink = sink
        .list(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    assert_eq!(in_sink.len(), 1, "{in_sink:?}");
    let in_store = store_events
        .list(job.id, &ListEventsOptions::default())
        .await
        .unwrap();
    assert!(in_store.is_empty(), "{in_store:?}");
}

/// An engine on the system clock that claims one job at a time (no prefetch),
/// with the probe its `test.order` jobs report to.
async fn one_at_a_time_engine<F, Fut>(make: &F) -> (Engine, Arc<Probe>)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let ports = make(Arc::new(SystemClock)).await;
    let probe = Arc::new(Probe::default());
    let config = EngineConfig {
        claim_batch: 1,
        prefetch: 0,
        fetchers: 1,
        ..fast_config()
    };
    let engine = build(&ports, Arc::new(SystemClock), config, Arc::clone(&probe));
    (engine, probe)
}

/// A `test.order` job labelled `label`.
fn ordered(label: &str, options: EnqueueOptions) -> EnqueueRequest {
    EnqueueRequest::new("test.order", json!({ "label": label })).with_options(options)
}

/// With one worker slot, due jobs run most urgent first; a low-priority job that
/// has waited longer than its aging steps runs before fresher urgent ones.
pub async fn one_slot_runs_the_most_urgent_due_job_first<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, probe) = one_at_a_time_engine(make).await;
    let aging = crate::domain::PRIORITY_AGING;
    let now = engine.now();
    let waited = now - chrono::TimeDelta::from_std(aging * 3 + Duration::from_secs(5)).unwrap();
    let requests = vec![
        ordered("p4", EnqueueOptions::default().with_priority(4)),
        ordered("p2", EnqueueOptions::default()),
        ordered("p1", EnqueueOptions::default().with_priority(1)),
        ordered("p3", EnqueueOptions::default().with_priority(3)),
        ordered(
            "aged-p4",
            EnqueueOptions::default()
                .with_priority(4)
                .with_run_at(waited),
        ),
    ];
    let jobs = engine.enqueue_many(requests).await.unwrap();
    assert_eq!(jobs[1].job.priority, crate::domain::DEFAULT_PRIORITY);
    let bad = engine
        .enqueue(
            "test.order",
            json!({}),
            EnqueueOptions::default().with_priority(9),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    let running = engine.start(WorkerOptions::workers(1));
    for job in &jobs {
        let done = engine.wait_for(job.job.id, WAIT).await.unwrap();
        assert_eq!(done.status, JobStatus::Success, "{done:?}");
    }
    running.shutdown(Duration::from_secs(5)).await;
    assert_eq!(probe.ran(), ["aged-p4", "p1", "p2", "p3", "p4"]);
}

/// A paused queue, or a paused job type, keeps its jobs queued while other work
/// runs, in every process; resumed, they run.
pub async fn paused_queues_and_types_run_nothing_until_resumed<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    use crate::ports::PauseTarget;
    let (engine, probe) = one_at_a_time_engine(make).await;
    let bulk = PauseTarget::Queue("bulk".to_owned());
    let slow_type = PauseTarget::JobType("test.slow".to_owned());
    assert!(engine.pause(&bulk).await.unwrap());
    assert!(!engine.pause(&bulk).await.unwrap());
    assert!(engine.pause(&slow_type).await.unwrap());
    let bad = engine
        .pause(&PauseTarget::Queue("No Such".to_owned()))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);

    let running = engine.start(WorkerOptions::workers(2));
    let held = engine
        .enqueue_many(vec![
            ordered("bulk-1", EnqueueOptions::default().with_queue("bulk")),
            ordered("bulk-2", EnqueueOptions::default().with_queue("bulk")),
        ])
        .await
        .unwrap();
    let slow = engine
        .enqueue("test.slow", json!({ "ms": 1 }), EnqueueOptions::default())
        .await
        .unwrap();
    let free = engine
        .enqueue(
            "test.order",
            json!({ "label": "free" }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        engine.wait_for(free.id, WAIT).await.unwrap().status,
        JobStatus::Success
    );
    // Twenty poll intervals: time enough for any worker to have taken them.
    tokio::time::sleep(Duration::from_millis(400)).await;
    for job in held.iter().map(|h| &h.job).chain([&slow]) {
        assert_eq!(
            engine.get_job(job.id).await.unwrap().status,
            JobStatus::Queued
        );
    }
    assert_eq!(probe.ran(), ["free"]);
    let queues = engine.queues().await.unwrap();
    let (stats, pause) = queues.iter().find(|(s, _)| s.queue == "bulk").unwrap();
    assert_eq!(stats.ready, 2);
    assert!(pause.is_some());

    assert!(engine.resume(&bulk).await.unwrap());
    assert!(!engine.resume(&bulk).await.unwrap());
    for job in &held {
        let done = engine.wait_for(job.job.id, WAIT).await.unwrap();
        assert_eq!(done.status, JobStatus::Success, "{done:?}");
    }
    assert_eq!(
        engine.get_job(slow.id).await.unwrap().status,
        JobStatus::Queued
    );
    assert!(engine.resume(&slow_type).await.unwrap());
    let done = engine.wait_for(slow.id, WAIT).await.unwrap();
    assert_eq!(done.status, JobStatus::Success, "{done:?}");
    assert!(engine.pauses().await.unwrap().is_empty());
    running.shutdown(Duration::from_secs(5)).await;
}

/// Workers started for a set of queues run only those queues' jobs; the others
/// wait for a process that serves them.
pub async fn workers_serve_only_their_queues<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let (engine, probe) = one_at_a_time_engine(make).await;
    let options = WorkerOptions::workers(2).serving(["llm", "reports"]);
    options.check().unwrap();
    let bad = WorkerOptions::workers(1).serving(["Not A Queue"]).check();
    assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert!(
        WorkerOptions::workers(1)
            .serving(Vec::<String>::new())
            .check()
            .is_err()
    );

    let serving = engine.start(options);
    let other = engine
        .enqueue(
            "test.order",
            json!({ "label": "default" }),
            EnqueueOptions::default(),
        )
        .await
        .unwrap();
    let mine = engine
        .enqueue(
            "test.order",
            json!({ "label": "llm" }),
            EnqueueOptions::default().with_queue("llm"),
        )
        .await
        .unwrap();
    assert_eq!(mine.queue, "llm");
    assert_eq!(
        engine.wait_for(mine.id, WAIT).await.unwrap().status,
        JobStatus::Success
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        engine.get_job(other.id).await.unwrap().status,
        JobStatus::Queued
    );
    serving.shutdown(Duration::from_secs(5)).await;

    let everything = engine.start(WorkerOptions::workers(1));
    assert_eq!(
        engine.wait_for(other.id, WAIT).await.unwrap().status,
        JobStatus::Success
    );
    everything.shutdown(Duration::from_secs(5)).await;
    assert_eq!(probe.ran(), ["llm", "default"]);
}

/// Jobs sharing a concurrency key never overlap on a worker pool that could run
/// them all at once; a bad key is refused at enqueue.
pub async fn jobs_sharing_a_concurrency_key_run_one_at_a_time<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = EnginePorts>,
{
    let ports = make(Arc::new(SystemClock)).await;
    let probe = Arc::new(Probe::default());
    let engine = build(
        &ports,
        Arc::new(SystemClock),
        fast_config(),
        Arc::clone(&probe),
    );
    let keyed = |key: &str| EnqueueOptions::default().with_concurrency_key(key);
    let requests: Vec<EnqueueRequest> = (0..6)
        .map(|i| EnqueueRequest::new("test.gauge", json!({ "i": i })).with_options(keyed("acct-1")))
        .collect();
    let jobs = engine.enqueue_many(requests).await.unwrap();
    assert_eq!(jobs[0].job.concurrency_key.as_deref(), Some("acct-1"));
    let listed = engine
        .list_jobs(&JobFilter {
            concurrency_key: Some("acct-1".to_owned()),
            limit: 100,
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 6);
    let bad = engine
        .enqueue("test.gauge", json!({}), keyed(""))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);

    let running = engine.start(WorkerOptions::workers(4));
    for job in &jobs {
        let done = engine.wait_for(job.job.id, WAIT).await.unwrap();
        assert_eq!(done.status, JobStatus::Success, "{done:?}");
    }
    running.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        probe.max_active.load(Ordering::SeqCst),
        1,
        "jobs of one concurrency key overlapped"
    );
}
