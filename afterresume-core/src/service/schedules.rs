//! Schedules: recurring jobs, for operators, by id or by their unique name.

use super::{Actor, App};
use crate::Result;
use crate::ScheduleSpec;
use crate::domain::{Schedule, ScheduleId};

impl App {
    /// Every schedule.
    pub async fn list_schedules(&self, actor: &Actor) -> Result<Vec<Schedule>> {
        actor.require_operator()?;
        self.engine.list_schedules().await
    }

    /// Creates or replaces the schedule of that name.
    pub async fn put_schedule(&self, actor: &Actor, spec: ScheduleSpec) -> Result<Schedule> {
        actor.require_operator()?;
        self.engine.put_schedule(spec).await
    }

    /// Deletes a schedule.
    pub async fn delete_schedule(&self, actor: &Actor, id: ScheduleId) -> Result<()> {
        actor.require_operator()?;
        self.engine.delete_schedule(id).await
    }

    /// The schedule of that name.
    pub async fn schedule_named(&self, actor: &Actor, name: &str) -> Result<Schedule> {
        actor.require_operator()?;
        self.engine.schedule_named(name).await
    }

    /// Pauses (`enabled` false) or resumes the schedule of that name; resuming
    /// fires next at its next due time from now, not for the times it missed.
    pub async fn set_schedule_enabled(
        &self,
        actor: &Actor,
        name: &str,
        enabled: bool,
    ) -> Result<Schedule> {
        let schedule = self.schedule_named(actor, name).await?;
        self.engine.set_schedule_enabled(schedule.id, enabled).await
    }

    /// Deletes the schedule of that name.
    pub async fn delete_schedule_named(&self, actor: &Actor, name: &str) -> Result<()> {
        let schedule = self.schedule_named(actor, name).await?;
        self.engine.delete_schedule(schedule.id).await
    }
}
