//! The one error type of the engine.
//!
//! Every port, backend and host speaks [`Error`]: a machine-readable [`ErrorKind`], a
//! retry [`ErrorStatus`], a lowercase message, key/value context and an optional source.
//! Backends convert their driver errors in one function each (`map_sqlx`, ...) so no
//! driver type ever appears in a core signature.

use std::borrow::Cow;
use std::fmt;

/// A specialised `Result` whose error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in a form callers can match on.
///
/// Hosts map kinds to their own vocabulary: HTTP status codes, Python exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The entity does not exist (or is not visible to the caller).
    NotFound,
    /// A unique entity with the same identity already exists.
    AlreadyExists,
    /// The entity is in a state that forbids the operation (a stale lease, a finished job).
    Conflict,
    /// The caller's input is malformed or violates a rule; nothing was changed.
    InvalidInput,
    /// Configuration is missing or invalid.
    ConfigInvalid,
    /// The backend does not support the operation.
    Unsupported,
    /// The caller (or the engine against a provider) is being rate limited.
    RateLimited,
    /// No valid credentials were presented.
    Unauthenticated,
    /// Credentials are valid but do not allow the operation.
    PermissionDenied,
    /// The job or operation was cancelled.
    Cancelled,
    /// A backend (database, queue, object store, LLM) failed.
    Backend,
    /// A bug or an unexpected state.
    Unexpected,
}

impl ErrorKind {
    /// A stable snake_case name, used in JSON error bodies and event data.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::ConfigInvalid => "config_invalid",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Backend => "backend",
            ErrorKind::Unexpected => "unexpected",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether retrying the failed operation can help.
///
/// The job engine retries only [`ErrorStatus::Temporary`] errors and marks them
/// [`ErrorStatus::Persistent`] once the retry budget is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorStatus {
    /// Retrying will not help (bad payload, missing entity). Never retry.
    Permanent,
    /// A transient failure (timeout, connection reset, 429/5xx). May retry.
    Temporary,
    /// Was temporary but persisted after all retries. Should not retry again.
    Persistent,
}

impl ErrorStatus {
    /// A stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorStatus::Permanent => "permanent",
            ErrorStatus::Temporary => "temporary",
            ErrorStatus::Persistent => "persistent",
        }
    }
}

/// The engine's error: kind, retry status, message, context and source.
pub struct Error {
    kind: ErrorKind,
    status: ErrorStatus,
    message: Cow<'static, str>,
    context: Vec<(&'static str, String)>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error; the status defaults to what the kind implies
    /// (`Backend` and `RateLimited` are temporary, everything else permanent).
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        let status = match kind {
            ErrorKind::Backend | ErrorKind::RateLimited => ErrorStatus::Temporary,
            _ => ErrorStatus::Permanent,
        };
        Error {
            kind,
            status,
            message: message.into(),
            context: Vec::new(),
            source: None,
        }
    }

    /// Shorthand for [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Shorthand for [`ErrorKind::InvalidInput`].
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for [`ErrorKind::Conflict`].
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// Shorthand for [`ErrorKind::AlreadyExists`].
    pub fn already_exists(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::AlreadyExists, message)
    }

    /// Shorthand for [`ErrorKind::Backend`] (temporary).
    pub fn backend(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Backend, message)
    }

    /// Shorthand for [`ErrorKind::Unexpected`].
    pub fn unexpected(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unexpected, message)
    }

    /// Shorthand for [`ErrorKind::ConfigInvalid`].
    pub fn config_invalid(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::ConfigInvalid, message)
    }

    /// Shorthand for [`ErrorKind::Cancelled`].
    pub fn cancelled(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Cancelled, message)
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The retry status.
    pub fn status(&self) -> ErrorStatus {
        self.status
    }

    /// The message, without kind or context.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The key/value context attached so far, in order.
    pub fn context(&self) -> &[(&'static str, String)] {
        &self.context
    }

    /// Whether a retry may help.
    pub fn is_temporary(&self) -> bool {
        self.status == ErrorStatus::Temporary
    }

    /// Whether this error has the given kind.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }

    /// Marks the error as temporary: retrying may help.
    pub fn temporary(mut self) -> Self {
        self.status = ErrorStatus::Temporary;
        self
    }

    /// Marks the error as permanent: never retry.
    pub fn permanent(mut self) -> Self {
        self.status = ErrorStatus::Permanent;
        self
    }

    /// Marks a temporary error as persistent after the retry budget ran out.
    pub fn persistent(mut self) -> Self {
        if self.status == ErrorStatus::Temporary {
            self.status = ErrorStatus::Persistent;
        }
        self
    }

    /// Adds a key/value pair of context (the operation, the entity id, ...).
    pub fn with_context(mut self, key: &'static str, value: impl fmt::Display) -> Self {
        self.context.push((key, value.to_string()));
        self
    }

    /// What the error may tell the person whose request or job failed: the
    /// message and context for errors about their input or their objects; for a
    /// failed backend or a bug, a stable sentence, since the detail (a driver's
    /// text, a query, a host name) is for operators only.
    pub fn public_message(&self) -> String {
        match self.kind {
            ErrorKind::Backend => {
                "a backend service failed; operators can see the details".to_owned()
            }
            ErrorKind::Unexpected => {
                "an internal error occurred; operators can see the details".to_owned()
            }
            _ => {
                let mut text = self.message.to_string();
                if !self.context.is_empty() {
                    let pairs: Vec<String> = self
                        .context
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect();
                    text.push_str(&format!(" ({})", pairs.join(", ")));
                }
                text
            }
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind)
            .field("status", &self.status)
            .field("message", &self.message);
        if !self.context.is_empty() {
            d.field("context", &self.context);
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if !self.context.is_empty() {
            f.write_str(" (")?;
            for (i, (key, value)) in self.context.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{key}: {value}")?;
            }
            f.write_str(")")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::invalid_input("invalid json").with_source(err)
    }
}

/// Marks the failure of a workflow step as retryable or fatal, at the call site.
///
/// ```
/// use afterresume_core::{StepResultExt, ErrorKind};
/// let parsed: Result<u32, _> = "x".parse::<u32>().fatal();
/// assert_eq!(parsed.unwrap_err().kind(), ErrorKind::InvalidInput);
/// ```
pub trait StepResultExt<T> {
    /// A failure here is transient: the engine may retry the job.
    fn retryable(self) -> Result<T>;
    /// A failure here is permanent: the job fails now, whatever retries remain.
    fn fatal(self) -> Result<T>;
}

impl<T, E> StepResultExt<T> for std::result::Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn retryable(self) -> Result<T> {
        self.map_err(|e| Error::backend(e.to_string()).temporary())
    }

    fn fatal(self) -> Result<T> {
        self.map_err(|e| Error::invalid_input(e.to_string()).permanent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_defaults_follow_kind() {
        assert!(Error::backend("db down").is_temporary());
        assert!(!Error::not_found("no job").is_temporary());
        assert_eq!(
            Error::backend("x").persistent().status(),
            ErrorStatus::Persistent
        );
        assert_eq!(
            Error::not_found("x").persistent().status(),
            ErrorStatus::Permanent
        );
    }

    #[test]
    fn display_includes_context_and_source() {
        let io = std::io::Error::other("disk full");
        let err = Error::backend("write failed")
            .with_context("key", "a/b")
            .with_source(io);
        assert_eq!(err.to_string(), "write failed (key: a/b): disk full");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn step_helpers_set_status() {
        let e = "x".parse::<u8>().retryable().unwrap_err();
        assert!(e.is_temporary());
        let e = "x".parse::<u8>().fatal().unwrap_err();
        assert_eq!(e.status(), ErrorStatus::Permanent);
    }
}
