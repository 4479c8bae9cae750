//! How to open a [`PostgresBackend`](super::PostgresBackend): URL, schema, pool sizes,
//! claim durability, notifications.

use super::*;

/// The schema used when none is given.
pub const DEFAULT_SCHEMA: &str = "afterresume";

/// How to open a [`PostgresBackend`]. `Debug` prints the URL without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// A `postgres://` URL (as in `DATABASE_URL`).
    pub url: String,
    /// The schema holding every table; created when missing. Lowercase letters,
    /// digits and `_`, not starting with a digit, at most 63 bytes.
    pub schema: String,
    /// Pool size.
    pub max_connections: u32,
    /// Use LISTEN/NOTIFY for prompt wakeups. Turn off behind a pooler that does not
    /// support it; poppers then rely on polling alone.
    pub notify: bool,
    /// How often a waiting pop polls when no notification arrives.
    pub poll_interval: Duration,
    /// Wait for every claim to reach the disk before its jobs run. Off by default:
    /// claims then commit asynchronously (`synchronous_commit = off`, on up to
    /// [`CLAIM_CONNECTIONS`] connections of their own), which saves a WAL flush per
    /// claim round trip (Postgres drains ran 30% faster on 2 cores).
    ///
    /// What that risks, only when the Postgres server itself crashes: claims committed
    /// in the last moments (at most 3 × `wal_writer_delay`, 0.6 s by default) are
    /// forgotten, so their jobs read `queued` again and run again, as if their worker
    /// had died, and the "job started" event of that attempt is gone. No job and no
    /// outcome is lost: enqueues, completions and every other write stay synchronous,
    /// and a synchronous commit flushes every claim before it. A worker still running
    /// such a forgotten attempt may record its outcome under the new claim (same
    /// attempt number), and the new claim's outcome is then fenced off. Turn this on
    /// when every started attempt must be on record even across a database crash.
    pub durable_claims: bool,
}

/// Connections of each of the two small pools beside
/// [`PostgresOptions::max_connections`]: the claims' (see
/// [`PostgresOptions::durable_claims`]) and the asynchronously committing
/// wakeups'.
pub const CLAIM_CONNECTIONS: u32 = 4;

impl std::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("url", &redact_url(&self.url))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("notify", &self.notify)
            .field("poll_interval", &self.poll_interval)
            .field("durable_claims", &self.durable_claims)
            .finish()
    }
}

impl PostgresOptions {
    /// Options for a URL with the default schema and settings.
    pub fn new(url: impl Into<String>) -> Self {
        PostgresOptions {
            url: url.into(),
            schema: DEFAULT_SCHEMA.to_owned(),
            max_connections: 16,
            notify: true,
            poll_interval: Duration::from_millis(250),
            durable_claims: false,
        }
    }

    /// Uses another schema.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// Sets the pool size.
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// Turns LISTEN/NOTIFY wakeups on or off.
    pub fn with_notify(mut self, notify: bool) -> Self {
        self.notify = notify;
        self
    }

    /// Makes claims wait for the disk (see [`PostgresOptions::durable_claims`]).
    pub fn with_durable_claims(mut self, durable: bool) -> Self {
        self.durable_claims = durable;
        self
    }
}

/// Checks a schema name so it can be spliced into SQL safely.
pub(crate) fn validate_schema(schema: &str) -> Result<()> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::config_invalid(format!(
            "postgres schema '{schema}': use lowercase letters, digits and '_', not starting with a digit, at most 63 bytes"
        )))
    }
}

/// Postgres's spelling: dates and text arrays bound as themselves.
impl crate::sql_dialect::SqlDialect for sqlx::Postgres {
    fn push_int(q: &mut sqlx::QueryBuilder<'_, Self>, value: i64) {
        q.push_bind(value);
    }

    fn push_text(q: &mut sqlx::QueryBuilder<'_, Self>, value: String) {
        q.push_bind(value);
    }

    fn push_date(q: &mut sqlx::QueryBuilder<'_, Self>, date: chrono::NaiveDate) {
        q.push_bind(date);
    }

    fn push_has_tag(q: &mut sqlx::QueryBuilder<'_, Self>, tag: String) {
        q.push("tags @> ARRAY[").push_bind(tag).push("]::text[]");
    }

    fn push_content_holds(q: &mut sqlx::QueryBuilder<'_, Self>, text: String) {
        q.push("strpos(lower(content), lower(")
            .push_bind(text)
            .push(")) > 0");
    }
}
