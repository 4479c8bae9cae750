//! Templates (embedded, HTML auto-escaped) and the headers every page carries.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde_json::Value;

/// No inline script or style, nothing from elsewhere, never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in [
        ("layout.html", include_str!("templates/layout.html")),
        ("entries.html", include_str!("templates/entries.html")),
        ("login.html", include_str!("templates/login.html")),
        ("today.html", include_str!("templates/today.html")),
        ("journal.html", include_str!("templates/journal.html")),
        ("error.html", include_str!("templates/error.html")),
        ("skills.html", include_str!("templates/skills.html")),
        ("resume.html", include_str!("templates/resume.html")),
        ("edit.html", include_str!("templates/edit.html")),
        ("reports.html", include_str!("templates/reports.html")),
        ("report.html", include_str!("templates/report.html")),
        ("tailored.html", include_str!("templates/tailored.html")),
        ("jobs.html", include_str!("templates/jobs.html")),
        ("job.html", include_str!("templates/job.html")),
        (
            "ops_dashboard.html",
            include_str!("templates/ops_dashboard.html"),
        ),
        (
            "ops_schedules.html",
            include_str!("templates/ops_schedules.html"),
        ),
        ("ops_users.html", include_str!("templates/ops_users.html")),
        ("ops_queues.html", include_str!("templates/ops_queues.html")),
        ("api_docs.html", include_str!("templates/api_docs.html")),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// A page rendered from a template, with the security headers of every page.
pub(super) fn page(template: &str, status: StatusCode, context: &Value) -> Response {
    match TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(context))
    {
        Ok(html) => html_response(status, html),
        Err(e) => {
            tracing::error!(template, error = %e, "page failed to render");
            html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>This page failed to render.</p>".into(),
            )
        }
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The files `/assets/` serves: ours and the vendored Swagger UI.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/app.js"),
    ),
    (
        "api-docs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/api-docs.js"),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/vendor/swagger-ui/swagger-ui.css"),
    ),
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/vendor/swagger-ui/swagger-ui-bundle.js"),
    ),
];

/// `GET /assets/{name}`: a stylesheet or script, cacheable for a day.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A standalone document (a resume or report page, whose styles are inline)
/// for a frame of one of our pages: its policy allows its own styles and
/// nothing else, and only this site may frame it.
pub(super) fn framed_document(html: String) -> Response {
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
        ),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    response
}

/// A file to save, named `filename`.
pub(super) fn attachment(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Percent-encodes a value for a link's query string (`/` may stay).
pub(super) fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    /// A template file that is not embedded renders every page that uses it
    /// as "failed to render"; this names the file instead.
    #[test]
    fn every_template_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".html") {
                assert!(
                    TEMPLATES.get_template(&name).is_ok(),
                    "{name} is not in the embedded templates"
                );
            }
        }
    }
}
