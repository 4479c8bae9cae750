//! The *Resume*: a themed preview, downloads, a first build, the person's
//! choices (pin or hide a skill or a bullet) and a variant tailored to a
//! pasted job description.

use afterresume_core::ErrorKind;
use afterresume_core::agents::RESUME_THEMES;
use afterresume_core::domain::{ChoicePatch, Curation, JobId};
use afterresume_core::service::resume::{RenderedResume, ResumeFormat};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::jobs::{JobWait, wait_for};
use super::render::{attachment, framed_document, page};
use super::session::{CsrfForm, WebUser};
use crate::error::ApiError;
use crate::state::AppState;

/// The theme, format and version asked for.
#[derive(Deserialize, Default)]
pub(super) struct ResumeQuery {
    #[serde(default)]
    theme: String,
    #[serde(default)]
    format: String,
    version: Option<u32>,
    #[serde(default)]
    saved: Option<String>,
}

impl ResumeQuery {
    /// The theme asked for when it is one, else the first.
    fn theme(&self) -> &'static str {
        RESUME_THEMES
            .iter()
            .copied()
            .find(|t| *t == self.theme)
            .unwrap_or(RESUME_THEMES[0])
    }
}

/// `GET /resume`: the preview, the downloads and the choices, or a button
/// that builds it.
pub(super) async fn resume(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<ResumeQuery>,
) -> Response {
    let actor = web.actor();
    let mut context = web.context("resume");
    context["themes"] = json!(RESUME_THEMES);
    context["theme"] = json!(query.theme());
    context["saved"] = json!(query.saved.is_some());
    let document = match state.app.resume(&actor, None, None).await {
        Ok(resume) => Some(resume.document),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let curation = match state.app.curation(&actor, None).await {
        Ok(curation) => curation,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let skills = match state.app.list_skills(&actor, None).await {
        Ok(skills) => skills,
        Err(e) => return ApiError::from(e).into_response(),
    };
    context["skills"] = skills
        .iter()
        .map(|s| {
            let choice = curation.skill(s.id);
            json!({"id": s.id, "name": s.name, "pinned": choice.pinned, "hidden": choice.hidden})
        })
        .collect();
    context["bullets"] = json!(document.as_ref().map(|d| bullets(d, &curation)));
    context["hidden_bullets"] = curation
        .highlights
        .iter()
        .filter(|(_, c)| c.hidden)
        .map(|(id, _)| json!(id))
        .collect();
    context["has_resume"] = json!(document.is_some());
    // A build or refresh on its way: the page says so.
    let pending = state.app.resume_refresh_pending(web.user.id).await;
    context["stale"] = json!(pending.unwrap_or(false));
    page("resume.html", StatusCode::OK, &context)
}

/// The bullets a resume shows, with where they stand and their choices.
fn bullets(document: &Value, curation: &Curation) -> Vec<Value> {
    let mut found = Vec::new();
    for section in ["work", "projects"] {
        for entry in document[section].as_array().into_iter().flatten() {
            let place = entry["name"].as_str().unwrap_or_default();
            let texts = entry["highlights"].as_array();
            let evidence = entry["x-afterresume"]["evidence"].as_array();
            for (i, text) in texts.into_iter().flatten().enumerate() {
                let id = evidence
                    .into_iter()
                    .flatten()
                    .find(|e| e["highlight"].as_u64() == Some(i as u64))
                    .and_then(|e| e["id"].as_str());
                if let Some(id) = id {
                    let pinned = curation.highlights.get(id).is_some_and(|c| c.pinned);
                    found.push(json!({"id": id, "place": place, "text": text, "pinned": pinned}));
                }
            }
        }
    }
    found
}

/// `GET /resume/preview`: the resume's own HTML page, shown in a frame of
/// `/resume`.
pub(super) async fn preview(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<ResumeQuery>,
) -> Response {
    let rendered = state
        .app
        .render_resume(
            &web.actor(),
            None,
            query.version,
            ResumeFormat::Html,
            Some(query.theme()),
        )
        .await;
    match rendered.map(|c| c.rendered) {
        Ok(RenderedResume::Html(html)) => framed_document(html),
        Ok(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /resume/download?format=pdf|markdown|json|text[&version=N]`: the
/// resume as a file.
pub(super) async fn download(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<ResumeQuery>,
) -> Response {
    let format = match ResumeFormat::parse(&query.format) {
        Ok(format) => format,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let rendered = state
        .app
        .render_resume(
            &web.actor(),
            None,
            query.version,
            format,
            Some(query.theme()),
        )
        .await;
    match rendered.map(|c| c.rendered) {
        Ok(RenderedResume::Pdf(pdf)) => attachment(pdf, "application/pdf", "resume.pdf"),
        Ok(RenderedResume::Markdown(text)) => attachment(
            text.into_bytes(),
            "text/markdown; charset=utf-8",
            "resume.md",
        ),
        Ok(RenderedResume::Text(text)) => {
            attachment(text.into_bytes(), "text/plain; charset=utf-8", "resume.txt")
        }
        Ok(RenderedResume::Html(html)) => {
            attachment(html.into_bytes(), "text/html; charset=utf-8", "resume.html")
        }
        Ok(RenderedResume::Json(document)) => attachment(
            serde_json::to_vec_pretty(&document).unwrap_or_default(),
            "application/json",
            "resume.json",
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /resume/refresh`: builds (or rebuilds) the resume.
pub(super) async fn refresh(
    State(state): State<AppState>,
    web: WebUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    match state.app.refresh_resume(&web.actor(), None, None).await {
        Ok(_) => Redirect::to("/resume").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// A choice made on the page.
#[derive(Deserialize)]
pub(super) struct ChoiceForm {
    #[serde(default)]
    csrf: String,
    /// `pin`, `unpin`, `hide` or `show`.
    action: String,
}

impl ChoiceForm {
    fn patch(&self) -> Result<ChoicePatch, afterresume_core::Error> {
        let (pinned, hidden) = match self.action.as_str() {
            "pin" => (Some(true), None),
            "unpin" => (Some(false), None),
            "hide" => (None, Some(true)),
            "show" => (None, Some(false)),
            other => {
                let shown: String = other.chars().take(20).collect();
                return Err(afterresume_core::Error::invalid_input(format!(
                    "action: '{}' is not one of pin, unpin, hide, show",
                    shown.escape_default()
                )));
            }
        };
        Ok(ChoicePatch {
            pinned,
            hidden,
            ..ChoicePatch::default()
        })
    }
}

/// `POST /resume/skills/{id}`: pins, unpins, hides or shows a skill.
pub(super) async fn choose_skill(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<ChoiceForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let chosen = match form.patch() {
        Ok(patch) => state.app.curate_skill(&web.actor(), None, id, patch).await,
        Err(e) => Err(e),
    };
    back_to_resume(chosen.map(drop))
}

/// After a choice: the resume page, which says it was saved.
fn back_to_resume(chosen: afterresume_core::Result<()>) -> Response {
    match chosen {
        Ok(()) => Redirect::to("/resume?saved=1").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /resume/bullets/{id}`: pins, unpins, hides or shows a bullet.
pub(super) async fn choose_bullet(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<String>,
    Form(form): Form<ChoiceForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let chosen = match form.patch() {
        Ok(patch) => {
            state
                .app
                .curate_highlight(&web.actor(), None, &id, patch)
                .await
        }
        Err(e) => Err(e),
    };
    back_to_resume(chosen.map(drop))
}

/// The tailoring form.
#[derive(Deserialize)]
pub(super) struct TailorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    job_description: String,
}

/// `POST /resume/tailor`: starts a variant for a job description and shows
/// it once built.
pub(super) async fn tailor(
    State(state): State<AppState>,
    web: WebUser,
    Form(form): Form<TailorForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let description = form.job_description.replace("\r\n", "\n");
    match state
        .app
        .tailor_resume(&web.actor(), None, &description, None)
        .await
    {
        Ok(enqueued) => {
            Redirect::to(&format!("/resume/tailored/{}", enqueued.job.id)).into_response()
        }
        Err(e) if e.status() == afterresume_core::ErrorStatus::Permanent => {
            let mut context = web.context("resume");
            context["title"] = json!("This job description cannot be used");
            context["message"] = json!(e.public_message());
            context["back"] = json!("/resume");
            page("error.html", StatusCode::BAD_REQUEST, &context)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /resume/tailored/{job}`: the tailored variant with the skills it
/// matched and those it has no evidence for; while it is built, a page that
/// reloads itself.
pub(super) async fn tailored(
    State(state): State<AppState>,
    web: WebUser,
    Path(job_id): Path<JobId>,
    Query(query): Query<ResumeQuery>,
) -> Response {
    let mut context = web.context("resume");
    context["job_id"] = json!(job_id);
    context["theme"] = json!(query.theme());
    context["themes"] = json!(RESUME_THEMES);
    match wait_for(&state, &web, job_id).await {
        Err(response) => return response,
        Ok(JobWait::Pending) => context["refresh"] = json!(2),
        Ok(JobWait::Failed(message)) => context["error"] = json!(message),
        Ok(JobWait::Done(result)) => {
            context["version"] = result["version"].clone();
            context["matched"] = result["matched"].clone();
            context["missing"] = result["missing"].clone();
            context["also_asked"] = result["also_asked"].clone();
        }
    }
    page("tailored.html", StatusCode::OK, &context)
}
