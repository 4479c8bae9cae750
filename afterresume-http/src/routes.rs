//! The route table. Every documented route is registered through utoipa-axum, so
//! the OpenAPI document at `/api/openapi.json` is generated from the same table
//! that serves requests and cannot drift from it.

use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Info, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{account, health, jobs, reports, skills, worklogs};
use crate::dashboard;
use crate::error::ApiError;
use crate::metrics;
use crate::state::AppState;

/// The documented routes and their OpenAPI description.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(account::issue_token))
        .routes(routes!(account::list_tokens))
        .routes(routes!(account::revoke_token))
        .routes(routes!(account::login))
        .routes(routes!(account::logout))
        .routes(routes!(account::me))
        .routes(routes!(worklogs::list, worklogs::create))
        .routes(routes!(
            worklogs::detail,
            worklogs::patch,
            worklogs::replace,
            worklogs::delete
        ))
        .routes(routes!(worklogs::analyze))
        .routes(routes!(skills::list))
        .routes(routes!(skills::evidence))
        .routes(routes!(skills::recompute))
        .routes(routes!(reports::list))
        .routes(routes!(reports::detail))
        .routes(routes!(reports::generate))
        .routes(routes!(reports::resume))
        .routes(routes!(reports::refresh))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::detail))
        .routes(routes!(jobs::events))
        .routes(routes!(jobs::cancel))
        .routes(routes!(dashboard::overview))
        .routes(routes!(dashboard::jobs))
        .routes(routes!(dashboard::job))
        .routes(routes!(dashboard::job_events))
        .routes(routes!(dashboard::schedules))
        .routes(routes!(dashboard::health))
}

/// The OpenAPI 3.1 document of the host, as served at `/api/openapi.json`: the
/// routes' shapes, tightened to what the server enforces (see `openapi.rs`).
pub fn openapi() -> serde_json::Value {
    let mut document = serde_json::to_value(described()).expect("an OpenAPI document serializes");
    crate::openapi::tighten(&mut document);
    document
}

/// The document as the route macros describe it.
fn described() -> OpenApi {
    let (_, mut api) = documented().split_for_parts();
    let mut info = Info::new("AfterResume API", env!("CARGO_PKG_VERSION"));
    info.description = Some(
        "Work logs in; evidenced skills, reports and a resume out. Authenticate with \
         `Authorization: Token <token>` (from POST /api/auth/token/) or a login session."
            .to_owned(),
    );
    api.info = info;
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "token",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            "`Token <token>` or `Bearer <token>`",
        ))),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::SESSION_COOKIE,
            "Session cookie from POST /api/auth/login/; unsafe methods also need X-CSRFToken",
        ))),
    );
    api
}

/// The host's routes over a state.
pub fn router(state: AppState) -> Router {
    let (routes, _) = documented().split_for_parts();
    let document = Arc::new(openapi());
    let max_body = state.settings.max_body_bytes;
    routes
        .route(
            "/api/openapi.json",
            get(move || {
                let document = Arc::clone(&document);
                async move { Json(document.as_ref().clone()) }
            }),
        )
        .route("/metrics", get(metrics::metrics))
        .fallback(|| async { ApiError::not_found("page") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this method is not allowed on this path",
            )
        })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            oversized_body,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), allowed_host))
        .layer(middleware::from_fn(catch_panic))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// A handler that panics answers 500 with the JSON error shape (the panic is
/// logged) instead of dropping the connection without a response.
async fn catch_panic(request: Request, next: Next) -> Response {
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
/// a script or page), no framing, no referrer.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
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
async fn oversized_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(length) = declared.filter(|n| *n > state.settings.max_body_bytes as u64) else {
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
async fn allowed_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
