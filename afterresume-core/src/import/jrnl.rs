//! jrnl's plain-text export: each entry starts with `[YYYY-MM-DD HH:MM] Title`
//! (seconds and AM/PM allowed, a `*` marks a starred entry); the body follows
//! until the next entry; `@tags` become tags.

use std::collections::HashMap;

use serde_json::json;

use super::entry::{ImportEntry, Origin, RowErrors, external_id};
use super::read::Parsed;
use crate::domain::storable::parse_date;

const SOURCE: &str = "jrnl";

/// An entry's header: its date, time and title.
struct Header<'t> {
    date: chrono::NaiveDate,
    time: &'t str,
    title: &'t str,
    starred: bool,
}

pub(super) fn parse(name: &str, text: &str, errors: &mut RowErrors) -> Parsed {
    let scope = std::path::Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned());
    let mut parsed = Parsed::default();
    let mut current: Option<(Header, usize, Vec<&str>)> = None;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut finish = |current: Option<(Header, usize, Vec<&str>)>, parsed: &mut Parsed| {
        let Some((header, line, body)) = current else {
            return;
        };
        let body = body.join("\n");
        let body = body.trim();
        let content = if body.is_empty() {
            header.title.to_owned()
        } else {
            format!("{}\n\n{body}", header.title)
        };
        // Two entries in the same minute keep apart by their order.
        let key = format!("{}T{}", header.date, header.time);
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        let key = if *n == 1 { key } else { format!("{key}#{n}") };
        parsed.entries.push(ImportEntry {
            date: header.date,
            title: Some(header.title.chars().take(300).collect()),
            tags: at_tags(&content),
            content,
            source: SOURCE.to_owned(),
            external_id: external_id(SOURCE, &scope, &key),
            metadata: json!({"file": name, "time": header.time, "starred": header.starred}),
            origin: Origin {
                file: name.to_owned(),
                line,
            },
        });
    };
    for (i, line) in text.lines().enumerate() {
        match header(line) {
            Some(Ok(h)) => {
                finish(current.take(), &mut parsed);
                current = Some((h, i + 1, Vec::new()));
            }
            Some(Err(problem)) => {
                finish(current.take(), &mut parsed);
                errors.push(
                    &Origin {
                        file: name.to_owned(),
                        line: i + 1,
                    },
                    problem,
                );
            }
            None => match current.as_mut() {
                Some((_, _, body)) => body.push(line),
                None if !line.trim().is_empty() => {
                    errors.push(
                        &Origin {
                            file: name.to_owned(),
                            line: i + 1,
                        },
                        "text before the first entry; an entry starts with `[YYYY-MM-DD HH:MM] Title`",
                    );
                }
                None => {}
            },
        }
    }
    finish(current, &mut parsed);
    if parsed.entries.is_empty() && errors.is_empty() {
        errors.push(
            &Origin {
                file: name.to_owned(),
                line: 0,
            },
            "no entries found (an entry starts with `[YYYY-MM-DD HH:MM] Title`)",
        );
    }
    parsed
}

/// `[2026-11-23 09:15] Title`, `[2026-11-23 09:15:02 AM] *Title`.
fn header(line: &str) -> Option<Result<Header<'_>, String>> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']')?;
    let stamp = &rest[..close];
    let (date, time) = stamp.split_once(' ')?;
    if date.len() != 10 || !date.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let time_ok = {
        let (clock, meridiem) = match time.split_once(' ') {
            Some((c, m)) => (c, Some(m)),
            None => (time, None),
        };
        let parts: Vec<&str> = clock.split(':').collect();
        (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
            && meridiem.is_none_or(|m| m.eq_ignore_ascii_case("am") || m.eq_ignore_ascii_case("pm"))
    };
    if !time_ok {
        return Some(Err(format!(
            "'{stamp}' is not a time such as 2026-11-23 09:15"
        )));
    }
    let date = match parse_date("date", date) {
        Ok(d) => d,
        Err(e) => return Some(Err(e.message().to_owned())),
    };
    let title = rest[close + 1..].trim();
    let (title, starred) = match title.strip_prefix('*') {
        Some(t) => (t.trim_start(), true),
        None => (title, false),
    };
    if title.is_empty() {
        return Some(Err("the entry has no title".into()));
    }
    Some(Ok(Header {
        date,
        time,
        title,
        starred,
    }))
}

/// `@tag` words, lowercased, once each (an email address is not a tag).
fn at_tags(content: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let chars: Vec<char> = content.chars().collect();
    for i in 0..chars.len() {
        let starts = chars[i] == '@'
            && (i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(')
            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
        if !starts {
            continue;
        }
        let tag: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
            .collect::<String>()
            .to_lowercase();
        if tag.chars().count() <= 64 && !tags.contains(&tag) && tags.len() < 20 {
            tags.push(tag);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "[2026-11-23 09:15] Fixed the @billing export.\nThe CSV had a BOM; mailed bob@example.com.\n\n[2026-11-23 09:15 PM] *Paired with @sam on search.\n\n[2026-11-23 09:15] Second entry in the same minute.\n";

    #[test]
    fn entries_titles_bodies_tags_and_stars_are_read() {
        let mut errors = RowErrors::default();
        let parsed = parse("journal.txt", EXPORT, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(parsed.entries.len(), 3);
        let first = &parsed.entries[0];
        assert_eq!(first.title.as_deref(), Some("Fixed the @billing export."));
        assert_eq!(
            first.content,
            "Fixed the @billing export.\n\nThe CSV had a BOM; mailed bob@example.com."
        );
        assert_eq!(first.tags, ["billing"]);
        assert_eq!(first.origin.to_string(), "journal.txt:1");
        assert_eq!(parsed.entries[1].metadata["starred"], true);
        assert_eq!(parsed.entries[1].tags, ["sam"]);
        assert_eq!(first.external_id, "jrnl:journal:2026-11-23T09:15");
        assert_eq!(
            parsed.entries[2].external_id,
            "jrnl:journal:2026-11-23T09:15#2"
        );
    }

    #[test]
    fn bad_headers_and_stray_text_name_their_lines() {
        let mut errors = RowErrors::default();
        parse(
            "j.txt",
            "preface\n[2026-13-01 10:00] Bad month\n[2026-11-23 9:1] Bad time\n[2026-11-23 10:00]\n",
            &mut errors,
        );
        let err = errors.into_result(()).unwrap_err();
        let listed: Vec<&str> = err.context().iter().map(|(_, v)| v.as_str()).collect();
        assert!(
            listed[0].starts_with("j.txt:1: text before the first entry"),
            "{listed:?}"
        );
        assert!(
            listed[1].starts_with("j.txt:2: date: '2026-13-01'"),
            "{listed:?}"
        );
        assert!(
            listed[2].starts_with("j.txt:3: '2026-11-23 9:1' is not a time"),
            "{listed:?}"
        );
        assert_eq!(listed[3], "j.txt:4: the entry has no title");
    }
}
