//! Checking what a model answers: the JSON found in its text, the shape, every
//! quote located in the entry, every skill name normalized through the taxonomy.

use serde_json::{Value, json};

use super::SkillMention;
use super::signals::WorkCategory;
use crate::ports::LlmResponse;
use crate::taxonomy::CompiledTaxonomy;
use crate::{Error, Result};

/// A checked answer: the mentions, and the summary and category if usable.
#[derive(Debug)]
pub(crate) struct Validated {
    pub(crate) mentions: Vec<SkillMention>,
    pub(crate) summary: Option<String>,
    pub(crate) category: Option<WorkCategory>,
}

/// The error that sends quotes the entry does not hold back to the model.
/// Where a model's quote sits in the entry: its byte offset and the entry's own
/// text there. A quote matches literally or up to ASCII case and a trailing
/// sentence mark ("The Docker image is now 40% smaller." quotes "...; the Docker
/// image is now 40% smaller"), since small models capitalise what they copy.
pub(crate) fn locate_quote<'c>(content: &'c str, quote: &str) -> Option<(usize, &'c str)> {
    let quote = quote
        .trim()
        .trim_end_matches(['.', '!', '?', ',', ';', ':']);
    if quote.trim().is_empty() {
        return None;
    }
    let start = content.find(quote).or_else(|| {
        // ASCII lowercasing keeps every byte offset.
        content
            .to_ascii_lowercase()
            .find(&quote.to_ascii_lowercase())
    })?;
    Some((start, &content[start..start + quote.len()]))
}

pub(crate) fn quotes_not_found(missing: &[String]) -> Error {
    Error::invalid_input(format!(
        "these quotes do not occur literally in the entry: {}",
        missing
            .iter()
            .map(|q| format!("{q:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A model's work category, if it is one.
pub(crate) fn work_category(name: String) -> Option<WorkCategory> {
    serde_json::from_value::<WorkCategory>(Value::String(name.to_lowercase())).ok()
}

/// The most skills one answer may list.
pub(crate) const MAX_SKILLS_PER_ANSWER: usize = 16;

/// The JSON the model must answer with.
///
/// Every array and string is bounded: with grammar-constrained decoding an
/// unbounded schema lets a small model repeat array items until the token budget
/// runs out, and each truncated answer costs a full re-ask.
pub(crate) fn answer_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "skills": {
                "type": "array",
                "maxItems": MAX_SKILLS_PER_ANSWER,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 60},
                        "quote": {"type": "string", "minLength": 1, "maxLength": 120}
                    },
                    "required": ["name", "quote"],
                    "additionalProperties": false
                }
            },
            "summary": {"type": "string", "maxLength": 300},
            "category": {"type": "string", "enum": ["feature", "bugfix", "infra", "review", "incident", "docs", "meeting", "testing", "refactor", "research", "mentoring", "other"]}
        },
        "required": ["skills"],
        "additionalProperties": false
    })
}

/// The answer's JSON: the provider's parsed JSON if any, else extracted from the
/// text after removing think blocks. Truncated answers are rejected as such.
pub(crate) fn parse_answer(response: &LlmResponse) -> Result<Value> {
    if let Some(json) = response.json.clone().filter(Value::is_object) {
        return Ok(json);
    }
    let text = strip_think(&response.text);
    match extract_json(&text) {
        Some(v) => Ok(v),
        None if response.truncated() => Err(Error::invalid_input(
            "the answer was cut off (finish_reason: length); answer more briefly",
        )),
        None => Err(Error::invalid_input("the answer holds no JSON object")),
    }
}

/// The canonical skill a model's skill name means: an alias of the taxonomy
/// (case-insensitive), or the one skill the matcher finds covering the whole name.
pub(crate) fn normalize<'t>(
    name: &str,
    taxonomy: &'t CompiledTaxonomy,
) -> Option<&'t crate::taxonomy::CanonicalSkill> {
    let name = name.trim();
    let t = &taxonomy.taxonomy;
    if let Some(skill) = t.get(&name.to_lowercase()) {
        return Some(skill);
    }
    if let Some(skill) = t.skills().iter().find(|s| {
        s.name.eq_ignore_ascii_case(name)
            || s.aliases.iter().any(|a| a.text.eq_ignore_ascii_case(name))
    }) {
        return Some(skill);
    }
    let found = taxonomy.matcher.find(name);
    match found.as_slice() {
        [one] if one.end - one.start >= name.chars().count().saturating_sub(12) => t.get(&one.slug),
        _ => None,
    }
}

/// Removes `<think>...</think>` blocks (and an unclosed one to the end).
pub fn strip_think(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("<think>") {
        out.push_str(&rest[..open]);
        match rest[open..].find("</think>") {
            Some(close) => rest = &rest[open + close + "</think>".len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first complete JSON object in a text (inside code fences or prose).
pub fn extract_json(text: &str) -> Option<Value> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text[from..].find('{') {
        let start = from + offset;
        let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
        for (i, &b) in bytes.iter().enumerate().skip(start) {
            if in_string {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        if let Ok(v) = serde_json::from_str::<Value>(&text[start..=i])
                            && v.is_object()
                        {
                            return Some(v);
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
        from = start + 1;
    }
    None
}
