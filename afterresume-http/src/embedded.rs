//! The embedded default: one command, a working system.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use afterresume_backends::local::LocalArtifactStore;
use afterresume_backends::sqlite::SqliteBackend;
use afterresume_core::{Engine, EngineConfig, Result};

/// Where the embedded default keeps its files: `AFTERRESUME_DATA_DIR`, or
/// `./afterresume-data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(pub PathBuf);

impl DataDir {
    /// From the environment.
    pub fn from_env() -> Self {
        DataDir(
            std::env::var_os("AFTERRESUME_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("afterresume-data")),
        )
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// The embedded system's parts.
#[derive(Debug, Clone)]
pub struct EmbeddedSystem {
    /// The engine over SQLite.
    pub engine: Engine,
    /// The database.
    pub database: SqliteBackend,
    /// The artifact folder.
    pub artifacts: LocalArtifactStore,
}

/// Opens the embedded default in a data folder: `afterresume.sqlite3` and `artifacts/`.
pub async fn embedded(dir: &DataDir) -> Result<EmbeddedSystem> {
    let database =
        SqliteBackend::open(&dir.path().join("afterresume.sqlite3").display().to_string()).await?;
    let artifacts = LocalArtifactStore::open(dir.path().join("artifacts")).await?;
    let engine = Engine::builder()
        .with_job_store(Arc::new(database.clone()))
        .with_queue(Arc::new(database.queue()))
        .with_event_sink(Arc::new(database.clone()))
        .with_config(EngineConfig::default())
        .build()?;
    Ok(EmbeddedSystem {
        engine,
        database,
        artifacts,
    })
}
