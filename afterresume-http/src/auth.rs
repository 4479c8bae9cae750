//! Who is calling: token or session authentication, CSRF for cookie sessions, and
//! the client's address.
//!
//! - `Authorization: Token <secret>` (as Django REST framework sends it) or
//!   `Bearer <secret>`: an API token from `POST /api/auth/token/`.
//! - The `afterresume_session` cookie, set by `POST /api/auth/login/`: HttpOnly,
//!   SameSite=Lax, Secure over HTTPS (`AFTERRESUME_SECURE_COOKIES`). A session is a
//!   token named `session`, so logout revokes it like any token. Unsafe methods
//!   on a cookie session must carry `X-CSRFToken`, an HMAC of the session under
//!   `SECRET_KEY`: a page on another site can make the browser send the cookie,
//!   but cannot read the token.

use std::net::{IpAddr, SocketAddr};

use afterresume_core::domain::User;
use afterresume_core::service::Actor;
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

/// How the caller authenticated. `Debug` never prints the session secret.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// An API token in the `Authorization` header.
    Token,
    /// The session cookie, with the session's secret (for logout).
    Session(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Token => f.write_str("Token"),
            Credential::Session(_) => f.write_str("Session(<redacted>)"),
        }
    }
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
    /// The caller as the core's use cases know them.
    pub(crate) fn actor(&self) -> Actor {
        Actor::user(&self.user)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let now = state.app.now();
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
            let (user, _) = state
                .app
                .accounts()
                .user_for_token(secret.trim(), now)
                .await?;
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
        let (user, token) = state.app.accounts().user_for_token(&secret, now).await?;
        if token.name != afterresume_core::accounts::SESSION_TOKEN_NAME {
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
pub(crate) struct Staff(pub(crate) Caller);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.actor().require_operator()?;
        Ok(Staff(caller))
    }
}

/// A caller that may read `/metrics`: staff, or Prometheus with
/// `Authorization: Bearer <AFTERRESUME_METRICS_TOKEN>`. Per-route counts and job
/// counts are operational data, not for every user.
#[derive(Debug, Clone)]
pub(crate) struct MetricsReader;

impl FromRequestParts<AppState> for MetricsReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(expected) = &state.settings.metrics_token {
            let sent = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            if sent.is_some_and(|sent| constant_time_eq(sent, expected)) {
                return Ok(MetricsReader);
            }
        }
        Staff::from_request_parts(parts, state).await?;
        Ok(MetricsReader)
    }
}

/// Compares every byte, so the time taken does not tell how much matched.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
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
    constant_time_eq(&csrf_token(secret_key, session_secret), sent)
}

/// The client's address: the peer of the connection, or, when the peer is a
/// trusted proxy (`AFTERRESUME_TRUSTED_PROXIES`), the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy. Headers from anyone else
/// are ignored, so a client cannot choose its own address.
pub(crate) fn client_ip(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_credential_prints_no_secret() {
        let printed = format!("{:?}", Credential::Session("ses-secret-value".into()));
        assert!(!printed.contains("ses-secret-value"), "{printed}");
    }

    #[test]
    fn csrf_tokens_bind_the_session_and_the_key() {
        let t = csrf_token("key-one", "ar_session");
        assert!(csrf_matches("key-one", "ar_session", &t));
        assert!(!csrf_matches("key-two", "ar_session", &t));
        assert!(!csrf_matches("key-one", "ar_other", &t));
        assert!(!csrf_matches("key-one", "ar_session", ""));
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let mut extensions = axum::http::Extensions::new();
        let proxy: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        extensions.insert(ConnectInfo(proxy));
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        let trusted = ["10.0.0.1".parse().unwrap()];
        assert_eq!(
            client_ip(&extensions, &headers, &trusted),
            Some("1.2.3.4".parse().unwrap()),
            "the proxy's own entry is the last one"
        );
        assert_eq!(
            client_ip(&extensions, &headers, &[]),
            Some(proxy.ip()),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            client_ip(&extensions, &HeaderMap::new(), &trusted),
            Some(proxy.ip())
        );
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
