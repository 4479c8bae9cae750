//! The SQLite backend against every shared conformance suite it implements. Each
//! scenario gets a fresh database file in its own temporary folder.
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use afterresume_backends::sqlite::SqliteBackend;
use afterresume_core::clock::SharedClock;
use afterresume_core::conformance::engine::EnginePorts;
use afterresume_core::ports::*;

async fn fresh() -> SqliteBackend {
    SqliteBackend::open_temporary()
        .await
        .expect("temporary sqlite database")
}

mod job_store {
    use super::*;
    afterresume_core::job_store_conformance!(|| async {
        Arc::new(fresh().await) as SharedJobStore
    });
}

mod schedule_store {
    use super::*;
    afterresume_core::schedule_store_conformance!(|| async {
        Arc::new(fresh().await) as SharedScheduleStore
    });
}

mod queue {
    use super::*;
    afterresume_core::queue_conformance!(|clock: SharedClock| async move {
        Arc::new(fresh().await.with_clock(clock).queue()) as SharedQueue
    });
}

mod event_sink {
    use super::*;
    afterresume_core::event_sink_conformance!(|| async {
        Arc::new(fresh().await) as SharedEventSink
    });
}

mod domain_store {
    use super::*;
    afterresume_core::domain_store_conformance!(|| async {
        Arc::new(fresh().await) as SharedDomainStore
    });
}

mod engine {
    use super::*;
    afterresume_core::engine_conformance!(|clock: SharedClock| async move {
        // One object as store and sink, as the hosts build it: outcomes and
        // their events share a transaction.
        let db = Arc::new(fresh().await.with_clock(clock));
        EnginePorts {
            store: Arc::clone(&db) as SharedJobStore,
            queue: Arc::new(db.queue()),
            events: db,
        }
    });
}

mod store_queue {
    use super::*;
    afterresume_core::store_queue_conformance!(|clock: SharedClock| async move {
        let db = fresh().await.with_clock(clock);
        (
            Arc::new(db.clone()) as SharedJobStore,
            Arc::new(db.store_queue()) as SharedQueue,
        )
    });
}

/// The engine on the store's own table as its queue (the host's default).
mod engine_store_queue {
    use super::*;
    afterresume_core::engine_conformance!(|clock: SharedClock| async move {
        // One object as store and sink, as the hosts build it: outcomes and
        // their events share a transaction.
        let db = Arc::new(fresh().await.with_clock(clock));
        EnginePorts {
            store: Arc::clone(&db) as SharedJobStore,
            queue: Arc::new(db.store_queue()),
            events: db,
        }
    });
}

/// Two handles on one file see each other's jobs: the store is shared across processes.
#[tokio::test]
async fn reopening_the_file_keeps_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    let first = SqliteBackend::open(&url).await.unwrap();
    let job = afterresume_core::conformance::new_job();
    first.insert_job(job.clone()).await.unwrap();
    drop(first);
    let second = SqliteBackend::open(&url).await.unwrap();
    assert_eq!(second.get_job(job.id).await.unwrap().id, job.id);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(second.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

/// Jobs, claims and outcomes with their events in one transaction when the store is
/// its own sink.
mod event_writing_job_store {
    use super::*;
    afterresume_core::event_writing_job_store_conformance!(|| async {
        let db = Arc::new(fresh().await);
        (Arc::clone(&db) as SharedJobStore, db as SharedEventSink)
    });
}

/// With another object as the event sink, the engine writes events to that sink, not
/// to the store's own table.
#[tokio::test]
async fn a_separate_event_sink_gets_the_events() {
    let db = Arc::new(fresh().await);
    afterresume_core::conformance::engine::a_separate_event_sink_gets_the_events(
        Arc::clone(&db) as SharedJobStore,
        Arc::new(db.store_queue()),
        Arc::clone(&db) as SharedEventSink,
        Arc::new(afterresume_backends::memory::MemoryEventSink::new()),
    )
    .await;
}

/// A row whose stored JSON cannot be parsed (written by another program) reads
/// as `unreadable_json`; the list it is in still answers.
#[tokio::test]
async fn an_unreadable_json_value_does_not_take_down_a_list() {
    use afterresume_core::domain::{NewUser, NewWorkLog, WorkLogFilter};
    let db = fresh().await;
    let now = chrono::Utc::now();
    let user = db
        .create_user(
            NewUser {
                username: "deep".into(),
                email: "deep@example.com".into(),
                full_name: "Deep".into(),
                password_hash: String::new(),
                is_staff: false,
            },
            now,
        )
        .await
        .unwrap();
    let day = now.date_naive();
    db.create_worklog(NewWorkLog::new(user.id, day, "fine"), now)
        .await
        .unwrap();
    let poisoned = db
        .create_worklog(NewWorkLog::new(user.id, day, "poisoned"), now)
        .await
        .unwrap();
    sqlx::query("UPDATE worklogs SET metadata = 'not json {', analysis = '[' WHERE id = ?")
        .bind(poisoned.id)
        .execute(db.pool())
        .await
        .unwrap();
    let filter = WorkLogFilter {
        user_id: Some(user.id),
        ..Default::default()
    };
    assert_eq!(db.list_worklogs(&filter).await.unwrap().len(), 2);
    let read = db.get_worklog(poisoned.id).await.unwrap();
    assert_eq!(read.metadata["unreadable_json"], "not json {");
    assert_eq!(read.analysis.unwrap()["unreadable_json"], "[");
}
