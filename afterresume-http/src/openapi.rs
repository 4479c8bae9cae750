//! Makes the OpenAPI document say what the server enforces, so that a client
//! generator or a fuzzer (schemathesis runs in the test suite) knows which
//! requests are valid and which answers to expect.
//!
//! The route macros describe shapes; this pass adds what they cannot say once for
//! every route: the JSON error body and the error statuses each route may answer
//! (400, 401, 403, 404, 409, 413, 415, 429, 503), and the bounds of parameters and
//! fields — page sizes, positive ids, dates, enums, text without NUL and the
//! core's length limits. Rules that tie two fields together (a report period of at
//! most [`MAX_REPORT_DAYS`] days) are stated in descriptions.

use afterresume_core::agents::MAX_REPORT_DAYS;
use afterresume_core::domain::{MAX_CONTENT_CHARS, storable::MAX_JSON_DEPTH};
use serde_json::{Value, json};

use afterresume_core::service::MAX_PAGE;

/// Text without the NUL character, which no store accepts.
const NO_NUL: &str = "^[^\\u0000]*$";
/// Text with at least one visible character and no NUL.
const NOT_BLANK: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";

pub(crate) fn text(max_chars: Option<usize>) -> Value {
    let mut schema = json!({"type": "string", "pattern": NO_NUL});
    if let Some(max) = max_chars {
        schema["maxLength"] = json!(max);
    }
    schema
}

pub(crate) fn not_blank(max_chars: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max_chars, "pattern": NOT_BLANK})
}

pub(crate) fn date() -> Value {
    json!({"type": "string", "format": "date", "description": "YYYY-MM-DD, years 0001 to 9999"})
}

pub(crate) fn nullable(mut schema: Value) -> Value {
    match schema.get("type").cloned() {
        Some(Value::Array(mut kinds)) => {
            if !kinds.contains(&json!("null")) {
                kinds.push(json!("null"));
            }
            schema["type"] = Value::Array(kinds);
        }
        Some(kind) => schema["type"] = json!([kind, "null"]),
        None => {}
    }
    schema
}

/// Any JSON value a store can hold: no NUL in keys or strings.
fn json_value() -> Value {
    json!({
        "description": format!("Any JSON value without NUL characters, nested at most {MAX_JSON_DEPTH} levels"),
        "anyOf": [
            {"type": "null"},
            {"type": "boolean"},
            {"type": "number"},
            {"type": "string", "pattern": NO_NUL},
            {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
            {"type": "object", "propertyNames": {"pattern": NO_NUL},
             "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}}
        ]
    })
}

pub(crate) fn metadata() -> Value {
    json!({"type": "object", "propertyNames": {"pattern": NO_NUL},
           "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}})
}

fn error_body() -> Value {
    json!({
        "type": "object",
        "description": "Every error: a stable code, a sentence, and per-field problems.",
        "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
        }
    })
}

/// The schema of a query, path or header parameter, by its name and route.
fn parameter_schema(name: &str, path: &str) -> Option<Value> {
    let page_max = if path.ends_with("/events/") {
        1000
    } else {
        MAX_PAGE
    };
    Some(match name {
        "id" if path.starts_with("/api/resume/highlights/") => {
            json!({"type": "string", "pattern": "^w[0-9]{1,18}s[0-9]{1,6}$"})
        }
        "skill_id" => json!({"type": "integer", "format": "int64", "minimum": 1}),
        "id" if path.starts_with("/api/jobs/") || path.starts_with("/system/jobs/") => {
            json!({"type": "string", "format": "uuid"})
        }
        "id" | "user_id" => json!({"type": "integer", "format": "int64", "minimum": 1}),
        "version" => json!({"type": "integer", "format": "int32", "minimum": 1}),
        "limit" => json!({"type": "integer", "minimum": 1, "maximum": page_max}),
        "after_id" => json!({"type": "integer", "format": "int64"}),
        "cursor" => json!({"type": "string", "pattern": "^([0-9a-f]{2}){1,128}$",
                           "description": "The `next` of the previous page; opaque"}),
        "date_from" | "date_to" => date(),
        "created_from" | "created_to" => json!({"type": "string", "format": "date-time"}),
        "kind" => json!({"type": "string", "enum": ["status", "standup", "summary"]}),
        "status" => {
            json!({"type": "string", "enum": ["queued", "running", "success", "failed", "cancelled"]})
        }
        "format" if path == crate::api::import::IMPORT_PATH => {
            json!({"type": "string", "enum": ["markdown", "md", "jrnl", "csv", "jsonl", "json-lines", "ndjson"]})
        }
        "format" if path.starts_with("/api/resume/") => {
            json!({"type": "string", "enum": ["json", "markdown", "md", "html", "text", "txt", "pdf"]})
        }
        "format" if path.starts_with("/api/reports/") => {
            json!({"type": "string", "enum": ["json", "markdown", "md", "html", "pdf"]})
        }
        "format" => json!({"type": "string", "enum": ["json", "markdown", "md", "html"]}),
        "name" | "queue" if name == "queue" || path.starts_with("/system/queues/") => json!({
            "type": "string",
            "pattern": format!("^[a-z0-9._-]{{1,{}}}$", afterresume_core::domain::MAX_QUEUE_NAME_LEN)
        }),
        "job_type" => json!({"type": "string", "maxLength": 100,
                             "pattern": "^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$"}),
        "name" => text(Some(200)),
        "dry_run" | "analyze" => json!({"type": "boolean"}),
        "theme" => json!({"type": "string", "enum": afterresume_core::agents::RESUME_THEMES}),
        "tag" => json!({"type": "string", "minLength": 1, "pattern": NOT_BLANK}),
        "type" => text(None),
        "Idempotency-Key" => json!({"type": "string", "minLength": 1, "maxLength": 200,
                                    "pattern": "^[\t -~]*[!-~][\t -~]*$"}),
        _ => return None,
    })
}

/// Field constraints of the request bodies, by schema name.
fn tighten_bodies(schemas: &mut serde_json::Map<String, Value>) {
    let mut set = |schema: &str, field: &str, value: Value| {
        if let Some(property) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{field}")))
        {
            let description = property.get("description").cloned();
            *property = value;
            if let (Some(description), Some(object)) = (description, property.as_object_mut()) {
                object.entry("description").or_insert(description);
            }
        }
    };
    let tags = json!({"type": "array", "maxItems": 50, "items": not_blank(64)});
    let source = json!({"type": "string", "pattern": "^[a-z0-9_-]{1,32}$"});
    for schema in ["WorkLogInput", "WorkLogUpdate"] {
        let optional = schema == "WorkLogUpdate";
        let maybe = |v: Value| if optional { nullable(v) } else { v };
        set(schema, "content", maybe(not_blank(MAX_CONTENT_CHARS)));
        set(schema, "date", nullable(date()));
        set(schema, "title", nullable(text(Some(300))));
        set(schema, "tags", maybe(tags.clone()));
        set(schema, "source", nullable(source.clone()));
        set(schema, "metadata", maybe(metadata()));
    }
    set("Credentials", "name", nullable(not_blank(100)));
    set(
        "TailorInput",
        "job_description",
        not_blank(afterresume_core::agents::MAX_JOB_DESCRIPTION_CHARS),
    );
    set(
        "GenerateInput",
        "kind",
        json!({"type": "string", "enum": ["status", "standup", "summary"]}),
    );
    for field in ["start", "end"] {
        set("GenerateInput", field, nullable(date()));
        set("RecomputeInput", field, nullable(date()));
    }
    set(
        "RecomputeInput",
        "window_days",
        json!({"type": ["integer", "null"], "minimum": 1, "maximum": 3650,
               "description": "Days back from `end`; not together with `start`"}),
    );
    if let Some(generate) = schemas.get_mut("GenerateInput") {
        generate["description"] = json!(format!(
            "What report to generate. `start` is not after `end`, and a report covers at most {MAX_REPORT_DAYS} days."
        ));
    }
}

/// The error statuses an operation may answer, beside the ones it documents.
fn error_statuses(
    path: &str,
    method: &str,
    operation: &Value,
) -> Vec<(&'static str, &'static str)> {
    let secured = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let has_body = operation.get("requestBody").is_some();
    let login = path == "/api/auth/login/" || path == "/api/auth/token/";
    let mut out = vec![
        (
            "400",
            "Invalid input (the field is named in `fields`); nothing changed",
        ),
        (
            "503",
            "A backend service is unavailable; nothing changed, try again",
        ),
    ];
    if secured {
        out.push(("401", "Authentication required"));
        out.push((
            "403",
            "Not allowed: staff only, another user's objects, or a failed CSRF check",
        ));
    }
    if path.contains('{') || path.starts_with("/api/resume/") {
        out.push(("404", "Not found, or not yours"));
    }
    if has_body || method == "post" {
        out.push(("413", "The body is larger than AFTERRESUME_MAX_BODY_BYTES"));
        out.push(("415", "The body is not JSON"));
    }
    let has_key = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
    if has_key || path.ends_with("/cancel/") || path == "/api/auth/token/" {
        out.push(("409", "Conflict: an Idempotency-Key reused for another request, a finished job, or too many tokens"));
    }
    if login {
        out.push(("401", "Wrong username or password"));
        out.push(("429", "Too many failed logins; see Retry-After"));
    }
    out
}

/// Tightens a generated document in place.
pub(crate) fn tighten(document: &mut Value) {
    let schemas = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    if let Some(schemas) = schemas {
        schemas.insert("Error".to_owned(), error_body());
        schemas.insert("JsonValue".to_owned(), json_value());
        tighten_bodies(schemas);
        for (name, schema) in crate::openapi_profile::profile_schemas() {
            schemas.insert(name.to_owned(), schema);
        }
    }
    for (path, method, schema) in crate::openapi_profile::PROFILE_BODIES {
        if let Some(body) = document.pointer_mut(&format!(
            "/paths/{}/{method}/requestBody/content/application~1json",
            path.replace('~', "~0").replace('/', "~1")
        )) {
            body["schema"] = json!({"$ref": format!("#/components/schemas/{schema}")});
        }
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, operations) in paths.iter_mut() {
        let Some(operations) = operations.as_object_mut() else {
            continue;
        };
        for (method, operation) in operations.iter_mut() {
            if let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            {
                for parameter in parameters {
                    let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                    if let Some(schema) = parameter_schema(&name, path) {
                        parameter["schema"] = schema;
                    }
                    // An empty query parameter counts as absent (as HTML forms send them).
                    if parameter["in"] == "query" {
                        parameter["allowEmptyValue"] = json!(true);
                    }
                }
            }
            for (status, description) in error_statuses(path, method, operation) {
                let responses = &mut operation["responses"];
                let entry = responses.as_object_mut().map(|r| {
                    r.entry(status)
                        .or_insert_with(|| json!({"description": description}))
                });
                if let Some(entry) = entry {
                    entry["content"] = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}});
                }
            }
        }
    }
}
