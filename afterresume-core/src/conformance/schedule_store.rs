//! The schedule-store scenarios: upserts by name, due lists, and one winner
//! per tick.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{at, t0};
use crate::ErrorKind;
use crate::domain::NewSchedule;
use crate::ports::SharedScheduleStore;

/// Runs every schedule-store scenario as its own test.
#[macro_export]
macro_rules! schedule_store_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            schedule_store,
            $factory,
            [
                schedules_crud_and_due,
                schedule_tick_claimed_once_under_concurrency,
            ]
        );
    };
}

fn schedule(name: &str, next: DateTime<Utc>) -> NewSchedule {
    NewSchedule {
        name: name.to_owned(),
        job_type: "test.job".to_owned(),
        cron: "@hourly".to_owned(),
        payload: json!({ "kind": "summary" }),
        user_id: Some(1),
        enabled: true,
        next_run_at: next,
    }
}

/// Schedules are upserted by name, listed by name, due when enabled and past due.
pub async fn schedules_crud_and_due<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedScheduleStore>,
{
    let store = make().await;
    let a = store
        .upsert_schedule(schedule("b-nightly", at(100)), t0())
        .await
        .unwrap();
    assert_eq!(a.next_run_at, at(100));
    assert_eq!(a.last_run_at, None);
    let mut changed = schedule("b-nightly", at(200));
    changed.cron = "0 0 * * *".into();
    let a2 = store.upsert_schedule(changed, at(1)).await.unwrap();
    assert_eq!(a2.id, a.id, "upsert by name keeps the id");
    assert_eq!(a2.cron, "0 0 * * *");
    assert_eq!(a2.created_at, t0());
    let b = store
        .upsert_schedule(schedule("a-hourly", at(50)), t0())
        .await
        .unwrap();
    let names: Vec<_> = store
        .list_schedules()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["a-hourly", "b-nightly"]);

    assert!(store.due_schedules(at(49), 10).await.unwrap().is_empty());
    let due: Vec<_> = store
        .due_schedules(at(300), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(due, vec![b.id, a.id]);
    store
        .set_schedule_enabled(b.id, false, at(50), at(2))
        .await
        .unwrap();
    let due: Vec<_> = store
        .due_schedules(at(300), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(due, vec![a.id]);
    assert!(!store.get_schedule(b.id).await.unwrap().enabled);
    store.delete_schedule(b.id).await.unwrap();
    assert_eq!(
        store.get_schedule(b.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store.delete_schedule(b.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// Of many concurrent attempts to advance one due time, exactly one wins.
pub async fn schedule_tick_claimed_once_under_concurrency<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedScheduleStore>,
{
    let store = make().await;
    let s = store
        .upsert_schedule(schedule("tick", at(60)), t0())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .advance_schedule(s.id, at(60), at(120), at(61))
                .await
                .unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    let after = store.get_schedule(s.id).await.unwrap();
    assert_eq!(
        (after.last_run_at, after.next_run_at),
        (Some(at(60)), at(120))
    );
    assert!(
        !store
            .advance_schedule(s.id, at(60), at(180), at(62))
            .await
            .unwrap(),
        "a stale due time won"
    );
}
