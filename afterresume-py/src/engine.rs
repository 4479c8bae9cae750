//! `NativeEngine`: the engine, its backends and a tokio runtime, driven from
//! Python. Every call that waits on Rust releases the GIL first (`py.detach`), so
//! Python threads and Python workflows run while Rust works.
//!
//! Results cross as JSON-shaped Python objects (dicts, lists, strings); the
//! Python package on top turns timestamps into `datetime` and wraps jobs in
//! handles.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use afterresume_backends::memory::{
    MemoryArtifactStore, MemoryDomainStore, MemoryEventSink, MemoryJobStore, MemoryQueue,
};
use afterresume_backends::system::{Settings, System};
use afterresume_core::accounts::{Accounts, NewAccount};
use afterresume_core::agents::{LlmAgentOptions, LlmWorklogAgent};
use afterresume_core::domain::{
    JobId, JobStatus, NewWorkLog, ReportKind, WorkLogFilter, WorkLogPatch,
};
use afterresume_core::ports::{JobFilter, ListEventsOptions};
use afterresume_core::workflows::{
    REPORT_GENERATE, RESUME_REFRESH, SKILLS_EXTRACT, WORKLOG_ANALYZE,
};
use afterresume_core::{
    Engine, EngineConfig, EnqueueOptions, Error, JobTypeOptions, RetryPolicy, RunningEngine,
    ScheduleSpec, WorkerOptions,
};
use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

use crate::errors::{InvalidInput, Timeout, conversion, to_py};
use crate::extensions::{PyLlm, PyWorkflow};

/// The engine behind `afterresume.Engine`.
#[pyclass(module = "afterresume._afterresume", frozen)]
pub(crate) struct NativeEngine {
    runtime: Option<Runtime>,
    engine: Engine,
    system: System,
    accounts: Accounts,
    workers: Mutex<Option<RunningEngine>>,
    description: String,
}

impl Drop for NativeEngine {
    fn drop(&mut self) {
        // Workers still running hold the runtime; do not wait for them (a Python
        // workflow may need the GIL the dropping thread holds).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn runtime() -> PyResult<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("afterresume")
        .enable_all()
        .build()
        .map_err(|e| crate::errors::BackendError::new_err(format!("tokio runtime: {e}")))
}

fn to_python<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    pythonize::pythonize(py, value)
        .map(Bound::unbind)
        .map_err(conversion)
}

fn from_python(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    match obj {
        None => Ok(json!({})),
        Some(o) if o.is_none() => Ok(json!({})),
        Some(o) => pythonize::depythonize::<Value>(o).map_err(conversion),
    }
}

fn parse_date(field: &str, value: &str) -> PyResult<NaiveDate> {
    afterresume_core::domain::storable::parse_date(field, value).map_err(crate::errors::to_py)
}

/// Adds the optional `start` and `end` of a period to a payload (the workflow
/// checks them at enqueue).
fn with_period(payload: &mut Value, start: Option<&str>, end: Option<&str>) {
    for (field, value) in [("start", start), ("end", end)] {
        if let Some(v) = value {
            payload[field] = json!(v);
        }
    }
}

fn parse_job_id(id: &str) -> PyResult<JobId> {
    id.parse()
        .map_err(|_| InvalidInput::new_err(format!("job id: '{id}' is not a UUID")))
}

impl NativeEngine {
    fn rt(&self) -> &Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the engine")
    }

    /// Runs a future to completion with the GIL released.
    fn block<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        F: std::future::Future<Output = afterresume_core::Result<T>> + Send,
        T: Send,
    {
        py.detach(|| self.rt().block_on(fut)).map_err(to_py)
    }

    fn build(runtime: Runtime, system: System, description: String) -> PyResult<Self> {
        let engine = {
            let _guard = runtime.enter();
            system
                .engine_builder(EngineConfig::default())
                .build()
                .map_err(to_py)?
        };
        Ok(NativeEngine {
            accounts: Accounts::new(Arc::clone(&system.domain)),
            runtime: Some(runtime),
            engine,
            system,
            workers: Mutex::new(None),
            description,
        })
    }

    async fn enqueue_for(
        engine: &Engine,
        job_type: &str,
        payload: Value,
        user_id: Option<i64>,
        key: Option<String>,
    ) -> afterresume_core::Result<Value> {
        let options = EnqueueOptions {
            user_id,
            idempotency_key: key,
            ..Default::default()
        };
        let job = engine.enqueue(job_type, payload, options).await?;
        serde_json::to_value(job).map_err(|e| Error::unexpected(e.to_string()))
    }

    fn job_value(
        &self,
        py: Python<'_>,
        job_type: &str,
        payload: Value,
        user_id: Option<i64>,
        key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let engine = self.engine.clone();
        let job_type = job_type.to_owned();
        let job = self.block(py, async move {
            Self::enqueue_for(&engine, &job_type, payload, user_id, key).await
        })?;
        to_python(py, &job)
    }
}

#[pymethods]
impl NativeEngine {
    /// Opens an engine on a database URL (`sqlite:///path`, `postgres://...`) with
    /// the options the Python `Engine.open` documents.
    #[staticmethod]
    #[pyo3(signature = (url, *, options=None, llm=None))]
    fn open(
        py: Python<'_>,
        url: &str,
        options: Option<HashMap<String, String>>,
        llm: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let mut vars = options.unwrap_or_default();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(crate::errors::ConfigError::new_err(format!(
                "url: use sqlite:///path or postgres://..., got '{}'",
                url.split("://").next().unwrap_or_default()
            )));
        }
        vars.insert("DATABASE_URL".into(), url.to_owned());
        if !vars.contains_key("AFTERRESUME_DATA_DIR") {
            let data_dir = url
                .strip_prefix("sqlite://")
                .map(|path| path.split('?').next().unwrap_or(path))
                .and_then(|path| {
                    PathBuf::from(path)
                        .parent()
                        .map(|p| p.join("afterresume-data"))
                })
                .unwrap_or_else(|| PathBuf::from("afterresume-data"));
            vars.insert(
                "AFTERRESUME_DATA_DIR".into(),
                data_dir.display().to_string(),
            );
        }
        let settings = Settings::from_lookup(|name| vars.get(name).cloned()).map_err(to_py)?;
        let runtime = runtime()?;
        let mut system = py
            .detach(|| runtime.block_on(System::open(&settings)))
            .map_err(to_py)?;
        if let Some(provider) = llm {
            let provider = PyLlm::new(py, provider)?;
            let options = LlmAgentOptions {
                fallback_to_local: settings.llm_fallback,
                mode: settings.llm_mode,
                ..Default::default()
            };
            system.llm = Some(LlmWorklogAgent::new(Arc::new(provider), options));
        }
        Self::build(runtime, system, settings.describe())
    }

    /// An engine on in-memory backends (tests, notebooks).
    #[staticmethod]
    #[pyo3(signature = (*, auto_chain=false, llm=None))]
    fn in_memory(py: Python<'_>, auto_chain: bool, llm: Option<Py<PyAny>>) -> PyResult<Self> {
        let runtime = runtime()?;
        let domain = Arc::new(MemoryDomainStore::new());
        let llm = match llm {
            Some(provider) => Some(LlmWorklogAgent::new(
                Arc::new(PyLlm::new(py, provider)?),
                LlmAgentOptions::default(),
            )),
            None => None,
        };
        let system = {
            let _guard = runtime.enter();
            System {
                store: Arc::new(MemoryJobStore::new()),
                queue: Arc::new(MemoryQueue::new()),
                events: Arc::new(MemoryEventSink::new()),
                domain,
                artifacts: Arc::new(MemoryArtifactStore::new()),
                llm,
                auto_chain,
            }
        };
        Self::build(runtime, system, "in-memory".to_owned())
    }

    /// What the engine runs on, without secrets.
    fn describe(&self) -> String {
        self.description.clone()
    }

    // ---- workers ----

    /// Starts `n` workers (and the scheduler) in this process.
    fn run_workers(&self, n: usize) -> PyResult<()> {
        if n == 0 || n > 256 {
            return Err(InvalidInput::new_err("workers: must be 1 to 256"));
        }
        let mut workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        if workers.is_some() {
            return Err(crate::errors::Conflict::new_err(
                "workers are running already; call stop_workers() first",
            ));
        }
        let _guard = self.rt().enter();
        *workers = Some(self.engine.start(WorkerOptions::workers(n)));
        Ok(())
    }

    /// Stops the workers: running jobs get `grace` seconds to finish, the rest are
    /// released for another worker.
    #[pyo3(signature = (grace=10.0))]
    fn stop_workers(&self, py: Python<'_>, grace: f64) -> PyResult<bool> {
        let running = self
            .workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(running) = running else {
            return Ok(false);
        };
        let grace = Duration::from_secs_f64(grace.clamp(0.0, 3600.0));
        py.detach(|| self.rt().block_on(running.shutdown(grace)));
        Ok(true)
    }

    /// Runs due jobs in the calling thread until none is left; returns how many ran.
    fn run_pending(&self, py: Python<'_>) -> PyResult<usize> {
        let engine = self.engine.clone();
        self.block(py, async move {
            let mut n = 0;
            while engine.run_next().await?.is_some() {
                n += 1;
            }
            Ok(n)
        })
    }

    // ---- users ----

    #[pyo3(signature = (username, email="", *, password, full_name="", staff=false))]
    fn create_user(
        &self,
        py: Python<'_>,
        username: &str,
        email: &str,
        password: &str,
        full_name: &str,
        staff: bool,
    ) -> PyResult<Py<PyAny>> {
        let account = NewAccount {
            username: username.to_owned(),
            email: email.to_owned(),
            full_name: full_name.to_owned(),
            password: password.to_owned(),
            is_staff: staff,
        };
        let now = self.engine.now();
        let user = self.block(py, self.accounts.create_user(account, now))?;
        to_python(py, &user)
    }

    fn authenticate(&self, py: Python<'_>, username: &str, password: &str) -> PyResult<Py<PyAny>> {
        let attempt = afterresume_core::accounts::LoginAttempt {
            username,
            password,
            address: None,
        };
        let now = self.engine.now();
        let user = self.block(py, self.accounts.login(attempt, now))?;
        to_python(py, &user)
    }

    fn get_user(&self, py: Python<'_>, user_id: i64) -> PyResult<Py<PyAny>> {
        let user = self.block(py, self.system.domain.get_user(user_id))?;
        to_python(py, &user)
    }

    // ---- worklogs ----

    #[pyo3(signature = (user_id, content, *, date=None, title=None, tags=None, source=None, metadata=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_worklog(
        &self,
        py: Python<'_>,
        user_id: i64,
        content: String,
        date: Option<&str>,
        title: Option<String>,
        tags: Option<Vec<String>>,
        source: Option<String>,
        metadata: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let new = self.new_worklog(
            user_id,
            content,
            date,
            title,
            tags,
            source,
            metadata.as_ref(),
        )?;
        let now = self.engine.now();
        let domain = Arc::clone(&self.system.domain);
        let created = self.block(py, async move {
            domain.get_user(user_id).await?;
            domain.create_worklog(new, now).await
        })?;
        to_python(py, &created)
    }

    /// Creates many worklogs: every entry is checked first, and one bad entry
    /// stores none of them.
    fn import_worklogs(
        &self,
        py: Python<'_>,
        user_id: i64,
        entries: Vec<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let mut batch = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let get = |k: &str| entry.get_item(k).ok().flatten().filter(|v| !v.is_none());
            for key in entry.keys() {
                let key: String = key.extract()?;
                if !["content", "date", "title", "tags", "source", "metadata"]
                    .contains(&key.as_str())
                {
                    return Err(InvalidInput::new_err(format!(
                        "entries[{i}].{key}: unknown field"
                    )));
                }
            }
            let content: String = get("content")
                .ok_or_else(|| InvalidInput::new_err(format!("entries[{i}].content: required")))?
                .extract()
                .map_err(|_| {
                    InvalidInput::new_err(format!("entries[{i}].content: must be a string"))
                })?;
            let date: Option<String> = get("date")
                .map(|d| d.str().map(|s| s.to_string()))
                .transpose()?;
            let extract = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> { Ok(get(k)) };
            let title = extract("title")?
                .map(|t| t.extract::<String>())
                .transpose()
                .map_err(|_| {
                    InvalidInput::new_err(format!("entries[{i}].title: must be a string"))
                })?;
            let tags = extract("tags")?
                .map(|t| t.extract::<Vec<String>>())
                .transpose()
                .map_err(|_| {
                    InvalidInput::new_err(format!("entries[{i}].tags: must be a list of strings"))
                })?;
            let source = extract("source")?
                .map(|t| t.extract::<String>())
                .transpose()
                .map_err(|_| {
                    InvalidInput::new_err(format!("entries[{i}].source: must be a string"))
                })?;
            let metadata = extract("metadata")?;
            let new = self
                .new_worklog(
                    user_id,
                    content,
                    date.as_deref(),
                    title,
                    tags,
                    source,
                    metadata.as_ref(),
                )
                .map_err(|e| InvalidInput::new_err(format!("entries[{i}]: {e}")))?;
            batch.push(new);
        }
        let now = self.engine.now();
        let domain = Arc::clone(&self.system.domain);
        let created = self.block(py, async move {
            domain.get_user(user_id).await?;
            domain.create_worklogs(batch, now).await
        })?;
        to_python(py, &created)
    }

    fn get_worklog(&self, py: Python<'_>, worklog_id: i64) -> PyResult<Py<PyAny>> {
        let w = self.block(py, self.system.domain.get_worklog(worklog_id))?;
        to_python(py, &w)
    }

    #[pyo3(signature = (user_id, *, date_from=None, date_to=None, tag=None, limit=50, before=None))]
    #[allow(clippy::too_many_arguments)]
    fn list_worklogs(
        &self,
        py: Python<'_>,
        user_id: i64,
        date_from: Option<&str>,
        date_to: Option<&str>,
        tag: Option<String>,
        limit: usize,
        before: Option<(String, i64)>,
    ) -> PyResult<Py<PyAny>> {
        if !(1..=1000).contains(&limit) {
            return Err(InvalidInput::new_err("limit: must be 1 to 1000"));
        }
        let filter = WorkLogFilter {
            user_id: Some(user_id),
            date_from: date_from.map(|d| parse_date("date_from", d)).transpose()?,
            date_to: date_to.map(|d| parse_date("date_to", d)).transpose()?,
            tag,
            after: before
                .map(|(d, id)| parse_date("before", &d).map(|d| (d, id)))
                .transpose()?,
            limit,
        };
        let list = self.block(py, self.system.domain.list_worklogs(&filter))?;
        to_python(py, &list)
    }

    #[pyo3(signature = (worklog_id, **fields))]
    fn update_worklog(
        &self,
        py: Python<'_>,
        worklog_id: i64,
        fields: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let mut patch = WorkLogPatch::default();
        if let Some(fields) = fields {
            for (key, value) in fields.iter() {
                let key: String = key.extract()?;
                let bad = |what: &str| InvalidInput::new_err(format!("{key}: must be {what}"));
                match key.as_str() {
                    "content" => {
                        patch.content = Some(value.extract().map_err(|_| bad("a string"))?)
                    }
                    "date" => {
                        let d: String = value.str()?.to_string();
                        patch.date = Some(parse_date("date", &d)?);
                    }
                    "title" => {
                        patch.title = Some(value.extract().map_err(|_| bad("a string or None"))?)
                    }
                    "tags" => {
                        patch.tags = Some(value.extract().map_err(|_| bad("a list of strings"))?)
                    }
                    "source" => patch.source = Some(value.extract().map_err(|_| bad("a string"))?),
                    "metadata" => patch.metadata = Some(from_python(Some(&value))?),
                    other => return Err(InvalidInput::new_err(format!("{other}: unknown field"))),
                }
            }
        }
        patch.validate().map_err(to_py)?;
        let now = self.engine.now();
        let w = self.block(
            py,
            self.system.domain.update_worklog(worklog_id, patch, now),
        )?;
        to_python(py, &w)
    }

    fn delete_worklog(&self, py: Python<'_>, worklog_id: i64) -> PyResult<()> {
        self.block(py, self.system.domain.delete_worklog(worklog_id))
    }

    // ---- jobs ----

    #[pyo3(signature = (job_type, payload=None, *, user_id=None, idempotency_key=None))]
    fn enqueue(
        &self,
        py: Python<'_>,
        job_type: &str,
        payload: Option<Bound<'_, PyAny>>,
        user_id: Option<i64>,
        idempotency_key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let payload = from_python(payload.as_ref())?;
        self.job_value(py, job_type, payload, user_id, idempotency_key)
    }

    fn analyze_worklog(&self, py: Python<'_>, worklog_id: i64) -> PyResult<Py<PyAny>> {
        let owner = self
            .block(py, self.system.domain.get_worklog(worklog_id))?
            .user_id;
        self.job_value(
            py,
            WORKLOG_ANALYZE,
            json!({"worklog_id": worklog_id}),
            Some(owner),
            None,
        )
    }

    #[pyo3(signature = (user_id, *, window_days=None, start=None, end=None))]
    fn extract_skills(
        &self,
        py: Python<'_>,
        user_id: i64,
        window_days: Option<u32>,
        start: Option<&str>,
        end: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let mut payload = json!({});
        if let Some(d) = window_days {
            payload["window_days"] = json!(d);
        }
        with_period(&mut payload, start, end);
        self.job_value(py, SKILLS_EXTRACT, payload, Some(user_id), None)
    }

    #[pyo3(signature = (user_id, kind="status", *, start=None, end=None))]
    fn generate_report(
        &self,
        py: Python<'_>,
        user_id: i64,
        kind: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let mut payload = json!({"kind": kind});
        with_period(&mut payload, start, end);
        self.job_value(py, REPORT_GENERATE, payload, Some(user_id), None)
    }

    fn refresh_resume(&self, py: Python<'_>, user_id: i64) -> PyResult<Py<PyAny>> {
        self.job_value(py, RESUME_REFRESH, json!({}), Some(user_id), None)
    }

    fn get_job(&self, py: Python<'_>, job_id: &str) -> PyResult<Py<PyAny>> {
        let id = parse_job_id(job_id)?;
        let job = self.block(py, self.engine.get_job(id))?;
        to_python(py, &job)
    }

    #[pyo3(signature = (*, status=None, job_type=None, user_id=None, limit=50))]
    fn list_jobs(
        &self,
        py: Python<'_>,
        status: Option<&str>,
        job_type: Option<String>,
        user_id: Option<i64>,
        limit: usize,
    ) -> PyResult<Py<PyAny>> {
        let filter = JobFilter {
            status: status
                .map(|s| s.parse::<JobStatus>())
                .transpose()
                .map_err(to_py)?,
            job_type,
            user_id,
            limit,
            ..Default::default()
        };
        let jobs = self.block(py, self.engine.list_jobs(&filter))?;
        to_python(py, &jobs)
    }

    fn cancel_job(&self, py: Python<'_>, job_id: &str) -> PyResult<Py<PyAny>> {
        let id = parse_job_id(job_id)?;
        let job = self.block(py, self.engine.cancel(id))?;
        to_python(py, &job)
    }

    fn job_events(&self, py: Python<'_>, job_id: &str) -> PyResult<Py<PyAny>> {
        let id = parse_job_id(job_id)?;
        let events = self.block(
            py,
            self.engine.job_events(id, &ListEventsOptions::default()),
        )?;
        to_python(py, &events)
    }

    /// Waits until the job is finished; `Timeout` after `timeout` seconds.
    #[pyo3(signature = (job_id, timeout=30.0))]
    fn wait_job(&self, py: Python<'_>, job_id: &str, timeout: f64) -> PyResult<Py<PyAny>> {
        let id = parse_job_id(job_id)?;
        if !(timeout.is_finite() && timeout >= 0.0) {
            return Err(InvalidInput::new_err(
                "timeout: must be a number of seconds >= 0",
            ));
        }
        let wait = Duration::from_secs_f64(timeout.min(86_400.0));
        let engine = self.engine.clone();
        let outcome = py.detach(|| self.rt().block_on(engine.wait_for(id, wait)));
        match outcome {
            Ok(job) => to_python(py, &job),
            Err(e) if e.is(afterresume_core::ErrorKind::NotFound) => Err(to_py(e)),
            Err(e) => Err(Timeout::new_err(format!("job {id}: {e}"))),
        }
    }

    // ---- skills, reports, resume ----

    fn list_skills(&self, py: Python<'_>, user_id: i64) -> PyResult<Py<PyAny>> {
        let skills = self.block(py, self.system.domain.list_user_skills(user_id))?;
        let rows: Vec<Value> = skills
            .iter()
            .map(|s| {
                json!({
                    "id": s.skill.id, "name": s.skill.name, "slug": s.skill.slug,
                    "category": s.skill.category, "aliases": s.skill.aliases,
                    "evidence_count": s.evidence_count,
                    "first_seen": s.first_seen, "last_seen": s.last_seen,
                })
            })
            .collect();
        to_python(py, &rows)
    }

    fn skill_evidence(&self, py: Python<'_>, user_id: i64, skill_id: i64) -> PyResult<Py<PyAny>> {
        let domain = Arc::clone(&self.system.domain);
        let rows = self.block(py, async move {
            domain.get_skill(skill_id).await?;
            domain.list_evidence(user_id, skill_id).await
        })?;
        to_python(py, &rows)
    }

    #[pyo3(signature = (user_id, *, kind=None, limit=50))]
    fn list_reports(
        &self,
        py: Python<'_>,
        user_id: i64,
        kind: Option<&str>,
        limit: usize,
    ) -> PyResult<Py<PyAny>> {
        let kind = kind
            .map(|k| k.parse::<ReportKind>())
            .transpose()
            .map_err(to_py)?;
        let reports = self.block(
            py,
            self.system
                .domain
                .list_reports(user_id, kind, None, limit.clamp(1, 1000)),
        )?;
        to_python(py, &reports)
    }

    fn get_report(&self, py: Python<'_>, report_id: i64) -> PyResult<Py<PyAny>> {
        let report = self.block(py, self.system.domain.get_report(report_id))?;
        to_python(py, &report)
    }

    /// The latest (or a given) resume version: the JSON Resume document, or a render.
    #[pyo3(signature = (user_id, *, format="json", version=None))]
    fn get_resume(
        &self,
        py: Python<'_>,
        user_id: i64,
        format: &str,
        version: Option<u32>,
    ) -> PyResult<Py<PyAny>> {
        if !["json", "markdown", "html"].contains(&format) {
            return Err(InvalidInput::new_err(format!(
                "format: '{format}' is not one of json, markdown, html"
            )));
        }
        let domain = Arc::clone(&self.system.domain);
        let resume = self.block(py, async move {
            match version {
                Some(v) => domain.get_resume_version(user_id, v).await,
                None => domain.latest_resume(user_id).await,
            }
        })?;
        match format {
            "markdown" => to_python(py, &resume.markdown),
            "html" => to_python(py, &resume.html),
            _ => to_python(py, &resume.document),
        }
    }

    // ---- schedules ----

    #[pyo3(signature = (name, job_type, cron, payload=None, *, user_id=None, enabled=true))]
    #[allow(clippy::too_many_arguments)]
    fn put_schedule(
        &self,
        py: Python<'_>,
        name: &str,
        job_type: &str,
        cron: &str,
        payload: Option<Bound<'_, PyAny>>,
        user_id: Option<i64>,
        enabled: bool,
    ) -> PyResult<Py<PyAny>> {
        let spec = ScheduleSpec {
            payload: from_python(payload.as_ref())?,
            user_id,
            enabled,
            ..ScheduleSpec::new(name, job_type, cron)
        };
        let schedule = self.block(py, self.engine.put_schedule(spec))?;
        to_python(py, &schedule)
    }

    fn list_schedules(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let schedules = self.block(py, self.engine.list_schedules())?;
        to_python(py, &schedules)
    }

    fn delete_schedule(&self, py: Python<'_>, schedule_id: i64) -> PyResult<()> {
        self.block(py, self.engine.delete_schedule(schedule_id))
    }

    // ---- extensions ----

    /// Registers a Python callable `func(payload, job) -> dict | None` as the
    /// workflow of `job_type`.
    #[pyo3(signature = (job_type, func, *, max_retries=3))]
    fn register_workflow(
        &self,
        py: Python<'_>,
        job_type: &str,
        func: Py<PyAny>,
        max_retries: u32,
    ) -> PyResult<()> {
        if !func.bind(py).is_callable() {
            return Err(InvalidInput::new_err("func: must be callable"));
        }
        let options = JobTypeOptions::default().with_retry(
            RetryPolicy::default()
                .with_max_retries(max_retries)
                .with_initial_delay(Duration::from_millis(200)),
        );
        self.engine
            .register(job_type, PyWorkflow { func }, options)
            .map_err(to_py)
    }

    /// Registered job types.
    fn job_types(&self) -> Vec<String> {
        self.engine.job_types()
    }
}

impl NativeEngine {
    #[allow(clippy::too_many_arguments)]
    fn new_worklog(
        &self,
        user_id: i64,
        content: String,
        date: Option<&str>,
        title: Option<String>,
        tags: Option<Vec<String>>,
        source: Option<String>,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<NewWorkLog> {
        let date = match date {
            Some(d) => parse_date("date", d)?,
            None => self.engine.now().date_naive(),
        };
        let mut new = NewWorkLog::new(user_id, date, content);
        new.title = title;
        new.tags = tags.unwrap_or_default();
        if let Some(source) = source {
            new.source = source;
        }
        if let Some(m) = metadata {
            new.metadata = from_python(Some(m))?;
        }
        new.validate().map_err(to_py)?;
        Ok(new)
    }
}
