//! SQLite backend (feature `sqlite`): job store, queue, event sink and domain stores in
//! one database file, in WAL mode so readers never block the writer.
//!
//! Migrations are embedded and run by [`SqliteBackend::open`]. Several processes may
//! share one file: claims are single conditional `UPDATE` statements, which SQLite runs
//! atomically under its write lock.
//!
//! Within a process, the engine's hot writes (job inserts, claims, completions,
//! events) go through one group writer (module `writer`) that commits whatever is waiting
//! in one transaction on a rusqlite connection; other writes use sqlx's one writer
//! connection, which the group holds while it runs. Reads use a pool beside them.

mod convert;
mod direct;
mod domain_store;
mod error;
mod event_sink;
mod imports;
mod job_store;
mod profiles;
mod queue;
mod store_queue;
mod throttle;
mod worklogs;
mod writer;

pub use queue::SqliteQueue;
pub use store_queue::SqliteStoreQueue;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::{Error, Result};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::Notify;

use error::map_sqlx;
use writer::GroupWriter;

/// One SQLite database serving every SQL-backed port.
///
/// Cloning is cheap and shares the pool. The backend itself implements `JobStore`,
/// `EventSink` and the domain stores; [`SqliteBackend::queue`] gives the queue.
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    /// Reads: WAL lets them run beside the one writer.
    pool: SqlitePool,
    /// Writes, on one connection. SQLite runs one writer at a time; writers of one
    /// process queue here in order instead of colliding on the database lock,
    /// whose busy handler sleeps in steps of up to 100 ms (slow, unfair tail
    /// latency) and cannot retry a read transaction that turns into a write.
    writer: SqlitePool,
    /// The engine's hot writes, grouped into one transaction on `writer`.
    group: GroupWriter,
    clock: SharedClock,
    /// Wakes queue poppers of this process on push.
    notify: Arc<Notify>,
    /// Keeps a temporary database's folder alive as long as the backend.
    _temp: Option<Arc<tempfile::TempDir>>,
    /// Shared by every clone; the checkpointer stops once the last clone is gone.
    _alive: Arc<()>,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database a `DATABASE_URL`-style string names and
    /// runs the migrations. Accepts `sqlite://relative/path`, `sqlite:///absolute/path`
    /// and plain paths.
    ///
    /// Starts two tasks on the current tokio runtime, the group writer and the
    /// checkpointer, which live as long as the backend's clones: use the backend on
    /// the runtime that opened it.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_path(&parse_url(url)?, None).await
    }

    /// A fresh database in a temporary folder that is deleted when the last clone of
    /// the backend is dropped: for tests.
    pub async fn open_temporary() -> Result<Self> {
        let dir = tempfile::tempdir().map_err(|e| {
            Error::backend("sqlite: could not create a temporary folder").with_source(e)
        })?;
        let path = dir.path().join("afterresume.sqlite3");
        Self::open_path(&path, Some(Arc::new(dir))).await
    }

    async fn open_path(path: &Path, temp: Option<Arc<tempfile::TempDir>>) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                Error::config_invalid(format!("sqlite: cannot create folder {}", parent.display()))
                    .with_source(e)
            })?;
        }
        owner_only(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // A connection to a local file does not go stale: no ping before each use
        // (with sqlx's SQLite worker threads, a ping is a full extra round trip).
        // The writer never checkpoints: an automatic checkpoint runs inside the commit
        // that crosses the WAL threshold and fsyncs the database file there, stalling
        // every queued writer. The checkpointer task does it beside the writer.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
            .await
            .map_err(|e| map_sqlx(e).with_context("path", path.display()))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| Error::backend("sqlite: migrations failed").with_source(e))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|e| map_sqlx(e).with_context("path", path.display()))?;
        let group = GroupWriter::spawn(path, writer.clone())?;
        let alive = Arc::new(());
        tokio::spawn(checkpoint_loop(pool.clone(), Arc::downgrade(&alive)));
        Ok(SqliteBackend {
            pool,
            group,
            writer,
            clock: Arc::new(SystemClock),
            notify: Arc::new(Notify::new()),
            _temp: temp,
            _alive: alive,
        })
    }

    /// Uses another clock for the queue's notion of "due" (use the engine's clock).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Names this backend's timeline for the engine (shared by every clone): the
    /// address of state its clones share, so that two handles on one backend count
    /// as one.
    fn timeline_name(&self) -> String {
        format!("sqlite {:p}", Arc::as_ptr(&self._alive))
    }

    /// The queue on this database: a table of messages, usable with any job store.
    pub fn queue(&self) -> SqliteQueue {
        SqliteQueue::new(self.clone())
    }

    /// The `jobs` table of this database as the queue, for an engine whose job store
    /// is this backend: workers claim straight from the store.
    pub fn store_queue(&self) -> SqliteStoreQueue {
        SqliteStoreQueue::new(self.clone())
    }

    /// The connection pool for reads (and for writes of callers outside the
    /// backend, which then wait on the database lock like another process).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Runs passive checkpoints on a read connection while the backend lives. A passive
/// checkpoint never blocks the writer or readers; it copies what no reader still
/// needs, and the writer restarts the WAL from the top once all of it is copied.
async fn checkpoint_loop(pool: SqlitePool, alive: std::sync::Weak<()>) {
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if alive.strong_count() == 0 || pool.is_closed() {
            pool.close().await;
            return;
        }
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::debug!(error = %err, "sqlite: checkpoint failed; trying again later");
        }
    }
}

/// The file a `sqlite:` URL or plain path names.
fn parse_url(url: &str) -> Result<PathBuf> {
    let rest = match url.strip_prefix("sqlite:") {
        Some(rest) => rest.strip_prefix("//").unwrap_or(rest),
        None if url.contains("://") => {
            return Err(Error::config_invalid(format!(
                "sqlite: '{url}' is not a sqlite url"
            )));
        }
        None => url,
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(Error::config_invalid(
            "sqlite: a file path is required (use SqliteBackend::open_temporary for a throwaway database)",
        ));
    }
    // "sqlite:////abs" and "sqlite:///abs" both mean "/abs".
    let path = if path.starts_with("//") {
        &path[1..]
    } else {
        path
    };
    PathBuf::from_str(path)
        .map_err(|_| Error::config_invalid(format!("sqlite: bad path in '{url}'")))
}

/// Creates the database file readable by its owner only (it holds password
/// hashes and token digests), and tightens an existing one and its `-wal` and
/// `-shm` files. SQLite gives the files it creates beside the database the
/// database file's mode.
fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| {
            Error::config_invalid(format!("sqlite: cannot secure {}", path.display()))
                .with_source(e)
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[tokio::test]
    async fn database_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let backend = super::SqliteBackend::open(&path.display().to_string())
            .await
            .unwrap();
        afterresume_core::ports::UserStore::list_users(&backend)
            .await
            .unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }

    use super::*;

    /// The writer keeps each standard "job queued" event in its job's row (migration
    /// `0002`), and an event that is not the standard one stays an event row. (That
    /// the timeline reads them back as given is the conformance suite's
    /// `queued_events_read_back_as_given`.)
    #[tokio::test]
    async fn standard_queued_events_live_in_job_rows() {
        use afterresume_core::conformance;
        use afterresume_core::ports::JobEventWriter;
        let db = SqliteBackend::open_temporary().await.unwrap();
        let mut batch = conformance::jobs_with_queued_events(300);
        batch[7].1.data["note"] = serde_json::json!("not the standard event");
        db.insert_jobs_with_events(batch).await.unwrap();
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(db.pool());
        let event_rows = count("SELECT count(*) FROM job_events").await.unwrap();
        assert_eq!(event_rows, 1, "only the custom event is a row");
        let kept = count("SELECT count(*) FROM jobs WHERE queued_event_id IS NOT NULL");
        assert_eq!(kept.await.unwrap(), 299);
    }

    /// Two handles on one backend (clones in separate `Arc`s) share the timeline,
    /// so the store writes events in its own transactions; another file does not.
    #[tokio::test]
    async fn clones_of_one_backend_share_the_timeline() {
        use afterresume_core::engine::Engine;
        let engine_of = |store: &SqliteBackend, sink: &SqliteBackend| {
            Engine::builder()
                .with_job_store(Arc::new(store.clone()))
                .with_queue(Arc::new(store.store_queue()))
                .with_event_sink(Arc::new(sink.clone()))
                .build()
                .unwrap()
        };
        let db = SqliteBackend::open_temporary().await.unwrap();
        assert!(engine_of(&db, &db).store_writes_events());
        let other = SqliteBackend::open_temporary().await.unwrap();
        assert!(!engine_of(&db, &other).store_writes_events());
    }

    #[test]
    fn urls_name_files() {
        assert_eq!(
            parse_url("sqlite:///tmp/a.db").unwrap(),
            PathBuf::from("/tmp/a.db")
        );
        assert_eq!(
            parse_url("sqlite:////tmp/a.db").unwrap(),
            PathBuf::from("/tmp/a.db")
        );
        assert_eq!(
            parse_url("sqlite://data/a.db").unwrap(),
            PathBuf::from("data/a.db")
        );
        assert_eq!(
            parse_url("sqlite:data/a.db?mode=rwc").unwrap(),
            PathBuf::from("data/a.db")
        );
        assert_eq!(parse_url("data/a.db").unwrap(), PathBuf::from("data/a.db"));
        assert!(parse_url("postgres://x").is_err());
        assert!(parse_url("sqlite::memory:").is_err());
    }

    /// Commits stay in the WAL (the writer never checkpoints inside a commit) until
    /// the checkpointer copies them into the database file, within about a second.
    #[tokio::test]
    async fn the_checkpointer_moves_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let db = SqliteBackend::open(&path.display().to_string())
            .await
            .unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let every: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&db.writer)
            .await
            .unwrap();
        assert_eq!(every, 0, "the writer checkpoints inside its commits");
        tokio::time::sleep(CHECKPOINT_EVERY * 3).await;
        let before = size();
        let blob = "x".repeat(4096);
        let mut tx = db.writer.begin().await.unwrap();
        for n in 0..100 {
            sqlx::query("INSERT INTO queue_messages (job_id, available_at) VALUES (?, ?)")
                .bind(format!("{n}-{blob}"))
                .bind(n)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        tokio::time::sleep(CHECKPOINT_EVERY * 3).await;
        assert!(
            size() > before + 100 * 4096,
            "the WAL was not checkpointed: {} -> {}",
            before,
            size()
        );
    }
}
