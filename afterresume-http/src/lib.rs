//! # AfterResume HTTP host
//!
//! The reference axum host. [`router`] builds the routes over an [`AppState`];
//! [`embedded`] assembles the embedded default (SQLite file, in-process queue and
//! workers, local artifact folder) that `afterresume serve` runs with no configuration.
//! This host adds no business rule: everything it does, the core does.

mod embedded;
mod routes;

pub use embedded::{DataDir, EmbeddedSystem, embedded};
pub use routes::{AppState, router};
