//! The resume: read a version in a format, and refresh it.

use serde_json::json;

use super::{Actor, App, Enqueued};
use crate::domain::{Resume, UserId};
use crate::workflows::RESUME_REFRESH;
use crate::{Error, ErrorKind, Result};

/// The renders of a resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeFormat {
    /// The JSON Resume 1.0.0 document.
    Json,
    /// Markdown.
    Markdown,
    /// A standalone HTML page.
    Html,
}

impl ResumeFormat {
    /// Parses a format name (`md` is Markdown too).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "json" => Ok(ResumeFormat::Json),
            "markdown" | "md" => Ok(ResumeFormat::Markdown),
            "html" => Ok(ResumeFormat::Html),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(Error::invalid_input(format!(
                    "format: '{}' is not one of json, markdown, html",
                    shown.escape_default()
                )))
            }
        }
    }
}

/// A resume version rendered in one format.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderedResume {
    /// The JSON Resume document.
    Json(serde_json::Value),
    /// Markdown text.
    Markdown(String),
    /// An HTML page.
    Html(String),
}

impl App {
    /// A version of a user's resume (the latest when `version` is absent).
    pub async fn resume(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        version: Option<u32>,
    ) -> Result<Resume> {
        let user = actor.acting_for(user_id)?;
        let found = match version {
            Some(v) => self.domain.get_resume_version(user, v).await,
            None => self.domain.latest_resume(user).await,
        };
        found.map_err(|e| match (e.kind(), version) {
            (ErrorKind::NotFound, Some(v)) => {
                Error::not_found(format!("resume version {v} not found"))
            }
            (ErrorKind::NotFound, None) => {
                Error::not_found("resume not found (none yet: refresh it first)")
            }
            _ => e,
        })
    }

    /// A version of a user's resume in one format.
    pub async fn render_resume(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        version: Option<u32>,
        format: ResumeFormat,
    ) -> Result<RenderedResume> {
        let resume = self.resume(actor, user_id, version).await?;
        Ok(match format {
            ResumeFormat::Json => RenderedResume::Json(resume.document),
            ResumeFormat::Markdown => RenderedResume::Markdown(resume.markdown),
            ResumeFormat::Html => RenderedResume::Html(resume.html),
        })
    }

    /// Enqueues a new version of a user's resume from their evidence.
    pub async fn refresh_resume(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        idempotency_key: Option<&str>,
    ) -> Result<Enqueued> {
        let user = self.subject(actor, user_id).await?;
        self.enqueue_for(actor, user, RESUME_REFRESH, json!({}), idempotency_key)
            .await
    }
}
