//! # AfterResume backends
//!
//! Implementations of the ports of [`afterresume_core`]:
//!
//! | backend | feature | ports |
//! |---|---|---|
//! | [`memory`] | always | every port, plus [`memory::ScriptedLlm`] for tests |
//! | [`local`] | always | `ArtifactStore` on a local folder |
//! | `sqlite` | `sqlite` (default) | `JobStore`, `Queue`, `EventSink`, domain stores |
//!
//! Every implementation passes the shared conformance suites of
//! `afterresume_core::conformance`.

mod common;
pub mod local;
pub mod memory;
#[cfg(feature = "sqlite")]
pub mod sqlite;
