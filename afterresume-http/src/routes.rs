//! Routes. The full `/api` and `/system` surface arrives with its own issue; this is
//! the health check every deployment needs first.

use afterresume_core::Engine;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde_json::json;

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The engine.
    pub engine: Engine,
}

/// The host's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/healthz/", get(healthz))
        .route("/api/readyz/", get(readyz))
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the job store and queue answer.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let store = state.engine.store().job_counts().await.map(|_| ());
    let queue = state.engine.queue().depth().await.map(|_| ());
    let check = |r: &afterresume_core::Result<()>| if r.is_ok() { "ok" } else { "unavailable" };
    let body = json!({ "status": if store.is_ok() && queue.is_ok() { "ok" } else { "unavailable" },
                       "checks": { "job_store": check(&store), "queue": check(&queue) } });
    let code = if store.is_ok() && queue.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}
