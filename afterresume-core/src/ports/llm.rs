use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Result;

/// What an LLM provider can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LlmCapabilities {
    /// Honors `json_schema` and returns `json` that matches it.
    pub structured_output: bool,
    /// Calls a remote service (costs money or time; results may vary).
    pub remote: bool,
}

impl LlmCapabilities {
    /// Capabilities as given.
    pub fn new(structured_output: bool, remote: bool) -> Self {
        LlmCapabilities {
            structured_output,
            remote,
        }
    }
}

/// A completion request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LlmRequest {
    /// System prompt.
    pub system: Option<String>,
    /// User prompt.
    pub prompt: String,
    /// JSON schema the answer must match (structured output).
    pub json_schema: Option<Value>,
    /// Upper bound on generated tokens.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
}

/// Token counts of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Generated tokens.
    pub completion_tokens: u32,
}

/// A completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmResponse {
    /// Raw text.
    pub text: String,
    /// Parsed JSON when the request carried a schema.
    pub json: Option<Value>,
    /// Model that answered.
    pub model: String,
    /// Token usage.
    pub usage: TokenUsage,
    /// Wall time of the call in milliseconds.
    pub latency_ms: u64,
    /// Why generation stopped as the server said it (`stop`, `length`, ...);
    /// `length` means the answer was cut off.
    pub finish_reason: Option<String>,
}

impl LlmResponse {
    /// Whether the server stopped because it hit the token limit.
    pub fn truncated(&self) -> bool {
        self.finish_reason.as_deref() == Some("length")
    }
}

/// Completion with optional structured (JSON-schema) output.
///
/// # Contract
/// - When the request has a `json_schema` and the provider has `structured_output`,
///   `json` is `Some` and is an instance of the schema; otherwise the call fails with
///   [`ErrorKind::Backend`](crate::ErrorKind::Backend) (temporary: a retry may produce
///   valid output).
/// - Rate limiting is [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited).
///   A provider may retry a rate-limited or failed call a bounded number of times
///   (honouring `Retry-After`) before it reports the error; beyond that the job
///   engine owns retries.
#[async_trait]
pub trait LlmProvider: Send + Sync + Debug + 'static {
    /// A short provider name ("local", "vllm", "scripted").
    fn name(&self) -> &str;

    /// The model requests go to (part of the response-cache key); empty if the
    /// provider does not know it before a call.
    fn model(&self) -> &str {
        ""
    }

    /// What this provider can do.
    fn capabilities(&self) -> LlmCapabilities;

    /// One completion.
    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse>;

    /// Whether the provider can take calls now (readiness probes). The default
    /// says yes: in-process providers are ready when they exist. A remote provider
    /// asks its server something cheap and reports why it cannot.
    async fn check(&self) -> Result<()> {
        Ok(())
    }
}
