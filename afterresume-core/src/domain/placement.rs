//! Where a job waits and how urgent it is: its named queue and its priority.
//!
//! Priorities age instead of starving: a job of priority `p` is claimed as if it
//! had become due `p` × [`PRIORITY_AGING`] later than it did
//! ([`claim_order`]). A priority-1 job therefore goes ahead of a priority-4 job
//! made due at the same moment, but a priority-4 job that has waited three aging
//! steps competes with a fresh priority-1 job as an equal, so a steady stream of
//! urgent work delays bulk work by a bounded time and never forever. The order is
//! a function of the row alone, so every store sorts by it with one index and no
//! background pass rewrites waiting jobs.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::{Error, Result};

/// The most urgent priority.
pub const HIGHEST_PRIORITY: i16 = 1;
/// The least urgent priority.
pub const LOWEST_PRIORITY: i16 = 4;
/// The priority of a job that names none.
pub const DEFAULT_PRIORITY: i16 = 2;

/// What one priority level is worth in waiting time (see the module docs).
pub const PRIORITY_AGING: Duration = Duration::from_secs(60);

/// The queue of a job that names none.
pub const DEFAULT_QUEUE: &str = "default";

/// The longest queue name.
pub const MAX_QUEUE_NAME_LEN: usize = 64;

/// The time a job is claimed by, earliest first (ties by id): its due time pushed
/// back by one [`PRIORITY_AGING`] per priority level. The SQL stores compute the
/// same value (`afterresume_claim_order` in Postgres, an expression in SQLite).
pub fn claim_order(run_at: DateTime<Utc>, priority: i16) -> DateTime<Utc> {
    let step = TimeDelta::from_std(PRIORITY_AGING).unwrap_or(TimeDelta::MAX);
    run_at + step * i32::from(priority)
}

/// Checks a priority from a caller.
pub fn check_priority(priority: i16) -> Result<i16> {
    if (HIGHEST_PRIORITY..=LOWEST_PRIORITY).contains(&priority) {
        Ok(priority)
    } else {
        Err(Error::invalid_input(format!(
            "priority: must be {HIGHEST_PRIORITY} (most urgent) to {LOWEST_PRIORITY} (least urgent), got {priority}"
        )))
    }
}

/// Checks a queue name from a caller: 1 to [`MAX_QUEUE_NAME_LEN`] characters of
/// lower-case ASCII letters, digits, `-`, `_` and `.`, so a name is safe in a
/// URL path, a Redis key and a command line alike.
pub fn check_queue_name(name: &str) -> Result<&str> {
    let valid_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    if name.is_empty() || name.len() > MAX_QUEUE_NAME_LEN || !name.chars().all(valid_char) {
        let shown: String = name.chars().take(MAX_QUEUE_NAME_LEN + 1).collect();
        return Err(Error::invalid_input(format!(
            "queue: must be 1 to {MAX_QUEUE_NAME_LEN} characters of a-z, 0-9, '-', '_' and '.', got {shown:?}"
        )));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn urgent_jobs_go_first_when_due_together() {
        assert!(claim_order(at(0), 1) < claim_order(at(0), 2));
        assert!(claim_order(at(0), 2) < claim_order(at(0), 4));
    }

    #[test]
    fn a_waiting_low_priority_job_ages_past_fresh_urgent_work() {
        let waited = 3 * PRIORITY_AGING.as_secs() as i64 + 1;
        assert!(claim_order(at(0), LOWEST_PRIORITY) < claim_order(at(waited), HIGHEST_PRIORITY));
        assert!(
            claim_order(at(0), LOWEST_PRIORITY) > claim_order(at(waited - 2), HIGHEST_PRIORITY)
        );
    }

    #[test]
    fn priorities_outside_the_range_are_refused() {
        for p in [HIGHEST_PRIORITY, DEFAULT_PRIORITY, LOWEST_PRIORITY] {
            assert_eq!(check_priority(p).unwrap(), p);
        }
        for p in [0, 5, -1, i16::MAX] {
            let err = check_priority(p).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains("priority"), "{err}");
        }
    }

    #[test]
    fn queue_names_are_plain_and_short() {
        for ok in ["default", "llm", "bulk-import", "a.b_c", "q1"] {
            assert_eq!(check_queue_name(ok).unwrap(), ok);
        }
        let long = "q".repeat(MAX_QUEUE_NAME_LEN + 1);
        for bad in ["", "Upper", "with space", "a/b", "ü", long.as_str()] {
            assert_eq!(
                check_queue_name(bad).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }
}
