//! The `webhook.deliver` workflow: POSTs a job's outcome event to one URL,
//! signed with a shared secret (see `afterresume_core::engine::webhook_signature`).
//! A 2xx answer delivers it; a timeout, a refused connection, 408, 429 or a
//! 5xx is temporary and the engine retries it with backoff; any other answer
//! fails the delivery for good, visible as a failed job.

use std::time::Duration;

use afterresume_core::engine::{
    EVENT_HEADER, JobTypeOptions, RetryPolicy, SIGNATURE_HEADER, TIMESTAMP_HEADER, Workflow,
    webhook_signature,
};
use afterresume_core::{Error, ExecutionContext, Result};
use async_trait::async_trait;
use serde_json::{Value, json};

/// The shortest secret accepted.
pub const MIN_WEBHOOK_SECRET: usize = 16;

/// Where and how to deliver. `Debug` never shows the secret.
#[derive(Clone, PartialEq)]
pub struct WebhookOptions {
    /// The receiver (`http://` or `https://`).
    pub url: url::Url,
    /// The shared secret the signature is made with.
    pub secret: String,
    /// How long one POST may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookOptions")
            .field("url", &crate::common::redact_url(self.url.as_str()))
            .field("secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl WebhookOptions {
    /// Checked options; errors name the field.
    pub fn new(url: &str, secret: &str) -> Result<Self> {
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| Error::config_invalid(format!("url: not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::config_invalid(
                "url: must be an http:// or https:// URL",
            ));
        }
        if secret.chars().count() < MIN_WEBHOOK_SECRET {
            return Err(Error::config_invalid(format!(
                "secret: at least {MIN_WEBHOOK_SECRET} characters"
            )));
        }
        Ok(WebhookOptions {
            url: parsed,
            secret: secret.to_owned(),
            timeout: Duration::from_secs(10),
        })
    }
}

/// Posts outcome events.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    options: WebhookOptions,
    client: reqwest::Client,
}

impl WebhookDelivery {
    /// A delivery workflow for these options.
    pub fn new(options: WebhookOptions) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .build()
            .map_err(|e| Error::config_invalid("webhook: HTTP client").with_source(e))?;
        Ok(WebhookDelivery { options, client })
    }

    /// Its job type's options: a receiver that is down is tried again for
    /// about half an hour (8 retries from 5 s, doubling, jittered).
    pub fn job_type_options() -> JobTypeOptions {
        JobTypeOptions::default().with_retry(
            RetryPolicy::default()
                .with_max_retries(8)
                .with_initial_delay(Duration::from_secs(5)),
        )
    }
}

#[async_trait]
impl Workflow for WebhookDelivery {
    async fn run(&self, ctx: ExecutionContext, payload: Value) -> Result<Value> {
        let event = payload["event"]
            .as_str()
            .unwrap_or("job.unknown")
            .to_owned();
        let body = serde_json::to_vec(&payload)
            .map_err(|e| Error::unexpected("webhook body").with_source(e))?;
        let timestamp = ctx.now().timestamp();
        let signature = webhook_signature(&self.options.secret, timestamp, &body);
        let sent = self
            .client
            .post(self.options.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, &event)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .header("x-afterresume-delivery", ctx.job_id().to_string())
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            // The message of a reqwest error can hold the URL: keep it out.
            Err(e) if e.is_timeout() => {
                return Err(Error::backend("webhook: the receiver timed out"));
            }
            Err(_) => return Err(Error::backend("webhook: the receiver could not be reached")),
        };
        let status = response.status();
        if status.is_success() {
            return Ok(json!({ "delivered": event, "status": status.as_u16() }));
        }
        let message = format!("webhook: the receiver answered {}", status.as_u16());
        if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
            Err(Error::backend(message))
        } else {
            Err(Error::invalid_input(message))
        }
    }
}
