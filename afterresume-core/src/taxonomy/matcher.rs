//! Finding canonical skills in text: one Aho-Corasick automaton over every alias
//! (case-insensitive, leftmost-longest, so "spring boot" beats "spring" and "C++"
//! beats "C"), then word boundaries, case rules and context checks per match.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

use super::practice_cues::find_practices;
use super::practice_tools::practice_of_tool;
use super::{AliasRule, Provenance, Taxonomy};
use crate::domain::SkillCategory;

/// Context words before a name that still mark it with "the" between them.
const ARTICLE_AFTER: &[&str] = &["on", "with", "using", "into", "via", "used", "use"];

/// Words before an ambiguous alias that make it technical: "in Go", "using Rust".
const CONTEXT_BEFORE: &[&str] = &[
    "used",
    "use",
    "in",
    "with",
    "using",
    "wrote",
    "write",
    "writing",
    "learned",
    "learning",
    "into",
    "to",
    "of",
    "on",
    "from",
    "via",
    "our",
    "idiomatic",
    "modern",
    "plain",
    "vanilla",
];

/// Words after an ambiguous alias that make it technical: "Go service", "React hooks".
const CONTEXT_AFTER: &[&str] = &[
    "service",
    "services",
    "code",
    "codebase",
    "module",
    "modules",
    "app",
    "apps",
    "application",
    "library",
    "libraries",
    "lib",
    "binary",
    "binaries",
    "program",
    "programs",
    "backend",
    "api",
    "apis",
    "client",
    "server",
    "version",
    "tests",
    "test",
    "toolchain",
    "compiler",
    "project",
    "crate",
    "crates",
    "microservice",
    "microservices",
    "sdk",
    "package",
    "packages",
    "runtime",
    "developer",
    "developers",
    "engineer",
    "component",
    "components",
    "hooks",
    "script",
    "scripts",
    "worker",
    "workers",
    "cli",
    "port",
    "rewrite",
    "bindings",
    "generics",
    "channels",
    "goroutines",
    "traits",
    "macros",
    "boot",
    "framework",
    "frontend",
    "ui",
    "router",
    "routes",
    "handler",
    "handlers",
    "layer",
    "parser",
    "isolates",
    "team",
    "shell",
    "driver",
    "drivers",
    "kernel",
    "firmware",
    "build",
    "builds",
    "config",
    "cluster",
    "query",
    "queries",
    "table",
    "tables",
    "schema",
    "warehouse",
    "plugin",
    "plugins",
    "container",
    "dependency",
];

/// One skill found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillMatch {
    /// The skill's slug.
    pub slug: String,
    /// Its canonical name.
    pub name: String,
    /// Its category.
    pub category: SkillCategory,
    /// The matched text, as written.
    pub excerpt: String,
    /// Start, in characters (Unicode scalar values) from the start of the text.
    pub start: usize,
    /// End (exclusive), in characters.
    pub end: usize,
    /// How sure the match is (0..=1).
    pub confidence: f64,
}

/// What the alias rules say about one match before lists are looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepted,
    /// An ambiguous name without its context: accepted when listed next to an
    /// accepted mention.
    IfListed,
    /// A case-ruled name written in lower case: accepted only in a tight list.
    IfTightlyListed,
}

struct Pattern {
    skill: usize,
    rule: AliasRule,
    text: String,
    /// Seeded (not curated) ambiguous names need a strong context: "in Crystal",
    /// "Gleam service", but not "Crystal 3" or "on Crystal".
    strict: bool,
}

/// A compiled matcher over one taxonomy.
pub struct SkillMatcher {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    skills: Vec<(String, String, SkillCategory)>,
    skill_index: std::collections::HashMap<String, usize>,
}

impl std::fmt::Debug for SkillMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SkillMatcher")
            .field("patterns", &self.patterns.len())
            .finish_non_exhaustive()
    }
}

impl SkillMatcher {
    /// Compiles the matcher for a taxonomy.
    pub fn new(taxonomy: &Taxonomy) -> SkillMatcher {
        let mut patterns = Vec::new();
        let mut skills = Vec::new();
        let written: std::collections::HashSet<String> = taxonomy
            .skills()
            .iter()
            .flat_map(|s| s.aliases.iter().map(|a| a.text.to_lowercase()))
            .collect();
        for (i, skill) in taxonomy.skills().iter().enumerate() {
            skills.push((skill.slug.clone(), skill.name.clone(), skill.category));
            for alias in &skill.aliases {
                let strict = matches!(alias.provenance, Provenance::Seeded { .. });
                // "infrastructure as code" is also written "infrastructure-as-code".
                // A spelling that is some skill's own alias stays that skill's.
                let hyphenated = Some(alias.text.replace(' ', "-"))
                    .filter(|h| *h != alias.text && !written.contains(&h.to_lowercase()));
                for text in std::iter::once(alias.text.clone()).chain(hyphenated) {
                    patterns.push(Pattern {
                        skill: i,
                        rule: alias.rule,
                        text,
                        strict,
                    });
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            .build(patterns.iter().map(|p| p.text.as_str()))
            .expect("alias patterns compile");
        let skill_index = skills
            .iter()
            .enumerate()
            .map(|(i, (slug, _, _))| (slug.clone(), i))
            .collect();
        SkillMatcher {
            automaton,
            patterns,
            skills,
            skill_index,
        }
    }

    /// Whether an automaton match may stand: `None` when its boundaries or case rule
    /// refuse it, else whether it is accepted now (an ambiguous alias without its
    /// context is kept as a candidate: a list can still make it technical).
    fn judge(&self, text: &str, m: aho_corasick::Match) -> Option<Verdict> {
        let pattern = &self.patterns[m.pattern().as_usize()];
        let (start, end) = (m.start(), m.end());
        if !at_word_boundaries(text, start, end) {
            return None;
        }
        let written = &text[start..end];
        let verdict = |accepted: bool| {
            if accepted {
                Verdict::Accepted
            } else {
                Verdict::IfListed
            }
        };
        match pattern.rule {
            AliasRule::AnyCase => Some(Verdict::Accepted),
            _ if written != pattern.text => {
                // Tag lines write every name in lower case ("node.js react go"): a
                // curated name written so counts only inside such a list.
                // Terse notes do too ("wrote it in go", "react component"): the
                // strict context words accept it on their own.
                let lower_case_tag = !pattern.strict
                    && !written.chars().any(char::is_uppercase)
                    && written.chars().any(char::is_alphabetic);
                lower_case_tag.then(|| {
                    if technical_context(text, start, end, true)
                        || release_number_after(text, start, end)
                    {
                        Verdict::Accepted
                    } else {
                        Verdict::IfTightlyListed
                    }
                })
            }
            AliasRule::ExactCase => Some(Verdict::Accepted),
            AliasRule::NeedsContext => Some(verdict(
                technical_context(text, start, end, pattern.strict)
                    || topic_heading(text, start, end)
                    || (!pattern.strict && determiner_then_name(text, start, end)),
            )),
        }
    }

    /// Every skill mention in `text`, in text order; offsets are in characters.
    pub fn find(&self, text: &str) -> Vec<SkillMatch> {
        struct Candidate {
            pattern: usize,
            start: usize,
            end: usize,
            verdict: Verdict,
        }
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut from = 0;
        while let Some(longest) = self.automaton.find(Input::new(text).span(from..text.len())) {
            // The longest alias at this position may be refused ("React Table" must be
            // written so; "React table" is React): then try the shorter ones there.
            let mut tried = Some(longest);
            let mut found = None;
            while let Some(m) = tried {
                if let Some(verdict) = self.judge(text, m) {
                    found = Some((m, verdict));
                    break;
                }
                tried = (m.len() > 1)
                    .then(|| {
                        let shorter = Input::new(text)
                            .span(m.start()..m.end() - 1)
                            .anchored(Anchored::Yes);
                        self.automaton.find(shorter)
                    })
                    .flatten();
            }
            match found {
                Some((m, verdict)) => {
                    candidates.push(Candidate {
                        pattern: m.pattern().as_usize(),
                        start: m.start(),
                        end: m.end(),
                        verdict,
                    });
                    from = m.end();
                }
                None => {
                    from = longest.start()
                        + text[longest.start()..]
                            .chars()
                            .next()
                            .map_or(1, char::len_utf8);
                }
            }
            if from >= text.len() {
                break;
            }
        }
        // An ambiguous mention listed next to an accepted one ("Go, Rust and Python")
        // is technical too. Two passes let acceptance spread along a list.
        for _ in 0..2 {
            for i in 0..candidates.len() {
                let tight = match candidates[i].verdict {
                    Verdict::Accepted => continue,
                    Verdict::IfListed => false,
                    Verdict::IfTightlyListed => true,
                };
                let listed = |j: usize| {
                    let (a, b) = if j < i { (j, i) } else { (i, j) };
                    let gap = &text[candidates[a].end..candidates[b].start];
                    candidates[j].verdict == Verdict::Accepted
                        && if tight {
                            is_tight_list_gap(gap)
                        } else {
                            is_list_gap(gap)
                        }
                };
                let near = (i > 0 && listed(i - 1)) || (i + 1 < candidates.len() && listed(i + 1));
                if near {
                    candidates[i].verdict = Verdict::Accepted;
                }
            }
        }
        // (byte start, byte end, skill index, confidence), in text order.
        let mut spans: Vec<(usize, usize, usize, f64)> = candidates
            .into_iter()
            .filter(|c| c.verdict == Verdict::Accepted)
            .map(|c| {
                let pattern = &self.patterns[c.pattern];
                let confidence = match pattern.rule {
                    AliasRule::AnyCase => 0.95,
                    AliasRule::ExactCase => 0.9,
                    AliasRule::NeedsContext => 0.8,
                };
                (c.start, c.end, pattern.skill, confidence)
            })
            .collect();
        // A tool whose only use is a practice shows it, on the tool's own span, so
        // the context model judges both alike ("ruled out Jenkins" is neither).
        let implied: Vec<(usize, usize, usize, f64)> = spans
            .iter()
            .filter_map(|&(start, end, skill, _)| {
                let practice = practice_of_tool(&self.skills[skill].0)?;
                let practice = *self.skill_index.get(practice)?;
                Some((start, end, practice, 0.7))
            })
            .collect();
        for span in implied {
            if !spans.iter().any(|s| s.2 == span.2) {
                spans.push(span);
            }
        }
        for hit in find_practices(text) {
            let Some(&skill) = self.skill_index.get(hit.slug) else {
                continue;
            };
            let named = spans.iter().any(|s| s.2 == skill);
            let overlaps = |end: usize| spans.iter().any(|s| s.0 < end && hit.start < s.1);
            if named {
                continue;
            }
            // A named mention between verb and object keeps its own span; the
            // practice then rests on the verb ("Encrypted" the S3 bucket).
            let end = [hit.end, hit.verb_end]
                .into_iter()
                .find(|&end| !overlaps(end));
            if let Some(end) = end {
                spans.push((hit.start, end, skill, 0.7));
            }
        }
        spans.sort_by_key(|s| s.0);
        let mut matches = Vec::new();
        // Starts are sorted; spans may share a range (a tool and its practice).
        let mut chars_before = 0;
        let mut last_start = 0;
        for (start, end, skill, confidence) in spans {
            chars_before += text[last_start..start].chars().count();
            let len = text[start..end].chars().count();
            last_start = start;
            let (slug, name, category) = &self.skills[skill];
            matches.push(SkillMatch {
                slug: slug.clone(),
                name: name.clone(),
                category: *category,
                excerpt: text[start..end].to_owned(),
                start: chars_before,
                end: chars_before + len,
                confidence,
            });
        }
        matches
    }
}

/// Whether `text[start..end]` stands as its own word: no letter, digit or `_` glued
/// to either side, no `+`/`#` after ("C" in "C++"), and no `.word` around it
/// ("go" in "main.go", "node" in "node.js").
pub(super) fn at_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let glued = |c: char| c.is_alphanumeric() || c == '_';
    if before.is_some_and(|c| glued(c) || c == '.' || c == '@' || c == '#') {
        return false;
    }
    if after.is_some_and(|c| c.is_ascii_digit()) && version_glued(text, start, end) {
        return true;
    }
    if after.is_some_and(|c| glued(c) || c == '+' || c == '#') {
        return false;
    }
    if after == Some('.')
        && text[end + 1..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
    {
        return false;
    }
    true
}

/// Whether the digits right after `text[start..end]` are a version glued to a name
/// ("python3", "vue3", "angular17"): a name of three or more letters ending in a
/// letter, then digits (and dots between digits) up to the end of the word.
fn version_glued(text: &str, start: usize, end: usize) -> bool {
    let name = &text[start..end];
    let rest = &text[end..];
    let digits = rest
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || (c == '.' && rest[i + 1..].starts_with(|d: char| d.is_ascii_digit())))
        })
        .map_or(rest.len(), |(i, _)| i);
    let word_ends = !rest[digits..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
    name.chars().count() >= 3 && name.ends_with(|c: char| c.is_ascii_alphabetic()) && word_ends
}

/// Words before a seeded ambiguous name that make it a language ("written in Gleam").
const STRICT_CONTEXT_BEFORE: &[&str] = &["in", "using", "wrote", "writing", "learned", "learning"];

/// Whether the words around an ambiguous mention mark it as technical. `strict`
/// narrows the words before and ignores version numbers after.
fn technical_context(text: &str, start: usize, end: usize, strict: bool) -> bool {
    let before_words = if strict {
        STRICT_CONTEXT_BEFORE
    } else {
        CONTEXT_BEFORE
    };
    // "on the Snowflake tables": an article may sit between some cues and the name
    // (not after "in": "in the Spring" is a season).
    let mut words_before = text[..start]
        .split(|c: char| !c.is_alphanumeric())
        .rev()
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase);
    let before = match words_before.next() {
        Some(w) if w == "the" && !strict => words_before
            .next()
            .filter(|w| ARTICLE_AFTER.contains(&w.as_str())),
        other => other,
    };
    let rest = &text[end..];
    let mut words_after = rest
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        // A period inside a word is a version ("3.12"); at its end, a sentence's end.
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase);
    let after = words_after.next();
    // "the Go inventory service": one modifier may sit between name and noun, but
    // not an article ("Make the query faster" is not Make).
    let second_after = if strict || after.as_deref().is_some_and(is_determiner) {
        None
    } else {
        words_after.next()
    };
    // Only words right next to the mention count, not across sentence ends.
    let before_is_adjacent = text[..start]
        .trim_end()
        .ends_with(|c: char| c.is_alphanumeric());
    let after_is_adjacent = rest.starts_with(' ');
    (before_is_adjacent && before.is_some_and(|w| before_words.contains(&w.as_str())))
        || (after_is_adjacent
            && (after.is_some_and(|w| {
                CONTEXT_AFTER.contains(&w.as_str())
                    || (!strict && w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            }) || second_after.is_some_and(|w| CONTEXT_AFTER.contains(&w.as_str()))))
}

/// Whether a mention opens its line as a topic heading: "Rust: replaced the
/// Mutex with DashMap", "- Go: fixed the leak".
fn topic_heading(text: &str, start: usize, end: usize) -> bool {
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    let opens_line = text[line_start..start]
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, '-' | '*' | '•'));
    opens_line && text[end..].starts_with(": ")
}

/// Whether a lower-case name is followed by a release number ("node 18/20",
/// "python 3.12"): two or more digits, or digits with a dot. A name of three
/// letters at least, as "go 2 rounds" is not Go.
fn release_number_after(text: &str, start: usize, end: usize) -> bool {
    let Some(rest) = text[end..].strip_prefix(' ') else {
        return false;
    };
    let number: &str = rest
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap_or_default()
        .trim_end_matches('.');
    let digits = number.chars().filter(char::is_ascii_digit).count();
    text[start..end].chars().count() >= 3
        && number.starts_with(|c: char| c.is_ascii_digit())
        && (digits >= 2 || number.contains('.'))
}

/// Words that open a noun phrase.
const DETERMINERS: &[&str] = &[
    "a", "an", "the", "our", "my", "this", "that", "their", "its",
];

fn is_determiner(word: &str) -> bool {
    DETERMINERS.contains(&word)
}

/// Whether a name written in its own case opens a noun phrase as its modifier: "a
/// Swift concurrency warning", "the Dataflow job". People and places take no
/// article; the seasons and idioms that do are listed, and the context model
/// judges the rest.
fn determiner_then_name(text: &str, start: usize, end: usize) -> bool {
    const NOT_A_NOUN: &[&str] = &[
        "afternoon",
        "morning",
        "evening",
        "day",
        "days",
        "weekend",
        "break",
        "cleaning",
        "season",
        "festival",
        "response",
        "reply",
        "party",
        "museum",
        "ring",
        "cafe",
        "bar",
        "restaurant",
        "hotel",
        "trip",
        "game",
        "movie",
        "book",
        "concert",
        "show",
        "band",
        "street",
        "park",
        "lunch",
        "dinner",
        "and",
        "or",
        "of",
        "is",
        "was",
    ];
    let written_as_name = text[start..end].starts_with(char::is_uppercase);
    let determiner = text[..start]
        .strip_suffix(' ')
        .and_then(|before| before.rsplit(|c: char| !c.is_alphanumeric()).next())
        .is_some_and(|word| is_determiner(&word.to_ascii_lowercase()));
    let next = text[end..].strip_prefix(' ').and_then(|rest| {
        rest.split(|c: char| !c.is_alphanumeric())
            .next()
            .filter(|w| !w.is_empty())
    });
    let noun_after =
        next.is_some_and(|w| w.chars().all(|c| c.is_ascii_lowercase()) && !NOT_A_NOUN.contains(&w));
    written_as_name && determiner && noun_after
}

/// Whether two mentions are separated only by a space, a comma or a slash, as in
/// a tag line ("react, go / rust").
fn is_tight_list_gap(gap: &str) -> bool {
    gap.len() <= 3 && gap.chars().all(|c| matches!(c, ' ' | ',' | '/'))
}

/// Whether the text between two mentions is only list punctuation.
fn is_list_gap(gap: &str) -> bool {
    let rest = gap
        .replace(" and ", " ")
        .replace(" or ", " ")
        .replace(['&', ',', '/', '(', ')'], " ");
    rest.trim().is_empty() && gap.len() <= 12
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs(text: &str) -> Vec<String> {
        let matcher = SkillMatcher::new(&Taxonomy::builtin());
        matcher.find(text).into_iter().map(|m| m.slug).collect()
    }

    #[test]
    fn aliases_resolve_to_canonical_skills() {
        assert_eq!(
            slugs("Moved billing to Postgres 15 on k8s with Terraform"),
            vec!["postgresql", "kubernetes", "terraform"]
        );
        assert_eq!(
            slugs("set up gha for the reactjs app"),
            vec!["github-actions", "ci-cd", "react"]
        );
        assert_eq!(slugs("Spring Boot service"), vec!["spring"]);
    }

    #[test]
    fn ambiguous_words_need_a_technical_context() {
        assert_eq!(
            slugs("Go to the meeting and rust off the notes"),
            Vec::<String>::new()
        );
        assert_eq!(slugs("Rewrote the parser in Rust"), vec!["rust"]);
        assert_eq!(slugs("the Go service leaked goroutines"), vec!["go"]);
        assert_eq!(slugs("fixed a crash in the Swift SDK."), vec!["swift"]);
        assert_eq!(
            slugs("Streamed updates into the React table"),
            vec!["react"]
        );
        assert_eq!(
            slugs("Spring cleaning of the backlog"),
            Vec::<String>::new()
        );
        assert_eq!(slugs("Plan C was to ship"), Vec::<String>::new());
        assert_eq!(slugs("ported the library to C"), vec!["c"]);
        assert_eq!(slugs("just a superloop in plain C"), vec!["c"]);
        assert_eq!(slugs("Python, Go and Rust"), vec!["python", "go", "rust"]);
        assert_eq!(slugs("C++ and C# clients"), vec!["cpp", "csharp"]);
        assert_eq!(
            slugs("checks on the Snowflake staging tables"),
            vec!["snowflake"]
        );
        assert_eq!(slugs("used Hilt for DI"), vec!["hilt"]);
        assert_eq!(slugs("Zephyr shell works now"), vec!["zephyr"]);
        assert_eq!(
            slugs("Release in the Spring, the Snowflake party"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_name_modifying_a_noun_after_an_article_is_technical() {
        assert_eq!(slugs("fixed a Swift concurrency warning"), vec!["swift"]);
        assert_eq!(
            slugs("events into BigQuery with a Dataflow job"),
            vec!["bigquery", "google-cloud-dataflow"]
        );
        assert_eq!(slugs("a Spring afternoon off"), Vec::<String>::new());
        assert_eq!(slugs("a swift concurrency fix"), Vec::<String>::new());
        assert_eq!(slugs("Swift concurrency is hard"), Vec::<String>::new());
        assert_eq!(
            slugs("Make the query faster with an index"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn topic_headings_and_release_numbers_are_technical() {
        assert_eq!(
            slugs("Rust: replaced the Mutex with a concurrent map"),
            vec!["rust"]
        );
        assert_eq!(slugs("- Go: fixed the leak"), vec!["go"]);
        assert_eq!(slugs("Go to the standup: late again"), Vec::<String>::new());
        assert_eq!(slugs("matrix build for node 18/20/22"), vec!["nodejs"]);
        assert_eq!(slugs("moved to python 3.12"), vec!["python"]);
        assert_eq!(slugs("go 2 rounds with the designer"), Vec::<String>::new());
        assert_eq!(slugs("the node 3 of the graph"), Vec::<String>::new());
    }

    #[test]
    fn seeded_languages_need_a_strong_context() {
        assert_eq!(slugs("wrote the parser in Gleam"), vec!["gleam"]);
        assert_eq!(slugs("ported the Crystal service"), vec!["crystal"]);
        assert!(slugs("a Crystal clear plan; Crystal 3 is out").is_empty());
        assert!(slugs("added an RPC endpoint, Just shipped").is_empty());
        assert_eq!(slugs("the CoffeeScript leftovers"), vec!["coffeescript"]);
    }

    #[test]
    fn multi_word_aliases_match_when_hyphenated() {
        assert_eq!(
            slugs("our infrastructure-as-code repo"),
            vec!["infrastructure-as-code"]
        );
        // "on call" is incident response, but "on-call" is its own practice.
        assert_eq!(slugs("before the on-call handover"), vec!["on-call"]);
    }

    #[test]
    fn lower_case_names_count_only_inside_a_tight_tag_list() {
        assert_eq!(
            slugs("typescript javascript node.js react go"),
            vec!["typescript", "javascript", "nodejs", "react", "go"]
        );
        assert_eq!(
            slugs("stack: docker, rust, go / react"),
            vec!["docker", "rust", "go", "react"]
        );
        // Without one unambiguous name the list proves nothing.
        assert!(slugs("rust, go / react").is_empty());
        assert_eq!(slugs("go to docker and rust off"), vec!["docker"]);
        assert!(slugs("did not react to the alert").is_empty());
        assert!(slugs("time to go home").is_empty());
        // A strict context word accepts one on its own.
        assert_eq!(slugs("rewrote the parser in rust"), vec!["rust"]);
        assert_eq!(slugs("fixed the react component"), vec!["react"]);
        assert!(slugs("the bike chain is covered with rust").is_empty());
    }

    #[test]
    fn perf_is_the_profiler_only_with_its_subcommands() {
        assert!(slugs("perf work on the API: p99 down").is_empty());
        assert!(slugs("big perf win in the renderer").is_empty());
        assert_eq!(slugs("ran perf record on the hot loop"), vec!["perf"]);
        assert_eq!(slugs("sampled it with Linux perf"), vec!["perf"]);
    }

    #[test]
    fn versions_glued_to_a_name_still_match() {
        assert_eq!(
            slugs("ported the app to vue3 and python3.12"),
            vec!["vue", "python"]
        );
        assert!(
            slugs("the vue3x branch").is_empty(),
            "letters after the version"
        );
    }

    #[test]
    fn word_boundaries_are_respected() {
        assert_eq!(slugs("edited main.go and node.js glue"), vec!["nodejs"]);
        assert!(slugs("cargoship pipelines").is_empty());
        assert_eq!(slugs("Postgres."), vec!["postgresql"]);
    }

    #[test]
    fn offsets_are_characters_and_excerpts_match() {
        let matcher = SkillMatcher::new(&Taxonomy::builtin());
        let text = "Déployé sur k8s — migré vers PostgreSQL";
        for m in matcher.find(text) {
            let excerpt: String = text.chars().skip(m.start).take(m.end - m.start).collect();
            assert_eq!(excerpt, m.excerpt);
        }
        assert_eq!(matcher.find(text).len(), 2);
    }
}
