//! Local-filesystem [`ArtifactStore`](afterresume_core::ArtifactStore).

mod artifact_store;

pub use artifact_store::LocalArtifactStore;
