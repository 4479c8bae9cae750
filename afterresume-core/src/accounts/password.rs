//! Passwords: Argon2id hashes, computed off the async workers on a bounded pool,
//! and a dummy hash that makes a login for an unknown username cost what one for
//! a known username costs.

use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::{Error, Result};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (hashing cost is bounded by input size).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Argon2 runs at most this many at a time, on tokio's blocking threads: a burst
/// of logins then waits its turn instead of occupying every core (and, run on the
/// async workers, stalling every other request of the process).
static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Arc::new(Semaphore::new((cores / 2).max(1)))
});

/// A hash of a random password, verified against when the username is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let secret = uuid::Uuid::new_v4().simple().to_string();
    hash_password(&secret).expect("a 32-character password hashes")
});

/// Computes the dummy hash ahead of the first login for an unknown user, so that
/// login does not pay for it (and stand out by its time).
pub(super) fn prepare_dummy_hash() {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn_blocking(|| LazyLock::force(&DUMMY_HASH));
    }
}

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

pub(super) fn check_password(password: &str) -> Result<()> {
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

/// Runs one Argon2 computation on the bounded pool.
async fn on_hashing_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let _permit = Arc::clone(&HASHING)
        .acquire_owned()
        .await
        .map_err(|_| Error::unexpected("the password hashing pool is closed"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::unexpected(format!("password hashing task: {e}")))
}

/// [`hash_password`] on the bounded pool.
pub(super) async fn hash_off_thread(password: String) -> Result<String> {
    on_hashing_pool(move || hash_password(&password)).await?
}

/// [`verify_password`] on the bounded pool; `None` verifies against the dummy
/// hash (and never matches), so unknown usernames take as long as known ones.
pub(super) async fn verify_off_thread(
    stored_hash: Option<String>,
    password: String,
) -> Result<bool> {
    on_hashing_pool(move || match stored_hash {
        Some(hash) => verify_password(&hash, &password),
        None => {
            verify_password(&DUMMY_HASH, &password);
            false
        }
    })
    .await
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

    #[tokio::test]
    async fn unknown_users_verify_against_the_dummy_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(
            verify_off_thread(Some(hash), "correct horse".into())
                .await
                .unwrap()
        );
        assert!(
            !verify_off_thread(None, "correct horse".into())
                .await
                .unwrap()
        );
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
    }
}
