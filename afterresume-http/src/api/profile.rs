//! `/api/profile/`, `/api/positions/` and `/api/education/`: what a resume says
//! about the person that no worklog can. Bodies are the core's request types
//! (unknown fields are refused, each error names its field).

use afterresume_core::domain::{
    Education, EducationPatch, NewEducation, NewPosition, Position, PositionPatch, Profile,
    ProfilePatch,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Json;

use super::PathId;
use crate::auth::Caller;
use crate::error::{ApiResult, JsonBody};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/profile/", tag = "profile",
    responses((status = 200, description = "`{name, label, email, phone, url, summary, location: {city, region, countryCode}, profiles: [{network, username, url}], working_days: [\"mon\", ...]}`")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn profile(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Profile>> {
    Ok(Json(state.app.profile(&caller.actor(), None).await?))
}

#[utoipa::path(patch, path = "/api/profile/", tag = "profile",
    request_body(content = serde_json::Value, description = "Any of `name`, `label`, `email`, `phone`, `url` (http/https), `summary`, `location` `{city, region, countryCode}`, `profiles` `[{network, username, url}]`, `working_days` (`[\"mon\", ... \"sun\"]`, at least one); each replaces the stored field"),
    responses((status = 200, description = "The profile; the resume refreshes shortly")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn update_profile(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(patch): JsonBody<ProfilePatch>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(
        state
            .app
            .update_profile(&caller.actor(), None, patch)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/positions/", tag = "profile",
    responses((status = 200, description = "Positions, newest first: `[{id, company, title, location, start_date, end_date, summary, url}]`")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn positions(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Position>>> {
    Ok(Json(state.app.positions(&caller.actor(), None).await?))
}

#[utoipa::path(post, path = "/api/positions/", tag = "profile",
    request_body(content = serde_json::Value, description = "`company`, `title`, `start_date` (required); `location`, `end_date` (null or absent: current), `summary`, `url`"),
    responses((status = 201, description = "The position with its id; worklogs in its dates belong to it")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn create_position(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewPosition>,
) -> ApiResult<(StatusCode, Json<Position>)> {
    let created = state
        .app
        .create_position(&caller.actor(), None, new)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/positions/{id}/", tag = "profile",
    params(("id" = i64, Path, description = "Position id")),
    responses((status = 200, description = "The position")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn position(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<Json<Position>> {
    Ok(Json(state.app.position(&caller.actor(), None, id).await?))
}

#[utoipa::path(patch, path = "/api/positions/{id}/", tag = "profile",
    params(("id" = i64, Path, description = "Position id")),
    request_body(content = serde_json::Value, description = "Any field of a position; `end_date: null` makes it current"),
    responses((status = 200, description = "The position")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn update_position(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
    JsonBody(patch): JsonBody<PositionPatch>,
) -> ApiResult<Json<Position>> {
    Ok(Json(
        state
            .app
            .update_position(&caller.actor(), None, id, patch)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/positions/{id}/", tag = "profile",
    params(("id" = i64, Path, description = "Position id")),
    responses((status = 204, description = "Deleted; its worklogs stay")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn delete_position(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_position(&caller.actor(), None, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/education/", tag = "profile",
    responses((status = 200, description = "Education, newest first: `[{id, institution, area, study_type, start_date, end_date, score, url}]`")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn education(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Education>>> {
    Ok(Json(state.app.education(&caller.actor(), None).await?))
}

#[utoipa::path(post, path = "/api/education/", tag = "profile",
    request_body(content = serde_json::Value, description = "`institution` (required); `area`, `study_type`, `start_date`, `end_date`, `score`, `url`"),
    responses((status = 201, description = "The entry with its id")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn create_education(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewEducation>,
) -> ApiResult<(StatusCode, Json<Education>)> {
    let created = state
        .app
        .create_education(&caller.actor(), None, new)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/education/{id}/", tag = "profile",
    params(("id" = i64, Path, description = "Education entry id")),
    responses((status = 200, description = "The entry")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn education_entry(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<Json<Education>> {
    Ok(Json(
        state.app.education_entry(&caller.actor(), None, id).await?,
    ))
}

#[utoipa::path(patch, path = "/api/education/{id}/", tag = "profile",
    params(("id" = i64, Path, description = "Education entry id")),
    request_body(content = serde_json::Value, description = "Any field of an education entry; dates may be null"),
    responses((status = 200, description = "The entry")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn update_education(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
    JsonBody(patch): JsonBody<EducationPatch>,
) -> ApiResult<Json<Education>> {
    Ok(Json(
        state
            .app
            .update_education(&caller.actor(), None, id, patch)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/education/{id}/", tag = "profile",
    params(("id" = i64, Path, description = "Education entry id")),
    responses((status = 204, description = "Deleted")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn delete_education(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_education(&caller.actor(), None, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
