//! What every backend can store and read back: the checks that keep a value a store
//! cannot round-trip (a NUL byte, a date outside years 1–9999, JSON nested past what
//! a reader accepts) from ever being written.
//!
//! Postgres refuses NUL in `text` and `\u0000` in `jsonb`; SQLite stores both. A
//! year 0 or 10000 does not sort as text on SQLite and is not an ISO 8601 date for
//! the agents. A JSON document nested deeper than serde_json's reader allows is
//! written fine and then cannot be read. The rule is one for every backend: such
//! input is [`InvalidInput`](crate::ErrorKind::InvalidInput), named by field,
//! before anything is written.

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::{Error, Result};

/// Deepest nesting of arrays and objects accepted in stored JSON.
pub const MAX_JSON_DEPTH: usize = 64;
/// Earliest accepted year.
pub const MIN_YEAR: i32 = 1;
/// Latest accepted year.
pub const MAX_YEAR: i32 = 9999;

/// Refuses text that holds a NUL character.
pub fn check_text(field: &str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::invalid_input(format!(
            "{field}: must not contain the NUL character (\\u0000)"
        )));
    }
    Ok(())
}

/// Refuses a date outside years 0001–9999.
pub fn check_date(field: &str, date: NaiveDate) -> Result<()> {
    if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "{field}: the year must be from {MIN_YEAR:04} to {MAX_YEAR}"
        )))
    }
}

/// Parses a `YYYY-MM-DD` date strictly: four-digit year from 0001 to 9999, two-digit
/// month and day, nothing before or after (no sign, no `+10000`, no `26-01-01`).
pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate> {
    let invalid = || {
        let shown: String = value.chars().take(40).collect();
        Error::invalid_input(format!(
            "{field}: '{}' is not a YYYY-MM-DD date with a year from 0001 to 9999",
            shown.escape_default()
        ))
    };
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return Err(invalid());
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| invalid())?;
    check_date(field, date).map_err(|_| invalid())?;
    Ok(date)
}

/// Refuses JSON that a store could not read back: NUL in a key or string, or
/// nesting deeper than [`MAX_JSON_DEPTH`]. Numbers need no check: a
/// `serde_json::Value` holds only finite ones, and every backend returns them with
/// their value (an integral float such as `1e16` may read back as the integer).
pub fn check_json(field: &str, value: &Value) -> Result<()> {
    check_json_at(field, value, 0)
}

fn check_json_at(field: &str, value: &Value, depth: usize) -> Result<()> {
    match value {
        Value::String(s) => check_text(field, s),
        Value::Array(items) => {
            nested(field, depth)?;
            items
                .iter()
                .try_for_each(|item| check_json_at(field, item, depth + 1))
        }
        Value::Object(map) => {
            nested(field, depth)?;
            map.iter().try_for_each(|(key, item)| {
                check_text(field, key)?;
                check_json_at(field, item, depth + 1)
            })
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

fn nested(field: &str, depth: usize) -> Result<()> {
    if depth >= MAX_JSON_DEPTH {
        return Err(Error::invalid_input(format!(
            "{field}: nested deeper than {MAX_JSON_DEPTH} levels"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ErrorKind;

    #[test]
    fn nul_is_refused_and_names_the_field() {
        check_text("content", "tab\tand ünïcode 𝄞").unwrap();
        let err = check_text("content", "a\0b").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().starts_with("content:"), "{err}");
    }

    #[test]
    fn dates_are_strict_four_digit_years() {
        assert_eq!(
            parse_date("date", "2026-11-23").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        parse_date("date", "0001-01-01").unwrap();
        parse_date("date", "9999-12-31").unwrap();
        for bad in [
            "-0001-01-01",
            "0000-01-01",
            "+10000-01-01",
            "26-01-01",
            "2026-1-01",
            "2026-02-30",
            " 2026-01-01",
            "2026-01-01T00:00",
            "２０２６-01-01",
        ] {
            let err = parse_date("date", bad).unwrap_err();
            assert!(err.to_string().starts_with("date:"), "{bad}: {err}");
        }
        let year_zero = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        assert!(check_date("date", year_zero).is_err());
        let year_10000 = NaiveDate::from_ymd_opt(10000, 1, 1).unwrap();
        assert!(check_date("date", year_10000).is_err());
    }

    #[test]
    fn json_with_nul_or_deep_nesting_is_refused() {
        check_json("metadata", &json!({"n": 1.7976931348623157e308, "s": "ok"})).unwrap();
        assert!(check_json("metadata", &json!({"a\u{0}": 1})).is_err());
        assert!(check_json("metadata", &json!({"a": ["x\u{0}"]})).is_err());
        let mut deep = json!(1);
        for _ in 0..MAX_JSON_DEPTH {
            deep = json!([deep]);
        }
        check_json("metadata", &deep).unwrap();
        let err = check_json("metadata", &json!([deep])).unwrap_err();
        assert!(err.to_string().contains("nested deeper"), "{err}");
    }
}
