//! JSON Lines (and an HTTP body's JSON array): one object per line with `date` and `content`, optionally
//! `title`, `tags` (array), `id` (string or number) and `metadata` (object).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::entry::{ImportEntry, Origin, RowErrors, check_entries, external_id};
use super::read::Parsed;
use crate::domain::storable::parse_date;
use crate::{Error, Result};

const SOURCE: &str = "jsonl";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    date: String,
    content: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, Value>>,
}

pub(super) fn parse(name: &str, text: &str, errors: &mut RowErrors) -> Parsed {
    let mut rows = Rows::new(SOURCE, name);
    for (i, raw) in text.lines().enumerate() {
        let origin = Origin {
            file: name.to_owned(),
            line: i + 1,
        };
        if raw.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(raw) {
            Ok(line) => rows.add(line, origin, errors),
            Err(e) => errors.push(&origin, format!("not an entry object: {e}")),
        }
    }
    rows.parsed
}

/// A JSON array of entry objects (an HTTP import body); each is named
/// `entries[i]` in errors. `name` scopes the ids as a file name would.
pub fn parse_json_entries(name: &str, value: Value) -> Result<Vec<ImportEntry>> {
    let Value::Array(items) = value else {
        return Err(Error::invalid_input(
            "entries: the body must be a JSON array of {date, content, title?, tags?, id?, metadata?}",
        ));
    };
    let mut rows = Rows::new("json", name);
    let mut errors = RowErrors::default();
    for (i, item) in items.into_iter().enumerate() {
        let origin = Origin {
            file: format!("entries[{i}]"),
            line: 0,
        };
        match serde_json::from_value(item) {
            Ok(line) => rows.add(line, origin, &mut errors),
            Err(e) => errors.push(&origin, format!("not an entry object: {e}")),
        }
    }
    check_entries(&rows.parsed.entries, &mut errors);
    errors.into_result(rows.parsed.entries)
}

/// Entries being read, with the count per day that keys unnamed ones.
struct Rows<'n> {
    source: &'static str,
    name: &'n str,
    scope: String,
    per_day: HashMap<chrono::NaiveDate, usize>,
    parsed: Parsed,
}

impl<'n> Rows<'n> {
    fn new(source: &'static str, name: &'n str) -> Self {
        Rows {
            source,
            name,
            scope: std::path::Path::new(name)
                .file_stem()
                .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned()),
            per_day: HashMap::new(),
            parsed: Parsed::default(),
        }
    }

    fn add(&mut self, line: Line, origin: Origin, errors: &mut RowErrors) {
        let name = self.name;
        let date = match parse_date("date", &line.date) {
            Ok(d) => d,
            Err(e) => return errors.push(&origin, e.message()),
        };
        let n = self.per_day.entry(date).or_insert(0);
        *n += 1;
        let key = match &line.id {
            Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_owned(),
            Some(Value::Number(id)) => id.to_string(),
            None | Some(Value::Null) => format!("{date}#{n}"),
            Some(_) => return errors.push(&origin, "id: must be a string or a number"),
        };
        let mut metadata = line.metadata.unwrap_or_default();
        metadata.insert("file".into(), Value::from(name));
        self.parsed.entries.push(ImportEntry {
            date,
            content: line.content,
            title: line.title,
            tags: line.tags,
            source: self.source.to_owned(),
            external_id: external_id(self.source, &self.scope, &key),
            metadata: Value::Object(metadata),
            origin,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_entries_and_bad_lines_name_themselves() {
        let text = "{\"date\": \"2026-11-23\", \"content\": \"Fixed it.\", \"tags\": [\"billing\"], \"id\": 7}\n\n{\"date\": \"2026-11-23\", \"content\": \"Two.\"}\n{\"date\": \"2026-11-31\", \"content\": \"x\"}\n{\"content\": \"no date\"}\nnot json\n{\"date\": \"2026-11-24\", \"content\": \"x\", \"colour\": 1}\n";
        let mut errors = RowErrors::default();
        let parsed = parse("log.jsonl", text, &mut errors);
        assert_eq!(parsed.entries.len(), 2);
        assert_eq!(parsed.entries[0].external_id, "jsonl:log:7");
        assert_eq!(parsed.entries[1].external_id, "jsonl:log:2026-11-23#2");
        assert_eq!(parsed.entries[1].origin.line, 3);
        let err = errors.into_result(()).unwrap_err();
        let listed: Vec<&str> = err.context().iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(listed.len(), 4, "{listed:?}");
        assert!(
            listed[0].starts_with("log.jsonl:4: date: '2026-11-31'"),
            "{listed:?}"
        );
        assert!(
            listed[1].contains("log.jsonl:5: not an entry object: missing field `date`"),
            "{listed:?}"
        );
        assert!(
            listed[2].starts_with("log.jsonl:6: not an entry object"),
            "{listed:?}"
        );
        assert!(listed[3].contains("unknown field `colour`"), "{listed:?}");
    }
}
