//! Pickup-latency percentiles over the last 30 seconds in bounded memory, as the
//! portable harness asks of its adapters: one HDR histogram (3 significant
//! figures) per second, the oldest reused as the window slides, so memory stays
//! the same however long the run and however high the rate.

use std::sync::Mutex;
use std::time::Instant;

use hdrhistogram::Histogram;

/// Seconds the percentiles cover.
pub const WINDOW_SECONDS: usize = 30;

/// Largest latency recorded exactly, in microseconds (ten minutes); longer ones
/// are clamped to it.
const HIGHEST_US: u64 = 600_000_000;

/// A sliding window of per-second latency histograms.
pub struct LatencyWindow {
    started: Instant,
    slots: Mutex<Vec<Slot>>,
}

struct Slot {
    /// The second (since `started`) this slot holds, or `None` when unused.
    second: Option<u64>,
    histogram: Histogram<u64>,
}

impl std::fmt::Debug for LatencyWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatencyWindow")
            .field("window_seconds", &WINDOW_SECONDS)
            .finish_non_exhaustive()
    }
}

impl Default for LatencyWindow {
    fn default() -> Self {
        LatencyWindow::new(Instant::now())
    }
}

impl LatencyWindow {
    /// A window whose seconds count from `started`.
    pub fn new(started: Instant) -> Self {
        let slots = (0..WINDOW_SECONDS)
            .map(|_| Slot {
                second: None,
                histogram: Histogram::new_with_bounds(1, HIGHEST_US, 3)
                    .expect("histogram bounds are valid"),
            })
            .collect();
        LatencyWindow {
            started,
            slots: Mutex::new(slots),
        }
    }

    /// Records one latency, in microseconds, now.
    pub fn record(&self, latency_us: u64) {
        self.record_at(Instant::now(), latency_us);
    }

    /// Records one latency as seen at `at`.
    pub fn record_at(&self, at: Instant, latency_us: u64) {
        let second = at.saturating_duration_since(self.started).as_secs();
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut slots[(second % WINDOW_SECONDS as u64) as usize];
        if slot.second != Some(second) {
            slot.histogram.reset();
            slot.second = Some(second);
        }
        slot.histogram
            .saturating_record(latency_us.clamp(1, HIGHEST_US));
    }

    /// p50, p95 and p99 in milliseconds over the last [`WINDOW_SECONDS`], or
    /// `None` when nothing was recorded in them.
    pub fn percentiles_ms(&self) -> Option<(f64, f64, f64)> {
        self.percentiles_ms_at(Instant::now())
    }

    /// [`LatencyWindow::percentiles_ms`] as seen at `at`.
    pub fn percentiles_ms_at(&self, at: Instant) -> Option<(f64, f64, f64)> {
        let now = at.saturating_duration_since(self.started).as_secs();
        let oldest = now.saturating_sub(WINDOW_SECONDS as u64 - 1);
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let mut merged: Option<Histogram<u64>> = None;
        for slot in slots.iter() {
            let Some(second) = slot.second else { continue };
            if second < oldest || second > now || slot.histogram.is_empty() {
                continue;
            }
            match &mut merged {
                None => merged = Some(slot.histogram.clone()),
                Some(all) => all.add(&slot.histogram).expect("slots share their bounds"),
            }
        }
        let all = merged?;
        let ms = |q: f64| all.value_at_quantile(q) as f64 / 1000.0;
        Some((ms(0.50), ms(0.95), ms(0.99)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn percentiles_cover_the_last_thirty_seconds_only() {
        let start = Instant::now();
        let window = LatencyWindow::new(start);
        assert_eq!(window.percentiles_ms_at(start), None);
        // One slow second long ago, then 100 fast pickups (1..=100 ms) now.
        window.record_at(start, 9_000_000);
        let later = start + Duration::from_secs(40);
        for ms in 1..=100u64 {
            window.record_at(later, ms * 1000);
        }
        let (p50, p95, p99) = window.percentiles_ms_at(later).unwrap();
        assert!((p50 - 50.0).abs() < 0.1, "{p50}");
        assert!((p95 - 95.0).abs() < 0.1, "{p95}");
        assert!((p99 - 99.0).abs() < 0.1, "{p99}");
        // Thirty seconds on, the window has slid past them.
        assert_eq!(
            window.percentiles_ms_at(later + Duration::from_secs(30)),
            None
        );
    }

    #[test]
    fn a_slot_reused_for_a_new_second_forgets_the_old_one() {
        let start = Instant::now();
        let window = LatencyWindow::new(start);
        window.record_at(start + Duration::from_secs(1), 5_000_000);
        let same_slot = start + Duration::from_secs(1 + WINDOW_SECONDS as u64);
        window.record_at(same_slot, 2_000);
        let (p50, _, p99) = window.percentiles_ms_at(same_slot).unwrap();
        assert_eq!((p50.round(), p99.round()), (2.0, 2.0));
    }
}
