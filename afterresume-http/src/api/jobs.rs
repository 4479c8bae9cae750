//! `/api/jobs/`: the caller's jobs (list, detail, event timeline, cancel). The
//! system dashboard's job views parse their filters the same way.

use afterresume_core::domain::{Job, JobId, JobStatus};
use afterresume_core::service::jobs::MAX_EVENT_PAGE;
use afterresume_core::service::{EventPage, EventQuery, JobQuery, Page};
use axum::extract::State;
use axum::response::Json;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Params, PathId, job_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The filters of a job list: `?status=`, `?type=`, `?created_from=`,
/// `?created_to=` (RFC 3339), `?user_id=`, and the page.
pub(crate) fn job_query(params: &Params) -> ApiResult<JobQuery> {
    let time = |name: &str| -> ApiResult<Option<DateTime<Utc>>> {
        params
            .get(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| ApiError::field(name, format!("'{v}' is not an RFC 3339 time")))
            })
            .transpose()
    };
    Ok(JobQuery {
        status: params.parsed("status", JobStatus::parse_field)?,
        job_type: params.get("type").map(str::to_owned),
        queue: params.parsed("queue", |_, name| {
            afterresume_core::domain::check_queue_name(name).map(str::to_owned)
        })?,
        user_id: params.id("user_id")?,
        created_from: time("created_from")?,
        created_to: time("created_to")?,
        page: params.page()?,
    })
}

/// `?after_id=` and `?limit=` of a timeline.
pub(crate) fn event_query(params: &Params) -> ApiResult<EventQuery> {
    let after_id = params
        .get("after_id")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::field("after_id", format!("'{v}' is not an integer")))
        })
        .transpose()?;
    let limit = params
        .get("limit")
        .map(|v| {
            v.parse::<usize>().map_err(|_| {
                ApiError::field(
                    "limit",
                    format!("must be an integer from 1 to {MAX_EVENT_PAGE}, got '{v}'"),
                )
            })
        })
        .transpose()?;
    Ok(EventQuery { after_id, limit })
}

/// A page of jobs as the API shows them.
pub(crate) fn job_page_json(page: Page<Job>) -> Page<Value> {
    page.map(|job| job_json(&job))
}

#[utoipa::path(get, path = "/api/jobs/", tag = "jobs",
    params(
        ("status" = Option<String>, Query, description = "queued, running, success, failed or cancelled"),
        ("type" = Option<String>, Query, description = "Job type"),
        ("queue" = Option<String>, Query, description = "Named queue"),
        ("created_from" = Option<String>, Query, description = "RFC 3339"),
        ("created_to" = Option<String>, Query, description = "RFC 3339"),
        ("user_id" = Option<i64>, Query, description = "Staff only: another user's jobs"),
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses((status = 200, description = "`{results, next}`: the caller's jobs, newest first")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Page<Value>>> {
    let page = state
        .app
        .list_jobs(&caller.actor(), job_query(&params)?)
        .await?;
    Ok(Json(job_page_json(page)))
}

#[utoipa::path(get, path = "/api/jobs/{id}/", tag = "jobs",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses((status = 200, description = "`{id, type, status, result, error, created_at, started_at, finished_at, ..., progress}`; `progress` is the latest `{percent, message, at}` the job reported, or null"), (status = 404, description = "Not found or not yours")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<JobId>,
) -> ApiResult<Json<Value>> {
    Ok(Json(job_detail_json(&state, &caller.actor(), id).await?))
}

/// A job with its latest progress, as the detail routes answer it.
pub(crate) async fn job_detail_json(
    state: &AppState,
    actor: &afterresume_core::service::Actor,
    id: JobId,
) -> ApiResult<Value> {
    let mut body = job_json(&state.app.job(actor, id).await?);
    body["progress"] = serde_json::json!(state.app.job_progress(actor, id).await?);
    Ok(body)
}

#[utoipa::path(get, path = "/api/jobs/{id}/events/", tag = "jobs",
    params(("id" = String, Path, description = "Job id (UUID)"),
           ("after_id" = Option<i64>, Query, description = "Only events after this id"),
           ("limit" = Option<usize>, Query, description = "1 to 1000 (default 1000)")),
    responses((status = 200, description = "`{job_id, results, next_after_id}`: the event timeline, oldest first")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn events(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<JobId>,
    params: Params,
) -> ApiResult<Json<EventPage>> {
    let query = event_query(&params)?;
    Ok(Json(
        state.app.job_events(&caller.actor(), id, query).await?,
    ))
}

#[utoipa::path(post, path = "/api/jobs/{id}/cancel/", tag = "jobs",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses((status = 200, description = "The job: `cancelled`, or running with `cancel_requested`"), (status = 409, description = "Already finished")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<JobId>,
) -> ApiResult<Json<Value>> {
    Ok(Json(job_json(
        &state.app.cancel_job(&caller.actor(), id).await?,
    )))
}
