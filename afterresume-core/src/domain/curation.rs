//! A person's choices about their resume: skills and bullets pinned, hidden,
//! put in order, a bullet's words changed. Kept in the profile document, so a
//! refresh (which rebuilds everything else from evidence) keeps them.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::storable::check_text;
use super::{SkillId, WorkLogId};
use crate::{Error, Result};

/// The most characters a rewritten bullet may have.
pub const MAX_BULLET_CHARS: usize = 400;

/// What the person chose for one skill or bullet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Shown first (skills) or always kept (bullets).
    #[serde(default)]
    pub pinned: bool,
    /// Left out of the resume.
    #[serde(default)]
    pub hidden: bool,
    /// Position among the others (lower first); none keeps the ranking.
    #[serde(default)]
    pub order: Option<i32>,
    /// A bullet's own words (it keeps its evidence); none keeps the written text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A change to a choice: each field present replaces the stored one (`order:
/// null` and `text: null` go back to the ranking and the written text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoicePatch {
    /// Pin or unpin.
    pub pinned: Option<bool>,
    /// Hide or show.
    pub hidden: Option<bool>,
    /// New position; `Some(None)` clears it.
    #[serde(default, deserialize_with = "present_order")]
    pub order: Option<Option<i32>>,
    /// New words (bullets only); `Some(None)` clears them.
    #[serde(default, deserialize_with = "present")]
    pub text: Option<Option<String>>,
}

/// An order given as any JSON number with an integral value in `i32`'s range
/// (`2.0` is the integer 2, as JSON Schema's `integer` says).
fn present_order<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<i32>>, D::Error> {
    let Some(number) = Option::<f64>::deserialize(d)? else {
        return Ok(Some(None));
    };
    let in_range =
        number.fract() == 0.0 && number >= f64::from(i32::MIN) && number <= f64::from(i32::MAX);
    if !in_range {
        return Err(serde::de::Error::custom(format!(
            "{number} is not a whole number from {} to {}",
            i32::MIN,
            i32::MAX
        )));
    }
    Ok(Some(Some(number as i32)))
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl ChoicePatch {
    /// The choice with this patch applied, checked.
    pub fn apply_to(self, choice: &Choice) -> Result<Choice> {
        let mut c = choice.clone();
        c.pinned = self.pinned.unwrap_or(c.pinned);
        c.hidden = self.hidden.unwrap_or(c.hidden);
        c.order = self.order.unwrap_or(c.order);
        c.text = self.text.unwrap_or(c.text);
        if let Some(text) = &c.text {
            check_text("text", text)?;
            if text.trim().is_empty() {
                return Err(Error::invalid_input("text: must not be blank"));
            }
            if text.chars().count() > MAX_BULLET_CHARS {
                return Err(Error::invalid_input(format!(
                    "text: must be at most {MAX_BULLET_CHARS} characters"
                )));
            }
        }
        if c.pinned && c.hidden {
            return Err(Error::invalid_input(
                "hidden: a pinned item cannot be hidden; unpin it first",
            ));
        }
        Ok(c)
    }
}

/// A bullet's id: the worklog it was written from and which statement of it
/// (`w12s0`), stable across refreshes while the worklog's text stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HighlightId {
    /// The worklog.
    pub worklog_id: WorkLogId,
    /// The statement's index in it.
    pub statement: usize,
}

impl HighlightId {
    /// Reads `w{worklog}s{statement}`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            let shown: String = text.chars().take(40).collect();
            Error::invalid_input(format!(
                "id: '{}' is not a highlight id (like w12s0)",
                shown.escape_default()
            ))
        };
        let rest = text.strip_prefix('w').ok_or_else(bad)?;
        let (worklog, statement) = rest.split_once('s').ok_or_else(bad)?;
        Ok(HighlightId {
            worklog_id: worklog.parse().map_err(|_| bad())?,
            statement: statement.parse().map_err(|_| bad())?,
        })
    }
}

impl std::fmt::Display for HighlightId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "w{}s{}", self.worklog_id, self.statement)
    }
}

/// Every choice of a person, by skill and by bullet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Curation {
    /// By skill id.
    #[serde(default)]
    pub skills: BTreeMap<SkillId, Choice>,
    /// By highlight id (`w12s0`).
    #[serde(default)]
    pub highlights: BTreeMap<String, Choice>,
}

impl Curation {
    /// The choice for a skill (the default when none).
    pub fn skill(&self, id: SkillId) -> Choice {
        self.skills.get(&id).cloned().unwrap_or_default()
    }

    /// The choice for a bullet (the default when none).
    pub fn highlight(&self, id: &HighlightId) -> Choice {
        self.highlights
            .get(&id.to_string())
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn choices_patch_and_check() {
        let patch: ChoicePatch =
            serde_json::from_value(json!({"pinned": true, "order": 2})).unwrap();
        let c = patch.apply_to(&Choice::default()).unwrap();
        assert!(c.pinned && c.order == Some(2));
        let clear: ChoicePatch = serde_json::from_value(json!({"order": null})).unwrap();
        assert_eq!(clear.apply_to(&c).unwrap().order, None);
        let both: ChoicePatch = serde_json::from_value(json!({"hidden": true})).unwrap();
        assert!(both.apply_to(&c).unwrap_err().to_string().contains("unpin"));
        let blank: ChoicePatch = serde_json::from_value(json!({"text": "  "})).unwrap();
        assert!(
            blank
                .apply_to(&c)
                .unwrap_err()
                .to_string()
                .contains("blank")
        );
        assert!(serde_json::from_value::<ChoicePatch>(json!({"pined": true})).is_err());
        let float: ChoicePatch = serde_json::from_value(json!({"order": 2198202.0})).unwrap();
        assert_eq!(float.order, Some(Some(2_198_202)));
        for bad in [json!(1.5), json!(3e10_f64), json!("1")] {
            assert!(serde_json::from_value::<ChoicePatch>(json!({"order": bad})).is_err());
        }
    }

    #[test]
    fn highlight_ids_read_back() {
        let id = HighlightId::parse("w12s3").unwrap();
        assert_eq!((id.worklog_id, id.statement), (12, 3));
        assert_eq!(id.to_string(), "w12s3");
        for bad in ["12s3", "w12", "wxs1", "w1s-1", ""] {
            assert!(HighlightId::parse(bad).is_err(), "{bad}");
        }
    }
}
