//! The in-memory backends against every shared conformance suite.

use std::sync::Arc;

use afterresume_backends::local::LocalArtifactStore;
use afterresume_backends::memory::*;
use afterresume_core::clock::SharedClock;
use afterresume_core::conformance::engine::EnginePorts;
use afterresume_core::ports::*;

mod job_store {
    use super::*;
    afterresume_core::job_store_conformance!(|| async {
        Arc::new(MemoryJobStore::new()) as SharedJobStore
    });
}

mod schedule_store {
    use super::*;
    afterresume_core::schedule_store_conformance!(|| async {
        Arc::new(MemoryJobStore::new()) as SharedScheduleStore
    });
}

mod queue {
    use super::*;
    afterresume_core::queue_conformance!(|clock: SharedClock| async move {
        Arc::new(MemoryQueue::with_clock(clock)) as SharedQueue
    });
}

mod event_sink {
    use super::*;
    afterresume_core::event_sink_conformance!(|| async {
        Arc::new(MemoryEventSink::new()) as SharedEventSink
    });
}

mod domain_store {
    use super::*;
    afterresume_core::domain_store_conformance!(|| async {
        Arc::new(MemoryDomainStore::new()) as SharedDomainStore
    });
}

mod artifact_store {
    use super::*;
    afterresume_core::artifact_store_conformance!(|| async {
        Arc::new(MemoryArtifactStore::new()) as SharedArtifactStore
    });
}

mod local_artifact_store {
    use super::*;
    afterresume_core::artifact_store_conformance!(|| async {
        // The folder is kept for the life of the test process; the OS temp dir is
        // cleaned by the system, and each call gets a folder of its own.
        let dir = tempfile::tempdir().unwrap().keep();
        Arc::new(LocalArtifactStore::open(dir).await.unwrap()) as SharedArtifactStore
    });
}

mod llm {
    use super::*;
    afterresume_core::llm_conformance!(|| async {
        Arc::new(ScriptedLlm::responding(|request| {
            Ok(match request.json_schema {
                Some(_) => serde_json::json!({ "answer": "PostgreSQL" }),
                None => serde_json::json!("Hello!"),
            })
        })) as SharedLlmProvider
    });
}

mod engine {
    use super::*;
    afterresume_core::engine_conformance!(|clock: SharedClock| async move {
        EnginePorts {
            store: Arc::new(MemoryJobStore::new()),
            queue: Arc::new(MemoryQueue::with_clock(clock)),
            events: Arc::new(MemoryEventSink::new()),
        }
    });
}
