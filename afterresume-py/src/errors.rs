//! The exception hierarchy: every error the engine raises is an
//! `afterresume.Error`, of the subclass that says what kind it is.

use afterresume_core::{Error, ErrorKind};
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::PyException;

create_exception!(
    afterresume,
    AfterResumeError,
    PyException,
    "Base of every AfterResume error."
);
create_exception!(
    afterresume,
    NotFound,
    AfterResumeError,
    "The object does not exist (or is not yours)."
);
create_exception!(
    afterresume,
    InvalidInput,
    AfterResumeError,
    "Bad input; nothing was changed."
);
create_exception!(
    afterresume,
    Conflict,
    AfterResumeError,
    "The object exists already, or is in a state that forbids the operation."
);
create_exception!(
    afterresume,
    BackendError,
    AfterResumeError,
    "A database, queue, object store or LLM server failed."
);
create_exception!(
    afterresume,
    ConfigError,
    AfterResumeError,
    "A setting is missing or invalid."
);
create_exception!(
    afterresume,
    Unauthenticated,
    AfterResumeError,
    "Wrong username, password or token."
);
create_exception!(
    afterresume,
    PermissionDenied,
    AfterResumeError,
    "The caller may not do this (another user's data, or staff only)."
);
create_exception!(
    afterresume,
    Timeout,
    AfterResumeError,
    "A wait ran out of time."
);
create_exception!(
    afterresume,
    TemporaryError,
    AfterResumeError,
    "Raise it from a workflow to have the engine retry the job."
);

/// The Python exception for an engine error.
pub(crate) fn to_py(err: Error) -> PyErr {
    let message = err.to_string();
    match err.kind() {
        ErrorKind::NotFound => NotFound::new_err(message),
        ErrorKind::InvalidInput => InvalidInput::new_err(message),
        ErrorKind::AlreadyExists | ErrorKind::Conflict | ErrorKind::Cancelled => {
            Conflict::new_err(message)
        }
        ErrorKind::Backend | ErrorKind::RateLimited => BackendError::new_err(message),
        ErrorKind::ConfigInvalid | ErrorKind::Unsupported => ConfigError::new_err(message),
        ErrorKind::Unauthenticated => Unauthenticated::new_err(message),
        ErrorKind::PermissionDenied => PermissionDenied::new_err(message),
        _ => AfterResumeError::new_err(message),
    }
}

/// Conversion failures between Python objects and JSON.
pub(crate) fn conversion(err: impl std::fmt::Display) -> PyErr {
    InvalidInput::new_err(format!("not representable as JSON: {err}"))
}
