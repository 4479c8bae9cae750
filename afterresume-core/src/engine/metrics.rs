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
#[derive(Debug, Default)]
pub(crate) struct EngineMetrics {
    inner: Mutex<EngineMetricsSnapshot>,
}

impl EngineMetrics {
    pub(crate) fn record(&self, job_type: &str, outcome: &'static str, elapsed: Duration) {
        let mut m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *m.attempts
            .entry((job_type.to_owned(), outcome))
            .or_default() += 1;
        m.durations
            .entry(job_type.to_owned())
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    pub(crate) fn snapshot(&self) -> EngineMetricsSnapshot {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
