//! In-memory [`Queue`]: messages for later in a min-heap by (available_at, push
//! sequence), due ones in a min-heap by ([`claim_order`], push sequence), and a
//! `Notify`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use afterresume_core::Result;
use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::domain::{JobId, claim_order};
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

/// A message: its sort time, push sequence, job and priority.
type Item = (DateTime<Utc>, u64, JobId, i16);

#[derive(Debug, Default)]
struct Heap {
    /// Not yet due, by `available_at`.
    delayed: BinaryHeap<Reverse<Item>>,
    /// Due, by claim order.
    ready: BinaryHeap<Reverse<Item>>,
    seq: u64,
}

impl Heap {
    fn len(&self) -> usize {
        self.delayed.len() + self.ready.len()
    }

    /// Moves the messages that came due at `now` to `ready`.
    fn promote(&mut self, now: DateTime<Utc>) {
        while let Some(Reverse((at, _, _, _))) = self.delayed.peek()
            && *at <= now
        {
            let Reverse((at, seq, id, priority)) = self.delayed.pop().expect("peeked");
            self.ready
                .push(Reverse((claim_order(at, priority), seq, id, priority)));
        }
    }
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
        heap.promote(now);
        let mut out = Vec::new();
        while out.len() < max {
            let Some(Reverse((_, _, job_id, _))) = heap.ready.pop() else {
                break;
            };
            out.push(Delivery {
                job_id,
                receipt: String::new(),
            });
        }
        let next_due = match heap.delayed.peek() {
            Some(Reverse((at, _, _, _))) if out.is_empty() => {
                Some((*at - now).to_std().unwrap_or_default())
            }
            _ => None,
        };
        (out, next_due)
    }
}

#[async_trait]
impl Queue for MemoryQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, false)
    }

    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        {
            let now = self.clock.now();
            let mut heap = self.lock();
            for message in messages {
                heap.seq += 1;
                let seq = heap.seq;
                let (at, id, priority) = (message.available_at, message.job_id, message.priority);
                // A due message goes straight to `ready`: most are due when
                // pushed, and a pass through `delayed` doubles their heap work.
                if at <= now {
                    heap.ready
                        .push(Reverse((claim_order(at, priority), seq, id, priority)));
                } else {
                    heap.delayed.push(Reverse((at, seq, id, priority)));
                }
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
                if self.lock().len() > 0 {
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
        let mut heap = self.lock();
        heap.promote(now);
        Ok(QueueDepth {
            ready: heap.ready.len() as u64,
            delayed: heap.delayed.len() as u64,
        })
    }
}
