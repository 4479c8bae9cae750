//! How far ahead of its worker slots a process claims jobs.
//!
//! Claiming ahead (prefetch) hides the claim round trip: while one batch runs, the
//! next is claimed. That pays for short jobs only. A job claimed ahead waits in this
//! process until a slot frees, and for long jobs (an LLM call takes seconds) that is
//! work another idle process could have run. So the depth follows the observed run
//! time: a process holds ahead only as many jobs as its slots would start within
//! [`HORIZON`], up to `prefetch` (the full depth until a first job has finished).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// How much queued work a process may hold ahead of its slots, in time.
pub(super) const HORIZON: Duration = Duration::from_millis(50);

/// The observed run time of one process's workflows and the claim depth it allows.
#[derive(Debug)]
pub(super) struct Pace {
    slots: usize,
    prefetch: usize,
    /// Moving average of workflow run times in microseconds; 0 until one finishes.
    average_micros: AtomicU64,
    /// Woken whenever a job gives its claim back.
    released: Notify,
}

impl Pace {
    pub(super) fn new(slots: usize, prefetch: usize) -> Self {
        Pace {
            slots,
            prefetch,
            average_micros: AtomicU64::new(0),
            released: Notify::new(),
        }
    }

    /// Records how long one workflow ran (without its wait for a slot).
    pub(super) fn record(&self, ran: Duration) {
        let sample = u64::try_from(ran.as_micros()).unwrap_or(u64::MAX).max(1);
        // Racing updates may drop a sample; an average does not need them all.
        let old = self.average_micros.load(Ordering::Relaxed);
        let new = if old == 0 {
            sample
        } else {
            // Weight 1/8: a few jobs move it, one outlier does not.
            old - old / 8 + sample / 8
        };
        self.average_micros.store(new.max(1), Ordering::Relaxed);
    }

    /// Says a job gave its claim back: waiting fetchers look again.
    pub(super) fn release(&self) {
        self.released.notify_waiters();
    }

    /// Jobs this process may hold claimed now: its slots plus the jobs they would
    /// start within [`HORIZON`] at the observed run time (at most `prefetch`).
    pub(super) fn claim_limit(&self) -> usize {
        let average = self.average_micros.load(Ordering::Relaxed);
        if average == 0 {
            return self.slots + self.prefetch;
        }
        let within_horizon = self.slots as u128 * HORIZON.as_micros() / u128::from(average);
        self.slots
            + self
                .prefetch
                .min(usize::try_from(within_horizon).unwrap_or(usize::MAX))
    }

    /// Waits until fewer than [`claim_limit`](Self::claim_limit) claims are in use
    /// (as `in_use` reports); looks again on every release, and every `poll` in case
    /// a release raced the look.
    pub(super) async fn room(&self, in_use: impl Fn() -> usize, poll: Duration) {
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if in_use() < self.claim_limit() {
                return;
            }
            tokio::select! {
                _ = released => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_depth_until_a_job_finished_then_what_fits_the_horizon() {
        let pace = Pace::new(2, 64);
        assert_eq!(pace.claim_limit(), 66);
        pace.record(Duration::from_micros(50));
        assert_eq!(pace.claim_limit(), 66, "short jobs keep the full depth");
        let slow = Pace::new(2, 64);
        slow.record(Duration::from_secs(2));
        assert_eq!(slow.claim_limit(), 2, "2 s jobs: nothing claimed ahead");
        let medium = Pace::new(2, 64);
        medium.record(Duration::from_millis(20));
        assert_eq!(
            medium.claim_limit(),
            2 + 5,
            "2 slots start 5 jobs of 20 ms in 50 ms"
        );
    }

    #[test]
    fn the_average_follows_a_change_of_pace() {
        let pace = Pace::new(1, 32);
        pace.record(Duration::from_secs(1));
        assert_eq!(pace.claim_limit(), 1);
        for _ in 0..60 {
            pace.record(Duration::from_micros(100));
        }
        assert_eq!(pace.claim_limit(), 33);
    }

    #[tokio::test]
    async fn room_waits_for_a_released_claim() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicUsize;
        let pace = Arc::new(Pace::new(1, 0));
        let in_use = Arc::new(AtomicUsize::new(1));
        let waiter = {
            let (pace, in_use) = (Arc::clone(&pace), Arc::clone(&in_use));
            tokio::spawn(async move {
                pace.room(|| in_use.load(Ordering::SeqCst), Duration::from_millis(5))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiter.is_finished(),
            "no room: the one slot's claim is in use, however often it polls"
        );
        in_use.store(0, Ordering::SeqCst);
        pace.release();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("a release wakes the waiter")
            .unwrap();
    }
}
