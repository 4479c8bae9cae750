//! The Postgres backend against every shared conformance suite it implements, on the
//! server `AFTERRESUME_TEST_POSTGRES_URL` names. Each scenario gets its own schema.
#![cfg(all(feature = "postgres", feature = "conformance"))]

use std::sync::Arc;

use afterresume_backends::testing::{postgres, postgres_with};
use afterresume_core::clock::SharedClock;
use afterresume_core::conformance::engine::EnginePorts;
use afterresume_core::ports::*;

mod job_store {
    use super::*;
    afterresume_core::job_store_conformance!(|| async {
        Arc::new(postgres().await) as SharedJobStore
    });
}

mod schedule_store {
    use super::*;
    afterresume_core::schedule_store_conformance!(|| async {
        Arc::new(postgres().await) as SharedScheduleStore
    });
}

mod queue {
    use super::*;
    afterresume_core::queue_conformance!(|clock: SharedClock| async move {
        Arc::new(postgres().await.with_clock(clock).queue()) as SharedQueue
    });
}

/// The queue with LISTEN/NOTIFY off, as behind PgBouncer: polling alone must keep
/// every promise.
mod queue_without_notify {
    use super::*;
    afterresume_core::queue_conformance!(|clock: SharedClock| async move {
        Arc::new(
            postgres_with(|o| o.with_notify(false))
                .await
                .with_clock(clock)
                .queue(),
        ) as SharedQueue
    });
}

mod event_sink {
    use super::*;
    afterresume_core::event_sink_conformance!(|| async {
        Arc::new(postgres().await) as SharedEventSink
    });
}

mod domain_store {
    use super::*;
    afterresume_core::domain_store_conformance!(|| async {
        Arc::new(postgres().await) as SharedDomainStore
    });
}

mod engine {
    use super::*;
    afterresume_core::engine_conformance!(|clock: SharedClock| async move {
        // One object as store and sink, as the hosts build it: outcomes and
        // their events share a transaction.
        let db = Arc::new(postgres().await.with_clock(clock));
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
        let db = postgres().await.with_clock(clock);
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
        let db = Arc::new(postgres().await.with_clock(clock));
        EnginePorts {
            store: Arc::clone(&db) as SharedJobStore,
            queue: Arc::new(db.store_queue()),
            events: db,
        }
    });
}

/// Jobs, claims and outcomes with their events in one transaction when the store is
/// its own sink.
mod event_writing_job_store {
    use super::*;
    afterresume_core::event_writing_job_store_conformance!(|| async {
        let db = Arc::new(postgres().await);
        (Arc::clone(&db) as SharedJobStore, db as SharedEventSink)
    });
}

/// With another object as the event sink, the engine writes events to that sink, not
/// to the store's own table.
#[tokio::test]
async fn a_separate_event_sink_gets_the_events() {
    let db = Arc::new(postgres().await);
    afterresume_core::conformance::engine::a_separate_event_sink_gets_the_events(
        Arc::clone(&db) as SharedJobStore,
        Arc::new(db.store_queue()),
        Arc::clone(&db) as SharedEventSink,
        Arc::new(afterresume_backends::memory::MemoryEventSink::new()),
    )
    .await;
}
