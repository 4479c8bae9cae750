//! `/api/skills/`: the caller's evidenced skills, the evidence behind one, and
//! `recompute/` (202).

use afterresume_core::domain::SkillEvidence;
use afterresume_core::service::Page;
use afterresume_core::service::skills::{SkillSummary, SkillsWindow};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Json, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Params, PathId, accepted, idempotency_key, parse_date};
use crate::auth::Caller;
use crate::error::{ApiResult, OptionalJsonBody};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/skills/", tag = "skills",
    params(("user_id" = Option<i64>, Query, description = "Staff only: another user's skills")),
    responses((status = 200, description = "`{results, next}`: skills with evidence_count, first_seen, last_seen; most evidenced first")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Page<SkillSummary>>> {
    let skills = state
        .app
        .list_skills(&caller.actor(), params.id("user_id")?)
        .await?;
    Ok(Json(Page::whole(skills)))
}

#[utoipa::path(get, path = "/api/skills/{id}/evidence/", tag = "skills",
    params(("id" = i64, Path, description = "Skill id"),
           ("user_id" = Option<i64>, Query, description = "Staff only: another user's evidence")),
    responses((status = 200, description = "`{results, next}`: the worklog excerpts that prove the skill"), (status = 404, description = "No such skill")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
    params: Params,
) -> ApiResult<Json<Page<SkillEvidence>>> {
    let evidence = state
        .app
        .skill_evidence(&caller.actor(), params.id("user_id")?, id)
        .await?;
    Ok(Json(Page::whole(evidence)))
}

/// Options of a recompute; all optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecomputeInput {
    /// Days back from `end` (1 to 3650; default 365).
    #[serde(default, deserialize_with = "whole_number")]
    window_days: Option<u32>,
    /// Window start, `YYYY-MM-DD` (instead of `window_days`).
    #[serde(default)]
    start: Option<String>,
    /// Window end, `YYYY-MM-DD` (default today).
    #[serde(default)]
    end: Option<String>,
}

/// A whole number, written `349` or `349.0` (JSON has one number type).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u64)
    });
    whole
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected a whole number, got {number}")))
}

#[utoipa::path(post, path = "/api/skills/recompute/", tag = "skills",
    request_body(content = Option<RecomputeInput>, description = "Optional window"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the same job")),
    responses((status = 202, description = "`{job_id, status, message}`")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn recompute(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    OptionalJsonBody(input): OptionalJsonBody<RecomputeInput>,
) -> ApiResult<Response> {
    let date = |field, value: Option<String>| value.map(|v| parse_date(field, &v)).transpose();
    let window = SkillsWindow {
        window_days: input.window_days,
        start: date("start", input.start)?,
        end: date("end", input.end)?,
    };
    let key = idempotency_key(&headers)?;
    let enqueued = state
        .app
        .recompute_skills(&caller.actor(), None, window, key)
        .await?;
    Ok(accepted(&enqueued))
}
