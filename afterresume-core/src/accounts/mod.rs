//! Accounts: passwords hashed with Argon2id, API tokens stored as SHA-256 digests,
//! and the two ways a caller proves who it is. Every host (HTTP, Python, the CLI)
//! goes through here, so the rules live once.
//!
//! A token secret is shown once, when issued; the store keeps only its digest, so a
//! leaked database holds no usable credential. Sessions of the HTTP host are tokens
//! too (named `session`), which makes logout a revocation like any other.

mod login_limits;
mod password;

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{ApiToken, NewApiToken, NewUser, TokenId, TokenPage, User, UserId};
use crate::ports::{SharedDomainStore, ThrottleDecision};
use crate::{Error, ErrorKind, Result};

use login_limits::LoginKeys;
pub use login_limits::LoginLimits;
pub use password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, hash_password, verify_password};

/// Prefix of every token secret, so leaked secrets are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "ar_";
/// Name of the tokens that back login sessions.
pub const SESSION_TOKEN_NAME: &str = "session";
/// How long a session authenticates after login.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);
/// Live API tokens (not sessions) a user may hold; issuing one more is refused.
pub const MAX_API_TOKENS: usize = 50;
/// Live sessions a user may hold; a new login ends the oldest beyond this.
pub const MAX_SESSIONS: usize = 20;
/// Name of the error context entry that says how many seconds to wait.
pub const RETRY_AFTER_CONTEXT: &str = "retry_after_secs";

/// A fresh token secret: the prefix and 244 random bits in hex.
pub fn new_token_secret() -> String {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    format!("{TOKEN_PREFIX}{}{}", a.simple(), b.simple())
}

/// The digest a token is stored and looked up by.
pub fn token_digest(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// A token just issued: the record and the secret, which is never stored (nor
/// printed by `Debug`).
#[derive(Clone)]
pub struct IssuedToken {
    /// The stored record.
    pub token: ApiToken,
    /// The secret to hand to the client, once.
    pub secret: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The fields of a new account, with the password in clear (hashed here; never
/// printed by `Debug`).
#[derive(Clone, Default)]
pub struct NewAccount {
    /// Login name.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Display name (defaults to the username).
    pub full_name: String,
    /// Password in clear; hashed with Argon2id before it is stored.
    pub password: String,
    /// Staff flag.
    pub is_staff: bool,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("full_name", &self.full_name)
            .field("password", &"<redacted>")
            .field("is_staff", &self.is_staff)
            .finish()
    }
}

/// A login attempt: credentials and, from a network host, the client's address.
#[derive(Clone, Copy)]
pub struct LoginAttempt<'a> {
    /// Username as typed.
    pub username: &'a str,
    /// Password in clear.
    pub password: &'a str,
    /// The client's address; `None` for in-process callers (Python, the CLI).
    pub address: Option<IpAddr>,
}

impl std::fmt::Debug for LoginAttempt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("address", &self.address)
            .finish()
    }
}

/// Account operations over the domain store.
#[derive(Debug, Clone)]
pub struct Accounts {
    domain: SharedDomainStore,
    limits: LoginLimits,
}

impl Accounts {
    /// Accounts over a domain store, with the default login limits.
    pub fn new(domain: SharedDomainStore) -> Self {
        password::prepare_dummy_hash();
        Accounts {
            domain,
            limits: LoginLimits::default(),
        }
    }

    /// Replaces the login limits.
    pub fn with_login_limits(mut self, limits: LoginLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Creates a user; validates the username, email and password first and stores
    /// nothing when one is wrong. A taken username is `AlreadyExists`.
    pub async fn create_user(&self, account: NewAccount, now: DateTime<Utc>) -> Result<User> {
        let full_name = if account.full_name.trim().is_empty() {
            account.username.clone()
        } else {
            account.full_name.trim().to_owned()
        };
        let mut user = NewUser {
            username: account.username.trim().to_owned(),
            email: account.email.trim().to_owned(),
            full_name,
            password_hash: String::new(),
            is_staff: account.is_staff,
        };
        user.validate()?;
        password::check_password(&account.password)?;
        user.password_hash = password::hash_off_thread(account.password).await?;
        self.domain.create_user(user, now).await
    }

    /// The active user with this username and password, under the login limits.
    /// Every wrong username or password is the same `Unauthenticated` error, and
    /// both take one Argon2 verification, so neither the answer nor its timing
    /// tells which usernames exist. Over a limit the answer is `RateLimited`, with
    /// the seconds to wait in the [`RETRY_AFTER_CONTEXT`] context entry, and no
    /// password is checked.
    pub async fn login(&self, attempt: LoginAttempt<'_>, now: DateTime<Utc>) -> Result<User> {
        let keys = LoginKeys::new(attempt.username, attempt.address);
        let known = self.is_known(&keys, now).await?;
        let limits = keys.limits(&self.limits, known);
        if let ThrottleDecision::Blocked { retry_after } = self.domain.acquire(&limits, now).await?
        {
            let seconds = retry_after.as_secs().max(1);
            return Err(Error::new(
                ErrorKind::RateLimited,
                format!("too many failed logins; try again in {seconds} s"),
            )
            .with_context(RETRY_AFTER_CONTEXT, seconds));
        }
        match self.verify(attempt.username, attempt.password).await {
            Ok(user) => {
                let mut reset = vec![keys.pair.clone(), keys.account.clone()];
                reset.extend(keys.known.clone());
                self.domain.reset(&reset, now).await?;
                if let (Some(address), false) = (&keys.address, known) {
                    self.domain.release(address).await?;
                }
                Ok(user)
            }
            // The attempt stays counted: it was a failure.
            Err(e) => Err(e),
        }
    }

    /// Whether the account logged in from this address within `known_address_for`.
    async fn is_known(&self, keys: &LoginKeys, now: DateTime<Utc>) -> Result<bool> {
        let Some(key) = &keys.known else {
            return Ok(false);
        };
        let horizon = TimeDelta::from_std(self.limits.known_address_for).unwrap_or(TimeDelta::MAX);
        Ok(self
            .domain
            .counter(key)
            .await?
            .is_some_and(|c| now < c.window_start + horizon))
    }

    /// Checks a username and password, without limits.
    async fn verify(&self, username: &str, password: &str) -> Result<User> {
        let denied = || Error::new(ErrorKind::Unauthenticated, "invalid username or password");
        let username = username.trim();
        let plausible = !username.is_empty() && username.len() <= 150 && !username.contains('\0');
        let user = if plausible {
            match self.domain.get_user_by_username(username).await {
                Ok(user) => Some(user),
                Err(e) if e.is(ErrorKind::NotFound) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let hash = user
            .as_ref()
            .filter(|u| u.is_active)
            .map(|u| u.password_hash.clone());
        let matches = password::verify_off_thread(hash, password.to_owned()).await?;
        match user {
            Some(user) if matches => Ok(user),
            _ => Err(denied()),
        }
    }

    /// Deletes login counters whose window ended long ago (and addresses no
    /// longer known); returns how many.
    pub async fn purge_login_counters(&self, now: DateTime<Utc>) -> Result<u64> {
        let keep = self.limits.known_address_for.max(self.limits.window);
        let horizon = TimeDelta::from_std(keep).unwrap_or(TimeDelta::MAX);
        self.domain.purge(now - horizon).await
    }

    /// Issues an API token for a user; the secret is in the answer and nowhere
    /// else. A user holds at most [`MAX_API_TOKENS`] live ones: one more is a
    /// `Conflict` until one is revoked.
    pub async fn issue_token(
        &self,
        user_id: UserId,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid_input("name: must be 1 to 100 characters"));
        }
        crate::domain::storable::check_text("name", name)?;
        if name == SESSION_TOKEN_NAME {
            return Err(Error::invalid_input(
                "name: 'session' is reserved for login sessions",
            ));
        }
        let live = self.live_tokens(user_id, now).await?;
        if live.iter().filter(|t| t.name != SESSION_TOKEN_NAME).count() >= MAX_API_TOKENS {
            return Err(Error::conflict(format!(
                "a user holds at most {MAX_API_TOKENS} API tokens; revoke one first"
            )));
        }
        self.create_token(user_id, name, None, now).await
    }

    /// Starts a login session: a token named `session` that expires after
    /// [`SESSION_LIFETIME`]. Beyond [`MAX_SESSIONS`] live sessions the oldest end.
    pub async fn start_session(&self, user_id: UserId, now: DateTime<Utc>) -> Result<IssuedToken> {
        let live = self.live_tokens(user_id, now).await?;
        let sessions: Vec<&ApiToken> = live
            .iter()
            .filter(|t| t.name == SESSION_TOKEN_NAME)
            .collect();
        let surplus = (sessions.len() + 1).saturating_sub(MAX_SESSIONS);
        for oldest in sessions.into_iter().take(surplus) {
            self.domain.revoke_token(user_id, oldest.id, now).await?;
        }
        let lifetime = TimeDelta::from_std(SESSION_LIFETIME).unwrap_or(TimeDelta::MAX);
        self.create_token(user_id, SESSION_TOKEN_NAME, Some(now + lifetime), now)
            .await
    }

    async fn create_token(
        &self,
        user_id: UserId,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken> {
        let secret = new_token_secret();
        let token = self
            .domain
            .create_token(
                NewApiToken {
                    user_id,
                    name: name.to_owned(),
                    token_hash: token_digest(&secret),
                    expires_at,
                },
                now,
            )
            .await?;
        Ok(IssuedToken { token, secret })
    }

    async fn live_tokens(&self, user_id: UserId, now: DateTime<Utc>) -> Result<Vec<ApiToken>> {
        let page = TokenPage {
            live_at: Some(now),
            ..TokenPage::default()
        };
        self.domain.list_tokens(user_id, page).await
    }

    /// A page of a user's live tokens (sessions included), by id: at most `limit`
    /// after the token `after`.
    pub async fn list_tokens(
        &self,
        user_id: UserId,
        after: Option<TokenId>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<ApiToken>> {
        let page = TokenPage {
            after,
            limit,
            live_at: Some(now),
        };
        self.domain.list_tokens(user_id, page).await
    }

    /// Revokes one of a user's tokens; another user's token is `NotFound`.
    pub async fn revoke_token(
        &self,
        user_id: UserId,
        id: TokenId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.domain.revoke_token(user_id, id, now).await
    }

    /// The active user a token secret belongs to, and the token. Unknown, revoked
    /// and malformed secrets, and inactive users, are all `Unauthenticated`.
    pub async fn user_for_token(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(User, ApiToken)> {
        let denied = || Error::new(ErrorKind::Unauthenticated, "invalid or revoked token");
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Err(denied());
        }
        let token = match self.domain.use_token(&token_digest(secret), now).await {
            Ok(token) => token,
            Err(e) if e.is(ErrorKind::NotFound) => return Err(denied()),
            Err(e) => return Err(e),
        };
        let user = self.domain.get_user(token.user_id).await?;
        if !user.is_active {
            return Err(denied());
        }
        Ok((user, token))
    }

    /// Revokes one of a user's tokens by secret (logout).
    pub async fn revoke_secret(&self, secret: &str, now: DateTime<Utc>) -> Result<()> {
        let (user, token) = self.user_for_token(secret, now).await?;
        self.domain.revoke_token(user.id, token.id, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_passwords() {
        let account = NewAccount {
            password: "hunter2-hunter2".into(),
            ..Default::default()
        };
        let attempt = LoginAttempt {
            username: "alice",
            password: "hunter2-hunter2",
            address: None,
        };
        for printed in [format!("{account:?}"), format!("{attempt:?}")] {
            assert!(!printed.contains("hunter2"), "{printed}");
        }
    }

    #[test]
    fn an_issued_token_prints_no_secret() {
        let secret = new_token_secret();
        let issued = IssuedToken {
            token: ApiToken {
                id: 1,
                user_id: 1,
                name: "laptop".into(),
                token_hash: token_digest(&secret),
                created_at: chrono::Utc::now(),
                last_used_at: None,
                revoked_at: None,
                expires_at: None,
            },
            secret: secret.clone(),
        };
        let printed = format!("{issued:?}");
        assert!(!printed.contains(&secret), "{printed}");
        assert!(printed.contains("laptop"));
    }

    #[test]
    fn token_secrets_are_unique_and_stored_by_digest() {
        let (a, b) = (new_token_secret(), new_token_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), a);
    }
}
