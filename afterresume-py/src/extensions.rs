//! Python code that Rust workers run: workflows and LLM providers.
//!
//! Both run on tokio's blocking threads and take the GIL only for the Python
//! call, so Rust work (and other Python threads) go on meanwhile.

use afterresume_core::ports::{LlmCapabilities, LlmProvider, LlmRequest, LlmResponse, TokenUsage};
use afterresume_core::{Error, ExecutionContext, Result, Workflow};
use async_trait::async_trait;
use pyo3::prelude::*;
use serde_json::{Value, json};

use crate::errors::TemporaryError;

/// Runs a Python callable on a blocking thread with the GIL.
async fn call_python(func: Py<PyAny>, what: String, args: Vec<Value>) -> Result<Value> {
    let outcome = tokio::task::spawn_blocking(move || {
        Python::attach(|py| -> Result<Value> {
            let mut py_args = Vec::with_capacity(args.len());
            for arg in &args {
                let obj = pythonize::pythonize(py, arg)
                    .map_err(|e| Error::unexpected(format!("{what}: argument to Python: {e}")))?;
                py_args.push(obj);
            }
            let tuple = pyo3::types::PyTuple::new(py, py_args)
                .map_err(|e| Error::unexpected(format!("{what}: {e}")))?;
            match func.bind(py).call1(tuple) {
                Ok(ret) if ret.is_none() => Ok(json!({})),
                Ok(ret) => pythonize::depythonize::<Value>(&ret).map_err(|e| {
                    Error::invalid_input(format!("{what} returned something that is not JSON: {e}"))
                        .permanent()
                }),
                Err(err) => {
                    let temporary = err.is_instance_of::<TemporaryError>(py);
                    let message = format!("{what} raised {err}");
                    Err(if temporary {
                        Error::backend(message).temporary()
                    } else {
                        Error::invalid_input(message).permanent()
                    })
                }
            }
        })
    })
    .await;
    outcome.unwrap_or_else(|e| Err(Error::unexpected(format!("python call panicked: {e}"))))
}

/// A job type implemented in Python: `func(payload, job)` returns a dict (the
/// job's result) or `None`; raising `afterresume.TemporaryError` retries the job,
/// any other exception fails it.
#[derive(Debug)]
pub(crate) struct PyWorkflow {
    pub(crate) func: Py<PyAny>,
}

#[async_trait]
impl Workflow for PyWorkflow {
    async fn run(&self, ctx: ExecutionContext, payload: Value) -> Result<Value> {
        let func = Python::attach(|py| self.func.clone_ref(py));
        let job = json!({
            "id": ctx.job_id(),
            "type": ctx.job_type(),
            "user_id": ctx.user_id(),
            "attempt": ctx.attempt(),
            "trace_id": ctx.trace_id(),
            "parent_job_id": ctx.parent_job_id(),
        });
        let what = format!("workflow {}", ctx.job_type());
        call_python(func, what, vec![payload, job]).await
    }
}

/// An LLM provider implemented in Python: an object with `complete(request)`,
/// where `request` is `{"system", "prompt", "json_schema", "max_tokens",
/// "temperature"}`, returning the answer as a string or as a dict (structured
/// output). Optional attributes `name` and `model` name it in events.
#[derive(Debug)]
pub(crate) struct PyLlm {
    pub(crate) obj: Py<PyAny>,
    pub(crate) name: String,
    pub(crate) model: String,
}

impl PyLlm {
    pub(crate) fn new(py: Python<'_>, obj: Py<PyAny>) -> PyResult<Self> {
        let bound = obj.bind(py);
        if !bound.hasattr("complete")? {
            return Err(crate::errors::InvalidInput::new_err(
                "llm: a provider object needs a complete(request) method",
            ));
        }
        let attr = |name: &str, default: &str| -> String {
            bound
                .getattr(name)
                .ok()
                .and_then(|v| v.extract::<String>().ok())
                .unwrap_or_else(|| default.to_owned())
        };
        Ok(PyLlm {
            name: attr("name", "python"),
            model: attr("model", ""),
            obj,
        })
    }
}

#[async_trait]
impl LlmProvider for PyLlm {
    fn name(&self) -> &str {
        &self.name
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn capabilities(&self) -> LlmCapabilities {
        LlmCapabilities::new(true, false)
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse> {
        let method = Python::attach(|py| -> Result<Py<PyAny>> {
            self.obj
                .bind(py)
                .getattr("complete")
                .map(Bound::unbind)
                .map_err(|e| Error::unexpected(format!("llm provider: {e}")))
        })?;
        let started = std::time::Instant::now();
        let request = serde_json::to_value(request)
            .map_err(|e| Error::unexpected(format!("llm request to JSON: {e}")))?;
        let answer = call_python(method, format!("llm provider {}", self.name), vec![request])
            .await
            .map_err(|e| Error::backend(e.message().to_owned()).temporary())?;
        let (text, json) = match answer {
            Value::String(text) => {
                let json = serde_json::from_str::<Value>(&text)
                    .ok()
                    .filter(Value::is_object);
                (text, json)
            }
            other => (other.to_string(), Some(other)),
        };
        Ok(LlmResponse {
            text,
            json,
            model: self.model.clone(),
            usage: TokenUsage::default(),
            latency_ms: started.elapsed().as_millis() as u64,
            finish_reason: Some("stop".to_owned()),
        })
    }
}
