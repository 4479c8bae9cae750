//! In-memory [`Queue`]: a min-heap by (available_at, push sequence) and a `Notify`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use afterresume_core::Result;
use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::domain::JobId;
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;

/// A queue inside one process. Forgets on pop (ack is a no-op): the job store is the
/// truth, and the engine's store polling covers anything lost with the process.
#[derive(Debug)]
pub struct MemoryQueue {
    heap: Mutex<Heap>,
    notify: Notify,
    clock: SharedClock,
}

#[derive(Debug, Default)]
struct Heap {
    items: BinaryHeap<Reverse<(DateTime<Utc>, u64, JobId)>>,
    seq: u64,
}

impl Default for MemoryQueue {
    fn default() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }
}

impl MemoryQueue {
    /// An empty queue on the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty queue on the given clock (use the engine's clock).
    pub fn with_clock(clock: SharedClock) -> Self {
        MemoryQueue {
            heap: Mutex::new(Heap::default()),
            notify: Notify::new(),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Heap> {
        self.heap.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes due messages, or says how long until the next one is due.
    fn take_due(&self, max: usize) -> (Vec<Delivery>, Option<Duration>) {
        let now = self.clock.now();
        let mut heap = self.lock();
        let mut out = Vec::new();
        while out.len() < max {
            match heap.items.peek() {
                Some(Reverse((at, _, _))) if *at <= now => {
                    let Reverse((_, _, job_id)) = heap.items.pop().expect("peeked");
                    out.push(Delivery {
                        job_id,
                        receipt: String::new(),
                    });
                }
                Some(Reverse((at, _, _))) => {
                    let wait = (*at - now).to_std().unwrap_or_default();
                    return (out, Some(wait));
                }
                None => break,
            }
        }
        (out, None)
    }
}

#[async_trait]
impl Queue for MemoryQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, false)
    }

    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        {
            let mut heap = self.lock();
            for message in messages {
                heap.seq += 1;
                let seq = heap.seq;
                heap.items
                    .push(Reverse((message.available_at, seq, message.job_id)));
            }
        }
        for _ in messages {
            self.notify.notify_one();
        }
        Ok(())
    }

    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>> {
        let deadline = tokio::time::Instant::now() + opts.wait;
        loop {
            // Register interest before looking, so a push between the look and the
            // wait is not missed.
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (taken, next_due) = self.take_due(opts.max.max(1));
            if !taken.is_empty() {
                if !self.lock().items.is_empty() {
                    // Pass the wakeup on: there may be more for another waiter.
                    self.notify.notify_one();
                }
                return Ok(taken);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            let mut until = deadline;
            if let Some(wait) = next_due {
                until = until.min(now + wait.max(Duration::from_millis(1)));
            }
            let _ = tokio::time::timeout_at(until, notified).await;
        }
    }

    async fn ack(&self, _deliveries: &[Delivery]) -> Result<()> {
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth> {
        let now = self.clock.now();
        let heap = self.lock();
        let ready = heap
            .items
            .iter()
            .filter(|Reverse((at, _, _))| *at <= now)
            .count() as u64;
        Ok(QueueDepth {
            ready,
            delayed: heap.items.len() as u64 - ready,
        })
    }
}
