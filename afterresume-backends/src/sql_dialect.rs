//! The statements whose shape is the same on Postgres and SQLite, written once.
//!
//! The two SQL stores keep the same tables but spell some values differently:
//! Postgres binds dates and arrays as themselves, SQLite stores dates as
//! `YYYY-MM-DD` text and lists as JSON text. [`SqlDialect`] is that vocabulary;
//! the queries here are built from it, and each backend executes them on its own
//! pool and reads the rows with its own decoders.

use afterresume_core::domain::{ReportId, ReportKind, UserId, WorkLogFilter};
use chrono::NaiveDate;
use sqlx::QueryBuilder;

/// How a SQL backend binds what differs between the stores.
pub(crate) trait SqlDialect: sqlx::Database {
    /// Binds an integer (ids, limits).
    fn push_int(q: &mut QueryBuilder<'_, Self>, value: i64);
    /// Binds text.
    fn push_text(q: &mut QueryBuilder<'_, Self>, value: String);
    /// Binds a date as the `date` columns hold it.
    fn push_date(q: &mut QueryBuilder<'_, Self>, date: NaiveDate);
    /// Appends the condition "the row's `tags` hold `tag`" (no leading `AND`).
    fn push_has_tag(q: &mut QueryBuilder<'_, Self>, tag: String);
    /// Appends the condition "the row's `content` holds `text`, ignoring
    /// case" (no leading `AND`).
    fn push_content_holds(q: &mut QueryBuilder<'_, Self>, text: String);
}

/// The largest page a list statement reads, whatever the caller asks.
const MAX_LIST: usize = 1000;

/// `SELECT * FROM worklogs` for a filter: newest first (date, then id), keyset
/// paged on `(date, id)`.
pub(crate) fn worklog_list<'a, D: SqlDialect>(filter: &WorkLogFilter) -> QueryBuilder<'a, D> {
    let mut q = QueryBuilder::new("SELECT * FROM worklogs WHERE 1 = 1");
    if let Some(user_id) = filter.user_id {
        q.push(" AND user_id = ");
        D::push_int(&mut q, user_id);
    }
    if let Some(from) = filter.date_from {
        q.push(" AND date >= ");
        D::push_date(&mut q, from);
    }
    if let Some(to) = filter.date_to {
        q.push(" AND date <= ");
        D::push_date(&mut q, to);
    }
    if let Some(tag) = &filter.tag {
        q.push(" AND ");
        D::push_has_tag(&mut q, tag.clone());
    }
    if let Some(text) = &filter.text {
        q.push(" AND ");
        D::push_content_holds(&mut q, text.clone());
    }
    if let Some((date, id)) = filter.after {
        q.push(" AND (date, id) < (");
        D::push_date(&mut q, date);
        q.push(", ");
        D::push_int(&mut q, id);
        q.push(")");
    }
    q.push(" ORDER BY date DESC, id DESC LIMIT ");
    D::push_int(&mut q, filter.effective_limit() as i64);
    q
}

/// `SELECT * FROM reports` of a user, newest first, keyset paged on id.
pub(crate) fn report_list<'a, D: SqlDialect>(
    user_id: UserId,
    kind: Option<ReportKind>,
    before: Option<ReportId>,
    limit: usize,
) -> QueryBuilder<'a, D> {
    let mut q = QueryBuilder::new("SELECT * FROM reports WHERE user_id = ");
    D::push_int(&mut q, user_id);
    if let Some(kind) = kind {
        q.push(" AND kind = ");
        D::push_text(&mut q, kind.as_str().to_owned());
    }
    if let Some(before) = before {
        q.push(" AND id < ");
        D::push_int(&mut q, before);
    }
    q.push(" ORDER BY id DESC LIMIT ");
    D::push_int(&mut q, limit.clamp(1, MAX_LIST) as i64);
    q
}
