//! # AfterResume backends
//!
//! Implementations of the ports of [`afterresume_core`]:
//!
//! | backend | feature | ports |
//! |---|---|---|
//! | [`memory`] | always | every port, plus [`memory::ScriptedLlm`] for tests |
//! | [`local`] | always | `ArtifactStore` on a local folder |
//! | `sqlite` | `sqlite` (default) | `JobStore`, `Queue`, `EventSink`, domain stores |
//! | `postgres` | `postgres` | `JobStore`, `Queue`, `EventSink`, domain stores |
//! | `redis` | `redis` | `Queue` (next to a SQL `JobStore`) |
//! | `s3` | `s3` | `ArtifactStore` on S3 / MinIO / SeaweedFS |
//! | `openai` | `openai` | `LlmProvider` for OpenAI-compatible servers (vLLM, Ollama, llama.cpp) |
//! | `system` | `system` | not a port: picks and opens all of the above from the reference environment variables |
//!
//! Every implementation passes the shared conformance suites of
//! `afterresume_core::conformance`.

mod common;
#[cfg(feature = "git")]
pub mod git;
pub mod local;
pub mod memory;
#[cfg(feature = "openai")]
pub mod openai;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod profile_document;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_dialect;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_error;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_finish;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "system")]
pub mod system;
#[cfg(feature = "conformance")]
pub mod testing;
#[cfg(feature = "webhooks")]
pub mod webhook;

/// The README's Rust quick start, compiled and run as a doctest.
#[cfg(all(doctest, feature = "system"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeQuickStart;
