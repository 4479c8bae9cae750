//! Jobs as people and operators see them: enqueueing a use case's job under an
//! idempotency key, listing, detail, the event timeline, cancelling.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{Actor, App, Page, PageRequest, visible};
use crate::domain::{Event, Job, JobId, JobStatus, UserId};
use crate::ports::{JobFilter, ListEventsOptions};
use crate::{EnqueueOptions, Error, Result};

/// Longest accepted idempotency key, in characters.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;
/// The most events one timeline page holds.
pub const MAX_EVENT_PAGE: usize = 1000;

/// A job a use case enqueued: the job, and whether this call created it (`false`
/// when an idempotency key returned an earlier one).
#[derive(Debug, Clone, PartialEq)]
pub struct Enqueued {
    /// The job.
    pub job: Job,
    /// Whether this call created it.
    pub created: bool,
}

impl Enqueued {
    /// What to tell the caller.
    pub fn message(&self) -> &'static str {
        if self.created {
            "Job enqueued"
        } else {
            "Job already enqueued with this Idempotency-Key"
        }
    }
}

/// Which jobs to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobQuery {
    /// Only this status.
    pub status: Option<JobStatus>,
    /// Only this type.
    pub job_type: Option<String>,
    /// Only this named queue.
    pub queue: Option<String>,
    /// Whose jobs: the caller's own when absent (staff may name anyone; in the
    /// operator listing, absent means everyone's).
    pub user_id: Option<UserId>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    /// The page.
    pub page: PageRequest,
}

/// Which events of a timeline to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only events after this id.
    pub after_id: Option<i64>,
    /// 1 to [`MAX_EVENT_PAGE`]; all of them up to that when absent.
    pub limit: Option<usize>,
}

/// A page of a job's timeline, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventPage {
    /// The job.
    pub job_id: JobId,
    /// The events.
    pub results: Vec<Event>,
    /// The `after_id` of the next page, when this one is full.
    pub next_after_id: Option<i64>,
}

impl App {
    /// Enqueues `job_type` for `for_user` on behalf of `actor`.
    ///
    /// An idempotency key makes retries safe: it is scoped to the actor (or, for
    /// the system, to the user it acts for), the same key returns the same job,
    /// and reusing a key for a different request is a conflict.
    pub async fn enqueue_for(
        &self,
        actor: &Actor,
        for_user: UserId,
        job_type: &str,
        payload: Value,
        idempotency_key: Option<&str>,
    ) -> Result<Enqueued> {
        let scope = actor.id().unwrap_or(for_user);
        let options = EnqueueOptions {
            user_id: Some(for_user),
            idempotency_key: idempotency_key
                .map(|key| scoped_key(scope, key))
                .transpose()?,
            ..Default::default()
        };
        let inserted = self
            .engine
            .enqueue_detailed(job_type, payload.clone(), options)
            .await?;
        let job = inserted.job;
        if !inserted.created && (job.job_type != job_type || job.payload != payload) {
            return Err(Error::conflict(format!(
                "Idempotency-Key was already used for a different request (job {})",
                job.id
            )));
        }
        Ok(Enqueued {
            job,
            created: inserted.created,
        })
    }

    /// The actor's jobs (or, for staff, the named user's), newest first.
    pub async fn list_jobs(&self, actor: &Actor, query: JobQuery) -> Result<Page<Job>> {
        let owner = actor.acting_for(query.user_id)?;
        self.job_page(Some(owner), query).await
    }

    /// Every user's jobs, for operators, newest first; `user_id` narrows it.
    pub async fn list_all_jobs(&self, actor: &Actor, query: JobQuery) -> Result<Page<Job>> {
        actor.require_operator()?;
        self.job_page(query.user_id, query).await
    }

    async fn job_page(&self, owner: Option<UserId>, query: JobQuery) -> Result<Page<Job>> {
        let limit = query.page.size()?;
        let after = query.page.position(|c| {
            let (t, id) = c.split_once('|')?;
            Some((
                DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc),
                id.parse::<JobId>().ok()?,
            ))
        })?;
        let filter = JobFilter {
            status: query.status,
            job_type: query.job_type,
            queue: query.queue,
            concurrency_key: None,
            user_id: owner,
            parent_job_id: None,
            created_from: query.created_from,
            created_to: query.created_to,
            after,
            limit: limit + 1,
        };
        let jobs = self.engine.list_jobs(&filter).await?;
        Ok(Page::from_overfetch(jobs, limit, |j| {
            format!("{}|{}", j.created_at.to_rfc3339(), j.id)
        }))
    }

    /// A job the actor may see.
    pub async fn job(&self, actor: &Actor, id: JobId) -> Result<Job> {
        let found = self.engine.get_job(id).await;
        visible(actor, found, |j| j.user_id, "job", id)
    }

    /// How far a job the actor may see has come (its latest progress event).
    pub async fn job_progress(
        &self,
        actor: &Actor,
        id: JobId,
    ) -> Result<Option<crate::engine::JobProgress>> {
        self.job(actor, id).await?;
        self.engine.job_progress(id).await
    }

    /// A job's timeline, oldest first. Only operators see the detail of errors.
    pub async fn job_events(
        &self,
        actor: &Actor,
        id: JobId,
        query: EventQuery,
    ) -> Result<EventPage> {
        self.job(actor, id).await?;
        let limit = match query.limit {
            None => MAX_EVENT_PAGE,
            Some(n) if (1..=MAX_EVENT_PAGE).contains(&n) => n,
            Some(n) => {
                return Err(Error::invalid_input(format!(
                    "limit: must be an integer from 1 to {MAX_EVENT_PAGE}, got '{n}'"
                )));
            }
        };
        let options = ListEventsOptions {
            after_id: query.after_id,
            limit,
        };
        let mut events = self.engine.job_events(id, &options).await?;
        if !actor.is_operator() {
            events = events.into_iter().map(Event::for_owner).collect();
        }
        let next_after_id = (events.len() == limit)
            .then(|| events.last().map(|e| e.id))
            .flatten();
        Ok(EventPage {
            job_id: id,
            results: events,
            next_after_id,
        })
    }

    /// Cancels a job the actor may see: a queued job is cancelled, a running one
    /// is asked to stop; a finished one is a conflict.
    pub async fn cancel_job(&self, actor: &Actor, id: JobId) -> Result<Job> {
        self.job(actor, id).await?;
        self.engine.cancel(id).await
    }
}

/// An idempotency key as stored: trimmed, checked, prefixed with its owner so
/// two users' keys never meet.
fn scoped_key(owner: UserId, key: &str) -> Result<String> {
    let key = key.trim();
    // What an HTTP header value may hold: visible ASCII, spaces and tabs.
    let printable = key
        .chars()
        .all(|c| c.is_ascii_graphic() || c == ' ' || c == '\t');
    if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY || !printable {
        return Err(Error::invalid_input(format!(
            "Idempotency-Key: must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
        )));
    }
    Ok(format!("user:{owner}:{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_scoped_to_their_owner_and_checked() {
        assert_eq!(scoped_key(7, " abc ").unwrap(), "user:7:abc");
        assert_eq!(scoped_key(7, "a\tb").unwrap(), "user:7:a\tb");
        for bad in ["", "   ", "\t", "new\nline", "é", &"k".repeat(201)] {
            assert!(scoped_key(7, bad).is_err(), "{bad:?}");
        }
    }
}
