//! Profile documents as SQL backends store them: JSON text read back strictly,
//! so a row that no longer parses is an error rather than an empty profile.

use afterresume_core::domain::ProfileDocument;
use afterresume_core::{Error, Result};

/// The text stored for a document.
pub(crate) fn profile_text(document: &ProfileDocument) -> Result<String> {
    serde_json::to_string(document)
        .map_err(|e| Error::unexpected(format!("profile: cannot encode the document: {e}")))
}

/// The document a stored text holds.
pub(crate) fn profile_from_text(text: &str) -> Result<ProfileDocument> {
    serde_json::from_str(text)
        .map_err(|e| Error::backend(format!("profile: the stored document does not parse: {e}")))
}
