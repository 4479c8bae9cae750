//! Artifacts as files under a root folder.
//!
//! Each artifact is one file, `objects/<2 hex>/<sha256 of the key>`, holding a JSON
//! header line (key, content type, size, digest, time) followed by the bytes. Naming
//! files by a digest of the key means no key, however unusual, can collide with
//! another or reach outside the root, and keeping metadata in the same file means a
//! put is one atomic rename: a reader sees the old artifact or the new one, whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::ports::{
    Artifact, ArtifactCapabilities, ArtifactKey, ArtifactMeta, ArtifactStore, PutOptions,
};
use afterresume_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{artifact_meta, sha256_hex};
use crate::memory::no_artifact;

/// Artifacts in a local folder.
#[derive(Debug, Clone)]
pub struct LocalArtifactStore {
    root: PathBuf,
    clock: SharedClock,
}

fn io_error(what: &str, path: &Path, err: std::io::Error) -> Error {
    Error::backend(format!("local artifact store: could not {what}"))
        .with_context("path", path.display())
        .with_source(err)
}

impl LocalArtifactStore {
    /// A store rooted at `root`, created if missing.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        for dir in ["objects", "tmp"] {
            let path = root.join(dir);
            tokio::fs::create_dir_all(&path)
                .await
                .map_err(|e| io_error("create folder", &path, e))?;
        }
        Ok(LocalArtifactStore {
            root,
            clock: Arc::new(SystemClock),
        })
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &ArtifactKey) -> PathBuf {
        let digest = sha256_hex(key.as_str().as_bytes());
        self.root.join("objects").join(&digest[..2]).join(digest)
    }

    async fn read_header(
        path: &Path,
    ) -> Result<Option<(ArtifactMeta, BufReader<tokio::fs::File>)>> {
        let file = match tokio::fs::File::open(path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("open artifact", path, e)),
        };
        let mut reader = BufReader::new(file);
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .await
            .map_err(|e| io_error("read artifact", path, e))?;
        let meta: ArtifactMeta = serde_json::from_str(line.trim_end()).map_err(|e| {
            Error::backend("local artifact store: corrupt artifact header")
                .with_context("path", path.display())
                .with_source(e)
        })?;
        Ok(Some((meta, reader)))
    }
}

#[async_trait]
impl ArtifactStore for LocalArtifactStore {
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
        let path = self.path_of(key);
        let dir = path.parent().expect("objects/<xx>/<digest> has a parent");
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| io_error("create folder", dir, e))?;
        let tmp = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let header = serde_json::to_vec(&meta)
            .map_err(|e| Error::unexpected("encode artifact header").with_source(e))?;
        let write = async {
            let mut file = tokio::fs::File::create(&tmp).await?;
            file.write_all(&header).await?;
            file.write_all(b"\n").await?;
            file.write_all(&bytes).await?;
            file.sync_all().await?;
            tokio::fs::rename(&tmp, &path).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io_error("write artifact", &path, e));
        }
        Ok(meta)
    }

    async fn get(&self, key: &ArtifactKey) -> Result<Artifact> {
        let path = self.path_of(key);
        let Some((meta, mut reader)) = Self::read_header(&path).await? else {
            return Err(no_artifact(key));
        };
        let mut bytes = Vec::with_capacity(meta.size as usize);
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut bytes)
            .await
            .map_err(|e| io_error("read artifact", &path, e))?;
        if bytes.len() as u64 != meta.size || sha256_hex(&bytes) != meta.sha256 {
            return Err(Error::backend(
                "local artifact store: artifact bytes do not match their digest",
            )
            .with_context("key", key));
        }
        Ok(Artifact { meta, bytes })
    }

    async fn head(&self, key: &ArtifactKey) -> Result<ArtifactMeta> {
        match Self::read_header(&self.path_of(key)).await? {
            Some((meta, _)) => Ok(meta),
            None => Err(no_artifact(key)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ArtifactMeta>> {
        ArtifactKey::validate_prefix(prefix)?;
        let objects = self.root.join("objects");
        let mut out = Vec::new();
        let mut shards = tokio::fs::read_dir(&objects)
            .await
            .map_err(|e| io_error("list", &objects, e))?;
        while let Some(shard) = shards
            .next_entry()
            .await
            .map_err(|e| io_error("list", &objects, e))?
        {
            let mut files = tokio::fs::read_dir(shard.path())
                .await
                .map_err(|e| io_error("list", &shard.path(), e))?;
            while let Some(file) = files
                .next_entry()
                .await
                .map_err(|e| io_error("list", &shard.path(), e))?
            {
                if let Some((meta, _)) = Self::read_header(&file.path()).await?
                    && meta.key.as_str().starts_with(prefix)
                {
                    out.push(meta);
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn delete(&self, key: &ArtifactKey) -> Result<()> {
        let path = self.path_of(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("delete artifact", &path, e)),
        }
    }

    async fn presign_get(&self, _key: &ArtifactKey, _expires_in: Duration) -> Result<String> {
        Err(Error::new(
            ErrorKind::Unsupported,
            "the local artifact store cannot presign urls",
        ))
    }
}
