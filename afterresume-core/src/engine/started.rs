//! The "job started" events of a claimed batch, written while the jobs run.

use std::fmt;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

use super::events::EventRecorder;
use crate::domain::NewEvent;

/// A batch's "job started" append, in flight. The jobs start at once; whatever else
/// a job writes to its timeline (its steps, its outcome) waits for this write first,
/// so the timeline keeps its order without the claim round trip growing by an
/// event write.
#[derive(Clone)]
pub(crate) struct StartedWrite(Option<Shared<BoxFuture<'static, ()>>>);

impl StartedWrite {
    /// Nothing to wait for (the events were written already).
    pub(crate) fn written() -> Self {
        StartedWrite(None)
    }

    /// Starts the append in its own task.
    pub(crate) fn spawn(recorder: EventRecorder, events: Vec<NewEvent>) -> Self {
        let append = tokio::spawn(async move { recorder.lifecycle_many(events).await });
        StartedWrite(Some(
            async move {
                // A failed append is logged by `lifecycle_many`; a panicked task
                // leaves nothing to wait for either.
                let _ = append.await;
            }
            .boxed()
            .shared(),
        ))
    }

    /// Waits until the append has finished (at once if it has).
    pub(crate) async fn wait(&self) {
        if let Some(append) = &self.0 {
            append.clone().await;
        }
    }
}

impl fmt::Debug for StartedWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.0 {
            None => "written",
            Some(append) if append.peek().is_some() => "written",
            Some(_) => "in flight",
        };
        f.debug_tuple("StartedWrite").field(&state).finish()
    }
}
