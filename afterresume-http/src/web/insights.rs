//! *Skills* (by category, each with the sentences that prove it) and the
//! *Resume* (a themed preview, downloads, a first build).

use std::collections::BTreeMap;

use afterresume_core::ErrorKind;
use afterresume_core::agents::RESUME_THEMES;
use afterresume_core::domain::SkillEvidence;
use afterresume_core::service::resume::{RenderedResume, ResumeFormat};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::render::page;
use super::session::{CsrfForm, WebUser};
use crate::error::ApiError;
use crate::state::AppState;

/// Evidence sentences shown under a skill.
const EVIDENCE_PER_SKILL: usize = 3;
/// Skills whose evidence is shown (the most evidenced).
const SKILLS_WITH_EVIDENCE: usize = 60;

/// `GET /skills`.
pub(super) async fn skills(State(state): State<AppState>, web: WebUser) -> Response {
    let actor = web.actor();
    let listed = match state.app.list_skills(&actor, None).await {
        Ok(listed) => listed,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut groups: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    for (rank, skill) in listed.iter().enumerate() {
        let evidence = if rank < SKILLS_WITH_EVIDENCE {
            match state.app.skill_evidence(&actor, None, skill.id).await {
                Ok(rows) => rows,
                Err(e) => return ApiError::from(e).into_response(),
            }
        } else {
            Vec::new()
        };
        let mut evidence: Vec<&SkillEvidence> = evidence.iter().collect();
        evidence.sort_by_key(|e| std::cmp::Reverse(e.worklog_date));
        let shown: Vec<Value> = evidence
            .into_iter()
            .take(EVIDENCE_PER_SKILL)
            .map(marked_sentence)
            .collect();
        groups
            .entry(skill.category.heading())
            .or_default()
            .push(json!({
                "name": skill.name,
                "evidence_count": skill.evidence_count,
                "first_seen": skill.first_seen,
                "last_seen": skill.last_seen,
                "evidence": shown,
            }));
    }
    let mut context = web.context("skills");
    context["groups"] = groups
        .into_iter()
        .map(|(heading, skills)| json!({"heading": heading, "skills": skills}))
        .collect();
    page("skills.html", StatusCode::OK, &context)
}

/// The sentence around an excerpt, split where the excerpt starts and ends
/// (the excerpt alone when the sentence does not hold it).
fn marked_sentence(e: &SkillEvidence) -> Value {
    let chars: Vec<char> = e.sentence.chars().collect();
    let from = e.start.saturating_sub(e.sentence_start) as usize;
    let to = from + e.excerpt.chars().count();
    let holds = e.start >= e.sentence_start
        && to <= chars.len()
        && chars[from..to].iter().collect::<String>() == e.excerpt;
    let (before, after) = if holds {
        (
            chars[..from].iter().collect::<String>(),
            chars[to..].iter().collect::<String>(),
        )
    } else {
        (String::new(), String::new())
    };
    json!({"date": e.worklog_date, "before": before, "excerpt": e.excerpt, "after": after})
}

/// The theme asked for, when it is one.
#[derive(Deserialize, Default)]
pub(super) struct ThemeQuery {
    #[serde(default)]
    theme: String,
    #[serde(default)]
    format: String,
}

impl ThemeQuery {
    fn theme(&self) -> &'static str {
        RESUME_THEMES
            .iter()
            .copied()
            .find(|t| *t == self.theme)
            .unwrap_or(RESUME_THEMES[0])
    }
}

/// `GET /resume`: the preview and the downloads, or a button that builds it.
pub(super) async fn resume(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<ThemeQuery>,
) -> Response {
    let mut context = web.context("resume");
    context["themes"] = json!(RESUME_THEMES);
    context["theme"] = json!(query.theme());
    let has_resume = match state.app.resume(&web.actor(), None, None).await {
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::NotFound => false,
        Err(e) => return ApiError::from(e).into_response(),
    };
    // A build or refresh on its way: the page says so.
    let pending = state.app.resume_refresh_pending(web.user.id).await;
    context["has_resume"] = json!(has_resume);
    context["stale"] = json!(pending.unwrap_or(false));
    page("resume.html", StatusCode::OK, &context)
}

/// `GET /resume/preview`: the resume's own HTML page, shown in the frame of
/// `/resume` (its styles are inline, so its policy allows them and nothing
/// else, and only this site may frame it).
pub(super) async fn preview(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<ThemeQuery>,
) -> Response {
    let rendered = state
        .app
        .render_resume(
            &web.actor(),
            None,
            None,
            ResumeFormat::Html,
            Some(query.theme()),
        )
        .await;
    match rendered {
        Ok(current) => match current.rendered {
            RenderedResume::Html(html) => {
                let mut response = html.into_response();
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                headers.insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(
                        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
                    ),
                );
                headers.insert(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("SAMEORIGIN"),
                );
                response
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /resume/download?format=pdf|markdown|json|text`: the resume as a file.
pub(super) async fn download(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<ThemeQuery>,
) -> Response {
    let format = match ResumeFormat::parse(&query.format) {
        Ok(format) => format,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let rendered = state
        .app
        .render_resume(&web.actor(), None, None, format, Some(query.theme()))
        .await;
    let (bytes, content_type, extension) = match rendered.map(|c| c.rendered) {
        Ok(RenderedResume::Pdf(pdf)) => (pdf, "application/pdf", "pdf"),
        Ok(RenderedResume::Markdown(text)) => {
            (text.into_bytes(), "text/markdown; charset=utf-8", "md")
        }
        Ok(RenderedResume::Text(text)) => (text.into_bytes(), "text/plain; charset=utf-8", "txt"),
        Ok(RenderedResume::Html(html)) => (html.into_bytes(), "text/html; charset=utf-8", "html"),
        Ok(RenderedResume::Json(document)) => (
            serde_json::to_vec_pretty(&document).unwrap_or_default(),
            "application/json",
            "json",
        ),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"resume.{extension}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
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
