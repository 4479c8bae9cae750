//! The public API under `/api`: request parsing shared by the resource modules,
//! list pages with keyset cursors, and the 202 answer of every enqueueing route.

pub(crate) mod account;
pub(crate) mod health;
pub(crate) mod jobs;
pub(crate) mod reports;
pub(crate) mod skills;
pub(crate) mod worklogs;

use std::collections::HashMap;

use afterresume_core::EnqueueOptions;
use afterresume_core::domain::{Job, storable};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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

    /// `?limit=` within 1..=200 (default 50).
    pub(crate) fn limit(&self) -> ApiResult<usize> {
        match self.get("limit") {
            None => Ok(DEFAULT_PAGE),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
                _ => Err(ApiError::field(
                    "limit",
                    format!("must be an integer from 1 to {MAX_PAGE}, got '{v}'"),
                )),
            },
        }
    }

    /// `?cursor=`, decoded and parsed into a list position by `parse`.
    pub(crate) fn cursor<T>(&self, parse: impl Fn(&str) -> Option<T>) -> ApiResult<Option<T>> {
        self.get("cursor")
            .map(|c| parse(&decode_cursor(c)?).ok_or_else(invalid_cursor))
            .transpose()
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

/// Default page size.
pub(crate) const DEFAULT_PAGE: usize = 50;
/// Largest page size.
pub(crate) const MAX_PAGE: usize = 200;

/// A strict `YYYY-MM-DD` date (years 0001 to 9999), as the core parses it.
pub(crate) fn parse_date(field: &str, value: &str) -> ApiResult<NaiveDate> {
    Ok(storable::parse_date(field, value)?)
}

/// Cursors are opaque to clients: the position, hex-encoded.
pub(crate) fn encode_cursor(position: &str) -> String {
    position.bytes().map(|b| format!("{b:02x}")).collect()
}

fn invalid_cursor() -> ApiError {
    ApiError::field("cursor", "invalid cursor; use the 'next' value of a page")
}

fn decode_cursor(cursor: &str) -> ApiResult<String> {
    let invalid = invalid_cursor;
    if !cursor.is_ascii() || !cursor.len().is_multiple_of(2) || cursor.len() > 256 {
        return Err(invalid());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| invalid())?;
    String::from_utf8(bytes).map_err(|_| invalid())
}

/// A list page: `{"results": [...], "next": cursor-or-null}`.
#[derive(Debug, Serialize)]
pub(crate) struct Page<T> {
    pub(crate) results: Vec<T>,
    pub(crate) next: Option<String>,
}

impl<T> Page<T> {
    /// A page of `limit` from `items` fetched with `limit + 1`: the extra item
    /// only says that there is more.
    pub(crate) fn from_overfetch(
        mut items: Vec<T>,
        limit: usize,
        position: impl Fn(&T) -> String,
    ) -> Self {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|last| encode_cursor(&position(last)))
        } else {
            None
        };
        Page {
            results: items,
            next,
        }
    }
}

/// Enqueues a job for the caller and answers 202 `{"job_id","status","message"}`.
///
/// An `Idempotency-Key` header makes retries safe: the key is scoped to the user,
/// the same key returns the same job, and reusing a key for a different request is
/// 409.
pub(crate) async fn enqueue(
    state: &AppState,
    caller: &Caller,
    for_user: i64,
    headers: &HeaderMap,
    job_type: &str,
    payload: Value,
) -> ApiResult<Response> {
    let mut options = EnqueueOptions {
        user_id: Some(for_user),
        ..Default::default()
    };
    if let Some(key) = headers.get("idempotency-key") {
        let key = key
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 200)
            .ok_or_else(|| {
                ApiError::field(
                    "Idempotency-Key",
                    "must be 1 to 200 visible ASCII characters",
                )
            })?;
        options.idempotency_key = Some(format!("user:{}:{key}", caller.user.id));
    }
    let inserted = state
        .engine
        .enqueue_detailed(job_type, payload.clone(), options)
        .await?;
    let job = inserted.job;
    if !inserted.created && (job.job_type != job_type || job.payload != payload) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            format!(
                "Idempotency-Key was already used for a different request (job {})",
                job.id
            ),
        ));
    }
    Ok(accepted(&job, inserted.created))
}

fn accepted(job: &Job, created: bool) -> Response {
    let message = if created {
        "Job enqueued"
    } else {
        "Job already enqueued with this Idempotency-Key"
    };
    (
        StatusCode::ACCEPTED,
        Json(json!({"job_id": job.id, "status": job.status, "message": message})),
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
        "cancel_requested": job.cancel_requested,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor("2026-11-23|42");
        assert_eq!(decode_cursor(&c).unwrap(), "2026-11-23|42");
        for bad in ["zz", "abc", "ff", "0\u{80}0", "é0"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
