//! `/api/worklogs/`: create, list (date range, tag, keyset pages), detail, update,
//! delete, and `analyze/` (202).

use afterresume_core::domain::{NewWorkLog, WorkLog, WorkLogFilter, WorkLogPatch};
use afterresume_core::workflows::WORKLOG_ANALYZE;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{Page, Params, PathId, enqueue, parse_date};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, JsonBody};
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

async fn owned_worklog(state: &AppState, caller: &Caller, id: i64) -> ApiResult<WorkLog> {
    match state.domain.get_worklog(id).await {
        Ok(w) if caller.may_see(Some(w.user_id)) => Ok(w),
        Ok(_) => Err(ApiError::not_found(&format!("worklog {id}"))),
        Err(e) => Err(e.into()),
    }
}

fn date_or_today(state: &AppState, date: Option<&str>) -> ApiResult<NaiveDate> {
    match date {
        Some(d) => parse_date("date", d),
        None => Ok(state.engine.now().date_naive()),
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
    let date = date_or_today(&state, input.date.as_deref())?;
    let mut new = NewWorkLog::new(caller.user.id, date, input.content);
    new.title = input.title;
    new.tags = input.tags;
    if let Some(source) = input.source {
        new.source = source;
    }
    if let Some(metadata) = input.metadata {
        new.metadata = metadata;
    }
    new.validate()?;
    let created = state.domain.create_worklog(new, state.engine.now()).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(get, path = "/api/worklogs/", tag = "worklogs",
    params(
        ("date_from" = Option<String>, Query, description = "Earliest date, YYYY-MM-DD"),
        ("date_to" = Option<String>, Query, description = "Latest date, YYYY-MM-DD"),
        ("tag" = Option<String>, Query, description = "Only entries with this tag"),
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
    let limit = params.limit()?;
    let after = params.cursor(|c| {
        let (d, id) = c.split_once('|')?;
        Some((
            NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
            id.parse().ok()?,
        ))
    })?;
    let (date_from, date_to) = (params.date("date_from")?, params.date("date_to")?);
    if let (Some(from), Some(to)) = (date_from, date_to)
        && to < from
    {
        return Err(ApiError::field(
            "date_to",
            format!("{to} is before date_from {from}"),
        ));
    }
    let filter = WorkLogFilter {
        user_id: Some(caller.acting_for(params.id("user_id")?)?),
        date_from,
        date_to,
        tag: params.get("tag").map(str::to_owned),
        after,
        limit: limit + 1,
    };
    let items = state.domain.list_worklogs(&filter).await?;
    Ok(Json(Page::from_overfetch(items, limit, |w| {
        format!("{}|{}", w.date, w.id)
    })))
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
    owned_worklog(&state, &caller, id).await.map(Json)
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
    apply(&state, &caller, id, patch).await
}

/// Checks ownership and the patch, then applies it.
async fn apply(
    state: &AppState,
    caller: &Caller,
    id: i64,
    patch: WorkLogPatch,
) -> ApiResult<Json<WorkLog>> {
    owned_worklog(state, caller, id).await?;
    patch.validate()?;
    let updated = state
        .domain
        .update_worklog(id, patch, state.engine.now())
        .await?;
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
    let patch = WorkLogPatch {
        date: Some(date_or_today(&state, input.date.as_deref())?),
        content: Some(input.content),
        title: Some(input.title),
        tags: Some(input.tags),
        source: Some(input.source.unwrap_or_else(|| "manual".to_owned())),
        metadata: Some(input.metadata.unwrap_or_else(|| json!({}))),
    };
    apply(&state, &caller, id, patch).await
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
    owned_worklog(&state, &caller, id).await?;
    state.domain.delete_worklog(id).await?;
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
    let worklog = owned_worklog(&state, &caller, id).await?;
    let payload = json!({"worklog_id": id});
    enqueue(
        &state,
        &caller,
        worklog.user_id,
        &headers,
        WORKLOG_ANALYZE,
        payload,
    )
    .await
}
