//! The S3 artifact store against the artifact suite on the server the
//! `AFTERRESUME_TEST_S3_*` variables name (SeaweedFS, started by scripts/services.sh),
//! plus multipart uploads, presigned URLs and cleanup. Each scenario gets its own
//! object prefix.
#![cfg(all(feature = "s3", feature = "conformance"))]

use std::sync::Arc;
use std::time::Duration;

use afterresume_backends::s3::S3ArtifactStore;
use afterresume_backends::testing::{s3_options, s3_store};
use afterresume_core::ErrorKind;
use afterresume_core::ports::*;

mod artifact_store {
    use super::*;
    afterresume_core::artifact_store_conformance!(|| async {
        Arc::new(s3_store().await) as SharedArtifactStore
    });
}

fn key(k: &str) -> ArtifactKey {
    ArtifactKey::parse(k).unwrap()
}

/// Objects above the threshold go up in parts and come back whole, with their
/// content type and digest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_objects_upload_in_parts() {
    let mut options = s3_options();
    options.multipart_threshold = 5 * 1024 * 1024;
    let store = S3ArtifactStore::new(&options).unwrap();
    let bytes: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let meta = store
        .put(
            &key("exports/big.bin"),
            bytes.clone(),
            &PutOptions {
                content_type: Some("application/x-test".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(meta.size, bytes.len() as u64);
    assert_eq!(meta.content_type, "application/x-test");
    let got = store.get(&key("exports/big.bin")).await.unwrap();
    assert_eq!(got.bytes.len(), bytes.len());
    assert!(got.bytes == bytes, "multipart object came back different");
    assert_eq!(got.meta.sha256, meta.sha256);
    assert_eq!(meta.sha256.len(), 64);
    store.delete(&key("exports/big.bin")).await.unwrap();
}

/// A presigned GET URL reads the object without credentials; a tampered one is
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_urls_read_without_credentials() {
    let store = s3_store().await;
    let k = key("share/resume.md");
    store
        .put(&k, b"# Resume".to_vec(), &PutOptions::default())
        .await
        .unwrap();
    let url = store
        .presign_get(&k, Duration::from_secs(60))
        .await
        .unwrap();
    let response = reqwest::get(&url).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"# Resume");
    let tampered = url.replace("resume.md", "other.md");
    let response = reqwest::get(&tampered).await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let err = store.presign_get(&k, Duration::ZERO).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// Wrong credentials and a missing bucket are reported, not hidden.
#[tokio::test]
async fn bad_credentials_and_buckets_are_reported() {
    let mut options = s3_options();
    options.secret_key = "wrong-secret".into();
    let store = S3ArtifactStore::new(&options).unwrap();
    assert!(store.check().await.is_err());
    let mut options = s3_options();
    options.bucket = String::new();
    assert_eq!(
        S3ArtifactStore::new(&options).unwrap_err().kind(),
        ErrorKind::ConfigInvalid
    );
}
