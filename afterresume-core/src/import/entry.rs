//! What every importer produces, and how its failures are reported.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{NewWorkLog, UserId};
use crate::{Error, Result};

/// Key of an [`Error`] context entry that names one bad field or row
/// (`"notes.csv:7: date: ..."`); a host lists each as a field error.
pub const FIELD_ERROR_CONTEXT: &str = "field_error";

/// Most row errors one failure lists.
const MAX_LISTED_ERRORS: usize = 50;

/// Where an entry came from: a file (or repository) and a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The file's name as given, or a repository's name.
    pub file: String,
    /// 1-based line; 0 when the source has no lines (a git day).
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// One worklog to import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportEntry {
    /// The day.
    pub date: NaiveDate,
    /// What was done.
    pub content: String,
    /// Optional title.
    pub title: Option<String>,
    /// Tags (projects).
    pub tags: Vec<String>,
    /// `git`, `markdown`, `jrnl`, `csv`, `jsonl`.
    pub source: String,
    /// Stable across runs: what makes a re-import update instead of create.
    pub external_id: String,
    /// A JSON object (commit ids, the file it came from).
    pub metadata: Value,
    /// Where it came from, for error messages.
    pub origin: Origin,
}

impl ImportEntry {
    /// The worklog this entry becomes, checked; the error names the origin.
    pub fn to_new_worklog(&self, user_id: UserId) -> Result<NewWorkLog> {
        let mut new = NewWorkLog::new(user_id, self.date, self.content.clone());
        new.title = self.title.clone();
        new.tags = self.tags.clone();
        new.source = self.source.clone();
        new.metadata = self.metadata.clone();
        new.validate()
            .map_err(|e| Error::invalid_input(format!("{}: {}", self.origin, e.message())))?;
        Ok(new)
    }
}

/// Adds a row error for every entry that could not be stored as a worklog
/// (empty or over-long content, a bad tag), so one pass over a file reports
/// its parse errors and its content errors together.
pub fn check_entries(entries: &[ImportEntry], errors: &mut RowErrors) {
    for entry in entries {
        if let Err(e) = entry.to_new_worklog(0) {
            let prefix = format!("{}: ", entry.origin);
            errors.push(
                &entry.origin,
                e.message().strip_prefix(&prefix).unwrap_or(e.message()),
            );
        }
    }
}

/// An external id: source, scope (a file or repository) and key, each kept to
/// what an id may hold.
pub fn external_id(source: &str, scope: &str, key: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { '_' } else { c })
            .take(120)
            .collect()
    };
    format!("{source}:{}:{}", clean(scope), clean(key))
}

/// The formats a file may be imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    /// A folder of daily notes, or one file with a `## YYYY-MM-DD` heading per day.
    Markdown,
    /// jrnl's plain-text export: `[YYYY-MM-DD HH:MM] Title` then the body.
    Jrnl,
    /// `date,content[,tags][,title][,id]` with a header row.
    Csv,
    /// One JSON object per line: `date`, `content`, optional `tags`, `title`, `id`.
    Jsonl,
}

impl ImportFormat {
    /// Every format, as named in requests.
    pub const ALL: [ImportFormat; 4] = [
        ImportFormat::Markdown,
        ImportFormat::Jrnl,
        ImportFormat::Csv,
        ImportFormat::Jsonl,
    ];

    /// The name used in requests and in `source`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Markdown => "markdown",
            ImportFormat::Jrnl => "jrnl",
            ImportFormat::Csv => "csv",
            ImportFormat::Jsonl => "jsonl",
        }
    }

    /// Parses a format name (`md` and `json-lines` too).
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "markdown" | "md" => Ok(ImportFormat::Markdown),
            "jrnl" => Ok(ImportFormat::Jrnl),
            "csv" => Ok(ImportFormat::Csv),
            "jsonl" | "json-lines" | "ndjson" => Ok(ImportFormat::Jsonl),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(Error::invalid_input(format!(
                    "format: '{}' is not one of markdown, jrnl, csv, jsonl",
                    shown.escape_default()
                )))
            }
        }
    }
}

/// Row errors gathered while parsing, so a person fixes them all at once.
#[derive(Debug, Default)]
pub struct RowErrors {
    errors: Vec<String>,
    total: usize,
}

impl RowErrors {
    /// Records what is wrong at an origin.
    pub fn push(&mut self, origin: &Origin, problem: impl fmt::Display) {
        self.total += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(format!("{origin}: {problem}"));
        }
    }

    /// Whether nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// `Ok(value)` when nothing was wrong, else one error listing every row.
    pub fn into_result<T>(self, value: T) -> Result<T> {
        if self.total == 0 {
            return Ok(value);
        }
        let first = &self.errors[0];
        let message = if self.total == 1 {
            first.clone()
        } else {
            format!(
                "{} rows are invalid; nothing was imported. First: {first}",
                self.total
            )
        };
        let mut err = Error::invalid_input(message);
        for e in self.errors {
            err = err.with_context(FIELD_ERROR_CONTEXT, e);
        }
        Err(err)
    }
}

/// What an import did with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportOutcome {
    /// A new worklog.
    Created,
    /// An existing one (same external id) whose fields changed.
    Updated,
    /// An existing one, already as imported.
    Unchanged,
}

/// Counts of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Entries read.
    pub read: usize,
    /// New worklogs.
    pub created: usize,
    /// Worklogs changed.
    pub updated: usize,
    /// Worklogs already as imported.
    pub unchanged: usize,
    /// Files or notes skipped (no date in the name, nothing but a template).
    pub skipped: usize,
}

impl ImportSummary {
    /// Adds one entry's outcome.
    pub fn count(&mut self, outcome: ImportOutcome) {
        match outcome {
            ImportOutcome::Created => self.created += 1,
            ImportOutcome::Updated => self.updated += 1,
            ImportOutcome::Unchanged => self.unchanged += 1,
        }
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} read: {} created, {} updated, {} unchanged, {} skipped",
            self.read, self.created, self.updated, self.unchanged, self.skipped
        )
    }
}
