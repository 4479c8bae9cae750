//! Named queues and job types for operators: what waits where, and pausing
//! or resuming a queue or a type without stopping any worker.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Actor, App};
use crate::Result;
use crate::ports::PauseTarget;

/// One named queue as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueView {
    /// The queue's name.
    pub name: String,
    /// Queued and due.
    pub ready: u64,
    /// Queued for later.
    pub delayed: u64,
    /// Running now.
    pub running: u64,
    /// The oldest due job's due time: how long the queue has kept someone waiting.
    pub oldest_ready_at: Option<DateTime<Utc>>,
    /// Whether workers are held off it.
    pub paused: bool,
    /// Since when, when paused.
    pub paused_at: Option<DateTime<Utc>>,
}

/// A paused job type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PausedJobType {
    /// The type.
    pub job_type: String,
    /// Since when.
    pub paused_at: DateTime<Utc>,
}

/// Every queue with work or a pause, and the paused job types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuesOverview {
    /// Queues by name.
    pub queues: Vec<QueueView>,
    /// Paused job types by name.
    pub paused_job_types: Vec<PausedJobType>,
}

/// Whether a pause or resume changed anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PauseChange {
    /// `queue` or `type`.
    pub kind: &'static str,
    /// The queue's or type's name.
    pub name: String,
    /// Paused after the call.
    pub paused: bool,
    /// False when it already was as asked.
    pub changed: bool,
}

impl App {
    /// Every queue that has waiting or running jobs or is paused, and the
    /// paused job types, for operators.
    pub async fn queues(&self, actor: &Actor) -> Result<QueuesOverview> {
        actor.require_operator()?;
        let queues = self
            .engine
            .queues()
            .await?
            .into_iter()
            .map(|(stats, pause)| QueueView {
                name: stats.queue,
                ready: stats.ready,
                delayed: stats.delayed,
                running: stats.running,
                oldest_ready_at: stats.oldest_ready_at,
                paused: pause.is_some(),
                paused_at: pause.map(|p| p.paused_at),
            })
            .collect();
        let paused_job_types = self
            .engine
            .pauses()
            .await?
            .into_iter()
            .filter_map(|pause| match pause.target {
                PauseTarget::JobType(job_type) => Some(PausedJobType {
                    job_type,
                    paused_at: pause.paused_at,
                }),
                PauseTarget::Queue(_) => None,
            })
            .collect();
        Ok(QueuesOverview {
            queues,
            paused_job_types,
        })
    }

    /// Pauses (`paused`) or resumes a named queue or a job type in every
    /// process, for operators.
    pub async fn set_paused(
        &self,
        actor: &Actor,
        target: PauseTarget,
        paused: bool,
    ) -> Result<PauseChange> {
        actor.require_operator()?;
        let changed = if paused {
            self.engine.pause(&target).await?
        } else {
            self.engine.resume(&target).await?
        };
        Ok(PauseChange {
            kind: target.kind(),
            name: target.name().to_owned(),
            paused,
            changed,
        })
    }
}
