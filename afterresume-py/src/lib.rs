//! Python bindings: `import afterresume`.
//!
//! A thin host: [`engine::NativeEngine`] holds the core engine, the backends and a
//! tokio runtime; the `afterresume` Python package wraps it in a friendlier
//! `Engine` with job handles, `datetime` values and decorators. Every rule lives
//! in the core.

mod convert;
mod engine;
mod errors;
mod extensions;
mod shared;
mod use_cases;

use pyo3::prelude::*;

/// Validates a cron expression and returns the next due time after `after_epoch`
/// (seconds since the epoch, UTC), as seconds since the epoch.
#[pyfunction]
fn cron_next(expr: &str, after_epoch: i64) -> PyResult<i64> {
    let parsed = afterresume_core::CronExpr::parse(expr).map_err(errors::to_py)?;
    let after = chrono::DateTime::from_timestamp(after_epoch, 0)
        .ok_or_else(|| errors::InvalidInput::new_err("after_epoch: out of range"))?;
    parsed
        .next_after(after)
        .map(|t| t.timestamp())
        .ok_or_else(|| errors::InvalidInput::new_err("the expression never fires"))
}

/// The native module.
#[pymodule]
fn _afterresume(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(cron_next, m)?)?;
    m.add_class::<engine::NativeEngine>()?;
    m.add_class::<use_cases::NativeUseCases>()?;
    m.add("Error", py.get_type::<errors::AfterResumeError>())?;
    m.add("NotFound", py.get_type::<errors::NotFound>())?;
    m.add("InvalidInput", py.get_type::<errors::InvalidInput>())?;
    m.add("Conflict", py.get_type::<errors::Conflict>())?;
    m.add("BackendError", py.get_type::<errors::BackendError>())?;
    m.add("ConfigError", py.get_type::<errors::ConfigError>())?;
    m.add("Unauthenticated", py.get_type::<errors::Unauthenticated>())?;
    m.add(
        "PermissionDenied",
        py.get_type::<errors::PermissionDenied>(),
    )?;
    m.add("Timeout", py.get_type::<errors::Timeout>())?;
    m.add("TemporaryError", py.get_type::<errors::TemporaryError>())?;
    Ok(())
}
