//! Conformance of [`EventSink`] implementations.
//!
//! Scenarios take a factory `Fn() -> Future<Output = SharedEventSink>` that returns a
//! fresh, empty sink each call.

use std::future::Future;

use serde_json::json;
use uuid::Uuid;

use super::at;
use crate::domain::{EventLevel, EventSource, NewEvent};
use crate::ports::{ListEventsOptions, SharedEventSink};

/// Runs every event-sink scenario as its own test.
#[macro_export]
macro_rules! event_sink_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            event_sink,
            $factory,
            [
                events_round_trip_in_order,
                timelines_are_per_job,
                paging_with_after_id_and_limit,
                delete_for_jobs_removes_only_those,
            ]
        );
    };
}

fn event(job_id: Uuid, n: i64) -> NewEvent {
    NewEvent {
        job_id,
        timestamp: at(n),
        level: if n % 2 == 0 {
            EventLevel::Info
        } else {
            EventLevel::Warning
        },
        source: EventSource::Workflow,
        message: format!("step {n}"),
        data: json!({ "n": n, "nested": { "ok": true } }),
        trace_id: Uuid::nil(),
    }
}

/// Appended events read back whole, in order, with increasing ids.
pub async fn events_round_trip_in_order<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedEventSink>,
{
    let sink = make().await;
    let job = Uuid::now_v7();
    sink.append(vec![event(job, 1), event(job, 2)])
        .await
        .unwrap();
    sink.append(vec![event(job, 3)]).await.unwrap();
    let events = sink.list(job, &ListEventsOptions::default()).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(
        events.windows(2).all(|w| w[0].id < w[1].id),
        "ids must increase"
    );
    for (e, n) in events.iter().zip(1..) {
        let expected = event(job, n);
        assert_eq!(
            (e.job_id, e.timestamp, e.level, e.source),
            (job, expected.timestamp, expected.level, expected.source)
        );
        assert_eq!(
            (&e.message, &e.data, e.trace_id),
            (&expected.message, &expected.data, expected.trace_id)
        );
    }
}

/// One job's timeline never shows another job's events.
pub async fn timelines_are_per_job<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedEventSink>,
{
    let sink = make().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    sink.append(vec![event(a, 1), event(b, 2), event(a, 3)])
        .await
        .unwrap();
    let of_a: Vec<_> = sink
        .list(a, &ListEventsOptions::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(of_a, vec!["step 1", "step 3"]);
    assert!(
        sink.list(Uuid::now_v7(), &ListEventsOptions::default())
            .await
            .unwrap()
            .is_empty()
    );
}

/// `after_id` and `limit` page through a long timeline.
pub async fn paging_with_after_id_and_limit<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedEventSink>,
{
    let sink = make().await;
    let job = Uuid::now_v7();
    let events: Vec<_> = (0..10).map(|n| event(job, n)).collect();
    sink.append(events).await.unwrap();
    let mut seen = Vec::new();
    let mut opts = ListEventsOptions {
        after_id: None,
        limit: 3,
    };
    loop {
        let page = sink.list(job, &opts).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        opts.after_id = Some(page.last().unwrap().id);
        seen.extend(page.into_iter().map(|e| e.data["n"].as_i64().unwrap()));
    }
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
}

/// Deleting the events of some jobs leaves the others.
pub async fn delete_for_jobs_removes_only_those<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedEventSink>,
{
    let sink = make().await;
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    sink.append(vec![event(a, 1), event(a, 2), event(b, 3), event(c, 4)])
        .await
        .unwrap();
    assert_eq!(sink.delete_for_jobs(&[a, b]).await.unwrap(), 3);
    assert!(
        sink.list(a, &ListEventsOptions::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        sink.list(b, &ListEventsOptions::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        sink.list(c, &ListEventsOptions::default())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(sink.delete_for_jobs(&[]).await.unwrap(), 0);
}
