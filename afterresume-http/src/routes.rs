//! The route table. Every documented route is registered through utoipa-axum, so
//! the OpenAPI document at `/api/openapi.json` is generated from the same table
//! that serves requests and cannot drift from it.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Json;
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Info, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{account, curation, health, import, jobs, profile, reports, skills, worklogs};
use crate::error::ApiError;
use crate::guards;
use crate::metrics;
use crate::state::AppState;
use crate::{dashboard, dead_letters_api, queues_api, schedules_api};

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
        .routes(routes!(reports::tailor))
        .routes(routes!(curation::curation))
        .routes(routes!(curation::skill))
        .routes(routes!(curation::highlight))
        .routes(routes!(profile::profile, profile::update_profile))
        .routes(routes!(profile::positions, profile::create_position))
        .routes(routes!(
            profile::position,
            profile::update_position,
            profile::delete_position
        ))
        .routes(routes!(profile::education, profile::create_education))
        .routes(routes!(
            profile::education_entry,
            profile::update_education,
            profile::delete_education
        ))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::detail))
        .routes(routes!(jobs::events))
        .routes(routes!(jobs::cancel))
        .routes(routes!(dashboard::overview))
        .routes(routes!(dashboard::jobs))
        .routes(routes!(dashboard::job))
        .routes(routes!(dashboard::job_events))
        .routes(routes!(dead_letters_api::list))
        .routes(routes!(dead_letters_api::retry))
        .routes(routes!(dead_letters_api::purge))
        .routes(routes!(dashboard::schedules, schedules_api::put))
        .routes(routes!(schedules_api::pause))
        .routes(routes!(schedules_api::resume))
        .routes(routes!(schedules_api::delete))
        .routes(routes!(queues_api::list))
        .routes(routes!(queues_api::pause_queue))
        .routes(routes!(queues_api::resume_queue))
        .routes(routes!(queues_api::pause_type))
        .routes(routes!(queues_api::resume_type))
        .routes(routes!(dashboard::health))
}

/// The OpenAPI 3.1 document of the host, as served at `/api/openapi.json`: the
/// routes' shapes, tightened to what the server enforces (see `openapi.rs`).
pub fn openapi() -> serde_json::Value {
    let mut document = serde_json::to_value(described()).expect("an OpenAPI document serializes");
    crate::openapi::tighten(&mut document);
    document
}

/// Routes whose bodies may be larger than `AFTERRESUME_MAX_BODY_BYTES`: a file
/// import takes up to [`crate::api::import::IMPORT_BODY_BYTES`].
fn large_bodies() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import::import))
}

/// The document as the route macros describe it.
fn described() -> OpenApi {
    let (_, mut api) = documented().merge(large_bodies()).split_for_parts();
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
    let (large, _) = large_bodies().split_for_parts();
    let document = Arc::new(openapi());
    let max_body = state.settings.max_body_bytes;
    let import_body = crate::api::import::import_body_limit(max_body);
    routes
        .merge(large.layer(DefaultBodyLimit::max(import_body)))
        .route(
            "/api/openapi.json",
            get(move || {
                let document = Arc::clone(&document);
                async move { Json(document.as_ref().clone()) }
            }),
        )
        .route("/metrics", get(metrics::metrics))
        .merge(crate::web::routes())
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
            guards::oversized_body,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::allowed_host,
        ))
        .layer(middleware::from_fn(guards::catch_panic))
        .layer(middleware::from_fn(guards::security_headers))
        .with_state(state)
}
