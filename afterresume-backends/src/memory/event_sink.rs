//! In-memory [`EventSink`].

use std::collections::HashMap;
use std::sync::Mutex;

use afterresume_core::Result;
use afterresume_core::domain::{Event, JobId, NewEvent};
use afterresume_core::ports::{EventSink, ListEventsOptions};
use async_trait::async_trait;

/// Event timelines in memory.
#[derive(Debug, Default)]
pub struct MemoryEventSink {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next_id: i64,
    by_job: HashMap<JobId, Vec<Event>>,
}

impl MemoryEventSink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl EventSink for MemoryEventSink {
    async fn append(&self, events: Vec<NewEvent>) -> Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for e in events {
            state.next_id += 1;
            let job_id = e.job_id;
            let event = Event::of(state.next_id, e);
            state.by_job.entry(job_id).or_default().push(event);
        }
        Ok(())
    }

    async fn list(&self, job_id: JobId, opts: &ListEventsOptions) -> Result<Vec<Event>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let after = opts.after_id.unwrap_or(i64::MIN);
        Ok(state
            .by_job
            .get(&job_id)
            .map(|events| {
                events
                    .iter()
                    .filter(|e| e.id > after)
                    .take(opts.effective_limit())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn delete_for_jobs(&self, job_ids: &[JobId]) -> Result<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        Ok(job_ids
            .iter()
            .filter_map(|id| state.by_job.remove(id))
            .map(|events| events.len() as u64)
            .sum())
    }
}
