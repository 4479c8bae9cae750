//! Who is looking at a page: the session cookie (the same session the API's
//! login starts); without one, a redirect to `/login`. The login form is
//! guarded by a double-submit token (a cookie and a hidden field that must
//! match); every form after login by the session's CSRF token.

use std::collections::HashMap;

use afterresume_core::ErrorKind;
use afterresume_core::accounts::{LoginAttempt, SESSION_LIFETIME, SESSION_TOKEN_NAME};
use afterresume_core::domain::User;
use afterresume_core::service::Actor;
use axum::Form;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::render::{page, query_value};
use crate::api::account::cookie_header;
use crate::auth::{CSRF_COOKIE, SESSION_COOKIE, client_ip, constant_time_eq, cookie, csrf_token};
use crate::config::HostSettings;
use crate::state::AppState;

/// The login form's double-submit cookie.
const LOGIN_COOKIE: &str = "afterresume_login";
/// How long a login form stays valid.
const LOGIN_FORM_SECS: u64 = 3600;

/// A signed-in person looking at a page.
pub(super) struct WebUser {
    /// Who.
    pub(super) user: User,
    /// The session's secret (for logout). Never rendered.
    secret: String,
    /// The token every form of theirs carries.
    pub(super) csrf: String,
}

impl std::fmt::Debug for WebUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebUser")
            .field("user", &self.user.username)
            .finish_non_exhaustive()
    }
}

impl WebUser {
    /// The person as the core's use cases know them.
    pub(super) fn actor(&self) -> Actor {
        Actor::user(&self.user)
    }

    /// The answer to a form whose CSRF token is not this session's, if it is not.
    pub(super) fn refusal(&self, sent: &str) -> Option<Response> {
        if constant_time_eq(&self.csrf, sent) {
            None
        } else {
            let mut context = self.context("");
            context["title"] = json!("This form has expired");
            context["message"] = json!("Reload the page and try again.");
            context["back"] = json!("/");
            Some(page("error.html", StatusCode::FORBIDDEN, &context))
        }
    }

    /// What every page's layout needs.
    pub(super) fn context(&self, page_name: &str) -> serde_json::Value {
        json!({"user": {"username": self.user.username, "is_staff": self.user.is_staff},
               "csrf": self.csrf, "page": page_name})
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let here = parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            Redirect::to(&format!("/login?next={}", query_value(&here))).into_response()
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match state
            .app
            .accounts()
            .user_for_token(&secret, state.app.now())
            .await
        {
            Ok((user, token)) if token.name == SESSION_TOKEN_NAME => Ok(WebUser {
                csrf: csrf_token(&state.settings.secret_key, &secret),
                user,
                secret,
            }),
            Ok(_) => Err(to_login()),
            Err(e) if matches!(e.kind(), ErrorKind::Unauthenticated | ErrorKind::NotFound) => {
                Err(to_login())
            }
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                Err((StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response())
            }
        }
    }
}

/// A signed-in staff member; anyone else signed in gets a 403 page.
pub(super) struct WebStaff(pub(super) WebUser);

impl FromRequestParts<AppState> for WebStaff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let web = WebUser::from_request_parts(parts, state).await?;
        if web.user.is_staff {
            return Ok(WebStaff(web));
        }
        let mut context = web.context("");
        context["title"] = json!("Staff only");
        context["message"] = json!("These pages are for the people who run this server.");
        context["back"] = json!("/");
        Err(page("error.html", StatusCode::FORBIDDEN, &context))
    }
}

/// Whether cookies set on this request get `Secure`: always or never as
/// `AFTERRESUME_SECURE_COOKIES` says, else (`auto`, the default) when the
/// request arrived over HTTPS, which only a trusted proxy can say
/// (`X-Forwarded-Proto: https`). So a browser can log in at
/// `http://127.0.0.1:8000`, and behind a TLS proxy cookies stay on HTTPS.
pub(crate) fn cookie_is_secure(
    settings: &HostSettings,
    extensions: &Extensions,
    headers: &HeaderMap,
) -> bool {
    if let Some(fixed) = settings.secure_cookies {
        return fixed;
    }
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    peer.is_some_and(|p| settings.trusted_proxies.contains(&p))
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A local path to go back to after login: never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn login_form(
    status: StatusCode,
    token: &str,
    next: &str,
    username: &str,
    error: &str,
) -> Response {
    page(
        "login.html",
        status,
        &json!({"login_csrf": token, "next": next, "username": username, "error": error}),
    )
}

fn new_login_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `GET /login`: the form (or home, when already signed in).
pub(super) async fn login_page(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let next = safe_next(query.get("next").map(String::as_str));
    let (mut parts, _) = request.into_parts();
    if WebUser::from_request_parts(&mut parts, &state)
        .await
        .is_ok()
    {
        return Redirect::to(&next).into_response();
    }
    let token = cookie(&parts.headers, LOGIN_COOKIE).unwrap_or_else(new_login_token);
    let mut response = login_form(StatusCode::OK, &token, &next, "", "");
    let secure = cookie_is_secure(&state.settings, &parts.extensions, &parts.headers);
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(secure, LOGIN_COOKIE, &token, true, LOGIN_FORM_SECS),
    );
    response
}

/// The login form's fields.
#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    login_csrf: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: a session cookie and the page asked for, or the form again
/// with what went wrong.
pub(super) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&form.next));
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(&expected, &form.login_csrf) {
        let token = new_login_token();
        let mut response = login_form(
            StatusCode::FORBIDDEN,
            &token,
            &next,
            &form.username,
            "This login form has expired. Try again.",
        );
        let secure = cookie_is_secure(&state.settings, &extensions, &headers);
        response.headers_mut().append(
            header::SET_COOKIE,
            cookie_header(secure, LOGIN_COOKIE, &token, true, LOGIN_FORM_SECS),
        );
        return response;
    }
    let attempt = LoginAttempt {
        username: &form.username,
        password: &form.password,
        address: client_ip(&extensions, &headers, &state.settings.trusted_proxies),
    };
    let now = state.app.now();
    let user = match state.app.accounts().login(attempt, now).await {
        Ok(user) => user,
        Err(e) => {
            let message = match e.kind() {
                ErrorKind::Unauthenticated => "Wrong username or password.".to_owned(),
                _ => e.public_message(),
            };
            let status = crate::error::ApiError::from(e).status;
            return login_form(status, &expected, &next, &form.username, &message);
        }
    };
    let issued = match state.app.accounts().start_session(user.id, now).await {
        Ok(issued) => issued,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let secure = cookie_is_secure(&state.settings, &extensions, &headers);
    let csrf = csrf_token(&state.settings.secret_key, &issued.secret);
    let max_age = SESSION_LIFETIME.as_secs();
    let mut response = Redirect::to(&next).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        cookie_header(secure, SESSION_COOKIE, &issued.secret, true, max_age),
    );
    cookies.append(
        header::SET_COOKIE,
        cookie_header(secure, CSRF_COOKIE, &csrf, false, max_age),
    );
    cookies.append(
        header::SET_COOKIE,
        cookie_header(secure, LOGIN_COOKIE, "", true, 0),
    );
    response
}

/// A form that only carries the CSRF token.
#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

/// `POST /logout`: the session revoked, its cookies cleared, back to login.
pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    web: WebUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    if let Err(e) = state
        .app
        .accounts()
        .revoke_secret(&web.secret, state.app.now())
        .await
    {
        return crate::error::ApiError::from(e).into_response();
    }
    let secure = cookie_is_secure(&state.settings, &extensions, &headers);
    let mut response = Redirect::to("/login").into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        cookie_header(secure, SESSION_COOKIE, "", true, 0),
    );
    cookies.append(
        header::SET_COOKIE,
        cookie_header(secure, CSRF_COOKIE, "", false, 0),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/journal?tag=a")), "/journal?tag=a");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "\\\\x",
            "/\\evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(query_value("/journal?tag=a b"), "/journal%3Ftag%3Da%20b");
    }
}
