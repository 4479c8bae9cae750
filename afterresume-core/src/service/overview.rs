//! What an operator sees at a glance: jobs by status and type, queue depth,
//! schedules, workers, the oldest queued job and the failure rate.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Actor, App};
use crate::Result;
use crate::domain::JobStatus;
use crate::ports::JobFilter;

/// The most running jobs read to count busy workers.
const RUNNING_SAMPLE: usize = 1000;

/// Job counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobTotals {
    /// By status (every status present, zero or not).
    pub by_status: BTreeMap<&'static str, u64>,
    /// By type, then status.
    pub by_type: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// All jobs.
    pub total: u64,
}

/// Runnable messages in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QueueTotals {
    /// Due now.
    pub ready: u64,
    /// Due later (retries, delayed jobs).
    pub delayed: u64,
}

/// Schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduleTotals {
    /// All schedules.
    pub total: usize,
    /// Enabled ones.
    pub enabled: usize,
}

/// Workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkerTotals {
    /// Workers the calling process runs.
    pub this_process: usize,
    /// Of those, how many are running a job.
    pub this_process_busy: usize,
    /// Distinct workers (any process) holding a live lease.
    pub busy_with_live_lease: usize,
}

/// The operator overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// Job counts.
    pub jobs: JobTotals,
    /// Queue depth.
    pub queue: QueueTotals,
    /// Schedules.
    pub schedules: ScheduleTotals,
    /// Workers.
    pub workers: WorkerTotals,
    /// Age of the oldest queued job, in seconds.
    pub oldest_queued_age_seconds: Option<f64>,
    /// Failed over finished (success + failed); 0 when nothing finished.
    pub failure_rate: f64,
    /// When this was computed.
    pub generated_at: DateTime<Utc>,
}

impl App {
    /// The overview; `local_workers` is how many workers the calling process runs.
    pub async fn overview(&self, actor: &Actor, local_workers: usize) -> Result<Overview> {
        actor.require_operator()?;
        let engine = &self.engine;
        let counts = engine.store().job_counts().await?;
        let mut by_status: BTreeMap<&'static str, u64> =
            JobStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        let mut by_type: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
        for c in &counts {
            *by_status.entry(c.status.as_str()).or_default() += c.count;
            *by_type
                .entry(c.job_type.clone())
                .or_default()
                .entry(c.status.as_str())
                .or_default() += c.count;
        }
        let (success, failed) = (by_status["success"], by_status["failed"]);
        let failure_rate = if success + failed == 0 {
            0.0
        } else {
            failed as f64 / (success + failed) as f64
        };
        let depth = engine.queue().depth().await?;
        let schedules = engine.list_schedules().await?;
        let now = engine.now();
        let oldest = engine
            .store()
            .queued_due(now + chrono::Duration::days(36500), 1)
            .await?;
        let oldest_queued_age_seconds = match oldest.first() {
            Some(message) => {
                let job = engine.get_job(message.job_id).await?;
                Some((now - job.created_at).num_milliseconds().max(0) as f64 / 1000.0)
            }
            None => None,
        };
        let running = engine
            .list_jobs(&JobFilter {
                status: Some(JobStatus::Running),
                limit: RUNNING_SAMPLE,
                ..Default::default()
            })
            .await?;
        let busy: BTreeSet<&str> = running
            .iter()
            .filter(|j| j.lease_expires_at.is_some_and(|t| t > now))
            .filter_map(|j| j.worker_id.as_deref())
            .collect();
        Ok(Overview {
            jobs: JobTotals {
                by_status,
                by_type,
                total: counts.iter().map(|c| c.count).sum(),
            },
            queue: QueueTotals {
                ready: depth.ready,
                delayed: depth.delayed,
            },
            schedules: ScheduleTotals {
                total: schedules.len(),
                enabled: schedules.iter().filter(|s| s.enabled).count(),
            },
            workers: WorkerTotals {
                this_process: local_workers,
                this_process_busy: engine.running_jobs(),
                busy_with_live_lease: busy.len(),
            },
            oldest_queued_age_seconds,
            failure_rate,
            generated_at: Utc::now(),
        })
    }
}
