//! Conformance of queues that are the job store's own table of queued jobs
//! ([`QueueCapabilities::claims_from_store`]).
//!
//! Scenarios take a factory `Fn(SharedClock) -> Future<Output = (SharedJobStore,
//! SharedQueue)>` that returns a fresh, empty store and the queue over it, both
//! reading time from the given clock.
//!
//! [`QueueCapabilities::claims_from_store`]: crate::ports::QueueCapabilities::claims_from_store

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{at, new_job, t0};
use crate::clock::{ManualClock, SharedClock};
use crate::ports::{
    ClaimOptions, JobStoreExt, PopOptions, QueueMessage, SharedJobStore, SharedQueue,
};

/// Runs every store-queue scenario as its own test.
#[macro_export]
macro_rules! store_queue_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            store_queue,
            $factory,
            [
                says_it_claims_from_the_store,
                pop_waits_when_nothing_is_due,
                push_wakes_a_waiting_pop,
                a_due_job_ends_the_wait_without_a_push,
                delayed_jobs_do_not_end_the_wait,
                depth_counts_queued_jobs,
                jobs_a_claim_cannot_take_do_not_end_the_wait,
            ]
        );
    };
}

async fn fresh<F, Fut>(make: &F) -> (SharedJobStore, SharedQueue, ManualClock)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    let clock = ManualClock::new(t0());
    let (store, queue) = make(Arc::new(clock.clone())).await;
    (store, queue, clock)
}

fn wait(ms: u64) -> PopOptions {
    PopOptions {
        max: 10,
        wait: Duration::from_millis(ms),
        queues: None,
    }
}

fn claim() -> ClaimOptions {
    ClaimOptions {
        worker_id: "w".into(),
        now: t0(),
        lease_expires_at: at(30),
        queues: None,
    }
}

/// The capability is set, so the engine claims from the store.
pub async fn says_it_claims_from_the_store<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    let (_store, queue, _clock) = fresh(make).await;
    assert!(queue.capabilities().claims_from_store);
}

/// With nothing queued, a pop waits about `wait` and delivers nothing.
pub async fn pop_waits_when_nothing_is_due<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    let (_store, queue, _clock) = fresh(make).await;
    let started = Instant::now();
    let got = queue.pop(&wait(300)).await.unwrap();
    assert!(got.is_empty(), "{got:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "returned after {:?} with nothing due",
        started.elapsed()
    );
    let started = Instant::now();
    queue.pop(&wait(0)).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(200));
}

/// A job stored and pushed ends a waiting pop promptly (well before its wait), and
/// the job is then claimable from the store; the pop itself delivers nothing.
pub async fn push_wakes_a_waiting_pop<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    let (store, queue, _clock) = fresh(make).await;
    let waiting = {
        let queue = Arc::clone(&queue);
        tokio::spawn(async move {
            let started = Instant::now();
            let got = queue.pop(&wait(10_000)).await.unwrap();
            (got, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let job = store.insert_job(new_job()).await.unwrap().job;
    queue
        .push(&[QueueMessage {
            job_id: job.id,
            available_at: job.run_at,
            priority: crate::domain::DEFAULT_PRIORITY,
        }])
        .await
        .unwrap();
    let (got, waited) = waiting.await.unwrap();
    assert!(got.is_empty(), "a store queue delivers nothing: {got:?}");
    assert!(waited < Duration::from_secs(5), "woke after {waited:?}");
    let claimed = store.claim_due(10, &claim()).await.unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [job.id]);
}

/// A due job that was never pushed (another process enqueued it) ends the wait at
/// the next look.
pub async fn a_due_job_ends_the_wait_without_a_push<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    let (store, queue, _clock) = fresh(make).await;
    store.insert_job(new_job()).await.unwrap();
    let started = Instant::now();
    queue.pop(&wait(10_000)).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a due job did not end the wait: {:?}",
        started.elapsed()
    );
}

/// A queued job that is not due yet keeps the pop waiting; once the clock reaches
/// its `run_at`, it ends the wait.
pub async fn delayed_jobs_do_not_end_the_wait<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    let (store, queue, clock) = fresh(make).await;
    let mut later = new_job();
    later.run_at = at(60);
    store.insert_job(later).await.unwrap();
    let started = Instant::now();
    queue.pop(&wait(400)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "a delayed job ended the wait after {:?}",
        started.elapsed()
    );
    clock.set(at(61));
    let started = Instant::now();
    queue.pop(&wait(10_000)).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Depth counts the store's queued jobs: due ones as ready, later ones as delayed;
/// a claimed job no longer counts.
pub async fn depth_counts_queued_jobs<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    let (store, queue, _clock) = fresh(make).await;
    store.insert_job(new_job()).await.unwrap();
    store.insert_job(new_job()).await.unwrap();
    let mut later = new_job();
    later.run_at = at(60);
    store.insert_job(later).await.unwrap();
    let depth = queue.depth().await.unwrap();
    assert_eq!((depth.ready, depth.delayed), (2, 1));
    store.claim_due(1, &claim()).await.unwrap();
    let depth = queue.depth().await.unwrap();
    assert_eq!((depth.ready, depth.delayed), (1, 1));
}

/// A due job in a queue the popper does not serve, or held by a pause, does not
/// end the wait (a worker would wake, claim nothing and spin); resumed, it does.
pub async fn jobs_a_claim_cannot_take_do_not_end_the_wait<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = (SharedJobStore, SharedQueue)>,
{
    use crate::ports::PauseTarget;
    let (store, queue, _clock) = fresh(make).await;
    let mut job = new_job();
    job.queue = "a".to_owned();
    store.insert_job(job).await.unwrap();
    let only_b = PopOptions {
        queues: Some(vec!["b".to_owned()].into()),
        ..wait(300)
    };
    let started = Instant::now();
    queue.pop(&only_b).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "a job of another queue ended the wait after {:?}",
        started.elapsed()
    );
    let paused = PauseTarget::Queue("a".to_owned());
    store.set_paused(&paused, true, t0()).await.unwrap();
    let started = Instant::now();
    queue.pop(&wait(300)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "a paused job ended the wait after {:?}",
        started.elapsed()
    );
    store.set_paused(&paused, false, t0()).await.unwrap();
    let started = Instant::now();
    queue.pop(&wait(5_000)).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a resumed job did not end the wait ({:?})",
        started.elapsed()
    );
}
