//! Dead letters over HTTP, staff only: the jobs that failed for good listed
//! apart, one run again, all of them (or one type's) purged.

use afterresume_core::domain::{JobId, JobStatus};
use afterresume_core::service::Page;
use axum::extract::State;
use axum::response::Json;
use serde_json::{Value, json};

use crate::api::jobs::{job_page_json, job_query};
use crate::api::{Params, PathId, job_json};
use crate::auth::Staff;
use crate::error::ApiResult;
use crate::state::AppState;

#[utoipa::path(get, path = "/system/jobs/dead/", tag = "system",
    params(
        ("type" = Option<String>, Query, description = "Job type"),
        ("queue" = Option<String>, Query, description = "Named queue"),
        ("user_id" = Option<i64>, Query, description = "Owner"),
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses((status = 200, description = "`{results, next}`: jobs that failed for good, newest first"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Staff(caller): Staff,
    params: Params,
) -> ApiResult<Json<Page<Value>>> {
    let mut query = job_query(&params)?;
    query.status = Some(JobStatus::Failed);
    let page = state.app.list_all_jobs(&caller.actor(), query).await?;
    Ok(Json(job_page_json(page)))
}

#[utoipa::path(post, path = "/system/jobs/{id}/retry/", tag = "system",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses((status = 200, description = "The job, queued again with its retries from zero"),
              (status = 404, description = "No such job"),
              (status = 409, description = "Not failed or cancelled")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn retry(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(id): PathId<JobId>,
) -> ApiResult<Json<Value>> {
    let job = state.app.retry_job(&caller.actor(), id).await?;
    Ok(Json(job_json(&job)))
}

#[utoipa::path(post, path = "/system/jobs/dead/purge/", tag = "system",
    params(("type" = Option<String>, Query, description = "Only this job type")),
    responses((status = 200, description = "`{deleted}`: how many failed jobs were deleted with their events"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn purge(
    State(state): State<AppState>,
    Staff(caller): Staff,
    params: Params,
) -> ApiResult<Json<Value>> {
    let deleted = state
        .app
        .purge_dead_jobs(&caller.actor(), params.get("type"))
        .await?;
    Ok(Json(json!({ "deleted": deleted })))
}
