//! Operators' control of named queues and job types: pause, resume, and what
//! each queue holds.

use serde_json::json;

use super::Engine;
use super::registry::validate_job_type;
use crate::Result;
use crate::domain::{JobStatus, check_queue_name};
use crate::ports::{JobFilter, Pause, PauseTarget, QueueMessage, QueueStats};

/// Queued jobs a resume reads per page to hand back to the queue.
const RESUME_PAGE: usize = 1000;

impl Engine {
    /// Pauses a named queue or a job type in every process on the store: its
    /// queued jobs stay queued and no worker starts one until it is resumed;
    /// running jobs finish. Returns whether it was running before (pausing a
    /// paused target changes nothing).
    pub async fn pause(&self, target: &PauseTarget) -> Result<bool> {
        check_target(target)?;
        let changed = self.store().set_paused(target, true, self.now()).await?;
        if changed {
            tracing::info!(kind = target.kind(), name = target.name(), "paused");
        }
        Ok(changed)
    }

    /// Resumes a paused queue or job type and hands its due jobs back to the
    /// queue, so workers that are busy with other work find them too. Returns
    /// whether it was paused.
    pub async fn resume(&self, target: &PauseTarget) -> Result<bool> {
        check_target(target)?;
        let changed = self.store().set_paused(target, false, self.now()).await?;
        if changed {
            tracing::info!(kind = target.kind(), name = target.name(), "resumed");
            self.republish_queued(target).await?;
        }
        Ok(changed)
    }

    /// The pauses in force.
    pub async fn pauses(&self) -> Result<Vec<Pause>> {
        self.store().pauses().await
    }

    /// Every queue with waiting or running jobs, and every paused queue, by
    /// name, with whether it is paused.
    pub async fn queues(&self) -> Result<Vec<(QueueStats, Option<Pause>)>> {
        let mut stats = self.store().queue_stats(self.now()).await?;
        let pauses = self.pauses().await?;
        for pause in &pauses {
            if let PauseTarget::Queue(name) = &pause.target
                && !stats.iter().any(|s| &s.queue == name)
            {
                stats.push(QueueStats {
                    queue: name.clone(),
                    ..QueueStats::default()
                });
            }
        }
        stats.sort_by(|a, b| a.queue.cmp(&b.queue));
        Ok(stats
            .into_iter()
            .map(|s| {
                let pause = pauses
                    .iter()
                    .find(|p| p.target == PauseTarget::Queue(s.queue.clone()))
                    .cloned();
                (s, pause)
            })
            .collect())
    }

    /// Publishes the due queued jobs a pause held, a page at a time.
    async fn republish_queued(&self, target: &PauseTarget) -> Result<()> {
        let now = self.now();
        let mut filter = JobFilter {
            status: Some(JobStatus::Queued),
            limit: RESUME_PAGE,
            ..JobFilter::default()
        };
        match target {
            PauseTarget::Queue(name) => filter.queue = Some(name.clone()),
            PauseTarget::JobType(name) => filter.job_type = Some(name.clone()),
        }
        let mut published = 0usize;
        loop {
            let page = self.list_jobs(&filter).await?;
            let messages: Vec<QueueMessage> = page
                .iter()
                .filter(|job| job.run_at <= now)
                .map(QueueMessage::of)
                .collect();
            published += messages.len();
            if !messages.is_empty() {
                self.queue().push(&messages).await?;
            }
            match page.last() {
                Some(last) if page.len() == RESUME_PAGE => {
                    filter.after = Some((last.created_at, last.id));
                }
                _ => break,
            }
        }
        tracing::debug!(
            detail = %json!({ "kind": target.kind(), "name": target.name(), "published": published }),
            "resumed jobs handed to the queue"
        );
        Ok(())
    }
}

/// A target's name must be one a job could carry.
fn check_target(target: &PauseTarget) -> Result<()> {
    match target {
        PauseTarget::Queue(name) => check_queue_name(name).map(|_| ()),
        PauseTarget::JobType(name) => validate_job_type(name),
    }
}
