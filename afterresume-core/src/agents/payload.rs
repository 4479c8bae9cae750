//! Reading job payloads: every field error is a permanent `invalid_input` naming the
//! field, so a bad payload fails at once instead of being retried.

use chrono::NaiveDate;
use serde_json::Value;

use crate::{Error, Result};

/// A job payload (a JSON object).
#[derive(Debug, Clone, Copy)]
pub struct Payload<'a>(pub &'a Value);

impl<'a> Payload<'a> {
    /// A required positive integer id.
    pub fn id(&self, field: &str) -> Result<i64> {
        self.opt_id(field)?
            .ok_or_else(|| Error::invalid_input(format!("payload.{field}: required")))
    }

    /// An optional positive integer id.
    pub fn opt_id(&self, field: &str) -> Result<Option<i64>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(Error::invalid_input(format!(
                    "payload.{field}: must be a positive integer, got {v}"
                ))),
            },
        }
    }

    /// An optional `YYYY-MM-DD` date.
    pub fn opt_date(&self, field: &str) -> Result<Option<NaiveDate>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                crate::domain::storable::parse_date(&format!("payload.{field}"), s).map(Some)
            }
            Some(v) => Err(Error::invalid_input(format!(
                "payload.{field}: must be a YYYY-MM-DD string, got {v}"
            ))),
        }
    }

    /// An optional integer in `range`.
    pub fn opt_u32_in(
        &self,
        field: &str,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<Option<u32>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if range.contains(&(n as u32)) && n <= u32::MAX as u64 => {
                    Ok(Some(n as u32))
                }
                _ => Err(Error::invalid_input(format!(
                    "payload.{field}: must be an integer from {} to {}, got {v}",
                    range.start(),
                    range.end()
                ))),
            },
        }
    }

    /// An optional string.
    pub fn opt_str(&self, field: &str) -> Result<Option<&'a str>> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(Error::invalid_input(format!(
                "payload.{field}: must be a string, got {v}"
            ))),
        }
    }

    /// An optional boolean (false when absent).
    pub fn flag(&self, field: &str) -> Result<bool> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(Error::invalid_input(format!(
                "payload.{field}: must be true or false, got {v}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_checked_and_named() {
        let v =
            json!({"worklog_id": 3, "bad": -1, "start": "2026-02-30", "kind": 5, "chain": "yes"});
        let p = Payload(&v);
        assert_eq!(p.id("worklog_id").unwrap(), 3);
        assert!(
            p.id("missing")
                .unwrap_err()
                .to_string()
                .contains("payload.missing: required")
        );
        assert!(
            p.id("bad")
                .unwrap_err()
                .to_string()
                .contains("positive integer")
        );
        assert!(
            p.opt_date("start")
                .unwrap_err()
                .to_string()
                .contains("not a YYYY-MM-DD")
        );
        assert!(p.opt_str("kind").is_err());
        assert!(p.flag("chain").is_err());
        assert_eq!(p.opt_u32_in("window_days", 1..=3650).unwrap(), None);
    }
}
