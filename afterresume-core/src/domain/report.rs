use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::UserId;

/// A report id.
pub type ReportId = i64;

super::string_enum! {
    /// What a report summarizes.
    ReportKind {
        /// A weekly (or given period) status report.
        Status => "status",
        /// A daily standup: last working day, today, blockers.
        Standup => "standup",
        /// A summary of any period.
        Summary => "summary",
    }
}

/// A generated report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Id.
    pub id: ReportId,
    /// Owner.
    pub user_id: UserId,
    /// Kind.
    pub kind: ReportKind,
    /// First day covered.
    pub period_start: NaiveDate,
    /// Last day covered (inclusive).
    pub period_end: NaiveDate,
    /// Rendered Markdown.
    pub content: String,
    /// Structured form; every item lists the worklog ids it rests on.
    pub data: Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// The fields of a new report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    /// Owner.
    pub user_id: UserId,
    /// Kind.
    pub kind: ReportKind,
    /// First day covered.
    pub period_start: NaiveDate,
    /// Last day covered.
    pub period_end: NaiveDate,
    /// Markdown.
    pub content: String,
    /// Structured data.
    pub data: Value,
}

impl NewReport {
    /// Checks the period.
    pub fn validate(&self) -> crate::Result<()> {
        if self.period_end < self.period_start {
            return Err(crate::Error::invalid_input(
                "period_end: must not be before period_start",
            ));
        }
        Ok(())
    }
}
