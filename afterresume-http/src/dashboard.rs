//! The system dashboard, `/system/*`: staff only. With `DEBUG` and
//! `SYSTEM_DASHBOARD_ENABLED` it is also open to loopback clients without login,
//! as the reference design allows for local development; with
//! `SYSTEM_DASHBOARD_ENABLED=false` it does not exist (404).

use std::collections::BTreeMap;

use afterresume_core::domain::{JobId, JobStatus};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Json;
use chrono::Utc;
use serde_json::{Value, json};

use crate::api::health::dependency_checks;
use crate::api::jobs::{event_page, job_page};
use crate::api::{Page, Params, PathId, job_json};
use crate::auth::{Staff, client_ip};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Permission to see the dashboard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DashboardAccess;

impl FromRequestParts<AppState> for DashboardAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !state.settings.dashboard_enabled {
            return Err(ApiError::not_found("page"));
        }
        let loopback = client_ip(
            &parts.extensions,
            &parts.headers,
            &state.settings.trusted_proxies,
        )
        .is_some_and(|ip| ip.is_loopback());
        if state.settings.debug && loopback {
            return Ok(DashboardAccess);
        }
        Staff::from_request_parts(parts, state).await?;
        Ok(DashboardAccess)
    }
}

#[utoipa::path(get, path = "/system/overview/", tag = "system",
    responses((status = 200, description = "Job counts by status and type, queue depth, schedules, workers, oldest queued age, failure rate")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn overview(
    State(state): State<AppState>,
    _: DashboardAccess,
) -> ApiResult<Json<Value>> {
    let engine = &state.engine;
    let counts = engine.store().job_counts().await?;
    let mut by_status: BTreeMap<&str, u64> =
        JobStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut by_type: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    for c in &counts {
        *by_status.entry(c.status.as_str()).or_default() += c.count;
        *by_type
            .entry(c.job_type.as_str())
            .or_default()
            .entry(c.status.as_str())
            .or_default() += c.count;
    }
    let (success, failed) = (by_status["success"], by_status["failed"]);
    let failure_rate = if success + failed == 0 {
        0.0
    } else {
        failed as f64 / (success + failed) as f64
    };
    let depth = engine.queue().depth().await?;
    let schedules = engine.list_schedules().await?;
    let now = engine.now();
    let oldest = engine
        .store()
        .queued_due(now + chrono::Duration::days(36500), 1)
        .await?;
    let oldest_queued_age_seconds = match oldest.first() {
        Some(message) => {
            let job = engine.get_job(message.job_id).await?;
            Some((now - job.created_at).num_milliseconds().max(0) as f64 / 1000.0)
        }
        None => None,
    };
    let running = engine
        .list_jobs(&afterresume_core::ports::JobFilter {
            status: Some(JobStatus::Running),
            limit: 1000,
            ..Default::default()
        })
        .await?;
    let workers_busy: std::collections::BTreeSet<&str> = running
        .iter()
        .filter(|j| j.lease_expires_at.is_some_and(|t| t > now))
        .filter_map(|j| j.worker_id.as_deref())
        .collect();
    Ok(Json(json!({
        "jobs": {"by_status": by_status, "by_type": by_type, "total": counts.iter().map(|c| c.count).sum::<u64>()},
        "queue": {"ready": depth.ready, "delayed": depth.delayed},
        "schedules": {"total": schedules.len(), "enabled": schedules.iter().filter(|s| s.enabled).count()},
        "workers": {
            "this_process": state.local_workers,
            "this_process_busy": engine.running_jobs(),
            "busy_with_live_lease": workers_busy.len(),
        },
        "oldest_queued_age_seconds": oldest_queued_age_seconds,
        "failure_rate": failure_rate,
        "generated_at": Utc::now(),
    })))
}

#[utoipa::path(get, path = "/system/jobs/", tag = "system",
    params(
        ("status" = Option<String>, Query, description = "queued, running, success, failed or cancelled"),
        ("type" = Option<String>, Query, description = "Job type"),
        ("user_id" = Option<i64>, Query, description = "Owner"),
        ("created_from" = Option<String>, Query, description = "RFC 3339"),
        ("created_to" = Option<String>, Query, description = "RFC 3339"),
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses((status = 200, description = "`{results, next}`: every user's jobs, newest first")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn jobs(
    State(state): State<AppState>,
    _: DashboardAccess,
    params: Params,
) -> ApiResult<Json<Page<Value>>> {
    job_page(&state, &params, None).await.map(Json)
}

#[utoipa::path(get, path = "/system/jobs/{id}/", tag = "system",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses((status = 200, description = "The job")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn job(
    State(state): State<AppState>,
    _: DashboardAccess,
    PathId(id): PathId<JobId>,
) -> ApiResult<Json<Value>> {
    Ok(Json(job_json(&state.engine.get_job(id).await?)))
}

#[utoipa::path(get, path = "/system/jobs/{id}/events/", tag = "system",
    params(("id" = String, Path, description = "Job id (UUID)"),
           ("after_id" = Option<i64>, Query, description = "Only events after this id"),
           ("limit" = Option<usize>, Query, description = "1 to 1000 (default 1000)")),
    responses((status = 200, description = "The event timeline")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn job_events(
    State(state): State<AppState>,
    _: DashboardAccess,
    PathId(id): PathId<JobId>,
    params: Params,
) -> ApiResult<Json<Value>> {
    state.engine.get_job(id).await?;
    event_page(&state, id, &params, true).await.map(Json)
}

#[utoipa::path(get, path = "/system/schedules/", tag = "system",
    responses((status = 200, description = "`{results, next}`: every schedule")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn schedules(
    State(state): State<AppState>,
    _: DashboardAccess,
) -> ApiResult<Json<Value>> {
    let schedules = state.engine.list_schedules().await?;
    Ok(Json(json!({"results": schedules, "next": null})))
}

#[utoipa::path(get, path = "/system/health/", tag = "system",
    responses((status = 200, description = "Every dependency with status, latency and error")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn health(State(state): State<AppState>, _: DashboardAccess) -> Json<Value> {
    let checks = dependency_checks(&state).await;
    let ok = checks.iter().all(|c| c.error.is_none());
    let detail: serde_json::Map<String, Value> = checks
        .iter()
        .map(|c| (c.name.to_owned(), c.json(true)))
        .collect();
    Json(json!({"status": if ok { "ok" } else { "degraded" }, "checks": detail}))
}
