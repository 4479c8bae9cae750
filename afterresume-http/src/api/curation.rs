//! Resume curation: `PATCH /api/resume/skills/{skill_id}/`,
//! `PATCH /api/resume/highlights/{id}/` and `GET /api/resume/curation/`.
//! Choices survive every refresh; each change refreshes the resume shortly.

use afterresume_core::domain::{ChoicePatch, Curation};
use afterresume_core::service::curation::CuratedItem;
use axum::extract::State;
use axum::response::Json;

use super::PathId;
use crate::auth::Caller;
use crate::error::{ApiResult, JsonBody};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/resume/curation/", tag = "resume",
    responses((status = 200, description = "`{skills: {skill_id: choice}, highlights: {id: choice}}`; a choice is `{pinned, hidden, order, text?}`")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn curation(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Curation>> {
    Ok(Json(state.app.curation(&caller.actor(), None).await?))
}

#[utoipa::path(patch, path = "/api/resume/skills/{skill_id}/", tag = "resume",
    params(("skill_id" = i64, Path, description = "A skill with evidence of yours")),
    request_body(content = serde_json::Value, description = "Any of `pinned`, `hidden` (not both true), `order` (null: back to the ranking)"),
    responses((status = 200, description = "`{id, pinned, hidden, order}`; the resume refreshes shortly")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn skill(
    State(state): State<AppState>,
    caller: Caller,
    PathId(skill_id): PathId<i64>,
    JsonBody(patch): JsonBody<ChoicePatch>,
) -> ApiResult<Json<CuratedItem>> {
    let item = state
        .app
        .curate_skill(&caller.actor(), None, skill_id, patch)
        .await?;
    Ok(Json(item))
}

#[utoipa::path(patch, path = "/api/resume/highlights/{id}/", tag = "resume",
    params(("id" = String, Path, description = "The `id` beside a highlight's evidence (`w12s0`)")),
    request_body(content = serde_json::Value, description = "Any of `pinned`, `hidden` (not both true), `order`, `text` (your own words; it keeps its evidence; null: back to the written text)"),
    responses((status = 200, description = "`{id, pinned, hidden, order, text?}`; the resume refreshes shortly")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn highlight(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<String>,
    JsonBody(patch): JsonBody<ChoicePatch>,
) -> ApiResult<Json<CuratedItem>> {
    let item = state
        .app
        .curate_highlight(&caller.actor(), None, &id, patch)
        .await?;
    Ok(Json(item))
}
