//! Attempt counters in fixed windows, kept in the store so that every process on
//! it shares them and a restart does not reset them (the login limiter).
//!
//! The arithmetic (when a window has ended, whether a limit has room, how long to
//! wait) is [`plan_acquire`], written once here; a backend only reads and writes
//! the counters of the keys it is asked about, atomically.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use crate::Result;

/// At most `max_hits` attempts per `window` under `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleLimit {
    /// What is counted (`login:user:alice`, `login:ip:10.0.0.1`, ...).
    pub key: String,
    /// Attempts allowed in one window.
    pub max_hits: u32,
    /// Length of a window; it starts at the first attempt after the last one ended.
    pub window: Duration,
}

/// A key's stored counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleCounter {
    /// When the current window started (or when the key was last reset).
    pub window_start: DateTime<Utc>,
    /// Attempts counted in it.
    pub hits: u32,
}

/// What [`ThrottleStore::acquire`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleDecision {
    /// One attempt was counted under every key.
    Admitted,
    /// Some limit is full; nothing was counted. Try again after this long.
    Blocked {
        /// Until the fullest limit's window ends.
        retry_after: Duration,
    },
}

/// The counters to store when `limits`, whose stored counters are `current` (in the
/// same order), admit one more attempt at `now`; or how long to wait when one of
/// them is full.
pub fn plan_acquire(
    limits: &[ThrottleLimit],
    current: &[Option<ThrottleCounter>],
    now: DateTime<Utc>,
) -> std::result::Result<Vec<ThrottleCounter>, Duration> {
    let mut next = Vec::with_capacity(limits.len());
    let mut wait: Option<Duration> = None;
    for (limit, counter) in limits.iter().zip(current) {
        let window = TimeDelta::from_std(limit.window).unwrap_or(TimeDelta::MAX);
        let live = counter.filter(|c| now < c.window_start + window);
        match live {
            // Another caller opened a window that starts after this caller's
            // `now` (read before it waited for the counter): counting it there
            // would count it in a window it does not know it is in, and a rate
            // limit's period would then hold more starts than its limit. It
            // tries again in that window.
            Some(c) if c.window_start > now => {
                let left = (c.window_start - now)
                    .to_std()
                    .unwrap_or_default()
                    .max(Duration::from_secs(1));
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
            Some(c) if c.hits >= limit.max_hits => {
                let left = (c.window_start + window - now)
                    .to_std()
                    .unwrap_or_default()
                    .max(Duration::from_secs(1));
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
            Some(c) => next.push(ThrottleCounter {
                window_start: c.window_start,
                hits: c.hits + 1,
            }),
            None => next.push(ThrottleCounter {
                window_start: now,
                hits: 1,
            }),
        }
    }
    match wait {
        Some(wait) => Err(wait),
        None => Ok(next),
    }
}

/// Attempt counters shared by every process on a store.
///
/// # Contract
/// - `acquire` is atomic across processes: concurrent calls never admit more than
///   `max_hits` attempts per key and window, and a call that is blocked by one
///   limit counts nothing under any key.
/// - `release` takes back one attempt of a key's current window (never below 0).
/// - `reset` sets a key's counter to zero hits in a window starting at `now`, so a
///   reset key also records when it was last reset ([`ThrottleStore::counter`]).
/// - `purge` deletes counters whose window started before `before`.
#[async_trait]
pub trait ThrottleStore: Send + Sync + Debug + 'static {
    /// Counts one attempt under every limit, or none when one of them is full.
    async fn acquire(
        &self,
        limits: &[ThrottleLimit],
        now: DateTime<Utc>,
    ) -> Result<ThrottleDecision>;
    /// Takes back one attempt from a key.
    async fn release(&self, key: &str) -> Result<()>;
    /// Zeroes keys, in a window starting at `now`.
    async fn reset(&self, keys: &[String], now: DateTime<Utc>) -> Result<()>;
    /// A key's counter, if stored.
    async fn counter(&self, key: &str) -> Result<Option<ThrottleCounter>>;
    /// Deletes counters whose window started before `before`; returns how many.
    async fn purge(&self, before: DateTime<Utc>) -> Result<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(key: &str, max_hits: u32) -> ThrottleLimit {
        ThrottleLimit {
            key: key.into(),
            max_hits,
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn a_caller_from_before_the_counters_window_is_not_counted_in_it() {
        let now = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(1);
        let later = ThrottleCounter {
            window_start: now + TimeDelta::milliseconds(400),
            hits: 1,
        };
        assert_eq!(
            plan_acquire(&[limit("a", 5)], &[Some(later)], now),
            Err(Duration::from_secs(1))
        );
        let same = ThrottleCounter {
            window_start: now,
            hits: 1,
        };
        assert_eq!(
            plan_acquire(&[limit("a", 5)], &[Some(same)], now).unwrap()[0].hits,
            2
        );
    }

    #[test]
    fn a_full_limit_blocks_every_key_and_says_how_long() {
        let now = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(1);
        let limits = [limit("a", 2), limit("b", 5)];
        let start = now - TimeDelta::seconds(20);
        let full = ThrottleCounter {
            window_start: start,
            hits: 2,
        };
        assert_eq!(
            plan_acquire(&limits, &[Some(full), None], now),
            Err(Duration::from_secs(40))
        );
        let expired = ThrottleCounter {
            window_start: now - TimeDelta::seconds(60),
            hits: 9,
        };
        let planned = plan_acquire(&limits, &[Some(expired), None], now).unwrap();
        assert_eq!(
            planned,
            vec![
                ThrottleCounter {
                    window_start: now,
                    hits: 1
                };
                2
            ]
        );
    }
}
