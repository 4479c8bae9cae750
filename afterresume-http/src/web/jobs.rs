//! *Jobs*: a person's jobs and each one's timeline (`/jobs`), and the same
//! pages over everyone's jobs for staff (`/ops/jobs`, with more filters and
//! retry). Also the wait for a job that a page started (a report, a
//! tailored resume).

use afterresume_core::domain::{JobId, JobStatus};
use afterresume_core::service::{EventQuery, JobQuery, PageRequest};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::render::{page, query_value};
use super::session::{CsrfForm, WebStaff, WebUser};
use crate::error::ApiError;
use crate::state::AppState;

/// Jobs a list page shows.
const JOBS_PER_PAGE: usize = 50;

/// Where a job a page started stands.
pub(super) enum JobWait {
    /// Queued or running.
    Pending,
    /// Finished: its result.
    Done(Value),
    /// Failed or cancelled: what to tell the person.
    Failed(String),
}

/// The job as its page waits for it; a job that is not the person's is the
/// error page.
pub(super) async fn wait_for(
    state: &AppState,
    web: &WebUser,
    id: JobId,
) -> Result<JobWait, Response> {
    let job = state
        .app
        .job(&web.actor(), id)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok(match job.status {
        JobStatus::Queued | JobStatus::Running => JobWait::Pending,
        JobStatus::Success => JobWait::Done(job.result.unwrap_or(Value::Null)),
        JobStatus::Failed => JobWait::Failed(format!(
            "It failed: {}",
            job.error.as_deref().unwrap_or("no reason was recorded")
        )),
        JobStatus::Cancelled => JobWait::Failed("It was cancelled.".into()),
    })
}

/// Which jobs to list, as the filter form sends them.
#[derive(Deserialize, Default)]
pub(super) struct JobFilterForm {
    #[serde(default)]
    status: String,
    #[serde(default, rename = "type")]
    job_type: String,
    #[serde(default)]
    queue: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    cursor: String,
    /// How many failed jobs a purge just deleted.
    purged: Option<usize>,
}

impl JobFilterForm {
    fn query(&self) -> Result<JobQuery, afterresume_core::Error> {
        let status = match self.status.trim() {
            "" => None,
            s => Some(JobStatus::parse_field("status", s)?),
        };
        let user_id = match self.user_id.trim() {
            "" => None,
            u => Some(u.parse().map_err(|_| {
                afterresume_core::Error::invalid_input("user: must be a user id (a number)")
            })?),
        };
        Ok(JobQuery {
            status,
            job_type: Some(self.job_type.trim().to_owned()).filter(|t| !t.is_empty()),
            queue: Some(self.queue.trim().to_owned()).filter(|q| !q.is_empty()),
            user_id,
            page: PageRequest {
                limit: Some(JOBS_PER_PAGE),
                cursor: Some(self.cursor.clone()).filter(|c| !c.is_empty()),
            },
            ..JobQuery::default()
        })
    }

    fn next_link(&self, base: &str, cursor: &str) -> String {
        format!(
            "{base}?status={}&type={}&queue={}&user_id={}&cursor={}",
            query_value(&self.status),
            query_value(&self.job_type),
            query_value(&self.queue),
            query_value(&self.user_id),
            query_value(cursor)
        )
    }
}

/// `GET /jobs`: the person's jobs, newest first.
pub(super) async fn my_jobs(
    State(state): State<AppState>,
    web: WebUser,
    Query(filter): Query<JobFilterForm>,
) -> Response {
    let mut filter = filter;
    filter.user_id.clear();
    job_list(&state, &web, false, filter).await
}

/// `GET /ops/jobs`: everyone's jobs, for staff.
pub(super) async fn all_jobs(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    Query(filter): Query<JobFilterForm>,
) -> Response {
    job_list(&state, &web, true, filter).await
}

/// `GET /ops/failed`: jobs that failed for good (dead letters), for staff.
pub(super) async fn failed_jobs(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    Query(filter): Query<JobFilterForm>,
) -> Response {
    let mut filter = filter;
    filter.status = JobStatus::Failed.as_str().to_owned();
    job_list(&state, &web, true, filter).await
}

/// `POST /ops/failed/purge`: deletes every failed job and its events.
pub(super) async fn purge_failed(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    match state.app.purge_dead_jobs(&web.actor(), None).await {
        Ok(deleted) => Redirect::to(&format!("/ops/failed?purged={deleted}")).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn job_list(state: &AppState, web: &WebUser, ops: bool, filter: JobFilterForm) -> Response {
    let base = if ops { "/ops/jobs" } else { "/jobs" };
    let mut context = web.context(if ops { "ops" } else { "jobs" });
    context["ops"] = json!(ops);
    context["base"] = json!(base);
    context["statuses"] = JobStatus::ALL.iter().map(|s| json!(s.as_str())).collect();
    context["filter"] = json!({"status": filter.status, "type": filter.job_type,
                               "queue": filter.queue, "user_id": filter.user_id});
    context["dead"] = json!(ops && filter.status == JobStatus::Failed.as_str());
    context["purged"] = json!(filter.purged);
    let actor = web.actor();
    let listed = match filter.query() {
        Ok(query) if ops => state.app.list_all_jobs(&actor, query).await,
        Ok(query) => state.app.list_jobs(&actor, query).await,
        Err(e) => Err(e),
    };
    match listed {
        Ok(found) => {
            context["jobs"] = found.results.iter().map(job_row).collect();
            context["next"] = json!(found.next.map(|c| filter.next_link(base, &c)));
            page("jobs.html", StatusCode::OK, &context)
        }
        Err(e) if e.status() == afterresume_core::ErrorStatus::Permanent => {
            context["jobs"] = json!([]);
            context["error"] = json!(e.public_message());
            page("jobs.html", StatusCode::BAD_REQUEST, &context)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// What a row or a detail page shows of a job.
fn job_row(job: &afterresume_core::domain::Job) -> Value {
    let took = match (job.started_at, job.finished_at) {
        (Some(s), Some(f)) => Some(format!("{} ms", (f - s).num_milliseconds())),
        _ => None,
    };
    json!({
        "id": job.id,
        "type": job.job_type,
        "status": job.status.as_str(),
        "trigger": job.trigger,
        "user_id": job.user_id,
        "created_at": job.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        "finished_at": job.finished_at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        "took": took,
        "attempt": job.attempt,
        "retry_count": job.retry_count,
        "max_retries": job.max_retries,
        "error": job.error,
        "payload": serde_json::to_string_pretty(&job.payload).unwrap_or_default(),
        "result": job.result.as_ref().map(|r| serde_json::to_string_pretty(r).unwrap_or_default()),
        "report_id": job.result.as_ref().and_then(|r| r["report_id"].as_i64()),
        "open": matches!(job.status, JobStatus::Queued | JobStatus::Running),
        "retryable": matches!(job.status, JobStatus::Failed | JobStatus::Cancelled),
    })
}

/// `GET /jobs/{id}`: a job of the person's and its timeline.
pub(super) async fn my_job(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<JobId>,
) -> Response {
    job_detail(&state, &web, false, id).await
}

/// `GET /ops/jobs/{id}`: any job and its timeline with operator detail.
pub(super) async fn any_job(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    Path(id): Path<JobId>,
) -> Response {
    job_detail(&state, &web, true, id).await
}

async fn job_detail(state: &AppState, web: &WebUser, ops: bool, id: JobId) -> Response {
    let actor = web.actor();
    let job = match state.app.job(&actor, id).await {
        Ok(job) => job,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let events = match state
        .app
        .job_events(&actor, id, EventQuery::default())
        .await
    {
        Ok(events) => events.results,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let progress = match state.app.job_progress(&actor, id).await {
        Ok(progress) => progress,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut context = web.context(if ops { "ops" } else { "jobs" });
    context["ops"] = json!(ops);
    context["base"] = json!(if ops { "/ops/jobs" } else { "/jobs" });
    context["job"] = job_row(&job);
    context["progress"] = json!(progress);
    context["events"] = events
        .iter()
        .map(|e| {
            let data = (e.data.as_object().is_some_and(|d| !d.is_empty()))
                .then(|| serde_json::to_string(&e.data).unwrap_or_default());
            json!({"time": e.timestamp.format("%H:%M:%S%.3f").to_string(),
                   "level": e.level, "source": e.source, "message": e.message, "data": data})
        })
        .collect();
    if matches!(job.status, JobStatus::Queued | JobStatus::Running) {
        context["refresh"] = json!(2);
    }
    page("job.html", StatusCode::OK, &context)
}

/// `POST /jobs/{id}/cancel`: cancels a job of the person's.
pub(super) async fn cancel_mine(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<JobId>,
    Form(form): Form<CsrfForm>,
) -> Response {
    cancel(&state, &web, id, &form.csrf, "/jobs").await
}

/// `POST /ops/jobs/{id}/cancel`: cancels any job; staff only.
pub(super) async fn cancel_any(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    Path(id): Path<JobId>,
    Form(form): Form<CsrfForm>,
) -> Response {
    cancel(&state, &web, id, &form.csrf, "/ops/jobs").await
}

async fn cancel(state: &AppState, web: &WebUser, id: JobId, csrf: &str, base: &str) -> Response {
    if let Some(refused) = web.refusal(csrf) {
        return refused;
    }
    match state.app.cancel_job(&web.actor(), id).await {
        Ok(job) => Redirect::to(&format!("{base}/{}", job.id)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /ops/jobs/{id}/retry`: the same job back in the queue; staff only.
pub(super) async fn retry(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    Path(id): Path<JobId>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    match state.app.retry_job(&web.actor(), id).await {
        Ok(job) => Redirect::to(&format!("/ops/jobs/{}", job.id)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
