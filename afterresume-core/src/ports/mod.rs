//! The backend ports: what the engine needs from the outside world.
//!
//! Every port is an object-safe `#[async_trait]` trait, `Send + Sync + Debug + 'static`,
//! used as `Arc<dyn Port>` so hosts can pick backends at runtime from configuration.
//! Each trait states its contract; the `conformance` feature holds one shared suite per
//! port that every implementation must pass.

mod artifact_store;
mod domain_store;
mod event_sink;
mod job_event_writer;
mod job_store;
mod llm;
mod queue;
mod schedule_store;
mod throttle;

pub use artifact_store::{
    Artifact, ArtifactCapabilities, ArtifactKey, ArtifactMeta, ArtifactStore, MAX_KEY_LEN,
    PutOptions,
};
pub use domain_store::{
    DomainStore, ImportWorkLog, ImportedWorkLog, ProfileStore, ReportStore, ResumeStore,
    SkillStore, TokenStore, UserStore, WorkLogStore, check_analysis_evidence, check_import_batch,
    profile_revision_conflict,
};
pub use event_sink::{EventSink, ListEventsOptions};
pub use job_event_writer::JobEventWriter;
pub use job_store::{
    CancelOutcome, ClaimOptions, InsertedJob, JobCount, JobFilter, JobOutcome, JobStore,
    JobStoreCapabilities, JobStoreExt, Lease, Pause, PauseTarget, QueueStats, STARTED_MESSAGE,
    requeue_conflict,
};
pub use llm::{LlmCapabilities, LlmProvider, LlmRequest, LlmResponse, TokenUsage};
pub use queue::{Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage};
pub use schedule_store::ScheduleStore;
pub use throttle::{ThrottleCounter, ThrottleDecision, ThrottleLimit, ThrottleStore, plan_acquire};

use std::sync::Arc;

/// A shared job store.
pub type SharedJobStore = Arc<dyn JobStore>;
/// A shared schedule store (every job store is one).
pub type SharedScheduleStore = Arc<dyn ScheduleStore>;
/// A shared queue.
pub type SharedQueue = Arc<dyn Queue>;
/// A shared event sink.
pub type SharedEventSink = Arc<dyn EventSink>;
/// A shared artifact store.
pub type SharedArtifactStore = Arc<dyn ArtifactStore>;
/// A shared LLM provider.
pub type SharedLlmProvider = Arc<dyn LlmProvider>;
/// A shared domain store.
pub type SharedDomainStore = Arc<dyn DomainStore>;
