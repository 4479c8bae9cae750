//! Markdown: daily notes named by date (Obsidian `2026-11-23.md`, Logseq
//! `journals/2026_11_23.md`) or one file with a heading per day
//! (`## 2026-11-23`). Front matter is dropped; `#tags` become tags.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;

use super::entry::{ImportEntry, Origin, RowErrors, external_id};
use super::read::Parsed;
use crate::domain::storable::parse_date;

const SOURCE: &str = "markdown";
/// Most tags taken from one note.
const MAX_TAGS: usize = 20;

/// The date a note's file name holds (`2026-11-23`, `2026_11_23`,
/// `2026.11.23`, with anything around it), if any.
pub(super) fn date_in_name(stem: &str) -> Option<NaiveDate> {
    let bytes = stem.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|i| {
        let w = &bytes[i..i + 10];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        let sep = |b: u8| matches!(b, b'-' | b'_' | b'.');
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_digit();
        let boundary_after = bytes.get(i + 10).is_none_or(|b| !b.is_ascii_digit());
        if !(boundary_before
            && boundary_after
            && digits(0..4)
            && sep(w[4])
            && digits(5..7)
            && sep(w[7])
            && digits(8..10))
        {
            return None;
        }
        let text = format!(
            "{}-{}-{}",
            &stem[i..i + 4],
            &stem[i + 5..i + 7],
            &stem[i + 8..i + 10]
        );
        parse_date("date", &text).ok()
    })
}

/// One daily note as an entry; `None` when it holds nothing but a template.
pub(super) fn daily_note(
    file: &str,
    scope: &str,
    date: NaiveDate,
    text: &str,
) -> Option<ImportEntry> {
    let (body, first_line) = without_front_matter(text);
    let origin = Origin {
        file: file.to_owned(),
        line: first_line,
    };
    entry(scope, date, body, origin, json!({"file": file}))
}

/// A file with a heading per day: each section is that day's entry; text
/// before the first dated heading is passed over.
pub(super) fn parse_dated_file(name: &str, text: &str, errors: &mut RowErrors) -> Parsed {
    let scope = std::path::Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned());
    let (body, offset) = without_front_matter(text);
    let mut parsed = Parsed::default();
    let mut current: Option<(NaiveDate, usize, Vec<&str>)> = None;
    let finish = |current: Option<(NaiveDate, usize, Vec<&str>)>, parsed: &mut Parsed| {
        if let Some((date, line, lines)) = current {
            let origin = Origin {
                file: name.to_owned(),
                line,
            };
            match entry(
                &scope,
                date,
                &lines.join("\n"),
                origin,
                json!({"file": name}),
            ) {
                Some(e) => parsed.entries.push(e),
                None => parsed.skipped += 1,
            }
        }
    };
    for (i, line) in body.lines().enumerate() {
        let number = offset + i;
        match dated_heading(line) {
            Some(Ok(date)) => {
                finish(current.take(), &mut parsed);
                current = Some((date, number, Vec::new()));
            }
            Some(Err(problem)) => {
                errors.push(
                    &Origin {
                        file: name.to_owned(),
                        line: number,
                    },
                    problem,
                );
                finish(current.take(), &mut parsed);
            }
            None => {
                if let Some((_, _, lines)) = current.as_mut() {
                    lines.push(line);
                }
            }
        }
    }
    finish(current, &mut parsed);
    if parsed.entries.is_empty() && parsed.skipped == 0 && errors.is_empty() {
        errors.push(
            &Origin {
                file: name.to_owned(),
                line: 0,
            },
            "no dated heading found (a day starts with a heading such as `## 2026-11-23`)",
        );
    }
    refuse_repeated_days(&parsed.entries, errors);
    parsed
}

/// Two notes for one day would overwrite each other on every import.
pub(super) fn refuse_repeated_days(entries: &[ImportEntry], errors: &mut RowErrors) {
    let mut seen: HashMap<&str, &Origin> = HashMap::new();
    for e in entries {
        if let Some(first) = seen.insert(&e.external_id, &e.origin) {
            errors.push(
                &e.origin,
                format!("{} appears again (first at {first}); merge the two", e.date),
            );
        }
    }
}

/// `Some(Ok(date))` for a heading that starts with a date, `Some(Err)` for one
/// that starts with an impossible date, `None` for any other line.
fn dated_heading(line: &str) -> Option<Result<NaiveDate, String>> {
    let rest = line.trim_start();
    let hashes = rest.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let title = rest[hashes..].strip_prefix(' ')?.trim_start();
    let candidate: String = title.chars().take(10).collect();
    let shaped = candidate.len() == 10
        && candidate.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
        && title[10..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_digit());
    if !shaped {
        return None;
    }
    Some(parse_date("date", &candidate).map_err(|e| e.message().to_owned()))
}

fn entry(
    scope: &str,
    date: NaiveDate,
    body: &str,
    origin: Origin,
    metadata: serde_json::Value,
) -> Option<ImportEntry> {
    let content = body.trim_matches(|c: char| c == '\n' || c == '\r' || c == ' ');
    if !has_text(content) {
        return None;
    }
    Some(ImportEntry {
        date,
        content: content.replace("\r\n", "\n"),
        title: None,
        tags: hashtags(content),
        source: SOURCE.to_owned(),
        external_id: external_id(SOURCE, scope, &date.to_string()),
        metadata,
        origin,
    })
}

/// Whether any line other than a heading says something (an empty template
/// of headings and blank checkboxes does not).
fn has_text(content: &str) -> bool {
    content.lines().any(|line| {
        let line = line.trim();
        if line.starts_with('#') && line.trim_start_matches('#').starts_with(' ') {
            return false;
        }
        line.trim_start_matches(['-', '*', '+', '>', ' '])
            .trim_start_matches("[ ]")
            .chars()
            .any(char::is_alphanumeric)
    })
}

/// `#tag` words (not headings, not `#123` issue numbers), in order, once each.
fn hashtags(content: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for line in content.lines() {
        let chars: Vec<char> = line.chars().collect();
        for i in 0..chars.len() {
            let starts = chars[i] == '#'
                && (i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(')
                && chars.get(i + 1).is_some_and(|c| c.is_alphabetic());
            if !starts {
                continue;
            }
            let tag: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '/'))
                .collect();
            let tag = tag.trim_end_matches(['-', '_', '/']).to_lowercase();
            if !tag.is_empty() && tag.chars().count() <= 64 && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    tags.truncate(MAX_TAGS);
    tags
}

/// The text after a `---` front-matter block, and the 1-based line it starts on.
fn without_front_matter(text: &str) -> (&str, usize) {
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return (text, 1);
    };
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        offset += line.len();
        if line.trim_end() == "---" {
            return (&rest[offset..], i + 3);
        }
    }
    (text, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Parsed, RowErrors) {
        let mut errors = RowErrors::default();
        let parsed = parse_dated_file("work.md", text, &mut errors);
        (parsed, errors)
    }

    #[test]
    fn dates_are_read_from_note_names_in_every_common_style() {
        let d = |s: &str| date_in_name(s).map(|d| d.to_string());
        assert_eq!(d("2026-11-23").as_deref(), Some("2026-11-23"));
        assert_eq!(d("2026_11_23").as_deref(), Some("2026-11-23"));
        assert_eq!(d("Daily 2026.11.23 notes").as_deref(), Some("2026-11-23"));
        assert_eq!(d("2026-02-30"), None, "an impossible day is no date");
        assert_eq!(d("meeting notes"), None);
        assert_eq!(d("12026-11-231"), None);
    }

    #[test]
    fn a_file_with_a_heading_per_day_becomes_one_entry_per_day() {
        let text = "---\ntitle: log\n---\n# Work log\n\nintro\n\n## 2026-11-23 Monday\n\n- Fixed the #billing export.\n- Paired on #search.\n\n## 2026-11-24\n\n## Tasks\n- [ ] \n\n## 2026-11-25\nShipped it.\n";
        let (parsed, errors) = parse(text);
        assert!(errors.is_empty());
        let dates: Vec<String> = parsed.entries.iter().map(|e| e.date.to_string()).collect();
        assert_eq!(dates, ["2026-11-23", "2026-11-25"]);
        assert_eq!(parsed.skipped, 1, "the empty template day");
        let first = &parsed.entries[0];
        assert_eq!(
            first.content,
            "- Fixed the #billing export.\n- Paired on #search."
        );
        assert_eq!(first.tags, ["billing", "search"]);
        assert_eq!(first.origin.to_string(), "work.md:8");
        assert_eq!(first.external_id, "markdown:work:2026-11-23");
    }

    #[test]
    fn impossible_and_repeated_days_are_errors_with_their_lines() {
        let (_, errors) = parse("## 2026-02-30\nx\n## 2026-11-23\na\n## 2026-11-23\nb\n");
        let err = errors.into_result(()).unwrap_err();
        assert!(err.message().starts_with("2 rows are invalid"), "{err}");
        let listed: Vec<&str> = err.context().iter().map(|(_, v)| v.as_str()).collect();
        assert!(
            listed[0].starts_with("work.md:1: date: '2026-02-30'"),
            "{listed:?}"
        );
        assert!(
            listed[1].starts_with("work.md:5: 2026-11-23 appears again (first at work.md:3)"),
            "{listed:?}"
        );
        let (_, errors) = parse("just notes, no days\n");
        let err = errors.into_result(()).unwrap_err();
        assert!(err.message().contains("no dated heading"), "{err}");
    }

    #[test]
    fn headings_and_issue_numbers_are_not_tags() {
        assert_eq!(
            hashtags("# Title\nFixed #123 in #Backend/api (#perf)"),
            ["backend/api", "perf"]
        );
    }
}
