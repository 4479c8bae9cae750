use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A user id (integer, as in the reference design).
pub type UserId = i64;
/// An API token id.
pub type TokenId = i64;

/// An account. The password hash is never serialized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Unique login name.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Display name used on resumes.
    pub full_name: String,
    /// PHC-format password hash (argon2); empty for accounts that cannot log in.
    #[serde(skip_serializing, default)]
    pub password_hash: String,
    /// Staff see every user's data and the system dashboard.
    pub is_staff: bool,
    /// Inactive users cannot authenticate.
    pub is_active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// The fields of a new user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    /// Unique login name: 1-150 characters of letters, digits and `@.+-_`.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// PHC-format password hash, already hashed by the caller.
    pub password_hash: String,
    /// Staff flag.
    pub is_staff: bool,
}

impl NewUser {
    /// Checks the username and email; the error names the field.
    pub fn validate(&self) -> crate::Result<()> {
        let name = self.username.as_str();
        if name.is_empty() || name.chars().count() > 150 {
            return Err(crate::Error::invalid_input(
                "username: must be 1 to 150 characters",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        {
            return Err(crate::Error::invalid_input(
                "username: only letters, digits and @.+-_ are allowed",
            ));
        }
        let email = self.email.as_str();
        if !email.is_empty() {
            let valid = email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
            if !valid || email.chars().any(char::is_whitespace) {
                return Err(crate::Error::invalid_input(
                    "email: not a valid email address",
                ));
            }
        }
        super::storable::check_text("email", email)?;
        super::storable::check_text("full_name", &self.full_name)?;
        if self.full_name.chars().count() > 200 {
            return Err(crate::Error::invalid_input(
                "full_name: must be at most 200 characters",
            ));
        }
        Ok(())
    }
}

/// An API token. Only a hash of the secret is stored; the secret itself is shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Id.
    pub id: TokenId,
    /// Owner.
    pub user_id: UserId,
    /// A label chosen by the user ("laptop", "ci").
    pub name: String,
    /// Hex SHA-256 of the secret; never serialized.
    #[serde(skip_serializing, default)]
    pub token_hash: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last successful use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set when revoked; revoked tokens never authenticate.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the token stops authenticating (sessions); `None` never expires.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// How precisely a token's `last_used_at` is kept: a use rewrites it only when
/// the stored time is at least this old. Authenticating a request is then a read,
/// not a write, on every store (a write per request serialised every API call
/// behind the database's one writer).
pub const TOKEN_USE_RESOLUTION: TimeDelta = TimeDelta::seconds(60);

impl ApiToken {
    /// Whether the token authenticates at `now`: not revoked and not expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| now < end)
    }

    /// Whether a use at `now` must record itself (see [`TOKEN_USE_RESOLUTION`]).
    pub fn use_is_due(&self, now: DateTime<Utc>) -> bool {
        self.last_used_at
            .is_none_or(|last| now - last >= TOKEN_USE_RESOLUTION)
    }
}

/// The fields of a new API token.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApiToken {
    /// Owner.
    pub user_id: UserId,
    /// Label.
    pub name: String,
    /// Hex SHA-256 of the secret (hashed by the caller).
    pub token_hash: String,
    /// When it stops authenticating; `None` never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A page of a user's tokens, by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenPage {
    /// Only tokens with a larger id (keyset cursor).
    pub after: Option<TokenId>,
    /// Page size; 0 means no limit.
    pub limit: usize,
    /// Only tokens live at this time (neither revoked nor expired).
    pub live_at: Option<DateTime<Utc>>,
}

impl TokenPage {
    /// Whether a token belongs on this page (the limit aside).
    pub fn matches(&self, token: &ApiToken) -> bool {
        self.after.is_none_or(|after| token.id > after)
            && self.live_at.is_none_or(|now| token.is_live(now))
    }
}
