//! One JSON error shape for every route: `{"code", "message", "fields"}`.
//!
//! `code` is stable (the core's [`ErrorKind`] name, or a host code such as
//! `malformed_json`); `fields` maps a request field to what is wrong with it. A 5xx
//! body never carries the internal message: it is logged, and the client gets a
//! generic sentence.

use std::collections::BTreeMap;

use afterresume_core::{Error, ErrorKind};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An error answered as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// Per-field problems.
    pub fields: BTreeMap<String, Vec<String>>,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    fields: &'a BTreeMap<String, Vec<String>>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
        }
    }

    /// 400 with a field error: the message names the field.
    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        let mut err = Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            format!("{field}: {problem}"),
        );
        err.fields.insert(field.to_owned(), vec![problem]);
        err
    }

    /// 404 for an object the caller may not see: the same answer whether it exists
    /// or belongs to someone else.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 401.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "permission_denied", message)
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let status = match err.kind() {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::AlreadyExists | ErrorKind::Conflict | ErrorKind::Cancelled => {
                StatusCode::CONFLICT
            }
            ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::PermissionDenied => StatusCode::FORBIDDEN,
            ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unsupported => StatusCode::NOT_IMPLEMENTED,
            ErrorKind::Backend => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %err, kind = err.kind().as_str(), "request failed");
            let message = if status == StatusCode::SERVICE_UNAVAILABLE {
                "a backend service is unavailable; try again later"
            } else {
                "internal error"
            };
            return Self::new(status, err.kind().as_str(), message);
        }
        let message = err.message().to_owned();
        let mut api = Self::new(status, err.kind().as_str(), message.clone());
        api.retry_after = err
            .context()
            .iter()
            .find(|(key, _)| *key == afterresume_core::accounts::RETRY_AFTER_CONTEXT)
            .and_then(|(_, seconds)| seconds.parse().ok());
        // Imports list every bad row ("notes.csv:7: date: ..."), each a field.
        for (key, problem) in err.context() {
            if *key == afterresume_core::import::FIELD_ERROR_CONTEXT
                && let Some((field, what)) = split_origin(problem)
            {
                api.fields
                    .entry(field.to_owned())
                    .or_default()
                    .push(what.to_owned());
            }
        }
        // Core messages name the field first ("payload.kind: ...", "content: ...").
        if status == StatusCode::BAD_REQUEST
            && api.fields.is_empty()
            && let Some((field, problem)) = message.split_once(": ")
            && !field.is_empty()
            && field
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            api.fields
                .insert(field.to_owned(), vec![problem.to_owned()]);
        }
        api
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            code: self.code,
            message: &self.message,
            fields: &self.fields,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        }
        response
    }
}

/// `("notes.csv:7", "date: ...")` from `"notes.csv:7: date: ..."`: the origin
/// ends at the first `": "` after the last path separator.
fn split_origin(text: &str) -> Option<(&str, &str)> {
    let from = text.rfind('/').map_or(0, |i| i + 1);
    let at = text[from..].find(": ")? + from;
    Some((&text[..at], &text[at + 2..]))
}

/// Handler result.
pub(crate) type ApiResult<T> = std::result::Result<T, ApiError>;

/// A JSON request body whose every failure is an [`ApiError`]: 415 without a JSON
/// content type, 413 over the size limit, 400 for malformed JSON or a wrong shape
/// (unknown fields included), with the field named where serde knows it.
#[derive(Debug, Clone)]
pub(crate) struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "the body is not valid JSON: {}",
                inner_message(&e.body_text())
            ),
        ),
        JsonRejection::JsonDataError(e) => {
            let text = inner_message(&e.body_text());
            // serde_path_to_error style: "field: problem at line.."; keep the field.
            let (field, problem) = match text.split_once(": ") {
                Some((f, p)) if !f.contains(' ') && f != "." => (f.to_owned(), p.to_owned()),
                _ => ("body".to_owned(), text.clone()),
            };
            let mut err = ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                format!("{field}: {problem}"),
            );
            err.fields.insert(field, vec![problem]);
            err
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body is larger than this server accepts (AFTERRESUME_MAX_BODY_BYTES)",
            )
        }
        other => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", other.body_text()),
    }
}

/// axum prefixes serde's message with its own sentence; keep serde's part.
fn inner_message(text: &str) -> String {
    text.split_once(": ")
        .map_or(text, |(_, rest)| rest)
        .to_owned()
}

/// A JSON body that may be absent: an empty body or JSON `null` is `T::default()`; anything else
/// is held to the same rules as [`JsonBody`].
#[derive(Debug, Clone)]
pub(crate) struct OptionalJsonBody<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJsonBody<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or_default().trim();
                mime == "application/json" || mime.ends_with("+json")
            });
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the body is larger than this server accepts (AFTERRESUME_MAX_BODY_BYTES)",
                    )
                } else {
                    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(OptionalJsonBody(T::default()));
        }
        if !is_json {
            return Err(json_rejection(JsonRejection::MissingJsonContentType(
                Default::default(),
            )));
        }
        axum::Json::<T>::from_bytes(&bytes)
            .map(|axum::Json(v)| OptionalJsonBody(v))
            .map_err(json_rejection)
    }
}
