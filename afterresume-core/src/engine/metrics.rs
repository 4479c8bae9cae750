//! Per-process job counters: attempts by type and outcome, and a run-time
//! histogram by type. Hosts export them (the HTTP host as Prometheus text). Fixed
//! buckets keep the memory constant however many jobs run.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds, in seconds, of the duration histogram's buckets.
pub const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

/// A cumulative histogram (Prometheus semantics: each bucket counts every
/// observation at or below its bound).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationHistogram {
    /// Observations at or below each of [`DURATION_BUCKETS`].
    pub buckets: [u64; DURATION_BUCKETS.len()],
    /// All observations.
    pub count: u64,
    /// Sum of the observations, in seconds.
    pub sum_seconds: f64,
}

impl DurationHistogram {
    /// Adds one observation.
    pub fn observe(&mut self, seconds: f64) {
        for (bound, slot) in DURATION_BUCKETS.iter().zip(self.buckets.iter_mut()) {
            if seconds <= *bound {
                *slot += 1;
            }
        }
        self.count += 1;
        self.sum_seconds += seconds;
    }
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineMetricsSnapshot {
    /// Finished attempts by (job type, outcome): `success`, `failed`, `retry`,
    /// `cancelled`, `released`.
    pub attempts: BTreeMap<(String, &'static str), u64>,
    /// Attempt run time by job type.
    pub durations: BTreeMap<String, DurationHistogram>,
}

/// The live counters (inside the engine; read with [`Engine::metrics`](crate::Engine::metrics)).
/// Keyed by job type alone so that counting an attempt of a known type looks the
/// type up by `&str` and allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct EngineMetrics {
    by_type: Mutex<BTreeMap<String, TypeCounters>>,
}

#[derive(Debug, Default)]
struct TypeCounters {
    attempts: BTreeMap<&'static str, u64>,
    durations: DurationHistogram,
}

impl EngineMetrics {
    pub(crate) fn record(&self, job_type: &str, outcome: &'static str, elapsed: Duration) {
        let mut by_type = self.by_type.lock().unwrap_or_else(|e| e.into_inner());
        let counters = match by_type.get_mut(job_type) {
            Some(counters) => counters,
            None => by_type.entry(job_type.to_owned()).or_default(),
        };
        *counters.attempts.entry(outcome).or_default() += 1;
        counters.durations.observe(elapsed.as_secs_f64());
    }

    pub(crate) fn snapshot(&self) -> EngineMetricsSnapshot {
        let by_type = self.by_type.lock().unwrap_or_else(|e| e.into_inner());
        let mut snapshot = EngineMetricsSnapshot::default();
        for (job_type, counters) in by_type.iter() {
            for (outcome, count) in &counters.attempts {
                snapshot
                    .attempts
                    .insert((job_type.clone(), *outcome), *count);
            }
            snapshot
                .durations
                .insert(job_type.clone(), counters.durations.clone());
        }
        snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_counts_attempts_by_type_and_outcome() {
        let metrics = EngineMetrics::default();
        metrics.record("a", "success", Duration::from_millis(2));
        metrics.record("a", "success", Duration::from_millis(20));
        metrics.record("a", "failed", Duration::from_millis(2));
        metrics.record("b", "retry", Duration::from_secs(2));
        let snapshot = metrics.snapshot();
        let attempts: Vec<_> = snapshot
            .attempts
            .iter()
            .map(|((t, o), n)| (t.as_str(), *o, *n))
            .collect();
        assert_eq!(
            attempts,
            [("a", "failed", 1), ("a", "success", 2), ("b", "retry", 1)]
        );
        let a = &snapshot.durations["a"];
        assert_eq!(a.count, 3);
        // 2 ms, 2 ms and 20 ms: two at or below 2.5 ms, all three at or below 25 ms.
        assert_eq!(a.buckets[1], 2);
        assert_eq!(a.buckets[4], 3);
        assert_eq!(snapshot.durations["b"].count, 1);
        assert_eq!(snapshot.durations["b"].buckets[9], 0);
    }
}
