//! `/api/worklogs/`: create, list (date range, tag, keyset pages), detail, update,
//! delete, and `analyze/` (202).

use afterresume_core::domain::{WorkLog, WorkLogPatch};
use afterresume_core::service::worklogs::WorkLogQuery;
use afterresume_core::service::{Page, worklogs};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{Params, PathId, accepted, idempotency_key, parse_date};
use crate::auth::Caller;
use crate::error::{ApiResult, JsonBody};
use crate::state::AppState;

/// A new worklog (`POST`), or a whole replacement (`PUT`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkLogInput {
    /// What was done (Markdown allowed); required, not blank.
    content: String,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    date: Option<String>,
    /// Optional title.
    #[serde(default)]
    title: Option<String>,
    /// Tags (projects, areas).
    #[serde(default)]
    tags: Vec<String>,
    /// Where the entry came from (`manual`, `git`, `email`, ...).
    #[serde(default)]
    source: Option<String>,
    /// Free-form JSON object.
    #[serde(default)]
    #[schema(value_type = Object)]
    metadata: Option<Value>,
}

/// A partial update (`PATCH`): absent fields stay as they are; `"title": null`
/// clears the title.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkLogUpdate {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    title: Option<Option<String>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

/// Tells a present `null` (clear) from an absent field (keep).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl WorkLogInput {
    fn parse(self) -> ApiResult<worklogs::WorkLogInput> {
        Ok(worklogs::WorkLogInput {
            content: self.content,
            date: self
                .date
                .as_deref()
                .map(|d| parse_date("date", d))
                .transpose()?,
            title: self.title,
            tags: self.tags,
            source: self.source,
            metadata: self.metadata,
        })
    }
}

#[utoipa::path(post, path = "/api/worklogs/", tag = "worklogs",
    request_body = WorkLogInput,
    responses((status = 201, description = "The created worklog"), (status = 400, description = "Invalid input; nothing stored")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<WorkLogInput>,
) -> ApiResult<Response> {
    let created = state
        .app
        .create_worklog(&caller.actor(), None, input.parse()?)
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(get, path = "/api/worklogs/", tag = "worklogs",
    params(
        ("date_from" = Option<String>, Query, description = "Earliest date, YYYY-MM-DD"),
        ("date_to" = Option<String>, Query, description = "Latest date, YYYY-MM-DD"),
        ("tag" = Option<String>, Query, description = "Only entries with this tag"),
        ("q" = Option<String>, Query, description = "Only entries whose content holds this text (case ignored), at most 200 characters"),
        ("user_id" = Option<i64>, Query, description = "Staff only: another user's entries"),
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses((status = 200, description = "`{results, next}`, newest first")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Page<WorkLog>>> {
    let query = WorkLogQuery {
        user_id: params.id("user_id")?,
        date_from: params.date("date_from")?,
        date_to: params.date("date_to")?,
        tag: params.get("tag").map(str::to_owned),
        text: params.get("q").map(str::to_owned),
        page: params.page()?,
    };
    Ok(Json(state.app.list_worklogs(&caller.actor(), query).await?))
}

#[utoipa::path(get, path = "/api/worklogs/{id}/", tag = "worklogs",
    params(("id" = i64, Path, description = "Worklog id")),
    responses((status = 200, description = "The worklog, with `analysis` once analyzed"), (status = 404, description = "Not found or not yours")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<Json<WorkLog>> {
    Ok(Json(state.app.worklog(&caller.actor(), id).await?))
}

#[utoipa::path(patch, path = "/api/worklogs/{id}/", tag = "worklogs",
    params(("id" = i64, Path, description = "Worklog id")),
    request_body = WorkLogUpdate,
    responses((status = 200, description = "The updated worklog; new content clears the analysis")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
    JsonBody(input): JsonBody<WorkLogUpdate>,
) -> ApiResult<Json<WorkLog>> {
    let patch = WorkLogPatch {
        date: input
            .date
            .as_deref()
            .map(|d| parse_date("date", d))
            .transpose()?,
        content: input.content,
        title: input.title,
        tags: input.tags,
        source: input.source,
        metadata: input.metadata,
    };
    let updated = state.app.update_worklog(&caller.actor(), id, patch).await?;
    Ok(Json(updated))
}

#[utoipa::path(put, path = "/api/worklogs/{id}/", tag = "worklogs",
    params(("id" = i64, Path, description = "Worklog id")),
    request_body = WorkLogInput,
    responses((status = 200, description = "The replaced worklog")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
    JsonBody(input): JsonBody<WorkLogInput>,
) -> ApiResult<Json<WorkLog>> {
    let replaced = state
        .app
        .replace_worklog(&caller.actor(), id, input.parse()?)
        .await?;
    Ok(Json(replaced))
}

#[utoipa::path(delete, path = "/api/worklogs/{id}/", tag = "worklogs",
    params(("id" = i64, Path, description = "Worklog id")),
    responses((status = 204, description = "Deleted, with its skill evidence")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_worklog(&caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/worklogs/{id}/analyze/", tag = "worklogs",
    params(("id" = i64, Path, description = "Worklog id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the same job")),
    responses((status = 202, description = "`{job_id, status, message}`")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn analyze(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    PathId(id): PathId<i64>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let enqueued = state.app.analyze_worklog(&caller.actor(), id, key).await?;
    Ok(accepted(&enqueued))
}
