use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{UserId, storable};

/// A worklog id.
pub type WorkLogId = i64;

/// Longest accepted worklog content, in characters.
pub const MAX_CONTENT_CHARS: usize = 100_000;

/// Where an entry came from when nobody says: typed in by its author.
pub const DEFAULT_SOURCE: &str = "manual";

/// One work-log entry: what a user did on a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkLog {
    /// Id.
    pub id: WorkLogId,
    /// Owner.
    pub user_id: UserId,
    /// The day the work was done.
    pub date: NaiveDate,
    /// Free text, Markdown allowed.
    pub content: String,
    /// Optional title.
    pub title: Option<String>,
    /// Tags (project names, themes).
    pub tags: Vec<String>,
    /// Where the entry came from: `manual`, `git`, `email`, ...
    pub source: String,
    /// Free-form metadata object.
    pub metadata: Value,
    /// The analysis, `null` until `worklog.analyze` ran.
    pub analysis: Option<Value>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// The fields of a new worklog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWorkLog {
    /// Owner.
    pub user_id: UserId,
    /// The day the work was done.
    pub date: NaiveDate,
    /// Content, required and non-blank.
    pub content: String,
    /// Optional title.
    pub title: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Source, `manual` by default.
    pub source: String,
    /// Metadata object (`{}` by default).
    pub metadata: Value,
}

impl NewWorkLog {
    /// A manual entry with no title, tags or metadata.
    pub fn new(user_id: UserId, date: NaiveDate, content: impl Into<String>) -> Self {
        NewWorkLog {
            user_id,
            date,
            content: content.into(),
            title: None,
            tags: Vec::new(),
            source: DEFAULT_SOURCE.to_owned(),
            metadata: Value::Object(Default::default()),
        }
    }

    /// Checks every field; the error names the field at fault.
    pub fn validate(&self) -> crate::Result<()> {
        storable::check_date("date", self.date)?;
        validate_content(&self.content)?;
        validate_tags(&self.tags)?;
        validate_source(&self.source)?;
        validate_metadata(&self.metadata)?;
        if let Some(title) = &self.title {
            validate_title(title)?;
        }
        Ok(())
    }
}

impl WorkLogPatch {
    /// The patch that makes `existing` say what `new` says, or `None` when it
    /// already does (an import that changed nothing).
    pub fn to_match(existing: &WorkLog, new: &NewWorkLog) -> Option<WorkLogPatch> {
        let patch = WorkLogPatch {
            date: (existing.date != new.date).then_some(new.date),
            content: (existing.content != new.content).then(|| new.content.clone()),
            title: (existing.title != new.title).then(|| new.title.clone()),
            tags: (existing.tags != new.tags).then(|| new.tags.clone()),
            source: (existing.source != new.source).then(|| new.source.clone()),
            metadata: (existing.metadata != new.metadata).then(|| new.metadata.clone()),
        };
        (patch != WorkLogPatch::default()).then_some(patch)
    }
}

/// A partial update of a worklog; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkLogPatch {
    /// New date.
    pub date: Option<NaiveDate>,
    /// New content (clears the analysis, which no longer matches).
    pub content: Option<String>,
    /// New title; `Some(None)` clears it.
    pub title: Option<Option<String>>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// New source.
    pub source: Option<String>,
    /// New metadata.
    pub metadata: Option<Value>,
}

impl WorkLogPatch {
    /// Checks every present field.
    pub fn validate(&self) -> crate::Result<()> {
        if let Some(date) = self.date {
            storable::check_date("date", date)?;
        }
        if let Some(content) = &self.content {
            validate_content(content)?;
        }
        if let Some(tags) = &self.tags {
            validate_tags(tags)?;
        }
        if let Some(source) = &self.source {
            validate_source(source)?;
        }
        if let Some(metadata) = &self.metadata {
            validate_metadata(metadata)?;
        }
        if let Some(Some(title)) = &self.title {
            validate_title(title)?;
        }
        Ok(())
    }

    /// Applies the patch to `worklog` and stamps `updated_at`. Returns whether the
    /// content changed: that clears the analysis, whose offsets no longer fit, and
    /// the store then drops the worklog's evidence.
    pub fn apply_to(self, worklog: &mut WorkLog, now: DateTime<Utc>) -> bool {
        let mut content_changed = false;
        if let Some(date) = self.date {
            worklog.date = date;
        }
        if let Some(content) = self.content
            && content != worklog.content
        {
            worklog.content = content;
            worklog.analysis = None;
            content_changed = true;
        }
        if let Some(title) = self.title {
            worklog.title = title;
        }
        if let Some(tags) = self.tags {
            worklog.tags = tags;
        }
        if let Some(source) = self.source {
            worklog.source = source;
        }
        if let Some(metadata) = self.metadata {
            worklog.metadata = metadata;
        }
        worklog.updated_at = now;
        content_changed
    }
}

/// Which worklogs to list. Results are ordered newest first (date, then id, descending).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkLogFilter {
    /// Owner; `None` lists every user's (staff views).
    pub user_id: Option<UserId>,
    /// Earliest date, inclusive.
    pub date_from: Option<NaiveDate>,
    /// Latest date, inclusive.
    pub date_to: Option<NaiveDate>,
    /// Only entries carrying this tag.
    pub tag: Option<String>,
    /// Only entries whose content holds this text, ignoring the case of
    /// ASCII letters (stores may fold other letters too; SQLite does not).
    pub text: Option<String>,
    /// Keyset cursor: only entries strictly after this (date, id) in list order.
    pub after: Option<(NaiveDate, WorkLogId)>,
    /// Page size (1..=1000); 0 means the default of 50.
    pub limit: usize,
}

impl WorkLogFilter {
    /// The effective page size.
    pub fn effective_limit(&self) -> usize {
        match self.limit {
            0 => 50,
            n => n.min(1000),
        }
    }

    /// Whether a worklog passes every filter (the cursor included).
    pub fn matches(&self, w: &WorkLog) -> bool {
        self.user_id.is_none_or(|u| w.user_id == u)
            && self.date_from.is_none_or(|d| w.date >= d)
            && self.date_to.is_none_or(|d| w.date <= d)
            && self.tag.as_ref().is_none_or(|t| w.tags.contains(t))
            && self
                .text
                .as_ref()
                .is_none_or(|t| w.content.to_lowercase().contains(&t.to_lowercase()))
            && self.after.is_none_or(|(d, id)| (w.date, w.id) < (d, id))
    }
}

fn validate_content(content: &str) -> crate::Result<()> {
    storable::check_text("content", content)?;
    if content.trim().is_empty() {
        return Err(crate::Error::invalid_input("content: must not be empty"));
    }
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(crate::Error::invalid_input(format!(
            "content: longer than {MAX_CONTENT_CHARS} characters"
        )));
    }
    Ok(())
}

fn validate_title(title: &str) -> crate::Result<()> {
    storable::check_text("title", title)?;
    if title.chars().count() > 300 {
        return Err(crate::Error::invalid_input(
            "title: longer than 300 characters",
        ));
    }
    Ok(())
}

fn validate_tags(tags: &[String]) -> crate::Result<()> {
    if tags.len() > 50 {
        return Err(crate::Error::invalid_input("tags: at most 50 tags"));
    }
    for tag in tags {
        storable::check_text("tags", tag)?;
        if tag.trim().is_empty() || tag.chars().count() > 64 {
            return Err(crate::Error::invalid_input(format!(
                "tags: '{tag}' must be 1 to 64 non-blank characters"
            )));
        }
    }
    Ok(())
}

fn validate_source(source: &str) -> crate::Result<()> {
    if source.is_empty()
        || source.len() > 32
        || !source
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(crate::Error::invalid_input(
            "source: must be 1 to 32 lowercase letters, digits, '-' or '_'",
        ));
    }
    Ok(())
}

fn validate_metadata(metadata: &Value) -> crate::Result<()> {
    if !metadata.is_object() {
        return Err(crate::Error::invalid_input(
            "metadata: must be a JSON object",
        ));
    }
    storable::check_json("metadata", metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn validation_names_the_field() {
        let mut w = NewWorkLog::new(1, day(), "   ");
        assert!(
            w.validate()
                .unwrap_err()
                .to_string()
                .starts_with("content:")
        );
        w.content = "ok".into();
        w.metadata = Value::Array(vec![]);
        assert!(
            w.validate()
                .unwrap_err()
                .to_string()
                .starts_with("metadata:")
        );
        w.metadata = serde_json::json!({});
        w.tags = vec![" ".into()];
        assert!(w.validate().unwrap_err().to_string().starts_with("tags:"));
        w.tags = vec!["billing".into()];
        w.source = "Git Hub".into();
        assert!(w.validate().unwrap_err().to_string().starts_with("source:"));
        w.source = "git".into();
        w.validate().unwrap();
    }

    #[test]
    fn limit_defaults_and_caps() {
        assert_eq!(WorkLogFilter::default().effective_limit(), 50);
        let f = WorkLogFilter {
            limit: 5000,
            ..Default::default()
        };
        assert_eq!(f.effective_limit(), 1000);
    }
}
