//! Conformance of [`JobStore`] implementations.
//!
//! Scenarios take a factory `Fn() -> Future<Output = SharedJobStore>` that returns a
//! fresh, empty store each call.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{at, new_job, t0};
use crate::ErrorKind;
use crate::domain::{JobStatus, NewJob, Trigger};
use crate::ports::{
    CancelOutcome, ClaimOptions, JobFilter, JobOutcome, JobStoreExt, Lease, SharedJobStore,
};

/// Runs the scenarios of a job store that is also its event sink
/// ([`event_writer`](crate::ports::JobStore::event_writer)), each as
/// its own test. The factory returns one backend as both ports, e.g.
/// `|| async { let db = Arc::new(open().await); (Arc::clone(&db) as SharedJobStore, db as SharedEventSink) }`.
#[macro_export]
macro_rules! event_writing_job_store_conformance {
    ($factory:expr) => {
        $crate::__event_writing_tests!(
            $factory,
            [
                insert_with_events_writes_created_jobs_only,
                claim_with_events_writes_started_events,
                finish_with_events_writes_events_of_written_outcomes_only,
                queued_events_read_back_as_given,
                insert_queued_jobs_writes_standard_queued_events,
            ]
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __event_writing_tests {
    ($factory:expr, [$($name:ident),+ $(,)?]) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (store, events) = ($factory)().await;
                $crate::conformance::job_store::$name(store, events).await;
            }
        )+
    };
}

/// The event writer of a store that has one.
fn writer(store: &SharedJobStore) -> &dyn crate::ports::JobEventWriter {
    store
        .event_writer()
        .expect("these scenarios are for stores with an event writer")
}

/// Runs every job-store scenario as its own test.
#[macro_export]
macro_rules! job_store_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            job_store,
            $factory,
            [
                insert_get_and_not_found,
                inserted_job_is_the_stored_job,
                idempotent_insert,
                idempotent_insert_concurrent,
                claim_only_queued_and_due,
                claim_due_in_run_at_order,
                concurrent_claims_are_exclusive,
                stale_lease_is_fenced,
                heartbeat_extends_lease,
                reaper_fails_when_retries_spent,
                outcomes_transition_state,
                retry_outcome_delays_next_claim,
                cancel_queued_running_finished,
                list_filters_and_keyset_pagination,
                counts_by_type_and_status,
                retention_deletes_only_old_finished,
                bulk_insert_keeps_order_and_keys,
                large_bulk_insert_stores_every_field,
                batch_claim_takes_only_due_queued,
                queued_due_lists_what_to_republish,
                batch_finish_applies_each_outcome_and_fences_stale_leases,
                dead_letters_are_requeued_or_deleted,
                idempotency_keys_are_released_by_compare_and_set,
                claim_due_in_priority_order_with_aging,
                claims_serve_chosen_queues_and_skip_pauses,
                queue_stats_count_waiting_and_running_jobs,
            ]
        );
    };
}

/// The store's job counts as (type, status, count), by type then status.
async fn sorted_counts(store: &SharedJobStore) -> Vec<(String, JobStatus, u64)> {
    let mut counts: Vec<(String, JobStatus, u64)> = store
        .job_counts()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.job_type, c.status, c.count))
        .collect();
    counts.sort_by(|a, b| (&a.0, a.1.as_str()).cmp(&(&b.0, b.1.as_str())));
    counts
}

fn claim_at(now: DateTime<Utc>, worker: &str) -> ClaimOptions {
    ClaimOptions {
        worker_id: worker.to_owned(),
        now,
        lease_expires_at: now + chrono::TimeDelta::seconds(30),
        queues: None,
    }
}

/// The job an insert returns is the job as stored, to the precision the store keeps
/// (Postgres and SQLite keep microseconds): a caller that compares it with a later read,
/// or shows it and then the read, sees the same times.
pub async fn inserted_job_is_the_stored_job<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let fine = |mut job: NewJob| {
        job.created_at = t0() + chrono::TimeDelta::nanoseconds(123_456_789);
        job.run_at = t0() + chrono::TimeDelta::nanoseconds(987_654_321);
        job
    };
    let one = store.insert_job(fine(new_job())).await.unwrap();
    assert_eq!(store.get_job(one.job.id).await.unwrap(), one.job);
    let many = store
        .insert_jobs((0..3).map(|_| fine(new_job())).collect())
        .await
        .unwrap();
    for inserted in many {
        assert!(inserted.created);
        assert_eq!(store.get_job(inserted.job.id).await.unwrap(), inserted.job);
    }
}

/// Inserting creates a queued job that reads back equal; unknown ids are NotFound.
pub async fn insert_get_and_not_found<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut new = new_job();
    new.user_id = Some(7);
    new.parent_job_id = Some(Uuid::now_v7());
    let inserted = store.insert_job(new.clone()).await.unwrap();
    assert!(inserted.created);
    let job = store.get_job(new.id).await.unwrap();
    assert_eq!(job, inserted.job);
    assert_eq!(job, new.clone().into_job());
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.payload, json!({ "n": 1 }));
    let err = store.get_job(Uuid::now_v7()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// A second insert with the same idempotency key returns the first job.
pub async fn idempotent_insert<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut first = new_job();
    first.idempotency_key = Some("key-1".into());
    let mut second = new_job();
    second.idempotency_key = Some("key-1".into());
    second.payload = json!({ "n": 2 });
    let a = store.insert_job(first.clone()).await.unwrap();
    let b = store.insert_job(second.clone()).await.unwrap();
    assert!(a.created && !b.created);
    assert_eq!(b.job.id, first.id);
    assert_eq!(b.job.payload, json!({ "n": 1 }));
    assert_eq!(
        store.get_job(second.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let all = store.list_jobs(&JobFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
}

/// Concurrent inserts with one key create exactly one job.
pub async fn idempotent_insert_concurrent<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut job = new_job();
            job.idempotency_key = Some("same".into());
            store.insert_job(job).await.unwrap()
        }));
    }
    let mut ids = HashSet::new();
    let mut created = 0;
    for t in tasks {
        let inserted = t.await.unwrap();
        ids.insert(inserted.job.id);
        created += usize::from(inserted.created);
    }
    assert_eq!((ids.len(), created), (1, 1));
}

/// Only queued, due jobs can be claimed; a claim starts attempt 1 with a lease.
pub async fn claim_only_queued_and_due<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut later = new_job();
    later.run_at = at(60);
    store.insert_job(later.clone()).await.unwrap();
    assert!(
        store
            .claim_job(later.id, &claim_at(t0(), "w1"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .claim_due(10, &claim_at(t0(), "w1"))
            .await
            .unwrap()
            .is_empty()
    );

    let now = new_job();
    store.insert_job(now.clone()).await.unwrap();
    let job = store
        .claim_job(now.id, &claim_at(at(1), "w1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, JobStatus::Running);
    assert_eq!(job.attempt, 1);
    assert_eq!(job.worker_id.as_deref(), Some("w1"));
    assert_eq!(job.lease_expires_at, Some(at(31)));
    assert_eq!(job.started_at, Some(at(1)));
    assert!(
        store
            .claim_job(now.id, &claim_at(at(2), "w2"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .claim_job(Uuid::now_v7(), &claim_at(at(2), "w2"))
            .await
            .unwrap()
            .is_none()
    );

    let job = store
        .claim_job(later.id, &claim_at(at(60), "w2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.attempt, 1);
}

/// `claim_due` takes the earliest `run_at` first and honours the limit.
pub async fn claim_due_in_run_at_order<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut ids = Vec::new();
    for offset in [30, 10, 20, 500] {
        let mut job = new_job();
        job.run_at = at(offset);
        ids.push((offset, job.id));
        store.insert_job(job).await.unwrap();
    }
    let claimed = store.claim_due(2, &claim_at(at(100), "w")).await.unwrap();
    let got: Vec<_> = claimed.iter().map(|j| j.run_at).collect();
    assert_eq!(got, vec![at(10), at(20)]);
    let claimed = store.claim_due(10, &claim_at(at(100), "w")).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].run_at, at(30));
}

/// A job placed in a queue with a priority.
fn placed(queue: &str, priority: i16, run_at: DateTime<Utc>) -> NewJob {
    let mut job = new_job();
    job.queue = queue.to_owned();
    job.priority = priority;
    job.run_at = run_at;
    job
}

/// Due jobs are claimed most urgent first, and a low-priority job that has waited
/// longer than its priority's aging steps goes before fresher urgent ones; the
/// republish list follows the same order and carries each job's priority.
pub async fn claim_due_in_priority_order_with_aging<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let aging = crate::domain::PRIORITY_AGING.as_secs() as i64;
    let now = at(1000);
    // (label, priority, seconds before `now` it became due)
    let plan = [
        ("p4", 4, 0),
        ("p1", 1, 0),
        ("p2", 2, 0),
        ("p3", 3, 0),
        ("aged-p4", 4, 3 * aging + 1),
        ("later-p1", 1, -10),
    ];
    let mut labels = std::collections::HashMap::new();
    for (label, priority, waited) in plan {
        let job = placed("default", priority, at(1000 - waited));
        labels.insert(job.id, label);
        store.insert_job(job).await.unwrap();
    }
    let due = store.queued_due(now, 10).await.unwrap();
    let republished: Vec<_> = due
        .iter()
        .map(|m| (labels[&m.job_id], m.priority))
        .collect();
    assert_eq!(
        republished,
        vec![("aged-p4", 4), ("p1", 1), ("p2", 2), ("p3", 3), ("p4", 4)]
    );
    let mut order = Vec::new();
    for _ in 0..6 {
        for job in store.claim_due(1, &claim_at(now, "w")).await.unwrap() {
            order.push(labels[&job.id]);
        }
    }
    assert_eq!(order, vec!["aged-p4", "p1", "p2", "p3", "p4"]);
    let batch = store.claim_due(5, &claim_at(at(1100), "w")).await.unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(
        batch[0].priority, 1,
        "the late urgent job is claimed once due"
    );
}

/// A claim takes only jobs of the queues it serves; a paused queue or job type
/// holds its jobs (by due time and by id) until it is resumed.
pub async fn claims_serve_chosen_queues_and_skip_pauses<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    use crate::ports::PauseTarget;
    let store = make().await;
    let mut in_a = placed("a", 2, at(0));
    in_a.job_type = "test.other".to_owned();
    let in_b = placed("b", 2, at(0));
    let (a, b) = (in_a.id, in_b.id);
    store.insert_jobs(vec![in_a, in_b]).await.unwrap();
    let listed = store
        .list_jobs(&JobFilter {
            queue: Some("a".to_owned()),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![a]);
    assert_eq!(listed[0].queue, "a");

    let only_b = ClaimOptions {
        queues: Some(vec!["b".to_owned(), "c".to_owned()].into()),
        ..claim_at(at(1), "w")
    };
    assert!(store.claim_jobs(&[a], &only_b).await.unwrap().is_empty());
    let queue_b = PauseTarget::Queue("b".to_owned());
    assert!(store.set_paused(&queue_b, true, at(1)).await.unwrap());
    assert!(
        !store.set_paused(&queue_b, true, at(2)).await.unwrap(),
        "already paused"
    );
    let other_type = PauseTarget::JobType("test.other".to_owned());
    assert!(store.set_paused(&other_type, true, at(3)).await.unwrap());
    let pauses = store.pauses().await.unwrap();
    assert_eq!(pauses.len(), 2);
    assert!(
        pauses
            .iter()
            .any(|p| p.target == queue_b && p.paused_at == at(1))
    );
    assert!(
        pauses
            .iter()
            .any(|p| p.target == other_type && p.paused_at == at(3))
    );

    assert!(store.claim_due(10, &only_b).await.unwrap().is_empty());
    assert!(
        store
            .claim_due(10, &claim_at(at(5), "w"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim_jobs(&[a, b], &claim_at(at(5), "w"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.get_job(a).await.unwrap().status, JobStatus::Queued);

    assert!(store.set_paused(&queue_b, false, at(6)).await.unwrap());
    assert!(
        !store.set_paused(&queue_b, false, at(6)).await.unwrap(),
        "not paused"
    );
    let claimed = store.claim_due(10, &only_b).await.unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![b]);
    assert!(
        store
            .claim_due(10, &claim_at(at(7), "w"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.set_paused(&other_type, false, at(8)).await.unwrap());
    assert!(store.pauses().await.unwrap().is_empty());
    let claimed = store.claim_jobs(&[a], &claim_at(at(9), "w")).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].queue, "a");
}

/// Operators' per-queue counts: due, delayed and running jobs of each queue.
pub async fn queue_stats_count_waiting_and_running_jobs<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    store
        .insert_jobs(vec![
            placed("bulk", 4, at(5)),
            placed("bulk", 4, at(10)),
            placed("bulk", 4, at(500)),
            placed("default", 2, at(0)),
        ])
        .await
        .unwrap();
    let only_default = ClaimOptions {
        queues: Some(vec!["default".to_owned()].into()),
        ..claim_at(at(20), "w")
    };
    assert_eq!(store.claim_due(1, &only_default).await.unwrap().len(), 1);
    let stats = store.queue_stats(at(20)).await.unwrap();
    let view: Vec<_> = stats
        .iter()
        .map(|s| {
            (
                s.queue.as_str(),
                s.ready,
                s.delayed,
                s.running,
                s.oldest_ready_at,
            )
        })
        .collect();
    assert_eq!(
        view,
        vec![("bulk", 2, 1, 0, Some(at(5))), ("default", 0, 0, 1, None)]
    );
}

/// Many workers claiming at once never share a job.
pub async fn concurrent_claims_are_exclusive<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut all = HashSet::new();
    for _ in 0..60 {
        let job = new_job();
        all.insert(job.id);
        store.insert_job(job).await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = Arc::clone(&store);
        let ids: Vec<Uuid> = all.iter().copied().collect();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for id in ids {
                if let Some(job) = store
                    .claim_job(id, &claim_at(at(1), &format!("w{w}")))
                    .await
                    .unwrap()
                {
                    mine.push(job.id);
                }
            }
            loop {
                let batch = store
                    .claim_due(3, &claim_at(at(1), &format!("w{w}")))
                    .await
                    .unwrap();
                if batch.is_empty() {
                    break;
                }
                mine.extend(batch.iter().map(|j| j.id));
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.unwrap());
    }
    let unique: HashSet<_> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 60, "a job was claimed twice or not at all");
    assert_eq!(unique, all);
}

/// After a lease expires and another worker claims the job, the first worker can
/// neither heartbeat nor finish it, and the new holder can.
pub async fn stale_lease_is_fenced<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let job = new_job();
    store.insert_job(job.clone()).await.unwrap();
    let first = store
        .claim_job(job.id, &claim_at(t0(), "w1"))
        .await
        .unwrap()
        .unwrap();
    let stale = Lease::of(&first);
    assert!(
        store.reap_expired(at(30), 10).await.unwrap().is_empty(),
        "lease reaped before it expired"
    );
    let reaped = store.reap_expired(at(31), 10).await.unwrap();
    assert_eq!(reaped.len(), 1);
    assert_eq!(reaped[0].status, JobStatus::Queued);
    assert_eq!(reaped[0].retry_count, 1);
    assert_eq!(reaped[0].lease_expires_at, None);

    let second = store
        .claim_job(job.id, &claim_at(at(32), "w2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.attempt, 2);
    let err = store.heartbeat(&stale, at(100)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let err = store
        .finish_job(
            &stale,
            JobOutcome::Succeeded {
                result: json!({ "stale": true }),
            },
            at(33),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(store.get_job(job.id).await.unwrap(), second);

    let done = store
        .finish_job(
            &Lease::of(&second),
            JobOutcome::Succeeded {
                result: json!({ "ok": true }),
            },
            at(34),
        )
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Success);
    let err = store
        .finish_job(
            &Lease::of(&second),
            JobOutcome::Failed {
                error: "again".into(),
            },
            at(35),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Conflict,
        "a finished job was finished twice"
    );
}

/// A heartbeat moves the expiry, so the reaper leaves the job alone until then.
pub async fn heartbeat_extends_lease<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let job = new_job();
    store.insert_job(job.clone()).await.unwrap();
    let claimed = store
        .claim_job(job.id, &claim_at(t0(), "w1"))
        .await
        .unwrap()
        .unwrap();
    let beat = store.heartbeat(&Lease::of(&claimed), at(90)).await.unwrap();
    assert_eq!(beat.lease_expires_at, Some(at(90)));
    assert!(!beat.cancel_requested);
    assert!(store.reap_expired(at(60), 10).await.unwrap().is_empty());
    assert_eq!(store.reap_expired(at(91), 10).await.unwrap().len(), 1);
}

/// An expired lease with no retries left fails the job.
pub async fn reaper_fails_when_retries_spent<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut job = new_job();
    job.max_retries = 0;
    store.insert_job(job.clone()).await.unwrap();
    store
        .claim_job(job.id, &claim_at(t0(), "w1"))
        .await
        .unwrap()
        .unwrap();
    let reaped = store.reap_expired(at(100), 10).await.unwrap();
    assert_eq!(reaped.len(), 1);
    assert_eq!(reaped[0].status, JobStatus::Failed);
    assert_eq!(reaped[0].finished_at, Some(at(100)));
    assert!(reaped[0].error.as_deref().unwrap().contains("expired"));
    assert!(store.reap_expired(at(200), 10).await.unwrap().is_empty());
}

/// A failed or cancelled job goes back to the queue as the same job with its
/// retries counted from zero; other statuses are a conflict. Deleting by id
/// takes finished jobs only.
pub async fn dead_letters_are_requeued_or_deleted<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut dead = new_job();
    dead.max_retries = 0;
    store.insert_job(dead.clone()).await.unwrap();
    let claimed = store
        .claim_job(dead.id, &claim_at(t0(), "w1"))
        .await
        .unwrap()
        .unwrap();
    let failed = store
        .finish_job(
            &Lease::of(&claimed),
            JobOutcome::Failed {
                error: "boom".into(),
            },
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    let requeued = store.requeue_finished(dead.id, at(10)).await.unwrap();
    assert_eq!(requeued.id, dead.id);
    assert_eq!(requeued.status, JobStatus::Queued);
    assert_eq!(requeued.trigger, Trigger::Retry);
    assert_eq!((requeued.retry_count, requeued.attempt), (0, 1));
    assert_eq!(requeued.run_at, at(10));
    assert!(requeued.error.is_none() && requeued.finished_at.is_none());
    assert!(requeued.lease_expires_at.is_none() && requeued.worker_id.is_none());
    assert_eq!(store.get_job(dead.id).await.unwrap(), requeued);
    assert!(
        store
            .claim_job(dead.id, &claim_at(at(9), "w2"))
            .await
            .unwrap()
            .is_none(),
        "not due before the retry"
    );
    let again = store
        .claim_job(dead.id, &claim_at(at(10), "w2"))
        .await
        .unwrap()
        .expect("claimable again");
    assert_eq!(again.attempt, 2);
    assert_eq!(
        store
            .requeue_finished(dead.id, at(11))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Conflict,
        "a running job is not requeued"
    );
    assert_eq!(
        store
            .requeue_finished(Uuid::now_v7(), at(11))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let cancelled = new_job();
    store.insert_job(cancelled.clone()).await.unwrap();
    store.cancel_job(cancelled.id, at(3)).await.unwrap();
    let queued = new_job();
    store.insert_job(queued.clone()).await.unwrap();
    let deleted = store
        .delete_finished_jobs(&[dead.id, cancelled.id, queued.id, Uuid::now_v7()])
        .await
        .unwrap();
    assert_eq!(deleted, vec![cancelled.id], "running and queued jobs stay");
    assert_eq!(
        store.get_job(cancelled.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store.get_job(queued.id).await.unwrap().status,
        JobStatus::Queued
    );
    assert!(store.delete_finished_jobs(&[]).await.unwrap().is_empty());
}

/// A job gives up its idempotency key only if it still holds it; then a new
/// job may take the key, and the old one keeps everything else.
pub async fn idempotency_keys_are_released_by_compare_and_set<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut first = new_job();
    first.idempotency_key = Some("k".into());
    store.insert_job(first.clone()).await.unwrap();
    assert!(
        !store
            .release_idempotency_key(first.id, "other")
            .await
            .unwrap()
    );
    assert!(
        !store
            .release_idempotency_key(Uuid::now_v7(), "k")
            .await
            .unwrap()
    );
    let mut second = new_job();
    second.idempotency_key = Some("k".into());
    let again = store.insert_job(second.clone()).await.unwrap();
    assert!(
        !again.created && again.job.id == first.id,
        "the key is still held"
    );
    assert!(store.release_idempotency_key(first.id, "k").await.unwrap());
    assert!(!store.release_idempotency_key(first.id, "k").await.unwrap());
    let released = store.get_job(first.id).await.unwrap();
    assert_eq!(released.idempotency_key, None);
    assert_eq!(
        (released.status, released.payload),
        (JobStatus::Queued, first.payload.clone())
    );
    let taken = store.insert_job(second.clone()).await.unwrap();
    assert!(taken.created && taken.job.id == second.id);
    assert_eq!(taken.job.idempotency_key.as_deref(), Some("k"));
}

/// Success, failure, cancellation and release each land in the right state.
pub async fn outcomes_transition_state<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let cases = vec![
        (
            JobOutcome::Succeeded {
                result: json!({ "skills": 3 }),
            },
            JobStatus::Success,
        ),
        (
            JobOutcome::Failed {
                error: "boom".into(),
            },
            JobStatus::Failed,
        ),
        (
            JobOutcome::Cancelled {
                reason: "user asked".into(),
            },
            JobStatus::Cancelled,
        ),
        (JobOutcome::Released, JobStatus::Queued),
        (JobOutcome::Snoozed { run_at: at(60) }, JobStatus::Queued),
    ];
    for (outcome, expected) in cases {
        let job = new_job();
        store.insert_job(job.clone()).await.unwrap();
        let claimed = store
            .claim_job(job.id, &claim_at(at(1), "w"))
            .await
            .unwrap()
            .unwrap();
        let done = store
            .finish_job(&Lease::of(&claimed), outcome.clone(), at(5))
            .await
            .unwrap();
        assert_eq!(done.status, expected, "{outcome:?}");
        assert_eq!(done.lease_expires_at, None);
        assert_eq!(done, store.get_job(job.id).await.unwrap());
        match outcome {
            JobOutcome::Succeeded { result } => {
                assert_eq!(done.result, Some(result));
                assert_eq!(done.finished_at, Some(at(5)));
            }
            JobOutcome::Failed { error } | JobOutcome::Cancelled { reason: error } => {
                assert_eq!(done.error, Some(error));
                assert_eq!(done.finished_at, Some(at(5)));
            }
            JobOutcome::Released => {
                assert_eq!(done.retry_count, 0, "release must not spend a retry");
                assert_eq!(done.finished_at, None);
                let again = store
                    .claim_job(job.id, &claim_at(at(6), "w"))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(again.attempt, 2);
            }
            JobOutcome::Snoozed { run_at } => {
                assert_eq!((done.retry_count, done.run_at), (0, run_at));
                assert_eq!((done.finished_at, done.trigger), (None, Trigger::Api));
                assert!(
                    store
                        .claim_job(job.id, &claim_at(at(59), "w"))
                        .await
                        .unwrap()
                        .is_none(),
                    "a snoozed job waits for its time"
                );
                let again = store
                    .claim_job(job.id, &claim_at(run_at, "w"))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(again.attempt, 2);
            }
            JobOutcome::Retry { .. } => unreachable!("not in the cases"),
        }
    }
}

/// A retry requeues with `retry_count + 1` and trigger `retry`, not before `run_at`.
pub async fn retry_outcome_delays_next_claim<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let job = new_job();
    store.insert_job(job.clone()).await.unwrap();
    let claimed = store
        .claim_job(job.id, &claim_at(at(1), "w"))
        .await
        .unwrap()
        .unwrap();
    let retried = store
        .finish_job(
            &Lease::of(&claimed),
            JobOutcome::Retry {
                error: "timeout".into(),
                run_at: at(60),
            },
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(retried.status, JobStatus::Queued);
    assert_eq!(retried.retry_count, 1);
    assert_eq!(retried.trigger, Trigger::Retry);
    assert_eq!(retried.error.as_deref(), Some("timeout"));
    assert_eq!(retried.run_at, at(60));
    assert!(
        store
            .claim_due(10, &claim_at(at(59), "w"))
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_due(10, &claim_at(at(60), "w")).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 2);
}

/// Cancel: queued ends at once; running is flagged; finished is a conflict.
pub async fn cancel_queued_running_finished<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let queued = new_job();
    store.insert_job(queued.clone()).await.unwrap();
    match store.cancel_job(queued.id, at(3)).await.unwrap() {
        CancelOutcome::Cancelled(job) => {
            assert_eq!(job.status, JobStatus::Cancelled);
            assert_eq!(job.finished_at, Some(at(3)));
        }
        other => panic!("expected Cancelled, got {other:?}"),
    }
    assert!(
        store
            .claim_job(queued.id, &claim_at(at(4), "w"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.cancel_job(queued.id, at(5)).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );

    let running = new_job();
    store.insert_job(running.clone()).await.unwrap();
    let claimed = store
        .claim_job(running.id, &claim_at(at(1), "w"))
        .await
        .unwrap()
        .unwrap();
    match store.cancel_job(running.id, at(2)).await.unwrap() {
        CancelOutcome::Requested(job) => {
            assert_eq!(job.status, JobStatus::Running);
            assert!(job.cancel_requested);
        }
        other => panic!("expected Requested, got {other:?}"),
    }
    let beat = store.heartbeat(&Lease::of(&claimed), at(40)).await.unwrap();
    assert!(beat.cancel_requested, "the worker must see the request");
    let done = store
        .finish_job(
            &Lease::of(&claimed),
            JobOutcome::Cancelled {
                reason: "stopped".into(),
            },
            at(3),
        )
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Cancelled);
    assert_eq!(
        store
            .cancel_job(Uuid::now_v7(), at(1))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

/// Filters combine; pages follow the keyset cursor without gaps or repeats.
pub async fn list_filters_and_keyset_pagination<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut expected = Vec::new();
    for i in 0..25i64 {
        let mut job = new_job();
        job.created_at = at(i);
        job.job_type = if i % 2 == 0 {
            "a.even".into()
        } else {
            "b.odd".into()
        };
        job.user_id = Some(i % 3);
        expected.push(job.id);
        store.insert_job(job).await.unwrap();
    }
    expected.reverse();
    let mut seen = Vec::new();
    let mut filter = JobFilter {
        limit: 7,
        ..Default::default()
    };
    loop {
        let page = store.list_jobs(&filter).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        let last = page.last().unwrap();
        filter.after = Some((last.created_at, last.id));
        seen.extend(page.iter().map(|j| j.id));
    }
    assert_eq!(seen, expected, "pages must list newest first without gaps");

    let even = store
        .list_jobs(&JobFilter {
            job_type: Some("a.even".into()),
            user_id: Some(0),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(even.len(), 5); // i in {0, 6, 12, 18, 24}
    assert!(
        even.iter()
            .all(|j| j.job_type == "a.even" && j.user_id == Some(0))
    );
    let window = store
        .list_jobs(&JobFilter {
            created_from: Some(at(10)),
            created_to: Some(at(15)),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(window.len(), 5);
    let none = store
        .list_jobs(&JobFilter {
            status: Some(JobStatus::Running),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
}

/// Counts group by type and status.
pub async fn counts_by_type_and_status<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    for i in 0..5 {
        let mut job = new_job();
        job.job_type = if i < 3 { "x.a".into() } else { "x.b".into() };
        store.insert_job(job.clone()).await.unwrap();
        if i == 0 {
            store
                .claim_job(job.id, &claim_at(at(1), "w"))
                .await
                .unwrap()
                .unwrap();
        }
    }
    let counts = sorted_counts(&store).await;
    assert_eq!(
        counts,
        vec![
            ("x.a".to_owned(), JobStatus::Queued, 2),
            ("x.a".to_owned(), JobStatus::Running, 1),
            ("x.b".to_owned(), JobStatus::Queued, 2),
        ]
    );
}

/// Retention deletes finished jobs older than the cutoff and nothing else.
pub async fn retention_deletes_only_old_finished<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let finish = |store: SharedJobStore, when: i64| async move {
        let job = new_job();
        store.insert_job(job.clone()).await.unwrap();
        let claimed = store
            .claim_job(job.id, &claim_at(at(0), "w"))
            .await
            .unwrap()
            .unwrap();
        store
            .finish_job(
                &Lease::of(&claimed),
                JobOutcome::Succeeded { result: json!({}) },
                at(when),
            )
            .await
            .unwrap();
        job.id
    };
    let old = finish(Arc::clone(&store), 10).await;
    let recent = finish(Arc::clone(&store), 1000).await;
    let queued = new_job();
    store.insert_job(queued.clone()).await.unwrap();
    let deleted = store.delete_finished_before(at(500), 100).await.unwrap();
    assert_eq!(deleted, vec![old]);
    assert_eq!(
        store.get_job(old).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    store.get_job(recent).await.unwrap();
    store.get_job(queued.id).await.unwrap();
}

/// A bulk insert returns results in input order, creates the new jobs and returns the
/// existing job for a known key, and a key repeated inside the batch yields one job.
pub async fn bulk_insert_keeps_order_and_keys<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut existing = new_job();
    existing.idempotency_key = Some("bulk-existing".to_owned());
    let first = store.insert_job(existing.clone()).await.unwrap().job;

    let plain: Vec<_> = (0..50).map(|_| new_job()).collect();
    let mut again = new_job();
    again.idempotency_key = Some("bulk-existing".to_owned());
    let mut twin_a = new_job();
    twin_a.idempotency_key = Some("bulk-twin".to_owned());
    let mut twin_b = new_job();
    twin_b.idempotency_key = Some("bulk-twin".to_owned());
    let mut batch = plain.clone();
    batch.push(again);
    batch.push(twin_a.clone());
    batch.push(twin_b);
    let inserted = store.insert_jobs(batch).await.unwrap();

    assert_eq!(inserted.len(), 53);
    for (new, got) in plain.iter().zip(&inserted) {
        assert!(got.created);
        assert_eq!(got.job.id, new.id);
        assert_eq!(store.get_job(new.id).await.unwrap(), got.job);
    }
    assert!(!inserted[50].created);
    assert_eq!(inserted[50].job.id, first.id);
    assert!(inserted[51].created);
    assert_eq!(inserted[51].job.id, twin_a.id);
    assert!(!inserted[52].created);
    assert_eq!(inserted[52].job.id, twin_a.id);
    let queued = store
        .list_jobs(&JobFilter {
            status: Some(JobStatus::Queued),
            limit: 1000,
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(queued.len(), 52, "50 plain + existing + one twin");
    assert!(store.insert_jobs(Vec::new()).await.unwrap().is_empty());
}

/// A large batch (which a store may write another way than a small one: Postgres
/// streams it by `COPY`) stores every field of every job as given: optional fields
/// set and unset, times to the microsecond, every trigger, any JSON payload.
pub async fn large_bulk_insert_stores_every_field<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let triggers = [
        Trigger::Api,
        Trigger::Schedule,
        Trigger::System,
        Trigger::Retry,
    ];
    let batch: Vec<NewJob> = (0..700i64)
        .map(|i| {
            let mut job = new_job();
            job.job_type = if i % 2 == 0 { "bulk.even" } else { "bulk.odd" }.to_owned();
            job.trigger = triggers[i as usize % triggers.len()];
            job.payload = json!({
                "i": i,
                "text": "h\u{e9}llo \"quoted\" \u{2713} \\ tab\t",
                "nested": { "list": [1, 2.5, null, true, "x"], "empty": {} },
            });
            job.max_retries = (i % 7) as u32;
            job.parent_job_id = (i % 3 == 0).then(Uuid::now_v7);
            job.user_id = (i % 4 == 0).then_some(i);
            job.priority = 1 + (i % 4) as i16;
            job.queue = ["default", "bulk", "llm"][i as usize % 3].to_owned();
            job.concurrency_key = (i % 6 == 0).then(|| format!("acct-{}", i % 12));
            job.created_at = t0() + chrono::TimeDelta::nanoseconds(i * 1_001_001);
            job.run_at = if i % 5 == 0 {
                at(60) + chrono::TimeDelta::nanoseconds(i * 999)
            } else {
                job.created_at
            };
            job
        })
        .collect();
    let inserted = store.insert_jobs(batch.clone()).await.unwrap();
    assert_eq!(inserted.len(), batch.len());
    let micros = |t: DateTime<Utc>| t.timestamp_micros();
    for (new, got) in batch.iter().zip(&inserted) {
        assert!(got.created);
        let job = &got.job;
        assert_eq!(store.get_job(new.id).await.unwrap(), *job);
        assert_eq!(job.id, new.id);
        assert_eq!(job.job_type, new.job_type);
        assert_eq!(job.status, JobStatus::Queued);
        assert_eq!(job.trigger, new.trigger);
        assert_eq!(job.payload, new.payload);
        assert_eq!(job.max_retries, new.max_retries);
        assert_eq!(job.idempotency_key, None);
        assert_eq!(job.parent_job_id, new.parent_job_id);
        assert_eq!(job.user_id, new.user_id);
        assert_eq!(
            (job.priority, &job.queue, &job.concurrency_key),
            (new.priority, &new.queue, &new.concurrency_key)
        );
        assert_eq!(job.trace_id, new.trace_id);
        assert_eq!(micros(job.run_at), micros(new.run_at));
        assert_eq!(micros(job.created_at), micros(new.created_at));
        assert_eq!((job.retry_count, job.attempt), (0, 0));
        assert!(!job.cancel_requested);
        assert_eq!((job.started_at, job.finished_at), (None, None));
    }
    assert_eq!(
        sorted_counts(&store).await,
        vec![
            ("bulk.even".to_owned(), JobStatus::Queued, 350),
            ("bulk.odd".to_owned(), JobStatus::Queued, 350),
        ]
    );
    // The delayed ones wait for their time; the others are due.
    let due = store.claim_due(1000, &claim_at(at(1), "w")).await.unwrap();
    assert_eq!(due.len(), 700 - 140);
}

/// Claiming a batch of ids claims the due queued ones in one go and skips the rest
/// (not yet due, already running, unknown).
pub async fn batch_claim_takes_only_due_queued<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let due: Vec<_> = (0..5).map(|_| new_job()).collect();
    let mut later = new_job();
    later.run_at = at(60);
    let taken = new_job();
    let mut all = due.clone();
    all.push(later.clone());
    all.push(taken.clone());
    store.insert_jobs(all).await.unwrap();
    store
        .claim_job(taken.id, &claim_at(t0(), "other"))
        .await
        .unwrap()
        .unwrap();

    let mut ids: Vec<_> = due.iter().map(|j| j.id).collect();
    ids.extend([later.id, taken.id, Uuid::now_v7()]);
    let claimed = store.claim_jobs(&ids, &claim_at(t0(), "w1")).await.unwrap();
    let got: HashSet<_> = claimed.iter().map(|j| j.id).collect();
    let want: HashSet<_> = due.iter().map(|j| j.id).collect();
    assert_eq!(got, want);
    for job in &claimed {
        assert_eq!(job.status, JobStatus::Running);
        assert_eq!(job.attempt, 1);
        assert_eq!(job.worker_id.as_deref(), Some("w1"));
        assert_eq!(job.lease_expires_at, Some(at(30)));
    }
    assert_eq!(
        store.get_job(taken.id).await.unwrap().worker_id.as_deref(),
        Some("other")
    );
    assert_eq!(
        store.get_job(later.id).await.unwrap().status,
        JobStatus::Queued
    );
    // A second batch over the same ids finds nothing left to claim.
    assert!(
        store
            .claim_jobs(&ids, &claim_at(t0(), "w2"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim_jobs(&[], &claim_at(t0(), "w2"))
            .await
            .unwrap()
            .is_empty()
    );
}

/// `queued_due` lists queued jobs due by the cutoff, earliest first, and nothing else.
pub async fn queued_due_lists_what_to_republish<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let mut jobs = Vec::new();
    for offset in [30, 10, 20, 90] {
        let mut job = new_job();
        job.run_at = at(offset);
        jobs.push(job);
    }
    let running = new_job();
    jobs.push(running.clone());
    store.insert_jobs(jobs.clone()).await.unwrap();
    store
        .claim_job(running.id, &claim_at(t0(), "w"))
        .await
        .unwrap()
        .unwrap();

    let due = store.queued_due(at(30), 100).await.unwrap();
    let order: Vec<_> = due.iter().map(|m| m.available_at).collect();
    assert_eq!(order, vec![at(10), at(20), at(30)]);
    assert_eq!(due[0].job_id, jobs[1].id);
    assert_eq!(store.queued_due(at(30), 2).await.unwrap().len(), 2);
    assert!(store.queued_due(at(5), 100).await.unwrap().is_empty());
}

/// `finish_jobs` applies every outcome of a batch; a stale lease in the batch is
/// that item's Conflict and does not stop the others.
pub async fn batch_finish_applies_each_outcome_and_fences_stale_leases<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedJobStore>,
{
    let store = make().await;
    let jobs: Vec<NewJob> = (0..4).map(|_| new_job()).collect();
    store.insert_jobs(jobs.clone()).await.unwrap();
    let ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
    let claimed = store.claim_jobs(&ids, &claim_at(t0(), "w1")).await.unwrap();
    assert_eq!(claimed.len(), 4);
    let lease = |i: usize| {
        let job = claimed.iter().find(|j| j.id == ids[i]).unwrap();
        Lease::of(job)
    };
    let stale = Lease {
        attempt: lease(2).attempt + 1,
        ..lease(2)
    };
    let results = store
        .finish_jobs(
            vec![
                (
                    lease(0),
                    JobOutcome::Succeeded {
                        result: json!({"n": 0}),
                    },
                ),
                (
                    lease(1),
                    JobOutcome::Failed {
                        error: "broken".into(),
                    },
                ),
                (
                    stale,
                    JobOutcome::Succeeded {
                        result: json!({"stale": true}),
                    },
                ),
                (
                    lease(3),
                    JobOutcome::Retry {
                        error: "busy".into(),
                        run_at: at(60),
                    },
                ),
            ],
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].as_ref().unwrap().status, JobStatus::Success);
    assert_eq!(results[0].as_ref().unwrap().result, Some(json!({"n": 0})));
    assert_eq!(results[1].as_ref().unwrap().status, JobStatus::Failed);
    assert_eq!(results[2].as_ref().unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(results[3].as_ref().unwrap().status, JobStatus::Queued);
    assert_eq!(results[3].as_ref().unwrap().retry_count, 1);
    let untouched = store.get_job(ids[2]).await.unwrap();
    assert_eq!(
        untouched.status,
        JobStatus::Running,
        "the stale lease changed nothing"
    );
    assert!(
        store
            .finish_jobs(Vec::new(), at(6))
            .await
            .unwrap()
            .is_empty()
    );
}

/// For a store that is also its event sink ([`writes_events`]): jobs and the events
/// of the jobs a call creates are written together; a job that already had its
/// idempotency key gets no second event. Called with the same backend as store and
/// sink ([`event_writing_job_store_conformance!`](crate::event_writing_job_store_conformance)).
///
/// [`writes_events`]: crate::ports::JobStore::event_writer
pub async fn insert_with_events_writes_created_jobs_only(
    store: crate::ports::SharedJobStore,
    events: crate::ports::SharedEventSink,
) {
    use crate::domain::{EventLevel, EventSource, NewEvent};
    use crate::ports::ListEventsOptions;
    assert!(store.event_writer().is_some());
    let event = |job: &NewJob| NewEvent {
        job_id: job.id,
        timestamp: t0(),
        level: EventLevel::Info,
        source: EventSource::System,
        message: "job queued".into(),
        data: json!({ "n": 1 }),
        trace_id: job.trace_id,
    };
    let plain = new_job();
    let mut keyed = new_job();
    keyed.idempotency_key = Some("with-events".into());
    let batch = vec![
        (plain.clone(), event(&plain)),
        (keyed.clone(), event(&keyed)),
    ];
    let inserted = writer(&store).insert_jobs_with_events(batch).await.unwrap();
    assert!(inserted.iter().all(|i| i.created));
    let mut again = new_job();
    again.idempotency_key = Some("with-events".into());
    let repeat = writer(&store)
        .insert_jobs_with_events(vec![(again.clone(), event(&again))])
        .await
        .unwrap();
    assert!(!repeat[0].created);
    assert_eq!(repeat[0].job.id, keyed.id);
    let timeline = |id| {
        let events = std::sync::Arc::clone(&events);
        async move {
            events
                .list(id, &ListEventsOptions::default())
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(timeline(plain.id).await, ["job queued"]);
    assert_eq!(timeline(keyed.id).await, ["job queued"]);
    assert!(timeline(again.id).await.is_empty());
    // A batch larger than one statement keeps each event with its own job.
    let big: Vec<NewJob> = (0..5003).map(|_| new_job()).collect();
    let pairs = big.iter().map(|j| (j.clone(), event(j))).collect();
    let inserted = writer(&store).insert_jobs_with_events(pairs).await.unwrap();
    assert_eq!(inserted.len(), big.len());
    for i in [0, 4999, 5000, 5002] {
        assert_eq!(inserted[i].job.id, big[i].id);
        assert_eq!(timeline(big[i].id).await, ["job queued"], "job {i}");
    }
    // Every field of every event of a large batch is stored as given.
    let levels = [
        EventLevel::Debug,
        EventLevel::Info,
        EventLevel::Warning,
        EventLevel::Error,
    ];
    let sources = [
        EventSource::System,
        EventSource::Worker,
        EventSource::Workflow,
    ];
    let jobs: Vec<NewJob> = (0..600).map(|_| new_job()).collect();
    let pairs: Vec<(NewJob, NewEvent)> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let event = NewEvent {
                job_id: j.id,
                timestamp: at(i as i64) + chrono::TimeDelta::nanoseconds(123_456_789),
                level: levels[i % levels.len()],
                source: sources[i % sources.len()],
                message: format!("queued \u{2713} {i}"),
                data: json!({ "i": i, "nested": [null, { "s": "\"q\"" }] }),
                trace_id: Uuid::new_v4(),
            };
            (j.clone(), event)
        })
        .collect();
    writer(&store)
        .insert_jobs_with_events(pairs.clone())
        .await
        .unwrap();
    let mut last_id = i64::MIN;
    for (job, given) in &pairs {
        let stored = events
            .list(job.id, &ListEventsOptions::default())
            .await
            .unwrap();
        assert_eq!(stored.len(), 1, "job {}", job.id);
        let got = &stored[0];
        assert_eq!(got.job_id, given.job_id);
        assert_eq!(
            got.timestamp.timestamp_micros(),
            given.timestamp.timestamp_micros()
        );
        assert_eq!(got.level, given.level);
        assert_eq!(got.source, given.source);
        assert_eq!(got.message, given.message);
        assert_eq!(got.data, given.data);
        assert_eq!(got.trace_id, given.trace_id);
        assert!(got.id > last_id, "event ids follow the batch's order");
        last_id = got.id;
    }
}

/// For a store that is also its event sink ([`writes_events`]): outcomes and the
/// events that announce them are written together. A stale lease's event is dropped
/// with its outcome; events keep the batch's order; and a reader who sees a job
/// finished always finds its event, even while other batches are being written.
/// Called with the same backend as store and sink.
///
/// [`writes_events`]: crate::ports::JobStore::event_writer
pub async fn finish_with_events_writes_events_of_written_outcomes_only(
    store: crate::ports::SharedJobStore,
    events: crate::ports::SharedEventSink,
) {
    use crate::domain::{EventLevel, EventSource, NewEvent};
    use crate::ports::ListEventsOptions;
    assert!(store.event_writer().is_some());
    let announce = |lease: &Lease, message: &str| NewEvent {
        job_id: lease.job_id,
        timestamp: at(5),
        level: EventLevel::Info,
        source: EventSource::Worker,
        message: message.to_owned(),
        data: json!({ "attempt": lease.attempt }),
        trace_id: Uuid::now_v7(),
    };
    let jobs: Vec<NewJob> = (0..3).map(|_| new_job()).collect();
    store.insert_jobs(jobs.clone()).await.unwrap();
    let ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
    let claimed = store.claim_jobs(&ids, &claim_at(t0(), "w1")).await.unwrap();
    let lease = |i: usize| Lease::of(claimed.iter().find(|j| j.id == ids[i]).unwrap());
    let stale = Lease {
        attempt: lease(1).attempt + 1,
        ..lease(1)
    };
    let results = writer(&store)
        .finish_jobs_with_events(
            vec![
                (
                    lease(0),
                    JobOutcome::Succeeded { result: json!(0) },
                    announce(&lease(0), "job completed"),
                ),
                (
                    stale.clone(),
                    JobOutcome::Succeeded { result: json!(1) },
                    announce(&stale, "stale completion"),
                ),
                (
                    lease(2),
                    JobOutcome::Retry {
                        error: "busy".into(),
                        run_at: at(60),
                    },
                    announce(&lease(2), "job retry scheduled"),
                ),
            ],
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().status, JobStatus::Success);
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(results[2].as_ref().unwrap().status, JobStatus::Queued);
    assert_eq!(results[2].as_ref().unwrap().retry_count, 1);
    let timeline = |id| {
        let events = Arc::clone(&events);
        async move {
            events
                .list(id, &ListEventsOptions::default())
                .await
                .unwrap()
        }
    };
    let first = timeline(ids[0]).await;
    let third = timeline(ids[2]).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message, "job completed");
    assert_eq!(first[0].data, json!({ "attempt": 1 }));
    assert!(
        timeline(ids[1]).await.is_empty(),
        "the stale lease's event was written"
    );
    assert_eq!(
        store.get_job(ids[1]).await.unwrap().status,
        JobStatus::Running
    );
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].message, "job retry scheduled");
    assert!(first[0].id < third[0].id, "events out of batch order");
    assert!(
        writer(&store)
            .finish_jobs_with_events(Vec::new(), at(6))
            .await
            .unwrap()
            .is_empty()
    );

    // A reader racing the writes never sees a finished job without its event: while
    // each batch is written, the reader polls the batch's first job until it is
    // finished, then reads its timeline.
    let many: Vec<NewJob> = (0..100).map(|_| new_job()).collect();
    store.insert_jobs(many.clone()).await.unwrap();
    let many_ids: Vec<_> = many.iter().map(|j| j.id).collect();
    let claimed = store
        .claim_jobs(&many_ids, &claim_at(at(10), "w2"))
        .await
        .unwrap();
    assert_eq!(claimed.len(), many.len());
    for batch in claimed.chunks(5) {
        let items: Vec<_> = batch
            .iter()
            .map(|job| {
                let lease = Lease::of(job);
                let event = announce(&lease, "job completed");
                (lease, JobOutcome::Succeeded { result: json!(1) }, event)
            })
            .collect();
        let writer = Arc::clone(&store);
        let write = tokio::spawn(async move {
            writer
                .event_writer()
                .expect("an event writer")
                .finish_jobs_with_events(items, at(11))
                .await
        });
        let watched = batch[0].id;
        while store.get_job(watched).await.unwrap().status != JobStatus::Success {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            timeline(watched).await.len(),
            1,
            "job {watched} was finished without its event"
        );
        for result in write.await.unwrap().unwrap() {
            result.unwrap();
        }
    }
}

/// For a store that is also its event sink ([`writes_events`]): a claim writes each
/// claimed job's [`ClaimOptions::started_event`], exactly, in the claim's own
/// transaction; jobs it does not claim get none. Called with the same backend as
/// store and sink.
///
/// [`writes_events`]: crate::ports::JobStore::event_writer
pub async fn claim_with_events_writes_started_events(
    store: crate::ports::SharedJobStore,
    events: crate::ports::SharedEventSink,
) {
    use crate::domain::NewEvent;
    use crate::ports::ListEventsOptions;
    assert!(store.event_writer().is_some());
    let timeline = |id| {
        let events = Arc::clone(&events);
        async move {
            events
                .list(id, &ListEventsOptions::default())
                .await
                .unwrap()
                .into_iter()
                .map(|e| NewEvent {
                    job_id: e.job_id,
                    timestamp: e.timestamp,
                    level: e.level,
                    source: e.source,
                    message: e.message,
                    data: e.data,
                    trace_id: e.trace_id,
                })
                .collect::<Vec<_>>()
        }
    };
    let mut jobs: Vec<NewJob> = (0..4).map(|_| new_job()).collect();
    jobs[2].run_at = at(100);
    store.insert_jobs(jobs.clone()).await.unwrap();
    let ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
    let opts = claim_at(at(1), "w-events");
    let claimed = writer(&store)
        .claim_jobs_with_events(&ids[..3], &opts)
        .await
        .unwrap();
    let mut claimed_ids: Vec<_> = claimed.iter().map(|j| j.id).collect();
    claimed_ids.sort();
    let mut expected = vec![ids[0], ids[1]];
    expected.sort();
    assert_eq!(claimed_ids, expected, "only the due jobs are claimed");
    for job in &claimed {
        assert_eq!(timeline(job.id).await, [opts.started_event(job)]);
    }
    assert!(
        timeline(ids[2]).await.is_empty(),
        "an unclaimed job got an event"
    );
    assert!(
        writer(&store)
            .claim_jobs_with_events(&ids[..1], &opts)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        timeline(ids[0]).await.len(),
        1,
        "a failed claim wrote an event"
    );

    let due = writer(&store)
        .claim_due_with_events(10, &claim_at(at(2), "w-due"))
        .await
        .unwrap();
    assert_eq!(due.iter().map(|j| j.id).collect::<Vec<_>>(), [ids[3]]);
    assert_eq!(
        timeline(ids[3]).await,
        [claim_at(at(2), "w-due").started_event(&due[0])]
    );

    // A retried job's second claim carries its new attempt and retry count.
    let retry = JobOutcome::Retry {
        error: "busy".into(),
        run_at: at(3),
    };
    store
        .finish_job(&Lease::of(&due[0]), retry, at(2))
        .await
        .unwrap();
    let opts = claim_at(at(4), "w-again");
    let again = writer(&store)
        .claim_due_with_events(10, &opts)
        .await
        .unwrap();
    assert_eq!((again[0].attempt, again[0].retry_count), (2, 1));
    let second = timeline(ids[3]).await;
    assert_eq!(second.len(), 2);
    assert_eq!(second[1], opts.started_event(&again[0]));
    assert_eq!(second[1].data["attempt"], 2);
}

/// The "job queued" events of a batch read back exactly as given, whether the store
/// keeps them as event rows or in the job rows (Postgres and SQLite keep the standard
/// ones there): first in each timeline, with ids in batch order, with the trigger and
/// due time the job was queued with after a retry changed both, pageable by
/// `after_id` and `limit`, and gone after `delete_for_jobs`, next to an event that is
/// not the standard one. Batches of keyed and of keyless jobs, large and small, take
/// different insert paths.
pub async fn queued_events_read_back_as_given(
    store: crate::ports::SharedJobStore,
    events: crate::ports::SharedEventSink,
) {
    use crate::domain::Event;
    use crate::ports::ListEventsOptions;
    let mut large = super::jobs_with_queued_events(600);
    let custom = 7;
    large[custom].1.data["note"] = json!("not the standard event");
    let mut keyed = super::jobs_with_queued_events(3);
    for (i, (job, _)) in keyed.iter_mut().enumerate() {
        job.idempotency_key = Some(format!("queued-{i}"));
    }
    let small = super::jobs_with_queued_events(2);
    let mut given = Vec::new();
    for batch in [large, keyed, small] {
        given.extend(batch.iter().map(|(job, event)| (job.id, event.clone())));
        writer(&store).insert_jobs_with_events(batch).await.unwrap();
    }
    let all = ListEventsOptions::default();
    let mut last_id = 0;
    for (job, event) in &given {
        let timeline = events.list(*job, &all).await.unwrap();
        assert_eq!(timeline.len(), 1, "{timeline:?}");
        assert!(timeline[0].id > last_id, "ids follow the batch order");
        last_id = timeline[0].id;
        assert_eq!(timeline[0], Event::of(timeline[0].id, event.clone()));
    }

    // A retry changes the job's trigger and due time, not what its first event says.
    let (job, queued) = &given[3];
    let opts = ClaimOptions {
        worker_id: "w1".to_owned(),
        now: at(1),
        lease_expires_at: at(60),
        queues: None,
    };
    let claimed = writer(&store)
        .claim_jobs_with_events(&[*job], &opts)
        .await
        .unwrap();
    let retry = JobOutcome::Retry {
        error: "again".to_owned(),
        run_at: at(30),
    };
    store
        .finish_job(&Lease::of(&claimed[0]), retry, at(2))
        .await
        .unwrap();
    let stored = store.get_job(*job).await.unwrap();
    assert_eq!((stored.trigger, stored.run_at), (Trigger::Retry, at(30)));
    let timeline = events.list(*job, &all).await.unwrap();
    let messages: Vec<_> = timeline.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["job queued", "job started"]);
    assert_eq!(timeline[0], Event::of(timeline[0].id, queued.clone()));

    let page = |after_id, limit| ListEventsOptions { after_id, limit };
    assert_eq!(
        events.list(*job, &page(None, 1)).await.unwrap(),
        timeline[..1]
    );
    let rest = events
        .list(*job, &page(Some(timeline[0].id), 0))
        .await
        .unwrap();
    assert_eq!(rest, timeline[1..]);

    let (other, _) = &given[custom];
    assert_eq!(events.delete_for_jobs(&[*job, *other]).await.unwrap(), 3);
    assert!(events.list(*job, &all).await.unwrap().is_empty());
    assert!(events.list(*other, &all).await.unwrap().is_empty());
    assert_eq!(
        events.list(given[4].0, &all).await.unwrap().len(),
        1,
        "others keep theirs"
    );
}

/// `insert_queued_jobs` writes the standard "job queued" event
/// ([`QueuedFacts::of_new`](crate::engine::QueuedFacts::of_new)) of every job it
/// creates, and only those: alone in each timeline, exactly as that event reads,
/// with ids in batch order; a job whose idempotency key is taken (before the call
/// or earlier in it) gets none and leaves the holder's timeline as it was. Large
/// keyless batches, keyed ones (one larger than a statement's 5,000 jobs) and small
/// ones take different insert paths.
pub async fn insert_queued_jobs_writes_standard_queued_events(
    store: crate::ports::SharedJobStore,
    events: crate::ports::SharedEventSink,
) {
    use crate::domain::Event;
    use crate::engine::QueuedFacts;
    use crate::ports::ListEventsOptions;
    let jobs = |n| -> Vec<NewJob> {
        super::jobs_with_queued_events(n)
            .into_iter()
            .map(|(job, _)| job)
            .collect()
    };
    let mut holder = new_job();
    holder.idempotency_key = Some("queued-jobs-1".to_owned());
    let first = writer(&store)
        .insert_queued_jobs(vec![holder.clone()])
        .await
        .unwrap();
    assert!(first[0].created);
    let mut keyed = jobs(4);
    for (i, job) in keyed.iter_mut().enumerate() {
        job.idempotency_key = Some(format!("queued-jobs-{}", i.min(2)));
    }
    let mut chunked = jobs(5001);
    for (i, job) in chunked.iter_mut().enumerate() {
        job.idempotency_key = Some(format!("queued-chunk-{i}"));
    }
    let mut created = vec![holder.clone()];
    let mut skipped = Vec::new();
    for batch in [jobs(600), keyed, jobs(2), chunked] {
        let inserted = writer(&store)
            .insert_queued_jobs(batch.clone())
            .await
            .unwrap();
        assert_eq!(inserted.len(), batch.len());
        for (given, got) in batch.into_iter().zip(inserted) {
            let key = given.idempotency_key.as_deref();
            if matches!(key, Some("queued-jobs-1" | "queued-jobs-2")) && !got.created {
                skipped.push((given.id, got.job.id));
                continue;
            }
            assert!(got.created, "{key:?}");
            assert_eq!(got.job.id, given.id);
            created.push(given);
        }
    }
    // The key held before the call, and the one repeated within it.
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].1, holder.id);
    let all = ListEventsOptions::default();
    let mut last_id = 0;
    for (i, job) in created.iter().enumerate() {
        if i > 610 && i % 97 != 0 && i != created.len() - 1 {
            continue; // every job of the small batches, a sample of the chunked one
        }
        let timeline = events.list(job.id, &all).await.unwrap();
        assert_eq!(timeline.len(), 1, "job {i}: {timeline:?}");
        assert!(
            timeline[0].id > last_id,
            "job {i}: ids follow the batch order"
        );
        last_id = timeline[0].id;
        let expected = QueuedFacts::of_new(job).event();
        assert_eq!(timeline[0], Event::of(timeline[0].id, expected), "job {i}");
    }
    for (skipped, holder) in skipped {
        assert!(events.list(skipped, &all).await.unwrap().is_empty());
        assert_eq!(events.list(holder, &all).await.unwrap().len(), 1);
    }
}
