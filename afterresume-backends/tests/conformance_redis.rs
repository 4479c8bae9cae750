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
