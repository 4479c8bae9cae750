//! The JSON Resume 1.0.0 rules for the parts AfterResume writes, checked before a
//! document is stored (the full official schema is checked in tests).

use serde_json::{Map, Value};

use crate::{Error, Result};

/// Checks a document against the JSON Resume 1.0.0 schema's rules for the parts
/// AfterResume writes: known top-level keys only (the schema forbids others),
/// strings where strings belong, ISO 8601 dates, arrays of strings for highlights
/// and keywords, an e-mail with an `@`.
pub fn validate_json_resume(document: &Value) -> Result<()> {
    const TOP: &[&str] = &[
        "$schema",
        "basics",
        "work",
        "volunteer",
        "education",
        "awards",
        "certificates",
        "publications",
        "skills",
        "languages",
        "interests",
        "references",
        "projects",
        "meta",
    ];
    let fail =
        |path: &str, what: &str| Err(Error::invalid_input(format!("JSON Resume {path}: {what}")));
    let Some(root) = document.as_object() else {
        return fail("document", "must be an object");
    };
    if let Some(key) = root.keys().find(|k| !TOP.contains(&k.as_str())) {
        return fail(key, "is not a JSON Resume property");
    }
    let strings = |obj: &Map<String, Value>, path: &str, keys: &[&str]| -> Result<()> {
        for key in keys {
            if let Some(v) = obj.get(*key)
                && !v.is_string()
            {
                return fail(&format!("{path}.{key}"), "must be a string");
            }
        }
        Ok(())
    };
    let string_array = |v: Option<&Value>, path: &str| -> Result<()> {
        match v {
            None => Ok(()),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
            Some(_) => fail(path, "must be an array of strings"),
        }
    };
    let date = |v: Option<&Value>, path: &str| -> Result<()> {
        match v.and_then(Value::as_str) {
            None => Ok(()),
            Some(s) if is_iso8601(s) => Ok(()),
            Some(s) => fail(
                path,
                &format!("'{s}' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)"),
            ),
        }
    };
    if let Some(basics) = root.get("basics") {
        let Some(basics) = basics.as_object() else {
            return fail("basics", "must be an object");
        };
        strings(
            basics,
            "basics",
            &["name", "label", "image", "email", "phone", "url", "summary"],
        )?;
        if let Some(email) = basics.get("email").and_then(Value::as_str)
            && !email.contains('@')
        {
            return fail("basics.email", "must be an e-mail address");
        }
    }
    for (section, keys) in [
        (
            "work",
            &[
                "name",
                "location",
                "description",
                "position",
                "url",
                "summary",
            ][..],
        ),
        (
            "projects",
            &["name", "description", "url", "entity", "type"][..],
        ),
    ] {
        let Some(items) = root.get(section) else {
            continue;
        };
        let Some(items) = items.as_array() else {
            return fail(section, "must be an array");
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("{section}[{i}]");
            let Some(obj) = item.as_object() else {
                return fail(&path, "must be an object");
            };
            strings(obj, &path, keys)?;
            date(obj.get("startDate"), &format!("{path}.startDate"))?;
            date(obj.get("endDate"), &format!("{path}.endDate"))?;
            string_array(obj.get("highlights"), &format!("{path}.highlights"))?;
        }
    }
    if let Some(items) = root.get("skills") {
        let Some(items) = items.as_array() else {
            return fail("skills", "must be an array");
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("skills[{i}]");
            let Some(obj) = item.as_object() else {
                return fail(&path, "must be an object");
            };
            strings(obj, &path, &["name", "level"])?;
            string_array(obj.get("keywords"), &format!("{path}.keywords"))?;
        }
    }
    if let Some(meta) = root.get("meta") {
        let Some(meta) = meta.as_object() else {
            return fail("meta", "must be an object");
        };
        strings(meta, "meta", &["canonical", "version", "lastModified"])?;
    }
    Ok(())
}

/// The schema's `iso8601` pattern: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
fn is_iso8601(s: &str) -> bool {
    let b = s.as_bytes();
    let year = |i: usize| {
        b.len() >= i + 4
            && matches!(b[i], b'1' | b'2')
            && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
    };
    let two = |i: usize, first: &[u8]| first.contains(&b[i]) && b[i + 1].is_ascii_digit();
    match b.len() {
        4 => year(0),
        7 => year(0) && b[4] == b'-' && two(5, b"01"),
        10 => year(0) && b[4] == b'-' && two(5, b"01") && b[7] == b'-' && two(8, b"0123"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validation_follows_the_schema_rules() {
        let good = json!({"$schema": super::super::JSON_RESUME_SCHEMA_URL, "basics": {"name": "A", "email": "a@x.io"},
            "work": [{"name": "billing", "startDate": "2026-01-05", "endDate": "2026-11", "highlights": ["x"], "x-afterresume": {}}],
            "skills": [{"name": "Languages", "keywords": ["Rust"]}], "meta": {"lastModified": "2026-11-24T00:00:00Z"}});
        validate_json_resume(&good).unwrap();
        for (bad, needle) in [
            (json!({"x-afterresume": 1}), "not a JSON Resume property"),
            (json!({"basics": {"email": "nope"}}), "e-mail"),
            (json!({"work": [{"startDate": "26-01-01"}]}), "ISO 8601"),
            (json!({"work": [{"highlights": [1]}]}), "array of strings"),
            (
                json!({"skills": [{"keywords": "Rust"}]}),
                "array of strings",
            ),
        ] {
            let err = validate_json_resume(&bad).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }
}
