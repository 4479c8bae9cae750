//! The gate a model's prose passes before anyone reads it: every item cites
//! entries of this user in this period, every number it states appears in an
//! entry it cites, every technology it names is evidenced by an entry it cites.
//! Anything else is a rejection with a reason the model can act on.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agents::skill_mentions;
use crate::domain::WorkLogId;
use crate::taxonomy::CompiledTaxonomy;

/// Longest item a writer may return, in characters.
pub const MAX_ITEM_CHARS: usize = 400;
/// Most items one section may hold (a draft's count, or this, whichever is larger).
const MAX_ITEMS_PER_SECTION: usize = 12;

/// An entry a writer may cite: what the model is shown and what its claims are
/// checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct WriterSource {
    /// The worklog.
    pub id: WorkLogId,
    /// Its date.
    pub date: NaiveDate,
    /// Its tags (projects).
    pub tags: Vec<String>,
    /// Its full text.
    pub content: String,
    /// Slugs of the skills its analysis found.
    pub skills: Vec<String>,
}

/// One item of written text and the entries it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrittenItem {
    /// The sentence(s).
    pub text: String,
    /// The worklogs that say it.
    pub worklog_ids: Vec<WorkLogId>,
}

/// A named list of items ("done", "blockers", "group:billing").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrittenSection {
    /// Which part of the document it fills.
    pub key: String,
    /// Its items, in reading order.
    pub items: Vec<WrittenItem>,
}

/// How far an answer may depart from its draft's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Items may be merged, split or reordered within a section.
    Free,
    /// Each item is rewritten in place: same count, same order, same citations
    /// (resume bullets, whose ids carry the person's pins and order).
    OneToOne,
}

/// Checks a model's answer against the draft's sections and the sources.
pub(crate) struct Grounding<'a> {
    sources: HashMap<WorkLogId, Evidence<'a>>,
    compiled: &'a CompiledTaxonomy,
}

/// What one source can back: its numbers and its skills.
struct Evidence<'a> {
    numbers: BTreeSet<String>,
    skills: BTreeSet<&'a str>,
    local_skills: BTreeSet<String>,
}

impl<'a> Grounding<'a> {
    pub(crate) fn new(sources: &'a [WriterSource], compiled: &'a CompiledTaxonomy) -> Self {
        let sources = sources
            .iter()
            .map(|s| {
                let mut numbers = numbers_in(&s.content);
                numbers.extend(numbers_in(&s.date.to_string()));
                let evidence = Evidence {
                    numbers,
                    skills: s.skills.iter().map(String::as_str).collect(),
                    local_skills: skill_mentions(&s.content, &compiled.matcher)
                        .into_iter()
                        .map(|m| m.slug)
                        .collect(),
                };
                (s.id, evidence)
            })
            .collect();
        Grounding { sources, compiled }
    }

    /// The answer's sections when every claim in them holds, else every reason
    /// it does not (at most a handful, so a re-ask stays short).
    pub(crate) fn check(
        &self,
        answer: &Value,
        draft: &[WrittenSection],
        shape: Shape,
    ) -> Result<Vec<WrittenSection>, Vec<String>> {
        let sections = parse_sections(answer).map_err(|e| vec![e])?;
        let mut problems = Vec::new();
        if shape == Shape::OneToOne {
            for section in &sections {
                if let Some(drafted) = draft.iter().find(|d| d.key == section.key) {
                    one_to_one(drafted, section, &mut problems);
                }
            }
        }
        let drafted: HashMap<&str, usize> = draft
            .iter()
            .map(|s| (s.key.as_str(), s.items.len()))
            .collect();
        for section in &sections {
            match drafted.get(section.key.as_str()) {
                None => problems.push(format!(
                    "section '{}' is not one of the draft's sections",
                    section.key
                )),
                Some(&n) if section.items.len() > n.max(MAX_ITEMS_PER_SECTION) => {
                    problems.push(format!(
                        "section '{}' has {} items; write at most {}",
                        section.key,
                        section.items.len(),
                        n.max(MAX_ITEMS_PER_SECTION)
                    ))
                }
                Some(&n) if n > 0 && section.items.is_empty() => problems.push(format!(
                    "section '{}' is empty; keep what the draft says",
                    section.key
                )),
                Some(_) => {}
            }
            for item in &section.items {
                self.check_item(item, &mut problems);
            }
        }
        for key in drafted.keys() {
            if !sections.iter().any(|s| s.key == *key) {
                problems.push(format!("section '{key}' is missing"));
            }
        }
        let mut seen = BTreeSet::new();
        if let Some(dup) = sections.iter().find(|s| !seen.insert(s.key.as_str())) {
            problems.push(format!("section '{}' appears twice", dup.key));
        }
        if problems.is_empty() {
            Ok(sections)
        } else {
            problems.truncate(8);
            Err(problems)
        }
    }

    fn check_item(&self, item: &WrittenItem, problems: &mut Vec<String>) {
        let text = item.text.trim();
        let quoted = shorten(text);
        if text.is_empty() {
            problems.push("an item has no text".into());
            return;
        }
        if text.chars().count() > MAX_ITEM_CHARS {
            problems.push(format!(
                "item '{quoted}' is longer than {MAX_ITEM_CHARS} characters"
            ));
        }
        if item.worklog_ids.is_empty() {
            problems.push(format!("item '{quoted}' cites no entry"));
            return;
        }
        let cited: Vec<&Evidence> = match item
            .worklog_ids
            .iter()
            .map(|id| self.sources.get(id).ok_or(*id))
            .collect::<Result<_, _>>()
        {
            Ok(cited) => cited,
            Err(id) => {
                problems.push(format!(
                    "item '{quoted}' cites #{id}, which is not one of the entries"
                ));
                return;
            }
        };
        for number in numbers_in(text) {
            if !cited.iter().any(|e| e.numbers.contains(&number)) {
                problems.push(format!(
                    "item '{quoted}' states {number}, which no entry it cites says"
                ));
            }
        }
        for mention in skill_mentions(text, &self.compiled.matcher) {
            let evidenced = cited.iter().any(|e| {
                e.skills.contains(mention.slug.as_str()) || e.local_skills.contains(&mention.slug)
            });
            if !evidenced {
                problems.push(format!(
                    "item '{quoted}' names {}, which no entry it cites names",
                    mention.skill
                ));
            }
        }
    }
}

/// Each drafted item rewritten in its place, citing what it cited.
fn one_to_one(drafted: &WrittenSection, written: &WrittenSection, problems: &mut Vec<String>) {
    if drafted.items.len() != written.items.len() {
        problems.push(format!(
            "section '{}' must keep its {} items, one for each",
            drafted.key,
            drafted.items.len()
        ));
        return;
    }
    for (i, (d, w)) in drafted.items.iter().zip(&written.items).enumerate() {
        let same = d.worklog_ids.iter().all(|id| w.worklog_ids.contains(id))
            && w.worklog_ids.iter().all(|id| d.worklog_ids.contains(id));
        if !same {
            problems.push(format!(
                "item {} of section '{}' must cite {:?}, as the draft does",
                i + 1,
                drafted.key,
                d.worklog_ids
            ));
        }
    }
}

/// The answer's `sections`, shape checked.
fn parse_sections(answer: &Value) -> Result<Vec<WrittenSection>, String> {
    let list = answer
        .get("sections")
        .and_then(Value::as_array)
        .ok_or("the answer must be an object with a 'sections' array")?;
    list.iter()
        .map(|s| {
            serde_json::from_value::<WrittenSection>(s.clone()).map_err(|e| {
                format!("each section is {{\"key\": string, \"items\": [{{\"text\": string, \"worklog_ids\": [integer]}}]}}: {e}")
            })
        })
        .map(|s| {
            s.map(|mut s| {
                for item in &mut s.items {
                    item.text = item.text.trim().to_owned();
                    item.worklog_ids.dedup();
                }
                s
            })
        })
        .collect()
}

/// The numbers a text states, normalized ("2,100" → "2100", "1.50" → "1.5"):
/// digits with their decimal part, never a number inside a word ("p99", "S3")
/// since such names are checked as skills or are part of a name.
pub(crate) fn numbers_in(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if !starts_number {
            i += 1;
            continue;
        }
        let mut number = String::new();
        while i < chars.len() {
            let c = chars[i];
            let next_is_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                number.push(c);
            } else if c == ',' && next_is_digit && !number.contains('.') {
                // a thousands separator
            } else if c == '.' && next_is_digit && !number.contains('.') {
                number.push('.');
            } else {
                break;
            }
            i += 1;
        }
        let glued_to_word = chars
            .get(i)
            .is_some_and(|c| c.is_alphabetic() && !is_unit_start(&chars[i..]));
        if !glued_to_word {
            found.insert(canonical_number(&number));
        }
    }
    found
}

/// Units written without a space ("40ms", "2GB", "3x") still make the digits a
/// number; other letters make them part of a name ("2fa", "3rd").
fn is_unit_start(rest: &[char]) -> bool {
    let word: String = rest
        .iter()
        .take_while(|c| c.is_alphabetic())
        .flat_map(|c| c.to_lowercase())
        .collect();
    matches!(
        word.as_str(),
        "ms" | "s"
            | "sec"
            | "secs"
            | "m"
            | "min"
            | "mins"
            | "h"
            | "hr"
            | "hrs"
            | "x"
            | "k"
            | "kb"
            | "mb"
            | "gb"
            | "tb"
            | "rps"
            | "qps"
            | "us"
            | "ns"
            | "d"
            | "days"
            | "pct"
    )
}

fn canonical_number(number: &str) -> String {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole = match whole.trim_start_matches('0') {
        "" => "0",
        digits => digits,
    };
    match fraction.trim_end_matches('0') {
        "" => whole.to_owned(),
        fraction => format!("{whole}.{fraction}"),
    }
}

fn shorten(text: &str) -> String {
    const LIMIT: usize = 60;
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let cut: String = text.chars().take(LIMIT).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sources() -> Vec<WriterSource> {
        vec![
            WriterSource {
                id: 7,
                date: "2026-12-03".parse().unwrap(),
                tags: vec!["search".into()],
                content: "Added Redis caching in front of Elasticsearch; cache hit rate 87%, p99 down from 1,200ms to 300 ms.".into(),
                skills: vec!["redis".into(), "elasticsearch".into()],
            },
            WriterSource {
                id: 8,
                date: "2026-12-04".parse().unwrap(),
                tags: vec![],
                content: "Reviewed two PRs for the billing team.".into(),
                skills: vec![],
            },
        ]
    }

    fn draft() -> Vec<WrittenSection> {
        vec![WrittenSection {
            key: "done".into(),
            items: vec![WrittenItem {
                text: "Added Redis caching.".into(),
                worklog_ids: vec![7],
            }],
        }]
    }

    fn check(answer: Value) -> Result<Vec<WrittenSection>, Vec<String>> {
        let compiled = crate::taxonomy::SharedTaxonomy::builtin().current();
        let sources = sources();
        Grounding::new(&sources, &compiled).check(&answer, &draft(), Shape::Free)
    }

    fn answer(text: &str, ids: Value) -> Value {
        json!({"sections": [{"key": "done", "items": [{"text": text, "worklog_ids": ids}]}]})
    }

    #[test]
    fn numbers_are_read_as_a_reader_would() {
        let n = |t: &str| numbers_in(t).into_iter().collect::<Vec<_>>();
        assert_eq!(n("p99 down from 1,200ms to 300 ms"), ["1200", "300"]);
        assert_eq!(n("cut it by 40.0% to 2.50 GB"), ["2.5", "40"]);
        assert_eq!(
            n("moved to S3 and set up 2fa on IPv6"),
            Vec::<String>::new()
        );
        assert_eq!(n("3x faster, 12k rps"), ["12", "3"]);
    }

    #[test]
    fn a_grounded_rewrite_passes() {
        let written = check(answer(
            "Put Redis caching in front of Elasticsearch, reaching an 87% hit rate and cutting p99 from 1200 ms to 300 ms.",
            json!([7]),
        ))
        .unwrap();
        assert_eq!(written[0].items[0].worklog_ids, [7]);
    }

    #[test]
    fn invented_numbers_foreign_ids_and_unevidenced_skills_are_rejected() {
        let invented = check(answer("Added Redis caching; hit rate 95%.", json!([7]))).unwrap_err();
        assert!(invented[0].contains("states 95"), "{invented:?}");

        let foreign = check(answer("Added Redis caching.", json!([7, 99]))).unwrap_err();
        assert!(foreign[0].contains("cites #99"), "{foreign:?}");

        let unevidenced = check(answer(
            "Reviewed two Kubernetes PRs for billing.",
            json!([8]),
        ))
        .unwrap_err();
        assert!(
            unevidenced[0].contains("names Kubernetes"),
            "{unevidenced:?}"
        );

        // A number from another entry is not evidence for this one.
        let borrowed = check(answer("Reviewed 87 PRs.", json!([8]))).unwrap_err();
        assert!(borrowed[0].contains("states 87"), "{borrowed:?}");

        let uncited = check(answer("Added Redis caching.", json!([]))).unwrap_err();
        assert!(uncited[0].contains("cites no entry"), "{uncited:?}");
    }

    #[test]
    fn a_one_to_one_rewrite_keeps_each_item_and_its_citations() {
        let compiled = crate::taxonomy::SharedTaxonomy::builtin().current();
        let sources = sources();
        let grounding = Grounding::new(&sources, &compiled);
        let check = |answer: Value| grounding.check(&answer, &draft(), Shape::OneToOne);
        assert!(
            check(answer(
                "Put Redis caching in front of Elasticsearch.",
                json!([7])
            ))
            .is_ok()
        );
        let merged = check(json!({"sections": [{"key": "done", "items": [
            {"text": "Added Redis caching.", "worklog_ids": [7]},
            {"text": "Reviewed two PRs.", "worklog_ids": [8]}
        ]}]}))
        .unwrap_err();
        assert!(merged[0].contains("must keep its 1 items"), "{merged:?}");
        let recited = check(answer("Reviewed two PRs.", json!([8]))).unwrap_err();
        assert!(recited[0].contains("must cite [7]"), "{recited:?}");
    }

    #[test]
    fn the_shape_follows_the_draft() {
        let missing = check(json!({"sections": []})).unwrap_err();
        assert_eq!(missing, ["section 'done' is missing"]);
        let invented = check(json!({"sections": [
            {"key": "done", "items": [{"text": "Added Redis caching.", "worklog_ids": [7]}]},
            {"key": "praise", "items": [{"text": "Did well.", "worklog_ids": [7]}]}
        ]}))
        .unwrap_err();
        assert!(
            invented[0].contains("'praise' is not one of"),
            "{invented:?}"
        );
        let emptied = check(json!({"sections": [{"key": "done", "items": []}]})).unwrap_err();
        assert!(emptied[0].contains("is empty"), "{emptied:?}");
        let shapeless = check(json!({"items": []})).unwrap_err();
        assert!(shapeless[0].contains("'sections' array"), "{shapeless:?}");
        let wrong =
            check(json!({"sections": [{"key": "done", "items": [{"text": 3}]}]})).unwrap_err();
        assert!(wrong[0].starts_with("each section is"), "{wrong:?}");
    }
}
