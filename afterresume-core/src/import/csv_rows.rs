//! CSV with a header row: `date` and `content` required; `tags` (separated by
//! `;`, `,` or `|`), `title` and `id` optional; other columns ignored.

use std::collections::HashMap;

use serde_json::json;

use super::entry::{ImportEntry, Origin, RowErrors, external_id};
use super::read::Parsed;
use crate::domain::storable::parse_date;
use crate::{Error, Result};

const SOURCE: &str = "csv";
const REQUIRED: [&str; 2] = ["date", "content"];

/// The rows as entries; a header without a required column fails the whole
/// file at once, a bad row is listed with its line.
pub(super) fn parse(name: &str, text: &str, errors: &mut RowErrors) -> Result<Parsed> {
    let scope = std::path::Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid_input(format!("{name}:1: not a CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let column = |wanted: &str| headers.iter().position(|h| h == wanted);
    for wanted in REQUIRED {
        if column(wanted).is_none() {
            return Err(Error::invalid_input(format!(
                "{name}:1: missing column '{wanted}' (the header has: {}); a CSV needs date and content, and may have tags, title and id",
                headers.join(", ")
            )));
        }
    }
    let (date_at, content_at) = (column("date"), column("content"));
    let (tags_at, title_at, id_at) = (column("tags"), column("title"), column("id"));
    let mut parsed = Parsed::default();
    let mut per_day: HashMap<chrono::NaiveDate, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p));
                let origin = Origin {
                    file: name.to_owned(),
                    line,
                };
                errors.push(&origin, csv_problem(&e));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p));
        let origin = Origin {
            file: name.to_owned(),
            line,
        };
        let field = |at: Option<usize>| at.and_then(|i| record.get(i)).map(str::trim);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let date = match parse_date("date", field(date_at).unwrap_or_default()) {
            Ok(d) => d,
            Err(e) => {
                errors.push(&origin, e.message());
                continue;
            }
        };
        let n = per_day.entry(date).or_insert(0);
        *n += 1;
        let key = match field(id_at).filter(|id| !id.is_empty()) {
            Some(id) => id.to_owned(),
            None => format!("{date}#{n}"),
        };
        let tags = field(tags_at)
            .unwrap_or_default()
            .split([';', ',', '|'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        parsed.entries.push(ImportEntry {
            date,
            content: field(content_at).unwrap_or_default().to_owned(),
            title: field(title_at).filter(|t| !t.is_empty()).map(str::to_owned),
            tags,
            source: SOURCE.to_owned(),
            external_id: external_id(SOURCE, &scope, &key),
            metadata: json!({"file": name}),
            origin,
        });
    }
    Ok(parsed)
}

/// The 1-based line a record starts on, counted from its byte offset (the
/// reader's own count passes over blank lines).
fn line_at(text: &str, position: &csv::Position) -> usize {
    let bytes = text.as_bytes();
    let mut start = (position.byte() as usize).min(bytes.len());
    // The reader's offset is where the previous record ended: blank lines
    // between them belong to neither.
    while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
        start += 1;
    }
    bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1
}

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        _ => format!("not a CSV row: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_entries_with_tags_titles_and_stable_ids() {
        let text = "Date,Content,Tags,Extra\n2026-11-23,\"Fixed the export, finally\",billing; search,x\n2026-11-23,Second,,y\n\n2026-11-24,Third,,z\n";
        let mut errors = RowErrors::default();
        let parsed = parse("notes.csv", text, &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(parsed.entries.len(), 3);
        assert_eq!(parsed.entries[0].content, "Fixed the export, finally");
        assert_eq!(parsed.entries[0].tags, ["billing", "search"]);
        assert_eq!(parsed.entries[1].external_id, "csv:notes:2026-11-23#2");
        assert_eq!(parsed.entries[2].origin.to_string(), "notes.csv:5");
    }

    #[test]
    fn a_missing_column_fails_the_file_and_bad_rows_name_their_lines() {
        let err = parse(
            "n.csv",
            "date,text\n2026-11-23,x\n",
            &mut RowErrors::default(),
        )
        .unwrap_err();
        assert!(
            err.message()
                .starts_with("n.csv:1: missing column 'content' (the header has: date, text)"),
            "{err}"
        );
        let mut errors = RowErrors::default();
        parse(
            "n.csv",
            "date,content\n2026-11-23,ok\n23/11/2026,bad date\n2026-11-24,too,many\n",
            &mut errors,
        )
        .unwrap();
        let err = errors.into_result(()).unwrap_err();
        let listed: Vec<&str> = err.context().iter().map(|(_, v)| v.as_str()).collect();
        assert!(
            listed[0].starts_with("n.csv:3: date: '23/11/2026'"),
            "{listed:?}"
        );
        assert_eq!(listed[1], "n.csv:4: 3 fields where the header has 2");
    }
}
