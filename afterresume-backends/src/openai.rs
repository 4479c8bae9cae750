//! An [`LlmProvider`] for the OpenAI-compatible chat-completions API: vLLM, Ollama,
//! llama.cpp's server, OpenAI and compatible hosts.
//!
//! Structured output is asked for with `response_format: json_schema` (the answer
//! is still validated by the agent: small models ignore schemas now and then).
//! Calls time out, are limited to [`OpenAiOptions::max_concurrency`] at once per
//! provider, and a 429 or 5xx answer (or a dropped connection) is retried up to
//! [`OpenAiOptions::max_retries`] times, waiting as long as `Retry-After` says
//! (capped by [`OpenAiOptions::max_retry_wait`]) or backing off exponentially.
//! The API key is sent as a bearer token and never logged or put in errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use afterresume_core::ports::{LlmCapabilities, LlmProvider, LlmRequest, LlmResponse, TokenUsage};
use afterresume_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// Which kind of server `LLM_PROVIDER` names.
pub const PROVIDERS: &[&str] = &["local", "vllm", "openai", "ollama"];

/// Settings of one provider.
#[derive(Clone, PartialEq)]
pub struct OpenAiOptions {
    /// `vllm`, `openai` or `ollama` (names the provider in events and cache keys).
    pub provider: String,
    /// Base URL up to and including `/v1`.
    pub endpoint: String,
    /// Model name sent with each request.
    pub model: String,
    /// Bearer token, if the server wants one.
    pub api_key: Option<String>,
    /// Timeout of one HTTP call.
    pub timeout: Duration,
    /// Retries of a 429/5xx/connection failure before giving up.
    pub max_retries: u32,
    /// The longest a `Retry-After` is honoured; longer waits give up at once so
    /// the job engine can retry the job later instead of holding a worker.
    pub max_retry_wait: Duration,
    /// Calls in flight at once.
    pub max_concurrency: usize,
    /// Send `response_format: json_schema` when a request has a schema.
    pub structured_output: bool,
}

impl std::fmt::Debug for OpenAiOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiOptions")
            .field("provider", &self.provider)
            .field("endpoint", &crate::common::redact_url(&self.endpoint))
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("max_concurrency", &self.max_concurrency)
            .finish_non_exhaustive()
    }
}

impl OpenAiOptions {
    /// Options with defaults for a provider kind and endpoint.
    pub fn new(provider: &str, endpoint: &str, model: &str) -> Self {
        OpenAiOptions {
            provider: provider.to_owned(),
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key: None,
            timeout: Duration::from_secs(120),
            max_retries: 3,
            max_retry_wait: Duration::from_secs(30),
            max_concurrency: 4,
            structured_output: true,
        }
    }

    /// Reads `LLM_PROVIDER` (`local` by default: `None`), `LLM_VLLM_ENDPOINT` (or
    /// `LLM_ENDPOINT`), `LLM_MODEL_NAME`, `LLM_API_KEY` (or `OPENAI_API_KEY`),
    /// `LLM_TIMEOUT_SECS`, `LLM_MAX_CONCURRENCY`, `LLM_MAX_RETRIES`. Errors name the
    /// variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let set = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let provider = set("LLM_PROVIDER").unwrap_or_else(|| "local".to_owned());
        let default_endpoint = match provider.as_str() {
            "local" => return Ok(None),
            "vllm" => "http://127.0.0.1:8000/v1",
            "ollama" => "http://127.0.0.1:11434/v1",
            "openai" => "https://api.openai.com/v1",
            other => {
                return Err(Error::config_invalid(format!(
                    "LLM_PROVIDER: unknown provider '{other}' (expected one of: {})",
                    PROVIDERS.join(", ")
                )));
            }
        };
        let endpoint = set("LLM_VLLM_ENDPOINT")
            .or_else(|| set("LLM_ENDPOINT"))
            .unwrap_or_else(|| default_endpoint.to_owned());
        let parsed = url::Url::parse(&endpoint).map_err(|e| {
            Error::config_invalid(format!("LLM_VLLM_ENDPOINT: '{endpoint}' is not a URL: {e}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::config_invalid(
                "LLM_VLLM_ENDPOINT: must be an http:// or https:// URL",
            ));
        }
        let model = set("LLM_MODEL_NAME").ok_or_else(|| {
            Error::config_invalid(format!(
                "LLM_MODEL_NAME: required when LLM_PROVIDER={provider}"
            ))
        })?;
        let mut options = OpenAiOptions::new(&provider, &endpoint, &model);
        options.api_key = set("LLM_API_KEY").or_else(|| set("OPENAI_API_KEY"));
        if provider == "openai" && options.api_key.is_none() {
            return Err(Error::config_invalid(
                "LLM_API_KEY: required when LLM_PROVIDER=openai (or set OPENAI_API_KEY)",
            ));
        }
        let number = |name: &str, min: u64, max: u64| -> Result<Option<u64>> {
            match set(name) {
                None => Ok(None),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                    _ => Err(Error::config_invalid(format!(
                        "{name}: must be a whole number from {min} to {max}, got '{v}'"
                    ))),
                },
            }
        };
        if let Some(secs) = number("LLM_TIMEOUT_SECS", 1, 3600)? {
            options.timeout = Duration::from_secs(secs);
        }
        if let Some(n) = number("LLM_MAX_CONCURRENCY", 1, 1024)? {
            options.max_concurrency = n as usize;
        }
        if let Some(n) = number("LLM_MAX_RETRIES", 0, 10)? {
            options.max_retries = n as u32;
        }
        Ok(Some(options))
    }
}

/// The provider.
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    client: reqwest::Client,
    options: Arc<OpenAiOptions>,
    permits: Arc<Semaphore>,
}

impl OpenAiProvider {
    /// A provider; fails only if the HTTP client cannot be built.
    pub fn new(options: OpenAiOptions) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::config_invalid(format!("llm http client: {e}")))?;
        Ok(OpenAiProvider {
            client,
            permits: Arc::new(Semaphore::new(options.max_concurrency.max(1))),
            options: Arc::new(options),
        })
    }

    /// The options.
    pub fn options(&self) -> &OpenAiOptions {
        &self.options
    }

    fn body(&self, request: &LlmRequest) -> Value {
        let mut messages = Vec::new();
        if let Some(system) = &request.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.push(json!({"role": "user", "content": request.prompt}));
        let mut body = json!({"model": self.options.model, "messages": messages, "stream": false});
        if let Some(n) = request.max_tokens {
            body["max_tokens"] = json!(n);
        }
        if let Some(t) = request.temperature {
            body["temperature"] = json!(t);
        }
        if let (Some(schema), true) = (&request.json_schema, self.options.structured_output) {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": true},
            });
        }
        body
    }

    async fn send_once(&self, body: &Value) -> std::result::Result<Value, Attempt> {
        let url = format!("{}/chat/completions", self.options.endpoint);
        let mut call = self.client.post(&url).json(body);
        if let Some(key) = &self.options.api_key {
            call = call.bearer_auth(key);
        }
        let response = match call.send().await {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else {
                    "could not connect"
                };
                return Err(Attempt::Retry(
                    None,
                    Error::backend(format!("llm {}: {what} ({url})", self.options.provider)),
                ));
            }
        };
        let status = response.status();
        if status.is_success() {
            return response.json::<Value>().await.map_err(|e| {
                Attempt::Retry(
                    None,
                    Error::backend(format!(
                        "llm {}: unreadable answer: {e}",
                        self.options.provider
                    )),
                )
            });
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let text = response.text().await.unwrap_or_default();
        let excerpt: String = text.chars().take(200).collect();
        let message = format!(
            "llm {}: HTTP {} from {url}: {excerpt}",
            self.options.provider,
            status.as_u16()
        );
        match status.as_u16() {
            429 => Err(Attempt::Retry(
                retry_after,
                Error::new(ErrorKind::RateLimited, message),
            )),
            500..=599 => Err(Attempt::Retry(retry_after, Error::backend(message))),
            401 | 403 => Err(Attempt::Fatal(Error::config_invalid(format!(
                "llm {}: HTTP {} from {url}: check LLM_API_KEY",
                self.options.provider,
                status.as_u16()
            )))),
            _ => Err(Attempt::Fatal(Error::invalid_input(message).permanent())),
        }
    }
}

enum Attempt {
    /// Worth another try, after the server's `Retry-After` if it gave one.
    Retry(Option<Duration>, Error),
    /// Will fail the same way again.
    Fatal(Error),
}

#[async_trait]
impl LlmProvider for OpenAiProvider {
    fn name(&self) -> &str {
        &self.options.provider
    }

    fn model(&self) -> &str {
        &self.options.model
    }

    fn capabilities(&self) -> LlmCapabilities {
        LlmCapabilities::new(self.options.structured_output, true)
    }

    /// `GET {endpoint}/models`: cheap on every OpenAI-compatible server, and it
    /// proves the address, the server and the key in one call.
    async fn check(&self) -> Result<()> {
        let url = format!("{}/models", self.options.endpoint);
        let mut call = self.client.get(&url).timeout(Duration::from_secs(5));
        if let Some(key) = &self.options.api_key {
            call = call.bearer_auth(key);
        }
        let response = call.send().await.map_err(|e| {
            let what = if e.is_timeout() {
                "timed out"
            } else {
                "could not connect"
            };
            Error::backend(format!("llm {}: {what} ({url})", self.options.provider))
        })?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(Error::backend(format!(
                "llm {}: HTTP {status} from {url}",
                self.options.provider
            ))),
        }
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::unexpected("llm provider closed"))?;
        let body = self.body(request);
        let started = Instant::now();
        let mut attempt = 0;
        let answer = loop {
            match self.send_once(&body).await {
                Ok(answer) => break answer,
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry(wait, e)) => {
                    let wait =
                        wait.unwrap_or_else(|| Duration::from_millis(250 * (1 << attempt.min(6))));
                    if attempt >= self.options.max_retries || wait > self.options.max_retry_wait {
                        return Err(e.with_context("attempts", attempt + 1));
                    }
                    tracing::debug!(provider = %self.options.provider, wait_ms = wait.as_millis() as u64, error = %e, "llm call retried");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        };
        let choice = &answer["choices"][0];
        let text = choice["message"]["content"]
            .as_str()
            .ok_or_else(|| {
                Error::backend(format!(
                    "llm {}: answer has no choices[0].message.content",
                    self.options.provider
                ))
            })?
            .to_owned();
        let json = request
            .json_schema
            .as_ref()
            .and_then(|_| serde_json::from_str::<Value>(&text).ok());
        let count = |k: &str| {
            answer["usage"][k]
                .as_u64()
                .unwrap_or(0)
                .min(u64::from(u32::MAX)) as u32
        };
        Ok(LlmResponse {
            model: answer["model"]
                .as_str()
                .unwrap_or(&self.options.model)
                .to_owned(),
            usage: TokenUsage {
                prompt_tokens: count("prompt_tokens"),
                completion_tokens: count("completion_tokens"),
            },
            latency_ms: started.elapsed().as_millis() as u64,
            finish_reason: choice["finish_reason"].as_str().map(str::to_owned),
            text,
            json,
        })
    }
}
