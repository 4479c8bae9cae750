//! The layers every request passes before and after its route: the `Host`
//! check, oversized bodies, panics turned into answers, and security headers.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::{FutureExt, StreamExt};

use crate::error::ApiError;
use crate::state::AppState;

/// A handler that panics answers 500 with the JSON error shape (the panic is
/// logged) instead of dropping the connection without a response.
pub(crate) async fn catch_panic(request: Request, next: Next) -> Response {
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "a request handler panicked");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "unexpected",
                "internal error",
            )
            .into_response()
        }
    }
}

/// Headers every response carries: no MIME sniffing (a JSON body is never run as
/// a script or page), no framing (unless the response allows its own site),
/// no referrer.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page meant for one of our frames (a resume preview) says so itself.
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The most of an oversized body read (and discarded) before answering 413.
const OVERSIZED_DRAIN_BYTES: u64 = 16 << 20;
/// How long reading it may take.
const OVERSIZED_DRAIN_TIME: Duration = Duration::from_secs(10);

/// Answers 413 to a body whose declared length is over the limit, after reading
/// and discarding it (up to a bound): a client that sends its whole body before
/// reading the answer (Python's urllib) then gets the 413 instead of a reset
/// connection. The connection is closed after the answer.
pub(crate) async fn oversized_body(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = match request.uri().path() {
        crate::api::import::IMPORT_PATH => {
            crate::api::import::import_body_limit(state.settings.max_body_bytes)
        }
        _ => state.settings.max_body_bytes,
    };
    let Some(length) = declared.filter(|n| *n > limit as u64) else {
        return next.run(request).await;
    };
    if length <= OVERSIZED_DRAIN_BYTES {
        let mut body = request.into_body().into_data_stream();
        let drain = async { while let Some(Ok(_)) = body.next().await {} };
        let _ = tokio::time::timeout(OVERSIZED_DRAIN_TIME, drain).await;
    }
    let mut response = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the body is larger than this server accepts (AFTERRESUME_MAX_BODY_BYTES)",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Refuses requests whose `Host` is not in `ALLOWED_HOSTS` (DNS rebinding, host
/// header poisoning), as Django does, and requests whose host is ambiguous: two
/// `Host` headers, none on HTTP/1.1 (RFC 9112 3.2 requires a 400), or an
/// absolute-form target naming another host than `Host`.
pub(crate) async fn allowed_host(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match request_host(&request) {
        Ok(Some(host)) if state.settings.host_allowed(&host) => next.run(request).await,
        // HTTP/1.0 clients may send no Host at all.
        Ok(None) => next.run(request).await,
        Ok(Some(host)) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "disallowed_host",
            format!(
                "Host '{}' is not in ALLOWED_HOSTS",
                host.chars().take(100).collect::<String>().escape_default()
            ),
        )
        .into_response(),
        Err(problem) => ApiError::new(StatusCode::BAD_REQUEST, "bad_host", problem).into_response(),
    }
}

/// The host a request is for, from `Host` and the request target.
fn request_host(request: &Request) -> Result<Option<String>, &'static str> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let header = hosts.next();
    if hosts.next().is_some() {
        return Err("a request carries one Host header, not several");
    }
    let header = header
        .map(|h| h.to_str().map(str::to_owned))
        .transpose()
        .map_err(|_| "the Host header is not visible ASCII")?;
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    match (header, authority) {
        (Some(host), Some(target)) if !host.eq_ignore_ascii_case(&target) => {
            Err("the request target names another host than the Host header")
        }
        (Some(host), _) | (None, Some(host)) => Ok(Some(host)),
        (None, None) if request.version() == axum::http::Version::HTTP_11 => {
            Err("HTTP/1.1 requests must carry a Host header")
        }
        (None, None) => Ok(None),
    }
}
