use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::UserId;

/// A resume id.
pub type ResumeId = i64;

/// One version of a user's resume. Every refresh adds a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resume {
    /// Id.
    pub id: ResumeId,
    /// Owner.
    pub user_id: UserId,
    /// Version, 1 for the first and +1 on every refresh.
    pub version: u32,
    /// The JSON Resume 1.0.0 document.
    pub document: Value,
    /// Markdown render.
    pub markdown: String,
    /// HTML render.
    pub html: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// The fields of a new resume version; the store assigns the version number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewResume {
    /// Owner.
    pub user_id: UserId,
    /// JSON Resume document.
    pub document: Value,
    /// Markdown render.
    pub markdown: String,
    /// HTML render.
    pub html: String,
}
