//! Schedules: recurring jobs, for operators.

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
}
