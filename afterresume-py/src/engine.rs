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

use afterresume_backends::system::{Settings, System};
use afterresume_core::accounts::{LoginAttempt, NewAccount};
use afterresume_core::agents::{LlmAgentOptions, LlmWorklogAgent, LlmWriter, LlmWriterOptions};
use afterresume_core::ports::SharedLlmProvider;
use afterresume_core::{
    EnqueueOptions, JobTypeOptions, RetryPolicy, RunningEngine, ScheduleSpec, WorkerOptions,
};
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::convert::{from_python, parse_job_id, to_python};
use crate::errors::{InvalidInput, Timeout, to_py};
use crate::extensions::{PyLlm, PyWorkflow};
use crate::shared::Core;
use crate::use_cases::NativeUseCases;

/// The engine behind `afterresume.Engine`.
#[pyclass(module = "afterresume._afterresume", frozen)]
pub(crate) struct NativeEngine {
    core: Arc<Core>,
    workers: Mutex<Option<RunningEngine>>,
    description: String,
}

fn runtime() -> PyResult<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("afterresume")
        .enable_all()
        .build()
        .map_err(|e| crate::errors::BackendError::new_err(format!("tokio runtime: {e}")))
}

impl NativeEngine {
    fn build(runtime: Runtime, system: System, description: String) -> PyResult<Self> {
        Ok(NativeEngine {
            core: Arc::new(Core::new(runtime, &system)?),
            workers: Mutex::new(None),
            description,
        })
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
            let provider: SharedLlmProvider = Arc::new(provider);
            if settings.llm_writer {
                system.writer = Some(LlmWriter::new(
                    Arc::clone(&provider),
                    LlmWriterOptions::default(),
                ));
            }
            system.llm = Some(LlmWorklogAgent::new(provider, options));
        }
        Self::build(runtime, system, settings.describe())
    }

    /// An engine on in-memory backends (tests, notebooks).
    #[staticmethod]
    #[pyo3(signature = (*, auto_chain=false, llm=None, llm_writer=true))]
    fn in_memory(
        py: Python<'_>,
        auto_chain: bool,
        llm: Option<Py<PyAny>>,
        llm_writer: bool,
    ) -> PyResult<Self> {
        let runtime = runtime()?;
        let (llm, writer) = match llm {
            Some(provider) => {
                let provider: SharedLlmProvider = Arc::new(PyLlm::new(py, provider)?);
                let writer = llm_writer
                    .then(|| LlmWriter::new(Arc::clone(&provider), LlmWriterOptions::default()));
                let agent = LlmWorklogAgent::new(provider, LlmAgentOptions::default());
                (Some(agent), writer)
            }
            None => (None, None),
        };
        let system = {
            let _guard = runtime.enter();
            System {
                llm,
                writer,
                auto_chain,
                ..System::in_memory()
            }
        };
        Self::build(runtime, system, "in-memory".to_owned())
    }

    /// The use cases (worklogs, skills, reports, resume, the caller's jobs) over
    /// the same application.
    fn use_cases(&self) -> NativeUseCases {
        NativeUseCases {
            core: Arc::clone(&self.core),
        }
    }

    /// What the engine runs on, without secrets.
    fn describe(&self) -> String {
        self.description.clone()
    }

    // ---- workers ----

    /// Starts `n` workers (and the scheduler) in this process, serving the
    /// named `queues` (every queue when `None`).
    #[pyo3(signature = (n, queues=None))]
    fn run_workers(&self, n: usize, queues: Option<Vec<String>>) -> PyResult<()> {
        if n == 0 || n > 256 {
            return Err(InvalidInput::new_err("workers: must be 1 to 256"));
        }
        let options = WorkerOptions {
            queues,
            ..WorkerOptions::workers(n)
        };
        options.check().map_err(to_py)?;
        let mut workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        if workers.is_some() {
            return Err(crate::errors::Conflict::new_err(
                "workers are running already; call stop_workers() first",
            ));
        }
        let _guard = self.core.rt().enter();
        *workers = Some(self.core.app.engine().start(options));
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
        py.detach(|| self.core.rt().block_on(running.shutdown(grace)));
        Ok(true)
    }

    /// Runs due jobs in the calling thread until none is left; returns how many ran.
    fn run_pending(&self, py: Python<'_>) -> PyResult<usize> {
        let engine = self.core.app.engine().clone();
        self.core.block(py, async move {
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
        let user = self.core.block(
            py,
            self.core
                .app
                .accounts()
                .create_user(account, self.core.app.now()),
        )?;
        to_python(py, &user)
    }

    fn authenticate(&self, py: Python<'_>, username: &str, password: &str) -> PyResult<Py<PyAny>> {
        let attempt = LoginAttempt {
            username,
            password,
            address: None,
        };
        let user = self.core.block(
            py,
            self.core.app.accounts().login(attempt, self.core.app.now()),
        )?;
        to_python(py, &user)
    }

    // ---- jobs ----

    /// Enqueues any registered job type, as the embedding program (the
    /// operator's call; use cases enqueue through their own methods).
    #[pyo3(signature = (job_type, payload=None, *, user_id=None, idempotency_key=None, priority=None, queue=None, concurrency_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn enqueue(
        &self,
        py: Python<'_>,
        job_type: &str,
        payload: Option<Bound<'_, PyAny>>,
        user_id: Option<i64>,
        idempotency_key: Option<String>,
        priority: Option<i16>,
        queue: Option<String>,
        concurrency_key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let payload = from_python(payload.as_ref())?;
        let options = EnqueueOptions {
            user_id,
            idempotency_key,
            priority,
            queue,
            concurrency_key,
            ..Default::default()
        };
        let job = self.core.block(
            py,
            self.core.app.engine().enqueue(job_type, payload, options),
        )?;
        to_python(py, &job)
    }

    /// Waits until the job is finished; `Timeout` after `timeout` seconds.
    #[pyo3(signature = (job_id, timeout=30.0, *, as_user=None))]
    fn wait_job(
        &self,
        py: Python<'_>,
        job_id: &str,
        timeout: f64,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let id = parse_job_id(job_id)?;
        if !(timeout.is_finite() && timeout >= 0.0) {
            return Err(InvalidInput::new_err(
                "timeout: must be a number of seconds >= 0",
            ));
        }
        let actor = self.core.actor(py, as_user)?;
        self.core.block(py, self.core.app.job(&actor, id))?;
        let wait = Duration::from_secs_f64(timeout.min(86_400.0));
        let engine = self.core.app.engine().clone();
        let outcome = py.detach(|| self.core.rt().block_on(engine.wait_for(id, wait)));
        match outcome {
            Ok(job) => to_python(py, &job),
            Err(e) if e.is(afterresume_core::ErrorKind::NotFound) => Err(to_py(e)),
            Err(e) => Err(Timeout::new_err(format!("job {id}: {e}"))),
        }
    }

    // ---- schedules ----

    #[pyo3(signature = (name, job_type, cron, payload=None, *, user_id=None, enabled=true, time_zone=None, as_user=None))]
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
        time_zone: Option<String>,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let spec = ScheduleSpec {
            payload: from_python(payload.as_ref())?,
            time_zone,
            user_id,
            enabled,
            ..ScheduleSpec::new(name, job_type, cron)
        };
        let schedule = self
            .core
            .block(py, self.core.app.put_schedule(&actor, spec))?;
        to_python(py, &schedule)
    }

    #[pyo3(signature = (*, as_user=None))]
    fn list_schedules(&self, py: Python<'_>, as_user: Option<i64>) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let schedules = self.core.block(py, self.core.app.list_schedules(&actor))?;
        to_python(py, &schedules)
    }

    #[pyo3(signature = (name, enabled, *, as_user=None))]
    fn set_schedule_enabled(
        &self,
        py: Python<'_>,
        name: &str,
        enabled: bool,
        as_user: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let actor = self.core.actor(py, as_user)?;
        let schedule = self.core.block(
            py,
            self.core.app.set_schedule_enabled(&actor, name, enabled),
        )?;
        to_python(py, &schedule)
    }

    #[pyo3(signature = (schedule_id, *, as_user=None))]
    fn delete_schedule(
        &self,
        py: Python<'_>,
        schedule_id: i64,
        as_user: Option<i64>,
    ) -> PyResult<()> {
        let actor = self.core.actor(py, as_user)?;
        self.core
            .block(py, self.core.app.delete_schedule(&actor, schedule_id))
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
        self.core
            .app
            .engine()
            .register(job_type, PyWorkflow { func }, options)
            .map_err(to_py)
    }

    /// Registered job types.
    fn job_types(&self) -> Vec<String> {
        self.core.app.engine().job_types()
    }
}
