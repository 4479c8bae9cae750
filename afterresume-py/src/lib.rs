//! Python bindings: `import afterresume`. This first cut exposes the version and the
//! cron validator; the engine surface follows in its own issue.

use pyo3::prelude::*;

/// Validates a cron expression and returns the next due time after `after_epoch`
/// (seconds since the epoch, UTC), as seconds since the epoch.
#[pyfunction]
fn cron_next(expr: &str, after_epoch: i64) -> PyResult<i64> {
    let parsed = afterresume_core::CronExpr::parse(expr)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let after = chrono::DateTime::from_timestamp(after_epoch, 0)
        .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("after_epoch out of range"))?;
    parsed
        .next_after(after)
        .map(|t| t.timestamp())
        .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("the expression never fires"))
}

/// The native module.
#[pymodule]
fn _afterresume(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(cron_next, m)?)?;
    Ok(())
}
