use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::JobId;

super::string_enum! {
    /// Severity of an event.
    EventLevel {
        /// Detail.
        Debug => "debug",
        /// Normal progress.
        Info => "info",
        /// Something odd that did not stop the job.
        Warning => "warning",
        /// A failure.
        Error => "error",
    }
}

super::string_enum! {
    /// Which layer wrote an event.
    EventSource {
        /// Infrastructure: store, queue, scheduler, reaper.
        System => "system",
        /// Job lifecycle in a worker.
        Worker => "worker",
        /// Workflow step boundaries.
        Workflow => "workflow",
        /// Agent invocations.
        Agent => "agent",
        /// LLM calls.
        Llm => "llm",
    }
}

/// One entry of a job's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Sequence number, increasing in append order across the sink.
    pub id: i64,
    /// The job.
    pub job_id: JobId,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Level.
    pub level: EventLevel,
    /// Source.
    pub source: EventSource,
    /// Human-readable message.
    pub message: String,
    /// Structured data (an object).
    pub data: Value,
    /// Trace id of the job tree.
    pub trace_id: Uuid,
}

/// Key of an event's data that only operators see: the full text of an error
/// (a driver's message, a query, a host), beside the public `error`.
pub const OPERATOR_DETAIL_KEY: &str = "detail";

impl Event {
    /// The event as the owner of its job sees it: without operator detail.
    pub fn for_owner(mut self) -> Event {
        if let Some(data) = self.data.as_object_mut() {
            data.remove(OPERATOR_DETAIL_KEY);
        }
        self
    }

    /// `event` as stored, under the id its sink gave it.
    pub fn of(id: i64, event: NewEvent) -> Event {
        let NewEvent {
            job_id,
            timestamp,
            level,
            source,
            message,
            data,
            trace_id,
        } = event;
        Event {
            id,
            job_id,
            timestamp,
            level,
            source,
            message,
            data,
            trace_id,
        }
    }
}

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The job.
    pub job_id: JobId,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Level.
    pub level: EventLevel,
    /// Source.
    pub source: EventSource,
    /// Message.
    pub message: String,
    /// Data (an object; `{}` when there is none).
    pub data: Value,
    /// Trace id.
    pub trace_id: Uuid,
}
