//! The request bodies of `/api/profile/`, `/api/positions/`,
//! `/api/education/`, curation, imports and `/system/schedules/` as JSON Schemas: the handlers parse them straight into the
//! core's request types, so the document states those types' rules here (the
//! one rule between two fields, `end_date` not before `start_date`, is in the
//! descriptions).

use serde_json::{Value, json};

use crate::openapi::{date, not_blank, nullable, text};

/// Which operation takes which body schema.
pub(crate) const PROFILE_BODIES: &[(&str, &str, &str)] = &[
    ("/api/profile/", "patch", "ProfileUpdate"),
    ("/api/positions/", "post", "PositionInput"),
    ("/api/positions/{id}/", "patch", "PositionUpdate"),
    ("/api/education/", "post", "EducationInput"),
    ("/api/education/{id}/", "patch", "EducationUpdate"),
    (
        "/api/resume/skills/{skill_id}/",
        "patch",
        "SkillChoiceUpdate",
    ),
    (
        "/api/resume/highlights/{id}/",
        "patch",
        "HighlightChoiceUpdate",
    ),
    ("/api/worklogs/import/", "post", "ImportEntries"),
    ("/system/schedules/", "post", "ScheduleInput"),
];

/// A schedule to create or replace.
fn schedule() -> Value {
    object(
        json!({
            "name": not_blank(100),
            "cron": not_blank(200),
            "time_zone": nullable(not_blank(64)),
            "type": {"type": "string",
                     "enum": afterresume_core::workflows::BUILTIN_JOB_TYPES,
                     "description": "A registered job type"},
            "payload": {"type": "object"},
            "user_id": {"type": ["integer", "null"], "format": "int64"},
            "enabled": {"type": "boolean"},
        }),
        &["name", "cron", "type"],
        "A recurring job; the cron is read in `time_zone` (IANA, default UTC).",
    )
}

/// An import's JSON body: entries as the core's JSON import reads them.
fn import_entries() -> Value {
    let entry = object(
        json!({
            "date": date(),
            "content": not_blank(afterresume_core::domain::MAX_CONTENT_CHARS),
            "title": nullable(text(Some(300))),
            "tags": {"type": "array", "maxItems": 50, "items": not_blank(64)},
            "id": {"oneOf": [not_blank(200), {"type": "integer"}],
                   "description": "Names the entry across imports (default: its date and place among that day's entries); unique within a request"},
            "metadata": crate::openapi::metadata(),
        }),
        &["date", "content"],
        "One worklog to import.",
    );
    json!({"type": "array", "maxItems": afterresume_core::service::worklogs::MAX_IMPORT, "items": entry})
}

fn choice(with_text: bool) -> Value {
    let mut properties = json!({
        "pinned": {"type": ["boolean", "null"]},
        "hidden": {"type": ["boolean", "null"]},
        "order": {"type": ["integer", "null"], "format": "int32",
                  "minimum": i32::MIN, "maximum": i32::MAX},
    });
    if with_text {
        properties["text"] = nullable(not_blank(afterresume_core::domain::MAX_BULLET_CHARS));
    }
    object(
        properties,
        &[],
        "Fields to change. A pinned item cannot be hidden (unpin it first).",
    )
}

fn email() -> Value {
    json!({"type": "string", "maxLength": 254, "pattern": "^([!-?A-~]+@[!-~]*\\.[!-~]*)?$",
           "description": "An e-mail address, or empty"})
}

fn url() -> Value {
    json!({"type": "string", "maxLength": 500,
           "pattern": "^(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][!-~]*)?)?$",
           "description": "An http:// or https:// address (a host name, an optional port), or empty"})
}

fn object(properties: Value, required: &[&str], description: &str) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": properties,
           "required": required, "description": description})
}

/// Every field optional and nullable (null leaves it as it is).
fn update(mut input: Value, description: &str) -> Value {
    if let Some(properties) = input["properties"].as_object_mut() {
        for schema in properties.values_mut() {
            *schema = nullable(schema.clone());
        }
    }
    input["required"] = json!([]);
    input["description"] = json!(description);
    input
}

fn position() -> Value {
    object(
        json!({
            "company": not_blank(200),
            "title": not_blank(200),
            "location": text(Some(200)),
            "start_date": date(),
            "end_date": nullable(date()),
            "summary": text(Some(2000)),
            "url": url(),
        }),
        &["company", "title", "start_date"],
        "A position. `end_date` (null: current) is not before `start_date`.",
    )
}

fn education() -> Value {
    object(
        json!({
            "institution": not_blank(200),
            "area": text(Some(200)),
            "study_type": text(Some(100)),
            "start_date": nullable(date()),
            "end_date": nullable(date()),
            "score": text(Some(50)),
            "url": url(),
        }),
        &["institution"],
        "An education entry. `end_date` is not before `start_date`.",
    )
}

fn profile_update() -> Value {
    let location = object(
        json!({
            "city": text(Some(200)),
            "region": text(Some(200)),
            "countryCode": {"type": "string", "pattern": "^([A-Z]{2})?$",
                            "description": "ISO 3166-1 alpha-2, or empty"},
        }),
        &[],
        "Where the person is",
    );
    let social = object(
        json!({"network": not_blank(100), "username": text(Some(200)), "url": url()}),
        &["network"],
        "An online profile",
    );
    let days = json!({"type": "array", "minItems": 1,
        "items": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}});
    update(
        object(
            json!({
                "name": text(Some(200)),
                "label": text(Some(200)),
                "email": email(),
                "phone": text(Some(50)),
                "url": url(),
                "summary": text(Some(2000)),
                "location": location,
                "profiles": {"type": "array", "maxItems": 20, "items": social},
                "working_days": days,
            }),
            &[],
            "",
        ),
        "Fields to change; each present one replaces the stored value.",
    )
}

/// The schemas, by name.
pub(crate) fn profile_schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("ProfileUpdate", profile_update()),
        ("PositionInput", position()),
        (
            "PositionUpdate",
            update(
                position(),
                "Fields to change; `end_date: null` makes the position current. `end_date` is not before `start_date`.",
            ),
        ),
        ("EducationInput", education()),
        ("ImportEntries", import_entries()),
        ("ScheduleInput", schedule()),
        ("SkillChoiceUpdate", choice(false)),
        ("HighlightChoiceUpdate", choice(true)),
        (
            "EducationUpdate",
            update(
                education(),
                "Fields to change; dates may be null. `end_date` is not before `start_date`.",
            ),
        ),
    ]
}
