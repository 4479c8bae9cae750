//! Reads a worklog into statements a report or a resume can use: what was done
//! (verb first, past tense, its result kept with it), notes, blockers and next
//! steps kept whole. Deterministic and offline: the built-in writer is this plus
//! grouping; the LLM writer is checked against the same entries.

use super::verbs::{VerbForm, verb_form};
use super::work_content::is_private;
use crate::agents::{WorkCategory, classify};

/// What a statement says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatementKind {
    /// Work done: starts with a past-tense verb.
    Action,
    /// Something said without an action ("Mostly meetings today").
    Note,
    /// Something in the way, as written.
    Blocker,
    /// What comes next ("Tomorrow: wire the exporter").
    NextStep,
}

/// One statement of a worklog, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    /// Its kind.
    pub(crate) kind: StatementKind,
    /// The written text: capitalized, ending with a full stop.
    pub(crate) text: String,
    /// The kind of work, from the leading verb or, failing that, the words.
    pub(crate) category: WorkCategory,
    /// Whether it states a number with a unit or a percentage (a result).
    pub(crate) has_metric: bool,
}

/// Words that open a blocker; "unblocked" is the opposite.
const BLOCKER_CUES: &[&str] = &[
    "blocked",
    "blocker",
    "waiting on",
    "waiting for",
    "stuck on",
    "need access",
    "needs access",
    "pending approval",
    "can't proceed",
    "cannot proceed",
];

/// Openings of a next step, longest first; what follows is the step.
const NEXT_CUES: &[&str] = &[
    "next step:",
    "next steps:",
    "next up:",
    "next up",
    "next:",
    "next,",
    "tomorrow:",
    "tomorrow,",
    "tomorrow",
    "next",
    "todo:",
    "to do:",
    "plan:",
    "planning to",
    "plan to",
    "going to",
    "i'll",
    "i will",
    "we'll",
    "we will",
    "will",
];

/// Lead-ins that come before the verb and say nothing about the work.
const LEAD_INS: &[&str] = &[
    "today",
    "this morning",
    "this afternoon",
    "tonight",
    "yesterday",
    "finally",
    "also",
    "then",
    "and",
    "i",
    "we",
    "i've",
    "we've",
    "have",
    "had",
    "just",
    "mostly",
    "quickly",
    "eventually",
    "successfully",
    "so",
];

/// Time spent before an "-ing" verb: "spent the day debugging X" → "Debugged X".
const SPENT: &[&str] = &[
    "spent the day",
    "spent the morning",
    "spent the afternoon",
    "spent the evening",
    "spent most of the day",
    "spent the week",
    "spent some time",
    "spent time",
    "spent a while",
    "spent an hour",
    "spent two hours",
    "spent hours",
    "was",
    "were",
    "been",
    "kept",
];

/// Labels that stand for an action ("Incident response: the consumer lagged").
const LABELS: &[(&str, &str)] = &[
    ("incident response", "Responded to an incident"),
    ("incident", "Handled an incident"),
    ("on-call", "Covered on-call"),
    ("oncall", "Covered on-call"),
    ("code review", "Reviewed code"),
    ("review", "Reviewed"),
    ("spike", "Investigated"),
    ("research", "Investigated"),
];

/// The statements of a worklog's content, in text order; sentences about
/// private life are left out.
pub(crate) fn statements(content: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    // The object of the last action, for "fixed it", and where that action is.
    let mut last_object: Option<String> = None;
    let mut last_action_at: Option<usize> = None;
    for sentence in sentences(content) {
        if is_private(&sentence) {
            continue;
        }
        let lower = sentence.to_lowercase();
        if BLOCKER_CUES.iter().any(|c| lower.contains(c)) && !lower.contains("unblock") {
            out.push(statement(StatementKind::Blocker, &sentence, None));
            continue;
        }
        if let Some(step) = next_step(&sentence) {
            out.push(statement(StatementKind::NextStep, &step, None));
            continue;
        }
        let mut actions: Vec<(String, WorkCategory)> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        // "Found a leak. Fixed it": the second says all the first did.
        let mut subsumes_previous = false;
        let clauses = sentence.split(';').map(str::trim).filter(|c| !c.is_empty());
        for (i, clause) in clauses.enumerate() {
            // After the first clause a bare "cache hit rate 87%" is a result, not
            // an order to cache: only an unambiguous verb starts an action there.
            match action(clause, last_object.as_deref(), i > 0) {
                Some((text, object, category, resolved)) => {
                    subsumes_previous |= resolved && i == 0;
                    last_object = Some(object);
                    actions.push((text, category));
                }
                None if has_metric(clause) && !actions.is_empty() => {
                    let last = actions.last_mut().expect("an action");
                    last.0 = format!("{} ({})", strip_end(&last.0), strip_end(clause));
                }
                None => notes.push(clause.to_owned()),
            }
        }
        if actions.is_empty() {
            let note = notes.join("; ");
            if !note.is_empty() {
                out.push(statement(StatementKind::Note, &note, None));
            }
            continue;
        }
        let category = actions
            .iter()
            .map(|(_, c)| *c)
            .find(|c| *c != WorkCategory::Other);
        let text = join_actions(actions.into_iter().map(|(t, _)| t).collect());
        if let Some(at) = last_action_at.filter(|_| subsumes_previous) {
            out.remove(at);
        }
        last_action_at = Some(out.len());
        out.push(statement(StatementKind::Action, &text, category));
        for note in notes {
            out.push(statement(StatementKind::Note, &note, None));
        }
    }
    out
}

fn statement(kind: StatementKind, text: &str, category: Option<WorkCategory>) -> Statement {
    let text = finish(text);
    Statement {
        kind,
        category: category.unwrap_or_else(|| classify(&text)),
        has_metric: has_metric(&text),
        text,
    }
}

/// "Moved X", "wrote Y" and "added Z" → "Moved X, wrote Y and added Z".
fn join_actions(mut actions: Vec<String>) -> String {
    for a in actions.iter_mut().skip(1) {
        *a = lowercase_first(strip_end(a));
    }
    let last = actions.pop().expect("at least one action");
    if actions.is_empty() {
        return last;
    }
    let head: Vec<&str> = actions.iter().map(|a| strip_end(a)).collect();
    format!("{} and {}", head.join(", "), last)
}

/// A clause that reports work, written verb first in the past tense, with the
/// object it acted on and the kind of work; `None` if it does not start with a
/// known verb (after lead-ins, "spent the day ...", "was ...").
fn action(
    clause: &str,
    last_object: Option<&str>,
    unambiguous_only: bool,
) -> Option<(String, String, WorkCategory, bool)> {
    let mut rest = clause.trim();
    let mut label_verb = None;
    if let Some((label, after)) = rest.split_once(": ") {
        let label_lower = label.trim().to_lowercase();
        match LABELS.iter().find(|(l, _)| *l == label_lower) {
            Some((_, verb)) if first_verb(after).is_none() => label_verb = Some(*verb),
            _ if label.split_whitespace().count() <= 3 && first_verb(after).is_some() => {
                rest = after.trim();
            }
            _ => {}
        }
        if let Some(verb) = label_verb {
            let detail = strip_end(after.trim());
            let category = classify(verb);
            return Some((
                format!("{verb} ({detail})"),
                detail.to_owned(),
                category,
                false,
            ));
        }
    }
    let (form, object) = first_verb(rest)?;
    if unambiguous_only && !form.was_past && !form.was_participle {
        return None;
    }
    let (past, category) = (form.past, form.category);
    let object = resolve_pronoun(object, last_object);
    let resolved = matches!(object, std::borrow::Cow::Owned(_));
    let text = if object.is_empty() {
        capitalize(past)
    } else {
        format!("{} {}", capitalize(past), object)
    };
    Some((text, object.into_owned(), category, resolved))
}

/// The verb that starts `text` after lead-ins, its past tense, category and
/// the rest of the clause.
fn first_verb(text: &str) -> Option<(VerbForm, &str)> {
    let mut rest = text.trim();
    loop {
        let lower = rest.to_lowercase();
        let lead = LEAD_INS
            .iter()
            .chain(SPENT)
            .filter(|l| {
                lower.starts_with(*l)
                    && lower[l.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| c == ' ' || c == ',')
            })
            .max_by_key(|l| l.len());
        match lead {
            Some(l) => rest = rest[l.len()..].trim_start_matches([',', ' ']),
            None => break,
        }
    }
    let lower = rest.to_lowercase();
    if let Some(after) = lower.strip_prefix("on ").filter(|a| {
        a.split_whitespace()
            .next()
            .is_some_and(|w| w.ends_with("ing") && verb_form(w).is_some())
    }) {
        rest = &rest[rest.len() - after.len()..];
    }
    let word_end = rest.find([' ', ',']).unwrap_or(rest.len());
    let form = verb_form(&rest[..word_end])?;
    Some((form, rest[word_end..].trim_start_matches([',', ' '])))
}

/// "it" / "this" / "that" / "them" as the whole object, or its first word,
/// stands for the previous action's object.
fn resolve_pronoun<'a>(object: &'a str, last_object: Option<&'a str>) -> std::borrow::Cow<'a, str> {
    let Some(previous) = last_object.filter(|p| !p.is_empty()) else {
        return object.into();
    };
    for pronoun in ["it", "this", "that", "them"] {
        let Some(after) = object.strip_prefix(pronoun) else {
            continue;
        };
        if after.is_empty() || after.starts_with([' ', ',', '.']) {
            return format!("{}{after}", strip_end(previous)).into();
        }
    }
    object.into()
}

/// The step that follows a next-step cue, or `None` when the sentence does not
/// start with one.
fn next_step(sentence: &str) -> Option<String> {
    let lower = sentence.to_lowercase();
    let cue = NEXT_CUES.iter().find(|c| {
        lower.starts_with(*c)
            && lower[c.len()..]
                .chars()
                .next()
                .is_none_or(|ch| ch.is_whitespace() || ch == ':' || ch == ',')
    })?;
    let mut step = sentence[cue.len()..].trim_start_matches([':', ',', ' ']);
    for filler in [
        "i'll ", "i will ", "we'll ", "we will ", "will ", "need to ", "to ",
    ] {
        if step.to_lowercase().starts_with(filler) {
            step = &step[filler.len()..];
        }
    }
    (!step.trim().is_empty()).then(|| step.to_owned())
}

/// Sentences: split at `.`/`!`/`?` before a space or the end, and at line
/// breaks; list markers and Markdown heading marks are dropped.
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches('#')
            .trim_start_matches(['-', '*', '•'])
            .trim();
        let bytes = line.as_bytes();
        let mut start = 0;
        for i in 0..bytes.len() {
            let ends = matches!(bytes[i], b'.' | b'!' | b'?')
                && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
            if ends {
                push_sentence(&line[start..=i], &mut out);
                start = i + 1;
            }
        }
        push_sentence(&line[start..], &mut out);
    }
    out
}

fn push_sentence(piece: &str, out: &mut Vec<String>) {
    let piece = piece.trim();
    if piece.chars().any(char::is_alphanumeric) {
        out.push(piece.to_owned());
    }
}

/// Whether a text states a measured result: a percentage, a multiplier or a
/// number with a unit.
pub(crate) fn has_metric(text: &str) -> bool {
    crate::agents::signals::has_measure(text)
}

fn strip_end(text: &str) -> &str {
    text.trim().trim_end_matches(['.', '!', '?', ';', ',', ' '])
}

fn finish(text: &str) -> String {
    let text = strip_end(text);
    format!("{}.", capitalize(text))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Keep acronyms and names ("CI", "Kafka") as written.
        Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        Some(first) => std::iter::once(first).chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(content: &str) -> Vec<(StatementKind, String)> {
        statements(content)
            .into_iter()
            .map(|s| (s.kind, s.text))
            .collect()
    }

    use StatementKind::{Action, Blocker, NextStep, Note};

    #[test]
    fn a_result_stays_with_its_action() {
        assert_eq!(
            texts("Added Redis caching in front of Elasticsearch; cache hit rate 87%."),
            [(
                Action,
                "Added Redis caching in front of Elasticsearch (cache hit rate 87%).".into()
            )]
        );
        assert_eq!(
            texts("Tuned PostgreSQL indexes for the search fallback; query time down 60%."),
            [(
                Action,
                "Tuned PostgreSQL indexes for the search fallback (query time down 60%).".into()
            )]
        );
    }

    #[test]
    fn actions_are_verb_first_and_past_tense() {
        assert_eq!(
            texts("spent the day debugging the importer"),
            [(Action, "Debugged the importer.".into())]
        );
        assert_eq!(
            texts("Today I was fixing flaky tests in CI"),
            [(Action, "Fixed flaky tests in CI.".into())]
        );
        assert_eq!(
            texts("Found a memory leak in the image resizer. Fixed it and heap usage dropped from 2.1 GB to 300 MB."),
            [(
                Action,
                "Fixed a memory leak in the image resizer and heap usage dropped from 2.1 GB to 300 MB."
                    .into()
            )],
            "the fix says all the finding did"
        );
        assert_eq!(
            texts("Moved the billing service to PostgreSQL 15; wrote the migration (BILL-101)."),
            [(
                Action,
                "Moved the billing service to PostgreSQL 15 and wrote the migration (BILL-101)."
                    .into()
            )]
        );
    }

    #[test]
    fn blockers_and_next_steps_stay_whole() {
        assert_eq!(
            texts(
                "Shipped the exporter. Blocked on security review; waiting for DBA access. Tomorrow: wire the exporter to S3."
            ),
            [
                (Action, "Shipped the exporter.".into()),
                (
                    Blocker,
                    "Blocked on security review; waiting for DBA access.".into()
                ),
                (NextStep, "Wire the exporter to S3.".into()),
            ]
        );
        assert_eq!(
            texts("Next I'll add retries"),
            [(NextStep, "Add retries.".into())]
        );
    }

    #[test]
    fn notes_and_labels() {
        let got = statements("Mostly meetings today.");
        assert_eq!(got[0].kind, Note);
        assert_eq!(got[0].category, WorkCategory::Meeting);
        assert_eq!(
            texts("Incident response: the Kafka consumer lagged after a broker restart; wrote the postmortem."),
            [(
                Action,
                "Responded to an incident (the Kafka consumer lagged after a broker restart) and wrote the postmortem."
                    .into()
            )]
        );
        assert_eq!(
            texts("Billing: migrated invoices to Postgres"),
            [(Action, "Migrated invoices to Postgres.".into())]
        );
    }

    #[test]
    fn categories_follow_the_verb() {
        let got = statements("Made the webhook handler idempotent; added tests for retries.");
        assert_eq!(got[0].category, WorkCategory::Feature);
        let got = statements("Reviewed three PRs on the exporter.");
        assert_eq!(got[0].category, WorkCategory::Review);
    }
}
