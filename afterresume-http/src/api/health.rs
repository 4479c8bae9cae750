//! Liveness, readiness and the OpenAPI document: the routes that need no login.

use std::time::Instant;

use afterresume_core::ErrorKind;
use afterresume_core::ports::ArtifactKey;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use crate::state::AppState;

/// One dependency check: name, outcome, latency.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) name: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) latency_ms: f64,
}

impl Check {
    pub(crate) fn json(&self, with_detail: bool) -> Value {
        let mut v = json!({
            "status": if self.error.is_none() { "ok" } else { "unavailable" },
            "latency_ms": (self.latency_ms * 100.0).round() / 100.0,
        });
        if with_detail && let Some(e) = &self.error {
            v["error"] = json!(e);
        }
        v
    }
}

async fn timed<F>(name: &'static str, check: F) -> Check
where
    F: std::future::Future<Output = afterresume_core::Result<()>>,
{
    let started = Instant::now();
    let outcome = check.await;
    Check {
        name,
        error: outcome.err().map(|e| e.to_string()),
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

/// Checks every configured dependency: job store, queue, domain store, artifact
/// store, and the LLM server when one is configured.
pub(crate) async fn dependency_checks(state: &AppState) -> Vec<Check> {
    let mut checks = vec![
        timed("job_store", async {
            state.app.engine().store().job_counts().await.map(drop)
        })
        .await,
        timed("queue", async {
            state.app.engine().queue().depth().await.map(drop)
        })
        .await,
        timed("domain_store", async {
            // A lookup that finds nothing still proves the database answers.
            match state.app.domain().get_user(0).await {
                Err(e) if !e.is(ErrorKind::NotFound) => Err(e),
                _ => Ok(()),
            }
        })
        .await,
    ];
    if let Some(artifacts) = &state.artifacts {
        checks.push(
            timed("artifact_store", async {
                let probe = ArtifactKey::parse("health/probe")?;
                match artifacts.head(&probe).await {
                    Err(e) if !e.is(ErrorKind::NotFound) => Err(e),
                    _ => Ok(()),
                }
            })
            .await,
        );
    }
    if let Some(llm) = &state.llm {
        checks.push(timed("llm", llm.check()).await);
    }
    checks
}

#[utoipa::path(get, path = "/api/healthz/", tag = "health",
    responses((status = 200, description = "The process answers")))]
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/api/readyz/", tag = "health",
    responses((status = 200, description = "Every dependency answers"), (status = 503, description = "At least one does not; `checks` says which")))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let checks = dependency_checks(&state).await;
    let ready = checks.iter().all(|c| c.error.is_none());
    let body: serde_json::Map<String, Value> = checks
        .iter()
        .map(|c| (c.name.to_owned(), c.json(false)))
        .collect();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({"status": if ready { "ok" } else { "unavailable" }, "checks": body})),
    )
        .into_response()
}
