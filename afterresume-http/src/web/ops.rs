//! Pages for the people who run the server (`/ops/`, staff only): the
//! dashboard with the last hour as a chart, schedules and users. The job
//! lists and timelines are in `jobs.rs`.

use afterresume_core::ports::PauseTarget;
use afterresume_core::service::operations::Activity;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde_json::{Value, json};

use super::render::page;
use super::session::WebStaff;
use crate::error::ApiError;
use crate::state::AppState;

/// The chart's window and its slices.
const CHART_MINUTES: i64 = 60;
const CHART_SLICES: usize = 12;
/// The chart's drawing area, in SVG units.
const CHART_WIDTH: f64 = 600.0;
const CHART_HEIGHT: f64 = 160.0;

/// `GET /ops/`: counts by status and type, queue depth, the oldest queued
/// job, workers, and the last hour's outcomes.
pub(super) async fn dashboard(State(state): State<AppState>, WebStaff(web): WebStaff) -> Response {
    let actor = web.actor();
    let overview = match state.app.overview(&actor, state.local_workers).await {
        Ok(overview) => overview,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let activity = match state
        .app
        .recent_activity(&actor, Duration::minutes(CHART_MINUTES), CHART_SLICES)
        .await
    {
        Ok(activity) => activity,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut context = web.context("ops");
    context["overview"] = json!(overview);
    context["oldest"] = json!(overview.oldest_queued_age_seconds.map(age));
    context["failure_percent"] = json!(format!("{:.1}", overview.failure_rate * 100.0));
    context["chart"] = chart(&activity);
    page("ops_dashboard.html", StatusCode::OK, &context)
}

/// An age in words a glance takes in.
fn age(seconds: f64) -> String {
    let s = seconds.round() as i64;
    match s {
        ..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// The activity as bars (succeeded under failed) with their labels, scaled
/// to the busiest slice, plus the same figures as a table for screen
/// readers.
fn chart(activity: &Activity) -> Value {
    let busiest = activity
        .buckets
        .iter()
        .map(|b| b.succeeded + b.failed)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = CHART_WIDTH / activity.buckets.len().max(1) as f64;
    let bars: Vec<Value> = activity
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let ok_height = b.succeeded as f64 / busiest * CHART_HEIGHT;
            let failed_height = b.failed as f64 / busiest * CHART_HEIGHT;
            json!({
                "x": format!("{:.1}", i as f64 * slot + 2.0),
                "width": format!("{:.1}", slot - 4.0),
                "ok_y": format!("{:.1}", CHART_HEIGHT - ok_height),
                "ok_height": format!("{:.1}", ok_height),
                "failed_y": format!("{:.1}", CHART_HEIGHT - ok_height - failed_height),
                "failed_height": format!("{:.1}", failed_height),
                "label": b.start.format("%H:%M").to_string(),
                "succeeded": b.succeeded,
                "failed": b.failed,
            })
        })
        .collect();
    json!({
        "bars": bars,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "busiest": busiest as u64,
        "slice_minutes": activity.bucket_seconds / 60,
        "truncated": activity.truncated,
        "succeeded": activity.buckets.iter().map(|b| b.succeeded).sum::<u64>(),
        "failed": activity.buckets.iter().map(|b| b.failed).sum::<u64>(),
    })
}

/// `GET /ops/schedules`: every schedule, when it last ran and runs next.
pub(super) async fn schedules(State(state): State<AppState>, WebStaff(web): WebStaff) -> Response {
    let schedules = match state.app.list_schedules(&web.actor()).await {
        Ok(schedules) => schedules,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut context = web.context("ops");
    context["schedules"] = schedules
        .iter()
        .map(|s| {
            json!({"name": s.name, "type": s.job_type, "cron": s.cron, "enabled": s.enabled,
                   "user_id": s.user_id,
                   "last_run_at": s.last_run_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                   "next_run_at": s.next_run_at.format("%Y-%m-%d %H:%M").to_string()})
        })
        .collect();
    page("ops_schedules.html", StatusCode::OK, &context)
}

/// What a schedule's form asks for.
#[derive(serde::Deserialize)]
pub(super) struct ScheduleAction {
    #[serde(default)]
    csrf: String,
    /// `pause`, `resume` or `delete`.
    #[serde(default)]
    action: String,
}

/// `POST /ops/schedules/{name}`: pauses, resumes or deletes a schedule.
pub(super) async fn change_schedule(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    axum::extract::Path(name): axum::extract::Path<String>,
    axum::Form(form): axum::Form<ScheduleAction>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let actor = web.actor();
    let done = match form.action.as_str() {
        "pause" => state
            .app
            .set_schedule_enabled(&actor, &name, false)
            .await
            .map(drop),
        "resume" => state
            .app
            .set_schedule_enabled(&actor, &name, true)
            .await
            .map(drop),
        "delete" => state.app.delete_schedule_named(&actor, &name).await,
        other => Err(afterresume_core::Error::invalid_input(format!(
            "action: '{}' is not one of pause, resume, delete",
            other.chars().take(20).collect::<String>().escape_default()
        ))),
    };
    match done {
        Ok(()) => axum::response::Redirect::to("/ops/schedules").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /ops/queues`: each named queue's waiting and running jobs, with pause
/// and resume; the paused job types.
pub(super) async fn queues(State(state): State<AppState>, WebStaff(web): WebStaff) -> Response {
    let overview = match state.app.queues(&web.actor()).await {
        Ok(overview) => overview,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut context = web.context("ops");
    context["queues"] = overview
        .queues
        .iter()
        .map(|q| {
            json!({"name": q.name, "ready": q.ready, "delayed": q.delayed, "running": q.running,
                   "oldest_ready_at": q.oldest_ready_at.map(when), "paused": q.paused,
                   "paused_at": q.paused_at.map(when)})
        })
        .collect();
    context["paused_types"] = overview
        .paused_job_types
        .iter()
        .map(|t| json!({"job_type": t.job_type, "paused_at": when(t.paused_at)}))
        .collect();
    page("ops_queues.html", StatusCode::OK, &context)
}

/// What a pause or resume form asks for.
#[derive(serde::Deserialize)]
pub(super) struct PauseAction {
    #[serde(default)]
    csrf: String,
    /// `pause` or `resume`.
    #[serde(default)]
    action: String,
    /// The job type, for the form that names one.
    #[serde(default)]
    job_type: String,
}

/// `POST /ops/queues/{name}`: pauses or resumes a queue.
pub(super) async fn change_queue(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    axum::extract::Path(name): axum::extract::Path<String>,
    axum::Form(form): axum::Form<PauseAction>,
) -> Response {
    set_paused(&state, &web, PauseTarget::Queue(name), &form).await
}

/// `POST /ops/job-types/{job_type}`: pauses or resumes a job type.
pub(super) async fn change_job_type(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    axum::extract::Path(job_type): axum::extract::Path<String>,
    axum::Form(form): axum::Form<PauseAction>,
) -> Response {
    set_paused(&state, &web, PauseTarget::JobType(job_type), &form).await
}

/// `POST /ops/job-types`: pauses the job type the form names.
pub(super) async fn pause_job_type(
    State(state): State<AppState>,
    WebStaff(web): WebStaff,
    axum::Form(form): axum::Form<PauseAction>,
) -> Response {
    let target = PauseTarget::JobType(form.job_type.trim().to_owned());
    set_paused(&state, &web, target, &form).await
}

async fn set_paused(
    state: &AppState,
    web: &super::session::WebUser,
    target: PauseTarget,
    form: &PauseAction,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let paused = match form.action.as_str() {
        "pause" => true,
        "resume" => false,
        other => {
            return ApiError::from(afterresume_core::Error::invalid_input(format!(
                "action: '{}' is not one of pause, resume",
                other.chars().take(20).collect::<String>().escape_default()
            )))
            .into_response();
        }
    };
    match state.app.set_paused(&web.actor(), target, paused).await {
        Ok(_) => axum::response::Redirect::to("/ops/queues").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /ops/users`: every account (never a password hash).
pub(super) async fn users(State(state): State<AppState>, WebStaff(web): WebStaff) -> Response {
    let users = match state.app.list_users(&web.actor()).await {
        Ok(users) => users,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut context = web.context("ops");
    context["users"] = users
        .iter()
        .map(|u| {
            json!({"id": u.id, "username": u.username, "full_name": u.full_name,
                   "email": u.email, "is_staff": u.is_staff, "is_active": u.is_active,
                   "created_at": u.created_at.format("%Y-%m-%d").to_string()})
        })
        .collect();
    page("ops_users.html", StatusCode::OK, &context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use afterresume_core::service::operations::ActivityBucket;
    use chrono::{TimeZone, Utc};

    #[test]
    fn bars_scale_to_the_busiest_slice_and_stack_failures_on_top() {
        let start = Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap();
        let activity = Activity {
            buckets: vec![
                ActivityBucket {
                    start,
                    succeeded: 30,
                    failed: 10,
                },
                ActivityBucket {
                    start: start + Duration::minutes(5),
                    succeeded: 0,
                    failed: 0,
                },
            ],
            bucket_seconds: 300,
            truncated: false,
        };
        let c = chart(&activity);
        let first = &c["bars"][0];
        assert_eq!(first["ok_height"], "120.0");
        assert_eq!(first["failed_height"], "40.0");
        assert_eq!(first["failed_y"], "0.0");
        assert_eq!(c["bars"][1]["ok_height"], "0.0");
        assert_eq!(c["bars"][1]["label"], "10:05");
        assert_eq!(
            (c["succeeded"].as_u64(), c["failed"].as_u64()),
            (Some(30), Some(10))
        );
        assert_eq!(age(59.4), "59 s");
        assert_eq!(age(3725.0), "1 h 2 min");
    }
}
