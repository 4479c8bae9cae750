//! Retry policy: how many times and how long to wait between attempts.

use std::hash::{BuildHasher, Hash, Hasher};
use std::time::Duration;

use uuid::Uuid;

/// Exponential backoff with jitter and a retry budget.
///
/// The n-th retry (1-based) waits `initial_delay * multiplier^(n-1)`, capped at
/// `max_delay`, then scaled by a jitter factor in `[1 - jitter, 1 + jitter]` (and capped
/// again). The jitter is derived from the job id and retry number, so one job's delays
/// are reproducible while many jobs failing together spread out instead of retrying in
/// lockstep.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Delay before the first retry.
    pub initial_delay: Duration,
    /// Upper bound of any delay.
    pub max_delay: Duration,
    /// Growth factor per retry (at least 1).
    pub multiplier: f64,
    /// Relative jitter in `0..=1`.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    /// 3 retries: about 2 s, 4 s and 8 s, with ±20% jitter, capped at 5 minutes.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(300),
            multiplier: 2.0,
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the retry budget.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first delay.
    pub fn with_initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Sets the delay cap.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets the growth factor (values below 1 are treated as 1).
    pub fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier.max(1.0);
        self
    }

    /// Sets the relative jitter (clamped to `0..=1`).
    pub fn with_jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter.clamp(0.0, 1.0);
        self
    }

    /// The un-jittered delay before retry `retry` (1-based).
    pub fn base_delay(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(64) as i32;
        let secs = self.initial_delay.as_secs_f64() * self.multiplier.max(1.0).powi(exponent);
        Duration::from_secs_f64(secs.min(self.max_delay.as_secs_f64()))
    }

    /// The delay before retry `retry` (1-based) of job `job_id`, jitter applied.
    pub fn delay(&self, retry: u32, job_id: Uuid) -> Duration {
        let base = self.base_delay(retry).as_secs_f64();
        let factor = 1.0 + self.jitter.clamp(0.0, 1.0) * (2.0 * unit_noise(job_id, retry) - 1.0);
        Duration::from_secs_f64((base * factor).min(self.max_delay.as_secs_f64()))
    }
}

/// A number in `[0, 1)` that depends only on the job and retry.
pub(super) fn unit_noise(job_id: Uuid, retry: u32) -> f64 {
    // A fixed-key hasher keeps the value stable across processes and runs.
    let mut hasher =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    job_id.hash(&mut hasher);
    retry.hash(&mut hasher);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_and_cap() {
        let p = RetryPolicy::default()
            .with_initial_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(10))
            .with_jitter(0.0);
        let id = Uuid::nil();
        let secs: Vec<u64> = (1..=6).map(|n| p.delay(n, id).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn jitter_stays_in_bounds_and_spreads() {
        let p = RetryPolicy::default().with_initial_delay(Duration::from_secs(10));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let d = p.delay(1, Uuid::new_v4()).as_secs_f64();
            assert!((8.0..=12.0).contains(&d), "{d}");
            seen.insert((d * 1000.0) as u64);
        }
        assert!(seen.len() > 100, "jitter does not spread: {}", seen.len());
        let id = Uuid::new_v4();
        assert_eq!(p.delay(2, id), p.delay(2, id));
    }
}
