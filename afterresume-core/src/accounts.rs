//! Accounts: passwords hashed with Argon2id, API tokens stored as SHA-256 digests,
//! and the two ways a caller proves who it is. Every host (HTTP, Python, the CLI)
//! goes through here, so the rules live once.
//!
//! A token secret is shown once, when issued; the store keeps only its digest, so a
//! leaked database holds no usable credential. Sessions of the HTTP host are tokens
//! too (named `session`), which makes logout a revocation like any other.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{ApiToken, NewApiToken, NewUser, User, UserId};
use crate::ports::SharedDomainStore;
use crate::{Error, ErrorKind, Result};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (hashing cost is bounded by input size).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Prefix of every token secret, so leaked secrets are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "ar_";

/// Hashes a password into a PHC string (Argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String> {
    check_password(password)?;
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| Error::unexpected(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::unexpected(format!("password hash: {e}")))
}

/// Whether `password` matches a stored PHC hash. An empty or malformed hash
/// matches nothing (accounts without a password cannot log in).
pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(stored_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid_input(format!(
            "password: must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::invalid_input(format!(
            "password: must be at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(())
}

/// A fresh token secret: the prefix and 244 random bits in hex.
pub fn new_token_secret() -> String {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    format!("{TOKEN_PREFIX}{}{}", a.simple(), b.simple())
}

/// The digest a token is stored and looked up by.
pub fn token_digest(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// A token just issued: the record and the secret, which is never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The stored record.
    pub token: ApiToken,
    /// The secret to hand to the client, once.
    pub secret: String,
}

/// The fields of a new account, with the password in clear (hashed here).
#[derive(Debug, Clone, Default)]
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

/// Account operations over the domain store.
#[derive(Debug, Clone)]
pub struct Accounts {
    domain: SharedDomainStore,
}

impl Accounts {
    /// Accounts over a domain store.
    pub fn new(domain: SharedDomainStore) -> Self {
        Accounts { domain }
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
        user.password_hash = hash_password(&account.password)?;
        self.domain.create_user(user, now).await
    }

    /// The active user with this username and password. Every failure is the same
    /// `Unauthenticated` error, so callers cannot probe which usernames exist.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<User> {
        let denied = || Error::new(ErrorKind::Unauthenticated, "invalid username or password");
        let user = match self.domain.get_user_by_username(username.trim()).await {
            Ok(user) => user,
            Err(e) if e.is(ErrorKind::NotFound) => return Err(denied()),
            Err(e) => return Err(e),
        };
        if user.is_active && verify_password(&user.password_hash, password) {
            Ok(user)
        } else {
            Err(denied())
        }
    }

    /// Issues a token for a user; the secret is in the answer and nowhere else.
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
        let secret = new_token_secret();
        let token = self
            .domain
            .create_token(
                NewApiToken {
                    user_id,
                    name: name.to_owned(),
                    token_hash: token_digest(&secret),
                },
                now,
            )
            .await?;
        Ok(IssuedToken { token, secret })
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
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong horse"));
        assert!(!verify_password("", "anything"));
        assert_ne!(hash, hash_password("correct horse").unwrap(), "salted");
        let err = hash_password("short").unwrap_err();
        assert!(err.to_string().starts_with("password:"), "{err}");
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
