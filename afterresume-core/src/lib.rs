//! # AfterResume core
//!
//! The engine that turns a stream of work-log entries into evidenced skills, reports
//! and a resume: the domain model, the backend ports, and the job engine that runs the
//! workflows.
//!
//! ## Architecture
//! Hosts (HTTP, Python, your application) call the use cases of [`service::App`],
//! which hold every rule, over the [`Engine`]. The engine talks to the
//! outside world only through ports: [`JobStore`] (the truth about jobs and schedules),
//! [`Queue`] (delivery of runnable job ids), [`EventSink`] (the per-job timeline),
//! [`ArtifactStore`] (bytes), [`LlmProvider`] (completions) and the domain stores
//! ([`DomainStore`]). Implementations live in `afterresume-backends`; this crate depends
//! on none of them.
//!
//! ## Job semantics
//! Delivery is at least once, state transitions exactly once: a worker claims a job
//! with an atomic `queued -> running` transition that grants a lease; the lease's
//! attempt number fences out stale workers; expired leases are reaped; retries follow
//! a per-type [`RetryPolicy`]; an idempotency key never creates two jobs.
//!
//! ## Feature flags
//! | feature | what it adds |
//! |---|---|
//! | `conformance` | the shared conformance suites every backend runs (not API-stable) |

pub mod accounts;
pub mod agents;
pub mod clock;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod cron_expr;
pub mod domain;
pub mod engine;
mod error;
pub mod import;
pub mod ports;
pub mod service;
pub mod taxonomy;
pub mod workflows;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use cron_expr::CronExpr;
pub use domain::{EventLevel, EventSource, JobStatus, Trigger};
pub use engine::{
    Engine, EngineBuilder, EngineConfig, EnqueueOptions, EnqueueRequest, ExecutionContext,
    JobTypeOptions, RetryPolicy, RunningEngine, ScheduleSpec, WorkerOptions, Workflow, workflow_fn,
};
pub use error::{Error, ErrorKind, ErrorStatus, Result, StepResultExt};
pub use ports::{
    ArtifactStore, DomainStore, EventSink, JobStore, LlmProvider, ProfileStore, Queue, ReportStore,
    ResumeStore, SkillStore, TokenStore, UserStore, WorkLogStore,
};
