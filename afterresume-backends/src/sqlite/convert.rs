//! Conversions between SQLite column values and domain values.

use afterresume_core::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// Microseconds since the epoch.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// A time from microseconds since the epoch.
pub(crate) fn time(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// An optional time.
pub(crate) fn opt_time(us: Option<i64>) -> Option<DateTime<Utc>> {
    us.map(time)
}

/// A date from `YYYY-MM-DD`.
pub(crate) fn date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| Error::unexpected(format!("bad date '{text}' in database")).with_source(e))
}

/// A date as `YYYY-MM-DD`.
pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// JSON from a TEXT column.
pub(crate) fn json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::unexpected("bad json in database").with_source(e))
}

/// Optional JSON from a TEXT column.
pub(crate) fn opt_json(text: Option<String>) -> Result<Option<Value>> {
    text.as_deref().map(json).transpose()
}

/// A string list stored as a JSON array.
pub(crate) fn string_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| Error::unexpected("bad list in database").with_source(e))
}

/// A string list as a JSON array.
pub(crate) fn list_text(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// SQLite's spelling: dates as `YYYY-MM-DD` text, tags as a JSON array.
impl crate::sql_dialect::SqlDialect for sqlx::Sqlite {
    fn push_int(q: &mut sqlx::QueryBuilder<'_, Self>, value: i64) {
        q.push_bind(value);
    }

    fn push_text(q: &mut sqlx::QueryBuilder<'_, Self>, value: String) {
        q.push_bind(value);
    }

    fn push_date(q: &mut sqlx::QueryBuilder<'_, Self>, date: NaiveDate) {
        q.push_bind(date_text(date));
    }

    fn push_has_tag(q: &mut sqlx::QueryBuilder<'_, Self>, tag: String) {
        q.push("EXISTS (SELECT 1 FROM json_each(worklogs.tags) WHERE value = ")
            .push_bind(tag)
            .push(")");
    }

    /// SQLite's `lower` folds ASCII letters only: other letters match in the
    /// case written.
    fn push_content_holds(q: &mut sqlx::QueryBuilder<'_, Self>, text: String) {
        q.push("instr(lower(content), lower(")
            .push_bind(text)
            .push(")) > 0");
    }
}
