//! The scheduler: turns due schedules into exactly one job per due time.
//!
//! Several scheduler loops (in one process or many) may run against one store. Each
//! due time is enqueued with the idempotency key `schedule:{id}:{due}` *before* the
//! schedule is advanced with a compare-and-set on `next_run_at`. Two loops that see the
//! same due time therefore create one job between them, and a loop that crashes after
//! enqueueing but before advancing is repaired by the next tick, which finds the job by
//! its key instead of creating another.

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{Engine, EnqueueOptions};
use crate::cron_expr::{CronExpr, with_time_zone};
use crate::domain::{NewSchedule, Schedule, ScheduleId, Trigger, UserId};
use crate::{Error, Result};

/// A schedule as a user writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSpec {
    /// Unique name: 1-100 characters.
    pub name: String,
    /// Registered job type to enqueue.
    pub job_type: String,
    /// 5-field cron, `@hourly`, `@daily` or `@every_minute`, in UTC unless
    /// it starts `CRON_TZ=Zone ` or `time_zone` is set.
    pub cron: String,
    /// IANA time zone the expression is read in (`Europe/Paris`); stored as
    /// the expression's `CRON_TZ=` prefix.
    pub time_zone: Option<String>,
    /// Payload of each job (a JSON object).
    pub payload: Value,
    /// User the jobs work for.
    pub user_id: Option<UserId>,
    /// Whether it fires.
    pub enabled: bool,
}

impl ScheduleSpec {
    /// An enabled schedule with an empty payload.
    pub fn new(name: &str, job_type: &str, cron: &str) -> Self {
        ScheduleSpec {
            name: name.to_owned(),
            job_type: job_type.to_owned(),
            cron: cron.to_owned(),
            payload: Value::Object(Default::default()),
            time_zone: None,
            user_id: None,
            enabled: true,
        }
    }
}

/// How many due schedules one tick handles.
const TICK_BATCH: usize = 100;

impl Engine {
    /// Creates a schedule or replaces the one with the same name. The cron expression
    /// is validated (the error names the field) and the first due time computed.
    pub async fn put_schedule(&self, spec: ScheduleSpec) -> Result<Schedule> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid_input("name: must be 1 to 100 characters"));
        }
        self.inner.registry.require(&spec.job_type)?;
        if !spec.payload.is_object() {
            return Err(Error::invalid_input("payload: must be a JSON object"));
        }
        let expr = CronExpr::parse(&with_time_zone(&spec.cron, spec.time_zone.as_deref())?)?;
        let now = self.now();
        let next_run_at = next_due(&expr, now)?;
        let new = NewSchedule {
            name: name.to_owned(),
            job_type: spec.job_type,
            cron: expr.as_str().to_owned(),
            payload: spec.payload,
            user_id: spec.user_id,
            enabled: spec.enabled,
            next_run_at,
        };
        self.inner.store.upsert_schedule(new, now).await
    }

    /// All schedules.
    pub async fn list_schedules(&self) -> Result<Vec<Schedule>> {
        self.inner.store.list_schedules().await
    }

    /// Enables or disables a schedule. Enabling recomputes the next due time from now,
    /// so a schedule that was off does not fire for the times it missed.
    pub async fn set_schedule_enabled(&self, id: ScheduleId, enabled: bool) -> Result<Schedule> {
        let schedule = self.inner.store.get_schedule(id).await?;
        let now = self.now();
        let next = if enabled {
            next_due(&CronExpr::parse(&schedule.cron)?, now)?
        } else {
            schedule.next_run_at
        };
        self.inner
            .store
            .set_schedule_enabled(id, enabled, next, now)
            .await
    }

    /// The schedule of that name.
    pub async fn schedule_named(&self, name: &str) -> Result<Schedule> {
        let name = name.trim();
        self.list_schedules()
            .await?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                let shown: String = name.chars().take(100).collect();
                Error::not_found(format!("schedule '{}' not found", shown.escape_default()))
            })
    }

    /// Deletes a schedule.
    pub async fn delete_schedule(&self, id: ScheduleId) -> Result<()> {
        self.inner.store.delete_schedule(id).await
    }

    /// Enqueues a job for every due schedule and advances it; returns how many jobs
    /// this call created. Missed due times (the scheduler was down) are coalesced into
    /// one run. Safe to call from several processes at once.
    pub async fn run_scheduler_tick(&self) -> Result<usize> {
        let now = self.now();
        let mut created = 0;
        for schedule in self.inner.store.due_schedules(now, TICK_BATCH).await? {
            match self.fire(&schedule, now).await {
                Ok(true) => created += 1,
                Ok(false) => {}
                Err(err) => {
                    tracing::error!(schedule = %schedule.name, error = %err, "schedule could not fire")
                }
            }
        }
        Ok(created)
    }

    async fn fire(&self, schedule: &Schedule, now: chrono::DateTime<chrono::Utc>) -> Result<bool> {
        let due = schedule.next_run_at;
        let expr = CronExpr::parse(&schedule.cron)?;
        let opts = EnqueueOptions {
            trigger: Trigger::Schedule,
            user_id: schedule.user_id,
            idempotency_key: Some(format!("schedule:{}:{}", schedule.id, due.timestamp())),
            ..EnqueueOptions::default()
        };
        let inserted = self
            .enqueue_detailed(&schedule.job_type, schedule.payload.clone(), opts)
            .await?;
        match expr.next_after(now.max(due)) {
            Some(next) => {
                self.inner
                    .store
                    .advance_schedule(schedule.id, due, next, now)
                    .await?;
            }
            None => {
                self.inner
                    .store
                    .set_schedule_enabled(schedule.id, false, due, now)
                    .await?;
            }
        }
        Ok(inserted.created)
    }

    pub(crate) async fn scheduler_loop(self, stop: CancellationToken) {
        let interval = self.config().scheduler_interval;
        while !stop.is_cancelled() {
            if let Err(err) = self.run_scheduler_tick().await {
                tracing::warn!(error = %err, "scheduler tick failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.cancelled() => {}
            }
        }
    }
}

fn next_due(
    expr: &CronExpr,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>> {
    expr.next_after(now)
        .ok_or_else(|| Error::invalid_input(format!("cron: '{}' never fires", expr.as_str())))
}
