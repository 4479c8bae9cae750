//! `NativeUseCases`: the use cases of `afterresume.Engine` and its `as_user`
//! sessions — worklogs, skills, reports, the resume, the caller's jobs. Each
//! method reads its arguments, calls the core's use case as the caller and
//! returns the result as Python values.

use std::path::PathBuf;
use std::sync::Arc;

use afterresume_backends::git::{GitImportOptions, read_repository};

use afterresume_core::domain::{
    ChoicePatch, EducationPatch, JobStatus, NewEducation, NewPosition, PositionPatch, ProfilePatch,
    ReportKind,
};
use afterresume_core::import::{ImportFormat, parse_path};
use afterresume_core::ports::PauseTarget;
use afterresume_core::service::import::ImportOptions;
use afterresume_core::service::reports::{
    GenerateReport, RenderedReport, ReportFormat, ReportQuery,
};
use afterresume_core::service::resume::{RenderedResume, ResumeFormat};
use afterresume_core::service::skills::SkillsWindow;
use afterresume_core::service::worklogs::WorkLogQuery;
use afterresume_core::service::{EventQuery, JobQuery, PageRequest};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::json;

use crate::convert::{
    WorkLogFields, date, fields_as, import_entry, parse_job_id, to_python, worklog_patch,
};
use crate::errors::{InvalidInput, to_py};
use crate::shared::Core;

/// The use cases behind `afterresume.Engine`. `as_user` on every method makes
/// the call a signed-in user's, under the same rules as the HTTP API; without
/// it the embedding program acts, trusted like staff.
#[pyclass(module = "afterresume._afterresume", frozen)]
pub(crate) struct NativeUseCases {
    pub(crate) core: Arc<Core>,
}

#[pymethods]
impl NativeUseCases {
    #[pyo3(signature = (user_id, *, as_user=None))]
    fn get_user(&self, py: Python<'_>, user_id: i64, as_user: Option<i64>) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let user = self.core.block(py, self.core.app.user(&actor, user_id))?;
        to_python(py, &user)
    }

    // ---- worklogs ----

    #[pyo3(signature = (user_id, content, *, date=None, title=None, tags=None, source=None, metadata=None, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_worklog(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        content: String,
        date: Option<String>,
        title: Option<String>,
        tags: Option<Vec<String>>,
        source: Option<String>,
        metadata: Option<Bound<'_, PyAny>>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let fields = WorkLogFields {
            content,
            date,
            title,
            tags,
            source,
            metadata,
        };
        let input = fields.into_input()?;
        let created = self
            .core
            .block(py, self.core.app.create_worklog(&actor, user_id, input))?;
        to_python(py, &created)
    }

    /// Creates many worklogs: every entry is checked first, and one bad entry
    /// stores none of them.
    #[pyo3(signature = (user_id, entries, *, as_user=None))]
    fn import_worklogs(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        entries: Vec<Bound<'_, PyDict>>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let inputs = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| import_entry(i, entry))
            .collect::<PyResult<Vec<_>>>()?;
        let created = self
            .core
            .block(py, self.core.app.import_worklogs(&actor, user_id, inputs))?;
        to_python(py, &created)
    }

    /// Commits from local git repositories, one entry per repository and day:
    /// `{"sources": [{"name", "walked", "commits", "merges", "bots", "others",
    /// "read", "created", "updated", "unchanged"}], "analysis_jobs"}`.
    #[pyo3(signature = (user_id, paths, *, authors=None, since=None, until=None, dry_run=false, analyze=false, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_git(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        paths: Vec<PathBuf>,
        authors: Option<Vec<String>>,
        since: Option<String>,
        until: Option<String>,
        dry_run: bool,
        analyze: bool,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let app = &self.core.app;
        let authors = self.core.block(
            py,
            app.git_authors(&actor, user_id, authors.unwrap_or_default()),
        )?;
        let options = GitImportOptions {
            authors,
            since: date("since", since.as_deref())?,
            until: date("until", until.as_deref())?,
        };
        let import = ImportOptions { dry_run, analyze };
        let mut sources = Vec::new();
        let mut analysis_jobs = 0;
        for path in paths {
            let read = py
                .detach(|| read_repository(&path, &options, &mut |_| {}))
                .map_err(to_py)?;
            let report = self.core.block(
                py,
                app.import_in_parts(&actor, user_id, read.entries, import, &mut |_| {}),
            )?;
            analysis_jobs += report.analysis_jobs;
            sources.push(json!({
                "name": read.repository, "walked": read.walked, "commits": read.commits,
                "merges": read.merges, "bots": read.bots, "others": read.others,
                "read": report.summary.read, "created": report.summary.created,
                "updated": report.summary.updated, "unchanged": report.summary.unchanged,
            }));
        }
        to_python(
            py,
            &json!({"sources": sources, "analysis_jobs": analysis_jobs}),
        )
    }

    /// A Markdown folder or file, a jrnl export, CSV or JSON Lines:
    /// `{"read", "created", "updated", "unchanged", "skipped", "analysis_jobs"}`.
    #[pyo3(signature = (user_id, path, *, format, dry_run=false, analyze=false, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_file(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        path: PathBuf,
        format: &str,
        dry_run: bool,
        analyze: bool,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let format = ImportFormat::parse(format).map_err(to_py)?;
        let parsed = py.detach(|| parse_path(format, &path)).map_err(to_py)?;
        let mut report = self.core.block(
            py,
            self.core.app.import_in_parts(
                &actor,
                user_id,
                parsed.entries,
                ImportOptions { dry_run, analyze },
                &mut |_| {},
            ),
        )?;
        report.summary.skipped += parsed.skipped;
        let s = &report.summary;
        to_python(
            py,
            &json!({"read": s.read, "created": s.created, "updated": s.updated,
                "unchanged": s.unchanged, "skipped": s.skipped,
                "analysis_jobs": report.analysis_jobs}),
        )
    }

    #[pyo3(signature = (worklog_id, *, as_user=None))]
    fn get_worklog(
        &self,
        py: Python<'_>,
        worklog_id: i64,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let w = self
            .core
            .block(py, self.core.app.worklog(&actor, worklog_id))?;
        to_python(py, &w)
    }

    /// A page of worklogs: `{"results": [...], "next": cursor-or-None}`.
    #[pyo3(signature = (user_id, *, date_from=None, date_to=None, tag=None, q=None, limit=None, cursor=None, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn list_worklogs(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        date_from: Option<&str>,
        date_to: Option<&str>,
        tag: Option<String>,
        q: Option<String>,
        limit: Option<usize>,
        cursor: Option<String>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let query = WorkLogQuery {
            user_id,
            date_from: date("date_from", date_from)?,
            date_to: date("date_to", date_to)?,
            tag,
            text: q,
            page: PageRequest { limit, cursor },
        };
        let page = self
            .core
            .block(py, self.core.app.list_worklogs(&actor, query))?;
        to_python(py, &page)
    }

    #[pyo3(signature = (worklog_id, *, as_user=None, **fields))]
    fn update_worklog(
        &self,
        py: Python<'_>,
        worklog_id: i64,
        as_user: Option<i64>,
        fields: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let patch = worklog_patch(fields.as_ref())?;
        let w = self
            .core
            .block(py, self.core.app.update_worklog(&actor, worklog_id, patch))?;
        to_python(py, &w)
    }

    #[pyo3(signature = (worklog_id, content, *, date=None, title=None, tags=None, source=None, metadata=None, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn replace_worklog(
        &self,
        py: Python<'_>,
        worklog_id: i64,
        content: String,
        date: Option<String>,
        title: Option<String>,
        tags: Option<Vec<String>>,
        source: Option<String>,
        metadata: Option<Bound<'_, PyAny>>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let fields = WorkLogFields {
            content,
            date,
            title,
            tags,
            source,
            metadata,
        };
        let input = fields.into_input()?;
        let w = self
            .core
            .block(py, self.core.app.replace_worklog(&actor, worklog_id, input))?;
        to_python(py, &w)
    }

    #[pyo3(signature = (worklog_id, *, as_user=None))]
    fn delete_worklog(
        &self,
        py: Python<'_>,
        worklog_id: i64,
        as_user: Option<i64>,
    ) -> PyResult<()> {
        let actor = self.core.actor(py, as_user)?;
        self.core
            .block(py, self.core.app.delete_worklog(&actor, worklog_id))
    }

    // ---- jobs ----

    #[pyo3(signature = (worklog_id, *, idempotency_key=None, as_user=None))]
    fn analyze_worklog(
        &self,
        py: Python<'_>,
        worklog_id: i64,
        idempotency_key: Option<&str>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let enqueued = self.core.block(
            py,
            self.core
                .app
                .analyze_worklog(&actor, worklog_id, idempotency_key),
        )?;
        to_python(py, &enqueued.job)
    }

    #[pyo3(signature = (user_id, *, window_days=None, start=None, end=None, idempotency_key=None, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn extract_skills(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        window_days: Option<u32>,
        start: Option<&str>,
        end: Option<&str>,
        idempotency_key: Option<&str>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let window = SkillsWindow {
            window_days,
            start: date("start", start)?,
            end: date("end", end)?,
        };
        let enqueued = self.core.block(
            py,
            self.core
                .app
                .recompute_skills(&actor, user_id, window, idempotency_key),
        )?;
        to_python(py, &enqueued.job)
    }

    #[pyo3(signature = (user_id, kind="status", *, start=None, end=None, idempotency_key=None, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn generate_report(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        kind: &str,
        start: Option<&str>,
        end: Option<&str>,
        idempotency_key: Option<&str>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let request = GenerateReport {
            kind: ReportKind::parse_field("kind", kind).map_err(to_py)?,
            start: date("start", start)?,
            end: date("end", end)?,
        };
        let enqueued = self.core.block(
            py,
            self.core
                .app
                .generate_report(&actor, user_id, request, idempotency_key),
        )?;
        to_python(py, &enqueued.job)
    }

    #[pyo3(signature = (user_id, *, idempotency_key=None, as_user=None))]
    fn refresh_resume(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        idempotency_key: Option<&str>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let enqueued = self.core.block(
            py,
            self.core
                .app
                .refresh_resume(&actor, user_id, idempotency_key),
        )?;
        to_python(py, &enqueued.job)
    }

    #[pyo3(signature = (job_id, *, as_user=None))]
    fn get_job(&self, py: Python<'_>, job_id: &str, as_user: Option<i64>) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let job = self
            .core
            .block(py, self.core.app.job(&actor, parse_job_id(job_id)?))?;
        to_python(py, &job)
    }

    /// A page of jobs, newest first. A session lists its user's jobs; the
    /// program itself lists everyone's (`user_id` narrows it).
    #[pyo3(signature = (*, status=None, job_type=None, queue=None, user_id=None, limit=None, cursor=None, as_user=None))]
    #[allow(clippy::too_many_arguments)]
    fn list_jobs(
        &self,
        py: Python<'_>,
        status: Option<&str>,
        job_type: Option<String>,
        queue: Option<String>,
        user_id: Option<i64>,
        limit: Option<usize>,
        cursor: Option<String>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let query = JobQuery {
            status: status
                .map(|s| JobStatus::parse_field("status", s))
                .transpose()
                .map_err(to_py)?,
            job_type,
            queue,
            user_id,
            page: PageRequest { limit, cursor },
            ..Default::default()
        };
        let page = match as_user {
            Some(_) => self
                .core
                .block(py, self.core.app.list_jobs(&actor, query))?,
            None => self
                .core
                .block(py, self.core.app.list_all_jobs(&actor, query))?,
        };
        to_python(py, &page)
    }

    #[pyo3(signature = (job_id, *, as_user=None))]
    fn cancel_job(
        &self,
        py: Python<'_>,
        job_id: &str,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let job = self
            .core
            .block(py, self.core.app.cancel_job(&actor, parse_job_id(job_id)?))?;
        to_python(py, &job)
    }

    /// Runs a failed or cancelled job again (operators): the same job.
    #[pyo3(signature = (job_id, *, as_user=None))]
    fn retry_job(&self, py: Python<'_>, job_id: &str, as_user: Option<i64>) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let job = self
            .core
            .block(py, self.core.app.retry_job(&actor, parse_job_id(job_id)?))?;
        to_python(py, &job)
    }

    /// Every queue with waiting or running jobs or a pause, and the paused
    /// job types (operators): `{"queues": [...], "paused_job_types": [...]}`.
    #[pyo3(signature = (*, as_user=None))]
    fn queues(&self, py: Python<'_>, as_user: Option<i64>) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let overview = self.core.block(py, self.core.app.queues(&actor))?;
        to_python(py, &overview)
    }

    /// Pauses or resumes a queue (`kind="queue"`) or a job type
    /// (`kind="type"`) in every process (operators).
    #[pyo3(signature = (kind, name, paused, *, as_user=None))]
    fn set_paused(
        &self,
        py: Python<'_>,
        kind: &str,
        name: String,
        paused: bool,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let target = PauseTarget::from_parts(kind, name).map_err(|_| {
            InvalidInput::new_err(format!("kind: must be 'queue' or 'type', got {kind:?}"))
        })?;
        let actor = self.core.actor(py, as_user)?;
        let change = self
            .core
            .block(py, self.core.app.set_paused(&actor, target, paused))?;
        to_python(py, &change)
    }

    /// Deletes every failed job (of one type) and its events (operators).
    #[pyo3(signature = (*, job_type=None, as_user=None))]
    fn purge_dead_jobs(
        &self,
        py: Python<'_>,
        job_type: Option<String>,
        as_user: Option<i64>,
    ) -> PyResult<usize> {
        let actor = self.core.actor(py, as_user)?;
        self.core.block(
            py,
            self.core.app.purge_dead_jobs(&actor, job_type.as_deref()),
        )
    }

    /// A page of a job's timeline: `{"job_id", "results", "next_after_id"}`.
    #[pyo3(signature = (job_id, *, after_id=None, limit=None, as_user=None))]
    fn job_events(
        &self,
        py: Python<'_>,
        job_id: &str,
        after_id: Option<i64>,
        limit: Option<usize>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let id = parse_job_id(job_id)?;
        let query = EventQuery { after_id, limit };
        let page = self
            .core
            .block(py, self.core.app.job_events(&actor, id, query))?;
        to_python(py, &page)
    }

    // ---- skills, reports, resume ----

    #[pyo3(signature = (user_id, *, as_user=None))]
    fn list_skills(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let skills = self
            .core
            .block(py, self.core.app.list_skills(&actor, user_id))?;
        to_python(py, &skills)
    }

    #[pyo3(signature = (user_id, skill_id, *, as_user=None))]
    fn skill_evidence(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        skill_id: i64,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let rows = self
            .core
            .block(py, self.core.app.skill_evidence(&actor, user_id, skill_id))?;
        to_python(py, &rows)
    }

    /// A page of reports, newest first.
    #[pyo3(signature = (user_id, *, kind=None, limit=None, cursor=None, as_user=None))]
    fn list_reports(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        kind: Option<&str>,
        limit: Option<usize>,
        cursor: Option<String>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let query = ReportQuery {
            user_id,
            kind: kind
                .map(|k| ReportKind::parse_field("kind", k))
                .transpose()
                .map_err(to_py)?,
            page: PageRequest { limit, cursor },
        };
        let page = self
            .core
            .block(py, self.core.app.list_reports(&actor, query))?;
        to_python(py, &page)
    }

    #[pyo3(signature = (report_id, *, as_user=None))]
    fn get_report(
        &self,
        py: Python<'_>,
        report_id: i64,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let report = self
            .core
            .block(py, self.core.app.report(&actor, report_id))?;
        to_python(py, &report)
    }

    /// A report as Markdown or HTML text, or PDF bytes.
    #[pyo3(signature = (report_id, format, *, as_user=None))]
    fn render_report(
        &self,
        py: Python<'_>,
        report_id: i64,
        format: &str,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let format = ReportFormat::parse(format).map_err(to_py)?;
        let rendered = self
            .core
            .block(py, self.core.app.render_report(&actor, report_id, format))?;
        match rendered {
            RenderedReport::Json(report) => to_python(py, &report),
            RenderedReport::Markdown(text) | RenderedReport::Html(text) => to_python(py, &text),
            RenderedReport::Pdf(bytes) => {
                Ok(pyo3::types::PyBytes::new(py, &bytes).into_any().unbind())
            }
        }
    }

    /// The latest (or a given) resume version: the JSON Resume document, or a render.
    #[pyo3(signature = (user_id, *, format="json", version=None, theme=None, as_user=None))]
    fn get_resume(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        format: &str,
        version: Option<u32>,
        theme: Option<&str>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let format = ResumeFormat::parse(format).map_err(to_py)?;
        let current = self.core.block(
            py,
            self.core
                .app
                .render_resume(&actor, user_id, version, format, theme),
        )?;
        match current.rendered {
            RenderedResume::Json(document) => to_python(py, &document),
            RenderedResume::Markdown(text)
            | RenderedResume::Html(text)
            | RenderedResume::Text(text) => to_python(py, &text),
            RenderedResume::Pdf(bytes) => {
                Ok(pyo3::types::PyBytes::new(py, &bytes).into_any().unbind())
            }
        }
    }

    /// Enqueues a resume variant for a job description.
    #[pyo3(signature = (user_id, job_description, *, idempotency_key=None, as_user=None))]
    fn tailor_resume(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        job_description: &str,
        idempotency_key: Option<&str>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let enqueued = self.core.block(
            py,
            self.core
                .app
                .tailor_resume(&actor, user_id, job_description, idempotency_key),
        )?;
        to_python(py, &enqueued.job)
    }

    /// Every curation choice of a user.
    #[pyo3(signature = (user_id=None, *, as_user=None))]
    fn get_curation(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let curation = self
            .core
            .block(py, self.core.app.curation(&actor, user_id))?;
        to_python(py, &curation)
    }

    /// Pins, hides or orders a skill on the resume.
    #[pyo3(signature = (skill_id, user_id=None, *, as_user=None, **fields))]
    fn curate_skill(
        &self,
        py: Python<'_>,
        skill_id: i64,
        user_id: Option<i64>,
        as_user: Option<i64>,
        fields: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let patch: ChoicePatch = fields_as(fields.as_ref())?;
        let item = self.core.block(
            py,
            self.core.app.curate_skill(&actor, user_id, skill_id, patch),
        )?;
        to_python(py, &item)
    }

    /// Pins, hides, orders or rewords a resume bullet.
    #[pyo3(signature = (highlight_id, user_id=None, *, as_user=None, **fields))]
    fn curate_highlight(
        &self,
        py: Python<'_>,
        highlight_id: &str,
        user_id: Option<i64>,
        as_user: Option<i64>,
        fields: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let patch: ChoicePatch = fields_as(fields.as_ref())?;
        let item = self.core.block(
            py,
            self.core
                .app
                .curate_highlight(&actor, user_id, highlight_id, patch),
        )?;
        to_python(py, &item)
    }

    /// A user's profile.
    #[pyo3(signature = (user_id=None, *, as_user=None))]
    fn get_profile(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let profile = self
            .core
            .block(py, self.core.app.profile(&actor, user_id))?;
        to_python(py, &profile)
    }

    /// Changes the profile fields given.
    #[pyo3(signature = (user_id=None, *, as_user=None, **fields))]
    fn update_profile(
        &self,
        py: Python<'_>,
        user_id: Option<i64>,
        as_user: Option<i64>,
        fields: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let patch: ProfilePatch = fields_as(fields.as_ref())?;
        let profile = self
            .core
            .block(py, self.core.app.update_profile(&actor, user_id, patch))?;
        to_python(py, &profile)
    }

    /// Positions or education entries, newest first.
    #[pyo3(signature = (section, user_id=None, *, as_user=None))]
    fn profile_entries(
        &self,
        py: Python<'_>,
        section: &str,
        user_id: Option<i64>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let app = &self.core.app;
        match Section::parse(section)? {
            Section::Positions => {
                to_python(py, &self.core.block(py, app.positions(&actor, user_id))?)
            }
            Section::Education => {
                to_python(py, &self.core.block(py, app.education(&actor, user_id))?)
            }
        }
    }

    /// One position or education entry.
    #[pyo3(signature = (section, entry_id, user_id=None, *, as_user=None))]
    fn profile_entry(
        &self,
        py: Python<'_>,
        section: &str,
        entry_id: i64,
        user_id: Option<i64>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let app = &self.core.app;
        match Section::parse(section)? {
            Section::Positions => to_python(
                py,
                &self
                    .core
                    .block(py, app.position(&actor, user_id, entry_id))?,
            ),
            Section::Education => to_python(
                py,
                &self
                    .core
                    .block(py, app.education_entry(&actor, user_id, entry_id))?,
            ),
        }
    }

    /// Adds a position or an education entry.
    #[pyo3(signature = (section, user_id=None, *, as_user=None, **fields))]
    fn create_profile_entry(
        &self,
        py: Python<'_>,
        section: &str,
        user_id: Option<i64>,
        as_user: Option<i64>,
        fields: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let app = &self.core.app;
        match Section::parse(section)? {
            Section::Positions => {
                let new: NewPosition = fields_as(fields.as_ref())?;
                to_python(
                    py,
                    &self
                        .core
                        .block(py, app.create_position(&actor, user_id, new))?,
                )
            }
            Section::Education => {
                let new: NewEducation = fields_as(fields.as_ref())?;
                to_python(
                    py,
                    &self
                        .core
                        .block(py, app.create_education(&actor, user_id, new))?,
                )
            }
        }
    }

    /// Changes the fields given of a position or an education entry.
    #[pyo3(signature = (section, entry_id, user_id=None, *, as_user=None, **fields))]
    fn update_profile_entry(
        &self,
        py: Python<'_>,
        section: &str,
        entry_id: i64,
        user_id: Option<i64>,
        as_user: Option<i64>,
        fields: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let app = &self.core.app;
        match Section::parse(section)? {
            Section::Positions => {
                let patch: PositionPatch = fields_as(fields.as_ref())?;
                to_python(
                    py,
                    &self
                        .core
                        .block(py, app.update_position(&actor, user_id, entry_id, patch))?,
                )
            }
            Section::Education => {
                let patch: EducationPatch = fields_as(fields.as_ref())?;
                to_python(
                    py,
                    &self
                        .core
                        .block(py, app.update_education(&actor, user_id, entry_id, patch))?,
                )
            }
        }
    }

    /// Removes a position or an education entry.
    #[pyo3(signature = (section, entry_id, user_id=None, *, as_user=None))]
    fn delete_profile_entry(
        &self,
        py: Python<'_>,
        section: &str,
        entry_id: i64,
        user_id: Option<i64>,
        as_user: Option<i64>,
    ) -> PyResult<()> {
        let actor = self.core.actor(py, as_user)?;
        let app = &self.core.app;
        match Section::parse(section)? {
            Section::Positions => self
                .core
                .block(py, app.delete_position(&actor, user_id, entry_id)),
            Section::Education => self
                .core
                .block(py, app.delete_education(&actor, user_id, entry_id)),
        }
    }
}

/// The lists of a profile the entry methods work on.
enum Section {
    Positions,
    Education,
}

impl Section {
    fn parse(name: &str) -> PyResult<Section> {
        match name {
            "positions" => Ok(Section::Positions),
            "education" => Ok(Section::Education),
            other => Err(to_py(afterresume_core::Error::invalid_input(format!(
                "section: '{}' is not one of positions, education",
                other.chars().take(40).collect::<String>().escape_default()
            )))),
        }
    }
}
