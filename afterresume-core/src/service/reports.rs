//! Reports: list, read, and generate (standup, status, summary).

use chrono::NaiveDate;
use serde_json::json;

use super::{Actor, App, Enqueued, Page, PageRequest, visible};
use crate::Result;
use crate::agents::{ReportRequest, render_report_html, report_title};
use crate::domain::{Report, ReportId, ReportKind, UserId, WorkingDays};
use crate::workflows::REPORT_GENERATE;

/// Which reports to list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportQuery {
    /// Whose: the caller's own when absent; staff may name anyone.
    pub user_id: Option<UserId>,
    /// Only this kind.
    pub kind: Option<ReportKind>,
    /// The page.
    pub page: PageRequest,
}

/// A report to generate; the period defaults per kind (see [`ReportRequest`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateReport {
    /// Which report.
    pub kind: ReportKind,
    /// First day.
    pub start: Option<NaiveDate>,
    /// Last day.
    pub end: Option<NaiveDate>,
}

impl App {
    /// A page of reports, newest first.
    pub async fn list_reports(&self, actor: &Actor, query: ReportQuery) -> Result<Page<Report>> {
        let user = actor.acting_for(query.user_id)?;
        let limit = query.page.size()?;
        let before = query.page.position(|c| c.parse::<ReportId>().ok())?;
        let items = self
            .domain
            .list_reports(user, query.kind, before, limit + 1)
            .await?;
        Ok(Page::from_overfetch(items, limit, |r| r.id.to_string()))
    }

    /// A report the actor may see: Markdown and the structured items with the
    /// worklogs behind each.
    pub async fn report(&self, actor: &Actor, id: ReportId) -> Result<Report> {
        let found = self.domain.get_report(id).await;
        visible(actor, found, |r| Some(r.user_id), "report", id)
    }

    /// Enqueues a report. The period is checked now, with its defaults, so a bad
    /// one enqueues nothing.
    pub async fn generate_report(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        request: GenerateReport,
        idempotency_key: Option<&str>,
    ) -> Result<Enqueued> {
        let user = self.subject(actor, user_id).await?;
        ReportRequest {
            user_id: user,
            kind: request.kind,
            start: request.start,
            end: request.end,
            today: self.today(),
            // The default stands in for the user's days: the period is valid
            // or not whichever days they work.
            working_days: WorkingDays::default(),
        }
        .period()?;
        let mut payload = json!({"kind": request.kind});
        for (field, value) in [("start", request.start), ("end", request.end)] {
            if let Some(v) = value {
                payload[field] = json!(v);
            }
        }
        self.enqueue_for(actor, user, REPORT_GENERATE, payload, idempotency_key)
            .await
    }
}

/// The renders of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The JSON record (Markdown `content` and structured `data`).
    Json,
    /// Markdown.
    Markdown,
    /// A standalone HTML page.
    Html,
    /// A PDF typeset in-process (needs the core's `pdf` feature).
    Pdf,
}

impl ReportFormat {
    /// Parses a format name (`md` is Markdown too).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "json" => Ok(ReportFormat::Json),
            "markdown" | "md" => Ok(ReportFormat::Markdown),
            "html" => Ok(ReportFormat::Html),
            "pdf" => Ok(ReportFormat::Pdf),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(crate::Error::invalid_input(format!(
                    "format: '{}' is not one of json, markdown, html, pdf",
                    shown.escape_default()
                )))
            }
        }
    }
}

/// A report in one format.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderedReport {
    /// The record.
    Json(Report),
    /// Markdown text.
    Markdown(String),
    /// An HTML page.
    Html(String),
    /// A PDF file.
    Pdf(Vec<u8>),
}

impl App {
    /// A report the actor may see, in one format.
    pub async fn render_report(
        &self,
        actor: &Actor,
        id: ReportId,
        format: ReportFormat,
    ) -> Result<RenderedReport> {
        let report = self.report(actor, id).await?;
        Ok(match format {
            ReportFormat::Json => RenderedReport::Json(report),
            ReportFormat::Markdown => RenderedReport::Markdown(report.content),
            ReportFormat::Html => RenderedReport::Html(render_report_html(&report)?),
            ReportFormat::Pdf => {
                let mut data = report.data.clone();
                if let Some(object) = data.as_object_mut() {
                    object.insert("title".into(), report_title(&report).into());
                }
                let pdf = tokio::task::spawn_blocking(move || typeset_report(&data))
                    .await
                    .map_err(|e| crate::Error::unexpected(format!("pdf render: {e}")))??;
                RenderedReport::Pdf(pdf)
            }
        })
    }
}

#[cfg(feature = "pdf")]
fn typeset_report(data: &serde_json::Value) -> Result<Vec<u8>> {
    crate::agents::pdf::report_pdf(data)
}

#[cfg(not(feature = "pdf"))]
fn typeset_report(_data: &serde_json::Value) -> Result<Vec<u8>> {
    Err(crate::Error::new(
        crate::ErrorKind::Unsupported,
        "format: pdf is not in this build (afterresume-core's `pdf` feature)",
    ))
}
