use std::fmt::{self, Debug};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The longest accepted key, in bytes.
pub const MAX_KEY_LEN: usize = 1024;

/// A validated artifact key: `/`-separated relative segments such as
/// `resumes/42/v3.html`. No empty, `.` or `..` segment, no leading `/`, no backslash,
/// no control character, at most [`MAX_KEY_LEN`] bytes. Keys can therefore never
/// escape the root of a filesystem store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArtifactKey(String);

impl ArtifactKey {
    /// Validates a key.
    pub fn parse(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        Self::check(&key, false)?;
        Ok(ArtifactKey(key))
    }

    /// Validates a listing prefix: like a key, but may be empty or end with `/`.
    pub fn validate_prefix(prefix: &str) -> Result<()> {
        if prefix.is_empty() {
            return Ok(());
        }
        Self::check(prefix.strip_suffix('/').unwrap_or(prefix), true)
    }

    fn check(key: &str, is_prefix: bool) -> Result<()> {
        let what = if is_prefix { "prefix" } else { "key" };
        let invalid = |why: &str| {
            Err(Error::invalid_input(format!(
                "invalid artifact {what} '{key}': {why}"
            )))
        };
        if key.is_empty() {
            return invalid("must not be empty");
        }
        if key.len() > MAX_KEY_LEN {
            return invalid("longer than 1024 bytes");
        }
        if key.starts_with('/') {
            return invalid("must be relative (no leading '/')");
        }
        if key.contains('\\') {
            return invalid("must not contain '\\'");
        }
        if key.chars().any(char::is_control) {
            return invalid("must not contain control characters");
        }
        for segment in key.split('/') {
            match segment {
                "" => return invalid("must not contain empty segments ('//' or a trailing '/')"),
                "." | ".." => return invalid("must not contain '.' or '..' segments"),
                _ => {}
            }
        }
        Ok(())
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArtifactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ArtifactKey {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        ArtifactKey::parse(value)
    }
}

impl From<ArtifactKey> for String {
    fn from(key: ArtifactKey) -> String {
        key.0
    }
}

/// What an artifact store can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArtifactCapabilities {
    /// `presign_get` returns a URL that works without credentials.
    pub presign: bool,
    /// Large objects are uploaded in parts.
    pub multipart: bool,
}

impl ArtifactCapabilities {
    /// Capabilities as given.
    pub fn new(presign: bool, multipart: bool) -> Self {
        ArtifactCapabilities { presign, multipart }
    }
}

/// Options of a put.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// MIME type; `application/octet-stream` when absent.
    pub content_type: Option<String>,
}

/// What a store knows about one artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactMeta {
    /// Key.
    pub key: ArtifactKey,
    /// Size in bytes.
    pub size: u64,
    /// MIME type.
    pub content_type: String,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    /// When it was last written.
    pub last_modified: DateTime<Utc>,
}

/// An artifact's bytes and metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Metadata.
    pub meta: ArtifactMeta,
    /// Bytes.
    pub bytes: Vec<u8>,
}

/// Bytes by key: reports, resumes, exports, attachments.
///
/// # Contract
/// - `put` replaces any artifact with the same key atomically: readers see the old or
///   the new bytes, never a mix. It records size, content type and SHA-256.
/// - `get` and `head` of a missing key are [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
/// - `list` returns every artifact whose key starts with the prefix, ordered by key.
/// - `delete` of a missing key succeeds (deletion is idempotent).
/// - Keys are [`ArtifactKey`]s; prefixes are validated the same way.
#[async_trait]
pub trait ArtifactStore: Send + Sync + Debug + 'static {
    /// What this store can do.
    fn capabilities(&self) -> ArtifactCapabilities;

    /// Stores bytes under a key.
    async fn put(
        &self,
        key: &ArtifactKey,
        bytes: Vec<u8>,
        opts: &PutOptions,
    ) -> Result<ArtifactMeta>;

    /// Reads an artifact.
    async fn get(&self, key: &ArtifactKey) -> Result<Artifact>;

    /// Reads an artifact's metadata.
    async fn head(&self, key: &ArtifactKey) -> Result<ArtifactMeta>;

    /// Lists artifacts under a prefix (`""` for all), ordered by key.
    async fn list(&self, prefix: &str) -> Result<Vec<ArtifactMeta>>;

    /// Deletes an artifact.
    async fn delete(&self, key: &ArtifactKey) -> Result<()>;

    /// A URL that reads the artifact without credentials until it expires.
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) without `presign`.
    async fn presign_get(&self, key: &ArtifactKey, expires_in: Duration) -> Result<String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_root() {
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "a//b",
            "a/",
            "./a",
            "a\\b",
            "a\nb",
        ] {
            assert!(ArtifactKey::parse(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["a", "resumes/42/v3.html", "reports/2026-11-23.md", "a..b/c"] {
            ArtifactKey::parse(good).unwrap();
        }
        ArtifactKey::validate_prefix("").unwrap();
        ArtifactKey::validate_prefix("resumes/").unwrap();
        assert!(ArtifactKey::validate_prefix("../").is_err());
    }
}
