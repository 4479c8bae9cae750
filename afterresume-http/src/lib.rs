//! # AfterResume HTTP host
//!
//! The reference axum host. [`router`] builds the routes over an [`AppState`];
//! [`Settings`] reads which backends to use from the environment and [`System`]
//! opens them: with no configuration, the embedded default (SQLite file, queue in the
//! same file, in-process workers, local artifact folder) that `afterresume serve` runs.
//! This host adds no business rule: everything it does, the core does.

mod routes;
mod system;

pub use routes::{AppState, router};
pub use system::{DataDir, DatabaseSetting, Settings, System};
