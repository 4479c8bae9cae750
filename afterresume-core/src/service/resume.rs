//! The resume: read a version in a format, refresh it, and keep it current —
//! every change to what it is built from enqueues one debounced refresh.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Actor, App, Enqueued};
use crate::agents::check_job_description;
use crate::agents::{RESUME_THEMES, render_resume_html, render_resume_text};
use crate::domain::{JobStatus, Resume, Trigger, UserId};
use crate::engine::EnqueueOptions;
use crate::ports::JobFilter;
use crate::workflows::{RESUME_REFRESH, RESUME_TAILOR};
use crate::{Error, ErrorKind, Result};

/// Changes within one window of this many milliseconds share one refresh, which
/// runs when the window closes (so it reads all of them).
pub const RESUME_DEBOUNCE_MS: i64 = 2_000;

/// The renders of a resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeFormat {
    /// The JSON Resume 1.0.0 document.
    Json,
    /// Markdown.
    Markdown,
    /// A standalone HTML page.
    Html,
    /// Plain text for applicant-tracking systems.
    Text,
    /// A PDF typeset in-process (needs the core's `pdf` feature).
    Pdf,
}

impl ResumeFormat {
    /// Parses a format name (`md` is Markdown too).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "json" => Ok(ResumeFormat::Json),
            "markdown" | "md" => Ok(ResumeFormat::Markdown),
            "html" => Ok(ResumeFormat::Html),
            "text" | "txt" => Ok(ResumeFormat::Text),
            "pdf" => Ok(ResumeFormat::Pdf),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(Error::invalid_input(format!(
                    "format: '{}' is not one of json, markdown, html, text, pdf",
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
    /// Plain text.
    Text(String),
    /// A PDF file.
    Pdf(Vec<u8>),
}

/// A resume version and whether a refresh of it is pending.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentResume {
    /// The version.
    pub rendered: RenderedResume,
    /// Whether a refresh is queued or running: what is shown may be out of date.
    pub stale: bool,
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
            None => self.latest_untailored(user).await,
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

    /// A version of a user's resume in one format, HTML in a theme of
    /// [`RESUME_THEMES`] (the first when absent); the JSON document says in
    /// `meta.x-afterresume.stale` whether a refresh is pending.
    pub async fn render_resume(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        version: Option<u32>,
        format: ResumeFormat,
        theme: Option<&str>,
    ) -> Result<CurrentResume> {
        if let Some(theme) = theme
            && !RESUME_THEMES.contains(&theme)
        {
            // The same message as a render would give, before any lookup.
            render_resume_html(&json!({}), theme)?;
        }
        let resume = self.resume(actor, user_id, version).await?;
        let stale = self.resume_refresh_pending(resume.user_id).await?;
        let rendered = match format {
            ResumeFormat::Json => {
                let mut document = resume.document;
                if let Some(meta) = document.get_mut("meta").and_then(|m| m.as_object_mut()) {
                    let ours = meta.entry("x-afterresume").or_insert_with(|| json!({}));
                    ours["stale"] = json!(stale);
                }
                RenderedResume::Json(document)
            }
            ResumeFormat::Markdown => RenderedResume::Markdown(resume.markdown),
            ResumeFormat::Html => match theme {
                None => RenderedResume::Html(resume.html),
                Some(theme) => RenderedResume::Html(render_resume_html(&resume.document, theme)?),
            },
            ResumeFormat::Text => RenderedResume::Text(render_resume_text(&resume.document)?),
            ResumeFormat::Pdf => {
                let theme = theme.unwrap_or(RESUME_THEMES[0]).to_owned();
                let document = resume.document;
                // Typesetting is CPU work: keep it off the async workers.
                let pdf = tokio::task::spawn_blocking(move || typeset_resume(&document, &theme))
                    .await
                    .map_err(|e| Error::unexpected(format!("pdf render: {e}")))??;
                RenderedResume::Pdf(pdf)
            }
        };
        Ok(CurrentResume { rendered, stale })
    }

    /// Whether a `resume.refresh` of the user is queued or running.
    pub async fn resume_refresh_pending(&self, user: UserId) -> Result<bool> {
        for status in [JobStatus::Queued, JobStatus::Running] {
            let filter = JobFilter {
                status: Some(status),
                job_type: Some(RESUME_REFRESH.to_owned()),
                user_id: Some(user),
                limit: 1,
                ..JobFilter::default()
            };
            if !self.engine.list_jobs(&filter).await?.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Something a user's resume is built from changed: if they have a resume,
    /// enqueue the refresh of the current debounce window (one per window,
    /// through its idempotency key), to run when the window closes. The change
    /// is already stored, so a failure here is logged rather than returned: the
    /// next change or an explicit refresh catches up.
    pub(crate) async fn resume_changed(&self, user: UserId) {
        if let Err(e) = self.enqueue_debounced_refresh(user).await {
            tracing::warn!(user_id = user, error = %e, "could not enqueue the resume refresh");
        }
    }

    async fn enqueue_debounced_refresh(&self, user: UserId) -> Result<()> {
        if self.domain.list_resume_versions(user).await?.is_empty() {
            return Ok(());
        }
        let window = self.now().timestamp_millis().div_euclid(RESUME_DEBOUNCE_MS);
        let run_at: Option<DateTime<Utc>> =
            DateTime::from_timestamp_millis((window + 1) * RESUME_DEBOUNCE_MS);
        let options = EnqueueOptions {
            trigger: Trigger::System,
            user_id: Some(user),
            idempotency_key: Some(format!("system:resume-refresh:{user}:{window}")),
            run_at,
            ..Default::default()
        };
        self.engine
            .enqueue_detailed(RESUME_REFRESH, json!({}), options)
            .await?;
        Ok(())
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

impl App {
    /// The newest version that is not a variant for a job description: the
    /// resume a person is shown unless they ask for a variant by version.
    async fn latest_untailored(&self, user: UserId) -> Result<Resume> {
        let latest = self.domain.latest_resume(user).await?;
        if !is_tailored(&latest) {
            return Ok(latest);
        }
        for (version, _) in self.domain.list_resume_versions(user).await? {
            let resume = self.domain.get_resume_version(user, version).await?;
            if !is_tailored(&resume) {
                return Ok(resume);
            }
        }
        Err(Error::not_found(
            "resume not found (only variants for job descriptions so far: refresh it first)",
        ))
    }

    /// Enqueues a variant of the resume for a job description (`resume.tailor`):
    /// its result is `{version, matched, missing}`, and `version` reads the
    /// variant. Nothing without evidence is added.
    pub async fn tailor_resume(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        job_description: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Enqueued> {
        check_job_description(job_description)?;
        let user = self.subject(actor, user_id).await?;
        self.enqueue_for(
            actor,
            user,
            RESUME_TAILOR,
            json!({"job_description": job_description}),
            idempotency_key,
        )
        .await
    }
}

fn is_tailored(resume: &Resume) -> bool {
    resume
        .document
        .pointer("/meta/x-afterresume/tailored_for")
        .is_some()
}

#[cfg(feature = "pdf")]
fn typeset_resume(document: &serde_json::Value, theme: &str) -> Result<Vec<u8>> {
    crate::agents::pdf::resume_pdf(document, theme)
}

#[cfg(not(feature = "pdf"))]
fn typeset_resume(_document: &serde_json::Value, _theme: &str) -> Result<Vec<u8>> {
    Err(Error::new(
        ErrorKind::Unsupported,
        "format: pdf is not in this build (afterresume-core's `pdf` feature)",
    ))
}
