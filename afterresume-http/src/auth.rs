//! Who is calling: token or session authentication, CSRF for cookie sessions, and
//! the login rate limiter.
//!
//! - `Authorization: Token <secret>` (as Django REST framework sends it) or
//!   `Bearer <secret>`: an API token from `POST /api/auth/token/`.
//! - The `afterresume_session` cookie, set by `POST /api/auth/login/`: HttpOnly,
//!   SameSite=Lax, Secure unless `AFTERRESUME_SECURE_COOKIES=false`. A session is a
//!   token named `session`, so logout revokes it like any token. Unsafe methods
//!   on a cookie session must carry `X-CSRFToken`, an HMAC of the session under
//!   `SECRET_KEY`: a page on another site can make the browser send the cookie,
//!   but cannot read the token.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use afterresume_core::domain::User;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ApiError;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "afterresume_session";
/// Name of the (readable) CSRF cookie, for browser clients.
pub(crate) const CSRF_COOKIE: &str = "csrftoken";
/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrftoken";
/// Name of the tokens that back sessions.
pub(crate) const SESSION_TOKEN_NAME: &str = "session";
/// Session lifetime (cookie Max-Age).
pub(crate) const SESSION_MAX_AGE: Duration = Duration::from_secs(14 * 24 * 3600);

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// An API token in the `Authorization` header.
    Token,
    /// The session cookie, with the session's secret (for logout).
    Session(String),
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The user.
    pub user: User,
    /// How they proved it.
    pub credential: Credential,
}

impl Caller {
    /// Whether the caller may see `owner`'s objects: their own, or anyone's for staff.
    pub(crate) fn may_see(&self, owner: Option<i64>) -> bool {
        self.user.is_staff || owner == Some(self.user.id)
    }

    /// The user a staff member asks to act for (`?user_id=`), else the caller.
    pub(crate) fn acting_for(&self, requested: Option<i64>) -> Result<i64, ApiError> {
        match requested {
            None => Ok(self.user.id),
            Some(id) if id == self.user.id || self.user.is_staff => Ok(id),
            Some(_) => Err(ApiError::forbidden(
                "user_id: only staff may act for another user",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let now = state.engine.now();
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value
                .to_str()
                .map_err(|_| ApiError::unauthenticated("malformed Authorization header"))?;
            let secret = value
                .strip_prefix("Token ")
                .or_else(|| value.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    ApiError::unauthenticated(
                        "Authorization must be 'Token <token>' or 'Bearer <token>'",
                    )
                })?;
            let (user, _) = state.accounts.user_for_token(secret.trim(), now).await?;
            let caller = Caller {
                user,
                credential: Credential::Token,
            };
            parts.extensions.insert(caller.clone());
            return Ok(caller);
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthenticated(
                "authentication required: send 'Authorization: Token <token>' or log in",
            ));
        };
        let (user, token) = state.accounts.user_for_token(&secret, now).await?;
        if token.name != SESSION_TOKEN_NAME {
            return Err(ApiError::unauthenticated("invalid session"));
        }
        if !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !csrf_matches(&state.settings.secret_key, &secret, sent) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "CSRF check failed: send the X-CSRFToken header with the token from login",
                ));
            }
        }
        let caller = Caller {
            user,
            credential: Credential::Session(secret),
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// A caller that must be staff.
#[derive(Debug, Clone)]
pub(crate) struct Staff;

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.user.is_staff {
            Ok(Staff)
        } else {
            Err(ApiError::forbidden("staff only"))
        }
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// One cookie's value from the `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The CSRF token of a session: HMAC-SHA256(SECRET_KEY, session secret), hex.
pub(crate) fn csrf_token(secret_key: &str, session_secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"csrf:");
    mac.update(session_secret.as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn csrf_matches(secret_key: &str, session_secret: &str, sent: &str) -> bool {
    let expected = csrf_token(secret_key, session_secret);
    // Constant time: compare every byte.
    expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The client's address, when the server was started with connect info.
pub(crate) fn client_ip(parts_extensions: &axum::http::Extensions) -> Option<IpAddr> {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Failed logins allowed per window, per username and per client address.
pub(crate) const LOGIN_FAILURES_ALLOWED: usize = 5;
/// The window of the login limiter.
pub(crate) const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed logins per username and per client address in a sliding window.
/// Per process: behind a load balancer each instance limits on its own, which
/// still bounds guessing to a small multiple of the limit.
#[derive(Debug, Default)]
pub(crate) struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// Seconds until `keys` may try again, if any of them is over the limit.
    pub(crate) fn blocked_for(&self, keys: &[String]) -> Option<u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        keys.iter()
            .filter_map(|key| {
                let window = map.get_mut(key)?;
                while window
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= LOGIN_WINDOW)
                {
                    window.pop_front();
                }
                (window.len() >= LOGIN_FAILURES_ALLOWED).then(|| {
                    let oldest = *window.front()?;
                    Some((LOGIN_WINDOW - now.duration_since(oldest)).as_secs().max(1))
                })?
            })
            .max()
    }

    /// Records a failed attempt for every key.
    pub(crate) fn record_failure(&self, keys: &[String]) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, w| {
                w.back()
                    .is_some_and(|t| now.duration_since(*t) < LOGIN_WINDOW)
            });
        }
        for key in keys {
            map.entry(key.clone()).or_default().push_back(now);
        }
    }

    /// Forgets a username's failures after a successful login.
    pub(crate) fn record_success(&self, username_key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username_key);
    }
}

/// The limiter keys of a login attempt.
pub(crate) fn login_keys(username: &str, ip: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("user:{}", username.trim().to_lowercase())];
    if let Some(ip) = ip {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_bind_the_session_and_the_key() {
        let t = csrf_token("key-one", "ar_session");
        assert!(csrf_matches("key-one", "ar_session", &t));
        assert!(!csrf_matches("key-two", "ar_session", &t));
        assert!(!csrf_matches("key-one", "ar_other", &t));
        assert!(!csrf_matches("key-one", "ar_session", ""));
    }

    #[test]
    fn the_limiter_blocks_after_five_failures() {
        let limiter = LoginLimiter::default();
        let keys = login_keys("Alice", None);
        for _ in 0..LOGIN_FAILURES_ALLOWED {
            assert!(limiter.blocked_for(&keys).is_none());
            limiter.record_failure(&keys);
        }
        let wait = limiter.blocked_for(&keys).unwrap();
        assert!(wait > 0 && wait <= LOGIN_WINDOW.as_secs());
        assert!(limiter.blocked_for(&login_keys("bob", None)).is_none());
        limiter.record_success(&keys[0]);
        assert!(limiter.blocked_for(&keys).is_none());
    }

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "a=1; afterresume_session=ar_x".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("ar_x"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
