//! Rate limits shared by every process on a store: at most `max` starts per
//! `period` under a key (a job type's starts, an LLM provider's requests).
//!
//! Periods are aligned to the clock (a per-minute limit counts each calendar
//! minute), so any observer can check a limit from start times alone: no
//! period ever holds more than `max` starts, whatever the number of processes.
//! The counters live in the [`ThrottleStore`] of the store every process
//! shares, whose `acquire` is atomic across processes.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::SharedClock;
use crate::ports::{ThrottleDecision, ThrottleLimit, ThrottleStore};
use crate::{Error, Result};

/// The longest period a limit may count over.
const MAX_PERIOD: Duration = Duration::from_secs(86_400);

/// At most `max` starts per `period` under `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// What is counted (`job:report.generate`, `llm:vllm:qwen`).
    pub key: String,
    /// Starts allowed in one period.
    pub max: u32,
    /// The period, from a millisecond to a day, aligned to the clock.
    pub period: Duration,
}

impl RateLimit {
    /// A limit; the error names what is wrong.
    pub fn new(key: impl Into<String>, max: u32, period: Duration) -> Result<Self> {
        let key = key.into();
        if key.trim().is_empty() || key.chars().count() > 200 {
            return Err(Error::invalid_input(
                "rate limit: the key must be 1 to 200 characters",
            ));
        }
        if max == 0 {
            return Err(Error::invalid_input(
                "rate limit: at least one start per period",
            ));
        }
        if period < Duration::from_millis(1) || period > MAX_PERIOD {
            return Err(Error::invalid_input(format!(
                "rate limit: the period {period:?} is not between a millisecond and a day"
            )));
        }
        Ok(RateLimit { key, max, period })
    }

    /// The start of the period `at` falls in.
    pub fn period_start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let period = self.period.as_millis() as i64;
        let millis = at.timestamp_millis();
        let start = millis - millis.rem_euclid(period);
        DateTime::<Utc>::from_timestamp_millis(start).unwrap_or(at)
    }
}

/// What [`RateLimiter::admit`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted in the period that starts here.
    Admitted {
        /// The period's start.
        period_start: DateTime<Utc>,
    },
    /// The period is full; the next one starts here.
    Full {
        /// When to try again.
        next_period: DateTime<Utc>,
    },
}

/// Admits starts under [`RateLimit`]s through a shared [`ThrottleStore`].
#[derive(Clone)]
pub struct RateLimiter {
    throttle: Arc<dyn ThrottleStore>,
    clock: SharedClock,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter over the store's counters and a clock.
    pub fn new(throttle: Arc<dyn ThrottleStore>, clock: SharedClock) -> Self {
        RateLimiter { throttle, clock }
    }

    /// Counts one start under `limit` in the current period, or says when the
    /// next period starts.
    pub async fn admit(&self, limit: &RateLimit) -> Result<Admission> {
        let now = self.clock.now();
        let period_start = limit.period_start(now);
        // The counter's window is the aligned period: passing its start as
        // "now" makes the store count this period's starts and begin a new
        // count when the next period starts.
        // The period is part of the counter's name: two limits on one key with
        // different periods count apart.
        let counted = ThrottleLimit {
            key: format!("rate:{}:{}ms", limit.key, limit.period.as_millis()),
            max_hits: limit.max,
            window: limit.period,
        };
        match self.throttle.acquire(&[counted], period_start).await? {
            ThrottleDecision::Admitted => Ok(Admission::Admitted { period_start }),
            ThrottleDecision::Blocked { .. } => Ok(Admission::Full {
                next_period: period_start
                    + TimeDelta::from_std(limit.period).unwrap_or(TimeDelta::MAX),
            }),
        }
    }

    /// Waits (sleeping) until `limit` admits a start, at most `max_wait`; past
    /// it, a rate-limited error (temporary: the job is retried later).
    pub async fn wait(&self, limit: &RateLimit, max_wait: Duration) -> Result<DateTime<Utc>> {
        let deadline = self.clock.now() + TimeDelta::from_std(max_wait).unwrap_or(TimeDelta::MAX);
        loop {
            match self.admit(limit).await? {
                Admission::Admitted { period_start } => return Ok(period_start),
                Admission::Full { next_period } if next_period <= deadline => {
                    let pause = (next_period - self.clock.now())
                        .to_std()
                        .unwrap_or_default();
                    tokio::time::sleep(pause).await;
                }
                Admission::Full { next_period } => {
                    return Err(Error::new(
                        crate::ErrorKind::RateLimited,
                        format!(
                            "{}: {} per {:?} used up; the next period starts at {next_period}",
                            limit.key, limit.max, limit.period
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods_are_aligned_to_the_clock_and_limits_are_checked() {
        let minute = RateLimit::new("llm", 3, Duration::from_secs(60)).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 10, 4, 59).unwrap();
        assert_eq!(
            minute.period_start(at),
            Utc.with_ymd_and_hms(2026, 12, 7, 10, 4, 0).unwrap()
        );
        let tenth = RateLimit::new("k", 1, Duration::from_millis(100)).unwrap();
        let at = DateTime::<Utc>::from_timestamp_millis(1_234_567).unwrap();
        assert_eq!(tenth.period_start(at).timestamp_millis(), 1_234_500);
        for (key, max, period, needle) in [
            ("", 1, Duration::from_secs(1), "key"),
            ("k", 0, Duration::from_secs(1), "at least one"),
            ("k", 1, Duration::ZERO, "period"),
            ("k", 1, Duration::from_secs(90_000), "period"),
        ] {
            let error = RateLimit::new(key, max, period).unwrap_err();
            assert!(error.message().contains(needle), "{error}");
        }
    }
}
