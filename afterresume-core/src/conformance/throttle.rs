//! Conformance of [`ThrottleStore`](crate::ports::ThrottleStore), part of the
//! domain-store suite: limits hold under concurrency, a blocked acquire counts
//! nothing, windows end, and release, reset and purge do what they say.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{at, t0};
use crate::ports::{SharedDomainStore, ThrottleDecision, ThrottleLimit};

fn limit(key: &str, max_hits: u32) -> ThrottleLimit {
    ThrottleLimit {
        key: key.to_owned(),
        max_hits,
        window: Duration::from_secs(60),
    }
}

/// Forty concurrent acquires of a limit of five admit exactly five; a limit that
/// is full blocks the others and counts nothing under them.
pub async fn throttle_limits_hold_under_concurrency<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let limits = [limit("pair", 5), limit(&format!("other{}", n % 3), 100)];
            store.acquire(&limits, t0()).await.unwrap()
        }));
    }
    let mut admitted = 0;
    for task in tasks {
        if task.await.unwrap() == ThrottleDecision::Admitted {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 5, "a limit of 5 admitted {admitted} of 40");
    assert_eq!(store.counter("pair").await.unwrap().unwrap().hits, 5);
    let others: u32 = futures::future::join_all((0..3).map(|n| {
        let store = Arc::clone(&store);
        async move { store.counter(&format!("other{n}")).await.unwrap() }
    }))
    .await
    .into_iter()
    .map(|c| c.map_or(0, |c| c.hits))
    .sum();
    assert_eq!(others, 5, "blocked acquires must count nothing elsewhere");
    match store.acquire(&[limit("pair", 5)], at(20)).await.unwrap() {
        ThrottleDecision::Blocked { retry_after } => {
            assert_eq!(retry_after, Duration::from_secs(40));
        }
        other => panic!("expected a block, got {other:?}"),
    }
}

/// A window ends after its length; release takes one back, reset zeroes and
/// records the time, purge deletes old counters.
pub async fn throttle_windows_release_reset_and_purge<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let two = [limit("k", 2)];
    for _ in 0..2 {
        assert_eq!(
            store.acquire(&two, t0()).await.unwrap(),
            ThrottleDecision::Admitted
        );
    }
    assert!(matches!(
        store.acquire(&two, at(59)).await.unwrap(),
        ThrottleDecision::Blocked { .. }
    ));
    store.release("k").await.unwrap();
    assert_eq!(
        store.acquire(&two, at(59)).await.unwrap(),
        ThrottleDecision::Admitted
    );
    assert_eq!(
        store.acquire(&two, at(60)).await.unwrap(),
        ThrottleDecision::Admitted,
        "a new window starts when the last one ends"
    );
    let counter = store.counter("k").await.unwrap().unwrap();
    assert_eq!((counter.window_start, counter.hits), (at(60), 1));

    store
        .reset(&["k".to_owned(), "seen".to_owned()], at(100))
        .await
        .unwrap();
    let seen = store.counter("seen").await.unwrap().unwrap();
    assert_eq!((seen.window_start, seen.hits), (at(100), 0));
    assert_eq!(store.counter("k").await.unwrap().unwrap().hits, 0);
    store.release("seen").await.unwrap();
    assert_eq!(store.counter("seen").await.unwrap().unwrap().hits, 0);
    assert_eq!(store.counter("never").await.unwrap(), None);

    store.acquire(&[limit("old", 3)], t0()).await.unwrap();
    assert_eq!(store.purge(at(50)).await.unwrap(), 1);
    assert_eq!(store.counter("old").await.unwrap(), None);
    assert!(store.counter("seen").await.unwrap().is_some());
}
