//! Helpers for tests that run against live services (feature `conformance`).
//!
//! Live-service tests read their endpoints from environment variables and **fail**
//! when one is missing: CI must never pass by silently skipping them. Every test gets
//! its own namespace (Postgres schema, Redis key prefix, S3 object prefix) named
//! `ar_t_<pid>_<n>`, so concurrent tests and runs never see each other's data.
//! Postgres schemas of processes that are gone are dropped when the next one starts.

use std::sync::atomic::{AtomicU64, Ordering};

/// Postgres URL for tests.
pub const POSTGRES_URL_VAR: &str = "AFTERRESUME_TEST_POSTGRES_URL";
/// Redis URL for tests.
pub const REDIS_URL_VAR: &str = "AFTERRESUME_TEST_REDIS_URL";
/// S3 endpoint for tests (with the `AFTERRESUME_TEST_S3_*` companions).
pub const S3_ENDPOINT_VAR: &str = "AFTERRESUME_TEST_S3_ENDPOINT";

/// The value of a required test variable; panics with what to do when it is unset.
pub fn required_env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value,
        _ => panic!(
            "{name} is not set: this test needs a live service. Run scripts/test.sh, which \
             starts the services and sets the AFTERRESUME_TEST_* variables, or set {name} yourself."
        ),
    }
}

/// A name no other test or run uses: `ar_t_<pid>_<n>`.
pub fn unique_namespace() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "ar_t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether a namespace made by [`unique_namespace`] belongs to a process that is gone.
pub fn namespace_is_stale(name: &str) -> bool {
    let Some(pid) = name
        .strip_prefix("ar_t_")
        .and_then(|rest| rest.split('_').next())
        .and_then(|pid| pid.parse::<u32>().ok())
    else {
        return false;
    };
    pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// A Postgres backend in a fresh schema of the test database (after dropping the
/// schemas earlier test processes left behind).
#[cfg(feature = "postgres")]
pub async fn postgres() -> crate::postgres::PostgresBackend {
    postgres_with(|o| o).await
}

/// Like [`postgres`], with options adjusted (e.g. notifications off).
#[cfg(feature = "postgres")]
pub async fn postgres_with(
    adjust: impl FnOnce(crate::postgres::PostgresOptions) -> crate::postgres::PostgresOptions,
) -> crate::postgres::PostgresBackend {
    use crate::postgres::{PostgresBackend, PostgresOptions};
    let url = required_env(POSTGRES_URL_VAR);
    drop_stale_schemas(&url).await;
    let options = adjust(
        PostgresOptions::new(url)
            .with_schema(unique_namespace())
            .with_max_connections(8),
    );
    PostgresBackend::connect_with(options)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}: cannot open the test database: {e:#}"))
}

#[cfg(feature = "postgres")]
async fn drop_stale_schemas(url: &str) {
    use sqlx::Connection;
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        return;
    };
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'ar\\_t\\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_default();
    for name in names.into_iter().filter(|n| namespace_is_stale(n)) {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
            .execute(&mut conn)
            .await;
    }
}

/// A Redis queue under a fresh key prefix on the test server.
#[cfg(feature = "redis")]
pub async fn redis_queue() -> crate::redis::RedisQueue {
    use crate::redis::{RedisQueue, RedisQueueOptions};
    let url = required_env(REDIS_URL_VAR);
    let prefix = format!("afterresume-test:{}", unique_namespace());
    let queue = RedisQueue::connect_with(RedisQueueOptions::new(url).with_prefix(prefix))
        .await
        .unwrap_or_else(|e| panic!("{REDIS_URL_VAR}: cannot reach the test server: {e:#}"));
    queue.delete_all().await.expect("clean test prefix");
    queue
}

/// S3 options for the test server, under a fresh object prefix.
#[cfg(feature = "s3")]
pub fn s3_options() -> crate::s3::S3Options {
    let var = |suffix: &str| required_env(&format!("AFTERRESUME_TEST_S3_{suffix}"));
    let mut options = crate::s3::S3Options::new(
        Some(required_env(S3_ENDPOINT_VAR)),
        var("ACCESS_KEY"),
        var("SECRET_KEY"),
        var("BUCKET"),
    );
    if let Ok(region) = std::env::var("AFTERRESUME_TEST_S3_REGION") {
        options.region = region;
    }
    options.object_prefix = format!("tests/{}", unique_namespace());
    options
}

/// An S3 artifact store on the test server, under a fresh object prefix.
#[cfg(feature = "s3")]
pub async fn s3_store() -> crate::s3::S3ArtifactStore {
    let store = crate::s3::S3ArtifactStore::new(&s3_options())
        .unwrap_or_else(|e| panic!("{S3_ENDPOINT_VAR}: bad test settings: {e:#}"));
    store
        .check()
        .await
        .unwrap_or_else(|e| panic!("{S3_ENDPOINT_VAR}: the test bucket does not answer: {e:#}"));
    store
}
