//! Unique and debounced enqueues, on top of idempotency keys:
//! - **unique**: one job per type and key (or payload) in some states and,
//!   optionally, created within a period; an enqueue that finds one returns
//!   it and creates nothing;
//! - **debounce**: only the newest queued job per type and key is kept; an
//!   enqueue cancels the one still waiting and queues itself.
//!
//! Both use the store's unique idempotency key as the lock: a new job takes
//! the key, and a job that no longer counts gives it up with a
//! compare-and-set ([`JobStore::release_idempotency_key`]), so concurrent
//! enqueues in any number of processes agree.
//!
//! [`JobStore::release_idempotency_key`]: crate::ports::JobStore::release_idempotency_key

use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::jobs::to_delta;
use super::{Engine, EnqueueOptions};
use crate::domain::JobStatus;
use crate::ports::InsertedJob;
use crate::{Error, Result};

/// How many times an enqueue takes the key again after freeing it before it
/// reports a conflict (other enqueues keep taking it first).
const KEY_ROUNDS: usize = 5;

/// What makes a job the same as another.
#[derive(Debug, Clone, PartialEq)]
pub struct Uniqueness {
    /// The key; `None` uses the payload (same type and same payload).
    pub key: Option<String>,
    /// Only a job created within this long counts; `None`: any age.
    pub period: Option<Duration>,
    /// The states in which a job counts (queued and running by default).
    pub states: Vec<JobStatus>,
}

impl Default for Uniqueness {
    fn default() -> Self {
        Uniqueness {
            key: None,
            period: None,
            states: vec![JobStatus::Queued, JobStatus::Running],
        }
    }
}

impl Uniqueness {
    /// Unique by an explicit key.
    pub fn by_key(key: impl Into<String>) -> Self {
        Uniqueness {
            key: Some(key.into()),
            ..Uniqueness::default()
        }
    }
}

/// The stored key: the type and a digest of the key or payload, so any key
/// fits the store's limits.
fn store_key(kind: &str, job_type: &str, basis: &[u8]) -> String {
    let digest = Sha256::digest(basis);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{kind}:{job_type}:{hex}")
}

fn no_own_key(opts: &EnqueueOptions) -> Result<()> {
    if opts.idempotency_key.is_some() {
        return Err(Error::invalid_input(
            "idempotency_key: a unique or debounced job uses its own key; give one or the other",
        ));
    }
    Ok(())
}

impl Engine {
    /// Enqueues a job unless one like it exists in `unique.states` (and within
    /// `unique.period`): then returns that one (`created` false).
    pub async fn enqueue_unique(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
        unique: Uniqueness,
    ) -> Result<InsertedJob> {
        no_own_key(&opts)?;
        if unique.states.is_empty() {
            return Err(Error::invalid_input(
                "unique: name at least one state in which a job counts",
            ));
        }
        let basis = match &unique.key {
            Some(key) if key.trim().is_empty() => {
                return Err(Error::invalid_input("unique: the key must not be empty"));
            }
            Some(key) => key.as_bytes().to_vec(),
            None => serde_json::to_vec(&payload).unwrap_or_default(),
        };
        let key = store_key("unique", job_type, &basis);
        let oldest = match unique.period {
            Some(period) => Some(self.now() - to_delta(period)?),
            None => None,
        };
        for _ in 0..KEY_ROUNDS {
            let options = EnqueueOptions {
                idempotency_key: Some(key.clone()),
                ..opts.clone()
            };
            let inserted = self
                .enqueue_detailed(job_type, payload.clone(), options)
                .await?;
            let existing = &inserted.job;
            let counts = unique.states.contains(&existing.status)
                && oldest.is_none_or(|t| existing.created_at >= t);
            if inserted.created || counts {
                return Ok(inserted);
            }
            self.store()
                .release_idempotency_key(existing.id, &key)
                .await?;
        }
        Err(Error::conflict(
            "unique: other enqueues kept taking the key; try again",
        ))
    }

    /// Enqueues a job as the newest for `key`: a job of this type and key
    /// still queued is cancelled first, so at most one waits per key (give a
    /// delay to gather a burst into one run). Jobs already running are left
    /// to finish.
    pub async fn enqueue_debounced(
        &self,
        job_type: &str,
        payload: Value,
        opts: EnqueueOptions,
        key: &str,
    ) -> Result<InsertedJob> {
        no_own_key(&opts)?;
        if key.trim().is_empty() {
            return Err(Error::invalid_input("debounce: the key must not be empty"));
        }
        let stored = store_key("debounce", job_type, key.as_bytes());
        for _ in 0..KEY_ROUNDS {
            let options = EnqueueOptions {
                idempotency_key: Some(stored.clone()),
                ..opts.clone()
            };
            let inserted = self
                .enqueue_detailed(job_type, payload.clone(), options)
                .await?;
            if inserted.created {
                return Ok(inserted);
            }
            let older = &inserted.job;
            if older.status == JobStatus::Queued {
                // One a worker claimed in the moment since is asked to stop
                // like any cancelled running job; one that finished meanwhile
                // is a conflict here, and nothing is left to cancel.
                let _ = self.cancel(older.id).await;
            }
            self.store()
                .release_idempotency_key(older.id, &stored)
                .await?;
        }
        Err(Error::conflict(
            "debounce: other enqueues kept taking the key; try again",
        ))
    }
}
