//! [`ArtifactStore`] on S3 and S3-compatible servers (MinIO, SeaweedFS), through the
//! `object_store` crate (feature `s3`).
//!
//! Content type travels as the object's `Content-Type`, the SHA-256 of the bytes as
//! user metadata (`x-amz-meta-sha256`), so `head` returns both without reading the
//! object. Objects larger than [`S3Options::multipart_threshold`] are uploaded in
//! parts. Keys may live under a fixed object prefix, so deployments (or test runs)
//! can share a bucket.

use std::sync::Arc;
use std::time::Duration;

use afterresume_core::ports::{
    Artifact, ArtifactCapabilities, ArtifactKey, ArtifactMeta, ArtifactStore, PutOptions,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::signer::{Method, Signer};
use object_store::{
    Attribute, AttributeValue, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutPayload,
    WriteMultipart,
};

use crate::common::{DEFAULT_CONTENT_TYPE, sha256_hex};

/// The metadata key holding an object's SHA-256.
const SHA256_META: &str = "sha256";

/// The smallest part S3 accepts (all parts but the last).
const MIN_PART: usize = 5 * 1024 * 1024;

/// How to reach a bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Options {
    /// `host:port` (as in `MINIO_ENDPOINT`) or a full `http(s)://` URL; `None` for AWS.
    pub endpoint: Option<String>,
    /// Access key id.
    pub access_key: String,
    /// Secret access key (never printed by `Debug`).
    pub secret_key: String,
    /// Bucket name.
    pub bucket: String,
    /// Region (`us-east-1` when unsure; S3-compatible servers mostly ignore it).
    pub region: String,
    /// Use `https` for an endpoint given without a scheme.
    pub use_ssl: bool,
    /// A prefix put before every key, e.g. `afterresume/`; empty for none.
    pub object_prefix: String,
    /// Objects larger than this are uploaded in parts (at least 5 MiB).
    pub multipart_threshold: usize,
}

impl std::fmt::Debug for S3Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Options")
            .field("endpoint", &self.endpoint)
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("use_ssl", &self.use_ssl)
            .field("object_prefix", &self.object_prefix)
            .field("multipart_threshold", &self.multipart_threshold)
            .finish()
    }
}

impl S3Options {
    /// Options for a bucket with the defaults: region `us-east-1`, plain `http` for a
    /// scheme-less endpoint, no prefix, multipart above 16 MiB.
    pub fn new(
        endpoint: Option<String>,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
        bucket: impl Into<String>,
    ) -> Self {
        S3Options {
            endpoint,
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            bucket: bucket.into(),
            region: "us-east-1".to_owned(),
            use_ssl: false,
            object_prefix: String::new(),
            multipart_threshold: 16 * 1024 * 1024,
        }
    }

    /// Reads the reference variables through `lookup` (e.g. `std::env::var(..).ok()`):
    /// `MINIO_ENDPOINT`, `MINIO_ACCESS_KEY`, `MINIO_SECRET_KEY`, `MINIO_BUCKET`, and the
    /// optional `MINIO_REGION`, `MINIO_USE_SSL` (`true`/`false`) and `MINIO_PREFIX`.
    /// Returns `Ok(None)` when `MINIO_ENDPOINT` is unset; an error naming the variable
    /// when one is missing or invalid.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let Some(endpoint) = lookup("MINIO_ENDPOINT").filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let required = |name: &str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| {
                    Error::config_invalid(format!("{name}: required when MINIO_ENDPOINT is set"))
                })
        };
        let mut options = S3Options::new(
            Some(endpoint),
            required("MINIO_ACCESS_KEY")?,
            required("MINIO_SECRET_KEY")?,
            required("MINIO_BUCKET")?,
        );
        if let Some(region) = lookup("MINIO_REGION").filter(|v| !v.is_empty()) {
            options.region = region;
        }
        if let Some(ssl) = lookup("MINIO_USE_SSL") {
            options.use_ssl = match ssl.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                other => {
                    return Err(Error::config_invalid(format!(
                        "MINIO_USE_SSL: '{other}' is not a boolean (use true or false)"
                    )));
                }
            };
        }
        if let Some(prefix) = lookup("MINIO_PREFIX") {
            options.object_prefix = prefix;
        }
        Ok(Some(options))
    }

    /// The endpoint as a URL, adding the scheme `use_ssl` implies.
    fn endpoint_url(&self) -> Result<Option<String>> {
        let Some(endpoint) = self.endpoint.as_deref() else {
            return Ok(None);
        };
        let url = if endpoint.contains("://") {
            endpoint.to_owned()
        } else {
            let scheme = if self.use_ssl { "https" } else { "http" };
            format!("{scheme}://{endpoint}")
        };
        let parsed = url::Url::parse(&url).map_err(|e| {
            Error::config_invalid(format!(
                "MINIO_ENDPOINT: '{endpoint}' is not a valid endpoint"
            ))
            .with_source(e)
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(Error::config_invalid(format!(
                "MINIO_ENDPOINT: '{endpoint}' must be host:port or an http(s) URL"
            )));
        }
        Ok(Some(url.trim_end_matches('/').to_owned()))
    }
}

/// Artifacts in an S3 bucket.
#[derive(Debug, Clone)]
pub struct S3ArtifactStore {
    store: Arc<AmazonS3>,
    prefix: String,
    multipart_threshold: usize,
}

fn map_store(err: object_store::Error, key: &str) -> Error {
    match err {
        object_store::Error::NotFound { .. } => {
            Error::not_found(format!("artifact '{key}' not found"))
        }
        other => Error::backend(format!("s3: request for '{key}' failed"))
            .temporary()
            .with_source(other),
    }
}

impl S3ArtifactStore {
    /// A store on the bucket the options name. Nothing is contacted yet; use
    /// [`check`](Self::check) to verify the bucket answers.
    pub fn new(options: &S3Options) -> Result<Self> {
        if options.bucket.trim().is_empty() {
            return Err(Error::config_invalid("MINIO_BUCKET: must not be empty"));
        }
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&options.bucket)
            .with_region(&options.region)
            .with_access_key_id(&options.access_key)
            .with_secret_access_key(&options.secret_key);
        if let Some(url) = options.endpoint_url()? {
            builder = builder
                .with_allow_http(url.starts_with("http://"))
                .with_endpoint(url)
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| {
            Error::config_invalid(format!(
                "s3: invalid settings for bucket '{}'",
                options.bucket
            ))
            .with_source(e)
        })?;
        let prefix = options.object_prefix.trim_matches('/').to_owned();
        if !prefix.is_empty() {
            ArtifactKey::validate_prefix(&prefix)
                .map_err(|e| Error::config_invalid(format!("MINIO_PREFIX: {e}")))?;
        }
        Ok(S3ArtifactStore {
            store: Arc::new(store),
            prefix,
            multipart_threshold: options.multipart_threshold.max(MIN_PART),
        })
    }

    /// Lists one object to prove the bucket exists and the credentials work.
    pub async fn check(&self) -> Result<()> {
        let root = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        let mut listing = self.store.list(root.as_ref());
        match listing.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(map_store(e, "<bucket>")),
        }
    }

    fn path_of(&self, key: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        }
    }

    /// The artifact key of a listed object, or `None` for objects outside the prefix.
    fn key_of(&self, location: &Path) -> Option<String> {
        let parts: Vec<String> = location
            .parts()
            .map(|p| percent_decode(p.as_ref()))
            .collect();
        let full = parts.join("/");
        if self.prefix.is_empty() {
            Some(full)
        } else {
            full.strip_prefix(&format!("{}/", self.prefix))
                .map(str::to_owned)
        }
    }

    async fn head_path(&self, key: &ArtifactKey) -> Result<ArtifactMeta> {
        let result = self
            .store
            .get_opts(
                &self.path_of(key.as_str()),
                GetOptions {
                    head: true,
                    ..GetOptions::default()
                },
            )
            .await
            .map_err(|e| map_store(e, key.as_str()))?;
        Ok(meta_of(key, &result.meta, &result.attributes))
    }
}

fn meta_of(key: &ArtifactKey, meta: &object_store::ObjectMeta, attrs: &Attributes) -> ArtifactMeta {
    let text = |a: &Attribute| attrs.get(a).map(|v| v.as_ref().to_owned());
    ArtifactMeta {
        key: key.clone(),
        size: meta.size,
        content_type: text(&Attribute::ContentType)
            .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
        sha256: text(&Attribute::Metadata(SHA256_META.into())).unwrap_or_default(),
        last_modified: meta.last_modified,
    }
}

/// Undoes the percent-encoding `object_store` applies to unusual characters in path
/// segments.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[async_trait]
impl ArtifactStore for S3ArtifactStore {
    fn capabilities(&self) -> ArtifactCapabilities {
        ArtifactCapabilities::new(true, true)
    }

    async fn put(
        &self,
        key: &ArtifactKey,
        bytes: Vec<u8>,
        opts: &PutOptions,
    ) -> Result<ArtifactMeta> {
        let content_type = opts
            .content_type
            .clone()
            .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
        let sha256 = sha256_hex(&bytes);
        let attributes: Attributes = [
            (Attribute::ContentType, AttributeValue::from(content_type)),
            (
                Attribute::Metadata(SHA256_META.into()),
                AttributeValue::from(sha256),
            ),
        ]
        .into_iter()
        .collect();
        let path = self.path_of(key.as_str());
        if bytes.len() > self.multipart_threshold {
            let upload = self
                .store
                .put_multipart_opts(
                    &path,
                    object_store::PutMultipartOptions {
                        attributes,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| map_store(e, key.as_str()))?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, MIN_PART);
            writer.put(bytes.into());
            writer
                .finish()
                .await
                .map_err(|e| map_store(e, key.as_str()))?;
        } else {
            self.store
                .put_opts(
                    &path,
                    PutPayload::from(bytes),
                    object_store::PutOptions {
                        attributes,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| map_store(e, key.as_str()))?;
        }
        self.head_path(key).await
    }

    async fn get(&self, key: &ArtifactKey) -> Result<Artifact> {
        let result = self
            .store
            .get(&self.path_of(key.as_str()))
            .await
            .map_err(|e| map_store(e, key.as_str()))?;
        let meta = meta_of(key, &result.meta, &result.attributes);
        let bytes = result
            .bytes()
            .await
            .map_err(|e| map_store(e, key.as_str()))?;
        Ok(Artifact {
            meta,
            bytes: bytes.to_vec(),
        })
    }

    async fn head(&self, key: &ArtifactKey) -> Result<ArtifactMeta> {
        self.head_path(key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ArtifactMeta>> {
        if !prefix.is_empty() {
            ArtifactKey::validate_prefix(prefix)?;
        }
        // S3 listing is by folder; list the prefix's folder and filter by the string.
        let folder = match prefix.rfind('/') {
            Some(i) => &prefix[..i],
            None => "",
        };
        let root = match (self.prefix.is_empty(), folder.is_empty()) {
            (true, true) => None,
            (true, false) => Some(Path::from(folder)),
            (false, true) => Some(Path::from(self.prefix.as_str())),
            (false, false) => Some(Path::from(format!("{}/{folder}", self.prefix))),
        };
        let objects: Vec<object_store::ObjectMeta> = self
            .store
            .list(root.as_ref())
            .try_collect()
            .await
            .map_err(|e| map_store(e, prefix))?;
        let mut keys: Vec<ArtifactKey> = objects
            .iter()
            .filter_map(|o| self.key_of(&o.location))
            .filter(|k| k.starts_with(prefix))
            .filter_map(|k| ArtifactKey::parse(k).ok())
            .collect();
        keys.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        // Content type and digest live in each object's headers: fetch them a few at
        // a time.
        futures::stream::iter(keys)
            .map(|key| async move { self.head_path(&key).await })
            .buffered(8)
            .try_collect()
            .await
    }

    async fn delete(&self, key: &ArtifactKey) -> Result<()> {
        match self.store.delete(&self.path_of(key.as_str())).await {
            Ok(()) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_store(e, key.as_str())),
        }
    }

    async fn presign_get(&self, key: &ArtifactKey, expires_in: Duration) -> Result<String> {
        if expires_in.is_zero() || expires_in > Duration::from_secs(7 * 24 * 3600) {
            return Err(Error::invalid_input(
                "expires_in: must be between 1 second and 7 days",
            ));
        }
        let url = self
            .store
            .signed_url(Method::GET, &self.path_of(key.as_str()), expires_in)
            .await
            .map_err(|e| map_store(e, key.as_str()))?;
        Ok(url.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_from_the_reference_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(S3Options::from_lookup(vars(&[])).unwrap(), None);
        let options = S3Options::from_lookup(vars(&[
            ("MINIO_ENDPOINT", "localhost:9000"),
            ("MINIO_ACCESS_KEY", "ak"),
            ("MINIO_SECRET_KEY", "sk"),
            ("MINIO_BUCKET", "afterresume"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            options.endpoint_url().unwrap().as_deref(),
            Some("http://localhost:9000")
        );
        assert!(!format!("{options:?}").contains("sk\""));
        let err = S3Options::from_lookup(vars(&[
            ("MINIO_ENDPOINT", "localhost:9000"),
            ("MINIO_ACCESS_KEY", "ak"),
            ("MINIO_SECRET_KEY", "sk"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("MINIO_BUCKET"), "{err}");
        let err = S3Options::from_lookup(vars(&[
            ("MINIO_ENDPOINT", "localhost:9000"),
            ("MINIO_ACCESS_KEY", "ak"),
            ("MINIO_SECRET_KEY", "sk"),
            ("MINIO_BUCKET", "b"),
            ("MINIO_USE_SSL", "maybe"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("MINIO_USE_SSL"), "{err}");
    }

    #[test]
    fn percent_decoding_restores_keys() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
