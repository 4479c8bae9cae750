//! Server-rendered pages, over the same use cases as the API. For people: log
//! in and out, *Today*, the *Journal*, *Skills*, *Reports*, the *Resume* and
//! *Jobs*; for staff, under `/ops/`: the dashboard, every job, failed jobs,
//! schedules and users; `/api/docs/` over the OpenAPI document.
//!
//! Plain HTML forms that work without JavaScript (one small vendored script
//! only adds conveniences such as copying a report); every form carries a
//! CSRF token; every page is sent with a Content-Security-Policy that allows
//! no inline script and no framing by other sites.

mod api_docs;
mod insights;
mod jobs;
mod ops;
mod pages;
mod render;
mod reports;
mod resume;
mod session;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub(crate) use session::cookie_is_secure;

/// The pages and their assets.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/", get(pages::today).post(pages::write_entry))
        .route("/journal", get(pages::journal))
        .route("/journal/{id}", post(pages::save_entry))
        .route("/journal/{id}/edit", get(pages::edit_entry))
        .route("/journal/{id}/delete", post(pages::delete_entry))
        .route("/skills", get(insights::skills))
        .route("/reports", get(reports::reports).post(reports::generate))
        .route("/reports/{id}", get(reports::report))
        .route("/reports/{id}/preview", get(reports::preview))
        .route("/reports/{id}/download", get(reports::download))
        .route("/resume", get(resume::resume))
        .route("/resume/preview", get(resume::preview))
        .route("/resume/download", get(resume::download))
        .route("/resume/refresh", post(resume::refresh))
        .route("/resume/skills/{id}", post(resume::choose_skill))
        .route("/resume/bullets/{id}", post(resume::choose_bullet))
        .route("/resume/tailor", post(resume::tailor))
        .route("/resume/tailored/{job}", get(resume::tailored))
        .route("/jobs", get(jobs::my_jobs))
        .route("/jobs/{id}", get(jobs::my_job))
        .route("/jobs/{id}/cancel", post(jobs::cancel_mine))
        .route("/ops/", get(ops::dashboard))
        .route("/ops/jobs", get(jobs::all_jobs))
        .route("/ops/jobs/{id}", get(jobs::any_job))
        .route("/ops/jobs/{id}/cancel", post(jobs::cancel_any))
        .route("/ops/jobs/{id}/retry", post(jobs::retry))
        .route("/ops/failed", get(jobs::failed_jobs))
        .route("/ops/failed/purge", post(jobs::purge_failed))
        .route("/ops/queues", get(ops::queues))
        .route("/ops/queues/{name}", post(ops::change_queue))
        .route("/ops/job-types", post(ops::pause_job_type))
        .route("/ops/job-types/{job_type}", post(ops::change_job_type))
        .route("/ops/schedules", get(ops::schedules))
        .route("/ops/schedules/{name}", post(ops::change_schedule))
        .route("/ops/users", get(ops::users))
        .route("/api/docs/", get(api_docs::page))
        .route("/assets/{name}", get(render::asset))
}
