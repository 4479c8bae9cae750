//! In-memory [`ArtifactStore`].

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::ports::{
    Artifact, ArtifactCapabilities, ArtifactKey, ArtifactMeta, ArtifactStore, PutOptions,
};
use afterresume_core::{Error, ErrorKind, Result};
use async_trait::async_trait;

use crate::common::artifact_meta;

/// Artifacts in a map.
#[derive(Debug)]
pub struct MemoryArtifactStore {
    objects: Mutex<BTreeMap<String, Artifact>>,
    clock: SharedClock,
}

impl Default for MemoryArtifactStore {
    fn default() -> Self {
        MemoryArtifactStore {
            objects: Mutex::default(),
            clock: std::sync::Arc::new(SystemClock),
        }
    }
}

impl MemoryArtifactStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Artifact>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) fn no_artifact(key: &ArtifactKey) -> Error {
    Error::not_found(format!("artifact '{key}' not found"))
}

#[async_trait]
impl ArtifactStore for MemoryArtifactStore {
    fn capabilities(&self) -> ArtifactCapabilities {
        ArtifactCapabilities::new(false, false)
    }

    async fn put(
        &self,
        key: &ArtifactKey,
        bytes: Vec<u8>,
        opts: &PutOptions,
    ) -> Result<ArtifactMeta> {
        let meta = artifact_meta(key, &bytes, opts.content_type.as_deref(), self.clock.now());
        self.lock().insert(
            key.as_str().to_owned(),
            Artifact {
                meta: meta.clone(),
                bytes,
            },
        );
        Ok(meta)
    }

    async fn get(&self, key: &ArtifactKey) -> Result<Artifact> {
        self.lock()
            .get(key.as_str())
            .cloned()
            .ok_or_else(|| no_artifact(key))
    }

    async fn head(&self, key: &ArtifactKey) -> Result<ArtifactMeta> {
        self.lock()
            .get(key.as_str())
            .map(|a| a.meta.clone())
            .ok_or_else(|| no_artifact(key))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ArtifactMeta>> {
        ArtifactKey::validate_prefix(prefix)?;
        Ok(self
            .lock()
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(_, a)| a.meta.clone())
            .collect())
    }

    async fn delete(&self, key: &ArtifactKey) -> Result<()> {
        self.lock().remove(key.as_str());
        Ok(())
    }

    async fn presign_get(&self, _key: &ArtifactKey, _expires_in: Duration) -> Result<String> {
        Err(Error::new(
            ErrorKind::Unsupported,
            "the in-memory artifact store cannot presign urls",
        ))
    }
}
