//! *Reports*: generate a standup, status report or summary, read it, copy
//! its Markdown, download it.

use afterresume_core::agents::report_title;
use afterresume_core::domain::storable::parse_date;
use afterresume_core::domain::{JobId, ReportKind};
use afterresume_core::service::reports::{
    GenerateReport, RenderedReport, ReportFormat, ReportQuery,
};
use afterresume_core::service::{Page, PageRequest};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::jobs::{JobWait, wait_for};
use super::render::{attachment, framed_document, page};
use super::session::WebUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Reports the list shows.
const REPORTS_PER_PAGE: usize = 50;

/// The generate form.
#[derive(Deserialize)]
pub(super) struct GenerateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

impl GenerateForm {
    fn request(&self) -> Result<GenerateReport, afterresume_core::Error> {
        let date = |field: &str, text: &str| match text.trim() {
            "" => Ok(None),
            d => parse_date(field, d).map(Some),
        };
        Ok(GenerateReport {
            kind: ReportKind::parse_field("kind", self.kind.trim())?,
            start: date("start", &self.start)?,
            end: date("end", &self.end)?,
        })
    }
}

/// `?cursor=` of the list, `?waiting=` for a report being generated.
#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    cursor: String,
    waiting: Option<JobId>,
}

/// `GET /reports`: the generate form and the reports, newest first; while a
/// report is generated, a notice and a page that reloads itself, then the
/// report.
pub(super) async fn reports(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<ListQuery>,
) -> Response {
    let mut context = web.context("reports");
    if let Some(job) = query.waiting {
        match wait_for(&state, &web, job).await {
            Err(response) => return response,
            Ok(JobWait::Pending) => {
                context["refresh"] = json!(2);
                context["waiting"] = json!(true);
            }
            Ok(JobWait::Done(result)) => {
                if let Some(id) = result["report_id"].as_i64() {
                    return Redirect::to(&format!("/reports/{id}")).into_response();
                }
            }
            Ok(JobWait::Failed(message)) => context["error"] = json!(message),
        }
    }
    let draft = json!({"kind": "standup", "start": "", "end": ""});
    list_page(&state, &web, context, draft, &query.cursor, StatusCode::OK).await
}

async fn list_page(
    state: &AppState,
    web: &WebUser,
    mut context: serde_json::Value,
    draft: serde_json::Value,
    cursor: &str,
    status: StatusCode,
) -> Response {
    let query = ReportQuery {
        page: PageRequest {
            limit: Some(REPORTS_PER_PAGE),
            cursor: Some(cursor.to_owned()).filter(|c| !c.is_empty()),
        },
        ..ReportQuery::default()
    };
    let listed: Page<_> = match state.app.list_reports(&web.actor(), query).await {
        Ok(listed) => listed,
        Err(e) => return ApiError::from(e).into_response(),
    };
    context["draft"] = draft;
    context["kinds"] = json!([
        {"value": "standup", "label": "Standup"},
        {"value": "status", "label": "Status report"},
        {"value": "summary", "label": "Summary"},
    ]);
    context["reports"] = listed
        .results
        .iter()
        .map(|r| {
            json!({"id": r.id, "title": report_title(r), "kind": r.kind,
                   "created_at": r.created_at.format("%Y-%m-%d %H:%M").to_string()})
        })
        .collect();
    context["next"] = json!(listed.next);
    page("reports.html", status, &context)
}

/// `POST /reports`: generates a report and waits for it on `/reports`.
pub(super) async fn generate(
    State(state): State<AppState>,
    web: WebUser,
    Form(form): Form<GenerateForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let started = match form.request() {
        Ok(request) => {
            state
                .app
                .generate_report(&web.actor(), None, request, None)
                .await
        }
        Err(e) => Err(e),
    };
    match started {
        Ok(enqueued) => {
            Redirect::to(&format!("/reports?waiting={}", enqueued.job.id)).into_response()
        }
        Err(e) if e.status() == afterresume_core::ErrorStatus::Permanent => {
            let mut context = web.context("reports");
            context["error"] = json!(e.public_message());
            let draft = json!({"kind": form.kind, "start": form.start, "end": form.end});
            list_page(&state, &web, context, draft, "", StatusCode::BAD_REQUEST).await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /reports/{id}`: the report, its Markdown to copy, its downloads.
pub(super) async fn report(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<i64>,
) -> Response {
    let report = match state.app.report(&web.actor(), id).await {
        Ok(report) => report,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut context = web.context("reports");
    context["report"] = json!({
        "id": report.id,
        "title": report_title(&report),
        "period_start": report.period_start,
        "period_end": report.period_end,
        "markdown": report.content,
        "writer": report.data["writer"],
    });
    page("report.html", StatusCode::OK, &context)
}

/// `GET /reports/{id}/preview`: the report's own page, for the frame.
pub(super) async fn preview(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<i64>,
) -> Response {
    match state
        .app
        .render_report(&web.actor(), id, ReportFormat::Html)
        .await
    {
        Ok(RenderedReport::Html(html)) => framed_document(html),
        Ok(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The format of a download.
#[derive(Deserialize)]
pub(super) struct FormatQuery {
    #[serde(default)]
    format: String,
}

/// `GET /reports/{id}/download?format=markdown|html|pdf`.
pub(super) async fn download(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<i64>,
    Query(query): Query<FormatQuery>,
) -> Response {
    let rendered = match ReportFormat::parse(&query.format) {
        Ok(format) => state.app.render_report(&web.actor(), id, format).await,
        Err(e) => Err(e),
    };
    let name = |extension: &str| format!("report-{id}.{extension}");
    match rendered {
        Ok(RenderedReport::Pdf(pdf)) => attachment(pdf, "application/pdf", &name("pdf")),
        Ok(RenderedReport::Markdown(text)) => attachment(
            text.into_bytes(),
            "text/markdown; charset=utf-8",
            &name("md"),
        ),
        Ok(RenderedReport::Html(html)) => {
            attachment(html.into_bytes(), "text/html; charset=utf-8", &name("html"))
        }
        Ok(RenderedReport::Json(report)) => attachment(
            serde_json::to_vec_pretty(&report).unwrap_or_default(),
            "application/json",
            &name("json"),
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}
