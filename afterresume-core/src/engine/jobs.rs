//! Enqueueing, reading, waiting for and cancelling jobs.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Engine;
use crate::domain::{Event, EventLevel, EventSource, Job, JobId, NewJob, Trigger, UserId};
use crate::domain::{NewEvent, storable};
use crate::ports::{CancelOutcome, InsertedJob, JobFilter, ListEventsOptions, QueueMessage};
use crate::{Error, ErrorKind, Result};

/// The longest accepted idempotency key.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// How to enqueue a job. The default is an API-triggered job that may run at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnqueueOptions {
    /// Why the job exists (`api` by default).
    pub trigger: Trigger,
    /// The user the job works for.
    pub user_id: Option<UserId>,
    /// At most one job per key: a repeat returns the existing job.
    pub idempotency_key: Option<String>,
    /// Not before this time.
    pub run_at: Option<DateTime<Utc>>,
    /// Not before now plus this delay (ignored when `run_at` is set).
    pub delay: Option<Duration>,
    /// Parent job (chaining).
    pub parent_job_id: Option<JobId>,
    /// Trace id; a new one when absent.
    pub trace_id: Option<Uuid>,
    /// Overrides the type's retry budget.
    pub max_retries: Option<u32>,
}

// The enum comes from `string_enum!`, which cannot mark a default variant.
#[allow(clippy::derivable_impls)]
impl Default for Trigger {
    fn default() -> Self {
        Trigger::Api
    }
}

impl EnqueueOptions {
    /// Sets the user.
    pub fn with_user(mut self, user_id: UserId) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// Sets the idempotency key.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the trigger.
    pub fn with_trigger(mut self, trigger: Trigger) -> Self {
        self.trigger = trigger;
        self
    }

    /// Delays the job.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sets the earliest run time.
    pub fn with_run_at(mut self, run_at: DateTime<Utc>) -> Self {
        self.run_at = Some(run_at);
        self
    }
}

/// One job of a bulk [`Engine::enqueue_many`].
#[derive(Debug, Clone, PartialEq)]
pub struct EnqueueRequest {
    /// The registered job type.
    pub job_type: String,
    /// A JSON object.
    pub payload: Value,
    /// Options, as for [`Engine::enqueue`].
    pub options: EnqueueOptions,
}

impl EnqueueRequest {
    /// A request with default options.
    pub fn new(job_type: impl Into<String>, payload: Value) -> Self {
        EnqueueRequest {
            job_type: job_type.into(),
            payload,
            options: EnqueueOptions::default(),
        }
    }

    /// Sets the options.
    pub fn with_options(mut self, options: EnqueueOptions) -> Self {
        self.options = options;
        self
    }
}

/// The first event of every job's timeline. Hosts that write a job themselves (a
/// transactional enqueue) record this one too, so every timeline starts alike.
pub fn queued_event(job: &Job, now: DateTime<Utc>) -> NewEvent {
    QueuedFacts {
        id: job.id,
        trace_id: job.trace_id,
        job_type: &job.job_type,
        trigger: job.trigger,
        run_at: job.run_at,
        parent_job_id: job.parent_job_id,
        max_retries: job.max_retries,
        queued_at: now,
    }
    .event()
}

/// The message of every "job queued" event.
pub const QUEUED_MESSAGE: &str = "job queued";

/// What a "job queued" event says: the job as it was queued. The engine writes
/// [`QueuedFacts::of_new`]'s event first in the timeline of every job it creates.
///
/// Every field of that event follows from the new job's row, so a store that writes
/// events may keep it there instead of in an event row of its own (one row and one
/// index entry fewer per job) and rebuild it on reading with [`event`](Self::event):
/// [`is_event`](Self::is_event) tells when the rebuilt event is exactly the one given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueuedFacts<'a> {
    /// The job.
    pub id: JobId,
    /// Its trace.
    pub trace_id: Uuid,
    /// Its type.
    pub job_type: &'a str,
    /// Its trigger when queued (a retry changes the job's).
    pub trigger: Trigger,
    /// When it was due when queued (a retry changes the job's).
    pub run_at: DateTime<Utc>,
    /// The job that enqueued it.
    pub parent_job_id: Option<JobId>,
    /// Its retry budget.
    pub max_retries: u32,
    /// The event's timestamp: for a new job, its `created_at`.
    pub queued_at: DateTime<Utc>,
}

impl<'a> QueuedFacts<'a> {
    /// The facts of a job about to be stored, queued when it was created.
    pub fn of_new(job: &'a NewJob) -> Self {
        QueuedFacts {
            id: job.id,
            trace_id: job.trace_id,
            job_type: &job.job_type,
            trigger: job.trigger,
            run_at: job.run_at,
            parent_job_id: job.parent_job_id,
            max_retries: job.max_retries,
            queued_at: job.created_at,
        }
    }

    /// The "job queued" event.
    pub fn event(&self) -> NewEvent {
        NewEvent {
            job_id: self.id,
            timestamp: self.queued_at,
            level: EventLevel::Info,
            source: EventSource::System,
            message: QUEUED_MESSAGE.to_owned(),
            data: self.data(),
            trace_id: self.trace_id,
        }
    }

    /// Whether `event` is exactly [`event`](Self::event), compared field by field
    /// without building it (a store asks this of every job of a bulk insert).
    pub fn is_event(&self, event: &NewEvent) -> bool {
        event.job_id == self.id
            && event.timestamp == self.queued_at
            && event.level == EventLevel::Info
            && event.source == EventSource::System
            && event.message == QUEUED_MESSAGE
            && event.trace_id == self.trace_id
            && self.is_data(&event.data)
    }

    /// `{"type", "trigger", "run_at", "parent_job_id", "max_retries"}`, built field by
    /// field: every job writes one, and `json!` would format `run_at` through serde's
    /// `collect_str` (a growing `String`, then a copy of it) where one RFC 3339
    /// `String` of the same text does.
    fn data(&self) -> Value {
        let mut data = Map::new();
        data.insert("type".to_owned(), Value::from(self.job_type));
        data.insert("trigger".to_owned(), Value::from(self.trigger.as_str()));
        data.insert("run_at".to_owned(), Value::String(self.run_at_text()));
        data.insert(
            "parent_job_id".to_owned(),
            self.parent_job_id
                .map_or(Value::Null, |id| Value::String(id.to_string())),
        );
        data.insert("max_retries".to_owned(), Value::from(self.max_retries));
        Value::Object(data)
    }

    /// Whether `data` is exactly [`data`](Self::data).
    fn is_data(&self, data: &Value) -> bool {
        let Some(fields) = data.as_object() else {
            return false;
        };
        let parent_matches = match (fields.get("parent_job_id"), self.parent_job_id) {
            (Some(Value::Null), None) => true,
            (Some(Value::String(text)), Some(id)) => {
                *text == *id.hyphenated().encode_lower(&mut Uuid::encode_buffer())
            }
            _ => false,
        };
        fields.len() == 5
            && parent_matches
            && fields.get("type").and_then(Value::as_str) == Some(self.job_type)
            && fields.get("trigger").and_then(Value::as_str) == Some(self.trigger.as_str())
            && fields.get("max_retries") == Some(&Value::from(self.max_retries))
            && fields.get("run_at").and_then(Value::as_str) == Some(&self.run_at_text())
    }

    fn run_at_text(&self) -> String {
        self.run_at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl Engine {
    /// Enqueues a job: validates it, creates the `queued` record and its first event,
    /// then hands the id to the queue. With an idempotency key that already exists,
    /// returns the existing job and creates nothing.
    ///
    /// Unknown job types, a payload that is not a JSON object and malformed keys are
    /// [`ErrorKind::InvalidInput`] and change nothing.
    pub async fn enqueue(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
    ) -> Result<Job> {
        Ok(self.enqueue_detailed(job_type, payload, opts).await?.job)
    }

    /// Like [`enqueue`](Self::enqueue), also telling whether the job is new.
    pub async fn enqueue_detailed(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
    ) -> Result<InsertedJob> {
        let new_job = self.prepare_job(job_type, payload, opts)?;
        let mut inserted = self.store_and_announce(vec![new_job]).await?;
        inserted
            .pop()
            .ok_or_else(|| Error::unexpected("the job store returned no job"))
    }

    /// Enqueues many jobs with one store round trip, one event write and one queue
    /// push where the backends allow (bulk enqueue). Every request is validated first:
    /// one invalid request rejects the whole batch and nothing is stored. Results are
    /// in request order.
    pub async fn enqueue_many(&self, requests: Vec<EnqueueRequest>) -> Result<Vec<InsertedJob>> {
        let jobs = requests
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                self.prepare_job(&r.job_type, r.payload, r.options)
                    .map_err(|e| e.with_context("request", i))
            })
            .collect::<Result<Vec<_>>>()?;
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        self.store_and_announce(jobs).await
    }

    /// Validates a request and turns it into the job record the store will hold,
    /// without storing anything. Hosts that write the job themselves (a transactional
    /// enqueue next to a domain write) start here.
    ///
    /// Unknown job types, a payload that is not a JSON object and malformed keys are
    /// [`ErrorKind::InvalidInput`].
    pub fn prepare_job(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
    ) -> Result<NewJob> {
        let registration = self.inner.registry.require(job_type)?;
        if !payload.is_object() {
            return Err(Error::invalid_input("payload: must be a JSON object"));
        }
        storable::check_json("payload", &payload)?;
        registration.workflow.validate(&payload)?;
        if let Some(key) = &opts.idempotency_key {
            if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
                return Err(Error::invalid_input(
                    "idempotency_key: must be 1 to 255 bytes",
                ));
            }
            storable::check_text("idempotency_key", key)?;
        }
        let now = self.now();
        let run_at = match (opts.run_at, opts.delay) {
            (Some(at), _) => at,
            (None, Some(delay)) => now + to_delta(delay)?,
            (None, None) => now,
        };
        Ok(NewJob {
            id: Uuid::now_v7(),
            job_type: job_type.to_owned(),
            trigger: opts.trigger,
            payload,
            max_retries: opts
                .max_retries
                .unwrap_or(registration.options.retry.max_retries),
            idempotency_key: opts.idempotency_key,
            parent_job_id: opts.parent_job_id,
            user_id: opts.user_id,
            trace_id: opts.trace_id.unwrap_or_else(Uuid::new_v4),
            run_at,
            created_at: now,
        })
    }

    /// Stores new jobs with their "job queued" events, then publishes the jobs it
    /// created. A job's timeline must start with "job queued" even when a worker
    /// polling the store claims it the moment it exists, so the event is written in
    /// the job's own transaction (a store that writes events), or before the job
    /// (when every job will be created), or else right after.
    ///
    /// Every "job queued" event carries the job's `created_at` as its timestamp.
    async fn store_and_announce(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        let store = &self.inner.store;
        let inserted = if self.inner.store_writes_events {
            let inserted = store.insert_queued_jobs(jobs).await?;
            // The events exist only in the store: build them for `tracing` only when
            // someone listens.
            if self.recorder().traces_info() {
                let written = inserted
                    .iter()
                    .filter(|i| i.created)
                    .map(|i| queued_event(&i.job, i.job.created_at))
                    .collect::<Vec<_>>();
                self.recorder().trace_many(&written);
            }
            inserted
        } else if jobs.iter().all(|j| j.idempotency_key.is_none()) {
            let events = jobs
                .iter()
                .map(|j| QueuedFacts::of_new(j).event())
                .collect();
            self.recorder().lifecycle_many(events).await;
            insert_all(store, jobs).await?
        } else {
            let inserted = insert_all(store, jobs).await?;
            let events = inserted
                .iter()
                .filter(|i| i.created)
                .map(|i| queued_event(&i.job, i.job.created_at))
                .collect::<Vec<_>>();
            if !events.is_empty() {
                self.recorder().lifecycle_many(events).await;
            }
            inserted
        };
        let messages = inserted
            .iter()
            .filter(|i| i.created)
            .map(|i| QueueMessage {
                job_id: i.job.id,
                available_at: i.job.run_at,
            })
            .collect::<Vec<_>>();
        if !messages.is_empty() {
            self.publish_many(&messages).await;
        }
        Ok(inserted)
    }

    /// Hands job ids to the queue. A failed push is logged, not returned: the jobs are
    /// safely `queued` in the store and idle workers poll the store for them.
    pub(crate) async fn publish_many(&self, messages: &[QueueMessage]) {
        if let Err(err) = self.inner.queue.push(messages).await {
            tracing::warn!(jobs = messages.len(), error = %err, "queue push failed; the jobs will be picked up by store polling");
        }
    }

    /// Hands one job id to the queue (see [`publish_many`](Self::publish_many)).
    pub(crate) async fn publish(&self, job_id: JobId, available_at: DateTime<Utc>) {
        self.publish_many(&[QueueMessage {
            job_id,
            available_at,
        }])
        .await
    }

    /// One job.
    pub async fn get_job(&self, id: JobId) -> Result<Job> {
        self.inner.store.get_job(id).await
    }

    /// Jobs matching a filter, newest first.
    pub async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        self.inner.store.list_jobs(filter).await
    }

    /// A job's event timeline in order.
    pub async fn job_events(&self, id: JobId, opts: &ListEventsOptions) -> Result<Vec<Event>> {
        self.inner.store.get_job(id).await?;
        self.event_sink().list(id, opts).await
    }

    /// Cancels a job: a queued job ends `cancelled` at once; a running job is asked to
    /// stop (its workflow sees the cancellation) and ends `cancelled` when it does.
    /// A finished job is [`ErrorKind::Conflict`].
    pub async fn cancel(&self, id: JobId) -> Result<Job> {
        let outcome = self.inner.store.cancel_job(id, self.now()).await?;
        let job = outcome.job().clone();
        match outcome {
            CancelOutcome::Cancelled(_) => {
                self.recorder()
                    .lifecycle(
                        job.id,
                        job.trace_id,
                        EventLevel::Info,
                        EventSource::System,
                        "job cancelled",
                        json!({ "while": "queued" }),
                    )
                    .await;
            }
            CancelOutcome::Requested(_) => {
                // Record the request before waking the workflow, so the timeline shows
                // it before the worker's "job cancelled".
                self.recorder()
                    .lifecycle(
                        job.id,
                        job.trace_id,
                        EventLevel::Info,
                        EventSource::System,
                        "cancellation requested",
                        json!({ "while": "running" }),
                    )
                    .await;
                let local = self.running().get(&id).cloned();
                if let Some(token) = local {
                    token.cancel();
                }
            }
        }
        Ok(job)
    }

    /// Waits until a job is finished (polling the store) and returns it. Gives
    /// [`ErrorKind::Unexpected`] with the job's status if `timeout` passes first.
    pub async fn wait_for(&self, id: JobId, timeout: Duration) -> Result<Job> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut pause = Duration::from_millis(2);
        loop {
            let job = self.inner.store.get_job(id).await?;
            if job.status.is_finished() {
                return Ok(job);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::new(
                    ErrorKind::Unexpected,
                    format!(
                        "timed out after {timeout:?} waiting for job {id} (status {})",
                        job.status
                    ),
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

pub(crate) fn to_delta(d: Duration) -> Result<chrono::TimeDelta> {
    chrono::TimeDelta::from_std(d)
        .map_err(|_| Error::invalid_input(format!("duration {d:?} is too large")))
}

/// One job through `insert_job` (the store's cheapest path), many in one call.
async fn insert_all(
    store: &crate::ports::SharedJobStore,
    mut jobs: Vec<NewJob>,
) -> Result<Vec<InsertedJob>> {
    if jobs.len() == 1
        && let Some(job) = jobs.pop()
    {
        return Ok(vec![store.insert_job(job).await?]);
    }
    store.insert_jobs(jobs).await
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn facts(run_at: DateTime<Utc>, parent_job_id: Option<JobId>) -> QueuedFacts<'static> {
        QueuedFacts {
            id: Uuid::now_v7(),
            trace_id: Uuid::new_v4(),
            job_type: "report.generate",
            trigger: Trigger::Schedule,
            run_at,
            parent_job_id,
            max_retries: 3,
            queued_at: run_at - chrono::Duration::seconds(5),
        }
    }

    fn cases() -> Vec<QueuedFacts<'static>> {
        let whole_second = Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap();
        let sub_second = whole_second + chrono::Duration::microseconds(123_456);
        vec![
            facts(whole_second, None),
            facts(sub_second, Some(Uuid::now_v7())),
        ]
    }

    /// The hand-built data says exactly what serde says of the same facts, so
    /// timelines read the same as when `json!` built them.
    #[test]
    fn queued_event_data_is_what_serde_makes_of_the_facts() {
        for facts in cases() {
            let expected = json!({
                "type": facts.job_type,
                "trigger": facts.trigger,
                "run_at": facts.run_at,
                "parent_job_id": facts.parent_job_id,
                "max_retries": facts.max_retries,
            });
            assert_eq!(facts.data(), expected);
        }
    }

    /// `is_event` accepts the event the facts make and nothing that differs from it
    /// in any field: a store that keeps only the facts must give back the same event.
    #[test]
    fn is_event_accepts_exactly_the_event_of_the_facts() {
        for facts in cases() {
            let event = facts.event();
            assert!(facts.is_event(&event));
            let changes: [fn(&mut NewEvent); 16] = [
                |e| e.job_id = Uuid::now_v7(),
                |e| e.timestamp += chrono::Duration::microseconds(1),
                |e| e.level = EventLevel::Warning,
                |e| e.source = EventSource::Worker,
                |e| e.message = "job enqueued".to_owned(),
                |e| e.trace_id = Uuid::new_v4(),
                |e| e.data = json!({}),
                |e| e.data = Value::Null,
                |e| e.data["extra"] = json!(1),
                |e| e.data["type"] = json!("skills.extract"),
                |e| e.data["trigger"] = json!("api"),
                |e| e.data["run_at"] = json!("2026-12-04T09:30:00+00:00"),
                |e| e.data["parent_job_id"] = json!(Uuid::now_v7()),
                |e| e.data["max_retries"] = json!(3.0),
                |e| e.data["max_retries"] = json!("3"),
                |e| {
                    e.data["parent_job_id"] = match &e.data["parent_job_id"] {
                        Value::Null => json!(Uuid::nil()),
                        _ => Value::Null,
                    }
                },
            ];
            for (i, change) in changes.iter().enumerate() {
                let mut changed = event.clone();
                change(&mut changed);
                assert!(!facts.is_event(&changed), "change {i} was not noticed");
            }
        }
    }
}
