//! The "job queued" event: the first of every job's timeline, whose every field
//! follows from the job's row (so a store may keep it there).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{EventLevel, EventSource, Job, JobId, NewEvent, NewJob, Trigger};

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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

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
