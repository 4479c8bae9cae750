//! The system dashboard, `/system/*`: staff only. With `DEBUG` and
//! `SYSTEM_DASHBOARD_ENABLED` it is also open to loopback clients without login,
//! as the reference design allows for local development; with
//! `SYSTEM_DASHBOARD_ENABLED=false` it does not exist (404).

use afterresume_core::domain::{JobId, Schedule};
use afterresume_core::service::overview::Overview;
use afterresume_core::service::{Actor, EventPage, Page};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Json;
use serde_json::{Value, json};

use crate::api::health::dependency_checks;
use crate::api::jobs::{event_query, job_detail_json, job_page_json, job_query};
use crate::api::{Params, PathId};
use crate::auth::{Staff, client_ip};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Permission to see the dashboard: a staff caller, or (in local development) a
/// loopback client, who acts as the system.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DashboardAccess(Actor);

impl DashboardAccess {
    fn actor(&self) -> Actor {
        self.0
    }
}

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
            return Ok(DashboardAccess(Actor::system()));
        }
        let Staff(caller) = Staff::from_request_parts(parts, state).await?;
        Ok(DashboardAccess(caller.actor()))
    }
}

#[utoipa::path(get, path = "/system/overview/", tag = "system",
    responses((status = 200, description = "Job counts by status and type, queue depth, schedules, workers, oldest queued age, failure rate")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn overview(
    State(state): State<AppState>,
    access: DashboardAccess,
) -> ApiResult<Json<Overview>> {
    let overview = state
        .app
        .overview(&access.actor(), state.local_workers)
        .await?;
    Ok(Json(overview))
}

#[utoipa::path(get, path = "/system/jobs/", tag = "system",
    params(
        ("status" = Option<String>, Query, description = "queued, running, success, failed or cancelled"),
        ("type" = Option<String>, Query, description = "Job type"),
        ("queue" = Option<String>, Query, description = "Named queue"),
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
    access: DashboardAccess,
    params: Params,
) -> ApiResult<Json<Page<Value>>> {
    let page = state
        .app
        .list_all_jobs(&access.actor(), job_query(&params)?)
        .await?;
    Ok(Json(job_page_json(page)))
}

#[utoipa::path(get, path = "/system/jobs/{id}/", tag = "system",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses((status = 200, description = "The job")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn job(
    State(state): State<AppState>,
    access: DashboardAccess,
    PathId(id): PathId<JobId>,
) -> ApiResult<Json<Value>> {
    Ok(Json(job_detail_json(&state, &access.actor(), id).await?))
}

#[utoipa::path(get, path = "/system/jobs/{id}/events/", tag = "system",
    params(("id" = String, Path, description = "Job id (UUID)"),
           ("after_id" = Option<i64>, Query, description = "Only events after this id"),
           ("limit" = Option<usize>, Query, description = "1 to 1000 (default 1000)")),
    responses((status = 200, description = "The event timeline")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn job_events(
    State(state): State<AppState>,
    access: DashboardAccess,
    PathId(id): PathId<JobId>,
    params: Params,
) -> ApiResult<Json<EventPage>> {
    let query = event_query(&params)?;
    Ok(Json(
        state.app.job_events(&access.actor(), id, query).await?,
    ))
}

#[utoipa::path(get, path = "/system/schedules/", tag = "system",
    responses((status = 200, description = "`{results, next}`: every schedule")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn schedules(
    State(state): State<AppState>,
    access: DashboardAccess,
) -> ApiResult<Json<Page<Schedule>>> {
    let schedules = state.app.list_schedules(&access.actor()).await?;
    Ok(Json(Page::whole(schedules)))
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
