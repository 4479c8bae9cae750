//! # AfterResume HTTP host
//!
//! The reference axum host. [`router`] serves the public API (`/api/*`), the
//! staff dashboard (`/system/*`), `/metrics` and the OpenAPI document over an
//! [`AppState`]. [`Settings`] reads which backends to use from the environment and
//! [`System`] opens them: with no configuration, the embedded default (SQLite file,
//! queue in the same file, in-process workers, local artifact folder) that
//! `afterresume serve` runs. [`HostSettings`] holds the host's own settings
//! (`SECRET_KEY`, `DEBUG`, `ALLOWED_HOSTS`, ...).
//!
//! This host adds no business rule: validation, permissions on jobs' payloads,
//! passwords and tokens all live in the core; the host maps HTTP onto them.

mod api;
mod auth;
mod config;
mod dashboard;
mod dead_letters_api;
mod error;
mod guards;
pub mod logging;
mod metrics;
mod openapi;
mod openapi_profile;
mod protocol_errors;
mod queues_api;
mod routes;
mod schedules_api;
pub mod server;
mod state;
pub mod telemetry;
mod web;

pub use afterresume_backends::system::{DataDir, DatabaseSetting, Settings, System};
pub use auth::{CSRF_HEADER, SESSION_COOKIE};
pub use config::HostSettings;
pub use error::ApiError;
pub use routes::{openapi, router};
pub use state::AppState;
