//! Named queues and job types over HTTP, staff only: what waits in each queue,
//! and pausing or resuming a queue or a job type in every worker process.

use afterresume_core::ports::PauseTarget;
use afterresume_core::service::queues::{PauseChange, QueuesOverview};
use axum::extract::State;
use axum::response::Json;

use crate::api::PathId;
use crate::auth::{Caller, Staff};
use crate::error::ApiResult;
use crate::state::AppState;

#[utoipa::path(get, path = "/system/queues/", tag = "system",
    responses((status = 200, description = "`{queues, paused_job_types}`: each queue with ready, delayed and running counts, the oldest due job's time and whether it is paused; and the paused job types"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Staff(caller): Staff,
) -> ApiResult<Json<QueuesOverview>> {
    Ok(Json(state.app.queues(&caller.actor()).await?))
}

#[utoipa::path(post, path = "/system/queues/{name}/pause/", tag = "system",
    params(("name" = String, Path, description = "Queue name (a-z, 0-9, '-', '_', '.')")),
    responses((status = 200, description = "`{kind, name, paused, changed}`: no worker starts the queue's jobs until it is resumed"),
              (status = 400, description = "Not a valid queue name"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn pause_queue(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(name): PathId<String>,
) -> ApiResult<Json<PauseChange>> {
    set(&state, &caller, PauseTarget::Queue(name), true).await
}

#[utoipa::path(post, path = "/system/queues/{name}/resume/", tag = "system",
    params(("name" = String, Path, description = "Queue name")),
    responses((status = 200, description = "`{kind, name, paused, changed}`: the queue's jobs run again"),
              (status = 400, description = "Not a valid queue name"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn resume_queue(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(name): PathId<String>,
) -> ApiResult<Json<PauseChange>> {
    set(&state, &caller, PauseTarget::Queue(name), false).await
}

#[utoipa::path(post, path = "/system/job-types/{job_type}/pause/", tag = "system",
    params(("job_type" = String, Path, description = "Job type, e.g. `skills.extract`")),
    responses((status = 200, description = "`{kind, name, paused, changed}`: no worker starts jobs of the type until it is resumed"),
              (status = 400, description = "Not a valid job type"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn pause_type(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(job_type): PathId<String>,
) -> ApiResult<Json<PauseChange>> {
    set(&state, &caller, PauseTarget::JobType(job_type), true).await
}

#[utoipa::path(post, path = "/system/job-types/{job_type}/resume/", tag = "system",
    params(("job_type" = String, Path, description = "Job type")),
    responses((status = 200, description = "`{kind, name, paused, changed}`: jobs of the type run again"),
              (status = 400, description = "Not a valid job type"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn resume_type(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(job_type): PathId<String>,
) -> ApiResult<Json<PauseChange>> {
    set(&state, &caller, PauseTarget::JobType(job_type), false).await
}

async fn set(
    state: &AppState,
    caller: &Caller,
    target: PauseTarget,
    paused: bool,
) -> ApiResult<Json<PauseChange>> {
    Ok(Json(
        state
            .app
            .set_paused(&caller.actor(), target, paused)
            .await?,
    ))
}
