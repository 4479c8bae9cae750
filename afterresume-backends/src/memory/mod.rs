//! In-memory implementations of every port. Always built; no feature needed.
//!
//! For tests and for single-process embedding where losing state on exit is fine.

mod artifact_store;
mod domain_store;
mod event_sink;
mod job_store;
mod llm;
mod queue;

pub use artifact_store::MemoryArtifactStore;
pub(crate) use artifact_store::no_artifact;
pub use domain_store::MemoryDomainStore;
pub use event_sink::MemoryEventSink;
pub use job_store::MemoryJobStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use job_store::lease_lost;
pub use llm::ScriptedLlm;
pub use queue::MemoryQueue;
