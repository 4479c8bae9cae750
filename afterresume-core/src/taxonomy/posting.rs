//! Reading a job posting for what it asks the candidate to know.
//!
//! A posting names technologies the taxonomy tracks ("Kubernetes"), but it also
//! asks for knowledge no worklog would count as a skill: "cloud", "computer
//! science", "financial services", "automated testing". The reader finds both:
//! the taxonomy's mentions first, then the knowledge terms learned from SkillSpan
//! TECH's training split by `scripts/taxonomy/posting_terms.py` (`posting_terms.txt`,
//! CC BY 4.0), then what follows the phrases postings ask with ("experience with
//! event sourcing", "knowledge of compilers"), then names listed beside any of them
//! ("EJB, JMS, JTA" when EJB is known: a list in a posting is a list of requirements).
//!
//! Worklogs are read by the skill matcher and the context model, never by this:
//! a worklog that says "testing" shows no skill, a posting that asks for it does.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::SkillMatcher;
use super::matcher::at_word_boundaries;
use crate::domain::SkillCategory;

const POSTING_TERMS: &str = include_str!("posting_terms.txt");

/// Phrases after which a posting names what it asks for.
const ASKING_PHRASES: &[&str] = &[
    "experience with",
    "experience in",
    "experience of",
    "knowledge of",
    "knowledge in",
    "knowledge about",
    "familiar with",
    "familiarity with",
    "understanding of",
    "proficiency in",
    "proficiency with",
    "proficient in",
    "proficient with",
    "skills in",
    "skill in",
    "background in",
    "expertise in",
    "expert in",
    "degree in",
    "exposure to",
    "hands-on with",
    "experience using",
    "experience working with",
    "experienced in",
    "experienced with",
    "skilled in",
    "fluent in",
    "fluency in",
    "command of",
    "know-how in",
    "competence in",
    "certification in",
    "certified in",
];

/// Words between an asking phrase and what it asks for ("experience with *the*
/// modern ...").
const ASKED_FILLERS: &[&str] = &[
    "the",
    "a",
    "an",
    "modern",
    "strong",
    "solid",
    "good",
    "deep",
    "working",
    "practical",
    "professional",
    "relevant",
    "at",
    "least",
    "one",
    "some",
];

/// Words that end what an asking phrase asks for.
const ASKED_STOPS: &[&str] = &[
    "and",
    "or",
    "as",
    "is",
    "are",
    "to",
    "for",
    "the",
    "a",
    "an",
    "such",
    "including",
    "e.g.",
    "like",
    "will",
    "that",
    "which",
    "with",
    "in",
    "of",
    "on",
    "at",
    "etc",
    "etc.",
];

/// The most words taken after an asking phrase: longer runs are sentences, not names.
const MAX_ASKED_WORDS: usize = 2;

/// Words that join the items of a list.
const LIST_JOINERS: &[&str] = &["and", "or", "&", "/", ",", "+", "(", ")", ";", "-"];

/// All-capital words that are English, not product names.
const CAPITALISED_WORDS: &[&str] = &[
    "AND", "OR", "IT", "US", "UK", "EU", "THE", "OF", "TO", "IN", "ON", "AT", "WE", "IS", "OUR",
    "YOU", "FOR", "WITH", "NOT", "NEW", "ALL",
];

/// A taxonomy skill as `(slug, name, category)`.
pub type NamedSkill = (String, String, SkillCategory);

/// One thing a posting asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct PostingMention {
    /// The text as written.
    pub excerpt: String,
    /// Start, in characters from the start of the posting.
    pub start: usize,
    /// End (exclusive), in characters.
    pub end: usize,
    /// The taxonomy skill it names, when it names one: `(slug, name, category)`.
    pub skill: Option<NamedSkill>,
}

/// The learned knowledge terms of postings and the phrases postings ask with,
/// compiled once.
pub struct PostingReader {
    terms: AhoCorasick,
    asking: AhoCorasick,
    count: usize,
}

impl std::fmt::Debug for PostingReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostingReader")
            .field("terms", &self.count)
            .finish_non_exhaustive()
    }
}

impl Default for PostingReader {
    fn default() -> Self {
        PostingReader::builtin()
    }
}

impl PostingReader {
    /// The reader over the terms shipped with the crate.
    pub fn builtin() -> PostingReader {
        let terms: Vec<&str> = POSTING_TERMS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split('|').next())
            .collect();
        let count = terms.len();
        let terms = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&terms)
            .expect("posting terms compile");
        let asking = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(ASKING_PHRASES)
            .expect("asking phrases compile");
        PostingReader {
            terms,
            asking,
            count,
        }
    }

    /// How many learned terms the reader knows.
    pub fn term_count(&self) -> usize {
        self.count
    }

    /// Everything `text` asks for, in text order: taxonomy mentions (by `matcher`),
    /// then learned knowledge terms and the words after asking phrases where they
    /// overlap nothing found before, then names listed next to any of them.
    /// Offsets are in characters.
    pub fn read(&self, matcher: &SkillMatcher, text: &str) -> Vec<PostingMention> {
        let by_char = CharOffsets::new(text);
        // Byte spans, with the skill each names.
        let mut spans: Vec<(usize, usize, Option<NamedSkill>)> = matcher
            .find(text)
            .into_iter()
            .map(|m| {
                (
                    by_char.byte(m.start),
                    by_char.byte(m.end),
                    Some((m.slug, m.name, m.category)),
                )
            })
            .collect();
        let taken = |spans: &[(usize, usize, _)], s: usize, e: usize| {
            spans.iter().any(|(a, b, _)| *a < e && s < *b)
        };
        for m in self.terms.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            if at_word_boundaries(text, s, e) && !taken(&spans, s, e) {
                spans.push((s, e, None));
            }
        }
        for (s, e) in self.asked_after_phrases(text) {
            if !taken(&spans, s, e) {
                spans.push((s, e, None));
            }
        }
        for (s, e) in listed_names(text, &spans) {
            spans.push((s, e, None));
        }
        spans.sort_by_key(|s| s.0);
        spans
            .into_iter()
            .map(|(s, e, skill)| PostingMention {
                excerpt: text[s..e].to_owned(),
                start: by_char.char(s),
                end: by_char.char(e),
                skill,
            })
            .collect()
    }
}

impl PostingReader {
    /// Byte spans of the words right after an asking phrase ("experience with
    /// *event sourcing*"), fillers skipped, up to a stop word, punctuation or
    /// [`MAX_ASKED_WORDS`] words.
    fn asked_after_phrases(&self, text: &str) -> Vec<(usize, usize)> {
        let mut asked = Vec::new();
        for m in self.asking.find_iter(text) {
            if !at_word_boundaries(text, m.start(), m.end()) {
                continue;
            }
            let words: Vec<(usize, usize)> = whitespace_words(&text[m.end()..])
                .map(|(s, e)| (m.end() + s, m.end() + e))
                .collect();
            let lower = |(s, e): (usize, usize)| text[s..e].to_lowercase();
            let first = words
                .iter()
                .position(|&w| !ASKED_FILLERS.contains(&lower(w).as_str()))
                .unwrap_or(words.len());
            let mut end = None;
            for &(s, e) in words.iter().skip(first).take(MAX_ASKED_WORDS) {
                let word = lower((s, e));
                let bare = word.trim_end_matches([',', ';', ':', '.', ')']);
                if ASKED_STOPS.contains(&bare) || bare.is_empty() || word.starts_with('(') {
                    break;
                }
                end = Some(s + bare.len());
                if bare.len() < word.len() {
                    break;
                }
            }
            if let (Some(end), Some(&(start, _))) = (end, words.get(first)) {
                asked.push((start, end));
            }
        }
        asked
    }
}

/// Byte spans of the whitespace-separated words of `text`.
fn whitespace_words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    text.split_whitespace().map(move |w| {
        let start = w.as_ptr() as usize - text.as_ptr() as usize;
        (start, start + w.len())
    })
}

/// Words spelled like product names ("JTA", "DTrace", "HTML5", "Node.js") that sit
/// in a list next to something already found, spreading along the list: byte spans
/// of the names not yet found.
fn listed_names<T>(text: &str, found: &[(usize, usize, T)]) -> Vec<(usize, usize)> {
    let words: Vec<(usize, usize)> = word_spans(text);
    let mut known: Vec<bool> = words
        .iter()
        .map(|(s, e)| found.iter().any(|(a, b, _)| *a < *e && *s < *b))
        .collect();
    let joiner =
        |i: usize| LIST_JOINERS.contains(&text[words[i].0..words[i].1].to_lowercase().as_str());
    let mut added = Vec::new();
    // Each pass reaches one more item along a list.
    for _ in 0..3 {
        for i in 0..words.len() {
            if known[i] || joiner(i) {
                continue;
            }
            let (s, e) = trim_punctuation(text, words[i]);
            if !looks_like_a_name(&text[s..e]) {
                continue;
            }
            let neighbour_known = |step: isize| {
                let mut j = i as isize + step;
                while j >= 0 && (j as usize) < words.len() && joiner(j as usize) {
                    j += step;
                }
                j >= 0 && (j as usize) < words.len() && known[j as usize]
            };
            if neighbour_known(-1) || neighbour_known(1) {
                known[i] = true;
                added.push((s, e));
            }
        }
    }
    added
}

/// Byte spans of the whitespace-separated words of `text`, with list punctuation
/// (",", "/", "(", ")", ";") split off as words of its own.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let separate = matches!(c, ',' | '/' | '(' | ')' | ';');
        if c.is_whitespace() || separate {
            if let Some(s) = start.take() {
                spans.push((s, i));
            }
            if separate {
                spans.push((i, i + c.len_utf8()));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// The span without the punctuation that ends a clause (":", ".", "!", "?", quotes).
fn trim_punctuation(text: &str, (s, e): (usize, usize)) -> (usize, usize) {
    let word = &text[s..e];
    let trimmed = word.trim_end_matches([':', '.', '!', '?', '"', '\'']);
    let lead = trimmed.len() - trimmed.trim_start_matches(['"', '\'']).len();
    (s + lead, s + trimmed.len())
}

/// Whether a word is spelled like a product rather than English: an acronym
/// ("JMS", "C#"), inner capitals ("jQuery", "DTrace"), letters glued to digits
/// ("HTML5", "S3") or a dotted name ("Node.js").
fn looks_like_a_name(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let symbol_named = letters == 1 && word.ends_with(['#', '+']);
    if (letters < 2 && !symbol_named) || CAPITALISED_WORDS.contains(&word) {
        return false;
    }
    let chars: Vec<char> = word.chars().collect();
    let acronym = chars[0].is_uppercase()
        && chars
            .iter()
            .all(|c| c.is_uppercase() || c.is_ascii_digit() || matches!(c, '+' | '#' | '.'));
    let inner_capital = chars
        .windows(2)
        .any(|w| (w[0].is_lowercase() || w[0].is_uppercase()) && w[1].is_uppercase())
        && chars.iter().skip(1).any(|c| c.is_lowercase());
    let glued_digits = chars
        .windows(2)
        .any(|w| w[0].is_alphabetic() && w[1].is_ascii_digit());
    let dotted = chars.windows(4).any(|w| {
        w[0].is_alphanumeric() && w[1] == '.' && w[2].is_alphabetic() && w[3].is_alphabetic()
    });
    acronym || inner_capital || glued_digits || dotted
}

/// Converts between byte and character offsets of one text.
struct CharOffsets {
    /// Byte offset of each character, then the text's length.
    bytes: Vec<usize>,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bytes.push(text.len());
        CharOffsets { bytes }
    }

    fn byte(&self, char_offset: usize) -> usize {
        self.bytes[char_offset]
    }

    fn char(&self, byte_offset: usize) -> usize {
        self.bytes.partition_point(|b| *b < byte_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::Taxonomy;

    fn read(text: &str) -> Vec<(String, Option<String>)> {
        let matcher = SkillMatcher::new(&Taxonomy::builtin());
        PostingReader::builtin()
            .read(&matcher, text)
            .into_iter()
            .map(|m| (m.excerpt, m.skill.map(|s| s.0)))
            .collect()
    }

    #[test]
    fn taxonomy_skills_keep_their_slug_and_learned_terms_have_none() {
        let found = read("A degree in computer science and 3 years of Kubernetes in the cloud.");
        assert!(
            found.contains(&("Kubernetes".into(), Some("kubernetes".into()))),
            "{found:?}"
        );
        assert!(found.contains(&("cloud".into(), None)), "{found:?}");
        assert!(
            found
                .iter()
                .any(|(e, s)| e.ends_with("computer science") && s.is_none()),
            "{found:?}"
        );
    }

    #[test]
    fn names_listed_beside_a_known_one_are_requirements_too() {
        let found = read("Java EE stack: EJB, JMS, JTA and JAXB.");
        for name in ["JMS", "JTA", "JAXB"] {
            assert!(found.iter().any(|(e, _)| e == name), "{name} in {found:?}");
        }
    }

    #[test]
    fn what_follows_an_asking_phrase_is_asked_for() {
        let found =
            read("You have experience with the Zorblax toolkit, and knowledge of queueing theory.");
        assert!(
            found.contains(&("Zorblax toolkit".into(), None)),
            "{found:?}"
        );
        assert!(
            found.contains(&("queueing theory".into(), None)),
            "{found:?}"
        );
        // A stop word ends it; nothing after the phrase, nothing found.
        let found = read("Experience with and love for people. Knowledge of");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn english_words_and_unlisted_capitals_are_not_requirements() {
        let found = read("We are a friendly team in Berlin and love good coffee.");
        assert!(found.is_empty(), "{found:?}");
        // A capitalised word beside a known name is not a name by its spelling.
        let found = read("Python and Friends");
        assert_eq!(found, vec![("Python".into(), Some("python".into()))]);
    }

    #[test]
    fn offsets_are_characters_even_after_non_ascii_text() {
        let text = "Erfahrung – Docker, KVM";
        let matcher = SkillMatcher::new(&Taxonomy::builtin());
        for m in PostingReader::builtin().read(&matcher, text) {
            let by_chars: String = text.chars().skip(m.start).take(m.end - m.start).collect();
            assert_eq!(by_chars, m.excerpt);
        }
    }

    #[test]
    fn name_spelling_rules() {
        for name in ["JMS", "C#", "jQuery", "DTrace", "HTML5", "EC2", "Node.js"] {
            assert!(looks_like_a_name(name), "{name}");
        }
        for word in ["and", "Friends", "IT", "e.g", "A", "coffee"] {
            assert!(!looks_like_a_name(word), "{word}");
        }
    }
}
