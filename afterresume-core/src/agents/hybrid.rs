//! The hybrid skill path: the taxonomy and the context model propose candidates,
//! the model confirms or rejects each one and adds what the taxonomy missed.
//!
//! The model sees the entry and a numbered list of candidates, each with the
//! built-in verdict ("kept: the author's work", "dropped: planned, not done"). It
//! answers with a decision per candidate id and a short list of additions, each
//! with a quote copied from the entry. Everything is checked here whatever the
//! server's constrained decoding did: ids must name a candidate, once; quotes must
//! occur in the entry (up to case and a final mark); lengths are bounded; an added skill maps to the taxonomy or is
//! flagged as new (listed in the analysis, but given no evidence until the
//! taxonomy has it). An addition must be named in its own quote: a small model
//! otherwise reads a practice into any sentence ("Testing" from "fixed the
//! form"), and practices written as verbs are the built-in cues' job. A candidate
//! the model leaves undecided keeps the built-in verdict.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::llm::{
    MAX_SKILLS_PER_ANSWER, Validated, locate_quote, normalize, quotes_not_found, work_category,
};
use super::text::CharOffsets;
use super::{SkillMention, explain_mentions};
use crate::domain::{SkillCategory, WorkLog};
use crate::ports::LlmRequest;
use crate::taxonomy::{CompiledTaxonomy, SkillMatch};
use crate::{Error, Result};

/// Id of the hybrid prompt template, recorded with every call and in cache keys.
pub const HYBRID_TEMPLATE_ID: &str = "worklog.skills.hybrid";
/// Version of the hybrid prompt; bump it when the prompt or schema changes.
pub const HYBRID_TEMPLATE_VERSION: u32 = 2;

/// The most candidates one prompt lists (a longer entry keeps the first ones).
const MAX_CANDIDATES: usize = 32;
/// The most skills one answer may add.
const MAX_ADDED: usize = 8;

const SYSTEM_PROMPT: &str = "You check the technical skills found in an engineer's work-log \
entry. A skill counts only when the entry shows the author's own work with it: not a plan or \
TODO, not something rejected or not used, not someone else's work, not a person, place or \
idiom. Generic activities (meetings, mentoring, debugging, documentation) are not skills. \
You get numbered candidates with the built-in verdict; answer with one JSON object only: a \
decision for every candidate id (keep true or false), and under \"added\" any technology, \
tool, language or platform the list missed, each with a quote copied \
character for character from the entry that contains its name. Add nothing the entry does not \
name.\n\nExample entry: Moved the queue to RabbitMQ; Kafka was ruled out. Wired Flumox into \
the consumer.\nCandidates:\n1. RabbitMQ (\"RabbitMQ\"): kept\n2. Kafka (\"Kafka\"): dropped: \
not used\nExample answer: {\"decisions\": [{\"id\": 1, \"keep\": true}, {\"id\": 2, \"keep\": \
false}], \"added\": [{\"name\": \"Flumox\", \"quote\": \"Wired Flumox into the consumer\", \
\"category\": \"tool\"}], \"summary\": \"Moved the queue to RabbitMQ and wired in Flumox.\", \
\"category\": \"infra\"}";

/// One proposed skill: the first mention of its slug, and the built-in verdict.
pub(crate) struct Candidate {
    mention: SkillMatch,
    kept: bool,
    reason: String,
}

/// The taxonomy's candidates for an entry, one per skill (its first mention the
/// context model keeps, else its first mention), at most [`MAX_CANDIDATES`].
pub(crate) fn candidates(content: &str, taxonomy: &CompiledTaxonomy) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for (mention, context) in explain_mentions(content, &taxonomy.matcher) {
        let kept = context.is_work();
        let full = out.len() >= MAX_CANDIDATES;
        match out.iter_mut().find(|c| c.mention.slug == mention.slug) {
            Some(existing) if kept && !existing.kept => {
                *existing = Candidate {
                    mention,
                    kept,
                    reason: context.reason(),
                }
            }
            Some(_) => {}
            None if !full => out.push(Candidate {
                mention,
                kept,
                reason: context.reason(),
            }),
            None => {}
        }
    }
    out
}

/// The request for one entry and its candidates.
pub(crate) fn request(
    worklog: &WorkLog,
    candidates: &[Candidate],
    max_tokens: u32,
    temperature: f32,
) -> LlmRequest {
    let mut listed = String::new();
    for (i, c) in candidates.iter().enumerate() {
        let verdict = if c.kept {
            "kept".to_owned()
        } else {
            format!("dropped: {}", c.reason)
        };
        listed.push_str(&format!(
            "{}. {} (\"{}\"): {verdict}\n",
            i + 1,
            c.mention.name,
            c.mention.excerpt
        ));
    }
    if listed.is_empty() {
        listed.push_str("(none)\n");
    }
    LlmRequest {
        system: Some(SYSTEM_PROMPT.to_owned()),
        prompt: format!(
            "Work-log entry ({}):\n<<<\n{}\n>>>\nCandidates:\n{listed}",
            worklog.date, worklog.content
        ),
        json_schema: Some(schema(candidates.len())),
        max_tokens: Some(max_tokens),
        temperature: Some(temperature),
    }
}

/// The JSON the model must answer with; every array and string is bounded (an
/// unbounded schema lets a small model repeat items until its budget runs out).
fn schema(candidates: usize) -> Value {
    let categories: Vec<&str> = SkillCategory::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "type": "object",
        "properties": {
            "decisions": {
                "type": "array",
                "maxItems": candidates,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer", "minimum": 1, "maximum": candidates.max(1)},
                        "keep": {"type": "boolean"}
                    },
                    "required": ["id", "keep"],
                    "additionalProperties": false
                }
            },
            "added": {
                "type": "array",
                "maxItems": MAX_ADDED,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 60},
                        "quote": {"type": "string", "minLength": 1, "maxLength": 120},
                        "category": {"type": "string", "enum": categories}
                    },
                    "required": ["name", "quote"],
                    "additionalProperties": false
                }
            },
            "summary": {"type": "string", "maxLength": 300},
            "category": {"type": "string", "enum": ["feature", "bugfix", "infra", "review", "incident", "docs", "meeting", "testing", "refactor", "research", "mentoring", "other"]}
        },
        "required": ["decisions", "added"],
        "additionalProperties": false
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    decisions: Vec<Decision>,
    #[serde(default)]
    added: Vec<Added>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Decision {
    id: i64,
    keep: bool,
}

#[derive(Debug, Deserialize)]
struct Added {
    name: String,
    quote: String,
    #[serde(default)]
    category: Option<String>,
}

/// Checks an answer against the entry and its candidates (see the module doc).
pub(crate) fn validate(
    raw: &Value,
    worklog: &WorkLog,
    taxonomy: &CompiledTaxonomy,
    candidates: &[Candidate],
) -> Result<Validated> {
    let answer: Answer = serde_json::from_value(raw.clone())
        .map_err(|e| Error::invalid_input(format!("answer does not match the schema: {e}")))?;
    if answer.added.len() > MAX_ADDED {
        return Err(Error::invalid_input(format!(
            "the answer adds {} skills; add at most {MAX_ADDED}",
            answer.added.len()
        )));
    }
    let mut keep: Vec<bool> = candidates.iter().map(|c| c.kept).collect();
    let mut decided = HashSet::new();
    for d in &answer.decisions {
        let index = usize::try_from(d.id - 1)
            .ok()
            .filter(|&i| i < candidates.len())
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "decision for candidate id {}; the ids are 1 to {}",
                    d.id,
                    candidates.len()
                ))
            })?;
        if !decided.insert(index) {
            return Err(Error::invalid_input(format!(
                "candidate id {} is decided twice; decide each once",
                d.id
            )));
        }
        keep[index] = d.keep;
    }
    let mut mentions: Vec<SkillMention> = candidates
        .iter()
        .zip(&keep)
        .filter(|(_, keep)| **keep)
        .map(|(c, _)| SkillMention::from_match(c.mention.clone()))
        .collect();
    let content = &worklog.content;
    let offsets = CharOffsets::new(content);
    let mut missing = Vec::new();
    for added in &answer.added {
        let (name, quote) = (added.name.trim(), added.quote.trim());
        if name.is_empty() || name.chars().count() > 60 || quote.chars().count() > 120 {
            return Err(Error::invalid_input(
                "an added skill needs a name of 1 to 60 characters and a quote of at most 120",
            ));
        }
        let Some((byte_start, quote)) = locate_quote(content, quote) else {
            missing.push(added.quote.clone());
            continue;
        };
        let (start, end) = (offsets.at(byte_start), offsets.at(byte_start + quote.len()));
        let mention = match normalize(name, taxonomy) {
            Some(canonical) if !canonical_named_in(quote, canonical, taxonomy) => continue,
            None if !first_word_named_in(quote, name) => continue,
            Some(canonical) => {
                let rejected = candidates
                    .iter()
                    .zip(&keep)
                    .any(|(c, keep)| c.mention.slug == canonical.slug && !keep);
                if rejected {
                    continue; // the model cannot both reject a candidate and add it
                }
                SkillMention {
                    skill: canonical.name.clone(),
                    skill_id: None,
                    slug: canonical.slug.clone(),
                    category: canonical.category,
                    excerpt: quote.to_owned(),
                    start,
                    end,
                    confidence: 0.75,
                    new_skill: false,
                    sentence: String::new(),
                    sentence_start: 0,
                }
            }
            None => {
                let slug = new_slug(name);
                if slug.is_empty() {
                    continue;
                }
                SkillMention {
                    skill: name.to_owned(),
                    skill_id: None,
                    slug,
                    category: added
                        .category
                        .as_deref()
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(SkillCategory::Tool),
                    excerpt: quote.to_owned(),
                    start,
                    end,
                    confidence: 0.6,
                    new_skill: true,
                    sentence: String::new(),
                    sentence_start: 0,
                }
            }
        };
        if !mentions.iter().any(|m| m.slug == mention.slug) {
            mentions.push(mention);
        }
    }
    if !missing.is_empty() {
        return Err(quotes_not_found(&missing));
    }
    if mentions.len() > MAX_SKILLS_PER_ANSWER + MAX_ADDED {
        mentions.truncate(MAX_SKILLS_PER_ANSWER + MAX_ADDED);
    }
    mentions.sort_by_key(|m| m.start);
    Ok(Validated {
        mentions,
        summary: answer
            .summary
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty() && s.chars().count() <= 300),
        category: answer.category.and_then(work_category),
    })
}

/// Whether a quote names a taxonomy skill: its name or an alias as whole words,
/// or a mention the matcher finds.
fn canonical_named_in(
    quote: &str,
    skill: &crate::taxonomy::CanonicalSkill,
    taxonomy: &CompiledTaxonomy,
) -> bool {
    contains_words(quote, &skill.name)
        || skill.aliases.iter().any(|a| contains_words(quote, &a.text))
        || taxonomy
            .matcher
            .find(quote)
            .iter()
            .any(|m| m.slug == skill.slug)
}

/// Whether a quote names a new skill: the first word of its name, as a word.
fn first_word_named_in(quote: &str, name: &str) -> bool {
    name.split_whitespace()
        .next()
        .is_some_and(|first| contains_words(quote, first))
}

/// Case-insensitive containment at word edges ("Go" is in "wrote Go code", not in
/// "good").
fn contains_words(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.to_lowercase(), needle.to_lowercase());
    if needle.is_empty() {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    haystack.match_indices(&needle).any(|(at, _)| {
        !word(haystack[..at].chars().next_back())
            && !word(haystack[at + needle.len()..].chars().next())
    })
}

/// "Apache NiFi" -> "apache-nifi"; a name with no letters or digits gives "".
fn new_slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        match c {
            'a'..='z' | '0'..='9' => slug.push(c),
            'A'..='Z' => slug.push(c.to_ascii_lowercase()),
            '+' => slug.push('p'),
            '#' => slug.push_str("sharp"),
            _ if !slug.is_empty() && !slug.ends_with('-') => slug.push('-'),
            _ => {}
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::worklog::test_worklog as worklog;
    use crate::taxonomy::SharedTaxonomy;

    const ENTRY: &str = "Moved the queue to RabbitMQ; Kafka was ruled out. Wired Flurbix into it.";

    fn check(answer: Value) -> Result<Validated> {
        let taxonomy = SharedTaxonomy::builtin().current();
        let candidates = candidates(ENTRY, &taxonomy);
        validate(&answer, &worklog(ENTRY), &taxonomy, &candidates)
    }

    fn slugs(v: &Validated) -> Vec<&str> {
        v.mentions.iter().map(|m| m.slug.as_str()).collect()
    }

    #[test]
    fn candidates_carry_the_built_in_verdict() {
        let taxonomy = SharedTaxonomy::builtin().current();
        let found = candidates(ENTRY, &taxonomy);
        let verdicts: Vec<(&str, bool)> = found
            .iter()
            .map(|c| (c.mention.slug.as_str(), c.kept))
            .collect();
        assert_eq!(verdicts, vec![("rabbitmq", true), ("kafka", false)]);
        let prompt = request(&worklog(ENTRY), &found, 512, 0.0).prompt;
        assert!(
            prompt.contains("2. Apache Kafka (\"Kafka\"): dropped: not used"),
            "{prompt}"
        );
    }

    #[test]
    fn decisions_confirm_reject_and_default_to_the_built_in_verdict() {
        let v = check(json!({"decisions": [{"id": 1, "keep": false}], "added": []})).unwrap();
        assert!(slugs(&v).is_empty());
        let v = check(json!({"decisions": [], "added": []})).unwrap();
        assert_eq!(slugs(&v), vec!["rabbitmq"]);
        let v = check(json!({"decisions": [{"id": 2, "keep": true}], "added": []})).unwrap();
        assert_eq!(slugs(&v), vec!["rabbitmq", "kafka"]);
    }

    #[test]
    fn invalid_ids_and_offsets_are_rejected() {
        let err = check(json!({"decisions": [{"id": 3, "keep": true}], "added": []})).unwrap_err();
        assert!(err.to_string().contains("ids are 1 to 2"), "{err}");
        let twice =
            json!({"decisions": [{"id": 1, "keep": true}, {"id": 1, "keep": false}], "added": []});
        assert!(check(twice).unwrap_err().to_string().contains("twice"));
        let invented =
            json!({"decisions": [], "added": [{"name": "Redis", "quote": "Redis cache"}]});
        assert!(
            check(invented)
                .unwrap_err()
                .to_string()
                .contains("literally")
        );
        let long = "x".repeat(61);
        let too_long = json!({"decisions": [], "added": [{"name": long, "quote": "queue"}]});
        assert!(check(too_long).is_err());
        assert!(check(json!({"skills": []})).is_err(), "garbage shape");
    }

    #[test]
    fn additions_map_to_the_taxonomy_or_are_flagged_new() {
        let answer = json!({"decisions": [], "added": [
            {"name": "Flurbix Stream", "quote": "Flurbix", "category": "tool"},
            {"name": "rabbitmq", "quote": "RabbitMQ"}
        ]});
        let v = check(answer).unwrap();
        let added = v.mentions.iter().find(|m| m.excerpt == "Flurbix").unwrap();
        assert!(added.new_skill);
        assert_eq!(added.slug, "flurbix-stream");
        assert_eq!(
            &ENTRY.chars().collect::<Vec<_>>()[added.start..added.end]
                .iter()
                .collect::<String>(),
            "Flurbix"
        );
        // Known skills are not flagged, and are not listed twice.
        assert_eq!(
            v.mentions.iter().filter(|m| m.slug == "rabbitmq").count(),
            1
        );
        assert!(
            !v.mentions
                .iter()
                .any(|m| m.slug == "rabbitmq" && m.new_skill)
        );
    }

    #[test]
    fn an_addition_must_be_named_in_its_quote() {
        let answer = json!({"decisions": [], "added": [
            {"name": "Code Review", "quote": "Moved the queue", "category": "practice"},
            {"name": "Stream Processing", "quote": "Wired Flurbix into it", "category": "practice"},
            {"name": "Flurbix", "quote": "Wired Flurbix into it", "category": "tool"}
        ]});
        let v = check(answer).unwrap();
        assert_eq!(slugs(&v), vec!["rabbitmq", "flurbix"]);
        assert!(contains_words("wrote Go code", "go"));
        assert!(!contains_words("good code", "go"));
    }

    #[test]
    fn a_rejected_candidate_cannot_come_back_as_an_addition() {
        let answer = json!({"decisions": [{"id": 2, "keep": false}],
            "added": [{"name": "Apache Kafka", "quote": "Kafka"}]});
        let v = check(answer).unwrap();
        assert_eq!(slugs(&v), vec!["rabbitmq"]);
    }
}
