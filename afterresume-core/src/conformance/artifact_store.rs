//! Conformance of [`ArtifactStore`] implementations.
//!
//! Scenarios take a factory `Fn() -> Future<Output = SharedArtifactStore>` that returns
//! a fresh, empty store (or an isolated prefix of one) each call.

use std::future::Future;
use std::time::Duration;

use crate::ErrorKind;
use crate::ports::{ArtifactKey, PutOptions, SharedArtifactStore};

/// Runs every artifact-store scenario as its own test.
#[macro_export]
macro_rules! artifact_store_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            artifact_store,
            $factory,
            [
                put_get_head_round_trip,
                overwrite_replaces_bytes_and_meta,
                list_by_prefix_in_key_order,
                delete_is_idempotent,
                missing_keys_are_not_found,
                invalid_keys_and_prefixes_are_rejected,
                binary_and_large_objects,
                presign_matches_capability,
            ]
        );
    };
}

fn key(k: &str) -> ArtifactKey {
    ArtifactKey::parse(k).unwrap()
}

fn sha256_of_abc() -> &'static str {
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
}

/// Bytes, size, content type and SHA-256 survive a round trip.
pub async fn put_get_head_round_trip<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    let k = key("reports/1/summary.md");
    let opts = PutOptions {
        content_type: Some("text/markdown".into()),
    };
    let meta = store.put(&k, b"abc".to_vec(), &opts).await.unwrap();
    assert_eq!(
        (meta.size, meta.content_type.as_str(), meta.sha256.as_str()),
        (3, "text/markdown", sha256_of_abc())
    );
    let got = store.get(&k).await.unwrap();
    assert_eq!(got.bytes, b"abc");
    assert_eq!(got.meta.sha256, sha256_of_abc());
    assert_eq!(got.meta.content_type, "text/markdown");
    let head = store.head(&k).await.unwrap();
    assert_eq!(
        (head.key, head.size, head.sha256),
        (k.clone(), 3, sha256_of_abc().to_owned())
    );
    let plain = store
        .put(&key("raw"), b"x".to_vec(), &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(plain.content_type, "application/octet-stream");
}

/// A second put under a key replaces the first whole.
pub async fn overwrite_replaces_bytes_and_meta<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    let k = key("resume/latest.html");
    store
        .put(
            &k,
            b"old contents".to_vec(),
            &PutOptions {
                content_type: Some("text/plain".into()),
            },
        )
        .await
        .unwrap();
    store
        .put(
            &k,
            b"abc".to_vec(),
            &PutOptions {
                content_type: Some("text/html".into()),
            },
        )
        .await
        .unwrap();
    let got = store.get(&k).await.unwrap();
    assert_eq!(got.bytes, b"abc");
    assert_eq!(
        (got.meta.size, got.meta.content_type.as_str()),
        (3, "text/html")
    );
    assert_eq!(store.list("resume/").await.unwrap().len(), 1);
}

/// Listing returns exactly the keys under a prefix, in key order.
pub async fn list_by_prefix_in_key_order<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    for k in ["b/2", "a/1", "b/1", "b/10/x", "bb/1", "c"] {
        store
            .put(&key(k), k.as_bytes().to_vec(), &PutOptions::default())
            .await
            .unwrap();
    }
    let keys = |metas: Vec<crate::ports::ArtifactMeta>| {
        metas
            .into_iter()
            .map(|m| m.key.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(store.list("b/").await.unwrap()),
        vec!["b/1", "b/10/x", "b/2"]
    );
    assert_eq!(
        keys(store.list("b").await.unwrap()),
        vec!["b/1", "b/10/x", "b/2", "bb/1"]
    );
    assert_eq!(
        keys(store.list("").await.unwrap()),
        vec!["a/1", "b/1", "b/10/x", "b/2", "bb/1", "c"]
    );
    assert!(store.list("zzz/").await.unwrap().is_empty());
}

/// Deleting removes the artifact; deleting again is fine.
pub async fn delete_is_idempotent<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    let k = key("tmp/file");
    store
        .put(&k, b"abc".to_vec(), &PutOptions::default())
        .await
        .unwrap();
    store.delete(&k).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap_err().kind(), ErrorKind::NotFound);
    store.delete(&k).await.unwrap();
}

/// Reading a missing key is NotFound.
pub async fn missing_keys_are_not_found<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    assert_eq!(
        store.get(&key("nope")).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store.head(&key("nope/nope")).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// Keys that could escape the store are rejected before any I/O, and so are prefixes.
pub async fn invalid_keys_and_prefixes_are_rejected<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    for bad in ["../etc/passwd", "/abs", "a/../../b", "a//b", ""] {
        let err = ArtifactKey::parse(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    for bad in ["../", "/", "a/../"] {
        assert_eq!(
            store.list(bad).await.unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "{bad}"
        );
    }
    assert!(store.list("").await.unwrap().is_empty());
}

/// Arbitrary bytes (newlines, NULs, all byte values) and a 5 MiB object round-trip.
pub async fn binary_and_large_objects<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    let binary: Vec<u8> = (0..=255u8).chain(b"\n\r\n\0{}".iter().copied()).collect();
    store
        .put(&key("bin"), binary.clone(), &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(store.get(&key("bin")).await.unwrap().bytes, binary);
    let large: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let meta = store
        .put(
            &key("exports/large.bin"),
            large.clone(),
            &PutOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(meta.size, large.len() as u64);
    let got = store.get(&key("exports/large.bin")).await.unwrap();
    assert!(got.bytes == large, "large object corrupted");
    assert_eq!(got.meta.sha256, meta.sha256);
}

/// `presign_get` works exactly when the store says it can.
pub async fn presign_matches_capability<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedArtifactStore>,
{
    let store = make().await;
    let k = key("share/me.txt");
    store
        .put(&k, b"abc".to_vec(), &PutOptions::default())
        .await
        .unwrap();
    let result = store.presign_get(&k, Duration::from_secs(60)).await;
    if store.capabilities().presign {
        let url = result.unwrap();
        assert!(url.starts_with("http"), "{url}");
    } else {
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Unsupported);
    }
}
