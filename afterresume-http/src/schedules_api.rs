//! Schedules from the host, `/system/schedules/`: staff create (or replace) a
//! schedule by name, pause, resume and delete it. Reading them is part of the
//! dashboard (`dashboard.rs`).

use afterresume_core::ScheduleSpec;
use afterresume_core::domain::{Schedule, UserId};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Json;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::api::PathId;
use crate::auth::Staff;
use crate::error::{ApiResult, JsonBody};
use crate::state::AppState;

/// A schedule as the request writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduleBody {
    name: String,
    cron: String,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(rename = "type")]
    job_type: String,
    #[serde(default)]
    payload: Option<Value>,
    #[serde(default, deserialize_with = "whole_user_id")]
    user_id: Option<UserId>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// A user id as any JSON number with a whole value (`7.0` is 7, as JSON
/// Schema's `integer` says).
fn whole_user_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UserId>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(id) = number.as_i64() {
        return Ok(Some(id));
    }
    match number.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!(
            "{number} is not a whole number"
        ))),
    }
}

#[utoipa::path(post, path = "/system/schedules/", tag = "system",
    request_body(content = serde_json::Value, description = "`name`, `cron` (5 fields or a shortcut such as `@daily`), `type` (required); `time_zone` (IANA, default UTC), `payload` (object), `user_id`, `enabled` (default true)"),
    responses((status = 200, description = "The schedule as stored (a schedule of that name is replaced)"),
              (status = 400, description = "A field is wrong; nothing changed"),
              (status = 403, description = "Not staff")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn put(
    State(state): State<AppState>,
    Staff(caller): Staff,
    JsonBody(body): JsonBody<ScheduleBody>,
) -> ApiResult<Json<Schedule>> {
    if let Some(user) = body.user_id {
        state.app.domain().get_user(user).await.map_err(|_| {
            afterresume_core::Error::invalid_input(format!("user_id: no user {user}"))
        })?;
    }
    let spec = ScheduleSpec {
        payload: body
            .payload
            .unwrap_or_else(|| Value::Object(Default::default())),
        time_zone: body.time_zone,
        user_id: body.user_id,
        enabled: body.enabled.unwrap_or(true),
        ..ScheduleSpec::new(&body.name, &body.job_type, &body.cron)
    };
    Ok(Json(state.app.put_schedule(&caller.actor(), spec).await?))
}

#[utoipa::path(post, path = "/system/schedules/{name}/pause/", tag = "system",
    params(("name" = String, Path, description = "Schedule name")),
    responses((status = 200, description = "The schedule, paused"), (status = 404, description = "No schedule of that name")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn pause(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(name): PathId<String>,
) -> ApiResult<Json<Schedule>> {
    set_enabled(&state, &caller, &name, false).await
}

#[utoipa::path(post, path = "/system/schedules/{name}/resume/", tag = "system",
    params(("name" = String, Path, description = "Schedule name")),
    responses((status = 200, description = "The schedule, firing again from its next due time"), (status = 404, description = "No schedule of that name")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn resume(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(name): PathId<String>,
) -> ApiResult<Json<Schedule>> {
    set_enabled(&state, &caller, &name, true).await
}

async fn set_enabled(
    state: &AppState,
    caller: &crate::auth::Caller,
    name: &str,
    enabled: bool,
) -> ApiResult<Json<Schedule>> {
    let schedule = state
        .app
        .set_schedule_enabled(&caller.actor(), name, enabled)
        .await?;
    Ok(Json(schedule))
}

#[utoipa::path(delete, path = "/system/schedules/{name}/", tag = "system",
    params(("name" = String, Path, description = "Schedule name")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No schedule of that name")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    Staff(caller): Staff,
    PathId(name): PathId<String>,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_schedule_named(&caller.actor(), &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
