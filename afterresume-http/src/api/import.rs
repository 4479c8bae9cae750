//! `POST /api/worklogs/import/`: a JSON array of entries, or a file
//! (`?format=markdown|jrnl|csv|jsonl`, as the raw body or a multipart upload).
//! Parsed and checked here, all or nothing; small imports are written at once
//! (200 with counts), large ones or ones sent with an `Idempotency-Key` run as
//! a `worklogs.import` job (202) that reports its progress as events.

use afterresume_core::import::{ImportFormat, MAX_FILE_BYTES, parse_bytes, parse_json_entries};
use afterresume_core::service::import::{ImportOptions, ImportReport};
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::{Params, accepted, idempotency_key};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Entries written within the request; more run as a job.
const SYNC_LIMIT: usize = 500;
/// The route, for the body-size guard.
pub(crate) const IMPORT_PATH: &str = "/api/worklogs/import/";
/// Largest import body: a file as large as an import reads, with room for a
/// multipart envelope.
pub(crate) const IMPORT_BODY_BYTES: usize = MAX_FILE_BYTES + 64 * 1024;

/// The body limit of the import route: [`IMPORT_BODY_BYTES`], or the server's
/// limit when that is larger.
pub(crate) fn import_body_limit(max_body_bytes: usize) -> usize {
    max_body_bytes.max(IMPORT_BODY_BYTES)
}

#[utoipa::path(post, path = "/api/worklogs/import/", tag = "worklogs",
    params(
        ("format" = Option<String>, Query, description = "markdown, jrnl, csv or jsonl: the body is that file (raw, or the first file of a multipart upload); absent: the body is a JSON array of entries {date, content, title?, tags?, id?, metadata?}"),
        ("name" = Option<String>, Query, description = "The file's name: it scopes the entries' ids, so the same file imported again updates instead of adding (default: upload)"),
        ("dry_run" = Option<bool>, Query, description = "Say what would be created or updated; store nothing"),
        ("analyze" = Option<bool>, Query, description = "Enqueue analysis of every entry created or changed"),
        ("Idempotency-Key" = Option<String>, Header, description = "Runs the import as a job; retries with the same key return the same job"),
    ),
    request_body(content = Vec<Object>, description = "Entries, or a file in `format`"),
    responses(
        (status = 200, description = "`{read, created, updated, unchanged, skipped, worklog_ids, analysis_jobs, dry_run}`"),
        (status = 202, description = "Large imports (over 500 entries) and keyed requests run as a `worklogs.import` job"),
        (status = 400, description = "Invalid entries, each named in `fields` by file and line; nothing stored"),
    ),
    security(("token" = []), ("session" = [])))]
pub(crate) async fn import(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
    headers: HeaderMap,
    request: Request,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?.map(str::to_owned);
    let options = ImportOptions {
        dry_run: params.flag("dry_run")?,
        analyze: params.flag("analyze")?,
    };
    let name = params.get("name").unwrap_or("upload").to_owned();
    let format = params.get("format").map(ImportFormat::parse).transpose()?;
    let (entries, skipped) = match format {
        None => {
            let body = body_bytes(&state, request).await?;
            let value: Value = serde_json::from_slice(&body).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    format!("the body is not valid JSON: {e}"),
                )
            })?;
            (parse_json_entries(&name, value)?, 0)
        }
        Some(format) => {
            let file = file_bytes(&state, request).await?;
            let parsed = parse_bytes(format, &name, &file)?;
            (parsed.entries, parsed.skipped)
        }
    };
    let actor = caller.actor();
    if entries.len() > SYNC_LIMIT || key.is_some() {
        let enqueued = state
            .app
            .enqueue_import(&actor, None, entries, options, key.as_deref())
            .await?;
        return Ok(accepted(&enqueued));
    }
    let mut report: ImportReport = state
        .app
        .import_entries(&actor, None, entries, options)
        .await?;
    report.summary.skipped += skipped;
    Ok((StatusCode::OK, Json(report_json(&report, options))).into_response())
}

fn report_json(report: &ImportReport, options: ImportOptions) -> Value {
    json!({
        "read": report.summary.read,
        "created": report.summary.created,
        "updated": report.summary.updated,
        "unchanged": report.summary.unchanged,
        "skipped": report.summary.skipped,
        "worklog_ids": report.changed,
        "analysis_jobs": report.analysis_jobs,
        "dry_run": options.dry_run,
    })
}

async fn body_bytes(state: &AppState, request: Request) -> ApiResult<Bytes> {
    Bytes::from_request(request, state)
        .await
        .map_err(|_| too_large())
}

/// The file: the first file field of a multipart upload, else the raw body.
async fn file_bytes(state: &AppState, request: Request) -> ApiResult<Bytes> {
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return body_bytes(state, request).await;
    }
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::field("file", e.body_text()))?;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::field("file", e.body_text()))?
    {
        if field.file_name().is_some() || field.name() == Some("file") {
            return field
                .bytes()
                .await
                .map_err(|e| ApiError::field("file", e.body_text()));
        }
    }
    Err(ApiError::field("file", "the upload holds no file"))
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the body is larger than an import accepts (4 MiB of file, or AFTERRESUME_MAX_BODY_BYTES if larger)",
    )
}
