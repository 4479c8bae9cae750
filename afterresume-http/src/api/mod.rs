//! The public API under `/api`: request parsing shared by the resource modules
//! and the 202 answer of every enqueueing route. Every rule is the core's
//! ([`afterresume_core::service`]); a route parses, calls and renders.

pub(crate) mod account;
pub(crate) mod curation;
pub(crate) mod health;
pub(crate) mod import;
pub(crate) mod jobs;
pub(crate) mod profile;
pub(crate) mod reports;
pub(crate) mod skills;
pub(crate) mod worklogs;

use std::collections::HashMap;

use afterresume_core::domain::{Job, storable};
use afterresume_core::service::{Enqueued, PageRequest, invalid_limit};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};

/// Query-string parameters, parsed one by one so every error names its parameter.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(map) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text()))?;
        for (name, value) in &map {
            storable::check_text(name, value)?;
        }
        Ok(Params(map))
    }
}

impl Params {
    /// A parameter, if present and not empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A `YYYY-MM-DD` date.
    pub(crate) fn date(&self, name: &str) -> ApiResult<Option<NaiveDate>> {
        self.get(name).map(|v| parse_date(name, v)).transpose()
    }

    /// A positive integer id.
    pub(crate) fn id(&self, name: &str) -> ApiResult<Option<i64>> {
        self.get(name)
            .map(|v| match v.parse::<i64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(ApiError::field(
                    name,
                    format!("'{v}' is not a positive integer"),
                )),
            })
            .transpose()
    }

    /// A boolean: `true`/`false`, `1`/`0`; absent is false.
    pub(crate) fn flag(&self, name: &str) -> ApiResult<bool> {
        match self.get(name) {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(ApiError::field(
                name,
                format!("'{other}' is not true or false"),
            )),
        }
    }

    /// `?limit=` and `?cursor=`: the page asked for (the core checks the size).
    pub(crate) fn page(&self) -> ApiResult<PageRequest> {
        let limit = self
            .get("limit")
            .map(|v| v.parse::<usize>().map_err(|_| invalid_limit(v)))
            .transpose()?;
        Ok(PageRequest {
            limit,
            cursor: self.get("cursor").map(str::to_owned),
        })
    }

    /// A parameter that names one value of a string enum (`JobStatus`, ...).
    pub(crate) fn parsed<T>(
        &self,
        name: &str,
        parse: impl Fn(&str, &str) -> afterresume_core::Result<T>,
    ) -> ApiResult<Option<T>> {
        Ok(self.get(name).map(|v| parse(name, v)).transpose()?)
    }
}

/// A path parameter whose parse failure is a JSON 400 (or 404 for ids that cannot
/// exist), like every other error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathId<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for PathId<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| PathId(v))
            .map_err(|_| ApiError::field("id", "not a valid id"))
    }
}

/// A strict `YYYY-MM-DD` date (years 0001 to 9999), as the core parses it.
pub(crate) fn parse_date(field: &str, value: &str) -> ApiResult<NaiveDate> {
    Ok(storable::parse_date(field, value)?)
}

/// The `Idempotency-Key` header, if sent (the core checks and scopes it).
pub(crate) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map_err(|_| {
                ApiError::field(
                    "Idempotency-Key",
                    "must be 1 to 200 visible ASCII characters",
                )
            })
        })
        .transpose()
}

/// The 202 answer of an enqueueing route: `{"job_id","status","message"}`.
pub(crate) fn accepted(enqueued: &Enqueued) -> Response {
    let job = &enqueued.job;
    (
        StatusCode::ACCEPTED,
        Json(json!({"job_id": job.id, "status": job.status, "message": enqueued.message()})),
    )
        .into_response()
}

/// A job as the API shows it: the reference fields first, then the rest.
pub(crate) fn job_json(job: &Job) -> Value {
    json!({
        "id": job.id,
        "type": job.job_type,
        "status": job.status,
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "trigger": job.trigger,
        "payload": job.payload,
        "retry_count": job.retry_count,
        "max_retries": job.max_retries,
        "attempt": job.attempt,
        "parent_job_id": job.parent_job_id,
        "user_id": job.user_id,
        "trace_id": job.trace_id,
        "run_at": job.run_at,
        "priority": job.priority,
        "queue": job.queue,
        "concurrency_key": job.concurrency_key,
        "cancel_requested": job.cancel_requested,
    })
}
