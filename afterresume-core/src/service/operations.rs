//! What operators do beyond looking: the last hour's outcomes minute by minute
//! (the dashboard's chart), a failed job run again, the list of users.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{Actor, App};
use crate::domain::{Job, JobId, JobStatus, User};
use crate::engine::EnqueueOptions;
use crate::ports::JobFilter;
use crate::{Error, Result};

/// Jobs read per outcome at most to draw the activity: past it the counts
/// are marked as a lower bound rather than read without end.
const ACTIVITY_READ_LIMIT: usize = 20_000;

/// One slice of the recent activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ActivityBucket {
    /// Start of the slice.
    pub start: DateTime<Utc>,
    /// Jobs that finished with success in it.
    pub succeeded: u64,
    /// Jobs that finished failed (retries exhausted) in it.
    pub failed: u64,
}

/// Outcomes over a recent window, oldest slice first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// The slices.
    pub buckets: Vec<ActivityBucket>,
    /// Length of each slice, in seconds.
    pub bucket_seconds: i64,
    /// True when more jobs finished than were read: the counts are lower
    /// bounds.
    pub truncated: bool,
}

impl App {
    /// Finished jobs over the `window` before now, in `buckets` slices. Jobs
    /// are found by creation time within the window and a day before it (a
    /// job that waited longer than that in the queue is not counted) and
    /// placed by when they finished.
    pub async fn recent_activity(
        &self,
        actor: &Actor,
        window: Duration,
        buckets: usize,
    ) -> Result<Activity> {
        actor.require_operator()?;
        if buckets == 0 || window <= Duration::zero() {
            return Err(Error::invalid_input(
                "activity: the window and the number of slices must be positive",
            ));
        }
        let now = self.engine.now();
        let start = now - window;
        let bucket = window / buckets as i32;
        let mut slices: Vec<ActivityBucket> = (0..buckets)
            .map(|i| ActivityBucket {
                start: start + bucket * i as i32,
                succeeded: 0,
                failed: 0,
            })
            .collect();
        let mut truncated = false;
        for status in [JobStatus::Success, JobStatus::Failed] {
            let (finished, complete) = self
                .finished_since(status, start, start - Duration::days(1))
                .await?;
            truncated |= !complete;
            for at in finished {
                let index = ((at - start).num_milliseconds() / bucket.num_milliseconds().max(1))
                    .clamp(0, buckets as i64 - 1) as usize;
                match status {
                    JobStatus::Success => slices[index].succeeded += 1,
                    _ => slices[index].failed += 1,
                }
            }
        }
        Ok(Activity {
            buckets: slices,
            bucket_seconds: bucket.num_seconds(),
            truncated,
        })
    }

    /// Finish times at or after `since` of jobs in `status` created after
    /// `created_from`; false when the read stopped at its limit.
    async fn finished_since(
        &self,
        status: JobStatus,
        since: DateTime<Utc>,
        created_from: DateTime<Utc>,
    ) -> Result<(Vec<DateTime<Utc>>, bool)> {
        let mut filter = JobFilter {
            status: Some(status),
            created_from: Some(created_from),
            limit: 1000,
            ..Default::default()
        };
        let mut finished = Vec::new();
        let mut read = 0;
        loop {
            let page = self.engine.list_jobs(&filter).await?;
            read += page.len();
            finished.extend(
                page.iter()
                    .filter_map(|j| j.finished_at)
                    .filter(|t| *t >= since),
            );
            match page.last() {
                Some(last) if page.len() == filter.effective_limit() => {
                    if read >= ACTIVITY_READ_LIMIT {
                        return Ok((finished, false));
                    }
                    filter.after = Some((last.created_at, last.id));
                }
                _ => return Ok((finished, true)),
            }
        }
    }

    /// Runs a failed or cancelled job again, for operators: a new job with
    /// the same type, input and owner in the same trace (the old one stays
    /// as the record of what happened).
    pub async fn retry_job(&self, actor: &Actor, id: JobId) -> Result<Job> {
        actor.require_operator()?;
        let job = self.engine.get_job(id).await?;
        if !matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) {
            return Err(Error::conflict(format!(
                "job {id} is {}: only failed or cancelled jobs can be retried",
                job.status.as_str()
            )));
        }
        let options = EnqueueOptions {
            trigger: crate::domain::Trigger::Retry,
            user_id: job.user_id,
            trace_id: Some(job.trace_id),
            parent_job_id: job.parent_job_id,
            ..Default::default()
        };
        self.engine
            .enqueue(&job.job_type, job.payload, options)
            .await
    }

    /// Every account, for operators.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>> {
        actor.require_operator()?;
        self.domain.list_users().await
    }
}
