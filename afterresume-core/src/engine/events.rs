//! Writes lifecycle and step events to the [`EventSink`] and to `tracing` at once.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::Result;
use crate::clock::SharedClock;
use crate::domain::{EventLevel, EventSource, JobId, NewEvent};
use crate::ports::SharedEventSink;

/// Records events of jobs.
#[derive(Debug, Clone)]
pub(crate) struct EventRecorder {
    sink: SharedEventSink,
    clock: SharedClock,
}

impl EventRecorder {
    pub(crate) fn new(sink: SharedEventSink, clock: SharedClock) -> Self {
        EventRecorder { sink, clock }
    }

    pub(crate) fn sink(&self) -> &SharedEventSink {
        &self.sink
    }

    /// Writes one event; the `tracing` event is emitted even if the sink fails.
    pub(crate) async fn record(
        &self,
        job_id: JobId,
        trace_id: Uuid,
        level: EventLevel,
        source: EventSource,
        message: &str,
        data: Value,
    ) -> Result<()> {
        emit_tracing(job_id, trace_id, level, source, message, &data);
        let data = if data.is_object() {
            data
        } else {
            json!({ "value": data })
        };
        self.sink
            .append(vec![NewEvent {
                job_id,
                timestamp: self.clock.now(),
                level,
                source,
                message: message.to_owned(),
                data,
                trace_id,
            }])
            .await
    }

    /// Like [`record`](Self::record) for lifecycle events whose loss must not stop the
    /// lifecycle itself: a sink failure is logged, never returned.
    pub(crate) async fn lifecycle(
        &self,
        job_id: JobId,
        trace_id: Uuid,
        level: EventLevel,
        source: EventSource,
        message: &str,
        data: Value,
    ) {
        if let Err(err) = self
            .record(job_id, trace_id, level, source, message, data)
            .await
        {
            tracing::warn!(%job_id, error = %err, "could not write job event");
        }
    }
}

impl EventRecorder {
    /// Writes prepared lifecycle events in one sink call; like
    /// [`lifecycle`](Self::lifecycle), a sink failure is logged, never returned.
    pub(crate) async fn lifecycle_many(&self, events: Vec<NewEvent>) {
        self.trace_many(&events);
        let count = events.len();
        if let Err(err) = self.sink.append(events).await {
            tracing::warn!(events = count, error = %err, "could not write job events");
        }
    }
}

impl EventRecorder {
    /// Whether [`trace_many`](Self::trace_many) emits info events: asked before
    /// building events only to trace them (the target is this module's, as the
    /// events' own).
    pub(crate) fn traces_info(&self) -> bool {
        tracing::enabled!(tracing::Level::INFO)
    }

    /// Emits the `tracing` side of events that were stored by other means (a job
    /// store that writes events in its own transactions).
    pub(crate) fn trace_many<'a>(&self, events: impl IntoIterator<Item = &'a NewEvent>) {
        for e in events {
            emit_tracing(e.job_id, e.trace_id, e.level, e.source, &e.message, &e.data);
        }
    }
}

fn emit_tracing(
    job_id: JobId,
    trace_id: Uuid,
    level: EventLevel,
    source: EventSource,
    message: &str,
    data: &Value,
) {
    let source = source.as_str();
    match level {
        EventLevel::Debug => {
            tracing::debug!(%job_id, %trace_id, source, %data, "{message}")
        }
        EventLevel::Info => tracing::info!(%job_id, %trace_id, source, %data, "{message}"),
        EventLevel::Warning => {
            tracing::warn!(%job_id, %trace_id, source, %data, "{message}")
        }
        EventLevel::Error => {
            tracing::error!(%job_id, %trace_id, source, %data, "{message}")
        }
    }
}
