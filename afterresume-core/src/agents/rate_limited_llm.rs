//! An LLM provider held to a request rate shared by every process: a provider
//! allows N requests a minute per key, and the workers of every process on
//! one store stay within it together (`LLM_RATE_LIMIT`).

use std::time::Duration;

use async_trait::async_trait;

use crate::Result;
use crate::engine::{RateLimit, RateLimiter};
use crate::ports::{LlmCapabilities, LlmProvider, LlmRequest, LlmResponse, SharedLlmProvider};

/// How long a call waits for room before it reports `RateLimited` (the job is
/// then retried by the engine).
pub const RATE_LIMIT_MAX_WAIT: Duration = Duration::from_secs(120);

/// A provider whose calls first take a place under a shared rate limit,
/// waiting for the next period when this one is used up.
#[derive(Debug)]
pub struct RateLimitedLlm {
    inner: SharedLlmProvider,
    limiter: RateLimiter,
    limit: RateLimit,
    max_wait: Duration,
}

impl RateLimitedLlm {
    /// `inner` held to `per_period` requests per `period`, counted under the
    /// provider's name and model.
    pub fn new(
        inner: SharedLlmProvider,
        limiter: RateLimiter,
        per_period: u32,
        period: Duration,
    ) -> Result<Self> {
        let key = format!("llm:{}:{}", inner.name(), inner.model());
        Ok(RateLimitedLlm {
            limit: RateLimit::new(key, per_period, period)?,
            inner,
            limiter,
            max_wait: RATE_LIMIT_MAX_WAIT,
        })
    }

    /// How long a call may wait for room (default [`RATE_LIMIT_MAX_WAIT`]).
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The limit it holds to.
    pub fn limit(&self) -> &RateLimit {
        &self.limit
    }
}

#[async_trait]
impl LlmProvider for RateLimitedLlm {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    fn capabilities(&self) -> LlmCapabilities {
        self.inner.capabilities()
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse> {
        self.limiter.wait(&self.limit, self.max_wait).await?;
        self.inner.complete(request).await
    }

    async fn check(&self) -> Result<()> {
        self.inner.check().await
    }
}
