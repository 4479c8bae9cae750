//! What operators do beyond looking: the last hour's outcomes slice by slice
//! (the dashboard's chart), dead letters run again or purged, the list of
//! users.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{Actor, App};
use crate::domain::{Job, JobId, JobStatus, User};
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

    /// Runs a failed or cancelled job again, for operators: the same job,
    /// back in the queue with its retries counted from zero.
    pub async fn retry_job(&self, actor: &Actor, id: JobId) -> Result<Job> {
        actor.require_operator()?;
        self.engine.retry_job(id).await
    }

    /// Deletes every failed job (of one type when given) and its events, for
    /// operators; returns how many.
    pub async fn purge_dead_jobs(&self, actor: &Actor, job_type: Option<&str>) -> Result<usize> {
        actor.require_operator()?;
        self.engine.purge_failed(job_type).await
    }

    /// Every account, for operators.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>> {
        actor.require_operator()?;
        self.domain.list_users().await
    }
}
