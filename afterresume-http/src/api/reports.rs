//! `/api/reports/` (list, detail, `generate/`) and `/api/resume/` (read, `refresh/`).

use afterresume_core::ErrorKind;
use afterresume_core::agents::ReportRequest;
use afterresume_core::domain::{Report, ReportKind};
use afterresume_core::workflows::{REPORT_GENERATE, RESUME_REFRESH};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Page, Params, PathId, enqueue, parse_date};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, JsonBody, OptionalJsonBody};
use crate::state::AppState;

fn parse_kind(value: &str) -> ApiResult<ReportKind> {
    value.parse().map_err(|_| {
        ApiError::field(
            "kind",
            format!("'{value}' is not one of status, standup, summary"),
        )
    })
}

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
    let user = caller.acting_for(params.id("user_id")?)?;
    let kind = params.get("kind").map(parse_kind).transpose()?;
    let limit = params.limit()?;
    let before = params.cursor(|c| c.parse::<i64>().ok())?;
    let items = state
        .domain
        .list_reports(user, kind, before, limit + 1)
        .await?;
    Ok(Json(Page::from_overfetch(items, limit, |r| {
        r.id.to_string()
    })))
}

#[utoipa::path(get, path = "/api/reports/{id}/", tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    responses((status = 200, description = "Markdown `content` and structured `data` with the worklog ids behind each item"), (status = 404, description = "Not found or not yours")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<Json<Report>> {
    match state.domain.get_report(id).await {
        Ok(r) if caller.may_see(Some(r.user_id)) => Ok(Json(r)),
        Ok(_) => Err(ApiError::not_found(&format!("report {id}"))),
        Err(e) => Err(e.into()),
    }
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
    let kind = parse_kind(&input.kind)?;
    let date = |field, value: &Option<String>| value.as_deref().map(|v| parse_date(field, v));
    let request = ReportRequest {
        user_id: caller.user.id,
        kind,
        start: date("start", &input.start).transpose()?,
        end: date("end", &input.end).transpose()?,
        today: state.engine.now().date_naive(),
    };
    // The period is checked now, with its defaults, so a bad one enqueues nothing.
    request.period()?;
    let mut payload = json!({"kind": kind});
    for (field, value) in [("start", request.start), ("end", request.end)] {
        if let Some(v) = value {
            payload[field] = json!(v);
        }
    }
    let user = caller.user.id;
    enqueue(&state, &caller, user, &headers, REPORT_GENERATE, payload).await
}

/// The renders of a resume.
enum ResumeFormat {
    Json,
    Markdown,
    Html,
}

#[utoipa::path(get, path = "/api/resume/", tag = "resume",
    params(
        ("format" = Option<String>, Query, description = "json (JSON Resume 1.0.0, default), markdown or html"),
        ("version" = Option<u32>, Query, description = "A past version (default: the latest)"),
        ("user_id" = Option<i64>, Query, description = "Staff only: another user's resume"),
    ),
    responses((status = 200, description = "The resume"), (status = 404, description = "No resume yet: POST /api/resume/refresh/")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Response> {
    let user = caller.acting_for(params.id("user_id")?)?;
    let version = params.id("version")?;
    let format = match params.get("format").unwrap_or("json") {
        "json" => ResumeFormat::Json,
        "markdown" | "md" => ResumeFormat::Markdown,
        "html" => ResumeFormat::Html,
        other => {
            return Err(ApiError::field(
                "format",
                format!("'{other}' is not one of json, markdown, html"),
            ));
        }
    };
    let found = match version {
        Some(v) => {
            let v = u32::try_from(v).map_err(|_| ApiError::field("version", "too large"))?;
            state.domain.get_resume_version(user, v).await
        }
        None => state.domain.latest_resume(user).await,
    };
    let resume = found.map_err(|e| {
        if e.is(ErrorKind::NotFound) {
            ApiError::not_found(if version.is_some() {
                "resume version"
            } else {
                "resume (none yet: POST /api/resume/refresh/)"
            })
        } else {
            e.into()
        }
    })?;
    Ok(match format {
        ResumeFormat::Json => Json(resume.document).into_response(),
        ResumeFormat::Markdown => (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            resume.markdown,
        )
            .into_response(),
        ResumeFormat::Html => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            resume.html,
        )
            .into_response(),
    })
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
    let user = caller.user.id;
    enqueue(&state, &caller, user, &headers, RESUME_REFRESH, json!({})).await
}
