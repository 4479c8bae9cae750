//! Webhooks on job outcomes: when a job ends in an outcome someone subscribed
//! to, the engine enqueues a `webhook.deliver` job for it, so a delivery is
//! stored, retried with backoff and visible like any job, and survives a
//! crash. The delivering workflow (an HTTP client) is the host's; the body and
//! its signature are defined here so every host signs alike.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{Engine, EnqueueOptions};
use crate::domain::{Job, JobStatus, Trigger};

/// The job type that delivers a webhook.
pub const WEBHOOK_DELIVER: &str = "webhook.deliver";

/// The header that carries the signature (`sha256=<hex>`).
pub const SIGNATURE_HEADER: &str = "x-afterresume-signature";
/// The header that carries the Unix time the signature covers.
pub const TIMESTAMP_HEADER: &str = "x-afterresume-timestamp";
/// The header that names the event (`job.failed`).
pub const EVENT_HEADER: &str = "x-afterresume-event";

/// The signature of a delivery: HMAC-SHA256 over `"{timestamp}.{body}"` with
/// the shared secret, as `sha256=<hex>`. A receiver recomputes it and checks
/// the timestamp is recent, so a captured delivery cannot be replayed later.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The event a finished job is announced as: `job.success`, `job.failed` or
/// `job.cancelled`, with what a receiver needs to look the job up (never its
/// payload or result, which may hold a person's data).
pub fn outcome_event(job: &Job, finished_at: DateTime<Utc>) -> Value {
    json!({
        "event": format!("job.{}", job.status.as_str()),
        "job": {
            "id": job.id,
            "type": job.job_type,
            "status": job.status,
            "user_id": job.user_id,
            "trigger": job.trigger,
            "attempt": job.attempt,
            "retry_count": job.retry_count,
            "error": job.error,
            "finished_at": finished_at,
            "trace_id": job.trace_id,
        },
    })
}

impl Engine {
    /// Enqueues the delivery of `job`'s outcome when it is subscribed to (and
    /// is not itself a delivery). One delivery per job and attempt, however
    /// often this is called.
    pub(crate) async fn announce_outcome(&self, job: &Job, finished_at: DateTime<Utc>) {
        let subscribed = self
            .inner
            .webhook_outcomes
            .as_ref()
            .is_some_and(|outcomes| outcomes.contains(&job.status));
        if !subscribed || job.job_type == WEBHOOK_DELIVER {
            return;
        }
        let options = EnqueueOptions {
            trigger: Trigger::System,
            user_id: job.user_id,
            idempotency_key: Some(format!("webhook:{}:{}", job.id, job.attempt)),
            parent_job_id: Some(job.id),
            trace_id: Some(job.trace_id),
            ..EnqueueOptions::default()
        };
        let event = outcome_event(job, finished_at);
        if let Err(err) = self.enqueue(WEBHOOK_DELIVER, event, options).await {
            tracing::error!(job_id = %job.id, error = %err, "could not enqueue the webhook delivery");
        }
    }
}

/// The outcomes a webhook may subscribe to.
pub fn parse_outcomes(text: &str) -> crate::Result<Vec<JobStatus>> {
    let mut outcomes = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let status = JobStatus::parse_field("outcome", name)?;
        if !status.is_finished() {
            return Err(crate::Error::invalid_input(format!(
                "outcome: '{name}' is not an outcome (use success, failed, cancelled)"
            )));
        }
        if !outcomes.contains(&status) {
            outcomes.push(status);
        }
    }
    if outcomes.is_empty() {
        return Err(crate::Error::invalid_input(
            "outcome: name at least one of success, failed, cancelled",
        ));
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_time_and_body() {
        let a = webhook_signature("s3cret", 1_700_000_000, b"{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64, "{a}");
        assert_ne!(a, webhook_signature("s3cret", 1_700_000_001, b"{}"));
        assert_ne!(a, webhook_signature("s3cret", 1_700_000_000, b"{ }"));
        assert_ne!(a, webhook_signature("other", 1_700_000_000, b"{}"));
        assert_eq!(a, webhook_signature("s3cret", 1_700_000_000, b"{}"));
    }

    #[test]
    fn outcomes_are_finished_statuses() {
        assert_eq!(
            parse_outcomes("failed, success,failed").unwrap(),
            vec![JobStatus::Failed, JobStatus::Success]
        );
        assert!(parse_outcomes("running").is_err());
        assert!(parse_outcomes(" , ").is_err());
        assert!(parse_outcomes("exploded").is_err());
    }
}
