//! `/api/auth/`: tokens (issue, list, revoke), sessions (login, logout), and `me/`.

use afterresume_core::domain::{ApiToken, User};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use afterresume_core::accounts::{LoginAttempt, SESSION_LIFETIME};

use afterresume_core::service::Page;

use super::{Params, PathId};
use crate::auth::{CSRF_COOKIE, Caller, Credential, SESSION_COOKIE, client_ip, csrf_token};
use crate::error::{ApiResult, JsonBody};
use crate::state::AppState;

/// Username and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Credentials {
    username: String,
    password: String,
    /// Label of the token (`POST /api/auth/token/` only); default `api`.
    #[serde(default)]
    name: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Reads the credentials and logs in under the core's login limits.
async fn log_in(state: &AppState, request: Request) -> ApiResult<(User, Credentials)> {
    let ip = client_ip(
        request.extensions(),
        request.headers(),
        &state.settings.trusted_proxies,
    );
    let JsonBody(credentials) = JsonBody::<Credentials>::from_request(request, state).await?;
    let attempt = LoginAttempt {
        username: &credentials.username,
        password: &credentials.password,
        address: ip,
    };
    let user = state.app.accounts().login(attempt, state.app.now()).await?;
    Ok((user, credentials))
}

#[utoipa::path(post, path = "/api/auth/token/", tag = "auth",
    request_body = Credentials,
    responses((status = 200, description = "`{token}`: shown once, stored only as a digest"), (status = 400, description = "Bad name"), (status = 409, description = "Too many live API tokens"), (status = 401, description = "Wrong username or password"), (status = 429, description = "Too many failures")))]
pub(crate) async fn issue_token(
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<serde_json::Value>> {
    let (user, credentials) = log_in(&state, request).await?;
    let name = credentials.name.as_deref().unwrap_or("api");
    let issued = state
        .app
        .accounts()
        .issue_token(user.id, name, state.app.now())
        .await?;
    Ok(Json(json!({
        "token": issued.secret,
        "id": issued.token.id,
        "name": issued.token.name,
        "user": user,
    })))
}

#[utoipa::path(get, path = "/api/auth/tokens/", tag = "auth",
    params(
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 200 (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses((status = 200, description = "`{results, next}`: the caller's live tokens and sessions, oldest first (never their secrets)")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Page<ApiToken>>> {
    let tokens = state
        .app
        .list_tokens(&caller.actor(), params.page()?)
        .await?;
    Ok(Json(tokens))
}

#[utoipa::path(delete, path = "/api/auth/tokens/{id}/", tag = "auth",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked; it never authenticates again"), (status = 404, description = "Not found or not yours")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<i64>,
) -> ApiResult<StatusCode> {
    state.app.revoke_token(&caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A `Set-Cookie` value: `Path=/`, `SameSite=Lax`, `Secure` when `secure`.
pub(crate) fn cookie_header(
    secure: bool,
    name: &str,
    value: &str,
    http_only: bool,
    max_age: u64,
) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age}");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).expect("cookie values are hex and ASCII")
}

#[utoipa::path(post, path = "/api/auth/login/", tag = "auth",
    request_body = Credentials,
    responses((status = 200, description = "`{user, csrf_token}`; sets the HttpOnly session cookie. Send `X-CSRFToken: <csrf_token>` on unsafe requests"), (status = 401, description = "Wrong username or password"), (status = 429, description = "Too many failures")))]
pub(crate) async fn login(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let secure =
        crate::web::cookie_is_secure(&state.settings, request.extensions(), request.headers());
    let (user, _) = log_in(&state, request).await?;
    let issued = state
        .app
        .accounts()
        .start_session(user.id, state.app.now())
        .await?;
    let csrf = csrf_token(&state.settings.secret_key, &issued.secret);
    let max_age = SESSION_LIFETIME.as_secs();
    let mut response = Json(json!({"user": user, "csrf_token": csrf})).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookie_header(secure, SESSION_COOKIE, &issued.secret, true, max_age),
    );
    headers.append(
        header::SET_COOKIE,
        cookie_header(secure, CSRF_COOKIE, &csrf, false, max_age),
    );
    Ok(response)
}

#[utoipa::path(post, path = "/api/auth/logout/", tag = "auth",
    responses((status = 204, description = "The session is revoked and its cookies cleared")),
    security(("session" = []), ("token" = [])))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    extensions: axum::http::Extensions,
    caller: Caller,
) -> ApiResult<Response> {
    let secure = crate::web::cookie_is_secure(&state.settings, &extensions, &headers);
    if let Credential::Session(secret) = &caller.credential {
        state
            .app
            .accounts()
            .revoke_secret(secret, state.app.now())
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookie_header(secure, SESSION_COOKIE, "", true, 0),
    );
    headers.append(
        header::SET_COOKIE,
        cookie_header(secure, CSRF_COOKIE, "", false, 0),
    );
    Ok(response)
}

#[utoipa::path(get, path = "/api/auth/me/", tag = "auth",
    responses((status = 200, description = "The authenticated user")),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn me(caller: Caller) -> Json<User> {
    Json(caller.user)
}
