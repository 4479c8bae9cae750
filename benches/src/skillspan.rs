//! Scoring span extraction against SkillSpan TECH (`eval/skillspan/`, see its
//! README for the source and license): text nobody on this team wrote, labelled by
//! others.
//!
//! Relaxed measure (the usual one for this data): a gold KNOWLEDGE span counts as
//! found when any predicted span overlaps it; a predicted span counts as correct
//! when it overlaps any gold KNOWLEDGE or SKILL span; identical predicted spans in
//! one sentence count once. Strict: a predicted span equals a KNOWLEDGE span.

use std::collections::BTreeSet;

use afterresume_core::taxonomy::{PostingReader, SkillMatcher};
use serde::Deserialize;

/// A half-open span in characters (Unicode code points).
pub type Span = (usize, usize);

/// One annotated sentence.
#[derive(Debug, Clone, Deserialize)]
pub struct Sentence {
    /// `tech-dev00012`, ...
    pub id: String,
    /// The sentence, tokens joined by single spaces.
    pub text: String,
    /// Soft-skill spans: `[start, end, surface]`.
    pub skill_spans: Vec<(usize, usize, String)>,
    /// Knowledge spans (tools, languages, methods): `[start, end, surface]`.
    pub knowledge_spans: Vec<(usize, usize, String)>,
}

/// The vendored split `name` (`dev` or `train`).
pub fn load(name: &str) -> Vec<Sentence> {
    let path = format!(
        "{}/../eval/skillspan/skillspan_tech_{name}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .collect()
}

/// Relaxed and strict figures over a set of sentences.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct SpanScore {
    /// Gold knowledge spans overlapped by some prediction.
    pub knowledge_found: usize,
    /// Gold knowledge spans in all.
    pub knowledge_total: usize,
    /// Distinct predicted spans overlapping some gold span.
    pub predicted_correct: usize,
    /// Distinct predicted spans in all.
    pub predicted_total: usize,
    /// Predicted spans equal to a knowledge span.
    pub strict_matches: usize,
}

fn overlaps(a: Span, b: Span) -> bool {
    a.0 < b.1 && b.0 < a.1
}

impl SpanScore {
    /// Adds one sentence's predictions.
    pub fn add(&mut self, sentence: &Sentence, predicted: &[Span]) {
        let predicted: BTreeSet<Span> = predicted.iter().copied().collect();
        let knowledge: Vec<Span> = sentence
            .knowledge_spans
            .iter()
            .map(|(s, e, _)| (*s, *e))
            .collect();
        let any_gold: Vec<Span> = knowledge
            .iter()
            .copied()
            .chain(sentence.skill_spans.iter().map(|(s, e, _)| (*s, *e)))
            .collect();
        self.knowledge_total += knowledge.len();
        self.knowledge_found += knowledge
            .iter()
            .filter(|k| predicted.iter().any(|p| overlaps(*p, **k)))
            .count();
        self.predicted_total += predicted.len();
        self.predicted_correct += predicted
            .iter()
            .filter(|p| any_gold.iter().any(|g| overlaps(**p, *g)))
            .count();
        self.strict_matches += predicted.iter().filter(|p| knowledge.contains(p)).count();
    }

    /// Relaxed knowledge recall.
    pub fn recall(&self) -> f64 {
        ratio(self.knowledge_found, self.knowledge_total)
    }

    /// Relaxed precision.
    pub fn precision(&self) -> f64 {
        ratio(self.predicted_correct, self.predicted_total)
    }

    /// Strict F1 on knowledge spans.
    pub fn strict_f1(&self) -> f64 {
        let p = ratio(self.strict_matches, self.predicted_total);
        let r = ratio(self.strict_matches, self.knowledge_total);
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// What a reader predicts in one sentence: each span with a label for error lists
/// (`slug 'surface'`, or `'surface'` for what names no taxonomy skill).
pub type Predicted = Vec<(Span, String)>;

/// The taxonomy matcher alone: every mention it finds.
pub fn matcher_spans(matcher: &SkillMatcher) -> impl Fn(&str) -> Predicted + '_ {
    move |text| {
        matcher
            .find(text)
            .into_iter()
            .map(|m| {
                (
                    (m.start, m.end),
                    format!("{} '{}'", m.slug, m.excerpt.to_lowercase()),
                )
            })
            .collect()
    }
}

/// The posting reader: taxonomy mentions, learned knowledge terms, listed names.
pub fn posting_spans<'a>(
    reader: &'a PostingReader,
    matcher: &'a SkillMatcher,
) -> impl Fn(&str) -> Predicted + 'a {
    move |text| {
        reader
            .read(matcher, text)
            .into_iter()
            .map(|m| {
                let slug = m.skill.map(|s| format!("{} ", s.0)).unwrap_or_default();
                (
                    (m.start, m.end),
                    format!("{slug}'{}'", m.excerpt.to_lowercase()),
                )
            })
            .collect()
    }
}

/// The score of a reader's spans over `sentences`.
pub fn score(sentences: &[Sentence], predict: impl Fn(&str) -> Predicted) -> SpanScore {
    let mut score = SpanScore::default();
    for sentence in sentences {
        let spans: Vec<Span> = predict(&sentence.text)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        score.add(sentence, &spans);
    }
    score
}

/// A count and what was counted.
pub type Counted = (usize, String);

/// A reader's most frequent errors on `sentences`: predicted spans that overlap no
/// gold span (by label) and gold knowledge spans no prediction overlaps, each with
/// its count, most frequent first.
pub fn frequent_errors(
    sentences: &[Sentence],
    predict: impl Fn(&str) -> Predicted,
    n: usize,
) -> (Vec<Counted>, Vec<Counted>) {
    let mut false_spans = std::collections::HashMap::<String, usize>::new();
    let mut missed = std::collections::HashMap::<String, usize>::new();
    for sentence in sentences {
        let found = predict(&sentence.text);
        let gold: Vec<Span> = sentence
            .knowledge_spans
            .iter()
            .chain(&sentence.skill_spans)
            .map(|(s, e, _)| (*s, *e))
            .collect();
        for (span, label) in &found {
            if !gold.iter().any(|g| overlaps(*g, *span)) {
                *false_spans.entry(label.clone()).or_default() += 1;
            }
        }
        for (s, e, surface) in &sentence.knowledge_spans {
            if !found.iter().any(|(span, _)| overlaps((*s, *e), *span)) {
                *missed.entry(surface.to_lowercase()).or_default() += 1;
            }
        }
    }
    let top = |map: std::collections::HashMap<String, usize>| {
        let mut v: Vec<Counted> = map.into_iter().map(|(k, c)| (c, k)).collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        v.truncate(n);
        v
    };
    (top(false_spans), top(missed))
}

fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxed_and_strict_counts() {
        let sentence = Sentence {
            id: "x".into(),
            text: "Docker and Kubernetes in a team".into(),
            skill_spans: vec![(22, 31, "in a team".into())],
            knowledge_spans: vec![(0, 6, "Docker".into()), (11, 21, "Kubernetes".into())],
        };
        let mut score = SpanScore::default();
        // Docker exactly, a part of Kubernetes, a soft-skill overlap, and a miss;
        // the repeated span counts once.
        score.add(&sentence, &[(0, 6), (0, 6), (11, 15), (27, 31), (7, 10)]);
        assert_eq!(
            score,
            SpanScore {
                knowledge_found: 2,
                knowledge_total: 2,
                predicted_correct: 3,
                predicted_total: 4,
                strict_matches: 1,
            }
        );
        assert_eq!(score.recall(), 1.0);
        assert_eq!(score.precision(), 0.75);
    }
}
