//! The Redis queue against the queue suite, and the engine on Postgres (job store,
//! events) with the Redis queue, on the servers `AFTERRESUME_TEST_REDIS_URL` and
//! `AFTERRESUME_TEST_POSTGRES_URL` name. Each scenario gets its own key prefix.
#![cfg(all(feature = "redis", feature = "postgres", feature = "conformance"))]

use std::sync::Arc;

use afterresume_backends::testing::{postgres, redis_queue};
use afterresume_core::clock::SharedClock;
use afterresume_core::conformance::engine::EnginePorts;
use afterresume_core::ports::*;

mod queue {
    use super::*;
    afterresume_core::queue_conformance!(|clock: SharedClock| async move {
        Arc::new(redis_queue().await.with_clock(clock)) as SharedQueue
    });
}

mod engine_postgres_redis {
    use super::*;
    afterresume_core::engine_conformance!(|clock: SharedClock| async move {
        let db = postgres().await.with_clock(Arc::clone(&clock));
        EnginePorts {
            store: Arc::new(db.clone()),
            queue: Arc::new(redis_queue().await.with_clock(clock)),
            events: Arc::new(db),
        }
    });
}

/// What the suite cannot see: blocking pops, and the due set beside the later set.
mod redis_queue_specific {
    use std::time::{Duration, Instant};

    use afterresume_core::clock::{Clock, SystemClock};
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    fn message(job_id: Uuid, delay: Duration) -> QueueMessage {
        QueueMessage {
            job_id,
            available_at: Utc::now() + delay,
            priority: afterresume_core::domain::DEFAULT_PRIORITY,
        }
    }

    fn waiting(max: usize, wait: Duration) -> PopOptions {
        PopOptions {
            max,
            wait,
            queues: None,
        }
    }

    /// A pop cancelled while it blocks (a worker stopping) puts what it then receives
    /// back, so the next pop gets it.
    #[tokio::test]
    async fn cancelled_pop_loses_no_message() {
        let queue = Arc::new(redis_queue().await);
        let blocked = {
            let queue = Arc::clone(&queue);
            tokio::spawn(async move { queue.pop(&waiting(1, Duration::from_secs(10))).await })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        blocked.abort();
        let _ = blocked.await;
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        let msgs: Vec<_> = ids.iter().map(|id| message(*id, Duration::ZERO)).collect();
        queue.push(&msgs).await.unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            let batch = queue
                .pop(&waiting(2, Duration::from_secs(2)))
                .await
                .unwrap();
            assert!(!batch.is_empty(), "lost messages; got only {got:?}");
            got.extend(batch.into_iter().map(|d| d.job_id));
        }
        assert_eq!(got, ids, "the returned message must keep its place");
    }

    /// One batch pop merges, element by element, the messages due now (kept in
    /// their level's list) with those due long ago (kept by claim order) when
    /// their claim orders interleave, and a long backlog of one level comes out
    /// in push order after them.
    #[tokio::test]
    async fn a_batch_pop_merges_fresh_and_backdated_messages_in_claim_order() {
        let clock = afterresume_core::clock::ManualClock::new(Utc::now());
        let t0 = clock.now();
        let queue = redis_queue().await.with_clock(Arc::new(clock));
        let secs = |s: i64| chrono::TimeDelta::seconds(s);
        // (priority, due at): claim orders t0+56s, +57s, +58s, +59s, +60s.
        let plan = [
            (2, t0 - secs(63)),
            (1, t0 - secs(4)),
            (1, t0 - secs(2)),
            (2, t0 - secs(61)),
            (1, t0),
        ];
        let mut messages: Vec<QueueMessage> = plan
            .iter()
            .map(|(priority, at)| QueueMessage {
                job_id: Uuid::now_v7(),
                available_at: *at,
                priority: *priority,
            })
            .collect();
        let mut expected: Vec<Uuid> = [1, 0, 2, 3, 4].map(|i| messages[i].job_id).to_vec();
        let backlog: Vec<Uuid> = (0..1500).map(|_| Uuid::now_v7()).collect();
        messages.extend(backlog.iter().map(|id| QueueMessage {
            job_id: *id,
            available_at: t0,
            priority: 3,
        }));
        expected.extend(&backlog);
        queue.push(&messages).await.unwrap();
        let mut got = Vec::new();
        while got.len() < expected.len() {
            let batch = queue
                .pop(&waiting(400, Duration::from_millis(500)))
                .await
                .unwrap();
            assert!(!batch.is_empty(), "lost messages after {}", got.len());
            got.extend(batch.into_iter().map(|d| d.job_id));
        }
        assert_eq!(got, expected);
        assert_eq!(queue.depth().await.unwrap(), QueueDepth::default());
    }

    /// Several pops blocked at once each get a message of one push.
    #[tokio::test]
    async fn blocked_pops_share_one_push() {
        let queue = Arc::new(redis_queue().await);
        let pops: Vec<_> = (0..3)
            .map(|_| {
                let queue = Arc::clone(&queue);
                tokio::spawn(async move { queue.pop(&waiting(1, Duration::from_secs(10))).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let msgs: Vec<_> = ids.iter().map(|id| message(*id, Duration::ZERO)).collect();
        queue.push(&msgs).await.unwrap();
        let mut got = Vec::new();
        for pop in pops {
            let batch = pop.await.unwrap().unwrap();
            assert_eq!(batch.len(), 1, "each pop asked for one: {batch:?}");
            got.push(batch[0].job_id);
        }
        got.sort();
        assert_eq!(got, ids);
        assert_eq!(queue.depth().await.unwrap(), QueueDepth::default());
    }

    /// A delayed message comes due while a pop waits: the pop delivers it then, not
    /// before, and the due message pushed after it goes first.
    #[tokio::test]
    async fn waiting_pop_delivers_a_delayed_message_when_due() {
        let queue = Arc::new(redis_queue().await.with_clock(Arc::new(SystemClock)));
        let later = Uuid::now_v7();
        let now = Uuid::now_v7();
        let pushed = Instant::now();
        queue
            .push(&[
                message(later, Duration::from_millis(400)),
                message(now, Duration::ZERO),
            ])
            .await
            .unwrap();
        let depth = queue.depth().await.unwrap();
        assert_eq!((depth.ready, depth.delayed), (1, 1));
        let first = queue
            .pop(&waiting(10, Duration::from_secs(3)))
            .await
            .unwrap();
        assert_eq!(first.iter().map(|d| d.job_id).collect::<Vec<_>>(), [now]);
        let second = queue
            .pop(&waiting(10, Duration::from_secs(3)))
            .await
            .unwrap();
        assert_eq!(second.iter().map(|d| d.job_id).collect::<Vec<_>>(), [later]);
        let waited = pushed.elapsed();
        assert!(
            waited >= Duration::from_millis(380),
            "delivered early, after {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(2),
            "delivered late, after {waited:?}"
        );
    }
}

/// The queue outlives its connections: a dropped connection (a Redis restart, a
/// network blip, an operator's `CLIENT KILL`) is reconnected, not fatal.
mod redis_queue_reconnects {
    use std::time::{Duration, Instant};

    use fred::prelude::ClientLike;
    use uuid::Uuid;

    use super::*;

    #[tokio::test]
    async fn push_and_pop_work_again_after_the_connection_is_killed() {
        let queue = redis_queue().await;
        let id: i64 = queue
            .client()
            .custom(fred::cmd!("CLIENT"), vec!["ID"])
            .await
            .unwrap();
        let killer = redis_queue().await;
        let killed: i64 = killer
            .client()
            .custom(
                fred::cmd!("CLIENT"),
                vec!["KILL".to_owned(), "ID".to_owned(), id.to_string()],
            )
            .await
            .unwrap();
        assert_eq!(killed, 1, "the queue's connection should have been killed");
        let job_id = Uuid::now_v7();
        let message = QueueMessage {
            job_id,
            available_at: chrono::Utc::now(),
            priority: afterresume_core::domain::DEFAULT_PRIORITY,
        };
        let started = Instant::now();
        let mut last_error = None;
        while started.elapsed() < Duration::from_secs(10) {
            // A push may fail while the connection comes back, but must not hang.
            let push = queue.push(std::slice::from_ref(&message));
            match tokio::time::timeout(Duration::from_secs(8), push).await {
                Ok(Ok(())) => {
                    last_error = None;
                    break;
                }
                Ok(Err(err)) => last_error = Some(err.to_string()),
                Err(_) => panic!("a push hung after the connection was killed"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(last_error.is_none(), "push never recovered: {last_error:?}");
        let popped = queue
            .pop(&PopOptions {
                max: 1,
                wait: Duration::from_secs(2),
                queues: None,
            })
            .await
            .unwrap();
        assert_eq!(
            popped.iter().map(|d| d.job_id).collect::<Vec<_>>(),
            [job_id]
        );
    }
}
