use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::UserId;

/// A schedule id.
pub type ScheduleId = i64;

/// A recurring job: a cron expression and what to enqueue when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Id.
    pub id: ScheduleId,
    /// Unique name ("nightly_report").
    pub name: String,
    /// Job type to enqueue.
    pub job_type: String,
    /// 5-field cron or `@hourly`, `@daily`, `@every_minute`.
    pub cron: String,
    /// Payload of each job.
    pub payload: Value,
    /// User the jobs work for.
    pub user_id: Option<UserId>,
    /// Disabled schedules never fire.
    pub enabled: bool,
    /// Last due time that enqueued a job.
    pub last_run_at: Option<DateTime<Utc>>,
    /// Next due time.
    pub next_run_at: DateTime<Utc>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// The fields of a schedule to create or replace (keyed by name). The engine
/// validates the cron expression and computes `next_run_at` before it reaches a store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSchedule {
    /// Unique name.
    pub name: String,
    /// Job type.
    pub job_type: String,
    /// Cron expression (already validated).
    pub cron: String,
    /// Payload.
    pub payload: Value,
    /// User.
    pub user_id: Option<UserId>,
    /// Enabled flag.
    pub enabled: bool,
    /// First due time.
    pub next_run_at: DateTime<Utc>,
}
