//! Schedules: recurring jobs, kept where the jobs are.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;
use crate::domain::{NewSchedule, Schedule, ScheduleId};

/// Recurring jobs: what the engine's scheduler reads and advances.
///
/// # Contract
/// - Names are unique; an upsert with a known name replaces that schedule and
///   keeps its id and `last_run_at`.
/// - [`advance_schedule`](Self::advance_schedule) is a compare-and-set on the due
///   time: with several schedulers polling one store, exactly one wins each tick.
/// - Stores never read the wall clock: every time comes from the caller.
/// - Missing schedules are [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
#[async_trait]
pub trait ScheduleStore: Send + Sync + Debug + 'static {
    /// Creates a schedule, or replaces the one with the same name (keeping its id and
    /// `last_run_at`).
    async fn upsert_schedule(&self, schedule: NewSchedule, now: DateTime<Utc>) -> Result<Schedule>;

    /// One schedule by id.
    async fn get_schedule(&self, id: ScheduleId) -> Result<Schedule>;

    /// All schedules, by name.
    async fn list_schedules(&self) -> Result<Vec<Schedule>>;

    /// Deletes a schedule.
    async fn delete_schedule(&self, id: ScheduleId) -> Result<()>;

    /// Enables or disables a schedule; enabling sets the next due time given.
    async fn set_schedule_enabled(
        &self,
        id: ScheduleId,
        enabled: bool,
        next_run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Schedule>;

    /// Enabled schedules with `next_run_at <= now`, earliest first.
    async fn due_schedules(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Schedule>>;

    /// Moves a schedule from the due time `expected` to `next` and records `expected`
    /// as `last_run_at`, only if `next_run_at` still equals `expected`. Returns whether
    /// this caller won the tick: with several schedulers exactly one does.
    async fn advance_schedule(
        &self,
        id: ScheduleId,
        expected: DateTime<Utc>,
        next: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}
