//! `/api/reports/` (list, detail, `generate/`) and `/api/resume/` (read, `refresh/`).

use afterresume_core::domain::{Report, ReportKind};
use afterresume_core::service::Page;
use afterresume_core::service::reports::{
    GenerateReport, RenderedReport, ReportFormat, ReportQuery,
};
use afterresume_core::service::resume::{RenderedResume, ResumeFormat};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Params, PathId, accepted, idempotency_key, parse_date};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, JsonBody, OptionalJsonBody};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/reports/", tag = "reports",
    params(
        ("kind" = Option<String>, Query, description = "status, standup or summary"),
        ("user_id" = Option<i64>, Query, description = "Staff only: another user's reports"),
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses((status = 200, description = "`{results, next}`, newest first")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Page<Report>>> {
    let query = ReportQuery {
        user_id: params.id("user_id")?,
        kind: params.parsed("kind", ReportKind::parse_field)?,
        page: params.page()?,
    };
    Ok(Json(state.app.list_reports(&caller.actor(), query).await?))
}

#[utoipa::path(get, path = "/api/reports/{id}/", tag = "reports",
    params(("id" = i64, Path, description = "Report id"),
        ("format" = Option<String>, Query, description = "json (default: Markdown `content` and structured `data`), markdown, html or pdf")),
    responses((status = 200, description = "Markdown `content` and structured `data` with the worklog ids behind each item, or the render asked for"), (status = 404, description = "Not found or not yours")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
    params: Params,
) -> ApiResult<Response> {
    let format = ReportFormat::parse(params.get("format").unwrap_or("json"))?;
    let rendered = state.app.render_report(&caller.actor(), id, format).await?;
    let text = |content_type: &'static str, body: String| {
        ([(header::CONTENT_TYPE, content_type)], body).into_response()
    };
    Ok(match rendered {
        RenderedReport::Json(report) => Json::<Report>(report).into_response(),
        RenderedReport::Markdown(body) => text("text/markdown; charset=utf-8", body),
        RenderedReport::Html(body) => text("text/html; charset=utf-8", body),
        RenderedReport::Pdf(body) => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"report.pdf\"",
                ),
            ],
            body,
        )
            .into_response(),
    })
}

/// What report to generate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerateInput {
    /// `status`, `standup` or `summary`.
    kind: String,
    /// Period start, `YYYY-MM-DD` (default per kind).
    #[serde(default)]
    start: Option<String>,
    /// Period end, `YYYY-MM-DD` (default per kind).
    #[serde(default)]
    end: Option<String>,
}

#[utoipa::path(post, path = "/api/reports/generate/", tag = "reports",
    request_body = GenerateInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the same job")),
    responses((status = 202, description = "`{job_id, status, message}`"), (status = 400, description = "Unknown kind or bad dates; nothing enqueued")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(input): JsonBody<GenerateInput>,
) -> ApiResult<Response> {
    let date = |field, value: Option<String>| value.map(|v| parse_date(field, &v)).transpose();
    let request = GenerateReport {
        kind: ReportKind::parse_field("kind", &input.kind)?,
        start: date("start", input.start)?,
        end: date("end", input.end)?,
    };
    let key = idempotency_key(&headers)?;
    let enqueued = state
        .app
        .generate_report(&caller.actor(), None, request, key)
        .await?;
    Ok(accepted(&enqueued))
}

#[utoipa::path(get, path = "/api/resume/", tag = "resume",
    params(
        ("format" = Option<String>, Query, description = "json (JSON Resume 1.0.0, default), markdown, html, text (plain, for applicant-tracking systems) or pdf"),
        ("theme" = Option<String>, Query, description = "HTML and PDF theme: classic (default) or modern"),
        ("version" = Option<u32>, Query, description = "A past version (default: the latest)"),
        ("user_id" = Option<i64>, Query, description = "Staff only: another user's resume"),
    ),
    responses((status = 200, description = "The resume; `X-Resume-Stale: true` (and `meta.x-afterresume.stale` in JSON) while a refresh is pending"), (status = 404, description = "No resume yet: POST /api/resume/refresh/")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Response> {
    let version = params
        .id("version")?
        .map(|v| u32::try_from(v).map_err(|_| ApiError::field("version", "too large")))
        .transpose()?;
    let format = ResumeFormat::parse(params.get("format").unwrap_or("json"))?;
    let current = state
        .app
        .render_resume(
            &caller.actor(),
            params.id("user_id")?,
            version,
            format,
            params.get("theme"),
        )
        .await?;
    let text = |content_type: &'static str, body: String| {
        ([(header::CONTENT_TYPE, content_type)], body).into_response()
    };
    let mut response = match current.rendered {
        RenderedResume::Json(document) => Json(document).into_response(),
        RenderedResume::Markdown(body) => text("text/markdown; charset=utf-8", body),
        RenderedResume::Html(body) => text("text/html; charset=utf-8", body),
        RenderedResume::Text(body) => text("text/plain; charset=utf-8", body),
        RenderedResume::Pdf(body) => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"resume.pdf\"",
                ),
            ],
            body,
        )
            .into_response(),
    };
    response.headers_mut().insert(
        "x-resume-stale",
        header::HeaderValue::from_static(if current.stale { "true" } else { "false" }),
    );
    Ok(response)
}

/// Nothing to set yet; an empty body or `{}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshInput {}

#[utoipa::path(post, path = "/api/resume/refresh/", tag = "resume",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the same job")),
    responses((status = 202, description = "`{job_id, status, message}`")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    OptionalJsonBody(RefreshInput {}): OptionalJsonBody<RefreshInput>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let enqueued = state.app.refresh_resume(&caller.actor(), None, key).await?;
    Ok(accepted(&enqueued))
}

/// A job ad to tailor the resume to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TailorInput {
    /// The text of the job description (skills are read from it with the
    /// same taxonomy as worklogs).
    job_description: String,
}

#[utoipa::path(post, path = "/api/resume/tailor/", tag = "resume",
    request_body = TailorInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the same job")),
    responses((status = 202, description = "`{job_id, status, message}`; the job's result is `{version, matched: [{skill, evidence_count, worklog_ids}], missing: [skill]}` and `GET /api/resume/?version=N` reads the variant")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn tailor(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(input): JsonBody<TailorInput>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let enqueued = state
        .app
        .tailor_resume(&caller.actor(), None, &input.job_description, key)
        .await?;
    Ok(accepted(&enqueued))
}
