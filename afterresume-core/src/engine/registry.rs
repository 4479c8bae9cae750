//! The workflow registry: job type -> workflow and its per-type options.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::rate_limit::RateLimit;
use super::{ExecutionContext, RetryPolicy};
use crate::domain::{check_priority, check_queue_name};
use crate::{Error, Result};

/// The code behind a job type.
///
/// A workflow returns a JSON result, or an error whose status decides what happens
/// next: temporary errors are retried by the engine per the type's [`RetryPolicy`],
/// permanent ones fail the job at once, [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)
/// ends it `cancelled`.
#[async_trait]
pub trait Workflow: Send + Sync + 'static {
    /// Runs one attempt of a job.
    async fn run(&self, ctx: ExecutionContext, payload: Value) -> Result<Value>;

    /// Checks a payload when the job is enqueued, before anything is stored, so a
    /// malformed request is refused at once instead of becoming a failed job. The
    /// default accepts every JSON object; `run` must still cope with whatever it
    /// gets (payloads stored by older versions, for one).
    fn validate(&self, payload: &Value) -> Result<()> {
        let _ = payload;
        Ok(())
    }
}

/// A workflow with an enqueue-time payload check; see [`WorkflowFn::with_validation`].
pub struct ValidatedWorkflow<W, V> {
    workflow: W,
    validator: V,
}

impl<W, V> fmt::Debug for ValidatedWorkflow<W, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ValidatedWorkflow")
    }
}

#[async_trait]
impl<W, V> Workflow for ValidatedWorkflow<W, V>
where
    W: Workflow,
    V: Fn(&Value) -> Result<()> + Send + Sync + 'static,
{
    async fn run(&self, ctx: ExecutionContext, payload: Value) -> Result<Value> {
        self.workflow.run(ctx, payload).await
    }

    fn validate(&self, payload: &Value) -> Result<()> {
        (self.validator)(payload)
    }
}

/// A workflow made from an async closure; see [`workflow_fn`].
pub struct WorkflowFn<F>(F);

impl<F> fmt::Debug for WorkflowFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WorkflowFn")
    }
}

impl<F> WorkflowFn<F> {
    /// Adds a payload check that runs at enqueue (see [`Workflow::validate`]).
    pub fn with_validation<V>(self, validator: V) -> ValidatedWorkflow<Self, V>
    where
        V: Fn(&Value) -> Result<()> + Send + Sync + 'static,
    {
        ValidatedWorkflow {
            workflow: self,
            validator,
        }
    }
}

/// Wraps `async fn(ExecutionContext, Value) -> Result<Value>` as a [`Workflow`].
pub fn workflow_fn<F, Fut>(f: F) -> WorkflowFn<F>
where
    F: Fn(ExecutionContext, Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value>> + Send + 'static,
{
    WorkflowFn(f)
}

#[async_trait]
impl<F, Fut> Workflow for WorkflowFn<F>
where
    F: Fn(ExecutionContext, Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value>> + Send + 'static,
{
    async fn run(&self, ctx: ExecutionContext, payload: Value) -> Result<Value> {
        (self.0)(ctx, payload).await
    }
}

/// Per-job-type options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobTypeOptions {
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// An attempt that runs longer fails with a temporary error.
    pub timeout: Option<Duration>,
    /// At most this many starts of the type per period, across every process
    /// on the store (the engine needs a throttle store for it: see
    /// [`EngineBuilder::with_rate_limiter`](super::EngineBuilder::with_rate_limiter)).
    /// A start over the limit waits, queued, for the next period without
    /// spending a retry.
    pub rate_limit: Option<(u32, Duration)>,
    /// At most this many jobs of the type running at once, in every process
    /// on the store together, per [`ConcurrencyScope`]; for a job with a
    /// concurrency key, at most this many (1 when unset) of that key, of any
    /// type. A start over it waits, queued, a moment and tries again, without
    /// spending a retry.
    pub concurrency: Option<(u32, ConcurrencyScope)>,
    /// The queue the type's jobs wait in unless the enqueue names one
    /// ([`DEFAULT_QUEUE`](crate::domain::DEFAULT_QUEUE) when unset).
    pub queue: Option<String>,
    /// The type's priority unless the enqueue names one
    /// ([`DEFAULT_PRIORITY`](crate::domain::DEFAULT_PRIORITY) when unset).
    pub priority: Option<i16>,
}

/// What a job type's concurrency limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrencyScope {
    /// Every running job of the type.
    Type,
    /// The type's running jobs of the same user (a job of no user is held
    /// to the limit over the whole type).
    User,
}

impl JobTypeOptions {
    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// At most `max` starts per `period` (aligned to the clock), counted for
    /// every process on the store.
    pub fn with_rate_limit(mut self, max: u32, period: Duration) -> Self {
        self.rate_limit = Some((max, period));
        self
    }

    /// At most `max` running at once (per user, or for the whole type),
    /// counted in the store across every process.
    pub fn with_concurrency_limit(mut self, max: u32, scope: ConcurrencyScope) -> Self {
        self.concurrency = Some((max, scope));
        self
    }

    /// Puts the type's jobs in a named queue by default.
    pub fn with_queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }

    /// Gives the type's jobs a priority by default (1 most urgent to 4).
    pub fn with_priority(mut self, priority: i16) -> Self {
        self.priority = Some(priority);
        self
    }
}

#[derive(Clone)]
pub(crate) struct Registration {
    pub(crate) workflow: Arc<dyn Workflow>,
    pub(crate) options: JobTypeOptions,
    /// The type's rate limit, checked, under the key `job:{type}`.
    pub(crate) rate_limit: Option<RateLimit>,
}

/// Job type -> workflow. Types can be added while the engine runs (Python scripts
/// register workflows after opening an engine).
#[derive(Default)]
pub(crate) struct Registry {
    entries: RwLock<BTreeMap<String, Registration>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("job_types", &self.job_types())
            .finish()
    }
}

impl Registry {
    /// Registers a type; `limiter` says whether the engine can enforce rate
    /// limits (a type with one is refused without it).
    pub(crate) fn register(
        &self,
        job_type: &str,
        workflow: Arc<dyn Workflow>,
        options: JobTypeOptions,
        limiter: bool,
    ) -> Result<()> {
        validate_job_type(job_type)?;
        if let Some(queue) = &options.queue {
            check_queue_name(queue).map_err(|e| e.with_context("job_type", job_type))?;
        }
        if let Some(priority) = options.priority {
            check_priority(priority).map_err(|e| e.with_context("job_type", job_type))?;
        }
        if options.concurrency.is_some_and(|(max, _)| max == 0) {
            return Err(Error::invalid_input(format!(
                "{job_type}: a concurrency limit allows at least one running job"
            )));
        }
        let rate_limit = match options.rate_limit {
            None => None,
            Some(_) if !limiter => {
                return Err(Error::config_invalid(format!(
                    "{job_type}: a rate limit needs the engine's rate limiter \
                     (EngineBuilder::with_rate_limiter over the store every process shares)"
                )));
            }
            Some((max, period)) => Some(RateLimit::new(format!("job:{job_type}"), max, period)?),
        };
        self.write().insert(
            job_type.to_owned(),
            Registration {
                workflow,
                options,
                rate_limit,
            },
        );
        Ok(())
    }

    pub(crate) fn get(&self, job_type: &str) -> Option<Registration> {
        self.read().get(job_type).cloned()
    }

    /// The registration of a type, or the error that enqueueing an unknown type gives.
    pub(crate) fn require(&self, job_type: &str) -> Result<Registration> {
        self.get(job_type).ok_or_else(|| {
            Error::invalid_input(format!(
                "unknown job type '{job_type}' (registered: {})",
                self.job_types().join(", ")
            ))
        })
    }

    pub(crate) fn job_types(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Registration>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Registration>> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Job types are dot-separated lowercase names: `worklog.analyze`, `my_app.export-csv`.
pub fn validate_job_type(job_type: &str) -> Result<()> {
    let valid = !job_type.is_empty()
        && job_type.len() <= 100
        && job_type.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        });
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "job type '{job_type}' is not valid: use dot-separated lowercase names such as 'worklog.analyze'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_type_names() {
        for good in ["worklog.analyze", "a", "my_app.export-csv", "x.y.z"] {
            validate_job_type(good).unwrap();
        }
        for bad in ["", "Worklog.analyze", "a..b", ".a", "a b", "a/b"] {
            assert!(validate_job_type(bad).is_err(), "{bad}");
        }
    }
}
