//! `/api/docs/`: Swagger UI over `/api/openapi.json`, from vendored files
//! (no CDN). Like the document it shows, the page is public; calls made from
//! it carry the caller's own session or token.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::render;

/// Swagger UI sets styles from script, so this page (and only this one)
/// allows inline styles; scripts still come only from this site.
const API_DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// `GET /api/docs/`.
pub(super) async fn page() -> Response {
    let mut response = render::page("api_docs.html", StatusCode::OK, &json!({}));
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(API_DOCS_POLICY),
    );
    response
}
