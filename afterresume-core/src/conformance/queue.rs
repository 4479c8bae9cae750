//! Conformance of [`Queue`] implementations.
//!
//! Scenarios take a factory `Fn(SharedClock) -> Future<Output = SharedQueue>` that
//! returns a fresh, empty queue reading time from the given clock.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{at, t0};
use crate::clock::{ManualClock, SharedClock};
use crate::ports::{PopOptions, QueueMessage, SharedQueue};

/// Runs every queue scenario as its own test.
#[macro_export]
macro_rules! queue_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            queue,
            $factory,
            [
                push_pop_in_order,
                pop_honours_max,
                pop_waits_then_returns_empty,
                push_wakes_waiting_pop,
                delayed_messages_wait_for_their_time,
                concurrent_pops_never_share_a_message,
                depth_counts_ready_and_delayed,
                due_messages_come_in_claim_order,
            ]
        );
    };
}

async fn fresh<F, Fut>(make: &F) -> (SharedQueue, ManualClock)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let clock = ManualClock::new(t0());
    (make(Arc::new(clock.clone())).await, clock)
}

fn now_msg(job_id: Uuid) -> QueueMessage {
    QueueMessage {
        job_id,
        available_at: t0(),
        priority: crate::domain::DEFAULT_PRIORITY,
    }
}

fn pop(max: usize, wait_ms: u64) -> PopOptions {
    PopOptions {
        max,
        wait: Duration::from_millis(wait_ms),
        queues: None,
    }
}

/// Due messages come most urgent first, in the job store's claim order: a
/// low-priority message that has waited past its aging steps goes before a
/// fresh urgent one, and a delayed urgent message joins the order once due.
/// Pops of one message at a time and of a batch agree.
pub async fn due_messages_come_in_claim_order<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let aging = crate::domain::PRIORITY_AGING.as_secs() as i64;
    for one_at_a_time in [true, false] {
        let (queue, clock) = fresh(make).await;
        // (label, priority, due at): t0 is now.
        let plan = [
            ("p3", 3, at(0)),
            ("p1", 1, at(0)),
            ("p2", 2, at(0)),
            ("aged-p4", 4, at(-3 * aging - 1)),
            ("late-p1", 1, at(5)),
            ("p4", 4, at(0)),
        ];
        let mut labels = std::collections::HashMap::new();
        let messages: Vec<QueueMessage> = plan
            .iter()
            .map(|(label, priority, due)| {
                let id = Uuid::now_v7();
                labels.insert(id, *label);
                QueueMessage {
                    job_id: id,
                    available_at: *due,
                    priority: *priority,
                }
            })
            .collect();
        // Pushed in two calls, one of them all due and of one priority.
        queue.push(&messages[..2]).await.unwrap();
        queue.push(&messages[2..3]).await.unwrap();
        queue.push(&messages[3..]).await.unwrap();
        let mut got = Vec::new();
        let max = if one_at_a_time { 1 } else { 10 };
        while got.len() < 5 {
            let batch = queue.pop(&pop(max, 1000)).await.unwrap();
            assert!(!batch.is_empty(), "queue lost messages: {got:?}");
            assert!(batch.len() <= max);
            got.extend(batch.iter().map(|d| labels[&d.job_id]));
        }
        assert_eq!(got, vec!["aged-p4", "p1", "p2", "p3", "p4"]);
        clock.set(at(6));
        let late = queue.pop(&pop(10, 1000)).await.unwrap();
        assert_eq!(late.len(), 1);
        assert_eq!(labels[&late[0].job_id], "late-p1");
    }
}

/// Messages come out in push order.
pub async fn push_pop_in_order<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let (queue, _clock) = fresh(make).await;
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    let msgs: Vec<_> = ids.iter().map(|id| now_msg(*id)).collect();
    queue.push(&msgs[..2]).await.unwrap();
    queue.push(&msgs[2..]).await.unwrap();
    let mut got = Vec::new();
    while got.len() < 5 {
        let batch = queue.pop(&pop(10, 1000)).await.unwrap();
        assert!(!batch.is_empty(), "queue lost messages");
        queue.ack(&batch).await.unwrap();
        got.extend(batch.into_iter().map(|d| d.job_id));
    }
    assert_eq!(got, ids);
    assert!(queue.pop(&pop(10, 10)).await.unwrap().is_empty());
}

/// A pop returns at most `max` messages.
pub async fn pop_honours_max<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let (queue, _clock) = fresh(make).await;
    let msgs: Vec<_> = (0..5).map(|_| now_msg(Uuid::now_v7())).collect();
    queue.push(&msgs).await.unwrap();
    let batch = queue.pop(&pop(2, 1000)).await.unwrap();
    assert_eq!(batch.len(), 2);
    queue.ack(&batch).await.unwrap();
}

/// An empty queue waits about `wait`, then returns nothing.
pub async fn pop_waits_then_returns_empty<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let (queue, _clock) = fresh(make).await;
    let started = Instant::now();
    assert!(queue.pop(&pop(1, 150)).await.unwrap().is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(100),
        "returned after {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "returned after {waited:?}");
}

/// A push wakes a pop that is waiting, well before its wait ends.
pub async fn push_wakes_waiting_pop<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let (queue, _clock) = fresh(make).await;
    let waiter = {
        let queue = Arc::clone(&queue);
        tokio::spawn(async move {
            let started = Instant::now();
            let got = queue.pop(&pop(1, 10_000)).await.unwrap();
            (got, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let id = Uuid::now_v7();
    queue.push(&[now_msg(id)]).await.unwrap();
    let (got, waited) = waiter.await.unwrap();
    assert_eq!(got.iter().map(|d| d.job_id).collect::<Vec<_>>(), vec![id]);
    assert!(waited < Duration::from_secs(5), "woke after {waited:?}");
}

/// With delayed delivery, nothing is delivered before its time.
pub async fn delayed_messages_wait_for_their_time<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let (queue, clock) = fresh(make).await;
    if !queue.capabilities().delayed_delivery {
        return;
    }
    let later = Uuid::now_v7();
    let first = Uuid::now_v7();
    queue
        .push(&[QueueMessage {
            job_id: later,
            available_at: at(60),
            priority: crate::domain::DEFAULT_PRIORITY,
        }])
        .await
        .unwrap();
    queue.push(&[now_msg(first)]).await.unwrap();
    let batch = queue.pop(&pop(10, 100)).await.unwrap();
    assert_eq!(
        batch.iter().map(|d| d.job_id).collect::<Vec<_>>(),
        vec![first]
    );
    queue.ack(&batch).await.unwrap();
    assert!(
        queue.pop(&pop(10, 100)).await.unwrap().is_empty(),
        "delivered early"
    );
    clock.advance(chrono::TimeDelta::seconds(60));
    let batch = queue.pop(&pop(10, 2000)).await.unwrap();
    assert_eq!(
        batch.iter().map(|d| d.job_id).collect::<Vec<_>>(),
        vec![later]
    );
    queue.ack(&batch).await.unwrap();
}

/// Concurrent poppers together receive every message exactly once.
pub async fn concurrent_pops_never_share_a_message<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let (queue, _clock) = fresh(make).await;
    let ids: HashSet<Uuid> = (0..200).map(|_| Uuid::now_v7()).collect();
    let msgs: Vec<_> = ids.iter().map(|id| now_msg(*id)).collect();
    queue.push(&msgs).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let queue = Arc::clone(&queue);
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = queue.pop(&pop(7, 200)).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                queue.ack(&batch).await.unwrap();
                mine.extend(batch.into_iter().map(|d| d.job_id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 200, "a message was delivered twice or lost");
    assert_eq!(unique, ids);
}

/// Depth tells ready from delayed messages.
pub async fn depth_counts_ready_and_delayed<F, Fut>(make: &F)
where
    F: Fn(SharedClock) -> Fut,
    Fut: Future<Output = SharedQueue>,
{
    let (queue, _clock) = fresh(make).await;
    queue
        .push(&[now_msg(Uuid::now_v7()), now_msg(Uuid::now_v7())])
        .await
        .unwrap();
    queue
        .push(&[QueueMessage {
            job_id: Uuid::now_v7(),
            available_at: at(600),
            priority: crate::domain::DEFAULT_PRIORITY,
        }])
        .await
        .unwrap();
    let depth = queue.depth().await.unwrap();
    if queue.capabilities().delayed_delivery {
        assert_eq!((depth.ready, depth.delayed), (2, 1));
    } else {
        assert_eq!(depth.ready + depth.delayed, 3);
    }
}
