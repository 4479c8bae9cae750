//! `/api/jobs/`: the caller's jobs (list, detail, event timeline, cancel). The
//! system dashboard's job views reuse the listing and the timeline with no owner
//! restriction.

use afterresume_core::domain::{Job, JobId, JobStatus, UserId};
use afterresume_core::ports::{JobFilter, ListEventsOptions};
use axum::extract::State;
use axum::response::Json;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Page, Params, PathId, job_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A page of jobs, newest first, filtered by `?status=`, `?type=`, `?created_from=`,
/// `?created_to=` (RFC 3339) and, when `owner` is `None`, `?user_id=`.
pub(crate) async fn job_page(
    state: &AppState,
    params: &Params,
    owner: Option<UserId>,
) -> ApiResult<Page<Value>> {
    let limit = params.limit()?;
    let status = params
        .get("status")
        .map(|s| {
            s.parse::<JobStatus>().map_err(|_| {
                ApiError::field(
                    "status",
                    format!("'{s}' is not one of queued, running, success, failed, cancelled"),
                )
            })
        })
        .transpose()?;
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
    let after = params.cursor(|c| {
        let (t, id) = c.split_once('|')?;
        Some((
            DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc),
            id.parse::<JobId>().ok()?,
        ))
    })?;
    let filter = JobFilter {
        status,
        job_type: params.get("type").map(str::to_owned),
        user_id: match owner {
            Some(user) => Some(user),
            None => params.id("user_id")?,
        },
        parent_job_id: None,
        created_from: time("created_from")?,
        created_to: time("created_to")?,
        after,
        limit: limit + 1,
    };
    let jobs = state.engine.list_jobs(&filter).await?;
    let page = Page::from_overfetch(jobs, limit, |j: &Job| {
        format!("{}|{}", j.created_at.to_rfc3339(), j.id)
    });
    Ok(Page {
        results: page.results.iter().map(job_json).collect(),
        next: page.next,
    })
}

/// A job's events, oldest first, paged by `?after_id=` and `?limit=` (≤ 1000).
/// Only operators (staff) see the `detail` of errors.
pub(crate) async fn event_page(
    state: &AppState,
    id: JobId,
    params: &Params,
    operator: bool,
) -> ApiResult<Value> {
    let limit = match params.get("limit") {
        None => 1000,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::field(
                    "limit",
                    format!("must be an integer from 1 to 1000, got '{v}'"),
                ));
            }
        },
    };
    let after_id = params
        .get("after_id")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::field("after_id", format!("'{v}' is not an integer")))
        })
        .transpose()?;
    let events = state
        .engine
        .job_events(id, &ListEventsOptions { after_id, limit })
        .await?;
    let events: Vec<_> = if operator {
        events
    } else {
        events.into_iter().map(|e| e.for_owner()).collect()
    };
    let next = (events.len() == limit)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(json!({"job_id": id, "results": events, "next_after_id": next}))
}

async fn owned_job(state: &AppState, caller: &Caller, id: JobId) -> ApiResult<Job> {
    match state.engine.get_job(id).await {
        Ok(job) if caller.may_see(job.user_id) => Ok(job),
        Ok(_) => Err(ApiError::not_found(&format!("job {id}"))),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/jobs/", tag = "jobs",
    params(
        ("status" = Option<String>, Query, description = "queued, running, success, failed or cancelled"),
        ("type" = Option<String>, Query, description = "Job type"),
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
    let owner = caller.acting_for(params.id("user_id")?)?;
    job_page(&state, &params, Some(owner)).await.map(Json)
}

#[utoipa::path(get, path = "/api/jobs/{id}/", tag = "jobs",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses((status = 200, description = "`{id, type, status, result, error, created_at, started_at, finished_at, ...}`"), (status = 404, description = "Not found or not yours")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<JobId>,
) -> ApiResult<Json<Value>> {
    Ok(Json(job_json(&owned_job(&state, &caller, id).await?)))
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
) -> ApiResult<Json<Value>> {
    owned_job(&state, &caller, id).await?;
    event_page(&state, id, &params, caller.user.is_staff)
        .await
        .map(Json)
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
    owned_job(&state, &caller, id).await?;
    Ok(Json(job_json(&state.engine.cancel(id).await?)))
}
